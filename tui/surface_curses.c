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
#include <string.h>
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
/* Bracketed paste: the terminal marks pasted text (ESC [200~ ... ESC
 * [201~), so the editor can insert it as it is instead of auto-indenting
 * every line again.  Terminals without it ignore the request. */
static void paste_mode(int on)
{
	fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
	fflush(stdout);
}

static void end_at_exit(void)
{
	if (curses_active) {
		paste_mode(0);
		endwin();
	}
}

struct curses_backend {
	struct surface_backend be;   /* first: the public part */
	SCREEN *scr;
	int cursor_on;
	int queue[8];                /* keys read ahead after <Esc> that were not */
	int nqueue;                  /* part of a sequence, returned next */
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
	paste_mode(0);
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
	paste_mode(1);
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
	case KEY_SR: return SG_KEY_S_UP;
	case KEY_SF: return SG_KEY_S_DOWN;
	case KEY_SLEFT: return SG_KEY_S_LEFT;
	case KEY_SRIGHT: return SG_KEY_S_RIGHT;
	case KEY_SHOME: return SG_KEY_S_HOME;
	case KEY_SEND: return SG_KEY_S_END;
	default: return 0;
	}
}

/* Reads a key that is already waiting (reads never block): returns 1 with
 * *key its sg_key code and *special set for a curses function key, or 0. */
static int key_now(int *key, int *special)
{
	wint_t ch;
	int r = wget_wch(stdscr, &ch);

	if (r == ERR)
		return 0;
	*special = r == KEY_CODE_YES;
	*key = surface_curses_key(*special, (unsigned long)ch);
	return 1;
}

/* The key a CSI sequence ESC [ params final stands for, or 0.  curses
 * knows the terminal's own keys; these are the ones terminfo often lacks
 * (xterm's shifted motions), the bracketed-paste marks, and Shift- and
 * Ctrl-Enter from terminals that send them apart from Enter. */
static int csi_key(const char *params, int final)
{
	static const struct {
		const char *params;
		int final, key;
	} known[] = {
		{ "200", '~', SG_KEY_PASTE_BEGIN }, { "201", '~', SG_KEY_PASTE_END },
		{ "1;2", 'A', SG_KEY_S_UP }, { "1;2", 'B', SG_KEY_S_DOWN },
		{ "1;2", 'C', SG_KEY_S_RIGHT }, { "1;2", 'D', SG_KEY_S_LEFT },
		{ "1;2", 'H', SG_KEY_S_HOME }, { "1;2", 'F', SG_KEY_S_END },
		{ "13;2", 'u', SG_KEY_S_ENTER }, { "13;5", 'u', SG_KEY_C_ENTER },
		{ "27;2;13", '~', SG_KEY_S_ENTER }, { "27;5;13", '~', SG_KEY_C_ENTER },
	};

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i].final == final && strcmp(known[i].params, params) == 0)
			return known[i].key;
	return 0;
}

static void queue_key(struct curses_backend *c, int key)
{
	if (key > 0 && c->nqueue < (int)(sizeof c->queue / sizeof c->queue[0]))
		c->queue[c->nqueue++] = key;
}

/* After ESC [: reads the rest of a CSI sequence that is already waiting.
 * Returns its key (0 for one sagetty does not know: dropped rather than
 * typed as text), or -1 when no sequence follows (what was read is
 * queued, to come back as keys). */
static int read_csi(struct curses_backend *c)
{
	char params[16];
	size_t n = 0;
	int k = 0, special = 0;

	for (;;) {
		int got = key_now(&k, &special);
		if (!got || special || k < 0x20 || k > 0x7e) {
			queue_key(c, '[');
			for (size_t i = 0; i < n; i++)
				queue_key(c, params[i]);
			if (got)
				queue_key(c, k);
			return -1;
		}
		if (k >= 0x40)  /* the final byte */
			break;
		if (n < sizeof params - 1)
			params[n++] = (char)k;
	}
	params[n] = '\0';
	return csi_key(params, k);
}

int surface_curses_getkey(struct surface_backend *be)
{
	struct curses_backend *c = (struct curses_backend *)be;
	int key, next, special;

	if (c->nqueue) {
		key = c->queue[0];
		c->nqueue--;
		memmove(c->queue, c->queue + 1, (size_t)c->nqueue * sizeof c->queue[0]);
		return key;
	}
	if (!key_now(&key, &special))
		return -1;
	if (key != SG_KEY_ESC)
		return key;
	/* Alt+x: the terminal sends <Esc> x in one write, so x is already
	 * waiting; a lone <Esc> has nothing behind it. */
	if (!key_now(&next, &special))
		return SG_KEY_ESC;
	if (!special && next == '[') {
		int k = read_csi(c);
		if (k >= 0)
			return k;
		/* no sequence: <Esc> then the keys read, as they came */
		return SG_KEY_ESC;
	}
	if (!special && next > 0 && next != SG_KEY_ESC && next < SG_KEY_BASE)
		return SG_KEY_ALT | next;
	queue_key(c, next);
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
