/* agree.c — agreement statistics and Dawid–Skene consolidation.
 *
 * Everything works from one grouping of the annotations by item (a counting
 * sort, O(N)), with duplicates removed while grouping.  The per-item vote
 * counts feed the majority vote, percent agreement, Fleiss' kappa and
 * Krippendorff's alpha in one pass; annotator pairs are accumulated per item;
 * EM iterates over the same grouping. */
#include "core/agree.h"
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"

/* The annotations grouped by item: records start[i]..start[i+1]. */
struct grouped {
	uint32_t n_items;
	size_t n;
	size_t *start;          /* n_items + 1 */
	uint32_t *ann;
	uint32_t *lab;
	double *sec;            /* NULL when the input has no durations */
	size_t dups;
};

static void grouped_done(struct grouped *g)
{
	free(g->start);
	free(g->ann);
	free(g->lab);
	free(g->sec);
}

static int check_input(const struct sg_agree_input *in, bool multi, struct sg_error *err)
{
	if (in->n && (!in->item || !in->annotator || !in->label))
		return sg_error_set(err, SG_E_USAGE, "annotations: missing arrays");
	if (in->n > UINT32_MAX)
		return sg_error_set(err, SG_E_USAGE, "annotations: more than 2^32 records");
	for (size_t r = 0; r < in->n; r++) {
		if (in->item[r] >= in->n_items)
			return sg_error_set(err, SG_E_USAGE, "annotation %zu: item %u out of range (%u items)",
					    r, in->item[r], in->n_items);
		if (in->annotator[r] >= in->n_annotators)
			return sg_error_set(err, SG_E_USAGE,
					    "annotation %zu: annotator %u out of range (%u annotators)", r,
					    in->annotator[r], in->n_annotators);
		if (in->label[r] >= in->n_labels && !(multi && in->label[r] == SG_AGREE_NONE))
			return sg_error_set(err, SG_E_USAGE, "annotation %zu: label %u out of range (%u labels)",
					    r, in->label[r], in->n_labels);
	}
	return 0;
}

/* Groups by item (stable), keeping the last record of each (item, annotator). */
static void group_by_item(const struct sg_agree_input *in, struct grouped *g)
{
	uint32_t ni = in->n_items;
	size_t *cnt = sg_xcalloc((size_t)ni + 1, sizeof *cnt);
	for (size_t r = 0; r < in->n; r++)
		cnt[in->item[r] + 1]++;
	for (uint32_t i = 0; i < ni; i++)
		cnt[i + 1] += cnt[i];
	uint32_t *order = sg_xmalloc((in->n ? in->n : 1) * sizeof *order);
	size_t *pos = sg_xmalloc(((size_t)ni + 1) * sizeof *pos);
	memcpy(pos, cnt, ((size_t)ni + 1) * sizeof *pos);
	for (size_t r = 0; r < in->n; r++)
		order[pos[in->item[r]]++] = (uint32_t)r;
	free(pos);

	g->n_items = ni;
	g->start = sg_xmalloc(((size_t)ni + 1) * sizeof *g->start);
	g->ann = sg_xmalloc((in->n ? in->n : 1) * sizeof *g->ann);
	g->lab = sg_xmalloc((in->n ? in->n : 1) * sizeof *g->lab);
	g->sec = in->seconds ? sg_xmalloc((in->n ? in->n : 1) * sizeof *g->sec) : NULL;
	g->dups = 0;
	/* seen[a] is 1 + the item a was last seen on, slot[a] where it went:
	 * a later record for the same item overwrites the kept one. */
	uint32_t *seen = sg_xcalloc(in->n_annotators ? in->n_annotators : 1, sizeof *seen);
	size_t *slot = sg_xmalloc((in->n_annotators ? in->n_annotators : 1) * sizeof *slot);
	size_t k = 0;
	for (uint32_t i = 0; i < ni; i++) {
		g->start[i] = k;
		for (size_t q = cnt[i]; q < cnt[i + 1]; q++) {
			uint32_t r = order[q], a = in->annotator[r];
			size_t to;
			if (seen[a] == i + 1) {
				to = slot[a];
				g->dups++;
			} else {
				seen[a] = i + 1;
				slot[a] = to = k++;
			}
			g->ann[to] = a;
			g->lab[to] = in->label[r];
			if (g->sec)
				g->sec[to] = in->seconds[r];
		}
	}
	g->start[ni] = k;
	g->n = k;
	free(seen);
	free(slot);
	free(order);
	free(cnt);
}

/* Majority vote per item plus the sums behind percent agreement, Fleiss'
 * kappa and Krippendorff's alpha, in one pass over the grouping. */
static void vote_pass(const struct grouped *g, double min_share, struct sg_agree_stats *s)
{
	uint32_t K = s->n_labels;
	uint32_t *cnt = sg_xcalloc(K ? K : 1, sizeof *cnt);
	double *total = sg_xcalloc(K ? K : 1, sizeof *total);  /* n_c over pairable items */
	double sum_p = 0;        /* sum of P_i (Fleiss, percent agreement) */
	double diag = 0;         /* alpha: sum over units of sum_c n_uc (n_uc - 1) / (m_u - 1) */
	double n_pairable = 0;   /* alpha: n, values in pairable units */
	for (uint32_t i = 0; i < g->n_items; i++) {
		struct sg_agree_item *it = &s->items[i];
		size_t b = g->start[i], e = g->start[i + 1];
		uint32_t m = (uint32_t)(e - b);
		it->n_votes = m;
		it->em_label = -1;
		it->em_confidence = NAN;
		if (m == 0) {
			it->majority = -1;
			it->share = NAN;
			continue;
		}
		s->n_labeled++;
		for (size_t q = b; q < e; q++)
			cnt[g->lab[q]]++;
		uint32_t best = 0, top = 0, ntop = 0;
		double same = 0;
		/* Walk the item's own records, not all K labels, so that wide label
		 * sets cost nothing; cnt is reset on the way out. */
		for (size_t q = b; q < e; q++) {
			uint32_t l = g->lab[q], c = cnt[l];
			if (!c)
				continue;   /* already visited */
			if (c > top) {
				top = c;
				best = l;
				ntop = 1;
			} else if (c == top) {
				ntop++;
				if (l < best)
					best = l;
			}
			same += (double)c * (c - 1);
			if (m >= 2)
				total[l] += c;
			cnt[l] = 0;
		}
		it->majority = (int32_t)best;
		it->majority_votes = top;
		it->share = (double)top / m;
		it->flags = 0;
		if (m >= 2) {
			s->n_multi++;
			sum_p += same / ((double)m * (m - 1));
			diag += same / (m - 1);
			n_pairable += m;
			if (ntop > 1) {
				it->flags |= SG_AGREE_TIE;
				s->n_ties++;
			} else if (it->share < min_share) {
				it->flags |= SG_AGREE_LOW;
				s->n_low++;
			}
		}
	}
	double pe = 0, sumsq = 0;
	for (uint32_t k = 0; k < K; k++) {
		if (n_pairable > 0)
			pe += (total[k] / n_pairable) * (total[k] / n_pairable);
		sumsq += total[k] * total[k];
	}
	s->percent_agreement = s->n_multi ? sum_p / s->n_multi : NAN;
	double pbar = s->percent_agreement;
	s->fleiss_kappa = (s->n_multi && pe < 1 - 1e-12) ? (pbar - pe) / (1 - pe) : NAN;
	/* alpha = 1 - D_o/D_e = 1 - (n - 1) * (n - diag) / (n^2 - sum_c n_c^2) */
	double de = n_pairable * n_pairable - sumsq;
	s->krippendorff_alpha = (n_pairable > 1 && de > 0)
		? 1 - (n_pairable - 1) * (n_pairable - diag) / de : NAN;
	free(cnt);
	free(total);
}

/* Agreement with the consensus: each annotator's labels on items with >= 2
 * votes and no tie, compared with the majority label. */
static void consensus_pass(const struct grouped *g, struct sg_agree_stats *s)
{
	for (uint32_t i = 0; i < g->n_items; i++) {
		const struct sg_agree_item *it = &s->items[i];
		for (size_t q = g->start[i]; q < g->start[i + 1]; q++)
			s->annotators[g->ann[q]].n_annotations++;
		if (it->n_votes < 2 || (it->flags & SG_AGREE_TIE))
			continue;
		for (size_t q = g->start[i]; q < g->start[i + 1]; q++) {
			struct sg_agree_annotator *an = &s->annotators[g->ann[q]];
			an->n_compared++;
			an->n_matched += (int32_t)g->lab[q] == it->majority;
		}
	}
	for (uint32_t a = 0; a < s->n_annotators; a++) {
		struct sg_agree_annotator *an = &s->annotators[a];
		an->consensus = an->n_compared ? (double)an->n_matched / an->n_compared : NAN;
	}
}

/* ---- annotator pairs (Cohen's kappa) ------------------------------------- */

/* One co-labeled item for pair (a, b), a < b, with a's and b's labels. */
struct pinst {
	uint32_t a, b, la, lb;
};

/* Cohen's kappa from a pair's counts: po = agree / n, pe = sum_k pa_k pb_k. */
static void pair_finish(struct sg_agree_pair *p, const uint32_t *ma, const uint32_t *mb,
			const uint32_t *touched, size_t ntouched)
{
	double n = p->n, pe = 0;
	for (size_t t = 0; t < ntouched; t++) {
		uint32_t k = touched[t];
		pe += ((double)ma[k] / n) * ((double)mb[k] / n);
	}
	p->percent = p->agree / n;
	p->kappa = pe < 1 - 1e-12 ? (p->percent - pe) / (1 - pe) : NAN;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/* Pair instances sorted by (a, b) with two stable counting sorts (by b,
 * then by a): O(P + A) instead of a comparison sort. */
static void sort_instances(struct pinst **v, size_t np, uint32_t na)
{
	struct pinst *tmp = sg_xmalloc((np ? np : 1) * sizeof *tmp);
	size_t *cnt = sg_xmalloc(((size_t)na + 1) * sizeof *cnt);
	for (int pass = 0; pass < 2; pass++) {
		memset(cnt, 0, ((size_t)na + 1) * sizeof *cnt);
		for (size_t q = 0; q < np; q++)
			cnt[(pass ? (*v)[q].a : (*v)[q].b) + 1]++;
		for (uint32_t x = 0; x < na; x++)
			cnt[x + 1] += cnt[x];
		for (size_t q = 0; q < np; q++)
			tmp[cnt[pass ? (*v)[q].a : (*v)[q].b]++] = (*v)[q];
		struct pinst *t = *v;
		*v = tmp;
		tmp = t;
	}
	free(tmp);
	free(cnt);
}

static void pairs_pass(const struct grouped *g, struct sg_agree_stats *s)
{
	size_t np = 0;
	for (uint32_t i = 0; i < g->n_items; i++) {
		size_t m = g->start[i + 1] - g->start[i];
		np += m * (m - (m > 0)) / 2;
	}
	if (np == 0)
		return;
	if (np > SG_AGREE_PAIRS_MAX) {
		/* an item labeled by thousands of people: m^2/2 pairs each */
		s->pairs_skipped = true;
		return;
	}
	struct pinst *v = sg_xmalloc(np * sizeof *v);
	size_t k = 0;
	for (uint32_t i = 0; i < g->n_items; i++)
		for (size_t x = g->start[i]; x < g->start[i + 1]; x++)
			for (size_t y = x + 1; y < g->start[i + 1]; y++) {
				bool swap = g->ann[x] > g->ann[y];
				size_t p = swap ? y : x, q = swap ? x : y;
				v[k++] = (struct pinst){ g->ann[p], g->ann[q], g->lab[p], g->lab[q] };
			}
	sort_instances(&v, np, s->n_annotators);

	uint32_t K = s->n_labels;
	uint32_t *ma = sg_xcalloc(K, sizeof *ma), *mb = sg_xcalloc(K, sizeof *mb);
	uint32_t *touched = sg_xmalloc(2 * (size_t)K * sizeof *touched);
	uint8_t *is_t = sg_xcalloc(K, 1);
	size_t cap = 64;
	s->pairs = sg_xmalloc(cap * sizeof *s->pairs);
	for (size_t q = 0; q < np;) {
		size_t e = q, nt = 0;
		struct sg_agree_pair p = { .a = v[q].a, .b = v[q].b };
		for (; e < np && v[e].a == p.a && v[e].b == p.b; e++) {
			p.n++;
			p.agree += v[e].la == v[e].lb;
			ma[v[e].la]++;
			mb[v[e].lb]++;
			if (!is_t[v[e].la]) {
				is_t[v[e].la] = 1;
				touched[nt++] = v[e].la;
			}
			if (!is_t[v[e].lb]) {
				is_t[v[e].lb] = 1;
				touched[nt++] = v[e].lb;
			}
		}
		/* Sum chance agreement in a fixed label order so results do not
		 * depend on which label was met first. */
		qsort(touched, nt, sizeof *touched, cmp_u32);
		pair_finish(&p, ma, mb, touched, nt);
		for (size_t t = 0; t < nt; t++) {
			ma[touched[t]] = mb[touched[t]] = 0;
			is_t[touched[t]] = 0;
		}
		if (s->n_pairs == cap)
			s->pairs = sg_xrealloc(s->pairs, (cap *= 2) * sizeof *s->pairs);
		s->pairs[s->n_pairs++] = p;
		q = e;
	}
	free(v);
	free(ma);
	free(mb);
	free(touched);
	free(is_t);

	/* Each annotator's mean kappa over their defined pairs; and overall. */
	double *sum = sg_xcalloc(s->n_annotators, sizeof *sum);
	uint32_t *nk = sg_xcalloc(s->n_annotators, sizeof *nk);
	double all = 0;
	size_t nall = 0;
	for (size_t q = 0; q < s->n_pairs; q++) {
		const struct sg_agree_pair *p = &s->pairs[q];
		if (isnan(p->kappa))
			continue;
		sum[p->a] += p->kappa;
		sum[p->b] += p->kappa;
		nk[p->a]++;
		nk[p->b]++;
		all += p->kappa;
		nall++;
	}
	for (uint32_t a = 0; a < s->n_annotators; a++)
		s->annotators[a].mean_kappa = nk[a] ? sum[a] / nk[a] : NAN;
	s->mean_pair_kappa = nall ? all / nall : NAN;
	free(sum);
	free(nk);
}

/* ---- durations ----------------------------------------------------------- */

/* The k-th smallest of v[0..n) (reorders v): Hoare's quickselect.  After
 * a partition v[lo..j] <= pivot <= v[i..hi] and v(j..i) equal the pivot. */
static double select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			break;
	}
	return v[kk];
}

static double median_of(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	double hi = select_kth(v, n, n / 2);
	if (n % 2)
		return hi;
	/* after selecting n/2 every value below it sits in v[0..n/2) */
	double lo = v[0];
	for (size_t q = 1; q < n / 2; q++)
		if (v[q] > lo)
			lo = v[q];
	return (lo + hi) / 2;
}

static void seconds_pass(const struct grouped *g, struct sg_agree_stats *s)
{
	uint32_t na = s->n_annotators;
	for (uint32_t a = 0; a < na; a++)
		s->annotators[a].median_seconds = NAN;
	if (!g->sec)
		return;
	size_t *cnt = sg_xcalloc((size_t)na + 1, sizeof *cnt);
	for (size_t q = 0; q < g->n; q++)
		if (g->sec[q] >= 0)     /* false for NaN too */
			cnt[g->ann[q] + 1]++;
	for (uint32_t a = 0; a < na; a++)
		cnt[a + 1] += cnt[a];
	double *v = sg_xmalloc((cnt[na] ? cnt[na] : 1) * sizeof *v);
	size_t *pos = sg_xmalloc(((size_t)na + 1) * sizeof *pos);
	memcpy(pos, cnt, ((size_t)na + 1) * sizeof *pos);
	for (size_t q = 0; q < g->n; q++)
		if (g->sec[q] >= 0)
			v[pos[g->ann[q]]++] = g->sec[q];
	for (uint32_t a = 0; a < na; a++) {
		size_t n = cnt[a + 1] - cnt[a];
		s->annotators[a].n_seconds = (uint32_t)n;
		s->annotators[a].median_seconds = median_of(v + cnt[a], n);
	}
	free(v);
	free(pos);
	free(cnt);
}

/* ---- Dawid–Skene EM ------------------------------------------------------ */

/* Posteriors T[i][k] start as vote shares (the majority vote, softly).  The
 * M-step estimates class priors and each annotator's confusion rows from T
 * with a small Dirichlet pseudo-count (so an unseen cell is unlikely, not
 * impossible); the E-step recomputes T in log space and normalizes with
 * log-sum-exp, since a product over many annotators underflows.
 *
 * Both steps split the items into contiguous halves on two threads when the
 * input is large; the split depends only on the item count, so results are
 * the same from run to run. */
struct em {
	const struct grouped *g;
	uint32_t K, na;
	size_t KK;
	double *T;              /* [item][k] */
	double *logc;           /* [annotator][given l][true k] */
	double *logp;           /* [k] */
};

/* A slice of items and its private accumulators. */
struct em_part {
	const struct em *em;
	uint32_t lo, hi;
	int step;               /* 0: M-step accumulation, 1: E-step */
	double *C, *prior;      /* M: [annotator][given l][true k] counts, [k] */
	double *acc;            /* E: K scratch */
	uint32_t *nz;           /* M: K scratch */
	double ll;              /* E: log-likelihood of the slice */
};

/* Adds T to the confusion counts.  Posteriors are mostly zero after the
 * first E-step (classes below e^-40 of the best are set to 0), so only the
 * nonzero classes of each item are visited. */
static void em_mstep_range(struct em_part *p)
{
	const struct em *em = p->em;
	const struct grouped *g = em->g;
	uint32_t K = em->K;
	for (uint32_t i = p->lo; i < p->hi; i++) {
		size_t b = g->start[i], e = g->start[i + 1];
		if (b == e)
			continue;
		const double *t = em->T + (size_t)i * K;
		uint32_t nnz = 0;
		for (uint32_t k = 0; k < K; k++)
			if (t[k] != 0) {
				p->prior[k] += t[k];
				p->nz[nnz++] = k;
			}
		for (size_t q = b; q < e; q++) {
			double *c = p->C + g->ann[q] * em->KK + (size_t)g->lab[q] * K;
			if (nnz == K) {
				for (uint32_t k = 0; k < K; k++)
					c[k] += t[k];
			} else {
				for (uint32_t z = 0; z < nnz; z++)
					c[p->nz[z]] += t[p->nz[z]];
			}
		}
	}
}

static void em_estep_range(struct em_part *p)
{
	const struct em *em = p->em;
	const struct grouped *g = em->g;
	uint32_t K = em->K;
	double *acc = p->acc, ll = 0;
	for (uint32_t i = p->lo; i < p->hi; i++) {
		size_t b = g->start[i], e = g->start[i + 1];
		if (b == e)
			continue;
		memcpy(acc, em->logp, K * sizeof *acc);
		for (size_t q = b; q < e; q++) {
			const double *lc = em->logc + g->ann[q] * em->KK + (size_t)g->lab[q] * K;
			for (uint32_t k = 0; k < K; k++)
				acc[k] += lc[k];
		}
		double mx = acc[0];
		for (uint32_t k = 1; k < K; k++)
			if (acc[k] > mx)
				mx = acc[k];
		double z = 0;
		for (uint32_t k = 0; k < K; k++)
			z += (acc[k] = acc[k] - mx < -40 ? 0 : exp(acc[k] - mx));
		ll += mx + log(z);
		double *t = em->T + (size_t)i * K;
		for (uint32_t k = 0; k < K; k++)
			t[k] = acc[k] / z;
	}
	p->ll = ll;
}

static void *em_part_run(void *arg)
{
	struct em_part *p = arg;
	if (p->step)
		em_estep_range(p);
	else
		em_mstep_range(p);
	return NULL;
}

/* Runs one step over all items on parts[0..np), the first on this thread. */
static void em_run_parts(struct em_part *parts, int np, int step)
{
	pthread_t th[2];
	bool started[2] = { false, false };
	for (int t = 1; t < np; t++) {
		parts[t].step = step;
		started[t] = pthread_create(&th[t], NULL, em_part_run, &parts[t]) == 0;
		if (!started[t])
			em_part_run(&parts[t]);
	}
	parts[0].step = step;
	em_part_run(&parts[0]);
	for (int t = 1; t < np; t++)
		if (started[t])
			pthread_join(th[t], NULL);
}

/* Turns the summed counts cnt[annotator][given l][true k] (laid out so the
 * M-step adds whole rows of T) into smoothed priors, the confusion rows
 * [annotator][true k][given l], and their logs laid out for the E-step. */
static void em_normalize(struct em *em, const double *cnt, struct sg_agree_stats *s, double sm)
{
	uint32_t K = em->K;
	for (uint32_t k = 0; k < K; k++) {
		em->logp[k] = log((s->em_prior[k] + sm) / (s->n_labeled + K * sm));
		s->em_prior[k] = exp(em->logp[k]);
	}
	for (uint32_t j = 0; j < em->na; j++) {
		const double *n = cnt + j * em->KK;
		double *c = s->em_confusion + j * em->KK, *lc = em->logc + j * em->KK;
		for (uint32_t k = 0; k < K; k++) {
			double sum = K * sm;
			for (uint32_t l = 0; l < K; l++)
				sum += n[(size_t)l * K + k];
			for (uint32_t l = 0; l < K; l++) {
				double p = (n[(size_t)l * K + k] + sm) / sum;
				c[(size_t)k * K + l] = p;
				lc[(size_t)l * K + k] = log(p);
			}
		}
	}
}

/* Items: argmax and confidence.  Annotators: the expected share of their
 * labels that are right, the sum over their records of T[i][l]. */
static void em_results(const struct em *em, struct sg_agree_stats *s)
{
	const struct grouped *g = em->g;
	uint32_t K = em->K;
	double *right = sg_xcalloc(em->na ? em->na : 1, sizeof *right);
	for (uint32_t i = 0; i < g->n_items; i++) {
		size_t b = g->start[i], e = g->start[i + 1];
		if (b == e)
			continue;
		const double *t = em->T + (size_t)i * K;
		uint32_t best = 0;
		for (uint32_t k = 1; k < K; k++)
			if (t[k] > t[best])
				best = k;
		s->items[i].em_label = (int32_t)best;
		s->items[i].em_confidence = t[best];
		for (size_t q = b; q < e; q++)
			right[g->ann[q]] += t[g->lab[q]];
	}
	for (uint32_t j = 0; j < em->na; j++) {
		uint32_t n = s->annotators[j].n_annotations;
		s->annotators[j].em_accuracy = n ? right[j] / n : NAN;
	}
	free(right);
}

/* Stops when an iteration improves the log-likelihood by less than em_tol
 * of its size (EM never lowers it; the test also ends the rare fall from
 * rounding).  A posterior-change test would run on for long at scale: with
 * hundreds of thousands of items a few near-ties keep drifting while the
 * labels and reliabilities no longer change.  The tolerance is not looser
 * (1e-5, say) because EM can crawl: one expert against two weak annotators
 * who often agree gains a few hundredths of a nat per iteration for dozens
 * of iterations while it learns to trust the expert (tests/test_agree.c). */
static void em_pass(const struct grouped *g, const struct sg_agree_options *o,
		    struct sg_agree_stats *s)
{
	uint32_t K = s->n_labels, na = s->n_annotators, ni = g->n_items;
	size_t KK = (size_t)K * K;
	s->em_prior = sg_xcalloc(K ? K : 1, sizeof *s->em_prior);
	s->em_confusion = sg_xcalloc(na * KK + 1, sizeof *s->em_confusion);
	if (s->n_labeled == 0 || K == 0)
		return;
	struct em em = { .g = g, .K = K, .na = na, .KK = KK };
	em.T = sg_xcalloc((size_t)ni * K, sizeof *em.T);
	em.logc = sg_xmalloc(na * KK * sizeof *em.logc);
	em.logp = sg_xmalloc(K * sizeof *em.logp);
	for (uint32_t i = 0; i < ni; i++) {
		size_t b = g->start[i], e = g->start[i + 1];
		for (size_t q = b; q < e; q++)
			em.T[(size_t)i * K + g->lab[q]] += 1.0 / (double)(e - b);
	}
	int np = o->threads > 1 && g->n >= 100000 ? 2 : 1;
	struct em_part parts[2];
	for (int t = 0; t < np; t++) {
		parts[t] = (struct em_part){
			.em = &em, .lo = (uint32_t)((uint64_t)ni * t / np),
			.hi = (uint32_t)((uint64_t)ni * (t + 1) / np),
			.acc = sg_xmalloc(K * sizeof(double)), .nz = sg_xmalloc(K * sizeof(uint32_t)),
		};
		parts[t].C = sg_xmalloc(na * KK * sizeof(double) + 1);
		parts[t].prior = t ? sg_xmalloc(K * sizeof(double)) : s->em_prior;
	}
	double prev = -INFINITY;
	s->em_converged = false;
	for (int it = 0; it < o->em_max_iter; it++) {
		for (int t = 0; t < np; t++) {
			memset(parts[t].C, 0, na * KK * sizeof(double));
			memset(parts[t].prior, 0, K * sizeof(double));
		}
		em_run_parts(parts, np, 0);
		for (int t = 1; t < np; t++) {
			for (size_t x = 0; x < na * KK; x++)
				parts[0].C[x] += parts[t].C[x];
			for (uint32_t k = 0; k < K; k++)
				s->em_prior[k] += parts[t].prior[k];
		}
		em_normalize(&em, parts[0].C, s, o->em_smoothing);
		em_run_parts(parts, np, 1);
		double ll = 0;
		for (int t = 0; t < np; t++)
			ll += parts[t].ll;
		s->em_iterations = it + 1;
		s->em_log_likelihood = ll;
		if (ll - prev <= o->em_tol * fabs(ll)) {
			s->em_converged = true;
			break;
		}
		prev = ll;
	}
	em_results(&em, s);
	for (int t = 0; t < np; t++) {
		free(parts[t].acc);
		free(parts[t].nz);
		free(parts[t].C);
		if (t)
			free(parts[t].prior);
	}
	free(em.T);
	free(em.logc);
	free(em.logp);
}

/* ---- public ---------------------------------------------------------------- */

static struct sg_agree_options defaults(const struct sg_agree_options *opt)
{
	struct sg_agree_options o = opt ? *opt : (struct sg_agree_options){ 0 };
	if (!(o.min_share > 0))
		o.min_share = 0.5;
	if (o.em_max_iter <= 0)
		o.em_max_iter = 100;
	if (!(o.em_tol > 0))
		o.em_tol = 1e-6;
	if (o.threads <= 0)
		o.threads = 2;
	if (!(o.em_smoothing > 0))
		o.em_smoothing = 0.01;
	return o;
}

int sg_agree_compute(const struct sg_agree_input *in, const struct sg_agree_options *opt,
		     struct sg_agree_stats **out, struct sg_error *err)
{
	*out = NULL;
	if (check_input(in, false, err) != 0)
		return -1;
	struct sg_agree_options o = defaults(opt);
	struct grouped g = { 0 };
	group_by_item(in, &g);

	struct sg_agree_stats *s = sg_xcalloc(1, sizeof *s);
	s->n_items = in->n_items;
	s->n_annotators = in->n_annotators;
	s->n_labels = in->n_labels;
	s->n_annotations = g.n;
	s->n_duplicates = g.dups;
	s->items = sg_xcalloc(in->n_items ? in->n_items : 1, sizeof *s->items);
	s->annotators = sg_xcalloc(in->n_annotators ? in->n_annotators : 1, sizeof *s->annotators);
	s->mean_pair_kappa = NAN;
	for (uint32_t a = 0; a < s->n_annotators; a++)
		s->annotators[a].mean_kappa = s->annotators[a].em_accuracy = NAN;

	vote_pass(&g, o.min_share, s);
	consensus_pass(&g, s);
	if (!o.no_pairs)
		pairs_pass(&g, s);
	seconds_pass(&g, s);
	em_pass(&g, &o, s);
	grouped_done(&g);
	*out = s;
	return 0;
}

void sg_agree_stats_free(struct sg_agree_stats *s)
{
	if (!s)
		return;
	free(s->items);
	free(s->annotators);
	free(s->pairs);
	free(s->em_prior);
	free(s->em_confusion);
	free(s);
}

double sg_agree_confusion(const struct sg_agree_stats *s, uint32_t annotator, uint32_t k,
			  uint32_t l)
{
	uint32_t K = s->n_labels;
	if (annotator >= s->n_annotators || k >= K || l >= K || !s->em_confusion)
		return NAN;
	return s->em_confusion[((size_t)annotator * K + k) * K + l];
}

static int cmp_adj(const void *x, const void *y, void *ud)
{
	const struct sg_agree_stats *st = ud;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	const struct sg_agree_item *p = &st->items[a], *q = &st->items[b];
	if (p->share != q->share)
		return p->share < q->share ? -1 : 1;
	if (p->em_confidence != q->em_confidence)
		return p->em_confidence < q->em_confidence ? -1 : 1;
	return a < b ? -1 : a > b;
}

size_t sg_agree_adjudication(const struct sg_agree_stats *s, uint32_t **items)
{
	size_t n = 0;
	*items = NULL;
	for (uint32_t i = 0; i < s->n_items; i++)
		n += s->items[i].flags != 0;
	if (n == 0)
		return 0;
	uint32_t *v = sg_xmalloc(n * sizeof *v);
	size_t k = 0;
	for (uint32_t i = 0; i < s->n_items; i++)
		if (s->items[i].flags)
			v[k++] = i;
	qsort_r(v, n, sizeof *v, cmp_adj, (void *)s);   /* glibc's, with _GNU_SOURCE */
	*items = v;
	return n;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *name_json(const char *const *names, uint32_t i)
{
	return names && names[i] ? json_string(names[i]) : json_integer(i);
}

json_t *sg_agree_to_json(const struct sg_agree_stats *s, const char *const *label_names,
			 const char *const *annotator_names)
{
	json_t *o = json_object();
	json_object_set_new(o, "items", json_integer(s->n_items));
	json_object_set_new(o, "labeled_items", json_integer(s->n_labeled));
	json_object_set_new(o, "multi_annotated_items", json_integer(s->n_multi));
	json_object_set_new(o, "annotations", json_integer((json_int_t)s->n_annotations));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)s->n_duplicates));
	json_object_set_new(o, "percent_agreement", num_or_null(s->percent_agreement));
	json_object_set_new(o, "fleiss_kappa", num_or_null(s->fleiss_kappa));
	json_object_set_new(o, "krippendorff_alpha", num_or_null(s->krippendorff_alpha));
	json_object_set_new(o, "mean_pair_kappa", num_or_null(s->mean_pair_kappa));
	json_t *adj = json_object();
	json_object_set_new(adj, "ties", json_integer(s->n_ties));
	json_object_set_new(adj, "low_agreement", json_integer(s->n_low));
	json_object_set_new(o, "adjudication", adj);

	json_t *em = json_object();
	json_object_set_new(em, "iterations", json_integer(s->em_iterations));
	json_object_set_new(em, "converged", json_boolean(s->em_converged));
	json_object_set_new(em, "log_likelihood", num_or_null(s->em_log_likelihood));
	json_t *prior = json_object();
	for (uint32_t k = 0; k < s->n_labels && s->em_prior; k++) {
		char buf[16];
		const char *key = label_names && label_names[k] ? label_names[k] : buf;
		snprintf(buf, sizeof buf, "%u", k);
		json_object_set_new(prior, key, num_or_null(s->em_prior[k]));
	}
	json_object_set_new(em, "class_prior", prior);
	json_object_set_new(o, "em", em);

	json_t *ann = json_array();
	for (uint32_t a = 0; a < s->n_annotators; a++) {
		const struct sg_agree_annotator *an = &s->annotators[a];
		json_t *x = json_object();
		json_object_set_new(x, "annotator", name_json(annotator_names, a));
		json_object_set_new(x, "annotations", json_integer(an->n_annotations));
		json_object_set_new(x, "median_seconds", num_or_null(an->median_seconds));
		json_object_set_new(x, "compared", json_integer(an->n_compared));
		json_object_set_new(x, "consensus_agreement", num_or_null(an->consensus));
		json_object_set_new(x, "em_accuracy", num_or_null(an->em_accuracy));
		json_object_set_new(x, "mean_kappa", num_or_null(an->mean_kappa));
		json_array_append_new(ann, x);
	}
	json_object_set_new(o, "annotators", ann);

	json_t *pairs = json_array();
	for (size_t q = 0; q < s->n_pairs; q++) {
		const struct sg_agree_pair *p = &s->pairs[q];
		json_t *x = json_object();
		json_object_set_new(x, "a", name_json(annotator_names, p->a));
		json_object_set_new(x, "b", name_json(annotator_names, p->b));
		json_object_set_new(x, "items", json_integer(p->n));
		json_object_set_new(x, "percent_agreement", num_or_null(p->percent));
		json_object_set_new(x, "cohen_kappa", num_or_null(p->kappa));
		json_array_append_new(pairs, x);
	}
	json_object_set_new(o, "pairs", pairs);
	json_object_set_new(o, "pairs_skipped", json_boolean(s->pairs_skipped));
	return o;
}

json_t *sg_agree_yesno_annotators_json(const struct sg_agree_stats *s,
					const char *const *annotator_names)
{
	json_t *arr = json_array();
	for (uint32_t a = 0; a < s->n_annotators; a++) {
		if (!s->annotators[a].n_annotations || s->n_labels != 2)
			continue;
		json_t *x = json_object();
		json_object_set_new(x, "annotator", name_json(annotator_names, a));
		json_object_set_new(x, "annotations", json_integer(s->annotators[a].n_annotations));
		json_object_set_new(x, "sensitivity", num_or_null(sg_agree_confusion(s, a, 1, 1)));
		json_object_set_new(x, "specificity", num_or_null(sg_agree_confusion(s, a, 0, 0)));
		json_array_append_new(arr, x);
	}
	return arr;
}

/* ---- multi-label ----------------------------------------------------------- */

int sg_agree_binary_input(const struct sg_agree_input *multi, uint32_t label,
			  struct sg_agree_owned *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	if (check_input(multi, true, err) != 0)
		return -1;
	if (label >= multi->n_labels)
		return sg_error_set(err, SG_E_USAGE, "label %u out of range (%u labels)", label,
				    multi->n_labels);
	/* Group by item, then one record per (item, annotator): yes when any
	 * of their records on the item is `label`. */
	size_t n = multi->n;
	out->item = sg_xmalloc((n ? n : 1) * sizeof *out->item);
	out->annotator = sg_xmalloc((n ? n : 1) * sizeof *out->annotator);
	out->label = sg_xmalloc((n ? n : 1) * sizeof *out->label);
	out->seconds = multi->seconds ? sg_xmalloc((n ? n : 1) * sizeof *out->seconds) : NULL;
	uint32_t na = multi->n_annotators ? multi->n_annotators : 1;
	uint32_t *seen = sg_xcalloc(na, sizeof *seen);
	size_t *slot = sg_xmalloc(na * sizeof *slot);
	/* counting sort by item, stable */
	size_t *cnt = sg_xcalloc((size_t)multi->n_items + 1, sizeof *cnt);
	for (size_t r = 0; r < n; r++)
		cnt[multi->item[r] + 1]++;
	for (uint32_t i = 0; i < multi->n_items; i++)
		cnt[i + 1] += cnt[i];
	uint32_t *order = sg_xmalloc((n ? n : 1) * sizeof *order);
	for (size_t r = 0; r < n; r++)
		order[cnt[multi->item[r]]++] = (uint32_t)r;
	size_t k = 0, q = 0;
	for (uint32_t i = 0; i < multi->n_items; i++) {
		for (; q < cnt[i]; q++) {
			uint32_t r = order[q], a = multi->annotator[r];
			size_t to;
			if (seen[a] == i + 1) {
				to = slot[a];
			} else {
				seen[a] = i + 1;
				slot[a] = to = k++;
				out->item[to] = i;
				out->annotator[to] = a;
				out->label[to] = 0;
				if (out->seconds)
					out->seconds[to] = -1;
			}
			if (multi->label[r] == label)
				out->label[to] = 1;
			/* an item's time is counted once per annotator: the largest
			 * of their records (the set was answered in one go) */
			if (out->seconds && multi->seconds[r] > out->seconds[to])
				out->seconds[to] = multi->seconds[r];
		}
	}
	free(order);
	free(cnt);
	free(seen);
	free(slot);
	out->in = (struct sg_agree_input){
		.n = k, .item = out->item, .annotator = out->annotator, .label = out->label,
		.seconds = out->seconds, .n_items = multi->n_items,
		.n_annotators = multi->n_annotators, .n_labels = 2,
	};
	return 0;
}

void sg_agree_owned_done(struct sg_agree_owned *o)
{
	free(o->item);
	free(o->annotator);
	free(o->label);
	free(o->seconds);
	memset(o, 0, sizeof *o);
}

int sg_agree_compute_multi(const struct sg_agree_input *multi, const struct sg_agree_options *opt,
			   struct sg_agree_stats ***out, struct sg_error *err)
{
	*out = NULL;
	if (check_input(multi, true, err) != 0)
		return -1;
	struct sg_agree_stats **v = sg_xcalloc(multi->n_labels ? multi->n_labels : 1, sizeof *v);
	for (uint32_t l = 0; l < multi->n_labels; l++) {
		struct sg_agree_owned b;
		if (sg_agree_binary_input(multi, l, &b, err) != 0 ||
		    sg_agree_compute(&b.in, opt, &v[l], err) != 0) {
			sg_agree_owned_done(&b);
			sg_agree_multi_free(v, multi->n_labels);
			return -1;
		}
		sg_agree_owned_done(&b);
	}
	*out = v;
	return 0;
}

void sg_agree_multi_free(struct sg_agree_stats **s, uint32_t n_labels)
{
	if (!s)
		return;
	for (uint32_t l = 0; l < n_labels; l++)
		sg_agree_stats_free(s[l]);
	free(s);
}
