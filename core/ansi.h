/* ansi.h — terminal escape sequences in program output, made safe to show.
 *
 * Kernel output is written for a terminal: tracebacks colored with SGR
 * sequences, progress bars redrawn with carriage returns, the odd cursor
 * movement.  sg_ansi_clean turns such bytes into plain text plus color
 * spans, so a front end can show the colors it can (or none) and never
 * passes a raw escape to the user's terminal:
 *
 *   - SGR (ESC [ ... m): foreground colors (30-37, 90-97, 38;5;N, 38;2;R;G;B
 *     mapped to the 256-color cube) and bold become spans; backgrounds,
 *     underline and the rest are dropped;
 *   - every other CSI, OSC (ended by BEL or ESC \), and two-byte escape is
 *     removed, also when cut off at the end of the input;
 *   - a carriage return not followed by a newline starts its line again (a
 *     progress bar shows its last state); a backspace removes the character
 *     before it on the line;
 *   - newlines and tabs stay; other control bytes are removed.  Invalid
 *     UTF-8 is left as it is (the surface shows a replacement).
 *
 * Spans are sorted, do not overlap, are not empty, lie inside the text, and
 * only cover text that is colored or bold. */
#ifndef SG_ANSI_H
#define SG_ANSI_H

#include <stddef.h>

struct sg_ansi_span {
	size_t off, len;     /* bytes of the clean text */
	short fg;            /* -1 (default) or a 0..255 palette color */
	unsigned char bold;
};

struct sg_ansi_text {
	char *text;          /* NUL-terminated, malloc'd */
	size_t len;
	struct sg_ansi_span *spans;
	size_t nspans, cap;
};

/* Cleans n bytes of in into out (which it initializes; free with
 * sg_ansi_text_done).  Never fails. */
void sg_ansi_clean(const char *in, size_t n, struct sg_ansi_text *out);
void sg_ansi_text_done(struct sg_ansi_text *t);
/* True when in holds an escape, a carriage return or a backspace: text
 * without any is already clean (a fast path for plain output). */
int sg_ansi_needed(const char *in, size_t n);

#endif
