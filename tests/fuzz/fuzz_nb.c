/* fuzz_nb.c — libFuzzer harnesses for the .ipynb and percent-format
 * readers.  tests/fuzz/run.sh builds it twice, with -DFUZZ_NB=ipynb and
 * -DFUZZ_NB=percent; without FUZZ_NB it only provides the entry points (for
 * the corpus replay in test_nbformat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/nbdiff.h"
#include "core/nbformat.h"
#include "core/nbpercent.h"
#include "fuzz_nb.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static void check_error(const struct sg_error *err, const char *name)
{
	size_t k = strlen(name);
	check(err->code == SG_E_PARSE, "parse error code");
	check(strncmp(err->msg, name, k) == 0 && err->msg[k] == ':', "error names the file");
	check(strlen(err->msg) > k + 2, "error has a message");
}

/* Same number of cells, same types and sources. */
static void check_same_sources(const struct sg_nb *a, const struct sg_nb *b, const char *what)
{
	check(a->ncells == b->ncells, what);
	for (size_t i = 0; i < a->ncells; i++) {
		check(a->cells[i].type == b->cells[i].type, what);
		check(strcmp(a->cells[i].source, b->cells[i].source) == 0, what);
	}
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every id valid and unique (sorted, so that large inputs stay linearithmic);
 * sg_nb_find agrees for the first cells. */
static void check_ids(const struct sg_nb *nb)
{
	const char **ids = malloc((nb->ncells + 1) * sizeof *ids);
	check(ids != NULL, "memory");
	for (size_t i = 0; i < nb->ncells; i++) {
		check(sg_nb_id_valid(nb->cells[i].id), "valid id");
		ids[i] = nb->cells[i].id;
		if (i < 64)
			check(sg_nb_find(nb, nb->cells[i].id) == (long)i, "find gives the cell");
	}
	qsort(ids, nb->ncells, sizeof *ids, id_cmp);
	for (size_t i = 1; i < nb->ncells; i++)
		check(strcmp(ids[i - 1], ids[i]) != 0, "unique id");
	free(ids);
}

/* Percent text of nb reads back to the same sources. */
static void check_percent_trip(const struct sg_nb *nb)
{
	struct sg_error err;
	size_t len;
	char *py = sg_nb_dump_percent(nb, &len);
	struct sg_nb *back = NULL;
	check(sg_nb_parse_percent(py, len, "trip.py", &back, &err) == 0, "percent text reads back");
	check_same_sources(nb, back, "percent round trip keeps sources");
	size_t len2;
	char *py2 = sg_nb_dump_percent(back, &len2);
	check(len == len2 && memcmp(py, py2, len) == 0, "percent writing is stable");
	free(py2);
	free(py);
	sg_nb_free(back);
}

static void check_self_diff(const struct sg_nb *nb)
{
	struct sg_nbdiff d;
	sg_nbdiff(nb, nb, &d);
	check(d.n == nb->ncells && d.unchanged == nb->ncells, "a notebook equals itself");
	sg_nbdiff_done(&d);
	size_t conflicts = 99;
	struct sg_nb *m = sg_nb_merge3(nb, nb, nb, &conflicts);
	check(conflicts == 0, "merging a notebook with itself has no conflict");
	check_same_sources(nb, m, "merging a notebook with itself changes nothing");
	sg_nb_free(m);
}

int sg_fuzz_ipynb(const uint8_t *d, size_t n)
{
	struct sg_error err;
	struct sg_nb *nb = NULL;
	if (sg_nb_parse((const char *)d, n, "fuzz.ipynb", &nb, &err) != 0) {
		check(nb == NULL, "failure gives no notebook");
		check_error(&err, "fuzz.ipynb");
		return 0;
	}
	check_ids(nb);
	check(nb->nbformat == 4 && nb->nbformat_minor >= 5, "version 4.5 or later");
	for (size_t i = 0; i < nb->ncells; i++) {
		size_t k;
		json_t *o;
		json_array_foreach(nb->cells[i].outputs, k, o) {
			char *t = sg_nb_output_text(o);
			check(t != NULL, "output text");
			free(t);
		}
	}
	size_t len, len2;
	char *text = sg_nb_dump(nb, &len);
	struct sg_nb *again = NULL;
	check(sg_nb_parse(text, len, "again.ipynb", &again, &err) == 0, "written text parses");
	check_same_sources(nb, again, "ipynb round trip keeps sources");
	for (size_t i = 0; i < nb->ncells; i++)
		check(strcmp(nb->cells[i].id, again->cells[i].id) == 0, "ids are kept");
	char *text2 = sg_nb_dump(again, &len2);
	check(len == len2 && memcmp(text, text2, len) == 0, "ipynb writing is stable");
	check_percent_trip(nb);
	check_self_diff(nb);
	free(text);
	free(text2);
	sg_nb_free(again);
	sg_nb_free(nb);
	return 0;
}

int sg_fuzz_percent(const uint8_t *d, size_t n)
{
	struct sg_error err;
	struct sg_nb *nb = NULL;
	if (sg_nb_parse_percent((const char *)d, n, "fuzz.py", &nb, &err) != 0) {
		check(nb == NULL, "failure gives no notebook");
		check_error(&err, "fuzz.py");
		return 0;
	}
	check_ids(nb);
	check_percent_trip(nb);
	/* and through .ipynb text */
	size_t len;
	char *text = sg_nb_dump(nb, &len);
	struct sg_nb *back = NULL;
	check(sg_nb_parse(text, len, "trip.ipynb", &back, &err) == 0, "ipynb text of a script parses");
	check_same_sources(nb, back, "script through ipynb keeps sources");
	free(text);
	sg_nb_free(back);
	sg_nb_free(nb);
	return 0;
}

#ifdef FUZZ_NB
#define FUZZ_CAT2(a, b) a##b
#define FUZZ_CAT(a, b) FUZZ_CAT2(a, b)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return FUZZ_CAT(sg_fuzz_, FUZZ_NB)(d, n);
}
#endif
