/* fuzz_expr.c — libFuzzer harness for the filter expression language.
 * Build (Debian's clang), from the top of the tree:
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -I. tests/fuzz/fuzz_expr.c core/expr.c core/colstats.c core/csvfile.c \
 *     core/error.c core/util.c -lcsv -lpthread -lm -o fuzz_expr
 *   ./fuzz_expr -max_len=4096 tests/corpus/expr  (fuzz a copy of the corpus) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/expr.h"
#include "fuzz_expr.h"

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

#define NCOLS 5
static const char *const names[NCOLS] = { "age", "city", "first name", "점수", "t" };
static const char *const rows[][NCOLS + 1] = {
	{ "31", "Seoul", "Kim", "9.5", "2024-01-31", NULL },
	{ "", "New York, NY", "", "NA", "true", NULL },
	{ "-4e3", "a\"b", "x y", "abc", "2024-01-31T10:00:00Z", "extra" },
	{ "NaN", "", NULL },  /* short: the rest read as empty */
};

/* A cursor over fixed strings, as sg_csv_scan would fill it. */
static void fill(struct sg_csv_cursor *cur, struct sg_csv_field *f, const char *const *row)
{
	int n = 0;
	while (row[n])
		n++;
	for (int i = 0; i < NCOLS + 1; i++) {
		f[i].p = i < n ? row[i] : "";
		f[i].len = strlen(f[i].p);
	}
	memset(cur, 0, sizeof *cur);
	cur->nfields = n;
	cur->ncols = NCOLS;
	cur->ragged = n != NCOLS;
	cur->field = f;
}

int sg_fuzz_expr(const uint8_t *d, size_t n)
{
	struct sg_expr *e = NULL;
	struct sg_error err = { 0 };
	if (sg_expr_compile_names((const char *)d, n, names, NCOLS, &e, &err) != 0) {
		check(e == NULL, "failed compile leaves no expression");
		check_error(&err);
		return 0;
	}
	check(e != NULL, "compiled expression");
	int maxcol = sg_expr_max_column(e);
	check(maxcol >= 0 && maxcol < NCOLS, "max column in range");
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		struct sg_csv_cursor cur;
		struct sg_csv_field f[NCOLS + 1];
		fill(&cur, f, rows[r]);
		int v = sg_expr_eval(e, &cur);
		check(v == 0 || v == 1, "eval gives 0 or 1");
		/* Columns past max_column must not matter (scans stop splitting there). */
		for (int i = maxcol + 1; i < NCOLS + 1; i++)
			f[i].p = "poison", f[i].len = 6;
		check(sg_expr_eval(e, &cur) == v, "eval reads no column past max_column");
	}
	sg_expr_free(e);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_expr(d, n);
}
