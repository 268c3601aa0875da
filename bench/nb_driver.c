/* nb_driver.c — notebook benchmarks (bench/nb_bench.sh).
 *
 *   nb_driver gen A.ipynb B.ipynb N   two versions of an N-cell notebook: B has
 *                                     ~10% of cells edited, 2% added, 2% removed,
 *                                     1% moved
 *   nb_driver open FILE               parse into the model: median and worst of 9 (ms)
 *   nb_driver diff A B                cell-level diff with line diffs of every
 *                                     changed source: median and worst of 9 (ms);
 *                                     then the 3-way merge of a save that finds B
 *                                     on disk, and the cell diff alone with no
 *                                     shared ids (cells matched by source) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/nbdiff.h"
#include "core/nbformat.h"
#include "core/util.h"

#define REPEAT 9

static unsigned long long rng = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *code_source(unsigned lines)
{
	static const char *const words[] = { "data", "model", "x", "y", "frame", "loss", "acc", "rows" };
	size_t cap = (size_t)lines * 80 + 1, len = 0;
	char *s = sg_xmalloc(cap);
	s[0] = '\0';
	for (unsigned i = 0; i < lines; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%s_%u = compute(%s, %u)  # step %u",
					i ? "\n" : "", words[rnd(8)], rnd(100), words[rnd(8)], rnd(1000), i);
	return s;
}

static void add_outputs(struct sg_nb_cell *c, unsigned k)
{
	char *text = code_source(3 + rnd(8));
	sg_nb_cell_append_stream(c, "stdout", text);
	free(text);
	c->execution_count = (long)k + 1;
	if (rnd(3) == 0) {
		char html[2048];
		size_t len = (size_t)snprintf(html, sizeof html, "<table>");
		for (int r = 0; r < 10; r++)
			len += (size_t)snprintf(html + len, sizeof html - len, "<tr><td>%d</td><td>%u</td></tr>", r, rnd(1000));
		snprintf(html + len, sizeof html - len, "</table>");
		sg_nb_cell_append_output(c, json_pack("{s:s, s:I, s:{s:s, s:s}, s:{}}", "output_type",
						      "execute_result", "execution_count", (json_int_t)k + 1,
						      "data", "text/plain", "   a    b\n0  1  2", "text/html", html,
						      "metadata"));
	}
	if (rnd(20) == 0) {   /* a 20 kB plot */
		size_t n = 20000;
		char *b64 = sg_xmalloc(n + 1);
		for (size_t i = 0; i < n; i++)
			b64[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rnd(64)];
		b64[n] = '\0';
		sg_nb_cell_append_output(c, json_pack("{s:s, s:{s:s, s:s}, s:{}}", "output_type", "display_data",
						      "data", "image/png", b64, "text/plain", "<Figure>", "metadata"));
		free(b64);
	}
}

static int gen(const char *pa, const char *pb, unsigned n)
{
	struct sg_nb *a = sg_nb_new();
	json_object_set_new(a->metadata, "kernelspec", json_pack("{s:s, s:s, s:s}", "display_name", "Python 3",
								 "language", "python", "name", "python3"));
	for (unsigned k = 0; k < n; k++) {
		if (rnd(10) < 3) {
			char *md = code_source(2 + rnd(6));
			sg_nb_insert(a, a->ncells, SG_NB_MARKDOWN, md);
			free(md);
		} else {
			char *src = code_source(3 + rnd(25));
			struct sg_nb_cell *c = sg_nb_insert(a, a->ncells, SG_NB_CODE, src);
			free(src);
			add_outputs(c, k);
		}
	}
	struct sg_nb *b = sg_nb_clone(a);
	for (size_t i = 0; i < b->ncells; i++) {
		if (rnd(10) == 0) {
			char *src = sg_xasprintf("%s\nprint('edited %zu')", b->cells[i].source, i);
			sg_nb_cell_set_source(&b->cells[i], src);
			free(src);
		}
	}
	for (unsigned k = 0; k < n / 50; k++)
		sg_nb_delete(b, rnd((unsigned)b->ncells));
	for (unsigned k = 0; k < n / 50; k++)
		sg_nb_insert(b, rnd((unsigned)b->ncells), SG_NB_CODE, "new_cell = 1");
	for (unsigned k = 0; k < n / 100; k++)
		sg_nb_move(b, rnd((unsigned)b->ncells), rnd((unsigned)b->ncells));
	struct sg_error err = { 0 };
	int rc = sg_nb_save_file(pa, a, &err) || sg_nb_save_file(pb, b, &err);
	if (rc)
		fprintf(stderr, "nb_driver: %s\n", err.msg);
	sg_nb_free(a);
	sg_nb_free(b);
	return rc;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static void report(const char *what, double *t)
{
	qsort(t, REPEAT, sizeof *t, cmp_double);
	printf("%s %.2f %.2f ms\n", what, t[REPEAT / 2], t[REPEAT - 1]);
}

static int bench_open(const char *path)
{
	double t[REPEAT];
	size_t cells = 0;
	for (int r = 0; r < REPEAT; r++) {
		struct sg_nb *nb;
		struct sg_error err = { 0 };
		double t0 = now_ms();
		if (sg_nb_load(path, &nb, &err) != 0) {
			fprintf(stderr, "nb_driver: %s\n", err.msg);
			return 1;
		}
		t[r] = now_ms() - t0;
		cells = nb->ncells;
		sg_nb_free(nb);
	}
	printf("cells %zu\n", cells);
	report("open", t);
	return 0;
}

static int bench_diff(const char *pa, const char *pb)
{
	struct sg_nb *a, *b;
	struct sg_error err = { 0 };
	if (sg_nb_load(pa, &a, &err) != 0 || sg_nb_load(pb, &b, &err) != 0) {
		fprintf(stderr, "nb_driver: %s\n", err.msg);
		return 1;
	}
	double t[REPEAT];
	struct sg_nbdiff d;
	size_t lines = 0;
	for (int r = 0; r < REPEAT; r++) {
		double t0 = now_ms();
		sg_nbdiff(a, b, &d);
		lines = 0;
		for (size_t i = 0; i < d.n; i++) {
			if (!(d.e[i].changes & SG_NBD_SOURCE))
				continue;
			struct sg_linediff ld;
			sg_linediff(a->cells[d.e[i].a].source, b->cells[d.e[i].b].source, &ld);
			lines += ld.n;
			sg_linediff_done(&ld);
		}
		t[r] = now_ms() - t0;
		if (r < REPEAT - 1)
			sg_nbdiff_done(&d);
	}
	printf("diff: %zu changed, %zu added, %zu removed, %zu moved, %zu unchanged; %zu diff lines\n",
	       d.changed, d.added, d.removed, d.moved, d.unchanged, lines);
	sg_nbdiff_done(&d);
	report("diff", t);
	/* A save that finds B on disk after editing every 7th cell of A:
	 * the 3-way merge. */
	struct sg_nb *ours = sg_nb_clone(a);
	for (size_t i = 0; i < ours->ncells; i += 7)
		sg_nb_cell_set_source(&ours->cells[i], "ours = 'edited'");
	size_t conflicts = 0, merged = 0;
	for (int r = 0; r < REPEAT; r++) {
		double t0 = now_ms();
		struct sg_nb *m = sg_nb_merge3(a, ours, b, &conflicts);
		t[r] = now_ms() - t0;
		merged = m->ncells;
		sg_nb_free(m);
	}
	sg_nb_free(ours);
	printf("merge: %zu cells, %zu conflicts\n", merged, conflicts);
	report("merge3", t);
	/* The same two versions as percent scripts would be: no shared ids,
	 * cells matched by their sources. */
	for (size_t i = 0; i < b->ncells; i++)
		snprintf(b->cells[i].id, sizeof b->cells[i].id, "s%zu", i);
	for (int r = 0; r < REPEAT; r++) {
		double t0 = now_ms();
		sg_nbdiff(a, b, &d);
		t[r] = now_ms() - t0;
		sg_nbdiff_done(&d);
	}
	report("diff-by-source", t);
	sg_nb_free(a);
	sg_nb_free(b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], argv[3], (unsigned)atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "open") == 0)
		return bench_open(argv[2]);
	if (argc == 4 && strcmp(argv[1], "diff") == 0)
		return bench_diff(argv[2], argv[3]);
	fprintf(stderr, "usage: nb_driver gen A B N | open FILE | diff A B\n");
	return 2;
}
