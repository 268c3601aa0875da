/* runcompare.h — runs side by side: the model behind `sagetty runs compare`
 * and the Experiments pane's comparison.
 *
 * One row per run field, param, metric summary (last, min, max) and tag;
 * one cell per run.  A row "differs" when its cells do: a missing value
 * differs from any present one, metric values compare as numbers and NaN
 * equals NaN.  The front ends choose the run fields (added with
 * sg_runcmp_cell before sg_runcmp_load) and how numbers are written. */
#ifndef SG_RUNCOMPARE_H
#define SG_RUNCOMPARE_H

#include <stddef.h>
#include "core/run.h"

enum sg_cmp_section { SG_CMP_RUN, SG_CMP_PARAM, SG_CMP_METRIC, SG_CMP_TAG, SG_CMP_NSECTIONS };

/* Section names as the CLI's JSON has them: "run", "param", "metric", "tag". */
extern const char *const sg_cmp_section_name[SG_CMP_NSECTIONS];
/* Metric summaries in row order: "last", "min", "max". */
extern const char *const sg_cmp_summary_name[3];

struct sg_cmp_row {
	enum sg_cmp_section section;
	char *key;                 /* run field, param/tag key or metric key */
	int summary;               /* metrics: index into sg_cmp_summary_name; else -1 */
	char **text;               /* per run, NULL when missing */
	double *num;               /* metrics: per run, NaN when missing; else NULL */
	int differs;               /* set by sg_runcmp_load */
};

/* How a metric value is written in a cell. */
typedef void (*sg_cmp_format_fn)(double v, char *buf, size_t n);

struct sg_runcmp {
	int nruns;
	struct sg_run_info *runs;  /* owned: the caller fills runs[0..nruns) */
	struct sg_cmp_row *rows;
	size_t nrows, cap;
};

/* An empty comparison of n runs (runs zeroed for the caller to fill). */
void sg_runcmp_init(struct sg_runcmp *c, int n);
/* Sets the text of a run-field row for run i (rows keep the order in
 * which they are first named). */
void sg_runcmp_cell(struct sg_runcmp *c, const char *field, int run, const char *text);
/* Reads every run's params, metric summaries and tags, orders the rows
 * (run fields, then params, metrics and tags by key) and marks those
 * that differ. */
int sg_runcmp_load(struct sg_runcmp *c, struct sg_store *s, sg_cmp_format_fn fmt,
		   struct sg_error *err);
void sg_runcmp_done(struct sg_runcmp *c);

#endif
