/* experiments_bench.c — the Experiments pane's speed, measured through the
 * real app state machine on the memory surface (80×24), as the curses loop
 * would drive it; built and run by bench/experiments_bench.sh.
 *
 *   experiments_bench gen WORKSPACE RUNS   adds RUNS runs × 20 params ×
 *                                          20 metrics × 10 points
 *   experiments_bench run WORKSPACE        prints "name value" lines:
 *     open_p50/max_ms     app_new (all four panes) → Experiments drawn
 *     pane_p50/max_ms     the Experiments pane alone: init → first screen
 *     sort_p50/p99_ms     ] or [ on a metric column + redraw
 *     filter_p50/p99_ms   :filter EXPR + redraw
 *     unfilter_p50_ms     Esc (all runs again) + redraw
 *     move_p50/p99_ms     j + redraw, 1,000 times
 *     page_p50/p99_ms     PgDn + redraw, 500 times
 *     jump_p50/p99_ms     :goto RANDOM + redraw, 200 times (default order)
 *     sjump_p50/p99_ms    the same, sorted by a metric
 *     chart1m_down_ms     chart_downsample of 1,000,000 points to 4,096 buckets
 *     chart1m_draw_ms     chart_draw of 1,000,000 points (80×20 Braille)
 *     rows */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/run.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/chart.h"

#define REPS 7

/* Milliseconds on a monotonic clock. */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reports a failure and exits. */
static void die(const char *what, const struct sg_error *err)
{
	fprintf(stderr, "experiments_bench: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

/* Uniform in [0, 1). */
static double urand(void)
{
	return rand() / (RAND_MAX + 1.0);
}

/* qsort: ascending doubles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints the p50, p99 and max of n samples under name. */
static void report(const char *name, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	printf("%s_p50_ms %.2f\n%s_p99_ms %.2f\n%s_max_ms %.2f\n", name, ms[n / 2], name,
	       ms[(int)(n * 0.99)], name, ms[n - 1]);
}

/* ---- generating -------------------------------------------------------------- */

/* One run's params (numbers mostly, p0 text), tag and metrics. */
static void gen_run(struct sg_store *s, const char *id)
{
	static const char *const opts[] = { "adam", "sgd", "rmsprop", "adagrad" };
	struct sg_metric_point pt[20 * 10];
	static char keys[20][8];
	struct sg_error err = { 0 };
	char key[16], val[32];
	int n = 0;

	for (int p = 0; p < 20; p++) {
		snprintf(key, sizeof key, "p%d", p);
		if (p == 0)
			snprintf(val, sizeof val, "%s", opts[rand() % 4]);
		else if (p % 3 == 1)
			snprintf(val, sizeof val, "%.4g", pow(10, -5 * urand()));
		else
			snprintf(val, sizeof val, "%d", rand() % 64);
		if (sg_run_set_param(s, id, key, val, &err) != 0)
			die("param", &err);
	}
	sg_run_set_tag(s, id, "owner", rand() % 3 ? "kim" : "lee", NULL);
	for (int m = 0; m < 20; m++) {
		snprintf(keys[m], sizeof keys[m], "m%d", m);
		for (int k = 0; k < 10; k++)
			pt[n++] = (struct sg_metric_point){ keys[m], k, 0,
							    urand() < 0.01 ? NAN : urand() };
	}
	if (sg_run_write_metrics(s, id, pt, (size_t)n, &err) != 0)
		die("metrics", &err);
}

/* Adds runs runs to the workspace, in batches of 500 a transaction. */
static int gen(struct sg_workspace *ws, int runs)
{
	struct sg_error err = { 0 };
	char (*ids)[SG_RUN_ID_LEN + 1] = calloc((size_t)runs, sizeof *ids), name[32];

	srand(1);
	for (int j = 0; j < runs; j++) {     /* sg_run_start is a transaction of its own */
		struct sg_run_spec spec = { .name = name, .experiment = j % 2 ? "a" : "b" };
		snprintf(name, sizeof name, "run-%05d", j);
		if (sg_run_start(ws->store, &spec, ids[j], &err) != 0)
			die("start", &err);
	}
	for (int i = 0; i < runs; i += 500) {
		if (sg_store_begin(ws->store, &err) != 0)
			die("begin", &err);
		for (int j = i; j < i + 500 && j < runs; j++) {
			gen_run(ws->store, ids[j]);
			sg_run_finish(ws->store, ids[j], SG_RUN_FINISHED, NULL);
		}
		if (sg_store_commit(ws->store, &err) != 0)
			die("commit", &err);
	}
	free(ids);
	return 0;
}

/* ---- timing ------------------------------------------------------------------- */

/* A key and the frame after it, in milliseconds. */
static double frame_after_key(struct app *app, int key)
{
	double t0 = now_ms();

	app_handle_key(app, key);
	app_draw(app);
	return now_ms() - t0;
}

/* A : command and the frame after it. */
static double frame_after_command(struct app *app, const char *line)
{
	double t0 = now_ms();

	app_command(app, line);
	app_draw(app);
	return now_ms() - t0;
}

/* Opens the app REPS times: app_new → Experiments drawn. */
static void time_open(struct sg_workspace *ws, struct surface_backend *be)
{
	double ms[REPS], pane[REPS];
	struct sg_error err = { 0 };

	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		struct app *app = app_new(ws, NULL, be, &err);
		if (!app)
			die("app", &err);
		app_show_pane(app, 3);
		app_draw(app);
		ms[r] = now_ms() - t0;
		/* the pane alone, as when the store changed under it */
		t0 = now_ms();
		pane_done(&app->panes[3]);
		if (pane_init(&app->panes[3], &pane_experiments_ops, &app->env, &err) < 0)
			die("pane", &err);
		app_resize(app, be->w, be->h);
		app_draw(app);
		pane[r] = now_ms() - t0;
		app_free(app);
	}
	qsort(ms, REPS, sizeof *ms, cmp_double);
	qsort(pane, REPS, sizeof *pane, cmp_double);
	printf("open_p50_ms %.2f\nopen_max_ms %.2f\n", ms[REPS / 2], ms[REPS - 1]);
	printf("pane_p50_ms %.2f\npane_max_ms %.2f\n", pane[REPS / 2], pane[REPS - 1]);
}

/* ] and [ in turn on the current (metric) column, n times. */
static void time_sort(struct app *app, int n)
{
	double *ms = calloc((size_t)n, sizeof *ms);

	for (int i = 0; i < n; i++)
		ms[i] = frame_after_key(app, i % 2 ? '[' : ']');
	report("sort", ms, n);
	free(ms);
}

/* A filter and Esc in turn, n times each. */
static void time_filter(struct app *app, int n)
{
	double *ms = calloc((size_t)n, sizeof *ms), *off = calloc((size_t)n, sizeof *off);

	for (int i = 0; i < n; i++) {
		ms[i] = frame_after_command(app, i % 2 ? "filter metric.m0 > 0.5 and param.p1 < 0.01"
						       : "filter metric.m3 > 0.9 or param.p0 == \"sgd\"");
		off[i] = frame_after_key(app, SG_KEY_ESC);
	}
	report("filter", ms, n);
	report("unfilter", off, n);
	free(ms);
	free(off);
}

/* Key k + redraw, n times (from the top). */
static void time_keys(struct app *app, const char *name, int k, int n)
{
	double *ms = calloc((size_t)n, sizeof *ms);

	frame_after_key(app, 'g');
	for (int i = 0; i < n; i++)
		ms[i] = frame_after_key(app, k);
	report(name, ms, n);
	free(ms);
}

/* :goto RANDOM + redraw, n times. */
static void time_jumps(struct app *app, const char *name, int n, long long rows)
{
	double *ms = calloc((size_t)n, sizeof *ms);
	char line[64];

	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof line, "goto %lld", 1 + (long long)(urand() * (double)rows));
		ms[i] = frame_after_command(app, line);
	}
	report(name, ms, n);
	free(ms);
}

/* The chart widget on a million points: downsampling, and drawing all. */
static void time_chart(void)
{
	size_t n = 1000000, k;
	double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), t0, down, draw;
	double *ox = malloc((2 * 4096 + 2) * sizeof *ox), *oy = malloc((2 * 4096 + 2) * sizeof *oy);
	struct surface_backend *be = surface_mem_new(80, 20, 1);
	struct surface s = surface_root(be);
	struct chart_series se = { "m", x, y, n, SG_ROLE_OK, 0 };
	struct chart c = { &se, 1, 0, "step" };

	for (size_t i = 0; i < n; i++) {
		x[i] = (double)i;
		y[i] = sin((double)i / 1000.0) + urand() * 0.1;
	}
	t0 = now_ms();
	k = chart_downsample(x, y, n, 4096, ox, oy);
	down = now_ms() - t0;
	t0 = now_ms();
	chart_draw(&c, &s, NULL);
	draw = now_ms() - t0;
	printf("chart1m_down_ms %.2f\nchart1m_draw_ms %.2f\nchart1m_kept %zu\n", down, draw, k);
	be->ops->free(be);
	free(x);
	free(y);
	free(ox);
	free(oy);
}

/* Every measure, on the workspace generated before. */
static int run(struct sg_workspace *ws)
{
	struct surface_backend *be = surface_mem_new(80, 24, 1);
	struct sg_error err = { 0 };
	struct app *app;
	long long rows = sg_run_count(ws->store, -1, NULL);
	char buf[512];

	time_open(ws, be);
	app = app_new(ws, NULL, be, &err);
	if (!app)
		die("app", &err);
	app_show_pane(app, 3);
	app_draw(app);
	if (!strstr(surface_mem_row(be, 3, buf, sizeof buf), "run-"))
		die("no runs on the first screen", NULL);
	/* the cursor onto the first metric column: NAME, STATUS, 3 params, m0 */
	for (int i = 0; i < 5; i++)
		frame_after_key(app, 'l');
	time_sort(app, 20);
	time_filter(app, 20);
	time_keys(app, "move", 'j', 1000);
	time_keys(app, "page", SG_KEY_PGDN, 500);
	time_jumps(app, "jump", 200, rows);
	frame_after_key(app, ']');
	time_jumps(app, "sjump", 50, rows);
	time_chart();
	printf("rows %lld\n", rows);
	app_free(app);
	be->ops->free(be);
	return 0;
}

int main(int argc, char **argv)
{
	struct sg_error err = { 0 };
	struct sg_workspace *ws;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "gen") == 0 && argc < 4)) {
		fprintf(stderr, "usage: experiments_bench gen WORKSPACE RUNS | run WORKSPACE\n");
		return 2;
	}
	ws = sg_workspace_open(argv[2], 0, &err);
	if (!ws)
		die(argv[2], &err);
	rc = strcmp(argv[1], "gen") == 0 ? gen(ws, atoi(argv[3])) : run(ws);
	sg_workspace_free(ws);
	return rc;
}
