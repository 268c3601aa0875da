/* bench_tui.h — what the TUI benchmark drivers share (tui_bench.c,
 * nbpane_driver.c, label_driver.c): a clock, percentile lines, and running
 * the panes' background work to its end.  Header-only: each driver is one
 * file compiled by its script. */
#ifndef SG_BENCH_TUI_H
#define SG_BENCH_TUI_H

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "tui/app.h"

/* Seconds on a monotonic clock. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints the p50, p99 and max of n samples (ms) under name. */
static inline void report(const char *name, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	printf("%s_p50_ms %.3f\n%s_p99_ms %.3f\n%s_max_ms %.3f\n", name, ms[n / 2], name,
	       ms[(int)(n * 0.99)], name, ms[n - 1]);
}

/* Runs the panes' background work until they wait on nothing, or for at
 * most rounds polls (0: no limit). */
static inline void settle_rounds(struct app *app, int rounds)
{
	for (int r = 0; rounds == 0 || r < rounds; r++) {
		int fds[APP_MAX_FDS], tmo, n = app_pane_fds(app, fds, APP_MAX_FDS, &tmo);
		struct pollfd pf[APP_MAX_FDS];
		if (n <= 0 || n > APP_MAX_FDS)
			return;
		for (int i = 0; i < n; i++)
			pf[i] = (struct pollfd){ fds[i], POLLIN, 0 };
		int k = poll(pf, (nfds_t)n, tmo < 0 ? 1000 : tmo);
		if (k == 0)
			app_pane_event(app, -1);
		for (int i = 0; i < n && k > 0; i++)
			if (pf[i].revents)
				app_pane_event(app, pf[i].fd);
	}
}

#endif
