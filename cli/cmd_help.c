/* cmd_help.c — the command table, `sagetty --help` and `sagetty help CMD`. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

const struct cli_command cli_commands[] = {
	{ "init", "init [--shared GROUP] [DIR]",
	  "Create a workspace (default: the current folder)",
	  "Creates DIR/.sagetty/ with the SQLite store, a runs/ folder and a config file, and\n"
	  "makes DIR a git repository unless it is inside one already (an existing repository\n"
	  "is never touched).  Running it again is harmless.  With --shared GROUP the workspace\n"
	  "is prepared for several Unix users of GROUP: group ownership, setgid folders and a\n"
	  "group-writable store, whatever each user's umask.", cmd_init },
	{ "demo", "demo [--no-tui] [DIR]",
	  "Create a demo workspace (default: ./sagetty-demo) and open it",
	  "Creates a workspace in DIR with Fisher's iris dataset (registered in the store) and an\n"
	  "example notebook, then opens the workbench on it.  --no-tui only creates it.\n"
	  "Existing files in DIR are kept.", cmd_demo },
	{ "data", "data add FILE [--name NAME] [--no-header] [--json]\n"
		  "       sagetty data ls [--json]\n"
		  "       sagetty data head DATASET [-n N] [--csv] [--json]\n"
		  "       sagetty data stats DATASET [--json]\n"
		  "       sagetty data freq DATASET COLUMN [-n N] [--json]\n"
		  "       sagetty data sort DATASET --by COL[,COL...] [--desc] -o OUT [--json]\n"
		  "       sagetty data filter DATASET --where EXPR -o OUT [--json]\n"
		  "       sagetty data prep DATASET --recipe RECIPE.json -o OUT [--fitted FITTED.json]\n"
		  "                         [--name NAME] [--no-register] [--json]\n"
		  "       sagetty data split DATASET --train F --validation F [--test F]\n"
		  "                          [--stratify COL] [--seed N] -o PREFIX [--json]",
	  "Register, list and explore datasets",
	  "`data add` records a CSV file in the store: its path (relative to the workspace when\n"
	  "inside it), SHA-256, size, and row and column counts.  Adding the same path again\n"
	  "updates the record.  The first row is a header unless --no-header is given.\n"
	  "DATASET is a registered name or a path (outside a workspace, a path).  The dialect\n"
	  "is sniffed; --delimiter C (or tab), --header and --no-header override it.\n"
	  "`data stats` computes, per column: type, count, missing, distinct (exact up to\n"
	  "100,000 values, then estimated and marked ~), min, max, mean, standard deviation,\n"
	  "quantiles, the most frequent values and a histogram (all in --json).  `data freq`\n"
	  "counts every distinct value of one column (a name or a 1-based number); -n limits\n"
	  "the values listed (0: all).  Control bytes and invalid UTF-8 are shown as \\xNN.\n"
	  "`data sort` orders rows by columns (stable; numbers numerically, then text\n"
	  "bytewise, missing values last; COL:desc or COL:asc sets one column's direction).\n"
	  "`data filter` keeps the rows where EXPR holds, e.g. age > 30 and city == \"Seoul\"\n"
	  "(== != < <= > >=, ~ and !~ for regexes, is null, is not null, and, or, not,\n"
	  "parentheses, `quoted column names`).  Both copy rows byte for byte into OUT.\n"
	  "`data prep` fits a recipe (JSON steps: drop_missing, impute, drop_duplicates,\n"
	  "one_hot, scale, select, drop, rename; see the guide) on DATASET and writes OUT as\n"
	  "CSV, and the fitted recipe to FITTED (default: OUT with .csv replaced by, or else\n"
	  "followed by, .recipe.json).  A recipe that is already fitted is applied as it is,\n"
	  "so new data gets the very same transform.  `data split` deals the rows into\n"
	  "PREFIX-train.csv, PREFIX-validation.csv and PREFIX-test.csv with exact sizes,\n"
	  "randomly (--seed, default 42: the same seed gives the same split everywhere) or\n"
	  "per class of --stratify COL; without --test the test part is the rest, and\n"
	  "fractions summing to less than 1 drop the rest.  Inside a workspace these four\n"
	  "register their outputs with the input as parent (registering the input first if needed)\n"
	  "and the fitted recipe or split as the recipe; --no-register skips that.",
	  cmd_data },
	{ "labels", "labels scheme DATASET [--set FILE | --show] [--json]\n"
		    "       sagetty labels ls DATASET [--state S] [--label L] [--annotator U]\n"
		    "                         [--source SRC] [-n N] [--json]\n"
		    "       sagetty labels import DATASET FILE.csv [--annotator NAME] [--key-column C]\n"
		    "                             [--source imported|machine] [--json]\n"
		    "       sagetty labels export DATASET -o OUT.csv|OUT.jsonl [--method majority|em]\n"
		    "                             [--annotations] [--format csv|jsonl] [--json]\n"
		    "       sagetty labels stats DATASET [--json]\n"
		    "       sagetty labels consolidate DATASET [--method majority|em] [--json]\n"
		    "       sagetty labels auto DATASET [--target-accuracy 0.95] [--algo NAME]\n"
		    "                           [--validation SHARE] [--min-count N] [--hash-bits N]\n"
		    "                           [--review-below X] [--audit PCT] [--seed N]\n"
		    "                           [--dry-run] [--json]\n"
		    "       sagetty labels review DATASET [--rules [--below X] [--audit PCT] [--seed N]]\n"
		    "                             [--accept KEY]... [--correct KEY=LABEL]...\n"
		    "                             [--limit N] [--json]",
	  "Label schemes, annotations, agreement, consolidation, import and export",
	  "`labels scheme --set FILE` stores DATASET's label scheme from a JSON file such as\n"
	  "{\"type\": \"single\", \"text_column\": \"review\", \"id_column\": \"id\", \"labels\":\n"
	  "[{\"name\": \"positive\", \"key\": \"1\"}, {\"name\": \"negative\", \"key\": \"2\"}]} (type single,\n"
	  "multi or span; optional annotations_per_item, lease_seconds, low_confidence, comment,\n"
	  "review {confidence_below, audit_percent}); errors name FILE:LINE:COL.  Without --set\n"
	  "it shows the stored scheme.  Labels follow rows by the id column, else by a hash of\n"
	  "the row, so re-sorting or appending to the file keeps them; labels whose row is gone\n"
	  "are kept and reported as orphans.  `labels ls` lists items and their annotations\n"
	  "(--state unlabeled, labeled, complete, disagreed, review or orphaned).  `labels\n"
	  "import` records annotations from a CSV with a row key column (row_key, key, the id\n"
	  "column or id), an annotator column (or --annotator) and a label column (multi: a;b\n"
	  "or a JSON array; span: a JSON array of {start, end, label}), optional confidence,\n"
	  "comment, seconds and created_at; all or nothing, as imported (or machine) labels.\n"
	  "`labels stats` shows percent agreement, Cohen's kappa per pair, Fleiss' kappa,\n"
	  "Krippendorff's alpha and per-annotator counts, speed and agreement with the consensus;\n"
	  "multi-label schemes add per-label kappa (Fleiss, Cohen per pair) and alpha over\n"
	  "whole answers (Jaccard distance), span schemes pairwise span F1 (exact, overlap).\n"
	  "`labels consolidate` stores one label per item by majority vote or Dawid-Skene EM\n"
	  "(ties and low agreement go to adjudication; multi-label answers label by label,\n"
	  "span answers by the per-span majority).  `labels export` writes the data plus\n"
	  "row_key, label, confidence, annotators, source and state as CSV, or JSON Lines in\n"
	  "the style of a Ground Truth augmented manifest; --annotations writes every live\n"
	  "annotation in the format import reads.  Label interactively with `sagetty label`.\n"
	  "`labels auto` trains a built-in model (linear-learner, or xgboost) on the\n"
	  "consolidated human labels of a single- or multi-label scheme (multi: one yes/no\n"
	  "model per label, thresholds set for exact-match accuracy; spans are refused),\n"
	  "using the text column (hashed words, word pairs and character trigrams, TF-IDF)\n"
	  "and numeric columns; it holds out\n"
	  "a validation share (below 1,000 labels every fold in turn), picks the lowest\n"
	  "confidence at which the validation rows above it reach --target-accuracy, labels\n"
	  "the rows without a human label above that confidence as machine labels, and puts\n"
	  "the rest in the work queue most uncertain first.  Run it again as people label\n"
	  "more: machine labels the new run does not confirm are retired.  `labels review`\n"
	  "lists machine labels waiting for review (lowest confidence first); --rules sends\n"
	  "machine labels below --below (default: the scheme's review.confidence_below) and a\n"
	  "random --audit percent of the rest to review; --accept KEY and --correct KEY=LABEL\n"
	  "record the reviewer's decision (a correction counts as a human label).",
	  cmd_labels },
	{ "runs", "runs ls [--experiment E] [--where EXPR] [--sort KEY[:desc]] [--limit N]\n"
		  "                       [--columns COL,...] [--json]\n"
		  "       sagetty runs show RUN [--json]\n"
		  "       sagetty runs start [--name N] [--experiment E] [--param K=V]...\n"
		  "       sagetty runs finish RUN [--status finished|failed|killed] [--json]\n"
		  "       sagetty runs exec [--run RUN | --name N --experiment E] [--metric NAME=REGEX]...\n"
		  "                         [--param K=V]... [--tag K=V]... [--echo|--no-echo]\n"
		  "                         [--quiet] [--json] -- PROGRAM [ARGS...]\n"
		  "       sagetty runs compare RUN RUN... [--diff-only] [--json]\n"
		  "       sagetty runs rm RUN... [--yes] [--json]\n"
		  "       sagetty runs export -o FILE.csv [--experiment E] [--where EXPR] [--sort KEY]\n"
		  "                           [--columns COL,...] [--json]",
	  "List, query, compare, export, delete, start and finish runs",
	  "RUN is a run id, a unique prefix of one (at least 4 characters), or a run name.\n"
	  "`runs start` prints the new run's id on its own line.  Metric values NaN and\n"
	  "Infinity appear in JSON as the strings \"NaN\", \"Infinity\" and \"-Infinity\".\n"
	  "`runs exec` tracks a program as a run (a new one, or RUN reopened): it starts\n"
	  "PROGRAM with an argv (no shell), saves its stdout and stderr in the run's folder\n"
	  "(.sagetty/runs/ID/stdout.log, stderr.log; echoed when the terminal is ours),\n"
	  "applies each --metric NAME=REGEX (POSIX extended; the first group is the value)\n"
	  "to every output line, and reads metric lines from the file descriptor named by\n"
	  "SAGETTY_METRICS_FD (\"loss 0.25 step=3\", or JSON lines; see the guide).  The\n"
	  "program also gets SAGETTY_RUN_ID, SAGETTY_WORKSPACE and SAGETTY_RUN_DIR, and\n"
	  "PYTHONPATH extended so `import sagetty_log` works.  The run ends FINISHED (exit 0),\n"
	  "FAILED (other exits, signals) or KILLED (SIGINT/SIGTERM to sagetty, passed on);\n"
	  "the exit status is the program's (128+N for signal N, 127 if it cannot start).\n"
	  "`runs ls --where EXPR` filters with the language of `data filter` over run fields:\n"
	  "metric.NAME (its last value; metric.NAME.min, .max, .count), param.NAME, tag.NAME,\n"
	  "status, user, name, experiment, kind, started, ended (dates like 2026-11-01, local\n"
	  "time unless a zone is given), e.g. 'metric.acc > 0.9 and param.lr < 0.01' or\n"
	  "'name ~ \"^xgb\" and started > \"2026-11-01\"'; `backquote` odd names\n"
	  "(metric.`val:acc`).  --sort takes any such field, :desc for descending (missing\n"
	  "values last); --columns adds fields as columns.  `runs compare` shows runs side by\n"
	  "side (params, metric last/min/max, tags); --diff-only keeps the rows that differ.\n"
	  "`runs rm` deletes runs for good: their rows and .sagetty/runs/ID/.  It asks on a\n"
	  "terminal; without one it refuses (exit 2) unless --yes is given.  `runs export`\n"
	  "writes the table as CSV (atomically): id, the run fields, then every param and\n"
	  "metric (last) unless --columns is given; times in UTC ISO 8601.",
	  cmd_runs },
	{ "log", "log metric KEY VALUE [--step N] [--run RUN] [--json]\n"
		 "       sagetty log param KEY VALUE [--run RUN] [--json]\n"
		 "       sagetty log tag KEY VALUE [--run RUN] [--json]\n"
		 "       sagetty log lines [FILE] [--run RUN] [--json]",
	  "Record a metric, param or tag into a run",
	  "The run is --run RUN, else $SAGETTY_RUN_ID (set for programs started by\n"
	  "`sagetty runs exec`); the workspace is -w DIR, else $SAGETTY_WORKSPACE, else the one\n"
	  "around the current folder.  VALUE of a metric is a number, nan, inf or -inf; without\n"
	  "--step the step is one more than the metric's highest so far (0 for a new one).\n"
	  "`log lines` reads the line protocol (\"KEY VALUE [step=N] [ts=T]\", \"param K V\",\n"
	  "\"tag K V\", JSON lines) from FILE or stdin in batches; malformed lines are reported\n"
	  "with line and column, skipped, and make the exit status 1.",
	  cmd_log },
	{ "train", "train --script FILE [--interpreter PROG] [--channel NAME=PATH]...\n"
		   "       sagetty train --algo NAME --channel train=PATH [--channel validation=PATH]\n"
		   "                     [--hp KEY=VALUE]... [--metric NAME=REGEX]... [--rule SPEC]...\n"
		   "                     [--name NAME] [--experiment E] [--max-runtime SECONDS]\n"
		   "                     [--stop-grace SECONDS] [--wait] [--json]",
	  "Launch a SageMaker-style training job that outlives the terminal",
	  "Runs FILE as a SageMaker script-mode training job on this machine, under a\n"
	  "detached supervisor: closing the terminal or dropping SSH does not stop it.\n"
	  "Everything is checked before anything starts.  The run folder gets SageMaker's\n"
	  "tree (input/config/hyperparameters.json, inputdataconfig.json, resourceconfig.json,\n"
	  "input/data/CHANNEL/ with links to the channel's files, model/, output/data/,\n"
	  "output/failure, checkpoints/), and the script gets the training toolkit's\n"
	  "environment (SM_MODEL_DIR, SM_CHANNELS, SM_CHANNEL_<NAME>, SM_HPS, SM_HP_<NAME>,\n"
	  "SM_TRAINING_ENV, SM_CHECKPOINT_DIR...) and the hyperparameters as --key value\n"
	  "arguments; it runs in its own folder.  PATH is a registered dataset, a file or a\n"
	  "folder.  The interpreter defaults to python3 for *.py files, else the script runs\n"
	  "itself.  --metric NAME=REGEX records the first group of matching output lines;\n"
	  "--rule NAME[:param=value,...] adds a debugger rule (see the guide).  At most\n"
	  "`set max-jobs N` jobs (default 2) run at once; more wait Queued.  --max-runtime\n"
	  "stops the job and fails it with MaxRuntimeExceeded; a stop sends SIGTERM to the\n"
	  "script's process group and SIGKILL --stop-grace seconds later (default 10).\n"
	  "Prints the run id (JSON with --json).  --wait follows the job's output to the end\n"
	  "and exits 0 only if it Completed; a failure prints the first 1,024 characters of\n"
	  "output/failure.\n"
	  "With --algo NAME (linear-learner, xgboost, kmeans, pca, knn; see `sagetty help\n"
	  "predict` and the guide) the job runs the built-in algorithm instead of a script,\n"
	  "as `sagetty algo-run NAME --key value...` in the run folder with the same tree\n"
	  "and environment: only the train (required) and validation channels are allowed,\n"
	  "and unknown hyperparameters or out-of-range values are refused before launching\n"
	  "with the valid names or range.  The model folder (model.json) is the run's model\n"
	  "artifact; train:/validation: metrics stream like a script's; data errors fail\n"
	  "the job with the message as its failure reason.", cmd_train },
	{ "jobs", "jobs ls [--all] [--json]\n"
		  "       sagetty jobs logs RUN [--attempt N] [-f] [--stderr] [--json]\n"
		  "       sagetty jobs stop RUN [--preempt] [--no-wait]\n"
		  "       sagetty jobs resume RUN [--wait] [--json]",
	  "List, follow, stop and resume training jobs",
	  "`jobs ls` lists live jobs and the 20 most recent others (--all: every one) with\n"
	  "state (Queued, Running, Completed, Failed, Stopped, Interrupted), attempt, elapsed\n"
	  "time, the script's pid and the failure reason.  A job whose supervisor is gone\n"
	  "(kill -9, a reboot) is marked Failed \"supervisor lost\"; one of another host\n"
	  "whose heartbeat is older than `set jobs.heartbeat-timeout` (default 60 s) is\n"
	  "marked Failed \"supervisor on HOST stopped reporting at TIME\".  `jobs logs`\n"
	  "prints each attempt's stdout.log (--stderr: stderr.log) in order, rotated parts\n"
	  "first, with a \"==> attempt N: ... <==\" line before each when there are several;\n"
	  "--attempt N prints one; --json lists the attempts and their log files; -f\n"
	  "follows the current attempt until the job ends (a preempted job: on into its\n"
	  "resume).\n"
	  "`jobs stop` sends SIGTERM to the script's process group, SIGKILL\n"
	  "after the grace period, and waits for the end (--no-wait: returns at once; a\n"
	  "second stop kills at once); --preempt ends it Interrupted instead of Stopped,\n"
	  "like a spot interruption.  `jobs resume` starts a new attempt of an Interrupted,\n"
	  "Stopped or Failed job with its checkpoints/ as they are.", cmd_jobs },
	{ "nb", "nb log NB [-n N] [--json]\n"
		"       sagetty nb diff NB [REV [REV]] [--all] [--json]\n"
		"       sagetty nb restore NB REV [--json]\n"
		"       sagetty nb commit NB [-m MESSAGE] [--json]\n"
		"       sagetty nb convert IN OUT\n"
		"       sagetty nb run NB [OUT] [-p KEY VALUE]... [-r KEY VALUE]... [-f FILE]...\n"
		"                      [-y YAML]... [-b BASE64]... [-o OUT]\n"
		"                      [--kernel NAME] [--timeout S] [--allow-errors] [--log-output]\n"
		"                      [--cwd DIR] [--start-timeout S] [--no-record] [--json]",
	  "Notebook history, cell-level diffs, restores, conversions and headless runs",
	  "NB is a notebook (.ipynb, or a .py script in jupytext's percent format) inside the\n"
	  "workspace, which is versioned with git.  `nb log` lists the commits that changed NB,\n"
	  "newest first, following renames like git log --follow (older commits show the old\n"
	  "path; diff and restore read a revision under the name it had).  `nb diff` compares\n"
	  "two versions cell by cell: without REV the last commit (HEAD) with the file on\n"
	  "disk, with one REV that version with the file, with\n"
	  "two the first with the second (REV: a commit id or prefix, HEAD~2, a branch).  Cells\n"
	  "are matched by id and shown as added, removed, moved or changed (type, source,\n"
	  "outputs, metadata), with a line diff of the source; --all lists unchanged cells too.\n"
	  "Colors only on a terminal (not with NO_COLOR or --no-color).  `nb restore` makes NB\n"
	  "what it was at REV, as a new commit.  `nb commit` commits NB as it is on disk (only\n"
	  "that file, whatever else is staged), with a message naming the changed cells; the\n"
	  "author is your Unix account.  With `set notebooks-strip-outputs yes` in the\n"
	  "workspace config, commits leave outputs out (the file keeps them).  `nb convert`\n"
	  "converts between .ipynb and percent .py by the files' extensions (nbformat 3 is\n"
	  "upgraded).  A malformed notebook is reported as FILE:LINE:COL and left untouched.\n"
	  "\n"
	  "`nb run` (also outside a workspace) executes every code cell of NB on a fresh\n"
	  "kernel (--kernel NAME, else the notebook's kernelspec, else python3) and writes\n"
	  "the executed notebook to OUT (-o; `-` for stdout).  Without one it writes\n"
	  "NAME.out.ipynb beside the input; the input is never overwritten unless OUT\n"
	  "names it.  -p KEY VALUE injects a parameter as papermill does: a cell tagged\n"
	  "injected-parameters after the cell tagged parameters, values typed as papermill\n"
	  "types them (True/False, None, integers, floats, else strings; -r keeps a string).\n"
	  "-f FILE and -y YAML give parameters as a YAML mapping (a file, a text), typed as\n"
	  "papermill's YAML loader types them (lists, dicts, yes/no, 1e3 a string...); a YAML\n"
	  "error is reported as FILE:LINE:COL (-y:LINE:COL); -b takes the YAML base64-encoded.\n"
	  "A name given twice takes the value of the later option of the same kind, and kinds\n"
	  "override in papermill's order: -b, then -f files, then -y, then -p, then -r,\n"
	  "wherever they stand on the line.\n"
	  "Cells and the notebook get papermill's metadata (status, start/end times, duration,\n"
	  "exception) and nbclient's metadata.execution timestamps.  The run stops at the first\n"
	  "failing cell and exits 1 (--allow-errors: keeps going, exits 0); the output file is\n"
	  "written either way.  --timeout S limits each cell: it is interrupted, then the run\n"
	  "stops.  Inside a workspace the execution is recorded as a run of kind notebook\n"
	  "(parameters as params, the notebook's git commit, the output as an artifact; the\n"
	  "kernel gets SAGETTY_RUN_ID so sagetty_log writes to it); --no-record skips that.\n"
	  "--log-output copies outputs to stderr, each cut at 4 KB (the file keeps them whole).",
	  cmd_nb },
	{ "predict", "predict MODEL DATA -o OUT.csv [--probabilities] [--json]",
	  "Apply a trained model to a CSV file",
	  "MODEL is a model folder (or its model.json) or a run whose model/ folder holds one.\n"
	  "DATA has the model's features: by name when it has a header (extra columns other\n"
	  "than the label are refused), else by position (a first label column, SageMaker's\n"
	  "convention, is skipped).  The recipe attached to the model is applied first.  The\n"
	  "file is streamed in blocks, so it may be larger than memory.  OUT gets a header and\n"
	  "one row per data row: predicted_label (the class) and, for binary classifiers,\n"
	  "score (the probability of the positive class); for regressors score; with\n"
	  "--probabilities, probability_CLASS for every class.  OUT is written atomically.",
	  cmd_predict },
	{ "algo-run", "algo-run NAME [--train PATH] [--validation PATH] [--model-dir DIR]\n"
		      "                        [--output-dir DIR] [--hps FILE|JSON] [--hp KEY=VALUE]...",
	  NULL,
	  "Internal: runs a built-in algorithm as a training job's program, reading the\n"
	  "SageMaker environment (SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION, SM_MODEL_DIR,\n"
	  "SM_INPUT_CONFIG_DIR/hyperparameters.json) and writing metric lines to\n"
	  "SAGETTY_METRICS_FD.  See the guide, \"Built-in algorithms\".", cmd_algo_run },
	{ "kernels", "kernels ls [--json]\n"
		     "       sagetty kernels stop ID... | --all\n"
		     "       sagetty kernels start [--kernel NAME] [--idle-timeout S] [--json] [NOTEBOOK]\n"
		     "       sagetty kernels specs [--json]",
	  "List and stop the Jupyter kernels that outlive the workbench",
	  "Notebook kernels run under a detached keeper, so they survive the workbench and\n"
	  "the SSH session: reopening a notebook reattaches to its kernel with its state.\n"
	  "`kernels ls` shows each kernel's ID, kernelspec, pid, state (starting, idle,\n"
	  "busy, dead), idle time and notebook; --json adds the connection file and log.\n"
	  "`kernels stop` shuts a kernel down (ID or a unique prefix of 4+ characters).\n"
	  "`kernels start` starts one without the workbench (a NOTEBOOK's running kernel is\n"
	  "reused).  `kernels specs` lists the installed kernelspecs (JUPYTER_PATH, the\n"
	  "user's and the system's Jupyter folders).  An idle kernel is shut down after\n"
	  "`set kernels.idle-timeout SECONDS` (.sagetty/config; default 3600, 0: never).\n"
	  "Sockets and connection files live in a private 0700 folder\n"
	  "($XDG_RUNTIME_DIR/sagetty or /tmp/sagetty-UID).", cmd_kernels },
	{ "kernel-keeper", "kernel-keeper ID --kernel NAME [--notebook PATH] [--workspace DIR]\n"
			   "                        [--workdir DIR] [--idle-timeout S] [--timeout S]",
	  NULL,
	  "Internal: owns one kernel for `kernels start` and the workbench (see kernels).",
	  cmd_kernel_keeper },
	{ "label", "label DATASET",
	  "Label a dataset's rows in the workbench's Label view",
	  "Opens the workbench on DATASET's Label view: the current item large (the scheme's\n"
	  "text column wrapped, the other fields compact) and the scheme's keys at the bottom.\n"
	  "One key labels, saves and moves to the next item of the work queue; u undoes, s\n"
	  "skips, b goes back, n d l jump to the next unlabeled, disagreed or low-confidence\n"
	  "item, / filters by label=, annotator= or state=, c adds a comment, = edits the\n"
	  "scheme, % shows agreement statistics and r toggles review of machine labels.\n"
	  "Multi-label schemes toggle with the keys and save with Enter; span schemes select\n"
	  "with v and w e h j k and the arrows, then a label's key.  A label is in the store\n"
	  "when the view says Saved.  The annotator is your Unix account.  A dataset without a\n"
	  "scheme opens on the scheme editor's offer (=).", cmd_label },
	{ "help", "help [COMMAND]", "Show help for a command",
	  "Without COMMAND, lists the commands.", cmd_help },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void print_overview(void)
{
	printf("usage: sagetty [-w DIR] [--theme NAME] [--ascii] [--no-color] [COMMAND [ARGS]]\n\n"
	       "Without a command, opens the workbench on the workspace around the current folder.\n\n"
	       "Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (c->summary)   /* internal commands have none */
			printf("  %-8s %s\n", c->name, c->summary);
	printf("\nOptions:\n"
	       "  -w, --workspace DIR  use the workspace at DIR instead of searching from the cwd\n"
	       "      --theme NAME     default, light, high-contrast, mono, or a .theme file\n"
	       "      --ascii          draw lines with ASCII characters\n"
	       "      --no-color       no colors (also when NO_COLOR is set)\n"
	       "  -h, --help           this help; `sagetty help COMMAND` for one command\n"
	       "  -V, --version        print the version\n\n"
	       "Exit status: 0 ok, 1 failure, 2 usage error or no workspace.\n");
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		print_overview();
		return EXIT_OK;
	}
	if (argc > 2)
		return cli_usage("help", "help takes one command name");
	const struct cli_command *c = cli_find(argv[1]);
	if (!c)
		return cli_usage(NULL, "no command '%s'", argv[1]);
	printf("usage: sagetty %s\n\n%s\n\n%s\n", c->usage, c->summary ? c->summary : "(internal)",
	       c->help);
	return EXIT_OK;
}
