/* labelscheme.h — a dataset's label scheme: what can be labeled and with
 * which keys.
 *
 * The scheme is a JSON object, stored in the store per dataset (labels.h)
 * and exchanged as a file (`sagetty labels scheme DATASET --set FILE`):
 *
 *     {"type": "single",                 single | multi | span
 *      "text_column": "review",          the column shown large (required for span)
 *      "id_column": "id",                optional: the stable row key; else a hash
 *      "labels": [{"name": "positive", "key": "1", "description": "..."},
 *                 {"name": "negative"}],
 *      "comment": true,                  a free-text comment may go with a label
 *      "annotations_per_item": 1,        k: how many annotators label each item
 *      "lease_seconds": 120,             how long a fetched item is held for one
 *      "low_confidence": 0.6,            "low-confidence" items: consolidated below this
 *      "review": {"confidence_below": 0.8,   machine labels below go to review
 *                 "audit_percent": 5}}       and this share of the rest, at random
 *
 * Every field but "type" and "labels" is optional.  Labels without a "key"
 * get the first free one of 1-9, then a-z, then A-Z, skipping the keys the
 * Label view reserves (SG_SCHEME_RESERVED_KEYS) and keys taken explicitly.
 * An explicit key is one printable ASCII character (a digit may also be
 * given as a JSON number) that is not reserved.  Any number of labels is
 * allowed; past the 45 assignable keys (9 digits, 10 free
 * lowercase and 26 uppercase letters) a label has key 0 (no key:
 * the view offers it through its label picker).
 *
 * Errors are SG_E_PARSE "file:line:col: what": syntax errors where jansson
 * finds them, and semantic ones (a duplicate label name or key, an unknown
 * type, a missing field, a value out of range) at the line of the offending
 * value — the one that repeats, for duplicates.  A failed parse leaves the
 * output untouched. */
#ifndef SG_LABELSCHEME_H
#define SG_LABELSCHEME_H

#include <stddef.h>
#include <jansson.h>
#include "core/error.h"

/* Keys the Label view keeps for itself, so no label may take them:
 *   u undo            s skip             b back (history)
 *   n next unlabeled  d next disagreed   l next low-confidence
 *   r next for review c comment          / filter
 *   ? help            q quit             x clear the item's spans/labels
 *   h j k w e v       span motions (char left, down, up, word fwd, word end, select)
 *   ' label by name   = scheme editor    % agreement statistics   : command line
 * plus space, Enter, Esc, Tab and arrow keys (never label keys anyway). */
#define SG_SCHEME_RESERVED_KEYS "ubsndlrc/?qxhjkwev'=%:"

#define SG_SCHEME_NAME_MAX 128
#define SG_SCHEME_COLUMN_MAX 256
#define SG_SCHEME_DESC_MAX 256

enum sg_scheme_type {
	SG_SCHEME_SINGLE = 0,  /* exactly one label per annotation */
	SG_SCHEME_MULTI,       /* any set of labels (maybe empty) */
	SG_SCHEME_SPAN,        /* labeled character ranges of the text column */
};

struct sg_scheme_label {
	char name[SG_SCHEME_NAME_MAX];      /* non-empty, unique, no control bytes */
	char description[SG_SCHEME_DESC_MAX];
	int key;                            /* ASCII character; 0: none */
};

struct sg_scheme {
	enum sg_scheme_type type;
	char text_column[SG_SCHEME_COLUMN_MAX];  /* "" : none */
	char id_column[SG_SCHEME_COLUMN_MAX];    /* "" : rows keyed by content hash */
	int comment;              /* comments allowed (default 1) */
	int k;                    /* annotations per item, 1..100 (default 1) */
	int lease_seconds;        /* 5..86400 (default 120) */
	double low_confidence;    /* 0..1 (default 0.6) */
	double review_below;      /* 0..1; 0: machine labels are not sent to review by confidence */
	double audit_percent;     /* 0..100 (default 0) */
	size_t nlabels;           /* >= 1 */
	struct sg_scheme_label *labels;
};

/* Zeroes s and sets the defaults (no labels). */
void sg_scheme_init(struct sg_scheme *s);
void sg_scheme_done(struct sg_scheme *s);
/* Deep copy into an uninitialized dst. */
void sg_scheme_copy(struct sg_scheme *dst, const struct sg_scheme *src);

/* Parses text[0..len) (need not be NUL-terminated); file names it in
 * errors.  On success *out (uninitialized before) owns the result. */
int sg_scheme_parse(struct sg_scheme *out, const char *file, const char *text, size_t len,
		    struct sg_error *err);
/* Reads and parses a file (at most 1 MiB). */
int sg_scheme_load(struct sg_scheme *out, const char *path, struct sg_error *err);
/* The scheme as JSON (every key explicit), malloc'd, indented when pretty.
 * sg_scheme_parse of it gives back an equal scheme. */
char *sg_scheme_format(const struct sg_scheme *s, int pretty);
/* Column names are checked against a file's columns: 0, or -1 (SG_E_NOTFOUND)
 * naming the first column not in names[0..n). */
int sg_scheme_check_columns(const struct sg_scheme *s, const char *const *names, int n,
			    struct sg_error *err);

const char *sg_scheme_type_name(enum sg_scheme_type t);
/* 1 when key is one of SG_SCHEME_RESERVED_KEYS or not printable ASCII. */
int sg_scheme_key_reserved(int key);
/* The label bound to key, or -1 (a hint for the user, nothing recorded). */
int sg_scheme_label_by_key(const struct sg_scheme *s, int key);
/* The label named name, or -1. */
int sg_scheme_label_by_name(const struct sg_scheme *s, const char *name);
/* Binds key to label i, taking it from any label that had it (which is left
 * without a key); -1 (SG_E_USAGE) for a reserved key or i out of range. */
int sg_scheme_remap(struct sg_scheme *s, size_t i, int key, struct sg_error *err);

/* ---- annotation values --------------------------------------------------
 * An annotation's value is stored as text in one canonical form per type, so
 * equal answers compare equal as strings:
 *   single  the label's name                       positive
 *   multi   a JSON array of names in scheme order  ["news","sports"]
 *   span    a JSON array of spans sorted by start, end, then label order:
 *           [{"start":0,"end":5,"label":"PER"}]
 *           start/end are character (Unicode code point) offsets into the
 *           text column, end exclusive, start < end.
 * sg_scheme_value_check validates a value (also loose input: a multi value
 * may list names in any order, "a;b" is accepted for multi) against the
 * scheme and, when text is given, spans against the text's length; on
 * success *canon is the canonical form (malloc'd). */
int sg_scheme_value_check(const struct sg_scheme *s, const char *value, const char *text,
			  size_t text_len, char **canon, struct sg_error *err);
/* The canonical value of arr, a JSON array of label names or spans, which
 * is taken (released); "[]" when it does not check against the scheme. */
char *sg_scheme_canonical_json(const struct sg_scheme *s, json_t *arr);
/* Number of code points in UTF-8 text (invalid bytes count one each). */
size_t sg_utf8_chars(const char *text, size_t len);

#endif
