/* algo_kmeans.c — kmeans: k-means++ (greedy, as scikit-learn does it) or
 * random initialization, then Lloyd's iterations over the whole data, or
 * mini-batch updates for very large data (optionally with extra centers
 * reduced to k at the end, as SageMaker's algorithm does).
 *
 * Distances are computed as |x|^2 + |c|^2 - 2 x.c with one dgemm per block
 * of CHUNK rows (the block stays in cache while its distances are scanned),
 * and the assignment, the inertia and the per-cluster sums are fused into
 * that single pass, split over the cores.  Convergence follows
 * scikit-learn: stop when the squared movement of the centers, summed, is
 * at most tol times the mean variance of the features. */
#include "core/algo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/algo_par.h"
#include "core/blas_load.h"
#include "core/recipe.h"
#include "core/util.h"

#define CHUNK 512
#define MB_AUTO_ROWS 20000000   /* algorithm=auto: mini-batch from this many rows */

enum { EV_MSD = 1, EV_SSD = 2 };

static const struct sg_hp_spec km_spec[] = {
	{ "k", SG_HP_INT, NULL, 1, 1e9, NULL, SG_HP_REQUIRED, "number of clusters" },
	{ "feature_dim", SG_HP_INT, "auto", 1, INFINITY, NULL, SG_HP_AUTO,
	  "number of features (checked against the data)" },
	{ "init_method", SG_HP_ENUM, "kmeans++", 0, 0, "random|kmeans++", 0,
	  "initial centers: k random rows, or k-means++ seeding" },
	{ "algorithm", SG_HP_ENUM, "auto", 0, 0, "lloyd|minibatch", SG_HP_AUTO,
	  "auto: lloyd, minibatch from 20M rows" },
	{ "n_init", SG_HP_INT, "auto", 1, 1000, NULL, SG_HP_AUTO,
	  "initializations tried, the lowest inertia kept (auto: 1 for kmeans++, 10 for random)" },
	{ "max_iterations", SG_HP_INT, "300", 1, 1000000, NULL, 0, "Lloyd iterations per init" },
	{ "tol", SG_HP_FLOAT, "1e-4", 0, INFINITY, NULL, 0,
	  "stop when the squared center shift is at most tol x the mean feature variance" },
	{ "mini_batch_size", SG_HP_INT, "5000", 1, INFINITY, NULL, 0, "minibatch: rows per step" },
	{ "epochs", SG_HP_INT, "1", 1, 1000000, NULL, 0, "minibatch: passes over the data" },
	{ "extra_center_factor", SG_HP_INT, "auto", 1, 1000, NULL, SG_HP_AUTO,
	  "minibatch: keep k x this many centers while streaming, reduce to k at the end (auto: 1)" },
	{ "eval_metrics", SG_HP_STRING, "[\"msd\"]", 0, 0, NULL, 0,
	  "metrics reported: msd (mean squared distance), ssd (sum): [\"msd\",\"ssd\"] or msd,ssd" },
};

struct km_state {
	int k, d;
	double *C;                   /* k*d centers */
	double inertia;              /* on train */
	int iterations;
};

static void km_free(void *p)
{
	struct km_state *s = p;
	if (s)
		free(s->C);
	free(s);
}

/* ---- eval_metrics ------------------------------------------------------------------ */

/* Parses "msd", "msd,ssd", "msd+ssd" or the JSON list form into a mask;
 * 0 on error. */
#define EV_SEP "[]\"', \t+;"
static int parse_eval(const char *text)
{
	int mask = 0;
	char *copy = sg_xstrdup(text ? text : ""), *save = NULL;
	for (char *t = strtok_r(copy, EV_SEP, &save); t; t = strtok_r(NULL, EV_SEP, &save)) {
		if (strcmp(t, "msd") == 0)
			mask |= EV_MSD;
		else if (strcmp(t, "ssd") == 0)
			mask |= EV_SSD;
		else {
			mask = 0;
			break;
		}
	}
	free(copy);
	return mask;
}

/* ---- the fused assignment pass ------------------------------------------------------- */

struct km_pass {
	const double *X;
	size_t n;
	int d, k;
	const double *w;             /* row weights; NULL: 1 */
	const double *C, *cn;        /* centers and their squared norms */
	int accumulate;              /* fill sums/cnt */
	double *mind;                /* per-row squared distance to the closest; may be NULL */
	/* per thread */
	double *sums, *cnt;          /* T * k*d, T * k (T: the run's threads) */
	double inertia[SG_PAR_MAX];
	double far_d[SG_PAR_MAX];
	size_t far_i[SG_PAR_MAX];
};

static void assign_rows(struct km_pass *P, const double *G, size_t i0, size_t m, int t)
{
	int k = P->k, d = P->d;
	double *sums = P->sums ? P->sums + (size_t)t * (size_t)k * (size_t)d : NULL;
	double *cnt = P->cnt ? P->cnt + (size_t)t * (size_t)k : NULL;
	for (size_t r = 0; r < m; r++) {
		const double *x = P->X + (i0 + r) * (size_t)d, *g = G + r * (size_t)k;
		int best = 0;
		double bv = g[0] + P->cn[0], xn = 0;
		for (int j = 1; j < k; j++) {
			double v = g[j] + P->cn[j];
			if (v < bv) {
				bv = v;
				best = j;
			}
		}
		for (int j = 0; j < d; j++)
			xn += x[j] * x[j];
		double dist = xn + bv, w = P->w ? P->w[i0 + r] : 1.0;
		dist = dist < 0 ? 0 : dist;    /* rounding of the expansion */
		P->inertia[t] += w * dist;
		if (P->mind)
			P->mind[i0 + r] = dist;
		if (dist > P->far_d[t]) {
			P->far_d[t] = dist;
			P->far_i[t] = i0 + r;
		}
		if (!P->accumulate)
			continue;
		double *s = sums + (size_t)best * (size_t)d;
		for (int j = 0; j < d; j++)
			s[j] += w * x[j];
		cnt[best] += w;
	}
}

static void pass_range(void *ud, size_t lo, size_t hi, int t)
{
	struct km_pass *P = ud;
	double *G = sg_xmalloc((size_t)CHUNK * (size_t)P->k * sizeof *G);
	P->inertia[t] = 0;
	P->far_d[t] = -1;
	P->far_i[t] = lo;
	if (P->accumulate) {
		memset(P->sums + (size_t)t * (size_t)P->k * (size_t)P->d, 0,
		       (size_t)P->k * (size_t)P->d * sizeof *P->sums);
		memset(P->cnt + (size_t)t * (size_t)P->k, 0, (size_t)P->k * sizeof *P->cnt);
	}
	for (size_t i0 = lo; i0 < hi; i0 += CHUNK) {
		size_t m = hi - i0 < CHUNK ? hi - i0 : CHUNK;
		sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, P->k, P->d,
				    -2.0, P->X + i0 * (size_t)P->d, P->d, P->C, P->d, 0.0, G, P->k);
		assign_rows(P, G, i0, m, t);
	}
	free(G);
}

/* Runs the pass over all rows; returns the inertia (weighted sum of squared
 * distances) and leaves the thread partials in P (sums/cnt summed into
 * thread 0's slots when accumulating). */
static double run_pass(struct km_pass *P, int threads, size_t *far)
{
	size_t kd = (size_t)P->k * (size_t)P->d;
	double *cn = sg_xmalloc((size_t)P->k * sizeof *cn);
	sg_row_sqnorms(P->C, (size_t)P->k, P->d, cn);
	P->cn = cn;
	int T = sg_par_for(threads, P->n, 4 * CHUNK, pass_range, P);
	double inertia = 0, fd = -1;
	for (int t = 0; t < T; t++) {
		inertia += P->inertia[t];
		if (P->far_d[t] > fd) {
			fd = P->far_d[t];
			*far = P->far_i[t];
		}
		if (t == 0 || !P->accumulate)
			continue;
		for (size_t j = 0; j < kd; j++)
			P->sums[j] += P->sums[(size_t)t * kd + j];
		for (int j = 0; j < P->k; j++)
			P->cnt[j] += P->cnt[(size_t)t * (size_t)P->k + (size_t)j];
	}
	free(cn);
	P->cn = NULL;
	return inertia;
}

/* ---- a run: data, settings, reporting ----------------------------------------------- */

struct km_run {
	const struct sg_algo_ctx *ctx;
	const double *X, *w;
	size_t n;
	int d, threads, evmask;
	long long *it;               /* global iteration counter for reports; may be NULL */
	struct sg_rng rng;
	struct sg_error *err;
};

static double uniform01(struct sg_rng *g)
{
	return (double)(sg_rng_next(g) >> 11) * 0x1.0p-53;
}

static void report_inertia(const struct km_run *R, const char *chan, long long it, double inertia,
			   double rows)
{
	char key[64];
	if (R->evmask & EV_MSD) {
		snprintf(key, sizeof key, "%s:msd", chan);
		R->ctx->report(R->ctx->report_ud, key, it, inertia / rows);
	}
	if (R->evmask & EV_SSD) {
		snprintf(key, sizeof key, "%s:ssd", chan);
		R->ctx->report(R->ctx->report_ud, key, it, inertia);
	}
}

/* Reports a non-finite inertia as an error; 1 when cancelled; else 0. */
static int check_step(const struct km_run *R, double inertia, long long it)
{
	if (!isfinite(inertia))
		return sg_error_set(R->err, SG_E_USAGE, "kmeans: the inertia became %s at iteration "
				    "%lld (feature values too large to square? scale them with a recipe)",
				    isnan(inertia) ? "NaN" : "Inf", it);
	if (R->ctx->cancel && atomic_load(R->ctx->cancel))
		return 1;
	return 0;
}

static struct km_pass pass_new(const struct km_run *R, int k, int accumulate)
{
	struct km_pass P = { .X = R->X, .n = R->n, .d = R->d, .k = k, .w = R->w,
			     .accumulate = accumulate };
	if (accumulate) {
		size_t T = (size_t)sg_par_threads(R->threads);
		P.sums = sg_xmalloc(T * (size_t)k * (size_t)R->d * sizeof *P.sums);
		P.cnt = sg_xmalloc(T * (size_t)k * sizeof *P.cnt);
	}
	return P;
}

static void pass_done(struct km_pass *P)
{
	free(P->sums);
	free(P->cnt);
}

/* ---- initialization ------------------------------------------------------------------ */

static void init_random(struct km_run *R, int k, double *C)
{
	size_t *idx = sg_xmalloc(R->n * sizeof *idx);
	for (size_t i = 0; i < R->n; i++)
		idx[i] = i;
	for (int j = 0; j < k; j++) {
		size_t r = (size_t)j + (size_t)sg_rng_below(&R->rng, R->n - (size_t)j), t = idx[j];
		idx[j] = idx[r];
		idx[r] = t;
		memcpy(C + (size_t)j * (size_t)R->d, R->X + idx[j] * (size_t)R->d,
		       (size_t)R->d * sizeof *C);
	}
	free(idx);
}

/* Index i with cum[i-1] <= r < cum[i] (cum: inclusive prefix sums). */
static size_t search_cum(const double *cum, size_t n, double r)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cum[mid] <= r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Candidate potentials sum_i w_i min(closest_i, |x_i - c_t|^2) for nc
 * candidates in one pass, with per-thread partials. */
struct cand_pass {
	const struct km_run *R;
	const double *Cand, *cn, *closest;
	int nc;
	double pot[SG_PAR_MAX][8];
};

static void cand_range(void *ud, size_t lo, size_t hi, int t)
{
	struct cand_pass *P = ud;
	const struct km_run *R = P->R;
	int nc = P->nc, d = R->d;
	double *G = sg_xmalloc((size_t)CHUNK * (size_t)nc * sizeof *G);
	double pot[8] = { 0 };
	for (size_t i0 = lo; i0 < hi; i0 += CHUNK) {
		size_t m = hi - i0 < CHUNK ? hi - i0 : CHUNK;
		sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, nc, d, -2.0,
				    R->X + i0 * (size_t)d, d, P->Cand, d, 0.0, G, nc);
		for (size_t r = 0; r < m; r++) {
			const double *x = R->X + (i0 + r) * (size_t)d;
			double xn = 0, w = R->w ? R->w[i0 + r] : 1.0, cl = P->closest[i0 + r];
			for (int j = 0; j < d; j++)
				xn += x[j] * x[j];
			for (int c = 0; c < nc; c++) {
				double v = xn + G[r * (size_t)nc + (size_t)c] + P->cn[c];
				v = v < 0 ? 0 : v;
				pot[c] += w * (v < cl ? v : cl);
			}
		}
	}
	memcpy(P->pot[t], pot, sizeof pot);
	free(G);
}

/* Fills pot[0..nc) for the candidate rows idx[0..nc) (nc <= 8). */
static void cand_potentials(const struct km_run *R, const size_t *idx, int nc,
			    const double *closest, double *pot)
{
	struct cand_pass P = { .R = R, .closest = closest, .nc = nc };
	double *Cand = sg_xmalloc((size_t)nc * (size_t)R->d * sizeof *Cand);
	double cn[8];
	for (int c = 0; c < nc; c++)
		memcpy(Cand + (size_t)c * (size_t)R->d, R->X + idx[c] * (size_t)R->d,
		       (size_t)R->d * sizeof *Cand);
	sg_row_sqnorms(Cand, (size_t)nc, R->d, cn);
	P.Cand = Cand;
	P.cn = cn;
	int T = sg_par_for(R->threads, R->n, 4 * CHUNK, cand_range, &P);
	for (int c = 0; c < nc; c++) {
		pot[c] = 0;
		for (int t = 0; t < T; t++)
			pot[c] += P.pot[t][c];
	}
	free(Cand);
}

/* Lowers closest to the distances to center c; returns the new potential. */
static double lower_closest(struct km_run *R, const double *c, double *closest, double *tmp)
{
	struct km_pass P = pass_new(R, 1, 0);
	size_t far;
	P.C = c;
	P.mind = tmp;
	run_pass(&P, R->threads, &far);
	double pot = 0;
	for (size_t i = 0; i < R->n; i++) {
		closest[i] = tmp[i] < closest[i] ? tmp[i] : closest[i];
		pot += (R->w ? R->w[i] : 1.0) * closest[i];
	}
	return pot;
}

/* Greedy k-means++: each new center is the best (lowest potential) of
 * 2 + ln k candidates drawn with probability proportional to w D^2. */
static void init_kmpp(struct km_run *R, int k, double *C)
{
	size_t n = R->n, d = (size_t)R->d, idx[8];
	double *closest = sg_xmalloc(n * sizeof *closest), *tmp = sg_xmalloc(n * sizeof *tmp);
	double *cum = sg_xmalloc(n * sizeof *cum), pots[8];
	int trials = 2 + (int)log(k);
	trials = trials > 8 ? 8 : trials;
	memcpy(C, R->X + (size_t)sg_rng_below(&R->rng, n) * d, d * sizeof *C);
	for (size_t i = 0; i < n; i++)
		closest[i] = INFINITY;
	double pot = lower_closest(R, C, closest, tmp);
	for (int c = 1; c < k; c++) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			cum[i] = s += (R->w ? R->w[i] : 1.0) * closest[i];
		for (int t = 0; t < trials; t++)
			idx[t] = search_cum(cum, n, uniform01(&R->rng) * pot);
		cand_potentials(R, idx, trials, closest, pots);
		int best = 0;
		for (int t = 1; t < trials; t++)
			best = pots[t] < pots[best] ? t : best;
		memcpy(C + (size_t)c * d, R->X + idx[best] * d, d * sizeof *C);
		pot = lower_closest(R, C + (size_t)c * d, closest, tmp);
	}
	free(closest);
	free(tmp);
	free(cum);
}

static void init_centers(struct km_run *R, const char *method, int k, double *C)
{
	if (strcmp(method, "random") == 0)
		init_random(R, k, C);
	else
		init_kmpp(R, k, C);
}

/* ---- Lloyd -------------------------------------------------------------------------- */

/* New centers from the sums; an empty cluster takes the farthest row (the
 * first one) or a random row. Returns the squared shift. */
static double update_centers(struct km_run *R, const struct km_pass *P, double *C, size_t far)
{
	size_t d = (size_t)R->d;
	double shift = 0;
	int used_far = 0;
	for (int j = 0; j < P->k; j++) {
		double *c = C + (size_t)j * d;
		const double *src = NULL;
		if (P->cnt[j] <= 0) {
			size_t i = used_far ? (size_t)sg_rng_below(&R->rng, R->n) : far;
			used_far = 1;
			src = R->X + i * d;
		}
		for (size_t q = 0; q < d; q++) {
			double v = src ? src[q] : P->sums[(size_t)j * d + q] / P->cnt[j];
			shift += (v - c[q]) * (v - c[q]);
			c[q] = v;
		}
	}
	return shift;
}

/* Iterates from C until converged; *inertia is that of the final centers.
 * 0, 1 cancelled, -1 error. */
static int lloyd(struct km_run *R, int k, double *C, int max_iter, double tol_abs,
		 double *inertia, int *iters)
{
	struct km_pass P = pass_new(R, k, 1);
	int rc = 0, it;
	size_t far = 0;
	for (it = 0; it < max_iter && rc == 0; it++) {
		P.C = C;
		double in = run_pass(&P, R->threads, &far);
		long long gi = R->it ? (*R->it)++ : it;
		if (R->it)
			report_inertia(R, "train", gi, in, (double)R->n);
		if ((rc = check_step(R, in, gi)) != 0)
			break;
		if (update_centers(R, &P, C, far) <= tol_abs) {
			it++;
			break;
		}
	}
	*iters = it;
	if (rc == 0) {
		P.accumulate = 0;
		P.C = C;
		*inertia = run_pass(&P, R->threads, &far);
		rc = check_step(R, *inertia, it);
	}
	pass_done(&P);
	return rc;
}

/* Column sums (first pass) or centered sums of squares (second), per thread. */
struct var_pass {
	const double *X;
	size_t d;
	const double *mean;          /* NULL: sums */
	double *part;                /* T*d */
};

static void var_range(void *ud, size_t lo, size_t hi, int t)
{
	struct var_pass *P = ud;
	size_t d = P->d;
	double *acc = P->part + (size_t)t * d;
	memset(acc, 0, d * sizeof *acc);
	for (size_t i = lo; i < hi; i++)
		for (size_t j = 0; j < d; j++) {
			double v = P->X[i * d + j] - (P->mean ? P->mean[j] : 0.0);
			acc[j] += P->mean ? v * v : v;
		}
}

static void var_run(struct var_pass *P, const struct km_run *R, double *out)
{
	int T = sg_par_for(R->threads, R->n, 4 * CHUNK, var_range, P);
	memset(out, 0, P->d * sizeof *out);
	for (int t = 0; t < T; t++)
		for (size_t j = 0; j < P->d; j++)
			out[j] += P->part[(size_t)t * P->d + j];
}

/* tol x the mean of the feature variances (scikit-learn's tolerance). */
static double abs_tolerance(const struct km_run *R, double tol)
{
	size_t d = (size_t)R->d;
	double *mean = sg_xcalloc(d, sizeof *mean), *m2 = sg_xcalloc(d, sizeof *m2), s = 0;
	struct var_pass P = { R->X, d, NULL,
			      sg_xmalloc((size_t)sg_par_threads(R->threads) * d * sizeof(double)) };
	var_run(&P, R, mean);
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)R->n;
	P.mean = mean;
	var_run(&P, R, m2);
	for (size_t j = 0; j < d; j++)
		s += m2[j] / (double)R->n;
	free(P.part);
	free(mean);
	free(m2);
	return tol * s / (double)d;
}

/* ---- mini-batch ---------------------------------------------------------------------- */

struct mb {
	int K;
	double *C, *v;               /* K*d centers, K running counts */
	double *buf;                 /* B*d gathered rows */
};

/* One mini-batch step on B random rows; returns their inertia. */
static double mb_step(struct km_run *R, struct mb *M, size_t B)
{
	size_t d = (size_t)R->d;
	for (size_t r = 0; r < B; r++)
		memcpy(M->buf + r * d, R->X + (size_t)sg_rng_below(&R->rng, R->n) * d, d * sizeof(double));
	struct km_run sub = *R;
	sub.X = M->buf;
	sub.n = B;
	sub.w = NULL;
	struct km_pass P = pass_new(&sub, M->K, 1);
	size_t far;
	P.C = M->C;
	double in = run_pass(&P, R->threads, &far);
	for (int j = 0; j < M->K; j++) {
		if (P.cnt[j] <= 0)
			continue;
		double nv = M->v[j] + P.cnt[j];
		for (size_t q = 0; q < d; q++)
			M->C[(size_t)j * d + q] = (M->C[(size_t)j * d + q] * M->v[j] +
						   P.sums[(size_t)j * d + q]) / nv;
		M->v[j] = nv;
	}
	pass_done(&P);
	return in;
}

/* Reduces the K mini-batch centers to k by weighted k-means on them. */
static int mb_reduce(struct km_run *R, struct mb *M, int k, double *C)
{
	struct km_run sub = *R;
	sub.X = M->C;
	sub.n = (size_t)M->K;
	sub.w = M->v;
	sub.it = NULL;
	sub.threads = 1;
	double in;
	int iters;
	init_kmpp(&sub, k, C);
	return lloyd(&sub, k, C, 300, 0, &in, &iters);
}

static int minibatch(struct km_run *R, const struct sg_hps *h, int k, double *C, int *iters)
{
	long long factor = sg_hps_is_auto(h, "extra_center_factor") ? 1
		: sg_hps_int(h, "extra_center_factor");
	size_t B = (size_t)sg_hps_int(h, "mini_batch_size");
	B = B > R->n ? R->n : B;
	struct mb M = { .K = (int)((size_t)k * (size_t)factor > R->n ? R->n : (size_t)k * (size_t)factor) };
	M.C = sg_xmalloc((size_t)M.K * (size_t)R->d * sizeof *M.C);
	M.v = sg_xcalloc((size_t)M.K, sizeof *M.v);
	M.buf = sg_xmalloc(B * (size_t)R->d * sizeof *M.buf);
	init_centers(R, sg_hps_str(h, "init_method"), M.K, M.C);
	long long epochs = sg_hps_int(h, "epochs");
	size_t steps = (R->n + B - 1) / B;
	int rc = 0;
	for (long long e = 0; e < epochs && rc == 0; e++) {
		double in = 0;
		for (size_t s = 0; s < steps; s++)
			in += mb_step(R, &M, B);
		report_inertia(R, "train", (*R->it)++, in, (double)(steps * B));
		rc = check_step(R, in, e);
	}
	if (rc == 0 && M.K > k)
		rc = mb_reduce(R, &M, k, C);
	else if (rc == 0)
		memcpy(C, M.C, (size_t)k * (size_t)R->d * sizeof *C);
	*iters = (int)epochs;
	free(M.C);
	free(M.v);
	free(M.buf);
	return rc;
}

/* ---- the algorithm table ------------------------------------------------------------ */

static enum sg_task km_task(const struct sg_hps *h)
{
	(void)h;
	return SG_TASK_NONE;
}

static int km_check(const struct sg_hps *h, const struct sg_xy *train, const struct sg_xy *valid,
		    struct sg_error *err)
{
	(void)valid;
	if (!parse_eval(sg_hps_str(h, "eval_metrics")))
		return sg_error_set(err, SG_E_USAGE, "hyperparameter eval_metrics: '%s' is not valid; "
				    "valid values: [\"msd\"], [\"ssd\"], [\"msd\",\"ssd\"]",
				    sg_hps_str(h, "eval_metrics"));
	if ((size_t)sg_hps_int(h, "k") > train->n)
		return sg_error_set(err, SG_E_USAGE, "kmeans: k (%lld) is larger than the number of "
				    "rows of %s (%zu)", sg_hps_int(h, "k"), train->source, train->n);
	return 0;
}

static int use_minibatch(const struct sg_hps *h, size_t n)
{
	const char *a = sg_hps_str(h, "algorithm");
	if (sg_hps_is_auto(h, "algorithm"))
		return n >= MB_AUTO_ROWS;
	return strcmp(a, "minibatch") == 0;
}

static int km_log(const struct sg_algo_ctx *ctx, int init, int iters, double inertia)
{
	if (ctx->log) {
		char line[128];
		snprintf(line, sizeof line, "kmeans: init %d: %d iterations, inertia %.10g", init + 1,
			 iters, inertia);
		ctx->log(ctx->log_ud, line);
	}
	return 0;
}

/* One initialization and its iterations; 0, 1 cancelled, -1. */
static int km_once(struct km_run *R, const struct sg_hps *h, int k, double *C, double *inertia,
		   int *iters)
{
	if (use_minibatch(h, R->n)) {
		int rc = minibatch(R, h, k, C, iters);
		if (rc != 0)
			return rc;
		struct km_pass P = pass_new(R, k, 0);
		size_t far;
		P.C = C;
		*inertia = run_pass(&P, R->threads, &far);
		return check_step(R, *inertia, *R->it);
	}
	init_centers(R, sg_hps_str(h, "init_method"), k, C);
	double tol = abs_tolerance(R, sg_hps_num(h, "tol"));
	return lloyd(R, k, C, (int)sg_hps_int(h, "max_iterations"), tol, inertia, iters);
}

static double valid_inertia(const struct km_run *R, const struct sg_xy *valid, int k,
			    const double *C)
{
	struct km_run V = *R;
	V.X = valid->x;
	V.n = valid->n;
	V.w = NULL;
	struct km_pass P = pass_new(&V, k, 0);
	size_t far;
	P.C = C;
	return run_pass(&P, R->threads, &far);
}

static int km_train(const struct sg_algo_ctx *ctx, const struct sg_xy *train,
		    const struct sg_xy *valid, struct sg_model *m, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	const struct sg_hps *h = ctx->hps;
	int k = (int)sg_hps_int(h, "k");
	long long it = 0;
	struct km_run R = { .ctx = ctx, .X = train->x, .n = train->n, .d = train->d,
			    .threads = ctx->threads, .evmask = parse_eval(sg_hps_str(h, "eval_metrics")),
			    .it = &it, .err = err };
	sg_rng_seed(&R.rng, ctx->seed);
	int ninit = sg_hps_is_auto(h, "n_init")
		? (strcmp(sg_hps_str(h, "init_method"), "random") == 0 ? 10 : 1)
		: (int)sg_hps_int(h, "n_init");
	struct km_state *s = sg_xcalloc(1, sizeof *s);
	s->k = k;
	s->d = train->d;
	s->C = sg_xmalloc((size_t)k * (size_t)train->d * sizeof *s->C);
	s->inertia = INFINITY;
	double *C = sg_xmalloc((size_t)k * (size_t)train->d * sizeof *C);
	int rc = 0;
	for (int i = 0; i < ninit && rc == 0; i++) {
		double inertia;
		int iters;
		rc = km_once(&R, h, k, C, &inertia, &iters);
		if (rc == 0 && km_log(ctx, i, iters, inertia) == 0 && inertia < s->inertia) {
			s->inertia = inertia;
			s->iterations = iters;
			memcpy(s->C, C, (size_t)k * (size_t)train->d * sizeof *C);
		}
	}
	free(C);
	if (rc != 0) {
		km_free(s);
		return rc;
	}
	report_inertia(&R, "train", it, s->inertia, (double)train->n);
	if (valid)
		report_inertia(&R, "validation", it, valid_inertia(&R, valid, k, s->C),
			       (double)valid->n);
	m->state = s;
	static const char *const outs[] = { "closest_cluster", "distance_to_cluster" };
	sg_model_set_outputs(m, 2, outs);
	return 0;
}

struct km_pred {
	const struct km_state *s;
	const double *x;
	double *out, *cn;
};

static void predict_range(void *ud, size_t lo, size_t hi, int t)
{
	(void)t;
	struct km_pred *p = ud;
	int k = p->s->k, d = p->s->d;
	double *G = sg_xmalloc((size_t)CHUNK * (size_t)k * sizeof *G);
	for (size_t i0 = lo; i0 < hi; i0 += CHUNK) {
		size_t m = hi - i0 < CHUNK ? hi - i0 : CHUNK;
		sg_blas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, k, d, -2.0,
				    p->x + i0 * (size_t)d, d, p->s->C, d, 0.0, G, k);
		for (size_t r = 0; r < m; r++) {
			const double *x = p->x + (i0 + r) * (size_t)d, *g = G + r * (size_t)k;
			int best = 0;
			double bv = g[0] + p->cn[0], xn = 0;
			for (int j = 1; j < k; j++)
				if (g[j] + p->cn[j] < bv) {
					bv = g[j] + p->cn[j];
					best = j;
				}
			for (int j = 0; j < d; j++)
				xn += x[j] * x[j];
			p->out[(i0 + r) * 2] = best;
			p->out[(i0 + r) * 2 + 1] = sqrt(xn + bv > 0 ? xn + bv : 0);
		}
	}
	free(G);
}

static int km_predict(const struct sg_model *m, const double *x, size_t n, double *out,
		      double *proba, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	(void)proba;
	(void)err;
	const struct km_state *s = m->state;
	struct km_pred p = { s, x, out, sg_xmalloc((size_t)s->k * sizeof(double)) };
	sg_row_sqnorms(s->C, (size_t)s->k, s->d, p.cn);
	sg_par_for(0, n, 16 * CHUNK, predict_range, &p);
	free(p.cn);
	return 0;
}

static int km_save(const struct sg_model *m, json_t *params, const char *dir, struct sg_error *err)
{
	const struct km_state *s = m->state;
	json_object_set_new(params, "k", json_integer(s->k));
	json_object_set_new(params, "inertia", json_real(s->inertia));
	json_object_set_new(params, "iterations", json_integer(s->iterations));
	return sg_model_put_array(params, dir, "centers", s->C, (size_t)s->k, (size_t)s->d, err);
}

static int km_load(struct sg_model *m, const json_t *params, const char *dir, struct sg_error *err)
{
	if (sg_blas_load(err) != 0)
		return -1;
	size_t rows = 0, cols = (size_t)m->d;
	double *C = sg_model_get_array(params, dir, "centers", &rows, &cols, err);
	if (!C)
		return -1;
	if (rows == 0) {
		free(C);
		return sg_error_set(err, SG_E_PARSE, "kmeans model: no centers");
	}
	struct km_state *s = sg_xcalloc(1, sizeof *s);
	s->k = (int)rows;
	s->d = m->d;
	s->C = C;
	s->inertia = json_number_value(json_object_get(params, "inertia"));
	s->iterations = (int)json_integer_value(json_object_get(params, "iterations"));
	m->state = s;
	if (m->nout != 2) {
		static const char *const outs[] = { "closest_cluster", "distance_to_cluster" };
		sg_model_set_outputs(m, 2, outs);
	}
	return 0;
}

const struct sg_algo sg_algo_kmeans = {
	.name = "kmeans",
	.summary = "k-means clustering (k-means++, Lloyd or mini-batch)",
	.version = 1,
	.spec = km_spec,
	.nspec = (int)(sizeof km_spec / sizeof km_spec[0]),
	.task = km_task,
	.check = km_check,
	.train = km_train,
	.predict = km_predict,
	.save = km_save,
	.load = km_load,
	.free_state = km_free,
};
