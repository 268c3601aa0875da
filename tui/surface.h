/* surface.h — the only way panes put characters on the screen.
 *
 * A backend is a grid of cells (the terminal through curses, or memory for
 * tests).  A surface is a rectangular view of a backend: an origin and a
 * size; everything drawn through it is clipped to that rectangle, so a pane
 * can never scribble outside its box.  Surfaces are small values, made with
 * surface_root() and surface_sub(), and need no freeing.
 *
 * Text is UTF-8 and is measured in display columns (wcwidth).  A wide
 * character that would straddle the clip edge is not split: the last column
 * is left blank instead.  Invalid bytes, control characters and characters
 * the terminal cannot show are drawn as a visible replacement (U+FFFD, or
 * '?' when the backend is not Unicode); nothing is passed raw to the
 * terminal.  Zero-width characters (combining marks) are dropped. */
#ifndef SG_TUI_SURFACE_H
#define SG_TUI_SURFACE_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "core/theme.h"

struct surface_backend;

/* What a backend must do; put is the only drawing primitive. */
struct surface_backend_ops {
	/* Writes code point ch (width 1 or 2 columns, already validated) at
	 * absolute (y, x) with role.  x + width <= backend width. */
	void (*put)(struct surface_backend *be, int y, int x, uint32_t ch, int width,
		    enum sg_role role);
	/* Blanks the whole grid with the normal role. */
	void (*clear_all)(struct surface_backend *be);
	/* Shows the text cursor at (y, x), or hides it when y < 0. */
	void (*cursor)(struct surface_backend *be, int y, int x);
	/* A new theme: recompute colors (memory backend: nothing). */
	void (*set_theme)(struct surface_backend *be, const struct sg_theme *t);
	/* Forgets what the terminal shows so the next update repaints all. */
	void (*invalidate)(struct surface_backend *be);
	void (*free)(struct surface_backend *be);
	/* Rings the terminal bell (curses beep(); memory: counted). */
	void (*bell)(struct surface_backend *be);
};

struct surface_backend {
	const struct surface_backend_ops *ops;
	int w, h;
	int unicode;      /* may draw non-ASCII characters (UTF-8 locale) */
	int ascii_lines;  /* draw lines and decorations with ASCII */
};

struct surface {
	struct surface_backend *be;
	int y0, x0;       /* origin, in backend coordinates */
	int h, w;         /* size; always inside the backend */
};

/* Decorations, drawn from UTF-8 or ASCII glyphs by the backend's mode. */
enum surface_glyph {
	GLYPH_HLINE, GLYPH_VLINE, GLYPH_TL, GLYPH_TR, GLYPH_BL, GLYPH_BR,
	GLYPH_ELLIPSIS, GLYPH_DOT,
};

/* Flags for surface_textw. */
enum {
	TEXT_ELLIPSIS = 1 << 0, /* mark cut text with an ellipsis */
	TEXT_RIGHT = 1 << 1,    /* right-align in the given width */
	TEXT_PAD = 1 << 2,      /* fill the rest of the width with blanks */
	TEXT_CENTER = 1 << 3,   /* center in the given width */
};

/* The whole backend as a surface. */
struct surface surface_root(struct surface_backend *be);
/* The part of s at (y, x) of size h×w, clipped to s (may come out empty). */
struct surface surface_sub(const struct surface *s, int y, int x, int h, int w);

/* Draws text at (y, x), clipped to the surface; returns columns used. */
int surface_text(struct surface *s, int y, int x, enum sg_role role, const char *text);
/* Draws text into at most maxw columns from x with TEXT_* flags; returns
 * the columns used (maxw when padded). */
int surface_textw(struct surface *s, int y, int x, int maxw, enum sg_role role, unsigned flags,
		  const char *text);
/* Word-wraps text into the rectangle (y, x, h rows, w columns) starting at
 * display row skip of the wrapped text; returns the rows drawn. */
int surface_wrap(struct surface *s, int y, int x, int h, int w, enum sg_role role,
		 const char *text, int skip);
/* Fills a rectangle with code point ch (ASCII or a width-1 character). */
void surface_fill(struct surface *s, int y, int x, int h, int w, uint32_t ch, enum sg_role role);
/* Draws one decoration glyph; returns 1. */
int surface_glyph(struct surface *s, int y, int x, enum surface_glyph g, enum sg_role role);
void surface_hline(struct surface *s, int y, int x, int n, enum sg_role role);
void surface_vline(struct surface *s, int y, int x, int n, enum sg_role role);
/* A box outline around the rectangle (y, x, h, w). */
void surface_box(struct surface *s, int y, int x, int h, int w, enum sg_role role);
/* Places the terminal cursor at (y, x) of s, or hides it when y < 0. */
void surface_cursor(struct surface *s, int y, int x);
/* The glyph's text for the backend's mode ("─" or "-"). */
const char *surface_glyph_text(const struct surface_backend *be, enum surface_glyph g);

/* Rings the backend's bell (a no-op for a backend without one). */
void surface_bell(struct surface_backend *be);

/* ---- text measuring, shared with layout code --------------------------- */

/* Decodes one UTF-8 character from s (n bytes available, n >= 1); returns
 * the bytes consumed (>= 1) and sets *cp, or *cp = -1 for an invalid or
 * truncated sequence (consuming one byte). */
size_t utf8_decode(const char *s, size_t n, long *cp);
/* Appends code point cp as UTF-8 to buf; returns bytes written (<= 4). */
size_t utf8_encode(uint32_t cp, char *buf);
/* Display width of text as a backend in this mode would draw it. */
int text_width(const char *text, int unicode);
/* The byte length of the longest prefix of text that fits in maxw columns. */
size_t text_fit(const char *text, int maxw, int unicode, int *used);
/* Copies src into dst (size n) without cutting a UTF-8 character. */
void text_copy(char *dst, size_t n, const char *src);
/* Byte length of the next wrapped line of text in width w (breaking at a
 * blank when possible); *next is where the following line starts. */
size_t text_wrap_line(const char *text, int w, int unicode, const char **next);
/* How many rows text wraps to in width w (at least 1). */
int text_wrap_rows(const char *text, int w, int unicode);

/* ---- the memory backend (tests) ---------------------------------------- */

#define SURFACE_CONT 0xFFFFFFFFu  /* cell covered by the wide char to its left */

struct surface_cell {
	uint32_t ch;
	enum sg_role role;
};

/* A w×h grid of blank cells; unicode chooses the text mode. */
struct surface_backend *surface_mem_new(int w, int h, int unicode);
/* Resizes (contents cleared). */
void surface_mem_resize(struct surface_backend *be, int w, int h);
/* Row y as a NUL-terminated UTF-8 string in buf (n bytes); returns buf. */
char *surface_mem_row(const struct surface_backend *be, int y, char *buf, size_t n);
/* The cell at (y, x), or NULL when outside. */
const struct surface_cell *surface_mem_cell(const struct surface_backend *be, int y, int x);
/* Finds text on the grid; returns 0 and the first (row, column) or -1. */
int surface_mem_find(const struct surface_backend *be, const char *text, int *y, int *x);
/* How many times the bell rang on a memory backend. */
int surface_mem_bells(const struct surface_backend *be);
/* The last cursor position set (y = -1 when hidden). */
void surface_mem_cursor(const struct surface_backend *be, int *y, int *x);

/* ---- the curses backend (surface_curses.c) ----------------------------- */

/* Initializes the terminal (newterm on stdin/stdout: cbreak, noecho,
 * keypad, non-blocking reads, ESC delay 25 ms, cursor hidden) and picks the
 * color mode: monochrome when no_color, $NO_COLOR set non-empty, or the
 * terminal has no colors.  NULL with err set when the terminal cannot be
 * used; curses is then not left initialized. */
struct surface_backend *surface_curses_open(int no_color, struct sg_error *err);
/* Reads one key without blocking: an sg_key code, 0 for a key sagetty does
 * not know, or -1 when no input is waiting. */
int surface_curses_getkey(struct surface_backend *be);
/* Re-reads the terminal size into be->w, be->h. */
void surface_curses_size(struct surface_backend *be);
/* Sends what was drawn to the terminal (one doupdate). */
void surface_curses_update(struct surface_backend *be);
/* Maps a curses key (get_wch result and value) to an sg_key code (0 when
 * unknown).  Separate for tests. */
int surface_curses_key(int kind, unsigned long value);

#endif
