/* cmd_label.c — `sagetty label DATASET`: the workbench opened straight on
 * a dataset's Label view. */
#include "sgconfig.h"
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "tui/app.h"

int cmd_label(struct cli *cli, int argc, char **argv)
{
	struct sg_error err = { 0 };
	struct sg_dataset_info ds;
	struct sg_workspace *ws;
	int status = EXIT_OK, rc;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		char *help[] = { "help", "label", NULL };
		return cmd_help(cli, 2, help);
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("label", argc < 2 ? "which dataset? (sagetty data ls lists them)"
				 : "one DATASET, no options");
	ws = cli_open(cli, 0, &status);
	if (!ws)
		return status;
	/* checked before the terminal is taken, so a typo is a plain error */
	if (sg_dataset_get(ws->store, argv[1], &ds, &err) < 0) {
		sg_workspace_free(ws);
		return cli_fail(&err);
	}
	struct tui_options opt = { .theme = cli->theme, .ascii = cli->ascii,
				   .no_color = cli->no_color, .label = ds.name };
	rc = tui_run(ws, &opt, &err);
	sg_workspace_free(ws);
	return rc < 0 ? cli_fail(&err) : rc;
}
