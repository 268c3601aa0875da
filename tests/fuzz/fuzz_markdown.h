/* fuzz_markdown.h — the fuzz entry point for the markdown layout
 * (core/mdtext.h), shared by libFuzzer and the corpus replay in
 * test_mdtext. */
#ifndef SG_FUZZ_MARKDOWN_H
#define SG_FUZZ_MARKDOWN_H

#include <stddef.h>
#include <stdint.h>

/* Lays d[0..n) out at several widths, in UTF-8 and ASCII; aborts when an
 * invariant breaks: every line fits the width (at least 8), its text is
 * NUL-terminated with no control characters, its spans are sorted,
 * non-empty, inside the text and not NORMAL, and no line is blank at the
 * end.  Returns 0. */
int sg_fuzz_markdown(const uint8_t *d, size_t n);

#endif
