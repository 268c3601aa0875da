/* metrics_eval.c — classification and regression quality measures. */
#include "core/metrics_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

static double f1_of(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

/* Precision, recall and F1 of class c from the confusion matrix. */
static void class_prf(const struct sg_cls_eval *e, int c, double *p, double *r, double *f)
{
	uint64_t tp = e->confusion[(size_t)c * (size_t)e->k + (size_t)c];
	uint64_t pred = 0, truth = 0;
	for (int j = 0; j < e->k; j++) {
		pred += e->confusion[(size_t)j * (size_t)e->k + (size_t)c];
		truth += e->confusion[(size_t)c * (size_t)e->k + (size_t)j];
	}
	*p = ratio((double)tp, (double)pred);
	*r = ratio((double)tp, (double)truth);
	*f = f1_of(*p, *r);
}

/* Fills accuracy, balanced accuracy and the binary and macro figures. */
static void summarize(struct sg_cls_eval *e)
{
	uint64_t correct = 0;
	double sp = 0, sr = 0, sf = 0, bal = 0;
	int present = 0;
	for (int c = 0; c < e->k; c++) {
		double p, r, f;
		uint64_t truth = 0;
		correct += e->confusion[(size_t)c * (size_t)e->k + (size_t)c];
		for (int j = 0; j < e->k; j++)
			truth += e->confusion[(size_t)c * (size_t)e->k + (size_t)j];
		class_prf(e, c, &p, &r, &f);
		sp += p;
		sr += r;
		sf += f;
		if (truth > 0) {
			bal += r;
			present++;
		}
	}
	e->accuracy = (double)correct / (double)e->n;
	e->balanced_accuracy = present ? bal / present : NAN;
	e->macro_precision = sp / e->k;
	e->macro_recall = sr / e->k;
	e->macro_f1 = sf / e->k;
	e->precision = e->recall = e->f1 = NAN;
	if (e->k == 2)
		class_prf(e, 1, &e->precision, &e->recall, &e->f1);
}

static int class_index(double v, int k, size_t *out)
{
	if (!(v >= 0 && v < k) || v != floor(v))
		return -1;
	*out = (size_t)v;
	return 0;
}

int sg_eval_classification(const double *y, const double *pred, const double *proba, size_t n,
			   int k, struct sg_cls_eval *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	if (n == 0 || k < 2)
		return sg_error_set(err, SG_E_USAGE, "evaluation needs rows and at least 2 classes");
	out->k = k;
	out->n = n;
	out->confusion = sg_xcalloc((size_t)k * (size_t)k, sizeof *out->confusion);
	for (size_t i = 0; i < n; i++) {
		size_t t, p;
		if (class_index(y[i], k, &t) != 0 || class_index(pred[i], k, &p) != 0) {
			sg_cls_eval_done(out);
			return sg_error_set(err, SG_E_USAGE, "row %zu: class index out of range 0..%d",
					    i + 1, k - 1);
		}
		out->confusion[t * (size_t)k + p]++;
	}
	summarize(out);
	out->auc = out->log_loss = NAN;
	if (proba) {
		out->log_loss = sg_eval_log_loss(y, proba, n, k);
		if (k == 2) {
			double *s = sg_xmalloc(n * sizeof *s);
			for (size_t i = 0; i < n; i++)
				s[i] = proba[2 * i + 1];
			out->auc = sg_eval_auc(y, s, n);
			free(s);
		}
	}
	return 0;
}

void sg_cls_eval_done(struct sg_cls_eval *e)
{
	if (!e)
		return;
	free(e->confusion);
	e->confusion = NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, z = *(const double *)b;
	return (x > z) - (x < z);
}

/* P(score of a positive > score of a negative) + P(equal) / 2, which is the
 * Mann-Whitney statistic: the positives' and the negatives' scores are
 * sorted apart (one buffer of n doubles) and merged. */
double sg_eval_auc(const double *y, const double *score, size_t n)
{
	double *v = sg_xmalloc((n ? n : 1) * sizeof *v);
	size_t np = 0, nn = 0;
	for (size_t i = 0; i < n; i++)
		if (y[i] > 0.5)
			v[np++] = score[i];
	for (size_t i = 0; i < n; i++)
		if (!(y[i] > 0.5))
			v[np + nn++] = score[i];
	if (np == 0 || nn == 0) {
		free(v);
		return NAN;
	}
	double *pos = v, *neg = v + np;
	qsort(pos, np, sizeof *pos, cmp_double);
	qsort(neg, nn, sizeof *neg, cmp_double);
	double wins = 0;
	size_t lt = 0, le = 0;   /* negatives < and <= the current positive */
	for (size_t i = 0; i < np; i++) {
		while (lt < nn && neg[lt] < pos[i])
			lt++;
		if (le < lt)
			le = lt;
		while (le < nn && neg[le] <= pos[i])
			le++;
		wins += (double)lt + 0.5 * (double)(le - lt);
	}
	free(v);
	return wins / ((double)np * (double)nn);
}

double sg_eval_log_loss(const double *y, const double *proba, size_t n, int k)
{
	const double eps = 1e-15;
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		size_t c = (size_t)y[i];
		double p = proba[i * (size_t)k + c];
		p = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
		s -= log(p);
	}
	return n ? s / (double)n : NAN;
}

void sg_eval_regression(const double *y, const double *pred, size_t n, struct sg_reg_eval *out)
{
	double mean = 0, se = 0, ae = 0, tot = 0;
	for (size_t i = 0; i < n; i++)
		mean += y[i];
	mean /= (double)(n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		double r = y[i] - pred[i];
		se += r * r;
		ae += fabs(r);
		tot += (y[i] - mean) * (y[i] - mean);
	}
	out->n = n;
	out->mse = n ? se / (double)n : NAN;
	out->rmse = sqrt(out->mse);
	out->mae = n ? ae / (double)n : NAN;
	out->r2 = tot > 0 ? 1 - se / tot : (se == 0 ? 1.0 : 0.0);
}

static void put(sg_metric_report_fn fn, void *ud, const char *prefix, const char *name,
		long long it, double v)
{
	char key[128];
	if (isnan(v))
		return;
	snprintf(key, sizeof key, "%s:%s", prefix, name);
	fn(ud, key, it, v);
}

void sg_eval_report_classification(const struct sg_cls_eval *e, const char *prefix,
				   long long it, sg_metric_report_fn fn, void *ud)
{
	put(fn, ud, prefix, "accuracy", it, e->accuracy);
	put(fn, ud, prefix, "balanced_accuracy", it, e->balanced_accuracy);
	put(fn, ud, prefix, "precision", it, e->precision);
	put(fn, ud, prefix, "recall", it, e->recall);
	put(fn, ud, prefix, "f1", it, e->f1);
	put(fn, ud, prefix, "macro_precision", it, e->macro_precision);
	put(fn, ud, prefix, "macro_recall", it, e->macro_recall);
	put(fn, ud, prefix, "macro_f1", it, e->macro_f1);
	put(fn, ud, prefix, "auc", it, e->auc);
	put(fn, ud, prefix, "log_loss", it, e->log_loss);
}

void sg_eval_report_regression(const struct sg_reg_eval *e, const char *prefix, long long it,
			       sg_metric_report_fn fn, void *ud)
{
	put(fn, ud, prefix, "mse", it, e->mse);
	put(fn, ud, prefix, "rmse", it, e->rmse);
	put(fn, ud, prefix, "mae", it, e->mae);
	put(fn, ud, prefix, "r2", it, e->r2);
}

/* Appends s to a CSV line, quoted when it needs to be. */
static void csv_cell(struct sg_buf *b, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		sg_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			sg_buf_putc(b, '"');
		sg_buf_putc(b, *s);
	}
	if (quote)
		sg_buf_putc(b, '"');
}

int sg_eval_confusion_csv(const struct sg_cls_eval *e, const char *const *classes,
			  const char *path, struct sg_error *err)
{
	struct sg_buf b = { 0 };
	char num[32];
	sg_buf_puts(&b, "true\\predicted");
	for (int c = 0; c < e->k; c++) {
		snprintf(num, sizeof num, "%d", c);
		sg_buf_puts(&b, ",");
		csv_cell(&b, classes ? classes[c] : num);
	}
	sg_buf_puts(&b, "\n");
	for (int t = 0; t < e->k; t++) {
		snprintf(num, sizeof num, "%d", t);
		csv_cell(&b, classes ? classes[t] : num);
		for (int p = 0; p < e->k; p++) {
			snprintf(num, sizeof num, ",%llu",
				 (unsigned long long)e->confusion[(size_t)t * (size_t)e->k + (size_t)p]);
			sg_buf_puts(&b, num);
		}
		sg_buf_puts(&b, "\n");
	}
	int rc = sg_write_atomic(path, b.data, b.len, 0644, err);
	sg_buf_done(&b);
	return rc;
}
