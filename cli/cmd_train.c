/* cmd_train.c — `sagetty train`: validate, create and launch a training job
 * (a script, or a built-in algorithm with --algo NAME). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/job.h"
#include "core/util.h"

#define MAX_ITEMS 256

struct train_args {
	struct sg_job_request req;
	const char *channels[MAX_ITEMS], *hps[MAX_ITEMS], *metrics[MAX_ITEMS], *rules[MAX_ITEMS];
	int wait, json;
};

/* Appends a repeatable option's value. */
static int push(const char **list, size_t *n, const char *opt, const char *v)
{
	if (*n == MAX_ITEMS)
		return cli_usage("train", "at most %d of --%s", MAX_ITEMS, opt);
	list[(*n)++] = v;
	return 0;
}

/* Seconds >= 0 for --max-runtime and --stop-grace. */
static int seconds(const char *opt, const char *v, double *out)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end || !isfinite(d) || d < 0)
		return cli_usage("train", "--%s takes a number of seconds >= 0, not '%s'", opt, v);
	*out = d;
	return 0;
}

static int parse_train(int argc, char **argv, struct train_args *a)
{
	static const struct option opts[] = {
		{ "script", required_argument, NULL, 's' },
		{ "algo", required_argument, NULL, 'a' },
		{ "interpreter", required_argument, NULL, 'i' },
		{ "channel", required_argument, NULL, 'c' },
		{ "hp", required_argument, NULL, 'p' },
		{ "metric", required_argument, NULL, 'm' },
		{ "rule", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "experiment", required_argument, NULL, 'e' },
		{ "max-runtime", required_argument, NULL, 'T' },
		{ "stop-grace", required_argument, NULL, 'G' },
		{ "wait", no_argument, NULL, 'W' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_job_request *q = &a->req;
	int c, rc = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's': q->script = optarg; break;
		case 'a': q->algo = optarg; break;
		case 'i': q->interpreter = optarg; break;
		case 'n': q->name = optarg; break;
		case 'e': q->experiment = optarg; break;
		case 'W': a->wait = 1; break;
		case 'j': a->json = 1; break;
		case 'c': rc = push(a->channels, &q->nchannels, "channel", optarg); break;
		case 'p': rc = push(a->hps, &q->nhps, "hp", optarg); break;
		case 'm': rc = push(a->metrics, &q->nmetrics, "metric", optarg); break;
		case 'r': rc = push(a->rules, &q->nrules, "rule", optarg); break;
		case 'T': rc = seconds("max-runtime", optarg, &q->max_runtime); break;
		case 'G': rc = seconds("stop-grace", optarg, &q->stop_grace); break;
		default:
			return cli_usage("train", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (rc != 0)
		return rc;
	if (optind < argc)
		return cli_usage("train", "unexpected '%s' (hyperparameters go in --hp KEY=VALUE)",
				 argv[optind]);
	if (q->script && q->algo)
		return cli_usage("train", "give either --script FILE or --algo NAME, not both");
	if (!q->script && !q->algo)
		return cli_usage("train", "train needs --script FILE or --algo NAME");
	q->channels = a->channels;
	q->hps = a->hps;
	q->metrics = a->metrics;
	q->rules = a->rules;
	return 0;
}

static void print_launched(struct sg_workspace *ws, const char *id, int json)
{
	if (!json) {
		printf("%s\n", id);
		fflush(stdout);
		return;
	}
	struct sg_job_info j;
	struct sg_error err = { 0 };
	json_t *o = sg_job_get(ws, id, &j, &err) == 0 ? cli_job_json(&j) : json_object();
	char *dir = sg_workspace_run_dir(ws, id);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "run_dir", json_string(dir));
	free(dir);
	cli_print_json(o);
	fflush(stdout);
}

/* Creates and launches; with --wait follows to the end. */
static int train(struct sg_workspace *ws, struct train_args *a)
{
	struct sg_error err = { 0 };
	struct sg_job_plan *plan = sg_job_prepare(ws, &a->req, &err);
	if (!plan)
		return cli_fail(&err);
	char id[SG_RUN_ID_LEN + 1];
	int rc = sg_job_create(ws, plan, id, &err);
	sg_job_plan_free(plan);
	if (rc != 0)
		return cli_fail(&err);
	if (sg_job_launch(ws, id, NULL, &err) != 0)
		return cli_fail(&err);
	if (!a->wait || !a->json)
		print_launched(ws, id, a->json);
	/* After the launch: the lookup runs while the supervisor starts. */
	if (sg_job_record_source(ws, id, &err) != 0)
		fprintf(stderr, "sagetty: warning: %s\n", err.msg);
	if (!a->wait)
		return EXIT_OK;
	return cli_job_wait(ws, id, a->json);
}

int cmd_train(struct cli *cli, int argc, char **argv)
{
	if (cli_wants_help("train", argc, argv))
		return EXIT_OK;
	struct train_args a = { 0 };
	int status = parse_train(argc, argv, &a);
	if (status != 0)
		return status;
	struct sg_workspace *ws = cli_open(cli, 0, &status);
	if (!ws)
		return status;
	status = train(ws, &a);
	sg_workspace_free(ws);
	return status;
}
