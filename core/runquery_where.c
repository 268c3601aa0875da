/* runquery_where.c — the run filter language (runquery.h): tokens from
 * lex.h (fields are dotted parts, some backquoted: metric.`a:b`.max; strings
 * may hold NUL bytes, as bound values can), and a recursive-descent parser
 * with a depth limit that writes SQL directly.  The SQL is structure only;
 * every key, literal and regex is a bound value. */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/colstats.h"
#include "core/regex.h"
#include "core/lex.h"
#include "core/runquery_int.h"
#include "core/util.h"

/* Nesting of parentheses and `not`: far lower than expr.h's because every
 * level costs SQLite parser stack (a fixed ~100 entries; a pending
 * "(a OR" holds three).  16 is measured safe with the deepest statement
 * (tests/test_runquery.c test_nesting_limit_runs). */
#define RQ_MAX_DEPTH 16
/* Conditions in one expression: each costs bound values and a subquery. */
#define RQ_MAX_TESTS 1000

static const char fields_hint[] =
	"use metric.NAME, param.NAME, tag.NAME, status, user, name, experiment, kind, started, ended";

/* ---- bound values ------------------------------------------------------------------- */
static struct rq_bind *bind_push(struct rq_binds *bs)
{
	if (bs->n == bs->cap) {
		bs->cap = bs->cap ? 2 * bs->cap : 8;
		bs->b = sg_xrealloc(bs->b, (size_t)bs->cap * sizeof *bs->b);
	}
	struct rq_bind *b = &bs->b[bs->n++];
	memset(b, 0, sizeof *b);
	return b;
}

int rq_bind_text(struct rq_binds *bs, const char *s, size_t len)
{
	struct rq_bind *b = bind_push(bs);
	b->is_text = 1;
	b->text = sg_xmalloc(len + 1);
	memcpy(b->text, s, len);
	b->text[len] = '\0';
	b->len = len;
	return bs->n;
}

int rq_bind_num(struct rq_binds *bs, double v)
{
	bind_push(bs)->num = v;
	return bs->n;
}

void rq_binds_done(struct rq_binds *bs)
{
	for (int i = 0; i < bs->n; i++)
		free(bs->b[i].text);
	free(bs->b);
	memset(bs, 0, sizeof *bs);
}

void rq_binds_apply(const struct rq_binds *bs, sqlite3_stmt *st)
{
	for (int i = 0; i < bs->n; i++) {
		const struct rq_bind *b = &bs->b[i];
		if (b->is_text)
			sqlite3_bind_text(st, i + 1, b->text, (int)b->len, SQLITE_STATIC);
		else
			sqlite3_bind_double(st, i + 1, b->num);
	}
}

/* ---- fields ------------------------------------------------------------------------------------ */
static const char *const run_fields[] = {
	[SG_RQ_NAME] = "name", [SG_RQ_EXPERIMENT] = "experiment", [SG_RQ_STATUS] = "status",
	[SG_RQ_USER] = "user", [SG_RQ_KIND] = "kind", [SG_RQ_STARTED] = "started",
	[SG_RQ_ENDED] = "ended",
};

static const char *const summaries[] = {
	[SG_RQ_LAST] = "last", [SG_RQ_MIN] = "min", [SG_RQ_MAX] = "max", [SG_RQ_COUNT] = "count",
};

static int summary_of(const char *s, size_t n)
{
	for (int i = 0; i < 4; i++)
		if (strlen(summaries[i]) == n && memcmp(s, summaries[i], n) == 0)
			return i;
	return -1;
}

/* The keyed prefix (metric, param, tag and plurals) of a part, or -1. */
static int keyed_prefix(const char *s, size_t n)
{
	if (sg_lex_word_is(s, n, "metric") || sg_lex_word_is(s, n, "metrics"))
		return SG_RQ_METRIC;
	if (sg_lex_word_is(s, n, "param") || sg_lex_word_is(s, n, "params"))
		return SG_RQ_PARAM;
	if (sg_lex_word_is(s, n, "tag") || sg_lex_word_is(s, n, "tags"))
		return SG_RQ_TAG;
	return -1;
}

/* Joins parts [from, to) of the current field with dots into a new string. */
static char *join_parts(const struct sg_lex *lx, int from, int to)
{
	struct sg_buf b = { 0 };
	for (int i = from; i < to; i++)
		sg_buf_printf(&b, "%s%.*s", i > from ? "." : "", (int)lx->part[i].len,
			   lx->val.data + lx->part[i].start);
	return sg_buf_take(&b, NULL);
}

/* Resolves the current SG_TOK_NAME token into c. */
static int resolve_field(struct sg_lex *lx, struct sg_rq_column *c)
{
	char shown[64];
	sg_lex_tok_text(lx, shown, sizeof shown);
	memset(c, 0, sizeof *c);
	const struct sg_lex_part *p0 = &lx->part[0];
	const char *w = lx->val.data + p0->start;
	int keyed = p0->quoted ? -1 : keyed_prefix(w, p0->len);
	if (keyed < 0) {
		for (int i = 0; lx->npart == 1 && !p0->quoted && i <= SG_RQ_ENDED; i++) {
			if (sg_lex_word_is(w, p0->len, run_fields[i])) {
				c->field = (enum sg_rq_field)i;
				return 0;
			}
		}
		sg_lex_fail(lx, lx->toff, "unknown field %s (%s)", shown, fields_hint);
		return -1;
	}
	int last = lx->npart;
	if (last < 2) {
		sg_lex_fail(lx, lx->toff, "%s needs a name: %.*s.NAME", shown, (int)p0->len, w);
		return -1;
	}
	for (int i = 1; i < last; i++) {
		if (lx->part[i].len == 0 && !lx->part[i].quoted) {
			sg_lex_fail(lx, lx->toff, "empty name in %s (put odd names in `backquotes`)", shown);
			return -1;
		}
	}
	c->field = (enum sg_rq_field)keyed;
	const struct sg_lex_part *pl = &lx->part[last - 1];
	int sum = pl->quoted ? -1 : summary_of(lx->val.data + pl->start, pl->len);
	if (keyed == SG_RQ_METRIC && last >= 3 && sum >= 0) {
		c->summary = (enum sg_rq_summary)sum;
		last--;
	}
	c->key = join_parts(lx, 1, last);
	return 0;
}

void sg_rq_column_done(struct sg_rq_column *c)
{
	if (!c)
		return;
	free(c->key);
	c->key = NULL;
}

void sg_rq_columns_free(struct sg_rq_column *c, int n)
{
	for (int i = 0; c && i < n; i++)
		sg_rq_column_done(&c[i]);
	free(c);
}

void sg_rq_column_copy(struct sg_rq_column *dst, const struct sg_rq_column *src)
{
	*dst = *src;
	dst->key = src->key ? sg_xstrdup(src->key) : NULL;
}

int sg_rq_column_numeric(const struct sg_rq_column *c)
{
	return c->field == SG_RQ_METRIC || c->field == SG_RQ_STARTED || c->field == SG_RQ_ENDED;
}

/* A key can be written bare when every part is bare characters and, for a
 * metric, the last part is not a summary word. */
static int key_is_bare(const char *k, int metric)
{
	if (!*k || *k == '.')
		return 0;
	const char *lastpart = k;
	for (const char *p = k; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '.') {
			if (p[1] == '.' || p[1] == '\0')
				return 0;
			lastpart = p + 1;
		} else if (!sg_lex_name_char(ch)) {
			return 0;
		}
	}
	return !(metric && lastpart != k && summary_of(lastpart, strlen(lastpart)) >= 0);
}

char *sg_rq_column_name(const struct sg_rq_column *c)
{
	static const char *const prefix[] = { [SG_RQ_PARAM] = "param", [SG_RQ_METRIC] = "metric",
					      [SG_RQ_TAG] = "tag" };
	if (c->field <= SG_RQ_ENDED)
		return sg_xstrdup(run_fields[c->field]);
	struct sg_buf b = { 0 };
	sg_buf_printf(&b, "%s.", prefix[c->field]);
	int metric = c->field == SG_RQ_METRIC;
	if (key_is_bare(c->key, metric)) {
		sg_buf_printf(&b, "%s", c->key);
	} else {
		sg_buf_printf(&b, "`");
		for (const char *p = c->key; *p; p++)
			sg_buf_printf(&b, *p == '`' ? "``" : "%c", *p);
		sg_buf_printf(&b, "`");
	}
	if (metric && c->summary != SG_RQ_LAST)
		sg_buf_printf(&b, ".%s", summaries[c->summary]);
	return sg_buf_take(&b, NULL);
}

/* Parses s[start, end) as one field. */
static int column_parse_range(const char *s, size_t start, size_t end, const char *what,
			      struct sg_rq_column *out, struct sg_error *err)
{
	struct sg_lex lx;
	sg_lex_init(&lx, s, start, end, what, SG_LEX_FIELDS | SG_LEX_STRING_NUL, err);
	sg_lex_next(&lx);
	int rc = -1;
	if (lx.t == SG_TOK_NAME) {
		if (resolve_field(&lx, out) == 0) {
			sg_lex_next(&lx);
			if (lx.t == SG_TOK_END) {
				rc = 0;
			} else if (lx.t != SG_TOK_ERR) {
				sg_lex_expected(&lx, "expected the end after the field");
			}
			if (rc != 0)
				sg_rq_column_done(out);
		}
	} else if (lx.t != SG_TOK_ERR) {
		sg_lex_expected(&lx, "expected a field (%s)", fields_hint);
	}
	sg_lex_done(&lx);
	return rc;
}

int sg_rq_column_parse(const char *text, size_t len, const char *what, struct sg_rq_column *out,
		       struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	return column_parse_range(text, 0, len, what, out, err);
}

int sg_rq_columns_parse(const char *list, const char *what, struct sg_rq_column **out, int *n,
			struct sg_error *err)
{
	*out = NULL;
	*n = 0;
	size_t len = strlen(list), start = 0;
	int inq = 0, cap = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && list[i] == '`')
			inq = !inq;
		if (i < len && (inq || list[i] != ','))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = sg_xrealloc(*out, (size_t)cap * sizeof **out);
		}
		if (column_parse_range(list, start, i, what, &(*out)[*n], err) != 0) {
			sg_rq_columns_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
		(*n)++;
		start = i + 1;
	}
	return 0;
}

/* ---- compiling to SQL --------------------------------------------------------------------------------- */
struct parser {
	struct sg_lex lx;
	int depth, ntests;
	struct rq_binds *bs;
};

static const char *op_sql(enum sg_tok t)
{
	switch (t) {
	case SG_TOK_EQ: return "=";
	case SG_TOK_LT: return "<";
	case SG_TOK_LE: return "<=";
	case SG_TOK_GT: return ">";
	default: return ">=";
	}
}

/* The SQL text of a run field's column (text and time fields). */
static const char *run_field_sql(enum sg_rq_field f)
{
	static const char *const sql[] = {
		[SG_RQ_NAME] = "r.name", [SG_RQ_EXPERIMENT] = "e.name", [SG_RQ_STATUS] = "r.status",
		[SG_RQ_USER] = "r.user", [SG_RQ_KIND] = "r.kind", [SG_RQ_STARTED] = "r.start_time",
		[SG_RQ_ENDED] = "r.end_time",
	};
	return sql[f];
}

static const char *keyed_table(enum sg_rq_field f)
{
	return f == SG_RQ_PARAM ? "params" : f == SG_RQ_TAG ? "tags" : "metric_summary";
}

void rq_column_sql(struct sg_buf *out, const struct sg_rq_column *c, int display,
		   struct rq_binds *bs)
{
	if (c->field <= SG_RQ_ENDED) {
		sg_buf_printf(out, "%s", run_field_sql(c->field));
		return;
	}
	int k = rq_bind_text(bs, c->key, strlen(c->key));
	const char *col = c->field == SG_RQ_METRIC ? summaries[c->summary] : "value";
	/* For display a NaN summary must differ from a missing metric: the
	 * subquery gives the text 'NaN' for one and NULL (no row) for the other. */
	sg_buf_printf(out, "(SELECT %s%s%s FROM %s WHERE run_id = r.id AND key = ?%d)",
		   display && c->field == SG_RQ_METRIC ? "coalesce(" : "", col,
		   display && c->field == SG_RQ_METRIC ? ", 'NaN')" : "", keyed_table(c->field), k);
}

/* "EXISTS (SELECT 1 FROM T WHERE run_id = r.id AND key = ?k AND cond)":
 * one primary-key probe per run, and `and` chains stop probing at the
 * first false (an IN (subquery) list is built in full up front instead). */
static char *keyed_in(struct parser *p, const struct sg_rq_column *c, const char *cond, int not_in)
{
	int k = rq_bind_text(p->bs, c->key, strlen(c->key));
	return sg_xasprintf("%sEXISTS (SELECT 1 FROM %s WHERE run_id = r.id AND key = ?%d%s%s)",
			    not_in ? "NOT " : "", keyed_table(c->field), k, cond ? " AND " : "",
			    cond ? cond : "");
}

static int family_of(enum sg_valkind k)
{
	switch (k) {
	case SG_VAL_INT:
	case SG_VAL_FLOAT:
		return RQ_FAM_NUM;
	case SG_VAL_BOOL:
		return RQ_FAM_BOOL;
	case SG_VAL_DATE:
	case SG_VAL_DATETIME:
		return RQ_FAM_TIME;
	default:
		return 0;
	}
}

/* x OP literal for a text value x: numeric within one family (expr.h). */
static char *text_cond(struct parser *p, const char *x, enum sg_tok op, const char *lit, size_t n)
{
	double num = 0;
	int fam = family_of(sg_value_kind(lit, n, &num));
	int s = rq_bind_text(p->bs, lit, n);
	if (!fam)
		return sg_xasprintf("%s %s ?%d", x, op_sql(op), s);
	int v = rq_bind_num(p->bs, num);
	return sg_xasprintf("coalesce(sg_rq_num(%s, %d) %s ?%d, %s %s ?%d)", x, fam, op_sql(op), v,
			    x, op_sql(op), s);
}

/* A datetime with an explicit zone (Z or ±HH[:]MM after the time). */
static int has_zone(const char *s, size_t n)
{
	if (n > 10 && s[n - 1] == 'Z')
		return 1;
	for (size_t i = 16; i < n; i++)
		if (s[i] == '+' || s[i] == '-')
			return 1;
	return 0;
}

/* A time literal as seconds since the epoch; dates with no zone are local. */
static int time_literal(const char *s, size_t n, double *t)
{
	double v = 0;
	enum sg_valkind k = sg_value_kind(s, n, &v);
	if (k == SG_VAL_INT || k == SG_VAL_FLOAT) {
		*t = v;
		return 0;
	}
	if (k != SG_VAL_DATE && k != SG_VAL_DATETIME)
		return -1;
	if (k == SG_VAL_DATETIME && has_zone(s, n)) {
		*t = v;
		return 0;
	}
	/* sg_value_kind read the wall clock as UTC: re-read it as local time. */
	time_t whole = (time_t)floor(v);
	struct tm tm;
	if (!gmtime_r(&whole, &tm))
		return -1;
	tm.tm_isdst = -1;
	time_t local = mktime(&tm);
	*t = (double)local + (v - (double)whole);
	return 0;
}

/* FIELD OP VALUE for ==, <, <=, >, >= (!= is `not ==`).  The literal is the
 * current token; off is its offset for messages. */
static char *leaf_cmp(struct parser *p, const struct sg_rq_column *c, enum sg_tok op,
		      const char *shown)
{
	const char *lit = p->lx.val.data;
	size_t n = p->lx.val.len;
	double num = 0;
	if (c->field == SG_RQ_METRIC) {
		enum sg_valkind k = sg_value_kind(lit, n, &num);
		if (k != SG_VAL_INT && k != SG_VAL_FLOAT) {
			char found[64];
			sg_lex_tok_text(&p->lx, found, sizeof found);
			sg_lex_fail(&p->lx, p->lx.toff, "%s holds numbers: compare it with a number, not %s",
				shown, found);
			return NULL;
		}
		char cond[64];
		snprintf(cond, sizeof cond, "%s %s ?%d", summaries[c->summary], op_sql(op),
			 rq_bind_num(p->bs, num));
		return keyed_in(p, c, cond, 0);
	}
	if (c->field == SG_RQ_STARTED || c->field == SG_RQ_ENDED) {
		if (time_literal(lit, n, &num) != 0) {
			sg_lex_expected(&p->lx, "expected a date (2026-11-01, 2026-11-01T10:00:00Z) "
				"or seconds since the epoch for %s", shown);
			return NULL;
		}
		return sg_xasprintf("coalesce(%s %s ?%d, 0)", run_field_sql(c->field), op_sql(op),
				    rq_bind_num(p->bs, num));
	}
	if (c->field == SG_RQ_STATUS) {
		int st = memchr(lit, '\0', n) ? -1 : sg_run_status_parse(lit);
		if (st < 0 && op == SG_TOK_EQ) {
			char found[64];
			sg_lex_tok_text(&p->lx, found, sizeof found);
			sg_lex_fail(&p->lx, p->lx.toff,
				"unknown status %s (RUNNING, FINISHED, FAILED, KILLED)", found);
			return NULL;
		}
		if (st >= 0) {
			lit = sg_run_status_name((enum sg_run_status)st);
			n = strlen(lit);
		}
	}
	if (c->field <= SG_RQ_ENDED) {
		char *cond = text_cond(p, run_field_sql(c->field), op, lit, n);
		char *sql = sg_xasprintf("coalesce(%s, 0)", cond);
		free(cond);
		return sql;
	}
	char *cond = text_cond(p, "value", op, lit, n);
	char *sql = keyed_in(p, c, cond, 0);
	free(cond);
	return sql;
}

/* FIELD ~ "regex" on the current SG_TOK_STRING token. */
static char *leaf_match(struct parser *p, const struct sg_rq_column *c, const char *shown,
			enum sg_tok op, size_t opoff)
{
	if (sg_rq_column_numeric(c)) {
		sg_lex_fail(&p->lx, opoff, "'%s' needs text; %s holds %s", sg_lex_op_name(op), shown,
			c->field == SG_RQ_METRIC ? "numbers" : "times");
		return NULL;
	}
	if (p->lx.t != SG_TOK_STRING) {
		sg_lex_expected(&p->lx, "expected a quoted regex after '%s'", sg_lex_op_name(op));
		return NULL;
	}
	if (memchr(p->lx.val.data, '\0', p->lx.val.len)) {
		sg_lex_fail(&p->lx, p->lx.toff, "a regex cannot hold a NUL byte");
		return NULL;
	}
	if (sg_regex_weight(p->lx.val.data) > SG_REGEX_MAX_WEIGHT || p->lx.val.len > SG_REGEX_MAX_BYTES) {
		sg_lex_fail(&p->lx, p->lx.toff, "the regex is too large or repeats too deeply "
			    "(no stacked repetitions like a++ or (a{100}){100})");
		return NULL;
	}
	regex_t re;
	int rc = regcomp(&re, p->lx.val.data, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &re, msg, sizeof msg);
		sg_lex_fail(&p->lx, p->lx.toff, "bad regex: %s", msg);
		return NULL;
	}
	regfree(&re);
	int k = rq_bind_text(p->bs, p->lx.val.data, p->lx.val.len);
	if (c->field <= SG_RQ_ENDED)
		return sg_xasprintf("coalesce(regexp(?%d, %s), 0)", k, run_field_sql(c->field));
	char cond[64];
	snprintf(cond, sizeof cond, "regexp(?%d, value)", k);
	return keyed_in(p, c, cond, 0);
}

/* FIELD is null. */
static char *leaf_null(struct parser *p, const struct sg_rq_column *c)
{
	if (c->field <= SG_RQ_ENDED)
		return sg_xasprintf("(%s IS NULL)", run_field_sql(c->field));
	if (c->field != SG_RQ_METRIC)
		return keyed_in(p, c, NULL, 1);
	char cond[64];
	snprintf(cond, sizeof cond, "%s IS NOT NULL", summaries[c->summary]);
	return keyed_in(p, c, cond, 1);
}

/* A compiled subexpression and its shape, so the SQL gets only the
 * parentheses precedence needs: SQLite's parser has a fixed stack (about
 * 100 entries), and every pending "(" costs some of it. */
enum fkind { F_NONE, F_LEAF, F_NOT, F_AND, F_OR };

struct frag {
	char *s;
	enum fkind k;
	enum fkind sub;               /* F_NOT: the operand's kind */
};

static struct frag leaf(char *sql)
{
	return (struct frag){ sql, sql ? F_LEAF : F_NONE, F_NONE };
}

static void frag_free(struct frag *f)
{
	free(f->s);
	f->s = NULL;
	f->k = F_NONE;
}

/* not f; `not not x` gives back x. */
static struct frag negate(struct frag f)
{
	if (!f.s)
		return f;
	if (f.k == F_NOT) {
		int paren = f.sub == F_AND || f.sub == F_OR;
		size_t skip = paren ? 5 : 4, len = strlen(f.s) - skip - (size_t)paren;
		struct frag inner = { sg_xstrndup(f.s + skip, len), f.sub, F_NONE };
		free(f.s);
		return inner;
	}
	int paren = f.k == F_AND || f.k == F_OR;
	struct frag n = { sg_xasprintf(paren ? "NOT (%s)" : "NOT %s", f.s), F_NOT, f.k };
	free(f.s);
	return n;
}

/* `is [not] null` after the field. */
static struct frag parse_is(struct parser *p, const struct sg_rq_column *c)
{
	sg_lex_next(&p->lx);
	int neg = 0;
	if (p->lx.t == SG_TOK_NOT) {
		neg = 1;
		sg_lex_next(&p->lx);
	}
	if (p->lx.t != SG_TOK_NULL) {
		sg_lex_expected(&p->lx, "expected 'null' after 'is'");
		return leaf(NULL);
	}
	sg_lex_next(&p->lx);
	struct frag f = leaf(leaf_null(p, c));
	return neg ? negate(f) : f;
}

/* A VALUE after a comparison operator. */
static struct frag parse_value(struct parser *p, const struct sg_rq_column *c, enum sg_tok op,
			       const char *shown)
{
	enum sg_tok t = p->lx.t;
	if (t != SG_TOK_NUMBER && t != SG_TOK_STRING && t != SG_TOK_TRUE && t != SG_TOK_FALSE) {
		if (t == SG_TOK_NULL)
			sg_lex_fail(&p->lx, p->lx.toff, "compare with null using 'is null' or 'is not null'");
		else if (t == SG_TOK_NAME)
			sg_lex_fail(&p->lx, p->lx.toff,
				"expected a value after '%s', found '%s' (quote text: \"%s\")",
				sg_lex_op_name(op), p->lx.val.data, p->lx.val.data);
		else
			sg_lex_expected(&p->lx, "expected a value after '%s'", sg_lex_op_name(op));
		return leaf(NULL);
	}
	struct frag f = leaf(leaf_cmp(p, c, op == SG_TOK_NE ? SG_TOK_EQ : op, shown));
	if (f.s)
		sg_lex_next(&p->lx);
	return op == SG_TOK_NE ? negate(f) : f;
}

/* FIELD followed by a comparison, a match or `is [not] null`. */
static struct frag parse_test(struct parser *p)
{
	char shown[64];
	sg_lex_tok_text(&p->lx, shown, sizeof shown);
	struct sg_rq_column c;
	if (resolve_field(&p->lx, &c) != 0)
		return leaf(NULL);
	struct frag f = leaf(NULL);
	if (++p->ntests > RQ_MAX_TESTS) {
		sg_lex_fail(&p->lx, p->lx.toff, "expression too long (at most %d conditions)",
			RQ_MAX_TESTS);
		goto out;
	}
	sg_lex_next(&p->lx);
	enum sg_tok op = p->lx.t;
	size_t opoff = p->lx.toff;
	if (op == SG_TOK_IS) {
		f = parse_is(p, &c);
	} else if (op == SG_TOK_MATCH || op == SG_TOK_NMATCH) {
		sg_lex_next(&p->lx);
		f = leaf(leaf_match(p, &c, shown, op, opoff));
		if (f.s)
			sg_lex_next(&p->lx);
		if (op == SG_TOK_NMATCH)
			f = negate(f);
	} else if (op >= SG_TOK_EQ && op <= SG_TOK_GE) {
		sg_lex_next(&p->lx);
		f = parse_value(p, &c, op, shown);
	} else if (op != SG_TOK_ERR) {
		sg_lex_expected(&p->lx, "expected an operator (== != < <= > >= ~ !~ is) after %s", shown);
	}
out:
	sg_rq_column_done(&c);
	if (p->lx.t == SG_TOK_ERR)
		frag_free(&f);
	return f;
}

static struct frag parse_or(struct parser *p);

/* Counts one level of nesting at offset off; 0 when within the limit. */
static int nest(struct parser *p, size_t off)
{
	if (++p->depth <= RQ_MAX_DEPTH)
		return 0;
	sg_lex_fail(&p->lx, off, "expression nested too deeply (limit %d)", RQ_MAX_DEPTH);
	return -1;
}

static struct frag parse_primary(struct parser *p)
{
	if (p->lx.t == SG_TOK_LP) {
		size_t off = p->lx.toff;
		if (nest(p, off) != 0)
			return leaf(NULL);
		sg_lex_next(&p->lx);
		struct frag f = parse_or(p);
		if (!f.s)
			return f;
		if (p->lx.t != SG_TOK_RP) {
			if (p->lx.t != SG_TOK_ERR) {
				int line, col;
				sg_lex_line_col(p->lx.s, off, &line, &col);
				sg_lex_expected(&p->lx, "expected ')' to close the '(' at %d:%d", line, col);
			}
			frag_free(&f);
			return f;
		}
		p->depth--;
		sg_lex_next(&p->lx);
		return f;
	}
	if (p->lx.t == SG_TOK_NAME)
		return parse_test(p);
	sg_lex_expected(&p->lx, "expected a field (%s)", fields_hint);
	return leaf(NULL);
}

static struct frag parse_not(struct parser *p)
{
	if (p->lx.t != SG_TOK_NOT)
		return parse_primary(p);
	if (nest(p, p->lx.toff) != 0)
		return leaf(NULL);
	sg_lex_next(&p->lx);
	struct frag kid = parse_not(p);
	p->depth--;
	return negate(kid);
}

#define RQ_FLAT 32   /* links written flat before grouping in parentheses */

/* Joins kids[lo, hi) with op: flat up to RQ_FLAT links (expression depth
 * grows with a flat chain: SQLite allows 1000), else as up to RQ_FLAT
 * parenthesized groups (parser stack grows with those).  Consumes the kids. */
static char *join_chain(struct frag *kids, int lo, int hi, enum fkind op)
{
	struct sg_buf b = { 0 };
	int n = hi - lo, groups = n <= RQ_FLAT ? n : RQ_FLAT;
	for (int g = 0; g < groups; g++) {
		int a = lo + (int)((long long)n * g / groups), z = lo + (int)((long long)n * (g + 1) / groups);
		const char *sep = g ? (op == F_OR ? " OR " : " AND ") : "";
		if (z - a > 1) {
			char *sub = join_chain(kids, a, z, op);
			sg_buf_printf(&b, "%s(%s)", sep, sub);
			free(sub);
			continue;
		}
		/* AND binds tighter than OR, NOT tighter than both: only an OR
		 * inside an AND needs parentheses. */
		int paren = op == F_AND && kids[a].k == F_OR;
		sg_buf_printf(&b, paren ? "%s(%s)" : "%s%s", sep, kids[a].s);
		frag_free(&kids[a]);
	}
	return sg_buf_take(&b, NULL);
}

/* and/or chains, flat while parsing (no stack per link). */
static struct frag parse_chain(struct parser *p, enum sg_tok op)
{
	struct frag first = op == SG_TOK_OR ? parse_chain(p, SG_TOK_AND) : parse_not(p);
	if (!first.s || p->lx.t != op)
		return first;
	struct frag *kids = sg_xmalloc(sizeof *kids);
	int n = 1, cap = 1;
	kids[0] = first;
	while (p->lx.t == op) {
		sg_lex_next(&p->lx);
		struct frag kid = op == SG_TOK_OR ? parse_chain(p, SG_TOK_AND) : parse_not(p);
		if (!kid.s) {
			for (int i = 0; i < n; i++)
				frag_free(&kids[i]);
			free(kids);
			return kid;
		}
		if (n == cap) {
			cap *= 2;
			kids = sg_xrealloc(kids, (size_t)cap * sizeof *kids);
		}
		kids[n++] = kid;
	}
	enum fkind k = op == SG_TOK_OR ? F_OR : F_AND;
	struct frag f = { join_chain(kids, 0, n, k), k, F_NONE };
	free(kids);
	return f;
}

static struct frag parse_or(struct parser *p)
{
	return parse_chain(p, SG_TOK_OR);
}

int rq_compile_where(const char *text, size_t len, struct rq_binds *bs, char **sql,
		     struct sg_error *err)
{
	struct parser p = { .bs = bs };
	sg_lex_init(&p.lx, text, 0, len, "where", SG_LEX_FIELDS | SG_LEX_STRING_NUL, err);
	*sql = NULL;
	sg_lex_next(&p.lx);
	struct frag f = leaf(NULL);
	if (p.lx.t == SG_TOK_END)
		sg_lex_fail(&p.lx, 0, "empty expression");
	else
		f = parse_or(&p);
	char *root = f.s;
	if (root && p.lx.t != SG_TOK_END && p.lx.t != SG_TOK_ERR) {
		sg_lex_expected(&p.lx, "expected 'and', 'or' or the end");
	}
	int failed = p.lx.t == SG_TOK_ERR || !root;
	sg_lex_done(&p.lx);
	if (failed) {
		free(root);
		return -1;
	}
	*sql = root;
	return 0;
}
