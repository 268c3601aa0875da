/* test_render.c — the workbench rendered into the memory surface.
 *
 * A real workspace (store, runs, a dataset, a notebook) is opened and the
 * app state machine is driven with the same key codes the curses loop
 * feeds it; the assertions read the dumped rows and the cells' roles. */
#include "tests/testutil.h"
#include <fcntl.h>
#include <signal.h>
#include <curses.h>
#include "core/dataset.h"
#include "core/run.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/colors.h"
#include "tui/surface.h"

static const char notebook_json[] =
	"{\"cells\": ["
	"{\"cell_type\": \"code\", \"id\": \"c1\", \"metadata\": {}, \"source\": [\"print(1)\"],"
	" \"outputs\": [], \"execution_count\": null},"
	"{\"cell_type\": \"markdown\", \"id\": \"m1\", \"metadata\": {}, \"source\": [\"# Notes\"]}],"
	" \"metadata\": {\"kernelspec\": {\"display_name\": \"Python 3\", \"language\": \"python\","
	" \"name\": \"python3\"}}, \"nbformat\": 4, \"nbformat_minor\": 5}\n";

/* The workspace shared by every test (made once: git init is slow). */
static char *dir;
static struct sg_workspace *ws;

/* Per-test app on an 80×24 memory backend. */
struct fx {
	struct surface_backend *be;
	struct app *app;
};

/* Keys are handled and drawn; the background work is left alone. */
#define TT_AFTER_INPUT(f) draw(f)
#include "tests/tuitest.h"

static void add_run(const char *name, const char *kind, const char *lr, int finish)
{
	struct sg_run_spec spec = { .name = name, .experiment = "mnist", .kind = kind };
	struct sg_metric_point pts[] = { { "loss", 0, 0, 0.5 }, { "loss", 1, 0, 0.25 } };
	char id[SG_RUN_ID_LEN + 1];
	struct sg_error err = { 0 };

	assert_int_equal(sg_run_start(ws->store, &spec, id, &err), 0);
	assert_int_equal(sg_run_set_param(ws->store, id, "lr", lr, &err), 0);
	if (finish) {
		assert_int_equal(sg_run_set_param(ws->store, id, "epochs", "10", &err), 0);
		assert_int_equal(sg_run_log_metrics(ws->store, id, pts, 2, &err), 0);
		assert_int_equal(sg_run_finish(ws->store, id, SG_RUN_FINISHED, &err), 0);
	}
}

static int group_setup(void **state)
{
	struct sg_error err = { 0 };
	struct sg_dataset_info info;

	dir = tu_tempdir();
	/* Keep the user's own keymap and themes out of the picture. */
	tt_env(dir);
	ws = tt_workspace(dir);
	add_run("baseline-lr", "manual", "0.01", 1);
	usleep(10000); /* so "wide-net" is the newer run */
	add_run("wide-net", "train", "0.1", 0);
	free(tu_write(dir, "iris.csv", "sepal,petal,species\n5.1,1.4,setosa\n4.9,1.4,setosa\n"));
	assert_int_equal(sg_dataset_register(ws->store, ws->root, "iris.csv", NULL, 1, 0, NULL,
					     &info, &err), 0);
	free(tu_write(dir, "analysis.ipynb", notebook_json));
	*state = NULL;
	return 0;
}

static int group_teardown(void **state)
{
	sg_workspace_free(ws);
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static struct fx *fx_new(int w, int h, int unicode, const struct tui_options *opt)
{
	return tt_fx_new(ws, w, h, unicode, opt);
}

static int setup(void **state)
{
	*state = fx_new(80, 24, 1, NULL);
	return 0;
}

static int teardown(void **state)
{
	tt_fx_free(*state);
	return 0;
}

/* ---- the panes ---------------------------------------------------------------- */

static void test_data_pane_and_tabs(void **state)
{
	struct fx *f = *state;
	const char *r;

	assert_non_null(strstr(row(f, 0), "1 Data"));
	assert_non_null(strstr(row(f, 0), "2 Notebooks"));
	assert_non_null(strstr(row(f, 0), "3 Monitor"));
	assert_non_null(strstr(row(f, 0), "4 Experiments"));
	assert_int_equal(role_at(f, "1 Data"), SG_ROLE_TAB_ACTIVE);
	assert_int_equal(role_at(f, "2 Notebooks"), SG_ROLE_TAB);
	assert_non_null(strstr(row(f, 1), "Data"));
	assert_non_null(strstr(row(f, 2), "NAME"));
	assert_non_null(strstr(row(f, 2), "ROWS"));
	r = row(f, row_of(f, "iris"));
	assert_non_null(strstr(r, " 2 "));    /* rows */
	assert_non_null(strstr(r, " 3 "));    /* columns */
	assert_non_null(strstr(r, "-"));      /* no parent */
	/* The only row is selected. */
	assert_int_equal(role_at(f, "iris"), SG_ROLE_SELECTED);
	assert_false(has(f, "analysis.ipynb"));
}

static void test_notebooks_pane(void **state)
{
	struct fx *f = *state;
	const char *r;

	type(f, "2");
	assert_true(has(f, "analysis.ipynb"));
	r = row(f, row_of(f, "analysis.ipynb"));
	assert_non_null(strstr(r, "Python 3"));
	assert_non_null(strstr(r, " 2 "));     /* cells */
	assert_int_equal(role_at(f, "2 Notebooks"), SG_ROLE_TAB_ACTIVE);
	assert_int_equal(role_at(f, "1 Data"), SG_ROLE_TAB);
	assert_false(has(f, "iris "));
}

static void test_monitor_pane(void **state)
{
	struct fx *f = *state;

	key(f, SG_KEY_F3);
	assert_int_equal(role_at(f, "3 Monitor"), SG_ROLE_TAB_ACTIVE);
	assert_true(has(f, "1 running, 1 recent"));
	/* Running first and selected, then the finished one in its color. */
	assert_true(row_of(f, "wide-net") < row_of(f, "baseline-lr"));
	assert_int_equal(role_at(f, "RUNNING"), SG_ROLE_SELECTED);
	assert_int_equal(role_at(f, "FINISHED"), SG_ROLE_OK);
	assert_non_null(strstr(row(f, row_of(f, "wide-net")), "train"));
	type(f, "j");
	assert_int_equal(role_at(f, "RUNNING"), SG_ROLE_RUNNING);
	assert_int_equal(role_at(f, "FINISHED"), SG_ROLE_SELECTED);
}

static void test_experiments_pane(void **state)
{
	struct fx *f = *state;
	int hdr;
	const char *r;

	type(f, "4");
	assert_int_equal(role_at(f, "4 Experiments"), SG_ROLE_TAB_ACTIVE);
	hdr = row_of(f, "STATUS");
	assert_non_null(strstr(row(f, hdr), "ID"));
	assert_non_null(strstr(row(f, hdr), "NAME"));
	/* The params and metrics the runs use became columns. */
	assert_non_null(strstr(row(f, hdr), "lr"));
	assert_non_null(strstr(row(f, hdr), "epochs"));
	assert_non_null(strstr(row(f, hdr), "loss"));
	r = row(f, row_of(f, "baseline-lr"));
	assert_non_null(strstr(r, "0.01"));
	assert_non_null(strstr(r, "0.25"));
	assert_non_null(strstr(r, "FINISHED"));
	assert_non_null(strstr(r, "mnist"));
	r = row(f, row_of(f, "wide-net"));
	assert_non_null(strstr(r, "0.1 "));
	assert_non_null(strstr(r, "RUNNING"));
	assert_true(has(f, "1/2 runs"));
}

static void test_run_details(void **state)
{
	struct fx *f = *state;
	const char *r;

	type(f, "4j");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Params"));
	assert_true(has(f, "Metrics"));
	assert_false(has(f, "Artifacts"));  /* below the fold */
	assert_non_null(strstr(row(f, row_of(f, "Experiment ")), "mnist"));
	assert_non_null(strstr(row(f, row_of(f, "epochs")), "10"));
	r = row(f, row_of(f, "loss"));
	assert_non_null(strstr(r, "0.25 at step 1"));
	assert_non_null(strstr(r, "max 0.5"));
	assert_int_equal(role_at(f, "FINISHED"), SG_ROLE_OK);
	type(f, "G");  /* the details scroll */
	assert_true(has(f, "Artifacts"));
	assert_false(has(f, "Id    "));
	key(f, SG_KEY_ESC);  /* back */
	assert_false(has(f, "Params"));
	assert_true(has(f, "STATUS"));
}

static void test_dataset_details(void **state)
{
	struct fx *f = *state;

	type(f, "i");  /* Enter opens the table; i the details */
	assert_true(has(f, "SHA-256"));
	assert_non_null(strstr(row(f, row_of(f, "Path ")), "iris.csv"));
	assert_non_null(strstr(row(f, row_of(f, "Columns")), "3"));
	assert_true(has(f, "Derived datasets"));
	key(f, SG_KEY_BACKSPACE);
	assert_false(has(f, "SHA-256"));
}

static void test_notebook_details(void **state)
{
	struct fx *f = *state;

	type(f, "2");
	assert_true(has(f, "Python 3"));
	/* Enter opens the notebook: its cells, its kernel (none running) */
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "cell 1/2"));
	assert_true(has(f, "Python 3: "));  /* looking for a running kernel */
}

static void test_tab_cycles_panes(void **state)
{
	struct fx *f = *state;

	key(f, SG_KEY_TAB);
	assert_int_equal(role_at(f, "2 Notebooks"), SG_ROLE_TAB_ACTIVE);
	key(f, SG_KEY_BTAB);
	assert_int_equal(role_at(f, "1 Data"), SG_ROLE_TAB_ACTIVE);
	key(f, SG_KEY_BTAB);  /* wraps around */
	assert_int_equal(role_at(f, "4 Experiments"), SG_ROLE_TAB_ACTIVE);
	key(f, SG_KEY_F1);
	assert_int_equal(role_at(f, "1 Data"), SG_ROLE_TAB_ACTIVE);
	assert_int_equal(role_at(f, "4 Experiments"), SG_ROLE_TAB);
}

/* ---- the frame ----------------------------------------------------------------- */

static void test_status_bar(void **state)
{
	struct fx *f = *state;
	const char *last = row(f, 23);
	char want[128];

	snprintf(want, sizeof want, " %s ", ws->user);
	assert_non_null(strstr(last, want));
	assert_non_null(strstr(last, "1 running"));
	assert_non_null(strstr(last, "~"));  /* the root, with HOME = the workspace */
	assert_int_equal(surface_mem_cell(f->be, 23, 5)->role, SG_ROLE_STATUS);
	/* A transient message shows, then goes with the next key. */
	type(f, "x");
	assert_non_null(strstr(row(f, 23), "x is not bound"));
	type(f, "j");
	assert_null(strstr(row(f, 23), "not bound"));
}

static void test_help_overlay(void **state)
{
	struct fx *f = *state;
	const char *r;

	type(f, "?");
	r = row(f, row_of(f, "pane-data"));
	assert_non_null(strstr(r, "1, <F1>"));
	assert_non_null(strstr(r, "Show the Data pane"));
	assert_non_null(strstr(row(f, row_of(f, "split ")), "|"));
	assert_true(has(f, "quit"));
	assert_false(has(f, "theme NAME"));
	type(f, "G");  /* scrolls to the end */
	assert_true(has(f, "theme NAME"));
	assert_false(has(f, "Open the : command line"));
	type(f, "q");  /* closes help, does not quit */
	assert_int_equal(f->app->quit, 0);
	assert_false(has(f, "pane-data"));
	type(f, "?");
	assert_true(has(f, "pane-data"));
	key(f, SG_KEY_ESC);
	assert_false(has(f, "pane-data"));
	type(f, "??");
	assert_false(has(f, "pane-data"));
}

static void test_command_line(void **state)
{
	struct fx *f = *state;
	int cy, cx;

	type(f, ":");
	assert_int_equal(row(f, 23)[0], ':');
	surface_mem_cursor(f->be, &cy, &cx);
	assert_int_equal(cy, 23);
	assert_int_equal(cx, 1);
	type(f, "pan\t");
	assert_int_equal(strncmp(row(f, 23), ":pane- ", 7), 0);
	surface_mem_cursor(f->be, &cy, &cx);
	assert_int_equal(cx, 6);
	type(f, "e\t");
	assert_int_equal(strncmp(row(f, 23), ":pane-experiments ", 18), 0);
	key(f, SG_KEY_ENTER);
	assert_int_equal(role_at(f, "4 Experiments"), SG_ROLE_TAB_ACTIVE);
	surface_mem_cursor(f->be, &cy, &cx);
	assert_int_equal(cy, -1);  /* hidden again */

	/* "pa" is ambiguous (pane-*, page-*): the candidates are listed. */
	type(f, ":pa\t");
	assert_int_equal(strncmp(row(f, 23), ":pa ", 4), 0);
	assert_non_null(strstr(row(f, 22), "pane-data"));
	assert_non_null(strstr(row(f, 22), "page-up"));
	key(f, SG_KEY_ESC);
	assert_null(strstr(row(f, 23), ":pa"));

	type(f, ":bogus");
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(row(f, 23), "Unknown command: bogus"));
	assert_int_equal(role_at(f, "Unknown command"), SG_ROLE_ERROR);
}

static void test_command_editing(void **state)
{
	struct fx *f = *state;

	type(f, ":slitx");
	key(f, SG_KEY_BACKSPACE);
	key(f, SG_KEY_LEFT);
	key(f, SG_KEY_LEFT);
	key(f, SG_KEY_LEFT);
	type(f, "p");
	assert_int_equal(strncmp(row(f, 23), ":split ", 7), 0);
	key(f, SG_KEY_RIGHT);
	key(f, SG_KEY_DELETE);  /* removes the 'i' */
	type(f, "i");
	assert_int_equal(strncmp(row(f, 23), ":split ", 7), 0);
	key(f, SG_KEY_ENTER);
	assert_true(f->app->split);
	assert_true(has(f, "Notebooks \u2014"));
	type(f, ":th\t");
	assert_int_equal(strncmp(row(f, 23), ":theme ", 7), 0);
	type(f, "de\t");
	assert_int_equal(strncmp(row(f, 23), ":theme default ", 15), 0);
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(row(f, 23), "Theme default"));
}

static void test_split_layout(void **state)
{
	struct fx *f = *state;
	const struct surface_cell *c;

	type(f, "|");
	c = surface_mem_cell(f->be, 1, 0);
	assert_int_equal(c->ch, 0x250c);
	c = surface_mem_cell(f->be, 1, 40);
	assert_int_equal(c->ch, 0x250c);
	assert_int_equal(surface_mem_cell(f->be, 1, 39)->ch, 0x2510);
	assert_true(has(f, "iris"));
	assert_true(has(f, "analysis.ipynb"));
	/* The focused side's title stands out, the other is dim. */
	assert_int_equal(role_at(f, "Data \u2014"), SG_ROLE_TITLE);
	assert_int_equal(role_at(f, " Notebooks \u2014"), SG_ROLE_DIM);
	/* Focus the right side, then 3 shows the Monitor there. */
	type(f, "w3");
	assert_true(has(f, "iris"));
	assert_true(has(f, "wide-net"));
	assert_false(has(f, "analysis.ipynb"));
	assert_true(row_of(f, "Monitor \u2014") == 1);
	{
		int y, x;
		assert_int_equal(surface_mem_find(f->be, "Monitor \u2014", &y, &x), 0);
		assert_true(x > 40);
	}
	assert_int_equal(role_at(f, "3 Monitor"), SG_ROLE_TAB_ACTIVE);
	/* Choosing the pane the other side shows swaps the sides. */
	type(f, "1");
	{
		int y, xd, xm;
		assert_int_equal(surface_mem_find(f->be, "Data \u2014", &y, &xd), 0);
		assert_int_equal(surface_mem_find(f->be, "Monitor \u2014", &y, &xm), 0);
		assert_true(xd > 40 && xm < 40);
	}
	type(f, "|");
	assert_false(f->app->split);
	assert_int_equal(surface_mem_cell(f->be, 1, 40)->ch, 0x2500);
	assert_true(has(f, "iris"));
	assert_false(has(f, "wide-net"));
}

static void test_resize(void **state)
{
	struct fx *f = *state;

	surface_mem_resize(f->be, 120, 40);
	app_resize(f->app, 120, 40);
	app_draw(f->app);
	assert_non_null(strstr(row(f, 39), "1 running"));
	assert_int_equal(surface_mem_cell(f->be, 1, 119)->ch, 0x2510);
	assert_int_equal(surface_mem_cell(f->be, 38, 0)->ch, 0x2514);
	assert_true(has(f, "REGISTERED"));  /* the wider table shows more columns */

	surface_mem_resize(f->be, 30, 8);
	app_resize(f->app, 30, 8);
	app_draw(f->app);
	assert_true(has(f, "terminal too small"));
	assert_true(has(f, "(need 40x10)"));
	assert_false(has(f, "Data"));
	type(f, "2");  /* keys still work while too small */

	surface_mem_resize(f->be, 40, 10);
	app_resize(f->app, 40, 10);
	app_draw(f->app);
	assert_false(has(f, "too small"));
	assert_true(has(f, "analysis"));
	assert_non_null(strstr(row(f, 9), "running"));
}

static void test_ascii_lines(void **state)
{
	struct tui_options opt = { .ascii = 1 };
	struct fx *f = fx_new(80, 24, 1, &opt);
	struct fx *g = fx_new(80, 24, 0, NULL);

	assert_int_equal(surface_mem_cell(f->be, 1, 0)->ch, '+');
	assert_int_equal(strncmp(row(f, 1), "+- Data", 7), 0);
	assert_int_equal(surface_mem_cell(f->be, 2, 0)->ch, '|');
	assert_false(has(f, "\u2500"));
	/* A backend without Unicode falls back to ASCII on its own. */
	assert_int_equal(surface_mem_cell(g->be, 1, 0)->ch, '+');
	assert_int_equal(strncmp(row(g, 1), "+- Data - 1/1 dataset -", 23), 0);
	/* The default in a UTF-8 locale is box drawing. */
	assert_int_equal(strncmp(row(*state, 1), "\u250c\u2500 Data", 9), 0);
	teardown((void **)&f);
	teardown((void **)&g);
}

/* ---- quitting, signals, reloading -------------------------------------------- */

static const char *fake_unsaved(struct pane *p)
{
	return "edits to analysis.ipynb";
}

static void test_quit(void **state)
{
	struct fx *f = *state;
	struct pane_ops ops = *f->app->panes[1].ops;
	const struct pane_ops *saved = f->app->panes[1].ops;

	ops.unsaved = fake_unsaved;
	f->app->panes[1].ops = &ops;
	type(f, "q");
	assert_int_equal(f->app->quit, 0);
	assert_int_equal(f->app->mode, APP_CONFIRM);
	assert_non_null(strstr(row(f, 23), "Quit and lose edits to analysis.ipynb? (y/n)"));
	type(f, "n");
	assert_int_equal(f->app->quit, 0);
	assert_non_null(strstr(row(f, 23), "Not quitting"));
	type(f, "qy");
	assert_int_equal(f->app->quit, 1);
	assert_int_equal(f->app->exit_code, 0);
	f->app->panes[1].ops = saved;

	f->app->quit = 0;
	type(f, "q");
	assert_int_equal(f->app->quit, 1);
}

static void test_signals(void **state)
{
	struct fx *f = *state;

	app_signal(f->app, SIGTERM);
	assert_int_equal(f->app->quit, 1);
	assert_int_equal(f->app->exit_code, 128 + SIGTERM);
	f->app->quit = 0;
	app_signal(f->app, SIGHUP);
	assert_int_equal(f->app->exit_code, 128 + SIGHUP);
	f->app->quit = 0;
	app_signal(f->app, SIGINT);
	assert_int_equal(f->app->quit, 1);
	assert_int_equal(f->app->exit_code, 128 + SIGINT);
}

static void test_reload_when_store_changes(void **state)
{
	struct fx *f = *state;
	struct sg_error err = { 0 };
	struct sg_workspace *other = sg_workspace_open(dir, 0, &err);
	struct sg_run_spec spec = { .name = "late-run", .experiment = "cifar" };
	char id[SG_RUN_ID_LEN + 1];
	long long version = f->app->data_version;

	assert_non_null(other);
	type(f, "3");
	app_tick(f->app);
	assert_true(f->app->data_version == version);  /* nothing changed */
	assert_false(has(f, "late-run"));
	/* Another process starts a run: the timer notices and reloads. */
	assert_int_equal(sg_run_start(other->store, &spec, id, &err), 0);
	assert_int_equal(app_tick(f->app), 1);
	assert_true(f->app->data_version != version);
	app_draw(f->app);
	assert_true(has(f, "late-run"));
	assert_non_null(strstr(row(f, 23), "2 running"));
	assert_int_equal(sg_run_delete(other->store, id, &err), 0);
	sg_workspace_free(other);
	app_tick(f->app);
	app_draw(f->app);
	assert_false(has(f, "late-run"));
	assert_non_null(strstr(row(f, 23), "1 running"));
}

static void test_bad_theme_and_keymap(void **state)
{
	struct tui_options opt = { .theme = "broken" };
	char *themes = sg_path_join(dir, "mythemes"), *cfg = sg_path_join(dir, ".config/sagetty");
	struct fx *f;

	assert_int_equal(sg_mkdir_p(themes, 0755, NULL), 0);
	assert_int_equal(sg_mkdir_p(cfg, 0755, NULL), 0);
	free(tu_write(themes, "broken.theme", "color status red blue\ncolor nosuchrole red blue\n"));
	free(tu_write(themes, "calm.theme", "color status white blue\n"));
	free(tu_write(cfg, "keymap", "bind global x pane-monitor\n"));
	setenv("SAGETTY_THEMES", themes, 1);

	/* A good user keymap adds its binding. */
	f = fx_new(80, 24, 1, NULL);
	type(f, "x");
	assert_int_equal(role_at(f, "3 Monitor"), SG_ROLE_TAB_ACTIVE);
	type(f, ":theme ca\t");
	assert_int_equal(strncmp(row(f, 23), ":theme calm ", 12), 0);
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(row(f, 23), "Theme calm"));
	assert_int_equal(f->app->theme.role[SG_ROLE_STATUS].bg, 4);
	type(f, ":theme nosuch");
	key(f, SG_KEY_ENTER);
	assert_int_equal(role_at(f, "nosuch"), SG_ROLE_ERROR);
	assert_int_equal(f->app->theme.role[SG_ROLE_STATUS].bg, 4);  /* kept */
	teardown((void **)&f);

	/* A bad theme and a bad keymap are both reported; defaults are used. */
	free(tu_write(cfg, "keymap", "bind global x nosuchaction\n"));
	f = fx_new(80, 24, 1, &opt);
	/* Too long for the status bar: wrapped above it, nothing lost. */
	assert_true(has(f, "broken.theme:2:"));
	assert_true(has(f, "unknown action"));
	assert_true(row_of(f, "broken.theme:2:") >= 20);
	assert_int_equal(role_at(f, "broken.theme"), SG_ROLE_ERROR);
	type(f, "x");
	assert_int_equal(role_at(f, "1 Data"), SG_ROLE_TAB_ACTIVE);
	teardown((void **)&f);

	unsetenv("SAGETTY_THEMES");
	tu_rmtree(cfg);
	free(themes);
	free(cfg);
}

static void test_refuses_without_terminal(void **state)
{
	struct sg_error err = { 0 };
	int saved = dup(STDIN_FILENO), null = open("/dev/null", O_RDONLY);

	dup2(null, STDIN_FILENO);
	assert_int_equal(tui_run(ws, NULL, &err), -1);
	dup2(saved, STDIN_FILENO);
	close(saved);
	close(null);
	assert_int_equal(err.code, SG_E_USAGE);
	assert_non_null(strstr(err.msg, "terminal"));
	assert_null(stdscr);  /* curses was never started */
}

/* ---- the surface itself --------------------------------------------------------- */

static void test_surface_text(void **state)
{
	struct surface_backend *be = surface_mem_new(10, 3, 1);
	struct surface root = surface_root(be), sub = surface_sub(&root, 1, 2, 1, 5);
	char buf[256];

	/* Control characters and invalid bytes never reach the terminal. */
	surface_text(&root, 0, 0, SG_ROLE_NORMAL, "a\x1b[1mb\xff");
	assert_string_equal(surface_mem_row(be, 0, buf, sizeof buf), "a\uFFFD[1mb\uFFFD   ");
	/* A wide character that would straddle the clip is not split. */
	assert_int_equal(surface_text(&sub, 0, 0, SG_ROLE_NORMAL, "\u65e5\u672c\u8a9e"), 4);
	assert_string_equal(surface_mem_row(be, 1, buf, sizeof buf), "  \u65e5\u672c    ");
	assert_int_equal(surface_mem_cell(be, 1, 6)->ch, ' ');
	assert_int_equal(surface_mem_cell(be, 1, 3)->ch, SURFACE_CONT);
	assert_int_equal(text_width("\u65e5\u672c\u8a9e", 1), 6);
	/* Clipping and ellipsis. */
	surface_textw(&root, 2, 0, 6, SG_ROLE_NUMBER, TEXT_ELLIPSIS, "abcdefghij");
	assert_string_equal(surface_mem_row(be, 2, buf, sizeof buf), "abcde\u2026    ");
	assert_int_equal(surface_mem_cell(be, 2, 0)->role, SG_ROLE_NUMBER);
	surface_textw(&root, 2, 0, 10, SG_ROLE_NORMAL, TEXT_RIGHT | TEXT_PAD, "42");
	assert_string_equal(surface_mem_row(be, 2, buf, sizeof buf), "        42");
	be->ops->free(be);

	/* Without Unicode everything non-ASCII is a '?' one column wide. */
	be = surface_mem_new(6, 1, 0);
	root = surface_root(be);
	surface_text(&root, 0, 0, SG_ROLE_NORMAL, "\u00e9\u65e5x\u2014");
	assert_string_equal(surface_mem_row(be, 0, buf, sizeof buf), "??x-  ");
	be->ops->free(be);
}

/* Counts the cells a table asks for. */
static int cells_asked;

static const char *count_cell(void *ud, size_t row_i, int col, char *buf, size_t n,
			      enum sg_role *role)
{
	cells_asked++;
	snprintf(buf, n, "r%zu", row_i);
	return buf;
}

static void test_table_scrolls_virtually(void **state)
{
	static const struct table_col cols[] = { { "ROW", 6, COL_FLEX } };
	struct surface_backend *be = surface_mem_new(20, 10, 1);
	struct surface root = surface_root(be);
	struct table t = { .cols = cols, .ncols = 1 };
	char buf[256];

	table_set_rows(&t, 100000);
	table_resize(&t, 10);
	table_draw(&t, &root, count_cell, NULL, NULL);
	assert_int_equal(cells_asked, 9);  /* only the visible rows */
	assert_int_equal(table_action(&t, SG_ACTION_PAGE_DOWN), PANE_REDRAW);
	assert_int_equal(t.sel, 8);
	assert_int_equal(table_action(&t, SG_ACTION_LAST), PANE_REDRAW);
	be->ops->clear_all(be);
	table_draw(&t, &root, count_cell, NULL, NULL);
	assert_non_null(strstr(surface_mem_row(be, 9, buf, sizeof buf), "r99999"));
	assert_int_equal(surface_mem_cell(be, 9, 1)->role, SG_ROLE_SELECTED);
	assert_int_equal(table_action(&t, SG_ACTION_MOVE_DOWN), PANE_HANDLED);
	assert_int_equal(table_action(&t, SG_ACTION_OPEN), PANE_UNHANDLED);
	be->ops->free(be);
}

static void test_curses_keys_and_colors(void **state)
{
	struct sg_theme t;
	struct colors_spec sp;

	assert_int_equal(surface_curses_key(1, KEY_F(1)), SG_KEY_F1);
	assert_int_equal(surface_curses_key(1, KEY_F(4)), SG_KEY_F4);
	assert_int_equal(surface_curses_key(1, KEY_BTAB), SG_KEY_BTAB);
	assert_int_equal(surface_curses_key(1, KEY_RESIZE), SG_KEY_RESIZE);
	assert_int_equal(surface_curses_key(1, KEY_UP), SG_KEY_UP);
	assert_int_equal(surface_curses_key(1, KEY_NPAGE), SG_KEY_PGDN);
	assert_int_equal(surface_curses_key(1, KEY_BACKSPACE), SG_KEY_BACKSPACE);
	assert_int_equal(surface_curses_key(0, '\r'), SG_KEY_ENTER);
	assert_int_equal(surface_curses_key(0, 'q'), 'q');
	assert_int_equal(surface_curses_key(0, 0xe9), 0xe9);

	sg_theme_default(&t);
	t.role[SG_ROLE_ERROR].fg = 196;
	t.role[SG_ROLE_ERROR].bg = SG_COLOR_DEFAULT;
	colors_resolve(&t, COLORS_256, SG_ROLE_ERROR, &sp);
	assert_int_equal(sp.fg, 196);
	colors_resolve(&t, COLORS_8, SG_ROLE_ERROR, &sp);
	assert_int_equal(sp.fg, sg_color_to8(196));
	assert_true(sp.fg >= 0 && sp.fg < 8);
	assert_int_equal(sp.bg, SG_COLOR_DEFAULT);
	/* A dark gray on the default background would turn black: dimmed
	 * default foreground instead. */
	t.role[SG_ROLE_BORDER].fg = 240;
	t.role[SG_ROLE_BORDER].bg = SG_COLOR_DEFAULT;
	t.role[SG_ROLE_BORDER].attrs = 0;
	colors_resolve(&t, COLORS_8, SG_ROLE_BORDER, &sp);
	assert_int_equal(sp.fg, SG_COLOR_DEFAULT);
	assert_true(sp.attrs & SG_ATTR_DIM);
	colors_resolve(&t, COLORS_256, SG_ROLE_BORDER, &sp);
	assert_int_equal(sp.fg, 240);
	colors_resolve(&t, COLORS_MONO, SG_ROLE_SELECTED, &sp);
	assert_int_equal(sp.attrs, sg_role_mono_attrs(SG_ROLE_SELECTED));
	assert_int_equal(sp.fg, SG_COLOR_DEFAULT);
	setenv("NO_COLOR", "1", 1);
	assert_true(colors_env_disabled());
	setenv("NO_COLOR", "", 1);
	assert_false(colors_env_disabled());
	unsetenv("NO_COLOR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_data_pane_and_tabs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notebooks_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_experiments_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dataset_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notebook_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tab_cycles_panes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_bar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_overlay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_editing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ascii_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_when_store_changes, setup, teardown),
		cmocka_unit_test(test_bad_theme_and_keymap),
		cmocka_unit_test(test_refuses_without_terminal),
		cmocka_unit_test(test_surface_text),
		cmocka_unit_test(test_table_scrolls_virtually),
		cmocka_unit_test(test_curses_keys_and_colors),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
