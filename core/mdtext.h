/* mdtext.h — markdown laid out as styled lines for a terminal.
 *
 * A markdown cell is shown the way a reader wants it, not as source:
 * headings bold (level 1 and 2 underlined with a rule), *emphasis*,
 * **strong**, `code`, links as "text (url)", bullet and numbered lists
 * with a hanging indent, block quotes with a bar, fenced and indented
 * code blocks shown indented by two (fenced ones colored as Python when
 * the fence says python/py/ipython), setext headings,
 * horizontal rules, and pipe tables with aligned columns when they fit
 * the width (kept as source lines when they do not).  Paragraphs are
 * re-wrapped to the width at blanks, measured in display columns.
 *
 * It never fails: any bytes give lines no wider than the width (a single
 * word longer than the width is cut into pieces); invalid UTF-8 is kept.
 * core: no curses; styles are theme roles. */
#ifndef SG_MDTEXT_H
#define SG_MDTEXT_H

#include <stddef.h>
#include "core/theme.h"

struct sg_md_span {
	size_t start, end;        /* bytes [start, end) of the line's text */
	enum sg_role role;
};

struct sg_md_line {
	char *text;               /* NUL-terminated UTF-8, fits the width */
	size_t len;
	struct sg_md_span *spans; /* sorted, non-overlapping; gaps are NORMAL */
	size_t nspans;
};

struct sg_md_doc {
	struct sg_md_line *lines;
	size_t n, cap;
};

/* Lays out src[0..len) for width columns (clamped to at least 8); unicode
 * chooses bullets and rules ("•", "─", "│") or ASCII ("*", "-", "|").
 * out is emptied first.  Returns the number of lines. */
size_t sg_md_render(const char *src, size_t len, int width, int unicode, struct sg_md_doc *out);
/* Frees the lines; the doc can be reused. */
void sg_md_doc_free(struct sg_md_doc *doc);
/* Display width of a line's text. */
int sg_md_line_width(const struct sg_md_line *l);

#endif
