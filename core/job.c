/* job.c — training jobs: the jobs table, launch, stop, resume.  Planning
 * and creating a job is in job_plan.c, the supervisor in job_supervise.c. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/job.h"
#include "core/job_int.h"
#include "core/proc.h"
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

/* ---- rows --------------------------------------------------------------------- */

#define JOB_COLUMNS \
	"j.run_id, r.name, j.user, j.host, j.state, j.attempt, j.supervisor_pid, " \
	"j.supervisor_token, j.child_pid, j.stop_request, j.failure_reason, j.exit_code, " \
	"j.signal, j.queued_at, j.started_at, j.ended_at, json_extract(j.spec, '$.max_runtime'), " \
	"j.heartbeat_at"
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

double sg_job_beat_interval(int timeout)
{
	double b = timeout / 12.0;
	return b < 1 ? 1 : b > SG_JOB_BEAT_MAX ? SG_JOB_BEAT_MAX : b;
}

/* Is the supervisor of this row alive?  This host: its process says
 * (whatever the heartbeat: a machine that was suspended comes back with
 * an old one).  Another host: its heartbeat, younger than timeout seconds;
 * a row without one (written before heartbeats) counts as alive. */
static int row_alive(const struct sg_job_info *j, const char *token, int timeout)
{
	if (sg_job_state_final(j->state))
		return 0;
	if (strcmp(j->host, job_host()) != 0)
		return j->heartbeat_at <= 0 || sg_now() - j->heartbeat_at <= timeout;
	if (j->supervisor_pid <= 0)
		return sg_now() - j->queued_at < LAUNCH_WINDOW;
	char now[128];
	return sg_proc_token(j->supervisor_pid, now, sizeof now) == 0 && strcmp(now, token) == 0;
}

static void read_row(sqlite3_stmt *q, int timeout, struct sg_job_info *j)
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
	j->heartbeat_at = sqlite3_column_double(q, 17);
	j->alive = row_alive(j, token, timeout);
}

int job_row(struct sg_store *st, const char *id, int timeout, struct sg_job_info *out,
	    char **spec, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st, "SELECT " JOB_COLUMNS ", j.spec" JOB_FROM
					   " WHERE j.run_id = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_row(q, timeout, out);
		if (spec) {
			const unsigned char *t = sqlite3_column_text(q, 18);
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
		sql = "UPDATE jobs SET state = ?2, started_at = ?4, heartbeat_at = ?4 "
		      "WHERE run_id = ?1";
	else if (sg_job_state_final(state))
		sql = "UPDATE jobs SET state = ?2, failure_reason = ?3, ended_at = ?4 "
		      "WHERE run_id = ?1";
	else
		sql = "UPDATE jobs SET state = ?2 WHERE run_id = ?1 AND ?4 IS NOT NULL";
	if (update_row(st, sql, id, sg_job_state_name(state), reason, err) < 0)
		return -1;
	return job_attempt_sync(st, id, 0, err);
}

int job_beat(struct sg_store *st, const char *id, struct sg_error *err)
{
	return update_row(st, "UPDATE jobs SET heartbeat_at = ?4 WHERE run_id = ?1 "
			  "AND state IN ('Queued', 'Running')", id, NULL, NULL, err);
}

int job_set_started(struct sg_store *st, const char *id, double at, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st, "UPDATE jobs SET started_at = ?2 "
					   "WHERE run_id = ?1 AND started_at IS NULL", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(q, 2, at);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return sg_store_error(st, err, "cannot update the job");
	return 0;
}

int job_set_pid(struct sg_store *st, const char *id, int which, pid_t pid, struct sg_error *err)
{
	char token[128] = "", num[32];
	sg_proc_token(pid, token, sizeof token);
	snprintf(num, sizeof num, "%ld", (long)pid);
	const char *sql = which == 0 ?
		"UPDATE jobs SET supervisor_pid = ?2, supervisor_token = ?3, heartbeat_at = ?4 "
		"WHERE run_id = ?1" :
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
	if (update_row(st, "UPDATE jobs SET exit_code = CASE WHEN ?3 = '0' THEN CAST(?2 AS "
		       "INTEGER) END, signal = CAST(?3 AS INTEGER) WHERE run_id = ?1 "
		       "AND ?4 IS NOT NULL", id, code, s, err) < 0)
		return -1;
	return job_attempt_sync(st, id, 0, err);
}

int job_finish_run(struct sg_store *st, const char *id, enum sg_job_state state,
		   const char *reason, struct sg_error *err)
{
	int rc = sg_run_set_tag(st, id, "sagetty.job_state", sg_job_state_name(state), err);
	/* No reason: drop one a reaper wrote while the supervisor was only slow. */
	if (rc == 0 && reason && reason[0])
		rc = sg_run_set_tag(st, id, "sagetty.failure_reason", reason, err);
	else if (rc == 0 && update_row(st, "DELETE FROM tags WHERE run_id = ?1 AND key = "
				       "'sagetty.failure_reason' AND ?4 IS NOT NULL", id, NULL,
				       NULL, err) < 0)
		rc = -1;
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

/* A time for a failure reason: local time with its UTC offset, since the
 * reader may be on another host. */
static void reason_time(double t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S %z", &tm);
}

/* Why j is lost, into buf. */
static void lost_reason(const struct sg_job_info *j, int timeout, char *buf, size_t n)
{
	char at[64] = "never";
	if (j->heartbeat_at > 0)
		reason_time(j->heartbeat_at, at, sizeof at);
	if (strcmp(j->host, job_host()) == 0 && j->supervisor_pid <= 0)
		snprintf(buf, n, "supervisor lost: it never started on %s", j->host);
	else if (strcmp(j->host, job_host()) == 0)
		snprintf(buf, n, "supervisor lost: its process (pid %ld) on %s is gone; last "
			 "heartbeat %s", (long)j->supervisor_pid, j->host, at);
	else
		snprintf(buf, n, "supervisor on %s stopped reporting at %s (no heartbeat for "
			 "%.0f s; jobs.heartbeat-timeout is %d s)", j->host, at,
			 sg_now() - j->heartbeat_at, timeout);
}

/* The conditional mark: the row must still be in the state, attempt and
 * heartbeat that were read, so of several reapers only one changes it. */
static int mark_row(struct sg_store *st, const struct sg_job_info *j, const char *why,
		    struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st, "UPDATE jobs SET state = 'Failed', "
		"failure_reason = ?2, ended_at = ?3 WHERE run_id = ?1 AND state = ?4 "
		"AND attempt = ?5 AND heartbeat_at IS ?6", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, j->run_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, why, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(q, 3, sg_now());
	sqlite3_bind_text(q, 4, sg_job_state_name(j->state), -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, j->attempt);
	if (j->heartbeat_at > 0)
		sqlite3_bind_double(q, 6, j->heartbeat_at);
	else
		sqlite3_bind_null(q, 6);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return sg_store_error(st, err, "cannot update the job");
	return sqlite3_changes(sg_store_db(st));
}

/* Marks one lost job Failed, unless its supervisor wrote an end (or a
 * heartbeat) meanwhile or another process marked it first: 1 marked, 0
 * not, -1 error. */
static int mark_lost(struct sg_workspace *ws, const struct sg_job_info *j, struct sg_error *err)
{
	char why[SG_JOB_REASON_MAX];
	int timeout = ws->config.heartbeat_timeout;
	lost_reason(j, timeout, why, sizeof why);
	if (sg_store_begin(ws->store, err) != 0)
		return -1;
	int n = mark_row(ws->store, j, why, err);
	if (n > 0 && (job_attempt_sync(ws->store, j->run_id, 1, err) != 0 ||
		      job_finish_run(ws->store, j->run_id, SG_JOB_FAILED, why, err) != 0))
		n = -1;
	if (n < 0 || sg_store_commit(ws->store, err) != 0) {
		sg_store_rollback(ws->store);
		return -1;
	}
	if (n > 0 && strcmp(j->host, job_host()) == 0)
		kill_orphan(ws->store, j->run_id);
	if (n > 0)
		job_notify(ws);   /* its slot is free: waiting supervisors look again */
	return n;
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
		read_row(q, ws->config.heartbeat_timeout, &j);
		if (j.alive)
			continue;
		dead = sg_xrealloc(dead, (n + 1) * sizeof *dead);
		dead[n++] = j;
	}
	sqlite3_reset(q);
	int status = rc == SQLITE_DONE ? 0 : sg_store_error(ws->store, err, "cannot list jobs");
	for (size_t i = 0; i < n && status == 0; i++) {
		int k = mark_lost(ws, &dead[i], err);
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
	return job_row(ws->store, id, ws->config.heartbeat_timeout, out, NULL, err);
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
		read_row(q, ws->config.heartbeat_timeout, &j);
		if (limit && shown >= limit && sg_job_state_final(j.state)) {
			rc = SQLITE_DONE;
			break;
		}
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

/* The program the supervisor runs as: sagetty-supervise beside this binary
 * (a build tree), else the installed one, else this binary itself, which
 * has the same `jobs supervise` command but a slower start. */
static char *supervisor_program(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
	if (slash) {
		*slash = '\0';
		char *p = sg_path_join(self, "sagetty-supervise");
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	if (access(SG_PKGLIBEXECDIR "/sagetty-supervise", X_OK) == 0)
		return sg_xstrdup(SG_PKGLIBEXECDIR "/sagetty-supervise");
	return sg_xstrdup("/proc/self/exe");
}

int sg_job_launch(struct sg_workspace *ws, const char *run,
		  const struct sg_job_launch_opts *opts, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(ws->store, run, id, err) != 0)
		return -1;
	char *dir = sg_workspace_run_dir(ws, id);
	char *log = sg_path_join(dir, "supervisor.log");
	char *exe = opts && opts->exe ? sg_xstrdup(opts->exe) : supervisor_program();
	char *argv[] = { exe, "-w", ws->root, "jobs", "supervise", id, NULL };
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
	free(exe);
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
	/* The new attempt's log folder first: nothing changes if it fails. */
	char *rd = sg_workspace_run_dir(ws, j.run_id);
	int made = job_attempt_mkdir(rd, j.attempt + 1, err);
	free(rd);
	if (made != 0)
		return -1;
	int n = update_row(ws->store, "UPDATE jobs SET state = 'Queued', attempt = attempt + 1, "
			   "supervisor_pid = NULL, supervisor_token = NULL, child_pid = NULL, "
			   "child_token = NULL, stop_request = NULL, failure_reason = NULL, "
			   "exit_code = NULL, signal = NULL, started_at = NULL, ended_at = NULL, "
			   "heartbeat_at = NULL, queued_at = ?4, host = ?3 "
			   "WHERE run_id = ?1 AND state = ?2",
			   j.run_id, sg_job_state_name(j.state), job_host(), err);
	if (n < 0)
		return -1;
	if (n == 0)
		return sg_error_set(err, SG_E_USAGE, "job %s changed meanwhile; try again", j.run_id);
	if (job_attempt_insert(ws->store, j.run_id, j.attempt + 1, err) != 0)
		return -1;
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
