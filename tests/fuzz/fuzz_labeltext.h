/* fuzz_labeltext.h — the Label view's text model and filter line as a fuzz
 * target (tests/fuzz/fuzz_labeltext.c), replayed over tests/corpus/labeltext
 * by tests/test_pane_label.c. */
#ifndef SG_FUZZ_LABELTEXT_H
#define SG_FUZZ_LABELTEXT_H

#include <stddef.h>
#include <stdint.h>

/* d[0] picks the width (1..64) and the mode (UTF-8 or ASCII), d[1..8] a
 * script of motions and selections, the rest is the field's text (any
 * bytes) and, after a NUL, a filter line.  Aborts when an invariant
 * breaks: display lines cover the text in order on character boundaries
 * and fit the width (a single over-wide character excepted); the cursor
 * and a selection stay inside the text on character boundaries; code point
 * offsets convert back to the same bytes; drawing stays on the surface; a
 * filter parses or says why, leaving its output untouched. */
int sg_fuzz_labeltext(const uint8_t *d, size_t n);

#endif
