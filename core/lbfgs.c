/* lbfgs.c — L-BFGS with a strong Wolfe line search, and OWL-QN (lbfgs.h). */
#include "core/lbfgs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/blas_load.h"
#include "core/util.h"

#define C1 1e-4
#define C2 0.9
#define MAX_LS 25

const char *sg_lbfgs_status_name(enum sg_lbfgs_status s)
{
	static const char *const names[] = { "converged (gradient)", "converged (no decrease)",
					     "iteration limit", "stopped", "line search failed",
					     "not finite" };
	return (unsigned)s <= SG_LBFGS_NOTFINITE ? names[s] : "?";
}

struct lb {
	size_t n;
	sg_lbfgs_fn f;
	void *ud;
	double l1;
	size_t l1_n;
	int m, k, head;              /* pairs stored, next slot */
	double *s, *y, *rho, *alpha; /* m*n, m*n, m, m */
	double *x, *g, *pg, *d, *xt, *gt;
	double fx, Fx;               /* smooth value and total at x */
	double ft;                   /* smooth value at xt (the last evaluation) */
	int evals;
};

static double dot(size_t n, const double *a, const double *b)
{
	return sg_blas.cblas_ddot((int)n, a, 1, b, 1);
}

static double l1_term(const struct lb *L, const double *x)
{
	double s = 0;
	for (size_t i = 0; i < L->l1_n; i++)
		s += fabs(x[i]);
	return L->l1 * s;
}

/* OWL-QN's pseudo-gradient of F (the plain gradient without L1). */
static void pseudo_grad(const struct lb *L, const double *x, const double *g, double *pg)
{
	memcpy(pg, g, L->n * sizeof *pg);
	for (size_t i = 0; L->l1 > 0 && i < L->l1_n; i++) {
		if (x[i] > 0)
			pg[i] = g[i] + L->l1;
		else if (x[i] < 0)
			pg[i] = g[i] - L->l1;
		else if (g[i] + L->l1 < 0)
			pg[i] = g[i] + L->l1;
		else if (g[i] - L->l1 > 0)
			pg[i] = g[i] - L->l1;
		else
			pg[i] = 0;
	}
}

static double absmax(size_t n, const double *v)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fabs(v[i]) > m ? fabs(v[i]) : m;
	return m;
}

/* d = -H pg by the two-loop recursion. */
static void direction(struct lb *L)
{
	size_t n = L->n;
	for (size_t i = 0; i < n; i++)
		L->d[i] = -L->pg[i];
	for (int j = 0; j < L->k; j++) {
		int at = (L->head - 1 - j + L->m) % L->m;
		double *s = L->s + (size_t)at * n, *y = L->y + (size_t)at * n;
		L->alpha[at] = L->rho[at] * dot(n, s, L->d);
		sg_blas.cblas_daxpy((int)n, -L->alpha[at], y, 1, L->d, 1);
	}
	if (L->k > 0) {
		int last = (L->head - 1 + L->m) % L->m;
		double *s = L->s + (size_t)last * n, *y = L->y + (size_t)last * n;
		sg_blas.cblas_dscal((int)n, dot(n, s, y) / dot(n, y, y), L->d, 1);
	}
	for (int j = L->k - 1; j >= 0; j--) {
		int at = (L->head - 1 - j + L->m) % L->m;
		double *s = L->s + (size_t)at * n, *y = L->y + (size_t)at * n;
		double beta = L->rho[at] * dot(n, y, L->d);
		sg_blas.cblas_daxpy((int)n, L->alpha[at] - beta, s, 1, L->d, 1);
	}
	for (size_t i = 0; L->l1 > 0 && i < L->l1_n; i++)   /* stay in pg's orthant */
		if (L->d[i] * L->pg[i] >= 0)
			L->d[i] = 0;
}

/* Evaluates at x + a d into xt/gt; returns the smooth value. */
static double eval_at(struct lb *L, double a)
{
	for (size_t i = 0; i < L->n; i++)
		L->xt[i] = L->x[i] + a * L->d[i];
	L->evals++;
	return L->ft = L->f(L->ud, L->xt, L->gt);
}

/* Minimizer of the cubic through (a, fa, da), (b, fb, db), kept inside the
 * middle 80% of the interval; bisection when the cubic is degenerate. */
static double cubic_step(double a, double fa, double da, double b, double fb, double db)
{
	double d1 = da + db - 3 * (fa - fb) / (a - b);
	double disc = d1 * d1 - da * db;
	double t = (a + b) / 2;
	if (disc >= 0) {
		double d2 = (b > a ? 1 : -1) * sqrt(disc);
		double den = db - da + 2 * d2;
		if (den != 0)
			t = b - (b - a) * (db + d2 - d1) / den;
	}
	double lo = fmin(a, b), hi = fmax(a, b), w = hi - lo;
	if (!isfinite(t) || t < lo + 0.1 * w || t > hi - 0.1 * w)
		t = (a + b) / 2;
	return t;
}

/* Nocedal & Wright 3.6: a point satisfying strong Wolfe inside [lo, hi].
 * Returns the step (xt/gt evaluated there) or 0 on failure. */
static double zoom(struct lb *L, double f0, double d0, double lo, double flo, double dlo,
		   double hi, double fhi, double dhi, int *budget)
{
	while ((*budget)-- > 0) {
		double a = cubic_step(lo, flo, dlo, hi, fhi, dhi);
		double fa = eval_at(L, a), da = dot(L->n, L->gt, L->d);
		if (!isfinite(fa) || fa > f0 + C1 * a * d0 || fa >= flo) {
			hi = a;
			fhi = isfinite(fa) ? fa : INFINITY;
			dhi = isfinite(da) ? da : 0;
		} else {
			if (fabs(da) <= -C2 * d0)
				return a;
			if (da * (hi - lo) >= 0) {
				hi = lo;
				fhi = flo;
				dhi = dlo;
			}
			lo = a;
			flo = fa;
			dlo = da;
		}
		if (fabs(hi - lo) < 1e-16 * fmax(1.0, fabs(lo)))
			break;
	}
	if (lo > 0 && flo < f0) {   /* not Wolfe, but a decrease: take it */
		eval_at(L, lo);
		return lo;
	}
	return 0;
}

/* Nocedal & Wright 3.5 from step a1. */
static double wolfe_search(struct lb *L, double a1)
{
	double f0 = L->fx, d0 = dot(L->n, L->g, L->d);
	if (!(d0 < 0))
		return 0;
	double ap = 0, fp = f0, dp = d0;
	int budget = MAX_LS;
	for (int i = 0; budget-- > 0; i++) {
		double fa = eval_at(L, a1), da = dot(L->n, L->gt, L->d);
		if (!isfinite(fa) || !isfinite(da)) {   /* overshot into overflow: shrink */
			a1 = ap + (a1 - ap) * 0.1;
			continue;
		}
		if (fa > f0 + C1 * a1 * d0 || (i > 0 && fa >= fp))
			return zoom(L, f0, d0, ap, fp, dp, a1, fa, da, &budget);
		if (fabs(da) <= -C2 * d0)
			return a1;
		if (da >= 0)
			return zoom(L, f0, d0, a1, fa, da, ap, fp, dp, &budget);
		ap = a1;
		fp = fa;
		dp = da;
		a1 *= 2;
	}
	return 0;
}

/* OWL-QN: backtracking on the orthant projection with an Armijo test on F. */
static double orthant_search(struct lb *L, double a)
{
	for (int t = 0; t < MAX_LS; t++, a *= 0.5) {
		for (size_t i = 0; i < L->n; i++)
			L->xt[i] = L->x[i] + a * L->d[i];
		for (size_t i = 0; i < L->l1_n; i++) {
			double xi = L->x[i] != 0 ? L->x[i] : -L->pg[i];
			if (L->xt[i] * xi <= 0)
				L->xt[i] = 0;
		}
		L->evals++;
		double ft = L->ft = L->f(L->ud, L->xt, L->gt);
		double Ft = ft + l1_term(L, L->xt), decr = 0;
		for (size_t i = 0; i < L->n; i++)
			decr += L->pg[i] * (L->xt[i] - L->x[i]);
		if (isfinite(Ft) && Ft <= L->Fx + C1 * decr)
			return a;
	}
	return 0;
}

/* Stores the pair (xt - x, gt - g) when its curvature is positive. */
static void push_pair(struct lb *L)
{
	size_t n = L->n;
	double *s = L->s + (size_t)L->head * n, *y = L->y + (size_t)L->head * n;
	for (size_t i = 0; i < n; i++) {
		s[i] = L->xt[i] - L->x[i];
		y[i] = L->gt[i] - L->g[i];
	}
	double sy = dot(n, s, y);
	if (!(sy > 1e-16 * dot(n, y, y)))
		return;
	L->rho[L->head] = 1.0 / sy;
	L->head = (L->head + 1) % L->m;
	if (L->k < L->m)
		L->k++;
}

static void lb_init(struct lb *L, size_t n, double *x, sg_lbfgs_fn f, void *ud,
		    const struct sg_lbfgs_opts *o)
{
	memset(L, 0, sizeof *L);
	L->n = n;
	L->f = f;
	L->ud = ud;
	L->l1 = o->l1;
	L->l1_n = o->l1 > 0 ? o->l1_n : 0;
	L->m = o->m > 0 ? o->m : 10;
	L->s = sg_xcalloc((size_t)L->m * n, sizeof *L->s);
	L->y = sg_xcalloc((size_t)L->m * n, sizeof *L->y);
	L->rho = sg_xcalloc((size_t)L->m, sizeof *L->rho);
	L->alpha = sg_xcalloc((size_t)L->m, sizeof *L->alpha);
	L->x = x;
	L->g = sg_xcalloc(n, sizeof *L->g);
	L->pg = sg_xcalloc(n, sizeof *L->pg);
	L->d = sg_xcalloc(n, sizeof *L->d);
	L->xt = sg_xcalloc(n, sizeof *L->xt);
	L->gt = sg_xcalloc(n, sizeof *L->gt);
}

static void lb_done(struct lb *L)
{
	free(L->s);
	free(L->y);
	free(L->rho);
	free(L->alpha);
	free(L->g);
	free(L->pg);
	free(L->d);
	free(L->xt);
	free(L->gt);
}

void sg_lbfgs(size_t n, double *x, sg_lbfgs_fn f, sg_lbfgs_progress_fn progress, void *ud,
	      const struct sg_lbfgs_opts *o, struct sg_lbfgs_result *res)
{
	struct lb L;
	lb_init(&L, n, x, f, ud, o);
	int max_iter = o->max_iter > 0 ? o->max_iter : 100;
	double gtol = o->gtol > 0 ? o->gtol : 1e-5, ftol = o->ftol > 0 ? o->ftol : 2.220446e-9;
	L.evals = 1;
	L.fx = f(ud, x, L.g);
	L.Fx = L.fx + l1_term(&L, x);
	pseudo_grad(&L, x, L.g, L.pg);
	memset(res, 0, sizeof *res);
	res->status = SG_LBFGS_MAXITER;
	if (!isfinite(L.Fx) || !isfinite(absmax(n, L.g)))
		res->status = SG_LBFGS_NOTFINITE;
	else if (absmax(n, L.pg) <= gtol)
		res->status = SG_LBFGS_GTOL;
	int it = 0;
	while (res->status == SG_LBFGS_MAXITER && it < max_iter) {
		direction(&L);
		double a0 = L.k == 0 ? fmin(1.0, 1.0 / sqrt(dot(n, L.pg, L.pg))) : 1.0;
		double a = L.l1 > 0 ? orthant_search(&L, a0) : wolfe_search(&L, a0);
		if (a == 0) {
			res->status = SG_LBFGS_LINESEARCH;
			break;
		}
		push_pair(&L);
		double Fprev = L.Fx;
		memcpy(x, L.xt, n * sizeof *x);
		memcpy(L.g, L.gt, n * sizeof *L.g);
		L.fx = L.ft;
		L.Fx = L.fx + l1_term(&L, x);
		pseudo_grad(&L, x, L.g, L.pg);
		it++;
		double gmax = absmax(n, L.pg);
		if (progress && progress(ud, it, x, L.Fx, gmax))
			res->status = SG_LBFGS_STOPPED;
		else if (gmax <= gtol)
			res->status = SG_LBFGS_GTOL;
		else if ((Fprev - L.Fx) <= ftol * fmax(fmax(fabs(Fprev), fabs(L.Fx)), 1.0))
			res->status = SG_LBFGS_FTOL;
	}
	res->evaluations = L.evals;
	res->F = L.Fx;
	res->iterations = it;
	lb_done(&L);
}
