/* view_driver.c — times views for bench/sort_bench.sh.
 * usage: view_driver sort FILE COLUMN [desc] | filter FILE EXPR
 * Prints "MODE TOTAL_SECONDS WORK_SECONDS detail": total from open (index
 * included), work from a finished index (key extraction + sort, or the
 * filter pass). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/csvfile.h"
#include "core/expr.h"
#include "core/util.h"
#include "core/view.h"

static int fail(const struct sg_error *err)
{
	fprintf(stderr, "view_driver: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: view_driver sort FILE COLUMN [desc] | filter FILE EXPR\n");
		return 2;
	}
	struct sg_error err = { 0 };
	double t0 = sg_now();
	struct sg_csv *c = sg_csv_open(argv[2], NULL, &err);
	if (!c || sg_csv_wait(c, &err) != 0)
		return fail(&err);
	double t1 = sg_now();
	struct sg_view *v = NULL;
	if (strcmp(argv[1], "sort") == 0) {
		struct sg_sort_key k = { sg_csv_colindex(c, argv[3]), argc > 4 };
		if (k.col < 0) {
			fprintf(stderr, "view_driver: no column %s\n", argv[3]);
			return 1;
		}
		if (sg_view_sort(c, NULL, &k, 1, NULL, &v, &err) != 0)
			return fail(&err);
	} else {
		struct sg_expr *e;
		if (sg_expr_compile(argv[3], c, &e, &err) != 0 ||
		    sg_view_filter(c, NULL, e, NULL, &v, &err) != 0)
			return fail(&err);
		sg_expr_free(e);
	}
	double t2 = sg_now();
	printf("%s %.3f %.3f %llu rows, first row %llu\n", argv[1], t2 - t0, t2 - t1,
	       (unsigned long long)v->n, v->n ? (unsigned long long)sg_view_row(v, 0) : 0ULL);
	sg_view_free(v);
	sg_csv_free(c);
	return 0;
}
