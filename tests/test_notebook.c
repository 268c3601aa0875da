/* test_notebook.c — scanning a workspace for notebooks. */
#include "tests/testutil.h"
#include "core/notebook.h"
#include "core/util.h"

static void test_scan_and_summaries(void **state)
{
	char *dir = tu_tempdir();
	struct sg_error err = { 0 };
	char *sub = sg_path_join(dir, "nb/deeper");
	char *hidden = sg_path_join(dir, ".ipynb_checkpoints");
	sg_mkdir_p(sub, 0755, &err);
	sg_mkdir_p(hidden, 0755, &err);
	free(tu_write(dir, "b.ipynb",
		      "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": \"x\"},"
		      " {\"cell_type\": \"code\", \"source\": []}],"
		      " \"metadata\": {\"kernelspec\": {\"display_name\": \"Python 3\", \"name\": \"python3\"}},"
		      " \"nbformat\": 4, \"nbformat_minor\": 5}"));
	free(tu_write(sub, "a.ipynb", "{\"cells\": [], \"metadata\": {}}"));
	free(tu_write(hidden, "c.ipynb", "{\"cells\": []}"));
	free(tu_write(dir, "broken.ipynb", "{\"cells\": [\n  {\"cell_type\": }\n]}"));
	free(tu_write(dir, "notes.txt", "not a notebook"));
	struct sg_notebook_list l;
	assert_int_equal(sg_notebook_scan(dir, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].path, "b.ipynb");
	assert_string_equal(l.items[1].path, "broken.ipynb");
	assert_string_equal(l.items[2].path, "nb/deeper/a.ipynb");
	assert_int_equal(l.items[0].cells, 2);
	assert_int_equal(l.items[0].code_cells, 1);
	assert_string_equal(l.items[0].kernel, "Python 3");
	assert_string_equal(l.items[0].error, "");
	assert_non_null(strstr(l.items[1].error, "broken.ipynb:2:"));
	assert_int_equal(l.items[2].cells, 0);
	sg_notebook_list_done(&l);
	assert_int_equal(sg_notebook_scan("/nonexistent/folder", &l, &err), -1);
	tu_rmtree(dir);
	free(dir);
	free(sub);
	free(hidden);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_and_summaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
