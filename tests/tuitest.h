/* tuitest.h — helpers shared by the TUI tests (test_render.c,
 * test_pane_data.c, test_pane_experiments.c), which drive the app on the
 * memory surface and read the screen back.
 *
 * Include it after defining struct fx, which must have the members
 * `struct surface_backend *be` and `struct app *app`.  type() and key() feed
 * keys and then call TT_AFTER_INPUT(f): settle() unless the test defines it
 * first (test_render.c only draws). */
#ifndef SG_TUITEST_H
#define SG_TUITEST_H

#include <locale.h>
#include <poll.h>
#include "tests/testutil.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/surface.h"

/* A UTF-8 locale, and none of the user's keymap, themes or NO_COLOR; with
 * home non-NULL, HOME is set to it too. */
static inline void tt_env(const char *home)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	if (home)
		setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("SAGETTY_THEMES");
	unsetenv("NO_COLOR");
}

/* Makes a workspace in folder and opens it.  (The parameter names keep
 * clear of the tests' own globals.) */
static inline struct sg_workspace *tt_workspace(const char *folder)
{
	struct sg_error err = { 0 };
	struct sg_workspace *opened;

	assert_int_equal(sg_workspace_init(folder, NULL, NULL, &err), 0);
	opened = sg_workspace_open(folder, 0, &err);
	assert_non_null(opened);
	return opened;
}

/* Sets f->be to a w×h memory surface and f->app to an app on the workspace
 * space (not drawn yet). */
static inline void tt_app(struct fx *f, struct sg_workspace *space, int w, int h, int unicode,
			  const struct tui_options *opt)
{
	struct sg_error err = { 0 };

	f->be = surface_mem_new(w, h, unicode);
	f->app = app_new(space, opt, f->be, &err);
	assert_non_null(f->app);
}

/* Frees f->app and f->be. */
static inline void tt_app_free(struct fx *f)
{
	app_free(f->app);
	f->be->ops->free(f->be);
}

/* A new fx with tt_app(), drawn; tt_fx_free() frees it. */
static inline struct fx *tt_fx_new(struct sg_workspace *space, int w, int h, int unicode,
				   const struct tui_options *opt)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tt_app(f, space, w, h, unicode, opt);
	app_draw(f->app);
	return f;
}

static inline void tt_fx_free(struct fx *f)
{
	tt_app_free(f);
	free(f);
}

/* Row y of the screen (a static buffer). */
static inline const char *row(struct fx *f, int y)
{
	static char buf[4096];
	return surface_mem_row(f->be, y, buf, sizeof buf);
}

static inline int has(struct fx *f, const char *text)
{
	return surface_mem_find(f->be, text, NULL, NULL) == 0;
}

/* The row number where text first appears. */
static inline int row_of(struct fx *f, const char *text)
{
	int y;
	if (surface_mem_find(f->be, text, &y, NULL) != 0)
		fail_msg("'%s' is not on screen", text);
	return y;
}

/* The role of the cell where text first appears on screen. */
static inline enum sg_role role_at(struct fx *f, const char *text)
{
	int y, x;
	if (surface_mem_find(f->be, text, &y, &x) != 0)
		fail_msg("'%s' is not on screen", text);
	return surface_mem_cell(f->be, y, x)->role;
}

/* With TEST_RENDER_DUMP set, prints the screen (to debug a failure). */
static inline void dump(struct fx *f)
{
	if (!getenv("TEST_RENDER_DUMP"))
		return;
	for (int y = 0; y < f->be->h; y++)
		fprintf(stderr, "%2d|%s|\n", y, row(f, y));
}

static inline void draw(struct fx *f)
{
	app_draw(f->app);
	dump(f);
}

/* Runs background work until the panes wait on nothing (60 s at most: it
 * returns as soon as they do, and a sanitizer build on a loaded host can
 * take seconds over a 3 MB file), polling the descriptors the app's loop
 * would poll, then draws. */
static inline void settle(struct fx *f)
{
	double end = sg_now() + 60;

	while (sg_now() < end) {
		int fds[APP_MAX_FDS], tmo, n = app_pane_fds(f->app, fds, APP_MAX_FDS, &tmo);
		struct pollfd pf[APP_MAX_FDS];
		if (n <= 0 || n > APP_MAX_FDS)
			break;
		for (int i = 0; i < n; i++)
			pf[i] = (struct pollfd){ fds[i], POLLIN, 0 };
		int k = poll(pf, (nfds_t)n, tmo < 0 ? 100 : tmo);
		for (int i = 0; i < n && k > 0; i++)
			if (pf[i].revents)
				app_pane_event(f->app, pf[i].fd);
		if (k == 0)
			app_pane_event(f->app, -1);
	}
	draw(f);
}

#ifndef TT_AFTER_INPUT
#define TT_AFTER_INPUT(f) settle(f)
#endif

/* Feeds each character of s as a key. */
static inline void type(struct fx *f, const char *s)
{
	for (; *s; s++)
		app_handle_key(f->app, (unsigned char)*s);
	TT_AFTER_INPUT(f);
}

static inline void key(struct fx *f, int k)
{
	app_handle_key(f->app, k);
	TT_AFTER_INPUT(f);
}

/* Runs a : command line. */
static inline void command(struct fx *f, const char *line)
{
	type(f, ":");
	type(f, line);
	key(f, SG_KEY_ENTER);
}

#endif
