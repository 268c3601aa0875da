/* test_runquery.c — run queries: every operator and field kind, precedence,
 * numeric vs text params, NaN metrics, dates, regexes, error columns,
 * injection attempts, sorting and grouping against computations done here,
 * paging, keys, deleting a run, and a replay of tests/corpus/runquery. */
#include "tests/testutil.h"
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include "core/runquery.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_runquery.h"

struct fixture {
	char *dir, *path;
	struct sg_store *s;
	char id[5][SG_RUN_ID_LEN + 1];
};

/* Sets a run's status and times directly (the API stamps "now"). */
static void set_times(struct fixture *f, const char *id, const char *status, double start,
		      double end)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(sg_store_db(f->s), "UPDATE runs SET status = ?1, "
			 "start_time = ?2, end_time = ?3 WHERE id = ?4", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, start);
	if (end > 0)
		sqlite3_bind_double(st, 3, end);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void param(struct fixture *f, int run, const char *k, const char *v)
{
	assert_int_equal(sg_run_set_param(f->s, f->id[run], k, v, NULL), 0);
}

static void tag(struct fixture *f, int run, const char *k, const char *v)
{
	assert_int_equal(sg_run_set_tag(f->s, f->id[run], k, v, NULL), 0);
}

static void metric(struct fixture *f, int run, const char *k, const double *v, int n)
{
	struct sg_metric_point p[8];
	for (int i = 0; i < n; i++)
		p[i] = (struct sg_metric_point){ k, i, 0, v[i] };
	assert_int_equal(sg_run_log_metrics(f->s, f->id[run], p, (size_t)n, NULL), 0);
}

/* 2026-MM-DD HH:00 UTC as seconds. */
static double utc(int mon, int day, int hour)
{
	struct tm tm = { .tm_year = 126, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = hour };
	return (double)timegm(&tm);
}

/* Five runs, A..E:
 *   A xgb-a  iris  kim  FINISHED 10-01  lr=0.1  depth=3   opt=adam  early=True
 *         acc 0.5,0.8,0.7  loss 1.0,0.3  owner=kim
 *   B xgb-b  iris  kim  FINISHED 11-02 12h  lr=0.01 depth=5  opt=sgd  early=no
 *         acc 0.95  loss NaN  owner=lee
 *   C mlp    iris  root FAILED   11-05  lr=0.001 depth=10 opt=adam  date=2026-01-05
 *         acc 0.6,NaN  val:acc 0.55  owner=kim team=vision
 *   D automl other lee RUNNING 11-10 kind=train  lr=auto opt=1' OR '1'='1
 *   E rf     other kim  KILLED   09-15  lr=1e-2 depth=abc  acc 0.9  loss +inf  owner="" */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	tu_store_init(&f->dir, &f->path, &f->s);
	static const struct { const char *name, *exp, *user, *kind, *status; int mon, day, hour; }
	runs[5] = {
		{ "xgb-a", "iris", "kim", NULL, "FINISHED", 10, 1, 0 },
		{ "xgb-b", "iris", "kim", NULL, "FINISHED", 11, 2, 12 },
		{ "mlp", "iris", "root", NULL, "FAILED", 11, 5, 0 },
		{ "automl", "other", "lee", "train", "RUNNING", 11, 10, 0 },
		{ "rf", "other", "kim", NULL, "KILLED", 9, 15, 0 },
	};
	for (int i = 0; i < 5; i++) {
		struct sg_run_spec spec = { .name = runs[i].name, .experiment = runs[i].exp,
					    .user = runs[i].user, .kind = runs[i].kind };
		assert_int_equal(sg_run_start(f->s, &spec, f->id[i], NULL), 0);
		double t = utc(runs[i].mon, runs[i].day, runs[i].hour);
		set_times(f, f->id[i], runs[i].status, t, i == 3 ? 0 : t + 60);
	}
	param(f, 0, "lr", "0.1"), param(f, 0, "depth", "3"), param(f, 0, "opt", "adam");
	param(f, 0, "early", "True");
	param(f, 1, "lr", "0.01"), param(f, 1, "depth", "5"), param(f, 1, "opt", "sgd");
	param(f, 1, "early", "no");
	param(f, 2, "lr", "0.001"), param(f, 2, "depth", "10"), param(f, 2, "opt", "adam");
	param(f, 2, "date", "2026-01-05");
	param(f, 3, "lr", "auto"), param(f, 3, "opt", "1' OR '1'='1");
	param(f, 4, "lr", "1e-2"), param(f, 4, "depth", "abc");
	metric(f, 0, "acc", (double[]){ 0.5, 0.8, 0.7 }, 3);
	metric(f, 0, "loss", (double[]){ 1.0, 0.3 }, 2);
	metric(f, 1, "acc", (double[]){ 0.95 }, 1);
	metric(f, 1, "loss", (double[]){ NAN }, 1);
	metric(f, 2, "acc", (double[]){ 0.6, NAN }, 2);
	metric(f, 2, "val:acc", (double[]){ 0.55 }, 1);
	metric(f, 4, "acc", (double[]){ 0.9 }, 1);
	metric(f, 4, "loss", (double[]){ INFINITY }, 1);
	tag(f, 0, "owner", "kim"), tag(f, 1, "owner", "lee"), tag(f, 2, "owner", "kim");
	tag(f, 2, "team", "vision"), tag(f, 4, "owner", "");
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

/* The names of the runs matching expr, sorted by name and comma-joined
 * into buf ("" for none); "ERR: message" when it does not compile. */
static const char *names(struct fixture *f, const char *expr, char *buf, size_t n)
{
	struct sg_runquery *q = sg_rq_new();
	struct sg_error err = { 0 };
	if (sg_rq_set_where(q, expr, &err) != 0) {
		snprintf(buf, n, "ERR: %s", err.msg);
		sg_rq_free(q);
		return buf;
	}
	struct sg_rq_column by_name = { SG_RQ_NAME, SG_RQ_LAST, NULL };
	sg_rq_set_sort(q, &by_name, 0);
	struct sg_rq_page page;
	if (sg_rq_fetch(f->s, q, 0, 0, &page, &err) != 0)
		fail_msg("%s: %s", expr, err.msg);
	long long count = sg_rq_count(f->s, q, &err);
	assert_int_equal(count, (long long)page.nrows);
	assert_int_equal(page.total, count);
	buf[0] = '\0';
	for (size_t i = 0; i < page.nrows; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? "," : "",
			 page.rows[i].run.name);
	sg_rq_page_done(&page);
	sg_rq_free(q);
	return buf;
}

#define EXPECT(expr, want) do { \
		char buf_[1024]; \
		assert_string_equal(names(f, expr, buf_, sizeof buf_), want); \
	} while (0)

static void test_metrics(void **state)
{
	struct fixture *f = *state;
	EXPECT("metric.acc > 0.9", "xgb-b");
	EXPECT("metric.acc >= 0.9", "rf,xgb-b");
	EXPECT("metric.acc < 0.8", "xgb-a");
	EXPECT("metric.acc <= 0.7", "xgb-a");
	EXPECT("metric.acc == 0.95", "xgb-b");
	EXPECT("metric.acc = 0.95", "xgb-b");
	EXPECT("metric.acc != 0.95", "automl,mlp,rf,xgb-a");
	EXPECT("metric.acc.last == 0.7", "xgb-a");
	EXPECT("metric.acc.max >= 0.8", "rf,xgb-a,xgb-b");
	EXPECT("metric.acc.min < 0.55", "xgb-a");
	EXPECT("metric.acc.count == 2", "mlp");
	EXPECT("metrics.acc > 0.9", "xgb-b");
	EXPECT("metric.acc > \"0.9\"", "xgb-b");
	EXPECT("metric.`val:acc` > 0.5", "mlp");
	EXPECT("metric.`val:acc`.max > 0.5", "mlp");
	EXPECT("metric.loss > 1e300", "rf");
	EXPECT("metric.loss < -1", "");
	/* NaN and missing: only `is null` and `!=`. */
	EXPECT("metric.acc is null", "automl,mlp");
	EXPECT("metric.acc.min is null", "automl");
	EXPECT("metric.acc is not null", "rf,xgb-a,xgb-b");
	EXPECT("metric.loss is null", "automl,mlp,xgb-b");
	EXPECT("metric.nope > 0 or metric.nope <= 0", "");
}

static void test_params_numeric_vs_text(void **state)
{
	struct fixture *f = *state;
	EXPECT("param.lr < 0.01", "mlp");  /* "auto" vs 0.01 compares text: 'a' > '0' */
	EXPECT("param.lr == 0.01", "rf,xgb-b");  /* 1e-2 == 0.01 numerically */
	EXPECT("param.lr == \"0.01\"", "rf,xgb-b");
	EXPECT("param.lr == \"auto\"", "automl");
	EXPECT("param.lr > \"a\"", "automl");
	EXPECT("param.depth > 4", "mlp,rf,xgb-b");  /* 10 > 4 numerically; "abc" > "4" as text */
	EXPECT("param.depth < 4", "xgb-a");
	EXPECT("param.depth is null", "automl");
	EXPECT("params.depth is not null", "mlp,rf,xgb-a,xgb-b");
	EXPECT("param.opt == 'adam'", "mlp,xgb-a");
	EXPECT("param.opt != 'adam'", "automl,rf,xgb-b");
	EXPECT("param.early == true", "xgb-a");
	EXPECT("param.early == false", "xgb-b");
	EXPECT("param.date > 2026-01-01", "mlp");
	EXPECT("param.date < \"2026-01-05T00:00:01Z\"", "mlp");
	EXPECT("param.missing == 1", "");
}

static void test_tags_and_run_fields(void **state)
{
	struct fixture *f = *state;
	EXPECT("tag.owner == \"kim\"", "mlp,xgb-a");
	EXPECT("tag.owner == \"\"", "rf");
	EXPECT("tag.owner is null", "automl");
	EXPECT("tags.team is not null", "mlp");
	EXPECT("status == \"FINISHED\"", "xgb-a,xgb-b");
	EXPECT("status == 'finished'", "xgb-a,xgb-b");
	EXPECT("STATUS != \"RUNNING\"", "mlp,rf,xgb-a,xgb-b");
	EXPECT("user != \"root\"", "automl,rf,xgb-a,xgb-b");
	EXPECT("experiment == \"other\"", "automl,rf");
	EXPECT("kind == \"train\"", "automl");
	EXPECT("kind != \"train\"", "mlp,rf,xgb-a,xgb-b");
	EXPECT("name == \"mlp\"", "mlp");
	EXPECT("name >= \"x\"", "xgb-a,xgb-b");
	EXPECT("ended is null", "automl");
	EXPECT("ended is not null and started is not null", "mlp,rf,xgb-a,xgb-b");
}

static void test_regex(void **state)
{
	struct fixture *f = *state;
	EXPECT("name ~ \"^xgb\"", "xgb-a,xgb-b");
	EXPECT("name !~ \"^xgb\"", "automl,mlp,rf");
	EXPECT("name ~ \"-[ab]$\"", "xgb-a,xgb-b");
	EXPECT("name ~ \"XGB\"", "");
	EXPECT("param.opt ~ \"^a\"", "mlp,xgb-a");
	EXPECT("param.opt !~ \"^a\"", "automl,rf,xgb-b");
	EXPECT("tag.team ~ \"vis\"", "mlp");
	EXPECT("user ~ \"^(kim|lee)$\"", "automl,rf,xgb-a,xgb-b");
	EXPECT("experiment ~ 'i.i' and status ~ 'FAIL'", "mlp");
}

static void test_dates(void **state)
{
	struct fixture *f = *state;
	setenv("TZ", "UTC", 1);
	tzset();
	EXPECT("started > \"2026-11-01\"", "automl,mlp,xgb-b");
	EXPECT("started > 2026-11-01", "automl,mlp,xgb-b");
	EXPECT("started > \"2026-11-01T00:00:00Z\"", "automl,mlp,xgb-b");
	EXPECT("started >= \"2026-11-02T12:00:00+00:00\"", "automl,mlp,xgb-b");
	EXPECT("started < \"2026-11-02T20:00:00\"", "rf,xgb-a,xgb-b");
	char want[64];
	snprintf(want, sizeof want, "started == %.0f", utc(11, 5, 0));
	EXPECT(want, "mlp");
	EXPECT("ended < 2026-10-01T00:01:01Z", "rf,xgb-a");
	/* No zone means local time: nine hours east of UTC, 20:00 local is 11:00Z,
	 * before xgb-b started (12:00Z); an explicit zone is unaffected. */
	setenv("TZ", "UTC-9", 1);
	tzset();
	EXPECT("started < \"2026-11-02T20:00:00\"", "rf,xgb-a");
	EXPECT("started < \"2026-11-02T20:00:00Z\"", "rf,xgb-a,xgb-b");
	EXPECT("started < \"2026-11-02T21:00:00+09:00\"", "rf,xgb-a");
	EXPECT("started < \"2026-11-02T21:00:00+08:00\"", "rf,xgb-a,xgb-b");
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_logic_and_precedence(void **state)
{
	struct fixture *f = *state;
	/* and binds tighter than or */
	EXPECT("status == \"FINISHED\" or status == \"FAILED\" and user == \"root\"",
	       "mlp,xgb-a,xgb-b");
	EXPECT("(status == \"FINISHED\" or status == \"FAILED\") and user == \"root\"", "mlp");
	EXPECT("status == 'FINISHED' || status == 'FAILED' && user == 'root'", "mlp,xgb-a,xgb-b");
	EXPECT("not metric.acc > 0.9", "automl,mlp,rf,xgb-a");
	EXPECT("! (name == 'mlp')", "automl,rf,xgb-a,xgb-b");
	EXPECT("not not name == 'mlp'", "mlp");
	EXPECT("NOT param.depth IS NULL AND param.depth < 4", "xgb-a");
	EXPECT("not (param.opt == 'adam' or tag.owner == 'lee')", "automl,rf");
	EXPECT("(((name == 'rf')))", "rf");
	EXPECT("name == 'rf' or name == 'mlp' or name == 'automl' or name == 'xgb-a'",
	       "automl,mlp,rf,xgb-a");
}

static void test_injection_is_inert(void **state)
{
	struct fixture *f = *state;
	EXPECT("param.x == \"1' OR '1'='1\"", "");
	EXPECT("param.opt == \"1' OR '1'='1\"", "automl");
	EXPECT("name == \"x\\\"; DROP TABLE runs; --\"", "");
	EXPECT("param.`x') OR 1=1 --` == 1", "");
	EXPECT("tag.`owner' OR '1'='1` is not null", "");
	EXPECT("name ~ \"'; OR 1=1 --\"", "");
	EXPECT("metric.acc > 0.9 or name == \"'); DELETE FROM runs; --\"", "xgb-b");
	EXPECT("status != \"RUNNING\" or 1=1", "ERR: where:1:24: expected a field (use metric.NAME, "
	       "param.NAME, tag.NAME, status, user, name, experiment, kind, started, ended), found '1'");
	assert_int_equal(sg_run_count(f->s, -1, NULL), 5);
	/* No user text reaches the SQL: only placeholders. */
	struct sg_runquery *q = sg_rq_new();
	assert_int_equal(sg_rq_set_where(q, "param.`k'ey` == \"v'al\" and name ~ \"r'e\"", NULL), 0);
	const char *sql = sg_rq_where_sql(q);
	assert_null(strstr(sql, "k'ey"));
	assert_null(strstr(sql, "v'al"));
	assert_null(strstr(sql, "r'e"));
	assert_non_null(strstr(sql, "?1"));
	sg_rq_free(q);
}

/* The exact message for expr. */
static void expect_error(const char *expr, const char *want)
{
	struct sg_runquery *q = sg_rq_new();
	struct sg_error err = { 0 };
	assert_int_equal(sg_rq_set_where(q, expr, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_string_equal(err.msg, want);
	assert_string_equal(sg_rq_where_sql(q), "1");
	sg_rq_free(q);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("param.x > 1 or metrc.acc > 0.5",
		     "where:1:16: unknown field 'metrc.acc' (use metric.NAME, param.NAME, tag.NAME, "
		     "status, user, name, experiment, kind, started, ended)");
	expect_error("metric > 1", "where:1:1: 'metric' needs a name: metric.NAME");
	expect_error("metric. > 1", "where:1:1: empty name in 'metric.' (put odd names in `backquotes`)");
	expect_error("metric.acc > \"high\"",
		     "where:1:14: 'metric.acc' holds numbers: compare it with a number, not '\"high\"'");
	expect_error("metric.acc ~ \"9\"", "where:1:12: '~' needs text; 'metric.acc' holds numbers");
	expect_error("started > \"yesterday\"",
		     "where:1:11: expected a date (2026-11-01, 2026-11-01T10:00:00Z) or seconds since "
		     "the epoch for 'started', found '\"yesterday\"'");
	expect_error("status == \"DONE\"",
		     "where:1:11: unknown status '\"DONE\"' (RUNNING, FINISHED, FAILED, KILLED)");
	expect_error("name ~ \"(\"", "where:1:8: bad regex: Unmatched ( or \\(");
	expect_error("name ~ 3", "where:1:8: expected a quoted regex after '~', found '3'");
	expect_error("(name == \"x\"", "where:1:13: expected ')' to close the '(' at 1:1, found the end");
	expect_error("name ==", "where:1:8: expected a value after '==', found the end");
	expect_error("name == mlp",
		     "where:1:9: expected a value after '==', found 'mlp' (quote text: \"mlp\")");
	expect_error("name == null", "where:1:9: compare with null using 'is null' or 'is not null'");
	expect_error("name is 3", "where:1:9: expected 'null' after 'is', found '3'");
	expect_error("name", "where:1:5: expected an operator (== != < <= > >= ~ !~ is) after "
		     "'name', found the end");
	expect_error("metric.`acc > 1", "where:1:8: unterminated name (no closing `)");
	expect_error("name == \"x", "where:1:9: unterminated string (no closing \")");
	expect_error("name == 'x' name == 'y'",
		     "where:1:13: expected 'and', 'or' or the end, found 'name'");
	expect_error("name == 'x'\n  and bogus > 1", "where:2:7: unknown field 'bogus' (use "
		     "metric.NAME, param.NAME, tag.NAME, status, user, name, experiment, kind, "
		     "started, ended)");
	expect_error("name == 1x", "where:1:9: bad number '1x' (quote text values)");
	expect_error("name == 'é' and \x01", "where:1:17: unexpected control byte 0x01");
	expect_error("name == 'é' and § == 1", "where:1:17: unknown field '§' (use metric.NAME, "
		     "param.NAME, tag.NAME, status, user, name, experiment, kind, started, ended)");
	expect_error("name # 1", "where:1:6: unexpected character '#'");
	/* Depth and length limits. */
	char deep[512] = "";
	for (int i = 0; i < 17; i++)
		strcat(deep, "(");
	strcat(deep, "name == 'x'");
	expect_error(deep, "where:1:17: expression nested too deeply (limit 16)");
	expect_error("not not not not not not not not not not not not not not not not not name == 'x'",
		     "where:1:65: expression nested too deeply (limit 16)");
	char *l = sg_xmalloc(30000);
	l[0] = '\0';
	for (int i = 0; i < 1001; i++)
		strcat(l, i ? " or name == 'x'" : "name == 'x'");
	struct sg_runquery *q = sg_rq_new();
	struct sg_error err = { 0 };
	assert_int_equal(sg_rq_set_where(q, l, &err), -1);
	assert_non_null(strstr(err.msg, "expression too long (at most 1000 conditions)"));
	sg_rq_free(q);
	free(l);
}

/* Tokens at the edges: cut off at the end, huge numbers, UTF-8 names. */
static void test_token_edges(void **state)
{
	struct fixture *f = *state;
	expect_error("metric.`", "where:1:8: unterminated name (no closing `)");
	expect_error("tag.`a``", "where:1:5: unterminated name (no closing `)");
	expect_error("name == \"a\\", "where:1:9: unterminated string (no closing \")");
	expect_error("name ~", "where:1:7: expected a quoted regex after '~', found the end");
	expect_error("name == \"x\" &&", "where:1:15: expected a field (" "use metric.NAME, "
		     "param.NAME, tag.NAME, status, user, name, experiment, kind, started, ended), "
		     "found the end");
	expect_error("not", "where:1:4: expected a field (use metric.NAME, param.NAME, tag.NAME, "
		     "status, user, name, experiment, kind, started, ended), found the end");
	expect_error("name !", "where:1:6: expected an operator (== != < <= > >= ~ !~ is) after "
		     "'name', found '!'");
	/* huge numbers are numbers, never an overflow */
	EXPECT("param.lr < 1e400", "mlp,rf,xgb-a,xgb-b");
	EXPECT("param.lr < 123456789012345678901234567890", "mlp,rf,xgb-a,xgb-b");
	EXPECT("metric.loss > -1e400", "rf,xgb-a");
	/* UTF-8 names, bare or backquoted; positions count characters */
	tag(f, 2, "città", "Roma");
	EXPECT("tag.città == 'Roma'", "mlp");
	EXPECT("tag.`città` == \"Roma\" and user == 'root'", "mlp");
	expect_error("tag.città == 'Roma' and città == 1", "where:1:25: unknown field 'città' (use "
		     "metric.NAME, param.NAME, tag.NAME, status, user, name, experiment, kind, "
		     "started, ended)");
}

static void test_long_chains_run(void **state)
{
	struct fixture *f = *state;
	/* 1000 conditions: flat runs in parenthesized groups, so neither
	 * SQLite's expression depth nor its parser stack runs out. */
	char *l = sg_xmalloc(40000);
	l[0] = '\0';
	for (int i = 0; i < 999; i++)
		strcat(l, i ? " or name == 'zz'" : "name == 'zz'");
	strcat(l, " or name == 'rf'");
	EXPECT(l, "rf");
	l[0] = '\0';
	for (int i = 0; i < 999; i++)
		strcat(l, i ? " and name != 'zz'" : "name != 'zz'");
	strcat(l, " and name == 'rf'");
	EXPECT(l, "rf");
	free(l);
}

/* The deepest nesting allowed, in the shapes that cost SQLite's parser
 * most, runs in every kind of statement (count, sorted page, group). */
static void test_nesting_limit_runs(void **state)
{
	struct fixture *f = *state;
	static const struct { const char *open, *close; int levels; } wraps[] = {
		{ "not (", ")", 2 },
		{ "(param.lr == 0.1 or ", ")", 1 },
		{ "(name == 'a' or (param.lr == 'b' and ", "))", 2 },
		{ "(param.lr == 1 and not ", ")", 2 },
		{ "not (param.lr == 1 or ", ")", 2 },
	};
	static const char *const leaves[] = { "param.depth == 3", "metric.acc.max >= 0.8",
					      "tag.owner ~ 'k'", "started > '2026-01-01'",
					      "param.depth is not null" };
	for (size_t w = 0; w < sizeof wraps / sizeof wraps[0]; w++) {
		for (size_t l = 0; l < sizeof leaves / sizeof leaves[0]; l++) {
			char expr[2048] = "";
			int reps = 16 / wraps[w].levels;
			for (int i = 0; i < reps; i++)
				strcat(expr, wraps[w].open);
			strcat(expr, leaves[l]);
			for (int i = 0; i < reps; i++)
				strcat(expr, wraps[w].close);
			struct sg_runquery *q = sg_rq_new();
			struct sg_error err = { 0 };
			if (sg_rq_set_where(q, expr, &err) != 0)
				fail_msg("%s: %s", expr, err.msg);
			struct sg_rq_column c = { SG_RQ_PARAM, SG_RQ_LAST, "lr" };
			sg_rq_set_columns(q, &c, 1);
			sg_rq_set_sort(q, &c, 1);
			sg_rq_set_experiment(q, "iris");
			struct sg_rq_page page;
			struct sg_rq_groups g;
			struct sg_rq_column by = { SG_RQ_TAG, SG_RQ_LAST, "owner" };
			if (sg_rq_count(f->s, q, &err) < 0 || sg_rq_fetch(f->s, q, 0, 10, &page, &err) ||
			    sg_rq_group(f->s, q, &by, &g, &err))
				fail_msg("%s: %s", expr, err.msg);
			sg_rq_page_done(&page);
			sg_rq_groups_done(&g);
			sg_rq_free(q);
		}
	}
}

/* The run names of a page, in order. */
static void page_names(struct fixture *f, struct sg_runquery *q, size_t off, size_t n,
		       char *buf, size_t bufn)
{
	struct sg_rq_page page;
	struct sg_error err = { 0 };
	if (sg_rq_fetch(f->s, q, off, n, &page, &err) != 0)
		fail_msg("%s", err.msg);
	buf[0] = '\0';
	for (size_t i = 0; i < page.nrows; i++)
		snprintf(buf + strlen(buf), bufn - strlen(buf), "%s%s", i ? "," : "",
			 page.rows[i].run.name);
	sg_rq_page_done(&page);
}

static void sorted(struct fixture *f, const char *col, int desc, const char *want)
{
	struct sg_runquery *q = sg_rq_new();
	struct sg_rq_column c;
	struct sg_error err = { 0 };
	if (sg_rq_column_parse(col, strlen(col), "sort", &c, &err) != 0)
		fail_msg("%s", err.msg);
	sg_rq_set_sort(q, &c, desc);
	sg_rq_column_done(&c);
	char buf[256];
	page_names(f, q, 0, 0, buf, sizeof buf);
	assert_string_equal(buf, want);
	sg_rq_free(q);
}

static void test_sort_fixture(void **state)
{
	struct fixture *f = *state;
	/* Default: newest first. */
	struct sg_runquery *q = sg_rq_new();
	char buf[256];
	page_names(f, q, 0, 0, buf, sizeof buf);
	assert_string_equal(buf, "automl,mlp,xgb-b,xgb-a,rf");
	sg_rq_free(q);
	/* NaN (mlp) and missing (automl) last, newest first among them. */
	sorted(f, "metric.acc", 0, "xgb-a,rf,xgb-b,automl,mlp");
	sorted(f, "metric.acc", 1, "xgb-b,rf,xgb-a,automl,mlp");
	sorted(f, "metric.acc.min", 0, "xgb-a,mlp,rf,xgb-b,automl");
	sorted(f, "metric.loss", 1, "rf,xgb-a,automl,mlp,xgb-b");
	/* Numbers numerically (10 after 5), then text, then missing. */
	sorted(f, "param.depth", 0, "xgb-a,xgb-b,mlp,rf,automl");
	sorted(f, "param.depth", 1, "mlp,xgb-b,xgb-a,rf,automl");
	sorted(f, "param.lr", 0, "mlp,xgb-b,rf,xgb-a,automl");
	sorted(f, "tag.owner", 0, "rf,mlp,xgb-a,xgb-b,automl");
	sorted(f, "status", 0, "mlp,xgb-b,xgb-a,rf,automl");
	sorted(f, "ended", 0, "rf,xgb-a,xgb-b,mlp,automl");
	sorted(f, "started", 0, "rf,xgb-a,xgb-b,mlp,automl");
	sorted(f, "name", 1, "xgb-b,xgb-a,rf,mlp,automl");
}

static void test_columns_values(void **state)
{
	struct fixture *f = *state;
	struct sg_rq_column *cols;
	int n;
	struct sg_error err = { 0 };
	assert_int_equal(sg_rq_columns_parse("param.lr, metric.acc,metric.`val:acc`.max,tag.owner,"
					     "status,ended", "columns", &cols, &n, &err), 0);
	assert_int_equal(n, 6);
	struct sg_runquery *q = sg_rq_new();
	sg_rq_set_columns(q, cols, n);
	sg_rq_columns_free(cols, n);
	assert_int_equal(sg_rq_set_where(q, "experiment == 'iris' or kind == 'train'", &err), 0);
	struct sg_rq_page p;
	assert_int_equal(sg_rq_fetch(f->s, q, 0, 0, &p, &err), 0);
	assert_int_equal(p.nrows, 4);
	assert_int_equal(p.ncols, 6);
	/* automl: lr "auto" text, no metrics, no tag, running */
	struct sg_rq_row *r = &p.rows[0];
	assert_string_equal(r->run.name, "automl");
	assert_string_equal(r->run.experiment, "other");
	assert_string_equal(r->run.kind, "train");
	assert_int_equal(r->val[0].type, SG_RQV_TEXT);
	assert_string_equal(r->val[0].text, "auto");
	assert_int_equal(r->val[1].type, SG_RQV_MISSING);
	assert_int_equal(r->val[3].type, SG_RQV_MISSING);
	assert_int_equal(r->val[4].type, SG_RQV_TEXT);
	assert_string_equal(r->val[4].text, "RUNNING");
	assert_int_equal(r->val[5].type, SG_RQV_MISSING);
	/* mlp: acc last NaN, val:acc max 0.55 */
	r = &p.rows[1];
	assert_string_equal(r->run.name, "mlp");
	assert_int_equal(r->val[0].type, SG_RQV_NUMBER);
	assert_string_equal(r->val[0].text, "0.001");
	assert_true(r->val[0].num == 0.001);
	assert_int_equal(r->val[1].type, SG_RQV_NUMBER);
	assert_true(isnan(r->val[1].num));
	assert_int_equal(r->val[2].type, SG_RQV_NUMBER);
	assert_true(r->val[2].num == 0.55);
	assert_string_equal(r->val[3].text, "kim");
	assert_true(r->val[5].num == utc(11, 5, 0) + 60);
	/* xgb-a: acc last 0.7 */
	assert_true(p.rows[3].val[1].num == 0.7);
	assert_int_equal(p.rows[3].run.status, SG_RUN_FINISHED);
	sg_rq_page_done(&p);
	sg_rq_free(q);
}

static void test_column_names(void **state)
{
	(void)state;
	static const struct { const char *in, *canon, *key; enum sg_rq_field f; int sum; } cases[] = {
		{ "metric.acc", "metric.acc", "acc", SG_RQ_METRIC, SG_RQ_LAST },
		{ "metric.acc.last", "metric.acc", "acc", SG_RQ_METRIC, SG_RQ_LAST },
		{ "Metrics.acc.max", "metric.acc.max", "acc", SG_RQ_METRIC, SG_RQ_MAX },
		{ "metric.val.acc", "metric.val.acc", "val.acc", SG_RQ_METRIC, SG_RQ_LAST },
		{ "metric.`val:acc`.min", "metric.`val:acc`.min", "val:acc", SG_RQ_METRIC, SG_RQ_MIN },
		{ "metric.min", "metric.min", "min", SG_RQ_METRIC, SG_RQ_LAST },
		{ "metric.`a.min`", "metric.`a.min`", "a.min", SG_RQ_METRIC, SG_RQ_LAST },
		{ "metric.a.`min`", "metric.`a.min`", "a.min", SG_RQ_METRIC, SG_RQ_LAST },
		{ "param.a.max", "param.a.max", "a.max", SG_RQ_PARAM, 0 },
		{ "param.`a b`", "param.`a b`", "a b", SG_RQ_PARAM, 0 },
		{ "tag.`x``y`", "tag.`x``y`", "x`y", SG_RQ_TAG, 0 },
		{ "tag.`,`", "tag.`,`", ",", SG_RQ_TAG, 0 },
		{ "started", "started", NULL, SG_RQ_STARTED, 0 },
		{ " Experiment ", "experiment", NULL, SG_RQ_EXPERIMENT, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sg_rq_column c, again;
		struct sg_error err = { 0 };
		if (sg_rq_column_parse(cases[i].in, strlen(cases[i].in), "sort", &c, &err) != 0)
			fail_msg("%s: %s", cases[i].in, err.msg);
		assert_int_equal(c.field, cases[i].f);
		if (cases[i].key)
			assert_string_equal(c.key, cases[i].key);
		else
			assert_null(c.key);
		if (c.field == SG_RQ_METRIC)
			assert_int_equal(c.summary, cases[i].sum);
		char *name = sg_rq_column_name(&c);
		assert_string_equal(name, cases[i].canon);
		assert_int_equal(sg_rq_column_parse(name, strlen(name), "sort", &again, NULL), 0);
		assert_int_equal(again.field, c.field);
		assert_int_equal(again.summary, c.summary);
		if (c.key)
			assert_string_equal(again.key, c.key);
		free(name);
		sg_rq_column_done(&c);
		sg_rq_column_done(&again);
	}
	struct sg_rq_column c;
	struct sg_error err = { 0 };
	assert_int_equal(sg_rq_column_parse("metric.acc:desc", 15, "sort", &c, &err), -1);
	assert_string_equal(err.msg, "sort:1:11: unexpected character ':'");
	assert_int_equal(sg_rq_column_parse("bogus", 5, "sort", &c, &err), -1);
	assert_non_null(strstr(err.msg, "sort:1:1: unknown field 'bogus'"));
	struct sg_rq_column *cols;
	int n;
	assert_int_equal(sg_rq_columns_parse("param.lr,,status", "columns", &cols, &n, &err), -1);
	assert_non_null(strstr(err.msg, "columns:1:10: expected a field"));
	assert_int_equal(sg_rq_columns_parse("tag.`a,b`,status", "columns", &cols, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(cols[0].key, "a,b");
	sg_rq_columns_free(cols, n);
}

static void test_keys(void **state)
{
	struct fixture *f = *state;
	struct sg_rq_keys k;
	assert_int_equal(sg_rq_keys(f->s, SG_RQ_PARAM, &k, NULL), 0);
	assert_int_equal(k.n, 5);
	static const char *const pk[] = { "date", "depth", "early", "lr", "opt" };
	for (int i = 0; i < 5; i++)
		assert_string_equal(k.key[i], pk[i]);
	sg_rq_keys_done(&k);
	assert_int_equal(sg_rq_keys(f->s, SG_RQ_METRIC, &k, NULL), 0);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.key[0], "acc");
	assert_string_equal(k.key[1], "loss");
	assert_string_equal(k.key[2], "val:acc");
	sg_rq_keys_done(&k);
	assert_int_equal(sg_rq_keys(f->s, SG_RQ_TAG, &k, NULL), 0);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.key[1], "team");
	sg_rq_keys_done(&k);
	assert_int_equal(sg_rq_keys(f->s, SG_RQ_STATUS, &k, NULL), -1);
}

/* ---- a random store, checked against computations done here ---------------------- */

#define NR 300
struct model {
	char id[SG_RUN_ID_LEN + 1];
	double start;
	char p[16];                   /* "" = missing */
	char g[8];                    /* group param; "" = missing */
	int has_m;
	double m;                     /* may be NaN */
};

static struct model models[NR];

static int is_number(const char *s, double *v)
{
	char *end;
	if (!*s)
		return 0;
	*v = strtod(s, &end);
	return *end == '\0' && !isnan(*v) && !isinf(*v);
}

/* Fills the store with NR runs with random values, remembering them. */
static void random_store(struct fixture *f)
{
	srand(7);
	for (int i = 0; i < NR; i++) {
		struct model *m = &models[i];
		struct sg_run_spec spec = { .name = "r", .experiment = "rand" };
		assert_int_equal(sg_run_start(f->s, &spec, m->id, NULL), 0);
		m->start = 1e9 + (rand() % 50) * 10;   /* ties on purpose */
		set_times(f, m->id, "FINISHED", m->start, m->start + 1);
		int kind = rand() % 4;
		if (kind == 0)
			snprintf(m->p, sizeof m->p, "%d", rand() % 20 - 10);
		else if (kind == 1)
			snprintf(m->p, sizeof m->p, "%.3g", (rand() % 1000) / 7.0);
		else if (kind == 2)
			snprintf(m->p, sizeof m->p, "w%d", rand() % 30);
		if (m->p[0])
			assert_int_equal(sg_run_set_param(f->s, m->id, "p", m->p, NULL), 0);
		static const char *const groups[] = { "", "a", "b", "10", "9" };
		snprintf(m->g, sizeof m->g, "%s", groups[rand() % 5]);
		if (m->g[0])
			assert_int_equal(sg_run_set_param(f->s, m->id, "g", m->g, NULL), 0);
		m->has_m = rand() % 6 != 0;
		m->m = rand() % 10 == 0 ? NAN : (rand() % 100000) / 1000.0 - 20;
		if (m->has_m) {
			struct sg_metric_point pt = { "m", 0, 0, m->m };
			assert_int_equal(sg_run_log_metrics(f->s, m->id, &pt, 1, NULL), 0);
		}
	}
}

static int sort_desc;

/* Ties: newest first, then id. */
static int tie(const struct model *a, const struct model *b)
{
	if (a->start != b->start)
		return a->start > b->start ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int by_param(const void *pa, const void *pb)
{
	const struct model *a = pa, *b = pb;
	double x, y;
	int ra = !a->p[0] ? 2 : is_number(a->p, &x) ? 0 : 1;
	int rb = !b->p[0] ? 2 : is_number(b->p, &y) ? 0 : 1;
	if (ra != rb)
		return ra - rb;
	int c = 0;
	if (ra == 0)
		c = (x > y) - (x < y);
	else if (ra == 1)
		c = strcmp(a->p, b->p);
	if (sort_desc)
		c = -c;
	return c ? c : tie(a, b);
}

static int by_metric(const void *pa, const void *pb)
{
	const struct model *a = pa, *b = pb;
	int ra = !a->has_m || isnan(a->m), rb = !b->has_m || isnan(b->m);
	if (ra != rb)
		return ra - rb;
	int c = ra ? 0 : (a->m > b->m) - (a->m < b->m);
	if (sort_desc)
		c = -c;
	return c ? c : tie(a, b);
}

/* Fetches the whole order in pages of `step` and compares with want. */
static void check_order(struct fixture *f, struct sg_runquery *q, const struct model *want,
			size_t step)
{
	size_t got = 0;
	for (size_t off = 0; off < NR + step; off += step) {
		struct sg_rq_page p;
		assert_int_equal(sg_rq_fetch(f->s, q, off, step, &p, NULL), 0);
		assert_int_equal(p.offset, off);
		assert_int_equal(p.total, NR);
		assert_int_equal(p.nrows, off >= NR ? 0 : (NR - off < step ? NR - off : step));
		for (size_t i = 0; i < p.nrows; i++)
			assert_string_equal(p.rows[i].run.id, want[got++].id);
		sg_rq_page_done(&p);
	}
	assert_int_equal(got, NR);
}

static void test_random_sort_and_pages(void **state)
{
	struct fixture *f = *state;
	random_store(f);
	struct model want[NR];
	struct sg_runquery *q = sg_rq_new();
	sg_rq_set_experiment(q, "rand");
	assert_int_equal(sg_rq_count(f->s, q, NULL), NR);
	static const size_t steps[] = { 1, 7, 50, NR };
	for (int desc = 0; desc < 2; desc++) {
		sort_desc = desc;
		struct sg_rq_column cp = { SG_RQ_PARAM, SG_RQ_LAST, "p" };
		sg_rq_set_sort(q, &cp, desc);
		memcpy(want, models, sizeof want);
		qsort(want, NR, sizeof *want, by_param);
		for (int s = 0; s < 4; s++)
			check_order(f, q, want, steps[s]);
		struct sg_rq_column cm = { SG_RQ_METRIC, SG_RQ_LAST, "m" };
		sg_rq_set_sort(q, &cm, desc);
		memcpy(want, models, sizeof want);
		qsort(want, NR, sizeof *want, by_metric);
		for (int s = 0; s < 4; s++)
			check_order(f, q, want, steps[s]);
	}
	/* Filtered count against a direct count. */
	assert_int_equal(sg_rq_set_where(q, "metric.m > 10 and param.p is not null", NULL), 0);
	long long n = 0;
	for (int i = 0; i < NR; i++)
		n += models[i].has_m && models[i].m > 10 && models[i].p[0];
	assert_int_equal(sg_rq_count(f->s, q, NULL), n);
	sg_rq_free(q);
}

static void test_random_group(void **state)
{
	struct fixture *f = *state;
	random_store(f);
	struct sg_runquery *q = sg_rq_new();
	sg_rq_set_experiment(q, "rand");
	struct sg_rq_column cols[2] = { { SG_RQ_METRIC, SG_RQ_LAST, "m" },
					{ SG_RQ_PARAM, SG_RQ_LAST, "p" } };
	sg_rq_set_columns(q, cols, 2);
	struct sg_rq_column by = { SG_RQ_PARAM, SG_RQ_LAST, "g" };
	struct sg_rq_groups g;
	struct sg_error err = { 0 };
	if (sg_rq_group(f->s, q, &by, &g, &err) != 0)
		fail_msg("%s", err.msg);
	/* numbers numerically, then text, then missing */
	static const char *const order[] = { "9", "10", "a", "b", NULL };
	assert_int_equal(g.n, 5);
	for (size_t i = 0; i < g.n; i++) {
		if (order[i])
			assert_string_equal(g.g[i].value, order[i]);
		else
			assert_null(g.g[i].value);
		const char *gv = order[i] ? order[i] : "";
		/* two-pass mean and sample std here */
		for (int c = 0; c < 2; c++) {
			long long cnt = 0, runs = 0;
			double sum = 0, ss = 0, v;
			for (int pass = 0; pass < 2; pass++) {
				double mean = cnt ? sum / (double)cnt : 0;
				for (int r = 0; r < NR; r++) {
					const struct model *m = &models[r];
					if (strcmp(m->g, gv) != 0)
						continue;
					runs += pass == 0;
					int ok = c == 0 ? m->has_m && !isnan(m->m) : is_number(m->p, &v);
					if (!ok)
						continue;
					v = c == 0 ? m->m : v;
					if (pass == 0) {
						cnt++;
						sum += v;
					} else {
						ss += (v - mean) * (v - mean);
					}
				}
			}
			assert_int_equal(g.g[i].count, runs);
			assert_int_equal(g.g[i].stat[c].n, cnt);
			assert_true(cnt > 1);
			assert_float_equal(g.g[i].stat[c].mean, sum / (double)cnt, 1e-9);
			assert_float_equal(g.g[i].stat[c].std, sqrt(ss / (double)(cnt - 1)), 1e-9);
		}
	}
	sg_rq_groups_done(&g);
	struct sg_rq_column bad = { SG_RQ_METRIC, SG_RQ_LAST, "m" };
	assert_int_equal(sg_rq_group(f->s, q, &bad, &g, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	sg_rq_free(q);
}

static void test_group_fixture_small(void **state)
{
	struct fixture *f = *state;
	struct sg_runquery *q = sg_rq_new();
	struct sg_rq_column col = { SG_RQ_METRIC, SG_RQ_LAST, "acc" };
	sg_rq_set_columns(q, &col, 1);
	struct sg_rq_column by = { SG_RQ_TAG, SG_RQ_LAST, "owner" };
	struct sg_rq_groups g;
	assert_int_equal(sg_rq_group(f->s, q, &by, &g, NULL), 0);
	/* "" (rf), kim (xgb-a 0.7, mlp NaN), lee (xgb-b), missing (automl) */
	assert_int_equal(g.n, 4);
	assert_string_equal(g.g[0].value, "");
	assert_int_equal(g.g[1].count, 2);
	assert_int_equal(g.g[1].stat[0].n, 1);
	assert_true(g.g[1].stat[0].mean == 0.7);
	assert_true(isnan(g.g[1].stat[0].std));
	assert_null(g.g[3].value);
	assert_int_equal(g.g[3].stat[0].n, 0);
	assert_true(isnan(g.g[3].stat[0].mean));
	sg_rq_groups_done(&g);
	sg_rq_free(q);
}

static void test_remove_run(void **state)
{
	struct fixture *f = *state;
	char *runs = sg_path_join(f->dir, "runs");
	char *rdir = sg_path_join(runs, f->id[0]);
	char *sub = sg_path_join(rdir, "sub");
	assert_int_equal(sg_mkdir_p(sub, 0755, NULL), 0);
	free(tu_write(sub, "model.bin", "x"));
	free(tu_write(rdir, "log.txt", "y"));
	char *link = sg_path_join(rdir, "link");
	assert_int_equal(symlink("/etc", link), 0);
	free(link);
	char id[SG_RUN_ID_LEN + 1];
	struct sg_error err = { 0 };
	char prefix[8];
	snprintf(prefix, sizeof prefix, "%.6s", f->id[0]);
	assert_int_equal(sg_rq_remove_run(f->s, runs, prefix, id, &err), 0);
	assert_string_equal(id, f->id[0]);
	assert_false(sg_is_dir(rdir));
	assert_true(sg_is_dir("/etc"));
	EXPECT("name == 'xgb-a'", "");
	sqlite3_stmt *st;
	sqlite3_prepare_v2(sg_store_db(f->s), "SELECT (SELECT count(*) FROM params WHERE run_id = ?1)"
			   " + (SELECT count(*) FROM metrics WHERE run_id = ?1) + (SELECT count(*) "
			   "FROM metric_summary WHERE run_id = ?1) + (SELECT count(*) FROM tags "
			   "WHERE run_id = ?1)", -1, &st, NULL);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	/* Again: gone.  A run without a folder is fine. */
	assert_int_equal(sg_rq_remove_run(f->s, runs, id, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_int_equal(sg_rq_remove_run(f->s, runs, f->id[1], NULL, &err), 0);
	assert_int_equal(sg_run_count(f->s, -1, NULL), 3);
	free(runs);
	free(rdir);
	free(sub);
}

/* Feeds every file of tests/corpus/runquery to the fuzz target. */
static void test_corpus(void **state)
{
	(void)state;
	assert_true(tu_replay_corpus("runquery", sg_fuzz_runquery) >= 15);
	sg_fuzz_runquery((const uint8_t *)"", 0);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_numeric_vs_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags_and_run_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logic_and_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_injection_is_inert, setup, teardown),
		cmocka_unit_test(test_errors),
		cmocka_unit_test_setup_teardown(test_token_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_chains_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting_limit_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_columns_values, setup, teardown),
		cmocka_unit_test(test_column_names),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_sort_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_fixture_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_run, setup, teardown),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
