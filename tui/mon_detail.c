/* mon_detail.c — what the Monitor pane shows of one job: its status, live
 * charts (train and validation overlaid), CPU and memory sparklines, the
 * debugger rules and the log tail. */
#include "sgconfig.h"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/chart.h"
#include "tui/mon.h"
#include "tui/pane.h"

/* Splits a metric key into its base and phase (0 train/global, 1
 * validation): "validation:loss", "val_loss" → "loss", 1. */
static int key_phase(const char *key, char *base, size_t n)
{
	static const char *const val[] = { "validation:", "valid:", "val:", "eval:", "test:",
					   "validation_", "valid_", "val_", "eval_", "test_" };
	static const char *const train[] = { "train:", "training:", "train_", "training_" };

	for (size_t i = 0; i < sizeof val / sizeof val[0]; i++)
		if (strncmp(key, val[i], strlen(val[i])) == 0) {
			snprintf(base, n, "%s", key + strlen(val[i]));
			return 1;
		}
	for (size_t i = 0; i < sizeof train / sizeof train[0]; i++)
		if (strncmp(key, train[i], strlen(train[i])) == 0) {
			snprintf(base, n, "%s", key + strlen(train[i]));
			return 0;
		}
	snprintf(base, n, "%s", key);
	return 0;
}

/* Halves se: each group of four points becomes its minimum and maximum (in
 * step order; one point when they are equal or only one is a number, a NaN
 * when none is), the last partial group kept as it is. */
static void series_halve(struct mon_series *se)
{
	size_t o = 0, i;

	for (i = 0; i + 4 <= se->n; i += 4) {
		size_t lo = i + 4, hi = i + 4;
		for (size_t k = i; k < i + 4; k++) {
			if (isnan(se->y[k]))
				continue;
			if (lo == i + 4 || se->y[k] < se->y[lo])
				lo = k;
			if (hi == i + 4 || se->y[k] > se->y[hi])
				hi = k;
		}
		if (lo == i + 4) {            /* all NaN: keep one */
			se->x[o] = se->x[i];
			se->y[o++] = se->y[i];
			continue;
		}
		size_t first = lo < hi ? lo : hi, second = lo < hi ? hi : lo;
		se->x[o] = se->x[first];
		se->y[o++] = se->y[first];
		if (second != first && se->y[second] != se->y[first]) {
			se->x[o] = se->x[second];
			se->y[o++] = se->y[second];
		}
	}
	for (; i < se->n; i++, o++) {
		se->x[o] = se->x[i];
		se->y[o] = se->y[i];
	}
	se->n = o;
}

struct fetch_ctx {
	struct mon_series *se;
	size_t got;
};

/* sg_point_fn: appends a point to the series, halving it past MON_KEEP. */
static int on_point(long long step, double ts, double value, void *ud)
{
	struct fetch_ctx *c = ud;
	struct mon_series *se = c->se;

	(void)ts;
	if (se->n == se->cap) {
		se->cap = se->cap ? 2 * se->cap : 256;
		if (se->cap > MON_KEEP + 1)
			se->cap = MON_KEEP + 1;
		se->x = sg_xrealloc(se->x, se->cap * sizeof *se->x);
		se->y = sg_xrealloc(se->y, se->cap * sizeof *se->y);
	}
	se->x[se->n] = (double)step;
	se->y[se->n++] = value;
	if (se->n > MON_KEEP)
		series_halve(se);
	se->last_step = step;
	se->seen++;
	c->got++;
	return 0;
}

/* Drops se's points (keeps its key and arrays). */
static void series_reset(struct mon_series *se)
{
	se->n = 0;
	se->seen = 0;
	se->last_step = 0;
}

/* Reads key's new points into se, or all of them again when the store no
 * longer matches what was read (points removed, or logged at a step already
 * passed).  Returns the points read. */
static size_t load_series(struct mon_series *se, struct sg_store *st, const char *run,
			  const struct sg_metric_summary *m)
{
	struct fetch_ctx c = { se, 0 };

	snprintf(se->key, sizeof se->key, "%s", m->key);
	if (se->seen == m->count && (!se->seen || se->last_step == m->last_step))
		return 0;
	if (m->count < se->seen || (se->seen && m->last_step <= se->last_step))
		series_reset(se);
	if (se->seen)
		sg_run_metric_points_after(st, run, m->key, se->last_step, on_point, &c, NULL);
	else
		sg_run_metric_points(st, run, m->key, on_point, &c, NULL);
	return c.got;
}

/* The last MON_SPARK values read, in a ring. */
struct spark_ctx {
	double ring[MON_SPARK];
	size_t n;
	long long last;
};

/* sg_point_fn: keeps a value in the ring. */
static int on_spark(long long step, double ts, double value, void *ud)
{
	struct spark_ctx *c = ud;

	(void)ts;
	c->ring[c->n++ % MON_SPARK] = value;
	c->last = step;
	return 0;
}

/* Appends key's values past *last to v (n of them, the last MON_SPARK
 * kept).  Returns the values read. */
static size_t load_spark(double *v, size_t *n, long long *last, struct sg_store *st,
			 const char *run, const char *key)
{
	struct spark_ctx *c = sg_xmalloc(sizeof *c);
	size_t k, keep, got;

	c->n = 0;
	c->last = *last;
	if (*last == LLONG_MIN)
		sg_run_metric_points(st, run, key, on_spark, c, NULL);
	else
		sg_run_metric_points_after(st, run, key, *last, on_spark, c, NULL);
	got = c->n;
	k = got < MON_SPARK ? got : MON_SPARK;
	keep = *n + k > MON_SPARK ? MON_SPARK - k : *n;
	memmove(v, v + *n - keep, keep * sizeof *v);
	for (size_t i = 0; i < k; i++)
		v[keep + i] = c->ring[(got - k + i) % MON_SPARK];
	*n = keep + k;
	*last = c->last;
	free(c);
	return got;
}

struct load_ctx {
	struct mon_detail *d;
	struct sg_store *st;
};

/* sg_summary_fn: puts a metric into its chart (train/validation pair) and
 * reads its new points. */
static int on_summary(const struct sg_metric_summary *m, void *ud)
{
	struct load_ctx *c = ud;
	struct mon_detail *d = c->d;
	struct mon_series *se;
	char base[96];
	int ph, i;

	if (strncmp(m->key, "sys:", 4) == 0)
		return 0;
	ph = key_phase(m->key, base, sizeof base);
	for (i = 0; i < d->ncharts && strcmp(d->charts[i].base, base) != 0; i++)
		;
	if (i == d->ncharts) {
		if (d->ncharts == MON_CHARTS)
			return 0;
		snprintf(d->charts[d->ncharts++].base, sizeof d->charts[0].base, "%s", base);
	}
	se = &d->charts[i].s[ph];
	if (*se->key && strcmp(se->key, m->key) != 0)
		return 0;                  /* "val_loss" after "validation:loss" */
	d->fetched += load_series(se, c->st, d->id, m);
	return 0;
}

/* sg_run_rule_fn: one rule's status. */
static int on_rule(const struct sg_run_rule *rr, void *ud)
{
	struct mon_detail *d = ud;
	struct mon_rule *r;

	if (d->nrules == MON_RULES)
		return 1;
	r = &d->rules[d->nrules++];
	snprintf(r->name, sizeof r->name, "%s", rr->name);
	snprintf(r->message, sizeof r->message, "%s", rr->message ? rr->message : "");
	r->status = rr->status;
	return 0;
}

/* Frees the charts' points. */
static void charts_free(struct mon_detail *d)
{
	for (int i = 0; i < d->ncharts; i++)
		for (int k = 0; k < 2; k++) {
			free(d->charts[i].s[k].x);
			free(d->charts[i].s[k].y);
		}
	memset(d->charts, 0, sizeof d->charts);
	d->ncharts = 0;
}

/* The banner of attempt a of a job of n attempts: the current one says
 * when it started, an earlier one how it ended. */
static void attempt_banner(const struct sg_job_attempt *a, int n, char *buf, size_t len)
{
	char from[32], to[32];

	sg_format_time(a->started_at > 0 ? a->started_at : a->queued_at, from, sizeof from);
	sg_format_time(a->ended_at, to, sizeof to);
	if (a->number == n)
		snprintf(buf, len, "-- attempt %d of %d (current), %s %s on %s --", a->number, n,
			 a->started_at > 0 ? "started" : "queued", from, a->host);
	else
		snprintf(buf, len, "-- attempt %d of %d: %s%s%s%s, %s to %s on %s --", a->number, n,
			 sg_job_state_name(a->state), a->outcome[0] ? " (" : "", a->outcome,
			 a->outcome[0] ? ")" : "", from, to, a->host);
}

void mon_detail_stream(struct mon_detail *d, struct sg_workspace *ws, int stream)
{
	struct sg_job_attempt *a = NULL;
	char *path = NULL, banner[256];
	int n = d->has_job ? d->job.attempt : 0;
	int want = d->log_attempt > 0 && d->log_attempt < n ? d->log_attempt : n;

	d->stream = stream;
	d->tail_attempt = n;
	if (*d->id && n > 1) {
		a = sg_xmalloc(sizeof *a);
		if (sg_job_attempt_get(ws, d->id, want, a, NULL) == 0)
			path = sg_job_attempt_log_path(ws, d->id, a, stream);
		else
			free(a), a = NULL;
	}
	if (!path && *d->id)
		path = sg_job_log_path(ws, d->id, stream);
	mon_log_open(&d->log, path);
	if (a) {
		attempt_banner(a, n, banner, sizeof banner);
		mon_log_banner(&d->log, banner);
	}
	free(a);
	free(path);
	mon_log_update(&d->log);
}

int mon_detail_prev_attempt(struct mon_detail *d, struct sg_workspace *ws)
{
	int n = d->has_job ? d->job.attempt : 0;
	int shown = d->log_attempt > 0 && d->log_attempt < n ? d->log_attempt : n;

	if (n <= 1)
		return 0;
	d->log_attempt = shown > 1 ? shown - 1 : 0;
	mon_detail_stream(d, ws, d->stream ? d->stream : 1);
	return d->log_attempt ? d->log_attempt : n;
}

void mon_detail_load(struct mon_detail *d, struct sg_workspace *ws, const char *id)
{
	struct sg_error err = { 0 };
	struct sg_run_info ri;
	struct load_ctx c = { d, ws->store };
	int same = strcmp(d->id, id) == 0;

	if (!same) {
		charts_free(d);
		d->ncpu = d->nmem = 0;
		d->cpu_step = d->mem_step = LLONG_MIN;
	}
	d->fetched = 0;
	d->error[0] = '\0';
	d->nrules = 0;
	snprintf(d->id, sizeof d->id, "%s", id);
	if (sg_run_get(ws->store, id, &ri, &err) != 0) {
		snprintf(d->error, sizeof d->error, "%s", err.msg);
		return;
	}
	snprintf(d->name, sizeof d->name, "%s", ri.name);
	snprintf(d->script, sizeof d->script, "%s", ri.source_path);
	d->run_status = ri.status;
	d->start = ri.start_time;
	d->end = ri.end_time;
	d->has_job = sg_job_get(ws, id, &d->job, &err) == 0;
	sg_error_clear(&err);
	sg_run_metric_summaries(ws->store, id, on_summary, &c, NULL);
	d->fetched += load_spark(d->cpu, &d->ncpu, &d->cpu_step, ws->store, id, "sys:cpu_percent");
	d->fetched += load_spark(d->mem, &d->nmem, &d->mem_step, ws->store, id, "sys:memory_mb");
	sg_run_rules(ws->store, id, on_rule, d, NULL);
	if (!same)
		d->log_attempt = 0;
	/* A resume while the tail is on the current attempt: on to the new one. */
	if (!same || !d->stream || (d->has_job && d->job.attempt != d->tail_attempt))
		mon_detail_stream(d, ws, d->stream ? d->stream : 1);
	else
		mon_log_update(&d->log);
}

void mon_detail_done(struct mon_detail *d)
{
	charts_free(d);
	mon_log_done(&d->log);
	memset(d, 0, sizeof *d);
}

int mon_detail_live(const struct mon_detail *d)
{
	if (!*d->id)
		return 0;
	if (d->has_job)
		return !sg_job_state_final(d->job.state);
	return d->run_status == SG_RUN_RUNNING;
}

int mon_detail_log_rows(const struct mon_detail *d)
{
	return d->log_rows > 0 ? d->log_rows : 10;
}

/* Role of a job state in the table and the header. */
static enum sg_role state_role(const struct mon_detail *d)
{
	if (d->has_job && d->job.state == SG_JOB_QUEUED)
		return SG_ROLE_DIM;
	return run_status_role(d->has_job ? sg_job_run_status(d->job.state) : d->run_status);
}

/* Row 0: name, state, elapsed, attempt; row 1: the failure reason. */
static int draw_header(struct mon_detail *d, struct surface *s)
{
	char el[32], line[256];
	double st = d->has_job && d->job.started_at > 0 ? d->job.started_at : d->start;
	double en = d->has_job ? d->job.ended_at : d->end;
	int x = surface_textw(s, 0, 0, s->w, SG_ROLE_TITLE, TEXT_ELLIPSIS, d->name);

	x += surface_text(s, 0, x, SG_ROLE_NORMAL, "  ");
	x += surface_text(s, 0, x, state_role(d), d->has_job ? sg_job_state_name(d->job.state) :
			  sg_run_status_name(d->run_status));
	fmt_run_duration(st, en, mon_detail_live(d), el, sizeof el);
	snprintf(line, sizeof line, "  elapsed %s  attempt %d/%d  %s", el,
		 d->has_job ? d->job.attempt : 1, d->has_job ? d->job.attempt : 1, d->script);
	surface_textw(s, 0, x, s->w - x, SG_ROLE_NORMAL, TEXT_ELLIPSIS, line);
	if (!d->has_job || !*d->job.failure_reason)
		return 1;
	snprintf(line, sizeof line, "failure: %s", d->job.failure_reason);
	surface_textw(s, 1, 0, s->w, SG_ROLE_ERROR, TEXT_ELLIPSIS, line);
	return 2;
}

/* One row: cpu and memory sparklines with their last values. */
static void draw_sparks(struct mon_detail *d, struct surface *s, int y)
{
	char buf[64];
	int half = s->w / 2, sw = half - 16;

	if (sw < 4)
		sw = 4;
	snprintf(buf, sizeof buf, "cpu %5.0f%% ", d->ncpu ? d->cpu[d->ncpu - 1] : 0.0);
	surface_text(s, y, 0, SG_ROLE_KEY, buf);
	chart_sparkline(s, y, 11, sw, d->cpu, d->ncpu, SG_ROLE_RUNNING);
	snprintf(buf, sizeof buf, "mem %6.0fMB ", d->nmem ? d->mem[d->nmem - 1] : 0.0);
	surface_text(s, y, half, SG_ROLE_KEY, buf);
	chart_sparkline(s, y, half + 13, sw, d->mem, d->nmem, SG_ROLE_OK);
}

/* Role of a rule status. */
static enum sg_role rule_role(enum sg_rule_status st)
{
	switch (st) {
	case SG_RULE_ISSUES: return SG_ROLE_FAILED;
	case SG_RULE_ERROR: return SG_ROLE_ERROR;
	case SG_RULE_NO_ISSUES: return SG_ROLE_OK;
	case SG_RULE_IN_PROGRESS: return SG_ROLE_RUNNING;
	default: return SG_ROLE_DIM;
	}
}

/* A row per rule: name, status, message.  Returns the rows used. */
static int draw_rules(struct mon_detail *d, struct surface *s, int y, int max)
{
	int r;

	for (r = 0; r < d->nrules && r < max; r++) {
		const struct mon_rule *ru = &d->rules[r];
		int x = surface_textw(s, y + r, 0, 24, SG_ROLE_KEY, TEXT_ELLIPSIS | TEXT_PAD, ru->name);
		x += surface_textw(s, y + r, x, 15, rule_role(ru->status), TEXT_PAD,
				   sg_rule_status_name(ru->status));
		surface_textw(s, y + r, x, s->w - x, SG_ROLE_DIM, TEXT_ELLIPSIS, ru->message);
	}
	return r;
}

/* The charts side by side in rows [y, y+h). */
static void draw_charts(struct mon_detail *d, struct surface *s, int y, int h)
{
	int n = d->ncharts, cw;

	while (n > 1 && s->w / n < 30)
		n--;
	cw = n ? s->w / n : s->w;
	for (int i = 0; i < n; i++) {
		struct chart_series se[2];
		struct chart c = { se, 0, 0, "step" };
		for (int k = 0; k < 2; k++) {
			const struct mon_series *m = &d->charts[i].s[k];
			if (!*m->key)
				continue;
			se[c.nseries] = (struct chart_series){ m->key, m->x, m->y, m->n, chart_role(k), 0 };
			c.nseries++;
		}
		struct surface sub = surface_sub(s, y, i * cw, h, cw - 1);
		chart_draw(&c, &sub, NULL);
	}
}

void mon_detail_draw(struct mon_detail *d, struct surface *s)
{
	int y, rest, ch, nr;
	char title[160];

	if (*d->error) {
		surface_wrap(s, 0, 0, s->h, s->w, SG_ROLE_ERROR, d->error, 0);
		return;
	}
	y = draw_header(d, s);
	draw_sparks(d, s, y++);
	rest = s->h - y;
	nr = d->nrules < rest / 4 ? d->nrules : rest / 4;
	ch = d->ncharts ? (rest - nr - 1) / 2 : 0;
	if (ch < 5)
		ch = d->ncharts && rest - nr - 1 >= 8 ? 5 : 0;
	if (ch)
		draw_charts(d, s, y, ch);
	y += ch;
	y += draw_rules(d, s, y, nr);
	if (y >= s->h)
		return;
	int shown = d->log_attempt > 0 && d->has_job && d->log_attempt < d->job.attempt ?
		    d->log_attempt : d->has_job ? d->job.attempt : 1;
	char att[48] = "";
	if (d->has_job && d->job.attempt > 1)
		snprintf(att, sizeof att, " attempt %d/%d", shown, d->job.attempt);
	snprintf(title, sizeof title, "%s%s%s%s%s", d->stream == 2 ? "stderr.log" : "stdout.log",
		 att, d->log.follow ? " (following)" : "", *d->log.search ? "  /" : "",
		 d->log.search);
	surface_hline(s, y, 0, s->w, SG_ROLE_BORDER);
	surface_text(s, y, 1, SG_ROLE_HEADER, title);
	d->log_rows = s->h - y - 1;
	mon_log_draw(&d->log, s, y + 1, d->log_rows);
}
