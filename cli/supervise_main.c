/* supervise_main.c — sagetty-supervise, the program a training job's
 * supervisor runs as.
 *
 * `sagetty jobs supervise RUN` does the same work, but the full binary
 * loads ncurses, OpenBLAS and XGBoost, whose start-up costs several
 * milliseconds of every job's start.  This program links only what the
 * supervisor uses.  It takes the argv sg_job_launch builds:
 *     sagetty-supervise -w ROOT jobs supervise RUN */
#include "sgconfig.h"
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include "core/job.h"
#include "core/workspace.h"

int main(int argc, char **argv)
{
	if (argc != 6 || strcmp(argv[1], "-w") != 0 || strcmp(argv[3], "jobs") != 0 ||
	    strcmp(argv[4], "supervise") != 0) {
		fprintf(stderr, "usage: sagetty-supervise -w ROOT jobs supervise RUN\n"
			"(started by `sagetty train`, not by hand)\n");
		return 2;
	}
	setlocale(LC_ALL, "");
	struct sg_error err = { 0 };
	struct sg_workspace *ws = sg_workspace_open(argv[2], 0, &err);
	int rc = ws ? sg_job_supervise(ws, argv[5], &err) : -1;
	if (rc != 0)
		fprintf(stderr, "sagetty-supervise: %s\n", err.msg);
	sg_workspace_free(ws);
	return rc == 0 ? 0 : 1;
}
