/* cmd_predict.c — `sagetty predict MODEL DATA -o OUT.csv`: applies a saved
 * model (its recipe included) to a CSV, streaming it in blocks so files
 * larger than memory work, and writes the predictions atomically. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/algo.h"
#include "core/util.h"

#define BLOCK_ROWS 65536

/* MODEL: a model folder or model.json; else a run (id, prefix or name) of
 * the workspace, whose model/ folder is used. */
static char *resolve_model(struct cli *cli, const char *arg, struct sg_error *err)
{
	if (sg_is_dir(arg) || sg_is_file(arg))
		return sg_xstrdup(arg);
	int status;
	struct sg_workspace *ws = cli_open(cli, SG_WS_READONLY, &status);
	if (!ws) {
		sg_error_set(err, SG_E_NOTFOUND, "%s: no such model folder (and no workspace to look "
			     "for a run of that name)", arg);
		return NULL;
	}
	char id[SG_RUN_ID_LEN + 1];
	char *dir = NULL;
	if (sg_run_resolve(ws->store, arg, id, err) == 0) {
		char *run = sg_workspace_run_dir(ws, id);
		dir = sg_path_join(run, "model");
		free(run);
		if (!sg_is_file(dir) && !sg_is_dir(dir)) {
			sg_error_set(err, SG_E_NOTFOUND, "run %s has no model folder (%s)", id, dir);
			free(dir);
			dir = NULL;
		}
	}
	sg_workspace_free(ws);
	return dir;
}

/* Shortest of %.15g / %.17g that reads back exactly. */
static void put_num(FILE *f, double v)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof buf, "%.17g", v);
	fputs(buf, f);
}

static void put_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_header(FILE *f, const struct sg_model *m, int proba)
{
	for (int j = 0; j < m->nout; j++) {
		if (j)
			fputc(',', f);
		put_text(f, m->outputs[j]);
	}
	for (int c = 0; proba && c < m->nclasses; c++) {
		char *name = sg_xasprintf("probability_%s", m->classes[c]);
		fputc(',', f);
		put_text(f, name);
		free(name);
	}
	fputc('\n', f);
}

static void put_rows(FILE *f, const struct sg_model *m, size_t n, const double *out,
		     const double *pr)
{
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < m->nout; j++) {
			double v = out[i * (size_t)m->nout + (size_t)j];
			if (j)
				fputc(',', f);
			if (j == 0 && m->task == SG_TASK_CLASSIFICATION && v >= 0 && v < m->nclasses)
				put_text(f, m->classes[(int)v]);
			else
				put_num(f, v);
		}
		for (int c = 0; pr && c < m->nclasses; c++) {
			fputc(',', f);
			put_num(f, pr[i * (size_t)m->nclasses + (size_t)c]);
		}
		fputc('\n', f);
	}
}

struct predict_job {
	const struct sg_model *m;
	const char *data, *out;
	int proba;
	size_t rows;
};

/* Streams data through the model into a temp file beside out. */
static int run_predict(struct predict_job *pj, struct sg_error *err)
{
	const struct sg_model *m = pj->m;
	struct sg_xy_opts o = {
		.task = m->task, .label = SG_LABEL_OPTIONAL, .target = m->target,
		.recipe = m->recipe, .like_d = m->d, .like_names = m->features,
		.like_nclasses = m->nclasses, .like_classes = m->classes, .channel = "prediction",
	};
	struct sg_xy_stream *s = sg_xy_stream_open(pj->data, &o, err);
	if (!s)
		return -1;
	char *tmp = sg_xasprintf("%s.tmp-XXXXXX", pj->out);
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		sg_error_errno(err, "%s", tmp);
		if (fd >= 0)
			close(fd);
		free(tmp);
		sg_xy_stream_free(s);
		return -1;
	}
	fchmod(fd, 0644);
	put_header(f, m, pj->proba);
	double *out = sg_xmalloc((size_t)BLOCK_ROWS * (size_t)m->nout * sizeof *out);
	double *pr = pj->proba && m->nclasses
		? sg_xmalloc((size_t)BLOCK_ROWS * (size_t)m->nclasses * sizeof *pr) : NULL;
	const struct sg_xy *b;
	long long got;
	int rc = 0;
	while (rc == 0 && (got = sg_xy_stream_next(s, BLOCK_ROWS, &b, err)) != 0) {
		if (got < 0 || sg_model_predict(m, b->x, b->n, out, pr, err) != 0) {
			rc = -1;
			break;
		}
		put_rows(f, m, b->n, out, pr);
		pj->rows += b->n;
	}
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)))
		rc = sg_error_errno(err, "%s", pj->out);
	if (fclose(f) != 0 && rc == 0)
		rc = sg_error_errno(err, "%s", pj->out);
	if (rc == 0 && rename(tmp, pj->out) != 0)
		rc = sg_error_errno(err, "%s", pj->out);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(out);
	free(pr);
	sg_xy_stream_free(s);
	return rc;
}

int cmd_predict(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "probabilities", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	if (cli_wants_help("predict", argc, argv))
		return EXIT_OK;
	struct predict_job pj = { 0 };
	int json = 0, c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': pj.out = optarg; break;
		case 'p': pj.proba = 1; break;
		case 'j': json = 1; break;
		default: return cli_usage("predict", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2 || !pj.out)
		return cli_usage("predict", "predict takes MODEL DATA -o OUT.csv");
	struct sg_error err = { 0 };
	char *dir = resolve_model(cli, argv[optind], &err);
	struct sg_model *m = dir ? sg_model_load(dir, &err) : NULL;
	if (!m) {
		free(dir);
		return cli_fail(&err);
	}
	if (pj.proba && m->task != SG_TASK_CLASSIFICATION) {
		const char *task = sg_task_name(m->task);
		sg_model_free(m);
		free(dir);
		return cli_usage("predict", "--probabilities needs a classifier (this model's task is "
				 "%s)", task);
	}
	pj.m = m;
	pj.data = argv[optind + 1];
	double t0 = sg_now();
	int rc = run_predict(&pj, &err);
	if (rc == 0 && json)
		cli_print_json(json_pack("{s:s,s:s,s:s,s:I,s:s,s:f}", "model", dir, "algorithm",
					 m->algo->name, "data", pj.data, "rows", (json_int_t)pj.rows,
					 "output", pj.out, "seconds", sg_now() - t0));
	else if (rc == 0)
		printf("%zu predictions written to %s\n", pj.rows, pj.out);
	sg_model_free(m);
	free(dir);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}
