/* pysyntax.c — a line-at-a-time Python tokenizer for colors. */
#include "sgconfig.h"
#include <string.h>
#include "core/pysyntax.h"

/* The state between lines: which string is open (low 3 bits) and its
 * flags.  A single-quoted string only stays open after a trailing
 * backslash. */
enum {
	ST_NONE = 0, ST_DQ3 = 1, ST_SQ3 = 2, ST_DQ = 3, ST_SQ = 4,
	ST_KIND = 7, ST_RAW = 8, ST_FSTR = 16,
};

static const char *const keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await", "break",
	"class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
	"from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not",
	"or", "pass", "raise", "return", "try", "while", "with", "yield",
};

static const char *const builtins[] = {
	"__file__", "__name__", "abs", "all", "any", "ArithmeticError", "AssertionError",
	"AttributeError", "BaseException", "bin", "bool", "breakpoint", "bytearray", "bytes",
	"callable", "chr", "classmethod", "cls", "compile", "complex", "delattr", "dict",
	"dir", "divmod", "Ellipsis", "enumerate", "eval", "Exception", "exec",
	"FileNotFoundError", "filter", "float", "format", "frozenset", "getattr", "globals",
	"hasattr", "hash", "help", "hex", "id", "ImportError", "IndexError", "input", "int",
	"isinstance", "issubclass", "iter", "KeyboardInterrupt", "KeyError", "len", "list",
	"locals", "LookupError", "map", "max", "memoryview", "min", "next",
	"NotImplemented", "NotImplementedError", "object", "oct", "open", "ord", "OSError",
	"pow", "print", "property", "range", "repr", "reversed", "round", "RuntimeError",
	"self", "set", "setattr", "slice", "sorted", "staticmethod", "StopIteration", "str",
	"sum", "super", "tuple", "type", "TypeError", "ValueError", "vars",
	"ZeroDivisionError", "zip",
};

static int in_list(const char *const *list, size_t n, const char *w, size_t len)
{
	/* the first byte rules out nearly every entry before strlen runs */
	for (size_t i = 0; i < n; i++)
		if (list[i][0] == w[0] && strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
			return 1;
	return 0;
}

int sg_py_is_keyword(const char *word, size_t len)
{
	return in_list(keywords, sizeof keywords / sizeof keywords[0], word, len);
}

int sg_py_is_builtin(const char *word, size_t len)
{
	return in_list(builtins, sizeof builtins / sizeof builtins[0], word, len);
}

enum sg_role sg_py_role(enum sg_py_class c)
{
	switch (c) {
	case SG_PY_KEYWORD: return SG_ROLE_SYN_KEYWORD;
	case SG_PY_BUILTIN: return SG_ROLE_SYN_BUILTIN;
	case SG_PY_STRING: return SG_ROLE_SYN_STRING;
	case SG_PY_ESCAPE: return SG_ROLE_SYN_ESCAPE;
	case SG_PY_COMMENT: return SG_ROLE_SYN_COMMENT;
	case SG_PY_NUMBER: return SG_ROLE_SYN_NUMBER;
	case SG_PY_DECORATOR: return SG_ROLE_SYN_DECORATOR;
	case SG_PY_OPERATOR: return SG_ROLE_SYN_OPERATOR;
	case SG_PY_FUNCTION: return SG_ROLE_SYN_FUNCTION;
	case SG_PY_MAGIC: return SG_ROLE_SYN_MAGIC;
	case SG_PY_TEXT: break;
	}
	return SG_ROLE_NORMAL;
}

/* ---- the scanner ------------------------------------------------------------- */

struct scan {
	const char *s;
	size_t len;
	struct sg_py_span *spans;
	size_t max, n;
	int full;
};

/* Adds [a, b) of class c, merging with a touching span of the same class. */
static void emit(struct scan *sc, size_t a, size_t b, enum sg_py_class c)
{
	if (a >= b || sc->full || c == SG_PY_TEXT)
		return;
	if (sc->n && sc->spans[sc->n - 1].end == a && sc->spans[sc->n - 1].cls == c) {
		sc->spans[sc->n - 1].end = b;
		return;
	}
	if (sc->n == sc->max) {
		/* out of room: the last span takes the rest of the line */
		if (sc->n)
			sc->spans[sc->n - 1].end = sc->len;
		sc->full = 1;
		return;
	}
	sc->spans[sc->n++] = (struct sg_py_span){ a, b, c };
}

static int is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_ident(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Flags of a string prefix (r b u f and two-letter pairs), or -1. */
static int prefix_flags(const char *w, size_t n)
{
	int f = 0, seen_r = 0, seen_bfu = 0;

	if (n == 0 || n > 2)
		return n == 0 ? 0 : -1;
	for (size_t i = 0; i < n; i++) {
		int c = lower((unsigned char)w[i]);
		if (c == 'r' && !seen_r) {
			seen_r = 1;
			f |= ST_RAW;
		} else if ((c == 'b' || c == 'f' || c == 'u') && !seen_bfu) {
			seen_bfu = c;
			if (c == 'f')
				f |= ST_FSTR;
		} else {
			return -1;
		}
	}
	if (seen_bfu == 'u' && seen_r)
		return -1;
	return f;
}

/* An f-string field from s[i] = '{' to its '}' (or the line's end);
 * returns the index after it. */
static size_t fstring_field(const struct scan *sc, size_t i)
{
	int depth = 0;

	for (; i < sc->len; i++) {
		if (sc->s[i] == '{')
			depth++;
		else if (sc->s[i] == '}' && --depth == 0)
			return i + 1;
	}
	return sc->len;
}

/* Scans a string body from i in state st; returns the index after the
 * closing quote and sets *st to ST_NONE, or returns len with *st the
 * state to carry (ST_NONE when an unterminated one-line string ends). */
static size_t string_body(struct scan *sc, size_t i, int *st)
{
	int kind = *st & ST_KIND;
	char q = kind == ST_DQ3 || kind == ST_DQ ? '"' : '\'';
	int triple = kind == ST_DQ3 || kind == ST_SQ3;
	size_t start = i;

	while (i < sc->len) {
		char c = sc->s[i];
		if (c == '\\' && !(*st & ST_RAW)) {
			emit(sc, start, i, SG_PY_STRING);
			size_t e = i + 2 <= sc->len ? i + 2 : sc->len;
			if (i + 1 == sc->len && !triple) {
				/* a backslash at the end continues the string */
				emit(sc, i, e, SG_PY_ESCAPE);
				return sc->len;
			}
			emit(sc, i, e, SG_PY_ESCAPE);
			i = start = e;
			continue;
		}
		if (c == '\\' && i + 1 < sc->len) {
			i += 2;  /* raw: \" still does not end the string */
			continue;
		}
		if ((*st & ST_FSTR) && c == '{') {
			if (i + 1 < sc->len && sc->s[i + 1] == '{') {
				i += 2;
				continue;
			}
			emit(sc, start, i, SG_PY_STRING);
			size_t e = fstring_field(sc, i);
			emit(sc, i, e, SG_PY_ESCAPE);
			i = start = e;
			continue;
		}
		if (c == q && (!triple || (i + 2 < sc->len && sc->s[i + 1] == q && sc->s[i + 2] == q))) {
			size_t e = i + (triple ? 3 : 1);
			emit(sc, start, e, SG_PY_STRING);
			*st = ST_NONE;
			return e;
		}
		i++;
	}
	emit(sc, start, sc->len, SG_PY_STRING);
	if (!triple && !(sc->len > 0 && sc->s[sc->len - 1] == '\\'))
		*st = ST_NONE;
	return sc->len;
}

/* A number from i; returns the index after it. */
static size_t number(const struct scan *sc, size_t i)
{
	const char *s = sc->s;
	size_t n = sc->len;

	if (s[i] == '0' && i + 1 < n && strchr("xXoObB", s[i + 1]) && s[i + 1]) {
		i += 2;
		while (i < n && (is_ident((unsigned char)s[i])))
			i++;
		return i;
	}
	while (i < n && (is_digit((unsigned char)s[i]) || s[i] == '_'))
		i++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && (is_digit((unsigned char)s[i]) || s[i] == '_'))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < n && is_digit((unsigned char)s[j])) {
			i = j;
			while (i < n && (is_digit((unsigned char)s[i]) || s[i] == '_'))
				i++;
		}
	}
	if (i < n && (s[i] == 'j' || s[i] == 'J'))
		i++;
	return i;
}

/* True when the soft keyword at [a, b) starts a statement: it is the first
 * word and what follows does not make it a plain name. */
static int soft_keyword(const struct scan *sc, size_t a, size_t b, int first)
{
	static const char *const soft[] = { "match", "case", "type" };
	size_t j = b;

	if (!first || !in_list(soft, 3, sc->s + a, b - a))
		return 0;
	if (b < sc->len && (sc->s[b] == '(' || sc->s[b] == '['))
		return 0;  /* type(x), match(...): a call or a subscript */
	while (j < sc->len && sc->s[j] == ' ')
		j++;
	return j < sc->len && !strchr("=.,)]:;", sc->s[j]) && sc->s[j] != '\0';
}

/* A word at [a, b): keyword, builtin, the name after def/class, a string
 * prefix (returns the string's state through *st), or a name. */
static size_t word(struct scan *sc, size_t a, int first, int *after_def, int *st)
{
	size_t b = a;

	while (b < sc->len && is_ident((unsigned char)sc->s[b]))
		b++;
	if (b < sc->len && (sc->s[b] == '"' || sc->s[b] == '\'')) {
		int f = prefix_flags(sc->s + a, b - a);
		if (f >= 0) {
			*st = f;
			return b;  /* the caller opens the string from a */
		}
	}
	if (sc->max == 0)
		return b;  /* only the state is wanted: names cannot change it */
	if (*after_def) {
		emit(sc, a, b, SG_PY_FUNCTION);
		*after_def = 0;
	} else if (sg_py_is_keyword(sc->s + a, b - a) || soft_keyword(sc, a, b, first)) {
		emit(sc, a, b, SG_PY_KEYWORD);
		*after_def = (b - a == 3 && memcmp(sc->s + a, "def", 3) == 0) ||
			     (b - a == 5 && memcmp(sc->s + a, "class", 5) == 0);
	} else if (sg_py_is_builtin(sc->s + a, b - a) && (a == 0 || sc->s[a - 1] != '.')) {
		emit(sc, a, b, SG_PY_BUILTIN);
	}
	return b;
}

/* Opens a string whose quote is at s[q] (prefix from a): returns the
 * index after it and the state inside it. */
static size_t open_string(struct scan *sc, size_t q, int flags, int *st)
{
	char c = sc->s[q];
	int triple = q + 2 < sc->len && sc->s[q + 1] == c && sc->s[q + 2] == c;

	*st = flags | (c == '"' ? (triple ? ST_DQ3 : ST_DQ) : (triple ? ST_SQ3 : ST_SQ));
	return q + (triple ? 3 : 1);
}

/* IPython at the start of a line: !shell (all of it) or %magic (the word). */
static size_t magic(struct scan *sc, size_t i)
{
	size_t e = i;

	if (sc->s[i] == '!') {
		emit(sc, i, sc->len, SG_PY_MAGIC);
		return sc->len;
	}
	while (e < sc->len && sc->s[e] == '%')
		e++;
	while (e < sc->len && is_ident((unsigned char)sc->s[e]))
		e++;
	emit(sc, i, e, SG_PY_MAGIC);
	return e;
}

int sg_py_highlight(const char *line, size_t len, int state, struct sg_py_span *spans,
		    size_t max, size_t *n)
{
	struct scan sc = { line, len, spans, max, 0, 0 };
	int st = state & (ST_KIND | ST_RAW | ST_FSTR), after_def = 0, first = 1;
	size_t i = 0;

	if ((st & ST_KIND) > ST_SQ)
		st = ST_NONE;
	if (st != ST_NONE)
		i = string_body(&sc, 0, &st);
	else {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i < len && (line[i] == '%' || line[i] == '!'))
			i = magic(&sc, i);
	}
	while (i < len && st == ST_NONE) {
		unsigned char c = (unsigned char)line[i];
		size_t a = i;
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (c == '#') {
			emit(&sc, i, len, SG_PY_COMMENT);
			break;
		}
		if (c == '"' || c == '\'') {
			i = open_string(&sc, i, 0, &st);
			emit(&sc, a, i, SG_PY_STRING);
			i = string_body(&sc, i, &st);
		} else if (is_ident_start(c)) {
			int pf = -1;
			i = word(&sc, a, first, &after_def, &pf);
			if (pf >= 0) {
				i = open_string(&sc, i, pf, &st);
				emit(&sc, a, i, SG_PY_STRING);
				i = string_body(&sc, i, &st);
			}
		} else if (is_digit(c) || (c == '.' && i + 1 < len && is_digit((unsigned char)line[i + 1]))) {
			i = number(&sc, i);
			emit(&sc, a, i, SG_PY_NUMBER);
		} else if (c == '@' && first) {
			i++;
			while (i < len && (is_ident((unsigned char)line[i]) || line[i] == '.'))
				i++;
			emit(&sc, a, i, SG_PY_DECORATOR);
		} else if (strchr("+-*/%=<>!&|^~@", c) && c) {
			while (i < len && line[i] && strchr("+-*/%=<>!&|^~@", line[i]))
				i++;
			emit(&sc, a, i, SG_PY_OPERATOR);
		} else {
			i++;
		}
		first = 0;
	}
	*n = sc.n;
	return st;
}
