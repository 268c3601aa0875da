/* test_pane_notebooks.c — the Notebooks pane rendered into the memory
 * surface: the list, an open notebook (execution counts, syntax-colored
 * code, rendered markdown, outputs with traceback colors), long outputs
 * collapsed and expanded, huge ones cut for display only, merge conflicts
 * marked, cells edited and saved (a commit), dd and undo, the recovery
 * copy offered, restored and discarded, and the notebook at 80x24, resized
 * and in ASCII.  No kernel is started: nothing here runs a cell. */
#include "tests/testutil.h"
#include <stdio.h>
#include "core/keymap.h"
#include "core/nbformat.h"
#include "core/nbgit.h"
#include "core/nbrecovery.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/surface.h"

struct fx {
	char *dir;
	struct sg_workspace *ws;
	struct surface_backend *be;
	struct app *app;
};

#include "tests/tuitest.h"

/* A stream output object. */
static json_t *stream(const char *name, const char *text)
{
	return json_pack("{s:s, s:s, s:s}", "output_type", "stream", "name", name, "text", text);
}

/* Writes the demo notebook a.ipynb: markdown, code with a result, code
 * with a colored traceback, code with 100 lines of output. */
static void write_demo(struct fx *f)
{
	struct sg_error err = { 0 };
	struct sg_nb *nb = sg_nb_new();
	struct sg_nb_cell *c;
	char *path = sg_path_join(f->dir, "a.ipynb"), *big = NULL;
	size_t len = 0;

	sg_nb_insert(nb, 0, SG_NB_MARKDOWN, "# Iris study\n\nSome **bold** words.");
	c = sg_nb_insert(nb, 1, SG_NB_CODE, "import math\nx = math.pi\nx");
	c->execution_count = 12;
	sg_nb_cell_append_output(c, json_pack("{s:s, s:{s:s}, s:{}, s:i}", "output_type",
					      "execute_result", "data", "text/plain",
					      "3.141592653589793", "metadata", "execution_count", 12));
	c = sg_nb_insert(nb, 2, SG_NB_CODE, "1/0");
	c->execution_count = 13;
	sg_nb_cell_append_output(c, json_pack("{s:s, s:s, s:s, s:[s,s]}", "output_type", "error",
					      "ename", "ZeroDivisionError", "evalue",
					      "division by zero", "traceback",
					      "\033[0;31m---------\033[0m",
					      "\033[0;31mZeroDivisionError\033[0m: division by zero"));
	c = sg_nb_insert(nb, 3, SG_NB_CODE, "for i in range(100):\n    print('line', i)");
	c->execution_count = 14;
	for (int i = 0; i < 100; i++) {
		char line[32];
		int k = snprintf(line, sizeof line, "line %d\n", i);
		big = sg_xrealloc(big, len + (size_t)k + 1);
		memcpy(big + len, line, (size_t)k + 1);
		len += (size_t)k;
	}
	sg_nb_cell_append_output(c, stream("stdout", big));
	free(big);
	assert_int_equal(sg_nb_save_file(path, nb, &err), 0);
	sg_nb_free(nb);
	free(path);
}

/* A workspace with a.ipynb and b.ipynb, the app at w×h on the Notebooks pane. */
static struct fx *fx_new(int w, int h, int unicode)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tempdir();
	f->ws = tt_workspace(f->dir);
	write_demo(f);
	free(tu_write(f->dir, "b.ipynb", "{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, "
		      "\"nbformat_minor\": 5}"));
	tt_app(f, f->ws, w, h, unicode, NULL);
	draw(f);
	type(f, "2");
	return f;
}

static void fx_free(struct fx *f)
{
	tt_app_free(f);
	sg_workspace_free(f->ws);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
}

static int group_setup(void **state)
{
	(void)state;
	tt_env(NULL);
	setenv("XDG_RUNTIME_DIR", "/nonexistent-runtime", 1); /* no kernels found */
	return 0;
}

/* The file's text. */
static char *file_text(struct fx *f, const char *name)
{
	char *path = sg_path_join(f->dir, name), *s;
	size_t len;

	s = sg_read_file(path, 1 << 24, &len, NULL);
	free(path);
	assert_non_null(s);
	return s;
}

static void test_list_and_open(void **state)
{
	struct fx *f = fx_new(80, 24, 1);

	(void)state;
	assert_true(has(f, "a.ipynb"));
	assert_true(has(f, "b.ipynb"));
	assert_true(has(f, "1/2 notebooks"));
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "cell 1/4"));
	assert_true(has(f, ": none"));
	/* markdown rendered: the heading without its #, bold without stars */
	assert_true(has(f, "Iris study"));
	assert_false(has(f, "# Iris"));
	assert_true(has(f, "bold words"));
	assert_false(has(f, "**bold**"));
	/* code with its count, colors, its result */
	assert_true(has(f, "[12]"));
	assert_true(has(f, "x = math.pi"));
	assert_int_equal(role_at(f, "import"), SG_ROLE_SYN_KEYWORD);
	assert_true(has(f, "3.141592653589793"));
	assert_true(has(f, "Out"));
	/* the traceback: escapes gone, red mapped to the error role */
	type(f, "jj");
	assert_true(has(f, "[13]"));
	assert_true(has(f, "ZeroDivisionError: division by zero"));
	assert_false(has(f, "[0;31m"));
	assert_int_equal(role_at(f, "ZeroDivisionError:"), SG_ROLE_ERROR);
	assert_true(has(f, "cell 3/4"));
	/* Esc goes back to the list, which marks the open notebook */
	key(f, SG_KEY_ESC);
	assert_true(has(f, "a.ipynb (open)"));
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "cell 3/4"));
	fx_free(f);
}

static void test_collapse_expand(void **state)
{
	struct fx *f = fx_new(80, 24, 1);

	(void)state;
	key(f, SG_KEY_ENTER);
	type(f, "G");
	assert_true(has(f, "[14]"));
	assert_true(has(f, "line 0"));
	assert_true(has(f, "84 more lines (o expands)"));
	assert_false(has(f, "line 50"));
	assert_true(has(f, "line 99"));
	type(f, "o");
	assert_false(has(f, "more lines"));
	/* the output scrolls with the page keys */
	for (int i = 0; i < 4 && !has(f, "line 50"); i++)
		key(f, SG_KEY_PGDN);
	assert_true(has(f, "line 50"));
	type(f, "o");
	type(f, "G");
	assert_true(has(f, "84 more lines"));
	/* O hides the output entirely */
	type(f, "O");
	assert_true(has(f, "100 output lines hidden"));
	assert_false(has(f, "line 99"));
	fx_free(f);
}

static void test_huge_output_truncated(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct sg_error err = { 0 };
	struct sg_nb *nb = sg_nb_new();
	size_t n = 3 * 1024 * 1024;
	char *big = sg_xmalloc(n + 1), *path;

	(void)state;
	f->dir = tu_tempdir();
	f->ws = tt_workspace(f->dir);
	for (size_t i = 0; i < n; i++)
		big[i] = i % 64 == 63 ? '\n' : 'a' + (char)(i % 26);
	big[n] = '\0';
	memcpy(big + n - 9, "THE END\n", 8);
	struct sg_nb_cell *c = sg_nb_insert(nb, 0, SG_NB_CODE, "print(big)");
	sg_nb_cell_append_output(c, stream("stdout", big));
	path = sg_path_join(f->dir, "big.ipynb");
	assert_int_equal(sg_nb_save_file(path, nb, &err), 0);
	tt_app(f, f->ws, 100, 30, 1, NULL);
	type(f, "2");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "3.0 MB of output: display truncated"));
	assert_true(has(f, "THE END"));
	/* expanded, the display is still capped */
	type(f, "o");
	for (int i = 0; i < 200 && !has(f, "display truncated"); i++)
		key(f, SG_KEY_PGDN);
	assert_true(has(f, "MB of output: display truncated"));
	/* the file still holds all of it */
	char *text = file_text(f, "big.ipynb");
	assert_true(strlen(text) > n);
	free(text);
	sg_nb_free(nb);
	free(big);
	free(path);
	fx_free(f);
}

static void test_conflict_cells(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct sg_error err = { 0 };
	struct sg_nb *nb = sg_nb_new();
	char *path;

	(void)state;
	f->dir = tu_tempdir();
	f->ws = tt_workspace(f->dir);
	sg_nb_insert(nb, 0, SG_NB_CODE, "a = 1");
	struct sg_nb_cell *c = sg_nb_insert(nb, 1, SG_NB_CODE, "b = 'mine'");
	json_object_set_new(c->metadata, "sagetty", json_pack("{s:s}", "conflict", "ours"));
	c = sg_nb_insert(nb, 2, SG_NB_CODE, "b = 'theirs'");
	json_object_set_new(c->metadata, "sagetty", json_pack("{s:s}", "conflict", "theirs"));
	path = sg_path_join(f->dir, "c.ipynb");
	assert_int_equal(sg_nb_save_file(path, nb, &err), 0);
	tt_app(f, f->ws, 80, 24, 1, NULL);
	type(f, "2");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "merge conflict - ours"));
	assert_true(has(f, "merge conflict - theirs"));
	assert_int_equal(role_at(f, "merge conflict - ours"), SG_ROLE_ERROR);
	assert_true(row_of(f, "b = 'mine'") < row_of(f, "b = 'theirs'"));
	type(f, "n");
	assert_true(has(f, "cell 2/3"));
	type(f, "n");
	assert_true(has(f, "cell 3/3"));
	/* deleting one side resolves the conflict: the other loses its banner */
	type(f, "dd");
	assert_false(has(f, "merge conflict"));
	assert_true(has(f, "b = 'mine'"));
	type(f, "n");
	assert_true(has(f, "No merge conflicts"));
	sg_nb_free(nb);
	free(path);
	fx_free(f);
}

static void test_edit_save_commit(void **state)
{
	struct fx *f = fx_new(80, 24, 1);
	struct sg_error err = { 0 };
	struct sg_nbgit_commit *log = NULL;
	size_t n = 0;

	(void)state;
	key(f, SG_KEY_ENTER);
	type(f, "j");
	key(f, SG_KEY_ENTER);          /* edit mode */
	assert_true(has(f, "EDIT"));
	key(f, SG_KEY_END);
	key(f, SG_KEY_ENTER);          /* Enter in the editor: a new line */
	type(f, "y = 42");
	key(f, SG_KEY_ESC);
	assert_false(has(f, "EDIT"));
	assert_true(has(f, "y = 42"));
	assert_null(strstr(row(f, row_of(f, "y = 42")), "math"));   /* its own line */
	assert_true(has(f, "a.ipynb [+]"));
	/* q asks about the unsaved edits */
	type(f, "q");
	assert_true(has(f, "unsaved edits to a.ipynb"));
	type(f, "n");
	key(f, 19);                    /* Ctrl-S */
	assert_true(has(f, "Saved a.ipynb, commit"));
	assert_false(has(f, "a.ipynb [+]"));
	char *text = file_text(f, "a.ipynb");
	assert_non_null(strstr(text, "y = 42"));
	free(text);
	assert_int_equal(sg_nbgit_log(f->dir, "a.ipynb", 0, &log, &n, &err), 0);
	assert_int_equal(n, 1);
	free(log);
	/* the history lists it; a diff against the open notebook */
	type(f, "H");
	assert_true(has(f, "history of a.ipynb (1 commit)"));
	type(f, "jk");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "same cells"));
	key(f, SG_KEY_ESC);
	key(f, SG_KEY_ESC);
	assert_true(has(f, "cell 2/4"));
	/* :w from the command line saves too (nothing new to commit) */
	command(f, "w");
	assert_true(has(f, "unchanged since the last commit"));
	fx_free(f);
}

static void test_vi_editing(void **state)
{
	struct fx *f = fx_new(80, 24, 1);

	(void)state;
	f->ws->config.editor_vi = 1;   /* set editor-keys vi */
	key(f, SG_KEY_ENTER);
	type(f, "j");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "-- NORMAL --"));
	type(f, "Oquit_is_text = 1");   /* O: a line above, in insert mode */
	assert_true(has(f, "-- INSERT --"));
	assert_false(has(f, "Quit and lose"));
	key(f, SG_KEY_ESC);             /* insert -> normal */
	assert_true(has(f, "-- NORMAL --"));
	key(f, SG_KEY_ESC);             /* normal -> command mode */
	assert_false(has(f, "NORMAL"));
	assert_true(has(f, "quit_is_text = 1"));
	assert_true(row_of(f, "quit_is_text") < row_of(f, "import math"));
	assert_true(has(f, "a.ipynb [+]"));
	fx_free(f);
}

static void test_history_diff_restore(void **state)
{
	struct fx *f = fx_new(100, 30, 1);

	(void)state;
	key(f, SG_KEY_ENTER);
	key(f, 19);                    /* first commit: as it is */
	type(f, "j");
	key(f, SG_KEY_ENTER);
	key(f, SG_KEY_END);
	key(f, SG_KEY_ENTER);          /* a new line in the editor */
	type(f, "second_version = 2");
	key(f, SG_KEY_ESC);
	key(f, 19);                    /* second commit */
	assert_true(has(f, "Saved a.ipynb, commit"));
	type(f, "H");
	assert_true(has(f, "(2 commits)"));
	/* the older version against the notebook as open */
	type(f, "j");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "1 changed, 0 added, 0 removed"));
	assert_true(has(f, "+ second_version = 2"));
	assert_int_equal(role_at(f, "+ second_version"), SG_ROLE_OK);
	key(f, SG_KEY_ESC);
	/* two versions: the newer marked as the base */
	type(f, "k");
	type(f, "M");
	type(f, "j");
	type(f, "=");
	assert_true(has(f, "+ second_version = 2"));
	key(f, SG_KEY_ESC);
	/* restore the older one as a new commit */
	type(f, "r");
	assert_true(has(f, "as a new commit? (y/n)"));
	type(f, "y");
	assert_true(has(f, "(3 commits)"));
	char *text = file_text(f, "a.ipynb");
	assert_null(strstr(text, "second_version"));
	free(text);
	fx_free(f);
}

/* Someone else saves a.ipynb with cell index i's source replaced. */
static void other_save(struct fx *f, size_t i, const char *source)
{
	struct sg_error err = { 0 };
	struct sg_nb *nb = NULL;
	char *path = sg_path_join(f->dir, "a.ipynb");
	struct sg_nbgit_result res;

	assert_int_equal(sg_nb_load(path, &nb, &err), 0);
	sg_nb_cell_set_source(&nb->cells[i], source);
	assert_int_equal(sg_nbgit_save(f->dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	sg_nb_free(nb);
	free(path);
}

static void test_save_merges_and_shows_conflicts(void **state)
{
	struct fx *f = fx_new(100, 40, 1);

	(void)state;
	key(f, SG_KEY_ENTER);
	/* a change to another cell merges cleanly */
	other_save(f, 2, "1/1  # theirs");
	type(f, "j");
	key(f, SG_KEY_ENTER);
	key(f, SG_KEY_END);
	type(f, "  # mine");
	key(f, SG_KEY_ESC);
	key(f, 19);
	assert_true(has(f, "merged with changes made meanwhile"));
	assert_true(has(f, "# mine"));
	assert_true(has(f, "1/1  # theirs"));
	assert_false(has(f, "merge conflict"));
	/* both change the same cell: both kept, marked */
	other_save(f, 1, "import math  # their edit");
	key(f, SG_KEY_ENTER);
	key(f, SG_KEY_END);
	type(f, " again");
	key(f, SG_KEY_ESC);
	key(f, 19);
	assert_true(has(f, "1 conflicting cell kept twice"));
	assert_true(has(f, "merge conflict - ours"));
	assert_true(has(f, "merge conflict - theirs"));
	assert_true(has(f, "# their edit"));
	assert_true(has(f, "# mine again"));
	fx_free(f);
}

static void test_shift_enter(void **state)
{
	struct fx *f = fx_new(80, 24, 1);
	struct sg_keymap km;

	(void)state;
	sg_keymap_init(&km);
	sg_keymap_default(&km);
	assert_int_equal(sg_key_parse("<S-Enter>"), SG_KEY_S_ENTER);
	assert_int_equal(sg_keymap_lookup(&km, "notebooks", SG_KEY_S_ENTER), SG_ACTION_NB_RUN_ADVANCE);
	assert_int_equal(sg_keymap_lookup(&km, "notebooks", SG_KEY_C_ENTER), SG_ACTION_NB_RUN);
	sg_keymap_done(&km);
	/* Shift-Enter while editing the markdown cell: rendered, next cell */
	key(f, SG_KEY_ENTER);
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "EDIT"));
	assert_true(has(f, "# Iris study"));        /* the source while editing */
	key(f, SG_KEY_S_ENTER);
	assert_false(has(f, "EDIT"));
	assert_false(has(f, "# Iris study"));
	assert_true(has(f, "cell 2/4"));
	fx_free(f);
}

static void test_cells_dd_undo_paste(void **state)
{
	struct fx *f = fx_new(80, 24, 1);

	(void)state;
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "cell 1/4"));
	type(f, "d");
	assert_true(has(f, "again to delete"));
	type(f, "d");
	assert_true(has(f, "cell 1/3"));
	assert_false(has(f, "Iris study"));
	type(f, "z");
	assert_true(has(f, "cell 1/4"));
	assert_true(has(f, "Iris study"));
	/* d then another key does not delete */
	type(f, "dj");
	assert_true(has(f, "cell 2/4"));
	/* copy, paste below, change type, insert */
	type(f, "yp");
	assert_true(has(f, "cell 3/5"));
	type(f, "m");
	type(f, "b");
	assert_true(has(f, "cell 4/6"));
	assert_true(has(f, "[ ]"));
	type(f, "K");
	assert_true(has(f, "cell 3/6"));
	fx_free(f);
}

static void test_recovery_offered(void **state)
{
	struct fx *f = fx_new(80, 24, 1);
	struct sg_error err = { 0 };
	struct sg_nb *nb = NULL;
	char *text = file_text(f, "a.ipynb");

	(void)state;
	/* a copy that differs from the file: a cell typed before a crash */
	assert_int_equal(sg_nb_parse(text, strlen(text), "a", &nb, &err), 0);
	sg_nb_insert(nb, 0, SG_NB_CODE, "typed_before_the_crash = 1");
	free(text);
	text = sg_nb_dump(nb, NULL);
	assert_int_equal(sg_nbrecovery_write(f->ws, "a.ipynb", text, strlen(text), &err), 0);
	free(text);
	sg_nb_free(nb);
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "were recovered"));
	assert_true(has(f, "r restore them"));
	assert_false(has(f, "typed_before_the_crash"));
	type(f, "r");
	assert_true(has(f, "typed_before_the_crash"));
	assert_true(has(f, "a.ipynb [+]"));
	assert_true(sg_nbrecovery_exists(f->ws, "a.ipynb", NULL, NULL));
	key(f, 19);
	assert_false(sg_nbrecovery_exists(f->ws, "a.ipynb", NULL, NULL));
	fx_free(f);
}

static void test_recovery_discarded_and_written(void **state)
{
	struct fx *f = fx_new(80, 24, 1);
	struct sg_error err = { 0 };

	(void)state;
	assert_int_equal(sg_nbrecovery_write(f->ws, "a.ipynb", "{\"cells\": []}", 13, &err), 0);
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "were recovered"));
	type(f, "d");
	assert_false(has(f, "were recovered"));
	assert_false(sg_nbrecovery_exists(f->ws, "a.ipynb", NULL, NULL));
	/* an edit is copied to the recovery file (the first one at once) */
	type(f, "b");
	app_pane_event(f->app, -1);
	assert_true(sg_nbrecovery_exists(f->ws, "a.ipynb", NULL, NULL));
	char *path = sg_nbrecovery_path(f->ws, "a.ipynb");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(path);
	fx_free(f);
}

static void test_small_resize_ascii(void **state)
{
	struct fx *f = fx_new(80, 24, 0);

	(void)state;
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "[12]"));
	for (int y = 0; y < f->be->h; y++)
		for (const char *c = row(f, y); *c; c++)
			assert_true((unsigned char)*c < 0x80);
	/* a UTF-8 terminal with ASCII line drawing: the heading's rule too */
	f->be->unicode = 1;
	f->be->ascii_lines = 1;
	type(f, "g");
	for (int y = 2; y < f->be->h - 2; y++)     /* the pane's content */
		for (const char *c = row(f, y); *c; c++)
			assert_true((unsigned char)*c < 0x80);
	surface_mem_resize(f->be, 50, 14);
	app_resize(f->app, 50, 14);
	draw(f);
	assert_true(has(f, "cell 1/4"));
	type(f, "G");
	assert_true(has(f, "[14]"));
	surface_mem_resize(f->be, 120, 40);
	app_resize(f->app, 120, 40);
	draw(f);
	assert_true(has(f, "[14]"));
	fx_free(f);
}

static void test_new_notebook(void **state)
{
	struct fx *f = fx_new(80, 24, 1);

	(void)state;
	type(f, "N");
	type(f, "fresh");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "fresh.ipynb"));
	assert_true(has(f, "cell 1/1"));
	char *text = file_text(f, "fresh.ipynb");
	assert_non_null(strstr(text, "python3"));
	free(text);
	fx_free(f);
}

/* Two notebooks open at once: each keeps its cursor, edits, undo; the
 * line of open notebooks marks the modified one; the pick list; quitting
 * names both; closing asks and leaves a recovery copy; both copied. */
static void test_several_open(void **state)
{
	struct fx *f = fx_new(80, 24, 1);

	(void)state;
	key(f, SG_KEY_ENTER);                 /* a.ipynb */
	type(f, "jj");
	type(f, "b");                         /* a cell below the 3rd: undoable */
	key(f, SG_KEY_ENTER);
	type(f, "in_a = 1");
	key(f, SG_KEY_ESC);
	assert_true(has(f, "cell 4/5"));
	assert_false(has(f, " open)"));      /* one notebook: no line of them */
	key(f, SG_KEY_ESC);                   /* the list */
	type(f, "j");
	key(f, SG_KEY_ENTER);                 /* b.ipynb, a stays open */
	assert_true(has(f, "An empty notebook"));
	assert_int_equal(row_of(f, " a [+] \u2502"), row_of(f, " b \u2502"));
	assert_true(has(f, "(2/2 open)"));
	assert_int_equal(role_at(f, " b \u2502"), SG_ROLE_SELECTED);
	type(f, "b");                         /* b modified too */
	app_pane_event(f->app, -1);           /* recovery copies of both */
	assert_true(sg_nbrecovery_exists(f->ws, "a.ipynb", NULL, NULL));
	assert_true(sg_nbrecovery_exists(f->ws, "b.ipynb", NULL, NULL));
	/* back to a: its cursor, its text, its undo */
	type(f, "[");
	assert_true(has(f, "cell 4/5"));
	assert_true(has(f, "in_a = 1"));
	assert_true(has(f, "(1/2 open)"));
	type(f, "z");
	assert_false(has(f, "in_a = 1"));
	assert_true(has(f, "cell 3/4"));
	type(f, "]");
	assert_true(has(f, "cell 1/1"));
	type(f, "]");                         /* wraps */
	assert_true(has(f, "cell 3/4"));
	/* the list in the list view marks both open */
	key(f, SG_KEY_ESC);
	assert_true(has(f, "a.ipynb [+] (open)"));
	assert_true(has(f, "b.ipynb [+] (open)"));
	/* the pick list */
	type(f, "L");
	assert_true(has(f, "OPEN NOTEBOOK"));
	assert_true(has(f, "2 open notebooks"));
	type(f, "j");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "(2/2 open)"));
	/* quitting names both */
	type(f, "q");
	assert_true(has(f, "unsaved edits to a.ipynb, b.ipynb"));
	type(f, "n");
	/* closing b asks; a shows then, alone */
	type(f, "x");
	assert_true(has(f, "b.ipynb has unsaved edits: close it?"));
	type(f, "y");
	assert_true(has(f, "Closed b.ipynb"));
	assert_true(has(f, "cell 3/4"));
	assert_false(has(f, "open)"));
	assert_true(sg_nbrecovery_exists(f->ws, "b.ipynb", NULL, NULL));
	/* opened again: its copy is offered */
	key(f, SG_KEY_ESC);
	type(f, "j");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "were recovered"));
	key(f, SG_KEY_ESC);
	/* ? lists the new actions with their keys */
	type(f, "?");
	for (int i = 0; i < 200 && !has(f, "open-notebooks"); i++)
		key(f, 'j');
	assert_non_null(strstr(row(f, row_of(f, "next-notebook")), "]"));
	assert_non_null(strstr(row(f, row_of(f, "prev-notebook")), "["));
	assert_non_null(strstr(row(f, row_of(f, "close-notebook")), "x"));
	assert_non_null(strstr(row(f, row_of(f, "open-notebooks")), "L"));
	fx_free(f);
}

/* Many open notebooks with long names fit 80 columns: names shortened,
 * the shown one always there, the others counted at the edges. */
static void test_open_line_elided(void **state)
{
	struct fx *f = fx_new(80, 24, 1);
	char name[64];

	(void)state;
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "experiment_with_a_long_name_%02d.ipynb", i);
		free(tu_write(f->dir, name, "{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, "
			      "\"nbformat_minor\": 5}"));
	}
	type(f, "R");
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "experiment_with_a_long_name_%02d.ipynb", i);
		key(f, SG_KEY_ESC);
		key(f, SG_KEY_HOME);
		for (int k = 0; k < i + 2; k++)
			type(f, "j");
		key(f, SG_KEY_ENTER);
	}
	/* the line of open notebooks: the earlier ones counted at its left */
	int y = row_of(f, "<");
	assert_true(y >= 0);
	assert_non_null(strstr(row(f, y), "\u2026g_name_11")); /* middles cut */
	assert_null(strstr(row(f, y), ">"));
	assert_true(has(f, "(12/12 open)"));
	type(f, "]");                                      /* wraps to the first */
	y = row_of(f, ">");
	assert_true(y >= 0);
	assert_null(strstr(row(f, y), "<"));
	assert_true(has(f, "(1/12 open)"));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_and_open),
		cmocka_unit_test(test_collapse_expand),
		cmocka_unit_test(test_huge_output_truncated),
		cmocka_unit_test(test_conflict_cells),
		cmocka_unit_test(test_edit_save_commit),
		cmocka_unit_test(test_vi_editing),
		cmocka_unit_test(test_shift_enter),
		cmocka_unit_test(test_history_diff_restore),
		cmocka_unit_test(test_save_merges_and_shows_conflicts),
		cmocka_unit_test(test_cells_dd_undo_paste),
		cmocka_unit_test(test_recovery_offered),
		cmocka_unit_test(test_recovery_discarded_and_written),
		cmocka_unit_test(test_small_resize_ascii),
		cmocka_unit_test(test_new_notebook),
		cmocka_unit_test(test_several_open),
		cmocka_unit_test(test_open_line_elided),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
