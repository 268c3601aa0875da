/* pane_monitor.c — the Monitor pane: running runs first, then recent ones. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/run.h"
#include "core/util.h"
#include "tui/pane.h"

#define MON_SCAN 100000  /* runs looked at for running ones */
#define MON_RECENT 200   /* finished runs kept below the running ones */

struct mon_priv {
	struct list_view v;
	struct run_rows rows;   /* the running runs, then the recent others */
	struct run_rows recent; /* scratch while loading */
	size_t running;
};

enum { C_STATUS, C_NAME, C_KIND, C_USER, C_ELAPSED, C_STARTED, C_EXPERIMENT, C_ID };

static const struct table_col mon_cols[] = {
	{ "STATUS", 8, 0 },
	{ "NAME", 16, COL_FLEX },
	{ "KIND", 8, 0 },
	{ "USER", 10, 0 },
	{ "ELAPSED", 8, COL_RIGHT },
	{ "STARTED", 11, 0 },
	{ "EXPERIMENT", 12, 0 },
	{ "ID", 8, 0 },
};

/* The pane's private data. */
static struct mon_priv *priv(struct pane *p)
{
	return p->priv;
}

/* The selected run. */
static const struct run_row *selected(const struct mon_priv *d)
{
	return &d->rows.v[d->v.t.sel];
}

/* table_cell_fn: one field of a run. */
static const char *mon_cell(void *ud, size_t row, int col, char *buf, size_t n,
			    enum sg_role *role)
{
	const struct run_row *r = &((const struct mon_priv *)ud)->rows.v[row];

	switch (col) {
	case C_STATUS: *role = run_status_role(r->status); return sg_run_status_name(r->status);
	case C_NAME: return r->name;
	case C_KIND: return r->kind;
	case C_USER: return r->user;
	case C_ELAPSED:
		fmt_run_duration(r->start, r->end, r->status == SG_RUN_RUNNING, buf, n);
		return buf;
	case C_STARTED: fmt_start(r->start, buf, n); return buf;
	case C_EXPERIMENT: return r->experiment;
	case C_ID: *role = SG_ROLE_DIM; snprintf(buf, n, "%.8s", r->id); return buf;
	}
	return "";
}

/* sg_run_list callback: keeps every running run and the newest others. */
static int mon_collect(const struct sg_run_info *r, void *ud)
{
	struct mon_priv *d = ud;

	if (r->status == SG_RUN_RUNNING)
		run_rows_add(&d->rows, r);
	else if (d->recent.n < MON_RECENT)
		run_rows_add(&d->recent, r);
	return 0;
}

/* Lists the runs: only the rows shown are kept, however many are scanned. */
static int mon_load(struct mon_priv *d, struct sg_store *s, struct sg_error *err)
{
	int rc;

	d->rows.n = d->recent.n = 0;
	rc = sg_run_list(s, NULL, MON_SCAN, mon_collect, d, err);
	d->running = d->rows.n;
	run_rows_append(&d->rows, &d->recent);
	return rc;
}

/* Lists the runs again, keeping the selected one selected. */
static int mon_reload(struct pane *p, struct sg_error *err)
{
	struct mon_priv *d = priv(p);
	char keep[SG_RUN_ID_LEN + 1] = "";
	int rc;

	if (d->rows.n)
		memcpy(keep, selected(d)->id, sizeof keep);
	rc = mon_load(d, p->env->ws->store, err);
	return list_view_loaded(&d->v, rc, err, "cannot list runs", d->rows.n,
				*keep ? run_rows_find(&d->rows, keep) : d->rows.n);
}

static int mon_init(struct pane *p, struct sg_error *err)
{
	struct mon_priv *d = priv(p);
	struct sg_error e = { 0 };

	d->v.t.cols = mon_cols;
	d->v.t.ncols = (int)(sizeof mon_cols / sizeof mon_cols[0]);
	mon_reload(p, &e);
	return 0;
}

static void mon_done(struct pane *p)
{
	struct mon_priv *d = priv(p);

	run_rows_free(&d->rows);
	run_rows_free(&d->recent);
	list_view_done(&d->v);
}

static void mon_resize(struct pane *p, int w, int h)
{
	table_resize(&priv(p)->v.t, h);
}

static void mon_draw(struct pane *p, struct surface *s)
{
	struct mon_priv *d = priv(p);

	list_view_draw(&d->v, s, mon_cell, d,
		       "Nothing running and no recent runs \u2014 runs and training jobs "
		       "show up here live");
}

/* Shows everything about the selected run. */
static void mon_open(struct pane *p)
{
	struct mon_priv *d = priv(p);

	run_open(p, &d->v, selected(d)->id);
}

static enum pane_result mon_action(struct pane *p, enum sg_action a)
{
	return list_view_action(&priv(p)->v, a, p, mon_open);
}

/* "2 running, 40 recent", or the open run's id. */
static void mon_summary(struct pane *p, char *buf, size_t n)
{
	struct mon_priv *d = priv(p);

	if (d->v.det.open && d->rows.n)
		snprintf(buf, n, "run %.8s", selected(d)->id);
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
};
