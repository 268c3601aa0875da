/* cmd_labels.c — `sagetty labels scheme|ls|import|stats|consolidate|export`.
 * The Label view itself is `sagetty label DATASET` (the TUI). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/labels_cli.h"
#include "core/labels.h"
#include "core/util.h"

/* ---- shared ----------------------------------------------------------------------- */

int labels_dataset(struct sg_workspace *ws, const char *arg, struct cli_dataset *d,
		   struct sg_error *err)
{
	if (cli_dataset_resolve(ws, arg, d, err) != 0)
		return -1;
	if (d->registered)
		return 0;
	/* A file in the workspace that is not registered yet: labels live in
	 * the store by dataset, so it is registered first. */
	char *abs = sg_realpath(d->path);
	if (!abs)
		return sg_error_errno(err, "cannot open %s", d->path);
	int rc = sg_dataset_register(ws->store, ws->root, abs, NULL, 1, 0, NULL, &d->info, err);
	free(abs);
	if (rc == 0)
		d->registered = 1;
	return rc;
}

/* Reports what the sync found: a changed file and orphaned labels. */
static void report_sync(const struct sg_labels_sync *s, const char *name)
{
	if (s->changed)
		fprintf(stderr, "sagetty: %s changed on disk since labeling began (now %llu rows); "
			"labels follow their row keys\n", name, (unsigned long long)s->rows);
	if (s->orphaned_annotations)
		fprintf(stderr, "sagetty: warning: %llu annotation(s) on %llu row key(s) no longer in "
			"%s: kept as orphans (`sagetty labels ls %s --state orphaned`)\n",
			(unsigned long long)s->orphaned_annotations,
			(unsigned long long)s->orphaned_items, name, name);
	if (s->rekeyed)
		fprintf(stderr, "sagetty: the scheme's id column changed: labels of %llu row(s) moved "
			"to the new row keys\n", (unsigned long long)s->rekeyed);
	if (s->duplicate_keys)
		fprintf(stderr, "sagetty: warning: %llu row(s) of %s repeat an earlier row's key; "
			"they are keyed KEY#2, KEY#3...\n", (unsigned long long)s->duplicate_keys, name);
}

struct sg_labels *labels_open_cli(struct sg_workspace *ws, struct cli_dataset *d, int quiet,
				  struct sg_labels_sync *sync, struct sg_error *err)
{
	struct sg_labels_sync local;
	if (!sync)
		sync = &local;
	struct sg_labels *l = sg_labels_open(ws->store, &d->info, d->path, sg_username(), NULL,
					     NULL, sync, err);
	if (l && !quiet)
		report_sync(sync, d->info.name);
	return l;
}

struct sg_labels *labels_open_arg(struct sg_workspace *ws, const char *arg, int quiet,
				  struct sg_labels_sync *sync, struct sg_error *err)
{
	struct cli_dataset d;
	if (labels_dataset(ws, arg, &d, err) != 0)
		return NULL;
	struct sg_labels *l = labels_open_cli(ws, &d, quiet, sync, err);
	cli_dataset_done(&d);
	return l;
}

json_t *labels_value_json(const struct sg_scheme *sc, const char *value)
{
	if (!value || !*value)
		return json_null();
	if (sc->type == SG_SCHEME_SINGLE)
		return json_string(value);
	json_t *v = json_loads(value, 0, NULL);
	return v ? v : json_string(value);
}

/* ---- labels scheme ------------------------------------------------------------------- */

static void print_scheme(const struct sg_scheme *sc)
{
	printf("type: %s\n", sg_scheme_type_name(sc->type));
	printf("text column: %s\n", sc->text_column[0] ? sc->text_column : "-");
	printf("row keys: %s\n", sc->id_column[0] ? sc->id_column : "hash of the row's content");
	printf("annotations per item: %d   lease: %ds   comments: %s\n", sc->k, sc->lease_seconds,
	       sc->comment ? "yes" : "no");
	printf("low confidence below: %g   review machine labels below: %g   audit: %g%%\n",
	       sc->low_confidence, sc->review_below, sc->audit_percent);
	printf("labels:\n");
	for (size_t i = 0; i < sc->nlabels; i++) {
		char name[SG_SCHEME_NAME_MAX * 4];
		cli_safe_text(name, sizeof name, sc->labels[i].name, strlen(sc->labels[i].name), 0);
		printf("  %c  %s%s%s\n", sc->labels[i].key ? sc->labels[i].key : '-', name,
		       sc->labels[i].description[0] ? "  — " : "", sc->labels[i].description);
	}
}

/* Checks the scheme's columns against the file's header. */
static int check_against_file(const struct sg_scheme *sc, const char *path, struct sg_error *err)
{
	struct sg_csv *c = sg_csv_open(path, NULL, err);
	if (!c)
		return -1;
	int n = sg_csv_ncols(c);
	const char **names = sg_xcalloc((size_t)n + 1, sizeof *names);
	for (int i = 0; i < n; i++)
		names[i] = sg_csv_colname(c, i);
	int rc = sg_scheme_check_columns(sc, names, n, err);
	free(names);
	sg_csv_free(c);
	return rc;
}

/* After a scheme change: existing answers that the new scheme would refuse
 * stay as they are (history is never rewritten), but the user should know. */
static void warn_misfits(struct sg_workspace *ws, long long dataset_id, const struct sg_scheme *sc)
{
	sqlite3_stmt *q = sg_store_prepare(ws->store,
		"SELECT value, count(*) FROM label_annotations WHERE dataset_id = ?1 AND active = 1"
		" GROUP BY value", NULL);
	if (!q)
		return;
	sqlite3_bind_int64(q, 1, dataset_id);
	long long bad = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		char *canon = NULL;
		if (sg_scheme_value_check(sc, (const char *)sqlite3_column_text(q, 0), NULL, 0, &canon,
					  NULL) != 0)
			bad += sqlite3_column_int64(q, 1);
		free(canon);
	}
	sqlite3_reset(q);
	if (bad)
		fprintf(stderr, "sagetty: warning: %lld existing annotation(s) use labels or a form the "
			"new scheme does not have; they are kept as they are\n", bad);
}

static int labels_scheme(struct sg_workspace *ws, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' }, { "show", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 },
	};
	const char *set = NULL;
	int json = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			set = optarg;
		else if (c == 'j')
			json = 1;
		else if (c != 'S')
			return cli_usage("labels", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_usage("labels", "labels scheme needs one DATASET");
	struct sg_error err = { 0 };
	struct cli_dataset d;
	struct sg_scheme sc;
	if (set && (sg_scheme_load(&sc, set, &err) != 0))
		return cli_fail(&err);
	if (labels_dataset(ws, argv[optind], &d, &err) != 0) {
		if (set)
			sg_scheme_done(&sc);
		return cli_fail(&err);
	}
	int rc = 0;
	if (set) {
		rc = check_against_file(&sc, d.path, &err);
		if (rc == 0)
			rc = sg_labels_set_scheme(ws->store, d.info.id, &sc, sg_username(), &err);
		if (rc == 0)
			warn_misfits(ws, d.info.id, &sc);
	} else {
		rc = sg_labels_get_scheme(ws->store, d.info.id, &sc, &err);
	}
	if (rc != 0) {
		if (set)
			sg_scheme_done(&sc);
		cli_dataset_done(&d);
		return cli_fail(&err);
	}
	if (json) {
		char *text = sg_scheme_format(&sc, 0);
		json_t *o = json_loads(text, 0, NULL);
		json_object_set_new(o, "dataset", json_string(d.info.name));
		cli_print_json(o);
		free(text);
	} else {
		if (set)
			printf("scheme of %s saved\n", d.info.name);
		print_scheme(&sc);
	}
	sg_scheme_done(&sc);
	cli_dataset_done(&d);
	return EXIT_OK;
}

/* ---- labels ls ----------------------------------------------------------------------- */

struct ls_ctx {
	const struct sg_scheme *sc;
	json_t *arr;
	char line[1024];
	size_t len;
};

static int ls_ann(const struct sg_annotation *a, void *ud)
{
	struct ls_ctx *c = ud;
	if (c->arr) {
		json_t *o = json_pack("{sIssso}", "id", (json_int_t)a->id, "annotator", a->user,
				      "label", labels_value_json(c->sc, a->value));
		json_object_set_new(o, "source", json_string(sg_label_source_name(a->source)));
		json_object_set_new(o, "role", json_string(a->role == SG_ROLE_REVIEWER ? "reviewer" :
							   "annotator"));
		json_object_set_new(o, "confidence", cli_json_real(a->confidence));
		json_object_set_new(o, "seconds", json_real(a->seconds));
		json_object_set_new(o, "created_at", json_real(a->created_at));
		if (a->comment && *a->comment)
			json_object_set_new(o, "comment", json_string(a->comment));
		if (a->review)
			json_object_set_new(o, "review", json_string(sg_label_review_name(a->review)));
		json_array_append_new(c->arr, o);
		return 0;
	}
	char who[96], val[512];
	cli_safe_text(who, sizeof who, a->user, strlen(a->user), 0);
	cli_safe_text(val, sizeof val, a->value, strlen(a->value), 0);
	int n = snprintf(c->line + c->len, sizeof c->line - c->len, "%s%s=%s%s",
			 c->len ? "  " : "", who, val, a->source == SG_LABEL_MACHINE ? "(m)" :
			 a->role == SG_ROLE_REVIEWER ? "(r)" : "");
	if (n > 0 && (size_t)n < sizeof c->line - c->len)
		c->len += (size_t)n;
	return 0;
}

static int parse_state(const char *s, int *state)
{
	static const char *const names[] = { "any", "unlabeled", "labeled", "complete", "disagreed",
					     "review", "orphaned" };
	for (int i = 0; i < 7; i++)
		if (strcmp(s, names[i]) == 0) {
			*state = i;
			return 0;
		}
	return -1;
}

/* The orphaned items: keys gone from the file that still carry labels. */
static int ls_orphans(struct sg_labels *l, struct sg_workspace *ws, json_t *arr, long limit,
		      struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(ws->store,
		"SELECT row_key FROM label_items i WHERE dataset_id = ?1 AND row IS NULL"
		" AND EXISTS (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"   AND a.row_key = i.row_key AND a.active = 1) ORDER BY row_key", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sg_labels_dataset_id(l));
	char **keys = NULL;
	size_t n = 0;
	while (sqlite3_step(q) == SQLITE_ROW && (limit <= 0 || (long)n < limit)) {
		keys = sg_xrealloc(keys, (n + 1) * sizeof *keys);
		keys[n++] = sg_xstrdup((const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_reset(q);
	for (size_t i = 0; i < n; i++) {
		struct ls_ctx c = { .sc = sg_labels_scheme(l), .arr = arr ? json_array() : NULL };
		sg_labels_item_annotations(ws->store, sg_labels_dataset_id(l), keys[i], 0, ls_ann, &c,
					   err);
		if (arr) {
			json_t *o = json_pack("{snss}", "row", "key", keys[i]);
			json_object_set_new(o, "annotations", c.arr);
			json_array_append_new(arr, o);
		} else {
			char key[256];
			cli_safe_text(key, sizeof key, keys[i], strlen(keys[i]), 0);
			printf("%8s  %-22s  %s\n", "orphan", key, c.line);
		}
		free(keys[i]);
	}
	free(keys);
	return 0;
}

static int labels_ls(struct sg_workspace *ws, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "label", required_argument, NULL, 'l' },
		{ "annotator", required_argument, NULL, 'a' }, { "state", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'S' }, { "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_label_filter f = { .source = -1 };
	int json = 0, c, state = 0;
	long limit = 100;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'l': f.label = optarg; break;
		case 'a': f.user = optarg; break;
		case 's':
			if (parse_state(optarg, &state) != 0)
				return cli_usage("labels", "--state is one of unlabeled, labeled, complete, "
						 "disagreed, review, orphaned");
			break;
		case 'S':
			f.source = sg_label_source_parse(optarg);
			if (f.source < 0)
				return cli_usage("labels", "--source is human, machine or imported");
			break;
		case 'n': limit = strtol(optarg, NULL, 10); break;
		default: return cli_usage("labels", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage("labels", "labels ls needs one DATASET");
	struct sg_error err = { 0 };
	struct sg_labels *l = labels_open_arg(ws, argv[optind], json, NULL, &err);
	if (!l)
		return cli_fail(&err);
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		printf("%8s  %-22s  %s\n", "ROW", "KEY", "ANNOTATIONS");
	int rc = 0;
	if (state == 6) {
		rc = ls_orphans(l, ws, arr, limit, &err);
	} else {
		f.state = state;
		long long *rows = NULL;
		size_t n = 0;
		rc = sg_labels_filter_rows(l, &f, &rows, &n, &err);
		for (size_t i = 0; rc == 0 && i < n && (limit <= 0 || (long)i < limit); i++) {
			const char *key = sg_labels_key(l, (uint64_t)rows[i]);
			struct ls_ctx lc = { .sc = sg_labels_scheme(l), .arr = json ? json_array() : NULL };
			rc = sg_labels_item_annotations(ws->store, sg_labels_dataset_id(l), key, 0, ls_ann,
							&lc, &err);
			if (json) {
				json_t *o = json_pack("{sIss}", "row", (json_int_t)rows[i] + 1, "key", key);
				json_object_set_new(o, "annotations", lc.arr);
				json_array_append_new(arr, o);
			} else {
				char k[256];
				cli_safe_text(k, sizeof k, key, strlen(key), 0);
				printf("%8lld  %-22s  %s\n", rows[i] + 1, k, lc.line);
			}
		}
		free(rows);
	}
	sg_labels_free(l);
	if (rc != 0) {
		json_decref(arr);
		return cli_fail(&err);
	}
	if (json)
		cli_print_json(arr);
	return EXIT_OK;
}

/* ---- dispatch ----------------------------------------------------------------------- */

int cmd_labels(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		/* Every verb may sync the items with the file, which writes. */
		{ "scheme", labels_scheme, CLI_WS_WRITE }, { "ls", labels_ls, CLI_WS_WRITE },
		{ "import", labels_import, CLI_WS_WRITE }, { "export", labels_export, CLI_WS_WRITE },
		{ "stats", labels_stats, CLI_WS_WRITE },
		{ "consolidate", labels_consolidate, CLI_WS_WRITE },
		{ "auto", labels_auto, CLI_WS_WRITE }, { "review", labels_review, CLI_WS_WRITE },
	};
	return cli_dispatch(cli, "labels", verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
