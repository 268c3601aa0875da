/* pane_notebooks.c — the Notebooks pane: the workspace's notebooks, an
 * open notebook (cells, outputs, the cell editor, its kernel), its history
 * in git with cell diffs between versions, and restoring one.
 *
 * Modes: the list; an open notebook in command mode (keys act on cells) or
 * edit mode (keys go to the cell editor, Esc leaves); the history of the
 * open notebook; a diff.  The open notebook stays open while the list or
 * the history shows, like a tab.  Edits are copied every few seconds to a
 * per-user recovery file (core/nbrecovery.h), which is offered when the
 * notebook is opened after a session ended without saving. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/keymap.h"
#include "core/nbdiff.h"
#include "core/nbgit.h"
#include "core/nbrecovery.h"
#include "core/notebook.h"
#include "core/util.h"
#include "tui/nb.h"
#include "tui/pane.h"

#define NB_UNDO 32            /* cell operations that can be undone */
#define NB_HUNG_SECONDS 5.0   /* an interrupt not obeyed by then: offer a restart */
#define NB_TICK_MS 1000

enum nb_mode { M_LIST, M_NOTEBOOK, M_HISTORY, M_DIFF, M_OPEN };

#define NB_TABS_MAX 32        /* notebooks open at once */

/* An open notebook and what the pane keeps for it while another one
 * shows: its questions, the input() answer being typed, its undo. */
struct nb_tab {
	struct nb_doc *doc;
	int recover;                   /* the recovery question is shown */
	double rec_mtime;
	char input[1024];              /* the answer being typed to input() */
	struct sg_nb *undo[NB_UNDO];   /* notebooks before the last cell operations */
	size_t undo_sel[NB_UNDO];
	int nundo;
	int hung_asked;
};

struct nb_priv {
	struct list_view v;            /* the notebooks */
	struct sg_notebook_list list;
	enum nb_mode mode;
	/* the open notebooks, in the order they were opened; t is tabs[cur]
	 * and doc its notebook (NULL when none is open) */
	struct nb_tab *tabs[NB_TABS_MAX];
	size_t ntabs, cur;
	struct nb_tab *t;
	struct nb_doc *doc;
	struct list_view ov;           /* the open notebooks, to pick one */
	enum nb_mode ov_back;          /* the mode the pick list returns to */
	struct sg_nb *clip;            /* copied cells (shared by the notebooks) */
	unsigned long keys, delete_key; /* keys seen; the key of a first cell-delete */
	/* history */
	struct list_view hv;
	struct sg_nbgit_commit *commits;
	size_t ncommits;
	long base;                     /* commit that diffs compare with; -1: the open notebook */
	struct detail diff;
};

/* The pane's private data; without an open notebook only the list can
 * show (a restore whose reopening failed leaves none). */
static struct nb_priv *priv(struct pane *p)
{
	struct nb_priv *d = p->priv;

	if (!d->doc)
		d->mode = M_LIST;
	return d;
}

static struct sg_workspace *ws_of(struct pane *p)
{
	return p->env->ws;
}

/* ---- the list ------------------------------------------------------------- */

enum { C_PATH, C_CELLS, C_KERNEL, C_MODIFIED, C_SIZE };

static const struct table_col nb_cols[] = {
	{ "PATH", 24, COL_FLEX },
	{ "CELLS", 5, COL_RIGHT },
	{ "KERNEL", 16, 0 },
	{ "MODIFIED", 11, 0 },
	{ "SIZE", 6, COL_RIGHT },
};

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
		for (size_t i = 0; i < d->ntabs; i++) {
			const struct nb_doc *doc = d->tabs[i]->doc;
			if (strcmp(doc->path, nb->path) == 0) {
				snprintf(buf, n, "%s%s", nb->path, nb_doc_dirty(doc) ? " [+] (open)" :
					 " (open)");
				return buf;
			}
		}
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
	rc = sg_notebook_scan(ws_of(p)->root, &fresh, err);
	sg_notebook_list_done(&d->list);
	d->list = fresh;
	return list_view_loaded(&d->v, rc, err, "cannot scan notebooks", d->list.n,
				*keep ? find_path(d, keep) : d->list.n);
}

/* ---- undo of cell operations ---------------------------------------------- */

/* Keeps the notebook as it is before a cell operation. */
static void snapshot(struct nb_priv *d)
{
	if (d->t->nundo == NB_UNDO) {
		sg_nb_free(d->t->undo[0]);
		memmove(d->t->undo, d->t->undo + 1, (NB_UNDO - 1) * sizeof d->t->undo[0]);
		memmove(d->t->undo_sel, d->t->undo_sel + 1, (NB_UNDO - 1) * sizeof d->t->undo_sel[0]);
		d->t->nundo--;
	}
	d->t->undo[d->t->nundo] = sg_nb_clone(d->doc->nb);
	d->t->undo_sel[d->t->nundo++] = d->doc->sel;
}

static void undo_clear(struct nb_tab *t)
{
	while (t->nundo > 0)
		sg_nb_free(t->undo[--t->nundo]);
}

/* Rebuilds every cell view after the cells were replaced wholesale (undo,
 * merge, recovery); queued and running cells are marked again. */
static void cells_replaced(struct nb_doc *doc)
{
	size_t n = doc->nb->ncells;

	for (size_t i = 0; i < n; i++) {
		nb_cv_changed(doc, i);
		memset(&doc->cv[i], 0, sizeof doc->cv[i]);
	}
	/* the views array may have to grow: insert then delete none */
	while (doc->cvcap < n + 1) {
		doc->cv = sg_xrealloc(doc->cv, (doc->cvcap ? 2 * doc->cvcap : 16) * sizeof *doc->cv);
		memset(doc->cv + doc->cvcap, 0,
		       ((doc->cvcap ? 2 * doc->cvcap : 16) - doc->cvcap) * sizeof *doc->cv);
		doc->cvcap = doc->cvcap ? 2 * doc->cvcap : 16;
	}
	for (size_t i = 0; i < doc->nexecs; i++) {
		long c = sg_nb_find(doc->nb, doc->execs[i].cell_id);
		if (c >= 0)
			doc->cv[c].run = *doc->execs[i].msg_id && i == 0 ? NB_RUNNING : NB_QUEUED;
	}
	if (doc->sel >= n)
		doc->sel = n ? n - 1 : 0;
	doc->top = doc->sel;
	doc->skip = 0;
}

/* Puts the notebook back as it was before the last cell operation. */
static void undo_pop(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct nb_doc *doc = d->doc;

	if (!d->t->nundo) {
		pane_message(p, SG_ROLE_MESSAGE, "Nothing to undo");
		return;
	}
	d->t->nundo--;
	sg_nb_swap(doc->nb, d->t->undo[d->t->nundo]);
	sg_nb_free(d->t->undo[d->t->nundo]);
	doc->sel = d->t->undo_sel[d->t->nundo];
	cells_replaced(doc);
	nb_doc_touch(doc);
	nb_view_follow(doc);
}

/* ---- recovery copies ----------------------------------------------------- */

/* Writes tab t's recovery copy now when edits are waiting to be copied
 * and the pacing allows (force: whenever edits are waiting).  Every open
 * notebook has its own copy, shown or not. */
static void recovery_write(struct pane *p, struct nb_tab *t, int force)
{
	struct nb_doc *doc = t ? t->doc : NULL;
	struct sg_error e = { 0 };
	double now = sg_now(), due;
	size_t len;
	char *text;

	if (!doc || t->recover)
		return;
	due = sg_nbrec_pace_due(&doc->pace, doc->gen, now);
	if (due < 0 || !nb_doc_dirty(doc) || (due > 0 && !force))
		return;
	nb_doc_sync_editor(doc);
	text = sg_nb_dump(doc->nb, &len);
	if (sg_nbrecovery_write(ws_of(p), doc->path, text, len, &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "recovery copy of %s: %s", doc->path, e.msg);
	free(text);
	sg_nbrec_pace_done(&doc->pace, doc->gen, sg_now(), sg_now() - now);
}

/* r on the recovery question: the copy replaces the notebook as loaded
 * (unsaved, so a save merges it with the file). */
static void recovery_restore(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct nb_doc *doc = d->doc;
	struct sg_error e = { 0 };
	struct sg_nb *nb = NULL;
	size_t len;
	char *text = sg_nbrecovery_read(ws_of(p), doc->path, &len, &e);

	d->t->recover = 0;
	if (!text || sg_nb_parse(text, len, "recovery copy", &nb, &e) < 0) {
		pane_message(p, SG_ROLE_ERROR, "cannot restore: %s (the copy is kept)", e.msg);
		free(text);
		return;
	}
	free(text);
	sg_nb_swap(doc->nb, nb);
	sg_nb_free(nb);
	cells_replaced(doc);
	nb_doc_touch(doc);
	doc->pace.written_gen = doc->gen; /* the copy holds exactly this */
	pane_message(p, SG_ROLE_MESSAGE, "Restored the unsaved edits; Ctrl-S saves them");
}

/* d on the recovery question. */
static void recovery_discard(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };

	d->t->recover = 0;
	if (sg_nbrecovery_remove(ws_of(p), d->doc->path, &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	else
		pane_message(p, SG_ROLE_MESSAGE, "Discarded the recovery copy");
}

/* ---- opening, closing and switching ------------------------------------------ */

/* Index of the open notebook at path, or d->ntabs. */
static size_t tab_find(const struct nb_priv *d, const char *path)
{
	size_t i = 0;

	while (i < d->ntabs && strcmp(d->tabs[i]->doc->path, path) != 0)
		i++;
	return i;
}

/* Shows open notebook i. */
static void tab_select(struct nb_priv *d, size_t i)
{
	d->cur = i;
	d->t = d->tabs[i];
	d->doc = d->t->doc;
	d->mode = M_NOTEBOOK;
	d->delete_key = 0;
}

/* Closes open notebook i; its unsaved edits stay in its recovery copy and
 * its kernel keeps running under its keeper (reattached when the notebook
 * is opened again).  The next one (else the previous) shows; with none
 * left, the list. */
static void tab_close(struct pane *p, size_t i)
{
	struct nb_priv *d = p->priv;
	struct nb_tab *t = d->tabs[i];

	if (nb_doc_dirty(t->doc) && !t->recover) {
		t->doc->pace.last_write = 0;
		recovery_write(p, t, 1);
	}
	nb_doc_free(t->doc);
	undo_clear(t);
	free(t);
	memmove(d->tabs + i, d->tabs + i + 1, (d->ntabs - i - 1) * sizeof d->tabs[0]);
	d->ntabs--;
	if (!d->ntabs) {
		d->t = NULL;
		d->doc = NULL;
		d->cur = 0;
		d->mode = M_LIST;
		return;
	}
	if (d->cur > i || d->cur >= d->ntabs)
		d->cur = d->cur > 0 ? d->cur - 1 : 0;
	enum nb_mode m = d->mode;
	tab_select(d, i < d->ntabs && d->cur == i ? i : d->cur);
	if (m == M_LIST || m == M_OPEN)
		d->mode = m;
}

/* Offers the recovery copy of the shown notebook when there is one that
 * differs from the file. */
static void recovery_check(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct sg_workspace *ws = ws_of(p);

	if (!sg_nbrecovery_exists(ws, d->doc->path, &d->t->rec_mtime, NULL))
		return;
	if (sg_nbrecovery_same_as_file(ws, d->doc->path)) {
		sg_nbrecovery_remove(ws, d->doc->path, NULL);
		return;
	}
	d->t->recover = 1;
}

/* Opens the notebook at path (relative to the root) after the shown one
 * and shows it; one already open just shows.  The others stay open, their
 * kernels running. */
static void doc_open(struct pane *p, const char *path)
{
	struct nb_priv *d = p->priv;
	struct sg_error e = { 0 };
	struct nb_doc *doc;
	struct nb_tab *t;
	size_t at = tab_find(d, path);

	if (at < d->ntabs) {
		tab_select(d, at);
		return;
	}
	if (d->ntabs == NB_TABS_MAX) {
		pane_message(p, SG_ROLE_ERROR, "%d notebooks are open: close one first (x)",
			     NB_TABS_MAX);
		return;
	}
	doc = nb_doc_open(ws_of(p), path, &e);
	if (!doc) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	t = sg_xcalloc(1, sizeof *t);
	t->doc = doc;
	at = d->ntabs ? d->cur + 1 : 0;
	memmove(d->tabs + at + 1, d->tabs + at, (d->ntabs - at) * sizeof d->tabs[0]);
	d->tabs[at] = t;
	d->ntabs++;
	tab_select(d, at);
	recovery_check(p);
	nb_kernel_reattach(doc, ws_of(p));
	if (doc->nb->upgraded_from)
		pane_message(p, SG_ROLE_MESSAGE, "Upgraded from nbformat %d: saving writes 4.5",
			     doc->nb->upgraded_from);
}

/* Loads the shown notebook again from its file (after a restore): edits,
 * undo and questions go; its kernel is reattached. */
static int doc_reload(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };
	struct nb_doc *doc = nb_doc_open(ws_of(p), d->doc->path, &e);

	if (!doc) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		tab_close(p, d->cur);
		return -1;
	}
	nb_doc_free(d->doc);
	undo_clear(d->t);
	d->t->recover = 0;
	d->t->input[0] = '\0';
	d->t->doc = d->doc = doc;
	nb_kernel_reattach(doc, ws_of(p));
	return 0;
}

/* Enter on the list: opens the selected notebook (the open ones stay
 * open). */
static void list_open(struct pane *p)
{
	struct nb_priv *d = priv(p);
	const struct sg_notebook_info *nb;

	if (!d->list.n)
		return;
	nb = &d->list.items[d->v.t.sel];
	if (*nb->error) {
		pane_message(p, SG_ROLE_ERROR, "%s", nb->error);
		return;
	}
	doc_open(p, nb->path);
}

/* next-notebook / prev-notebook: shows the open notebook delta away. */
static void tab_step(struct pane *p, int delta)
{
	struct nb_priv *d = p->priv;

	if (!d->ntabs) {
		pane_message(p, SG_ROLE_MESSAGE, "No notebook is open (Enter opens one)");
		return;
	}
	if (d->ntabs == 1 && d->mode == M_NOTEBOOK)
		pane_message(p, SG_ROLE_MESSAGE, "Only %s is open", d->doc->path);
	tab_select(d, (d->cur + d->ntabs + (size_t)(delta < 0 ? -1 : 1)) % d->ntabs);
}

static void yes_close(struct pane *p)
{
	struct nb_priv *d = p->priv;

	if (d->ntabs) {
		char path[1024];
		snprintf(path, sizeof path, "%s", d->doc->path);
		tab_close(p, d->cur);
		pane_message(p, SG_ROLE_MESSAGE, "Closed %s; its edits are in its recovery copy", path);
	}
}

/* close-notebook: closes the shown notebook, asking when it has unsaved
 * edits. */
static void tab_close_ask(struct pane *p)
{
	struct nb_priv *d = p->priv;
	char q[1400], path[1024];

	if (!d->ntabs) {
		pane_message(p, SG_ROLE_MESSAGE, "No notebook is open");
		return;
	}
	if (nb_doc_dirty(d->doc)) {
		snprintf(q, sizeof q, "%s has unsaved edits: close it? They stay in its recovery "
			 "copy. (y/n)", d->doc->path);
		pane_confirm(p, q, yes_close);
		return;
	}
	int kernel = d->doc->k != NULL;
	snprintf(path, sizeof path, "%s", d->doc->path);
	tab_close(p, d->cur);
	pane_message(p, SG_ROLE_MESSAGE, "Closed %s%s", path,
		     kernel ? " (its kernel keeps running: opening it again reattaches)" : "");
}

/* :new NAME — creates a notebook with one empty code cell and opens it. */
static void new_notebook(struct pane *p, const char *arg)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };
	char path[1024], *abs;
	size_t len = strlen(arg);
	struct sg_nb *nb;

	if (!len || strstr(arg, "..") || arg[0] == '/') {
		pane_message(p, SG_ROLE_ERROR, "new: give a path inside the workspace (:new NAME.ipynb)");
		return;
	}
	snprintf(path, sizeof path, "%s%s", arg,
		 len > 6 && strcmp(arg + len - 6, ".ipynb") == 0 ? "" : ".ipynb");
	abs = sg_path_join(ws_of(p)->root, path);
	if (sg_is_file(abs)) {
		pane_message(p, SG_ROLE_ERROR, "%s exists already", path);
		free(abs);
		return;
	}
	nb = sg_nb_new();
	json_object_set_new(nb->metadata, "kernelspec",
			    json_pack("{s:s, s:s, s:s}", "display_name", "Python 3", "language",
				      "python", "name", "python3"));
	json_object_set_new(nb->metadata, "language_info", json_pack("{s:s}", "name", "python"));
	sg_nb_insert(nb, 0, SG_NB_CODE, "");
	if (sg_nb_save_file(abs, nb, &e) < 0) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	} else {
		nb_reload(p, &e);
		d->v.t.sel = find_path(d, path) < d->list.n ? find_path(d, path) : d->v.t.sel;
		doc_open(p, path);
	}
	sg_nb_free(nb);
	free(abs);
}

/* ---- saving ------------------------------------------------------------------ */

/* Saves the open notebook atomically and commits it (merging with the
 * file when it changed on disk since it was loaded). */
static void doc_save(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct nb_doc *doc = d->doc;
	struct sg_nbgit_opts opts = { .strip_outputs = ws_of(p)->config.nb_strip_outputs };
	struct sg_nbgit_result res = { 0 };
	struct sg_error e = { 0 };
	struct sg_nb *base = NULL;

	nb_doc_sync_editor(doc);
	if (doc->base)
		sg_nb_parse(doc->base, doc->base_len, doc->path, &base, NULL);
	if (sg_nbgit_save(ws_of(p)->root, doc->path, doc->nb, base, &opts, &res, &e) < 0) {
		pane_message(p, SG_ROLE_ERROR, "not saved: %s", e.msg);
		sg_nb_free(base);
		return;
	}
	sg_nb_free(base);
	free(doc->base);
	doc->base = sg_nb_dump(doc->nb, &doc->base_len);
	doc->saved_gen = doc->gen;
	doc->pace.written_gen = doc->gen;
	sg_nbrecovery_remove(ws_of(p), doc->path, NULL);
	if (res.merged) {
		cells_replaced(doc);
		if (doc->ed) { /* the cell may have changed under the editor */
			sg_editor_free(doc->ed);
			doc->ed = NULL;
		}
		undo_clear(d->t);
		if (res.conflicts)
			pane_message(p, SG_ROLE_ERROR, "Saved, merged with changes made meanwhile: %zu "
				     "conflicting cell%s kept twice (n goes to them)", res.conflicts,
				     res.conflicts == 1 ? "" : "s");
		else
			pane_message(p, SG_ROLE_MESSAGE, "Saved, merged with changes made meanwhile "
				     "(%zu cells), commit %.7s", doc->nb->ncells, res.commit);
		return;
	}
	if (*res.commit)
		pane_message(p, SG_ROLE_MESSAGE, "Saved %s, commit %.7s: %s", doc->path, res.commit,
			     res.message);
	else
		pane_message(p, SG_ROLE_MESSAGE, "Saved %s (unchanged since the last commit)", doc->path);
}

/* ---- history and diffs ------------------------------------------------------- */

enum { H_BASE, H_COMMIT, H_WHEN, H_AUTHOR, H_SUMMARY };

static const struct table_col hist_cols[] = {
	{ "", 1, 0 },
	{ "COMMIT", 7, 0 },
	{ "WHEN", 11, 0 },
	{ "AUTHOR", 10, 0 },
	{ "SUMMARY", 20, COL_FLEX },
};

/* table_cell_fn: one commit of the history. */
static const char *hist_cell(void *ud, size_t row, int col, char *buf, size_t n,
			     enum sg_role *role)
{
	struct nb_priv *d = ud;
	const struct sg_nbgit_commit *c = &d->commits[row];

	switch (col) {
	case H_BASE: *role = SG_ROLE_KEY; return (long)row == d->base ? "*" : "";
	case H_COMMIT: *role = SG_ROLE_NUMBER; snprintf(buf, n, "%.7s", c->id); return buf;
	case H_WHEN: fmt_start((double)c->time, buf, n); return buf;
	case H_AUTHOR: return c->author;
	case H_SUMMARY:
		if (!c->renamed)
			return c->summary;
		/* before a rename: the name it had then */
		snprintf(buf, n, "(as %s) %s", c->path, c->summary);
		return buf;
	}
	return "";
}

/* Loads the open notebook's commits and shows them. */
static void history_open(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };
	int rc;

	free(d->commits);
	d->commits = NULL;
	d->ncommits = 0;
	rc = sg_nbgit_log(ws_of(p)->root, d->doc->path, 0, &d->commits, &d->ncommits, &e);
	list_view_loaded(&d->hv, rc, &e, "cannot read the history", d->ncommits, 0);
	d->base = -1;
	d->mode = M_HISTORY;
}

/* Adds the line diff of two texts to the diff view ('+' green, '-' red,
 * a few unchanged lines around each change). */
static void diff_lines(struct detail *v, const char *a, const char *b)
{
	struct sg_linediff ld;

	sg_linediff(a, b, &ld);
	for (size_t i = 0; i < ld.n; i++) {
		const struct sg_linediff_line *l = &ld.l[i];
		int near = 0;
		for (size_t k = i > 2 ? i - 2 : 0; k < ld.n && k <= i + 2; k++)
			near |= ld.l[k].op != ' ';
		if (l->op == ' ' && !near)
			continue;
		detail_text(v, l->op == '+' ? SG_ROLE_OK : l->op == '-' ? SG_ROLE_ERROR : SG_ROLE_DIM,
			    "%c %.*s", l->op, (int)l->len, l->text);
	}
	sg_linediff_done(&ld);
}

/* The outputs of a cell as one text (for diffing them). */
static char *outputs_text(const struct sg_nb_cell *c)
{
	size_t i, len = 0;
	json_t *o;
	char *all = sg_xstrdup("");

	if (!json_is_array(c->outputs))
		return all;
	json_array_foreach(c->outputs, i, o) {
		char *t = sg_nb_output_text(o);
		size_t tl = strlen(t);
		all = sg_xrealloc(all, len + tl + 2);
		memcpy(all + len, t, tl);
		len += tl;
		if (tl && t[tl - 1] != '\n')
			all[len++] = '\n';
		all[len] = '\0';
		free(t);
	}
	return all;
}

/* One entry of a notebook diff in the view. */
static void diff_entry(struct detail *v, const struct sg_nbdiff_entry *en, const struct sg_nb *a,
		       const struct sg_nb *b)
{
	const struct sg_nb_cell *ca = en->a >= 0 ? &a->cells[en->a] : NULL;
	const struct sg_nb_cell *cb = en->b >= 0 ? &b->cells[en->b] : NULL;
	const struct sg_nb_cell *c = cb ? cb : ca;
	char what[128] = "";

	if (en->kind == SG_NBD_CHANGED)
		snprintf(what, sizeof what, "%s%s%s%s%s", en->changes & SG_NBD_SOURCE ? " source" : "",
			 en->changes & SG_NBD_TYPE ? " type" : "",
			 en->changes & SG_NBD_OUTPUTS ? " outputs" : "",
			 en->changes & SG_NBD_METADATA ? " metadata" : "", en->moved ? " (moved)" : "");
	char title[256];
	snprintf(title, sizeof title, "cell %ld %s [%s] %s%s", (cb ? en->b : en->a) + 1,
		 sg_nb_cell_type_name(c->type), c->id, sg_nbdiff_kind_name(en->kind), what);
	detail_section(v, title);
	if (en->kind == SG_NBD_ADDED || en->kind == SG_NBD_REMOVED) {
		diff_lines(v, en->kind == SG_NBD_ADDED ? "" : c->source,
			   en->kind == SG_NBD_ADDED ? c->source : "");
		return;
	}
	if (en->changes & (SG_NBD_SOURCE | SG_NBD_TYPE))
		diff_lines(v, ca->source, cb->source);
	if (en->changes & SG_NBD_OUTPUTS) {
		char *ta = outputs_text(ca), *tb = outputs_text(cb);
		detail_text(v, SG_ROLE_DIM, "outputs (count %ld -> %ld):", ca->execution_count,
			    cb->execution_count);
		diff_lines(v, ta, tb);
		free(ta);
		free(tb);
	}
}

/* Fills the diff view: version a (named an) against b (named bn). */
static void diff_show(struct pane *p, const struct sg_nb *a, const char *an, const struct sg_nb *b,
		      const char *bn)
{
	struct nb_priv *d = priv(p);
	struct sg_nbdiff nd;
	char title[300];

	sg_nbdiff(a, b, &nd);
	detail_reset(&d->diff);
	snprintf(title, sizeof title, "%s: %s -> %s", d->doc->path, an, bn);
	detail_section(&d->diff, title);
	detail_kv(&d->diff, "Cells", "%zu changed, %zu added, %zu removed, %zu moved, %zu unchanged",
		  nd.changed, nd.added, nd.removed, nd.moved, nd.unchanged);
	if (nd.metadata_changed)
		detail_kv(&d->diff, "Metadata", "the notebook's metadata changed");
	if (!nd.changed && !nd.added && !nd.removed && !nd.moved && !nd.metadata_changed)
		detail_text(&d->diff, SG_ROLE_DIM, "The two versions have the same cells.");
	for (size_t i = 0; i < nd.n; i++)
		if (nd.e[i].kind != SG_NBD_UNCHANGED)
			diff_entry(&d->diff, &nd.e[i], a, b);
	sg_nbdiff_done(&nd);
	d->mode = M_DIFF;
}

/* The diff of the selected version against the base (a marked version,
 * else the notebook as open). */
static void history_diff(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };
	struct sg_nb *sel = NULL, *base = NULL;
	char sn[64], bn[64];

	if (!d->ncommits)
		return;
	const struct sg_nbgit_commit *c = &d->commits[d->hv.t.sel];
	if (sg_nbgit_read_at(ws_of(p)->root, d->doc->path, c->id, &sel, NULL, &e) < 0) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	snprintf(sn, sizeof sn, "%.7s", c->id);
	if (d->base >= 0 && (size_t)d->base < d->ncommits) {
		if (sg_nbgit_read_at(ws_of(p)->root, d->doc->path, d->commits[d->base].id, &base, NULL,
				     &e) < 0) {
			pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
			sg_nb_free(sel);
			return;
		}
		snprintf(bn, sizeof bn, "%.7s", d->commits[d->base].id);
		/* older first */
		if ((size_t)d->base > d->hv.t.sel)
			diff_show(p, base, bn, sel, sn);
		else
			diff_show(p, sel, sn, base, bn);
		sg_nb_free(base);
	} else {
		nb_doc_sync_editor(d->doc);
		diff_show(p, sel, sn, d->doc->nb, nb_doc_dirty(d->doc) ? "open (unsaved)" : "open");
	}
	sg_nb_free(sel);
}

/* y on the restore question. */
static void yes_restore(struct pane *p)
{
	struct nb_priv *d = priv(p);
	struct sg_nbgit_opts opts = { .strip_outputs = ws_of(p)->config.nb_strip_outputs };
	struct sg_nbgit_result res = { 0 };
	struct sg_error e = { 0 };
	char rev[41], path[1024];

	snprintf(rev, sizeof rev, "%s", d->commits[d->hv.t.sel].id);
	if (sg_nbgit_restore(ws_of(p)->root, d->doc->path, rev, &opts, &res, &e) < 0) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	snprintf(path, sizeof path, "%s", d->doc->path);
	sg_nbrecovery_remove(ws_of(p), path, NULL);
	if (doc_reload(p) == 0)
		history_open(p);
	pane_message(p, SG_ROLE_MESSAGE, "Restored %.7s as commit %.7s", rev, res.commit);
}

static void history_restore(struct pane *p)
{
	struct nb_priv *d = priv(p);
	char q[300];

	if (!d->ncommits)
		return;
	if (nb_doc_dirty(d->doc)) {
		pane_message(p, SG_ROLE_ERROR, "Save or undo your edits first (restoring replaces "
			     "the notebook)");
		return;
	}
	snprintf(q, sizeof q, "Restore %s as it was at %.7s, as a new commit? (y/n)", d->doc->path,
		 d->commits[d->hv.t.sel].id);
	pane_confirm(p, q, yes_restore);
}

static enum pane_result history_action(struct pane *p, enum sg_action a)
{
	struct nb_priv *d = priv(p);

	switch (a) {
	case SG_ACTION_BACK: d->mode = M_NOTEBOOK; return PANE_REDRAW;
	case SG_ACTION_OPEN:
	case SG_ACTION_NB_DIFF: history_diff(p); return PANE_REDRAW;
	case SG_ACTION_NB_DIFF_BASE:
		d->base = d->base == (long)d->hv.t.sel ? -1 : (long)d->hv.t.sel;
		pane_message(p, SG_ROLE_MESSAGE, d->base < 0 ? "Diffs compare with the open notebook" :
			     "Diffs compare with the marked version");
		return PANE_REDRAW;
	case SG_ACTION_NB_RESTORE: history_restore(p); return PANE_REDRAW;
	case SG_ACTION_NB_HISTORY: history_open(p); return PANE_REDRAW;
	default: break;
	}
	return table_action(&d->hv.t, a);
}

/* ---- cells ------------------------------------------------------------------------ */

/* Opens the editor on the selected cell (emacs or vi keys, from the
 * config's editor-keys). */
static void edit_begin(struct nb_doc *doc, int vi)
{
	const struct sg_nb_cell *c;

	if (!doc->nb->ncells || doc->ed)
		return;
	c = &doc->nb->cells[doc->sel];
	doc->ed = sg_editor_new(c->source, strlen(c->source),
				c->type == SG_NB_CODE ? SG_LANG_PYTHON :
				c->type == SG_NB_MARKDOWN ? SG_LANG_MARKDOWN : SG_LANG_PLAIN,
				vi ? SG_EDITOR_VI : SG_EDITOR_EMACS);
	doc->ed_version = sg_textbuf_version(doc->ed->tb);
	nb_cv_changed(doc, doc->sel);
	nb_view_follow(doc);
}

/* Leaves edit mode, the text back in the cell. */
static void edit_end(struct nb_doc *doc)
{
	if (!doc->ed)
		return;
	nb_doc_sync_editor(doc);
	sg_editor_free(doc->ed);
	doc->ed = NULL;
	nb_cv_changed(doc, doc->sel);
}

/* Inserts a cell (a copy of from, or an empty code cell) at index at. */
static void cell_insert(struct nb_doc *doc, size_t at, const struct sg_nb_cell *from)
{
	if (at > doc->nb->ncells)
		at = doc->nb->ncells;
	if (from)
		sg_nb_insert_copy(doc->nb, at, from);
	else
		sg_nb_insert(doc->nb, at, SG_NB_CODE, "");
	nb_cv_inserted(doc, at);
	doc->sel = at;
	nb_doc_touch(doc);
	nb_view_follow(doc);
}

/* Copies the selected cell to the pane's clipboard. */
static void cell_copy(struct nb_priv *d)
{
	sg_nb_free(d->clip);
	d->clip = sg_nb_new();
	sg_nb_insert_copy(d->clip, 0, &d->doc->nb->cells[d->doc->sel]);
}

/* Deleting one side of a merge conflict resolves it: the other side,
 * next to it, loses its mark. */
static void conflict_resolved(struct nb_doc *doc, size_t at, const char *side)
{
	for (size_t k = at > 0 ? at - 1 : 0; k <= at && k < doc->nb->ncells; k++) {
		const char *other = sg_nb_cell_conflict(&doc->nb->cells[k]);
		if (other && strcmp(other, side) != 0) {
			sg_nb_cell_clear_conflict(&doc->nb->cells[k]);
			nb_cv_changed(doc, k);
			return;
		}
	}
}

static void cell_delete(struct nb_doc *doc)
{
	const char *side = sg_nb_cell_conflict(&doc->nb->cells[doc->sel]);
	char was[16] = "";

	if (side)
		snprintf(was, sizeof was, "%s", side);
	sg_nb_delete(doc->nb, doc->sel);
	nb_cv_deleted(doc, doc->sel);
	if (*was)
		conflict_resolved(doc, doc->sel, was);
	if (doc->sel >= doc->nb->ncells && doc->sel > 0)
		doc->sel--;
	nb_doc_touch(doc);
	nb_view_follow(doc);
}

/* Runs cells [from, to); a message says what happened. */
static void run_cells(struct pane *p, size_t from, size_t to)
{
	struct nb_doc *doc = priv(p)->doc;
	struct sg_error e = { 0 };
	int n;

	nb_doc_sync_editor(doc);
	n = nb_kernel_run(doc, ws_of(p), from, to, &e);
	if (n < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	else if (n == 0 && to - from > 1)
		pane_message(p, SG_ROLE_MESSAGE, "No code to run");
	else if (doc->kstart)
		pane_message(p, SG_ROLE_MESSAGE, "Starting the kernel%s",
			     n > 1 ? "; the cells are queued" : "");
}

/* Shift-Enter: runs the cell and selects the next (adding one at the end). */
static void run_advance(struct pane *p)
{
	struct nb_doc *doc = priv(p)->doc;

	edit_end(doc);
	run_cells(p, doc->sel, doc->sel + 1);
	if (doc->sel + 1 >= doc->nb->ncells)
		cell_insert(doc, doc->nb->ncells, NULL);
	else
		doc->sel++;
	nb_view_follow(doc);
}

static void yes_restart(struct pane *p)
{
	struct nb_doc *doc = priv(p)->doc;
	struct sg_error e = { 0 };

	if (!doc)
		return;
	priv(p)->t->hung_asked = 0;
	if (nb_kernel_restart(doc, ws_of(p), &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	else
		pane_message(p, SG_ROLE_MESSAGE, "Restarting the kernel");
}

static void yes_shutdown(struct pane *p)
{
	struct nb_doc *doc = priv(p)->doc;
	struct sg_error e = { 0 };

	if (doc && nb_kernel_shutdown(doc, &e) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	else
		pane_message(p, SG_ROLE_MESSAGE, "Kernel shut down");
}

/* Changes the selected cell's type. */
static void cell_type(struct nb_priv *d, enum sg_nb_cell_type t)
{
	struct nb_doc *doc = d->doc;
	struct sg_nb_cell *c = &doc->nb->cells[doc->sel];

	if (c->type == t || doc->cv[doc->sel].run != NB_IDLE)
		return;
	snapshot(d);
	sg_nb_cell_set_type(c, t);
	nb_cv_changed(doc, doc->sel);
	nb_doc_touch(doc);
}

/* Moves the selected cell by delta (-1, 1). */
static void cell_move(struct nb_priv *d, int delta)
{
	struct nb_doc *doc = d->doc;
	size_t to = doc->sel + (size_t)delta;

	if ((delta < 0 && doc->sel == 0) || to >= doc->nb->ncells)
		return;
	snapshot(d);
	sg_nb_move(doc->nb, doc->sel, to);
	nb_cv_moved(doc, doc->sel, to);
	doc->sel = to;
	nb_doc_touch(doc);
	nb_view_follow(doc);
}

/* Cell operations in command mode; UNHANDLED for other actions. */
static enum pane_result cell_action(struct pane *p, enum sg_action a)
{
	struct nb_priv *d = priv(p);
	struct nb_doc *doc = d->doc;
	size_t n = doc->nb->ncells;

	switch (a) {
	case SG_ACTION_NB_CELL_ABOVE: snapshot(d); cell_insert(doc, doc->sel, NULL); break;
	case SG_ACTION_NB_CELL_BELOW: snapshot(d); cell_insert(doc, n ? doc->sel + 1 : 0, NULL); break;
	case SG_ACTION_NB_CELL_PASTE:
	case SG_ACTION_NB_CELL_PASTE_UP:
		if (!d->clip || !d->clip->ncells) {
			pane_message(p, SG_ROLE_MESSAGE, "Nothing copied yet (y copies a cell)");
			break;
		}
		snapshot(d);
		cell_insert(doc, a == SG_ACTION_NB_CELL_PASTE && n ? doc->sel + 1 : doc->sel,
			    &d->clip->cells[0]);
		break;
	case SG_ACTION_NB_CELL_UNDO: undo_pop(p); break;
	default:
		if (!n)
			return PANE_UNHANDLED;
		switch (a) {
		case SG_ACTION_NB_CELL_COPY: cell_copy(d); pane_message(p, SG_ROLE_MESSAGE, "Copied the cell"); break;
		case SG_ACTION_NB_CELL_CUT:
		case SG_ACTION_NB_CELL_DELETE:
			if (doc->cv[doc->sel].run != NB_IDLE) {
				pane_message(p, SG_ROLE_ERROR, "The cell is running (interrupt it first)");
				break;
			}
			if (a == SG_ACTION_NB_CELL_DELETE && d->delete_key + 1 != d->keys) {
				d->delete_key = d->keys;
				pane_message(p, SG_ROLE_MESSAGE, "Press it again to delete the cell");
				break;
			}
			d->delete_key = 0;
			if (a == SG_ACTION_NB_CELL_CUT)
				cell_copy(d);
			snapshot(d);
			cell_delete(doc);
			break;
		case SG_ACTION_NB_CELL_CODE: cell_type(d, SG_NB_CODE); break;
		case SG_ACTION_NB_CELL_MARKDOWN: cell_type(d, SG_NB_MARKDOWN); break;
		case SG_ACTION_NB_CELL_RAW: cell_type(d, SG_NB_RAW); break;
		case SG_ACTION_NB_CELL_UP: cell_move(d, -1); break;
		case SG_ACTION_NB_CELL_DOWN: cell_move(d, 1); break;
		case SG_ACTION_NB_OUTPUT:
			if (!nb_cell_collapsible(doc, doc->sel))
				pane_message(p, SG_ROLE_MESSAGE, "The output is shown whole already");
			doc->cv[doc->sel].expanded = !doc->cv[doc->sel].expanded;
			doc->cv[doc->sel].hw = 0;
			break;
		case SG_ACTION_NB_OUTPUT_HIDE:
			doc->cv[doc->sel].hidden = !doc->cv[doc->sel].hidden;
			doc->cv[doc->sel].hw = 0;
			break;
		case SG_ACTION_NB_CLEAR:
			snapshot(d);
			sg_nb_cell_clear_outputs(&doc->nb->cells[doc->sel]);
			nb_cv_changed(doc, doc->sel);
			nb_doc_touch(doc);
			break;
		case SG_ACTION_NB_CONFLICT_NEXT: {
			size_t c = nb_next_conflict(doc, doc->sel);
			if (c == (size_t)-1) {
				pane_message(p, SG_ROLE_MESSAGE, "No merge conflicts");
				break;
			}
			doc->sel = c;
			nb_view_follow(doc);
			break;
		}
		default: return PANE_UNHANDLED;
		}
	}
	return PANE_REDRAW;
}

/* Running and the kernel; UNHANDLED for other actions. */
static enum pane_result run_action(struct pane *p, enum sg_action a)
{
	struct nb_doc *doc = priv(p)->doc;
	struct sg_error e = { 0 };
	size_t n = doc->nb->ncells;

	switch (a) {
	case SG_ACTION_NB_RUN:
		if (!n)
			break;
		edit_end(doc); /* as in a notebook: running goes back to command mode */
		if (doc->nb->cells[doc->sel].type == SG_NB_CODE)
			run_cells(p, doc->sel, doc->sel + 1);
		break;
	case SG_ACTION_NB_RUN_ADVANCE: if (n) run_advance(p); break;
	case SG_ACTION_NB_RUN_ALL: edit_end(doc); run_cells(p, 0, n); break;
	case SG_ACTION_NB_RUN_ABOVE:
		edit_end(doc);
		if (doc->sel == 0)
			pane_message(p, SG_ROLE_MESSAGE, "No cells above");
		else
			run_cells(p, 0, doc->sel);
		break;
	case SG_ACTION_NB_INTERRUPT:
		if (nb_kernel_interrupt(doc, &e) < 0)
			pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		else
			pane_message(p, SG_ROLE_MESSAGE, "Interrupting the kernel");
		priv(p)->t->hung_asked = 0;
		break;
	case SG_ACTION_NB_RESTART:
		pane_confirm(p, "Restart the kernel? Its variables are lost. (y/n)", yes_restart);
		break;
	case SG_ACTION_NB_SHUTDOWN:
		pane_confirm(p, "Shut the kernel down? Its variables are lost. (y/n)", yes_shutdown);
		break;
	case SG_ACTION_NB_SAVE: doc_save(p); break;
	default: return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

/* Actions on the open notebook. */
static enum pane_result notebook_action(struct pane *p, enum sg_action a)
{
	struct nb_priv *d = priv(p);
	struct nb_doc *doc = d->doc;
	enum pane_result r;
	size_t n = doc->nb->ncells;

	if (doc->ed) {
		/* edit mode: running, saving and the app's own keys */
		switch (a) {
		case SG_ACTION_BACK: edit_end(doc); return PANE_REDRAW;
		case SG_ACTION_NB_RUN: case SG_ACTION_NB_RUN_ADVANCE: case SG_ACTION_NB_SAVE:
		case SG_ACTION_NB_INTERRUPT: case SG_ACTION_NB_RUN_ALL:
			return run_action(p, a);
		case SG_ACTION_QUIT: case SG_ACTION_HELP: case SG_ACTION_COMMAND:
		case SG_ACTION_PANE_DATA: case SG_ACTION_PANE_NOTEBOOKS: case SG_ACTION_PANE_MONITOR:
		case SG_ACTION_PANE_EXPERIMENTS: case SG_ACTION_SPLIT: case SG_ACTION_SWAP_FOCUS:
		case SG_ACTION_REDRAW: case SG_ACTION_NEXT_PANE: case SG_ACTION_PREV_PANE:
			return PANE_UNHANDLED;
		default: return PANE_HANDLED;
		}
	}
	if ((r = run_action(p, a)) != PANE_UNHANDLED || (r = cell_action(p, a)) != PANE_UNHANDLED)
		return r;
	switch (a) {
	case SG_ACTION_OPEN: edit_begin(doc, ws_of(p)->config.editor_vi); break;
	case SG_ACTION_BACK:
		d->mode = M_LIST;
		nb_reload(p, NULL);
		break;
	case SG_ACTION_MOVE_UP: if (doc->sel > 0) doc->sel--; nb_view_follow(doc); break;
	case SG_ACTION_MOVE_DOWN: if (doc->sel + 1 < n) doc->sel++; nb_view_follow(doc); break;
	case SG_ACTION_FIRST: doc->sel = 0; nb_view_follow(doc); break;
	case SG_ACTION_LAST: doc->sel = n ? n - 1 : 0; nb_view_follow(doc); break;
	case SG_ACTION_PAGE_DOWN: nb_view_scroll(doc, doc->body_h > 2 ? doc->body_h - 1 : 1); break;
	case SG_ACTION_PAGE_UP: nb_view_scroll(doc, -(doc->body_h > 2 ? doc->body_h - 1 : 1)); break;
	case SG_ACTION_SCROLL_LEFT: case SG_ACTION_SCROLL_RIGHT: return PANE_HANDLED;
	case SG_ACTION_NB_HISTORY: history_open(p); break;
	case SG_ACTION_NB_NEW: p->env->prompt(p->env->ud, "new ", 4); return PANE_HANDLED;
	case SG_ACTION_NB_DIFF: case SG_ACTION_NB_DIFF_BASE: case SG_ACTION_NB_RESTORE:
		pane_message(p, SG_ROLE_MESSAGE, "In the history (H): pick a version first");
		break;
	default: return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

/* ---- keys before the keymap: dialogs and the editor ------------------------- */

/* The answer to input() being typed. */
static enum pane_result input_key(struct pane *p, int key)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };
	size_t len = strlen(d->t->input);

	if (key == SG_KEY_ENTER) {
		if (nb_kernel_input(d->doc, d->t->input, &e) < 0)
			pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		d->t->input[0] = '\0';
	} else if (key == SG_KEY_ESC) {
		nb_kernel_interrupt(d->doc, NULL);
		d->doc->input_pending = 0;
		d->t->input[0] = '\0';
	} else if (key == SG_KEY_BACKSPACE || key == 8) {
		while (len > 0 && ((unsigned char)d->t->input[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			d->t->input[len - 1] = '\0';
	} else if (key == 21) { /* C-u */
		d->t->input[0] = '\0';
	} else if (key >= 0x20 && key < SG_KEY_BASE && key != 0x7f) {
		char enc[4];
		size_t k = utf8_encode((uint32_t)key, enc);
		if (len + k < sizeof d->t->input) {
			memcpy(d->t->input + len, enc, k);
			d->t->input[len + k] = '\0';
		}
	} else {
		return PANE_HANDLED;
	}
	return PANE_REDRAW;
}

/* A key in edit mode: the editor's, Esc leaves, control and special keys
 * the editor does not use go to the keymap (Ctrl-S, run keys). */
static enum pane_result editor_key(struct pane *p, int key)
{
	struct nb_doc *doc = priv(p)->doc;

	/* Esc leaves edit mode, as in a notebook; in emacs style the editor
	 * would take it as a Meta prefix (Alt keys still work as Alt). */
	if (key == SG_KEY_ESC && doc->ed->keys == SG_EDITOR_EMACS) {
		edit_end(doc);
		return PANE_REDRAW;
	}
	if (sg_editor_key(doc->ed, key)) {
		if (sg_textbuf_version(doc->ed->tb) != doc->ed_version) {
			nb_doc_touch(doc);
			nb_doc_sync_editor(doc);
		}
		return PANE_REDRAW;
	}
	if (key == SG_KEY_ESC) {
		edit_end(doc);
		return PANE_REDRAW;
	}
	if (key < 0x20 || key >= SG_KEY_BASE)
		return PANE_UNHANDLED;
	return PANE_HANDLED;
}

static enum pane_result nb_key(struct pane *p, int key, enum sg_action bound)
{
	(void)bound;
	struct nb_priv *d = priv(p);

	d->keys++;
	if (d->mode != M_NOTEBOOK || !d->doc)
		return PANE_UNHANDLED;
	if (d->t->recover) {
		if (key == 'r' || key == 'R')
			recovery_restore(p);
		else if (key == 'd' || key == 'D')
			recovery_discard(p);
		else if (key == SG_KEY_ESC) {
			d->t->recover = 0;
			pane_message(p, SG_ROLE_MESSAGE, "The copy is kept until you edit or save");
		} else
			return PANE_HANDLED;
		return PANE_REDRAW;
	}
	if (d->doc->input_pending)
		return input_key(p, key);
	if (d->doc->ed)
		return editor_key(p, key);
	return PANE_UNHANDLED;
}

/* ---- the pane ------------------------------------------------------------------- */

/* ---- the open notebooks ------------------------------------------------------- */

enum { O_MARK, O_PATH, O_KERNEL, O_CELLS };

static const struct table_col open_cols[] = {
	{ "", 1, 0 },
	{ "OPEN NOTEBOOK", 24, COL_FLEX },
	{ "KERNEL", 12, 0 },
	{ "CELLS", 5, COL_RIGHT },
};

/* 1 while the notebook's kernel works for it (cells queued or running, a
 * start or restart). */
static int tab_busy(const struct nb_doc *doc)
{
	return nb_kernel_busy(doc) || doc->kstart || strcmp(doc->kstate, "busy") == 0;
}

/* table_cell_fn: one open notebook. */
static const char *open_cell(void *ud, size_t row, int col, char *buf, size_t n,
			     enum sg_role *role)
{
	struct nb_priv *d = ud;
	const struct nb_doc *doc = d->tabs[row]->doc;

	switch (col) {
	case O_MARK: *role = SG_ROLE_KEY; return row == d->cur ? "*" : "";
	case O_PATH:
		snprintf(buf, n, "%s%s", doc->path, nb_doc_dirty(doc) ? " [+]" : "");
		if (nb_doc_dirty(doc))
			*role = SG_ROLE_MESSAGE;
		return buf;
	case O_KERNEL:
		if (tab_busy(doc))
			*role = SG_ROLE_RUNNING;
		else if (strcmp(doc->kstate, "dead") == 0)
			*role = SG_ROLE_ERROR;
		return doc->kstate;
	case O_CELLS: *role = SG_ROLE_NUMBER; snprintf(buf, n, "%zu", doc->nb->ncells); return buf;
	}
	return "";
}

/* open-notebooks: the list of open notebooks, the shown one selected. */
static void open_list_show(struct pane *p)
{
	struct nb_priv *d = p->priv;

	if (!d->ntabs) {
		pane_message(p, SG_ROLE_MESSAGE, "No notebook is open (Enter opens one)");
		return;
	}
	if (d->mode != M_OPEN)
		d->ov_back = d->mode == M_LIST ? M_LIST : M_NOTEBOOK;
	list_view_loaded(&d->ov, 0, NULL, "", d->ntabs, d->cur);
	d->mode = M_OPEN;
}

static enum pane_result open_list_action(struct pane *p, enum sg_action a)
{
	struct nb_priv *d = p->priv;

	switch (a) {
	case SG_ACTION_BACK:
		d->mode = d->ov_back;
		return PANE_REDRAW;
	case SG_ACTION_OPEN:
		if (d->ov.t.sel < d->ntabs)
			tab_select(d, d->ov.t.sel);
		return PANE_REDRAW;
	case SG_ACTION_NB_TAB_CLOSE:
		if (d->ov.t.sel < d->ntabs) {
			tab_select(d, d->ov.t.sel);
			d->mode = M_OPEN;
			tab_close_ask(p);
			if (d->ntabs)
				list_view_loaded(&d->ov, 0, NULL, "", d->ntabs, d->ov.t.sel);
		}
		return PANE_REDRAW;
	default: break;
	}
	return table_action(&d->ov.t, a);
}

/* The label of open notebook t: its file name, [+] when modified, a mark
 * while its kernel works.  Returns the width of the mark part. */
static int tab_marks(const struct nb_doc *doc, int unicode, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", nb_doc_dirty(doc) ? " [+]" : "",
		 tab_busy(doc) ? (unicode ? " \u25cf" : " *") : "");
	return text_width(buf, unicode);
}

/* The name a notebook has in the line of open ones: its file name
 * without ".ipynb", in buf. */
static const char *tab_name(const struct nb_doc *doc, char *buf, size_t n)
{
	const char *slash = strrchr(doc->path, '/'), *name = slash ? slash + 1 : doc->path;
	size_t len = strlen(name);

	if (len > 6 && strcmp(name + len - 6, ".ipynb") == 0)
		len -= 6;
	snprintf(buf, n, "%.*s", (int)len, name);
	return buf;
}

/* Bytes of text making at most cols columns, whole characters. */
static size_t fit_bytes(const char *text, int cols, int unicode)
{
	size_t i = 0, len = strlen(text);
	char one[8];

	while (i < len) {
		long cp;
		size_t k = utf8_decode(text + i, len - i, &cp);
		snprintf(one, sizeof one, "%.*s", (int)k, text + i);
		if ((cols -= text_width(one, unicode)) < 0)
			break;
		i += k;
	}
	return i;
}

/* name shortened to cap columns by cutting its middle (names of one
 * project often differ only at the end: run_01, run_02), into out. */
static void elide_middle(const char *name, int cap, int unicode, char *out, size_t n)
{
	const char *dots = unicode ? "\u2026" : "~";
	int w = text_width(name, unicode);

	if (w <= cap) {
		snprintf(out, n, "%s", name);
		return;
	}
	int head = (cap - 1) / 3, tail = cap - 1 - head;
	size_t hb = fit_bytes(name, head, unicode);
	/* the tail: skip characters until what is left fits */
	const char *t = name + hb;
	while (*t && text_width(t, unicode) > tail) {
		long cp;
		t += utf8_decode(t, strlen(t), &cp);
	}
	snprintf(out, n, "%.*s%s%s", (int)hb, name, dots, t);
}

/* The line of open notebooks (row 0 of s): the shown one highlighted.
 * Names are shortened (ellipsis) until all fit; when even short names do
 * not, the ones around the shown notebook show, with counts of the
 * others at the edges. */
static void draw_tabs(struct nb_priv *d, struct surface *s)
{
	int uni = s->be->unicode, cap = 28, w[NB_TABS_MAX], total;
	char marks[32], name[1024], shown[1100];
	size_t first = 0, last = d->ntabs; /* shown: [first, last) */

	for (int windowed = 0;;) {
		total = 0;
		for (size_t i = 0; i < d->ntabs; i++) {
			int nw = text_width(tab_name(d->tabs[i]->doc, name, sizeof name), uni);
			w[i] = (nw < cap ? nw : cap) + tab_marks(d->tabs[i]->doc, uni, marks,
								 sizeof marks) + 2;
			total += w[i] + 1;
		}
		if (total <= s->w || windowed)
			break;
		/* down to 8 columns all may fit; else only some show, with
		 * names long enough to tell apart */
		cap -= 2;
		if (cap < 8) {
			cap = 14;
			windowed = 1;
		}
	}
	if (total > s->w) {
		/* widen a window around the shown notebook, 4 columns kept at
		 * each end for "<N " and " N>" */
		int room = s->w - 8, used = w[d->cur] + 1;
		first = d->cur;
		last = d->cur + 1;
		for (int grew = 1; grew;) {
			grew = 0;
			if (last < d->ntabs && used + w[last] + 1 <= room) {
				used += w[last++] + 1;
				grew = 1;
			}
			if (first > 0 && used + w[first - 1] + 1 <= room) {
				used += w[--first] + 1;
				grew = 1;
			}
		}
	}
	surface_fill(s, 0, 0, 1, s->w, ' ', SG_ROLE_BORDER);
	int x = 0;
	if (first > 0) {
		char more[16];
		snprintf(more, sizeof more, "<%zu", first);
		x += surface_textw(s, 0, x, s->w - x, SG_ROLE_DIM, 0, more);
	}
	for (size_t i = first; i < last && x < s->w; i++) {
		const struct nb_doc *doc = d->tabs[i]->doc;
		enum sg_role r = i == d->cur ? SG_ROLE_SELECTED : SG_ROLE_NORMAL;
		int mw = tab_marks(doc, uni, marks, sizeof marks);
		int nw = w[i] - mw - 2;
		elide_middle(tab_name(doc, name, sizeof name), nw, uni, shown, sizeof shown);
		x += surface_textw(s, 0, x, s->w - x, r, 0, " ");
		x += surface_textw(s, 0, x, s->w - x, r, TEXT_ELLIPSIS, shown);
		x += surface_textw(s, 0, x, s->w - x, nb_doc_dirty(doc) && i != d->cur ?
				   SG_ROLE_MESSAGE : r, 0, nb_doc_dirty(doc) ? " [+]" : "");
		if (tab_busy(doc))
			x += surface_textw(s, 0, x, s->w - x, i == d->cur ? r : SG_ROLE_RUNNING, 0,
					   uni ? " \u25cf" : " *");
		x += surface_textw(s, 0, x, s->w - x, r, 0, " ");
		if (x < s->w)
			x += surface_textw(s, 0, x, s->w - x, SG_ROLE_BORDER, 0, uni ? "\u2502" : "|");
	}
	if (last < d->ntabs) {
		char more[16];
		snprintf(more, sizeof more, " %zu>", d->ntabs - last);
		int mw = (int)strlen(more);
		surface_textw(s, 0, s->w - mw > x ? x : s->w - mw, mw, SG_ROLE_DIM, 0, more);
	}
}

/* ---- the pane ------------------------------------------------------------------- */

static int nb_init(struct pane *p, struct sg_error *err)
{
	struct nb_priv *d = priv(p);
	struct sg_error e = { 0 };

	(void)err;
	d->v.t.cols = nb_cols;
	d->v.t.ncols = (int)(sizeof nb_cols / sizeof nb_cols[0]);
	d->hv.t.cols = hist_cols;
	d->hv.t.ncols = (int)(sizeof hist_cols / sizeof hist_cols[0]);
	d->ov.t.cols = open_cols;
	d->ov.t.ncols = (int)(sizeof open_cols / sizeof open_cols[0]);
	d->base = -1;
	nb_reload(p, &e);
	return 0;
}

static void nb_done(struct pane *p)
{
	struct nb_priv *d = p->priv;

	while (d->ntabs)
		tab_close(p, d->ntabs - 1);
	sg_nb_free(d->clip);
	free(d->commits);
	detail_done(&d->diff);
	sg_notebook_list_done(&d->list);
	list_view_done(&d->v);
	list_view_done(&d->hv);
	list_view_done(&d->ov);
}

static void nb_resize(struct pane *p, int w, int h)
{
	struct nb_priv *d = priv(p);

	p->w = w;
	p->h = h;
	table_resize(&d->v.t, h);
	table_resize(&d->hv.t, h);
	table_resize(&d->ov.t, h);
}

/* The recovery question, in the last rows of s. */
static void draw_recover(struct nb_priv *d, struct surface *s)
{
	char when[32], line[1400];
	int y = s->h - 3 > 1 ? s->h - 3 : 1;

	sg_format_time(d->t->rec_mtime, when, sizeof when);
	surface_fill(s, y, 0, s->h - y, s->w, ' ', SG_ROLE_NORMAL);
	surface_hline(s, y, 0, s->w, SG_ROLE_BORDER);
	snprintf(line, sizeof line, "Unsaved edits of %s from %s were recovered (the last session "
		 "ended without saving).", d->doc->path, when);
	surface_textw(s, y + 1, 1, s->w - 2, SG_ROLE_ERROR, TEXT_ELLIPSIS, line);
	surface_textw(s, y + 2, 1, s->w - 2, SG_ROLE_PROMPT, TEXT_ELLIPSIS,
		      "r restore them   d discard them   Esc decide later");
}

/* The input() prompt line, in the last row of s, with the cursor. */
static void draw_input(struct nb_priv *d, struct surface *s, int focused)
{
	char shown[1100];
	int y = s->h - 1, x;

	if (d->doc->input_password) {
		size_t n = 0;
		for (const char *c = d->t->input; *c && n + 1 < sizeof shown; c++)
			if (((unsigned char)*c & 0xc0) != 0x80)
				shown[n++] = '*';
		shown[n] = '\0';
	} else {
		snprintf(shown, sizeof shown, "%s", d->t->input);
	}
	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_NORMAL);
	x = surface_textw(s, y, 0, s->w / 2, SG_ROLE_PROMPT, TEXT_ELLIPSIS,
			  *d->doc->input_prompt ? d->doc->input_prompt : "input: ");
	x += surface_textw(s, y, x, s->w - x - 1, SG_ROLE_NORMAL, 0, shown);
	if (focused)
		surface_cursor(s, y, x < s->w ? x : s->w - 1);
}

static void nb_draw(struct pane *p, struct surface *s)
{
	struct nb_priv *d = priv(p);
	char empty[1200];

	switch (d->mode) {
	case M_NOTEBOOK:
		if (d->doc) {
			int input = d->doc->input_pending, tabs = d->ntabs > 1 && s->h > 4;
			struct surface view = surface_sub(s, tabs, 0, s->h - input - tabs, s->w);
			if (tabs)
				draw_tabs(d, s);
			nb_view_draw(d->doc, &view, p->focused && !input && !d->t->recover);
			if (input)
				draw_input(d, s, p->focused);
			if (d->t->recover)
				draw_recover(d, s);
			return;
		}
		break;
	case M_HISTORY:
		list_view_draw(&d->hv, s, hist_cell, d,
			       "No commits of this notebook yet: Ctrl-S saves and commits it");
		return;
	case M_DIFF:
		detail_draw(&d->diff, s);
		return;
	case M_OPEN:
		list_view_draw(&d->ov, s, open_cell, d, "No notebook is open");
		return;
	case M_LIST:
		break;
	}
	snprintf(empty, sizeof empty,
		 "No notebooks (*.ipynb) under %s yet \u2014 N creates one (:new NAME.ipynb)",
		 ws_of(p)->root);
	list_view_draw(&d->v, s, nb_cell, d, empty);
}

/* The actions on the open notebooks, in every mode but edit mode (where
 * their keys are text); UNHANDLED for others. */
static enum pane_result tabs_action(struct pane *p, enum sg_action a)
{
	struct nb_priv *d = priv(p);

	if (d->mode == M_NOTEBOOK && d->doc && d->doc->ed)
		return PANE_UNHANDLED;
	switch (a) {
	case SG_ACTION_NB_TAB_NEXT: tab_step(p, 1); return PANE_REDRAW;
	case SG_ACTION_NB_TAB_PREV: tab_step(p, -1); return PANE_REDRAW;
	case SG_ACTION_NB_TABS: open_list_show(p); return PANE_REDRAW;
	case SG_ACTION_NB_TAB_CLOSE:
		if (d->mode == M_OPEN)
			return open_list_action(p, a);
		tab_close_ask(p);
		return PANE_REDRAW;
	default: return PANE_UNHANDLED;
	}
}

static enum pane_result nb_action(struct pane *p, enum sg_action a)
{
	struct nb_priv *d = priv(p);
	enum pane_result r;

	if ((r = tabs_action(p, a)) != PANE_UNHANDLED)
		return r;
	switch (d->mode) {
	case M_NOTEBOOK:
		if (d->doc)
			return notebook_action(p, a);
		d->mode = M_LIST;
		break;
	case M_HISTORY: return history_action(p, a);
	case M_DIFF:
		if (a == SG_ACTION_BACK) {
			d->mode = M_HISTORY;
			return PANE_REDRAW;
		}
		return detail_action(&d->diff, a);
	case M_OPEN: return open_list_action(p, a);
	case M_LIST: break;
	}
	if (a == SG_ACTION_NB_NEW) {
		p->env->prompt(p->env->ud, "new ", 4);
		return PANE_HANDLED;
	}
	if (a == SG_ACTION_OPEN) {
		d->v.det.open = 0;
		list_open(p);
		return PANE_REDRAW;
	}
	if (a == SG_ACTION_NB_SAVE || a == SG_ACTION_NB_HISTORY) {
		if (!d->doc) {
			pane_message(p, SG_ROLE_MESSAGE, "No notebook is open (Enter opens one)");
			return PANE_REDRAW;
		}
		if (a == SG_ACTION_NB_SAVE)
			doc_save(p);
		else
			history_open(p);
		return PANE_REDRAW;
	}
	return list_view_action(&d->v, a, p, NULL);
}

/* :new NAME; :w also arrives here with no argument through nb_action. */
static enum pane_result nb_action_arg(struct pane *p, enum sg_action a, const char *arg)
{
	if (a != SG_ACTION_NB_NEW)
		return PANE_UNHANDLED;
	new_notebook(p, arg);
	return PANE_REDRAW;
}

/* Every open notebook's kernel descriptors (kernels of notebooks not shown
 * keep streaming into their cells); timers while cells run, an interrupt
 * waits to be obeyed, or a recovery copy is due. */
static int nb_poll_fds(struct pane *p, int *fds, int max, int *timeout_ms)
{
	struct nb_priv *d = p->priv;
	int n = 0, want = -1;

	for (size_t i = 0; i < d->ntabs; i++) {
		struct nb_doc *doc = d->tabs[i]->doc;
		if (n < max)
			n += nb_kernel_fds(doc, fds + n, max - n);
		if (nb_kernel_busy(doc) || doc->interrupted_at > 0 || doc->kstart)
			want = NB_TICK_MS;
		if (doc->backlog)
			want = 10;
		double due = sg_nbrec_pace_due(&doc->pace, doc->gen, sg_now());
		if (due >= 0 && nb_doc_dirty(doc) && (want < 0 || due * 1000 < want))
			want = (int)(due * 1000) + 1;
	}
	if (want >= 0 && (*timeout_ms < 0 || *timeout_ms > want))
		*timeout_ms = want;
	return n;
}

/* Drains every open notebook's kernel; messages about a notebook not
 * shown name it. */
static enum pane_result nb_on_fd(struct pane *p, int fd)
{
	struct nb_priv *d = p->priv;
	char msg[700];
	int changed = 0;

	(void)fd;
	for (size_t i = 0; i < d->ntabs; i++) {
		struct nb_tab *t = d->tabs[i];
		int asked = t->doc->input_pending;
		int c = nb_kernel_events(t->doc, ws_of(p), msg, sizeof msg);
		if (t != d->t && !asked && t->doc->input_pending && !*msg)
			snprintf(msg, sizeof msg, "a cell waits for input() (L shows the notebook)");
		if (*msg) {
			enum sg_role r = strstr(msg, "died") || strstr(msg, "kernel ") == msg ?
					 SG_ROLE_ERROR : SG_ROLE_MESSAGE;
			if (t == d->t)
				pane_message(p, r, "%s", msg);
			else
				pane_message(p, r, "%s: %s", t->doc->path, msg);
		}
		/* a background notebook changes the line of open notebooks only */
		changed |= c && (t == d->t || d->ntabs > 1);
		recovery_write(p, t, 0);
	}
	if (d->t && d->doc->interrupted_at > 0 && sg_now() - d->doc->interrupted_at > NB_HUNG_SECONDS &&
	    !d->t->hung_asked) {
		d->t->hung_asked = 1;
		pane_confirm(p, "The kernel has not stopped since the interrupt (hung?). "
			     "Restart it? (y/n)", yes_restart);
		changed = 1;
	}
	return changed ? PANE_REDRAW : PANE_HANDLED;
}

/* All the open notebooks with unsaved edits, for the quit question. */
static const char *nb_unsaved(struct pane *p)
{
	static char what[1100];
	struct nb_priv *d = p->priv;
	size_t dirty = 0, len;

	for (size_t i = 0; i < d->ntabs; i++)
		dirty += nb_doc_dirty(d->tabs[i]->doc) != 0;
	if (!dirty)
		return NULL;
	/* the names while they fit the question's line, then a count */
	len = (size_t)snprintf(what, sizeof what, "unsaved edits to ");
	size_t k = 0;
	for (size_t i = 0; i < d->ntabs; i++) {
		const char *path = d->tabs[i]->doc->path;
		if (!nb_doc_dirty(d->tabs[i]->doc))
			continue;
		if (k && len + strlen(path) > 200)
			break;
		len += (size_t)snprintf(what + len, sizeof what - len, "%s%.200s", k++ ? ", " : "",
					path);
	}
	if (k < dirty)
		len += (size_t)snprintf(what + len, sizeof what - len, " and %zu more", dirty - k);
	snprintf(what + len, sizeof what - len, " (recovery cop%s kept)",
		 dirty == 1 ? "y is" : "ies are");
	return what;
}

/* The mode's line for the box title. */
static void nb_summary(struct pane *p, char *buf, size_t n)
{
	struct nb_priv *d = priv(p);
	size_t bad = 0;

	switch (d->mode) {
	case M_NOTEBOOK:
		if (d->doc) {
			if (d->ntabs > 1)
				snprintf(buf, n, "%s%s (%zu/%zu open)", d->doc->path,
					 nb_doc_dirty(d->doc) ? " [+]" : "", d->cur + 1, d->ntabs);
			else
				snprintf(buf, n, "%s%s", d->doc->path, nb_doc_dirty(d->doc) ? " [+]" : "");
			return;
		}
		break;
	case M_HISTORY:
		snprintf(buf, n, "history of %s (%zu commit%s)", d->doc->path, d->ncommits,
			 d->ncommits == 1 ? "" : "s");
		return;
	case M_DIFF:
		snprintf(buf, n, "diff of %s", d->doc->path);
		return;
	case M_OPEN:
		snprintf(buf, n, "%zu open notebook%s: Enter shows one, x closes it", d->ntabs,
			 d->ntabs == 1 ? "" : "s");
		return;
	case M_LIST:
		break;
	}
	for (size_t i = 0; i < d->list.n; i++)
		bad += *d->list.items[i].error != '\0';
	if (!d->list.n) {
		snprintf(buf, n, "no notebooks");
	} else {
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
	.unsaved = nb_unsaved,
	.summary = nb_summary,
	.action_arg = nb_action_arg,
	.poll_fds = nb_poll_fds,
	.on_fd = nb_on_fd,
	.key = nb_key,
};
