/* test_expr.c — the filter expression language: every operator, precedence,
 * numeric against string comparison, regexes, nulls, quoting, error
 * positions, and a replay of tests/corpus/expr through the fuzz target. */
#include "tests/testutil.h"
#include "core/expr.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_expr.h"

#define NC 6
static const char *const names[NC] = { "age", "city", "first name", "score", "when", "ok" };

/* Evaluates text on one row given as NC strings (NULL ends a short row). */
static int ev(const char *text, const char *const *row)
{
	struct sg_expr *e;
	struct sg_error err = { 0 };
	if (sg_expr_compile_names(text, strlen(text), names, NC, &e, &err) != 0)
		fail_msg("%s: %s", text, err.msg);
	struct sg_csv_field f[NC];
	int n = 0;
	while (n < NC && row[n])
		n++;
	for (int i = 0; i < NC; i++) {
		f[i].p = i < n ? row[i] : "";
		f[i].len = strlen(f[i].p);
	}
	struct sg_csv_cursor cur = { .nfields = n, .ncols = NC, .field = f };
	int v = sg_expr_eval(e, &cur);
	sg_expr_free(e);
	return v;
}

/* The error message of a failing compile. */
static const char *err_of(const char *text)
{
	static struct sg_error err;
	struct sg_expr *e = NULL;
	memset(&err, 0, sizeof err);
	assert_int_equal(sg_expr_compile_names(text, strlen(text), names, NC, &e, &err), -1);
	assert_null(e);
	assert_int_equal(err.code, SG_E_PARSE);
	return err.msg;
}

static const char *const kim[] = { "31", "Seoul", "Kim Min", "9.50", "2024-01-31", "true", NULL };
static const char *const ann[] = { "", "New York, NY", "Ann", "NA", "2023-12-01T08:00:00Z", "no",
				   NULL };
static const char *const bob[] = { "7", "seoul", "Bob", "abc", "", "False", NULL };

static void test_comparisons(void **state)
{
	(void)state;
	assert_true(ev("age == 31", kim));
	assert_true(ev("age = 31.0", kim));
	assert_false(ev("age != 31", kim));
	assert_true(ev("age < 32", kim));
	assert_true(ev("age <= 31", kim));
	assert_false(ev("age > 31", kim));
	assert_true(ev("age >= 31", kim));
	assert_true(ev("age > -1e3", kim));
	/* numeric, not bytewise: "7" > "31" as bytes, 7 < 31 as numbers */
	assert_true(ev("age < 31", bob));
	assert_true(ev("age < \"31\"", bob));
	assert_true(ev("score == 9.5", kim));
	/* a string on one side: bytes */
	assert_true(ev("score > 9", bob));   /* "abc" > "9" as bytes */
	assert_false(ev("score < 9", bob));
	assert_true(ev("city == \"Seoul\"", kim));
	assert_false(ev("city == \"Seoul\"", bob));
	assert_true(ev("city < \"Seoul\"", ann));
	assert_true(ev("city > \"Seoul\"", bob));  /* 's' > 'S' */
	/* dates and datetimes as times; booleans as booleans */
	assert_true(ev("when > 2024-01-01", kim));
	assert_true(ev("when < \"2024-01-01\"", ann));
	assert_true(ev("when >= 2023-12-01T08:00:00Z", ann));
	assert_true(ev("ok == true", kim));
	assert_true(ev("ok == false", ann));
	assert_true(ev("ok == FALSE", bob));
	assert_false(ev("ok == true", bob));
}

static void test_missing(void **state)
{
	(void)state;
	assert_true(ev("age is null", ann));
	assert_false(ev("age is null", kim));
	assert_true(ev("score is null", ann));  /* NA */
	assert_true(ev("age is not null", kim));
	/* a missing value fails ordering comparisons and == but passes != */
	assert_false(ev("age < 30", ann));
	assert_false(ev("age > 30", ann));
	assert_false(ev("age == 0", ann));
	assert_true(ev("age != 30", ann));
	assert_true(ev("age == \"\"", ann));
	assert_true(ev("score == \"NA\"", ann));
	/* short rows read as empty */
	static const char *const shortrow[] = { "1", NULL };
	assert_true(ev("city is null and `first name` is null", shortrow));
}

static void test_regex(void **state)
{
	(void)state;
	assert_true(ev("city ~ \"^Se\"", kim));
	assert_false(ev("city ~ \"^Se\"", bob));
	assert_true(ev("city !~ \"^Se\"", bob));
	assert_true(ev("city ~ \"York, N.$\"", ann));
	assert_true(ev("city ~ \"[[:upper:]]{2}$\"", ann));
	assert_true(ev("`first name` ~ \"Kim\\ Min\"", kim));
	assert_true(ev("score ~ \"9\\.5\"", kim));   /* unknown escapes kept for regexes */
	assert_true(ev("age ~ \"^$\"", ann));
	assert_true(ev("city ~ \"(Seoul|Busan)\" and age > 30", kim));
}

static void test_logic_and_precedence(void **state)
{
	(void)state;
	/* a or b and c == a or (b and c) */
	assert_true(ev("age == 31 or age == 0 and city == \"x\"", kim));
	assert_false(ev("(age == 31 or age == 0) and city == \"x\"", kim));
	assert_true(ev("not age == 7", kim));
	assert_false(ev("not not age == 7", kim));
	assert_true(ev("not (age == 7 or city == \"x\")", kim));
	assert_true(ev("not age == 7 and city == \"Seoul\"", kim));  /* not binds tighter */
	assert_true(ev("age > 3 && !(city == \"x\") || ok = true", kim));
}

static void test_quoting(void **state)
{
	(void)state;
	assert_true(ev("`first name` == \"Ann\"", ann));
	assert_true(ev("`age` == 31", kim));
	assert_true(ev("city == 'Seoul'", kim));
	assert_true(ev("city == \"New York, NY\"", ann));
	static const char *const q[] = { "1", "a\"b\\c\n", NULL };
	assert_true(ev("city == \"a\\\"b\\\\c\\n\"", q));
	const char *bq[] = { "x" };
	const char *const nm[] = { "we`ird" };
	struct sg_expr *e;
	struct sg_error err;
	assert_int_equal(sg_expr_compile_names("`we``ird` == \"x\"", 16, nm, 1, &e, &err), 0);
	struct sg_csv_field f = { bq[0], 1 };
	struct sg_csv_cursor cur = { .nfields = 1, .ncols = 1, .field = &f };
	assert_int_equal(sg_expr_eval(e, &cur), 1);
	assert_int_equal(sg_expr_max_column(e), 0);
	sg_expr_free(e);
}

static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(err_of("age > 3 and agee < 4"),
			    "where:1:13: unknown column 'agee' (columns: age, city, first name, "
			    "score, when, ok)");
	assert_string_equal(err_of("age > 3 and ag >"), "where:1:13: unknown column 'ag' (columns: "
			    "age, city, first name, score, when, ok)");
	assert_string_equal(err_of("city == \"x\" and age >"),
			    "where:1:22: expected a value after '>', found the end");
	assert_string_equal(err_of("age > \"abc"), "where:1:7: unterminated string (no closing \")");
	assert_string_equal(err_of("`first name == 1"),
			    "where:1:1: unterminated column name (no closing `)");
	assert_true(strncmp(err_of("city ~ \"a(b\""), "where:1:8: bad regex: ", 22) == 0);
	assert_string_equal(err_of(""), "where:1:1: empty expression");
	assert_string_equal(err_of("(age > 1"),
			    "where:1:9: expected ')' to close the '(' at 1:1, found the end");
	assert_string_equal(err_of("age > 1)"), "where:1:8: expected 'and', 'or' or the end, found ')'");
	assert_string_equal(err_of("age is nul"), "where:1:8: expected 'null' after 'is', found 'nul'");
	assert_string_equal(err_of("age == null"),
			    "where:1:8: compare with null using 'is null' or 'is not null'");
	assert_string_equal(err_of("city == Seoul"),
			    "where:1:9: expected a value after '==', found 'Seoul' (quote text: \"Seoul\")");
	assert_string_equal(err_of("age > 5-3"), "where:1:7: bad number '5-3' (quote text values)");
	assert_string_equal(err_of("age # 3"), "where:1:5: unexpected character '#'");
	assert_string_equal(err_of("age\n  and"),
			    "where:2:3: expected an operator (== != < <= > >= ~ !~ is) after 'age', found 'and'");
	/* columns count characters, not bytes */
	assert_string_equal(err_of("city == \"서울\" and agee > 1"),
			    "where:1:18: unknown column 'agee' (columns: age, city, first name, score, "
			    "when, ok)");
	/* nesting is limited, never a stack overflow */
	char *deep = sg_xmalloc(30000);
	memset(deep, '(', 10000);
	strcpy(deep + 10000, "age > 1");
	assert_string_equal(err_of(deep), "where:1:201: expression nested too deeply (limit 200)");
	free(deep);
	/* a NUL byte inside the text */
	struct sg_expr *e;
	struct sg_error err;
	assert_int_equal(sg_expr_compile_names("age\0 > 1", 8, names, NC, &e, &err), -1);
	assert_string_equal(err.msg, "where:1:4: unexpected NUL byte");
}

/* Tokens at the edges: cut off at the end, huge numbers, UTF-8 names. */
static void test_token_edges(void **state)
{
	(void)state;
	/* strings cut off, also right after a backslash */
	assert_string_equal(err_of("city == 'Seo"), "where:1:9: unterminated string (no closing ')");
	assert_string_equal(err_of("city == \"a\\"), "where:1:9: unterminated string (no closing \")");
	assert_string_equal(err_of("`"), "where:1:1: unterminated column name (no closing `)");
	assert_string_equal(err_of("`a``"), "where:1:1: unterminated column name (no closing `)");
	/* operators as the last token */
	assert_string_equal(err_of("age > 1 and"), "where:1:12: expected a column name, found the end");
	assert_string_equal(err_of("age > 1 ||"), "where:1:11: expected a column name, found the end");
	assert_string_equal(err_of("age > 1 and !"), "where:1:14: expected a column name, found the end");
	assert_string_equal(err_of("age ~"), "where:1:6: expected a quoted regex after '~', found the end");
	assert_string_equal(err_of("age ="), "where:1:6: expected a value after '==', found the end");
	assert_string_equal(err_of("age > -"), "where:1:7: unexpected character '-'");
	/* huge numbers are numbers (compared as doubles), never an overflow */
	assert_true(ev("age < 123456789012345678901234567890", kim));
	assert_true(ev("age < 1e999999", kim));
	assert_true(ev("age > -1e999999", kim));
	assert_true(ev("age > .5 and age < +31.5", kim));
	/* a name runs on through UTF-8 bytes; positions count characters */
	assert_string_equal(err_of("città == 1"), "where:1:1: unknown column 'città' (columns: age, "
			    "city, first name, score, when, ok)");
	assert_string_equal(err_of("city == 'é' and é"), "where:1:17: unknown column 'é' (columns: "
			    "age, city, first name, score, when, ok)");
	const char *const un[] = { "città", "naïve.x" };
	static const char *const row[] = { "Roma", "1" };
	struct sg_csv_field f[2] = { { row[0], 4 }, { row[1], 1 } };
	struct sg_csv_cursor cur = { .nfields = 2, .ncols = 2, .field = f };
	struct sg_expr *e;
	struct sg_error err = { 0 };
	assert_int_equal(sg_expr_compile_names("città == 'Roma' AND naïve.x >= 1", 34, un, 2, &e, &err), 0);
	assert_int_equal(sg_expr_eval(e, &cur), 1);
	sg_expr_free(e);
}

/* Feeds every file of tests/corpus/expr to the fuzz target. */
static void test_corpus(void **state)
{
	(void)state;
	assert_true(tu_replay_corpus("expr", sg_fuzz_expr) >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_logic_and_precedence),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_token_edges),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
