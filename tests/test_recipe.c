/* test_recipe.c — preprocessing recipes and splits: every step against values
 * computed here independently, fit-then-apply on new data, error messages,
 * split sizes and determinism, and the fuzz corpus replayed. */
#include "tests/testutil.h"
#include <dirent.h>
#include <math.h>
#include "core/recipe.h"
#include "core/util.h"

int sg_fuzz_recipe(const uint8_t *d, size_t n);

/* A parsed CSV held in memory, read back with the CSV engine. */
struct table {
	int ncols;
	size_t nrows;
	char **names;
	char **cell;                  /* nrows * ncols */
};

static struct sg_csv *open_csv(const char *path)
{
	struct sg_csv_options o = { .header = SG_CSV_HEADER_YES };
	struct sg_error err;
	struct sg_csv *c = sg_csv_open(path, &o, &err);
	if (!c)
		fail_msg("%s", err.msg);
	assert_int_equal(sg_csv_wait(c, &err), 0);
	return c;
}

static struct table *read_table(const char *path)
{
	struct sg_csv *c = open_csv(path);
	struct table *t = calloc(1, sizeof *t);
	t->ncols = sg_csv_ncols(c);
	t->nrows = sg_csv_nrows(c);
	t->names = calloc((size_t)t->ncols + 1, sizeof *t->names);
	for (int i = 0; i < t->ncols; i++)
		t->names[i] = strdup(sg_csv_colname(c, i));
	t->cell = calloc(t->nrows * (size_t)t->ncols + 1, sizeof *t->cell);
	struct sg_csv_cursor cur;
	struct sg_error err;
	sg_csv_cursor_init(&cur);
	for (size_t r = 0; r < t->nrows; r++) {
		assert_int_equal(sg_csv_read_row(c, r, &cur, &err), 0);
		for (int i = 0; i < t->ncols; i++)
			t->cell[r * (size_t)t->ncols + (size_t)i] = strdup(cur.field[i].p);
	}
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
	return t;
}

static void free_table(struct table *t)
{
	for (int i = 0; i < t->ncols; i++)
		free(t->names[i]);
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cell[i]);
	free(t->names);
	free(t->cell);
	free(t);
}

static const char *cell(const struct table *t, size_t r, const char *col)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->names[i], col) == 0) {
			assert_true(r < t->nrows);
			return t->cell[r * (size_t)t->ncols + (size_t)i];
		}
	fail_msg("no column %s", col);
	return NULL;
}

static double num(const struct table *t, size_t r, const char *col)
{
	return strtod(cell(t, r, col), NULL);
}

static struct sg_recipe *parse(const char *text)
{
	struct sg_error err;
	struct sg_recipe *r = sg_recipe_parse(text, strlen(text), "recipe.json", &err);
	if (!r)
		fail_msg("%s", err.msg);
	return r;
}

/* Fits text on dir/name's data and applies it to the same file. */
static struct table *prep(const char *dir, const char *data, const char *text,
			  struct sg_recipe **keep)
{
	char *in = tu_write(dir, "in.csv", data);
	char *out = sg_path_join(dir, "out.csv");
	struct sg_recipe *r = parse(text);
	struct sg_csv *c = open_csv(in);
	struct sg_error err;
	if (sg_recipe_fit(r, c, NULL, &err) != 0 || sg_recipe_apply(r, c, out, NULL, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	sg_csv_free(c);
	struct table *t = read_table(out);
	if (keep)
		*keep = r;
	else
		sg_recipe_free(r);
	free(in);
	free(out);
	return t;
}

static const char people[] =
	"id,age,income,city\n"
	"1,30,100,Seoul\n"
	"2,,200,Busan\n"
	"3,50,NA,Seoul\n"
	"4,40,400,\n"
	"5,20,400,Incheon\n";

static void test_drop_missing(void **state)
{
	struct tu_dir *f = *state;
	struct table *t = prep(f->dir, people, "{\"steps\": [{\"op\": \"drop_missing\"}]}", NULL);
	assert_int_equal(t->nrows, 2);
	assert_string_equal(cell(t, 0, "id"), "1");
	assert_string_equal(cell(t, 1, "id"), "5");
	free_table(t);
	t = prep(f->dir, people, "{\"steps\": [{\"op\": \"drop_missing\", \"columns\": [\"age\"]}]}",
		 NULL);
	assert_int_equal(t->nrows, 4);
	assert_string_equal(cell(t, 1, "id"), "3");
	free_table(t);
}

static void test_impute(void **state)
{
	struct tu_dir *f = *state;
	struct sg_recipe *r;
	struct table *t = prep(f->dir, people,
		"{\"steps\": [{\"op\": \"impute\", \"columns\": [\"age\"], \"strategy\": \"mean\"},"
		"{\"op\": \"impute\", \"columns\": [\"income\"], \"strategy\": \"median\"},"
		"{\"op\": \"impute\", \"columns\": [\"city\"], \"strategy\": \"most_frequent\"}]}", &r);
	double mean_age = (30.0 + 50 + 40 + 20) / 4;       /* 35 */
	assert_true(fabs(num(t, 1, "age") - mean_age) < 1e-12);
	/* median of 100, 200, 400, 400 = (200 + 400) / 2 */
	assert_string_equal(cell(t, 2, "income"), "300");
	assert_string_equal(cell(t, 3, "city"), "Seoul");
	assert_string_equal(cell(t, 0, "age"), "30");        /* present values untouched */
	char *json = sg_recipe_to_json(r);
	assert_non_null(strstr(json, "\"income\": 300"));
	assert_non_null(strstr(json, "\"city\": \"Seoul\""));
	assert_non_null(strstr(json, "\"output_columns\""));
	free(json);
	sg_recipe_free(r);
	free_table(t);
	/* A mean that is not an integer; a constant. */
	t = prep(f->dir, "a,b\n1,x\n2,\n,\n4,y\n",
		 "{\"steps\": [{\"op\": \"impute\", \"columns\": [\"a\"], \"strategy\": \"mean\"},"
		 "{\"op\": \"impute\", \"columns\": [\"b\"], \"strategy\": \"constant\", \"value\": \"?\"}]}",
		 NULL);
	assert_true(fabs(num(t, 2, "a") - 7.0 / 3) < 1e-15);
	assert_string_equal(cell(t, 1, "b"), "?");
	assert_string_equal(cell(t, 2, "b"), "?");
	assert_string_equal(cell(t, 3, "b"), "y");
	free_table(t);
}

static void test_drop_duplicates(void **state)
{
	struct tu_dir *f = *state;
	const char *data = "a,b\n1,x\n2,y\n1,x\n1,\"x\"\n1,y\n2,y\n";
	struct table *t = prep(f->dir, data, "{\"steps\": [{\"op\": \"drop_duplicates\"}]}", NULL);
	assert_int_equal(t->nrows, 3);
	assert_string_equal(cell(t, 2, "b"), "y");
	assert_string_equal(cell(t, 2, "a"), "1");
	free_table(t);
	/* On a subset, after a select: duplicates of the output row at that point. */
	t = prep(f->dir, data, "{\"steps\": [{\"op\": \"select\", \"columns\": [\"b\"]},"
		 "{\"op\": \"drop_duplicates\"}]}", NULL);
	assert_int_equal(t->nrows, 2);
	free_table(t);
	t = prep(f->dir, data, "{\"steps\": [{\"op\": \"drop_duplicates\", \"columns\": [\"a\"]}]}",
		 NULL);
	assert_int_equal(t->nrows, 2);
	free_table(t);
}

static void test_one_hot(void **state)
{
	struct tu_dir *f = *state;
	const char *train = "x,city\n1,Seoul\n2,Busan\n3,Seoul\n4,Incheon\n5,Busan\n6,Seoul\n7,\n";
	struct sg_recipe *r;
	struct table *t = prep(f->dir, train, "{\"steps\": [{\"op\": \"one_hot\", \"columns\": "
			       "[\"city\"], \"max_categories\": 2}]}", &r);
	assert_int_equal(t->ncols, 4);
	assert_string_equal(t->names[0], "x");
	assert_string_equal(t->names[1], "city=Seoul");
	assert_string_equal(t->names[2], "city=Busan");
	assert_string_equal(t->names[3], "city=other");
	const char *want[7][3] = { { "1", "0", "0" }, { "0", "1", "0" }, { "1", "0", "0" },
				   { "0", "0", "1" }, { "0", "1", "0" }, { "1", "0", "0" },
				   { "0", "0", "0" } };
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(cell(t, i, "city=Seoul"), want[i][0]);
		assert_string_equal(cell(t, i, "city=Busan"), want[i][1]);
		assert_string_equal(cell(t, i, "city=other"), want[i][2]);
	}
	free_table(t);
	/* Applied to new data: an unseen city goes to other. */
	char *in = tu_write(f->dir, "new.csv", "x,city\n8,Daegu\n9,Busan\n");
	char *out = sg_path_join(f->dir, "new-out.csv");
	struct sg_csv *c = open_csv(in);
	struct sg_error err;
	assert_int_equal(sg_recipe_apply(r, c, out, NULL, NULL, &err), 0);
	sg_csv_free(c);
	t = read_table(out);
	assert_string_equal(cell(t, 0, "city=other"), "1");
	assert_string_equal(cell(t, 0, "city=Busan"), "0");
	assert_string_equal(cell(t, 1, "city=Busan"), "1");
	free_table(t);
	sg_recipe_free(r);
	free(in);
	free(out);
}

static void test_scale(void **state)
{
	struct tu_dir *f = *state;
	const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	char data[512] = "v,w\n";
	for (int i = 0; i < 8; i++)
		snprintf(data + strlen(data), sizeof data - strlen(data), "%g,%g\n", v[i], v[i] * 10);
	strcat(data, "NA,\n");
	struct table *t = prep(f->dir, data, "{\"steps\": [{\"op\": \"scale\", \"columns\": [\"v\"]},"
			       "{\"op\": \"scale\", \"columns\": [\"w\"], \"method\": \"minmax\"}]}", NULL);
	double mean = 0, var = 0;
	for (int i = 0; i < 8; i++)
		mean += v[i] / 8;
	for (int i = 0; i < 8; i++)
		var += (v[i] - mean) * (v[i] - mean) / 8;
	double sd = sqrt(var);                               /* 2: population */
	for (size_t i = 0; i < 8; i++) {
		assert_true(fabs(num(t, i, "v") - (v[i] - mean) / sd) < 1e-12);
		assert_true(fabs(num(t, i, "w") - (v[i] * 10 - 20) / 70) < 1e-12);
	}
	assert_string_equal(cell(t, 8, "v"), "NA");          /* missing stays */
	assert_string_equal(cell(t, 8, "w"), "");
	free_table(t);
}

static void test_select_drop_rename(void **state)
{
	struct tu_dir *f = *state;
	struct table *t = prep(f->dir, people,
		"{\"steps\": [{\"op\": \"drop\", \"columns\": [\"id\"]},"
		"{\"op\": \"rename\", \"map\": {\"income\": \"salary\"}},"
		"{\"op\": \"select\", \"columns\": [\"city\", \"salary\"]}]}", NULL);
	assert_int_equal(t->ncols, 2);
	assert_string_equal(t->names[0], "city");
	assert_string_equal(t->names[1], "salary");
	assert_int_equal(t->nrows, 5);
	assert_string_equal(cell(t, 1, "salary"), "200");
	free_table(t);
}

static void test_quoting(void **state)
{
	struct tu_dir *f = *state;
	struct table *t = prep(f->dir, "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n",
			       "{\"steps\": [{\"op\": \"rename\", \"map\": {\"a\": \"a,1\"}}]}", NULL);
	assert_string_equal(t->names[0], "a,1");
	assert_string_equal(cell(t, 0, "a,1"), "x, y");
	assert_string_equal(cell(t, 0, "b"), "say \"hi\"");
	assert_string_equal(cell(t, 1, "a,1"), "two\nlines");
	free_table(t);
	/* A single empty column survives as a row. */
	t = prep(f->dir, "a,b\n,1\n2,2\n", "{\"steps\": [{\"op\": \"select\", \"columns\": [\"a\"]}]}",
		 NULL);
	assert_int_equal(t->nrows, 2);
	free_table(t);
}

static const char full_recipe[] =
	"{\"version\": 1, \"steps\": [\n"
	"  {\"op\": \"drop_missing\", \"columns\": [\"id\"]},\n"
	"  {\"op\": \"impute\", \"columns\": [\"income\"], \"strategy\": \"median\"},\n"
	"  {\"op\": \"impute\", \"columns\": [\"age\"], \"strategy\": \"mean\"},\n"
	"  {\"op\": \"drop_duplicates\"},\n"
	"  {\"op\": \"one_hot\", \"columns\": [\"city\"], \"max_categories\": 1},\n"
	"  {\"op\": \"scale\", \"columns\": [\"age\", \"income\"], \"method\": \"standard\"}]}\n";

/* Fit on one file, save, reload, apply to another: the training values are
 * used, nothing is refitted. */
static void test_fit_then_apply(void **state)
{
	struct tu_dir *f = *state;
	struct sg_recipe *r;
	struct table *t = prep(f->dir, people, full_recipe, &r);
	/* After imputation: ages 30 35 50 40 20, incomes 100 200 300 400 400. */
	double am = 35, as = sqrt((25.0 + 0 + 225 + 25 + 225) / 5);
	double im = 280, is = sqrt((180.0 * 180 + 80 * 80 + 20 * 20 + 120 * 120 * 2) / 5);
	assert_true(fabs(num(t, 0, "age") - (30 - am) / as) < 1e-12);
	assert_true(fabs(num(t, 2, "income") - (300 - im) / is) < 1e-12);
	free_table(t);
	char *fitted = sg_path_join(f->dir, "fitted.json");
	struct sg_error err;
	assert_int_equal(sg_recipe_save(r, fitted, &err), 0);
	sg_recipe_free(r);
	r = sg_recipe_load(fitted, &err);
	assert_non_null(r);
	assert_true(sg_recipe_is_fitted(r));
	char *in = tu_write(f->dir, "new.csv", "id,age,income,city\n9,,,Daegu\n10,35,280,Seoul\n");
	char *out = sg_path_join(f->dir, "new-out.csv");
	struct sg_csv *c = open_csv(in);
	struct sg_recipe_result res;
	assert_int_equal(sg_recipe_apply(r, c, out, NULL, &res, &err), 0);
	assert_int_equal(res.rows_in, 2);
	assert_int_equal(res.rows_out, 2);
	sg_csv_free(c);
	t = read_table(out);
	assert_int_equal(t->ncols, 5);                        /* id age income city=Seoul city=other */
	/* The missing age and income take the training mean/median: 35 → 0, and
	 * 300 (the training median) scaled by the training mean and std. */
	assert_true(fabs(num(t, 0, "age")) < 1e-12);
	assert_true(fabs(num(t, 0, "income") - (300 - im) / is) < 1e-12);
	assert_string_equal(cell(t, 0, "city=other"), "1");
	assert_string_equal(cell(t, 1, "city=Seoul"), "1");
	assert_true(fabs(num(t, 1, "income") - (280 - im) / is) < 1e-12);
	free_table(t);
	sg_recipe_free(r);
	free(fitted);
	free(in);
	free(out);
}

/* Parses text and expects an error containing want. */
static void expect_parse_error(const char *text, const char *want)
{
	struct sg_error err = { 0 };
	struct sg_recipe *r = sg_recipe_parse(text, strlen(text), "recipe.json", &err);
	assert_null(r);
	if (!strstr(err.msg, want))
		fail_msg("wanted '%s' in '%s'", want, err.msg);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("{\"steps\": [\n  {\"op\": \"impute\",\n   \"columns\": [\"a\"] x}]}",
			   "recipe.json:3:21: '}' expected near 'x'");
	expect_parse_error("{\"steps\": [{\"op\": \"drop\", \"columns\": [\"a\"]}, {\"op\": \"melt\"}]}",
			   "recipe.json: step 2: unknown op 'melt'");
	expect_parse_error("{\"steps\": [{\"op\": \"impute\", \"columns\": [\"a\"], \"strategy\": \"avg\"}]}",
			   "step 1 (impute): \"strategy\" must be one of mean, median, most_frequent, constant");
	expect_parse_error("{\"steps\": [{\"op\": \"scale\", \"colums\": [\"a\"]}]}",
			   "step 1 (scale): unknown key \"colums\"");
	expect_parse_error("{\"steps\": [{\"op\": \"impute\", \"columns\": [\"a\"], \"strategy\": \"constant\"}]}",
			   "needs a \"value\"");
	expect_parse_error("{\"steps\": [{\"op\": \"select\", \"columns\": [\"a\", 3]}]}",
			   "columns[1]: a column name must be a string");
	expect_parse_error("{\"version\": 3, \"steps\": []}", "\"version\" must be 1");
	expect_parse_error("{\"steps\": [{\"op\": \"one_hot\", \"columns\": [\"c\"], \"fitted\": "
			   "{\"categories\": {}}}]}", "fitted.categories has no entry for column 'c'");
}

static void test_column_errors_write_nothing(void **state)
{
	struct tu_dir *f = *state;
	char *in = tu_write(f->dir, "in.csv", people);
	char *out = sg_path_join(f->dir, "out.csv");
	struct sg_csv *c = open_csv(in);
	struct sg_error err;
	struct sg_recipe *r = parse("{\"steps\": [{\"op\": \"drop\", \"columns\": [\"id\"]},"
				    "{\"op\": \"rename\", \"map\": {\"age\": \"years\"}},"
				    "{\"op\": \"impute\", \"columns\": [\"incme\"], \"strategy\": \"mean\"}]}");
	assert_int_equal(sg_recipe_fit(r, c, NULL, &err), -1);
	assert_string_equal(err.msg, "recipe.json: step 3 (impute): columns[0]: unknown column "
			    "'incme' (columns: years, income, city)");
	assert_int_equal(sg_recipe_apply(r, c, out, NULL, NULL, &err), -1);
	sg_recipe_free(r);
	/* Scaling strings fails at the row, and no output appears. */
	r = parse("{\"steps\": [{\"op\": \"scale\", \"columns\": [\"city\"]}]}");
	assert_int_equal(sg_recipe_fit(r, c, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "step 1 (scale): column 'city': 'Seoul' at data row 1"));
	sg_recipe_free(r);
	/* A fitted recipe on a file that lacks a column. */
	r = parse("{\"steps\": [{\"op\": \"scale\", \"columns\": [\"zzz\"], \"fitted\": "
		  "{\"columns\": {\"zzz\": {\"mean\": 1, \"std\": 2}}}}]}");
	assert_true(sg_recipe_is_fitted(r));
	assert_int_equal(sg_recipe_apply(r, c, out, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "unknown column 'zzz'"));
	sg_recipe_free(r);
	/* A name clash. */
	r = parse("{\"steps\": [{\"op\": \"rename\", \"map\": {\"age\": \"city\"}}]}");
	assert_int_equal(sg_recipe_fit(r, c, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "two columns named 'city'"));
	sg_recipe_free(r);
	sg_csv_free(c);
	assert_false(sg_is_file(out));
	DIR *d = opendir(f->dir);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)) != NULL)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);                           /* only in.csv: no temp left */
	free(in);
	free(out);
}

static void test_preview(void **state)
{
	struct tu_dir *f = *state;
	char *in = tu_write(f->dir, "in.csv", people);
	struct sg_csv *c = open_csv(in);
	struct sg_recipe *r = parse(full_recipe);
	struct sg_preview *p;
	struct sg_error err;
	assert_int_equal(sg_recipe_preview(r, c, 2, NULL, &p, &err), 0);
	assert_true(sg_recipe_is_fitted(r));
	assert_int_equal(p->ncols, 5);
	assert_int_equal(p->nrows, 2);
	assert_string_equal(p->names[3], "city=Seoul");
	assert_string_equal(p->cells[0], "1");
	assert_string_equal(p->cells[5], "2");
	assert_string_equal(p->cells[1 * 5 + 3], "0");
	sg_preview_free(p);
	assert_int_equal(sg_recipe_out_ncols(r), 5);
	sg_recipe_free(r);
	sg_csv_free(c);
	free(in);
}

/* ---- splits ---------------------------------------------------------------- */

static char *numbers_csv(const char *dir, int n)
{
	size_t cap = (size_t)n * 32 + 64, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text, cap, "id,label\n");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%d,%s\n", i,
					i % 10 == 0 ? "rare" : i % 3 ? "a" : "b");
	char *path = tu_write(dir, "rows.csv", text);
	free(text);
	return path;
}

static char *slurp(const char *path)
{
	struct sg_error err;
	char *s = sg_read_file(path, 1 << 24, NULL, &err);
	if (!s)
		fail_msg("%s", err.msg);
	return s;
}

static void test_split_sizes_and_determinism(void **state)
{
	struct tu_dir *f = *state;
	char *in = numbers_csv(f->dir, 1000);
	char *prefix = sg_path_join(f->dir, "p");
	struct sg_csv *c = open_csv(in);
	struct sg_split_options o = { .fraction = { 0.7, 0.2, 0.1 }, .seed = 7 };
	struct sg_split_result res;
	struct sg_error err;
	assert_int_equal(sg_split(c, prefix, &o, NULL, &res, &err), 0);
	assert_int_equal(res.rows[0], 700);
	assert_int_equal(res.rows[1], 200);
	assert_int_equal(res.rows[2], 100);
	/* Every row lands in exactly one part, in file order. */
	int seen[1000] = { 0 };
	char *first[3];
	for (int p = 0; p < 3; p++) {
		struct table *t = read_table(res.path[p]);
		assert_int_equal(t->nrows, res.rows[p]);
		long prev = -1;
		for (size_t i = 0; i < t->nrows; i++) {
			long id = strtol(cell(t, i, "id"), NULL, 10);
			assert_true(id > prev);
			prev = id;
			seen[id]++;
		}
		free_table(t);
		first[p] = slurp(res.path[p]);
	}
	for (int i = 0; i < 1000; i++)
		assert_int_equal(seen[i], 1);
	sg_split_result_done(&res);
	/* Same seed: the same files; another seed: another split. */
	assert_int_equal(sg_split(c, prefix, &o, NULL, &res, &err), 0);
	for (int p = 0; p < 3; p++) {
		char *again = slurp(res.path[p]);
		assert_string_equal(again, first[p]);
		free(again);
	}
	sg_split_result_done(&res);
	o.seed = 8;
	assert_int_equal(sg_split(c, prefix, &o, NULL, &res, &err), 0);
	char *other = slurp(res.path[0]);
	assert_string_not_equal(other, first[0]);
	free(other);
	sg_split_result_done(&res);
	/* Fractions under 1 drop the rest; a 0 part is not written. */
	struct sg_split_options o2 = { .fraction = { 0.5, 0.25, 0 }, .seed = 1 };
	char *prefix2 = sg_path_join(f->dir, "q");
	assert_int_equal(sg_split(c, prefix2, &o2, NULL, &res, &err), 0);
	assert_int_equal(res.rows[0], 500);
	assert_int_equal(res.rows[1], 250);
	assert_null(res.path[2]);
	sg_split_result_done(&res);
	/* Bad fractions. */
	struct sg_split_options bad = { .fraction = { 0.8, 0.3, 0 } };
	assert_int_equal(sg_split(c, prefix2, &bad, NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg, "more than 1"));
	struct sg_split_options bad2 = { .fraction = { 0, 0.5, 0.5 } };
	assert_int_equal(sg_split(c, prefix2, &bad2, NULL, &res, &err), -1);
	for (int p = 0; p < 3; p++)
		free(first[p]);
	sg_csv_free(c);
	free(in);
	free(prefix);
	free(prefix2);
}

static void test_split_stratified(void **state)
{
	struct tu_dir *f = *state;
	char *in = numbers_csv(f->dir, 997);
	char *prefix = sg_path_join(f->dir, "s");
	struct sg_csv *c = open_csv(in);
	struct sg_split_options o = { .fraction = { 0.6, 0.25, 0.15 }, .stratify = "label",
				      .seed = 42 };
	struct sg_split_result res;
	struct sg_error err;
	assert_int_equal(sg_split(c, prefix, &o, NULL, &res, &err), 0);
	assert_int_equal(res.classes, 3);
	/* Count each class in the input and in each part. */
	const char *labels[3] = { "rare", "a", "b" };
	long total[3] = { 0 }, part[3][3] = { { 0 } };
	struct table *t = read_table(in);
	for (size_t i = 0; i < t->nrows; i++)
		for (int k = 0; k < 3; k++)
			total[k] += strcmp(cell(t, i, "label"), labels[k]) == 0;
	free_table(t);
	for (int p = 0; p < 3; p++) {
		t = read_table(res.path[p]);
		for (size_t i = 0; i < t->nrows; i++)
			for (int k = 0; k < 3; k++)
				part[p][k] += strcmp(cell(t, i, "label"), labels[k]) == 0;
		free_table(t);
	}
	for (int k = 0; k < 3; k++)
		for (int p = 0; p < 3; p++)
			assert_true(fabs((double)part[p][k] - o.fraction[p] * (double)total[k]) <= 1.0);
	sg_split_result_done(&res);
	o.stratify = "nope";
	assert_int_equal(sg_split(c, prefix, &o, NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg, "no column 'nope'"));
	sg_csv_free(c);
	free(in);
	free(prefix);
}

static void test_rng_is_fixed(void **state)
{
	(void)state;
	struct sg_rng a, b;
	sg_rng_seed(&a, 42);
	sg_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		assert_true(sg_rng_next(&a) == sg_rng_next(&b));
	/* Pinned values: the same on every machine, forever. */
	sg_rng_seed(&a, 0);
	uint64_t first = sg_rng_next(&a);
	sg_rng_seed(&b, 0);
	assert_true(first == sg_rng_next(&b));
	for (int i = 0; i < 1000; i++)
		assert_true(sg_rng_below(&a, 7) < 7);
}

/* ---- the fuzz corpus ------------------------------------------------------- */

static void test_corpus_replay(void **state)
{
	(void)state;
	assert_true(tu_replay_corpus("recipe", sg_fuzz_recipe) >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_dir_test(test_drop_missing),
		tu_dir_test(test_impute),
		tu_dir_test(test_drop_duplicates),
		tu_dir_test(test_one_hot),
		tu_dir_test(test_scale),
		tu_dir_test(test_select_drop_rename),
		tu_dir_test(test_quoting),
		tu_dir_test(test_fit_then_apply),
		cmocka_unit_test(test_parse_errors),
		tu_dir_test(test_column_errors_write_nothing),
		tu_dir_test(test_preview),
		tu_dir_test(test_split_sizes_and_determinism),
		tu_dir_test(test_split_stratified),
		cmocka_unit_test(test_rng_is_fixed),
		cmocka_unit_test(test_corpus_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
