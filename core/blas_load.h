/* blas_load.h — OpenBLAS (cblas.h) and LAPACKE (lapacke.h), loaded on
 * first use.
 *
 * Only the built-in algorithms (kmeans, knn, linear-learner, pca) call
 * them; linked, OpenBLAS started its thread pool in every `sagetty` process
 * and LAPACKE brought LAPACK and the Fortran runtime (see dynlib.h).  An
 * algorithm's train, predict and load call sg_blas_load (or sg_lapacke_load,
 * which loads both) first, then call through the tables:
 *     if (sg_blas_load(err) != 0) return -1;
 *     sg_blas.cblas_dgemm(CblasRowMajor, ...);
 * OpenBLAS is opened RTLD_GLOBAL before LAPACKE, so LAPACK's calls into
 * BLAS bind to it, as they did when both were linked.
 * Adding a function: name it in SG_BLAS_FUNCS or SG_LAPACKE_FUNCS. */
#ifndef SG_BLAS_LOAD_H
#define SG_BLAS_LOAD_H

#include <cblas.h>
#include <lapacke.h>
#include "core/dynlib.h"

#define SG_BLAS_FUNCS(X) \
	X(cblas_ddot) X(cblas_daxpy) X(cblas_dscal) X(cblas_dger) X(cblas_dgemv) \
	X(cblas_dgemm) X(cblas_dsyrk) X(openblas_get_num_threads) X(openblas_set_num_threads)

#define SG_LAPACKE_FUNCS(X) \
	X(LAPACKE_dlamch) X(LAPACKE_dposv) X(LAPACKE_dgelsd) X(LAPACKE_dsyevr) \
	X(LAPACKE_dgeqrf) X(LAPACKE_dorgqr) X(LAPACKE_dgesdd)

struct sg_blas_api {
	SG_BLAS_FUNCS(SG_DYNLIB_MEMBER)
};
struct sg_lapacke_api {
	SG_LAPACKE_FUNCS(SG_DYNLIB_MEMBER)
};

/* Filled by the first successful load; NULL pointers before. */
extern struct sg_blas_api sg_blas;
extern struct sg_lapacke_api sg_lapacke;

/* Load once (thread-safe); 0, or -1 with err naming the library and its
 * Debian package (the same error on every later call). */
int sg_blas_load(struct sg_error *err);
int sg_lapacke_load(struct sg_error *err);   /* OpenBLAS, then LAPACKE */

/* OpenBLAS's thread count: set now if it is loaded, else when it loads
 * (n <= 0 is ignored).  get gives 0 while it is not loaded. */
void sg_blas_set_threads(int n);
int sg_blas_get_threads(void);

#endif
