/* exp_compare.c — the Experiments pane's comparison: the marked runs side
 * by side, one column each, with their run fields, params, metric summaries
 * (last, min, max) and tags as rows, and a "differences only" toggle.  As
 * `sagetty runs compare`: a missing value differs from any present one and
 * NaN equals NaN. */
#include "sgconfig.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/exp.h"

enum { S_RUN, S_PARAM, S_METRIC, S_TAG, S_COUNT };

static const char *const section_title[S_COUNT] = { "Run", "Params", "Metrics", "Tags" };
static const char *const summary_name[3] = { "last", "min", "max" };

/* A shown entry: a row index, or a section title (TITLE(s)). */
#define TITLE(s) (SIZE_MAX - (size_t)(s))
#define IS_TITLE(i) ((i) > SIZE_MAX - S_COUNT)

/* The row of section, label (and metric key) — found or appended. */
static struct cmp_row *cmp_row(struct exp_cmp *c, int section, const char *label,
			       const char *metric)
{
	struct cmp_row *r;

	for (size_t i = 0; i < c->nrows; i++)
		if (c->rows[i].section == section && strcmp(c->rows[i].key, label) == 0)
			return &c->rows[i];
	if (c->nrows == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->rows = sg_xrealloc(c->rows, c->cap * sizeof *c->rows);
	}
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof *r);
	r->section = section;
	r->key = sg_xstrdup(label);
	r->metric = metric ? sg_xstrdup(metric) : NULL;
	r->text = sg_xcalloc((size_t)c->nruns, sizeof *r->text);
	if (metric) {
		r->num = sg_xcalloc((size_t)c->nruns, sizeof *r->num);
		for (int i = 0; i < c->nruns; i++)
			r->num[i] = NAN;
	}
	return r;
}

struct fill {
	struct exp_cmp *c;
	int run, section;
};

/* sg_kv_fn: a param or tag of one run. */
static int fill_kv(const char *key, const char *value, void *ud)
{
	struct fill *f = ud;
	struct cmp_row *r = cmp_row(f->c, f->section, key, NULL);

	free(r->text[f->run]);
	r->text[f->run] = sg_xstrdup(value);
	return 0;
}

/* sg_summary_fn: last, min and max of a metric of one run. */
static int fill_summary(const struct sg_metric_summary *m, void *ud)
{
	struct fill *f = ud;
	const double v[3] = { m->last, m->min, m->max };
	char label[300], buf[32];

	for (int k = 0; k < 3; k++) {
		snprintf(label, sizeof label, "%s.%s", m->key, summary_name[k]);
		struct cmp_row *r = cmp_row(f->c, S_METRIC, label, m->key);
		fmt_metric(v[k], buf, sizeof buf);
		free(r->text[f->run]);
		r->text[f->run] = sg_xstrdup(buf);
		r->num[f->run] = v[k];
	}
	return 0;
}

/* The run fields of run i, as rows. */
static void fill_fields(struct exp_cmp *c, int i)
{
	const struct sg_run_info *r = &c->runs[i];
	char start[32], dur[32];
	const char *vals[][2] = {
		{ "id", r->id }, { "experiment", r->experiment },
		{ "status", sg_run_status_name(r->status) }, { "user", r->user },
		{ "kind", r->kind }, { "started", start }, { "duration", dur },
	};

	sg_format_time(r->start_time, start, sizeof start);
	fmt_run_duration(r->start_time, r->end_time, r->status == SG_RUN_RUNNING, dur,
			 sizeof dur);
	for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
		cmp_row(c, S_RUN, vals[k][0], NULL)->text[i] = sg_xstrdup(vals[k][1]);
}

/* Reads everything about run i (already in c->runs). */
static int fill_run(struct exp_cmp *c, struct sg_store *s, int i, struct sg_error *err)
{
	struct fill f = { c, i, S_PARAM };

	fill_fields(c, i);
	if (sg_run_params(s, c->runs[i].id, fill_kv, &f, err) != 0)
		return -1;
	if (sg_run_metric_summaries(s, c->runs[i].id, fill_summary, &f, err) != 0)
		return -1;
	f.section = S_TAG;
	return sg_run_tags(s, c->runs[i].id, fill_kv, &f, err);
}

/* Whether the cells of r differ (missing differs; NaN equals NaN). */
static int row_differs(const struct exp_cmp *c, const struct cmp_row *r)
{
	for (int i = 1; i < c->nruns; i++) {
		const char *a = r->text[0], *b = r->text[i];
		if (!a != !b)
			return 1;
		if (!a)
			continue;
		if (r->num) {
			double x = r->num[0], y = r->num[i];
			if (!(x == y || (isnan(x) && isnan(y))))
				return 1;
		} else if (strcmp(a, b) != 0) {
			return 1;
		}
	}
	return 0;
}

/* Rank of a metric row's summary: last, min, max. */
static int summary_rank(const struct cmp_row *r)
{
	const char *dot = strrchr(r->key, '.');

	for (int k = 0; dot && k < 3; k++)
		if (strcmp(dot + 1, summary_name[k]) == 0)
			return k;
	return 0;
}

/* Sections in order; inside one, keys in order (run fields as added). */
static int row_order(const void *a, const void *b)
{
	const struct cmp_row *x = a, *y = b;
	int k;

	if (x->section != y->section)
		return x->section - y->section;
	if (x->section == S_RUN)
		return x < y ? -1 : x > y;
	if (x->metric) {
		k = strcmp(x->metric, y->metric);
		return k ? k : summary_rank(x) - summary_rank(y);
	}
	return strcmp(x->key, y->key);
}

/* The rows shown: every row (or the differing ones) under its section's
 * title; the run fields are always shown. */
static void choose_shown(struct exp_cmp *c)
{
	int last = -1;

	free(c->shown);
	c->shown = sg_xcalloc(c->nrows + S_COUNT + 1, sizeof *c->shown);
	c->nshown = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cmp_row *r = &c->rows[i];
		if (c->diff_only && r->section != S_RUN && !r->differs)
			continue;
		if (r->section != last) {
			c->shown[c->nshown++] = TITLE(r->section);
			last = r->section;
		}
		c->shown[c->nshown++] = i;
	}
	table_set_rows(&c->t, c->nshown);
}

/* The columns: the label, then one per run named after it. */
static void layout(struct exp_cmp *c)
{
	int kw = 10;

	for (size_t i = 0; i < c->nrows; i++) {
		int w = text_width(c->rows[i].key, 1) + 2;
		kw = w > kw ? (w > 28 ? 28 : w) : kw;
	}
	c->cols = sg_xcalloc((size_t)c->nruns + 1, sizeof *c->cols);
	c->cols[0] = (struct table_col){ "", kw, 0 };
	for (int i = 0; i < c->nruns; i++) {
		int w = text_width(c->runs[i].name, 1);
		c->cols[1 + i] = (struct table_col){ c->runs[i].name, w < 10 ? 10 : w > 18 ? 18 : w, 0 };
	}
	c->t.cols = c->cols;
	c->t.ncols = c->nruns + 1;
}

void exp_compare_free(struct exp_cmp *c)
{
	if (!c)
		return;
	for (size_t k = 0; k < c->nrows; k++) {
		for (int i = 0; i < c->nruns; i++)
			free(c->rows[k].text[i]);
		free(c->rows[k].text);
		free(c->rows[k].num);
		free(c->rows[k].key);
		free(c->rows[k].metric);
	}
	free(c->rows);
	free(c->runs);
	free(c->shown);
	free(c->cols);
	free(c);
}

/* Loads runs ids[0..n) into c, leaving out (and reporting) deleted ones. */
static int cmp_load(struct pane *p, struct exp_cmp *c, char (*ids)[SG_RUN_ID_LEN + 1], int n)
{
	struct sg_store *s = exp_priv(p)->store;
	struct sg_error e = { 0 };

	c->runs = sg_xcalloc((size_t)n + 1, sizeof *c->runs);
	for (int i = 0; i < n; i++) {
		if (sg_run_get(s, ids[i], &c->runs[c->nruns], &e) == 0) {
			c->nruns++;
			continue;
		}
		exp_run_error(p, ids[i], &e);
		sg_error_clear(&e);
	}
	for (int i = 0; i < c->nruns; i++) {
		if (fill_run(c, s, i, &e) != 0) {
			pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
			return -1;
		}
	}
	return c->nruns;
}

void exp_compare_open(struct pane *p, char (*ids)[SG_RUN_ID_LEN + 1], int n)
{
	struct exp_priv *d = exp_priv(p);
	struct exp_cmp *c = sg_xcalloc(1, sizeof *c);

	if (cmp_load(p, c, ids, n) < 2) {
		if (c->nruns < 2)
			pane_message(p, SG_ROLE_MESSAGE, "Fewer than two of the marked runs are left");
		exp_compare_free(c);
		return;
	}
	qsort(c->rows, c->nrows, sizeof *c->rows, row_order);
	for (size_t i = 0; i < c->nrows; i++)
		c->rows[i].differs = row_differs(c, &c->rows[i]);
	layout(c);
	table_resize(&c->t, p->h);
	exp_compare_free(d->cmp);
	d->cmp = c;
	choose_shown(c);
	d->view = EV_COMPARE;
}

/* table_cell_fn: a title, a label, or one run's value. */
static const char *compare_cell(void *ud, size_t row, int col, char *buf, size_t n,
				enum sg_role *role)
{
	const struct exp_cmp *c = ud;
	size_t i = c->shown[row];
	const struct cmp_row *r;

	if (IS_TITLE(i)) {
		*role = SG_ROLE_TITLE;
		return col == 0 ? section_title[SIZE_MAX - i] : "";
	}
	r = &c->rows[i];
	if (col == 0) {
		*role = r->differs ? SG_ROLE_KEY : SG_ROLE_NORMAL;
		snprintf(buf, n, "  %s", r->key);
		return buf;
	}
	if (!r->text[col - 1]) {
		*role = SG_ROLE_DIM;
		return "-";
	}
	*role = !r->differs ? SG_ROLE_DIM : r->num ? SG_ROLE_NUMBER : SG_ROLE_NORMAL;
	return r->text[col - 1];
}

void exp_compare_draw(struct pane *p, struct surface *s)
{
	struct exp_cmp *c = exp_priv(p)->cmp;

	if (c)
		table_draw(&c->t, s, compare_cell, c, "Nothing differs");
}

/* Charts the selected metric row for the compared runs. */
static void chart_row(struct pane *p, struct exp_cmp *c)
{
	size_t i = c->nshown ? c->shown[c->t.sel] : TITLE(0);
	char (*ids)[SG_RUN_ID_LEN + 1];

	if (IS_TITLE(i) || !c->rows[i].metric) {
		pane_message(p, SG_ROLE_MESSAGE, "Select a metric row to chart it");
		return;
	}
	ids = sg_xcalloc((size_t)c->nruns, sizeof *ids);
	for (int k = 0; k < c->nruns; k++)
		memcpy(ids[k], c->runs[k].id, sizeof ids[k]);
	exp_chart_open(p, c->rows[i].metric, ids, c->nruns, EV_COMPARE);
	free(ids);
}

enum pane_result exp_compare_action(struct pane *p, enum sg_action a)
{
	struct exp_priv *d = exp_priv(p);
	struct exp_cmp *c = d->cmp;

	switch (a) {
	case SG_ACTION_BACK:
		exp_compare_free(c);
		d->cmp = NULL;
		d->view = EV_TABLE;
		return PANE_REDRAW;
	case SG_ACTION_DIFF_ONLY:
		c->diff_only = !c->diff_only;
		choose_shown(c);
		pane_message(p, SG_ROLE_MESSAGE, c->diff_only ? "Only the rows that differ"
							       : "Every row");
		return PANE_REDRAW;
	case SG_ACTION_OPEN:
	case SG_ACTION_CHART:
		chart_row(p, c);
		return PANE_REDRAW;
	default:
		return table_action(&c->t, a);
	}
}
