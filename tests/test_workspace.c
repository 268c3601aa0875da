/* test_workspace.c — init, discovery, config fallback, sharing. */
#include "tests/testutil.h"
#include <grp.h>
#include <sys/stat.h>
#include <git2.h>
#include "core/util.h"
#include "core/workspace.h"

static char *tmp;

static int setup(void **state)
{
	tmp = tu_tempdir();
	return 0;
}

static int teardown(void **state)
{
	tu_rmtree(tmp);
	free(tmp);
	return 0;
}

static char *at(const char *rel)
{
	return sg_path_join(tmp, rel);
}

static void test_init_creates_everything(void **state)
{
	struct sg_error err = { 0 };
	struct sg_init_result res;
	char *ws = at("proj");
	assert_int_equal(sg_workspace_init(ws, NULL, &res, &err), 0);
	assert_true(res.created_workspace);
	assert_true(res.created_repository);
	char *p;
	assert_true(sg_is_file(p = at("proj/.sagetty/store.db"))); free(p);
	assert_true(sg_is_file(p = at("proj/.sagetty/config"))); free(p);
	assert_true(sg_is_dir(p = at("proj/.sagetty/runs"))); free(p);
	assert_true(sg_is_file(p = at("proj/.sagetty/.gitignore"))); free(p);
	git_libgit2_init();
	git_repository *repo;
	assert_int_equal(git_repository_open(&repo, ws), 0);
	assert_int_equal(git_repository_head_unborn(repo), 1);
	git_repository_free(repo);
	git_libgit2_shutdown();
	/* Again: harmless, nothing recreated. */
	assert_int_equal(sg_workspace_init(ws, NULL, &res, &err), 0);
	assert_false(res.created_workspace);
	assert_false(res.created_repository);
	free(ws);
}

static void test_init_keeps_existing_repository(void **state)
{
	struct sg_error err = { 0 };
	char *repo_dir = at("outer");
	git_libgit2_init();
	git_repository *repo;
	assert_int_equal(git_repository_init(&repo, repo_dir, 0), 0);
	/* Stage a file so the index has content we can compare. */
	char *file = at("outer/a.txt");
	FILE *fp = fopen(file, "w");
	fputs("hello\n", fp);
	fclose(fp);
	git_index *idx;
	git_repository_index(&idx, repo);
	git_index_add_bypath(idx, "a.txt");
	git_index_write(idx);
	git_index_free(idx);
	char *index_path = at("outer/.git/index");
	size_t n1, n2;
	char *before = sg_read_file(index_path, 1 << 20, &n1, &err);
	struct sg_init_result res;
	char *sub = at("outer/sub/ws");
	assert_int_equal(sg_workspace_init(sub, NULL, &res, &err), 0);
	assert_false(res.created_repository);
	char *nested = at("outer/sub/ws/.git");
	assert_false(sg_is_dir(nested));
	char *after = sg_read_file(index_path, 1 << 20, &n2, &err);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(before); free(after); free(nested); free(sub); free(index_path); free(file);
	free(repo_dir);
}

static void test_find_walks_up(void **state)
{
	struct sg_error err = { 0 };
	char *ws = at("w"), *deep = at("w/a/b/c"), *root = NULL;
	assert_int_equal(sg_workspace_init(ws, NULL, NULL, &err), 0);
	assert_int_equal(sg_mkdir_p(deep, 0755, &err), 0);
	assert_int_equal(sg_workspace_find(deep, &root, &err), 0);
	char *real = sg_realpath(ws);
	assert_string_equal(root, real);
	free(root);
	free(real);
	struct sg_workspace *w = sg_workspace_discover(deep, 0, &err);
	assert_non_null(w);
	assert_string_equal(w->user, sg_username());
	assert_false(w->readonly);
	sg_workspace_free(w);
	free(ws);
	free(deep);
}

static void test_find_outside_fails_clearly(void **state)
{
	struct sg_error err = { 0 };
	char *root = NULL;
	assert_int_equal(sg_workspace_find(tmp, &root, &err), -1);
	assert_int_equal(err.code, SG_E_NOWORKSPACE);
	assert_non_null(strstr(err.msg, "sagetty init"));
	assert_null(root);
}

static void test_bad_config_falls_back(void **state)
{
	struct sg_error err = { 0 };
	char *ws = at("cfg");
	sg_workspace_init(ws, NULL, NULL, &err);
	char *cfg = at("cfg/.sagetty/config");
	const char text[] = "set theme light\nset colour blue\n";
	assert_int_equal(sg_write_atomic(cfg, text, sizeof text - 1, 0644, &err), 0);
	struct sg_workspace *w = sg_workspace_open(ws, 0, &err);
	assert_non_null(w);
	assert_non_null(strstr(w->config_error, "config:2:5"));
	assert_string_equal(w->config.theme, "default");
	sg_workspace_free(w);
	/* The user's file is kept as it was. */
	size_t n;
	char *now = sg_read_file(cfg, 4096, &n, &err);
	assert_string_equal(now, text);
	free(now);
	free(cfg);
	free(ws);
}

static void test_shared_unknown_group_creates_nothing(void **state)
{
	struct sg_error err = { 0 };
	char *ws = at("nogroup");
	assert_int_equal(sg_workspace_init(ws, "no-such-group-xyz", NULL, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	assert_false(sg_is_dir(ws));
	free(ws);
}

static void test_shared_sets_group_modes(void **state)
{
	struct sg_error err = { 0 };
	struct group *gr = getgrgid(getgid());
	assert_non_null(gr);
	char *group = sg_xstrdup(gr->gr_name);
	mode_t old = umask(077);
	char *ws = at("shared");
	assert_int_equal(sg_workspace_init(ws, group, NULL, &err), 0);
	umask(old);
	const char *dirs[] = { "shared", "shared/.sagetty", "shared/.sagetty/runs" };
	for (int i = 0; i < 3; i++) {
		char *p = at(dirs[i]);
		struct stat st;
		assert_int_equal(stat(p, &st), 0);
		assert_true(st.st_mode & S_ISGID);
		assert_int_equal(st.st_mode & S_IRWXG, S_IRWXG);
		assert_int_equal(st.st_gid, gr->gr_gid);
		free(p);
	}
	char *store = at("shared/.sagetty/store.db");
	struct stat st;
	stat(store, &st);
	assert_int_equal(st.st_mode & (S_IRGRP | S_IWGRP), S_IRGRP | S_IWGRP);
	struct sg_workspace *w = sg_workspace_open(ws, 0, &err);
	assert_string_equal(w->config.shared_group, group);
	sg_workspace_free(w);
	free(store);
	free(ws);
	free(group);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_creates_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_keeps_existing_repository, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_walks_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_outside_fails_clearly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_unknown_group_creates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_sets_group_modes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
