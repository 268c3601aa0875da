/* cmd_log.c — `sagetty log metric|param|tag|lines`: record into a run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/ingest.h"
#include "core/metricline.h"
#include "core/util.h"

struct log_args {
	const char *run;
	long long step;         /* -1: the next one */
	int json;
	const char *pos[3];     /* positional arguments */
	int npos;
};

/* Options may come anywhere (values like -1.5 or -inf are positional); "--"
 * ends them. */
static int parse_log(int argc, char **argv, struct log_args *a)
{
	a->step = -1;
	int opts_done = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *val = NULL;
		if (!opts_done && strcmp(s, "--") == 0) {
			opts_done = 1;
			continue;
		}
		int is_opt = !opts_done && strncmp(s, "--", 2) == 0;
		if (is_opt && strcmp(s, "--json") == 0) {
			a->json = 1;
			continue;
		}
		if (is_opt && (strncmp(s, "--run", 5) == 0 || strncmp(s, "--step", 6) == 0)) {
			const char *eq = strchr(s, '=');
			size_t nl = eq ? (size_t)(eq - s) : strlen(s);
			if (!(nl == 5 || nl == 6) || strncmp(s, nl == 5 ? "--run" : "--step", nl) != 0)
				return cli_usage("log", "unknown option '%s'", s);
			val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val)
				return cli_usage("log", "%.*s needs a value", (int)nl, s);
			if (nl == 5) {
				a->run = val;
				continue;
			}
			char *end;
			errno = 0;
			a->step = strtoll(val, &end, 10);
			if (*end || end == val || a->step < 0 || errno)
				return cli_usage("log", "--step needs a whole number >= 0, not '%s'", val);
			continue;
		}
		if (is_opt)
			return cli_usage("log", "unknown option '%s'", s);
		if (a->npos == 3)
			return cli_usage("log", "unexpected argument '%s'", s);
		a->pos[a->npos++] = s;
	}
	if (!a->run) {
		const char *env = getenv("SAGETTY_RUN_ID");
		a->run = env && *env ? env : NULL;
	}
	if (!a->run)
		return cli_usage("log", "which run? Give --run RUN, or log from a program started "
				 "by `sagetty runs exec` (it sets SAGETTY_RUN_ID)");
	return 0;
}

/* The workspace: -w, else SAGETTY_WORKSPACE (set for tracked programs, whose
 * cwd may be anywhere), else the one around the cwd. */
static struct sg_workspace *open_for_log(struct cli *cli, int *status)
{
	struct cli c = *cli;
	const char *env = getenv("SAGETTY_WORKSPACE");
	if (!c.workspace && env && *env)
		c.workspace = env;
	return cli_open(&c, 0, status);
}

static void print_record(const char *id, const char *what, const char *key, json_t *value,
			 long long step)
{
	json_t *o = json_object();
	json_object_set_new(o, "run", json_string(id));
	json_object_set_new(o, "kind", json_string(what));
	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "value", value);
	if (step >= 0)
		json_object_set_new(o, "step", json_integer(step));
	cli_print_json(o);
}

/* log metric|param|tag KEY VALUE. */
static int log_one(struct sg_ingest *w, const char *what, struct log_args *a)
{
	struct sg_error err = { 0 };
	const char *key = a->pos[0], *value = a->pos[1];
	if (a->npos != 2)
		return cli_usage("log", "log %s takes KEY VALUE", what);
	if (!sg_metric_key_valid(key))
		return cli_usage("log", "'%s' is not a valid key (1-%d bytes of UTF-8, no control "
				 "characters)", key, SG_MLINE_KEY_MAX);
	if (strcmp(what, "metric") != 0 && a->step >= 0)
		return cli_usage("log", "--step is for metrics");
	double v = 0;
	long long step = -1;
	int rc;
	if (strcmp(what, "metric") == 0) {
		if (sg_metric_value_parse(value, strlen(value), &v) != 0)
			return cli_usage("log", "'%s' is not a number (or nan, inf, -inf)", value);
		rc = sg_ingest_metric(w, key, a->step, 0, v, &step, &err);
	} else if (!*value) {
		return cli_usage("log", "the %s value is empty", what);
	} else {
		rc = strcmp(what, "param") == 0 ? sg_ingest_param(w, key, value, &err)
						 : sg_ingest_tag(w, key, value, &err);
	}
	if (rc != 0 || sg_ingest_flush(w, &err) != 0)
		return cli_fail(&err);
	if (a->json)
		print_record(sg_ingest_run_id(w), what, key,
			     step >= 0 ? cli_json_real(v) : json_string(value), step);
	return EXIT_OK;
}

struct lines_ctx {
	struct sg_ingest *w;
	long long bad;
	int failed;
	struct sg_error err;
};

static void lines_record(const struct sg_mrec *r, void *ud)
{
	struct lines_ctx *c = ud;
	if (!c->failed && sg_ingest_record(c->w, r, &c->err) != 0)
		c->failed = 1;
}

static void lines_line(const char *line, size_t len, long long lineno, int too_long, void *ud)
{
	struct lines_ctx *c = ud;
	struct sg_mline_error me = { 0 };
	if (too_long)
		snprintf(me.msg, sizeof me.msg, "line longer than %d bytes", SG_MLINE_MAX),
			me.col = SG_MLINE_MAX + 1;
	if (too_long || sg_metricline_parse(line, len, lines_record, c, &me) < 0) {
		if (c->bad++ < 5)
			fprintf(stderr, "sagetty: line %lld: col %d: %s\n", lineno, me.col, me.msg);
	}
}

/* log lines [FILE]: the line protocol from a file or stdin. */
static int log_lines(struct sg_ingest *w, struct log_args *a)
{
	if (a->npos > 1)
		return cli_usage("log", "log lines takes at most one FILE");
	FILE *f = a->npos ? fopen(a->pos[0], "rb") : stdin;
	if (!f) {
		struct sg_error err;
		sg_error_errno(&err, "%s: cannot open", a->pos[0]);
		return cli_fail(&err);
	}
	struct lines_ctx c = { .w = w };
	struct sg_linebuf lb;
	sg_linebuf_init(&lb);
	char buf[65536];
	size_t n;
	while (!c.failed && (n = fread(buf, 1, sizeof buf, f)) > 0)
		sg_linebuf_feed(&lb, buf, n, lines_line, &c);
	sg_linebuf_finish(&lb, lines_line, &c);
	sg_linebuf_done(&lb);
	if (f != stdin)
		fclose(f);
	if (c.failed || sg_ingest_flush(w, &c.err) != 0)
		return cli_fail(&c.err);
	const struct sg_ingest_stats *st = sg_ingest_stats(w);
	if (a->json) {
		json_t *o = json_object();
		json_object_set_new(o, "run", json_string(sg_ingest_run_id(w)));
		json_object_set_new(o, "points", json_integer(st->points));
		json_object_set_new(o, "params", json_integer(st->params));
		json_object_set_new(o, "tags", json_integer(st->tags));
		json_object_set_new(o, "malformed_lines", json_integer(c.bad));
		cli_print_json(o);
	}
	if (c.bad)
		fprintf(stderr, "sagetty: %lld malformed line%s skipped\n", c.bad,
			c.bad == 1 ? "" : "s");
	return c.bad ? EXIT_FAIL : EXIT_OK;
}

int cmd_log(struct cli *cli, int argc, char **argv)
{
	if (cli_wants_help("log", argc, argv))
		return EXIT_OK;
	if (argc < 2)
		return cli_usage("log", "log needs what to record: metric, param, tag or lines");
	const char *what = argv[1];
	if (strcmp(what, "metric") && strcmp(what, "param") && strcmp(what, "tag") &&
	    strcmp(what, "lines"))
		return cli_usage("log", "no 'log %s': metric, param, tag or lines", what);
	struct log_args a = { 0 };
	int status = parse_log(argc - 1, argv + 1, &a);
	if (status != 0)
		return status;
	struct sg_workspace *ws = open_for_log(cli, &status);
	if (!ws)
		return status;
	struct sg_error err = { 0 };
	struct sg_ingest *w = sg_ingest_new(ws->store, a.run, NULL, &err);
	if (!w)
		status = cli_fail(&err);
	else if (strcmp(what, "lines") == 0)
		status = log_lines(w, &a);
	else
		status = log_one(w, what, &a);
	sg_ingest_close(w, NULL);
	sg_workspace_free(ws);
	return status;
}
