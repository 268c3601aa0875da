/* test_view.c — sort, filter, search and write views, checked against
 * expectations the test computes on its own copy of the rows. */
#include "tests/testutil.h"
#include <stdatomic.h>
#include "core/colstats.h"
#include "core/expr.h"
#include "core/util.h"
#include "core/view.h"

#define NROWS 5000

struct fixture {
	char *dir, *path;
	struct sg_csv *csv;
	char ***cell;                 /* cell[row][col], read back with sg_csv_read_row */
	uint64_t n;
	int ncols;
};

static struct fixture *fx;

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* id,num,name,cat,note: num mixes ints, floats, dates, words and missing
 * values; name has long values sharing their first 1100 bytes; note has
 * quotes, delimiters and newlines so verbatim output is tested. */
static void write_csv(FILE *f)
{
	static const char *const words[] = { "apple", "Apple", "NA", "", "null", "-0", "0",
		"2.5", "-17", "1e3", "banana", "2024-01-02", "true" };
	char *longp = sg_xmalloc(1200);
	memset(longp, 'L', 1100);
	longp[1100] = '\0';
	fprintf(f, "id,num,name,cat,note\n");
	for (int i = 0; i < NROWS; i++) {
		fprintf(f, "%d,", i);
		if (rnd(3))
			fprintf(f, "%d", (int)rnd(200) - 100);
		else
			fprintf(f, "%s", words[rnd(13)]);
		switch (rnd(4)) {
		case 0: fprintf(f, ",%s%u", longp, rnd(50)); break;
		case 1: fprintf(f, ",user_%u", rnd(300)); break;
		case 2: fprintf(f, ",\"us,er_%u\"", rnd(30)); break;
		default: fprintf(f, ","); break;
		}
		fprintf(f, ",%c", "abcd"[rnd(4)]);
		if (i % 97 == 0)
			fprintf(f, ",\"multi\nline \"\"%d\"\"\"\n", i);
		else
			fprintf(f, ",n%u\n", rnd(10));
	}
	free(longp);
}

static int setup(void **state)
{
	(void)state;
	fx = calloc(1, sizeof *fx);
	fx->dir = tu_tempdir();
	fx->path = sg_path_join(fx->dir, "data.csv");
	FILE *f = fopen(fx->path, "w");
	assert_non_null(f);
	write_csv(f);
	fclose(f);
	struct sg_error err;
	fx->csv = sg_csv_open(fx->path, NULL, &err);
	assert_non_null(fx->csv);
	assert_int_equal(sg_csv_wait(fx->csv, &err), 0);
	fx->n = sg_csv_nrows(fx->csv);
	assert_int_equal(fx->n, NROWS);
	fx->ncols = sg_csv_ncols(fx->csv);
	fx->cell = calloc(fx->n, sizeof *fx->cell);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	for (uint64_t r = 0; r < fx->n; r++) {
		assert_int_equal(sg_csv_read_row(fx->csv, r, &cur, &err), 0);
		fx->cell[r] = calloc((size_t)fx->ncols, sizeof **fx->cell);
		for (int j = 0; j < fx->ncols; j++)
			fx->cell[r][j] = sg_xstrdup(cur.field[j].p);
	}
	sg_csv_cursor_done(&cur);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (uint64_t r = 0; r < fx->n; r++) {
		for (int j = 0; j < fx->ncols; j++)
			free(fx->cell[r][j]);
		free(fx->cell[r]);
	}
	free(fx->cell);
	sg_csv_free(fx->csv);
	tu_rmtree(fx->dir);
	free(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

/* ---- the expected order, computed independently ---------------------------------- */
static const struct sg_sort_key *cmp_keys;
static int cmp_nkeys;

/* Rank of a value's class: numbers, strings, missing (desc: strings first). */
static int vclass(const char *s, double *num, int desc)
{
	enum sg_valkind k = sg_value_kind(s, strlen(s), num);
	if (k == SG_VAL_MISSING)
		return 2;
	int is_str = k == SG_VAL_STRING;
	return desc ? !is_str : is_str;
}

struct ent {
	uint64_t row, idx;
};

static int cmp_ent(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	for (int i = 0; i < cmp_nkeys; i++) {
		const char *x = fx->cell[a->row][cmp_keys[i].col], *y = fx->cell[b->row][cmp_keys[i].col];
		int desc = cmp_keys[i].desc;
		double nx = 0, ny = 0;
		int cx = vclass(x, &nx, desc), cy = vclass(y, &ny, desc);
		if (cx != cy)
			return cx < cy ? -1 : 1;
		int r = 0;
		if (cx == 2)
			r = 0;
		else if ((cx == 0) != desc)  /* numbers */
			r = (nx > ny) - (nx < ny);
		else
			r = strcmp(x, y);
		r = (r > 0) - (r < 0);
		if (r)
			return desc ? -r : r;
	}
	return (a->idx > b->idx) - (a->idx < b->idx);
}

static void check_sort(const struct sg_view *base, const struct sg_sort_key *keys, int nkeys)
{
	uint64_t n = base ? base->n : fx->n;
	struct ent *e = calloc(n ? n : 1, sizeof *e);
	for (uint64_t i = 0; i < n; i++) {
		e[i].row = base ? sg_view_row(base, i) : i;
		e[i].idx = i;
	}
	cmp_keys = keys;
	cmp_nkeys = nkeys;
	qsort(e, n, sizeof *e, cmp_ent);
	struct sg_view *v1 = NULL, *v2 = NULL;
	struct sg_error err;
	struct sg_view_options o1 = { .threads = 1 }, o2 = { .threads = 2 };
	assert_int_equal(sg_view_sort(fx->csv, base, keys, nkeys, &o1, &v1, &err), 0);
	assert_int_equal(sg_view_sort(fx->csv, base, keys, nkeys, &o2, &v2, &err), 0);
	assert_int_equal(v1->n, n);
	assert_int_equal(v2->n, n);
	for (uint64_t i = 0; i < n; i++) {
		if (sg_view_row(v1, i) != e[i].row)
			fail_msg("position %llu: row %llu, expected %llu", (unsigned long long)i,
				 (unsigned long long)sg_view_row(v1, i), (unsigned long long)e[i].row);
		assert_int_equal(sg_view_row(v2, i), e[i].row);
	}
	sg_view_free(v1);
	sg_view_free(v2);
	free(e);
}

static void test_sort_numeric(void **state)
{
	(void)state;
	struct sg_sort_key asc = { 1, 0 }, desc = { 1, 1 };
	check_sort(NULL, &asc, 1);
	check_sort(NULL, &desc, 1);
	/* missing last in both directions */
	struct sg_view *v;
	struct sg_error err;
	assert_int_equal(sg_view_sort(fx->csv, NULL, &desc, 1, NULL, &v, &err), 0);
	const char *last = fx->cell[sg_view_row(v, v->n - 1)][1];
	assert_int_equal(sg_value_kind(last, strlen(last), NULL), SG_VAL_MISSING);
	sg_view_free(v);
}

static void test_sort_strings(void **state)
{
	(void)state;
	/* name: long values equal in their first 1100 bytes force re-reads */
	struct sg_sort_key k[] = { { 2, 0 } };
	check_sort(NULL, k, 1);
	k[0].desc = 1;
	check_sort(NULL, k, 1);
}

static void test_sort_multikey(void **state)
{
	(void)state;
	struct sg_sort_key k[] = { { 3, 0 }, { 1, 1 }, { 2, 0 } };
	check_sort(NULL, k, 3);
	struct sg_sort_key k2[] = { { 3, 1 }, { 4, 0 } };
	check_sort(NULL, k2, 2);  /* stable: ties keep file order */
}

static void test_sort_base_and_errors(void **state)
{
	(void)state;
	uint64_t rows[] = { 4000, 3, 17, 3, 2500, 1, 999 };
	struct sg_view *base = sg_view_from_rows(rows, 7);
	struct sg_sort_key k[] = { { 1, 0 }, { 0, 1 } };
	check_sort(base, k, 2);
	sg_view_free(base);
	struct sg_view *v = NULL;
	struct sg_error err;
	struct sg_sort_key bad = { 9, 0 };
	assert_int_equal(sg_view_sort(fx->csv, NULL, &bad, 1, NULL, &v, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	assert_null(v);
	atomic_int cancel = 1;
	struct sg_view_options o = { .cancel = &cancel };
	assert_int_equal(sg_view_sort(fx->csv, NULL, k, 1, &o, &v, &err), 1);
	assert_null(v);
}

/* ---- filter ------------------------------------------------------------------------ */
static void check_filter(const char *text, const struct sg_view *base)
{
	struct sg_expr *e;
	struct sg_error err;
	if (sg_expr_compile(text, fx->csv, &e, &err) != 0)
		fail_msg("%s", err.msg);
	struct sg_view *v1, *v2;
	struct sg_stats_progress prog;
	atomic_init(&prog.rows_done, 0);
	atomic_init(&prog.rows_total, 0);
	struct sg_view_options o1 = { .threads = 1 }, o2 = { .threads = 2, .progress = &prog };
	assert_int_equal(sg_view_filter(fx->csv, base, e, &o1, &v1, &err), 0);
	assert_int_equal(sg_view_filter(fx->csv, base, e, &o2, &v2, &err), 0);
	uint64_t n = base ? base->n : fx->n;
	assert_int_equal(atomic_load(&prog.rows_done), n);
	assert_int_equal(atomic_load(&prog.rows_total), n);
	/* expected: eval on rows read one by one with the libcsv path */
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	uint64_t k = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = base ? sg_view_row(base, i) : i;
		assert_int_equal(sg_csv_read_row(fx->csv, r, &cur, &err), 0);
		if (!sg_expr_eval(e, &cur))
			continue;
		assert_true(k < v1->n);
		assert_int_equal(sg_view_row(v1, k), r);
		assert_int_equal(sg_view_row(v2, k), r);
		k++;
	}
	assert_int_equal(k, v1->n);
	assert_int_equal(k, v2->n);
	sg_csv_cursor_done(&cur);
	sg_view_free(v1);
	sg_view_free(v2);
	sg_expr_free(e);
}

static void test_filter(void **state)
{
	(void)state;
	check_filter("num > 10 and cat == \"a\"", NULL);
	check_filter("num is null or name ~ \"^user_1\"", NULL);
	check_filter("not (cat ~ \"[ab]\") and note !~ \"multi\"", NULL);
	check_filter("id < 0", NULL);
	/* the kept count is right, by an independent count */
	struct sg_expr *e;
	struct sg_error err;
	assert_int_equal(sg_expr_compile("cat == \"d\"", fx->csv, &e, &err), 0);
	struct sg_view *v;
	assert_int_equal(sg_view_filter(fx->csv, NULL, e, NULL, &v, &err), 0);
	uint64_t want = 0;
	for (uint64_t r = 0; r < fx->n; r++)
		want += strcmp(fx->cell[r][3], "d") == 0;
	assert_int_equal(v->n, want);
	/* over a base view: a sorted one */
	struct sg_sort_key k = { 1, 1 };
	struct sg_view *sorted;
	assert_int_equal(sg_view_sort(fx->csv, NULL, &k, 1, NULL, &sorted, &err), 0);
	check_filter("cat == \"d\" and num >= 0", sorted);
	check_filter("cat == \"d\" and num >= 0", v);
	sg_view_free(sorted);
	sg_view_free(v);
	sg_expr_free(e);
}

/* ---- search -------------------------------------------------------------------------- */
static int row_matches(uint64_t r, const char *needle)
{
	for (int j = 0; j < fx->ncols; j++)
		if (strstr(fx->cell[r][j], needle))
			return 1;
	return 0;
}

static void test_search(void **state)
{
	(void)state;
	struct sg_error err;
	uint64_t pos;
	int wrapped;
	/* "multi" is in rows 0, 97, 194, ... */
	assert_int_equal(sg_view_search(fx->csv, NULL, "multi", 0, 0, NULL, &pos, &wrapped, &err), 0);
	assert_int_equal(pos, 97);
	assert_false(wrapped);
	assert_int_equal(sg_view_search(fx->csv, NULL, "MULTI", SG_SEARCH_ICASE, 97, NULL, &pos,
					&wrapped, &err), 0);
	assert_int_equal(pos, 194);
	assert_int_equal(sg_view_search(fx->csv, NULL, "multi", SG_SEARCH_BACKWARD, 194, NULL, &pos,
					&wrapped, &err), 0);
	assert_int_equal(pos, 97);
	/* wraparound both ways */
	uint64_t lastm = (NROWS - 1) / 97 * 97;
	assert_int_equal(sg_view_search(fx->csv, NULL, "multi", 0, lastm, NULL, &pos, &wrapped,
					&err), 0);
	assert_int_equal(pos, 0);
	assert_true(wrapped);
	assert_int_equal(sg_view_search(fx->csv, NULL, "multi", SG_SEARCH_BACKWARD, 0, NULL, &pos,
					&wrapped, &err), 0);
	assert_int_equal(pos, lastm);
	assert_true(wrapped);
	assert_int_equal(sg_view_search(fx->csv, NULL, "multi", SG_SEARCH_BACKWARD, UINT64_MAX, NULL,
					&pos, &wrapped, &err), 0);
	assert_int_equal(pos, lastm);
	assert_false(wrapped);
	/* the only match is the start itself: found after a full wrap */
	assert_int_equal(sg_view_search(fx->csv, NULL, "line \"4753\"", 0, 4753, NULL, &pos, &wrapped,
					&err), 0);
	assert_int_equal(pos, 4753);
	assert_true(wrapped);
	/* no match; bad regex */
	assert_int_equal(sg_view_search(fx->csv, NULL, "zzz+q", 0, 5, NULL, &pos, &wrapped, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_int_equal(sg_view_search(fx->csv, NULL, "a(", 0, 5, NULL, &pos, &wrapped, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	/* in a view: positions, not rows */
	struct sg_sort_key k = { 0, 1 };  /* id descending: position p is row N-1-p */
	struct sg_view *v;
	assert_int_equal(sg_view_sort(fx->csv, NULL, &k, 1, NULL, &v, &err), 0);
	assert_int_equal(sg_view_search(fx->csv, v, "us,er_", 0, UINT64_MAX, NULL, &pos, &wrapped,
					&err), 0);
	uint64_t want = 0;
	while (!row_matches(NROWS - 1 - want, "us,er_"))
		want++;
	assert_int_equal(pos, want);
	sg_view_free(v);
}

/* ---- write ------------------------------------------------------------------------------ */
static void test_write(void **state)
{
	(void)state;
	struct sg_error err;
	struct sg_sort_key k = { 1, 0 };
	struct sg_view *v;
	assert_int_equal(sg_view_sort(fx->csv, NULL, &k, 1, NULL, &v, &err), 0);
	char *out = sg_path_join(fx->dir, "sorted.csv");
	assert_int_equal(sg_view_write_csv(fx->csv, v, out, &err), 0);
	/* read back: same header, same rows in view order, byte for byte */
	struct sg_csv *c2 = sg_csv_open(out, NULL, &err);
	assert_non_null(c2);
	assert_int_equal(sg_csv_wait(c2, &err), 0);
	assert_int_equal(sg_csv_nrows(c2), NROWS);
	assert_string_equal(sg_csv_colname(c2, 4), "note");
	struct sg_csv_cursor a, b;
	sg_csv_cursor_init(&a);
	sg_csv_cursor_init(&b);
	for (uint64_t i = 0; i < NROWS; i++) {
		assert_int_equal(sg_csv_read_row(c2, i, &a, &err), 0);
		assert_int_equal(sg_csv_read_row(fx->csv, sg_view_row(v, i), &b, &err), 0);
		assert_int_equal(a.rawlen, b.rawlen);
		assert_memory_equal(a.raw, b.raw, a.rawlen);
	}
	sg_csv_cursor_done(&a);
	sg_csv_cursor_done(&b);
	sg_csv_free(c2);
	/* all rows (NULL view): the file itself, as the source ends lines with \n */
	assert_int_equal(sg_view_write_csv(fx->csv, NULL, out, &err), 0);
	size_t la, lb;
	char *x = sg_read_file(out, 1 << 26, &la, &err), *y = sg_read_file(fx->path, 1 << 26, &lb, &err);
	assert_int_equal(la, lb);
	assert_memory_equal(x, y, la);
	free(x);
	free(y);
	/* an unwritable place fails cleanly */
	char *bad = sg_path_join(fx->dir, "no/such/dir/out.csv");
	assert_int_equal(sg_view_write_csv(fx->csv, v, bad, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	free(bad);
	free(out);
	sg_view_free(v);
}

/* Semicolon-delimited, headerless, CRLF: written with the same delimiter. */
static void test_write_dialect(void **state)
{
	(void)state;
	char *in = tu_write(fx->dir, "semi.csv", "1;b;x\r\n3;a;\"q;r\"\r\n2;c;z\r\n");
	struct sg_csv_options opt = { .header = SG_CSV_HEADER_NO };
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(in, &opt, &err);
	assert_non_null(c);
	struct sg_sort_key k = { 1, 0 };
	struct sg_view *v;
	assert_int_equal(sg_view_sort(c, NULL, &k, 1, NULL, &v, &err), 0);
	char *out = sg_path_join(fx->dir, "semi-sorted.csv");
	assert_int_equal(sg_view_write_csv(c, v, out, &err), 0);
	size_t len;
	char *text = sg_read_file(out, 4096, &len, &err);
	assert_string_equal(text, "3;a;\"q;r\"\n1;b;x\n2;c;z\n");
	free(text);
	free(out);
	free(in);
	sg_view_free(v);
	sg_csv_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_numeric),
		cmocka_unit_test(test_sort_strings),
		cmocka_unit_test(test_sort_multikey),
		cmocka_unit_test(test_sort_base_and_errors),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_write_dialect),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
