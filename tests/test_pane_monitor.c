/* test_pane_monitor.c — the Monitor pane rendered into the memory surface:
 * jobs running first with their state colors, the split and the opened
 * details (charts with train/validation overlaid, sparklines, rules, log
 * tail with follow and search), stop asking first, and notifications
 * ringing the bell in any pane (old ones not). */
#include "tests/testutil.h"
#include <stdio.h>
#include "core/job.h"
#include "core/rules.h"
#include "core/run.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/surface.h"

struct fx {
	char *dir;
	struct sg_workspace *ws;
	struct surface_backend *be;
	struct app *app;
	char job[SG_RUN_ID_LEN + 1];
	char done[SG_RUN_ID_LEN + 1];
};

#include "tests/tuitest.h"

/* A Queued job turned Running on another host (so no supervisor is looked
 * for), with a rule. */
static void add_job(struct fx *f, const char *name, char id[SG_RUN_ID_LEN + 1])
{
	struct sg_error err = { 0 };
	char *script = tu_write(f->dir, "train.py", "print('hi')\n");
	const char *rules[] = { "Overfit" };
	struct sg_job_request r = { .script = script, .name = name, .rules = rules, .nrules = 1 };
	struct sg_job_plan *p = sg_job_prepare(f->ws, &r, &err);
	char sql[256];

	assert_non_null(p);
	assert_int_equal(sg_job_create(f->ws, p, id, &err), 0);
	sg_job_plan_free(p);
	free(script);
	snprintf(sql, sizeof sql, "UPDATE jobs SET state='Running', host='elsewhere', "
		 "started_at=%f WHERE run_id='%s'", sg_now() - 65, id);
	assert_int_equal(sg_store_exec(f->ws->store, sql, &err), 0);
}

/* Points: train:loss falling, validation:loss, cpu and memory. */
static void add_points(struct fx *f)
{
	struct sg_error err = { 0 };
	struct sg_metric_point pts[4 * 30];

	for (int s = 0; s < 30; s++) {
		pts[4 * s] = (struct sg_metric_point){ "train:loss", s, 0, 1.0 / (s + 1) };
		pts[4 * s + 1] = (struct sg_metric_point){ "validation:loss", s, 0, 1.2 / (s + 1) };
		pts[4 * s + 2] = (struct sg_metric_point){ "sys:cpu_percent", s, 0, 10.0 * (s % 10) };
		pts[4 * s + 3] = (struct sg_metric_point){ "sys:memory_mb", s, 0, 100.0 + s };
	}
	assert_int_equal(sg_run_log_metrics(f->ws->store, f->job, pts, 4 * 30, &err), 0);
}

/* The rule InProgress, stored as the supervisor would. */
static void add_rules(struct fx *f)
{
	struct sg_error err = { 0 };
	struct sg_rules *r = sg_rules_new(f->job);

	assert_int_equal(sg_rules_add(r, "Overfit", 7, NULL, 0, &err), 0);
	sg_rules_start(r, sg_now());
	assert_int_equal(sg_rules_store_status(f->ws->store, f->job, r, &err), 0);
	sg_rules_free(r);
}

/* 60 lines in stdout.log, "needle" on line 10. */
static void add_log(struct fx *f)
{
	char *path = sg_job_log_path(f->ws, f->job, 1);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (int i = 0; i < 60; i++)
		fprintf(fp, "epoch %d loss %.3f%s\n", i, 1.0 / (i + 1), i == 10 ? " needle" : "");
	fclose(fp);
	free(path);
}

/* A workspace with a finished run, then the running job, the app at w×h. */
static struct fx *fx_new(int w, int h)
{
	struct fx *f = calloc(1, sizeof *f);
	struct sg_error err = { 0 };
	struct sg_run_spec spec = { .name = "old-run" };

	f->dir = tu_tempdir();
	f->ws = tt_workspace(f->dir);
	assert_int_equal(sg_run_start(f->ws->store, &spec, f->done, &err), 0);
	assert_int_equal(sg_run_finish(f->ws->store, f->done, SG_RUN_FINISHED, &err), 0);
	add_job(f, "live-job", f->job);
	add_points(f);
	add_rules(f);
	add_log(f);
	assert_int_equal(sg_notification_add(f->ws->store, f->job, "Overfit", "old news", &err), 0);
	tt_app(f, f->ws, w, h, 1, NULL);
	draw(f);
	type(f, "3");
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
	return 0;
}

static void test_table(void **state)
{
	struct fx *f = fx_new(80, 24);

	(void)state;
	assert_true(has(f, "1 running, 1 recent"));
	assert_true(row_of(f, "live-job") < row_of(f, "old-run"));
	assert_true(has(f, "Running"));
	assert_int_equal(role_at(f, "FINISHED"), SG_ROLE_OK);
	assert_non_null(strstr(row(f, row_of(f, "live-job")), "train.py"));
	type(f, "j");
	assert_int_equal(role_at(f, "Running"), SG_ROLE_RUNNING);
	fx_free(f);
}

static void test_details_small(void **state)
{
	struct fx *f = fx_new(80, 24);

	(void)state;
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "live-job"));
	assert_true(has(f, "elapsed 1m0"));
	assert_true(has(f, "train:loss"));
	assert_true(has(f, "validation:loss"));
	assert_true(has(f, "\u2581"));                /* a sparkline */
	assert_true(has(f, "cpu"));
	assert_true(has(f, "Overfit"));
	assert_int_equal(role_at(f, "InProgress"), SG_ROLE_RUNNING);
	assert_true(has(f, "stdout.log (following)"));
	assert_true(has(f, "epoch 59 "));
	/* Search: the match comes into view, follow goes off; f follows. */
	command(f, "search needle");
	assert_true(has(f, "epoch 10 loss"));
	assert_int_equal(role_at(f, "epoch 10 loss"), SG_ROLE_CURSOR);
	assert_false(has(f, "(following)"));
	type(f, "f");
	assert_true(has(f, "(following)"));
	key(f, SG_KEY_ESC);
	assert_true(has(f, "old-run"));
	fx_free(f);
}

/* Braille somewhere on screen. */
static int has_braille(struct fx *f)
{
	for (int y = 0; y < f->be->h; y++)
		for (int x = 0; x < f->be->w; x++) {
			uint32_t c = surface_mem_cell(f->be, y, x)->ch;
			if (c > 0x2800 && c <= 0x28FF)
				return 1;
		}
	return 0;
}

static void test_split_live(void **state)
{
	struct fx *f = fx_new(140, 45);
	char *path = sg_job_log_path(f->ws, f->job, 1);
	FILE *fp;

	(void)state;
	/* Table and details at once. */
	assert_true(has(f, "old-run"));
	assert_true(has(f, "stdout.log"));
	assert_true(has_braille(f));
	assert_true(has(f, "train:loss"));
	/* The log grows: the timer reads only what was appended. */
	fp = fopen(path, "a");
	fprintf(fp, "fresh line\n");
	fclose(fp);
	app_pane_event(f->app, -1);
	draw(f);
	assert_true(has(f, "fresh line"));
	/* Truncated (rotated): read again from the start. */
	fp = fopen(path, "w");
	fprintf(fp, "after rotation\n");
	fclose(fp);
	app_pane_event(f->app, -1);
	draw(f);
	assert_true(has(f, "after rotation"));
	assert_false(has(f, "fresh line"));
	free(path);
	fx_free(f);
}

static void test_stop_asks(void **state)
{
	struct fx *f = fx_new(80, 24);
	struct sg_error err = { 0 };
	struct sg_job_info j;

	(void)state;
	type(f, "S");
	assert_true(has(f, "Stop job live-job? (y/n)"));
	type(f, "n");
	assert_int_equal(sg_job_get(f->ws, f->job, &j, &err), 0);
	assert_string_equal(j.stop_request, "");
	type(f, "P");
	assert_true(has(f, "Preempt"));
	type(f, "y");
	assert_int_equal(sg_job_get(f->ws, f->job, &j, &err), 0);
	assert_string_equal(j.stop_request, "preempt");
	/* Resume refuses a job that is still running, with a message. */
	type(f, "j");
	type(f, "r");
	assert_true(has(f, "not a training job"));
	fx_free(f);
}

static void test_notifications(void **state)
{
	struct fx *f = fx_new(80, 24);
	struct sg_error err = { 0 };

	(void)state;
	/* The old one did not ring at launch, nor on a reload. */
	app_reload(f->app);
	draw(f);
	assert_int_equal(surface_mem_bells(f->be), 0);
	assert_false(has(f, "old news"));
	/* A new one, seen from any pane. */
	type(f, "1");
	assert_int_equal(sg_notification_add(f->ws->store, f->job, "Overfit",
					     "validation loss rising", &err), 0);
	app_reload(f->app);
	draw(f);
	assert_int_equal(surface_mem_bells(f->be), 1);
	assert_true(has(f, "validation loss rising"));
	assert_int_equal(role_at(f, "Overfit on"), SG_ROLE_ERROR);
	app_reload(f->app);
	assert_int_equal(surface_mem_bells(f->be), 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_details_small),
		cmocka_unit_test(test_split_live),
		cmocka_unit_test(test_stop_asks),
		cmocka_unit_test(test_notifications),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
