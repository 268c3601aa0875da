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
#include "tui/mon.h"
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

/* A resume while the details are open: the tail moves on to attempt 2,
 * with a banner naming it; `a` shows attempt 1's log again. */
static void test_attempts(void **state)
{
	struct fx *f = fx_new(120, 40);
	struct sg_error err = { 0 };
	char sql[512];

	(void)state;
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "attempt 1/1"));
	assert_true(has(f, "epoch 59 "));
	type(f, "a");
	assert_true(has(f, "this job has one attempt"));
	/* Attempt 1 preempted, attempt 2 running with its own log. */
	snprintf(sql, sizeof sql, "UPDATE job_attempts SET state = 'Interrupted', "
		 "outcome = 'preempted', ended_at = %f WHERE run_id = '%s'", sg_now() - 5, f->job);
	assert_int_equal(sg_store_exec(f->ws->store, sql, &err), 0);
	snprintf(sql, sizeof sql, "INSERT INTO job_attempts(run_id, attempt, host, state, "
		 "log_dir, queued_at, started_at) VALUES ('%s', 2, 'elsewhere', 'Running', "
		 "'logs/attempt-2', %f, %f)", f->job, sg_now() - 2, sg_now() - 1);
	assert_int_equal(sg_store_exec(f->ws->store, sql, &err), 0);
	snprintf(sql, sizeof sql, "UPDATE jobs SET attempt = 2 WHERE run_id = '%s'", f->job);
	assert_int_equal(sg_store_exec(f->ws->store, sql, &err), 0);
	char *rd = sg_workspace_run_dir(f->ws, f->job);
	char *dir = sg_path_join(rd, "logs/attempt-2");
	assert_int_equal(sg_mkdir_p(dir, 0777, &err), 0);
	free(tu_write(dir, "stdout.log", "second attempt says hi\n"));
	app_reload(f->app);   /* what a change to the store brings */
	draw(f);
	assert_true(has(f, "attempt 2/2"));
	assert_true(has(f, "-- attempt 2 of 2 (current), started"));
	assert_int_equal(role_at(f, "-- attempt 2 of 2"), SG_ROLE_HEADER);
	assert_true(has(f, "second attempt says hi"));
	assert_false(has(f, "epoch 59 "));
	assert_true(has(f, "stdout.log attempt 2/2 (following)"));
	type(f, "a");
	assert_true(has(f, "-- attempt 1 of 2: Interrupted (preempted)"));   /* kept in view */
	assert_int_equal(role_at(f, "-- attempt 1 of 2"), SG_ROLE_HEADER);
	assert_true(has(f, "epoch 59 "));
	assert_true(has(f, "stdout.log attempt 1/2"));
	type(f, "a");   /* back to the current one */
	assert_true(has(f, "second attempt says hi"));
	free(dir);
	free(rd);
	fx_free(f);
}

/* A job of another host stops reporting: the pane's timer finds it lost
 * (a dead supervisor writes nothing, so no store change would say so). */
static void test_lost_elsewhere(void **state)
{
	struct fx *f = fx_new(120, 40);
	struct sg_error err = { 0 };
	char sql[256];

	(void)state;
	assert_true(has(f, "Running"));
	snprintf(sql, sizeof sql, "UPDATE jobs SET heartbeat_at = %f WHERE run_id = '%s'",
		 sg_now() - 600, f->job);
	assert_int_equal(sg_store_exec(f->ws->store, sql, &err), 0);
	app_pane_event(f->app, -1);
	draw(f);
	assert_true(has(f, "Failed"));
	assert_true(has(f, "0 running"));
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "failure: supervisor on elsewhere stopped reporting at "));
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

/* The series of key in d (NULL when not charted). */
static const struct mon_series *series_of(const struct mon_detail *d, const char *key)
{
	for (int i = 0; i < d->ncharts; i++)
		for (int k = 0; k < 2; k++)
			if (strcmp(d->charts[i].s[k].key, key) == 0)
				return &d->charts[i].s[k];
	return NULL;
}

/* Logs n points of key from step first: 1.0, spike at step spike. */
static void log_points(struct fx *f, const char *run, const char *key, long long first, size_t n,
		       long long spike)
{
	struct sg_error err = { 0 };
	size_t chunk = 50000;
	struct sg_metric_point *p = sg_xmalloc(chunk * sizeof *p);

	for (size_t done = 0; done < n; done += chunk) {
		size_t m = n - done < chunk ? n - done : chunk;
		for (size_t i = 0; i < m; i++) {
			long long st = first + (long long)(done + i);
			p[i] = (struct sg_metric_point){ key, st, 0, st == spike ? 777.0 : 1.0 };
		}
		assert_int_equal(sg_run_log_metrics(f->ws->store, run, p, m, &err), 0);
	}
	free(p);
}

/* A reload reads only the points logged since the last one; another job
 * starts over. */
static void test_incremental(void **state)
{
	struct fx *f = fx_new(80, 24);
	struct mon_detail d = { 0 };
	const struct mon_series *se;

	(void)state;
	mon_detail_load(&d, f->ws, f->job);
	assert_int_equal(d.fetched, 4 * 30);
	se = series_of(&d, "train:loss");
	assert_non_null(se);
	assert_int_equal(se->n, 30);
	assert_int_equal(d.ncpu, 30);
	log_points(f, f->job, "train:loss", 30, 20000, -1);
	mon_detail_load(&d, f->ws, f->job);
	assert_int_equal(d.fetched, 20000);
	se = series_of(&d, "train:loss");
	assert_int_equal(se->n, 20030);
	assert_int_equal(se->last_step, 20029);
	assert_int_equal(series_of(&d, "validation:loss")->n, 30);
	mon_detail_load(&d, f->ws, f->job);
	assert_int_equal(d.fetched, 0);
	assert_int_equal(series_of(&d, "train:loss")->n, 20030);
	/* A point at a step already passed (a retry starting over): all again. */
	log_points(f, f->job, "train:loss", 5, 1, -1);
	mon_detail_load(&d, f->ws, f->job);
	assert_int_equal(d.fetched, 20031);
	assert_int_equal(series_of(&d, "train:loss")->n, 20031);
	/* Sparklines append too, keeping the last MON_SPARK. */
	{
		struct sg_error err = { 0 };
		struct sg_metric_point cpu[300];
		for (int i = 0; i < 300; i++)
			cpu[i] = (struct sg_metric_point){ "sys:cpu_percent", 30 + i, 0, i };
		assert_int_equal(sg_run_log_metrics(f->ws->store, f->job, cpu, 300, &err), 0);
	}
	mon_detail_load(&d, f->ws, f->job);
	assert_int_equal(d.fetched, 300);
	assert_int_equal(d.ncpu, MON_SPARK);
	assert_true(d.cpu[MON_SPARK - 1] == 299.0);
	assert_true(d.cpu[0] == 299.0 - (MON_SPARK - 1));
	/* Another job: nothing kept; back: read from the start. */
	mon_detail_load(&d, f->ws, f->done);
	assert_int_equal(d.ncharts, 0);
	assert_int_equal(d.ncpu, 0);
	mon_detail_load(&d, f->ws, f->job);
	assert_int_equal(d.fetched, 20031 + 30 + 330 + 30);
	mon_detail_done(&d);
	fx_free(f);
}

/* Past MON_KEEP points a series is halved: bounded, the spike kept and
 * drawn. */
static void test_huge_series(void **state)
{
	struct fx *f = fx_new(100, 45);
	struct mon_detail d = { 0 };
	const struct mon_series *se;
	size_t big = 2 * MON_KEEP + 12345;
	double top = 0;

	(void)state;
	log_points(f, f->job, "grad", 0, big / 2, 123457);
	mon_detail_load(&d, f->ws, f->job);
	log_points(f, f->job, "grad", (long long)(big / 2), big - big / 2, -1);
	mon_detail_load(&d, f->ws, f->job);
	assert_int_equal(d.fetched, big - big / 2);
	se = series_of(&d, "grad");
	assert_non_null(se);
	assert_true(se->n <= MON_KEEP);
	assert_true(se->n >= MON_KEEP / 4);
	assert_int_equal(se->seen, (long long)big);
	assert_true(se->x[se->n - 1] == (double)(big - 1));
	for (size_t i = 0; i < se->n; i++) {
		if (se->y[i] > top)
			top = se->y[i];
		if (i)
			assert_true(se->x[i] > se->x[i - 1]);
	}
	assert_true(top == 777.0);
	mon_detail_done(&d);
	/* On screen: the chart's top label is the spike. */
	app_reload(f->app);
	draw(f);
	assert_true(has(f, "grad"));
	assert_true(has(f, "777"));
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
		cmocka_unit_test(test_attempts),
		cmocka_unit_test(test_lost_elsewhere),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_huge_series),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
