/* labelauto.h — machine labels from a model trained on the human ones, and
 * the review rules that keep people checking them.
 *
 * sg_labelauto_run, for a single-label scheme:
 *  1. Truth: the live human and imported annotations, consolidated per item
 *     (a reviewer's decision wins; else the Dawid–Skene label of core/agree.h;
 *     items whose majority is a tie are left out), plus machine labels a
 *     reviewer accepted.  Orphaned items (no longer in the file) are left out.
 *  2. Features per row: the text column as hashed word unigrams, word
 *     bigrams and character trigrams of each word, weighted TF-IDF (IDF from
 *     the truth rows) and scaled to unit length, into 2^hash_bits slots; plus
 *     every other column whose values on the truth rows are all numbers (or
 *     missing), standardized.  The id column is never a feature.
 *  3. Validation: a stratified validation share is held out.  With fewer
 *     than 1,000 truth rows every fold of that share is held out in turn
 *     (cross-fitting, at most 10 folds), so every human label serves once
 *     as validation and the threshold rests on all of them; the rows are
 *     then labeled by the average of the fold models (the models the
 *     threshold was measured on).  With one split, its model labels.
 *  4. Threshold: validation rows sorted by the model's confidence (the top
 *     class probability); the threshold is the lowest confidence at which the
 *     rows at or above it reach the target accuracy — judged by the lower
 *     end of their 95% Wilson score interval, so a handful of lucky rows
 *     does not pass — with at least min_count rows.  None qualifies:
 *     nothing is machine-labeled (the report says so).
 *  5. Apply: every row with no live human or imported annotation is
 *     predicted, streaming through the CSV in blocks.  Rows at or above the
 *     threshold get a machine annotation (user SG_LABELAUTO_USER, source
 *     machine, the confidence); the review rules mark some of them pending.
 *     A machine label from an earlier run that this run does not confirm is
 *     retired (made inactive; history kept), unless a reviewer accepted it.
 *  6. The rest are ordered for people: the work queue's unlabeled level is
 *     renumbered so the least confident rows (smallest margin between the
 *     two top classes) come first and machine-labeled rows last.
 * Repeatable: each run starts from the current human labels.
 *
 * Multi-label schemes (one-vs-rest), the same steps with these changes:
 *  1. Truth per item: a reviewer's set wins; else a label is in the set
 *     when more than half of the item's annotators chose it; an item where
 *     some label has exactly half the votes is left out as a tie.
 *  2-3. The same features and folds (stratified by each row's rarest label);
 *     one binary model per label and fold (the same algorithms).  A label
 *     with fewer than min_per_answer truth rows with it, or without it, is
 *     not trained: the report names it and nothing is machine-labeled (an
 *     item's answer needs every label's decision), the rest still ordered.
 *  4. Thresholds: label l's decision is "yes" when p_l >= 0.5, with
 *     confidence c_l = max(p_l, 1 - p_l).  An item is machine-labeled only
 *     when c_l >= t_l for every label.  Accuracy is item-level exact match
 *     (the whole set right), the strictest multi-label measure and the one
 *     that says a reviewer need not touch the item.  The thresholds come
 *     from one parameter: for a per-label accuracy tau, t_l(tau) is the
 *     lowest confidence at which label l's validation decisions at or above
 *     it are right at least tau of the time; tau is scanned over a grid and
 *     the one kept labels the most validation items whose exact-match
 *     accuracy (Wilson lower bound) reaches the target with min_count items.
 *  5. The machine label's confidence is the minimum c_l over the labels.
 *  6. Uncertainty: the least certain label's margin, min |2 p_l - 1|. */
#ifndef SG_LABELAUTO_H
#define SG_LABELAUTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "core/labels.h"

/* The annotator name machine labels are recorded under. */
#define SG_LABELAUTO_USER "machine"

struct sg_labelauto_options {
	double target_accuracy;   /* 0 < t < 1 (0: 0.95) */
	const char *algo;         /* "linear-learner" (NULL) or "xgboost" */
	double validation_share;  /* 0 < v < 1 (0: 0.2) */
	int min_count;            /* validation rows needed above the threshold (0: 20) */
	int hash_bits;            /* text feature width 2^bits, 8..18 (0: 10) */
	double review_below;      /* < 0: the scheme's review.confidence_below */
	double audit_percent;     /* < 0: the scheme's review.audit_percent */
	uint64_t seed;            /* folds, audit sample */
	int dry_run;              /* compute and report; write nothing */
	size_t list_uncertain;    /* row keys of the most uncertain rows to report (0: 20) */
	/* Progress while predicting: rows done of total; non-zero cancels. */
	sg_labels_progress_fn progress;
	void *ud;
};

/* Multi-label schemes: one label's yes/no model. */
struct sg_labelauto_label {
	char name[SG_SCHEME_NAME_MAX];
	size_t positives, negatives; /* truth rows with / without the label */
	int trained;              /* 0: fewer than min_per_answer of either answer */
	double threshold;         /* its decision confidence threshold; NaN: none */
	double valid_accuracy;    /* its decision's accuracy on every validation row */
};

struct sg_labelauto_report {
	char algo[32];
	int nclasses;             /* classes seen in the truth */
	size_t truth;             /* truth rows used */
	size_t ties;              /* items left out for a tied majority */
	int folds;                /* 1: one hold-out split; > 1: cross-fitting */
	size_t valid_rows;
	double valid_accuracy_all;/* of every validation row */
	double threshold;         /* NaN: no threshold reached the target */
	size_t valid_above;       /* validation rows at or above it */
	double valid_accuracy;    /* their accuracy (NaN: none) */
	double valid_accuracy_low;/* its Wilson lower bound */
	size_t candidates;        /* rows without a human label */
	size_t machine_labeled;   /* written (or would be, dry run) */
	size_t retired;           /* earlier machine labels made inactive */
	size_t review_low;        /* machine labels sent to review for low confidence */
	size_t review_audit;      /* ... for the random audit */
	size_t left;              /* candidates below the threshold, ordered for people */
	char **uncertain;         /* their row keys, most uncertain first (list_uncertain) */
	double *uncertain_conf;   /* their top-class probability */
	double *uncertain_margin; /* top minus second probability (the order) */
	size_t n_uncertain;
	double seconds;
	/* multi-label schemes only (multi = 1) */
	int multi;
	struct sg_labelauto_label *labels;
	size_t nlabels;
	size_t untrained;         /* labels with too few positives or negatives */
	size_t min_per_answer;    /* positives and negatives a label needs */
	double label_target;      /* per-label accuracy the thresholds were set for */
};

/* Runs the steps above on a dataset opened (sg_labels_open) on store s.  0 ok (threshold may be NaN);
 * -1 with err: not a single-label scheme, fewer than 2 classes or too few
 * truth rows (at least 10 per fold), unknown algorithm, store errors. */
int sg_labelauto_run(struct sg_store *s, struct sg_labels *l, const struct sg_labelauto_options *o,
		     struct sg_labelauto_report *r, struct sg_error *err);
void sg_labelauto_report_done(struct sg_labelauto_report *r);
json_t *sg_labelauto_report_json(const struct sg_labelauto_report *r);

/* ---- review ----------------------------------------------------------------- */

/* A machine label waiting for a reviewer (strings borrowed in callbacks). */
struct sg_review_item {
	long long id;             /* the machine annotation */
	const char *row_key;
	long long row;            /* -1: orphaned */
	const char *value;
	double confidence;
};
typedef int (*sg_review_fn)(const struct sg_review_item *it, void *ud);

/* Applies the review rules to the dataset's live machine labels not yet
 * reviewed or pending: those with confidence < below go to review, and of
 * the others a random audit_percent (chosen by a hash of the row key and
 * seed, so the sample is stable).  Counts into *n_low / *n_audit (may be
 * NULL).  One transaction. */
int sg_labelauto_review_apply(struct sg_store *s, long long dataset_id, double below,
			      double audit_percent, uint64_t seed, size_t *n_low, size_t *n_audit,
			      struct sg_error *err);
/* Calls fn for each pending machine label, lowest confidence first. */
int sg_labelauto_review_list(struct sg_store *s, struct sg_labels *l, sg_review_fn fn, void *ud,
			     struct sg_error *err);
/* The reviewer (the handle's user) accepts the live machine label of key;
 * SG_E_NOTFOUND when it has none. */
int sg_labelauto_accept(struct sg_store *s, struct sg_labels *l, const char *key,
			struct sg_error *err);
/* The reviewer corrects it: value is recorded as the reviewer's (human)
 * decision and the machine label is marked corrected. */
int sg_labelauto_correct(struct sg_store *s, struct sg_labels *l, const char *key,
			 const char *value, struct sg_error *err);

/* ---- features (exposed for tests) ---------------------------------------- */

/* Adds the hashed text features of s[0..n) to v[0..2^bits): counts of word
 * unigrams, bigrams and character trigrams (words lowercased, split at
 * ASCII non-alphanumerics; bytes >= 0x80 belong to words). */
void sg_labelauto_text_counts(const char *s, size_t n, int bits, double *v);

#endif
