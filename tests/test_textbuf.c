/* test_textbuf.c — the cell text buffer: text in and out, UTF-8 and tab
 * columns, every motion, auto-indent rules, backspace to indent stops,
 * kills and the shared register, line operations, indent/dedent, and undo
 * grouping. */
#include <locale.h>
#include "tests/testutil.h"
#include "core/textbuf.h"

/* Types s as keys: each UTF-8 character, '\n' as Enter. */
static void typed(struct sg_textbuf *tb, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		unsigned cp = *u++;
		int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
		if (more)
			cp &= 0x3f >> more;
		while (more-- > 0)
			cp = (cp << 6) | (*u++ & 0x3f);
		sg_textbuf_type(tb, cp);
	}
}

static void text_is(const struct sg_textbuf *tb, const char *want)
{
	size_t n;
	char *t = sg_textbuf_text(tb, &n);
	if (strcmp(t, want) != 0)
		fail_msg("text is \"%s\", want \"%s\"", t, want);
	assert_int_equal(n, strlen(want));
	free(t);
}

static void at(const struct sg_textbuf *tb, size_t line, size_t col)
{
	struct sg_tb_pos p = sg_textbuf_cursor(tb);
	if (p.line != line || p.col != col)
		fail_msg("cursor at %zu:%zu, want %zu:%zu", p.line, p.col, line, col);
}

static void put(struct sg_textbuf *tb, size_t line, size_t col)
{
	sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ line, col });
}

static struct sg_textbuf *buf(const char *s)
{
	return sg_textbuf_new_text(s, strlen(s));
}

static int setup(void **state)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	sg_register_clear();
	return 0;
}

static void test_text_roundtrip(void **state)
{
	static const char weird[] = "a\0b\n\xff\xfe\n\n";
	struct sg_textbuf *tb = sg_textbuf_new_text(weird, sizeof weird - 1);
	size_t n, len;
	char *t = sg_textbuf_text(tb, &n);

	assert_int_equal(n, sizeof weird - 1);
	assert_memory_equal(t, weird, n);
	free(t);
	assert_int_equal(sg_textbuf_lines(tb), 4);
	assert_memory_equal(sg_textbuf_line(tb, 0, &len), "a\0b", 3);
	assert_int_equal(len, 3);
	sg_textbuf_line(tb, 3, &len);
	assert_int_equal(len, 0);
	assert_string_equal(sg_textbuf_line(tb, 99, &len), "");
	unsigned long v = sg_textbuf_version(tb);
	sg_textbuf_set_text(tb, "x", 1);
	assert_true(sg_textbuf_version(tb) > v);
	text_is(tb, "x");
	assert_false(sg_textbuf_undo(tb));  /* set_text clears the history */
	sg_textbuf_free(tb);
	sg_textbuf_free(NULL);
}

static void test_insert_paste(void **state)
{
	struct sg_textbuf *tb = buf("hello world");

	put(tb, 0, 5);
	sg_textbuf_insert(tb, ",\n  big\nnew", 11);
	text_is(tb, "hello,\n  big\nnew world");
	at(tb, 2, 3);
	/* a paste is one undo step and no auto-indent happened */
	assert_true(sg_textbuf_undo(tb));
	text_is(tb, "hello world");
	at(tb, 0, 5);
	assert_true(sg_textbuf_redo(tb));
	text_is(tb, "hello,\n  big\nnew world");
	sg_textbuf_free(tb);
}

static void test_utf8_motion_and_columns(void **state)
{
	struct sg_textbuf *tb = buf("h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac!\n\tx\nab\tc");

	put(tb, 0, 0);
	sg_textbuf_move(tb, SG_TB_RIGHT, 2);
	at(tb, 0, 3);  /* h, é (2 bytes) */
	sg_textbuf_move(tb, SG_TB_LEFT, 1);
	at(tb, 0, 1);
	/* wide characters take two columns */
	assert_int_equal(sg_textbuf_display_col(tb, 0, 7), 6);
	assert_int_equal(sg_textbuf_display_col(tb, 0, 10), 8);
	assert_int_equal(sg_textbuf_display_col(tb, 0, 13), 10);
	assert_int_equal(sg_textbuf_col_at(tb, 0, 9), 10);  /* inside 本: its start */
	/* tabs expand to the tab width */
	assert_int_equal(sg_textbuf_display_col(tb, 1, 1), 4);
	assert_int_equal(sg_textbuf_display_col(tb, 2, 3), 4);
	sg_textbuf_set_tabwidth(tb, 8);
	assert_int_equal(sg_textbuf_display_col(tb, 2, 3), 8);
	assert_int_equal(sg_textbuf_tabwidth(tb), 8);
	/* a cursor set inside a character lands on its start */
	put(tb, 0, 8);
	at(tb, 0, 7);
	/* RIGHT at a line end goes to the next line */
	put(tb, 0, 99);
	at(tb, 0, 14);
	sg_textbuf_move(tb, SG_TB_RIGHT, 1);
	at(tb, 1, 0);
	sg_textbuf_free(tb);

	/* invalid bytes are one character each */
	tb = buf("\xff\xe6\x97x");
	sg_textbuf_move(tb, SG_TB_RIGHT, 1);
	at(tb, 0, 1);
	sg_textbuf_move(tb, SG_TB_RIGHT, 1);
	at(tb, 0, 2);
	sg_textbuf_move(tb, SG_TB_LINE_END, 1);
	sg_textbuf_move(tb, SG_TB_LEFT, 2);
	at(tb, 0, 2);
	sg_textbuf_free(tb);
}

static void test_vertical_keeps_column(void **state)
{
	struct sg_textbuf *tb = buf("abcdef\nab\n\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\nabcdef");

	put(tb, 0, 5);
	sg_textbuf_move(tb, SG_TB_DOWN, 1);
	at(tb, 1, 2);
	sg_textbuf_move(tb, SG_TB_DOWN, 1);
	at(tb, 2, 6);  /* column 5 is inside the third wide char: its start (col 4) */
	sg_textbuf_move(tb, SG_TB_DOWN, 1);
	at(tb, 3, 5);
	sg_textbuf_move(tb, SG_TB_UP, 3);
	at(tb, 0, 5);
	assert_false(sg_textbuf_move(tb, SG_TB_UP, 1) && sg_textbuf_cursor(tb).line != 0);
	sg_textbuf_move_lines(tb, 100);
	at(tb, 3, 5);
	sg_textbuf_move_lines(tb, -2);
	at(tb, 1, 2);
	sg_textbuf_move(tb, SG_TB_BUF_END, 1);
	at(tb, 3, 6);
	sg_textbuf_move(tb, SG_TB_BUF_START, 1);
	at(tb, 0, 0);
	sg_textbuf_free(tb);
}

static void test_line_motions(void **state)
{
	struct sg_textbuf *tb = buf("    x = 1");

	put(tb, 0, 7);
	sg_textbuf_move(tb, SG_TB_LINE_FIRST, 1);
	at(tb, 0, 4);
	sg_textbuf_move(tb, SG_TB_LINE_START, 1);
	at(tb, 0, 0);
	sg_textbuf_move(tb, SG_TB_LINE_END, 1);
	at(tb, 0, 9);
	sg_textbuf_move(tb, SG_TB_SMART_HOME, 1);
	at(tb, 0, 4);
	sg_textbuf_move(tb, SG_TB_SMART_HOME, 1);
	at(tb, 0, 0);
	sg_textbuf_move(tb, SG_TB_LEFT_IN_LINE, 1);
	at(tb, 0, 0);
	put(tb, 0, 9);
	sg_textbuf_move(tb, SG_TB_RIGHT_IN_LINE, 1);
	at(tb, 0, 9);
	struct sg_tb_pos p = sg_textbuf_motion_target(tb, SG_TB_LINE_FIRST);
	assert_int_equal(p.col, 4);
	at(tb, 0, 9);  /* a target does not move */
	sg_textbuf_free(tb);
}

static void test_word_motions(void **state)
{
	struct sg_textbuf *tb = buf("foo.bar  baz(x)\n\n  qux");

	/* emacs: M-f to word ends, M-b to word starts, punctuation skipped */
	sg_textbuf_move(tb, SG_TB_WORD_NEXT_END, 1);
	at(tb, 0, 3);
	sg_textbuf_move(tb, SG_TB_WORD_NEXT_END, 1);
	at(tb, 0, 7);
	sg_textbuf_move(tb, SG_TB_WORD_NEXT_END, 2);
	at(tb, 0, 14);
	sg_textbuf_move(tb, SG_TB_WORD_NEXT_END, 1);
	at(tb, 2, 5);
	sg_textbuf_move(tb, SG_TB_WORD_PREV, 1);
	at(tb, 2, 2);
	sg_textbuf_move(tb, SG_TB_WORD_PREV, 1);
	at(tb, 0, 13);
	sg_textbuf_move(tb, SG_TB_WORD_PREV, 2);
	at(tb, 0, 4);

	/* vi: w stops at punctuation runs and at an empty line */
	put(tb, 0, 0);
	sg_textbuf_move(tb, SG_TB_VI_WORD_NEXT, 1);
	at(tb, 0, 3);
	sg_textbuf_move(tb, SG_TB_VI_WORD_NEXT, 1);
	at(tb, 0, 4);
	sg_textbuf_move(tb, SG_TB_VI_WORD_NEXT, 1);
	at(tb, 0, 9);
	sg_textbuf_move(tb, SG_TB_VI_WORD_NEXT, 4);
	at(tb, 1, 0);
	sg_textbuf_move(tb, SG_TB_VI_WORD_NEXT, 1);
	at(tb, 2, 2);
	/* e: the last character of a word */
	put(tb, 0, 0);
	sg_textbuf_move(tb, SG_TB_VI_WORD_END, 1);
	at(tb, 0, 2);
	sg_textbuf_move(tb, SG_TB_VI_WORD_END, 1);
	at(tb, 0, 3);
	sg_textbuf_move(tb, SG_TB_VI_WORD_END, 1);
	at(tb, 0, 6);
	/* b: back to starts, punctuation is a word of its own */
	put(tb, 0, 9);
	sg_textbuf_move(tb, SG_TB_VI_WORD_PREV, 1);
	at(tb, 0, 4);
	sg_textbuf_move(tb, SG_TB_VI_WORD_PREV, 1);
	at(tb, 0, 3);
	sg_textbuf_move(tb, SG_TB_VI_WORD_PREV, 1);
	at(tb, 0, 0);
	put(tb, 2, 2);
	sg_textbuf_move(tb, SG_TB_VI_WORD_PREV, 1);
	at(tb, 1, 0);
	sg_textbuf_free(tb);
}

static void test_auto_indent(void **state)
{
	struct sg_textbuf *tb = sg_textbuf_new();

	typed(tb, "def f(x):\nif x:  # check\nreturn 1\nfoo(a,\nb,\nc)\n");
	text_is(tb, "def f(x):\n    if x:  # check\n        return 1\n    foo(a,\n        b,\n"
		    "        c)\n    ");
	/* Enter on a line of blanks empties it */
	typed(tb, "\n");
	text_is(tb, "def f(x):\n    if x:  # check\n        return 1\n    foo(a,\n        b,\n"
		    "        c)\n\n    ");
	sg_textbuf_free(tb);

	/* a multi-line signature: the body is indented from the def */
	tb = sg_textbuf_new();
	typed(tb, "def g(a,\nb):\nx = [1,\n2]\n");
	text_is(tb, "def g(a,\n    b):\n    x = [1,\n        2]\n    ");
	sg_textbuf_free(tb);

	/* pass/break/continue/raise dedent; a ':' inside a string does not count */
	tb = sg_textbuf_new();
	typed(tb, "for i in x:\npass\ns = 'a:'\n");
	text_is(tb, "for i in x:\n    pass\ns = 'a:'\n");
	sg_textbuf_free(tb);

	/* blanks after the cursor do not follow it to the new line */
	tb = buf("    a = 1;   b = 2");
	put(tb, 0, 10);
	sg_textbuf_newline(tb);
	text_is(tb, "    a = 1;\n    b = 2");
	at(tb, 1, 4);
	/* the plain newline adds no indent */
	sg_textbuf_newline_plain(tb);
	text_is(tb, "    a = 1;\n    \nb = 2");
	sg_textbuf_free(tb);

	/* the unit follows the text: two spaces here */
	tb = buf("if a:\n  b");
	put(tb, 1, 3);
	typed(tb, "\nif c:\n");
	text_is(tb, "if a:\n  b\n  if c:\n    ");
	sg_textbuf_free(tb);
}

static void test_indent_unit(void **state)
{
	char unit[9];
	struct sg_textbuf *tb = buf("x");

	sg_textbuf_indent_unit(tb, unit);
	assert_string_equal(unit, "    ");
	sg_textbuf_set_text(tb, "if a:\n\tb", 8);
	sg_textbuf_indent_unit(tb, unit);
	assert_string_equal(unit, "\t");
	sg_textbuf_set_text(tb, "if a:\n   b\n      c", 19);
	sg_textbuf_indent_unit(tb, unit);
	assert_string_equal(unit, "   ");
	sg_textbuf_set_text(tb, "if a:\n        b", 15);
	sg_textbuf_indent_unit(tb, unit);
	assert_string_equal(unit, "    ");
	sg_textbuf_free(tb);
}

static void test_dedent_clause(void **state)
{
	struct sg_textbuf *tb = sg_textbuf_new();

	typed(tb, "if x:\na()\nelse:\nb()\n");
	text_is(tb, "if x:\n    a()\nelse:\n    b()\n    ");
	sg_textbuf_free(tb);
	/* an else that is already in place stays */
	tb = sg_textbuf_new();
	typed(tb, "try:\na()\n");
	sg_textbuf_backspace(tb);
	typed(tb, "except ValueError:");
	text_is(tb, "try:\n    a()\nexcept ValueError:");
	/* one undo takes the whole clause typed */
	sg_textbuf_undo(tb);
	text_is(tb, "try:\n    a()\n");
	sg_textbuf_free(tb);
}

static void test_backspace_and_delete(void **state)
{
	struct sg_textbuf *tb = buf("        x\nab\ncd");

	put(tb, 0, 8);
	sg_textbuf_backspace(tb);
	text_is(tb, "    x\nab\ncd");
	at(tb, 0, 4);
	sg_textbuf_insert(tb, "  ", 2);  /* column 6: back to 4 */
	sg_textbuf_backspace(tb);
	text_is(tb, "    x\nab\ncd");
	/* join at column 0 */
	put(tb, 1, 0);
	assert_true(sg_textbuf_backspace(tb));
	text_is(tb, "    xab\ncd");
	at(tb, 0, 5);
	/* delete joins at a line end */
	sg_textbuf_move(tb, SG_TB_LINE_END, 1);
	assert_true(sg_textbuf_delete(tb));
	text_is(tb, "    xabcd");
	sg_textbuf_move(tb, SG_TB_LINE_END, 1);
	assert_false(sg_textbuf_delete(tb));
	put(tb, 0, 0);
	assert_false(sg_textbuf_backspace(tb));
	/* a multibyte character goes whole */
	sg_textbuf_set_text(tb, "a\xc3\xa9", 3);
	sg_textbuf_move(tb, SG_TB_LINE_END, 1);
	sg_textbuf_backspace(tb);
	text_is(tb, "a");
	/* Not UTF-8: deleting '@' joins a lone lead byte and a lone
	 * continuation byte into one character; the cursor, which was on the
	 * '@', ends on that character's start, not inside it. */
	sg_textbuf_set_text(tb, "a\xc2@\x97" "b", 5);
	put(tb, 0, 2);
	assert_true(sg_textbuf_delete(tb));
	text_is(tb, "a\xc2\x97" "b");
	at(tb, 0, 1);
	/* and the same by inserting the lead byte before the lone one */
	sg_textbuf_set_text(tb, "a\x97" "b", 3);
	put(tb, 0, 1);
	sg_textbuf_insert(tb, "\xc2", 1);
	text_is(tb, "a\xc2\x97" "b");
	at(tb, 0, 1);
	sg_textbuf_free(tb);
}

static void test_kill_and_yank(void **state)
{
	struct sg_textbuf *tb = buf("one two\nthree\nfour");
	size_t n;
	int lines;

	put(tb, 0, 3);
	assert_true(sg_textbuf_kill_line_end(tb));
	assert_true(sg_textbuf_kill_line_end(tb));  /* the newline, appended */
	assert_true(sg_textbuf_kill_line_end(tb));
	text_is(tb, "one\nfour");
	assert_string_equal(sg_register_get(&n, &lines), " two\nthree");
	assert_int_equal(lines, 0);
	/* a motion ends the run: the next kill starts over */
	sg_textbuf_move(tb, SG_TB_DOWN, 1);
	sg_textbuf_move(tb, SG_TB_LINE_START, 1);
	sg_textbuf_kill_line_end(tb);
	assert_string_equal(sg_register_get(NULL, NULL), "four");
	sg_textbuf_paste(tb, 0);
	sg_textbuf_paste(tb, 0);
	text_is(tb, "one\nfourfour");
	/* consecutive kills are one undo step */
	sg_textbuf_set_text(tb, "a\nb\nc", 5);
	sg_textbuf_kill_line_end(tb);
	sg_textbuf_kill_line_end(tb);
	sg_textbuf_kill_line_end(tb);
	text_is(tb, "\nc");
	sg_textbuf_undo(tb);
	text_is(tb, "a\nb\nc");
	sg_textbuf_free(tb);
}

static void test_line_ops(void **state)
{
	struct sg_textbuf *tb = buf("a\n  b\nc\nd");
	int lines;

	put(tb, 1, 0);
	sg_textbuf_kill_lines(tb, 2);
	text_is(tb, "a\nd");
	at(tb, 1, 0);
	assert_string_equal(sg_register_get(NULL, &lines), "  b\nc");
	assert_int_equal(lines, 1);
	sg_textbuf_paste(tb, 1);  /* below */
	text_is(tb, "a\nd\n  b\nc");
	at(tb, 2, 2);
	put(tb, 0, 0);
	sg_textbuf_paste(tb, 0);  /* above */
	text_is(tb, "  b\nc\na\nd\n  b\nc");
	/* the last line: the newline before it goes */
	sg_textbuf_move(tb, SG_TB_BUF_END, 1);
	sg_textbuf_kill_lines(tb, 5);
	text_is(tb, "  b\nc\na\nd\n  b");
	at(tb, 4, 2);
	/* every line */
	put(tb, 0, 0);
	sg_textbuf_kill_lines(tb, 100);
	text_is(tb, "");
	sg_textbuf_undo(tb);
	text_is(tb, "  b\nc\na\nd\n  b");
	/* yy copies without changing */
	put(tb, 2, 0);
	sg_textbuf_copy_lines(tb, 1);
	assert_string_equal(sg_register_get(NULL, &lines), "a");
	assert_int_equal(lines, 1);
	text_is(tb, "  b\nc\na\nd\n  b");
	/* o and O open indented lines */
	put(tb, 0, 1);
	sg_textbuf_open_line(tb, 1);
	text_is(tb, "  b\n  \nc\na\nd\n  b");
	at(tb, 1, 2);
	sg_textbuf_undo(tb);
	text_is(tb, "  b\nc\na\nd\n  b");
	put(tb, 4, 0);
	sg_textbuf_open_line(tb, 0);
	text_is(tb, "  b\nc\na\nd\n  \n  b");
	at(tb, 4, 2);
	/* J joins with one blank */
	sg_textbuf_set_text(tb, "x = (1,  \n    2)\n  y", 20);
	assert_true(sg_textbuf_join_lines(tb));
	text_is(tb, "x = (1, 2)\n  y");
	at(tb, 0, 7);
	assert_true(sg_textbuf_join_lines(tb));
	text_is(tb, "x = (1, 2) y");
	assert_false(sg_textbuf_join_lines(tb));
	sg_textbuf_free(tb);
}

static void test_indent_dedent(void **state)
{
	struct sg_textbuf *tb = buf("a\n\nb\nc");
	struct sg_tb_pos s, e;

	/* Tab at a column inserts up to the next stop */
	put(tb, 0, 1);
	sg_textbuf_indent(tb);
	text_is(tb, "a   \n\nb\nc");
	sg_textbuf_undo(tb);
	/* a selection indents its lines (not empty ones) and stays */
	put(tb, 0, 0);
	sg_textbuf_set_mark(tb);
	put(tb, 2, 1);
	sg_textbuf_indent(tb);
	text_is(tb, "    a\n\n    b\nc");
	assert_true(sg_textbuf_selection(tb, &s, &e));
	assert_int_equal(s.col, 4);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 5);
	assert_true(sg_textbuf_dedent(tb));
	text_is(tb, "a\n\nb\nc");
	/* indent then dedent of the block is one undo step each */
	sg_textbuf_undo(tb);
	text_is(tb, "    a\n\n    b\nc");
	sg_textbuf_undo(tb);
	text_is(tb, "a\n\nb\nc");
	/* dedent removes at most one unit, or one tab */
	sg_textbuf_clear_mark(tb);
	sg_textbuf_set_text(tb, "      x\n\ty", 10);
	sg_textbuf_dedent(tb);
	text_is(tb, "  x\n\ty");
	sg_textbuf_dedent(tb);
	text_is(tb, "x\n\ty");
	assert_false(sg_textbuf_dedent(tb));
	put(tb, 1, 1);
	sg_textbuf_dedent(tb);
	text_is(tb, "x\ny");
	at(tb, 1, 0);
	sg_textbuf_free(tb);
}

static void test_selection(void **state)
{
	struct sg_textbuf *tb = buf("hello\nbig world");
	struct sg_tb_pos a, b;
	size_t n;

	assert_false(sg_textbuf_selection(tb, &a, &b));
	put(tb, 1, 3);
	sg_textbuf_set_mark(tb);
	put(tb, 0, 2);
	assert_true(sg_textbuf_selection(tb, &a, &b));
	assert_int_equal(a.line, 0);
	assert_int_equal(b.col, 3);
	char *t = sg_textbuf_range_text(tb, b, a, &n);
	assert_string_equal(t, "llo\nbig");
	free(t);
	assert_true(sg_textbuf_copy_selection(tb));
	assert_false(sg_textbuf_selection(tb, NULL, NULL));
	assert_string_equal(sg_register_get(NULL, NULL), "llo\nbig");
	sg_textbuf_set_mark(tb);
	put(tb, 1, 3);
	assert_true(sg_textbuf_delete_selection(tb, 0));
	text_is(tb, "he world");
	/* backspace with a selection deletes it */
	sg_textbuf_set_mark(tb);
	put(tb, 0, 0);
	sg_textbuf_backspace(tb);
	text_is(tb, " world");
	/* delete_range into the register as lines */
	sg_textbuf_delete_range(tb, (struct sg_tb_pos){ 0, 0 }, (struct sg_tb_pos){ 0, 3 }, 1, 1);
	int lines;
	assert_string_equal(sg_register_get(NULL, &lines), " wo");
	assert_int_equal(lines, 1);
	assert_false(sg_textbuf_delete_range(tb, (struct sg_tb_pos){ 0, 1 },
					     (struct sg_tb_pos){ 0, 1 }, 1, 0));
	sg_textbuf_free(tb);
}

static void test_undo_grouping(void **state)
{
	struct sg_textbuf *tb = sg_textbuf_new();

	typed(tb, "abc");
	sg_textbuf_move(tb, SG_TB_LEFT, 1);
	typed(tb, "XY");
	text_is(tb, "abXYc");
	assert_true(sg_textbuf_undo(tb));
	text_is(tb, "abc");
	at(tb, 0, 2);
	assert_true(sg_textbuf_undo(tb));
	text_is(tb, "");
	assert_false(sg_textbuf_undo(tb));
	assert_true(sg_textbuf_redo(tb));
	text_is(tb, "abc");
	at(tb, 0, 3);
	assert_true(sg_textbuf_redo(tb));
	text_is(tb, "abXYc");
	assert_false(sg_textbuf_redo(tb));
	/* backspaces group; a kind change starts a new group */
	sg_textbuf_backspace(tb);
	sg_textbuf_backspace(tb);
	typed(tb, "Z");
	text_is(tb, "abZc");
	sg_textbuf_undo(tb);
	text_is(tb, "abc");
	sg_textbuf_undo(tb);
	text_is(tb, "abXYc");
	/* a new edit forgets what was undone */
	typed(tb, "!");
	assert_false(sg_textbuf_redo(tb));
	/* each typed line is a step */
	sg_textbuf_set_text(tb, "", 0);
	typed(tb, "x = 1\ny = 2");
	sg_textbuf_undo(tb);
	text_is(tb, "x = 1\n");
	sg_textbuf_undo(tb);
	text_is(tb, "");
	/* an explicit break and explicit groups */
	typed(tb, "ab");
	sg_textbuf_undo_break(tb);
	typed(tb, "cd");
	sg_textbuf_undo(tb);
	text_is(tb, "ab");
	sg_textbuf_group_begin(tb);
	typed(tb, "1");
	sg_textbuf_move(tb, SG_TB_LINE_START, 1);
	sg_textbuf_delete(tb);
	sg_textbuf_group_end(tb);
	text_is(tb, "b1");
	sg_textbuf_undo(tb);
	text_is(tb, "ab");
	unsigned long v = sg_textbuf_version(tb);
	sg_textbuf_move(tb, SG_TB_LINE_END, 1);
	assert_int_equal(sg_textbuf_version(tb), v);  /* motions change no version */
	sg_textbuf_undo_clear(tb);
	assert_false(sg_textbuf_undo(tb));
	sg_textbuf_free(tb);
}

static void test_delete_motion(void **state)
{
	struct sg_textbuf *tb = buf("alpha beta gamma");

	put(tb, 0, 6);
	assert_true(sg_textbuf_delete_motion(tb, SG_TB_WORD_NEXT_END, 1, 1));
	text_is(tb, "alpha  gamma");
	assert_string_equal(sg_register_get(NULL, NULL), "beta");
	assert_true(sg_textbuf_delete_motion(tb, SG_TB_WORD_PREV, 1, 0));
	text_is(tb, " gamma");
	assert_string_equal(sg_register_get(NULL, NULL), "beta");  /* not to the register */
	assert_false(sg_textbuf_delete_motion(tb, SG_TB_LINE_START, 1, 1));
	sg_textbuf_free(tb);
}

static void test_big_cell(void **state)
{
	/* 500 lines, typing in the middle and undoing it all */
	struct sg_textbuf *tb = sg_textbuf_new();
	char line[64];

	for (int i = 0; i < 500; i++) {
		int n = snprintf(line, sizeof line, "x%d = compute(%d)  # step\n", i, i);
		sg_textbuf_insert(tb, line, (size_t)n);
	}
	assert_int_equal(sg_textbuf_lines(tb), 501);
	put(tb, 250, 0);
	for (int i = 0; i < 3000; i++)
		sg_textbuf_type(tb, i % 50 == 49 ? '\n' : 'a' + i % 26);
	assert_int_equal(sg_textbuf_lines(tb), 501 + 60);
	while (sg_textbuf_undo(tb))
		;
	text_is(tb, "");
	sg_textbuf_free(tb);
}

static void test_find(void **state)
{
	struct sg_textbuf *tb = buf("alpha beta\nBeta gamma\nbeta");
	struct sg_tb_pos at;

	/* forward from a position: at or after it, then wrapping */
	assert_true(sg_textbuf_find(tb, "beta", 4, (struct sg_tb_pos){ 0, 0 }, 0, 0, &at));
	assert_int_equal(at.line, 0);
	assert_int_equal(at.col, 6);
	assert_true(sg_textbuf_find(tb, "beta", 4, (struct sg_tb_pos){ 0, 7 }, 0, 0, &at));
	assert_int_equal(at.line, 2);  /* "Beta" differs in case */
	assert_true(sg_textbuf_find(tb, "beta", 4, (struct sg_tb_pos){ 0, 7 }, 0, 1, &at));
	assert_int_equal(at.line, 1);
	assert_int_equal(at.col, 0);
	assert_true(sg_textbuf_find(tb, "alpha", 5, (struct sg_tb_pos){ 1, 0 }, 0, 0, &at));
	assert_int_equal(at.line, 0);  /* wrapped */
	/* backward: the last match starting before the position */
	assert_true(sg_textbuf_find(tb, "beta", 4, (struct sg_tb_pos){ 2, 0 }, 1, 0, &at));
	assert_int_equal(at.line, 0);
	assert_int_equal(at.col, 6);
	assert_true(sg_textbuf_find(tb, "beta", 4, (struct sg_tb_pos){ 0, 6 }, 1, 0, &at));
	assert_int_equal(at.line, 2);  /* wrapped to the end */
	assert_true(sg_textbuf_find(tb, "a", 1, (struct sg_tb_pos){ 0, 6 }, 1, 0, &at));
	assert_int_equal(at.col, 4);
	/* no match, empty needle, a newline in it */
	assert_false(sg_textbuf_find(tb, "delta", 5, (struct sg_tb_pos){ 0, 0 }, 0, 1, &at));
	assert_false(sg_textbuf_find(tb, "", 0, (struct sg_tb_pos){ 0, 0 }, 0, 0, &at));
	assert_false(sg_textbuf_find(tb, "a\nB", 3, (struct sg_tb_pos){ 0, 0 }, 0, 0, &at));
	/* the only match is at the position itself */
	sg_textbuf_set_text(tb, "xyz", 3);
	assert_true(sg_textbuf_find(tb, "y", 1, (struct sg_tb_pos){ 0, 1 }, 0, 0, &at));
	assert_int_equal(at.col, 1);
	assert_true(sg_textbuf_find(tb, "y", 1, (struct sg_tb_pos){ 0, 1 }, 1, 0, &at));
	assert_int_equal(at.col, 1);  /* backward wraps round to it */
	sg_textbuf_free(tb);
}

static void test_size_and_limit(void **state)
{
	struct sg_textbuf *tb = buf("ab\ncd");
	size_t big = SG_TEXTBUF_MAX / 2 + 1;
	char *blob = malloc(big);

	assert_int_equal(sg_textbuf_size(tb), 5);
	typed(tb, "xy\n");
	assert_int_equal(sg_textbuf_size(tb), 8);
	sg_textbuf_kill_lines(tb, 1);
	sg_textbuf_undo(tb);
	assert_int_equal(sg_textbuf_size(tb), 8);
	put(tb, 0, 0);
	sg_textbuf_delete_range(tb, (struct sg_tb_pos){ 0, 1 }, (struct sg_tb_pos){ 2, 1 }, 0, 0);
	text_is(tb, "xd");
	assert_int_equal(sg_textbuf_size(tb), 2);
	/* past the limit an edit is refused whole, and nothing changes */
	memset(blob, 'z', big);
	sg_textbuf_insert(tb, blob, big);
	assert_int_equal(sg_textbuf_size(tb), big + 2);
	unsigned long v = sg_textbuf_version(tb);
	sg_textbuf_insert(tb, blob, big);
	assert_int_equal(sg_textbuf_size(tb), big + 2);
	assert_int_equal(sg_textbuf_version(tb), v);
	sg_register_set("line", 4, 1);
	assert_true(sg_textbuf_paste(tb, 1));  /* small: still fits */
	assert_int_equal(sg_textbuf_lines(tb), 2);
	sg_register_set(blob, big, 1);
	sg_textbuf_paste(tb, 1);
	sg_textbuf_paste(tb, 0);
	assert_int_equal(sg_textbuf_lines(tb), 2);
	struct sg_tb_pos p = sg_textbuf_cursor(tb);
	assert_true(p.line < 2);
	sg_register_clear();
	free(blob);
	sg_textbuf_free(tb);
}

static void test_register(void **state)
{
	size_t n;
	int lines;

	sg_register_clear();
	assert_string_equal(sg_register_get(&n, &lines), "");
	assert_int_equal(n, 0);
	sg_register_set("a\0b", 3, 1);
	assert_memory_equal(sg_register_get(&n, &lines), "a\0b", 3);
	assert_int_equal(n, 3);
	assert_int_equal(lines, 1);
	/* the register is shared: a paste in another buffer */
	struct sg_textbuf *tb = buf("x");
	sg_register_set("yz", 2, 0);
	assert_true(sg_textbuf_paste(tb, 1));
	text_is(tb, "xyz");
	sg_register_clear();
	assert_false(sg_textbuf_paste(tb, 1));
	sg_textbuf_free(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_text_roundtrip, setup),
		cmocka_unit_test_setup(test_insert_paste, setup),
		cmocka_unit_test_setup(test_utf8_motion_and_columns, setup),
		cmocka_unit_test_setup(test_vertical_keeps_column, setup),
		cmocka_unit_test_setup(test_line_motions, setup),
		cmocka_unit_test_setup(test_word_motions, setup),
		cmocka_unit_test_setup(test_auto_indent, setup),
		cmocka_unit_test_setup(test_indent_unit, setup),
		cmocka_unit_test_setup(test_dedent_clause, setup),
		cmocka_unit_test_setup(test_backspace_and_delete, setup),
		cmocka_unit_test_setup(test_kill_and_yank, setup),
		cmocka_unit_test_setup(test_line_ops, setup),
		cmocka_unit_test_setup(test_indent_dedent, setup),
		cmocka_unit_test_setup(test_selection, setup),
		cmocka_unit_test_setup(test_undo_grouping, setup),
		cmocka_unit_test_setup(test_delete_motion, setup),
		cmocka_unit_test_setup(test_big_cell, setup),
		cmocka_unit_test_setup(test_find, setup),
		cmocka_unit_test_setup(test_size_and_limit, setup),
		cmocka_unit_test_setup(test_register, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sg_register_clear();
	return rc;
}
