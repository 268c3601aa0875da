/* colors.h — a theme's roles as curses attributes.
 *
 * The theme (core/theme.h) says what each role should look like in 256
 * colors.  This module degrades it to what the terminal can show: the 256
 * colors as they are when COLORS >= 256, the 16 basic ones kept and the
 * rest mapped with sg_color_to8 on smaller palettes, and monochrome (each
 * role's sg_role_mono_attrs) when there are no colors or the user asked for
 * none.  colors_resolve is pure, so tests can check the degrading without a
 * terminal; colors_apply and colors_attr talk to curses. */
#ifndef SG_TUI_COLORS_H
#define SG_TUI_COLORS_H

#include "core/theme.h"

enum colors_mode { COLORS_MONO, COLORS_8, COLORS_16, COLORS_256 };

/* What one role becomes in a mode: fg/bg are SG_COLOR_DEFAULT or palette
 * numbers valid in that mode; attrs are enum sg_attr bits. */
struct colors_spec {
	int fg, bg;
	unsigned attrs;
};

/* Degrades role r of theme t to mode m. */
void colors_resolve(const struct sg_theme *t, enum colors_mode m, enum sg_role r,
		    struct colors_spec *out);
/* True when the NO_COLOR convention (no-color.org) asks for no colors. */
int colors_env_disabled(void);

/* ---- curses side (call after the terminal is initialized) ---------------- */

/* Chooses the mode from the terminal (start_color, use_default_colors) and
 * no_color; returns it. */
enum colors_mode colors_init(int no_color);
/* Defines one color pair per role for theme t. */
void colors_apply(const struct sg_theme *t);
/* The curses attributes (A_* bits) and the pair number for role r. */
unsigned long colors_attr(enum sg_role r, short *pair);

#endif
