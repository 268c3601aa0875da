/* pane.c — the pane framework, the table, details and list view widgets,
 * formatters. */
#include "sgconfig.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/util.h"
#include "tui/pane.h"

#define TABLE_GAP 2     /* blanks between columns */
#define TABLE_MARGIN 1  /* blank before the first column */
#define TABLE_MAXCOLS 32

/* ---- framework ---------------------------------------------------------- */

int pane_init(struct pane *p, const struct pane_ops *ops, const struct pane_env *env,
	      struct sg_error *err)
{
	memset(p, 0, sizeof *p);
	p->ops = ops;
	p->env = env;
	p->priv = sg_xcalloc(1, ops->private_size ? ops->private_size : 1);
	if (ops->init && ops->init(p, err) < 0) {
		free(p->priv);
		memset(p, 0, sizeof *p);
		return -1;
	}
	return 0;
}

void pane_done(struct pane *p)
{
	if (!p->ops)
		return;
	if (p->ops->done)
		p->ops->done(p);
	free(p->priv);
	memset(p, 0, sizeof *p);
}

void pane_resize(struct pane *p, int w, int h)
{
	p->w = w;
	p->h = h;
	if (p->ops->resize)
		p->ops->resize(p, w, h);
}

void pane_draw(struct pane *p, struct surface *s)
{
	if (s->w != p->w || s->h != p->h)
		pane_resize(p, s->w, s->h);
	p->ops->draw(p, s);
}

enum pane_result pane_action(struct pane *p, enum sg_action a)
{
	return p->ops->action ? p->ops->action(p, a) : PANE_UNHANDLED;
}

int pane_reload(struct pane *p, struct sg_error *err)
{
	return p->ops->reload ? p->ops->reload(p, err) : 0;
}

const char *pane_unsaved(struct pane *p)
{
	return p->ops && p->ops->unsaved ? p->ops->unsaved(p) : NULL;
}

enum pane_result pane_action_arg(struct pane *p, enum sg_action a, const char *arg)
{
	return p->ops->action_arg ? p->ops->action_arg(p, a, arg) : PANE_UNHANDLED;
}

int pane_poll_fds(struct pane *p, int *fds, int max, int *timeout_ms)
{
	return p->ops && p->ops->poll_fds ? p->ops->poll_fds(p, fds, max, timeout_ms) : 0;
}

enum pane_result pane_on_fd(struct pane *p, int fd)
{
	return p->ops && p->ops->on_fd ? p->ops->on_fd(p, fd) : PANE_UNHANDLED;
}

const char *pane_context(struct pane *p)
{
	const char *c = p->ops && p->ops->context ? p->ops->context(p) : NULL;

	return c ? c : p->ops ? p->ops->name : "global";
}

enum pane_result pane_key(struct pane *p, int key, enum sg_action bound)
{
	return p->ops && p->ops->key ? p->ops->key(p, key, bound) : PANE_UNHANDLED;
}

void pane_title(struct pane *p, char *buf, size_t n)
{
	char sum[256] = "";

	if (p->ops->summary)
		p->ops->summary(p, sum, sizeof sum);
	if (*sum)
		snprintf(buf, n, "%s \u2014 %s", p->ops->title, sum);
	else
		snprintf(buf, n, "%s", p->ops->title);
}

void pane_confirm(struct pane *p, const char *question, void (*yes)(struct pane *p))
{
	if (p->env && p->env->confirm)
		p->env->confirm(p->env->ud, question, p, yes);
}

void pane_message(struct pane *p, enum sg_role role, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!p->env || !p->env->message)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	p->env->message(p->env->ud, role, buf);
}

/* ---- table ------------------------------------------------------------------ */

/* Keeps sel inside the rows and top such that sel is visible. */
static void table_clamp(struct table *t)
{
	size_t page = t->page > 0 ? (size_t)t->page : 1;

	if (t->n == 0) {
		t->sel = t->top = 0;
		return;
	}
	if (t->sel >= t->n)
		t->sel = t->n - 1;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + page)
		t->top = t->sel - page + 1;
	/* After a resize or reload, fill the view rather than leave a gap. */
	if (t->top + page > t->n)
		t->top = t->n > page ? t->n - page : 0;
}

void table_set_rows(struct table *t, size_t n)
{
	t->n = n;
	table_clamp(t);
}

void table_resize(struct table *t, int h)
{
	t->page = h > 1 ? h - 1 : 1;
	table_clamp(t);
}

/* Places the columns shown from first_col in width w: fills x[] and cw[]
 * and returns how many are shown.  The flexible column takes what is
 * left; the last column may be cut short. */
static int table_layout(const struct table *t, int w, int x[], int cw[])
{
	int k = 0, pos = TABLE_MARGIN, flex = -1;

	for (int c = t->first_col; c < t->ncols && k < TABLE_MAXCOLS; c++) {
		int gap = k ? TABLE_GAP : 0, need = t->cols[c].width;
		if (pos + gap >= w)
			break;
		x[k] = pos + gap;
		cw[k] = need;
		if (pos + gap + need > w) {
			cw[k] = w - pos - gap;
			k++;
			break;
		}
		if ((t->cols[c].flags & COL_FLEX) && flex < 0)
			flex = k;
		pos += gap + need;
		k++;
	}
	if (flex >= 0 && pos < w) {
		int extra = w - pos;
		cw[flex] += extra;
		for (int i = flex + 1; i < k; i++)
			x[i] += extra;
	}
	return k;
}

/* Draws one cell's text in its column. */
static void table_cell(struct surface *s, int y, int x, int w, const struct table_col *col,
		       enum sg_role role, const char *text)
{
	unsigned flags = TEXT_ELLIPSIS | ((col->flags & COL_RIGHT) ? TEXT_RIGHT : 0);
	surface_textw(s, y, x, w, role, flags, text);
}

/* Scrolls columns so the column cursor is shown whole (when it fits);
 * returns the number of columns laid out. */
static int table_follow_cursor(struct table *t, int w, int x[], int cw[])
{
	int k, cur;

	if (t->cursor > t->ncols)
		t->cursor = t->ncols;
	cur = t->cursor - 1;
	if (cur >= 0 && cur < t->first_col)
		t->first_col = cur;
	k = table_layout(t, w, x, cw);
	while (cur >= 0 && t->first_col < cur &&
	       (cur >= t->first_col + k || cw[cur - t->first_col] < t->cols[cur].width)) {
		t->first_col++;
		k = table_layout(t, w, x, cw);
	}
	return k;
}

/* The role of a cell: the column cursor's, the selection's, or its own. */
static enum sg_role table_role(const struct table *t, int col, int selected, enum sg_role own)
{
	if (selected && col == t->cursor - 1)
		return SG_ROLE_CURSOR;
	return selected ? SG_ROLE_SELECTED : own;
}

void table_draw(struct table *t, struct surface *s, table_cell_fn cell, void *ud,
		const char *empty)
{
	int x[TABLE_MAXCOLS], cw[TABLE_MAXCOLS], k;

	if (s->h <= 0 || s->w <= 0)
		return;
	if (t->page != s->h - 1)
		table_resize(t, s->h);
	table_clamp(t);
	k = table_follow_cursor(t, s->w - TABLE_MARGIN, x, cw);
	surface_fill(s, 0, 0, 1, s->w, ' ', SG_ROLE_HEADER);
	for (int i = 0; i < k; i++)
		table_cell(s, 0, x[i], cw[i], &t->cols[t->first_col + i],
			   t->first_col + i == t->cursor - 1 ? SG_ROLE_CURSOR : SG_ROLE_HEADER,
			   t->cols[t->first_col + i].title);
	if (t->n == 0) {
		if (empty && s->h > 2)
			surface_wrap(s, 2, 2, s->h - 2, s->w - 4, SG_ROLE_DIM, empty, 0);
		return;
	}
	for (int r = 0; r < t->page && t->top + (size_t)r < t->n; r++) {
		size_t row = t->top + (size_t)r;
		int selected = row == t->sel;
		if (selected)
			surface_fill(s, r + 1, 0, 1, s->w, ' ', SG_ROLE_SELECTED);
		for (int i = 0; i < k; i++) {
			char buf[512];
			enum sg_role role = SG_ROLE_NORMAL;
			const char *text = cell(ud, row, t->first_col + i, buf, sizeof buf, &role);
			table_cell(s, r + 1, x[i], cw[i], &t->cols[t->first_col + i],
				   table_role(t, t->first_col + i, selected, role), text ? text : "");
		}
	}
}

/* Moves the selection by delta rows, staying in range. */
static void table_move(struct table *t, long delta)
{
	long sel = (long)t->sel + delta;

	if (sel < 0 || t->n == 0)
		sel = 0;
	else if ((size_t)sel >= t->n)
		sel = (long)t->n - 1;
	t->sel = (size_t)sel;
}

enum pane_result table_action(struct table *t, enum sg_action a)
{
	size_t sel = t->sel, top = t->top;
	int first = t->first_col, cur = t->cursor;
	long page = t->page > 1 ? t->page - 1 : 1;

	switch (a) {
	case SG_ACTION_MOVE_UP: table_move(t, -1); break;
	case SG_ACTION_MOVE_DOWN: table_move(t, 1); break;
	case SG_ACTION_PAGE_UP: table_move(t, -page); break;
	case SG_ACTION_PAGE_DOWN: table_move(t, page); break;
	case SG_ACTION_FIRST: t->sel = 0; break;
	case SG_ACTION_LAST: table_move(t, (long)t->n); break;
	case SG_ACTION_SCROLL_LEFT:
		if (t->cursor > 1)
			t->cursor--;
		else if (!t->cursor && t->first_col > 0)
			t->first_col--;
		break;
	case SG_ACTION_SCROLL_RIGHT:
		if (t->cursor && t->cursor < t->ncols)
			t->cursor++;
		else if (!t->cursor && t->first_col + 1 < t->ncols)
			t->first_col++;
		break;
	default:
		return PANE_UNHANDLED;
	}
	table_clamp(t);
	if (sel == t->sel && top == t->top && first == t->first_col && cur == t->cursor)
		return PANE_HANDLED;
	return PANE_REDRAW;
}

void table_position(const struct table *t, char *buf, size_t n)
{
	if (t->n == 0)
		snprintf(buf, n, "0");
	else
		snprintf(buf, n, "%zu/%zu", t->sel + 1, t->n);
}

/* ---- details ------------------------------------------------------------------ */

void detail_done(struct detail *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->lines[i].key);
		free(d->lines[i].text);
	}
	free(d->lines);
	memset(d, 0, sizeof *d);
}

void detail_reset(struct detail *d)
{
	detail_done(d);
	d->open = 1;
}

/* Appends one line; key may be NULL. */
static void detail_add(struct detail *d, const char *key, enum sg_role role, const char *text)
{
	struct detail_line *l;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->lines = sg_xrealloc(d->lines, d->cap * sizeof *d->lines);
	}
	l = &d->lines[d->n++];
	l->key = key ? sg_xstrdup(key) : NULL;
	l->text = sg_xstrdup(text);
	l->role = role;
	if (key) {
		int kw = text_width(key, 1);
		if (kw > d->keyw)
			d->keyw = kw > 24 ? 24 : kw;
	}
}

void detail_section(struct detail *d, const char *title)
{
	if (d->n)
		detail_add(d, NULL, SG_ROLE_NORMAL, "");
	detail_add(d, NULL, SG_ROLE_TITLE, title);
}

/* detail_add with the text formatted from fmt and ap. */
static void detail_vadd(struct detail *d, const char *key, enum sg_role role, const char *fmt,
			va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof buf, fmt, ap);
	detail_add(d, key, role, buf);
}

void detail_kv(struct detail *d, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	detail_vadd(d, key, SG_ROLE_NORMAL, fmt, ap);
	va_end(ap);
}

void detail_text(struct detail *d, enum sg_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	detail_vadd(d, NULL, role, fmt, ap);
	va_end(ap);
}

/* Where a line's text starts and how wide it may be in width w. */
static void detail_geom(const struct detail *d, const struct detail_line *l, int w, int *x,
			int *tw)
{
	*x = l->key ? 1 + d->keyw + 2 : 1;
	*tw = w - *x - 1;
	if (*tw < 1)
		*tw = 1;
}

void detail_draw(struct detail *d, struct surface *s)
{
	int row = 0, skip = d->top, total = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct detail_line *l = &d->lines[i];
		int x, tw, rows;
		detail_geom(d, l, s->w, &x, &tw);
		rows = text_wrap_rows(l->text, tw, s->be->unicode);
		total += rows;
		if (skip >= rows) {
			skip -= rows;
			continue;
		}
		if (row >= s->h)
			continue;
		if (l->key && skip == 0)
			surface_textw(s, row, 1, d->keyw, SG_ROLE_KEY, TEXT_ELLIPSIS, l->key);
		row += surface_wrap(s, row, x, s->h - row, tw, l->role, l->text, skip);
		skip = 0;
	}
	d->rows = total;
	d->h = s->h;
	if (d->top > 0 && d->top + d->h > d->rows) /* shrunk: scroll back */
		d->top = d->rows > d->h ? d->rows - d->h : 0;
}

enum pane_result detail_action(struct detail *d, enum sg_action a)
{
	int top = d->top, max = d->rows > d->h ? d->rows - d->h : 0;
	int page = d->h > 1 ? d->h - 1 : 1;

	switch (a) {
	case SG_ACTION_BACK:
		d->open = 0;
		return PANE_REDRAW;
	case SG_ACTION_MOVE_UP: d->top--; break;
	case SG_ACTION_MOVE_DOWN: d->top++; break;
	case SG_ACTION_PAGE_UP: d->top -= page; break;
	case SG_ACTION_PAGE_DOWN: d->top += page; break;
	case SG_ACTION_FIRST: d->top = 0; break;
	case SG_ACTION_LAST: d->top = max; break;
	case SG_ACTION_OPEN:
	case SG_ACTION_SCROLL_LEFT:
	case SG_ACTION_SCROLL_RIGHT:
		return PANE_HANDLED;
	default:
		return PANE_UNHANDLED;
	}
	if (d->top > max)
		d->top = max;
	if (d->top < 0)
		d->top = 0;
	return d->top == top ? PANE_HANDLED : PANE_REDRAW;
}

/* ---- list view ----------------------------------------------------------------- */

void list_view_done(struct list_view *v)
{
	detail_done(&v->det);
}

int list_view_loaded(struct list_view *v, int rc, const struct sg_error *err,
		     const char *fallback, size_t n, size_t sel)
{
	if (rc < 0)
		snprintf(v->error, sizeof v->error, "%s", err ? err->msg : fallback);
	else
		v->error[0] = '\0';
	if (sel < n)
		v->t.sel = sel;
	table_set_rows(&v->t, n);
	return rc;
}

void list_view_draw(struct list_view *v, struct surface *s, table_cell_fn cell, void *ud,
		    const char *empty)
{
	if (v->det.open)
		detail_draw(&v->det, s);
	else if (*v->error)
		surface_wrap(s, 1, 1, s->h - 1, s->w - 2, SG_ROLE_ERROR, v->error, 0);
	else
		table_draw(&v->t, s, cell, ud, empty);
}

enum pane_result list_view_action(struct list_view *v, enum sg_action a, struct pane *p,
				  void (*open)(struct pane *p))
{
	if (v->det.open)
		return detail_action(&v->det, a);
	if (a != SG_ACTION_OPEN)
		return table_action(&v->t, a);
	if (!v->t.n)
		return PANE_HANDLED;
	open(p);
	return PANE_REDRAW;
}

/* ---- formatters ------------------------------------------------------------------ */

void fmt_size(long long bytes, char *buf, size_t n)
{
	static const char units[] = "BKMGTP";
	double v = (double)bytes;
	int u = 0;

	if (bytes < 0) {
		snprintf(buf, n, "-");
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lldB", bytes);
	else if (v < 10)
		snprintf(buf, n, "%.1f%c", v, units[u]);
	else
		snprintf(buf, n, "%.0f%c", v, units[u]);
}

void fmt_count(long long v, char *buf, size_t n)
{
	char digits[32], out[48];
	int len, o = 0;

	snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
	len = (int)strlen(digits);
	if (v < 0)
		out[o++] = '-';
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, n, "%s", out);
}

void fmt_metric(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "nan");
	else if (isinf(v))
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
	else
		snprintf(buf, n, "%.4g", v);
}

enum sg_role run_status_role(enum sg_run_status st)
{
	switch (st) {
	case SG_RUN_RUNNING: return SG_ROLE_RUNNING;
	case SG_RUN_FINISHED: return SG_ROLE_OK;
	case SG_RUN_FAILED: return SG_ROLE_FAILED;
	default: return SG_ROLE_DIM;
	}
}

void fmt_run_duration(double start, double end, int running, char *buf, size_t n)
{
	double stop = running ? sg_now() : end;

	if (start <= 0 || stop <= 0) {
		snprintf(buf, n, "-");
		return;
	}
	sg_format_duration(stop > start ? stop - start : 0, buf, n);
}

void fmt_start(double t, char *buf, size_t n)
{
	time_t secs = (time_t)t, now = time(NULL);
	struct tm tm, tnow;

	if (t <= 0 || n == 0) {
		snprintf(buf, n, "-");
		return;
	}
	localtime_r(&secs, &tm);
	localtime_r(&now, &tnow);
	/* 11 columns either way: the year only matters when it differs. */
	if (strftime(buf, n, tm.tm_year == tnow.tm_year ? "%m-%d %H:%M" : "%Y-%m-%d", &tm) == 0)
		snprintf(buf, n, "-");
}
