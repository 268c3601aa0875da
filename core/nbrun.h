/* nbrun.h — executing a whole notebook headlessly, the papermill way.
 *
 * Parameters are injected as papermill does: a new code cell tagged
 * "injected-parameters" right after the cell tagged "parameters" (at the
 * top when there is none; an injected cell from an earlier run is
 * replaced).  Values given as text are typed like papermill's -p: "True",
 * "False", "None", integers, floats, else strings; raw values (-r) stay
 * strings.
 *
 * Every code cell runs in order on one kernel.  The notebook gets
 * metadata.papermill (parameters, default_parameters, input/output path,
 * start/end time, duration, exception) and each cell metadata.papermill
 * (status pending/running/completed/failed, start_time, end_time, duration,
 * exception) and metadata.execution (iopub.status.busy,
 * iopub.execute_input, shell.execute_reply, iopub.status.idle) — the keys
 * papermill and nbclient write, so their readers work on the result.
 * Outputs are stored whole, whatever their size.  When a failing cell
 * stops the run, two markdown cells tagged papermill-error-cell-tag point
 * to it: one at the top, one (id papermill-error-cell) just above it. */
#ifndef SG_NBRUN_H
#define SG_NBRUN_H

#include <jansson.h>
#include <stdio.h>
#include "core/error.h"
#include "core/nbformat.h"

struct sg_nbrun_param {
	const char *key;
	const char *value;       /* -p/-r text (unused when json is set) */
	int raw;                 /* 1: always a string (papermill -r) */
	const json_t *typed;     /* a typed value (YAML parameters, core/nbparams.h),
				  * or NULL: value is typed as -p types it */
};

/* The Python literal for a parameter value, malloc'd; *json (may be NULL)
 * receives the typed value for metadata. */
char *sg_nbrun_py_literal(const char *value, int raw, json_t **json);
/* The Python literal for a typed value: dicts, lists, strings, ints,
 * floats (nan and infinities too), True/False, None; malloc'd. */
char *sg_nbrun_json_literal(const json_t *v);
/* A parameter's Python literal, and (json, may be NULL) its value for
 * metadata, where nan and infinities are written as strings. */
char *sg_nbrun_param_literal(const struct sg_nbrun_param *p, json_t **json);
/* 1 when key is a valid Python identifier (parameters must be). */
int sg_nbrun_valid_key(const char *key);
/* Injects parameters (n > 0).  Returns the index of the injected cell. */
long sg_nbrun_inject(struct sg_nb *nb, const struct sg_nbrun_param *p, size_t n);

/* Called once per code cell after it ran (for progress lines). */
typedef void (*sg_nbrun_progress_fn)(size_t index, size_t ncode, const struct sg_nb_cell *c,
				      const char *status, double secs, void *ud);

struct sg_nbrun_opts {
	const char *kernel;      /* NULL: the notebook's kernelspec name, else python3 */
	const char *input_path, *output_path; /* for metadata only */
	const char *cwd;         /* the kernel's folder (NULL: the notebook's) */
	double cell_timeout;     /* seconds per cell, 0: none */
	double start_timeout;    /* kernel start, 0: 60 */
	int allow_errors;        /* keep going after a failing cell */
	FILE *log_output;        /* copy outputs here (cut past log_limit), or NULL */
	size_t log_limit;        /* bytes per output shown in log_output (0: 4096) */
	sg_nbrun_progress_fn progress;
	void *ud;
	json_t *parameters;      /* recorded in metadata.papermill.parameters (borrowed) */
};

struct sg_nbrun_result {
	size_t cells_run, cells_failed;
	long first_error;        /* cell index of the first failure (before the
				  * banner cells were inserted), -1 none */
	char ename[128], evalue[512];
	int kernel_died, timed_out;
	double start, end;
	char kernel[128];        /* the kernelspec that ran it */
};

/* Runs the notebook in place (outputs replaced).  Returns 0 when every cell
 * ran without error (or allow_errors), 1 when a cell failed (notebook
 * still filled in and valid; res says where), -1 when it could not run at
 * all (kernel missing or failed to start: err). */
int sg_nbrun_execute(struct sg_nb *nb, const struct sg_nbrun_opts *o, struct sg_nbrun_result *res,
		     struct sg_error *err);

#endif
