/* nbdiff.h — comparing and merging notebooks cell by cell.
 *
 * Cells are matched by id.  When two versions share no id at all (scripts in
 * the percent format, or notebooks whose ids were regenerated), cells are
 * matched by equal source, then by similar source among cells of the same
 * type.  A matched cell is "changed" when its type, source, outputs
 * (including the execution count) or metadata differ, and "moved" when it is
 * not part of the longest run of cells that kept their relative order.
 *
 * Line diffs of sources use Myers' algorithm on whole lines. */
#ifndef SG_NBDIFF_H
#define SG_NBDIFF_H

#include <stddef.h>
#include "core/nbformat.h"

enum sg_nbdiff_kind {
	SG_NBD_UNCHANGED,
	SG_NBD_ADDED,     /* only in b */
	SG_NBD_REMOVED,   /* only in a */
	SG_NBD_MOVED,     /* same content, other place (moved is also set) */
	SG_NBD_CHANGED,   /* content differs (moved may be set too) */
};

/* What differs in a matched cell (bits of sg_nbdiff_entry.changes). */
enum {
	SG_NBD_SOURCE = 1,
	SG_NBD_TYPE = 2,
	SG_NBD_OUTPUTS = 4,     /* outputs or execution count */
	SG_NBD_METADATA = 8,
};

struct sg_nbdiff_entry {
	enum sg_nbdiff_kind kind;
	long a, b;            /* index in a / in b; -1 when absent */
	unsigned changes;     /* SG_NBD_SOURCE | ... for matched cells */
	int moved;
};

/* Entries follow b's order; removed cells appear where they were in a
 * (after the entry of the cell that preceded them there). */
struct sg_nbdiff {
	struct sg_nbdiff_entry *e;
	size_t n;
	size_t added, removed, moved, changed, unchanged;
	int metadata_changed;   /* the notebook's own metadata differs */
	int matched_by_id;      /* 0 when the source-similarity fallback was used */
};

/* Compares a (old) with b (new).  Both must stay alive while d is used. */
void sg_nbdiff(const struct sg_nb *a, const struct sg_nb *b, struct sg_nbdiff *d);
void sg_nbdiff_done(struct sg_nbdiff *d);
/* "unchanged", "added", ... */
const char *sg_nbdiff_kind_name(enum sg_nbdiff_kind k);

/* Gives the cells of nb the ids of the cells of ref they match (by the
 * matching sg_nbdiff uses, so by source when no id is shared), keeping the
 * others unique.  For formats without ids (percent scripts get fresh ids on
 * every read), so that versions of one script can be diffed and merged. */
void sg_nb_adopt_ids(const struct sg_nb *ref, struct sg_nb *nb);

/* ---- line diff ---- */
struct sg_linediff_line {
	char op;              /* ' ' kept, '-' only in a, '+' only in b */
	const char *text;     /* points into a or b; not NUL-terminated at len */
	size_t len;
	long a_line, b_line;  /* 1-based line numbers; 0 when absent */
};
struct sg_linediff {
	struct sg_linediff_line *l;
	size_t n;
	size_t added, removed;
};
/* Diffs two texts line by line (a and b must outlive d).  Beyond a few
 * thousand differing lines the result stays correct but may not be minimal. */
void sg_linediff(const char *a, const char *b, struct sg_linediff *d);
void sg_linediff_done(struct sg_linediff *d);

/* ---- 3-way merge ---- */
/* Merges two descendants of base at cell granularity:
 *   - a cell changed on one side only takes that side's version;
 *   - a cell whose type or source both sides changed differently is kept
 *     twice: ours, then theirs (with a fresh id), their metadata marked
 *     "sagetty": {"conflict": "ours"} / {"conflict": "theirs"};
 *   - a cell deleted on one side and changed on the other is kept, marked
 *     with the side that changed it;
 *   - outputs and metadata never conflict: the side that changed them wins,
 *     ours when both did (the save being made is the newest);
 *   - the order of the side that reordered cells is kept (ours if both did),
 *     and cells added on the other side are placed after the cell that
 *     preceded them there.
 * Returns the merged notebook (never NULL); *conflicts gets the number of
 * conflicting cells. */
struct sg_nb *sg_nb_merge3(const struct sg_nb *base, const struct sg_nb *ours,
			   const struct sg_nb *theirs, size_t *conflicts);
/* The conflict side a cell is marked with ("ours"/"theirs"), or NULL. */
const char *sg_nb_cell_conflict(const struct sg_nb_cell *c);
/* Removes the conflict mark (once the user resolved it). */
void sg_nb_cell_clear_conflict(struct sg_nb_cell *c);

#endif
