/* runquery.c — queries over runs (runquery.h): SQL functions, count, pages,
 * groups, keys, and deleting a run with its folder. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/colstats.h"
#include "core/regex.h"
#include "core/runquery_int.h"
#include "core/util.h"

struct sg_runquery {
	char *where_sql;              /* "1" when no filter */
	struct rq_binds where_binds;  /* ?1..?n of where_sql */
	char *experiment;
	int has_sort, desc;
	struct sg_rq_column sort;
	struct sg_rq_column *cols;
	int ncols;
};

/* ---- SQL functions ---------------------------------------------------------------- */

static void free_regex(void *p)
{
	regfree(p);
	sqlite3_free(p);
}

/* regexp(PATTERN, SUBJECT): 1 when the POSIX extended regex matches anywhere
 * in SUBJECT (its bytes, NULs included), NULL when either is NULL.  The
 * compiled regex is kept as the pattern argument's auxdata, so a bound
 * pattern compiles once per statement run, not once per row. */
static void fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	regex_t *re = sqlite3_get_auxdata(ctx, 0);
	int fresh = 0;
	if (!re) {
		re = sqlite3_malloc(sizeof *re);
		if (!re) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		const char *pat = (const char *)sqlite3_value_text(argv[0]);
		if (!pat || sg_regex_compile(re, pat, REG_EXTENDED | REG_NOSUB, "regexp()", NULL) != 0) {
			sqlite3_free(re);
			sqlite3_result_error(ctx, "regexp(): bad regex", -1);
			return;
		}
		fresh = 1;
	}
	const char *subj = (const char *)sqlite3_value_text(argv[1]);
	regmatch_t m[1];
	m[0].rm_so = 0;
	m[0].rm_eo = sqlite3_value_bytes(argv[1]);
	sqlite3_result_int(ctx, subj && regexec(re, subj, 1, m, REG_STARTEND) == 0);
	if (fresh)
		sqlite3_set_auxdata(ctx, 0, re, free_regex);  /* frees it at once on failure */
}

/* sg_rq_num(VALUE, FAMILY): VALUE as a number when it is one of FAMILY
 * (1 numbers, 2 dates and datetimes as seconds, 3 booleans as 0/1), else
 * NULL.  Text is classified as core/colstats.h does. */
static void fn_num(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	int type = sqlite3_value_type(argv[0]);
	int fam = sqlite3_value_int(argv[1]);
	if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
		if (fam == RQ_FAM_NUM)
			sqlite3_result_double(ctx, sqlite3_value_double(argv[0]));
		else
			sqlite3_result_null(ctx);
		return;
	}
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	double v = 0;
	enum sg_valkind k = s ? sg_value_kind(s, (size_t)sqlite3_value_bytes(argv[0]), &v)
			      : SG_VAL_MISSING;
	int f = k == SG_VAL_INT || k == SG_VAL_FLOAT ? RQ_FAM_NUM
		: k == SG_VAL_DATE || k == SG_VAL_DATETIME ? RQ_FAM_TIME
		: k == SG_VAL_BOOL ? RQ_FAM_BOOL : 0;
	if (f && f == fam)
		sqlite3_result_double(ctx, v);
	else
		sqlite3_result_null(ctx);
}

/* sg_rq_stdev(X): the sample standard deviation of the non-NULL X, by
 * Welford's update (no cancellation, unlike avg(x*x) - avg(x)^2); NULL for
 * fewer than two values. */
struct welford {
	long long n;
	double mean, m2;
};

static void stdev_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	struct welford *w = sqlite3_aggregate_context(ctx, sizeof *w);
	if (!w)
		return;
	double x = sqlite3_value_double(argv[0]);
	w->n++;
	double d = x - w->mean;
	w->mean += d / (double)w->n;
	w->m2 += d * (x - w->mean);
}

static void stdev_final(sqlite3_context *ctx)
{
	struct welford *w = sqlite3_aggregate_context(ctx, 0);
	if (!w || w->n < 2)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_double(ctx, sqrt(w->m2 / (double)(w->n - 1)));
}

/* Registers the functions on s's connection unless they are there already
 * (re-registering would expire every cached statement). */
static int ensure_functions(struct sg_store *s, struct sg_error *err)
{
	sqlite3 *db = sg_store_db(s);
	sqlite3_stmt *probe = NULL;
	int have = sqlite3_prepare_v2(db, "SELECT sg_rq_num(NULL, 1), sg_rq_stdev(1), regexp('', '')",
				      -1, &probe, NULL) == SQLITE_OK;
	sqlite3_finalize(probe);
	if (have)
		return 0;
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	if (sqlite3_create_function(db, "regexp", 2, flags, NULL, fn_regexp, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "sg_rq_num", 2, flags, NULL, fn_num, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "sg_rq_stdev", 1, flags, NULL, NULL, stdev_step,
				    stdev_final) != SQLITE_OK)
		return sg_store_error(s, err, "cannot register query functions");
	return 0;
}

/* ---- the query object -------------------------------------------------------------------- */

struct sg_runquery *sg_rq_new(void)
{
	struct sg_runquery *q = sg_xcalloc(1, sizeof *q);
	q->where_sql = sg_xstrdup("1");
	return q;
}

void sg_rq_free(struct sg_runquery *q)
{
	if (!q)
		return;
	free(q->where_sql);
	rq_binds_done(&q->where_binds);
	free(q->experiment);
	sg_rq_column_done(&q->sort);
	sg_rq_columns_free(q->cols, q->ncols);
	free(q);
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

int sg_rq_set_where(struct sg_runquery *q, const char *expr, struct sg_error *err)
{
	return sg_rq_set_where_n(q, expr, expr ? strlen(expr) : 0, err);
}

int sg_rq_set_where_n(struct sg_runquery *q, const char *expr, size_t len, struct sg_error *err)
{
	struct rq_binds bs = { 0 };
	char *sql = NULL;
	if (!expr || blank(expr, len)) {
		sql = sg_xstrdup("1");
	} else if (rq_compile_where(expr, len, &bs, &sql, err) != 0) {
		rq_binds_done(&bs);
		return -1;
	}
	free(q->where_sql);
	rq_binds_done(&q->where_binds);
	q->where_sql = sql;
	q->where_binds = bs;
	return 0;
}

void sg_rq_set_experiment(struct sg_runquery *q, const char *name)
{
	free(q->experiment);
	q->experiment = name ? sg_xstrdup(name) : NULL;
}

void sg_rq_set_sort(struct sg_runquery *q, const struct sg_rq_column *c, int desc)
{
	sg_rq_column_done(&q->sort);
	q->has_sort = c != NULL;
	q->desc = desc;
	if (c)
		sg_rq_column_copy(&q->sort, c);
}

void sg_rq_set_columns(struct sg_runquery *q, const struct sg_rq_column *c, int n)
{
	sg_rq_columns_free(q->cols, q->ncols);
	q->cols = n > 0 ? sg_xcalloc((size_t)n, sizeof *q->cols) : NULL;
	q->ncols = n > 0 ? n : 0;
	for (int i = 0; i < q->ncols; i++)
		sg_rq_column_copy(&q->cols[i], &c[i]);
}

const struct sg_rq_column *sg_rq_columns(const struct sg_runquery *q, int *n)
{
	*n = q->ncols;
	return q->cols;
}

const char *sg_rq_where_sql(const struct sg_runquery *q)
{
	return q->where_sql;
}

/* ---- building statements ------------------------------------------------------------------------ */

static void binds_copy(struct rq_binds *dst, const struct rq_binds *src)
{
	memset(dst, 0, sizeof *dst);
	for (int i = 0; i < src->n; i++) {
		const struct rq_bind *b = &src->b[i];
		if (b->is_text)
			rq_bind_text(dst, b->text, b->len);
		else
			rq_bind_num(dst, b->num);
	}
}

/* " FROM runs r JOIN experiments e … WHERE filter [AND e.name = ?]"; bs must
 * start as a copy of the filter's values. */
static void add_from_where(struct sg_buf *sql, const struct sg_runquery *q, struct rq_binds *bs)
{
	sg_buf_printf(sql, " FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE (%s)",
		   q->where_sql);
	if (q->experiment)
		sg_buf_printf(sql, " AND e.name = ?%d",
			   rq_bind_text(bs, q->experiment, strlen(q->experiment)));
}

/* Prepares sql (cached by the store) and binds bs. */
static sqlite3_stmt *prepare(struct sg_store *s, const char *sql, const struct rq_binds *bs,
			     struct sg_error *err)
{
	if (ensure_functions(s, err) != 0)
		return NULL;
	sqlite3_stmt *st = sg_store_prepare(s, sql, err);
	if (st)
		rq_binds_apply(bs, st);
	return st;
}

long long sg_rq_count(struct sg_store *s, const struct sg_runquery *q, struct sg_error *err)
{
	struct sg_buf sql = { 0 };
	struct rq_binds bs;
	binds_copy(&bs, &q->where_binds);
	sg_buf_printf(&sql, "SELECT count(*)");
	add_from_where(&sql, q, &bs);
	long long n = -1;
	sqlite3_stmt *st = prepare(s, sql.data, &bs, err);
	if (st) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		else
			sg_store_error(s, err, "cannot count runs");
		sqlite3_reset(st);
	}
	rq_binds_done(&bs);
	sg_buf_done(&sql);
	return n;
}

/* The ORDER BY terms for sort value v (already computed as column "v"). */
static void add_sort_terms(struct sg_buf *sql, const struct sg_runquery *q)
{
	const char *dir = q->desc ? "DESC" : "ASC";
	if (sg_rq_column_numeric(&q->sort))
		sg_buf_printf(sql, " ORDER BY v IS NULL, v %s", dir);
	else
		sg_buf_printf(sql, " ORDER BY v IS NULL, sg_rq_num(v, 1) IS NULL, sg_rq_num(v, 1) %s, "
			   "v %s", dir, dir);
	sg_buf_printf(sql, ", st DESC, id");
}

/* Step one of a page: the ids of the window, in order.  The sort value is
 * computed once per run in a materialized CTE (a correlated subquery in
 * ORDER BY would run once per term). */
static int page_ids(struct sg_store *s, const struct sg_runquery *q, size_t offset, size_t n,
		    char (**ids)[SG_RUN_ID_LEN + 1], size_t *nids, long long *total,
		    struct sg_error *err)
{
	struct sg_buf sql = { 0 };
	struct rq_binds bs;
	binds_copy(&bs, &q->where_binds);
	if (q->has_sort) {
		sg_buf_printf(&sql, "WITH b AS MATERIALIZED (SELECT r.id AS id, r.start_time AS st, ");
		rq_column_sql(&sql, &q->sort, 0, &bs);
		sg_buf_printf(&sql, " AS v");
		add_from_where(&sql, q, &bs);
		/* count(*) OVER (): the total comes with the window, so a new
		 * filter costs one pass, not a count and a fetch. */
		sg_buf_printf(&sql, ") SELECT id, count(*) OVER () FROM b");
		add_sort_terms(&sql, q);
	} else {
		sg_buf_printf(&sql, "SELECT r.id, count(*) OVER ()");
		add_from_where(&sql, q, &bs);
		sg_buf_printf(&sql, " ORDER BY r.start_time DESC, r.id");
	}
	int lim = rq_bind_num(&bs, n ? (double)n : -1.0);
	int off = rq_bind_num(&bs, (double)offset);
	sg_buf_printf(&sql, " LIMIT CAST(?%d AS INTEGER) OFFSET CAST(?%d AS INTEGER)", lim, off);
	sqlite3_stmt *st = prepare(s, sql.data, &bs, err);
	int rc = st ? SQLITE_OK : SQLITE_ERROR;
	size_t cap = 0;
	*ids = NULL;
	*nids = 0;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*nids == cap) {
			cap = cap ? 2 * cap : 64;
			*ids = sg_xrealloc(*ids, cap * sizeof **ids);
		}
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf((*ids)[(*nids)++], SG_RUN_ID_LEN + 1, "%s", t ? (const char *)t : "");
		*total = sqlite3_column_int64(st, 1);
	}
	if (st) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			sg_store_error(s, err, "cannot list runs");
	}
	rq_binds_done(&bs);
	sg_buf_done(&sql);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		return -1;
	}
	return 0;
}

#define RUN_COLS 11
/* The run's own columns, as core/run.c reads them. */
static const char run_cols_sql[] = "SELECT " SG_RUN_INFO_COLUMNS;

/* One cell from result column i for column c. */
static void read_value(sqlite3_stmt *st, int i, const struct sg_rq_column *c,
		       struct sg_rq_value *v)
{
	memset(v, 0, sizeof *v);
	int type = sqlite3_column_type(st, i);
	if (type == SQLITE_NULL)
		return;
	if (sg_rq_column_numeric(c)) {
		v->type = SG_RQV_NUMBER;
		v->num = type == SQLITE_TEXT ? NAN : sqlite3_column_double(st, i);
		return;
	}
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);
	v->text = sg_xstrndup(t ? t : "", len);
	enum sg_valkind k = sg_value_kind(v->text, len, &v->num);
	v->type = k == SG_VAL_INT || k == SG_VAL_FLOAT ? SG_RQV_NUMBER : SG_RQV_TEXT;
}

/* Step two: one run's row and cells, by id. */
static int page_row(struct sg_store *s, const struct sg_runquery *q, const char *sql,
		    const struct rq_binds *bs, const char *id, struct sg_rq_row *row,
		    struct sg_error *err)
{
	sqlite3_stmt *st = prepare(s, sql, bs, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sg_run_info_read(st, &row->run);
		row->val = sg_xcalloc(q->ncols > 0 ? (size_t)q->ncols : 1, sizeof *row->val);
		for (int i = 0; i < q->ncols; i++)
			read_value(st, RUN_COLS + i, &q->cols[i], &row->val[i]);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;  /* deleted between the two steps: skipped */
	return sg_store_error(s, err, "cannot read a run");
}

int sg_rq_fetch(struct sg_store *s, const struct sg_runquery *q, size_t offset, size_t n,
		struct sg_rq_page *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	out->offset = offset;
	out->ncols = q->ncols;
	char (*ids)[SG_RUN_ID_LEN + 1];
	size_t nids;
	out->total = -1;
	if (page_ids(s, q, offset, n, &ids, &nids, &out->total, err) != 0)
		return -1;
	if (nids == 0 && (out->total = sg_rq_count(s, q, err)) < 0) {
		free(ids);
		return -1;
	}
	struct sg_buf sql = { 0 };
	struct rq_binds bs = { 0 };
	rq_bind_text(&bs, "", 0);  /* ?1: the id, bound per row */
	sg_buf_printf(&sql, "%s", run_cols_sql);
	for (int i = 0; i < q->ncols; i++) {
		sg_buf_printf(&sql, ", ");
		rq_column_sql(&sql, &q->cols[i], 1, &bs);
	}
	sg_buf_printf(&sql, " FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?1");
	out->rows = sg_xcalloc(nids ? nids : 1, sizeof *out->rows);
	int rc = 0;
	for (size_t i = 0; i < nids && rc == 0; i++) {
		int got = page_row(s, q, sql.data, &bs, ids[i], &out->rows[out->nrows], err);
		if (got == 0)
			out->nrows++;
		rc = got < 0 ? -1 : 0;
	}
	free(ids);
	sg_buf_done(&sql);
	rq_binds_done(&bs);
	if (rc != 0)
		sg_rq_page_done(out);
	return rc;
}

void sg_rq_page_done(struct sg_rq_page *p)
{
	for (size_t i = 0; p->rows && i < p->nrows; i++) {
		for (int j = 0; p->rows[i].val && j < p->ncols; j++)
			free(p->rows[i].val[j].text);
		free(p->rows[i].val);
	}
	free(p->rows);
	memset(p, 0, sizeof *p);
}

/* ---- group by ---------------------------------------------------------------------------------------- */

/* The numeric value of column c for statistics. */
static void add_stat_value(struct sg_buf *sql, const struct sg_rq_column *c, struct rq_binds *bs)
{
	if (sg_rq_column_numeric(c)) {
		rq_column_sql(sql, c, 0, bs);
		return;
	}
	sg_buf_printf(sql, "sg_rq_num(");
	rq_column_sql(sql, c, 0, bs);
	sg_buf_printf(sql, ", %d)", RQ_FAM_NUM);
}

static double real_or_nan(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Reads one group row. */
static void read_group(sqlite3_stmt *st, int ncols, struct sg_rq_group *g)
{
	const char *v = (const char *)sqlite3_column_text(st, 0);
	g->value = v ? sg_xstrndup(v, (size_t)sqlite3_column_bytes(st, 0)) : NULL;
	g->count = sqlite3_column_int64(st, 1);
	g->stat = sg_xcalloc(ncols > 0 ? (size_t)ncols : 1, sizeof *g->stat);
	for (int i = 0; i < ncols; i++) {
		g->stat[i].n = sqlite3_column_int64(st, 2 + 3 * i);
		g->stat[i].mean = real_or_nan(st, 3 + 3 * i);
		g->stat[i].std = real_or_nan(st, 4 + 3 * i);
	}
}

static int group_sql(const struct sg_runquery *q, const struct sg_rq_column *by,
		     struct sg_buf *sql, struct rq_binds *bs, struct sg_error *err)
{
	if (by->field == SG_RQ_METRIC || by->field == SG_RQ_STARTED || by->field == SG_RQ_ENDED)
		return sg_error_set(err, SG_E_USAGE, "group by a param, a tag, status, user, name, "
				    "experiment or kind (not a metric or a time)");
	binds_copy(bs, &q->where_binds);
	sg_buf_printf(sql, "WITH b AS MATERIALIZED (SELECT ");
	rq_column_sql(sql, by, 0, bs);
	sg_buf_printf(sql, " AS g");
	for (int i = 0; i < q->ncols; i++) {
		sg_buf_printf(sql, ", ");
		add_stat_value(sql, &q->cols[i], bs);
		sg_buf_printf(sql, " AS v%d", i);
	}
	add_from_where(sql, q, bs);
	sg_buf_printf(sql, ") SELECT g, count(*)");
	for (int i = 0; i < q->ncols; i++)
		sg_buf_printf(sql, ", count(v%d), avg(v%d), sg_rq_stdev(v%d)", i, i, i);
	sg_buf_printf(sql, " FROM b GROUP BY g ORDER BY g IS NULL, sg_rq_num(g, 1) IS NULL, "
		   "sg_rq_num(g, 1), g");
	return 0;
}

int sg_rq_group(struct sg_store *s, const struct sg_runquery *q, const struct sg_rq_column *by,
		struct sg_rq_groups *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	out->ncols = q->ncols;
	struct sg_buf sql = { 0 };
	struct rq_binds bs = { 0 };
	int rc = group_sql(q, by, &sql, &bs, err);
	sqlite3_stmt *st = rc == 0 ? prepare(s, sql.data, &bs, err) : NULL;
	size_t cap = 0;
	int step = SQLITE_ERROR;
	while (st && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? 2 * cap : 16;
			out->g = sg_xrealloc(out->g, cap * sizeof *out->g);
		}
		read_group(st, q->ncols, &out->g[out->n++]);
	}
	if (st) {
		sqlite3_reset(st);
		if (step != SQLITE_DONE)
			sg_store_error(s, err, "cannot group runs");
	}
	rq_binds_done(&bs);
	sg_buf_done(&sql);
	if (step != SQLITE_DONE) {
		sg_rq_groups_done(out);
		return -1;
	}
	return 0;
}

void sg_rq_groups_done(struct sg_rq_groups *g)
{
	for (size_t i = 0; g->g && i < g->n; i++) {
		free(g->g[i].value);
		free(g->g[i].stat);
	}
	free(g->g);
	memset(g, 0, sizeof *g);
}

/* ---- keys ------------------------------------------------------------------------------------------------ */

int sg_rq_keys(struct sg_store *s, enum sg_rq_field field, struct sg_rq_keys *out,
	       struct sg_error *err)
{
	/* A skip-scan over the (key, …) index: each step finds the next key
	 * above the last one, O(distinct keys × log rows). */
	static const char *const sql[] = {
		"WITH RECURSIVE k(key) AS (SELECT min(key) FROM params UNION ALL "
		"SELECT (SELECT min(key) FROM params WHERE key > k.key) FROM k WHERE k.key IS NOT NULL) "
		"SELECT key FROM k WHERE key IS NOT NULL",
		"WITH RECURSIVE k(key) AS (SELECT min(key) FROM metric_summary UNION ALL "
		"SELECT (SELECT min(key) FROM metric_summary WHERE key > k.key) FROM k "
		"WHERE k.key IS NOT NULL) SELECT key FROM k WHERE key IS NOT NULL",
		"WITH RECURSIVE k(key) AS (SELECT min(key) FROM tags UNION ALL "
		"SELECT (SELECT min(key) FROM tags WHERE key > k.key) FROM k WHERE k.key IS NOT NULL) "
		"SELECT key FROM k WHERE key IS NOT NULL",
	};
	memset(out, 0, sizeof *out);
	if (field != SG_RQ_PARAM && field != SG_RQ_METRIC && field != SG_RQ_TAG)
		return sg_error_set(err, SG_E_USAGE, "keys exist for params, metrics and tags only");
	sqlite3_stmt *st = sg_store_prepare(s, sql[field - SG_RQ_PARAM], err);
	if (!st)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? 2 * cap : 32;
			out->key = sg_xrealloc(out->key, cap * sizeof *out->key);
		}
		const char *k = (const char *)sqlite3_column_text(st, 0);
		out->key[out->n++] = sg_xstrndup(k ? k : "", (size_t)sqlite3_column_bytes(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		sg_rq_keys_done(out);
		return sg_store_error(s, err, "cannot list keys");
	}
	return 0;
}

void sg_rq_keys_done(struct sg_rq_keys *k)
{
	for (size_t i = 0; k->key && i < k->n; i++)
		free(k->key[i]);
	free(k->key);
	memset(k, 0, sizeof *k);
}

/* ---- deleting ----------------------------------------------------------------------------------------------- */

/* rm -rf path, never following symlinks; a missing path is fine. */
static int rmtree(const char *path, struct sg_error *err)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : sg_error_errno(err, "%s", path);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) == 0 ? 0 : sg_error_errno(err, "cannot remove %s", path);
	DIR *d = opendir(path);
	if (!d)
		return sg_error_errno(err, "cannot open %s", path);
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *sub = sg_path_join(path, e->d_name);
		rc = rmtree(sub, err);
		free(sub);
	}
	closedir(d);
	if (rc != 0)
		return -1;
	return rmdir(path) == 0 ? 0 : sg_error_errno(err, "cannot remove %s", path);
}

int sg_rq_remove_run(struct sg_store *s, const char *runs_dir, const char *run,
		     char id_out[SG_RUN_ID_LEN + 1], struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0 || sg_run_delete(s, id, err) != 0)
		return -1;
	if (id_out)
		memcpy(id_out, id, sizeof id);
	char *dir = sg_path_join(runs_dir, id);
	int rc = rmtree(dir, err);
	if (rc != 0)
		sg_error_prefix(err, "run %s was deleted but its folder was not", id);
	free(dir);
	return rc;
}
