/* test_dynlib.c — libraries opened on first use: the real ones load and
 * fill their tables; a missing library or symbol is a clear error. */
#include "tests/testutil.h"
#include <string.h>
#include "core/blas_load.h"
#include "core/dynlib.h"
#include "core/xgb_load.h"
#include "core/zmq_load.h"

static void test_missing_library(void **state)
{
	static const struct sg_dynlib lib = { "libsagetty-no-such.so.7", "libsagetty-no-such7", 0 };
	struct sg_error err = { 0 };
	assert_null(sg_dynlib_open(&lib, &err));
	assert_int_equal(err.code, SG_E_IO);
	assert_non_null(strstr(err.msg, "cannot load libsagetty-no-such.so.7"));
	assert_non_null(strstr(err.msg, "install the Debian package libsagetty-no-such7"));
}

/* A symbol the library lacks: an error naming it, and no slot left half
 * filled. */
static void test_missing_symbol_clears_table(void **state)
{
	static const struct sg_dynlib lib = { "libm.so.6", "libc6", 0 };
	struct { double (*cos)(double); double (*nope)(double); } t;
	static const char *const names[] = { "cos", "sg_no_such_function" };
	void **const slots[] = { (void **)&t.cos, (void **)&t.nope };
	struct sg_error err = { 0 };
	assert_int_equal(sg_dynlib_fill(&lib, names, slots, 2, &err), -1);
	assert_null(t.cos);
	assert_null(t.nope);
	assert_non_null(strstr(err.msg, "libm.so.6 has no sg_no_such_function"));
	assert_int_equal(sg_dynlib_fill(&lib, names, slots, 1, &err), 0);
	assert_true(t.cos(0.0) == 1.0);
}

/* The tables sagetty uses: every member set, and calls reach the library. */
static void test_real_libraries(void **state)
{
	struct sg_error err = { 0 };
	assert_int_equal(sg_blas_load(&err), 0);
	assert_int_equal(sg_lapacke_load(&err), 0);
	assert_int_equal(sg_xgb_load(&err), 0);
	assert_int_equal(sg_zmq_load(&err), 0);
	assert_int_equal(sg_xgb_load(&err), 0);   /* once, then the same answer */
	double a[3] = { 1, 2, 3 }, b[3] = { 4, 5, 6 };
	assert_true(sg_blas.cblas_ddot(3, a, 1, b, 1) == 32.0);
	assert_true(sg_lapacke.LAPACKE_dlamch('E') > 0);
	assert_non_null(sg_xgb.XGBGetLastError());
	void *ctx = sg_zmq.zmq_ctx_new();
	assert_non_null(ctx);
	assert_int_equal(sg_zmq.zmq_ctx_term(ctx), 0);
	sg_blas_set_threads(1);
	assert_int_equal(sg_blas_get_threads(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_symbol_clears_table),
		cmocka_unit_test(test_real_libraries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
