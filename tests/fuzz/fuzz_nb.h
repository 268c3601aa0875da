/* fuzz_nb.h — fuzz entry points for the notebook parsers (core/nbformat.h,
 * core/nbpercent.h), shared by libFuzzer and the corpus replay in
 * test_nbformat. */
#ifndef SG_FUZZ_NB_H
#define SG_FUZZ_NB_H

#include <stddef.h>
#include <stdint.h>

/* sg_nb_parse on d[0..n): a failure is an SG_E_PARSE message naming
 * "fuzz.ipynb"; a success has unique valid ids, writes back to text that
 * parses to the same text again, converts to the percent format and back
 * with the same cell types and sources, and diffs/merges with itself to no
 * change and no conflict.  Aborts when an invariant breaks; returns 0. */
int sg_fuzz_ipynb(const uint8_t *d, size_t n);
/* sg_nb_parse_percent on d[0..n): a failure is an SG_E_PARSE message naming
 * "fuzz.py"; a success writes back to text that reads to the same cell
 * types and sources, and that writing is stable. */
int sg_fuzz_percent(const uint8_t *d, size_t n);

#endif
