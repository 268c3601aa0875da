/* cmd_runs_exec.c — `sagetty runs exec [...] -- PROGRAM ARGS...`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/metricdef.h"
#include "core/run.h"
#include "core/track.h"
#include "core/util.h"

#define MAX_KV 256

struct exec_args {
	const char *run, *name, *experiment;
	char *params[MAX_KV], *tags[MAX_KV];
	int nparams, ntags;
	struct sg_metricdefs *defs;
	int echo, json, quiet;
	char **argv;            /* the program and its arguments */
};

/* Checks a KEY=VALUE option. */
static int kv_arg(char **list, int *n, const char *opt, char *arg)
{
	if (!strchr(arg, '=') || arg[0] == '=')
		return cli_usage("runs", "--%s needs KEY=VALUE, not '%s'", opt, arg);
	if (*n == MAX_KV)
		return cli_usage("runs", "at most %d of --%s", MAX_KV, opt);
	list[(*n)++] = arg;
	return 0;
}

/* Parses the options up to the program (at "--" or the first non-option). */
static int parse_exec(int argc, char **argv, struct exec_args *a)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "experiment", required_argument, NULL, 'e' },
		{ "metric", required_argument, NULL, 'm' },
		{ "param", required_argument, NULL, 'p' },
		{ "tag", required_argument, NULL, 't' },
		{ "echo", no_argument, NULL, 'E' },
		{ "no-echo", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	struct sg_error err = { 0 };
	a->echo = isatty(1) || isatty(2);
	while ((c = getopt_long(argc, argv, "+r:n:e:m:p:t:q", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->run = optarg; break;
		case 'n': a->name = optarg; break;
		case 'e': a->experiment = optarg; break;
		case 'E': a->echo = 1; break;
		case 'N': a->echo = 0; break;
		case 'j': a->json = 1; break;
		case 'q': a->quiet = 1; break;
		case 'p':
			if (kv_arg(a->params, &a->nparams, "param", optarg) != 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (kv_arg(a->tags, &a->ntags, "tag", optarg) != 0)
				return EXIT_USAGE;
			break;
		case 'm':
			if (sg_metricdefs_add(a->defs, optarg, &err) != 0)
				return cli_usage("runs", "%s", err.msg);
			break;
		default:
			return cli_usage("runs", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (a->run && (a->name || a->experiment))
		return cli_usage("runs", "--run names an existing run; --name and --experiment "
				 "are for a new one");
	if (optind >= argc)
		return cli_usage("runs", "runs exec needs a program: runs exec [OPTIONS] -- PROGRAM "
				 "[ARGS...]");
	a->argv = argv + optind;
	return 0;
}

/* Records KEY=VALUE pairs as params (tag 0) or tags (tag 1). */
static int record_kvs(struct sg_store *s, const char *id, char **list, int n, int tag,
		      struct sg_error *err)
{
	for (int i = 0; i < n; i++) {
		char *eq = strchr(list[i], '=');
		char *key = sg_xstrndup(list[i], (size_t)(eq - list[i]));
		int rc = tag ? sg_run_set_tag(s, id, key, eq + 1, err)
			     : sg_run_set_param(s, id, key, eq + 1, err);
		free(key);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The command line, for people reading `runs show`. */
static char *joined_argv(char **argv)
{
	size_t n = 1;
	for (char **p = argv; *p; p++)
		n += strlen(*p) + 1;
	char *s = sg_xmalloc(n), *o = s;
	for (char **p = argv; *p; p++)
		o += sprintf(o, "%s%s", p == argv ? "" : " ", *p);
	*o = '\0';
	if (strlen(s) > 1000)
		strcpy(s + 996, "...");
	return s;
}

/* Creates the run or reopens the one named; records options and folder. */
static int prepare_run(struct sg_workspace *ws, struct exec_args *a, char id[SG_RUN_ID_LEN + 1],
		       char **dir, struct sg_error *err)
{
	if (a->run) {
		if (sg_run_resolve(ws->store, a->run, id, err) != 0 ||
		    sg_run_reopen(ws->store, id, err) != 0)
			return -1;
	} else {
		struct sg_run_spec spec = { .name = a->name, .experiment = a->experiment,
					    .kind = "exec" };
		if (sg_run_start(ws->store, &spec, id, err) != 0)
			return -1;
	}
	char *cmd = joined_argv(a->argv);
	int rc = sg_run_set_tag(ws->store, id, "sagetty.command", cmd, err);
	free(cmd);
	if (rc != 0 || record_kvs(ws->store, id, a->params, a->nparams, 0, err) != 0 ||
	    record_kvs(ws->store, id, a->tags, a->ntags, 1, err) != 0)
		return -1;
	*dir = sg_workspace_run_dir(ws, id);
	return sg_mkdir_p(*dir, 0777, err);
}

/* PYTHONPATH with the helper module's folder added, so a tracked script
 * can `import sagetty_log`; NULL when not found. */
static char *python_path_entry(void)
{
	char *dir = cli_python_helper_dir();
	if (!dir)
		return NULL;
	const char *old = getenv("PYTHONPATH");
	char *v = old && *old ? sg_xasprintf("PYTHONPATH=%s:%s", old, dir)
			      : sg_xasprintf("PYTHONPATH=%s", dir);
	free(dir);
	return v;
}

static void print_errors(const struct sg_track_result *r, const char *dir)
{
	if (r->bad_lines == 0)
		return;
	fprintf(stderr, "sagetty: %lld malformed metric line%s (all in %s/metrics.errors.log):\n",
		r->bad_lines, r->bad_lines == 1 ? "" : "s", dir);
	for (int i = 0; i < r->nerrors; i++)
		fprintf(stderr, "  %s\n", r->errors[i]);
}

static void print_summary(const char *id, const struct sg_track_result *r, const char *dir,
			  int quiet)
{
	print_errors(r, dir);
	if (r->store_error[0])
		fprintf(stderr, "sagetty: warning: %s\n", r->store_error);
	if (quiet)
		return;
	char how[48];
	if (r->signal)
		snprintf(how, sizeof how, "killed by signal %d", r->signal);
	else
		snprintf(how, sizeof how, "exit %d", r->exit_code);
	fprintf(stderr, "sagetty: run %s %s (%s) after %.1fs: %lld points, %lld params, %lld tags\n",
		id, sg_run_status_name(r->status), how, r->seconds, r->points, r->params, r->tags);
}

static void print_json(const char *id, const struct sg_track_result *r, const char *dir)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "status", json_string(sg_run_status_name(r->status)));
	json_object_set_new(o, "exit_code", r->signal ? json_null() : json_integer(r->exit_code));
	json_object_set_new(o, "signal", r->signal ? json_integer(r->signal) : json_null());
	json_object_set_new(o, "seconds", json_real(r->seconds));
	json_object_set_new(o, "points", json_integer(r->points));
	json_object_set_new(o, "params", json_integer(r->params));
	json_object_set_new(o, "tags", json_integer(r->tags));
	json_object_set_new(o, "regex_points", json_integer(r->regex_points));
	json_object_set_new(o, "malformed_lines", json_integer(r->bad_lines));
	json_t *errs = json_array();
	for (int i = 0; i < r->nerrors; i++)
		json_array_append_new(errs, json_string(r->errors[i]));
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "run_dir", json_string(dir));
	cli_print_json(o);
}

/* Runs the program; returns its exit status (128 + signal when killed). */
static int exec_tracked(struct sg_workspace *ws, struct exec_args *a)
{
	struct sg_error err = { 0 };
	char id[SG_RUN_ID_LEN + 1], *dir = NULL;
	if (prepare_run(ws, a, id, &dir, &err) != 0) {
		free(dir);
		return cli_fail(&err);
	}
	char *pp = python_path_entry();
	char *extra[] = { pp, NULL };
	struct sg_track_opts o = {
		.argv = a->argv, .run_id = id, .run_dir = dir, .workspace_root = ws->root,
		.extra_env = extra, .defs = a->defs, .echo = a->echo, .handle_signals = 1,
	};
	struct sg_track_result r;
	if (!a->quiet)
		fprintf(stderr, "sagetty: run %s: %s\n", id, dir);
	int rc = sg_track_run(ws->store, &o, &r, &err);
	int status;
	if (rc != 0) {
		cli_fail(&err);
		status = r.exit_code == 127 ? 127 : EXIT_FAIL;
	} else {
		print_summary(id, &r, dir, a->quiet);
		if (a->json)
			print_json(id, &r, dir);
		status = sg_track_exit_status(&r);
	}
	free(pp);
	free(dir);
	return status;
}

int runs_exec(struct sg_workspace *ws, int argc, char **argv)
{
	struct exec_args a = { .defs = sg_metricdefs_new() };
	int status = parse_exec(argc, argv, &a);
	if (status == 0)
		status = exec_tracked(ws, &a);
	sg_metricdefs_free(a.defs);
	return status;
}
