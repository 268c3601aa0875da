/* nb_view.c — an open notebook laid out and drawn: cells with execution
 * counts, syntax-colored code, rendered markdown, outputs (long ones
 * collapsed, huge ones cut for display only), merge conflicts marked. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/nb.h"
#include "tui/pane.h"

/* ---- the document ------------------------------------------------------- */

/* Grows the cell views to the notebook's cell count (zeroed). */
static void cv_fit(struct nb_doc *d)
{
	size_t n = d->nb->ncells;

	if (n + 1 > d->cvcap) {
		size_t cap = d->cvcap ? d->cvcap : 16;
		while (cap < n + 1)
			cap *= 2;
		d->cv = sg_xrealloc(d->cv, cap * sizeof *d->cv);
		memset(d->cv + d->cvcap, 0, (cap - d->cvcap) * sizeof *d->cv);
		d->cvcap = cap;
	}
}

struct nb_doc *nb_doc_new(struct sg_workspace *ws, const char *path, struct sg_nb *nb)
{
	struct nb_doc *d = sg_xcalloc(1, sizeof *d);

	snprintf(d->path, sizeof d->path, "%s", path);
	d->abspath = sg_path_join(ws->root, path);
	d->nb = nb;
	cv_fit(d);
	snprintf(d->kstate, sizeof d->kstate, "none");
	sg_nbrec_pace_init(&d->pace, 0);
	return d;
}

struct nb_doc *nb_doc_open(struct sg_workspace *ws, const char *path, struct sg_error *err)
{
	char *abs = sg_path_join(ws->root, path);
	struct sg_nb *nb = NULL;
	size_t len = 0;
	char *text = sg_read_file(abs, SG_NB_MAX_BYTES, &len, err);
	struct nb_doc *d;

	free(abs);
	if (!text)
		return NULL;
	if (sg_nb_parse(text, len, path, &nb, err) < 0) {
		free(text);
		return NULL;
	}
	d = nb_doc_new(ws, path, nb);
	d->base = text;
	d->base_len = len;
	return d;
}

/* Frees the displayable outputs of one cell view. */
static void cv_outs_free(struct nb_cv *c)
{
	for (size_t i = 0; i < c->nout; i++)
		sg_ansi_text_done(&c->out[i].t);
	free(c->out);
	free(c->lines);
	c->out = NULL;
	c->lines = NULL;
	c->nout = c->nlines = c->lines_cap = 0;
	c->out_valid = 0;
}

void nb_doc_free(struct nb_doc *d)
{
	if (!d)
		return;
	nb_kernel_close(d);
	for (size_t i = 0; i < d->cvcap; i++)
		cv_outs_free(&d->cv[i]);
	free(d->cv);
	sg_editor_free(d->ed);
	sg_nb_free(d->nb);
	free(d->base);
	free(d->abspath);
	free(d->execs);
	free(d);
}

void nb_cv_inserted(struct nb_doc *d, size_t at)
{
	size_t n = d->nb->ncells;   /* already counts the new cell */

	cv_fit(d);
	cv_outs_free(&d->cv[n]);    /* the spare slot moves into place */
	memmove(d->cv + at + 1, d->cv + at, (n - 1 - at) * sizeof *d->cv);
	memset(&d->cv[at], 0, sizeof d->cv[at]);
}

void nb_cv_deleted(struct nb_doc *d, size_t at)
{
	size_t n = d->nb->ncells;   /* already without it */

	cv_outs_free(&d->cv[at]);
	memmove(d->cv + at, d->cv + at + 1, (n - at) * sizeof *d->cv);
	memset(&d->cv[n], 0, sizeof d->cv[n]);
}

void nb_cv_moved(struct nb_doc *d, size_t from, size_t to)
{
	struct nb_cv c = d->cv[from];

	if (from < to)
		memmove(d->cv + from, d->cv + from + 1, (to - from) * sizeof *d->cv);
	else
		memmove(d->cv + to + 1, d->cv + to, (from - to) * sizeof *d->cv);
	d->cv[to] = c;
}

void nb_cv_changed(struct nb_doc *d, size_t i)
{
	if (i >= d->nb->ncells)
		return;
	cv_outs_free(&d->cv[i]);
	d->cv[i].hw = 0;
}

void nb_doc_touch(struct nb_doc *d)
{
	d->gen++;
}

int nb_doc_dirty(const struct nb_doc *d)
{
	return d->gen != d->saved_gen;
}

void nb_doc_sync_editor(struct nb_doc *d)
{
	size_t len;
	char *text;

	if (!d->ed || d->sel >= d->nb->ncells)
		return;
	if (sg_textbuf_version(d->ed->tb) == d->ed_version)
		return;
	text = sg_editor_text(d->ed, &len);
	sg_nb_cell_set_source(&d->nb->cells[d->sel], text);
	free(text);
	d->ed_version = sg_textbuf_version(d->ed->tb);
	nb_cv_changed(d, d->sel);
}

/* ---- conflicts ---------------------------------------------------------- */

int nb_cell_conflict(const struct sg_nb_cell *c, char *side, size_t n)
{
	json_t *sg = c->metadata ? json_object_get(c->metadata, "sagetty") : NULL;
	json_t *cf = sg ? json_object_get(sg, "conflict") : NULL;

	if (!cf || json_is_false(cf) || json_is_null(cf))
		return 0;
	if (side) {
		const char *s = json_is_string(cf) ? json_string_value(cf) :
				json_string_value(json_object_get(cf, "side"));
		snprintf(side, n, "%s", s ? s : "");
	}
	return 1;
}

size_t nb_next_conflict(const struct nb_doc *d, size_t from)
{
	size_t n = d->nb->ncells;

	for (size_t k = 1; k <= n; k++) {
		size_t i = (from + k) % n;
		if (nb_cell_conflict(&d->nb->cells[i], NULL, 0))
			return i;
	}
	return (size_t)-1;
}

/* ---- outputs made displayable ----------------------------------------- */

/* Role for an ANSI color: the theme's roles stand in for the palette. */
static enum sg_role ansi_role(const struct sg_ansi_span *sp)
{
	int c = sp->fg >= 16 ? sg_color_to8(sp->fg) : sp->fg;

	if (c < 0)
		return sp->bold ? SG_ROLE_TITLE : SG_ROLE_NORMAL;
	switch (c % 8) {
	case 1: return SG_ROLE_ERROR;
	case 2: return SG_ROLE_OK;
	case 3: return SG_ROLE_RUNNING;
	case 4: return SG_ROLE_KEY;
	case 5: case 6: return SG_ROLE_NUMBER;
	case 0: return SG_ROLE_DIM;
	default: return c == 8 ? SG_ROLE_DIM : (sp->bold ? SG_ROLE_TITLE : SG_ROLE_NORMAL);
	}
}

/* The text of an error output: the traceback as the kernel colored it,
 * else "ename: evalue".  malloc'd. */
static char *error_text(const json_t *o)
{
	json_t *tb = json_object_get(o, "traceback");
	char *s = NULL;

	if (json_is_array(tb) && json_array_size(tb) > 0) {
		size_t i, len = 0;
		json_t *line;
		json_array_foreach(tb, i, line)
			len += json_is_string(line) ? json_string_length(line) + 1 : 0;
		s = sg_xmalloc(len + 1);
		len = 0;
		json_array_foreach(tb, i, line) {
			if (!json_is_string(line))
				continue;
			memcpy(s + len, json_string_value(line), json_string_length(line));
			len += json_string_length(line);
			s[len++] = '\n';
		}
		s[len] = '\0';
		return s;
	}
	return sg_nb_output_text(o);
}

/* Cleans text for display; a text longer than twice NB_OUT_MAX_BYTES keeps
 * its two ends around a note (the file keeps it whole). */
static void clean_for_display(const char *s, size_t len, struct nb_out *out)
{
	out->bytes = (long long)len;
	if (len <= 2 * NB_OUT_MAX_BYTES) {
		sg_ansi_clean(s, len, &out->t);
		return;
	}
	char note[200];
	size_t head = NB_OUT_MAX_BYTES, tail = NB_OUT_MAX_BYTES, nl;

	/* both ends around a note */
	snprintf(note, sizeof note, "\n... %.1f MB of output: display truncated, the notebook "
		 "keeps it whole ...\n", (double)len / (1024.0 * 1024.0));
	nl = strlen(note);
	char *buf = sg_xmalloc(head + nl + tail);
	memcpy(buf, s, head);
	memcpy(buf + head, note, nl);
	memcpy(buf + head + nl, s + len - tail, tail);
	sg_ansi_clean(buf, head + nl + tail, &out->t);
	free(buf);
}

/* Splits the cell's cleaned outputs into lines. */
static void index_lines(struct nb_cv *c)
{
	c->nlines = 0;
	for (size_t o = 0; o < c->nout; o++) {
		const char *t = c->out[o].t.text;
		size_t len = c->out[o].t.len, start = 0;
		if (len > 0 && t[len - 1] == '\n')
			len--;          /* no empty line after a final newline */
		for (size_t i = 0; i <= len; i++) {
			if (i < len && t[i] != '\n')
				continue;
			if (c->nlines == c->lines_cap) {
				c->lines_cap = c->lines_cap ? 2 * c->lines_cap : 32;
				c->lines = sg_xrealloc(c->lines, c->lines_cap * sizeof *c->lines);
			}
			c->lines[c->nlines++] = (struct nb_outline){ o, start, i - start };
			start = i + 1;
		}
	}
}

/* Builds the displayable outputs of cell i when they are stale. */
static void build_outputs(struct nb_doc *d, size_t i)
{
	struct nb_cv *c = &d->cv[i];
	const struct sg_nb_cell *cell = &d->nb->cells[i];
	size_t k;
	json_t *o;

	if (c->out_valid)
		return;
	cv_outs_free(c);
	c->out_valid = 1;
	if (cell->type != SG_NB_CODE || !json_is_array(cell->outputs))
		return;
	c->out = sg_xcalloc(json_array_size(cell->outputs) + 1, sizeof *c->out);
	json_array_foreach(cell->outputs, k, o) {
		const char *type = json_string_value(json_object_get(o, "output_type"));
		struct nb_out *out = &c->out[c->nout++];
		char *text;
		out->role = SG_ROLE_NORMAL;
		out->label = "";
		if (type && strcmp(type, "error") == 0) {
			text = error_text(o);
			out->role = SG_ROLE_ERROR;
		} else {
			text = sg_nb_output_text(o);
			if (type && strcmp(type, "execute_result") == 0)
				out->label = "Out";
			else if (type && strcmp(type, "stream") == 0 &&
				 strcmp(json_string_value(json_object_get(o, "name")) ?
					json_string_value(json_object_get(o, "name")) : "", "stderr") == 0)
				out->label = "err";
		}
		clean_for_display(text, strlen(text), out);
		free(text);
	}
	index_lines(c);
}

/* The output lines shown for cell i: [0, head) then [tail, nlines); *more
 * gets how many are hidden between (0: none, all shown). */
static void shown_lines(const struct nb_cv *c, size_t *head, size_t *tail, size_t *more)
{
	size_t n = c->nlines;

	if (c->hidden) {
		*head = 0;
		*tail = n;
		*more = n;
		return;
	}
	if (!c->expanded && n > NB_OUT_COLLAPSE) {
		*head = NB_OUT_HEAD;
		*tail = n - NB_OUT_TAIL;
	} else if (c->expanded && n > NB_OUT_MAX_LINES) {
		*head = NB_OUT_MAX_LINES / 2;
		*tail = n - NB_OUT_MAX_LINES / 2;
	} else {
		*head = n;
		*tail = n;
	}
	*more = *tail - *head;
}

int nb_cell_collapsible(struct nb_doc *d, size_t i)
{
	if (i >= d->nb->ncells)
		return 0;
	build_outputs(d, i);
	return d->cv[i].nlines > NB_OUT_COLLAPSE;
}

/* ---- layout --------------------------------------------------------------- */

/* Width of a cell's text area in a view w wide. */
static int text_w(int w)
{
	return w - NB_GUTTER > 8 ? w - NB_GUTTER : 8;
}

/* Rows of the source part of cell i. */
static int source_rows(struct nb_doc *d, size_t i, int w)
{
	const struct sg_nb_cell *c = &d->nb->cells[i];
	size_t len = strlen(c->source), n;

	if (d->ed && i == d->sel) {
		n = sg_textbuf_lines(d->ed->tb);
		if (d->body_h > 4 && n > (size_t)d->body_h - 2)
			n = (size_t)d->body_h - 2;
		return (int)n;
	}
	if (c->type == SG_NB_MARKDOWN && len > 0)
		n = sg_md_rows(c->source, len, text_w(w), d->md_unicode);
	else
		n = sg_code_lines(c->source, len);
	return n < 1 ? 1 : (int)n;
}

/* Rows of one output line wrapped to the text width. */
static int line_rows(const struct nb_cv *c, size_t l, int tw, int unicode)
{
	const struct nb_outline *ol = &c->lines[l];
	char buf[1024];
	const char *s = c->out[ol->o].t.text + ol->off;

	if (ol->len < sizeof buf && ol->len < (size_t)tw)
		return 1;               /* cannot need a second row */
	if (ol->len >= sizeof buf) {
		/* long lines: measured as a copy, bytes bound the width */
		char *copy = sg_xstrndup(s, ol->len);
		int r = text_wrap_rows(copy, tw, unicode);
		free(copy);
		return r;
	}
	memcpy(buf, s, ol->len);
	buf[ol->len] = '\0';
	return text_wrap_rows(buf, tw, unicode);
}

/* Rows of the outputs of cell i. */
static int output_rows(struct nb_doc *d, size_t i, int w)
{
	struct nb_cv *c = &d->cv[i];
	size_t head, tail, more;
	int rows = 0, tw = text_w(w);

	build_outputs(d, i);
	if (!c->nlines)
		return 0;
	shown_lines(c, &head, &tail, &more);
	for (size_t l = 0; l < head; l++)
		rows += line_rows(c, l, tw, d->unicode);
	if (more)
		rows++;
	for (size_t l = tail; l < c->nlines; l++)
		rows += line_rows(c, l, tw, d->unicode);
	return rows;
}

int nb_cell_rows(struct nb_doc *d, size_t i, int w)
{
	struct nb_cv *c = &d->cv[i];
	int editing = d->ed && i == d->sel;

	if (!editing && c->hw == w && w > 0)
		return c->hrows;
	int rows = source_rows(d, i, w) + output_rows(d, i, w) + 1;
	if (nb_cell_conflict(&d->nb->cells[i], NULL, 0))
		rows++;
	if (!editing) {
		c->hw = w;
		c->hrows = rows;
	}
	return rows;
}

void nb_view_follow(struct nb_doc *d)
{
	int h = d->body_h > 0 ? d->body_h : 1, w = d->width, rows = 0;

	if (!d->nb->ncells) {
		d->top = 0;
		d->skip = 0;
		return;
	}
	if (d->sel >= d->nb->ncells)
		d->sel = d->nb->ncells - 1;
	if (d->sel < d->top || (d->sel == d->top && d->skip > 0)) {
		d->top = d->sel;
		d->skip = 0;
		return;
	}
	/* rows from the top of the view to the end of the selected cell */
	rows = -d->skip;
	for (size_t i = d->top; i <= d->sel && rows <= h; i++)
		rows += nb_cell_rows(d, i, w);
	if (rows <= h)
		return;
	/* too low: put the selected cell at the bottom, or at the top when it
	 * is taller than the view */
	int need = nb_cell_rows(d, d->sel, w);
	d->top = d->sel;
	d->skip = 0;
	if (need >= h)
		return;
	rows = need;
	while (d->top > 0) {
		int r = nb_cell_rows(d, d->top - 1, w);
		if (rows + r > h) {
			d->skip = rows + r - h;
			d->top--;
			break;
		}
		rows += r;
		d->top--;
	}
}

void nb_view_scroll(struct nb_doc *d, int delta)
{
	int w = d->width;
	size_t n = d->nb->ncells;

	if (!n)
		return;
	d->skip += delta;
	while (d->skip < 0 && d->top > 0) {
		d->top--;
		d->skip += nb_cell_rows(d, d->top, w);
	}
	if (d->skip < 0)
		d->skip = 0;
	while (d->top + 1 < n && d->skip >= nb_cell_rows(d, d->top, w)) {
		d->skip -= nb_cell_rows(d, d->top, w);
		d->top++;
	}
	if (d->top + 1 == n && d->skip >= nb_cell_rows(d, d->top, w))
		d->skip = nb_cell_rows(d, d->top, w) - 1;
	/* the selection follows into the view */
	if (d->sel < d->top || (d->sel == d->top && d->skip > 0 && d->top + 1 < n &&
				 delta > 0))
		d->sel = d->skip > 0 && d->top + 1 < n ? d->top + 1 : d->top;
	else {
		int rows = -d->skip;
		for (size_t i = d->top; i < d->sel && rows < d->body_h; i++)
			rows += nb_cell_rows(d, i, w);
		if (rows >= d->body_h) /* below the view: the last cell starting in it */
			for (d->sel = d->top, rows = -d->skip;
			     d->sel + 1 < n && rows + nb_cell_rows(d, d->sel, w) < d->body_h;)
				rows += nb_cell_rows(d, d->sel++, w);
	}
}

/* ---- drawing --------------------------------------------------------------- */

/* Draws bytes [0, len) of text with spans (offsets relative to base) at
 * (y, x) in at most w columns; default role role. */
static void draw_spanned(struct surface *s, int y, int x, int w, const char *text, size_t len,
			 size_t base, const struct sg_ansi_text *t, enum sg_role role)
{
	char buf[2048];
	size_t i = 0;
	int col = 0;
	size_t sp = 0;

	while (sp < t->nspans && t->spans[sp].off + t->spans[sp].len <= base)
		sp++;
	while (i < len && col < w) {
		size_t end = len;
		enum sg_role r = role;
		if (sp < t->nspans) {
			const struct sg_ansi_span *a = &t->spans[sp];
			size_t aoff = a->off > base ? a->off - base : 0;
			size_t aend = a->off + a->len - base;
			if (i < aoff) {
				end = aoff < len ? aoff : len;
			} else {
				end = aend < len ? aend : len;
				r = role == SG_ROLE_NORMAL || ansi_role(a) != SG_ROLE_NORMAL ?
				    ansi_role(a) : role;
				if (r == SG_ROLE_NORMAL)
					r = role;
				if (aend <= len)
					sp++;
			}
		}
		size_t k = end - i < sizeof buf - 1 ? end - i : sizeof buf - 1;
		memcpy(buf, text + i, k);
		buf[k] = '\0';
		col += surface_textw(s, y, x + col, w - col, r, 0, buf);
		i += k;
		if (k == 0)
			break;
	}
}

/* Draws output line l of cell c wrapped into rows [y, ...) of s from wrapped
 * row skip, at most maxrows; returns the rows drawn. */
static int draw_out_line(struct surface *s, const struct nb_cv *c, size_t l, int y, int skip,
			 int maxrows, int x, int tw, int unicode)
{
	const struct nb_outline *ol = &c->lines[l];
	const struct nb_out *o = &c->out[ol->o];
	char *line = sg_xstrndup(o->t.text + ol->off, ol->len);
	const char *p = line, *next;
	int row = 0, drawn = 0;

	do {
		size_t k = text_wrap_line(p, tw, unicode, &next);
		if (row >= skip && drawn < maxrows) {
			draw_spanned(s, y + drawn, x, tw, p, k, ol->off + (size_t)(p - line), &o->t,
				     o->role);
			drawn++;
		}
		row++;
		if (next == p)
			break;
		p = next;
	} while (*p && drawn < maxrows);
	free(line);
	return drawn;
}

/* The gutter label of a cell: "[12]", "[*]" running or queued, "[ ]". */
static void cell_label(const struct nb_doc *d, size_t i, char *buf, size_t n)
{
	const struct sg_nb_cell *c = &d->nb->cells[i];

	if (c->type == SG_NB_MARKDOWN)
		snprintf(buf, n, "md");
	else if (c->type == SG_NB_RAW)
		snprintf(buf, n, "raw");
	else if (d->cv[i].run != NB_IDLE)
		snprintf(buf, n, "[*]");
	else if (c->execution_count >= 0)
		snprintf(buf, n, "[%ld]", c->execution_count);
	else
		snprintf(buf, n, "[ ]");
}

/* Where drawing a cell stands: the view's rows left and the cell's rows
 * still to skip. */
struct pen {
	struct surface *s;
	int y;        /* next row of s */
	int skip;     /* rows of this cell still above the view */
};

/* Rows of a part of n rows that land in view; advances the pen past the
 * skipped ones.  *first gets the part's first visible row. */
static int part_rows(struct pen *p, int n, int *first)
{
	int vis;

	*first = p->skip < n ? p->skip : n;
	p->skip -= *first;
	vis = n - *first;
	if (vis > p->s->h - p->y)
		vis = p->s->h - p->y;
	return vis < 0 ? 0 : vis;
}

/* The gutter of rows [y, y+n): the selection bar and, on the cell's first
 * row, its label. */
static void draw_gutter(struct nb_doc *d, size_t i, struct surface *s, int y, int n, int label_row,
			int focused)
{
	int sel = i == d->sel;
	enum sg_role bar = d->ed && sel ? SG_ROLE_CURSOR : sel ? SG_ROLE_SELECTED : SG_ROLE_NORMAL;
	char label[32];

	for (int r = 0; r < n; r++) {
		if (sel && focused)
			surface_textw(s, y + r, 0, 1, bar, TEXT_PAD, " ");
		else if (sel)
			surface_textw(s, y + r, 0, 1, SG_ROLE_DIM, 0, "|");
	}
	if (label_row < 0)
		return;
	cell_label(d, i, label, sizeof label);
	enum sg_role lr = d->cv[i].run == NB_RUNNING ? SG_ROLE_RUNNING :
			  d->cv[i].run == NB_QUEUED ? SG_ROLE_DIM :
			  d->nb->cells[i].type == SG_NB_CODE ? SG_ROLE_NUMBER : SG_ROLE_DIM;
	surface_textw(s, label_row, 1, NB_GUTTER - 2, lr, TEXT_RIGHT, label);
}

/* Draws the conflict banner of cell i when it has one. */
static void draw_conflict(struct nb_doc *d, size_t i, struct pen *p)
{
	char side[64], line[256];
	int first;

	if (!nb_cell_conflict(&d->nb->cells[i], side, sizeof side))
		return;
	if (part_rows(p, 1, &first) == 0)
		return;
	snprintf(line, sizeof line, "%s merge conflict%s%s: both sides changed this cell, both "
		 "are kept (delete the one you do not want)", d->unicode ? "\xe2\x9a\xa0" : "!!",
		 *side ? " - " : "", side);
	surface_textw(p->s, p->y, NB_GUTTER, p->s->w - NB_GUTTER, SG_ROLE_ERROR,
		      TEXT_ELLIPSIS | TEXT_PAD, line);
	draw_gutter(d, i, p->s, p->y, 1, -1, 1);
	p->y++;
}

/* Draws the source part of cell i. */
static void draw_source(struct nb_doc *d, size_t i, struct pen *p, int focused, int *label_row)
{
	const struct sg_nb_cell *c = &d->nb->cells[i];
	int n = source_rows(d, i, p->s->w), first, vis = part_rows(p, n, &first);
	size_t len = strlen(c->source);

	if (vis == 0)
		return;
	if (first == 0)
		*label_row = p->y;
	struct surface sub = surface_sub(p->s, p->y, NB_GUTTER, vis, p->s->w - NB_GUTTER);
	if (d->ed && i == d->sel) {
		d->ed->focused = focused;
		if (first == 0)
			sg_editor_draw(d->ed, &sub);
	} else if (c->type == SG_NB_MARKDOWN && len > 0) {
		sg_md_draw(&sub, c->source, len, (size_t)first);
	} else if (len == 0) {
		if (first == 0)
			surface_textw(&sub, 0, 0, sub.w, SG_ROLE_DIM, 0,
				      c->type == SG_NB_MARKDOWN ? "(empty markdown cell)" : "");
	} else {
		sg_code_draw(&sub, c->source, len,
			     c->type == SG_NB_CODE ? SG_LANG_PYTHON : SG_LANG_PLAIN, (size_t)first, 0);
	}
	draw_gutter(d, i, p->s, p->y, vis, -1, focused);
	p->y += vis;
}

/* The marker line in place of hidden output lines. */
static void draw_more(struct nb_doc *d, size_t i, struct pen *p, size_t more, int focused)
{
	char line[256], count[32];
	int first;

	if (part_rows(p, 1, &first) == 0)
		return;
	fmt_count((long long)more, count, sizeof count);
	long long big = 0;
	for (size_t o = 0; o < d->cv[i].nout; o++)
		if (d->cv[i].out[o].bytes > 2 * NB_OUT_MAX_BYTES)
			big += d->cv[i].out[o].bytes;
	if (big && !d->cv[i].hidden) {
		snprintf(line, sizeof line, "%s %s more lines; %.1f MB of output: display truncated, "
			 "the notebook keeps it whole (o %s)", surface_glyph_text(p->s->be, GLYPH_ELLIPSIS),
			 count, (double)big / (1024.0 * 1024.0),
			 d->cv[i].expanded ? "collapses" : "expands");
	} else if (d->cv[i].hidden)
		snprintf(line, sizeof line, "%s %s output line%s hidden (O shows them)",
			 surface_glyph_text(p->s->be, GLYPH_ELLIPSIS), count, more == 1 ? "" : "s");
	else
		snprintf(line, sizeof line, "%s %s more line%s (o %s)",
			 surface_glyph_text(p->s->be, GLYPH_ELLIPSIS), count, more == 1 ? "" : "s",
			 d->cv[i].expanded ? "collapses; display capped" : "expands");
	surface_textw(p->s, p->y, NB_GUTTER, p->s->w - NB_GUTTER, SG_ROLE_DIM, TEXT_ELLIPSIS, line);
	draw_gutter(d, i, p->s, p->y, 1, -1, focused);
	p->y++;
}

/* Draws output lines [from, to) of cell i. */
static void draw_out_range(struct nb_doc *d, size_t i, struct pen *p, size_t from, size_t to,
			   int focused)
{
	struct nb_cv *c = &d->cv[i];
	int tw = text_w(p->s->w);

	for (size_t l = from; l < to && p->y < p->s->h; l++) {
		int n = line_rows(c, l, tw, d->unicode), first, vis = part_rows(p, n, &first);
		if (vis == 0)
			continue;
		draw_out_line(p->s, c, l, p->y, first, vis, NB_GUTTER, tw, d->unicode);
		draw_gutter(d, i, p->s, p->y, vis, -1, focused);
		const struct nb_outline *ol = &c->lines[l];
		if (first == 0 && ol->off == 0 && *c->out[ol->o].label)
			surface_textw(p->s, p->y, 1, NB_GUTTER - 2, SG_ROLE_DIM, TEXT_RIGHT,
				      c->out[ol->o].label);
		p->y += vis;
	}
}

/* Draws cell i from its row p->skip; the pen moves past it. */
static void draw_cell(struct nb_doc *d, size_t i, struct pen *p, int focused)
{
	struct nb_cv *c = &d->cv[i];
	size_t head, tail, more;
	int label_row = -1, first;

	draw_conflict(d, i, p);
	draw_source(d, i, p, focused, &label_row);
	if (label_row >= 0)
		draw_gutter(d, i, p->s, 0, 0, label_row, focused);
	build_outputs(d, i);
	if (c->nlines) {
		shown_lines(c, &head, &tail, &more);
		draw_out_range(d, i, p, 0, head, focused);
		if (more)
			draw_more(d, i, p, more, focused);
		draw_out_range(d, i, p, tail, c->nlines, focused);
	}
	part_rows(p, 1, &first);   /* the blank separator */
	if (p->skip == 0 && first == 0)
		p->y++;
	p->skip = 0;
}

/* The header row: path, unsaved mark, kernel and its state, position. */
static void draw_header(struct nb_doc *d, struct surface *s)
{
	char left[1200], right[160], pos[48];
	enum sg_role kr = SG_ROLE_DIM;
	int rw;

	snprintf(left, sizeof left, "%s%s", d->path, nb_doc_dirty(d) ? " [+]" : "");
	snprintf(pos, sizeof pos, "cell %zu/%zu", d->nb->ncells ? d->sel + 1 : 0, d->nb->ncells);
	json_t *ks = json_object_get(d->nb->metadata, "kernelspec");
	const char *kname = json_string_value(json_object_get(ks, "display_name"));
	char kl[96];

	snprintf(kl, sizeof kl, "  %s: ", kname && *kname ? kname : "kernel");
	/* edit mode: the vi mode's name, else EDIT */
	const char *mode = d->ed && *sg_editor_mode_name(d->ed) ? sg_editor_mode_name(d->ed) :
			   d->ed ? "EDIT" : "";

	snprintf(right, sizeof right, "%s%s%s%s%s", mode, *mode ? "  " : "", pos, kl, d->kstate);
	if (strcmp(d->kstate, "busy") == 0 || strcmp(d->kstate, "starting") == 0)
		kr = SG_ROLE_RUNNING;
	else if (strcmp(d->kstate, "idle") == 0)
		kr = SG_ROLE_OK;
	else if (strcmp(d->kstate, "dead") == 0)
		kr = SG_ROLE_ERROR;
	rw = text_width(right, s->be->unicode);
	surface_textw(s, 0, 0, s->w, SG_ROLE_HEADER, TEXT_PAD, "");
	surface_textw(s, 0, 0, s->w - rw - 1, nb_doc_dirty(d) ? SG_ROLE_MESSAGE : SG_ROLE_HEADER,
		      TEXT_ELLIPSIS, left);
	if (rw < s->w) {
		int x = s->w - rw;
		x += surface_textw(s, 0, x, s->w - x, d->ed ? SG_ROLE_CURSOR : SG_ROLE_HEADER, 0, mode);
		x += surface_textw(s, 0, x, s->w - x, SG_ROLE_HEADER, 0, *mode ? "  " : "");
		x += surface_textw(s, 0, x, s->w - x, SG_ROLE_HEADER, 0, pos);
		x += surface_textw(s, 0, x, s->w - x, SG_ROLE_HEADER, 0, kl);
		surface_textw(s, 0, x, s->w - x, kr, 0, d->kstate);
	}
}

void nb_view_draw(struct nb_doc *d, struct surface *s, int focused)
{
	struct surface body = surface_sub(s, 1, 0, s->h - 1, s->w);
	struct pen p = { &body, 0, 0 };

	d->unicode = s->be->unicode;
	d->md_unicode = s->be->unicode && !s->be->ascii_lines;
	if (d->width != s->w) {
		for (size_t i = 0; i < d->nb->ncells; i++)
			d->cv[i].hw = 0;
	}
	d->width = s->w;
	d->body_h = body.h;
	draw_header(d, s);
	if (!d->nb->ncells) {
		surface_wrap(&body, 0, 1, body.h, body.w - 2, SG_ROLE_DIM,
			     "An empty notebook: b adds a cell below, Enter edits it", 0);
		return;
	}
	if (d->ed)
		nb_view_follow(d);
	if (d->top >= d->nb->ncells)
		d->top = d->nb->ncells - 1;
	p.skip = d->skip;
	for (size_t i = d->top; i < d->nb->ncells && p.y < body.h; i++)
		draw_cell(d, i, &p, focused);
}
