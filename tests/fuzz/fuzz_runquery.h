/* fuzz_runquery.h — the fuzz entry point for the run filter language
 * (core/runquery.h), shared by libFuzzer and the corpus replay in
 * test_runquery. */
#ifndef SG_FUZZ_RUNQUERY_H
#define SG_FUZZ_RUNQUERY_H

#include <stddef.h>
#include <stdint.h>

/* Compiles d[0..n) as a run filter and runs it against a small store (made
 * once in a temporary folder, removed at exit); aborts when an invariant
 * breaks: a failure must be a positioned "where:L:C: …" parse error; a
 * success must run without a store error, count between 0 and the number of
 * runs, fetch as many rows as it counts, and `not (EXPR)` must count the
 * rest (the logic is two-valued).  Returns 0. */
int sg_fuzz_runquery(const uint8_t *d, size_t n);

#endif
