/* job_plan.c — a training job's request checked into a plan, then the run,
 * its SageMaker tree and its jobs row created.  Kept apart from job.c so
 * the supervisor program, which never plans a job, does not link the
 * built-in algorithms (and with them OpenBLAS and XGBoost): its start is
 * part of every job's start latency. */
#include <errno.h>
#include <git2.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/algo.h"
#include "core/dataset.h"
#include "core/job.h"
#include "core/job_int.h"
#include "core/metricdef.h"
#include "core/proc.h"
#include "core/rules.h"
#include "core/util.h"
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

/* The registry's SHA-256 of a dataset file, unless the file's size is not
 * the registered one any more (then NULL: sg_job_record_source hashes it). */
static char *registered_sha(const char *abs, const struct sg_dataset_info *info)
{
	struct stat st;
	if (stat(abs, &st) != 0 || (long long)st.st_size != info->size)
		return NULL;
	return sg_xstrdup(info->sha256);
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
			p->sha[i] = registered_sha(abs, &info);
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
		p->sha[i] = registered_sha(abs, &info);
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
		      struct sg_error *err)
{
	struct sg_store *st = ws->store;
	const struct job_spec *s = &p->spec;
	if (sg_store_begin(st, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < s->nhps && rc == 0; i++)
		rc = sg_run_set_param(st, id, s->hps[i].key, s->hps[i].value, err);
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
	if (rc != SQLITE_DONE)
		return sg_store_error(st, err, "cannot record the job");
	return job_attempt_insert(st, id, 1, err);
}

/* Everything after the run exists; on failure the run is finished FAILED. */
static int create_rest(struct sg_workspace *ws, struct sg_job_plan *p, const char *id,
		       struct sg_error *err)
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
		rc = record_run(ws, p, id, err);
	if (rc == 0)
		rc = sg_sm_make_tree(&smj, err);
	if (rc == 0)
		rc = job_attempt_mkdir(dir, 1, err);
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
	/* An algorithm has no source to version: it is sagetty's.  A script's
	 * git commit is recorded by sg_job_record_source. */
	char *src = p->spec.algo ? sg_xasprintf("algo:%s", p->spec.algo)
				 : root_relative(ws->root, p->spec.script);
	struct sg_run_spec rs = { .name = p->name, .experiment = p->experiment, .kind = "train",
				  .source_path = src };
	int rc = sg_run_start(ws->store, &rs, id_out, err);
	free(src);
	if (rc != 0)
		return -1;
	if (create_rest(ws, p, id_out, err) == 0)
		return 0;
	struct sg_error ignored = { 0 };
	sg_run_set_tag(ws->store, id_out, "sagetty.error", err ? err->msg : "cannot create the job",
		       &ignored);
	sg_run_finish(ws->store, id_out, SG_RUN_FAILED, &ignored);
	return -1;
}

/* ---- the script's git commit ------------------------------------------------------- */

static int record_git(struct sg_store *st, const char *id, const struct git_info *gi,
		      struct sg_error *err)
{
	if (sg_store_begin(st, err) != 0)
		return -1;
	int rc = 0;
	if (gi->commit[0]) {
		sqlite3_stmt *q = sg_store_prepare(st, "UPDATE runs SET source_commit = ?2 "
						   "WHERE id = ?1", err);
		if (!q) {
			rc = -1;
		} else {
			sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(q, 2, gi->commit, -1, SQLITE_TRANSIENT);
			int step = sqlite3_step(q);
			sqlite3_reset(q);
			if (step != SQLITE_DONE)
				rc = sg_store_error(st, err, "cannot record the script's commit");
		}
	}
	if (rc == 0 && gi->state)
		rc = set_tag(st, id, "source.git_status", gi->state, err);
	if (rc == 0)
		return sg_store_commit(st, err);
	sg_store_rollback(st);
	return -1;
}

/* 1 when run id has tag key. */
static int has_tag(struct sg_store *st, const char *id, const char *key, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st, "SELECT 1 FROM tags WHERE run_id = ?1 AND key = ?2",
					   err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return sg_store_error(st, err, "cannot read tags");
}

/* The SHA-256 of file channels whose hash the registry did not give
 * (channel.NAME.sha256 not set by sg_job_create). */
static int hash_channels(struct sg_store *st, const char *id, const struct job_spec *s,
			 struct sg_error *err)
{
	for (size_t i = 0; i < s->nchannels; i++) {
		if (!sg_is_file(s->channels[i].source))
			continue;
		char *k = sg_xasprintf("channel.%s.sha256", s->channels[i].name);
		char hex[65];
		int rc = has_tag(st, id, k, err);
		if (rc == 0)
			rc = sg_sha256_file(s->channels[i].source, hex, NULL, err) == 0 ?
			     sg_run_set_tag(st, id, k, hex, err) : -1;
		free(k);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int sg_job_record_source(struct sg_workspace *ws, const char *id, struct sg_error *err)
{
	struct sg_job_info j;
	char *text = NULL;
	if (job_row(ws->store, id, ws->config.heartbeat_timeout, &j, &text, err) != 0)
		return -1;
	struct job_spec spec;
	int rc = job_spec_parse(text, &spec, err);
	free(text);
	if (rc == 0 && !spec.algo) {
		struct git_info gi;
		script_git(spec.script, &gi);
		rc = record_git(ws->store, j.run_id, &gi, err);
	}
	if (rc == 0)
		rc = hash_channels(ws->store, j.run_id, &spec, err);
	job_spec_done(&spec);
	return rc;
}
