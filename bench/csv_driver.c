/* csv_driver.c — times the CSV engine for bench/csv_bench.sh.
 * usage: csv_driver index|first|stats|freq FILE [COLUMN]
 * Prints one line "MODE SECONDS detail". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/colstats.h"
#include "core/csvfile.h"
#include "core/util.h"

static int fail(const struct sg_error *err)
{
	fprintf(stderr, "csv_driver: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: csv_driver index|first|stats|freq FILE [COLUMN]\n");
		return 2;
	}
	const char *mode = argv[1];
	struct sg_error err = { 0 };
	double t0 = sg_now();
	struct sg_csv *c = sg_csv_open(argv[2], NULL, &err);
	if (!c)
		return fail(&err);
	if (strcmp(mode, "first") == 0) {
		/* The first screen: 50 rows as soon as they are indexed. */
		struct sg_csv_cursor cur;
		sg_csv_cursor_init(&cur);
		uint64_t n = sg_csv_wait_rows(c, 50);
		for (uint64_t r = 0; r < n && r < 50; r++)
			if (sg_csv_read_row(c, r, &cur, &err) != 0)
				return fail(&err);
		printf("first %.4f %d columns, row 0 field 0 = %s\n", sg_now() - t0,
		       sg_csv_ncols(c), cur.nfields ? cur.field[0].p : "");
		sg_csv_cursor_done(&cur);
	} else if (strcmp(mode, "index") == 0) {
		if (sg_csv_wait(c, &err) != 0)
			return fail(&err);
		printf("index %.4f %llu rows, %d columns, delimiter '%c', header %d\n", sg_now() - t0,
		       (unsigned long long)sg_csv_nrows(c), sg_csv_ncols(c),
		       sg_csv_dialect(c)->delimiter, sg_csv_dialect(c)->header);
	} else if (strcmp(mode, "stats") == 0) {
		struct sg_colstats *s;
		if (sg_colstats_compute(c, NULL, &s, &err) != 0)
			return fail(&err);
		printf("stats %.4f %llu rows\n", sg_now() - t0, (unsigned long long)s->rows);
		for (int j = 0; j < s->ncols; j++) {
			const struct sg_colstat *k = &s->col[j];
			fprintf(stderr, "  %-10s %-8s missing %llu distinct %s%llu", k->name,
				sg_coltype_name(k->type), (unsigned long long)k->missing,
				k->distinct_estimated ? "~" : "", (unsigned long long)k->distinct);
			if (k->numeric)
				fprintf(stderr, " min %g max %g mean %g sd %g p50 %g", k->min, k->max,
					k->mean, k->stddev, k->q[3]);
			if (k->ntop)
				fprintf(stderr, " top %s (%llu)", k->top[0].value,
					(unsigned long long)k->top[0].count);
			fputc('\n', stderr);
		}
		sg_colstats_free(s);
	} else if (strcmp(mode, "freq") == 0) {
		int col = sg_csv_colindex(c, argc > 3 ? argv[3] : "");
		if (col < 0) {
			fprintf(stderr, "csv_driver: no column %s\n", argc > 3 ? argv[3] : "");
			return 1;
		}
		struct sg_colfreq *f;
		if (sg_colfreq_compute(c, col, NULL, &f, &err) != 0)
			return fail(&err);
		printf("freq %.4f %zu distinct, top %s (%llu)\n", sg_now() - t0, f->n,
		       f->n ? f->values[0].value : "", f->n ? (unsigned long long)f->values[0].count : 0ULL);
		sg_colfreq_free(f);
	} else {
		fprintf(stderr, "csv_driver: unknown mode %s\n", mode);
		return 2;
	}
	sg_csv_free(c);
	return 0;
}
