/* cmd_runs.c — `sagetty runs show|start|finish` (exec: cmd_runs_exec.c; ls, compare,
 * rm, export: cmd_runs_query.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/job.h"
#include "core/rules.h"
#include "core/run.h"
#include "core/util.h"

/* ---- a run as JSON and its duration (runs ls: cmd_runs_query.c) ------ */

json_t *cli_run_json(const struct sg_run_info *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "experiment", json_string(r->experiment));
	json_object_set_new(o, "status", json_string(sg_run_status_name(r->status)));
	json_object_set_new(o, "user", json_string(r->user));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "source_path", r->source_path[0] ? json_string(r->source_path)
								 : json_null());
	json_object_set_new(o, "source_commit", r->source_commit[0] ? json_string(r->source_commit)
								     : json_null());
	json_object_set_new(o, "start_time", json_real(r->start_time));
	json_object_set_new(o, "end_time", r->end_time > 0 ? json_real(r->end_time) : json_null());
	json_object_set_new(o, "note", json_string(r->note));
	return o;
}

void cli_run_duration(const struct sg_run_info *r, char *buf, size_t n)
{
	double end = r->end_time > 0 ? r->end_time : sg_now();
	sg_format_duration(end - r->start_time, buf, n);
}

/* ---- runs show -------------------------------------------------------- */

static int kv_json(const char *k, const char *v, void *ud)
{
	json_object_set_new(ud, k, json_string(v));
	return 0;
}

static int kv_text(const char *k, const char *v, void *ud)
{
	printf("  %-24s %s\n", k, v);
	return 0;
}

static int metric_json(const struct sg_metric_summary *m, void *ud)
{
	json_t *o = json_object();
	json_object_set_new(o, "last", cli_json_real(m->last));
	json_object_set_new(o, "min", cli_json_real(m->min));
	json_object_set_new(o, "max", cli_json_real(m->max));
	json_object_set_new(o, "last_step", json_integer(m->last_step));
	json_object_set_new(o, "count", json_integer(m->count));
	json_object_set_new(ud, m->key, o);
	return 0;
}

static int metric_text(const struct sg_metric_summary *m, void *ud)
{
	char last[32], mn[32], mx[32];
	cli_format_real(m->last, last, sizeof last);
	cli_format_real(m->min, mn, sizeof mn);
	cli_format_real(m->max, mx, sizeof mx);
	printf("  %-24s last %-12s min %-12s max %-12s step %lld  count %lld\n", m->key, last, mn,
	       mx, m->last_step, m->count);
	return 0;
}

static int artifact_json(const char *path, const char *kind, void *ud)
{
	json_t *o = json_object();
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "kind", json_string(kind));
	json_array_append_new(ud, o);
	return 0;
}

static int rule_json(const struct sg_run_rule *rr, void *ud)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(rr->name));
	json_object_set_new(o, "spec", json_string(rr->spec));
	json_object_set_new(o, "status", json_string(sg_rule_status_name(rr->status)));
	json_object_set_new(o, "message", json_string(rr->message));
	json_object_set_new(o, "fired_step", rr->fired_step >= 0 ? json_integer(rr->fired_step)
								  : json_null());
	json_object_set_new(o, "fired_at", rr->fired_at > 0 ? json_real(rr->fired_at) : json_null());
	json_array_append_new(ud, o);
	return 0;
}

static int rule_text(const struct sg_run_rule *rr, void *ud)
{
	printf("  %-24s %-14s %s\n", rr->name, sg_rule_status_name(rr->status), rr->message);
	return 0;
}

/* A training run's attempts (job.h), as JSON objects or text lines. */
static int attempt_json(const struct sg_job_attempt *a, void *ud)
{
	json_t *o = json_object();
	json_object_set_new(o, "attempt", json_integer(a->number));
	json_object_set_new(o, "state", json_string(sg_job_state_name(a->state)));
	json_object_set_new(o, "outcome", a->outcome[0] ? json_string(a->outcome) : json_null());
	json_object_set_new(o, "host", json_string(a->host));
	json_object_set_new(o, "started_at", a->started_at > 0 ? json_real(a->started_at)
								: json_null());
	json_object_set_new(o, "ended_at", a->ended_at > 0 ? json_real(a->ended_at) : json_null());
	json_object_set_new(o, "reason", a->reason[0] ? json_string(a->reason) : json_null());
	json_array_append_new(ud, o);
	return 0;
}

static int attempt_text(const struct sg_job_attempt *a, void *ud)
{
	char from[32], to[32];
	sg_format_time(a->started_at, from, sizeof from);
	sg_format_time(a->ended_at, to, sizeof to);
	if (!*(int *)ud)
		printf("Attempts:\n");
	*(int *)ud = 1;
	printf("  %-3d %-12s %-10s %-16s %s  %s  %s\n", a->number, sg_job_state_name(a->state),
	       a->outcome[0] ? a->outcome : "-", a->host, from, to, a->reason);
	return 0;
}

static int show_json(struct sg_workspace *ws, const struct sg_run_info *r, struct sg_error *err)
{
	json_t *o = cli_run_json(r);
	json_t *params = json_object(), *tags = json_object(), *metrics = json_object();
	json_t *arts = json_array();
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "metrics", metrics);
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "artifacts", arts);
	json_t *rules = json_array(), *attempts = json_array();
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "attempts", attempts);
	if (sg_run_rules(ws->store, r->id, rule_json, rules, err) != 0 ||
	    sg_job_attempts(ws, r->id, attempt_json, attempts, err) != 0 ||
	    sg_run_params(ws->store, r->id, kv_json, params, err) != 0 ||
	    sg_run_metric_summaries(ws->store, r->id, metric_json, metrics, err) != 0 ||
	    sg_run_tags(ws->store, r->id, kv_json, tags, err) != 0 ||
	    sg_run_artifacts(ws->store, r->id, artifact_json, arts, err) != 0) {
		json_decref(o);
		return -1;
	}
	cli_print_json(o);
	return 0;
}

static int show_text(struct sg_workspace *ws, const struct sg_run_info *r, struct sg_error *err)
{
	char start[32], end[32], dur[32];
	sg_format_time(r->start_time, start, sizeof start);
	sg_format_time(r->end_time, end, sizeof end);
	cli_run_duration(r, dur, sizeof dur);
	printf("Run %s\n  name        %s\n  experiment  %s\n  status      %s\n  user        %s\n"
	       "  kind        %s\n  started     %s\n  ended       %s\n  duration    %s\n",
	       r->id, r->name, r->experiment, sg_run_status_name(r->status), r->user, r->kind,
	       start, end, dur);
	if (r->source_path[0])
		printf("  source      %s%s%s\n", r->source_path, r->source_commit[0] ? " @ " : "",
		       r->source_commit);
	if (r->note[0])
		printf("  note        %s\n", r->note);
	printf("Params:\n");
	if (sg_run_params(ws->store, r->id, kv_text, NULL, err) != 0)
		return -1;
	printf("Metrics:\n");
	if (sg_run_metric_summaries(ws->store, r->id, metric_text, NULL, err) != 0)
		return -1;
	printf("Tags:\n");
	if (sg_run_tags(ws->store, r->id, kv_text, NULL, err) != 0)
		return -1;
	printf("Artifacts:\n");
	if (sg_run_artifacts(ws->store, r->id, kv_text, NULL, err) != 0)
		return -1;
	printf("Rules:\n");
	if (sg_run_rules(ws->store, r->id, rule_text, NULL, err) != 0)
		return -1;
	int any = 0;   /* the heading only for a training run */
	return sg_job_attempts(ws, r->id, attempt_text, &any, err);
}

static int runs_show(struct sg_workspace *ws, int argc, char **argv)
{
	int json = 0;
	const char *run = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] == '-')
			return cli_usage("runs", "unknown option '%s'", argv[i]);
		else if (run)
			return cli_usage("runs", "runs show takes one run");
		else
			run = argv[i];
	}
	if (!run)
		return cli_usage("runs", "runs show needs a run id");
	struct sg_error err = { 0 };
	struct sg_run_info r;
	/* A training run whose supervisor is lost shows as ended, not RUNNING. */
	sg_job_reap(ws, NULL, NULL);
	if (sg_run_get(ws->store, run, &r, &err) != 0)
		return cli_fail(&err);
	int rc = json ? show_json(ws, &r, &err) : show_text(ws, &r, &err);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}

/* ---- runs start / finish ---------------------------------------------- */

#define MAX_PARAMS 256

static int runs_start(struct sg_workspace *ws, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "experiment", required_argument, NULL, 'e' },
		{ "param", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_run_spec spec = { 0 };
	char *params[MAX_PARAMS];
	int np = 0, json = 0, c;
	while ((c = getopt_long(argc, argv, "n:e:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': spec.name = optarg; break;
		case 'e': spec.experiment = optarg; break;
		case 'j': json = 1; break;
		case 'p':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return cli_usage("runs", "--param needs KEY=VALUE, not '%s'", optarg);
			if (np == MAX_PARAMS)
				return cli_usage("runs", "at most %d params", MAX_PARAMS);
			params[np++] = optarg;
			break;
		default:
			return cli_usage("runs", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("runs", "unexpected argument '%s'", argv[optind]);
	struct sg_error err = { 0 };
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_start(ws->store, &spec, id, &err) != 0)
		return cli_fail(&err);
	for (int i = 0; i < np; i++) {
		char *eq = strchr(params[i], '=');
		char *key = sg_xstrndup(params[i], (size_t)(eq - params[i]));
		int rc = sg_run_set_param(ws->store, id, key, eq + 1, &err);
		free(key);
		if (rc != 0)
			return cli_fail(&err);
	}
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(id));
		cli_print_json(o);
	} else {
		printf("%s\n", id);
	}
	return EXIT_OK;
}

static int runs_finish(struct sg_workspace *ws, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int st = SG_RUN_FINISHED, c, json = 0;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
			continue;
		}
		if (c != 's')
			return cli_usage("runs", "unknown or incomplete option '%s'", argv[optind - 1]);
		st = sg_run_status_parse(optarg);
		if (st < 0 || st == SG_RUN_RUNNING)
			return cli_usage("runs", "--status is finished, failed or killed, not '%s'",
					 optarg);
	}
	if (argc - optind != 1)
		return cli_usage("runs", "runs finish takes one run");
	struct sg_error err = { 0 };
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(ws->store, argv[optind], id, &err) != 0 ||
	    sg_run_finish(ws->store, id, st, &err) != 0)
		return cli_fail(&err);
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "status", json_string(sg_run_status_name(st)));
		cli_print_json(o);
	}
	return EXIT_OK;
}

int cmd_runs(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		{ "ls", runs_ls, CLI_WS_READ }, { "show", runs_show, CLI_WS_READ },
		{ "start", runs_start, CLI_WS_WRITE }, { "finish", runs_finish, CLI_WS_WRITE },
		{ "exec", runs_exec, CLI_WS_WRITE }, { "compare", runs_compare, CLI_WS_READ },
		{ "rm", runs_rm, CLI_WS_WRITE }, { "export", runs_export, CLI_WS_READ },
	};
	return cli_dispatch(cli, "runs", verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
