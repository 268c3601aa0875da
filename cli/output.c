/* output.c — messages, JSON, and opening the workspace for commands. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include "cli/cli.h"
#include "core/util.h"

int cli_fail(const struct sg_error *err)
{
	fprintf(stderr, "sagetty: %s\n", err->msg[0] ? err->msg : "failed");
	return err->code == SG_E_USAGE || err->code == SG_E_NOWORKSPACE ? EXIT_USAGE : EXIT_FAIL;
}

int cli_usage(const char *command, const char *fmt, ...)
{
	va_list ap;
	fputs("sagetty: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	const struct cli_command *c = command ? cli_find(command) : NULL;
	if (c)
		fprintf(stderr, "\nusage: sagetty %s\n", c->usage);
	else
		fputc('\n', stderr);
	fprintf(stderr, "Try 'sagetty help%s%s'.\n", command ? " " : "", command ? command : "");
	return EXIT_USAGE;
}

struct sg_workspace *cli_open(struct cli *cli, unsigned flags, int *status)
{
	struct sg_error err = { 0 };
	struct sg_workspace *ws = cli->workspace ? sg_workspace_open(cli->workspace, flags, &err)
						 : sg_workspace_discover(".", flags, &err);
	if (!ws && cli->workspace && err.code == SG_E_STORE)
		sg_error_prefix(&err, "%s is not a usable workspace", cli->workspace);
	if (!ws) {
		*status = cli_fail(&err);
		return NULL;
	}
	if (ws->config_error[0])
		fprintf(stderr, "sagetty: warning: %s\n", ws->config_error);
	return ws;
}

void cli_print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(v);
}

json_t *cli_json_real(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

void cli_format_real(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "nan");
	else if (isinf(v))
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
	else
		snprintf(buf, n, "%.6g", v);
}

int cli_wants_help(const char *command, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			char *args[] = { "help", (char *)command, NULL };
			cmd_help(NULL, 2, args);
			return 1;
		}
	}
	return 0;
}

/* Appends one escaped byte as \xNN. */
static size_t put_escape(char *out, size_t room, unsigned char b)
{
	return room > 4 ? (size_t)snprintf(out, room, "\\x%02X", b) : 0;
}

int cli_safe_text(char *out, size_t outsz, const char *p, size_t len, int width)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t o = 0;
	int cols = 0;
	while (len > 0 && o + 8 < outsz) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, p, len, &st);
		int w = 0;
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0 || (w = wcwidth(wc)) < 0 ||
		    (k == 1 && (unsigned char)*p < 0x20)) {
			/* Invalid UTF-8, NUL, or a control byte: never raw to the terminal. */
			memset(&st, 0, sizeof st);
			if (width > 0 && cols + 4 > width)
				break;
			o += put_escape(out + o, outsz - o, (unsigned char)*p);
			cols += 4;
			p++;
			len--;
			continue;
		}
		if (width > 0 && cols + w > width)
			break;
		memcpy(out + o, p, k);
		o += k;
		cols += w;
		p += k;
		len -= k;
	}
	while (width > 0 && cols < width && o + 1 < outsz) {
		out[o++] = ' ';
		cols++;
	}
	out[o] = '\0';
	return cols;
}

/* The workspace for verbs that also work on plain files outside one. */
static struct sg_workspace *optional_workspace(struct cli *cli, int *status)
{
	struct sg_error err = { 0 };
	struct sg_workspace *ws = cli->workspace
		? sg_workspace_open(cli->workspace, SG_WS_READONLY, &err)
		: sg_workspace_discover(".", SG_WS_READONLY, &err);
	*status = EXIT_OK;
	if (!ws && (cli->workspace || err.code != SG_E_NOWORKSPACE))
		*status = cli_fail(&err);
	return ws;
}

/* "a, b or c" of the verbs. */
static void verb_list(const struct cli_verb *verbs, size_t n, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " or " : ", ", verbs[i].verb);
}

int cli_dispatch(struct cli *cli, const char *noun, const struct cli_verb *verbs, size_t n,
		 int argc, char **argv)
{
	if (cli_wants_help(noun, argc, argv))
		return EXIT_OK;
	char list[512];
	verb_list(verbs, n, list, sizeof list);
	if (argc < 2)
		return cli_usage(noun, "%s needs a verb: %s", noun, list);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], verbs[i].verb) != 0)
			continue;
		int status;
		struct sg_workspace *ws = verbs[i].ws == CLI_WS_OPTIONAL
			? optional_workspace(cli, &status)
			: cli_open(cli, verbs[i].ws == CLI_WS_WRITE ? 0 : SG_WS_READONLY, &status);
		if (!ws && status != EXIT_OK)
			return status;
		opterr = 0;
		optind = 0;
		status = verbs[i].fn(ws, argc - 1, argv + 1);
		sg_workspace_free(ws);
		return status;
	}
	return cli_usage(noun, "no verb '%s' for %s (%s)", argv[1], noun, list);
}

char *cli_python_helper_dir(void)
{
	const char *env = getenv("SAGETTY_DATADIR");
	const char *bases[] = { env && *env ? env : NULL, SG_PKGDATADIR, SG_SRCDIR };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		if (!bases[i])
			continue;
		char *dir = sg_path_join(bases[i], "python");
		char *file = sg_path_join(dir, "sagetty_log.py");
		int ok = sg_is_file(file);
		free(file);
		if (ok)
			return dir;
		free(dir);
	}
	return NULL;
}
