/* algo_par.h — shared kernels for the built-in algorithms (kmeans, pca,
 * knn): running a loop over row ranges on several threads, squared row
 * norms, and keeping OpenBLAS single-threaded while our own threads call
 * it (the same policy as scikit-learn's threadpoolctl: BLAS calls made
 * from inside parallel regions run in the calling thread). */
#ifndef SG_ALGO_PAR_H
#define SG_ALGO_PAR_H

#include <stddef.h>

#define SG_PAR_MAX 64

/* The number of threads to use for a request of n (0 or less: the online
 * cores), clamped to [1, SG_PAR_MAX]. */
int sg_par_threads(int n);

/* Calls fn(ud, lo, hi, t) for T = min(threads, ceil(n / grain)) contiguous
 * ranges [lo, hi) covering [0, n), t = 0..T-1, each on its own thread (t = 0
 * on the caller's), and waits for all.  Returns T.  OpenBLAS is set to one
 * thread for the duration when T > 1 and restored after. */
int sg_par_for(int threads, size_t n, size_t grain,
	       void (*fn)(void *ud, size_t lo, size_t hi, int t), void *ud);

/* out[i] = |x_i|^2 for rows x[0..n*d). */
void sg_row_sqnorms(const double *x, size_t n, int d, double *out);

/* 1 when every one of the n values is finite. */
int sg_all_finite(const double *v, size_t n);

#endif
