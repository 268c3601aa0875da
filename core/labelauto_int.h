/* labelauto_int.h — what labelauto.c and labelauto_review.c share; not a
 * public API. */
#ifndef SG_LABELAUTO_INT_H
#define SG_LABELAUTO_INT_H

#include "core/labelauto.h"

/* A stable pseudo-random number in [0, 100) from a row key and a seed: the
 * audit sample is the keys drawing below the audit percent. */
double sg_labelauto_audit_draw(const char *key, uint64_t seed);

/* Retires (makes inactive) the live machine labels of SG_LABELAUTO_USER
 * except those of keys[0..n) and those a reviewer accepted or corrected;
 * unchanged[i] is set when key i already has a live machine label with
 * value vals[i] — it is kept (with its review state) and given the new
 * confidence confs[i], rather than written again.  One transaction. */
int sg_labelauto_retire(struct sg_store *s, struct sg_labels *l, const char *const *keys,
			const char *const *vals, const double *confs, size_t n, uint8_t *unchanged,
			size_t *retired, struct sg_error *err);

/* Renumbers the queue's unlabeled level (items with no live human
 * annotation) so that keys[0..n) come in that order, after nothing else at
 * that level: fresh sequence numbers past the dataset's counter, so every
 * annotator's queue cursor sits before them.  One transaction. */
int sg_labelauto_order_queue(struct sg_store *s, struct sg_labels *l, const char *const *keys,
			     size_t n, struct sg_error *err);

#endif
