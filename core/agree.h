/* agree.h — agreement statistics and consolidation of human labels.
 *
 * The input is a flat list of annotations: (item, annotator, label) index
 * triples, optionally with the seconds the annotator spent.  Indexes are
 * dense (0..n-1); mapping row keys, user names and label names to indexes is
 * the caller's job (core/labels.h does it for a dataset's annotations).
 *
 * Single-label schemes (the complete case): each annotator gives at most one
 * label per item.  When the input holds several records for one (item,
 * annotator) the LAST one in input order counts (a relabel replaces the
 * earlier answer) and the others are counted in n_duplicates.
 *
 * Multi-label schemes ("set" semantics): one record per (item, annotator,
 * label chosen); an annotator who looked at an item and chose no label is
 * one record with label SG_AGREE_NONE.  An annotator who labeled an item
 * judged every label for it: a label absent from their set is a "no".
 * Agreement is then computed per label on that binary yes/no question
 * (sg_agree_binary_input, sg_agree_compute_multi).
 *
 * What sg_agree_compute gives (all O(N) or O(N log N) in the annotations,
 * plus O(sum m_i^2) for the annotator pairs, m_i = annotators on item i):
 *  - per item: the majority label, its vote share, a tie flag, a low
 *    agreement flag (share < min_share), and the Dawid–Skene label with its
 *    posterior probability;
 *  - percent agreement: the mean over items with >= 2 annotations of the
 *    share of annotator pairs on the item that gave the same label;
 *  - Cohen's kappa per annotator pair, on the items both labeled;
 *  - Fleiss' kappa, generalized to items with different numbers of raters:
 *    P_i = sum_k n_ik (n_ik - 1) / (n_i (n_i - 1)) per item with n_i >= 2,
 *    P = mean P_i, p_k = share of all those items' ratings that are k,
 *    Pe = sum_k p_k^2, kappa = (P - Pe) / (1 - Pe)  (equals the classic
 *    formula when every item has the same number of raters);
 *  - Krippendorff's alpha (nominal) from the coincidence matrix, which
 *    handles missing data: items with one annotation are not pairable and
 *    are left out;
 *  - per annotator: counts, median seconds per annotation, agreement with
 *    the consensus (majority label, on items with >= 2 annotations and no
 *    tie) and the EM estimate of their accuracy.
 * An undefined statistic (no pairable items, every rating the same label so
 * chance agreement is 1, ...) is NaN; callers show it as "-" / JSON null. */
#ifndef SG_AGREE_H
#define SG_AGREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/error.h"

/* Cohen's kappa per pair costs one record per pair of annotators on each
 * item (sum of m_i(m_i - 1)/2, 16 bytes each); past this many the pairs are
 * skipped (pairs_skipped) rather than allocating gigabytes. */
#define SG_AGREE_PAIRS_MAX 50000000u

/* Multi-label only: "looked at the item and chose no label". */
#define SG_AGREE_NONE UINT32_MAX

struct sg_agree_input {
	size_t n;                     /* annotations */
	const uint32_t *item;         /* < n_items */
	const uint32_t *annotator;    /* < n_annotators */
	const uint32_t *label;        /* < n_labels (or SG_AGREE_NONE, multi only) */
	const double *seconds;        /* NULL, or seconds spent; < 0 or NaN unknown */
	uint32_t n_items, n_annotators, n_labels;
};

/* Zero fields take the defaults named. */
struct sg_agree_options {
	double min_share;       /* majority share below this → adjudication (0.5) */
	int em_max_iter;        /* Dawid–Skene iteration cap (100) */
	double em_tol;          /* stop when an iteration gains less than this share of
				 * the log-likelihood (1e-6) */
	double em_smoothing;    /* Dirichlet pseudo-count on confusion rows and priors (0.01) */
	bool no_pairs;          /* skip Cohen's kappa per pair (the pairs list stays empty) */
	int threads;            /* EM on up to 2 threads for >= 100,000 annotations (2) */
};

enum {
	SG_AGREE_TIE = 1,       /* two or more labels share the top vote count */
	SG_AGREE_LOW = 2,       /* no tie, but the majority share < min_share */
};

struct sg_agree_item {
	uint32_t n_votes;       /* distinct annotators who labeled the item (0: unlabeled) */
	uint32_t majority_votes;
	int32_t majority;       /* top label; on a tie the lowest tied index; -1 unlabeled */
	unsigned flags;         /* SG_AGREE_TIE | SG_AGREE_LOW; needs adjudication when set */
	double share;           /* majority_votes / n_votes; NaN when unlabeled */
	int32_t em_label;       /* Dawid–Skene posterior argmax; -1 unlabeled */
	double em_confidence;   /* its posterior probability; NaN unlabeled */
};

struct sg_agree_annotator {
	uint32_t n_annotations; /* after removing duplicates */
	uint32_t n_seconds;     /* annotations with a known duration */
	double median_seconds;  /* NaN when none known */
	uint32_t n_compared;    /* their labels on items with >= 2 votes and no tie */
	uint32_t n_matched;     /* ... equal to the majority label */
	double consensus;       /* n_matched / n_compared; NaN when 0 compared */
	double em_accuracy;     /* expected share of their labels that are right (EM) */
	double mean_kappa;      /* mean Cohen's kappa over their defined pairs; NaN none */
};

/* One pair of annotators who labeled at least one item in common (a < b). */
struct sg_agree_pair {
	uint32_t a, b;
	uint32_t n;             /* items both labeled */
	uint32_t agree;         /* ... with the same label */
	double percent;         /* agree / n */
	double kappa;           /* Cohen's kappa; NaN when chance agreement is 1 */
};

struct sg_agree_stats {
	uint32_t n_items, n_annotators, n_labels;
	size_t n_annotations;   /* counted (duplicates removed) */
	size_t n_duplicates;    /* records replaced by a later one for the same item/annotator */
	uint32_t n_labeled;     /* items with >= 1 annotation */
	uint32_t n_multi;       /* items with >= 2 annotations (the pairable ones) */
	uint32_t n_ties, n_low; /* adjudication queue: items flagged TIE / LOW */
	double percent_agreement;
	double fleiss_kappa;
	double krippendorff_alpha;
	double mean_pair_kappa; /* mean of the defined pair kappas, NaN none */
	struct sg_agree_item *items;            /* n_items */
	struct sg_agree_annotator *annotators;  /* n_annotators */
	struct sg_agree_pair *pairs;            /* sorted by (a, b) */
	size_t n_pairs;
	bool pairs_skipped;                     /* more than SG_AGREE_PAIRS_MAX pair records */
	/* Dawid–Skene */
	int em_iterations;
	bool em_converged;
	double em_log_likelihood;               /* of the observed labels, last iteration */
	double *em_prior;                       /* n_labels class shares */
	double *em_confusion;                   /* [annotator][true k][given l], rows sum to 1 */
};

/* Computes everything above.  Indexes out of range are an SG_E_USAGE error
 * naming the record.  *out is the caller's (sg_agree_stats_free). */
int sg_agree_compute(const struct sg_agree_input *in, const struct sg_agree_options *opt,
		     struct sg_agree_stats **out, struct sg_error *err);
void sg_agree_stats_free(struct sg_agree_stats *s);

/* The annotator's estimated probability of giving label l when the truth is k. */
double sg_agree_confusion(const struct sg_agree_stats *s, uint32_t annotator, uint32_t k,
			  uint32_t l);

/* The adjudication queue: items flagged TIE or LOW, most doubtful first
 * (lowest share, then lowest EM confidence, then index).  Returns the count;
 * *items is malloc'd (NULL when empty). */
size_t sg_agree_adjudication(const struct sg_agree_stats *s, uint32_t **items);

/* Summary, annotators (with counts, speed, consensus, EM accuracy) and
 * pairs as JSON; names may be NULL (indexes are printed then).  NaN → null.
 * Items are left out (there may be millions): use the items array. */
json_t *sg_agree_to_json(const struct sg_agree_stats *s, const char *const *label_names,
			 const char *const *annotator_names);

/* Multi-label: the yes/no question "is label `label` in the set" as a
 * single-label input (n_labels 2: 0 = no, 1 = yes), one record per (item,
 * annotator) who labeled the item.  Owns its arrays. */
struct sg_agree_owned {
	struct sg_agree_input in;
	uint32_t *item, *annotator, *label;
	double *seconds;
};
int sg_agree_binary_input(const struct sg_agree_input *multi, uint32_t label,
			  struct sg_agree_owned *out, struct sg_error *err);
void sg_agree_owned_done(struct sg_agree_owned *o);
/* Runs sg_agree_compute on each label's yes/no question; (*out)[l] is the
 * result for label l (free with sg_agree_multi_free). */
int sg_agree_compute_multi(const struct sg_agree_input *multi, const struct sg_agree_options *opt,
			   struct sg_agree_stats ***out, struct sg_error *err);
void sg_agree_multi_free(struct sg_agree_stats **s, uint32_t n_labels);
/* The Dawid–Skene reliability of each annotator on one label's yes/no
 * question (a result of sg_agree_compute_multi): an array of {annotator,
 * annotations, sensitivity = P(says yes | truly yes), specificity =
 * P(says no | truly no)}, from the confusion matrix; annotators without an
 * answer are left out.  names may be NULL (indexes are printed then). */
json_t *sg_agree_yesno_annotators_json(const struct sg_agree_stats *s,
					const char *const *annotator_names);

/* ---- whole multi-label answers and spans (agree_sets.c) -------------------- */

/* Krippendorff's alpha over whole multi-label answers, with the Jaccard
 * distance between two annotators' label sets A and B:
 *     d(A, B) = 1 - |A ∩ B| / |A ∪ B|,  and 0 when both are empty,
 * so {a} vs {a, b} is half a disagreement and disjoint sets a full one.
 * alpha = 1 - D_o / D_e, where D_o averages d over the pairs of answers
 * within each item with >= 2 annotators (each item weighted by its
 * answers, as for nominal alpha) and D_e averages d over all pairs of
 * those answers regardless of item.  With d = "not equal" it is the
 * nominal alpha.  Input: the multi-label records of sg_agree_binary_input.
 * *alpha is NaN when undefined (no pairable item, or every answer the
 * same set).  Cost: O(N log N) plus O(V^2 L) for V distinct sets, up to
 * 4,096 of them; with more, D_e is the mean over 2,000,000 pairs of answers
 * drawn with a fixed seed (deterministic; standard error < 0.001). */
int sg_agree_set_alpha(const struct sg_agree_input *multi, double *alpha, struct sg_error *err);

/* One span of a span answer; label SG_AGREE_NONE marks "looked at the item
 * and marked no span" (start and end ignored).  end is exclusive. */
struct sg_span_rec {
	uint32_t item, annotator, label;
	uint32_t start, end;
};
struct sg_span_input {
	size_t n;
	const struct sg_span_rec *rec;
	uint32_t n_items, n_annotators, n_labels;
};

/* Span agreement of two annotators, pooled over the items both answered.
 * exact: spans of A equal (start, end, label) to a span of B;
 *   f1_exact = 2 exact / (spans_a + spans_b).
 * overlap (lenient): over_a = A's spans that share at least one character
 *   with a span of B of the same label (over_b likewise), recall R =
 *   over_a / spans_a, precision P = over_b / spans_b, f1_overlap =
 *   2PR / (P + R).  Both F1 are symmetric in A and B; NaN when neither
 *   marked any span. */
struct sg_span_pair {
	uint32_t a, b;             /* a < b */
	uint32_t items;
	size_t spans_a, spans_b, exact, over_a, over_b;
	double f1_exact, f1_overlap;
};
struct sg_span_label {
	size_t spans;              /* marked by all annotators */
	uint32_t items;            /* items where someone marked it */
	size_t exact, compared;    /* over all pairs: 2 * exact / compared is its F1 */
	double f1_exact;           /* NaN when no pair marked it */
};
struct sg_span_stats {
	uint32_t n_items, n_annotators, n_labels;
	uint32_t n_answered;       /* items with >= 1 answer */
	uint32_t n_multi;          /* items with >= 2 answers */
	size_t n_spans;            /* after removing duplicates */
	double mean_f1_exact, mean_f1_overlap;  /* means over the defined pairs */
	struct sg_span_pair *pairs;  /* sorted by (a, b) */
	size_t n_pairs;
	bool pairs_skipped;        /* more than SG_AGREE_PAIRS_MAX pair records */
	struct sg_span_label *labels;  /* n_labels */
};
/* Ranges are checked (SG_E_USAGE naming the record; start < end). */
int sg_agree_spans(const struct sg_span_input *in, struct sg_span_stats **out,
		   struct sg_error *err);
void sg_span_stats_free(struct sg_span_stats *s);
json_t *sg_span_stats_json(const struct sg_span_stats *s, const char *const *label_names,
			   const char *const *annotator_names);

#endif
