/* algo_driver.c — the C side of bench/algo_bench.sh.
 *
 *   algo_driver gen ROWS D SEED OUT.csv   a header "y,f1..fD", y in {0,1} from a
 *                                         known linear model plus logistic noise
 *   algo_driver fit CSV [THREADS]         loads CSV (target=y) and trains
 *                                         linear-learner binary_classifier,
 *                                         printing JSON: rows, load_s, train_s,
 *                                         accuracy (on the same rows) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/algo.h"
#include "core/recipe.h"
#include "core/util.h"

static double gauss(struct sg_rng *g)
{
	double u = ((double)(sg_rng_next(g) >> 11) + 0.5) / 9007199254740992.0;
	double v = ((double)(sg_rng_next(g) >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int gen(long rows, int d, unsigned long seed, const char *out)
{
	struct sg_rng g;
	sg_rng_seed(&g, seed);
	FILE *f = fopen(out, "w");
	if (!f)
		return perror(out), 1;
	double *w = calloc((size_t)d, sizeof *w), *x = calloc((size_t)d, sizeof *x);
	for (int j = 0; j < d; j++)
		w[j] = gauss(&g);
	fputs("y", f);
	for (int j = 0; j < d; j++)
		fprintf(f, ",f%d", j + 1);
	fputc('\n', f);
	for (long i = 0; i < rows; i++) {
		double z = 0.5;
		for (int j = 0; j < d; j++) {
			x[j] = gauss(&g);
			z += w[j] * x[j];
		}
		double u = ((double)(sg_rng_next(&g) >> 11) + 0.5) / 9007199254740992.0;
		z += log(u / (1 - u));   /* logistic noise */
		fprintf(f, "%d", z > 0);
		for (int j = 0; j < d; j++)
			fprintf(f, ",%.6f", x[j]);
		fputc('\n', f);
	}
	free(w);
	free(x);
	return fclose(f) != 0;
}

static void quiet(void *ud, const char *key, long long it, double v)
{
	(void)ud, (void)key, (void)it, (void)v;
}

static int fit(const char *csv, int threads)
{
	struct sg_error err = { 0 };
	const struct sg_algo *a = sg_algo_find("linear-learner");
	struct sg_hps *h = sg_hps_new(a);
	if (sg_hps_set_text(h, "predictor_type=binary_classifier,target=y", &err) != 0)
		return fprintf(stderr, "%s\n", err.msg), 1;
	sg_algo_set_threads(threads);
	struct sg_xy_opts o = { .task = SG_TASK_CLASSIFICATION, .target = "y", .channel = "train",
				.threads = threads };
	struct sg_xy *xy;
	double t0 = sg_now();
	if (sg_xy_load(csv, &o, &xy, &err) != 0)
		return fprintf(stderr, "%s\n", err.msg), 1;
	double t1 = sg_now();
	struct sg_model *m = sg_model_new(a, h, xy);
	struct sg_algo_ctx ctx = { .hps = h, .threads = threads, .report = quiet };
	if (a->train(&ctx, xy, NULL, m, &err) != 0)
		return fprintf(stderr, "%s\n", err.msg), 1;
	double t2 = sg_now();
	double *out = malloc(xy->n * 2 * sizeof *out);
	sg_model_predict(m, xy->x, xy->n, out, NULL, &err);
	size_t ok = 0;
	for (size_t i = 0; i < xy->n; i++)
		ok += out[2 * i] == xy->y[i];
	printf("{\"rows\": %zu, \"load_s\": %.4f, \"train_s\": %.4f, \"accuracy\": %.6f}\n", xy->n,
	       t1 - t0, t2 - t1, (double)ok / (double)xy->n);
	free(out);
	sg_model_free(m);
	sg_xy_free(xy);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "gen") == 0)
		return gen(atol(argv[2]), atoi(argv[3]), strtoul(argv[4], NULL, 10), argv[5]);
	if (argc >= 3 && strcmp(argv[1], "fit") == 0)
		return fit(argv[2], argc > 3 ? atoi(argv[3]) : 2);
	fprintf(stderr, "usage: algo_driver gen ROWS D SEED OUT | fit CSV [THREADS]\n");
	return 2;
}
