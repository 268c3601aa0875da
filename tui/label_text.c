/* label_text.c — the Label view's text: layout, span selection, drawing.
 *
 * Layout keeps byte ranges of the original field; widths follow the
 * surface's own rules (tabs one blank, control bytes and invalid UTF-8 one
 * replacement, combining marks nothing) so a line never overflows. */
#include "sgconfig.h"
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>
#include "core/util.h"
#include "tui/label.h"

/* Decodes the character at s (n >= 1 bytes); returns its byte length. */
static size_t dec(const char *s, size_t n, long *cp)
{
	return utf8_decode(s, n, cp);
}

int lbl_char_width(const char *s, size_t n, int unicode)
{
	long cp;

	dec(s, n, &cp);
	if (cp < 0x7f || (cp >= 0x80 && cp < 0xa0) || !unicode)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w > 2 ? 2 : w;
}

void lbl_text_set(struct lbl_text *t, const char *text, size_t len)
{
	t->text = text ? text : "";
	t->len = text ? len : 0;
	t->nlines = 0;
	t->width = 0;
	t->cursor = 0;
	t->selecting = 0;
	t->anchor = 0;
}

void lbl_text_done(struct lbl_text *t)
{
	free(t->line);
	memset(t, 0, sizeof *t);
}

/* Appends the display line [start, end). */
static void add_line(struct lbl_text *t, size_t start, size_t end)
{
	if (t->nlines == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->line = sg_xrealloc(t->line, t->cap * sizeof *t->line);
	}
	t->line[t->nlines].start = start;
	t->line[t->nlines].end = end;
	t->nlines++;
}

/* Lays out one line from off: sets *end (the line's last byte + 1) and
 * returns where the next line starts. */
static size_t layout_line(const struct lbl_text *t, size_t off, int w, size_t *end)
{
	size_t i = off, blank = 0;
	int cols = 0, have_blank = 0;

	while (i < t->len) {
		long cp;
		if (t->text[i] == '\n') {
			*end = i;
			return i + 1;
		}
		size_t k = dec(t->text + i, t->len - i, &cp);
		int cw = lbl_char_width(t->text + i, t->len - i, t->unicode);
		if (cols + cw > w && i > off) {
			if (have_blank && blank > off) {
				/* break after the last blank: the next line starts
				 * at the word that did not fit */
				*end = blank;
				return blank + 1;
			}
			*end = i;
			return i;
		}
		if (cp == ' ' || cp == '\t') {
			blank = i;
			have_blank = 1;
		}
		cols += cw;
		i += k;
	}
	*end = i;
	return i;
}

void lbl_text_layout(struct lbl_text *t, int w, int unicode)
{
	size_t off = 0;

	if (w < 1)
		w = 1;
	if (t->nlines && t->width == w && t->unicode == unicode)
		return;
	t->width = w;
	t->unicode = unicode;
	t->nlines = 0;
	do {
		size_t end, next = layout_line(t, off, w, &end);
		add_line(t, off, end);
		/* a text ending in a newline has an empty last line */
		if (next == t->len && end < t->len && t->text[end] == '\n') {
			add_line(t, next, next);
			break;
		}
		off = next;
	} while (off < t->len);
}

size_t lbl_text_line_of(const struct lbl_text *t, size_t off)
{
	size_t lo = 0, hi = t->nlines;

	/* the last line starting at or before off */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (t->line[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* ---- motions --------------------------------------------------------------- */

/* Byte offset of the character after off (t->len at the end). */
static size_t next_char(const struct lbl_text *t, size_t off)
{
	long cp;

	return off < t->len ? off + dec(t->text + off, t->len - off, &cp) : t->len;
}

/* Byte offset of the character before off (0 at the start). */
static size_t prev_char(const struct lbl_text *t, size_t off)
{
	if (off == 0)
		return 0;
	size_t i = off - 1;
	/* back over continuation bytes, but only those the decoder would
	 * take as one character with their lead byte */
	while (i > 0 && off - i < 4 && ((unsigned char)t->text[i] & 0xc0) == 0x80)
		i--;
	long cp;
	if (i + dec(t->text + i, t->len - i, &cp) != off)
		return off - 1;
	return i;
}

/* The last character's offset (0 for an empty text). */
static size_t last_char(const struct lbl_text *t)
{
	return prev_char(t, t->len);
}

/* 0 blank, 1 word character, 2 punctuation. */
static int char_class(const struct lbl_text *t, size_t off)
{
	long cp;

	if (off >= t->len)
		return 0;
	dec(t->text + off, t->len - off, &cp);
	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0 && iswspace((wint_t)cp)))
		return 0;
	if (cp < 0 || cp >= 0x80 || cp == '_' || iswalnum((wint_t)cp))
		return 1;
	return 2;
}

void lbl_text_char_next(struct lbl_text *t)
{
	size_t n = next_char(t, t->cursor);
	if (n < t->len)
		t->cursor = n;
}

void lbl_text_char_prev(struct lbl_text *t)
{
	t->cursor = prev_char(t, t->cursor);
}

void lbl_text_word_next(struct lbl_text *t)
{
	size_t i = t->cursor;
	int c = char_class(t, i);

	while (i < t->len && c && char_class(t, i) == c)
		i = next_char(t, i);
	while (i < t->len && char_class(t, i) == 0)
		i = next_char(t, i);
	t->cursor = i < t->len ? i : last_char(t);
}

void lbl_text_word_prev(struct lbl_text *t)
{
	size_t i = prev_char(t, t->cursor);

	while (i > 0 && char_class(t, i) == 0)
		i = prev_char(t, i);
	int c = char_class(t, i);
	while (i > 0 && c && char_class(t, prev_char(t, i)) == c)
		i = prev_char(t, i);
	t->cursor = i;
}

void lbl_text_word_end(struct lbl_text *t)
{
	size_t i = next_char(t, t->cursor);

	while (i < t->len && char_class(t, i) == 0)
		i = next_char(t, i);
	if (i >= t->len) {
		t->cursor = last_char(t);
		return;
	}
	int c = char_class(t, i);
	while (next_char(t, i) < t->len && char_class(t, next_char(t, i)) == c)
		i = next_char(t, i);
	t->cursor = i;
}

/* Display column of byte off within its line. */
static int col_of(const struct lbl_text *t, size_t line, size_t off)
{
	int col = 0;

	for (size_t i = t->line[line].start; i < off && i < t->line[line].end;) {
		col += lbl_char_width(t->text + i, t->len - i, t->unicode);
		i = next_char(t, i);
	}
	return col;
}

/* The character of line nearest to column col. */
static size_t at_col(const struct lbl_text *t, size_t line, int col)
{
	size_t i = t->line[line].start, end = t->line[line].end;
	int c = 0;

	while (i < end) {
		size_t n = next_char(t, i);
		c += lbl_char_width(t->text + i, t->len - i, t->unicode);
		if (c > col || n >= end)
			return i;
		i = n;
	}
	return i < t->len ? i : last_char(t);
}

/* Moves the cursor dir (+1/-1) display lines, keeping its column. */
static void line_move(struct lbl_text *t, int dir)
{
	if (!t->nlines)
		return;
	size_t l = lbl_text_line_of(t, t->cursor);
	if ((dir < 0 && l == 0) || (dir > 0 && l + 1 >= t->nlines))
		return;
	int col = col_of(t, l, t->cursor);
	t->cursor = at_col(t, dir < 0 ? l - 1 : l + 1, col);
}

void lbl_text_line_down(struct lbl_text *t)
{
	line_move(t, 1);
}

void lbl_text_line_up(struct lbl_text *t)
{
	line_move(t, -1);
}

void lbl_text_toggle_select(struct lbl_text *t)
{
	t->selecting = !t->selecting && t->len > 0;
	t->anchor = t->cursor;
}

int lbl_text_selection(const struct lbl_text *t, size_t *start, size_t *end)
{
	if (!t->selecting || t->len == 0)
		return 0;
	size_t a = t->anchor < t->cursor ? t->anchor : t->cursor;
	size_t b = t->anchor < t->cursor ? t->cursor : t->anchor;
	*start = a;
	*end = next_char(t, b);
	return 1;
}

size_t lbl_text_chars(const char *text, size_t len, size_t off)
{
	size_t n = 0;
	long cp;

	for (size_t i = 0; i < off && i < len; n++)
		i += dec(text + i, len - i, &cp);
	return n;
}

size_t lbl_text_bytes(const char *text, size_t len, size_t ch)
{
	size_t i = 0;
	long cp;

	for (size_t n = 0; n < ch; n++) {
		if (i >= len)
			return (size_t)-1;
		i += dec(text + i, len - i, &cp);
	}
	return i;
}

/* ---- drawing --------------------------------------------------------------- */

/* The role byte off is drawn in. */
static enum sg_role role_at(size_t off, const struct lbl_mark *marks, size_t nmarks)
{
	enum sg_role r = SG_ROLE_NORMAL;

	for (size_t i = 0; i < nmarks; i++)
		if (off >= marks[i].start && off < marks[i].end)
			r = marks[i].role;
	return r;
}

int lbl_text_draw(const struct lbl_text *t, struct surface *s, int y, int x, int h,
		  size_t first, const struct lbl_mark *marks, size_t nmarks, int show_cursor)
{
	int rows = 0;

	for (size_t l = first; l < t->nlines && rows < h; l++, rows++) {
		int col = 0;
		for (size_t i = t->line[l].start; i < t->line[l].end;) {
			size_t n = next_char(t, i);
			char buf[8];
			long cp;
			dec(t->text + i, t->len - i, &cp);
			if (cp == '\t')
				strcpy(buf, " ");
			else if (cp <= 0 || (n - i) >= sizeof buf)
				strcpy(buf, "\x01");  /* drawn as the replacement */
			else {
				memcpy(buf, t->text + i, n - i);
				buf[n - i] = '\0';
			}
			enum sg_role r = role_at(i, marks, nmarks);
			if (show_cursor && i == t->cursor)
				r = SG_ROLE_CURSOR;
			col += surface_textw(s, y + rows, x + col, t->width - col, r, 0, buf);
			i = n;
		}
		/* the cursor on a line's end (an empty text or line) */
		if (show_cursor && t->len == 0 && l == 0)
			surface_textw(s, y + rows, x, 1, SG_ROLE_CURSOR, TEXT_PAD, " ");
	}
	return rows;
}

/* ---- the filter line --------------------------------------------------------- */

int lbl_filter_parse(const char *text, struct lbl_filter *out, char *err, size_t n)
{
	static const char *const states[] = { "any", "unlabeled", "labeled", "complete",
					       "disagreed", "review" };
	struct lbl_filter f = { .state = LBL_STATE_ANY };
	char buf[512], *save = NULL;

	if (!text || strcmp(text, "none") == 0 || strcmp(text, "-") == 0)
		text = "";
	if (strlen(text) >= sizeof buf) {
		snprintf(err, n, "The filter is too long");
		return -1;
	}
	memcpy(buf, text, strlen(text) + 1);
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');
		size_t k;
		if (!eq) {
			snprintf(err, n, "Filter words are label=NAME, annotator=USER, "
				 "state=unlabeled|labeled|complete|disagreed|review: '%.40s'", w);
			return -1;
		}
		*eq++ = '\0';
		if (strcmp(w, "label") == 0 && strlen(eq) < sizeof f.label) {
			memcpy(f.label, eq, strlen(eq) + 1);
		} else if ((strcmp(w, "annotator") == 0 || strcmp(w, "user") == 0) &&
			   strlen(eq) < sizeof f.user) {
			memcpy(f.user, eq, strlen(eq) + 1);
		} else if (strcmp(w, "state") == 0) {
			for (k = 0; k < sizeof states / sizeof states[0] && strcmp(states[k], eq); k++)
				;
			if (k == sizeof states / sizeof states[0]) {
				snprintf(err, n, "Unknown state '%.40s' (unlabeled, labeled, complete, "
					 "disagreed, review)", eq);
				return -1;
			}
			f.state = (int)k;
		} else if (strcmp(w, "label") == 0 || strcmp(w, "annotator") == 0 ||
			   strcmp(w, "user") == 0) {
			snprintf(err, n, "The %s name is too long", w);
			return -1;
		} else {
			snprintf(err, n, "Unknown filter '%.40s' (label, annotator, state)", w);
			return -1;
		}
	}
	*out = f;
	return 0;
}
