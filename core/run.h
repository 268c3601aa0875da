/* run.h — runs and what they record: params, metrics, tags, artifacts.
 *
 * A run id is 16 lowercase hex characters; every function taking a run id
 * also accepts a unique prefix of at least 4 characters (like git).
 * Metric values keep NaN and ±Inf: SQLite stores NaN as NULL, so a NULL
 * value in metrics means NaN.  A per-(run, key) summary (last = the value at
 * the highest step, later points winning ties; min, max; count) is kept
 * exact by the writers: every write of points goes through
 * sg_run_write_metrics, which folds the batch in C and upserts once per key
 * (schema.c v3 dropped the per-row trigger for speed); min and max ignore
 * NaN.  Code that inserts points by other means must call
 * sg_run_resummarize. */
#ifndef SG_RUN_H
#define SG_RUN_H

#include <stddef.h>
#include "core/store.h"

#define SG_RUN_ID_LEN 16

enum sg_run_status { SG_RUN_RUNNING, SG_RUN_FINISHED, SG_RUN_FAILED, SG_RUN_KILLED };

/* "RUNNING", "FINISHED", "FAILED", "KILLED". */
const char *sg_run_status_name(enum sg_run_status st);
/* Case-insensitive; -1 when unknown. */
int sg_run_status_parse(const char *s);

struct sg_run_spec {
	const char *name;          /* NULL: generated from the time */
	const char *experiment;    /* NULL: "default"; created on first use */
	const char *kind;          /* "manual", "train", "notebook"…; NULL: "manual" */
	const char *user;          /* NULL: sg_username() */
	const char *source_path;   /* may be NULL */
	const char *source_commit; /* may be NULL */
};

struct sg_run_info {
	char id[SG_RUN_ID_LEN + 1];
	char name[128];
	char experiment[128];
	char user[64];
	char kind[32];
	char source_path[512];
	char source_commit[64];
	char note[256];            /* first 255 bytes of the note */
	enum sg_run_status status;
	double start_time, end_time; /* end_time 0 while running */
};

/* Fills r from a statement whose first 11 result columns are
 * SG_RUN_INFO_COLUMNS (for modules that query runs with their own SQL). */
#define SG_RUN_INFO_COLUMNS \
	"r.id, r.name, e.name, r.user, r.kind, r.source_path, r.source_commit, r.note, " \
	"r.status, r.start_time, r.end_time"
void sg_run_info_read(sqlite3_stmt *st, struct sg_run_info *r);

/* Creates a RUNNING run; writes its id into id_out. */
int sg_run_start(struct sg_store *s, const struct sg_run_spec *spec,
		 char id_out[SG_RUN_ID_LEN + 1], struct sg_error *err);
/* Sets a final status and the end time. */
int sg_run_finish(struct sg_store *s, const char *run, enum sg_run_status st, struct sg_error *err);
/* Resolves a full id or unique prefix into id_out. */
int sg_run_resolve(struct sg_store *s, const char *run, char id_out[SG_RUN_ID_LEN + 1],
		   struct sg_error *err);
int sg_run_get(struct sg_store *s, const char *run, struct sg_run_info *out, struct sg_error *err);
/* Deletes a run and every row that refers to it. */
int sg_run_delete(struct sg_store *s, const char *run, struct sg_error *err);

/* Calls fn for each run, newest first, at most limit (0: all); fn returning
 * non-zero stops.  experiment may be NULL for all. */
typedef int (*sg_run_fn)(const struct sg_run_info *r, void *ud);
int sg_run_list(struct sg_store *s, const char *experiment, size_t limit, sg_run_fn fn, void *ud,
		struct sg_error *err);
/* Number of runs with this status (or all when st < 0). */
long sg_run_count(struct sg_store *s, int st, struct sg_error *err);

int sg_run_set_param(struct sg_store *s, const char *run, const char *key, const char *value,
		     struct sg_error *err);
int sg_run_set_tag(struct sg_store *s, const char *run, const char *key, const char *value,
		   struct sg_error *err);
int sg_run_set_note(struct sg_store *s, const char *run, const char *note, struct sg_error *err);
int sg_run_add_artifact(struct sg_store *s, const char *run, const char *path, const char *kind,
			struct sg_error *err);

struct sg_metric_point {
	const char *key;
	long long step;
	double ts;        /* 0: now */
	double value;     /* NaN and ±Inf allowed */
};
/* Logs n points in one transaction. */
int sg_run_log_metrics(struct sg_store *s, const char *run, const struct sg_metric_point *p,
		       size_t n, struct sg_error *err);
/* A write transaction for points of run id (a full id): BEGIN IMMEDIATE
 * with the per-row foreign key checks replaced by one check that the run
 * exists (SG_E_NOTFOUND when it was deleted).  Pair with sg_run_write_end,
 * which commits when ok (else rolls back) and restores the checks. */
int sg_run_write_begin(struct sg_store *s, const char *id, struct sg_error *err);
int sg_run_write_end(struct sg_store *s, int ok, struct sg_error *err);
/* Inserts n points and merges their summary, inside the caller's write
 * transaction (sg_run_write_begin); id is a full, resolved run id.  On
 * failure the caller must roll back.  Keys that repeat by pointer are
 * cheapest. */
int sg_run_write_metrics(struct sg_store *s, const char *id, const struct sg_metric_point *p,
			 size_t n, struct sg_error *err);
/* Rebuilds a run's summary from its points (after foreign writes). */
int sg_run_resummarize(struct sg_store *s, const char *run, struct sg_error *err);
/* Sets a run back to RUNNING (a finished run being tracked again). */
int sg_run_reopen(struct sg_store *s, const char *run, struct sg_error *err);

/* Key/value pairs of a run (params or tags), in key order. */
typedef int (*sg_kv_fn)(const char *key, const char *value, void *ud);
int sg_run_params(struct sg_store *s, const char *run, sg_kv_fn fn, void *ud, struct sg_error *err);
int sg_run_tags(struct sg_store *s, const char *run, sg_kv_fn fn, void *ud, struct sg_error *err);

struct sg_metric_summary {
	const char *key;
	double last, min, max;   /* min/max NaN when every point was NaN */
	long long last_step;
	long long count;
};
typedef int (*sg_summary_fn)(const struct sg_metric_summary *m, void *ud);
int sg_run_metric_summaries(struct sg_store *s, const char *run, sg_summary_fn fn, void *ud,
			    struct sg_error *err);
/* Every point of one metric, by step. */
typedef int (*sg_point_fn)(long long step, double ts, double value, void *ud);
int sg_run_metric_points(struct sg_store *s, const char *run, const char *key, sg_point_fn fn,
			 void *ud, struct sg_error *err);
/* The points of one metric with a step greater than after_step, by step (a
 * live view reads only what is new; uses the metrics(run_id, key, step)
 * index).  Points logged later at a step not above after_step are not seen. */
int sg_run_metric_points_after(struct sg_store *s, const char *run, const char *key,
			       long long after_step, sg_point_fn fn, void *ud, struct sg_error *err);
typedef int (*sg_artifact_fn)(const char *path, const char *kind, void *ud);
int sg_run_artifacts(struct sg_store *s, const char *run, sg_artifact_fn fn, void *ud,
		     struct sg_error *err);

#endif
