/* test_dataset.c — registering datasets: hash, counts, lineage, bad CSV. */
#include "tests/testutil.h"
#include "core/dataset.h"
#include "core/util.h"

struct fixture {
	char *dir;
	struct sg_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	tu_store_init(&f->dir, NULL, &f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tu_store_fini(f->dir, NULL, f->s);
	free(f);
	return 0;
}

static void test_sha256_known_value(void **state)
{
	struct fixture *f = *state;
	char *p = tu_write(f->dir, "abc.txt", "abc");
	char hex[65];
	long long size;
	assert_int_equal(sg_sha256_file(p, hex, &size, NULL), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(size, 3);
	free(p);
}

static void test_register_counts_quoted_newlines(void **state)
{
	struct fixture *f = *state;
	char *p = tu_write(f->dir, "people.csv",
			   "name,note,age\r\n\"Kim\",\"two\nlines\",31\r\nLee,\"say \"\"hi\"\"\",40\r\n");
	struct sg_dataset_info d;
	struct sg_error err = { 0 };
	assert_int_equal(sg_dataset_register(f->s, f->dir, "people.csv", NULL, 1, 0, NULL, &d,
					     &err), 0);
	assert_string_equal(d.name, "people");
	assert_string_equal(d.path, "people.csv");   /* relative to the root */
	assert_int_equal(d.rows, 2);
	assert_int_equal(d.columns, 3);
	assert_int_equal(strlen(d.sha256), 64);
	free(p);
}

static void test_lineage_and_lookup(void **state)
{
	struct fixture *f = *state;
	free(tu_write(f->dir, "raw.csv", "a,b\n1,2\n3,4\n"));
	free(tu_write(f->dir, "clean.csv", "a,b\n1,2\n"));
	struct sg_dataset_info raw, clean, got;
	struct sg_error err = { 0 };
	assert_int_equal(sg_dataset_register(f->s, f->dir, "raw.csv", "raw", 1, 0, NULL, &raw, &err), 0);
	assert_int_equal(sg_dataset_register(f->s, f->dir, "clean.csv", "clean", 1, raw.id,
					     "recipes/clean.json", &clean, &err), 0);
	assert_int_equal(clean.parent_id, raw.id);
	assert_string_equal(clean.recipe, "recipes/clean.json");
	assert_int_equal(sg_dataset_get(f->s, "clean", &got, &err), 0);
	assert_int_equal(got.id, clean.id);
	assert_int_equal(sg_dataset_get(f->s, "raw.csv", &got, &err), 0);
	assert_int_equal(got.rows, 2);
	assert_int_equal(sg_dataset_get(f->s, "missing", &got, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	/* Re-registering a changed file updates it in place. */
	free(tu_write(f->dir, "raw.csv", "a,b\n1,2\n3,4\n5,6\n"));
	assert_int_equal(sg_dataset_register(f->s, f->dir, "raw.csv", "raw", 1, 0, NULL, &got, &err), 0);
	assert_int_equal(got.id, raw.id);
	assert_int_equal(got.rows, 3);
	assert_string_not_equal(got.sha256, raw.sha256);
}

static void test_bad_csv_names_the_row(void **state)
{
	struct fixture *f = *state;
	free(tu_write(f->dir, "bad.csv", "a,b\n1,2\n3,\"unterminated\n"));
	struct sg_error err = { 0 };
	assert_int_equal(sg_dataset_register(f->s, f->dir, "bad.csv", NULL, 1, 0, NULL, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_non_null(strstr(err.msg, "bad.csv:3:3: unterminated quoted field"));
	assert_int_equal(sg_dataset_register(f->s, f->dir, "nope.csv", NULL, 1, 0, NULL, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	assert_int_equal(sg_dataset_register(f->s, f->dir, ".", NULL, 1, 0, NULL, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sha256_known_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_counts_quoted_newlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_csv_names_the_row, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
