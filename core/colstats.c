/* colstats.c — value classification, per-column statistics and frequencies. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/colstats.h"
#include "core/util.h"

#define CHUNK_ROWS 16384
#define HLL_BITS 14
#define HLL_M (1u << HLL_BITS)
#define NOTIFY_NS 50000000LL
#define OVERFLOW_KEEP 1024

/* ---- classifying values --------------------------------------------------- */
#define WORD(w) { w, sizeof w - 1 }
static const struct {
	const char *w;
	size_t n;
} missing_words[] = {
	WORD("NA"), WORD("N/A"), WORD("n/a"), WORD("NaN"), WORD("nan"), WORD("null"),
	WORD("NULL"), WORD("Null"), WORD("None"), WORD("none"),
};

static int is_missing(const char *s, size_t n)
{
	if (n == 0)
		return 1;
	if (n > 4 || (s[0] != 'N' && s[0] != 'n'))
		return 0;
	for (size_t i = 0; i < sizeof missing_words / sizeof missing_words[0]; i++)
		if (missing_words[i].n == n && memcmp(missing_words[i].w, s, n) == 0)
			return 1;
	return 0;
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

static int word_eq(const char *s, size_t n, const char *w)
{
	size_t i = 0;
	for (; i < n && w[i]; i++)
		if (lower((unsigned char)s[i]) != w[i])
			return 0;
	return i == n && w[i] == '\0';
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* strtod on a bounded copy: fields need not be NUL-terminated. */
static double slow_strtod(const char *s, size_t n)
{
	char small[64];
	char *buf = n < sizeof small ? small : sg_xmalloc(n + 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	double v = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	return v;
}

/* Numbers: [+-] digits [. digits] [e [+-] digits], at least one digit
 * before the exponent.  Returns SG_VAL_INT, SG_VAL_FLOAT or SG_VAL_STRING.
 * Short mantissas convert exactly without strtod: m and 10^k are both exact
 * doubles, so one multiplication or division rounds correctly. */
static enum sg_valkind parse_number(const char *s, size_t n, double *num)
{
	size_t i = 0;
	int neg = 0;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i++;
	}
	uint64_t m = 0;
	int digits = 0, sig = 0, frac = 0, dot = 0, exp10 = 0;
	for (; i < n; i++) {
		char ch = s[i];
		if (is_digit(ch)) {
			digits++;
			if (sig < 19) {
				if (m || ch != '0')
					sig++;
				m = m * 10 + (uint64_t)(ch - '0');
				if (dot)
					frac++;
			} else if (!dot) {
				exp10++;  /* digits past 19 only scale */
			}
		} else if (ch == '.' && !dot) {
			dot = 1;
		} else {
			break;
		}
	}
	if (digits == 0)
		return SG_VAL_STRING;
	int has_exp = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		int eneg = 0, e = 0, ed = 0;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			eneg = s[j++] == '-';
		for (; j < n && is_digit(s[j]); j++, ed++)
			if (e < 100000)
				e = e * 10 + (s[j] - '0');
		if (ed == 0)
			return SG_VAL_STRING;
		exp10 += eneg ? -e : e;
		has_exp = 1;
		i = j;
	}
	if (i != n)
		return SG_VAL_STRING;
	int is_int = !dot && !has_exp && sig <= 18 && exp10 == 0;
	if (num) {
		int e = exp10 - frac;
		if (is_int)
			*num = neg ? -(double)m : (double)m;
		else if (m < (1ULL << 53) && e >= -22 && e <= 22)
			*num = (neg ? -1.0 : 1.0) * (e < 0 ? (double)m / pow10_exact[-e]
							   : (double)m * pow10_exact[e]);
		else
			*num = slow_strtod(s, n);
	}
	return is_int ? SG_VAL_INT : SG_VAL_FLOAT;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int num_at(const char *s, int len)
{
	int v = 0;
	for (int i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* YYYY-MM-DD or YYYY/MM/DD with a real day of that month. */
static int parse_date(const char *s, size_t n, long long *days)
{
	if (n < 10 || (s[4] != '-' && s[4] != '/') || s[7] != s[4])
		return 0;
	int y = num_at(s, 4), m = num_at(s + 5, 2), d = num_at(s + 8, 2);
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	*days = days_from_civil(y, m, d);
	return 1;
}

/* The part after a date: [T ]HH:MM[:SS[.frac]][Z|±HH[:]MM]. */
static int parse_time(const char *s, size_t n, double *secs)
{
	if (n < 6 || (s[0] != 'T' && s[0] != ' ') || s[3] != ':')
		return 0;
	int hh = num_at(s + 1, 2), mm = num_at(s + 4, 2), ss = 0;
	size_t i = 6;
	double frac = 0;
	if (i < n && s[i] == ':') {
		if (i + 3 > n || (ss = num_at(s + i + 1, 2)) < 0 || ss > 60)
			return 0;
		i += 3;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			double scale = 0.1;
			size_t j = i + 1;
			for (; j < n && is_digit(s[j]); j++, scale /= 10)
				frac += (s[j] - '0') * scale;
			if (j == i + 1)
				return 0;
			i = j;
		}
	}
	if (hh < 0 || hh > 24 || mm < 0 || mm > 59)
		return 0;
	int off = 0;
	if (i < n && s[i] == 'Z') {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		int oh = i + 3 <= n ? num_at(s + i + 1, 2) : -1, om = 0;
		i += 3;
		if (i < n && s[i] == ':')
			i++;
		if (i + 2 <= n) {
			om = num_at(s + i, 2);
			i += 2;
		}
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return 0;
		off = sign * (oh * 3600 + om * 60);
	}
	if (i != n)
		return 0;
	*secs = hh * 3600.0 + mm * 60.0 + ss + frac - off;
	return 1;
}

enum sg_valkind sg_value_kind(const char *s, size_t n, double *num)
{
	if (is_missing(s, n))
		return SG_VAL_MISSING;
	unsigned char c0 = (unsigned char)s[0];
	if (is_digit(c0) || c0 == '-' || c0 == '+' || c0 == '.') {
		long long days;
		if (n >= 10 && is_digit(c0) && parse_date(s, n, &days)) {
			if (n == 10) {
				if (num)
					*num = (double)days * 86400.0;
				return SG_VAL_DATE;
			}
			double secs;
			if (parse_time(s + 10, n - 10, &secs)) {
				if (num)
					*num = (double)days * 86400.0 + secs;
				return SG_VAL_DATETIME;
			}
			return SG_VAL_STRING;
		}
		return parse_number(s, n, num);
	}
	if (n <= 5) {
		int t = word_eq(s, n, "true") || word_eq(s, n, "yes");
		int f = word_eq(s, n, "false") || word_eq(s, n, "no");
		if (t || f) {
			if (num)
				*num = t;
			return SG_VAL_BOOL;
		}
	}
	return SG_VAL_STRING;
}

const char *sg_valkind_name(enum sg_valkind k)
{
	static const char *const names[] = { "missing", "integer", "float", "boolean", "date",
					     "datetime", "string" };
	return (unsigned)k < SG_VAL_NKINDS ? names[k] : "?";
}

const char *sg_coltype_name(enum sg_coltype t)
{
	static const char *const names[] = { "empty", "integer", "float", "boolean", "date",
					     "datetime", "string" };
	return (unsigned)t <= SG_COL_STRING ? names[t] : "?";
}

/* The narrowest type that holds every kind seen. */
static enum sg_coltype type_of(const uint64_t *kinds)
{
	uint64_t i = kinds[SG_VAL_INT], f = kinds[SG_VAL_FLOAT], b = kinds[SG_VAL_BOOL];
	uint64_t d = kinds[SG_VAL_DATE], dt = kinds[SG_VAL_DATETIME], s = kinds[SG_VAL_STRING];
	if (s)
		return SG_COL_STRING;
	int groups = (i || f) + (b > 0) + (d || dt);
	if (groups == 0)
		return SG_COL_EMPTY;
	if (groups > 1)
		return SG_COL_STRING;
	if (f)
		return SG_COL_FLOAT;
	if (i)
		return SG_COL_INTEGER;
	if (b)
		return SG_COL_BOOLEAN;
	return dt ? SG_COL_DATETIME : SG_COL_DATE;
}

/* ---- hashing ---------------------------------------------------------------- */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x2545f4914f6cdd1dULL);
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		v *= 0x87c37b91114253d5ULL;
		h ^= (v << 31) | (v >> 33);
		h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
		p += 8;
		n -= 8;
	}
	uint64_t v = 0;
	memcpy(&v, p, n);
	h ^= v * 0x4cf5ad432745937fULL;
	return mix64(h);
}

/* ---- a hash table of values --------------------------------------------
 * Keys are 64-bit hashes (a collision among 100,000 values has a chance of
 * about 3e-10).  Entries are 16 bytes, so that the 100,000 values of a
 * column fit in 2 MB: the table is probed at random once per value and
 * cache misses are most of a statistics pass.  For statistics, ref is the
 * first row holding the value (its text is read back from there at the end;
 * rows past 2^32 - 2 are not referenced) and count saturates at 2^32 - 1;
 * for frequencies, ref indexes vals, which keeps full counts and the text. */
#define NO_REF UINT32_MAX

struct dent {
	uint64_t hash;
	uint32_t count;               /* 0: a free slot */
	uint32_t ref;
};

struct fval {
	uint64_t count, off, len;     /* the text is arena[off .. off + len) */
};

struct dtab {
	struct dent *e;
	size_t cap, n;
	struct fval *vals;            /* frequencies only */
	size_t nvals, capvals;
	char *arena;
	size_t alen, acap;
};

static void dtab_grow(struct dtab *t)
{
	size_t cap = t->cap ? 2 * t->cap : 64;
	struct dent *e = sg_xcalloc(cap, sizeof *e);
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->e[i].count)
			continue;
		size_t k = (size_t)t->e[i].hash & (cap - 1);
		while (e[k].count)
			k = (k + 1) & (cap - 1);
		e[k] = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->cap = cap;
}

/* Finds hash; when absent and may_add, adds it with count 0 (the caller
 * sets it non-zero).  NULL when absent. */
static struct dent *dtab_find(struct dtab *t, uint64_t hash, int may_add)
{
	if (may_add && (t->n + 1) * 5 > t->cap * 4)
		dtab_grow(t);
	if (!t->cap)
		return NULL;
	size_t k = (size_t)hash & (t->cap - 1);
	while (t->e[k].count) {
		if (t->e[k].hash == hash)
			return &t->e[k];
		k = (k + 1) & (t->cap - 1);
	}
	if (!may_add)
		return NULL;
	t->e[k].hash = hash;
	t->n++;
	return &t->e[k];
}

static uint32_t sat_add(uint32_t a, uint64_t b)
{
	return a + b >= UINT32_MAX ? UINT32_MAX : (uint32_t)(a + b);
}

/* A new frequency value: its text goes to the arena.  Returns its index. */
static uint32_t dtab_keep(struct dtab *t, const char *p, size_t n)
{
	if (t->alen + n + 1 > t->acap) {
		size_t cap = t->acap ? t->acap : 4096;
		while (t->alen + n + 1 > cap)
			cap *= 2;
		t->arena = sg_xrealloc(t->arena, cap);
		t->acap = cap;
	}
	if (t->nvals == t->capvals) {
		t->capvals = t->capvals ? 2 * t->capvals : 64;
		t->vals = sg_xrealloc(t->vals, t->capvals * sizeof *t->vals);
	}
	struct fval *v = &t->vals[t->nvals];
	v->count = 0;
	v->off = t->alen;
	v->len = n;
	memcpy(t->arena + t->alen, p, n);
	t->arena[t->alen + n] = '\0';
	t->alen += n + 1;
	return (uint32_t)t->nvals++;
}

static void dtab_free(struct dtab *t)
{
	free(t->e);
	free(t->vals);
	free(t->arena);
	memset(t, 0, sizeof *t);
}

/* ---- HyperLogLog ----------------------------------------------------------- */
static void hll_add(uint8_t *reg, uint64_t hash)
{
	size_t idx = (size_t)(hash >> (64 - HLL_BITS));
	uint64_t rest = hash << HLL_BITS;
	uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - HLL_BITS + 1);
	if (rank > reg[idx])
		reg[idx] = rank;
}

static uint64_t hll_estimate(const uint8_t *reg)
{
	double sum = 0;
	unsigned zeros = 0;
	for (unsigned i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -reg[i]);
		zeros += reg[i] == 0;
	}
	double m = HLL_M, e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log(m / zeros);
	return (uint64_t)llround(e);
}

/* ---- the per-thread, per-column accumulator ------------------------------- */
struct sample_ent {
	uint64_t key;
	double v;
};

struct acc {
	uint64_t count, missing, kinds[SG_VAL_NKINDS];
	uint64_t n;
	double mean, m2, min, max;
	struct sample_ent *heap;      /* the sample: values whose row keys are lowest */
	size_t hn, hcap;
	uint64_t thr;                 /* keys at or above this are not kept */
	struct dtab tab;
	int overflow;
	uint8_t *hll;
	char *tmin, *tmax;
	size_t tminlen, tmaxlen;
	int has_text;
};

/* Quickselect (Hoare's partition): moves the k lowest keys of e[0..n) to
 * the front, in any order. */
static void select_lowest(struct sample_ent *e, size_t n, size_t k)
{
	long lo = 0, hi = (long)n - 1;  /* inclusive */
	while (lo < hi) {
		uint64_t pivot = e[lo + (hi - lo) / 2].key;
		long i = lo - 1, j = hi + 1;
		for (;;) {
			do
				i++;
			while (e[i].key < pivot);
			do
				j--;
			while (e[j].key > pivot);
			if (i >= j)
				break;
			struct sample_ent t = e[i];
			e[i] = e[j];
			e[j] = t;
		}
		/* [lo..j] <= pivot <= [j+1..hi], both parts non-empty. */
		if ((long)k <= j + 1) {
			if ((long)k == j + 1)
				return;
			hi = j;
		} else {
			lo = j + 1;
		}
	}
}

/* Keeps the SG_STATS_SAMPLE lowest keys: values are appended while below
 * the threshold; a full buffer (twice the sample) is cut back to the lowest
 * half and the threshold lowered to the highest key kept.  A rejected value
 * always had SG_STATS_SAMPLE lower keys ahead of it. */
static void sample_compact(struct acc *a)
{
	if (a->hn <= SG_STATS_SAMPLE)
		return;
	select_lowest(a->heap, a->hn, SG_STATS_SAMPLE);
	a->hn = SG_STATS_SAMPLE;
	uint64_t top = 0;
	for (size_t i = 0; i < a->hn; i++)
		if (a->heap[i].key > top)
			top = a->heap[i].key;
	a->thr = top;
}

static void sample_offer(struct acc *a, uint64_t key, double v)
{
	if (a->thr && key >= a->thr)  /* 0: no threshold yet */
		return;
	if (a->hn == a->hcap) {  /* grows to twice the sample, then stays */
		a->hcap = a->hcap ? 2 * a->hcap : 256;
		if (a->hcap > 2 * SG_STATS_SAMPLE)
			a->hcap = 2 * SG_STATS_SAMPLE;
		a->heap = sg_xrealloc(a->heap, a->hcap * sizeof *a->heap);
	}
	a->heap[a->hn].key = key;
	a->heap[a->hn].v = v;
	if (++a->hn == 2 * SG_STATS_SAMPLE)
		sample_compact(a);
}

static void set_text(char **dst, size_t *dlen, const char *p, size_t n)
{
	*dst = sg_xrealloc(*dst, n + 1);
	memcpy(*dst, p, n);
	(*dst)[n] = '\0';
	*dlen = n;
}

static int text_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	return r ? r : (an > bn) - (an < bn);
}

static int dent_rank(const struct dent *a, const struct dent *b)
{
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->ref > b->ref) - (a->ref < b->ref);
}

static int cmp_dent(const void *a, const void *b)
{
	return dent_rank(a, b);
}

/* Past the bound: the distinct count moves to a HyperLogLog, and only the
 * OVERFLOW_KEEP most frequent values so far go on being counted (for
 * approximate top values), which also frees the big table. */
static void acc_overflow(struct acc *a)
{
	a->overflow = 1;
	a->hll = sg_xcalloc(HLL_M, 1);
	struct dent *all = sg_xmalloc((a->tab.n + 1) * sizeof *all);
	size_t n = 0;
	for (size_t i = 0; i < a->tab.cap; i++) {
		if (a->tab.e[i].count) {
			hll_add(a->hll, a->tab.e[i].hash);
			all[n++] = a->tab.e[i];
		}
	}
	qsort(all, n, sizeof *all, cmp_dent);
	dtab_free(&a->tab);
	for (size_t i = 0; i < n && i < OVERFLOW_KEEP; i++)
		*dtab_find(&a->tab, all[i].hash, 1) = all[i];
	free(all);
}

static void acc_distinct(struct acc *a, uint64_t h, uint64_t row)
{
	if (a->overflow) {
		hll_add(a->hll, h);
		struct dent *e = dtab_find(&a->tab, h, 0);
		if (e)
			e->count = sat_add(e->count, 1);
		return;
	}
	if (a->tab.n >= SG_STATS_DISTINCT_MAX && !dtab_find(&a->tab, h, 0)) {
		acc_overflow(a);
		hll_add(a->hll, h);
		return;
	}
	struct dent *e = dtab_find(&a->tab, h, 1);
	if (!e->count)
		e->ref = row < NO_REF ? (uint32_t)row : NO_REF;
	e->count = sat_add(e->count, 1);
}

/* One value; h is its hash, key its row's sampling key. */
static void acc_value(struct acc *a, const char *p, size_t n, uint64_t row, uint64_t key,
		      uint64_t h)
{
	double num = 0;
	enum sg_valkind k = sg_value_kind(p, n, &num);
	a->count++;
	a->kinds[k]++;
	if (k == SG_VAL_MISSING) {
		a->missing++;
		return;
	}
	acc_distinct(a, h, row);
	if (!a->has_text) {
		set_text(&a->tmin, &a->tminlen, p, n);
		set_text(&a->tmax, &a->tmaxlen, p, n);
		a->has_text = 1;
	} else if (text_cmp(p, n, a->tmin, a->tminlen) < 0) {
		set_text(&a->tmin, &a->tminlen, p, n);
	} else if (text_cmp(p, n, a->tmax, a->tmaxlen) > 0) {
		set_text(&a->tmax, &a->tmaxlen, p, n);
	}
	if (k == SG_VAL_STRING || !isfinite(num))
		return;
	a->n++;
	double d = num - a->mean;
	a->mean += d / (double)a->n;
	a->m2 += d * (num - a->mean);
	if (a->n == 1 || num < a->min)
		a->min = num;
	if (a->n == 1 || num > a->max)
		a->max = num;
	sample_offer(a, key, num);
}

static void acc_free(struct acc *a)
{
	free(a->heap);
	dtab_free(&a->tab);
	free(a->hll);
	free(a->tmin);
	free(a->tmax);
}

/* Folds b into a (b is left to be freed). */
static void acc_merge(struct acc *a, struct acc *b)
{
	a->count += b->count;
	a->missing += b->missing;
	for (int k = 0; k < SG_VAL_NKINDS; k++)
		a->kinds[k] += b->kinds[k];
	if (b->n) {
		if (!a->n) {
			a->min = b->min;
			a->max = b->max;
		}
		double n = (double)(a->n + b->n), d = b->mean - a->mean;
		a->m2 += b->m2 + d * d * (double)a->n * (double)b->n / n;
		a->mean += d * (double)b->n / n;
		a->n += b->n;
		a->min = fmin(a->min, b->min);
		a->max = fmax(a->max, b->max);
	}
	for (size_t i = 0; i < b->hn; i++)
		sample_offer(a, b->heap[i].key, b->heap[i].v);
	if (b->has_text) {
		if (!a->has_text || text_cmp(b->tmin, b->tminlen, a->tmin, a->tminlen) < 0)
			set_text(&a->tmin, &a->tminlen, b->tmin, b->tminlen);
		if (!a->has_text || text_cmp(b->tmax, b->tmaxlen, a->tmax, a->tmaxlen) > 0)
			set_text(&a->tmax, &a->tmaxlen, b->tmax, b->tmaxlen);
		a->has_text = 1;
	}
	/* Distinct: a union of the tables while it stays under the bound. */
	if (b->overflow && !a->overflow)
		acc_overflow(a);
	for (size_t i = 0; i < b->tab.cap; i++) {
		struct dent *be = &b->tab.e[i];
		if (!be->count)
			continue;
		if (a->overflow)
			hll_add(a->hll, be->hash);
		struct dent *e = dtab_find(&a->tab, be->hash, 0);
		if (!e && !a->overflow && a->tab.n >= SG_STATS_DISTINCT_MAX) {
			acc_overflow(a);
			hll_add(a->hll, be->hash);
		}
		if (!e && !a->overflow)
			e = dtab_find(&a->tab, be->hash, 1);
		if (!e)
			continue;
		if (!e->count || be->ref < e->ref)
			e->ref = be->ref;
		e->count = sat_add(e->count, be->count);
	}
	if (b->overflow)
		for (unsigned i = 0; i < HLL_M; i++)
			if (b->hll[i] > a->hll[i])
				a->hll[i] = b->hll[i];
}

/* ---- the parallel pass ------------------------------------------------------- */
struct pass {
	struct sg_csv *c;
	const struct sg_colstats_options *o;
	atomic_uint_fast64_t next_chunk;
	atomic_llong last_notify;
	int freq_col;                 /* -1: stats */
};

struct worker {
	struct pass *ps;
	pthread_t th;
	struct acc *accs;             /* stats: one per column */
	uint64_t *hashes;             /* stats: the current row's value hashes */
	struct dtab freq;             /* freq */
	struct sg_csv_cursor cur;
	int rc;
	struct sg_error err;
};

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void notify(struct pass *ps)
{
	if (!ps->o->on_progress)
		return;
	long long now = now_ns(), last = atomic_load(&ps->last_notify);
	if (now - last >= NOTIFY_NS && atomic_compare_exchange_strong(&ps->last_notify, &last, now))
		ps->o->on_progress(ps->o->ud);
}

static int stats_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct worker *w = ud;
	uint64_t key = mix64(cur->row ^ 0x5851f42d4c957f2dULL);
	int ncols = cur->ncols;
	/* Hash first and prefetch every column's table slot, so the cache
	 * misses of the lookups overlap instead of queueing. */
	for (int j = 0; j < ncols; j++) {
		struct acc *a = &w->accs[j];
		uint64_t h = hash_bytes(cur->field[j].p, cur->field[j].len);
		w->hashes[j] = h;
		if (a->tab.cap)
			__builtin_prefetch(&a->tab.e[h & (a->tab.cap - 1)]);
	}
	for (int j = 0; j < ncols; j++)
		acc_value(&w->accs[j], cur->field[j].p, cur->field[j].len, cur->row, key,
			  w->hashes[j]);
	return 0;
}

static int freq_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct worker *w = ud;
	const struct sg_csv_field *f = &cur->field[w->ps->freq_col];
	uint64_t h = hash_bytes(f->p, f->len);
	struct dent *e = dtab_find(&w->freq, h, 1);
	if (!e->count) {
		e->count = 1;
		e->ref = dtab_keep(&w->freq, f->p, f->len);
	}
	w->freq.vals[e->ref].count++;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pass *ps = w->ps;
	struct sg_stats_progress *prog = ps->o->progress;
	int maxcols = ps->freq_col >= 0 ? ps->freq_col + 1 : 0;
	for (;;) {
		uint64_t k = atomic_fetch_add(&ps->next_chunk, 1);
		uint64_t first = k * CHUNK_ROWS, last = first + CHUNK_ROWS;
		uint64_t avail = sg_csv_wait_rows(ps->c, last);
		if (prog)
			atomic_store(&prog->rows_total, avail);
		if (first >= avail)
			break;
		if (last > avail)
			last = avail;
		w->rc = sg_csv_scan(ps->c, &w->cur, first, last, maxcols,
				    ps->freq_col >= 0 ? freq_row : stats_row, w, ps->o->cancel,
				    &w->err);
		if (w->rc != 0)
			break;
		if (prog)
			atomic_fetch_add(&prog->rows_done, last - first);
		notify(ps);
	}
	return NULL;
}

/* Runs the workers; returns 0, 1 (cancelled) or -1 with err. */
static int run_pass(struct pass *ps, struct worker *ws, int nt, struct sg_error *err)
{
	for (int t = 0; t < nt; t++) {
		ws[t].ps = ps;
		sg_csv_cursor_init(&ws[t].cur);
		if (pthread_create(&ws[t].th, NULL, worker_main, &ws[t]) != 0) {
			ws[t].rc = -1;
			sg_error_set(&ws[t].err, SG_E_IO, "cannot start a statistics thread");
			ws[t].th = pthread_self();
		}
	}
	int rc = 0;
	for (int t = 0; t < nt; t++) {
		if (!pthread_equal(ws[t].th, pthread_self()))
			pthread_join(ws[t].th, NULL);
		sg_csv_cursor_done(&ws[t].cur);
		if (ws[t].rc < 0 && rc >= 0) {
			rc = -1;
			if (err)
				*err = ws[t].err;
		} else if (ws[t].rc > 0 && rc == 0) {
			rc = 1;
		}
	}
	if (rc == 0 && ps->o->cancel && atomic_load(ps->o->cancel))
		rc = 1;
	return rc;
}

static int threads_of(const struct sg_colstats_options *o)
{
	int nt = o && o->threads > 0 ? o->threads : 2;
	return nt > 64 ? 64 : nt;
}

/* Index errors after the pass: an unterminated quote still leaves the
 * rows before it, which were counted; an I/O error fails. */
static int index_status(struct sg_csv *c, struct sg_error *err)
{
	struct sg_error e = { 0 };
	if (sg_csv_wait(c, &e) == 0 || e.code == SG_E_PARSE)
		return 0;
	if (err)
		*err = e;
	return -1;
}

/* ---- finishing the statistics -------------------------------------------- */
/* Quickselect: puts the k-th smallest of v[0..n) at v[k], smaller ones
 * before it and larger ones after. */
static void select_double(double *v, size_t n, size_t k)
{
	long lo = 0, hi = (long)n - 1;
	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		long i = lo - 1, j = hi + 1;
		for (;;) {
			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			double t = v[i];
			v[i] = v[j];
			v[j] = t;
		}
		if ((long)k <= j)
			hi = j;
		else
			lo = j + 1;
	}
}

/* The p-quantile with linear interpolation (numpy's default), by selection:
 * seven of them cost less than sorting the sample. */
static double quantile(double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);
	select_double(v, n, lo);
	if (lo + 1 >= n)
		return v[lo];
	double next = v[lo + 1];
	for (size_t i = lo + 2; i < n; i++)
		if (v[i] < next)
			next = v[i];
	return v[lo] + (h - (double)lo) * (next - v[lo]);
}

static void finish_numeric(struct sg_colstat *s, struct acc *a)
{
	static const double ps[SG_STATS_NQ] = { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 };
	sample_compact(a);
	s->numeric = 1;
	s->n = a->n;
	s->min = a->min;
	s->max = a->max;
	s->mean = a->mean;
	s->stddev = a->n > 1 ? sqrt(a->m2 / (double)(a->n - 1)) : 0;
	s->sample_n = a->hn;
	s->sampled = a->hn < a->n;
	double *v = sg_xmalloc((a->hn ? a->hn : 1) * sizeof *v);
	for (size_t i = 0; i < a->hn; i++)
		v[i] = a->heap[i].v;
	for (int q = 0; q < SG_STATS_NQ && a->hn; q++)
		s->q[q] = quantile(v, a->hn, ps[q]);
	/* Equal-width bins; integers with a small range get one bin each. */
	double lo = s->min, span = s->max - s->min;
	int unit = (s->type == SG_COL_INTEGER || s->type == SG_COL_BOOLEAN) && span < SG_STATS_BINS;
	s->nbins = span == 0 ? 1 : unit ? (int)span + 1 : SG_STATS_BINS;
	uint64_t raw[SG_STATS_BINS] = { 0 };
	for (size_t i = 0; i < a->hn; i++) {
		int b = span == 0 ? 0 : unit ? (int)(v[i] - lo)
					     : (int)((v[i] - lo) / span * SG_STATS_BINS);
		raw[b < 0 ? 0 : b >= s->nbins ? s->nbins - 1 : b]++;
	}
	for (int b = 0; b < s->nbins; b++)
		s->hist[b] = s->sampled ? (uint64_t)llround((double)raw[b] * (double)a->n / (double)a->hn)
					: raw[b];
	free(v);
}

static void dup_value(struct sg_colvalue *dst, const char *p, size_t n, uint64_t count)
{
	dst->value = sg_xmalloc(n + 1);
	memcpy(dst->value, p, n);
	dst->value[n] = '\0';
	dst->len = n;
	dst->count = count;
}

/* A top value whose text is still to be read back from its first row. */
struct topref {
	uint64_t ref;
	int col, i;
};

struct toprefs {
	struct topref *v;
	size_t n, cap;
};

static int topref_cmp(const void *a, const void *b)
{
	const struct topref *x = a, *y = b;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

/* Picks the top values; their text is read back later, all columns' at once
 * (see read_tops). */
static void finish_top(int col, struct sg_colstat *s, struct acc *a, struct toprefs *q)
{
	struct dent top[SG_STATS_TOP];
	int nt = 0;
	for (size_t i = 0; i < a->tab.cap; i++) {
		struct dent *e = &a->tab.e[i];
		if (!e->count)
			continue;
		int pos = nt;
		while (pos > 0 && dent_rank(e, &top[pos - 1]) < 0)
			pos--;
		if (pos >= SG_STATS_TOP)
			continue;
		if (nt < SG_STATS_TOP)
			nt++;
		memmove(&top[pos + 1], &top[pos], (size_t)(nt - 1 - pos) * sizeof top[0]);
		top[pos] = *e;
	}
	for (int i = 0; i < nt; i++) {
		s->top[i].count = top[i].count;
		if (top[i].ref == NO_REF) {  /* only in files of over 4 billion rows */
			static const char unknown[] = "(first seen past row 4294967294)";
			dup_value(&s->top[i], unknown, sizeof unknown - 1, top[i].count);
			continue;
		}
		if (q->n == q->cap) {
			q->cap = q->cap ? 2 * q->cap : 64;
			q->v = sg_xrealloc(q->v, q->cap * sizeof *q->v);
		}
		q->v[q->n++] = (struct topref){ top[i].ref, col, i };
	}
	s->ntop = nt;
	s->top_approx = a->overflow;
}

/* Reads the top values' text, each row once in file order: reading a row
 * per column and value made a file of one wide row take time quadratic in
 * its columns. */
static int read_tops(struct sg_csv *c, struct sg_colstats *s, struct toprefs *q,
		     struct sg_csv_cursor *cur, struct sg_error *err)
{
	if (q->n)
		qsort(q->v, q->n, sizeof *q->v, topref_cmp);
	for (size_t k = 0; k < q->n; k++) {
		const struct topref *t = &q->v[k];
		if ((k == 0 || t->ref != q->v[k - 1].ref) &&
		    sg_csv_read_row(c, t->ref, cur, err) != 0)
			return -1;
		struct sg_colvalue *v = &s->col[t->col].top[t->i];
		dup_value(v, cur->field[t->col].p, cur->field[t->col].len, v->count);
	}
	return 0;
}

static void finish_column(struct sg_csv *c, int col, struct sg_colstat *s, struct acc *a,
			  struct toprefs *q)
{
	s->name = sg_csv_colname(c, col);
	s->count = a->count;
	s->missing = a->missing;
	memcpy(s->kinds, a->kinds, sizeof s->kinds);
	s->type = type_of(a->kinds);
	s->distinct_estimated = a->overflow;
	s->distinct = a->overflow ? hll_estimate(a->hll) : a->tab.n;
	if (a->overflow && s->distinct < SG_STATS_DISTINCT_MAX)
		s->distinct = SG_STATS_DISTINCT_MAX;  /* we know at least this many */
	if (s->type != SG_COL_STRING && s->type != SG_COL_EMPTY && a->n)
		finish_numeric(s, a);
	if (a->has_text) {
		dup_value(&s->min_text, a->tmin, a->tminlen, 0);
		dup_value(&s->max_text, a->tmax, a->tmaxlen, 0);
	}
	finish_top(col, s, a, q);
}

int sg_colstats_compute(struct sg_csv *c, const struct sg_colstats_options *opt,
			struct sg_colstats **out, struct sg_error *err)
{
	static const struct sg_colstats_options defaults;
	const struct sg_colstats_options *o = opt ? opt : &defaults;
	double t0 = sg_now();
	*out = NULL;
	int nt = threads_of(o), ncols = sg_csv_ncols(c);
	struct pass ps = { .c = c, .o = o, .freq_col = -1 };
	struct worker *ws = sg_xcalloc((size_t)nt, sizeof *ws);
	for (int t = 0; t < nt; t++) {
		ws[t].accs = sg_xcalloc((size_t)ncols + 1, sizeof *ws[t].accs);
		ws[t].hashes = sg_xcalloc((size_t)ncols + 1, sizeof *ws[t].hashes);
	}
	int rc = run_pass(&ps, ws, nt, err);
	if (rc == 0)
		rc = index_status(c, err);
	struct sg_colstats *s = NULL;
	if (rc == 0) {
		s = sg_xcalloc(1, sizeof *s);
		s->ncols = ncols;
		s->col = sg_xcalloc((size_t)ncols + 1, sizeof *s->col);
		s->rows = sg_csv_nrows(c);
		struct sg_csv_cursor cur;
		struct toprefs q = { 0 };
		sg_csv_cursor_init(&cur);
		for (int j = 0; j < ncols; j++) {
			for (int t = 1; t < nt; t++)
				acc_merge(&ws[0].accs[j], &ws[t].accs[j]);
			finish_column(c, j, &s->col[j], &ws[0].accs[j], &q);
		}
		rc = read_tops(c, s, &q, &cur, err);
		free(q.v);
		sg_csv_cursor_done(&cur);
		s->seconds = sg_now() - t0;
	}
	for (int t = 0; t < nt; t++) {
		for (int j = 0; j < ncols; j++)
			acc_free(&ws[t].accs[j]);
		free(ws[t].accs);
		free(ws[t].hashes);
	}
	free(ws);
	if (rc != 0) {
		sg_colstats_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static void free_value(struct sg_colvalue *v)
{
	free(v->value);
}

void sg_colstats_free(struct sg_colstats *s)
{
	if (!s)
		return;
	for (int j = 0; j < s->ncols; j++) {
		free_value(&s->col[j].min_text);
		free_value(&s->col[j].max_text);
		for (int i = 0; i < s->col[j].ntop; i++)
			free_value(&s->col[j].top[i]);
	}
	free(s->col);
	free(s);
}

/* ---- frequencies ------------------------------------------------------------------ */
static int cmp_freq(const void *pa, const void *pb)
{
	const struct sg_colvalue *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return text_cmp(a->value, a->len, b->value, b->len);
}

/* Folds b's table into a's (texts copied into a's arena). */
static void freq_merge(struct dtab *a, struct dtab *b)
{
	for (size_t i = 0; i < b->cap; i++) {
		struct dent *be = &b->e[i];
		if (!be->count)
			continue;
		const struct fval *bv = &b->vals[be->ref];
		struct dent *e = dtab_find(a, be->hash, 1);
		if (!e->count) {
			e->count = 1;
			e->ref = dtab_keep(a, b->arena + bv->off, (size_t)bv->len);
		}
		a->vals[e->ref].count += bv->count;
	}
}

int sg_colfreq_compute(struct sg_csv *c, int col, const struct sg_colstats_options *opt,
		       struct sg_colfreq **out, struct sg_error *err)
{
	static const struct sg_colstats_options defaults;
	const struct sg_colstats_options *o = opt ? opt : &defaults;
	*out = NULL;
	if (col < 0 || col >= sg_csv_ncols(c))
		return sg_error_set(err, SG_E_USAGE, "%s: no column %d (the file has %d)",
				    sg_csv_path(c), col + 1, sg_csv_ncols(c));
	double t0 = sg_now();
	int nt = threads_of(o);
	struct pass ps = { .c = c, .o = o, .freq_col = col };
	struct worker *ws = sg_xcalloc((size_t)nt, sizeof *ws);
	int rc = run_pass(&ps, ws, nt, err);
	if (rc == 0)
		rc = index_status(c, err);
	if (rc == 0) {
		struct sg_colfreq *f = sg_xcalloc(1, sizeof *f);
		for (int t = 1; t < nt; t++)
			freq_merge(&ws[0].freq, &ws[t].freq);
		struct dtab *a = &ws[0].freq;
		f->col = col;
		f->rows = sg_csv_nrows(c);
		f->values = sg_xcalloc(a->nvals + 1, sizeof *f->values);
		for (size_t i = 0; i < a->nvals; i++)
			dup_value(&f->values[f->n++], a->arena + a->vals[i].off,
				  (size_t)a->vals[i].len, a->vals[i].count);
		qsort(f->values, f->n, sizeof *f->values, cmp_freq);
		f->seconds = sg_now() - t0;
		*out = f;
	}
	for (int t = 0; t < nt; t++)
		dtab_free(&ws[t].freq);
	free(ws);
	return rc;
}

void sg_colfreq_free(struct sg_colfreq *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free_value(&f->values[i]);
	free(f->values);
	free(f);
}

/* ---- background jobs ------------------------------------------------------------- */
struct sg_stats_job {
	struct sg_csv *c;
	int freq_col;
	pthread_t th;
	atomic_int cancel, ended;
	struct sg_stats_progress prog;
	struct sg_colstats_options o;
	int pipefd[2];
	int rc;
	struct sg_error err;
	struct sg_colstats *stats;
	struct sg_colfreq *freq;
};

static void job_ping(void *ud)
{
	struct sg_stats_job *j = ud;
	char b = 1;
	ssize_t r = write(j->pipefd[1], &b, 1);
	(void)r;  /* a full pipe already holds a wake-up */
}

static void *job_main(void *arg)
{
	struct sg_stats_job *j = arg;
	if (j->freq_col >= 0)
		j->rc = sg_colfreq_compute(j->c, j->freq_col, &j->o, &j->freq, &j->err);
	else
		j->rc = sg_colstats_compute(j->c, &j->o, &j->stats, &j->err);
	atomic_store(&j->ended, 1);
	job_ping(j);
	return NULL;
}

struct sg_stats_job *sg_stats_job_start(struct sg_csv *c, int freq_col, struct sg_error *err)
{
	struct sg_stats_job *j = sg_xcalloc(1, sizeof *j);
	j->c = c;
	j->freq_col = freq_col;
	j->o.cancel = &j->cancel;
	j->o.progress = &j->prog;
	j->o.on_progress = job_ping;
	j->o.ud = j;
	if (pipe2(j->pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
		sg_error_errno(err, "cannot create a pipe");
		free(j);
		return NULL;
	}
	if (pthread_create(&j->th, NULL, job_main, j) != 0) {
		sg_error_set(err, SG_E_IO, "cannot start a statistics thread");
		close(j->pipefd[0]);
		close(j->pipefd[1]);
		free(j);
		return NULL;
	}
	return j;
}

int sg_stats_job_fd(const struct sg_stats_job *j)
{
	return j->pipefd[0];
}

int sg_stats_job_poll(struct sg_stats_job *j, uint64_t *done, uint64_t *total)
{
	char drain[64];
	while (read(j->pipefd[0], drain, sizeof drain) > 0)
		;
	if (done)
		*done = atomic_load(&j->prog.rows_done);
	if (total)
		*total = atomic_load(&j->prog.rows_total);
	return atomic_load(&j->ended);
}

void sg_stats_job_cancel(struct sg_stats_job *j)
{
	atomic_store(&j->cancel, 1);
}

int sg_stats_job_finish(struct sg_stats_job *j, struct sg_colstats **stats,
			struct sg_colfreq **freq, struct sg_error *err)
{
	pthread_join(j->th, NULL);
	int rc = j->rc;
	if (rc < 0 && err)
		*err = j->err;
	if (stats)
		*stats = j->stats;
	else
		sg_colstats_free(j->stats);
	if (freq)
		*freq = j->freq;
	else
		sg_colfreq_free(j->freq);
	close(j->pipefd[0]);
	close(j->pipefd[1]);
	free(j);
	return rc;
}
