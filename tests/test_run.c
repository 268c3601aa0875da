/* test_run.c — runs, params, tags, metrics with NaN/Inf, summaries. */
#include "tests/testutil.h"
#include <math.h>
#include <sys/wait.h>
#include "core/runcompare.h"
#include "core/run.h"
#include "core/util.h"

struct fixture {
	char *dir, *path;
	struct sg_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	tu_store_init(&f->dir, &f->path, &f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tu_store_fini(f->dir, f->path, f->s);
	free(f);
	return 0;
}

static void start(struct fixture *f, const char *name, const char *exp, char id[17])
{
	struct sg_run_spec spec = { .name = name, .experiment = exp, .user = "alice" };
	struct sg_error err = { 0 };
	assert_int_equal(sg_run_start(f->s, &spec, id, &err), 0);
	assert_int_equal(strlen(id), SG_RUN_ID_LEN);
}

static void test_start_get_finish(void **state)
{
	struct fixture *f = *state;
	char id[17];
	struct sg_run_info r;
	struct sg_error err = { 0 };
	double before = sg_now();
	start(f, "baseline", "iris", id);
	assert_int_equal(sg_run_get(f->s, id, &r, &err), 0);
	assert_string_equal(r.name, "baseline");
	assert_string_equal(r.experiment, "iris");
	assert_string_equal(r.user, "alice");
	assert_string_equal(r.kind, "manual");
	assert_int_equal(r.status, SG_RUN_RUNNING);
	assert_true(r.start_time >= before - 1 && r.end_time == 0);
	assert_int_equal(sg_run_finish(f->s, id, SG_RUN_FAILED, &err), 0);
	assert_int_equal(sg_run_get(f->s, id, &r, &err), 0);
	assert_int_equal(r.status, SG_RUN_FAILED);
	assert_true(r.end_time >= r.start_time);
	assert_int_equal(sg_run_finish(f->s, id, SG_RUN_RUNNING, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
}

static void test_default_user_is_unix_account(void **state)
{
	struct fixture *f = *state;
	struct sg_run_spec spec = { 0 };
	char id[17];
	struct sg_run_info r;
	assert_int_equal(sg_run_start(f->s, &spec, id, NULL), 0);
	assert_int_equal(sg_run_get(f->s, id, &r, NULL), 0);
	assert_string_equal(r.user, sg_username());
	assert_string_equal(r.experiment, "default");
	assert_non_null(strstr(r.name, "run-"));
}

static void test_resolve_prefix_name_and_errors(void **state)
{
	struct fixture *f = *state;
	char a[17], b[17], out[17];
	struct sg_error err = { 0 };
	start(f, "first", NULL, a);
	start(f, "second", NULL, b);
	char prefix[9];
	snprintf(prefix, sizeof prefix, "%.8s", a);
	assert_int_equal(sg_run_resolve(f->s, prefix, out, &err), 0);
	assert_string_equal(out, a);
	assert_int_equal(sg_run_resolve(f->s, "second", out, &err), 0);
	assert_string_equal(out, b);
	assert_int_equal(sg_run_resolve(f->s, "nope", out, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	/* Both ids start with a hex digit; force a shared prefix by name. */
	start(f, "twin", NULL, out);
	start(f, "twin", NULL, out);
	assert_int_equal(sg_run_resolve(f->s, "twin", out, &err), -1);
	assert_int_equal(err.code, SG_E_AMBIGUOUS);
	/* SQL metacharacters are data, never code. */
	assert_int_equal(sg_run_resolve(f->s, "x' OR '1'='1", out, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
}

static int collect_kv(const char *k, const char *v, void *ud)
{
	char *buf = ud;
	strcat(buf, k);
	strcat(buf, "=");
	strcat(buf, v);
	strcat(buf, ";");
	return 0;
}

static void test_params_tags_note_artifacts(void **state)
{
	struct fixture *f = *state;
	char id[17], buf[256] = "";
	struct sg_error err = { 0 };
	start(f, "p", NULL, id);
	assert_int_equal(sg_run_set_param(f->s, id, "lr", "0.1", &err), 0);
	assert_int_equal(sg_run_set_param(f->s, id, "epochs", "3", &err), 0);
	assert_int_equal(sg_run_set_param(f->s, id, "lr", "0.01", &err), 0);
	assert_int_equal(sg_run_params(f->s, id, collect_kv, buf, &err), 0);
	assert_string_equal(buf, "epochs=3;lr=0.01;");
	buf[0] = '\0';
	assert_int_equal(sg_run_set_tag(f->s, id, "owner", "team a", &err), 0);
	assert_int_equal(sg_run_tags(f->s, id, collect_kv, buf, &err), 0);
	assert_string_equal(buf, "owner=team a;");
	assert_int_equal(sg_run_set_note(f->s, id, "tried a smaller lr", &err), 0);
	struct sg_run_info r;
	sg_run_get(f->s, id, &r, &err);
	assert_string_equal(r.note, "tried a smaller lr");
	buf[0] = '\0';
	assert_int_equal(sg_run_add_artifact(f->s, id, "model/", "model", &err), 0);
	assert_int_equal(sg_run_artifacts(f->s, id, collect_kv, buf, &err), 0);
	assert_string_equal(buf, "model/=model;");
	assert_int_equal(sg_run_set_param(f->s, "ffffffff", "k", "v", &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
}

struct point_log {
	int n;
	long long steps[16];
	double values[16];
};

static int collect_point(long long step, double ts, double value, void *ud)
{
	struct point_log *l = ud;
	l->steps[l->n] = step;
	l->values[l->n++] = value;
	return 0;
}

static int find_summary(const struct sg_metric_summary *m, void *ud)
{
	struct sg_metric_summary *out = ud;
	if (strcmp(m->key, "loss") == 0) {
		*out = *m;
		out->key = NULL;
	}
	return 0;
}

static void test_metrics_keep_nan_inf_and_summarize(void **state)
{
	struct fixture *f = *state;
	char id[17];
	struct sg_error err = { 0 };
	start(f, "m", NULL, id);
	struct sg_metric_point pts[] = {
		{ "loss", 0, 0, 2.5 }, { "loss", 1, 0, NAN }, { "loss", 3, 0, INFINITY },
		{ "loss", 2, 0, -1.0 }, { "acc", 0, 0, 0.5 },
	};
	assert_int_equal(sg_run_log_metrics(f->s, id, pts, 5, &err), 0);
	struct point_log l = { 0 };
	assert_int_equal(sg_run_metric_points(f->s, id, "loss", collect_point, &l, &err), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.steps[0], 0);
	assert_true(l.values[0] == 2.5);
	assert_true(isnan(l.values[1]));
	assert_true(l.values[2] == -1.0);
	assert_true(isinf(l.values[3]) && l.values[3] > 0);
	struct sg_metric_summary m = { 0 };
	assert_int_equal(sg_run_metric_summaries(f->s, id, find_summary, &m, &err), 0);
	assert_int_equal(m.count, 4);
	assert_int_equal(m.last_step, 3);          /* the highest step, not the last insert */
	assert_true(isinf(m.last) && m.last > 0);
	assert_true(m.min == -1.0);                /* NaN ignored */
	assert_true(isinf(m.max));
	struct sg_metric_point more[] = { { "loss", 4, 0, NAN } };
	sg_run_log_metrics(f->s, id, more, 1, &err);
	sg_run_metric_summaries(f->s, id, find_summary, &m, &err);
	assert_true(isnan(m.last));
	assert_int_equal(m.count, 5);
}

/* Only the points past a step are read: what a live chart appends. */
static void test_metric_points_after(void **state)
{
	struct fixture *f = *state;
	char id[17];
	struct sg_error err = { 0 };
	start(f, "after", NULL, id);
	struct sg_metric_point pts[] = {
		{ "loss", 0, 0, 1.0 }, { "loss", 1, 0, 0.5 }, { "loss", 2, 0, 0.25 },
		{ "acc", 5, 0, 0.9 },
	};
	assert_int_equal(sg_run_log_metrics(f->s, id, pts, 4, &err), 0);
	struct point_log l = { 0 };
	assert_int_equal(sg_run_metric_points_after(f->s, id, "loss", 0, collect_point, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.steps[0], 1);
	assert_int_equal(l.steps[1], 2);
	struct sg_metric_point more[] = { { "loss", 3, 0, 0.125 }, { "loss", 4, 0, NAN } };
	assert_int_equal(sg_run_log_metrics(f->s, id, more, 2, &err), 0);
	l.n = 0;
	assert_int_equal(sg_run_metric_points_after(f->s, id, "loss", 2, collect_point, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.steps[0], 3);
	assert_true(l.values[0] == 0.125);
	assert_true(isnan(l.values[1]));
	l.n = 0;
	assert_int_equal(sg_run_metric_points_after(f->s, id, "loss", 4, collect_point, &l, &err), 0);
	assert_int_equal(l.n, 0);
	/* From before the first step: every point, as sg_run_metric_points. */
	assert_int_equal(sg_run_metric_points_after(f->s, id, "loss", -1, collect_point, &l, &err), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(sg_run_metric_points_after(f->s, "nosuchrun", "loss", 0, collect_point, &l,
						    &err), -1);
}

static int count_runs(const struct sg_run_info *r, void *ud)
{
	char *names = ud;
	strcat(names, r->name);
	strcat(names, ",");
	return 0;
}

static void test_list_count_delete(void **state)
{
	struct fixture *f = *state;
	char a[17], b[17], c[17], names[256] = "";
	struct sg_error err = { 0 };
	start(f, "a", "x", a);
	usleep(2000);
	start(f, "b", "y", b);
	usleep(2000);
	start(f, "c", "x", c);
	sg_run_finish(f->s, b, SG_RUN_FINISHED, &err);
	assert_int_equal(sg_run_list(f->s, NULL, 0, count_runs, names, &err), 0);
	assert_string_equal(names, "c,b,a,");
	names[0] = '\0';
	assert_int_equal(sg_run_list(f->s, "x", 1, count_runs, names, &err), 0);
	assert_string_equal(names, "c,");
	assert_int_equal(sg_run_count(f->s, SG_RUN_RUNNING, &err), 2);
	assert_int_equal(sg_run_count(f->s, -1, &err), 3);
	struct sg_metric_point p = { "loss", 0, 0, 1.0 };
	sg_run_log_metrics(f->s, a, &p, 1, &err);
	sg_run_set_param(f->s, a, "k", "v", &err);
	assert_int_equal(sg_run_delete(f->s, a, &err), 0);
	assert_int_equal(sg_run_get(f->s, a, &(struct sg_run_info){ 0 }, &err), -1);
	sqlite3_stmt *st = sg_store_prepare(f->s, "SELECT (SELECT count(*) FROM metrics) + "
		"(SELECT count(*) FROM params) + (SELECT count(*) FROM metric_summary)", NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_reset(st);
}

/* Two processes writing at once never see "database is locked". */
static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	char id[17];
	start(f, "shared", NULL, id);
	pid_t kids[3];
	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct sg_error err = { 0 };
			struct sg_store *s = sg_store_open(f->path, 0, &err);
			if (!s)
				_exit(2);
			struct sg_metric_point pts[50];
			for (int batch = 0; batch < 40; batch++) {
				for (int i = 0; i < 50; i++)
					pts[i] = (struct sg_metric_point){ "m", batch * 50 + i, 0, k };
				if (sg_run_log_metrics(s, id, pts, 50, &err) != 0) {
					fprintf(stderr, "%s\n", err.msg);
					_exit(1);
				}
			}
			sg_store_close(s);
			_exit(0);
		}
	}
	for (int k = 0; k < 3; k++) {
		int st;
		waitpid(kids[k], &st, 0);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	struct sg_metric_summary m = { 0 };
	sqlite3_stmt *st = sg_store_prepare(f->s, "SELECT count FROM metric_summary", NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	m.count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	assert_int_equal(m.count, 3 * 40 * 50);
}

static void fmt_g(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%g", v);
}

static const struct sg_cmp_row *cmp_find(const struct sg_runcmp *c, enum sg_cmp_section sec,
					 const char *key, int summary)
{
	for (size_t i = 0; i < c->nrows; i++)
		if (c->rows[i].section == sec && c->rows[i].summary == summary &&
		    strcmp(c->rows[i].key, key) == 0)
			return &c->rows[i];
	fail_msg("no row %s", key);
	return NULL;
}

/* The comparison model: rows per section in order, missing cells, and the
 * "differs" rule (missing differs, NaN equals NaN, numbers as numbers). */
static void test_compare(void **state)
{
	struct fixture *f = *state;
	char a[17], b[17];
	struct sg_error err = { 0 };
	start(f, "a", NULL, a);
	start(f, "b", NULL, b);
	sg_run_set_param(f->s, a, "lr", "0.1", &err);
	sg_run_set_param(f->s, b, "lr", "0.1", &err);
	sg_run_set_param(f->s, a, "depth", "3", &err);
	sg_run_set_tag(f->s, b, "team", "x", &err);
	struct sg_metric_point pa[] = { { "loss", 0, 0, NAN }, { "acc", 0, 0, 0.5 } };
	struct sg_metric_point pb[] = { { "loss", 0, 0, NAN }, { "acc", 0, 0, 0.50 },
					{ "acc", 1, 0, 0.75 } };
	assert_int_equal(sg_run_log_metrics(f->s, a, pa, 2, &err), 0);
	assert_int_equal(sg_run_log_metrics(f->s, b, pb, 3, &err), 0);
	struct sg_runcmp c;
	sg_runcmp_init(&c, 2);
	assert_int_equal(sg_run_get(f->s, a, &c.runs[0], &err), 0);
	assert_int_equal(sg_run_get(f->s, b, &c.runs[1], &err), 0);
	sg_runcmp_cell(&c, "user", 0, "alice");
	sg_runcmp_cell(&c, "user", 1, "alice");
	assert_int_equal(sg_runcmp_load(&c, f->s, fmt_g, &err), 0);
	/* run, params (depth, lr), metrics (acc last/min/max, loss …), tags. */
	assert_int_equal(c.nrows, 1 + 2 + 6 + 1);
	assert_int_equal(c.rows[0].section, SG_CMP_RUN);
	assert_string_equal(c.rows[1].key, "depth");
	assert_int_equal(c.rows[3].section, SG_CMP_METRIC);
	assert_string_equal(c.rows[3].key, "acc");
	assert_int_equal(c.rows[3].summary, 0);
	assert_int_equal(c.rows[9].section, SG_CMP_TAG);
	assert_false(cmp_find(&c, SG_CMP_RUN, "user", -1)->differs);
	assert_false(cmp_find(&c, SG_CMP_PARAM, "lr", -1)->differs);
	const struct sg_cmp_row *depth = cmp_find(&c, SG_CMP_PARAM, "depth", -1);
	assert_true(depth->differs);
	assert_null(depth->text[1]);
	assert_false(cmp_find(&c, SG_CMP_METRIC, "loss", 0)->differs);
	assert_true(cmp_find(&c, SG_CMP_METRIC, "acc", 0)->differs);
	assert_false(cmp_find(&c, SG_CMP_METRIC, "acc", 1)->differs);
	assert_string_equal(cmp_find(&c, SG_CMP_METRIC, "acc", 2)->text[1], "0.75");
	assert_true(cmp_find(&c, SG_CMP_TAG, "team", -1)->differs);
	sg_runcmp_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_get_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_user_is_unix_account, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_prefix_name_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_tags_note_artifacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_keep_nan_inf_and_summarize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_points_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_count_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
