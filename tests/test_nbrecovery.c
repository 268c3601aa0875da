/* test_nbrecovery.c — recovery copies: per-user private folder, atomic
 * content, found and removed, the same-as-file check, and the pacing. */
#include "tests/testutil.h"
#include <sys/stat.h>
#include "core/nbrecovery.h"
#include "core/util.h"
#include "core/workspace.h"

struct fx {
	char *dir;
	struct sg_workspace *ws;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct sg_error err = { 0 };

	f->dir = tu_tempdir();
	assert_int_equal(sg_workspace_init(f->dir, NULL, NULL, &err), 0);
	f->ws = sg_workspace_open(f->dir, 0, &err);
	assert_non_null(f->ws);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sg_workspace_free(f->ws);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void test_path_is_per_user_and_per_notebook(void **state)
{
	struct fx *f = *state;
	char *a = sg_nbrecovery_path(f->ws, "a.ipynb");
	char *b = sg_nbrecovery_path(f->ws, "sub/a.ipynb");
	char *a2 = sg_nbrecovery_path(f->ws, "a.ipynb");
	char prefix[4096];

	snprintf(prefix, sizeof prefix, "%s/.sagetty/recovery/", f->dir);
	assert_memory_equal(a, prefix, strlen(prefix));
	assert_non_null(strstr(a, f->ws->user));
	assert_string_equal(a, a2);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(strrchr(a, '/') + 1), 16 + strlen(".ipynb"));
	free(a);
	free(b);
	free(a2);
}

static void test_write_read_remove(void **state)
{
	struct fx *f = *state;
	struct sg_error err = { 0 };
	const char *nb = "{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}\n";
	struct stat st;
	double mtime = 0;
	long long size = 0;
	size_t len = 0;

	assert_int_equal(sg_nbrecovery_exists(f->ws, "n.ipynb", NULL, NULL), 0);
	assert_null(sg_nbrecovery_read(f->ws, "n.ipynb", &len, &err));
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_int_equal(sg_nbrecovery_write(f->ws, "n.ipynb", nb, strlen(nb), &err), 0);
	assert_int_equal(sg_nbrecovery_exists(f->ws, "n.ipynb", &mtime, &size), 1);
	assert_true(mtime > sg_now() - 60);
	assert_int_equal(size, (long long)strlen(nb));

	char *path = sg_nbrecovery_path(f->ws, "n.ipynb");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	*strrchr(path, '/') = '\0';
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(path);

	char *back = sg_nbrecovery_read(f->ws, "n.ipynb", &len, &err);
	assert_non_null(back);
	assert_string_equal(back, nb);
	free(back);
	/* a second write replaces the first */
	assert_int_equal(sg_nbrecovery_write(f->ws, "n.ipynb", "{}", 2, &err), 0);
	back = sg_nbrecovery_read(f->ws, "n.ipynb", &len, &err);
	assert_string_equal(back, "{}");
	free(back);
	assert_int_equal(sg_nbrecovery_remove(f->ws, "n.ipynb", &err), 0);
	assert_int_equal(sg_nbrecovery_exists(f->ws, "n.ipynb", NULL, NULL), 0);
	assert_int_equal(sg_nbrecovery_remove(f->ws, "n.ipynb", &err), 0);
}

static void test_same_as_file(void **state)
{
	struct fx *f = *state;
	struct sg_error err = { 0 };

	free(tu_write(f->dir, "s.ipynb", "{\"cells\": []}"));
	assert_int_equal(sg_nbrecovery_same_as_file(f->ws, "s.ipynb"), 0);
	assert_int_equal(sg_nbrecovery_write(f->ws, "s.ipynb", "{\"cells\": []}", 13, &err), 0);
	assert_int_equal(sg_nbrecovery_same_as_file(f->ws, "s.ipynb"), 1);
	assert_int_equal(sg_nbrecovery_write(f->ws, "s.ipynb", "{\"cells\": [1]}", 14, &err), 0);
	assert_int_equal(sg_nbrecovery_same_as_file(f->ws, "s.ipynb"), 0);
	/* no file on disk at all */
	assert_int_equal(sg_nbrecovery_write(f->ws, "gone.ipynb", "{}", 2, &err), 0);
	assert_int_equal(sg_nbrecovery_same_as_file(f->ws, "gone.ipynb"), 0);
}

static void test_pacing(void **state)
{
	struct sg_nbrec_pace p;

	(void)state;
	sg_nbrec_pace_init(&p, 0);
	assert_true(sg_nbrec_pace_due(&p, 0, 100.0) < 0);       /* nothing edited */
	assert_true(sg_nbrec_pace_due(&p, 1, 100.0) == 0);      /* first edit: now */
	sg_nbrec_pace_done(&p, 1, 100.0, 0.01);
	assert_true(sg_nbrec_pace_due(&p, 1, 100.5) < 0);       /* written */
	double left = sg_nbrec_pace_due(&p, 2, 100.5);
	assert_true(left > 1.4 && left < 1.6);                   /* 2 s after the last */
	assert_true(sg_nbrec_pace_due(&p, 2, 102.1) == 0);
	sg_nbrec_pace_done(&p, 2, 102.1, 1.0);                   /* a slow write */
	left = sg_nbrec_pace_due(&p, 3, 103.1);
	assert_true(left > 8.9 && left < 9.1);                   /* 10 s interval */
	sg_nbrec_pace_done(&p, 3, 112.1, 30.0);
	left = sg_nbrec_pace_due(&p, 4, 112.1);
	assert_true(left > 59.9 && left < 60.1);                 /* capped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_is_per_user_and_per_notebook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_read_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_as_file, setup, teardown),
		cmocka_unit_test(test_pacing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
