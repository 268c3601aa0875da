/* test_colstats.c — value kinds, column types, statistics checked against
 * values computed here independently, frequencies, threads, cancellation. */
#include "tests/testutil.h"
#include <math.h>
#include <poll.h>
#include "core/colstats.h"
#include "core/csvfile.h"
#include "core/util.h"

static struct sg_csv *open_path(const char *path)
{
	struct sg_error err = { 0 };
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	if (!c)
		fail_msg("open %s: %s", path, err.msg);
	return c;
}

static struct sg_csv *open_text(struct tu_dir *f, const char *text)
{
	char *path = tu_write(f->dir, "t.csv", text);
	struct sg_csv *c = open_path(path);
	free(path);
	return c;
}

static struct sg_colstats *stats_of(struct sg_csv *c, int threads)
{
	struct sg_colstats_options o = { .threads = threads };
	struct sg_colstats *s = NULL;
	struct sg_error err = { 0 };
	if (sg_colstats_compute(c, &o, &s, &err) != 0)
		fail_msg("stats: %s", err.msg);
	return s;
}

static void kind_is(const char *s, enum sg_valkind want)
{
	enum sg_valkind got = sg_value_kind(s, strlen(s), NULL);
	if (got != want)
		fail_msg("'%s': %s, want %s", s, sg_valkind_name(got), sg_valkind_name(want));
}

static double num_of(const char *s)
{
	double v = -12345;
	sg_value_kind(s, strlen(s), &v);
	return v;
}

static void test_value_kinds(void **state)
{
	const char *missing[] = { "", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None" };
	for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
		kind_is(missing[i], SG_VAL_MISSING);
	const char *ints[] = { "0", "42", "-7", "+3", "007", "123456789012345678" };
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
		kind_is(ints[i], SG_VAL_INT);
	const char *floats[] = { "1.5", "-2e3", ".5", "5.", "1E-7", "+0.25", "12345678901234567890",
				 "1.7976931348623157e308" };
	for (size_t i = 0; i < sizeof floats / sizeof *floats; i++)
		kind_is(floats[i], SG_VAL_FLOAT);
	const char *bools[] = { "true", "False", "TRUE", "yes", "No" };
	for (size_t i = 0; i < sizeof bools / sizeof *bools; i++)
		kind_is(bools[i], SG_VAL_BOOL);
	const char *dates[] = { "2021-01-02", "2020/02/29", "2000-02-29", "1969-12-31" };
	for (size_t i = 0; i < sizeof dates / sizeof *dates; i++)
		kind_is(dates[i], SG_VAL_DATE);
	const char *dts[] = { "2021-01-02T03:04:05Z", "2021-01-02 03:04", "2021-01-02T03:04:05.123",
			      "2021-01-02T03:04:05+02:00", "2021-01-02T03:04:05-0530" };
	for (size_t i = 0; i < sizeof dts / sizeof *dts; i++)
		kind_is(dts[i], SG_VAL_DATETIME);
	const char *strs[] = { "abc", "1.2.3", "--1", "1e", "0x10", "inf", "-", "+", ".", " 1",
			       "1 ", "2023-02-30", "2100-02-29", "2021-13-01", "2021-01-02T25:00",
			       "2021-01-02X03:04", "2021-01-02T03:04:05+2", "t", "y", "1,5",
			       "2021-01-02T03:04:05Zjunk" };
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		kind_is(strs[i], SG_VAL_STRING);

	assert_true(num_of("1.5") == 1.5);
	assert_true(num_of("-2e3") == -2000.0);
	assert_true(num_of("0.1") == 0.1);            /* correctly rounded */
	assert_true(num_of("123.456") == 123.456);
	assert_true(num_of("1.7976931348623157e308") == 1.7976931348623157e308);
	assert_true(num_of("12345678901234567890") == 12345678901234567890.0);
	assert_true(num_of("true") == 1.0);
	assert_true(num_of("no") == 0.0);
	assert_true(num_of("1970-01-02") == 86400.0);
	assert_true(num_of("1969-12-31") == -86400.0);
	assert_true(num_of("2000-01-01T00:00:00Z") == 946684800.0);
	assert_true(num_of("2000-01-01T02:00:00+02:00") == 946684800.0);
	assert_true(num_of("2000-01-01 00:00:01.5") == 946684801.5);
	/* Not NUL-terminated: only n bytes count. */
	assert_int_equal(sg_value_kind("12abc", 2, NULL), SG_VAL_INT);
	assert_string_equal(sg_coltype_name(SG_COL_DATETIME), "datetime");
}

static void test_column_types(void **state)
{
	struct sg_csv *c = open_text(*state,
		"i,f,b,d,dt,s,e,mix,dd\n"
		"1,1,true,2021-01-02,2021-01-02T03:04:05Z,x,,1,2021-01-02\n"
		"-2,2.5,no,2020/02/29,2020-02-29 23:59,y,NA,true,2021-01-02 10:00\n"
		",NaN,,,,,,,\n");
	struct sg_colstats *s = stats_of(c, 2);
	static const enum sg_coltype want[] = { SG_COL_INTEGER, SG_COL_FLOAT, SG_COL_BOOLEAN,
		SG_COL_DATE, SG_COL_DATETIME, SG_COL_STRING, SG_COL_EMPTY, SG_COL_STRING,
		SG_COL_DATETIME };
	assert_int_equal(s->ncols, 9);
	for (int j = 0; j < 9; j++)
		if (s->col[j].type != want[j])
			fail_msg("column %s: %s, want %s", s->col[j].name,
				 sg_coltype_name(s->col[j].type), sg_coltype_name(want[j]));
	assert_int_equal(s->col[0].missing, 1);
	assert_int_equal(s->col[1].missing, 1);   /* NaN */
	assert_int_equal(s->col[6].missing, 3);
	assert_false(s->col[6].numeric);
	assert_false(s->col[5].numeric);
	assert_true(s->col[2].numeric);
	assert_true(s->col[2].mean == 0.5);         /* share of true */
	assert_true(s->col[3].min == 1582934400.0);  /* 2020-02-29 */
	assert_int_equal(s->col[0].kinds[SG_VAL_INT], 2);
	assert_int_equal(s->col[7].kinds[SG_VAL_BOOL], 1);
	sg_colstats_free(s);
	sg_csv_free(c);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy's default ("linear") quantile of sorted v. */
static double ref_quantile(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)h;
	return lo + 1 < n ? v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]) : v[n - 1];
}

/* A file of known values: x is a scrambled 0..n-1 times 0.5 plus noise-free
 * offsets, cat cycles through 7 labels, every 10th y is missing. */
static char *write_known(const char *dir, unsigned n, double **xs_out)
{
	char *path = sg_path_join(dir, "known.csv");
	FILE *fp = fopen(path, "w");
	double *xs = malloc(n * sizeof *xs);
	fprintf(fp, "x,cat,y,label\n");
	static const char *const cats[] = { "a", "b", "c", "d", "e", "f", "g" };
	for (unsigned i = 0; i < n; i++) {
		unsigned k = (i * 7919u) % n;
		xs[i] = k * 0.5 - 100;
		fprintf(fp, "%.1f,%s,", xs[i], cats[(i * i) % 7]);
		if (i % 10)
			fprintf(fp, "%u", i % 100);
		fprintf(fp, ",\"l%u, %u\"\n", i % 3, i % 5);
	}
	fclose(fp);
	*xs_out = xs;
	return path;
}

static void check_close(double got, double want, double tol, const char *what)
{
	if (fabs(got - want) > tol * (1 + fabs(want)))
		fail_msg("%s: got %.10g, want %.10g", what, got, want);
}

static void test_exact_stats(void **state)
{
	struct tu_dir *f = *state;
	unsigned n = 5000;
	double *xs;
	char *path = write_known(f->dir, n, &xs);
	struct sg_csv *c = open_path(path);
	struct sg_colstats *s = stats_of(c, 2);
	assert_int_equal(s->rows, n);

	/* x: everything computed here from xs. */
	const struct sg_colstat *x = &s->col[0];
	assert_string_equal(x->name, "x");
	assert_int_equal(x->type, SG_COL_FLOAT);
	assert_int_equal(x->count, n);
	assert_int_equal(x->missing, 0);
	double sum = 0, mn = xs[0], mx = xs[0];
	for (unsigned i = 0; i < n; i++) {
		sum += xs[i];
		mn = fmin(mn, xs[i]);
		mx = fmax(mx, xs[i]);
	}
	double mean = sum / n, ss = 0;
	for (unsigned i = 0; i < n; i++)
		ss += (xs[i] - mean) * (xs[i] - mean);
	check_close(x->mean, mean, 1e-12, "mean");
	check_close(x->stddev, sqrt(ss / (n - 1)), 1e-12, "stddev");
	assert_true(x->min == mn && x->max == mx);
	assert_false(x->sampled);
	assert_int_equal(x->sample_n, n);
	qsort(xs, n, sizeof *xs, cmp_d);
	static const double ps[SG_STATS_NQ] = { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 };
	for (int q = 0; q < SG_STATS_NQ; q++)
		check_close(x->q[q], ref_quantile(xs, n, ps[q]), 1e-12, "quantile");
	assert_int_equal(x->nbins, SG_STATS_BINS);
	uint64_t bins[SG_STATS_BINS] = { 0 }, total = 0;
	for (unsigned i = 0; i < n; i++) {
		int b = (int)((xs[i] - mn) / (mx - mn) * SG_STATS_BINS);
		bins[b >= SG_STATS_BINS ? SG_STATS_BINS - 1 : b]++;
	}
	for (int b = 0; b < SG_STATS_BINS; b++) {
		assert_int_equal(x->hist[b], bins[b]);
		total += x->hist[b];
	}
	assert_int_equal(total, n);
	assert_int_equal(x->distinct, n);
	assert_false(x->distinct_estimated);

	/* cat: counts of (i*i) % 7 over i < n, the top list in order. */
	const struct sg_colstat *cat = &s->col[1];
	assert_int_equal(cat->type, SG_COL_STRING);
	assert_false(cat->numeric);
	uint64_t counts[7] = { 0 };
	for (unsigned i = 0; i < n; i++)
		counts[(i * i) % 7]++;
	int nonzero = 0;
	for (int k = 0; k < 7; k++)
		nonzero += counts[k] > 0;
	assert_int_equal(cat->distinct, nonzero);  /* squares mod 7: 0, 1, 2, 4 */
	assert_int_equal(cat->ntop, nonzero);
	assert_false(cat->top_approx);
	for (int i = 0; i < cat->ntop; i++) {
		int k = cat->top[i].value[0] - 'a';
		assert_int_equal(cat->top[i].count, counts[k]);
		if (i)
			assert_true(cat->top[i].count <= cat->top[i - 1].count);
	}
	assert_string_equal(cat->min_text.value, "a");
	assert_string_equal(cat->max_text.value, "e");

	/* y: integers 0..99 with every 10th missing; small range bins. */
	const struct sg_colstat *y = &s->col[2];
	assert_int_equal(y->type, SG_COL_INTEGER);
	assert_int_equal(y->missing, n / 10);
	assert_int_equal(y->n, n - n / 10);
	assert_int_equal(y->distinct, 90);
	double ysum = 0;
	for (unsigned i = 0; i < n; i++)
		if (i % 10)
			ysum += i % 100;
	check_close(y->mean, ysum / (n - n / 10), 1e-12, "y mean");
	assert_true(y->min == 1 && y->max == 99);

	/* label: quoted values with commas, unescaped. */
	const struct sg_colstat *l = &s->col[3];
	assert_int_equal(l->distinct, 15);
	assert_string_equal(l->min_text.value, "l0, 0");
	sg_colstats_free(s);
	sg_csv_free(c);
	free(xs);
	free(path);
}

/* Past the bounds: sampled quantiles and estimated distinct counts, the
 * same whatever the number of threads. */
static void test_sampled_stats_and_threads(void **state)
{
	struct tu_dir *f = *state;
	unsigned n = 250000;
	char *path = sg_path_join(f->dir, "big.csv");
	FILE *fp = fopen(path, "w");
	fprintf(fp, "u,small\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(fp, "%llu,%u\n", (unsigned long long)i * 48271u % n, i % 50);
	fclose(fp);
	struct sg_csv *c = open_path(path);
	struct sg_colstats *s1 = stats_of(c, 1), *s2 = stats_of(c, 2), *s3 = stats_of(c, 3);
	const struct sg_colstat *u = &s2->col[0];
	assert_true(u->sampled);
	assert_int_equal(u->sample_n, SG_STATS_SAMPLE);
	assert_int_equal(u->n, n);
	check_close(u->mean, (n - 1) / 2.0, 1e-12, "mean");
	assert_true(u->min == 0 && u->max == n - 1);
	check_close(u->q[3], n / 2.0, 0.01, "sampled median");
	check_close(u->q[0], n / 100.0, 0.1, "sampled p1");
	assert_true(u->distinct_estimated);
	check_close((double)u->distinct, n, 0.03, "estimated distinct");
	assert_true(u->top_approx);
	uint64_t total = 0;
	for (int b = 0; b < u->nbins; b++)
		total += u->hist[b];
	check_close((double)total, n, 0.001, "scaled histogram");
	const struct sg_colstat *sm = &s2->col[1];
	assert_false(sm->distinct_estimated);
	assert_int_equal(sm->distinct, 50);
	assert_int_equal(sm->nbins, 20);  /* 0..49 is wider than 20 */
	assert_int_equal(sm->top[0].count, n / 50);
	assert_false(sm->top_approx);
	for (int j = 0; j < 2; j++) {
		const struct sg_colstat *a = &s1->col[j], *b = &s2->col[j], *d = &s3->col[j];
		for (int q = 0; q < SG_STATS_NQ; q++) {
			assert_true(a->q[q] == b->q[q]);
			assert_true(a->q[q] == d->q[q]);
		}
		assert_int_equal(a->distinct, b->distinct);
		assert_int_equal(a->distinct, d->distinct);
		check_close(a->stddev, b->stddev, 1e-9, "stddev across threads");
		assert_true(a->min == d->min && a->max == d->max);
	}
	sg_colstats_free(s1);
	sg_colstats_free(s2);
	sg_colstats_free(s3);
	sg_csv_free(c);
	free(path);
}

static void test_ragged_and_bad_files(void **state)
{
	struct tu_dir *f = *state;
	/* Padding of short rows counts as missing. */
	struct sg_csv *c = open_text(f, "a,b,c\n1,2\n3,4,5\n6\n");
	struct sg_colstats *s = stats_of(c, 2);
	assert_int_equal(s->col[1].missing, 1);
	assert_int_equal(s->col[2].missing, 2);
	assert_true(s->col[2].min == 5);
	sg_colstats_free(s);
	sg_csv_free(c);

	/* An unterminated quote: the rows before it get statistics. */
	c = open_text(f, "a,b\n1,2\n3,4\n5,\"oops\n");
	s = stats_of(c, 2);
	assert_int_equal(s->rows, 2);
	assert_true(s->col[0].max == 3);
	sg_colstats_free(s);
	sg_csv_free(c);

	/* Empty and header-only files. */
	c = open_text(f, "");
	s = stats_of(c, 2);
	assert_int_equal(s->ncols, 0);
	sg_colstats_free(s);
	sg_csv_free(c);
	c = open_text(f, "x,y\n");
	s = stats_of(c, 2);
	assert_int_equal(s->rows, 0);
	assert_int_equal(s->col[0].type, SG_COL_EMPTY);
	assert_int_equal(s->col[0].ntop, 0);
	sg_colstats_free(s);
	sg_csv_free(c);

	/* Truncated while open: a clear I/O error. */
	char *path = sg_path_join(f->dir, "trunc.csv");
	FILE *fp = fopen(path, "w");
	fprintf(fp, "a\n");
	for (int i = 0; i < 100000; i++)
		fprintf(fp, "%d\n", i);
	fclose(fp);
	c = open_path(path);
	assert_int_equal(sg_csv_wait(c, NULL), 0);
	assert_int_equal(truncate(path, 1000), 0);
	struct sg_error err = { 0 };
	assert_int_equal(sg_colstats_compute(c, NULL, &s, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	assert_null(s);
	struct sg_colfreq *fq;
	assert_int_equal(sg_colfreq_compute(c, 0, NULL, &fq, &err), -1);
	assert_null(fq);
	sg_csv_free(c);
	free(path);
}

static void cancel_now(void *ud)
{
	atomic_store((atomic_int *)ud, 1);
}

static void test_cancel_and_progress(void **state)
{
	struct tu_dir *f = *state;
	double *xs;
	char *path = write_known(f->dir, 200000, &xs);
	free(xs);
	struct sg_csv *c = open_path(path);
	atomic_int cancel = 1;
	struct sg_colstats_options o = { .cancel = &cancel };
	struct sg_colstats *s = (void *)1;
	struct sg_error err;
	assert_int_equal(sg_colstats_compute(c, &o, &s, &err), 1);
	assert_null(s);
	/* Cancelled from inside, on the first progress report. */
	atomic_store(&cancel, 0);
	o.on_progress = cancel_now;
	o.ud = &cancel;
	assert_int_equal(sg_colstats_compute(c, &o, &s, &err), 1);
	struct sg_colfreq *fq = (void *)1;
	atomic_store(&cancel, 0);
	assert_int_equal(sg_colfreq_compute(c, 1, &o, &fq, &err), 1);
	assert_null(fq);

	struct sg_stats_progress prog;
	atomic_init(&prog.rows_done, 0);
	atomic_init(&prog.rows_total, 0);
	struct sg_colstats_options po = { .progress = &prog };
	assert_int_equal(sg_colstats_compute(c, &po, &s, &err), 0);
	assert_int_equal(atomic_load(&prog.rows_done), 200000);
	assert_int_equal(atomic_load(&prog.rows_total), 200000);
	sg_colstats_free(s);
	sg_csv_free(c);
	free(path);
}

/* A file of few, very wide rows: the top values' text was read back one
 * row per column and value, time quadratic in the columns. */
static void test_wide_rows(void **state)
{
	enum { COLS = 20000 };
	struct tu_dir *f = *state;
	char *path = sg_path_join(f->dir, "wide.csv");
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	for (int r = -1; r < 3; r++)
		for (int j = 0; j < COLS; j++) {
			if (r < 0)
				fprintf(fp, "c%d", j);
			else
				fprintf(fp, "%d", r < 2 ? j : j + 100000);
			fputc(j + 1 < COLS ? ',' : '\n', fp);
		}
	fclose(fp);
	struct sg_csv *c = open_path(path);
	struct sg_colstats *s = stats_of(c, 2);
	assert_int_equal(s->ncols, COLS);
	char want[32];
	for (int j = 0; j < COLS; j++) {
		assert_int_equal(s->col[j].ntop, 2);
		snprintf(want, sizeof want, "%d", j);
		assert_string_equal(s->col[j].top[0].value, want);
		assert_int_equal(s->col[j].top[0].count, 2);
		snprintf(want, sizeof want, "%d", j + 100000);
		assert_string_equal(s->col[j].top[1].value, want);
		assert_int_equal(s->col[j].top[1].count, 1);
	}
	sg_colstats_free(s);
	sg_csv_free(c);
	free(path);
}

static void test_frequencies(void **state)
{
	struct tu_dir *f = *state;
	char *path = sg_path_join(f->dir, "freq.csv");
	FILE *fp = fopen(path, "w");
	fprintf(fp, "id,color\n");
	/* 60000 rows: red 3/6, blue 2/6, "" 1/6, plus one "a,b" and a short row. */
	static const char *const colors[] = { "red", "blue", "red", "", "blue", "red" };
	for (int i = 0; i < 60000; i++)
		fprintf(fp, "%d,%s\n", i, colors[i % 6]);
	fprintf(fp, "60000,\"a,b\"\n60001\n");
	fclose(fp);
	struct sg_csv *c = open_path(path);
	struct sg_colfreq *fq;
	struct sg_error err;
	struct sg_colstats_options o = { .threads = 2 };
	assert_int_equal(sg_colfreq_compute(c, 1, &o, &fq, &err), 0);
	assert_int_equal(fq->rows, 60002);
	assert_int_equal(fq->n, 4);
	assert_string_equal(fq->values[0].value, "red");
	assert_int_equal(fq->values[0].count, 30000);
	assert_string_equal(fq->values[1].value, "blue");
	assert_int_equal(fq->values[1].count, 20000);
	assert_string_equal(fq->values[2].value, "");
	assert_int_equal(fq->values[2].count, 10001);   /* with the short row's padding */
	assert_string_equal(fq->values[3].value, "a,b");
	assert_int_equal(fq->values[3].count, 1);
	sg_colfreq_free(fq);
	/* Every value distinct: ties sort by value. */
	assert_int_equal(sg_colfreq_compute(c, 0, NULL, &fq, &err), 0);
	assert_int_equal(fq->n, 60002);
	assert_string_equal(fq->values[0].value, "0");
	assert_string_equal(fq->values[1].value, "1");
	assert_string_equal(fq->values[2].value, "10");
	sg_colfreq_free(fq);
	assert_int_equal(sg_colfreq_compute(c, 2, NULL, &fq, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	sg_csv_free(c);
	free(path);
}

/* The background job API, started while the file is still being indexed. */
static void test_jobs_while_indexing(void **state)
{
	struct tu_dir *f = *state;
	double *xs;
	char *path = write_known(f->dir, 150000, &xs);
	free(xs);
	struct sg_csv_options co = { .test_pause_rows = 20000 };
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, &co, &err);
	assert_non_null(c);
	sg_csv_wait_rows(c, 20000);
	struct sg_stats_job *j = sg_stats_job_start(c, -1, &err);
	assert_non_null(j);
	uint64_t done, total;
	usleep(20000);
	assert_int_equal(sg_stats_job_poll(j, &done, &total), 0);  /* waits for the index */
	assert_true(total < 150000);
	sg_csv_test_resume(c);
	struct pollfd pfd = { .fd = sg_stats_job_fd(j), .events = POLLIN };
	while (!sg_stats_job_poll(j, &done, &total))
		poll(&pfd, 1, 1000);
	assert_int_equal(done, 150000);
	struct sg_colstats *s;
	assert_int_equal(sg_stats_job_finish(j, &s, NULL, &err), 0);
	assert_int_equal(s->rows, 150000);
	assert_int_equal(s->col[0].count, 150000);
	sg_colstats_free(s);

	j = sg_stats_job_start(c, 1, &err);
	struct sg_colfreq *fq;
	assert_int_equal(sg_stats_job_finish(j, NULL, &fq, &err), 0);
	uint64_t sum = 0;
	for (size_t i = 0; i < fq->n; i++)
		sum += fq->values[i].count;
	assert_int_equal(sum, 150000);
	sg_colfreq_free(fq);

	j = sg_stats_job_start(c, -1, &err);
	sg_stats_job_cancel(j);
	s = (void *)1;
	int rc = sg_stats_job_finish(j, &s, NULL, &err);
	assert_true(rc == 1 || rc == 0);  /* it may finish before it sees the flag */
	sg_colstats_free(rc == 0 ? s : NULL);
	sg_csv_free(c);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_kinds),
		tu_dir_test(test_column_types),
		tu_dir_test(test_exact_stats),
		tu_dir_test(test_sampled_stats_and_threads),
		tu_dir_test(test_ragged_and_bad_files),
		tu_dir_test(test_cancel_and_progress),
		tu_dir_test(test_frequencies),
		tu_dir_test(test_wide_rows),
		tu_dir_test(test_jobs_while_indexing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
