/* test_store.c — the SQLite store: pragmas, migrations, bad files. */
#include "tests/testutil.h"
#include <math.h>
#include "core/schema.h"
#include "core/store.h"

struct fixture {
	char *dir, *path;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	tu_store_init(&f->dir, &f->path, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tu_store_fini(f->dir, f->path, NULL);
	free(f);
	return 0;
}

static long long one_int(struct sg_store *s, const char *sql)
{
	sqlite3_stmt *st = sg_store_prepare(s, sql, NULL);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static const char *one_text(struct sg_store *s, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st = sg_store_prepare(s, sql, NULL);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return buf;
}

static void test_open_creates_wal_store(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open(f->path, SG_STORE_CREATE, &err);
	assert_non_null(s);
	char buf[32];
	assert_string_equal(one_text(s, "PRAGMA journal_mode", buf, sizeof buf), "wal");
	assert_int_equal(one_int(s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(sg_store_schema_version(s), SG_SCHEMA_VERSION);
	assert_true(one_int(s, "PRAGMA busy_timeout") >= 1000);
	assert_int_equal(sg_store_check(s, &err), 0);
	sg_store_close(s);
}

static void test_missing_store_without_create(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	assert_null(sg_store_open(f->path, 0, &err));
	assert_int_equal(err.code, SG_E_STORE);
	assert_int_not_equal(access(f->path, F_OK), 0);
}

static void test_statement_cache_reuses(void **state)
{
	struct fixture *f = *state;
	struct sg_store *s = sg_store_open(f->path, SG_STORE_CREATE, NULL);
	char sql[64];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM runs");
	sqlite3_stmt *a = sg_store_prepare(s, sql, NULL);
	/* Another buffer with the same text must hit the cache. */
	char copy[64];
	memcpy(copy, sql, sizeof copy);
	memset(sql, 0, sizeof sql);
	assert_ptr_equal(sg_store_prepare(s, copy, NULL), a);
	struct sg_error err = { 0 };
	assert_null(sg_store_prepare(s, "SELEKT nonsense", &err));
	assert_int_equal(err.code, SG_E_STORE);
	sg_store_close(s);
}

/* From an empty file, step by step, each migration applies once. */
static void test_migrate_from_empty(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open_raw(f->path, SG_STORE_CREATE, &err);
	assert_non_null(s);
	assert_int_equal(sg_store_schema_version(s), 0);
	assert_int_equal(sg_store_migrate(s, 1, &err), 0);
	assert_int_equal(sg_store_schema_version(s), 1);
	assert_int_equal(one_int(s, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 1);
	assert_int_equal(sg_store_migrate(s, SG_SCHEMA_VERSION, &err), 0);
	assert_int_equal(sg_store_migrate(s, SG_SCHEMA_VERSION, &err), 0);
	assert_int_equal(sg_store_schema_version(s), SG_SCHEMA_VERSION);
	/* v4: the key-first indexes of run queries */
	assert_int_equal(one_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
				 "name IN ('params_by_key', 'tags_by_key', 'metric_summary_by_key')"), 3);
	assert_int_equal(sg_store_migrate(s, SG_SCHEMA_VERSION + 1, &err), -1);
	sg_store_close(s);
}

/* A v1 store with data is upgraded in place and keeps its rows. */
static void test_migrate_from_v1_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open_raw(f->path, SG_STORE_CREATE, &err);
	assert_int_equal(sg_store_migrate(s, 1, &err), 0);
	assert_int_equal(sg_store_exec(s, "INSERT INTO experiments(name, created_at, user) "
				       "VALUES ('e', 1, 'u')", &err), 0);
	assert_int_equal(sg_store_exec(s, "INSERT INTO runs(id, name, experiment_id, status, user, "
				       "start_time) VALUES ('00112233aabbccdd', 'old', 1, 'FINISHED', "
				       "'u', 5)", &err), 0);
	sg_store_close(s);
	s = sg_store_open(f->path, 0, &err);
	assert_non_null(s);
	assert_int_equal(sg_store_schema_version(s), SG_SCHEMA_VERSION);
	char buf[64];
	assert_string_equal(one_text(s, "SELECT name || ':' || note || ':' FROM runs", buf,
				     sizeof buf), "old::");
	sg_store_close(s);
}

static void set_user_version(const char *path, int v)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_newer_store_refused_untouched(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	sg_store_close(sg_store_open(f->path, SG_STORE_CREATE, NULL));
	set_user_version(f->path, SG_SCHEMA_VERSION + 7);
	assert_null(sg_store_open(f->path, 0, &err));
	assert_int_equal(err.code, SG_E_NEWER);
	assert_non_null(strstr(err.msg, "newer"));
	assert_null(sg_store_open(f->path, SG_STORE_READONLY, &err));
	assert_int_equal(err.code, SG_E_NEWER);
	struct sg_store *raw = sg_store_open_raw(f->path, 0, &err);
	assert_int_equal(sg_store_schema_version(raw), SG_SCHEMA_VERSION + 7);
	sg_store_close(raw);
}

static void test_corrupt_store_refused_untouched(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	const char junk[] = "this is not an SQLite database, just some text\n";
	FILE *fp = fopen(f->path, "w");
	fwrite(junk, 1, sizeof junk - 1, fp);
	fclose(fp);
	assert_null(sg_store_open(f->path, 0, &err));
	assert_int_equal(err.code, SG_E_STORE);
	assert_non_null(strstr(err.msg, f->path));
	char buf[128] = { 0 };
	fp = fopen(f->path, "r");
	size_t n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	assert_int_equal(n, sizeof junk - 1);
	assert_memory_equal(buf, junk, n);
}

static void test_foreign_database_refused(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	sqlite3 *db;
	sqlite3_open(f->path, &db);
	sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_null(sg_store_open(f->path, 0, &err));
	assert_int_equal(err.code, SG_E_STORE);
	assert_non_null(strstr(err.msg, "not a sagetty store"));
}

static void test_readonly_open_of_old_store(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open_raw(f->path, SG_STORE_CREATE, &err);
	sg_store_migrate(s, 1, &err);
	sg_store_close(s);
	assert_null(sg_store_open(f->path, SG_STORE_READONLY, &err));
	assert_int_equal(err.code, SG_E_READONLY);
	s = sg_store_open_raw(f->path, 0, &err);
	assert_int_equal(sg_store_schema_version(s), 1);
	sg_store_close(s);
}

static void test_data_version_sees_other_writers(void **state)
{
	struct fixture *f = *state;
	struct sg_store *a = sg_store_open(f->path, SG_STORE_CREATE, NULL);
	struct sg_store *b = sg_store_open(f->path, 0, NULL);
	long long v0 = sg_store_data_version(a);
	assert_int_equal(sg_store_data_version(a), v0);
	assert_int_equal(sg_store_exec(b, "INSERT INTO experiments(name, created_at, user) "
				       "VALUES ('x', 1, 'u')", NULL), 0);
	assert_true(sg_store_data_version(a) != v0);
	sg_store_close(a);
	sg_store_close(b);
}

static void test_transactions_roll_back(void **state)
{
	struct fixture *f = *state;
	struct sg_store *s = sg_store_open(f->path, SG_STORE_CREATE, NULL);
	assert_int_equal(sg_store_begin(s, NULL), 0);
	sg_store_exec(s, "INSERT INTO experiments(name, created_at, user) VALUES ('x', 1, 'u')",
		      NULL);
	sg_store_rollback(s);
	assert_int_equal(one_int(s, "SELECT count(*) FROM experiments"), 0);
	sg_store_rollback(s); /* harmless outside a transaction */
	sg_store_close(s);
}

/* An idle checkpoint (automatic ones off, as labels.h does) copies every
 * frame and restarts the WAL, the data and schema version unchanged. */
static void test_idle_checkpoint_restarts_wal(void **state)
{
	struct fixture *f = *state;
	struct sg_store *s = sg_store_open(f->path, SG_STORE_CREATE, NULL);
	int version = sg_store_schema_version(s), log = -1, done = -1;
	char sql[128];

	sqlite3_wal_autocheckpoint(sg_store_db(s), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO experiments(name, created_at, user) "
			 "VALUES ('e%d', 1, 'u')", i);
		assert_int_equal(sg_store_exec(s, sql, NULL), 0);
	}
	/* nothing was checkpointed by the commits themselves */
	assert_int_equal(sqlite3_wal_checkpoint_v2(sg_store_db(s), NULL, SQLITE_CHECKPOINT_PASSIVE,
						    &log, &done), SQLITE_OK);
	assert_true(log >= 300);
	assert_int_equal(done, log);
	/* everything is copied, but the WAL only restarts with the next commit:
	 * the idle checkpoint makes that commit its own */
	assert_int_equal(sg_store_checkpoint(s, NULL), 0);
	assert_int_equal(sqlite3_wal_checkpoint_v2(sg_store_db(s), NULL, SQLITE_CHECKPOINT_PASSIVE,
						    &log, &done), SQLITE_OK);
	assert_true(log >= 1 && log <= 2);
	assert_int_equal(sg_store_schema_version(s), version);
	assert_int_equal(one_int(s, "SELECT count(*) FROM experiments"), 300);
	sg_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_wal_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_store_without_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statement_cache_reuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_store_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_store_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_open_of_old_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_version_sees_other_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions_roll_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_checkpoint_restarts_wal, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
