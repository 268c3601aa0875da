/* runquery_int.h — what runquery.c and runquery_where.c share; not public.
 *
 * SQL is built as text plus a list of bound values: the text holds only
 * structure we write ourselves and "?N" placeholders, never user text. */
#ifndef SG_RUNQUERY_INT_H
#define SG_RUNQUERY_INT_H

#include <sqlite3.h>
#include "core/runquery.h"
#include "core/util.h"

struct rq_bind {
	int is_text;
	char *text;                   /* is_text: malloc'd, len bytes (may hold NULs) */
	size_t len;
	double num;
};

/* Bound values, numbered from 1 in order of adding. */
struct rq_binds {
	struct rq_bind *b;
	int n, cap;
};

/* Adds a value; returns its placeholder number. */
int rq_bind_text(struct rq_binds *bs, const char *s, size_t len);
int rq_bind_num(struct rq_binds *bs, double v);
void rq_binds_done(struct rq_binds *bs);
/* Binds every value to st (placeholders ?1..?n). */
void rq_binds_apply(const struct rq_binds *bs, sqlite3_stmt *st);

/* Compiles a filter expression into a SQL condition over `runs r JOIN
 * experiments e`, always 0 or 1, adding its values to bs.  *sql is malloc'd. */
int rq_compile_where(const char *text, size_t len, struct rq_binds *bs, char **sql,
		     struct sg_error *err);

/* The SQL value of column c for run r (params and tags as text, metrics as
 * REAL with NaN as NULL — or, with display, as the text 'NaN'), its key
 * bound into bs. */
void rq_column_sql(struct sg_buf *out, const struct sg_rq_column *c, int display,
		   struct rq_binds *bs);

/* The family codes of sg_rq_num(value, family). */
enum { RQ_FAM_NUM = 1, RQ_FAM_TIME = 2, RQ_FAM_BOOL = 3 };

#endif
