/* cli.h — the headless front end: one function per command noun.
 *
 * Every command returns an exit status: 0 ok, 1 failure, 2 usage error
 * (also "not inside a workspace").  Errors go to stderr as
 * "sagetty: message"; results go to stdout, as JSON with --json. */
#ifndef SG_CLI_H
#define SG_CLI_H

#include <jansson.h>
#include "core/csvfile.h"
#include "core/dataset.h"
#include "core/error.h"
#include "core/run.h"
#include "core/workspace.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli {
	const char *workspace;  /* -w DIR; NULL: discover from the cwd */
	const char *theme;      /* --theme */
	int ascii, no_color;    /* --ascii, --no-color */
};

struct cli_command {
	const char *name;
	const char *usage;      /* "runs ls [--json] [--experiment E]" etc., one per line */
	const char *summary;    /* one line for `sagetty --help` */
	const char *help;       /* a paragraph for `sagetty help NAME` */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* The command table (cmd_help.c), NULL-name terminated. */
extern const struct cli_command cli_commands[];
const struct cli_command *cli_find(const char *name);

int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_runs(struct cli *cli, int argc, char **argv);
int cmd_data(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
/* cmd_label.c: the workbench on a dataset's Label view. */
int cmd_label(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
/* cmd_predict.c: `predict MODEL DATA -o OUT`; cmd_algo_run.c: the internal
 * `algo-run NAME` that runs a built-in algorithm as a job's program. */
int cmd_predict(struct cli *cli, int argc, char **argv);
int cmd_algo_run(struct cli *cli, int argc, char **argv);
int cmd_train(struct cli *cli, int argc, char **argv);
int cmd_jobs(struct cli *cli, int argc, char **argv);
/* cmd_nb.c: `nb log|diff|restore|commit|convert` (notebook versions). */
int cmd_nb(struct cli *cli, int argc, char **argv);
/* cmd_labels.c: `labels scheme|ls|import|export|stats|consolidate`. */
int cmd_labels(struct cli *cli, int argc, char **argv);
/* cmd_jobs.c: a job as JSON; following a job to its end (logs to the
 * terminal; with json the job's stdout goes to stderr and a JSON object of
 * the end to stdout): EXIT_OK only when it Completed. */
struct sg_job_info;
json_t *cli_job_json(const struct sg_job_info *j);
int cli_job_wait(struct sg_workspace *ws, const char *id, int json);
/* cmd_runs_exec.c: `runs exec`; returns the program's exit status. */
int runs_exec(struct sg_workspace *ws, int argc, char **argv);
/* cmd_runs_query.c: `runs ls`, `compare`, `rm`, `export`. */
int runs_ls(struct sg_workspace *ws, int argc, char **argv);
int runs_compare(struct sg_workspace *ws, int argc, char **argv);
int runs_rm(struct sg_workspace *ws, int argc, char **argv);
int runs_export(struct sg_workspace *ws, int argc, char **argv);
/* cmd_runs.c: a run as a JSON object; its duration ("1h02m"; running: so far). */
json_t *cli_run_json(const struct sg_run_info *r);
void cli_run_duration(const struct sg_run_info *r, char *buf, size_t n);
/* cmd_data.c, shared by the data verbs. */
/* A DATASET argument: a registered name or path inside a workspace (then
 * registered is set and info filled), else a file path. */
struct cli_dataset {
	char *path;             /* malloc'd; absolute for registered datasets */
	int registered;
	struct sg_dataset_info info;
};
int cli_dataset_resolve(struct sg_workspace *ws, const char *arg, struct cli_dataset *out,
			struct sg_error *err);
void cli_dataset_done(struct cli_dataset *d);
/* getopt entries and handler for the dialect options --delimiter C|tab,
 * --header and --no-header: 1 when c was one of them, 0 when not, -1 after
 * printing a usage error. */
#define CLI_DIALECT_OPTIONS \
	{ "no-header", no_argument, NULL, 'H' }, { "header", no_argument, NULL, 'E' }, \
	{ "delimiter", required_argument, NULL, 'd' }
int cli_dialect_opt(int c, const char *arg, struct sg_csv_options *o);

/* cmd_data_derive.c: `data prep`, `split`, `sort` and `filter` (ws may be
 * NULL outside a workspace; inside one, outputs are registered with
 * lineage). */
int data_prep(struct sg_workspace *ws, int argc, char **argv);
int data_split(struct sg_workspace *ws, int argc, char **argv);
int data_sort(struct sg_workspace *ws, int argc, char **argv);
int data_filter(struct sg_workspace *ws, int argc, char **argv);
/* cmd_kernels.c: `kernels ls|stop|start|specs`, the internal
 * `kernel-keeper`; cmd_nb_run.c: `nb run` (called by the nb command). */
int cmd_kernels(struct cli *cli, int argc, char **argv);
int cmd_kernel_keeper(struct cli *cli, int argc, char **argv);
/* argv[0] is "nb", argv[1] "run", as for the other nb verbs. */
int nb_run(struct cli *cli, int argc, char **argv);
/* Opens the TUI on the workspace (no command given). */
int cli_tui(struct cli *cli, const char *root);

/* output.c */
/* Prints "sagetty: msg" to stderr and returns the exit status for err. */
int cli_fail(const struct sg_error *err);
/* Prints a usage error for command and returns EXIT_USAGE. */
int cli_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Opens the workspace named by -w or found from the cwd; prints the error
 * and sets *status when it cannot. */
struct sg_workspace *cli_open(struct cli *cli, unsigned flags, int *status);
/* Prints a JSON value to stdout (indented, one trailing newline) and
 * releases it. */
void cli_print_json(json_t *v);
/* A JSON number for a double; NaN and ±Inf, which JSON lacks, become the
 * strings "NaN", "Infinity", "-Infinity". */
json_t *cli_json_real(double v);
/* Formats a double for text output ("nan", "inf" kept visible). */
void cli_format_real(double v, char *buf, size_t n);
/* Copies len bytes of p into out as text safe for a terminal: control
 * bytes and invalid UTF-8 become \xNN; cut and space-padded to width display
 * columns when width > 0.  Returns the columns used. */
int cli_safe_text(char *out, size_t outsz, const char *p, size_t len, int width);
/* Handles --help/-h for a subcommand: prints its help, returns 1 if shown. */
int cli_wants_help(const char *command, int argc, char **argv);

/* The folder of the sagetty_log Python helper: $SAGETTY_DATADIR/python,
 * the installed pkgdatadir/python, or the source tree's python/ when
 * running uninstalled; malloc'd, NULL when none has it. */
char *cli_python_helper_dir(void);

/* A noun's verb and what it needs of the workspace: read, write, or
 * optional (works on plain files outside one; ws is then NULL). */
enum cli_ws { CLI_WS_READ, CLI_WS_WRITE, CLI_WS_OPTIONAL };
struct cli_verb {
	const char *verb;
	int (*fn)(struct sg_workspace *ws, int argc, char **argv);  /* argv[0]: the verb */
	enum cli_ws ws;
};
/* Runs `sagetty NOUN VERB ARGS`: --help, a missing or unknown verb (the
 * message lists the verbs), the workspace opened as the verb needs it and
 * freed after, getopt reset for the verb. */
int cli_dispatch(struct cli *cli, const char *noun, const struct cli_verb *verbs, size_t n,
		 int argc, char **argv);

#endif
