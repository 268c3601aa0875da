/* fuzz_model.c — the libFuzzer entry point for model folders and
 * hyperparameter text: arbitrary bytes are read as a model.json (every
 * algorithm's load runs on what it claims to be) and as hyperparameters for
 * linear-learner.  A model that loads must predict a row of zeros without
 * crashing and survive save → load.  The same function replays
 * tests/corpus/model/ in tests/test_algo.c.  Built by tests/fuzz/run.sh. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/algo.h"
#include "core/util.h"

int sg_fuzz_model(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static char scratch_dir[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void scratch_cleanup(void)
{
	nftw(scratch_dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A scratch folder per process, holding model.json and a copy; removed at
 * exit. */
static const char *scratch(void)
{
	if (!scratch_dir[0]) {
		snprintf(scratch_dir, sizeof scratch_dir, "/tmp/sagetty-fuzz-model-XXXXXX");
		if (!mkdtemp(scratch_dir))
			abort();
		atexit(scratch_cleanup);
	}
	return scratch_dir;
}

static void check_model(struct sg_model *m)
{
	if (m->d <= 0 || m->d > 100000 || m->nout < 0)
		abort();
	double *x = calloc((size_t)m->d, sizeof *x);
	double *out = calloc((size_t)(m->nout > 0 ? m->nout : 1) + 1, sizeof *out);
	double *pr = calloc((size_t)(m->nclasses > 0 ? m->nclasses : 1) + 1, sizeof *pr);
	struct sg_error err;
	if (m->nout > 0)
		sg_model_predict(m, x, 1, out, pr, &err);
	char *copy = sg_path_join(scratch(), "copy");
	if (sg_model_save(m, copy, &err) == 0) {
		struct sg_model *again = sg_model_load(copy, &err);
		if (!again || again->d != m->d || again->nclasses != m->nclasses)
			abort();   /* what we wrote we must read */
		sg_model_free(again);
	}
	free(copy);
	free(x);
	free(out);
	free(pr);
}

int sg_fuzz_model(const uint8_t *d, size_t n)
{
	char *path = sg_path_join(scratch(), "model.json");
	struct sg_error err;
	if (sg_write_atomic(path, d, n, 0644, &err) != 0)
		abort();
	struct sg_model *m = sg_model_load(scratch(), &err);
	if (m)
		check_model(m);
	else if (!err.msg[0])
		abort();   /* a refusal always says why */
	sg_model_free(m);
	free(path);
	char *text = malloc(n + 1);
	memcpy(text, d, n);
	text[n] = 0;
	struct sg_hps *h = sg_hps_new(&sg_algo_linear_learner);
	if (sg_hps_set_text(h, text, &err) != 0 && !err.msg[0])
		abort();
	json_decref(sg_hps_to_json(h));
	sg_hps_free(h);
	free(text);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_model(d, n);
}
