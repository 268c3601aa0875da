/* nb.h — the Notebooks pane's parts: an open notebook and how it is drawn.
 *
 * pane_notebooks.c owns the modes (the list of notebooks, an open notebook,
 * its history and diffs), the keys and the dialogs; nb_view.c lays out and
 * draws an open notebook (cells with their execution counts, sources with
 * syntax colors or markdown rendered, outputs cleaned of terminal escapes,
 * long ones collapsed) and scrolls it; nb_kernel.c connects the notebook
 * to its kernel (reattaching to one that outlived the last session),
 * queues cells and turns the kernel's events into outputs as they arrive.
 *
 * Layout is lazy: a cell's height is computed only when it is drawn or
 * scrolled past, and cached until the cell or the width changes, so a
 * notebook of thousands of cells opens as fast as one of ten. */
#ifndef SG_TUI_NB_H
#define SG_TUI_NB_H

#include <stddef.h>
#include "core/ansi.h"
#include "core/nbformat.h"
#include "core/nbrecovery.h"
#include "core/workspace.h"
#include "tui/editor.h"
#include "tui/surface.h"

struct sg_kernel;
struct task;

#define NB_GUTTER 8              /* columns left of a cell's text */
#define NB_OUT_COLLAPSE 24       /* outputs longer than this (lines) are collapsed */
#define NB_OUT_HEAD 4            /* lines of a collapsed output shown first */
#define NB_OUT_TAIL 12           /* and last */
#define NB_OUT_MAX_LINES 4000    /* an expanded output shows at most this */
#define NB_OUT_MAX_BYTES (256 * 1024) /* text of one output cleaned for display,
				       * at each end */

enum nb_run { NB_IDLE, NB_QUEUED, NB_RUNNING };

/* One output made displayable. */
struct nb_out {
	struct sg_ansi_text t;   /* cleaned text */
	enum sg_role role;       /* default role of its text */
	const char *label;       /* gutter label on its first line ("Out", "err") */
	long long bytes;         /* size of the whole text (may exceed what t holds) */
};

/* A line of output text before wrapping: bytes [off, off+len) of out[o]. */
struct nb_outline {
	size_t o, off, len;
};

/* What the pane keeps for each cell, parallel to nb->cells. */
struct nb_cv {
	enum nb_run run;
	int expanded;            /* a long output shown whole (up to the cap) */
	int hidden;              /* outputs hidden */
	int clear_pending;       /* clear_output(wait): clear at the next output */
	/* outputs, rebuilt when out_valid is 0 */
	int out_valid;
	struct nb_out *out;
	size_t nout;
	struct nb_outline *lines;
	size_t nlines, lines_cap;
	/* cached height (rows, its separator included), valid for width hw */
	int hw, hrows;
};

/* One request sent to the kernel and the cell it runs. */
struct nb_exec {
	char msg_id[64];
	char cell_id[SG_NB_ID_MAX + 1];
};

/* Where a display_data with a display_id went, for update_display_data. */
struct nb_display {
	char id[64];
	char cell_id[SG_NB_ID_MAX + 1];
	size_t index;            /* in the cell's outputs */
};
#define NB_DISPLAYS 64

/* An open notebook. */
struct nb_doc {
	char path[1024];         /* relative to the workspace root */
	char *abspath;           /* owned */
	struct sg_nb *nb;
	struct nb_cv *cv;        /* nb->ncells of them */
	size_t cvcap;
	size_t sel;              /* selected cell */
	size_t top;              /* first cell shown */
	int skip;                /* rows of it scrolled off the top */
	int body_h;              /* rows for cells at the last layout */
	int width;               /* content width at the last layout */
	int unicode;             /* the backend shows non-ASCII text */
	int md_unicode;          /* and draws lines with it (not --ascii) */
	struct sg_editor *ed;    /* the selected cell's editor in edit mode, or NULL */
	unsigned long ed_version;
	unsigned long gen, saved_gen; /* edits made / when last saved or loaded */
	struct sg_nbrec_pace pace;
	char *base;              /* the file as loaded or last saved (for merges), or NULL */
	size_t base_len;
	/* kernel */
	struct sg_kernel *k;
	struct task *kstart;     /* a kernel being started or attached */
	void *kstart_arg;
	char kernel_id[32];
	char kstate[24];         /* "none", "starting", "idle", "busy", "dead"... */
	int reattached;
	struct nb_exec *execs;   /* requests not replied to yet, in order */
	size_t nexecs, execs_cap;
	int backlog;             /* events left undrained (a flood): drain again soon */
	double interrupted_at;   /* when an interrupt was sent and not yet obeyed */
	struct nb_display displays[NB_DISPLAYS]; /* the newest ones, a ring */
	size_t ndisplays;
	int input_pending, input_password;
	char input_prompt[256];
};

/* ---- nb_view.c ---------------------------------------------------------- */

/* Opens the notebook at path (relative to ws->root); NULL with err. */
struct nb_doc *nb_doc_open(struct sg_workspace *ws, const char *path, struct sg_error *err);
/* An open document on nb (taken), for a recovery copy or a new notebook. */
struct nb_doc *nb_doc_new(struct sg_workspace *ws, const char *path, struct sg_nb *nb);
void nb_doc_free(struct nb_doc *d);
/* The cell views follow the cells: after an insert at i (n cells in),
 * a delete at i, a move from -> to.  They reset the moved views. */
void nb_cv_inserted(struct nb_doc *d, size_t at);
void nb_cv_deleted(struct nb_doc *d, size_t at);
void nb_cv_moved(struct nb_doc *d, size_t from, size_t to);
/* Cell i changed (source, type, outputs): its layout is recomputed. */
void nb_cv_changed(struct nb_doc *d, size_t i);
/* Marks an edit (the notebook is unsaved). */
void nb_doc_touch(struct nb_doc *d);
int nb_doc_dirty(const struct nb_doc *d);
/* The text of the cell being edited goes back into the cell. */
void nb_doc_sync_editor(struct nb_doc *d);
/* Rows cell i takes at width w (separator included). */
int nb_cell_rows(struct nb_doc *d, size_t i, int w);
/* Draws the notebook (header, cells) into s. */
void nb_view_draw(struct nb_doc *d, struct surface *s, int focused);
/* Scrolls so the selected cell shows (its top at least). */
void nb_view_follow(struct nb_doc *d);
/* Scrolls by delta rows (a page: the body height); the selection moves
 * into view when it left it. */
void nb_view_scroll(struct nb_doc *d, int delta);
/* 1 when the cell's outputs are long enough to be collapsed. */
int nb_cell_collapsible(struct nb_doc *d, size_t i);
/* Index of the next cell after `from` (wrapping) marked as a merge
 * conflict, or (size_t)-1. */
size_t nb_next_conflict(const struct nb_doc *d, size_t from);
/* 1 when cell i is marked as a merge conflict; *side gets its label. */
int nb_cell_conflict(const struct sg_nb_cell *c, char *side, size_t n);

/* ---- nb_kernel.c -------------------------------------------------------- */

/* Reattaches to the notebook's kernel when one is running (quick, no
 * start); nothing when there is none. */
void nb_kernel_reattach(struct nb_doc *d, struct sg_workspace *ws);
/* Starts the notebook's kernel in the background (or reattaches). */
int nb_kernel_start(struct nb_doc *d, struct sg_workspace *ws, struct sg_error *err);
/* Queues cells [from, to) that are code for running; starts the kernel
 * first when there is none.  Returns how many were queued. */
int nb_kernel_run(struct nb_doc *d, struct sg_workspace *ws, size_t from, size_t to,
		  struct sg_error *err);
int nb_kernel_interrupt(struct nb_doc *d, struct sg_error *err);
/* Restarts the kernel (its variables are lost); a dead one is replaced by
 * a new one, and with none one is started. */
int nb_kernel_restart(struct nb_doc *d, struct sg_workspace *ws, struct sg_error *err);
int nb_kernel_shutdown(struct nb_doc *d, struct sg_error *err);
/* Answers the pending input() request. */
int nb_kernel_input(struct nb_doc *d, const char *value, struct sg_error *err);
/* Descriptors to poll (the kernel's, or the start task's). */
int nb_kernel_fds(struct nb_doc *d, int *fds, int max);
/* Drains the kernel's events into the cells; returns 1 when something
 * visible changed.  msg (n bytes) gets a message for the status line. */
int nb_kernel_events(struct nb_doc *d, struct sg_workspace *ws, char *msg, size_t n);
/* Disconnects (the kernel keeps running under its keeper). */
void nb_kernel_close(struct nb_doc *d);
/* 1 while cells are queued or running, or the kernel restarts. */
int nb_kernel_busy(const struct nb_doc *d);

#endif
