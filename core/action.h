/* action.h — every user action, declared once.
 *
 * The keymap parser, the `?` help overlay, the `:` command line and its
 * completion are all generated from this table, so they cannot drift apart.
 * X(ID, "name", "help text"); default keys live in themes/default.keymap. */
#ifndef SG_ACTION_H
#define SG_ACTION_H

#define SG_ACTIONS(X) \
	X(QUIT,             "quit",             "Quit (asks first if work would be lost)") \
	X(HELP,             "help",             "Show or hide this help") \
	X(COMMAND,          "command",          "Open the : command line") \
	X(PANE_DATA,        "pane-data",        "Show the Data pane") \
	X(PANE_NOTEBOOKS,   "pane-notebooks",   "Show the Notebooks pane") \
	X(PANE_MONITOR,     "pane-monitor",     "Show the Monitor pane") \
	X(PANE_EXPERIMENTS, "pane-experiments", "Show the Experiments pane") \
	X(NEXT_PANE,        "next-pane",        "Show the next pane") \
	X(PREV_PANE,        "prev-pane",        "Show the previous pane") \
	X(SPLIT,            "split",            "Toggle one pane / two side by side") \
	X(SWAP_FOCUS,       "swap-focus",       "Move focus to the other side of a split") \
	X(MOVE_UP,          "move-up",          "Select the previous row") \
	X(MOVE_DOWN,        "move-down",        "Select the next row") \
	X(PAGE_UP,          "page-up",          "Scroll one page up") \
	X(PAGE_DOWN,        "page-down",        "Scroll one page down") \
	X(FIRST,            "first",            "Go to the first row") \
	X(LAST,             "last",             "Go to the last row") \
	X(SCROLL_LEFT,      "scroll-left",      "Scroll columns left") \
	X(SCROLL_RIGHT,     "scroll-right",     "Scroll columns right") \
	X(OPEN,             "open",             "Open or show details of the selected row") \
	X(BACK,             "back",             "Close details, go back") \
	X(REFRESH,          "refresh",          "Reload from the workspace") \
	X(REDRAW,           "redraw",           "Redraw the whole screen") \
	X(INFO,             "info",             "Details of the selected dataset") \
	X(GOTO_ROW,         "goto",             "Jump to a row number (:goto N)") \
	X(SEARCH,           "search",           "Search every column for a regex (:search RE)") \
	X(SEARCH_NEXT,      "search-next",      "Next match of the last search") \
	X(SEARCH_PREV,      "search-prev",      "Previous match of the last search") \
	X(SORT_ASC,         "sort-asc",         "Sort by the current column, ascending (again: file order)") \
	X(SORT_DESC,        "sort-desc",        "Sort by the current column, descending (again: file order)") \
	X(SORT_ADD_ASC,     "sort-add-asc",     "Add the current column as a further ascending sort key") \
	X(SORT_ADD_DESC,    "sort-add-desc",    "Add the current column as a further descending sort key") \
	X(FILTER,           "filter",           "Show only rows matching an expression (:filter EXPR)") \
	X(MARK,             "mark",             "Mark or unmark the current row and move down") \
	X(UNMARK_ALL,       "unmark-all",       "Unmark every row") \
	X(SHOW_MARKED,      "show-marked",      "Show only the marked rows") \
	X(DESCRIBE,         "describe",         "Statistics of every column (a describe sheet)") \
	X(FREQ,             "freq",             "Frequencies of the current column's values") \
	X(PREP,             "prep",             "Build a preprocessing recipe for this dataset") \
	X(LABEL,            "label",            "Label the dataset's rows in the Label view (from the list or a table)") \
	X(LABEL_SAVE,       "label-save",       "Label view: save the toggled labels or spans and go to the next item") \
	X(LABEL_AS,         "label-as",         "Label view: label with a label by name, keyed or not (:label-as NAME)") \
	X(LABEL_UNDO,       "label-undo",       "Label view: undo your last label and show its item again") \
	X(LABEL_SKIP,       "label-skip",       "Label view: skip this item (not offered to you again)") \
	X(LABEL_PREV,       "label-prev",       "Label view: back to the item shown before") \
	X(LABEL_CLEAR,      "label-clear",      "Label view: clear the toggled labels, the spans or the selection") \
	X(NEXT_UNLABELED,   "next-unlabeled",   "Label view: jump to the next item you have not labeled") \
	X(NEXT_DISAGREED,   "next-disagreed",   "Label view: jump to the next item whose annotators disagree") \
	X(NEXT_LOW_CONF,    "next-low-confidence", "Label view: jump to the next item with a low-confidence consensus") \
	X(LABEL_REVIEW,     "label-review",     "Label view: review mode on/off (machine labels: Enter accepts, a label key corrects)") \
	X(LABEL_COMMENT,    "label-comment",    "Label view: a comment saved with your label (:label-comment TEXT)") \
	X(LABEL_FILTER,     "label-filter",     "Label view: only items by label, annotator or state (:label-filter label=X annotator=U state=S)") \
	X(SPAN_SELECT,      "span-select",      "Label view: start or drop a span selection at the cursor") \
	X(WORD_NEXT,        "word-next",        "Label view: cursor to the next word") \
	X(WORD_PREV,        "word-prev",        "Label view: cursor to the previous word") \
	X(WORD_END,         "word-end",         "Label view: cursor to the end of the word") \
	X(LABEL_SCHEME,     "label-scheme",     "Label view: edit the label scheme (labels, keys, type, columns, k)") \
	X(LABEL_STATS,      "label-stats",      "Label view: agreement statistics (annotators, kappa, Fleiss, Krippendorff)") \
	X(SCHEME_ADD,       "scheme-add",       "Scheme editor: add a label (:scheme-add NAME [KEY])") \
	X(SCHEME_RENAME,    "scheme-rename",    "Scheme editor: rename the selected label (:scheme-rename NAME)") \
	X(SCHEME_REMOVE,    "scheme-remove",    "Scheme editor: remove the selected label (asks first)") \
	X(SCHEME_KEY,       "scheme-key",       "Scheme editor: give the selected label another key (:scheme-key K)") \
	X(SCHEME_SET,       "scheme-set",       "Scheme editor: type, columns, k, comments (:scheme-set type=multi text=COL id=COL k=3)") \
	X(COLUMNS,          "columns",          "Choose the runs table's columns (:columns param.lr,metric.acc)") \
	X(SUMMARY,          "summary",          "Cycle the current metric column's summary: last, min, max") \
	X(GROUP,            "group",            "Group runs by the current column, mean ± std (:group param.depth)") \
	X(COMPARE,          "compare",          "Compare the marked runs side by side") \
	X(DIFF_ONLY,        "diff-only",        "In a comparison, show only the rows that differ") \
	X(CHART,            "chart",            "Chart a metric over steps for the marked runs (:chart metric.NAME)") \
	X(TAG,              "tag",              "Set a tag on the selected run (:tag KEY=VALUE; KEY= removes it)") \
	X(NOTE,             "note",             "Edit the selected run's note (:note TEXT; :note - removes it)") \
	X(DELETE,           "delete",           "Delete the marked runs (or the selected one) and their folders") \
	X(EXPORT,           "export",           "Export the table as shown to CSV (:export FILE.csv)") \
	X(JOB_STOP,         "stop",             "Stop the selected training job (asks first)") \
	X(JOB_PREEMPT,      "preempt",          "Preempt the selected job: stop it Interrupted, keeping checkpoints (asks first)") \
	X(JOB_RESUME,       "resume",           "Resume the selected stopped, interrupted or failed job from its checkpoints") \
	X(FOLLOW,           "follow",           "Toggle following the end of the job's log") \
	X(LOG_STREAM,       "log-stream",       "Switch the log tail between stdout and stderr") \
	X(LOG_ATTEMPT,      "log-attempt",      "Show the previous attempt's log in the tail (cycles back to the current one)") \
	X(NB_RUN,           "run-cell",         "Run the selected cell and stay on it (Ctrl-Enter)") \
	X(NB_RUN_ADVANCE,   "run-advance",      "Run the selected cell and select the next (Shift-Enter)") \
	X(NB_RUN_ALL,       "run-all",          "Run every cell of the notebook, top to bottom") \
	X(NB_RUN_ABOVE,     "run-above",        "Run every cell above the selected one") \
	X(NB_INTERRUPT,     "interrupt",        "Interrupt the kernel (a hung one is offered a restart)") \
	X(NB_RESTART,       "restart",          "Restart the kernel, losing its variables (asks first)") \
	X(NB_SHUTDOWN,      "kernel-shutdown",  "Shut the notebook's kernel down (asks first)") \
	X(NB_CELL_ABOVE,    "cell-above",       "Insert a code cell above the selected one") \
	X(NB_CELL_BELOW,    "cell-below",       "Insert a code cell below the selected one") \
	X(NB_CELL_DELETE,   "cell-delete",      "Delete the selected cell (press twice, like dd; undo with cell-undo)") \
	X(NB_CELL_COPY,     "cell-copy",        "Copy the selected cell") \
	X(NB_CELL_CUT,      "cell-cut",         "Cut the selected cell") \
	X(NB_CELL_PASTE,    "cell-paste",       "Paste the copied cell below the selected one") \
	X(NB_CELL_PASTE_UP, "cell-paste-above", "Paste the copied cell above the selected one") \
	X(NB_CELL_UNDO,     "cell-undo",        "Undo the last change to the cells (delete, cut, paste, insert, move, type)") \
	X(NB_CELL_CODE,     "cell-code",        "Make the selected cell a code cell") \
	X(NB_CELL_MARKDOWN, "cell-markdown",    "Make the selected cell a markdown cell") \
	X(NB_CELL_RAW,      "cell-raw",         "Make the selected cell a raw cell") \
	X(NB_CELL_UP,       "cell-move-up",     "Move the selected cell up") \
	X(NB_CELL_DOWN,     "cell-move-down",   "Move the selected cell down") \
	X(NB_OUTPUT,        "output-toggle",    "Expand or collapse the selected cell's long output") \
	X(NB_OUTPUT_HIDE,   "output-hide",      "Hide or show the selected cell's output") \
	X(NB_CLEAR,         "clear-output",     "Clear the selected cell's output") \
	X(NB_SAVE,          "w",                "Save the notebook atomically and commit it to git (:w)") \
	X(NB_HISTORY,       "history",          "The notebook's versions in git: diff any two, restore one") \
	X(NB_DIFF,          "diff",             "In history: cell diff of the selected version against the base") \
	X(NB_DIFF_BASE,     "diff-base",        "In history: make the selected version the base of diffs (again: the notebook as open)") \
	X(NB_RESTORE,       "restore",          "In history: restore the selected version as a new commit (asks first)") \
	X(NB_NEW,           "new",              "Create a notebook and open it (:new NAME.ipynb)") \
	X(NB_CONFLICT_NEXT, "conflict-next",    "Select the next cell with a merge conflict") \
	X(NB_TAB_NEXT,      "next-notebook",    "Show the next open notebook (the others keep running)") \
	X(NB_TAB_PREV,      "prev-notebook",    "Show the previous open notebook") \
	X(NB_TAB_CLOSE,     "close-notebook",   "Close the shown notebook, its kernel kept running (asks when unsaved)") \
	X(NB_TABS,          "open-notebooks",   "List the open notebooks to pick one (Enter shows it, x closes it)")


enum sg_action {
	SG_ACTION_NONE = 0,
#define SG_X(id, name, help) SG_ACTION_##id,
	SG_ACTIONS(SG_X)
#undef SG_X
	SG_ACTION_COUNT
};

/* "quit" for SG_ACTION_QUIT; NULL for NONE or out of range. */
const char *sg_action_name(enum sg_action a);
const char *sg_action_help(enum sg_action a);
/* Looks up an action by name; SG_ACTION_NONE when unknown. */
enum sg_action sg_action_lookup(const char *name);

#endif
