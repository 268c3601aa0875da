/* labels.h — labeling a dataset: stable row keys, annotations by several
 * annotators, the work queue with leases, consolidated results.
 *
 * Storage (schema v7, all keyed by the dataset's id in `datasets`):
 *   label_sets         the scheme (JSON) and the file's state at the last sync
 *   label_items        one row per row key: its row number at the last sync
 *                      (NULL: the key is no longer in the file, "orphaned"),
 *                      n = live human annotations (human + imported, role
 *                      annotator), seq = when it reached that n (queue order)
 *   label_annotations  one row per annotation, never deleted by sagetty:
 *                      undo and re-labeling mark rows inactive (history kept)
 *   label_leases       (item, annotator, until): items handed out, not yet labeled
 *   label_skips        items an annotator skipped (not offered to them again)
 *   label_cursors      per annotator and level n, where their queue scan resumes
 *   label_results      the consolidated label per item (majority, EM, review)
 *   label_consolidations  one row per consolidation run, its summary as JSON
 *
 * Row keys.  With the scheme's id_column, an item's key is that column's
 * value; else the first 20 hex digits of the SHA-256 of the row's fields
 * (each field length-prefixed, so "a,b" and "ab" differ).  A key seen again
 * further down the file gets "#2", "#3"… (duplicate ids and identical rows
 * stay distinct items).  So labels follow their rows when the file is
 * re-sorted or appended to.
 *
 * Sync.  Opening a dataset for labeling compares the file's size and mtime
 * with the last sync, then its SHA-256; when the content changed, every row
 * is re-keyed: keys found again get their new row number, new keys become
 * new items, and keys gone from the file keep their annotations with row
 * NULL — reported as orphans, never deleted (items that never had an
 * annotation are simply dropped).
 *
 * Durability.  Every write (an annotation, an undo, a lease) is its own
 * committed transaction before the function returns.  The store runs in WAL
 * mode with synchronous=NORMAL: a committed transaction survives the process
 * being killed at any moment (SIGKILL included), since the WAL is in the
 * kernel's page cache; only a power loss or kernel crash may lose the last
 * commits (out of scope, as for any SQLite program with that setting).
 * Two annotators saving the same row at once each insert their own row:
 * both are kept (the busy timeout serializes the writes).
 *
 * Identity.  The annotator is the Unix account (sg_username()); the
 * `user` passed in is recorded as is. */
#ifndef SG_LABELS_H
#define SG_LABELS_H

#include <stdint.h>
#include "core/agree.h"
#include "core/csvfile.h"
#include "core/dataset.h"
#include "core/labelscheme.h"
#include "core/store.h"

#define SG_LABEL_KEY_MAX 128      /* row keys longer than this (ids) are hashed */
#define SG_LABEL_HASH_HEX 20

enum sg_label_source {
	SG_LABEL_HUMAN = 0,   /* typed by an annotator in sagetty */
	SG_LABEL_MACHINE,     /* predicted (labels auto): carries a confidence */
	SG_LABEL_IMPORTED,    /* from `labels import`: counts as human work */
};
const char *sg_label_source_name(enum sg_label_source s);  /* "human" … */
int sg_label_source_parse(const char *name);                /* or -1 */

enum sg_label_role {
	SG_ROLE_ANNOTATOR = 0,  /* one of the k annotations of an item */
	SG_ROLE_REVIEWER,       /* an adjudication or a review correction: decides */
};

/* Review state of a machine annotation. */
enum sg_label_review {
	SG_REVIEW_NONE = 0,   /* not sent to review */
	SG_REVIEW_PENDING,    /* waiting for a reviewer */
	SG_REVIEW_ACCEPTED,   /* a reviewer agreed */
	SG_REVIEW_CORRECTED,  /* a reviewer replaced it (the correction is a human annotation) */
};
const char *sg_label_review_name(enum sg_label_review r);   /* "", "pending", … */

/* One annotation.  Strings are borrowed in callbacks, owned by the caller
 * when passed in. */
struct sg_annotation {
	long long id;                /* set by the store */
	long long dataset_id;
	const char *row_key;
	const char *user;
	const char *value;           /* canonical (labelscheme.h) */
	const char *comment;         /* "" or NULL: none */
	enum sg_label_source source;
	enum sg_label_role role;
	double confidence;           /* machine: 0..1; others: NAN (stored NULL) */
	double created_at;           /* 0: now */
	double seconds;              /* time spent on the item */
	int active;                  /* 0: undone or superseded (history) */
	enum sg_label_review review;
	const char *reviewer;        /* NULL unless reviewed */
};

/* ---- schemes in the store ----------------------------------------------- */

/* Stores the scheme for a dataset (replacing any).  Changing id_column
 * re-keys on the next open: when the file is unchanged since the last sync,
 * each row's labels move to its new key; else the old keys' labels become
 * orphans. */
int sg_labels_set_scheme(struct sg_store *s, long long dataset_id, const struct sg_scheme *sc,
			 const char *user, struct sg_error *err);
/* Loads the stored scheme; SG_E_NOTFOUND when the dataset has none. */
int sg_labels_get_scheme(struct sg_store *s, long long dataset_id, struct sg_scheme *out,
			 struct sg_error *err);

/* ---- a dataset opened for labeling ---------------------------------------- */

struct sg_labels;

struct sg_labels_sync {
	uint64_t rows;                 /* data rows in the file now */
	int changed;                   /* the content changed since the last sync */
	int first;                     /* first sync of this dataset */
	uint64_t new_items;            /* keys seen for the first time */
	uint64_t moved;                /* keys whose row number changed */
	uint64_t orphaned_items;       /* keys no longer in the file with live annotations */
	uint64_t orphaned_annotations; /* active annotations on those keys */
	uint64_t duplicate_keys;       /* rows whose key repeated an earlier row's */
	uint64_t empty_text;           /* rows with an empty text column */
	uint64_t rekeyed;              /* labeled rows moved to new keys (id column changed) */
	char sha256[65];
};

/* Called during sync with rows done of total: first while the rows are
 * keyed, then (first sync, or after a change) while new items are written;
 * returning non-zero cancels the open (SG_E_USAGE "cancelled"; nothing of
 * the sync is kept). */
typedef int (*sg_labels_progress_fn)(uint64_t done, uint64_t total, void *ud);

/* Opens dataset ds (path: the file, absolute or relative to the cwd) for
 * annotator user: reads the scheme (SG_E_NOTFOUND when none is set), opens
 * the CSV, waits for its index and syncs the items (see above; sync may be
 * NULL).  Blocking: a 1M-row re-key takes a second or two, so a front end
 * runs it off its UI loop (the store is then used by that thread only until
 * it returns).  The handle holds the row keys in memory (about 40 bytes a
 * row) and the open sg_csv for reading rows. */
struct sg_labels *sg_labels_open(struct sg_store *s, const struct sg_dataset_info *ds,
				 const char *path, const char *user,
				 sg_labels_progress_fn progress, void *ud,
				 struct sg_labels_sync *sync, struct sg_error *err);
void sg_labels_free(struct sg_labels *l);

/* Moves the store's WAL into the database file with a passive checkpoint
 * (it never waits for other processes) once the WAL has reached SQLite's
 * usual 1000 pages; else does nothing.  While a dataset is open for
 * labeling, its connection checkpoints by itself only past
 * SG_LABELS_WAL_PAGES pages, so the fsync a checkpoint costs (milliseconds)
 * falls here rather than inside a save: front ends call this when the
 * annotator pauses (the Label view: after half a second without a key).
 * Saves are durable either way.  sg_labels_free restores SQLite's default. */
#define SG_LABELS_WAL_PAGES 16384
int sg_labels_idle(struct sg_labels *l, struct sg_error *err);

const struct sg_scheme *sg_labels_scheme(const struct sg_labels *l);
struct sg_csv *sg_labels_csv(struct sg_labels *l);
long long sg_labels_dataset_id(const struct sg_labels *l);
const char *sg_labels_user(const struct sg_labels *l);
uint64_t sg_labels_nrows(const struct sg_labels *l);
/* Column index of the scheme's text column, or -1. */
int sg_labels_text_col(const struct sg_labels *l);
/* The key of data row `row` (borrowed; NULL when out of range). */
const char *sg_labels_key(const struct sg_labels *l, uint64_t row);
/* The row of a key at the last sync, or -1 (unknown or orphaned). */
long long sg_labels_row_of(struct sg_labels *l, const char *key);

/* The state of one item, for display and jumps. */
struct sg_label_item {
	char row_key[SG_LABEL_KEY_MAX];
	long long row;               /* -1: orphaned */
	int n;                       /* live human annotations (toward k) */
	int n_machine;               /* live machine annotations */
	int mine;                    /* the annotator has a live annotation on it */
	int disagreed;               /* live human annotations differ */
	int review_pending;          /* a machine annotation waits for review */
	double confidence;           /* consolidated confidence, NAN when none */
	char result[256];            /* consolidated value ("" none; cut when longer) */
};
int sg_labels_item(struct sg_labels *l, const char *row_key, struct sg_label_item *out,
		   struct sg_error *err);

/* ---- annotating ------------------------------------------------------------ */

/* Records the annotator's label for an item: value is checked against the
 * scheme (a span against the row's text) and canonicalized; a previous live
 * annotation by the same annotator on the item is superseded (kept
 * inactive); the annotator's lease on it is released.  Durable when it
 * returns 0 (see above).  *id may be NULL. */
int sg_labels_annotate(struct sg_labels *l, const char *row_key, const char *value,
		       const char *comment, double seconds, long long *id, struct sg_error *err);
/* The same as a reviewer: an adjudication of a disagreed item, or the
 * correction of a machine label (machine_id > 0: that annotation is marked
 * corrected).  Reviewer annotations do not count toward k and decide the
 * consolidated label. */
int sg_labels_adjudicate(struct sg_labels *l, const char *row_key, const char *value,
			 const char *comment, long long machine_id, long long *id,
			 struct sg_error *err);
/* Undoes the annotator's most recent live annotation in this dataset (a
 * superseded earlier one becomes live again).  1 with its row key in key
 * (SG_LABEL_KEY_MAX bytes) when one was undone, 0 when nothing to undo. */
int sg_labels_undo(struct sg_labels *l, char *key, struct sg_error *err);
/* Marks the item skipped for the annotator (not offered again by the queue;
 * an undo-able choice: sg_labels_unskip) and releases the lease. */
int sg_labels_skip(struct sg_labels *l, const char *row_key, struct sg_error *err);
int sg_labels_unskip(struct sg_labels *l, const char *row_key, struct sg_error *err);

/* Inserts annotations as they are (import, machine labels): each value is
 * canonicalized against the scheme; rows whose key is unknown are inserted
 * anyway (they show as orphans).  One transaction for all n; the item
 * counts follow.  A bad value fails the whole batch, naming index i in
 * *bad (may be NULL). */
int sg_labels_insert(struct sg_store *s, long long dataset_id, const struct sg_scheme *sc,
		     const struct sg_annotation *a, size_t n, size_t *bad, struct sg_error *err);
/* Sets the review state of a machine annotation (reviewer recorded). */
int sg_labels_set_review(struct sg_store *s, long long id, enum sg_label_review r,
			 const char *reviewer, struct sg_error *err);

/* ---- the queue ------------------------------------------------------------- */

enum sg_label_jump {
	SG_JUMP_QUEUE = 0,    /* the work queue: items the annotator has not labeled or
			       * skipped, with n + others' live leases < k, fewest
			       * annotations first; leases the item (lease_seconds) */
	SG_JUMP_UNLABELED,    /* the next row after `from` the annotator has not labeled */
	SG_JUMP_DISAGREED,    /* next row with differing human labels, or consolidated
			       * as a tie / below low_confidence */
	SG_JUMP_LOW_CONFIDENCE, /* next row whose consolidated confidence < low_confidence */
	SG_JUMP_REVIEW,       /* next row with a machine label pending review */
	SG_JUMP_ORPHAN,       /* (rows are -1) the next orphaned item with annotations */
};

/* Finds the next item for how, searching rows after from (-1: from the
 * start; wraps around once).  1 found (out filled), 0 none, -1 error.
 * SG_JUMP_QUEUE ignores from. */
int sg_labels_next(struct sg_labels *l, enum sg_label_jump how, long long from,
		   struct sg_label_item *out, struct sg_error *err);
/* Releases the annotator's leases in this dataset (leaving the view). */
int sg_labels_release(struct sg_labels *l, struct sg_error *err);

/* Calls fn for the live annotations of an item (oldest first); inactive ones
 * too when history is set. */
typedef int (*sg_annotation_fn)(const struct sg_annotation *a, void *ud);
int sg_labels_item_annotations(struct sg_store *s, long long dataset_id, const char *row_key,
			       int history, sg_annotation_fn fn, void *ud, struct sg_error *err);

/* A filter for listings and the Label view's filtered navigation. */
struct sg_label_filter {
	const char *label;       /* live annotations containing this label name (NULL: any) */
	const char *user;        /* by this annotator (NULL: any) */
	int source;              /* -1 any, else enum sg_label_source */
	enum {
		SG_FILTER_ANY = 0,
		SG_FILTER_UNLABELED, /* no live human annotation */
		SG_FILTER_LABELED,   /* at least one */
		SG_FILTER_COMPLETE,  /* n >= k */
		SG_FILTER_DISAGREED,
		SG_FILTER_REVIEW,    /* machine label pending review */
	} state;
};
/* Rows (ascending) of items matching f, into a malloc'd array. */
int sg_labels_filter_rows(struct sg_labels *l, const struct sg_label_filter *f, long long **rows,
			  size_t *n, struct sg_error *err);

/* ---- bulk reading, for statistics -------------------------------------------- */

/* All live annotations of a dataset, interned: items, annotators and values
 * are small integers, so agreement and EM run over flat arrays. */
struct sg_label_record {
	uint32_t item, user, value;
	uint8_t source;               /* enum sg_label_source */
	uint8_t role;                 /* enum sg_label_role */
	float confidence;             /* NAN unless machine */
	double created_at, seconds;
	long long id;
};
struct sg_label_table {
	size_t nrec, nitems, nusers, nvalues;
	struct sg_label_record *rec;  /* ordered by item, then created_at */
	char **items;                 /* row keys */
	char **users;
	char **values;                /* canonical values; for single, label names */
};
/* sources: a bit mask of 1 << enum sg_label_source (0: all). */
int sg_labels_load(struct sg_store *s, long long dataset_id, unsigned sources,
		   struct sg_label_table *out, struct sg_error *err);
void sg_label_table_done(struct sg_label_table *t);

/* ---- consolidated results ------------------------------------------------------ */

enum sg_result_state {
	SG_RESULT_AGREED = 0,   /* a clear answer */
	SG_RESULT_TIE,          /* majority tie: goes to adjudication */
	SG_RESULT_LOW,          /* below the low-confidence threshold: adjudication */
	SG_RESULT_ADJUDICATED,  /* a reviewer decided */
	SG_RESULT_MACHINE,      /* only a machine label */
};
const char *sg_result_state_name(enum sg_result_state s);

struct sg_label_result {
	const char *row_key;
	const char *value;            /* canonical; "" for an unresolved tie */
	double confidence;            /* 0..1 */
	int n_annotators;             /* distinct human annotators */
	enum sg_label_source source;  /* HUMAN (incl. imported) or MACHINE */
	enum sg_result_state state;
};
/* Replaces the dataset's results with results[0..n) (one transaction) and
 * records the run (method "majority", "em", …; summary: a JSON object text
 * such as per-annotator reliability, or NULL). */
int sg_labels_store_results(struct sg_store *s, long long dataset_id, const char *method,
			    const struct sg_label_result *r, size_t n, const char *summary,
			    const char *user, struct sg_error *err);
typedef int (*sg_result_fn)(const struct sg_label_result *r, void *ud);
/* Results of the last consolidation, by row key. */
int sg_labels_results(struct sg_store *s, long long dataset_id, sg_result_fn fn, void *ud,
		      struct sg_error *err);
/* The method, time and summary of the last consolidation; 0 none, 1 found.
 * *summary is malloc'd (may be NULL). */
int sg_labels_last_consolidation(struct sg_store *s, long long dataset_id, char method[32],
				 double *at, char **summary, struct sg_error *err);

/* ---- consolidation ------------------------------------------------------------- */

/* Combines an item's live annotations into one result: a reviewer's latest
 * decision wins (adjudicated, confidence 1); else the human and imported
 * annotations (role annotator) are consolidated by agree.h — "majority"
 * (confidence = the vote share; a tie or a share below 0.5 is flagged for
 * adjudication) or "em" (Dawid–Skene: confidence = the posterior; flagged
 * low below the scheme's low_confidence); else the latest machine label
 * (source machine, its own confidence).  Multi-label and span answers are
 * consolidated by parts: a label (multi) or an exact span — start, end and
 * label (span) — is kept when more than half of the item's annotators gave
 * it; the confidence is the weakest part's majority share; a part given by
 * exactly half of them makes a tie (adjudication); with "em" a span item
 * whose confidence is below the scheme's low_confidence is flagged low.
 * Multi-label items with "em": Dawid–Skene runs once per label on the yes/no
 * question (sg_agree_compute_multi: an annotator who answered the item
 * without choosing the label said no); the set is the labels whose
 * posterior of "yes" is above 0.5, the confidence the smallest over the
 * labels of max(p, 1 - p), flagged low below low_confidence (no ties).  The
 * agreement statistics (stats) still treat each distinct whole answer as
 * one category; per-label and span figures are in agree.h. */
struct sg_agree_stats;
struct sg_labels_consolidation {
	char method[16];
	struct sg_label_table table;  /* every live annotation (values, users, items) */
	struct sg_label_result *results;  /* one per item with annotations, strings borrowed
					   * from table */
	size_t n;
	size_t n_adjudicate;          /* results flagged tie or low */
	size_t n_machine;             /* results from machine labels only */
	struct sg_agree_stats *stats; /* over the human annotations (NULL when none) */
	char *summary;                /* JSON text (agree statistics and counts) */
	struct sg_agree_stats **em_labels;  /* multi with "em": each label's yes/no EM
					     * (sc->nlabels of them), else NULL */
	size_t n_em_labels;
	char **owned;                 /* values made by consolidating parts */
	size_t nowned, capowned;
};
/* method: "majority" or "em" (else SG_E_USAGE).  With store, the results
 * replace the stored ones (sg_labels_store_results) by user. */
int sg_labels_consolidate(struct sg_store *s, long long dataset_id, const struct sg_scheme *sc,
			  const char *method, int store, const char *user,
			  struct sg_labels_consolidation *out, struct sg_error *err);
void sg_labels_consolidation_done(struct sg_labels_consolidation *c);

/* ---- multi-label and span agreement (labels_agree.c) ---------------------------- */

/* A table's human annotations (annotator role, not machine) as multi-label
 * agree.h input (labels by scheme index; an empty answer is SG_AGREE_NONE),
 * for sg_agree_compute_multi and sg_agree_set_alpha.  -1 when there are
 * none (o is still valid and empty). */
struct sg_labels_agree_owned {
	struct sg_agree_input in;
	uint32_t *item, *annotator, *label;
};
int sg_labels_multi_input(const struct sg_label_table *t, const struct sg_scheme *sc,
			  struct sg_labels_agree_owned *o);
void sg_labels_agree_owned_done(struct sg_labels_agree_owned *o);
/* Span agreement (sg_agree_spans) of a span scheme's human annotations;
 * *out NULL when there are none. */
struct sg_span_stats;
int sg_labels_span_stats(const struct sg_label_table *t, const struct sg_scheme *sc,
			 struct sg_span_stats **out, struct sg_error *err);

/* ---- row keys --------------------------------------------------------------- */

/* The hash key of a row's fields (SG_LABEL_HASH_HEX hex digits + NUL). */
void sg_labels_hash_key(const struct sg_csv_field *f, int nfields, char out[SG_LABEL_HASH_HEX + 1]);

#endif
