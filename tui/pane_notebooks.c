/* pane_notebooks.c — the Notebooks pane: *.ipynb files under the root. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/notebook.h"
#include "core/util.h"
#include "tui/pane.h"

struct nb_priv {
	struct list_view v;
	struct sg_notebook_list list;
};

enum { C_PATH, C_CELLS, C_KERNEL, C_MODIFIED, C_SIZE };

static const struct table_col nb_cols[] = {
	{ "PATH", 24, COL_FLEX },
	{ "CELLS", 5, COL_RIGHT },
	{ "KERNEL", 16, 0 },
	{ "MODIFIED", 11, 0 },
	{ "SIZE", 6, COL_RIGHT },
};

/* The pane's private data. */
static struct nb_priv *priv(struct pane *p)
{
	return p->priv;
}

/* Index of the notebook at path, or d->list.n. */
static size_t find_path(const struct nb_priv *d, const char *path)
{
	size_t i = 0;

	while (i < d->list.n && strcmp(d->list.items[i].path, path) != 0)
		i++;
	return i;
}

/* table_cell_fn: one field of a notebook; unreadable ones show the error. */
static const char *nb_cell(void *ud, size_t row, int col, char *buf, size_t n,
			   enum sg_role *role)
{
	struct nb_priv *d = ud;
	const struct sg_notebook_info *nb = &d->list.items[row];

	switch (col) {
	case C_PATH:
		if (*nb->error)
			*role = SG_ROLE_ERROR;
		return nb->path;
	case C_CELLS:
		if (*nb->error)
			return "-";
		*role = SG_ROLE_NUMBER;
		snprintf(buf, n, "%d", nb->cells);
		return buf;
	case C_KERNEL:
		if (*nb->error) {
			*role = SG_ROLE_ERROR;
			snprintf(buf, n, "error: %s", nb->error);
			return buf;
		}
		return *nb->kernel ? nb->kernel : "-";
	case C_MODIFIED: fmt_start(nb->mtime, buf, n); return buf;
	case C_SIZE: *role = SG_ROLE_NUMBER; fmt_size(nb->size, buf, n); return buf;
	}
	return "";
}

/* Scans for notebooks again, keeping the selected one selected. */
static int nb_reload(struct pane *p, struct sg_error *err)
{
	struct nb_priv *d = priv(p);
	struct sg_notebook_list fresh = { 0 };
	char keep[1024] = "";
	int rc;

	if (d->list.n)
		snprintf(keep, sizeof keep, "%s", d->list.items[d->v.t.sel].path);
	rc = sg_notebook_scan(p->env->ws->root, &fresh, err);
	sg_notebook_list_done(&d->list);
	d->list = fresh;
	return list_view_loaded(&d->v, rc, err, "cannot scan notebooks", d->list.n,
				*keep ? find_path(d, keep) : d->list.n);
}

static int nb_init(struct pane *p, struct sg_error *err)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };

	d->v.t.cols = nb_cols;
	d->v.t.ncols = (int)(sizeof nb_cols / sizeof nb_cols[0]);
	nb_reload(p, &e);
	return 0;
}

static void nb_done(struct pane *p)
{
	struct nb_priv *d = priv(p);

	sg_notebook_list_done(&d->list);
	list_view_done(&d->v);
}

static void nb_resize(struct pane *p, int w, int h)
{
	table_resize(&priv(p)->v.t, h);
}

static void nb_draw(struct pane *p, struct surface *s)
{
	struct nb_priv *d = priv(p);
	char empty[1200];

	snprintf(empty, sizeof empty,
		 "No notebooks (*.ipynb) under %s yet \u2014 create one with Jupyter, "
		 "then press r to refresh", p->env->ws->root);
	list_view_draw(&d->v, s, nb_cell, d, empty);
}

/* Fills the details view with the selected notebook's summary. */
static void nb_open(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct detail *det = &d->v.det;
	const struct sg_notebook_info *nb = &d->list.items[d->v.t.sel];
	char buf[64];

	detail_reset(det);
	detail_section(det, nb->path);
	fmt_size(nb->size, buf, sizeof buf);
	detail_kv(det, "Size", "%s (%lld bytes)", buf, nb->size);
	sg_format_time(nb->mtime, buf, sizeof buf);
	detail_kv(det, "Modified", "%s", buf);
	if (*nb->error) {
		detail_kv(det, "Status", "cannot be read as a notebook");
		det->lines[det->n - 1].role = SG_ROLE_ERROR;
		detail_kv(det, "Error", "%s", nb->error);
		det->lines[det->n - 1].role = SG_ROLE_ERROR;
		return;
	}
	detail_kv(det, "Cells", "%d (%d code, %d other)", nb->cells, nb->code_cells,
		  nb->cells - nb->code_cells);
	detail_kv(det, "Kernel", "%s", *nb->kernel ? nb->kernel : "none recorded");
}

static enum pane_result nb_action(struct pane *p, enum sg_action a)
{
	return list_view_action(&priv(p)->v, a, p, nb_open);
}

/* "3/12 notebooks, 1 unreadable", or the open notebook's path. */
static void nb_summary(struct pane *p, char *buf, size_t n)
{
	struct nb_priv *d = priv(p);
	size_t bad = 0;

	for (size_t i = 0; i < d->list.n; i++)
		bad += *d->list.items[i].error != '\0';
	if (d->v.det.open && d->list.n)
		snprintf(buf, n, "%s", d->list.items[d->v.t.sel].path);
	else if (!d->list.n)
		snprintf(buf, n, "no notebooks");
	else {
		char pos[48];
		table_position(&d->v.t, pos, sizeof pos);
		if (bad)
			snprintf(buf, n, "%s notebook%s, %zu unreadable", pos,
				 d->list.n == 1 ? "" : "s", bad);
		else
			snprintf(buf, n, "%s notebook%s", pos, d->list.n == 1 ? "" : "s");
	}
}

const struct pane_ops pane_notebooks_ops = {
	.name = "notebooks",
	.title = "Notebooks",
	.private_size = sizeof(struct nb_priv),
	.init = nb_init,
	.done = nb_done,
	.resize = nb_resize,
	.draw = nb_draw,
	.action = nb_action,
	.reload = nb_reload,
	.unsaved = NULL,
	.summary = nb_summary,
};
