/* recipe.h — preprocessing recipes (fit once, apply anywhere) and splits.
 *
 * A recipe is an ordered list of steps stored as JSON:
 *
 *     {"version": 1, "steps": [
 *       {"op": "drop_missing", "columns": ["age"]},          (no columns: any column)
 *       {"op": "impute", "columns": ["income"], "strategy": "median"},
 *       {"op": "drop_duplicates"},                           (optional "columns": a subset)
 *       {"op": "one_hot", "columns": ["city"], "max_categories": 10},
 *       {"op": "scale", "columns": ["age", "income"], "method": "standard"},
 *       {"op": "select", "columns": ["age", "income"]},
 *       {"op": "drop", "columns": ["id"]},
 *       {"op": "rename", "map": {"old": "new"}}]}
 *
 * Each step names columns of its own input, that is of the output of the
 * steps before it (after a one_hot on city, "city" is gone and "city=Seoul"
 * exists).  Missing values are those of colstats (sg_value_kind ==
 * SG_VAL_MISSING: empty, NA, N/A, NaN, nan, null, NULL, None).
 *
 *  - drop_missing drops a row when any of its columns is missing.
 *  - impute replaces missing values; strategy mean or median (over the
 *    numeric values: integers and floats; the median is exact, the average
 *    of the two middle values for an even count — it keeps 8 bytes per
 *    value of that column while fitting), most_frequent (the most frequent
 *    non-missing text, ties to the bytewise smallest), constant ("value",
 *    a string or number, needs no fitting).
 *  - drop_duplicates keeps the first of rows identical (on its columns, or
 *    all of them) at that point of the pipeline: 16 bytes of hash per kept
 *    row, never the rows themselves.
 *  - one_hot replaces a column by 0/1 columns "COL=VALUE" for its
 *    max_categories (default 20) most frequent non-missing values (count
 *    descending, then bytewise), in place, followed by "COL=other" for every
 *    other value, always present — values unseen when fitting go there too.
 *    A missing value gives all zeros.
 *  - scale: method standard ((x - mean) / std, the population std as
 *    scikit-learn's StandardScaler; std 0 gives 0) or minmax ((x - min) /
 *    (max - min) in [0, 1] on the fitted data; range 0 gives 0).  Missing
 *    values stay as they are; any other non-number is an error naming the
 *    row.
 *  - select keeps the listed columns in that order; drop removes them;
 *    rename renames per "map".  Column names must stay unique.
 *
 * Fitting streams the file once per step that learns something (impute
 * other than constant, one_hot, scale), running the already fitted steps
 * before it, and stores what it learned in the step as "fitted", e.g.
 * {"values": {"income": 52000}}, {"categories": {"city": ["Seoul", …]}},
 * {"columns": {"age": {"mean": 38.2, "std": 12.1}}} (minmax: min, max).
 * A recipe whose every learning step has "fitted" is itself fitted, and
 * applying it performs the identical transform on new data with no
 * refitting.  The fitted recipe also records "input_columns" and
 * "output_columns" at the top.
 *
 * Errors: JSON syntax as "NAME:LINE:COL: message"; everything else names the
 * step and key, e.g. "recipe.json: step 3 (impute): columns[0]: unknown
 * column 'incme' (columns: age, income, city)".  No output file is ever
 * left behind by a failed run (outputs are written to a temp file in the
 * same folder, fsync'd and renamed at the end). */
#ifndef SG_RECIPE_H
#define SG_RECIPE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "core/csvfile.h"
#include "core/error.h"

struct sg_recipe;

/* Parses a recipe from text; name (e.g. the file name) prefixes every error
 * message.  Checks the structure (ops, keys, strategies, fitted values) but
 * not the column names, which need an input (sg_recipe_check). */
struct sg_recipe *sg_recipe_parse(const char *text, size_t len, const char *name,
				  struct sg_error *err);
/* Reads and parses a recipe file (at most 64 MB). */
struct sg_recipe *sg_recipe_load(const char *path, struct sg_error *err);
void sg_recipe_free(struct sg_recipe *r);

int sg_recipe_nsteps(const struct sg_recipe *r);
/* "impute", "one_hot", …, for step i (0-based). */
const char *sg_recipe_step_op(const struct sg_recipe *r, int i);
/* 1 when every step that learns something holds its fitted values. */
int sg_recipe_is_fitted(const struct sg_recipe *r);

/* Resolves every step's columns against input columns names[0..n) and
 * computes the output columns; SG_E_USAGE naming the step on a missing
 * column or a name clash.  Afterwards the output columns are readable. */
int sg_recipe_check(struct sg_recipe *r, const char *const *names, int n, struct sg_error *err);
int sg_recipe_out_ncols(const struct sg_recipe *r);
/* Borrowed; valid until the next check, fit, apply or free. */
const char *sg_recipe_out_colname(const struct sg_recipe *r, int i);

/* Fits every learning step on the whole of c (waiting for its index),
 * replacing earlier fitted values.  0; 1 when cancelled (cancel may be
 * NULL); -1 on error (a missing column, a non-numeric value to scale, no
 * numeric value to average, the index stopped on an error). */
int sg_recipe_fit(struct sg_recipe *r, struct sg_csv *c, const atomic_int *cancel,
		  struct sg_error *err);

/* The recipe as JSON text (indented, the user's key order kept, fitted
 * values included); malloc'd. */
char *sg_recipe_to_json(const struct sg_recipe *r);
/* Writes sg_recipe_to_json atomically to path. */
int sg_recipe_save(const struct sg_recipe *r, const char *path, struct sg_error *err);

struct sg_recipe_result {
	uint64_t rows_in;             /* data rows read */
	uint64_t rows_out;            /* data rows written */
	int ncols_out;
};

/* Applies a fitted recipe to every row of c, streaming to out_path as CSV
 * (comma-separated, RFC 4180 quoting, a header of the output columns, LF
 * line ends).  SG_E_USAGE when r is not fitted.  Nothing is written on
 * error. res may be NULL. */
int sg_recipe_apply(struct sg_recipe *r, struct sg_csv *c, const char *out_path,
		    const atomic_int *cancel, struct sg_recipe_result *res,
		    struct sg_error *err);

/* Row by row, for a consumer that is not a CSV file (built-in algorithms
 * loading a design matrix): binds a fitted r to c's columns (the output
 * columns are then readable), after which sg_recipe_row transforms rows of
 * c in file order.  One consumer thread at a time (drop_duplicates keeps
 * state across rows); sg_recipe_rows_end forgets that state. */
int sg_recipe_rows_begin(struct sg_recipe *r, struct sg_csv *c, struct sg_error *err);
/* Transforms the row in cur: 1 kept (*out, *n: the output fields, valid
 * until the next call), 0 dropped by a step, -1 error naming the row. */
int sg_recipe_row(struct sg_recipe *r, struct sg_csv *c, const struct sg_csv_cursor *cur,
		  const struct sg_csv_field **out, int *n, struct sg_error *err);
void sg_recipe_rows_end(struct sg_recipe *r);

/* The first rows of a recipe's output, held in memory (for a preview). */
struct sg_preview {
	int ncols;
	char **names;                 /* ncols output column names */
	size_t nrows;
	char **cells;                 /* nrows * ncols, row-major, NUL-terminated */
	size_t *lens;                 /* their lengths (cells may hold NULs) */
	uint64_t rows_read;           /* input rows consumed to produce them */
};

/* Fits r on the whole of c unless it is fitted already (r then holds the
 * fitted values, ready to save), then applies it until nrows output rows
 * are produced or the input ends.  Blocks: run it in a worker when the file
 * is large.  0 with *out set; 1 when cancelled; -1 on error. */
int sg_recipe_preview(struct sg_recipe *r, struct sg_csv *c, size_t nrows,
		      const atomic_int *cancel, struct sg_preview **out, struct sg_error *err);
void sg_preview_free(struct sg_preview *p);

/* ---- splitting ------------------------------------------------------------
 *
 * Rows are dealt into train, validation and test parts with exact sizes:
 * part k gets round(n * (f_1 + … + f_k)) - round(n * (f_1 + … + f_{k-1}))
 * rows, so fractions summing to less than 1 drop the rest (and summing to 1
 * use every row).  Random: each row goes to a part with probability equal to
 * that part's share of the places left (selection sampling), which deals a
 * uniformly random assignment with the exact sizes in one streaming pass, in
 * file order.  The generator is xoshiro256** seeded by splitmix64: the same
 * seed gives the same split on every machine.  Stratified: the same, per
 * distinct value of the column (its raw text; missing texts are classes too),
 * so every class is split in the same proportions (within one row).  Records
 * are copied byte for byte (the input's delimiter and quoting kept), after
 * the header when the file has one.  A part with fraction 0 is not
 * written. */
enum sg_split_part { SG_SPLIT_TRAIN, SG_SPLIT_VALIDATION, SG_SPLIT_TEST, SG_SPLIT_NPARTS };

struct sg_split_options {
	double fraction[SG_SPLIT_NPARTS];  /* each in [0, 1], train > 0, sum <= 1 */
	const char *stratify;              /* a column name, or NULL */
	uint64_t seed;
};

struct sg_split_result {
	uint64_t rows_in;
	uint64_t rows[SG_SPLIT_NPARTS];
	char *path[SG_SPLIT_NPARTS];       /* malloc'd "PREFIX-train.csv" …; NULL: not written */
	uint64_t classes;                  /* stratified: distinct values */
};

/* "train", "validation", "test". */
const char *sg_split_part_name(enum sg_split_part p);
/* Splits c into PREFIX-train.csv, PREFIX-validation.csv, PREFIX-test.csv,
 * written atomically (all renamed into place only when every part is
 * complete).  Free res with sg_split_result_done. */
int sg_split(struct sg_csv *c, const char *prefix, const struct sg_split_options *o,
	     const atomic_int *cancel, struct sg_split_result *res, struct sg_error *err);
void sg_split_result_done(struct sg_split_result *res);

/* The generator, exposed for tests: seed the state, then draw. */
struct sg_rng {
	uint64_t s[4];
};
void sg_rng_seed(struct sg_rng *g, uint64_t seed);
uint64_t sg_rng_next(struct sg_rng *g);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t sg_rng_below(struct sg_rng *g, uint64_t n);

#endif
