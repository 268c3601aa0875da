/* algo_par.c — shared kernels for the built-in algorithms (algo_par.h). */
#include "core/algo_par.h"

#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include "core/blas_load.h"

int sg_par_threads(int n)
{
	if (n <= 0)
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > SG_PAR_MAX ? SG_PAR_MAX : n;
}

struct par_job {
	void (*fn)(void *ud, size_t lo, size_t hi, int t);
	void *ud;
	size_t lo, hi;
	int t;
};

static void *par_main(void *arg)
{
	struct par_job *j = arg;
	j->fn(j->ud, j->lo, j->hi, j->t);
	return NULL;
}

int sg_par_for(int threads, size_t n, size_t grain,
	       void (*fn)(void *ud, size_t lo, size_t hi, int t), void *ud)
{
	size_t T = (size_t)sg_par_threads(threads);
	if (grain == 0)
		grain = 1;
	if (T > (n + grain - 1) / grain)
		T = (n + grain - 1) / grain;
	if (T <= 1) {
		fn(ud, 0, n, 0);
		return 1;
	}
	struct par_job jobs[SG_PAR_MAX];
	pthread_t tids[SG_PAR_MAX];
	int started[SG_PAR_MAX] = { 0 };
	/* OpenBLAS single-threaded inside our threads; 0: it is not loaded */
	int blas = sg_blas_get_threads();
	if (blas > 0)
		sg_blas_set_threads(1);
	for (size_t t = 0; t < T; t++)
		jobs[t] = (struct par_job){ fn, ud, n * t / T, n * (t + 1) / T, (int)t };
	for (size_t t = 1; t < T; t++)
		started[t] = pthread_create(&tids[t], NULL, par_main, &jobs[t]) == 0;
	par_main(&jobs[0]);
	for (size_t t = 1; t < T; t++) {
		if (started[t])
			pthread_join(tids[t], NULL);
		else   /* no thread to be had: do its share here */
			par_main(&jobs[t]);
	}
	if (blas > 0)
		sg_blas_set_threads(blas);
	return (int)T;
}

void sg_row_sqnorms(const double *x, size_t n, int d, double *out)
{
	for (size_t i = 0; i < n; i++) {
		const double *r = x + i * (size_t)d;
		double s = 0;
		for (int j = 0; j < d; j++)
			s += r[j] * r[j];
		out[i] = s;
	}
}

int sg_all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}
