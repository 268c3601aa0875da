/* app.h — the workbench: entry point, and the app state machine.
 *
 * tui_run is the only function the rest of sagetty needs.  Below it is the
 * app itself, split from the terminal so tests can drive it: app_new builds
 * the state on any surface backend (the memory one in tests),
 * app_handle_key feeds it sg_key codes exactly as the curses loop does,
 * app_draw renders a frame, app_resize and app_tick stand for SIGWINCH and
 * the refresh timer. */
#ifndef SG_TUI_APP_H
#define SG_TUI_APP_H

#include <stddef.h>
#include "core/error.h"
#include "core/keymap.h"
#include "core/theme.h"
#include "core/workspace.h"
#include "tui/pane.h"
#include "tui/surface.h"

struct tui_options {
	const char *theme;   /* NULL: the workspace config's theme */
	int ascii;           /* force ASCII lines */
	int no_color;        /* monochrome, whatever the terminal can do */
	const char *label;   /* a dataset to open the Label view on, or NULL */
};

/* Runs the full-screen workbench on an open workspace until the user quits.
 *
 * Returns 0 after a normal quit; 128 + signal number when SIGHUP (129),
 * SIGINT (130) or SIGTERM (143) ended it (the terminal is restored first;
 * SIGINT asks before losing unsaved work, like `q`); -1 with err set when
 * it could not run: stdin or stdout is not a terminal (checked before
 * curses is touched), the terminal cannot be initialized, or setting up
 * failed (curses is ended before returning).  Signal handlers it installs
 * are restored on return. */
int tui_run(struct sg_workspace *ws, const struct tui_options *opt, struct sg_error *err);

/* ---- the state machine (for tui_run, draw.c and tests) ---------------- */

#define APP_NPANES 4
#define APP_MIN_W 40
#define APP_MIN_H 10

enum app_mode {
	APP_NORMAL,     /* keys go to the focused pane, then the app */
	APP_HELP,       /* the ? overlay */
	APP_COMMAND,    /* the : line */
	APP_CONFIRM,    /* a y/n question in the status bar */
};

struct app {
	struct sg_workspace *ws;
	struct surface_backend *be;
	struct sg_keymap km;
	struct sg_theme theme;
	struct pane_env env;
	struct pane panes[APP_NPANES];
	const char *theme_dirs[5]; /* NULL-terminated, most personal first */
	char *user_theme_dir;      /* owned: the one theme_dirs entry built */

	int split;                 /* two panes side by side */
	int side[2];               /* pane shown left (and alone) / right */
	int focus;                 /* focused side: 0 or 1 */
	enum app_mode mode;

	int help_top;              /* first help line shown */
	int help_rows;             /* help lines visible at last draw */
	char cmd[256];             /* the : line, UTF-8 */
	size_t cmd_pos;            /* cursor byte offset */
	char question[320];        /* APP_CONFIRM text */
	int confirm_code;          /* exit_code if the answer is yes */
	/* A pane's question (pane_confirm) instead of quitting: y calls
	 * confirm_yes(confirm_pane).  NULL for the quit question. */
	void (*confirm_yes)(struct pane *p);
	struct pane *confirm_pane;

	char msg[512];             /* transient status message */
	enum sg_role msg_role;

	long running;              /* runs with status RUNNING */
	long long data_version;    /* store's data_version at last reload */
	long long notified;        /* id of the last notification shown */
	int dirty;                 /* the screen needs drawing */
	int quit;                  /* the loop should end */
	int exit_code;             /* tui_run's return when quit */
};

/* Builds the app on backend be (which it does not own): loads the theme
 * (opt->theme, else the config's; a bad one is reported in the status bar
 * and the default used) and the keymap (defaults, then
 * ~/.config/sagetty/keymap if present), chooses line drawing, opens the
 * four panes.  NULL with err set on failure. */
struct app *app_new(struct sg_workspace *ws, const struct tui_options *opt,
		    struct surface_backend *be, struct sg_error *err);
void app_free(struct app *app);
/* Handles one key (an sg_key code); returns app->dirty. */
int app_handle_key(struct app *app, int key);
/* Runs one action as if its key had been pressed in the focused pane. */
void app_action(struct app *app, enum sg_action a);
/* Runs a command line ("split", "theme light"). */
void app_command(struct app *app, const char *line);
/* Draws the whole frame on the backend and clears app->dirty. */
void app_draw(struct app *app);
/* The backend has been resized to w×h (surface_mem_resize, or curses after
 * KEY_RESIZE): lays the panes out again for it.  The size is read from the
 * backend; w and h only name it. */
void app_resize(struct app *app, int w, int h);
/* The refresh timer: reloads the panes when the store changed (its
 * data_version moved); returns 1 when something needs drawing. */
int app_tick(struct app *app);
/* A signal arrived: SIGHUP/SIGTERM end the app with 128+signo; SIGINT
 * quits like `q` (asking first when work would be lost). */
void app_signal(struct app *app, int signo);
/* Shows the notifications newer than the last one seen (a status-line
 * alert, role ERROR, and the bell); returns 1 when there were any.  The app starts
 * from the newest at launch, so old ones never ring; app_reload calls it. */
int app_notifications(struct app *app);
/* Reloads every pane and the running count. */
void app_reload(struct app *app);
/* Shows a transient status line (role MESSAGE or ERROR). */
void app_message(struct app *app, enum sg_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The pane with keyboard focus. */
struct pane *app_focused(struct app *app);
/* Shows pane index i (0..3) on the focused side. */
void app_show_pane(struct app *app, int i);
/* Completes the command line at the cursor (Tab). */
void app_complete(struct app *app);
/* Opens the : line as a prompt holding text, the cursor at byte cursor. */
void app_prompt(struct app *app, const char *text, size_t cursor);

#define APP_MAX_FDS 160 /* 4 for each open notebook's kernel (32 of them), and the rest */
/* The descriptors the panes' background work waits on (all panes, shown
 * or not) into fds (max of them); returns how many.  *timeout_ms is set to
 * the shortest timer a pane asked for, or -1. */
int app_pane_fds(struct app *app, int *fds, int max, int *timeout_ms);
/* fd became readable, or (-1) a pane timer went off: passes it to every
 * pane.  Returns app->dirty. */
int app_pane_event(struct app *app, int fd);

#endif
