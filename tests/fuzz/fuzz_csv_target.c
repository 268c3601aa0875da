/* fuzz_csv_target.c — see fuzz_csv_target.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/colstats.h"
#include "core/csvfile.h"
#include "tests/fuzz/fuzz_csv_target.h"

/* The two parsers must agree field for field on every indexed row. */
static void check_rows(struct sg_csv *c)
{
	struct sg_csv_cursor a, b;
	struct sg_error err;
	sg_csv_cursor_init(&a);
	sg_csv_cursor_init(&b);
	uint64_t n = sg_csv_nrows(c);
	for (uint64_t r = 0; r < n; r++) {
		if (sg_csv_read_row(c, r, &a, &err) != 0)
			abort();
		sg_csv_split(sg_csv_dialect(c), a.raw, a.rawlen, &b, 0);
		if (a.nfields != b.nfields)
			abort();
		for (int j = 0; j < a.nfields; j++)
			if (a.field[j].len != b.field[j].len ||
			    memcmp(a.field[j].p, b.field[j].p, a.field[j].len) != 0 ||
			    a.field[j].p[a.field[j].len] != '\0')
				abort();
		/* Padding: every column is readable. */
		for (int j = a.nfields; j < sg_csv_ncols(c); j++)
			if (a.field[j].len != 0)
				abort();
	}
	if (sg_csv_read_row(c, n, &a, &err) != -1)
		abort();
	sg_csv_cursor_done(&a);
	sg_csv_cursor_done(&b);
}

static void check_stats(struct sg_csv *c)
{
	struct sg_colstats *s = NULL;
	struct sg_error err;
	if (sg_colstats_compute(c, NULL, &s, &err) == 0) {
		if (s->rows != sg_csv_nrows(c) || s->ncols != sg_csv_ncols(c))
			abort();
		for (int j = 0; j < s->ncols; j++) {
			const struct sg_colstat *k = &s->col[j];
			if (k->count != s->rows || k->missing > k->count)
				abort();
			if (k->numeric && k->n && !(k->min <= k->max))
				abort();
		}
		sg_colstats_free(s);
	}
	if (sg_csv_ncols(c) > 0) {
		struct sg_colfreq *f = NULL;
		if (sg_colfreq_compute(c, 0, NULL, &f, &err) == 0) {
			uint64_t total = 0;
			for (size_t i = 0; i < f->n; i++)
				total += f->values[i].count;
			if (total != f->rows)
				abort();
			sg_colfreq_free(f);
		}
	}
}

int sg_fuzz_csv(const uint8_t *d, size_t n)
{
	int fd = memfd_create("fuzz.csv", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, d + off, n - off);
		if (w <= 0) {
			close(fd);
			return 0;
		}
		off += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, NULL, &err);
	if (c) {
		sg_csv_wait(c, &err);
		check_rows(c);
		check_stats(c);
		sg_csv_free(c);
	} else if (err.msg[0] == '\0') {
		abort();  /* a failure always says why */
	}
	close(fd);
	return 0;
}
