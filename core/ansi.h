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
 *   - every other escape sequence is removed, also when cut off at the end
 *     of the input (see "Escape sequences" below);
 *   - a carriage return not followed by a newline starts its line again (a
 *     progress bar shows its last state); a backspace removes the character
 *     before it on the line;
 *   - newlines and tabs stay; other control bytes are removed.  Invalid
 *     UTF-8 is left as it is (the surface shows a replacement).
 *
 * Spans are sorted, do not overlap, are not empty, lie inside the text, and
 * only cover text that is colored or bold.
 *
 * Escape sequences, as one scanner reads them for both cleaning and
 * stripping (ECMA-48 syntax):
 *
 *   - CSI is ESC [ or C1 CSI, then parameter bytes (0x30-0x3f),
 *     intermediates (0x20-0x2f) and a final byte (0x40-0x7e).  Any other
 *     byte ends it early and stays in the text, so a broken sequence never
 *     swallows the words after it.
 *   - OSC, DCS, SOS, PM and APC (ESC ] P X ^ _, or their C1 forms) run to
 *     BEL or ST (ESC \ or C1 ST); another ESC ends them too and starts the
 *     next sequence.
 *   - ESC, intermediates (0x20-0x2f) and a final byte (0x30-0x7e), as in
 *     ESC ( B, is one sequence; ESC before any other byte is dropped alone
 *     (that byte stays).  ESC 0x40-0x5f is the 7-bit form of a C1 control.
 *   - A sequence cut off by the end of the input (a lone ESC included) is
 *     dropped to the end.
 *   - C1 controls count only as UTF-8 characters (U+0080..U+009F, bytes
 *     C2 80..C2 9F), which a UTF-8 terminal obeys.  A lone byte 0x80-0x9f
 *     is part of (possibly broken) UTF-8 and is left to the surface, but a
 *     byte C2 that leads no character is dropped like a broken sequence,
 *     so removing a sequence never joins C2 and a stray 0x80-0x9f into a
 *     C1 control. */
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
/* True when in holds an escape, a control byte other than newline and tab,
 * a C1 control or a lone C2: text without any is already clean (a fast
 * path for plain output). */
int sg_ansi_needed(const char *in, size_t n);
/* Removes the escape sequences from n bytes of s in place, read exactly as
 * sg_ansi_clean reads them; every other byte (carriage returns and other
 * controls included) stays.  Returns the new length, and NUL-terminates s
 * there when it got shorter (s[n] is never written). */
size_t sg_ansi_strip(char *s, size_t n);

#endif
