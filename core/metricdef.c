/* metricdef.c — NAME=REGEX metric definitions applied to output lines. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "core/metricdef.h"
#include "core/regex.h"
#include "core/metricline.h"
#include "core/util.h"

struct def {
	char *name;
	regex_t re;
	char *literal;     /* text every match contains; NULL: none known */
	size_t literal_len;
};

struct sg_metricdefs {
	struct def *v;
	size_t n, cap;
};

struct sg_metricdefs *sg_metricdefs_new(void)
{
	return sg_xcalloc(1, sizeof(struct sg_metricdefs));
}

void sg_metricdefs_free(struct sg_metricdefs *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		regfree(&d->v[i].re);
		free(d->v[i].literal);
	}
	free(d->v);
	free(d);
}

size_t sg_metricdefs_count(const struct sg_metricdefs *d)
{
	return d ? d->n : 0;
}

const char *sg_metricdefs_name(const struct sg_metricdefs *d, size_t i)
{
	return i < d->n ? d->v[i].name : NULL;
}

/* The literal text at the start of an ERE that every match must contain:
 * ordinary characters up to the first operator, less the last one when a
 * quantifier follows it.  Patterns with '|' anywhere get none (a top-level
 * alternative could avoid it). */
static char *leading_literal(const char *re, size_t *len)
{
	*len = 0;
	if (strchr(re, '|'))
		return NULL;
	const char *p = re;
	if (*p == '^')
		p++;
	size_t n = 0;
	while (p[n] && !strchr("\\^$.[]()*+?{}", p[n]))
		n++;
	if (n && p[n] && strchr("*?{+", p[n]))
		n--;
	if (n == 0)
		return NULL;
	*len = n;
	return sg_xstrndup(p, n);
}

#define MAX_PATTERN 1024

int sg_metricdefs_add(struct sg_metricdefs *d, const char *spec, struct sg_error *err)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec)
		return sg_error_set(err, SG_E_PARSE,
				    "metric definition '%s': expected NAME=REGEX", spec);
	size_t nl = (size_t)(eq - spec);
	/* A name must be a key the line protocol could also log. */
	char line[SG_MLINE_KEY_MAX + 8];
	if (nl > SG_MLINE_KEY_MAX || memchr(spec, ' ', nl) || memchr(spec, '\t', nl))
		return sg_error_set(err, SG_E_PARSE, "metric definition '%s': NAME must be 1-%d "
				    "bytes with no spaces", spec, SG_MLINE_KEY_MAX);
	memcpy(line, spec, nl);
	memcpy(line + nl, " 0", 3);
	struct sg_mline_error me;
	if (sg_metricline_parse(line, nl + 2, NULL, NULL, &me) != 1 || line[0] == '{' ||
	    line[0] == '#')
		return sg_error_set(err, SG_E_PARSE, "metric definition '%s': NAME is not a valid "
				    "metric name", spec);
	const char *pattern = eq + 1;
	if (strlen(pattern) > MAX_PATTERN || sg_regex_weight(pattern) > SG_REGEX_MAX_WEIGHT)
		return sg_error_set(err, SG_E_PARSE, "metric definition '%.*s': the regex is too "
				    "large or repeats too deeply (at most %d bytes; no stacked "
				    "repetitions like (a{100}){100})", (int)nl, spec, MAX_PATTERN);
	struct def df = { 0 };
	int rc = regcomp(&df.re, pattern, REG_EXTENDED);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &df.re, msg, sizeof msg);
		return sg_error_set(err, SG_E_PARSE, "metric definition '%.*s': invalid regex "
				    "'%s': %s", (int)nl, spec, pattern, msg);
	}
	if (df.re.re_nsub < 1) {
		regfree(&df.re);
		return sg_error_set(err, SG_E_PARSE, "metric definition '%.*s': the regex '%s' has "
				    "no (group) for the value", (int)nl, spec, pattern);
	}
	df.name = sg_xstrndup(spec, nl);
	df.literal = leading_literal(pattern, &df.literal_len);
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4;
		d->v = sg_xrealloc(d->v, d->cap * sizeof *d->v);
	}
	d->v[d->n++] = df;
	return 0;
}

int sg_metricdefs_apply(const struct sg_metricdefs *d, const char *line, size_t len,
			sg_metricdef_fn fn, void *ud, long long *bad)
{
	int found = 0;
	for (size_t i = 0; d && i < d->n; i++) {
		const struct def *df = &d->v[i];
		if (df->literal && !memmem(line, len, df->literal, df->literal_len))
			continue;
		regmatch_t m[2];
		if (regexec(&df->re, line, 2, m, 0) != 0 || m[1].rm_so < 0)
			continue;
		/* Surrounding blanks in the group are forgiven: "loss: ( *[0-9.]+)". */
		const char *v = line + m[1].rm_so;
		size_t vn = (size_t)(m[1].rm_eo - m[1].rm_so);
		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
		double value;
		if (sg_metric_value_parse(v, vn, &value) != 0) {
			if (bad)
				(*bad)++;
			continue;
		}
		fn(df->name, value, ud);
		found++;
	}
	return found;
}
