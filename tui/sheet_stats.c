/* sheet_stats.c — the describe sheet (one row per column) and the
 * frequency sheet (one row per distinct value of a column, with a bar).
 *
 * Both compute with a colstats job in the background: a progress line
 * shows until it ends; the sheet's table then fills.  Describe results are
 * kept on the file, so the next `d` is instant. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/sheet.h"

struct ssheet {
	struct sheet base;
	struct dsfile *f;
	int col;                  /* freq: the column; describe: -1 */
	char scope[96];
	struct sg_stats_job *job;
	char error[512];
	struct sg_colfreq *freq;  /* freq result (describe's is f->stats) */
	uint64_t maxcount;
	int barw;                 /* freq: width of the bar column at last draw */
	int ascii;                /* bars in ASCII */
	struct table t;
	struct table_col cols[12];
};

static struct ssheet *ss(struct sheet *sh)
{
	return (struct ssheet *)sh;
}

/* ---- describe --------------------------------------------------------------- */

enum { D_NAME, D_TYPE, D_COUNT, D_MISSING, D_DISTINCT, D_MIN, D_MAX, D_MEAN, D_STDDEV,
       D_MEDIAN, D_TOP, D_NCOLS };

static const struct table_col describe_cols[D_NCOLS] = {
	{ "COLUMN", 14, 0 }, { "TYPE", 8, 0 }, { "COUNT", 9, COL_RIGHT },
	{ "MISSING", 7, COL_RIGHT }, { "DISTINCT", 9, COL_RIGHT }, { "MIN", 10, COL_RIGHT },
	{ "MAX", 10, COL_RIGHT }, { "MEAN", 10, COL_RIGHT }, { "STDDEV", 10, COL_RIGHT },
	{ "MEDIAN", 10, COL_RIGHT }, { "TOP", 16, 0 },
};

/* A number: integers whole, else 6 significant digits (whole past a
 * million, rather than an exponent). */
static const char *num(double v, int integer, char *buf, size_t n)
{
	double a = v < 0 ? -v : v;

	if ((integer || a >= 1e6) && a < 1e15)
		snprintf(buf, n, "%.0f", v);
	else if (v != v || a == 1.0 / 0.0)
		fmt_metric(v, buf, n);
	else
		snprintf(buf, n, "%.6g", v);
	return buf;
}

/* Whether a column's summary reads as plain numbers (not dates). */
static int plain_numeric(const struct sg_colstat *c)
{
	return c->numeric && (c->type == SG_COL_INTEGER || c->type == SG_COL_FLOAT);
}

/* The text form of a min/max: numbers for numeric columns, else the
 * bytewise extreme value. */
static const char *extreme(const struct sg_colstat *c, int max, char *buf, size_t n)
{
	const struct sg_colvalue *v = max ? &c->max_text : &c->min_text;

	if (plain_numeric(c))
		return num(max ? c->max : c->min, c->type == SG_COL_INTEGER, buf, n);
	if (!v->value)
		return "";
	sheet_escape(v->value, v->len, buf, n, 40, 0);
	return buf;
}

/* table_cell_fn for the describe sheet. */
static const char *describe_cell(void *ud, size_t row, int col, char *buf, size_t n,
				 enum sg_role *role)
{
	const struct sg_colstat *c = &((struct ssheet *)ud)->f->stats->col[row];
	char tmp[256];

	if (col >= D_COUNT && col != D_TOP)
		*role = SG_ROLE_NUMBER;
	switch (col) {
	case D_NAME: return c->name;
	case D_TYPE: *role = SG_ROLE_DIM; return sg_coltype_name(c->type);
	case D_COUNT: fmt_count((long long)c->count, buf, n); return buf;
	case D_MISSING: fmt_count((long long)c->missing, buf, n); return buf;
	case D_DISTINCT:
		fmt_count((long long)c->distinct, tmp, sizeof tmp);
		snprintf(buf, n, "%s%s", c->distinct_estimated ? "~" : "", tmp);
		return buf;
	case D_MIN: return extreme(c, 0, buf, n);
	case D_MAX: return extreme(c, 1, buf, n);
	case D_MEAN: return plain_numeric(c) ? num(c->mean, 0, buf, n) : "";
	case D_STDDEV: return plain_numeric(c) && c->n > 1 ? num(c->stddev, 0, buf, n) : "";
	case D_MEDIAN:
		return plain_numeric(c) && c->n ? num(c->q[3], c->type == SG_COL_INTEGER &&
						      c->q[3] == (double)(long long)c->q[3], buf, n) : "";
	case D_TOP:
		if (!c->ntop)
			return "";
		sheet_escape(c->top[0].value, c->top[0].len, tmp, sizeof tmp, 40, 0);
		snprintf(buf, n, "%s (%llu%s)", tmp, (unsigned long long)c->top[0].count,
			 c->top_approx ? "~" : "");
		return buf;
	}
	return "";
}

/* ---- frequencies --------------------------------------------------------------- */

enum { Q_VALUE, Q_COUNT, Q_PERCENT, Q_BAR, Q_NCOLS };

static const struct table_col freq_cols[Q_NCOLS] = {
	{ "VALUE", 20, 0 }, { "COUNT", 9, COL_RIGHT }, { "PERCENT", 7, COL_RIGHT },
	{ "HISTOGRAM", 10, COL_FLEX },
};

/* A bar of len eighths of a column, in block characters (or #). */
static const char *bar(int ascii, int eighths, char *buf, size_t n)
{
	static const char *const part[8] = { "", "\u258f", "\u258e", "\u258d", "\u258c",
					     "\u258b", "\u258a", "\u2589" };
	size_t o = 0;

	for (int i = 0; i < eighths / 8 && o + 4 < n; i++) {
		const char *full = ascii ? "#" : "\u2588";
		memcpy(buf + o, full, strlen(full));
		o += strlen(full);
	}
	if (!ascii && eighths % 8 && o + 4 < n) {
		memcpy(buf + o, part[eighths % 8], strlen(part[eighths % 8]));
		o += strlen(part[eighths % 8]);
	}
	buf[o] = '\0';
	return buf;
}

/* table_cell_fn for the frequency sheet. */
static const char *freq_cell(void *ud, size_t row, int col, char *buf, size_t n,
			     enum sg_role *role)
{
	struct ssheet *q = ud;
	const struct sg_colvalue *v = &q->freq->values[row];
	double share = q->freq->rows ? (double)v->count / (double)q->freq->rows : 0;

	switch (col) {
	case Q_VALUE:
		if (!v->len) {
			*role = SG_ROLE_DIM;
			return "(empty)";
		}
		sheet_escape(v->value, v->len, buf, n, 200, 0);
		return buf;
	case Q_COUNT: *role = SG_ROLE_NUMBER; fmt_count((long long)v->count, buf, n); return buf;
	case Q_PERCENT:
		*role = SG_ROLE_NUMBER;
		snprintf(buf, n, share >= 0.001 || !share ? "%.1f%%" : "%.2g%%", share * 100);
		return buf;
	case Q_BAR: {
		double frac = q->maxcount ? (double)v->count / (double)q->maxcount : 0;
		int eighths = (int)(frac * q->barw * 8 + 0.5);
		*role = SG_ROLE_RUNNING;
		if (q->ascii)
			eighths = eighths / 8 * 8 + (eighths % 8 >= 4 ? 8 : 0);
		if (eighths == 0 && v->count)
			eighths = q->ascii ? 8 : 1;  /* a value that exists shows */
		return bar(q->ascii, eighths, buf, n);
	}
	}
	return "";
}

/* ---- shared --------------------------------------------------------------------- */

/* Sizes the describe columns to their titles and contents (bounded). */
static void describe_widths(struct ssheet *q)
{
	for (int c = 0; c < D_NCOLS; c++) {
		int w = text_width(q->cols[c].title, 1);
		for (int r = 0; r < q->f->stats->ncols && r < 1000; r++) {
			char buf[512];
			enum sg_role role;
			int cw = text_width(describe_cell(q, (size_t)r, c, buf, sizeof buf, &role), 1);
			if (cw > w)
				w = cw;
		}
		q->cols[c].width = w > 24 ? 24 : w;
	}
}

static void job_done(struct ssheet *q);

static void stats_draw(struct sheet *sh, struct surface *s)
{
	struct ssheet *q = ss(sh);
	uint64_t done = 0, total = 0;

	/* polling drains the job's descriptor: an end seen here is handled
	 * here, or nothing would wake the loop for it again */
	if (q->job && sg_stats_job_poll(q->job, &done, &total))
		job_done(q);
	if (q->job) {
		surface_textw(s, 1, 2, s->w - 4, SG_ROLE_DIM, TEXT_ELLIPSIS,
			      q->col < 0 ? "Computing statistics of every column\u2026"
					 : "Counting values\u2026");
		char text[160];
		sheet_count_text(done, total, "rows  (Esc cancels)", text, sizeof text);
		sheet_progress(s, s->h > 3 ? 3 : s->h - 1, q->col < 0 ? "Describe" : "Frequencies",
			       total ? (double)done / (double)total : -1, text);
		return;
	}
	if (*q->error) {
		surface_wrap(s, 1, 1, s->h - 1, s->w - 2, SG_ROLE_ERROR, q->error, 0);
		return;
	}
	if (q->col < 0) {
		table_draw(&q->t, s, describe_cell, q, "No columns.");
		return;
	}
	/* the bar takes what the other columns leave */
	q->ascii = s->be->ascii_lines || !s->be->unicode;
	q->barw = s->w - 1 - (q->cols[Q_VALUE].width + q->cols[Q_COUNT].width +
			      q->cols[Q_PERCENT].width + 3 * 2) - 1;
	if (q->barw < 4)
		q->barw = 4;
	table_draw(&q->t, s, freq_cell, q, "No values.");
}

/* The job ended: take its result. */
static void job_done(struct ssheet *q)
{
	struct sg_error e = { 0 };
	struct sg_colstats *st = NULL;
	struct sg_colfreq *fr = NULL;
	int rc = sg_stats_job_finish(q->job, q->col < 0 ? &st : NULL, q->col < 0 ? NULL : &fr, &e);

	q->job = NULL;
	if (rc == 1) {
		snprintf(q->error, sizeof q->error, "Cancelled.");
		return;
	}
	if (rc < 0 && !st && !fr) {
		snprintf(q->error, sizeof q->error, "%s", e.msg);
		return;
	}
	if (rc < 0)
		pane_message(q->base.pane, SG_ROLE_ERROR, "%s", e.msg);
	if (q->col < 0) {
		sg_colstats_free(q->f->stats);
		q->f->stats = st;
		describe_widths(q);
		table_set_rows(&q->t, (size_t)st->ncols);
		return;
	}
	q->freq = fr;
	for (size_t i = 0; i < fr->n; i++)
		if (fr->values[i].count > q->maxcount)
			q->maxcount = fr->values[i].count;
	/* the value column as wide as its widest of the first rows */
	for (size_t i = 0; i < fr->n && i < 200; i++) {
		char buf[256];
		sheet_escape(fr->values[i].value, fr->values[i].len, buf, sizeof buf, 40, 0);
		int w = text_width(buf, 1);
		if (w > q->cols[Q_VALUE].width)
			q->cols[Q_VALUE].width = w > 40 ? 40 : w;
	}
	table_set_rows(&q->t, fr->n);
}

static int stats_poll_fds(struct sheet *sh, int *fds, int max, int *timeout_ms)
{
	struct ssheet *q = ss(sh);

	if (!q->job || max < 1)
		return 0;
	fds[0] = sg_stats_job_fd(q->job);
	return 1;
}

static enum pane_result stats_on_fd(struct sheet *sh, int fd)
{
	struct ssheet *q = ss(sh);

	if (!q->job || fd != sg_stats_job_fd(q->job))
		return PANE_UNHANDLED;
	if (sg_stats_job_poll(q->job, NULL, NULL))
		job_done(q);
	return PANE_REDRAW;
}

/* Expression text selecting rows whose column equals the value (for
 * Enter on a frequency row), or -1 when the value cannot be written. */
static int value_expr(const char *name, const struct sg_colvalue *v, char *buf, size_t n)
{
	size_t o = 0;

	o += (size_t)snprintf(buf + o, n - o, "`");
	for (const char *c = name; *c && o + 3 < n; c++) {
		if (*c == '`')
			buf[o++] = '`';
		buf[o++] = *c;
	}
	o += (size_t)snprintf(buf + o, n - o, "` == \"");
	for (size_t i = 0; i < v->len; i++) {
		char c = v->value[i];
		if (o + 4 >= n || c == '\0')
			return -1;
		if (c == '"' || c == '\\')
			buf[o++] = '\\';
		if (c == '\n') {
			buf[o++] = '\\';
			c = 'n';
		}
		buf[o++] = c;
	}
	if (o + 2 >= n)
		return -1;
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}

static enum pane_result stats_action(struct sheet *sh, enum sg_action a)
{
	struct ssheet *q = ss(sh);
	struct pane *p = sh->pane;
	char expr[512];

	if (q->job) {
		if (a != SG_ACTION_BACK)
			return PANE_UNHANDLED;
		sg_stats_job_cancel(q->job);
		return PANE_HANDLED;
	}
	if (a == SG_ACTION_OPEN && q->t.n) {
		if (q->col < 0) {
			data_push(p, sheet_freq_new(p, dsfile_ref(q->f), (int)q->t.sel, q->scope));
		} else if (value_expr(sg_csv_colname(q->f->csv, q->col),
				      &q->freq->values[q->t.sel], expr, sizeof expr) == 0) {
			sheet_table_filter(p, q->f, expr);
		} else {
			pane_message(p, SG_ROLE_ERROR, "This value cannot be written as a filter");
		}
		return PANE_REDRAW;
	}
	if (a == SG_ACTION_FREQ && q->col < 0 && q->t.n) {
		data_push(p, sheet_freq_new(p, dsfile_ref(q->f), (int)q->t.sel, q->scope));
		return PANE_REDRAW;
	}
	return table_action(&q->t, a);
}

static void stats_summary(struct sheet *sh, char *buf, size_t n)
{
	struct ssheet *q = ss(sh);
	char pos[48];

	table_position(&q->t, pos, sizeof pos);
	if (q->col < 0)
		snprintf(buf, n, "%s  describe  %s%s%s%s", q->f->name, pos, *q->scope ? "  (" : "",
			 q->scope, *q->scope ? ")" : "");
	else
		snprintf(buf, n, "%s  freq %s  %s%s%s%s", q->f->name,
			 sg_csv_colname(q->f->csv, q->col), pos, *q->scope ? "  (" : "", q->scope,
			 *q->scope ? ")" : "");
}

static void stats_free(struct sheet *sh)
{
	struct ssheet *q = ss(sh);

	if (q->job) {
		sg_stats_job_cancel(q->job);
		struct sg_colstats *st = NULL;
		struct sg_colfreq *fr = NULL;
		sg_stats_job_finish(q->job, &st, &fr, NULL);
		sg_colstats_free(st);
		sg_colfreq_free(fr);
	}
	sg_colfreq_free(q->freq);
	dsfile_unref(q->f);
	free(q);
}

static const struct sheet_ops stats_ops = {
	.kind = "stats",
	.draw = stats_draw,
	.action = stats_action,
	.poll_fds = stats_poll_fds,
	.on_fd = stats_on_fd,
	.summary = stats_summary,
	.free = stats_free,
};

/* A stats sheet over f: describe (col -1) or frequencies of col. */
static struct sheet *stats_new(struct pane *p, struct dsfile *f, int col, const char *scope)
{
	struct ssheet *q = sg_xcalloc(1, sizeof *q);
	struct sg_error e = { 0 };

	q->base.ops = &stats_ops;
	q->base.pane = p;
	q->f = f;
	q->base.file = f;
	q->col = col;
	snprintf(q->scope, sizeof q->scope, "%s", scope ? scope : "");
	if (col < 0)
		memcpy(q->cols, describe_cols, sizeof describe_cols);
	else
		memcpy(q->cols, freq_cols, sizeof freq_cols);
	q->t.cols = q->cols;
	q->t.ncols = col < 0 ? D_NCOLS : Q_NCOLS;
	if (col < 0 && f->stats) {
		describe_widths(q);
		table_set_rows(&q->t, (size_t)f->stats->ncols);
		return &q->base;
	}
	q->job = sg_stats_job_start(f->csv, col, &e);
	if (!q->job)
		snprintf(q->error, sizeof q->error, "%s", e.msg);
	return &q->base;
}

struct sheet *sheet_describe_new(struct pane *p, struct dsfile *f, const char *scope)
{
	return stats_new(p, f, -1, scope);
}

struct sheet *sheet_freq_new(struct pane *p, struct dsfile *f, int col, const char *scope)
{
	return stats_new(p, f, col, scope);
}
