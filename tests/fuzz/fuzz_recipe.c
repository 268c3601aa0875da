/* fuzz_recipe.c — the libFuzzer entry point for recipes: arbitrary bytes are
 * parsed as a recipe, checked against a fixed small CSV's columns, and when
 * they parse, fitted on it and previewed; a fitted recipe must round-trip
 * through its JSON.  The same function replays tests/corpus/recipe/ in
 * tests/test_recipe.c.  Built by tests/fuzz/run.sh with the core sources. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/recipe.h"

int sg_fuzz_recipe(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* Columns: id, age, income, city, flag; missing values, a duplicate row, a
 * quoted comma, a ragged row. */
static const char fuzz_csv[] =
	"id,age,income,city,flag\n"
	"1,34,52000,Seoul,yes\n"
	"2,,61000.5,Busan,no\n"
	"3,29,NA,Seoul,yes\n"
	"3,29,NA,Seoul,yes\n"
	"4,51,48000,\"Daegu, North\",\n"
	"5,42,,Incheon,no\n"
	"6,1e3,-7,,maybe\n"
	"7,38\n";

/* The CSV in an in-memory file, opened once per process. */
static struct sg_csv *fuzz_input(void)
{
	static struct sg_csv *c;
	if (c)
		return c;
	int fd = memfd_create("recipe.csv", 0);
	if (fd < 0 || write(fd, fuzz_csv, sizeof fuzz_csv - 1) != (ssize_t)(sizeof fuzz_csv - 1))
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct sg_csv_options o = { .header = SG_CSV_HEADER_YES };
	struct sg_error err;
	c = sg_csv_open(path, &o, &err);
	if (!c || sg_csv_wait(c, &err) != 0)
		abort();
	return c;
}

/* A fitted recipe's JSON must parse back as fitted, to the same JSON. */
static void check_round_trip(const struct sg_recipe *r)
{
	struct sg_error err;
	char *text = sg_recipe_to_json(r);
	struct sg_recipe *r2 = sg_recipe_parse(text, strlen(text), "again", &err);
	if (!r2 || !sg_recipe_is_fitted(r2))
		abort();
	char *text2 = sg_recipe_to_json(r2);
	if (strcmp(text, text2) != 0)
		abort();
	free(text);
	free(text2);
	sg_recipe_free(r2);
}

int sg_fuzz_recipe(const uint8_t *d, size_t n)
{
	struct sg_csv *c = fuzz_input();
	struct sg_error err;
	struct sg_recipe *r = sg_recipe_parse((const char *)d, n, "fuzz.json", &err);
	if (!r) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	const char *names[] = { "id", "age", "income", "city", "flag" };
	sg_recipe_check(r, names, 5, &err);
	struct sg_preview *p = NULL;
	if (sg_recipe_preview(r, c, 4, NULL, &p, &err) == 0) {
		if (p->nrows > 4 || p->ncols != sg_recipe_out_ncols(r))
			abort();
		for (size_t i = 0; i < p->nrows * (size_t)p->ncols; i++)
			if (strlen(p->cells[i]) > p->lens[i])
				abort();
		check_round_trip(r);
		sg_preview_free(p);
	} else if (!err.msg[0]) {
		abort();
	}
	sg_recipe_free(r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_recipe(d, n);
}
