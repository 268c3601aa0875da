/* cmd_runs_query.c — `sagetty runs ls|compare|rm|export`: the run queries
 * of core/runquery.h on the command line. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/runcompare.h"
#include "core/runexport.h"
#include "core/runquery.h"
#include "core/util.h"

/* ---- a text table --------------------------------------------------------- */

#define MAX_WIDTH 32    /* display columns a cell may take before it is cut */

struct table {
	int ncols;
	size_t nrows, cap;
	char **cell;        /* nrows × ncols, malloc'd; NULL shows "-" */
};

static void table_add(struct table *t, char **row)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cell = sg_xrealloc(t->cell, t->cap * (size_t)t->ncols * sizeof *t->cell);
	}
	memcpy(t->cell + t->nrows * (size_t)t->ncols, row, (size_t)t->ncols * sizeof *row);
	t->nrows++;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
}

/* The display width of s as cli_safe_text shows it, at most MAX_WIDTH. */
static int text_width(const char *s)
{
	char buf[8 * MAX_WIDTH + 64];
	int w = cli_safe_text(buf, sizeof buf, s, strlen(s), 0);
	return w > MAX_WIDTH ? MAX_WIDTH : w;
}

/* Prints the table with columns padded to their widest cell; control bytes
 * and invalid UTF-8 are escaped, long cells cut. */
static void table_print(const struct table *t)
{
	int *w = sg_xcalloc((size_t)t->ncols, sizeof *w);
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cell[r * (size_t)t->ncols + (size_t)c];
			int cw = text_width(s ? s : "-");
			if (cw > w[c])
				w[c] = cw;
		}
	char buf[8 * MAX_WIDTH + 64];
	struct rq_line { char *p; size_t len, cap; } line = { 0 };
	for (size_t r = 0; r < t->nrows; r++) {
		line.len = 0;
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cell[r * (size_t)t->ncols + (size_t)c];
			s = s ? s : "-";
			cli_safe_text(buf, sizeof buf, s, strlen(s), w[c]);
			size_t n = strlen(buf);
			if (line.len + n + 3 > line.cap) {
				line.cap = (line.len + n + 3) * 2;
				line.p = sg_xrealloc(line.p, line.cap);
			}
			memcpy(line.p + line.len, buf, n);
			line.len += n;
			if (c < t->ncols - 1) {
				memcpy(line.p + line.len, "  ", 2);
				line.len += 2;
			}
		}
		while (line.len > 0 && line.p[line.len - 1] == ' ')
			line.len--;
		printf("%.*s\n", (int)line.len, line.p ? line.p : "");
	}
	free(line.p);
	free(w);
}

/* ---- shared option parsing ---------------------------------------------------- */

/* --sort KEY[:desc|:asc] into q. */
static int parse_sort(struct sg_runquery *q, const char *arg, struct sg_error *err)
{
	size_t len = strlen(arg);
	int desc = 0;
	if (len > 5 && strcasecmp(arg + len - 5, ":desc") == 0)
		desc = 1, len -= 5;
	else if (len > 4 && strcasecmp(arg + len - 4, ":asc") == 0)
		len -= 4;
	struct sg_rq_column c;
	if (sg_rq_column_parse(arg, len, "sort", &c, err) != 0)
		return -1;
	sg_rq_set_sort(q, &c, desc);
	sg_rq_column_done(&c);
	return 0;
}

static int parse_columns(struct sg_runquery *q, const char *arg, struct sg_error *err)
{
	struct sg_rq_column *cols;
	int n;
	if (sg_rq_columns_parse(arg, "columns", &cols, &n, err) != 0)
		return -1;
	sg_rq_set_columns(q, cols, n);
	sg_rq_columns_free(cols, n);
	return 0;
}

/* The options ls and export share. */
struct query_opts {
	const char *experiment, *where, *sort, *columns, *out;
	long limit;
	int json;
};

static int get_query_opts(const char *verb, int argc, char **argv, struct query_opts *o)
{
	static const struct option opts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "where", required_argument, NULL, 'w' },
		{ "sort", required_argument, NULL, 's' },
		{ "columns", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	int c;
	while ((c = getopt_long(argc, argv, "e:n:o:", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'e': o->experiment = optarg; break;
		case 'w': o->where = optarg; break;
		case 's': o->sort = optarg; break;
		case 'c': o->columns = optarg; break;
		case 'o': o->out = optarg; break;
		case 'j': o->json = 1; break;
		case 'n':
			o->limit = strtol(optarg, &end, 10);
			if (*end || o->limit < 0)
				return cli_usage("runs", "--limit needs a number, not '%s'", optarg);
			break;
		default:
			return cli_usage("runs", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("runs", "runs %s takes no arguments ('%s')", verb, argv[optind]);
	return 0;
}

/* A query from the options; NULL with err on a bad expression or column. */
static struct sg_runquery *build_query(const struct query_opts *o, struct sg_error *err)
{
	struct sg_runquery *q = sg_rq_new();
	sg_rq_set_experiment(q, o->experiment);
	if ((o->where && sg_rq_set_where(q, o->where, err) != 0) ||
	    (o->sort && parse_sort(q, o->sort, err) != 0) ||
	    (o->columns && parse_columns(q, o->columns, err) != 0)) {
		sg_rq_free(q);
		return NULL;
	}
	return q;
}

/* ---- formatting values ------------------------------------------------------------ */

/* A cell for text output (NULL for missing); CSV's exact cells are
 * core/runexport.h's. */
static char *value_text(const struct sg_rq_column *c, const struct sg_rq_value *v)
{
	char buf[64];
	if (v->type == SG_RQV_MISSING)
		return NULL;
	if (v->text)
		return sg_xstrdup(v->text);
	if (c->field == SG_RQ_STARTED || c->field == SG_RQ_ENDED)
		sg_format_time(v->num, buf, sizeof buf);
	else
		cli_format_real(v->num, buf, sizeof buf);
	return sg_xstrdup(buf);
}

static json_t *value_json(const struct sg_rq_column *c, const struct sg_rq_value *v)
{
	if (v->type == SG_RQV_MISSING)
		return json_null();
	if (v->text)
		return json_string(v->text);
	(void)c;
	return cli_json_real(v->num);
}

/* ---- runs ls ---------------------------------------------------------------------------- */

static void ls_json(const struct sg_rq_page *p, const struct sg_rq_column *cols, int ncols)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->nrows; i++) {
		json_t *o = cli_run_json(&p->rows[i].run);
		if (ncols > 0) {
			json_t *vals = json_object();
			for (int c = 0; c < ncols; c++) {
				char *name = sg_rq_column_name(&cols[c]);
				json_object_set_new(vals, name, value_json(&cols[c], &p->rows[i].val[c]));
				free(name);
			}
			json_object_set_new(o, "values", vals);
		}
		json_array_append_new(a, o);
	}
	cli_print_json(a);
}

static void ls_text(const struct sg_rq_page *p, const struct sg_rq_column *cols, int ncols)
{
	static const char *const fixed[] = { "ID", "NAME", "EXPERIMENT", "STATUS", "USER",
					     "STARTED", "DURATION" };
	struct table t = { .ncols = 7 + ncols };
	char **row = sg_xcalloc((size_t)t.ncols, sizeof *row);
	for (int c = 0; c < 7; c++)
		row[c] = sg_xstrdup(fixed[c]);
	for (int c = 0; c < ncols; c++)
		row[7 + c] = sg_rq_column_name(&cols[c]);
	table_add(&t, row);
	for (size_t i = 0; i < p->nrows; i++) {
		const struct sg_run_info *r = &p->rows[i].run;
		char start[32], dur[32];
		sg_format_time(r->start_time, start, sizeof start);
		cli_run_duration(r, dur, sizeof dur);
		row[0] = sg_xstrndup(r->id, 8);
		row[1] = sg_xstrdup(r->name);
		row[2] = sg_xstrdup(r->experiment);
		row[3] = sg_xstrdup(sg_run_status_name(r->status));
		row[4] = sg_xstrdup(r->user);
		row[5] = sg_xstrdup(start);
		row[6] = sg_xstrdup(dur);
		for (int c = 0; c < ncols; c++)
			row[7 + c] = value_text(&cols[c], &p->rows[i].val[c]);
		table_add(&t, row);
	}
	table_print(&t);
	table_free(&t);
	free(row);
}

int runs_ls(struct sg_workspace *ws, int argc, char **argv)
{
	struct query_opts o;
	int rc = get_query_opts("ls", argc, argv, &o);
	if (rc != 0)
		return rc;
	if (o.out)
		return cli_usage("runs", "runs ls writes to the terminal; -o is for runs export");
	struct sg_error err = { 0 };
	struct sg_runquery *q = build_query(&o, &err);
	if (!q)
		return cli_fail(&err);
	struct sg_rq_page page;
	if (sg_rq_fetch(ws->store, q, 0, (size_t)o.limit, &page, &err) != 0) {
		sg_rq_free(q);
		return cli_fail(&err);
	}
	int ncols;
	const struct sg_rq_column *cols = sg_rq_columns(q, &ncols);
	if (o.json)
		ls_json(&page, cols, ncols);
	else if (page.nrows == 0 && !o.where && !o.experiment)
		printf("No runs yet. Start one with `sagetty runs start`.\n");
	else if (page.nrows == 0)
		printf("No runs match.\n");
	else
		ls_text(&page, cols, ncols);
	sg_rq_page_done(&page);
	sg_rq_free(q);
	return EXIT_OK;
}

/* ---- runs compare -------------------------------------------------------------------------- */

/* The run fields shown first, as rows. */
static void cmp_run_fields(struct sg_runcmp *c, int i)
{
	const struct sg_run_info *r = &c->runs[i];
	char start[32], dur[32];
	sg_format_time(r->start_time, start, sizeof start);
	cli_run_duration(r, dur, sizeof dur);
	const char *vals[][2] = {
		{ "experiment", r->experiment }, { "status", sg_run_status_name(r->status) },
		{ "user", r->user }, { "kind", r->kind }, { "started", start }, { "duration", dur },
	};
	for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
		sg_runcmp_cell(c, vals[k][0], i, vals[k][1]);
}

static int cmp_load(struct sg_workspace *ws, struct sg_runcmp *c, char **ids, struct sg_error *err)
{
	for (int i = 0; i < c->nruns; i++) {
		if (sg_run_get(ws->store, ids[i], &c->runs[i], err) != 0)
			return -1;
		cmp_run_fields(c, i);
	}
	return sg_runcmp_load(c, ws->store, cli_format_real, err);
}

static void cmp_print_json(const struct sg_runcmp *c, int diff_only)
{
	json_t *o = json_object(), *runs = json_array(), *rows = json_array();
	for (int i = 0; i < c->nruns; i++)
		json_array_append_new(runs, cli_run_json(&c->runs[i]));
	for (size_t k = 0; k < c->nrows; k++) {
		const struct sg_cmp_row *r = &c->rows[k];
		if (diff_only && !r->differs)
			continue;
		json_t *row = json_object(), *vals = json_array();
		json_object_set_new(row, "section", json_string(sg_cmp_section_name[r->section]));
		json_object_set_new(row, "key", json_string(r->key));
		if (r->summary >= 0)
			json_object_set_new(row, "summary",
					    json_string(sg_cmp_summary_name[r->summary]));
		for (int i = 0; i < c->nruns; i++)
			json_array_append_new(vals, !r->text[i] ? json_null()
						    : r->num ? cli_json_real(r->num[i])
						    : json_string(r->text[i]));
		json_object_set_new(row, "values", vals);
		json_object_set_new(row, "differs", json_boolean(r->differs));
		json_array_append_new(rows, row);
	}
	json_object_set_new(o, "runs", runs);
	json_object_set_new(o, "rows", rows);
	cli_print_json(o);
}

static void cmp_print_text(const struct sg_runcmp *c, int diff_only)
{
	static const char *const titles[SG_CMP_NSECTIONS] = { "run", "params", "metrics", "tags" };
	struct table t = { .ncols = 1 + c->nruns };
	char **row = sg_xcalloc((size_t)t.ncols, sizeof *row);
	row[0] = sg_xstrdup("");
	for (int i = 0; i < c->nruns; i++)
		row[1 + i] = sg_xstrdup(c->runs[i].name);
	table_add(&t, row);
	row[0] = sg_xstrdup("");
	for (int i = 0; i < c->nruns; i++)
		row[1 + i] = sg_xstrndup(c->runs[i].id, 8);
	table_add(&t, row);
	int section = -1;
	for (size_t k = 0; k < c->nrows; k++) {
		const struct sg_cmp_row *r = &c->rows[k];
		if (diff_only && !r->differs)
			continue;
		if (section != (int)r->section) {
			section = (int)r->section;
			row[0] = sg_xasprintf("%s:", titles[section]);
			for (int i = 0; i < c->nruns; i++)
				row[1 + i] = sg_xstrdup("");
			table_add(&t, row);
		}
		row[0] = r->summary >= 0
			? sg_xasprintf("  %s.%s", r->key, sg_cmp_summary_name[r->summary])
			: sg_xasprintf("  %s", r->key);
		for (int i = 0; i < c->nruns; i++)
			row[1 + i] = r->text[i] ? sg_xstrdup(r->text[i]) : NULL;
		table_add(&t, row);
	}
	table_print(&t);
	table_free(&t);
	free(row);
}

int runs_compare(struct sg_workspace *ws, int argc, char **argv)
{
	int json = 0, diff_only = 0, n = 0;
	char **ids = sg_xcalloc((size_t)argc + 1, sizeof *ids);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--diff-only") == 0)
			diff_only = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			free(ids);
			return cli_usage("runs", "unknown option '%s'", argv[i]);
		} else
			ids[n++] = argv[i];
	}
	if (n < 2) {
		free(ids);
		return cli_usage("runs", "runs compare needs at least two runs");
	}
	struct sg_runcmp c;
	sg_runcmp_init(&c, n);
	struct sg_error err = { 0 };
	int rc = cmp_load(ws, &c, ids, &err);
	free(ids);
	if (rc == 0) {
		if (json)
			cmp_print_json(&c, diff_only);
		else
			cmp_print_text(&c, diff_only);
	}
	sg_runcmp_done(&c);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}

/* ---- runs rm ------------------------------------------------------------------------------------ */

/* Asks on the terminal; 1 for yes. */
static int confirm(int n, const struct sg_run_info *runs)
{
	fprintf(stderr, "Delete %d run%s for good (rows and folders)?\n", n, n == 1 ? "" : "s");
	char name[4 * MAX_WIDTH + 64];
	for (int i = 0; i < n; i++) {
		cli_safe_text(name, sizeof name, runs[i].name, strlen(runs[i].name), 0);
		fprintf(stderr, "  %s  %s\n", runs[i].id, name);
	}
	fprintf(stderr, "[y/N] ");
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/* Resolves every argument first, so a typo deletes nothing. */
static int rm_resolve(struct sg_workspace *ws, char **args, int n, struct sg_run_info *runs,
		      int *nruns, struct sg_error *err)
{
	*nruns = 0;
	for (int i = 0; i < n; i++) {
		struct sg_run_info r;
		if (sg_run_get(ws->store, args[i], &r, err) != 0)
			return -1;
		int dup = 0;
		for (int k = 0; k < *nruns; k++)
			dup |= strcmp(runs[k].id, r.id) == 0;
		if (!dup)
			runs[(*nruns)++] = r;
	}
	return 0;
}

int runs_rm(struct sg_workspace *ws, int argc, char **argv)
{
	int yes = 0, json = 0, n = 0;
	char **args = sg_xcalloc((size_t)argc + 1, sizeof *args);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
			yes = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			free(args);
			return cli_usage("runs", "unknown option '%s'", argv[i]);
		} else
			args[n++] = argv[i];
	}
	if (n == 0) {
		free(args);
		return cli_usage("runs", "runs rm needs at least one run");
	}
	struct sg_error err = { 0 };
	struct sg_run_info *runs = sg_xcalloc((size_t)n, sizeof *runs);
	int nruns, status = EXIT_OK;
	if (rm_resolve(ws, args, n, runs, &nruns, &err) != 0) {
		status = cli_fail(&err);
	} else if (!yes && !(isatty(STDIN_FILENO) && isatty(STDERR_FILENO))) {
		fprintf(stderr, "sagetty: not deleting %d run%s: add --yes (there is no terminal to "
			"ask for confirmation on)\n", nruns, nruns == 1 ? "" : "s");
		status = EXIT_USAGE;
	} else if (!yes && !confirm(nruns, runs)) {
		fprintf(stderr, "sagetty: nothing deleted\n");
		status = EXIT_FAIL;
	}
	json_t *done = json_array();
	for (int i = 0; status == EXIT_OK && i < nruns; i++) {
		if (sg_rq_remove_run(ws->store, ws->runs_dir, runs[i].id, NULL, &err) != 0) {
			status = cli_fail(&err);
			break;
		}
		json_array_append_new(done, json_string(runs[i].id));
		if (!json)
			printf("Deleted run %s\n", runs[i].id);
	}
	if (json && status == EXIT_OK) {
		json_t *o = json_object();
		json_object_set_new(o, "deleted", done);
		cli_print_json(o);
	} else {
		json_decref(done);
	}
	free(runs);
	free(args);
	return status;
}

/* ---- runs export -------------------------------------------------------------------------------------- */

/* The default columns: run fields, then every param and metric (last). */
static int default_columns(struct sg_store *s, struct sg_runquery *q, struct sg_error *err)
{
	static const enum sg_rq_field fixed[] = { SG_RQ_NAME, SG_RQ_EXPERIMENT, SG_RQ_STATUS,
		SG_RQ_USER, SG_RQ_KIND, SG_RQ_STARTED, SG_RQ_ENDED };
	struct sg_rq_keys pk, mk;
	if (sg_rq_keys(s, SG_RQ_PARAM, &pk, err) != 0)
		return -1;
	if (sg_rq_keys(s, SG_RQ_METRIC, &mk, err) != 0) {
		sg_rq_keys_done(&pk);
		return -1;
	}
	size_t n = 7 + pk.n + mk.n;
	struct sg_rq_column *cols = sg_xcalloc(n, sizeof *cols);
	for (size_t i = 0; i < 7; i++)
		cols[i].field = fixed[i];
	for (size_t i = 0; i < pk.n; i++)
		cols[7 + i] = (struct sg_rq_column){ SG_RQ_PARAM, SG_RQ_LAST, pk.key[i] };
	for (size_t i = 0; i < mk.n; i++)
		cols[7 + pk.n + i] = (struct sg_rq_column){ SG_RQ_METRIC, SG_RQ_LAST, mk.key[i] };
	sg_rq_set_columns(q, cols, (int)n);
	free(cols);
	sg_rq_keys_done(&pk);
	sg_rq_keys_done(&mk);
	return 0;
}

int runs_export(struct sg_workspace *ws, int argc, char **argv)
{
	struct query_opts o;
	int rc = get_query_opts("export", argc, argv, &o);
	if (rc != 0)
		return rc;
	if (!o.out)
		return cli_usage("runs", "runs export needs -o FILE.csv");
	struct sg_error err = { 0 };
	struct sg_runquery *q = build_query(&o, &err);
	if (!q || (!o.columns && default_columns(ws->store, q, &err) != 0)) {
		sg_rq_free(q);
		return cli_fail(&err);
	}
	struct sg_rq_page page;
	if (sg_rq_fetch(ws->store, q, 0, (size_t)o.limit, &page, &err) != 0) {
		sg_rq_free(q);
		return cli_fail(&err);
	}
	int ncols;
	const struct sg_rq_column *cols = sg_rq_columns(q, &ncols);
	rc = sg_runexport_page(&page, cols, ncols, o.out, &err);
	if (rc == 0 && o.json) {
		json_t *j = json_object();
		json_object_set_new(j, "path", json_string(o.out));
		json_object_set_new(j, "rows", json_integer((json_int_t)page.nrows));
		json_object_set_new(j, "columns", json_integer(1 + page.ncols));
		cli_print_json(j);
	} else if (rc == 0) {
		printf("Wrote %zu run%s × %d columns to %s\n", page.nrows, page.nrows == 1 ? "" : "s",
		       1 + page.ncols, o.out);
	}
	sg_rq_page_done(&page);
	sg_rq_free(q);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}
