/* fuzz_csv.c — the libFuzzer entry point for the CSV engine: open, index,
 * read every row with both parsers, statistics and frequencies.  Built by
 * tests/fuzz/run.sh with fuzz_csv_target.c and the core sources. */
#include <stddef.h>
#include <stdint.h>
#include "tests/fuzz/fuzz_csv_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_csv(d, n);
}
