/* pane_notebooks.c — the Notebooks pane: *.ipynb files under the root. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/notebook.h"
#include "core/util.h"
#include "tui/pane.h"

struct nb_priv {
	struct table t;
	struct detail det;
	struct sg_notebook_list list;
	char error[512];
};

enum { C_PATH, C_CELLS, C_KERNEL, C_MODIFIED, C_SIZE };

static const struct table_col nb_cols[] = {
	{ "PATH", 24, COL_FLEX },
	{ "CELLS", 5, COL_RIGHT },
	{ "KERNEL", 16, 0 },
	{ "MODIFIED", 11, 0 },
	{ "SIZE", 6, COL_RIGHT },
};

static struct nb_priv *priv(struct pane *p)
{
	return p->priv;
}

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

static int nb_reload(struct pane *p, struct sg_error *err)
{
	struct nb_priv *d = priv(p);
	struct sg_notebook_list fresh = { 0 };
	char keep[1024] = "";
	int rc;

	if (d->list.n)
		snprintf(keep, sizeof keep, "%s", d->list.items[d->t.sel].path);
	d->error[0] = '\0';
	rc = sg_notebook_scan(p->env->ws->root, &fresh, err);
	if (rc < 0)
		snprintf(d->error, sizeof d->error, "%s", err ? err->msg : "cannot scan notebooks");
	sg_notebook_list_done(&d->list);
	d->list = fresh;
	for (size_t i = 0; *keep && i < d->list.n; i++)
		if (strcmp(d->list.items[i].path, keep) == 0)
			d->t.sel = i;
	table_set_rows(&d->t, d->list.n);
	return rc;
}

static int nb_init(struct pane *p, struct sg_error *err)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };

	d->t.cols = nb_cols;
	d->t.ncols = (int)(sizeof nb_cols / sizeof nb_cols[0]);
	nb_reload(p, &e);
	return 0;
}

static void nb_done(struct pane *p)
{
	struct nb_priv *d = priv(p);

	sg_notebook_list_done(&d->list);
	detail_done(&d->det);
}

static void nb_resize(struct pane *p, int w, int h)
{
	table_resize(&priv(p)->t, h);
}

static void nb_draw(struct pane *p, struct surface *s)
{
	struct nb_priv *d = priv(p);
	char empty[1200];

	if (d->det.open) {
		detail_draw(&d->det, s);
		return;
	}
	if (*d->error) {
		surface_wrap(s, 1, 1, s->h - 1, s->w - 2, SG_ROLE_ERROR, d->error, 0);
		return;
	}
	snprintf(empty, sizeof empty,
		 "No notebooks (*.ipynb) under %s yet \u2014 create one with Jupyter, "
		 "then press r to refresh", p->env->ws->root);
	table_draw(&d->t, s, nb_cell, d, empty);
}

/* Fills the details view with the selected notebook's summary. */
static void nb_open(struct nb_priv *d)
{
	const struct sg_notebook_info *nb = &d->list.items[d->t.sel];
	char buf[64];

	detail_reset(&d->det);
	detail_section(&d->det, nb->path);
	fmt_size(nb->size, buf, sizeof buf);
	detail_kv(&d->det, "Size", "%s (%lld bytes)", buf, nb->size);
	sg_format_time(nb->mtime, buf, sizeof buf);
	detail_kv(&d->det, "Modified", "%s", buf);
	if (*nb->error) {
		detail_kv(&d->det, "Status", "cannot be read as a notebook");
		d->det.lines[d->det.n - 1].role = SG_ROLE_ERROR;
		detail_kv(&d->det, "Error", "%s", nb->error);
		d->det.lines[d->det.n - 1].role = SG_ROLE_ERROR;
		return;
	}
	detail_kv(&d->det, "Cells", "%d (%d code, %d other)", nb->cells, nb->code_cells,
		  nb->cells - nb->code_cells);
	detail_kv(&d->det, "Kernel", "%s", *nb->kernel ? nb->kernel : "none recorded");
}

static enum pane_result nb_action(struct pane *p, enum sg_action a)
{
	struct nb_priv *d = priv(p);

	if (d->det.open)
		return detail_action(&d->det, a);
	if (a == SG_ACTION_OPEN) {
		if (!d->list.n)
			return PANE_HANDLED;
		nb_open(d);
		return PANE_REDRAW;
	}
	return table_action(&d->t, a);
}

static void nb_summary(struct pane *p, char *buf, size_t n)
{
	struct nb_priv *d = priv(p);
	size_t bad = 0;

	for (size_t i = 0; i < d->list.n; i++)
		bad += *d->list.items[i].error != '\0';
	if (d->det.open && d->list.n)
		snprintf(buf, n, "%s", d->list.items[d->t.sel].path);
	else if (!d->list.n)
		snprintf(buf, n, "no notebooks");
	else {
		char pos[48];
		table_position(&d->t, pos, sizeof pos);
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
