/* cmd_kernels.c — `sagetty kernels ls|stop|start|specs` and the internal
 * `kernel-keeper` that owns a long-lived kernel. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/kernels.h"
#include "core/kernelspec.h"
#include "core/util.h"

static double idle_for(const struct sg_kernel_entry *e)
{
	if (strcmp(e->state, "busy") == 0 || e->last_activity <= 0)
		return 0;
	double d = sg_now() - e->last_activity;
	return d > 0 ? d : 0;
}

static json_t *entry_json(const struct sg_kernel_entry *e)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:f, s:f, s:f, s:i, s:s, s:s}",
			 "id", e->id, "kernel", e->kernel, "notebook", e->notebook, "workspace",
			 e->workspace, "pid", e->pid > 0 ? json_integer(e->pid) : json_null(),
			 "keeper_pid", (json_int_t)e->keeper, "state", e->state, "started",
			 e->started, "last_activity", e->last_activity, "idle_seconds", idle_for(e),
			 "idle_timeout", e->idle_timeout, "connection_file", e->connection_file,
			 "log", e->log_path);
}

static int kernels_ls(int argc, char **argv)
{
	int json = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cli_usage("kernels", "unknown argument '%s'", argv[i]);
	}
	struct sg_kernel_entry *v;
	size_t n;
	struct sg_error err = { 0 };
	if (sg_kernels_list(&v, &n, &err) < 0)
		return cli_fail(&err);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, entry_json(&v[i]));
		cli_print_json(a);
	} else if (n == 0) {
		printf("no kernels running\n");
	} else {
		printf("%-16s  %-12s  %-8s  %-8s  %-7s  %s\n", "ID", "KERNEL", "PID", "STATE", "IDLE",
		       "NOTEBOOK");
		for (size_t i = 0; i < n; i++) {
			char idle[32], pid[16], kname[40], nb[1200];
			sg_format_duration(idle_for(&v[i]), idle, sizeof idle);
			snprintf(pid, sizeof pid, "%ld", (long)v[i].pid);
			cli_safe_text(kname, sizeof kname, v[i].kernel, strlen(v[i].kernel), 12);
			cli_safe_text(nb, sizeof nb, v[i].notebook, strlen(v[i].notebook), 0);
			printf("%-16s  %s  %-8s  %-8s  %-7s  %s\n", v[i].id, kname,
			       v[i].pid > 0 ? pid : "-", v[i].state,
			       strcmp(v[i].state, "busy") == 0 ? "-" : idle, nb[0] ? nb : "-");
		}
	}
	free(v);
	return EXIT_OK;
}

static int kernels_stop(int argc, char **argv)
{
	if (argc < 3)
		return cli_usage("kernels", "kernels stop needs a kernel ID (or --all)");
	struct sg_error err = { 0 };
	if (strcmp(argv[2], "--all") == 0) {
		struct sg_kernel_entry *v;
		size_t n;
		if (sg_kernels_list(&v, &n, &err) < 0)
			return cli_fail(&err);
		int status = EXIT_OK;
		for (size_t i = 0; i < n; i++) {
			if (sg_kernels_stop(v[i].id, 10, &err) < 0)
				status = cli_fail(&err);
			else
				printf("stopped %s\n", v[i].id);
		}
		free(v);
		return status;
	}
	for (int i = 2; i < argc; i++) {
		struct sg_kernel_entry e;
		if (sg_kernels_get(argv[i], &e, &err) < 0 || sg_kernels_stop(e.id, 10, &err) < 0)
			return cli_fail(&err);
		printf("stopped %s\n", e.id);
	}
	return EXIT_OK;
}

/* `kernels start [--kernel NAME] [NOTEBOOK]`: a kept kernel without the
 * TUI (the notebook's own kernel when one is already running). */
static int kernels_start(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kernel = "python3";
	int idle = -1, json = 0, c;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "k:", opts, NULL)) != -1) {
		switch (c) {
		case 'k': kernel = optarg; break;
		case 'i': idle = atoi(optarg); break;
		case 'j': json = 1; break;
		default: return cli_usage("kernels", "unknown option '%s'", argv[optind - 1]);
		}
	}
	struct sg_error err = { 0 };
	char *nb = NULL;
	if (optind < argc && !(nb = sg_realpath(argv[optind]))) {
		sg_error_errno(&err, "%s", argv[optind]);
		return cli_fail(&err);
	}
	struct sg_workspace *ws = NULL;
	if (cli->workspace || nb) {
		int status;
		ws = cli_open(cli, SG_WS_READONLY, &status);
	}
	if (idle < 0)
		idle = ws ? ws->config.kernel_idle_timeout : SG_KERNELS_IDLE_DEFAULT;
	struct sg_kernels_launch_opts o = { .kernel = kernel, .notebook = nb,
					    .workspace = ws ? ws->root : NULL, .idle_timeout = idle };
	struct sg_kernel_entry e;
	int found = nb && sg_kernels_find_notebook(nb, &e);
	int rc = found ? 0 : sg_kernels_launch(&o, &e, &err);
	free(nb);
	sg_workspace_free(ws);
	if (rc < 0)
		return cli_fail(&err);
	if (json)
		cli_print_json(entry_json(&e));
	else
		printf("%s %s (pid %ld)\n", found ? "running" : "started", e.id, (long)e.pid);
	return EXIT_OK;
}

static int kernels_specs(int argc, char **argv)
{
	int json = argc > 2 && strcmp(argv[2], "--json") == 0;
	struct sg_kernelspec_list l;
	struct sg_error err = { 0 };
	if (sg_kernelspec_list(&l, &err) < 0)
		return cli_fail(&err);
	json_t *a = json_array();
	for (size_t i = 0; i < l.n; i++) {
		if (json)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "name",
							   l.items[i].name, "display_name",
							   l.items[i].display_name, "language",
							   l.items[i].language, "dir", l.items[i].dir));
		else
			printf("%-16s  %-28s  %s\n", l.items[i].name, l.items[i].display_name,
			       l.items[i].dir);
	}
	if (json)
		cli_print_json(a);
	else
		json_decref(a);
	sg_kernelspec_list_done(&l);
	return EXIT_OK;
}

int cmd_kernels(struct cli *cli, int argc, char **argv)
{
	if (cli_wants_help("kernels", argc, argv))
		return EXIT_OK;
	if (argc < 2)
		return cli_usage("kernels", "kernels needs a verb: ls, stop, start or specs");
	if (strcmp(argv[1], "ls") == 0)
		return kernels_ls(argc, argv);
	if (strcmp(argv[1], "stop") == 0)
		return kernels_stop(argc, argv);
	if (strcmp(argv[1], "start") == 0)
		return kernels_start(cli, argc, argv);
	if (strcmp(argv[1], "specs") == 0)
		return kernels_specs(argc, argv);
	return cli_usage("kernels", "no verb '%s' (ls, stop, start, specs)", argv[1]);
}

/* `kernel-keeper ID --kernel NAME [--notebook P] [--workspace W]
 * [--workdir D] [--idle-timeout S] [--timeout S]` */
int cmd_kernel_keeper(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "notebook", required_argument, NULL, 'n' },
		{ "workspace", required_argument, NULL, 'w' },
		{ "workdir", required_argument, NULL, 'd' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_kernels_launch_opts o = { .kernel = "python3", .idle_timeout = -1 };
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'n': o.notebook = optarg; break;
		case 'w': o.workspace = optarg; break;
		case 'd': o.workdir = optarg; break;
		case 'i': o.idle_timeout = atoi(optarg); break;
		case 't': o.timeout = atof(optarg); break;
		default: return cli_usage("kernel-keeper", "unknown option");
		}
	}
	if (optind >= argc || strlen(argv[optind]) != SG_KERNEL_ID_LEN ||
	    strspn(argv[optind], "0123456789abcdef") != SG_KERNEL_ID_LEN)
		return cli_usage("kernel-keeper", "kernel-keeper needs a 16-hex kernel ID");
	if (o.idle_timeout < 0)
		o.idle_timeout = SG_KERNELS_IDLE_DEFAULT;
	return sg_kernels_keep(&o, argv[optind]);
}
