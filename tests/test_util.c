/* test_util.c — errors, paths, atomic writes, formatting. */
#include "tests/testutil.h"
#include <errno.h>
#include <sys/stat.h>
#include "core/error.h"
#include "core/regex.h"
#include "core/util.h"

static void test_error_set_prefix_clear(void **state)
{
	struct sg_error err = { 0 };
	assert_int_equal(sg_error_set(&err, SG_E_PARSE, "%s:%d:%d: bad", "f", 3, 7), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_string_equal(err.msg, "f:3:7: bad");
	sg_error_prefix(&err, "loading %s", "theme");
	assert_string_equal(err.msg, "loading theme: f:3:7: bad");
	errno = ENOENT;
	sg_error_errno(&err, "cannot open %s", "x");
	assert_int_equal(err.code, SG_E_IO);
	assert_string_equal(err.msg, "cannot open x: No such file or directory");
	sg_error_clear(&err);
	assert_int_equal(err.code, SG_E_NONE);
	assert_string_equal(err.msg, "");
	assert_int_equal(sg_error_set(NULL, SG_E_IO, "ignored"), -1);
}

static void test_path_join(void **state)
{
	char *p = sg_path_join("/a/b/", "/c");
	assert_string_equal(p, "/a/b/c");
	free(p);
	p = sg_path_join("/", "x");
	assert_string_equal(p, "/x");
	free(p);
	p = sg_path_join("rel", "y/z");
	assert_string_equal(p, "rel/y/z");
	free(p);
}

static void test_mkdir_p_and_read_limits(void **state)
{
	char *dir = tu_tempdir();
	struct sg_error err = { 0 };
	char *deep = sg_path_join(dir, "a/b/c");
	assert_int_equal(sg_mkdir_p(deep, 0755, &err), 0);
	assert_true(sg_is_dir(deep));
	assert_int_equal(sg_mkdir_p(deep, 0755, &err), 0);
	char *file = tu_write(dir, "f", "0123456789");
	char *under_file = sg_path_join(file, "x");
	assert_int_equal(sg_mkdir_p(under_file, 0755, &err), -1);
	size_t n;
	char *data = sg_read_file(file, 100, &n, &err);
	assert_int_equal(n, 10);
	assert_string_equal(data, "0123456789");
	free(data);
	assert_null(sg_read_file(file, 5, &n, &err));
	assert_non_null(strstr(err.msg, "too large"));
	assert_null(sg_read_file(dir, 100, &n, &err));
	assert_null(sg_read_file("/nonexistent/x", 100, &n, &err));
	assert_int_equal(err.code, SG_E_IO);
	tu_rmtree(dir);
	free(dir); free(deep); free(file); free(under_file);
}

static void test_write_atomic_replaces_whole(void **state)
{
	char *dir = tu_tempdir();
	struct sg_error err = { 0 };
	char *path = sg_path_join(dir, "cfg");
	assert_int_equal(sg_write_atomic(path, "first", 5, 0640, &err), 0);
	struct stat st;
	stat(path, &st);
	ino_t first_inode = st.st_ino;
	assert_int_equal(sg_write_atomic(path, "second!", 7, 0640, &err), 0);
	size_t n;
	char *data = sg_read_file(path, 100, &n, &err);
	assert_string_equal(data, "second!");
	free(data);
	stat(path, &st);
	assert_true(st.st_ino != first_inode);   /* replaced by rename, not rewritten */
	/* No temp files left behind. */
	char *listing = sg_xasprintf("ls -A '%s' | wc -l", dir);
	FILE *p = popen(listing, "r");
	int count = 0;
	assert_int_equal(fscanf(p, "%d", &count), 1);
	pclose(p);
	assert_int_equal(count, 1);
	char *bad = sg_path_join(dir, "missing/cfg");
	assert_int_equal(sg_write_atomic(bad, "x", 1, 0644, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	tu_rmtree(dir);
	free(dir); free(path); free(listing); free(bad);
}

static void test_atomic_file_in_pieces(void **state)
{
	char *dir = tu_tempdir();
	struct sg_error err = { 0 };
	char *path = sg_path_join(dir, "out.csv");
	struct sg_atomic_file f;
	assert_int_equal(sg_atomic_open(&f, path, 0644, &err), 0);
	assert_int_equal(sg_atomic_write(&f, "a,b\n", 4, &err), 0);
	assert_int_equal(sg_atomic_write(&f, "1,2\n", 4, &err), 0);
	assert_false(sg_is_file(path));  /* nothing at path until the commit */
	assert_int_equal(sg_atomic_commit(&f, &err), 0);
	size_t n;
	char *data = sg_read_file(path, 100, &n, &err);
	assert_string_equal(data, "a,b\n1,2\n");
	free(data);
	/* An aborted rewrite leaves the old content and no temp file. */
	assert_int_equal(sg_atomic_open(&f, path, 0644, &err), 0);
	assert_int_equal(sg_atomic_write(&f, "half", 4, &err), 0);
	sg_atomic_abort(&f);
	data = sg_read_file(path, 100, &n, &err);
	assert_string_equal(data, "a,b\n1,2\n");
	free(data);
	char *listing = sg_xasprintf("ls -A '%s' | wc -l", dir);
	FILE *p = popen(listing, "r");
	int count = 0;
	assert_int_equal(fscanf(p, "%d", &count), 1);
	pclose(p);
	assert_int_equal(count, 1);
	tu_rmtree(dir);
	free(dir); free(path); free(listing);
}

static void test_formatting(void **state)
{
	char buf[32];
	sg_format_duration(5, buf, sizeof buf);
	assert_string_equal(buf, "5s");
	sg_format_duration(185, buf, sizeof buf);
	assert_string_equal(buf, "3m05s");
	sg_format_duration(3720, buf, sizeof buf);
	assert_string_equal(buf, "1h02m");
	sg_format_duration(90000, buf, sizeof buf);
	assert_string_equal(buf, "1d01h");
	sg_format_duration(-3, buf, sizeof buf);
	assert_string_equal(buf, "0s");
	sg_format_time(0, buf, sizeof buf);
	assert_string_equal(buf, "-");
	sg_format_time(1700000000.5, buf, sizeof buf);
	assert_int_equal(strlen(buf), 19);
	assert_true(sg_now() > 1700000000.0);
	assert_true(strlen(sg_username()) > 0);
	unsigned char a[16] = { 0 }, b[16] = { 0 };
	assert_int_equal(sg_random_bytes(a, sizeof a), 0);
	assert_int_equal(sg_random_bytes(b, sizeof b), 0);
	assert_memory_not_equal(a, b, sizeof a);
}

/* Patterns that would make regcomp build huge automata are refused first;
 * ordinary ones compile. */
static void test_regex_guard(void **state)
{
	static const char *const refused[] = {
		"((a{100}){100})", "(((){100}){100})", "a++", "a*{3}", "t{,29015}",
		"(x|(){99}){99}", "t{,29\\015}", "a{1,x}",
	};
	static const char *const fine[] = {
		"loss=([0-9.]+)", "(a{1,50})([0-9]{1,3})", "^(train|validation):.*$", "[{}]{3}",
		"a{,5}b", "x{2,}",
	};
	struct sg_error err = { 0 };
	regex_t re;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_int_equal(sg_regex_compile(&re, refused[i], REG_EXTENDED, "test", &err), -1);
		assert_non_null(strstr(err.msg, "too large"));
	}
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		assert_int_equal(sg_regex_compile(&re, fine[i], REG_EXTENDED, "test", &err), 0);
		regfree(&re);
	}
	assert_int_equal(sg_regex_compile(&re, "a(b", REG_EXTENDED, "metric", &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_non_null(strstr(err.msg, "metric: bad regex 'a(b'"));
}

static void test_buf(void **state)
{
	struct sg_buf b = { 0 };
	size_t len;
	char big[1000];

	(void)state;
	char *s = sg_buf_take(&b, &len);        /* nothing added: "" */
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	sg_buf_puts(&b, "ab");
	sg_buf_putc(&b, 'c');
	sg_buf_add(&b, "d\0e", 3);              /* bytes, NUL included */
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abcd\0e", 7);
	sg_buf_truncate(&b, 2);
	assert_string_equal(b.data, "ab");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	sg_buf_printf(&b, "-%d-%s", 42, big);  /* grows past the first block */
	assert_int_equal(b.len, 2 + 4 + sizeof big - 1);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data, "ab-42-xx", 8);
	s = sg_buf_take(&b, &len);
	assert_int_equal(len, strlen(s));
	assert_null(b.data);
	assert_int_equal(b.len + b.cap, 0);
	free(s);
	sg_buf_puts(&b, "y");
	sg_buf_done(&b);
	assert_null(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_set_prefix_clear),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_mkdir_p_and_read_limits),
		cmocka_unit_test(test_write_atomic_replaces_whole),
		cmocka_unit_test(test_atomic_file_in_pieces),
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_regex_guard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
