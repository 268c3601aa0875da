/* fuzz_labelscheme.h — the fuzz entry point for label scheme files. */
#ifndef SG_FUZZ_LABELSCHEME_H
#define SG_FUZZ_LABELSCHEME_H

#include <stddef.h>
#include <stdint.h>

/* Parses d[0..n) as a label scheme (sg_scheme_parse).  A failure must be
 * "scheme.json:LINE:COL: message" with LINE within the input's lines.  A
 * success must have labels with unique names and unique, unreserved keys;
 * its sg_scheme_format must parse back to the same scheme; and values built
 * from its labels (and a few malformed ones) go through sg_scheme_value_check
 * without crashing, canonical forms checking again to themselves.
 * abort()s when an invariant breaks; returns 0. */
int sg_fuzz_labelscheme(const uint8_t *d, size_t n);

#endif
