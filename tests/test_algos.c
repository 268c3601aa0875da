/* test_algos.c — kmeans, pca, knn and xgboost (core/algo_*.c): known
 * answers, determinism, save/load round trips, refused hyperparameters and
 * NaN/Inf arising during training. */
#include <math.h>
#include "tests/testutil.h"
#include "core/algo.h"
#include "core/util.h"

/* ---- helpers ----------------------------------------------------------------------- */

struct points {
	int n;
	char key[64];
	long long it;
	double v;
	int nonfinite;
	int logloss;                 /* train:logloss points */
	int msd;                     /* train:msd points */
	double ev[8];
};

static void collect(void *ud, const char *key, long long it, double v)
{
	struct points *p = ud;
	p->n++;
	snprintf(p->key, sizeof p->key, "%s", key);
	p->it = it;
	p->v = v;
	p->nonfinite |= !isfinite(v);
	p->logloss += strcmp(key, "train:logloss") == 0;
	p->msd += strcmp(key, "train:msd") == 0;
	if (strcmp(key, "train:explained_variance") == 0 && it < 8)
		p->ev[it] = v;
}

static struct sg_hps *hps(const struct sg_algo *a, const char *text)
{
	struct sg_error err = { 0 };
	struct sg_hps *h = sg_hps_new(a);
	if (sg_hps_set_text(h, text, &err) != 0 || sg_hps_check(h, &err) != 0)
		fail_msg("%s: %s", text, err.msg);
	return h;
}

/* Trains a on xy (valid may be NULL); NULL with err set on failure. */
static struct sg_model *train(const struct sg_algo *a, const char *text, const struct sg_xy *xy,
			      const struct sg_xy *valid, struct points *pts, struct sg_error *err)
{
	struct sg_hps *h = hps(a, text);
	if (a->check && a->check(h, xy, valid, err) != 0) {
		sg_hps_free(h);
		return NULL;
	}
	struct sg_model *m = sg_model_new(a, h, xy);
	struct sg_algo_ctx ctx = { .hps = m->hps, .seed = (uint64_t)sg_hps_int(m->hps, "seed"),
				   .threads = 2, .report = collect, .report_ud = pts };
	if (a->train(&ctx, xy, valid, m, err) != 0) {
		sg_model_free(m);
		return NULL;
	}
	return m;
}

static struct sg_model *train_ok(const struct sg_algo *a, const char *text, const struct sg_xy *xy)
{
	struct points pts = { 0 };
	struct sg_error err = { 0 };
	struct sg_model *m = train(a, text, xy, NULL, &pts, &err);
	if (!m)
		fail_msg("%s: %s", text, err.msg);
	return m;
}

/* Expects the hyperparameter text to be refused, with needle in the message. */
static void refused_hp(const struct sg_algo *a, const char *text, const char *needle)
{
	struct sg_error err = { 0 };
	struct sg_hps *h = sg_hps_new(a);
	int rc = sg_hps_set_text(h, text, &err);
	if (rc == 0)
		rc = sg_hps_check(h, &err);
	sg_hps_free(h);
	if (rc == 0)
		fail_msg("%s was accepted", text);
	if (!strstr(err.msg, needle))
		fail_msg("%s: message '%s' lacks '%s'", text, err.msg, needle);
}

/* Expects training (check included) to fail with needle in the message. */
static void refused_train(const struct sg_algo *a, const char *text, const struct sg_xy *xy,
			  const struct sg_xy *valid, const char *needle)
{
	struct points pts = { 0 };
	struct sg_error err = { 0 };
	struct sg_model *m = train(a, text, xy, valid, &pts, &err);
	if (m)
		fail_msg("%s: training succeeded", text);
	if (!strstr(err.msg, needle))
		fail_msg("%s: message '%s' lacks '%s'", text, err.msg, needle);
}

static double *predict(const struct sg_model *m, const double *x, size_t n, double *proba)
{
	struct sg_error err = { 0 };
	double *out = calloc(n * (size_t)m->nout + 1, sizeof *out);
	if (sg_model_predict(m, x, n, out, proba, &err) != 0)
		fail_msg("predict: %s", err.msg);
	return out;
}

/* Saves m to a temp folder and loads it back. */
static struct sg_model *round_trip(const struct sg_model *m, char **dir)
{
	struct sg_error err = { 0 };
	*dir = tu_tempdir();
	if (sg_model_save(m, *dir, &err) != 0)
		fail_msg("save: %s", err.msg);
	struct sg_model *back = sg_model_load(*dir, &err);
	if (!back)
		fail_msg("load: %s", err.msg);
	return back;
}

/* Three tight, far apart 2-D clusters of 20 rows each, interleaved. */
static struct sg_xy *three_clusters(void)
{
	static const double c[3][2] = { { 0, 0 }, { 100, 0 }, { 0, 100 } };
	struct sg_xy *xy = sg_xy_new(60, 2, SG_TASK_NONE);
	for (int i = 0; i < 60; i++) {
		xy->x[2 * i] = c[i % 3][0] + (i % 5) * 0.1;
		xy->x[2 * i + 1] = c[i % 3][1] + (i % 7) * 0.1;
	}
	return xy;
}

/* ---- kmeans -------------------------------------------------------------------------- */

static void check_clusters(const struct sg_model *m, const struct sg_xy *xy)
{
	double *out = predict(m, xy->x, xy->n, NULL);
	int map[3];
	for (int c = 0; c < 3; c++)
		map[c] = (int)out[2 * c];
	assert_true(map[0] != map[1] && map[1] != map[2] && map[0] != map[2]);
	for (size_t i = 0; i < xy->n; i++) {
		assert_int_equal((int)out[2 * i], map[i % 3]);
		assert_true(out[2 * i + 1] < 1.0);
	}
	free(out);
}

static void test_kmeans_separated(void **state)
{
	(void)state;
	struct sg_xy *xy = three_clusters();
	static const char *const variants[] = {
		"k=3", "k=3,init_method=random", "k=3,n_init=4,seed=9",
		"k=3,algorithm=minibatch,mini_batch_size=16,epochs=20,extra_center_factor=2",
	};
	for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
		struct sg_model *m = train_ok(&sg_algo_kmeans, variants[v], xy);
		check_clusters(m, xy);
		sg_model_free(m);
	}
	/* Lloyd converges to the cluster means exactly */
	struct sg_model *m = train_ok(&sg_algo_kmeans, "k=3", xy);
	double *out = predict(m, xy->x, 3, NULL);
	double mean_x = 0, mean_y = 0;
	for (int i = 0; i < 60; i += 3) {
		mean_x += xy->x[2 * i] / 20;
		mean_y += xy->x[2 * i + 1] / 20;
	}
	double dx = xy->x[0] - mean_x, dy = xy->x[1] - mean_y;
	assert_true(fabs(out[1] - sqrt(dx * dx + dy * dy)) < 1e-9);
	free(out);
	sg_model_free(m);
	sg_xy_free(xy);
}

static void test_kmeans_metrics_and_seed(void **state)
{
	(void)state;
	struct sg_xy *xy = three_clusters();
	struct points a = { 0 }, b = { 0 };
	struct sg_error err = { 0 };
	struct sg_model *m1 = train(&sg_algo_kmeans, "k=2,seed=5,eval_metrics=msd", xy, NULL, &a, &err);
	struct sg_model *m2 = train(&sg_algo_kmeans, "k=2,seed=5,eval_metrics=msd", xy, NULL, &b, &err);
	assert_non_null(m1);
	assert_non_null(m2);
	assert_true(a.msd >= 2);
	assert_int_equal(a.n, b.n);
	double *o1 = predict(m1, xy->x, xy->n, NULL), *o2 = predict(m2, xy->x, xy->n, NULL);
	assert_memory_equal(o1, o2, xy->n * 2 * sizeof *o1);
	free(o1);
	free(o2);
	sg_model_free(m1);
	sg_model_free(m2);
	/* both metrics, with a validation channel */
	struct points c = { 0 };
	m1 = train(&sg_algo_kmeans, "{\"k\": \"3\", \"eval_metrics\": \"[\\\"msd\\\",\\\"ssd\\\"]\"}",
		   xy, xy, &c, &err);
	assert_non_null(m1);
	assert_string_equal(c.key, "validation:ssd");
	sg_model_free(m1);
	sg_xy_free(xy);
}

static void test_kmeans_round_trip(void **state)
{
	(void)state;
	struct sg_xy *xy = three_clusters();
	struct sg_model *m = train_ok(&sg_algo_kmeans, "k=3", xy);
	char *dir;
	struct sg_model *back = round_trip(m, &dir);
	double *o1 = predict(m, xy->x, xy->n, NULL), *o2 = predict(back, xy->x, xy->n, NULL);
	assert_memory_equal(o1, o2, xy->n * 2 * sizeof *o1);
	assert_string_equal(back->outputs[0], "closest_cluster");
	free(o1);
	free(o2);
	sg_model_free(back);
	sg_model_free(m);
	tu_rmtree(dir);
	free(dir);
	sg_xy_free(xy);
}

static void test_kmeans_refused(void **state)
{
	(void)state;
	refused_hp(&sg_algo_kmeans, "k=0", "valid values: an integer 1 <= k");
	refused_hp(&sg_algo_kmeans, "init_method=kmeans", "valid values: random,kmeans++");
	refused_hp(&sg_algo_kmeans, "k=2,algorithm=elkan", "valid values: lloyd,minibatch,auto");
	refused_hp(&sg_algo_kmeans, "k=2,tol=-1", "0 <= tol");
	refused_hp(&sg_algo_kmeans, "k=2,epochs=0", "1 <= epochs");
	refused_hp(&sg_algo_kmeans, "k=2,mini_batch_size=1.5", "not an integer");
	refused_hp(&sg_algo_kmeans, "init_method=random", "hyperparameter k is required");
	refused_hp(&sg_algo_kmeans, "k=2,half_life=3", "unknown hyperparameter 'half_life'");
	struct sg_xy *xy = three_clusters();
	refused_train(&sg_algo_kmeans, "k=61", xy, NULL, "k (61) is larger than the number of rows");
	refused_train(&sg_algo_kmeans, "k=2,eval_metrics=mse", xy, NULL,
		      "valid values: [\"msd\"], [\"ssd\"]");
	sg_xy_free(xy);
}

static void test_kmeans_overflow(void **state)
{
	(void)state;
	struct sg_xy *xy = three_clusters();
	for (size_t i = 0; i < xy->n * 2; i++)
		xy->x[i] = xy->x[i] * 1e160 + 1e200;
	struct points pts = { 0 };
	struct sg_error err = { 0 };
	assert_null(train(&sg_algo_kmeans, "k=2,init_method=random", xy, NULL, &pts, &err));
	assert_non_null(strstr(err.msg, "inertia became"));
	assert_true(pts.nonfinite);
	sg_xy_free(xy);
}

/* ---- pca ---------------------------------------------------------------------------- */

/* Rows +-a u1, +-b u2, +-c u3 (u: a rotation of the axes): the sample
 * covariance is 2 (a^2 u1u1' + b^2 u2u2' + c^2 u3u3') / 5. */
static const double U[3][3] = {
	{ 0.36, 0.48, -0.80 }, { -0.80, 0.60, 0.00 }, { 0.48, 0.64, 0.60 },
};
static const double SC[3] = { 5, 3, 1 };

static struct sg_xy *known_cov(double shift)
{
	struct sg_xy *xy = sg_xy_new(6, 3, SG_TASK_NONE);
	for (int r = 0; r < 6; r++)
		for (int j = 0; j < 3; j++)
			xy->x[r * 3 + j] = (r % 2 ? -1 : 1) * SC[r / 2] * U[r / 2][j] + shift;
	return xy;
}

static void check_pca(const char *text, double shift)
{
	struct sg_xy *xy = known_cov(shift);
	struct points pts = { 0 };
	struct sg_error err = { 0 };
	struct sg_model *m = train(&sg_algo_pca, text, xy, NULL, &pts, &err);
	if (!m)
		fail_msg("%s: %s", text, err.msg);
	for (int c = 0; c < 3; c++) {
		double want = 2 * SC[c] * SC[c] / 5;
		if (fabs(pts.ev[c] - want) > 1e-10 * want)
			fail_msg("%s: eigenvalue %d is %.17g, want %.17g", text, c, pts.ev[c], want);
	}
	/* the scores of +a u1 are (+-a, 0, 0): components are +-u (to the
	 * precision the shifted inputs themselves carry) */
	double *out = predict(m, xy->x, 6, NULL);
	for (int r = 0; r < 6; r += 2)
		for (int c = 0; c < 3; c++) {
			double want = c == r / 2 ? SC[c] : 0;
			if (fabs(fabs(out[r * 3 + c]) - want) > 1e-10 + 1e-15 * shift)
				fail_msg("%s: score[%d][%d] = %.17g, want +-%g", text, r, c,
					 out[r * 3 + c], want);
		}
	free(out);
	sg_model_free(m);
	sg_xy_free(xy);
}

static void test_pca_known_covariance(void **state)
{
	(void)state;
	check_pca("num_components=3", 0);
	check_pca("num_components=3", 1e6);  /* large means: centering keeps precision */
	check_pca("num_components=3,algorithm_mode=randomized", 0);
	/* randomized centers implicitly (X W - 1 mean'W): means cost eps * mean / sd */
	check_pca("num_components=3,algorithm_mode=randomized", 1e3);
}

static void test_pca_whiten_round_trip(void **state)
{
	(void)state;
	struct sg_xy *xy = known_cov(2);
	struct sg_model *m = train_ok(&sg_algo_pca, "num_components=2,whiten=true", xy);
	double *out = predict(m, xy->x, 6, NULL);
	for (int c = 0; c < 2; c++) {
		double ss = 0;
		for (int r = 0; r < 6; r++)
			ss += out[r * 2 + c] * out[r * 2 + c];
		assert_true(fabs(ss / 5 - 1) < 1e-10);   /* unit variance */
	}
	char *dir;
	struct sg_model *back = round_trip(m, &dir);
	double *o2 = predict(back, xy->x, 6, NULL);
	assert_memory_equal(out, o2, 12 * sizeof *out);
	assert_string_equal(back->outputs[1], "projection_2");
	free(out);
	free(o2);
	sg_model_free(back);
	sg_model_free(m);
	tu_rmtree(dir);
	free(dir);
	sg_xy_free(xy);
}

static void test_pca_refused(void **state)
{
	(void)state;
	refused_hp(&sg_algo_pca, "num_components=0", "1 <= num_components");
	refused_hp(&sg_algo_pca, "num_components=2,algorithm_mode=fast",
		   "valid values: regular,randomized,auto");
	refused_hp(&sg_algo_pca, "num_components=2,extra_components=-2", "-1 <= extra_components");
	refused_hp(&sg_algo_pca, "num_components=2,subtract_mean=maybe", "valid values: true, false");
	struct sg_xy *xy = known_cov(0);
	refused_train(&sg_algo_pca, "num_components=4", xy, NULL,
		      "num_components (4) is larger than the number of features");
	for (int i = 0; i < 18; i++)
		xy->x[i] *= 1e200;
	refused_train(&sg_algo_pca, "num_components=2", xy, NULL, "covariance became Inf");
	sg_xy_free(xy);
}

/* ---- knn ---------------------------------------------------------------------------- */

/* 1-D rows 0, 1, 2, 10, 11 with classes 0, 0, 1, 1, 1 (labels: the
 * regression targets 1, 2, 3, 4, 5 for regressors). */
static struct sg_xy *knn_set(enum sg_task task)
{
	static const double x[] = { 0, 1, 2, 10, 11 }, cls[] = { 0, 0, 1, 1, 1 };
	struct sg_xy *xy = sg_xy_new(5, 1, task);
	for (int i = 0; i < 5; i++) {
		xy->x[i] = x[i];
		xy->y[i] = task == SG_TASK_CLASSIFICATION ? cls[i] : i + 1;
	}
	if (task == SG_TASK_CLASSIFICATION) {
		static const char *const names[] = { "a", "b" };
		sg_xy_set_classes(xy, 2, names);
	}
	return xy;
}

static void test_knn_by_hand(void **state)
{
	(void)state;
	struct sg_xy *xy = knn_set(SG_TASK_CLASSIFICATION);
	const double q[] = { 1.4, 2.0, 10.6 };
	double proba[6];
	/* uniform, k=3: 1.4 -> rows 1, 2, 0 -> a, b, a */
	struct sg_model *m = train_ok(&sg_algo_knn, "k=3,predictor_type=classifier", xy);
	assert_int_equal(m->nout, 2);
	double *out = predict(m, q, 3, proba);
	assert_int_equal((int)out[0], 0);
	assert_true(fabs(proba[1] - 1.0 / 3) < 1e-12);
	assert_int_equal((int)out[2], 0);            /* 2.0 -> rows 2, 1, 0 -> b, a, a */
	assert_true(fabs(proba[3] - 1.0 / 3) < 1e-12);
	assert_int_equal((int)out[4], 1);            /* 10.6 -> rows 4, 3, 2: all b */
	assert_true(fabs(proba[5] - 1.0) < 1e-12);
	free(out);
	sg_model_free(m);
	/* distance weights: 1/0.4 + 1/1.4 for a, 1/0.6 for b */
	m = train_ok(&sg_algo_knn, "k=3,predictor_type=classifier,weights=distance", xy);
	out = predict(m, q, 3, proba);
	double wa = 1 / 0.4 + 1 / 1.4, wb = 1 / 0.6;
	assert_int_equal((int)out[0], 0);
	assert_true(fabs(proba[0] - wa / (wa + wb)) < 1e-12);
	assert_int_equal((int)out[2], 1);            /* 2.0 is a training row: it takes all */
	assert_true(proba[3] == 1.0 && proba[2] == 0.0);
	free(out);
	sg_model_free(m);
	sg_xy_free(xy);
}

static void test_knn_ties(void **state)
{
	(void)state;
	struct sg_xy *xy = sg_xy_new(3, 1, SG_TASK_CLASSIFICATION);
	static const char *const names[] = { "a", "b" };
	sg_xy_set_classes(xy, 2, names);
	xy->x[0] = 2, xy->y[0] = 1;                  /* row 0: b at 2 */
	xy->x[1] = 0, xy->y[1] = 0;                  /* row 1: a at 0 */
	xy->x[2] = 5, xy->y[2] = 0;
	const double q = 1;                          /* equidistant from rows 0 and 1 */
	struct sg_model *m = train_ok(&sg_algo_knn, "k=1,predictor_type=classifier", xy);
	double *out = predict(m, &q, 1, NULL);
	assert_int_equal((int)out[0], 1);            /* distance tie: the lower row (0, b) */
	free(out);
	sg_model_free(m);
	m = train_ok(&sg_algo_knn, "k=2,predictor_type=classifier", xy);
	out = predict(m, &q, 1, NULL);
	assert_int_equal((int)out[0], 0);            /* vote tie a:b = 1:1 -> the lower class */
	free(out);
	sg_model_free(m);
	sg_xy_free(xy);
}

static void test_knn_regressor_round_trip(void **state)
{
	(void)state;
	struct sg_xy *xy = knn_set(SG_TASK_REGRESSION);
	struct sg_model *m = train_ok(&sg_algo_knn, "k=2,predictor_type=regressor", xy);
	const double q[] = { 1.4, 10.4 };
	double *out = predict(m, q, 2, NULL);
	assert_int_equal(m->nout, 1);
	assert_true(fabs(out[0] - 2.5) < 1e-12);    /* rows 1, 2 */
	assert_true(fabs(out[1] - 4.5) < 1e-12);    /* rows 3, 4 */
	char *dir;
	struct sg_model *back = round_trip(m, &dir);
	double *o2 = predict(back, q, 2, NULL);
	assert_memory_equal(out, o2, 2 * sizeof *out);
	free(out);
	free(o2);
	sg_model_free(back);
	sg_model_free(m);
	tu_rmtree(dir);
	free(dir);
	/* COSINE and the sign projection run and round-trip too */
	struct sg_xy *xy2 = three_clusters();
	sg_xy_free(xy);
	xy = sg_xy_new(xy2->n, 2, SG_TASK_REGRESSION);
	memcpy(xy->x, xy2->x, xy2->n * 2 * sizeof *xy->x);
	for (size_t i = 0; i < xy->n; i++)
		xy->y[i] = (double)(i % 3);
	m = train_ok(&sg_algo_knn, "k=1,predictor_type=regressor,index_metric=COSINE", xy);
	out = predict(m, xy->x + 2, 2, NULL);        /* rows 1, 2 find themselves */
	assert_true(out[0] == 1 && out[1] == 2);
	free(out);
	sg_model_free(m);
	m = train_ok(&sg_algo_knn, "k=1,predictor_type=regressor,dimension_reduction_type=sign,"
		     "dimension_reduction_target=1,sample_size=30,seed=3", xy);
	back = round_trip(m, &dir);
	out = predict(m, xy->x, xy->n, NULL);
	o2 = predict(back, xy->x, xy->n, NULL);
	assert_memory_equal(out, o2, xy->n * sizeof *out);
	free(out);
	free(o2);
	sg_model_free(back);
	sg_model_free(m);
	tu_rmtree(dir);
	free(dir);
	sg_xy_free(xy2);
	sg_xy_free(xy);
}

static void test_knn_refused(void **state)
{
	(void)state;
	refused_hp(&sg_algo_knn, "k=3", "hyperparameter predictor_type is required");
	refused_hp(&sg_algo_knn, "k=3,predictor_type=binary_classifier",
		   "valid values: classifier,regressor");
	refused_hp(&sg_algo_knn, "k=3,predictor_type=classifier,index_type=faiss.IVFPQ",
		   "valid values: faiss.Flat");
	refused_hp(&sg_algo_knn, "k=3,predictor_type=classifier,dimension_reduction_type=fjlt",
		   "valid values: none,sign");
	refused_hp(&sg_algo_knn, "k=3,predictor_type=classifier,weights=gaussian",
		   "valid values: uniform,distance");
	refused_hp(&sg_algo_knn, "k=-1,predictor_type=classifier", "1 <= k");
	struct sg_xy *xy = knn_set(SG_TASK_CLASSIFICATION);
	refused_train(&sg_algo_knn, "k=6,predictor_type=classifier", xy, NULL,
		      "k (6) is larger than the number of training rows (5)");
	refused_train(&sg_algo_knn, "k=2,predictor_type=classifier,sample_size=9", xy, NULL,
		      "sample_size (9) is larger");
	refused_train(&sg_algo_knn, "k=2,predictor_type=classifier,dimension_reduction_type=sign",
		      xy, NULL, "needs dimension_reduction_target");
	xy->x[4] = 1e200;
	refused_train(&sg_algo_knn, "k=2,predictor_type=classifier", xy, NULL, "not finite");
	sg_xy_free(xy);
}

/* ---- xgboost ---------------------------------------------------------------------- */

/* Class 1 exactly when x0 > 0.5; x1 is noise. */
static struct sg_xy *rule_set(size_t n)
{
	struct sg_xy *xy = sg_xy_new(n, 2, SG_TASK_CLASSIFICATION);
	static const char *const names[] = { "no", "yes" };
	sg_xy_set_classes(xy, 2, names);
	for (size_t i = 0; i < n; i++) {
		xy->x[2 * i] = (double)((i * 37) % n) / (double)n;
		xy->x[2 * i + 1] = (double)((i * 101) % 17);
		xy->y[i] = xy->x[2 * i] > 0.5;
	}
	return xy;
}

static void test_xgboost_rule_round_trip(void **state)
{
	(void)state;
	struct sg_xy *xy = rule_set(400);
	struct points pts = { 0 };
	struct sg_error err = { 0 };
	struct sg_model *m = train(&sg_algo_xgboost, "{\"num_round\": 20, \"objective\": "
				   "\"binary:logistic\", \"max_depth\": 2, \"eval_metric\": "
				   "\"logloss,error\"}", xy, xy, &pts, &err);
	if (!m)
		fail_msg("%s", err.msg);
	assert_int_equal(pts.logloss, 20);
	double proba[800];
	double *out = predict(m, xy->x, xy->n, proba);
	for (size_t i = 0; i < xy->n; i++) {
		assert_int_equal((int)out[2 * i], (int)xy->y[i]);
		assert_true(fabs(proba[2 * i] + proba[2 * i + 1] - 1) < 1e-12);
	}
	char *dir;
	struct sg_model *back = round_trip(m, &dir);
	double *o2 = predict(back, xy->x, xy->n, NULL);
	assert_memory_equal(out, o2, xy->n * 2 * sizeof *out);
	char *file = sg_path_join(dir, "xgboost-model.json");
	assert_true(sg_is_file(file));
	free(file);
	free(out);
	free(o2);
	sg_model_free(back);
	sg_model_free(m);
	tu_rmtree(dir);
	free(dir);
	sg_xy_free(xy);
}

static void test_xgboost_seed_multiclass(void **state)
{
	(void)state;
	struct sg_xy *xy = rule_set(300);
	static const char *const names[] = { "a", "b", "c" };
	sg_xy_set_classes(xy, 3, names);
	for (size_t i = 0; i < xy->n; i++)
		xy->y[i] = xy->x[2 * i] < 0.3 ? 0 : xy->x[2 * i] < 0.6 ? 1 : 2;
	const char *text = "num_round=10,objective=multi:softprob,subsample=0.7,"
			   "colsample_bytree=0.5,seed=11";
	struct sg_model *m1 = train_ok(&sg_algo_xgboost, text, xy);
	struct sg_model *m2 = train_ok(&sg_algo_xgboost, text, xy);
	double p1[900], p2[900];
	double *o1 = predict(m1, xy->x, xy->n, p1), *o2 = predict(m2, xy->x, xy->n, p2);
	assert_memory_equal(p1, p2, sizeof p1);
	size_t ok = 0;
	for (size_t i = 0; i < xy->n; i++)
		ok += o1[i] == xy->y[i];
	assert_true(ok >= 295);
	free(o1);
	free(o2);
	sg_model_free(m1);
	sg_model_free(m2);
	/* multi:softmax gives the same classes */
	m1 = train_ok(&sg_algo_xgboost, "num_round=10,objective=multi:softmax,num_class=3", xy);
	o1 = predict(m1, xy->x, xy->n, p1);
	for (size_t i = 0; i < xy->n; i++)
		assert_true(p1[3 * i + (size_t)o1[i]] >= 1.0 / 3);
	free(o1);
	sg_model_free(m1);
	sg_xy_free(xy);
}

static void test_xgboost_early_stopping(void **state)
{
	(void)state;
	struct sg_xy *tr = rule_set(400), *va = rule_set(200);
	for (size_t i = 0; i < va->n; i++)          /* validation labels unrelated to x */
		va->y[i] = (double)((i * 7) % 3 == 0);
	struct points pts = { 0 };
	struct sg_error err = { 0 };
	struct sg_model *m = train(&sg_algo_xgboost, "num_round=200,objective=binary:logistic,"
				   "eval_metric=logloss,early_stopping_rounds=3", tr, va, &pts, &err);
	if (!m)
		fail_msg("%s", err.msg);
	assert_true(pts.logloss < 200);
	char *dir;
	struct sg_model *back = round_trip(m, &dir);
	double *o1 = predict(m, tr->x, tr->n, NULL), *o2 = predict(back, tr->x, tr->n, NULL);
	assert_memory_equal(o1, o2, tr->n * 2 * sizeof *o1);
	free(o1);
	free(o2);
	sg_model_free(back);
	sg_model_free(m);
	tu_rmtree(dir);
	free(dir);
	sg_xy_free(tr);
	sg_xy_free(va);
}

static void test_xgboost_refused(void **state)
{
	(void)state;
	refused_hp(&sg_algo_xgboost, "num_round=5,eta=2", "0 <= eta <= 1");
	refused_hp(&sg_algo_xgboost, "num_round=5,subsample=0", "0 < subsample <= 1");
	refused_hp(&sg_algo_xgboost, "num_round=5,max_depth=-1", "0 <= max_depth");
	refused_hp(&sg_algo_xgboost, "num_round=5,tree_method=gpu_hist",
		   "valid values: auto,exact,approx,hist");
	refused_hp(&sg_algo_xgboost, "num_round=5,objective=rank:pairwise", "valid values: reg:");
	refused_hp(&sg_algo_xgboost, "eta=0.1", "hyperparameter num_round is required");
	refused_hp(&sg_algo_xgboost, "num_round=5,tweedie_variance_power=2",
		   "1 < tweedie_variance_power < 2");
	struct sg_xy *xy = rule_set(50);
	refused_train(&sg_algo_xgboost, "num_round=5,objective=binary:logistic,eval_metric=accuracy",
		      xy, NULL, "valid values: rmse");
	refused_train(&sg_algo_xgboost, "num_round=5,objective=binary:logistic,"
		      "early_stopping_rounds=2", xy, NULL, "needs a validation channel");
	refused_train(&sg_algo_xgboost, "num_round=5,objective=multi:softprob,num_class=4", xy, NULL,
		      "num_class is 4 but");
	static const char *const names[] = { "a", "b", "c" };
	sg_xy_set_classes(xy, 3, names);
	refused_train(&sg_algo_xgboost, "num_round=5,objective=binary:logistic", xy, NULL,
		      "needs 2 classes");
	sg_xy_free(xy);
}

static void test_xgboost_overflow(void **state)
{
	(void)state;
	struct sg_xy *xy = sg_xy_new(50, 1, SG_TASK_REGRESSION);
	for (size_t i = 0; i < 50; i++) {
		xy->x[i] = (double)i;
		xy->y[i] = i % 2 ? 3e38 : -3e38;         /* squares overflow */
	}
	struct points pts = { 0 };
	struct sg_error err = { 0 };
	assert_null(train(&sg_algo_xgboost, "num_round=5,eta=1", xy, NULL, &pts, &err));
	if (!strstr(err.msg, "became NaN/Inf at round 0"))
		fail_msg("%s", err.msg);
	assert_true(pts.nonfinite);
	sg_xy_free(xy);
}

/* ---- through the job entry --------------------------------------------------------- */

static void test_job_end_to_end(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char csv[4096] = "y,f1,f2\n";
	for (int i = 0; i < 60; i++) {
		char line[64];
		snprintf(line, sizeof line, "%s,%d,%d\n", i % 3 ? "b" : "a", (i % 3) * 50 + i % 4,
			 i % 5);
		strcat(csv, line);
	}
	char *path = tu_write(dir, "train.csv", csv);
	char *mdir = sg_path_join(dir, "model");
	static const char *const jobs[][2] = {
		{ "knn", "target=y,k=3,predictor_type=classifier" },
		{ "kmeans", "target=y,k=3" },
		{ "pca", "target=y,num_components=1" },
		{ "xgboost", "target=y,num_round=5,objective=binary:logistic" },
	};
	for (size_t j = 0; j < 4; j++) {
		struct points pts = { 0 };
		struct sg_error err = { 0 };
		struct sg_algo_job job = { .algo = jobs[j][0], .train = path, .validation = path,
					   .hps = jobs[j][1], .model_dir = mdir, .report = collect,
					   .report_ud = &pts, .threads = 2 };
		if (sg_algo_run(&job, &err) != 0)
			fail_msg("%s: %s", jobs[j][0], err.msg);
		struct sg_model *m = sg_model_load(mdir, &err);
		assert_non_null(m);
		assert_string_equal(m->algo->name, jobs[j][0]);
		if (j == 0)   /* knn: validation evaluated, train skipped */
			assert_true(strncmp(pts.key, "validation:", 11) == 0);
		sg_model_free(m);
	}
	tu_rmtree(dir);
	free(path);
	free(mdir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kmeans_separated),
		cmocka_unit_test(test_kmeans_metrics_and_seed),
		cmocka_unit_test(test_kmeans_round_trip),
		cmocka_unit_test(test_kmeans_refused),
		cmocka_unit_test(test_kmeans_overflow),
		cmocka_unit_test(test_pca_known_covariance),
		cmocka_unit_test(test_pca_whiten_round_trip),
		cmocka_unit_test(test_pca_refused),
		cmocka_unit_test(test_knn_by_hand),
		cmocka_unit_test(test_knn_ties),
		cmocka_unit_test(test_knn_regressor_round_trip),
		cmocka_unit_test(test_knn_refused),
		cmocka_unit_test(test_xgboost_rule_round_trip),
		cmocka_unit_test(test_xgboost_seed_multiclass),
		cmocka_unit_test(test_xgboost_early_stopping),
		cmocka_unit_test(test_xgboost_refused),
		cmocka_unit_test(test_xgboost_overflow),
		cmocka_unit_test(test_job_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
