/* runquery.h — queries over runs: filter, sort, page, group, list keys.
 *
 * The Experiments pane and `runs ls|export` are thin over this: a query
 * (struct sg_runquery) holds a filter expression, an experiment, a sort
 * column and the columns to show; it is compiled once into SQL whose every
 * literal and key is a bound parameter, and it runs against a store as often
 * as the front end likes (count once, then fetch the visible window on each
 * scroll).  Nothing is loaded beyond the window asked for.
 *
 * Filter language (`--where`, the pane's filter prompt) — the grammar and
 * error style of core/expr.h, over run fields instead of CSV columns:
 *
 *     expr    := and ( "or" and )*          (also ||; `and` also &&)
 *     and     := not ( "and" not )*
 *     not     := "not" not | primary        (also !)
 *     primary := "(" expr ")"
 *              | FIELD ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) VALUE   (= for ==)
 *              | FIELD ( "~" | "!~" ) STRING        POSIX extended regex, unanchored
 *              | FIELD "is" [ "not" ] "null"
 *     FIELD   := metric.NAME[.last|.min|.max|.count]   a metric summary (default last)
 *              | param.NAME | tag.NAME               (metrics./params./tags. too)
 *              | status | user | name | experiment | kind | started | ended
 *     NAME    := letters, digits, _ and . (and non-ASCII); parts in `backquotes`
 *                hold anything (`` is one backquote): metric.`val:acc`.max.
 *                A dot inside a bare NAME belongs to the name (metric.val.acc
 *                is the metric "val.acc"), except a last part min/max/last/count.
 *     VALUE   := NUMBER | STRING | true | false      (as in expr.h; bare dates too)
 *
 * Keywords and field words are case-insensitive; keys are not.  Semantics:
 *   - metrics are numbers: compare with a number.  NaN (and a metric the run
 *     never logged) satisfies `is null`, `!=` and nothing else.
 *   - params, tags and the text fields compare as in expr.h: numerically when
 *     both sides are numbers (or both dates, or both booleans), else bytewise.
 *     A param or tag the run lacks satisfies `is null`, `!=`, `!~` only.
 *   - status compares case-insensitively with a known status name; an
 *     unknown one in == or != is an error.
 *   - started/ended compare as times with a date, a datetime (ISO 8601; no
 *     zone means local time) or a number of seconds since the epoch.  A
 *     running run's `ended` is null.
 *   - `!=` and `!~` are exactly `not (… == …)` and `not (… ~ …)`: the logic
 *     is two-valued, so `not` always flips the result.
 * Errors read "where:LINE:COL: message" (COL in characters from 1, at the
 * offending token), e.g. "where:1:8: unknown field 'metrc.acc' (use …)".
 *
 * Sorting: by any FIELD, ascending or descending.  Text-valued fields
 * (params, tags, name…) put numbers first (numerically), then text
 * (bytewise), then missing; metrics put NaN and missing last; in both
 * directions missing stays last.  Ties: newest start first, then id.
 *
 * Functions taking a store may be called on any store; they register the
 * SQL functions they need (regexp(), sg_rq_num(), sg_rq_stdev()) on its
 * connection the first time. */
#ifndef SG_RUNQUERY_H
#define SG_RUNQUERY_H

#include <stddef.h>
#include "core/run.h"
#include "core/store.h"

enum sg_rq_field {
	SG_RQ_NAME, SG_RQ_EXPERIMENT, SG_RQ_STATUS, SG_RQ_USER, SG_RQ_KIND,
	SG_RQ_STARTED, SG_RQ_ENDED,
	SG_RQ_PARAM, SG_RQ_METRIC, SG_RQ_TAG,
};

enum sg_rq_summary { SG_RQ_LAST, SG_RQ_MIN, SG_RQ_MAX, SG_RQ_COUNT };

/* One column (or sort key, or group key): a run field, or a keyed one. */
struct sg_rq_column {
	enum sg_rq_field field;
	enum sg_rq_summary summary;   /* SG_RQ_METRIC only */
	char *key;                    /* PARAM, METRIC, TAG: malloc'd; else NULL */
};

/* Parses text[0..len) as one FIELD ("param.lr", "metric.acc.max",
 * "metric.`val:acc`", "started").  Errors read "WHAT:1:COL: …" with what
 * naming the source ("sort", "columns").  On success fill *out (release with
 * sg_rq_column_done). */
int sg_rq_column_parse(const char *text, size_t len, const char *what, struct sg_rq_column *out,
		       struct sg_error *err);
/* Parses a comma-separated list of FIELDs (commas inside backquotes do not
 * split) into a malloc'd array; free with sg_rq_columns_free. */
int sg_rq_columns_parse(const char *list, const char *what, struct sg_rq_column **out, int *n,
			struct sg_error *err);
void sg_rq_column_done(struct sg_rq_column *c);
void sg_rq_columns_free(struct sg_rq_column *c, int n);
/* Copies src into dst (dst's key is a new allocation). */
void sg_rq_column_copy(struct sg_rq_column *dst, const struct sg_rq_column *src);
/* The column as the language writes it ("metric.acc.max", "param.`a b`";
 * the default summary is left out); malloc'd. */
char *sg_rq_column_name(const struct sg_rq_column *c);
/* 1 when the column holds numbers (metrics, started, ended). */
int sg_rq_column_numeric(const struct sg_rq_column *c);

/* ---- the query ------------------------------------------------------------ */

struct sg_runquery;

/* A query over every run, newest first, with no columns. */
struct sg_runquery *sg_rq_new(void);
void sg_rq_free(struct sg_runquery *q);
/* Compiles a filter expression; NULL or blank removes the filter.  On error
 * the query keeps its previous filter. */
int sg_rq_set_where(struct sg_runquery *q, const char *expr, struct sg_error *err);
/* The same over expr[0..len) (a NUL byte in it is an error). */
int sg_rq_set_where_n(struct sg_runquery *q, const char *expr, size_t len, struct sg_error *err);
/* Only runs of experiment name (NULL: every experiment). */
void sg_rq_set_experiment(struct sg_runquery *q, const char *name);
/* Sort by c (copied; NULL: the default, newest first) in the given direction. */
void sg_rq_set_sort(struct sg_runquery *q, const struct sg_rq_column *c, int desc);
/* The columns fetched with each row (copied). */
void sg_rq_set_columns(struct sg_runquery *q, const struct sg_rq_column *c, int n);
/* The query's columns (borrowed, valid until they are set again). */
const struct sg_rq_column *sg_rq_columns(const struct sg_runquery *q, int *n);
/* The compiled filter as SQL (placeholders only; for tests and debugging);
 * "1" when there is none. */
const char *sg_rq_where_sql(const struct sg_runquery *q);

/* ---- results ---------------------------------------------------------------- */

enum sg_rq_vtype { SG_RQV_MISSING, SG_RQV_NUMBER, SG_RQV_TEXT };

/* One cell.  Params, tags and text fields are TEXT, or NUMBER when their text
 * is a number (text is then kept too, as written: "0.010").  Metrics and
 * times are NUMBER with text NULL; a NaN metric is NUMBER NaN, a metric the
 * run lacks is MISSING. */
struct sg_rq_value {
	enum sg_rq_vtype type;
	double num;
	char *text;
};

struct sg_rq_row {
	struct sg_run_info run;
	struct sg_rq_value *val;      /* one per column of the query */
};

struct sg_rq_page {
	long long total;              /* runs matching in all (as sg_rq_count) */
	size_t offset, nrows;
	int ncols;
	struct sg_rq_row *rows;
};

/* Number of runs matching; -1 with err on failure. */
long long sg_rq_count(struct sg_store *s, const struct sg_runquery *q, struct sg_error *err);
/* The matching runs [offset, offset+n) in sort order, with the query's
 * columns, into *out (release with sg_rq_page_done); out->total is the
 * count, got in the same pass.  n = 0 means all.  A run deleted between
 * the two steps inside (ids, then cells) is left out. */
int sg_rq_fetch(struct sg_store *s, const struct sg_runquery *q, size_t offset, size_t n,
		struct sg_rq_page *out, struct sg_error *err);
void sg_rq_page_done(struct sg_rq_page *p);

/* ---- group by -------------------------------------------------------------------- */

/* Statistics of one column over a group's runs: its numeric values only
 * (metrics, params whose value is a number, times); NaN and text skipped. */
struct sg_rq_stat {
	long long n;                  /* values counted */
	double mean;                  /* NaN when n == 0 */
	double std;                   /* sample standard deviation (n−1); NaN when n < 2 */
};

struct sg_rq_group {
	char *value;                  /* the group's key value; NULL: runs without one */
	long long count;              /* runs in the group */
	struct sg_rq_stat *stat;      /* one per column of the query */
};

struct sg_rq_groups {
	size_t n;
	int ncols;
	struct sg_rq_group *g;        /* numbers first (numerically), text, then NULL */
};

/* Groups the matching runs by `by` (a param, a tag, or status, user, name,
 * experiment, kind) with per-group statistics of the query's columns. */
int sg_rq_group(struct sg_store *s, const struct sg_runquery *q, const struct sg_rq_column *by,
		struct sg_rq_groups *out, struct sg_error *err);
void sg_rq_groups_done(struct sg_rq_groups *g);

/* ---- keys ---------------------------------------------------------------------------- */

struct sg_rq_keys {
	size_t n;
	char **key;                   /* sorted bytewise, distinct */
};

/* Every distinct key of params, metrics or tags (field SG_RQ_PARAM, _METRIC,
 * _TAG) in the whole store, for choosing columns: an index skip-scan, so it
 * costs one lookup per distinct key, not per row. */
int sg_rq_keys(struct sg_store *s, enum sg_rq_field field, struct sg_rq_keys *out,
	       struct sg_error *err);
void sg_rq_keys_done(struct sg_rq_keys *k);

/* ---- deleting ------------------------------------------------------------------------------ */

/* Deletes a run for good: its rows (params, metrics, summaries, tags,
 * artifacts cascade) and then its folder runs_dir/<id>/ with everything in
 * it (runs_dir: the workspace's, struct sg_workspace.runs_dir).  id_out (may
 * be NULL) receives the resolved id.  SG_E_NOTFOUND for an unknown or
 * already deleted run; if the rows go but the folder cannot be removed,
 * fails with SG_E_IO naming it. */
int sg_rq_remove_run(struct sg_store *s, const char *runs_dir, const char *run,
		     char id_out[SG_RUN_ID_LEN + 1], struct sg_error *err);

#endif
