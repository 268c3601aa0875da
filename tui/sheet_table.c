/* sheet_table.c — a dataset's rows: the Data pane's table sheet.
 *
 * Virtual scrolling over an sg_csv: a frame reads only the rows it shows,
 * each once, through one sg_csv_cursor, so drawing costs the same at row
 * 10 as at row 10,000,000.  The rows are the whole file in file order, or
 * a view (view.h) the sheet owns: a filter's rows, in turn maybe sorted.
 * Sorts, filters and searches run as tasks (task.h) in a worker thread
 * with a progress line; the sheet that opened the file also follows the
 * indexer, so rows are scrollable while the index grows. */
#include "sgconfig.h"
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/expr.h"
#include "core/util.h"
#include "tui/sheet.h"
#include "tui/task.h"

#define WIDTH_SAMPLE 200     /* rows measured for column widths */
#define WIDTH_MAX 40         /* widest a column starts */
#define WIDTH_MIN 3
#define COL_GAP 2
#define MAX_KEYS 8
#define TASK_TICK_MS 100     /* progress line refresh while a task runs */

enum tkind { T_NONE, T_SORT, T_FILTER, T_SEARCH };

/* What a task works on and hands back; owned by the sheet. */
struct tjob {
	struct sg_csv *csv;
	const struct sg_view *base;
	struct sg_sort_key keys[MAX_KEYS];
	int nkeys;
	struct sg_expr *expr;
	char text[256];           /* the filter expression or search pattern */
	int flags;
	uint64_t start;
	struct sg_view *out;
	uint64_t pos;
	int wrapped;
};

struct tsheet {
	struct sheet base;
	struct dsfile *f;
	int owner;                /* follows the index (the file's first sheet) */
	int index_done;
	struct sg_csv_progress pr;  /* the index's, at the last draw */
	struct sg_view *filter;   /* this sheet's rows (NULL: all), owned */
	struct sg_view *order;    /* filter's rows sorted (NULL: unsorted), owned */
	char label[256];          /* how filter was made ("" for all rows) */
	struct sg_sort_key keys[MAX_KEYS];
	int nkeys;
	struct sg_sort_key old_keys[MAX_KEYS];  /* restored when a sort fails */
	int old_nkeys;
	uint64_t pos, top;        /* cursor position and first visible position */
	int col, left;            /* current column, first visible column */
	int page;                 /* data rows visible at the last draw */
	int grew;                 /* a column widened while drawing */
	int *width;               /* per column */
	unsigned char *right;     /* per column: numbers, right-aligned */
	uint64_t wsample;         /* rows the widths were measured on */
	struct sg_csv_cursor cur;
	char search[256];         /* last pattern ("" none) */
	struct task *task;
	enum tkind tkind;
	struct tjob job;
};

static struct tsheet *ts(struct sheet *sh)
{
	return (struct tsheet *)sh;
}

/* ---- display helpers shared by the sheets --------------------------------- */

/* Writes the visible escape of byte c into tmp; returns its length. */
static size_t esc_byte(unsigned char c, char *tmp)
{
	switch (c) {
	case '\t': memcpy(tmp, "\\t", 2); return 2;
	case '\n': memcpy(tmp, "\\n", 2); return 2;
	case '\r': memcpy(tmp, "\\r", 2); return 2;
	default: snprintf(tmp, 8, "\\x%02x", c); return 4;
	}
}

size_t sheet_escape(const char *p, size_t len, char *out, size_t n, int maxcols,
		    unsigned flags)
{
	size_t i = 0, o = 0;
	int cols = 0;

	while (i < len && (maxcols < 0 || cols < maxcols)) {
		unsigned char c = (unsigned char)p[i];
		char tmp[8];
		size_t k, used = 1;
		int escaped = 0;
		if (c == '\n' && (flags & ESC_KEEP_NEWLINES)) {
			tmp[0] = '\n';
			k = 1;
		} else if (c < 0x20 || c == 0x7f) {
			k = esc_byte(c, tmp);
			escaped = 1;
		} else if (c < 0x80) {
			tmp[0] = (char)c;
			k = 1;
		} else {
			long cp;
			used = utf8_decode(p + i, len - i, &cp);
			if (cp < 0 || (cp >= 0x80 && cp < 0xa0)) {
				k = esc_byte(c, tmp);
				used = 1;
				escaped = 1;
			} else {
				memcpy(tmp, p + i, used);
				k = used;
			}
		}
		if (o + k + 1 > n)
			break;
		memcpy(out + o, tmp, k);
		o += k;
		cols += escaped ? (int)k : 1;  /* wide characters count 1: a bound only */
		i += used;
	}
	if (n)
		out[o] = '\0';
	return i;
}

void sheet_count_text(uint64_t done, uint64_t total, const char *unit, char *buf, size_t n)
{
	char d[48], t[48];

	fmt_count((long long)done, d, sizeof d);
	fmt_count((long long)total, t, sizeof t);
	if (total)
		snprintf(buf, n, "%s of %s %s", d, t, unit);
	else
		snprintf(buf, n, "%s %s", d, unit);
}

void sheet_progress(struct surface *s, int y, const char *label, double frac, const char *text)
{
	int ascii = s->be->ascii_lines || !s->be->unicode, x, barw;
	char tail[256];

	if (frac > 1)
		frac = 1;
	if (frac >= 0)
		snprintf(tail, sizeof tail, " %3d%%  %s", (int)(frac * 100), text);
	else
		snprintf(tail, sizeof tail, "  %s", text);
	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_STATUS);
	x = 1 + surface_textw(s, y, 1, s->w - 1, SG_ROLE_RUNNING, 0, label);
	barw = s->w - x - 2 - text_width(tail, s->be->unicode);
	if (barw > 40)
		barw = 40;
	if (frac >= 0 && barw >= 4) {
		int fill = (int)(frac * barw + 0.5);
		surface_text(s, y, x++, SG_ROLE_STATUS, " ");
		surface_fill(s, y, x, 1, fill, ascii ? '#' : 0x2588, SG_ROLE_RUNNING);
		surface_fill(s, y, x + fill, 1, barw - fill, ascii ? '.' : 0x2591, SG_ROLE_DIM);
		x += barw;
	}
	surface_textw(s, y, x, s->w - x, SG_ROLE_STATUS, TEXT_ELLIPSIS, tail);
}

/* ---- rows ------------------------------------------------------------------ */

/* The view positions index into, or NULL for all rows in file order. */
static const struct sg_view *shown_view(const struct tsheet *t)
{
	return t->order ? t->order : t->filter;
}

static uint64_t nrows(const struct tsheet *t)
{
	const struct sg_view *v = shown_view(t);

	return v ? v->n : sg_csv_nrows(t->f->csv);
}

/* The data row at position pos. */
static uint64_t row_at(const struct tsheet *t, uint64_t pos)
{
	const struct sg_view *v = shown_view(t);

	return v ? sg_view_row(v, pos) : pos;
}

/* Whether the rows shown may still grow (all rows, index not finished). */
static int growing(const struct tsheet *t)
{
	return !shown_view(t) && !t->index_done;
}

/* Measures column widths on the header and the first rows available;
 * again later while fewer than WIDTH_SAMPLE rows were there to measure. */
static void measure(struct tsheet *t)
{
	int nc = sg_csv_ncols(t->f->csv);
	uint64_t have = sg_csv_nrows(t->f->csv), n = have < WIDTH_SAMPLE ? have : WIDTH_SAMPLE;
	int *numeric = sg_xcalloc((size_t)nc + 1, sizeof *numeric);
	struct sg_error e = { 0 };

	if (t->width && n <= t->wsample)
		goto out;
	t->width = sg_xrealloc(t->width, ((size_t)nc + 1) * sizeof *t->width);
	t->right = sg_xrealloc(t->right, (size_t)nc + 1);
	for (int c = 0; c < nc; c++) {
		int w = text_width(sg_csv_colname(t->f->csv, c), 1);
		t->width[c] = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
	}
	for (uint64_t r = 0; r < n; r++) {
		if (sg_csv_read_row(t->f->csv, r, &t->cur, &e) < 0)
			break;
		for (int c = 0; c < nc && c < t->cur.nfields; c++) {
			char buf[WIDTH_MAX * 4 + 8];
			const struct sg_csv_field *fl = &t->cur.field[c];
			enum sg_valkind k = sg_value_kind(fl->p, fl->len, NULL);
			sheet_escape(fl->p, fl->len, buf, sizeof buf, WIDTH_MAX + 1, 0);
			int w = text_width(buf, 1);
			if (w > t->width[c])
				t->width[c] = w > WIDTH_MAX ? WIDTH_MAX : w;
			if (k == SG_VAL_INT || k == SG_VAL_FLOAT)
				numeric[c] |= 1;
			else if (k != SG_VAL_MISSING)
				numeric[c] |= 2;
		}
	}
	for (int c = 0; c < nc; c++)
		t->right[c] = numeric[c] == 1;
	t->wsample = n;
out:
	free(numeric);
}

/* Keeps the cursor and the first visible row in range. */
static void clamp(struct tsheet *t)
{
	uint64_t n = nrows(t), page = t->page > 0 ? (uint64_t)t->page : 1;
	int nc = sg_csv_ncols(t->f->csv);

	if (n == 0) {
		t->pos = t->top = 0;
	} else {
		if (t->pos >= n)
			t->pos = n - 1;
		if (t->pos < t->top)
			t->top = t->pos;
		if (t->pos >= t->top + page)
			t->top = t->pos - page + 1;
	}
	if (t->col >= nc)
		t->col = nc > 0 ? nc - 1 : 0;
	if (t->col < 0)
		t->col = 0;
	if (t->left > t->col)
		t->left = t->col;
}

/* ---- drawing ------------------------------------------------------------------ */

/* Digits of the largest row number shown (at least 3). */
static int gutter_digits(const struct tsheet *t)
{
	uint64_t n = sg_csv_nrows(t->f->csv);
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d < 3 ? 3 : d;
}

/* Moves the first visible column so the current one fits in width w from
 * x0; returns the number of columns shown and fills xs/ws. */
static int layout(struct tsheet *t, int x0, int w, int *xs, int *ws, int max)
{
	int nc = sg_csv_ncols(t->f->csv), k;

	for (;;) {
		int x = x0;
		k = 0;
		for (int c = t->left; c < nc && k < max && x < w; c++) {
			xs[k] = x;
			ws[k] = t->width[c] < w - x ? t->width[c] : w - x;
			x += t->width[c] + COL_GAP;
			k++;
		}
		/* the current column must be whole (or start the view) */
		int ci = t->col - t->left;
		if (t->left >= t->col || (ci < k && ws[ci] == t->width[t->col]))
			return k;
		t->left++;
	}
}

/* Draws the header row: row-number gutter and column names. */
static void draw_header(struct tsheet *t, struct surface *s, int gw, const int *xs,
			const int *ws, int k)
{
	surface_fill(s, 0, 0, 1, s->w, ' ', SG_ROLE_HEADER);
	surface_textw(s, 0, 0, gw, SG_ROLE_HEADER, TEXT_RIGHT, "#");
	for (int i = 0; i < k; i++) {
		int c = t->left + i;
		enum sg_role role = c == t->col ? SG_ROLE_CURSOR : SG_ROLE_HEADER;
		if (c == t->col)
			surface_fill(s, 0, xs[i], 1, ws[i], ' ', role);
		surface_textw(s, 0, xs[i], ws[i], role,
			      TEXT_ELLIPSIS | (t->right[c] ? TEXT_RIGHT : 0),
			      sg_csv_colname(t->f->csv, c));
	}
}

/* The role of a body cell. */
static enum sg_role cell_role(const struct tsheet *t, int c, int sel, int marked)
{
	if (sel)
		return c == t->col ? SG_ROLE_CURSOR : SG_ROLE_SELECTED;
	if (marked)
		return SG_ROLE_KEY;
	return t->right[c] ? SG_ROLE_NUMBER : SG_ROLE_NORMAL;
}

/* Widens column c for a value shown now that is wider than the first
 * rows' (a sort brings long values up): the frame is drawn again. */
static void grow(struct tsheet *t, int c, const char *text)
{
	int w = text_width(text, 1);

	if (w > t->width[c] && t->width[c] < WIDTH_MAX) {
		t->width[c] = w < WIDTH_MAX ? w : WIDTH_MAX;
		t->grew = 1;
	}
}

/* Draws data row pos on screen row y. */
static void draw_row(struct tsheet *t, struct surface *s, int y, uint64_t pos, int gw,
		     const int *xs, const int *ws, int k)
{
	uint64_t row = row_at(t, pos);
	int sel = pos == t->pos, marked = dsfile_marked(t->f, row);
	struct sg_error e = { 0 };
	char num[32];

	if (sel)
		surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_SELECTED);
	snprintf(num, sizeof num, "%llu", (unsigned long long)row + 1);
	if (sg_csv_read_row(t->f->csv, row, &t->cur, &e) < 0) {
		surface_textw(s, y, 0, gw, SG_ROLE_ERROR, TEXT_RIGHT, num);
		surface_textw(s, y, gw + 3, s->w - gw - 3, SG_ROLE_ERROR, TEXT_ELLIPSIS, e.msg);
		return;
	}
	surface_textw(s, y, 0, gw, t->cur.ragged ? SG_ROLE_ERROR : sel ? SG_ROLE_SELECTED
				   : SG_ROLE_DIM, TEXT_RIGHT, num);
	if (marked)
		surface_text(s, y, gw, SG_ROLE_KEY, "*");
	if (t->cur.ragged)
		surface_text(s, y, gw + 1, SG_ROLE_ERROR, "!");
	for (int i = 0; i < k; i++) {
		int c = t->left + i;
		const struct sg_csv_field *fl = &t->cur.field[c];
		char buf[1024];
		enum sg_role role = cell_role(t, c, sel, marked);
		sheet_escape(fl->p, fl->len, buf, sizeof buf, WIDTH_MAX + 1, 0);
		grow(t, c, buf);
		if (sel && c == t->col)
			surface_fill(s, y, xs[i], 1, ws[i], ' ', role);
		surface_textw(s, y, xs[i], ws[i], role,
			      TEXT_ELLIPSIS | (t->right[c] ? TEXT_RIGHT : 0), buf);
	}
}

/* The indexer's progress into pr (draining its descriptor, so every caller
 * must be ready to see the end): notes when it finished, and how. */
static void index_progress(struct tsheet *t, struct sg_csv_progress *pr)
{
	struct sg_error e = { 0 };

	sg_csv_progress(t->f->csv, pr);
	if (!pr->done || t->index_done)
		return;
	t->index_done = 1;
	if (pr->failed && sg_csv_wait(t->f->csv, &e) < 0)
		pane_message(t->base.pane, SG_ROLE_ERROR, "%s", e.msg);
	else if (sg_csv_ragged_total(t->f->csv))
		pane_message(t->base.pane, SG_ROLE_ERROR,
			     "%llu ragged row%s (flagged !, padded with empty fields)",
			     (unsigned long long)sg_csv_ragged_total(t->f->csv),
			     sg_csv_ragged_total(t->f->csv) == 1 ? "" : "s");
}

/* The bottom line while work goes on: a task's, else the indexer's. */
static void draw_busy(struct tsheet *t, struct surface *s, int y)
{
	static const char *const what[] = { "", "Sorting", "Filtering", "Searching" };
	uint64_t done, total;
	char text[160], rows[48];

	if (t->task) {
		task_progress(t->task, &done, &total);
		sheet_count_text(done, total, "rows  (Esc cancels)", text, sizeof text);
		sheet_progress(s, y, what[t->tkind], total ? (double)done / (double)total : -1, text);
	} else {
		const struct sg_csv_progress pr = t->pr;
		char size[16], all[16];
		fmt_count((long long)pr.rows, rows, sizeof rows);
		fmt_size((long long)pr.bytes_done, size, sizeof size);
		fmt_size((long long)pr.bytes_total, all, sizeof all);
		snprintf(text, sizeof text, "%s rows so far (%s of %s)", rows, size, all);
		sheet_progress(s, y, "Indexing", pr.bytes_total ? (double)pr.bytes_done /
			       (double)pr.bytes_total : -1, text);
	}
}

static void table_draw_sheet(struct sheet *sh, struct surface *s)
{
	struct tsheet *t = ts(sh);
	int busy, body;
	int gw, xs[256], ws[256], k;

	if (t->owner && !t->index_done)   /* before deciding on the progress line */
		index_progress(t, &t->pr);
	busy = t->task || (t->owner && !t->index_done);
	body = s->h - busy;
	gw = gutter_digits(t);
	measure(t);
	t->page = body > 1 ? body - 1 : 1;
	clamp(t);
	if (sg_csv_ncols(t->f->csv) == 0) {
		surface_wrap(s, 1, 2, s->h - 1, s->w - 4, SG_ROLE_DIM, "This file has no columns.",
			     0);
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			surface_fill(s, 0, 0, s->h, s->w, ' ', SG_ROLE_NORMAL);
		t->grew = 0;
		k = layout(t, gw + 3, s->w, xs, ws, 256);
		draw_header(t, s, gw, xs, ws, k);
		if (nrows(t) == 0)
			surface_wrap(s, 2, 2, body - 2, s->w - 4, SG_ROLE_DIM,
				     growing(t) ? "Reading rows\u2026" : "No rows.", 0);
		for (int r = 0; r < t->page && t->top + (uint64_t)r < nrows(t); r++)
			draw_row(t, s, r + 1, t->top + (uint64_t)r, gw, xs, ws, k);
		if (!t->grew)
			break;
	}
	if (busy && s->h > 1)
		draw_busy(t, s, s->h - 1);
}

static void table_summary(struct sheet *sh, char *buf, size_t n)
{
	struct tsheet *t = ts(sh);
	char pos[48], total[48], extra[400] = "";
	size_t len = 0;

	fmt_count(nrows(t) ? (long long)t->pos + 1 : 0, pos, sizeof pos);
	fmt_count((long long)nrows(t), total, sizeof total);
	if (t->f->nmarked)
		len += (size_t)snprintf(extra + len, sizeof extra - len, "  %llu marked",
					(unsigned long long)t->f->nmarked);
	if (*t->label && len < sizeof extra)
		len += (size_t)snprintf(extra + len, sizeof extra - len, "  [%s]", t->label);
	for (int i = 0; i < t->nkeys && len < sizeof extra; i++)
		len += (size_t)snprintf(extra + len, sizeof extra - len, "%s%s%s",
					i ? " " : "  sort ", sg_csv_colname(t->f->csv, t->keys[i].col),
					t->keys[i].desc ? "\u2193" : "\u2191");
	snprintf(buf, n, "%s  row %s/%s%s%s", t->f->name, pos, total, growing(t) ? "\u2026" : "",
		 extra);
}

/* ---- tasks ------------------------------------------------------------------ */

/* task_fn: sorts job->base by job->keys. */
static int job_sort(void *arg, const atomic_int *cancel, struct sg_stats_progress *prog,
		    struct sg_error *err)
{
	struct tjob *j = arg;
	struct sg_view_options o = { .cancel = cancel, .progress = prog };

	return sg_view_sort(j->csv, j->base, j->keys, j->nkeys, &o, &j->out, err);
}

/* task_fn: filters job->base by job->expr. */
static int job_filter(void *arg, const atomic_int *cancel, struct sg_stats_progress *prog,
		      struct sg_error *err)
{
	struct tjob *j = arg;
	struct sg_view_options o = { .cancel = cancel, .progress = prog };

	return sg_view_filter(j->csv, j->base, j->expr, &o, &j->out, err);
}

/* task_fn: the next match of job->text from job->start. */
static int job_search(void *arg, const atomic_int *cancel, struct sg_stats_progress *prog,
		      struct sg_error *err)
{
	struct tjob *j = arg;
	struct sg_view_options o = { .cancel = cancel, .progress = prog };

	return sg_view_search(j->csv, j->base, j->text, j->flags, j->start, &o, &j->pos,
			      &j->wrapped, err);
}

/* Starts fn on the sheet's job; 0, or -1 (a message says why). */
static int start_task(struct tsheet *t, enum tkind kind, task_fn fn)
{
	struct sg_error e = { 0 };

	t->job.csv = t->f->csv;
	t->task = task_start(fn, &t->job, &e);
	if (!t->task) {
		pane_message(t->base.pane, SG_ROLE_ERROR, "%s", e.msg);
		return -1;
	}
	t->tkind = kind;
	return 0;
}

/* True (with a message) when a task is already running. */
static int busy(struct tsheet *t)
{
	if (!t->task)
		return 0;
	pane_message(t->base.pane, SG_ROLE_MESSAGE, "Still working (Esc cancels)");
	return 1;
}

/* Sorts this sheet's rows by t->keys (none: back to its own order). */
static void resort(struct tsheet *t)
{
	if (t->nkeys == 0) {
		sg_view_free(t->order);
		t->order = NULL;
		t->pos = t->top = 0;
		pane_message(t->base.pane, SG_ROLE_MESSAGE, "Sort cleared");
		return;
	}
	memset(&t->job, 0, sizeof t->job);
	t->job.base = t->filter;
	memcpy(t->job.keys, t->keys, sizeof t->keys);
	t->job.nkeys = t->nkeys;
	start_task(t, T_SORT, job_sort);
}

/* Sort keys: replace them by the current column (add: append it, or turn
 * it around if it is a key already); the same single key again clears. */
static void sort_key(struct tsheet *t, int desc, int add)
{
	int i;

	if (busy(t) || sg_csv_ncols(t->f->csv) == 0)
		return;
	memcpy(t->old_keys, t->keys, sizeof t->keys);
	t->old_nkeys = t->nkeys;
	if (!add) {
		if (t->nkeys == 1 && t->keys[0].col == t->col && t->keys[0].desc == desc) {
			t->nkeys = 0;
		} else {
			t->keys[0] = (struct sg_sort_key){ t->col, desc };
			t->nkeys = 1;
		}
		resort(t);
		return;
	}
	for (i = 0; i < t->nkeys && t->keys[i].col != t->col; i++)
		;
	if (i == t->nkeys && t->nkeys == MAX_KEYS) {
		pane_message(t->base.pane, SG_ROLE_ERROR, "At most %d sort keys", MAX_KEYS);
		return;
	}
	t->keys[i] = (struct sg_sort_key){ t->col, desc };
	if (i == t->nkeys)
		t->nkeys++;
	resort(t);
}

/* The column a regex matches first in the cursor's row, from the current
 * column on (wrapping), or the current column when none does. */
static int match_column(struct tsheet *t, const char *pattern, int icase, uint64_t row)
{
	regex_t re;
	struct sg_error e = { 0 };
	int nc = sg_csv_ncols(t->f->csv), found = t->col;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0)) != 0)
		return found;
	if (sg_csv_read_row(t->f->csv, row, &t->cur, &e) == 0) {
		for (int i = 0; i < nc; i++) {
			int c = (t->col + i) % nc;
			if (c < t->cur.nfields && regexec(&re, t->cur.field[c].p, 0, NULL, 0) == 0) {
				found = c;
				break;
			}
		}
	}
	regfree(&re);
	return found;
}

/* True when the pattern has no upper-case letter (smart case). */
static int smart_icase(const char *pattern)
{
	for (const char *q = pattern; *q; q++)
		if (isupper((unsigned char)*q))
			return 0;
	return 1;
}

/* Searches from the cursor for the last pattern, forward or backward. */
static void search(struct tsheet *t, int backward)
{
	if (!*t->search) {
		pane_message(t->base.pane, SG_ROLE_MESSAGE, "No search yet: / searches");
		return;
	}
	if (busy(t))
		return;
	memset(&t->job, 0, sizeof t->job);
	t->job.base = shown_view(t);
	snprintf(t->job.text, sizeof t->job.text, "%s", t->search);
	t->job.flags = (backward ? SG_SEARCH_BACKWARD : 0) |
		       (smart_icase(t->search) ? SG_SEARCH_ICASE : 0);
	t->job.start = nrows(t) ? t->pos : UINT64_MAX;
	start_task(t, T_SEARCH, job_search);
}

/* Character column (1-based) of a "where:L:C: …" message, or 0. */
static int error_column(const char *msg)
{
	const char *q = strstr(msg, "where:");
	long line, col;

	if (!q || sscanf(q, "where:%ld:%ld:", &line, &col) != 2 || col < 1)
		return 0;
	return (int)col;
}

/* Byte offset of character column col (1-based) in text. */
static size_t char_offset(const char *text, int col)
{
	size_t i = 0, len = strlen(text);

	for (int c = 1; c < col && i < len; c++) {
		long cp;
		i += utf8_decode(text + i, len - i, &cp);
	}
	return i;
}

/* Compiles text and starts filtering this sheet's rows by it; a bad
 * expression is reported and the prompt opened again at its column. */
static void filter(struct tsheet *t, const char *text)
{
	struct sg_error e = { 0 };
	struct sg_expr *ex;

	if (busy(t))
		return;
	if (sg_expr_compile(text, t->f->csv, &ex, &e) < 0) {
		char line[300];
		int col = error_column(e.msg);
		snprintf(line, sizeof line, "filter %s", text);
		pane_message(t->base.pane, SG_ROLE_ERROR, "%s", e.msg);
		if (t->base.pane->env && t->base.pane->env->prompt)
			t->base.pane->env->prompt(t->base.pane->env->ud, line,
						  7 + (col ? char_offset(text, col) : strlen(text)));
		return;
	}
	memset(&t->job, 0, sizeof t->job);
	t->job.base = shown_view(t);
	t->job.expr = ex;
	snprintf(t->job.text, sizeof t->job.text, "%s", text);
	if (start_task(t, T_FILTER, job_filter) < 0) {
		sg_expr_free(ex);
		t->job.expr = NULL;
	}
}

/* A finished sort: its order replaces the sheet's. */
static void sort_done(struct tsheet *t)
{
	sg_view_free(t->order);
	t->order = t->job.out;
	t->pos = t->top = 0;
}

/* A finished filter: its rows open as a new table sheet on top. */
static void filter_done(struct tsheet *t)
{
	char label[256], count[48];
	struct sheet *sh;

	if (*t->label)
		snprintf(label, sizeof label, "%s and %s", t->label, t->job.text);
	else
		snprintf(label, sizeof label, "%s", t->job.text);
	fmt_count((long long)t->job.out->n, count, sizeof count);
	sh = sheet_table_new(t->base.pane, dsfile_ref(t->f), t->job.out, label);
	data_push(t->base.pane, sh);
	pane_message(t->base.pane, SG_ROLE_MESSAGE, "%s row%s match (Esc: all rows)", count,
		     t->job.out->n == 1 ? "" : "s");
}

/* A finished search: the cursor goes to the match. */
static void search_done(struct tsheet *t)
{
	t->pos = t->job.pos;
	t->col = match_column(t, t->job.text, t->job.flags & SG_SEARCH_ICASE, row_at(t, t->pos));
	if (t->job.wrapped)
		pane_message(t->base.pane, SG_ROLE_MESSAGE, "Search wrapped around");
}

/* The sort keys of the order shown, after a sort that did not happen. */
static void restore_keys(struct tsheet *t)
{
	memcpy(t->keys, t->old_keys, sizeof t->keys);
	t->nkeys = t->old_nkeys;
}

/* Joins a finished task and applies its result. */
static void task_done(struct tsheet *t)
{
	struct sg_error e = { 0 };
	int rc = task_finish(t->task, &e);
	enum tkind kind = t->tkind;

	t->task = NULL;
	t->tkind = T_NONE;
	sg_expr_free(t->job.expr);
	t->job.expr = NULL;
	if (rc == 1) {
		pane_message(t->base.pane, SG_ROLE_MESSAGE, "Cancelled");
		if (kind == T_SORT)   /* the order shown is unchanged */
			restore_keys(t);
		return;
	}
	if (rc < 0) {
		if (kind == T_SEARCH && e.code == SG_E_NOTFOUND)
			pane_message(t->base.pane, SG_ROLE_MESSAGE, "No match for /%s/", t->job.text);
		else
			pane_message(t->base.pane, SG_ROLE_ERROR, "%s", e.msg);
		if (kind == T_SORT)
			restore_keys(t);
		return;
	}
	if (kind == T_SORT)
		sort_done(t);
	else if (kind == T_FILTER)
		filter_done(t);
	else if (kind == T_SEARCH)
		search_done(t);
}

static int table_poll_fds(struct sheet *sh, int *fds, int max, int *timeout_ms)
{
	struct tsheet *t = ts(sh);
	int n = 0;

	if (t->owner && !t->index_done && n < max)
		fds[n++] = sg_csv_progress_fd(t->f->csv);
	if (t->task && n < max) {
		fds[n++] = task_fd(t->task);
		if (*timeout_ms < 0 || *timeout_ms > TASK_TICK_MS)
			*timeout_ms = TASK_TICK_MS;
	}
	return n;
}

static enum pane_result table_on_fd(struct sheet *sh, int fd)
{
	struct tsheet *t = ts(sh);

	if (t->owner && !t->index_done && fd == sg_csv_progress_fd(t->f->csv)) {
		struct sg_csv_progress pr;
		index_progress(t, &pr);
		return PANE_REDRAW;
	}
	if (t->task && (fd == task_fd(t->task) || fd < 0)) {
		if (task_ended(t->task))
			task_done(t);
		return PANE_REDRAW;
	}
	return PANE_UNHANDLED;
}

/* ---- actions ------------------------------------------------------------------ */

/* Opens the prompt for a command on this sheet, holding text. */
static void prompt(struct tsheet *t, const char *text)
{
	const struct pane_env *env = t->base.pane->env;

	if (env && env->prompt)
		env->prompt(env->ud, text, strlen(text));
}

/* True for a column name the expression language reads bare. */
static int bare_name(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && !((unsigned char)*s & 0x80))
			return 0;
	return 1;
}

/* The filter prompt, holding the current column's name to start from. */
static void filter_prompt(struct tsheet *t)
{
	const char *name = sg_csv_colname(t->f->csv, t->col);
	char line[256];

	if (!*name)
		snprintf(line, sizeof line, "filter ");
	else if (bare_name(name))
		snprintf(line, sizeof line, "filter %s ", name);
	else
		snprintf(line, sizeof line, "filter `%s` ", name);
	prompt(t, line);
}

/* Jumps to row number text (1-based, in this sheet's order). */
static void goto_row(struct tsheet *t, const char *text)
{
	char *end;
	uint64_t n = nrows(t);
	unsigned long long want;

	errno = 0;
	want = strtoull(text, &end, 10);
	if (strcmp(text, "end") == 0 || strcmp(text, "$") == 0) {
		want = n;
	} else if (errno || end == text || *end) {
		pane_message(t->base.pane, SG_ROLE_ERROR, "goto: not a row number: %s", text);
		return;
	}
	if (want > n && growing(t))
		pane_message(t->base.pane, SG_ROLE_MESSAGE, "Only %llu rows indexed so far",
			     (unsigned long long)n);
	t->pos = want ? want - 1 : 0;
	clamp(t);
	/* center the row when it was off screen */
	if (t->pos >= (uint64_t)t->page / 2)
		t->top = t->pos - (uint64_t)t->page / 2;
	else
		t->top = 0;
	clamp(t);
}

/* Opens the cell viewer on the current cell. */
static void open_cell(struct tsheet *t)
{
	struct sg_error e = { 0 };
	uint64_t row;
	char title[300];

	if (!nrows(t) || !sg_csv_ncols(t->f->csv))
		return;
	row = row_at(t, t->pos);
	if (sg_csv_read_row(t->f->csv, row, &t->cur, &e) < 0) {
		pane_message(t->base.pane, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	snprintf(title, sizeof title, "%s  row %llu  %s%s", t->f->name,
		 (unsigned long long)row + 1, sg_csv_colname(t->f->csv, t->col),
		 t->col >= t->cur.nfields ? " (missing: ragged row)" : "");
	data_push(t->base.pane, sheet_cell_new(t->base.pane, title, t->cur.field[t->col].p,
					       t->cur.field[t->col].len));
}

/* Marks toggle and moves down, like VisiData's t on a selection. */
static void mark(struct tsheet *t)
{
	if (!nrows(t))
		return;
	dsfile_toggle_mark(t->f, row_at(t, t->pos));
	if (t->pos + 1 < nrows(t))
		t->pos++;
}

/* Pushes a sheet of the marked rows, in file order. */
static void show_marked(struct tsheet *t)
{
	uint64_t *rows, n = 0;
	char label[64];

	if (!t->f->nmarked) {
		pane_message(t->base.pane, SG_ROLE_MESSAGE, "No rows marked (m marks)");
		return;
	}
	rows = sg_xmalloc((size_t)t->f->nmarked * sizeof *rows);
	for (uint64_t r = 0; r < t->f->marks_bits && n < t->f->nmarked; r++)
		if (dsfile_marked(t->f, r))
			rows[n++] = r;
	snprintf(label, sizeof label, "%llu marked rows", (unsigned long long)n);
	data_push(t->base.pane, sheet_table_new(t->base.pane, dsfile_ref(t->f),
						sg_view_from_rows(rows, n), label));
	free(rows);
}

/* Cursor moves: rows and columns. */
static enum pane_result move(struct tsheet *t, enum sg_action a)
{
	uint64_t n = nrows(t), page = t->page > 1 ? (uint64_t)t->page - 1 : 1;

	switch (a) {
	case SG_ACTION_MOVE_UP:
		if (t->pos)
			t->pos--;
		break;
	case SG_ACTION_MOVE_DOWN: t->pos++; break;
	case SG_ACTION_PAGE_UP:
		t->pos = t->pos > page ? t->pos - page : 0;
		t->top = t->top > page ? t->top - page : 0;
		break;
	case SG_ACTION_PAGE_DOWN:
		t->pos += page;
		t->top += page;
		break;
	case SG_ACTION_FIRST: t->pos = 0; break;
	case SG_ACTION_LAST: t->pos = n ? n - 1 : 0; break;
	case SG_ACTION_SCROLL_LEFT:
		if (t->col)
			t->col--;
		break;
	case SG_ACTION_SCROLL_RIGHT: t->col++; break;
	default: return PANE_UNHANDLED;
	}
	if (t->top + (uint64_t)t->page > n)
		t->top = n > (uint64_t)t->page ? n - (uint64_t)t->page : 0;
	clamp(t);
	return PANE_REDRAW;
}

/* The scope line for statistics opened from this sheet. */
static const char *scope(const struct tsheet *t)
{
	return t->filter ? "whole file, not just this filter" : "";
}

static enum pane_result tsheet_action(struct sheet *sh, enum sg_action a)
{
	struct tsheet *t = ts(sh);
	struct pane *p = sh->pane;

	if (move(t, a) != PANE_UNHANDLED)
		return PANE_REDRAW;
	switch (a) {
	case SG_ACTION_BACK:
		if (!t->task)
			return PANE_UNHANDLED;  /* the pane pops the sheet */
		task_cancel(t->task);
		return PANE_HANDLED;
	case SG_ACTION_OPEN: open_cell(t); break;
	case SG_ACTION_GOTO_ROW: prompt(t, "goto "); break;
	case SG_ACTION_SEARCH: prompt(t, "search "); break;
	case SG_ACTION_SEARCH_NEXT: search(t, 0); break;
	case SG_ACTION_SEARCH_PREV: search(t, 1); break;
	case SG_ACTION_SORT_ASC: sort_key(t, 0, 0); break;
	case SG_ACTION_SORT_DESC: sort_key(t, 1, 0); break;
	case SG_ACTION_SORT_ADD_ASC: sort_key(t, 0, 1); break;
	case SG_ACTION_SORT_ADD_DESC: sort_key(t, 1, 1); break;
	case SG_ACTION_FILTER: filter_prompt(t); break;
	case SG_ACTION_MARK: mark(t); break;
	case SG_ACTION_UNMARK_ALL: dsfile_unmark_all(t->f); break;
	case SG_ACTION_SHOW_MARKED: show_marked(t); break;
	case SG_ACTION_DESCRIBE:
		data_push(p, sheet_describe_new(p, dsfile_ref(t->f), scope(t)));
		break;
	case SG_ACTION_FREQ:
		if (sg_csv_ncols(t->f->csv))
			data_push(p, sheet_freq_new(p, dsfile_ref(t->f), t->col, scope(t)));
		break;
	case SG_ACTION_PREP: {
		struct sheet *prep = sheet_prep_new(p, t->f, t->col);
		if (prep)
			data_push(p, prep);
		break;
	}
	case SG_ACTION_LABEL: {
		struct sg_error e = { 0 };
		if (sheet_label_open(p, t->f, nrows(t) ? row_at(t, t->pos) : 0, &e) < 0)
			pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		break;
	}
	case SG_ACTION_INFO:
		pane_message(p, SG_ROLE_MESSAGE, "%s: %d columns, %llu rows%s", t->f->path,
			     sg_csv_ncols(t->f->csv), (unsigned long long)sg_csv_nrows(t->f->csv),
			     growing(t) ? " so far" : "");
		break;
	default:
		return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

static enum pane_result table_action_arg(struct sheet *sh, enum sg_action a, const char *arg)
{
	struct tsheet *t = ts(sh);

	switch (a) {
	case SG_ACTION_GOTO_ROW:
		goto_row(t, arg);
		return PANE_REDRAW;
	case SG_ACTION_SEARCH:
		snprintf(t->search, sizeof t->search, "%s", arg);
		search(t, 0);
		return PANE_REDRAW;
	case SG_ACTION_FILTER:
		filter(t, arg);
		return PANE_REDRAW;
	default:
		return PANE_UNHANDLED;
	}
}

static void table_free(struct sheet *sh)
{
	struct tsheet *t = ts(sh);

	if (t->task) {
		task_cancel(t->task);
		task_finish(t->task, NULL);
		sg_view_free(t->job.out);
		sg_expr_free(t->job.expr);
	}
	sg_view_free(t->filter);
	sg_view_free(t->order);
	sg_csv_cursor_done(&t->cur);
	free(t->width);
	free(t->right);
	dsfile_unref(t->f);
	free(t);
}

uint64_t sheet_table_row(struct sheet *sh)
{
	struct tsheet *t;

	if (!sh || strcmp(sh->ops->kind, "table") != 0)
		return UINT64_MAX;
	t = ts(sh);
	return nrows(t) ? row_at(t, t->pos) : UINT64_MAX;
}

static const struct sheet_ops table_ops = {
	.kind = "table",
	.draw = table_draw_sheet,
	.action = tsheet_action,
	.action_arg = table_action_arg,
	.poll_fds = table_poll_fds,
	.on_fd = table_on_fd,
	.summary = table_summary,
	.free = table_free,
};

struct sheet *sheet_table_new(struct pane *p, struct dsfile *f, struct sg_view *view,
			      const char *label)
{
	struct tsheet *t = sg_xcalloc(1, sizeof *t);

	t->base.ops = &table_ops;
	t->base.pane = p;
	t->f = f;
	t->base.file = f;
	t->filter = view;
	snprintf(t->label, sizeof t->label, "%s", label ? label : "");
	sg_csv_cursor_init(&t->cur);
	t->page = 1;
	return &t->base;
}

int sheet_table_open(struct pane *p, const char *path, const char *name, long long id,
		     struct sg_error *err)
{
	struct dsfile *f = dsfile_open(path, name, err);
	struct tsheet *t;
	struct sg_csv_progress pr;

	if (!f)
		return -1;
	f->dataset_id = id;
	t = ts(sheet_table_new(p, f, NULL, NULL));
	t->owner = 1;
	/* The index of a small file may be finished already: its end (and any
	 * ragged rows or error) must still be reported. */
	index_progress(t, &pr);
	data_push(p, &t->base);
	return 0;
}

void sheet_table_filter(struct pane *p, struct dsfile *f, const char *text)
{
	struct tsheet *t = ts(sheet_table_new(p, dsfile_ref(f), NULL, NULL));

	/* an invisible helper sheet does the work, then gives way to the
	 * filtered sheet it pushes */
	t->index_done = 1;
	data_push(p, &t->base);
	filter(t, text);
}
