/* ingest_driver.c — timing driver for bench/ingest_bench.sh.
 *
 *   ingest_driver ingest DB N KEYS   sg_ingest (batched, C-folded summary)
 *   ingest_driver plain  DB N KEYS   a plain prepared INSERT loop in one
 *                                    transaction, with the per-row trigger
 *                                    of schema v1-v2 keeping the summary
 *                                    (the fair peer: same rows, same table,
 *                                    same summary kept)
 *   ingest_driver bare   DB N KEYS   the same loop keeping no summary at all
 *                                    (a ceiling, not a peer)
 *   ingest_driver writer DB N KEYS   writes N points as line-protocol text
 *                                    to $SAGETTY_METRICS_FD (under runs exec)
 *
 * Each store mode creates DB afresh with one run, writes N points over KEYS
 * keys (interleaved, steps 0..N/KEYS-1, values a smooth curve with a NaN
 * every 1000th point), checks the count, and prints "MODE SECONDS POINTS/S". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/ingest.h"
#include "core/run.h"
#include "core/store.h"
#include "core/util.h"

/* The summary trigger of schema v1-v2 (schema.c), verbatim. */
static const char summary_trigger[] =
	"CREATE TRIGGER metrics_summarize AFTER INSERT ON metrics BEGIN"
	"  INSERT INTO metric_summary(run_id, key, last, last_step, last_ts, min, max, count)"
	"  VALUES (new.run_id, new.key, new.value, new.step, new.ts, new.value, new.value, 1)"
	"  ON CONFLICT(run_id, key) DO UPDATE SET"
	"    last = CASE WHEN new.step >= last_step THEN new.value ELSE last END,"
	"    last_ts = CASE WHEN new.step >= last_step THEN new.ts ELSE last_ts END,"
	"    last_step = max(last_step, new.step),"
	"    min = CASE WHEN new.value IS NULL THEN min WHEN min IS NULL THEN new.value"
	"               ELSE min(min, new.value) END,"
	"    max = CASE WHEN new.value IS NULL THEN max WHEN max IS NULL THEN new.value"
	"               ELSE max(max, new.value) END,"
	"    count = count + 1;"
	"END;";

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, const struct sg_error *err)
{
	fprintf(stderr, "ingest_driver: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static double value_at(long i)
{
	return i % 1000 == 999 ? NAN : 1.0 / (1.0 + (double)i * 1e-4);
}

static void key_names(char (*names)[16], int keys)
{
	for (int k = 0; k < keys && k < 64; k++)
		snprintf(names[k], 16, "metric_%02d", k % 100);
}

static void run_ingest(struct sg_store *s, const char *id, long n, int keys)
{
	char names[64][16];
	key_names(names, keys);
	struct sg_error err = { 0 };
	struct sg_ingest *w = sg_ingest_new(s, id, NULL, &err);
	if (!w)
		die("ingest", &err);
	for (long i = 0; i < n; i++)
		if (sg_ingest_metric(w, names[i % keys], i / keys, 0, value_at(i), NULL, &err) != 0)
			die("ingest", &err);
	if (sg_ingest_close(w, &err) != 0)
		die("ingest close", &err);
}

static void run_plain(struct sg_store *s, const char *id, long n, int keys)
{
	char names[64][16];
	key_names(names, keys);
	sqlite3 *db = sg_store_db(s);
	sqlite3_stmt *st;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO metrics(run_id, key, step, ts, value) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db), NULL);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	for (long i = 0; i < n; i++) {
		double v = value_at(i);
		sqlite3_bind_text(st, 2, names[i % keys], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, i / keys);
		sqlite3_bind_double(st, 4, sg_now());
		if (isnan(v))
			sqlite3_bind_null(st, 5);
		else
			sqlite3_bind_double(st, 5, v);
		if (sqlite3_step(st) != SQLITE_DONE)
			die(sqlite3_errmsg(db), NULL);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db), NULL);
}

/* Line protocol to the fd runs exec hands over, through a stdio buffer. */
static int run_writer(long n, int keys)
{
	const char *fd = getenv("SAGETTY_METRICS_FD");
	FILE *f = fd ? fdopen(atoi(fd), "w") : NULL;
	if (!f) {
		fprintf(stderr, "ingest_driver: SAGETTY_METRICS_FD is not set\n");
		return 1;
	}
	char names[64][16];
	key_names(names, keys);
	for (long i = 0; i < n; i++)
		fprintf(f, "%s %.17g step=%ld\n", names[i % keys], value_at(i), i / keys);
	return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: ingest_driver ingest|plain|bare|writer DB N KEYS\n");
		return 2;
	}
	const char *mode = argv[1], *path = argv[2];
	long n = atol(argv[3]);
	int keys = atoi(argv[4]);
	if (keys < 1 || keys > 64 || n < 1)
		return 2;
	if (strcmp(mode, "writer") == 0)
		return run_writer(n, keys);
	struct sg_error err = { 0 };
	for (const char *suf = ""; suf; suf = *suf ? (strcmp(suf, "-wal") ? NULL : "-shm") : "-wal") {
		char p[4096];
		snprintf(p, sizeof p, "%s%s", path, suf);
		unlink(p);
	}
	struct sg_store *s = sg_store_open(path, SG_STORE_CREATE, &err);
	if (!s)
		die("open", &err);
	char id[SG_RUN_ID_LEN + 1];
	struct sg_run_spec spec = { .name = "bench" };
	if (sg_run_start(s, &spec, id, &err) != 0)
		die("run", &err);
	if (strcmp(mode, "plain") == 0 && sg_store_exec(s, summary_trigger, &err) != 0)
		die("trigger", &err);
	double t0 = now_s();
	if (strcmp(mode, "ingest") == 0)
		run_ingest(s, id, n, keys);
	else if (strcmp(mode, "plain") == 0 || strcmp(mode, "bare") == 0)
		run_plain(s, id, n, keys);
	else
		return 2;
	double t = now_s() - t0;
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT count(*), "
		"(SELECT coalesce(sum(count), 0) FROM metric_summary) FROM metrics", &err);
	if (!st || sqlite3_step(st) != SQLITE_ROW)
		die("count", &err);
	long long got = sqlite3_column_int64(st, 0), summed = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (got != n || (strcmp(mode, "bare") != 0 && summed != n)) {
		fprintf(stderr, "ingest_driver: %s wrote %lld points (summary %lld), expected %ld\n",
			mode, got, summed, n);
		return 1;
	}
	sg_store_close(s);
	printf("%s %.3f %.0f\n", mode, t, (double)n / t);
	return 0;
}
