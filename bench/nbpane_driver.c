/* nbpane_driver.c — the Notebooks pane's speed, measured through the real
 * app state machine on the memory surface (80×24), as the curses loop
 * would drive it.
 *
 * usage: nbpane_driver WORKSPACE_DIR CELLS [REPEATS]
 *
 * Writes a.ipynb and b.ipynb (CELLS cells each: markdown, and code with
 * stream and result outputs) into the workspace, then prints one
 * "name value" line per figure:
 *   open_p50/p99/max_ms   Enter on the list → the notebook's first screen
 *                         drawn (read, parse, lay out, draw), alternating
 *                         the two notebooks so each open is a fresh one
 *   last_p50_ms           G (the last cell) + redraw
 *   page_p50_ms           PgDn + redraw, from the top
 *   edit_p50_ms           a key typed in the cell editor + redraw
 *   file_bytes */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "core/nbformat.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "bench/bench_tui.h"

/* Runs the panes' background work (the kernel lookup) until it ends. */
static void settle(struct app *app)
{
	settle_rounds(app, 1000);
}

static double frame_after_key(struct app *app, int key)
{
	double t0 = now();

	app_handle_key(app, key);
	app_draw(app);
	return (now() - t0) * 1000;
}

/* A notebook of n cells: every fourth markdown, the others code with a
 * five-line stream and a result. */
static void write_notebook(const char *path, int n)
{
	struct sg_error err = { 0 };
	struct sg_nb *nb = sg_nb_new();
	char src[256], out[256];

	for (int i = 0; i < n; i++) {
		if (i % 4 == 0) {
			snprintf(src, sizeof src, "## Step %d\n\nWe *look* at the **data** of part %d, "
				 "then fit `model_%d`.", i, i, i);
			sg_nb_insert(nb, (size_t)i, SG_NB_MARKDOWN, src);
			continue;
		}
		snprintf(src, sizeof src, "import numpy as np\ndef f_%d(x):\n    return x * %d  # scale\n"
			 "r_%d = [f_%d(v) for v in range(10)]\nprint(r_%d)\nsum(r_%d)", i, i, i, i, i, i);
		struct sg_nb_cell *c = sg_nb_insert(nb, (size_t)i, SG_NB_CODE, src);
		c->execution_count = i;
		snprintf(out, sizeof out, "step %d\nloss 0.%03d\nacc 0.9%02d\nwarn none\ndone\n", i, i % 1000,
			 i % 100);
		sg_nb_cell_append_output(c, json_pack("{s:s, s:s, s:s}", "output_type", "stream",
						      "name", "stdout", "text", out));
		snprintf(out, sizeof out, "%d", 45 * i);
		sg_nb_cell_append_output(c, json_pack("{s:s, s:{s:s}, s:{}, s:i}", "output_type",
						      "execute_result", "data", "text/plain", out,
						      "metadata", "execution_count", i));
	}
	if (sg_nb_save_file(path, nb, &err) < 0) {
		fprintf(stderr, "nbpane_driver: %s\n", err.msg);
		exit(1);
	}
	sg_nb_free(nb);
}

int main(int argc, char **argv)
{
	struct sg_error err = { 0 };
	struct sg_workspace *ws;
	struct surface_backend *be;
	struct app *app;
	int cells = argc > 2 ? atoi(argv[2]) : 1000, reps = argc > 3 ? atoi(argv[3]) : 20;
	double *ms;
	struct stat st;
	char *a, *b, buf[512];

	if (argc < 3 || cells < 1 || reps < 2) {
		fprintf(stderr, "usage: nbpane_driver WORKSPACE_DIR CELLS [REPEATS]\n");
		return 2;
	}
	a = sg_path_join(argv[1], "a.ipynb");
	b = sg_path_join(argv[1], "b.ipynb");
	write_notebook(a, cells);
	write_notebook(b, cells);
	stat(a, &st);
	printf("file_bytes %lld\n", (long long)st.st_size);
	ws = sg_workspace_open(argv[1], 0, &err);
	if (!ws) {
		fprintf(stderr, "nbpane_driver: %s\n", err.msg);
		return 1;
	}
	be = surface_mem_new(80, 24, 1);
	app = app_new(ws, NULL, be, &err);
	if (!app) {
		fprintf(stderr, "nbpane_driver: %s\n", err.msg);
		return 1;
	}
	app_handle_key(app, '2');
	app_draw(app);
	ms = calloc((size_t)reps, sizeof *ms);
	/* Enter opens; Esc back to the list, j/k to the other notebook (which
	 * closes the first: each open reads a file afresh). */
	for (int i = 0; i < reps; i++) {
		ms[i] = frame_after_key(app, SG_KEY_ENTER);
		if (surface_mem_find(be, "cell 1/", NULL, NULL) != 0) {
			fprintf(stderr, "nbpane_driver: the notebook did not open:\n%s\n",
				surface_mem_row(be, 2, buf, sizeof buf));
			return 1;
		}
		settle(app);
		app_handle_key(app, SG_KEY_ESC);
		app_handle_key(app, i % 2 ? 'k' : 'j');
	}
	report("open", ms, reps);
	app_handle_key(app, SG_KEY_ENTER);
	app_draw(app);
	settle(app);
	for (int i = 0; i < reps; i++) {
		ms[i] = frame_after_key(app, i % 2 ? 'g' : 'G');
	}
	report("last", ms, reps);
	frame_after_key(app, 'G');
	snprintf(buf, sizeof buf, "cell %d/%d", cells, cells);
	if (surface_mem_find(be, buf, NULL, NULL) != 0) {
		fprintf(stderr, "nbpane_driver: G did not reach the last cell\n");
		return 1;
	}
	frame_after_key(app, 'g');
	for (int i = 0; i < reps; i++)
		ms[i] = frame_after_key(app, SG_KEY_PGDN);
	report("page", ms, reps);
	frame_after_key(app, SG_KEY_ENTER);
	for (int i = 0; i < reps; i++)
		ms[i] = frame_after_key(app, 'x');
	report("edit", ms, reps);
	if (surface_mem_find(be, "xxxxx", NULL, NULL) != 0) {
		fprintf(stderr, "nbpane_driver: the typing is not on screen\n");
		return 1;
	}
	frame_after_key(app, SG_KEY_ESC);
	/* leave nothing unsaved behind */
	app_handle_key(app, 'z');
	app_free(app);
	be->ops->free(be);
	sg_workspace_free(ws);
	free(ms);
	free(a);
	free(b);
	return 0;
}
