/* labelauto_int.h — what labelauto.c and labelauto_review.c share; not a
 * public API. */
#ifndef SG_LABELAUTO_INT_H
#define SG_LABELAUTO_INT_H

#include "core/labelauto.h"

/* A stable pseudo-random number in [0, 100) from a row key and a seed: the
 * audit sample is the keys drawing below the audit percent. */
double sg_labelauto_audit_draw(const char *key, uint64_t seed);

/* Retires (makes inactive) the live machine labels of SG_LABELAUTO_USER
 * except those of keys[0..n) and those a reviewer accepted or corrected;
 * unchanged[i] is set when key i already has a live machine label with
 * value vals[i] — it is kept (with its review state) and given the new
 * confidence confs[i], rather than written again.  One transaction. */
int sg_labelauto_retire(struct sg_store *s, struct sg_labels *l, const char *const *keys,
			const char *const *vals, const double *confs, size_t n, uint8_t *unchanged,
			size_t *retired, struct sg_error *err);

/* Renumbers the queue's unlabeled level (items with no live human
 * annotation) so that keys[0..n) come in that order, after nothing else at
 * that level: fresh sequence numbers past the dataset's counter, so every
 * annotator's queue cursor sits before them.  One transaction. */
int sg_labelauto_order_queue(struct sg_store *s, struct sg_labels *l, const char *const *keys,
			     size_t n, struct sg_error *err);

/* ---- shared by labelauto.c and labelauto_multi.c ---------------------------- */

#include "core/algo.h"
#include "core/csvfile.h"

/* The feature map fitted on the truth rows. */
struct sg_la_feat {
	int bits, D;               /* text slots */
	int text_col;              /* -1: no text */
	double *idf;               /* D */
	int nnum;
	int *numcol;
	double *mean, *sd;
	int d;                     /* D + nnum */
};

/* Consolidated human answers, one per truth row. */
struct sg_la_truth {
	size_t n;
	uint64_t *row;
	int *cls;                  /* scheme label index */
	uint8_t *human;            /* per file row: has a live human/imported annotation */
	size_t ties;
	/* multi-label schemes: set[i * L + l] is 1 when row i's consolidated
	 * answer holds label l (cls unused) */
	uint8_t *set;
	int L;
};

/* One auto-labeling run. */
struct sg_la_run {
	struct sg_store *s;
	struct sg_labels *l;
	const struct sg_labelauto_options *o;
	struct sg_labelauto_report *r;
	const struct sg_algo *algo;
	struct sg_la_truth t;
	struct sg_la_feat f;
	int k;                     /* classes used */
	int *cls_of;               /* model class → scheme label */
	char **classes;            /* model class names (borrowed from the scheme) */
	double *x;                 /* truth features */
	int *y;                    /* truth model classes */
	size_t n;                  /* truth rows used for training (may be sampled) */
	struct sg_model *models[16];   /* the labeling models: one, or every fold's */
	int nmodels;
	/* prediction of the candidates */
	uint8_t *cand;
	double *block;
	uint64_t *block_row;
	size_t nblock;
	struct sg_la_hit {
		uint64_t row;
		int cls;
		double conf, margin;
	} *lab, *unc;
	size_t nlab, nunc, caplab, capunc;
	uint64_t done, total;
	/* multi-label schemes (labelauto_multi.c): one binary model per label
	 * and fold, mmodels[fold * L + label]; NULL for a label not trained */
	int multi;
	struct sg_model **mmodels;
	double *mconst;            /* [fold * L + label]: P(yes) when that fold's training
				    * rows held one answer only (no model) */
	double *lthr;              /* L per-label confidence thresholds (INFINITY: none) */
	char **mval;               /* labeled hits' canonical values (hit.cls indexes it) */
	size_t nmval, capmval;
};

void sg_la_feat_done(struct sg_la_feat *f);
/* Fits the feature map on the truth rows (IDF, numeric columns). */
int sg_la_feat_fit(struct sg_labels *l, const struct sg_la_truth *t, int bits, struct sg_la_feat *f,
		   struct sg_error *err);
/* Features of one row's fields into out[0..f->d). */
void sg_la_featurize(const struct sg_la_feat *f, const struct sg_csv_field *fld, int nf, double *out);
/* The truth rows' features, t->n rows of width f->d. */
int sg_la_feat_matrix(struct sg_labels *l, const struct sg_la_feat *f, const struct sg_la_truth *t,
		      double *x, struct sg_error *err);
void sg_la_truth_done(struct sg_la_truth *t);
void sg_la_truth_add(struct sg_la_truth *t, size_t *cap, uint64_t row, int cls);
/* Trains a k-class model on rows idx[0..n) of x (width d), classes y. */
struct sg_model *sg_la_train(const struct sg_algo *a, const double *x, const int *y, int d,
			     const size_t *idx, size_t n, int k, char *const *classes,
			     uint64_t seed, struct sg_error *err);
/* Class probabilities of n rows into proba (n * nclasses). */
int sg_la_predict(const struct sg_model *m, const double *x, size_t n, double *proba,
		  struct sg_error *err);
/* Lower end of the 95% Wilson score interval for c successes of n. */
double sg_la_wilson_low(double c, double n);
/* Stratified fold numbers (0..folds-1) for classes y[0..n) < nlab. */
int *sg_la_folds(const int *y, size_t n, int nlab, int folds, uint64_t seed);
void sg_la_hit_push(struct sg_la_hit **v, size_t *n, size_t *cap, struct sg_la_hit h);

/* One validation decision: the model's confidence and whether it was
 * right.  sg_la_cmp_vpoint sorts them most confident first (qsort). */
struct sg_la_vpoint {
	double conf;
	int right;
};
int sg_la_cmp_vpoint(const void *a, const void *b);

/* Multi-label steps (labelauto_multi.c), in the order run: */
int sg_la_multi_truth(struct sg_la_run *R, struct sg_error *err);
/* Keeps at most maxn truth rows (every k-th), before the feature matrix. */
void sg_la_multi_cap(struct sg_la_run *R, size_t maxn);
/* Trains the per-label models, validates and sets R->lthr and the report. */
int sg_la_multi_validate(struct sg_la_run *R, struct sg_error *err);
/* Predicts a block of candidates (R->block) into R->lab / R->unc. */
int sg_la_multi_block(struct sg_la_run *R, struct sg_error *err);
void sg_la_multi_done(struct sg_la_run *R);

#endif
