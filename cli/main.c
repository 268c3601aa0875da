/* main.c — global options, then dispatch to a command or the workbench. */
#include "sgconfig.h"
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "tui/app.h"

int cli_tui(struct cli *cli, const char *root)
{
	struct sg_error err = { 0 };
	int status = EXIT_OK;
	struct sg_workspace *ws;
	if (root)
		ws = sg_workspace_open(root, SG_WS_READONLY, &err);
	else
		ws = cli_open(cli, SG_WS_READONLY, &status);
	if (!ws)
		return root ? cli_fail(&err) : status;
	struct tui_options opt = { .theme = cli->theme, .ascii = cli->ascii,
				   .no_color = cli->no_color };
	int rc = tui_run(ws, &opt, &err);
	sg_workspace_free(ws);
	if (rc < 0)
		return cli_fail(&err);
	return rc;
}

static void print_version(void)
{
	printf("sagetty %s\n", PACKAGE_VERSION);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workspace", required_argument, NULL, 'w' },
		{ "theme", required_argument, NULL, 't' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "no-color", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	setlocale(LC_ALL, "");
	opterr = 0;
	int c;
	/* '+' stops at the command word: its options belong to the command. */
	while ((c = getopt_long(argc, argv, "+w:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'w': cli.workspace = optarg; break;
		case 't': cli.theme = optarg; break;
		case 'a': cli.ascii = 1; break;
		case 'n': cli.no_color = 1; break;
		case 'h': return cmd_help(&cli, 1, argv);
		case 'V': print_version(); return EXIT_OK;
		default:
			return cli_usage(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return cli_tui(&cli, NULL);
	const struct cli_command *cmd = cli_find(argv[optind]);
	if (!cmd)
		return cli_usage(NULL, "no command '%s'", argv[optind]);
	/* Commands parse their own arguments with argv[0] = the command word;
	 * optind = 0 makes GNU getopt start afresh. */
	int first = optind;
	optind = 0;
	return cmd->run(&cli, argc - first, argv + first);
}
