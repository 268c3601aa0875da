/* mon.h — the Monitor pane's parts: the log tail and a job's live details.
 *
 * pane_monitor.c owns the jobs table and the layout; mon_detail.c loads
 * and draws what the selected job shows (status, charts of its metrics
 * with train and validation overlaid, CPU and memory sparklines, debugger
 * rules, the log tail); mon_log.c follows a log file incrementally. */
#ifndef SG_TUI_MON_H
#define SG_TUI_MON_H

#include <stddef.h>
#include <sys/types.h>
#include "core/job.h"
#include "core/rules.h"
#include "core/workspace.h"
#include "tui/surface.h"

/* ---- log tail (mon_log.c) ------------------------------------------------ */

#define MON_LOG_KEEP 2000          /* lines kept in memory */
#define MON_LOG_READ (256 * 1024)  /* bytes read at most per update */

struct mon_log {
	char *path;                /* owned; NULL: none */
	off_t off;                 /* bytes consumed so far */
	ino_t ino;                 /* the file read (rotation: another inode) */
	char **lines;              /* the last lines, oldest first */
	size_t n, cap;
	char *partial;             /* an unterminated last line, or NULL */
	int follow;                /* the view sticks to the end */
	long top;                  /* first line shown when not following */
	char search[128];          /* "" when none */
	long match;                /* line of the current match, -1: none */
	char *banner;              /* a heading kept as line 0 (an attempt's), or NULL */
	int has_banner;            /* line 0 is the banner */
};

/* Points the tail at path (NULL: none), emptied and following; banner (may
 * be NULL) is shown as its first line, also after a rotation. */
void mon_log_open(struct mon_log *l, const char *path);
void mon_log_banner(struct mon_log *l, const char *banner);
void mon_log_done(struct mon_log *l);
/* Reads what was appended since the last call (a file that shrank or was
 * replaced is read again from its start; a burst beyond MON_LOG_READ skips
 * to the last part).  Returns 1 when lines changed. */
int mon_log_update(struct mon_log *l);
/* Draws the visible lines into rows [y, y+h) of s (the match highlighted). */
void mon_log_draw(struct mon_log *l, struct surface *s, int y, int h);
/* Scrolls by delta lines (follow off); LONG_MAX: to the end, following. */
void mon_log_scroll(struct mon_log *l, long delta, int h);
/* Searches for text (a substring, case-insensitive) from the newest line
 * up (dir < 0: older than the current match; dir > 0: newer); the match is
 * brought into view.  Returns 0, or -1 when nothing matches. */
int mon_log_search(struct mon_log *l, const char *text, int dir, int h);

/* ---- a job's details (mon_detail.c) --------------------------------------- */

#define MON_CHARTS 4
#define MON_SPARK 240              /* sparkline samples kept */
#define MON_RULES 8

#define MON_KEEP 200000            /* points kept per series; past it halved */

/* One metric's points, read incrementally: each load fetches only the steps
 * past last_step.  Past MON_KEEP points the series is halved (each group of
 * four points reduced to its minimum and maximum, in step order), so spikes
 * survive while memory and drawing stay bounded. */
struct mon_series {
	char key[96];
	double *x, *y;             /* owned: n points, cap room */
	size_t n, cap;
	long long last_step;       /* highest step read (valid when seen > 0) */
	long long seen;            /* points read from the store */
};

struct mon_chart {
	char base[96];             /* the metric without its phase ("loss") */
	struct mon_series s[2];    /* train, validation (n 0 when absent) */
};

struct mon_rule {
	char name[48];
	enum sg_rule_status status;
	char message[200];
};

struct mon_detail {
	char id[SG_RUN_ID_LEN + 1];  /* the run shown; "" none */
	char name[128];
	char script[128];
	int has_job;
	struct sg_job_info job;
	enum sg_run_status run_status;
	double start, end;
	struct mon_chart charts[MON_CHARTS];
	int ncharts;
	double cpu[MON_SPARK], mem[MON_SPARK];
	size_t ncpu, nmem;
	long long cpu_step, mem_step;  /* highest step read (LLONG_MIN: none) */
	size_t fetched;              /* points read from the store by the last load */
	struct mon_rule rules[MON_RULES];
	int nrules;
	int stream;                  /* 1 stdout, 2 stderr */
	int log_attempt;             /* the attempt the tail shows; 0: the current one */
	int tail_attempt;            /* the attempt the tail was opened on */
	struct mon_log log;
	int log_rows;                /* log lines visible at the last draw */
	char error[256];
};

/* Loads run id (job row, metrics, rules) into d; a new id also reopens the
 * log tail and drops the points read, the same id reads only new points.
 * Errors are kept in d->error. */
void mon_detail_load(struct mon_detail *d, struct sg_workspace *ws, const char *id);
void mon_detail_done(struct mon_detail *d);
/* Switches the log tail to stream (1 or 2), of attempt d->log_attempt.  A
 * job of several attempts gets a banner line naming the attempt; a resume
 * seen by mon_detail_load moves a tail on the current attempt to the new
 * one. */
void mon_detail_stream(struct mon_detail *d, struct sg_workspace *ws, int stream);
/* Shows the attempt before the one shown (from the first: the current
 * one again); returns the attempt now shown, 0 when the job has one. */
int mon_detail_prev_attempt(struct mon_detail *d, struct sg_workspace *ws);
/* Draws the details into the whole of s. */
void mon_detail_draw(struct mon_detail *d, struct surface *s);
/* Rows the log tail had at the last draw (for paging). */
int mon_detail_log_rows(const struct mon_detail *d);
/* 1 while the job is Queued or Running (or a plain run is RUNNING). */
int mon_detail_live(const struct mon_detail *d);

#endif
