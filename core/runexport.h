/* runexport.h — run query results as CSV files, for `sagetty runs export`
 * and the Experiments pane's export.
 *
 * The CSV is RFC 4180 (a field is quoted, quotes doubled, when it holds a
 * comma, a quote, a line break or edge spaces), one header line, "\n" line
 * ends.  Cells are exact: text as written (a param "0.010" stays so),
 * numbers in the shortest form that reads back as the same double ("nan",
 * "inf", "-inf" spelled out), times as ISO 8601 UTC; a missing value is an
 * empty field.  Files are written atomically (sg_write_atomic). */
#ifndef SG_RUNEXPORT_H
#define SG_RUNEXPORT_H

#include <stddef.h>
#include "core/runquery.h"

/* The exact text of one cell (malloc'd), or NULL when it is missing. */
char *sg_runexport_value(const struct sg_rq_column *c, const struct sg_rq_value *v);

/* Writes the rows of p to path: a header "id,<column names>", then one
 * line per run, its full id first. */
int sg_runexport_page(const struct sg_rq_page *p, const struct sg_rq_column *cols, int ncols,
		      const char *path, struct sg_error *err);

/* Fetches the first limit runs matching q (0: all) in its order, with its
 * columns, and writes them as sg_runexport_page does; *nrows (may be NULL)
 * receives how many were written. */
int sg_runexport_query(struct sg_store *s, const struct sg_runquery *q, size_t limit,
		       const char *path, size_t *nrows, struct sg_error *err);

/* Writes groups (sg_rq_group's result over columns cols) to path: a header
 * "<by>,count,<col>.mean,<col>.std…", then one line per group (the runs
 * without a value have an empty first field). */
int sg_runexport_groups(const struct sg_rq_groups *g, const struct sg_rq_column *by,
			const struct sg_rq_column *cols, int ncols, const char *path,
			struct sg_error *err);

#endif
