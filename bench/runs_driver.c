/* runs_driver.c — the Experiments queries (core/runquery.h) at scale; built
 * and run by bench/runs_bench.sh.
 *
 *   runs_driver gen STORE RUNS PARAMS METRICS POINTS   create the store
 *   runs_driver bench STORE                            time the queries
 *
 * bench prints one line per measure: "label median_ms max_ms" over REPS runs
 * of it, each on a store opened afresh for "first screen" (open included). */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/run.h"
#include "core/runquery.h"
#include "core/store.h"

#define REPS 7

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, const struct sg_error *err)
{
	fprintf(stderr, "runs_driver: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static double urand(void)
{
	return rand() / (RAND_MAX + 1.0);
}

/* One run's params: numbers mostly, a few text ones. */
static void gen_params(struct sg_store *s, const char *id, int nparams)
{
	static const char *const opts[] = { "adam", "sgd", "rmsprop", "adagrad" };
	char key[32], val[64];
	for (int p = 0; p < nparams; p++) {
		snprintf(key, sizeof key, "p%d", p);
		if (p == 0)
			snprintf(val, sizeof val, "%s", opts[rand() % 4]);
		else if (p % 3 == 1)
			snprintf(val, sizeof val, "%.4g", pow(10, -5 * urand()));
		else
			snprintf(val, sizeof val, "%d", rand() % 64);
		if (sg_run_set_param(s, id, key, val, NULL) != 0)
			die("param", NULL);
	}
}

static void gen_metrics(struct sg_store *s, const char *id, int nmetrics, int points)
{
	struct sg_metric_point *pt = calloc((size_t)(nmetrics * points), sizeof *pt);
	static char keys[64][16];
	for (int m = 0; m < nmetrics && m < 64; m++)
		snprintf(keys[m], sizeof keys[m], "m%d", m);
	int n = 0;
	for (int m = 0; m < nmetrics; m++)
		for (int k = 0; k < points; k++)
			pt[n++] = (struct sg_metric_point){ keys[m], k, 0,
				urand() < 0.01 ? NAN : urand() };
	struct sg_error err = { 0 };
	if (sg_run_write_metrics(s, id, pt, (size_t)n, &err) != 0)
		die("metrics", &err);
	free(pt);
}

static int gen(const char *path, int runs, int nparams, int nmetrics, int points)
{
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open(path, SG_STORE_CREATE, &err);
	if (!s)
		die("open", &err);
	srand(1);
	char (*ids)[SG_RUN_ID_LEN + 1] = calloc((size_t)runs, sizeof *ids);
	for (int i = 0; i < runs; i++) {
		char name[32];
		snprintf(name, sizeof name, "run-%05d", i);
		struct sg_run_spec spec = { .name = name, .experiment = i % 2 ? "a" : "b" };
		if (sg_run_start(s, &spec, ids[i], &err) != 0)
			die("start", &err);
	}
	for (int i = 0; i < runs; i += 500) {
		if (sg_store_begin(s, &err) != 0)
			die("begin", &err);
		for (int j = i; j < i + 500 && j < runs; j++) {
			gen_params(s, ids[j], nparams);
			sg_run_set_tag(s, ids[j], "owner", j % 3 ? "kim" : "lee", NULL);
			gen_metrics(s, ids[j], nmetrics, points);
		}
		if (sg_store_commit(s, &err) != 0)
			die("commit", &err);
	}
	free(ids);
	sg_store_close(s);
	return 0;
}

/* ---- timing ------------------------------------------------------------------- */

struct bench {
	const char *path;
	struct sg_store *s;
};

static struct sg_runquery *query(const char *where, const char *sort, int desc)
{
	struct sg_runquery *q = sg_rq_new();
	struct sg_error err = { 0 };
	struct sg_rq_column *cols;
	int n;
	if (sg_rq_columns_parse("param.p0,param.p1,param.p2,param.p3,param.p4,metric.m0,"
				"metric.m1,metric.m2,metric.m3.max,metric.m4.min", "columns",
				&cols, &n, &err) != 0)
		die("columns", &err);
	sg_rq_set_columns(q, cols, n);
	sg_rq_columns_free(cols, n);
	if (where && sg_rq_set_where(q, where, &err) != 0)
		die(where, &err);
	if (sort) {
		struct sg_rq_column c;
		if (sg_rq_column_parse(sort, strlen(sort), "sort", &c, &err) != 0)
			die(sort, &err);
		sg_rq_set_sort(q, &c, desc);
		sg_rq_column_done(&c);
	}
	return q;
}

/* One page of 50 with the total count: what the pane does on open, sort or
 * filter. */
static long long screen(struct sg_store *s, struct sg_runquery *q, size_t offset)
{
	struct sg_error err = { 0 };
	struct sg_rq_page p;
	if (sg_rq_fetch(s, q, offset, 50, &p, &err) != 0)
		die("query", &err);
	long long n = p.total;
	sg_rq_page_done(&p);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *label, double *t, long long rows)
{
	qsort(t, REPS, sizeof *t, cmp_double);
	printf("%-40s %8.1f %8.1f %lld\n", label, t[REPS / 2], t[REPS - 1], rows);
	fflush(stdout);
}

/* Times a screen of q over REPS runs. */
static void time_screen(struct bench *b, const char *label, const char *where, const char *sort,
			int desc, size_t offset)
{
	double t[REPS];
	long long n = 0;
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		struct sg_runquery *q = query(where, sort, desc);
		n = screen(b->s, q, offset);
		sg_rq_free(q);
		t[r] = now_ms() - t0;
	}
	report(label, t, n);
}

static void time_first_screen(struct bench *b)
{
	double t[REPS];
	long long n = 0;
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		struct sg_error err = { 0 };
		struct sg_store *s = sg_store_open(b->path, 0, &err);
		if (!s)
			die("open", &err);
		struct sg_rq_keys pk, mk;
		sg_rq_keys(s, SG_RQ_PARAM, &pk, NULL);
		sg_rq_keys(s, SG_RQ_METRIC, &mk, NULL);
		struct sg_runquery *q = query(NULL, NULL, 0);
		n = screen(s, q, 0);
		sg_rq_free(q);
		sg_rq_keys_done(&pk);
		sg_rq_keys_done(&mk);
		sg_store_close(s);
		t[r] = now_ms() - t0;
	}
	report("first screen (open+keys+count+50 rows)", t, n);
}

static void time_keys(struct bench *b)
{
	double t[REPS];
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		struct sg_rq_keys k;
		for (int f = SG_RQ_PARAM; f <= SG_RQ_TAG; f++) {
			sg_rq_keys(b->s, (enum sg_rq_field)f, &k, NULL);
			sg_rq_keys_done(&k);
		}
		t[r] = now_ms() - t0;
	}
	report("all keys (params, metrics, tags)", t, 0);
}

static void time_group(struct bench *b)
{
	double t[REPS];
	long long n = 0;
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		struct sg_runquery *q = sg_rq_new();
		struct sg_rq_column *cols;
		int nc;
		sg_rq_columns_parse("metric.m0,metric.m1,metric.m2.max", "c", &cols, &nc, NULL);
		sg_rq_set_columns(q, cols, nc);
		sg_rq_columns_free(cols, nc);
		struct sg_rq_column by = { SG_RQ_PARAM, SG_RQ_LAST, "p0" };
		struct sg_rq_groups g;
		struct sg_error err = { 0 };
		if (sg_rq_group(b->s, q, &by, &g, &err) != 0)
			die("group", &err);
		n = (long long)g.n;
		sg_rq_groups_done(&g);
		sg_rq_free(q);
		t[r] = now_ms() - t0;
	}
	report("group by param.p0, mean±std of 3 metrics", t, n);
}

/* The plain approach: every run with every param and metric summary read
 * through run.h, one run at a time (how a table without queries fills). */
struct plain {
	struct sg_store *s;
	long long cells;
};

static int plain_kv(const char *k, const char *v, void *ud)
{
	(void)k, (void)v;
	((struct plain *)ud)->cells++;
	return 0;
}

static int plain_m(const struct sg_metric_summary *m, void *ud)
{
	(void)m;
	((struct plain *)ud)->cells++;
	return 0;
}

static int plain_run(const struct sg_run_info *r, void *ud)
{
	struct plain *p = ud;
	sg_run_params(p->s, r->id, plain_kv, p, NULL);
	sg_run_metric_summaries(p->s, r->id, plain_m, p, NULL);
	return 0;
}

static void time_plain(struct bench *b)
{
	double t[REPS];
	struct plain p = { b->s, 0 };
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		p.cells = 0;
		sg_run_list(b->s, NULL, 0, plain_run, &p, NULL);
		t[r] = now_ms() - t0;
	}
	report("plain: load every run's params+metrics", t, p.cells);
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	if (argc != 3 || strcmp(argv[1], "bench") != 0) {
		fprintf(stderr, "usage: runs_driver gen STORE RUNS PARAMS METRICS POINTS | bench STORE\n");
		return 2;
	}
	struct bench b = { argv[2], NULL };
	struct sg_error err = { 0 };
	time_first_screen(&b);
	b.s = sg_store_open(b.path, 0, &err);
	if (!b.s)
		die("open", &err);
	time_keys(&b);
	time_screen(&b, "page (count+50 rows, 10 cols), newest", NULL, NULL, 0, 0);
	time_screen(&b, "sort by metric.m3 desc", NULL, "metric.m3", 1, 0);
	time_screen(&b, "sort by param.p1 (numeric-aware)", NULL, "param.p1", 0, 0);
	time_screen(&b, "sort by param.p0 (text)", NULL, "param.p0", 0, 0);
	time_screen(&b, "scroll to row 5000, sorted by metric", NULL, "metric.m3", 1, 5000);
	time_screen(&b, "filter metric.m0>0.5 and param.p1<0.01",
		    "metric.m0 > 0.5 and param.p1 < 0.01", NULL, 0, 0);
	time_screen(&b, "filter + sort by metric", "metric.m0 > 0.5 and param.p1 < 0.01",
		    "metric.m1", 1, 0);
	time_screen(&b, "filter tag/status/regex",
		    "tag.owner == \"kim\" and status == \"RUNNING\" and name ~ \"^run-0[0-4]\"",
		    NULL, 0, 0);
	time_screen(&b, "filter 6 conditions with or/not",
		    "(metric.m0 > 0.9 or metric.m1 < 0.1) and not param.p0 == \"sgd\" and "
		    "param.p2 >= 10 and metric.m5.max > 0.5 and param.p3 is not null", "param.p2", 0, 0);
	time_group(&b);
	time_plain(&b);
	sg_store_close(b.s);
	return 0;
}
