/* theme.h — colors by role, parsed from *.theme files.
 *
 * A theme file holds lines of the conf.h format:
 *
 *     color ROLE FOREGROUND BACKGROUND [ATTRIBUTE...]
 *
 * ROLE is a name from SG_ROLES; a color is `default`, one of the eight names
 * (black red green yellow blue magenta cyan white), `bright-<name>` (8–15),
 * `colorN` or a bare number N (0–255), or `#rrggbb` (mapped to the nearest of
 * the 256); attributes are bold, dim, underline, reverse, italic, blink.
 * Roles a theme does not mention keep the built-in default theme's value.
 * Core only parses and stores colors; tui/colors.c turns them into curses
 * pairs and degrades them to 8 colors or monochrome. */
#ifndef SG_THEME_H
#define SG_THEME_H

#include <stddef.h>
#include "core/error.h"

/* X(ID, "name", mono attributes used when the terminal has no colors) */
#define SG_ROLES(X) \
	X(NORMAL,      "normal",      0) \
	X(TITLE,       "title",       SG_ATTR_BOLD) \
	X(TAB,         "tab",         0) \
	X(TAB_ACTIVE,  "tab-active",  SG_ATTR_REVERSE | SG_ATTR_BOLD) \
	X(STATUS,      "status",      SG_ATTR_REVERSE) \
	X(MESSAGE,     "message",     SG_ATTR_BOLD) \
	X(ERROR,       "error",       SG_ATTR_BOLD | SG_ATTR_UNDERLINE) \
	X(HEADER,      "header",      SG_ATTR_BOLD | SG_ATTR_UNDERLINE) \
	X(SELECTED,    "selected",    SG_ATTR_REVERSE) \
	X(CURSOR,      "cursor",      SG_ATTR_REVERSE) \
	X(BORDER,      "border",      0) \
	X(DIM,         "dim",         SG_ATTR_DIM) \
	X(KEY,         "key",         SG_ATTR_BOLD) \
	X(NUMBER,      "number",      0) \
	X(RUNNING,     "running",     SG_ATTR_BOLD) \
	X(OK,          "ok",          0) \
	X(FAILED,      "failed",      SG_ATTR_BOLD) \
	X(HELP,        "help",        0) \
	X(PROMPT,      "prompt",      SG_ATTR_BOLD) \
	X(SYN_KEYWORD,   "syntax.keyword",   SG_ATTR_BOLD) \
	X(SYN_BUILTIN,   "syntax.builtin",   0) \
	X(SYN_STRING,    "syntax.string",    0) \
	X(SYN_ESCAPE,    "syntax.escape",    SG_ATTR_BOLD) \
	X(SYN_COMMENT,   "syntax.comment",   SG_ATTR_DIM) \
	X(SYN_NUMBER,    "syntax.number",    0) \
	X(SYN_DECORATOR, "syntax.decorator", SG_ATTR_BOLD) \
	X(SYN_OPERATOR,  "syntax.operator",  0) \
	X(SYN_FUNCTION,  "syntax.function",  SG_ATTR_BOLD | SG_ATTR_UNDERLINE) \
	X(SYN_MAGIC,     "syntax.magic",     SG_ATTR_BOLD) \
	X(MD_HEADING,    "markup.heading",   SG_ATTR_BOLD | SG_ATTR_UNDERLINE) \
	X(MD_STRONG,     "markup.strong",    SG_ATTR_BOLD) \
	X(MD_EMPHASIS,   "markup.emphasis",  SG_ATTR_UNDERLINE) \
	X(MD_CODE,       "markup.code",      SG_ATTR_BOLD) \
	X(MD_LINK,       "markup.link",      SG_ATTR_UNDERLINE) \
	X(MD_QUOTE,      "markup.quote",     SG_ATTR_DIM) \
	X(MD_BULLET,     "markup.bullet",    SG_ATTR_BOLD)

enum sg_attr {
	SG_ATTR_BOLD = 1 << 0,
	SG_ATTR_DIM = 1 << 1,
	SG_ATTR_UNDERLINE = 1 << 2,
	SG_ATTR_REVERSE = 1 << 3,
	SG_ATTR_ITALIC = 1 << 4,
	SG_ATTR_BLINK = 1 << 5,
};

enum sg_role {
#define SG_X(id, name, mono) SG_ROLE_##id,
	SG_ROLES(SG_X)
#undef SG_X
	SG_ROLE_COUNT
};

#define SG_COLOR_DEFAULT (-1)

struct sg_style {
	int fg, bg;        /* SG_COLOR_DEFAULT or 0..255 */
	unsigned attrs;    /* enum sg_attr bits */
};

struct sg_theme {
	char name[64];
	struct sg_style role[SG_ROLE_COUNT];
};

const char *sg_role_name(enum sg_role r);
/* -1 when unknown. */
int sg_role_lookup(const char *name);
/* The attributes a role falls back to on a terminal without colors. */
unsigned sg_role_mono_attrs(enum sg_role r);

/* Fills t with the compiled-in default theme (themes/default.theme). */
void sg_theme_default(struct sg_theme *t);
/* Parses a theme file's text on top of t (start from sg_theme_default).  On
 * any error t is left exactly as it was and err is "file:line:col: ...". */
int sg_theme_parse(struct sg_theme *t, const char *file, const char *buf, size_t len,
		   struct sg_error *err);
/* Loads a theme by name (looked up as NAME.theme in dirs, a NULL-terminated
 * list) or by path (when it contains a '/').  "default" needs no file.  On
 * error t holds the default theme. */
int sg_theme_load(struct sg_theme *t, const char *name_or_path, const char *const *dirs,
		  struct sg_error *err);

/* Maps a 0..255 color to the nearest of the 8 basic colors (0..7). */
int sg_color_to8(int color);
/* Parses one color word; returns 0 and sets *out, or -1. */
int sg_color_parse(const char *word, int *out);

#endif
