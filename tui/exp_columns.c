/* exp_columns.c — the Experiments pane's column chooser (a checklist of
 * every param, metric and tag key) and its groups view (one row per value
 * of a param or tag: the count and mean ± std of each chosen column). */
#include "sgconfig.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/exp.h"

/* ---- the column chooser ------------------------------------------------------ */

/* Index of the chosen column with c's field and key, or -1. */
static int chosen_index(const struct exp_priv *d, const struct sg_rq_column *c)
{
	for (int i = 0; i < d->ncols; i++)
		if (d->cols[i].field == c->field && d->cols[i].key && c->key &&
		    strcmp(d->cols[i].key, c->key) == 0)
			return i;
	return -1;
}

void exp_columns_free(struct exp_priv *d)
{
	sg_rq_columns_free(d->ckeys, (int)d->nckeys);
	d->ckeys = NULL;
	d->nckeys = 0;
}

/* Appends every key of field f to the chooser's list. */
static void add_keys(struct exp_priv *d, enum sg_rq_field f)
{
	struct sg_rq_keys k;

	if (sg_rq_keys(d->store, f, &k, NULL) != 0)
		return;
	d->ckeys = sg_xrealloc(d->ckeys, (d->nckeys + k.n + 1) * sizeof *d->ckeys);
	for (size_t i = 0; i < k.n; i++)
		d->ckeys[d->nckeys++] = (struct sg_rq_column){ f, SG_RQ_LAST, sg_xstrdup(k.key[i]) };
	sg_rq_keys_done(&k);
}

void exp_columns_open(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);

	exp_columns_free(d);
	add_keys(d, SG_RQ_PARAM);
	add_keys(d, SG_RQ_METRIC);
	add_keys(d, SG_RQ_TAG);
	if (!d->nckeys) {
		pane_message(p, SG_ROLE_MESSAGE, "No params, metrics or tags recorded yet");
		return;
	}
	d->ccols[0] = (struct table_col){ "", 3, 0 };
	d->ccols[1] = (struct table_col){ "COLUMN", 20, COL_FLEX };
	d->ct.cols = d->ccols;
	d->ct.ncols = 2;
	d->ct.sel = d->ct.top = 0;
	table_set_rows(&d->ct, d->nckeys);
	d->cols_back = d->view;
	d->view = EV_COLUMNS;
}

/* Adds or removes key i of the chooser from the chosen columns. */
static void toggle_key(struct pane *p, size_t i)
{
	struct exp_priv *d = exp_priv(p);
	int at = chosen_index(d, &d->ckeys[i]), n = d->ncols;
	struct sg_rq_column *cols = sg_xcalloc((size_t)n + 2, sizeof *cols);

	memcpy(cols, d->cols, (size_t)n * sizeof *cols);
	if (at >= 0)
		memmove(&cols[at], &cols[at + 1], (size_t)(n - at - 1) * sizeof *cols), n--;
	else
		cols[n++] = d->ckeys[i];
	exp_set_columns(p, cols, n);   /* copies before freeing the old ones */
	free(cols);
	exp_refresh(p, NULL);
	if (d->grouped)
		exp_regroup(p, NULL);
}

/* table_cell_fn: "[x]" and the key as the filter language writes it. */
static const char *columns_cell(void *ud, size_t row, int col, char *buf, size_t n,
				enum sg_role *role)
{
	struct exp_priv *d = ud;
	char *name;

	if (col == 0) {
		*role = SG_ROLE_PROMPT;
		return chosen_index(d, &d->ckeys[row]) >= 0 ? "[x]" : "[ ]";
	}
	name = sg_rq_column_name(&d->ckeys[row]);
	text_copy(buf, n, name);
	free(name);
	return buf;
}

void exp_columns_draw(struct pane *p, struct surface *s)
{
	struct exp_priv *d = exp_priv(p);

	table_draw(&d->ct, s, columns_cell, d, NULL);
}

enum pane_result exp_columns_action(struct pane *p, enum sg_action a)
{
	struct exp_priv *d = exp_priv(p);

	switch (a) {
	case SG_ACTION_MARK:
		toggle_key(p, d->ct.sel);
		table_action(&d->ct, SG_ACTION_MOVE_DOWN);
		return PANE_REDRAW;
	case SG_ACTION_OPEN:
		toggle_key(p, d->ct.sel);
		return PANE_REDRAW;
	case SG_ACTION_BACK:
	case SG_ACTION_COLUMNS:
		d->view = d->cols_back == EV_GROUPS && d->grouped ? EV_GROUPS : EV_TABLE;
		return PANE_REDRAW;
	default:
		return table_action(&d->ct, a);
	}
}

/* ---- groups ------------------------------------------------------------------------ */

void exp_groups_free(struct exp_priv *d)
{
	if (d->grouped) {
		sg_rq_groups_done(&d->groups);
		sg_rq_column_done(&d->by);
	}
	d->grouped = 0;
	free(d->gcols);
	free(d->gtitles);
	d->gcols = NULL;
	d->gtitles = NULL;
}

/* The groups table's columns: the value, the count, a stat per column. */
static void layout_groups(struct exp_priv *d)
{
	char *by = sg_rq_column_name(&d->by);
	int k = 0;

	free(d->gcols);
	free(d->gtitles);
	d->gcols = sg_xcalloc((size_t)d->ncols + 2, sizeof *d->gcols);
	d->gtitles = sg_xcalloc((size_t)d->ncols + 1, sizeof *d->gtitles);
	text_copy(d->gtitles[d->ncols], sizeof d->gtitles[0], by);
	free(by);
	d->gcols[k++] = (struct table_col){ d->gtitles[d->ncols], 12, COL_FLEX };
	d->gcols[k++] = (struct table_col){ "COUNT", 6, COL_RIGHT };
	for (int i = 0; i < d->ncols; i++) {
		char *name = sg_rq_column_name(&d->cols[i]);
		text_copy(d->gtitles[i], sizeof d->gtitles[i], name);
		free(name);
		d->gcols[k++] = (struct table_col){ d->gtitles[i], 19, COL_RIGHT };
	}
	d->gt.cols = d->gcols;
	d->gt.ncols = k;
	if (d->gt.first_col >= k)
		d->gt.first_col = 0;
}

int exp_regroup(struct pane *p, struct sg_error *err)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_groups g;

	if (sg_rq_group(d->store, d->q, &d->by, &g, err) != 0)
		return -1;
	sg_rq_groups_done(&d->groups);
	d->groups = g;
	layout_groups(d);
	table_set_rows(&d->gt, g.n);
	return 0;
}

void exp_group(struct pane *p, const struct sg_rq_column *by)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_error e = { 0 };
	struct sg_rq_groups g;

	if (sg_rq_group(d->store, d->q, by, &g, &e) != 0) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	exp_groups_free(d);
	sg_rq_column_copy(&d->by, by);
	d->groups = g;
	d->grouped = 1;
	layout_groups(d);
	d->gt.sel = d->gt.top = 0;
	table_set_rows(&d->gt, g.n);
	d->view = EV_GROUPS;
}

/* "0.81 ± 0.012" (one value: no ±; none: "-"). */
static void fmt_stat(const struct sg_rq_stat *st, char *buf, size_t n)
{
	char m[32], s[32];

	if (st->n == 0) {
		snprintf(buf, n, "-");
		return;
	}
	fmt_metric(st->mean, m, sizeof m);
	if (st->n < 2 || isnan(st->std)) {
		snprintf(buf, n, "%s", m);
		return;
	}
	fmt_metric(st->std, s, sizeof s);
	snprintf(buf, n, "%s \u00b1 %s", m, s);
}

/* table_cell_fn: one group. */
static const char *groups_cell(void *ud, size_t row, int col, char *buf, size_t n,
			       enum sg_role *role)
{
	struct exp_priv *d = ud;
	const struct sg_rq_group *g = &d->groups.g[row];

	if (col == 0) {
		if (g->value)
			return g->value;
		*role = SG_ROLE_DIM;
		return "(none)";
	}
	*role = SG_ROLE_NUMBER;
	if (col == 1) {
		fmt_count(g->count, buf, n);
		return buf;
	}
	if (col - 2 >= d->groups.ncols)
		return "";
	fmt_stat(&g->stat[col - 2], buf, n);
	return buf;
}

void exp_groups_draw(struct pane *p, struct surface *s)
{
	struct exp_priv *d = exp_priv(p);

	table_draw(&d->gt, s, groups_cell, d, "No runs to group");
}

/* 1 when text is a whole number in C syntax. */
static int is_number(const char *text)
{
	char *end;

	if (!*text)
		return 0;
	strtod(text, &end);
	return *end == '\0';
}

/* Enter on a group: its runs (the filter narrowed to its value). */
static void open_group(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	const char *v = d->gt.n ? d->groups.g[d->gt.sel].value : NULL;
	char *by = sg_rq_column_name(&d->by), cond[600], expr[1200];

	if (!d->gt.n) {
		free(by);
		return;
	}
	if (!v)
		snprintf(cond, sizeof cond, "%s is null", by);
	else if (is_number(v))
		snprintf(cond, sizeof cond, "%s == %s", by, v);
	else
		snprintf(cond, sizeof cond, "%s == %c%s%c", by, strchr(v, '"') ? '\'' : '"', v,
			 strchr(v, '"') ? '\'' : '"');
	free(by);
	if (*d->where)
		snprintf(expr, sizeof expr, "(%s) and %s", d->where, cond);
	else
		snprintf(expr, sizeof expr, "%s", cond);
	exp_groups_free(d);
	d->view = EV_TABLE;
	exp_filter(p, expr);
}

enum pane_result exp_groups_action(struct pane *p, enum sg_action a)
{
	struct exp_priv *d = exp_priv(p);

	switch (a) {
	case SG_ACTION_BACK:
	case SG_ACTION_GROUP:
		exp_groups_free(d);
		d->view = EV_TABLE;
		return PANE_REDRAW;
	case SG_ACTION_OPEN: open_group(p); return PANE_REDRAW;
	case SG_ACTION_COLUMNS: exp_columns_open(p); return PANE_REDRAW;
	case SG_ACTION_EXPORT:
		if (p->env && p->env->prompt)
			p->env->prompt(p->env->ud, "export groups.csv", 17);
		return PANE_REDRAW;
	default:
		return table_action(&d->gt, a);
	}
}
