/* test_ingest.c — the batched writer: batch boundaries, steps, summary
 * exactness, a deleted run, 4 concurrent writer processes plus a reader;
 * and the tracker's core loop with hooks. */
#include "tests/testutil.h"
#include <math.h>
#include <signal.h>
#include "core/ingest.h"
#include "core/run.h"
#include "core/track.h"
#include "core/util.h"

struct fixture {
	char *dir, *path;
	struct sg_store *s;
	char id[SG_RUN_ID_LEN + 1];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	tu_store_init(&f->dir, &f->path, &f->s);
	struct sg_run_spec spec = { .name = "r" };
	assert_int_equal(sg_run_start(f->s, &spec, f->id, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tu_store_fini(f->dir, f->path, f->s);
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

/* Points visible to another connection: only what was committed. */
static long long committed(struct fixture *f)
{
	struct sg_store *other = sg_store_open(f->path, 0, NULL);
	assert_non_null(other);
	long long n = one_int(other, "SELECT count(*) FROM metrics");
	sg_store_close(other);
	return n;
}

static void test_batch_boundaries(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_ingest_opts o = { .batch_points = 100, .batch_ms = 60000 };
	struct sg_ingest *w = sg_ingest_new(f->s, f->id, &o, &err);
	assert_non_null(w);
	for (int i = 0; i < 99; i++)
		assert_int_equal(sg_ingest_metric(w, "m", i, 0, i, NULL, &err), 0);
	assert_int_equal(sg_ingest_pending(w), 99);
	assert_int_equal(sg_ingest_stats(w)->batches, 0);
	assert_int_equal(committed(f), 0);
	assert_true(sg_ingest_due_ms(w) > 1000);
	assert_int_equal(sg_ingest_metric(w, "m", 99, 0, 99, NULL, &err), 0);
	assert_int_equal(sg_ingest_pending(w), 0);
	assert_int_equal(sg_ingest_stats(w)->batches, 1);
	assert_int_equal(committed(f), 100);
	assert_int_equal(sg_ingest_due_ms(w), -1);
	for (int i = 0; i < 5; i++)
		sg_ingest_metric(w, "m", 100 + i, 0, i, NULL, &err);
	assert_int_equal(sg_ingest_param(w, "lr", "0.1", &err), 0);
	assert_int_equal(sg_ingest_pending(w), 6);
	assert_int_equal(sg_ingest_close(w, &err), 0);
	assert_int_equal(committed(f), 105);
	assert_int_equal(one_int(f->s, "SELECT count(*) FROM params WHERE value = '0.1'"), 1);
}

static void test_batch_by_time(void **state)
{
	struct fixture *f = *state;
	/* 300 ms: the checks that nothing is due yet run within it even when a
	 * loaded host stalls this process for a while (50 ms was not enough). */
	struct sg_ingest_opts o = { .batch_points = 1000000, .batch_ms = 300 };
	struct sg_ingest *w = sg_ingest_new(f->s, f->id, &o, NULL);
	assert_int_equal(sg_ingest_tick(w, NULL), 0);   /* nothing to do */
	sg_ingest_metric(w, "m", -1, 0, 1.0, NULL, NULL);
	int due = sg_ingest_due_ms(w);
	assert_true(due > 0 && due <= 300);
	assert_int_equal(sg_ingest_tick(w, NULL), 0);
	assert_int_equal(committed(f), 0);
	usleep(350 * 1000);
	assert_int_equal(sg_ingest_due_ms(w), 0);
	assert_int_equal(sg_ingest_tick(w, NULL), 0);
	assert_int_equal(committed(f), 1);
	/* A record arriving after the interval flushes at once. */
	sg_ingest_metric(w, "m", -1, 0, 2.0, NULL, NULL);
	usleep(350 * 1000);
	sg_ingest_tag(w, "k", "v", NULL);
	assert_int_equal(committed(f), 2);
	sg_ingest_close(w, NULL);
}

static void test_auto_steps(void **state)
{
	struct fixture *f = *state;
	long long step;
	struct sg_ingest *w = sg_ingest_new(f->s, f->id, NULL, NULL);
	sg_ingest_metric(w, "a", -1, 0, 1, &step, NULL);
	assert_int_equal(step, 0);
	sg_ingest_metric(w, "a", -1, 0, 1, &step, NULL);
	assert_int_equal(step, 1);
	sg_ingest_metric(w, "b", -1, 0, 1, &step, NULL);
	assert_int_equal(step, 0);
	sg_ingest_metric(w, "a", 10, 0, 1, &step, NULL);
	assert_int_equal(step, 10);
	sg_ingest_metric(w, "a", 3, 0, 1, &step, NULL);    /* lower steps are fine */
	sg_ingest_metric(w, "a", -1, 0, 1, &step, NULL);
	assert_int_equal(step, 11);
	assert_int_equal(sg_ingest_close(w, NULL), 0);
	/* A new writer (say, the next `sagetty log metric`) continues from the store. */
	w = sg_ingest_new(f->s, f->id, NULL, NULL);
	sg_ingest_metric(w, "a", -1, 0, 1, &step, NULL);
	assert_int_equal(step, 12);
	sg_ingest_metric(w, "b", -1, 0, 1, &step, NULL);
	assert_int_equal(step, 1);
	sg_ingest_close(w, NULL);
	/* Explicit timestamps are kept. */
	w = sg_ingest_new(f->s, f->id, NULL, NULL);
	sg_ingest_metric(w, "t", 0, 1234.5, 1, NULL, NULL);
	sg_ingest_close(w, NULL);
	assert_int_equal(one_int(f->s, "SELECT ts * 10 FROM metrics WHERE key = 't'"), 12345);
}

/* A tiny deterministic generator, so failures reproduce. */
static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct expect {
	double last, min, max;
	long long last_step, count;
};

/* Folds the points in insertion order, independently of run.c. */
static void expect_add(struct expect *e, long long step, double v)
{
	if (e->count == 0 || step >= e->last_step) {
		e->last = v;
		e->last_step = step;
	}
	if (!isnan(v)) {
		e->min = isnan(e->min) || v < e->min ? v : e->min;
		e->max = isnan(e->max) || v > e->max ? v : e->max;
	}
	e->count++;
}

static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

struct check_ctx {
	struct expect *e;
	const char *const *keys;
	int nkeys, seen;
};

static int check_summary(const struct sg_metric_summary *m, void *ud)
{
	struct check_ctx *c = ud;
	for (int k = 0; k < c->nkeys; k++) {
		if (strcmp(m->key, c->keys[k]) != 0)
			continue;
		const struct expect *e = &c->e[k];
		if (m->count != e->count || m->last_step != e->last_step || !same(m->last, e->last) ||
		    !same(m->min, e->min) || !same(m->max, e->max))
			fail_msg("%s: got count %lld step %lld last %g min %g max %g; want %lld %lld "
				 "%g %g %g", m->key, m->count, m->last_step, m->last, m->min, m->max,
				 e->count, e->last_step, e->last, e->min, e->max);
		c->seen++;
	}
	return 0;
}

static void test_summary_exact(void **state)
{
	struct fixture *f = *state;
	static const char *const keys[] = { "loss", "acc", "nan_only", "inf" };
	struct expect e[4];
	for (int k = 0; k < 4; k++)
		e[k] = (struct expect){ .min = NAN, .max = NAN };
	struct sg_ingest_opts o = { .batch_points = 37 };
	struct sg_ingest *w = sg_ingest_new(f->s, f->id, &o, NULL);
	static const double specials[] = { NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e308, -1e-300 };
	for (int i = 0; i < 5000; i++) {
		int k = (int)rnd(4);
		long long step = rnd(300);   /* repeats and out of order */
		double v = rnd(10) == 0 ? specials[rnd(7)] : (double)rnd(1000000) / 1000.0 - 500;
		if (k == 2)
			v = NAN;
		if (k == 3)
			v = rnd(2) ? INFINITY : -INFINITY;
		if (i % 500 == 499) {
			/* Some points take the other writer path. */
			assert_int_equal(sg_ingest_flush(w, NULL), 0);
			struct sg_metric_point p = { keys[k], step, 0, v };
			assert_int_equal(sg_run_log_metrics(f->s, f->id, &p, 1, NULL), 0);
		} else {
			assert_int_equal(sg_ingest_metric(w, keys[k], step, 0, v, NULL, NULL), 0);
		}
		expect_add(&e[k], step, v);
	}
	assert_int_equal(sg_ingest_close(w, NULL), 0);
	struct check_ctx c = { e, keys, 4, 0 };
	assert_int_equal(sg_run_metric_summaries(f->s, f->id, check_summary, &c, NULL), 0);
	assert_int_equal(c.seen, 4);
	/* Rebuilding from the points gives the same summary. */
	assert_int_equal(sg_run_resummarize(f->s, f->id, NULL), 0);
	c.seen = 0;
	assert_int_equal(sg_run_metric_summaries(f->s, f->id, check_summary, &c, NULL), 0);
	assert_int_equal(c.seen, 4);
}

static void test_deleted_run(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_ingest *w = sg_ingest_new(f->s, f->id, NULL, &err);
	sg_ingest_metric(w, "m", -1, 0, 1, NULL, &err);
	sg_ingest_tag(w, "k", "v", &err);
	assert_int_equal(sg_run_delete(f->s, f->id, &err), 0);
	assert_int_equal(sg_ingest_flush(w, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_int_equal(sg_ingest_pending(w), 0);
	assert_int_equal(one_int(f->s, "SELECT count(*) FROM metrics"), 0);
	assert_int_equal(one_int(f->s, "SELECT count(*) FROM tags"), 0);
	/* The check is restored for everyone else afterwards. */
	assert_int_equal(one_int(f->s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(sg_ingest_close(w, &err), 0);
	assert_null(sg_ingest_new(f->s, "0123456789abcdef", NULL, &err));
	assert_int_equal(err.code, SG_E_NOTFOUND);
}

#define WRITERS 4
#define PER_WRITER 100000

/* One writer process: half its points under its own key, half under a
 * shared one (steps kept apart so every point is distinct). */
static int writer_main(const char *path, const char *id, int k)
{
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open(path, 0, &err);
	struct sg_ingest *w = s ? sg_ingest_new(s, id, NULL, &err) : NULL;
	if (!w) {
		fprintf(stderr, "writer %d: %s\n", k, err.msg);
		return 1;
	}
	char own[16];
	snprintf(own, sizeof own, "w%d", k);
	for (int i = 0; i < PER_WRITER; i++) {
		const char *key = i % 2 ? "shared" : own;
		long long step = i % 2 ? (long long)k * PER_WRITER + i : i / 2;
		if (sg_ingest_metric(w, key, step, 0, (double)i, NULL, &err) != 0) {
			fprintf(stderr, "writer %d: %s\n", k, err.msg);
			return 1;
		}
	}
	int rc = sg_ingest_close(w, &err);
	if (rc != 0)
		fprintf(stderr, "writer %d: %s\n", k, err.msg);
	sg_store_close(s);
	return rc != 0;
}

/* The reader: polls the counts until it sees everything (or 60 s pass);
 * they must never fail and never go down. */
static int reader_main(const char *path)
{
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open(path, SG_STORE_READONLY, &err);
	if (!s) {
		fprintf(stderr, "reader: %s\n", err.msg);
		return 1;
	}
	long long last = 0, polls = 0;
	double until = sg_now() + 60;
	while (last < (long long)WRITERS * PER_WRITER && sg_now() < until) {
		sqlite3_stmt *st = sg_store_prepare(s, "SELECT (SELECT count(*) FROM metrics), "
			"(SELECT coalesce(sum(count), 0) FROM metric_summary)", &err);
		if (!st || sqlite3_step(st) != SQLITE_ROW) {
			fprintf(stderr, "reader: %s\n", st ? sqlite3_errmsg(sg_store_db(s)) : err.msg);
			return 1;
		}
		long long n = sqlite3_column_int64(st, 0), summed = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		/* A committed batch carries its summary: both move together. */
		if (n < last || n != summed) {
			fprintf(stderr, "reader: count %lld after %lld, summary %lld\n", n, last, summed);
			return 1;
		}
		last = n;
		polls++;
		usleep(5000);
	}
	sg_store_close(s);
	return last == (long long)WRITERS * PER_WRITER && polls > 1 ? 0 : 1;
}

static void test_concurrent_writers_and_reader(void **state)
{
	struct fixture *f = *state;
	pid_t kids[WRITERS + 1];
	for (int k = 0; k <= WRITERS; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0)
			_exit(k < WRITERS ? writer_main(f->path, f->id, k) : reader_main(f->path));
	}
	for (int k = 0; k <= WRITERS; k++) {
		int st;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("%s %d failed (status %d)", k < WRITERS ? "writer" : "reader", k, st);
	}
	assert_int_equal(one_int(f->s, "SELECT count(*) FROM metrics"), WRITERS * PER_WRITER);
	assert_int_equal(one_int(f->s, "SELECT count FROM metric_summary WHERE key = 'shared'"),
			 WRITERS * PER_WRITER / 2);
	assert_int_equal(one_int(f->s, "SELECT count(DISTINCT step) FROM metrics "
				 "WHERE key = 'shared'"), WRITERS * PER_WRITER / 2);
	for (int k = 0; k < WRITERS; k++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count * 1000000 + last_step FROM metric_summary "
			 "WHERE key = 'w%d'", k);
		assert_int_equal(one_int(f->s, sql), (PER_WRITER / 2) * 1000000LL + PER_WRITER / 2 - 1);
	}
	assert_int_equal(sg_store_check(f->s, NULL), 0);
}

/* ---- the tracker's core loop ------------------------------------------- */

struct hook_log {
	int lines, points, ticks;
	char last_line[64];
};

static void hook_line(void *ud, int stream, const char *line, size_t len)
{
	struct hook_log *h = ud;
	h->lines++;
	snprintf(h->last_line, sizeof h->last_line, "%d:%s", stream, line);
}

static void hook_point(void *ud, const char *key, long long step, double value)
{
	((struct hook_log *)ud)->points++;
}

static void hook_tick_stop(void *ud, struct sg_track *t)
{
	struct hook_log *h = ud;
	if (++h->ticks == 2)
		sg_track_stop(t, SIGTERM);
}

static int track(struct fixture *f, char **argv, const struct sg_metricdefs *defs,
		 const struct sg_track_hooks *hooks, struct sg_track_result *r,
		 struct sg_error *err)
{
	struct sg_track_opts o = { .argv = argv, .run_id = f->id, .run_dir = f->dir,
				   .workspace_root = f->dir, .defs = defs, .stdin_null = 1,
				   .own_group = 1, .hooks = hooks };
	return sg_track_run(f->s, &o, r, err);
}

static void test_track_hooks_and_statuses(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_track_result r;
	struct hook_log h = { 0 };
	struct sg_track_hooks hooks = { .ud = &h, .on_line = hook_line, .on_point = hook_point };
	struct sg_metricdefs *defs = sg_metricdefs_new();
	assert_int_equal(sg_metricdefs_add(defs, "loss=loss: ([0-9.]+)", &err), 0);
	char *echo[] = { "echo", "epoch 1 loss: 0.5", NULL };
	assert_int_equal(track(f, echo, defs, &hooks, &r, &err), 0);
	assert_int_equal(r.status, SG_RUN_FINISHED);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.regex_points, 1);
	assert_int_equal(r.points, 1);
	assert_int_equal(h.lines, 1);
	assert_int_equal(h.points, 1);
	assert_string_equal(h.last_line, "1:epoch 1 loss: 0.5");
	char *stdout_log = sg_path_join(f->dir, "stdout.log");
	size_t len;
	char *text = sg_read_file(stdout_log, 1 << 20, &len, NULL);
	assert_string_equal(text, "epoch 1 loss: 0.5\n");
	free(text);
	free(stdout_log);
	char *fail[] = { "false", NULL };
	assert_int_equal(track(f, fail, NULL, NULL, &r, &err), 0);
	assert_int_equal(r.status, SG_RUN_FAILED);
	assert_int_equal(sg_track_exit_status(&r), 1);
	char *missing[] = { "sagetty-no-such-program", NULL };
	assert_int_equal(track(f, missing, NULL, NULL, &r, &err), -1);
	assert_int_equal(r.exit_code, 127);
	assert_non_null(strstr(err.msg, "sagetty-no-such-program"));
	struct sg_run_info info;
	sg_run_get(f->s, f->id, &info, NULL);
	assert_int_equal(info.status, SG_RUN_FAILED);
	sg_metricdefs_free(defs);
}

static void test_track_stop_from_hook(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_track_result r;
	struct hook_log h = { 0 };
	struct sg_track_hooks hooks = { .ud = &h, .on_tick = hook_tick_stop, .tick_ms = 50 };
	char *sleeper[] = { "sleep", "30", NULL };
	double t0 = sg_now();
	assert_int_equal(track(f, sleeper, NULL, &hooks, &r, &err), 0);
	assert_true(sg_now() - t0 < 5);
	assert_int_equal(r.status, SG_RUN_KILLED);
	assert_int_equal(r.signal, SIGTERM);
	assert_int_equal(sg_track_exit_status(&r), 128 + SIGTERM);
	assert_int_equal(one_int(f->s, "SELECT count(*) FROM tags WHERE key = 'sagetty.signal' "
				 "AND value = 'SIGTERM'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_by_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers_and_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_track_hooks_and_statuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_track_stop_from_hook, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
