/* test_editor.c — the cell editor widget on the memory surface: text and
 * syntax colors placed, line numbers, the cursor kept visible at 80x24 and
 * at 20x5 (both directions), ASCII mode, emacs and vi keys, the selection,
 * read-only code and markdown drawing, the help lines, Alt keys, and the
 * editor's section in the app's `?` help. */
#include <locale.h>
#include "tests/testutil.h"
#include "tui/app.h"

struct fx {
	struct surface_backend *be;
	struct app *app;
};

#include "tests/tuitest.h"

#include <curses.h>
#include "core/keymap.h"
#include "tui/colors.h"
#include "tui/editor.h"
#include "tests/fuzz/fuzz_editor.h"

enum { CTRL_A = 1, CTRL_D = 4, CTRL_E = 5, CTRL_G = 7, CTRL_K = 11, CTRL_P = 16, CTRL_S = 19,
       CTRL_W = 23, CTRL_Y = 25, CTRL_UNDERSCORE = 31 };

static struct surface_backend *be;
static struct surface root;

/* A w×h screen drawn with ed. */
static void screen(int w, int h, int unicode)
{
	if (be)
		be->ops->free(be);
	be = surface_mem_new(w, h, unicode);
	root = surface_root(be);
}

static void paint(struct sg_editor *ed)
{
	be->ops->clear_all(be);
	sg_editor_draw(ed, &root);
}

/* Row y without its trailing blanks. */
static const char *srow(int y)
{
	static char buf[4096];
	size_t n;

	surface_mem_row(be, y, buf, sizeof buf);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return buf;
}

/* Role of the cell where text first appears. */
static enum sg_role srole(const char *text)
{
	int y, x;
	if (surface_mem_find(be, text, &y, &x) != 0)
		fail_msg("'%s' is not on screen", text);
	return surface_mem_cell(be, y, x)->role;
}

static char *text_of(struct sg_editor *ed)
{
	static char *last;
	free(last);
	last = sg_editor_text(ed, NULL);
	return last;
}

/* Feeds the keys of s (UTF-8 characters; '\n' is Enter) to ed. */
static void keys(struct sg_editor *ed, const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u;) {
		long cp;
		size_t n = utf8_decode((const char *)u, strlen((const char *)u), &cp);
		int k = cp == '\n' ? SG_KEY_ENTER : (int)cp;
		assert_true(sg_editor_key(ed, k));
		u += n;
	}
}

static int setup(void **state)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	sg_register_clear();
	screen(80, 24, 1);
	return 0;
}

static int teardown(void **state)
{
	be->ops->free(be);
	be = NULL;
	return 0;
}

static void test_draw_colors_and_numbers(void **state)
{
	const char *src = "import numpy as np\n\ndef f(x):\n    return 'a' + 1  # note\n";
	struct sg_editor *ed = sg_editor_new(src, strlen(src), SG_LANG_PYTHON, SG_EDITOR_EMACS);

	paint(ed);
	assert_string_equal(srow(0), "import numpy as np");
	assert_string_equal(srow(3), "    return 'a' + 1  # note");
	assert_int_equal(srole("import"), SG_ROLE_SYN_KEYWORD);
	assert_int_equal(srole("np"), SG_ROLE_NORMAL);
	assert_int_equal(srole("f(x)"), SG_ROLE_SYN_FUNCTION);
	assert_int_equal(srole("'a'"), SG_ROLE_SYN_STRING);
	assert_int_equal(srole("1  #"), SG_ROLE_SYN_NUMBER);
	assert_int_equal(srole("# note"), SG_ROLE_SYN_COMMENT);
	/* not focused: no terminal cursor; focused: at the text cursor */
	int y, x;
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(y, -1);
	assert_int_equal(ed->cur_y, 0);
	assert_int_equal(ed->cur_x, 0);
	ed->focused = 1;
	ed->line_numbers = 1;
	sg_editor_key(ed, SG_KEY_DOWN);
	sg_editor_key(ed, SG_KEY_DOWN);
	sg_editor_key(ed, SG_KEY_END);
	paint(ed);
	assert_string_equal(srow(0), "  1 import numpy as np");
	assert_string_equal(srow(2), "  3 def f(x):");
	assert_int_equal(srole("  3"), SG_ROLE_NUMBER);  /* the cursor's line */
	assert_int_equal(srole("  1"), SG_ROLE_DIM);
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(y, 2);
	assert_int_equal(x, 4 + 9);
	/* plain text has no colors */
	ed->lang = SG_LANG_PLAIN;
	paint(ed);
	assert_int_equal(srole("import"), SG_ROLE_NORMAL);
	sg_editor_free(ed);
}

static void test_scroll_small(void **state)
{
	char src[4096] = "";
	struct sg_editor *ed;
	int y, x;

	for (int i = 0; i < 50; i++)
		snprintf(src + strlen(src), sizeof src - strlen(src), "line %d\n", i);
	strcat(src, "a very long line that is much wider than twenty columns: END");
	ed = sg_editor_new(src, strlen(src), SG_LANG_PLAIN, SG_EDITOR_EMACS);
	ed->focused = 1;
	screen(20, 5, 1);
	for (int i = 0; i < 40; i++)
		sg_editor_key(ed, SG_KEY_DOWN);
	paint(ed);
	assert_string_equal(srow(4), "line 40");
	assert_string_equal(srow(0), "line 36");
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(y, 4);
	sg_editor_key(ed, SG_KEY_PGUP);
	paint(ed);
	surface_mem_cursor(be, &y, &x);
	assert_true(y >= 0 && y < 5);
	assert_non_null(strstr(srow(y), "line 36"));
	/* the long last line: End scrolls sideways so the cursor shows */
	sg_editor_key(ed, SG_KEY_ALT | '>');
	paint(ed);
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(y, 4);
	assert_true(x >= 0 && x < 20);
	assert_non_null(strstr(srow(4), "END"));
	assert_null(strstr(srow(3), "line"));  /* other lines scrolled too */
	sg_editor_key(ed, CTRL_A);
	paint(ed);
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(x, 0);
	assert_string_equal(srow(4), "a very long line tha");
	/* a view shorter than the text shows no blank rows at the end */
	sg_editor_key(ed, SG_KEY_ALT | '<');
	paint(ed);
	assert_string_equal(srow(0), "line 0");
	/* a zero-sized surface draws nothing and does not crash */
	struct surface none = surface_sub(&root, 0, 0, 0, 0);
	sg_editor_draw(ed, &none);
	sg_editor_free(ed);
}

static void test_unicode_and_ascii(void **state)
{
	const char *src = "s = '\xe6\x97\xa5\xe6\x9c\xac' \t# \xc3\xa9";
	struct sg_editor *ed = sg_editor_new(src, strlen(src), SG_LANG_PYTHON, SG_EDITOR_EMACS);
	int y, x;

	ed->focused = 1;
	sg_editor_key(ed, SG_KEY_END);
	paint(ed);
	assert_string_equal(srow(0), "s = '\xe6\x97\xa5\xe6\x9c\xac'  # \xc3\xa9");
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(x, 15);  /* 5 + 4 + 1 + blank + tab to 12 + 3 */
	screen(80, 24, 0);
	paint(ed);
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(x, 15);  /* the same columns in ASCII mode */
	assert_null(strchr(srow(0), '\xe6'));
	assert_int_equal(srole("#"), SG_ROLE_SYN_COMMENT);
	sg_editor_free(ed);
}

static void test_emacs_keys(void **state)
{
	struct sg_editor *ed = sg_editor_new("", 0, SG_LANG_PYTHON, SG_EDITOR_EMACS);
	char pos[32];

	assert_string_equal(sg_editor_mode_name(ed), "");
	keys(ed, "def f(x):\nreturn x + 1\n");
	assert_string_equal(text_of(ed), "def f(x):\n    return x + 1\n");
	assert_true(sg_editor_key(ed, CTRL_P));
	assert_true(sg_editor_key(ed, CTRL_E));
	sg_editor_position(ed, pos, sizeof pos);
	assert_string_equal(pos, "Ln 2, Col 17");
	/* M-b, M-d, then C-_ undoes the kill */
	sg_editor_key(ed, SG_KEY_ALT | 'b');
	sg_editor_key(ed, SG_KEY_ALT | 'b');
	sg_editor_key(ed, SG_KEY_ALT | 'd');
	assert_string_equal(text_of(ed), "def f(x):\n    return  + 1\n");
	sg_editor_key(ed, CTRL_UNDERSCORE);
	assert_string_equal(text_of(ed), "def f(x):\n    return x + 1\n");
	sg_editor_key(ed, SG_KEY_ALT | '_');  /* redo */
	assert_string_equal(text_of(ed), "def f(x):\n    return  + 1\n");
	sg_editor_key(ed, CTRL_UNDERSCORE);
	/* C-a C-k C-k kills the line; C-y puts it back twice */
	sg_editor_key(ed, CTRL_A);
	sg_editor_key(ed, CTRL_K);
	sg_editor_key(ed, CTRL_K);
	assert_string_equal(text_of(ed), "def f(x):\n");
	sg_editor_key(ed, CTRL_Y);
	sg_editor_key(ed, CTRL_Y);
	assert_string_equal(text_of(ed), "def f(x):\n    return x + 1\n    return x + 1\n");
	/* mark, move, M-w copies; C-w cuts */
	sg_editor_key(ed, SG_KEY_ALT | '<');
	sg_editor_key(ed, 0);  /* C-Space */
	sg_editor_key(ed, SG_KEY_ALT | 'f');
	paint(ed);
	assert_int_equal(srole("def"), SG_ROLE_SELECTED);
	sg_editor_key(ed, CTRL_W);
	assert_string_equal(text_of(ed), " f(x):\n    return x + 1\n    return x + 1\n");
	assert_string_equal(sg_register_get(NULL, NULL), "def");
	/* C-g drops a selection, and is not consumed without one */
	sg_editor_key(ed, 0);
	assert_true(sg_editor_key(ed, CTRL_G));
	assert_false(sg_editor_key(ed, CTRL_G));
	/* Tab / S-Tab, C-d, C-f/C-b/C-n, PgDn */
	sg_editor_key(ed, CTRL_A);
	sg_editor_key(ed, SG_KEY_TAB);
	assert_string_equal(text_of(ed), "     f(x):\n    return x + 1\n    return x + 1\n");
	sg_editor_key(ed, SG_KEY_BTAB);
	sg_editor_key(ed, CTRL_D);
	assert_string_equal(text_of(ed), "f(x):\n    return x + 1\n    return x + 1\n");
	/* keys left to the pane */
	assert_false(sg_editor_key(ed, SG_KEY_ESC));
	assert_false(sg_editor_key(ed, SG_KEY_F5));
	assert_false(sg_editor_key(ed, CTRL_S));  /* save and run keys stay the pane's */
	assert_false(sg_editor_key(ed, 18));  /* C-r */
	assert_false(sg_editor_key(ed, SG_KEY_RESIZE));
	assert_false(sg_editor_key(ed, SG_KEY_ALT | 'z'));
	sg_editor_free(ed);
}

static void test_vi_keys(void **state)
{
	struct sg_editor *ed = sg_editor_new("one two three\nfour\nfive", 23, SG_LANG_PLAIN,
					     SG_EDITOR_VI);

	assert_string_equal(sg_editor_mode_name(ed), "-- NORMAL --");
	/* letters do not type in normal mode */
	keys(ed, "w");
	assert_string_equal(text_of(ed), "one two three\nfour\nfive");
	keys(ed, "cwTWO");
	assert_string_equal(sg_editor_mode_name(ed), "-- INSERT --");
	assert_true(sg_editor_key(ed, SG_KEY_ESC));  /* consumed: back to normal */
	assert_string_equal(sg_editor_mode_name(ed), "-- NORMAL --");
	assert_string_equal(text_of(ed), "one TWO three\nfour\nfive");
	assert_false(sg_editor_key(ed, SG_KEY_ESC));  /* the pane leaves the editor */
	/* u undoes the change as one step, C-r redoes */
	keys(ed, "u");
	assert_string_equal(text_of(ed), "one two three\nfour\nfive");
	sg_editor_key(ed, 18);  /* C-r */
	assert_string_equal(text_of(ed), "one TWO three\nfour\nfive");
	/* dd p, yy P, counts */
	keys(ed, "jddp");
	assert_string_equal(text_of(ed), "one TWO three\nfive\nfour");
	keys(ed, "ggyyGP");
	assert_string_equal(text_of(ed), "one TWO three\nfive\none TWO three\nfour");
	keys(ed, "gg2dd");
	assert_string_equal(text_of(ed), "one TWO three\nfour");
	keys(ed, "03x");
	assert_string_equal(text_of(ed), " TWO three\nfour");
	keys(ed, "$x");
	assert_string_equal(text_of(ed), " TWO thre\nfour");
	/* D, A, I, o, O */
	keys(ed, "0wD");
	assert_string_equal(text_of(ed), " \nfour");
	keys(ed, "Aend");
	sg_editor_key(ed, SG_KEY_ESC);
	keys(ed, "Ostart");
	sg_editor_key(ed, SG_KEY_ESC);
	assert_string_equal(text_of(ed), " start\n end\nfour");  /* O keeps the indent */
	keys(ed, "Gofive");
	sg_editor_key(ed, SG_KEY_ESC);
	assert_string_equal(text_of(ed), " start\n end\nfour\nfive");
	/* J, >>, << , r */
	keys(ed, "ggJ");
	assert_string_equal(text_of(ed), " start end\nfour\nfive");
	keys(ed, ">>");
	assert_string_equal(text_of(ed), "     start end\nfour\nfive");
	keys(ed, "<<rS");
	assert_string_equal(text_of(ed), " Start end\nfour\nfive");
	/* visual line mode: V j d */
	keys(ed, "Vj");
	assert_string_equal(sg_editor_mode_name(ed), "-- VISUAL LINE --");
	paint(ed);
	assert_int_equal(srole("Start"), SG_ROLE_SELECTED);
	assert_int_equal(srole("four"), SG_ROLE_SELECTED);
	assert_int_equal(srole("five"), SG_ROLE_NORMAL);
	assert_true(sg_editor_key(ed, 'q'));  /* unused letters stay in the editor */
	keys(ed, "d");
	assert_string_equal(text_of(ed), "five");
	assert_string_equal(sg_editor_mode_name(ed), "-- NORMAL --");
	/* visual characters: v e y, then P */
	keys(ed, "vey");
	assert_string_equal(sg_register_get(NULL, NULL), "five");
	keys(ed, "$p");
	assert_string_equal(text_of(ed), "fivefive");
	/* the cursor stays on a character in normal mode */
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	assert_int_equal(p.col, 7);
	/* insert-mode C-w deletes the word before the cursor */
	keys(ed, "A more");
	sg_editor_key(ed, CTRL_W);
	assert_string_equal(text_of(ed), "fivefive ");
	sg_editor_key(ed, SG_KEY_ESC);
	/* the status text; Alt keys (fast <Esc> x) */
	char st[64];
	sg_editor_status(ed, st, sizeof st);
	assert_string_equal(st, "-- NORMAL --  Ln 1, Col 9");
	assert_false(sg_editor_key(ed, SG_KEY_ALT | 'j'));  /* normal: <Esc> leaves */
	keys(ed, "v");
	assert_true(sg_editor_key(ed, SG_KEY_ALT | 'x'));  /* visual: left, then x */
	assert_string_equal(sg_editor_mode_name(ed), "-- NORMAL --");
	assert_string_equal(text_of(ed), "fivefive");
	keys(ed, "A!");
	assert_true(sg_editor_key(ed, SG_KEY_ALT | 'x'));  /* insert: <Esc>, then x */
	assert_string_equal(text_of(ed), "fivefive");
	/* switching styles */
	sg_editor_set_keys(ed, SG_EDITOR_EMACS);
	assert_string_equal(sg_editor_mode_name(ed), "");
	assert_int_equal(sg_editor_keys_parse("vi"), SG_EDITOR_VI);
	assert_int_equal(sg_editor_keys_parse("emacs"), SG_EDITOR_EMACS);
	assert_int_equal(sg_editor_keys_parse("nano"), -1);
	sg_editor_free(ed);
}

static void test_vi_find_objects_repeat(void **state)
{
	const char *src = "x = f(a, g(b), \"s t\") + word_1";
	struct sg_editor *ed = sg_editor_new(src, strlen(src), SG_LANG_PYTHON, SG_EDITOR_VI);
	struct sg_tb_pos p;

	/* f F t T ; , */
	keys(ed, "f(");
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 5);
	keys(ed, ";");
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 10);
	keys(ed, ",");
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 5);
	keys(ed, "t)");
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 11);
	keys(ed, "F=");
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 2);
	keys(ed, "2f,");
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 13);
	keys(ed, "fz");  /* not found: stays */
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 13);
	/* text objects: di" keeps the quotes, da( takes the brackets */
	keys(ed, "fsdi\"");
	assert_string_equal(text_of(ed), "x = f(a, g(b), \"\") + word_1");
	keys(ed, "0fbda(");
	assert_string_equal(text_of(ed), "x = f(a, g, \"\") + word_1");
	keys(ed, "$ciwname");
	sg_editor_key(ed, SG_KEY_ESC);
	assert_string_equal(text_of(ed), "x = f(a, g, \"\") + name");
	keys(ed, "0fayi(");
	assert_string_equal(sg_register_get(NULL, NULL), "a, g, \"\"");
	/* operators with f t: dt, then df) */
	keys(ed, "0fadt,");
	assert_string_equal(text_of(ed), "x = f(, g, \"\") + name");
	keys(ed, "0df)");
	assert_string_equal(text_of(ed), " + name");
	keys(ed, "u");
	assert_string_equal(text_of(ed), "x = f(, g, \"\") + name");
	/* . repeats the last change, as one undo step each */
	sg_editor_free(ed);
	ed = sg_editor_new("a b c d e\nl1\nl2", 16, SG_LANG_PLAIN, SG_EDITOR_VI);
	keys(ed, "dw..");
	assert_string_equal(text_of(ed), "d e\nl1\nl2");
	keys(ed, "u");
	assert_string_equal(text_of(ed), "c d e\nl1\nl2");
	keys(ed, "cwX");
	sg_editor_key(ed, SG_KEY_ESC);
	keys(ed, "w.");
	assert_string_equal(text_of(ed), "X X e\nl1\nl2");
	keys(ed, "j>>j.");
	assert_string_equal(text_of(ed), "X X e\n    l1\n    l2");
	keys(ed, "gg02x");
	assert_string_equal(text_of(ed), "X e\n    l1\n    l2");
	keys(ed, "j0.");  /* motions do not replace the change */
	assert_string_equal(text_of(ed), "X e\n  l1\n    l2");
	keys(ed, "u");
	p = sg_textbuf_cursor(ed->tb);
	assert_int_equal(p.line, 1);
	assert_string_equal(text_of(ed), "X e\n    l1\n    l2");
	/* a multi-line text object across lines */
	sg_editor_free(ed);
	ed = sg_editor_new("f(\n  a,\n  b)\n", 13, SG_LANG_PLAIN, SG_EDITOR_VI);
	keys(ed, "jdi(");
	assert_string_equal(text_of(ed), "f()\n");
	sg_editor_free(ed);
}

static void test_search(void **state)
{
	const char *src = "import os\nx = os.path\ny = OS\nz = 1";
	struct sg_editor *ed = sg_editor_new(src, strlen(src), SG_LANG_PYTHON, SG_EDITOR_EMACS);
	struct sg_tb_pos p;
	int y, x;

	ed->focused = 1;
	/* emacs: incremental, C-s again for the next match, Enter keeps it */
	sg_editor_key(ed, SG_KEY_ALT | 's');
	keys(ed, "os");
	p = sg_textbuf_cursor(ed->tb);
	assert_int_equal(p.line, 0);
	assert_int_equal(p.col, 7);
	paint(ed);
	assert_string_equal(srow(23), "I-search: os");
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(y, 23);
	assert_int_equal(x, 12);
	assert_int_equal(surface_mem_cell(be, 0, 7)->role, SG_ROLE_SELECTED);
	sg_editor_key(ed, SG_KEY_ALT | 's');
	p = sg_textbuf_cursor(ed->tb);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.col, 4);
	sg_editor_key(ed, 19);  /* C-s too, while searching; smart case: "os" finds "OS" */
	assert_int_equal(sg_textbuf_cursor(ed->tb).line, 2);
	sg_editor_key(ed, SG_KEY_ENTER);
	assert_false(ed->searching);
	assert_int_equal(sg_textbuf_cursor(ed->tb).line, 2);
	/* Esc goes back to where the search started; a failing search says so */
	sg_editor_key(ed, SG_KEY_ALT | 'r');  /* backward */
	keys(ed, "import");
	assert_int_equal(sg_textbuf_cursor(ed->tb).line, 0);
	keys(ed, "X");
	assert_true(ed->search_failed);
	paint(ed);
	assert_string_equal(srow(23), "Failing I-search backward: importX");
	assert_int_equal(srole("Failing"), SG_ROLE_ERROR);
	sg_editor_key(ed, SG_KEY_BACKSPACE);
	assert_false(ed->search_failed);
	sg_editor_key(ed, SG_KEY_ESC);
	assert_int_equal(sg_textbuf_cursor(ed->tb).line, 2);
	/* a motion key ends the search at the match and moves */
	sg_editor_key(ed, SG_KEY_ALT | 's');
	keys(ed, "path");
	sg_editor_key(ed, CTRL_E);
	assert_false(ed->searching);
	p = sg_textbuf_cursor(ed->tb);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.col, 11);
	sg_editor_free(ed);

	/* vi: / Enter, n N, ? */
	ed = sg_editor_new(src, strlen(src), SG_LANG_PYTHON, SG_EDITOR_VI);
	keys(ed, "/os\n");
	assert_int_equal(sg_textbuf_cursor(ed->tb).col, 7);
	keys(ed, "n");
	assert_int_equal(sg_textbuf_cursor(ed->tb).line, 1);
	keys(ed, "N");
	assert_int_equal(sg_textbuf_cursor(ed->tb).line, 0);
	keys(ed, "?1\n");
	assert_int_equal(sg_textbuf_cursor(ed->tb).line, 3);
	paint(ed);  /* closed: no search line */
	assert_null(strstr(srow(23), "?"));
	assert_string_equal(text_of(ed), src);  /* searching typed nothing */
	sg_editor_free(ed);
}

static void test_readonly_drawing(void **state)
{
	const char *code = "x = 1\ny = 'two'\nz = 3";
	const char *md = "# Title\n\nSome **bold** words.\n\n- item";
	struct surface part;

	assert_int_equal(sg_code_lines(code, strlen(code)), 3);
	assert_int_equal(sg_code_lines("", 0), 1);
	part = surface_sub(&root, 2, 4, 2, 30);
	assert_int_equal(sg_code_draw(&part, code, strlen(code), SG_LANG_PYTHON, 1, 0), 2);
	assert_string_equal(srow(2), "    y = 'two'");
	assert_string_equal(srow(3), "    z = 3");
	assert_int_equal(srole("'two'"), SG_ROLE_SYN_STRING);
	int y, x;
	surface_mem_cursor(be, &y, &x);
	assert_int_equal(y, -1);  /* read-only: no cursor */
	be->ops->clear_all(be);
	part = surface_sub(&root, 0, 0, 10, 40);
	assert_int_equal(sg_md_rows(md, strlen(md), 40, 1), 6);
	assert_int_equal(sg_md_draw(&part, md, strlen(md), 0), 6);
	assert_string_equal(srow(0), "Title");
	assert_int_equal(srole("Title"), SG_ROLE_MD_HEADING);
	assert_int_equal(srole("bold"), SG_ROLE_MD_STRONG);
	assert_string_equal(srow(5), "\xe2\x80\xa2 item");
	be->ops->clear_all(be);
	assert_int_equal(sg_md_draw(&part, md, strlen(md), 3), 3);
	assert_string_equal(srow(0), "Some bold words.");
}

static void test_help_lines(void **state)
{
	size_t n;
	const struct sg_editor_help_line *h = sg_editor_help(SG_EDITOR_EMACS, &n);
	int kill = 0, arrows = 0;

	assert_true(n > 10);
	assert_null(h[0].keys);  /* a section title first */
	for (size_t i = 0; i < n; i++) {
		assert_non_null(h[i].what);
		kill |= h[i].keys && strstr(h[i].keys, "C-k") != NULL;
		arrows |= h[i].keys && strcmp(h[i].keys, "Arrows") == 0;
	}
	assert_true(kill && arrows);
	/* every key column fits the help's key column (22) */
	for (int k = 0; k < 2; k++) {
		const struct sg_editor_help_line *e = sg_editor_help(k ? SG_EDITOR_VI : SG_EDITOR_EMACS, &n);
		for (size_t i = 0; i < n; i++)
			if (e[i].keys && strlen(e[i].keys) > 22)
				fail_msg("help keys too wide: %s", e[i].keys);
	}
	h = sg_editor_help(SG_EDITOR_VI, &n);
	kill = 0;
	for (size_t i = 0; i < n; i++)
		kill |= h[i].keys && strstr(h[i].keys, "dd") != NULL;
	assert_true(kill);
	/* Alt keys have names */
	char name[32];
	sg_key_name(SG_KEY_ALT | 'f', name, sizeof name);
	assert_string_equal(name, "<M-f>");
	sg_key_name(SG_KEY_ALT | SG_KEY_BACKSPACE, name, sizeof name);
	assert_string_equal(name, "<M-Backspace>");
}

/* Feeds s between the terminal's paste marks. */
static void pasted(struct sg_editor *ed, const char *s)
{
	assert_true(sg_editor_key(ed, SG_KEY_PASTE_BEGIN));
	for (const char *p = s; *p; p++)
		assert_true(sg_editor_key(ed, *p == '\n' ? SG_KEY_ENTER : *p == '\t' ? SG_KEY_TAB
										  : (unsigned char)*p));
	assert_true(sg_editor_key(ed, SG_KEY_PASTE_END));
}

static void test_paste_and_shift_select(void **state)
{
	const char *code = "if x:\n    y = 1\n\tz = ':'\nelse:\n    pass\n";
	struct sg_editor *ed = sg_editor_new("", 0, SG_LANG_PYTHON, SG_EDITOR_EMACS);

	/* pasted code keeps its own indentation (typed, it would be indented
	 * again on every line) and undoes as one step */
	keys(ed, "def f():\n");
	pasted(ed, code);
	assert_string_equal(text_of(ed), "def f():\n    if x:\n    y = 1\n\tz = ':'\nelse:\n    pass\n");
	sg_editor_key(ed, CTRL_UNDERSCORE);
	assert_string_equal(text_of(ed), "def f():\n    ");
	sg_editor_free(ed);

	/* vi: a paste in normal mode goes after the cursor, then normal again */
	ed = sg_editor_new("ab", 2, SG_LANG_PLAIN, SG_EDITOR_VI);
	pasted(ed, "XY");
	assert_string_equal(text_of(ed), "aXYb");
	assert_string_equal(sg_editor_mode_name(ed), "-- NORMAL --");
	keys(ed, "u");
	assert_string_equal(text_of(ed), "ab");
	/* Shift+motion in normal mode starts visual mode */
	keys(ed, "0");
	sg_editor_key(ed, SG_KEY_S_RIGHT);
	assert_string_equal(sg_editor_mode_name(ed), "-- VISUAL --");
	keys(ed, "d");
	assert_string_equal(text_of(ed), "");
	sg_editor_free(ed);

	/* Shift selection: typing replaces it; a plain motion drops it */
	ed = sg_editor_new("hello world", 11, SG_LANG_PLAIN, SG_EDITOR_EMACS);
	for (int i = 0; i < 5; i++)
		sg_editor_key(ed, SG_KEY_S_RIGHT);
	paint(ed);
	assert_int_equal(srole("hello"), SG_ROLE_SELECTED);
	keys(ed, "bye");
	assert_string_equal(text_of(ed), "bye world");
	sg_editor_key(ed, CTRL_UNDERSCORE);
	assert_string_equal(text_of(ed), "hello world");
	sg_editor_key(ed, SG_KEY_S_END);
	sg_editor_key(ed, SG_KEY_LEFT);
	assert_false(sg_textbuf_selection(ed->tb, NULL, NULL));
	sg_editor_key(ed, SG_KEY_S_HOME);
	sg_editor_key(ed, SG_KEY_BACKSPACE);
	assert_string_equal(text_of(ed), "d");
	sg_editor_free(ed);

	/* the curses layer's Shift keys */
	assert_int_equal(surface_curses_key(1, KEY_SLEFT), SG_KEY_S_LEFT);
	assert_int_equal(surface_curses_key(1, KEY_SR), SG_KEY_S_UP);
	assert_int_equal(surface_curses_key(1, KEY_SEND), SG_KEY_S_END);
}

/* Checks that the cursor is on a character boundary inside the text. */
static void check_cursor(const struct sg_editor *ed)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	size_t len;
	const char *t;

	assert_true(p.line < sg_textbuf_lines(ed->tb));
	t = sg_textbuf_line(ed->tb, p.line, &len);
	assert_true(p.col <= len);
	if (p.col < len && ((unsigned char)t[p.col] & 0xc0) == 0x80) {
		/* only an invalid byte may be a continuation byte at the cursor */
		long cp;
		size_t k = 0, at = 0;
		while (k <= p.col) {
			at = k;
			k += utf8_decode(t + k, len - k, &cp);
		}
		assert_int_equal(at, p.col);
	}
}

/* Thousands of pseudo-random keys of both styles (a fixed seed): the
 * cursor stays valid, drawing at odd sizes never fails, and undoing
 * everything gives back the original text. */
static void test_random_keys(void **state)
{
	static const int pool[] = {
		'a', 'b', ' ', ':', '(', ')', '\'', '#', 'x', 'd', 'w', 'e', 'y', 'p', 'P', 'u',
		'o', 'O', 'i', 'A', 'v', 'V', 'j', 'k', 'h', 'l', 'g', 'G', 'c', 'D', 'J', '>',
		'<', 'r', '0', '$', '3', 0xe9, 0x65e5, SG_KEY_ENTER, SG_KEY_TAB, SG_KEY_BTAB,
		SG_KEY_BACKSPACE, SG_KEY_DELETE, SG_KEY_UP, SG_KEY_DOWN, SG_KEY_LEFT, SG_KEY_RIGHT,
		SG_KEY_HOME, SG_KEY_END, SG_KEY_PGUP, SG_KEY_PGDN, SG_KEY_ESC, 0, CTRL_A, CTRL_D,
		CTRL_E, CTRL_G, CTRL_K, CTRL_P, CTRL_W, CTRL_Y, CTRL_UNDERSCORE, 18, 21, 2, 6, 14,
		SG_KEY_ALT | 'f', SG_KEY_ALT | 'b', SG_KEY_ALT | 'd', SG_KEY_ALT | 'w',
		SG_KEY_ALT | SG_KEY_BACKSPACE, SG_KEY_ALT | '_', SG_KEY_ALT | '<', SG_KEY_ALT | '>',
		SG_KEY_S_LEFT, SG_KEY_S_RIGHT, SG_KEY_S_UP, SG_KEY_S_END, SG_KEY_PASTE_BEGIN,
		SG_KEY_PASTE_END, 'f', 't', 'F', ';', ',', '.', 'a', '"', '/', '?', 'n', 19, SG_KEY_ALT | 's', SG_KEY_ALT | 'r',
	};
	const char *orig = "def f(x):\n\tif x:\n        return '\xe6\x97\xa5'  # c\n\xff\n";
	unsigned long rng = 12345;

	for (int style = 0; style < 2; style++) {
		struct sg_editor *ed = sg_editor_new(orig, strlen(orig), SG_LANG_PYTHON,
						     style ? SG_EDITOR_VI : SG_EDITOR_EMACS);
		ed->line_numbers = 1;
		for (int i = 0; i < 6000; i++) {
			rng = rng * 6364136223846793005UL + 1442695040888963407UL;
			int k = pool[(rng >> 33) % (sizeof pool / sizeof pool[0])];
			sg_editor_key(ed, k);
			check_cursor(ed);
			if (i % 97 == 0) {
				int w = 1 + (int)((rng >> 20) % 30), h = 1 + (int)((rng >> 40) % 8);
				struct surface sub = surface_sub(&root, 0, 0, h, w);
				ed->focused = 1;
				sg_editor_draw(ed, &sub);
				if (ed->cur_y >= 0) {
					assert_true(ed->cur_y < h);
					assert_true(ed->cur_x < w);
				}
			}
		}
		sg_editor_key(ed, SG_KEY_PASTE_END);
		if (ed->mode == SG_EDITOR_INSERT && style)
			sg_editor_key(ed, SG_KEY_ESC);
		while (sg_textbuf_undo(ed->tb))
			;
		assert_string_equal(text_of(ed), orig);
		sg_editor_free(ed);
	}
}

/* The syntax roles degrade to sensible basic colors and attributes. */
static void test_syntax_colors_degrade(void **state)
{
	struct sg_theme t;
	struct sg_error err = { 0 };
	struct colors_spec sp;
	char *dir = sg_xasprintf("%s/themes", tu_srcdir());
	const char *dirs[] = { dir, NULL };

	sg_theme_default(&t);
	colors_resolve(&t, COLORS_8, SG_ROLE_SYN_KEYWORD, &sp);
	assert_int_equal(sp.fg, 5);  /* magenta */
	colors_resolve(&t, COLORS_8, SG_ROLE_SYN_STRING, &sp);
	assert_int_equal(sp.fg, 2);  /* green */
	colors_resolve(&t, COLORS_8, SG_ROLE_SYN_NUMBER, &sp);
	assert_int_equal(sp.fg, 3);  /* yellow */
	colors_resolve(&t, COLORS_8, SG_ROLE_SYN_COMMENT, &sp);
	assert_true(sp.attrs & SG_ATTR_ITALIC);
	colors_resolve(&t, COLORS_256, SG_ROLE_SYN_STRING, &sp);
	assert_int_equal(sp.fg, 77);
	colors_resolve(&t, COLORS_MONO, SG_ROLE_SYN_KEYWORD, &sp);
	assert_int_equal(sp.fg, SG_COLOR_DEFAULT);
	assert_true(sp.attrs & SG_ATTR_BOLD);
	colors_resolve(&t, COLORS_MONO, SG_ROLE_SYN_COMMENT, &sp);
	assert_true(sp.attrs & SG_ATTR_DIM);
	/* on a light background no code or markdown role turns white */
	assert_int_equal(sg_theme_load(&t, "light", dirs, &err), 0);
	for (int r = SG_ROLE_SYN_KEYWORD; r <= SG_ROLE_MD_BULLET; r++) {
		colors_resolve(&t, COLORS_8, (enum sg_role)r, &sp);
		if (sp.fg == 7)
			fail_msg("light theme: %s is white on 8 colors", sg_role_name((enum sg_role)r));
	}
	free(dir);
}

/* Replays tests/corpus/editor (key sessions) through the fuzz target. */
static void test_corpus(void **state)
{
	assert_true(tu_replay_corpus("editor", sg_fuzz_editor) >= 10);
}

/* The app: the Notebooks pane's help lists the editor keys; an Alt key
 * nobody binds is <Esc> then the key. */
static void test_app_help_and_alt(void **state)
{
	char *dir = tu_tempdir();
	struct sg_workspace *ws;
	struct fx *f;

	tt_env(dir);
	ws = tt_workspace(dir);
	f = tt_fx_new(ws, 100, 44, 1, NULL);
	key(f, SG_KEY_ALT | '2');  /* <Esc> 2: the Notebooks pane */
	type(f, "?");
	assert_true(has(f, "Notebooks pane"));
	type(f, "G");
	assert_true(has(f, "Cell editor, emacs keys"));
	assert_true(has(f, "Kill to the end of the line"));
	key(f, SG_KEY_ESC);
	type(f, "1?G");
	assert_false(has(f, "Cell editor"));
	key(f, SG_KEY_ALT | 'q');  /* in help: <Esc> closes it, q asks to quit */
	assert_false(has(f, "WHAT IT DOES"));
	tt_fx_free(f);
	/* vi keys by config */
	ws->config.editor_vi = 1;
	f = tt_fx_new(ws, 100, 44, 1, NULL);
	type(f, "2?G");
	assert_true(has(f, "Visual selection by characters"));
	tt_fx_free(f);
	sg_workspace_free(ws);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_draw_colors_and_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scroll_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unicode_and_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emacs_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vi_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vi_find_objects_repeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_drawing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_colors_degrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paste_and_shift_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app_help_and_alt, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sg_register_clear();
	return rc;
}
