/* job.h — training jobs: a SageMaker-style script run by a detached
 * supervisor, so it outlives the terminal, the TUI and the SSH session.
 *
 * Life of a job (one run of kind "train"; one row in the jobs table):
 *
 *   sg_job_prepare   validates the request — script, interpreter, channels
 *                    (a registered dataset, a file or a folder), --hp,
 *                    --metric regexes, --rule specs — and creates nothing;
 *   sg_job_create    creates the run (params = hyperparameters; tags: each
 *                    channel's source, and its SHA-256 when it is a
 *                    registered dataset of the registered size), the
 *                    contract's tree in the run folder (sagemaker.h) and the
 *                    job row, Queued;
 *   sg_job_launch    forks the supervisor: setsid, a second fork, stdin from
 *                    /dev/null, stdout/stderr to RUN/supervisor.log, cwd the
 *                    run folder, every other fd closed, then exec of
 *                    `sagetty -w ROOT jobs supervise ID` (a fresh process:
 *                    no SQLite handle or lock crosses the fork);
 *   sg_job_record_source  records the lineage that takes time: the
 *                    script's git commit and whether the file is modified
 *                    (tag source.git_status), and the SHA-256 of file
 *                    channels the registry did not give; `sagetty train`
 *                    calls it after sg_job_launch, so libgit2's start (it
 *                    parses the system's CA bundle), the lookup and the
 *                    hashing overlap the job instead of delaying its start;
 *   sg_job_supervise (in that process) waits for a slot (max-jobs), then
 *                    runs the script under the tracker (track.h) with the
 *                    contract's environment and argv, cwd the script's
 *                    folder, in its own process group; samples CPU% and RSS
 *                    of the whole process tree every second (sys:cpu_percent,
 *                    sys:memory_mb), enforces the max runtime, caps the logs,
 *                    feeds the debugger rules, and records the end.
 *
 * States (jobs.state) and the run status they leave (runs.status stays the
 * coarse one every other part of sagetty knows):
 *
 *   Queued       waiting for a slot                     RUNNING
 *   Running      the script runs                        RUNNING
 *   Completed    it exited 0                            FINISHED
 *   Failed       non-zero exit, signal, max runtime,    FAILED
 *                supervisor lost (failure_reason says)
 *   Stopped      `jobs stop`                            KILLED
 *   Interrupted  `jobs stop --preempt` (spot-style):    KILLED
 *                checkpoints/ kept for `jobs resume`
 *
 * Queueing: slot k is an flock on .sagetty/jobs/slot.k (k < max-jobs), held
 * by the supervisor while its script runs, so the kernel frees it when a
 * supervisor dies in any way.  Waiting supervisors sleep in poll() on an
 * inotify watch of .sagetty/jobs/ (a finishing supervisor rewrites
 * .sagetty/jobs/changed), with a 2-second safety timeout for supervisors that
 * died without a word; the oldest live Queued job goes first.
 *
 * Liveness: a job row records its supervisor's pid with a token (boot id and
 * process start time from /proc) and host, and the supervisor writes a
 * heartbeat (jobs.heartbeat_at, wall clock) every sg_job_beat_interval
 * seconds until the job has ended.  sg_job_reap — run by sg_job_list,
 * sg_job_get and the queue — marks a Queued or Running job as Failed when
 *   - it is of this host and its supervisor process is gone ("supervisor
 *     lost: …"; what is left of its script's process group is killed) —
 *     the heartbeat does not count here, so a suspended laptop or a slow
 *     NFS server never kills a healthy local job;
 *   - it is of another host and its heartbeat is older than the workspace's
 *     jobs.heartbeat-timeout (config.h; default 60 s): "supervisor on HOST
 *     stopped reporting at TIME".  Rows written before schema v8 have no
 *     heartbeat and are left alone, as before.
 * The mark is one conditional UPDATE (state and heartbeat still as read) in
 * a transaction, so when several processes reap at once exactly one marks.
 * Hosts must keep their clocks in step (NTP) to well under the timeout.
 *
 * Attempts: every launch of a job is an attempt (1, then one more per
 * resume), with its own row in job_attempts and its own logs under
 * RUN/logs/attempt-N/ (stdout.log, stderr.log and their rotated files).
 * Attempts run before schema v8 have log_dir "" and share RUN/stdout.log.
 *
 * Stopping: sg_job_stop records the request in the row and sends SIGTERM to
 * the supervisor, which passes it to the script's process group and sends
 * SIGKILL after the grace period (--stop-grace, default 10 s); a second stop
 * sends SIGKILL at once.  The supervisor also reads the request from the
 * store every second, so a stop from another account of a shared workspace
 * works too. */
#ifndef SG_JOB_H
#define SG_JOB_H

#include <stddef.h>
#include <sys/types.h>
#include "core/run.h"
#include "core/workspace.h"

#define SG_JOB_DIR "jobs"                 /* under .sagetty/ */
#define SG_JOB_DEFAULT_GRACE 10.0         /* seconds from SIGTERM to SIGKILL */
#define SG_JOB_TICK_MS 1000               /* sampling, max runtime, stop requests */
#define SG_JOB_REASON_MAX 4100            /* a failure reason: 1,024 UTF-8 characters and a NUL */

enum sg_job_state {
	SG_JOB_QUEUED, SG_JOB_RUNNING, SG_JOB_COMPLETED, SG_JOB_FAILED, SG_JOB_STOPPED,
	SG_JOB_INTERRUPTED
};

/* "Queued", "Running", "Completed", "Failed", "Stopped", "Interrupted". */
const char *sg_job_state_name(enum sg_job_state st);
/* Case-insensitive; -1 when unknown. */
int sg_job_state_parse(const char *s);
/* 1 for the four final states. */
int sg_job_state_final(enum sg_job_state st);
/* The run status a state leaves (table above). */
enum sg_run_status sg_job_run_status(enum sg_job_state st);

/* What `sagetty train` asks for.  Arrays of strings as given on the
 * command line. */
struct sg_job_request {
	const char *script;
	const char *interpreter;        /* NULL: python3 for *.py, else the script itself */
	/* A built-in algorithm (algo.h) instead of a script: exactly one of
	 * script and algo.  The job then runs `sagetty algo-run NAME --key
	 * value…` (no interpreter); channels: train (required) and validation
	 * (optional) only; the hyperparameters are validated against the
	 * algorithm's spec before anything is created. */
	const char *algo;
	const char *name, *experiment;  /* NULL: generated, "default" */
	const char *const *channels;    /* "NAME=PATH" */
	size_t nchannels;
	const char *const *hps;         /* "KEY=VALUE" */
	size_t nhps;
	const char *const *metrics;     /* "NAME=REGEX" (metricdef.h) */
	size_t nmetrics;
	const char *const *rules;       /* "NAME[:param=value,...]" (rules.h) */
	size_t nrules;
	double max_runtime;             /* seconds; 0: none */
	double stop_grace;              /* seconds; 0: SG_JOB_DEFAULT_GRACE */
};

/* A validated request (opaque). */
struct sg_job_plan;

/* Validates everything before anything is created: SG_E_USAGE (bad
 * option values, both or neither of script and algo, an unknown algorithm
 * — listing the known ones —, a hyperparameter the algorithm refuses —
 * listing the valid names or range —, a missing train channel),
 * SG_E_NOTFOUND (script, interpreter, channel path) or SG_E_PARSE (a regex
 * or rule) with a message naming the culprit.  An algorithm job records
 * the sagetty binary's path (this process's /proc/self/exe) as its script;
 * its run's source is "algo:NAME", tag sagetty.algo. */
struct sg_job_plan *sg_job_prepare(struct sg_workspace *ws, const struct sg_job_request *req,
				   struct sg_error *err);
void sg_job_plan_free(struct sg_job_plan *p);
/* Creates the run, its tree and the Queued job; writes the run id. */
int sg_job_create(struct sg_workspace *ws, const struct sg_job_plan *p,
		  char id_out[SG_RUN_ID_LEN + 1], struct sg_error *err);
/* The git commit of a script job's script (its repository's HEAD) as the
 * run's source_commit, and tag source.git_status: clean, modified,
 * untracked or ignored (nothing when the script is in no repository, or
 * for an algorithm job); then tag channel.NAME.sha256 for each file
 * channel that has none yet.  Call it once the job is created, before or
 * after the launch. */
int sg_job_record_source(struct sg_workspace *ws, const char *run_id, struct sg_error *err);

struct sg_job_launch_opts {
	const char *exe;    /* the supervisor program; NULL: sagetty-supervise (see job.c) */
};
/* Starts the detached supervisor of a Queued job; returns once it has
 * exec'd (its pid is in the row).  opts may be NULL. */
int sg_job_launch(struct sg_workspace *ws, const char *run,
		  const struct sg_job_launch_opts *opts, struct sg_error *err);

/* The supervisor's body (`jobs supervise`): returns when the job has ended
 * and been recorded; -1 only when it could not even start (err). */
int sg_job_supervise(struct sg_workspace *ws, const char *run, struct sg_error *err);

struct sg_job_info {
	char run_id[SG_RUN_ID_LEN + 1];
	char name[128];
	char user[64];
	char host[64];
	enum sg_job_state state;
	int attempt;
	pid_t supervisor_pid;           /* 0: none recorded */
	pid_t child_pid;                /* 0: not started; the process group too */
	int alive;                      /* supervisor alive: its process (this host) or a
					 * recent heartbeat (another host; see Liveness) */
	char stop_request[16];          /* "", "stop" or "preempt" */
	char failure_reason[SG_JOB_REASON_MAX];
	int exit_code;                  /* -1 unknown or signal */
	int signal;
	double queued_at, started_at, ended_at;   /* 0: not yet */
	double max_runtime;             /* from the request; 0: none */
	double heartbeat_at;            /* the supervisor's last heartbeat; 0: none */
};

/* One job by run id, prefix or name (after sg_job_reap). */
int sg_job_get(struct sg_workspace *ws, const char *run, struct sg_job_info *out,
	       struct sg_error *err);
/* Jobs newest first: every live one, then finished ones up to limit in all
 * (0: no limit).  fn returning non-zero stops. */
typedef int (*sg_job_fn)(const struct sg_job_info *j, void *ud);
int sg_job_list(struct sg_workspace *ws, size_t limit, sg_job_fn fn, void *ud,
		struct sg_error *err);
/* Marks lost jobs Failed (see Liveness above: this host's by process,
 * other hosts' by heartbeat against the workspace's jobs.heartbeat-timeout),
 * each exactly once however many processes reap at the same time; *lost
 * (may be NULL) gets how many this call marked.  Nothing on a read-only
 * store. */
int sg_job_reap(struct sg_workspace *ws, int *lost, struct sg_error *err);

/* Asks a job to stop (preempt: end Interrupted, for a resume).  A Queued job
 * ends without starting.  SG_E_USAGE when it has ended already. */
int sg_job_stop(struct sg_workspace *ws, const char *run, int preempt, struct sg_error *err);
/* Starts a new attempt of an Interrupted, Stopped or Failed job: attempt
 * + 1, Queued again, the run RUNNING again, checkpoints/ and model/ kept,
 * output/failure removed; then launches it. */
int sg_job_resume(struct sg_workspace *ws, const char *run,
		  const struct sg_job_launch_opts *opts, struct sg_error *err);

/* The current attempt's stdout.log or stderr.log (stream 1 or 2),
 * malloc'd: RUN/logs/attempt-N/NAME, or RUN/NAME for a run from before
 * per-attempt logs (or whose attempts cannot be read). */
char *sg_job_log_path(const struct sg_workspace *ws, const char *run_id, int stream);

/* Seconds between a supervisor's heartbeats for a threshold of timeout
 * seconds: a twelfth of it, between 1 and SG_JOB_BEAT_MAX, so a job has a
 * dozen chances to report before it is declared lost. */
#define SG_JOB_BEAT_MAX 5.0
double sg_job_beat_interval(int timeout);

/* ---- attempts ---------------------------------------------------------------- */

/* How an attempt ended ("" while it is Queued or Running). */
#define SG_JOB_OUTCOME_LEN 16

struct sg_job_attempt {
	int number;                     /* 1, 2, … */
	char host[64];
	enum sg_job_state state;
	char outcome[SG_JOB_OUTCOME_LEN];   /* completed, failed, preempted, stopped, lost */
	int exit_code;                  /* -1: unknown or signal */
	int signal;
	char reason[SG_JOB_REASON_MAX];
	char log_dir[64];               /* relative to the run folder; "": the old layout */
	double queued_at, started_at, ended_at;   /* 0: not yet */
};

/* The attempts of a job (run id, prefix or name), oldest first; fn
 * returning non-zero stops.  A job from before schema v8 that was resumed
 * has one row for all its earlier attempts' shared logs. */
typedef int (*sg_job_attempt_fn)(const struct sg_job_attempt *a, void *ud);
int sg_job_attempts(struct sg_workspace *ws, const char *run, sg_job_attempt_fn fn, void *ud,
		    struct sg_error *err);
/* One attempt; SG_E_NOTFOUND (naming the attempts there are) when absent. */
int sg_job_attempt_get(struct sg_workspace *ws, const char *run, int number,
		       struct sg_job_attempt *out, struct sg_error *err);
/* An attempt's log (stream 1 stdout, 2 stderr), malloc'd. */
char *sg_job_attempt_log_path(const struct sg_workspace *ws, const char *run_id,
			      const struct sg_job_attempt *a, int stream);

#endif
