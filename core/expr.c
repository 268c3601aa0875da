/* expr.c — filter expressions: a lexer, a recursive-descent parser with a
 * depth limit, and a tree evaluator with no mutable state. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/colstats.h"
#include "core/regex.h"
#include "core/expr.h"
#include "core/util.h"

/* ---- tokens -------------------------------------------------------------------- */
enum tok {
	T_END, T_ERR, T_IDENT, T_QIDENT, T_NUMBER, T_STRING, T_LP, T_RP,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_MATCH, T_NMATCH,
	T_AND, T_OR, T_NOT, T_IS, T_NULL, T_TRUE, T_FALSE,
};

/* Value families: a comparison is numeric only within one family. */
enum family { FAM_TEXT, FAM_NUM, FAM_BOOL, FAM_TIME };

enum nkind { N_OR, N_AND, N_NOT, N_CMP, N_MATCH, N_NULL };

struct node {
	enum nkind kind;
	enum tok op;                  /* N_CMP: T_EQ..T_GE */
	int neg;                      /* N_MATCH: !~; N_NULL: is not null */
	int col;
	struct node **kid;
	int nkid;
	char *lit;                    /* N_CMP: the value's bytes */
	size_t litlen;
	int lit_missing;
	enum family lit_fam;
	double lit_num;
	regex_t re;                   /* N_MATCH */
};

struct sg_expr {
	struct node *root;
	struct node **all;            /* every node, for freeing */
	size_t nall;
	int maxcol;
};

struct parser {
	const char *s;
	size_t n, pos;
	const char *const *names;
	int ncols;
	/* the current token */
	enum tok t;
	size_t toff, tlen;
	char *val;                    /* decoded text of names, strings, numbers */
	size_t vlen, vcap;
	int depth;
	struct sg_expr *e;
	struct sg_error *err;
};

/* ---- errors ------------------------------------------------------------------------ */
/* Line and column (characters, from 1) of a byte offset. */
static void line_col(const char *s, size_t off, int *line, int *col)
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

/* Fails at byte offset off with a message; the parser stops at the first. */
static void __attribute__((format(printf, 3, 4)))
fail_at(struct parser *p, size_t off, const char *fmt, ...)
{
	if (p->t == T_ERR)
		return;
	char what[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	int line, col;
	line_col(p->s, off, &line, &col);
	sg_error_set(p->err, SG_E_PARSE, "where:%d:%d: %s", line, col, what);
	p->t = T_ERR;
}

/* The current token as the user wrote it, for messages ("the end" at the end). */
static void tok_text(const struct parser *p, char *buf, size_t n)
{
	if (p->t == T_END) {
		snprintf(buf, n, "the end");
		return;
	}
	size_t len = p->tlen > 40 ? 40 : p->tlen;
	snprintf(buf, n, "'%.*s%s'", (int)len, p->s + p->toff, len < p->tlen ? "…" : "");
}

/* ---- the lexer ------------------------------------------------------------------------- */
static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void val_add(struct parser *p, char c);

/* Empties the decoded value (always NUL-terminated, even when empty). */
static void val_reset(struct parser *p)
{
	val_add(p, 0);
	p->vlen = 0;
	p->val[0] = '\0';
}

static void val_add(struct parser *p, char c)
{
	if (p->vlen + 2 > p->vcap) {
		p->vcap = p->vcap ? 2 * p->vcap : 64;
		p->val = sg_xrealloc(p->val, p->vcap);
	}
	p->val[p->vlen++] = c;
	p->val[p->vlen] = '\0';
}

static int word_is(const char *s, size_t n, const char *w)
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

static enum tok keyword(const char *s, size_t n)
{
	static const struct { const char *w; enum tok t; } kw[] = {
		{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT }, { "is", T_IS },
		{ "null", T_NULL }, { "true", T_TRUE }, { "false", T_FALSE },
	};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (word_is(s, n, kw[i].w))
			return kw[i].t;
	return T_IDENT;
}

/* A quoted string or name from p->pos (at the opening quote) into p->val. */
static enum tok lex_quoted(struct parser *p, char q)
{
	size_t start = p->pos++;
	val_reset(p);
	while (p->pos < p->n) {
		char c = p->s[p->pos++];
		if (c == q) {
			if (q == '`' && p->pos < p->n && p->s[p->pos] == '`') {
				p->pos++;
				val_add(p, '`');
				continue;
			}
			return q == '`' ? T_QIDENT : T_STRING;
		}
		if (c == '\0') {
			fail_at(p, p->pos - 1, "unexpected NUL byte");
			return T_ERR;
		}
		if (c == '\\' && q != '`' && p->pos < p->n) {
			char e = p->s[p->pos];
			const char *from = "\"'\\ntr", *to = "\"'\\\n\t\r";
			const char *k = strchr(from, e);
			if (e && k) {
				p->pos++;
				val_add(p, to[k - from]);
				continue;
			}
		}
		val_add(p, c);
	}
	fail_at(p, start, q == '`' ? "unterminated column name (no closing `)"
				   : "unterminated string (no closing %c)", q);
	return T_ERR;
}

/* A number or bare date: digits, letters, . : and signs after the first byte. */
static enum tok lex_number(struct parser *p)
{
	size_t start = p->pos++;
	while (p->pos < p->n) {
		unsigned char c = (unsigned char)p->s[p->pos];
		if (!(is_digit(c) || (c < 0x80 && is_alpha(c)) || c == '.' || c == ':' ||
		      c == '+' || c == '-'))
			break;
		p->pos++;
	}
	val_reset(p);
	for (size_t i = start; i < p->pos; i++)
		val_add(p, p->s[i]);
	enum sg_valkind k = sg_value_kind(p->val, p->vlen, NULL);
	if (k != SG_VAL_INT && k != SG_VAL_FLOAT && k != SG_VAL_DATE && k != SG_VAL_DATETIME) {
		int w = p->vlen > 40 ? 40 : (int)p->vlen;
		fail_at(p, start, "bad number '%.*s' (quote text values)", w, p->val);
		return T_ERR;
	}
	return T_NUMBER;
}

/* Two-byte operators first, then one-byte ones. */
static enum tok lex_op(struct parser *p)
{
	static const struct { const char *s; enum tok t; } ops[] = {
		{ "==", T_EQ }, { "!=", T_NE }, { "<=", T_LE }, { ">=", T_GE }, { "!~", T_NMATCH },
		{ "&&", T_AND }, { "||", T_OR }, { "=", T_EQ }, { "<", T_LT }, { ">", T_GT },
		{ "~", T_MATCH }, { "!", T_NOT }, { "(", T_LP }, { ")", T_RP },
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t len = strlen(ops[i].s);
		if (p->n - p->pos >= len && memcmp(p->s + p->pos, ops[i].s, len) == 0) {
			p->pos += len;
			return ops[i].t;
		}
	}
	unsigned char c = (unsigned char)p->s[p->pos];
	if (c == 0)
		fail_at(p, p->pos, "unexpected NUL byte");
	else if (c < 0x20 || c == 0x7f)
		fail_at(p, p->pos, "unexpected control byte 0x%02x", c);
	else
		fail_at(p, p->pos, "unexpected character '%c'", c);
	return T_ERR;
}

/* Advances to the next token. */
static void next(struct parser *p)
{
	if (p->t == T_ERR)
		return;
	while (p->pos < p->n && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
	p->toff = p->pos;
	enum tok t;
	if (p->pos >= p->n) {
		t = T_END;
	} else {
		unsigned char c = (unsigned char)p->s[p->pos];
		unsigned char c1 = p->pos + 1 < p->n ? (unsigned char)p->s[p->pos + 1] : 0;
		if (c == '"' || c == '\'' || c == '`') {
			t = lex_quoted(p, (char)c);
		} else if (is_digit(c) || (c == '.' && is_digit(c1)) ||
			   ((c == '-' || c == '+') && (is_digit(c1) || c1 == '.'))) {
			t = lex_number(p);
		} else if (is_alpha(c)) {
			size_t start = p->pos;
			while (p->pos < p->n && (is_alpha((unsigned char)p->s[p->pos]) ||
						 is_digit((unsigned char)p->s[p->pos]) ||
						 p->s[p->pos] == '.'))
				p->pos++;
			t = keyword(p->s + start, p->pos - start);
			val_reset(p);
			for (size_t i = start; i < p->pos; i++)
				val_add(p, p->s[i]);
		} else {
			t = lex_op(p);
		}
	}
	if (p->t == T_ERR)
		return;
	p->t = t;
	p->tlen = p->pos - p->toff;
}

/* ---- the parser ---------------------------------------------------------------------------- */
static struct node *node_new(struct parser *p, enum nkind kind)
{
	struct sg_expr *e = p->e;
	struct node *nd = sg_xcalloc(1, sizeof *nd);
	nd->kind = kind;
	nd->col = -1;
	if ((e->nall & (e->nall - 1)) == 0)
		e->all = sg_xrealloc(e->all, (e->nall ? 2 * e->nall : 1) * sizeof *e->all);
	e->all[e->nall++] = nd;
	return nd;
}

static void node_add(struct node *nd, struct node *kid)
{
	if ((nd->nkid & (nd->nkid - 1)) == 0)
		nd->kid = sg_xrealloc(nd->kid, (size_t)(nd->nkid ? 2 * nd->nkid : 1) * sizeof *nd->kid);
	nd->kid[nd->nkid++] = kid;
}

static struct node *parse_or(struct parser *p);

/* "(columns: a, b, c)" into buf, shortened to fit. */
static void column_list(const struct parser *p, char *buf, size_t n)
{
	size_t o = (size_t)snprintf(buf, n, "columns: ");
	for (int i = 0; i < p->ncols && o < n; i++) {
		const char *sep = i ? ", " : "";
		if (o + strlen(sep) + strlen(p->names[i]) + 8 >= n) {
			snprintf(buf + o, n - o, "%s…", sep);
			return;
		}
		o += (size_t)snprintf(buf + o, n - o, "%s%s", sep, p->names[i]);
	}
	if (p->ncols == 0)
		snprintf(buf + o, n - o, "none");
}

static int find_column(const struct parser *p)
{
	for (int i = 0; i < p->ncols; i++)
		if (strlen(p->names[i]) == p->vlen && memcmp(p->names[i], p->val, p->vlen) == 0)
			return i;
	return -1;
}

static const char *op_name(enum tok t)
{
	static const char *const names[] = { [T_EQ] = "==", [T_NE] = "!=", [T_LT] = "<",
		[T_LE] = "<=", [T_GT] = ">", [T_GE] = ">=", [T_MATCH] = "~", [T_NMATCH] = "!~" };
	return names[t] ? names[t] : "?";
}

static enum family family_of(enum sg_valkind k)
{
	switch (k) {
	case SG_VAL_INT:
	case SG_VAL_FLOAT:
		return FAM_NUM;
	case SG_VAL_BOOL:
		return FAM_BOOL;
	case SG_VAL_DATE:
	case SG_VAL_DATETIME:
		return FAM_TIME;
	default:
		return FAM_TEXT;
	}
}

/* VALUE after a comparison operator, into nd. */
static int parse_value(struct parser *p, struct node *nd, enum tok op)
{
	if (p->t != T_NUMBER && p->t != T_STRING && p->t != T_TRUE && p->t != T_FALSE) {
		if (p->t == T_NULL)
			fail_at(p, p->toff, "compare with null using 'is null' or 'is not null'");
		else if (p->t == T_IDENT)
			fail_at(p, p->toff, "expected a value after '%s', found '%s' (quote text: \"%s\")",
				op_name(op), p->val, p->val);
		else if (p->t != T_ERR) {
			char found[64];
			tok_text(p, found, sizeof found);
			fail_at(p, p->toff, "expected a value after '%s', found %s", op_name(op), found);
		}
		return -1;
	}
	nd->lit = sg_xmalloc(p->vlen + 1);
	memcpy(nd->lit, p->val, p->vlen + 1);
	nd->litlen = p->vlen;
	enum sg_valkind k = sg_value_kind(nd->lit, nd->litlen, &nd->lit_num);
	nd->lit_missing = k == SG_VAL_MISSING;
	nd->lit_fam = family_of(k);
	next(p);
	return 0;
}

/* `~ "regex"` or `!~ "regex"` after the column. */
static int parse_regex(struct parser *p, struct node *nd, enum tok op)
{
	if (p->t != T_STRING) {
		if (p->t != T_ERR) {
			char found[64];
			tok_text(p, found, sizeof found);
			fail_at(p, p->toff, "expected a quoted regex after '%s', found %s", op_name(op),
				found);
		}
		return -1;
	}
	if (memchr(p->val, '\0', p->vlen)) {
		fail_at(p, p->toff, "a regex cannot hold a NUL byte");
		return -1;
	}
	if (sg_regex_weight(p->val) > SG_REGEX_MAX_WEIGHT || p->vlen > SG_REGEX_MAX_BYTES) {
		fail_at(p, p->toff, "%s","the regex is too large or repeats too deeply (no stacked repetitions like a++ or (a{100}){100})");
		return -1;
	}
	int rc = regcomp(&nd->re, p->val, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &nd->re, msg, sizeof msg);
		fail_at(p, p->toff, "bad regex: %s", msg);
		return -1;
	}
	nd->kind = N_MATCH;  /* from here on sg_expr_free knows to regfree */
	nd->neg = op == T_NMATCH;
	next(p);
	return 0;
}

/* COLUMN followed by a comparison, a match or `is [not] null`. */
static struct node *parse_test(struct parser *p)
{
	size_t off = p->toff;
	int col = find_column(p);
	if (col < 0) {
		char cols[512];
		column_list(p, cols, sizeof cols);
		fail_at(p, off, "unknown column '%s' (%s)", p->val, cols);
		return NULL;
	}
	if (col > p->e->maxcol)
		p->e->maxcol = col;
	char colname[64];
	snprintf(colname, sizeof colname, "%s", p->names[col]);
	next(p);
	enum tok op = p->t;
	if (op == T_IS) {
		struct node *nd = node_new(p, N_NULL);
		nd->col = col;
		next(p);
		if (p->t == T_NOT) {
			nd->neg = 1;
			next(p);
		}
		if (p->t != T_NULL) {
			char found[64];
			tok_text(p, found, sizeof found);
			fail_at(p, p->toff, "expected 'null' after 'is', found %s", found);
			return NULL;
		}
		next(p);
		return nd;
	}
	if (op == T_MATCH || op == T_NMATCH) {
		struct node *nd = node_new(p, N_CMP);
		nd->col = col;
		next(p);
		return parse_regex(p, nd, op) == 0 ? nd : NULL;
	}
	if (op >= T_EQ && op <= T_GE) {
		struct node *nd = node_new(p, N_CMP);
		nd->col = col;
		nd->op = op;
		next(p);
		return parse_value(p, nd, op) == 0 ? nd : NULL;
	}
	if (p->t != T_ERR) {
		char found[64];
		tok_text(p, found, sizeof found);
		fail_at(p, p->toff, "expected an operator (== != < <= > >= ~ !~ is) after '%s', found %s",
			colname, found);
	}
	return NULL;
}

static struct node *parse_primary(struct parser *p)
{
	if (p->t == T_LP) {
		size_t off = p->toff;
		if (++p->depth > SG_EXPR_MAX_DEPTH) {
			fail_at(p, off, "expression nested too deeply (limit %d)", SG_EXPR_MAX_DEPTH);
			return NULL;
		}
		next(p);
		struct node *nd = parse_or(p);
		if (!nd)
			return NULL;
		if (p->t != T_RP) {
			if (p->t != T_ERR) {
				char found[64];
				int line, col;
				tok_text(p, found, sizeof found);
				line_col(p->s, off, &line, &col);
				fail_at(p, p->toff, "expected ')' to close the '(' at %d:%d, found %s", line,
					col, found);
			}
			return NULL;
		}
		p->depth--;
		next(p);
		return nd;
	}
	if (p->t == T_IDENT || p->t == T_QIDENT)
		return parse_test(p);
	if (p->t != T_ERR) {
		char found[64];
		tok_text(p, found, sizeof found);
		fail_at(p, p->toff, "expected a column name, found %s%s", found,
			p->t == T_NUMBER ? " (quote names starting with a digit in `backquotes`)" : "");
	}
	return NULL;
}

static struct node *parse_not(struct parser *p)
{
	if (p->t != T_NOT)
		return parse_primary(p);
	if (++p->depth > SG_EXPR_MAX_DEPTH) {
		fail_at(p, p->toff, "expression nested too deeply (limit %d)", SG_EXPR_MAX_DEPTH);
		return NULL;
	}
	next(p);
	struct node *kid = parse_not(p);
	if (!kid)
		return NULL;
	p->depth--;
	struct node *nd = node_new(p, N_NOT);
	node_add(nd, kid);
	return nd;
}

/* and/or chains are n-ary nodes, so a long chain costs no stack. */
static struct node *parse_chain(struct parser *p, enum tok op)
{
	struct node *first = op == T_OR ? parse_chain(p, T_AND) : parse_not(p);
	if (!first || p->t != op)
		return first;
	struct node *nd = node_new(p, op == T_OR ? N_OR : N_AND);
	node_add(nd, first);
	while (p->t == op) {
		next(p);
		struct node *kid = op == T_OR ? parse_chain(p, T_AND) : parse_not(p);
		if (!kid)
			return NULL;
		node_add(nd, kid);
	}
	return nd;
}

static struct node *parse_or(struct parser *p)
{
	return parse_chain(p, T_OR);
}

int sg_expr_compile_names(const char *text, size_t len, const char *const *names, int ncols,
			  struct sg_expr **out, struct sg_error *err)
{
	struct parser p = { .s = text, .n = len, .names = names, .ncols = ncols, .err = err };
	p.e = sg_xcalloc(1, sizeof *p.e);
	p.e->maxcol = -1;
	*out = NULL;
	next(&p);
	struct node *root = NULL;
	if (p.t == T_END)
		fail_at(&p, 0, "empty expression");
	else
		root = parse_or(&p);
	if (root && p.t != T_END && p.t != T_ERR) {
		char found[64];
		tok_text(&p, found, sizeof found);
		fail_at(&p, p.toff, "expected 'and', 'or' or the end, found %s", found);
	}
	free(p.val);
	if (p.t == T_ERR || !root) {
		sg_expr_free(p.e);
		return -1;
	}
	p.e->root = root;
	*out = p.e;
	return 0;
}

int sg_expr_compile(const char *text, const struct sg_csv *c, struct sg_expr **out,
		    struct sg_error *err)
{
	int n = sg_csv_ncols(c);
	const char **names = sg_xcalloc(n > 0 ? (size_t)n : 1, sizeof *names);
	for (int i = 0; i < n; i++)
		names[i] = sg_csv_colname(c, i);
	int rc = sg_expr_compile_names(text, strlen(text), names, n, out, err);
	free(names);
	return rc;
}

void sg_expr_free(struct sg_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nall; i++) {
		struct node *nd = e->all[i];
		if (nd->kind == N_MATCH)
			regfree(&nd->re);
		free(nd->kid);
		free(nd->lit);
		free(nd);
	}
	free(e->all);
	free(e);
}

int sg_expr_max_column(const struct sg_expr *e)
{
	return e->maxcol;
}

/* ---- evaluation ---------------------------------------------------------------------------------- */
static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	if (r)
		return r;
	return (an > bn) - (an < bn);
}

static int holds(enum tok op, int r)
{
	switch (op) {
	case T_EQ: return r == 0;
	case T_NE: return r != 0;
	case T_LT: return r < 0;
	case T_LE: return r <= 0;
	case T_GT: return r > 0;
	default: return r >= 0;
	}
}

static const struct sg_csv_field *field_of(const struct sg_csv_cursor *row, int col)
{
	static const struct sg_csv_field empty = { "", 0 };
	int n = row->nfields > row->ncols ? row->nfields : row->ncols;
	return col < n ? &row->field[col] : &empty;
}

static int eval_cmp(const struct node *nd, const struct sg_csv_field *f)
{
	double num = 0;
	enum sg_valkind k = sg_value_kind(f->p, f->len, &num);
	if (k == SG_VAL_MISSING && !nd->lit_missing)
		return nd->op == T_NE;
	if (nd->lit_fam != FAM_TEXT && family_of(k) == nd->lit_fam) {
		int r = (num > nd->lit_num) - (num < nd->lit_num);
		return holds(nd->op, r);
	}
	return holds(nd->op, bytes_cmp(f->p, f->len, nd->lit, nd->litlen));
}

static int eval_match(const struct node *nd, const struct sg_csv_field *f)
{
	regmatch_t m[1];
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)f->len;
	/* REG_STARTEND: the field's length, not a NUL, ends the subject. */
	int hit = regexec(&nd->re, f->p, 1, m, REG_STARTEND) == 0;
	return hit != nd->neg;
}

static int eval_node(const struct node *nd, const struct sg_csv_cursor *row)
{
	switch (nd->kind) {
	case N_OR:
		for (int i = 0; i < nd->nkid; i++)
			if (eval_node(nd->kid[i], row))
				return 1;
		return 0;
	case N_AND:
		for (int i = 0; i < nd->nkid; i++)
			if (!eval_node(nd->kid[i], row))
				return 0;
		return 1;
	case N_NOT:
		return !eval_node(nd->kid[0], row);
	case N_CMP:
		return eval_cmp(nd, field_of(row, nd->col));
	case N_MATCH:
		return eval_match(nd, field_of(row, nd->col));
	case N_NULL: {
		const struct sg_csv_field *f = field_of(row, nd->col);
		return (sg_value_kind(f->p, f->len, NULL) == SG_VAL_MISSING) != nd->neg;
	}
	}
	return 0;
}

int sg_expr_eval(const struct sg_expr *e, const struct sg_csv_cursor *row)
{
	return eval_node(e->root, row);
}
