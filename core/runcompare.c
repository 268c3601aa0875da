/* runcompare.c — runs side by side (see runcompare.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/runcompare.h"
#include "core/util.h"

const char *const sg_cmp_section_name[SG_CMP_NSECTIONS] = { "run", "param", "metric", "tag" };
const char *const sg_cmp_summary_name[3] = { "last", "min", "max" };

void sg_runcmp_init(struct sg_runcmp *c, int n)
{
	memset(c, 0, sizeof *c);
	c->nruns = n;
	c->runs = sg_xcalloc((size_t)n + 1, sizeof *c->runs);
}

/* The row of (section, key, summary): found, or appended. */
static struct sg_cmp_row *row_of(struct sg_runcmp *c, enum sg_cmp_section section,
				 const char *key, int summary)
{
	for (size_t i = 0; i < c->nrows; i++) {
		struct sg_cmp_row *r = &c->rows[i];
		if (r->section == section && r->summary == summary && strcmp(r->key, key) == 0)
			return r;
	}
	if (c->nrows == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->rows = sg_xrealloc(c->rows, c->cap * sizeof *c->rows);
	}
	struct sg_cmp_row *r = &c->rows[c->nrows++];
	memset(r, 0, sizeof *r);
	r->section = section;
	r->key = sg_xstrdup(key);
	r->summary = summary;
	r->text = sg_xcalloc((size_t)c->nruns, sizeof *r->text);
	if (section == SG_CMP_METRIC) {
		r->num = sg_xcalloc((size_t)c->nruns, sizeof *r->num);
		for (int i = 0; i < c->nruns; i++)
			r->num[i] = NAN;
	}
	return r;
}

static void set_text(struct sg_cmp_row *r, int run, const char *text)
{
	free(r->text[run]);
	r->text[run] = text ? sg_xstrdup(text) : NULL;
}

void sg_runcmp_cell(struct sg_runcmp *c, const char *field, int run, const char *text)
{
	set_text(row_of(c, SG_CMP_RUN, field, -1), run, text);
}

struct fill {
	struct sg_runcmp *c;
	int run;
	enum sg_cmp_section section;
	sg_cmp_format_fn fmt;
};

/* sg_kv_fn: a param or a tag. */
static int fill_kv(const char *key, const char *value, void *ud)
{
	struct fill *f = ud;
	set_text(row_of(f->c, f->section, key, -1), f->run, value);
	return 0;
}

/* sg_summary_fn: a metric's last, min and max. */
static int fill_summary(const struct sg_metric_summary *m, void *ud)
{
	struct fill *f = ud;
	const double v[3] = { m->last, m->min, m->max };
	for (int k = 0; k < 3; k++) {
		struct sg_cmp_row *r = row_of(f->c, SG_CMP_METRIC, m->key, k);
		char buf[64];
		f->fmt(v[k], buf, sizeof buf);
		set_text(r, f->run, buf);
		r->num[f->run] = v[k];
	}
	return 0;
}

/* Sections in order; run fields as named, the others by key (and a
 * metric's summaries as last, min, max). */
static int row_order(const void *a, const void *b)
{
	const struct sg_cmp_row *x = a, *y = b;
	if (x->section != y->section)
		return (int)x->section - (int)y->section;
	if (x->section == SG_CMP_RUN)
		return x < y ? -1 : x > y;
	int k = strcmp(x->key, y->key);
	return k ? k : x->summary - y->summary;
}

static int row_differs(const struct sg_runcmp *c, const struct sg_cmp_row *r)
{
	for (int i = 1; i < c->nruns; i++) {
		const char *a = r->text[0], *b = r->text[i];
		if (!a != !b)
			return 1;
		if (!a)
			continue;
		if (r->num) {
			double x = r->num[0], y = r->num[i];
			if (!(x == y || (isnan(x) && isnan(y))))
				return 1;
		} else if (strcmp(a, b) != 0) {
			return 1;
		}
	}
	return 0;
}

int sg_runcmp_load(struct sg_runcmp *c, struct sg_store *s, sg_cmp_format_fn fmt,
		   struct sg_error *err)
{
	for (int i = 0; i < c->nruns; i++) {
		struct fill f = { c, i, SG_CMP_PARAM, fmt };
		const char *id = c->runs[i].id;
		if (sg_run_params(s, id, fill_kv, &f, err) != 0 ||
		    sg_run_metric_summaries(s, id, fill_summary, &f, err) != 0)
			return -1;
		f.section = SG_CMP_TAG;
		if (sg_run_tags(s, id, fill_kv, &f, err) != 0)
			return -1;
	}
	qsort(c->rows, c->nrows, sizeof *c->rows, row_order);
	for (size_t i = 0; i < c->nrows; i++)
		c->rows[i].differs = row_differs(c, &c->rows[i]);
	return 0;
}

void sg_runcmp_done(struct sg_runcmp *c)
{
	for (size_t k = 0; k < c->nrows; k++) {
		for (int i = 0; i < c->nruns; i++)
			free(c->rows[k].text[i]);
		free(c->rows[k].text);
		free(c->rows[k].num);
		free(c->rows[k].key);
	}
	free(c->rows);
	free(c->runs);
	memset(c, 0, sizeof *c);
}
