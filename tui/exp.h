/* exp.h — the Experiments pane's parts (internal to pane_experiments.c and
 * exp_*.c).
 *
 * The pane shows one view at a time over the runs table: the table itself
 * (a struct sg_runquery paged through a cache of rows around the visible
 * window, so 10,000 runs cost one query of ~200 rows), the details of a run
 * (with a small chart of each metric when the pane is wide), the column
 * chooser, the groups (one row per value of a param or tag, with mean ± std
 * of the columns), the comparison of the marked runs, and a chart of one
 * metric over steps for several runs.  Esc goes back to the table (from a
 * chart opened in the comparison, back to it).
 *
 * Metric points for charts are read in a background task on a connection
 * of its own when there are many of them (the store keeps every point; the
 * chart keeps at most CHART_KEEP buckets' extremes of each series). */
#ifndef SG_TUI_EXP_H
#define SG_TUI_EXP_H

#include <stddef.h>
#include "core/runcompare.h"
#include "core/runquery.h"
#include "tui/chart.h"
#include "tui/pane.h"
#include "tui/task.h"

enum exp_view { EV_TABLE, EV_DETAILS, EV_COLUMNS, EV_GROUPS, EV_COMPARE, EV_CHART };

/* ---- charts of metric points -------------------------------------------- */

#define CHART_KEEP 4096        /* buckets kept per series (2 points each) */
#define CHART_SYNC_POINTS 200000  /* more points than this load in a task */

/* One curve: a metric of a run. */
struct exp_series {
	char id[SG_RUN_ID_LEN + 1];
	char run[96];              /* the run's name */
	char key[128];             /* the metric */
	double *x, *y;             /* downsampled points (malloc'd) */
	size_t n;
	long long stored;          /* points read from the store */
	char error[160];           /* "" when it loaded */
};

/* A set of curves being loaded or loaded. */
struct exp_chart {
	struct exp_series *s;
	int n;
	char title[200];
	char store_path[1024];     /* the task's own connection opens this */
	long long expected;        /* points the summaries count (progress) */
	struct task *task;         /* non-NULL while loading in the background */
	int loaded;
	enum exp_view back;        /* the view Esc returns to */
};

/* ---- the comparison -------------------------------------------------------- */

struct exp_cmp {
	struct sg_runcmp m;        /* the rows (core/runcompare.h) */
	size_t *shown;             /* indexes of the rows shown */
	size_t nshown;
	int diff_only;
	struct table t;
	struct table_col *cols;    /* KEY, then one per run */
};

/* ---- the pane --------------------------------------------------------------- */

#define EXP_FIXED_HEAD 4       /* mark, ID, NAME, STATUS */
#define EXP_FIXED_TAIL 4       /* EXPERIMENT, USER, START, DURATION */
#define EXP_CACHE 128          /* rows fetched around the visible window */

struct exp_priv {
	struct list_view v;        /* the runs table (n = all matching runs) */
	enum exp_view view;
	struct sg_store *store;
	struct sg_runquery *q;
	char where[512];           /* the filter as typed ("" for none) */
	struct sg_rq_column sort;  /* valid when sorted */
	int sorted, desc;

	/* the chosen columns (the query's) and the table's columns */
	struct sg_rq_column *cols;
	int ncols;
	struct table_col *tcols;
	char (*titles)[64];
	int ntcols;

	/* rows [page.offset, page.offset + page.nrows) of the query */
	struct sg_rq_page page;
	size_t page_asked;         /* rows asked for from page.offset */
	int have_page;

	/* marked runs, by id */
	char (*marks)[SG_RUN_ID_LEN + 1];
	size_t nmarks, capmarks;

	/* the groups view */
	struct sg_rq_column by;
	int grouped;
	struct sg_rq_groups groups;
	struct table gt;
	struct table_col *gcols;
	char (*gtitles)[64];

	/* the column chooser */
	struct table ct;
	struct sg_rq_column *ckeys; /* every param, metric and tag key */
	size_t nckeys;
	struct table_col ccols[2];
	enum exp_view cols_back;   /* the view Esc returns to */

	/* runs waiting for the delete confirmation */
	char (*del)[SG_RUN_ID_LEN + 1];
	int ndel;

	struct exp_cmp *cmp;
	struct exp_chart *chart;   /* the chart view's */
	struct exp_chart *mini;    /* the details' small charts */
};

static inline struct exp_priv *exp_priv(struct pane *p)
{
	return p->priv;
}

/* pane_experiments.c */
/* Queries the runs again from the window shown (after any change to the
 * query), keeping run keep_id selected when it is still in view. */
void exp_refresh(struct pane *p, const char *keep_id);
/* Sets the chosen columns to cols[0..n) (copied) and lays the table out. */
void exp_set_columns(struct pane *p, const struct sg_rq_column *cols, int n);
/* Filters the runs by expression text; a bad one is reported and the
 * prompt opened again at the error. */
void exp_filter(struct pane *p, const char *text);
/* 1 when run id is marked. */
int exp_marked(const struct exp_priv *d, const char *id);
/* Reports a failed store call on a run: "no longer exists" for a deleted
 * one (and reloads), else err's text. */
void exp_run_error(struct pane *p, const char *id, const struct sg_error *err);

/* exp_columns.c: the column chooser and the groups view */
void exp_columns_open(struct pane *p);
enum pane_result exp_columns_action(struct pane *p, enum sg_action a);
void exp_columns_draw(struct pane *p, struct surface *s);
void exp_columns_free(struct exp_priv *d);
/* Groups the runs by by (copied) and shows the groups; errors go to the
 * status bar. */
void exp_group(struct pane *p, const struct sg_rq_column *by);
/* Computes the groups again (after a reload or a change of columns). */
int exp_regroup(struct pane *p, struct sg_error *err);
enum pane_result exp_groups_action(struct pane *p, enum sg_action a);
void exp_groups_draw(struct pane *p, struct surface *s);
void exp_groups_free(struct exp_priv *d);

/* exp_compare.c */
/* Compares runs ids[0..n) in a new comparison view. */
void exp_compare_open(struct pane *p, char (*ids)[SG_RUN_ID_LEN + 1], int n);
enum pane_result exp_compare_action(struct pane *p, enum sg_action a);
void exp_compare_draw(struct pane *p, struct surface *s);
void exp_compare_free(struct exp_cmp *c);

/* exp_chart.c */
/* Starts loading metric key of runs ids[0..n) into a new chart view. */
void exp_chart_open(struct pane *p, const char *key, char (*ids)[SG_RUN_ID_LEN + 1], int n,
		    enum exp_view back);
/* Starts loading every metric of run id for the details' small charts. */
void exp_mini_open(struct pane *p, const char *id);
enum pane_result exp_chart_action(struct pane *p, enum sg_action a);
void exp_chart_draw(struct pane *p, struct surface *s);
/* The details of a run, with its small charts on the right when wide. */
void exp_details_draw(struct pane *p, struct surface *s);
void exp_chart_free(struct exp_chart *c);
/* The charts' background descriptors (pane_ops poll_fds/on_fd). */
int exp_chart_poll_fds(struct pane *p, int *fds, int max, int *timeout_ms);
enum pane_result exp_chart_on_fd(struct pane *p, int fd);

#endif
