/* algo_knn.c — knn: k nearest neighbors, classifier or regressor, by
 * exact brute force on BLAS.
 *
 * The model keeps the training rows.  In memory they are held augmented,
 * T = [-2x, |x|^2] (n x (d+1)), so that one dgemm of a block of queries
 * [q, 1] against a block of training rows gives |x|^2 - 2 q.x directly —
 * the squared distance less |q|^2, which does not change the ranking — and
 * the selection loop is a bare comparison against the current k-th best.
 * (x is recovered exactly as T/-2: scaling by a power of two is exact.)
 * The k nearest are kept in a max-heap ordered by (distance, row), so ties
 * go to the lower training row; their distances are then recomputed
 * exactly from the rows.  When the caller gives up the training matrix
 * (sg_algo_ctx.train_x) and every row is kept, T is built in place in it
 * rather than in a copy, so the model costs the matrix plus a column.
 *
 * Voting (classifier) and averaging (regressor) are uniform, or weighted
 * by 1/distance; with weights=distance, neighbors at distance 0 take all
 * the weight (scikit-learn's rule).  A tie in the vote goes to the lower
 * class index.  Queries are split over the cores. */
#include "core/algo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/algo_par.h"
#include "core/blas_load.h"
#include "core/recipe.h"
#include "core/util.h"

#define QB 512                   /* queries per block */
#define TB 256                   /* training rows per block */

enum knn_kind { KNN_CLS, KNN_REG };
enum knn_metric { KNN_L2, KNN_COSINE };

static const struct sg_hp_spec knn_spec[] = {
	{ "k", SG_HP_INT, NULL, 1, 1e9, NULL, SG_HP_REQUIRED, "number of neighbors" },
	{ "predictor_type", SG_HP_ENUM, NULL, 0, 0, "classifier|regressor", SG_HP_REQUIRED,
	  "vote among the neighbors' classes, or average their values" },
	{ "feature_dim", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "number of features (checked against the data)" },
	{ "weights", SG_HP_ENUM, "uniform", 0, 0, "uniform|distance", 0,
	  "neighbor weights: equal, or 1/distance" },
	{ "sample_size", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "training rows kept, drawn at random (auto: all)" },
	{ "dimension_reduction_type", SG_HP_ENUM, "none", 0, 0, "none|sign", 0,
	  "sign: random projection to dimension_reduction_target dimensions" },
	{ "dimension_reduction_target", SG_HP_INT, NULL, 1, INFINITY, NULL, 0,
	  "dimensions after reduction (< feature_dim)" },
	{ "index_type", SG_HP_ENUM, "faiss.Flat", 0, 0, "faiss.Flat", 0,
	  "exact search (brute force on BLAS)" },
	{ "index_metric", SG_HP_ENUM, "L2", 0, 0, "L2|COSINE", 0,
	  "euclidean distance, or cosine distance 1 - cos" },
	{ "mini_batch_size", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "accepted for SageMaker compatibility" },
};

struct knn_state {
	enum knn_kind kind;
	enum knn_metric metric;
	int distw;                   /* weights=distance */
	int k, d, dt;                /* dt: dimensions searched (d, or the reduction target) */
	int nclasses;
	size_t n;
	double *T;                   /* n x (dt+1): [-2x, |x|^2] */
	size_t Tbytes;               /* T was taken from an sg_xy: bytes mapped (sg_xy_x_free) */
	double *y;                   /* n */
	double *R;                   /* d x dt projection (sign reduction), or NULL */
};

static void knn_free(void *p)
{
	struct knn_state *s = p;
	if (!s)
		return;
	sg_xy_x_free(s->T, s->Tbytes);
	free(s->y);
	free(s->R);
	free(s);
}

/* ---- preparing rows -------------------------------------------------------------------- */

/* Writes row x (d values) as searched: projected, normalized for cosine,
 * into out (dt values). */
static void prep_row(const struct knn_state *s, const double *x, double *out)
{
	if (s->R)
		sg_blas.cblas_dgemv(CblasRowMajor, CblasTrans, s->d, s->dt, 1.0, s->R, s->dt, x, 1,
				    0.0, out, 1);
	else
		memcpy(out, x, (size_t)s->d * sizeof *out);
	if (s->metric != KNN_COSINE)
		return;
	double nn = 0;
	for (int j = 0; j < s->dt; j++)
		nn += out[j] * out[j];
	if (nn > 0)
		for (int j = 0; j < s->dt; j++)
			out[j] /= sqrt(nn);
}

/* Fills the augmented row i of T from x. */
static void set_train_row(struct knn_state *s, size_t i, const double *x)
{
	double *t = s->T + i * (size_t)(s->dt + 1), nn = 0;
	prep_row(s, x, t);
	for (int j = 0; j < s->dt; j++) {
		nn += t[j] * t[j];
		t[j] *= -2.0;
	}
	t[s->dt] = nn;
}

/* ---- the search ---------------------------------------------------------------------- */

struct heap {
	double *d;
	size_t *i;
	int n, k;
};

/* (da, ia) ranks after (db, ib). */
static int after(double da, size_t ia, double db, size_t ib)
{
	return da > db || (da == db && ia > ib);
}

static void heap_sift_down(struct heap *h, int at)
{
	for (;;) {
		int l = 2 * at + 1, r = l + 1, m = at;
		if (l < h->n && after(h->d[l], h->i[l], h->d[m], h->i[m]))
			m = l;
		if (r < h->n && after(h->d[r], h->i[r], h->d[m], h->i[m]))
			m = r;
		if (m == at)
			return;
		double td = h->d[at];
		size_t ti = h->i[at];
		h->d[at] = h->d[m];
		h->i[at] = h->i[m];
		h->d[m] = td;
		h->i[m] = ti;
		at = m;
	}
}

/* Offers (dist, row); returns the new threshold (the k-th best so far). */
static double heap_offer(struct heap *h, double dist, size_t row)
{
	if (h->n < h->k) {
		int at = h->n++;
		h->d[at] = dist;
		h->i[at] = row;
		while (at > 0 && after(h->d[at], h->i[at], h->d[(at - 1) / 2], h->i[(at - 1) / 2])) {
			int p = (at - 1) / 2;
			double td = h->d[at];
			size_t ti = h->i[at];
			h->d[at] = h->d[p];
			h->i[at] = h->i[p];
			h->d[p] = td;
			h->i[p] = ti;
			at = p;
		}
	} else if (after(h->d[0], h->i[0], dist, row)) {
		h->d[0] = dist;
		h->i[0] = row;
		heap_sift_down(h, 0);
	}
	return h->n < h->k ? INFINITY : h->d[0];
}

/* Scans one row of scores g[0..m) for training rows base.. into heap h. */
static void scan_scores(struct heap *h, const double *g, size_t m, size_t base)
{
	double thr = h->n < h->k ? INFINITY : h->d[0];
	size_t j = 0;
	for (; j + 8 <= m; j += 8) {
		int any = (g[j] <= thr) | (g[j + 1] <= thr) | (g[j + 2] <= thr) | (g[j + 3] <= thr) |
			  (g[j + 4] <= thr) | (g[j + 5] <= thr) | (g[j + 6] <= thr) | (g[j + 7] <= thr);
		if (!any)
			continue;
		for (size_t q = j; q < j + 8; q++)
			if (g[q] <= thr)
				thr = heap_offer(h, g[q], base + q);
	}
	for (; j < m; j++)
		if (g[j] <= thr)
			thr = heap_offer(h, g[j], base + j);
}

struct knn_pred {
	const struct knn_state *s;
	const double *x;
	size_t n;
	double *out, *proba;
	int nout;
};

/* Exact squared distance between prepared query q and training row i. */
static double exact_dist(const struct knn_state *s, const double *q, size_t i)
{
	const double *t = s->T + i * (size_t)(s->dt + 1);
	double sum = 0;
	for (int j = 0; j < s->dt; j++) {
		double v = q[j] + 0.5 * t[j];
		sum += v * v;
	}
	return sum;
}

/* Sorts the heap's (dist, row) pairs ascending, with exact distances. */
static void finish_heap(const struct knn_state *s, struct heap *h, const double *q)
{
	for (int a = 0; a < h->n; a++) {
		double dd = exact_dist(s, q, h->i[a]);
		h->d[a] = s->metric == KNN_COSINE ? dd / 2 : sqrt(dd);
	}
	for (int a = 1; a < h->n; a++) {   /* insertion sort: k is small */
		double td = h->d[a];
		size_t ti = h->i[a];
		int b = a - 1;
		for (; b >= 0 && after(h->d[b], h->i[b], td, ti); b--) {
			h->d[b + 1] = h->d[b];
			h->i[b + 1] = h->i[b];
		}
		h->d[b + 1] = td;
		h->i[b + 1] = ti;
	}
}

/* Turns the sorted neighbors of one query into its outputs. */
static void vote(const struct knn_pred *p, const struct heap *h, size_t qi, double *wbuf)
{
	const struct knn_state *s = p->s;
	int zero = 0, K = s->kind == KNN_CLS ? s->nclasses : 1;
	for (int a = 0; a < h->n; a++)
		zero += h->d[a] == 0;
	memset(wbuf, 0, (size_t)K * sizeof *wbuf);
	double wsum = 0, ysum = 0;
	for (int a = 0; a < h->n; a++) {
		double w = !s->distw ? 1.0 : zero ? (h->d[a] == 0) : 1.0 / h->d[a];
		double y = s->y[h->i[a]];
		wsum += w;
		if (s->kind == KNN_CLS)
			wbuf[(int)y] += w;
		else
			ysum += w * y;
	}
	double *o = p->out + qi * (size_t)p->nout;
	if (s->kind == KNN_REG) {
		o[0] = ysum / wsum;
		return;
	}
	int best = 0;
	for (int c = 1; c < K; c++)
		best = wbuf[c] > wbuf[best] ? c : best;
	o[0] = best;
	if (p->nout > 1)
		o[1] = wbuf[1] / wsum;
	if (p->proba)
		for (int c = 0; c < K; c++)
			p->proba[qi * (size_t)K + (size_t)c] = wbuf[c] / wsum;
}

struct qblock {
	double *Q;                   /* QB x (dt+1): [q, 1] */
	double *G;                   /* QB x TB scores */
	double *hd;                  /* QB*k heap distances */
	size_t *hi;
	double *wbuf;
};

static void search_block(const struct knn_pred *p, struct qblock *B, size_t q0, size_t m)
{
	const struct knn_state *s = p->s;
	int da = s->dt + 1;
	struct heap H[QB];
	for (size_t r = 0; r < m; r++) {
		prep_row(s, p->x + (q0 + r) * (size_t)s->d, B->Q + r * (size_t)da);
		B->Q[r * (size_t)da + (size_t)s->dt] = 1.0;
		H[r] = (struct heap){ B->hd + r * (size_t)s->k, B->hi + r * (size_t)s->k, 0, s->k };
	}
	for (size_t t0 = 0; t0 < s->n; t0 += TB) {
		size_t tm = s->n - t0 < TB ? s->n - t0 : TB;
		sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)tm, da,
				    1.0, B->Q, da, s->T + t0 * (size_t)da, da, 0.0, B->G, (int)tm);
		for (size_t r = 0; r < m; r++)
			scan_scores(&H[r], B->G + r * tm, tm, t0);
	}
	for (size_t r = 0; r < m; r++) {
		finish_heap(s, &H[r], B->Q + r * (size_t)da);
		vote(p, &H[r], q0 + r, B->wbuf);
	}
}

static void search_range(void *ud, size_t lo, size_t hi, int t)
{
	(void)t;
	const struct knn_pred *p = ud;
	const struct knn_state *s = p->s;
	struct qblock B;
	B.Q = sg_xmalloc((size_t)QB * (size_t)(s->dt + 1) * sizeof *B.Q);
	B.G = sg_xmalloc((size_t)QB * TB * sizeof *B.G);
	B.hd = sg_xmalloc((size_t)QB * (size_t)s->k * sizeof *B.hd);
	B.hi = sg_xmalloc((size_t)QB * (size_t)s->k * sizeof *B.hi);
	B.wbuf = sg_xmalloc((size_t)(s->nclasses > 1 ? s->nclasses : 1) * sizeof *B.wbuf);
	for (size_t q0 = lo; q0 < hi; q0 += QB)
		search_block(p, &B, q0, hi - q0 < QB ? hi - q0 : QB);
	free(B.Q);
	free(B.G);
	free(B.hd);
	free(B.hi);
	free(B.wbuf);
}

/* ---- the algorithm table ------------------------------------------------------------ */

static enum sg_task knn_task(const struct sg_hps *h)
{
	const char *p = sg_hps_str(h, "predictor_type");
	return p && strcmp(p, "regressor") == 0 ? SG_TASK_REGRESSION : SG_TASK_CLASSIFICATION;
}

static size_t sample_rows(const struct sg_hps *h, size_t n)
{
	if (sg_hps_is_auto(h, "sample_size"))
		return n;
	return (size_t)sg_hps_int(h, "sample_size");
}

static int knn_check(const struct sg_hps *h, const struct sg_xy *train, const struct sg_xy *valid,
		     struct sg_error *err)
{
	(void)valid;
	size_t n = sample_rows(h, train->n);
	if (n > train->n)
		return sg_error_set(err, SG_E_USAGE, "knn: sample_size (%zu) is larger than the number "
				    "of rows of %s (%zu)", n, train->source, train->n);
	if ((size_t)sg_hps_int(h, "k") > n)
		return sg_error_set(err, SG_E_USAGE, "knn: k (%lld) is larger than the number of "
				    "training rows (%zu)", sg_hps_int(h, "k"), n);
	if (strcmp(sg_hps_str(h, "dimension_reduction_type"), "sign") != 0)
		return 0;
	if (!sg_hps_is_set(h, "dimension_reduction_target"))
		return sg_error_set(err, SG_E_USAGE, "knn: dimension_reduction_type=sign needs "
				    "dimension_reduction_target (1 <= target < %d)", train->d);
	if (sg_hps_int(h, "dimension_reduction_target") >= train->d)
		return sg_error_set(err, SG_E_USAGE, "hyperparameter dimension_reduction_target: %lld "
				    "is out of range; valid values: 1 <= dimension_reduction_target < "
				    "%d (feature_dim)", sg_hps_int(h, "dimension_reduction_target"),
				    train->d);
	return 0;
}

/* T is left NULL when own_t is 0 (the caller provides it). */
static struct knn_state *knn_new(const struct sg_hps *h, int d, int nclasses, size_t n, int own_t)
{
	struct knn_state *s = sg_xcalloc(1, sizeof *s);
	s->kind = strcmp(sg_hps_str(h, "predictor_type"), "regressor") == 0 ? KNN_REG : KNN_CLS;
	s->metric = strcmp(sg_hps_str(h, "index_metric"), "COSINE") == 0 ? KNN_COSINE : KNN_L2;
	s->distw = strcmp(sg_hps_str(h, "weights"), "distance") == 0;
	s->k = (int)sg_hps_int(h, "k");
	s->d = s->dt = d;
	s->nclasses = nclasses;
	s->n = n;
	if (strcmp(sg_hps_str(h, "dimension_reduction_type"), "sign") == 0)
		s->dt = (int)sg_hps_int(h, "dimension_reduction_target");
	if (own_t)
		s->T = sg_xmalloc((n ? n : 1) * (size_t)(s->dt + 1) * sizeof *s->T);
	s->y = sg_xmalloc((n ? n : 1) * sizeof *s->y);
	return s;
}

/* The sign projection: entries +-1/sqrt(dt), seeded. */
static void make_projection(struct knn_state *s, struct sg_rng *rng)
{
	size_t sz = (size_t)s->d * (size_t)s->dt;
	double v = 1.0 / sqrt((double)s->dt);
	s->R = sg_xmalloc(sz * sizeof *s->R);
	for (size_t i = 0; i < sz; i++)
		s->R[i] = sg_rng_next(rng) >> 63 ? v : -v;
}

/* The rows kept: all, or sample_size of them at random (in row order). */
static size_t *choose_rows(size_t n, size_t keep, struct sg_rng *rng)
{
	size_t *idx = sg_xmalloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	if (keep == n)
		return idx;
	for (size_t i = 0; i < keep; i++) {
		size_t r = i + (size_t)sg_rng_below(rng, n - i), t = idx[i];
		idx[i] = idx[r];
		idx[r] = t;
	}
	return idx;
}

static void set_outputs(struct sg_model *m, const struct knn_state *s)
{
	static const char *const bin[] = { "predicted_label", "score" };
	static const char *const multi[] = { "predicted_label" };
	static const char *const reg[] = { "score" };
	if (s->kind == KNN_REG)
		sg_model_set_outputs(m, 1, reg);
	else
		sg_model_set_outputs(m, s->nclasses == 2 ? 2 : 1, s->nclasses == 2 ? bin : multi);
}

/* Builds T in train's own matrix (all rows kept, in order): row i moves from
 * offset i*d to i*(dt+1), so rows are done from the last when dt+1 > d (the
 * matrix grown first) and from the first otherwise (shrunk after); each row
 * goes through a scratch copy, as its source and target may overlap. */
static void build_in_place(struct knn_state *s, struct sg_xy *train)
{
	size_t n = s->n, d = (size_t)s->d, da = (size_t)s->dt + 1;
	double *row = sg_xmalloc(d * sizeof *row);
	double *x = sg_xy_take_x(train, &s->Tbytes);
	if (da > d)
		x = sg_xy_x_resize(x, &s->Tbytes, n * da);
	s->T = x;
	for (size_t r = 0; r < n; r++) {
		size_t i = da > d ? n - 1 - r : r;
		memcpy(row, x + i * d, d * sizeof *row);
		set_train_row(s, i, row);
	}
	if (da < d)
		s->T = sg_xy_x_resize(x, &s->Tbytes, n * da);
	free(row);
}

static int knn_train(const struct sg_algo_ctx *ctx, const struct sg_xy *train,
		     const struct sg_xy *valid, struct sg_model *m, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	(void)valid;
	const struct sg_hps *h = ctx->hps;
	struct sg_rng rng;
	sg_rng_seed(&rng, ctx->seed);
	size_t keep = sample_rows(h, train->n);
	int in_place = ctx->train_x == train && keep == train->n;
	struct knn_state *s = knn_new(h, train->d, train->nclasses, keep, !in_place);
	if (s->dt != s->d)
		make_projection(s, &rng);
	size_t *idx = choose_rows(train->n, keep, &rng);
	for (size_t i = 0; i < keep; i++)
		s->y[i] = train->y[idx[i]];
	if (in_place)
		build_in_place(s, ctx->train_x);
	else
		for (size_t i = 0; i < keep; i++)
			set_train_row(s, i, train->x + idx[i] * (size_t)train->d);
	free(idx);
	for (size_t i = 0; i < keep; i++)
		if (!isfinite(s->T[i * (size_t)(s->dt + 1) + (size_t)s->dt])) {
			knn_free(s);
			return sg_error_set(err, SG_E_USAGE, "knn: the squared norm of training row %zu "
					    "is not finite (feature values too large? scale them with a "
					    "recipe)", i + 1);
		}
	if (ctx->log) {
		char line[128];
		snprintf(line, sizeof line, "knn: %zu training rows kept, %d dimensions searched",
			 keep, s->dt);
		ctx->log(ctx->log_ud, line);
	}
	m->state = s;
	set_outputs(m, s);
	return 0;
}

static int knn_predict(const struct sg_model *m, const double *x, size_t n, double *out,
		       double *proba, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	struct knn_pred p = { m->state, x, n, out, proba, m->nout };
	sg_par_for(0, n, 64, search_range, &p);
	return 0;
}

/* The searched rows back from T, in T itself (so saving needs no copy of
 * the rows): row i moves to offset i*dt as x = T/-2, exact (a power of two).
 * restore_rows undoes it, the squared norms recomputed as set_train_row
 * computes them, so T is bit for bit what it was. */
static void rows_in_place(struct knn_state *s)
{
	size_t dt = (size_t)s->dt;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < dt; j++)
			s->T[i * dt + j] = -0.5 * s->T[i * (dt + 1) + j];
}

static void restore_rows(struct knn_state *s)
{
	size_t dt = (size_t)s->dt;
	for (size_t r = 0; r < s->n; r++) {
		size_t i = s->n - 1 - r;
		double nn = 0;
		for (size_t j = dt; j-- > 0;)
			s->T[i * (dt + 1) + j] = s->T[i * dt + j];
		for (size_t j = 0; j < dt; j++) {
			double *t = s->T + i * (dt + 1) + j;
			nn += *t * *t;
			*t *= -2.0;
		}
		s->T[i * (dt + 1) + dt] = nn;
	}
}

static int knn_save(const struct sg_model *m, json_t *params, const char *dir, struct sg_error *err)
{
	struct knn_state *s = m->state;   /* T is borrowed for the rows and put back */
	json_object_set_new(params, "k", json_integer(s->k));
	json_object_set_new(params, "rows", json_integer((json_int_t)s->n));
	rows_in_place(s);
	int rc = sg_model_put_array(params, dir, "train_x", s->T, s->n, (size_t)s->dt, err);
	restore_rows(s);
	if (rc == 0)
		rc = sg_model_put_array(params, dir, "train_y", s->y, s->n, 1, err);
	if (rc == 0 && s->R)
		rc = sg_model_put_array(params, dir, "projection", s->R, (size_t)s->d, (size_t)s->dt,
					err);
	return rc;
}

static int knn_load(struct sg_model *m, const json_t *params, const char *dir, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	struct knn_state *tmp = knn_new(m->hps, m->d, m->nclasses, 0, 1);
	size_t n = 0, dt = (size_t)tmp->dt, one = 1, d = (size_t)m->d;
	double *X = sg_model_get_array(params, dir, "train_x", &n, &dt, err);
	double *y = X ? sg_model_get_array(params, dir, "train_y", &n, &one, err) : NULL;
	double *R = NULL;
	if (y && tmp->dt != tmp->d)
		R = sg_model_get_array(params, dir, "projection", &d, &dt, err);
	if (!y || (tmp->dt != tmp->d && !R) || n < (size_t)tmp->k) {
		if (y && n < (size_t)tmp->k)
			sg_error_set(err, SG_E_PARSE, "knn model: %zu rows for k=%d", n, tmp->k);
		free(X);
		free(y);
		knn_free(tmp);
		return -1;
	}
	struct knn_state *s = knn_new(m->hps, m->d, m->nclasses, n, 1);
	knn_free(tmp);
	s->R = R;
	free(s->y);
	s->y = y;
	/* rows are stored as searched (projected, normalized): fill T directly */
	for (size_t i = 0; i < n; i++) {
		double *t = s->T + i * (dt + 1), nn = 0;
		for (size_t j = 0; j < dt; j++) {
			nn += X[i * dt + j] * X[i * dt + j];
			t[j] = -2.0 * X[i * dt + j];
		}
		t[dt] = nn;
	}
	free(X);
	m->state = s;
	if (m->nout == 0)
		set_outputs(m, s);
	return 0;
}

const struct sg_algo sg_algo_knn = {
	.name = "knn",
	.summary = "k nearest neighbors classifier or regressor (exact, brute force on BLAS)",
	.version = 1,
	.spec = knn_spec,
	.nspec = (int)(sizeof knn_spec / sizeof knn_spec[0]),
	.task = knn_task,
	.check = knn_check,
	.train = knn_train,
	.predict = knn_predict,
	.save = knn_save,
	.load = knn_load,
	.free_state = knn_free,
	.flags = SG_ALGO_NO_TRAIN_EVAL,
};
