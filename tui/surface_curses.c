/* surface_curses.c — the surface backend that draws into curses' stdscr.
 *
 * Drawing only updates stdscr; surface_curses_update sends the difference
 * to the terminal with one doupdate(), so a frame never flickers. */
#include "sgconfig.h"
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <curses.h>
#include "core/keymap.h"
#include "core/util.h"
#include "tui/colors.h"
#include "tui/surface.h"

static int curses_active;   /* a backend is open: endwin at exit */

/* Whatever ends the process while curses runs, leave the terminal usable. */
static void end_at_exit(void)
{
	if (curses_active)
		endwin();
}

struct curses_backend {
	struct surface_backend be;   /* first: the public part */
	SCREEN *scr;
	int cursor_on;
	int pending;                 /* a key read after <Esc> that was no Alt key */
};

/* Builds the cchar_t for one character in a role. */
static void make_cell(cchar_t *cc, uint32_t ch, enum sg_role role)
{
	wchar_t wc[2] = { (wchar_t)ch, 0 };
	short pair;
	attr_t a = (attr_t)colors_attr(role, &pair);

	setcchar(cc, wc, a, pair, NULL);
}

static void cur_put(struct surface_backend *be, int y, int x, uint32_t ch, int width,
		    enum sg_role role)
{
	cchar_t cc;

	make_cell(&cc, ch, role);
	/* The bottom-right cell returns ERR (the cursor cannot advance past
	 * it) but is drawn; nothing to handle. */
	mvwadd_wch(stdscr, y, x, &cc);
}

static void cur_clear(struct surface_backend *be)
{
	werase(stdscr);
}

/* cursor: shows it at (y, x) or hides it, calling curs_set only on change. */
static void cur_cursor(struct surface_backend *be, int y, int x)
{
	struct curses_backend *c = (struct curses_backend *)be;
	int on = y >= 0;

	if (on != c->cursor_on) {
		curs_set(on ? 1 : 0);
		c->cursor_on = on;
	}
	/* leaveok decides whether doupdate leaves the cursor where we put it. */
	leaveok(stdscr, on ? FALSE : TRUE);
	if (on)
		wmove(stdscr, y, x);
}

/* set_theme: new color pairs, and the normal role as the background. */
static void cur_set_theme(struct surface_backend *be, const struct sg_theme *t)
{
	cchar_t blank;

	colors_apply(t);
	make_cell(&blank, ' ', SG_ROLE_NORMAL);
	wbkgrndset(stdscr, &blank);
}

static void cur_invalidate(struct surface_backend *be)
{
	clearok(curscr, TRUE);
}

static void cur_free(struct surface_backend *be)
{
	struct curses_backend *c = (struct curses_backend *)be;

	if (!c)
		return;
	curs_set(1);
	endwin();
	curses_active = 0;
	delscreen(c->scr);
	free(c);
}

/* bell: the terminal's bell (or a flash where it has none). */
static void cur_bell(struct surface_backend *be)
{
	(void)be;
	beep();
}

static const struct surface_backend_ops curses_ops = {
	cur_put, cur_clear, cur_cursor, cur_set_theme, cur_invalidate, cur_free, cur_bell,
};

/* Ctrl-S saves a notebook and Ctrl-Q is a key like any other: turn off
 * XON/XOFF flow control, which would freeze the screen on Ctrl-S.  curses
 * restores the terminal's own modes at endwin. */
static void no_flow_control(void)
{
	struct termios tio;

	if (tcgetattr(STDIN_FILENO, &tio) == 0) {
		tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
			def_prog_mode();
	}
}

struct surface_backend *surface_curses_open(int no_color, struct sg_error *err)
{
	const char *term = getenv("TERM");
	static int atexit_done;
	struct curses_backend *c;
	SCREEN *scr;

	if (!term || !*term)
		term = NULL;
	scr = newterm(term, stdout, stdin);
	if (!scr) {
		sg_error_set(err, SG_E_USAGE, "cannot use the terminal (TERM=%s)",
			     term ? term : "unset");
		return NULL;
	}
	set_term(scr);
	if (!atexit_done++)
		atexit(end_at_exit);
	curses_active = 1;
	c = sg_xcalloc(1, sizeof *c);
	c->be.ops = &curses_ops;
	c->scr = scr;
	cbreak();
	no_flow_control();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, TRUE);
	colors_init(no_color);
	surface_curses_size(&c->be);
	return &c->be;
}

int surface_curses_key(int kind, unsigned long v)
{
	if (!kind) {
		if (v == '\n' || v == '\r')
			return SG_KEY_ENTER;
		if (v > 0x10ffff)
			return 0;
		return (int)v;
	}
	if (v >= (unsigned long)KEY_F(1) && v <= (unsigned long)KEY_F(12))
		return SG_KEY_F1 + (int)(v - KEY_F(1));
	switch (v) {
	case KEY_UP: return SG_KEY_UP;
	case KEY_DOWN: return SG_KEY_DOWN;
	case KEY_LEFT: return SG_KEY_LEFT;
	case KEY_RIGHT: return SG_KEY_RIGHT;
	case KEY_PPAGE: return SG_KEY_PGUP;
	case KEY_NPAGE: return SG_KEY_PGDN;
	case KEY_HOME: case KEY_A1: return SG_KEY_HOME;
	case KEY_END: case KEY_C1: return SG_KEY_END;
	case KEY_IC: return SG_KEY_INSERT;
	case KEY_DC: return SG_KEY_DELETE;
	case KEY_BTAB: return SG_KEY_BTAB;
	case KEY_BACKSPACE: return SG_KEY_BACKSPACE;
	case KEY_ENTER: return SG_KEY_ENTER;
	case KEY_RESIZE: return SG_KEY_RESIZE;
	default: return 0;
	}
}

int surface_curses_getkey(struct surface_backend *be)
{
	struct curses_backend *c = (struct curses_backend *)be;
	wint_t ch;
	int r, key;

	if (c->pending) {
		key = c->pending;
		c->pending = 0;
		return key;
	}
	r = wget_wch(stdscr, &ch);
	if (r == ERR)
		return -1;
	key = surface_curses_key(r == KEY_CODE_YES, (unsigned long)ch);
	if (key != SG_KEY_ESC)
		return key;
	/* Alt+x: the terminal sends <Esc> x in one write, so x is already
	 * waiting; a lone <Esc> has nothing behind it (reads do not block). */
	r = wget_wch(stdscr, &ch);
	if (r == ERR)
		return SG_KEY_ESC;
	key = surface_curses_key(r == KEY_CODE_YES, (unsigned long)ch);
	if (r != KEY_CODE_YES && key > 0 && key != SG_KEY_ESC)
		return SG_KEY_ALT | key;
	c->pending = key > 0 ? key : 0;
	return SG_KEY_ESC;
}

void surface_curses_size(struct surface_backend *be)
{
	int h, w;

	getmaxyx(stdscr, h, w);
	be->w = w;
	be->h = h;
}

void surface_curses_update(struct surface_backend *be)
{
	wnoutrefresh(stdscr);
	doupdate();
}
