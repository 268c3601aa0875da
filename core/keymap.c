/* keymap.c — key names, `bind` lines and lookups with context fallback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/conf.h"
#include "core/keymap.h"
#include "core/util.h"

/* Generated from themes/default.keymap by build-aux/embed.sh. */
extern const char sg_builtin_keymap[];

#define KEYMAP_MAX_BYTES (1u << 20)
#define KEY_MAX_CODEPOINT 0x10FFFF

static const char *const contexts[] = {
	"global", "data", "notebooks", "monitor", "experiments", "help",
	"label", "scheme",
};

/* Named keys.  sg_key_name prints the first entry for a code, so each
 * canonical name comes before its aliases.  Lowercase: names are matched
 * case-insensitively (<enter>, <ENTER>, <Enter>). */
static const struct {
	const char *name;
	const char *lower;
	int key;
} named[] = {
	{ "Tab", "tab", SG_KEY_TAB },
	{ "S-Tab", "s-tab", SG_KEY_BTAB },
	{ "Enter", "enter", SG_KEY_ENTER },
	{ "Esc", "esc", SG_KEY_ESC },
	{ "Space", "space", SG_KEY_SPACE },
	{ "Backspace", "backspace", SG_KEY_BACKSPACE },
	{ "Up", "up", SG_KEY_UP },
	{ "Down", "down", SG_KEY_DOWN },
	{ "Left", "left", SG_KEY_LEFT },
	{ "Right", "right", SG_KEY_RIGHT },
	{ "PgUp", "pgup", SG_KEY_PGUP },
	{ "PgDn", "pgdn", SG_KEY_PGDN },
	{ "Home", "home", SG_KEY_HOME },
	{ "End", "end", SG_KEY_END },
	{ "Insert", "insert", SG_KEY_INSERT },
	{ "Delete", "delete", SG_KEY_DELETE },
	{ "Resize", "resize", SG_KEY_RESIZE },
	{ "S-Up", "s-up", SG_KEY_S_UP },
	{ "S-Down", "s-down", SG_KEY_S_DOWN },
	{ "S-Left", "s-left", SG_KEY_S_LEFT },
	{ "S-Right", "s-right", SG_KEY_S_RIGHT },
	{ "S-Home", "s-home", SG_KEY_S_HOME },
	{ "S-End", "s-end", SG_KEY_S_END },
	{ "PasteBegin", "pastebegin", SG_KEY_PASTE_BEGIN },
	{ "PasteEnd", "pasteend", SG_KEY_PASTE_END },
	{ "S-Enter", "s-enter", SG_KEY_S_ENTER },
	{ "C-Enter", "c-enter", SG_KEY_C_ENTER },
	/* aliases, accepted but never printed */
	{ "Return", "return", SG_KEY_ENTER },
	{ "Escape", "escape", SG_KEY_ESC },
	{ "PageUp", "pageup", SG_KEY_PGUP },
	{ "PageDown", "pagedown", SG_KEY_PGDN },
	{ "Del", "del", SG_KEY_DELETE },
};
#define N_NAMED (sizeof named / sizeof named[0])

/* Control codes that are not C-a..C-z, as the character after "C-". */
static const char ctrl_punct[] = { 0, '@', 27, '[', 28, '\\', 29, ']', 30, '^', 31, '_' };

/* ---- UTF-8 ------------------------------------------------------------- */

/* Decodes the one code point that must make up all of s; -1 when s is
 * empty, longer than one character or not valid UTF-8. */
static int decode_single(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), len;
	int cp, min;
	if (n == 0)
		return -1;
	if (u[0] < 0x80)
		return n == 1 ? u[0] : -1;
	if (u[0] >= 0xC2 && u[0] <= 0xDF)
		len = 2, min = 0x80;
	else if (u[0] >= 0xE0 && u[0] <= 0xEF)
		len = 3, min = 0x800;
	else if (u[0] >= 0xF0 && u[0] <= 0xF4)
		len = 4, min = 0x10000;
	else
		return -1;
	if (n != len)
		return -1;
	cp = u[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (u[i] & 0x3F);
	}
	if (cp < min || cp > KEY_MAX_CODEPOINT || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	return cp;
}

/* Encodes cp (a valid scalar value) as UTF-8 plus NUL into out[5]. */
static void encode(int cp, char out[5])
{
	unsigned c = (unsigned)cp;
	if (c < 0x80) {
		out[0] = (char)c;
		out[1] = '\0';
	} else if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		out[2] = '\0';
	} else if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		out[3] = '\0';
	} else {
		out[0] = (char)(0xF0 | (c >> 18));
		out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[3] = (char)(0x80 | (c & 0x3F));
		out[4] = '\0';
	}
}

/* ---- key names --------------------------------------------------------- */

/* Code points printed as <U+XXXX> rather than raw: C1 controls and
 * surrogates, which a terminal would interpret or cannot show. */
static int needs_codepoint_name(int key)
{
	return (key >= 0x80 && key <= 0x9F) || (key >= 0xD800 && key <= 0xDFFF);
}

/* Names a key that has no entry in the tables into tmp[16]. */
static void name_unnamed(int key, char tmp[16])
{
	if (key >= SG_KEY_F1 && key <= SG_KEY_F12)
		snprintf(tmp, 16, "<F%d>", key - SG_KEY_F1 + 1);
	else if (key >= 1 && key <= 26)
		snprintf(tmp, 16, "<C-%c>", 'a' + key - 1);
	else if (needs_codepoint_name(key))
		snprintf(tmp, 16, "<U+%04X>", (unsigned)key);
	else if (key >= 0 && key <= KEY_MAX_CODEPOINT)
		encode(key, tmp);
	else
		snprintf(tmp, 16, "<?>");
}

void sg_key_name(int key, char *buf, size_t n)
{
	char tmp[16];
	if (!buf || n == 0)
		return;
	tmp[0] = '\0';
	if (key > 0 && (key & SG_KEY_ALT)) {
		char base[16];
		sg_key_name(key & ~SG_KEY_ALT, base, sizeof base);
		snprintf(buf, n, "<M-%.*s>", base[0] == '<' ? (int)strlen(base) - 2 : (int)strlen(base),
			 base[0] == '<' ? base + 1 : base);
		return;
	}
	for (size_t i = 0; i < N_NAMED && !tmp[0]; i++)
		if (named[i].key == key)
			snprintf(tmp, sizeof tmp, "<%s>", named[i].name);
	for (size_t i = 0; i < sizeof ctrl_punct && !tmp[0]; i += 2)
		if (ctrl_punct[i] == key)
			snprintf(tmp, sizeof tmp, "<C-%c>", ctrl_punct[i + 1]);
	if (!tmp[0])
		name_unnamed(key, tmp);
	snprintf(buf, n, "%s", tmp);
}

/* Parses the inside of <...>, already lowercased. */
static int parse_bracketed(const char *in)
{
	for (size_t i = 0; i < N_NAMED; i++)
		if (strcmp(named[i].lower, in) == 0)
			return named[i].key;
	if (in[0] == 'f' && in[1] >= '1' && in[1] <= '9') {
		int f = in[1] - '0';
		if (in[2] >= '0' && in[2] <= '9' && !in[3])
			f = f * 10 + in[2] - '0';
		else if (in[2])
			return -1;
		return f <= 12 ? SG_KEY_F1 + f - 1 : -1;
	}
	if (in[0] == 'c' && in[1] == '-' && in[2] && !in[3]) {
		if (in[2] >= 'a' && in[2] <= 'z')
			return in[2] - 'a' + 1;
		for (size_t i = 0; i < sizeof ctrl_punct; i += 2)
			if (ctrl_punct[i + 1] == in[2])
				return ctrl_punct[i];
		return -1;
	}
	if (in[0] == 'u' && in[1] == '+') {
		size_t len = strlen(in + 2);
		if (len < 1 || len > 6 || strspn(in + 2, "0123456789abcdef") != len)
			return -1;
		long cp = strtol(in + 2, NULL, 16);
		return cp <= KEY_MAX_CODEPOINT ? (int)cp : -1;
	}
	return -1;
}

int sg_key_parse(const char *word)
{
	char in[16];
	if (!word)
		return -1;
	int cp = decode_single(word);
	if (cp >= 0)
		return cp;
	size_t len = strlen(word);
	if (len < 3 || word[0] != '<' || word[len - 1] != '>' || len - 2 >= sizeof in)
		return -1;
	for (size_t i = 0; i < len - 2; i++) {
		char c = word[i + 1];
		in[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	in[len - 2] = '\0';
	return parse_bracketed(in);
}

int sg_keymap_context_valid(const char *context)
{
	for (size_t i = 0; context && i < sizeof contexts / sizeof contexts[0]; i++)
		if (strcmp(contexts[i], context) == 0)
			return 1;
	return 0;
}

/* ---- the binding table ------------------------------------------------- */

void sg_keymap_init(struct sg_keymap *km)
{
	km->b = NULL;
	km->n = km->cap = 0;
}

void sg_keymap_done(struct sg_keymap *km)
{
	free(km->b);
	sg_keymap_init(km);
}

static struct sg_binding *find(const struct sg_keymap *km, const char *context, int key)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].key == key && strcmp(km->b[i].context, context) == 0)
			return &km->b[i];
	return NULL;
}

/* Sets or (with SG_ACTION_NONE) removes the binding of key in context.  A
 * replaced binding keeps its place so `keys_for` lists keys in file order. */
static void bind(struct sg_keymap *km, const char *context, int key, enum sg_action a)
{
	struct sg_binding *b = find(km, context, key);
	if (b && a == SG_ACTION_NONE) {
		size_t i = (size_t)(b - km->b);
		memmove(b, b + 1, (km->n - i - 1) * sizeof *b);
		km->n--;
		return;
	}
	if (b) {
		b->action = a;
		return;
	}
	if (a == SG_ACTION_NONE)
		return;
	if (km->n == km->cap) {
		km->cap = km->cap ? km->cap * 2 : 64;
		km->b = sg_xrealloc(km->b, km->cap * sizeof *km->b);
	}
	b = &km->b[km->n++];
	memset(b, 0, sizeof *b);
	snprintf(b->context, sizeof b->context, "%s", context);
	b->key = key;
	b->action = a;
}

/* Interprets `bind CONTEXT KEY ACTION` into the keymap passed as ud. */
static int keymap_line(const struct sg_conf_line *l, void *ud, struct sg_error *err)
{
	static const char *const missing[] = { "", "context", "key", "action" };
	if (strcmp(l->argv[0], "bind") != 0)
		return sg_conf_error(err, l, 0, "unknown command '%s' (a keymap has only 'bind' lines)",
				     l->argv[0]);
	if (l->argc < 4)
		return sg_conf_error(err, l, l->argc, "missing %s (bind CONTEXT KEY ACTION)",
				     missing[l->argc]);
	if (l->argc > 4)
		return sg_conf_error(err, l, 4, "unexpected '%s' after the action", l->argv[4]);
	if (!sg_keymap_context_valid(l->argv[1]))
		return sg_conf_error(err, l, 1,
				     "unknown context '%s' (global, data, notebooks, monitor, experiments, help, label, scheme)",
				     l->argv[1]);
	int key = sg_key_parse(l->argv[2]);
	if (key < 0)
		return sg_conf_error(err, l, 2, "unknown key '%s'", l->argv[2]);
	enum sg_action a = SG_ACTION_NONE;
	if (strcmp(l->argv[3], "none") != 0) {
		a = sg_action_lookup(l->argv[3]);
		if (a == SG_ACTION_NONE)
			return sg_conf_error(err, l, 3, "unknown action '%s'", l->argv[3]);
	}
	bind(ud, l->argv[1], key, a);
	return 0;
}

int sg_keymap_parse(struct sg_keymap *km, const char *file, const char *buf, size_t len,
		    struct sg_error *err)
{
	/* Why a copy: all or nothing — a bad line must not leave earlier lines of
	 * the same file applied. */
	struct sg_keymap tmp = { NULL, km->n, km->n };
	if (km->n) {
		tmp.b = sg_xmalloc(km->n * sizeof *km->b);
		memcpy(tmp.b, km->b, km->n * sizeof *km->b);
	}
	if (sg_conf_parse(file, buf, len, keymap_line, &tmp, err) != 0) {
		sg_keymap_done(&tmp);
		return -1;
	}
	sg_keymap_done(km);
	*km = tmp;
	return 0;
}

/* km must be initialized (sg_keymap_init or zeroed); its bindings are
 * replaced by the compiled-in ones. */
void sg_keymap_default(struct sg_keymap *km)
{
	struct sg_error err;
	sg_keymap_done(km);
	if (sg_keymap_parse(km, "default.keymap", sg_builtin_keymap, strlen(sg_builtin_keymap),
			    &err) != 0) {
		/* Programming error: the shipped file is compiled in and tested. */
		fprintf(stderr, "sagetty: built-in keymap does not parse: %s\n", err.msg);
		abort();
	}
}

int sg_keymap_load(struct sg_keymap *km, const char *path, int optional, struct sg_error *err)
{
	struct stat st;
	size_t len;
	if (optional && stat(path, &st) != 0 && errno == ENOENT)
		return 0;
	char *buf = sg_read_file(path, KEYMAP_MAX_BYTES, &len, err);
	if (!buf)
		return -1;
	int rc = sg_keymap_parse(km, path, buf, len, err);
	free(buf);
	return rc;
}

static enum sg_action action_in(const struct sg_keymap *km, const char *context, int key)
{
	const struct sg_binding *b = find(km, context, key);
	return b ? b->action : SG_ACTION_NONE;
}

enum sg_action sg_keymap_lookup(const struct sg_keymap *km, const char *context, int key)
{
	if (context && strcmp(context, "global") != 0) {
		enum sg_action a = action_in(km, context, key);
		if (a != SG_ACTION_NONE)
			return a;
	}
	return action_in(km, "global", key);
}

/* Appends ", name" (or name first) to buf when all of it fits. */
static void append_key(char *buf, size_t n, int key)
{
	char name[16];
	size_t used = strlen(buf);
	sg_key_name(key, name, sizeof name);
	size_t need = (used ? 2 : 0) + strlen(name);
	if (used + need >= n)
		return;
	snprintf(buf + used, n - used, "%s%s", used ? ", " : "", name);
}

void sg_keymap_keys_for(const struct sg_keymap *km, const char *context, enum sg_action a,
			char *buf, size_t n)
{
	if (!buf || n == 0)
		return;
	buf[0] = '\0';
	int pane = context && strcmp(context, "global") != 0;
	if (pane)
		for (size_t i = 0; i < km->n; i++)
			if (km->b[i].action == a && strcmp(km->b[i].context, context) == 0)
				append_key(buf, n, km->b[i].key);
	for (size_t i = 0; i < km->n; i++) {
		const struct sg_binding *b = &km->b[i];
		if (b->action != a || strcmp(b->context, "global") != 0)
			continue;
		/* A pane binding of the same key hides the global one there. */
		if (pane && find(km, context, b->key))
			continue;
		append_key(buf, n, b->key);
	}
}
