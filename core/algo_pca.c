/* algo_pca.c — pca: principal components by the covariance matrix and a
 * symmetric eigensolver (regular mode: tall data, d small enough for a
 * d x d matrix), or by randomized SVD (Halko, Martinsson & Tropp) of the
 * centered data (randomized mode: wide data).
 *
 * Regular: one pass for the column means, one for the covariance — each
 * thread centers blocks of rows into a cache-sized buffer and adds their
 * Gram matrix with dsyrk (centering first keeps the precision that the
 * one-pass X'X - n mu mu' formula loses when means are large) — then
 * LAPACKE_dsyevr for just the top num_components eigenpairs.  Explained
 * variance uses n - 1, as scikit-learn does; the ratio divides by the
 * trace (the total variance).  Each component's sign is fixed so that its
 * largest loading (in absolute value) is positive. */
#include "core/algo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/algo_par.h"
#include "core/blas_load.h"
#include "core/recipe.h"
#include "core/util.h"

#define BLOCK 512
#define AUTO_REGULAR_MAX_D 2000

static const struct sg_hp_spec pca_spec[] = {
	{ "num_components", SG_HP_INT, NULL, 1, 1e9, NULL, SG_HP_REQUIRED,
	  "number of principal components" },
	{ "feature_dim", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "number of features (checked against the data)" },
	{ "algorithm_mode", SG_HP_ENUM, "auto", 0, 0, "regular|randomized", SG_HP_AUTO,
	  "regular: covariance + eigensolver; randomized: randomized SVD; auto: regular up to "
	  "2000 features" },
	{ "subtract_mean", SG_HP_BOOL, "true", 0, 0, NULL, 0,
	  "center the data (in training and when transforming)" },
	{ "extra_components", SG_HP_INT, "-1", -1, 1e9, NULL, 0,
	  "randomized: oversampling columns; -1: max(10, num_components)" },
	{ "iterated_power", SG_HP_INT, "auto", 0, 1000, NULL, SG_HP_AUTO,
	  "randomized: power iterations (auto: 7 if num_components < 0.1 min(n, d), else 4)" },
	{ "whiten", SG_HP_BOOL, "false", 0, 0, NULL, 0,
	  "scale the scores to unit variance (divide by sqrt of explained variance)" },
	{ "mini_batch_size", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "accepted for SageMaker compatibility (the whole data is used)" },
};

struct pca_state {
	int d, nc, whiten;
	double *mean;                /* d (zeros without subtract_mean) */
	double *V;                   /* nc*d components, row-major */
	double *ev, *ratio;          /* nc */
	double total;                /* total variance */
	double *offset;              /* nc: mean . V_c, subtracted when transforming */
};

static void pca_free(void *p)
{
	struct pca_state *s = p;
	if (!s)
		return;
	free(s->mean);
	free(s->V);
	free(s->ev);
	free(s->ratio);
	free(s->offset);
	free(s);
}

static struct pca_state *pca_new(int d, int nc)
{
	struct pca_state *s = sg_xcalloc(1, sizeof *s);
	s->d = d;
	s->nc = nc;
	s->mean = sg_xcalloc((size_t)d, sizeof *s->mean);
	s->V = sg_xcalloc((size_t)nc * (size_t)d, sizeof *s->V);
	s->ev = sg_xcalloc((size_t)nc, sizeof *s->ev);
	s->ratio = sg_xcalloc((size_t)nc, sizeof *s->ratio);
	s->offset = sg_xcalloc((size_t)nc, sizeof *s->offset);
	return s;
}

/* offset_c = mean . V_c */
static void pca_fold(struct pca_state *s)
{
	sg_blas.cblas_dgemv(CblasRowMajor, CblasNoTrans, s->nc, s->d, 1.0, s->V, s->d, s->mean, 1,
			    0.0, s->offset, 1);
}

/* ---- passes over the data ------------------------------------------------------------ */

struct stats_pass {
	const double *X;
	int d;
	const double *mean;          /* NULL: first pass (sums); else centered squares/Gram */
	int gram;                    /* accumulate the centered Gram matrix (d*d, upper) */
	double *part;                /* T * (d or d*d) partial results */
};

static void stats_range(void *ud, size_t lo, size_t hi, int t)
{
	struct stats_pass *P = ud;
	size_t d = (size_t)P->d;
	if (!P->mean) {
		double *s = P->part + (size_t)t * d;
		memset(s, 0, d * sizeof *s);
		for (size_t i = lo; i < hi; i++)
			for (size_t j = 0; j < d; j++)
				s[j] += P->X[i * d + j];
		return;
	}
	size_t sz = P->gram ? d * d : d;
	double *acc = P->part + (size_t)t * sz, *buf = sg_xmalloc(BLOCK * d * sizeof *buf);
	memset(acc, 0, sz * sizeof *acc);
	for (size_t i0 = lo; i0 < hi; i0 += BLOCK) {
		size_t m = hi - i0 < BLOCK ? hi - i0 : BLOCK;
		for (size_t r = 0; r < m; r++)
			for (size_t j = 0; j < d; j++)
				buf[r * d + j] = P->X[(i0 + r) * d + j] - P->mean[j];
		if (P->gram) {
			sg_blas.cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)m,
					    1.0, buf, (int)d, 1.0, acc, (int)d);
			continue;
		}
		for (size_t r = 0; r < m; r++)
			for (size_t j = 0; j < d; j++)
				acc[j] += buf[r * d + j] * buf[r * d + j];
	}
	free(buf);
}

/* Runs a stats pass and sums the thread partials into out (size sz). */
static void stats_run(struct stats_pass *P, size_t n, int threads, size_t sz, double *out)
{
	int T = sg_par_threads(threads);
	P->part = sg_xmalloc((size_t)T * sz * sizeof *P->part);
	T = sg_par_for(T, n, 4 * BLOCK, stats_range, P);
	memset(out, 0, sz * sizeof *out);
	for (int t = 0; t < T; t++)
		for (size_t j = 0; j < sz; j++)
			out[j] += P->part[(size_t)t * sz + j];
	free(P->part);
	P->part = NULL;
}

/* Column means (zeros when !center). */
static void column_means(const struct sg_xy *xy, int center, int threads, double *mean)
{
	size_t d = (size_t)xy->d;
	memset(mean, 0, d * sizeof *mean);
	if (!center)
		return;
	struct stats_pass P = { .X = xy->x, .d = xy->d };
	stats_run(&P, xy->n, threads, d, mean);
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)xy->n;
}

/* ---- sign convention ----------------------------------------------------------------- */

/* Flips row c of V (and nothing else) so its largest |loading| is positive. */
static void fix_signs(double *V, int nc, int d)
{
	for (int c = 0; c < nc; c++) {
		double *v = V + (size_t)c * (size_t)d;
		int arg = 0;
		for (int j = 1; j < d; j++)
			arg = fabs(v[j]) > fabs(v[arg]) ? j : arg;
		if (v[arg] < 0)
			for (int j = 0; j < d; j++)
				v[j] = -v[j];
	}
}

/* ---- regular mode ------------------------------------------------------------------ */

static int fit_regular(const struct sg_algo_ctx *ctx, const struct sg_xy *xy,
		       struct pca_state *s, struct sg_error *err)
{
	size_t d = (size_t)s->d;
	double *A = sg_xmalloc(d * d * sizeof *A);
	struct stats_pass P = { .X = xy->x, .d = s->d, .mean = s->mean, .gram = 1 };
	stats_run(&P, xy->n, ctx->threads, d * d, A);
	double denom = (double)(xy->n > 1 ? xy->n - 1 : 1);
	s->total = 0;
	for (size_t j = 0; j < d; j++) {
		for (size_t q = j; q < d; q++)
			A[j * d + q] /= denom;
		s->total += A[j * d + j];
	}
	if (!sg_all_finite(&s->total, 1)) {
		free(A);
		ctx->report(ctx->report_ud, "train:explained_variance", 0, s->total);
		return sg_error_set(err, SG_E_USAGE, "pca: the covariance became %s (feature values "
				    "too large to square? scale them with a recipe)",
				    isnan(s->total) ? "NaN" : "Inf");
	}
	int nc = s->nc, found = 0;
	/* All eigenpairs (MRRR): d is small here, and the subset path's inverse
	 * iteration gives less accurate vectors. */
	double *w = sg_xmalloc(d * sizeof *w), *Z = sg_xmalloc(d * d * sizeof *Z);
	lapack_int *supp = sg_xmalloc(2 * d * sizeof *supp);
	lapack_int info = sg_lapacke.LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', (lapack_int)d,
						    A, (lapack_int)d, 0, 0, 0, 0,
						    2 * sg_lapacke.LAPACKE_dlamch('S'), &found, w,
						    Z, (lapack_int)d, supp);
	if (info == 0 && found == (int)d) {
		for (int c = 0; c < nc; c++) {      /* ascending -> descending */
			s->ev[c] = w[d - 1 - (size_t)c];
			for (size_t j = 0; j < d; j++)
				s->V[(size_t)c * d + j] = Z[j * d + (d - 1 - (size_t)c)];
		}
	}
	free(A);
	free(w);
	free(Z);
	free(supp);
	if (info != 0 || found != (int)d)
		return sg_error_set(err, SG_E_USAGE, "pca: the eigensolver failed (dsyevr info %d)",
				    (int)info);
	return 0;
}

/* ---- randomized mode ------------------------------------------------------------------ */

static double gauss(struct sg_rng *g)
{
	double u1 = ((double)(sg_rng_next(g) >> 11) + 0.5) * 0x1.0p-53;
	double u2 = (double)(sg_rng_next(g) >> 11) * 0x1.0p-53;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Orthonormalizes the columns of M (rows x l, row-major) in place. */
static int orthonormalize(double *M, size_t rows, int l)
{
	double *tau = sg_xmalloc((size_t)l * sizeof *tau);
	lapack_int info = sg_lapacke.LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)rows, l, M, l,
						    tau);
	if (info == 0)
		info = sg_lapacke.LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)rows, l, l, M, l,
						 tau);
	free(tau);
	return info == 0 ? 0 : -1;
}

/* Y (n x l) = (X - 1 mean') W, W d x l. */
static void apply_a(const struct sg_xy *xy, const double *mean, const double *W, int l, double *Y)
{
	int d = xy->d;
	double *mw = sg_xmalloc((size_t)l * sizeof *mw);
	sg_blas.cblas_dgemv(CblasRowMajor, CblasTrans, d, l, 1.0, W, l, mean, 1, 0.0, mw, 1);
	sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)xy->n, l, d, 1.0, xy->x,
			    d, W, l, 0.0, Y, l);
	for (size_t i = 0; i < xy->n; i++)
		for (int c = 0; c < l; c++)
			Y[i * (size_t)l + (size_t)c] -= mw[c];
	free(mw);
}

/* Z (d x l) = (X - 1 mean')' Q, Q n x l. */
static void apply_at(const struct sg_xy *xy, const double *mean, const double *Q, int l, double *Z)
{
	int d = xy->d;
	double *qs = sg_xcalloc((size_t)l, sizeof *qs);
	for (size_t i = 0; i < xy->n; i++)
		for (int c = 0; c < l; c++)
			qs[c] += Q[i * (size_t)l + (size_t)c];
	sg_blas.cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, l, (int)xy->n, 1.0, xy->x,
			    d, Q, l, 0.0, Z, l);
	sg_blas.cblas_dger(CblasRowMajor, d, l, -1.0, mean, 1, qs, 1, Z, l);
	free(qs);
}

static int power_iterations(const struct sg_hps *h, size_t n, int d, int nc)
{
	if (!sg_hps_is_auto(h, "iterated_power"))
		return (int)sg_hps_int(h, "iterated_power");
	double mn = (double)(n < (size_t)d ? n : (size_t)d);
	return nc < 0.1 * mn ? 7 : 4;
}

/* The range finder: Q (n x l) with orthonormal columns spanning the top of
 * A's range; Z (d x l) = A'Q on return. */
static int range_finder(const struct sg_algo_ctx *ctx, const struct sg_xy *xy,
			const struct pca_state *s, int l, double *Q, double *Z)
{
	struct sg_rng rng;
	sg_rng_seed(&rng, ctx->seed);
	for (size_t i = 0; i < (size_t)xy->d * (size_t)l; i++)
		Z[i] = gauss(&rng);
	int q = power_iterations(ctx->hps, xy->n, xy->d, s->nc);
	apply_a(xy, s->mean, Z, l, Q);
	if (orthonormalize(Q, xy->n, l) != 0)
		return -1;
	for (int it = 0; it < q; it++) {
		apply_at(xy, s->mean, Q, l, Z);
		if (orthonormalize(Z, (size_t)xy->d, l) != 0)
			return -1;
		apply_a(xy, s->mean, Z, l, Q);
		if (orthonormalize(Q, xy->n, l) != 0)
			return -1;
	}
	apply_at(xy, s->mean, Q, l, Z);
	return 0;
}

static int fit_randomized(const struct sg_algo_ctx *ctx, const struct sg_xy *xy,
			  struct pca_state *s, struct sg_error *err)
{
	long long extra = sg_hps_int(ctx->hps, "extra_components");
	int d = xy->d, nc = s->nc;
	if (extra < 0)
		extra = nc > 10 ? nc : 10;
	long long lmax = (long long)(xy->n < (size_t)d ? xy->n : (size_t)d);
	int l = (int)(nc + extra > lmax ? lmax : nc + extra);
	double *var = sg_xmalloc((size_t)d * sizeof *var);
	struct stats_pass P = { .X = xy->x, .d = d, .mean = s->mean };
	stats_run(&P, xy->n, ctx->threads, (size_t)d, var);
	double denom = (double)(xy->n > 1 ? xy->n - 1 : 1);
	s->total = 0;
	for (int j = 0; j < d; j++)
		s->total += var[j] / denom;
	free(var);
	double *Q = sg_xmalloc(xy->n * (size_t)l * sizeof *Q);
	double *Z = sg_xmalloc((size_t)d * (size_t)l * sizeof *Z);
	int rc = isfinite(s->total) ? range_finder(ctx, xy, s, l, Q, Z) : -2;
	free(Q);
	/* B = Z' (l x d) = U S Vt: the components are Vt's first rows. */
	double *sv = sg_xmalloc((size_t)l * sizeof *sv), *U = sg_xmalloc((size_t)l * (size_t)l * sizeof *U);
	double *Vt = sg_xmalloc((size_t)l * (size_t)d * sizeof *Vt);
	double *B = sg_xmalloc((size_t)l * (size_t)d * sizeof *B);
	for (int j = 0; rc == 0 && j < d; j++)
		for (int c = 0; c < l; c++)
			B[(size_t)c * (size_t)d + (size_t)j] = Z[(size_t)j * (size_t)l + (size_t)c];
	if (rc == 0 && sg_lapacke.LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', l, d, B, d, sv, U, l, Vt,
						 d) != 0)
		rc = -1;
	for (int c = 0; rc == 0 && c < nc; c++) {
		s->ev[c] = sv[c] * sv[c] / denom;
		memcpy(s->V + (size_t)c * (size_t)d, Vt + (size_t)c * (size_t)d, (size_t)d * sizeof *Vt);
	}
	free(Z);
	free(sv);
	free(U);
	free(Vt);
	free(B);
	if (rc == -2) {
		ctx->report(ctx->report_ud, "train:explained_variance", 0, s->total);
		return sg_error_set(err, SG_E_USAGE, "pca: the variance became %s (feature values too "
				    "large to square? scale them with a recipe)",
				    isnan(s->total) ? "NaN" : "Inf");
	}
	return rc == 0 ? 0 : sg_error_set(err, SG_E_USAGE, "pca: the randomized SVD failed");
}

/* ---- the algorithm table ------------------------------------------------------------ */

static enum sg_task pca_task(const struct sg_hps *h)
{
	(void)h;
	return SG_TASK_NONE;
}

static int pca_check(const struct sg_hps *h, const struct sg_xy *train, const struct sg_xy *valid,
		     struct sg_error *err)
{
	(void)valid;
	long long nc = sg_hps_int(h, "num_components");
	if (nc > train->d)
		return sg_error_set(err, SG_E_USAGE, "pca: num_components (%lld) is larger than the "
				    "number of features of %s (%d)", nc, train->source, train->d);
	if (train->n < 2)
		return sg_error_set(err, SG_E_USAGE, "pca: %s has %zu row; at least 2 are needed",
				    train->source, train->n);
	if (nc > (long long)train->n)
		return sg_error_set(err, SG_E_USAGE, "pca: num_components (%lld) is larger than the "
				    "number of rows of %s (%zu)", nc, train->source, train->n);
	return 0;
}

static void set_outputs(struct sg_model *m, int nc)
{
	char **names = sg_xcalloc((size_t)nc, sizeof *names);
	for (int c = 0; c < nc; c++)
		names[c] = sg_xasprintf("projection_%d", c + 1);
	sg_model_set_outputs(m, nc, (const char *const *)names);
	for (int c = 0; c < nc; c++)
		free(names[c]);
	free(names);
}

static void pca_report(const struct sg_algo_ctx *ctx, const struct pca_state *s)
{
	double cum = 0;
	for (int c = 0; c < s->nc; c++) {
		cum += s->ratio[c];
		ctx->report(ctx->report_ud, "train:explained_variance", c, s->ev[c]);
		ctx->report(ctx->report_ud, "train:explained_variance_ratio", c, s->ratio[c]);
		ctx->report(ctx->report_ud, "train:cumulative_explained_variance_ratio", c, cum);
	}
}

/* Mean squared reconstruction error of xy with the model's components. */
static double recon_mse(const struct pca_state *s, const struct sg_xy *xy)
{
	double *P = sg_xmalloc(xy->n * (size_t)s->nc * sizeof *P), sum = 0;
	sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)xy->n, s->nc, s->d, 1.0,
			    xy->x, s->d, s->V, s->d, 0.0, P, s->nc);
	for (size_t i = 0; i < xy->n; i++) {
		const double *x = xy->x + i * (size_t)s->d;
		for (int j = 0; j < s->d; j++)
			sum += (x[j] - s->mean[j]) * (x[j] - s->mean[j]);
		for (int c = 0; c < s->nc; c++) {
			double p = P[i * (size_t)s->nc + (size_t)c] - s->offset[c];
			sum -= p * p;
		}
	}
	free(P);
	return sum / (double)xy->n;
}

static int use_regular(const struct sg_hps *h, int d)
{
	if (sg_hps_is_auto(h, "algorithm_mode"))
		return d <= AUTO_REGULAR_MAX_D;
	return strcmp(sg_hps_str(h, "algorithm_mode"), "regular") == 0;
}

static int pca_train(const struct sg_algo_ctx *ctx, const struct sg_xy *train,
		     const struct sg_xy *valid, struct sg_model *m, struct sg_error *err)
{
	if (sg_lapacke_load(err) != 0)
		return -1;
	const struct sg_hps *h = ctx->hps;
	int nc = (int)sg_hps_int(h, "num_components");
	struct pca_state *s = pca_new(train->d, nc);
	s->whiten = sg_hps_bool(h, "whiten");
	column_means(train, sg_hps_bool(h, "subtract_mean"), ctx->threads, s->mean);
	int rc = use_regular(h, train->d) ? fit_regular(ctx, train, s, err)
		: fit_randomized(ctx, train, s, err);
	if (rc != 0) {
		pca_free(s);
		return rc;
	}
	fix_signs(s->V, nc, s->d);
	for (int c = 0; c < nc; c++)
		s->ratio[c] = s->total > 0 ? s->ev[c] / s->total : 0;
	pca_fold(s);
	pca_report(ctx, s);
	double explained = 0;
	for (int c = 0; c < nc; c++)
		explained += s->ev[c];
	double denom = (double)(train->n - 1) / (double)train->n;
	ctx->report(ctx->report_ud, "train:reconstruction_mse", nc, (s->total - explained) * denom);
	if (valid)
		ctx->report(ctx->report_ud, "validation:reconstruction_mse", nc, recon_mse(s, valid));
	m->state = s;
	set_outputs(m, nc);
	return 0;
}

static int pca_predict(const struct sg_model *m, const double *x, size_t n, double *out,
		       double *proba, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	(void)proba;
	(void)err;
	const struct pca_state *s = m->state;
	int nc = s->nc;
	if (n == 0)
		return 0;
	sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, nc, s->d, 1.0, x, s->d,
			    s->V, s->d, 0.0, out, nc);
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < nc; c++) {
			double *o = out + i * (size_t)nc + (size_t)c;
			*o -= s->offset[c];
			if (s->whiten)
				*o /= s->ev[c] > 0 ? sqrt(s->ev[c]) : 1.0;
		}
	return 0;
}

static json_t *vec_json(const double *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static int pca_save(const struct sg_model *m, json_t *params, const char *dir, struct sg_error *err)
{
	const struct pca_state *s = m->state;
	json_object_set_new(params, "num_components", json_integer(s->nc));
	json_object_set_new(params, "whiten", json_boolean(s->whiten));
	json_object_set_new(params, "total_variance", json_real(s->total));
	json_object_set_new(params, "explained_variance", vec_json(s->ev, s->nc));
	json_object_set_new(params, "explained_variance_ratio", vec_json(s->ratio, s->nc));
	if (sg_model_put_array(params, dir, "mean", s->mean, 1, (size_t)s->d, err) != 0)
		return -1;
	return sg_model_put_array(params, dir, "components", s->V, (size_t)s->nc, (size_t)s->d, err);
}

/* Reads a JSON array of exactly n numbers into v. */
static int get_vec(const json_t *params, const char *key, double *v, int n, struct sg_error *err)
{
	const json_t *a = json_object_get(params, key);
	if (!json_is_array(a) || json_array_size(a) != (size_t)n)
		return sg_error_set(err, SG_E_PARSE, "pca model: %s must be an array of %d numbers",
				    key, n);
	for (int i = 0; i < n; i++)
		v[i] = json_number_value(json_array_get(a, (size_t)i));
	return 0;
}

static int pca_load(struct sg_model *m, const json_t *params, const char *dir, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	size_t one = 1, d = (size_t)m->d, nc = 0;
	double *mean = sg_model_get_array(params, dir, "mean", &one, &d, err);
	double *V = mean ? sg_model_get_array(params, dir, "components", &nc, &d, err) : NULL;
	if (!V || nc == 0) {
		free(mean);
		free(V);
		return V ? sg_error_set(err, SG_E_PARSE, "pca model: no components") : -1;
	}
	struct pca_state *s = pca_new(m->d, (int)nc);
	free(s->mean);
	free(s->V);
	s->mean = mean;
	s->V = V;
	s->whiten = json_is_true(json_object_get(params, "whiten"));
	s->total = json_number_value(json_object_get(params, "total_variance"));
	if (get_vec(params, "explained_variance", s->ev, s->nc, err) != 0 ||
	    get_vec(params, "explained_variance_ratio", s->ratio, s->nc, err) != 0) {
		pca_free(s);
		return -1;
	}
	pca_fold(s);
	m->state = s;
	if (m->nout != s->nc)
		set_outputs(m, s->nc);
	return 0;
}

const struct sg_algo sg_algo_pca = {
	.name = "pca",
	.summary = "principal component analysis (covariance + eigensolver, or randomized SVD)",
	.version = 1,
	.spec = pca_spec,
	.nspec = (int)(sizeof pca_spec / sizeof pca_spec[0]),
	.task = pca_task,
	.check = pca_check,
	.train = pca_train,
	.predict = pca_predict,
	.save = pca_save,
	.load = pca_load,
	.free_state = pca_free,
};
