/* fuzz_nbparams.h — fuzz entry point for the YAML parameters of `nb run`
 * (core/nbparams.h), shared by libFuzzer and the corpus replay in
 * test_nbparams. */
#ifndef SG_FUZZ_NBPARAMS_H
#define SG_FUZZ_NBPARAMS_H

#include <stddef.h>
#include <stdint.h>

/* sg_nbparams_yaml on d[0..n): a failure is an SG_E_PARSE message
 * "fuzz.yaml:LINE:COL: ..." with positive numbers; a success is an object
 * whose names are Python identifiers, whose every value has a Python
 * literal, and which injects into a notebook as one cell.  Aborts when an
 * invariant breaks; returns 0. */
int sg_fuzz_nbparams(const uint8_t *d, size_t n);

#endif
