/* exp_compare.c — the Experiments pane's comparison: the marked runs side
 * by side, one column each, with their run fields, params, metric summaries
 * (last, min, max) and tags as rows (core/runcompare.h, as `sagetty runs
 * compare`), and a "differences only" toggle. */
#include "sgconfig.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/exp.h"

static const char *const section_title[SG_CMP_NSECTIONS] = { "Run", "Params", "Metrics",
							      "Tags" };

/* A shown entry: a row index, or a section title (TITLE(s)). */
#define TITLE(s) (SIZE_MAX - (size_t)(s))
#define IS_TITLE(i) ((i) > SIZE_MAX - SG_CMP_NSECTIONS)

/* The label of a row: its key, and a metric's summary. */
static void row_label(const struct sg_cmp_row *r, char *buf, size_t n)
{
	if (r->summary >= 0)
		snprintf(buf, n, "%s.%s", r->key, sg_cmp_summary_name[r->summary]);
	else
		snprintf(buf, n, "%s", r->key);
}

/* The run fields of run i, as rows. */
static void fill_fields(struct sg_runcmp *c, int i)
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
		sg_runcmp_cell(c, vals[k][0], i, vals[k][1]);
}

/* The rows shown: every row (or the differing ones) under its section's
 * title; the run fields are always shown. */
static void choose_shown(struct exp_cmp *c)
{
	int last = -1;

	free(c->shown);
	c->shown = sg_xcalloc(c->m.nrows + SG_CMP_NSECTIONS + 1, sizeof *c->shown);
	c->nshown = 0;
	for (size_t i = 0; i < c->m.nrows; i++) {
		const struct sg_cmp_row *r = &c->m.rows[i];
		if (c->diff_only && r->section != SG_CMP_RUN && !r->differs)
			continue;
		if ((int)r->section != last) {
			c->shown[c->nshown++] = TITLE(r->section);
			last = (int)r->section;
		}
		c->shown[c->nshown++] = i;
	}
	table_set_rows(&c->t, c->nshown);
}

/* The columns: the label, then one per run named after it. */
static void layout(struct exp_cmp *c)
{
	int kw = 10;
	char label[300];

	for (size_t i = 0; i < c->m.nrows; i++) {
		row_label(&c->m.rows[i], label, sizeof label);
		int w = text_width(label, 1) + 2;
		kw = w > kw ? (w > 28 ? 28 : w) : kw;
	}
	c->cols = sg_xcalloc((size_t)c->m.nruns + 1, sizeof *c->cols);
	c->cols[0] = (struct table_col){ "", kw, 0 };
	for (int i = 0; i < c->m.nruns; i++) {
		const char *name = c->m.runs[i].name;
		int w = text_width(name, 1);
		c->cols[1 + i] = (struct table_col){ name, w < 10 ? 10 : w > 18 ? 18 : w, 0 };
	}
	c->t.cols = c->cols;
	c->t.ncols = c->m.nruns + 1;
}

void exp_compare_free(struct exp_cmp *c)
{
	if (!c)
		return;
	sg_runcmp_done(&c->m);
	free(c->shown);
	free(c->cols);
	free(c);
}

/* Loads runs ids[0..n) into c, leaving out (and reporting) deleted ones;
 * returns how many are left, or -1. */
static int cmp_load(struct pane *p, struct exp_cmp *c, char (*ids)[SG_RUN_ID_LEN + 1], int n)
{
	struct sg_store *s = exp_priv(p)->store;
	struct sg_error e = { 0 };
	int left = 0;

	sg_runcmp_init(&c->m, n);
	for (int i = 0; i < n; i++) {
		if (sg_run_get(s, ids[i], &c->m.runs[left], &e) == 0) {
			left++;
			continue;
		}
		exp_run_error(p, ids[i], &e);
		sg_error_clear(&e);
	}
	c->m.nruns = left;
	for (int i = 0; i < left; i++)
		fill_fields(&c->m, i);
	if (sg_runcmp_load(&c->m, s, fmt_metric, &e) != 0) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		return -1;
	}
	return left;
}

void exp_compare_open(struct pane *p, char (*ids)[SG_RUN_ID_LEN + 1], int n)
{
	struct exp_priv *d = exp_priv(p);
	struct exp_cmp *c = sg_xcalloc(1, sizeof *c);

	if (cmp_load(p, c, ids, n) < 2) {
		if (c->m.nruns < 2)
			pane_message(p, SG_ROLE_MESSAGE, "Fewer than two of the marked runs are left");
		exp_compare_free(c);
		return;
	}
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
	const struct sg_cmp_row *r;
	char label[300];

	if (IS_TITLE(i)) {
		*role = SG_ROLE_TITLE;
		return col == 0 ? section_title[SIZE_MAX - i] : "";
	}
	r = &c->m.rows[i];
	if (col == 0) {
		*role = r->differs ? SG_ROLE_KEY : SG_ROLE_NORMAL;
		row_label(r, label, sizeof label);
		snprintf(buf, n, "  %s", label);
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

	if (IS_TITLE(i) || c->m.rows[i].section != SG_CMP_METRIC) {
		pane_message(p, SG_ROLE_MESSAGE, "Select a metric row to chart it");
		return;
	}
	ids = sg_xcalloc((size_t)c->m.nruns, sizeof *ids);
	for (int k = 0; k < c->m.nruns; k++)
		memcpy(ids[k], c->m.runs[k].id, sizeof ids[k]);
	exp_chart_open(p, c->m.rows[i].key, ids, c->m.nruns, EV_COMPARE);
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
