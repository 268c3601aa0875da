/* algo.h — built-in algorithms: the data they train on, the table each one
 * fills in, their hyperparameters, the registry, the model artifact, and the
 * job entry that runs one end to end.
 *
 * ---- Data ---------------------------------------------------------------
 * An algorithm sees a struct sg_xy: a dense row-major design matrix of
 * doubles (n rows x d features, with the feature names) and, for supervised
 * tasks, one label per row (a regression value, or a class index whose
 * label text is in classes[]).  It is loaded from a CSV in one of two
 * conventions:
 *  - SageMaker's: no header, the label in the first column, every other
 *    column a feature (features are named column_2..column_N).  A header
 *    row, if the file has one, is sniffed and gives the names.  For
 *    unsupervised tasks (SG_TASK_NONE: kmeans, pca) every column is a
 *    feature.
 *  - sagetty's: a header row and the hyperparameter target=COLUMN naming
 *    the label column; every other column is a feature (for SG_TASK_NONE
 *    the target column, when named, is left out).
 * A fitted recipe (recipe.h) may be applied to each row while loading; the
 * conventions then apply to the recipe's output columns.  The recipe is
 * attached to the model, so prediction replays the same transform.
 *
 * Values are parsed exactly (correctly rounded, locale-independent); true/
 * false are 1/0.  Anything else is refused before any training starts, with
 * the file, data row (1-based) and column in the message and a remedy:
 * a non-numeric value (suggests a one_hot recipe step), a missing value
 * (suggests impute or drop_missing), a missing label column (lists the
 * columns), a missing or non-numeric regression label, a ragged row, a
 * classifier's label with a single class, no rows at all.  A validation
 * (or prediction) set is loaded "like" the training set: its features must
 * be the same names (with a header) or count (without), and its classes
 * must occur in the training set.
 *
 * Classes are sorted: numerically when every label text is a number (so
 * "2" < "10"), else bytewise.  For two classes, class 1 is "positive"
 * (SageMaker's binary_classifier wants labels 0/1, which keeps 1 positive).
 *
 * ---- Algorithms -----------------------------------------------------------
 * Each algorithm is a const struct sg_algo: a name ("linear-learner"), a
 * hyperparameter spec table, and the functions train, predict, save, load,
 * free.  The framework parses and validates hyperparameters against the
 * spec (unknown names are refused with the list of known ones; values out
 * of range name the valid range), loads the channels, calls train, writes
 * the model folder and evaluates the model on each channel.  Algorithms
 * never print: they report metric points through ctx->report and text
 * through ctx->log.
 *
 * ---- Model folder (format "sagetty-model", version 1) -------------------
 *   model.json     {"format": "sagetty-model", "version": 1,
 *                   "algorithm": "linear-learner", "algorithm_version": 1,
 *                   "created": "2024-05-01T12:00:00Z",
 *                   "task": "binary_classification" | "multiclass_classification"
 *                           | "regression" | "none",
 *                   "hyperparameters": {"predictor_type": "binary_classifier", …}
 *                                      (every spec entry, resolved, as strings),
 *                   "target": "species" | null (null: SageMaker's convention),
 *                   "features": ["sepal_length", …]   (names, in matrix order),
 *                   "classes": ["setosa", …] | null,
 *                   "outputs": ["predicted_label"]     (predict's columns),
 *                   "recipe": {…fitted recipe…} | null,
 *                   "training": {"rows": 150, "validation_rows": 0, "seconds": 0.01},
 *                   "parameters": {…algorithm-specific…}}
 *   *.f64          large arrays: raw little-endian float64, row-major; the
 *                  parameters hold {"file": "weights.f64", "dtype": "<f8",
 *                  "shape": [rows, cols]} in their place (sg_model_put_array).
 *   anything else  the algorithm's own files (xgboost: its model file).
 * Readers refuse a newer "version" and an unknown algorithm. */
#ifndef SG_ALGO_H
#define SG_ALGO_H

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "core/metrics_eval.h"
#include "core/recipe.h"

#define SG_MODEL_FORMAT_VERSION 1

struct sg_algo;

/* ---- data ------------------------------------------------------------------ */

enum sg_task {
	SG_TASK_NONE,              /* unsupervised: no label is read */
	SG_TASK_REGRESSION,        /* y = the label's value */
	SG_TASK_CLASSIFICATION,    /* y = class index (an exact integer in a double) */
};
/* "none", "regression", "classification". */
const char *sg_task_name(enum sg_task t);

/* A loaded data set.  Read the public fields; never allocate one by hand
 * (sg_xy_load, sg_xy_new) since the matrix may be a private mapping. */
struct sg_xy {
	size_t n;                  /* rows */
	int d;                     /* features */
	double *x;                 /* n*d row-major; row i at x + i*d */
	char **names;              /* d feature names */
	enum sg_task task;
	double *y;                 /* n labels; NULL for SG_TASK_NONE */
	int nclasses;              /* classification: number of classes (>= 2 for training) */
	char **classes;            /* classification: nclasses label texts, index order */
	char *source;              /* the file it came from, for messages ("" if none) */
	/* private */
	size_t xcap, ycap;         /* bytes mapped (0: malloc'd) */
};

enum sg_label_need {
	SG_LABEL_AUTO = 0,         /* required unless task is SG_TASK_NONE */
	SG_LABEL_OPTIONAL,         /* read when present (prediction data with labels) */
};

struct sg_xy_opts {
	enum sg_task task;
	enum sg_label_need label;
	/* The label column by name (sagetty's convention; the file must have a
	 * header), or NULL for SageMaker's (label first). */
	const char *target;
	/* Applied to every row before conversion; must be fitted.  Not owned. */
	struct sg_recipe *recipe;
	/* Features and classes must match this set (a validation channel, data
	 * to predict): with a header features are found by name and may be in
	 * any order (extra columns are an error unless they are the target);
	 * without one the column count must be d (+1 when a label comes first). */
	const struct sg_xy *like;
	/* Or, for prediction from a saved model: the feature names and classes
	 * to match (used when like is NULL and names is not). */
	int like_d;
	char *const *like_names;
	int like_nclasses;
	char *const *like_classes;
	/* Names the data in messages: "train", "validation". */
	const char *channel;
	int threads;               /* parsing threads; 0: 2 */
	const atomic_int *cancel;  /* may be NULL */
};

/* Loads a whole CSV (path: a file, or a folder holding exactly one data
 * file — a SageMaker channel folder).  The matrix is filled while the file is
 * being indexed, straight from the file's blocks, without an intermediate
 * copy: peak memory is the matrix, the labels and 4 bytes a row of index.
 * 0 with *out set; 1 when cancelled; -1 on error (see the list above). */
int sg_xy_load(const char *path, const struct sg_xy_opts *o, struct sg_xy **out,
	       struct sg_error *err);
/* Reads a whole CSV the way sg_xy_load does — the same checks, refusals
 * and class order — but keeps no matrix: the result has n, d, names, task
 * and classes, with x and y NULL (for streaming it later "like" itself,
 * see SG_ALGO_STREAMS_TRAIN).  Memory: a block of 65,536 rows.  0, 1
 * cancelled, -1. */
int sg_xy_load_schema(const char *path, const struct sg_xy_opts *o, struct sg_xy **out,
		      struct sg_error *err);
/* An n x d set with zeroed matrix (and labels unless task is NONE), and
 * names column_1..column_d; for tests and tools.  Classes are added with
 * sg_xy_set_classes. */
struct sg_xy *sg_xy_new(size_t n, int d, enum sg_task task);
void sg_xy_set_classes(struct sg_xy *xy, int k, const char *const *names);
void sg_xy_free(struct sg_xy *xy);
/* Takes xy's matrix out (xy->x becomes NULL; the rest of xy stays usable),
 * so an algorithm can keep it in its model instead of copying it (see
 * sg_algo_ctx.train_x).  *bytes is set to the bytes mapped (0: malloc'd);
 * resize and release the buffer only with the two functions below. */
double *sg_xy_take_x(struct sg_xy *xy, size_t *bytes);
/* Resizes a taken matrix to count doubles, keeping the leading values. */
double *sg_xy_x_resize(double *x, size_t *bytes, size_t count);
void sg_xy_x_free(double *x, size_t bytes);

/* Streams a CSV in blocks of rows, for prediction on files larger than
 * memory: the same conversion and checks as sg_xy_load, with o->like (or
 * like_names) required. */
struct sg_xy_stream;
struct sg_xy_stream *sg_xy_stream_open(const char *path, const struct sg_xy_opts *o,
				       struct sg_error *err);
/* Fills *block (owned by the stream, valid until the next call) with up to
 * max_rows rows; returns the rows read (0 at the end) or -1. */
long long sg_xy_stream_next(struct sg_xy_stream *s, size_t max_rows, const struct sg_xy **block,
			    struct sg_error *err);
/* 1 when the stream's rows carry labels (block->y is set). */
int sg_xy_stream_has_labels(const struct sg_xy_stream *s);
void sg_xy_stream_free(struct sg_xy_stream *s);

/* Parses a number the way the loader does: exact, locale-independent;
 * 0 ok, -1 when s[0..n) is not a number (missing values included). */
int sg_parse_double(const char *s, size_t n, double *out);

/* ---- hyperparameters ----------------------------------------------------------- */

enum sg_hp_type {
	SG_HP_INT,                 /* range [min, max] */
	SG_HP_FLOAT,               /* range [min, max] (see the EXCL flags) */
	SG_HP_BOOL,                /* true/false, 1/0, yes/no (any case) */
	SG_HP_ENUM,                /* one of choices: "a|b|c" */
	SG_HP_STRING,
};

enum {
	SG_HP_REQUIRED = 1 << 0,   /* no default: must be given */
	SG_HP_AUTO = 1 << 1,       /* also accepts "auto" (the algorithm decides) */
	SG_HP_MIN_EXCL = 1 << 2,   /* min itself is not valid: (min, max] */
	SG_HP_MAX_EXCL = 1 << 3,
};

struct sg_hp_spec {
	const char *name;          /* SageMaker's name where one exists */
	enum sg_hp_type type;
	const char *def;           /* default as text ("auto", "0.001"); NULL: unset */
	double min, max;           /* INT/FLOAT range; use -INFINITY/INFINITY for open */
	const char *choices;       /* ENUM: "regressor|binary_classifier|multiclass_classifier" */
	unsigned flags;
	const char *help;          /* one line */
};

/* Validated hyperparameters: one value per spec entry (the algorithm's
 * table followed by the framework's common ones: target, recipe, seed). */
struct sg_hps;

/* Empty set with defaults for algo (NULL: the common entries only). */
struct sg_hps *sg_hps_new(const struct sg_algo *algo);
void sg_hps_free(struct sg_hps *h);
/* Sets one value, validating it: unknown names (listing the valid ones),
 * wrong types, values outside the range (naming it, e.g. "l1: -1 is out of
 * range: valid values are 0 <= l1 (or auto)").  Names starting with "_" or
 * "sagemaker_" (injected by SageMaker's tooling) are accepted and ignored. */
int sg_hps_set(struct sg_hps *h, const char *name, const char *value, struct sg_error *err);
/* Sets every member of a JSON object (values: strings — SageMaker's
 * hyperparameters.json — or numbers/booleans). */
int sg_hps_set_json(struct sg_hps *h, const json_t *obj, struct sg_error *err);
/* Parses text that is a JSON object, a path to one, or KEY=VALUE pairs
 * separated by commas, spaces or newlines. */
int sg_hps_set_text(struct sg_hps *h, const char *text, struct sg_error *err);
/* Checks that every SG_HP_REQUIRED entry is set. */
int sg_hps_check(const struct sg_hps *h, struct sg_error *err);

/* Typed getters; the name must be in the spec (else abort(): a programming
 * error).  An unset entry gives NAN / 0 / 0 / NULL; "auto" gives NAN / -1
 * and sg_hps_is_auto() says so. */
double sg_hps_num(const struct sg_hps *h, const char *name);
long long sg_hps_int(const struct sg_hps *h, const char *name);
int sg_hps_bool(const struct sg_hps *h, const char *name);
const char *sg_hps_str(const struct sg_hps *h, const char *name);  /* raw text, or NULL */
int sg_hps_is_set(const struct sg_hps *h, const char *name);
int sg_hps_is_auto(const struct sg_hps *h, const char *name);
/* Every entry with a value, as {"name": "text"} (SageMaker's form). */
json_t *sg_hps_to_json(const struct sg_hps *h);

/* ---- the algorithm table --------------------------------------------------------- */

struct sg_model;

/* Everything train needs besides the data. */
struct sg_algo_ctx {
	const struct sg_hps *hps;
	uint64_t seed;             /* hyperparameter "seed" (default 0) */
	int threads;               /* cores to use (OpenBLAS is set to this too) */
	const atomic_int *cancel;  /* non-zero: stop soon, return 1; may be NULL */
	sg_metric_report_fn report;/* never NULL (a no-op when nobody listens) */
	void *report_ud;
	/* A line of progress text for the job's log; may be NULL. */
	void (*log)(void *ud, const char *line);
	void *log_ud;
	const char *output_dir;    /* for extra artifacts; may be NULL */
	/* The train set itself when the caller needs its matrix no more once
	 * train returns (no evaluation on the train channel): train may take it
	 * with sg_xy_take_x rather than copy it (knn).  NULL otherwise. */
	struct sg_xy *train_x;
	/* SG_ALGO_STREAMS_TRAIN: the train channel's file and the options to
	 * read it with (o->like is the train set itself), for
	 * sg_xy_stream_open or sg_xy_load; NULL otherwise. */
	const char *train_path;
	const struct sg_xy_opts *train_opts;
};

struct sg_algo {
	const char *name;          /* "linear-learner" */
	const char *summary;       /* one line */
	int version;               /* of its "parameters" in model.json */
	const struct sg_hp_spec *spec;
	int nspec;
	/* The task the hyperparameters select (e.g. from predictor_type);
	 * decides how labels are loaded. */
	enum sg_task (*task)(const struct sg_hps *h);
	/* Extra checks across hyperparameters and data before training starts
	 * (e.g. k <= rows); may be NULL. */
	int (*check)(const struct sg_hps *h, const struct sg_xy *train, const struct sg_xy *valid,
		     struct sg_error *err);
	/* Fits m->state on train (valid may be NULL), reporting metric points as
	 * it goes, and sets m->nout/m->outputs.  m's common fields (features,
	 * classes, task, hps) are set before the call.  0; 1 cancelled; -1. */
	int (*train)(const struct sg_algo_ctx *ctx, const struct sg_xy *train,
		     const struct sg_xy *valid, struct sg_model *m, struct sg_error *err);
	/* Predicts rows x[0..n*d): out gets n*m->nout values (row-major; for a
	 * classifier out[i*nout] is the class index), proba, when non-NULL and the
	 * task is classification, n*m->nclasses probabilities.  Thread-safe on
	 * one model.  0 or -1. */
	int (*predict)(const struct sg_model *m, const double *x, size_t n, double *out,
		       double *proba, struct sg_error *err);
	/* Stores m->state into params (a JSON object to fill) and, for big
	 * arrays or own files, into dir. */
	int (*save)(const struct sg_model *m, json_t *params, const char *dir,
		    struct sg_error *err);
	/* Rebuilds m->state (and nout/outputs) from params/dir; the common
	 * fields are set before the call. */
	int (*load)(struct sg_model *m, const json_t *params, const char *dir,
		    struct sg_error *err);
	void (*free_state)(void *state);
	/* SG_ALGO_NO_TRAIN_EVAL: the final evaluation skips the train channel
	 * (knn: predicting every training row is quadratic, and each row
	 * would find itself).
	 * SG_ALGO_STREAMS_TRAIN (with NO_TRAIN_EVAL): the job does not load the
	 * train matrix; train gets a set with n, d, names and classes but x and
	 * y NULL (sg_xy_load_schema: every row already checked), and reads the
	 * rows itself through ctx->train_path/train_opts (xgboost streams them
	 * into its QuantileDMatrix, so our float64 matrix never exists).
	 * Callers that pass a loaded matrix and no train_path still work. */
	unsigned flags;
};

enum { SG_ALGO_NO_TRAIN_EVAL = 1 << 0, SG_ALGO_STREAMS_TRAIN = 1 << 1 };

/* The registry: every built-in algorithm, NULL-terminated. */
extern const struct sg_algo *const sg_algos[];
/* By name; NULL when unknown (sg_algo_names lists the names). */
const struct sg_algo *sg_algo_find(const char *name);
/* "kmeans, knn, linear-learner, pca, xgboost" (static buffer). */
const char *sg_algo_names(void);

/* The algorithms themselves (core/algo_*.c). */
extern const struct sg_algo sg_algo_linear_learner;
extern const struct sg_algo sg_algo_kmeans;   /* algo_kmeans.c */
extern const struct sg_algo sg_algo_pca;      /* algo_pca.c */
extern const struct sg_algo sg_algo_knn;      /* algo_knn.c */
extern const struct sg_algo sg_algo_xgboost;  /* algo_xgboost.c */

/* ---- models -------------------------------------------------------------------- */

struct sg_model {
	const struct sg_algo *algo;
	struct sg_hps *hps;        /* owned */
	enum sg_task task;
	int d;
	char **features;           /* d names, owned */
	int nclasses;
	char **classes;            /* owned; NULL unless classification */
	char *target;              /* label column name, or NULL (SageMaker's convention) */
	struct sg_recipe *recipe;  /* attached, fitted; owned; may be NULL */
	int nout;                  /* predict's values per row */
	char **outputs;            /* nout names ("predicted_label", "score", …), owned */
	size_t train_rows, valid_rows;
	double train_seconds;
	void *state;               /* the algorithm's fitted parameters */
};

/* A model with the common fields taken from train (and hps moved in). */
struct sg_model *sg_model_new(const struct sg_algo *a, struct sg_hps *hps,
			      const struct sg_xy *train);
void sg_model_free(struct sg_model *m);
/* Sets m->nout/outputs from names (copied). */
void sg_model_set_outputs(struct sg_model *m, int n, const char *const *names);

/* Writes the model folder (created if needed): model.json last, atomically,
 * so a reader never sees a half-written model. */
int sg_model_save(const struct sg_model *m, const char *dir, struct sg_error *err);
/* Reads a model folder (or a path to its model.json). */
struct sg_model *sg_model_load(const char *dir, struct sg_error *err);
/* Predicts through the algorithm in blocks (see sg_algo.predict). */
int sg_model_predict(const struct sg_model *m, const double *x, size_t n, double *out,
		     double *proba, struct sg_error *err);

/* For save/load: an array of rows x cols doubles stored under key — inline
 * JSON when small (<= 4096 values), else in dir/KEY.f64 with its shape
 * and dtype recorded.  get returns a malloc'd array and checks the shape
 * (pass expected rows/cols, or 0 to accept any and read them back). */
int sg_model_put_array(json_t *params, const char *dir, const char *key, const double *a,
		       size_t rows, size_t cols, struct sg_error *err);
double *sg_model_get_array(const json_t *params, const char *dir, const char *key,
			   size_t *rows, size_t *cols, struct sg_error *err);

/* ---- running a training job ---------------------------------------------------- */

struct sg_algo_job {
	const char *algo;          /* registry name */
	const char *train;         /* CSV file or channel folder */
	const char *validation;    /* may be NULL */
	const char *hps;           /* JSON text, a JSON file, or KEY=VALUE pairs; may be NULL */
	const char *model_dir;     /* created if needed */
	const char *output_dir;    /* evaluation artifacts (confusion matrices); may be NULL */
	sg_metric_report_fn report;/* may be NULL */
	void *report_ud;
	void (*log)(void *ud, const char *line);
	void *log_ud;
	const atomic_int *cancel;
	int threads;               /* 0: all online cores */
};

/* Runs an algorithm end to end: validates the hyperparameters, loads and
 * checks the channels (all before any training), trains, saves the model
 * folder, then evaluates the model on each channel and reports the final
 * figures (metrics_eval.h) with the iteration after the last one, writing
 * "<channel>-confusion.csv" to output_dir for classifiers.  0; 1 when
 * cancelled; -1 with err. */
int sg_algo_run(const struct sg_algo_job *job, struct sg_error *err);
/* The same with the brief's flat signature. */
int sg_algo_train_job(const char *algo, const char *train_csv, const char *valid_csv,
		      const char *hps_json_path_or_kv, const char *model_dir,
		      sg_metric_report_fn report, void *ud, struct sg_error *err);

/* Sets the number of threads OpenBLAS uses (0: online cores). */
void sg_algo_set_threads(int n);

#endif
