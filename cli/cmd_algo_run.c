/* cmd_algo_run.c — `sagetty algo-run NAME`: a built-in algorithm as the
 * program of a SageMaker-style training job (internal; not listed).
 *
 * Everything comes from the SageMaker training contract, so the job layer
 * starts it like any script: channels from SM_CHANNEL_TRAIN and
 * SM_CHANNEL_VALIDATION, the model folder SM_MODEL_DIR, hyperparameters from
 * SM_INPUT_CONFIG_DIR/hyperparameters.json, evaluation artifacts into
 * SM_OUTPUT_DATA_DIR, a failure message into SM_OUTPUT_DIR/failure, cores
 * from SM_NUM_CPUS.  Options override them (for running it by hand):
 * --train PATH --validation PATH --model-dir DIR --output-dir DIR
 * --hps FILE|JSON --hp KEY=VALUE.  Any other "--key value" pair is taken as a
 * hyperparameter, as SageMaker passes them to scripts.  Metric points go to
 * SAGETTY_METRICS_FD as "key value step=N" lines when it is set, and always
 * to stdout as readable lines.  SIGTERM stops training cleanly (exit 143). */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/algo.h"
#include "core/util.h"

static atomic_int cancel_flag;

static void on_term(int sig)
{
	(void)sig;
	atomic_store(&cancel_flag, 1);
}

struct sink {
	FILE *metrics;               /* SAGETTY_METRICS_FD, or NULL */
};

static void report(void *ud, const char *key, long long it, double value)
{
	struct sink *s = ud;
	char v[40];
	snprintf(v, sizeof v, "%.10g", value);
	if (s->metrics) {
		fprintf(s->metrics, "%s %s step=%lld\n", key, v, it);
		fflush(s->metrics);
	}
	printf("#metric %s=%s iteration=%lld\n", key, v, it);
	fflush(stdout);
}

static void log_line(void *ud, const char *line)
{
	(void)ud;
	printf("%s\n", line);
	fflush(stdout);
}

static FILE *metrics_stream(void)
{
	const char *fd = getenv("SAGETTY_METRICS_FD");
	if (!fd || !*fd)
		return NULL;
	int n = atoi(fd);
	return n > 2 ? fdopen(n, "w") : NULL;
}

/* Hyperparameters given as arguments, applied one by one (values may hold
 * commas or spaces). */
struct kv {
	int n;
	const char **key, **value;
	char **owned;
};

static void add_hp(struct kv *kv, const char *key, const char *value)
{
	kv->key = sg_xrealloc(kv->key, (size_t)(kv->n + 1) * sizeof *kv->key);
	kv->value = sg_xrealloc(kv->value, (size_t)(kv->n + 1) * sizeof *kv->value);
	kv->owned = sg_xrealloc(kv->owned, (size_t)(kv->n + 1) * sizeof *kv->owned);
	kv->owned[kv->n] = NULL;
	if (!value) {   /* KEY=VALUE */
		char *copy = kv->owned[kv->n] = sg_xstrdup(key);
		char *eq = strchr(copy, '=');
		if (eq)
			*eq = 0;
		key = copy;
		value = eq ? eq + 1 : NULL;
	}
	kv->key[kv->n] = key;
	kv->value[kv->n++] = value;
}

static void kv_done(struct kv *kv)
{
	for (int i = 0; i < kv->n; i++)
		free(kv->owned[i]);
	free(kv->owned);
	free(kv->key);
	free(kv->value);
}

static int apply_kv(struct sg_hps *h, const struct kv *kv, struct sg_error *err)
{
	for (int i = 0; i < kv->n; i++) {
		if (!kv->value[i])
			return sg_error_set(err, SG_E_USAGE, "hyperparameter '%s': expected KEY=VALUE",
					    kv->key[i]);
		if (sg_hps_set(h, kv->key[i], kv->value[i], err) != 0)
			return -1;
	}
	return 0;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

static void write_failure(const char *msg)
{
	const char *out = getenv("SM_OUTPUT_DIR");
	if (!out || !*out)
		return;
	char *path = sg_path_join(out, "failure");
	sg_write_atomic(path, msg, strlen(msg), 0644, NULL);
	free(path);
}

/* The hyperparameters: hyperparameters.json (or --hps), then --hp pairs. */
static char *base_hps(const char *hps_opt)
{
	if (hps_opt)
		return sg_xstrdup(hps_opt);
	const char *cfg = getenv("SM_INPUT_CONFIG_DIR");
	char *path = cfg ? sg_path_join(cfg, "hyperparameters.json") : NULL;
	char *text = NULL;
	if (path && sg_is_file(path))
		text = sg_read_file(path, 16 << 20, NULL, NULL);
	free(path);
	return text;
}

int cmd_algo_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc < 2 || argv[1][0] == '-')
		return cli_usage("algo-run", "algo-run NAME [--train PATH] [--validation PATH] "
				 "[--model-dir DIR] [--output-dir DIR] [--hps FILE|JSON] "
				 "[--hp KEY=VALUE]... (algorithms: %s)", sg_algo_names());
	struct sg_algo_job job = {
		.algo = argv[1], .train = env_or("SM_CHANNEL_TRAIN", NULL),
		.validation = env_or("SM_CHANNEL_VALIDATION", NULL),
		.model_dir = env_or("SM_MODEL_DIR", NULL),
		.output_dir = env_or("SM_OUTPUT_DATA_DIR", NULL),
		.threads = atoi(env_or("SM_NUM_CPUS", "0")),
	};
	const char *hps_opt = NULL;
	struct kv extra = { 0 };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strncmp(a, "--", 2) != 0 || !v) {
			kv_done(&extra);
			return cli_usage("algo-run", "unexpected argument '%s'", a);
		}
		i++;
		if (strcmp(a, "--train") == 0)
			job.train = v;
		else if (strcmp(a, "--validation") == 0)
			job.validation = v;
		else if (strcmp(a, "--model-dir") == 0)
			job.model_dir = v;
		else if (strcmp(a, "--output-dir") == 0)
			job.output_dir = v;
		else if (strcmp(a, "--hps") == 0)
			hps_opt = v;
		else if (strcmp(a, "--hp") == 0)
			add_hp(&extra, v, NULL);
		else
			add_hp(&extra, a + 2, v);
	}
	if (!job.train || !job.model_dir) {
		kv_done(&extra);
		return cli_usage("algo-run", "no train channel or model folder: set SM_CHANNEL_TRAIN "
				 "and SM_MODEL_DIR, or give --train and --model-dir");
	}
	struct sink sink = { metrics_stream() };
	job.report = report;
	job.report_ud = &sink;
	job.log = log_line;
	job.cancel = &cancel_flag;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);

	/* The file (or --hps) first, then the arguments, through a set of our
	 * own; the job gets the merged result as JSON. */
	char *base = base_hps(hps_opt);
	const struct sg_algo *a = sg_algo_find(job.algo);
	struct sg_error err = { 0 };
	int rc = 0;
	if (a) {
		struct sg_hps *h = sg_hps_new(a);
		rc = (base && sg_hps_set_text(h, base, &err) != 0) ||
		     apply_kv(h, &extra, &err) != 0 ? -1 : 0;
		if (rc == 0) {
			json_t *j = sg_hps_to_json(h);
			char *text = json_dumps(j, 0);
			json_decref(j);
			free(base);
			base = text;
		}
		sg_hps_free(h);
	}
	job.hps = base;
	if (rc == 0)
		rc = sg_algo_run(&job, &err);
	free(base);
	kv_done(&extra);
	if (sink.metrics)
		fclose(sink.metrics);
	if (rc == 1) {
		write_failure("Stopped: training was cancelled (SIGTERM)");
		return 128 + SIGTERM;
	}
	if (rc != 0) {
		write_failure(err.msg);
		return cli_fail(&err);
	}
	return EXIT_OK;
}
