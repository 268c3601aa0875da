/* fuzz_labelscheme.c — libFuzzer harness for label schemes.  Built by
 * tests/fuzz/run.sh; the corpus (tests/corpus/labelscheme) is replayed by
 * tests/test_labels.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/labelscheme.h"
#include "tests/fuzz/fuzz_labelscheme.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static int same(const struct sg_scheme *a, const struct sg_scheme *b)
{
	if (a->type != b->type || a->nlabels != b->nlabels || a->k != b->k ||
	    a->comment != b->comment || a->lease_seconds != b->lease_seconds ||
	    strcmp(a->text_column, b->text_column) || strcmp(a->id_column, b->id_column))
		return 0;
	for (size_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i].name, b->labels[i].name) || a->labels[i].key != b->labels[i].key ||
		    strcmp(a->labels[i].description, b->labels[i].description))
			return 0;
	return 1;
}

static void check_value(const struct sg_scheme *s, const char *v, const char *text)
{
	char *canon = NULL, *again = NULL;
	struct sg_error err = { 0 };
	size_t tlen = text ? strlen(text) : 0;
	if (sg_scheme_value_check(s, v, text, tlen, &canon, &err) != 0) {
		check(canon == NULL && err.msg[0], "a refused value says why");
		return;
	}
	check(canon != NULL, "canonical value");
	check(sg_scheme_value_check(s, canon, text, tlen, &again, &err) == 0, "canonical re-checks");
	check(strcmp(canon, again) == 0, "canonical form is stable");
	free(canon);
	free(again);
}

static void check_values(const struct sg_scheme *s)
{
	char buf[512];
	const char *first = s->labels[0].name, *last = s->labels[s->nlabels - 1].name;
	check_value(s, first, NULL);
	snprintf(buf, sizeof buf, "%s;%s", last, first);
	check_value(s, buf, NULL);
	snprintf(buf, sizeof buf, "[{\"start\":0,\"end\":3,\"label\":\"%s\"}]", last);
	check_value(s, buf, "héllo wörld");
	check_value(s, buf, "");
	check_value(s, "[{\"start\":-1,\"end\":99999999999999999999}]", "x");
	check_value(s, "[1,2,{}]", "x");
	check_value(s, "", NULL);
}

int sg_fuzz_labelscheme(const uint8_t *d, size_t n)
{
	struct sg_scheme s, back;
	struct sg_error err = { 0 };
	if (sg_scheme_parse(&s, "scheme.json", (const char *)d, n, &err) != 0) {
		int line = 0, col = 0;
		check(err.code == SG_E_PARSE, "parse error code");
		check(sscanf(err.msg, "scheme.json:%d:%d:", &line, &col) == 2, "file:line:col");
		size_t lines = 1;
		for (size_t i = 0; i < n; i++)
			lines += d[i] == '\n';
		check(line >= 1 && (size_t)line <= lines + 1 && col >= 1, "position inside the input");
		return 0;
	}
	check(s.nlabels >= 1, "at least one label");
	for (size_t i = 0; i < s.nlabels; i++) {
		check(s.labels[i].name[0] != '\0', "label named");
		check(s.labels[i].key == 0 || !sg_scheme_key_reserved(s.labels[i].key), "key free");
		for (size_t j = i + 1; j < s.nlabels; j++) {
			check(strcmp(s.labels[i].name, s.labels[j].name) != 0, "unique names");
			check(!s.labels[i].key || s.labels[i].key != s.labels[j].key, "unique keys");
		}
	}
	char *text = sg_scheme_format(&s, 1);
	check(sg_scheme_parse(&back, "formatted", text, strlen(text), &err) == 0, "format parses");
	check(same(&s, &back), "format reads back the same");
	check_values(&s);
	free(text);
	sg_scheme_done(&back);
	sg_scheme_done(&s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_labelscheme(d, n);
}
