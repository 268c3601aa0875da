/* test_nbgit.c — saving notebooks as commits the git CLI reads, stripped
 * outputs, history, restores, and merging concurrent saves. */
#include "tests/testutil.h"
#include <fcntl.h>
#include "core/nbdiff.h"
#include "core/nbformat.h"
#include "core/nbgit.h"
#include "core/util.h"

/* Runs git with argv in dir (execvp, no shell); returns its stdout
 * (malloc'd) or fails the test when git exits non-zero. */
static char *git(const char *dir, const char *const *args)
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		if (chdir(dir) != 0)
			_exit(126);
		char *argv[16];
		int n = 0;
		argv[n++] = "git";
		for (; args[n - 1] && n < 15; n++)
			argv[n] = (char *)args[n - 1];
		argv[n] = NULL;
		execvp("git", argv);
		_exit(127);
	}
	close(fd[1]);
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	ssize_t r;
	while ((r = read(fd[0], out + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 2)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("git %s failed (status %d)", args[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return out;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static struct sg_nb *two_cells(void)
{
	struct sg_nb *nb = sg_nb_new();
	sg_nb_insert(nb, 0, SG_NB_MARKDOWN, "# Analysis");
	sg_nb_insert(nb, 1, SG_NB_CODE, "x = 1\nx");
	return nb;
}

static struct sg_nb *load(const char *dir, const char *name)
{
	char *path = sg_path_join(dir, name);
	struct sg_nb *nb = NULL;
	struct sg_error err = { 0 };
	if (sg_nb_load(path, &nb, &err) != 0)
		fail_msg("%s", err.msg);
	free(path);
	return nb;
}

/* The first save creates the repository; commits are what `git log` and
 * `git show` read, authored by the Unix user, naming the changed cells, and
 * only the notebook is committed whatever else is staged. */
static void test_commits_visible_to_git(void **state)
{
	char *dir = tu_tempdir();
	struct sg_nb *nb = two_cells();
	struct sg_nbgit_result res;
	struct sg_error err = { 0 };
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	assert_int_equal(strlen(res.commit), 40);
	assert_string_equal(res.message, "notebook a.ipynb: created with 2 cells");
	char *out = git(dir, (const char *[]){ "log", "--format=%an|%ae|%s", "--", "a.ipynb", NULL });
	char expect[512];
	snprintf(expect, sizeof expect, "%s|%s@", sg_username(), sg_username());
	assert_non_null(strstr(out, expect));
	assert_non_null(strstr(out, "|notebook a.ipynb: created with 2 cells\n"));
	free(out);

	/* stage something else; change one cell; save */
	free(tu_write(dir, "other.txt", "staged, not for the notebook commit\n"));
	free(git(dir, (const char *[]){ "add", "other.txt", NULL }));
	sg_nb_cell_set_source(&nb->cells[1], "x = 2\nx");
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	char msg[256];
	snprintf(msg, sizeof msg, "notebook a.ipynb: changed cell %s", nb->cells[1].id);
	assert_string_equal(res.message, msg);
	out = git(dir, (const char *[]){ "show", "--name-only", "--format=%s", "HEAD", NULL });
	assert_non_null(strstr(out, "a.ipynb"));
	assert_null(strstr(out, "other.txt"));
	free(out);
	out = git(dir, (const char *[]){ "diff", "--cached", "--name-only", NULL });
	assert_string_equal(out, "other.txt\n");
	free(out);
	out = git(dir, (const char *[]){ "show", "HEAD:a.ipynb", NULL });
	char *path = sg_path_join(dir, "a.ipynb");
	size_t len;
	char *disk = sg_read_file(path, 1 << 20, &len, &err);
	assert_string_equal(out, disk);
	free(disk);
	free(out);
	/* the notebook itself is clean in `git status` */
	out = git(dir, (const char *[]){ "status", "--porcelain", "a.ipynb", NULL });
	assert_string_equal(out, "");
	free(out);
	/* saving the same content again commits nothing */
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	assert_string_equal(res.commit, "");
	out = git(dir, (const char *[]){ "log", "--oneline", NULL });
	assert_int_equal(count_lines(out), 2);
	free(out);
	free(path);
	sg_nb_free(nb);
	tu_rmtree(dir);
	free(dir);
}

static void test_strip_outputs(void **state)
{
	char *dir = tu_tempdir();
	struct sg_nb *nb = two_cells();
	nb->cells[1].execution_count = 5;
	sg_nb_cell_append_stream(&nb->cells[1], "stdout", "hello-output\n");
	struct sg_nbgit_opts o = { .strip_outputs = 1, .author_name = "Ada", .author_email = "ada@example.org" };
	struct sg_nbgit_result res;
	struct sg_error err = { 0 };
	char *sub = sg_path_join(dir, "nb");
	assert_int_equal(mkdir(sub, 0755), 0);
	free(sub);
	assert_int_equal(sg_nbgit_save(dir, "nb/s.ipynb", nb, NULL, &o, &res, &err), 0);
	char *out = git(dir, (const char *[]){ "show", "HEAD:nb/s.ipynb", NULL });
	assert_null(strstr(out, "hello-output"));
	assert_non_null(strstr(out, "\"execution_count\": null"));
	assert_non_null(strstr(out, "x = 1"));
	free(out);
	out = git(dir, (const char *[]){ "log", "--format=%an <%ae>", NULL });
	assert_string_equal(out, "Ada <ada@example.org>\n");
	free(out);
	struct sg_nb *disk = load(dir, "nb/s.ipynb");
	char *t = sg_nb_output_text(json_array_get(disk->cells[1].outputs, 0));
	assert_string_equal(t, "hello-output\n");
	free(t);
	assert_int_equal(disk->cells[1].execution_count, 5);
	sg_nb_free(disk);
	sg_nb_free(nb);
	tu_rmtree(dir);
	free(dir);
}

static void test_log_read_restore(void **state)
{
	char *dir = tu_tempdir();
	struct sg_nb *nb = two_cells();
	struct sg_nbgit_result res;
	struct sg_error err = { 0 };
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	/* a commit of another file is not in the notebook's history */
	struct sg_nb *other = two_cells();
	assert_int_equal(sg_nbgit_save(dir, "b.ipynb", other, NULL, NULL, &res, &err), 0);
	sg_nb_free(other);
	sg_nb_cell_set_source(&nb->cells[0], "# Analysis v2");
	sg_nb_insert(nb, 2, SG_NB_CODE, "y = 3");
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	struct sg_nbgit_commit *cs;
	size_t n;
	assert_int_equal(sg_nbgit_log(dir, "a.ipynb", 0, &cs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(cs[0].id, res.commit);
	assert_non_null(strstr(cs[0].summary, "(+1 added)"));
	assert_string_equal(cs[0].author, sg_username());
	char first[41];
	snprintf(first, sizeof first, "%s", cs[1].id);
	free(cs);
	assert_int_equal(sg_nbgit_log(dir, "a.ipynb", 1, &cs, &n, &err), 0);
	assert_int_equal(n, 1);
	free(cs);

	struct sg_nb *old;
	char id[41];
	assert_int_equal(sg_nbgit_read_at(dir, "a.ipynb", "HEAD~2", &old, id, &err), 0);
	assert_string_equal(id, first);
	assert_int_equal(old->ncells, 2);
	assert_string_equal(old->cells[0].source, "# Analysis");
	sg_nb_free(old);
	assert_int_equal(sg_nbgit_read_at(dir, "a.ipynb", "nonsense~9", &old, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_int_equal(sg_nbgit_read_at(dir, "missing.ipynb", "HEAD", &old, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);

	/* restore the first version: a new commit, history kept */
	char shortid[8];
	snprintf(shortid, sizeof shortid, "%.7s", first);
	assert_int_equal(sg_nbgit_restore(dir, "a.ipynb", shortid, NULL, &res, &err), 0);
	assert_non_null(strstr(res.message, "restored from"));
	struct sg_nb *now = load(dir, "a.ipynb");
	assert_int_equal(now->ncells, 2);
	assert_string_equal(now->cells[0].source, "# Analysis");
	assert_string_equal(now->cells[0].id, nb->cells[0].id);
	sg_nb_free(now);
	char *out = git(dir, (const char *[]){ "log", "--oneline", "--", "a.ipynb", NULL });
	assert_int_equal(count_lines(out), 3);
	free(out);
	sg_nb_free(nb);
	tu_rmtree(dir);
	free(dir);
}

/* Two people load the same notebook; both save: nothing is lost. */
static void test_concurrent_saves_merge(void **state)
{
	char *dir = tu_tempdir();
	struct sg_nb *nb = two_cells();
	sg_nb_insert(nb, 2, SG_NB_CODE, "z = 0");
	struct sg_nbgit_result res;
	struct sg_error err = { 0 };
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	sg_nb_free(nb);
	struct sg_nb *base_a = load(dir, "a.ipynb"), *base_b = load(dir, "a.ipynb");
	struct sg_nb *alice = sg_nb_clone(base_a), *bob = sg_nb_clone(base_b);
	sg_nb_cell_set_source(&bob->cells[1], "x = 'bob'");
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", bob, base_b, NULL, &res, &err), 0);
	assert_false(res.merged);
	sg_nb_cell_set_source(&alice->cells[2], "z = 'alice'");
	sg_nb_insert(alice, 3, SG_NB_MARKDOWN, "alice's note");
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", alice, base_a, NULL, &res, &err), 0);
	assert_true(res.merged);
	assert_int_equal(res.conflicts, 0);
	struct sg_nb *disk = load(dir, "a.ipynb");
	assert_int_equal(disk->ncells, 4);
	assert_string_equal(disk->cells[1].source, "x = 'bob'");
	assert_string_equal(disk->cells[2].source, "z = 'alice'");
	assert_string_equal(disk->cells[3].source, "alice's note");
	/* alice's in-memory notebook is the merged one */
	assert_string_equal(alice->cells[1].source, "x = 'bob'");
	sg_nb_free(disk);

	/* both change the same cell: both versions kept, marked */
	struct sg_nb *base2 = load(dir, "a.ipynb");
	struct sg_nb *a2 = sg_nb_clone(base2), *b2 = sg_nb_clone(base2);
	sg_nb_cell_set_source(&b2->cells[0], "# Bob's title");
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", b2, base2, NULL, &res, &err), 0);
	sg_nb_cell_set_source(&a2->cells[0], "# Alice's title");
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", a2, base2, NULL, &res, &err), 0);
	assert_true(res.merged);
	assert_int_equal(res.conflicts, 1);
	disk = load(dir, "a.ipynb");
	assert_int_equal(disk->ncells, 5);
	assert_string_equal(disk->cells[0].source, "# Alice's title");
	assert_string_equal(sg_nb_cell_conflict(&disk->cells[0]), "ours");
	assert_string_equal(disk->cells[1].source, "# Bob's title");
	assert_string_equal(sg_nb_cell_conflict(&disk->cells[1]), "theirs");
	sg_nb_free(disk);
	char *out = git(dir, (const char *[]){ "log", "--oneline", NULL });
	assert_int_equal(count_lines(out), 5);
	free(out);

	/* a file that became unreadable is not overwritten */
	char *path = sg_path_join(dir, "a.ipynb");
	free(tu_write(dir, "a.ipynb", "{ broken"));
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", a2, base2, NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg, "not saved"));
	size_t len;
	char *text = sg_read_file(path, 1 << 20, &len, &err);
	assert_string_equal(text, "{ broken");
	free(text);
	free(path);
	sg_nb_free(base2);
	sg_nb_free(a2);
	sg_nb_free(b2);
	sg_nb_free(base_a);
	sg_nb_free(base_b);
	sg_nb_free(alice);
	sg_nb_free(bob);
	tu_rmtree(dir);
	free(dir);
}

/* Percent scripts are versioned the same way. */
static void test_percent_script_versioned(void **state)
{
	char *dir = tu_tempdir();
	struct sg_nb *nb = two_cells();
	struct sg_nbgit_result res;
	struct sg_error err = { 0 };
	assert_int_equal(sg_nbgit_save(dir, "s.py", nb, NULL, NULL, &res, &err), 0);
	char *out = git(dir, (const char *[]){ "show", "HEAD:s.py", NULL });
	assert_string_equal(out, "# %% [markdown]\n# # Analysis\n\n# %%\nx = 1\nx\n");
	free(out);
	struct sg_nb *at;
	assert_int_equal(sg_nbgit_read_at(dir, "s.py", "HEAD", &at, NULL, &err), 0);
	assert_string_equal(at->cells[1].source, "x = 1\nx");
	sg_nb_free(at);
	/* Concurrent saves of a script merge too, though every read gives the
	 * cells fresh ids: the file's cells are matched to the loaded ones by
	 * source. */
	sg_nb_insert(nb, 2, SG_NB_CODE, "def f(a, b):\n    total = a + b\n    return total");
	assert_int_equal(sg_nbgit_save(dir, "s.py", nb, NULL, NULL, &res, &err), 0);
	struct sg_nb *base_a = load(dir, "s.py"), *base_b = load(dir, "s.py");
	struct sg_nb *alice = sg_nb_clone(base_a), *bob = sg_nb_clone(base_b);
	sg_nb_cell_set_source(&bob->cells[2], "def f(a, b):\n    total = a + b\n    return 2 * total");
	assert_int_equal(sg_nbgit_save(dir, "s.py", bob, base_b, NULL, &res, &err), 0);
	assert_non_null(strstr(res.message, "changed cell #3"));
	sg_nb_cell_set_source(&alice->cells[1], "x = 'alice'");
	assert_int_equal(sg_nbgit_save(dir, "s.py", alice, base_a, NULL, &res, &err), 0);
	assert_true(res.merged);
	assert_int_equal(res.conflicts, 0);
	struct sg_nb *disk = load(dir, "s.py");
	assert_int_equal(disk->ncells, 3);
	assert_string_equal(disk->cells[1].source, "x = 'alice'");
	assert_string_equal(disk->cells[2].source, "def f(a, b):\n    total = a + b\n    return 2 * total");
	sg_nb_free(disk);
	sg_nb_free(base_a);
	sg_nb_free(base_b);
	sg_nb_free(alice);
	sg_nb_free(bob);
	sg_nb_free(nb);
	tu_rmtree(dir);
	free(dir);
}

/* The history follows renames like `git log --follow`: a `git mv` alone,
 * then a rename with an edit; the entries before a rename name the old
 * path; versions from before it are read and restored under it. */
static void test_log_follows_renames(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct sg_nb *nb = two_cells();
	struct sg_nbgit_result res;
	struct sg_error err = { 0 };
	char first[41], *out;
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	snprintf(first, sizeof first, "%s", res.commit);
	sg_nb_insert(nb, 2, SG_NB_CODE, "y = 3\nprint(y)");
	assert_int_equal(sg_nbgit_save(dir, "a.ipynb", nb, NULL, NULL, &res, &err), 0);
	/* an unrelated commit, then a plain rename into a folder */
	free(tu_write(dir, "notes.txt", "notes\n"));
	free(git(dir, (const char *[]){ "add", "notes.txt", NULL }));
	free(git(dir, (const char *[]){ "-c", "user.name=t", "-c", "user.email=t@t", "commit",
					 "-qm", "notes", NULL }));
	char *sub = sg_path_join(dir, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	free(sub);
	free(git(dir, (const char *[]){ "mv", "a.ipynb", "sub/b.ipynb", NULL }));
	free(git(dir, (const char *[]){ "-c", "user.name=t", "-c", "user.email=t@t", "commit",
					 "-qm", "rename to b", NULL }));
	sg_nb_cell_set_source(&nb->cells[0], "# Analysis, renamed");
	assert_int_equal(sg_nbgit_save(dir, "sub/b.ipynb", nb, NULL, NULL, &res, &err), 0);
	/* a rename with an edit in the same commit */
	struct sg_nb *edited = load(dir, "sub/b.ipynb");
	sg_nb_cell_set_source(&edited->cells[1], "x = 2\nx");
	char *bpath = sg_path_join(dir, "sub/b.ipynb");
	assert_int_equal(sg_nb_save_file(bpath, edited, &err), 0);
	free(bpath);
	sg_nb_free(edited);
	free(git(dir, (const char *[]){ "add", "sub/b.ipynb", NULL }));
	free(git(dir, (const char *[]){ "mv", "sub/b.ipynb", "c.ipynb", NULL }));
	free(git(dir, (const char *[]){ "-c", "user.name=t", "-c", "user.email=t@t", "commit",
					 "-qm", "rename to c, edited", NULL }));

	struct sg_nbgit_commit *cs;
	size_t n;
	assert_int_equal(sg_nbgit_log(dir, "c.ipynb", 0, &cs, &n, &err), 0);
	out = git(dir, (const char *[]){ "log", "--follow", "--format=%H", "--", "c.ipynb", NULL });
	assert_int_equal(n, (size_t)count_lines(out));
	assert_int_equal(n, 5);
	const char *line = out;
	for (size_t i = 0; i < n; i++) {
		assert_memory_equal(line, cs[i].id, 40);
		line = strchr(line, '\n') + 1;
	}
	free(out);
	/* newest first: c (the rename+edit), sub/b (save, rename), a (two saves) */
	const char *paths[] = { "c.ipynb", "sub/b.ipynb", "sub/b.ipynb", "a.ipynb", "a.ipynb" };
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(cs[i].path, paths[i]);
		assert_int_equal(cs[i].renamed, i > 0);
	}
	assert_string_equal(cs[4].id, first);
	assert_string_equal(cs[2].summary, "rename to b");
	free(cs);
	assert_int_equal(sg_nbgit_log(dir, "c.ipynb", 2, &cs, &n, &err), 0);
	assert_int_equal(n, 2);           /* at most 2 */
	free(cs);

	/* read under the old names, by id and by a relative revision */
	struct sg_nb *old = NULL;
	char id[41];
	assert_int_equal(sg_nbgit_read_at(dir, "c.ipynb", first, &old, id, &err), 0);
	assert_string_equal(id, first);
	assert_int_equal(old->ncells, 2);
	assert_string_equal(old->cells[1].source, "x = 1\nx");
	sg_nb_free(old);
	assert_int_equal(sg_nbgit_read_at(dir, "c.ipynb", "HEAD~1", &old, NULL, &err), 0);
	assert_string_equal(old->cells[0].source, "# Analysis, renamed");
	assert_string_equal(old->cells[1].source, "x = 1\nx");
	sg_nb_free(old);
	/* before the notebook existed under any name */
	assert_int_equal(sg_nbgit_read_at(dir, "notes.txt.ipynb", first, &old, NULL, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);

	/* restoring a version from before the renames: under the new name */
	assert_int_equal(sg_nbgit_restore(dir, "c.ipynb", first, NULL, &res, &err), 0);
	struct sg_nb *now = load(dir, "c.ipynb");
	assert_int_equal(now->ncells, 2);
	assert_string_equal(now->cells[0].source, "# Analysis");
	sg_nb_free(now);
	out = git(dir, (const char *[]){ "status", "--porcelain", NULL });
	assert_string_equal(out, "");
	free(out);
	sg_nb_free(nb);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commits_visible_to_git),
		cmocka_unit_test(test_strip_outputs),
		cmocka_unit_test(test_log_read_restore),
		cmocka_unit_test(test_concurrent_saves_merge),
		cmocka_unit_test(test_percent_script_versioned),
		cmocka_unit_test(test_log_follows_renames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
