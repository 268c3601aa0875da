/* test_metrics_eval.c — evaluation figures against hand-computed values. */
#include "tests/testutil.h"

#include <math.h>
#include "core/metrics_eval.h"
#include "core/util.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-12)

/* y:    0 0 0 0 1 1 1 0 0 1
 * pred: 0 0 1 0 1 0 1 0 0 1  → TN 5, FP 1, TP 3, FN 1 */
static void test_binary(void **state)
{
	(void)state;
	double y[] = { 0, 0, 0, 0, 1, 1, 1, 0, 0, 1 }, p[] = { 0, 0, 1, 0, 1, 0, 1, 0, 0, 1 };
	struct sg_cls_eval e;
	assert_int_equal(sg_eval_classification(y, p, NULL, 10, 2, &e, NULL), 0);
	NEAR(e.accuracy, 0.8);
	NEAR(e.precision, 0.75);
	NEAR(e.recall, 0.75);
	NEAR(e.f1, 0.75);
	NEAR(e.macro_precision, (5.0 / 6 + 0.75) / 2);
	NEAR(e.macro_recall, (5.0 / 6 + 0.75) / 2);
	NEAR(e.balanced_accuracy, (5.0 / 6 + 0.75) / 2);
	assert_true(isnan(e.auc) && isnan(e.log_loss));
	assert_int_equal(e.confusion[0], 5);
	assert_int_equal(e.confusion[1], 1);
	assert_int_equal(e.confusion[2], 1);
	assert_int_equal(e.confusion[3], 3);
	sg_cls_eval_done(&e);
}

/* y: 0 1 2 2 1 0, pred: 0 2 2 2 1 1 → rows [1 1 0] [0 1 1] [0 0 2] */
static void test_multiclass(void **state)
{
	(void)state;
	double y[] = { 0, 1, 2, 2, 1, 0 }, p[] = { 0, 2, 2, 2, 1, 1 };
	struct sg_cls_eval e;
	assert_int_equal(sg_eval_classification(y, p, NULL, 6, 3, &e, NULL), 0);
	NEAR(e.accuracy, 4.0 / 6);
	NEAR(e.balanced_accuracy, (0.5 + 0.5 + 1) / 3);
	NEAR(e.macro_precision, (1 + 0.5 + 2.0 / 3) / 3);
	NEAR(e.macro_recall, (0.5 + 0.5 + 1) / 3);
	NEAR(e.macro_f1, (2.0 / 3 + 0.5 + 0.8) / 3);
	assert_true(isnan(e.precision));
	char *dir = tu_tempdir(), *path = sg_path_join(dir, "c.csv");
	const char *names[] = { "a", "b,c", "d" };
	assert_int_equal(sg_eval_confusion_csv(&e, names, path, NULL), 0);
	size_t len;
	char *text = sg_read_file(path, 4096, &len, NULL);
	assert_string_equal(text, "true\\predicted,a,\"b,c\",d\na,1,1,0\n\"b,c\",0,1,1\nd,0,0,2\n");
	free(text);
	free(path);
	tu_rmtree(dir);
	free(dir);
	sg_cls_eval_done(&e);
}

static void test_auc(void **state)
{
	(void)state;
	double y1[] = { 0, 0, 1, 1 }, s1[] = { 0.1, 0.4, 0.35, 0.8 };
	NEAR(sg_eval_auc(y1, s1, 4), 0.75);
	/* ties: pos {0.5, 0.9}, neg {0.5, 0.2}: (0.5 + 1 + 1 + 1) / 4 */
	double y2[] = { 0, 1, 0, 1 }, s2[] = { 0.5, 0.5, 0.2, 0.9 };
	NEAR(sg_eval_auc(y2, s2, 4), 0.875);
	double y3[] = { 1, 1 }, s3[] = { 0.2, 0.3 };
	assert_true(isnan(sg_eval_auc(y3, s3, 2)));
	double y4[] = { 0, 1, 1, 0 }, s4[] = { 0.7, 0.7, 0.7, 0.7 };
	NEAR(sg_eval_auc(y4, s4, 4), 0.5);
}

static void test_log_loss(void **state)
{
	(void)state;
	double y[] = { 1, 0 }, pr[] = { 0.2, 0.8, 0.6, 0.4 }, pred[] = { 1, 0 };
	NEAR(sg_eval_log_loss(y, pr, 2, 2), -(log(0.8) + log(0.6)) / 2);
	struct sg_cls_eval e;
	assert_int_equal(sg_eval_classification(y, pred, pr, 2, 2, &e, NULL), 0);
	NEAR(e.log_loss, -(log(0.8) + log(0.6)) / 2);
	NEAR(e.auc, 1.0);
	sg_cls_eval_done(&e);
	/* clipping: a certain wrong answer costs -log(1e-15), not infinity */
	double y2[] = { 0 }, pr2[] = { 0.0, 1.0 };
	NEAR(sg_eval_log_loss(y2, pr2, 1, 2), -log(1e-15));
}

static void test_regression(void **state)
{
	(void)state;
	double y[] = { 1, 2, 3, 4 }, p[] = { 1.5, 2, 2, 5 };
	struct sg_reg_eval e;
	sg_eval_regression(y, p, 4, &e);
	NEAR(e.mse, 0.5625);
	NEAR(e.rmse, 0.75);
	NEAR(e.mae, 0.625);
	NEAR(e.r2, 0.55);
	double c[] = { 2, 2 }, pc[] = { 2, 2 };
	sg_eval_regression(c, pc, 2, &e);
	NEAR(e.r2, 1.0);
}

static void test_bad(void **state)
{
	(void)state;
	double y[] = { 0, 3 }, p[] = { 0, 1 };
	struct sg_cls_eval e;
	struct sg_error err = { 0 };
	assert_int_equal(sg_eval_classification(y, p, NULL, 2, 2, &e, &err), -1);
	assert_non_null(strstr(err.msg, "out of range"));
	assert_int_equal(sg_eval_classification(y, p, NULL, 0, 2, &e, &err), -1);
}

struct seen {
	int n;
	char keys[16][64];
};

static void collect(void *ud, const char *key, long long it, double v)
{
	struct seen *s = ud;
	(void)it, (void)v;
	if (s->n < 16)
		snprintf(s->keys[s->n++], 64, "%s", key);
}

static void test_report(void **state)
{
	(void)state;
	double y[] = { 0, 1 }, p[] = { 0, 1 };
	struct sg_cls_eval e;
	assert_int_equal(sg_eval_classification(y, p, NULL, 2, 2, &e, NULL), 0);
	struct seen s = { 0 };
	sg_eval_report_classification(&e, "validation", 3, collect, &s);
	assert_int_equal(s.n, 8);   /* no auc, no log_loss without probabilities */
	assert_string_equal(s.keys[0], "validation:accuracy");
	sg_cls_eval_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binary),     cmocka_unit_test(test_multiclass),
		cmocka_unit_test(test_auc),        cmocka_unit_test(test_log_loss),
		cmocka_unit_test(test_regression), cmocka_unit_test(test_bad),
		cmocka_unit_test(test_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
