/* test_keymap.c — key names, bind lines, lookups and the shipped defaults. */
#include "tests/testutil.h"
#include "core/keymap.h"
#include "core/util.h"

static const char *const contexts[] = {
	"global", "data", "notebooks", "monitor", "experiments", "help", "label", "scheme",
};

static void name_of(int key, char *buf)
{
	sg_key_name(key, buf, 32);
}

static void assert_round_trip(int key)
{
	char name[32];
	name_of(key, name);
	if (sg_key_parse(name) != key)
		fail_msg("key %d named '%s' parses as %d", key, name, sg_key_parse(name));
}

static void test_key_names(void **state)
{
	static const struct {
		int key;
		const char *name;
	} cases[] = {
		{ 'q', "q" }, { '?', "?" }, { '|', "|" }, { '<', "<" }, { '>', ">" },
		{ '#', "#" }, { '"', "\"" }, { '\\', "\\" }, { 0xE9, "\xC3\xA9" },
		{ 0x20AC, "\xE2\x82\xAC" }, { 0x1F600, "\xF0\x9F\x98\x80" },
		{ SG_KEY_TAB, "<Tab>" }, { SG_KEY_BTAB, "<S-Tab>" }, { SG_KEY_ENTER, "<Enter>" },
		{ SG_KEY_ESC, "<Esc>" }, { SG_KEY_SPACE, "<Space>" },
		{ SG_KEY_BACKSPACE, "<Backspace>" }, { SG_KEY_UP, "<Up>" }, { SG_KEY_DOWN, "<Down>" },
		{ SG_KEY_LEFT, "<Left>" }, { SG_KEY_RIGHT, "<Right>" }, { SG_KEY_PGUP, "<PgUp>" },
		{ SG_KEY_PGDN, "<PgDn>" }, { SG_KEY_HOME, "<Home>" }, { SG_KEY_END, "<End>" },
		{ SG_KEY_INSERT, "<Insert>" }, { SG_KEY_DELETE, "<Delete>" },
		{ SG_KEY_F1, "<F1>" }, { SG_KEY_F10, "<F10>" }, { SG_KEY_F12, "<F12>" },
		{ 1, "<C-a>" }, { 12, "<C-l>" }, { 26, "<C-z>" }, { 8, "<C-h>" }, { 0, "<C-@>" },
		{ 28, "<C-\\>" }, { 31, "<C-_>" }, { 0x85, "<U+0085>" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[32];
		name_of(cases[i].key, name);
		assert_string_equal(name, cases[i].name);
		assert_int_equal(sg_key_parse(cases[i].name), cases[i].key);
	}
}

static void test_key_round_trip_everything(void **state)
{
	for (int key = SG_KEY_UP; key <= SG_KEY_RESIZE; key++)
		assert_round_trip(key);
	for (int key = SG_KEY_S_UP; key <= SG_KEY_PASTE_END; key++)
		assert_round_trip(key);
	for (int f = 0; f < 12; f++)
		assert_round_trip(SG_KEY_F1 + f);
	for (int c = 1; c <= 26; c++)
		assert_round_trip(c);
	/* Every code point, including controls, C1 and surrogates. */
	for (int key = 0; key <= 0x10FFFF; key++)
		assert_round_trip(key);
}

static void test_key_parse_aliases_and_case(void **state)
{
	assert_int_equal(sg_key_parse("<enter>"), SG_KEY_ENTER);
	assert_int_equal(sg_key_parse("<RETURN>"), SG_KEY_ENTER);
	assert_int_equal(sg_key_parse("<c-L>"), 12);
	assert_int_equal(sg_key_parse("<f5>"), SG_KEY_F5);
	assert_int_equal(sg_key_parse("<C-i>"), SG_KEY_TAB);
	assert_int_equal(sg_key_parse("<C-[>"), SG_KEY_ESC);
	assert_int_equal(sg_key_parse("<PageDown>"), SG_KEY_PGDN);
	assert_int_equal(sg_key_parse("<U+e9>"), 0xE9);
	assert_int_equal(sg_key_parse(" "), SG_KEY_SPACE);
	assert_int_equal(sg_key_parse("\t"), SG_KEY_TAB);
	static const char *const bad[] = {
		"", "ab", "qq", "<>", "<<>", "<F0>", "<F13>", "<F01>", "<F1x>", "<C-1>", "<C-ab>",
		"<C->", "<Nope>", "F1", "<F1", "Tab", "<U+110000>", "<U+>", "<U+12345678>",
		"<U+zz>", "\xff", "\xC0\xAF", "\xED\xA0\x80", "\xC3", "\xC3\xA9x",
		"<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sg_key_parse(bad[i]) != -1)
			fail_msg("'%s' parsed as %d", bad[i], sg_key_parse(bad[i]));
	assert_int_equal(sg_key_parse(NULL), -1);
	char small[3];
	sg_key_name(SG_KEY_F1, small, sizeof small);
	assert_string_equal(small, "<F");
}

static void test_contexts(void **state)
{
	for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++)
		assert_true(sg_keymap_context_valid(contexts[i]));
	assert_false(sg_keymap_context_valid("Global"));
	assert_false(sg_keymap_context_valid(""));
	assert_false(sg_keymap_context_valid(NULL));
	assert_int_equal(sizeof contexts / sizeof contexts[0], SG_KEYMAP_CONTEXTS);
}

static void test_actions(void **state)
{
	for (int a = SG_ACTION_NONE + 1; a < SG_ACTION_COUNT; a++) {
		assert_non_null(sg_action_name(a));
		assert_non_null(sg_action_help(a));
		assert_int_equal(sg_action_lookup(sg_action_name(a)), a);
	}
	assert_null(sg_action_name(SG_ACTION_NONE));
	assert_null(sg_action_name(SG_ACTION_COUNT));
	assert_int_equal(sg_action_lookup("none"), SG_ACTION_NONE);
	assert_int_equal(sg_action_lookup("nope"), SG_ACTION_NONE);
	assert_string_equal(sg_action_name(SG_ACTION_PAGE_DOWN), "page-down");
}

static void test_defaults(void **state)
{
	struct sg_keymap km;
	char buf[128];
	sg_keymap_init(&km);
	sg_keymap_default(&km);
	/* Every action is reachable from the keyboard. */
	for (int a = SG_ACTION_NONE + 1; a < SG_ACTION_COUNT; a++) {
		/* in some context: pane actions are bound in their pane */
		static const char *const ctx[] = { "global", "data", "notebooks", "monitor",
						   "experiments", "label", "scheme" };
		buf[0] = '\0';
		for (size_t c = 0; c < sizeof ctx / sizeof ctx[0] && !buf[0]; c++)
			sg_keymap_keys_for(&km, ctx[c], a, buf, sizeof buf);
		if (!buf[0])
			fail_msg("action '%s' has no default key", sg_action_name(a));
	}
	assert_int_equal(sg_keymap_lookup(&km, "global", 'q'), SG_ACTION_QUIT);
	assert_int_equal(sg_keymap_lookup(&km, "data", SG_KEY_F3), SG_ACTION_PANE_MONITOR);
	assert_int_equal(sg_keymap_lookup(&km, "monitor", SG_KEY_BTAB), SG_ACTION_PREV_PANE);
	assert_int_equal(sg_keymap_lookup(&km, NULL, 12), SG_ACTION_REDRAW);
	assert_int_equal(sg_keymap_lookup(&km, "global", 'x'), SG_ACTION_NONE);
	sg_keymap_keys_for(&km, "global", SG_ACTION_PAGE_DOWN, buf, sizeof buf);
	assert_string_equal(buf, "<PgDn>, <C-f>, <Space>");
	sg_keymap_keys_for(&km, "global", SG_ACTION_SWAP_FOCUS, buf, sizeof buf);
	assert_string_equal(buf, "w, <C-w>");
	sg_keymap_keys_for(&km, "global", SG_ACTION_BACK, buf, sizeof buf);
	assert_string_equal(buf, "<Esc>, <Backspace>");
	/* sg_keymap_default replaces whatever km held. */
	size_t n = km.n;
	sg_keymap_default(&km);
	assert_int_equal(km.n, n);
	sg_keymap_done(&km);
	sg_keymap_done(&km);
}

static int parse(struct sg_keymap *km, const char *text, struct sg_error *err)
{
	return sg_keymap_parse(km, "my.keymap", text, strlen(text), err);
}

static void test_context_fallback_and_override(void **state)
{
	struct sg_keymap km;
	struct sg_error err;
	char buf[128];
	sg_keymap_init(&km);
	sg_keymap_default(&km);
	assert_int_equal(parse(&km,
			       "bind data <Enter> refresh\n"
			       "bind data x open\n"
			       "bind global j move-up\n"
			       "bind global j move-down\n"
			       "bind global \"#\" help\n"
			       "bind global \xC3\xA9 quit\n",
			       &err), 0);
	assert_int_equal(sg_keymap_lookup(&km, "data", SG_KEY_ENTER), SG_ACTION_REFRESH);
	assert_int_equal(sg_keymap_lookup(&km, "monitor", SG_KEY_ENTER), SG_ACTION_OPEN);
	assert_int_equal(sg_keymap_lookup(&km, "global", SG_KEY_ENTER), SG_ACTION_OPEN);
	assert_int_equal(sg_keymap_lookup(&km, "data", 'x'), SG_ACTION_OPEN);
	assert_int_equal(sg_keymap_lookup(&km, "global", 'x'), SG_ACTION_NONE);
	assert_int_equal(sg_keymap_lookup(&km, "data", 'j'), SG_ACTION_MOVE_DOWN);
	assert_int_equal(sg_keymap_lookup(&km, "data", '#'), SG_ACTION_HELP);
	assert_int_equal(sg_keymap_lookup(&km, "data", 0xE9), SG_ACTION_QUIT);
	/* A later line for the same context+key replaced, not added. */
	size_t js = 0;
	for (size_t i = 0; i < km.n; i++)
		js += km.b[i].key == 'j' && !strcmp(km.b[i].context, "global");
	assert_int_equal(js, 1);
	/* keys_for: the pane's keys first; a global key the pane rebinds is hidden. */
	sg_keymap_keys_for(&km, "data", SG_ACTION_OPEN, buf, sizeof buf);
	assert_string_equal(buf, "x");
	sg_keymap_keys_for(&km, "monitor", SG_ACTION_OPEN, buf, sizeof buf);
	assert_string_equal(buf, "<Enter>");
	sg_keymap_keys_for(&km, "global", SG_ACTION_QUIT, buf, sizeof buf);
	assert_string_equal(buf, "q, \xC3\xA9");
	/* A small buffer gets whole names only. */
	sg_keymap_keys_for(&km, "global", SG_ACTION_PAGE_DOWN, buf, 12);
	assert_string_equal(buf, "<PgDn>");
	sg_keymap_done(&km);
}

static void test_none_unbinds(void **state)
{
	struct sg_keymap km;
	struct sg_error err;
	char buf[64];
	sg_keymap_init(&km);
	sg_keymap_default(&km);
	size_t n = km.n;
	assert_int_equal(parse(&km, "bind global q none\nbind global <F9> none\n", &err), 0);
	assert_int_equal(km.n, n - 1);
	assert_int_equal(sg_keymap_lookup(&km, "global", 'q'), SG_ACTION_NONE);
	sg_keymap_keys_for(&km, "global", SG_ACTION_QUIT, buf, sizeof buf);
	assert_string_equal(buf, "");
	/* Unbinding in a pane does not touch the global binding. */
	assert_int_equal(parse(&km, "bind data x quit\nbind data x none\nbind data j none\n", &err),
			 0);
	assert_int_equal(sg_keymap_lookup(&km, "data", 'x'), SG_ACTION_NONE);
	assert_int_equal(sg_keymap_lookup(&km, "data", 'j'), SG_ACTION_MOVE_DOWN);
	/* Rebinding after none works. */
	assert_int_equal(parse(&km, "bind global q quit\n", &err), 0);
	assert_int_equal(sg_keymap_lookup(&km, "help", 'q'), SG_ACTION_QUIT);
	sg_keymap_done(&km);
}

static int same_keymap(const struct sg_keymap *a, const struct sg_keymap *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->b[i].key != b->b[i].key || a->b[i].action != b->b[i].action ||
		    strcmp(a->b[i].context, b->b[i].context))
			return 0;
	return 1;
}

static void expect_error(const char *text, const char *want)
{
	struct sg_keymap km, def;
	struct sg_error err;
	sg_keymap_init(&km);
	sg_keymap_init(&def);
	sg_keymap_default(&km);
	sg_keymap_default(&def);
	assert_int_equal(sg_keymap_parse(&km, "bad.keymap", text, strlen(text), &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_string_equal(err.msg, want);
	assert_true(same_keymap(&km, &def));
	sg_keymap_done(&km);
	sg_keymap_done(&def);
}

static void test_errors(void **state)
{
	expect_error("bind global q quit\nbind glbal q quit\n",
		     "bad.keymap:2:6: unknown context 'glbal' (global, data, notebooks, monitor, experiments, help, label, scheme)");
	expect_error("bind data <F13> quit\n", "bad.keymap:1:11: unknown key '<F13>'");
	expect_error("bind data xy quit\n", "bad.keymap:1:11: unknown key 'xy'");
	expect_error("bind data x qiut\n", "bad.keymap:1:13: unknown action 'qiut'");
	expect_error("bind data x\n", "bad.keymap:1:12: missing action (bind CONTEXT KEY ACTION)");
	expect_error("bind data\n", "bad.keymap:1:10: missing key (bind CONTEXT KEY ACTION)");
	expect_error("bind\n", "bad.keymap:1:5: missing context (bind CONTEXT KEY ACTION)");
	expect_error("bind data x quit now\n", "bad.keymap:1:18: unexpected 'now' after the action");
	expect_error("map data x quit\n",
		     "bad.keymap:1:1: unknown command 'map' (a keymap has only 'bind' lines)");
	/* All or nothing: the unbinding on line 1 must not stick. */
	expect_error("bind global q none\nbind global w split\nbind global\n",
		     "bad.keymap:3:12: missing key (bind CONTEXT KEY ACTION)");
	expect_error("bind global # quit\n", "bad.keymap:1:12: missing key (bind CONTEXT KEY ACTION)");
}

static void test_load(void **state)
{
	char *dir = tu_tempdir();
	struct sg_keymap km;
	struct sg_error err;
	sg_keymap_init(&km);
	sg_keymap_default(&km);
	char *missing = sg_xasprintf("%s/none.keymap", dir);
	assert_int_equal(sg_keymap_load(&km, missing, 1, &err), 0);
	assert_int_equal(sg_keymap_load(&km, missing, 0, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	char *path = tu_write(dir, "user.keymap", "\xEF\xBB\xBF# mine\r\nbind help x back\r\n");
	assert_int_equal(sg_keymap_load(&km, path, 1, &err), 0);
	assert_int_equal(sg_keymap_lookup(&km, "help", 'x'), SG_ACTION_BACK);
	free(path);
	path = tu_write(dir, "bad.keymap", "bind help y back\nbind help z\n");
	assert_int_equal(sg_keymap_load(&km, path, 1, &err), -1);
	char *want = sg_xasprintf("%s:2:12: missing action (bind CONTEXT KEY ACTION)", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(sg_keymap_lookup(&km, "help", 'y'), SG_ACTION_NONE);
	free(want);
	free(path);
	free(missing);
	sg_keymap_done(&km);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_key_round_trip_everything),
		cmocka_unit_test(test_key_parse_aliases_and_case),
		cmocka_unit_test(test_contexts),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_context_fallback_and_override),
		cmocka_unit_test(test_none_unbinds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
