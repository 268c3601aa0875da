/* test_ansi.c — cleaning kernel output: colors to spans, escapes removed,
 * progress bars and backspaces applied, and the fuzz corpus replayed. */
#include "tests/testutil.h"
#include "core/ansi.h"
#include "tests/fuzz/fuzz_ansi.h"

/* Cleans s into t. */
static void clean(const char *s, struct sg_ansi_text *t)
{
	sg_ansi_clean(s, strlen(s), t);
}

static void test_plain_text_untouched(void **state)
{
	struct sg_ansi_text t;

	(void)state;
	assert_false(sg_ansi_needed("a\tb\nc", 5));
	clean("a\tb\nc é", &t);
	assert_string_equal(t.text, "a\tb\nc é");
	assert_int_equal(t.nspans, 0);
	sg_ansi_text_done(&t);
}

static void test_traceback_colors(void **state)
{
	struct sg_ansi_text t;

	(void)state;
	clean("\033[0;31mValueError\033[0m: bad \033[1;32m1\033[22m2\033[38;5;208mx\033[39m", &t);
	assert_string_equal(t.text, "ValueError: bad 12x");
	assert_int_equal(t.nspans, 4);
	assert_int_equal(t.spans[0].off, 0);
	assert_int_equal(t.spans[0].len, 10);
	assert_int_equal(t.spans[0].fg, 1);
	assert_int_equal(t.spans[0].bold, 0);
	assert_int_equal(t.spans[1].off, 16);   /* "1": bold green */
	assert_int_equal(t.spans[1].fg, 2);
	assert_int_equal(t.spans[1].bold, 1);
	assert_int_equal(t.spans[2].off, 17);   /* "2": green, not bold */
	assert_int_equal(t.spans[2].bold, 0);
	assert_int_equal(t.spans[3].fg, 208);
	sg_ansi_text_done(&t);
	clean("\033[91mA\033[38;2;255;0;0mB\033[m", &t);
	assert_string_equal(t.text, "AB");
	assert_int_equal(t.spans[0].fg, 9);
	assert_int_equal(t.spans[1].fg, 196);   /* pure red in the cube */
	sg_ansi_text_done(&t);
}

static void test_escapes_removed(void **state)
{
	struct sg_ansi_text t;

	(void)state;
	assert_true(sg_ansi_needed("\033[2J", 4));
	clean("\033]8;;http://x\033\\link\033]8;;\033\\ \033]0;title\a\033[2J\033[Hz\033(B\033[?25l!\033[", &t);
	assert_string_equal(t.text, "link z!");
	assert_int_equal(t.nspans, 0);
	sg_ansi_text_done(&t);
	clean("a\001\002\177b\033", &t);
	assert_string_equal(t.text, "ab");
	sg_ansi_text_done(&t);
}

static void test_progress_and_backspace(void **state)
{
	struct sg_ansi_text t;

	(void)state;
	clean(" 10%|#  |\r 50%|## |\r100%|###|\nnext\r\nend", &t);
	assert_string_equal(t.text, "100%|###|\nnext\nend");
	sg_ansi_text_done(&t);
	clean("ab\b\bc\bd\b\b\b\bé\b!", &t);
	assert_string_equal(t.text, "!");
	sg_ansi_text_done(&t);
	clean("x\n\033[31mred\rgo\033[0m", &t);
	assert_string_equal(t.text, "x\ngo");
	assert_int_equal(t.nspans, 1);
	assert_int_equal(t.spans[0].off, 2);
	assert_int_equal(t.spans[0].len, 2);
	sg_ansi_text_done(&t);
}

static void test_corpus(void **state)
{
	static const uint8_t one[] = { 0x1b };

	(void)state;
	assert_true(tu_replay_corpus("ansi", sg_fuzz_ansi) > 0);
	sg_fuzz_ansi(one, 0);
	sg_fuzz_ansi(one, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_untouched),
		cmocka_unit_test(test_traceback_colors),
		cmocka_unit_test(test_escapes_removed),
		cmocka_unit_test(test_progress_and_backspace),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
