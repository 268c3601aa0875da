/* pysyntax.h — Python (and IPython) tokens of one line, for syntax colors.
 *
 * The highlighter works a line at a time, as an editor draws: it is given
 * the state the previous line ended in (0 for the first line) and returns
 * the state this one ends in, so a triple-quoted string or a bracket left
 * open carries over.  It never fails: any bytes give sorted,
 * non-overlapping spans inside the line; bytes not in a span are plain
 * text.  Python 3 syntax: keywords (and soft keywords match/case/type when
 * they start a statement), builtins, string prefixes (r b f u and pairs,
 * any case), f-string replacement fields, comments, numbers (hex, octal,
 * binary, underscores, exponents, imaginary), decorators, operators, the
 * names after def and class, and IPython's %magic / %%cell magic / !shell
 * lines.  core: no curses; the classes map to theme roles here. */
#ifndef SG_PYSYNTAX_H
#define SG_PYSYNTAX_H

#include <stddef.h>
#include "core/theme.h"

enum sg_py_class {
	SG_PY_TEXT,       /* names, blanks, punctuation */
	SG_PY_KEYWORD,    /* def if return ... and True False None */
	SG_PY_BUILTIN,    /* print len range self ... */
	SG_PY_STRING,     /* literals, prefix and quotes included */
	SG_PY_ESCAPE,     /* \n inside a string; {expr} of an f-string */
	SG_PY_COMMENT,
	SG_PY_NUMBER,
	SG_PY_DECORATOR,  /* @name */
	SG_PY_OPERATOR,   /* + - * / = < > ... */
	SG_PY_FUNCTION,   /* the name after def or class */
	SG_PY_MAGIC,      /* %time, %%bash, !ls */
};

struct sg_py_span {
	size_t start, end;        /* bytes [start, end) of the line */
	enum sg_py_class cls;
};

/* State between lines: 0 at the start of a cell. */
#define SG_PY_STATE_START 0

/* Highlights line[0..len) (no '\n') starting in state; writes at most max
 * spans (when more are needed the last one written is extended to the end
 * of the line) and their count to *n.  Returns the state after the line.
 * max 0 (spans may then be NULL) is the fast way to carry the state over
 * lines that are not drawn. */
int sg_py_highlight(const char *line, size_t len, int state, struct sg_py_span *spans,
		    size_t max, size_t *n);
/* The theme role a class is drawn in (SG_ROLE_NORMAL for TEXT). */
enum sg_role sg_py_role(enum sg_py_class c);
/* True when word[0..len) is a Python keyword / a builtin name. */
int sg_py_is_keyword(const char *word, size_t len);
int sg_py_is_builtin(const char *word, size_t len);

#endif
