/* labels_driver.c — timings for labeling at scale (bench/labels_bench.sh).
 *
 *   labels_driver DIR ROWS
 *
 * In DIR: writes data.csv (ROWS rows: id, review text, stars), a store with
 * the dataset registered and a single-label scheme keyed by id with k = 3,
 * then three annotators' earlier work: ann labeled rows [0, 40%), bob
 * [30%, 70%), cy [60%, 100%) — every row has one or two annotations, and
 * ann's own items fill the front of the one-annotation level, the worst
 * case for her queue scan.  Then times:
 *   open (first sync, every row keyed), reopen (unchanged file: fast path),
 *   import of the annotations (one transaction),
 *   queue selection — sg_labels_next(SG_JUMP_QUEUE) for each annotator in
 *     turn, 3 × 1000 calls: the first call of each (it may have to pass
 *     over the annotator's own items once), then p50/p99 of the rest,
 *   keypress to next item (data side) — sg_labels_annotate + the next queue
 *     item + reading its row, 3 × 300 times: p50/p99, once with the WAL
 *     checkpoint left to SQLite (inside some saves) and once with
 *     sg_labels_idle() between keys, as the Label view runs it,
 *   consolidation — sg_labels_consolidate (load + agreement statistics +
 *     Dawid–Skene EM + results) over all the annotations, by majority and
 *     by em, not stored; then stored (majority).
 * Prints "name value unit" lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/dataset.h"
#include "core/labels.h"
#include "core/store.h"
#include "core/util.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this thread: the work itself, without the time spent waiting
 * for a core on a shared machine. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof *v, cmp_d);
	size_t i = (size_t)ceil(p * (double)n) - 1;
	return v[i < n ? i : n - 1];
}

static void die(const char *what, const struct sg_error *err)
{
	fprintf(stderr, "labels_driver: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static void write_csv(const char *path, long rows)
{
	static const char *const words[] = { "great", "awful", "plot", "acting", "fine", "boring",
					     "loved", "music", "long", "short", "funny", "sad" };
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write the CSV", NULL);
	fprintf(f, "id,review,stars\n");
	unsigned s = 1;
	for (long i = 0; i < rows; i++) {
		fprintf(f, "r%ld,\"", i);
		for (int w = 0; w < 12; w++) {
			s = s * 1103515245u + 12345u;
			fprintf(f, "%s%s", w ? " " : "", words[(s >> 16) % 12]);
		}
		fprintf(f, "\",%u\n", 1 + (s >> 8) % 5);
	}
	fclose(f);
}

static struct sg_labels *open_as(struct sg_store *s, const struct sg_dataset_info *ds,
				 const char *csv, const char *user)
{
	struct sg_error err = { 0 };
	struct sg_labels *l = sg_labels_open(s, ds, csv, user, NULL, NULL, NULL, &err);
	if (!l)
		die("open", &err);
	return l;
}

static void import_work(struct sg_store *s, struct sg_labels *l, long rows)
{
	static const char *const users[3] = { "ann", "bob", "cy" };
	const double from[3] = { 0, 0.3, 0.6 }, to[3] = { 0.4, 0.7, 1.0 };
	size_t n = 0, cap = (size_t)(rows * 1.2) + 8;
	struct sg_annotation *a = sg_xcalloc(cap, sizeof *a);
	unsigned seed = 7;
	for (int u = 0; u < 3; u++)
		for (long r = (long)(from[u] * rows); r < (long)(to[u] * rows) && n < cap; r++) {
			seed = seed * 1103515245u + 12345u;
			a[n++] = (struct sg_annotation){
				.row_key = sg_labels_key(l, (uint64_t)r), .user = users[u],
				.value = (seed >> 16) % 4 ? "positive" : "negative",
				.source = SG_LABEL_HUMAN, .confidence = NAN,
				.seconds = 1 + (seed >> 8) % 9, .created_at = 1e9 + (double)n,
			};
		}
	struct sg_error err = { 0 };
	double t0 = now_ms();
	if (sg_labels_insert(s, sg_labels_dataset_id(l), sg_labels_scheme(l), a, n, NULL, &err) != 0)
		die("import", &err);
	printf("import %.0f ms %zu annotations\n", now_ms() - t0, n);
	free(a);
}

static void bench_queue(struct sg_labels **l)
{
	enum { CALLS = 1000 };
	double *t = sg_xcalloc(3 * CALLS, sizeof *t), *c = sg_xcalloc(3 * CALLS, sizeof *c);
	size_t n = 0;
	struct sg_error err = { 0 };
	struct sg_label_item it;
	for (int i = 0; i < CALLS; i++)
		for (int u = 0; u < 3; u++) {
			double t0 = now_ms(), c0 = cpu_ms();
			if (sg_labels_next(l[u], SG_JUMP_QUEUE, -1, &it, &err) < 0)
				die("queue", &err);
			double dt = now_ms() - t0;
			if (i == 0) {
				printf("queue_first_%s %.3f ms\n", sg_labels_user(l[u]), dt);
			} else {
				c[n] = cpu_ms() - c0;
				t[n++] = dt;
			}
		}
	printf("queue_p50 %.3f ms\n", pct(t, n, 0.50));
	printf("queue_p99 %.3f ms\n", pct(t, n, 0.99));
	printf("queue_cpu_p99 %.3f ms\n", pct(c, n, 0.99));
	free(t);
	free(c);
}

/* idle: between keys, sg_labels_idle() runs outside the timing, as the
 * Label view does when the annotator pauses (a person reads each item for
 * a second or more); without it, SQLite's checkpoints land inside saves. */
static void bench_keypress(struct sg_labels **l, int idle)
{
	enum { CALLS = 300 };
	double *t = sg_xcalloc(3 * CALLS, sizeof *t), *c = sg_xcalloc(3 * CALLS, sizeof *c);
	size_t n = 0;
	struct sg_error err = { 0 };
	struct sg_label_item it[3];
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	for (int u = 0; u < 3; u++)
		if (sg_labels_next(l[u], SG_JUMP_QUEUE, -1, &it[u], &err) != 1)
			die("queue", &err);
	for (int i = 0; i < CALLS; i++)
		for (int u = 0; u < 3; u++) {
			double t0 = now_ms(), c0 = cpu_ms();
			if (sg_labels_annotate(l[u], it[u].row_key, i % 2 ? "positive" : "negative",
					       NULL, 2, NULL, &err) != 0)
				die("annotate", &err);
			if (sg_labels_next(l[u], SG_JUMP_QUEUE, -1, &it[u], &err) != 1)
				die("queue", &err);
			if (sg_csv_read_row(sg_labels_csv(l[u]), (uint64_t)it[u].row, &cur, &err) != 0)
				die("read", &err);
			c[n] = cpu_ms() - c0;
			t[n++] = now_ms() - t0;
			if (idle && sg_labels_idle(l[u], &err) != 0)
				die("idle", &err);
		}
	printf("keypress%s_p50 %.3f ms\n", idle ? "" : "_noidle", pct(t, n, 0.50));
	printf("keypress%s_p99 %.3f ms\n", idle ? "" : "_noidle", pct(t, n, 0.99));
	printf("keypress%s_cpu_p99 %.3f ms\n", idle ? "" : "_noidle", pct(c, n, 0.99));
	sg_csv_cursor_done(&cur);
	free(t);
	free(c);
}

static void bench_consolidate(struct sg_store *s, struct sg_labels *l)
{
	static const char *const methods[] = { "majority", "em" };
	struct sg_error err = { 0 };
	struct sg_label_table t;
	double t1 = now_ms();
	if (sg_labels_load(s, sg_labels_dataset_id(l), 0, &t, &err) != 0)
		die("load", &err);
	printf("load %.0f ms %zu annotations\n", now_ms() - t1, t.nrec);
	sg_label_table_done(&t);
	for (int m = 0; m < 3; m++) {
		struct sg_labels_consolidation c;
		double t0 = now_ms();
		if (sg_labels_consolidate(s, sg_labels_dataset_id(l), sg_labels_scheme(l),
					  methods[m % 2], m == 2, "bench", &c, &err) != 0)
			die("consolidate", &err);
		printf("consolidate_%s%s %.0f ms %zu annotations %zu items\n", methods[m % 2],
		       m == 2 ? "_stored" : "", now_ms() - t0, c.table.nrec, c.n);
		sg_labels_consolidation_done(&c);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: labels_driver DIR ROWS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);  /* figures appear as they are measured */
	long rows = atol(argv[2]);
	char *csv = sg_path_join(argv[1], "data.csv"), *db = sg_path_join(argv[1], "store.db");
	struct sg_error err = { 0 };
	struct sg_dataset_info ds;
	if (getenv("LABELS_BENCH_REUSE") && sg_is_file(db)) {
		/* Iterating on one figure: the earlier run's data as it was left. */
		struct sg_store *s = sg_store_open(db, 0, &err);
		if (!s || sg_dataset_get(s, "data", &ds, &err) != 0)
			die("reuse", &err);
		struct sg_labels *l = open_as(s, &ds, csv, "ann");
		bench_consolidate(s, l);
		sg_labels_free(l);
		sg_store_close(s);
		return 0;
	}
	write_csv(csv, rows);
	struct sg_store *s = sg_store_open(db, SG_STORE_CREATE, &err);
	if (!s || sg_dataset_register(s, argv[1], csv, "data", 1, 0, NULL, &ds, &err) != 0)
		die("store", &err);
	const char *text = "{\"type\":\"single\",\"text_column\":\"review\",\"id_column\":\"id\","
			   "\"annotations_per_item\":3,\"labels\":[\"positive\",\"negative\"]}";
	struct sg_scheme sc;
	if (sg_scheme_parse(&sc, "bench", text, strlen(text), &err) != 0 ||
	    sg_labels_set_scheme(s, ds.id, &sc, "bench", &err) != 0)
		die("scheme", &err);
	sg_scheme_done(&sc);
	double t0 = now_ms();
	struct sg_labels *first = open_as(s, &ds, csv, "ann");
	printf("open_first %.0f ms %ld rows\n", now_ms() - t0, rows);
	import_work(s, first, rows);
	sg_labels_free(first);
	struct sg_labels *l[3];
	t0 = now_ms();
	l[0] = open_as(s, &ds, csv, "ann");
	printf("reopen %.0f ms\n", now_ms() - t0);
	l[1] = open_as(s, &ds, csv, "bob");
	l[2] = open_as(s, &ds, csv, "cy");
	bench_queue(l);
	bench_keypress(l, 0);
	bench_keypress(l, 1);
	bench_consolidate(s, l[0]);
	for (int u = 0; u < 3; u++)
		sg_labels_free(l[u]);
	sg_store_close(s);
	free(csv);
	free(db);
	return 0;
}
