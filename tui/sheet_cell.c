/* sheet_cell.c — the cell viewer: one value in full, wrapped, scrollable.
 *
 * The value is escaped once (control bytes and invalid UTF-8 as \xNN,
 * newlines kept as line breaks), at most CELL_MAX bytes of it; the wrapped
 * lines' starts are computed once per width, so scrolling a 10 MB value
 * costs what a short one does. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/sheet.h"

#define CELL_MAX (4u << 20)

struct csheet {
	struct sheet base;
	char title[300];
	char *text;               /* escaped value */
	size_t len, orig_len, shown_len;
	size_t *line;             /* start offsets of the wrapped lines */
	size_t nlines, cap;
	int wrap_w;               /* width line[] was computed for */
	int top, h;
};

static struct csheet *cs(struct sheet *sh)
{
	return (struct csheet *)sh;
}

/* Length of the next wrapped line at off in width w; *next is where the
 * following one starts. */
static size_t next_line(const struct csheet *c, size_t off, int w, int uni, size_t *next)
{
	char buf[1024];
	size_t take = c->len - off, nl, fit;
	const char *p = c->text + off;

	if (take > sizeof buf - 1)
		take = sizeof buf - 1;
	/* never cut a UTF-8 character at the end of the chunk */
	while (take > 0 && off + take < c->len && ((unsigned char)p[take] & 0xc0) == 0x80)
		take--;
	memcpy(buf, p, take);
	buf[take] = '\0';
	nl = strcspn(buf, "\n");
	fit = text_fit(buf, w, uni, NULL);
	if (nl <= fit && nl < take) {
		*next = off + nl + 1;
		return nl;
	}
	if (fit == 0) {   /* wider than w: take one character anyway */
		long cp;
		fit = utf8_decode(buf, take ? take : 1, &cp);
	}
	if (off + fit < c->len && fit < take) {
		/* break after the last blank that fits */
		for (size_t i = fit; i > fit / 2; i--) {
			if (buf[i] == ' ') {
				*next = off + i + 1;
				return i;
			}
		}
	}
	*next = off + fit;
	return fit;
}

/* Recomputes the wrapped lines' starts for width w. */
static void rewrap(struct csheet *c, int w, int uni)
{
	size_t off = 0;

	c->nlines = 0;
	c->wrap_w = w;
	do {
		size_t next;
		if (c->nlines == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->line = sg_xrealloc(c->line, c->cap * sizeof *c->line);
		}
		c->line[c->nlines++] = off;
		next_line(c, off, w, uni, &next);
		off = next;
	} while (off < c->len);
}

static void cell_draw(struct sheet *sh, struct surface *s)
{
	struct csheet *c = cs(sh);
	int w = s->w - 2, body = s->h - 1;
	char buf[1024], info[128], size[32];

	if (w < 1 || body < 1)
		return;
	if (c->wrap_w != w)
		rewrap(c, w, s->be->unicode);
	c->h = body;
	if (c->top > (int)c->nlines - body)
		c->top = (int)c->nlines > body ? (int)c->nlines - body : 0;
	for (int r = 0; r < body && (size_t)(c->top + r) < c->nlines; r++) {
		size_t next, off = c->line[c->top + r];
		size_t len = next_line(c, off, w, s->be->unicode, &next);
		if (len > sizeof buf - 1)
			len = sizeof buf - 1;
		memcpy(buf, c->text + off, len);
		buf[len] = '\0';
		surface_textw(s, r, 1, w, SG_ROLE_NORMAL, 0, buf);
	}
	fmt_size((long long)c->orig_len, size, sizeof size);
	snprintf(info, sizeof info, " %d-%d/%zu lines  %s%s  Esc back ", c->top + 1,
		 c->top + body < (int)c->nlines ? c->top + body : (int)c->nlines, c->nlines, size,
		 c->shown_len < c->orig_len ? " (cut)" : "");
	surface_fill(s, s->h - 1, 0, 1, s->w, ' ', SG_ROLE_STATUS);
	surface_textw(s, s->h - 1, 0, s->w, SG_ROLE_STATUS, TEXT_RIGHT | TEXT_ELLIPSIS, info);
}

static enum pane_result cell_action(struct sheet *sh, enum sg_action a)
{
	struct csheet *c = cs(sh);
	int top = c->top, page = c->h > 1 ? c->h - 1 : 1;
	int max = (int)c->nlines > c->h ? (int)c->nlines - c->h : 0;

	switch (a) {
	case SG_ACTION_OPEN: return PANE_HANDLED;
	case SG_ACTION_MOVE_UP: c->top--; break;
	case SG_ACTION_MOVE_DOWN: c->top++; break;
	case SG_ACTION_PAGE_UP: c->top -= page; break;
	case SG_ACTION_PAGE_DOWN: c->top += page; break;
	case SG_ACTION_FIRST: c->top = 0; break;
	case SG_ACTION_LAST: c->top = max; break;
	case SG_ACTION_SCROLL_LEFT: case SG_ACTION_SCROLL_RIGHT: return PANE_HANDLED;
	default: return PANE_UNHANDLED;
	}
	if (c->top > max)
		c->top = max;
	if (c->top < 0)
		c->top = 0;
	return c->top == top ? PANE_HANDLED : PANE_REDRAW;
}

static void cell_summary(struct sheet *sh, char *buf, size_t n)
{
	snprintf(buf, n, "%s", cs(sh)->title);
}

static void cell_free(struct sheet *sh)
{
	struct csheet *c = cs(sh);

	free(c->text);
	free(c->line);
	free(c);
}

static const struct sheet_ops cell_ops = {
	.kind = "cell",
	.draw = cell_draw,
	.action = cell_action,
	.summary = cell_summary,
	.free = cell_free,
};

struct sheet *sheet_cell_new(struct pane *p, const char *title, const char *bytes, size_t len)
{
	struct csheet *c = sg_xcalloc(1, sizeof *c);
	size_t cap = len * 4 + 1 < CELL_MAX ? len * 4 + 1 : CELL_MAX;

	c->base.ops = &cell_ops;
	c->base.pane = p;
	snprintf(c->title, sizeof c->title, "%s", title);
	c->text = sg_xmalloc(cap);
	c->orig_len = len;
	c->shown_len = sheet_escape(bytes, len, c->text, cap, -1, ESC_KEEP_NEWLINES);
	c->len = strlen(c->text);
	return &c->base;
}
