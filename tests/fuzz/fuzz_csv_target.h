/* fuzz_csv_target.h — the fuzz entry point for the CSV engine (csvfile.h and
 * colstats.h), shared by the libFuzzer harness (tests/fuzz/fuzz_csv.c) and
 * the corpus replay in tests/test_csvfile.c. */
#ifndef SG_FUZZ_CSV_TARGET_H
#define SG_FUZZ_CSV_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Writes d[0..n) to an in-memory file, opens it (sniffed dialect), indexes
 * it, reads every row with both field parsers and checks they agree, then
 * computes all-column statistics and the first column's frequencies.
 * abort()s when an invariant breaks; returns 0 (libFuzzer's convention). */
int sg_fuzz_csv(const uint8_t *d, size_t n);

#endif
