/* algo_linear.c — linear-learner: linear and logistic (binary, softmax)
 * models with L1/L2 regularization, fitted by L-BFGS (strong Wolfe line
 * search), OWL-QN when L1 is on, mini-batch SGD or Adam for very large
 * data, or the normal equations for plain least squares.
 *
 * The objective, over the standardized features z = (x - mean) / scale:
 *     F(W, b) = (1/n) sum_i c_i loss(x_i W + b, y_i) + wd/2 |W|^2 + l1 |W|_1
 * with c_i the class weight of row i (1 for regressors); the bias is not
 * regularized.  Standardizing never copies the matrix: with V = W / scale
 * and c = b - V'mean, the margins are X V + c, and the gradient with respect
 * to W is (X'G - mean s') / scale with G the loss derivatives and s their
 * column sums, so every pass over the data is one BLAS call on the raw X. */
#include "core/algo.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/algo_par.h"
#include "core/blas_load.h"
#include "core/lbfgs.h"
#include "core/recipe.h"
#include "core/util.h"

#define LBFGS_M 10
#define LS_MAX 25

enum lin_kind { LIN_REG, LIN_BIN, LIN_MULTI };

static const struct sg_hp_spec lin_spec[] = {
	{ "predictor_type", SG_HP_ENUM, NULL, 0, 0, "regressor|binary_classifier|multiclass_classifier",
	  SG_HP_REQUIRED, "the kind of label" },
	{ "num_classes", SG_HP_INT, NULL, 3, 1000000, NULL, SG_HP_AUTO,
	  "multiclass: number of classes (checked against the data)" },
	{ "feature_dim", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "number of features (checked against the data)" },
	{ "optimizer", SG_HP_ENUM, "auto", 0, 0, "lbfgs|adam|sgd", SG_HP_AUTO,
	  "auto: normal equations for least squares, lbfgs, adam past 5M rows" },
	{ "epochs", SG_HP_INT, "15", 1, 1000000, NULL, 0, "passes over the data (adam, sgd)" },
	{ "max_iterations", SG_HP_INT, "100", 1, 1000000, NULL, 0, "lbfgs iterations" },
	{ "tolerance", SG_HP_FLOAT, "1e-6", 0, INFINITY, NULL, 0,
	  "lbfgs: stop when the largest gradient component is at most this" },
	{ "mini_batch_size", SG_HP_INT, "1000", 1, INFINITY, NULL, 0, "rows per step (adam, sgd)" },
	{ "learning_rate", SG_HP_FLOAT, "auto", 0, INFINITY, NULL, SG_HP_AUTO | SG_HP_MIN_EXCL,
	  "step size (adam: 0.001, sgd: 0.01)" },
	{ "beta_1", SG_HP_FLOAT, "auto", 0, 1, NULL, SG_HP_AUTO | SG_HP_MAX_EXCL, "adam: 0.9" },
	{ "beta_2", SG_HP_FLOAT, "auto", 0, 1, NULL, SG_HP_AUTO | SG_HP_MAX_EXCL, "adam: 0.999" },
	{ "momentum", SG_HP_FLOAT, "auto", 0, 1, NULL, SG_HP_AUTO | SG_HP_MAX_EXCL, "sgd: 0" },
	{ "wd", SG_HP_FLOAT, "auto", 0, INFINITY, NULL, SG_HP_AUTO,
	  "L2 weight (auto: 1/rows for classifiers, 0 for regressors)" },
	{ "l1", SG_HP_FLOAT, "auto", 0, INFINITY, NULL, SG_HP_AUTO, "L1 weight (auto: 0)" },
	{ "normalize_data", SG_HP_BOOL, "true", 0, 0, NULL, 0, "standardize the features" },
	{ "normalize_label", SG_HP_BOOL, "auto", 0, 0, NULL, SG_HP_AUTO,
	  "accepted for SageMaker compatibility (labels are not scaled)" },
	{ "use_bias", SG_HP_BOOL, "true", 0, 0, NULL, 0, "fit an intercept" },
	{ "loss", SG_HP_ENUM, "auto", 0, 0, "logistic|squared_loss|softmax_loss", SG_HP_AUTO,
	  "auto: the predictor type's loss" },
	{ "positive_example_weight_mult", SG_HP_STRING, "1.0", 0, 0, NULL, 0,
	  "binary: weight of positive rows, a number > 0, auto (1) or balanced" },
	{ "balance_multiclass_weights", SG_HP_BOOL, "false", 0, 0, NULL, 0,
	  "multiclass: weight classes to equal importance" },
	{ "early_stopping_patience", SG_HP_INT, "3", 1, INFINITY, NULL, 0,
	  "iterations without improvement on validation before stopping" },
	{ "early_stopping_tolerance", SG_HP_FLOAT, "0.001", 0, INFINITY, NULL, 0,
	  "relative improvement of validation loss that counts" },
	{ "num_models", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "accepted for SageMaker compatibility (one model is trained)" },
};

/* ---- the fitted model ---------------------------------------------------------- */

struct lin_state {
	enum lin_kind kind;
	int d, K;                    /* K: 1, or the classes of a multiclass model */
	double *mean, *scale;        /* d */
	double *W, *b;               /* d*K (standardized space), K */
	double *V, *c;               /* W folded into raw space: margins = x V + c */
};

static void lin_free(void *p)
{
	struct lin_state *s = p;
	if (!s)
		return;
	free(s->mean);
	free(s->scale);
	free(s->W);
	free(s->b);
	free(s->V);
	free(s->c);
	free(s);
}

static struct lin_state *lin_new(enum lin_kind kind, int d, int K)
{
	struct lin_state *s = sg_xcalloc(1, sizeof *s);
	s->kind = kind;
	s->d = d;
	s->K = K;
	s->mean = sg_xcalloc((size_t)d, sizeof *s->mean);
	s->scale = sg_xcalloc((size_t)d, sizeof *s->scale);
	s->W = sg_xcalloc((size_t)d * (size_t)K, sizeof *s->W);
	s->b = sg_xcalloc((size_t)K, sizeof *s->b);
	s->V = sg_xcalloc((size_t)d * (size_t)K, sizeof *s->V);
	s->c = sg_xcalloc((size_t)K, sizeof *s->c);
	for (int j = 0; j < d; j++)
		s->scale[j] = 1;
	return s;
}

/* V = W / scale (row j), c = b - V' mean. */
static void fold(int d, int K, const double *mean, const double *scale, const double *W,
		 const double *b, double *V, double *c)
{
	for (int j = 0; j < d; j++)
		for (int k = 0; k < K; k++)
			V[(size_t)j * (size_t)K + (size_t)k] = W[(size_t)j * (size_t)K + (size_t)k] / scale[j];
	memcpy(c, b, (size_t)K * sizeof *c);
	sg_blas.cblas_dgemv(CblasRowMajor, CblasTrans, d, K, -1.0, V, K, mean, 1, 1.0, c, 1);
}

/* margins Z (n*K) = X V + c. */
static void margins(const double *X, size_t n, int d, int K, const double *V, const double *c,
		    double *Z)
{
	if (K == 1)
		sg_blas.cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, d, 1.0, X, d, V, 1, 0.0, Z,
				    1);
	else
		sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, K, d, 1.0, X,
				    d, V, K, 0.0, Z, K);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < K; k++)
			Z[i * (size_t)K + (size_t)k] += c[k];
}

static double sigmoid(double z)
{
	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	double e = exp(z);
	return e / (1.0 + e);
}

/* log(1 + exp(z)) without overflow. */
static double softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* Turns the margins of one row into probabilities (multiclass: in place). */
static void softmax_row(double *z, int K)
{
	double mx = z[0], sum = 0;
	for (int k = 1; k < K; k++)
		mx = z[k] > mx ? z[k] : mx;
	for (int k = 0; k < K; k++)
		sum += z[k] = exp(z[k] - mx);
	for (int k = 0; k < K; k++)
		z[k] /= sum;
}

/* ---- the objective --------------------------------------------------------------- */

struct problem {
	enum lin_kind kind;
	int d, K;
	const double *mean, *scale;
	const double *cw;            /* per-class weight (NULL: all 1) */
	double l2;
	int use_bias;
	int threads;                 /* for the per-row loss loop */
	double *Z;                   /* margins / loss derivatives, n*K */
	double *V, *c;               /* scratch: folded weights */
	double *gv;                  /* scratch: X'G, d*K */
};

struct batch {
	const double *X, *y;
	size_t n;
};

struct evalres {
	double loss;                 /* weighted mean loss, without regularization */
	size_t correct;              /* classifiers: rows predicted right */
	double sse;                  /* regressors: sum of squared errors */
};

/* Loss of row i from its margins; writes the derivative into z when grad. */
static double row_loss(const struct problem *p, double *z, double y, int grad, size_t *correct,
		       double *sse)
{
	double w = p->cw ? p->cw[(int)y] : 1.0;
	if (p->kind == LIN_REG) {
		double r = z[0] - y;
		*sse += r * r;
		if (grad)
			z[0] = w * r;
		return 0.5 * w * r * r;
	}
	if (p->kind == LIN_BIN) {
		double m = z[0];
		*correct += (m > 0) == (y > 0.5);
		if (grad)
			z[0] = w * (sigmoid(m) - y);
		return w * (softplus(m) - y * m);
	}
	int K = p->K, t = (int)y, best = 0;
	double mx = z[0], sum = 0;
	for (int k = 1; k < K; k++)
		if (z[k] > mx) {
			mx = z[k];
			best = k;
		}
	*correct += best == t;
	double zt = z[t];
	for (int k = 0; k < K; k++)
		sum += exp(z[k] - mx);
	double lse = mx + log(sum);
	if (grad) {
		for (int k = 0; k < K; k++)
			z[k] = w * (exp(z[k] - lse) - (k == t));
	}
	return w * (lse - zt);
}

/* Rows per block of the fused pass: 2,048 rows of 20 features is 320 KB,
 * still in cache when the second BLAS call reads it back. */
#define FUSE_ROWS 2048

struct fused {
	const struct problem *p;
	const struct batch *bt;
	const double *V, *c;
	int grad;
	struct evalres r[SG_PAR_MAX];
	double *s, *gv;              /* per thread: K column sums, d*K of X'G */
};

/* One thread's rows: margins, losses and derivatives, then X'G, block by
 * block, so each row is read from memory once per evaluation. */
static void fused_range(void *ud, size_t lo, size_t hi, int t)
{
	struct fused *f = ud;
	const struct problem *p = f->p;
	int d = p->d, K = p->K;
	double *s = f->s + (size_t)t * (size_t)K, *gv = f->gv + (size_t)t * (size_t)d * (size_t)K;
	for (size_t b = lo; b < hi; b += FUSE_ROWS) {
		size_t nb = hi - b < FUSE_ROWS ? hi - b : FUSE_ROWS;
		const double *X = f->bt->X + b * (size_t)d;
		double *Z = p->Z + b * (size_t)K;
		margins(X, nb, d, K, f->V, f->c, Z);
		for (size_t i = 0; i < nb; i++) {
			double *z = Z + i * (size_t)K;
			f->r[t].loss += row_loss(p, z, f->bt->y[b + i], f->grad, &f->r[t].correct,
						 &f->r[t].sse);
			for (int k = 0; f->grad && k < K; k++)
				s[k] += z[k];
		}
		if (!f->grad)
			continue;
		if (K == 1)
			sg_blas.cblas_dgemv(CblasRowMajor, CblasTrans, (int)nb, d, 1.0, X, d, Z, 1,
					    1.0, gv, 1);
		else
			sg_blas.cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, K, (int)nb,
					    1.0, X, d, Z, K, 1.0, gv, K);
	}
}

/* The fused pass over a batch on p->threads threads (ranges of at least
 * 65,536 rows; the split depends only on the thread count, so results are
 * reproducible).  Sums are reduced in thread order into r, s (K) and gv. */
static void fused_pass(const struct problem *p, const struct batch *bt, int grad,
		       struct evalres *r, double *s, double *gv)
{
	int d = p->d, K = p->K;
	struct fused f = { .p = p, .bt = bt, .V = p->V, .c = p->c, .grad = grad };
	f.s = sg_xcalloc((size_t)SG_PAR_MAX * (size_t)K, sizeof *f.s);
	f.gv = sg_xcalloc((size_t)SG_PAR_MAX * (size_t)d * (size_t)K, sizeof *f.gv);
	int T = sg_par_for(p->threads, bt->n, 65536, fused_range, &f);
	memset(r, 0, sizeof *r);
	size_t dk = (size_t)d * (size_t)K;
	if (grad) {
		memset(s, 0, (size_t)K * sizeof *s);
		memset(gv, 0, dk * sizeof *gv);
	}
	for (int t = 0; t < T; t++) {
		r->loss += f.r[t].loss;
		r->correct += f.r[t].correct;
		r->sse += f.r[t].sse;
		for (int k = 0; grad && k < K; k++)
			s[k] += f.s[(size_t)t * (size_t)K + (size_t)k];
		for (size_t j = 0; grad && j < dk; j++)
			gv[j] += f.gv[(size_t)t * dk + j];
	}
	free(f.s);
	free(f.gv);
}

/* Evaluates the objective at theta = [W (d*K), b (K)] on a batch; with g,
 * also its gradient.  Returns F (loss + L2; L1 is added by the optimizer). */
static double objective(struct problem *p, const struct batch *bt, const double *theta,
			double *g, struct evalres *res)
{
	int d = p->d, K = p->K;
	size_t dk = (size_t)d * (size_t)K;
	const double *W = theta, *b = theta + dk;
	fold(d, K, p->mean, p->scale, W, b, p->V, p->c);
	struct evalres r;
	double *s = g ? g + dk : NULL;
	fused_pass(p, bt, g != NULL, &r, s, p->gv);
	double inv = 1.0 / (double)bt->n;
	r.loss *= inv;
	if (res)
		*res = r;
	double reg = 0;
	for (size_t j = 0; j < dk; j++)
		reg += W[j] * W[j];
	if (!g)
		return r.loss + 0.5 * p->l2 * reg;
	for (int j = 0; j < d; j++)
		for (int k = 0; k < K; k++) {
			size_t at = (size_t)j * (size_t)K + (size_t)k;
			g[at] = (p->gv[at] - p->mean[j] * s[k]) * inv / p->scale[j] + p->l2 * W[at];
		}
	for (int k = 0; k < K; k++)
		s[k] = p->use_bias ? s[k] * inv : 0.0;
	return r.loss + 0.5 * p->l2 * reg;
}

/* ---- fitting ----------------------------------------------------------------------- */

struct fit {
	const struct sg_algo_ctx *ctx;
	const struct sg_hps *h;
	struct problem tp, vp;
	struct batch tb, vb;
	int has_valid;
	size_t np;                   /* parameters: d*K + K */
	double l1;
	struct evalres last;         /* train figures at the last evaluation */
	/* early stopping */
	double *best, best_loss, best_counted;
	int since, patience, stopped_early;
	double tol;
	int failed;                  /* NaN/Inf or cancelled: 1 cancelled, -1 error */
	struct sg_error *err;
};

static const char *acc_key(enum lin_kind k)
{
	return k == LIN_BIN ? "binary_classification_accuracy" : "multiclass_accuracy";
}

static void report(const struct fit *F, const char *chan, const char *name, int it, double v)
{
	char key[96];
	snprintf(key, sizeof key, "%s:%s", chan, name);
	F->ctx->report(F->ctx->report_ud, key, it, v);
}

/* Reports an iteration and decides on early stopping; non-zero stops. */
static int iteration_done(struct fit *F, int it, const double *theta, double train_loss,
			  const struct evalres *tr)
{
	enum lin_kind kind = F->tp.kind;
	report(F, "train", "objective_loss", it, train_loss);
	if (tr && kind != LIN_REG)
		report(F, "train", acc_key(kind), it, (double)tr->correct / (double)F->tb.n);
	if (!isfinite(train_loss)) {
		F->failed = sg_error_set(F->err, SG_E_USAGE, "linear-learner: the loss became %s at "
					 "iteration %d (try a smaller learning_rate, or "
					 "normalize_data=true)", isnan(train_loss) ? "NaN" : "Inf", it);
		return 1;
	}
	if (F->ctx->cancel && atomic_load(F->ctx->cancel)) {
		F->failed = 1;
		return 1;
	}
	if (!F->has_valid)
		return 0;
	struct evalres vr;
	objective(&F->vp, &F->vb, theta, NULL, &vr);
	report(F, "validation", "objective_loss", it, vr.loss);
	if (kind == LIN_REG)
		report(F, "validation", "mse", it, vr.sse / (double)F->vb.n);
	else
		report(F, "validation", acc_key(kind), it, (double)vr.correct / (double)F->vb.n);
	if (vr.loss < F->best_loss) {
		F->best_loss = vr.loss;
		memcpy(F->best, theta, F->np * sizeof *F->best);
	}
	if (vr.loss < F->best_counted * (1 - F->tol) || isinf(F->best_counted)) {
		F->best_counted = vr.loss;
		F->since = 0;
	} else if (++F->since >= F->patience) {
		F->stopped_early = it;
		return 1;
	}
	return 0;
}

static double lbfgs_fn(void *ud, const double *theta, double *g)
{
	struct fit *F = ud;
	return objective(&F->tp, &F->tb, theta, g, &F->last);
}

static int lbfgs_progress(void *ud, int it, const double *theta, double Fx, double gmax)
{
	struct fit *F = ud;
	report(F, "train", "gradient_max", it, gmax);
	return iteration_done(F, it, theta, F->last.loss, &F->last);
}

static int fit_lbfgs(struct fit *F, double *theta)
{
	struct sg_lbfgs_opts o = {
		.m = 10, .max_iter = (int)sg_hps_int(F->h, "max_iterations"),
		.gtol = sg_hps_num(F->h, "tolerance"), .l1 = F->l1,
		.l1_n = (size_t)F->tp.d * (size_t)F->tp.K,
	};
	if (o.gtol == 0)
		o.gtol = 1e-300;
	struct sg_lbfgs_result r;
	sg_lbfgs(F->np, theta, lbfgs_fn, lbfgs_progress, F, &o, &r);
	if (r.status == SG_LBFGS_NOTFINITE && !F->failed)
		F->failed = sg_error_set(F->err, SG_E_USAGE, "linear-learner: the loss is not finite "
					 "at the start (values too large? try normalize_data=true)");
	if (F->ctx->log) {
		char line[160];
		snprintf(line, sizeof line, "lbfgs: %s after %d iterations, %d evaluations, F=%.10g",
			 sg_lbfgs_status_name(r.status), r.iterations, r.evaluations, r.F);
		F->ctx->log(F->ctx->log_ud, line);
	}
	return 0;
}

struct stepper {
	int adam;
	double lr, b1, b2, mom, eps;
	long long t;
	double *m, *v;
};

static void step(struct stepper *S, double *theta, const double *g, size_t np)
{
	S->t++;
	if (S->adam) {
		double c1 = 1 - pow(S->b1, (double)S->t), c2 = 1 - pow(S->b2, (double)S->t);
		for (size_t i = 0; i < np; i++) {
			S->m[i] = S->b1 * S->m[i] + (1 - S->b1) * g[i];
			S->v[i] = S->b2 * S->v[i] + (1 - S->b2) * g[i] * g[i];
			theta[i] -= S->lr * (S->m[i] / c1) / (sqrt(S->v[i] / c2) + S->eps);
		}
		return;
	}
	for (size_t i = 0; i < np; i++) {
		S->m[i] = S->mom * S->m[i] - S->lr * g[i];
		theta[i] += S->m[i];
	}
}

static double soft(double w, double t)
{
	return w > t ? w - t : w < -t ? w + t : 0.0;
}

/* The proximal step of L1 after an update: soft-thresholding by the step
 * each coordinate just took (Adam's is per coordinate), which lands
 * irrelevant weights on exactly 0. */
static void prox_step(const struct stepper *S, double *w, size_t n, double l1)
{
	double c2 = 1 - pow(S->b2, (double)S->t);
	for (size_t i = 0; i < n; i++)
		w[i] = soft(w[i], l1 * (S->adam ? S->lr / (sqrt(S->v[i] / c2) + S->eps) : S->lr));
}

static double hp_or(const struct sg_hps *h, const char *name, double def)
{
	return sg_hps_is_auto(h, name) || !sg_hps_is_set(h, name) ? def : sg_hps_num(h, name);
}

static int fit_minibatch(struct fit *F, double *theta, int adam)
{
	const struct sg_hps *h = F->h;
	struct stepper S = { .adam = adam, .eps = 1e-8,
			     .lr = hp_or(h, "learning_rate", adam ? 0.001 : 0.01),
			     .b1 = hp_or(h, "beta_1", 0.9), .b2 = hp_or(h, "beta_2", 0.999),
			     .mom = hp_or(h, "momentum", 0.0) };
	S.m = sg_xcalloc(F->np, sizeof *S.m);
	S.v = sg_xcalloc(F->np, sizeof *S.v);
	double *g = sg_xcalloc(F->np, sizeof *g);
	size_t B = (size_t)sg_hps_int(h, "mini_batch_size"), n = F->tb.n;
	size_t nb = (n + B - 1) / B;
	size_t *order = sg_xcalloc(nb, sizeof *order);
	for (size_t i = 0; i < nb; i++)
		order[i] = i;
	struct sg_rng rng;
	sg_rng_seed(&rng, F->ctx->seed);
	long long epochs = sg_hps_int(h, "epochs");
	size_t dk = (size_t)F->tp.d * (size_t)F->tp.K;
	for (long long e = 1; e <= epochs; e++) {
		for (size_t i = nb; i > 1; i--) {
			size_t j = (size_t)sg_rng_below(&rng, i), t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		double sum = 0;
		struct evalres acc = { 0 };
		for (size_t k = 0; k < nb; k++) {
			size_t first = order[k] * B, cnt = first + B > n ? n - first : B;
			struct batch bt = { F->tb.X + first * (size_t)F->tp.d, F->tb.y + first, cnt };
			struct evalres r;
			objective(&F->tp, &bt, theta, g, &r);
			sum += r.loss * (double)cnt;
			acc.correct += r.correct;
			step(&S, theta, g, F->np);
			if (F->l1 > 0)
				prox_step(&S, theta, dk, F->l1);
		}
		if (iteration_done(F, (int)e, theta, sum / (double)n, &acc))
			break;
	}
	free(order);
	free(g);
	free(S.m);
	free(S.v);
	return 0;
}

/* Plain least squares (+ L2) in closed form: the Gram matrix of the
 * standardized features by one dsyrk pass, then a Cholesky solve (or a
 * minimum-norm least-squares solve when it is singular). */
static int fit_normal(struct fit *F, double *theta)
{
	int d = F->tp.d;
	size_t n = F->tb.n;
	const double *mu = F->tp.mean, *sc = F->tp.scale;
	double *A = sg_xcalloc((size_t)d * (size_t)d, sizeof *A);
	double *rhs = sg_xcalloc((size_t)d, sizeof *rhs);
	sg_blas.cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, (int)n, 1.0, F->tb.X, d, 0.0,
			    A, d);
	sg_blas.cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, d, 1.0, F->tb.X, d, F->tb.y, 1, 0.0,
			    rhs, 1);
	double ybar = 0;
	for (size_t i = 0; i < n; i++)
		ybar += F->tb.y[i];
	ybar /= (double)n;
	for (int j = 0; j < d; j++) {
		for (int k = j; k < d; k++) {
			double v = (A[(size_t)j * (size_t)d + (size_t)k] - (double)n * mu[j] * mu[k]) /
				   (sc[j] * sc[k] * (double)n);
			A[(size_t)j * (size_t)d + (size_t)k] = A[(size_t)k * (size_t)d + (size_t)j] = v;
		}
		A[(size_t)j * (size_t)d + (size_t)j] += F->tp.l2;
		rhs[j] = (rhs[j] - (double)n * mu[j] * ybar) / (sc[j] * (double)n);
	}
	double *A2 = sg_xmalloc((size_t)d * (size_t)d * sizeof *A2);
	memcpy(A2, A, (size_t)d * (size_t)d * sizeof *A2);
	memcpy(theta, rhs, (size_t)d * sizeof *theta);
	if (sg_lapacke.LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', d, 1, A, d, theta, 1) != 0) {
		double *sv = sg_xcalloc((size_t)d, sizeof *sv);
		lapack_int rank;
		memcpy(theta, rhs, (size_t)d * sizeof *theta);
		sg_lapacke.LAPACKE_dgelsd(LAPACK_ROW_MAJOR, d, d, 1, A2, d, theta, 1, sv, -1.0,
					  &rank);
		free(sv);
	}
	theta[d] = ybar;
	free(A);
	free(A2);
	free(rhs);
	struct evalres r;
	objective(&F->tp, &F->tb, theta, NULL, &r);
	iteration_done(F, 1, theta, r.loss, &r);
	return 0;
}

/* ---- the table's functions ------------------------------------------------------------ */

static enum lin_kind kind_of(const struct sg_hps *h)
{
	const char *t = sg_hps_str(h, "predictor_type");
	return !t || strcmp(t, "regressor") == 0 ? LIN_REG
		: strcmp(t, "binary_classifier") == 0 ? LIN_BIN : LIN_MULTI;
}

static enum sg_task lin_task(const struct sg_hps *h)
{
	return kind_of(h) == LIN_REG ? SG_TASK_REGRESSION : SG_TASK_CLASSIFICATION;
}

/* positive_example_weight_mult: a number > 0, auto (1) or balanced (-1). */
static int pos_weight(const struct sg_hps *h, double *out, struct sg_error *err)
{
	const char *v = sg_hps_str(h, "positive_example_weight_mult");
	if (!v || strcmp(v, "auto") == 0)
		return *out = 1.0, 0;
	if (strcmp(v, "balanced") == 0)
		return *out = -1.0, 0;
	if (sg_parse_double(v, strlen(v), out) != 0 || !(*out > 0) || !isfinite(*out))
		return sg_error_set(err, SG_E_USAGE, "hyperparameter positive_example_weight_mult: "
				    "'%s' is not valid; valid values: a number > 0, auto, balanced", v);
	return 0;
}

static int lin_check(const struct sg_hps *h, const struct sg_xy *train, const struct sg_xy *valid,
		     struct sg_error *err)
{
	enum lin_kind k = kind_of(h);
	double pw;
	if (pos_weight(h, &pw, err) != 0)
		return -1;
	if (k == LIN_BIN && train->nclasses != 2)
		return sg_error_set(err, SG_E_USAGE, "%s: predictor_type binary_classifier needs "
				    "exactly 2 classes, the label has %d (use multiclass_classifier)",
				    train->source, train->nclasses);
	if (k == LIN_MULTI && sg_hps_is_set(h, "num_classes") && !sg_hps_is_auto(h, "num_classes") &&
	    sg_hps_int(h, "num_classes") < train->nclasses)
		return sg_error_set(err, SG_E_USAGE, "%s: num_classes is %lld but the label has %d "
				    "classes", train->source, sg_hps_int(h, "num_classes"),
				    train->nclasses);
	const char *loss = sg_hps_str(h, "loss");
	const char *want = k == LIN_REG ? "squared_loss" : k == LIN_BIN ? "logistic" : "softmax_loss";
	if (loss && strcmp(loss, "auto") != 0 && strcmp(loss, want) != 0)
		return sg_error_set(err, SG_E_USAGE, "hyperparameter loss: %s does not go with "
				    "predictor_type %s (use %s or auto)", loss,
				    sg_hps_str(h, "predictor_type"), want);
	return 0;
}

/* Column means and population standard deviations (1 for constant columns). */
static void feature_stats(const struct sg_xy *xy, double *mean, double *scale)
{
	size_t n = xy->n;
	int d = xy->d;
	double *ones = sg_xmalloc(n * sizeof *ones);
	for (size_t i = 0; i < n; i++)
		ones[i] = 1.0;
	sg_blas.cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, d, 1.0 / (double)n, xy->x, d, ones,
			    1, 0.0, mean, 1);
	free(ones);
	double *ss = sg_xcalloc((size_t)d, sizeof *ss);
	for (size_t i = 0; i < n; i++) {
		const double *r = xy->x + i * (size_t)d;
		for (int j = 0; j < d; j++)
			ss[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
	}
	for (int j = 0; j < d; j++) {
		double sd = sqrt(ss[j] / (double)n);
		scale[j] = sd > 1e-12 * (fabs(mean[j]) + 1e-300) && sd > 0 ? sd : 1.0;
	}
	free(ss);
}

/* Class weights: positive_example_weight_mult (binary) or balanced. */
static double *class_weights(const struct sg_hps *h, enum lin_kind k, const struct sg_xy *xy)
{
	double pw = 1;
	int balanced = k == LIN_MULTI && sg_hps_bool(h, "balance_multiclass_weights");
	if (k == LIN_BIN) {
		pos_weight(h, &pw, NULL);
		balanced = pw < 0;
	}
	if (k == LIN_REG || (!balanced && pw == 1))
		return NULL;
	int K = xy->nclasses;
	double *cw = sg_xcalloc((size_t)K, sizeof *cw), *cnt = sg_xcalloc((size_t)K, sizeof *cnt);
	for (size_t i = 0; i < xy->n; i++)
		cnt[(int)xy->y[i]]++;
	for (int c = 0; c < K; c++)
		cw[c] = !balanced ? (c == 1 ? pw : 1.0)
			: cnt[c] > 0 ? (double)xy->n / ((double)K * cnt[c]) : 1.0;
	free(cnt);
	return cw;
}

static void problem_init(struct problem *p, const struct lin_state *s, const double *cw,
			 double l2, int use_bias, size_t rows, int threads)
{
	memset(p, 0, sizeof *p);
	p->kind = s->kind;
	p->d = s->d;
	p->K = s->K;
	p->mean = s->mean;
	p->scale = s->scale;
	p->cw = cw;
	p->l2 = l2;
	p->use_bias = use_bias;
	p->threads = threads;
	p->Z = sg_xmalloc((rows ? rows : 1) * (size_t)s->K * sizeof *p->Z);
	p->V = sg_xcalloc((size_t)s->d * (size_t)s->K, sizeof *p->V);
	p->c = sg_xcalloc((size_t)s->K, sizeof *p->c);
	p->gv = sg_xcalloc((size_t)s->d * (size_t)s->K, sizeof *p->gv);
}

static void problem_done(struct problem *p)
{
	free(p->Z);
	free(p->V);
	free(p->c);
	free(p->gv);
}

enum { OPT_NORMAL, OPT_LBFGS, OPT_ADAM, OPT_SGD };

static int choose_optimizer(const struct sg_hps *h, enum lin_kind k, double l1, size_t n)
{
	const char *o = sg_hps_str(h, "optimizer");
	if (o && strcmp(o, "lbfgs") == 0)
		return OPT_LBFGS;
	if (o && strcmp(o, "adam") == 0)
		return OPT_ADAM;
	if (o && strcmp(o, "sgd") == 0)
		return OPT_SGD;
	if (k == LIN_REG && l1 == 0 && sg_hps_bool(h, "use_bias"))
		return OPT_NORMAL;
	return n > 5000000 ? OPT_ADAM : OPT_LBFGS;
}

static void set_outputs(struct sg_model *m, enum lin_kind k)
{
	static const char *const bin[] = { "predicted_label", "score" };
	static const char *const multi[] = { "predicted_label" };
	static const char *const reg[] = { "score" };
	if (k == LIN_BIN)
		sg_model_set_outputs(m, 2, bin);
	else
		sg_model_set_outputs(m, 1, k == LIN_MULTI ? multi : reg);
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

static int run_fit(struct fit *F, int opt, double *theta)
{
	switch (opt) {
	case OPT_NORMAL: return fit_normal(F, theta);
	case OPT_LBFGS: return fit_lbfgs(F, theta);
	default: return fit_minibatch(F, theta, opt == OPT_ADAM);
	}
}

static int lin_train(const struct sg_algo_ctx *ctx, const struct sg_xy *train,
		     const struct sg_xy *valid, struct sg_model *m, struct sg_error *err)
{
	if (sg_lapacke_load(err) != 0)
		return -1;
	const struct sg_hps *h = ctx->hps;
	enum lin_kind k = kind_of(h);
	struct lin_state *s = lin_new(k, train->d, k == LIN_MULTI ? train->nclasses : 1);
	if (sg_hps_bool(h, "normalize_data"))
		feature_stats(train, s->mean, s->scale);
	double *cw = class_weights(h, k, train);
	double l2 = hp_or(h, "wd", k == LIN_REG ? 0.0 : 1.0 / (double)train->n);
	struct fit F = { .ctx = ctx, .h = h, .err = err, .l1 = hp_or(h, "l1", 0.0),
			 .has_valid = valid != NULL, .best_loss = INFINITY, .best_counted = INFINITY,
			 .patience = (int)sg_hps_int(h, "early_stopping_patience"),
			 .tol = sg_hps_num(h, "early_stopping_tolerance") };
	int opt = choose_optimizer(h, k, F.l1, train->n);
	size_t rows = opt >= OPT_ADAM ? (size_t)sg_hps_int(h, "mini_batch_size") : train->n;
	int threads = ctx->threads > 0 ? ctx->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	problem_init(&F.tp, s, cw, l2, sg_hps_bool(h, "use_bias"), rows < train->n ? rows : train->n,
		     threads);
	F.tb = (struct batch){ train->x, train->y, train->n };
	F.np = (size_t)s->d * (size_t)s->K + (size_t)s->K;
	if (valid) {
		problem_init(&F.vp, s, cw, l2, 1, valid->n, threads);
		F.vb = (struct batch){ valid->x, valid->y, valid->n };
		F.best = sg_xcalloc(F.np, sizeof *F.best);
	}
	static const char *const optname[] = { "normal equations", "lbfgs", "adam", "sgd" };
	log_line(ctx, "linear-learner: %s, %d output%s, optimizer %s, wd=%g l1=%g",
		 sg_hps_str(h, "predictor_type"), s->K, s->K == 1 ? "" : "s", optname[opt], l2, F.l1);
	double *theta = sg_xcalloc(F.np, sizeof *theta);
	run_fit(&F, opt, theta);
	if (F.stopped_early)
		log_line(ctx, "early stopping at iteration %d: validation loss %.6g is the best",
			 F.stopped_early, F.best_loss);
	if (valid && isfinite(F.best_loss))
		memcpy(theta, F.best, F.np * sizeof *theta);
	int rc = F.failed;
	if (rc == 0) {
		memcpy(s->W, theta, (size_t)s->d * (size_t)s->K * sizeof *s->W);
		memcpy(s->b, theta + (size_t)s->d * (size_t)s->K, (size_t)s->K * sizeof *s->b);
		fold(s->d, s->K, s->mean, s->scale, s->W, s->b, s->V, s->c);
		m->state = s;
		set_outputs(m, k);
	} else {
		lin_free(s);
	}
	free(theta);
	free(F.best);
	free(cw);
	problem_done(&F.tp);
	if (valid)
		problem_done(&F.vp);
	return rc;
}

static int lin_predict(const struct sg_model *m, const double *x, size_t n, double *out,
		       double *proba, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	const struct lin_state *s = m->state;
	int K = s->K;
	double *Z = sg_xmalloc((n ? n : 1) * (size_t)K * sizeof *Z);
	margins(x, n, s->d, K, s->V, s->c, Z);
	for (size_t i = 0; i < n; i++) {
		double *z = Z + i * (size_t)K;
		if (s->kind == LIN_REG) {
			out[i] = z[0];
		} else if (s->kind == LIN_BIN) {
			double p = sigmoid(z[0]);
			out[2 * i] = z[0] > 0;
			out[2 * i + 1] = p;
			if (proba) {
				proba[2 * i] = 1 - p;
				proba[2 * i + 1] = p;
			}
		} else {
			softmax_row(z, K);
			int best = 0;
			for (int c = 1; c < K; c++)
				best = z[c] > z[best] ? c : best;
			out[i] = best;
			if (proba)
				memcpy(proba + i * (size_t)K, z, (size_t)K * sizeof *z);
		}
	}
	free(Z);
	return 0;
}

static int lin_save(const struct sg_model *m, json_t *params, const char *dir,
		    struct sg_error *err)
{
	const struct lin_state *s = m->state;
	static const char *const kinds[] = { "regressor", "binary_classifier",
					     "multiclass_classifier" };
	json_object_set_new(params, "kind", json_string(kinds[s->kind]));
	json_object_set_new(params, "standardized_space", json_true());
	if (sg_model_put_array(params, dir, "mean", s->mean, 1, (size_t)s->d, err) != 0 ||
	    sg_model_put_array(params, dir, "scale", s->scale, 1, (size_t)s->d, err) != 0 ||
	    sg_model_put_array(params, dir, "weights", s->W, (size_t)s->d, (size_t)s->K, err) != 0 ||
	    sg_model_put_array(params, dir, "bias", s->b, 1, (size_t)s->K, err) != 0)
		return -1;
	return 0;
}

static int lin_load(struct sg_model *m, const json_t *params, const char *dir,
		    struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	const char *kind = json_string_value(json_object_get(params, "kind"));
	enum lin_kind k = !kind ? LIN_REG : strcmp(kind, "binary_classifier") == 0 ? LIN_BIN
		: strcmp(kind, "multiclass_classifier") == 0 ? LIN_MULTI : LIN_REG;
	size_t K = k == LIN_MULTI ? (size_t)m->nclasses : 1, d = (size_t)m->d, one = 1;
	if ((k != LIN_REG && m->task != SG_TASK_CLASSIFICATION) || K == 0)
		return sg_error_set(err, SG_E_PARSE, "model.json: parameters.kind %s does not match "
				    "the model's task and classes", kind ? kind : "(missing)");
	struct lin_state *s = lin_new(k, (int)d, (int)K);
	double *mean = sg_model_get_array(params, dir, "mean", &one, &d, err);
	double *scale = mean ? sg_model_get_array(params, dir, "scale", &one, &d, err) : NULL;
	double *W = scale ? sg_model_get_array(params, dir, "weights", &d, &K, err) : NULL;
	double *b = W ? sg_model_get_array(params, dir, "bias", &one, &K, err) : NULL;
	if (!b) {
		free(mean);
		free(scale);
		free(W);
		lin_free(s);
		return -1;
	}
	free(s->mean);
	free(s->scale);
	free(s->W);
	free(s->b);
	s->mean = mean;
	s->scale = scale;
	s->W = W;
	s->b = b;
	fold(s->d, s->K, s->mean, s->scale, s->W, s->b, s->V, s->c);
	m->state = s;
	if (m->nout == 0)
		set_outputs(m, k);
	return 0;
}

const struct sg_algo sg_algo_linear_learner = {
	.name = "linear-learner",
	.summary = "linear and logistic regression (binary, multiclass) with L1/L2, "
		   "L-BFGS/OWL-QN, Adam or SGD",
	.version = 1,
	.spec = lin_spec,
	.nspec = (int)(sizeof lin_spec / sizeof lin_spec[0]),
	.task = lin_task,
	.check = lin_check,
	.train = lin_train,
	.predict = lin_predict,
	.save = lin_save,
	.load = lin_load,
	.free_state = lin_free,
};
