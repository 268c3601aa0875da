/* expr.c — filter expressions: tokens from lex.h, a recursive-descent parser
 * with a depth limit, and a tree evaluator with no mutable state. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/colstats.h"
#include "core/regex.h"
#include "core/expr.h"
#include "core/lex.h"
#include "core/util.h"

/* Value families: a comparison is numeric only within one family. */
enum family { FAM_TEXT, FAM_NUM, FAM_BOOL, FAM_TIME };

enum nkind { N_OR, N_AND, N_NOT, N_CMP, N_MATCH, N_NULL };

struct node {
	enum nkind kind;
	enum sg_tok op;                  /* N_CMP: SG_TOK_EQ..SG_TOK_GE */
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
	struct sg_lex lx;
	const char *const *names;
	int ncols;
	int depth;
	struct sg_expr *e;
};

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
		if (strlen(p->names[i]) == p->lx.val.len &&
		    memcmp(p->names[i], p->lx.val.data, p->lx.val.len) == 0)
			return i;
	return -1;
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
static int parse_value(struct parser *p, struct node *nd, enum sg_tok op)
{
	struct sg_lex *lx = &p->lx;
	enum sg_tok t = lx->t;
	if (t != SG_TOK_NUMBER && t != SG_TOK_STRING && t != SG_TOK_TRUE && t != SG_TOK_FALSE) {
		if (t == SG_TOK_NULL)
			sg_lex_fail(lx, lx->toff, "compare with null using 'is null' or 'is not null'");
		else if (t == SG_TOK_NAME)
			sg_lex_fail(lx, lx->toff,
				    "expected a value after '%s', found '%s' (quote text: \"%s\")",
				    sg_lex_op_name(op), lx->val.data, lx->val.data);
		else
			sg_lex_expected(lx, "expected a value after '%s'", sg_lex_op_name(op));
		return -1;
	}
	nd->lit = sg_xmalloc(lx->val.len + 1);
	memcpy(nd->lit, lx->val.data, lx->val.len + 1);
	nd->litlen = lx->val.len;
	enum sg_valkind k = sg_value_kind(nd->lit, nd->litlen, &nd->lit_num);
	nd->lit_missing = k == SG_VAL_MISSING;
	nd->lit_fam = family_of(k);
	sg_lex_next(&p->lx);
	return 0;
}

/* `~ "regex"` or `!~ "regex"` after the column. */
static int parse_regex(struct parser *p, struct node *nd, enum sg_tok op)
{
	if (p->lx.t != SG_TOK_STRING) {
		sg_lex_expected(&p->lx, "expected a quoted regex after '%s'", sg_lex_op_name(op));
		return -1;
	}
	if (memchr(p->lx.val.data, '\0', p->lx.val.len)) {
		sg_lex_fail(&p->lx, p->lx.toff, "a regex cannot hold a NUL byte");
		return -1;
	}
	if (sg_regex_weight(p->lx.val.data) > SG_REGEX_MAX_WEIGHT || p->lx.val.len > SG_REGEX_MAX_BYTES) {
		sg_lex_fail(&p->lx, p->lx.toff, "the regex is too large or repeats too deeply "
			    "(no stacked repetitions like a++ or (a{100}){100})");
		return -1;
	}
	int rc = regcomp(&nd->re, p->lx.val.data, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &nd->re, msg, sizeof msg);
		sg_lex_fail(&p->lx, p->lx.toff, "bad regex: %s", msg);
		return -1;
	}
	nd->kind = N_MATCH;  /* from here on sg_expr_free knows to regfree */
	nd->neg = op == SG_TOK_NMATCH;
	sg_lex_next(&p->lx);
	return 0;
}

/* COLUMN followed by a comparison, a match or `is [not] null`. */
static struct node *parse_test(struct parser *p)
{
	size_t off = p->lx.toff;
	int col = find_column(p);
	if (col < 0) {
		char cols[512];
		column_list(p, cols, sizeof cols);
		sg_lex_fail(&p->lx, off, "unknown column '%s' (%s)", p->lx.val.data, cols);
		return NULL;
	}
	if (col > p->e->maxcol)
		p->e->maxcol = col;
	char colname[64];
	snprintf(colname, sizeof colname, "%s", p->names[col]);
	sg_lex_next(&p->lx);
	enum sg_tok op = p->lx.t;
	if (op == SG_TOK_IS) {
		struct node *nd = node_new(p, N_NULL);
		nd->col = col;
		sg_lex_next(&p->lx);
		if (p->lx.t == SG_TOK_NOT) {
			nd->neg = 1;
			sg_lex_next(&p->lx);
		}
		if (p->lx.t != SG_TOK_NULL) {
			sg_lex_expected(&p->lx, "expected 'null' after 'is'");
			return NULL;
		}
		sg_lex_next(&p->lx);
		return nd;
	}
	if (op == SG_TOK_MATCH || op == SG_TOK_NMATCH) {
		struct node *nd = node_new(p, N_CMP);
		nd->col = col;
		sg_lex_next(&p->lx);
		return parse_regex(p, nd, op) == 0 ? nd : NULL;
	}
	if (op >= SG_TOK_EQ && op <= SG_TOK_GE) {
		struct node *nd = node_new(p, N_CMP);
		nd->col = col;
		nd->op = op;
		sg_lex_next(&p->lx);
		return parse_value(p, nd, op) == 0 ? nd : NULL;
	}
	sg_lex_expected(&p->lx, "expected an operator (== != < <= > >= ~ !~ is) after '%s'",
			colname);
	return NULL;
}

static struct node *parse_primary(struct parser *p)
{
	if (p->lx.t == SG_TOK_LP) {
		size_t off = p->lx.toff;
		if (++p->depth > SG_EXPR_MAX_DEPTH) {
			sg_lex_fail(&p->lx, off, "expression nested too deeply (limit %d)",
				    SG_EXPR_MAX_DEPTH);
			return NULL;
		}
		sg_lex_next(&p->lx);
		struct node *nd = parse_or(p);
		if (!nd)
			return NULL;
		if (p->lx.t != SG_TOK_RP) {
			if (p->lx.t != SG_TOK_ERR) {
				int line, col;
				sg_lex_line_col(p->lx.s, off, &line, &col);
				sg_lex_expected(&p->lx, "expected ')' to close the '(' at %d:%d", line, col);
			}
			return NULL;
		}
		p->depth--;
		sg_lex_next(&p->lx);
		return nd;
	}
	if (p->lx.t == SG_TOK_NAME || p->lx.t == SG_TOK_QNAME)
		return parse_test(p);
	if (p->lx.t != SG_TOK_ERR) {
		char found[64];
		sg_lex_tok_text(&p->lx, found, sizeof found);
		sg_lex_fail(&p->lx, p->lx.toff, "expected a column name, found %s%s", found,
			p->lx.t == SG_TOK_NUMBER ? " (quote names starting with a digit in `backquotes`)" : "");
	}
	return NULL;
}

static struct node *parse_not(struct parser *p)
{
	if (p->lx.t != SG_TOK_NOT)
		return parse_primary(p);
	if (++p->depth > SG_EXPR_MAX_DEPTH) {
		sg_lex_fail(&p->lx, p->lx.toff, "expression nested too deeply (limit %d)",
			    SG_EXPR_MAX_DEPTH);
		return NULL;
	}
	sg_lex_next(&p->lx);
	struct node *kid = parse_not(p);
	if (!kid)
		return NULL;
	p->depth--;
	struct node *nd = node_new(p, N_NOT);
	node_add(nd, kid);
	return nd;
}

/* and/or chains are n-ary nodes, so a long chain costs no stack. */
static struct node *parse_chain(struct parser *p, enum sg_tok op)
{
	struct node *first = op == SG_TOK_OR ? parse_chain(p, SG_TOK_AND) : parse_not(p);
	if (!first || p->lx.t != op)
		return first;
	struct node *nd = node_new(p, op == SG_TOK_OR ? N_OR : N_AND);
	node_add(nd, first);
	while (p->lx.t == op) {
		sg_lex_next(&p->lx);
		struct node *kid = op == SG_TOK_OR ? parse_chain(p, SG_TOK_AND) : parse_not(p);
		if (!kid)
			return NULL;
		node_add(nd, kid);
	}
	return nd;
}

static struct node *parse_or(struct parser *p)
{
	return parse_chain(p, SG_TOK_OR);
}

int sg_expr_compile_names(const char *text, size_t len, const char *const *names, int ncols,
			  struct sg_expr **out, struct sg_error *err)
{
	struct parser p = { .names = names, .ncols = ncols };
	sg_lex_init(&p.lx, text, 0, len, "where", 0, err);
	p.e = sg_xcalloc(1, sizeof *p.e);
	p.e->maxcol = -1;
	*out = NULL;
	sg_lex_next(&p.lx);
	struct node *root = NULL;
	if (p.lx.t == SG_TOK_END)
		sg_lex_fail(&p.lx, 0, "empty expression");
	else
		root = parse_or(&p);
	if (root && p.lx.t != SG_TOK_END && p.lx.t != SG_TOK_ERR) {
		char found[64];
		sg_lex_tok_text(&p.lx, found, sizeof found);
		sg_lex_fail(&p.lx, p.lx.toff, "expected 'and', 'or' or the end, found %s", found);
	}
	sg_lex_done(&p.lx);
	if (p.lx.t == SG_TOK_ERR || !root) {
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

static int holds(enum sg_tok op, int r)
{
	switch (op) {
	case SG_TOK_EQ: return r == 0;
	case SG_TOK_NE: return r != 0;
	case SG_TOK_LT: return r < 0;
	case SG_TOK_LE: return r <= 0;
	case SG_TOK_GT: return r > 0;
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
		return nd->op == SG_TOK_NE;
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
