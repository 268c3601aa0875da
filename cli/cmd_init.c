/* cmd_init.c — `sagetty init [--shared GROUP] [DIR]`. */
#include <getopt.h>
#include <stdio.h>
#include "cli/cli.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shared", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *group = NULL;
	int c;
	opterr = 0;
	if (cli_wants_help("init", argc, argv))
		return EXIT_OK;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c != 's')
			return cli_usage("init", "unknown or incomplete option '%s'", argv[optind - 1]);
		group = optarg;
	}
	if (argc - optind > 1)
		return cli_usage("init", "init takes at most one folder");
	const char *dir = optind < argc ? argv[optind] : ".";
	struct sg_error err = { 0 };
	struct sg_init_result res;
	if (sg_workspace_init(dir, group, &res, &err) != 0)
		return cli_fail(&err);
	printf("%s sagetty workspace in %s%s%s\n",
	       res.created_workspace ? "Created" : "Updated", dir,
	       res.created_repository ? " (new git repository)" : "",
	       group ? " (shared with the group)" : "");
	if (group)
		printf("Group: %s\n", group);
	return EXIT_OK;
}
