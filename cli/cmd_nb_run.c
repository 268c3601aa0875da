/* cmd_nb_run.c — `sagetty nb run`: a notebook executed headlessly, the
 * papermill way, and recorded as a run of kind "notebook". */
#include "sgconfig.h"
#include <getopt.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/nbformat.h"
#include "core/nbparams.h"
#include "core/nbrun.h"
#include "core/util.h"

/* One -p, -r, -f or -y as given. */
struct param_opt {
	char kind;               /* 'p', 'r', 'f', 'y' */
	const char *key, *value; /* -p/-r KEY VALUE; -f FILE or -y TEXT in value */
};

struct nb_args {
	const char *input, *output, *kernel, *cwd;
	double timeout, start_timeout;
	int allow_errors, log_output, progress, json, record;
	struct param_opt *opts;  /* in command-line order */
	size_t nopts;
	struct sg_nbrun_param *params; /* the final parameters */
	size_t nparams;
	json_t **docs;           /* parsed YAML (the typed values live there) */
	size_t ndocs;
	char **texts;            /* typed values as text, for the run's params */
	size_t ntexts;
};

static void add_opt(struct nb_args *a, char kind, const char *key, const char *value)
{
	a->opts = sg_xrealloc(a->opts, (a->nopts + 1) * sizeof *a->opts);
	a->opts[a->nopts++] = (struct param_opt){ kind, key, value };
}

static void add_param(struct nb_args *a, struct sg_nbrun_param p)
{
	/* A name given again replaces its value (see collect_params). */
	for (size_t i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i].key, p.key) == 0) {
			a->params[i] = p;
			return;
		}
	a->params = sg_xrealloc(a->params, (a->nparams + 1) * sizeof *a->params);
	a->params[a->nparams++] = p;
}

/* A typed value as text for the run's parameters: strings as they are,
 * the rest as JSON. */
static const char *typed_text(struct nb_args *a, const json_t *v)
{
	json_t *plain = NULL;
	struct sg_nbrun_param p = { .key = "", .typed = v };
	free(sg_nbrun_param_literal(&p, &plain));
	char *t = json_is_string(plain) ? sg_xstrdup(json_string_value(plain))
		: json_dumps(plain, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(plain);
	a->texts = sg_xrealloc(a->texts, (a->ntexts + 1) * sizeof *a->texts);
	a->texts[a->ntexts++] = t ? t : sg_xstrdup("");
	return a->texts[a->ntexts - 1];
}

/* The final parameters, with papermill's precedence: base64 YAML texts
 * (-b), then YAML files (-f), then YAML texts (-y), then -p, then -r, each
 * later one replacing a name given before; so -r beats -p whatever their
 * order, and within one kind the last wins.  Returns -1 to go on, else the
 * exit code. */
static int collect_params(struct nb_args *a)
{
	static const char order[] = "bfypr";
	for (const char *k = order; *k; k++) {
		for (size_t i = 0; i < a->nopts; i++) {
			const struct param_opt *o = &a->opts[i];
			if (o->kind != *k)
				continue;
			if (*k == 'p' || *k == 'r') {
				add_param(a, (struct sg_nbrun_param){ o->key, o->value, *k == 'r', NULL });
				continue;
			}
			struct sg_error err = { 0 };
			json_t *doc = NULL;
			int rc = *k == 'f' ? sg_nbparams_yaml_file(o->value, &doc, &err)
				 : *k == 'b' ? sg_nbparams_yaml_base64(o->value, &doc, &err)
					     : sg_nbparams_yaml(o->value, strlen(o->value), "-y", &doc, &err);
			if (rc < 0)
				return cli_fail(&err);
			a->docs = sg_xrealloc(a->docs, (a->ndocs + 1) * sizeof *a->docs);
			a->docs[a->ndocs++] = doc;
			const char *name;
			json_t *v;
			json_object_foreach(doc, name, v)
				add_param(a, (struct sg_nbrun_param){ name, typed_text(a, v), 0, v });
		}
	}
	return -1;
}

static int parse_args(struct nb_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "parameters", required_argument, NULL, 'p' },
		{ "parameters_raw", required_argument, NULL, 'r' },
		{ "raw", required_argument, NULL, 'r' },
		{ "parameters_file", required_argument, NULL, 'f' },
		{ "parameters_yaml", required_argument, NULL, 'y' },
		{ "parameters_base64", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "start-timeout", required_argument, NULL, 'S' },
		{ "allow-errors", no_argument, NULL, 'e' },
		{ "log-output", no_argument, NULL, 'l' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-progress", no_argument, NULL, 'Q' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "no-record", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	a->progress = isatty(2);
	a->record = 1;
	int c;
	while ((c = getopt_long(argc, argv, "p:r:f:y:b:o:k:", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'p':
		case 'r':
			/* -p KEY VALUE: the value is the next argument. */
			if (optind >= argc)
				return cli_usage("nb", "-%c needs KEY VALUE", c);
			if (!sg_nbrun_valid_key(optarg))
				return cli_usage("nb", "parameter name '%s' is not a Python identifier",
						 optarg);
			add_opt(a, (char)c, optarg, argv[optind++]);
			break;
		case 'f':
		case 'y':
		case 'b': add_opt(a, (char)c, NULL, optarg); break;
		case 'o': a->output = optarg; break;
		case 'k': a->kernel = optarg; break;
		case 'c': a->cwd = optarg; break;
		case 't':
		case 'S': {
			double v = strtod(optarg, &end);
			if (*end || !(v >= 0))
				return cli_usage("nb", "--%s needs seconds (a number >= 0), not '%s'",
						 c == 't' ? "timeout" : "start-timeout", optarg);
			*(c == 't' ? &a->timeout : &a->start_timeout) = v;
			break;
		}
		case 'e': a->allow_errors = 1; break;
		case 'l': a->log_output = 1; break;
		case 'P': a->progress = 1; break;
		case 'Q': a->progress = 0; break;
		case 'N': a->record = 0; break;
		case 'j': a->json = 1; break;
		default:
			return cli_usage("nb", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage("nb", "nb run needs a notebook");
	a->input = argv[optind++];
	if (optind < argc && !a->output)
		a->output = argv[optind++]; /* papermill's positional OUTPUT_PATH */
	if (optind < argc)
		return cli_usage("nb", "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* The default output: NAME.out.ipynb beside the input (never the input). */
static char *default_output(const char *input)
{
	const char *base = strrchr(input, '/');
	base = base ? base + 1 : input;
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - input) : strlen(input);
	return sg_xasprintf("%.*s.out.ipynb", (int)stem, input);
}

struct git_info {
	char commit[64];
	const char *state;
};

/* HEAD of the repository holding the notebook and the file's status. */
static void notebook_git(const char *abs, struct git_info *gi)
{
	memset(gi, 0, sizeof *gi);
	git_libgit2_init();
	git_repository *repo = NULL;
	git_oid oid;
	if (git_repository_open_ext(&repo, abs, 0, NULL) != 0)
		goto done;
	if (git_reference_name_to_id(&oid, repo, "HEAD") == 0)
		git_oid_tostr(gi->commit, sizeof gi->commit, &oid);
	const char *wd = git_repository_workdir(repo);
	unsigned flags = 0;
	if (wd && strncmp(abs, wd, strlen(wd)) == 0 &&
	    git_status_file(&flags, repo, abs + strlen(wd)) == 0)
		gi->state = flags & GIT_STATUS_WT_NEW ? "untracked"
			    : flags & GIT_STATUS_IGNORED ? "ignored"
			    : flags ? "modified" : "clean";
done:
	git_repository_free(repo);
	git_libgit2_shutdown();
}

#define SAVE_EVERY 10.0 /* seconds between saves of a run in progress */

struct progress_ctx {
	int print;
	const struct sg_nb *nb;
	const char *out;          /* NULL: stdout, never saved early */
	double last_save;
};

/* After each cell: a progress line, and the output notebook saved now and
 * then, so a long run can be followed (and survives a crash) as with
 * papermill. */
static void progress(size_t index, size_t n, const struct sg_nb_cell *c, const char *status,
		     double secs, void *ud)
{
	(void)c;
	struct progress_ctx *p = ud;
	if (p->print)
		fprintf(stderr, "sagetty: cell %zu/%zu %s (%.2fs)\n", index + 1, n, status, secs);
	double now = sg_now();
	if (p->out && now - p->last_save >= SAVE_EVERY) {
		struct sg_error err = { 0 };
		if (sg_nb_save_file(p->out, p->nb, &err) < 0)
			fprintf(stderr, "sagetty: warning: %s\n", err.msg);
		p->last_save = now;
	}
}

/* Puts the folder of the sagetty_log helper (installed, or the source
 * tree's when uninstalled) in front of PYTHONPATH, for the kernel. */
static void helper_on_pythonpath(void)
{
	char *dir = cli_python_helper_dir();
	if (!dir)
		return;
	const char *old = getenv("PYTHONPATH");
	char *v = old && *old ? sg_xasprintf("%s:%s", dir, old) : sg_xstrdup(dir);
	setenv("PYTHONPATH", v, 1);
	free(v);
	free(dir);
}

/* Starts the run (inside a workspace); the kernel learns its id so the
 * notebook can log metrics with sagetty_log. */
static int start_run(struct sg_workspace *ws, const struct nb_args *a, const char *abs,
		     char id[SG_RUN_ID_LEN + 1], struct sg_error *err)
{
	struct git_info gi;
	notebook_git(abs, &gi);
	const char *base = strrchr(abs, '/');
	char *name = sg_xstrdup(base ? base + 1 : abs);
	char *dot = strrchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
	size_t rl = strlen(ws->root);
	const char *rel = strncmp(abs, ws->root, rl) == 0 && abs[rl] == '/' ? abs + rl + 1 : abs;
	struct sg_run_spec spec = { .name = name, .kind = "notebook", .source_path = rel,
				    .source_commit = gi.commit[0] ? gi.commit : NULL };
	int rc = sg_run_start(ws->store, &spec, id, err);
	free(name);
	for (size_t i = 0; rc == 0 && i < a->nparams; i++)
		rc = sg_run_set_param(ws->store, id, a->params[i].key, a->params[i].value, err);
	if (rc == 0 && gi.state)
		rc = sg_run_set_tag(ws->store, id, "source.git_status", gi.state, err);
	if (rc == 0) {
		helper_on_pythonpath();
		setenv("SAGETTY_RUN_ID", id, 1);
		setenv("SAGETTY_WORKSPACE", ws->root, 1);
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n > 0) {
			exe[n] = '\0';
			setenv("SAGETTY_BIN", exe, 1);
		}
	}
	return rc;
}

static int finish_run(struct sg_workspace *ws, const char *id, const char *out,
		      const struct sg_nbrun_result *r, int status, struct sg_error *err)
{
	int rc = sg_run_set_tag(ws->store, id, "notebook.kernel", r->kernel, err);
	if (rc == 0 && out && strcmp(out, "-") != 0) {
		char *abs = sg_realpath(out);
		rc = sg_run_add_artifact(ws->store, id, abs ? abs : out, "notebook", err);
		free(abs);
	}
	if (rc == 0 && r->first_error >= 0) {
		char buf[700];
		snprintf(buf, sizeof buf, "cell %ld: %s: %s", r->first_error + 1, r->ename, r->evalue);
		rc = sg_run_set_tag(ws->store, id, "notebook.error", buf, err);
	}
	if (rc == 0) {
		struct sg_metric_point pts[] = {
			{ "notebook.duration_seconds", 0, 0, r->end - r->start },
			{ "notebook.cells_run", 0, 0, (double)r->cells_run },
			{ "notebook.cells_failed", 0, 0, (double)r->cells_failed },
		};
		rc = sg_run_log_metrics(ws->store, id, pts, 3, err);
	}
	enum sg_run_status st = status == 0 ? SG_RUN_FINISHED : SG_RUN_FAILED;
	int rc2 = sg_run_finish(ws->store, id, st, rc == 0 ? err : NULL);
	return rc == 0 ? rc2 : rc;
}

static int write_output(const char *out, const struct sg_nb *nb, struct sg_error *err)
{
	if (strcmp(out, "-") != 0)
		return sg_nb_save_file(out, nb, err);
	size_t len;
	char *text = sg_nb_dump(nb, &len);
	size_t w = fwrite(text, 1, len, stdout);
	free(text);
	return w == len ? 0 : sg_error_set(err, SG_E_IO, "cannot write the notebook to stdout");
}

static int run_notebook(struct cli *cli, struct nb_args *a)
{
	struct sg_error err = { 0 };
	struct sg_nb *nb;
	if (sg_nb_load(a->input, &nb, &err) < 0)
		return cli_fail(&err);
	char *out = a->output ? sg_xstrdup(a->output) : default_output(a->input);
	char *abs = sg_realpath(a->input);
	json_t *params = json_object();
	for (size_t i = 0; i < a->nparams; i++) {
		json_t *v;
		free(sg_nbrun_param_literal(&a->params[i], &v));
		json_object_set_new(params, a->params[i].key, v);
	}
	if (a->nparams)
		sg_nbrun_inject(nb, a->params, a->nparams);
	struct sg_workspace *ws = NULL;
	if (a->record) {
		ws = cli->workspace ? sg_workspace_open(cli->workspace, 0, NULL)
				    : sg_workspace_discover(abs ? abs : ".", 0, NULL);
	}
	char run_id[SG_RUN_ID_LEN + 1] = "";
	int status = EXIT_OK;
	if (ws && start_run(ws, a, abs ? abs : a->input, run_id, &err) < 0) {
		status = cli_fail(&err);
		goto out;
	}
	struct sg_nbrun_opts o = {
		.kernel = a->kernel, .input_path = a->input, .output_path = out, .cwd = a->cwd,
		.cell_timeout = a->timeout, .start_timeout = a->start_timeout,
		.allow_errors = a->allow_errors, .log_output = a->log_output ? stderr : NULL,
		.progress = progress, .parameters = params,
	};
	struct progress_ctx pc = { .print = a->progress, .nb = nb,
				   .out = strcmp(out, "-") != 0 ? out : NULL, .last_save = sg_now() };
	o.ud = &pc;
	struct sg_nbrun_result r;
	int rc = sg_nbrun_execute(nb, &o, &r, &err);
	if (rc < 0) {
		status = cli_fail(&err);
		if (err.code == SG_E_NOTFOUND && !a->kernel)
			fprintf(stderr, "sagetty: choose one with --kernel NAME\n");
		if (ws)
			sg_run_finish(ws->store, run_id, SG_RUN_FAILED, NULL);
		goto out;
	}
	/* The executed notebook is written even when a cell failed: it shows
	 * where and why. */
	if (write_output(out, nb, &err) < 0) {
		status = cli_fail(&err);
		rc = 1;
	}
	if (ws && finish_run(ws, run_id, out, &r, rc, &err) < 0)
		status = cli_fail(&err);
	if (rc > 0 && r.first_error >= 0) {
		fprintf(stderr, "sagetty: %s: cell %ld failed: %s%s%s\n", a->input, r.first_error + 1,
			r.ename, r.evalue[0] ? ": " : "", r.evalue);
		if (r.kernel_died)
			fprintf(stderr, "sagetty: the kernel died; see the cell's output in %s\n", out);
		status = EXIT_FAIL;
	}
	if (a->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:f, s:s}", "input", a->input,
				      "output", out, "kernel", r.kernel, "ok", status == EXIT_OK,
				      "cells_run", (json_int_t)r.cells_run, "cells_failed",
				      (json_int_t)r.cells_failed, "duration", r.end - r.start, "run",
				      run_id);
		if (strcmp(out, "-") != 0)
			cli_print_json(j);
		else
			json_decref(j);
	} else if (strcmp(out, "-") != 0 && status == EXIT_OK) {
		fprintf(stderr, "sagetty: %zu cells ran in %.2fs; wrote %s", r.cells_run,
			r.end - r.start, out);
		if (run_id[0])
			fprintf(stderr, " (run %s)", run_id);
		fputc('\n', stderr);
	}
out:
	json_decref(params);
	sg_workspace_free(ws);
	sg_nb_free(nb);
	free(out);
	free(abs);
	return status;
}

int nb_run(struct cli *cli, int argc, char **argv)
{
	struct nb_args a = { 0 };
	int rc = parse_args(&a, argc - 1, argv + 1); /* from "run" on */
	if (rc < 0)
		rc = collect_params(&a);
	if (rc < 0)
		rc = run_notebook(cli, &a);
	free(a.params);
	free(a.opts);
	for (size_t i = 0; i < a.ndocs; i++)
		json_decref(a.docs[i]);
	free(a.docs);
	for (size_t i = 0; i < a.ntexts; i++)
		free(a.texts[i]);
	free(a.texts);
	return rc;
}

