/* cmd_data_derive.c — the verbs that derive a dataset from another: `data
 * prep` (recipes), `split`, `sort` and `filter`, registered with lineage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/csvfile.h"
#include "core/dataset.h"
#include "core/expr.h"
#include "core/recipe.h"
#include "core/view.h"
#include "core/util.h"

/* Options both verbs share besides their own. */
struct prep_common {
	int json, no_register;
	const char *name;
	struct sg_csv_options csv_opt;
};

/* Checks up front that the outputs can be registered: a read-only
 * workspace fails before any work unless --no-register. */
static int check_registrable(struct sg_workspace *ws, const struct prep_common *pc)
{
	if (!ws || pc->no_register || !ws->readonly)
		return 0;
	struct sg_error err;
	sg_error_set(&err, SG_E_READONLY, "the workspace %s is read-only for %s, so outputs "
		     "cannot be registered (use --no-register)", ws->root, sg_username());
	return cli_fail(&err);
}

/* The registry id of the input, registering it first when it is not. */
static long long parent_id(struct sg_workspace *ws, struct cli_dataset *in, struct sg_error *err)
{
	if (in->registered)
		return in->info.id;
	char *abs = sg_realpath(in->path);
	if (!abs)
		return sg_error_errno(err, "cannot open %s", in->path);
	int rc = sg_dataset_register(ws->store, ws->root, abs, NULL, 1, 0, NULL, &in->info, err);
	free(abs);
	return rc == 0 ? in->info.id : -1;
}

/* Registers an output file; *out gets its record. */
static int register_output(struct sg_workspace *ws, const char *file, const char *name,
			   long long parent, const char *recipe, struct sg_dataset_info *out,
			   struct sg_error *err)
{
	char *abs = sg_realpath(file);
	if (!abs)
		return sg_error_errno(err, "cannot open %s", file);
	int rc = sg_dataset_register(ws->store, ws->root, abs, name, 1, parent, recipe, out, err);
	free(abs);
	return rc;
}

/* A path as the registry records it: relative to the workspace root when
 * inside it.  Malloc'd. */
static char *workspace_relative(struct sg_workspace *ws, const char *path)
{
	char *abs = sg_realpath(path);
	if (!abs)
		return sg_xstrdup(path);
	size_t n = strlen(ws->root);
	if (strncmp(abs, ws->root, n) == 0 && abs[n] == '/') {
		char *rel = sg_xstrdup(abs + n + 1);
		free(abs);
		return rel;
	}
	return abs;
}

/* OUT.csv → OUT.recipe.json; any other OUT → OUT.recipe.json appended. */
static char *default_fitted_path(const char *out)
{
	size_t n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".csv") == 0)
		return sg_xasprintf("%.*s.recipe.json", (int)(n - 4), out);
	return sg_xasprintf("%s.recipe.json", out);
}

/* Parses the options shared by prep and split (c is getopt's result);
 * returns 1 when handled, 0 when not one of them, -1 on a bad value. */
static int common_opt(int c, struct prep_common *pc)
{
	switch (c) {
	case 'j': pc->json = 1; return 1;
	case 'R': pc->no_register = 1; return 1;
	case 'N': pc->name = optarg; return 1;
	default:
		return cli_dialect_opt(c, optarg, &pc->csv_opt);
	}
}

#define COMMON_OPTIONS \
	{ "json", no_argument, NULL, 'j' }, { "no-register", no_argument, NULL, 'R' }, \
	{ "name", required_argument, NULL, 'N' }, CLI_DIALECT_OPTIONS

struct prep_args {
	struct prep_common pc;
	const char *recipe, *out, *fitted, *dataset;
};

static int parse_prep_args(int argc, char **argv, struct prep_args *a)
{
	static const struct option opts[] = {
		COMMON_OPTIONS,
		{ "recipe", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "fitted", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "r:o:", opts, NULL)) != -1) {
		int k = common_opt(c, &a->pc);
		if (k < 0)
			return EXIT_USAGE;
		if (k > 0)
			continue;
		switch (c) {
		case 'r': a->recipe = optarg; break;
		case 'o': a->out = optarg; break;
		case 'f': a->fitted = optarg; break;
		default:
			return cli_usage("data", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("data", "data prep takes one dataset");
	if (!a->recipe || !a->out)
		return cli_usage("data", "data prep needs --recipe RECIPE.json and -o OUT");
	a->dataset = argv[optind];
	return EXIT_OK;
}

static void prep_report(const struct prep_args *a, const struct sg_recipe_result *res,
			const char *fitted, int did_fit, const struct sg_dataset_info *reg,
			long long parent)
{
	if (!a->pc.json) {
		printf("Wrote %s: %llu of %llu rows, %d columns (recipe %s %s)\n", a->out,
		       (unsigned long long)res->rows_out, (unsigned long long)res->rows_in,
		       res->ncols_out, did_fit ? "fitted and saved to" : "applied as fitted; copy in",
		       fitted);
		if (reg)
			printf("Registered %s (id %lld, parent %lld)\n", reg->name, reg->id, parent);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "output", json_string(a->out));
	json_object_set_new(o, "fitted_recipe", json_string(fitted));
	json_object_set_new(o, "fitted_now", json_boolean(did_fit));
	json_object_set_new(o, "rows_in", json_integer((json_int_t)res->rows_in));
	json_object_set_new(o, "rows_out", json_integer((json_int_t)res->rows_out));
	json_object_set_new(o, "columns", json_integer(res->ncols_out));
	json_object_set_new(o, "dataset_id", reg ? json_integer(reg->id) : json_null());
	json_object_set_new(o, "parent_id", reg ? json_integer(parent) : json_null());
	cli_print_json(o);
}

/* Fits (unless fitted) and applies r to in, writing OUT and the fitted
 * recipe; nothing is written when fitting fails. */
static int run_prep(struct sg_recipe *r, struct sg_csv *c, const char *out,
		    const char *fitted, int *did_fit, struct sg_recipe_result *res,
		    struct sg_error *err)
{
	*did_fit = !sg_recipe_is_fitted(r);
	if (*did_fit && sg_recipe_fit(r, c, NULL, err) != 0)
		return -1;
	if (sg_recipe_apply(r, c, out, NULL, res, err) != 0)
		return -1;
	return sg_recipe_save(r, fitted, err);
}

int data_prep(struct sg_workspace *ws, int argc, char **argv)
{
	struct prep_args a = { 0 };
	int status = parse_prep_args(argc, argv, &a);
	if (status != EXIT_OK || (status = check_registrable(ws, &a.pc)) != EXIT_OK)
		return status;
	struct sg_error err = { 0 };
	struct cli_dataset in;
	struct sg_recipe *r = sg_recipe_load(a.recipe, &err);
	if (!r || cli_dataset_resolve(ws, a.dataset, &in, &err) != 0) {
		sg_recipe_free(r);
		return cli_fail(&err);
	}
	struct sg_csv *c = sg_csv_open(in.path, &a.pc.csv_opt, &err);
	char *fitted = a.fitted ? sg_xstrdup(a.fitted) : default_fitted_path(a.out);
	struct sg_recipe_result res = { 0 };
	struct sg_dataset_info reg;
	long long parent = 0;
	int did_fit = 0, rc = c ? run_prep(r, c, a.out, fitted, &did_fit, &res, &err) : -1;
	int do_register = rc == 0 && ws && !a.pc.no_register;
	if (do_register) {
		char *rel = workspace_relative(ws, fitted);
		parent = parent_id(ws, &in, &err);
		rc = parent < 0 ? -1 : register_output(ws, a.out, a.pc.name, parent, rel, &reg, &err);
		free(rel);
	}
	if (rc == 0)
		prep_report(&a, &res, fitted, did_fit, do_register ? &reg : NULL, parent);
	free(fitted);
	sg_csv_free(c);
	sg_recipe_free(r);
	cli_dataset_done(&in);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}

/* ---- split ------------------------------------------------------------------- */

struct split_args {
	struct prep_common pc;
	struct sg_split_options so;
	const char *prefix, *dataset;
	int have_test, have_validation;
};

static int parse_fraction(const char *opt, const char *s, double *out)
{
	char *end;
	*out = strtod(s, &end);
	if (end == s || *end || !(*out >= 0 && *out <= 1))
		return cli_usage("data", "--%s needs a fraction between 0 and 1, not '%s'", opt, s);
	return EXIT_OK;
}

static int split_opt(int c, struct split_args *a)
{
	char *end;
	switch (c) {
	case 't': return parse_fraction("train", optarg, &a->so.fraction[SG_SPLIT_TRAIN]);
	case 'v':
		a->have_validation = 1;
		return parse_fraction("validation", optarg, &a->so.fraction[SG_SPLIT_VALIDATION]);
	case 'T':
		a->have_test = 1;
		return parse_fraction("test", optarg, &a->so.fraction[SG_SPLIT_TEST]);
	case 's': a->so.stratify = optarg; return EXIT_OK;
	case 'S':
		a->so.seed = strtoull(optarg, &end, 10);
		if (end == optarg || *end || optarg[0] == '-')
			return cli_usage("data", "--seed needs a non-negative integer, not '%s'", optarg);
		return EXIT_OK;
	case 'o': a->prefix = optarg; return EXIT_OK;
	default: return -1;
	}
}

static int parse_split_args(int argc, char **argv, struct split_args *a)
{
	static const struct option opts[] = {
		COMMON_OPTIONS,
		{ "train", required_argument, NULL, 't' },
		{ "validation", required_argument, NULL, 'v' },
		{ "test", required_argument, NULL, 'T' },
		{ "stratify", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	a->so.seed = 42;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		int k = common_opt(c, &a->pc);
		if (k < 0)
			return EXIT_USAGE;
		if (k > 0)
			continue;
		int rc = split_opt(c, a);
		if (rc < 0)
			return cli_usage("data", "unknown or incomplete option '%s'", argv[optind - 1]);
		if (rc != EXIT_OK)
			return rc;
	}
	if (argc - optind != 1)
		return cli_usage("data", "data split takes one dataset");
	if (!a->prefix || !a->have_validation || !(a->so.fraction[SG_SPLIT_TRAIN] > 0))
		return cli_usage("data", "data split needs --train F (> 0), --validation F and -o PREFIX");
	/* Without --test, the test part is the rest. */
	if (!a->have_test) {
		double rest = 1 - a->so.fraction[SG_SPLIT_TRAIN] - a->so.fraction[SG_SPLIT_VALIDATION];
		a->so.fraction[SG_SPLIT_TEST] = rest > 1e-9 ? rest : 0;
	}
	a->dataset = argv[optind];
	return EXIT_OK;
}

static void split_report(const struct split_args *a, const struct sg_split_result *res,
			 const struct sg_dataset_info *reg, const int *registered, long long parent)
{
	json_t *parts = a->pc.json ? json_array() : NULL;
	for (int p = 0; p < SG_SPLIT_NPARTS; p++) {
		if (!res->path[p])
			continue;
		const char *name = sg_split_part_name((enum sg_split_part)p);
		if (!parts) {
			printf("%-10s %10llu rows  %s%s\n", name, (unsigned long long)res->rows[p],
			       res->path[p], registered[p] ? " (registered)" : "");
			continue;
		}
		json_t *o = json_object();
		json_object_set_new(o, "part", json_string(name));
		json_object_set_new(o, "path", json_string(res->path[p]));
		json_object_set_new(o, "rows", json_integer((json_int_t)res->rows[p]));
		json_object_set_new(o, "fraction", json_real(a->so.fraction[p]));
		json_object_set_new(o, "dataset_id", registered[p] ? json_integer(reg[p].id) : json_null());
		json_array_append_new(parts, o);
	}
	if (!parts) {
		printf("%llu rows split with seed %llu%s%s\n", (unsigned long long)res->rows_in,
		       (unsigned long long)a->so.seed, a->so.stratify ? ", stratified by " : "",
		       a->so.stratify ? a->so.stratify : "");
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "rows", json_integer((json_int_t)res->rows_in));
	json_object_set_new(o, "seed", json_integer((json_int_t)a->so.seed));
	json_object_set_new(o, "stratify", a->so.stratify ? json_string(a->so.stratify) : json_null());
	json_object_set_new(o, "classes", json_integer((json_int_t)res->classes));
	json_object_set_new(o, "parent_id", parent > 0 ? json_integer(parent) : json_null());
	json_object_set_new(o, "parts", parts);
	cli_print_json(o);
}

/* Registers every written part with lineage to the input. */
static int register_parts(struct sg_workspace *ws, struct split_args *a, struct cli_dataset *in,
			  const struct sg_split_result *res, struct sg_dataset_info *reg,
			  int *registered, long long *parent, struct sg_error *err)
{
	if ((*parent = parent_id(ws, in, err)) < 0)
		return -1;
	for (int p = 0; p < SG_SPLIT_NPARTS; p++) {
		if (!res->path[p])
			continue;
		char recipe[256], name[160];
		int n = snprintf(recipe, sizeof recipe, "split %s %g seed %llu",
				 sg_split_part_name((enum sg_split_part)p), a->so.fraction[p],
				 (unsigned long long)a->so.seed);
		if (a->so.stratify)
			snprintf(recipe + n, sizeof recipe - (size_t)n, " stratify %s", a->so.stratify);
		if (a->pc.name)
			snprintf(name, sizeof name, "%s-%s", a->pc.name,
				 sg_split_part_name((enum sg_split_part)p));
		if (register_output(ws, res->path[p], a->pc.name ? name : NULL, *parent, recipe,
				    &reg[p], err) != 0)
			return -1;
		registered[p] = 1;
	}
	return 0;
}

int data_split(struct sg_workspace *ws, int argc, char **argv)
{
	struct split_args a = { 0 };
	int status = parse_split_args(argc, argv, &a);
	if (status != EXIT_OK || (status = check_registrable(ws, &a.pc)) != EXIT_OK)
		return status;
	struct sg_error err = { 0 };
	struct cli_dataset in;
	if (cli_dataset_resolve(ws, a.dataset, &in, &err) != 0)
		return cli_fail(&err);
	struct sg_csv *c = sg_csv_open(in.path, &a.pc.csv_opt, &err);
	struct sg_split_result res = { 0 };
	struct sg_dataset_info reg[SG_SPLIT_NPARTS];
	int registered[SG_SPLIT_NPARTS] = { 0 };
	long long parent = 0;
	int rc = c ? sg_split(c, a.prefix, &a.so, NULL, &res, &err) : -1;
	if (rc == 0 && ws && !a.pc.no_register)
		rc = register_parts(ws, &a, &in, &res, reg, registered, &parent, &err);
	if (rc == 0)
		split_report(&a, &res, reg, registered, parent);
	sg_split_result_done(&res);
	sg_csv_free(c);
	cli_dataset_done(&in);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}

/* ---- sort and filter ----------------------------------------------------------- */

struct view_args {
	struct prep_common pc;
	const char *dataset, *out, *by, *where;
	int desc;
};

static int parse_view_args(int argc, char **argv, int sort, struct view_args *a)
{
	static const struct option opts[] = {
		COMMON_OPTIONS,
		{ "by", required_argument, NULL, 'b' },
		{ "desc", no_argument, NULL, 'D' },
		{ "where", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb = sort ? "sort" : "filter";
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		int k = common_opt(c, &a->pc);
		if (k < 0)
			return EXIT_USAGE;
		if (k > 0)
			continue;
		if (c == 'o')
			a->out = optarg;
		else if (sort && c == 'b')
			a->by = optarg;
		else if (sort && c == 'D')
			a->desc = 1;
		else if (!sort && c == 'w')
			a->where = optarg;
		else
			return cli_usage("data", "unknown or incomplete option '%s' for data %s",
					 argv[optind - 1], verb);
	}
	if (argc - optind != 1)
		return cli_usage("data", "data %s takes one dataset", verb);
	if (!a->out || (sort ? !a->by : !a->where))
		return cli_usage("data", sort ? "data sort needs --by COL[,COL...] and -o OUT"
					      : "data filter needs --where EXPR and -o OUT");
	a->dataset = argv[optind];
	return EXIT_OK;
}

#define MAX_SORT_KEYS 16

/* Parses "a,b:desc,c:asc" into keys; every key defaults to desc. */
static int parse_sort_keys(struct sg_csv *c, const char *by, int desc, struct sg_sort_key *keys,
			   int *nkeys, struct sg_error *err)
{
	char *copy = sg_xstrdup(by), *save = NULL;
	*nkeys = 0;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		int d = desc;
		char *colon = strrchr(tok, ':');
		if (colon && (strcmp(colon, ":desc") == 0 || strcmp(colon, ":asc") == 0)) {
			d = colon[1] == 'd';
			*colon = '\0';
		}
		int col = sg_csv_colindex(c, tok);
		if (col < 0)
			rc = sg_error_set(err, SG_E_USAGE, "--by: %s has no column '%s'",
					  sg_csv_path(c), tok);
		else if (*nkeys == MAX_SORT_KEYS)
			rc = sg_error_set(err, SG_E_USAGE, "--by: at most %d columns", MAX_SORT_KEYS);
		else
			keys[(*nkeys)++] = (struct sg_sort_key){ col, d };
	}
	free(copy);
	if (rc == 0 && *nkeys == 0)
		rc = sg_error_set(err, SG_E_USAGE, "--by needs at least one column");
	return rc;
}

/* Makes the view the verb asks for; *what describes it for the registry. */
static int build_view(struct sg_csv *c, const struct view_args *a, int sort, struct sg_view **v,
		      char **what, struct sg_error *err)
{
	if (sort) {
		struct sg_sort_key keys[MAX_SORT_KEYS];
		int n;
		if (parse_sort_keys(c, a->by, a->desc, keys, &n, err) != 0)
			return -1;
		*what = sg_xasprintf("sort by %s%s", a->by, a->desc ? " desc" : "");
		return sg_view_sort(c, NULL, keys, n, NULL, v, err);
	}
	struct sg_expr *e;
	if (sg_expr_compile(a->where, c, &e, err) != 0)
		return -1;
	*what = sg_xasprintf("filter %s", a->where);
	int rc = sg_view_filter(c, NULL, e, NULL, v, err);
	sg_expr_free(e);
	return rc;
}

static void view_report(const struct view_args *a, uint64_t rows_in, uint64_t rows_out,
			const struct sg_dataset_info *reg, long long parent)
{
	if (!a->pc.json) {
		printf("Wrote %s: %llu of %llu rows\n", a->out, (unsigned long long)rows_out,
		       (unsigned long long)rows_in);
		if (reg)
			printf("Registered %s (id %lld, parent %lld)\n", reg->name, reg->id, parent);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "output", json_string(a->out));
	json_object_set_new(o, "rows_in", json_integer((json_int_t)rows_in));
	json_object_set_new(o, "rows_out", json_integer((json_int_t)rows_out));
	json_object_set_new(o, "dataset_id", reg ? json_integer(reg->id) : json_null());
	json_object_set_new(o, "parent_id", reg ? json_integer(parent) : json_null());
	cli_print_json(o);
}

/* `data sort` and `data filter`: a view of the input written as OUT. */
static int data_view(struct sg_workspace *ws, int argc, char **argv, int sort)
{
	struct view_args a = { 0 };
	int status = parse_view_args(argc, argv, sort, &a);
	if (status != EXIT_OK || (status = check_registrable(ws, &a.pc)) != EXIT_OK)
		return status;
	struct sg_error err = { 0 };
	struct cli_dataset in;
	if (cli_dataset_resolve(ws, a.dataset, &in, &err) != 0)
		return cli_fail(&err);
	struct sg_csv *c = sg_csv_open(in.path, &a.pc.csv_opt, &err);
	struct sg_view *v = NULL;
	char *what = NULL;
	int rc = c ? build_view(c, &a, sort, &v, &what, &err) : -1;
	if (rc == 0 && sg_csv_wait(c, &err) != 0)
		rc = -1;  /* an unterminated quote: never write a silently cut file */
	if (rc == 0)
		rc = sg_view_write_csv(c, v, a.out, &err);
	struct sg_dataset_info reg;
	long long parent = 0;
	int do_register = rc == 0 && ws && !a.pc.no_register;
	if (do_register) {
		parent = parent_id(ws, &in, &err);
		rc = parent < 0 ? -1 : register_output(ws, a.out, a.pc.name, parent, what, &reg, &err);
	}
	if (rc == 0)
		view_report(&a, sg_csv_nrows(c), v->n, do_register ? &reg : NULL, parent);
	free(what);
	sg_view_free(v);
	sg_csv_free(c);
	cli_dataset_done(&in);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}

int data_sort(struct sg_workspace *ws, int argc, char **argv)
{
	return data_view(ws, argc, argv, 1);
}

int data_filter(struct sg_workspace *ws, int argc, char **argv)
{
	return data_view(ws, argc, argv, 0);
}
