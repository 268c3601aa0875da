/* sheet_prep.c — the recipe builder: a menu of preprocessing steps on the
 * left, the steps so far and a preview of their output on the right.
 *
 * Steps are kept as the recipe's JSON (recipe.h); each change is parsed and
 * checked against the input's columns at once (a bad step is refused with
 * the recipe's own message), then fitted and previewed on the first rows in
 * a worker.  The current column is a column of the preview — of the output
 * so far, which is what the next step names.  `:prep save PATH` writes the
 * fitted recipe; `:prep run OUT.csv` applies it in a worker and registers
 * the output as a dataset whose lineage is this dataset and the recipe
 * (what `sagetty data prep` does). */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/dataset.h"
#include "core/recipe.h"
#include "core/util.h"
#include "tui/sheet.h"
#include "tui/task.h"

#define PREVIEW_ROWS 12
#define MENU_W 34
#define PCOL_MAX 16

enum pop {
	M_DROP_MISSING, M_DROP_MISSING_ANY, M_MEAN, M_MEDIAN, M_MOST_FREQUENT, M_CONSTANT,
	M_DUPLICATES, M_ONE_HOT, M_STANDARD, M_MINMAX, M_SELECT, M_DROP, M_RENAME, M_UNDO,
	M_SAVE, M_RUN, M_COUNT
};

static const char *const menu[M_COUNT] = {
	"Drop rows missing this column", "Drop rows missing any column", "Impute: mean",
	"Impute: median", "Impute: most frequent", "Impute: a constant\u2026",
	"Drop duplicate rows", "One-hot encode", "Scale: standard", "Scale: min-max",
	"Keep only this column", "Drop this column", "Rename this column\u2026",
	"Undo the last step", "Save the recipe\u2026", "Run: write a new dataset\u2026",
};

enum ptask { P_NONE, P_PREVIEW, P_RUN };

/* A worker's input and output. */
struct pjob {
	struct sg_csv *csv;
	struct sg_recipe *r;      /* owned by the job while it runs */
	char *out, *recipe_path;  /* run: the output CSV and the fitted recipe */
	struct sg_preview *prev;
	struct sg_recipe_result res;
};

struct psheet {
	struct sheet base;
	struct dsfile *f;
	json_t *steps;
	int sel, col, left;
	struct sg_recipe *fitted; /* the recipe as last previewed (fitted) */
	struct sg_preview *prev;
	char error[1024];
	struct task *task;
	enum ptask tkind;
	struct pjob job;
};

static struct psheet *ps(struct sheet *sh)
{
	return (struct psheet *)sh;
}

/* ---- the recipe ----------------------------------------------------------- */

/* Parses and checks the steps against the input; NULL with err. */
static struct sg_recipe *build(struct psheet *q, struct sg_error *err)
{
	json_t *doc = json_pack("{s:i, s:O}", "version", 1, "steps", q->steps);
	char *text = json_dumps(doc, 0);
	struct sg_recipe *r = sg_recipe_parse(text, strlen(text), "recipe", err);
	int n = sg_csv_ncols(q->f->csv);
	const char **names = sg_xcalloc((size_t)n + 1, sizeof *names);

	for (int i = 0; i < n; i++)
		names[i] = sg_csv_colname(q->f->csv, i);
	if (r && sg_recipe_check(r, names, n, err) < 0) {
		sg_recipe_free(r);
		r = NULL;
	}
	free(names);
	free(text);
	json_decref(doc);
	return r;
}

/* task_fn: fits the recipe and previews its first rows. */
static int job_preview(void *arg, const atomic_int *cancel, struct sg_stats_progress *prog,
		       struct sg_error *err)
{
	struct pjob *j = arg;

	return sg_recipe_preview(j->r, j->csv, PREVIEW_ROWS, cancel, &j->prev, err);
}

/* task_fn: applies the fitted recipe to the whole file, saves it. */
static int job_run(void *arg, const atomic_int *cancel, struct sg_stats_progress *prog,
		   struct sg_error *err)
{
	struct pjob *j = arg;
	int rc;

	if (!sg_recipe_is_fitted(j->r) && (rc = sg_recipe_fit(j->r, j->csv, cancel, err)) != 0)
		return rc;
	if ((rc = sg_recipe_apply(j->r, j->csv, j->out, cancel, &j->res, err)) != 0)
		return rc;
	return sg_recipe_save(j->r, j->recipe_path, err);
}

/* Starts fn with q->job; 0 or -1 (reported). */
static int start(struct psheet *q, enum ptask kind, task_fn fn)
{
	struct sg_error e = { 0 };

	q->job.csv = q->f->csv;
	q->task = task_start(fn, &q->job, &e);
	if (!q->task) {
		pane_message(q->base.pane, SG_ROLE_ERROR, "%s", e.msg);
		return -1;
	}
	q->tkind = kind;
	return 0;
}

/* Rebuilds the recipe after a change and previews it; a step the recipe
 * refuses is taken back.  Returns 0 when the steps stand. */
static int refresh(struct psheet *q)
{
	struct sg_error e = { 0 };
	struct sg_recipe *r = build(q, &e);

	if (!r) {
		pane_message(q->base.pane, SG_ROLE_ERROR, "%s", e.msg);
		return -1;
	}
	memset(&q->job, 0, sizeof q->job);
	q->job.r = r;
	if (start(q, P_PREVIEW, job_preview) < 0) {
		sg_recipe_free(r);
		q->job.r = NULL;
		return -1;
	}
	return 0;
}

/* The current column's name (of the output so far). */
static const char *colname(const struct psheet *q)
{
	if (q->prev)
		return q->col < q->prev->ncols ? q->prev->names[q->col] : "";
	return sg_csv_colname(q->f->csv, q->col);
}

static int ncols(const struct psheet *q)
{
	return q->prev ? q->prev->ncols : sg_csv_ncols(q->f->csv);
}

/* Adds a step (owned) and previews; a refused one is dropped again. */
static void add_step(struct psheet *q, json_t *step)
{
	json_array_append_new(q->steps, step);
	if (refresh(q) < 0)
		json_array_remove(q->steps, json_array_size(q->steps) - 1);
}

/* {"op": op, "columns": [current]} plus an optional key. */
static json_t *col_step(struct psheet *q, const char *op, const char *key, const char *val)
{
	json_t *s = json_pack("{s:s, s:[s]}", "op", op, "columns", colname(q));

	if (key)
		json_object_set_new(s, key, json_string(val));
	return s;
}

/* ---- menu ----------------------------------------------------------------- */

/* A default output path next to the input: "data/iris-prep.csv". */
static void default_out(const struct psheet *q, const char *suffix, char *buf, size_t n)
{
	const char *path = q->f->name, *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	int stem = dot && (!slash || dot > slash) ? (int)(dot - path) : (int)strlen(path);

	snprintf(buf, n, "%.*s-prep%s", stem, path, suffix);
}

/* Opens the : line for a prep sub-command. */
static void prompt(struct psheet *q, const char *text)
{
	const struct pane_env *env = q->base.pane->env;

	if (env && env->prompt)
		env->prompt(env->ud, text, strlen(text));
}

/* Enter on a menu item. */
static void apply(struct psheet *q, enum pop op)
{
	char line[512], path[400];

	if (q->task) {
		pane_message(q->base.pane, SG_ROLE_MESSAGE, "Still working (Esc cancels)");
		return;
	}
	switch (op) {
	case M_DROP_MISSING: add_step(q, col_step(q, "drop_missing", NULL, NULL)); break;
	case M_DROP_MISSING_ANY: add_step(q, json_pack("{s:s}", "op", "drop_missing")); break;
	case M_MEAN: add_step(q, col_step(q, "impute", "strategy", "mean")); break;
	case M_MEDIAN: add_step(q, col_step(q, "impute", "strategy", "median")); break;
	case M_MOST_FREQUENT: add_step(q, col_step(q, "impute", "strategy", "most_frequent")); break;
	case M_CONSTANT: prompt(q, "prep constant "); break;
	case M_DUPLICATES: add_step(q, json_pack("{s:s}", "op", "drop_duplicates")); break;
	case M_ONE_HOT: add_step(q, col_step(q, "one_hot", NULL, NULL)); break;
	case M_STANDARD: add_step(q, col_step(q, "scale", "method", "standard")); break;
	case M_MINMAX: add_step(q, col_step(q, "scale", "method", "minmax")); break;
	case M_SELECT: add_step(q, col_step(q, "select", NULL, NULL)); break;
	case M_DROP: add_step(q, col_step(q, "drop", NULL, NULL)); break;
	case M_RENAME:
		snprintf(line, sizeof line, "prep rename %s", colname(q));
		prompt(q, line);
		break;
	case M_UNDO:
		if (json_array_size(q->steps) == 0)
			break;
		json_array_remove(q->steps, json_array_size(q->steps) - 1);
		refresh(q);
		break;
	case M_SAVE:
		default_out(q, ".recipe.json", path, sizeof path);
		snprintf(line, sizeof line, "prep save %s", path);
		prompt(q, line);
		break;
	case M_RUN:
		default_out(q, ".csv", path, sizeof path);
		snprintf(line, sizeof line, "prep run %s", path);
		prompt(q, line);
		break;
	case M_COUNT: break;
	}
}

/* An absolute path for a name the user typed (relative to the workspace). */
static char *abs_path(const struct psheet *q, const char *name)
{
	return name[0] == '/' ? sg_xstrdup(name)
			      : sg_path_join(q->base.pane->env->ws->root, name);
}

/* `prep save PATH`: writes the fitted recipe. */
static void save(struct psheet *q, const char *name)
{
	struct sg_error e = { 0 };
	char *path;

	if (!q->fitted) {
		pane_message(q->base.pane, SG_ROLE_ERROR, "Nothing to save yet: add a step");
		return;
	}
	path = abs_path(q, name);
	if (sg_recipe_save(q->fitted, path, &e) < 0)
		pane_message(q->base.pane, SG_ROLE_ERROR, "%s", e.msg);
	else
		pane_message(q->base.pane, SG_ROLE_MESSAGE, "Saved the recipe to %s", name);
	free(path);
}

/* `prep run OUT`: applies the recipe to the whole file in a worker. */
static void run(struct psheet *q, const char *name)
{
	struct sg_error e = { 0 };
	struct sg_recipe *r;
	size_t n = strlen(name);

	if (!json_array_size(q->steps) || !(r = build(q, &e))) {
		pane_message(q->base.pane, SG_ROLE_ERROR, "%s",
			     *e.msg ? e.msg : "Nothing to run yet: add a step");
		return;
	}
	memset(&q->job, 0, sizeof q->job);
	q->job.r = r;
	q->job.out = abs_path(q, name);
	if (n > 4 && strcmp(name + n - 4, ".csv") == 0)
		q->job.recipe_path = sg_xasprintf("%.*s.recipe.json", (int)(strlen(q->job.out) - 4),
						  q->job.out);
	else
		q->job.recipe_path = sg_xasprintf("%s.recipe.json", q->job.out);
	if (start(q, P_RUN, job_run) < 0) {
		sg_recipe_free(r);
		free(q->job.out);
		free(q->job.recipe_path);
		memset(&q->job, 0, sizeof q->job);
	}
}

/* ---- results ---------------------------------------------------------------- */

/* Registers a run's output with its lineage and says what was made. */
static void run_done(struct psheet *q)
{
	struct sg_workspace *ws = q->base.pane->env->ws;
	struct sg_dataset_info info;
	struct sg_error e = { 0 };
	const char *rel = q->job.recipe_path;
	size_t rl = strlen(ws->root);

	if (strncmp(rel, ws->root, rl) == 0 && rel[rl] == '/')
		rel += rl + 1;
	if (sg_dataset_register(ws->store, ws->root, q->job.out, NULL, 1, q->f->dataset_id, rel,
				&info, &e) < 0) {
		pane_message(q->base.pane, SG_ROLE_ERROR, "Wrote %s, but: %s", q->job.out, e.msg);
		return;
	}
	data_reload_list(q->base.pane);
	pane_message(q->base.pane, SG_ROLE_MESSAGE,
		     "Wrote %s: %llu rows, %d columns; registered as %s (recipe %s)", info.path,
		     (unsigned long long)q->job.res.rows_out, q->job.res.ncols_out, info.name, rel);
}

/* Joins a finished worker and takes its result. */
static void task_done(struct psheet *q)
{
	struct sg_error e = { 0 };
	int rc = task_finish(q->task, &e);
	enum ptask kind = q->tkind;

	q->task = NULL;
	q->tkind = P_NONE;
	if (rc == 0 && kind == P_PREVIEW) {
		sg_preview_free(q->prev);
		q->prev = q->job.prev;
		sg_recipe_free(q->fitted);
		q->fitted = q->job.r;
		q->error[0] = '\0';
		if (q->col >= q->prev->ncols)
			q->col = q->prev->ncols ? q->prev->ncols - 1 : 0;
	} else if (rc == 0) {
		q->error[0] = '\0';
		run_done(q);
	} else {
		snprintf(q->error, sizeof q->error, "%s", rc == 1 ? "Cancelled." : e.msg);
		if (kind == P_PREVIEW && json_array_size(q->steps))
			/* the step broke fitting: take it back */
			json_array_remove(q->steps, json_array_size(q->steps) - 1);
	}
	if (kind == P_RUN || rc != 0)
		sg_recipe_free(q->job.r);
	if (rc != 0)
		sg_preview_free(q->job.prev);
	free(q->job.out);
	free(q->job.recipe_path);
	memset(&q->job, 0, sizeof q->job);
}

/* ---- drawing ------------------------------------------------------------------ */

/* "impute income (median)" for step i. */
static void describe_step(json_t *s, char *buf, size_t n)
{
	const char *op = json_string_value(json_object_get(s, "op"));
	json_t *cols = json_object_get(s, "columns"), *v;
	size_t i, len = (size_t)snprintf(buf, n, "%s", op ? op : "?");
	const char *extra = json_string_value(json_object_get(s, "strategy"));

	if (!extra)
		extra = json_string_value(json_object_get(s, "method"));
	json_array_foreach(cols, i, v)
		if (len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : " ",
						json_string_value(v));
	if (!cols && strcmp(op ? op : "", "rename") != 0 && len < n)
		len += (size_t)snprintf(buf + len, n - len, " (all columns)");
	if (json_object_get(s, "value") && len < n)
		len += (size_t)snprintf(buf + len, n - len, " = %s",
					json_string_value(json_object_get(s, "value")));
	if (json_object_get(s, "map") && len < n) {
		const char *k;
		json_object_foreach(json_object_get(s, "map"), k, v)
			len += (size_t)snprintf(buf + len, n - len, " %s \u2192 %s", k,
						json_string_value(v));
	}
	if (extra && len < n)
		snprintf(buf + len, n - len, " (%s)", extra);
}

/* The menu, the selected item highlighted. */
static void draw_menu(struct psheet *q, struct surface *s)
{
	surface_fill(s, 0, 0, 1, s->w, ' ', SG_ROLE_HEADER);
	surface_textw(s, 0, 1, s->w - 1, SG_ROLE_HEADER, TEXT_ELLIPSIS, "ADD A STEP");
	for (int i = 0; i < M_COUNT && i + 1 < s->h; i++) {
		enum sg_role role = i == q->sel ? SG_ROLE_SELECTED : i >= M_UNDO ? SG_ROLE_KEY
										 : SG_ROLE_NORMAL;
		if (i == q->sel)
			surface_fill(s, i + 1, 0, 1, s->w, ' ', role);
		surface_textw(s, i + 1, 1, s->w - 2, role, TEXT_ELLIPSIS, menu[i]);
	}
}

/* The steps so far; returns the rows used. */
static int draw_steps(struct psheet *q, struct surface *s)
{
	size_t n = json_array_size(q->steps);
	char line[512], head[96];
	int y = 1, max = s->h / 3 > 2 ? s->h / 3 : 2;

	snprintf(head, sizeof head, "RECIPE: %zu STEP%s  column: ", n, n == 1 ? "" : "S");
	surface_fill(s, 0, 0, 1, s->w, ' ', SG_ROLE_HEADER);
	int x = 1 + surface_textw(s, 0, 1, s->w - 1, SG_ROLE_HEADER, 0, head);
	surface_textw(s, 0, x, s->w - x, SG_ROLE_CURSOR, TEXT_ELLIPSIS, colname(q));
	if (!n)
		surface_textw(s, y++, 1, s->w - 1, SG_ROLE_DIM, TEXT_ELLIPSIS,
			      "No steps yet: pick one on the left (h/l choose the column)");
	for (size_t i = n > (size_t)max ? n - (size_t)max : 0; i < n && y <= max; i++) {
		char text[480];
		describe_step(json_array_get(q->steps, i), text, sizeof text);
		snprintf(line, sizeof line, "%zu. %s", i + 1, text);
		surface_textw(s, y++, 1, s->w - 1, SG_ROLE_NORMAL, TEXT_ELLIPSIS, line);
	}
	return y + 1;
}

/* Width of preview column c (its name and values, bounded). */
static int pwidth(const struct sg_preview *pv, int c)
{
	int w = text_width(pv->names[c], 1);

	for (size_t r = 0; r < pv->nrows; r++) {
		char buf[PCOL_MAX * 4 + 8];
		size_t k = r * (size_t)pv->ncols + (size_t)c;
		sheet_escape(pv->cells[k], pv->lens[k], buf, sizeof buf, PCOL_MAX + 1, 0);
		int cw = text_width(buf, 1);
		if (cw > w)
			w = cw;
	}
	return w > PCOL_MAX ? PCOL_MAX : w < 3 ? 3 : w;
}

/* The preview table from row y, scrolled so the current column shows. */
static void draw_preview(struct psheet *q, struct surface *s, int y)
{
	const struct sg_preview *pv = q->prev;
	int x;

	if (q->left > q->col)
		q->left = q->col;
	for (;;) {     /* scroll until the current column fits */
		x = 1;
		for (int c = q->left; c <= q->col; c++)
			x += pwidth(pv, c) + 2;
		if (x - 2 <= s->w || q->left == q->col)
			break;
		q->left++;
	}
	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_HEADER);
	x = 1;
	for (int c = q->left; c < pv->ncols && x < s->w; c++) {
		int w = pwidth(pv, c);
		surface_textw(s, y, x, w, c == q->col ? SG_ROLE_CURSOR : SG_ROLE_HEADER, TEXT_ELLIPSIS,
			      pv->names[c]);
		for (size_t r = 0; r < pv->nrows && y + 1 + (int)r < s->h; r++) {
			char buf[PCOL_MAX * 4 + 8];
			size_t k = r * (size_t)pv->ncols + (size_t)c;
			sheet_escape(pv->cells[k], pv->lens[k], buf, sizeof buf, w + 1, 0);
			surface_textw(s, y + 1 + (int)r, x, w, SG_ROLE_NORMAL, TEXT_ELLIPSIS, buf);
		}
		x += w + 2;
	}
}

static void prep_draw(struct sheet *sh, struct surface *s)
{
	struct psheet *q = ps(sh);
	int mw = s->w / 2 < MENU_W ? s->w / 2 : MENU_W;
	struct surface left = surface_sub(s, 0, 0, s->h, mw);
	struct surface right = surface_sub(s, 0, mw + 1, s->h, s->w - mw - 1);
	int y;

	draw_menu(q, &left);
	surface_vline(s, 0, mw, s->h, SG_ROLE_BORDER);
	y = draw_steps(q, &right);
	if (q->task) {
		surface_textw(&right, y, 1, right.w - 1, SG_ROLE_RUNNING, TEXT_ELLIPSIS,
			      q->tkind == P_RUN ? "Writing the new dataset\u2026 (Esc cancels)"
						: "Fitting and previewing\u2026 (Esc cancels)");
		return;
	}
	if (*q->error)   /* above the last good preview */
		y += surface_wrap(&right, y, 1, 5, right.w - 2, SG_ROLE_ERROR, q->error, 0) + 1;
	if (q->prev && y < right.h) {
		char head[96];
		snprintf(head, sizeof head, "Preview: the first %zu rows out", q->prev->nrows);
		surface_textw(&right, y, 1, right.w - 1, SG_ROLE_DIM, TEXT_ELLIPSIS, head);
		draw_preview(q, &right, y + 1);
	}
}

/* ---- the sheet ------------------------------------------------------------------ */

static enum pane_result prep_action(struct sheet *sh, enum sg_action a)
{
	struct psheet *q = ps(sh);

	switch (a) {
	case SG_ACTION_BACK:
		if (!q->task)
			return PANE_UNHANDLED;
		task_cancel(q->task);
		return PANE_HANDLED;
	case SG_ACTION_MOVE_UP: if (q->sel > 0) q->sel--; break;
	case SG_ACTION_MOVE_DOWN: if (q->sel + 1 < M_COUNT) q->sel++; break;
	case SG_ACTION_FIRST: q->sel = 0; break;
	case SG_ACTION_LAST: q->sel = M_COUNT - 1; break;
	case SG_ACTION_SCROLL_LEFT: if (q->col > 0) q->col--; break;
	case SG_ACTION_SCROLL_RIGHT: if (q->col + 1 < ncols(q)) q->col++; break;
	case SG_ACTION_OPEN: apply(q, (enum pop)q->sel); break;
	default: return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

static enum pane_result prep_action_arg(struct sheet *sh, enum sg_action a, const char *arg)
{
	struct psheet *q = ps(sh);
	char word[32];
	const char *rest;
	size_t wl = strcspn(arg, " ");

	if (a != SG_ACTION_PREP)
		return PANE_UNHANDLED;
	snprintf(word, sizeof word, "%.*s", (int)(wl < sizeof word ? wl : sizeof word - 1), arg);
	rest = arg + wl + strspn(arg + wl, " ");
	if (q->task) {
		pane_message(sh->pane, SG_ROLE_MESSAGE, "Still working (Esc cancels)");
	} else if (!*rest) {
		pane_message(sh->pane, SG_ROLE_ERROR, "prep: constant, rename, save or run, then a value");
	} else if (strcmp(word, "constant") == 0) {
		add_step(q, json_pack("{s:s, s:[s], s:s, s:s}", "op", "impute", "columns", colname(q),
				      "strategy", "constant", "value", rest));
	} else if (strcmp(word, "rename") == 0) {
		json_t *s = json_pack("{s:s, s:{}}", "op", "rename", "map");
		json_object_set_new(json_object_get(s, "map"), colname(q), json_string(rest));
		add_step(q, s);
	} else if (strcmp(word, "save") == 0) {
		save(q, rest);
	} else if (strcmp(word, "run") == 0) {
		run(q, rest);
	} else {
		pane_message(sh->pane, SG_ROLE_ERROR, "prep: unknown %s (constant, rename, save, run)",
			     word);
	}
	return PANE_REDRAW;
}

static int prep_poll_fds(struct sheet *sh, int *fds, int max, int *timeout_ms)
{
	struct psheet *q = ps(sh);

	if (!q->task || max < 1)
		return 0;
	fds[0] = task_fd(q->task);
	return 1;
}

static enum pane_result prep_on_fd(struct sheet *sh, int fd)
{
	struct psheet *q = ps(sh);

	if (!q->task || fd != task_fd(q->task))
		return PANE_UNHANDLED;
	if (task_ended(q->task))
		task_done(q);
	return PANE_REDRAW;
}

static void prep_summary(struct sheet *sh, char *buf, size_t n)
{
	struct psheet *q = ps(sh);
	size_t k = json_array_size(q->steps);

	snprintf(buf, n, "%s  recipe: %zu step%s", q->f->name, k, k == 1 ? "" : "s");
}

static void prep_free(struct sheet *sh)
{
	struct psheet *q = ps(sh);

	if (q->task) {
		task_cancel(q->task);
		task_finish(q->task, NULL);
		sg_recipe_free(q->job.r);
		sg_preview_free(q->job.prev);
		free(q->job.out);
		free(q->job.recipe_path);
	}
	json_decref(q->steps);
	sg_recipe_free(q->fitted);
	sg_preview_free(q->prev);
	dsfile_unref(q->f);
	free(q);
}

static const struct sheet_ops prep_ops = {
	.kind = "prep",
	.draw = prep_draw,
	.action = prep_action,
	.action_arg = prep_action_arg,
	.poll_fds = prep_poll_fds,
	.on_fd = prep_on_fd,
	.summary = prep_summary,
	.free = prep_free,
};

struct sheet *sheet_prep_new(struct pane *p, struct dsfile *f, int col)
{
	struct psheet *q = sg_xcalloc(1, sizeof *q);

	q->base.ops = &prep_ops;
	q->base.pane = p;
	q->base.file = f;
	q->f = dsfile_ref(f);
	q->steps = json_array();
	q->col = col;
	refresh(q);  /* an empty recipe previews the input as it is */
	return &q->base;
}
