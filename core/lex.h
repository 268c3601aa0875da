/* lex.h — the tokenizer shared by the two filter languages: row filters
 * (expr.h) and run filters, sorts and column lists (runquery.h).
 *
 * Tokens: numbers and bare dates (a digit, or '.', '+' or '-' before a
 * digit, then digits, ASCII letters, . : + -; sg_value_kind must read it as
 * an int, float, date or datetime), strings in "double" or 'single' quotes
 * with the escapes \" \' \\ \n \t \r (any other backslash is kept as is),
 * names (letters, '_', any byte >= 0x80, then digits and dots too),
 * backquoted names (`` is one backquote; no escapes), the keywords and or
 * not is null true false (any case, bare names only), and the operators
 * == = != < <= > >= ~ !~ && || ! ( ).  Spaces, tabs and newlines separate
 * tokens.
 *
 * The two languages differ in names only: by default a name is one token
 * (dots included) and a backquoted name another (SG_TOK_QNAME); with
 * SG_LEX_FIELDS a name is dot-separated parts, any of them (or any piece
 * of one) backquoted, as in metric.`a:b`.max, recorded in part[].
 *
 * Errors are "WHAT:LINE:COL: message" (columns count characters from 1)
 * with the position of the offending token; the first error wins and the
 * token becomes SG_TOK_ERR for good. */
#ifndef SG_LEX_H
#define SG_LEX_H

#include <stddef.h>
#include "core/error.h"
#include "core/util.h"

enum sg_tok {
	SG_TOK_END, SG_TOK_ERR, SG_TOK_NAME, SG_TOK_QNAME, SG_TOK_NUMBER, SG_TOK_STRING,
	SG_TOK_LP, SG_TOK_RP,
	SG_TOK_EQ, SG_TOK_NE, SG_TOK_LT, SG_TOK_LE, SG_TOK_GT, SG_TOK_GE, SG_TOK_MATCH,
	SG_TOK_NMATCH,
	SG_TOK_AND, SG_TOK_OR, SG_TOK_NOT, SG_TOK_IS, SG_TOK_NULL, SG_TOK_TRUE, SG_TOK_FALSE,
};

/* Flags of sg_lex_init. */
enum {
	SG_LEX_FIELDS = 1,       /* names are dotted parts (see above) */
	SG_LEX_STRING_NUL = 2,   /* strings may hold NUL bytes (else an error) */
};

/* One dot-separated part of an SG_LEX_FIELDS name: bytes of val. */
struct sg_lex_part {
	size_t start, len;
	int quoted;              /* some of it was in backquotes */
};

struct sg_lex {
	const char *s;           /* the whole text (positions count from here) */
	size_t n, pos;           /* the end and the next byte */
	const char *what;        /* the error prefix: "where", "sort", ... */
	unsigned flags;
	enum sg_tok t;           /* the current token */
	size_t toff, tlen;       /* its bytes in s */
	struct sg_buf val;       /* decoded text of names, strings, numbers:
				    never NULL once such a token was read */
	struct sg_lex_part *part;
	int npart, cpart;
	struct sg_error *err;
};

/* Starts reading s[start, end); the first token comes with sg_lex_next. */
void sg_lex_init(struct sg_lex *lx, const char *s, size_t start, size_t end, const char *what,
		 unsigned flags, struct sg_error *err);
void sg_lex_done(struct sg_lex *lx);
/* Advances to the next token; does nothing once the token is SG_TOK_ERR. */
void sg_lex_next(struct sg_lex *lx);
/* Fails at byte offset off of s (parsers use it for grammar errors too);
 * only the first failure is kept. */
void sg_lex_fail(struct sg_lex *lx, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fails at the current token with the message and ", found TOKEN" (as
 * sg_lex_tok_text writes it); nothing when the token is already an error. */
void sg_lex_expected(struct sg_lex *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The current token as written, quoted and cut at 40 bytes, or "the end". */
void sg_lex_tok_text(const struct sg_lex *lx, char *buf, size_t n);
/* The text of a comparison or match operator token ("==", "!~"), "?" for
 * any other token. */
const char *sg_lex_op_name(enum sg_tok t);
/* Line and column (characters, from 1) of byte offset off of s. */
void sg_lex_line_col(const char *s, size_t off, int *line, int *col);
/* True when s[0, n) is the lowercase word w in any ASCII case. */
int sg_lex_word_is(const char *s, size_t n, const char *w);
/* Bytes that start a name, and bytes that may follow. */
int sg_lex_name_start(unsigned char c);
int sg_lex_name_char(unsigned char c);

#endif
