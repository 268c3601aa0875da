/* fuzz_targets.c — invariants checked after feeding arbitrary bytes to the
 * theme, keymap and config parsers.  An abort() here is a bug in core/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/config.h"
#include "core/keymap.h"
#include "core/theme.h"
#include "fuzz_targets.h"

#define ALL_ATTRS (SG_ATTR_BOLD | SG_ATTR_DIM | SG_ATTR_UNDERLINE | SG_ATTR_REVERSE | \
		   SG_ATTR_ITALIC | SG_ATTR_BLINK)

/* Aborts with a note, so a crash report says which invariant broke. */
static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A parse error must read "FILE:LINE:COL: message" with positive numbers. */
static void check_parse_error(const struct sg_error *err, const char *file)
{
	size_t len = strlen(file);
	check(err->code == SG_E_PARSE, "parse error code");
	check(strncmp(err->msg, file, len) == 0 && err->msg[len] == ':', "error names the file");
	const char *p = err->msg + len + 1;
	for (int part = 0; part < 2; part++) {
		check(is_digit(*p) && *p != '0', "error has a positive line and column");
		while (is_digit(*p))
			p++;
		check(*p == ':', "error has file:line:col:");
		p++;
	}
	check(*p == ' ' && p[1] != '\0', "error has a message");
}

/* Copies up to 32 leading bytes into a NUL-terminated word. */
static void first_word(const uint8_t *d, size_t n, char out[33])
{
	size_t len = n < 32 ? n : 32;
	memcpy(out, d, len);
	out[len] = '\0';
}

static void check_style(const struct sg_style *s)
{
	check(s->fg >= SG_COLOR_DEFAULT && s->fg <= 255, "foreground in range");
	check(s->bg >= SG_COLOR_DEFAULT && s->bg <= 255, "background in range");
	check((s->attrs & ~(unsigned)ALL_ATTRS) == 0, "known attributes only");
	check(sg_color_to8(s->fg) >= -1 && sg_color_to8(s->fg) <= 7, "to8 in range");
}

int sg_fuzz_theme(const uint8_t *d, size_t n)
{
	struct sg_theme def, t;
	struct sg_error err;
	char word[33];
	int color = 0;
	sg_theme_default(&def);
	t = def;
	if (sg_theme_parse(&t, "fuzz.theme", (const char *)d, n, &err) != 0) {
		check(memcmp(&t, &def, sizeof t) == 0, "failed parse leaves the theme unchanged");
		check_parse_error(&err, "fuzz.theme");
	} else {
		check(strcmp(t.name, "fuzz") == 0, "theme named after its file");
		for (int r = 0; r < SG_ROLE_COUNT; r++)
			check_style(&t.role[r]);
	}
	first_word(d, n, word);
	if (sg_color_parse(word, &color) == 0)
		check(color >= SG_COLOR_DEFAULT && color <= 255, "parsed color in range");
	return 0;
}

static int same_keymap(const struct sg_keymap *a, const struct sg_keymap *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->b[i].key != b->b[i].key || a->b[i].action != b->b[i].action ||
		    strcmp(a->b[i].context, b->b[i].context) != 0)
			return 0;
	return 1;
}

static void check_key_round_trip(int key)
{
	char name[32];
	sg_key_name(key, name, sizeof name);
	check(sg_key_parse(name) == key, "key name parses back to the key");
}

static void check_bindings(const struct sg_keymap *km)
{
	for (size_t i = 0; i < km->n; i++) {
		const struct sg_binding *b = &km->b[i];
		check(sg_keymap_context_valid(b->context), "binding context valid");
		check(sg_action_name(b->action) != NULL, "binding action real");
		check(sg_keymap_lookup(km, b->context, b->key) == b->action, "lookup finds binding");
		check_key_round_trip(b->key);
		for (size_t j = i + 1; j < km->n; j++)
			check(km->b[j].key != b->key || strcmp(km->b[j].context, b->context) != 0,
			      "one binding per context and key");
	}
}

/* The built-in keymap, parsed once: parsing it twice per input was nine
 * tenths of this harness's time. */
static void keymap_default_copy(struct sg_keymap *km)
{
	static struct sg_keymap once;
	static int ready;
	if (!ready) {
		sg_keymap_init(&once);
		sg_keymap_default(&once);
		ready = 1;
	}
	km->n = km->cap = once.n;
	km->b = malloc((once.n ? once.n : 1) * sizeof *km->b);
	check(km->b != NULL, "memory for the keymap");
	memcpy(km->b, once.b, once.n * sizeof *km->b);
}

int sg_fuzz_keymap(const uint8_t *d, size_t n)
{
	struct sg_keymap def, km;
	struct sg_error err;
	char word[33], keys[256];
	keymap_default_copy(&def);
	keymap_default_copy(&km);
	if (sg_keymap_parse(&km, "fuzz.keymap", (const char *)d, n, &err) != 0) {
		check(same_keymap(&km, &def), "failed parse leaves the keymap unchanged");
		check_parse_error(&err, "fuzz.keymap");
	} else {
		check_bindings(&km);
		sg_keymap_keys_for(&km, "data", SG_ACTION_QUIT, keys, sizeof keys);
		check(strlen(keys) < sizeof keys, "keys_for stays in its buffer");
	}
	first_word(d, n, word);
	int key = sg_key_parse(word);
	if (key >= 0)
		check_key_round_trip(key);
	sg_keymap_done(&km);
	sg_keymap_done(&def);
	return 0;
}

static int same_config(const struct sg_config *a, const struct sg_config *b)
{
	return strcmp(a->theme, b->theme) == 0 && a->lines == b->lines &&
	       strcmp(a->shared_group, b->shared_group) == 0 &&
	       a->refresh_seconds == b->refresh_seconds && a->max_jobs == b->max_jobs &&
	       a->log_rotate_mb == b->log_rotate_mb && a->log_cap_mb == b->log_cap_mb &&
	       a->nb_strip_outputs == b->nb_strip_outputs;
}

static void check_config_values(const struct sg_config *c)
{
	check(memchr(c->theme, '\0', sizeof c->theme) && c->theme[0], "theme set and terminated");
	check(memchr(c->shared_group, '\0', sizeof c->shared_group) != NULL, "group terminated");
	check(c->lines == SG_LINES_AUTO || c->lines == SG_LINES_UTF8 || c->lines == SG_LINES_ASCII,
	      "line drawing valid");
	check(c->refresh_seconds >= 1 && c->refresh_seconds <= 3600, "refresh in range");
	check(c->max_jobs >= 1 && c->max_jobs <= 64, "max-jobs in range");
}

int sg_fuzz_config(const uint8_t *d, size_t n)
{
	struct sg_config def, c, back;
	struct sg_error err;
	sg_config_default(&def);
	c = def;
	if (sg_config_parse(&c, "fuzz.config", (const char *)d, n, &err) != 0) {
		check(memcmp(&c, &def, sizeof c) == 0, "failed parse leaves the config unchanged");
		check_parse_error(&err, "fuzz.config");
		return 0;
	}
	check_config_values(&c);
	char *text = sg_config_format(&c);
	sg_config_default(&back);
	check(sg_config_parse(&back, "formatted", text, strlen(text), &err) == 0,
	      "formatted config parses");
	check(same_config(&c, &back), "formatted config reads back the same");
	free(text);
	return 0;
}
