/* job_attempt.c — the attempts of a training job (job_attempts) and where
 * each one's logs live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/job.h"
#include "core/job_int.h"
#include "core/util.h"

#define ATTEMPT_COLUMNS \
	"attempt, host, state, outcome, exit_code, signal, reason, log_dir, queued_at, " \
	"started_at, ended_at"

static void copy_text(sqlite3_stmt *q, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	snprintf(buf, n, "%s", t ? (const char *)t : "");
}

static void read_attempt(sqlite3_stmt *q, struct sg_job_attempt *a)
{
	char state[32];
	memset(a, 0, sizeof *a);
	a->number = sqlite3_column_int(q, 0);
	copy_text(q, 1, a->host, sizeof a->host);
	copy_text(q, 2, state, sizeof state);
	int st = sg_job_state_parse(state);
	a->state = st < 0 ? SG_JOB_FAILED : (enum sg_job_state)st;
	copy_text(q, 3, a->outcome, sizeof a->outcome);
	a->exit_code = sqlite3_column_type(q, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 4);
	a->signal = sqlite3_column_int(q, 5);
	copy_text(q, 6, a->reason, sizeof a->reason);
	copy_text(q, 7, a->log_dir, sizeof a->log_dir);
	a->queued_at = sqlite3_column_double(q, 8);
	a->started_at = sqlite3_column_double(q, 9);
	a->ended_at = sqlite3_column_double(q, 10);
}

int job_attempt_mkdir(const char *run_dir, int number, struct sg_error *err)
{
	char name[48];
	snprintf(name, sizeof name, "logs/attempt-%d", number);
	char *dir = sg_path_join(run_dir, name);
	int rc = sg_mkdir_p(dir, 0777, err);
	free(dir);
	return rc;
}

int job_attempt_insert(struct sg_store *st, const char *id, int number, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st,
		"INSERT OR REPLACE INTO job_attempts(run_id, attempt, host, state, log_dir, queued_at) "
		"VALUES (?1, ?2, ?3, 'Queued', 'logs/attempt-' || ?2, ?4)", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, number);
	sqlite3_bind_text(q, 3, job_host(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(q, 4, sg_now());
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : sg_store_error(st, err, "cannot record the attempt");
}

int job_attempt_sync(struct sg_store *st, const char *id, int lost, struct sg_error *err)
{
	/* One statement, so the attempt never disagrees with the job for
	 * longer than the caller's transaction. */
	sqlite3_stmt *q = sg_store_prepare(st,
		"UPDATE job_attempts SET state = j.state, host = j.host, exit_code = j.exit_code, "
		"signal = j.signal, reason = j.failure_reason, started_at = j.started_at, "
		"ended_at = j.ended_at, outcome = CASE WHEN ?2 THEN 'lost' ELSE CASE j.state "
		"WHEN 'Completed' THEN 'completed' WHEN 'Failed' THEN 'failed' "
		"WHEN 'Stopped' THEN 'stopped' WHEN 'Interrupted' THEN 'preempted' ELSE '' END END "
		"FROM jobs j WHERE j.run_id = ?1 AND job_attempts.run_id = ?1 "
		"AND job_attempts.attempt = j.attempt", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, lost != 0);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : sg_store_error(st, err, "cannot update the attempt");
}

/* The current attempt's log_dir into buf; 0, or -1 when there is none. */
static int current_log_dir(struct sg_store *st, const char *id, char *buf, size_t n)
{
	sqlite3_stmt *q = sg_store_prepare(st, "SELECT a.log_dir FROM jobs j JOIN job_attempts a "
					   "ON a.run_id = j.run_id AND a.attempt = j.attempt "
					   "WHERE j.run_id = ?1", NULL);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(q) == SQLITE_ROW ? 0 : -1;
	if (rc == 0)
		copy_text(q, 0, buf, n);
	sqlite3_reset(q);
	return rc;
}

/* run_dir joined with a stored log_dir, refusing anything but the shapes
 * sagetty writes ("" or logs/attempt-N): the store is shared, and a path
 * from it must not point outside the run folder. */
static char *join_log_dir(const char *run_dir, const char *log_dir)
{
	int n = 0, end = 0;
	if (!log_dir[0] || sscanf(log_dir, "logs/attempt-%d%n", &n, &end) != 1 ||
	    log_dir[end] != '\0' || n < 1)
		return sg_xstrdup(run_dir);
	return sg_path_join(run_dir, log_dir);
}

char *job_attempt_log_dir(struct sg_store *st, const char *run_dir, const char *id)
{
	char dir[64] = "";
	current_log_dir(st, id, dir, sizeof dir);
	return join_log_dir(run_dir, dir);
}

char *sg_job_log_path(const struct sg_workspace *ws, const char *run_id, int stream)
{
	char *run_dir = sg_workspace_run_dir(ws, run_id);
	char *dir = job_attempt_log_dir(ws->store, run_dir, run_id);
	char *p = sg_path_join(dir, stream == 2 ? "stderr.log" : "stdout.log");
	free(dir);
	free(run_dir);
	return p;
}

char *sg_job_attempt_log_path(const struct sg_workspace *ws, const char *run_id,
			      const struct sg_job_attempt *a, int stream)
{
	char *run_dir = sg_workspace_run_dir(ws, run_id);
	char *dir = join_log_dir(run_dir, a->log_dir);
	char *p = sg_path_join(dir, stream == 2 ? "stderr.log" : "stdout.log");
	free(dir);
	free(run_dir);
	return p;
}

int sg_job_attempts(struct sg_workspace *ws, const char *run, sg_job_attempt_fn fn, void *ud,
		    struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(ws->store, run, id, err) != 0)
		return -1;
	sqlite3_stmt *q = sg_store_prepare(ws->store, "SELECT " ATTEMPT_COLUMNS " FROM job_attempts "
					   "WHERE run_id = ?1 ORDER BY attempt", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sg_job_attempt *a = sg_xmalloc(sizeof *a);
		read_attempt(q, a);
		int stop = fn(a, ud);
		free(a);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : sg_store_error(ws->store, err, "cannot read the attempts");
}

struct find_ctx {
	int want, last;
	struct sg_job_attempt *out;
	int found;
};

static int find_one(const struct sg_job_attempt *a, void *ud)
{
	struct find_ctx *c = ud;
	c->last = a->number;
	if (a->number != c->want)
		return 0;
	*c->out = *a;
	c->found = 1;
	return 1;
}

int sg_job_attempt_get(struct sg_workspace *ws, const char *run, int number,
		       struct sg_job_attempt *out, struct sg_error *err)
{
	struct find_ctx c = { number, 0, out, 0 };
	if (sg_job_attempts(ws, run, find_one, &c, err) != 0)
		return -1;
	if (c.found)
		return 0;
	if (!c.last)
		return sg_error_set(err, SG_E_NOTFOUND, "run %s has no job attempts", run);
	return sg_error_set(err, SG_E_NOTFOUND, "run %s has no attempt %d (attempts: 1-%d)", run,
			    number, c.last);
}
