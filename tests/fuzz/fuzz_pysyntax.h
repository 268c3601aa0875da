/* fuzz_pysyntax.h — the fuzz entry point for the Python highlighter
 * (core/pysyntax.h), shared by libFuzzer and the corpus replay in
 * test_pysyntax. */
#ifndef SG_FUZZ_PYSYNTAX_H
#define SG_FUZZ_PYSYNTAX_H

#include <stddef.h>
#include <stdint.h>

/* Highlights d[0..n) line by line, carrying the state, with room for many
 * spans and for only a few; aborts when an invariant breaks: spans must be
 * sorted, non-empty, non-overlapping and inside the line, of a known
 * class; a full span array must end at the line's end; asking for no
 * spans must give the same state; the state must be
 * one the next line accepts, and the same input must give the same spans.
 * Returns 0. */
int sg_fuzz_pysyntax(const uint8_t *d, size_t n);

#endif
