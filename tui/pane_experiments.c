/* pane_experiments.c — the Experiments pane: the runs table with the most
 * used params and metrics as columns; also the run rows and run details the
 * Monitor pane shares. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/run.h"
#include "core/util.h"
#include "tui/pane.h"

#define EXP_LIMIT 10000   /* runs listed; the newest */
#define EXP_SAMPLE 50     /* runs whose keys choose the extra columns */
#define EXP_PARAMS 2      /* param columns */
#define EXP_METRICS 2     /* metric columns */
#define EXP_KEYS 64       /* distinct keys counted while choosing */

enum { C_ID, C_NAME, C_STATUS, C_EXTRA };
#define N_FIXED_TAIL 4    /* EXPERIMENT USER START DURATION after the extras */

/* Param and metric values of one row, fetched when it is first drawn. */
struct exp_extra {
	int loaded;
	char param[EXP_PARAMS][48];
	char metric[EXP_METRICS][24];
};

struct exp_priv {
	struct list_view v;
	struct run_rows rows;
	struct exp_extra *extra;
	struct table_col cols[C_EXTRA + EXP_PARAMS + EXP_METRICS + N_FIXED_TAIL];
	char param_key[EXP_PARAMS][64];
	char metric_key[EXP_METRICS][64];
	int nparams, nmetrics;
	struct sg_store *store;
};

/* The pane's private data. */
static struct exp_priv *priv(struct pane *p)
{
	return p->priv;
}

/* ---- run rows (shared with the Monitor) ---------------------------------------- */

/* Room for one more row at the end; returns it. */
static struct run_row *run_rows_push(struct run_rows *rows)
{
	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? rows->cap * 2 : 64;
		rows->v = sg_xrealloc(rows->v, rows->cap * sizeof *rows->v);
	}
	return &rows->v[rows->n++];
}

void run_rows_add(struct run_rows *rows, const struct sg_run_info *r)
{
	struct run_row *o = run_rows_push(rows);

	memcpy(o->id, r->id, sizeof o->id);
	text_copy(o->name, sizeof o->name, r->name);
	text_copy(o->experiment, sizeof o->experiment, r->experiment);
	text_copy(o->user, sizeof o->user, r->user);
	text_copy(o->kind, sizeof o->kind, r->kind);
	o->status = r->status;
	o->start = r->start_time;
	o->end = r->end_time;
}

void run_rows_append(struct run_rows *rows, const struct run_rows *more)
{
	for (size_t i = 0; i < more->n; i++)
		*run_rows_push(rows) = more->v[i];
}

/* sg_run_list callback: keeps every run. */
static int collect_run(const struct sg_run_info *r, void *ud)
{
	run_rows_add(ud, r);
	return 0;
}

void run_rows_free(struct run_rows *rows)
{
	free(rows->v);
	memset(rows, 0, sizeof *rows);
}

size_t run_rows_find(const struct run_rows *rows, const char *id)
{
	for (size_t i = 0; i < rows->n; i++)
		if (strcmp(rows->v[i].id, id) == 0)
			return i;
	return rows->n;
}

/* ---- run details ------------------------------------------------------------------ */

/* Callbacks filling a struct detail: a param or tag, a metric summary, an
 * artifact. */
static int add_kv(const char *key, const char *value, void *ud)
{
	detail_kv(ud, key, "%s", value);
	return 0;
}

static int add_summary(const struct sg_metric_summary *m, void *ud)
{
	char last[32], min[32], max[32];

	fmt_metric(m->last, last, sizeof last);
	fmt_metric(m->min, min, sizeof min);
	fmt_metric(m->max, max, sizeof max);
	detail_kv(ud, m->key, "%s at step %lld  (min %s, max %s, %lld points)", last,
		  m->last_step, min, max, m->count);
	return 0;
}

static int add_artifact(const char *path, const char *kind, void *ud)
{
	detail_kv(ud, kind && *kind ? kind : "file", "%s", path);
	return 0;
}

/* Ends a section that began at line mark, filled with status rc: shows
 * the error, or "none" when it has no line. */
static void section_end(struct detail *d, size_t mark, int rc, const struct sg_error *err)
{
	if (rc < 0)
		detail_text(d, SG_ROLE_ERROR, "%s", err->msg);
	if (d->n == mark)
		detail_text(d, SG_ROLE_DIM, "none");
}

/* The "Run" section: every field of the run itself. */
static void run_fields(struct detail *d, const struct sg_run_info *r)
{
	char buf[64];

	detail_section(d, r->name);
	detail_kv(d, "Id", "%s", r->id);
	detail_kv(d, "Experiment", "%s", r->experiment);
	detail_kv(d, "Status", "%s", sg_run_status_name(r->status));
	d->lines[d->n - 1].role = run_status_role(r->status);
	detail_kv(d, "Kind", "%s", r->kind);
	detail_kv(d, "User", "%s", r->user);
	sg_format_time(r->start_time, buf, sizeof buf);
	detail_kv(d, "Started", "%s", buf);
	sg_format_time(r->end_time, buf, sizeof buf);
	detail_kv(d, "Ended", "%s", r->status == SG_RUN_RUNNING ? "still running" : buf);
	fmt_run_duration(r->start_time, r->end_time, r->status == SG_RUN_RUNNING, buf, sizeof buf);
	detail_kv(d, "Duration", "%s", buf);
	if (*r->source_path)
		detail_kv(d, "Source", "%s%s%.12s", r->source_path, *r->source_commit ? " @ " : "",
			  r->source_commit);
	if (*r->note)
		detail_kv(d, "Note", "%s", r->note);
}

int run_details(struct detail *d, struct sg_store *s, const char *id, struct sg_error *err)
{
	struct sg_run_info r;
	size_t mark;

	detail_reset(d);
	if (sg_run_get(s, id, &r, err) < 0) {
		detail_text(d, SG_ROLE_ERROR, "%s", err->msg);
		return -1;
	}
	run_fields(d, &r);
	detail_section(d, "Params");
	mark = d->n;
	section_end(d, mark, sg_run_params(s, r.id, add_kv, d, err), err);
	detail_section(d, "Metrics (last, min, max)");
	mark = d->n;
	section_end(d, mark, sg_run_metric_summaries(s, r.id, add_summary, d, err), err);
	detail_section(d, "Tags");
	mark = d->n;
	section_end(d, mark, sg_run_tags(s, r.id, add_kv, d, err), err);
	detail_section(d, "Artifacts");
	mark = d->n;
	section_end(d, mark, sg_run_artifacts(s, r.id, add_artifact, d, err), err);
	return 0;
}

void run_open(struct pane *p, struct list_view *v, const char *id)
{
	struct sg_error err = { 0 };

	if (run_details(&v->det, p->env->ws->store, id, &err) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", err.msg);
}

/* ---- choosing the extra columns -------------------------------------------------- */

struct key_count {
	char key[64];
	int count;
};

struct key_counter {
	struct key_count k[EXP_KEYS];
	int n;
};

static void count_key(struct key_counter *c, const char *key)
{
	for (int i = 0; i < c->n; i++) {
		if (strcmp(c->k[i].key, key) == 0) {
			c->k[i].count++;
			return;
		}
	}
	if (c->n < EXP_KEYS && strlen(key) < sizeof c->k[0].key) {
		snprintf(c->k[c->n].key, sizeof c->k[0].key, "%s", key);
		c->k[c->n++].count = 1;
	}
}

static int count_param(const char *key, const char *value, void *ud)
{
	count_key(ud, key);
	return 0;
}

static int count_metric(const struct sg_metric_summary *m, void *ud)
{
	count_key(ud, m->key);
	return 0;
}

/* Most used first, then by name. */
static int by_count(const void *a, const void *b)
{
	const struct key_count *x = a, *y = b;

	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(x->key, y->key);
}

/* Copies the top keys of c into out; returns how many. */
static int top_keys(struct key_counter *c, char out[][64], int max)
{
	int n = 0;

	qsort(c->k, (size_t)c->n, sizeof c->k[0], by_count);
	for (; n < max && n < c->n; n++)
		snprintf(out[n], 64, "%s", c->k[n].key);
	return n;
}

/* A column as wide as its title, within limits. */
static struct table_col key_col(const char *title, int min, int max)
{
	struct table_col c = { title, text_width(title, 1), COL_RIGHT };

	if (c.width < min)
		c.width = min;
	if (c.width > max)
		c.width = max;
	return c;
}

/* Picks the params and metrics the newest runs use most and lays out the
 * columns around them. */
static void choose_columns(struct exp_priv *d)
{
	struct key_counter params = { .n = 0 }, metrics = { .n = 0 };
	size_t sample = d->rows.n < EXP_SAMPLE ? d->rows.n : EXP_SAMPLE;
	int k = 0;

	for (size_t i = 0; i < sample; i++) {
		sg_run_params(d->store, d->rows.v[i].id, count_param, &params, NULL);
		sg_run_metric_summaries(d->store, d->rows.v[i].id, count_metric, &metrics, NULL);
	}
	d->nparams = top_keys(&params, d->param_key, EXP_PARAMS);
	d->nmetrics = top_keys(&metrics, d->metric_key, EXP_METRICS);
	d->cols[k++] = (struct table_col){ "ID", 8, 0 };
	d->cols[k++] = (struct table_col){ "NAME", 12, COL_FLEX };
	d->cols[k++] = (struct table_col){ "STATUS", 8, 0 };
	for (int i = 0; i < d->nparams; i++)
		d->cols[k++] = key_col(d->param_key[i], 6, 12);
	for (int i = 0; i < d->nmetrics; i++)
		d->cols[k++] = key_col(d->metric_key[i], 9, 12);
	d->cols[k++] = (struct table_col){ "EXPERIMENT", 10, 0 };
	d->cols[k++] = (struct table_col){ "USER", 8, 0 };
	d->cols[k++] = (struct table_col){ "START", 11, 0 };
	d->cols[k++] = (struct table_col){ "DURATION", 8, COL_RIGHT };
	d->v.t.cols = d->cols;
	d->v.t.ncols = k;
	if (d->v.t.first_col >= k)
		d->v.t.first_col = 0;
}

/* ---- the extra cells, fetched lazily -------------------------------------------- */

struct fetch {
	struct exp_priv *d;
	struct exp_extra *x;
};

static int fetch_param(const char *key, const char *value, void *ud)
{
	struct fetch *f = ud;

	for (int i = 0; i < f->d->nparams; i++)
		if (strcmp(key, f->d->param_key[i]) == 0)
			text_copy(f->x->param[i], sizeof f->x->param[i], value);
	return 0;
}

static int fetch_metric(const struct sg_metric_summary *m, void *ud)
{
	struct fetch *f = ud;

	for (int i = 0; i < f->d->nmetrics; i++)
		if (strcmp(m->key, f->d->metric_key[i]) == 0)
			fmt_metric(m->last, f->x->metric[i], sizeof f->x->metric[i]);
	return 0;
}

/* The extra values of row, queried the first time it is shown: with
 * 10,000 runs only the visible ones cost a query. */
static struct exp_extra *extra_of(struct exp_priv *d, size_t row)
{
	struct exp_extra *x = &d->extra[row];
	struct fetch f = { d, x };

	if (x->loaded)
		return x;
	x->loaded = 1;
	for (int i = 0; i < EXP_PARAMS; i++)
		snprintf(x->param[i], sizeof x->param[i], "-");
	for (int i = 0; i < EXP_METRICS; i++)
		snprintf(x->metric[i], sizeof x->metric[i], "-");
	sg_run_params(d->store, d->rows.v[row].id, fetch_param, &f, NULL);
	sg_run_metric_summaries(d->store, d->rows.v[row].id, fetch_metric, &f, NULL);
	return x;
}

/* table_cell_fn: the fixed columns, then the params, the metrics, the tail. */
static const char *exp_cell(void *ud, size_t row, int col, char *buf, size_t n,
			    enum sg_role *role)
{
	struct exp_priv *d = ud;
	const struct run_row *r = &d->rows.v[row];
	int extra = col - C_EXTRA, tail = extra - d->nparams - d->nmetrics;

	switch (col) {
	case C_ID: *role = SG_ROLE_DIM; snprintf(buf, n, "%.8s", r->id); return buf;
	case C_NAME: return r->name;
	case C_STATUS: *role = run_status_role(r->status); return sg_run_status_name(r->status);
	}
	if (extra < d->nparams)
		return extra_of(d, row)->param[extra];
	if (extra < d->nparams + d->nmetrics) {
		*role = SG_ROLE_NUMBER;
		return extra_of(d, row)->metric[extra - d->nparams];
	}
	switch (tail) {
	case 0: return r->experiment;
	case 1: return r->user;
	case 2: fmt_start(r->start, buf, n); return buf;
	case 3:
		fmt_run_duration(r->start, r->end, r->status == SG_RUN_RUNNING, buf, n);
		return buf;
	}
	return "";
}

/* ---- the pane ------------------------------------------------------------------------ */

/* The selected run. */
static const struct run_row *selected(const struct exp_priv *d)
{
	return &d->rows.v[d->v.t.sel];
}

/* Lists the runs again, chooses the columns for them and keeps the
 * selected run selected. */
static int exp_reload(struct pane *p, struct sg_error *err)
{
	struct exp_priv *d = priv(p);
	char keep[SG_RUN_ID_LEN + 1] = "";
	int rc;

	if (d->rows.n)
		memcpy(keep, selected(d)->id, sizeof keep);
	d->rows.n = 0;
	rc = sg_run_list(d->store, NULL, EXP_LIMIT, collect_run, &d->rows, err);
	free(d->extra);
	d->extra = sg_xcalloc(d->rows.n + 1, sizeof *d->extra);
	choose_columns(d);
	return list_view_loaded(&d->v, rc, err, "cannot list runs", d->rows.n,
				*keep ? run_rows_find(&d->rows, keep) : d->rows.n);
}

static int exp_init(struct pane *p, struct sg_error *err)
{
	struct exp_priv *d = priv(p);
	struct sg_error e = { 0 };

	d->store = p->env->ws->store;
	exp_reload(p, &e);
	return 0;
}

static void exp_done(struct pane *p)
{
	struct exp_priv *d = priv(p);

	run_rows_free(&d->rows);
	free(d->extra);
	list_view_done(&d->v);
}

static void exp_resize(struct pane *p, int w, int h)
{
	table_resize(&priv(p)->v.t, h);
}

static void exp_draw(struct pane *p, struct surface *s)
{
	struct exp_priv *d = priv(p);

	list_view_draw(&d->v, s, exp_cell, d,
		       "No runs yet \u2014 start one with: sagetty runs start --name NAME");
}

/* Shows everything about the selected run. */
static void exp_open(struct pane *p)
{
	struct exp_priv *d = priv(p);

	run_open(p, &d->v, selected(d)->id);
}

static enum pane_result exp_action(struct pane *p, enum sg_action a)
{
	return list_view_action(&priv(p)->v, a, p, exp_open);
}

/* "3/120 runs", or the open run's id. */
static void exp_summary(struct pane *p, char *buf, size_t n)
{
	struct exp_priv *d = priv(p);
	char pos[48];

	if (d->v.det.open && d->rows.n) {
		snprintf(buf, n, "run %.8s", selected(d)->id);
		return;
	}
	table_position(&d->v.t, pos, sizeof pos);
	snprintf(buf, n, "%s run%s%s", pos, d->rows.n == 1 ? "" : "s",
		 d->rows.n >= EXP_LIMIT ? " (newest shown)" : "");
}

const struct pane_ops pane_experiments_ops = {
	.name = "experiments",
	.title = "Experiments",
	.private_size = sizeof(struct exp_priv),
	.init = exp_init,
	.done = exp_done,
	.resize = exp_resize,
	.draw = exp_draw,
	.action = exp_action,
	.reload = exp_reload,
	.unsaved = NULL,
	.summary = exp_summary,
};
