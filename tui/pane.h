/* pane.h — the pane framework and the widgets panes share.
 *
 * A pane is a struct pane_ops table plus private data the framework
 * allocates (zeroed, private_size bytes).  The app owns the panes; a pane
 * sees the workspace through its struct pane_env and draws only through the
 * surface it is given, sized to its box.  Actions come from the keymap in
 * the pane's context (ops->name), so "data" bindings win over "global"
 * ones; a pane returns PANE_UNHANDLED for what it does not do and the app
 * handles it (quit, switch panes, help...).
 *
 * Widgets: a table (virtual scrolling: only visible rows are formatted,
 * through a cell callback), a details view (scrollable, word-wrapped
 * key/value lines), and the list view every pane is built on: a table, the
 * details of its selected row, and the text of a failed load. */
#ifndef SG_TUI_PANE_H
#define SG_TUI_PANE_H

#include <stddef.h>
#include "core/action.h"
#include "core/error.h"
#include "core/run.h"
#include "core/workspace.h"
#include "tui/surface.h"

enum pane_result {
	PANE_UNHANDLED = 0, /* not this pane's action: the app may handle it */
	PANE_HANDLED,       /* done, nothing visible changed */
	PANE_REDRAW,        /* done, draw again */
};

struct pane;

/* What a pane may use of the app around it. */
struct pane_env {
	struct sg_workspace *ws;
	/* Shows a transient line in the status bar (role MESSAGE or ERROR). */
	void (*message)(void *ud, enum sg_role role, const char *text);
	/* Opens the : line holding text with the cursor at byte offset cursor
	 * (a prompt: "goto ", "filter age > 3"); Enter runs it as a command,
	 * which comes back to the pane through action_arg. */
	void (*prompt)(void *ud, const char *text, size_t cursor);
	/* Asks a yes/no question in the status bar ("Delete 3 runs and their
	 * folders? (y/n)"); y calls yes(p), any other key cancels.  May be
	 * NULL (tests without an app): then nothing is asked or done. */
	void (*confirm)(void *ud, const char *question, struct pane *p,
			void (*yes)(struct pane *p));
	void *ud;
};

struct pane_ops {
	const char *name;      /* "data": also the keymap context */
	const char *title;     /* "Data": the tab and box label */
	size_t private_size;   /* allocated and zeroed by the framework */
	/* Sets up private data and loads the first content; -1 with err
	 * fails the app's start. */
	int (*init)(struct pane *p, struct sg_error *err);
	void (*done)(struct pane *p);
	/* The content area is now w×h (also called before the first draw). */
	void (*resize)(struct pane *p, int w, int h);
	/* Draws the content into s (already cleared, sized w×h). */
	void (*draw)(struct pane *p, struct surface *s);
	enum pane_result (*action)(struct pane *p, enum sg_action a);
	/* Re-queries the store (and files); a failure is shown in the pane,
	 * and returned so the caller can report it. */
	int (*reload)(struct pane *p, struct sg_error *err);
	/* A description of work that would be lost on quit ("edits to
	 * a.ipynb"), or NULL.  May be NULL when a pane never has any. */
	const char *(*unsaved)(struct pane *p);
	/* A short line for the box title ("3 datasets", "12/340"); may be
	 * NULL. */
	void (*summary)(struct pane *p, char *buf, size_t n);
	/* An action with an argument, from the : line ("goto 120"); may be
	 * NULL.  UNHANDLED means the action takes no argument here. */
	enum pane_result (*action_arg)(struct pane *p, enum sg_action a, const char *arg);
	/* Background work: writes up to max descriptors the app's loop should
	 * poll for reading into fds and returns how many; may lower
	 * *timeout_ms (-1: none) when the pane wants on_fd(-1) that soon
	 * (a progress bar moving).  A pane must drain a descriptor in on_fd,
	 * or the loop would spin.  May be NULL. */
	int (*poll_fds)(struct pane *p, int *fds, int max, int *timeout_ms);
	/* fd (one of poll_fds') is readable, or -1: the pane's timer went off. */
	enum pane_result (*on_fd)(struct pane *p, int fd);
	/* The keymap context for the pane's current view ("label" while the
	 * Data pane shows the Label view); NULL or missing: ops->name. */
	const char *(*context)(struct pane *p);
	/* A key before its binding runs; bound is the action the keymap gives
	 * it in the context (NONE when unbound).  A view whose keys are data
	 * (a label scheme's keys) or that takes text (a cell editor, an answer
	 * to a program's input()) takes them here: HANDLED or REDRAW; UNHANDLED
	 * lets the binding run.  May be NULL. */
	enum pane_result (*key)(struct pane *p, int key, enum sg_action bound);
};

struct pane {
	const struct pane_ops *ops;
	const struct pane_env *env;
	void *priv;
	int w, h;              /* content size from the last resize */
	int focused;           /* has the keyboard (set by the app before drawing) */
};

/* The four panes, in tab order. */
extern const struct pane_ops pane_data_ops;
extern const struct pane_ops pane_notebooks_ops;
extern const struct pane_ops pane_monitor_ops;
extern const struct pane_ops pane_experiments_ops;

/* ---- framework ---------------------------------------------------------- */

/* Allocates private data and calls ops->init; on failure p is cleaned. */
int pane_init(struct pane *p, const struct pane_ops *ops, const struct pane_env *env,
	      struct sg_error *err);
/* Calls ops->done and frees private data; harmless on a zeroed pane. */
void pane_done(struct pane *p);
void pane_resize(struct pane *p, int w, int h);
void pane_draw(struct pane *p, struct surface *s);
enum pane_result pane_action(struct pane *p, enum sg_action a);
int pane_reload(struct pane *p, struct sg_error *err);
const char *pane_unsaved(struct pane *p);
enum pane_result pane_action_arg(struct pane *p, enum sg_action a, const char *arg);
/* ops->poll_fds, or 0 for a pane without background work. */
int pane_poll_fds(struct pane *p, int *fds, int max, int *timeout_ms);
enum pane_result pane_on_fd(struct pane *p, int fd);
/* The keymap context: ops->context's answer, else ops->name. */
const char *pane_context(struct pane *p);
/* ops->key, or UNHANDLED. */
enum pane_result pane_key(struct pane *p, int key, enum sg_action bound);
/* The box title line: "Data" plus the pane's summary. */
void pane_title(struct pane *p, char *buf, size_t n);
/* Asks question through the env; yes(p) runs on y (no-op without one). */
void pane_confirm(struct pane *p, const char *question, void (*yes)(struct pane *p));
/* Posts a status message through the env (no-op without one). */
void pane_message(struct pane *p, enum sg_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- table widget --------------------------------------------------------- */

enum { COL_FLEX = 1 << 0, COL_RIGHT = 1 << 1 };

struct table_col {
	const char *title;
	int width;             /* columns (the minimum for a COL_FLEX column) */
	unsigned flags;
};

/* Formats cell (row, col) into buf (n bytes) and returns the text (buf or
 * a constant); may set *role for the cell (it starts as NORMAL). */
typedef const char *(*table_cell_fn)(void *ud, size_t row, int col, char *buf, size_t n,
				     enum sg_role *role);

struct table {
	const struct table_col *cols;
	int ncols;
	size_t n;              /* rows */
	size_t sel, top;       /* selected row, first visible row */
	int first_col;         /* horizontal scroll: first column shown */
	int page;              /* data rows visible (height - header) */
	/* 1 + the current column, for tables with a column cursor (0: none).
	 * With one, scroll-left/right move it (the view follows) and it is
	 * drawn in the CURSOR role in the header and the selected row. */
	int cursor;
};

/* Sets the rows and keeps sel/top in range. */
void table_set_rows(struct table *t, size_t n);
void table_resize(struct table *t, int h);
/* Header row, then the visible rows; empty (may be NULL) is wrapped in the
 * body when there are no rows. */
void table_draw(struct table *t, struct surface *s, table_cell_fn cell, void *ud,
		const char *empty);
/* Moves the selection and scrolls (move-*, page-*, first, last,
 * scroll-left/right, or the column cursor); UNHANDLED for any other
 * action. */
enum pane_result table_action(struct table *t, enum sg_action a);
/* "3/120" (or "0") into buf. */
void table_position(const struct table *t, char *buf, size_t n);

/* ---- details widget ---------------------------------------------------- */

struct detail_line {
	char *key;             /* NULL for a plain or section line */
	char *text;
	enum sg_role role;
};

struct detail {
	struct detail_line *lines;
	size_t n, cap;
	int open;              /* shown instead of the pane's table */
	int top;               /* first display row (after wrapping) */
	int rows, h;           /* display rows and view height at last draw */
	int keyw;              /* width of the key column */
};

/* Empties the view and opens it at the top. */
void detail_reset(struct detail *d);
void detail_done(struct detail *d);
void detail_section(struct detail *d, const char *title);
void detail_kv(struct detail *d, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void detail_text(struct detail *d, enum sg_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void detail_draw(struct detail *d, struct surface *s);
/* Scrolls; BACK closes (REDRAW); OPEN and horizontal scrolling do
 * nothing (HANDLED); UNHANDLED for the rest. */
enum pane_result detail_action(struct detail *d, enum sg_action a);

/* ---- list view ------------------------------------------------------------ */

/* A pane's body: the table; the details of a row, shown instead of it
 * while open; the error of the last load, shown instead of the table. */
struct list_view {
	struct table t;
	struct detail det;
	char error[512];       /* "" when the last load worked */
};

void list_view_done(struct list_view *v);
/* Ends a reload whose result was rc: keeps err's text (else fallback) as
 * the error when rc < 0, clears it otherwise; selects row sel when it is
 * below n (the row kept across the reload); sets the n rows.  Returns rc. */
int list_view_loaded(struct list_view *v, int rc, const struct sg_error *err,
		     const char *fallback, size_t n, size_t sel);
/* Draws the details, else the error, else the table (see table_draw). */
void list_view_draw(struct list_view *v, struct surface *s, table_cell_fn cell, void *ud,
		    const char *empty);
/* Gives a to the details while they are open; OPEN on a row calls open(p)
 * to fill v->det for the selected row; the rest goes to the table. */
enum pane_result list_view_action(struct list_view *v, enum sg_action a, struct pane *p,
				  void (*open)(struct pane *p));

/* ---- helpers shared by panes ---------------------------------------------- */

/* "1.2K", "340M": a byte count in 5 columns or less. */
void fmt_size(long long bytes, char *buf, size_t n);
/* A count with thin grouping: "1,204,332". */
void fmt_count(long long v, char *buf, size_t n);
/* A metric value: "%.4g", with "nan"/"inf" spelled out. */
void fmt_metric(double v, char *buf, size_t n);
/* A time in 11 columns: "05-01 13:45" this year, "2023-05-01" before;
 * "-" for none. */
void fmt_start(double t, char *buf, size_t n);
/* Role for a run status (RUNNING, OK, FAILED, DIM). */
enum sg_role run_status_role(enum sg_run_status st);
/* A run's duration so far ("3m05s"), from start to end or now. */
void fmt_run_duration(double start, double end, int running, char *buf, size_t n);

/* ---- runs, shared by Monitor and Experiments (pane_experiments.c) -------- */

/* The run fields the Monitor and Experiments tables show, kept small so
 * 10,000 rows stay cheap. */
struct run_row {
	char id[SG_RUN_ID_LEN + 1];
	char name[96];
	char experiment[64];
	char user[32];
	char kind[24];
	enum sg_run_status status;
	double start, end;
};
struct run_rows {
	struct run_row *v;
	size_t n, cap;
};
/* Appends a compact copy of r. */
void run_rows_add(struct run_rows *rows, const struct sg_run_info *r);
/* Appends every row of more. */
void run_rows_append(struct run_rows *rows, const struct run_rows *more);
void run_rows_free(struct run_rows *rows);
/* Index of run id in rows, or rows->n. */
size_t run_rows_find(const struct run_rows *rows, const char *id);
/* Fills d with everything about run id (params, metric summaries, tags,
 * artifacts); -1 with err (also shown in d) when the run cannot be read. */
int run_details(struct detail *d, struct sg_store *s, const char *id, struct sg_error *err);
/* Opens v's details on run id; a failure also goes to the status bar. */
void run_open(struct pane *p, struct list_view *v, const char *id);

#endif
