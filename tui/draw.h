/* draw.h — the frame around the panes.
 *
 * Tab bar (row 0), one or two pane boxes, status bar (last row) which the
 * : command line and y/n questions replace, the ? help overlay on top, and
 * a centered notice instead of all that when the terminal is smaller than
 * APP_MIN_W×APP_MIN_H.  Geometry is computed here without curses, so the
 * app lays panes out with the same numbers it draws with. */
#ifndef SG_TUI_DRAW_H
#define SG_TUI_DRAW_H

#include "tui/app.h"

struct rect {
	int y, x, h, w;
};

/* The boxes (borders included) of the visible panes, left then right;
 * returns how many (1, or 2 when split).  Content is one cell inside. */
int draw_layout(const struct app *app, int w, int h, struct rect box[2]);
/* True when w×h is below the minimum and only the notice is drawn. */
int draw_too_small(int w, int h);
/* Draws everything for the app's state onto root (already cleared). */
void draw_frame(struct app *app, struct surface *root);
/* Lines the help overlay has (for scrolling). */
int draw_help_lines(const struct app *app);
/* The first key of action a in the focused context ("1"), or "" . */
void draw_first_key(const struct app *app, enum sg_action a, char *buf, size_t n);

#endif
