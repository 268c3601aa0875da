/* lex.c — the tokenizer shared by the filter languages (see lex.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/colstats.h"
#include "core/lex.h"

void sg_lex_line_col(const char *s, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

void sg_lex_fail(struct sg_lex *lx, size_t off, const char *fmt, ...)
{
	if (lx->t == SG_TOK_ERR)
		return;
	char what[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	int line, col;
	sg_lex_line_col(lx->s, off, &line, &col);
	sg_error_set(lx->err, SG_E_PARSE, "%s:%d:%d: %s", lx->what, line, col, what);
	lx->t = SG_TOK_ERR;
}

void sg_lex_expected(struct sg_lex *lx, const char *fmt, ...)
{
	char what[512], found[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	sg_lex_tok_text(lx, found, sizeof found);
	sg_lex_fail(lx, lx->toff, "%s, found %s", what, found);
}

void sg_lex_tok_text(const struct sg_lex *lx, char *buf, size_t n)
{
	if (lx->t == SG_TOK_END) {
		snprintf(buf, n, "the end");
		return;
	}
	size_t len = lx->tlen > 40 ? 40 : lx->tlen;
	snprintf(buf, n, "'%.*s%s'", (int)len, lx->s + lx->toff, len < lx->tlen ? "…" : "");
}

const char *sg_lex_op_name(enum sg_tok t)
{
	static const char *const names[] = {
		[SG_TOK_EQ] = "==", [SG_TOK_NE] = "!=", [SG_TOK_LT] = "<", [SG_TOK_LE] = "<=",
		[SG_TOK_GT] = ">", [SG_TOK_GE] = ">=", [SG_TOK_MATCH] = "~", [SG_TOK_NMATCH] = "!~",
	};
	return (size_t)t < sizeof names / sizeof names[0] && names[t] ? names[t] : "?";
}

int sg_lex_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

int sg_lex_name_char(unsigned char c)
{
	return sg_lex_name_start(c) || is_digit(c);
}

int sg_lex_word_is(const char *s, size_t n, const char *w)
{
	size_t i = 0;
	for (; i < n && w[i]; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != w[i])
			return 0;
	}
	return i == n && w[i] == '\0';
}

/* ---- the decoded value ---- */

/* Appends a byte to val (and to the current part of a field). */
static void val_add(struct sg_lex *lx, char c)
{
	sg_buf_putc(&lx->val, c);
	if (lx->npart > 0)
		lx->part[lx->npart - 1].len++;
}

/* Empties val: "" (never NULL), no parts. */
static void val_reset(struct sg_lex *lx)
{
	lx->npart = 0;
	sg_buf_truncate(&lx->val, 0);
	sg_buf_add(&lx->val, "", 0);
}

static void part_start(struct sg_lex *lx)
{
	if (lx->npart == lx->cpart) {
		lx->cpart = lx->cpart ? 2 * lx->cpart : 4;
		lx->part = sg_xrealloc(lx->part, (size_t)lx->cpart * sizeof *lx->part);
	}
	lx->part[lx->npart++] = (struct sg_lex_part){ .start = lx->val.len };
}

/* ---- tokens ---- */

static enum sg_tok keyword(const char *s, size_t n)
{
	static const struct { const char *w; enum sg_tok t; } kw[] = {
		{ "and", SG_TOK_AND }, { "or", SG_TOK_OR }, { "not", SG_TOK_NOT }, { "is", SG_TOK_IS },
		{ "null", SG_TOK_NULL }, { "true", SG_TOK_TRUE }, { "false", SG_TOK_FALSE },
	};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (sg_lex_word_is(s, n, kw[i].w))
			return kw[i].t;
	return SG_TOK_NAME;
}

/* A quoted string or backquoted name from lx->pos (at the opening quote q),
 * appended to val; 0, or -1 after failing. */
static int lex_quoted(struct sg_lex *lx, char q)
{
	size_t start = lx->pos++;
	while (lx->pos < lx->n) {
		char c = lx->s[lx->pos++];
		if (c == q) {
			if (q == '`' && lx->pos < lx->n && lx->s[lx->pos] == '`') {
				lx->pos++;
				val_add(lx, '`');
				continue;
			}
			return 0;
		}
		if (c == '\0' && (q == '`' || !(lx->flags & SG_LEX_STRING_NUL))) {
			sg_lex_fail(lx, lx->pos - 1, "unexpected NUL byte");
			return -1;
		}
		if (c == '\\' && q != '`' && lx->pos < lx->n) {
			char e = lx->s[lx->pos];
			const char *from = "\"'\\ntr", *to = "\"'\\\n\t\r";
			const char *k = e ? strchr(from, e) : NULL;
			if (k) {
				lx->pos++;
				val_add(lx, to[k - from]);
				continue;
			}
		}
		val_add(lx, c);
	}
	if (q != '`')
		sg_lex_fail(lx, start, "unterminated string (no closing %c)", q);
	else if (lx->flags & SG_LEX_FIELDS)
		sg_lex_fail(lx, start, "unterminated name (no closing `)");
	else
		sg_lex_fail(lx, start, "unterminated column name (no closing `)");
	return -1;
}

/* A number or bare date: digits, letters, . : and signs after the first byte. */
static enum sg_tok lex_number(struct sg_lex *lx)
{
	size_t start = lx->pos++;
	while (lx->pos < lx->n) {
		unsigned char c = (unsigned char)lx->s[lx->pos];
		if (!(is_digit(c) || (c < 0x80 && sg_lex_name_start(c)) || c == '.' || c == ':' ||
		      c == '+' || c == '-'))
			break;
		lx->pos++;
	}
	val_reset(lx);
	sg_buf_add(&lx->val, lx->s + start, lx->pos - start);
	enum sg_valkind k = sg_value_kind(lx->val.data, lx->val.len, NULL);
	if (k != SG_VAL_INT && k != SG_VAL_FLOAT && k != SG_VAL_DATE && k != SG_VAL_DATETIME) {
		int w = lx->val.len > 40 ? 40 : (int)lx->val.len;
		sg_lex_fail(lx, start, "bad number '%.*s' (quote text values)", w, lx->val.data);
		return SG_TOK_ERR;
	}
	return SG_TOK_NUMBER;
}

/* A bare name: one token, dots included. */
static enum sg_tok lex_name(struct sg_lex *lx)
{
	size_t start = lx->pos;
	while (lx->pos < lx->n && (sg_lex_name_char((unsigned char)lx->s[lx->pos]) ||
				   lx->s[lx->pos] == '.'))
		lx->pos++;
	val_reset(lx);
	sg_buf_add(&lx->val, lx->s + start, lx->pos - start);
	return keyword(lx->val.data, lx->val.len);
}

/* A field: bare characters and dots, and backquoted parts, with no spaces. */
static enum sg_tok lex_field(struct sg_lex *lx)
{
	val_reset(lx);
	part_start(lx);
	while (lx->pos < lx->n) {
		unsigned char c = (unsigned char)lx->s[lx->pos];
		if (c == '`') {
			lx->part[lx->npart - 1].quoted = 1;
			if (lex_quoted(lx, '`') != 0)
				return SG_TOK_ERR;
		} else if (c == '.') {
			lx->pos++;
			part_start(lx);
		} else if (sg_lex_name_char(c)) {
			val_add(lx, (char)c);
			lx->pos++;
		} else {
			break;
		}
	}
	if (lx->npart == 1 && !lx->part[0].quoted)
		return keyword(lx->val.data, lx->val.len);
	return SG_TOK_NAME;
}

/* Two-byte operators first, then one-byte ones. */
static enum sg_tok lex_op(struct sg_lex *lx)
{
	static const struct { const char *s; enum sg_tok t; } ops[] = {
		{ "==", SG_TOK_EQ }, { "!=", SG_TOK_NE }, { "<=", SG_TOK_LE }, { ">=", SG_TOK_GE },
		{ "!~", SG_TOK_NMATCH }, { "&&", SG_TOK_AND }, { "||", SG_TOK_OR }, { "=", SG_TOK_EQ },
		{ "<", SG_TOK_LT }, { ">", SG_TOK_GT }, { "~", SG_TOK_MATCH }, { "!", SG_TOK_NOT },
		{ "(", SG_TOK_LP }, { ")", SG_TOK_RP },
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t len = strlen(ops[i].s);
		if (lx->n - lx->pos >= len && memcmp(lx->s + lx->pos, ops[i].s, len) == 0) {
			lx->pos += len;
			return ops[i].t;
		}
	}
	unsigned char c = (unsigned char)lx->s[lx->pos];
	if (c == 0)
		sg_lex_fail(lx, lx->pos, "unexpected NUL byte");
	else if (c < 0x20 || c == 0x7f)
		sg_lex_fail(lx, lx->pos, "unexpected control byte 0x%02x", c);
	else
		sg_lex_fail(lx, lx->pos, "unexpected character '%c'", c);
	return SG_TOK_ERR;
}

/* The token at lx->pos (not at the end). */
static enum sg_tok lex_token(struct sg_lex *lx)
{
	unsigned char c = (unsigned char)lx->s[lx->pos];
	unsigned char c1 = lx->pos + 1 < lx->n ? (unsigned char)lx->s[lx->pos + 1] : 0;
	int fields = (lx->flags & SG_LEX_FIELDS) != 0;

	if (c == '"' || c == '\'' || (c == '`' && !fields)) {
		val_reset(lx);
		if (lex_quoted(lx, (char)c) != 0)
			return SG_TOK_ERR;
		return c == '`' ? SG_TOK_QNAME : SG_TOK_STRING;
	}
	if (is_digit(c) || (c == '.' && is_digit(c1)) ||
	    ((c == '-' || c == '+') && (is_digit(c1) || c1 == '.')))
		return lex_number(lx);
	if (fields && (sg_lex_name_start(c) || c == '`'))
		return lex_field(lx);
	if (sg_lex_name_start(c))
		return lex_name(lx);
	return lex_op(lx);
}

void sg_lex_next(struct sg_lex *lx)
{
	if (lx->t == SG_TOK_ERR)
		return;
	while (lx->pos < lx->n && lx->s[lx->pos] && strchr(" \t\r\n", lx->s[lx->pos]))
		lx->pos++;
	lx->toff = lx->pos;
	enum sg_tok t = lx->pos >= lx->n ? SG_TOK_END : lex_token(lx);
	if (lx->t == SG_TOK_ERR)
		return;
	lx->t = t;
	lx->tlen = lx->pos - lx->toff;
}

void sg_lex_init(struct sg_lex *lx, const char *s, size_t start, size_t end, const char *what,
		 unsigned flags, struct sg_error *err)
{
	memset(lx, 0, sizeof *lx);
	lx->s = s;
	lx->pos = start;
	lx->n = end;
	lx->what = what;
	lx->flags = flags;
	lx->err = err;
	lx->t = SG_TOK_END;
}

void sg_lex_done(struct sg_lex *lx)
{
	sg_buf_done(&lx->val);
	free(lx->part);
	lx->part = NULL;
	lx->npart = lx->cpart = 0;
}
