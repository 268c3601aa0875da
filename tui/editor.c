/* editor.c — the cell editor: keys (emacs or vi style) and drawing. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/keymap.h"
#include "core/mdtext.h"
#include "core/pysyntax.h"
#include "core/util.h"
#include "tui/editor.h"

#define CTRL(c) ((c) & 0x1f)
#define MAX_SPANS 256

/* Pending states: the vi keys that need a second key. */
enum { P_NONE, P_G, P_D, P_C, P_Y, P_R, P_GT, P_LT, P_Z, P_FIND };

static void search_open(struct sg_editor *ed, int back);
static void search_again(struct sg_editor *ed, int back);

struct sg_editor *sg_editor_new(const char *text, size_t len, enum sg_editor_lang lang,
				enum sg_editor_keys keys)
{
	struct sg_editor *ed = sg_xcalloc(1, sizeof *ed);

	ed->tb = sg_textbuf_new_text(text ? text : "", text ? len : 0);
	ed->lang = lang;
	ed->cur_y = ed->cur_x = -1;
	sg_editor_set_keys(ed, keys);
	return ed;
}

void sg_editor_free(struct sg_editor *ed)
{
	if (!ed)
		return;
	sg_textbuf_free(ed->tb);
	free(ed);
}

void sg_editor_set_keys(struct sg_editor *ed, enum sg_editor_keys keys)
{
	if (ed->group_open) {
		sg_textbuf_group_end(ed->tb);
		ed->group_open = 0;
	}
	ed->keys = keys;
	ed->mode = keys == SG_EDITOR_VI ? SG_EDITOR_NORMAL : SG_EDITOR_INSERT;
	ed->pending = P_NONE;
	ed->count = ed->op_count = 0;
	sg_textbuf_clear_mark(ed->tb);
}

int sg_editor_keys_parse(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "vi") == 0 || strcmp(name, "vim") == 0)
		return SG_EDITOR_VI;
	if (strcmp(name, "emacs") == 0 || strcmp(name, "default") == 0)
		return SG_EDITOR_EMACS;
	return -1;
}

const char *sg_editor_mode_name(const struct sg_editor *ed)
{
	if (ed->keys != SG_EDITOR_VI)
		return "";
	switch (ed->mode) {
	case SG_EDITOR_INSERT: return "-- INSERT --";
	case SG_EDITOR_NORMAL: return "-- NORMAL --";
	case SG_EDITOR_VISUAL: return "-- VISUAL --";
	case SG_EDITOR_VISUAL_LINE: return "-- VISUAL LINE --";
	}
	return "";
}

void sg_editor_position(const struct sg_editor *ed, char *buf, size_t n)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	snprintf(buf, n, "Ln %zu, Col %d", p.line + 1,
		 sg_textbuf_display_col(ed->tb, p.line, p.col) + 1);
}

void sg_editor_status(const struct sg_editor *ed, char *buf, size_t n)
{
	char pos[48];
	const char *mode = sg_editor_mode_name(ed);

	sg_editor_position(ed, pos, sizeof pos);
	snprintf(buf, n, "%s%s%s", mode, *mode ? "  " : "", pos);
}

char *sg_editor_text(const struct sg_editor *ed, size_t *len)
{
	return sg_textbuf_text(ed->tb, len);
}

/* ---- keys shared by both styles ------------------------------------------------------ */

/* Lines a page moves: the view's height less one, at least 1. */
static long page(const struct sg_editor *ed)
{
	return ed->h > 2 ? ed->h - 1 : 1;
}

/* Bytes of the character at s[0..n). */
static size_t char_bytes(const char *s, size_t n)
{
	size_t b;
	sg_tb_char_width(s, n, 0, 4, &b);
	return b;
}

/* A digit of a vi count; counts stop growing at 9999 (no overflow, and
 * no 99999999p filling the memory). */
static void count_digit(struct sg_editor *ed, int key)
{
	if (ed->count < 1000)
		ed->count = ed->count * 10 + (key - '0');
	else
		ed->count = 9999;
}

/* Typing a character (not a control code, not a special key). */
static int printable(int key)
{
	return key >= 0x20 && key < SG_KEY_BASE && key != 0x7f && !(key >= 0x80 && key < 0xa0);
}

/* Motions and edits every mode knows; 1 when key was one. */
static int common_key(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;

	switch (key) {
	case SG_KEY_UP: sg_textbuf_move(tb, SG_TB_UP, 1); return 1;
	case SG_KEY_DOWN: sg_textbuf_move(tb, SG_TB_DOWN, 1); return 1;
	case SG_KEY_LEFT: sg_textbuf_move(tb, SG_TB_LEFT, 1); return 1;
	case SG_KEY_RIGHT: sg_textbuf_move(tb, SG_TB_RIGHT, 1); return 1;
	case SG_KEY_HOME: sg_textbuf_move(tb, SG_TB_SMART_HOME, 1); return 1;
	case SG_KEY_END: sg_textbuf_move(tb, SG_TB_LINE_END, 1); return 1;
	case SG_KEY_PGUP: sg_textbuf_move_lines(tb, -page(ed)); return 1;
	case SG_KEY_PGDN: sg_textbuf_move_lines(tb, page(ed)); return 1;
	}
	return 0;
}

/* Editing keys of insert mode (both styles). */
static int insert_edit_key(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;

	switch (key) {
	case SG_KEY_ENTER: sg_textbuf_newline(tb); return 1;
	case SG_KEY_TAB: sg_textbuf_indent(tb); return 1;
	case SG_KEY_BTAB: sg_textbuf_dedent(tb); return 1;
	case SG_KEY_BACKSPACE: case CTRL('h'): sg_textbuf_backspace(tb); return 1;
	case SG_KEY_DELETE: sg_textbuf_delete(tb); return 1;
	}
	if (printable(key)) {
		sg_textbuf_type(tb, (unsigned)key);
		return 1;
	}
	return 0;
}

/* ---- emacs style --------------------------------------------------------------------- */

/* M-key (Alt held, or after <Esc>). */
static int emacs_meta(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;

	switch (key) {
	case 'f': case SG_KEY_RIGHT: sg_textbuf_move(tb, SG_TB_WORD_NEXT_END, 1); return 1;
	case 'b': case SG_KEY_LEFT: sg_textbuf_move(tb, SG_TB_WORD_PREV, 1); return 1;
	case 'd': sg_textbuf_delete_motion(tb, SG_TB_WORD_NEXT_END, 1, 1); return 1;
	case SG_KEY_BACKSPACE: case CTRL('h'):
		sg_textbuf_delete_motion(tb, SG_TB_WORD_PREV, 1, 1);
		return 1;
	case 'w': sg_textbuf_copy_selection(tb); return 1;
	case '<': sg_textbuf_move(tb, SG_TB_BUF_START, 1); return 1;
	case '>': sg_textbuf_move(tb, SG_TB_BUF_END, 1); return 1;
	case 'v': sg_textbuf_move_lines(tb, -page(ed)); return 1;
	case '_': sg_textbuf_redo(tb); return 1;
	case 'm': sg_textbuf_move(tb, SG_TB_LINE_FIRST, 1); return 1;
	/* M-s / M-r: C-s and C-r stay the pane's (save, run) */
	case 's': case 'r': search_open(ed, key == 'r'); return 1;
	}
	return 0;
}

static int emacs_key(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;
	struct sg_tb_pos a;

	if (key == SG_KEY_ESC)
		return 0;  /* the pane leaves the editor */
	if (key & SG_KEY_ALT)
		return emacs_meta(ed, key & ~SG_KEY_ALT);
	switch (key) {
	case CTRL('a'): sg_textbuf_move(tb, SG_TB_LINE_START, 1); return 1;
	case CTRL('e'): sg_textbuf_move(tb, SG_TB_LINE_END, 1); return 1;
	case CTRL('f'): sg_textbuf_move(tb, SG_TB_RIGHT, 1); return 1;
	case CTRL('b'): sg_textbuf_move(tb, SG_TB_LEFT, 1); return 1;
	case CTRL('n'): sg_textbuf_move(tb, SG_TB_DOWN, 1); return 1;
	case CTRL('p'): sg_textbuf_move(tb, SG_TB_UP, 1); return 1;
	case CTRL('v'): sg_textbuf_move_lines(tb, page(ed)); return 1;
	case CTRL('d'): sg_textbuf_delete(tb); return 1;
	case CTRL('k'): sg_textbuf_kill_line_end(tb); return 1;
	case CTRL('y'): sg_textbuf_paste(tb, 0); return 1;
	case CTRL('w'):
		if (!sg_textbuf_delete_selection(tb, 1))
			sg_textbuf_delete_motion(tb, SG_TB_WORD_PREV, 1, 1);
		return 1;
	case CTRL('_'): sg_textbuf_undo(tb); return 1;
	case 0: /* C-@ and C-Space */
		sg_textbuf_set_mark(tb);
		return 1;
	case CTRL('g'):
		if (!sg_textbuf_selection(tb, &a, NULL))
			return 0;
		sg_textbuf_clear_mark(tb);
		return 1;
	}
	if (common_key(ed, key))
		return 1;
	/* typing over a selection keeps it (emacs): the mark just goes */
	return insert_edit_key(ed, key);
}

/* ---- vi style -------------------------------------------------------------------------- */

/* vi normal mode keeps the cursor on a character, not after the last. */
static void vi_clamp(struct sg_editor *ed)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	size_t len;

	sg_textbuf_line(ed->tb, p.line, &len);
	if (ed->mode != SG_EDITOR_INSERT && len > 0 && p.col >= len) {
		int want = sg_textbuf_display_col(ed->tb, p.line, p.col);
		(void)want;
		sg_textbuf_move(ed->tb, SG_TB_LEFT_IN_LINE, 1);
	}
}

static void vi_insert(struct sg_editor *ed)
{
	ed->mode = SG_EDITOR_INSERT;
	sg_textbuf_clear_mark(ed->tb);
	sg_textbuf_undo_break(ed->tb);
}

/* The motion for a vi motion key, or -1. */
static int vi_motion(int key)
{
	switch (key) {
	case 'h': case SG_KEY_LEFT: case SG_KEY_BACKSPACE: return SG_TB_LEFT_IN_LINE;
	case 'l': case SG_KEY_RIGHT: case ' ': return SG_TB_RIGHT_IN_LINE;
	case 'j': case SG_KEY_DOWN: case CTRL('n'): return SG_TB_DOWN;
	case 'k': case SG_KEY_UP: case CTRL('p'): return SG_TB_UP;
	case 'w': case 'W': return SG_TB_VI_WORD_NEXT;
	case 'b': case 'B': return SG_TB_VI_WORD_PREV;
	case 'e': case 'E': return SG_TB_VI_WORD_END;
	case '0': case SG_KEY_HOME: return SG_TB_LINE_START;
	case '^': return SG_TB_LINE_FIRST;
	case '$': case SG_KEY_END: return SG_TB_LINE_END;
	}
	return -1;
}

/* Goes to line n (1-based; 0: the last) at its first non-blank. */
static void vi_goto_line(struct sg_textbuf *tb, size_t n)
{
	size_t lines = sg_textbuf_lines(tb);
	size_t l = n == 0 || n > lines ? lines - 1 : n - 1;

	sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ l, 0 });
	sg_textbuf_move(tb, SG_TB_LINE_FIRST, 1);
}

/* An operator (d c y > <) applied to motion m, count times. */
static int obj_class(unsigned char c);

static void vi_operate(struct sg_editor *ed, int op, int m, int count)
{
	struct sg_textbuf *tb = ed->tb;
	struct sg_tb_pos a = sg_textbuf_cursor(tb), b;
	int linewise = m == SG_TB_UP || m == SG_TB_DOWN;

	size_t wlen;
	const char *ws = sg_textbuf_line(tb, a.line, &wlen);
	int on_word = a.col < wlen && ws[a.col] != ' ' && ws[a.col] != '\t';

	if (m == SG_TB_VI_WORD_NEXT && op == P_C && on_word) {
		/* cw changes to the end of this word, however short (not to the
		 * end of the next one, as e from a word's last character would) */
		int c = obj_class((unsigned char)ws[a.col]);
		b = a;
		while (b.col < wlen && obj_class((unsigned char)ws[b.col]) == c)
			b.col++;
		for (int i = 1; i < count; i++) {
			sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ b.line, b.col - 1 });
			sg_textbuf_move(tb, SG_TB_VI_WORD_END, 1);
			b = sg_textbuf_cursor(tb);
			ws = sg_textbuf_line(tb, b.line, &wlen);
			if (b.col < wlen)
				b.col += char_bytes(ws + b.col, wlen - b.col);
		}
		sg_textbuf_set_cursor(tb, a);
		sg_textbuf_delete_range(tb, a, b, 1, 0);
		vi_insert(ed);
		return;
	}
	sg_textbuf_move(tb, (enum sg_tb_motion)m, count);
	b = sg_textbuf_cursor(tb);
	sg_textbuf_set_cursor(tb, a);
	if (m == SG_TB_VI_WORD_END) {  /* e includes the character it lands on */
		size_t len;
		const char *s = sg_textbuf_line(tb, b.line, &len);
		if (b.col < len) {
			size_t w;
			sg_tb_char_width(s + b.col, len - b.col, 0, 4, &w);
			b.col += w;
		}
	}
	if (m == SG_TB_VI_WORD_NEXT && b.line > a.line) {
		/* dw at a line's last word stops at its end */
		size_t len;
		sg_textbuf_line(tb, a.line, &len);
		b = (struct sg_tb_pos){ a.line, len };
	}
	if (linewise) {
		size_t first = a.line < b.line ? a.line : b.line;
		size_t last = a.line < b.line ? b.line : a.line;
		sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ first, 0 });
		int n = (int)(last - first + 1);
		if (op == P_Y)
			sg_textbuf_copy_lines(tb, n);
		else if (op == P_D || op == P_C)
			sg_textbuf_kill_lines(tb, n);
		if (op == P_C)
			sg_textbuf_open_line(tb, 0), vi_insert(ed);
		return;
	}
	if (op == P_Y) {
		sg_textbuf_copy_range(tb, a, b, 0);
		if (b.line < a.line || (b.line == a.line && b.col < a.col))
			sg_textbuf_set_cursor(tb, b);
		return;
	}
	sg_textbuf_delete_range(tb, a, b, 1, 0);
	if (op == P_C)
		vi_insert(ed);
}

/* dd, yy, cc, >>, << on count lines. */
static void vi_line_op(struct sg_editor *ed, int op, int count)
{
	struct sg_textbuf *tb = ed->tb;

	switch (op) {
	case P_D: sg_textbuf_kill_lines(tb, count); break;
	case P_Y: sg_textbuf_copy_lines(tb, count); break;
	case P_C: {
		sg_textbuf_group_begin(tb);
		sg_textbuf_copy_lines(tb, count);
		struct sg_tb_pos p = sg_textbuf_cursor(tb);
		size_t last = p.line + (size_t)count - 1, len, fnb = 0;
		const char *s = sg_textbuf_line(tb, p.line, &len);
		while (fnb < len && (s[fnb] == ' ' || s[fnb] == '\t'))
			fnb++;
		if (last >= sg_textbuf_lines(tb))
			last = sg_textbuf_lines(tb) - 1;
		sg_textbuf_line(tb, last, &len);
		sg_textbuf_delete_range(tb, (struct sg_tb_pos){ p.line, fnb },
					(struct sg_tb_pos){ last, len }, 0, 0);
		sg_textbuf_group_end(tb);
		vi_insert(ed);
		break;
	}
	case P_GT: case P_LT: {
		/* the lines as one selection: one indent unit, one undo step */
		struct sg_tb_pos p = sg_textbuf_cursor(tb);
		size_t last = p.line + (size_t)count - 1, len;
		if (last >= sg_textbuf_lines(tb))
			last = sg_textbuf_lines(tb) - 1;
		sg_textbuf_line(tb, last, &len);
		sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ p.line, 0 });
		sg_textbuf_set_mark(tb);
		sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ last, len });
		if (op == P_GT)
			sg_textbuf_indent(tb);
		else
			sg_textbuf_dedent(tb);
		sg_textbuf_clear_mark(tb);
		sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ p.line, 0 });
		sg_textbuf_move(tb, SG_TB_LINE_FIRST, 1);
		break;
	}
	}
}

static int vi_find_key(struct sg_editor *ed, int key);
static void vi_find_again(struct sg_editor *ed, int reverse, int count, int op);

/* Visual mode: the selection's ends as a range (whole lines in V). */
static void visual_range(struct sg_editor *ed, struct sg_tb_pos *a, struct sg_tb_pos *b)
{
	struct sg_textbuf *tb = ed->tb;
	size_t len;

	sg_textbuf_selection(tb, a, b);
	if (ed->mode == SG_EDITOR_VISUAL_LINE) {
		a->col = 0;
		sg_textbuf_line(tb, b->line, &len);
		b->col = len;
	} else {
		const char *s = sg_textbuf_line(tb, b->line, &len);
		if (b->col < len) {  /* the character under the cursor is in */
			size_t w;
			sg_tb_char_width(s + b->col, len - b->col, 0, 4, &w);
			b->col += w;
		}
	}
}

/* A key in visual mode: motions extend, operators act and leave. */
static int vi_visual_key(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;
	struct sg_tb_pos a, b;
	int lines = ed->mode == SG_EDITOR_VISUAL_LINE, m = vi_motion(key);

	if (ed->pending == P_FIND)
		return vi_find_key(ed, key);
	if (key == 'f' || key == 'F' || key == 't' || key == 'T') {
		ed->pending = P_FIND;
		ed->find_kind = key;
		ed->find_op = 0;
		return 1;
	}
	if (key == ';' || key == ',') {
		vi_find_again(ed, key == ',', 1, 0);
		return 1;
	}
	if (m >= 0) {
		struct sg_tb_pos keep;
		sg_textbuf_selection(tb, &a, &b);
		keep = sg_textbuf_cursor(tb);
		(void)keep;
		for (int i = 0; i < (ed->count ? ed->count : 1); i++)
			sg_textbuf_move(tb, (enum sg_tb_motion)m, 1);
		ed->count = 0;
		return 1;
	}
	switch (key) {
	case SG_KEY_ESC: case CTRL('c'):
		sg_textbuf_clear_mark(tb);
		ed->mode = SG_EDITOR_NORMAL;
		return 1;
	case 'v': case 'V':
		if ((key == 'V') == lines) {
			sg_textbuf_clear_mark(tb);
			ed->mode = SG_EDITOR_NORMAL;
		} else {
			ed->mode = key == 'V' ? SG_EDITOR_VISUAL_LINE : SG_EDITOR_VISUAL;
		}
		return 1;
	case 'G': vi_goto_line(tb, (size_t)ed->count); ed->count = 0; return 1;
	case 'y': case 'd': case 'x': case 'c': case 's': case SG_KEY_DELETE:
		visual_range(ed, &a, &b);
		sg_textbuf_clear_mark(tb);
		if (key == 'y') {
			sg_textbuf_copy_range(tb, a, b, lines);
			sg_textbuf_set_cursor(tb, a);
		} else if (lines && key != 'c' && key != 's') {
			sg_textbuf_set_cursor(tb, a);
			sg_textbuf_kill_lines(tb, (int)(b.line - a.line + 1));
		} else {
			sg_textbuf_delete_range(tb, a, b, 1, lines);
		}
		ed->mode = SG_EDITOR_NORMAL;
		if (key == 'c' || key == 's')
			vi_insert(ed);
		return 1;
	case '>': case '<': case SG_KEY_TAB: case SG_KEY_BTAB:
		if (key == '>' || key == SG_KEY_TAB)
			sg_textbuf_indent(tb);
		else
			sg_textbuf_dedent(tb);
		sg_textbuf_clear_mark(tb);
		ed->mode = SG_EDITOR_NORMAL;
		return 1;
	case 'o': /* the other end */
		sg_textbuf_selection(tb, &a, &b);
		{
			struct sg_tb_pos cur = sg_textbuf_cursor(tb);
			struct sg_tb_pos other = cur.line == a.line && cur.col == a.col ? b : a;
			sg_textbuf_set_cursor(tb, other);
			sg_textbuf_set_mark(tb);
			sg_textbuf_set_cursor(tb, cur);
			sg_textbuf_set_mark(tb);
			sg_textbuf_set_cursor(tb, other);
		}
		return 1;
	}
	if (key >= '1' && key <= '9') {
		count_digit(ed, key);
		return 1;
	}
	/* letters visual mode does not use are still its own (no typing,
	 * and not the pane's: q must not quit) */
	return common_key(ed, key) || printable(key);
}

/* Applies operator op (P_D, P_C, P_Y) to [a, b). */
static void vi_apply(struct sg_editor *ed, int op, struct sg_tb_pos a, struct sg_tb_pos b)
{
	if (op == P_Y) {
		sg_textbuf_copy_range(ed->tb, a, b, 0);
		sg_textbuf_set_cursor(ed->tb, a);
		return;
	}
	sg_textbuf_delete_range(ed->tb, a, b, 1, 0);
	if (op == P_C)
		vi_insert(ed);
}

/* The byte column of the count-th ch after (kind f/t) or before (F/T)
 * the cursor on its line, or -1. */
static long find_in_line(const struct sg_editor *ed, int kind, unsigned ch, int count,
			 int again)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	size_t len, n;
	const char *s = sg_textbuf_line(ed->tb, p.line, &len);
	char enc[4];
	long at = (long)p.col;

	n = utf8_encode(ch, enc);
	for (int k = 0; k < count; k++) {
		long i = at;
		if (kind == 'f' || kind == 't') {
			/* t again right before the character skips it, as in vim */
			i += (kind == 't' && k == 0 && at + 1 < (long)len &&
			      memcmp(s + at + 1, enc, n) == 0 && again) ? 2 : 1;
			while (i + (long)n <= (long)len && memcmp(s + i, enc, n) != 0)
				i++;
			if (i + (long)n > (long)len)
				return -1;
		} else {
			i--;
			while (i >= 0 && memcmp(s + i, enc, n) != 0)
				i--;
			if (i < 0)
				return -1;
		}
		at = i;
	}
	return at;
}

/* f F t T (and ; ,): moves, or applies op to the span they cover. */
static void vi_find(struct sg_editor *ed, int kind, unsigned ch, int count, int op, int again)
{
	struct sg_textbuf *tb = ed->tb;
	struct sg_tb_pos cur = sg_textbuf_cursor(tb), a = cur, b = cur;
	long col = find_in_line(ed, kind, ch, count, again);
	size_t n;
	char enc[4];

	if (col < 0)
		return;
	n = utf8_encode(ch, enc);
	switch (kind) {
	case 'f': b.col = (size_t)col + n; break;
	case 't': b.col = (size_t)col; break;
	case 'F': a.col = (size_t)col; break;
	case 'T': a.col = (size_t)col + n; break;
	}
	if (op) {
		vi_apply(ed, op, a, b);
		return;
	}
	/* a plain motion: onto the character (f F), or next to it (t T) */
	if (kind == 'f' || kind == 'F')
		sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ cur.line, (size_t)col });
	else if (kind == 't')
		sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ cur.line, (size_t)col }),
		sg_textbuf_move(tb, SG_TB_LEFT_IN_LINE, 1);
	else
		sg_textbuf_set_cursor(tb, a);
}

/* Class of byte c for iw/aw: blank, word (multibyte included), other. */
static int obj_class(unsigned char c)
{
	if (c == ' ' || c == '\t')
		return 0;
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '_' || c >= 0x80)
		return 1;
	return 2;
}

/* iw / aw on the cursor's line. */
static int word_object(const struct sg_editor *ed, int inner, struct sg_tb_pos *a,
		       struct sg_tb_pos *b)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	size_t len, x, y;
	const unsigned char *s = (const unsigned char *)sg_textbuf_line(ed->tb, p.line, &len);

	if (!len)
		return 0;
	x = y = p.col < len ? p.col : len - 1;
	int c = obj_class(s[x]);
	while (x > 0 && obj_class(s[x - 1]) == c)
		x--;
	while (y < len && obj_class(s[y]) == c)
		y++;
	if (!inner) {
		if (y < len && obj_class(s[y]) == 0)
			while (y < len && obj_class(s[y]) == 0)
				y++;
		else
			while (x > 0 && obj_class(s[x - 1]) == 0)
				x--;
	}
	*a = (struct sg_tb_pos){ p.line, x };
	*b = (struct sg_tb_pos){ p.line, y };
	return 1;
}

/* i" a" (and ' `) on the cursor's line: the pair around the cursor, or the
 * next one after it. */
static int quote_object(const struct sg_editor *ed, char q, int inner, struct sg_tb_pos *a,
			struct sg_tb_pos *b)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	size_t len, open = 0;
	const char *s = sg_textbuf_line(ed->tb, p.line, &len);
	int have = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] != q)
			continue;
		if (!have) {
			open = i;
			have = 1;
		} else {
			have = 0;
			if (i >= p.col) {
				*a = (struct sg_tb_pos){ p.line, inner ? open + 1 : open };
				*b = (struct sg_tb_pos){ p.line, inner ? i : i + 1 };
				return 1;
			}
		}
	}
	return 0;
}

/* i( a( i[ a[ i{ a{ i< a<: the brackets around the cursor, across lines. */
static int bracket_object(const struct sg_editor *ed, char open, char close, int inner,
			  struct sg_tb_pos *a, struct sg_tb_pos *b)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	size_t n, off = 0, o, c;
	char *t = sg_textbuf_text(ed->tb, &n);
	int depth = 0, found = 0;

	for (size_t i = 0; i < p.line; i++) {
		size_t len;
		sg_textbuf_line(ed->tb, i, &len);
		off += len + 1;
	}
	off += p.col;
	/* back to the unmatched opener (the cursor may be on either bracket) */
	o = off < n && t[off] == close ? off : off + 1;
	if (off < n && t[off] == open) {
		o = off;
		found = 1;
	}
	while (!found && o-- > 0) {
		if (t[o] == close)
			depth++;
		else if (t[o] == open && depth-- == 0)
			found = 1;
	}
	if (found) {
		found = 0;
		depth = 0;
		for (c = o + 1; c < n; c++) {
			if (t[c] == open)
				depth++;
			else if (t[c] == close && depth-- == 0) {
				found = 1;
				break;
			}
		}
	}
	if (found) {
		size_t from = inner ? o + 1 : o, to = inner ? c : c + 1, line = 0, start = 0;
		for (size_t i = 0; i < n && i < to; i++) {
			if (i == from)
				*a = (struct sg_tb_pos){ line, from - start };
			if (t[i] == '\n') {
				line++;
				start = i + 1;
			}
		}
		if (from == to)
			*a = (struct sg_tb_pos){ line, to - start };
		*b = (struct sg_tb_pos){ line, to - start };
	}
	free(t);
	return found;
}

/* A text object for operator op: iw aw i" a" i' a' i( a( ib i[ i{ iB i<. */
static void vi_object(struct sg_editor *ed, int op, int inner, int key)
{
	struct sg_tb_pos a, b;
	int ok = 0;

	switch (key) {
	case 'w': case 'W': ok = word_object(ed, inner, &a, &b); break;
	case '"': case '\'': case '`': ok = quote_object(ed, (char)key, inner, &a, &b); break;
	case '(': case ')': case 'b': ok = bracket_object(ed, '(', ')', inner, &a, &b); break;
	case '[': case ']': ok = bracket_object(ed, '[', ']', inner, &a, &b); break;
	case '{': case '}': case 'B': ok = bracket_object(ed, '{', '}', inner, &a, &b); break;
	case '<': case '>': ok = bracket_object(ed, '<', '>', inner, &a, &b); break;
	}
	if (ok)
		vi_apply(ed, op, a, b);
}

/* The character after f F t T, or the object after i a. */
static int vi_find_key(struct sg_editor *ed, int key)
{
	int kind = ed->find_kind, op = ed->find_op;
	int count = (ed->op_count ? ed->op_count : 1) * (ed->count ? ed->count : 1);

	ed->pending = P_NONE;
	ed->op_count = ed->count = 0;
	ed->find_op = 0;
	if (key == SG_KEY_ESC || !printable(key))
		return 1;
	if (kind == 'i' || kind == 'a') {
		vi_object(ed, op, kind == 'i', key);
		return 1;
	}
	ed->last_find_kind = kind;
	ed->last_find_ch = (unsigned)key;
	vi_find(ed, kind, (unsigned)key, count, op, 0);
	return 1;
}

/* ; and , : the last f F t T again, the same way or the other. */
static void vi_find_again(struct sg_editor *ed, int reverse, int count, int op)
{
	static const char flip[] = { 'f', 'F', 'F', 'f', 't', 'T', 'T', 't' };
	int kind = ed->last_find_kind;

	if (!kind)
		return;
	if (reverse)
		for (size_t i = 0; i < sizeof flip; i += 2)
			if (flip[i] == kind) {
				kind = flip[i + 1];
				break;
			}
	vi_find(ed, kind, ed->last_find_ch, count, op, 1);
}

/* The second key of a two-key command (g, d, c, y, r, >, <). */
static int vi_pending(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;
	int op = ed->pending, count = (ed->op_count ? ed->op_count : 1) * (ed->count ? ed->count : 1);
	int m;

	if (key >= '1' && key <= '9' && op != P_R && op != P_G) {
		count_digit(ed, key);
		return 1;
	}
	ed->pending = P_NONE;
	ed->op_count = 0;
	ed->count = 0;
	if (key == SG_KEY_ESC)
		return 1;
	switch (op) {
	case P_G:
		if (key == 'g')
			vi_goto_line(tb, (size_t)(count > 1 ? count : 1));
		return 1;
	case P_R:
		if (printable(key)) {
			struct sg_tb_pos p = sg_textbuf_cursor(tb);
			size_t len;
			sg_textbuf_line(tb, p.line, &len);
			if (p.col < len) {
				sg_textbuf_group_begin(tb);
				sg_textbuf_delete(tb);
				sg_textbuf_type(tb, (unsigned)key);
				sg_textbuf_group_end(tb);
				sg_textbuf_move(tb, SG_TB_LEFT_IN_LINE, 1);
			}
		}
		return 1;
	}
	if ((op == P_D && key == 'd') || (op == P_C && key == 'c') || (op == P_Y && key == 'y') ||
	    (op == P_GT && key == '>') || (op == P_LT && key == '<')) {
		vi_line_op(ed, op, count);
		return 1;
	}
	if ((op == P_D || op == P_C || op == P_Y) &&
	    (key == 'f' || key == 'F' || key == 't' || key == 'T' || key == 'i' || key == 'a')) {
		ed->pending = P_FIND;
		ed->find_kind = key;
		ed->find_op = op;
		ed->op_count = count > 1 ? count : 0;
		return 1;
	}
	if ((op == P_D || op == P_C || op == P_Y) && (key == ';' || key == ',')) {
		vi_find_again(ed, key == ',', count, op);
		return 1;
	}
	if (op == P_GT || op == P_LT) {
		m = vi_motion(key);
		if (m == SG_TB_DOWN || m == SG_TB_UP) {
			if (m == SG_TB_UP)
				sg_textbuf_move(tb, SG_TB_UP, count);
			vi_line_op(ed, op, count + 1);
		}
		return 1;
	}
	if (key == 'G' || key == 'g') {
		/* dG / yG: to the last line, linewise */
		struct sg_tb_pos p = sg_textbuf_cursor(tb);
		size_t n = key == 'G' ? sg_textbuf_lines(tb) - p.line : p.line + 1;
		if (key == 'g')
			sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ 0, 0 });
		vi_line_op(ed, op, (int)n);
		return 1;
	}
	m = vi_motion(key);
	if (m >= 0)
		vi_operate(ed, op, m, count);
	return 1;
}

/* vi normal mode. */
static int vi_normal_key(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;
	int count = ed->count ? ed->count : 1, m;

	if (ed->pending == P_FIND)
		return vi_find_key(ed, key);
	if (ed->pending != P_NONE)
		return vi_pending(ed, key);
	if ((key >= '1' && key <= '9') || (key == '0' && ed->count)) {
		count_digit(ed, key);
		return 1;
	}
	m = vi_motion(key);
	if (m >= 0) {
		sg_textbuf_move(tb, (enum sg_tb_motion)m, count);
		ed->count = 0;
		return 1;
	}
	ed->count = 0;
	switch (key) {
	case SG_KEY_ESC:
		return 0;  /* the pane leaves the editor */
	case 'i': case SG_KEY_INSERT: vi_insert(ed); return 1;
	case 'a':
		sg_textbuf_move(tb, SG_TB_RIGHT_IN_LINE, 1);
		vi_insert(ed);
		return 1;
	case 'I': sg_textbuf_move(tb, SG_TB_LINE_FIRST, 1); vi_insert(ed); return 1;
	case 'A': sg_textbuf_move(tb, SG_TB_LINE_END, 1); vi_insert(ed); return 1;
	case 'o': case 'O': sg_textbuf_open_line(tb, key == 'o'); vi_insert(ed); return 1;
	case 'x': case SG_KEY_DELETE:
		sg_textbuf_delete_motion(tb, SG_TB_RIGHT_IN_LINE, count, 1);
		break;
	case 'X': sg_textbuf_delete_motion(tb, SG_TB_LEFT_IN_LINE, count, 1); break;
	case 'D': sg_textbuf_delete_motion(tb, SG_TB_LINE_END, 1, 1); break;
	case 'C':
		sg_textbuf_delete_motion(tb, SG_TB_LINE_END, 1, 1);
		vi_insert(ed);
		return 1;
	case 's':
		sg_textbuf_delete_motion(tb, SG_TB_RIGHT_IN_LINE, count, 1);
		vi_insert(ed);
		return 1;
	case 'S': vi_line_op(ed, P_C, count); return 1;
	case 'p': case 'P': {
		/* a count pastes that many copies, until the cell is full */
		for (int i = 0; i < count; i++) {
			unsigned long v = sg_textbuf_version(tb);
			if (!sg_textbuf_paste(tb, key == 'p') || sg_textbuf_version(tb) == v)
				break;
		}
		break;
	}
	case 'u': for (int i = 0; i < count; i++) sg_textbuf_undo(tb); break;
	case CTRL('r'): for (int i = 0; i < count; i++) sg_textbuf_redo(tb); break;
	case 'J':
		for (int i = 0; i < count && sg_textbuf_join_lines(tb); i++)
			;
		break;
	case 'G': vi_goto_line(tb, ed->count ? (size_t)count : 0); break;
	case 'v': case 'V':
		sg_textbuf_set_mark(tb);
		ed->mode = key == 'v' ? SG_EDITOR_VISUAL : SG_EDITOR_VISUAL_LINE;
		return 1;
	case CTRL('f'): case SG_KEY_PGDN: sg_textbuf_move_lines(tb, page(ed) * count); break;
	case CTRL('b'): case SG_KEY_PGUP: sg_textbuf_move_lines(tb, -page(ed) * count); break;
	case CTRL('d'): sg_textbuf_move_lines(tb, (page(ed) + 1) / 2); break;
	case CTRL('u'): sg_textbuf_move_lines(tb, -(page(ed) + 1) / 2); break;
	case SG_KEY_ENTER: case '+':
		sg_textbuf_move(tb, SG_TB_DOWN, count);
		sg_textbuf_move(tb, SG_TB_LINE_FIRST, 1);
		break;
	case '-':
		sg_textbuf_move(tb, SG_TB_UP, count);
		sg_textbuf_move(tb, SG_TB_LINE_FIRST, 1);
		break;
	case SG_KEY_TAB: vi_line_op(ed, P_GT, count); break;
	case SG_KEY_BTAB: vi_line_op(ed, P_LT, count); break;
	case 'f': case 'F': case 't': case 'T':
		ed->pending = P_FIND;
		ed->find_kind = key;
		ed->find_op = 0;
		ed->op_count = count > 1 ? count : 0;
		return 1;
	case ';': case ',': vi_find_again(ed, key == ',', count, 0); break;
	case '/': case '?': search_open(ed, key == '?'); return 1;
	case 'n': case 'N': {
		struct sg_tb_pos first = sg_textbuf_cursor(tb), at;
		for (int i = 0; i < count; i++) {
			search_again(ed, ed->last_search_back ^ (key == 'N'));
			at = sg_textbuf_cursor(tb);
			if (ed->search_failed || (at.line == first.line && at.col == first.col))
				break;  /* round every match: the rest of the count adds nothing */
		}
		break;
	}
	case 'g': case 'd': case 'c': case 'y': case 'r': case '>': case '<': {
		static const int ops[][2] = { { 'g', P_G }, { 'd', P_D }, { 'c', P_C },
					      { 'y', P_Y }, { 'r', P_R }, { '>', P_GT },
					      { '<', P_LT } };
		for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
			if (ops[i][0] == key)
				ed->pending = ops[i][1];
		ed->op_count = count > 1 ? count : 0;
		return 1;
	}
	default:
		if (common_key(ed, key))
			break;
		/* a printable key vi does not use is still vi's (no typing) */
		return printable(key);
	}
	return 1;
}

/* vi insert mode: <Esc> back to normal; C-w and C-u as in vim. */
static int vi_insert_key(struct sg_editor *ed, int key)
{
	struct sg_textbuf *tb = ed->tb;

	switch (key) {
	case SG_KEY_ESC: case CTRL('c'):
		ed->mode = SG_EDITOR_NORMAL;
		sg_textbuf_move(tb, SG_TB_LEFT_IN_LINE, 1);
		sg_textbuf_undo_break(tb);
		return 1;
	case CTRL('w'): sg_textbuf_delete_motion(tb, SG_TB_WORD_PREV, 1, 0); return 1;
	case CTRL('u'): sg_textbuf_delete_motion(tb, SG_TB_LINE_START, 1, 0); return 1;
	case CTRL('r'): return 1;
	}
	if (key & SG_KEY_ALT) {
		/* Alt+key in insert: leave insert mode, then the key (as vim in a
		 * terminal does, since Alt sends <Esc> first) */
		vi_insert_key(ed, SG_KEY_ESC);
		return vi_normal_key(ed, key & ~SG_KEY_ALT) || 1;
	}
	if (common_key(ed, key))
		return 1;
	return insert_edit_key(ed, key);
}

/* Ends the undo group a vi command left open for its insert. */
static void vi_group_close(struct sg_editor *ed)
{
	if (ed->group_open) {
		sg_textbuf_group_end(ed->tb);
		ed->group_open = 0;
	}
}

/* A pasted key: inserted as it is (no auto-indent, no dedent). */
static void paste_key(struct sg_editor *ed, int key)
{
	char enc[4];

	if (key == SG_KEY_ENTER)
		sg_textbuf_insert(ed->tb, "\n", 1);
	else if (key == SG_KEY_TAB)
		sg_textbuf_insert(ed->tb, "\t", 1);
	else if (printable(key))
		sg_textbuf_insert(ed->tb, enc, utf8_encode((uint32_t)key, enc));
}

/* The paste marks: the text between them is one undo step, inserted at
 * the cursor whatever the mode (vi returns to its mode after). */
static int paste_mark(struct sg_editor *ed, int key)
{
	if (key == SG_KEY_PASTE_BEGIN && !ed->pasting) {
		ed->pasting = 1;
		ed->paste_mode = ed->mode;
		if (ed->mode != SG_EDITOR_INSERT) {
			sg_textbuf_delete_selection(ed->tb, 0);
			if (ed->mode == SG_EDITOR_NORMAL)
				sg_textbuf_move(ed->tb, SG_TB_RIGHT_IN_LINE, 1);  /* as p does */
			ed->mode = SG_EDITOR_INSERT;
		}
		sg_textbuf_group_begin(ed->tb);
	} else if (key == SG_KEY_PASTE_END && ed->pasting) {
		ed->pasting = 0;
		sg_textbuf_group_end(ed->tb);
		if (ed->paste_mode != SG_EDITOR_INSERT) {
			ed->mode = SG_EDITOR_NORMAL;
			vi_clamp(ed);
		}
	}
	return 1;
}

/* Shift+motion: extends a selection (vi: visual mode) from where it
 * started; 1 when key was one. */
static int shift_key(struct sg_editor *ed, int key)
{
	static const struct {
		int key;
		enum sg_tb_motion m;
	} map[] = {
		{ SG_KEY_S_UP, SG_TB_UP }, { SG_KEY_S_DOWN, SG_TB_DOWN },
		{ SG_KEY_S_LEFT, SG_TB_LEFT }, { SG_KEY_S_RIGHT, SG_TB_RIGHT },
		{ SG_KEY_S_HOME, SG_TB_SMART_HOME }, { SG_KEY_S_END, SG_TB_LINE_END },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (map[i].key != key)
			continue;
		if (ed->mode == SG_EDITOR_NORMAL) {
			sg_textbuf_set_mark(ed->tb);
			ed->mode = SG_EDITOR_VISUAL;
		} else if (!sg_textbuf_selection(ed->tb, NULL, NULL)) {
			sg_textbuf_set_mark(ed->tb);
			ed->shift_sel = 1;
		}
		sg_textbuf_move(ed->tb, map[i].m, 1);
		return 1;
	}
	return 0;
}

/* ---- search ---------------------------------------------------------------------------- */

/* Smart case: a capital letter in the pattern makes it exact. */
static int smart_icase(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 0;
	return 1;
}

/* Finds pattern from pos; moves the cursor there.  Returns 1 when found. */
static int search_go(struct sg_editor *ed, const char *pat, size_t n, struct sg_tb_pos pos,
		     int back)
{
	struct sg_tb_pos at;

	if (!sg_textbuf_find(ed->tb, pat, n, pos, back, smart_icase(pat, n), &at))
		return 0;
	sg_textbuf_clear_mark(ed->tb);
	sg_textbuf_set_cursor(ed->tb, at);
	return 1;
}

/* Opens the search line (backward or not). */
static void search_open(struct sg_editor *ed, int back)
{
	ed->searching = 1;
	ed->search_back = back;
	ed->search_failed = 0;
	ed->search_len = 0;
	ed->search[0] = '\0';
	ed->search_from = sg_textbuf_cursor(ed->tb);
}

/* The next match of the last search after (before) the cursor: n N, C-s C-s. */
static void search_again(struct sg_editor *ed, int back)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);

	if (!ed->last_search_len)
		return;
	if (!back)
		p.col++;  /* past the match the cursor is on */
	ed->search_failed = !search_go(ed, ed->last_search, ed->last_search_len, p, back);
}

/* Incremental: looks again for what is typed, from where it started. */
static void search_update(struct sg_editor *ed)
{
	if (!ed->search_len) {
		sg_textbuf_set_cursor(ed->tb, ed->search_from);
		ed->search_failed = 0;
		return;
	}
	ed->search_failed = !search_go(ed, ed->search, ed->search_len, ed->search_from,
				       ed->search_back);
}

/* Ends the search line; kept keeps the cursor at the match. */
static void search_close(struct sg_editor *ed, int kept)
{
	ed->searching = 0;
	if (!kept) {
		sg_textbuf_set_cursor(ed->tb, ed->search_from);
		return;
	}
	if (ed->search_len) {
		memcpy(ed->last_search, ed->search, ed->search_len);
		ed->last_search_len = ed->search_len;
		ed->last_search_back = ed->search_back;
	}
}

/* A key while the search line is open; 0 when it closed the search and
 * the key should be handled as usual. */
static int search_key(struct sg_editor *ed, int key)
{
	int again = ed->keys == SG_EDITOR_EMACS &&
		    (key == CTRL('s') || key == CTRL('r') || key == (SG_KEY_ALT | 's') ||
		     key == (SG_KEY_ALT | 'r'));
	int back = key == CTRL('r') || key == (SG_KEY_ALT | 'r');

	if (again) {
		/* C-s C-s: the next match (an empty line takes the last search) */
		if (!ed->search_len && ed->last_search_len) {
			memcpy(ed->search, ed->last_search, ed->last_search_len);
			ed->search_len = ed->last_search_len;
		}
		ed->search_back = back;
		search_close(ed, 1);
		ed->searching = 1;
		search_again(ed, ed->search_back);
		return 1;
	}
	switch (key) {
	case SG_KEY_ESC: case CTRL('g'): case CTRL('c'):
		search_close(ed, 0);
		return 1;
	case SG_KEY_ENTER:
		search_close(ed, 1);
		return 1;
	case SG_KEY_BACKSPACE: case CTRL('h'):
		if (!ed->search_len) {
			search_close(ed, 0);
			return 1;
		}
		while (ed->search_len > 0 &&
		       ((unsigned char)ed->search[--ed->search_len] & 0xc0) == 0x80)
			;
		ed->search[ed->search_len] = '\0';
		search_update(ed);
		return 1;
	}
	if (printable(key)) {
		char enc[4];
		size_t k = utf8_encode((uint32_t)key, enc);
		if (ed->search_len + k < sizeof ed->search) {
			memcpy(ed->search + ed->search_len, enc, k);
			ed->search_len += k;
			ed->search[ed->search_len] = '\0';
			search_update(ed);
		}
		return 1;
	}
	/* any other key ends the search where it is, then does its job */
	search_close(ed, 1);
	return 0;
}

static int editor_key(struct sg_editor *ed, int key);

/* vi . : the keys of the last change again (one undo step). */
static int vi_repeat(struct sg_editor *ed)
{
	int keys[sizeof ed->last_change / sizeof ed->last_change[0]], n = ed->nlast;

	ed->count = 0;
	if (!n)
		return 1;
	memcpy(keys, ed->last_change, (size_t)n * sizeof keys[0]);
	ed->replaying = 1;
	sg_textbuf_group_begin(ed->tb);
	for (int i = 0; i < n; i++)
		editor_key(ed, keys[i]);
	if (ed->mode == SG_EDITOR_INSERT)  /* a change cut short: finish it */
		editor_key(ed, SG_KEY_ESC);
	sg_textbuf_group_end(ed->tb);
	ed->replaying = 0;
	return 1;
}

/* True when vi is between commands (nothing pending, no count). */
static int vi_idle(const struct sg_editor *ed)
{
	return ed->mode == SG_EDITOR_NORMAL && ed->pending == P_NONE && ed->count == 0 &&
	       !ed->pasting;
}

/* Records the keys of each vi command; one that changed the text becomes
 * the change . repeats.  Undo, redo and . itself are not changes. */
int sg_editor_key(struct sg_editor *ed, int key)
{
	int r, cap = (int)(sizeof ed->rec / sizeof ed->rec[0]);

	if (ed->keys != SG_EDITOR_VI || ed->replaying)
		return editor_key(ed, key);
	if (vi_idle(ed) && !ed->recording && key != 'u' && key != CTRL('r') && key != '.') {
		ed->recording = 1;
		ed->nrec = 0;
		ed->rec_version = sg_textbuf_version(ed->tb);
	}
	if (ed->recording) {
		if (ed->nrec < cap)
			ed->rec[ed->nrec++] = key;
		else
			ed->recording = -1;  /* too long to repeat */
	}
	r = editor_key(ed, key);
	if (ed->recording && vi_idle(ed)) {
		if (ed->recording > 0 && sg_textbuf_version(ed->tb) != ed->rec_version) {
			memcpy(ed->last_change, ed->rec, (size_t)ed->nrec * sizeof ed->rec[0]);
			ed->nlast = ed->nrec;
		}
		ed->recording = 0;
	}
	return r;
}

static int editor_key(struct sg_editor *ed, int key)
{
	int r;

	if (key == SG_KEY_RESIZE || key < 0)
		return 0;
	if (key == SG_KEY_PASTE_BEGIN || key == SG_KEY_PASTE_END)
		return paste_mark(ed, key);
	if (ed->pasting) {
		paste_key(ed, key);
		return 1;
	}
	if (ed->searching && search_key(ed, key))
		return 1;
	if (shift_key(ed, key))
		return 1;
	if ((key & SG_KEY_ALT) && ed->keys == SG_EDITOR_VI && ed->mode != SG_EDITOR_INSERT) {
		/* Alt+x is <Esc> x typed fast: in visual mode, leave it and do x;
		 * in normal mode <Esc> leaves the editor, so the pane gets both */
		if (ed->mode == SG_EDITOR_NORMAL)
			return 0;
		editor_key(ed, SG_KEY_ESC);
		editor_key(ed, key & ~SG_KEY_ALT);
		return 1;
	}
	if (ed->shift_sel && ed->mode == SG_EDITOR_INSERT && common_key(ed, key)) {
		/* a plain motion ends a Shift selection (the mark goes) */
		sg_textbuf_clear_mark(ed->tb);
		ed->shift_sel = 0;
		return 1;
	}
	if (!sg_textbuf_selection(ed->tb, NULL, NULL))
		ed->shift_sel = 0;
	else if (ed->shift_sel && (printable(key) || key == SG_KEY_ENTER)) {
		/* typing replaces a Shift selection, one undo step with it */
		sg_textbuf_group_begin(ed->tb);
		sg_textbuf_delete_selection(ed->tb, 0);
		ed->shift_sel = 0;
		r = editor_key(ed, key);
		sg_textbuf_group_end(ed->tb);
		return r;
	}
	if (ed->keys == SG_EDITOR_EMACS)
		return emacs_key(ed, key);
	if (ed->mode == SG_EDITOR_INSERT) {
		r = vi_insert_key(ed, key);
		if (ed->mode != SG_EDITOR_INSERT)
			vi_group_close(ed);
		return r;
	}
	if (key == '.' && ed->mode == SG_EDITOR_NORMAL && ed->pending == P_NONE && !ed->replaying)
		return vi_repeat(ed);
	/* as in vim, a command and the insert it starts (cw, o, A...) undo
	 * as one step: the group stays open until <Esc> */
	sg_textbuf_group_begin(ed->tb);
	if (ed->mode == SG_EDITOR_VISUAL || ed->mode == SG_EDITOR_VISUAL_LINE)
		r = vi_visual_key(ed, key);
	else
		r = vi_normal_key(ed, key);
	if (ed->mode == SG_EDITOR_INSERT)
		ed->group_open = 1;
	else
		sg_textbuf_group_end(ed->tb);
	vi_clamp(ed);
	return r;
}

/* ---- drawing ------------------------------------------------------------------------------ */

/* Width of the line-number gutter for n lines ("123 "), 0 when off. */
static int gutter_w(const struct sg_editor *ed, int w)
{
	int digits = 1;

	if (!ed->line_numbers)
		return 0;
	for (size_t n = sg_textbuf_lines(ed->tb); n >= 10; n /= 10)
		digits++;
	if (digits < 3)
		digits = 3;
	return digits + 1 < w / 2 ? digits + 1 : 0;
}

void sg_editor_scroll(struct sg_editor *ed, int h, int w)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	int tw = w - gutter_w(ed, w), dc;

	if (h < 1)
		h = 1;
	if (tw < 1)
		tw = 1;
	if (p.line < ed->top)
		ed->top = p.line;
	else if (p.line >= ed->top + (size_t)h)
		ed->top = p.line - (size_t)h + 1;
	if (ed->top + (size_t)h > sg_textbuf_lines(ed->tb))  /* no blank rows below while text is above */
		ed->top = sg_textbuf_lines(ed->tb) > (size_t)h ? sg_textbuf_lines(ed->tb) - (size_t)h : 0;
	dc = sg_textbuf_display_col(ed->tb, p.line, p.col);
	/* keep a few columns of context when scrolling sideways */
	if (dc < ed->left)
		ed->left = dc - tw / 4 > 0 ? dc - tw / 4 : 0;
	else if (dc >= ed->left + tw)
		ed->left = dc - tw + 1 + (tw > 8 ? tw / 4 : 0);
	if (ed->left > dc)
		ed->left = dc;
}

/* Syntax roles for the bytes of one line into roles (len entries). */
static int line_roles(enum sg_editor_lang lang, const char *s, size_t len, int state,
		      enum sg_role *roles, int *in_fence)
{
	struct sg_py_span spans[MAX_SPANS];
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		roles[i] = SG_ROLE_NORMAL;
	if (lang == SG_LANG_PYTHON) {
		state = sg_py_highlight(s, len, state, spans, MAX_SPANS, &n);
		for (size_t k = 0; k < n; k++)
			for (size_t i = spans[k].start; i < spans[k].end && i < len; i++)
				roles[i] = sg_py_role(spans[k].cls);
	} else if (lang == SG_LANG_MARKDOWN) {
		/* the source, lightly: headings, fences and code inside them */
		size_t b = 0;
		while (b < len && s[b] == ' ')
			b++;
		int fence = len - b >= 3 && (memcmp(s + b, "```", 3) == 0 || memcmp(s + b, "~~~", 3) == 0);
		enum sg_role r = SG_ROLE_NORMAL;
		if (fence || *in_fence)
			r = SG_ROLE_MD_CODE;
		else if (b < len && s[b] == '#')
			r = SG_ROLE_MD_HEADING;
		else if (b < len && s[b] == '>')
			r = SG_ROLE_MD_QUOTE;
		for (size_t i = 0; i < len; i++)
			roles[i] = r;
		if (fence)
			*in_fence = !*in_fence;
	}
	return state;
}

/* Draws line bytes s[0..len) with roles at row y from display column left,
 * into columns [x0, x0 + w); sel_a/sel_b is the selected byte range. */
static void draw_line(struct surface *s, int y, int x0, int w, const char *t, size_t len,
		      const enum sg_role *roles, int left, size_t sel_a, size_t sel_b, int tabw)
{
	int d = 0;

	for (size_t i = 0; i < len && d < left + w;) {
		size_t b;
		int cw = sg_tb_char_width(t + i, len - i, d, tabw, &b);
		enum sg_role r = i >= sel_a && i < sel_b ? SG_ROLE_SELECTED : roles[i];
		if (d >= left && d + cw <= left + w) {
			char buf[8];
			if (t[i] == '\t' || t[i] == '\0') {
				if (t[i] == '\t')
					surface_fill(s, y, x0 + d - left, 1, cw, ' ', r);
				else
					surface_text(s, y, x0 + d - left, r, "\xef\xbf\xbd");
			} else {
				memcpy(buf, t + i, b);
				buf[b] = '\0';
				surface_text(s, y, x0 + d - left, r, buf);
			}
		} else if (d < left && d + cw > left && t[i] == '\t') {
			surface_fill(s, y, x0, 1, d + cw - left, ' ', r);
		}
		d += cw;
		i += b;
	}
	if (sel_b > len && d >= left && d < left + w)  /* a selected line end */
		surface_fill(s, y, x0 + d - left, 1, 1, ' ', SG_ROLE_SELECTED);
}

/* The selected byte range of line i: [*a, *b), *b > len for the newline. */
static void line_selection(const struct sg_editor *ed, size_t i, size_t len, size_t *a, size_t *b)
{
	struct sg_tb_pos sa, sb;

	*a = *b = 0;
	if (ed->mode == SG_EDITOR_VISUAL || ed->mode == SG_EDITOR_VISUAL_LINE) {
		if (!sg_textbuf_selection(ed->tb, &sa, &sb))
			return;
		if (ed->mode == SG_EDITOR_VISUAL_LINE) {
			sa.col = 0;
			sb.col = (size_t)-1;
		} else {
			sb.col++;  /* the cursor's character is in */
		}
	} else if (!sg_textbuf_selection(ed->tb, &sa, &sb)) {
		return;
	}
	if (i < sa.line || i > sb.line)
		return;
	*a = i == sa.line ? sa.col : 0;
	*b = i == sb.line ? (sb.col > len ? len + (ed->mode == SG_EDITOR_VISUAL_LINE) : sb.col)
			  : len + 1;
}

/* The search line at row y of s: the prompt, what is typed, the cursor
 * after it. */
static void draw_search(struct sg_editor *ed, struct surface *s, int y)
{
	char line[sizeof ed->search + 48];
	const char *what = ed->keys == SG_EDITOR_VI ? (ed->search_back ? "?" : "/")
			   : ed->search_back ? "I-search backward: " : "I-search: ";
	int w;

	snprintf(line, sizeof line, "%s%s", ed->search_failed ? "Failing " : "", what);
	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_NORMAL);
	w = surface_text(s, y, 0, ed->search_failed ? SG_ROLE_ERROR : SG_ROLE_PROMPT, line);
	w += surface_text(s, y, w, SG_ROLE_NORMAL, ed->search);
	if (ed->focused)
		surface_cursor(s, y, w < s->w ? w : s->w - 1);
}

/* Draws with top/left as they are (scroll: first keep the cursor visible). */
static void draw(struct sg_editor *ed, struct surface *s, int scroll)
{
	struct sg_textbuf *tb = ed->tb;
	int gw = gutter_w(ed, s->w), tw = s->w - gw, state = SG_PY_STATE_START, fence = 0;
	size_t nlines = sg_textbuf_lines(tb), cap = 0;
	enum sg_role *roles = NULL;
	struct sg_tb_pos p = sg_textbuf_cursor(tb);

	ed->h = s->h;
	ed->w = s->w;
	ed->cur_y = ed->cur_x = -1;
	surface_fill(s, 0, 0, s->h, s->w, ' ', SG_ROLE_NORMAL);
	if (s->h < 1 || s->w < 1)
		return;
	if (scroll)
		sg_editor_scroll(ed, s->h, s->w);
	/* the syntax state at the first line shown (only the state: fast) */
	for (size_t i = 0; i < ed->top && ed->lang != SG_LANG_PLAIN; i++) {
		size_t len, ns;
		const char *t = sg_textbuf_line(tb, i, &len);
		if (ed->lang == SG_LANG_PYTHON) {
			state = sg_py_highlight(t, len, state, NULL, 0, &ns);
			continue;
		}
		if (len > cap) {
			cap = len * 2;
			roles = sg_xrealloc(roles, cap * sizeof *roles);
		}
		state = line_roles(ed->lang, t, len, state, roles, &fence);
	}
	for (int r = 0; r < s->h && ed->top + (size_t)r < nlines; r++) {
		size_t i = ed->top + (size_t)r, len, sa, sb;
		const char *t = sg_textbuf_line(tb, i, &len);
		if (len + 1 > cap) {
			cap = (len + 1) * 2;
			roles = sg_xrealloc(roles, cap * sizeof *roles);
		}
		state = line_roles(ed->lang, t, len, state, roles, &fence);
		if (gw) {
			char num[24];
			snprintf(num, sizeof num, "%*zu ", gw - 1, i + 1);
			surface_text(s, r, 0, i == p.line ? SG_ROLE_NUMBER : SG_ROLE_DIM, num);
		}
		line_selection(ed, i, len, &sa, &sb);
		if (ed->searching && !ed->search_failed && ed->search_len && i == p.line &&
		    sa == sb) {
			sa = p.col;  /* the match being looked at */
			sb = p.col + ed->search_len;
		}
		draw_line(s, r, gw, tw, t, len, roles, ed->left, sa, sb, sg_textbuf_tabwidth(tb));
	}
	free(roles);
	ed->cur_y = (int)(p.line - ed->top);
	ed->cur_x = gw + sg_textbuf_display_col(tb, p.line, p.col) - ed->left;
	if (ed->cur_x >= s->w)
		ed->cur_x = s->w - 1;
	if (ed->focused)
		surface_cursor(s, ed->cur_y, ed->cur_x);
}

void sg_editor_draw(struct sg_editor *ed, struct surface *s)
{
	struct surface text;

	if (!ed->searching || s->h < 2) {
		draw(ed, s, 1);
		if (ed->searching && s->h == 1)
			draw_search(ed, s, 0);
		return;
	}
	/* the search line takes the bottom row */
	text = surface_sub(s, 0, 0, s->h - 1, s->w);
	draw(ed, &text, 1);
	draw_search(ed, s, s->h - 1);
}

/* ---- read-only drawing -------------------------------------------------------------------- */

size_t sg_code_lines(const char *text, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

int sg_code_draw(struct surface *s, const char *text, size_t len, enum sg_editor_lang lang,
		 size_t skip, int line_numbers)
{
	struct sg_editor tmp = { 0 };
	struct sg_textbuf *tb;
	int drawn;

	/* a throwaway editor: one drawing path for both */
	tb = sg_textbuf_new_text(text ? text : "", text ? len : 0);
	tmp.tb = tb;
	tmp.lang = lang;
	tmp.line_numbers = line_numbers;
	tmp.mode = SG_EDITOR_INSERT;
	if (skip >= sg_textbuf_lines(tb))
		skip = sg_textbuf_lines(tb) - 1;
	sg_textbuf_set_cursor(tb, (struct sg_tb_pos){ skip, 0 });
	tmp.top = skip;
	drawn = (int)(sg_textbuf_lines(tb) - skip);
	if (drawn > s->h)
		drawn = s->h;
	draw(&tmp, s, 0);
	sg_textbuf_free(tb);
	return drawn < 0 ? 0 : drawn;
}

int sg_md_draw(struct surface *s, const char *text, size_t len, size_t skip)
{
	struct sg_md_doc doc = { 0 };
	int drawn = 0;

	surface_fill(s, 0, 0, s->h, s->w, ' ', SG_ROLE_NORMAL);
	if (s->w < 1 || s->h < 1)
		return 0;
	/* rules and bullets in ASCII when the workbench draws lines in ASCII */
	sg_md_render(text, len, s->w, s->be->unicode && !s->be->ascii_lines, &doc);
	for (size_t i = skip; i < doc.n && drawn < s->h; i++, drawn++) {
		const struct sg_md_line *l = &doc.lines[i];
		enum sg_role *roles = sg_xmalloc((l->len + 1) * sizeof *roles);
		for (size_t k = 0; k < l->len; k++)
			roles[k] = SG_ROLE_NORMAL;
		for (size_t k = 0; k < l->nspans; k++)
			for (size_t b = l->spans[k].start; b < l->spans[k].end && b < l->len; b++)
				roles[b] = l->spans[k].role;
		draw_line(s, drawn, 0, s->w, l->text, l->len, roles, 0, 0, 0, 4);
		free(roles);
	}
	sg_md_doc_free(&doc);
	return drawn;
}

size_t sg_md_rows(const char *text, size_t len, int w, int unicode)
{
	struct sg_md_doc doc = { 0 };
	size_t n = sg_md_render(text, len, w, unicode, &doc);

	sg_md_doc_free(&doc);
	return n;
}

/* ---- help ------------------------------------------------------------------------------------ */

static const struct sg_editor_help_line help_common[] = {
	{ NULL, "Cell editor (both key styles)" },
	{ "Arrows", "Move; Up/Down keep the column" },
	{ "Home, End", "First non-blank (again: column 0), end of line" },
	{ "PgUp, PgDn", "Move a page" },
	{ "Enter", "New line, auto-indented (deeper after ':', shallower after return/pass)" },
	{ "Tab, S-Tab", "Indent / dedent (the selected lines, or at the cursor)" },
	{ "Backspace", "Delete back (in leading blanks: to the previous indent stop)" },
	{ "Delete", "Delete the character at the cursor" },
	{ "S-arrows S-Home S-End", "Select (then type, Backspace, or cut/copy)" },
	{ "(terminal paste)", "Inserted as it is: no auto-indent; one undo step" },
};

static const struct sg_editor_help_line help_emacs[] = {
	{ NULL, "Cell editor, emacs keys (set editor-keys emacs)" },
	{ "C-a, C-e", "Start, end of line" },
	{ "C-f, C-b", "Forward, back a character" },
	{ "C-n, C-p", "Next, previous line" },
	{ "M-f, M-b", "Forward, back a word" },
	{ "M-<, M->", "Start, end of the cell" },
	{ "C-v, M-v", "Page down, up" },
	{ "C-d", "Delete the character at the cursor" },
	{ "C-k", "Kill to the end of the line (again: the newline; kills add up)" },
	{ "M-d, M-Backspace", "Kill the next / previous word" },
	{ "C-Space, C-@", "Set the mark (start a selection)" },
	{ "C-w, M-w", "Cut / copy the selection (C-w without one: kill word back)" },
	{ "C-y", "Paste (yank) the clipboard shared by all cells" },
	{ "C-g", "Drop the selection" },
	{ "M-s, M-r", "Search forward, back as you type (again, or C-s C-r: next match)" },
	{ "C-_, C-/", "Undo (typing is undone a run at a time)" },
	{ "M-_", "Redo" },
	{ "Esc", "Leave the editor" },
};

static const struct sg_editor_help_line help_vi[] = {
	{ NULL, "Cell editor, vi keys (set editor-keys vi)" },
	{ "Esc", "Insert: to normal mode; normal: leave the editor" },
	{ "i a I A", "Insert before, after, at line start, at line end" },
	{ "o O", "Open a line below / above (indented)" },
	{ "h j k l", "Left, down, up, right (with a count: 3j)" },
	{ "w b e", "Next word, word back, end of word" },
	{ "0 ^ $", "Line start, first non-blank, line end" },
	{ "gg G", "First line, last line (5G: line 5)" },
	{ "C-f C-b C-d C-u", "Page down, up; half page down, up" },
	{ "x X", "Delete the character under / before the cursor" },
	{ "dd yy cc", "Delete, copy, change lines (2dd: two)" },
	{ "d c y + motion", "Delete, change, copy to a motion (dw, c$, y0)" },
	{ "D C", "Delete / change to the end of the line" },
	{ "s S r", "Substitute a character / the line; replace one character" },
	{ "p P", "Paste after / before (lines go below / above)" },
	{ ">> <<", "Indent, dedent the line" },
	{ "J", "Join the next line to this one" },
	{ "/ ? n N", "Search forward, back (Enter, Esc); next, previous match" },
	{ "u C-r", "Undo, redo" },
	{ ".", "Repeat the last change (dw, cwfoo<Esc>, 3x, >>...)" },
	{ "f F t T ; ,", "To a character on the line (onto, before); again, back" },
	{ "ciw ci\" da( yi{", "Text objects: iw aw, i\" a\" i' a', i( a( i[ a[ i{ a{ i< a<" },
	{ "v V", "Visual selection by characters / lines; then y d c > <" },
	{ "C-w C-u", "Insert mode: delete the word / line before the cursor" },
};

const struct sg_editor_help_line *sg_editor_help(enum sg_editor_keys keys, size_t *n)
{
	/* one table: the style's own keys, then the shared ones */
	static struct sg_editor_help_line all[2][64];
	static size_t count[2];
	int k = keys == SG_EDITOR_VI;
	const struct sg_editor_help_line *own = k ? help_vi : help_emacs;
	size_t nown = k ? sizeof help_vi / sizeof help_vi[0] : sizeof help_emacs / sizeof help_emacs[0];

	if (!count[k]) {
		for (size_t i = 0; i < nown; i++)
			all[k][count[k]++] = own[i];
		for (size_t i = 0; i < sizeof help_common / sizeof help_common[0]; i++)
			all[k][count[k]++] = help_common[i];
	}
	*n = count[k];
	return all[k];
}
