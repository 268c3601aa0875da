/* blas_load.c — OpenBLAS and LAPACKE on first use (blas_load.h). */
#include "sgconfig.h"
#include "core/blas_load.h"

#include <pthread.h>
#include <stdatomic.h>

struct sg_blas_api sg_blas;
struct sg_lapacke_api sg_lapacke;

static const struct sg_dynlib blas_lib = { SG_OPENBLAS_SONAME, "libopenblas0", 1 };
static const struct sg_dynlib lapacke_lib = { SG_LAPACKE_SONAME, "liblapacke", 0 };
static int blas_rc, lapacke_rc;
static struct sg_error blas_err, lapacke_err;
static atomic_int blas_ready, threads_wanted;

static void load_blas(void)
{
	static const char *const names[] = { SG_BLAS_FUNCS(SG_DYNLIB_NAME) };
#define SLOT(f) SG_DYNLIB_SLOT(sg_blas, f)
	void **const slots[] = { SG_BLAS_FUNCS(SLOT) };
#undef SLOT
	blas_rc = sg_dynlib_fill(&blas_lib, names, slots, sizeof names / sizeof names[0],
				 &blas_err);
	if (blas_rc != 0)
		return;
	int n = atomic_load(&threads_wanted);
	if (n > 0)
		sg_blas.openblas_set_num_threads(n);
	atomic_store(&blas_ready, 1);
}

static void load_lapacke(void)
{
	static const char *const names[] = { SG_LAPACKE_FUNCS(SG_DYNLIB_NAME) };
#define SLOT(f) SG_DYNLIB_SLOT(sg_lapacke, f)
	void **const slots[] = { SG_LAPACKE_FUNCS(SLOT) };
#undef SLOT
	lapacke_rc = sg_dynlib_fill(&lapacke_lib, names, slots, sizeof names / sizeof names[0],
				    &lapacke_err);
}

int sg_blas_load(struct sg_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load_blas);
	if (blas_rc != 0 && err)
		*err = blas_err;
	return blas_rc;
}

int sg_lapacke_load(struct sg_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	if (sg_blas_load(err) != 0)
		return -1;
	pthread_once(&once, load_lapacke);
	if (lapacke_rc != 0 && err)
		*err = lapacke_err;
	return lapacke_rc;
}

void sg_blas_set_threads(int n)
{
	if (n <= 0)
		return;
	atomic_store(&threads_wanted, n);
	if (atomic_load(&blas_ready))
		sg_blas.openblas_set_num_threads(n);
}

int sg_blas_get_threads(void)
{
	return atomic_load(&blas_ready) ? sg_blas.openblas_get_num_threads() : 0;
}
