/* cmd_data.c — `sagetty data add|ls`: the dataset registry. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/dataset.h"
#include "core/util.h"

static json_t *dataset_json(const struct sg_dataset_info *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(d->id));
	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "path", json_string(d->path));
	json_object_set_new(o, "sha256", json_string(d->sha256));
	json_object_set_new(o, "size", json_integer(d->size));
	json_object_set_new(o, "rows", json_integer(d->rows));
	json_object_set_new(o, "columns", json_integer(d->columns));
	json_object_set_new(o, "parent_id", d->parent_id ? json_integer(d->parent_id) : json_null());
	json_object_set_new(o, "recipe", d->recipe[0] ? json_string(d->recipe) : json_null());
	json_object_set_new(o, "user", json_string(d->user));
	json_object_set_new(o, "registered_at", json_real(d->registered_at));
	return o;
}

static int data_add(struct sg_workspace *ws, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	int header = 1, json = 0, c;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'H': header = 0; break;
		case 'j': json = 1; break;
		default:
			return cli_usage("data", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("data", "data add takes one file");
	struct sg_error err = { 0 };
	struct sg_dataset_info d;
	/* FILE is relative to where the user is, not to the workspace root. */
	char *abs = sg_realpath(argv[optind]);
	if (!abs) {
		sg_error_errno(&err, "cannot open %s", argv[optind]);
		return cli_fail(&err);
	}
	int rc = sg_dataset_register(ws->store, ws->root, abs, name, header, 0, NULL, &d, &err);
	free(abs);
	if (rc != 0)
		return cli_fail(&err);
	if (json)
		cli_print_json(dataset_json(&d));
	else
		printf("Registered %s: %s, %lld rows, %d columns, sha256 %.12s\n", d.name, d.path,
		       d.rows, d.columns, d.sha256);
	return EXIT_OK;
}

struct ls_ctx {
	json_t *json;
	int rows;
};

static int ls_row(const struct sg_dataset_info *d, void *ud)
{
	struct ls_ctx *c = ud;
	if (c->json) {
		json_array_append_new(c->json, dataset_json(d));
		return 0;
	}
	if (c->rows++ == 0)
		printf("%-20s  %10s  %7s  %12s  %-12s  %s\n", "NAME", "ROWS", "COLUMNS", "BYTES",
		       "SHA256", "PATH");
	printf("%-20.20s  %10lld  %7d  %12lld  %-12.12s  %s\n", d->name, d->rows, d->columns,
	       d->size, d->sha256, d->path);
	return 0;
}

static int data_ls(struct sg_workspace *ws, int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0)
			return cli_usage("data", "unexpected argument '%s'", argv[i]);
		json = 1;
	}
	struct ls_ctx ctx = { .json = json ? json_array() : NULL };
	struct sg_error err = { 0 };
	if (sg_dataset_list(ws->store, ls_row, &ctx, &err) != 0) {
		json_decref(ctx.json);
		return cli_fail(&err);
	}
	if (json)
		cli_print_json(ctx.json);
	else if (ctx.rows == 0)
		printf("No datasets registered yet. Add one with `sagetty data add FILE`.\n");
	return EXIT_OK;
}

int cmd_data(struct cli *cli, int argc, char **argv)
{
	if (cli_wants_help("data", argc, argv))
		return EXIT_OK;
	if (argc < 2)
		return cli_usage("data", "data needs a verb: add or ls");
	int writes = strcmp(argv[1], "add") == 0;
	if (!writes && strcmp(argv[1], "ls") != 0)
		return cli_usage("data", "no verb '%s' for data", argv[1]);
	int status;
	struct sg_workspace *ws = cli_open(cli, writes ? 0 : SG_WS_READONLY, &status);
	if (!ws)
		return status;
	opterr = 0;
	optind = 0;
	status = writes ? data_add(ws, argc - 1, argv + 1) : data_ls(ws, argc - 1, argv + 1);
	sg_workspace_free(ws);
	return status;
}
