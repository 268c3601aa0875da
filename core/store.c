/* store.c — the SQLite connection, migrations and the statement cache. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/schema.h"
#include "core/store.h"
#include "core/util.h"

#define BUSY_TIMEOUT_MS 15000
#define STMT_CACHE 64

struct cached_stmt {
	char *sql;              /* a copy of the text: callers may pass buffers */
	sqlite3_stmt *stmt;
};

struct sg_store {
	sqlite3 *db;
	char *path;
	struct cached_stmt cache[STMT_CACHE];
	int ncache;
};

int sg_store_error(struct sg_store *s, struct sg_error *err, const char *what)
{
	/* Extended codes are on; the low byte is the primary code. */
	int code = sqlite3_errcode(s->db) & 0xff;
	if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM)
		return sg_error_set(err, SG_E_READONLY, "%s: %s: the store is read-only for %s (%s)",
				    s->path, what, sg_username(), sqlite3_errmsg(s->db));
	return sg_error_set(err, SG_E_STORE, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

sqlite3 *sg_store_db(struct sg_store *s)
{
	return s->db;
}

const char *sg_store_path(const struct sg_store *s)
{
	return s->path;
}

sqlite3_stmt *sg_store_prepare(struct sg_store *s, const char *sql, struct sg_error *err)
{
	for (int i = 0; i < s->ncache; i++) {
		struct cached_stmt *c = &s->cache[i];
		if (strcmp(c->sql, sql) == 0) {
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return c->stmt;
		}
	}
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sg_store_error(s, err, "cannot prepare a query");
		return NULL;
	}
	if (s->ncache == STMT_CACHE) {
		/* Full: evict the oldest.  Only dynamic SQL could fill it. */
		sqlite3_finalize(s->cache[0].stmt);
		free(s->cache[0].sql);
		memmove(&s->cache[0], &s->cache[1], sizeof s->cache[0] * (STMT_CACHE - 1));
		s->ncache--;
	}
	s->cache[s->ncache].sql = sg_xstrdup(sql);
	s->cache[s->ncache].stmt = stmt;
	s->ncache++;
	return stmt;
}

int sg_store_exec(struct sg_store *s, const char *sql, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, sql, err);
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sg_store_error(s, err, "query failed");
	return 0;
}

int sg_store_begin(struct sg_store *s, struct sg_error *err)
{
	return sg_store_exec(s, "BEGIN IMMEDIATE", err);
}

int sg_store_commit(struct sg_store *s, struct sg_error *err)
{
	return sg_store_exec(s, "COMMIT", err);
}

void sg_store_rollback(struct sg_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sg_store_exec(s, "ROLLBACK", NULL);
}

/* Runs a statement returning one integer; -1 (with err) on failure. */
static long long query_int(struct sg_store *s, const char *sql, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, sql, err);
	if (!st)
		return -1;
	long long v = -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		sg_store_error(s, err, "query failed");
	sqlite3_reset(st);
	return v;
}

int sg_store_schema_version(struct sg_store *s)
{
	return (int)query_int(s, "PRAGMA user_version", NULL);
}

long long sg_store_data_version(struct sg_store *s)
{
	return query_int(s, "PRAGMA data_version", NULL);
}

int sg_store_check(struct sg_store *s, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, "PRAGMA integrity_check", err);
	if (!st)
		return -1;
	int ok = sqlite3_step(st) == SQLITE_ROW &&
		 strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_reset(st);
	return ok ? 0 : sg_error_set(err, SG_E_STORE, "%s: integrity check failed", s->path);
}

/* Applies one migration inside the caller's transaction.  The version is
 * re-read under the write lock: another process may have migrated first. */
static int migrate_step(struct sg_store *s, int to, struct sg_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sg_schema_migration(to), NULL, NULL, &msg) != SQLITE_OK) {
		sg_error_set(err, SG_E_STORE, "%s: migration to schema v%d failed: %s", s->path, to,
			     msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	/* PRAGMA takes no bound parameters; `to` is our own small integer. */
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", to);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sg_store_error(s, err, "cannot record the schema version");
	return 0;
}

int sg_store_migrate(struct sg_store *s, int target, struct sg_error *err)
{
	if (target > SG_SCHEMA_VERSION)
		return sg_error_set(err, SG_E_USAGE, "no schema v%d", target);
	int v = sg_store_schema_version(s);
	if (v > SG_SCHEMA_VERSION)
		return sg_error_set(err, SG_E_NEWER,
				    "%s: the store has schema v%d, newer than this sagetty knows (v%d); "
				    "upgrade sagetty — the store was not changed", s->path, v,
				    SG_SCHEMA_VERSION);
	if (v >= target)
		return 0;
	if (sg_store_begin(s, err) != 0)
		return -1;
	v = sg_store_schema_version(s);
	if (v == 0 && query_int(s, "SELECT count(*) FROM sqlite_master", err) != 0) {
		sg_store_rollback(s);
		return sg_error_set(err, SG_E_STORE,
				    "%s: not a sagetty store (it has tables but no schema version)",
				    s->path);
	}
	for (int to = v + 1; to <= target; to++) {
		if (migrate_step(s, to, err) != 0) {
			sg_store_rollback(s);
			return -1;
		}
	}
	return sg_store_commit(s, err);
}

/* Sets the per-connection pragmas.  A file that is not a database fails
 * here, on the first real read. */
static int configure(struct sg_store *s, unsigned flags, struct sg_error *err)
{
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	if (sg_store_exec(s, "PRAGMA foreign_keys = ON", err) != 0)
		return -1;
	if (query_int(s, "PRAGMA user_version", err) < 0)
		return -1;
	/* 32 MB of page cache (the default is 2 MB), allocated only as pages
	 * are read: sorting 10,000 runs by a metric touches the whole summary
	 * table, and re-reading it from the OS on every sort doubled the time. */
	if (sg_store_exec(s, "PRAGMA cache_size = -32768", err) != 0)
		return -1;
	if (flags & SG_STORE_READONLY)
		return 0;
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return sg_error_set(err, SG_E_READONLY, "%s: the store is read-only for %s",
				    s->path, sg_username());
	sqlite3_stmt *st = sg_store_prepare(s, "PRAGMA journal_mode = WAL", err);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return sg_store_error(s, err, "cannot switch to WAL mode");
	/* NORMAL is durable across application crashes in WAL mode and only
	 * risks the last transaction on power loss; FULL costs an fsync per
	 * commit, which multiplies the cost of metric logging. */
	return sg_store_exec(s, "PRAGMA synchronous = NORMAL", err);
}

/* A file: URI for path with ?immutable=1, percent-encoding what URIs reserve. */
static char *immutable_uri(const char *path)
{
	size_t n = strlen(path);
	char *uri = sg_xmalloc(3 * n + 32), *o = uri;
	o += sprintf(o, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f)
			o += sprintf(o, "%%%02X", *p);
		else
			*o++ = (char)*p;
	}
	strcpy(o, "?immutable=1");
	return uri;
}

/* Opens one connection; uri selects URI filename parsing. */
static struct sg_store *open_conn(const char *path, const char *name, int oflags, unsigned flags,
				  struct sg_error *err)
{
	struct sg_store *s = sg_xcalloc(1, sizeof *s);
	s->path = sg_xstrdup(path);
	if (sqlite3_open_v2(name, &s->db, oflags, NULL) != SQLITE_OK) {
		if (s->db)
			sg_store_error(s, err, "cannot open the store");
		else
			sg_error_set(err, SG_E_STORE, "%s: cannot open the store", path);
		sg_store_close(s);
		return NULL;
	}
	if (configure(s, flags, err) != 0) {
		sg_store_close(s);
		return NULL;
	}
	return s;
}

/* Turns off SQLite's memory statistics before its first use: keeping them
 * takes a global mutex on every allocation (about 8% of metric ingestion)
 * and sagetty never reads them.  A no-op once SQLite is initialized. */
static void tune_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct sg_store *sg_store_open_raw(const char *path, unsigned flags, struct sg_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, tune_sqlite);
	int oflags = SQLITE_OPEN_NOMUTEX;
	if (flags & SG_STORE_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE | ((flags & SG_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (!(flags & SG_STORE_CREATE) && access(path, F_OK) != 0) {
		sg_error_set(err, SG_E_STORE, "%s: the store is missing", path);
		return NULL;
	}
	struct sg_store *s = open_conn(path, path, oflags, flags, err);
	if (!s && (flags & SG_STORE_READONLY) && err && err->code == SG_E_READONLY) {
		/* A reader who may not write the folder cannot create the WAL's
		 * -shm file, so SQLite refuses even to read.  Immutable mode reads
		 * the main file alone: what every writer has checkpointed, which
		 * is everything once they have closed. */
		char *uri = immutable_uri(path);
		s = open_conn(path, uri, oflags | SQLITE_OPEN_URI, flags, err);
		free(uri);
	}
	return s;
}

struct sg_store *sg_store_open(const char *path, unsigned flags, struct sg_error *err)
{
	struct sg_store *s = sg_store_open_raw(path, flags, err);
	if (!s)
		return NULL;
	int v = sg_store_schema_version(s);
	if (v > SG_SCHEMA_VERSION || (v < SG_SCHEMA_VERSION && (flags & SG_STORE_READONLY))) {
		if (v > SG_SCHEMA_VERSION)
			sg_store_migrate(s, SG_SCHEMA_VERSION, err);
		else
			sg_error_set(err, SG_E_READONLY,
				     "%s: the store has schema v%d and needs upgrading to v%d, "
				     "but it is opened read-only", path, v, SG_SCHEMA_VERSION);
		sg_store_close(s);
		return NULL;
	}
	if (sg_store_migrate(s, SG_SCHEMA_VERSION, err) != 0) {
		sg_store_close(s);
		return NULL;
	}
	return s;
}

void sg_store_close(struct sg_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ncache; i++) {
		sqlite3_finalize(s->cache[i].stmt);
		free(s->cache[i].sql);
	}
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int sg_store_checkpoint(struct sg_store *s, struct sg_error *err)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(sg_store_db(s), NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
					   &done);
	char sql[64];
	long long v;

	/* BUSY: another connection is checkpointing; its work counts too */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return sg_store_error(s, err, "WAL checkpoint failed");
	if (rc != SQLITE_OK || log <= 0 || done < log)
		return 0;
	/* Everything was copied: the next commit restarts the WAL, and with
	 * synchronous=NORMAL that commit syncs the WAL's new header — an fsync
	 * on someone's keypress.  Restart it now with a write that changes
	 * nothing (the schema version rewritten under the write lock, so a
	 * concurrent migration cannot be undone). */
	if (sg_store_exec(s, "BEGIN IMMEDIATE", NULL) < 0)
		return 0;   /* busy: someone else is writing, and restarts it */
	v = query_int(s, "PRAGMA user_version", err);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", v);
	if (v < 0 || sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sg_store_rollback(s);
		return v < 0 ? -1 : sg_store_error(s, err, "cannot restart the WAL");
	}
	return sg_store_commit(s, err);
}
