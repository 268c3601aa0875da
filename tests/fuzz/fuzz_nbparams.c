/* fuzz_nbparams.c — libFuzzer harness for the YAML parameters reader.
 * tests/fuzz/run.sh builds it with -DFUZZ_NBPARAMS; without it the file
 * only provides the entry point (for the corpus replay in test_nbparams). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/nbformat.h"
#include "core/nbparams.h"
#include "core/nbrun.h"
#include "fuzz_nbparams.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static int digits_then(const char **p, char c)
{
	if (**p < '1' || **p > '9')
		return 0;
	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *(*p)++ == c;
}

int sg_fuzz_nbparams(const uint8_t *d, size_t n)
{
	struct sg_error err = { 0 };
	json_t *params = NULL;
	const char *k;
	json_t *v;

	if (sg_nbparams_yaml((const char *)d, n, "fuzz.yaml", &params, &err) < 0) {
		const char *p = err.msg + 10;
		check(params == NULL, "no value on failure");
		check(err.code == SG_E_PARSE, "parse error code");
		check(strncmp(err.msg, "fuzz.yaml:", 10) == 0, "error names the file");
		check(digits_then(&p, ':') && digits_then(&p, ':'), "error has line:col");
		return 0;
	}
	check(json_is_object(params), "parameters are an object");
	size_t np = json_object_size(params), i = 0;
	struct sg_nbrun_param *ps = calloc(np ? np : 1, sizeof *ps);
	json_object_foreach(params, k, v) {
		check(sg_nbrun_valid_key(k), "names are identifiers");
		json_t *meta = NULL;
		ps[i] = (struct sg_nbrun_param){ .key = k, .typed = v };
		char *lit = sg_nbrun_param_literal(&ps[i], &meta);
		check(lit && *lit, "a literal");
		check(meta != NULL, "a metadata value");
		char *dump = json_dumps(meta, JSON_ENCODE_ANY);
		check(dump != NULL, "metadata is JSON");
		free(dump);
		json_decref(meta);
		free(lit);
		i++;
	}
	if (np) {
		struct sg_nb *nb = sg_nb_new();
		check(sg_nbrun_inject(nb, ps, np) == 0, "injected first");
		check(nb->ncells == 1, "one injected cell");
		sg_nb_free(nb);
	}
	free(ps);
	json_decref(params);
	return 0;
}

#ifdef FUZZ_NBPARAMS
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_nbparams(d, n);
}
#endif
