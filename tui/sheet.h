/* sheet.h — the Data pane's sheets (internal to pane_data.c and sheet_*.c).
 *
 * The Data pane is a stack of sheets, VisiData style: the list of
 * registered datasets at the bottom; Enter opens a dataset's table on top
 * of it; from the table, a filter pushes a filtered table, `d` a describe
 * sheet, `F` a frequency sheet, Enter a cell viewer; Esc pops back.  A
 * sheet is an ops table like a pane; the pane passes everything to the
 * top sheet, except that background descriptors are collected from every
 * sheet of the stack (an index still being built under a describe sheet
 * must still be drained).
 *
 * Sheets over one CSV share a struct dsfile (reference counted): the open
 * sg_csv, its marks and its cached statistics.  Background work (the
 * index, stats jobs, tasks) of a sheet is cancelled and joined when the
 * sheet is freed, before it lets go of the file. */
#ifndef SG_TUI_SHEET_H
#define SG_TUI_SHEET_H

#include <stddef.h>
#include <stdint.h>
#include "core/colstats.h"
#include "core/csvfile.h"
#include "core/view.h"
#include "tui/pane.h"

/* ---- an open CSV shared by sheets ------------------------------------- */

struct dsfile {
	struct sg_csv *csv;
	int refs;
	char name[128];           /* dataset name, or the file's base name */
	char *path;               /* as opened */
	long long dataset_id;     /* 0: not registered */
	uint8_t *marks;           /* one bit per data row */
	uint64_t marks_bits;      /* rows the bitmap covers */
	uint64_t nmarked;
	struct sg_colstats *stats;  /* cached describe result, or NULL */
};

/* Opens path (NULL with err on failure); refs starts at 1. */
struct dsfile *dsfile_open(const char *path, const char *name, struct sg_error *err);
struct dsfile *dsfile_ref(struct dsfile *f);
/* Drops a reference; the last one frees everything. */
void dsfile_unref(struct dsfile *f);
int dsfile_marked(const struct dsfile *f, uint64_t row);
/* Flips row's mark; returns the new state. */
int dsfile_toggle_mark(struct dsfile *f, uint64_t row);
void dsfile_unmark_all(struct dsfile *f);

/* ---- sheets ----------------------------------------------------------- */

struct sheet;

struct sheet_ops {
	const char *kind;         /* "table", "describe"... */
	void (*draw)(struct sheet *sh, struct surface *s);
	/* UNHANDLED lets the pane act (BACK pops the sheet) or the app. */
	enum pane_result (*action)(struct sheet *sh, enum sg_action a);
	/* May be NULL. */
	enum pane_result (*action_arg)(struct sheet *sh, enum sg_action a, const char *arg);
	/* As pane_ops' (may be NULL). */
	int (*poll_fds)(struct sheet *sh, int *fds, int max, int *timeout_ms);
	enum pane_result (*on_fd)(struct sheet *sh, int fd);
	/* The box title's text ("iris.csv  row 3/150"). */
	void (*summary)(struct sheet *sh, char *buf, size_t n);
	void (*free)(struct sheet *sh);
	/* The keymap context while the sheet is on top (NULL: "data"). */
	const char *context;
	/* As pane_ops' key (may be NULL). */
	enum pane_result (*key)(struct sheet *sh, int key, enum sg_action bound);
	/* As pane_ops' unsaved (may be NULL). */
	const char *(*unsaved)(struct sheet *sh);
};

struct sheet {
	const struct sheet_ops *ops;
	struct pane *pane;
	struct sheet *below;      /* the stack, towards the dataset list */
	struct dsfile *file;      /* the file it shows (borrowed), or NULL */
};

/* pane_data.c: puts sh on top of the pane's stack. */
void data_push(struct pane *p, struct sheet *sh);
/* pane_data.c: the list of datasets again (after a new one was made). */
void data_reload_list(struct pane *p);
/* The file of the top sheet, or NULL (the dataset list). */
struct dsfile *data_top_file(struct pane *p);
/* The top sheet, or NULL (the dataset list). */
struct sheet *data_top(struct pane *p);
/* The kind of the top sheet ("table"...), or "list". */
const char *data_top_kind(struct pane *p);

/* Testing only: options every dsfile_open uses (NULL: defaults). */
extern const struct sg_csv_options *dsfile_test_options;

/* sheet_table.c: a dataset's table (all rows, in file order), or a view of
 * f (owned by the sheet) labelled how it was made ("species == 1"). */
struct sheet *sheet_table_new(struct pane *p, struct dsfile *f, struct sg_view *view,
			      const char *label);
/* Opens the dataset at path and pushes its table; -1 with err. */
int sheet_table_open(struct pane *p, const char *path, const char *name, long long id,
		     struct sg_error *err);
/* Pushes the table of f filtered by expression text (a freq sheet's Enter);
 * errors go to the status bar. */
void sheet_table_filter(struct pane *p, struct dsfile *f, const char *text);

/* The data row under a table sheet's cursor, or UINT64_MAX for a sheet
 * that is not a table or has no rows. */
uint64_t sheet_table_row(struct sheet *sh);

/* sheet_label.c: the Label view over f's rows, starting at row (or the
 * first unlabeled row after it); -1 with err when the dataset cannot be
 * labeled (not registered, the store cannot be read). */
int sheet_label_open(struct pane *p, struct dsfile *f, uint64_t row, struct sg_error *err);

/* sheet_stats.c */
struct sheet *sheet_describe_new(struct pane *p, struct dsfile *f, const char *scope);
struct sheet *sheet_freq_new(struct pane *p, struct dsfile *f, int col, const char *scope);

/* sheet_cell.c: the full value of one cell, wrapped and scrollable. */
struct sheet *sheet_cell_new(struct pane *p, const char *title, const char *bytes, size_t len);

/* sheet_prep.c: the recipe builder over f. */
struct sheet *sheet_prep_new(struct pane *p, struct dsfile *f, int col);

/* ---- drawing helpers shared by sheets (sheet_table.c) ----------------- */

enum { ESC_KEEP_NEWLINES = 1 };

/* Copies the field bytes p[0..len) into out (n bytes) for display: tab,
 * newline (unless ESC_KEEP_NEWLINES), CR, other control bytes, NUL and
 * invalid UTF-8 become visible escapes (\t \n \r \x00 \xff); stops when
 * out is full or after maxcols characters (-1: no limit).  Returns the
 * bytes of p consumed; out is always NUL-terminated. */
size_t sheet_escape(const char *p, size_t len, char *out, size_t n, int maxcols,
		    unsigned flags);
/* A progress line on row y of s: label, a bar filled to frac (0..1; < 0:
 * unknown, no bar), the percent and text. */
void sheet_progress(struct surface *s, int y, const char *label, double frac, const char *text);
/* "1,234 of 10,000 rows" (or "1,234 rows" when total is 0) into buf. */
void sheet_count_text(uint64_t done, uint64_t total, const char *unit, char *buf, size_t n);

#endif
