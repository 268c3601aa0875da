/* store.h — the workspace's SQLite file.
 *
 * One connection per process, in WAL mode with a busy timeout so several
 * users' processes can read and write at once; foreign keys on; the schema
 * is versioned by PRAGMA user_version and migrated forward on open (schema.c).
 * All SQL goes through prepared statements, cached by their text and
 * finalized on close. */
#ifndef SG_STORE_H
#define SG_STORE_H

#include <sqlite3.h>
#include "core/error.h"

struct sg_store;

enum sg_store_flags {
	SG_STORE_CREATE = 1 << 0,   /* create the file if missing */
	SG_STORE_READONLY = 1 << 1, /* open read-only; never migrates */
};

/* Opens (and with CREATE, creates) the store at path and migrates it to the
 * newest schema.  Fails with SG_E_NEWER if the file's schema is newer than
 * this build knows, SG_E_STORE if it is not a healthy SQLite database,
 * SG_E_READONLY if it needs writing but cannot be written.  Nothing is
 * changed on failure. */
struct sg_store *sg_store_open(const char *path, unsigned flags, struct sg_error *err);
/* Opens without migrating, for tests and tools that inspect old files. */
struct sg_store *sg_store_open_raw(const char *path, unsigned flags, struct sg_error *err);
void sg_store_close(struct sg_store *s);

sqlite3 *sg_store_db(struct sg_store *s);
const char *sg_store_path(const struct sg_store *s);
/* The file's PRAGMA user_version. */
int sg_store_schema_version(struct sg_store *s);
/* Migrates forward to version target (<= SG_SCHEMA_VERSION), one
 * transaction per step. */
int sg_store_migrate(struct sg_store *s, int target, struct sg_error *err);

/* Returns a cached prepared statement for sql (reset, bindings cleared), or
 * NULL with err set.  The statement stays owned by the store. */
sqlite3_stmt *sg_store_prepare(struct sg_store *s, const char *sql, struct sg_error *err);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  IMMEDIATE takes the write lock up
 * front, so the busy timeout applies at BEGIN and never mid-transaction. */
int sg_store_begin(struct sg_store *s, struct sg_error *err);
int sg_store_commit(struct sg_store *s, struct sg_error *err);
void sg_store_rollback(struct sg_store *s);
/* Runs one parameterless statement. */
int sg_store_exec(struct sg_store *s, const char *sql, struct sg_error *err);
/* Fills err from the connection's last error, prefixed by what. */
int sg_store_error(struct sg_store *s, struct sg_error *err, const char *what);
/* PRAGMA data_version: changes whenever another connection commits, so a
 * front end can cheaply tell whether to reload. */
long long sg_store_data_version(struct sg_store *s);
/* PRAGMA integrity_check; 0 when "ok". */
int sg_store_check(struct sg_store *s, struct sg_error *err);

/* WAL checkpoints off the latency path (labels.h's sg_labels_idle runs one
 * when the annotator pauses). */
/* A passive checkpoint: copies what it can without waiting on readers;
 * when it copied everything it also restarts the WAL (one small commit),
 * so the next commit does not pay for the restart's header sync. */
int sg_store_checkpoint(struct sg_store *s, struct sg_error *err);

#endif
