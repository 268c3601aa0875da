/* cmd_nb.c — `sagetty nb log|diff|restore|commit|convert`: notebook
 * versions on the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/config.h"
#include "core/nbdiff.h"
#include "core/nbformat.h"
#include "core/nbgit.h"
#include "core/nbpercent.h"
#include "core/util.h"
#include "core/workspace.h"

#define CONTEXT_LINES 3

/* Where a notebook argument lives: the workspace root (or the current
 * folder outside a workspace) and its path relative to that root. */
struct nbarg {
	char *root;
	char *rel;
	struct sg_config config;
};

static void nbarg_done(struct nbarg *a)
{
	free(a->root);
	free(a->rel);
}

/* Resolves NB (relative to the cwd) against the workspace of -w or the one
 * around the cwd.  The file itself need not exist (it may be deleted). */
static int resolve(struct cli *cli, const char *nb, struct nbarg *a, struct sg_error *err)
{
	memset(a, 0, sizeof *a);
	sg_config_default(&a->config);
	if (cli->workspace) {
		a->root = sg_realpath(cli->workspace);
		if (!a->root)
			return sg_error_errno(err, "cannot open %s", cli->workspace);
	} else if (sg_workspace_find(".", &a->root, NULL) != 0) {
		a->root = sg_realpath(".");
		if (!a->root)
			return sg_error_errno(err, "cannot open the current folder");
	} else {
		char *r = sg_realpath(a->root);
		free(a->root);
		a->root = r;
	}
	char *dir = sg_xstrdup(nb);
	char *slash = strrchr(dir, '/');
	char *base = sg_xstrdup(slash ? slash + 1 : nb);
	if (slash)
		*slash = '\0';
	char *absdir = sg_realpath(slash ? (dir[0] ? dir : "/") : ".");
	free(dir);
	if (!absdir || !base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		free(absdir);
		free(base);
		return sg_error_set(err, SG_E_USAGE, "%s: not a notebook path", nb);
	}
	size_t rl = strlen(a->root);
	if (strncmp(absdir, a->root, rl) != 0 || (absdir[rl] != '/' && absdir[rl] != '\0')) {
		free(absdir);
		free(base);
		return sg_error_set(err, SG_E_USAGE, "%s is outside the workspace %s", nb, a->root);
	}
	a->rel = absdir[rl] ? sg_path_join(absdir + rl + 1, base) : sg_xstrdup(base);
	free(absdir);
	free(base);
	char *cfg = sg_xasprintf("%s/.sagetty/config", a->root);
	struct sg_error cerr = { 0 };
	if (sg_config_load(&a->config, cfg, 1, &cerr) != 0)
		fprintf(stderr, "sagetty: warning: %s\n", cerr.msg);
	free(cfg);
	return 0;
}

/* resolve, leaving nothing allocated on failure. */
static int nbarg_resolve(struct cli *cli, const char *nb, struct nbarg *a, struct sg_error *err)
{
	int rc = resolve(cli, nb, a, err);
	if (rc != 0)
		nbarg_done(a);
	return rc;
}

static int use_color(struct cli *cli)
{
	const char *nc = getenv("NO_COLOR");
	return !cli->no_color && !(nc && nc[0]) && isatty(STDOUT_FILENO);
}

static json_t *commit_json(const struct sg_nbgit_commit *c)
{
	char when[32];
	sg_format_time((double)c->time, when, sizeof when);
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:b}", "commit", c->id, "author",
			 c->author, "email", c->email, "time", (json_int_t)c->time, "date", when,
			 "message", c->summary, "path", c->path, "renamed", c->renamed);
}

/* ---- nb log ------------------------------------------------------------ */

static int nb_log(struct cli *cli, int argc, char **argv)
{
	int json = 0;
	long max = 0;
	const char *nb = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			max = strtol(argv[++i], NULL, 10);
		else if (argv[i][0] == '-' || nb)
			return cli_usage("nb", "unexpected '%s'", argv[i]);
		else
			nb = argv[i];
	}
	if (!nb)
		return cli_usage("nb", "nb log needs a notebook");
	struct nbarg a;
	struct sg_error err = { 0 };
	if (nbarg_resolve(cli, nb, &a, &err) != 0)
		return cli_fail(&err);
	struct sg_nbgit_commit *cs;
	size_t n;
	int rc = sg_nbgit_log(a.root, a.rel, max > 0 ? (size_t)max : 0, &cs, &n, &err);
	nbarg_done(&a);
	if (rc != 0)
		return cli_fail(&err);
	json_t *arr = json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		if (json) {
			json_array_append_new(arr, commit_json(&cs[i]));
			continue;
		}
		char when[32], author[40], msg[200];
		sg_format_time((double)cs[i].time, when, sizeof when);
		cli_safe_text(author, sizeof author, cs[i].author, strlen(cs[i].author), 12);
		cli_safe_text(msg, sizeof msg, cs[i].summary, strlen(cs[i].summary), 0);
		if (cs[i].renamed) { /* before a rename: the name it had */
			char path[300];
			cli_safe_text(path, sizeof path, cs[i].path, strlen(cs[i].path), 0);
			printf("%.7s  %s  %s  %s  (as %s)\n", cs[i].id, when, author, msg, path);
		} else {
			printf("%.7s  %s  %s  %s\n", cs[i].id, when, author, msg);
		}
	}
	if (json)
		cli_print_json(arr);
	else if (n == 0)
		fprintf(stderr, "sagetty: %s has no commits yet\n", nb);
	free(cs);
	return EXIT_OK;
}

/* ---- nb diff ------------------------------------------------------------ */

struct side {
	struct sg_nb *nb;
	char label[80];
};

/* Loads one side of a diff: a revision, or the working file when rev is NULL. */
static int load_side(const struct nbarg *a, const char *rev, struct side *s, struct sg_error *err)
{
	if (!rev) {
		char *path = sg_path_join(a->root, a->rel);
		int rc = sg_nb_load(path, &s->nb, err);
		free(path);
		snprintf(s->label, sizeof s->label, "working file");
		return rc;
	}
	char id[41];
	if (sg_nbgit_read_at(a->root, a->rel, rev, &s->nb, id, err) != 0)
		return -1;
	snprintf(s->label, sizeof s->label, "%s (%.7s)", rev, id);
	return 0;
}

static const char *changes_text(unsigned ch, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s", ch & SG_NBD_TYPE ? " type" : "", ch & SG_NBD_SOURCE ? " source" : "",
		 ch & SG_NBD_OUTPUTS ? " outputs" : "", ch & SG_NBD_METADATA ? " metadata" : "");
	return buf;
}

static json_t *changes_json(unsigned ch)
{
	json_t *a = json_array();
	if (ch & SG_NBD_TYPE)
		json_array_append_new(a, json_string("type"));
	if (ch & SG_NBD_SOURCE)
		json_array_append_new(a, json_string("source"));
	if (ch & SG_NBD_OUTPUTS)
		json_array_append_new(a, json_string("outputs"));
	if (ch & SG_NBD_METADATA)
		json_array_append_new(a, json_string("metadata"));
	return a;
}

static void print_line(const struct sg_linediff_line *l, int color)
{
	char text[4096];
	cli_safe_text(text, sizeof text, l->text, l->len, 0);
	const char *on = !color ? "" : l->op == '+' ? "\033[32m" : l->op == '-' ? "\033[31m" : "";
	printf("    %s%c%s%s\n", on, l->op, text, on[0] ? "\033[0m" : "");
}

/* Prints the changed lines with CONTEXT_LINES of context, in hunks. */
static void print_hunks(const struct sg_linediff *d, int color)
{
	size_t i = 0;
	while (i < d->n) {
		while (i < d->n && d->l[i].op == ' ')
			i++;
		if (i >= d->n)
			break;
		size_t start = i > CONTEXT_LINES ? i - CONTEXT_LINES : 0;
		size_t end = i;
		/* extend while the next change is within 2*CONTEXT of this one */
		for (size_t k = i; k < d->n; k++) {
			if (d->l[k].op != ' ')
				end = k;
			else if (k - end > 2 * CONTEXT_LINES)
				break;
		}
		size_t stop = end + CONTEXT_LINES + 1 < d->n ? end + CONTEXT_LINES + 1 : d->n;
		long a0 = 0, b0 = 0, an = 0, bn = 0;
		for (size_t k = start; k < stop; k++) {
			if (d->l[k].a_line && !a0)
				a0 = d->l[k].a_line;
			if (d->l[k].b_line && !b0)
				b0 = d->l[k].b_line;
			an += d->l[k].op != '+';
			bn += d->l[k].op != '-';
		}
		printf("    %s@@ -%ld,%ld +%ld,%ld @@%s\n", color ? "\033[36m" : "", a0, an, b0, bn,
		       color ? "\033[0m" : "");
		for (size_t k = start; k < stop; k++)
			print_line(&d->l[k], color);
		i = stop;
	}
}

/* All outputs of a cell as readable text, one after the other. */
static char *outputs_text(const struct sg_nb_cell *c)
{
	size_t cap = 256, len = 0;
	char *s = sg_xmalloc(cap);
	s[0] = '\0';
	size_t i;
	json_t *o;
	json_array_foreach(c->outputs, i, o) {
		char *t = sg_nb_output_text(o);
		size_t n = strlen(t);
		if (len + n + 2 > cap) {
			while (len + n + 2 > cap)
				cap *= 2;
			s = sg_xrealloc(s, cap);
		}
		if (len && s[len - 1] != '\n')
			s[len++] = '\n';
		memcpy(s + len, t, n + 1);
		len += n;
		free(t);
	}
	return s;
}

/* What changed in the outputs: the execution count, then a line diff of
 * their text. */
static void print_outputs_change(const struct sg_nb_cell *ca, const struct sg_nb_cell *cb, int color)
{
	char ca_ec[24] = "-", cb_ec[24] = "-";
	if (ca->execution_count >= 0)
		snprintf(ca_ec, sizeof ca_ec, "%ld", ca->execution_count);
	if (cb->execution_count >= 0)
		snprintf(cb_ec, sizeof cb_ec, "%ld", cb->execution_count);
	printf("    outputs: %zu -> %zu%s%s%s%s\n", json_array_size(ca->outputs), json_array_size(cb->outputs),
	       strcmp(ca_ec, cb_ec) ? ", execution count " : "", strcmp(ca_ec, cb_ec) ? ca_ec : "",
	       strcmp(ca_ec, cb_ec) ? " -> " : "", strcmp(ca_ec, cb_ec) ? cb_ec : "");
	char *ta = outputs_text(ca), *tb = outputs_text(cb);
	if (strcmp(ta, tb) != 0) {
		struct sg_linediff d;
		sg_linediff(ta, tb, &d);
		print_hunks(&d, color);
		sg_linediff_done(&d);
	}
	free(ta);
	free(tb);
}

/* The top-level metadata keys that differ. */
static void print_metadata_change(const json_t *ma, const json_t *mb)
{
	printf("    metadata:");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)ma, key, v)
		if (!json_equal(v, json_object_get(mb, key)))
			printf(" %s", key);
	json_object_foreach((json_t *)mb, key, v)
		if (!json_object_get(ma, key))
			printf(" %s", key);
	printf("\n");
}

static void print_entry(const struct sg_nb *a, const struct sg_nb *b,
			const struct sg_nbdiff_entry *e, int color)
{
	const struct sg_nb_cell *ca = e->a >= 0 ? &a->cells[e->a] : NULL;
	const struct sg_nb_cell *cb = e->b >= 0 ? &b->cells[e->b] : NULL;
	const struct sg_nb_cell *c = cb ? cb : ca;
	char where[64], ch[64] = "";
	if (ca && cb)
		snprintf(where, sizeof where, "#%ld -> #%ld", e->a + 1, e->b + 1);
	else
		snprintf(where, sizeof where, "#%ld", (cb ? e->b : e->a) + 1);
	const char *on = !color ? "" : e->kind == SG_NBD_ADDED ? "\033[32m"
			 : e->kind == SG_NBD_REMOVED ? "\033[31m" : "\033[33m";
	if (e->kind == SG_NBD_CHANGED)
		changes_text(e->changes, ch, sizeof ch);
	printf("%s%-8s%s cell %s (%s, %s)%s%s%s\n", on, sg_nbdiff_kind_name(e->kind), on[0] ? "\033[0m" : "",
	       c->id, sg_nb_cell_type_name(c->type), where, e->moved && e->kind == SG_NBD_CHANGED ? ", moved" : "",
	       ch[0] ? ":" : "", ch);
	struct sg_linediff d;
	if (e->kind == SG_NBD_ADDED || e->kind == SG_NBD_REMOVED) {
		sg_linediff(ca ? ca->source : "", cb ? cb->source : "", &d);
		for (size_t i = 0; i < d.n; i++)
			print_line(&d.l[i], color);
		sg_linediff_done(&d);
		return;
	}
	if (e->changes & SG_NBD_SOURCE) {
		sg_linediff(ca->source, cb->source, &d);
		print_hunks(&d, color);
		sg_linediff_done(&d);
	}
	if ((e->changes & SG_NBD_OUTPUTS) && ca->type == SG_NB_CODE && cb->type == SG_NB_CODE)
		print_outputs_change(ca, cb, color);
	if (e->changes & SG_NBD_METADATA)
		print_metadata_change(ca->metadata, cb->metadata);
}

static json_t *entry_json(const struct sg_nb *a, const struct sg_nb *b,
			  const struct sg_nbdiff_entry *e)
{
	const struct sg_nb_cell *ca = e->a >= 0 ? &a->cells[e->a] : NULL;
	const struct sg_nb_cell *cb = e->b >= 0 ? &b->cells[e->b] : NULL;
	const struct sg_nb_cell *c = cb ? cb : ca;
	json_t *o = json_pack("{s:s, s:s, s:s}", "kind", sg_nbdiff_kind_name(e->kind), "id", c->id,
			      "type", sg_nb_cell_type_name(c->type));
	json_object_set_new(o, "old_index", ca ? json_integer(e->a) : json_null());
	json_object_set_new(o, "new_index", cb ? json_integer(e->b) : json_null());
	json_object_set_new(o, "moved", json_boolean(e->moved));
	json_object_set_new(o, "changes", changes_json(e->changes));
	if (e->kind == SG_NBD_ADDED || e->kind == SG_NBD_REMOVED || (e->changes & SG_NBD_SOURCE)) {
		struct sg_linediff d;
		sg_linediff(ca ? ca->source : "", cb ? cb->source : "", &d);
		json_t *lines = json_array();
		for (size_t i = 0; i < d.n; i++) {
			json_t *l = json_pack("{s:s#, s:s#}", "op", &d.l[i].op, 1, "text", d.l[i].text,
					      d.l[i].len);
			if (!l)   /* text that is not UTF-8 */
				l = json_pack("{s:s#, s:n}", "op", &d.l[i].op, 1, "text");
			json_array_append_new(lines, l);
		}
		json_object_set_new(o, "lines", lines);
		sg_linediff_done(&d);
	}
	return o;
}

static int nb_diff(struct cli *cli, int argc, char **argv)
{
	int json = 0, all = 0;
	const char *args[3] = { NULL, NULL, NULL };
	int nargs = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (argv[i][0] == '-' || nargs == 3)
			return cli_usage("nb", "unexpected '%s'", argv[i]);
		else
			args[nargs++] = argv[i];
	}
	if (nargs == 0)
		return cli_usage("nb", "nb diff needs a notebook");
	struct nbarg a;
	struct sg_error err = { 0 };
	if (nbarg_resolve(cli, args[0], &a, &err) != 0)
		return cli_fail(&err);
	struct side from = { 0 }, to = { 0 };
	int rc = load_side(&a, nargs >= 2 ? args[1] : "HEAD", &from, &err);
	if (rc == 0)
		rc = load_side(&a, nargs == 3 ? args[2] : NULL, &to, &err);
	nbarg_done(&a);
	if (rc != 0) {
		sg_nb_free(from.nb);
		return cli_fail(&err);
	}
	struct sg_nbdiff d;
	sg_nbdiff(from.nb, to.nb, &d);
	int color = use_color(cli);
	if (json) {
		json_t *cells = json_array();
		for (size_t i = 0; i < d.n; i++)
			if (all || d.e[i].kind != SG_NBD_UNCHANGED)
				json_array_append_new(cells, entry_json(from.nb, to.nb, &d.e[i]));
		cli_print_json(json_pack("{s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:b, s:b, s:o}",
					 "from", from.label, "to", to.label, "summary",
					 "changed", (json_int_t)d.changed, "added", (json_int_t)d.added,
					 "removed", (json_int_t)d.removed, "moved", (json_int_t)d.moved,
					 "unchanged", (json_int_t)d.unchanged, "metadata_changed",
					 d.metadata_changed, "matched_by_id", d.matched_by_id,
					 "cells", cells));
	} else {
		printf("%s -> %s: %zu changed, %zu added, %zu removed, %zu moved, %zu unchanged%s\n",
		       from.label, to.label, d.changed, d.added, d.removed, d.moved, d.unchanged,
		       d.metadata_changed ? "; notebook metadata changed" : "");
		if (!d.matched_by_id)
			printf("(no cell ids in common: cells matched by their sources)\n");
		for (size_t i = 0; i < d.n; i++)
			if (all || d.e[i].kind != SG_NBD_UNCHANGED)
				print_entry(from.nb, to.nb, &d.e[i], color);
	}
	sg_nbdiff_done(&d);
	sg_nb_free(from.nb);
	sg_nb_free(to.nb);
	return EXIT_OK;
}

/* ---- nb restore / commit ---------------------------------------------- */

static void print_result(const char *nb, const struct sg_nbgit_result *r, int json)
{
	if (json) {
		cli_print_json(json_pack("{s:s, s:o, s:s, s:b, s:I}", "notebook", nb, "commit",
					 r->commit[0] ? json_string(r->commit) : json_null(),
					 "message", r->message, "merged", r->merged,
					 "conflicts", (json_int_t)r->conflicts));
		return;
	}
	if (r->commit[0])
		printf("%.7s %s\n", r->commit, r->message);
	else
		printf("%s\n", r->message);
}

static int nb_restore(struct cli *cli, int argc, char **argv)
{
	int json = 0;
	const char *args[2] = { NULL, NULL };
	int nargs = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] == '-' || nargs == 2)
			return cli_usage("nb", "unexpected '%s'", argv[i]);
		else
			args[nargs++] = argv[i];
	}
	if (nargs != 2)
		return cli_usage("nb", "nb restore needs a notebook and a version");
	struct nbarg a;
	struct sg_error err = { 0 };
	if (nbarg_resolve(cli, args[0], &a, &err) != 0)
		return cli_fail(&err);
	struct sg_nbgit_opts o = { .strip_outputs = a.config.nb_strip_outputs };
	struct sg_nbgit_result r;
	int rc = sg_nbgit_restore(a.root, a.rel, args[1], &o, &r, &err);
	nbarg_done(&a);
	if (rc != 0)
		return cli_fail(&err);
	print_result(args[0], &r, json);
	return EXIT_OK;
}

static int nb_commit(struct cli *cli, int argc, char **argv)
{
	int json = 0;
	const char *nb = NULL, *msg = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			msg = argv[++i];
		else if (argv[i][0] == '-' || nb)
			return cli_usage("nb", "unexpected '%s'", argv[i]);
		else
			nb = argv[i];
	}
	if (!nb)
		return cli_usage("nb", "nb commit needs a notebook");
	struct nbarg a;
	struct sg_error err = { 0 };
	if (nbarg_resolve(cli, nb, &a, &err) != 0)
		return cli_fail(&err);
	char *path = sg_path_join(a.root, a.rel);
	struct sg_nb *n = NULL;
	int rc = sg_nb_load(path, &n, &err);
	free(path);
	struct sg_nbgit_result r;
	if (rc == 0) {
		/* The file as loaded is the base: a concurrent save is merged. */
		struct sg_nb *base = sg_nb_clone(n);
		struct sg_nbgit_opts o = { .strip_outputs = a.config.nb_strip_outputs, .message = msg };
		rc = sg_nbgit_save(a.root, a.rel, n, base, &o, &r, &err);
		sg_nb_free(base);
	}
	sg_nb_free(n);
	nbarg_done(&a);
	if (rc != 0)
		return cli_fail(&err);
	print_result(nb, &r, json);
	return EXIT_OK;
}

/* ---- nb convert --------------------------------------------------------- */

static int nb_convert(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc != 4 || argv[2][0] == '-' || argv[3][0] == '-')
		return cli_usage("nb", "nb convert needs IN and OUT (.ipynb or .py)");
	struct sg_error err = { 0 };
	struct sg_nb *nb;
	if (sg_nb_load(argv[2], &nb, &err) != 0)
		return cli_fail(&err);
	int rc = sg_nb_save_file(argv[3], nb, &err);
	if (rc == 0 && nb->upgraded_from)
		fprintf(stderr, "sagetty: %s: upgraded from nbformat %d to 4.5\n", argv[2],
			nb->upgraded_from);
	sg_nb_free(nb);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct {
	const char *verb;
	int (*fn)(struct cli *, int, char **);
} nb_verbs[] = {
	{ "log", nb_log },
	{ "diff", nb_diff },
	{ "restore", nb_restore },
	{ "commit", nb_commit },
	{ "convert", nb_convert },
	{ "run", nb_run },
};

int cmd_nb(struct cli *cli, int argc, char **argv)
{
	if (cli_wants_help("nb", argc, argv))
		return EXIT_OK;
	if (argc < 2)
		return cli_usage("nb", "nb needs a verb: log, diff, restore, commit, convert or run");
	for (size_t i = 0; i < sizeof nb_verbs / sizeof nb_verbs[0]; i++)
		if (strcmp(argv[1], nb_verbs[i].verb) == 0)
			return nb_verbs[i].fn(cli, argc, argv);
	return cli_usage("nb", "no verb '%s' (log, diff, restore, commit, convert, run)", argv[1]);
}
