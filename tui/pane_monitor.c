/* pane_monitor.c — the Monitor pane: live and recent runs and training
 * jobs (running first) and, for the selected one, its live details
 * (mon_detail.c): below the table when the pane is tall enough, else
 * instead of it on Enter.  While something runs, a 1 s pane timer reads
 * the log tail and ticks elapsed times; the store's changes arrive through
 * the app's data_version reload.  Nothing runs: no timer at all. */
#include "sgconfig.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/job.h"
#include "core/run.h"
#include "core/util.h"
#include "tui/mon.h"
#include "tui/pane.h"

#define MON_SCAN 100000  /* runs looked at for running ones */
#define MON_RECENT 200   /* finished runs kept below the running ones */
#define MON_SPLIT_H 30   /* from this height the details sit under the table */
#define MON_TICK_MS 1000

struct mon_row {
	struct run_row r;
	char script[48];        /* script basename, else the run's kind */
	int job;                /* a training job: state and attempt below */
	enum sg_job_state state;
	int attempt;
	double start, end;
};

struct mon_rows {
	struct mon_row *v;
	size_t n, cap;
};

struct mon_priv {
	struct list_view v;
	struct mon_rows rows, recent;
	size_t running;
	struct mon_detail det;
	int open;               /* details shown instead of the table */
	double reaped_at;       /* the last look for lost jobs (sg_now) */
};

/* How often the timer looks for jobs whose supervisor was lost: a dead
 * supervisor writes nothing, so no store change would tell the pane. */
#define MON_REAP_SECONDS 5.0

enum { C_STATE, C_NAME, C_SCRIPT, C_USER, C_ATTEMPT, C_ELAPSED, C_STARTED, C_ID };

static const struct table_col mon_cols[] = {
	{ "STATE", 11, 0 },
	{ "NAME", 14, COL_FLEX },
	{ "SCRIPT", 12, 0 },
	{ "USER", 8, 0 },
	{ "ATT", 3, COL_RIGHT },
	{ "ELAPSED", 8, COL_RIGHT },
	{ "STARTED", 11, 0 },
	{ "ID", 8, 0 },
};

static struct mon_priv *priv(struct pane *p)
{
	return p->priv;
}

/* The selected row, or NULL. */
static const struct mon_row *selected(const struct mon_priv *d)
{
	return d->rows.n ? &d->rows.v[d->v.t.sel] : NULL;
}

/* Is the pane showing details under the table? */
static int split_layout(const struct pane *p)
{
	return p->h >= MON_SPLIT_H;
}

/* Role of a row's state. */
static enum sg_role row_role(const struct mon_row *r)
{
	if (r->job && r->state == SG_JOB_QUEUED)
		return SG_ROLE_DIM;
	return run_status_role(r->job ? sg_job_run_status(r->state) : r->r.status);
}

/* table_cell_fn: one field of a run or job. */
static const char *mon_cell(void *ud, size_t row, int col, char *buf, size_t n,
			    enum sg_role *role)
{
	const struct mon_row *r = &((const struct mon_priv *)ud)->rows.v[row];

	switch (col) {
	case C_STATE:
		*role = row_role(r);
		return r->job ? sg_job_state_name(r->state) : sg_run_status_name(r->r.status);
	case C_NAME: return r->r.name;
	case C_SCRIPT: return r->script;
	case C_USER: return r->r.user;
	case C_ATTEMPT:
		if (!r->job)
			return "";
		snprintf(buf, n, "%d", r->attempt);
		return buf;
	case C_ELAPSED:
		fmt_run_duration(r->start, r->end, r->r.status == SG_RUN_RUNNING, buf, n);
		return buf;
	case C_STARTED: fmt_start(r->start, buf, n); return buf;
	case C_ID: *role = SG_ROLE_DIM; snprintf(buf, n, "%.8s", r->r.id); return buf;
	}
	return "";
}

/* Appends a row for run ri. */
static void rows_add(struct mon_rows *rows, const struct sg_run_info *ri)
{
	struct run_rows one = { 0 };
	struct mon_row *r;
	const char *slash = strrchr(ri->source_path, '/');

	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? 2 * rows->cap : 64;
		rows->v = sg_xrealloc(rows->v, rows->cap * sizeof *rows->v);
	}
	r = &rows->v[rows->n++];
	memset(r, 0, sizeof *r);
	run_rows_add(&one, ri);
	r->r = one.v[0];
	run_rows_free(&one);
	snprintf(r->script, sizeof r->script, "%s",
		 *ri->source_path ? (slash ? slash + 1 : ri->source_path) : ri->kind);
	r->start = ri->start_time;
	r->end = ri->end_time;
}

/* sg_run_list callback: keeps every running run and the newest others. */
static int mon_collect(const struct sg_run_info *r, void *ud)
{
	struct mon_priv *d = ud;

	if (r->status == SG_RUN_RUNNING)
		rows_add(&d->rows, r);
	else if (d->recent.n < MON_RECENT)
		rows_add(&d->recent, r);
	return 0;
}

/* sg_job_list callback: gives a run's row its job state. */
static int mon_job(const struct sg_job_info *j, void *ud)
{
	struct mon_priv *d = ud;

	for (size_t i = 0; i < d->rows.n; i++) {
		struct mon_row *r = &d->rows.v[i];
		if (strcmp(r->r.id, j->run_id) != 0)
			continue;
		r->job = 1;
		r->state = j->state;
		r->attempt = j->attempt;
		if (j->started_at > 0)
			r->start = j->started_at;
		break;
	}
	return 0;
}

/* Lists runs (running first), then their jobs' states. */
static int mon_load(struct mon_priv *d, struct sg_workspace *ws, struct sg_error *err)
{
	int rc;

	d->rows.n = d->recent.n = 0;
	rc = sg_run_list(ws->store, NULL, MON_SCAN, mon_collect, d, err);
	d->running = d->rows.n;
	for (size_t i = 0; i < d->recent.n; i++) {
		if (d->rows.n == d->rows.cap) {
			d->rows.cap = d->rows.cap ? 2 * d->rows.cap : 64;
			d->rows.v = sg_xrealloc(d->rows.v, d->rows.cap * sizeof *d->rows.v);
		}
		d->rows.v[d->rows.n++] = d->recent.v[i];
	}
	if (rc == 0)
		sg_job_list(ws, 2 * MON_RECENT, mon_job, d, NULL);
	return rc;
}

/* Loads the selected run's details when they are visible. */
static void detail_refresh(struct pane *p)
{
	struct mon_priv *d = priv(p);
	const struct mon_row *r = selected(d);

	if (r && (d->open || split_layout(p)))
		mon_detail_load(&d->det, p->env->ws, r->r.id);
}

/* Lists the runs again, keeping the selected one selected. */
static int mon_reload(struct pane *p, struct sg_error *err)
{
	struct mon_priv *d = priv(p);
	char keep[SG_RUN_ID_LEN + 1] = "";
	int rc;

	if (d->rows.n)
		memcpy(keep, selected(d)->r.id, sizeof keep);
	rc = mon_load(d, p->env->ws, err);
	size_t sel = d->rows.n;
	for (size_t i = 0; *keep && i < d->rows.n; i++)
		if (strcmp(d->rows.v[i].r.id, keep) == 0)
			sel = i;
	rc = list_view_loaded(&d->v, rc, err, "cannot list runs", d->rows.n, sel);
	if (!d->rows.n)
		d->open = 0;
	detail_refresh(p);
	return rc;
}

static int mon_init(struct pane *p, struct sg_error *err)
{
	struct mon_priv *d = priv(p);
	struct sg_error e = { 0 };

	(void)err;
	d->v.t.cols = mon_cols;
	d->v.t.ncols = (int)(sizeof mon_cols / sizeof mon_cols[0]);
	mon_reload(p, &e);
	return 0;
}

static void mon_done(struct pane *p)
{
	struct mon_priv *d = priv(p);

	free(d->rows.v);
	free(d->recent.v);
	mon_detail_done(&d->det);
	list_view_done(&d->v);
}

/* Rows the table gets in the split layout. */
static int table_rows(const struct pane *p, size_t n)
{
	int h = (int)n + 1, max = p->h / 3;

	return h < 4 ? 4 : h > max ? max : h;
}

static void mon_resize(struct pane *p, int w, int h)
{
	(void)w;
	p->h = h;
	table_resize(&priv(p)->v.t, split_layout(p) ? table_rows(p, priv(p)->rows.n) : h);
	detail_refresh(p);
}

static void mon_draw(struct pane *p, struct surface *s)
{
	struct mon_priv *d = priv(p);
	static const char empty[] = "Nothing running and no recent runs \u2014 runs and training "
				    "jobs show up here live";

	if (d->open && d->rows.n) {
		mon_detail_draw(&d->det, s);
		return;
	}
	if (!split_layout(p) || !d->rows.n || *d->v.error) {
		list_view_draw(&d->v, s, mon_cell, d, empty);
		return;
	}
	int th = table_rows(p, d->rows.n);
	struct surface top = surface_sub(s, 0, 0, th, s->w);
	struct surface bot = surface_sub(s, th + 1, 0, s->h - th - 1, s->w);
	table_resize(&d->v.t, th);
	list_view_draw(&d->v, &top, mon_cell, d, empty);
	surface_hline(s, th, 0, s->w, SG_ROLE_BORDER);
	mon_detail_draw(&d->det, &bot);
}

/* y on a stop or preempt question. */
static void do_stop(struct pane *p, int preempt)
{
	struct mon_priv *d = priv(p);
	struct sg_error e = { 0 };
	const struct mon_row *r = selected(d);

	if (!r)
		return;
	if (sg_job_stop(p->env->ws, r->r.id, preempt, &e) != 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	else
		pane_message(p, SG_ROLE_MESSAGE, "%s %s", preempt ? "Preempting" : "Stopping",
			     r->r.name);
}

static void yes_stop(struct pane *p)
{
	do_stop(p, 0);
}

static void yes_preempt(struct pane *p)
{
	do_stop(p, 1);
}

/* Stop, preempt (asking first) or resume the selected job. */
static enum pane_result job_action(struct pane *p, enum sg_action a)
{
	struct mon_priv *d = priv(p);
	const struct mon_row *r = selected(d);
	struct sg_error e = { 0 };
	char q[256];

	if (!r || !r->job) {
		pane_message(p, SG_ROLE_ERROR, "not a training job");
		return PANE_REDRAW;
	}
	if (a == SG_ACTION_JOB_RESUME) {
		if (sg_job_resume(p->env->ws, r->r.id, NULL, &e) != 0)
			pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		else
			pane_message(p, SG_ROLE_MESSAGE, "Resuming %s", r->r.name);
		return PANE_REDRAW;
	}
	if (sg_job_state_final(r->state)) {
		pane_message(p, SG_ROLE_ERROR, "%s has ended (%s)", r->r.name,
			     sg_job_state_name(r->state));
		return PANE_REDRAW;
	}
	snprintf(q, sizeof q, "%s job %s? (y/n)", a == SG_ACTION_JOB_STOP ? "Stop" :
		 "Preempt (keep checkpoints for a resume)", r->r.name);
	pane_confirm(p, q, a == SG_ACTION_JOB_STOP ? yes_stop : yes_preempt);
	return PANE_REDRAW;
}

/* Keys for the log tail; UNHANDLED for others. */
static enum pane_result log_action(struct pane *p, enum sg_action a, int scroll_keys)
{
	struct mon_priv *d = priv(p);
	struct mon_log *l = &d->det.log;
	int h = mon_detail_log_rows(&d->det);

	switch (a) {
	case SG_ACTION_FOLLOW: mon_log_scroll(l, l->follow ? -1 : LONG_MAX, h); break;
	case SG_ACTION_LOG_STREAM:
		mon_detail_stream(&d->det, p->env->ws, d->det.stream == 2 ? 1 : 2);
		break;
	case SG_ACTION_LOG_ATTEMPT: {
		int n = mon_detail_prev_attempt(&d->det, p->env->ws);
		if (!n)
			pane_message(p, SG_ROLE_NORMAL, "this job has one attempt");
		else
			pane_message(p, SG_ROLE_NORMAL, "log of attempt %d of %d%s", n,
				     d->det.job.attempt, n == d->det.job.attempt ? " (current)" : "");
		break;
	}
	case SG_ACTION_SEARCH: p->env->prompt(p->env->ud, "search ", 7); break;
	case SG_ACTION_SEARCH_NEXT:
	case SG_ACTION_SEARCH_PREV:
		if (mon_log_search(l, l->search, a == SG_ACTION_SEARCH_NEXT ? -1 : 1, h) != 0)
			pane_message(p, SG_ROLE_ERROR, "no more matches for '%s'", l->search);
		break;
	case SG_ACTION_PAGE_UP: mon_log_scroll(l, -h, h); break;
	case SG_ACTION_PAGE_DOWN: mon_log_scroll(l, h, h); break;
	case SG_ACTION_MOVE_UP: if (!scroll_keys) return PANE_UNHANDLED; mon_log_scroll(l, -1, h); break;
	case SG_ACTION_MOVE_DOWN: if (!scroll_keys) return PANE_UNHANDLED; mon_log_scroll(l, 1, h); break;
	case SG_ACTION_LAST: if (!scroll_keys) return PANE_UNHANDLED; mon_log_scroll(l, LONG_MAX, h); break;
	case SG_ACTION_FIRST: if (!scroll_keys) return PANE_UNHANDLED; mon_log_scroll(l, -(long)l->n, h); break;
	default: return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

static enum pane_result mon_action(struct pane *p, enum sg_action a)
{
	struct mon_priv *d = priv(p);
	int shown = d->open || (split_layout(p) && d->rows.n);
	enum pane_result r;

	if (a == SG_ACTION_JOB_STOP || a == SG_ACTION_JOB_PREEMPT || a == SG_ACTION_JOB_RESUME)
		return job_action(p, a);
	if (d->open && a == SG_ACTION_BACK) {
		d->open = 0;
		return PANE_REDRAW;
	}
	if (shown && (r = log_action(p, a, d->open)) != PANE_UNHANDLED)
		return r;
	if (a == SG_ACTION_OPEN) {
		if (!d->rows.n || split_layout(p))
			return PANE_HANDLED;
		d->open = 1;
		detail_refresh(p);
		return PANE_REDRAW;
	}
	if (d->open)
		return PANE_UNHANDLED;
	size_t before = d->v.t.sel;
	r = table_action(&d->v.t, a);
	if (r != PANE_UNHANDLED && d->v.t.sel != before)
		detail_refresh(p);
	return r;
}

/* :search TEXT from the prompt. */
static enum pane_result mon_action_arg(struct pane *p, enum sg_action a, const char *arg)
{
	struct mon_priv *d = priv(p);

	if (a != SG_ACTION_SEARCH)
		return PANE_UNHANDLED;
	d->det.log.match = -1;
	if (mon_log_search(&d->det.log, arg, 0, mon_detail_log_rows(&d->det)) != 0)
		pane_message(p, SG_ROLE_ERROR, "'%s' is not in the log", arg);
	return PANE_REDRAW;
}

/* A 1 s timer only while something runs (idle: no wake-ups). */
static int mon_poll_fds(struct pane *p, int *fds, int max, int *timeout_ms)
{
	struct mon_priv *d = priv(p);

	(void)fds;
	(void)max;
	if (d->running > 0 || mon_detail_live(&d->det))
		if (*timeout_ms < 0 || *timeout_ms > MON_TICK_MS)
			*timeout_ms = MON_TICK_MS;
	return 0;
}

/* The timer: new log lines, and the elapsed times move. */
static enum pane_result mon_on_fd(struct pane *p, int fd)
{
	struct mon_priv *d = priv(p);

	if (fd != -1)
		return PANE_HANDLED;
	if (d->running > 0 && sg_now() - d->reaped_at >= MON_REAP_SECONDS) {
		int lost = 0;
		struct sg_error e = { 0 };
		d->reaped_at = sg_now();
		if (sg_job_reap(p->env->ws, &lost, &e) == 0 && lost > 0) {
			mon_reload(p, &e);
			return PANE_REDRAW;
		}
	}
	if (*d->det.id)
		mon_log_update(&d->det.log);
	return d->running > 0 || mon_detail_live(&d->det) ? PANE_REDRAW : PANE_HANDLED;
}

/* "2 running, 40 recent", or the open run's id. */
static void mon_summary(struct pane *p, char *buf, size_t n)
{
	struct mon_priv *d = priv(p);

	if (d->open && d->rows.n)
		snprintf(buf, n, "run %.8s", selected(d)->r.id);
	else
		snprintf(buf, n, "%zu running, %zu recent", d->running,
			 d->rows.n - d->running);
}

const struct pane_ops pane_monitor_ops = {
	.name = "monitor",
	.title = "Monitor",
	.private_size = sizeof(struct mon_priv),
	.init = mon_init,
	.done = mon_done,
	.resize = mon_resize,
	.draw = mon_draw,
	.action = mon_action,
	.reload = mon_reload,
	.unsaved = NULL,
	.summary = mon_summary,
	.action_arg = mon_action_arg,
	.poll_fds = mon_poll_fds,
	.on_fd = mon_on_fd,
};
