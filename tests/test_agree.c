/* test_agree.c — agreement statistics on small examples worked by hand (the
 * arithmetic is in the comments), invariants on large seeded samples, and
 * Dawid–Skene recovering planted annotator reliabilities. */
#include "tests/testutil.h"
#include <math.h>
#include "core/agree.h"
#include "core/util.h"

/* A growable annotation list. */
struct ann {
	size_t n, cap;
	uint32_t *item, *annotator, *label;
	double *seconds;
};

static void add(struct ann *a, uint32_t item, uint32_t annotator, uint32_t label)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->item = sg_xrealloc(a->item, a->cap * sizeof *a->item);
		a->annotator = sg_xrealloc(a->annotator, a->cap * sizeof *a->annotator);
		a->label = sg_xrealloc(a->label, a->cap * sizeof *a->label);
		a->seconds = sg_xrealloc(a->seconds, a->cap * sizeof *a->seconds);
	}
	a->item[a->n] = item;
	a->annotator[a->n] = annotator;
	a->label[a->n] = label;
	a->seconds[a->n] = -1;
	a->n++;
}

static void ann_free(struct ann *a)
{
	free(a->item);
	free(a->annotator);
	free(a->label);
	free(a->seconds);
}

static struct sg_agree_input input_of(const struct ann *a, uint32_t ni, uint32_t na, uint32_t nl)
{
	return (struct sg_agree_input){ .n = a->n, .item = a->item, .annotator = a->annotator,
					.label = a->label, .n_items = ni, .n_annotators = na,
					.n_labels = nl };
}

static struct sg_agree_stats *compute(const struct ann *a, uint32_t ni, uint32_t na, uint32_t nl)
{
	struct sg_agree_input in = input_of(a, ni, na, nl);
	struct sg_agree_stats *s = NULL;
	struct sg_error err = { 0 };
	if (sg_agree_compute(&in, NULL, &s, &err) != 0)
		fail_msg("compute: %s", err.msg);
	return s;
}

static const struct sg_agree_pair *pair_of(const struct sg_agree_stats *s, uint32_t a, uint32_t b)
{
	for (size_t q = 0; q < s->n_pairs; q++)
		if (s->pairs[q].a == a && s->pairs[q].b == b)
			return &s->pairs[q];
	fail_msg("no pair %u-%u", a, b);
	return NULL;
}

#define near(x, y, tol) assert_true(fabs((x) - (y)) <= (tol))

/* Deterministic generator (splitmix64) so samples are the same everywhere. */
static uint64_t rng_state;
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double unif(void) { return (rng() >> 11) * (1.0 / 9007199254740992.0); }

/* Two annotators, 50 yes/no items:
 *            B yes  B no
 *   A yes     20      5     A yes 25 (0.5)
 *   A no      10     15     B yes 30 (0.6)
 * po = 35/50 = 0.7; pe = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4.
 * Fleiss on the same table: P = 0.7 (each item one pair); p_yes = 55/100,
 * Pe = 0.55^2 + 0.45^2 = 0.505, kappa = (0.7-0.505)/0.495 = 0.393939...
 * Alpha: n = 100, diag = 2 per agreeing item = 70, n_yes = 55, n_no = 45:
 * 1 - 99*30 / (10000 - 3025 - 2025) = 1 - 2970/4950 = 0.4. */
static void test_cohen_textbook(void **state)
{
	(void)state;
	struct ann a = { 0 };
	uint32_t i = 0;
	int cells[4][3] = { { 1, 1, 20 }, { 1, 0, 5 }, { 0, 1, 10 }, { 0, 0, 15 } };
	for (int c = 0; c < 4; c++)
		for (int r = 0; r < cells[c][2]; r++, i++) {
			add(&a, i, 0, (uint32_t)cells[c][0]);
			add(&a, i, 1, (uint32_t)cells[c][1]);
		}
	struct sg_agree_stats *s = compute(&a, 50, 2, 2);
	assert_int_equal(s->n_pairs, 1);
	const struct sg_agree_pair *p = pair_of(s, 0, 1);
	assert_int_equal(p->n, 50);
	assert_int_equal(p->agree, 35);
	near(p->percent, 0.7, 1e-12);
	near(p->kappa, 0.4, 1e-12);
	near(s->percent_agreement, 0.7, 1e-12);
	near(s->fleiss_kappa, (0.7 - 0.505) / 0.495, 1e-12);
	near(s->krippendorff_alpha, 0.4, 1e-12);
	/* every disagreement is a tie between two raters */
	assert_int_equal(s->n_ties, 15);
	assert_int_equal(s->n_low, 0);
	near(s->annotators[0].mean_kappa, 0.4, 1e-12);
	sg_agree_stats_free(s);
	ann_free(&a);
}

/* Four items, three raters, labels A=0 / B=1:
 *   item 0: A A A  P = 3*2/6 = 1      item 2: B B B  P = 1
 *   item 1: A A B  P = 2*1/6 = 1/3    item 3: A B B  P = 1/3
 * P = (1 + 1/3 + 1 + 1/3)/4 = 2/3; p_A = p_B = 6/12, Pe = 1/2;
 * Fleiss = (2/3 - 1/2)/(1/2) = 1/3.
 * Alpha: n = 12; diag per item = sum n_c(n_c-1)/(m-1) = 3, 1, 3, 1 → 8;
 * n_A = n_B = 6: 1 - 11*(12-8)/(144-72) = 1 - 44/72 = 7/18. */
static void test_fleiss_and_alpha_small(void **state)
{
	(void)state;
	struct ann a = { 0 };
	uint32_t v[4][3] = { { 0, 0, 0 }, { 0, 0, 1 }, { 1, 1, 1 }, { 0, 1, 1 } };
	for (uint32_t i = 0; i < 4; i++)
		for (uint32_t r = 0; r < 3; r++)
			add(&a, i, r, v[i][r]);
	struct sg_agree_stats *s = compute(&a, 4, 3, 2);
	near(s->percent_agreement, 2.0 / 3, 1e-12);
	near(s->fleiss_kappa, 1.0 / 3, 1e-12);
	near(s->krippendorff_alpha, 7.0 / 18, 1e-12);
	assert_int_equal(s->items[1].majority, 0);
	assert_int_equal(s->items[1].majority_votes, 2);
	near(s->items[1].share, 2.0 / 3, 1e-12);
	assert_int_equal(s->items[3].majority, 1);
	assert_int_equal(s->items[1].flags, 0);   /* 2/3 >= 0.5 */
	/* consensus: rater 2 says B on item 1 (majority A): 3 of 4 */
	assert_int_equal(s->annotators[2].n_compared, 4);
	assert_int_equal(s->annotators[2].n_matched, 3);
	near(s->annotators[2].consensus, 0.75, 1e-12);
	/* pair (0,1): labels 00,00,11,01 → po = 3/4; rater 0: A 3/4, rater 1:
	 * A 2/4; pe = 3/4*2/4 + 1/4*2/4 = 1/2; kappa = (3/4-1/2)/(1/2) = 1/2 */
	near(pair_of(s, 0, 1)->kappa, 0.5, 1e-12);
	sg_agree_stats_free(s);
	ann_free(&a);
}

/* Krippendorff's reliability data with missing values (4 observers, 12
 * units, values 1..5 stored as 0..4, '.' = missing):
 *   o1: 1 2 3 3 2 1 4 1 2 . . .
 *   o2: 1 2 3 3 2 2 4 1 2 5 . 3
 *   o3: . 3 3 3 2 3 4 2 2 5 1 .
 *   o4: 1 2 3 3 2 4 4 1 2 5 1 .
 * Unit 12 has one value and is not pairable.  diag per unit (n_c(n_c-1)
 * /(m-1) summed): 3,2,4,4,4,0,4,2,4,3,2 = 32; n = 40; n_c = 9,13,10,5,3,
 * sum n_c^2 = 384; alpha = 1 - 39*(40-32)/(1600-384) = 1 - 312/1216
 * = 0.743421... */
static void test_alpha_missing(void **state)
{
	(void)state;
	int d[4][12] = {
		{ 1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0 },
		{ 1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3 },
		{ 0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0 },
		{ 1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0 },
	};
	struct ann a = { 0 };
	for (uint32_t o = 0; o < 4; o++)
		for (uint32_t u = 0; u < 12; u++)
			if (d[o][u])
				add(&a, u, o, (uint32_t)d[o][u] - 1);
	struct sg_agree_stats *s = compute(&a, 12, 4, 5);
	near(s->krippendorff_alpha, 1 - 312.0 / 1216, 1e-12);
	assert_int_equal(s->n_multi, 11);
	assert_int_equal(s->n_labeled, 12);
	/* unit 6: four different values, a four-way tie */
	assert_true(s->items[5].flags & SG_AGREE_TIE);
	assert_int_equal(s->items[5].majority, 0);   /* lowest tied index */
	/* unit 2: 2,2,3,2 — 3 of 4 */
	near(s->items[1].share, 0.75, 1e-12);
	/* pair (o1, o2): units 1..9 both present, differ only on unit 6 */
	const struct sg_agree_pair *p = pair_of(s, 0, 1);
	assert_int_equal(p->n, 9);
	assert_int_equal(p->agree, 8);
	sg_agree_stats_free(s);
	ann_free(&a);
}

static void test_perfect_and_undefined(void **state)
{
	(void)state;
	struct ann a = { 0 };
	for (uint32_t i = 0; i < 30; i++)
		for (uint32_t r = 0; r < 3; r++)
			add(&a, i, r, i % 3);
	struct sg_agree_stats *s = compute(&a, 30, 3, 3);
	near(s->percent_agreement, 1, 1e-12);
	near(s->fleiss_kappa, 1, 1e-12);
	near(s->krippendorff_alpha, 1, 1e-12);
	for (size_t q = 0; q < s->n_pairs; q++)
		near(s->pairs[q].kappa, 1, 1e-12);
	assert_int_equal(s->n_pairs, 3);
	for (uint32_t i = 0; i < 30; i++) {
		assert_int_equal(s->items[i].em_label, (int32_t)(i % 3));
		assert_true(s->items[i].em_confidence > 0.99);
	}
	sg_agree_stats_free(s);
	ann_free(&a);

	/* everyone always says label 1: chance agreement is 1, so kappa and
	 * alpha are undefined (NaN), while percent agreement is 1 */
	struct ann b = { 0 };
	for (uint32_t i = 0; i < 10; i++)
		for (uint32_t r = 0; r < 2; r++)
			add(&b, i, r, 1);
	s = compute(&b, 12, 2, 3);
	near(s->percent_agreement, 1, 1e-12);
	assert_true(isnan(s->fleiss_kappa));
	assert_true(isnan(s->krippendorff_alpha));
	assert_true(isnan(s->pairs[0].kappa));
	assert_true(isnan(s->mean_pair_kappa));
	/* items 10 and 11 have no annotations */
	assert_int_equal(s->items[10].majority, -1);
	assert_int_equal(s->items[10].em_label, -1);
	assert_true(isnan(s->items[11].share));
	json_t *j = sg_agree_to_json(s, NULL, NULL);
	assert_true(json_is_null(json_object_get(j, "fleiss_kappa")));
	assert_true(json_is_real(json_object_get(j, "percent_agreement")));
	json_decref(j);
	sg_agree_stats_free(s);
	ann_free(&b);

	/* nothing at all */
	struct ann c = { 0 };
	s = compute(&c, 0, 0, 0);
	assert_true(isnan(s->percent_agreement));
	assert_int_equal(s->n_pairs, 0);
	sg_agree_stats_free(s);
}

/* Independent uniform labels: every chance-corrected statistic ≈ 0. */
static void test_random_near_zero(void **state)
{
	(void)state;
	rng_state = 42;
	struct ann a = { 0 };
	uint32_t ni = 20000;
	for (uint32_t i = 0; i < ni; i++)
		for (uint32_t r = 0; r < 3; r++)
			add(&a, i, r, (uint32_t)(rng() % 4));
	struct sg_agree_stats *s = compute(&a, ni, 3, 4);
	/* the standard error of kappa here is about 1/sqrt(n * (1-pe)) ~ 0.01 */
	for (size_t q = 0; q < s->n_pairs; q++)
		near(s->pairs[q].kappa, 0, 0.03);
	near(s->fleiss_kappa, 0, 0.03);
	near(s->krippendorff_alpha, 0, 0.03);
	near(s->percent_agreement, 0.25, 0.02);
	sg_agree_stats_free(s);
	ann_free(&a);
}

/* Plants annotators with known accuracies (errors uniform over the other
 * labels) and checks EM recovers them and beats the majority vote. */
static void test_em_recovers_reliability(void **state)
{
	(void)state;
	rng_state = 7;
	uint32_t ni = 3000, K = 3, na = 5;
	double acc[5] = { 0.9, 0.9, 0.9, 0.35, 0.35 };
	uint32_t *truth = sg_xmalloc(ni * sizeof *truth);
	struct ann a = { 0 };
	for (uint32_t i = 0; i < ni; i++) {
		truth[i] = (uint32_t)(rng() % K);
		for (uint32_t r = 0; r < na; r++) {
			uint32_t l = truth[i];
			if (unif() >= acc[r])
				l = (l + 1 + (uint32_t)(rng() % (K - 1))) % K;
			add(&a, i, r, l);
		}
	}
	struct sg_agree_stats *s = compute(&a, ni, na, K);
	assert_true(s->em_converged);
	for (uint32_t r = 0; r < na; r++)
		near(s->annotators[r].em_accuracy, acc[r], 0.04);
	near(sg_agree_confusion(s, 0, 1, 1), 0.9, 0.04);
	near(sg_agree_confusion(s, 3, 1, 1), 0.35, 0.06);
	for (uint32_t k = 0; k < K; k++)
		near(s->em_prior[k], 1.0 / 3, 0.04);
	sg_agree_stats_free(s);
	ann_free(&a);

	/* one expert (0.95) against two weak annotators (0.6) on a yes/no task:
	 * the majority follows the weak pair when they agree on a wrong answer,
	 * EM learns to trust the expert */
	rng_state = 11;
	struct ann b = { 0 };
	double acc2[3] = { 0.95, 0.6, 0.6 };
	for (uint32_t i = 0; i < ni; i++) {
		truth[i] = (uint32_t)(rng() % 2);
		for (uint32_t r = 0; r < 3; r++)
			add(&b, i, r, unif() < acc2[r] ? truth[i] : 1 - truth[i]);
	}
	s = compute(&b, ni, 3, 2);
	uint32_t mv_right = 0, em_right = 0;
	for (uint32_t i = 0; i < ni; i++) {
		mv_right += s->items[i].majority == (int32_t)truth[i];
		em_right += s->items[i].em_label == (int32_t)truth[i];
	}
	assert_true(em_right > mv_right + ni / 20);
	assert_true(em_right > ni * 0.92);
	assert_true(s->annotators[0].em_accuracy > s->annotators[1].em_accuracy + 0.2);
	sg_agree_stats_free(s);
	ann_free(&b);
	free(truth);
}

/* EM on two threads (large inputs) gives what one thread gives, up to the
 * order of floating-point sums. */
static void test_em_threads(void **state)
{
	(void)state;
	rng_state = 3;
	struct ann a = { 0 };
	uint32_t ni = 40000;
	for (uint32_t i = 0; i < ni; i++) {
		uint32_t truth = (uint32_t)(rng() % 4);
		for (uint32_t r = 0; r < 3; r++) {
			uint32_t j = (uint32_t)(rng() % 12);
			add(&a, i, j, unif() < 0.5 + j * 0.04 ? truth : (uint32_t)(rng() % 4));
		}
	}
	struct sg_agree_input in = input_of(&a, ni, 12, 4);
	struct sg_agree_options o1 = { .threads = 1 }, o2 = { .threads = 2 };
	struct sg_agree_stats *s1 = NULL, *s2 = NULL;
	struct sg_error err = { 0 };
	assert_int_equal(sg_agree_compute(&in, &o1, &s1, &err), 0);
	assert_int_equal(sg_agree_compute(&in, &o2, &s2, &err), 0);
	assert_int_equal(s1->em_iterations, s2->em_iterations);
	near(s1->em_log_likelihood, s2->em_log_likelihood, 1e-6 * fabs(s1->em_log_likelihood));
	for (uint32_t j = 0; j < 12; j++)
		near(s1->annotators[j].em_accuracy, s2->annotators[j].em_accuracy, 1e-9);
	uint32_t differ = 0;
	for (uint32_t i = 0; i < ni; i++) {
		differ += s1->items[i].em_label != s2->items[i].em_label;
		near(s1->items[i].em_confidence, s2->items[i].em_confidence, 1e-6);
	}
	assert_int_equal(differ, 0);
	/* the better annotators (higher j) are estimated better */
	assert_true(s1->annotators[11].em_accuracy > s1->annotators[0].em_accuracy + 0.2);
	sg_agree_stats_free(s1);
	sg_agree_stats_free(s2);
	ann_free(&a);
}

/* Duplicates, ties, low agreement, the adjudication order, durations and
 * range errors. */
static void test_queue_duplicates_seconds(void **state)
{
	(void)state;
	struct ann a = { 0 };
	/* item 0: annotator 0 says 1, then changes to 2 (the later one counts) */
	add(&a, 0, 0, 1);
	add(&a, 0, 1, 2);
	add(&a, 0, 0, 2);
	/* item 1: 0 vs 1 tie */
	add(&a, 1, 0, 0);
	add(&a, 1, 1, 1);
	/* item 2: 5 raters 2-1-1-1 → share 0.4 < 0.5: low agreement */
	add(&a, 2, 0, 0);
	add(&a, 2, 1, 0);
	add(&a, 2, 2, 1);
	add(&a, 2, 3, 2);
	add(&a, 2, 4, 3);
	/* item 3: three-way tie 1-1-1 (share 1/3) */
	add(&a, 3, 0, 0);
	add(&a, 3, 1, 1);
	add(&a, 3, 2, 2);
	double secs[] = { 9, 4, 3, 1, 5, 7, 2, NAN, 6, -1, 8, 10, 12 };
	memcpy(a.seconds, secs, sizeof secs);
	struct sg_agree_input in = input_of(&a, 4, 5, 4);
	in.seconds = a.seconds;
	struct sg_agree_stats *s = NULL;
	struct sg_error err = { 0 };
	assert_int_equal(sg_agree_compute(&in, NULL, &s, &err), 0);
	assert_int_equal(s->n_duplicates, 1);
	assert_int_equal(s->n_annotations, 12);
	assert_int_equal(s->items[0].majority, 2);
	assert_int_equal(s->items[0].majority_votes, 2);
	assert_int_equal(s->items[0].flags, 0);
	assert_int_equal(s->items[1].flags, SG_AGREE_TIE);
	assert_int_equal(s->items[2].flags, SG_AGREE_LOW);
	assert_int_equal(s->items[3].flags, SG_AGREE_TIE);
	assert_int_equal(s->n_ties, 2);
	assert_int_equal(s->n_low, 1);
	uint32_t *q = NULL;
	size_t nq = sg_agree_adjudication(s, &q);
	assert_int_equal(nq, 3);
	assert_int_equal(q[0], 3);      /* share 1/3 */
	assert_int_equal(q[1], 2);      /* 0.4 */
	assert_int_equal(q[2], 1);      /* 0.5 */
	free(q);
	/* annotator 0: durations 3 (the kept record of item 0), 1, 7, 8 →
	 * median (3 + 7)/2 = 5; annotator 1: 4, 5, 2, 10 → (4 + 5)/2 = 4.5;
	 * annotator 2: NaN (unknown) and 12 → 12 */
	near(s->annotators[0].median_seconds, 5, 1e-12);
	near(s->annotators[1].median_seconds, 4.5, 1e-12);
	assert_int_equal(s->annotators[2].n_seconds, 1);
	near(s->annotators[2].median_seconds, 12, 1e-12);
	assert_int_equal(s->annotators[3].n_seconds, 1);   /* 6 */
	assert_int_equal(s->annotators[4].n_seconds, 0);   /* -1: unknown */
	assert_true(isnan(s->annotators[4].median_seconds));
	/* a smaller min_share flags nothing as low */
	sg_agree_stats_free(s);
	struct sg_agree_options o = { .min_share = 0.3 };
	assert_int_equal(sg_agree_compute(&in, &o, &s, &err), 0);
	assert_int_equal(s->n_low, 0);
	sg_agree_stats_free(s);

	/* range errors name the record */
	a.label[4] = 9;
	assert_int_equal(sg_agree_compute(&in, NULL, &s, &err), -1);
	assert_null(s);
	assert_int_equal(err.code, SG_E_USAGE);
	assert_non_null(strstr(err.msg, "annotation 4"));
	a.label[4] = 1;
	a.item[2] = 4;
	assert_int_equal(sg_agree_compute(&in, NULL, &s, &err), -1);
	assert_non_null(strstr(err.msg, "item 4"));
	ann_free(&a);
}

/* One item labeled by 10,001 people has 50,005,000 annotator pairs: past
 * SG_AGREE_PAIRS_MAX the pairs are skipped, everything else is computed. */
static void test_pairs_bound(void **state)
{
	(void)state;
	struct ann a = { 0 };
	for (uint32_t r = 0; r < 10001; r++)
		add(&a, 0, r, r % 10 == 0);
	add(&a, 1, 0, 1);
	add(&a, 1, 1, 1);
	struct sg_agree_stats *s = compute(&a, 2, 10001, 2);
	assert_true(s->pairs_skipped);
	assert_int_equal(s->n_pairs, 0);
	assert_true(isnan(s->mean_pair_kappa));
	assert_int_equal(s->items[0].majority, 0);
	assert_int_equal(s->items[0].majority_votes, 9000);
	assert_false(isnan(s->fleiss_kappa));
	json_t *j = sg_agree_to_json(s, NULL, NULL);
	assert_true(json_is_true(json_object_get(j, "pairs_skipped")));
	json_decref(j);
	sg_agree_stats_free(s);
	ann_free(&a);
}

/* Multi-label: annotator 0 chose {0, 2}, annotator 1 chose {0}, annotator 2
 * chose nothing on item 0; on item 1 annotators 0 and 1 both chose {1}.
 * Label 0 as yes/no: item 0 → yes, yes, no; item 1 → no, no. */
static void test_multilabel(void **state)
{
	(void)state;
	struct ann a = { 0 };
	add(&a, 0, 0, 0);
	add(&a, 0, 0, 2);
	add(&a, 0, 1, 0);
	add(&a, 0, 2, SG_AGREE_NONE);
	add(&a, 1, 0, 1);
	add(&a, 1, 1, 1);
	struct sg_agree_input in = input_of(&a, 2, 3, 3);
	struct sg_error err = { 0 };
	struct sg_agree_owned b;
	assert_int_equal(sg_agree_binary_input(&in, 0, &b, &err), 0);
	assert_int_equal(b.in.n, 5);
	assert_int_equal(b.in.n_labels, 2);
	uint32_t yes = 0;
	for (size_t r = 0; r < b.in.n; r++)
		yes += b.label[r];
	assert_int_equal(yes, 2);
	sg_agree_owned_done(&b);

	struct sg_agree_stats **per = NULL;
	assert_int_equal(sg_agree_compute_multi(&in, NULL, &per, &err), 0);
	/* label 0: item 0 (yes yes no) P = 2/6, item 1 (no no) P = 1 → 2/3 */
	near(per[0]->percent_agreement, 2.0 / 3, 1e-12);
	assert_int_equal(per[0]->items[0].majority, 1);
	/* label 1: item 0 (no no no) P = 1, item 1 (yes yes) P = 1 */
	near(per[1]->percent_agreement, 1, 1e-12);
	near(per[1]->krippendorff_alpha, 1, 1e-12);
	/* label 2: item 0 yes no no → P = 1/3, item 1 → 1 */
	near(per[2]->percent_agreement, 2.0 / 3, 1e-12);
	sg_agree_multi_free(per, 3);

	/* NONE is refused in single-label input */
	struct sg_agree_stats *s = NULL;
	assert_int_equal(sg_agree_compute(&in, NULL, &s, &err), -1);
	ann_free(&a);
}


/* Three items, two annotators, labels x = 0 and y = 1:
 *   item 0: A {x}    B {x}
 *   item 1: A {x, y} B {x}
 *   item 2: A {}     B {y}
 * Jaccard distances within items: 0, 1 - 1/2 = 0.5, 1 (disjoint, union {y}).
 * n = 6 answers, all pairable; D_o numerator = sum over items of
 * 2/(m - 1) * sum of pair distances = 2 * (0 + 0.5 + 1) = 3.
 * Distinct sets with counts: {x} 3, {x,y} 1, {} 1, {y} 1; distances
 * {x}-{x,y} 0.5, {x}-{} 1, {x}-{y} 1, {x,y}-{} 1, {x,y}-{y} 0.5, {}-{y} 1;
 * D_e numerator = 2 * (3*0.5 + 3 + 3 + 1 + 0.5 + 1) = 20.
 * alpha = 1 - (n - 1) * 3 / 20 = 1 - 15/20 = 0.25.
 * Per label (yes/no): x is A 1 1 0, B 1 1 0 → Cohen's kappa 1.
 * y is A 0 1 0, B 0 0 1: p_o = 1/3, both say yes 1/3 of the time,
 * p_e = 1/9 + 4/9 = 5/9 → kappa = (1/3 - 5/9) / (4/9) = -0.5; Fleiss
 * (two raters per item): P_i = 1, 0, 0 → 1/3, same p_e → -0.5. */
static void make_sets(struct ann *a)
{
	add(a, 0, 0, 0);
	add(a, 0, 1, 0);
	add(a, 1, 0, 0);
	add(a, 1, 0, 1);
	add(a, 1, 1, 0);
	add(a, 2, 0, SG_AGREE_NONE);
	add(a, 2, 1, 1);
}

static void test_set_alpha_jaccard(void **state)
{
	(void)state;
	struct ann a = { 0 };
	make_sets(&a);
	struct sg_agree_input in = input_of(&a, 3, 2, 2);
	struct sg_error err = { 0 };
	double alpha;
	assert_int_equal(sg_agree_set_alpha(&in, &alpha, &err), 0);
	near(alpha, 0.25, 1e-12);

	struct sg_agree_stats **per = NULL;
	assert_int_equal(sg_agree_compute_multi(&in, NULL, &per, &err), 0);
	assert_int_equal(per[0]->n_pairs, 1);
	near(per[0]->pairs[0].kappa, 1, 1e-12);
	near(per[1]->pairs[0].kappa, -0.5, 1e-12);
	near(per[1]->fleiss_kappa, -0.5, 1e-12);
	sg_agree_multi_free(per, 2);

	/* A duplicate label record changes nothing; an item one annotator
	 * answered is not pairable and changes nothing either. */
	add(&a, 1, 0, 1);
	add(&a, 3, 0, 0);
	in = input_of(&a, 4, 2, 2);
	assert_int_equal(sg_agree_set_alpha(&in, &alpha, &err), 0);
	near(alpha, 0.25, 1e-12);
	ann_free(&a);
}

/* Single labels as one-element sets: the Jaccard distance is then 0 or 1,
 * and alpha is the nominal alpha.  Items (A, B): (0,0) (0,1) (1,1) (1,1).
 * n = 8; D_o numerator = 2 * 1 = 2 (one disagreeing item); counts label 0:
 * 3, label 1: 5; D_e numerator = 2 * 3 * 5 = 30; alpha = 1 - 7 * 2 / 30
 * = 16/30 = 0.5333...  Agreement without pairs: alpha undefined. */
static void test_set_alpha_nominal(void **state)
{
	(void)state;
	struct ann a = { 0 };
	int v[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 1 } };
	for (uint32_t i = 0; i < 4; i++) {
		add(&a, i, 0, (uint32_t)v[i][0]);
		add(&a, i, 1, (uint32_t)v[i][1]);
	}
	struct sg_agree_input in = input_of(&a, 4, 2, 2);
	struct sg_error err = { 0 };
	double alpha, nominal;
	assert_int_equal(sg_agree_set_alpha(&in, &alpha, &err), 0);
	near(alpha, 16.0 / 30, 1e-12);
	struct sg_agree_stats *s = NULL;
	assert_int_equal(sg_agree_compute(&in, NULL, &s, &err), 0);
	nominal = s->krippendorff_alpha;
	near(alpha, nominal, 1e-12);
	sg_agree_stats_free(s);
	ann_free(&a);

	struct ann b = { 0 };
	add(&b, 0, 0, 0);
	add(&b, 1, 1, 1);
	in = input_of(&b, 2, 2, 2);
	assert_int_equal(sg_agree_set_alpha(&in, &alpha, &err), 0);
	assert_true(isnan(alpha));
	in.label = (uint32_t[]){ 0, 7 };
	assert_int_equal(sg_agree_set_alpha(&in, &alpha, &err), -1);
	ann_free(&b);
}


/* Past 4,096 distinct sets the expected disagreement is sampled: compared
 * with the exact alpha of a direct O(n^2) loop over bit masks here.  3,000
 * items, 2 annotators, 14 labels; the second annotator keeps each of the
 * first's labels with probability 3/4 and adds others with 1/8, giving
 * about 5,000 distinct sets. */
static void test_set_alpha_sampled(void **state)
{
	(void)state;
	enum { NI = 3000, NL = 14 };
	static uint16_t mask[NI][2];
	struct ann a = { 0 };
	uint64_t st = 12345;
	for (uint32_t i = 0; i < NI; i++)
		for (int k = 0; k < 2; k++) {
			uint16_t m = 0;
			for (int l = 0; l < NL; l++) {
				st = st * 6364136223846793005ULL + 1442695040888963407ULL;
				unsigned r = (unsigned)(st >> 33) % 8;
				int on = k == 0 ? r < 4 : ((mask[i][0] >> l) & 1) ? r < 6 : r < 1;
				if (on)
					m |= (uint16_t)(1u << l);
			}
			mask[i][k] = m;
			if (!m)
				add(&a, i, (uint32_t)k, SG_AGREE_NONE);
			for (int l = 0; l < NL; l++)
				if ((m >> l) & 1)
					add(&a, i, (uint32_t)k, (uint32_t)l);
		}
	/* exact: D_o over the items' pairs, D_e over all ordered pairs */
	double dobs = 0, dexp = 0, n = 2.0 * NI;
	for (int i = 0; i < NI; i++) {
		unsigned x = mask[i][0], y = mask[i][1];
		unsigned u = (unsigned)__builtin_popcount(x | y);
		dobs += 2 * (u ? 1 - (double)__builtin_popcount(x & y) / u : 0);
	}
	for (int p = 0; p < 2 * NI; p++)
		for (int q = p + 1; q < 2 * NI; q++) {
			unsigned x = mask[p / 2][p % 2], y = mask[q / 2][q % 2];
			unsigned u = (unsigned)__builtin_popcount(x | y);
			dexp += 2 * (u ? 1 - (double)__builtin_popcount(x & y) / u : 0);
		}
	double exact = 1 - (n - 1) * dobs / dexp, alpha;
	static uint8_t seen[1 << 16];
	int distinct = 0;
	for (int p = 0; p < 2 * NI; p++)
		if (!seen[mask[p / 2][p % 2]]++)
			distinct++;
	assert_true(distinct > 4096);   /* the sampled path */
	struct sg_agree_input in = input_of(&a, NI, 2, NL);
	struct sg_error err = { 0 };
	assert_int_equal(sg_agree_set_alpha(&in, &alpha, &err), 0);
	print_message("alpha exact %.5f, sampled %.5f\n", exact, alpha);
	near(alpha, exact, 0.01);
	assert_true(exact > 0.2 && exact < 0.9);
	ann_free(&a);
}

/* Spans, labels PER = 0, ORG = 1; annotators A = 0, B = 1, C = 2.
 *   item 0: A [0,5) PER, [10,15) ORG   B [0,5) PER, [11,15) ORG   C [0,5) PER
 *   item 1: A none                      B [3,4) PER
 * A-B: items 2, spans 2 and 3, exact 1 → F1 = 2/5 = 0.4.  Overlap: both of
 *   A's spans touch a same-label span of B (R = 2/2), two of B's three
 *   touch one of A's (P = 2/3) → F1 = 2 * (2/3) / (5/3) = 0.8.
 * A-C: item 0, spans 2 and 1, exact 1 → 2/3; overlap R = 1/2, P = 1 → 2/3.
 * B-C: the same as A-C.
 * Means over pairs: exact (0.4 + 2/3 + 2/3) / 3 = 26/45; overlap
 * (0.8 + 2/3 + 2/3) / 3 = 32/45.
 * PER over pairs: compared A-B 1+2, A-C 1+1, B-C 1+1 = 7, exact 3 → 6/7.
 * ORG: compared 1+1 (A-B) + 1 (A-C) + 1 (B-C) = 4, exact 0 → 0.
 * Counts: PER 4 spans (A, B, C on item 0, B on item 1) on 2 items, ORG 2
 * spans on 1 item: 6 spans. */
static void test_span_f1(void **state)
{
	(void)state;
	struct sg_span_rec r[] = {
		{ 0, 0, 0, 0, 5 }, { 0, 0, 1, 10, 15 },
		{ 0, 1, 0, 0, 5 }, { 0, 1, 1, 11, 15 },
		{ 0, 2, 0, 0, 5 },
		{ 1, 0, SG_AGREE_NONE, 0, 0 },
		{ 1, 1, 0, 3, 4 },
		{ 0, 2, 0, 0, 5 },   /* the same span twice counts once */
	};
	struct sg_span_input in = { .n = 8, .rec = r, .n_items = 2, .n_annotators = 3,
				    .n_labels = 2 };
	struct sg_span_stats *s = NULL;
	struct sg_error err = { 0 };
	assert_int_equal(sg_agree_spans(&in, &s, &err), 0);
	assert_int_equal(s->n_spans, 6);
	assert_int_equal(s->n_multi, 2);
	assert_int_equal(s->n_pairs, 3);
	assert_int_equal(s->pairs[0].a, 0);
	assert_int_equal(s->pairs[0].b, 1);
	assert_int_equal(s->pairs[0].items, 2);
	near(s->pairs[0].f1_exact, 0.4, 1e-12);
	near(s->pairs[0].f1_overlap, 0.8, 1e-12);
	near(s->pairs[1].f1_exact, 2.0 / 3, 1e-12);
	near(s->pairs[1].f1_overlap, 2.0 / 3, 1e-12);
	near(s->pairs[2].f1_exact, 2.0 / 3, 1e-12);
	near(s->mean_f1_exact, 26.0 / 45, 1e-12);
	near(s->mean_f1_overlap, 32.0 / 45, 1e-12);
	assert_int_equal(s->labels[0].spans, 4);
	assert_int_equal(s->labels[0].items, 2);
	assert_int_equal(s->labels[1].spans, 2);
	near(s->labels[0].f1_exact, 6.0 / 7, 1e-12);
	near(s->labels[1].f1_exact, 0, 1e-12);
	json_t *j = sg_span_stats_json(s, NULL, NULL);
	assert_non_null(json_object_get(j, "pairs"));
	json_decref(j);
	sg_span_stats_free(s);

	/* one annotator: no pairs, the means undefined, the counts still there */
	in.n = 2;
	assert_int_equal(sg_agree_spans(&in, &s, &err), 0);
	assert_int_equal(s->n_pairs, 0);
	assert_true(isnan(s->mean_f1_exact) && isnan(s->labels[0].f1_exact));
	assert_int_equal(s->labels[1].spans, 1);
	sg_span_stats_free(s);
	in.n = 8;

	/* an empty range is refused, naming the record */
	r[6].end = 3;
	assert_int_equal(sg_agree_spans(&in, &s, &err), -1);
	assert_non_null(strstr(err.msg, "span 6"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cohen_textbook),
		cmocka_unit_test(test_fleiss_and_alpha_small),
		cmocka_unit_test(test_alpha_missing),
		cmocka_unit_test(test_perfect_and_undefined),
		cmocka_unit_test(test_random_near_zero),
		cmocka_unit_test(test_em_recovers_reliability),
		cmocka_unit_test(test_em_threads),
		cmocka_unit_test(test_queue_duplicates_seconds),
		cmocka_unit_test(test_pairs_bound),
		cmocka_unit_test(test_multilabel),
		cmocka_unit_test(test_set_alpha_jaccard),
		cmocka_unit_test(test_set_alpha_nominal),
		cmocka_unit_test(test_set_alpha_sampled),
		cmocka_unit_test(test_span_f1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
