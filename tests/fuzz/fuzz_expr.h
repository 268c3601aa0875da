/* fuzz_expr.h — the fuzz entry point for the filter expression compiler
 * (core/expr.h), shared by libFuzzer and the corpus replay in test_expr. */
#ifndef SG_FUZZ_EXPR_H
#define SG_FUZZ_EXPR_H

#include <stddef.h>
#include <stdint.h>

/* Compiles d[0..n) against a fixed set of columns (some needing backquotes,
 * one non-ASCII) and evaluates it on a few fixed rows; aborts when an
 * invariant breaks: a failure must be a positioned "where:L:C: …" parse
 * error, a success must evaluate to 0 or 1 and read no column past its
 * max_column.  Returns 0. */
int sg_fuzz_expr(const uint8_t *d, size_t n);

#endif
