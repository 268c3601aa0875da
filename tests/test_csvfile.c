/* test_csvfile.c — the CSV engine: dialects, the background index, both
 * field parsers, bad input, files that change under us, and the corpus. */
#include "tests/testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include "core/csvfile.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_csv_target.h"

/* Writes n bytes (binary-safe) to dir/name; returns the malloc'd path. */
static char *write_bytes(const char *dir, const char *name, const void *data, size_t n)
{
	char *path = sg_path_join(dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	fclose(fp);
	return path;
}

static struct sg_csv *open_text(struct tu_dir *f, const char *text,
				const struct sg_csv_options *o)
{
	char *path = write_bytes(f->dir, "t.csv", text, strlen(text));
	struct sg_error err = { 0 };
	struct sg_csv *c = sg_csv_open(path, o, &err);
	if (!c)
		fail_msg("open: %s", err.msg);
	free(path);
	return c;
}

struct expect {
	int n;
	const char *const *fields;
	size_t *lens;                 /* NULL: strlen */
	int checked;
};

static int scan_check(const struct sg_csv_cursor *cur, void *ud)
{
	struct expect *e = ud;
	assert_int_equal(cur->nfields, e->n);
	for (int j = 0; j < e->n; j++) {
		size_t len = e->lens ? e->lens[j] : strlen(e->fields[j]);
		assert_int_equal(cur->field[j].len, len);
		assert_memory_equal(cur->field[j].p, e->fields[j], len);
	}
	e->checked++;
	return 0;
}

static void expect_row_n(struct sg_csv *c, uint64_t row, int n, const char *const *fields,
			 size_t *lens)
{
	struct sg_csv_cursor cur;
	struct sg_error err = { 0 };
	sg_csv_cursor_init(&cur);
	if (sg_csv_read_row(c, row, &cur, &err) != 0)
		fail_msg("row %llu: %s", (unsigned long long)row, err.msg);
	assert_int_equal(cur.nfields, n);
	for (int j = 0; j < n; j++) {
		size_t len = lens ? lens[j] : strlen(fields[j]);
		if (cur.field[j].len != len || memcmp(cur.field[j].p, fields[j], len) != 0)
			fail_msg("row %llu field %d: got '%s', want '%s'", (unsigned long long)row, j,
				 cur.field[j].p, fields[j]);
		assert_int_equal(cur.field[j].p[len], '\0');
	}
	struct expect e = { n, fields, lens, 0 };
	assert_int_equal(sg_csv_scan(c, &cur, row, row + 1, 0, scan_check, &e, NULL, &err), 0);
	assert_int_equal(e.checked, 1);
	sg_csv_cursor_done(&cur);
}

#define EXPECT_ROW(c, row, ...)                                                        \
	do {                                                                           \
		static const char *const want_[] = { __VA_ARGS__ };                    \
		expect_row_n(c, row, (int)(sizeof want_ / sizeof want_[0]), want_, NULL); \
	} while (0)

static void wait_ok(struct sg_csv *c)
{
	struct sg_error err = { 0 };
	if (sg_csv_wait(c, &err) != 0)
		fail_msg("wait: %s", err.msg);
}

static void test_basic_header(void **state)
{
	struct sg_csv *c = open_text(*state, "id,name,score\n1,alice,3.5\n2,bob,4\n3,carol,\n", NULL);
	wait_ok(c);
	const struct sg_csv_dialect *d = sg_csv_dialect(c);
	assert_int_equal(d->delimiter, ',');
	assert_true(d->header);
	assert_true(d->header_sniffed);
	assert_int_equal(sg_csv_ncols(c), 3);
	assert_string_equal(sg_csv_colname(c, 1), "name");
	assert_string_equal(sg_csv_colname(c, 7), "");
	assert_int_equal(sg_csv_colindex(c, "score"), 2);
	assert_int_equal(sg_csv_colindex(c, "nope"), -1);
	assert_int_equal(sg_csv_nrows(c), 3);
	EXPECT_ROW(c, 0, "1", "alice", "3.5");
	EXPECT_ROW(c, 2, "3", "carol", "");
	assert_int_equal(sg_csv_ragged_total(c), 0);
	struct sg_csv_cursor cur;
	struct sg_error err;
	sg_csv_cursor_init(&cur);
	assert_int_equal(sg_csv_read_header(c, &cur, &err), 0);
	assert_int_equal(cur.nfields, 3);
	assert_string_equal(cur.field[0].p, "id");
	assert_int_equal(sg_csv_read_row(c, 3, &cur, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
}

static void test_quotes_crlf(void **state)
{
	struct sg_csv *c = open_text(*state,
		"id,text\r\n1,\"line one\r\nline two\"\r\n2,plain\r\n3,\"ends \"\"quoted\"\"\"\r\n"
		"4,\"a,b\"\r\n", NULL);
	wait_ok(c);
	assert_true(sg_csv_dialect(c)->crlf);
	assert_int_equal(sg_csv_nrows(c), 4);
	EXPECT_ROW(c, 0, "1", "line one\r\nline two");
	EXPECT_ROW(c, 1, "2", "plain");
	EXPECT_ROW(c, 2, "3", "ends \"quoted\"");
	EXPECT_ROW(c, 3, "4", "a,b");
	struct sg_csv_cursor cur;
	struct sg_error err;
	sg_csv_cursor_init(&cur);
	assert_int_equal(sg_csv_read_row(c, 2, &cur, &err), 0);
	assert_int_equal(cur.rawlen, strlen("3,\"ends \"\"quoted\"\"\""));
	assert_memory_equal(cur.raw, "3,\"ends \"\"quoted\"\"\"", cur.rawlen);
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
}

static void test_bom_blank_lines_no_final_newline(void **state)
{
	struct sg_csv *c = open_text(*state, "\xef\xbb\xbf\n\ncol,val\n\nx,1\r\n\r\n\ny,2", NULL);
	wait_ok(c);
	assert_true(sg_csv_dialect(c)->bom);
	assert_string_equal(sg_csv_colname(c, 0), "col");
	assert_int_equal(sg_csv_nrows(c), 2);
	EXPECT_ROW(c, 0, "x", "1");
	EXPECT_ROW(c, 1, "y", "2");
	sg_csv_free(c);
}

static void test_delimiters_sniffed(void **state)
{
	struct sg_csv *c = open_text(*state, "name;price;qty\napple;1,5;3\npear;0,75;10\nplum;2;7\n",
				     NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_dialect(c)->delimiter, ';');
	EXPECT_ROW(c, 0, "apple", "1,5", "3");
	sg_csv_free(c);

	c = open_text(*state, "name\tcity\tn\nAnn\tSeoul, KR\t1\nBo\tLima\t2\n", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_dialect(c)->delimiter, '\t');
	EXPECT_ROW(c, 0, "Ann", "Seoul, KR", "1");
	sg_csv_free(c);

	c = open_text(*state, "a|b|c\n1|2|3\n7|\"8|9\"|10\n", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_dialect(c)->delimiter, '|');
	EXPECT_ROW(c, 1, "7", "8|9", "10");
	sg_csv_free(c);

	/* Forced: the semicolon file read with commas. */
	struct sg_csv_options o = { .delimiter = ',' };
	c = open_text(*state, "a;b\n1;2,5\n", &o);
	wait_ok(c);
	assert_int_equal(sg_csv_ncols(c), 1);
	EXPECT_ROW(c, 0, "1;2", "5");
	assert_int_equal(sg_csv_ragged_total(c), 1);
	sg_csv_free(c);
}

static void test_header_detection_and_override(void **state)
{
	struct sg_csv *c = open_text(*state, "1,2,3\n4,5,6\n", NULL);
	wait_ok(c);
	assert_false(sg_csv_dialect(c)->header);
	assert_int_equal(sg_csv_nrows(c), 2);
	assert_string_equal(sg_csv_colname(c, 2), "column_3");
	EXPECT_ROW(c, 0, "1", "2", "3");
	sg_csv_free(c);

	/* A name that recurs in its column's values: data, not a header. */
	c = open_text(*state, "red,x\nblue,y\nred,z\n", NULL);
	wait_ok(c);
	assert_false(sg_csv_dialect(c)->header);
	sg_csv_free(c);

	struct sg_csv_options yes = { .header = SG_CSV_HEADER_YES };
	c = open_text(*state, "1,2,3\n4,5,6\n", &yes);
	wait_ok(c);
	assert_true(sg_csv_dialect(c)->header);
	assert_false(sg_csv_dialect(c)->header_sniffed);
	assert_string_equal(sg_csv_colname(c, 0), "1");
	assert_int_equal(sg_csv_nrows(c), 1);
	sg_csv_free(c);

	struct sg_csv_options no = { .header = SG_CSV_HEADER_NO };
	c = open_text(*state, "a,b\n1,2\n", &no);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 2);
	EXPECT_ROW(c, 0, "a", "b");
	assert_string_equal(sg_csv_colname(c, 0), "column_1");
	sg_csv_free(c);
}

static void test_unique_names(void **state)
{
	struct sg_csv *c = open_text(*state, "a,a,,b,a,a_2\n1,2,3,4,5,6\n", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_ncols(c), 6);
	assert_string_equal(sg_csv_colname(c, 0), "a");
	assert_string_equal(sg_csv_colname(c, 1), "a_2");
	assert_string_equal(sg_csv_colname(c, 2), "column_3");
	assert_string_equal(sg_csv_colname(c, 3), "b");
	assert_string_equal(sg_csv_colname(c, 4), "a_3");
	assert_string_equal(sg_csv_colname(c, 5), "a_2_2");
	sg_csv_free(c);
}

/* A header of many columns, half "a" and half empty, once took time
 * quadratic (cubic for the repeated "a") in the columns to name. */
static void test_unique_names_wide(void **state)
{
	enum { HALF = 10000 };
	char *text = malloc(8 * HALF + 2), *p = text;
	assert_non_null(text);
	for (int j = 0; j < 2 * HALF; j++)
		p += sprintf(p, j < HALF ? "a," : ",");
	p[-1] = '\n';
	for (int j = 0; j < 2 * HALF; j++)
		p += sprintf(p, "1,");
	p[-1] = '\n';
	*p = '\0';
	struct sg_csv *c = open_text(*state, text, NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_ncols(c), 2 * HALF);
	char want[32];
	for (int j = 0; j < 2 * HALF; j++) {
		if (j == 0)
			snprintf(want, sizeof want, "a");
		else if (j < HALF)
			snprintf(want, sizeof want, "a_%d", j + 1);
		else
			snprintf(want, sizeof want, "column_%d", j + 1);
		assert_string_equal(sg_csv_colname(c, j), want);
	}
	sg_csv_free(c);
	free(text);
}

static void test_ragged_rows(void **state)
{
	struct sg_csv *c = open_text(*state, "a,b,c\n1,2\n1,2,3,4\n5,6,7\n8\n", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 4);
	assert_int_equal(sg_csv_ragged_total(c), 3);
	assert_int_equal(sg_csv_ragged_listed(c), 3);
	uint64_t row;
	int nf;
	assert_int_equal(sg_csv_ragged_get(c, 0, &row, &nf), 0);
	assert_int_equal(row, 0);
	assert_int_equal(nf, 2);
	assert_int_equal(sg_csv_ragged_get(c, 1, &row, &nf), 0);
	assert_int_equal(row, 1);
	assert_int_equal(nf, 4);
	assert_int_equal(sg_csv_ragged_get(c, 2, &row, &nf), 0);
	assert_int_equal(row, 3);
	assert_int_equal(nf, 1);
	assert_int_equal(sg_csv_ragged_get(c, 3, &row, &nf), -1);

	struct sg_csv_cursor cur;
	struct sg_error err;
	sg_csv_cursor_init(&cur);
	assert_int_equal(sg_csv_read_row(c, 0, &cur, &err), 0);
	assert_true(cur.ragged);
	assert_int_equal(cur.nfields, 2);
	assert_int_equal(cur.field[2].len, 0);   /* padded */
	assert_string_equal(cur.field[2].p, "");
	assert_int_equal(sg_csv_read_row(c, 1, &cur, &err), 0);
	assert_true(cur.ragged);
	assert_string_equal(cur.field[3].p, "4");   /* the extra field is kept */
	assert_int_equal(sg_csv_read_row(c, 2, &cur, &err), 0);
	assert_false(cur.ragged);
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
}

static void test_unterminated_quote(void **state)
{
	struct sg_csv *c = open_text(*state, "a,b\n1,2\n3,\"never closed\n4,5\n", NULL);
	struct sg_error err = { 0 };
	assert_int_equal(sg_csv_wait(c, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_non_null(strstr(err.msg, ":3:3: unterminated quoted field"));
	assert_non_null(strstr(err.msg, "data row 1"));
	assert_non_null(strstr(err.msg, "byte offset 10"));
	struct sg_csv_progress p;
	sg_csv_progress(c, &p);
	assert_true(p.done);
	assert_true(p.failed);
	assert_int_equal(sg_csv_nrows(c), 1);
	EXPECT_ROW(c, 0, "1", "2");
	sg_csv_free(c);

	/* In the very first record: nothing is readable, nothing crashes. */
	c = open_text(*state, "\"abc,def\nghi\n", NULL);
	assert_int_equal(sg_csv_wait(c, &err), -1);
	assert_non_null(strstr(err.msg, ":1:1:"));
	assert_int_equal(sg_csv_nrows(c), 0);
	sg_csv_free(c);
}

static void test_empty_and_header_only(void **state)
{
	struct sg_csv *c = open_text(*state, "", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_ncols(c), 0);
	assert_int_equal(sg_csv_nrows(c), 0);
	assert_false(sg_csv_dialect(c)->header);
	sg_csv_free(c);

	c = open_text(*state, "\n\r\n\n", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 0);
	sg_csv_free(c);

	c = open_text(*state, "alpha,beta,gamma\n", NULL);
	wait_ok(c);
	assert_true(sg_csv_dialect(c)->header);
	assert_int_equal(sg_csv_ncols(c), 3);
	assert_int_equal(sg_csv_nrows(c), 0);
	assert_string_equal(sg_csv_colname(c, 2), "gamma");
	sg_csv_free(c);
}

static void test_nul_and_invalid_utf8(void **state)
{
	struct tu_dir *f = *state;
	static const char data[] = "k,v\n1,a\0b\n2,\xff\xfe\n3,caf\xc3\n";
	char *path = write_bytes(f->dir, "nul.csv", data, sizeof data - 1);
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	assert_non_null(c);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 3);
	static const char *const r0[] = { "1", "a\0b" };
	size_t l0[] = { 1, 3 };
	expect_row_n(c, 0, 2, r0, l0);
	EXPECT_ROW(c, 1, "2", "\xff\xfe");
	EXPECT_ROW(c, 2, "3", "caf\xc3");
	sg_csv_free(c);
	free(path);
}

static void test_cr_only_and_stray_quotes(void **state)
{
	struct sg_csv *c = open_text(*state, "x,y\r1,2\r3,\"a\rb\"\r", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_dialect(c)->eol, '\r');
	assert_int_equal(sg_csv_nrows(c), 2);
	EXPECT_ROW(c, 1, "3", "a\rb");
	sg_csv_free(c);

	/* libcsv's non-strict rules: a quote inside an unquoted field is data;
	 * a quote after a closing quote keeps the field quoted. */
	c = open_text(*state, "a,b\nab\"c,d\n\"x\"y,z\"\n\"p\"\"q\",s\n", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 3);
	EXPECT_ROW(c, 0, "ab\"c", "d");
	EXPECT_ROW(c, 1, "x\"y,z");
	EXPECT_ROW(c, 2, "p\"q", "s");
	sg_csv_free(c);

	/* After a closing quote, CR LF ends the record; a lone CR is data. */
	c = open_text(*state, "a,b\r\n\"x\"\ry,z\r\n\"q\",\"w\"\r\n\"e\"\r\n", NULL);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 2);
	EXPECT_ROW(c, 0, "x\"\ry,z\r\n\"q", "w");
	EXPECT_ROW(c, 1, "e");
	sg_csv_free(c);

	/* Spaces are data. */
	c = open_text(*state, "a , b\n  1 , \" 2 \"\n", NULL);
	wait_ok(c);
	EXPECT_ROW(c, 0, "  1 ", " \" 2 \"");
	sg_csv_free(c);
}

static void test_not_csv(void **state)
{
	struct tu_dir *f = *state;
	unsigned char bin[4096];
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < sizeof bin; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bin[i] = (unsigned char)x;
	}
	char *path = write_bytes(f->dir, "bin.dat", bin, sizeof bin);
	struct sg_error err = { 0 };
	assert_null(sg_csv_open(path, NULL, &err));
	assert_int_equal(err.code, SG_E_PARSE);
	assert_non_null(strstr(err.msg, "binary"));
	free(path);
	/* A tiny binary file too, while a small CSV with a NUL in a field opens. */
	static const unsigned char tiny[] = { 0, 1, 2, 'b', 'i', 'n', 'a', 'r', 'y' };
	path = write_bytes(f->dir, "tiny.dat", tiny, sizeof tiny);
	assert_null(sg_csv_open(path, NULL, &err));
	assert_non_null(strstr(err.msg, "binary"));
	free(path);
	static const char nul_field[] = "k,v\n1,a\0b\n2,c\n3,d\n";
	path = write_bytes(f->dir, "nul.csv", nul_field, sizeof nul_field - 1);
	struct sg_csv *ok = sg_csv_open(path, NULL, &err);
	assert_non_null(ok);
	sg_csv_free(ok);
	free(path);

	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	path = write_bytes(f->dir, "x.csv.gz", gz, sizeof gz);
	assert_null(sg_csv_open(path, NULL, &err));
	assert_non_null(strstr(err.msg, "gzip"));
	free(path);

	static const unsigned char u16[] = { 0xff, 0xfe, 'a', 0, ',', 0, 'b', 0, '\n', 0 };
	path = write_bytes(f->dir, "u16.csv", u16, sizeof u16);
	assert_null(sg_csv_open(path, NULL, &err));
	assert_non_null(strstr(err.msg, "UTF-16"));
	free(path);

	assert_null(sg_csv_open(f->dir, NULL, &err));
	assert_non_null(strstr(err.msg, "not a regular file"));
	path = sg_path_join(f->dir, "missing.csv");
	assert_null(sg_csv_open(path, NULL, &err));
	assert_int_equal(err.code, SG_E_IO);
	free(path);

	struct sg_csv_options o = { .delimiter = '"' };
	path = write_bytes(f->dir, "ok.csv", "a\n", 2);
	assert_null(sg_csv_open(path, &o, &err));
	assert_int_equal(err.code, SG_E_USAGE);
	free(path);
}

/* A 10 MB quoted field full of delimiters, quotes and newlines. */
static void test_ten_megabyte_field(void **state)
{
	struct tu_dir *f = *state;
	size_t unit = 8, reps = (10u << 20) / unit;
	size_t n = 64 + reps * 10;
	char *data = malloc(n), *want = malloc(reps * unit + 1);
	size_t o = 0, w = 0;
	o += (size_t)sprintf(data, "id,blob,tail\n1,\"");
	for (size_t i = 0; i < reps; i++) {
		memcpy(data + o, "ab,\"\"c\nd", 8);  /* unescapes to ab,"c\nd (7 bytes) */
		o += 8;
		memcpy(want + w, "ab,\"c\nd", 7);
		w += 7;
	}
	o += (size_t)sprintf(data + o, "\",end\n2,short,x\n");
	char *path = write_bytes(f->dir, "big_field.csv", data, o);
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	assert_non_null(c);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 2);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	assert_int_equal(sg_csv_read_row(c, 0, &cur, &err), 0);
	assert_int_equal(cur.nfields, 3);
	assert_int_equal(cur.field[1].len, w);
	assert_memory_equal(cur.field[1].p, want, w);
	assert_string_equal(cur.field[2].p, "end");
	sg_csv_cursor_done(&cur);
	static const char *const r1[] = { "2", "short", "x" };
	expect_row_n(c, 1, 3, r1, NULL);
	sg_csv_free(c);
	free(path);
	free(data);
	free(want);
}

/* A first record longer than the 64 KB sniffing sample, whose end depends on
 * the (sniffed) delimiter: the sample grows until the record fits. */
static void test_long_first_record(void **state)
{
	struct tu_dir *f = *state;
	size_t len = 200000;
	char *data = malloc(len + 64);
	size_t o = (size_t)sprintf(data, "1;\"");
	for (size_t i = 0; i < len; i++)
		data[o++] = i % 100 == 99 ? '\n' : 'a';
	o += (size_t)sprintf(data + o, "\";3\n4;5;6\n7;8;9\n");
	char *path = write_bytes(f->dir, "long_first.csv", data, o);
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	if (!c)
		fail_msg("%s", err.msg);
	wait_ok(c);
	assert_int_equal(sg_csv_dialect(c)->delimiter, ';');
	assert_false(sg_csv_dialect(c)->header);
	assert_int_equal(sg_csv_ncols(c), 3);
	assert_int_equal(sg_csv_nrows(c), 3);
	assert_int_equal(sg_csv_ragged_total(c), 0);
	EXPECT_ROW(c, 2, "7", "8", "9");
	sg_csv_free(c);
	free(path);
	free(data);
}

/* Writes rows "i,name_i,i*0.5\n" with a header; returns the path. */
static char *write_numbered(const char *dir, const char *name, unsigned rows)
{
	char *path = sg_path_join(dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "n,name,half\n");
	for (unsigned i = 0; i < rows; i++)
		fprintf(fp, "%u,\"name %u\",%.1f\n", i, i, i * 0.5);
	fclose(fp);
	return path;
}

static void test_rows_readable_before_index_done(void **state)
{
	struct tu_dir *f = *state;
	char *path = write_numbered(f->dir, "big.csv", 300000);
	struct sg_csv_options o = { .test_pause_rows = 1000 };
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, &o, &err);
	assert_non_null(c);
	uint64_t n = sg_csv_wait_rows(c, 1000);
	assert_true(n >= 1000);
	/* The first rows wake a poll() loop at once. */
	struct pollfd pfd = { .fd = sg_csv_progress_fd(c), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	struct sg_csv_progress p;
	sg_csv_progress(c, &p);
	assert_false(p.done);
	assert_true(p.rows >= 1000 && p.rows < 300000);
	assert_true(p.bytes_done < p.bytes_total);
	EXPECT_ROW(c, 0, "0", "name 0", "0.0");
	EXPECT_ROW(c, 999, "999", "name 999", "499.5");
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	assert_int_equal(sg_csv_read_row(c, n, &cur, &err), -1);  /* not yet indexed */
	sg_csv_cursor_done(&cur);

	assert_int_equal(poll(&pfd, 1, 0), 0);  /* drained, and paused */
	sg_csv_test_resume(c);
	wait_ok(c);
	sg_csv_progress(c, &p);
	assert_true(p.done);
	assert_false(p.failed);
	assert_int_equal(p.rows, 300000);
	assert_int_equal(p.bytes_done, p.bytes_total);
	EXPECT_ROW(c, 299999, "299999", "name 299999", "149999.5");
	sg_csv_free(c);
	free(path);
}

/* Closing while the indexer runs (or is paused) must not hang or leak. */
static void test_free_while_indexing(void **state)
{
	struct tu_dir *f = *state;
	char *path = write_numbered(f->dir, "big.csv", 100000);
	struct sg_csv_options o = { .test_pause_rows = 10 };
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, &o, &err);
	assert_non_null(c);
	sg_csv_wait_rows(c, 10);
	sg_csv_free(c);
	c = sg_csv_open(path, NULL, &err);
	assert_non_null(c);
	sg_csv_free(c);
	free(path);
}

static int count_rows(const struct sg_csv_cursor *cur, void *ud)
{
	uint64_t *n = ud;
	char want[32];
	snprintf(want, sizeof want, "%llu", (unsigned long long)*n);
	assert_string_equal(cur->field[0].p, want);
	(*n)++;
	return 0;
}

static int stop_at_five(const struct sg_csv_cursor *cur, void *ud)
{
	return cur->row == 5 ? 42 : 0;
}

static void test_scan(void **state)
{
	struct tu_dir *f = *state;
	char *path = write_numbered(f->dir, "scan.csv", 50000);
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	assert_non_null(c);
	wait_ok(c);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	uint64_t n = 0;
	assert_int_equal(sg_csv_scan(c, &cur, 0, 50000, 1, count_rows, &n, NULL, &err), 0);
	assert_int_equal(n, 50000);
	assert_int_equal(cur.nfields, 1);  /* maxcols */
	n = 20000;
	assert_int_equal(sg_csv_scan(c, &cur, 20000, 20010, 0, count_rows, &n, NULL, &err), 0);
	assert_int_equal(n, 20010);
	assert_int_equal(sg_csv_scan(c, &cur, 0, 100, 0, stop_at_five, NULL, NULL, &err), 42);
	atomic_int cancel = 1;
	assert_int_equal(sg_csv_scan(c, &cur, 0, 50000, 0, count_rows, &n, &cancel, &err), 1);
	assert_int_equal(sg_csv_scan(c, &cur, 0, 50001, 0, count_rows, &n, NULL, &err), -1);
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
	free(path);
}

/* Blocks whose offsets outgrow 32 bits switch to 64-bit offsets. */
static void test_wide_index_blocks(void **state)
{
	struct tu_dir *f = *state;
	char *path = write_numbered(f->dir, "wide.csv", 20000);
	struct sg_csv_options o = { .test_delta_limit = 5000 };
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, &o, &err);
	assert_non_null(c);
	wait_ok(c);
	assert_int_equal(sg_csv_nrows(c), 20000);
	EXPECT_ROW(c, 0, "0", "name 0", "0.0");
	EXPECT_ROW(c, 4095, "4095", "name 4095", "2047.5");
	EXPECT_ROW(c, 4096, "4096", "name 4096", "2048.0");
	EXPECT_ROW(c, 19999, "19999", "name 19999", "9999.5");
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	uint64_t n = 0;
	assert_int_equal(sg_csv_scan(c, &cur, 0, 20000, 0, count_rows, &n, NULL, &err), 0);
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
	free(path);
}

static void test_truncated_while_open(void **state)
{
	struct tu_dir *f = *state;
	char *path = write_numbered(f->dir, "trunc.csv", 200000);
	struct sg_error err = { 0 };
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	assert_non_null(c);
	wait_ok(c);
	assert_int_equal(sg_csv_check(c, &err), 0);
	assert_int_equal(truncate(path, (off_t)(sg_csv_size(c) / 2)), 0);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	assert_int_equal(sg_csv_read_row(c, 199999, &cur, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	assert_non_null(strstr(err.msg, "truncated while open"));
	assert_int_equal(sg_csv_read_row(c, 0, &cur, &err), 0);  /* the start is still there */
	uint64_t n = 0;
	assert_int_equal(sg_csv_scan(c, &cur, 0, 200000, 0, count_rows, &n, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	assert_int_equal(sg_csv_check(c, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);

	/* Truncated while the indexer is paused mid-file: it stops with an I/O
	 * error; the rows it had stay readable as far as the file still goes. */
	free(path);
	path = write_numbered(f->dir, "trunc2.csv", 200000);
	struct sg_csv_options o = { .test_pause_rows = 1000 };
	c = sg_csv_open(path, &o, &err);
	assert_non_null(c);
	sg_csv_wait_rows(c, 1000);
	assert_int_equal(truncate(path, 100), 0);
	sg_csv_test_resume(c);
	assert_int_equal(sg_csv_wait(c, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	sg_csv_free(c);
	free(path);
}

static void test_changed_while_open(void **state)
{
	struct tu_dir *f = *state;
	char *path = write_numbered(f->dir, "grow.csv", 10);
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	assert_non_null(c);
	wait_ok(c);
	FILE *fp = fopen(path, "a");
	fputs("10,\"name 10\",5.0\n", fp);
	fclose(fp);
	assert_int_equal(sg_csv_check(c, &err), 1);
	assert_int_equal(sg_csv_nrows(c), 10);  /* the open file keeps its rows */
	EXPECT_ROW(c, 9, "9", "name 9", "4.5");
	sg_csv_free(c);
	free(path);
}

/* Our splitter and libcsv agree on arbitrary byte strings, including ones
 * no indexed record can hold (unquoted line ends). */
static void test_splitter_matches_libcsv_random(void **state)
{
	static const char alphabet[] = "ab,;\"\"\n\r \t|";
	struct sg_csv_dialect d = { .delimiter = ',', .quote = '"', .eol = '\n' };
	struct sg_csv_cursor a, b;
	sg_csv_cursor_init(&a);
	sg_csv_cursor_init(&b);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char buf[40];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)(iter % 37);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = alphabet[x % (sizeof alphabet - 1)];
		}
		d.delimiter = iter % 3 == 0 ? ';' : ',';
		d.eol = iter % 5 == 0 ? '\r' : '\n';
		assert_int_equal(sg_csv_split_libcsv(&d, buf, n, &a), 0);
		sg_csv_split(&d, buf, n, &b, 0);
		if (a.nfields != b.nfields)
			fail_msg("input %d: libcsv %d fields, ours %d", iter, a.nfields, b.nfields);
		for (int j = 0; j < a.nfields; j++) {
			assert_int_equal(a.field[j].len, b.field[j].len);
			assert_memory_equal(a.field[j].p, b.field[j].p, a.field[j].len);
		}
	}
	sg_csv_cursor_done(&a);
	sg_csv_cursor_done(&b);
}

/* Replays tests/corpus/csv through the fuzz target (which checks the two
 * parsers agree on every row), and pins a few exact outcomes. */
static void test_corpus(void **state)
{
	assert_true(tu_replay_corpus("csv", sg_fuzz_csv) >= 25);
	char *dir = sg_xasprintf("%s/tests/corpus/csv", tu_srcdir());

	struct { const char *name; long long rows; int cols; int fails; } want[] = {
		{ "quoted_newlines.csv", 2, 2, 0 },
		{ "ragged.csv", 5, 3, 0 },
		{ "unterminated.csv", 1, 2, 1 },
		{ "only_quotes.csv", 3, 1, 1 },
		{ "wide.csv", 1, 300, 0 },
		{ "long_field.csv", 2, 2, 0 },
		{ "trailing_delims.csv", 2, 4, 0 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char *path = sg_path_join(dir, want[i].name);
		struct sg_error err;
		struct sg_csv *c = sg_csv_open(path, NULL, &err);
		if (!c)
			fail_msg("%s: %s", want[i].name, err.msg);
		int rc = sg_csv_wait(c, &err);
		if (rc != -want[i].fails || (long long)sg_csv_nrows(c) != want[i].rows ||
		    sg_csv_ncols(c) != want[i].cols)
			fail_msg("%s: rc %d rows %llu cols %d", want[i].name, rc,
				 (unsigned long long)sg_csv_nrows(c), sg_csv_ncols(c));
		sg_csv_free(c);
		free(path);
	}
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_dir_test(test_basic_header),
		tu_dir_test(test_quotes_crlf),
		tu_dir_test(test_bom_blank_lines_no_final_newline),
		tu_dir_test(test_delimiters_sniffed),
		tu_dir_test(test_header_detection_and_override),
		tu_dir_test(test_unique_names),
		tu_dir_test(test_unique_names_wide),
		tu_dir_test(test_ragged_rows),
		tu_dir_test(test_unterminated_quote),
		tu_dir_test(test_empty_and_header_only),
		tu_dir_test(test_nul_and_invalid_utf8),
		tu_dir_test(test_cr_only_and_stray_quotes),
		tu_dir_test(test_not_csv),
		tu_dir_test(test_ten_megabyte_field),
		tu_dir_test(test_long_first_record),
		tu_dir_test(test_rows_readable_before_index_done),
		tu_dir_test(test_free_while_indexing),
		tu_dir_test(test_scan),
		tu_dir_test(test_wide_index_blocks),
		tu_dir_test(test_truncated_while_open),
		tu_dir_test(test_changed_while_open),
		cmocka_unit_test(test_splitter_matches_libcsv_random),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
