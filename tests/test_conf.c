/* test_conf.c — the shared line tokenizer. */
#include "tests/testutil.h"
#include "core/conf.h"

/* Every line the tokenizer hands over, flattened as "line:col=word|...". */
struct collect {
	char out[8192];
	int lines;
	int fail_on_line;   /* when set, the callback fails there on word 1 */
};

static int collect_fn(const struct sg_conf_line *l, void *ud, struct sg_error *err)
{
	struct collect *c = ud;
	size_t used = strlen(c->out);
	if (c->fail_on_line == l->line)
		return sg_conf_error(err, l, l->argc > 1 ? 1 : l->argc, "no thanks");
	c->lines++;
	used += (size_t)snprintf(c->out + used, sizeof c->out - used, "%d:", l->line);
	for (int i = 0; i < l->argc; i++)
		used += (size_t)snprintf(c->out + used, sizeof c->out - used, "%s%d=%s", i ? "|" : "",
					 l->col[i], l->argv[i]);
	snprintf(c->out + used, sizeof c->out - used, "\n");
	return 0;
}

/* Parses text (length from strlen unless len given) and returns the status. */
static int run(struct collect *c, const char *text, size_t len, struct sg_error *err)
{
	memset(c, 0, sizeof *c);
	sg_error_clear(err);
	return sg_conf_parse("t.conf", text, len, collect_fn, c, err);
}

static void expect_ok(const char *text, const char *want)
{
	struct collect c;
	struct sg_error err;
	int rc = run(&c, text, strlen(text), &err);
	if (rc != 0)
		fail_msg("unexpected error: %s", err.msg);
	assert_string_equal(c.out, want);
}

static void expect_error(const char *text, size_t len, const char *want)
{
	struct collect c;
	struct sg_error err;
	assert_int_equal(run(&c, text, len, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_string_equal(err.msg, want);
}

static void test_words_and_columns(void **state)
{
	expect_ok("color status  white\tblue bold\n",
		  "1:1=color|7=status|15=white|21=blue|26=bold\n");
	expect_ok("  bind global <F1> pane-data\n", "1:3=bind|8=global|15=<F1>|20=pane-data\n");
}

static void test_blank_and_comment_lines(void **state)
{
	expect_ok("", "");
	expect_ok("\n\n   \n\t\n", "");
	expect_ok("# only a comment\n   # indented comment\n", "");
	expect_ok("a b # trailing comment\n\n# x\nc\n", "1:1=a|3=b\n4:1=c\n");
	expect_ok("a#b c#\n", "1:1=a#b|5=c#\n");
}

static void test_quotes_and_escapes(void **state)
{
	expect_ok("set theme \"my theme\"\n", "1:1=set|5=theme|11=my theme\n");
	expect_ok("x \"a \\\"q\\\" \\\\ b\"\n", "1:1=x|3=a \"q\" \\ b\n");
	expect_ok("x \"\" y\n", "1:1=x|3=|6=y\n");
	expect_ok("x ab\"c d\"e\n", "1:1=x|3=abc de\n");
	expect_ok("x \"# not a comment\"\n", "1:1=x|3=# not a comment\n");
	/* Outside quotes a backslash is just a character. */
	expect_ok("bind global \\ quit\n", "1:1=bind|6=global|13=\\|15=quit\n");
	expect_ok("x trailing\\\n", "1:1=x|3=trailing\\\n");
}

static void test_hex_colors_are_words(void **state)
{
	expect_ok("color normal #ff8700 #000000 # comment\n",
		  "1:1=color|7=normal|14=#ff8700|22=#000000\n");
	/* Not six hex digits, or the first word: a comment. */
	expect_ok("color normal #ff870\n", "1:1=color|7=normal\n");
	expect_ok("color normal #ff87000\n", "1:1=color|7=normal\n");
	expect_ok("#abcdef x\n", "");
}

static void test_line_ends(void **state)
{
	expect_ok("a\r\nb c\r\n", "1:1=a\n2:1=b|3=c\n");
	expect_ok("a\nlast", "1:1=a\n2:1=last\n");
	expect_ok("a\nlast\r", "1:1=a\n2:1=last\n");
	/* A BOM is skipped and does not count in columns. */
	expect_ok("\xEF\xBB\xBF" "a b\nc\n", "1:1=a|3=b\n2:1=c\n");
	/* UTF-8 words pass through; columns count bytes. */
	expect_ok("bind global \xC3\xA9 x\n", "1:1=bind|6=global|13=\xC3\xA9|16=x\n");
}

static void test_buffer_not_terminated(void **state)
{
	const char text[] = "a b\nc dXXXX";
	struct collect c;
	struct sg_error err;
	assert_int_equal(run(&c, text, 7, &err), 0);
	assert_string_equal(c.out, "1:1=a|3=b\n2:1=c|3=d\n");
}

static void test_bad_bytes(void **state)
{
	expect_error("ok\nab\0cd\n", 9, "t.conf:2:3: NUL byte");
	expect_error("a \x01 b\n", 6, "t.conf:1:3: control character 0x01");
	expect_error("a\rb\n", 4, "t.conf:1:2: control character 0x0d");
	expect_error("x \xff\n", 4, "t.conf:1:3: invalid UTF-8");
	expect_error("x \xC0\xAF\n", 5, "t.conf:1:3: invalid UTF-8");       /* overlong */
	expect_error("x \xED\xA0\x80\n", 6, "t.conf:1:3: invalid UTF-8");   /* surrogate */
	expect_error("x \xC3", 3, "t.conf:1:3: invalid UTF-8");             /* truncated */
	/* A BOM later in the file is a character, not skipped. */
	expect_ok("a\n\xEF\xBB\xBF" "b\n", "1:1=a\n2:1=\xEF\xBB\xBF" "b\n");
}

static void test_quote_errors(void **state)
{
	expect_error("ok\nset theme \"light\n", 20, "t.conf:2:11: unterminated quote");
	expect_error("x \"abc\\\"\n", 9, "t.conf:1:3: unterminated quote");
	expect_error("x \"ab\\n\"\n", 9, "t.conf:1:6: unknown escape '\\n' (only \\\" and \\\\)");
	expect_error("x \"a\\", 5, "t.conf:1:3: unterminated quote");
}

static void test_long_lines(void **state)
{
	char *text = malloc(5000 + 8);
	memset(text, 'a', 4096);
	memcpy(text + 4096, "\nb\n", 4);
	struct collect c;
	struct sg_error err;
	assert_int_equal(run(&c, text, strlen(text), &err), 0);
	assert_int_equal(c.lines, 2);
	/* 4096 bytes plus CRLF is still fine. */
	memcpy(text + 4096, "\r\n", 3);
	assert_int_equal(run(&c, text, strlen(text), &err), 0);
	memset(text, 'a', 5000);
	text[5000] = '\0';
	expect_error(text, 5000, "t.conf:1:4097: line is too long (more than 4096 bytes)");
	free(text);
}

static void test_word_limit(void **state)
{
	char text[256] = "w";
	for (int i = 1; i < SG_CONF_MAXARGS; i++)
		strcat(text, " w");
	struct collect c;
	struct sg_error err;
	assert_int_equal(run(&c, text, strlen(text), &err), 0);
	strcat(text, " extra");
	expect_error(text, strlen(text), "t.conf:1:33: too many words (at most 16)");
	/* A comment after 16 words is not a 17th word. */
	char ok[300];
	snprintf(ok, sizeof ok, "%.*s # and more words here", 31, text);
	assert_int_equal(run(&c, ok, strlen(ok), &err), 0);
}

static void test_callback_errors(void **state)
{
	struct collect c;
	struct sg_error err;
	memset(&c, 0, sizeof c);
	c.fail_on_line = 3;
	const char *text = "a 1\nb 2\nc   three\nd 4\n";
	assert_int_equal(sg_conf_parse("x.theme", text, strlen(text), collect_fn, &c, &err), -1);
	assert_string_equal(err.msg, "x.theme:3:5: no thanks");
	assert_int_equal(c.lines, 2);   /* stopped at the error */
	/* Pointing past the last word: just after it, quotes included. */
	memset(&c, 0, sizeof c);
	c.fail_on_line = 1;
	text = "only\n";
	assert_int_equal(sg_conf_parse("x", text, strlen(text), collect_fn, &c, &err), -1);
	assert_string_equal(err.msg, "x:1:5: no thanks");
}

static int past_end_fn(const struct sg_conf_line *l, void *ud, struct sg_error *err)
{
	return sg_conf_error(err, l, l->argc, "missing");
}

static void test_error_past_end(void **state)
{
	struct sg_error err;
	const char *text = "set \"a b\"   # comment\n";
	assert_int_equal(sg_conf_parse("f", text, strlen(text), past_end_fn, NULL, &err), -1);
	assert_string_equal(err.msg, "f:1:10: missing");
	char full[128] = "w";
	for (int i = 1; i < SG_CONF_MAXARGS; i++)
		strcat(full, " w");
	assert_int_equal(sg_conf_parse("f", full, strlen(full), past_end_fn, NULL, &err), -1);
	assert_string_equal(err.msg, "f:1:32: missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_and_columns),
		cmocka_unit_test(test_blank_and_comment_lines),
		cmocka_unit_test(test_quotes_and_escapes),
		cmocka_unit_test(test_hex_colors_are_words),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_buffer_not_terminated),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_quote_errors),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_word_limit),
		cmocka_unit_test(test_callback_errors),
		cmocka_unit_test(test_error_past_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
