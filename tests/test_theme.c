/* test_theme.c — theme files, color words and palette mapping. */
#include "tests/testutil.h"
#include "core/conf.h"
#include "core/theme.h"
#include "core/util.h"

#ifndef SG_SRCDIR
#define SG_SRCDIR "."
#endif

static const char *srcdir(void)
{
	const char *s = getenv("SG_TOP_SRCDIR");
	return s && *s ? s : SG_SRCDIR;
}

/* Reads a shipped file from the source tree; malloc'd. */
static char *read_shipped(const char *rel, size_t *len)
{
	struct sg_error err;
	char *path = sg_xasprintf("%s/%s", srcdir(), rel);
	char *buf = sg_read_file(path, 1 << 20, len, &err);
	if (!buf)
		fail_msg("%s", err.msg);
	free(path);
	return buf;
}

static int parse(struct sg_theme *t, const char *file, const char *text, struct sg_error *err)
{
	return sg_theme_parse(t, file, text, strlen(text), err);
}

/* Parses text on top of the default and expects the exact error, with the
 * theme left as the default. */
static void expect_error(const char *text, const char *want)
{
	struct sg_theme def, t;
	struct sg_error err;
	sg_theme_default(&def);
	t = def;
	assert_int_equal(parse(&t, "bad.theme", text, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_string_equal(err.msg, want);
	assert_memory_equal(&t, &def, sizeof t);
}

static int roles_seen[SG_ROLE_COUNT];

static int count_role(const struct sg_conf_line *l, void *ud, struct sg_error *err)
{
	int r = l->argc > 1 ? sg_role_lookup(l->argv[1]) : -1;
	if (r >= 0)
		roles_seen[r]++;
	return 0;
}

static void test_default_sets_every_role(void **state)
{
	size_t len;
	char *text = read_shipped("themes/default.theme", &len);
	struct sg_error err;
	memset(roles_seen, 0, sizeof roles_seen);
	assert_int_equal(sg_conf_parse("default.theme", text, len, count_role, NULL, &err), 0);
	for (int r = 0; r < SG_ROLE_COUNT; r++)
		if (roles_seen[r] != 1)
			fail_msg("default.theme sets role '%s' %d times", sg_role_name(r), roles_seen[r]);
	free(text);
}

static void test_builtin_matches_file(void **state)
{
	struct sg_theme def, blank;
	struct sg_error err;
	size_t len;
	sg_theme_default(&def);
	assert_string_equal(def.name, "default");
	memset(&blank, 0, sizeof blank);
	char *text = read_shipped("themes/default.theme", &len);
	assert_int_equal(sg_theme_parse(&blank, "default.theme", text, len, &err), 0);
	assert_memory_equal(&blank, &def, sizeof def);
	free(text);
	/* A few values the rest of the program relies on. */
	assert_int_equal(def.role[SG_ROLE_NORMAL].fg, SG_COLOR_DEFAULT);
	assert_int_equal(def.role[SG_ROLE_NORMAL].bg, SG_COLOR_DEFAULT);
}

static void test_shipped_themes_parse(void **state)
{
	static const char *const names[] = { "default", "light", "high-contrast", "mono" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct sg_theme t;
		struct sg_error err;
		size_t len;
		char *rel = sg_xasprintf("themes/%s.theme", names[i]);
		char *text = read_shipped(rel, &len);
		sg_theme_default(&t);
		if (sg_theme_parse(&t, rel, text, len, &err) != 0)
			fail_msg("%s", err.msg);
		assert_string_equal(t.name, names[i]);
		free(text);
		free(rel);
	}
}

static void test_mono_is_attributes_only(void **state)
{
	struct sg_theme t;
	struct sg_error err;
	char *dir = sg_xasprintf("%s/themes", srcdir());
	const char *dirs[] = { dir, NULL };
	assert_int_equal(sg_theme_load(&t, "mono", dirs, &err), 0);
	for (int r = 0; r < SG_ROLE_COUNT; r++) {
		assert_int_equal(t.role[r].fg, SG_COLOR_DEFAULT);
		assert_int_equal(t.role[r].bg, SG_COLOR_DEFAULT);
		if (t.role[r].attrs != sg_role_mono_attrs(r))
			fail_msg("mono.theme role %s differs from its mono attributes", sg_role_name(r));
	}
	free(dir);
}

static void test_parse_values(void **state)
{
	struct sg_theme t;
	struct sg_error err;
	sg_theme_default(&t);
	struct sg_style before_title = t.role[SG_ROLE_TITLE];
	assert_int_equal(parse(&t, "/x/y/mine.theme",
			       "# comment\n"
			       "color status white blue bold underline\n"
			       "color error  #ff0000 default reverse\n"
			       "color key    bright-red color17 italic dim blink\n"
			       "color ok     42 \"default\"\n"
			       "color ok     2  default\n",
			       &err), 0);
	assert_string_equal(t.name, "mine");
	assert_int_equal(t.role[SG_ROLE_STATUS].fg, 7);
	assert_int_equal(t.role[SG_ROLE_STATUS].bg, 4);
	assert_int_equal(t.role[SG_ROLE_STATUS].attrs, SG_ATTR_BOLD | SG_ATTR_UNDERLINE);
	assert_int_equal(t.role[SG_ROLE_ERROR].fg, 196);
	assert_int_equal(t.role[SG_ROLE_ERROR].bg, SG_COLOR_DEFAULT);
	assert_int_equal(t.role[SG_ROLE_ERROR].attrs, SG_ATTR_REVERSE);
	assert_int_equal(t.role[SG_ROLE_KEY].fg, 9);
	assert_int_equal(t.role[SG_ROLE_KEY].bg, 17);
	assert_int_equal(t.role[SG_ROLE_KEY].attrs, SG_ATTR_ITALIC | SG_ATTR_DIM | SG_ATTR_BLINK);
	/* A later line for the same role wins. */
	assert_int_equal(t.role[SG_ROLE_OK].fg, 2);
	/* Roles not mentioned keep their value. */
	assert_memory_equal(&t.role[SG_ROLE_TITLE], &before_title, sizeof before_title);
}

static void test_errors_point_at_the_word(void **state)
{
	expect_error("# bad\n\ncolor normal purpel default\n",
		     "bad.theme:3:14: unknown color 'purpel'");
	expect_error("color  normal red bleu\n", "bad.theme:1:19: unknown color 'bleu'");
	expect_error("color nromal red blue\n", "bad.theme:1:7: unknown role 'nromal'");
	expect_error("color normal color999999999999 red\n",
		     "bad.theme:1:14: color number 'color999999999999' is out of range (0-255)");
	expect_error("color normal red 256\n",
		     "bad.theme:1:18: color number '256' is out of range (0-255)");
	expect_error("color normal -1 red\n",
		     "bad.theme:1:14: color number '-1' is out of range (0-255)");
	expect_error("color normal \"#zzzzzz\" red\n",
		     "bad.theme:1:14: bad color '#zzzzzz' (expected #rrggbb)");
	/* Bare, only "#" + six hex digits is a color: the rest is a comment. */
	expect_error("color normal #zzzzzz red\n", "bad.theme:1:13: missing foreground color");
	expect_error("color normal red blue bold blod\n",
		     "bad.theme:1:28: unknown attribute 'blod' (bold, dim, underline, reverse, italic, blink)");
	expect_error("color normal red\n", "bad.theme:1:17: missing background color");
	expect_error("color normal\n", "bad.theme:1:13: missing foreground color");
	expect_error("color\n",
		     "bad.theme:1:6: missing role (color ROLE FOREGROUND BACKGROUND [ATTRIBUTE...])");
	expect_error("colour normal red blue\n",
		     "bad.theme:1:1: unknown command 'colour' (a theme has only 'color' lines)");
	expect_error("color normal \"red\n", "bad.theme:1:14: unterminated quote");
}

static void test_all_or_nothing(void **state)
{
	/* Good lines before the bad one must not stick. */
	expect_error("color normal red blue\ncolor title green black\ncolor ok purpel red\n",
		     "bad.theme:3:10: unknown color 'purpel'");
	/* Nor a name change. */
	struct sg_theme t;
	struct sg_error err;
	sg_theme_default(&t);
	assert_int_equal(parse(&t, "other.theme", "color x y z\n", &err), -1);
	assert_string_equal(t.name, "default");
}

static void test_color_parse(void **state)
{
	static const struct {
		const char *word;
		int want;
	} ok[] = {
		{ "default", -1 }, { "black", 0 }, { "red", 1 }, { "white", 7 },
		{ "bright-black", 8 }, { "bright-red", 9 }, { "bright-white", 15 },
		{ "color0", 0 }, { "color255", 255 }, { "0", 0 }, { "255", 255 }, { "007", 7 },
		{ "#000000", 16 }, { "#ffffff", 231 }, { "#FFFFFF", 231 }, { "#ff0000", 196 },
		{ "#00ff00", 46 }, { "#0000ff", 21 }, { "#808080", 244 }, { "#5f87af", 67 },
		{ "#ff8700", 208 }, { "#eeeeee", 255 }, { "#080808", 232 }, { "#010101", 16 },
	};
	static const char *const bad[] = {
		"", "Red", "bright-", "bright-bright-red", "color", "color256", "256", "-1",
		"color-1", "color999999999999", "99999999999999999999", "#zzzzzz", "#fff",
		"#fffffff", "#", "1.5", "0x10", "purpel", "default ", " red",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int c = -99;
		if (sg_color_parse(ok[i].word, &c) != 0 || c != ok[i].want)
			fail_msg("'%s' gave %d, want %d", ok[i].word, c, ok[i].want);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int c = -99;
		if (sg_color_parse(bad[i], &c) == 0)
			fail_msg("'%s' parsed as %d", bad[i], c);
		assert_int_equal(c, -99);
	}
}

static void test_color_to8(void **state)
{
	for (int c = 0; c < 8; c++)
		assert_int_equal(sg_color_to8(c), c);
	for (int c = 8; c < 16; c++)
		assert_int_equal(sg_color_to8(c), c - 8);
	assert_int_equal(sg_color_to8(16), 0);    /* cube black */
	assert_int_equal(sg_color_to8(196), 1);   /* pure red */
	assert_int_equal(sg_color_to8(46), 2);    /* pure green */
	assert_int_equal(sg_color_to8(226), 3);   /* pure yellow */
	assert_int_equal(sg_color_to8(21), 4);    /* pure blue */
	assert_int_equal(sg_color_to8(201), 5);   /* pure magenta */
	assert_int_equal(sg_color_to8(51), 6);    /* pure cyan */
	assert_int_equal(sg_color_to8(231), 7);   /* cube white */
	assert_int_equal(sg_color_to8(232), 0);   /* darkest gray */
	assert_int_equal(sg_color_to8(255), 7);   /* lightest gray */
	assert_int_equal(sg_color_to8(208), 3);   /* orange → yellow */
	assert_int_equal(sg_color_to8(SG_COLOR_DEFAULT), SG_COLOR_DEFAULT);
	assert_int_equal(sg_color_to8(256), SG_COLOR_DEFAULT);
	for (int c = 0; c < 256; c++) {
		int b = sg_color_to8(c);
		assert_true(b >= 0 && b <= 7);
	}
}

static void test_roles(void **state)
{
	for (int r = 0; r < SG_ROLE_COUNT; r++)
		assert_int_equal(sg_role_lookup(sg_role_name(r)), r);
	assert_int_equal(sg_role_lookup("nope"), -1);
	assert_int_equal(sg_role_lookup(NULL), -1);
	assert_null(sg_role_name(SG_ROLE_COUNT));
	assert_string_equal(sg_role_name(SG_ROLE_TAB_ACTIVE), "tab-active");
	assert_int_equal(sg_role_mono_attrs(SG_ROLE_SELECTED), SG_ATTR_REVERSE);
}

static void test_load(void **state)
{
	char *a = tu_tempdir(), *b = tu_tempdir();
	const char *dirs[] = { a, b, NULL };
	struct sg_theme t, def;
	struct sg_error err;
	sg_theme_default(&def);
	free(tu_write(a, "first.theme", "color normal red default\n"));
	free(tu_write(b, "first.theme", "color normal green default\n"));
	free(tu_write(b, "second.theme", "color normal blue default\n"));
	char *bad = tu_write(b, "broken.theme", "color normal red default\n\ncolor ok x y\n");

	assert_int_equal(sg_theme_load(&t, "first", dirs, &err), 0);
	assert_string_equal(t.name, "first");
	assert_int_equal(t.role[SG_ROLE_NORMAL].fg, 1);   /* first folder wins */
	assert_int_equal(t.role[SG_ROLE_TITLE].fg, def.role[SG_ROLE_TITLE].fg);
	assert_int_equal(sg_theme_load(&t, "second", dirs, &err), 0);
	assert_int_equal(t.role[SG_ROLE_NORMAL].fg, 4);

	/* A path, with the name from its base name. */
	assert_int_equal(sg_theme_load(&t, bad, dirs, &err), -1);
	char *want = sg_xasprintf("%s:3:10: unknown color 'x'", bad);
	assert_string_equal(err.msg, want);
	assert_memory_equal(&t, &def, sizeof t);
	free(want);
	char *path = sg_xasprintf("%s/second.theme", b);
	assert_int_equal(sg_theme_load(&t, path, NULL, &err), 0);
	assert_string_equal(t.name, "second");
	free(path);

	/* default needs no file, even with no folders. */
	assert_int_equal(sg_theme_load(&t, "default", NULL, &err), 0);
	assert_memory_equal(&t, &def, sizeof t);

	assert_int_equal(sg_theme_load(&t, "nosuch", dirs, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	want = sg_xasprintf("theme 'nosuch' not found (looked in %s, %s)", a, b);
	assert_string_equal(err.msg, want);
	assert_memory_equal(&t, &def, sizeof t);
	free(want);
	assert_int_equal(sg_theme_load(&t, "nosuch", NULL, &err), -1);
	assert_string_equal(err.msg, "theme 'nosuch' not found (no theme folders)");

	path = sg_xasprintf("%s/missing.theme", a);
	assert_int_equal(sg_theme_load(&t, path, dirs, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	assert_memory_equal(&t, &def, sizeof t);
	free(path);
	assert_int_equal(sg_theme_load(&t, "", dirs, &err), -1);

	free(bad);
	tu_rmtree(a);
	tu_rmtree(b);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_sets_every_role),
		cmocka_unit_test(test_builtin_matches_file),
		cmocka_unit_test(test_shipped_themes_parse),
		cmocka_unit_test(test_mono_is_attributes_only),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_errors_point_at_the_word),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_color_parse),
		cmocka_unit_test(test_color_to8),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
