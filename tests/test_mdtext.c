/* test_mdtext.c — markdown laid out for the terminal: headings, inline
 * styles, links, wrapping by display width, lists with hanging indents,
 * quotes, fenced code with Python colors, tables (aligned or kept),
 * rules, odd input, and a replay of tests/corpus/markdown through the
 * fuzz target. */
#include <locale.h>
#include "tests/testutil.h"
#include "core/mdtext.h"
#include "tests/fuzz/fuzz_markdown.h"

static struct sg_md_doc doc;

static size_t render(const char *md, int w, int unicode)
{
	return sg_md_render(md, strlen(md), w, unicode, &doc);
}

/* Line i's text. */
static const char *L(size_t i)
{
	if (i >= doc.n)
		fail_msg("no line %zu (%zu lines)", i, doc.n);
	return doc.lines[i].text;
}

/* The role of the first byte of the first occurrence of what in line i. */
static enum sg_role role_of(size_t i, const char *what)
{
	const char *p = strstr(L(i), what);
	size_t at;

	if (!p)
		fail_msg("'%s' not in line %zu '%s'", what, i, L(i));
	at = (size_t)(p - L(i));
	for (size_t k = 0; k < doc.lines[i].nspans; k++)
		if (at >= doc.lines[i].spans[k].start && at < doc.lines[i].spans[k].end)
			return doc.lines[i].spans[k].role;
	return SG_ROLE_NORMAL;
}

static int setup(void **state)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	return 0;
}

static int teardown(void **state)
{
	sg_md_doc_free(&doc);
	return 0;
}

static void test_headings(void **state)
{
	render("# Results ##\n## Setup\n### Details\nSetext\n===\n", 40, 1);
	assert_string_equal(L(0), "Results");
	assert_int_equal(role_of(0, "Results"), SG_ROLE_MD_HEADING);
	assert_string_equal(L(1), "\u2550\u2550\u2550\u2550\u2550\u2550\u2550");
	assert_string_equal(L(2), "");
	assert_string_equal(L(3), "Setup");
	assert_string_equal(L(4), "\u2500\u2500\u2500\u2500\u2500");
	assert_string_equal(L(6), "Details");  /* level 3: no rule */
	assert_string_equal(L(8), "Setext");
	assert_string_equal(L(9), "\u2550\u2550\u2550\u2550\u2550\u2550");
}

static void test_headings_ascii(void **state)
{
	render("# A b\n\n## C\n", 40, 0);
	assert_string_equal(L(0), "A b");
	assert_string_equal(L(1), "===");
	assert_string_equal(L(3), "C");
	assert_string_equal(L(4), "-");
	render("####### seven\n#tag\n", 40, 0);
	assert_string_equal(L(0), "####### seven #tag");
}

static void test_inline_styles(void **state)
{
	render("Use *care*, **bold**, `x = 1`, ~~old~~ and snake_case_name; 2 * 3 * x *", 80, 1);
	assert_string_equal(L(0), "Use care, bold, x = 1, old and snake_case_name; 2 * 3 * x *");
	assert_int_equal(role_of(0, "care"), SG_ROLE_MD_EMPHASIS);
	assert_int_equal(role_of(0, "bold"), SG_ROLE_MD_STRONG);
	assert_int_equal(role_of(0, "x = 1"), SG_ROLE_MD_CODE);
	assert_int_equal(role_of(0, "old and"), SG_ROLE_DIM);
	assert_int_equal(role_of(0, "snake"), SG_ROLE_NORMAL);
	assert_int_equal(role_of(0, "Use"), SG_ROLE_NORMAL);
	/* escapes and code keep their markers literal */
	render("\\*not\\* `*raw*` ``a ` b``", 80, 1);
	assert_string_equal(L(0), "*not* *raw* a ` b");
	assert_int_equal(role_of(0, "*raw*"), SG_ROLE_MD_CODE);
}

static void test_links(void **state)
{
	render("See [the guide](https://x.org/g \"T\"), <https://auto.link/p>, "
	       "[https://same.org](https://same.org) and ![a chart](c.png).", 200, 1);
	assert_string_equal(L(0), "See the guide (https://x.org/g), https://auto.link/p, https://same.org "
			    "and [image: a chart] (c.png).");
	assert_int_equal(role_of(0, "the guide"), SG_ROLE_MD_LINK);
	assert_int_equal(role_of(0, "(https://x.org/g)"), SG_ROLE_DIM);
	render("<https://auto.link/p>", 80, 1);
	assert_string_equal(L(0), "https://auto.link/p");
	assert_int_equal(role_of(0, "https"), SG_ROLE_MD_LINK);
	render("[no url] [broken](x", 80, 1);
	assert_string_equal(L(0), "[no url] [broken](x");
	/* nesting and stray brackets: the ']' matching each '[' */
	render("[[a](u)", 80, 1);
	assert_string_equal(L(0), "[a (u)");
	render("[b [c] d](v)", 80, 1);
	assert_string_equal(L(0), "b [c] d (v)");
	assert_int_equal(role_of(0, "[c]"), SG_ROLE_MD_LINK);
	render("\\[e](w) [f]([g](h)", 80, 1);
	assert_string_equal(L(0), "[e](w) f ([g](h)");
	assert_int_equal(role_of(0, "[e]"), SG_ROLE_NORMAL);
}

/* Text that once made link detection quadratic ("[[[[…", "[a]([a](…"):
 * each renders literally, in one piece per wrapped line, well within the
 * suite's time limit. */
static void test_many_brackets(void **state)
{
	static const char *unit[] = { "[", "[a](", "]" };
	size_t n = 200000;
	char *md = malloc(n + 1);

	assert_non_null(md);
	for (size_t u = 0; u < sizeof unit / sizeof *unit; u++) {
		size_t ul = strlen(unit[u]), total = 0;
		for (size_t i = 0; i < n; i++)
			md[i] = unit[u][i % ul];
		md[n] = '\0';
		render(md, 100, 1);
		for (size_t i = 0; i < doc.n; i++)
			total += doc.lines[i].len;
		assert_int_equal(total, n);
	}
	free(md);
}

/* Quotes and lists nested past the drawing cap (">>>>…", "1. 1. 1. …")
 * once recursed once per marker: a stack overflow for a large cell.  The
 * first levels are drawn, the rest stays text, markers and all. */
static void test_deep_nesting(void **state)
{
	static const char *unit[] = { ">", "> ", "1. ", "* ", "- > " };
	size_t n = 200000;
	char *md = malloc(n + 3);

	(void)state;
	assert_non_null(md);
	for (size_t u = 0; u < sizeof unit / sizeof *unit; u++) {
		size_t ul = strlen(unit[u]), in = 0, out = 0, x = 0;
		for (size_t i = 0; i < n; i++)
			md[i] = unit[u][i % ul];
		memcpy(md + n, "x", 2);
		for (size_t i = 0; i < n; i++)
			in += md[i] == unit[u][0];
		render(md, 100, 0);
		for (size_t i = 0; i < doc.n; i++)
			for (size_t k = 0; k < doc.lines[i].len; k++) {
				out += doc.lines[i].text[k] == unit[u][0];
				x += doc.lines[i].text[k] == 'x';
			}
		assert_int_equal(x, 1);
		/* at most the drawn levels' markers became bars or bullets */
		assert_true(out <= in && out + 40 >= in);
	}
	free(md);
}

static void test_wrapping(void **state)
{
	render("The quick brown fox jumps over the lazy dog again and again.", 20, 1);
	assert_int_equal(doc.n, 3);
	assert_string_equal(L(0), "The quick brown fox");
	assert_string_equal(L(1), "jumps over the lazy");
	assert_string_equal(L(2), "dog again and again.");
	/* wide characters by their width; a long word is cut */
	render("\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u306f\u9577\u3044", 8, 1);
	assert_int_equal(doc.n, 3);
	assert_string_equal(L(0), "\u65e5\u672c\u8a9e\u306e");
	for (size_t i = 0; i < doc.n; i++)
		assert_true(sg_md_line_width(&doc.lines[i]) <= 8);
	render("abcdefghijklmnopqrstuvwxyz", 10, 1);
	assert_string_equal(L(0), "abcdefghij");
	assert_string_equal(L(2), "uvwxyz");
	/* lines joined with blanks; a hard break kept */
	render("one\ntwo  \nthree\\\nfour", 40, 1);
	assert_string_equal(L(0), "one two");
	assert_string_equal(L(1), "three");
	assert_string_equal(L(2), "four");
	/* widths under 8 count as 8 */
	render("aaaa bbbb cccc", 3, 1);
	assert_string_equal(L(0), "aaaa");
}

static void test_lists(void **state)
{
	render("- first item that wraps around here\n- second\n  - nested\n\n3. three\n4) four",
	       20, 1);
	assert_string_equal(L(0), "\u2022 first item that");
	assert_string_equal(L(1), "  wraps around here");  /* hanging indent */
	assert_int_equal(role_of(0, "\u2022"), SG_ROLE_MD_BULLET);
	assert_string_equal(L(2), "\u2022 second");
	assert_string_equal(L(3), "  \u2022 nested");
	assert_string_equal(L(4), "");
	assert_string_equal(L(5), "3. three");
	assert_string_equal(L(6), "4. four");
	render("* a\n+ b\n-c", 20, 0);
	assert_string_equal(L(0), "* a");
	assert_string_equal(L(1), "* b -c");  /* "-c" is a lazy continuation */
	/* a list item with a code block and a second paragraph */
	render("1. Run:\n\n   ```python\n   fit()\n   ```\n\n   Then wait.\n", 40, 1);
	assert_string_equal(L(0), "1. Run:");
	assert_string_equal(L(2), "     fit()");
	assert_string_equal(L(4), "   Then wait.");
}

static void test_quotes(void **state)
{
	render("> Note: **careful**\n> > inner\n\nafter", 40, 1);
	assert_string_equal(L(0), "\u2502 Note: careful");
	assert_int_equal(role_of(0, "Note"), SG_ROLE_MD_QUOTE);
	assert_int_equal(role_of(0, "careful"), SG_ROLE_MD_STRONG);
	assert_string_equal(L(1), "\u2502 \u2502 inner");
	assert_string_equal(L(3), "after");
	render("> q", 40, 0);
	assert_string_equal(L(0), "| q");
}

static void test_code_blocks(void **state)
{
	render("```python\ndef f(x):\n    return 'a'  # c\n```\n\n~~~\nplain *text*\n~~~\n", 40, 1);
	assert_string_equal(L(0), "  def f(x):");
	assert_int_equal(role_of(0, "def"), SG_ROLE_SYN_KEYWORD);
	assert_int_equal(role_of(0, "f("), SG_ROLE_SYN_FUNCTION);
	assert_string_equal(L(1), "      return 'a'  # c");
	assert_int_equal(role_of(1, "'a'"), SG_ROLE_SYN_STRING);
	assert_int_equal(role_of(1, "# c"), SG_ROLE_SYN_COMMENT);
	assert_string_equal(L(3), "  plain *text*");  /* no inline markup in code */
	assert_int_equal(role_of(3, "plain"), SG_ROLE_MD_CODE);
	/* an unclosed fence runs to the end; long lines wrap, not lost */
	render("```\nabcdefghijklmnopqrstuvwxyz", 12, 1);
	assert_string_equal(L(0), "  abcdefghij");
	assert_string_equal(L(1), "  klmnopqrst");
	assert_string_equal(L(2), "  uvwxyz");
}

static void test_indented_code(void **state)
{
	render("Run this:\n\n    make check\n\n    make fuzz\nafter", 40, 1);
	assert_string_equal(L(0), "Run this:");
	assert_string_equal(L(2), "  make check");
	assert_int_equal(role_of(2, "make"), SG_ROLE_MD_CODE);
	assert_string_equal(L(3), "  ");  /* the blank line inside is kept */
	assert_string_equal(L(4), "  make fuzz");
	assert_string_equal(L(6), "after");
	/* a paragraph's indented continuation is not code */
	render("one\n    two", 40, 1);
	assert_string_equal(L(0), "one two");
}

static void test_tables(void **state)
{
	const char *t = "| name | acc |\n|:-----|----:|\n| xgb | 0.97 |\n| linear | 0.9 |\n";
	render(t, 40, 1);
	assert_string_equal(L(0), "name   \u2502  acc");
	assert_int_equal(role_of(0, "name"), SG_ROLE_HEADER);
	assert_string_equal(L(1), "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u253c\u2500\u2500"
			    "\u2500\u2500\u2500");
	assert_string_equal(L(2), "xgb    \u2502 0.97");
	assert_string_equal(L(3), "linear \u2502  0.9");
	render(t, 40, 0);
	assert_string_equal(L(0), "name   |  acc");
	assert_string_equal(L(1), "-------+-----");
	/* too wide: the source lines, wrapped */
	render("| aaaaaaaa | bbbbbbbb |\n|---|---|\n| 1 | 2 |\n", 12, 1);
	assert_string_equal(L(0), "| aaaaaaaa |");
	/* no delimiter row: not a table */
	render("a | b\nc | d\n", 40, 1);
	assert_string_equal(L(0), "a | b c | d");
}

static void test_rules_and_blanks(void **state)
{
	render("\n\n  \npara\n\n\n---\n\n\n", 10, 1);
	assert_int_equal(doc.n, 3);
	assert_string_equal(L(0), "para");
	assert_string_equal(L(1), "");
	assert_int_equal(sg_md_line_width(&doc.lines[2]), 10);
	assert_int_equal(role_of(2, "\u2500"), SG_ROLE_BORDER);
	assert_int_equal(render("", 40, 1), 0);
	assert_int_equal(sg_md_render(NULL, 5, 40, 1, &doc), 0);
}

static void test_odd_bytes(void **state)
{
	static const char odd[] = "a\x1b[31mb\tc\0d\r\n\xff\xfe";
	sg_md_render(odd, sizeof odd - 1, 40, 1, &doc);
	assert_int_equal(doc.n, 1);
	assert_string_equal(L(0), "a?[31mb c d \xff\xfe");
}

/* Feeds every file of tests/corpus/markdown to the fuzz target. */
static void test_corpus(void **state)
{
	assert_true(tu_replay_corpus("markdown", sg_fuzz_markdown) >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headings_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_styles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_brackets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indented_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_and_blanks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corpus, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
