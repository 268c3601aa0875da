/* runexport.c — run query results as CSV files (see runexport.h). */
#include "sgconfig.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/runexport.h"
#include "core/util.h"

/* Appends s (NULL: nothing) as one CSV field, quoted when it must be. */
static void csv_field(struct sg_buf *b, const char *s)
{
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	if (strpbrk(s, ",\"\r\n") == NULL && !(n && (s[0] == ' ' || s[n - 1] == ' '))) {
		sg_buf_add(b, s, n);
		return;
	}
	sg_buf_putc(b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			sg_buf_putc(b, '"');
		sg_buf_putc(b, *p);
	}
	sg_buf_putc(b, '"');
}

/* Appends a separator then field s. */
static void csv_next(struct sg_buf *b, const char *s)
{
	sg_buf_putc(b, ',');
	csv_field(b, s);
}

/* The shortest decimal that reads back as v; nan, inf, -inf. */
static void format_exact(double v, char *buf, size_t n)
{
	if (isnan(v) || isinf(v)) {
		snprintf(buf, n, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A time as ISO 8601 UTC ("2026-11-01T10:00:00Z"). */
static void format_iso(double t, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *sg_runexport_value(const struct sg_rq_column *c, const struct sg_rq_value *v)
{
	char buf[64];

	if (v->type == SG_RQV_MISSING)
		return NULL;
	if (v->text)
		return sg_xstrdup(v->text);
	if (c->field == SG_RQ_STARTED || c->field == SG_RQ_ENDED)
		format_iso(v->num, buf, sizeof buf);
	else
		format_exact(v->num, buf, sizeof buf);
	return sg_xstrdup(buf);
}

/* The header line: the lead fields, then every column's name (once per
 * suffix when suffix is not NULL). */
static void header(struct sg_buf *b, const char *const *lead, const struct sg_rq_column *cols,
		   int ncols, const char *const *suffix)
{
	for (int k = 0; lead[k]; k++) {
		if (k)
			sg_buf_putc(b, ',');
		csv_field(b, lead[k]);
	}
	for (int c = 0; c < ncols; c++) {
		char *name = sg_rq_column_name(&cols[c]);
		for (int k = 0; suffix && suffix[k]; k++) {
			char *full = sg_xasprintf("%s%s", name, suffix[k]);
			csv_next(b, full);
			free(full);
		}
		if (!suffix)
			csv_next(b, name);
		free(name);
	}
	sg_buf_putc(b, '\n');
}

/* Writes b to path atomically and frees it. */
static int flush(struct sg_buf *b, const char *path, struct sg_error *err)
{
	int rc = sg_write_atomic(path, b->data ? b->data : "", b->len, 0666, err);

	sg_buf_done(b);
	return rc;
}

int sg_runexport_page(const struct sg_rq_page *p, const struct sg_rq_column *cols, int ncols,
		      const char *path, struct sg_error *err)
{
	struct sg_buf b = { 0 };

	static const char *const lead[] = { "id", NULL };

	header(&b, lead, cols, ncols, NULL);
	for (size_t i = 0; i < p->nrows; i++) {
		sg_buf_puts(&b, p->rows[i].run.id);
		for (int c = 0; c < ncols; c++) {
			char *v = sg_runexport_value(&cols[c], &p->rows[i].val[c]);
			csv_next(&b, v);
			free(v);
		}
		sg_buf_putc(&b, '\n');
	}
	return flush(&b, path, err);
}

int sg_runexport_query(struct sg_store *s, const struct sg_runquery *q, size_t limit,
		       const char *path, size_t *nrows, struct sg_error *err)
{
	struct sg_rq_page page;
	const struct sg_rq_column *cols;
	int ncols, rc;

	if (sg_rq_fetch(s, q, 0, limit, &page, err) != 0)
		return -1;
	cols = sg_rq_columns(q, &ncols);
	rc = sg_runexport_page(&page, cols, ncols, path, err);
	if (nrows)
		*nrows = page.nrows;
	sg_rq_page_done(&page);
	return rc;
}

/* Appends a statistic as an exact number, or an empty field for NaN. */
static void stat_field(struct sg_buf *b, double v)
{
	char buf[64] = "";

	if (!isnan(v))
		format_exact(v, buf, sizeof buf);
	csv_next(b, buf);
}

int sg_runexport_groups(const struct sg_rq_groups *g, const struct sg_rq_column *by,
			const struct sg_rq_column *cols, int ncols, const char *path,
			struct sg_error *err)
{
	static const char *const suffix[] = { ".mean", ".std", NULL };
	struct sg_buf b = { 0 };
	char *name = sg_rq_column_name(by), count[32];
	const char *lead[] = { name, "count", NULL };

	header(&b, lead, cols, ncols, suffix);
	free(name);
	for (size_t i = 0; i < g->n; i++) {
		csv_field(&b, g->g[i].value);
		snprintf(count, sizeof count, "%lld", g->g[i].count);
		csv_next(&b, count);
		for (int c = 0; c < ncols && c < g->ncols; c++) {
			stat_field(&b, g->g[i].stat[c].mean);
			stat_field(&b, g->g[i].stat[c].std);
		}
		sg_buf_putc(&b, '\n');
	}
	return flush(&b, path, err);
}
