/* app.c — the app state machine, and tui_run's terminal loop around it.
 *
 * Everything that decides what the screen shows lives in the state machine
 * (app_new, app_handle_key, app_draw, app_tick), which never touches the
 * terminal: tests drive it on the memory backend with the very key codes
 * the loop below reads from curses.  The loop is one thread blocked in
 * poll() on stdin and a self-pipe that signal handlers write to, with the
 * refresh timer as poll's timeout: an idle workbench costs no CPU. */
#include "sgconfig.h"
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "core/rules.h"
#include "core/run.h"
#include "core/util.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/label.h"

static const struct pane_ops *const pane_table[APP_NPANES] = {
	&pane_data_ops, &pane_notebooks_ops, &pane_monitor_ops, &pane_experiments_ops,
};

/* ---- messages ---------------------------------------------------------------- */

void app_message(struct app *app, enum sg_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->msg, sizeof app->msg, fmt, ap);
	va_end(ap);
	app->msg_role = role;
	app->dirty = 1;
}

/* pane_env's message hook. */
static void env_message(void *ud, enum sg_role role, const char *text)
{
	app_message(ud, role, "%s", text);
}

/* pane_env's prompt hook. */
static void env_prompt(void *ud, const char *text, size_t cursor)
{
	app_prompt(ud, text, cursor);
}

/* pane_env's confirm hook: a y/n question answered by the pane's yes. */
static void env_confirm(void *ud, const char *question, struct pane *p,
			void (*yes)(struct pane *p))
{
	struct app *app = ud;

	snprintf(app->question, sizeof app->question, "%s", question);
	app->confirm_yes = yes;
	app->confirm_pane = p;
	app->mode = APP_CONFIRM;
	app->dirty = 1;
}

void app_prompt(struct app *app, const char *text, size_t cursor)
{
	snprintf(app->cmd, sizeof app->cmd, "%s", text);
	app->cmd_pos = cursor < strlen(app->cmd) ? cursor : strlen(app->cmd);
	/* never inside a UTF-8 character */
	while (app->cmd_pos > 0 && ((unsigned char)app->cmd[app->cmd_pos] & 0xc0) == 0x80)
		app->cmd_pos--;
	app->mode = APP_COMMAND;
	app->dirty = 1;
}

/* Adds text to the status message, after what is already there (start-up
 * can report both a bad theme and a bad keymap). */
static void message_append(struct app *app, enum sg_role role, const char *text)
{
	if (!*app->msg) {
		app_message(app, role, "%s", text);
		return;
	}
	size_t len = strlen(app->msg);
	snprintf(app->msg + len, sizeof app->msg - len, "; %s", text);
	app->msg_role = SG_ROLE_ERROR;
}

/* ---- set-up ------------------------------------------------------------------------ */

/* $XDG_CONFIG_HOME/sagetty/NAME or ~/.config/sagetty/NAME, malloc'd; NULL
 * when there is no home. */
static char *user_config_path(const char *name)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return sg_xasprintf("%s/sagetty/%s", xdg, name);
	if (home && *home)
		return sg_xasprintf("%s/.config/sagetty/%s", home, name);
	return NULL;
}

/* The folders themes are looked up in, most personal first. */
static void theme_dirs_init(struct app *app)
{
	const char *env = getenv("SAGETTY_THEMES");
	int n = 0;

	if (env && *env)
		app->theme_dirs[n++] = env;
	app->user_theme_dir = user_config_path("themes");
	if (app->user_theme_dir)
		app->theme_dirs[n++] = app->user_theme_dir;
	app->theme_dirs[n++] = SG_PKGDATADIR "/themes";
	app->theme_dirs[n++] = SG_SRCDIR "/themes";
	app->theme_dirs[n] = NULL;
}

/* Loads the theme the options or the config name; reports a bad one. */
static void theme_init(struct app *app, const struct tui_options *opt)
{
	const char *name = opt && opt->theme ? opt->theme : app->ws->config.theme;
	struct sg_error e = { 0 };

	if (!name || !*name)
		name = "default";
	if (sg_theme_load(&app->theme, name, app->theme_dirs, &e) < 0) {
		sg_theme_default(&app->theme);
		message_append(app, SG_ROLE_ERROR, e.msg);
	}
	app->be->ops->set_theme(app->be, &app->theme);
}

/* Default bindings, then the user's file on top when it exists. */
static void keymap_init(struct app *app)
{
	char *path = user_config_path("keymap");
	struct sg_error e = { 0 };

	sg_keymap_init(&app->km);
	sg_keymap_default(&app->km);
	if (path && sg_keymap_load(&app->km, path, 1, &e) < 0)
		message_append(app, SG_ROLE_ERROR, e.msg);
	free(path);
}

/* ASCII lines when asked (option, then config) or when the locale cannot
 * show box drawing characters. */
static void lines_init(struct app *app, const struct tui_options *opt)
{
	enum sg_line_drawing cfg = app->ws->config.lines;

	if (opt && opt->ascii)
		app->be->ascii_lines = 1;
	else if (cfg == SG_LINES_ASCII)
		app->be->ascii_lines = 1;
	else if (cfg == SG_LINES_UTF8)
		app->be->ascii_lines = 0;
	else
		app->be->ascii_lines = !app->be->unicode;
}

struct app *app_new(struct sg_workspace *ws, const struct tui_options *opt,
		    struct surface_backend *be, struct sg_error *err)
{
	struct app *app = sg_xcalloc(1, sizeof *app);

	app->ws = ws;
	app->be = be;
	app->env.ws = ws;
	app->env.message = env_message;
	app->env.prompt = env_prompt;
	app->env.confirm = env_confirm;
	app->env.ud = app;
	app->side[0] = 0;
	app->side[1] = 1;
	theme_dirs_init(app);
	theme_init(app, opt);
	keymap_init(app);
	lines_init(app, opt);
	for (int i = 0; i < APP_NPANES; i++) {
		if (pane_init(&app->panes[i], pane_table[i], &app->env, err) < 0) {
			sg_error_prefix(err, "%s pane", pane_table[i]->title);
			app_free(app);
			return NULL;
		}
	}
	if (opt && opt->label && label_open_dataset(&app->panes[0], opt->label, err) < 0) {
		app_free(app);
		return NULL;
	}
	app->running = sg_run_count(ws->store, SG_RUN_RUNNING, NULL);
	app->data_version = sg_store_data_version(ws->store);
	app->notified = sg_notifications_last_id(ws->store, NULL);
	app_resize(app, be->w, be->h);
	app->dirty = 1;
	return app;
}

void app_free(struct app *app)
{
	if (!app)
		return;
	for (int i = 0; i < APP_NPANES; i++)
		pane_done(&app->panes[i]);
	sg_keymap_done(&app->km);
	free(app->user_theme_dir);
	free(app);
}

/* ---- layout and panes ---------------------------------------------------------- */

struct pane *app_focused(struct app *app)
{
	return &app->panes[app->side[app->focus]];
}

/* Tells the visible panes the size of their boxes' insides. */
static void app_layout(struct app *app)
{
	struct rect box[2];
	int n = draw_layout(app, app->be->w, app->be->h, box);

	if (draw_too_small(app->be->w, app->be->h))
		return;
	for (int k = 0; k < n; k++) {
		int side = app->split ? k : app->focus;
		pane_resize(&app->panes[app->side[side]], box[k].w - 2, box[k].h - 2);
	}
	app->dirty = 1;
}

void app_resize(struct app *app, int w, int h)
{
	app_layout(app);
	app->dirty = 1; /* also when too small, where app_layout does nothing */
}

void app_show_pane(struct app *app, int i)
{
	int other = 1 - app->focus;

	if (i < 0 || i >= APP_NPANES)
		return;
	/* In a split the chosen pane moves to the focused side; if the other
	 * side shows it already, the two sides trade places. */
	if (app->split && app->side[other] == i)
		app->side[other] = app->side[app->focus];
	app->side[app->focus] = i;
	app_layout(app);
}

/* Toggles one pane / two side by side. */
static void toggle_split(struct app *app)
{
	int other = 1 - app->focus;

	app->split = !app->split;
	if (app->split && app->side[other] == app->side[app->focus])
		app->side[other] = (app->side[app->focus] + 1) % APP_NPANES;
	app_layout(app);
}

void app_reload(struct app *app)
{
	struct sg_error e = { 0 };

	for (int i = 0; i < APP_NPANES; i++) {
		if (pane_reload(&app->panes[i], &e) < 0) {
			app_message(app, SG_ROLE_ERROR, "%s: %s", app->panes[i].ops->title, e.msg);
			sg_error_clear(&e);
		}
	}
	long n = sg_run_count(app->ws->store, SG_RUN_RUNNING, NULL);
	app->running = n < 0 ? 0 : n;
	app->data_version = sg_store_data_version(app->ws->store);
	app_notifications(app);
	app->dirty = 1;
}

/* sg_notifications_since callback: one alert in the status line. */
static int on_notification(const struct sg_notification *n, void *ud)
{
	struct app *app = ud;

	app_message(app, SG_ROLE_ERROR, "%s on %.8s: %s", n->rule, n->run_id, n->message);
	app->notified = n->id;
	return 0;
}

int app_notifications(struct app *app)
{
	long long before = app->notified;
	int n;

	if (app->notified < 0)
		app->notified = 0;
	sg_notifications_since(app->ws->store, app->notified, on_notification, app, NULL);
	n = app->notified != before;
	if (n) {
		surface_bell(app->be);
		app->dirty = 1;
	}
	return n;
}

/* ---- quitting -------------------------------------------------------------------- */

/* Ends the app with code, unless a pane would lose work: then asks. */
static void request_quit(struct app *app, int code)
{
	for (int i = 0; i < APP_NPANES; i++) {
		const char *lost = pane_unsaved(&app->panes[i]);
		if (lost) {
			snprintf(app->question, sizeof app->question, "Quit and lose %s? (y/n)", lost);
			app->confirm_code = code;
			app->confirm_yes = NULL;
			app->mode = APP_CONFIRM;
			app->dirty = 1;
			return;
		}
	}
	app->quit = 1;
	app->exit_code = code;
}

void app_signal(struct app *app, int signo)
{
	if (signo == SIGINT) {
		if (app->mode == APP_CONFIRM && app->confirm_yes) { /* a pane's question */
			app->confirm_yes = NULL;
			app->mode = APP_NORMAL;
			request_quit(app, 128 + signo);
		} else if (app->mode == APP_CONFIRM) { /* a second ^C means it */
			app->quit = 1;
			app->exit_code = 128 + signo;
		} else {
			request_quit(app, 128 + signo);
		}
		return;
	}
	if (signo == SIGHUP || signo == SIGTERM) {
		app->quit = 1;
		app->exit_code = 128 + signo;
	}
}

/* ---- actions --------------------------------------------------------------------------- */

/* Actions no pane took: the app's own. */
static void app_global(struct app *app, enum sg_action a)
{
	char key[32];

	switch (a) {
	case SG_ACTION_QUIT: request_quit(app, 0); break;
	case SG_ACTION_HELP: app->mode = APP_HELP; app->help_top = 0; break;
	case SG_ACTION_COMMAND:
		app->mode = APP_COMMAND;
		app->cmd[0] = '\0';
		app->cmd_pos = 0;
		break;
	case SG_ACTION_PANE_DATA: app_show_pane(app, 0); break;
	case SG_ACTION_PANE_NOTEBOOKS: app_show_pane(app, 1); break;
	case SG_ACTION_PANE_MONITOR: app_show_pane(app, 2); break;
	case SG_ACTION_PANE_EXPERIMENTS: app_show_pane(app, 3); break;
	case SG_ACTION_NEXT_PANE:
		app_show_pane(app, (app->side[app->focus] + 1) % APP_NPANES);
		break;
	case SG_ACTION_PREV_PANE:
		app_show_pane(app, (app->side[app->focus] + APP_NPANES - 1) % APP_NPANES);
		break;
	case SG_ACTION_SPLIT: toggle_split(app); break;
	case SG_ACTION_SWAP_FOCUS:
		if (app->split) {
			app->focus = 1 - app->focus;
		} else {
			draw_first_key(app, SG_ACTION_SPLIT, key, sizeof key);
			app_message(app, SG_ROLE_MESSAGE, "One pane shown: %s splits the screen",
				    *key ? key : ":split");
		}
		break;
	case SG_ACTION_REFRESH:
		app_reload(app);
		if (app->msg_role != SG_ROLE_ERROR || !*app->msg)
			app_message(app, SG_ROLE_MESSAGE, "Reloaded");
		break;
	case SG_ACTION_REDRAW: app->be->ops->invalidate(app->be); break;
	default: break;
	}
	app->dirty = 1;
}

void app_action(struct app *app, enum sg_action a)
{
	enum pane_result r;

	if (a == SG_ACTION_NONE)
		return;
	r = pane_action(app_focused(app), a);
	if (r == PANE_REDRAW)
		app->dirty = 1;
	else if (r == PANE_UNHANDLED)
		app_global(app, a);
}

/* ---- keys by mode ---------------------------------------------------------------------- */

/* A key in normal mode: its action in the focused pane's context, else a
 * hint that it is not bound. */
static void key_normal(struct app *app, int key)
{
	struct pane *p = app_focused(app);
	enum sg_action a = sg_keymap_lookup(&app->km, pane_context(p), key);
	char name[32], help[32];
	enum pane_result r = pane_key(p, key, a);

	if (r != PANE_UNHANDLED) {
		if (r == PANE_REDRAW)
			app->dirty = 1;
		return;
	}
	if (a != SG_ACTION_NONE) {
		app_action(app, a);
		return;
	}
	if (key == SG_KEY_PASTE_BEGIN || key == SG_KEY_PASTE_END)
		return;  /* the marks of a paste nobody takes */
	if (key > 0 && (key & SG_KEY_ALT)) {
		/* an unbound Alt+key was typed as <Esc> then the key */
		key_normal(app, SG_KEY_ESC);
		if (app->mode == APP_NORMAL)
			key_normal(app, key & ~SG_KEY_ALT);
		else
			app_handle_key(app, key & ~SG_KEY_ALT);
		return;
	}
	if (key <= 0)
		return;
	sg_key_name(key, name, sizeof name);
	draw_first_key(app, SG_ACTION_HELP, help, sizeof help);
	app_message(app, SG_ROLE_MESSAGE, "%s is not bound to anything (%s lists the keys)", name,
		    *help ? help : ":help");
}

/* A key while help is shown: scrolls it or closes it. */
static void key_help(struct app *app, int key)
{
	enum sg_action a = sg_keymap_lookup(&app->km, "help", key);
	int total = draw_help_lines(app), page = app->help_rows > 1 ? app->help_rows - 1 : 1;
	int max = total > app->help_rows ? total - app->help_rows : 0;

	switch (a) {
	case SG_ACTION_HELP:
	case SG_ACTION_BACK:
	case SG_ACTION_QUIT:
		app->mode = APP_NORMAL;
		break;
	case SG_ACTION_MOVE_UP: app->help_top--; break;
	case SG_ACTION_MOVE_DOWN: app->help_top++; break;
	case SG_ACTION_PAGE_UP: app->help_top -= page; break;
	case SG_ACTION_PAGE_DOWN: app->help_top += page; break;
	case SG_ACTION_FIRST: app->help_top = 0; break;
	case SG_ACTION_LAST: app->help_top = max; break;
	default:
		/* ?, Esc and q close help even when rebound elsewhere. */
		if (key == '?' || key == SG_KEY_ESC || key == 'q')
			app->mode = APP_NORMAL;
		break;
	}
	if (app->help_top > max)
		app->help_top = max;
	if (app->help_top < 0)
		app->help_top = 0;
	app->dirty = 1;
}

/* The answer to a y/n question: y quits (or does what the pane asked),
 * anything else does not. */
static void key_confirm(struct app *app, int key)
{
	void (*yes)(struct pane *) = app->confirm_yes;

	app->mode = APP_NORMAL;
	app->confirm_yes = NULL;
	if (yes) {
		if (key == 'y' || key == 'Y')
			yes(app->confirm_pane);
		else
			app_message(app, SG_ROLE_MESSAGE, "Cancelled");
	} else if (key == 'y' || key == 'Y') {
		app->quit = 1;
		app->exit_code = app->confirm_code;
	} else {
		app_message(app, SG_ROLE_MESSAGE, "Not quitting");
	}
	app->dirty = 1;
}

/* Byte length of the UTF-8 character ending at cmd_pos. */
static size_t cmd_prev_len(const struct app *app)
{
	size_t i = app->cmd_pos;

	while (i > 0 && ((unsigned char)app->cmd[i - 1] & 0xc0) == 0x80)
		i--;
	return i > 0 ? app->cmd_pos - (i - 1) : 0;
}

/* Byte length of the UTF-8 character starting at cmd_pos. */
static size_t cmd_next_len(const struct app *app)
{
	long cp;
	size_t len = strlen(app->cmd);

	return app->cmd_pos < len ? utf8_decode(app->cmd + app->cmd_pos, len - app->cmd_pos, &cp)
				  : 0;
}

/* Removes n bytes of the line at byte offset at. */
static void cmd_delete(struct app *app, size_t at, size_t n)
{
	size_t len = strlen(app->cmd);

	memmove(app->cmd + at, app->cmd + at + n, len - at - n + 1);
}

/* Inserts k bytes of UTF-8 at the cursor if they fit. */
static void cmd_insert_bytes(struct app *app, const char *bytes, size_t k)
{
	size_t len = strlen(app->cmd);

	if (len + k >= sizeof app->cmd)
		return;
	memmove(app->cmd + app->cmd_pos + k, app->cmd + app->cmd_pos, len - app->cmd_pos + 1);
	memcpy(app->cmd + app->cmd_pos, bytes, k);
	app->cmd_pos += k;
}

/* Inserts code point cp at the cursor if it fits. */
static void cmd_insert(struct app *app, int cp)
{
	char enc[4];

	cmd_insert_bytes(app, enc, utf8_encode((uint32_t)cp, enc));
}

/* Line editing keys; returns 0 for keys it does not edit with. */
static int cmd_edit(struct app *app, int key)
{
	size_t n;

	switch (key) {
	case SG_KEY_LEFT: app->cmd_pos -= cmd_prev_len(app); return 1;
	case SG_KEY_RIGHT: app->cmd_pos += cmd_next_len(app); return 1;
	case SG_KEY_HOME: case 1: app->cmd_pos = 0; return 1;
	case SG_KEY_END: case 5: app->cmd_pos = strlen(app->cmd); return 1;
	case 21: /* C-u */
		cmd_delete(app, 0, app->cmd_pos);
		app->cmd_pos = 0;
		return 1;
	case SG_KEY_DELETE: case 4:
		cmd_delete(app, app->cmd_pos, cmd_next_len(app));
		return 1;
	case SG_KEY_BACKSPACE: case 8:
		if (!*app->cmd) { /* backspace on an empty line leaves it */
			app->mode = APP_NORMAL;
			return 1;
		}
		n = cmd_prev_len(app);
		app->cmd_pos -= n;
		cmd_delete(app, app->cmd_pos, n);
		return 1;
	}
	if (key >= 0x20 && key < SG_KEY_BASE && key != 0x7f && !(key >= 0x80 && key < 0xa0)) {
		cmd_insert(app, key);
		return 1;
	}
	return 0;
}

/* A key on the : line: runs, cancels, completes or edits it. */
static void key_command(struct app *app, int key)
{
	char line[sizeof app->cmd];

	app->dirty = 1;
	if (key == SG_KEY_ESC || key == 7 /* C-g */) {
		app->mode = APP_NORMAL;
	} else if (key == SG_KEY_ENTER) {
		memcpy(line, app->cmd, sizeof line);
		app->mode = APP_NORMAL;
		app_command(app, line);
	} else if (key == SG_KEY_TAB) {
		app_complete(app);
	} else {
		cmd_edit(app, key);
	}
}

int app_handle_key(struct app *app, int key)
{
	if (key == SG_KEY_RESIZE) {
		app->dirty = 1;
		return app->dirty;
	}
	/* A message lasts until the next key. */
	if (*app->msg) {
		app->msg[0] = '\0';
		app->dirty = 1;
	}
	if (key > 0 && (key & SG_KEY_ALT) && app->mode != APP_NORMAL) {
		/* the line, help and questions know no Alt: <Esc>, then the key */
		app_handle_key(app, SG_KEY_ESC);
		return app_handle_key(app, key & ~SG_KEY_ALT);
	}
	switch (app->mode) {
	case APP_NORMAL: key_normal(app, key); break;
	case APP_HELP: key_help(app, key); break;
	case APP_COMMAND: key_command(app, key); break;
	case APP_CONFIRM: key_confirm(app, key); break;
	}
	return app->dirty;
}

/* ---- the command line ------------------------------------------------------------------ */

/* Switches the theme live; a bad one keeps the current. */
static void switch_theme(struct app *app, const char *name)
{
	struct sg_theme t;
	struct sg_error e = { 0 };

	if (sg_theme_load(&t, name, app->theme_dirs, &e) < 0) {
		app_message(app, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	app->theme = t;
	app->be->ops->set_theme(app->be, &app->theme);
	app->be->ops->invalidate(app->be);
	app_message(app, SG_ROLE_MESSAGE, "Theme %s", name);
}

void app_command(struct app *app, const char *line)
{
	char buf[sizeof app->cmd], *word, *rest;
	enum sg_action a;

	snprintf(buf, sizeof buf, "%s", line);
	word = buf + strspn(buf, " ");
	rest = word + strcspn(word, " ");
	if (*rest)
		*rest++ = '\0';
	rest += strspn(rest, " ");
	for (size_t n = strlen(rest); n > 0 && rest[n - 1] == ' '; n--)
		rest[n - 1] = '\0';
	if (!*word)
		return;
	if (strcmp(word, "theme") == 0) {
		if (*rest)
			switch_theme(app, rest);
		else
			app_message(app, SG_ROLE_MESSAGE, "Theme %s (change it with: theme NAME)",
				    app->theme.name);
		return;
	}
	a = sg_action_lookup(word);
	if (a == SG_ACTION_NONE) {
		app_message(app, SG_ROLE_ERROR, "Unknown command: %s (Tab completes)", word);
		return;
	}
	if (*rest) {
		enum pane_result r = pane_action_arg(app_focused(app), a, rest);
		if (r == PANE_UNHANDLED)
			app_message(app, SG_ROLE_ERROR, "%s takes no arguments", word);
		else
			app->dirty = 1;
		return;
	}
	app_action(app, a);
}

/* Candidates for completion, collected by prefix. */
struct completion {
	const char *prefix;
	size_t plen;
	char items[64][64];
	int n;
};

/* Adds word when it has the prefix and is not there yet (64 at most). */
static void cand_add(struct completion *c, const char *word)
{
	if (strncmp(word, c->prefix, c->plen) != 0 || c->n >= 64)
		return;
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->items[i], word) == 0)
			return;
	snprintf(c->items[c->n++], sizeof c->items[0], "%s", word);
}

/* Theme names: "default" and every NAME.theme in the theme folders. */
static void cand_themes(struct app *app, struct completion *c)
{
	cand_add(c, "default");
	for (int i = 0; app->theme_dirs[i]; i++) {
		DIR *d = opendir(app->theme_dirs[i]);
		struct dirent *de;
		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);
			char name[64];
			if (len <= 6 || len - 6 >= sizeof name || de->d_name[0] == '.' ||
			    strcmp(de->d_name + len - 6, ".theme") != 0)
				continue;
			memcpy(name, de->d_name, len - 6);
			name[len - 6] = '\0';
			cand_add(c, name);
		}
		closedir(d);
	}
}

/* Length of the prefix every candidate shares. */
static size_t common_prefix(const struct completion *c)
{
	size_t len = strlen(c->items[0]);

	for (int i = 1; i < c->n; i++) {
		size_t k = 0;
		while (k < len && c->items[i][k] == c->items[0][k])
			k++;
		len = k;
	}
	while (len > 0 && ((unsigned char)c->items[0][len] & 0xc0) == 0x80)
		len--; /* never end inside a UTF-8 character */
	return len;
}

/* Lists the candidates in the status bar. */
static void show_candidates(struct app *app, const struct completion *c)
{
	char list[sizeof app->msg] = "";
	size_t len = 0;

	for (int i = 0; i < c->n && len + 2 < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? "  " : "",
					c->items[i]);
	app_message(app, SG_ROLE_MESSAGE, "%s", list);
}

void app_complete(struct app *app)
{
	struct completion c = { .n = 0 };
	char head[sizeof app->cmd], *space;
	size_t start, len;

	memcpy(head, app->cmd, app->cmd_pos);
	head[app->cmd_pos] = '\0';
	space = strrchr(head, ' ');
	if (!space) {
		c.prefix = head + strspn(head, " ");
		c.plen = strlen(c.prefix);
		for (int a = 1; a < SG_ACTION_COUNT; a++)
			cand_add(&c, sg_action_name((enum sg_action)a));
		cand_add(&c, "theme");
	} else if (strncmp(head + strspn(head, " "), "theme ", 6) == 0) {
		c.prefix = space + 1;
		c.plen = strlen(c.prefix);
		cand_themes(app, &c);
	} else {
		return;
	}
	if (c.n == 0) {
		app_message(app, SG_ROLE_MESSAGE, "No completion for \"%s\"", c.prefix);
		return;
	}
	start = (size_t)(c.prefix - head);
	len = c.n == 1 ? strlen(c.items[0]) : common_prefix(&c);
	if (c.n > 1 && len == c.plen)
		show_candidates(app, &c);
	/* Replace the word before the cursor by the completion. */
	cmd_delete(app, start, app->cmd_pos - start);
	app->cmd_pos = start;
	cmd_insert_bytes(app, c.items[0], len);
	if (c.n == 1 && strcmp(c.items[0], "theme") == 0 && app->cmd[app->cmd_pos] != ' ')
		cmd_insert(app, ' ');
}

/* ---- timer, drawing ---------------------------------------------------------------- */

int app_tick(struct app *app)
{
	long long v = sg_store_data_version(app->ws->store);

	if (v != app->data_version)
		app_reload(app);
	else if (app->running > 0)
		app->dirty = 1; /* elapsed times move */
	return app->dirty;
}

int app_pane_fds(struct app *app, int *fds, int max, int *timeout_ms)
{
	int n = 0;

	*timeout_ms = -1;
	for (int i = 0; i < APP_NPANES && n < max; i++)
		n += pane_poll_fds(&app->panes[i], fds + n, max - n, timeout_ms);
	return n;
}

int app_pane_event(struct app *app, int fd)
{
	for (int i = 0; i < APP_NPANES; i++)
		if (pane_on_fd(&app->panes[i], fd) == PANE_REDRAW)
			app->dirty = 1;
	return app->dirty;
}

void app_draw(struct app *app)
{
	struct surface root = surface_root(app->be);

	app->be->ops->clear_all(app->be);
	draw_frame(app, &root);
	app->dirty = 0;
}

/* ---- the terminal loop ------------------------------------------------------------- */

static volatile sig_atomic_t sig_fd = -1;
static struct sigaction old_winch;
static const int caught[] = { SIGHUP, SIGINT, SIGTERM, SIGWINCH };
#define N_CAUGHT (sizeof caught / sizeof caught[0])
static struct sigaction old_actions[N_CAUGHT];

/* Signal handler: only writes the signal number to the self-pipe (async
 * signal safe); the loop does the work. */
static void on_signal(int signo)
{
	int saved = errno;
	unsigned char c = (unsigned char)signo;

	if (sig_fd >= 0 && write(sig_fd, &c, 1) < 0) {
		/* pipe full: the loop wakes up anyway */
	}
	errno = saved;
}

/* SIGWINCH: let ncurses' own handler note the new size (it turns it into
 * KEY_RESIZE), then wake the loop. */
static void on_winch(int signo)
{
	if (!(old_winch.sa_flags & SA_SIGINFO) && old_winch.sa_handler != SIG_DFL &&
	    old_winch.sa_handler != SIG_IGN)
		old_winch.sa_handler(signo);
	on_signal(signo);
}

/* Routes the caught signals to the self-pipe's write end wfd, saving the
 * old handlers. */
static void signals_install(int wfd)
{
	struct sigaction sa;

	sig_fd = wfd;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_CAUGHT; i++) {
		sa.sa_handler = caught[i] == SIGWINCH ? on_winch : on_signal;
		sigaction(caught[i], &sa, &old_actions[i]);
		if (caught[i] == SIGWINCH)
			old_winch = old_actions[i];
	}
}

/* Puts back the handlers signals_install replaced. */
static void signals_restore(void)
{
	for (size_t i = 0; i < N_CAUGHT; i++)
		sigaction(caught[i], &old_actions[i], NULL);
	sig_fd = -1;
}

/* Milliseconds on a clock that never jumps. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the signal numbers waiting in the pipe and passes them on. */
static void drain_signals(struct app *app, int rfd)
{
	unsigned char buf[64];
	ssize_t n;

	while ((n = read(rfd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != SIGWINCH)
				app_signal(app, buf[i]);
}

/* Feeds every key curses has ready to the app; returns how many. */
static int drain_keys(struct app *app)
{
	int key, n = 0;

	while (!app->quit && (key = surface_curses_getkey(app->be)) != -1) {
		n++;
		if (key == SG_KEY_RESIZE) {
			surface_curses_size(app->be);
			app_resize(app, app->be->w, app->be->h);
		} else if (key > 0) {
			app_handle_key(app, key);
		}
	}
	return n;
}

/* Passes the readable pane descriptors (fds[2..n)) to the panes, and the
 * pane timer when it is due. */
static void pane_events(struct app *app, const struct pollfd *fds, int n, long long *next_pane)
{
	for (int i = 2; i < n; i++)
		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
			app_pane_event(app, fds[i].fd);
	if (*next_pane >= 0 && now_ms() >= *next_pane) {
		app_pane_event(app, -1);
		*next_pane = -1;
	}
}

/* The loop: draw if needed, sleep in poll until input, a signal, a pane's
 * background work or a timer, handle it.  Returns the app's exit code. */
static int event_loop(struct app *app, int rfd, struct sg_error *err)
{
	long long period = (app->ws->config.refresh_seconds > 0 ?
			    app->ws->config.refresh_seconds : 2) * 1000LL;
	long long next_tick = now_ms() + period, next_pane = -1;
	int idle_wakeups = 0;

	while (!app->quit) {
		struct pollfd fds[2 + APP_MAX_FDS] = { { STDIN_FILENO, POLLIN, 0 }, { rfd, POLLIN, 0 } };
		int pfd[APP_MAX_FDS], pane_ms, n = 2;
		long long wait;
		if (app->dirty) {
			app_draw(app);
			surface_curses_update(app->be);
		}
		int k = app_pane_fds(app, pfd, APP_MAX_FDS, &pane_ms);
		for (int i = 0; i < k; i++)
			fds[n++] = (struct pollfd){ pfd[i], POLLIN, 0 };
		/* A pane timer only runs while a pane has work going: idle
		 * stays at zero wake-ups beyond the refresh timer. */
		if (pane_ms >= 0 && next_pane < 0)
			next_pane = now_ms() + pane_ms;
		else if (pane_ms < 0)
			next_pane = -1;
		wait = next_tick - now_ms();
		if (next_pane >= 0 && next_pane - now_ms() < wait)
			wait = next_pane - now_ms();
		if (poll(fds, (nfds_t)n, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR)
			return sg_error_errno(err, "poll");
		if (fds[1].revents & POLLIN)
			drain_signals(app, rfd);
		/* A hung-up terminal polls readable forever without keys: stop
		 * rather than spin. */
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			app_signal(app, SIGHUP);
		if (drain_keys(app) == 0 && (fds[0].revents & POLLIN)) {
			if (++idle_wakeups > 100)
				app_signal(app, SIGHUP);
		} else {
			idle_wakeups = 0;
		}
		pane_events(app, fds, n, &next_pane);
		if (now_ms() >= next_tick) {
			app_tick(app);
			/* While something runs, a second: live data shows promptly. */
			next_tick = now_ms() + (app->running > 0 && period > 1000 ? 1000 : period);
		}
	}
	return app->exit_code;
}

/* A non-blocking, close-on-exec pipe for the signal handlers. */
static int self_pipe(int fd[2], struct sg_error *err)
{
	if (pipe(fd) < 0)
		return sg_error_errno(err, "pipe");
	for (int i = 0; i < 2; i++) {
		fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
		fcntl(fd[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

int tui_run(struct sg_workspace *ws, const struct tui_options *opt, struct sg_error *err)
{
	static const struct tui_options none = { NULL, 0, 0, NULL };
	struct surface_backend *be;
	struct app *app;
	int fd[2], code;

	if (!opt)
		opt = &none;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return sg_error_set(err, SG_E_USAGE,
				    "the workbench needs a terminal (stdin and stdout are not "
				    "both a tty); use a subcommand in scripts");
	setlocale(LC_ALL, "");
	if (self_pipe(fd, err) < 0)
		return -1;
	be = surface_curses_open(opt->no_color, err);
	if (!be) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	be->unicode = strcasecmp(nl_langinfo(CODESET), "UTF-8") == 0 ||
		      strcasecmp(nl_langinfo(CODESET), "utf8") == 0;
	signals_install(fd[1]);
	app = app_new(ws, opt, be, err);
	code = app ? event_loop(app, fd[0], err) : -1;
	app_free(app);
	be->ops->free(be);
	signals_restore();
	close(fd[0]);
	close(fd[1]);
	return code;
}
