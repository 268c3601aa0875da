/* algo_xgboost.c — xgboost: gradient boosted trees through libxgboost's C
 * API (xgboost/c_api.h), with XGBoost's own hyperparameter names.
 *
 * The design matrix is handed to XGBoost as a float64 array interface
 * (XGDMatrixCreateFromDense; for tree_method=hist a QuantileDMatrix, which
 * holds only bin indices), so nothing is converted or copied on our
 * side; prediction uses in-place prediction (XGBoosterPredictFromDense),
 * which is thread-safe on one booster.  After every round the
 * evaluation line XGBoost prints ("[3]\ttrain-logloss:0.51\tvalidation-auc:0.93")
 * is parsed into metric points "train:logloss", "validation:auc".  Early
 * stopping follows XGBoost's callback: the last eval_metric on the
 * validation channel decides; the model is cut back to the best round.
 *
 * Hyperparameters whose value equals XGBoost's own default are not passed
 * on (so XGBoost does not warn about parameters its objective ignores);
 * tree_method defaults to hist here.
 *
 * The job does no final evaluation on the train channel
 * (SG_ALGO_NO_TRAIN_EVAL): the per-round train figures (the objective's
 * default metric when eval_metric is unset: logloss, error, mlogloss,
 * rmse, …) stand for it, and our matrix is freed as soon as
 * XGBoost has its own (sg_algo_ctx.train_x). */
#include "core/algo.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/version_config.h>
#include "core/algo_par.h"
#include "core/util.h"
#include "core/xgb_load.h"

#define MODEL_FILE "xgboost-model.json"
#define STR_(x) #x
#define STR(x) STR_(x)
#define XGB_VERSION STR(XGBOOST_VER_MAJOR) "." STR(XGBOOST_VER_MINOR) "." STR(XGBOOST_VER_PATCH)

static const struct sg_hp_spec xgb_spec[] = {
	{ "num_round", SG_HP_INT, NULL, 1, 10000000, NULL, SG_HP_REQUIRED, "boosting rounds" },
	{ "objective", SG_HP_ENUM, "reg:squarederror", 0, 0,
	  "reg:squarederror|reg:squaredlogerror|reg:logistic|reg:pseudohubererror|"
	  "reg:absoluteerror|reg:gamma|reg:tweedie|count:poisson|binary:logistic|"
	  "binary:logitraw|binary:hinge|multi:softmax|multi:softprob", 0, "learning objective" },
	{ "eta", SG_HP_FLOAT, "0.3", 0, 1, NULL, 0, "learning rate (shrinkage)" },
	{ "gamma", SG_HP_FLOAT, "0", 0, INFINITY, NULL, 0, "minimum loss reduction to split" },
	{ "max_depth", SG_HP_INT, "6", 0, INFINITY, NULL, 0, "tree depth (0: no limit, lossguide)" },
	{ "min_child_weight", SG_HP_FLOAT, "1", 0, INFINITY, NULL, 0, "minimum hessian in a leaf" },
	{ "max_delta_step", SG_HP_FLOAT, "0", 0, INFINITY, NULL, 0, "cap on a leaf's step (0: none)" },
	{ "subsample", SG_HP_FLOAT, "1", 0, 1, NULL, SG_HP_MIN_EXCL, "rows sampled per tree" },
	{ "colsample_bytree", SG_HP_FLOAT, "1", 0, 1, NULL, SG_HP_MIN_EXCL, "columns per tree" },
	{ "colsample_bylevel", SG_HP_FLOAT, "1", 0, 1, NULL, SG_HP_MIN_EXCL, "columns per level" },
	{ "colsample_bynode", SG_HP_FLOAT, "1", 0, 1, NULL, SG_HP_MIN_EXCL, "columns per split" },
	{ "lambda", SG_HP_FLOAT, "1", 0, INFINITY, NULL, 0, "L2 regularization of leaf weights" },
	{ "alpha", SG_HP_FLOAT, "0", 0, INFINITY, NULL, 0, "L1 regularization of leaf weights" },
	{ "tree_method", SG_HP_ENUM, "hist", 0, 0, "auto|exact|approx|hist", 0,
	  "tree construction algorithm" },
	{ "max_bin", SG_HP_INT, "256", 2, INFINITY, NULL, 0, "hist/approx: bins per feature" },
	{ "grow_policy", SG_HP_ENUM, "depthwise", 0, 0, "depthwise|lossguide", 0,
	  "split nodes closest to the root, or with the highest loss change" },
	{ "max_leaves", SG_HP_INT, "0", 0, INFINITY, NULL, 0, "leaves per tree (0: no limit)" },
	{ "scale_pos_weight", SG_HP_FLOAT, "1", 0, INFINITY, NULL, SG_HP_MIN_EXCL,
	  "binary: weight of positive rows" },
	{ "base_score", SG_HP_FLOAT, "0.5", -INFINITY, INFINITY, NULL, 0, "initial prediction" },
	{ "tweedie_variance_power", SG_HP_FLOAT, "1.5", 1, 2, NULL,
	  SG_HP_MIN_EXCL | SG_HP_MAX_EXCL, "reg:tweedie: variance power" },
	{ "huber_slope", SG_HP_FLOAT, "1", 0, INFINITY, NULL, SG_HP_MIN_EXCL,
	  "reg:pseudohubererror: slope" },
	{ "num_parallel_tree", SG_HP_INT, "1", 1, INFINITY, NULL, 0, "trees per round (forests)" },
	{ "num_class", SG_HP_INT, "auto", 2, INFINITY, NULL, SG_HP_AUTO,
	  "multi:*: number of classes (auto: from the data; checked against it)" },
	{ "eval_metric", SG_HP_STRING, NULL, 0, 0, NULL, 0,
	  "metrics per round, comma-separated (default: the objective's)" },
	{ "early_stopping_rounds", SG_HP_INT, NULL, 1, INFINITY, NULL, 0,
	  "stop when the validation metric has not improved for this many rounds" },
	{ "nthread", SG_HP_INT, "auto", 1, 1024, NULL, SG_HP_AUTO, "threads (auto: the job's)" },
};

/* Entries handled here rather than passed to XGBoosterSetParam as they are. */
static const char *const own_names[] = { "num_round", "num_class", "eval_metric",
					 "early_stopping_rounds", "nthread", NULL };

static const char *const metric_names[] = {
	"rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror", "mlogloss", "auc",
	"aucpr", "poisson-nloglik", "gamma-nloglik", "gamma-deviance", "tweedie-nloglik", NULL,
};

struct xgb_state {
	BoosterHandle b;
	int nclasses;                /* classification: classes; else 0 */
	int margin;                  /* predict margins (multi:softmax, binary:logitraw) */
	char objective[32];
	int rounds, best_iteration;
	double best_score;
};

static void xgb_free(void *p)
{
	struct xgb_state *s = p;
	if (!s)
		return;
	if (s->b)
		sg_xgb.XGBoosterFree(s->b);
	free(s);
}

/* XGBoost's last error, without its "[time] file:line: " prefix and the
 * stack trace that follows the first line. */
static int xgb_fail(struct sg_error *err, const char *what)
{
	const char *e = sg_xgb.XGBGetLastError(), *p = strstr(e, ": ");
	if (e[0] == '[' && p)
		e = p + 2;
	return sg_error_set(err, SG_E_USAGE, "xgboost: %s: %.*s", what, (int)strcspn(e, "\n"), e);
}

/* The __array_interface__ of a row-major float64 matrix. */
static void array_interface(char *buf, size_t n, const double *p, size_t rows, size_t cols)
{
	if (cols)
		snprintf(buf, n, "{\"data\": [%ju, true], \"shape\": [%zu, %zu], \"typestr\": \"<f8\", "
			 "\"version\": 3}", (uintmax_t)(uintptr_t)p, rows, cols);
	else
		snprintf(buf, n, "{\"data\": [%ju, true], \"shape\": [%zu], \"typestr\": \"<f8\", "
			 "\"version\": 3}", (uintmax_t)(uintptr_t)p, rows);
}

static DMatrixHandle make_dmatrix(const struct sg_xy *xy, int threads, struct sg_error *err)
{
	char ai[256], cfg[96];
	DMatrixHandle h = NULL;
	array_interface(ai, sizeof ai, xy->x, xy->n, (size_t)xy->d);
	snprintf(cfg, sizeof cfg, "{\"missing\": NaN, \"nthread\": %d}", threads);
	if (sg_xgb.XGDMatrixCreateFromDense(ai, cfg, &h) != 0) {
		xgb_fail(err, "creating the DMatrix");
		return NULL;
	}
	array_interface(ai, sizeof ai, xy->y, xy->n, 0);
	if (sg_xgb.XGDMatrixSetInfoFromInterface(h, "label", ai) != 0) {
		xgb_fail(err, "setting the labels");
		sg_xgb.XGDMatrixFree(h);
		return NULL;
	}
	return h;
}

/* tree_method=hist: a QuantileDMatrix, built through XGBoost's data
 * iterator from our matrix in one batch.  XGBoost then keeps only the bin
 * index (a byte or two per value) instead of a float copy of the matrix
 * (8 bytes per value as CSR entries), which is what keeps the peak near
 * the size of our own matrix.  The cuts are sketched from the same values
 * as with an ordinary DMatrix. */
struct one_batch {
	DMatrixHandle proxy;
	const struct sg_xy *xy;
	int done;
};

static void batch_reset(DataIterHandle it)
{
	((struct one_batch *)it)->done = 0;
}

static int batch_next(DataIterHandle it)
{
	struct one_batch *ob = it;
	char ai[256];
	if (ob->done)
		return 0;
	ob->done = 1;
	array_interface(ai, sizeof ai, ob->xy->x, ob->xy->n, (size_t)ob->xy->d);
	if (sg_xgb.XGProxyDMatrixSetDataDense(ob->proxy, ai) != 0)
		return -1;
	array_interface(ai, sizeof ai, ob->xy->y, ob->xy->n, 0);
	if (sg_xgb.XGDMatrixSetInfoFromInterface(ob->proxy, "label", ai) != 0)
		return -1;
	return 1;
}

/* ref: the train channel's QuantileDMatrix (for validation), or NULL. */
static DMatrixHandle make_quantile_dmatrix(const struct sg_xy *xy, DMatrixHandle ref, int threads,
					   long long max_bin, struct sg_error *err)
{
	char cfg[128];
	DMatrixHandle h = NULL;
	struct one_batch ob = { NULL, xy, 0 };
	if (sg_xgb.XGProxyDMatrixCreate(&ob.proxy) != 0) {
		xgb_fail(err, "creating the DMatrix");
		return NULL;
	}
	snprintf(cfg, sizeof cfg, "{\"missing\": NaN, \"nthread\": %d, \"max_bin\": %lld}", threads,
		 max_bin);
	if (sg_xgb.XGQuantileDMatrixCreateFromCallback(&ob, ob.proxy, ref, batch_reset, batch_next,
						       cfg, &h) != 0) {
		xgb_fail(err, "creating the DMatrix");
		h = NULL;
	}
	sg_xgb.XGDMatrixFree(ob.proxy);
	return h;
}

/* The same, streamed from the train channel's file (SG_ALGO_STREAMS_TRAIN)
 * in blocks of STREAM_BLOCK rows: XGBoost sketches and bins block by block,
 * so our float64 matrix never exists; the stream is reopened on every
 * reset (XGBoost reads the data twice). */
#define STREAM_BLOCK 65536

struct stream_batches {
	DMatrixHandle proxy;
	const struct sg_algo_ctx *ctx;
	struct sg_xy_stream *s;
	size_t rows, passed;         /* rows of this pass; of the last full pass */
	int failed;
	struct sg_error err;
};

static void stream_reset(DataIterHandle it)
{
	struct stream_batches *sb = it;
	sg_xy_stream_free(sb->s);
	sb->s = NULL;
	sb->rows = 0;
}

static int stream_next(DataIterHandle it)
{
	struct stream_batches *sb = it;
	const struct sg_xy *b;
	char ai[256];
	if (sb->failed)
		return 0;
	if (!sb->s && !(sb->s = sg_xy_stream_open(sb->ctx->train_path, sb->ctx->train_opts,
						  &sb->err))) {
		sb->failed = 1;
		return 0;
	}
	long long n = sg_xy_stream_next(sb->s, STREAM_BLOCK, &b, &sb->err);
	if (n <= 0) {
		sb->failed = n < 0;
		sb->passed = sb->rows;
		return 0;
	}
	sb->rows += (size_t)n;
	array_interface(ai, sizeof ai, b->x, b->n, (size_t)b->d);
	if (sg_xgb.XGProxyDMatrixSetDataDense(sb->proxy, ai) != 0)
		return 0;
	array_interface(ai, sizeof ai, b->y, b->n, 0);
	if (sg_xgb.XGDMatrixSetInfoFromInterface(sb->proxy, "label", ai) != 0)
		return 0;
	return 1;
}

static DMatrixHandle stream_quantile_dmatrix(const struct sg_algo_ctx *ctx, const struct sg_xy *train,
					     int threads, long long max_bin, struct sg_error *err)
{
	char cfg[128];
	DMatrixHandle h = NULL;
	struct stream_batches sb = { .ctx = ctx };
	if (sg_xgb.XGProxyDMatrixCreate(&sb.proxy) != 0) {
		xgb_fail(err, "creating the DMatrix");
		return NULL;
	}
	snprintf(cfg, sizeof cfg, "{\"missing\": NaN, \"nthread\": %d, \"max_bin\": %lld}", threads,
		 max_bin);
	int rc = sg_xgb.XGQuantileDMatrixCreateFromCallback(&sb, sb.proxy, NULL, stream_reset,
							    stream_next, cfg, &h);
	if (rc != 0) {
		xgb_fail(err, "creating the DMatrix");
		h = NULL;
	} else if (sb.failed || sb.passed != train->n) {
		if (sb.failed)
			*err = sb.err;
		else
			sg_error_set(err, SG_E_USAGE, "%s: the file changed while being read",
				     train->source);
		sg_xgb.XGDMatrixFree(h);
		h = NULL;
	}
	sg_xy_stream_free(sb.s);
	sg_xgb.XGDMatrixFree(sb.proxy);
	return h;
}

/* ---- hyperparameters ---------------------------------------------------------------- */

static int is_own(const char *name)
{
	for (int i = 0; own_names[i]; i++)
		if (strcmp(own_names[i], name) == 0)
			return 1;
	return 0;
}

static int prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* 0 when every comma-separated name (with an optional "@..." suffix) is known. */
static int check_metrics(const char *list, struct sg_error *err)
{
	char *copy = sg_xstrdup(list), *save = NULL;
	int rc = 0;
	for (char *t = strtok_r(copy, ", []\"", &save); t && rc == 0;
	     t = strtok_r(NULL, ", []\"", &save)) {
		size_t n = strcspn(t, "@");
		int ok = 0;
		for (int i = 0; metric_names[i] && !ok; i++)
			ok = strlen(metric_names[i]) == n && strncmp(metric_names[i], t, n) == 0;
		if (!ok)
			rc = sg_error_set(err, SG_E_USAGE, "hyperparameter eval_metric: '%s' is not "
					  "valid; valid values: rmse, rmsle, mae, mape, mphe, logloss, "
					  "error, error@T, merror, mlogloss, auc, aucpr, poisson-nloglik, "
					  "gamma-nloglik, gamma-deviance, tweedie-nloglik@P", t);
	}
	free(copy);
	return rc;
}

static int set_param(BoosterHandle b, const char *name, const char *value, struct sg_error *err)
{
	if (sg_xgb.XGBoosterSetParam(b, name, value) == 0)
		return 0;
	char what[160];
	snprintf(what, sizeof what, "hyperparameter %s=%s", name, value);
	return xgb_fail(err, what);
}

static int set_params(const struct sg_algo_ctx *ctx, const struct sg_xy *train, BoosterHandle b,
		      struct sg_error *err)
{
	const struct sg_hps *h = ctx->hps;
	char buf[64];
	int rc = set_param(b, "verbosity", "0", err);
	for (size_t i = 0; rc == 0 && i < sizeof xgb_spec / sizeof xgb_spec[0]; i++) {
		const struct sg_hp_spec *sp = &xgb_spec[i];
		const char *v = sg_hps_str(h, sp->name);
		if (!v || is_own(sp->name) || (sp->def && strcmp(v, sp->def) == 0 &&
					       strcmp(sp->name, "tree_method") != 0))
			continue;
		rc = set_param(b, sp->name, v, err);
	}
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(ctx->seed & 0x7fffffff));
	if (rc == 0)
		rc = set_param(b, "seed", buf, err);
	snprintf(buf, sizeof buf, "%lld", sg_hps_is_auto(h, "nthread")
		 ? (long long)sg_par_threads(ctx->threads) : sg_hps_int(h, "nthread"));
	if (rc == 0)
		rc = set_param(b, "nthread", buf, err);
	snprintf(buf, sizeof buf, "%d", train->nclasses);
	if (rc == 0 && prefix(sg_hps_str(h, "objective"), "multi:"))
		rc = set_param(b, "num_class", buf, err);
	const char *em = sg_hps_str(h, "eval_metric");
	char *copy = em ? sg_xstrdup(em) : NULL, *save = NULL;
	for (char *t = copy ? strtok_r(copy, ", []\"", &save) : NULL; t && rc == 0;
	     t = strtok_r(NULL, ", []\"", &save))
		rc = set_param(b, "eval_metric", t, err);
	free(copy);
	return rc;
}

/* ---- the evaluation line ------------------------------------------------------------- */

static double parse_value(const char *s, size_t n)
{
	double v;
	if (sg_parse_double(s, n, &v) == 0)
		return v;
	if ((n == 3 && strncmp(s, "nan", 3) == 0) || (n == 4 && strncmp(s, "-nan", 4) == 0))
		return NAN;
	if (n == 3 && strncmp(s, "inf", 3) == 0)
		return INFINITY;
	if (n == 4 && strncmp(s, "-inf", 4) == 0)
		return -INFINITY;
	return NAN;
}

struct round_eval {
	double last_valid;           /* the last validation figure: early stopping's */
	char last_name[64];
	int nonfinite;               /* a figure that is NaN/Inf */
	char bad[96];
};

/* Reports every "NAME-METRIC:VALUE" field of line; names are "train" and
 * "validation" (their own prefixes, so metric names may contain '-'). */
static void parse_eval_line(const struct sg_algo_ctx *ctx, const char *line, long long it,
			    struct round_eval *re)
{
	static const char *const chans[] = { "train", "validation" };
	const char *p = line;
	while ((p = strchr(p, '\t')) != NULL) {
		p++;
		size_t len = strcspn(p, "\t\n");
		const char *colon = memrchr(p, ':', len);
		for (int c = 0; c < 2 && colon; c++) {
			size_t cl = strlen(chans[c]);
			if (strncmp(p, chans[c], cl) != 0 || p[cl] != '-')
				continue;
			char key[96];
			snprintf(key, sizeof key, "%s:%.*s", chans[c], (int)(colon - p - (long)cl - 1),
				 p + cl + 1);
			double v = parse_value(colon + 1, len - (size_t)(colon + 1 - p));
			ctx->report(ctx->report_ud, key, it, v);
			if (!isfinite(v) && !re->nonfinite) {
				re->nonfinite = 1;
				snprintf(re->bad, sizeof re->bad, "%s", key);
			}
			if (c == 1) {
				re->last_valid = v;
				snprintf(re->last_name, sizeof re->last_name, "%.*s",
					 (int)(colon - p - (long)cl - 1), p + cl + 1);
			}
		}
		p += len;
	}
}

static int maximize(const char *metric)
{
	return prefix(metric, "auc") || prefix(metric, "aucpr") || prefix(metric, "map") ||
	       prefix(metric, "ndcg") || prefix(metric, "pre");
}

/* ---- training --------------------------------------------------------------------------- */

struct boost {
	const struct sg_algo_ctx *ctx;
	BoosterHandle b;
	DMatrixHandle dm[2];
	int ndm;
	long long patience;          /* 0: no early stopping */
	int best, rounds;
	double best_score;
};

/* Runs the rounds; 0, 1 cancelled, -1. */
static int boost_rounds(struct boost *B, long long num_round, struct sg_error *err)
{
	static const char *names[] = { "train", "validation" };
	const struct sg_algo_ctx *ctx = B->ctx;
	B->best = -1;
	for (int i = 0; i < num_round; i++) {
		const char *line;
		if (sg_xgb.XGBoosterUpdateOneIter(B->b, i, B->dm[0]) != 0)
			return xgb_fail(err, "training");
		if (sg_xgb.XGBoosterEvalOneIter(B->b, i, B->dm, names, (bst_ulong)B->ndm,
						&line) != 0)
			return xgb_fail(err, "evaluating");
		struct round_eval re = { .last_valid = NAN };
		parse_eval_line(ctx, line, i, &re);
		B->rounds = i + 1;
		if (re.nonfinite)
			return sg_error_set(err, SG_E_USAGE, "xgboost: %s became NaN/Inf at round %d "
					    "(labels or values too large? check them, or lower eta)",
					    re.bad, i);
		if (ctx->cancel && atomic_load(ctx->cancel))
			return 1;
		if (!B->patience)
			continue;
		int better = B->best < 0 || (maximize(re.last_name) ? re.last_valid > B->best_score
					     : re.last_valid < B->best_score);
		if (better) {
			B->best = i;
			B->best_score = re.last_valid;
		} else if (i - B->best >= B->patience) {
			break;
		}
	}
	return 0;
}

static void log_line(const struct sg_algo_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_line(const struct sg_algo_ctx *ctx, const char *fmt, ...)
{
	if (!ctx->log)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_ud, line);
}

/* Cuts the booster back to rounds [0, best]. */
static int keep_best(struct boost *B, struct sg_error *err)
{
	if (!B->patience || B->best < 0 || B->best + 1 >= B->rounds)
		return 0;
	BoosterHandle cut;
	if (sg_xgb.XGBoosterSlice(B->b, 0, B->best + 1, 1, &cut) != 0)
		return xgb_fail(err, "keeping the best rounds");
	log_line(B->ctx, "xgboost: early stopping after round %d; best round %d (%.6g)",
		 B->rounds - 1, B->best, B->best_score);
	sg_xgb.XGBoosterFree(B->b);
	B->b = cut;
	return 0;
}

static struct xgb_state *state_new(BoosterHandle b, const char *objective, int nclasses)
{
	struct xgb_state *s = sg_xcalloc(1, sizeof *s);
	s->b = b;
	snprintf(s->objective, sizeof s->objective, "%s", objective);
	s->nclasses = prefix(objective, "binary:") ? 2 : prefix(objective, "multi:") ? nclasses : 0;
	s->margin = strcmp(objective, "multi:softmax") == 0 || strcmp(objective, "binary:logitraw") == 0;
	s->best_iteration = -1;
	return s;
}

static void set_outputs(struct sg_model *m, const struct xgb_state *s)
{
	static const char *const bin[] = { "predicted_label", "score" };
	static const char *const multi[] = { "predicted_label" };
	static const char *const reg[] = { "score" };
	if (s->nclasses == 2)
		sg_model_set_outputs(m, 2, bin);
	else
		sg_model_set_outputs(m, 1, s->nclasses ? multi : reg);
}

static int xgb_train(const struct sg_algo_ctx *ctx, const struct sg_xy *train,
		     const struct sg_xy *valid, struct sg_model *m, struct sg_error *err)
{
	if (sg_xgb_load(err) != 0)
		return -1;
	const struct sg_hps *h = ctx->hps;
	int threads = sg_par_threads(ctx->threads);
	struct boost B = { .ctx = ctx, .ndm = valid ? 2 : 1 };
	B.patience = sg_hps_is_set(h, "early_stopping_rounds") ? sg_hps_int(h, "early_stopping_rounds")
							       : 0;
	int hist = strcmp(sg_hps_str(h, "tree_method"), "hist") == 0;
	struct sg_xy *loaded = NULL;
	if (ctx->train_path && !hist) {
		/* streamed job, but this tree method wants the whole matrix */
		int lrc = sg_xy_load(ctx->train_path, ctx->train_opts, &loaded, err);
		if (lrc != 0)
			return lrc;
	}
	const struct sg_xy *data = loaded ? loaded : train;
	if (hist) {
		long long max_bin = sg_hps_int(h, "max_bin");
		B.dm[0] = ctx->train_path ? stream_quantile_dmatrix(ctx, train, threads, max_bin, err)
					  : make_quantile_dmatrix(data, NULL, threads, max_bin, err);
		B.dm[1] = valid && B.dm[0] ? make_quantile_dmatrix(valid, B.dm[0], threads, max_bin,
								   err) : NULL;
	} else {
		B.dm[0] = make_dmatrix(data, threads, err);
		B.dm[1] = valid && B.dm[0] ? make_dmatrix(valid, threads, err) : NULL;
	}
	int rc = !B.dm[0] || (valid && !B.dm[1]) ? -1 : 0;
	/* XGBoost holds its own copy now (bin indices, or a CSR matrix): with
	 * no final evaluation on the train channel (SG_ALGO_NO_TRAIN_EVAL) our
	 * float64 matrix is not needed any more, so it goes before boosting. */
	if (rc == 0 && ctx->train_x == train) {
		size_t bytes;
		double *x = sg_xy_take_x(ctx->train_x, &bytes);
		sg_xy_x_free(x, bytes);
	}
	sg_xy_free(loaded);
	loaded = NULL;
	if (rc == 0 && sg_xgb.XGBoosterCreate(B.dm, (bst_ulong)B.ndm, &B.b) != 0)
		rc = xgb_fail(err, "creating the booster");
	if (rc == 0)
		rc = set_params(ctx, train, B.b, err);
	if (rc == 0)
		rc = boost_rounds(&B, sg_hps_int(h, "num_round"), err);
	if (rc == 0)
		rc = keep_best(&B, err);
	for (int i = 0; i < B.ndm; i++)
		if (B.dm[i])
			sg_xgb.XGDMatrixFree(B.dm[i]);
	if (rc != 0) {
		if (B.b)
			sg_xgb.XGBoosterFree(B.b);
		return rc;
	}
	struct xgb_state *s = state_new(B.b, sg_hps_str(h, "objective"), train->nclasses);
	s->rounds = B.patience && B.best >= 0 ? B.best + 1 : B.rounds;
	s->best_iteration = B.patience ? B.best : -1;
	s->best_score = B.best_score;
	m->state = s;
	set_outputs(m, s);
	return 0;
}

/* ---- prediction ------------------------------------------------------------------------ */

static double sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* Row i of a multiclass result r (K values; margins when s->margin). */
static void multi_row(const struct xgb_state *s, const float *r, double *out, double *proba)
{
	int K = s->nclasses, best = 0;
	double mx = r[0], sum = 0, p[K];
	for (int c = 0; c < K; c++) {
		best = r[c] > r[best] ? c : best;
		mx = r[c] > mx ? r[c] : mx;
	}
	for (int c = 0; c < K; c++)
		sum += p[c] = s->margin ? exp(r[c] - mx) : r[c];
	out[0] = best;
	for (int c = 0; proba && c < K; c++)
		proba[c] = p[c] / sum;
}

static void binary_row(const struct xgb_state *s, float r, double *out, double *proba)
{
	double p = s->margin ? sigmoid(r) : r;
	out[0] = p > 0.5;
	out[1] = p;
	if (proba) {
		proba[0] = 1 - p;
		proba[1] = p;
	}
}

static int xgb_predict(const struct sg_model *m, const double *x, size_t n, double *out,
		       double *proba, struct sg_error *err)
{
	const struct xgb_state *s = m->state;
	if (n == 0)
		return 0;
	char ai[256], cfg[160];
	array_interface(ai, sizeof ai, x, n, (size_t)m->d);
	snprintf(cfg, sizeof cfg, "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}", s->margin);
	const bst_ulong *shape;
	bst_ulong dim;
	const float *r;
	if (sg_xgb.XGBoosterPredictFromDense(s->b, ai, cfg, NULL, &shape, &dim, &r) != 0)
		return xgb_fail(err, "predicting");
	for (size_t i = 0; i < n; i++) {
		if (s->nclasses > 2)
			multi_row(s, r + i * (size_t)s->nclasses, out + i,
				  proba ? proba + i * (size_t)s->nclasses : NULL);
		else if (s->nclasses == 2)
			binary_row(s, r[i], out + 2 * i, proba ? proba + 2 * i : NULL);
		else
			out[i] = r[i];
	}
	return 0;
}

/* ---- the model folder --------------------------------------------------------------- */

static int xgb_save(const struct sg_model *m, json_t *params, const char *dir, struct sg_error *err)
{
	const struct xgb_state *s = m->state;
	bst_ulong len;
	const char *buf;
	if (sg_xgb.XGBoosterSaveModelToBuffer(s->b, "{\"format\": \"json\"}", &len, &buf) != 0)
		return xgb_fail(err, "saving the model");
	char *path = sg_path_join(dir, MODEL_FILE);
	int rc = sg_write_atomic(path, buf, (size_t)len, 0644, err);
	free(path);
	json_object_set_new(params, "model_file", json_string(MODEL_FILE));
	json_object_set_new(params, "format", json_string("xgboost-json"));
	json_object_set_new(params, "xgboost_version", json_string(XGB_VERSION));
	json_object_set_new(params, "objective", json_string(s->objective));
	json_object_set_new(params, "rounds", json_integer(s->rounds));
	json_object_set_new(params, "best_iteration", s->best_iteration >= 0
			    ? json_integer(s->best_iteration) : json_null());
	if (s->best_iteration >= 0)
		json_object_set_new(params, "best_score", json_real(s->best_score));
	return rc;
}

static int xgb_load(struct sg_model *m, const json_t *params, const char *dir, struct sg_error *err)
{
	if (sg_xgb_load(err) != 0)
		return -1;
	const char *file = json_string_value(json_object_get(params, "model_file"));
	if (!file || strchr(file, '/'))
		return sg_error_set(err, SG_E_PARSE, "xgboost model: bad or missing model_file");
	char *path = sg_path_join(dir, file);
	size_t len;
	char *buf = sg_read_file(path, (size_t)1 << 34, &len, err);
	free(path);
	if (!buf)
		return -1;
	BoosterHandle b;
	int rc = 0;
	if (sg_xgb.XGBoosterCreate(NULL, 0, &b) != 0)
		rc = xgb_fail(err, "creating the booster");
	if (rc == 0 && sg_xgb.XGBoosterLoadModelFromBuffer(b, buf, (bst_ulong)len) != 0) {
		rc = xgb_fail(err, "loading the model");
		sg_xgb.XGBoosterFree(b);
	}
	free(buf);
	if (rc != 0)
		return -1;
	sg_xgb.XGBoosterSetParam(b, "verbosity", "0");
	const char *obj = sg_hps_str(m->hps, "objective");
	struct xgb_state *s = state_new(b, obj ? obj : "reg:squarederror", m->nclasses);
	s->rounds = (int)json_integer_value(json_object_get(params, "rounds"));
	json_t *bi = json_object_get(params, "best_iteration");
	s->best_iteration = json_is_integer(bi) ? (int)json_integer_value(bi) : -1;
	s->best_score = json_number_value(json_object_get(params, "best_score"));
	m->state = s;
	if (m->nout == 0)
		set_outputs(m, s);
	return 0;
}

/* ---- checks --------------------------------------------------------------------------- */

static enum sg_task xgb_task(const struct sg_hps *h)
{
	const char *o = sg_hps_str(h, "objective");
	return o && (prefix(o, "binary:") || prefix(o, "multi:")) ? SG_TASK_CLASSIFICATION
								   : SG_TASK_REGRESSION;
}

static int xgb_check(const struct sg_hps *h, const struct sg_xy *train, const struct sg_xy *valid,
		     struct sg_error *err)
{
	const char *o = sg_hps_str(h, "objective");
	const char *em = sg_hps_str(h, "eval_metric");
	if (em && check_metrics(em, err) != 0)
		return -1;
	if (prefix(o, "binary:") && train->nclasses != 2)
		return sg_error_set(err, SG_E_USAGE, "xgboost: objective %s needs 2 classes, %s has %d "
				    "(use multi:softprob)", o, train->source, train->nclasses);
	if (prefix(o, "multi:") && !sg_hps_is_auto(h, "num_class") &&
	    sg_hps_int(h, "num_class") != train->nclasses)
		return sg_error_set(err, SG_E_USAGE, "xgboost: num_class is %lld but %s has %d classes",
				    sg_hps_int(h, "num_class"), train->source, train->nclasses);
	if (sg_hps_is_set(h, "early_stopping_rounds") && !valid)
		return sg_error_set(err, SG_E_USAGE, "xgboost: early_stopping_rounds needs a "
				    "validation channel");
	return 0;
}

const struct sg_algo sg_algo_xgboost = {
	.name = "xgboost",
	.summary = "gradient boosted trees (libxgboost " XGB_VERSION ")",
	.version = 1,
	.spec = xgb_spec,
	.nspec = (int)(sizeof xgb_spec / sizeof xgb_spec[0]),
	.task = xgb_task,
	.check = xgb_check,
	.train = xgb_train,
	.predict = xgb_predict,
	.save = xgb_save,
	.load = xgb_load,
	.free_state = xgb_free,
	/* every round already reports the train channel (XGBoosterEvalOneIter) */
	.flags = SG_ALGO_NO_TRAIN_EVAL | SG_ALGO_STREAMS_TRAIN,
};
