/* draw.c — tab bar, pane boxes, status bar, command line, help overlay and
 * the "terminal too small" notice. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/action.h"
#include "core/keymap.h"
#include "tui/draw.h"
#include "tui/editor.h"

#define HELP_MAX_W 100
#define HELP_NAME_W 16
#define STATUS_MSG_ROWS 4  /* rows a long message may take above the status bar */

int draw_too_small(int w, int h)
{
	return w < APP_MIN_W || h < APP_MIN_H;
}

int draw_layout(const struct app *app, int w, int h, struct rect box[2])
{
	int bh = h - 2, lw = w / 2;

	if (!app->split) {
		box[0] = (struct rect){ 1, 0, bh, w };
		return 1;
	}
	box[0] = (struct rect){ 1, 0, bh, lw };
	box[1] = (struct rect){ 1, lw, bh, w - lw };
	return 2;
}

/* The keys of action a in the focused pane's context: "1, <F1>". */
static void keys_for(const struct app *app, enum sg_action a, char *buf, size_t n)
{
	struct pane *p = (struct pane *)&app->panes[app->side[app->focus]];

	sg_keymap_keys_for(&app->km, pane_context(p), a, buf, n);
}

void draw_first_key(const struct app *app, enum sg_action a, char *buf, size_t n)
{
	keys_for(app, a, buf, n);
	buf[strcspn(buf, ",")] = '\0';
}

/* ---- tab bar ---------------------------------------------------------------- */

/* One tab per pane with its key, the focused one active; help and command
 * keys on the right when they fit. */
static void draw_tabs(struct app *app, struct surface *s)
{
	static const enum sg_action tab_action[APP_NPANES] = {
		SG_ACTION_PANE_DATA, SG_ACTION_PANE_NOTEBOOKS,
		SG_ACTION_PANE_MONITOR, SG_ACTION_PANE_EXPERIMENTS,
	};
	char key[32], label[96], hint[96], hk[32], ck[32];
	int x = 0;

	surface_fill(s, 0, 0, 1, s->w, ' ', SG_ROLE_TAB);
	for (int i = 0; i < APP_NPANES; i++) {
		enum sg_role role = i == app->side[app->focus] ? SG_ROLE_TAB_ACTIVE : SG_ROLE_TAB;
		draw_first_key(app, tab_action[i], key, sizeof key);
		snprintf(label, sizeof label, " %s%s%s ", key, *key ? " " : "",
			 app->panes[i].ops->title);
		x += surface_textw(s, 0, x, s->w - x, role, 0, label) + 1;
	}
	draw_first_key(app, SG_ACTION_HELP, hk, sizeof hk);
	draw_first_key(app, SG_ACTION_COMMAND, ck, sizeof ck);
	snprintf(hint, sizeof hint, "%s help  %s command ", hk, ck);
	if (*hk && *ck && x + text_width(hint, s->be->unicode) < s->w)
		surface_textw(s, 0, x, s->w - x, SG_ROLE_TAB, TEXT_RIGHT, hint);
}

/* ---- panes ---------------------------------------------------------------------- */

/* Pane idx in box r: the border, its title line, its content inside. */
static void draw_pane(struct app *app, struct surface *root, struct rect r, int idx, int focused)
{
	struct pane *p = &app->panes[idx];
	struct surface inner;
	char title[512], label[520];

	surface_box(root, r.y, r.x, r.h, r.w, SG_ROLE_BORDER);
	inner = surface_sub(root, r.y + 1, r.x + 1, r.h - 2, r.w - 2);
	p->focused = focused;
	/* content first: drawing may move state the title reports (rows
	 * indexed so far) */
	pane_draw(p, &inner);
	pane_title(p, title, sizeof title);
	snprintf(label, sizeof label, " %s ", title);
	surface_textw(root, r.y, r.x + 2, r.w - 4, focused ? SG_ROLE_TITLE : SG_ROLE_DIM,
		      TEXT_ELLIPSIS, label);
}

/* The visible panes, as draw_layout places them. */
static void draw_panes(struct app *app, struct surface *root)
{
	struct rect box[2];
	int n = draw_layout(app, root->w, root->h, box);

	for (int k = 0; k < n; k++) {
		int side = app->split ? k : app->focus;
		draw_pane(app, root, box[k], app->side[side], side == app->focus);
	}
}

/* ---- status bar ------------------------------------------------------------------ */

/* root with $HOME as ~, cut from the left to maxw columns. */
static void short_root(const struct surface *s, const char *root, int maxw, char *out, size_t n)
{
	const char *home = getenv("HOME"), *ell = surface_glyph_text(s->be, GLYPH_ELLIPSIS);
	size_t hl = home ? strlen(home) : 0;
	char full[2048];
	const char *p = full;

	if (hl > 1 && strncmp(root, home, hl) == 0 && (root[hl] == '/' || !root[hl]))
		snprintf(full, sizeof full, "~%s", root + hl);
	else
		snprintf(full, sizeof full, "%s", root);
	if (text_width(full, s->be->unicode) <= maxw) {
		snprintf(out, n, "%s", full);
		return;
	}
	/* Drop characters from the front until the tail fits after "…". */
	while (*p && text_width(p, s->be->unicode) > maxw - 1) {
		long cp;
		p += utf8_decode(p, strlen(p), &cp);
	}
	snprintf(out, n, "%s%s", ell, p);
}

/* The : line on row y, scrolled so the cursor shows, with the cursor. */
static void draw_cmdline(struct app *app, struct surface *s, int y)
{
	int uni = s->be->unicode, avail = s->w - 2, curw;
	const char *from = app->cmd;
	char head[sizeof app->cmd];

	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_NORMAL);
	surface_text(s, y, 0, SG_ROLE_PROMPT, ":");
	memcpy(head, app->cmd, app->cmd_pos);
	head[app->cmd_pos] = '\0';
	/* Scroll the line so the cursor stays in view. */
	while (*from && text_width(head + (from - app->cmd), uni) > avail) {
		long cp;
		from += utf8_decode(from, strlen(from), &cp);
	}
	surface_textw(s, y, 1, avail + 1, SG_ROLE_NORMAL, 0, from);
	curw = text_width(head + (from - app->cmd), uni);
	surface_cursor(s, y, 1 + curw);
}

/* A message too long for the status bar: wrapped on the rows above it. */
static void draw_long_message(struct app *app, struct surface *s)
{
	int w = s->w - 2, rows = text_wrap_rows(app->msg, w, s->be->unicode), y;

	if (rows > STATUS_MSG_ROWS)
		rows = STATUS_MSG_ROWS;
	y = s->h - 1 - rows;
	surface_fill(s, y, 0, rows, s->w, ' ', app->msg_role);
	surface_wrap(s, y, 1, rows, w, app->msg_role, app->msg, 0);
}

/* The last row: the command line, a question, or the root, user, running
 * count and the message. */
static void draw_status(struct app *app, struct surface *s)
{
	int y = s->h - 1, uni = s->be->unicode, x, infow, msgw, rootw;
	const char *dot = surface_glyph_text(s->be, GLYPH_DOT);
	char info[256], root[2048];

	if (app->mode == APP_COMMAND) {
		if (*app->msg)
			draw_long_message(app, s);
		draw_cmdline(app, s, y);
		return;
	}
	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_STATUS);
	if (app->mode == APP_CONFIRM) {
		surface_textw(s, y, 0, s->w, SG_ROLE_PROMPT, TEXT_PAD | TEXT_ELLIPSIS,
			      app->question);
		return;
	}
	snprintf(info, sizeof info, " %s %s %ld running %s", app->ws->user, dot, app->running,
		 app->ws->readonly ? "(read-only) " : "");
	infow = text_width(info, uni);
	msgw = *app->msg ? text_width(app->msg, uni) + 2 : 0;
	rootw = s->w - infow - msgw - 3;
	if (rootw < 12)
		rootw = 12;
	short_root(s, app->ws->root, rootw, root, sizeof root);
	x = 1 + surface_textw(s, y, 1, s->w - 1, SG_ROLE_STATUS, 0, root);
	x += surface_textw(s, y, x, s->w - x, SG_ROLE_STATUS, 0, " ");
	x += surface_textw(s, y, x, s->w - x, SG_ROLE_STATUS, 0, dot);
	x += surface_textw(s, y, x, s->w - x, SG_ROLE_STATUS, 0, info);
	if (!*app->msg)
		return;
	if (x + msgw <= s->w)
		surface_textw(s, y, x + 1, s->w - x - 1, app->msg_role, TEXT_PAD, app->msg);
	else
		draw_long_message(app, s);
}

/* ---- help overlay -------------------------------------------------------------- */

/* The cell editor's keys (modal, not actions): a section of the help in
 * the Notebooks pane, for the key style the config chooses. */
static const struct sg_editor_help_line *editor_help(const struct app *app, size_t *n)
{
	*n = 0;
	if (strcmp(app->panes[app->side[app->focus]].ops->name, "notebooks") != 0)
		return NULL;
	return sg_editor_help(app->ws && app->ws->config.editor_vi ? SG_EDITOR_VI : SG_EDITOR_EMACS,
			      n);
}

int draw_help_lines(const struct app *app)
{
	size_t n;

	editor_help(app, &n);
	return SG_ACTION_COUNT - 1 + 2 + (n ? (int)n + 1 : 0);
}

/* Fills keys, name and help of help line i (actions, a blank, commands). */
static void help_line(const struct app *app, int i, char *keys, size_t n, const char **name,
		      const char **help)
{
	keys[0] = '\0';
	*name = *help = "";
	if (i < SG_ACTION_COUNT - 1) {
		enum sg_action a = (enum sg_action)(i + 1);
		keys_for(app, a, keys, n);
		*name = sg_action_name(a);
		*help = sg_action_help(a);
	} else if (i == SG_ACTION_COUNT) {
		*name = "theme NAME";
		*help = "Switch the color theme (: command line only)";
	} else if (i > SG_ACTION_COUNT + 1) {
		size_t ne;
		const struct sg_editor_help_line *e = editor_help(app, &ne);
		size_t j = (size_t)(i - SG_ACTION_COUNT - 2);
		if (e && j < ne) {
			snprintf(keys, n, "%s", e[j].keys ? e[j].keys : "");
			*help = e[j].what;
		}
	}
}

/* Width of the widest keys column entry, within limits. */
static int help_keys_width(const struct app *app, int uni)
{
	int w = 4;

	for (int i = 0; i < draw_help_lines(app); i++) {
		char keys[128];
		const char *name, *help;
		help_line(app, i, keys, sizeof keys, &name, &help);
		int kw = text_width(keys, uni);
		if (kw > w)
			w = kw;
	}
	return w > 22 ? 22 : w;
}

/* The help table in in: a header row, then the lines from help_top; keys
 * kw wide at column 1, command after them, help text at column hx. */
static void draw_help_rows(struct app *app, struct surface *in, int kw, int hx)
{
	int total = draw_help_lines(app);

	surface_fill(in, 0, 0, 1, in->w, ' ', SG_ROLE_HEADER);
	surface_text(in, 0, 1, SG_ROLE_HEADER, "KEYS");
	surface_text(in, 0, 1 + kw + 2, SG_ROLE_HEADER, "COMMAND");
	surface_text(in, 0, hx, SG_ROLE_HEADER, "WHAT IT DOES");
	for (int r = 0; r < app->help_rows && app->help_top + r < total; r++) {
		char keys[128];
		const char *name, *help;
		help_line(app, app->help_top + r, keys, sizeof keys, &name, &help);
		surface_textw(in, r + 1, 1, kw, SG_ROLE_KEY, TEXT_ELLIPSIS, keys);
		surface_textw(in, r + 1, 1 + kw + 2, HELP_NAME_W, SG_ROLE_NORMAL, TEXT_ELLIPSIS,
			      name);
		surface_textw(in, r + 1, hx, in->w - hx, SG_ROLE_HELP, TEXT_ELLIPSIS, help);
	}
}

/* The ? overlay: a centered box with the help table, scrolled to
 * help_top, and the position in its bottom border. */
static void draw_help(struct app *app, struct surface *root)
{
	int total = draw_help_lines(app), uni = root->be->unicode;
	int bw = root->w - 4 < HELP_MAX_W ? root->w - 4 : HELP_MAX_W;
	int bh = root->h - 2 < total + 4 ? root->h - 2 : total + 4;
	int y0 = (root->h - bh) / 2, x0 = (root->w - bw) / 2, kw = help_keys_width(app, uni);
	struct surface box = surface_sub(root, y0, x0, bh, bw);
	struct surface in = surface_sub(&box, 1, 1, bh - 2, bw - 2);
	int hx, room = in.w - HELP_NAME_W - 5 - 20;  /* keep 20 columns for the help */
	char title[128], foot[128];

	if (kw > room)
		kw = room < 6 ? 6 : room;
	hx = 1 + kw + 2 + HELP_NAME_W + 2;
	app->help_rows = in.h - 1;
	if (app->help_top > total - app->help_rows)
		app->help_top = total - app->help_rows > 0 ? total - app->help_rows : 0;
	surface_fill(&box, 0, 0, bh, bw, ' ', SG_ROLE_HELP);
	surface_box(&box, 0, 0, bh, bw, SG_ROLE_BORDER);
	snprintf(title, sizeof title, " Help \u2014 keys in the %s pane ",
		 app->panes[app->side[app->focus]].ops->title);
	surface_textw(&box, 0, 2, bw - 4, SG_ROLE_TITLE, TEXT_ELLIPSIS, title);
	draw_help_rows(app, &in, kw, hx);
	snprintf(foot, sizeof foot, " %d-%d/%d  ? Esc q close ", app->help_top + 1,
		 app->help_top + app->help_rows < total ? app->help_top + app->help_rows : total,
		 total);
	surface_textw(&box, bh - 1, 2, bw - 4, SG_ROLE_DIM, TEXT_RIGHT | TEXT_ELLIPSIS, foot);
}

/* ---- too small ---------------------------------------------------------------------- */

/* The "terminal too small" notice, centered, on two lines if need be. */
static void draw_small(struct surface *root)
{
	char need[64], line[96];
	int y = root->h / 2;

	snprintf(need, sizeof need, "(need %dx%d)", APP_MIN_W, APP_MIN_H);
	snprintf(line, sizeof line, "terminal too small %s", need);
	if (text_width(line, 0) <= root->w) {
		surface_textw(root, y, 0, root->w, SG_ROLE_MESSAGE, TEXT_CENTER, line);
		return;
	}
	surface_textw(root, y > 0 ? y - 1 : 0, 0, root->w, SG_ROLE_MESSAGE, TEXT_CENTER,
		      "terminal too small");
	surface_textw(root, y > 0 ? y : 1, 0, root->w, SG_ROLE_MESSAGE, TEXT_CENTER, need);
}

void draw_frame(struct app *app, struct surface *root)
{
	surface_cursor(root, -1, -1);
	if (draw_too_small(root->w, root->h)) {
		draw_small(root);
		return;
	}
	draw_tabs(app, root);
	draw_panes(app, root);
	if (app->mode == APP_HELP)
		draw_help(app, root);
	draw_status(app, root);
}
