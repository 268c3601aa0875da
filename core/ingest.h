/* ingest.h — a batched writer of one run's metrics, params and tags.
 *
 * Records are buffered and written in one short BEGIN IMMEDIATE transaction
 * per batch: when batch_points points are waiting, when the oldest waiting
 * record is batch_ms old (checked by sg_ingest_tick, or on the next record),
 * and on flush or close.  With the store's busy timeout, short transactions
 * let several processes log into one store while others read it, without
 * "database is locked".  The summary (run.h) is folded in C per batch.
 *
 * Steps: a point given without a step (step < 0) gets one more than the
 * highest step its key has so far — in the store when the writer first sees
 * the key, and in this writer since — or 0 for a new key.  Two writers
 * logging the same key of one run without steps may therefore repeat steps.
 *
 * A failed flush (the store stayed locked past the busy timeout, the disk is
 * full) keeps everything buffered for the next attempt and returns -1; when
 * the run itself was deleted, the buffer is dropped and the error is
 * SG_E_NOTFOUND.  One writer per thread; it uses the caller's store. */
#ifndef SG_INGEST_H
#define SG_INGEST_H

#include <stddef.h>
#include "core/metricline.h"
#include "core/run.h"
#include "core/store.h"

#define SG_INGEST_BATCH_POINTS 8192
#define SG_INGEST_BATCH_MS 200

struct sg_ingest_opts {
	size_t batch_points;   /* 0: SG_INGEST_BATCH_POINTS */
	int batch_ms;          /* 0: SG_INGEST_BATCH_MS */
};

struct sg_ingest_stats {
	long long points, params, tags;   /* committed */
	long long batches;                /* committed transactions */
	long long failed_flushes;
};

struct sg_ingest;

/* A writer for run (an id, prefix or name, resolved now); opts may be NULL. */
struct sg_ingest *sg_ingest_new(struct sg_store *s, const char *run,
				const struct sg_ingest_opts *opts, struct sg_error *err);
/* Flushes what is buffered and frees the writer; returns the flush status.
 * Takes NULL. */
int sg_ingest_close(struct sg_ingest *w, struct sg_error *err);
/* The run's full id. */
const char *sg_ingest_run_id(const struct sg_ingest *w);

/* Buffers one point; step < 0 means "next" (see above), ts 0 means now.
 * *step_out (may be NULL) receives the step used.  Returns -1 only when a
 * flush this triggered failed (the point is still buffered). */
int sg_ingest_metric(struct sg_ingest *w, const char *key, long long step, double ts,
		     double value, long long *step_out, struct sg_error *err);
int sg_ingest_param(struct sg_ingest *w, const char *key, const char *value,
		    struct sg_error *err);
int sg_ingest_tag(struct sg_ingest *w, const char *key, const char *value, struct sg_error *err);
/* Buffers one record of the line protocol. */
int sg_ingest_record(struct sg_ingest *w, const struct sg_mrec *r, struct sg_error *err);

/* Writes everything buffered now, in one transaction. */
int sg_ingest_flush(struct sg_ingest *w, struct sg_error *err);
/* Flushes if the oldest buffered record is due. */
int sg_ingest_tick(struct sg_ingest *w, struct sg_error *err);
/* Milliseconds until the buffer is due (0: now), or -1 when it is empty:
 * a poll() timeout for event loops. */
int sg_ingest_due_ms(const struct sg_ingest *w);
/* Records waiting to be written. */
size_t sg_ingest_pending(const struct sg_ingest *w);
const struct sg_ingest_stats *sg_ingest_stats(const struct sg_ingest *w);

#endif
