/* label_driver.c — the Label view's keypress latency, through the real app
 * state machine on the memory surface (80×24), as the curses loop drives it.
 *
 * usage: label_driver WORKSPACE_DIR FILE.csv [KEYS]
 *
 * Registers FILE (id,text,... columns) as dataset "labelbench" with a
 * single-label scheme (3 labels, id column "id"), opens the Label view as
 * `sagetty label labelbench` does, waits for the rows to be keyed, then
 * times KEYS (default 2,000) label keypresses: app_handle_key('1') — the
 * annotation committed to the store, the next item of the work queue
 * leased, read and laid out — then app_draw of the frame, back to back.
 * Then KEYS/20 more at a person's pace (a 450 ms pause after each, when the
 * view checkpoints the WAL), then PgDn (browse) and `n` (next unlabeled),
 * KEYS/4 times each.
 *
 * Prints one "name value" line per figure: open_s (index + keying, in the
 * background), label_p50/p99/max_ms, label_paced_*, browse_*, jump_*; the
 * *_cpu_* figures are the thread's CPU time for the same samples (wall
 * time on a machine shared past its cores also counts waiting for one). */
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/dataset.h"
#include "core/labels.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/surface.h"
#include "bench/bench_tui.h"

/* Runs the panes' background work until it waits on nothing. */
static void settle(struct app *app)
{
	settle_rounds(app, 0);
}

/* CPU seconds this thread has used: the work itself, without the time
 * spent waiting for a core on a busy machine. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Times one key + frame, n times, into ms (wall) and cpu_ms (CPU). */
static void timed(struct app *app, int key, double *ms, double *cpu_ms, int n)
{
	for (int i = 0; i < n; i++) {
		double t0 = now(), c0 = cpu_now();
		app_handle_key(app, key);
		app_draw(app);
		ms[i] = (now() - t0) * 1e3;
		cpu_ms[i] = (cpu_now() - c0) * 1e3;
	}
}

/* Fails with err's message. */
static void die(const char *what, const struct sg_error *err)
{
	fprintf(stderr, "label_driver: %s: %s\n", what, err->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	struct sg_error err = { 0 };
	struct sg_dataset_info ds;
	struct sg_scheme sc;
	static const char scheme[] = "{\"type\":\"single\",\"text_column\":\"text\","
		"\"id_column\":\"id\",\"labels\":[{\"name\":\"positive\"},{\"name\":\"negative\"},"
		"{\"name\":\"neutral\"}]}";
	int keys = argc > 3 ? atoi(argv[3]) : 2000;
	char buf[512];

	if (argc < 3 || keys < 4) {
		fprintf(stderr, "usage: label_driver WORKSPACE_DIR FILE.csv [KEYS]\n");
		return 2;
	}
	setlocale(LC_ALL, "C.UTF-8");
	struct sg_workspace *ws = sg_workspace_open(argv[1], 0, &err);
	if (!ws)
		die("workspace", &err);
	if (sg_dataset_register(ws->store, ws->root, argv[2], "labelbench", 1, 0, NULL, &ds, &err) < 0)
		die("register", &err);
	if (sg_scheme_parse(&sc, "bench", scheme, strlen(scheme), &err) < 0 ||
	    sg_labels_set_scheme(ws->store, ds.id, &sc, "bench", &err) < 0)
		die("scheme", &err);
	sg_scheme_done(&sc);

	struct surface_backend *be = surface_mem_new(80, 24, 1);
	struct tui_options opt = { .label = "labelbench" };
	double t0 = now();
	struct app *app = app_new(ws, &opt, be, &err);
	if (!app)
		die("app", &err);
	app_draw(app);
	settle(app);
	app_draw(app);
	printf("open_s %.3f\n", now() - t0);
	if (surface_mem_find(be, "1 positive", NULL, NULL) != 0) {
		for (int y = 0; y < 24; y++)
			fprintf(stderr, "%s\n", surface_mem_row(be, y, buf, sizeof buf));
		fprintf(stderr, "label_driver: the Label view did not open\n");
		return 1;
	}

	double *ms = malloc((size_t)keys * sizeof *ms);
	double *cpu_ms = malloc((size_t)keys * sizeof *cpu_ms);
	timed(app, '1', ms, cpu_ms, keys);
	if (surface_mem_find(be, "Saved row", NULL, NULL) != 0) {
		fprintf(stderr, "label_driver: no label was saved\n");
		return 1;
	}
	report("label", ms, keys);
	report("label_cpu", cpu_ms, keys);
	/* at a person's pace: a pause after each key, in which the view's
	 * idle timer checkpoints the WAL (as in the real loop) */
	int paced = keys / 20 < 20 ? 20 : keys / 20;
	for (int i = 0; i < paced; i++) {
		struct timespec pause = { 0, 450 * 1000000L };
		timed(app, '1', ms + i, cpu_ms + i, 1);
		nanosleep(&pause, NULL);
		app_pane_event(app, -1);
	}
	report("label_paced", ms, paced);
	report("label_paced_cpu", cpu_ms, paced);
	timed(app, SG_KEY_PGDN, ms, cpu_ms, keys / 4);
	report("browse", ms, keys / 4);
	timed(app, 'n', ms, cpu_ms, keys / 4);
	report("jump", ms, keys / 4);
	free(ms);
	free(cpu_ms);
	app_free(app);
	be->ops->free(be);
	sg_workspace_free(ws);
	return 0;
}
