/* test_algo.c — the algorithm framework and linear-learner: known answers
 * (exact least squares, separable data, a small multiclass set), L1 zeros,
 * determinism, save/load round trips, early stopping, the loader's two
 * conventions and recipe, and every refusal with its message. */
#include "tests/testutil.h"

#include <dirent.h>
#include <math.h>
#include "core/algo.h"
#include "core/recipe.h"
#include "core/util.h"

struct ctx {
	char *dir;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	c->dir = tu_tempdir();
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	tu_rmtree(c->dir);
	free(c->dir);
	free(c);
	return 0;
}

static double unif(struct sg_rng *g)
{
	return ((double)(sg_rng_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(struct sg_rng *g)
{
	return sqrt(-2 * log(unif(g))) * cos(2 * M_PI * unif(g));
}

/* Writes a CSV with header "y,x1..xd" from rows of (label, features). */
static char *write_xy(const char *dir, const char *name, size_t n, int d, const double *x,
		      const double *y, int header, int int_labels)
{
	char *path = sg_path_join(dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	if (header) {
		fputs("y", f);
		for (int j = 0; j < d; j++)
			fprintf(f, ",x%d", j + 1);
		fputc('\n', f);
	}
	for (size_t i = 0; i < n; i++) {
		if (int_labels)
			fprintf(f, "%d", (int)y[i]);
		else
			fprintf(f, "%.17g", y[i]);
		for (int j = 0; j < d; j++)
			fprintf(f, ",%.17g", x[i * (size_t)d + (size_t)j]);
		fputc('\n', f);
	}
	fclose(f);
	return path;
}

static struct sg_model *train_load(const char *dir, const char *train, const char *valid,
				   const char *hps, sg_metric_report_fn fn, void *ud)
{
	char *model = sg_path_join(dir, "model");
	struct sg_error err = { 0 };
	int rc = sg_algo_train_job("linear-learner", train, valid, hps, model, fn, ud, &err);
	if (rc != 0)
		fail_msg("train: %s", err.msg);
	struct sg_model *m = sg_model_load(model, &err);
	if (!m)
		fail_msg("load: %s", err.msg);
	free(model);
	return m;
}

/* The raw-space weight of feature j: predict(e_j) - predict(0) (first output). */
static double weight_of(const struct sg_model *m, int j, int out_col)
{
	double *x = calloc((size_t)m->d * 2, sizeof *x), out[8];
	x[m->d + j] = 1;
	assert_int_equal(sg_model_predict(m, x, 2, out, NULL, NULL), 0);
	free(x);
	return out[m->nout + out_col] - out[out_col];
}

/* ---- known answers ------------------------------------------------------------ */

static void test_least_squares(void **state)
{
	struct ctx *c = *state;
	size_t n = 300;
	int d = 5;
	double w[] = { 1.5, -2.0, 0.25, 3.0, -0.75 }, b = 0.5;
	double *x = malloc(n * (size_t)d * sizeof *x), *y = malloc(n * sizeof *y);
	struct sg_rng g;
	sg_rng_seed(&g, 1);
	for (size_t i = 0; i < n; i++) {
		y[i] = b;
		for (int j = 0; j < d; j++) {
			x[i * (size_t)d + (size_t)j] = gauss(&g) * (j + 1) + j;
			y[i] += w[j] * x[i * (size_t)d + (size_t)j];
		}
	}
	char *path = write_xy(c->dir, "ls.csv", n, d, x, y, 1, 0);
	struct sg_model *m = train_load(c->dir, path, NULL, "predictor_type=regressor,target=y",
					NULL, NULL);
	for (int j = 0; j < d; j++)
		assert_true(fabs(weight_of(m, j, 0) - w[j]) < 1e-8);
	double zero[5] = { 0 }, out;
	sg_model_predict(m, zero, 1, &out, NULL, NULL);
	assert_true(fabs(out - b) < 1e-8);
	sg_model_free(m);
	/* L-BFGS gets there too, to its tolerance */
	m = train_load(c->dir, path, NULL, "predictor_type=regressor,target=y,optimizer=lbfgs,"
		       "tolerance=1e-12,max_iterations=500", NULL, NULL);
	for (int j = 0; j < d; j++)
		assert_true(fabs(weight_of(m, j, 0) - w[j]) < 1e-6);
	sg_model_free(m);
	free(path);
	free(x);
	free(y);
}

static void test_separable(void **state)
{
	struct ctx *c = *state;
	size_t n = 400;
	int d = 3;
	double *x = malloc(n * (size_t)d * sizeof *x), *y = malloc(n * sizeof *y);
	struct sg_rng g;
	sg_rng_seed(&g, 2);
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (int j = 0; j < d; j++)
			s += (x[i * (size_t)d + (size_t)j] = gauss(&g)) * (j + 1);
		if (fabs(s) < 0.3)   /* a margin around the separating plane */
			x[i * (size_t)d] += s > 0 ? 0.5 : -0.5, s += s > 0 ? 0.5 : -0.5;
		y[i] = s > 0;
	}
	char *path = write_xy(c->dir, "sep.csv", n, d, x, y, 1, 1);
	struct sg_model *m = train_load(c->dir, path, NULL,
					"predictor_type=binary_classifier,target=y", NULL, NULL);
	double *out = malloc(n * 2 * sizeof *out);
	assert_int_equal(sg_model_predict(m, x, n, out, NULL, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal((int)out[2 * i], (int)y[i]);
	assert_string_equal(m->classes[1], "1");
	assert_string_equal(m->outputs[1], "score");
	sg_model_free(m);
	free(out);
	free(path);
	free(x);
	free(y);
}

static char *three_blobs(const char *dir, const char *name, size_t n, uint64_t seed,
			 double **xs, double **ys)
{
	int d = 2;
	double cx[] = { 0, 6, 0 }, cy[] = { 0, 0, 6 };
	double *x = malloc(n * 2 * sizeof *x), *y = malloc(n * sizeof *y);
	struct sg_rng g;
	sg_rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		int k = (int)(i % 3);
		x[2 * i] = cx[k] + gauss(&g) * 0.5;
		x[2 * i + 1] = cy[k] + gauss(&g) * 0.5;
		y[i] = k;
	}
	/* class texts, to check they come back sorted and mapped */
	char *path = sg_path_join(dir, name);
	FILE *f = fopen(path, "w");
	const char *names[] = { "red", "green", "blue" };
	fputs("a,b,color\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%.17g,%.17g,%s\n", x[i * (size_t)d], x[i * (size_t)d + 1], names[(int)y[i]]);
	fclose(f);
	*xs = x;
	*ys = y;
	return path;
}

static void test_multiclass(void **state)
{
	struct ctx *c = *state;
	double *x, *y;
	size_t n = 150;
	char *path = three_blobs(c->dir, "blobs.csv", n, 3, &x, &y);
	struct sg_model *m = train_load(c->dir, path, NULL,
					"predictor_type=multiclass_classifier,target=color", NULL,
					NULL);
	assert_int_equal(m->nclasses, 3);
	assert_string_equal(m->classes[0], "blue");   /* sorted bytewise */
	assert_string_equal(m->classes[1], "green");
	assert_string_equal(m->classes[2], "red");
	double *out = malloc(n * sizeof *out), *pr = malloc(n * 3 * sizeof *pr);
	assert_int_equal(sg_model_predict(m, x, n, out, pr, NULL), 0);
	const char *names[] = { "red", "green", "blue" };
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(m->classes[(int)out[i]], names[(int)y[i]]);
		assert_true(fabs(pr[3 * i] + pr[3 * i + 1] + pr[3 * i + 2] - 1) < 1e-12);
	}
	sg_model_free(m);
	free(out);
	free(pr);
	free(path);
	free(x);
	free(y);
}

/* ---- L1, determinism, round trips, early stopping -------------------------------- */

static char *noisy_binary(const char *dir, const char *name, size_t n, int d, int relevant,
			  uint64_t seed, int flip_all)
{
	double *x = malloc(n * (size_t)d * sizeof *x), *y = malloc(n * sizeof *y);
	struct sg_rng g;
	sg_rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (int j = 0; j < d; j++) {
			x[i * (size_t)d + (size_t)j] = gauss(&g);
			if (j < relevant)
				s += x[i * (size_t)d + (size_t)j] * 2;
		}
		s += gauss(&g);
		y[i] = flip_all ? unif(&g) < 0.5 : s > 0;
	}
	char *path = write_xy(dir, name, n, d, x, y, 1, 1);
	free(x);
	free(y);
	return path;
}

static void test_l1_zeros(void **state)
{
	struct ctx *c = *state;
	int d = 10;
	char *path = noisy_binary(c->dir, "l1.csv", 2000, d, 3, 4, 0);
	struct sg_model *m = train_load(c->dir, path, NULL,
					"predictor_type=binary_classifier,target=y,l1=0.05", NULL,
					NULL);
	for (int j = 0; j < d; j++) {
		double w = weight_of(m, j, 1);
		if (j < 3)
			assert_true(fabs(w) > 1e-3);
		else
			assert_true(w == 0.0);   /* exactly: OWL-QN's orthant projection */
	}
	sg_model_free(m);
	/* the proximal step of Adam gives exact zeros too */
	m = train_load(c->dir, path, NULL, "predictor_type=binary_classifier,target=y,l1=0.05,"
		       "optimizer=adam,learning_rate=0.01,mini_batch_size=100,epochs=20", NULL, NULL);
	int zeros = 0;
	for (int j = 3; j < d; j++)
		zeros += weight_of(m, j, 1) == 0.0;
	assert_true(zeros >= 5);
	sg_model_free(m);
	free(path);
}

static double *predict_file(struct sg_model *m, double *x, size_t n)
{
	double *out = malloc(n * (size_t)m->nout * sizeof *out + 8);
	assert_int_equal(sg_model_predict(m, x, n, out, NULL, NULL), 0);
	return out;
}

static void test_determinism(void **state)
{
	struct ctx *c = *state;
	char *path = noisy_binary(c->dir, "det.csv", 3000, 6, 6, 5, 0);
	const char *hp = "predictor_type=binary_classifier,target=y,optimizer=adam,seed=%d,"
			 "mini_batch_size=64,epochs=3";
	char h1[200], h2[200];
	snprintf(h1, sizeof h1, hp, 11);
	snprintf(h2, sizeof h2, hp, 12);
	double x[6 * 4];
	struct sg_rng g;
	sg_rng_seed(&g, 9);
	for (int i = 0; i < 24; i++)
		x[i] = gauss(&g);
	struct sg_model *a = train_load(c->dir, path, NULL, h1, NULL, NULL);
	double *pa = predict_file(a, x, 4);
	struct sg_model *b = train_load(c->dir, path, NULL, h1, NULL, NULL);
	double *pb = predict_file(b, x, 4);
	struct sg_model *d = train_load(c->dir, path, NULL, h2, NULL, NULL);
	double *pd = predict_file(d, x, 4);
	assert_memory_equal(pa, pb, 8 * sizeof *pa);
	assert_memory_not_equal(pa, pd, 8 * sizeof *pa);
	sg_model_free(a);
	sg_model_free(b);
	sg_model_free(d);
	free(pa);
	free(pb);
	free(pd);
	free(path);
}

static void test_round_trip(void **state)
{
	struct ctx *c = *state;
	/* 1,600 features x 3 classes: the weights go to a side file */
	int d = 1600;
	size_t n = 120;
	double *x = malloc(n * (size_t)d * sizeof *x), *y = malloc(n * sizeof *y);
	struct sg_rng g;
	sg_rng_seed(&g, 6);
	for (size_t i = 0; i < n * (size_t)d; i++)
		x[i] = gauss(&g);
	for (size_t i = 0; i < n; i++)
		y[i] = (double)(i % 3);
	char *path = write_xy(c->dir, "wide.csv", n, d, x, y, 1, 1);
	char *model = sg_path_join(c->dir, "model");
	struct sg_error err = { 0 };
	assert_int_equal(sg_algo_train_job("linear-learner", path, NULL,
					   "{\"predictor_type\": \"multiclass_classifier\", "
					   "\"target\": \"y\", \"max_iterations\": 20}", model, NULL,
					   NULL, &err), 0);
	char *side = sg_path_join(model, "weights.f64");
	assert_true(sg_is_file(side));
	struct sg_model *m1 = sg_model_load(model, &err);
	assert_non_null(m1);
	/* save the loaded model elsewhere and load it again: identical bytes out */
	char *model2 = sg_path_join(c->dir, "model2");
	assert_int_equal(sg_model_save(m1, model2, &err), 0);
	struct sg_model *m2 = sg_model_load(model2, &err);
	assert_non_null(m2);
	double *p1 = malloc(n * 3 * sizeof *p1), *p2 = malloc(n * 3 * sizeof *p2);
	double *o1 = predict_file(m1, x, n), *o2 = predict_file(m2, x, n);
	sg_model_predict(m1, x, n, o1, p1, NULL);
	sg_model_predict(m2, x, n, o2, p2, NULL);
	assert_memory_equal(p1, p2, n * 3 * sizeof *p1);
	assert_memory_equal(o1, o2, n * sizeof *o1);
	assert_int_equal(m2->d, d);
	assert_string_equal(m2->features[1599], "x1600");
	assert_string_equal(sg_hps_str(m2->hps, "max_iterations"), "20");
	sg_model_free(m1);
	sg_model_free(m2);
	free(p1);
	free(p2);
	free(o1);
	free(o2);
	free(model);
	free(model2);
	free(side);
	free(path);
	free(x);
	free(y);
}

struct iters {
	long long last_valid;
	int nvalid;
	int saw_acc;
};

static void count_valid(void *ud, const char *key, long long it, double v)
{
	struct iters *s = ud;
	if (strcmp(key, "validation:objective_loss") == 0) {
		s->last_valid = it;
		s->nvalid++;
	}
	if (strcmp(key, "validation:binary_classification_accuracy") == 0)
		s->saw_acc = 1;
	(void)v;
}

static void test_early_stopping(void **state)
{
	struct ctx *c = *state;
	char *train = noisy_binary(c->dir, "es-train.csv", 2000, 5, 5, 7, 0);
	/* validation labels are coin flips: its loss cannot keep improving */
	char *valid = noisy_binary(c->dir, "es-valid.csv", 500, 5, 5, 8, 1);
	struct iters s = { 0 };
	struct sg_model *m = train_load(c->dir, train, valid,
					"predictor_type=binary_classifier,target=y,optimizer=adam,"
					"epochs=200,early_stopping_patience=2,learning_rate=0.05,"
					"mini_batch_size=50", count_valid, &s);
	assert_true(s.nvalid > 0 && s.nvalid < 60);
	assert_true(s.saw_acc);
	assert_int_equal(m->valid_rows, 500);
	sg_model_free(m);
	free(train);
	free(valid);
}

static double recall_of_1(struct sg_model *m, const char *path)
{
	struct sg_xy_opts o = { .task = SG_TASK_CLASSIFICATION, .target = "y", .like_d = m->d,
				.like_names = m->features, .like_nclasses = m->nclasses,
				.like_classes = m->classes };
	struct sg_xy *xy;
	assert_int_equal(sg_xy_load(path, &o, &xy, NULL), 0);
	double *out = predict_file(m, xy->x, xy->n);
	size_t tp = 0, pos = 0;
	for (size_t i = 0; i < xy->n; i++)
		if (xy->y[i] == 1) {
			pos++;
			tp += out[2 * i] == 1;
		}
	free(out);
	sg_xy_free(xy);
	return (double)tp / (double)pos;
}

static void test_class_weights(void **state)
{
	struct ctx *c = *state;
	/* about 1 positive in 10, overlapping classes */
	size_t n = 3000;
	double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
	struct sg_rng g;
	sg_rng_seed(&g, 12);
	for (size_t i = 0; i < n; i++) {
		y[i] = unif(&g) < 0.1;
		x[i] = gauss(&g) + (y[i] ? 1.0 : 0.0);
	}
	char *path = write_xy(c->dir, "imb.csv", n, 1, x, y, 1, 1);
	const char *base = "predictor_type=binary_classifier,target=y";
	struct sg_model *plain = train_load(c->dir, path, NULL, base, NULL, NULL);
	double r0 = recall_of_1(plain, path);
	sg_model_free(plain);
	char hp[200];
	snprintf(hp, sizeof hp, "%s,positive_example_weight_mult=balanced", base);
	struct sg_model *bal = train_load(c->dir, path, NULL, hp, NULL, NULL);
	double r1 = recall_of_1(bal, path);
	sg_model_free(bal);
	snprintf(hp, sizeof hp, "%s,positive_example_weight_mult=50", base);
	struct sg_model *heavy = train_load(c->dir, path, NULL, hp, NULL, NULL);
	double r2 = recall_of_1(heavy, path);
	sg_model_free(heavy);
	assert_true(r0 < 0.2);          /* the minority class is mostly missed */
	assert_true(r1 > 0.6);          /* balanced weights find it */
	assert_true(r2 > r1);
	free(path);
	free(x);
	free(y);
}

static void saw_nonfinite(void *ud, const char *key, long long it, double v)
{
	(void)it;
	if (strcmp(key, "train:objective_loss") == 0 && !isfinite(v))
		*(int *)ud = 1;
}

static void test_diverging(void **state)
{
	struct ctx *c = *state;
	char *path = noisy_binary(c->dir, "div.csv", 500, 3, 3, 14, 0);
	char *model = sg_path_join(c->dir, "dm");
	int seen = 0;
	struct sg_error err = { 0 };
	assert_int_equal(sg_algo_train_job("linear-learner", path, NULL,
					   "predictor_type=regressor,target=y,optimizer=sgd,"
					   "learning_rate=1e6,epochs=50,normalize_data=false", model,
					   saw_nonfinite, &seen, &err), -1);
	assert_non_null(strstr(err.msg, "the loss became"));
	assert_true(seen);   /* the ExplodingTensor rule gets to see it */
	assert_false(sg_is_dir(model));
	free(model);
	free(path);
}

static void test_cancel(void **state)
{
	struct ctx *c = *state;
	char *path = noisy_binary(c->dir, "cancel.csv", 500, 3, 3, 13, 0);
	atomic_int cancel = 1;
	char *model = sg_path_join(c->dir, "cm");
	struct sg_algo_job job = { .algo = "linear-learner", .train = path, .model_dir = model,
				   .hps = "predictor_type=binary_classifier,target=y",
				   .cancel = &cancel };
	assert_int_equal(sg_algo_run(&job, NULL), 1);
	assert_false(sg_is_dir(model));
	free(model);
	free(path);
}

/* ---- loading ------------------------------------------------------------------------ */

static void test_sagemaker_convention(void **state)
{
	struct ctx *c = *state;
	/* no header, label first; a folder holding one file is a channel */
	char *chan = sg_path_join(c->dir, "train");
	assert_int_equal(sg_mkdir_p(chan, 0755, NULL), 0);
	free(tu_write(chan, "part.csv", "1,0.5,2\n0,-1,3\n1,2e-1,4\n0,-.5,5\n"));
	struct sg_xy_opts o = { .task = SG_TASK_CLASSIFICATION, .channel = "train" };
	struct sg_xy *xy;
	struct sg_error err = { 0 };
	assert_int_equal(sg_xy_load(chan, &o, &xy, &err), 0);
	assert_int_equal(xy->n, 4);
	assert_int_equal(xy->d, 2);
	assert_string_equal(xy->names[0], "column_2");
	assert_true(xy->x[0] == 0.5 && xy->x[4] == 0.2 && xy->x[6] == -0.5 && xy->x[7] == 5);
	assert_true(xy->y[0] == 1 && xy->y[1] == 0);
	sg_xy_free(xy);
	free(chan);
}

static void test_numbers_exact(void **state)
{
	(void)state;
	struct sg_rng g;
	sg_rng_seed(&g, 10);
	char buf[64];
	for (int i = 0; i < 20000; i++) {
		double v = (unif(&g) - 0.5) * pow(10, (int)(unif(&g) * 40) - 20);
		snprintf(buf, sizeof buf, i % 3 == 0 ? "%.17g" : i % 3 == 1 ? "%.6f" : "%.9e", v);
		double got;
		assert_int_equal(sg_parse_double(buf, strlen(buf), &got), 0);
		assert_true(got == strtod(buf, NULL));
	}
	double v;
	assert_int_equal(sg_parse_double("true", 4, &v), 0);
	assert_true(v == 1);
	assert_int_equal(sg_parse_double("NA", 2, &v), -1);
	assert_int_equal(sg_parse_double("1.5x", 4, &v), -1);
	assert_int_equal(sg_parse_double("", 0, &v), -1);
}

static void test_recipe_attached(void **state)
{
	struct ctx *c = *state;
	char *data = tu_write(c->dir, "r.csv", "city,age,y\nSeoul,30,1\nBusan,40,0\nSeoul,,1\n"
				"Busan,50,0\nSeoul,35,1\nBusan,45,0\n");
	char *recipe = tu_write(c->dir, "recipe.json",
				"{\"version\": 1, \"steps\": [{\"op\": \"one_hot\", \"columns\": "
				"[\"city\"]}, {\"op\": \"impute\", \"columns\": [\"age\"], "
				"\"strategy\": \"mean\"}]}");
	char hp[512];
	snprintf(hp, sizeof hp, "predictor_type=binary_classifier,target=y,recipe=%s", recipe);
	struct sg_model *m = train_load(c->dir, data, NULL, hp, NULL, NULL);
	assert_non_null(m->recipe);
	assert_true(sg_recipe_is_fitted(m->recipe));
	assert_int_equal(m->d, 4);   /* city=Seoul, city=Busan, city=other, age */
	/* predicting streams the raw CSV through the attached recipe */
	struct sg_xy_opts o = { .task = m->task, .label = SG_LABEL_OPTIONAL, .target = m->target,
				.recipe = m->recipe, .like_d = m->d, .like_names = m->features,
				.like_nclasses = m->nclasses, .like_classes = m->classes };
	struct sg_error err = { 0 };
	char *newdata = tu_write(c->dir, "new.csv", "age,city\n33,Seoul\n,Daegu\n");
	struct sg_xy_stream *s = sg_xy_stream_open(newdata, &o, &err);
	assert_non_null(s);
	const struct sg_xy *b;
	assert_int_equal(sg_xy_stream_next(s, 10, &b, &err), 2);
	assert_int_equal(b->d, 4);
	/* features: city=Busan, city=Seoul (a tie in counts: bytewise), city=other, age
	 * — by name, although this file has age first */
	assert_string_equal(m->features[1], "city=Seoul");
	assert_true(b->x[0] == 0 && b->x[1] == 1 && b->x[2] == 0 && b->x[3] == 33);
	assert_true(b->x[4] == 0 && b->x[5] == 0 && b->x[6] == 1 && b->x[7] == 40);
	assert_int_equal(sg_xy_stream_next(s, 10, &b, &err), 0);
	sg_xy_stream_free(s);
	sg_model_free(m);
	free(newdata);
	free(data);
	free(recipe);
}

/* ---- refusals ------------------------------------------------------------------------ */

static void expect_error(const char *dir, const char *train, const char *valid, const char *hps,
			 const char *needle1, const char *needle2)
{
	char *model = sg_path_join(dir, "bad-model");
	struct sg_error err = { 0 };
	int rc = sg_algo_train_job("linear-learner", train, valid, hps, model, NULL, NULL, &err);
	if (rc != -1 || !strstr(err.msg, needle1) || (needle2 && !strstr(err.msg, needle2)))
		fail_msg("rc %d, message: %s (wanted '%s' and '%s')", rc, err.msg, needle1,
			 needle2 ? needle2 : "");
	assert_false(sg_is_dir(model));   /* refused before any work */
	free(model);
}

static void test_bad_input(void **state)
{
	struct ctx *c = *state;
	const char *d = c->dir, *bin = "predictor_type=binary_classifier,target=y";
	char *good = tu_write(d, "good.csv", "y,a,b\n1,1,2\n0,3,4\n1,5,6\n");
	char *city = tu_write(d, "city.csv", "y,a,city\n1,1,Seoul\n0,3,Busan\n");
	expect_error(d, city, NULL, bin, "data row 1, column 'city' (3): 'Seoul' is not a number",
		     "\"op\": \"one_hot\", \"columns\": [\"city\"]");
	char *miss = tu_write(d, "miss.csv", "y,a,b\n1,1,2\n0,,4\n");
	expect_error(d, miss, NULL, bin, "data row 2, column 'a' (2): missing value", "impute");
	expect_error(d, good, NULL, "predictor_type=binary_classifier,target=label",
		     "no label column 'label'", "columns: y, a, b");
	char *one = tu_write(d, "one.csv", "y,a\n1,1\n1,2\n");
	expect_error(d, one, NULL, bin, "single class ('1')", "at least two");
	char *other = tu_write(d, "other.csv", "y,a,c\n1,1,2\n");
	expect_error(d, good, other, bin, "validation channel's columns differ", "no column 'b'");
	/* SageMaker's convention: no header, so columns are matched by count */
	char *nh = tu_write(d, "nh.csv", "1,1,2\n0,3,4\n");
	char *fewer = tu_write(d, "fewer.csv", "1,2\n");
	expect_error(d, nh, fewer, "predictor_type=binary_classifier",
		     "columns differ from train's: 1 features, train has 2", NULL);
	free(nh);
	char *unseen = tu_write(d, "unseen.csv", "y,a,b\n7,1,2\n");
	expect_error(d, good, unseen, bin, "class '7' does not occur in the train channel", NULL);
	char *ragged = tu_write(d, "ragged.csv", "y,a,b\n1,1,2\n0,3\n");
	expect_error(d, ragged, NULL, bin, "data row 2 has 2 fields, expected 3", NULL);
	/* many short rows first: more rows than the bytes suggest, never a crash */
	char shortrows[4096] = "y,a,b\n";
	for (int i = 0; i < 300; i++)
		strcat(shortrows, "1\n");
	for (int i = 0; i < 30; i++)
		strcat(shortrows, "1,2,3\n");
	char *shorts = tu_write(d, "short.csv", shortrows);
	expect_error(d, shorts, NULL, bin, "data row 1 has 1 field, expected 3", NULL);
	free(shorts);
	char *nolabel = tu_write(d, "nolabel.csv", "y,a,b\n1,1,2\n,3,4\n");
	expect_error(d, nolabel, NULL, bin, "data row 2: the label in column 'y' is missing", NULL);
	expect_error(d, good, NULL, "predictor_type=regressor,target=y,foo=1",
		     "unknown hyperparameter 'foo'", "valid names: predictor_type");
	expect_error(d, good, NULL, "predictor_type=regressor,target=y,l1=-1",
		     "l1: -1 is out of range", "0 <= l1 (or auto)");
	expect_error(d, good, NULL, "predictor_type=regressor,target=y,epochs=1.5",
		     "not an integer", NULL);
	expect_error(d, good, NULL, "predictor_type=ranker,target=y", "'ranker' is not valid",
		     "regressor,binary_classifier,multiclass_classifier");
	expect_error(d, good, NULL, "target=y", "predictor_type is required", NULL);
	expect_error(d, good, NULL, "predictor_type=binary_classifier,target=y,"
		     "positive_example_weight_mult=-2", "positive_example_weight_mult", "balanced");
	expect_error(d, good, NULL, "predictor_type=regressor,target=y,feature_dim=3",
		     "feature_dim is 3", "2 feature columns");
	char *three = tu_write(d, "three.csv", "y,a\n1,1\n2,2\n3,3\n");
	expect_error(d, three, NULL, bin, "binary_classifier needs exactly 2 classes", NULL);
	char *words = tu_write(d, "words.csv", "y,a\nbig,1\nsmall,2\n");
	expect_error(d, words, NULL, "predictor_type=regressor,target=y",
		     "the label 'big' in column 'y' is not a number", NULL);
	char *empty = tu_write(d, "empty.csv", "y,a\n");
	expect_error(d, empty, NULL, bin, "no data rows", NULL);
	expect_error(d, "/nonexistent/x.csv", NULL, bin, "no such data file", NULL);
	char *model = sg_path_join(d, "m");
	struct sg_error err = { 0 };
	assert_int_equal(sg_algo_train_job("nope", good, NULL, NULL, model, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "unknown algorithm 'nope' (built-in algorithms: "));
	assert_non_null(strstr(err.msg, "linear-learner"));
	free(model);
	free(good);
	free(city);
	free(miss);
	free(one);
	free(other);
	free(fewer);
	free(unseen);
	free(ragged);
	free(nolabel);
	free(three);
	free(words);
	free(empty);
}

static void test_hps(void **state)
{
	(void)state;
	struct sg_hps *h = sg_hps_new(&sg_algo_linear_learner);
	struct sg_error err = { 0 };
	assert_int_equal(sg_hps_set_text(h, "{\"predictor_type\": \"regressor\", \"wd\": 0.5, "
					  "\"normalize_data\": false, \"_tuning_objective_metric\": "
					  "\"x\", \"sagemaker_job\": \"y\"}", &err), 0);
	assert_true(sg_hps_num(h, "wd") == 0.5);
	assert_false(sg_hps_bool(h, "normalize_data"));
	assert_true(sg_hps_is_auto(h, "l1"));
	assert_int_equal(sg_hps_int(h, "epochs"), 15);
	assert_int_equal(sg_hps_set_text(h, "epochs=3 mini_batch_size=10\nl1=0", &err), 0);
	assert_int_equal(sg_hps_int(h, "epochs"), 3);
	assert_int_equal(sg_hps_set_text(h, "{\"wd\": }", &err), -1);
	assert_non_null(strstr(err.msg, "hyperparameters:1:"));
	assert_int_equal(sg_hps_set(h, "beta_1", "1", &err), -1);
	assert_non_null(strstr(err.msg, "0 <= beta_1 < 1"));
	assert_int_equal(sg_hps_check(h, &err), 0);
	sg_hps_free(h);
}

#ifndef SG_SRCDIR
#define SG_SRCDIR "."
#endif

int sg_fuzz_model(const uint8_t *d, size_t n);

/* Replays tests/corpus/model/ through the fuzz entry point. */
static void test_model_corpus(void **state)
{
	(void)state;
	char *dir = sg_path_join(SG_SRCDIR, "tests/corpus/model");
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	int count = 0;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *path = sg_path_join(dir, e->d_name);
		size_t len;
		char *data = sg_read_file(path, 1 << 20, &len, NULL);
		assert_non_null(data);
		sg_fuzz_model((const uint8_t *)data, len);
		free(data);
		free(path);
		count++;
	}
	closedir(dh);
	assert_true(count >= 5);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_least_squares, setup, teardown),
		cmocka_unit_test_setup_teardown(test_separable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiclass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_l1_zeros, setup, teardown),
		cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_stopping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_weights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diverging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sagemaker_convention, setup, teardown),
		cmocka_unit_test(test_numbers_exact),
		cmocka_unit_test_setup_teardown(test_recipe_attached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test(test_hps),
		cmocka_unit_test(test_model_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
