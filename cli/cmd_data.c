/* cmd_data.c — `sagetty data add|ls`: the dataset registry. */
#include <getopt.h>
#include <math.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/colstats.h"
#include "core/csvfile.h"
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

/* ---- reading datasets: head, stats, freq ----------------------------------- */

struct read_opts {
	int json, csv;
	long limit;
	struct sg_csv_options csv_opt;
};

int cli_dialect_opt(int c, const char *arg, struct sg_csv_options *o)
{
	switch (c) {
	case 'H': o->header = SG_CSV_HEADER_NO; return 1;
	case 'E': o->header = SG_CSV_HEADER_YES; return 1;
	case 'd':
		if (strcmp(arg, "tab") == 0)
			o->delimiter = '\t';
		else if (strlen(arg) == 1)
			o->delimiter = arg[0];
		else
			return cli_usage("data", "--delimiter is one character or 'tab'"), -1;
		return 1;
	default:
		return 0;
	}
}

/* Parses the options the reading verbs share; returns the index of the first
 * operand, or -1 after printing a usage error. */
static int parse_read_opts(int argc, char **argv, struct read_opts *o)
{
	static const struct option opts[] = {
		CLI_DIALECT_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		int k = cli_dialect_opt(c, optarg, &o->csv_opt);
		if (k < 0)
			return -1;
		if (k > 0)
			continue;
		char *end;
		switch (c) {
		case 'j': o->json = 1; break;
		case 'c': o->csv = 1; break;
		case 'n':
			o->limit = strtol(optarg, &end, 10);
			if (*end || o->limit < 0)
				return cli_usage("data", "-n needs a number, not '%s'", optarg), -1;
			break;
		default:
			return cli_usage("data", "unknown or incomplete option '%s'",
					 argv[optind - 1]), -1;
		}
	}
	return optind;
}

int cli_dataset_resolve(struct sg_workspace *ws, const char *arg, struct cli_dataset *out,
			struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	if (ws && sg_dataset_get(ws->store, arg, &out->info, NULL) == 0) {
		out->registered = 1;
		out->path = out->info.path[0] == '/' ? sg_xstrdup(out->info.path)
						    : sg_path_join(ws->root, out->info.path);
		return 0;
	}
	if (!sg_is_file(arg))
		return sg_error_set(err, SG_E_NOTFOUND, "no dataset or file '%s'%s", arg,
				    ws ? " (see `sagetty data ls`)" : "");
	out->path = sg_xstrdup(arg);
	return 0;
}

void cli_dataset_done(struct cli_dataset *d)
{
	free(d->path);
	d->path = NULL;
}

/* Opens DATASET as a CSV. */
static struct sg_csv *open_dataset(struct sg_workspace *ws, const char *arg,
				   const struct sg_csv_options *opt, struct sg_error *err)
{
	struct cli_dataset d;
	if (cli_dataset_resolve(ws, arg, &d, err) != 0)
		return NULL;
	struct sg_csv *c = sg_csv_open(d.path, opt, err);
	cli_dataset_done(&d);
	return c;
}

/* A JSON string for bytes that may not be UTF-8 (escaped then). */
static json_t *json_text(const char *p, size_t len)
{
	json_t *s = memchr(p, '\0', len) ? NULL : json_stringn(p, len);
	if (!s) {
		size_t cap = 4 * len + 16;
		char *buf = sg_xmalloc(cap);
		cli_safe_text(buf, cap, p, len, 0);
		s = json_string(buf);
		free(buf);
	}
	return s;
}

/* Writes one field as CSV: quoted when it holds the delimiter, a quote or a
 * line break. */
static void put_csv_field(const char *p, size_t len, char delim)
{
	int quote = 0;
	for (size_t i = 0; i < len && !quote; i++)
		quote = p[i] == delim || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (!quote) {
		fwrite(p, 1, len, stdout);
		return;
	}
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"')
			putchar('"');
		putchar(p[i]);
	}
	putchar('"');
}

#define HEAD_WIDTH 24

static void head_text_row(const struct sg_csv_cursor *cur, int ncols, const char *flag)
{
	char cell[HEAD_WIDTH * 4 + 16];
	for (int i = 0; i < ncols; i++) {
		cli_safe_text(cell, sizeof cell, cur->field[i].p, cur->field[i].len, HEAD_WIDTH);
		printf("%s%s", i ? "  " : "", cell);
	}
	printf("%s\n", flag);
}

static int data_head(struct sg_workspace *ws, int argc, char **argv)
{
	struct read_opts o = { .limit = 10 };
	int first = parse_read_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage("data", "data head takes one dataset");
	struct sg_error err = { 0 };
	struct sg_csv *c = open_dataset(ws, argv[first], &o.csv_opt, &err);
	if (!c)
		return cli_fail(&err);
	int ncols = sg_csv_ncols(c);
	uint64_t n = sg_csv_wait_rows(c, (uint64_t)o.limit);
	if (n > (uint64_t)o.limit)
		n = (uint64_t)o.limit;
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	json_t *rows = o.json ? json_array() : NULL;
	char delim = sg_csv_dialect(c)->delimiter;
	for (int i = 0; i < ncols && !o.json; i++) {
		const char *name = sg_csv_colname(c, i);
		if (o.csv) {
			printf("%s", i ? (char[]){ delim, 0 } : "");
			put_csv_field(name, strlen(name), delim);
		} else {
			char cell[HEAD_WIDTH * 4 + 16];
			cli_safe_text(cell, sizeof cell, name, strlen(name), HEAD_WIDTH);
			printf("%s%s", i ? "  " : "", cell);
		}
	}
	if (!o.json)
		putchar('\n');
	int rc = EXIT_OK;
	for (uint64_t r = 0; r < n; r++) {
		if (sg_csv_read_row(c, r, &cur, &err) != 0) {
			rc = cli_fail(&err);
			break;
		}
		if (o.json) {
			json_t *obj = json_object();
			for (int i = 0; i < ncols; i++)
				json_object_set_new(obj, sg_csv_colname(c, i),
						    json_text(cur.field[i].p, cur.field[i].len));
			json_array_append_new(rows, obj);
		} else if (o.csv) {
			for (int i = 0; i < ncols; i++) {
				if (i)
					putchar(delim);
				put_csv_field(cur.field[i].p, cur.field[i].len, delim);
			}
			putchar('\n');
		} else {
			head_text_row(&cur, ncols, cur.ragged ? "  [ragged]" : "");
		}
	}
	if (rows)
		cli_print_json(rows);
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
	return rc;
}

/* After a pass: the indexer's own error (an unterminated quote stops the
 * index; the rows before it were still used), as the verb's status. */
static int index_status(struct sg_csv *c, int rc, struct sg_error *err)
{
	if (rc != 0)
		return cli_fail(err);
	if (sg_csv_wait(c, err) != 0) {
		sg_error_prefix(err, "only the rows before this error were read");
		return cli_fail(err);
	}
	return EXIT_OK;
}

/* Progress on stderr while a pass runs, when stderr is a terminal. */
struct progress_line {
	struct sg_stats_progress p;
	const char *what;
};

static void show_progress(void *ud)
{
	struct progress_line *pl = ud;
	uint64_t done = atomic_load(&pl->p.rows_done), total = atomic_load(&pl->p.rows_total);
	fprintf(stderr, "\r%s: %llu of %llu rows (%.0f%%)  ", pl->what, (unsigned long long)done,
		(unsigned long long)total, total ? 100.0 * (double)done / (double)total : 0.0);
}

static void progress_options(struct sg_colstats_options *so, struct progress_line *pl,
			     const char *what)
{
	memset(so, 0, sizeof *so);
	pl->what = what;
	so->progress = &pl->p;
	if (isatty(STDERR_FILENO)) {
		so->on_progress = show_progress;
		so->ud = pl;
	}
}

static void end_progress(const struct sg_colstats_options *so)
{
	if (so->on_progress)
		fputs("\r\033[K", stderr);
}

static json_t *colvalue_json(const struct sg_colvalue *v)
{
	json_t *o = json_object();
	json_object_set_new(o, "value", json_text(v->value, v->len));
	json_object_set_new(o, "count", json_integer((json_int_t)v->count));
	return o;
}

static const char *const quantile_names[SG_STATS_NQ] = {
	"p1", "p5", "p25", "p50", "p75", "p95", "p99"
};

static json_t *colstat_json(const struct sg_colstat *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "type", json_string(sg_coltype_name(s->type)));
	json_object_set_new(o, "count", json_integer((json_int_t)s->count));
	json_object_set_new(o, "missing", json_integer((json_int_t)s->missing));
	json_object_set_new(o, "distinct", json_integer((json_int_t)s->distinct));
	json_object_set_new(o, "distinct_estimated", json_boolean(s->distinct_estimated));
	if (s->numeric) {
		json_object_set_new(o, "min", cli_json_real(s->min));
		json_object_set_new(o, "max", cli_json_real(s->max));
		json_object_set_new(o, "mean", cli_json_real(s->mean));
		json_object_set_new(o, "stddev", cli_json_real(s->stddev));
		json_t *q = json_object();
		for (int i = 0; i < SG_STATS_NQ; i++)
			json_object_set_new(q, quantile_names[i], cli_json_real(s->q[i]));
		json_object_set_new(o, "quantiles", q);
		json_object_set_new(o, "sampled", json_boolean(s->sampled));
		json_t *h = json_array();
		for (int i = 0; i < s->nbins; i++)
			json_array_append_new(h, json_integer((json_int_t)s->hist[i]));
		json_object_set_new(o, "histogram", h);
	} else if (s->min_text.value) {
		json_object_set_new(o, "min", json_text(s->min_text.value, s->min_text.len));
		json_object_set_new(o, "max", json_text(s->max_text.value, s->max_text.len));
	}
	json_t *top = json_array();
	for (int i = 0; i < s->ntop; i++)
		json_array_append_new(top, colvalue_json(&s->top[i]));
	json_object_set_new(o, "top", top);
	json_object_set_new(o, "top_approximate", json_boolean(s->top_approx));
	return o;
}

/* min/max as text: numbers for numeric columns, else the bytewise extremes. */
static void stat_extreme(const struct sg_colstat *s, int max, char *buf, size_t n)
{
	if (s->numeric)
		cli_format_real(max ? s->max : s->min, buf, n);
	else if (s->min_text.value) {
		const struct sg_colvalue *v = max ? &s->max_text : &s->min_text;
		cli_safe_text(buf, n, v->value, v->len, 12);
	} else
		snprintf(buf, n, "-");
}

#define RAGGED_SHOWN 20

/* Ragged rows (1-based data row numbers) for the report: JSON, or a line on
 * stdout saying how many and which. */
static json_t *ragged_report(struct sg_csv *c, int json)
{
	uint64_t total = sg_csv_ragged_total(c);
	size_t listed = sg_csv_ragged_listed(c), shown = listed < RAGGED_SHOWN ? listed : RAGGED_SHOWN;
	json_t *rows = json ? json_array() : NULL;
	if (!json && total)
		printf("%llu ragged row%s (a field count other than %d):", (unsigned long long)total,
		       total == 1 ? "" : "s", sg_csv_ncols(c));
	for (size_t i = 0; i < shown; i++) {
		uint64_t row;
		int nfields;
		if (sg_csv_ragged_get(c, i, &row, &nfields) != 0)
			break;
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "row", json_integer((json_int_t)row + 1));
			json_object_set_new(o, "fields", json_integer(nfields));
			json_array_append_new(rows, o);
		} else {
			printf(" %llu (%d)", (unsigned long long)row + 1, nfields);
		}
	}
	if (!json && total)
		printf("%s\n", total > shown ? " …" : "");
	if (!json)
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "rows", rows);
	return o;
}

static void stats_text(const struct sg_colstats *st)
{
	printf("%-20s %-8s %10s %9s %10s  %-12s %-12s %12s %12s %12s\n", "COLUMN", "TYPE", "COUNT",
	       "MISSING", "DISTINCT", "MIN", "MAX", "MEAN", "STDDEV", "MEDIAN");
	for (int i = 0; i < st->ncols; i++) {
		const struct sg_colstat *s = &st->col[i];
		char name[128], mn[64], mx[64], mean[32] = "-", sd[32] = "-", med[32] = "-";
		char distinct[32];
		cli_safe_text(name, sizeof name, s->name, strlen(s->name), 20);
		stat_extreme(s, 0, mn, sizeof mn);
		stat_extreme(s, 1, mx, sizeof mx);
		if (s->numeric) {
			cli_format_real(s->mean, mean, sizeof mean);
			cli_format_real(s->stddev, sd, sizeof sd);
			cli_format_real(s->q[3], med, sizeof med);
		}
		snprintf(distinct, sizeof distinct, "%s%llu", s->distinct_estimated ? "~" : "",
			 (unsigned long long)s->distinct);
		printf("%s %-8s %10llu %9llu %10s  %-12s %-12s %12s %12s %12s\n", name,
		       sg_coltype_name(s->type), (unsigned long long)s->count,
		       (unsigned long long)s->missing, distinct, mn, mx, mean, sd, med);
	}
	int estimated = 0;
	for (int i = 0; i < st->ncols; i++)
		estimated |= st->col[i].distinct_estimated;
	printf("%llu rows, %d columns, %.2f s%s\n", (unsigned long long)st->rows, st->ncols,
	       st->seconds, estimated ? "; ~ marks an estimated distinct count" : "");
}

static int data_stats(struct sg_workspace *ws, int argc, char **argv)
{
	struct read_opts o = { 0 };
	int first = parse_read_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage("data", "data stats takes one dataset");
	struct sg_error err = { 0 };
	struct sg_csv *c = open_dataset(ws, argv[first], &o.csv_opt, &err);
	if (!c)
		return cli_fail(&err);
	struct sg_colstats_options so;
	struct progress_line pl = { 0 };
	progress_options(&so, &pl, "stats");
	struct sg_colstats *st = NULL;
	int rc = sg_colstats_compute(c, &so, &st, &err);
	end_progress(&so);
	if (rc == 0 && st && o.json) {
		json_t *cols = json_array();
		for (int i = 0; i < st->ncols; i++)
			json_array_append_new(cols, colstat_json(&st->col[i]));
		json_t *root = json_object();
		json_object_set_new(root, "rows", json_integer((json_int_t)st->rows));
		json_object_set_new(root, "columns", cols);
		json_object_set_new(root, "ragged", ragged_report(c, 1));
		cli_print_json(root);
	} else if (rc == 0 && st) {
		stats_text(st);
		ragged_report(c, 0);
	}
	sg_colstats_free(st);
	rc = index_status(c, rc, &err);
	sg_csv_free(c);
	return rc;
}

#define FREQ_BAR 30

static void freq_text(const struct sg_colfreq *f, const char *colname, long limit)
{
	uint64_t maxc = f->n ? f->values[0].count : 0;
	printf("%-24s %10s %7s\n", colname, "COUNT", "PERCENT");
	size_t shown = limit > 0 && (size_t)limit < f->n ? (size_t)limit : f->n;
	for (size_t i = 0; i < shown; i++) {
		const struct sg_colvalue *v = &f->values[i];
		char cell[128], bar[FREQ_BAR * 3 + 1] = "";
		cli_safe_text(cell, sizeof cell, v->value, v->len, 24);
		int len = maxc ? (int)((v->count * FREQ_BAR + maxc - 1) / maxc) : 0;
		for (int k = 0; k < len; k++)
			strcat(bar, "#");
		printf("%s %10llu %6.2f%%  %s\n", cell, (unsigned long long)v->count,
		       f->rows ? 100.0 * (double)v->count / (double)f->rows : 0.0, bar);
	}
	if (shown < f->n)
		printf("… %zu more values (use -n 0 for all)\n", f->n - shown);
	printf("%zu distinct values in %llu rows\n", f->n, (unsigned long long)f->rows);
}

static int data_freq(struct sg_workspace *ws, int argc, char **argv)
{
	struct read_opts o = { .limit = 50 };
	int first = parse_read_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 2)
		return cli_usage("data", "data freq takes a dataset and a column");
	struct sg_error err = { 0 };
	struct sg_csv *c = open_dataset(ws, argv[first], &o.csv_opt, &err);
	if (!c)
		return cli_fail(&err);
	int col = sg_csv_colindex(c, argv[first + 1]);
	if (col < 0) {
		char *end;
		long k = strtol(argv[first + 1], &end, 10);
		col = *end == '\0' && k >= 1 && k <= sg_csv_ncols(c) ? (int)k - 1 : -1;
	}
	if (col < 0) {
		sg_error_set(&err, SG_E_USAGE, "%s has no column '%s' (columns: %s%s)",
			     sg_csv_path(c), argv[first + 1], sg_csv_colname(c, 0),
			     sg_csv_ncols(c) > 1 ? ", …" : "");
		sg_csv_free(c);
		return cli_fail(&err);
	}
	struct sg_colstats_options so;
	struct progress_line pl = { 0 };
	progress_options(&so, &pl, "freq");
	struct sg_colfreq *f = NULL;
	int rc = sg_colfreq_compute(c, col, &so, &f, &err);
	end_progress(&so);
	if (rc == 0 && f && o.json) {
		json_t *vals = json_array();
		size_t shown = o.limit > 0 && (size_t)o.limit < f->n ? (size_t)o.limit : f->n;
		for (size_t i = 0; i < shown; i++)
			json_array_append_new(vals, colvalue_json(&f->values[i]));
		json_t *root = json_object();
		json_object_set_new(root, "column", json_string(sg_csv_colname(c, col)));
		json_object_set_new(root, "rows", json_integer((json_int_t)f->rows));
		json_object_set_new(root, "distinct", json_integer((json_int_t)f->n));
		json_object_set_new(root, "values", vals);
		cli_print_json(root);
	} else if (rc == 0 && f) {
		freq_text(f, sg_csv_colname(c, col), o.limit);
	}
	sg_colfreq_free(f);
	rc = index_status(c, rc, &err);
	sg_csv_free(c);
	return rc;
}

int cmd_data(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		{ "add", data_add, CLI_WS_WRITE }, { "ls", data_ls, CLI_WS_READ },
		{ "head", data_head, CLI_WS_OPTIONAL }, { "stats", data_stats, CLI_WS_OPTIONAL },
		{ "freq", data_freq, CLI_WS_OPTIONAL }, { "sort", data_sort, CLI_WS_OPTIONAL },
		{ "filter", data_filter, CLI_WS_OPTIONAL }, { "prep", data_prep, CLI_WS_OPTIONAL },
		{ "split", data_split, CLI_WS_OPTIONAL },
	};
	return cli_dispatch(cli, "data", verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
