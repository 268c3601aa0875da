/* exp_chart.c — the Experiments pane's charts: one metric over steps for
 * several runs (the chart view), and every metric of one run beside its
 * details.  Points are read with sg_run_metric_points — in a background
 * task on a connection of its own when the summaries count more than
 * CHART_SYNC_POINTS — and kept downsampled (chart_downsample). */
#include "sgconfig.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/exp.h"
#include "tui/sheet.h"

#define TASK_TICK_MS 100   /* progress redraws while loading */
#define MINI_MAX 12        /* metrics charted beside a run's details */
#define MINI_MIN_W 100     /* pane width from which they are drawn */
#define MINI_ROWS 6        /* a title row and 5 rows of chart each */

/* ---- loading ---------------------------------------------------------------- */

/* Points being read into growable arrays. */
struct reader {
	double *x, *y;
	size_t n, cap;
	const atomic_int *cancel;
	struct sg_stats_progress *prog;
};

/* sg_point_fn: appends a point; stops when cancelled. */
static int read_point(long long step, double ts, double value, void *ud)
{
	struct reader *r = ud;

	(void)ts;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->x = sg_xrealloc(r->x, r->cap * sizeof *r->x);
		r->y = sg_xrealloc(r->y, r->cap * sizeof *r->y);
	}
	r->x[r->n] = (double)step;
	r->y[r->n++] = value;
	if ((r->n & 0xffff) == 0) {
		if (r->prog)
			atomic_fetch_add(&r->prog->rows_done, 0x10000);
		if (r->cancel && atomic_load(r->cancel))
			return 1;
	}
	return 0;
}

/* Reads one series from s and keeps it downsampled; 1 when cancelled. */
static int load_series(struct sg_store *s, struct exp_series *se, const atomic_int *cancel,
		       struct sg_stats_progress *prog)
{
	struct reader r = { .cancel = cancel, .prog = prog };
	struct sg_error e = { 0 };

	if (sg_run_metric_points(s, se->id, se->key, read_point, &r, &e) != 0)
		snprintf(se->error, sizeof se->error, "%s", e.msg);
	se->stored = (long long)r.n;
	se->x = sg_xmalloc((2 * CHART_KEEP + 2) * sizeof *se->x);
	se->y = sg_xmalloc((2 * CHART_KEEP + 2) * sizeof *se->y);
	if (r.n <= 2 * CHART_KEEP + 2) {   /* small: every point, NaN too (counted) */
		memcpy(se->x, r.x, r.n * sizeof *r.x);
		memcpy(se->y, r.y, r.n * sizeof *r.y);
		se->n = r.n;
	} else {
		se->n = chart_downsample(r.x, r.y, r.n, CHART_KEEP, se->x, se->y);
	}
	free(r.x);
	free(r.y);
	return cancel && atomic_load(cancel);
}

/* Loads every series of c from store s. */
static int load_all(struct exp_chart *c, struct sg_store *s, const atomic_int *cancel,
		    struct sg_stats_progress *prog)
{
	for (int i = 0; i < c->n; i++) {
		if (c->s[i].error[0])
			continue;          /* the run was gone already */
		if (load_series(s, &c->s[i], cancel, prog))
			return 1;
	}
	return 0;
}

/* task_fn: loads the chart on a connection of its own. */
static int load_task(void *arg, const atomic_int *cancel, struct sg_stats_progress *prog,
		     struct sg_error *err)
{
	struct exp_chart *c = arg;
	struct sg_store *s = sg_store_open(c->store_path, 0, err);
	int rc;

	if (!s)
		return -1;
	atomic_store(&prog->rows_total, (uint64_t)c->expected);
	rc = load_all(c, s, cancel, prog);
	sg_store_close(s);
	return rc;
}

/* sg_summary_fn: the count of the chart's metric. */
static int count_points(const struct sg_metric_summary *m, void *ud)
{
	struct exp_series *se = ud;

	if (strcmp(m->key, se->key) == 0)
		se->stored = m->count;
	return 0;
}

/* Names series i after its run and counts its points; a run that is
 * gone is reported and left empty. */
static void prepare_series(struct pane *p, struct exp_chart *c, int i)
{
	struct exp_priv *d = exp_priv(p);
	struct exp_series *se = &c->s[i];
	struct sg_run_info r;
	struct sg_error e = { 0 };

	if (sg_run_get(d->store, se->id, &r, &e) != 0) {
		snprintf(se->error, sizeof se->error, "%s", e.msg);
		snprintf(se->run, sizeof se->run, "%.8s (gone)", se->id);
		exp_run_error(p, se->id, &e);
		return;
	}
	text_copy(se->run, sizeof se->run, r.name);
	sg_run_metric_summaries(d->store, se->id, count_points, se, NULL);
	c->expected += se->stored;
	se->stored = 0;
}

/* Loads c now when it is small, else starts the task. */
static void start_loading(struct pane *p, struct exp_chart *c)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_error e = { 0 };

	for (int i = 0; i < c->n; i++)
		prepare_series(p, c, i);
	if (c->expected <= CHART_SYNC_POINTS) {
		load_all(c, d->store, NULL, NULL);
		c->loaded = 1;
		return;
	}
	snprintf(c->store_path, sizeof c->store_path, "%s", sg_store_path(d->store));
	c->task = task_start(load_task, c, &e);
	if (!c->task) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		c->loaded = 1;
	}
}

void exp_chart_free(struct exp_chart *c)
{
	if (!c)
		return;
	if (c->task) {
		task_cancel(c->task);
		task_finish(c->task, NULL);
	}
	for (int i = 0; i < c->n; i++) {
		free(c->s[i].x);
		free(c->s[i].y);
	}
	free(c->s);
	free(c);
}

/* A chart with n empty series. */
static struct exp_chart *chart_new(int n)
{
	struct exp_chart *c = sg_xcalloc(1, sizeof *c);

	c->s = sg_xcalloc((size_t)n + 1, sizeof *c->s);
	c->n = n;
	return c;
}

void exp_chart_open(struct pane *p, const char *key, char (*ids)[SG_RUN_ID_LEN + 1], int n,
		    enum exp_view back)
{
	struct exp_priv *d = exp_priv(p);
	struct exp_chart *c = chart_new(n);

	for (int i = 0; i < n; i++) {
		memcpy(c->s[i].id, ids[i], SG_RUN_ID_LEN + 1);
		text_copy(c->s[i].key, sizeof c->s[i].key, key);
	}
	snprintf(c->title, sizeof c->title, "%s over steps, %d run%s", key, n, n == 1 ? "" : "s");
	c->back = back;
	exp_chart_free(d->chart);
	d->chart = c;
	d->view = EV_CHART;
	start_loading(p, c);
}

/* sg_summary_fn: a series per metric (MINI_MAX at most). */
static int add_mini(const struct sg_metric_summary *m, void *ud)
{
	struct exp_chart *c = ud;

	if (c->n >= MINI_MAX)
		return 1;
	text_copy(c->s[c->n++].key, sizeof c->s[0].key, m->key);
	return 0;
}

void exp_mini_open(struct pane *p, const char *id)
{
	struct exp_priv *d = exp_priv(p);
	struct exp_chart *c = chart_new(MINI_MAX);

	c->n = 0;
	sg_run_metric_summaries(d->store, id, add_mini, c, NULL);
	for (int i = 0; i < c->n; i++)
		memcpy(c->s[i].id, id, SG_RUN_ID_LEN + 1);
	exp_chart_free(d->mini);
	d->mini = c;
	start_loading(p, c);
}

/* ---- background work ------------------------------------------------------------ */

int exp_chart_poll_fds(struct pane *p, int *fds, int max, int *timeout_ms)
{
	struct exp_priv *d = exp_priv(p);
	struct exp_chart *cs[2] = { d->chart, d->mini };
	int n = 0;

	for (int i = 0; i < 2 && n < max; i++) {
		if (!cs[i] || !cs[i]->task)
			continue;
		fds[n++] = task_fd(cs[i]->task);
		if (*timeout_ms < 0 || *timeout_ms > TASK_TICK_MS)
			*timeout_ms = TASK_TICK_MS;
	}
	return n;
}

/* Ends c's task when it is done; 1 when c changed or shows progress. */
static int chart_poll(struct pane *p, struct exp_chart *c, int fd)
{
	struct sg_error e = { 0 };

	if (!c || !c->task || (fd >= 0 && fd != task_fd(c->task)))
		return 0;
	if (!task_ended(c->task))
		return 1;
	if (task_finish(c->task, &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	c->task = NULL;
	c->loaded = 1;
	return 1;
}

enum pane_result exp_chart_on_fd(struct pane *p, int fd)
{
	struct exp_priv *d = exp_priv(p);
	int a = chart_poll(p, d->chart, fd), b = chart_poll(p, d->mini, fd);

	return a || b ? PANE_REDRAW : PANE_UNHANDLED;
}

/* ---- drawing ------------------------------------------------------------------------ */

/* The progress line of a chart still loading, on row y. */
static void draw_loading(const struct exp_chart *c, struct surface *s, int y)
{
	uint64_t done = 0, total = 0;
	char text[96];

	task_progress(c->task, &done, &total);
	sheet_count_text(done, total, "points", text, sizeof text);
	sheet_progress(s, y, "Loading", total ? (double)done / (double)total : -1, text);
}

/* Fills series[] for chart_draw from c (only the ones with points when
 * skip_empty). */
static int chart_series(const struct exp_chart *c, struct chart_series *series, int first,
			int n, int mini)
{
	int k = 0;

	for (int i = first; i < first + n && i < c->n; i++) {
		const struct exp_series *se = &c->s[i];
		series[k] = (struct chart_series){ mini ? se->key : se->run, se->x, se->y, se->n,
						   chart_role(mini ? 0 : i), 0 };
		if (!mini)
			series[k].marker = chart_marker(i);
		k++;
	}
	return k;
}

/* The line above a chart: points stored and drawn, a failed series. */
static void chart_note(const struct exp_chart *c, struct surface *s)
{
	long long stored = 0, drawn = 0;
	char a[32], b[32], text[400];
	const char *failed = NULL;

	for (int i = 0; i < c->n; i++) {
		stored += c->s[i].stored;
		drawn += (long long)c->s[i].n;
		if (c->s[i].error[0] && !failed)
			failed = c->s[i].error;
	}
	fmt_count(stored, a, sizeof a);
	fmt_count(drawn, b, sizeof b);
	if (stored > drawn)
		snprintf(text, sizeof text, "%s points stored, %s drawn (each column's min and max)",
			 a, b);
	else
		snprintf(text, sizeof text, "%s point%s", a, stored == 1 ? "" : "s");
	surface_textw(s, 0, 1, s->w - 2, SG_ROLE_DIM, TEXT_ELLIPSIS, text);
	if (failed)
		surface_textw(s, 0, 1 + text_width(text, 1) + 2, s->w - text_width(text, 1) - 4,
			      SG_ROLE_ERROR, TEXT_ELLIPSIS, failed);
}

void exp_chart_draw(struct pane *p, struct surface *s)
{
	struct exp_chart *c = exp_priv(p)->chart;
	struct chart_series *series;
	struct surface body;
	struct chart ch = { .xlabel = "step" };

	if (!c)
		return;
	if (c->task) {
		draw_loading(c, s, 2);
		return;
	}
	chart_note(c, s);
	series = sg_xcalloc((size_t)c->n + 1, sizeof *series);
	ch.series = series;
	ch.nseries = chart_series(c, series, 0, c->n, 0);
	body = surface_sub(s, 1, 1, s->h - 1, s->w - 2);
	chart_draw(&ch, &body, NULL);
	free(series);
}

/* One small chart: the metric and its range of steps, then its curve. */
static void draw_mini(const struct exp_chart *c, int i, struct surface *s, int y)
{
	const struct exp_series *se = &c->s[i];
	struct chart_series one;
	struct chart ch = { &one, 1, CHART_NO_LEGEND | CHART_NO_XAXIS, NULL };
	struct surface box = surface_sub(s, y + 1, 0, MINI_ROWS - 1, s->w);
	char title[200];

	chart_series(c, &one, i, 1, 1);
	if (se->n)
		snprintf(title, sizeof title, "%s  (steps %.0f\u2013%.0f)", se->key, se->x[0],
			 se->x[se->n - 1]);
	else
		snprintf(title, sizeof title, "%s  (no points)", se->key);
	surface_textw(s, y, 0, s->w, SG_ROLE_HEADER, TEXT_ELLIPSIS, title);
	chart_draw(&ch, &box, NULL);
}

void exp_details_draw(struct pane *p, struct surface *s)
{
	struct exp_priv *d = exp_priv(p);
	const struct exp_chart *c = d->mini;
	int cw = s->w * 2 / 5, room = c && c->n && s->w >= MINI_MIN_W && s->h >= MINI_ROWS;
	struct surface left = surface_sub(s, 0, 0, s->h, room ? s->w - cw - 1 : s->w);
	struct surface right = surface_sub(s, 0, s->w - cw, s->h, cw);

	detail_draw(&d->v.det, &left);
	if (!room)
		return;
	surface_vline(s, 0, s->w - cw - 1, s->h, SG_ROLE_BORDER);
	if (c->task) {
		draw_loading(c, &right, 0);
		return;
	}
	for (int i = 0; i < c->n && (i + 1) * MINI_ROWS <= s->h; i++)
		draw_mini(c, i, &right, i * MINI_ROWS);
}

/* ---- actions ----------------------------------------------------------------------------- */

enum pane_result exp_chart_action(struct pane *p, enum sg_action a)
{
	struct exp_priv *d = exp_priv(p);

	if (a != SG_ACTION_BACK)
		return PANE_HANDLED;
	d->view = d->chart ? d->chart->back : EV_TABLE;
	if (d->view == EV_COMPARE && !d->cmp)
		d->view = EV_TABLE;
	if (d->chart && d->chart->task)
		pane_message(p, SG_ROLE_MESSAGE, "Cancelled");
	exp_chart_free(d->chart);
	d->chart = NULL;
	return PANE_REDRAW;
}
