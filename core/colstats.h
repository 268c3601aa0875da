/* colstats.h — column types and statistics over an indexed CSV.
 *
 * One streaming pass over all columns, split across worker threads by
 * chunks of rows (taken as the indexer publishes them, so a pass may start
 * while indexing is still going on).  What is exact and what is not:
 *  - count, missing, type counts, min, max, mean and standard deviation
 *    (Welford per thread, merged; the sample standard deviation, n - 1) are
 *    exact;
 *  - distinct is exact while a column has at most SG_STATS_DISTINCT_MAX
 *    distinct values; past that it is a HyperLogLog estimate (about 1%
 *    error) and distinct_estimated is set;
 *  - the most frequent values are exact while distinct is exact; past that
 *    only the 1,024 most frequent values seen before the bound was hit go
 *    on being counted, and top_approx is set;
 *  - quantiles and the numeric histogram come from a uniform sample of
 *    SG_STATS_SAMPLE values (the values whose row hashes lowest, so the
 *    sample is the same whatever the thread split): exact when a column has
 *    no more numeric values than that, else sampled is set and histogram
 *    counts are scaled to the column's numeric count.
 * Missing values are empty fields and NA, N/A, NaN, nan, null, NULL, None
 * (also the padding of short ragged rows).  Strings compare as bytes. */
#ifndef SG_COLSTATS_H
#define SG_COLSTATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "core/csvfile.h"
#include "core/error.h"

#define SG_STATS_DISTINCT_MAX 100000
#define SG_STATS_SAMPLE 100000
#define SG_STATS_TOP 10
#define SG_STATS_BINS 20
#define SG_STATS_NQ 7

/* What one value looks like. */
enum sg_valkind {
	SG_VAL_MISSING,
	SG_VAL_INT,        /* [+-]digits, at most 18 significant (longer: float) */
	SG_VAL_FLOAT,      /* decimal with . and/or exponent; inf and nan are not */
	SG_VAL_BOOL,       /* true/false, yes/no in any case */
	SG_VAL_DATE,       /* YYYY-MM-DD or YYYY/MM/DD, a real calendar day */
	SG_VAL_DATETIME,   /* a date, T or space, HH:MM[:SS[.frac]], optional Z or ±HH[:]MM */
	SG_VAL_STRING,
	SG_VAL_NKINDS
};

/* A column's type: the narrowest kind that holds every non-missing value
 * (integers widen to float, dates to datetime; any mix else is string). */
enum sg_coltype {
	SG_COL_EMPTY,      /* every value missing */
	SG_COL_INTEGER,
	SG_COL_FLOAT,
	SG_COL_BOOLEAN,
	SG_COL_DATE,
	SG_COL_DATETIME,
	SG_COL_STRING,
};

/* Classifies s[0..n) (need not be NUL-terminated).  When num is non-NULL it
 * gets the value as a number: the number itself, 1/0 for booleans, seconds
 * since 1970-01-01 UTC for dates and datetimes (an offset is applied). */
enum sg_valkind sg_value_kind(const char *s, size_t n, double *num);
const char *sg_valkind_name(enum sg_valkind k);
/* "empty", "integer", "float", "boolean", "date", "datetime", "string". */
const char *sg_coltype_name(enum sg_coltype t);

struct sg_colvalue {
	char *value;                  /* malloc'd, NUL-terminated (may hold NULs: trust len) */
	size_t len;
	uint64_t count;
};

struct sg_colstat {
	const char *name;             /* borrowed from the sg_csv */
	enum sg_coltype type;
	uint64_t count;               /* rows, missing included */
	uint64_t missing;
	uint64_t kinds[SG_VAL_NKINDS];  /* how many values of each kind */
	uint64_t distinct;            /* non-missing distinct values */
	int distinct_estimated;
	/* Numeric summary, valid when numeric is set (integer, float, boolean,
	 * date and datetime columns; over the numeric values only). */
	int numeric;
	uint64_t n;                   /* values in the summary */
	double min, max, mean, stddev;
	double q[SG_STATS_NQ];        /* p1 p5 p25 p50 p75 p95 p99, linear interpolation */
	int sampled;                  /* q and hist come from a sample of sample_n values */
	uint64_t sample_n;
	int nbins;                    /* 0..SG_STATS_BINS equal-width bins over [min, max] */
	uint64_t hist[SG_STATS_BINS];
	/* Bytewise smallest and largest non-missing value (any type). */
	struct sg_colvalue min_text, max_text;
	/* Most frequent non-missing values, count descending, then first seen. */
	int ntop;
	struct sg_colvalue top[SG_STATS_TOP];
	int top_approx;
};

struct sg_colstats {
	uint64_t rows;
	int ncols;
	struct sg_colstat *col;
	double seconds;               /* wall time of the pass */
};

/* Shared with a front end: written by the workers, read at any time. */
struct sg_stats_progress {
	atomic_uint_fast64_t rows_done;
	atomic_uint_fast64_t rows_total;  /* grows while the file is being indexed */
};

struct sg_colstats_options {
	int threads;                  /* 0: 2 (the machines this runs on) */
	const atomic_int *cancel;     /* non-zero stops the pass soon; may be NULL */
	struct sg_stats_progress *progress;  /* may be NULL */
	/* Called from a worker at most every 50 ms while the pass runs (e.g. to
	 * wake a poll() loop); may be NULL. */
	void (*on_progress)(void *ud);
	void *ud;
};

/* Computes every column's statistics in one pass (waiting for the index as
 * it goes).  0 with *out set; 1 when cancelled (*out NULL); -1 on error (an
 * I/O error, or the index stopped on an error: stats of the rows before an
 * unterminated quote are still returned, with 0). */
int sg_colstats_compute(struct sg_csv *c, const struct sg_colstats_options *o,
			struct sg_colstats **out, struct sg_error *err);
void sg_colstats_free(struct sg_colstats *s);

/* Every distinct value of one column with its exact count (missing values
 * included as they are written, e.g. ""), count descending then value
 * ascending. */
struct sg_colfreq {
	int col;
	uint64_t rows;
	size_t n;
	struct sg_colvalue *values;
	double seconds;
};
int sg_colfreq_compute(struct sg_csv *c, int col, const struct sg_colstats_options *o,
		       struct sg_colfreq **out, struct sg_error *err);
void sg_colfreq_free(struct sg_colfreq *f);

/* The same passes in a background thread, for a poll() loop (freq_col -1:
 * all-column statistics; else the frequencies of that column): the fd becomes
 * readable on progress and when the job ends; then sg_stats_job_finish joins
 * it and hands over the result (exactly one of stats/freq, per the start
 * call).  sg_stats_job_cancel asks it to stop; finish still must be called.
 * The job must not outlive c. */
struct sg_stats_job;
struct sg_stats_job *sg_stats_job_start(struct sg_csv *c, int freq_col, struct sg_error *err);
int sg_stats_job_fd(const struct sg_stats_job *j);
/* Progress so far (rows done of total); also drains the fd.  1 when the job
 * has ended. */
int sg_stats_job_poll(struct sg_stats_job *j, uint64_t *done, uint64_t *total);
void sg_stats_job_cancel(struct sg_stats_job *j);
/* Joins; returns what the compute call returned, moving the result out. */
int sg_stats_job_finish(struct sg_stats_job *j, struct sg_colstats **stats,
			struct sg_colfreq **freq, struct sg_error *err);

#endif
