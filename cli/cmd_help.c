/* cmd_help.c — the command table, `sagetty --help` and `sagetty help CMD`. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

const struct cli_command cli_commands[] = {
	{ "init", "init [--shared GROUP] [DIR]",
	  "Create a workspace (default: the current folder)",
	  "Creates DIR/.sagetty/ with the SQLite store, a runs/ folder and a config file, and\n"
	  "makes DIR a git repository unless it is inside one already (an existing repository\n"
	  "is never touched).  Running it again is harmless.  With --shared GROUP the workspace\n"
	  "is prepared for several Unix users of GROUP: group ownership, setgid folders and a\n"
	  "group-writable store, whatever each user's umask.", cmd_init },
	{ "demo", "demo [--no-tui] [DIR]",
	  "Create a demo workspace (default: ./sagetty-demo) and open it",
	  "Creates a workspace in DIR with Fisher's iris dataset (registered in the store) and an\n"
	  "example notebook, then opens the workbench on it.  --no-tui only creates it.\n"
	  "Existing files in DIR are kept.", cmd_demo },
	{ "data", "data add FILE [--name NAME] [--no-header] [--json]\n"
		  "       sagetty data ls [--json]\n"
		  "       sagetty data head DATASET [-n N] [--csv] [--json]\n"
		  "       sagetty data stats DATASET [--json]\n"
		  "       sagetty data freq DATASET COLUMN [-n N] [--json]\n"
		  "       sagetty data sort DATASET --by COL[,COL...] [--desc] -o OUT [--json]\n"
		  "       sagetty data filter DATASET --where EXPR -o OUT [--json]\n"
		  "       sagetty data prep DATASET --recipe RECIPE.json -o OUT [--fitted FITTED.json]\n"
		  "                         [--name NAME] [--no-register] [--json]\n"
		  "       sagetty data split DATASET --train F --validation F [--test F]\n"
		  "                          [--stratify COL] [--seed N] -o PREFIX [--json]",
	  "Register, list and explore datasets",
	  "`data add` records a CSV file in the store: its path (relative to the workspace when\n"
	  "inside it), SHA-256, size, and row and column counts.  Adding the same path again\n"
	  "updates the record.  The first row is a header unless --no-header is given.\n"
	  "DATASET is a registered name or a path (outside a workspace, a path).  The dialect\n"
	  "is sniffed; --delimiter C (or tab), --header and --no-header override it.\n"
	  "`data stats` computes, per column: type, count, missing, distinct (exact up to\n"
	  "100,000 values, then estimated and marked ~), min, max, mean, standard deviation,\n"
	  "quantiles, the most frequent values and a histogram (all in --json).  `data freq`\n"
	  "counts every distinct value of one column (a name or a 1-based number); -n limits\n"
	  "the values listed (0: all).  Control bytes and invalid UTF-8 are shown as \\xNN.\n"
	  "`data sort` orders rows by columns (stable; numbers numerically, then text\n"
	  "bytewise, missing values last; COL:desc or COL:asc sets one column's direction).\n"
	  "`data filter` keeps the rows where EXPR holds, e.g. age > 30 and city == \"Seoul\"\n"
	  "(== != < <= > >=, ~ and !~ for regexes, is null, is not null, and, or, not,\n"
	  "parentheses, `quoted column names`).  Both copy rows byte for byte into OUT.\n"
	  "`data prep` fits a recipe (JSON steps: drop_missing, impute, drop_duplicates,\n"
	  "one_hot, scale, select, drop, rename; see the guide) on DATASET and writes OUT as\n"
	  "CSV, and the fitted recipe to FITTED (default: OUT with .csv replaced by, or else\n"
	  "followed by, .recipe.json).  A recipe that is already fitted is applied as it is,\n"
	  "so new data gets the very same transform.  `data split` deals the rows into\n"
	  "PREFIX-train.csv, PREFIX-validation.csv and PREFIX-test.csv with exact sizes,\n"
	  "randomly (--seed, default 42: the same seed gives the same split everywhere) or\n"
	  "per class of --stratify COL; without --test the test part is the rest, and\n"
	  "fractions summing to less than 1 drop the rest.  Inside a workspace these four\n"
	  "register their outputs with the input as parent (registering the input first if needed)\n"
	  "and the fitted recipe or split as the recipe; --no-register skips that.",
	  cmd_data },
	{ "runs", "runs ls [--experiment E] [--limit N] [--json]\n"
		  "       sagetty runs show RUN [--json]\n"
		  "       sagetty runs start [--name N] [--experiment E] [--param K=V]...\n"
		  "       sagetty runs finish RUN [--status finished|failed|killed]",
	  "List, show, start and finish runs",
	  "RUN is a run id, a unique prefix of one (at least 4 characters), or a run name.\n"
	  "`runs start` prints the new run's id on its own line.  Metric values NaN and\n"
	  "Infinity appear in JSON as the strings \"NaN\", \"Infinity\" and \"-Infinity\".",
	  cmd_runs },
	{ "help", "help [COMMAND]", "Show help for a command",
	  "Without COMMAND, lists the commands.", cmd_help },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void print_overview(void)
{
	printf("usage: sagetty [-w DIR] [--theme NAME] [--ascii] [--no-color] [COMMAND [ARGS]]\n\n"
	       "Without a command, opens the workbench on the workspace around the current folder.\n\n"
	       "Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		printf("  %-8s %s\n", c->name, c->summary);
	printf("\nOptions:\n"
	       "  -w, --workspace DIR  use the workspace at DIR instead of searching from the cwd\n"
	       "      --theme NAME     default, light, high-contrast, mono, or a .theme file\n"
	       "      --ascii          draw lines with ASCII characters\n"
	       "      --no-color       no colors (also when NO_COLOR is set)\n"
	       "  -h, --help           this help; `sagetty help COMMAND` for one command\n"
	       "  -V, --version        print the version\n\n"
	       "Exit status: 0 ok, 1 failure, 2 usage error or no workspace.\n");
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		print_overview();
		return EXIT_OK;
	}
	if (argc > 2)
		return cli_usage("help", "help takes one command name");
	const struct cli_command *c = cli_find(argv[1]);
	if (!c)
		return cli_usage(NULL, "no command '%s'", argv[1]);
	printf("usage: sagetty %s\n\n%s\n\n%s\n", c->usage, c->summary, c->help);
	return EXIT_OK;
}
