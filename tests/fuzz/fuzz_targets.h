/* fuzz_targets.h — fuzz entry points for the conf.h parsers.
 *
 * Each function feeds d[0..n) (not NUL-terminated) to one parser, then checks
 * the parser's invariants and calls abort() when one is broken, so both
 * libFuzzer (tests/fuzz/fuzz_main.c) and the corpus replay test
 * (tests/test_corpus.c) notice.  All return 0, libFuzzer's convention. */
#ifndef SG_FUZZ_TARGETS_H
#define SG_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* sg_theme_parse: a failure leaves the default theme untouched; a success
 * leaves every color in -1..255 and only known attribute bits. */
int sg_fuzz_theme(const uint8_t *d, size_t n);
/* sg_keymap_parse: a failure leaves the defaults; a success leaves valid
 * contexts, real actions, unique context+key pairs and key names that parse
 * back to the same key. */
int sg_fuzz_keymap(const uint8_t *d, size_t n);
/* sg_config_parse: a failure leaves the defaults; a success leaves values in
 * range, and sg_config_format of them parses back to the same values. */
int sg_fuzz_config(const uint8_t *d, size_t n);

#endif
