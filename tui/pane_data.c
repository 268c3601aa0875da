/* pane_data.c — the Data pane: the list of registered datasets (with
 * their lineage) at the bottom of a stack of sheets (sheet.h), and the
 * files those sheets share. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/dataset.h"
#include "core/util.h"
#include "tui/label.h"
#include "tui/pane.h"
#include "tui/sheet.h"

struct data_priv {
	struct list_view v;
	struct sg_dataset_info *items;
	size_t n, cap;
	struct sheet *top;        /* NULL: the dataset list is shown */
};

/* ---- files shared by sheets ---------------------------------------------- */

const struct sg_csv_options *dsfile_test_options;

struct dsfile *dsfile_open(const char *path, const char *name, struct sg_error *err)
{
	struct sg_csv *c = sg_csv_open(path, dsfile_test_options, err);
	struct dsfile *f;
	const char *base = strrchr(path, '/');

	if (!c)
		return NULL;
	f = sg_xcalloc(1, sizeof *f);
	f->csv = c;
	f->refs = 1;
	f->path = sg_xstrdup(path);
	snprintf(f->name, sizeof f->name, "%s", name && *name ? name : base ? base + 1 : path);
	return f;
}

struct dsfile *dsfile_ref(struct dsfile *f)
{
	f->refs++;
	return f;
}

void dsfile_unref(struct dsfile *f)
{
	if (!f || --f->refs > 0)
		return;
	sg_colstats_free(f->stats);
	sg_csv_free(f->csv);
	free(f->marks);
	free(f->path);
	free(f);
}

int dsfile_marked(const struct dsfile *f, uint64_t row)
{
	return row < f->marks_bits && (f->marks[row >> 3] >> (row & 7) & 1);
}

int dsfile_toggle_mark(struct dsfile *f, uint64_t row)
{
	if (row >= f->marks_bits) {
		/* grow to cover the rows indexed so far (the index grows) */
		uint64_t bits = sg_csv_nrows(f->csv);
		if (bits <= row)
			bits = row + 1;
		size_t old = (size_t)((f->marks_bits + 7) / 8), need = (size_t)((bits + 7) / 8);
		f->marks = sg_xrealloc(f->marks, need);
		memset(f->marks + old, 0, need - old);
		f->marks_bits = need * 8;
	}
	f->marks[row >> 3] ^= (uint8_t)(1u << (row & 7));
	int on = f->marks[row >> 3] >> (row & 7) & 1;
	f->nmarked += on ? 1 : (uint64_t)-1;
	return on;
}

void dsfile_unmark_all(struct dsfile *f)
{
	if (f->marks)
		memset(f->marks, 0, (size_t)(f->marks_bits / 8));
	f->nmarked = 0;
}

/* ---- the dataset list ------------------------------------------------------- */

enum { C_NAME, C_ROWS, C_COLS, C_SIZE, C_HASH, C_LINEAGE, C_USER, C_REGISTERED };

static const struct table_col data_cols[] = {
	{ "NAME", 14, COL_FLEX },
	{ "ROWS", 9, COL_RIGHT },
	{ "COLS", 4, COL_RIGHT },
	{ "SIZE", 6, COL_RIGHT },
	{ "HASH", 8, 0 },
	{ "LINEAGE", 16, 0 },
	{ "USER", 8, 0 },
	{ "REGISTERED", 16, 0 },
};

/* The pane's private data. */
static struct data_priv *priv(struct pane *p)
{
	return p->priv;
}

/* Index of the dataset with this id, or d->n. */
static size_t find_id(const struct data_priv *d, long long id)
{
	size_t i = 0;

	while (i < d->n && d->items[i].id != id)
		i++;
	return i;
}

/* "parent via recipe", "#12" for a parent no longer listed, or "-". */
static void lineage(const struct data_priv *d, const struct sg_dataset_info *ds, char *buf,
		    size_t n)
{
	size_t par = ds->parent_id ? find_id(d, ds->parent_id) : d->n;
	char from[160] = "";

	if (par < d->n)
		snprintf(from, sizeof from, "%s", d->items[par].name);
	else if (ds->parent_id)
		snprintf(from, sizeof from, "#%lld", ds->parent_id);
	if (!*from && !*ds->recipe)
		snprintf(buf, n, "-");
	else if (!*ds->recipe)
		snprintf(buf, n, "%s", from);
	else if (!*from)
		snprintf(buf, n, "via %s", ds->recipe);
	else
		snprintf(buf, n, "%s via %s", from, ds->recipe);
}

/* table_cell_fn: one field of a dataset. */
static const char *data_cell(void *ud, size_t row, int col, char *buf, size_t n,
			     enum sg_role *role)
{
	struct data_priv *d = ud;
	const struct sg_dataset_info *ds = &d->items[row];

	switch (col) {
	case C_NAME: return ds->name;
	case C_ROWS: *role = SG_ROLE_NUMBER; fmt_count(ds->rows, buf, n); return buf;
	case C_COLS: *role = SG_ROLE_NUMBER; snprintf(buf, n, "%d", ds->columns); return buf;
	case C_SIZE: *role = SG_ROLE_NUMBER; fmt_size(ds->size, buf, n); return buf;
	case C_HASH: *role = SG_ROLE_DIM; snprintf(buf, n, "%.8s", ds->sha256); return buf;
	case C_LINEAGE: lineage(d, ds, buf, n); return buf;
	case C_USER: return ds->user;
	case C_REGISTERED: sg_format_time(ds->registered_at, buf, n); return buf;
	}
	return "";
}

/* sg_dataset_list callback: appends a copy. */
static int collect(const struct sg_dataset_info *ds, void *ud)
{
	struct data_priv *d = ud;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = sg_xrealloc(d->items, d->cap * sizeof *d->items);
	}
	d->items[d->n++] = *ds;
	return 0;
}

/* Lists the datasets again, keeping the selected one selected. */
static int data_reload(struct pane *p, struct sg_error *err)
{
	struct data_priv *d = priv(p);
	long long keep = d->n ? d->items[d->v.t.sel].id : 0;
	int rc;

	d->n = 0;
	rc = sg_dataset_list(p->env->ws->store, collect, d, err);
	return list_view_loaded(&d->v, rc, err, "cannot list datasets", d->n,
				keep ? find_id(d, keep) : d->n);
}

static int data_init(struct pane *p, struct sg_error *err)
{
	struct data_priv *d = priv(p);
	struct sg_error e = { 0 };

	d->v.t.cols = data_cols;
	d->v.t.ncols = (int)(sizeof data_cols / sizeof data_cols[0]);
	/* A store error is shown in the pane, not fatal for the app. */
	data_reload(p, &e);
	return 0;
}

/* Frees the top sheet, uncovering the one below. */
static void data_pop(struct pane *p)
{
	struct data_priv *d = priv(p);
	struct sheet *sh = d->top;

	if (!sh)
		return;
	d->top = sh->below;
	sh->ops->free(sh);
}

void data_push(struct pane *p, struct sheet *sh)
{
	struct data_priv *d = priv(p);

	sh->pane = p;
	sh->below = d->top;
	d->top = sh;
}

struct dsfile *data_top_file(struct pane *p)
{
	return priv(p)->top ? priv(p)->top->file : NULL;
}

struct sheet *data_top(struct pane *p)
{
	return priv(p)->top;
}

const char *data_top_kind(struct pane *p)
{
	return priv(p)->top ? priv(p)->top->ops->kind : "list";
}

void data_reload_list(struct pane *p)
{
	struct sg_error e = { 0 };

	if (data_reload(p, &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
}

static void data_done(struct pane *p)
{
	struct data_priv *d = priv(p);

	while (d->top)
		data_pop(p);
	free(d->items);
	list_view_done(&d->v);
}

static void data_resize(struct pane *p, int w, int h)
{
	table_resize(&priv(p)->v.t, h);
}

static void data_draw(struct pane *p, struct surface *s)
{
	struct data_priv *d = priv(p);

	if (d->top) {
		d->top->ops->draw(d->top, s);
		return;
	}
	list_view_draw(&d->v, s, data_cell, d,
		       "No datasets registered yet \u2014 sagetty data add FILE");
}

/* Fills the details view with every field of the selected dataset. */
static void data_open(struct pane *p)
{
	struct data_priv *d = priv(p);
	struct detail *det = &d->v.det;
	const struct sg_dataset_info *ds = &d->items[d->v.t.sel];
	char buf[512], when[32];
	int children = 0;

	detail_reset(det);
	detail_section(det, ds->name);
	detail_kv(det, "Path", "%s", ds->path);
	fmt_size(ds->size, buf, sizeof buf);
	detail_kv(det, "Size", "%s (%lld bytes)", buf, ds->size);
	fmt_count(ds->rows, buf, sizeof buf);
	detail_kv(det, "Rows", "%s", buf);
	detail_kv(det, "Columns", "%d", ds->columns);
	detail_kv(det, "SHA-256", "%s", ds->sha256);
	lineage(d, ds, buf, sizeof buf);
	detail_kv(det, "Parent", "%s", buf);
	detail_kv(det, "Recipe", "%s", *ds->recipe ? ds->recipe : "-");
	detail_kv(det, "User", "%s", ds->user);
	sg_format_time(ds->registered_at, when, sizeof when);
	detail_kv(det, "Registered", "%s", when);
	detail_kv(det, "Id", "%lld", ds->id);
	detail_section(det, "Derived datasets");
	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].parent_id != ds->id)
			continue;
		detail_text(det, SG_ROLE_NORMAL, "%s%s%s", d->items[i].name,
			    *d->items[i].recipe ? " via " : "", d->items[i].recipe);
		children++;
	}
	if (!children)
		detail_text(det, SG_ROLE_DIM, "none");
}

/* Enter on the list: opens the selected dataset's table. */
static void data_open_table(struct pane *p)
{
	struct data_priv *d = priv(p);
	const struct sg_dataset_info *ds = &d->items[d->v.t.sel];
	struct sg_error e = { 0 };
	char *path = ds->path[0] == '/' ? sg_xstrdup(ds->path)
					: sg_path_join(p->env->ws->root, ds->path);

	if (sheet_table_open(p, path, ds->path, ds->id, &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	free(path);
}

/* L on the list: the selected dataset's table, and its Label view on top
 * (at the first item of the work queue). */
static void data_open_label(struct pane *p)
{
	struct data_priv *d = priv(p);
	struct sg_error e = { 0 };

	if (!d->n)
		return;
	if (label_open_dataset(p, d->items[d->v.t.sel].name, &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
}

/* Actions on the dataset list itself. */
static enum pane_result list_action(struct pane *p, enum sg_action a)
{
	struct data_priv *d = priv(p);

	if (d->v.det.open)
		return list_view_action(&d->v, a, p, data_open);
	switch (a) {
	case SG_ACTION_INFO:
		return list_view_action(&d->v, SG_ACTION_OPEN, p, data_open);
	case SG_ACTION_OPEN:
		return list_view_action(&d->v, a, p, data_open_table);
	case SG_ACTION_LABEL:
		data_open_label(p);
		return PANE_REDRAW;
	case SG_ACTION_GOTO_ROW: case SG_ACTION_SEARCH: case SG_ACTION_SEARCH_NEXT:
	case SG_ACTION_SEARCH_PREV: case SG_ACTION_SORT_ASC: case SG_ACTION_SORT_DESC:
	case SG_ACTION_SORT_ADD_ASC: case SG_ACTION_SORT_ADD_DESC: case SG_ACTION_FILTER:
	case SG_ACTION_MARK: case SG_ACTION_UNMARK_ALL: case SG_ACTION_SHOW_MARKED:
	case SG_ACTION_DESCRIBE: case SG_ACTION_FREQ: case SG_ACTION_PREP:
		pane_message(p, SG_ROLE_MESSAGE, "Open a dataset first (Enter)");
		return PANE_HANDLED;
	default:
		return list_view_action(&d->v, a, p, data_open);
	}
}

static enum pane_result data_action(struct pane *p, enum sg_action a)
{
	struct data_priv *d = priv(p);
	enum pane_result r;

	if (!d->top)
		return list_action(p, a);
	r = d->top->ops->action(d->top, a);
	if (r == PANE_UNHANDLED && a == SG_ACTION_BACK) {
		data_pop(p);
		return PANE_REDRAW;
	}
	return r;
}

static enum pane_result data_action_arg(struct pane *p, enum sg_action a, const char *arg)
{
	struct data_priv *d = priv(p);

	if (!d->top && (a == SG_ACTION_GOTO_ROW || a == SG_ACTION_SEARCH ||
			a == SG_ACTION_FILTER || a == SG_ACTION_PREP)) {
		pane_message(p, SG_ROLE_MESSAGE, "Open a dataset first (Enter)");
		return PANE_HANDLED;
	}
	if (!d->top || !d->top->ops->action_arg)
		return PANE_UNHANDLED;
	return d->top->ops->action_arg(d->top, a, arg);
}

/* Every sheet's descriptors: work under the top sheet goes on. */
static int data_poll_fds(struct pane *p, int *fds, int max, int *timeout_ms)
{
	int n = 0;

	for (struct sheet *sh = priv(p)->top; sh && n < max; sh = sh->below)
		if (sh->ops->poll_fds)
			n += sh->ops->poll_fds(sh, fds + n, max - n, timeout_ms);
	return n;
}

static enum pane_result data_on_fd(struct pane *p, int fd)
{
	enum pane_result r = PANE_UNHANDLED;

	for (struct sheet *sh = priv(p)->top; sh; sh = sh->below) {
		enum pane_result k = sh->ops->on_fd ? sh->ops->on_fd(sh, fd) : PANE_UNHANDLED;
		if (k > r)
			r = k;
	}
	return r;
}

/* The top sheet's keymap context ("label" in the Label view). */
static const char *data_context(struct pane *p)
{
	struct sheet *sh = priv(p)->top;

	return sh && sh->ops->context ? sh->ops->context : "data";
}

/* Keys go to the top sheet first (a label scheme's keys). */
static enum pane_result data_key(struct pane *p, int key, enum sg_action bound)
{
	struct sheet *sh = priv(p)->top;

	return sh && sh->ops->key ? sh->ops->key(sh, key, bound) : PANE_UNHANDLED;
}

/* Work a sheet of the stack would lose on quit (a Label view's draft). */
static const char *data_unsaved(struct pane *p)
{
	for (struct sheet *sh = priv(p)->top; sh; sh = sh->below) {
		const char *u = sh->ops->unsaved ? sh->ops->unsaved(sh) : NULL;
		if (u)
			return u;
	}
	return NULL;
}

/* "3/12 datasets", or the open dataset's name. */
static void data_summary(struct pane *p, char *buf, size_t n)
{
	struct data_priv *d = priv(p);

	if (d->top)
		d->top->ops->summary(d->top, buf, n);
	else if (d->v.det.open && d->n)
		snprintf(buf, n, "%s", d->items[d->v.t.sel].name);
	else if (d->n) {
		char pos[48];
		table_position(&d->v.t, pos, sizeof pos);
		snprintf(buf, n, "%s dataset%s", pos, d->n == 1 ? "" : "s");
	} else {
		snprintf(buf, n, "no datasets");
	}
}

const struct pane_ops pane_data_ops = {
	.name = "data",
	.title = "Data",
	.private_size = sizeof(struct data_priv),
	.init = data_init,
	.done = data_done,
	.resize = data_resize,
	.draw = data_draw,
	.action = data_action,
	.reload = data_reload,
	.unsaved = data_unsaved,
	.summary = data_summary,
	.action_arg = data_action_arg,
	.poll_fds = data_poll_fds,
	.on_fd = data_on_fd,
	.context = data_context,
	.key = data_key,
};
