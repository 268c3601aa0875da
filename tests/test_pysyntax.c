/* test_pysyntax.c — Python colors: keywords and soft keywords, builtins,
 * def/class names, every kind of string and prefix, f-string fields,
 * escapes, strings across lines, comments, numbers, decorators,
 * operators, IPython magics, a full span array, and a replay of
 * tests/corpus/pysyntax through the fuzz target. */
#include "tests/testutil.h"
#include "core/pysyntax.h"
#include "tests/fuzz/fuzz_pysyntax.h"

/* The class of byte at of line (highlighted from state st). */
static enum sg_py_class cls_at(const char *line, int st, size_t at)
{
	struct sg_py_span sp[128];
	size_t n;

	sg_py_highlight(line, strlen(line), st, sp, 128, &n);
	for (size_t i = 0; i < n; i++)
		if (at >= sp[i].start && at < sp[i].end)
			return sp[i].cls;
	return SG_PY_TEXT;
}

/* The class of every byte of the first occurrence of word in line. */
static enum sg_py_class word_cls(const char *line, const char *word)
{
	const char *p = strstr(line, word);
	size_t at;
	enum sg_py_class c;

	if (!p)
		fail_msg("'%s' not in '%s'", word, line);
	at = (size_t)(p - line);
	c = cls_at(line, 0, at);
	for (size_t i = 1; i < strlen(word); i++)
		if (cls_at(line, 0, at + i) != c)
			fail_msg("'%s' in '%s' is not one class", word, line);
	return c;
}

static int state_after(const char *line, int st)
{
	struct sg_py_span sp[64];
	size_t n;
	return sg_py_highlight(line, strlen(line), st, sp, 64, &n);
}

static void test_keywords_and_names(void **state)
{
	const char *l = "def train(model, data): return len(data) if model else None";
	assert_int_equal(word_cls(l, "def"), SG_PY_KEYWORD);
	assert_int_equal(word_cls(l, "train"), SG_PY_FUNCTION);
	assert_int_equal(word_cls(l, "model"), SG_PY_TEXT);
	assert_int_equal(word_cls(l, "return"), SG_PY_KEYWORD);
	assert_int_equal(word_cls(l, "len"), SG_PY_BUILTIN);
	assert_int_equal(word_cls(l, "None"), SG_PY_KEYWORD);
	assert_int_equal(word_cls("class Net(nn.Module):", "Net"), SG_PY_FUNCTION);
	assert_int_equal(word_cls("async def fetch():", "fetch"), SG_PY_FUNCTION);
	/* a method named like a builtin is not the builtin; words inside names
	 * are not keywords */
	assert_int_equal(word_cls("df.print(x)", "print"), SG_PY_TEXT);
	assert_int_equal(word_cls("ifx = notable", "ifx"), SG_PY_TEXT);
	assert_int_equal(word_cls("ifx = notable", "notable"), SG_PY_TEXT);
	assert_true(sg_py_is_keyword("lambda", 6));
	assert_false(sg_py_is_keyword("lambd", 5));
	assert_true(sg_py_is_builtin("isinstance", 10));
	assert_false(sg_py_is_builtin("foo", 3));
}

static void test_soft_keywords(void **state)
{
	assert_int_equal(word_cls("match command.split():", "match"), SG_PY_KEYWORD);
	assert_int_equal(word_cls("    case [x, y]:", "case"), SG_PY_KEYWORD);
	assert_int_equal(word_cls("type Vec = list[float]", "type"), SG_PY_KEYWORD);
	assert_int_equal(word_cls("match = re.match(p, s)", "match"), SG_PY_TEXT);
	assert_int_equal(word_cls("match.group(1)", "match"), SG_PY_TEXT);
	assert_int_equal(word_cls("x = match", "match"), SG_PY_TEXT);
	assert_int_equal(word_cls("type(x)", "type"), SG_PY_BUILTIN);
}

static void test_strings(void **state)
{
	const char *l = "a = 'x' + \"y\" + rb'\\d' + f\"{v!r} {{no}}\" + B'z'";
	assert_int_equal(word_cls(l, "'x'"), SG_PY_STRING);
	assert_int_equal(word_cls(l, "\"y\""), SG_PY_STRING);
	assert_int_equal(word_cls(l, "rb'\\d'"), SG_PY_STRING);  /* raw: no escape */
	assert_int_equal(word_cls(l, "{v!r}"), SG_PY_ESCAPE);
	assert_int_equal(word_cls(l, "{{no}}"), SG_PY_STRING);
	assert_int_equal(word_cls(l, "B'z'"), SG_PY_STRING);
	assert_int_equal(word_cls(l, "+"), SG_PY_OPERATOR);
	/* escapes in plain strings; the quote after \" does not end it */
	l = "s = \"a\\n\\\"b\" # c";
	assert_int_equal(word_cls(l, "\\n"), SG_PY_ESCAPE);
	assert_int_equal(word_cls(l, "b\""), SG_PY_STRING);
	assert_int_equal(word_cls(l, "# c"), SG_PY_COMMENT);
	/* '#' in a string is not a comment; a non-prefix word before a quote
	 * is a name */
	assert_int_equal(word_cls("x = '# no'", "# no"), SG_PY_STRING);
	assert_int_equal(word_cls("xy'a'", "xy"), SG_PY_TEXT);
	/* an unterminated one-line string ends with the line */
	assert_int_equal(state_after("x = 'open", 0), SG_PY_STATE_START);
	assert_int_equal(cls_at("x = 'open", 0, 8), SG_PY_STRING);
}

static void test_strings_across_lines(void **state)
{
	int st = state_after("doc = \"\"\"Start", 0);
	assert_int_not_equal(st, SG_PY_STATE_START);
	/* inside: everything is string, ''' does not close """ */
	assert_int_equal(cls_at("def ''' x", st, 0), SG_PY_STRING);
	assert_int_equal(state_after("def ''' x", st), st);
	assert_int_equal(cls_at("end\"\"\" + 1", st, 0), SG_PY_STRING);
	assert_int_equal(cls_at("end\"\"\" + 1", st, 9), SG_PY_NUMBER);
	assert_int_equal(state_after("end\"\"\" + 1", st), SG_PY_STATE_START);
	/* raw triple strings keep their rawness on the next line */
	st = state_after("r'''\\", 0);
	assert_int_not_equal(st, SG_PY_STATE_START);
	assert_int_equal(cls_at("\\n'''", st, 0), SG_PY_STRING);
	assert_int_equal(state_after("\\n'''", st), SG_PY_STATE_START);
	/* a backslash at the end continues a one-line string */
	st = state_after("s = 'abc\\", 0);
	assert_int_not_equal(st, SG_PY_STATE_START);
	assert_int_equal(cls_at("def'", st, 0), SG_PY_STRING);
	assert_int_equal(state_after("def'", st), SG_PY_STATE_START);
	/* f-string fields in a triple f-string */
	st = state_after("f\"\"\"", 0);
	assert_int_equal(cls_at("{x}\"\"\"", st, 1), SG_PY_ESCAPE);
	/* a bogus state is treated as the start */
	assert_int_equal(cls_at("def", 29, 0), SG_PY_KEYWORD);
}

static void test_numbers(void **state)
{
	const char *l = "n = 0x_FF + 0o17 + 0b1010 + 1_000.5e-3j + .5 + x1 + 5.";
	assert_int_equal(word_cls(l, "0x_FF"), SG_PY_NUMBER);
	assert_int_equal(word_cls(l, "0o17"), SG_PY_NUMBER);
	assert_int_equal(word_cls(l, "0b1010"), SG_PY_NUMBER);
	assert_int_equal(word_cls(l, "1_000.5e-3j"), SG_PY_NUMBER);
	assert_int_equal(word_cls(l, ".5"), SG_PY_NUMBER);
	assert_int_equal(word_cls(l, "x1"), SG_PY_TEXT);
	assert_int_equal(word_cls(l, "5."), SG_PY_NUMBER);
}

static void test_decorators_operators(void **state)
{
	assert_int_equal(word_cls("@functools.lru_cache(maxsize=2)", "@functools.lru_cache"),
			 SG_PY_DECORATOR);
	assert_int_equal(word_cls("    @property", "@property"), SG_PY_DECORATOR);
	assert_int_equal(word_cls("c = a @ b", "@"), SG_PY_OPERATOR);
	assert_int_equal(word_cls("x **= 2", "**="), SG_PY_OPERATOR);
	assert_int_equal(word_cls("f(a, b)", ","), SG_PY_TEXT);
}

static void test_magics(void **state)
{
	assert_int_equal(word_cls("%matplotlib inline", "%matplotlib"), SG_PY_MAGIC);
	assert_int_equal(word_cls("%matplotlib inline", "inline"), SG_PY_TEXT);
	assert_int_equal(word_cls("%%time", "%%time"), SG_PY_MAGIC);
	assert_int_equal(word_cls("%timeit sum(x)", "sum"), SG_PY_BUILTIN);
	assert_int_equal(word_cls("!pip install -q x", "!pip install -q x"), SG_PY_MAGIC);
	assert_int_equal(word_cls("  !ls", "!ls"), SG_PY_MAGIC);
	/* only at the start of a line */
	assert_int_equal(word_cls("a % b", "%"), SG_PY_OPERATOR);
	assert_int_equal(word_cls("a != b", "!="), SG_PY_OPERATOR);
}

static void test_span_room(void **state)
{
	const char *l = "a = 1 + 2 + 3 # c";
	struct sg_py_span sp[2];
	size_t n;

	sg_py_highlight(l, strlen(l), 0, sp, 2, &n);
	assert_int_equal(n, 2);
	assert_int_equal(sp[1].end, strlen(l));  /* the last takes the rest */
	sg_py_highlight(l, strlen(l), 0, sp, 0, &n);
	assert_int_equal(n, 0);
	/* a line shorter than its length NUL: bytes after a NUL still count */
	sg_py_highlight("x\0'a'", 5, 0, sp, 2, &n);
	assert_int_equal(n, 1);
	assert_int_equal(sp[0].cls, SG_PY_STRING);
	assert_int_equal(sp[0].start, 2);
}

static void test_roles(void **state)
{
	assert_int_equal(sg_py_role(SG_PY_TEXT), SG_ROLE_NORMAL);
	assert_int_equal(sg_py_role(SG_PY_KEYWORD), SG_ROLE_SYN_KEYWORD);
	assert_int_equal(sg_py_role(SG_PY_STRING), SG_ROLE_SYN_STRING);
	assert_int_equal(sg_py_role(SG_PY_COMMENT), SG_ROLE_SYN_COMMENT);
	assert_int_equal(sg_py_role(SG_PY_NUMBER), SG_ROLE_SYN_NUMBER);
	assert_int_equal(sg_py_role(SG_PY_FUNCTION), SG_ROLE_SYN_FUNCTION);
	assert_int_equal(sg_py_role(SG_PY_MAGIC), SG_ROLE_SYN_MAGIC);
	assert_string_equal(sg_role_name(SG_ROLE_SYN_KEYWORD), "syntax.keyword");
}

/* Feeds every file of tests/corpus/pysyntax to the fuzz target. */
static void test_corpus(void **state)
{
	assert_true(tu_replay_corpus("pysyntax", sg_fuzz_pysyntax) >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords_and_names),
		cmocka_unit_test(test_soft_keywords),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_strings_across_lines),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_decorators_operators),
		cmocka_unit_test(test_magics),
		cmocka_unit_test(test_span_room),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
