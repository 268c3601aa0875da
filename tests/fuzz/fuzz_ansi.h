/* fuzz_ansi.h — the fuzz entry point for cleaning kernel output. */
#ifndef SG_FUZZ_ANSI_H
#define SG_FUZZ_ANSI_H

#include <stddef.h>
#include <stdint.h>

/* Cleans d[0..n) with sg_ansi_clean, whole and in two pieces, and checks
 * the invariants: no escape or control byte but newline and tab left, the
 * text no longer than the input, spans sorted, disjoint, non-empty, inside
 * the text, colored or bold, with colors in -1..255; cleaning the clean
 * text again changes nothing.  abort()s when one breaks; returns 0. */
int sg_fuzz_ansi(const uint8_t *d, size_t n);

#endif
