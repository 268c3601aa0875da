/* algo_job.c — running a built-in algorithm end to end (algo.h): validate,
 * load, train, save, evaluate. */
#include "core/algo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/csvfile.h"
#include "core/util.h"

struct job_state {
	const struct sg_algo_job *job;
	long long last_it;
};

/* Forwards points and remembers the last iteration for the final figures. */
static void relay(void *ud, const char *key, long long it, double value)
{
	struct job_state *js = ud;
	if (it > js->last_it)
		js->last_it = it;
	if (js->job->report)
		js->job->report(js->job->report_ud, key, it, value);
}

static void logf_(const struct sg_algo_job *job, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(const struct sg_algo_job *job, const char *fmt, ...)
{
	if (!job->log)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	job->log(job->log_ud, line);
}

/* Loads the recipe named by hyperparameter "recipe", fitting it on the
 * train channel when it is not fitted yet. */
static int load_recipe(const struct sg_hps *h, const char *train, struct sg_recipe **out,
		       struct sg_error *err)
{
	const char *path = sg_hps_str(h, "recipe");
	*out = NULL;
	if (!path || !*path)
		return 0;
	struct sg_recipe *r = sg_recipe_load(path, err);
	if (!r)
		return -1;
	if (!sg_recipe_is_fitted(r)) {
		struct sg_csv *c = sg_csv_open(train, NULL, err);
		int rc = c ? sg_recipe_fit(r, c, NULL, err) : -1;
		sg_csv_free(c);
		if (rc != 0) {
			sg_recipe_free(r);
			return -1;
		}
	}
	*out = r;
	return 0;
}

static int check_feature_dim(const struct sg_algo *a, const struct sg_hps *h,
			     const struct sg_xy *train, struct sg_error *err)
{
	for (int i = 0; i < a->nspec; i++)
		if (strcmp(a->spec[i].name, "feature_dim") == 0 && sg_hps_is_set(h, "feature_dim") &&
		    !sg_hps_is_auto(h, "feature_dim") && sg_hps_int(h, "feature_dim") != train->d)
			return sg_error_set(err, SG_E_USAGE, "hyperparameter feature_dim is %lld but %s "
					    "has %d feature columns", sg_hps_int(h, "feature_dim"),
					    train->source, train->d);
	return 0;
}

struct loaded {
	struct sg_hps *hps;
	struct sg_recipe *recipe;
	struct sg_xy *train, *valid;
	struct sg_xy_opts train_opts;  /* SG_ALGO_STREAMS_TRAIN: like = train */
	int streams;
};

static void loaded_done(struct loaded *l)
{
	sg_hps_free(l->hps);
	sg_recipe_free(l->recipe);
	sg_xy_free(l->train);
	sg_xy_free(l->valid);
}

/* Everything that can be refused is refused here, before training. */
static int prepare(const struct sg_algo_job *job, const struct sg_algo *a, struct loaded *l,
		   struct sg_error *err)
{
	l->hps = sg_hps_new(a);
	if ((job->hps && sg_hps_set_text(l->hps, job->hps, err) != 0) ||
	    sg_hps_check(l->hps, err) != 0)
		return -1;
	if (load_recipe(l->hps, job->train, &l->recipe, err) != 0)
		return -1;
	struct sg_xy_opts o = {
		.task = a->task(l->hps), .target = sg_hps_str(l->hps, "target"),
		.recipe = l->recipe, .channel = "train", .threads = job->threads,
		.cancel = job->cancel,
	};
	/* A streaming algorithm reads the rows itself: only the schema (every
	 * row checked, classes collected) is loaded here. */
	l->streams = (a->flags & SG_ALGO_STREAMS_TRAIN) != 0;
	int rc = l->streams ? sg_xy_load_schema(job->train, &o, &l->train, err)
			    : sg_xy_load(job->train, &o, &l->train, err);
	if (rc != 0)
		return rc;
	if (check_feature_dim(a, l->hps, l->train, err) != 0)
		return -1;
	o.like = l->train;
	l->train_opts = o;
	if (job->validation) {
		o.channel = "validation";
		if ((rc = sg_xy_load(job->validation, &o, &l->valid, err)) != 0)
			return rc;
	}
	if (a->check && a->check(l->hps, l->train, l->valid, err) != 0)
		return -1;
	return 0;
}

#define EVAL_BLOCK 65536

/* Predictions of m on xy in blocks (so evaluation adds little memory):
 * pred gets the first output per row, score (binary classifiers, may be
 * NULL) the class-1 probability, *ll the summed log loss. */
static int predict_blocks(const struct sg_model *m, const struct sg_xy *xy, double *pred,
			  double *score, double *ll, struct sg_error *err)
{
	int nout = m->nout ? m->nout : 1, k = m->nclasses;
	int cls = m->task == SG_TASK_CLASSIFICATION;
	double *out = sg_xmalloc((size_t)EVAL_BLOCK * (size_t)nout * sizeof *out);
	double *proba = cls ? sg_xmalloc((size_t)EVAL_BLOCK * (size_t)k * sizeof *proba) : NULL;
	int rc = 0;
	*ll = 0;
	for (size_t b = 0; rc == 0 && b < xy->n; b += EVAL_BLOCK) {
		size_t nb = xy->n - b < EVAL_BLOCK ? xy->n - b : EVAL_BLOCK;
		rc = sg_model_predict(m, xy->x + b * (size_t)xy->d, nb, out, proba, err);
		for (size_t i = 0; rc == 0 && i < nb; i++) {
			pred[b + i] = out[i * (size_t)nout];
			if (score)
				score[b + i] = proba[2 * i + 1];
		}
		if (rc == 0 && cls)
			*ll += sg_eval_log_loss(xy->y + b, proba, nb, k) * (double)nb;
	}
	free(out);
	free(proba);
	return rc;
}

static int write_confusion(const struct sg_algo_job *job, const struct sg_model *m,
			   const struct sg_cls_eval *e, const char *channel, struct sg_error *err)
{
	if (!job->output_dir || sg_mkdir_p(job->output_dir, 0755, err) != 0)
		return job->output_dir ? -1 : 0;
	char *name = sg_xasprintf("%s-confusion.csv", channel);
	char *path = sg_path_join(job->output_dir, name);
	int rc = sg_eval_confusion_csv(e, (const char *const *)m->classes, path, err);
	free(path);
	free(name);
	return rc;
}

/* Final figures of m on one channel; the confusion matrix as an artifact. */
static int evaluate(const struct sg_algo_job *job, const struct sg_model *m,
		    const struct sg_xy *xy, const char *channel, long long it, struct sg_error *err)
{
	if (!job->report || m->task == SG_TASK_NONE || !xy->y)
		return 0;
	int binary = m->task == SG_TASK_CLASSIFICATION && m->nclasses == 2;
	double *pred = sg_xmalloc(xy->n * sizeof *pred + 8);
	double *score = binary ? sg_xmalloc(xy->n * sizeof *score + 8) : NULL;
	double ll;
	int rc = predict_blocks(m, xy, pred, score, &ll, err);
	if (rc == 0 && m->task == SG_TASK_REGRESSION) {
		struct sg_reg_eval e;
		sg_eval_regression(xy->y, pred, xy->n, &e);
		sg_eval_report_regression(&e, channel, it, job->report, job->report_ud);
	} else if (rc == 0) {
		struct sg_cls_eval e;
		rc = sg_eval_classification(xy->y, pred, NULL, xy->n, m->nclasses, &e, err);
		if (rc == 0) {
			e.log_loss = ll / (double)xy->n;
			e.auc = binary ? sg_eval_auc(xy->y, score, xy->n) : NAN;
			sg_eval_report_classification(&e, channel, it, job->report, job->report_ud);
			rc = write_confusion(job, m, &e, channel, err);
			sg_cls_eval_done(&e);
		}
	}
	free(pred);
	free(score);
	return rc;
}

static int train_and_save(const struct sg_algo_job *job, const struct sg_algo *a,
			  struct loaded *l, struct sg_error *err)
{
	struct job_state js = { job, -1 };
	struct sg_algo_ctx ctx = {
		.hps = l->hps, .seed = (uint64_t)sg_hps_int(l->hps, "seed"), .threads = job->threads,
		.cancel = job->cancel, .report = relay, .report_ud = &js, .log = job->log,
		.log_ud = job->log_ud, .output_dir = job->output_dir,
	};
	/* Without a final evaluation on it, the train matrix is not needed
	 * after training: the algorithm may keep it rather than copy it. */
	if (a->flags & SG_ALGO_NO_TRAIN_EVAL)
		ctx.train_x = l->train;
	if (l->streams) {
		ctx.train_path = job->train;
		ctx.train_opts = &l->train_opts;
	}
	struct sg_model *m = sg_model_new(a, l->hps, l->train);
	l->hps = NULL;
	m->recipe = l->recipe;
	l->recipe = NULL;
	m->valid_rows = l->valid ? l->valid->n : 0;
	logf_(job, "%s: %zu rows x %d features, %zu validation rows", a->name, l->train->n,
	      l->train->d, m->valid_rows);
	double t0 = sg_now();
	int rc = a->train(&ctx, l->train, l->valid, m, err);
	m->train_seconds = sg_now() - t0;
	if (rc == 0)
		rc = sg_model_save(m, job->model_dir, err);
	if (rc == 0) {
		logf_(job, "trained in %.3f s; model saved to %s", m->train_seconds, job->model_dir);
		long long it = js.last_it + 1;
		if (!(a->flags & SG_ALGO_NO_TRAIN_EVAL))
			rc = evaluate(job, m, l->train, "train", it, err);
		if (rc == 0 && l->valid)
			rc = evaluate(job, m, l->valid, "validation", it, err);
	}
	sg_model_free(m);
	return rc;
}

int sg_algo_run(const struct sg_algo_job *job, struct sg_error *err)
{
	const struct sg_algo *a = sg_algo_find(job->algo);
	if (!a)
		return sg_error_set(err, SG_E_USAGE, "unknown algorithm '%s' (built-in algorithms: %s)",
				    job->algo ? job->algo : "", sg_algo_names());
	if (!job->train || !job->model_dir)
		return sg_error_set(err, SG_E_USAGE, "%s: a train channel and a model folder are "
				    "needed", a->name);
	sg_algo_set_threads(job->threads);
	struct loaded l = { 0 };
	int rc = prepare(job, a, &l, err);
	if (rc == 0)
		rc = train_and_save(job, a, &l, err);
	loaded_done(&l);
	return rc;
}

int sg_algo_train_job(const char *algo, const char *train_csv, const char *valid_csv,
		      const char *hps_json_path_or_kv, const char *model_dir,
		      sg_metric_report_fn report, void *ud, struct sg_error *err)
{
	struct sg_algo_job job = {
		.algo = algo, .train = train_csv, .validation = valid_csv,
		.hps = hps_json_path_or_kv, .model_dir = model_dir, .report = report,
		.report_ud = ud,
	};
	return sg_algo_run(&job, err);
}
