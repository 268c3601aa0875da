/* test_pane_experiments.c — the Experiments pane rendered into the memory
 * surface: columns from params and metrics, sorting, filtering (and a bad
 * expression's error column), metric summaries, groups with mean ± std,
 * marks, the comparison (differences only), charts (Braille, ASCII, a
 * million points, NaN and ±Inf), tag and note edits, deleting with
 * confirmation, export, and a run deleted underneath.
 *
 * Every test gets a fresh workspace with six runs whose values are known
 * (run_acc() and friends), so the screen can be checked against them. */
#include "tests/testutil.h"
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include "core/run.h"
#include "core/runquery.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/chart.h"
#include "tui/surface.h"

#define NRUNS 6
#define NSTEPS 10

static const char *const names[NRUNS] = { "run-a", "run-b", "run-c", "run-d", "run-e", "run-f" };
static const char *const lrs[NRUNS] = { "0.1", "0.03", "0.01", "0.003", "0.001", "0.0003" };
static const char *const depths[NRUNS] = { "2", "4", "4", "8", "8", "8" };
static const double accs[NRUNS] = { 0.71, 0.93, 0.85, 0.62, 0.98, 0.77 };

struct fx {
	char *dir;
	struct sg_workspace *ws;
	struct surface_backend *be;
	struct app *app;
	char id[NRUNS][SG_RUN_ID_LEN + 1];
};

#include "tests/tuitest.h"

/* acc of run i at step s: rises to accs[i]; run-c spikes to 0.99 at 5. */
static double acc_at(int i, int s)
{
	if (i == 2 && s == 5)
		return 0.99;
	return accs[i] * (s + 1) / NSTEPS;
}

/* Six finished runs, run-a oldest, each with lr, depth, opt, acc, loss. */
static void add_runs(struct fx *f)
{
	struct sg_error err = { 0 };

	for (int i = 0; i < NRUNS; i++) {
		struct sg_run_spec spec = { .name = names[i], .experiment = "mnist" };
		struct sg_metric_point pts[2 * NSTEPS];
		assert_int_equal(sg_run_start(f->ws->store, &spec, f->id[i], &err), 0);
		assert_int_equal(sg_run_set_param(f->ws->store, f->id[i], "lr", lrs[i], &err), 0);
		assert_int_equal(sg_run_set_param(f->ws->store, f->id[i], "depth", depths[i], &err), 0);
		assert_int_equal(sg_run_set_param(f->ws->store, f->id[i], "opt",
						  i % 2 ? "sgd" : "adam", &err), 0);
		for (int s = 0; s < NSTEPS; s++) {
			pts[2 * s] = (struct sg_metric_point){ "acc", s, 0, acc_at(i, s) };
			pts[2 * s + 1] = (struct sg_metric_point){ "loss", s, 0,
								   1 - acc_at(i, s) + i * 0.01 };
		}
		assert_int_equal(sg_run_log_metrics(f->ws->store, f->id[i], pts, 2 * NSTEPS, &err), 0);
		assert_int_equal(sg_run_finish(f->ws->store, f->id[i], SG_RUN_FINISHED, &err), 0);
		usleep(3000);   /* distinct start times: newest first is run-f..run-a */
	}
}

static int group_setup(void **state)
{
	tt_env(NULL);
	return 0;
}

/* A fresh workspace with the six runs, the app at w×h on Experiments. */
static struct fx *fx_new(int w, int h, const struct tui_options *opt)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tempdir();
	setenv("HOME", f->dir, 1);
	f->ws = tt_workspace(f->dir);
	add_runs(f);
	tt_app(f, f->ws, w, h, 1, opt);
	type(f, "4");
	return f;
}

static int setup(void **state)
{
	*state = fx_new(80, 24, NULL);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tt_app_free(f);
	sg_workspace_free(f->ws);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The header row of the runs table. */
static int header(struct fx *f)
{
	return row_of(f, "STATUS");
}

/* The screen column where ASCII text starts on row y, or -1. */
static int find_in_row(struct fx *f, int y, const char *text)
{
	int n = (int)strlen(text);

	for (int x = 0; x + n <= f->be->w; x++) {
		int k = 0;
		while (k < n && surface_mem_cell(f->be, y, x + k)->ch == (uint32_t)text[k])
			k++;
		if (k == n)
			return x;
	}
	return -1;
}

/* Moves the column cursor onto the column titled title. */
static void to_column(struct fx *f, const char *title)
{
	for (int i = 0; i < 30; i++)
		app_handle_key(f->app, 'h');
	settle(f);
	for (int i = 0; i < 30; i++) {
		int y = header(f), x = find_in_row(f, y, title);
		if (x >= 0 && surface_mem_cell(f->be, y, x)->role == SG_ROLE_CURSOR)
			return;
		key(f, 'l');
	}
	fail_msg("no column '%s'", title);
}

/* 1 when row y is the selected one. */
static int selected(struct fx *f, int y)
{
	return surface_mem_cell(f->be, y, 3)->role == SG_ROLE_SELECTED;
}

/* Selects run name (from the top). */
static void select_run(struct fx *f, const char *name)
{
	key(f, 'g');
	for (int i = 0; i < NRUNS + 1; i++) {
		if (selected(f, row_of(f, name)))
			return;
		key(f, 'j');
	}
	fail_msg("cannot select %s", name);
}

/* The screen rows of the runs, top to bottom, as run indexes into order[];
 * returns how many runs are on screen. */
static int screen_order(struct fx *f, int *order)
{
	int n = 0;

	for (int y = 0; y < f->be->h; y++)
		for (int i = 0; i < NRUNS; i++)
			if (strstr(row(f, y), names[i]) && strstr(row(f, y), "FINISHED"))
				order[n++] = i;
	return n;
}

/* ---- the table ------------------------------------------------------------------ */

static void test_columns_from_keys(void **state)
{
	struct fx *f = *state;
	int h = header(f), order[NRUNS];
	const char *r;

	/* the params and metrics the runs have became columns */
	assert_non_null(strstr(row(f, h), "ID"));
	assert_non_null(strstr(row(f, h), "NAME"));
	assert_non_null(strstr(row(f, h), "depth"));
	assert_non_null(strstr(row(f, h), "lr"));
	assert_non_null(strstr(row(f, h), "opt"));
	assert_non_null(strstr(row(f, h), "acc"));
	assert_true(has(f, "1/6 runs"));
	/* values by run, newest first */
	r = row(f, row_of(f, "run-c"));
	assert_non_null(strstr(r, " 0.01 "));
	assert_non_null(strstr(r, " 0.85"));
	assert_non_null(strstr(r, "adam"));
	assert_int_equal(screen_order(f, order), NRUNS);
	for (int i = 0; i < NRUNS; i++)
		assert_int_equal(order[i], NRUNS - 1 - i);
	assert_false(has(f, "EXPERIMENT"));   /* off to the right at 80 columns */
	/* wider: every column fits */
	surface_mem_resize(f->be, 140, 40);
	app_resize(f->app, 140, 40);
	app_draw(f->app);
	h = header(f);
	assert_non_null(strstr(row(f, h), "loss"));
	assert_non_null(strstr(row(f, h), "EXPERIMENT"));
	assert_non_null(strstr(row(f, row_of(f, "run-b")), "mnist"));
	/* narrow: the current column is kept in view */
	surface_mem_resize(f->be, 50, 14);
	app_resize(f->app, 50, 14);
	app_draw(f->app);
	to_column(f, "acc");
	assert_non_null(strstr(row(f, header(f)), "acc"));
	assert_null(strstr(row(f, header(f)), "NAME"));
}

static void test_column_chooser(void **state)
{
	struct fx *f = *state;

	type(f, "c");
	assert_true(has(f, "[x]  param.depth"));
	assert_true(has(f, "[x]  metric.acc"));
	assert_true(has(f, "columns: 5 chosen"));
	type(f, "m");                       /* depth off, down to lr */
	assert_true(has(f, "[ ]  param.depth"));
	type(f, "m");
	assert_true(has(f, "[ ]  param.lr"));
	key(f, SG_KEY_ESC);
	assert_null(strstr(row(f, header(f)), "depth"));
	assert_null(strstr(row(f, header(f)), " lr"));
	assert_non_null(strstr(row(f, header(f)), "opt"));
	type(f, "c");
	key(f, SG_KEY_ENTER);               /* Enter toggles too: depth back, at the end */
	key(f, SG_KEY_ESC);
	assert_true(strstr(row(f, header(f)), "acc") < strstr(row(f, header(f)), "depth"));
	/* the help lists the pane's keys */
	type(f, "?");                       /* paged down to the pane's actions */
	for (int i = 0; i < 20 && !has(f, "compare "); i++)
		key(f, SG_KEY_PGDN);
	assert_non_null(strstr(row(f, row_of(f, "compare ")), "C"));
	assert_non_null(strstr(row(f, row_of(f, "diff-only")), "d"));
	type(f, "?");
}

static void test_sort(void **state)
{
	struct fx *f = *state;
	int order[NRUNS];

	command(f, "columns metric.acc,param.lr");
	to_column(f, "acc");
	type(f, "]");
	assert_int_equal(screen_order(f, order), NRUNS);
	for (int i = 1; i < NRUNS; i++)
		assert_true(accs[order[i - 1]] > accs[order[i]]);
	assert_int_equal(order[0], 4);            /* run-e, 0.98 */
	assert_true(has(f, "by metric.acc \u2193"));
	type(f, "[");
	screen_order(f, order);
	for (int i = 1; i < NRUNS; i++)
		assert_true(accs[order[i - 1]] < accs[order[i]]);
	type(f, "[");                             /* the same again: newest first */
	screen_order(f, order);
	assert_int_equal(order[0], NRUNS - 1);
	assert_false(has(f, "by metric.acc"));
	/* a param sorts numerically: 0.0003 < 0.001 < … < 0.1 */
	to_column(f, "lr");
	type(f, "[");
	screen_order(f, order);
	for (int i = 0; i < NRUNS; i++)
		assert_int_equal(order[i], NRUNS - 1 - i);
	type(f, "]");
	screen_order(f, order);
	for (int i = 0; i < NRUNS; i++)
		assert_int_equal(order[i], i);
	/* the ID column cannot be sorted */
	to_column(f, "ID");
	type(f, "[");
	assert_true(has(f, "cannot be sorted"));
}

static void test_filter(void **state)
{
	struct fx *f = *state;
	int order[NRUNS], n;
	const char *bad = "metric.acc > 0.8 and bogus == 1";

	command(f, "filter metric.acc > 0.8");
	n = screen_order(f, order);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		assert_true(accs[order[i]] > 0.8);
	assert_true(has(f, "1/3 runs"));
	assert_true(has(f, "where metric.acc > 0.8"));
	/* f reopens the prompt holding the filter */
	type(f, "f");
	assert_int_equal(f->app->mode, APP_COMMAND);
	assert_string_equal(f->app->cmd, "filter metric.acc > 0.8");
	key(f, SG_KEY_ESC);
	/* a bad expression: the message, the prompt again, cursor at the error */
	type(f, ":filter ");
	type(f, bad);
	key(f, SG_KEY_ENTER);
	assert_int_equal(f->app->mode, APP_COMMAND);
	assert_non_null(strstr(f->app->msg, "where:1:22:"));
	assert_non_null(strstr(f->app->cmd, bad));
	assert_int_equal(f->app->cmd_pos, strlen("filter ") + 21);
	key(f, SG_KEY_ESC);
	app_draw(f->app);
	assert_int_equal(screen_order(f, order), 3);   /* the old filter stays */
	/* Esc in the table drops the filter */
	key(f, SG_KEY_ESC);
	assert_int_equal(screen_order(f, order), NRUNS);
	assert_true(has(f, "1/6 runs"));
	/* nothing matches */
	command(f, "filter param.opt == \"rmsprop\"");
	assert_true(has(f, "No runs match"));
}

static void test_summary_switch(void **state)
{
	struct fx *f = *state;
	int y;

	command(f, "columns metric.acc");
	to_column(f, "acc");
	y = row_of(f, "run-c");
	assert_non_null(strstr(row(f, y), " 0.85"));
	type(f, "s");
	assert_non_null(strstr(row(f, header(f)), "acc.min"));
	assert_non_null(strstr(row(f, row_of(f, "run-c")), " 0.085"));
	type(f, "s");
	assert_non_null(strstr(row(f, header(f)), "acc.max"));
	assert_non_null(strstr(row(f, row_of(f, "run-c")), " 0.99"));
	assert_non_null(strstr(row(f, row_of(f, "run-e")), " 0.98"));
	type(f, "s");
	assert_null(strstr(row(f, header(f)), "acc."));
	assert_non_null(strstr(row(f, row_of(f, "run-c")), " 0.85"));
	/* a param column has no summary */
	to_column(f, "NAME");
	type(f, "s");
	assert_true(has(f, "Move to a metric column"));
}

/* mean ± std of acc over the runs with depth d, formatted as the pane does. */
static void expected_stat(const char *d, char *buf, size_t n)
{
	double sum = 0, sq = 0, mean;
	int k = 0;

	for (int i = 0; i < NRUNS; i++)
		if (strcmp(depths[i], d) == 0)
			sum += accs[i], k++;
	mean = sum / k;
	for (int i = 0; i < NRUNS; i++)
		if (strcmp(depths[i], d) == 0)
			sq += (accs[i] - mean) * (accs[i] - mean);
	snprintf(buf, n, "%.4g \u00b1 %.4g", mean, sqrt(sq / (k - 1)));
}

static void test_group_by(void **state)
{
	struct fx *f = *state;
	char want[64];
	int y;

	command(f, "columns metric.acc,param.depth");
	command(f, "group param.depth");
	assert_true(has(f, "COUNT"));
	assert_true(has(f, "3 groups"));
	y = row_of(f, "2  ");
	assert_non_null(strstr(row(f, y), " 1 "));
	assert_non_null(strstr(row(f, y), "0.71"));
	assert_null(strstr(row(f, y), "\u00b1"));     /* one run: no std */
	expected_stat("4", want, sizeof want);
	assert_non_null(strstr(row(f, row_of(f, want)), " 2 "));
	expected_stat("8", want, sizeof want);
	assert_non_null(strstr(want, "0.79 \u00b1 0.1808"));   /* the numbers, by hand */
	y = row_of(f, want);
	assert_non_null(strstr(row(f, y), " 3 "));
	/* Enter on the group of 8: its runs */
	key(f, 'G');
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "1/3 runs"));
	assert_true(has(f, "where param.depth == 8"));
	/* b on a column groups by it; Esc back */
	key(f, SG_KEY_ESC);
	to_column(f, "depth");
	type(f, "b");
	assert_true(has(f, "3 groups"));
	key(f, SG_KEY_ESC);
	assert_true(has(f, "1/6 runs"));
	/* a metric cannot be a group */
	to_column(f, "acc");
	type(f, "b");
	assert_true(has(f, "Group by a param"));
}

/* ---- marks and the comparison ------------------------------------------------------------ */

/* Marks run-b and run-c. */
static void mark_two(struct fx *f)
{
	select_run(f, "run-c");
	type(f, "m");
	select_run(f, "run-b");
	type(f, "m");
	assert_true(has(f, "2 marked"));
}

static void test_marks_and_compare(void **state)
{
	struct fx *f = *state;
	int y;

	mark_two(f);
	assert_int_equal(role_at(f, "*"), SG_ROLE_PROMPT);
	assert_non_null(strstr(row(f, row_of(f, "run-b")), "*"));
	assert_non_null(strstr(row(f, row_of(f, "run-c")), "*"));
	assert_null(strstr(row(f, row_of(f, "run-a")), "*"));
	type(f, "C");
	assert_true(has(f, "compare 2 runs"));
	y = row_of(f, "run-c");
	assert_non_null(strstr(row(f, y), "run-b"));    /* one column per run */
	assert_true(has(f, "Params"));
	assert_true(has(f, "Metrics"));
	assert_non_null(strstr(row(f, row_of(f, "  lr")), "0.01"));
	assert_non_null(strstr(row(f, row_of(f, "  lr")), "0.03"));
	assert_non_null(strstr(row(f, row_of(f, "  depth")), "4"));
	assert_int_equal(role_at(f, "  lr"), SG_ROLE_KEY);      /* differs */
	assert_true(has(f, "acc.max"));
	assert_non_null(strstr(row(f, row_of(f, "acc.max")), "0.99"));
	/* differences only: depth (4 and 4) and opt (sgd… no: adam/sgd) */
	type(f, "d");
	assert_true(has(f, "differences only"));
	assert_false(has(f, "  depth"));
	assert_true(has(f, "  lr"));
	assert_true(has(f, "  opt"));          /* adam vs sgd */
	type(f, "d");
	assert_true(has(f, "  depth"));
	key(f, SG_KEY_ESC);
	assert_true(has(f, "2 marked"));
	type(f, "M");
	assert_false(has(f, "marked"));
	type(f, "C");
	assert_true(has(f, "Mark two runs"));
}

/* ---- charts ---------------------------------------------------------------------------------- */

/* Counts Braille cells (U+2801..28FF) in rows [y0, y1). */
static int braille_cells(struct fx *f, int y0, int y1)
{
	int n = 0;

	for (int y = y0; y < y1; y++)
		for (int x = 0; x < f->be->w; x++) {
			uint32_t ch = surface_mem_cell(f->be, y, x)->ch;
			n += ch > 0x2800 && ch <= 0x28FF;
		}
	return n;
}

static void test_chart_marked(void **state)
{
	struct fx *f = *state;
	int legend;

	mark_two(f);
	command(f, "chart acc");
	assert_true(has(f, "acc over steps, 2 runs"));
	assert_true(braille_cells(f, 2, 20) > 10);
	legend = row_of(f, "run-b");
	assert_non_null(strstr(row(f, legend), "run-c"));       /* both in the legend */
	assert_true(has(f, "0.99"));         /* y max: run-c's spike */
	assert_true(has(f, "0.085"));        /* y min: run-c's first step */
	assert_true(has(f, "step"));
	assert_non_null(strstr(row(f, legend - 1), " 9"));      /* last step */
	/* the two series in two colors */
	{
		int seen[SG_ROLE_COUNT] = { 0 }, colors = 0;
		for (int y = 2; y < legend - 1; y++)
			for (int x = 0; x < f->be->w; x++) {
				const struct surface_cell *c = surface_mem_cell(f->be, y, x);
				if (c->ch > 0x2800 && c->ch <= 0x28FF && !seen[c->role]++)
					colors++;
			}
		assert_int_equal(colors, 2);
	}
	key(f, SG_KEY_ESC);
	assert_true(has(f, "STATUS"));
	/* v on a metric column, from the comparison's metric row */
	type(f, "C");
	command(f, "chart metric.loss");
	assert_true(has(f, "loss over steps, 2 runs"));
	key(f, SG_KEY_ESC);
	assert_true(has(f, "compare 2 runs"));    /* back where it came from */
}

static void test_chart_ascii(void **state)
{
	struct tui_options opt = { .ascii = 1 };
	struct fx *f = fx_new(80, 24, &opt);

	mark_two(f);
	command(f, "chart acc");
	assert_int_equal(braille_cells(f, 0, 24), 0);
	assert_true(has(f, "* run-"));     /* legend markers */
	assert_true(has(f, "+ run-"));
	{
		int stars = 0;
		for (int y = 2; y < 20; y++)
			for (const char *r = row(f, y); *r; r++)
				stars += *r == '*' || *r == '+';
		assert_true(stars > 10);
	}
	teardown((void **)&f);
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The widget itself: a million points with one spike, NaN and ±Inf. */
static void test_chart_widget_million(void **state)
{
	size_t n = 1000000, k;
	double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
	double *ox = malloc((2 * 4096 + 2) * sizeof *ox), *oy = malloc((2 * 4096 + 2) * sizeof *oy);
	struct surface_backend *be = surface_mem_new(80, 20, 1);
	struct surface s = surface_root(be);
	struct chart_series se = { "big", x, y, n, SG_ROLE_OK, 0 };
	struct chart c = { &se, 1, 0, "step" };
	struct chart_info info;
	struct timespec t0;
	int top = 0;
	char buf[1024];

	for (size_t i = 0; i < n; i++) {
		x[i] = (double)i;
		y[i] = sin((double)i / 50000.0) * 0.1;
	}
	y[500000] = 5.0;                      /* one step of a million */
	y[10] = NAN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	k = chart_downsample(x, y, n, 4096, ox, oy);
	assert_true(k <= 2 * 4096 + 2 && k > 4096);
	assert_true(ox[0] == 0 && ox[k - 1] == 999999.0);     /* the ends stay */
	{
		int spike = 0;
		for (size_t i = 0; i < k; i++) {
			assert_false(isnan(oy[i]));
			spike |= oy[i] == 5.0 && ox[i] == 500000.0;
			if (i)
				assert_true(ox[i] >= ox[i - 1]);
		}
		assert_true(spike);
	}
	chart_draw(&c, &s, &info);
	assert_true(elapsed_ms(&t0) < 500);
	assert_int_equal(info.nan, 1);
	assert_int_equal(info.points, n - 1);
	/* the spike reaches the top row of the plot */
	for (int xx = info.plot_x; xx < info.plot_x + info.plot_w; xx++) {
		uint32_t ch = surface_mem_cell(be, 0, xx)->ch;
		top += ch > 0x2800 && ch <= 0x28FF;
	}
	assert_true(top >= 1 && top <= 2);
	assert_non_null(strstr(surface_mem_row(be, 0, buf, sizeof buf), "5"));
	assert_non_null(strstr(surface_mem_row(be, 18, buf, sizeof buf), "1e+06"));
	/* ±Inf: clipped to the edges, flagged; the range ignores them */
	y[200] = INFINITY;
	y[300] = -INFINITY;
	surface_mem_resize(be, 80, 20);
	chart_draw(&c, &s, &info);
	assert_int_equal(info.clipped, 2);
	assert_true(info.ymax == 5.0);
	assert_non_null(strstr(surface_mem_row(be, 19, buf, sizeof buf), "\u00b1inf clipped: 2"));
	/* ASCII: markers and dots */
	be->ascii_lines = 1;
	surface_mem_resize(be, 80, 20);
	chart_draw(&c, &s, &info);
	assert_int_equal(surface_mem_find(be, "\u2800", NULL, NULL), -1);
	assert_non_null(strchr(surface_mem_row(be, 0, buf, sizeof buf), '*'));
	assert_non_null(strstr(surface_mem_row(be, 19, buf, sizeof buf), "* big"));
	be->ops->free(be);
	free(x);
	free(y);
	free(ox);
	free(oy);
}

/* A run with 300,000 points loads in the background and keeps its spike. */
static void test_chart_big_run(void **state)
{
	struct fx *f = *state;
	struct sg_error err = { 0 };
	struct sg_run_spec spec = { .name = "huge" };
	size_t n = 300000;
	struct sg_metric_point *p = malloc(n * sizeof *p);
	char id[SG_RUN_ID_LEN + 1];
	int y;

	assert_int_equal(sg_run_start(f->ws->store, &spec, id, &err), 0);
	for (size_t i = 0; i < n; i++)
		p[i] = (struct sg_metric_point){ "acc", (long long)i, 1, i == 123456 ? 9.0 : 0.5 };
	assert_int_equal(sg_run_log_metrics(f->ws->store, id, p, n, &err), 0);
	free(p);
	app_reload(f->app);
	select_run(f, "huge");
	app_handle_key(f->app, ':');
	for (const char *s = "chart acc"; *s; s++)
		app_handle_key(f->app, *s);
	app_handle_key(f->app, SG_KEY_ENTER);
	app_draw(f->app);
	assert_true(has(f, "Loading"));       /* a task, not a frozen screen */
	settle(f);
	assert_false(has(f, "Loading"));
	assert_true(has(f, "huge"));
	assert_true(has(f, "300,000 points stored"));
	y = row_of(f, "9\u2502");                              /* y max label */
	assert_true(braille_cells(f, y, y + 1) >= 1);          /* the spike on top */
	assert_true(has(f, "3e+05"));                          /* the last step */
}

/* ---- details ------------------------------------------------------------------------------- */

static void test_details_with_charts(void **state)
{
	struct fx *f = *state;

	select_run(f, "run-c");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Params"));
	assert_int_equal(braille_cells(f, 0, 24), 0);   /* 80 columns: no room */
	key(f, SG_KEY_ESC);
	surface_mem_resize(f->be, 130, 40);
	app_resize(f->app, 130, 40);
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Params"));
	assert_true(has(f, "acc  (steps 0\u20139)"));
	assert_true(has(f, "loss  (steps 0\u20139)"));
	assert_true(braille_cells(f, 0, 40) > 10);
	key(f, SG_KEY_ESC);
	assert_true(has(f, "STATUS"));
}

/* ---- edits ----------------------------------------------------------------------------------- */

/* sg_kv_fn: finds the tag named by ud[0], copies its value to ud[1]. */
static int find_tag(const char *key, const char *value, void *ud)
{
	char **want = ud;

	if (strcmp(key, want[0]) == 0)
		snprintf(want[1], 64, "%s", value);
	return 0;
}

static void test_tag_and_note(void **state)
{
	struct fx *f = *state;
	struct sg_error err = { 0 };
	struct sg_run_info r;
	char value[64] = "", *q[2] = { "team", value };

	select_run(f, "run-d");
	type(f, "t");
	assert_int_equal(f->app->mode, APP_COMMAND);
	assert_string_equal(f->app->cmd, "tag ");
	type(f, "team=vision");
	key(f, SG_KEY_ENTER);
	assert_int_equal(sg_run_tags(f->ws->store, f->id[3], find_tag, q, &err), 0);
	assert_string_equal(value, "vision");
	/* the tag is a column now */
	command(f, "columns tag.team");
	assert_non_null(strstr(row(f, row_of(f, "run-d")), "vision"));
	assert_non_null(strstr(row(f, row_of(f, "run-a")), " - "));
	command(f, "tag team=");
	value[0] = '\0';
	assert_int_equal(sg_run_tags(f->ws->store, f->id[3], find_tag, q, &err), 0);
	assert_string_equal(value, "");
	command(f, "tag novalue");
	assert_non_null(strstr(f->app->msg, "KEY=VALUE"));
	/* the note */
	command(f, "note needs a rerun, seed was fixed");
	assert_int_equal(sg_run_get(f->ws->store, f->id[3], &r, &err), 0);
	assert_string_equal(r.note, "needs a rerun, seed was fixed");
	type(f, "e");
	assert_string_equal(f->app->cmd, "note needs a rerun, seed was fixed");
	key(f, SG_KEY_ESC);
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(row(f, row_of(f, "Note  ")), "needs a rerun"));
	key(f, SG_KEY_ESC);
	command(f, "note -");
	assert_int_equal(sg_run_get(f->ws->store, f->id[3], &r, &err), 0);
	assert_string_equal(r.note, "");
}

/* ---- deleting ------------------------------------------------------------------------------- */

/* Makes run i's folder with a file in it; returns its path (malloc'd). */
static char *run_folder(struct fx *f, int i)
{
	char *path = sg_path_join(f->ws->runs_dir, f->id[i]);

	assert_int_equal(sg_mkdir_p(path, 0755, NULL), 0);
	free(tu_write(path, "stdout.log", "hello\n"));
	return path;
}

static void test_delete(void **state)
{
	struct fx *f = *state;
	struct sg_error err = { 0 };
	struct sg_run_info r;
	char *one = run_folder(f, 0), *b = run_folder(f, 1), *c = run_folder(f, 2), want[128];

	select_run(f, "run-a");
	type(f, "D");
	assert_int_equal(f->app->mode, APP_CONFIRM);
	snprintf(want, sizeof want, "Delete run run-a (%.8s) and its folder? (y/n)", f->id[0]);
	assert_string_equal(f->app->question, want);
	assert_non_null(strstr(row(f, 23), "Delete run run-a"));
	type(f, "n");
	assert_true(has(f, "Cancelled"));
	assert_int_equal(sg_run_get(f->ws->store, f->id[0], &r, &err), 0);
	assert_true(sg_is_dir(one));
	type(f, "D");
	type(f, "y");
	assert_int_equal(sg_run_get(f->ws->store, f->id[0], &r, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_false(sg_is_dir(one));
	assert_false(has(f, "run-a"));
	assert_true(has(f, "5 runs"));
	assert_true(has(f, "Deleted 1 run"));
	/* marked runs */
	mark_two(f);
	type(f, "D");
	assert_string_equal(f->app->question, "Delete 2 runs and their folders? (y/n)");
	type(f, "y");
	assert_false(has(f, "run-b"));
	assert_false(has(f, "run-c"));
	assert_false(sg_is_dir(b));
	assert_false(sg_is_dir(c));
	assert_true(has(f, "3 runs"));
	assert_false(has(f, "marked"));
	free(one);
	free(b);
	free(c);
}

/* ---- export ----------------------------------------------------------------------------------- */

static void test_export(void **state)
{
	struct fx *f = *state;
	char *path = sg_path_join(f->dir, "out.csv"), *text, line[300];
	size_t len;

	command(f, "columns metric.acc,param.lr");
	command(f, "filter metric.acc > 0.8");
	to_column(f, "acc");
	type(f, "]");
	type(f, "x");
	assert_string_equal(f->app->cmd, "export runs.csv");
	key(f, SG_KEY_ESC);
	snprintf(line, sizeof line, "export %s", path);
	command(f, line);
	assert_true(has(f, "Wrote 3 runs"));
	text = sg_read_file(path, 1 << 20, &len, NULL);
	assert_non_null(text);
	{
		const char *head = "id,name,status,metric.acc,param.lr,experiment,user,started,ended\n";
		assert_int_equal(strncmp(text, head, strlen(head)), 0);
	}
	/* sorted by acc, descending, filtered */
	{
		const int want[3] = { 4, 1, 2 };
		const char *l = strchr(text, '\n') + 1;
		for (int i = 0; i < 3; i++) {
			char *end;
			snprintf(line, sizeof line, "%s,%s,FINISHED,", f->id[want[i]], names[want[i]]);
			assert_int_equal(strncmp(l, line, strlen(line)), 0);
			/* exact: the value reads back as the very double logged */
			assert_true(strtod(l + strlen(line), &end) == acc_at(want[i], NSTEPS - 1));
			snprintf(line, sizeof line, ",%s,mnist,", lrs[want[i]]);
			assert_int_equal(strncmp(end, line, strlen(line)), 0);
			l = strchr(l, '\n') + 1;
		}
		assert_string_equal(l, "");
	}
	free(text);
	/* the groups view exports its groups */
	command(f, "group param.depth");
	free(path);
	path = sg_path_join(f->dir, "groups.csv");
	snprintf(line, sizeof line, "export %s", path);
	command(f, line);
	assert_true(has(f, "Wrote 2 groups"));     /* depth 4 and 8 pass the filter */
	text = sg_read_file(path, 1 << 20, &len, NULL);
	assert_non_null(text);
	{
		const char *head = "param.depth,count,metric.acc.mean,metric.acc.std,param.lr.mean,"
				   "param.lr.std\n4,2,0.89,0.0565685424949238";
		assert_int_equal(strncmp(text, head, strlen(head)), 0);
	}
	free(text);
	free(path);
}

/* ---- a run deleted underneath ---------------------------------------------------------------- */

static void test_deleted_underneath(void **state)
{
	struct fx *f = *state;
	struct sg_error err = { 0 };
	struct sg_workspace *other = sg_workspace_open(f->dir, 0, &err);

	assert_non_null(other);
	select_run(f, "run-e");
	type(f, "m");
	select_run(f, "run-b");
	type(f, "m");
	select_run(f, "run-c");
	/* someone else deletes run-c and run-b */
	assert_int_equal(sg_rq_remove_run(other->store, other->runs_dir, f->id[2], NULL, &err), 0);
	assert_int_equal(sg_rq_remove_run(other->store, other->runs_dir, f->id[1], NULL, &err), 0);
	sg_workspace_free(other);
	/* the screen still shows it; acting on it says it is gone */
	command(f, "tag a=b");
	assert_non_null(strstr(f->app->msg, "no longer exists"));
	assert_false(has(f, "run-c"));
	assert_true(has(f, "4 runs"));
	/* the marked run-b is gone too: the comparison has too few runs */
	type(f, "C");
	assert_non_null(strstr(f->app->msg, "Fewer than two"));
	assert_false(has(f, "compare"));
	/* a refresh drops what is gone */
	app_tick(f->app);
	app_draw(f->app);
	assert_false(has(f, "run-b"));
	assert_true(has(f, "4 runs"));
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Params"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_columns_from_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_column_chooser, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_and_compare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chart_marked, setup, teardown),
		cmocka_unit_test(test_chart_ascii),
		cmocka_unit_test(test_chart_widget_million),
		cmocka_unit_test_setup_teardown(test_chart_big_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_details_with_charts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_and_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_underneath, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
