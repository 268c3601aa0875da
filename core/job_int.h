/* job_int.h — what job.c (requests, rows, control) and job_supervise.c (the
 * supervisor) share.  Not for use outside core/job*.c. */
#ifndef SG_JOB_INT_H
#define SG_JOB_INT_H

#include <stddef.h>
#include "core/job.h"
#include "core/sagemaker.h"

/* The launch request as stored in jobs.spec (JSON), everything resolved. */
struct job_spec {
	char *script;              /* absolute; an algorithm job: the sagetty binary at prepare */
	char *algo;                /* a built-in algorithm's name, or NULL: a script job */
	char *interpreter;         /* absolute, or NULL: run the script */
	char *job_name;            /* the run's name */
	struct sg_sm_channel *channels;   /* name and source owned */
	size_t nchannels;
	struct sg_sm_kv *hps;      /* key and value owned */
	size_t nhps;
	char **metrics;            /* "NAME=REGEX", NULL-terminated */
	char **rules;              /* specs, NULL-terminated */
	double max_runtime, stop_grace;
	long long log_rotate_bytes, log_cap_bytes;
};

/* Serializes / parses jobs.spec. */
char *job_spec_json(const struct job_spec *s);
int job_spec_parse(const char *text, struct job_spec *s, struct sg_error *err);
void job_spec_done(struct job_spec *s);
/* The contract's view of a spec for the run folder run_dir. */
void job_spec_sm(const struct job_spec *s, const char *run_dir, struct sg_sm_job *out);

/* The row of run id (a full id), and its spec text when spec is non-NULL
 * (malloc'd); alive judged with a heartbeat timeout of timeout seconds.
 * SG_E_NOTFOUND when the run has no job. */
int job_row(struct sg_store *st, const char *id, int timeout, struct sg_job_info *out,
	    char **spec, struct sg_error *err);
/* Writes the supervisor's heartbeat (now) while the job is Queued or
 * Running; 1 written, 0 the job has ended (or been reaped), -1 error. */
int job_beat(struct sg_store *st, const char *id, struct sg_error *err);
/* Creates RUN/logs/attempt-N (run_dir is RUN), so an attempt's log folder
 * exists from the moment it is queued. */
int job_attempt_mkdir(const char *run_dir, int number, struct sg_error *err);
/* Adds attempt number of job id, Queued, its logs in logs/attempt-N. */
int job_attempt_insert(struct sg_store *st, const char *id, int number, struct sg_error *err);
/* Copies the job row's state, times, exit and reason into its current
 * attempt's row; lost: the outcome is "lost" instead of the state's. */
int job_attempt_sync(struct sg_store *st, const char *id, int lost, struct sg_error *err);
/* The current attempt's log folder, absolute (malloc'd): RUN/logs/attempt-N,
 * or RUN for an attempt from before per-attempt logs. */
char *job_attempt_log_dir(struct sg_store *st, const char *run_dir, const char *id);
/* Updates the state; with a final state also ended_at, and reason (may be
 * NULL) as failure_reason.  A Running state sets started_at. */
int job_set_state(struct sg_store *st, const char *id, enum sg_job_state state,
		  const char *reason, struct sg_error *err);
/* Sets started_at to at (wall-clock seconds) when it is still unset: the
 * start of a program that ended before the supervisor marked it Running. */
int job_set_started(struct sg_store *st, const char *id, double at, struct sg_error *err);
/* Records the supervisor's (which 0) or the program's (which 1) pid and
 * token. */
int job_set_pid(struct sg_store *st, const char *id, int which, pid_t pid, struct sg_error *err);
/* The exit of the program. */
int job_set_exit(struct sg_store *st, const char *id, int exit_code, int sig,
		 struct sg_error *err);
/* Records the end of a job in the run too: the run's status, tags
 * sagetty.job_state and sagetty.failure_reason. */
int job_finish_run(struct sg_store *st, const char *id, enum sg_job_state state,
		   const char *reason, struct sg_error *err);

/* .sagetty/jobs/, created on demand; malloc'd. */
char *job_dir(const struct sg_workspace *ws, struct sg_error *err);
/* Rewrites .sagetty/jobs/changed so waiting supervisors look again. */
void job_notify(const struct sg_workspace *ws);
/* This machine's name, for jobs.host. */
const char *job_host(void);

#endif
