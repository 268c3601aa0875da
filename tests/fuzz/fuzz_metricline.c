/* fuzz_metricline.c — libFuzzer harness for the line protocol, the line
 * splitter and metric definitions.  Built by tests/fuzz/run.sh; the corpus
 * (tests/corpus/metricline) is replayed by tests/test_metricline.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/metricdef.h"
#include "core/metricline.h"
#include "tests/fuzz/fuzz_metricline.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

struct ctx {
	int records;
	struct sg_metricdefs *defs;
	long long lines;
};

static void on_rec(const struct sg_mrec *r, void *ud)
{
	struct ctx *c = ud;
	c->records++;
	check(r->key && sg_metric_key_valid(r->key), "record key valid");
	check(!r->has_step || r->step >= 0, "step >= 0");
	check(r->ts == 0 || (r->ts > 0 && !isinf(r->ts)), "ts sane");
	if (r->kind == SG_MREC_METRIC)
		check(r->text == NULL, "metric has no text");
	else
		check(r->text && r->text[0], "param/tag text non-empty");
}

static void on_def(const char *name, double value, void *ud)
{
	check(name && name[0], "definition name");
}

static void on_line(const char *line, size_t len, long long lineno, int too_long, void *ud)
{
	struct ctx *c = ud;
	c->lines++;
	check(lineno == c->lines, "line numbers count up");
	check(strlen(line) <= len, "line NUL-terminated within len");
	check(len <= SG_MLINE_MAX, "line cut at the limit");
	struct sg_mline_error e = { 0 };
	c->records = 0;
	int rc = sg_metricline_parse(line, len, on_rec, c, &e);
	if (rc < 0) {
		check(c->records == 0, "a bad line delivers nothing");
		check(e.col >= 1 && (size_t)e.col <= len + 1, "error column inside the line");
		check(e.msg[0] != '\0', "error has a message");
	} else {
		check(rc == c->records, "count matches the records delivered");
	}
	long long bad = 0;
	if (c->defs && !memchr(line, '\0', len))
		sg_metricdefs_apply(c->defs, line, strlen(line), on_def, NULL, &bad);
}

int sg_fuzz_metricline(const uint8_t *d, size_t n)
{
	struct ctx c = { 0 };
	const char *s = (const char *)d;
	const char *nl = memchr(s, '\n', n);
	size_t first = nl ? (size_t)(nl - s) : n;
	if (first < 512) {
		char spec[512];
		memcpy(spec, s, first);
		spec[first] = '\0';
		c.defs = sg_metricdefs_new();
		if (sg_metricdefs_add(c.defs, spec, NULL) != 0) {
			sg_metricdefs_free(c.defs);
			c.defs = NULL;
		}
	}
	/* Uneven pieces exercise lines split across reads. */
	struct sg_linebuf lb;
	sg_linebuf_init(&lb);
	size_t off = 0, piece = 1;
	while (off < n) {
		size_t k = n - off < piece ? n - off : piece;
		sg_linebuf_feed(&lb, s + off, k, on_line, &c);
		off += k;
		piece = piece * 3 % 61 + 1;
	}
	sg_linebuf_finish(&lb, on_line, &c);
	long long want = 0;
	for (size_t i = 0; i < n; i++)
		want += s[i] == '\n';
	if (n && s[n - 1] != '\n')
		want++;
	check(c.lines == want, "one callback per line");
	sg_linebuf_done(&lb);
	sg_metricdefs_free(c.defs);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_metricline(d, n);
}
