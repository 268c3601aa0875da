/* test_metricline.c — the line protocol (text and JSON), the line splitter,
 * metric definitions, and a replay of tests/corpus/metricline through the
 * fuzz target. */
#include <math.h>
#include "tests/testutil.h"
#include "core/metricdef.h"
#include "core/metricline.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_metricline.h"

#define MAXREC 8

struct got {
	int n;
	struct sg_mrec r[MAXREC];
	char keys[MAXREC][256], texts[MAXREC][256];
};

static void collect(const struct sg_mrec *r, void *ud)
{
	struct got *g = ud;
	assert_true(g->n < MAXREC);
	g->r[g->n] = *r;
	snprintf(g->keys[g->n], 256, "%s", r->key);
	snprintf(g->texts[g->n], 256, "%s", r->text ? r->text : "");
	g->n++;
}

/* Parses a NUL-terminated line; returns parse's result. */
static int parse(const char *line, struct got *g, struct sg_mline_error *e)
{
	memset(g, 0, sizeof *g);
	memset(e, 0, sizeof *e);
	return sg_metricline_parse(line, strlen(line), collect, g, e);
}

/* Expects a malformed line with the error at col. */
static void expect_bad(const char *line, int col, const char *fragment)
{
	struct got g;
	struct sg_mline_error e;
	if (parse(line, &g, &e) != -1)
		fail_msg("'%s' parsed, expected an error at col %d", line, col);
	assert_int_equal(g.n, 0);
	if (e.col != col)
		fail_msg("'%s': error at col %d (%s), expected col %d", line, e.col, e.msg, col);
	if (fragment && !strstr(e.msg, fragment))
		fail_msg("'%s': message '%s' lacks '%s'", line, e.msg, fragment);
}

static void test_text_form(void **state)
{
	struct got g;
	struct sg_mline_error e;
	assert_int_equal(parse("loss 0.25 step=3 ts=1700000000.5", &g, &e), 1);
	assert_int_equal(g.r[0].kind, SG_MREC_METRIC);
	assert_string_equal(g.keys[0], "loss");
	assert_true(g.r[0].value == 0.25);
	assert_true(g.r[0].has_step && g.r[0].step == 3);
	assert_true(g.r[0].ts == 1700000000.5);
	assert_int_equal(parse("  val/acc   -1.5e-3  ", &g, &e), 1);
	assert_string_equal(g.keys[0], "val/acc");
	assert_true(g.r[0].value == -1.5e-3);
	assert_false(g.r[0].has_step);
	assert_true(g.r[0].ts == 0);
	assert_int_equal(parse("\tacc\t.5\tstep=2\r", &g, &e), 1);
	assert_true(g.r[0].value == 0.5 && g.r[0].step == 2);
	assert_int_equal(parse("x 12 ts=5 step=0", &g, &e), 1);
	assert_true(g.r[0].step == 0 && g.r[0].ts == 5);
	assert_int_equal(parse("", &g, &e), 0);
	assert_int_equal(parse("   \t ", &g, &e), 0);
	assert_int_equal(parse("# loss 1", &g, &e), 0);
	assert_int_equal(parse("\xe2\x82\xac 3", &g, &e), 1);   /* € is a fine key */
}

static void test_specials_kept(void **state)
{
	struct got g;
	struct sg_mline_error e;
	const char *nans[] = { "k nan", "k NaN", "k -nan", "k NAN" };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(parse(nans[i], &g, &e), 1);
		assert_true(isnan(g.r[0].value));
	}
	const char *pinf[] = { "k inf", "k +inf", "k Infinity", "k INF" };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(parse(pinf[i], &g, &e), 1);
		assert_true(isinf(g.r[0].value) && g.r[0].value > 0);
	}
	assert_int_equal(parse("k -inf", &g, &e), 1);
	assert_true(isinf(g.r[0].value) && g.r[0].value < 0);
	assert_int_equal(parse("k -Infinity", &g, &e), 1);
	assert_true(isinf(g.r[0].value) && g.r[0].value < 0);
	assert_int_equal(parse("k 1e308", &g, &e), 1);
	assert_true(g.r[0].value == 1e308);
	assert_int_equal(parse("k 0.1", &g, &e), 1);
	assert_true(g.r[0].value == 0.1);   /* correctly rounded, like strtod */
	assert_int_equal(parse("k -0", &g, &e), 1);
	assert_true(g.r[0].value == 0 && signbit(g.r[0].value));
	double v;
	assert_int_equal(sg_metric_value_parse("12.", 3, &v), 0);
	assert_true(v == 12);
	assert_int_equal(sg_metric_value_parse("1e999", 5, &v), -1);
	assert_int_equal(sg_metric_value_parse("0x10", 4, &v), -1);
	assert_int_equal(sg_metric_value_parse("infinit", 7, &v), -1);
	assert_int_equal(sg_metric_value_parse("nan(1)", 6, &v), -1);
	assert_int_equal(sg_metric_value_parse(" 1", 2, &v), -1);
	assert_int_equal(sg_metric_value_parse("", 0, &v), -1);
}

static void test_text_errors_have_columns(void **state)
{
	expect_bad("loss", 5, "needs a VALUE");
	expect_bad("loss 0x10", 6, "not a number");
	expect_bad("loss 1.2.3", 6, "not a number");
	expect_bad("loss 1e999", 6, "not a number");
	expect_bad("loss 0.1 extra", 10, "unexpected 'extra'");
	expect_bad("loss 0.1 step=", 10, "unexpected");
	expect_bad("loss 0.1 step=-2", 15, "whole number");
	expect_bad("loss 0.1 step=1.5", 15, "whole number");
	expect_bad("loss 0.1 step=1 step=2", 17, "twice");
	expect_bad("loss 0.1 ts=0", 13, "Unix seconds");
	expect_bad("loss 0.1 ts=nan", 13, "Unix seconds");
	expect_bad("lo\x01ss 1", 3, "control");
	expect_bad("k\xff 1", 2, "UTF-8");
	expect_bad("k\xc0\xaf 1", 2, "UTF-8");      /* overlong encoding of '/' */
	expect_bad("\xed\xa0\x80 1", 1, "UTF-8");   /* a surrogate */
	char longkey[300];
	memset(longkey, 'k', 251);
	strcpy(longkey + 251, " 1");
	expect_bad(longkey, 1, "longer than 250");
	char nul[] = "loss 1\0002";
	struct sg_mline_error e;
	assert_int_equal(sg_metricline_parse(nul, 8, NULL, NULL, &e), -1);
	assert_int_equal(e.col, 7);
}

static void test_params_and_tags(void **state)
{
	struct got g;
	struct sg_mline_error e;
	assert_int_equal(parse("param lr  0.001  ", &g, &e), 1);
	assert_int_equal(g.r[0].kind, SG_MREC_PARAM);
	assert_string_equal(g.keys[0], "lr");
	assert_string_equal(g.texts[0], "0.001");
	assert_int_equal(parse("tag note hello\tworld, again", &g, &e), 1);
	assert_int_equal(g.r[0].kind, SG_MREC_TAG);
	assert_string_equal(g.texts[0], "hello\tworld, again");
	expect_bad("param", 6, "KEY and a VALUE");
	expect_bad("tag k", 6, "needs a VALUE");
	expect_bad("param k\xff v", 8, "UTF-8");
	expect_bad("tag k v\x02", 8, "control");
	/* Only the exact lowercase word starts a param line. */
	assert_int_equal(parse("params 3", &g, &e), 1);
	assert_int_equal(g.r[0].kind, SG_MREC_METRIC);
	assert_int_equal(parse("Param 3", &g, &e), 1);
	assert_int_equal(g.r[0].kind, SG_MREC_METRIC);
}

static void test_json_lines(void **state)
{
	struct got g;
	struct sg_mline_error e;
	assert_int_equal(parse("{\"key\": \"loss\", \"value\": 0.3, \"step\": 4, \"ts\": 1700000000}",
			       &g, &e), 1);
	assert_string_equal(g.keys[0], "loss");
	assert_true(g.r[0].value == 0.3 && g.r[0].step == 4 && g.r[0].ts == 1700000000);
	assert_int_equal(parse("{\"loss\": 0.3, \"acc\": 0.9, \"step\": 4}", &g, &e), 2);
	assert_string_equal(g.keys[0], "loss");
	assert_string_equal(g.keys[1], "acc");
	assert_true(g.r[1].value == 0.9 && g.r[1].has_step && g.r[1].step == 4);
	/* What Python's json.dumps writes for float('nan') and friends. */
	assert_int_equal(parse("{\"a\": NaN, \"b\": Infinity, \"c\": -Infinity, \"s\": \"NaN\"}",
			       &g, &e), 4);
	assert_true(isnan(g.r[0].value));
	assert_true(isinf(g.r[1].value) && g.r[1].value > 0);
	assert_true(isinf(g.r[2].value) && g.r[2].value < 0);
	assert_true(isnan(g.r[3].value));
	assert_int_equal(parse("{\"val loss\": 1, \"step\": 4.0}", &g, &e), 1);
	assert_string_equal(g.keys[0], "val loss");   /* JSON keys may have spaces */
	assert_int_equal(g.r[0].step, 4);
	assert_int_equal(parse("{\"param\": {\"lr\": 0.1, \"n\": 3, \"opt\": \"adam\", \"on\": true,"
			       " \"grid\": [1, 2]}, \"tags\": {\"k\": \"v\"}}", &g, &e), 6);
	assert_int_equal(g.r[0].kind, SG_MREC_PARAM);
	assert_string_equal(g.texts[0], "0.1");
	assert_string_equal(g.texts[1], "3");
	assert_string_equal(g.texts[2], "adam");
	assert_string_equal(g.texts[3], "true");
	assert_string_equal(g.texts[4], "[1,2]");
	assert_int_equal(g.r[5].kind, SG_MREC_TAG);
	assert_string_equal(g.texts[5], "v");
}

static void test_json_errors(void **state)
{
	struct got g;
	struct sg_mline_error e;
	expect_bad("{\"loss\": null}", 2, "must be a number");
	expect_bad("{\"a\": 1, \"b\": true}", 10, "\"b\" must be a number");
	expect_bad("{\"a\": 1, \"a\": 2}", 12, "duplicate");
	expect_bad("{\"step\": -1, \"a\": 1}", 2, "whole number");
	expect_bad("{\"step\": 1.5, \"a\": 1}", 2, "whole number");
	expect_bad("{\"ts\": 0, \"a\": 1}", 2, "Unix seconds");
	expect_bad("{}", 1, "no metric");
	expect_bad("{\"step\": 3}", 1, "no metric");
	expect_bad("{\"key\": 5, \"value\": 1}", 2, "must be a string");
	expect_bad("{\"key\": \"k\"}", 1, "needs \"value\"");
	expect_bad("{\"key\": \"k\", \"value\": 1, \"x\": 2}", 26, "unexpected member");
	expect_bad("{\"param\": {\"k\": null}}", 12, "non-empty string");
	expect_bad("{\"param\": 3}", 2, "must be an object");
	expect_bad("{\"\": 1}", 2, "empty key");
	/* A bad member spoils the whole line: nothing from it is taken. */
	assert_int_equal(parse("{\"good\": 1, \"bad\": \"x\"}", &g, &e), -1);
	assert_int_equal(g.n, 0);
	assert_int_equal(parse("{\"a\": 1", &g, &e), -1);
	assert_true(strstr(e.msg, "invalid JSON") != NULL);
	assert_int_equal(parse("{\"a\": 1} x", &g, &e), -1);
	assert_int_equal(parse("{\"s\": \"NaN, Infinity\", \"v\": NaNx}", &g, &e), -1);
}

struct lines {
	int n;
	char text[8][64];
	int too_long[8];
	long long lineno[8];
};

static void on_line(const char *line, size_t len, long long lineno, int too_long, void *ud)
{
	struct lines *l = ud;
	assert_true(l->n < 8);
	snprintf(l->text[l->n], 64, "%s", line);
	assert_int_equal(strlen(line), len);
	l->too_long[l->n] = too_long;
	l->lineno[l->n++] = lineno;
}

static void test_linebuf(void **state)
{
	struct sg_linebuf lb;
	struct lines l = { 0 };
	sg_linebuf_init(&lb);
	const char *in = "a 1\r\nb 2\n\nc";
	for (const char *p = in; *p; p++)   /* a byte at a time */
		sg_linebuf_feed(&lb, p, 1, on_line, &l);
	assert_int_equal(l.n, 3);
	sg_linebuf_finish(&lb, on_line, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.text[0], "a 1");
	assert_string_equal(l.text[1], "b 2");
	assert_string_equal(l.text[2], "");
	assert_string_equal(l.text[3], "c");
	assert_int_equal(l.lineno[3], 4);
	/* An overlong line is cut, flagged, and the next one is fine. */
	size_t big = SG_MLINE_MAX + 100;
	char *buf = malloc(big + 8);
	memset(buf, 'x', big);
	memcpy(buf + big, "\nok 1\n", 6);
	l.n = 0;
	sg_linebuf_feed(&lb, buf, big + 6, on_line, &l);
	assert_int_equal(l.n, 2);
	assert_true(l.too_long[0]);
	assert_false(l.too_long[1]);
	assert_string_equal(l.text[1], "ok 1");
	free(buf);
	sg_linebuf_done(&lb);
}

struct hits {
	int n;
	char names[4][32];
	double values[4];
};

static void on_hit(const char *name, double value, void *ud)
{
	struct hits *h = ud;
	snprintf(h->names[h->n], 32, "%s", name);
	h->values[h->n++] = value;
}

static void test_metricdefs(void **state)
{
	struct sg_error err = { 0 };
	struct sg_metricdefs *d = sg_metricdefs_new();
	assert_int_equal(sg_metricdefs_add(d, "loss=loss=([-+0-9.eE]+|nan)", &err), 0);
	assert_int_equal(sg_metricdefs_add(d, "acc=acc: *([0-9.]+)", &err), 0);
	assert_int_equal(sg_metricdefs_add(d, "epoch=^Epoch ([0-9]+)/", &err), 0);
	assert_int_equal(sg_metricdefs_add(d, "either=(train|val)_f1 ([0-9.]+)", &err), 0);
	assert_int_equal(sg_metricdefs_count(d), 4);
	assert_string_equal(sg_metricdefs_name(d, 1), "acc");
	struct hits h = { 0 };
	long long bad = 0;
	const char *line = "step 3 loss=0.25 acc: 0.9 more";
	assert_int_equal(sg_metricdefs_apply(d, line, strlen(line), on_hit, &h, &bad), 2);
	assert_string_equal(h.names[0], "loss");
	assert_true(h.values[0] == 0.25);
	assert_string_equal(h.names[1], "acc");
	assert_true(h.values[1] == 0.9);
	h.n = 0;
	line = "Epoch 7/10 loss=nan";
	assert_int_equal(sg_metricdefs_apply(d, line, strlen(line), on_hit, &h, &bad), 2);
	assert_string_equal(h.names[0], "loss");
	assert_true(isnan(h.values[0]));
	assert_true(h.values[1] == 7);
	h.n = 0;
	line = "acc: ... (not a number)";   /* matches "acc: *" then [0-9.]+ on "..." */
	assert_int_equal(sg_metricdefs_apply(d, line, strlen(line), on_hit, &h, &bad), 0);
	assert_int_equal(bad, 1);
	/* An alternation: group 1 is the first group, "train", not a number. */
	line = "train_f1 0.5";
	assert_int_equal(sg_metricdefs_apply(d, line, strlen(line), on_hit, &h, &bad), 0);
	assert_int_equal(bad, 2);
	line = "nothing here";
	assert_int_equal(sg_metricdefs_apply(d, line, strlen(line), on_hit, &h, &bad), 0);
	assert_int_equal(sg_metricdefs_add(d, "x=(", &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_non_null(strstr(err.msg, "invalid regex"));
	assert_int_equal(sg_metricdefs_add(d, "x=loss [0-9]+", &err), -1);
	assert_non_null(strstr(err.msg, "no (group)"));
	assert_int_equal(sg_metricdefs_add(d, "=(x)", &err), -1);
	assert_int_equal(sg_metricdefs_add(d, "no regex", &err), -1);
	assert_non_null(strstr(err.msg, "NAME=REGEX"));
	assert_int_equal(sg_metricdefs_add(d, "a b=(x)", &err), -1);
	/* What would make regcomp build something enormous is refused. */
	assert_int_equal(sg_metricdefs_add(d, "x=a++++++++++++++++++++++++([0-9])", &err), -1);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(sg_metricdefs_add(d, "x=((a{100}){100})([0-9])", &err), -1);
	/* {,m} is {0,m} to glibc, and just as costly. */
	assert_int_equal(sg_metricdefs_add(d, "x=(t{,29015})", &err), -1);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(sg_metricdefs_add(d, "x=(a{1,50})([0-9]{1,3})", &err), 0);
	assert_int_equal(sg_metricdefs_count(d), 5);
	sg_metricdefs_free(d);
}

/* The literal pre-filter must never hide a match: quantified last
 * characters and optional prefixes still match. */
static void test_metricdef_literal_filter(void **state)
{
	struct sg_metricdefs *d = sg_metricdefs_new();
	assert_int_equal(sg_metricdefs_add(d, "a=lossx?=([0-9]+)", NULL), 0);
	assert_int_equal(sg_metricdefs_add(d, "b=ab*c([0-9]+)", NULL), 0);
	assert_int_equal(sg_metricdefs_add(d, "c=x{0,1}y([0-9]+)", NULL), 0);
	struct hits h = { 0 };
	const char *lines[] = { "loss=1", "ac2", "y3" };
	for (int i = 0; i < 3; i++)
		assert_int_equal(sg_metricdefs_apply(d, lines[i], strlen(lines[i]), on_hit, &h,
						     NULL), 1);
	assert_string_equal(h.names[0], "a");
	assert_string_equal(h.names[1], "b");
	assert_string_equal(h.names[2], "c");
	sg_metricdefs_free(d);
}

/* Feeds every file of tests/corpus/metricline to the fuzz target. */
static void test_corpus(void **state)
{
	assert_true(tu_replay_corpus("metricline", sg_fuzz_metricline) >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_form),
		cmocka_unit_test(test_specials_kept),
		cmocka_unit_test(test_text_errors_have_columns),
		cmocka_unit_test(test_params_and_tags),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_linebuf),
		cmocka_unit_test(test_metricdefs),
		cmocka_unit_test(test_metricdef_literal_filter),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
