/* colors.c — theme roles to curses color pairs, degraded to the terminal. */
#include "sgconfig.h"
#include <stdlib.h>
#include <curses.h>
#include "tui/colors.h"

static enum colors_mode mode = COLORS_MONO;
static int default_colors;      /* use_default_colors() worked: -1 is allowed */
static unsigned long role_attr[SG_ROLE_COUNT];
static short role_pair[SG_ROLE_COUNT];

/* One color (0..255 or SG_COLOR_DEFAULT) degraded to mode m. */
static int degrade(int c, enum colors_mode m)
{
	if (c < 0 || m == COLORS_256)
		return c;
	if (m == COLORS_16 && c < 16)
		return c;
	return sg_color_to8(c);
}

void colors_resolve(const struct sg_theme *t, enum colors_mode m, enum sg_role r,
		    struct colors_spec *out)
{
	const struct sg_style *st = &t->role[r];

	if (m == COLORS_MONO) {
		out->fg = out->bg = SG_COLOR_DEFAULT;
		out->attrs = sg_role_mono_attrs(r);
		return;
	}
	out->fg = degrade(st->fg, m);
	out->bg = degrade(st->bg, m);
	out->attrs = st->attrs;
	/* Dark grays (borders, dim text) become black on small palettes,
	 * invisible on the usual dark background: use the terminal's own
	 * foreground, dimmed, instead. */
	if (out->fg == 0 && st->fg != 0 && out->bg == SG_COLOR_DEFAULT) {
		out->fg = SG_COLOR_DEFAULT;
		out->attrs |= SG_ATTR_DIM;
	}
}

int colors_env_disabled(void)
{
	const char *v = getenv("NO_COLOR");
	return v && *v;
}

enum colors_mode colors_init(int no_color)
{
	mode = COLORS_MONO;
	default_colors = 0;
	if (no_color || colors_env_disabled() || !has_colors())
		return mode;
	if (start_color() == ERR)
		return mode;
#ifdef NCURSES_VERSION
	default_colors = use_default_colors() == OK;
#endif
	if (COLOR_PAIRS <= SG_ROLE_COUNT || COLORS < 8)
		return mode;
	mode = COLORS >= 256 ? COLORS_256 : COLORS >= 16 ? COLORS_16 : COLORS_8;
	return mode;
}

/* enum sg_attr bits to curses A_* bits. */
static unsigned long curses_attrs(unsigned a)
{
	unsigned long r = A_NORMAL;

	if (a & SG_ATTR_BOLD)
		r |= A_BOLD;
	if (a & SG_ATTR_DIM)
		r |= A_DIM;
	if (a & SG_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & SG_ATTR_REVERSE)
		r |= A_REVERSE;
#ifdef A_ITALIC
	if (a & SG_ATTR_ITALIC)
		r |= A_ITALIC;
#endif
	if (a & SG_ATTR_BLINK)
		r |= A_BLINK;
	return r;
}

void colors_apply(const struct sg_theme *t)
{
	for (int r = 0; r < SG_ROLE_COUNT; r++) {
		struct colors_spec sp;
		colors_resolve(t, mode, (enum sg_role)r, &sp);
		role_attr[r] = curses_attrs(sp.attrs);
		role_pair[r] = 0;
		if (mode == COLORS_MONO)
			continue;
		/* Without default-color support -1 is not allowed: fall back
		 * to the classic white on black. */
		if (!default_colors) {
			if (sp.fg < 0)
				sp.fg = COLOR_WHITE;
			if (sp.bg < 0)
				sp.bg = COLOR_BLACK;
		}
		role_pair[r] = (short)(r + 1);
		init_pair(role_pair[r], (short)sp.fg, (short)sp.bg);
	}
}

unsigned long colors_attr(enum sg_role r, short *pair)
{
	if ((int)r < 0 || r >= SG_ROLE_COUNT)
		r = SG_ROLE_NORMAL;
	*pair = role_pair[r];
	return role_attr[r];
}
