/* surface.c — clipped drawing, UTF-8 measuring, and the memory backend. */
#include "sgconfig.h"
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "core/util.h"
#include "tui/surface.h"

#define REPLACEMENT 0xFFFDu

/* UTF-8 and ASCII forms of each glyph, by enum surface_glyph. */
static const char *const glyph_utf8[] = {
	"\u2500", "\u2502", "\u250c", "\u2510", "\u2514", "\u2518",
	"\u2026", "\u00b7",
};
static const char *const glyph_ascii[] = {
	"-", "|", "+", "+", "+", "+", "~", "|",
};

size_t utf8_decode(const char *str, size_t n, long *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t len;
	long v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	if (n < len) {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are
	 * invalid: showing them would let crafted bytes hide as other text. */
	if (v < min || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return len;
}

size_t utf8_encode(uint32_t cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* An ASCII stand-in for the punctuation sagetty itself uses, '?' else. */
static uint32_t ascii_fallback(long cp)
{
	switch (cp) {
	case 0x2013: case 0x2014: case 0x2500: return '-';
	case 0x2026: return '~';
	case 0x00b7: case 0x2502: return '|';
	case 0x2190: return '<';
	case 0x2192: case 0x25b8: return '>';
	default: return '?';
	}
}

/* What to show for code point cp (-1: invalid byte): sets *out and returns
 * its width in columns, or 0 when it takes no room (combining marks). */
static int display_char(long cp, int unicode, uint32_t *out)
{
	uint32_t repl = unicode ? REPLACEMENT : '?';

	if (cp == '\t') {
		*out = ' ';
		return 1;
	}
	if (cp < 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
		*out = repl;
		return 1;
	}
	*out = (uint32_t)cp;
	if (cp < 0x7f)
		return 1;
	if (!unicode) {
		*out = ascii_fallback(cp);
		return 1;
	}
	int w = wcwidth((wchar_t)cp);
	if (w < 0) {
		*out = repl;
		return 1;
	}
	return w > 2 ? 2 : w;
}

int text_width(const char *text, int unicode)
{
	int used;
	text_fit(text, 1 << 30, unicode, &used);
	return used;
}

size_t text_fit(const char *text, int maxw, int unicode, int *used)
{
	size_t len = strlen(text), i = 0;
	int cols = 0;

	while (i < len) {
		long cp;
		uint32_t ch;
		size_t k = utf8_decode(text + i, len - i, &cp);
		int w = display_char(cp, unicode, &ch);
		if (cols + w > maxw)
			break;
		cols += w;
		i += k;
	}
	if (used)
		*used = cols;
	return i;
}

void text_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src), i = 0;

	if (n == 0)
		return;
	while (i < len) {
		long cp;
		size_t k = utf8_decode(src + i, len - i, &cp);
		if (i + k >= n)
			break;
		i += k;
	}
	memcpy(dst, src, i);
	dst[i] = '\0';
}

size_t text_wrap_line(const char *text, int w, int unicode, const char **next)
{
	size_t fit = text_fit(text, w < 1 ? 1 : w, unicode, NULL);
	size_t nl = strcspn(text, "\n");

	if (nl < fit || (nl == fit && text[nl] == '\n')) {
		*next = text + nl + (text[nl] == '\n');
		return nl;
	}
	if (text[fit] == '\0') {
		*next = text + fit;
		return fit;
	}
	if (fit == 0) { /* a character wider than w: take it anyway */
		long cp;
		fit = utf8_decode(text, strlen(text), &cp);
		*next = text + fit;
		return fit;
	}
	/* Break after the last blank that fits, when there is one. */
	for (size_t i = fit; i > 0; i--) {
		if (text[i] == ' ') {
			*next = text + i + 1;
			return i;
		}
	}
	*next = text + fit;
	return fit;
}

int text_wrap_rows(const char *text, int w, int unicode)
{
	int rows = 0;

	do {
		const char *next;
		text_wrap_line(text, w, unicode, &next);
		text = next;
		rows++;
	} while (*text);
	return rows;
}

struct surface surface_root(struct surface_backend *be)
{
	struct surface s = { be, 0, 0, be->h, be->w };
	return s;
}

struct surface surface_sub(const struct surface *s, int y, int x, int h, int w)
{
	struct surface r = { s->be, s->y0 + y, s->x0 + x, h, w };

	if (y < 0)
		r.y0 = s->y0, r.h += y, y = 0;
	if (x < 0)
		r.x0 = s->x0, r.w += x, x = 0;
	if (y + r.h > s->h)
		r.h = s->h - y;
	if (x + r.w > s->w)
		r.w = s->w - x;
	if (r.h < 0)
		r.h = 0;
	if (r.w < 0)
		r.w = 0;
	return r;
}

/* Puts one validated character; a wide one that does not fit whole leaves
 * a blank instead.  Returns the columns advanced. */
static int put_char(struct surface *s, int y, int x, uint32_t ch, int width,
		    enum sg_role role)
{
	if (y < 0 || y >= s->h || x < 0 || x >= s->w || width <= 0)
		return width > 0 ? width : 0;
	if (x + width > s->w) {
		s->be->ops->put(s->be, s->y0 + y, s->x0 + x, ' ', 1, role);
		return width;
	}
	s->be->ops->put(s->be, s->y0 + y, s->x0 + x, ch, width, role);
	return width;
}

/* Draws the prefix of text that fits in maxw columns; returns columns. */
static int draw_run(struct surface *s, int y, int x, int maxw, enum sg_role role,
		    const char *text, size_t len)
{
	size_t i = 0;
	int cols = 0;

	while (i < len) {
		long cp;
		uint32_t ch;
		size_t k = utf8_decode(text + i, len - i, &cp);
		int w = display_char(cp, s->be->unicode, &ch);
		if (cols + w > maxw)
			break;
		put_char(s, y, x + cols, ch, w, role);
		cols += w;
		i += k;
	}
	return cols;
}

int surface_textw(struct surface *s, int y, int x, int maxw, enum sg_role role, unsigned flags,
		  const char *text)
{
	int uni = s->be->unicode, width = text_width(text, uni), cols;

	if (maxw <= 0)
		return 0;
	if (width <= maxw) {
		int off = 0;
		if (flags & TEXT_RIGHT)
			off = maxw - width;
		else if (flags & TEXT_CENTER)
			off = (maxw - width) / 2;
		if (off && (flags & TEXT_PAD))
			surface_fill(s, y, x, 1, off, ' ', role);
		cols = off + draw_run(s, y, x + off, maxw - off, role, text, strlen(text));
	} else if ((flags & TEXT_ELLIPSIS) && maxw >= 2) {
		cols = draw_run(s, y, x, maxw - 1, role, text, strlen(text));
		cols += surface_glyph(s, y, x + cols, GLYPH_ELLIPSIS, role);
	} else {
		cols = draw_run(s, y, x, maxw, role, text, strlen(text));
	}
	if ((flags & TEXT_PAD) && cols < maxw) {
		surface_fill(s, y, x + cols, 1, maxw - cols, ' ', role);
		cols = maxw;
	}
	return cols;
}

int surface_text(struct surface *s, int y, int x, enum sg_role role, const char *text)
{
	return surface_textw(s, y, x, s->w - x, role, 0, text);
}

int surface_wrap(struct surface *s, int y, int x, int h, int w, enum sg_role role,
		 const char *text, int skip)
{
	int row = 0;

	while (row < h) {
		const char *next;
		size_t len = text_wrap_line(text, w, s->be->unicode, &next);
		if (skip > 0)
			skip--;
		else
			draw_run(s, y + row++, x, w, role, text, len);
		text = next;
		if (!*text)
			break;
	}
	return row;
}

void surface_fill(struct surface *s, int y, int x, int h, int w, uint32_t ch, enum sg_role role)
{
	for (int r = y; r < y + h; r++)
		for (int c = x; c < x + w; c++)
			put_char(s, r, c, ch, 1, role);
}

const char *surface_glyph_text(const struct surface_backend *be, enum surface_glyph g)
{
	return be->ascii_lines || !be->unicode ? glyph_ascii[g] : glyph_utf8[g];
}

int surface_glyph(struct surface *s, int y, int x, enum surface_glyph g, enum sg_role role)
{
	const char *t = surface_glyph_text(s->be, g);
	long cp;

	utf8_decode(t, strlen(t), &cp);
	put_char(s, y, x, (uint32_t)cp, 1, role);
	return 1;
}

void surface_hline(struct surface *s, int y, int x, int n, enum sg_role role)
{
	for (int i = 0; i < n; i++)
		surface_glyph(s, y, x + i, GLYPH_HLINE, role);
}

void surface_vline(struct surface *s, int y, int x, int n, enum sg_role role)
{
	for (int i = 0; i < n; i++)
		surface_glyph(s, y + i, x, GLYPH_VLINE, role);
}

void surface_box(struct surface *s, int y, int x, int h, int w, enum sg_role role)
{
	if (h < 2 || w < 2)
		return;
	surface_glyph(s, y, x, GLYPH_TL, role);
	surface_hline(s, y, x + 1, w - 2, role);
	surface_glyph(s, y, x + w - 1, GLYPH_TR, role);
	surface_vline(s, y + 1, x, h - 2, role);
	surface_vline(s, y + 1, x + w - 1, h - 2, role);
	surface_glyph(s, y + h - 1, x, GLYPH_BL, role);
	surface_hline(s, y + h - 1, x + 1, w - 2, role);
	surface_glyph(s, y + h - 1, x + w - 1, GLYPH_BR, role);
}

void surface_cursor(struct surface *s, int y, int x)
{
	if (y < 0 || y >= s->h || x < 0 || x >= s->w)
		s->be->ops->cursor(s->be, -1, -1);
	else
		s->be->ops->cursor(s->be, s->y0 + y, s->x0 + x);
}

/* ---- memory backend -------------------------------------------------------- */

struct mem_backend {
	struct surface_backend be;  /* first: the public part */
	struct surface_cell *cells;
	int cy, cx;
	int bells;
};

/* Blanks a cell that is half of a wide character being overwritten. */
static void mem_unwide(struct mem_backend *m, int y, int x)
{
	struct surface_cell *row = m->cells + (size_t)y * m->be.w;

	if (x > 0 && row[x].ch == SURFACE_CONT)
		row[x - 1].ch = ' ';
}

/* put: stores the character; a wide one also marks the cell it covers. */
static void mem_put(struct surface_backend *be, int y, int x, uint32_t ch, int width,
		    enum sg_role role)
{
	struct mem_backend *m = (struct mem_backend *)be;
	struct surface_cell *row = m->cells + (size_t)y * be->w;

	mem_unwide(m, y, x);
	row[x].ch = ch;
	row[x].role = role;
	if (width == 2) {
		row[x + 1].ch = SURFACE_CONT;
		row[x + 1].role = role;
	}
	if (x + width < be->w && row[x + width].ch == SURFACE_CONT)
		row[x + width].ch = ' ';
}

static void mem_clear(struct surface_backend *be)
{
	struct mem_backend *m = (struct mem_backend *)be;

	for (size_t i = 0; i < (size_t)be->w * be->h; i++) {
		m->cells[i].ch = ' ';
		m->cells[i].role = SG_ROLE_NORMAL;
	}
}

static void mem_cursor(struct surface_backend *be, int y, int x)
{
	struct mem_backend *m = (struct mem_backend *)be;
	m->cy = y;
	m->cx = x;
}

static void mem_set_theme(struct surface_backend *be, const struct sg_theme *t)
{
}

static void mem_invalidate(struct surface_backend *be)
{
}

static void mem_free(struct surface_backend *be)
{
	struct mem_backend *m = (struct mem_backend *)be;

	if (!m)
		return;
	free(m->cells);
	free(m);
}

/* bell: only counted, for tests. */
static void mem_bell(struct surface_backend *be)
{
	((struct mem_backend *)be)->bells++;
}

int surface_mem_bells(const struct surface_backend *be)
{
	return ((const struct mem_backend *)be)->bells;
}

void surface_bell(struct surface_backend *be)
{
	if (be && be->ops->bell)
		be->ops->bell(be);
}

static const struct surface_backend_ops mem_ops = {
	mem_put, mem_clear, mem_cursor, mem_set_theme, mem_invalidate, mem_free, mem_bell,
};

struct surface_backend *surface_mem_new(int w, int h, int unicode)
{
	struct mem_backend *m = sg_xcalloc(1, sizeof *m);

	m->be.ops = &mem_ops;
	m->be.unicode = unicode;
	m->cy = m->cx = -1;
	surface_mem_resize(&m->be, w, h);
	return &m->be;
}

void surface_mem_resize(struct surface_backend *be, int w, int h)
{
	struct mem_backend *m = (struct mem_backend *)be;

	free(m->cells);
	be->w = w > 0 ? w : 0;
	be->h = h > 0 ? h : 0;
	m->cells = sg_xcalloc((size_t)be->w * be->h + 1, sizeof *m->cells);
	mem_clear(be);
}

char *surface_mem_row(const struct surface_backend *be, int y, char *buf, size_t n)
{
	const struct mem_backend *m = (const struct mem_backend *)be;
	size_t len = 0;

	if (n == 0)
		return buf;
	for (int x = 0; y >= 0 && y < be->h && x < be->w; x++) {
		uint32_t ch = m->cells[(size_t)y * be->w + x].ch;
		char tmp[4];
		size_t k;
		if (ch == SURFACE_CONT)
			continue;
		k = utf8_encode(ch, tmp);
		if (len + k >= n)
			break;
		memcpy(buf + len, tmp, k);
		len += k;
	}
	buf[len] = '\0';
	return buf;
}

const struct surface_cell *surface_mem_cell(const struct surface_backend *be, int y, int x)
{
	const struct mem_backend *m = (const struct mem_backend *)be;

	if (y < 0 || y >= be->h || x < 0 || x >= be->w)
		return NULL;
	return &m->cells[(size_t)y * be->w + x];
}

/* Column of the cell where byte offset off of a dumped row starts. */
static int row_col_of(const struct surface_backend *be, int y, size_t off)
{
	const struct mem_backend *m = (const struct mem_backend *)be;
	char tmp[4];
	size_t bytes = 0;

	for (int x = 0; x < be->w; x++) {
		uint32_t ch = m->cells[(size_t)y * be->w + x].ch;
		if (ch == SURFACE_CONT)
			continue;
		if (bytes >= off)
			return x;
		bytes += utf8_encode(ch, tmp);
	}
	return be->w;
}

int surface_mem_find(const struct surface_backend *be, const char *text, int *y, int *x)
{
	size_t n = (size_t)be->w * 4 + 1;
	char *buf = sg_xmalloc(n);

	for (int r = 0; r < be->h; r++) {
		const char *hit = strstr(surface_mem_row(be, r, buf, n), text);
		if (hit) {
			if (y)
				*y = r;
			if (x)
				*x = row_col_of(be, r, (size_t)(hit - buf));
			free(buf);
			return 0;
		}
	}
	free(buf);
	return -1;
}

void surface_mem_cursor(const struct surface_backend *be, int *y, int *x)
{
	const struct mem_backend *m = (const struct mem_backend *)be;
	*y = m->cy;
	*x = m->cx;
}
