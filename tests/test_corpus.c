/* test_corpus.c — replays tests/corpus/{theme,keymap,config}/ through the
 * fuzz entry points, so every `make check` (and a sanitizer build) re-runs
 * the nasty cases without needing libFuzzer. */
#include <dirent.h>
#include "tests/testutil.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_targets.h"

#ifndef SG_SRCDIR
#define SG_SRCDIR "."
#endif

static const char *srcdir(void)
{
	const char *s = getenv("SG_TOP_SRCDIR");
	return s && *s ? s : SG_SRCDIR;
}

/* Feeds every regular file of tests/corpus/NAME to fn; returns how many. */
static int replay(const char *name, int (*fn)(const uint8_t *, size_t))
{
	char *dir = sg_xasprintf("%s/tests/corpus/%s", srcdir(), name);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *path = sg_path_join(dir, e->d_name);
		struct sg_error err;
		size_t len;
		if (!sg_is_file(path)) {
			free(path);
			continue;
		}
		char *buf = sg_read_file(path, 1 << 20, &len, &err);
		if (!buf)
			fail_msg("%s", err.msg);
		/* An exact-size copy, so reading past len is caught by ASan as the
		 * fuzzer would catch it (sg_read_file adds a NUL after the data). */
		uint8_t *exact = malloc(len ? len : 1);
		assert_non_null(exact);
		memcpy(exact, buf, len);
		fn(exact, len);
		free(exact);
		free(buf);
		free(path);
		count++;
	}
	closedir(d);
	free(dir);
	return count;
}

static void test_theme_corpus(void **state)
{
	assert_true(replay("theme", sg_fuzz_theme) > 0);
}

static void test_keymap_corpus(void **state)
{
	assert_true(replay("keymap", sg_fuzz_keymap) > 0);
}

static void test_config_corpus(void **state)
{
	assert_true(replay("config", sg_fuzz_config) > 0);
}

/* The targets must also hold up on the degenerate inputs. */
static void test_empty_inputs(void **state)
{
	static const uint8_t one[] = { 0 };
	sg_fuzz_theme(one, 0);
	sg_fuzz_keymap(one, 0);
	sg_fuzz_config(one, 0);
	sg_fuzz_theme(one, 1);
	sg_fuzz_keymap(one, 1);
	sg_fuzz_config(one, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_theme_corpus),
		cmocka_unit_test(test_keymap_corpus),
		cmocka_unit_test(test_config_corpus),
		cmocka_unit_test(test_empty_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
