/* cmd_demo.c — `sagetty demo [--no-tui] [DIR]`: a workspace to explore. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/dataset.h"
#include "core/util.h"

/* The shipped demo files: installed under pkgdatadir, or found in the
 * source tree when running uninstalled. */
static char *find_shipped(const char *rel)
{
	const char *env = getenv("SAGETTY_DATADIR");
	const char *bases[] = { env && *env ? env : NULL, SG_PKGDATADIR, SG_SRCDIR };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		if (!bases[i])
			continue;
		char *p = sg_path_join(bases[i], rel);
		if (sg_is_file(p))
			return p;
		free(p);
	}
	return NULL;
}

/* Copies a shipped file into the workspace unless a file is there already. */
static int install_file(const char *root, const char *from_rel, const char *to_rel,
			struct sg_error *err)
{
	char *to = sg_path_join(root, to_rel);
	int rc = 0;
	if (!sg_is_file(to)) {
		char *from = find_shipped(from_rel);
		size_t len;
		char *data = from ? sg_read_file(from, 64u << 20, &len, err) : NULL;
		if (!from)
			rc = sg_error_set(err, SG_E_NOTFOUND, "cannot find the shipped file %s "
					  "(is sagetty installed? set SAGETTY_DATADIR)", from_rel);
		else if (!data)
			rc = -1;
		else {
			char *slash = strrchr(to, '/');
			*slash = '\0';
			rc = sg_mkdir_p(to, 0777, err);
			*slash = '/';
			if (rc == 0)
				rc = sg_write_atomic(to, data, len, 0666, err);
		}
		free(data);
		free(from);
	}
	free(to);
	return rc;
}

static int build_demo(const char *dir, struct sg_error *err)
{
	if (sg_workspace_init(dir, NULL, NULL, err) != 0)
		return -1;
	struct sg_workspace *ws = sg_workspace_open(dir, 0, err);
	if (!ws)
		return -1;
	int rc = -1;
	if (install_file(ws->root, "notebooks/data/iris.csv", "data/iris.csv", err) == 0 &&
	    install_file(ws->root, "notebooks/data/README", "data/README", err) == 0 &&
	    install_file(ws->root, "notebooks/intro.ipynb", "notebooks/intro.ipynb", err) == 0)
		rc = sg_dataset_register(ws->store, ws->root, "data/iris.csv", "iris", 1, 0, NULL,
					 NULL, err);
	sg_workspace_free(ws);
	return rc;
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-tui", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int no_tui = 0, c;
	if (cli_wants_help("demo", argc, argv))
		return EXIT_OK;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return cli_usage("demo", "unknown option '%s'", argv[optind - 1]);
		no_tui = 1;
	}
	if (argc - optind > 1)
		return cli_usage("demo", "demo takes at most one folder");
	const char *dir = optind < argc ? argv[optind] : "sagetty-demo";
	struct sg_error err = { 0 };
	if (build_demo(dir, &err) != 0)
		return cli_fail(&err);
	if (no_tui || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		printf("Demo workspace ready in %s — open it with: cd %s && sagetty\n", dir, dir);
		return EXIT_OK;
	}
	return cli_tui(cli, dir);
}
