/* job.c — training jobs: requests, the jobs table, launch, stop, resume.
 * The supervisor itself is in job_supervise.c. */
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/algo.h"
#include "core/dataset.h"
#include "core/job.h"
#include "core/job_int.h"
#include "core/metricdef.h"
#include "core/proc.h"
#include "core/rules.h"
#include "core/util.h"

#define LAUNCH_WINDOW 60.0   /* seconds a row may wait for its supervisor's pid */

/* ---- states ----------------------------------------------------------------- */

static const char *const state_names[] = {
	"Queued", "Running", "Completed", "Failed", "Stopped", "Interrupted",
};
#define NSTATES (int)(sizeof state_names / sizeof state_names[0])

const char *sg_job_state_name(enum sg_job_state st)
{
	return (unsigned)st < (unsigned)NSTATES ? state_names[st] : "Unknown";
}

int sg_job_state_parse(const char *s)
{
	for (int i = 0; i < NSTATES; i++)
		if (strcasecmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

int sg_job_state_final(enum sg_job_state st)
{
	return st != SG_JOB_QUEUED && st != SG_JOB_RUNNING;
}

enum sg_run_status sg_job_run_status(enum sg_job_state st)
{
	switch (st) {
	case SG_JOB_COMPLETED: return SG_RUN_FINISHED;
	case SG_JOB_FAILED: return SG_RUN_FAILED;
	case SG_JOB_STOPPED:
	case SG_JOB_INTERRUPTED: return SG_RUN_KILLED;
	default: return SG_RUN_RUNNING;
	}
}

/* ---- the spec as JSON ------------------------------------------------------ */

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

char *job_spec_json(const struct job_spec *s)
{
	json_t *o = json_object(), *ch = json_array(), *hp = json_array();
	json_object_set_new(o, "script", json_string(s->script));
	json_object_set_new(o, "algo", s->algo ? json_string(s->algo) : json_null());
	json_object_set_new(o, "interpreter", s->interpreter ? json_string(s->interpreter)
							    : json_null());
	json_object_set_new(o, "job_name", json_string(s->job_name ? s->job_name : ""));
	for (size_t i = 0; i < s->nchannels; i++)
		json_array_append_new(ch, json_pack("{s:s,s:s}", "name", s->channels[i].name,
						    "source", s->channels[i].source));
	for (size_t i = 0; i < s->nhps; i++)
		json_array_append_new(hp, json_pack("[s,s]", s->hps[i].key, s->hps[i].value));
	json_object_set_new(o, "channels", ch);
	json_object_set_new(o, "hyperparameters", hp);
	json_object_set_new(o, "metrics", strv_json(s->metrics));
	json_object_set_new(o, "rules", strv_json(s->rules));
	json_object_set_new(o, "max_runtime", json_real(s->max_runtime));
	json_object_set_new(o, "stop_grace", json_real(s->stop_grace));
	json_object_set_new(o, "log_rotate_bytes", json_integer(s->log_rotate_bytes));
	json_object_set_new(o, "log_cap_bytes", json_integer(s->log_cap_bytes));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static char **json_strv(json_t *a)
{
	size_t n = json_array_size(a);
	char **v = sg_xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = sg_xstrdup(json_string_value(json_array_get(a, i)) ?
				  json_string_value(json_array_get(a, i)) : "");
	return v;
}

static char *json_dup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? sg_xstrdup(v) : NULL;
}

int job_spec_parse(const char *text, struct job_spec *s, struct sg_error *err)
{
	memset(s, 0, sizeof *s);
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return sg_error_set(err, SG_E_STORE, "the job's spec is not valid JSON: %s", je.text);
	}
	s->script = json_dup(o, "script");
	s->algo = json_dup(o, "algo");
	s->interpreter = json_dup(o, "interpreter");
	s->job_name = json_dup(o, "job_name");
	json_t *ch = json_object_get(o, "channels"), *hp = json_object_get(o, "hyperparameters");
	s->nchannels = json_array_size(ch);
	s->channels = sg_xcalloc(s->nchannels + 1, sizeof *s->channels);
	for (size_t i = 0; i < s->nchannels; i++) {
		json_t *c = json_array_get(ch, i);
		s->channels[i].name = json_dup(c, "name");
		s->channels[i].source = json_dup(c, "source");
	}
	s->nhps = json_array_size(hp);
	s->hps = sg_xcalloc(s->nhps + 1, sizeof *s->hps);
	for (size_t i = 0; i < s->nhps; i++) {
		json_t *kv = json_array_get(hp, i);
		const char *k = json_string_value(json_array_get(kv, 0));
		const char *v = json_string_value(json_array_get(kv, 1));
		s->hps[i].key = sg_xstrdup(k ? k : "");
		s->hps[i].value = sg_xstrdup(v ? v : "");
	}
	s->metrics = json_strv(json_object_get(o, "metrics"));
	s->rules = json_strv(json_object_get(o, "rules"));
	s->max_runtime = json_number_value(json_object_get(o, "max_runtime"));
	s->stop_grace = json_number_value(json_object_get(o, "stop_grace"));
	s->log_rotate_bytes = json_integer_value(json_object_get(o, "log_rotate_bytes"));
	s->log_cap_bytes = json_integer_value(json_object_get(o, "log_cap_bytes"));
	json_decref(o);
	if (!s->script)
		return sg_error_set(err, SG_E_STORE, "the job's spec has no script");
	return 0;
}

void job_spec_done(struct job_spec *s)
{
	free(s->script);
	free(s->algo);
	free(s->interpreter);
	free(s->job_name);
	for (size_t i = 0; i < s->nchannels; i++) {
		free((char *)s->channels[i].name);
		free((char *)s->channels[i].source);
	}
	free(s->channels);
	for (size_t i = 0; i < s->nhps; i++) {
		free((char *)s->hps[i].key);
		free((char *)s->hps[i].value);
	}
	free(s->hps);
	sg_sm_strv_free(s->metrics);
	sg_sm_strv_free(s->rules);
	memset(s, 0, sizeof *s);
}

void job_spec_sm(const struct job_spec *s, const char *run_dir, struct sg_sm_job *out)
{
	memset(out, 0, sizeof *out);
	out->job_name = s->job_name;
	out->run_dir = run_dir;
	out->script = s->script;
	out->hps = s->hps;
	out->nhps = s->nhps;
	out->channels = s->channels;
	out->nchannels = s->nchannels;
}

/* ---- the request ------------------------------------------------------------ */

struct sg_job_plan {
	struct job_spec spec;
	char *name, *experiment;
	char **sha;            /* per channel: known SHA-256 or NULL */
	char **dataset;        /* per channel: registered name or NULL */
};

void sg_job_plan_free(struct sg_job_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->spec.nchannels; i++) {
		free(p->sha[i]);
		free(p->dataset[i]);
	}
	free(p->sha);
	free(p->dataset);
	free(p->name);
	free(p->experiment);
	job_spec_done(&p->spec);
	free(p);
}

/* An executable regular file named name, looked up in PATH unless it has
 * a '/'; malloc'd absolute path or NULL. */
static char *find_program(const char *name)
{
	/* Absolute but not symlink-resolved: a virtualenv's bin/python is a
	 * link whose own path is what selects the environment. */
	if (strchr(name, '/')) {
		char *cwd = getcwd(NULL, 0);
		char *abs = name[0] == '/' || !cwd ? sg_xstrdup(name) : sg_path_join(cwd, name);
		free(cwd);
		if (sg_is_file(abs) && access(abs, X_OK) == 0)
			return abs;
		free(abs);
		return NULL;
	}
	const char *path = getenv("PATH");
	char *copy = sg_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *found = NULL, *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *cand = sg_path_join(dir, name);
		if (dir[0] == '/' && sg_is_file(cand) && access(cand, X_OK) == 0)
			found = sg_xstrdup(cand);
		free(cand);
	}
	free(copy);
	return found;
}

static int ends_with_py(const char *s)
{
	size_t n = strlen(s);
	return n > 3 && strcmp(s + n - 3, ".py") == 0;
}

/* An algorithm job's program: this binary (the CLI's sagetty), recorded
 * for the run; the supervisor execs its own image (job_supervise.c). */
static int plan_algo_program(struct sg_job_plan *p, const struct sg_job_request *req,
			     struct sg_error *err)
{
	if (req->interpreter)
		return sg_error_set(err, SG_E_USAGE, "--interpreter goes with --script, not --algo");
	if (!sg_algo_find(req->algo))
		return sg_error_set(err, SG_E_USAGE, "unknown algorithm '%s'; known algorithms: %s",
				    req->algo, sg_algo_names());
	p->spec.algo = sg_xstrdup(req->algo);
	p->spec.script = sg_realpath("/proc/self/exe");
	if (!p->spec.script)
		return sg_error_errno(err, "cannot resolve the sagetty binary (/proc/self/exe)");
	return 0;
}

static int plan_program(struct sg_job_plan *p, const struct sg_job_request *req,
			struct sg_error *err)
{
	int has_script = req->script && req->script[0], has_algo = req->algo && req->algo[0];
	if (has_script && has_algo)
		return sg_error_set(err, SG_E_USAGE, "give either --script FILE or --algo NAME, "
				    "not both");
	if (has_algo)
		return plan_algo_program(p, req, err);
	if (!has_script)
		return sg_error_set(err, SG_E_USAGE, "train needs --script FILE or --algo NAME "
				    "(algorithms: %s)", sg_algo_names());
	p->spec.script = sg_realpath(req->script);
	if (!p->spec.script || !sg_is_file(p->spec.script))
		return sg_error_set(err, SG_E_NOTFOUND, "script '%s': no such file", req->script);
	if (access(p->spec.script, R_OK) != 0)
		return sg_error_errno(err, "script '%s' cannot be read", req->script);
	const char *interp = req->interpreter;
	if (!interp && ends_with_py(p->spec.script))
		interp = "python3";
	if (!interp) {
		if (access(p->spec.script, X_OK) != 0)
			return sg_error_set(err, SG_E_USAGE, "script '%s' is not executable: say how to "
					    "run it with --interpreter PROG", req->script);
		return 0;
	}
	p->spec.interpreter = find_program(interp);
	if (!p->spec.interpreter)
		return sg_error_set(err, SG_E_NOTFOUND, strchr(interp, '/') ?
				    "interpreter '%s': no such executable file" :
				    "interpreter '%s' not found in PATH", interp);
	return 0;
}

/* path relative to root when it lies inside, else a copy. */
static char *root_relative(const char *root, const char *path)
{
	size_t n = strlen(root);
	if (strncmp(path, root, n) == 0 && path[n] == '/')
		return sg_xstrdup(path + n + 1);
	return sg_xstrdup(path);
}

/* A channel's PATH: an existing file or folder (its registry entry, if any,
 * gives the hash), else a registered dataset's name. */
static int resolve_channel(struct sg_workspace *ws, struct sg_job_plan *p, size_t i,
			   const char *name, const char *path, struct sg_error *err)
{
	struct sg_dataset_info info;
	char *abs = sg_realpath(path);
	if (abs) {
		if (!sg_is_file(abs) && !sg_is_dir(abs)) {
			free(abs);
			return sg_error_set(err, SG_E_USAGE, "channel %s: '%s' is not a file or a folder",
					    name, path);
		}
		if (access(abs, R_OK) != 0) {
			free(abs);
			return sg_error_errno(err, "channel %s: '%s' cannot be read", name, path);
		}
		char *rel = root_relative(ws->root, abs);
		if (sg_is_file(abs) && sg_dataset_get(ws->store, rel, &info, NULL) == 0) {
			p->sha[i] = sg_xstrdup(info.sha256);
			p->dataset[i] = sg_xstrdup(info.name);
		}
		free(rel);
	} else if (sg_dataset_get(ws->store, path, &info, NULL) == 0) {
		abs = info.path[0] == '/' ? sg_xstrdup(info.path) : sg_path_join(ws->root, info.path);
		if (!sg_is_file(abs)) {
			sg_error_set(err, SG_E_NOTFOUND, "channel %s: dataset '%s' is registered but its "
				     "file %s is missing", name, path, abs);
			free(abs);
			return -1;
		}
		p->sha[i] = sg_xstrdup(info.sha256);
		p->dataset[i] = sg_xstrdup(info.name);
	} else {
		return sg_error_set(err, SG_E_NOTFOUND, "channel %s: '%s' is not a registered dataset, "
				    "a file or a folder", name, path);
	}
	p->spec.channels[i].source = abs;
	return 0;
}

static int plan_channels(struct sg_workspace *ws, struct sg_job_plan *p,
			 const struct sg_job_request *req, struct sg_error *err)
{
	p->spec.channels = sg_xcalloc(req->nchannels + 1, sizeof *p->spec.channels);
	p->sha = sg_xcalloc(req->nchannels + 1, sizeof *p->sha);
	p->dataset = sg_xcalloc(req->nchannels + 1, sizeof *p->dataset);
	for (size_t i = 0; i < req->nchannels; i++) {
		char *name, *path;
		if (sg_sm_parse_channel(req->channels[i], &name, &path, err) != 0)
			return -1;
		p->spec.channels[i].name = name;
		p->spec.nchannels = i + 1;
		for (size_t k = 0; k < i; k++)
			if (strcmp(p->spec.channels[k].name, name) == 0) {
				free(path);
				return sg_error_set(err, SG_E_USAGE, "channel '%s' is given twice", name);
			}
		int rc = resolve_channel(ws, p, i, name, path, err);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int plan_hps(struct sg_job_plan *p, const struct sg_job_request *req, struct sg_error *err)
{
	p->spec.hps = sg_xcalloc(req->nhps + 1, sizeof *p->spec.hps);
	for (size_t i = 0; i < req->nhps; i++) {
		char *k, *v;
		if (sg_sm_parse_hp(req->hps[i], &k, &v, err) != 0)
			return -1;
		p->spec.hps[i].key = k;
		p->spec.hps[i].value = v;
		p->spec.nhps = i + 1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->spec.hps[j].key, k) == 0)
				return sg_error_set(err, SG_E_USAGE, "hyperparameter '%s' is given twice", k);
	}
	return 0;
}

/* An algorithm job: channels train (required) and validation only, and
 * hyperparameters the algorithm accepts (the messages algo-run gives). */
static int plan_algo_checks(struct sg_job_plan *p, struct sg_error *err)
{
	const struct sg_algo *a = sg_algo_find(p->spec.algo);
	int has_train = 0;
	for (size_t i = 0; i < p->spec.nchannels; i++) {
		const char *n = p->spec.channels[i].name;
		if (strcmp(n, "train") == 0)
			has_train = 1;
		else if (strcmp(n, "validation") != 0)
			return sg_error_set(err, SG_E_USAGE, "channel '%s': %s reads only the train and "
					    "validation channels", n, a->name);
	}
	if (!has_train)
		return sg_error_set(err, SG_E_USAGE, "%s needs a train channel: --channel "
				    "train=PATH", a->name);
	struct sg_hps *h = sg_hps_new(a);
	int rc = 0;
	for (size_t i = 0; i < p->spec.nhps && rc == 0; i++)
		rc = sg_hps_set(h, p->spec.hps[i].key, p->spec.hps[i].value, err);
	if (rc == 0)
		rc = sg_hps_check(h, err);
	sg_hps_free(h);
	if (rc != 0)
		return -1;
	/* The program runs in the run folder: a relative recipe file is made
	 * absolute now. */
	for (size_t i = 0; i < p->spec.nhps; i++) {
		char *abs;
		if (strcmp(p->spec.hps[i].key, "recipe") != 0 || p->spec.hps[i].value[0] == '/' ||
		    !(abs = sg_realpath(p->spec.hps[i].value)))
			continue;
		free((char *)p->spec.hps[i].value);
		p->spec.hps[i].value = abs;
	}
	return 0;
}

static char **copy_strv(const char *const *v, size_t n)
{
	char **out = sg_xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = sg_xstrdup(v[i]);
	return out;
}

/* Metric definitions compile; rule specs parse. */
static int plan_checks(struct sg_job_plan *p, const struct sg_job_request *req,
		       struct sg_error *err)
{
	struct sg_metricdefs *defs = sg_metricdefs_new();
	int rc = 0;
	for (size_t i = 0; i < req->nmetrics && rc == 0; i++)
		if (sg_metricdefs_add(defs, req->metrics[i], err) != 0) {
			sg_error_prefix(err, "--metric %s", req->metrics[i]);
			rc = -1;
		}
	sg_metricdefs_free(defs);
	for (size_t i = 0; i < req->nrules && rc == 0; i++)
		rc = sg_rules_validate(req->rules[i], "--rule", (int)i + 1, err);
	if (rc == 0 && req->nrules > SG_RULES_MAX)
		rc = sg_error_set(err, SG_E_USAGE, "at most %d rules", SG_RULES_MAX);
	p->spec.metrics = copy_strv(req->metrics, req->nmetrics);
	p->spec.rules = copy_strv(req->rules, req->nrules);
	return rc;
}

struct sg_job_plan *sg_job_prepare(struct sg_workspace *ws, const struct sg_job_request *req,
				   struct sg_error *err)
{
	struct sg_job_plan *p = sg_xcalloc(1, sizeof *p);
	int rc = plan_program(p, req, err);
	if (rc == 0)
		rc = plan_channels(ws, p, req, err);
	if (rc == 0)
		rc = plan_hps(p, req, err);
	if (rc == 0 && p->spec.algo)
		rc = plan_algo_checks(p, err);
	if (rc == 0)
		rc = plan_checks(p, req, err);
	if (rc == 0 && (req->max_runtime < 0 || req->stop_grace < 0))
		rc = sg_error_set(err, SG_E_USAGE, "--max-runtime and --stop-grace take seconds >= 0");
	if (rc == 0 && req->name && !req->name[0])
		rc = sg_error_set(err, SG_E_USAGE, "--name is empty");
	if (rc != 0) {
		sg_job_plan_free(p);
		return NULL;
	}
	p->name = req->name ? sg_xstrdup(req->name) : NULL;
	p->experiment = req->experiment ? sg_xstrdup(req->experiment) : NULL;
	p->spec.max_runtime = req->max_runtime;
	p->spec.stop_grace = req->stop_grace > 0 ? req->stop_grace : SG_JOB_DEFAULT_GRACE;
	p->spec.log_rotate_bytes = (long long)ws->config.log_rotate_mb << 20;
	p->spec.log_cap_bytes = (long long)ws->config.log_cap_mb << 20;
	return p;
}

/* ---- creating the job ----------------------------------------------------------- */

struct git_info {
	char commit[64];
	const char *state;     /* "clean", "modified", "untracked", "ignored"; NULL: no repo */
};

/* HEAD of the repository around the script, and the script's status. */
static void script_git(const char *script, struct git_info *gi)
{
	memset(gi, 0, sizeof *gi);
	git_libgit2_init();
	git_repository *repo = NULL;
	git_oid oid;
	if (git_repository_open_ext(&repo, script, 0, NULL) != 0)
		goto done;
	if (git_reference_name_to_id(&oid, repo, "HEAD") == 0)
		git_oid_tostr(gi->commit, sizeof gi->commit, &oid);
	const char *wd = git_repository_workdir(repo);
	unsigned flags = 0;
	if (wd && strncmp(script, wd, strlen(wd)) == 0 &&
	    git_status_file(&flags, repo, script + strlen(wd)) == 0) {
		if (flags & GIT_STATUS_IGNORED)
			gi->state = "ignored";
		else if (flags & GIT_STATUS_WT_NEW)
			gi->state = "untracked";
		else if (flags & (GIT_STATUS_WT_MODIFIED | GIT_STATUS_INDEX_MODIFIED |
				  GIT_STATUS_INDEX_NEW | GIT_STATUS_WT_TYPECHANGE))
			gi->state = "modified";
		else
			gi->state = "clean";
	}
done:
	git_repository_free(repo);
	git_libgit2_shutdown();
}

static int set_tag(struct sg_store *st, const char *id, const char *k, const char *v,
		   struct sg_error *err)
{
	return sg_run_set_tag(st, id, k, v, err);
}

/* Params, tags and the model artifact, in one transaction. */
static int record_run(struct sg_workspace *ws, const struct sg_job_plan *p, const char *id,
		      const struct git_info *gi, struct sg_error *err)
{
	struct sg_store *st = ws->store;
	const struct job_spec *s = &p->spec;
	if (sg_store_begin(st, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < s->nhps && rc == 0; i++)
		rc = sg_run_set_param(st, id, s->hps[i].key, s->hps[i].value, err);
	if (rc == 0 && gi->state)
		rc = set_tag(st, id, "source.git_status", gi->state, err);
	if (rc == 0 && s->interpreter)
		rc = set_tag(st, id, "sagetty.interpreter", s->interpreter, err);
	if (rc == 0 && s->algo)
		rc = set_tag(st, id, "sagetty.algo", s->algo, err);
	for (size_t i = 0; i < s->nchannels && rc == 0; i++) {
		char *k = sg_xasprintf("channel.%s.path", s->channels[i].name);
		rc = set_tag(st, id, k, s->channels[i].source, err);
		free(k);
		if (rc == 0 && p->sha[i]) {
			k = sg_xasprintf("channel.%s.sha256", s->channels[i].name);
			rc = set_tag(st, id, k, p->sha[i], err);
			free(k);
		}
		if (rc == 0 && p->dataset[i]) {
			k = sg_xasprintf("channel.%s.dataset", s->channels[i].name);
			rc = set_tag(st, id, k, p->dataset[i], err);
			free(k);
		}
	}
	if (rc == 0) {
		char *model = sg_xasprintf("%s/%s/%s/model", SG_WS_DIR, SG_WS_RUNS, id);
		rc = sg_run_add_artifact(st, id, model, "model", err);
		free(model);
	}
	if (rc == 0)
		return sg_store_commit(st, err);
	sg_store_rollback(st);
	return -1;
}

/* The SHA-256 of file channels the registry did not know (after the run is
 * created: lineage is what the job reads). */
static int hash_channels(struct sg_workspace *ws, const struct sg_job_plan *p, const char *id,
			 struct sg_error *err)
{
	for (size_t i = 0; i < p->spec.nchannels; i++) {
		if (p->sha[i] || !sg_is_file(p->spec.channels[i].source))
			continue;
		char hex[65];
		if (sg_sha256_file(p->spec.channels[i].source, hex, NULL, err) != 0)
			return -1;
		char *k = sg_xasprintf("channel.%s.sha256", p->spec.channels[i].name);
		int rc = sg_run_set_tag(ws->store, id, k, hex, err);
		free(k);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int insert_job(struct sg_store *st, const char *id, const char *spec, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st,
		"INSERT INTO jobs(run_id, state, attempt, spec, host, user, queued_at) "
		"VALUES (?1, 'Queued', 1, ?2, ?3, ?4, ?5)", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, spec, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, job_host(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, sg_username(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(q, 5, sg_now());
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : sg_store_error(st, err, "cannot record the job");
}

/* Everything after the run exists; on failure the run is finished FAILED. */
static int create_rest(struct sg_workspace *ws, struct sg_job_plan *p, const char *id,
		       const struct git_info *gi, struct sg_error *err)
{
	struct sg_run_info ri;
	if (sg_run_get(ws->store, id, &ri, err) != 0)
		return -1;
	free(p->spec.job_name);
	p->spec.job_name = sg_xstrdup(ri.name);
	char *dir = sg_workspace_run_dir(ws, id);
	struct sg_sm_job smj;
	job_spec_sm(&p->spec, dir, &smj);
	int rc = sg_mkdir_p(dir, 0777, err);
	if (rc == 0)
		rc = record_run(ws, p, id, gi, err);
	if (rc == 0)
		rc = hash_channels(ws, p, id, err);
	if (rc == 0)
		rc = sg_sm_make_tree(&smj, err);
	if (rc == 0) {
		char *spec = job_spec_json(&p->spec);
		rc = insert_job(ws->store, id, spec, err);
		free(spec);
	}
	free(dir);
	return rc;
}

int sg_job_create(struct sg_workspace *ws, const struct sg_job_plan *plan,
		  char id_out[SG_RUN_ID_LEN + 1], struct sg_error *err)
{
	struct sg_job_plan *p = (struct sg_job_plan *)plan;  /* only job_name changes */
	struct git_info gi;
	char *src;
	if (p->spec.algo) {    /* no source to version: the algorithm is sagetty's */
		memset(&gi, 0, sizeof gi);
		src = sg_xasprintf("algo:%s", p->spec.algo);
	} else {
		script_git(p->spec.script, &gi);
		src = root_relative(ws->root, p->spec.script);
	}
	struct sg_run_spec rs = { .name = p->name, .experiment = p->experiment, .kind = "train",
				  .source_path = src, .source_commit = gi.commit[0] ? gi.commit : NULL };
	int rc = sg_run_start(ws->store, &rs, id_out, err);
	free(src);
	if (rc != 0)
		return -1;
	if (create_rest(ws, p, id_out, &gi, err) == 0)
		return 0;
	struct sg_error ignored = { 0 };
	sg_run_set_tag(ws->store, id_out, "sagetty.error", err ? err->msg : "cannot create the job",
		       &ignored);
	sg_run_finish(ws->store, id_out, SG_RUN_FAILED, &ignored);
	return -1;
}

/* ---- rows --------------------------------------------------------------------- */

#define JOB_COLUMNS \
	"j.run_id, r.name, j.user, j.host, j.state, j.attempt, j.supervisor_pid, " \
	"j.supervisor_token, j.child_pid, j.stop_request, j.failure_reason, j.exit_code, " \
	"j.signal, j.queued_at, j.started_at, j.ended_at, json_extract(j.spec, '$.max_runtime')"
#define JOB_FROM " FROM jobs j JOIN runs r ON r.id = j.run_id"

static void copy_text(sqlite3_stmt *q, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	snprintf(buf, n, "%s", t ? (const char *)t : "");
}

const char *job_host(void)
{
	static char host[64];
	if (!host[0] && gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "localhost");
	return host;
}

/* Is the supervisor of this row alive?  Unknown hosts count as alive. */
static int row_alive(const struct sg_job_info *j, const char *token)
{
	if (sg_job_state_final(j->state))
		return 0;
	if (strcmp(j->host, job_host()) != 0)
		return 1;
	if (j->supervisor_pid <= 0)
		return sg_now() - j->queued_at < LAUNCH_WINDOW;
	char now[128];
	return sg_proc_token(j->supervisor_pid, now, sizeof now) == 0 && strcmp(now, token) == 0;
}

static void read_row(sqlite3_stmt *q, struct sg_job_info *j)
{
	char state[32], token[128];
	memset(j, 0, sizeof *j);
	copy_text(q, 0, j->run_id, sizeof j->run_id);
	copy_text(q, 1, j->name, sizeof j->name);
	copy_text(q, 2, j->user, sizeof j->user);
	copy_text(q, 3, j->host, sizeof j->host);
	copy_text(q, 4, state, sizeof state);
	int st = sg_job_state_parse(state);
	j->state = st < 0 ? SG_JOB_FAILED : (enum sg_job_state)st;
	j->attempt = sqlite3_column_int(q, 5);
	j->supervisor_pid = (pid_t)sqlite3_column_int64(q, 6);
	copy_text(q, 7, token, sizeof token);
	j->child_pid = (pid_t)sqlite3_column_int64(q, 8);
	copy_text(q, 9, j->stop_request, sizeof j->stop_request);
	copy_text(q, 10, j->failure_reason, sizeof j->failure_reason);
	j->exit_code = sqlite3_column_type(q, 11) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 11);
	j->signal = sqlite3_column_int(q, 12);
	j->queued_at = sqlite3_column_double(q, 13);
	j->started_at = sqlite3_column_double(q, 14);
	j->ended_at = sqlite3_column_double(q, 15);
	j->max_runtime = sqlite3_column_double(q, 16);
	j->alive = row_alive(j, token);
}

int job_row(struct sg_store *st, const char *id, struct sg_job_info *out, char **spec,
	    struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st, "SELECT " JOB_COLUMNS ", j.spec" JOB_FROM
					   " WHERE j.run_id = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_row(q, out);
		if (spec) {
			const unsigned char *t = sqlite3_column_text(q, 17);
			*spec = sg_xstrdup(t ? (const char *)t : "{}");
		}
	}
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return sg_error_set(err, SG_E_NOTFOUND, "run %s is not a training job", id);
	return rc == SQLITE_ROW ? 0 : sg_store_error(st, err, "cannot read the job");
}

/* Runs an UPDATE of the row of id with up to two text parameters; the
 * number of rows changed, or -1. */
static int update_row(struct sg_store *st, const char *sql, const char *id, const char *a,
		      const char *b, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st, sql, err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	if (a)
		sqlite3_bind_text(q, 2, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(q, 3, b, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(q, 4, sg_now());
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return sg_store_error(st, err, "cannot update the job");
	return sqlite3_changes(sg_store_db(st));
}

int job_set_state(struct sg_store *st, const char *id, enum sg_job_state state,
		  const char *reason, struct sg_error *err)
{
	const char *sql;
	if (state == SG_JOB_RUNNING)
		sql = "UPDATE jobs SET state = ?2, started_at = ?4 WHERE run_id = ?1";
	else if (sg_job_state_final(state))
		sql = "UPDATE jobs SET state = ?2, failure_reason = ?3, ended_at = ?4 "
		      "WHERE run_id = ?1";
	else
		sql = "UPDATE jobs SET state = ?2 WHERE run_id = ?1 AND ?4 IS NOT NULL";
	return update_row(st, sql, id, sg_job_state_name(state), reason, err) < 0 ? -1 : 0;
}

int job_set_pid(struct sg_store *st, const char *id, int which, pid_t pid, struct sg_error *err)
{
	char token[128] = "", num[32];
	sg_proc_token(pid, token, sizeof token);
	snprintf(num, sizeof num, "%ld", (long)pid);
	const char *sql = which == 0 ?
		"UPDATE jobs SET supervisor_pid = ?2, supervisor_token = ?3 WHERE run_id = ?1 "
		"AND ?4 IS NOT NULL" :
		"UPDATE jobs SET child_pid = ?2, child_token = ?3 WHERE run_id = ?1 "
		"AND ?4 IS NOT NULL";
	return update_row(st, sql, id, num, token, err) < 0 ? -1 : 0;
}

int job_set_exit(struct sg_store *st, const char *id, int exit_code, int sig,
		 struct sg_error *err)
{
	char code[32], s[32];
	snprintf(code, sizeof code, "%d", exit_code);
	snprintf(s, sizeof s, "%d", sig);
	return update_row(st, "UPDATE jobs SET exit_code = CASE WHEN ?3 = '0' THEN CAST(?2 AS "
			  "INTEGER) END, signal = CAST(?3 AS INTEGER) WHERE run_id = ?1 "
			  "AND ?4 IS NOT NULL", id, code, s, err) < 0 ? -1 : 0;
}

int job_finish_run(struct sg_store *st, const char *id, enum sg_job_state state,
		   const char *reason, struct sg_error *err)
{
	int rc = sg_run_set_tag(st, id, "sagetty.job_state", sg_job_state_name(state), err);
	if (rc == 0 && reason && reason[0])
		rc = sg_run_set_tag(st, id, "sagetty.failure_reason", reason, err);
	if (rc == 0)
		rc = sg_run_finish(st, id, sg_job_run_status(state), err);
	return rc;
}

/* ---- liveness ---------------------------------------------------------------- */

/* Kills what is left of a lost job's program, if it is still the same. */
static void kill_orphan(struct sg_store *st, const char *id)
{
	sqlite3_stmt *q = sg_store_prepare(st, "SELECT child_pid, child_token FROM jobs "
					   "WHERE run_id = ?1", NULL);
	if (!q)
		return;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
		pid_t pid = (pid_t)sqlite3_column_int64(q, 0);
		const unsigned char *tok = sqlite3_column_text(q, 1);
		char now[128];
		if (tok && sg_proc_token(pid, now, sizeof now) == 0 &&
		    strcmp(now, (const char *)tok) == 0 && sg_proc_pgid(pid) == pid)
			kill(-pid, SIGKILL);
	}
	sqlite3_reset(q);
}

/* Marks one lost job Failed, unless its supervisor wrote an end meanwhile. */
static int mark_lost(struct sg_store *st, const struct sg_job_info *j, struct sg_error *err)
{
	int n = update_row(st, "UPDATE jobs SET state = 'Failed', failure_reason = ?3, "
			   "ended_at = ?4 WHERE run_id = ?1 AND state = ?2",
			   j->run_id, sg_job_state_name(j->state), "supervisor lost", err);
	if (n <= 0)
		return n;
	kill_orphan(st, j->run_id);
	return job_finish_run(st, j->run_id, SG_JOB_FAILED, "supervisor lost", err) == 0 ? 1 : -1;
}

int sg_job_reap(struct sg_workspace *ws, int *lost, struct sg_error *err)
{
	if (lost)
		*lost = 0;
	if (ws->readonly)
		return 0;
	sqlite3_stmt *q = sg_store_prepare(ws->store, "SELECT " JOB_COLUMNS JOB_FROM
					   " WHERE j.state IN ('Queued', 'Running')", err);
	if (!q)
		return -1;
	struct sg_job_info *dead = NULL;
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sg_job_info j;
		read_row(q, &j);
		if (j.alive)
			continue;
		dead = sg_xrealloc(dead, (n + 1) * sizeof *dead);
		dead[n++] = j;
	}
	sqlite3_reset(q);
	int status = rc == SQLITE_DONE ? 0 : sg_store_error(ws->store, err, "cannot list jobs");
	for (size_t i = 0; i < n && status == 0; i++) {
		int k = mark_lost(ws->store, &dead[i], err);
		if (k < 0)
			status = -1;
		else if (lost)
			*lost += k;
	}
	free(dead);
	return status;
}

int sg_job_get(struct sg_workspace *ws, const char *run, struct sg_job_info *out,
	       struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(ws->store, run, id, err) != 0 || sg_job_reap(ws, NULL, err) != 0)
		return -1;
	return job_row(ws->store, id, out, NULL, err);
}

int sg_job_list(struct sg_workspace *ws, size_t limit, sg_job_fn fn, void *ud,
		struct sg_error *err)
{
	if (sg_job_reap(ws, NULL, err) != 0)
		return -1;
	sqlite3_stmt *q = sg_store_prepare(ws->store, "SELECT " JOB_COLUMNS JOB_FROM " ORDER BY "
		"j.state IN ('Queued', 'Running') DESC, j.queued_at DESC, j.run_id", err);
	if (!q)
		return -1;
	size_t shown = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sg_job_info j;
		read_row(q, &j);
		if (limit && shown >= limit && sg_job_state_final(j.state))
			break;
		shown++;
		if (fn(&j, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : sg_store_error(ws->store, err, "cannot list jobs");
}

/* ---- the jobs folder and its wake-up file ------------------------------------ */

char *job_dir(const struct sg_workspace *ws, struct sg_error *err)
{
	char *dir = sg_path_join(ws->dir, SG_JOB_DIR);
	if (sg_mkdir_p(dir, 0777, err) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

void job_notify(const struct sg_workspace *ws)
{
	char *dir = job_dir(ws, NULL);
	if (!dir)
		return;
	char *path = sg_path_join(dir, "changed");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0) {
			/* Only the close matters: it is what inotify reports. */
		}
		close(fd);
	}
	free(path);
	free(dir);
}

char *sg_job_log_path(const struct sg_workspace *ws, const char *run_id, int stream)
{
	char *dir = sg_workspace_run_dir(ws, run_id);
	char *p = sg_path_join(dir, stream == 2 ? "stderr.log" : "stdout.log");
	free(dir);
	return p;
}

/* ---- launching ------------------------------------------------------------------ */

/* In the grandchild: detach from everything, then become the supervisor.
 * Only async-signal-safe calls (the caller may have threads). */
static void become_supervisor(const char *dir, const char *log, char *const argv[], int status_fd)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT, SIGTSTP,
				    SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGALRM };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int e = 0;
	int in = open("/dev/null", O_RDONLY);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0666);
	if (in < 0 || out < 0 || chdir(dir) != 0) {
		e = errno;
	} else {
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		/* Every other inherited fd closes at exec; the status pipe is
		 * close-on-exec already, so its EOF tells the launcher. */
		if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
			for (int fd = 3; fd < 1024; fd++)
				if (fd != status_fd)
					fcntl(fd, F_SETFD, FD_CLOEXEC);
		execv(argv[0], argv);
		e = errno;
	}
	if (write(status_fd, &e, sizeof e) < 0) {
		/* Nobody to tell. */
	}
	_exit(127);
}

/* Reads what the launch pipe says: the grandchild's pid from the first
 * child, then EOF (exec'd) or an errno. */
static int launch_wait(int fd, pid_t first, pid_t *sup, int *exec_errno)
{
	ssize_t k;
	*sup = 0;
	*exec_errno = 0;
	while ((k = read(fd, sup, sizeof *sup)) < 0 && errno == EINTR)
		;
	int st;
	while (waitpid(first, &st, 0) < 0 && errno == EINTR)
		;
	if (k != (ssize_t)sizeof *sup)
		return -1;
	while ((k = read(fd, exec_errno, sizeof *exec_errno)) < 0 && errno == EINTR)
		;
	if (k != (ssize_t)sizeof *exec_errno)
		*exec_errno = 0;
	return 0;
}

/* Forks twice; the grandchild execs argv as the supervisor.  *sup gets
 * its pid. */
static int spawn_detached(const char *dir, const char *log, char *const argv[], pid_t *sup,
			  struct sg_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return sg_error_errno(err, "cannot create a pipe");
	pid_t first = fork();
	if (first == 0) {
		close(p[0]);
		setsid();
		pid_t g = fork();
		if (g == 0)
			become_supervisor(dir, log, argv, p[1]);
		if (write(p[1], &g, sizeof g) < 0) {
			/* The launcher sees a short read. */
		}
		_exit(g > 0 ? 0 : 1);
	}
	close(p[1]);
	if (first < 0) {
		close(p[0]);
		return sg_error_errno(err, "cannot start the supervisor");
	}
	int e;
	int rc = launch_wait(p[0], first, sup, &e);
	close(p[0]);
	if (rc != 0 || *sup <= 0)
		return sg_error_set(err, SG_E_IO, "cannot start the supervisor (fork failed)");
	if (e) {
		errno = e;
		return sg_error_errno(err, "cannot start the supervisor %s", argv[0]);
	}
	return 0;
}

int sg_job_launch(struct sg_workspace *ws, const char *run,
		  const struct sg_job_launch_opts *opts, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(ws->store, run, id, err) != 0)
		return -1;
	char *dir = sg_workspace_run_dir(ws, id);
	char *log = sg_path_join(dir, "supervisor.log");
	const char *exe = opts && opts->exe ? opts->exe : "/proc/self/exe";
	char *argv[] = { (char *)exe, "-w", ws->root, "jobs", "supervise", id, NULL };
	pid_t sup;
	int rc = spawn_detached(dir, log, argv, &sup, err);
	if (rc == 0)
		rc = job_set_pid(ws->store, id, 0, sup, err);
	else {
		struct sg_error ignored = { 0 };
		char *why = sg_xstrdup(err ? err->msg : "cannot start the supervisor");
		job_set_state(ws->store, id, SG_JOB_FAILED, why, &ignored);
		job_finish_run(ws->store, id, SG_JOB_FAILED, why, &ignored);
		free(why);
	}
	free(log);
	free(dir);
	return rc;
}

/* ---- stop and resume ----------------------------------------------------------- */

int sg_job_stop(struct sg_workspace *ws, const char *run, int preempt, struct sg_error *err)
{
	struct sg_job_info j;
	if (sg_job_get(ws, run, &j, err) != 0)
		return -1;
	if (sg_job_state_final(j.state))
		return sg_error_set(err, SG_E_USAGE, "job %s has ended already (%s)", j.run_id,
				    sg_job_state_name(j.state));
	if (update_row(ws->store, "UPDATE jobs SET stop_request = ?2 WHERE run_id = ?1 "
		       "AND ?4 IS NOT NULL", j.run_id, preempt ? "preempt" : "stop", NULL, err) < 0)
		return -1;
	/* The signal makes it immediate (and a second one means SIGKILL); the
	 * request in the row is read within a second anyway, so a supervisor
	 * of another account, or one still starting, stops as well. */
	if (j.alive && j.supervisor_pid > 0 && strcmp(j.host, job_host()) == 0)
		kill(j.supervisor_pid, SIGTERM);
	return 0;
}

/* Removes the previous attempt's failure file. */
static void clear_failure(struct sg_workspace *ws, const char *id)
{
	char *dir = sg_workspace_run_dir(ws, id);
	char *f = sg_path_join(dir, "output/failure");
	unlink(f);
	free(f);
	free(dir);
}

int sg_job_resume(struct sg_workspace *ws, const char *run,
		  const struct sg_job_launch_opts *opts, struct sg_error *err)
{
	struct sg_job_info j;
	if (sg_job_get(ws, run, &j, err) != 0)
		return -1;
	if (!sg_job_state_final(j.state) || j.state == SG_JOB_COMPLETED)
		return sg_error_set(err, SG_E_USAGE, "job %s is %s: only Interrupted, Stopped or "
				    "Failed jobs resume", j.run_id, sg_job_state_name(j.state));
	int n = update_row(ws->store, "UPDATE jobs SET state = 'Queued', attempt = attempt + 1, "
			   "supervisor_pid = NULL, supervisor_token = NULL, child_pid = NULL, "
			   "child_token = NULL, stop_request = NULL, failure_reason = NULL, "
			   "exit_code = NULL, signal = NULL, started_at = NULL, ended_at = NULL, "
			   "queued_at = ?4, host = ?3 WHERE run_id = ?1 AND state = ?2",
			   j.run_id, sg_job_state_name(j.state), job_host(), err);
	if (n < 0)
		return -1;
	if (n == 0)
		return sg_error_set(err, SG_E_USAGE, "job %s changed meanwhile; try again", j.run_id);
	char attempt[16];
	snprintf(attempt, sizeof attempt, "%d", j.attempt + 1);
	clear_failure(ws, j.run_id);
	if (update_row(ws->store, "DELETE FROM tags WHERE run_id = ?1 AND key IN "
		       "('sagetty.failure_reason', 'sagetty.signal', 'sagetty.exit_code', "
		       "'sagetty.job_state') AND ?4 IS NOT NULL", j.run_id, NULL, NULL, err) < 0)
		return -1;
	if (sg_run_reopen(ws->store, j.run_id, err) != 0 ||
	    sg_run_set_tag(ws->store, j.run_id, "sagetty.attempt", attempt, err) != 0)
		return -1;
	return sg_job_launch(ws, j.run_id, opts, err);
}
