/* pane_experiments.c — the Experiments pane: the runs table over a run
 * query (chosen params and metrics as columns, sorted, filtered, paged
 * through a cache around the visible window), marks, edits of tags and
 * notes, deleting and exporting; the other views are in exp_*.c (exp.h).
 * Also the run rows and run details the Monitor pane shares. */
#include "sgconfig.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/run.h"
#include "core/runedit.h"
#include "core/runexport.h"
#include "core/runquery.h"
#include "core/util.h"
#include "tui/exp.h"
#include "tui/pane.h"

#define EXP_PARAMS 3      /* param columns chosen by default */
#define EXP_METRICS 3     /* metric columns chosen by default */
#define EXP_SAMPLE 50     /* newest runs whose keys choose them */
#define EXP_MAXKEYS 64    /* keys of each kind looked at while choosing */

/* ---- run rows (shared with the Monitor) ---------------------------------------- */

/* Room for one more row at the end; returns it. */
static struct run_row *run_rows_push(struct run_rows *rows)
{
	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? rows->cap * 2 : 64;
		rows->v = sg_xrealloc(rows->v, rows->cap * sizeof *rows->v);
	}
	return &rows->v[rows->n++];
}

void run_rows_add(struct run_rows *rows, const struct sg_run_info *r)
{
	struct run_row *o = run_rows_push(rows);

	memcpy(o->id, r->id, sizeof o->id);
	text_copy(o->name, sizeof o->name, r->name);
	text_copy(o->experiment, sizeof o->experiment, r->experiment);
	text_copy(o->user, sizeof o->user, r->user);
	text_copy(o->kind, sizeof o->kind, r->kind);
	o->status = r->status;
	o->start = r->start_time;
	o->end = r->end_time;
}

void run_rows_append(struct run_rows *rows, const struct run_rows *more)
{
	for (size_t i = 0; i < more->n; i++)
		*run_rows_push(rows) = more->v[i];
}

void run_rows_free(struct run_rows *rows)
{
	free(rows->v);
	memset(rows, 0, sizeof *rows);
}

size_t run_rows_find(const struct run_rows *rows, const char *id)
{
	for (size_t i = 0; i < rows->n; i++)
		if (strcmp(rows->v[i].id, id) == 0)
			return i;
	return rows->n;
}

/* ---- run details ------------------------------------------------------------------ */

/* Callbacks filling a struct detail: a param or tag, a metric summary, an
 * artifact. */
static int add_kv(const char *key, const char *value, void *ud)
{
	detail_kv(ud, key, "%s", value);
	return 0;
}

static int add_summary(const struct sg_metric_summary *m, void *ud)
{
	char last[32], min[32], max[32];

	fmt_metric(m->last, last, sizeof last);
	fmt_metric(m->min, min, sizeof min);
	fmt_metric(m->max, max, sizeof max);
	detail_kv(ud, m->key, "%s at step %lld  (min %s, max %s, %lld points)", last,
		  m->last_step, min, max, m->count);
	return 0;
}

static int add_artifact(const char *path, const char *kind, void *ud)
{
	detail_kv(ud, kind && *kind ? kind : "file", "%s", path);
	return 0;
}

/* Ends a section that began at line mark, filled with status rc: shows
 * the error, or "none" when it has no line. */
static void section_end(struct detail *d, size_t mark, int rc, const struct sg_error *err)
{
	if (rc < 0)
		detail_text(d, SG_ROLE_ERROR, "%s", err->msg);
	if (d->n == mark)
		detail_text(d, SG_ROLE_DIM, "none");
}

/* The "Run" section: every field of the run itself. */
static void run_fields(struct detail *d, const struct sg_run_info *r)
{
	char buf[64];

	detail_section(d, r->name);
	detail_kv(d, "Id", "%s", r->id);
	detail_kv(d, "Experiment", "%s", r->experiment);
	detail_kv(d, "Status", "%s", sg_run_status_name(r->status));
	d->lines[d->n - 1].role = run_status_role(r->status);
	detail_kv(d, "Kind", "%s", r->kind);
	detail_kv(d, "User", "%s", r->user);
	sg_format_time(r->start_time, buf, sizeof buf);
	detail_kv(d, "Started", "%s", buf);
	sg_format_time(r->end_time, buf, sizeof buf);
	detail_kv(d, "Ended", "%s", r->status == SG_RUN_RUNNING ? "still running" : buf);
	fmt_run_duration(r->start_time, r->end_time, r->status == SG_RUN_RUNNING, buf, sizeof buf);
	detail_kv(d, "Duration", "%s", buf);
	if (*r->source_path)
		detail_kv(d, "Source", "%s%s%.12s", r->source_path, *r->source_commit ? " @ " : "",
			  r->source_commit);
	if (*r->note)
		detail_kv(d, "Note", "%s", r->note);
}

int run_details(struct detail *d, struct sg_store *s, const char *id, struct sg_error *err)
{
	struct sg_run_info r;
	size_t mark;

	detail_reset(d);
	if (sg_run_get(s, id, &r, err) < 0) {
		detail_text(d, SG_ROLE_ERROR, "%s", err->msg);
		return -1;
	}
	run_fields(d, &r);
	detail_section(d, "Params");
	mark = d->n;
	section_end(d, mark, sg_run_params(s, r.id, add_kv, d, err), err);
	detail_section(d, "Metrics (last, min, max)");
	mark = d->n;
	section_end(d, mark, sg_run_metric_summaries(s, r.id, add_summary, d, err), err);
	detail_section(d, "Tags");
	mark = d->n;
	section_end(d, mark, sg_run_tags(s, r.id, add_kv, d, err), err);
	detail_section(d, "Artifacts");
	mark = d->n;
	section_end(d, mark, sg_run_artifacts(s, r.id, add_artifact, d, err), err);
	return 0;
}

void run_open(struct pane *p, struct list_view *v, const char *id)
{
	struct sg_error err = { 0 };

	if (run_details(&v->det, p->env->ws->store, id, &err) < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", err.msg);
}


/* ---- columns ------------------------------------------------------------------------ */

static const struct table_col head_cols[EXP_FIXED_HEAD] = {
	{ "", 1, 0 }, { "ID", 8, 0 }, { "NAME", 12, COL_FLEX }, { "STATUS", 8, 0 },
};
static const struct table_col tail_cols[EXP_FIXED_TAIL] = {
	{ "EXPERIMENT", 10, 0 }, { "USER", 8, 0 }, { "START", 11, 0 },
	{ "DURATION", 8, COL_RIGHT },
};
static const char *const summary_suffix[] = { "", ".min", ".max", ".count" };

/* The title of a chosen column: "lr", "acc.max", "tag.team", "started". */
static void col_title(const struct sg_rq_column *c, char *buf, size_t n)
{
	char *name;

	switch (c->field) {
	case SG_RQ_PARAM: text_copy(buf, n, c->key); return;
	case SG_RQ_METRIC: snprintf(buf, n, "%s%s", c->key, summary_suffix[c->summary]); return;
	default:
		name = sg_rq_column_name(c);
		text_copy(buf, n, name);
		free(name);
	}
}

/* A column as wide as its title, within limits. */
static struct table_col key_col(const char *title, int min, int max)
{
	struct table_col c = { title, text_width(title, 1), COL_RIGHT };

	if (c.width < min)
		c.width = min;
	if (c.width > max)
		c.width = max;
	return c;
}

/* Lays the table's columns out: the fixed head, the chosen, the tail. */
static void layout_columns(struct exp_priv *d)
{
	int k = 0;

	free(d->tcols);
	free(d->titles);
	d->ntcols = EXP_FIXED_HEAD + d->ncols + EXP_FIXED_TAIL;
	d->tcols = sg_xcalloc((size_t)d->ntcols, sizeof *d->tcols);
	d->titles = sg_xcalloc((size_t)d->ncols + 1, sizeof *d->titles);
	for (int i = 0; i < EXP_FIXED_HEAD; i++)
		d->tcols[k++] = head_cols[i];
	for (int i = 0; i < d->ncols; i++) {
		col_title(&d->cols[i], d->titles[i], sizeof d->titles[i]);
		d->tcols[k++] = key_col(d->titles[i], d->cols[i].field == SG_RQ_METRIC ? 9 : 6, 14);
	}
	for (int i = 0; i < EXP_FIXED_TAIL; i++)
		d->tcols[k++] = tail_cols[i];
	d->v.t.cols = d->tcols;
	d->v.t.ncols = d->ntcols;
	if (d->v.t.cursor > d->ntcols)
		d->v.t.cursor = d->ntcols;
	if (d->v.t.first_col >= d->ntcols)
		d->v.t.first_col = 0;
}

void exp_set_columns(struct pane *p, const struct sg_rq_column *cols, int n)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_column *copy = sg_xcalloc((size_t)n + 1, sizeof *copy);

	/* copied first: cols may borrow keys from the columns replaced */
	for (int i = 0; i < n; i++)
		sg_rq_column_copy(&copy[i], &cols[i]);
	sg_rq_columns_free(d->cols, d->ncols);
	d->cols = copy;
	d->ncols = n;
	sg_rq_set_columns(d->q, d->cols, n);
	layout_columns(d);
}

/* The query field of table column tc (key borrowed); 0 when the column
 * is not one (the mark, ID, DURATION). */
static int field_of(const struct exp_priv *d, int tc, struct sg_rq_column *out)
{
	static const enum sg_rq_field head[] = { 0, 0, SG_RQ_NAME, SG_RQ_STATUS };
	static const enum sg_rq_field tail[] = { SG_RQ_EXPERIMENT, SG_RQ_USER, SG_RQ_STARTED };
	int i = tc - EXP_FIXED_HEAD;

	memset(out, 0, sizeof *out);
	if (tc == 2 || tc == 3) {
		out->field = head[tc];
		return 1;
	}
	if (i >= 0 && i < d->ncols) {
		*out = d->cols[i];
		return 1;
	}
	i -= d->ncols;
	if (i >= 0 && i < 3) {
		out->field = tail[i];
		return 1;
	}
	return 0;
}

/* The chosen column under the cursor, or -1. */
static int current_chosen(const struct exp_priv *d)
{
	int i = d->v.t.cursor - 1 - EXP_FIXED_HEAD;

	return i >= 0 && i < d->ncols ? i : -1;
}

/* ---- default columns ------------------------------------------------------------------ */

struct key_use {
	const char *key;
	int count;
};

/* Most used first, then by name. */
static int by_use(const void *a, const void *b)
{
	const struct key_use *x = a, *y = b;

	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(x->key, y->key);
}

/* Orders keys k (of field f) by how many of the newest runs have them. */
static void count_use(struct exp_priv *d, enum sg_rq_field f, const struct sg_rq_keys *k,
		      struct key_use *use, size_t n)
{
	struct sg_rq_column *cols = sg_xcalloc(n + 1, sizeof *cols);
	struct sg_runquery *q = sg_rq_new();
	struct sg_rq_page pg;

	for (size_t i = 0; i < n; i++) {
		cols[i] = (struct sg_rq_column){ f, SG_RQ_LAST, k->key[i] };
		use[i] = (struct key_use){ k->key[i], 0 };
	}
	sg_rq_set_columns(q, cols, (int)n);
	if (sg_rq_fetch(d->store, q, 0, EXP_SAMPLE, &pg, NULL) == 0) {
		for (size_t r = 0; r < pg.nrows; r++)
			for (size_t i = 0; i < n; i++)
				use[i].count += pg.rows[r].val[i].type != SG_RQV_MISSING;
		sg_rq_page_done(&pg);
	}
	qsort(use, n, sizeof *use, by_use);
	sg_rq_free(q);
	free(cols);
}

/* Appends up to max of the most used keys of field f to cols. */
static void add_common(struct exp_priv *d, enum sg_rq_field f, int max,
		       struct sg_rq_column *cols, int *n)
{
	struct sg_rq_keys k;
	struct key_use *use;
	size_t nk;

	if (sg_rq_keys(d->store, f, &k, NULL) != 0)
		return;
	nk = k.n < EXP_MAXKEYS ? k.n : EXP_MAXKEYS;
	use = sg_xcalloc(nk + 1, sizeof *use);
	if (nk > (size_t)max)
		count_use(d, f, &k, use, nk);
	else
		for (size_t i = 0; i < nk; i++)
			use[i] = (struct key_use){ k.key[i], 1 };
	for (size_t i = 0; i < nk && (int)i < max; i++) {
		if (!use[i].count)
			break;
		cols[*n].field = f;
		cols[*n].summary = SG_RQ_LAST;
		cols[(*n)++].key = sg_xstrdup(use[i].key);
	}
	free(use);
	sg_rq_keys_done(&k);
}

/* The default columns: the params and metrics the newest runs use most. */
static void default_columns(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_column cols[EXP_PARAMS + EXP_METRICS];
	int n = 0;

	add_common(d, SG_RQ_PARAM, EXP_PARAMS, cols, &n);
	add_common(d, SG_RQ_METRIC, EXP_METRICS, cols, &n);
	exp_set_columns(p, cols, n);
	for (int i = 0; i < n; i++)
		sg_rq_column_done(&cols[i]);
}

/* ---- the row cache ----------------------------------------------------------------------- */

/* Row i of the query when it is cached, else NULL. */
static const struct sg_rq_row *row_at(const struct exp_priv *d, size_t i)
{
	if (!d->have_page || i < d->page.offset || i >= d->page.offset + d->page.nrows)
		return NULL;
	return &d->page.rows[i - d->page.offset];
}

/* The selected run's row, or NULL (no runs, or it vanished). */
static const struct sg_rq_row *selected_row(const struct exp_priv *d)
{
	return d->v.t.n ? row_at(d, d->v.t.sel) : NULL;
}

/* Forgets the cached rows. */
static void drop_cache(struct exp_priv *d)
{
	if (d->have_page)
		sg_rq_page_done(&d->page);
	d->have_page = 0;
}

/* Fetches the rows around the window from top into the cache. */
static int fetch_window(struct exp_priv *d, size_t top, struct sg_error *err)
{
	size_t page = d->v.t.page > 0 ? (size_t)d->v.t.page : 1;
	size_t want = page * 3 > EXP_CACHE ? page * 3 : EXP_CACHE;
	size_t off = top > want / 4 ? top - want / 4 : 0;
	struct sg_rq_page pg;

	if (sg_rq_fetch(d->store, d->q, off, want, &pg, err) != 0)
		return -1;
	drop_cache(d);
	d->page = pg;
	d->page_asked = want;
	d->have_page = 1;
	return 0;
}

/* 1 when the visible rows are in the cache (or asked for and gone). */
static int window_cached(const struct exp_priv *d)
{
	const struct table *t = &d->v.t;
	size_t end = t->top + (size_t)(t->page > 0 ? t->page : 1);

	if (end > t->n)
		end = t->n;
	return d->have_page && t->top >= d->page.offset && end <= d->page.offset + d->page_asked;
}

/* Makes sure the rows on screen are cached; the count may have moved. */
static void ensure_window(struct exp_priv *d)
{
	struct sg_error e = { 0 };

	for (int tries = 0; tries < 2 && !window_cached(d); tries++) {
		if (fetch_window(d, d->v.t.top, &e) < 0) {
			list_view_loaded(&d->v, -1, &e, "cannot query runs", 0, 0);
			return;
		}
		d->v.error[0] = '\0';
		if ((size_t)d->page.total != d->v.t.n)
			table_set_rows(&d->v.t, (size_t)d->page.total);
	}
}

/* Index of run id in the cache, or (size_t)-1. */
static size_t cached_index(const struct exp_priv *d, const char *id)
{
	for (size_t i = 0; d->have_page && i < d->page.nrows; i++)
		if (strcmp(d->page.rows[i].run.id, id) == 0)
			return d->page.offset + i;
	return (size_t)-1;
}

void exp_refresh(struct pane *p, const char *keep_id)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_error e = { 0 };
	int rc;
	size_t at;

	drop_cache(d);
	rc = fetch_window(d, d->v.t.top, &e);
	at = keep_id && *keep_id ? cached_index(d, keep_id) : (size_t)-1;
	list_view_loaded(&d->v, rc, &e, "cannot query runs", rc < 0 ? 0 : (size_t)d->page.total,
			 at != (size_t)-1 ? at : d->v.t.sel);
	ensure_window(d);
}

/* ---- cells ------------------------------------------------------------------------------------ */

/* A chosen column's cell: text as written, numbers formatted, "-" missing. */
static const char *value_cell(const struct sg_rq_column *c, const struct sg_rq_value *v,
			      char *buf, size_t n, enum sg_role *role)
{
	if (v->type == SG_RQV_MISSING) {
		*role = SG_ROLE_DIM;
		return "-";
	}
	if (v->type == SG_RQV_NUMBER)
		*role = SG_ROLE_NUMBER;
	if (v->text)
		return v->text;
	if (c->field == SG_RQ_STARTED || c->field == SG_RQ_ENDED)
		fmt_start(v->num, buf, n);
	else
		fmt_metric(v->num, buf, n);
	return buf;
}

/* table_cell_fn: the head, the chosen columns, the tail. */
static const char *exp_cell(void *ud, size_t row, int col, char *buf, size_t n,
			    enum sg_role *role)
{
	struct exp_priv *d = ud;
	const struct sg_rq_row *rr = row_at(d, row);
	const struct sg_run_info *r;
	int i = col - EXP_FIXED_HEAD, tail = i - d->ncols;

	if (!rr)
		return col == 2 ? "\u2026" : "";
	r = &rr->run;
	switch (col) {
	case 0: *role = SG_ROLE_PROMPT; return exp_marked(d, r->id) ? "*" : "";
	case 1: *role = SG_ROLE_DIM; snprintf(buf, n, "%.8s", r->id); return buf;
	case 2: return r->name;
	case 3: *role = run_status_role(r->status); return sg_run_status_name(r->status);
	}
	if (i < d->ncols)
		return value_cell(&d->cols[i], &rr->val[i], buf, n, role);
	switch (tail) {
	case 0: return r->experiment;
	case 1: return r->user;
	case 2: fmt_start(r->start_time, buf, n); return buf;
	case 3:
		fmt_run_duration(r->start_time, r->end_time, r->status == SG_RUN_RUNNING, buf, n);
		return buf;
	}
	return "";
}

/* ---- marks ---------------------------------------------------------------------------------------- */

int exp_marked(const struct exp_priv *d, const char *id)
{
	for (size_t i = 0; i < d->nmarks; i++)
		if (strcmp(d->marks[i], id) == 0)
			return 1;
	return 0;
}

/* Removes id from the marks (if marked); returns 1 when it was. */
static int unmark(struct exp_priv *d, const char *id)
{
	for (size_t i = 0; i < d->nmarks; i++) {
		if (strcmp(d->marks[i], id) == 0) {
			memmove(d->marks[i], d->marks[i + 1], (d->nmarks - i - 1) * sizeof d->marks[0]);
			d->nmarks--;
			return 1;
		}
	}
	return 0;
}

/* Flips the selected run's mark and moves down. */
static void toggle_mark(struct exp_priv *d)
{
	const struct sg_rq_row *r = selected_row(d);

	if (!r)
		return;
	if (!unmark(d, r->run.id)) {
		if (d->nmarks == d->capmarks) {
			d->capmarks = d->capmarks ? 2 * d->capmarks : 16;
			d->marks = sg_xrealloc(d->marks, d->capmarks * sizeof d->marks[0]);
		}
		memcpy(d->marks[d->nmarks++], r->run.id, SG_RUN_ID_LEN + 1);
	}
	table_action(&d->v.t, SG_ACTION_MOVE_DOWN);
}

/* Forgets marks of runs that no longer exist. */
static void prune_marks(struct exp_priv *d)
{
	char id[SG_RUN_ID_LEN + 1];

	for (size_t i = d->nmarks; i-- > 0;) {
		struct sg_error e = { 0 };
		if (sg_run_resolve(d->store, d->marks[i], id, &e) != 0 && e.code == SG_E_NOTFOUND)
			unmark(d, d->marks[i]);
	}
}

/* The runs an action works on: the marked ones, else the selected one;
 * returns how many were copied into a new array *ids. */
static int target_runs(const struct exp_priv *d, char (**ids)[SG_RUN_ID_LEN + 1])
{
	const struct sg_rq_row *r = selected_row(d);
	int n = d->nmarks ? (int)d->nmarks : r ? 1 : 0;

	*ids = sg_xcalloc((size_t)n + 1, sizeof **ids);
	if (d->nmarks)
		memcpy(*ids, d->marks, d->nmarks * sizeof d->marks[0]);
	else if (r)
		memcpy((*ids)[0], r->run.id, SG_RUN_ID_LEN + 1);
	return n;
}

void exp_run_error(struct pane *p, const char *id, const struct sg_error *err)
{
	struct exp_priv *d = exp_priv(p);

	if (err->code != SG_E_NOTFOUND) {
		pane_message(p, SG_ROLE_ERROR, "%s", err->msg);
		return;
	}
	pane_message(p, SG_ROLE_ERROR, "Run %.8s no longer exists (deleted by someone?)", id);
	unmark(d, id);
	exp_refresh(p, NULL);
}

/* ---- sorting, filtering, summaries ------------------------------------------------------------ */

/* Sorts by the current column (desc: descending); the same sort again
 * goes back to newest first. */
static void sort_current(struct pane *p, int desc)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_column c;
	char *name;

	if (!field_of(d, d->v.t.cursor - 1, &c)) {
		pane_message(p, SG_ROLE_MESSAGE, "This column cannot be sorted: move to another (h/l)");
		return;
	}
	name = sg_rq_column_name(&c);
	if (d->sorted && d->desc == desc && c.field == d->sort.field &&
	    c.summary == d->sort.summary && !!c.key == !!d->sort.key &&
	    (!c.key || strcmp(c.key, d->sort.key) == 0)) {
		sg_rq_column_done(&d->sort);
		d->sorted = 0;
		sg_rq_set_sort(d->q, NULL, 0);
		pane_message(p, SG_ROLE_MESSAGE, "Sort cleared: newest first");
	} else {
		if (d->sorted)
			sg_rq_column_done(&d->sort);
		sg_rq_column_copy(&d->sort, &c);
		d->sorted = 1;
		d->desc = desc;
		sg_rq_set_sort(d->q, &d->sort, desc);
		pane_message(p, SG_ROLE_MESSAGE, "Sorted by %s, %s", name,
			     desc ? "descending" : "ascending");
	}
	free(name);
	d->v.t.sel = d->v.t.top = 0;
	exp_refresh(p, NULL);
}

/* The 1-based character column of a "where:LINE:COL:" error, or 0. */
static int error_column(const char *msg)
{
	const char *q = strstr(msg, "where:");
	long line, col;

	if (!q || sscanf(q, "where:%ld:%ld:", &line, &col) != 2 || col < 1)
		return 0;
	return (int)col;
}

/* Byte offset of character column col (1-based) in text. */
static size_t char_offset(const char *text, int col)
{
	size_t i = 0, len = strlen(text);

	for (int c = 1; c < col && i < len; c++) {
		long cp;
		i += utf8_decode(text + i, len - i, &cp);
	}
	return i;
}

/* Opens the : line holding text, the cursor at byte at. */
static void prompt_at(struct pane *p, const char *text, size_t at)
{
	if (p->env && p->env->prompt)
		p->env->prompt(p->env->ud, text, at);
}

/* Opens the : line holding text, the cursor at its end. */
static void prompt(struct pane *p, const char *text)
{
	prompt_at(p, text, strlen(text));
}

/* The filter prompt: the filter in force, or the current column's name. */
static void filter_prompt(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_column c;
	char line[600];

	if (*d->where) {
		snprintf(line, sizeof line, "filter %s", d->where);
	} else if (field_of(d, d->v.t.cursor - 1, &c)) {
		char *name = sg_rq_column_name(&c);
		snprintf(line, sizeof line, "filter %s ", name);
		free(name);
	} else {
		snprintf(line, sizeof line, "filter ");
	}
	prompt(p, line);
}

void exp_filter(struct pane *p, const char *text)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_error e = { 0 };
	char line[600], count[32];

	if (sg_rq_set_where(d->q, text, &e) < 0) {
		int col = error_column(e.msg);
		snprintf(line, sizeof line, "filter %s", text);
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		prompt_at(p, line, 7 + (col ? char_offset(text, col) : strlen(text)));
		return;
	}
	text_copy(d->where, sizeof d->where, text);
	d->v.t.sel = d->v.t.top = 0;
	exp_refresh(p, NULL);
	if (d->grouped)
		exp_regroup(p, &e);
	fmt_count((long long)d->v.t.n, count, sizeof count);
	if (*d->where)
		pane_message(p, SG_ROLE_MESSAGE, "%s run%s match (Esc: all runs)", count,
			     d->v.t.n == 1 ? "" : "s");
}

/* Cycles the current metric column's summary: last, min, max. */
static void cycle_summary(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	int i = current_chosen(d);
	const struct sg_rq_row *r = selected_row(d);
	char keep[SG_RUN_ID_LEN + 1] = "";

	if (i < 0 || d->cols[i].field != SG_RQ_METRIC) {
		pane_message(p, SG_ROLE_MESSAGE, "Move to a metric column to choose its summary");
		return;
	}
	d->cols[i].summary = d->cols[i].summary == SG_RQ_LAST ? SG_RQ_MIN
			   : d->cols[i].summary == SG_RQ_MIN ? SG_RQ_MAX : SG_RQ_LAST;
	if (r)
		memcpy(keep, r->run.id, sizeof keep);
	sg_rq_set_columns(d->q, d->cols, d->ncols);
	layout_columns(d);
	exp_refresh(p, keep);
	pane_message(p, SG_ROLE_MESSAGE, "%s shows its %s value", d->cols[i].key,
		     d->cols[i].summary == SG_RQ_LAST ? "last"
		     : d->cols[i].summary == SG_RQ_MIN ? "minimum" : "maximum");
}

/* :columns LIST, or the chooser. */
static void set_columns_text(struct pane *p, const char *list)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_column *cols;
	struct sg_error e = { 0 };
	int n;

	if (sg_rq_columns_parse(list, "columns", &cols, &n, &e) != 0) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	exp_set_columns(p, cols, n);
	sg_rq_columns_free(cols, n);
	exp_refresh(p, NULL);
	if (d->grouped)
		exp_regroup(p, &e);
}

/* Jumps to row number text (1-based). */
static void goto_row(struct pane *p, const char *text)
{
	struct exp_priv *d = exp_priv(p);
	char *end;
	long long want = strtoll(text, &end, 10);
	size_t half = (size_t)(d->v.t.page > 0 ? d->v.t.page : 1) / 2;

	if (strcmp(text, "end") == 0 || strcmp(text, "$") == 0)
		want = (long long)d->v.t.n;
	else if (end == text || *end || want < 0) {
		pane_message(p, SG_ROLE_ERROR, "goto: not a row number: %s", text);
		return;
	}
	d->v.t.sel = want > 0 ? (size_t)want - 1 : 0;
	d->v.t.top = d->v.t.sel > half ? d->v.t.sel - half : 0;
	table_set_rows(&d->v.t, d->v.t.n);
}

/* ---- edits ------------------------------------------------------------------------------------------- */

/* The selected run's id into id; 0, or -1 with a message. */
static int selected_id(struct pane *p, char id[SG_RUN_ID_LEN + 1])
{
	const struct sg_rq_row *r = selected_row(exp_priv(p));

	if (!r) {
		pane_message(p, SG_ROLE_MESSAGE, "No run selected");
		return -1;
	}
	memcpy(id, r->run.id, SG_RUN_ID_LEN + 1);
	return 0;
}

/* After an edit of run id: the table again, and its details if open. */
static void edited(struct pane *p, const char *id)
{
	struct exp_priv *d = exp_priv(p);

	exp_refresh(p, id);
	if (d->view == EV_DETAILS)
		run_details(&d->v.det, d->store, id, NULL);
}

/* :tag KEY=VALUE on the selected run; an empty value removes the tag. */
static void set_tag(struct pane *p, const char *arg)
{
	struct exp_priv *d = exp_priv(p);
	char id[SG_RUN_ID_LEN + 1], key[256];
	const char *eq = strchr(arg, '=');
	struct sg_error e = { 0 };
	size_t klen;
	int rc;

	if (selected_id(p, id) < 0)
		return;
	klen = eq ? (size_t)(eq - arg) : 0;
	while (klen > 0 && arg[klen - 1] == ' ')
		klen--;
	if (!eq || klen == 0 || klen >= sizeof key) {
		pane_message(p, SG_ROLE_ERROR, "tag: write KEY=VALUE (KEY= removes the tag)");
		return;
	}
	memcpy(key, arg, klen);
	key[klen] = '\0';
	eq += 1 + strspn(eq + 1, " ");
	rc = *eq ? sg_run_set_tag(d->store, id, key, eq, &e)
		 : sg_run_remove_tag(d->store, id, key, &e);
	if (rc < 0) {
		exp_run_error(p, id, &e);
		return;
	}
	if (*eq)
		pane_message(p, SG_ROLE_MESSAGE, "Tag %s=%s set on run %.8s", key, eq, id);
	else
		pane_message(p, SG_ROLE_MESSAGE, "Tag %s removed from run %.8s", key, id);
	edited(p, id);
}

/* :note TEXT on the selected run ("-" removes it). */
static void set_note(struct pane *p, const char *arg)
{
	struct exp_priv *d = exp_priv(p);
	char id[SG_RUN_ID_LEN + 1];
	struct sg_error e = { 0 };
	const char *note = strcmp(arg, "-") == 0 ? "" : arg;

	if (selected_id(p, id) < 0)
		return;
	if (sg_run_set_note(d->store, id, note, &e) < 0) {
		exp_run_error(p, id, &e);
		return;
	}
	pane_message(p, SG_ROLE_MESSAGE, *note ? "Note saved on run %.8s" : "Note removed from run %.8s",
		     id);
	edited(p, id);
}

/* The note prompt, holding the note there is. */
static void note_prompt(struct pane *p)
{
	const struct sg_rq_row *r = selected_row(exp_priv(p));
	char line[300];

	if (!r) {
		pane_message(p, SG_ROLE_MESSAGE, "No run selected");
		return;
	}
	snprintf(line, sizeof line, "note %s", r->run.note);
	prompt(p, line);
}

/* pane_confirm's yes: deletes the runs waiting in d->del. */
static void delete_yes(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	int done = 0, gone = 0;

	for (int i = 0; i < d->ndel; i++) {
		struct sg_error e = { 0 };
		if (sg_rq_remove_run(d->store, p->env->ws->runs_dir, d->del[i], NULL, &e) == 0) {
			done++;
		} else if (e.code == SG_E_NOTFOUND) {
			gone++;
		} else {
			pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
			break;
		}
		unmark(d, d->del[i]);
	}
	free(d->del);
	d->del = NULL;
	d->ndel = 0;
	exp_refresh(p, NULL);
	if (gone)
		pane_message(p, SG_ROLE_MESSAGE, "Deleted %d run%s (%d already gone)", done,
			     done == 1 ? "" : "s", gone);
	else if (done)
		pane_message(p, SG_ROLE_MESSAGE, "Deleted %d run%s", done, done == 1 ? "" : "s");
}

/* Asks before deleting the marked runs, or the selected one. */
static void delete_ask(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	const struct sg_rq_row *r = selected_row(d);
	char q[300];

	free(d->del);
	d->ndel = target_runs(d, &d->del);
	if (d->ndel == 0) {
		pane_message(p, SG_ROLE_MESSAGE, "No run selected");
		return;
	}
	if (d->ndel == 1 && r && strcmp(r->run.id, d->del[0]) == 0)
		snprintf(q, sizeof q, "Delete run %s (%.8s) and its folder? (y/n)", r->run.name,
			 r->run.id);
	else
		snprintf(q, sizeof q, "Delete %d run%s and %s folder%s? (y/n)", d->ndel,
			 d->ndel == 1 ? "" : "s", d->ndel == 1 ? "its" : "their",
			 d->ndel == 1 ? "" : "s");
	pane_confirm(p, q, delete_yes);
}

/* The columns an export writes: run fields around the chosen ones. */
static struct sg_runquery *export_query(const struct exp_priv *d)
{
	struct sg_runquery *q = sg_rq_new();
	struct sg_rq_column *cols = sg_xcalloc((size_t)d->ncols + 6, sizeof *cols);
	int n = 0;

	cols[n++].field = SG_RQ_NAME;
	cols[n++].field = SG_RQ_STATUS;
	for (int i = 0; i < d->ncols; i++)
		cols[n++] = d->cols[i];
	cols[n++].field = SG_RQ_EXPERIMENT;
	cols[n++].field = SG_RQ_USER;
	cols[n++].field = SG_RQ_STARTED;
	cols[n++].field = SG_RQ_ENDED;
	sg_rq_set_columns(q, cols, n);
	free(cols);
	sg_rq_set_where(q, d->where, NULL);
	sg_rq_set_sort(q, d->sorted ? &d->sort : NULL, d->desc);
	return q;
}

/* :export PATH — the table as shown (the groups when grouped) to CSV. */
static void export_to(struct pane *p, const char *path)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_error e = { 0 };
	struct sg_runquery *q;
	size_t n = 0;
	int rc;

	if (d->view == EV_GROUPS) {
		rc = sg_runexport_groups(&d->groups, &d->by, d->cols, d->ncols, path, &e);
		n = d->groups.n;
	} else {
		q = export_query(d);
		rc = sg_runexport_query(d->store, q, 0, path, &n, &e);
		sg_rq_free(q);
	}
	if (rc < 0)
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
	else
		pane_message(p, SG_ROLE_MESSAGE, "Wrote %zu %s%s to %s", n,
			     d->view == EV_GROUPS ? "group" : "run", n == 1 ? "" : "s", path);
}

/* ---- compare and chart from the table ------------------------------------------------------------- */

/* Compares the marked runs. */
static void compare_marked(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);

	if (d->nmarks < 2) {
		pane_message(p, SG_ROLE_MESSAGE, "Mark two runs or more to compare them (m marks)");
		return;
	}
	exp_compare_open(p, d->marks, (int)d->nmarks);
}

/* Charts metric arg ("acc" or "metric.acc") for the marked runs, else
 * the selected one. */
static void chart_metric(struct pane *p, const char *arg)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_column c = { 0 };
	char (*ids)[SG_RUN_ID_LEN + 1];
	const char *key = arg;
	int parsed = strncmp(arg, "metric", 6) == 0 &&
		     sg_rq_column_parse(arg, strlen(arg), "chart", &c, NULL) == 0;
	int n;

	if (parsed)
		key = c.key;
	n = target_runs(d, &ids);
	if (n == 0)
		pane_message(p, SG_ROLE_MESSAGE, "No run to chart");
	else if (!*key)
		pane_message(p, SG_ROLE_ERROR, "chart: name a metric (chart metric.NAME)");
	else
		exp_chart_open(p, key, ids, n, d->view);
	if (parsed)
		sg_rq_column_done(&c);
	free(ids);
}

/* v: the current metric column's chart, else a prompt for one. */
static void chart_current(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	int i = current_chosen(d);
	char line[200];

	if (i >= 0 && d->cols[i].field == SG_RQ_METRIC) {
		chart_metric(p, d->cols[i].key);
		return;
	}
	for (i = 0; i < d->ncols && d->cols[i].field != SG_RQ_METRIC; i++)
		;
	snprintf(line, sizeof line, "chart %s", i < d->ncols ? d->cols[i].key : "");
	prompt(p, line);
}

/* b: groups by the current column. */
static void group_current(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_rq_column c;

	if (!field_of(d, d->v.t.cursor - 1, &c) || c.field == SG_RQ_METRIC ||
	    c.field == SG_RQ_STARTED || c.field == SG_RQ_ENDED) {
		pane_message(p, SG_ROLE_MESSAGE,
			     "Group by a param, tag, status, user or experiment column (:group param.NAME)");
		return;
	}
	exp_group(p, &c);
}

/* :group FIELD */
static void group_text(struct pane *p, const char *text)
{
	struct sg_rq_column c;
	struct sg_error e = { 0 };

	if (sg_rq_column_parse(text, strlen(text), "group", &c, &e) != 0) {
		pane_message(p, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	exp_group(p, &c);
	sg_rq_column_done(&c);
}

/* ---- the pane ----------------------------------------------------------------------------------- */

/* Enter: the selected run's details (and its small charts). */
static void open_details(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);
	struct sg_error e = { 0 };
	char id[SG_RUN_ID_LEN + 1];

	if (selected_id(p, id) < 0)
		return;
	if (run_details(&d->v.det, d->store, id, &e) < 0) {
		d->v.det.open = 0;
		exp_run_error(p, id, &e);
		return;
	}
	d->view = EV_DETAILS;
	exp_mini_open(p, id);
}

/* Closes the details. */
static void close_details(struct exp_priv *d)
{
	d->v.det.open = 0;
	d->view = EV_TABLE;
	exp_chart_free(d->mini);
	d->mini = NULL;
}

/* Actions that work on the selected run in the table and its details. */
static enum pane_result run_action(struct pane *p, enum sg_action a)
{
	switch (a) {
	case SG_ACTION_TAG: prompt(p, "tag "); break;
	case SG_ACTION_NOTE: note_prompt(p); break;
	case SG_ACTION_DELETE: delete_ask(p); break;
	case SG_ACTION_CHART: chart_current(p); break;
	default: return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

/* Esc in the table: drops the filter first. */
static enum pane_result table_back(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);

	if (!*d->where)
		return PANE_UNHANDLED;
	d->where[0] = '\0';
	sg_rq_set_where(d->q, NULL, NULL);
	exp_refresh(p, NULL);
	pane_message(p, SG_ROLE_MESSAGE, "Filter cleared");
	return PANE_REDRAW;
}

/* The table view's actions. */
static enum pane_result table_view_action(struct pane *p, enum sg_action a)
{
	struct exp_priv *d = exp_priv(p);

	if (run_action(p, a) != PANE_UNHANDLED)
		return PANE_REDRAW;
	switch (a) {
	case SG_ACTION_OPEN: open_details(p); break;
	case SG_ACTION_BACK: return table_back(p);
	case SG_ACTION_SORT_ASC: sort_current(p, 0); break;
	case SG_ACTION_SORT_DESC: sort_current(p, 1); break;
	case SG_ACTION_FILTER: filter_prompt(p); break;
	case SG_ACTION_MARK: toggle_mark(d); break;
	case SG_ACTION_UNMARK_ALL: d->nmarks = 0; break;
	case SG_ACTION_COLUMNS: exp_columns_open(p); break;
	case SG_ACTION_SUMMARY: cycle_summary(p); break;
	case SG_ACTION_GROUP: group_current(p); break;
	case SG_ACTION_COMPARE: compare_marked(p); break;
	case SG_ACTION_EXPORT: prompt(p, "export runs.csv"); break;
	case SG_ACTION_GOTO_ROW: prompt(p, "goto "); break;
	case SG_ACTION_DIFF_ONLY:
		pane_message(p, SG_ROLE_MESSAGE, "Differences only is for comparisons (C)");
		break;
	default: return table_action(&d->v.t, a);
	}
	return PANE_REDRAW;
}

/* The details view's actions. */
static enum pane_result details_action(struct pane *p, enum sg_action a)
{
	struct exp_priv *d = exp_priv(p);
	enum pane_result r;

	if (a == SG_ACTION_BACK || a == SG_ACTION_OPEN) {
		close_details(d);
		return PANE_REDRAW;
	}
	if (a == SG_ACTION_TAG || a == SG_ACTION_NOTE)
		return run_action(p, a);
	r = detail_action(&d->v.det, a);
	if (!d->v.det.open)
		close_details(d);
	return r;
}

/* An action goes to the view shown. */
static enum pane_result exp_action(struct pane *p, enum sg_action a)
{
	switch (exp_priv(p)->view) {
	case EV_DETAILS: return details_action(p, a);
	case EV_COLUMNS: return exp_columns_action(p, a);
	case EV_GROUPS: return exp_groups_action(p, a);
	case EV_COMPARE: return exp_compare_action(p, a);
	case EV_CHART: return exp_chart_action(p, a);
	default: return table_view_action(p, a);
	}
}

/* The : commands with an argument ("filter EXPR", "tag K=V"…). */
static enum pane_result exp_action_arg(struct pane *p, enum sg_action a, const char *arg)
{
	switch (a) {
	case SG_ACTION_FILTER: exp_filter(p, arg); break;
	case SG_ACTION_COLUMNS: set_columns_text(p, arg); break;
	case SG_ACTION_GROUP: group_text(p, arg); break;
	case SG_ACTION_CHART: chart_metric(p, arg); break;
	case SG_ACTION_TAG: set_tag(p, arg); break;
	case SG_ACTION_NOTE: set_note(p, arg); break;
	case SG_ACTION_EXPORT: export_to(p, arg); break;
	case SG_ACTION_GOTO_ROW: goto_row(p, arg); break;
	default: return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

/* Queries the runs again (the store changed), keeping the selected run
 * selected when it is still near; marks of deleted runs are dropped. */
static int exp_reload(struct pane *p, struct sg_error *err)
{
	struct exp_priv *d = exp_priv(p);
	const struct sg_rq_row *r = selected_row(d);
	char keep[SG_RUN_ID_LEN + 1] = "";

	if (r)
		memcpy(keep, r->run.id, sizeof keep);
	prune_marks(d);
	exp_refresh(p, keep);
	if (d->grouped)
		exp_regroup(p, NULL);
	if (*d->v.error)
		return sg_error_set(err, SG_E_STORE, "%s", d->v.error);
	return 0;
}

static int exp_init(struct pane *p, struct sg_error *err)
{
	struct exp_priv *d = exp_priv(p);

	d->store = p->env->ws->store;
	d->q = sg_rq_new();
	default_columns(p);
	d->v.t.cursor = 3;        /* NAME */
	exp_refresh(p, NULL);
	return 0;
}

static void exp_done(struct pane *p)
{
	struct exp_priv *d = exp_priv(p);

	exp_chart_free(d->chart);
	exp_chart_free(d->mini);
	exp_compare_free(d->cmp);
	exp_columns_free(d);
	exp_groups_free(d);
	drop_cache(d);
	sg_rq_columns_free(d->cols, d->ncols);
	if (d->sorted)
		sg_rq_column_done(&d->sort);
	sg_rq_free(d->q);
	free(d->tcols);
	free(d->titles);
	free(d->marks);
	free(d->del);
	list_view_done(&d->v);
}

static void exp_resize(struct pane *p, int w, int h)
{
	struct exp_priv *d = exp_priv(p);

	table_resize(&d->v.t, h);
	table_resize(&d->gt, h);
	table_resize(&d->ct, h);
	if (d->cmp)
		table_resize(&d->cmp->t, h);
}

/* The empty table's text. */
static const char *empty_text(const struct exp_priv *d)
{
	if (*d->where)
		return "No runs match the filter (Esc shows all runs, f edits it)";
	return "No runs yet \u2014 start one with: sagetty runs start --name NAME";
}

static void exp_draw(struct pane *p, struct surface *s)
{
	struct exp_priv *d = exp_priv(p);

	switch (d->view) {
	case EV_DETAILS: exp_details_draw(p, s); return;
	case EV_COLUMNS: exp_columns_draw(p, s); return;
	case EV_GROUPS: exp_groups_draw(p, s); return;
	case EV_COMPARE: exp_compare_draw(p, s); return;
	case EV_CHART: exp_chart_draw(p, s); return;
	default: break;
	}
	if (d->v.t.page != s->h - 1)
		table_resize(&d->v.t, s->h);
	ensure_window(d);
	list_view_draw(&d->v, s, exp_cell, d, empty_text(d));
}

/* "3/120 runs", marks, filter and sort; or what the view shows. */
static void exp_summary(struct pane *p, char *buf, size_t n)
{
	struct exp_priv *d = exp_priv(p);
	const struct sg_rq_row *r = selected_row(d);
	char pos[48], *sort = d->sorted ? sg_rq_column_name(&d->sort) : NULL;
	size_t len;

	switch (d->view) {
	case EV_DETAILS: snprintf(buf, n, "run %.8s", r ? r->run.id : "?"); break;
	case EV_COLUMNS: snprintf(buf, n, "columns: %d chosen (m or Enter toggles, Esc: back)", d->ncols); break;
	case EV_GROUPS: snprintf(buf, n, "%zu groups (Esc: runs)", d->groups.n); break;
	case EV_COMPARE:
		snprintf(buf, n, "compare %d runs%s", d->cmp ? d->cmp->m.nruns : 0,
			 d->cmp && d->cmp->diff_only ? ", differences only" : "");
		break;
	case EV_CHART: snprintf(buf, n, "%s", d->chart ? d->chart->title : ""); break;
	default:
		table_position(&d->v.t, pos, sizeof pos);
		len = (size_t)snprintf(buf, n, "%s run%s", pos, d->v.t.n == 1 ? "" : "s");
		if (d->nmarks && len < n)
			len += (size_t)snprintf(buf + len, n - len, ", %zu marked", d->nmarks);
		if (sort && len < n)
			len += (size_t)snprintf(buf + len, n - len, ", by %s %s", sort,
						d->desc ? "\u2193" : "\u2191");
		if (*d->where && len < n)
			snprintf(buf + len, n - len, ", where %s", d->where);
	}
	free(sort);
}

const struct pane_ops pane_experiments_ops = {
	.name = "experiments",
	.title = "Experiments",
	.private_size = sizeof(struct exp_priv),
	.init = exp_init,
	.done = exp_done,
	.resize = exp_resize,
	.draw = exp_draw,
	.action = exp_action,
	.reload = exp_reload,
	.unsaved = NULL,
	.summary = exp_summary,
	.action_arg = exp_action_arg,
	.poll_fds = exp_chart_poll_fds,
	.on_fd = exp_chart_on_fd,
};
