/* theme.c — parsing *.theme files and mapping colors between palettes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/conf.h"
#include "core/theme.h"
#include "core/util.h"

/* Generated from themes/default.theme by build-aux/embed.sh. */
extern const char sg_builtin_theme[];

#define THEME_MAX_BYTES (1u << 20)

static const char *const role_names[SG_ROLE_COUNT] = {
#define SG_X(id, name, mono) [SG_ROLE_##id] = name,
	SG_ROLES(SG_X)
#undef SG_X
};

static const unsigned role_mono[SG_ROLE_COUNT] = {
#define SG_X(id, name, mono) [SG_ROLE_##id] = (mono),
	SG_ROLES(SG_X)
#undef SG_X
};

static const char *const basic_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", SG_ATTR_BOLD },
	{ "dim", SG_ATTR_DIM },
	{ "underline", SG_ATTR_UNDERLINE },
	{ "reverse", SG_ATTR_REVERSE },
	{ "italic", SG_ATTR_ITALIC },
	{ "blink", SG_ATTR_BLINK },
};

const char *sg_role_name(enum sg_role r)
{
	return (int)r >= 0 && r < SG_ROLE_COUNT ? role_names[r] : NULL;
}

int sg_role_lookup(const char *name)
{
	for (int r = 0; name && r < SG_ROLE_COUNT; r++)
		if (strcmp(role_names[r], name) == 0)
			return r;
	return -1;
}

unsigned sg_role_mono_attrs(enum sg_role r)
{
	return (int)r >= 0 && r < SG_ROLE_COUNT ? role_mono[r] : 0;
}

/* ---- colors ------------------------------------------------------------ */

/* The RGB value xterm gives color c (0..255).  Colors 0–15 use xterm's
 * defaults; terminals differ there, which is why #rrggbb never maps to them. */
static void xterm_rgb(int c, int rgb[3])
{
	static const unsigned char sys[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
		{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	if (c < 16) {
		for (int i = 0; i < 3; i++)
			rgb[i] = sys[c][i];
	} else if (c < 232) {
		int idx = c - 16, v[3] = { idx / 36, idx / 6 % 6, idx % 6 };
		for (int i = 0; i < 3; i++)
			rgb[i] = v[i] ? 55 + 40 * v[i] : 0;
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	}
}

/* The color in [lo, hi] nearest to rgb (squared distance; ties go low). */
static int nearest(const int rgb[3], int lo, int hi)
{
	int best = lo;
	long best_d = -1;
	for (int c = lo; c <= hi; c++) {
		int p[3];
		xterm_rgb(c, p);
		long d = 0;
		for (int i = 0; i < 3; i++)
			d += (long)(p[i] - rgb[i]) * (p[i] - rgb[i]);
		if (best_d < 0 || d < best_d) {
			best = c;
			best_d = d;
		}
	}
	return best;
}

/* Negative (the terminal's default) passes through; out of range is -1. */
int sg_color_to8(int color)
{
	if (color < 0 || color > 255)
		return SG_COLOR_DEFAULT;
	if (color < 16)
		return color & 7;
	int rgb[3];
	xterm_rgb(color, rgb);
	return nearest(rgb, 0, 7);
}

/* Parses 1+ decimal digits into 0..255; -1 when empty, not digits or larger
 * (no overflow: accumulation stops as soon as the value passes 255). */
static int parse_number(const char *s)
{
	int v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 255)
			return -1;
	}
	return v;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "#rrggbb" → the nearest of colors 16..255, or -1. */
static int parse_hex(const char *s)
{
	int rgb[3];
	if (strlen(s) != 7 || s[0] != '#')
		return -1;
	for (int i = 0; i < 3; i++) {
		int hi = hex_digit(s[1 + 2 * i]), lo = hex_digit(s[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		rgb[i] = hi * 16 + lo;
	}
	return nearest(rgb, 16, 255);
}

static int basic_lookup(const char *s)
{
	for (int i = 0; i < 8; i++)
		if (strcmp(basic_names[i], s) == 0)
			return i;
	return -1;
}

int sg_color_parse(const char *word, int *out)
{
	int c = -1;
	if (!word)
		return -1;
	if (strcmp(word, "default") == 0) {
		*out = SG_COLOR_DEFAULT;
		return 0;
	}
	if (strncmp(word, "bright-", 7) == 0) {
		c = basic_lookup(word + 7);
		if (c >= 0)
			c += 8;
	} else if (strncmp(word, "color", 5) == 0) {
		c = parse_number(word + 5);
	} else if (word[0] == '#') {
		c = parse_hex(word);
	} else if (word[0] >= '0' && word[0] <= '9') {
		c = parse_number(word);
	} else {
		c = basic_lookup(word);
	}
	if (c < 0)
		return -1;
	*out = c;
	return 0;
}

/* ---- theme files ------------------------------------------------------- */

/* True for words that are numbers, so a failure means "out of range". */
static int looks_numeric(const char *w)
{
	if (strncmp(w, "color", 5) == 0)
		w += 5;
	if (*w == '-' || *w == '+')
		w++;
	if (!*w)
		return 0;
	for (; *w; w++)
		if (*w < '0' || *w > '9')
			return 0;
	return 1;
}

/* Parses word i of l as a color with a message that says what is wrong. */
static int color_arg(const struct sg_conf_line *l, int i, int *out, struct sg_error *err)
{
	const char *w = l->argv[i];
	if (sg_color_parse(w, out) == 0)
		return 0;
	if (w[0] == '#')
		return sg_conf_error(err, l, i, "bad color '%s' (expected #rrggbb)", w);
	if (looks_numeric(w))
		return sg_conf_error(err, l, i, "color number '%s' is out of range (0-255)", w);
	return sg_conf_error(err, l, i, "unknown color '%s'", w);
}

static unsigned attr_lookup(const char *w)
{
	for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
		if (strcmp(attr_names[i].name, w) == 0)
			return attr_names[i].bit;
	return 0;
}

/* Interprets `color ROLE FG BG [ATTR...]` into the theme passed as ud. */
static int theme_line(const struct sg_conf_line *l, void *ud, struct sg_error *err)
{
	struct sg_theme *t = ud;
	struct sg_style st = { SG_COLOR_DEFAULT, SG_COLOR_DEFAULT, 0 };
	if (strcmp(l->argv[0], "color") != 0)
		return sg_conf_error(err, l, 0, "unknown command '%s' (a theme has only 'color' lines)",
				     l->argv[0]);
	if (l->argc < 2)
		return sg_conf_error(err, l, 1,
				     "missing role (color ROLE FOREGROUND BACKGROUND [ATTRIBUTE...])");
	int role = sg_role_lookup(l->argv[1]);
	if (role < 0)
		return sg_conf_error(err, l, 1, "unknown role '%s'", l->argv[1]);
	if (l->argc < 4)
		return sg_conf_error(err, l, l->argc, "missing %s color",
				     l->argc == 2 ? "foreground" : "background");
	if (color_arg(l, 2, &st.fg, err) != 0 || color_arg(l, 3, &st.bg, err) != 0)
		return -1;
	for (int i = 4; i < l->argc; i++) {
		unsigned bit = attr_lookup(l->argv[i]);
		if (!bit)
			return sg_conf_error(err, l, i,
					     "unknown attribute '%s' (bold, dim, underline, reverse, italic, blink)",
					     l->argv[i]);
		st.attrs |= bit;
	}
	/* A role named twice takes the later line, like any override. */
	t->role[role] = st;
	return 0;
}

/* Copies src into a fixed buffer without splitting a UTF-8 sequence. */
static void copy_name(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap) {
		len = cap - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The theme's name is the file's base name without ".theme". */
static void set_name(struct sg_theme *t, const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t len = strlen(base);
	if (len > 6 && strcmp(base + len - 6, ".theme") == 0)
		len -= 6;
	if (len > 0)
		copy_name(t->name, sizeof t->name, base, len);
}

int sg_theme_parse(struct sg_theme *t, const char *file, const char *buf, size_t len,
		   struct sg_error *err)
{
	/* Why a copy: a bad line late in the file must not leave the roles of
	 * the good lines before it applied. */
	struct sg_theme tmp = *t;
	if (sg_conf_parse(file, buf, len, theme_line, &tmp, err) != 0)
		return -1;
	if (file)
		set_name(&tmp, file);
	*t = tmp;
	return 0;
}

void sg_theme_default(struct sg_theme *t)
{
	struct sg_error err;
	memset(t, 0, sizeof *t);
	for (int r = 0; r < SG_ROLE_COUNT; r++)
		t->role[r] = (struct sg_style){ SG_COLOR_DEFAULT, SG_COLOR_DEFAULT, 0 };
	if (sg_theme_parse(t, "default.theme", sg_builtin_theme, strlen(sg_builtin_theme), &err)) {
		/* Programming error: the shipped file is compiled in and tested. */
		fprintf(stderr, "sagetty: built-in theme does not parse: %s\n", err.msg);
		abort();
	}
}

/* Reads path and parses it on top of t (which holds the default). */
static int load_file(struct sg_theme *t, const char *path, struct sg_error *err)
{
	size_t len;
	char *buf = sg_read_file(path, THEME_MAX_BYTES, &len, err);
	if (!buf)
		return -1;
	int rc = sg_theme_parse(t, path, buf, len, err);
	free(buf);
	return rc;
}

/* "theme 'x' not found (looked in a, b)". */
static int not_found(struct sg_error *err, const char *name, const char *const *dirs)
{
	char where[768];
	size_t used = 0;
	where[0] = '\0';
	for (size_t i = 0; dirs && dirs[i] && used < sizeof where; i++) {
		int w = snprintf(where + used, sizeof where - used, "%s%s", i ? ", " : "", dirs[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (!where[0])
		return sg_error_set(err, SG_E_NOTFOUND, "theme '%s' not found (no theme folders)",
				    name);
	return sg_error_set(err, SG_E_NOTFOUND, "theme '%s' not found (looked in %s)", name, where);
}

int sg_theme_load(struct sg_theme *t, const char *name_or_path, const char *const *dirs,
		  struct sg_error *err)
{
	sg_theme_default(t);
	if (!name_or_path || !name_or_path[0])
		return sg_error_set(err, SG_E_USAGE, "no theme name given");
	if (strchr(name_or_path, '/'))
		return load_file(t, name_or_path, err);
	if (strcmp(name_or_path, "default") == 0)
		return 0;
	for (size_t i = 0; dirs && dirs[i]; i++) {
		if (!dirs[i][0])
			continue;
		char *file = sg_xasprintf("%s.theme", name_or_path);
		char *path = sg_path_join(dirs[i], file);
		free(file);
		if (sg_is_file(path)) {
			int rc = load_file(t, path, err);
			free(path);
			return rc;
		}
		free(path);
	}
	return not_found(err, name_or_path, dirs);
}
