/* fuzz_main.c — the libFuzzer entry point for one parser, chosen when
 * compiling: -DFUZZ_TARGET=theme, keymap or config (see tests/fuzz/run.sh). */
#include <stddef.h>
#include <stdint.h>
#include "fuzz_targets.h"

#ifndef FUZZ_TARGET
#error "compile with -DFUZZ_TARGET=theme, keymap or config"
#endif

#define FUZZ_CAT2(a, b) a##b
#define FUZZ_CAT(a, b) FUZZ_CAT2(a, b)

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return FUZZ_CAT(sg_fuzz_, FUZZ_TARGET)(d, n);
}
