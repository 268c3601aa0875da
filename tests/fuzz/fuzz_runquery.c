/* fuzz_runquery.c — libFuzzer harness for the run filter language.
 * Built by tests/fuzz/run.sh (`make fuzz`); replayed over
 * tests/corpus/runquery by tests/test_runquery.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/runquery.h"
#include "core/util.h"
#include "fuzz_runquery.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* "where:LINE:COL: message" with positive numbers. */
static void check_error(const struct sg_error *err)
{
	check(err->code == SG_E_PARSE, "parse error code");
	check(strncmp(err->msg, "where:", 6) == 0, "error starts with where:");
	const char *p = err->msg + 6;
	for (int part = 0; part < 2; part++) {
		check(*p >= '1' && *p <= '9', "positive line and column");
		while (*p >= '0' && *p <= '9')
			p++;
		check(*p == ':', "where:line:col:");
		p++;
	}
	check(*p == ' ' && p[1] != '\0', "error has a message");
}

static struct sg_store *store;
static char *dir, *path;
#define NRUNS 4

static void cleanup(void)
{
	sg_store_close(store);
	char *wal = sg_xasprintf("%s-wal", path), *shm = sg_xasprintf("%s-shm", path);
	unlink(path);
	unlink(wal);
	unlink(shm);
	rmdir(dir);
	free(wal);
	free(shm);
	free(path);
	free(dir);
}

/* One run with a param, a tag and a metric whose values vary by i. */
static void add_run(int i)
{
	static const char *const names[] = { "xgb-a", "mlp", "automl", "Ünï" };
	static const char *const lrs[] = { "0.1", "auto", "1e-3", "" };
	struct sg_run_spec spec = { .name = names[i], .experiment = i % 2 ? "iris" : "other",
				    .user = i ? "kim" : "root" };
	char id[SG_RUN_ID_LEN + 1];
	check(sg_run_start(store, &spec, id, NULL) == 0, "fixture run");
	sg_run_set_param(store, id, "lr", lrs[i], NULL);
	sg_run_set_param(store, id, "val:acc", "x", NULL);
	sg_run_set_tag(store, id, "owner", i % 2 ? "kim" : "lee", NULL);
	struct sg_metric_point p[2] = { { "acc", 0, 0, 0.5 + 0.1 * i }, { "loss", 0, 0, NAN } };
	sg_run_log_metrics(store, id, p, i == 3 ? 1 : 2, NULL);
	if (i == 1)
		sg_run_finish(store, id, SG_RUN_FINISHED, NULL);
}

static void setup_store(void)
{
	const char *base = getenv("TMPDIR");
	dir = sg_xasprintf("%s/sagetty-fuzz-rq-XXXXXX", base && *base ? base : "/tmp");
	check(mkdtemp(dir) != NULL, "temp folder");
	path = sg_path_join(dir, "store.db");
	store = sg_store_open(path, SG_STORE_CREATE, NULL);
	check(store != NULL, "store opens");
	for (int i = 0; i < NRUNS; i++)
		add_run(i);
	atexit(cleanup);
}

/* Counts and fetches q; checks they agree. */
static long long count_and_fetch(struct sg_runquery *q)
{
	struct sg_error err = { 0 };
	long long c = sg_rq_count(store, q, &err);
	if (c < 0)
		fprintf(stderr, "store error: %s\n", err.msg);
	check(c >= 0 && c <= NRUNS, "count in range");
	struct sg_rq_page page;
	check(sg_rq_fetch(store, q, 0, 0, &page, &err) == 0, "fetch works");
	check(page.nrows == (size_t)c, "fetch gives count rows");
	sg_rq_page_done(&page);
	return c;
}

int sg_fuzz_runquery(const uint8_t *d, size_t n)
{
	if (!store)
		setup_store();
	struct sg_runquery *q = sg_rq_new();
	struct sg_error err = { 0 };
	if (sg_rq_set_where_n(q, (const char *)d, n, &err) != 0) {
		check_error(&err);
		check(strcmp(sg_rq_where_sql(q), "1") == 0, "a failed filter leaves the old one");
		sg_rq_free(q);
		return 0;
	}
	struct sg_rq_column cols[2] = { { SG_RQ_METRIC, SG_RQ_MAX, "acc" },
					{ SG_RQ_PARAM, SG_RQ_LAST, "lr" } };
	sg_rq_set_columns(q, cols, 2);
	sg_rq_set_sort(q, &cols[n % 2], (int)(n % 3 == 0));
	long long c = count_and_fetch(q);
	if (strcmp(sg_rq_where_sql(q), "1") == 0) {  /* blank: no filter */
		check(c == NRUNS, "no filter counts every run");
		sg_rq_free(q);
		return 0;
	}
	/* not (EXPR): the complement, unless the extra level hits the limit. */
	char *neg = sg_xmalloc(n + 8);
	memcpy(neg, "not (", 5);
	memcpy(neg + 5, d, n);
	memcpy(neg + 5 + n, "\n)", 2);
	if (sg_rq_set_where_n(q, neg, n + 7, &err) == 0)
		check(count_and_fetch(q) == NRUNS - c, "not flips the result");
	else
		check(strstr(err.msg, "nested too deeply") != NULL, "not (EXPR) compiles");
	free(neg);
	sg_rq_free(q);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_runquery(d, n);
}
