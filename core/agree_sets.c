/* agree_sets.c — agreement on whole multi-label answers (Krippendorff's
 * alpha with the Jaccard distance) and on spans (pairwise span F1).  The
 * definitions are in agree.h. */
#include "core/agree.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"

/* ---- multi-label sets -------------------------------------------------------- */

/* The expected disagreement is exact up to this many distinct sets
 * (V^2 / 2 distances); past it, it is the mean distance of SET_SAMPLE pairs
 * of answers drawn with a fixed seed (standard error under 0.001 of a
 * distance in [0, 1], and the same on every run). */
#define SET_EXACT_MAX 4096
#define SET_SAMPLE 2000000

/* Record order for grouping: item, annotator, label. */
static int cmp_rec(const void *x, const void *y, void *ud)
{
	const struct sg_agree_input *in = ud;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	if (in->item[a] != in->item[b])
		return in->item[a] < in->item[b] ? -1 : 1;
	if (in->annotator[a] != in->annotator[b])
		return in->annotator[a] < in->annotator[b] ? -1 : 1;
	if (in->label[a] != in->label[b])
		return in->label[a] < in->label[b] ? -1 : 1;
	return 0;
}

/* One (item, annotator) answer: labels lab[off .. off + len), sorted. */
struct answer {
	uint32_t item;
	size_t off, len;
	uint32_t set;              /* distinct-set id */
};

struct setctx {
	const struct answer *ans;
	const uint32_t *lab;
};

static int cmp_set(const void *x, const void *y, void *ud)
{
	const struct setctx *c = ud;
	const struct answer *a = &c->ans[*(const uint32_t *)x], *b = &c->ans[*(const uint32_t *)y];
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	int r = memcmp(c->lab + a->off, c->lab + b->off, a->len * sizeof *c->lab);
	return r;
}

/* The Jaccard distance of two sorted label lists. */
static double jaccard_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	if (na == 0 && nb == 0)
		return 0;
	size_t i = 0, j = 0, both = 0;
	while (i < na && j < nb) {
		if (a[i] == b[j]) {
			both++;
			i++;
			j++;
		} else if (a[i] < b[j]) {
			i++;
		} else {
			j++;
		}
	}
	return 1 - (double)both / (double)(na + nb - both);
}

int sg_agree_set_alpha(const struct sg_agree_input *in, double *alpha, struct sg_error *err)
{
	*alpha = NAN;
	for (size_t r = 0; r < in->n; r++)
		if (in->item[r] >= in->n_items || in->annotator[r] >= in->n_annotators ||
		    (in->label[r] >= in->n_labels && in->label[r] != SG_AGREE_NONE))
			return sg_error_set(err, SG_E_USAGE, "annotation %zu: index out of range", r);
	if (in->n == 0)
		return 0;
	uint32_t *ord = sg_xmalloc(in->n * sizeof *ord);
	for (size_t r = 0; r < in->n; r++)
		ord[r] = (uint32_t)r;
	qsort_r(ord, in->n, sizeof *ord, cmp_rec, (void *)in);
	/* answers, each label once, "none" dropped */
	uint32_t *lab = sg_xmalloc(in->n * sizeof *lab);
	struct answer *ans = sg_xmalloc(in->n * sizeof *ans);
	size_t na = 0, nl = 0;
	for (size_t q = 0; q < in->n; q++) {
		uint32_t r = ord[q];
		if (q == 0 || in->item[r] != in->item[ord[q - 1]] ||
		    in->annotator[r] != in->annotator[ord[q - 1]])
			ans[na++] = (struct answer){ .item = in->item[r], .off = nl };
		struct answer *a = &ans[na - 1];
		if (in->label[r] == SG_AGREE_NONE || (a->len && lab[nl - 1] == in->label[r]))
			continue;
		lab[nl++] = in->label[r];
		a->len++;
	}
	/* keep the answers of items with >= 2 annotators */
	size_t np = 0;
	for (size_t b = 0, e; b < na; b = e) {
		for (e = b; e < na && ans[e].item == ans[b].item; e++)
			;
		if (e - b >= 2)
			for (size_t q = b; q < e; q++)
				ans[np++] = ans[q];
	}
	/* distinct sets: sort answer indexes by set, number the runs */
	uint32_t *byset = sg_xmalloc((np + 1) * sizeof *byset);
	for (size_t q = 0; q < np; q++)
		byset[q] = (uint32_t)q;
	struct setctx c = { ans, lab };
	qsort_r(byset, np, sizeof *byset, cmp_set, &c);
	uint32_t nv = 0;
	uint32_t *rep = sg_xmalloc((np + 1) * sizeof *rep);   /* a representative answer per set */
	double *cnt = sg_xcalloc(np + 1, sizeof *cnt);
	for (size_t q = 0; q < np; q++) {
		if (q == 0 || cmp_set(&byset[q - 1], &byset[q], &c) != 0)
			rep[nv++] = byset[q];
		ans[byset[q]].set = nv - 1;
		cnt[nv - 1]++;
	}
	/* observed: per item, 2 / (m - 1) times the sum over its pairs */
	double dobs = 0, n = (double)np;
	for (size_t b = 0, e; b < np; b = e) {
		for (e = b; e < np && ans[e].item == ans[b].item; e++)
			;
		double s = 0;
		for (size_t x = b; x < e; x++)
			for (size_t y = x + 1; y < e; y++)
				s += jaccard_distance(lab + ans[x].off, ans[x].len, lab + ans[y].off,
						      ans[y].len);
		dobs += 2 * s / (double)(e - b - 1);
	}
	/* expected: every ordered pair of answers, through the distinct sets;
	 * past SET_EXACT_MAX sets (V^2 distances) a fixed-seed sample of pairs */
	double dexp = 0;
	if (nv <= SET_EXACT_MAX) {
		for (uint32_t u = 0; u < nv; u++)
			for (uint32_t v = u + 1; v < nv; v++) {
				const struct answer *a = &ans[rep[u]], *b = &ans[rep[v]];
				dexp += 2 * cnt[u] * cnt[v] *
					jaccard_distance(lab + a->off, a->len, lab + b->off, b->len);
			}
		dexp /= n * (n - 1);
	} else {
		uint64_t st = 0x9e3779b97f4a7c15ULL;
		for (size_t k = 0; k < SET_SAMPLE; k++) {
			st ^= st << 13;
			st ^= st >> 7;
			st ^= st << 17;
			size_t x = (size_t)(st % np), y = (size_t)((st >> 32) % (np - 1));
			y += y >= x;   /* two different answers */
			dexp += jaccard_distance(lab + ans[x].off, ans[x].len, lab + ans[y].off,
						 ans[y].len);
		}
		dexp /= SET_SAMPLE;
	}
	if (np >= 2 && dexp > 0)
		*alpha = 1 - (dobs / n) / dexp;
	free(ord);
	free(lab);
	free(ans);
	free(byset);
	free(rep);
	free(cnt);
	return 0;
}

/* ---- spans ------------------------------------------------------------------- */

static int cmp_span(const void *x, const void *y)
{
	const struct sg_span_rec *a = x, *b = y;
#define CMP(f) if (a->f != b->f) return a->f < b->f ? -1 : 1
	CMP(item);
	CMP(annotator);
	CMP(start);
	CMP(end);
	CMP(label);
#undef CMP
	return 0;
}

/* One annotator's spans on one item: s[0..n), sorted, no "none". */
struct ans_spans {
	uint32_t annotator;
	const struct sg_span_rec *s;
	size_t n;
};

/* Spans of x that overlap a same-label span of y. */
static size_t overlapping(const struct ans_spans *x, const struct ans_spans *y)
{
	size_t c = 0;
	for (size_t i = 0; i < x->n; i++)
		for (size_t j = 0; j < y->n; j++)
			if (x->s[i].label == y->s[j].label && x->s[i].start < y->s[j].end &&
			    y->s[j].start < x->s[i].end) {
				c++;
				break;
			}
	return c;
}

/* Exact matches of two sorted span lists; per label into ex[label]. */
static size_t exact_matches(const struct ans_spans *x, const struct ans_spans *y, size_t *ex)
{
	size_t i = 0, j = 0, c = 0;
	while (i < x->n && j < y->n) {
		int r = cmp_span(&(struct sg_span_rec){ 0, 0, x->s[i].label, x->s[i].start, x->s[i].end },
				 &(struct sg_span_rec){ 0, 0, y->s[j].label, y->s[j].start, y->s[j].end });
		if (r == 0) {
			ex[x->s[i].label]++;
			c++;
			i++;
			j++;
		} else if (r < 0) {
			i++;
		} else {
			j++;
		}
	}
	return c;
}

static int cmp_pair(const void *x, const void *y)
{
	const struct sg_span_pair *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static double f1_overlap(size_t over_a, size_t spans_a, size_t over_b, size_t spans_b)
{
	if (spans_a + spans_b == 0)
		return NAN;
	double r = spans_a ? (double)over_a / (double)spans_a : 0;
	double p = spans_b ? (double)over_b / (double)spans_b : 0;
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

/* Merges the per-item pair records into one per annotator pair. */
static void merge_pairs(struct sg_span_stats *s, struct sg_span_pair *v, size_t nv)
{
	if (nv)     /* v is NULL when no item had two answers */
		qsort(v, nv, sizeof *v, cmp_pair);
	size_t k = 0;
	for (size_t q = 0; q < nv; q++) {
		if (k && v[k - 1].a == v[q].a && v[k - 1].b == v[q].b) {
			struct sg_span_pair *p = &v[k - 1];
			p->items += v[q].items;
			p->spans_a += v[q].spans_a;
			p->spans_b += v[q].spans_b;
			p->exact += v[q].exact;
			p->over_a += v[q].over_a;
			p->over_b += v[q].over_b;
		} else {
			v[k++] = v[q];
		}
	}
	double se = 0, so = 0;
	size_t ne = 0, no = 0;
	for (size_t q = 0; q < k; q++) {
		struct sg_span_pair *p = &v[q];
		size_t all = p->spans_a + p->spans_b;
		p->f1_exact = all ? 2.0 * (double)p->exact / (double)all : NAN;
		p->f1_overlap = f1_overlap(p->over_a, p->spans_a, p->over_b, p->spans_b);
		if (!isnan(p->f1_exact)) {
			se += p->f1_exact;
			ne++;
		}
		if (!isnan(p->f1_overlap)) {
			so += p->f1_overlap;
			no++;
		}
	}
	s->pairs = v;
	s->n_pairs = k;
	s->mean_f1_exact = ne ? se / (double)ne : NAN;
	s->mean_f1_overlap = no ? so / (double)no : NAN;
}

/* One item's answers: labels' counts, and a pair record per annotator pair. */
static void span_item(struct sg_span_stats *s, const struct ans_spans *an, size_t m,
		      struct sg_span_pair **v, size_t *nv, size_t *cap, size_t *lc, size_t *ex,
		      uint8_t *seen)
{
	for (size_t x = 0; x < m; x++)
		for (size_t i = 0; i < an[x].n; i++) {
			uint32_t l = an[x].s[i].label;
			s->labels[l].spans++;
			if (!seen[l]) {
				seen[l] = 1;
				s->labels[l].items++;
			}
		}
	for (size_t x = 0; x < m; x++)
		for (size_t i = 0; i < an[x].n; i++)
			seen[an[x].s[i].label] = 0;
	if (s->pairs_skipped)
		return;
	for (size_t x = 0; x < m; x++)
		for (size_t y = x + 1; y < m; y++) {
			if (*nv == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*v = sg_xrealloc(*v, *cap * sizeof **v);
			}
			/* per label: spans compared, exact matches */
			for (size_t i = 0; i < an[x].n; i++)
				lc[an[x].s[i].label]++;
			for (size_t i = 0; i < an[y].n; i++)
				lc[an[y].s[i].label]++;
			(*v)[(*nv)++] = (struct sg_span_pair){
				.a = an[x].annotator, .b = an[y].annotator, .items = 1,
				.spans_a = an[x].n, .spans_b = an[y].n,
				.exact = exact_matches(&an[x], &an[y], ex),
				.over_a = overlapping(&an[x], &an[y]),
				.over_b = overlapping(&an[y], &an[x]),
			};
		}
}

int sg_agree_spans(const struct sg_span_input *in, struct sg_span_stats **out,
		   struct sg_error *err)
{
	*out = NULL;
	for (size_t r = 0; r < in->n; r++) {
		const struct sg_span_rec *x = &in->rec[r];
		if (x->item >= in->n_items || x->annotator >= in->n_annotators)
			return sg_error_set(err, SG_E_USAGE, "span %zu: item or annotator out of range", r);
		if (x->label != SG_AGREE_NONE && (x->label >= in->n_labels || x->start >= x->end))
			return sg_error_set(err, SG_E_USAGE, "span %zu: label out of range or empty range "
					    "[%u, %u)", r, x->start, x->end);
	}
	struct sg_span_rec *v = sg_xmalloc((in->n + 1) * sizeof *v);
	if (in->n)
		memcpy(v, in->rec, in->n * sizeof *v);
	qsort(v, in->n, sizeof *v, cmp_span);
	struct sg_span_stats *s = sg_xcalloc(1, sizeof *s);
	s->n_items = in->n_items;
	s->n_annotators = in->n_annotators;
	s->n_labels = in->n_labels;
	s->labels = sg_xcalloc(in->n_labels + 1, sizeof *s->labels);
	size_t np = 0;
	for (size_t b = 0, e; b < in->n; b = e) {
		for (e = b; e < in->n && v[e].item == v[b].item; e++)
			;
		size_t m = 1;
		for (size_t q = b + 1; q < e; q++)
			m += v[q].annotator != v[q - 1].annotator;
		np += m * (m - 1) / 2;
	}
	s->pairs_skipped = np > SG_AGREE_PAIRS_MAX;
	struct ans_spans *an = sg_xmalloc((in->n + 1) * sizeof *an);
	struct sg_span_rec *keep = sg_xmalloc((in->n + 1) * sizeof *keep);
	struct sg_span_pair *pv = NULL;
	size_t npv = 0, cap = 0;
	size_t *lc = sg_xcalloc(in->n_labels + 1, sizeof *lc), *ex = sg_xcalloc(in->n_labels + 1, sizeof *ex);
	uint8_t *seen = sg_xcalloc(in->n_labels + 1, 1);
	size_t nk = 0;
	for (size_t b = 0, e; b < in->n; b = e) {
		for (e = b; e < in->n && v[e].item == v[b].item; e++)
			;
		size_t m = 0;
		for (size_t q = b; q < e; q++) {
			if (q == b || v[q].annotator != v[q - 1].annotator)
				an[m++] = (struct ans_spans){ .annotator = v[q].annotator, .s = keep + nk };
			if (v[q].label == SG_AGREE_NONE)
				continue;
			struct ans_spans *a = &an[m - 1];
			if (a->n && cmp_span(&a->s[a->n - 1], &v[q]) == 0)
				continue;   /* the same span twice */
			keep[nk++] = v[q];
			a->n++;
			s->n_spans++;
		}
		s->n_answered++;
		s->n_multi += m >= 2;
		span_item(s, an, m, &pv, &npv, &cap, lc, ex, seen);
	}
	for (uint32_t l = 0; l < in->n_labels; l++) {
		s->labels[l].exact = ex[l];
		s->labels[l].compared = lc[l];
		s->labels[l].f1_exact = lc[l] ? 2.0 * (double)ex[l] / (double)lc[l] : NAN;
	}
	merge_pairs(s, pv, npv);
	free(v);
	free(an);
	free(keep);
	free(lc);
	free(ex);
	free(seen);
	*out = s;
	return 0;
}

void sg_span_stats_free(struct sg_span_stats *s)
{
	if (!s)
		return;
	free(s->pairs);
	free(s->labels);
	free(s);
}

static json_t *real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *named(const char *const *names, uint32_t i)
{
	return names && names[i] ? json_string(names[i]) : json_integer(i);
}

json_t *sg_span_stats_json(const struct sg_span_stats *s, const char *const *label_names,
			   const char *const *annotator_names)
{
	json_t *o = json_object();
	json_object_set_new(o, "answered_items", json_integer(s->n_answered));
	json_object_set_new(o, "multi_annotated_items", json_integer(s->n_multi));
	json_object_set_new(o, "spans", json_integer((json_int_t)s->n_spans));
	json_object_set_new(o, "mean_f1_exact", real_or_null(s->mean_f1_exact));
	json_object_set_new(o, "mean_f1_overlap", real_or_null(s->mean_f1_overlap));
	json_t *pairs = json_array();
	for (size_t q = 0; q < s->n_pairs; q++) {
		const struct sg_span_pair *p = &s->pairs[q];
		json_t *x = json_object();
		json_object_set_new(x, "a", named(annotator_names, p->a));
		json_object_set_new(x, "b", named(annotator_names, p->b));
		json_object_set_new(x, "items", json_integer(p->items));
		json_object_set_new(x, "spans_a", json_integer((json_int_t)p->spans_a));
		json_object_set_new(x, "spans_b", json_integer((json_int_t)p->spans_b));
		json_object_set_new(x, "exact", json_integer((json_int_t)p->exact));
		json_object_set_new(x, "f1_exact", real_or_null(p->f1_exact));
		json_object_set_new(x, "f1_overlap", real_or_null(p->f1_overlap));
		json_array_append_new(pairs, x);
	}
	json_object_set_new(o, "pairs", pairs);
	json_object_set_new(o, "pairs_skipped", json_boolean(s->pairs_skipped));
	json_t *labels = json_array();
	for (uint32_t l = 0; l < s->n_labels; l++) {
		json_t *x = json_object();
		json_object_set_new(x, "label", named(label_names, l));
		json_object_set_new(x, "spans", json_integer((json_int_t)s->labels[l].spans));
		json_object_set_new(x, "items", json_integer(s->labels[l].items));
		json_object_set_new(x, "f1_exact", real_or_null(s->labels[l].f1_exact));
		json_array_append_new(labels, x);
	}
	json_object_set_new(o, "labels", labels);
	return o;
}
