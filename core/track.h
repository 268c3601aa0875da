/* track.h — run a program as a tracked run.
 *
 * sg_track_run starts argv (execvpe with an argv array, never a shell) with
 *
 *   stdout, stderr   pipes: appended to RUN_DIR/stdout.log and stderr.log,
 *                    echoed to ours when opts.echo, and matched line by line
 *                    against the metric definitions (metricdef.h);
 *   fd 3             the write end of a pipe for the line protocol
 *                    (metricline.h), named by SAGETTY_METRICS_FD;
 *   environment      ours plus SAGETTY_RUN_ID, SAGETTY_WORKSPACE (the
 *                    workspace root), SAGETTY_RUN_DIR, SAGETTY_METRICS_FD and
 *                    opts.extra_env;
 *
 * and serves all of it from one poll() loop (no busy waiting) until the
 * program has exited and its pipes are drained (at most 2 s after the exit,
 * for descendants that keep them open).  Points, params and tags go through
 * one batched writer (ingest.h).  Malformed protocol lines are counted, the
 * first few kept in the result, and every one appended to
 * RUN_DIR/metrics.errors.log as "line N: col C: why: TEXT".
 *
 * Log limits (opts.log_*; all 0 for `runs exec`: no limits): stdout.log and
 * stderr.log are rotated when a write would take one past log_rotate_bytes
 * (NAME.1 is the newest old file, NAME.log_keep the oldest, older ones are
 * dropped), and once log_cap_bytes have been written to the two together a
 * line "[sagetty] log truncated: ..." is appended to each and nothing more
 * is written (r->log_truncated).  Lines are still read, matched and passed
 * to the hooks.  metrics.errors.log keeps at most SG_TRACK_MAX_ERROR_LINES.
 *
 * Stopping: sg_track_stop (from a hook), or with opts.handle_signals a
 * SIGINT, SIGTERM or SIGHUP to this process, sends the signal on to the
 * program (to its process group with opts.own_group) — except a SIGINT typed
 * at a terminal the program shares, which it has had already — and SIGKILL
 * when it is still there grace_ms later or on a second request.
 *
 * The end: the run is finished FINISHED (exit 0), FAILED (non-zero exit or
 * killed by a signal) or KILLED (a stop was requested), with tags
 * sagetty.exit_code or sagetty.signal ("SIGSEGV").  While it runs, the
 * tracker ignores SIGPIPE (restored after; the program gets the default). */
#ifndef SG_TRACK_H
#define SG_TRACK_H

#include <stddef.h>
#include <sys/types.h>
#include "core/ingest.h"
#include "core/metricdef.h"
#include "core/run.h"
#include "core/store.h"

#define SG_TRACK_METRICS_FD 3
#define SG_TRACK_KEEP_ERRORS 5
#define SG_TRACK_MAX_ERROR_LINES 10000

struct sg_track;

/* Optional callbacks for a supervisor (issue 5: rules, system metrics,
 * max runtime).  Any may be NULL. */
struct sg_track_hooks {
	void *ud;
	/* A complete output line; stream 1 is stdout, 2 stderr. */
	void (*on_line)(void *ud, int stream, const char *line, size_t len);
	/* A metric point accepted (from the protocol or a definition). */
	void (*on_point)(void *ud, const char *key, long long step, double value);
	/* At least every tick_ms while the program runs (0: never). */
	void (*on_tick)(void *ud, struct sg_track *t);
	int tick_ms;
};

struct sg_track_opts {
	char *const *argv;            /* argv[0] is looked up in PATH */
	const char *run_id;           /* full id of an existing run */
	const char *run_dir;          /* existing folder for the logs */
	const char *log_dir;          /* existing folder for stdout/stderr.log; NULL: run_dir */
	const char *workspace_root;   /* SAGETTY_WORKSPACE */
	char *const *extra_env;       /* "NAME=VALUE" entries, NULL-terminated; may be NULL */
	const char *cwd;              /* NULL: ours */
	const struct sg_metricdefs *defs;  /* may be NULL */
	int echo;                     /* copy the program's output to our stdout/stderr */
	int stdin_null;               /* stdin from /dev/null instead of ours */
	int own_group;                /* the program leads its own process group */
	int handle_signals;           /* see "Stopping" above */
	int grace_ms;                 /* 0: 10,000 */
	const struct sg_ingest_opts *ingest;   /* may be NULL */
	const struct sg_track_hooks *hooks;    /* may be NULL */
	long long log_rotate_bytes;   /* 0: never rotate */
	int log_keep;                 /* rotated files kept (0: 2) */
	long long log_cap_bytes;      /* 0: no cap */
	/* > 0: after a round that read only a trickle (under 16 KB), wait this
	 * long before the next, so a program printing many short lines costs
	 * one wake-up per interval instead of one per line (a supervisor's
	 * overhead); output at full speed is never delayed. */
	int coalesce_ms;
};

struct sg_track_result {
	enum sg_run_status status;
	int exit_code;                /* -1 when killed by a signal */
	int signal;                   /* the signal that ended it, or 0 */
	int stopped;                  /* a stop was requested */
	double seconds;               /* start to exit */
	long long points, params, tags;        /* committed to the store */
	long long protocol_lines, bad_lines;   /* on the metrics fd */
	long long regex_points, regex_bad;     /* from metric definitions */
	int nerrors;                            /* kept below */
	char errors[SG_TRACK_KEEP_ERRORS][200]; /* "line N: col C: why" */
	char store_error[256];        /* the last failed write to the store, if any */
	long long log_bytes;          /* written to stdout.log and stderr.log */
	int log_truncated;            /* the cap was reached */
};

/* Runs the program to its end and finishes the run.  Returns 0 when it ran
 * (whatever its exit status: see r), -1 with err when it could not start
 * (not found, not executable: the run is finished FAILED and r->exit_code is
 * 127) or the logs could not be opened. */
int sg_track_run(struct sg_store *s, const struct sg_track_opts *o, struct sg_track_result *r,
		 struct sg_error *err);
/* Requests a stop (see above) with signal sig (SIGTERM usually). */
void sg_track_stop(struct sg_track *t, int sig);
/* 1 once a stop has been requested (a second request sends SIGKILL). */
int sg_track_stopping(const struct sg_track *t);
/* The program's process id. */
pid_t sg_track_pid(const struct sg_track *t);
/* From a hook: logs a point (next step, now) or a tag through the run's
 * batched writer, as if the program had; the on_point hook sees the point.
 * -1 only when a flush failed (kept for the next one; see ingest.h). */
int sg_track_metric(struct sg_track *t, const char *key, double value);
int sg_track_tag(struct sg_track *t, const char *key, const char *value);
/* A shell's exit status for the result: the exit code, or 128 + signal. */
int sg_track_exit_status(const struct sg_track_result *r);

#endif
