/* test_corpus.c — replays tests/corpus/{theme,keymap,config}/ through the
 * fuzz entry points, so every `make check` (and a sanitizer build) re-runs
 * the nasty cases without needing libFuzzer. */
#include "tests/testutil.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_targets.h"

static void test_theme_corpus(void **state)
{
	assert_true(tu_replay_corpus("theme", sg_fuzz_theme) > 0);
}

static void test_keymap_corpus(void **state)
{
	assert_true(tu_replay_corpus("keymap", sg_fuzz_keymap) > 0);
}

static void test_config_corpus(void **state)
{
	assert_true(tu_replay_corpus("config", sg_fuzz_config) > 0);
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
