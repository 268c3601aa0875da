/* agree_driver.c — agreement statistics and Dawid–Skene consolidation at
 * scale; built and run by bench/agree_bench.sh.
 *
 *   agree_driver ANNOTATIONS LABELS ANNOTATORS PER_ITEM [DATA.csv]
 *
 * Generates ANNOTATIONS records (ANNOTATIONS / PER_ITEM items, PER_ITEM
 * distinct annotators per item drawn from ANNOTATORS, each with a planted
 * accuracy between 0.6 and 0.95, durations in seconds), then times
 * sg_agree_compute (grouping, majority vote, percent agreement, Fleiss,
 * Krippendorff, Cohen per pair, medians, EM) over REPS runs and prints
 * "seconds median best", the median CPU time, and the statistics.  With DATA.csv it also writes
 * the annotations (item,annotator,label) and prints the Cohen's kappa of
 * annotators 0 and 1, for the Python peer to recompute. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/agree.h"

#define REPS 5

static uint64_t state = 2024;
static uint64_t rng(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double unif(void) { return (rng() >> 11) * (1.0 / 9007199254740992.0); }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of the process (all threads). */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: agree_driver ANNOTATIONS LABELS ANNOTATORS PER_ITEM [DATA.csv]\n");
		return 2;
	}
	size_t n = strtoull(argv[1], NULL, 10);
	uint32_t K = (uint32_t)atoi(argv[2]), na = (uint32_t)atoi(argv[3]),
		 per = (uint32_t)atoi(argv[4]);
	if (K < 2 || per < 1 || per > na) {
		fprintf(stderr, "agree_driver: need LABELS >= 2 and 1 <= PER_ITEM <= ANNOTATORS\n");
		return 2;
	}
	uint32_t ni = (uint32_t)(n / per);
	n = (size_t)ni * per;
	uint32_t *item = malloc(n * sizeof *item), *ann = malloc(n * sizeof *ann),
		 *lab = malloc(n * sizeof *lab);
	double *sec = malloc(n * sizeof *sec), *acc = malloc(na * sizeof *acc);
	uint32_t *pick = malloc(na * sizeof *pick);
	for (uint32_t j = 0; j < na; j++) {
		acc[j] = 0.6 + 0.35 * unif();
		pick[j] = j;
	}
	size_t r = 0;
	for (uint32_t i = 0; i < ni; i++) {
		uint32_t truth = (uint32_t)(rng() % K);
		for (uint32_t p = 0; p < per; p++) {   /* partial Fisher–Yates */
			uint32_t q = p + (uint32_t)(rng() % (na - p)), t = pick[p];
			pick[p] = pick[q];
			pick[q] = t;
			uint32_t j = pick[p], l = truth;
			if (unif() >= acc[j])
				l = (l + 1 + (uint32_t)(rng() % (K - 1))) % K;
			item[r] = i;
			ann[r] = j;
			lab[r] = l;
			sec[r] = 2 + 20 * unif() * unif();
			r++;
		}
	}
	struct sg_agree_input in = { .n = n, .item = item, .annotator = ann, .label = lab,
				     .seconds = sec, .n_items = ni, .n_annotators = na,
				     .n_labels = K };
	/* AGREE_TOL and AGREE_THREADS override the defaults, for experiments */
	struct sg_agree_options opt = { 0 };
	if (getenv("AGREE_TOL"))
		opt.em_tol = atof(getenv("AGREE_TOL"));
	if (getenv("AGREE_THREADS"))
		opt.threads = atoi(getenv("AGREE_THREADS"));
	double t[REPS], cpu[REPS];
	struct sg_agree_stats *s = NULL;
	struct sg_error err = { 0 };
	for (int rep = 0; rep < REPS; rep++) {
		sg_agree_stats_free(s);
		double t0 = now(), c0 = cpu_now();
		if (sg_agree_compute(&in, &opt, &s, &err) != 0) {
			fprintf(stderr, "agree_driver: %s\n", err.msg);
			return 1;
		}
		t[rep] = now() - t0;
		cpu[rep] = cpu_now() - c0;
	}
	qsort(t, REPS, sizeof *t, cmp_d);
	qsort(cpu, REPS, sizeof *cpu, cmp_d);
	printf("annotations %zu items %u annotators %u labels %u per_item %u\n", n, ni, na, K, per);
	printf("seconds %.3f %.3f\n", t[REPS / 2], t[0]);
	printf("cpu_seconds %.3f (both threads; a shared host's load shows here less)\n",
	       cpu[REPS / 2]);
	printf("percent_agreement %.6f fleiss %.6f alpha %.6f pairs %zu mean_pair_kappa %.6f\n",
	       s->percent_agreement, s->fleiss_kappa, s->krippendorff_alpha, s->n_pairs,
	       s->mean_pair_kappa);
	double err_acc = 0;
	for (uint32_t j = 0; j < na; j++)
		err_acc += fabs(s->annotators[j].em_accuracy - acc[j]);
	printf("em_iterations %d converged %d mean_abs_accuracy_error %.4f adjudication %u\n",
	       s->em_iterations, s->em_converged, err_acc / na, s->n_ties + s->n_low);
	if (argc > 5) {
		FILE *f = fopen(argv[5], "w");
		if (!f) {
			perror(argv[5]);
			return 1;
		}
		fprintf(f, "item,annotator,label\n");
		for (size_t q = 0; q < n; q++)
			fprintf(f, "%u,%u,%u\n", item[q], ann[q], lab[q]);
		fclose(f);
		for (size_t q = 0; q < s->n_pairs; q++)
			if (s->pairs[q].a == 0 && s->pairs[q].b == 1)
				printf("pair01 items %u kappa %.12f\n", s->pairs[q].n, s->pairs[q].kappa);
	}
	sg_agree_stats_free(s);
	free(item);
	free(ann);
	free(lab);
	free(sec);
	free(acc);
	free(pick);
	return 0;
}
