/* algos_driver.c — the C side of bench/algos_bench.sh (kmeans, pca, knn,
 * xgboost).
 *
 *   algos_driver ALGO TRAIN.csv HPS THREADS [QUERY.csv]
 *
 * Loads TRAIN.csv (header, label column y: target=y; unsupervised
 * algorithms leave y out), trains ALGO with the hyperparameters HPS
 * (KEY=VALUE,…), and prints one JSON object: rows, load_s, train_s, and
 *   kmeans   inertia, iterations (train:ssd points reported)
 *   pca      explained_variance, explained_variance_ratio (lists)
 *   knn      predict_s and accuracy on QUERY.csv (queries loaded "like" train)
 *   xgboost  predict_s and accuracy on QUERY.csv (when given) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/algo.h"
#include "core/util.h"

struct seen {
	long long points;
	double last_ssd;
	double ev[64], ratio[64];
	int nev;
};

static void record(void *ud, const char *key, long long it, double v)
{
	struct seen *s = ud;
	if (strcmp(key, "train:ssd") == 0) {
		s->points++;
		s->last_ssd = v;
	} else if (strcmp(key, "train:explained_variance") == 0 && it < 64) {
		s->ev[it] = v;
		s->nev = (int)it + 1;
	} else if (strcmp(key, "train:explained_variance_ratio") == 0 && it < 64) {
		s->ratio[it] = v;
	}
}

static int die(const struct sg_error *err)
{
	fprintf(stderr, "algos_driver: %s\n", err->msg);
	return 1;
}

static void print_list(const char *key, const double *v, int n)
{
	printf(", \"%s\": [", key);
	for (int i = 0; i < n; i++)
		printf("%s%.17g", i ? ", " : "", v[i]);
	printf("]");
}

/* Predicts QUERY.csv and prints predict_s and accuracy. */
static int query(const struct sg_model *m, const struct sg_xy *train, const char *path,
		 int threads)
{
	struct sg_error err = { 0 };
	struct sg_xy_opts o = { .task = train->task, .target = "y", .like = train,
				.channel = "query", .threads = threads };
	struct sg_xy *q;
	if (sg_xy_load(path, &o, &q, &err) != 0)
		return die(&err);
	double *out = malloc(q->n * (size_t)m->nout * sizeof *out + 8);
	double t0 = sg_now();
	if (sg_model_predict(m, q->x, q->n, out, NULL, &err) != 0)
		return die(&err);
	double t1 = sg_now();
	size_t ok = 0;
	for (size_t i = 0; i < q->n; i++)
		ok += out[i * (size_t)m->nout] == q->y[i];
	printf(", \"queries\": %zu, \"predict_s\": %.4f, \"accuracy\": %.6f", q->n, t1 - t0,
	       (double)ok / (double)q->n);
	free(out);
	sg_xy_free(q);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: algos_driver ALGO TRAIN.csv HPS THREADS [QUERY.csv]\n");
		return 2;
	}
	struct sg_error err = { 0 };
	const struct sg_algo *a = sg_algo_find(argv[1]);
	if (!a)
		return fprintf(stderr, "unknown algorithm %s\n", argv[1]), 2;
	int threads = atoi(argv[4]);
	struct sg_hps *h = sg_hps_new(a);
	if (sg_hps_set_text(h, argv[3], &err) != 0 || sg_hps_set(h, "target", "y", &err) != 0 ||
	    sg_hps_check(h, &err) != 0)
		return die(&err);
	sg_algo_set_threads(threads);
	struct sg_xy_opts o = { .task = a->task(h), .target = "y", .channel = "train",
				.threads = threads };
	struct sg_xy *xy;
	double t0 = sg_now();
	/* as the job: a streaming algorithm gets only the schema and reads
	 * the rows itself (SG_ALGO_STREAMS_TRAIN) */
	int streams = (a->flags & SG_ALGO_STREAMS_TRAIN) != 0;
	if ((streams ? sg_xy_load_schema(argv[2], &o, &xy, &err)
		     : sg_xy_load(argv[2], &o, &xy, &err)) != 0)
		return die(&err);
	struct sg_xy_opts so = o;
	so.like = xy;
	double t1 = sg_now();
	if (a->check && a->check(h, xy, NULL, &err) != 0)
		return die(&err);
	struct sg_model *m = sg_model_new(a, h, xy);
	struct seen seen = { 0 };
	struct sg_algo_ctx ctx = { .hps = m->hps, .threads = threads, .report = record,
				   .report_ud = &seen, .seed = (uint64_t)sg_hps_int(m->hps, "seed"),
				   /* as the job: only an algorithm without a final train
				    * evaluation may take the matrix (its names and classes
				    * are all that is used after) */
				   .train_x = a->flags & SG_ALGO_NO_TRAIN_EVAL ? xy : NULL,
				   .train_path = streams ? argv[2] : NULL,
				   .train_opts = streams ? &so : NULL };
	if (a->train(&ctx, xy, NULL, m, &err) != 0)
		return die(&err);
	double t2 = sg_now();
	printf("{\"rows\": %zu, \"load_s\": %.4f, \"train_s\": %.4f", xy->n, t1 - t0, t2 - t1);
	if (strcmp(a->name, "kmeans") == 0)
		printf(", \"inertia\": %.17g, \"iterations\": %lld", seen.last_ssd, seen.points - 1);
	if (strcmp(a->name, "pca") == 0) {
		print_list("explained_variance", seen.ev, seen.nev);
		print_list("explained_variance_ratio", seen.ratio, seen.nev);
	}
	if (argc > 5 && xy->task != SG_TASK_NONE && query(m, xy, argv[5], threads) != 0)
		return 1;
	printf("}\n");
	sg_model_free(m);
	sg_xy_free(xy);
	return 0;
}
