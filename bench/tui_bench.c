/* tui_bench.c — the Data pane's speed, measured through the real app state
 * machine on the memory surface (80×24), as the curses loop would drive it.
 *
 * usage: tui_bench WORKSPACE_DIR FILE.csv [JUMPS]
 *
 * Prints one "name value" line per figure:
 *   first_ms          open the CSV → first screen of rows drawn
 *   index_s           until the index is complete (the pane's poll loop)
 *   page_p50/p99_ms   PgDn + redraw, JUMPS times from the top
 *   jump_p50/p99_ms   :goto RANDOM + redraw, JUMPS times
 *   end_p50/p99_ms    G then g, each + redraw, JUMPS/10 times each
 *   rows, file_bytes, peak_rss_kb */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/sheet.h"
#include "bench/bench_tui.h"

/* Runs the pane's background work until it waits on nothing. */
static void settle(struct app *app)
{
	settle_rounds(app, 0);
}

/* A key and the frame after it, in milliseconds. */
static double frame_after_key(struct app *app, int key)
{
	double t0 = now();

	app_handle_key(app, key);
	app_draw(app);
	return (now() - t0) * 1000;
}

int main(int argc, char **argv)
{
	struct sg_error err = { 0 };
	struct sg_workspace *ws;
	struct surface_backend *be;
	struct app *app;
	struct dsfile *f;
	struct rusage ru;
	struct stat st;
	int jumps = argc > 3 ? atoi(argv[3]) : 1000;
	double *ms, t0;
	uint64_t rows;
	char line[64], buf[512];

	if (argc < 3 || stat(argv[2], &st) != 0) {
		fprintf(stderr, "usage: tui_bench WORKSPACE_DIR FILE.csv [JUMPS]\n");
		return 2;
	}
	ws = sg_workspace_open(argv[1], 0, &err);
	if (!ws) {
		fprintf(stderr, "tui_bench: %s\n", err.msg);
		return 1;
	}
	be = surface_mem_new(80, 24, 1);
	app = app_new(ws, NULL, be, &err);
	if (!app) {
		fprintf(stderr, "tui_bench: %s\n", err.msg);
		return 1;
	}
	app_draw(app);
	ms = calloc((size_t)jumps, sizeof *ms);

	/* open → first screen of rows */
	t0 = now();
	if (sheet_table_open(&app->panes[0], argv[2], argv[2], 0, &err) < 0) {
		fprintf(stderr, "tui_bench: %s\n", err.msg);
		return 1;
	}
	f = data_top_file(&app->panes[0]);
	sg_csv_wait_rows(f->csv, 30);
	app_draw(app);
	printf("first_ms %.3f\n", (now() - t0) * 1000);
	if (!strstr(surface_mem_row(be, 3, buf, sizeof buf), "1")) {
		fprintf(stderr, "tui_bench: no rows on the first screen\n");
		return 1;
	}
	/* scroll pages while the index is still growing, then finish it */
	for (int i = 0; i < 50; i++)
		frame_after_key(app, SG_KEY_PGDN);
	settle(app);
	printf("index_s %.3f\n", now() - t0);
	rows = sg_csv_nrows(f->csv);

	frame_after_key(app, 'g');
	for (int i = 0; i < jumps; i++)
		ms[i] = frame_after_key(app, SG_KEY_PGDN);
	report("page", ms, jumps);

	srand(42);
	for (int i = 0; i < jumps; i++) {
		uint64_t target = ((uint64_t)rand() << 31 ^ (uint64_t)rand()) % rows + 1;
		snprintf(line, sizeof line, "goto %llu", (unsigned long long)target);
		t0 = now();
		app_command(app, line);
		app_draw(app);
		ms[i] = (now() - t0) * 1000;
	}
	report("jump", ms, jumps);

	for (int i = 0; i < jumps / 10; i++) {
		ms[2 * i] = frame_after_key(app, 'G');
		ms[2 * i + 1] = frame_after_key(app, 'g');
	}
	report("end", ms, jumps / 10 * 2);
	surface_mem_row(be, 1, buf, sizeof buf);
	fprintf(stderr, "last title: %s\n", buf);

	getrusage(RUSAGE_SELF, &ru);
	printf("rows %llu\nfile_bytes %lld\npeak_rss_kb %ld\n", (unsigned long long)rows,
	       (long long)st.st_size, ru.ru_maxrss);
	free(ms);
	app_free(app);
	be->ops->free(be);
	sg_workspace_free(ws);
	return 0;
}
