/* fuzz_editor.h — the fuzz entry point for the cell editor (tui/editor.h
 * on core/textbuf.h), shared by libFuzzer and the corpus replay in
 * test_editor. */
#ifndef SG_FUZZ_EDITOR_H
#define SG_FUZZ_EDITOR_H

#include <stddef.h>
#include <stdint.h>

/* Reads d[0..n) as a session: byte 0 picks the key style and language,
 * byte 1 the length of the starting text that follows, every later byte
 * one key (controls, printable ASCII, special keys, Alt keys, paste marks,
 * non-ASCII characters; at most 3000).  Aborts when an invariant breaks:
 * the cursor stays on a character boundary inside the text, drawing at
 * odd sizes keeps the cursor inside the surface, undoing everything gives
 * the starting text back and redoing everything gives the final text.
 * Returns 0. */
int sg_fuzz_editor(const uint8_t *d, size_t n);

#endif
