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

/* Strips s (a copy) and compares with want; also checks that cleaning
 * reads the same sequences (for text with no other controls). */
static void strip_is(const char *s, const char *want)
{
	char *copy = strdup(s);
	struct sg_ansi_text t;
	size_t n = sg_ansi_strip(copy, strlen(s));

	assert_int_equal(n, strlen(want));
	assert_string_equal(copy, want);
	clean(s, &t);
	assert_string_equal(t.text, want);
	sg_ansi_text_done(&t);
	free(copy);
}

static void test_sequence_kinds(void **state)
{
	(void)state;
	/* CSI with parameters, private markers and intermediates */
	strip_is("a\033[1;31mb\033[?1049hc\033[2 qd\033[>0;1;2ce", "abcde");
	/* a byte that cannot be in a CSI ends it and stays */
	strip_is("\033[31\nnext\033[12éx", "\nnexté" "x");
	/* OSC ended by BEL, by ST, by an ESC that starts the next sequence */
	strip_is("\033]0;title\aA\033]8;;u\033\\B\033]2;t\033[31mC", "ABC");
	/* DCS, SOS, PM and APC are strings like OSC */
	strip_is("\033Pq#0\033\\1\033X?\a2\033^pm\033\\3\033_apc\a4", "1234");
	/* two-byte and nF escapes; ESC before a control or UTF-8 goes alone */
	strip_is("\033(B1\0337\033c2\033\t3\033é", "12\t3é");
	/* cut off at the end: to the end */
	strip_is("ok\033", "ok");
	strip_is("ok\033[12;", "ok");
	strip_is("ok\033]0;ti", "ok");
	strip_is("ok\033(", "ok");
	/* C1 controls written in UTF-8: CSI, OSC ended by C1 ST, NEL alone */
	strip_is("a\302\2331mb\302\2352;t\302\234c\302\205d", "abcd");
	/* a C2 leading no character goes: no C1 made by joining */
	strip_is("\302\033[m\233x\302", "\233x");
	/* lone bytes 0x80-0x9f are (broken) UTF-8, not C1: left alone */
	strip_is("\304\233x\233y", "\304\233x\233y");
}

static void test_c1_sgr_and_needed(void **state)
{
	struct sg_ansi_text t;

	(void)state;
	assert_true(sg_ansi_needed("a\302\233m", 4));
	assert_false(sg_ansi_needed("\304\233", 2));
	clean("\302\23331mred\302\2330m", &t);
	assert_string_equal(t.text, "red");
	assert_int_equal(t.nspans, 1);
	assert_int_equal(t.spans[0].fg, 1);
	sg_ansi_text_done(&t);
	/* a lone C2 goes, so a removed sequence cannot join C2 and 0x9d */
	assert_true(sg_ansi_needed("\302x", 2));
	clean("\302\302\234\2350;t\a!", &t);
	assert_string_equal(t.text, "\2350;t!");
	assert_false(sg_ansi_needed(t.text, t.len));
	sg_ansi_text_done(&t);
	/* strip keeps the controls clean() interprets */
	char s[] = "a\rb\bc\033[m";
	assert_int_equal(sg_ansi_strip(s, strlen(s)), 5);
	assert_string_equal(s, "a\rb\bc");
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
		cmocka_unit_test(test_sequence_kinds),
		cmocka_unit_test(test_c1_sgr_and_needed),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
