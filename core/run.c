/* run.c — runs and their params, metrics, tags and artifacts. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "core/run.h"
#include "core/util.h"

static const char *const status_names[] = { "RUNNING", "FINISHED", "FAILED", "KILLED" };

const char *sg_run_status_name(enum sg_run_status st)
{
	return (unsigned)st < 4 ? status_names[st] : "UNKNOWN";
}

int sg_run_status_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/* Copies column i as text into buf (empty for NULL). */
static void copy_col(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(buf, n, "%s", t ? (const char *)t : "");
}

/* A REAL column where NULL stands for NaN. */
static double real_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Finishes a write statement: steps it once and resets it. */
static int step_done(struct sg_store *s, sqlite3_stmt *st, struct sg_error *err, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sg_store_error(s, err, what);
	return 0;
}

/* Returns the id of experiment name, creating it. */
static long long experiment_id(struct sg_store *s, const char *name, const char *user,
			       struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s,
		"INSERT INTO experiments(name, created_at, user) VALUES (?1, ?2, ?3) "
		"ON CONFLICT(name) DO NOTHING", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 2, sg_now());
	sqlite3_bind_text(st, 3, user, -1, SQLITE_TRANSIENT);
	if (step_done(s, st, err, "cannot create the experiment") != 0)
		return -1;
	st = sg_store_prepare(s, "SELECT id FROM experiments WHERE name = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (id < 0)
		sg_store_error(s, err, "cannot find the experiment");
	return id;
}

static void new_run_id(char id[SG_RUN_ID_LEN + 1])
{
	unsigned char b[SG_RUN_ID_LEN / 2];
	if (sg_random_bytes(b, sizeof b) != 0) {
		/* No kernel randomness: time and pid still make collisions unlikely,
		 * and the primary key catches the rest. */
		double t = sg_now();
		memcpy(b, &t, sizeof b < sizeof t ? sizeof b : sizeof t);
	}
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
}

static void default_name(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "run-%Y%m%d-%H%M%S", &tm);
}

int sg_run_start(struct sg_store *s, const struct sg_run_spec *spec,
		 char id_out[SG_RUN_ID_LEN + 1], struct sg_error *err)
{
	char name[64];
	const char *user = spec->user ? spec->user : sg_username();
	if (!spec->name)
		default_name(name, sizeof name);
	if (sg_store_begin(s, err) != 0)
		return -1;
	long long exp = experiment_id(s, spec->experiment ? spec->experiment : "default", user, err);
	sqlite3_stmt *st = exp < 0 ? NULL : sg_store_prepare(s,
		"INSERT INTO runs(id, name, experiment_id, status, user, kind, source_path, "
		"source_commit, start_time) VALUES (?1, ?2, ?3, 'RUNNING', ?4, ?5, ?6, ?7, ?8)", err);
	if (!st)
		goto fail;
	new_run_id(id_out);
	sqlite3_bind_text(st, 1, id_out, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, spec->name ? spec->name : name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, exp);
	sqlite3_bind_text(st, 4, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, spec->kind ? spec->kind : "manual", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, spec->source_path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, spec->source_commit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 8, sg_now());
	if (step_done(s, st, err, "cannot create the run") != 0)
		goto fail;
	return sg_store_commit(s, err);
fail:
	sg_store_rollback(s);
	return -1;
}

/* A usable id prefix: 4..16 lowercase hex digits. */
static int is_id_prefix(const char *p)
{
	size_t n = strlen(p);
	if (n < 4 || n > SG_RUN_ID_LEN)
		return 0;
	for (; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return 0;
	return 1;
}

/* Collects up to two ids matching; returns how many matched. */
static int match_ids(struct sg_store *s, const char *sql, const char *a, const char *b,
		     char id[SG_RUN_ID_LEN + 1], struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 2) {
		if (n++ == 0)
			copy_col(st, 0, id, SG_RUN_ID_LEN + 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sg_store_error(s, err, "cannot look up the run");
	return n;
}

int sg_run_resolve(struct sg_store *s, const char *run, char id_out[SG_RUN_ID_LEN + 1],
		   struct sg_error *err)
{
	int n = 0;
	if (is_id_prefix(run)) {
		/* Hex digits sort below 'g', so [prefix, prefix+"g") is exactly
		 * the ids starting with prefix, and the primary key serves it. */
		char hi[SG_RUN_ID_LEN + 2];
		snprintf(hi, sizeof hi, "%sg", run);
		n = match_ids(s, "SELECT id FROM runs WHERE id >= ?1 AND id < ?2 LIMIT 2", run, hi,
			      id_out, err);
	}
	if (n == 0)
		n = match_ids(s, "SELECT id FROM runs WHERE name = ?1 LIMIT 2", run, NULL, id_out, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return sg_error_set(err, SG_E_NOTFOUND, "no run '%s' (see `sagetty runs ls`)", run);
	if (n > 1)
		return sg_error_set(err, SG_E_AMBIGUOUS,
				    "'%s' matches several runs; give more characters of the id", run);
	return 0;
}

#define RUN_COLUMNS \
	SG_RUN_INFO_COLUMNS " FROM runs r JOIN experiments e ON e.id = r.experiment_id"

void sg_run_info_read(sqlite3_stmt *st, struct sg_run_info *r)
{
	memset(r, 0, sizeof *r);
	copy_col(st, 0, r->id, sizeof r->id);
	copy_col(st, 1, r->name, sizeof r->name);
	copy_col(st, 2, r->experiment, sizeof r->experiment);
	copy_col(st, 3, r->user, sizeof r->user);
	copy_col(st, 4, r->kind, sizeof r->kind);
	copy_col(st, 5, r->source_path, sizeof r->source_path);
	copy_col(st, 6, r->source_commit, sizeof r->source_commit);
	copy_col(st, 7, r->note, sizeof r->note);
	char status[16];
	copy_col(st, 8, status, sizeof status);
	int stv = sg_run_status_parse(status);
	r->status = stv < 0 ? SG_RUN_FAILED : (enum sg_run_status)stv;
	r->start_time = sqlite3_column_double(st, 9);
	r->end_time = sqlite3_column_double(st, 10);
}

int sg_run_get(struct sg_store *s, const char *run, struct sg_run_info *out, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT " RUN_COLUMNS " WHERE r.id = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sg_run_info_read(st, out);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE
			? sg_error_set(err, SG_E_NOTFOUND, "run %s was deleted", id)
			: sg_store_error(s, err, "cannot read the run");
	return 0;
}

int sg_run_list(struct sg_store *s, const char *experiment, size_t limit, sg_run_fn fn, void *ud,
		struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT " RUN_COLUMNS
		" WHERE ?1 IS NULL OR e.name = ?1 ORDER BY r.start_time DESC, r.id LIMIT ?2", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, experiment, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, limit ? (long long)limit : -1);
	int rc;
	struct sg_run_info r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sg_run_info_read(st, &r);
		if (fn(&r, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot list runs");
}

long sg_run_count(struct sg_store *s, int st_filter, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s,
		"SELECT count(*) FROM runs WHERE ?1 IS NULL OR status = ?1", err);
	if (!st)
		return -1;
	if (st_filter >= 0)
		sqlite3_bind_text(st, 1, sg_run_status_name(st_filter), -1, SQLITE_STATIC);
	long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (n < 0)
		sg_store_error(s, err, "cannot count runs");
	return n;
}

/* Runs an UPDATE/INSERT/DELETE keyed by a resolved run id plus up to two
 * text values. */
static int run_write(struct sg_store *s, const char *run, const char *sql, const char *a,
		     const char *b, struct sg_error *err, const char *what)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	sqlite3_stmt *st = sg_store_prepare(s, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (a)
		sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 4, sg_now());
	return step_done(s, st, err, what);
}

int sg_run_finish(struct sg_store *s, const char *run, enum sg_run_status st, struct sg_error *err)
{
	if (st == SG_RUN_RUNNING)
		return sg_error_set(err, SG_E_USAGE, "a run cannot finish as RUNNING");
	return run_write(s, run, "UPDATE runs SET status = ?2, end_time = ?4 WHERE id = ?1",
			 sg_run_status_name(st), NULL, err, "cannot finish the run");
}

int sg_run_delete(struct sg_store *s, const char *run, struct sg_error *err)
{
	return run_write(s, run, "DELETE FROM runs WHERE id = ?1", NULL, NULL, err,
			 "cannot delete the run");
}

int sg_run_set_param(struct sg_store *s, const char *run, const char *key, const char *value,
		     struct sg_error *err)
{
	return run_write(s, run, "INSERT INTO params(run_id, key, value) VALUES (?1, ?2, ?3) "
			 "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value",
			 key, value, err, "cannot record the param");
}

int sg_run_set_tag(struct sg_store *s, const char *run, const char *key, const char *value,
		   struct sg_error *err)
{
	return run_write(s, run, "INSERT INTO tags(run_id, key, value) VALUES (?1, ?2, ?3) "
			 "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value",
			 key, value, err, "cannot record the tag");
}

int sg_run_set_note(struct sg_store *s, const char *run, const char *note, struct sg_error *err)
{
	return run_write(s, run, "UPDATE runs SET note = ?2 WHERE id = ?1", note, NULL, err,
			 "cannot record the note");
}

int sg_run_add_artifact(struct sg_store *s, const char *run, const char *path, const char *kind,
			struct sg_error *err)
{
	return run_write(s, run, "INSERT INTO artifacts(run_id, path, kind, created_at) "
			 "VALUES (?1, ?2, ?3, ?4)", path, kind ? kind : "file", err,
			 "cannot record the artifact");
}

/* ---- metric points and their summary ---------------------------------- */

/* One key's summary over a batch, in insertion order. */
struct agg {
	const char *key;
	unsigned hash;
	double last, last_ts, min, max;   /* min/max NaN until a number is seen */
	long long last_step, count;
};

struct agg_table {
	struct agg *slot;       /* open addressing; key NULL = empty */
	size_t cap, n;
};

static unsigned key_hash(const char *k)
{
	unsigned h = 2166136261u;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

/* The slot for key, inserted empty when new. */
static struct agg *agg_find(struct agg_table *t, const char *key)
{
	if (2 * (t->n + 1) > t->cap) {
		struct agg *old = t->slot;
		size_t oldcap = t->cap;
		t->cap = t->cap ? 2 * t->cap : 16;
		t->slot = sg_xcalloc(t->cap, sizeof *t->slot);
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].key)
				continue;
			size_t j = old[i].hash & (t->cap - 1);
			while (t->slot[j].key)
				j = (j + 1) & (t->cap - 1);
			t->slot[j] = old[i];
		}
		free(old);
	}
	unsigned h = key_hash(key);
	size_t j = h & (t->cap - 1);
	while (t->slot[j].key) {
		if (t->slot[j].hash == h && strcmp(t->slot[j].key, key) == 0)
			return &t->slot[j];
		j = (j + 1) & (t->cap - 1);
	}
	t->slot[j] = (struct agg){ .key = key, .hash = h, .min = NAN, .max = NAN,
				   .last_step = LLONG_MIN };
	t->n++;
	return &t->slot[j];
}

/* Folds one point in, exactly as the v1 trigger would. */
static void agg_add(struct agg *a, const struct sg_metric_point *p, double ts)
{
	if (p->step >= a->last_step) {
		a->last = p->value;
		a->last_ts = ts;
		a->last_step = p->step;
	}
	if (!isnan(p->value)) {
		if (isnan(a->min) || p->value < a->min)
			a->min = p->value;
		if (isnan(a->max) || p->value > a->max)
			a->max = p->value;
	}
	a->count++;
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* Merges one key's batch summary into metric_summary. */
static int upsert_summary(struct sg_store *s, const char *id, const struct agg *a,
			  struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s,
		"INSERT INTO metric_summary(run_id, key, last, last_step, last_ts, min, max, count) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(run_id, key) DO UPDATE SET "
		"last = CASE WHEN excluded.last_step >= last_step THEN excluded.last ELSE last END, "
		"last_ts = CASE WHEN excluded.last_step >= last_step THEN excluded.last_ts "
		"ELSE last_ts END, "
		"last_step = max(last_step, excluded.last_step), "
		"min = CASE WHEN excluded.min IS NULL THEN min WHEN min IS NULL THEN excluded.min "
		"ELSE min(min, excluded.min) END, "
		"max = CASE WHEN excluded.max IS NULL THEN max WHEN max IS NULL THEN excluded.max "
		"ELSE max(max, excluded.max) END, "
		"count = count + excluded.count", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->key, -1, SQLITE_STATIC);
	bind_real_or_null(st, 3, a->last);
	sqlite3_bind_int64(st, 4, a->last_step);
	sqlite3_bind_double(st, 5, a->last_ts);
	bind_real_or_null(st, 6, a->min);
	bind_real_or_null(st, 7, a->max);
	sqlite3_bind_int64(st, 8, a->count);
	return step_done(s, st, err, "cannot update the metric summary");
}

/* Inserts the points, folding them per key as they go. */
static int insert_points(struct sg_store *s, const char *id, const struct sg_metric_point *p,
			 size_t n, struct agg_table *t, struct sg_error *err)
{
	/* One prepared single-row INSERT stepped per point: a multi-row VALUES
	 * list compiles to a compound SELECT and measured slower. */
	sqlite3_stmt *st = sg_store_prepare(s,
		"INSERT INTO metrics(run_id, key, step, ts, value) VALUES (?1, ?2, ?3, ?4, ?5)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	double now = sg_now();
	struct agg *a = NULL;
	for (size_t i = 0; i < n; i++) {
		double ts = p[i].ts > 0 ? p[i].ts : now;
		sqlite3_bind_text(st, 2, p[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, p[i].step);
		sqlite3_bind_double(st, 4, ts);
		bind_real_or_null(st, 5, p[i].value);
		if (step_done(s, st, err, "cannot record the metric") != 0) {
			if (sqlite3_extended_errcode(sg_store_db(s)) == SQLITE_CONSTRAINT_FOREIGNKEY)
				sg_error_set(err, SG_E_NOTFOUND, "run %s was deleted", id);
			return -1;
		}
		/* Interned keys (ingest.c) repeat by pointer: no hashing then. */
		if (!a || (a->key != p[i].key && strcmp(a->key, p[i].key) != 0))
			a = agg_find(t, p[i].key);
		agg_add(a, &p[i], ts);
	}
	return 0;
}

int sg_run_write_metrics(struct sg_store *s, const char *id, const struct sg_metric_point *p,
			 size_t n, struct sg_error *err)
{
	struct agg_table t = { 0 };
	int rc = insert_points(s, id, p, n, &t, err);
	for (size_t i = 0; rc == 0 && i < t.cap; i++)
		if (t.slot[i].key)
			rc = upsert_summary(s, id, &t.slot[i], err);
	free(t.slot);
	return rc;
}

int sg_run_resummarize(struct sg_store *s, const char *run, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0 || sg_store_begin(s, err) != 0)
		return -1;
	/* last: the highest step, the latest insert (rowid) among equals. */
	if (run_write(s, id, "DELETE FROM metric_summary WHERE run_id = ?1", NULL, NULL, err,
		      "cannot rebuild the summary") != 0 ||
	    run_write(s, id, "INSERT INTO metric_summary(run_id, key, last, last_step, last_ts, "
		      "min, max, count) SELECT m.run_id, m.key, "
		      "(SELECT value FROM metrics l WHERE l.run_id = m.run_id AND l.key = m.key "
		      " ORDER BY step DESC, rowid DESC LIMIT 1), max(m.step), "
		      "(SELECT ts FROM metrics l WHERE l.run_id = m.run_id AND l.key = m.key "
		      " ORDER BY step DESC, rowid DESC LIMIT 1), min(m.value), max(m.value), "
		      "count(*) FROM metrics m WHERE m.run_id = ?1 GROUP BY m.key", NULL, NULL, err,
		      "cannot rebuild the summary") != 0) {
		sg_store_rollback(s);
		return -1;
	}
	return sg_store_commit(s, err);
}

int sg_run_write_begin(struct sg_store *s, const char *id, struct sg_error *err)
{
	/* The per-row foreign key check is a seek into runs for every point
	 * (about a tenth of the insert cost); checking once, under the write
	 * lock that keeps anyone from deleting the run meanwhile, is as safe.
	 * The pragma cannot change inside a transaction, hence out here. */
	if (sg_store_exec(s, "PRAGMA foreign_keys = OFF", err) != 0)
		return -1;
	if (sg_store_begin(s, err) != 0)
		goto fail;
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT 1 FROM runs WHERE id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		sg_error_set(err, SG_E_NOTFOUND, "run %s was deleted", id);
	else
		sg_store_error(s, err, "cannot look up the run");
fail:
	sg_store_rollback(s);
	sg_store_exec(s, "PRAGMA foreign_keys = ON", NULL);
	return -1;
}

int sg_run_write_end(struct sg_store *s, int ok, struct sg_error *err)
{
	int rc = -1;
	if (ok)
		rc = sg_store_commit(s, err);
	sg_store_rollback(s);
	if (sg_store_exec(s, "PRAGMA foreign_keys = ON", rc == 0 ? err : NULL) != 0)
		rc = -1;
	return rc;
}

int sg_run_log_metrics(struct sg_store *s, const char *run, const struct sg_metric_point *p,
		       size_t n, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0 || sg_run_write_begin(s, id, err) != 0)
		return -1;
	int ok = sg_run_write_metrics(s, id, p, n, err) == 0;
	return sg_run_write_end(s, ok, ok ? err : NULL) == 0 && ok ? 0 : -1;
}

int sg_run_reopen(struct sg_store *s, const char *run, struct sg_error *err)
{
	return run_write(s, run, "UPDATE runs SET status = 'RUNNING', end_time = NULL "
			 "WHERE id = ?1", NULL, NULL, err, "cannot reopen the run");
}

/* Iterates key/value rows of a run from sql. */
static int run_kv(struct sg_store *s, const char *run, const char *sql, sg_kv_fn fn, void *ud,
		  struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	sqlite3_stmt *st = sg_store_prepare(s, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (fn(k ? k : "", v ? v : "", ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot read the run");
}

int sg_run_params(struct sg_store *s, const char *run, sg_kv_fn fn, void *ud, struct sg_error *err)
{
	return run_kv(s, run, "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key", fn, ud,
		      err);
}

int sg_run_tags(struct sg_store *s, const char *run, sg_kv_fn fn, void *ud, struct sg_error *err)
{
	return run_kv(s, run, "SELECT key, value FROM tags WHERE run_id = ?1 ORDER BY key", fn, ud,
		      err);
}

int sg_run_metric_summaries(struct sg_store *s, const char *run, sg_summary_fn fn, void *ud,
			    struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT key, last, min, max, last_step, count "
		"FROM metric_summary WHERE run_id = ?1 ORDER BY key", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sg_metric_summary m = {
			.key = (const char *)sqlite3_column_text(st, 0),
			.last = real_col(st, 1), .min = real_col(st, 2), .max = real_col(st, 3),
			.last_step = sqlite3_column_int64(st, 4),
			.count = sqlite3_column_int64(st, 5),
		};
		if (fn(&m, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot read metrics");
}

/* Calls fn for the points of one metric that sql selects (?1 run, ?2 key,
 * ?3 after_step when the SQL names it), in step order. */
static int metric_points(struct sg_store *s, const char *run, const char *key, const char *sql,
			 long long after_step, sg_point_fn fn, void *ud, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	sqlite3_stmt *st = sg_store_prepare(s, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, after_step);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1), real_col(st, 2),
		       ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot read metrics");
}

int sg_run_metric_points(struct sg_store *s, const char *run, const char *key, sg_point_fn fn,
			 void *ud, struct sg_error *err)
{
	return metric_points(s, run, key, "SELECT step, ts, value FROM metrics "
			     "WHERE run_id = ?1 AND key = ?2 ORDER BY step, rowid", 0, fn, ud, err);
}

int sg_run_metric_points_after(struct sg_store *s, const char *run, const char *key,
			       long long after_step, sg_point_fn fn, void *ud, struct sg_error *err)
{
	return metric_points(s, run, key, "SELECT step, ts, value FROM metrics "
			     "WHERE run_id = ?1 AND key = ?2 AND step > ?3 ORDER BY step, rowid",
			     after_step, fn, ud, err);
}

int sg_run_artifacts(struct sg_store *s, const char *run, sg_artifact_fn fn, void *ud,
		     struct sg_error *err)
{
	return run_kv(s, run, "SELECT path, kind FROM artifacts WHERE run_id = ?1 ORDER BY id",
		      fn, ud, err);
}
