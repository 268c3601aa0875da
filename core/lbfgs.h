/* lbfgs.h — limited-memory BFGS for smooth objectives, and OWL-QN (its
 * orthant-wise variant) when an L1 term is added.
 *
 * Minimizes F(x) = f(x) + l1 * sum_{i < l1_n} |x_i| where f is smooth and
 * given with its gradient.  Without L1 the step length satisfies the strong
 * Wolfe conditions (c1 = 1e-4, c2 = 0.9; bracketing and cubic zoom as in
 * Nocedal & Wright, algorithms 3.5 and 3.6), so every update keeps the
 * curvature pair positive.  With L1 (Andrew & Gao 2007) the direction uses
 * the pseudo-gradient, is kept in its orthant, and the step backtracks on
 * the projection onto that orthant, which is what makes weights exactly 0.
 * Stops when the largest (pseudo-)gradient component is <= gtol, when the
 * relative decrease of F falls below ftol (scipy's factr * eps criterion),
 * after max_iter iterations, or when the progress callback says so. */
#ifndef SG_LBFGS_H
#define SG_LBFGS_H

#include <stddef.h>

/* Returns f(x) and writes its gradient into g. */
typedef double (*sg_lbfgs_fn)(void *ud, const double *x, double *g);
/* Called after each iteration with the new point; non-zero stops. */
typedef int (*sg_lbfgs_progress_fn)(void *ud, int iter, const double *x, double F,
				    double gmax);

struct sg_lbfgs_opts {
	int m;                       /* pairs kept; 0: 10 */
	int max_iter;                /* 0: 100 */
	double gtol;                 /* 0: 1e-5 */
	double ftol;                 /* 0: 2.22e-9 */
	double l1;                   /* 0: plain L-BFGS */
	size_t l1_n;                 /* the L1 term covers x[0..l1_n) */
};

enum sg_lbfgs_status {
	SG_LBFGS_GTOL,               /* converged: gradient small */
	SG_LBFGS_FTOL,               /* converged: no more decrease */
	SG_LBFGS_MAXITER,
	SG_LBFGS_STOPPED,            /* by the progress callback */
	SG_LBFGS_LINESEARCH,         /* no acceptable step (x is the best point found) */
	SG_LBFGS_NOTFINITE,          /* f or its gradient became NaN/Inf at the start */
};

struct sg_lbfgs_result {
	enum sg_lbfgs_status status;
	int iterations, evaluations;
	double F;                    /* at the returned x */
};

/* Minimizes from x (updated in place).  progress may be NULL. */
void sg_lbfgs(size_t n, double *x, sg_lbfgs_fn f, sg_lbfgs_progress_fn progress, void *ud,
	      const struct sg_lbfgs_opts *o, struct sg_lbfgs_result *res);
const char *sg_lbfgs_status_name(enum sg_lbfgs_status s);

#endif
