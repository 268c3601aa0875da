/* regex.c — a size guard in front of regcomp (regex.h). */
#include <string.h>
#include "core/regex.h"

/* The largest count glibc accepts in a bound (RE_DUP_MAX). */
#define DUP_MAX 32767.0

/* Reads {n}, {n,}, {n,m} or {,m} (glibc takes the last as {0,m}) at *pp;
 * returns the largest count and leaves *pp on the '}'.  Anything else up
 * to a '}' counts as the largest possible bound: glibc reads some odd
 * forms ("{,29\015}") as huge counts, so guessing low would let them
 * through.  -1 when no '}' follows: then '{' is a literal. */
static double bound_count(const char **pp)
{
	const char *p = *pp + 1;
	const char *close = strchr(p, '}');
	if (!close)
		return -1;
	double n = 0, m = -1;
	int digits = 0;
	for (; *p >= '0' && *p <= '9' && n < DUP_MAX; p++, digits = 1)
		n = n * 10 + (*p - '0');
	if (*p == ',') {
		p++;
		if (*p >= '0' && *p <= '9')
			for (m = 0; *p >= '0' && *p <= '9' && m < DUP_MAX; p++)
				m = m * 10 + (*p - '0');
		else if (digits)
			m = n + 1;
	}
	*pp = close;
	if (p != close || (!digits && m < 0))
		return DUP_MAX;
	return m > n ? m : n;
}

/* Skips a bracket expression starting at *p == '['; leaves p on its ']'. */
static const char *skip_class(const char *p)
{
	p += p[1] == '^' ? 2 : 1;
	if (*p == ']')
		p++;
	while (*p && *p != ']')
		p++;
	return *p ? p : p - 1;
}

double sg_regex_weight(const char *re)
{
	double sum[64] = { 0 }, last[64] = { 0 };
	int depth = 0, quantified = 0;
	for (const char *p = re; *p; p++) {
		double atom = 1, f = 2;
		switch (*p) {
		case '(':
			if (depth == 63)
				return 2 * SG_REGEX_MAX_WEIGHT;
			sum[++depth] = 0;
			last[depth] = 0;
			quantified = 0;
			continue;
		case ')':
			/* An empty group still costs a node per copy. */
			if (depth > 0)
				atom = sum[depth] > 1 ? sum[depth] : 1, depth--;
			break;
		case '{':
			f = bound_count(&p);
			if (f < 0)
				break;
			f += 1;
			/* fall through */
		case '*': case '+': case '?':
			if (quantified)
				return 2 * SG_REGEX_MAX_WEIGHT;
			sum[depth] += last[depth] * (f - 1);
			last[depth] *= f;
			quantified = 1;
			if (sum[depth] > SG_REGEX_MAX_WEIGHT)
				return sum[depth];
			continue;
		case '|':
			last[depth] = 0;
			quantified = 0;
			continue;
		case '\\':
			if (p[1])
				p++;
			break;
		case '[':
			p = skip_class(p);
			break;
		default:
			break;
		}
		sum[depth] += atom;
		last[depth] = atom;
		quantified = 0;
	}
	while (depth > 0) {
		sum[depth - 1] += sum[depth];
		depth--;
	}
	return sum[0];
}

int sg_regex_compile(regex_t *re, const char *pattern, int cflags, const char *what,
		     struct sg_error *err)
{
	if (strlen(pattern) > SG_REGEX_MAX_BYTES || sg_regex_weight(pattern) > SG_REGEX_MAX_WEIGHT)
		return sg_error_set(err, SG_E_PARSE, "%s: the regex is too large or repeats too "
				    "deeply (at most %d bytes; no stacked repetitions like a++ or "
				    "(a{100}){100})", what, SG_REGEX_MAX_BYTES);
	int rc = regcomp(re, pattern, cflags);
	if (rc != 0) {
		char why[256];
		regerror(rc, re, why, sizeof why);
		return sg_error_set(err, SG_E_PARSE, "%s: bad regex '%s': %s", what, pattern, why);
	}
	return 0;
}
