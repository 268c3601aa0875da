/* metrics_eval.h — evaluating predictions: classification and regression
 * quality measures, as scikit-learn defines them.
 *
 * (Named metrics_eval so it is not taken for metric *logging*: metricline.h,
 * ingest.h.)  Classes are indices 0..k-1 held in doubles (the labels of
 * algo.h); predictions likewise.  Definitions:
 *  - accuracy: correct / n.
 *  - balanced accuracy: the mean over classes that occur in y_true of their
 *    recall (scikit-learn's balanced_accuracy_score, adjusted=False).
 *  - precision, recall, F1: binary (k == 2) for the positive class 1; macro:
 *    the unweighted mean over all k classes.  A 0/0 ratio counts as 0
 *    (scikit-learn's zero_division=0 without the warning).
 *  - AUC (binary only, needs scores of class 1): the area under the ROC
 *    curve, computed exactly by sorting the scores; tied scores count half
 *    (the Mann-Whitney statistic), so it equals roc_auc_score.  NaN when
 *    only one class occurs in y_true.
 *  - log loss: -mean(log p[true class]) with p clipped to [1e-15, 1 - 1e-15]
 *    (scikit-learn's eps; no renormalization).
 *  - regression: MSE, RMSE, MAE, R² = 1 - SS_res / SS_tot (a constant y_true
 *    gives 1 for a perfect fit, else 0, as scikit-learn does).
 * NaN marks a figure that cannot be computed (no probabilities given, …). */
#ifndef SG_METRICS_EVAL_H
#define SG_METRICS_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"

/* How an algorithm (and the evaluator) reports a metric point: key in
 * SageMaker's form "train:objective_loss", "validation:accuracy", an
 * iteration (epoch, round, step; >= 0) and the value (NaN/Inf allowed: the
 * ExplodingTensor rule wants to see them). */
typedef void (*sg_metric_report_fn)(void *ud, const char *key, long long iteration,
				    double value);

struct sg_cls_eval {
	int k;                        /* classes */
	size_t n;                     /* rows evaluated */
	double accuracy, balanced_accuracy;
	double precision, recall, f1; /* binary: class 1; NaN when k != 2 */
	double macro_precision, macro_recall, macro_f1;
	double auc;                   /* binary with scores; else NaN */
	double log_loss;              /* with probabilities; else NaN */
	uint64_t *confusion;          /* k*k, row = true class, column = predicted; malloc'd */
};

struct sg_reg_eval {
	size_t n;
	double mse, rmse, mae, r2;
};

/* Evaluates predicted classes pred[0..n) against y[0..n) (indices < k;
 * k >= 2).  proba (n*k row-major, may be NULL) gives log loss and, for
 * k == 2, AUC from the class-1 column.  SG_E_USAGE on an index out of
 * range or n == 0.  Free with sg_cls_eval_done. */
int sg_eval_classification(const double *y, const double *pred, const double *proba, size_t n,
			   int k, struct sg_cls_eval *out, struct sg_error *err);
void sg_cls_eval_done(struct sg_cls_eval *e);

/* Exact binary ROC AUC of score for labels y (0/1) with tie handling; NaN
 * when one class is absent.  O(n log n), allocates n indices. */
double sg_eval_auc(const double *y, const double *score, size_t n);
/* Mean log loss of proba (n*k) against class indices y. */
double sg_eval_log_loss(const double *y, const double *proba, size_t n, int k);

/* Regression figures of pred against y; n > 0. */
void sg_eval_regression(const double *y, const double *pred, size_t n, struct sg_reg_eval *out);

/* Reports every defined (non-NaN) figure of e as "PREFIX:accuracy",
 * "PREFIX:balanced_accuracy", "PREFIX:precision", "PREFIX:recall",
 * "PREFIX:f1" (binary), "PREFIX:macro_precision", "PREFIX:macro_recall",
 * "PREFIX:macro_f1", "PREFIX:auc", "PREFIX:log_loss" at iteration it. */
void sg_eval_report_classification(const struct sg_cls_eval *e, const char *prefix,
				   long long it, sg_metric_report_fn fn, void *ud);
/* "PREFIX:mse", "PREFIX:rmse", "PREFIX:mae", "PREFIX:r2". */
void sg_eval_report_regression(const struct sg_reg_eval *e, const char *prefix, long long it,
			       sg_metric_report_fn fn, void *ud);

/* Writes the confusion matrix as CSV, atomically: a header
 * "true\predicted,CLASS_0,…", then one row per true class led by its name.
 * classes may be NULL (then the indices are the names). */
int sg_eval_confusion_csv(const struct sg_cls_eval *e, const char *const *classes,
			  const char *path, struct sg_error *err);

#endif
