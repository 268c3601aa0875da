/* view.h — views over a CSV: sorted, filtered and searched row orders that
 * never copy the file.
 *
 * A view is an array of data-row numbers (uint32 while every row number fits,
 * else uint64: 4 bytes a row for any file below 4G rows).  Positions in a
 * view run 0..n-1; sg_view_row() maps a position to a row of the sg_csv.
 * Every operation takes an optional base view (NULL: all rows in file order)
 * so filters and sorts compose: filter then sort sorts only the kept rows.
 *
 * Indexing: sort, filter, search and write first wait for the whole index
 * (sg_csv_wait), then work on every row.  An index that stopped on an
 * unterminated quote still gives the rows before it (like colstats); an I/O
 * error fails the call.  Call them from a worker thread in the TUI.
 *
 * Sort order, per key: numeric values (integers, floats, booleans as 0/1,
 * dates and datetimes as seconds — whatever sg_value_kind reads as a number)
 * in numeric order, then the other strings bytewise; missing values (empty,
 * NA, null… as colstats defines them) last.  Descending is the exact reverse
 * (strings first, then numbers, largest first) except that missing values
 * stay last.  Ties keep their base order: the sort is stable.
 *
 * Threads and cancelling: sort and filter split the rows across
 * o->threads workers (default 2) by position range; the results do not
 * depend on the thread count.  A non-zero *o->cancel stops any call soon
 * (it then returns 1); o->progress counts rows done of rows total. */
#ifndef SG_VIEW_H
#define SG_VIEW_H

#include <stdatomic.h>
#include <stdint.h>
#include "core/colstats.h"
#include "core/csvfile.h"
#include "core/error.h"
#include "core/expr.h"

struct sg_view {
	uint64_t n;                   /* positions */
	uint32_t *r32;                /* exactly one of r32, r64 is set (or neither when n is 0) */
	uint64_t *r64;
};

/* The data row at position i (i < v->n). */
static inline uint64_t sg_view_row(const struct sg_view *v, uint64_t i)
{
	return v->r32 ? v->r32[i] : v->r64[i];
}

/* A view of n given rows (copied), e.g. marked rows. */
struct sg_view *sg_view_from_rows(const uint64_t *rows, uint64_t n);
void sg_view_free(struct sg_view *v);

struct sg_view_options {
	int threads;                  /* 0: 2 */
	const atomic_int *cancel;     /* may be NULL */
	struct sg_stats_progress *progress;  /* may be NULL */
};

struct sg_sort_key {
	int col;
	int desc;
};

/* Sorts base (NULL: all rows) by keys[0..nkeys), stable.  0 with *out set,
 * 1 when cancelled, -1 with err (SG_E_USAGE for a bad column, I/O errors). */
int sg_view_sort(struct sg_csv *c, const struct sg_view *base, const struct sg_sort_key *keys,
		 int nkeys, const struct sg_view_options *o, struct sg_view **out,
		 struct sg_error *err);

/* A view of the rows of base (NULL: all rows) that satisfy e, in base
 * order.  Returns as sg_view_sort. */
int sg_view_filter(struct sg_csv *c, const struct sg_view *base, const struct sg_expr *e,
		   const struct sg_view_options *o, struct sg_view **out, struct sg_error *err);

#define SG_SEARCH_BACKWARD 1      /* previous match instead of next */
#define SG_SEARCH_ICASE 2         /* case-insensitive */

/* For `/` and n/N: the first position after start (before it with
 * SG_SEARCH_BACKWARD) in v (NULL: all rows) with a field matching the POSIX
 * extended regex pattern, wrapping around the end and ending at start itself
 * (*wrapped set when the match is at or past the wrap).  start may be any
 * value (UINT64_MAX: search from the top, or the bottom backward).  0 with
 * *pos set; 1 when cancelled; -1 with SG_E_NOTFOUND when nothing matches, or
 * SG_E_PARSE for a bad regex.  Searches in one thread, in chunks. */
int sg_view_search(struct sg_csv *c, const struct sg_view *v, const char *pattern, int flags,
		   uint64_t start, const struct sg_view_options *o, uint64_t *pos, int *wrapped,
		   struct sg_error *err);

/* Writes the header record (when the file has one) and the rows of v (NULL:
 * all) in view order to path, each record byte for byte as in the source
 * (same delimiter and quoting) ending with \n.  Atomic: a temp file in the
 * same folder, fsync, rename; streamed, never built in memory. */
int sg_view_write_csv(struct sg_csv *c, const struct sg_view *v, const char *path,
		      struct sg_error *err);

#endif
