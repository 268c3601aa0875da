/* sheet_label.c — the Label view: one item at a time, labeled with one key.
 *
 * The view sits on the Data pane's stack above a dataset's table (L in a
 * table, or `sagetty label DATASET`).  Opening syncs the dataset's row
 * keys with the store (labels.h), which needs the whole CSV index: that
 * runs as a task with a progress line, so a 1M-row file never freezes the
 * screen.  The view then owns its own store connection, used only from the
 * UI thread.
 *
 * Keys: the scheme's label keys come first (pane key hook), before any
 * binding, so 1-9 label rather than switch panes; the view's own keys are
 * bindings in the "label" keymap context, and the scheme never gives a
 * label one of them (SG_SCHEME_RESERVED_KEYS).  A printable key that is
 * neither gets a hint and records nothing.
 *
 * Durability: "saved" is shown only after sg_labels_annotate returned,
 * and that call commits before returning; the status line never claims
 * more than the store holds. */
#include "sgconfig.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/keymap.h"
#include "core/labels.h"
#include "core/util.h"
#include "tui/label.h"

#define OPEN_TICK_MS 100
#define CHECKPOINT_IDLE_MS 400     /* a pause this long lets the store checkpoint */
#define MAX_SPANS 256

/* One annotation of the shown item (copied out of the store's callback). */
struct lann {
	long long id;
	char user[64];
	char *value;
	char *comment;
	enum sg_label_source source;
	enum sg_label_role role;
	enum sg_label_review review;
	double confidence;
};

/* A span of the draft, in bytes of the text field. */
struct lspan {
	size_t start, end;
	int label;
};

/* The opening task's work and results. */
struct lopen {
	struct sg_store *store;
	struct sg_dataset_info ds;
	char *path;
	char user[64];
	struct sg_labels *lab;
	struct sg_labels_sync sync;
	uint64_t mine, any;       /* items labeled by the user, by anyone */
	struct sg_stats_progress *progress;
	const atomic_int *cancel;
};

struct lsheet {
	struct sheet base;
	struct dsfile *f;
	struct sg_dataset_info ds;
	struct sg_store *store;   /* the view's own connection */
	struct sg_labels *lab;    /* NULL until opened */
	const struct sg_scheme *sc;
	struct task *task;
	struct lopen job;
	char error[768];          /* the open failed: shown instead */
	int no_scheme;            /* ... because the dataset has no scheme yet */
	uint64_t start;           /* the row to start at, UINT64_MAX: the queue */

	/* the item shown */
	int have;                 /* an item is shown */
	uint64_t row;
	char key[SG_LABEL_KEY_MAX];
	struct sg_csv_cursor cur;
	int text_col;
	struct lbl_text text;
	size_t text_top;          /* first display line shown */
	int text_h;               /* text rows at the last draw */
	struct sg_label_item item;
	struct lann *ann;
	size_t nann, anncap;
	double shown_at;

	/* the draft: toggles (multi), spans (span), comment */
	unsigned char *toggled;
	struct lspan spans[MAX_SPANS];
	size_t nspans;
	int dirty_draft;          /* the draft differs from what is saved */
	int esc_warned;           /* Esc was pressed once over an unsaved draft */
	char unsaved_text[96];
	char comment[512];

	/* navigation */
	uint64_t *hist;
	size_t nhist, histcap;
	int review;               /* review mode: the queue is machine labels */
	struct sg_label_filter filt;
	char filt_label[SG_SCHEME_NAME_MAX], filt_user[64], filt_text[256];
	long long *frows;         /* rows of the filter (when filt_text is set) */
	size_t nfrows;
	int all_done;             /* the queue had nothing more */

	uint64_t mine, any;       /* counts for the header */
	char status[512];         /* the status line: saved, hints, errors */
	enum sg_role status_role;
	int resync;               /* the file changed on disk: open again */
	int commits;              /* keys since the store's last idle call */
	double last_key;          /* when the last key came (sg_now) */
};

static struct lsheet *ls(struct sheet *sh)
{
	return (struct lsheet *)sh;
}

/* Sets the view's status line. */
static void status(struct lsheet *L, enum sg_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void status(struct lsheet *L, enum sg_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(L->status, sizeof L->status, fmt, ap);
	va_end(ap);
	L->status_role = role;
}

/* ---- opening (a task) -------------------------------------------------------- */

/* sg_labels_open's progress, into the task's counters. */
static int open_progress(uint64_t done, uint64_t total, void *ud)
{
	struct lopen *j = ud;

	atomic_store(&j->progress->rows_done, done);
	atomic_store(&j->progress->rows_total, total);
	return j->cancel && atomic_load(j->cancel);
}

/* Counts the items matching f into *n. */
static int count_rows(struct sg_labels *lab, const struct sg_label_filter *f, uint64_t *n,
		      struct sg_error *err)
{
	long long *rows = NULL;
	size_t k = 0;

	if (sg_labels_filter_rows(lab, f, &rows, &k, err) < 0)
		return -1;
	free(rows);
	*n = k;
	return 0;
}

/* task_fn: opens the dataset for labeling and counts what is labeled. */
static int open_task(void *arg, const atomic_int *cancel, struct sg_stats_progress *progress,
		     struct sg_error *err)
{
	struct lopen *j = arg;
	struct sg_label_filter f = { .source = -1, .state = SG_FILTER_LABELED };

	j->progress = progress;
	j->cancel = cancel;
	j->lab = sg_labels_open(j->store, &j->ds, j->path, j->user, open_progress, j, &j->sync,
				err);
	if (!j->lab)
		return -1;
	if (count_rows(j->lab, &f, &j->any, err) < 0)
		return -1;
	f.user = j->user;
	return count_rows(j->lab, &f, &j->mine, err);
}

static void show_first(struct lsheet *L);

/* Starts (again) the opening task; the view shows its progress. */
static void start_open(struct lsheet *L)
{
	struct sg_error e = { 0 };

	sg_labels_free(L->lab);
	L->lab = NULL;
	L->sc = NULL;
	L->have = 0;
	L->error[0] = '\0';
	L->no_scheme = 0;
	free(L->job.path);
	memset(&L->job, 0, sizeof L->job);
	L->job.store = L->store;
	L->job.ds = L->ds;
	L->job.path = L->f->path ? sg_xstrdup(L->f->path) : NULL;
	snprintf(L->job.user, sizeof L->job.user, "%s", sg_username());
	L->task = task_start(open_task, &L->job, &e);
	if (!L->task)
		snprintf(L->error, sizeof L->error, "%s", e.msg);
}

/* "3 new items, 2 moved, 1 orphaned (5 annotations kept)" after a sync
 * that found the file changed. */
static void report_sync(struct lsheet *L)
{
	const struct sg_labels_sync *y = &L->job.sync;

	if (y->orphaned_items)
		status(L, SG_ROLE_ERROR,
		       "%llu item%s no longer in the file: %llu annotation%s kept as orphans "
		       "(sagetty labels orphans %s)",
		       (unsigned long long)y->orphaned_items, y->orphaned_items == 1 ? "" : "s",
		       (unsigned long long)y->orphaned_annotations,
		       y->orphaned_annotations == 1 ? "" : "s", L->ds.name);
	else if (y->changed && !y->first)
		status(L, SG_ROLE_MESSAGE,
		       "The file changed since labeling began: %llu new item%s, %llu moved; "
		       "labels stay with their rows",
		       (unsigned long long)y->new_items, y->new_items == 1 ? "" : "s",
		       (unsigned long long)y->moved);
	else if (y->duplicate_keys)
		status(L, SG_ROLE_MESSAGE, "%llu rows repeat an earlier row's key: told apart as #2, #3...",
		       (unsigned long long)y->duplicate_keys);
}

/* The task ended: keeps the handle or the error. */
static void open_done(struct lsheet *L)
{
	struct sg_error e = { 0 };
	int rc = task_finish(L->task, &e);

	L->task = NULL;
	if (rc != 0) {
		sg_labels_free(L->job.lab);
		L->job.lab = NULL;
		L->no_scheme = e.code == SG_E_NOTFOUND;
		if (L->no_scheme)
			snprintf(L->error, sizeof L->error,
				 "%s has no label scheme yet: %s makes one (labels, keys, type)",
				 L->ds.name, "=");
		else
			snprintf(L->error, sizeof L->error, "%s", e.msg);
		return;
	}
	L->lab = L->job.lab;
	L->job.lab = NULL;
	L->sc = sg_labels_scheme(L->lab);
	L->text_col = sg_labels_text_col(L->lab);
	L->mine = L->job.mine;
	L->any = L->job.any;
	free(L->toggled);
	L->toggled = sg_xcalloc(L->sc->nlabels + 1, 1);
	report_sync(L);
	show_first(L);
}

/* ---- the item ------------------------------------------------------------------ */

/* sg_labels_item_annotations callback: keeps a copy. */
static int collect_ann(const struct sg_annotation *a, void *ud)
{
	struct lsheet *L = ud;
	struct lann *c;

	if (L->nann == L->anncap) {
		L->anncap = L->anncap ? L->anncap * 2 : 8;
		L->ann = sg_xrealloc(L->ann, L->anncap * sizeof *L->ann);
	}
	c = &L->ann[L->nann++];
	memset(c, 0, sizeof *c);
	c->id = a->id;
	snprintf(c->user, sizeof c->user, "%s", a->user ? a->user : "");
	c->value = sg_xstrdup(a->value ? a->value : "");
	c->comment = sg_xstrdup(a->comment ? a->comment : "");
	c->source = a->source;
	c->role = a->role;
	c->review = a->review;
	c->confidence = a->confidence;
	return 0;
}

static void free_ann(struct lsheet *L)
{
	for (size_t i = 0; i < L->nann; i++) {
		free(L->ann[i].value);
		free(L->ann[i].comment);
	}
	L->nann = 0;
}

/* The user's live human annotation on the item, or NULL. */
static const struct lann *my_ann(const struct lsheet *L)
{
	for (size_t i = L->nann; i-- > 0;)
		if (L->ann[i].source != SG_LABEL_MACHINE && L->ann[i].role == SG_ROLE_ANNOTATOR &&
		    strcmp(L->ann[i].user, L->job.user) == 0)
			return &L->ann[i];
	return NULL;
}

/* The machine annotation waiting for review on the item, or NULL. */
static const struct lann *pending_machine(const struct lsheet *L)
{
	for (size_t i = 0; i < L->nann; i++)
		if (L->ann[i].source == SG_LABEL_MACHINE && L->ann[i].review == SG_REVIEW_PENDING)
			return &L->ann[i];
	return NULL;
}

/* Fills the draft from a saved value: toggles of a multi value, spans of
 * a span value (code point offsets back to bytes of the text). */
static void draft_from(struct lsheet *L, const char *value)
{
	json_t *v = value && *value == '[' ? json_loads(value, 0, NULL) : NULL;
	size_t i, bad = 0;
	json_t *e;

	memset(L->toggled, 0, L->sc->nlabels + 1);
	L->nspans = 0;
	json_array_foreach(v, i, e) {
		if (json_is_string(e)) {
			int k = sg_scheme_label_by_name(L->sc, json_string_value(e));
			if (k >= 0)
				L->toggled[k] = 1;
		} else if (json_is_object(e) && L->nspans < MAX_SPANS) {
			int k = sg_scheme_label_by_name(L->sc,
							json_string_value(json_object_get(e, "label")) ?: "");
			json_int_t a = json_integer_value(json_object_get(e, "start"));
			json_int_t b = json_integer_value(json_object_get(e, "end"));
			size_t sa = lbl_text_bytes(L->text.text, L->text.len, (size_t)(a < 0 ? 0 : a));
			size_t sb = lbl_text_bytes(L->text.text, L->text.len, (size_t)(b < 0 ? 0 : b));
			if (k >= 0 && sa != (size_t)-1 && sb != (size_t)-1 && sa < sb)
				L->spans[L->nspans++] = (struct lspan){ sa, sb, k };
			else
				bad++;
		}
	}
	json_decref(v);
	/* an imported span beyond this text (the row was edited) is said,
	 * not drawn; saving the item's spans again leaves it out */
	if (bad)
		status(L, SG_ROLE_ERROR, "%zu saved span%s outside this text or with an unknown "
		       "label: not shown", bad, bad == 1 ? " is" : "s are");
	L->dirty_draft = 0;
}

/* Reads row into the view (no history): fields, text, item state, the
 * annotations, the draft from the user's own label. */
static int load_row(struct lsheet *L, uint64_t row)
{
	struct sg_error e = { 0 };
	struct sg_csv *csv = sg_labels_csv(L->lab);
	const char *key = sg_labels_key(L->lab, row);
	const struct lann *mine;

	/* one fstat: a row of a file rewritten under the view could show
	 * other content than its key's, so the rows are keyed again first
	 * (after the action at hand: see resync) */
	if (sg_csv_check(csv, &e) != 0) {
		L->resync = 1;
		L->have = 0;
		status(L, SG_ROLE_ERROR, "%s changed on disk since labeling began: keying its rows "
		       "again (labels stay with their rows, orphans are reported)", L->ds.name);
		return -1;
	}
	if (!key || sg_csv_read_row(csv, row, &L->cur, &e) < 0) {
		/* the text borrowed the cursor's buffers, which a failed read
		 * may have moved: nothing of the old item is shown any more */
		L->have = 0;
		lbl_text_set(&L->text, NULL, 0);
		status(L, SG_ROLE_ERROR, "Row %llu cannot be read: %s", (unsigned long long)row + 1,
		       *e.msg ? e.msg : "not in the file");
		return -1;
	}
	L->have = 1;
	L->row = row;
	snprintf(L->key, sizeof L->key, "%s", key);
	if (L->text_col >= 0 && L->text_col < L->cur.ncols)
		lbl_text_set(&L->text, L->cur.field[L->text_col].p, L->cur.field[L->text_col].len);
	else
		lbl_text_set(&L->text, NULL, 0);
	L->text_top = 0;
	free_ann(L);
	memset(&L->item, 0, sizeof L->item);
	if (sg_labels_item(L->lab, L->key, &L->item, &e) < 0 ||
	    sg_labels_item_annotations(L->store, L->ds.id, L->key, 0, collect_ann, L, &e) < 0)
		status(L, SG_ROLE_ERROR, "%s", e.msg);
	mine = my_ann(L);
	draft_from(L, mine ? mine->value : NULL);
	if (mine && L->sc->type == SG_SCHEME_SINGLE) {
		int k = sg_scheme_label_by_name(L->sc, mine->value);
		if (k >= 0)
			L->toggled[k] = 1;
	}
	snprintf(L->comment, sizeof L->comment, "%s", mine ? mine->comment : "");
	L->shown_at = sg_now();
	return 0;
}

/* Shows row, remembering the current item for back. */
static int show_row(struct lsheet *L, uint64_t row)
{
	uint64_t prev = L->row;
	int had = L->have;

	if (load_row(L, row) < 0)
		return -1;
	if (had && prev != row) {
		/* each item once, at its latest visit: back walks items, not keys */
		size_t k = 0;
		for (size_t i = 0; i < L->nhist; i++)
			if (L->hist[i] != prev)
				L->hist[k++] = L->hist[i];
		L->nhist = k;
		if (L->nhist == L->histcap) {
			L->histcap = L->histcap ? L->histcap * 2 : 64;
			L->hist = sg_xrealloc(L->hist, L->histcap * sizeof *L->hist);
		}
		L->hist[L->nhist++] = prev;
	}
	L->all_done = 0;
	return 0;
}

/* Jumps with sg_labels_next to the first match after row from (-1: from
 * the top); 0 when nothing was found (then says so, naming what). */
static int jump_from(struct lsheet *L, enum sg_label_jump how, long long from, const char *what)
{
	struct sg_label_item it;
	struct sg_error e = { 0 };
	int rc = sg_labels_next(L->lab, how, from, &it, &e);

	if (rc < 0) {
		status(L, SG_ROLE_ERROR, "%s", e.msg);
		return 0;
	}
	if (rc == 0 || it.row < 0) {
		if (what)
			status(L, SG_ROLE_MESSAGE, "No %s items", what);
		return 0;
	}
	return show_row(L, (uint64_t)it.row) == 0;
}

/* Jumps to the next match after the item shown. */
static int jump(struct lsheet *L, enum sg_label_jump how, const char *what)
{
	return jump_from(L, how, L->have ? (long long)L->row : -1, what);
}

/* The next row of the filter after the current one, wrapping; 0 at none. */
static int filter_next(struct lsheet *L, int dir)
{
	size_t i;

	if (!L->nfrows) {
		status(L, SG_ROLE_MESSAGE, "No items match the filter %s", L->filt_text);
		return 0;
	}
	for (i = 0; i < L->nfrows && L->frows[i] <= (long long)L->row; i++)
		;
	/* i: the first row after the current one */
	if (dir > 0)
		i = i < L->nfrows ? i : 0;
	else {
		size_t j = i;
		while (j > 0 && L->frows[j - 1] >= (long long)L->row)
			j--;
		i = j > 0 ? j - 1 : L->nfrows - 1;
	}
	return show_row(L, (uint64_t)L->frows[i]) == 0;
}

/* After a label or a skip: the next item of the filter, the review queue
 * or the work queue. */
static void advance(struct lsheet *L)
{
	if (*L->filt_text) {
		filter_next(L, 1);
		return;
	}
	if (L->review) {
		if (!jump(L, SG_JUMP_REVIEW, NULL) && !L->resync) {
			size_t n = strlen(L->status);
			snprintf(L->status + n, sizeof L->status - n, "%sno more machine labels to "
				 "review", n ? " \u2014 " : "");
		}
		return;
	}
	if (!jump(L, SG_JUMP_QUEUE, NULL) && !L->resync) {
		L->all_done = 1;
		/* keep what the status says (the save) and add the end */
		size_t n = strlen(L->status);
		snprintf(L->status + n, sizeof L->status - n, "%sThe queue is empty: every item has "
			 "its %d annotation%s or was skipped", n ? " \u2014 " : "", L->sc->k,
			 L->sc->k == 1 ? "" : "s");
	}
}

static void show_first(struct lsheet *L)
{
	if (L->start != UINT64_MAX && L->start < sg_labels_nrows(L->lab)) {
		show_row(L, L->start);
		return;
	}
	if (!jump(L, SG_JUMP_QUEUE, NULL)) {
		if (sg_labels_nrows(L->lab) > 0)
			show_row(L, 0);
		L->all_done = 1;
		if (!*L->status)
			status(L, SG_ROLE_MESSAGE, "Nothing left in the queue: browse with PgUp/PgDn, "
			       "n for your next unlabeled item");
	}
}

/* ---- saving ---------------------------------------------------------------------- */

/* The draft as a value: a name (single), names (multi), spans (span). */
static char *draft_value(struct lsheet *L, int single)
{
	json_t *arr;
	char *out;

	if (L->sc->type == SG_SCHEME_SINGLE)
		return sg_xstrdup(L->sc->labels[single].name);
	arr = json_array();
	if (L->sc->type == SG_SCHEME_MULTI) {
		for (size_t i = 0; i < L->sc->nlabels; i++)
			if (L->toggled[i])
				json_array_append_new(arr, json_string(L->sc->labels[i].name));
	} else {
		for (size_t i = 0; i < L->nspans; i++) {
			const struct lspan *sp = &L->spans[i];
			json_array_append_new(arr, json_pack("{s:I,s:I,s:s}", "start",
				(json_int_t)lbl_text_chars(L->text.text, L->text.len, sp->start), "end",
				(json_int_t)lbl_text_chars(L->text.text, L->text.len, sp->end), "label",
				L->sc->labels[sp->label].name));
		}
	}
	out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return out;
}

/* A short display of a value: names as they are, spans counted. */
static void value_text(const struct lsheet *L, const char *value, char *buf, size_t n)
{
	json_t *v = value && *value == '[' ? json_loads(value, 0, NULL) : NULL;
	size_t i, o = 0;
	json_t *e;

	if (!v) {
		snprintf(buf, n, "%s", value ? value : "");
		return;
	}
	buf[0] = '\0';
	if (L->sc && L->sc->type == SG_SCHEME_SPAN)
		snprintf(buf, n, "%zu span%s", json_array_size(v), json_array_size(v) == 1 ? "" : "s");
	else if (json_array_size(v) == 0)
		snprintf(buf, n, "(none)");
	else
		json_array_foreach(v, i, e)
			if (json_is_string(e) && o < n)
				o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "",
						      json_string_value(e));
	json_decref(v);
}

/* Records the draft (label i for single); on success says "saved" and
 * moves on when advance_after. */
static int save(struct lsheet *L, int i, int advance_after)
{
	struct sg_error e = { 0 };
	char *value = draft_value(L, i);
	const struct lann *machine = L->review ? pending_machine(L) : NULL;
	int had_mine = my_ann(L) != NULL, had_any = L->item.n > 0;
	double secs = sg_now() - L->shown_at;
	char shown[160];
	int rc;

	if (machine)
		rc = sg_labels_adjudicate(L->lab, L->key, value, L->comment, machine->id, NULL, &e);
	else
		rc = sg_labels_annotate(L->lab, L->key, value, L->comment, secs, NULL, &e);
	if (rc < 0) {
		/* nothing claimed: the error says why (a span outside the text...) */
		status(L, SG_ROLE_ERROR, "Not saved: %s", e.msg);
		free(value);
		return -1;
	}
	if (!machine) {
		L->mine += !had_mine;
		L->any += !had_any;
	}
	value_text(L, value, shown, sizeof shown);
	status(L, SG_ROLE_OK, "%s row %llu: %s (%.1f s)", machine ? "Corrected" : "Saved",
	       (unsigned long long)L->row + 1, shown, secs);
	free(value);
	L->dirty_draft = 0;
	if (advance_after)
		advance(L);
	else
		load_row(L, L->row);
	return 0;
}

/* Review mode: Enter accepts the machine label as it is. */
static void accept_machine(struct lsheet *L)
{
	struct sg_error e = { 0 };
	const struct lann *m = pending_machine(L);
	char shown[160];

	if (!m) {
		status(L, SG_ROLE_MESSAGE, "No machine label waits for review here (r: review mode)");
		return;
	}
	if (sg_labels_set_review(L->store, m->id, SG_REVIEW_ACCEPTED, L->job.user, &e) < 0) {
		status(L, SG_ROLE_ERROR, "Not saved: %s", e.msg);
		return;
	}
	value_text(L, m->value, shown, sizeof shown);
	status(L, SG_ROLE_OK, "Accepted row %llu: %s", (unsigned long long)L->row + 1, shown);
	advance(L);
}

/* "1 positive, 2 negative" (the keys, for hints). */
static void keys_text(const struct lsheet *L, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < L->sc->nlabels && o + 1 < n; i++)
		if (L->sc->labels[i].key)
			o += (size_t)snprintf(buf + o, n - o, "%s%c %s", o ? ", " : "",
					      L->sc->labels[i].key, L->sc->labels[i].name);
}

/* Label i's key (or name) was given. */
static void apply_label(struct lsheet *L, int i)
{
	size_t a, b;

	if (!L->have) {
		status(L, SG_ROLE_MESSAGE, "No item shown: nothing recorded");
		return;
	}
	switch (L->sc->type) {
	case SG_SCHEME_SINGLE:
		save(L, i, 1);
		break;
	case SG_SCHEME_MULTI:
		L->toggled[i] = !L->toggled[i];
		L->dirty_draft = 1;
		status(L, SG_ROLE_MESSAGE, "%s %s \u2014 Enter saves", L->toggled[i] ? "+" : "-",
		       L->sc->labels[i].name);
		break;
	case SG_SCHEME_SPAN:
		if (L->text.len == 0) {
			status(L, SG_ROLE_MESSAGE, "This item's text is empty: no span to label "
			       "(Enter saves no spans, s skips)");
			break;
		}
		if (!lbl_text_selection(&L->text, &a, &b)) {
			status(L, SG_ROLE_MESSAGE, "Select a span first: v, then w e h \u2190 \u2192 j k; "
			       "nothing recorded");
			break;
		}
		if (L->nspans == MAX_SPANS) {
			status(L, SG_ROLE_ERROR, "At most %d spans per item", MAX_SPANS);
			break;
		}
		L->spans[L->nspans++] = (struct lspan){ a, b, i };
		L->text.selecting = 0;
		L->dirty_draft = 1;
		status(L, SG_ROLE_MESSAGE, "Span %zu \u2192 %s \u2014 Enter saves the item's spans",
		       L->nspans, L->sc->labels[i].name);
		break;
	}
}

/* Enter: saves toggles or spans; accepts a machine label in review. */
static void save_key(struct lsheet *L)
{
	if (!L->have)
		return;
	if (L->review && pending_machine(L) && !L->dirty_draft) {
		accept_machine(L);
		return;
	}
	if (L->sc->type == SG_SCHEME_SINGLE) {
		char keys[256];
		keys_text(L, keys, sizeof keys);
		status(L, SG_ROLE_MESSAGE, "Press a label's key to label: %s", keys);
		return;
	}
	save(L, 0, 1);
}

/* ---- undo, skip, back ------------------------------------------------------------ */

static void undo(struct lsheet *L)
{
	struct sg_error e = { 0 };
	char key[SG_LABEL_KEY_MAX];
	int rc = sg_labels_undo(L->lab, key, &e);
	long long row;

	if (rc < 0) {
		status(L, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	if (rc == 0) {
		status(L, SG_ROLE_MESSAGE, "Nothing to undo");
		return;
	}
	row = sg_labels_row_of(L->lab, key);
	if (row < 0) {
		status(L, SG_ROLE_MESSAGE, "Undone (that item is no longer in the file)");
		return;
	}
	show_row(L, (uint64_t)row);
	/* the counts follow the item's state after the undo */
	if (!my_ann(L) && L->mine)
		L->mine--;
	if (L->item.n == 0 && L->any)
		L->any--;
	status(L, SG_ROLE_OK, "Undone: row %llu is shown again", (unsigned long long)row + 1);
}

static void skip(struct lsheet *L)
{
	struct sg_error e = { 0 };

	if (!L->have)
		return;
	if (sg_labels_skip(L->lab, L->key, &e) < 0) {
		status(L, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	status(L, SG_ROLE_MESSAGE, "Skipped row %llu", (unsigned long long)L->row + 1);
	advance(L);
}

static void back(struct lsheet *L)
{
	if (!L->nhist) {
		status(L, SG_ROLE_MESSAGE, "No earlier item in this session");
		return;
	}
	if (load_row(L, L->hist[--L->nhist]) == 0)
		status(L, SG_ROLE_MESSAGE, "Back to row %llu", (unsigned long long)L->row + 1);
}

/* PgUp/PgDn, g, G: browse rows in file (or filter) order. */
static void browse(struct lsheet *L, enum sg_action a)
{
	uint64_t n = sg_labels_nrows(L->lab);

	if (!n)
		return;
	if (*L->filt_text && (a == SG_ACTION_PAGE_DOWN || a == SG_ACTION_PAGE_UP)) {
		filter_next(L, a == SG_ACTION_PAGE_DOWN ? 1 : -1);
		return;
	}
	switch (a) {
	case SG_ACTION_PAGE_DOWN:
		if (L->row + 1 < n)
			show_row(L, L->row + 1);
		break;
	case SG_ACTION_PAGE_UP:
		if (L->row > 0)
			show_row(L, L->row - 1);
		break;
	case SG_ACTION_FIRST: show_row(L, 0); break;
	case SG_ACTION_LAST: show_row(L, n - 1); break;
	default: break;
	}
}

/* ---- filter ----------------------------------------------------------------------- */

/* Parses "label=X annotator=U state=S" (any order, any subset; "" clears)
 * and computes the filter's rows. */
_Static_assert((int)SG_FILTER_UNLABELED == (int)LBL_STATE_UNLABELED &&
	       (int)SG_FILTER_REVIEW == (int)LBL_STATE_REVIEW,
	       "label.h's filter states follow labels.h's");

static void set_filter(struct lsheet *L, const char *arg)
{
	struct sg_label_filter f = { .source = -1 };
	struct lbl_filter lf;
	char msg[256];
	struct sg_error e = { 0 };
	long long *rows = NULL;
	size_t n = 0;

	if (lbl_filter_parse(arg, &lf, msg, sizeof msg) < 0) {
		status(L, SG_ROLE_ERROR, "%s", msg);
		return;
	}
	if (*lf.label && sg_scheme_label_by_name(L->sc, lf.label) < 0) {
		status(L, SG_ROLE_ERROR, "No label named '%s' in the scheme", lf.label);
		return;
	}
	snprintf(L->filt_label, sizeof L->filt_label, "%s", lf.label);
	snprintf(L->filt_user, sizeof L->filt_user, "%s", lf.user);
	/* the states are declared in the same order (label.h) */
	f.state = lf.state;
	f.label = *L->filt_label ? L->filt_label : NULL;
	f.user = *L->filt_user ? L->filt_user : NULL;
	free(L->frows);
	L->frows = NULL;
	L->nfrows = 0;
	L->filt_text[0] = '\0';
	if (!f.label && !f.user && f.state == SG_FILTER_ANY) {
		status(L, SG_ROLE_MESSAGE, "Filter cleared: the work queue again");
		return;
	}
	if (sg_labels_filter_rows(L->lab, &f, &rows, &n, &e) < 0) {
		status(L, SG_ROLE_ERROR, "%s", e.msg);
		return;
	}
	L->frows = rows;
	L->nfrows = n;
	L->filt = f;
	snprintf(L->filt_text, sizeof L->filt_text, "%s", arg);
	status(L, SG_ROLE_MESSAGE, "%zu item%s match %s", n, n == 1 ? "" : "s", arg);
	if (n) {
		uint64_t keep = L->row;
		/* start at the first match from the top */
		L->row = 0;
		if (L->frows[0] == 0)
			show_row(L, 0);
		else
			filter_next(L, 1);
		(void)keep;
	}
}

/* ---- keys and actions -------------------------------------------------------------- */

/* A comment: kept for the next save, or saved now with the user's label. */
static void set_comment(struct lsheet *L, const char *arg)
{
	const struct lann *mine = my_ann(L);
	struct sg_error e = { 0 };

	if (!L->have) {
		status(L, SG_ROLE_MESSAGE, "No item shown to comment on");
		return;
	}
	if (!L->sc->comment) {
		status(L, SG_ROLE_MESSAGE, "This scheme takes no comments (= to change it)");
		return;
	}
	if (arg && strcmp(arg, "-") == 0)
		arg = "";
	snprintf(L->comment, sizeof L->comment, "%s", arg ? arg : "");
	if (!mine || L->dirty_draft) {
		status(L, SG_ROLE_MESSAGE, "Comment kept: it is saved with your label");
		return;
	}
	if (sg_labels_annotate(L->lab, L->key, mine->value, L->comment, sg_now() - L->shown_at,
			       NULL, &e) < 0) {
		status(L, SG_ROLE_ERROR, "Not saved: %s", e.msg);
		return;
	}
	load_row(L, L->row);
	status(L, SG_ROLE_OK, "Saved the comment on row %llu", (unsigned long long)L->row + 1);
}

/* Drops the selection, else clears the draft. */
static void clear(struct lsheet *L)
{
	if (L->text.selecting) {
		L->text.selecting = 0;
		status(L, SG_ROLE_MESSAGE, "Selection dropped");
		return;
	}
	memset(L->toggled, 0, L->sc->nlabels + 1);
	L->nspans = 0;
	L->dirty_draft = 1;
	status(L, SG_ROLE_MESSAGE, "Cleared \u2014 Enter saves the item with no %s",
	       L->sc->type == SG_SCHEME_SPAN ? "spans" : "labels");
}

/* Keeps the cursor's line inside the text rows shown. */
static void follow_cursor(struct lsheet *L)
{
	size_t l;

	if (!L->text.nlines || L->text_h < 1)
		return;
	l = lbl_text_line_of(&L->text, L->text.cursor);
	if (l < L->text_top)
		L->text_top = l;
	else if (l >= L->text_top + (size_t)L->text_h)
		L->text_top = l - (size_t)L->text_h + 1;
}

/* Cursor motions over the text; UNHANDLED for other actions. */
static enum pane_result motion(struct lsheet *L, enum sg_action a)
{
	struct lbl_text *t = &L->text;

	switch (a) {
	case SG_ACTION_SCROLL_LEFT: lbl_text_char_prev(t); break;
	case SG_ACTION_SCROLL_RIGHT: lbl_text_char_next(t); break;
	case SG_ACTION_WORD_NEXT: lbl_text_word_next(t); break;
	case SG_ACTION_WORD_PREV: lbl_text_word_prev(t); break;
	case SG_ACTION_WORD_END: lbl_text_word_end(t); break;
	case SG_ACTION_MOVE_DOWN:
		if (L->sc->type != SG_SCHEME_SPAN) {  /* scroll a long text */
			if (L->text_top + (size_t)L->text_h < t->nlines)
				L->text_top++;
			return PANE_REDRAW;
		}
		lbl_text_line_down(t);
		break;
	case SG_ACTION_MOVE_UP:
		if (L->sc->type != SG_SCHEME_SPAN) {
			if (L->text_top)
				L->text_top--;
			return PANE_REDRAW;
		}
		lbl_text_line_up(t);
		break;
	case SG_ACTION_SPAN_SELECT:
		if (L->sc->type != SG_SCHEME_SPAN) {
			status(L, SG_ROLE_MESSAGE, "Spans are for span schemes (= changes the type)");
			return PANE_REDRAW;
		}
		lbl_text_toggle_select(t);
		break;
	default:
		return PANE_UNHANDLED;
	}
	follow_cursor(L);
	return PANE_REDRAW;
}

static void scheme_saved(void *ud);

/* A key came: it may commit, so the store's housekeeping (a WAL
 * checkpoint, labels.h's sg_labels_idle) waits for the next pause. */
static void note_key(struct lsheet *L)
{
	L->last_key = sg_now();
	L->commits++;
}

static enum pane_result do_action(struct sheet *sh, enum sg_action a)
{
	struct lsheet *L = ls(sh);
	struct pane *p = sh->pane;

	if (L->lab)
		note_key(L);
	if (a == SG_ACTION_BACK) {
		if (L->task) {
			task_cancel(L->task);
			return PANE_HANDLED;
		}
		if (L->text.selecting) {
			L->text.selecting = 0;
			return PANE_REDRAW;
		}
		/* a draft is not dropped by one stray Esc */
		if (L->have && L->dirty_draft && !L->esc_warned) {
			L->esc_warned = 1;
			status(L, SG_ROLE_ERROR, "Not saved yet: Enter saves, x clears; Esc again "
			       "leaves without saving");
			return PANE_REDRAW;
		}
		return PANE_UNHANDLED;   /* the pane pops the view */
	}
	L->esc_warned = 0;
	if (a == SG_ACTION_LABEL_SCHEME) {
		/* the editor writes through the app's connection: this view's
		 * may be busy in the opening task's thread */
		data_push(p, sheet_scheme_new(p, p->env->ws->store, &L->ds, L->f, L->sc, scheme_saved, L));
		return PANE_REDRAW;
	}
	if (a == SG_ACTION_REFRESH) {
		if (!L->task)
			start_open(L);
		return PANE_REDRAW;
	}
	if (!L->lab) {
		if (a == SG_ACTION_MOVE_UP || a == SG_ACTION_MOVE_DOWN)
			return PANE_HANDLED;
		return L->task || *L->error ? PANE_HANDLED : PANE_UNHANDLED;
	}
	if (L->have && motion(L, a) != PANE_UNHANDLED)
		return PANE_REDRAW;
	switch (a) {
	case SG_ACTION_LABEL_SAVE: save_key(L); break;
	case SG_ACTION_LABEL_AS: p->env->prompt(p->env->ud, "label-as ", 9); break;
	case SG_ACTION_LABEL_UNDO: undo(L); break;
	case SG_ACTION_LABEL_SKIP: skip(L); break;
	case SG_ACTION_LABEL_PREV: back(L); break;
	case SG_ACTION_LABEL_CLEAR: clear(L); break;
	case SG_ACTION_NEXT_UNLABELED: jump(L, SG_JUMP_UNLABELED, "more unlabeled"); break;
	case SG_ACTION_NEXT_DISAGREED: jump(L, SG_JUMP_DISAGREED, "disagreed"); break;
	case SG_ACTION_NEXT_LOW_CONF: jump(L, SG_JUMP_LOW_CONFIDENCE, "low-confidence"); break;
	case SG_ACTION_LABEL_REVIEW:
		L->review = !L->review;
		status(L, SG_ROLE_MESSAGE, L->review ? "Review mode: Enter accepts the machine label, "
		       "a label key corrects it" : "Review mode off: the work queue again");
		/* the item shown counts when it waits for review itself */
		if (L->review && !pending_machine(L))
			jump(L, SG_JUMP_REVIEW, "machine-labeled pending review");
		break;
	case SG_ACTION_LABEL_COMMENT: {
		char line[600];
		int n = snprintf(line, sizeof line, "label-comment %s", L->comment);
		p->env->prompt(p->env->ud, line, n < 0 ? 0 : (size_t)n);
		break;
	}
	case SG_ACTION_LABEL_FILTER: {
		char line[300];
		int n = snprintf(line, sizeof line, "label-filter %s", L->filt_text);
		p->env->prompt(p->env->ud, line, n < 0 ? 0 : (size_t)n);
		break;
	}
	case SG_ACTION_LABEL_STATS:
		data_push(p, sheet_label_stats_new(p, sg_store_path(L->store), &L->ds, L->sc));
		break;
	case SG_ACTION_PAGE_DOWN: case SG_ACTION_PAGE_UP: case SG_ACTION_FIRST:
	case SG_ACTION_LAST:
		browse(L, a);
		break;
	case SG_ACTION_OPEN: case SG_ACTION_SCROLL_LEFT: case SG_ACTION_SCROLL_RIGHT:
		return PANE_HANDLED;
	default:
		return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

static enum pane_result do_action_arg(struct sheet *sh, enum sg_action a, const char *arg)
{
	struct lsheet *L = ls(sh);
	int i;

	if (!L->lab)
		return PANE_UNHANDLED;
	switch (a) {
	case SG_ACTION_LABEL_AS:
		i = sg_scheme_label_by_name(L->sc, arg);
		if (i < 0)
			status(L, SG_ROLE_ERROR, "No label named '%s' (= shows the scheme); nothing "
			       "recorded", arg);
		else
			apply_label(L, i);
		return PANE_REDRAW;
	case SG_ACTION_LABEL_COMMENT: set_comment(L, arg); return PANE_REDRAW;
	case SG_ACTION_LABEL_FILTER: set_filter(L, arg); return PANE_REDRAW;
	default: return PANE_UNHANDLED;
	}
}

/* The scheme's keys first; a stray printable key gets a hint. */
static enum pane_result do_key(struct sheet *sh, int key, enum sg_action bound)
{
	struct lsheet *L = ls(sh);
	char name[32], keys[256];
	int i;

	if (!L->lab) {
		/* still opening: a label key must not switch panes meanwhile */
		if (L->task && key > 0x20 && key < 0x7f && bound != SG_ACTION_QUIT &&
		    bound != SG_ACTION_HELP && bound != SG_ACTION_COMMAND) {
			pane_message(sh->pane, SG_ROLE_MESSAGE, "Still keying the rows: labels "
				     "can be given in a moment (nothing recorded)");
			return PANE_REDRAW;
		}
		return PANE_UNHANDLED;
	}
	i = key > 0 && key < 0x80 ? sg_scheme_label_by_key(L->sc, key) : -1;
	if (i >= 0) {
		L->esc_warned = 0;
		note_key(L);
		apply_label(L, i);
		return PANE_REDRAW;
	}
	/* a digit never switches panes here, and unbound characters are
	 * mistakes at a label key: say so, record nothing */
	if ((key >= '0' && key <= '9') ||
	    (bound == SG_ACTION_NONE && key > 0x20 && key < SG_KEY_BASE && key != 0x7f)) {
		sg_key_name(key, name, sizeof name);
		keys_text(L, keys, sizeof keys);
		status(L, SG_ROLE_ERROR, "%s is not a label key, nothing recorded (%s%s)", name,
		       *keys ? keys : "no keyed labels", *keys ? "; ' labels by name" : "");
		return PANE_REDRAW;
	}
	return PANE_UNHANDLED;
}

/* After an action: a file found changed is opened (keyed) again. */
static enum pane_result resync_after(struct lsheet *L, enum pane_result r)
{
	if (!L->resync)
		return r;
	L->resync = 0;
	if (!L->task)
		start_open(L);
	return PANE_REDRAW;
}

static enum pane_result label_action(struct sheet *sh, enum sg_action a)
{
	return resync_after(ls(sh), do_action(sh, a));
}

static enum pane_result label_action_arg(struct sheet *sh, enum sg_action a, const char *arg)
{
	return resync_after(ls(sh), do_action_arg(sh, a, arg));
}

static enum pane_result label_key(struct sheet *sh, int key, enum sg_action bound)
{
	return resync_after(ls(sh), do_key(sh, key, bound));
}

/* ---- drawing ------------------------------------------------------------------------ */

/* The header: position, counts, k, the annotator, mode and filter. */
static void draw_header(struct lsheet *L, struct surface *s, int y)
{
	char line[512], n1[32], n2[32], n3[32], n4[32];
	uint64_t n = sg_labels_nrows(L->lab);

	fmt_count((long long)L->row + 1, n1, sizeof n1);
	fmt_count((long long)n, n2, sizeof n2);
	fmt_count((long long)L->mine, n3, sizeof n3);
	fmt_count((long long)L->any, n4, sizeof n4);
	snprintf(line, sizeof line, "Row %s of %s \u00b7 labeled by me %s \u00b7 by all %s of %s "
		 "\u00b7 k=%d", L->have ? n1 : "-", n2, n3, n4, n2, L->sc->k);
	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_HEADER);
	surface_textw(s, y, 1, s->w - 2, SG_ROLE_HEADER, TEXT_ELLIPSIS, line);
	snprintf(line, sizeof line, " %s%s%s%s ", L->review ? "REVIEW \u00b7 " : "",
		 *L->filt_text ? "filter: " : "", L->filt_text, *L->filt_text ? " \u00b7 " : "");
	int used = text_width(line, s->be->unicode), uw = text_width(L->job.user, s->be->unicode);
	if (used + uw + 2 < s->w / 2) {
		surface_textw(s, y, s->w - uw - used - 1, used, SG_ROLE_HEADER, 0, line);
		surface_textw(s, y, s->w - uw - 1, uw, SG_ROLE_KEY, 0, L->job.user);
	}
}

/* This item's state: annotations toward k, mine, and in review mode the
 * others' and the machine's labels. */
static void draw_state(struct lsheet *L, struct surface *s, int y)
{
	char line[1024], v[200];
	size_t o = 0;
	const struct lann *mine = my_ann(L);

	o += (size_t)snprintf(line + o, sizeof line - o, "%d/%d annotation%s", L->item.n,
			      L->sc->k, L->sc->k == 1 ? "" : "s");
	if (mine) {
		value_text(L, mine->value, v, sizeof v);
		o += (size_t)snprintf(line + o, sizeof line - o, " \u00b7 yours: %s", v);
	} else {
		o += (size_t)snprintf(line + o, sizeof line - o, " \u00b7 not labeled by you");
	}
	if (L->item.disagreed)
		o += (size_t)snprintf(line + o, sizeof line - o, " \u00b7 disagreed");
	if (L->review || L->item.review_pending) {
		for (size_t i = 0; i < L->nann && o < sizeof line; i++) {
			if (&L->ann[i] == mine)
				continue;
			value_text(L, L->ann[i].value, v, sizeof v);
			if (L->ann[i].source == SG_LABEL_MACHINE)
				o += (size_t)snprintf(line + o, sizeof line - o, " \u00b7 machine: %s "
						      "(%.2f%s)", v, L->ann[i].confidence,
						      L->ann[i].review == SG_REVIEW_PENDING ?
						      ", to review" : "");
			else if (L->review)
				o += (size_t)snprintf(line + o, sizeof line - o, " \u00b7 %s: %s",
						      L->ann[i].user, v);
		}
	}
	if (L->review && *L->item.result && o < sizeof line)
		snprintf(line + o, sizeof line - o, " \u00b7 consensus: %s", L->item.result);
	surface_textw(s, y, 1, s->w - 2, SG_ROLE_DIM, TEXT_ELLIPSIS, line);
	if (*L->comment && o < sizeof line) {
		/* the comment, when there is room, right-aligned */
	}
}

/* Marks for the text: saved or draft spans, the selection. */
static size_t text_marks(struct lsheet *L, struct lbl_mark *m, size_t max)
{
	size_t n = 0, a, b;

	for (size_t i = 0; i < L->nspans && n < max; i++)
		m[n++] = (struct lbl_mark){ L->spans[i].start, L->spans[i].end, SG_ROLE_KEY };
	if (lbl_text_selection(&L->text, &a, &b) && n < max)
		m[n++] = (struct lbl_mark){ a, b, SG_ROLE_SELECTED };
	return n;
}

/* The other fields, compact: "name=value  name=value" over rows rows. */
static void draw_fields(struct lsheet *L, struct surface *s, int y, int rows)
{
	char line[4096], val[256];
	size_t o = 0;
	struct sg_csv *csv = sg_labels_csv(L->lab);

	for (int c = 0; c < L->cur.ncols && o + 1 < sizeof line; c++) {
		if (c == L->text_col)
			continue;
		sheet_escape(L->cur.field[c].p, L->cur.field[c].len, val, sizeof val, 40, 0);
		o += (size_t)snprintf(line + o, sizeof line - o, "%s%s=%s", o ? "  " : "",
				      sg_csv_colname(csv, c), *val ? val : "\u2205");
	}
	if (o)
		surface_wrap(s, y, 1, rows, s->w - 2, SG_ROLE_DIM, line, 0);
}

/* The keys bar: each label's key and name; toggled ones selected.
 * Returns the rows it needs in width w (1 or 2). */
static int draw_keys(struct lsheet *L, struct surface *s, int y, int rows)
{
	int x = 1, r = 0, uni = s->be->unicode;

	for (size_t i = 0; i < L->sc->nlabels; i++) {
		const struct sg_scheme_label *lb = &L->sc->labels[i];
		char k[8];
		int need;
		snprintf(k, sizeof k, "%c", lb->key ? lb->key : '\'');
		need = 2 + text_width(lb->name, uni) + 2;
		if (x + need > s->w - 1 && x > 1) {
			if (++r >= rows) {
				surface_glyph(s, y + r - 1, s->w - 2, GLYPH_ELLIPSIS, SG_ROLE_DIM);
				return r;
			}
			x = 1;
		}
		surface_textw(s, y + r, x, 1, SG_ROLE_KEY, 0, k);
		surface_textw(s, y + r, x + 2, s->w - x - 3,
			      L->toggled[i] ? SG_ROLE_SELECTED : SG_ROLE_NORMAL, TEXT_ELLIPSIS,
			      lb->name);
		x += need;
	}
	return r + 1;
}

/* Rows the keys bar takes in width w. */
static int keys_rows(const struct lsheet *L, int w, int uni)
{
	int x = 1, r = 1;

	for (size_t i = 0; i < L->sc->nlabels; i++) {
		int need = 2 + text_width(L->sc->labels[i].name, uni) + 2;
		if (x + need > w - 1 && x > 1) {
			r++;
			x = 1;
		}
		x += need;
	}
	return r > 2 ? 2 : r;
}

/* The bottom line: the status, else what the keys do here. */
static void draw_status(struct lsheet *L, struct surface *s, int y)
{
	char hint[256];

	surface_fill(s, y, 0, 1, s->w, ' ', SG_ROLE_STATUS);
	if (*L->status) {
		surface_textw(s, y, 1, s->w - 2, L->status_role == SG_ROLE_OK ? SG_ROLE_STATUS
			      : L->status_role, TEXT_ELLIPSIS, L->status);
		return;
	}
	if (L->sc->type == SG_SCHEME_SINGLE)
		snprintf(hint, sizeof hint, "a key labels and moves on \u00b7 u undo \u00b7 s skip "
			 "\u00b7 b back \u00b7 n d l jump \u00b7 c comment \u00b7 ? help");
	else if (L->sc->type == SG_SCHEME_MULTI)
		snprintf(hint, sizeof hint, "keys toggle \u00b7 Enter saves and moves on \u00b7 x "
			 "clears \u00b7 u undo \u00b7 s skip \u00b7 ? help");
	else
		snprintf(hint, sizeof hint, "v selects \u00b7 w e h \u2190 \u2192 j k move \u00b7 a "
			 "key labels the span \u00b7 Enter saves \u00b7 ? help");
	surface_textw(s, y, 1, s->w - 2, SG_ROLE_STATUS, TEXT_ELLIPSIS, hint);
}

/* The opening progress, or why the view cannot show anything. */
static void draw_opening(struct lsheet *L, struct surface *s)
{
	uint64_t done = 0, total = 0;
	char text[96];

	if (*L->error) {
		surface_wrap(s, 1, 1, s->h - 2, s->w - 2, L->no_scheme ? SG_ROLE_MESSAGE : SG_ROLE_ERROR,
			     L->error, 0);
		return;
	}
	task_progress(L->task, &done, &total);
	sheet_count_text(done, total, "rows", text, sizeof text);
	surface_textw(s, 1, 1, s->w - 2, SG_ROLE_TITLE, TEXT_ELLIPSIS, "Opening for labeling: "
		      "indexing and keying the rows (Esc cancels)");
	sheet_progress(s, 3, "Keying", total ? (double)done / (double)total : -1, text);
}

static void label_draw(struct sheet *sh, struct surface *s)
{
	struct lsheet *L = ls(sh);
	struct lbl_mark marks[MAX_SPANS + 1];
	int krows, frows, y, texth;

	if (!L->lab || s->h < 6 || s->w < 20) {
		if (!L->lab)
			draw_opening(L, s);
		else
			surface_textw(s, 0, 0, s->w, SG_ROLE_MESSAGE, TEXT_ELLIPSIS,
				      "Too small for the Label view");
		return;
	}
	draw_header(L, s, 0);
	if (!L->have) {
		surface_wrap(s, 2, 1, s->h - 4, s->w - 2, SG_ROLE_DIM, sg_labels_nrows(L->lab) ?
			     "No item shown: PgDn, g or n to go on, R to key the rows again." :
			     "No rows to label in this dataset.", 0);
		draw_status(L, s, s->h - 1);
		return;
	}
	draw_state(L, s, 1);
	krows = keys_rows(L, s->w, s->be->unicode);
	frows = L->cur.ncols > (L->text_col >= 0 ? 1 : 0) ? (s->h >= 16 ? 2 : 1) : 0;
	texth = s->h - 2 - 1 - frows - krows - 1 - 1;
	y = 2;
	surface_hline(s, y, 0, s->w, SG_ROLE_BORDER);
	y++;
	if (L->text_col < 0) {
		surface_textw(s, y, 1, s->w - 2, SG_ROLE_DIM, TEXT_ELLIPSIS,
			      "(no text column in the scheme: the fields are below; = sets one)");
	} else if (L->text.len == 0) {
		surface_textw(s, y, 1, s->w - 2, SG_ROLE_DIM, TEXT_ELLIPSIS, "(empty text)");
	} else {
		lbl_text_layout(&L->text, s->w - 2, s->be->unicode);
		L->text_h = texth > 0 ? texth : 1;
		if (L->text_top >= L->text.nlines)
			L->text_top = 0;
		lbl_text_draw(&L->text, s, y, 1, L->text_h, L->text_top, marks,
			      text_marks(L, marks, MAX_SPANS + 1), L->sc->type == SG_SCHEME_SPAN);
		if (L->text.nlines > (size_t)L->text_h) {
			char more[48];
			snprintf(more, sizeof more, " %zu-%zu/%zu ", L->text_top + 1,
				 L->text_top + (size_t)L->text_h, L->text.nlines);
			surface_textw(s, y - 1, s->w - 2 - text_width(more, s->be->unicode),
				      20, SG_ROLE_DIM, 0, more);
		}
	}
	y = s->h - 1 - krows - 1 - frows;
	if (frows)
		draw_fields(L, s, y, frows);
	y += frows;
	surface_hline(s, y, 0, s->w, SG_ROLE_BORDER);
	if (*L->comment) {
		char c[600];
		snprintf(c, sizeof c, " comment: %s ", L->comment);
		surface_textw(s, y, 2, s->w - 4, SG_ROLE_DIM, TEXT_ELLIPSIS, c);
	}
	draw_keys(L, s, y + 1, krows);
	draw_status(L, s, s->h - 1);
}

/* ---- the sheet ------------------------------------------------------------------------ */

static int label_poll_fds(struct sheet *sh, int *fds, int max, int *timeout_ms)
{
	struct lsheet *L = ls(sh);

	if (!L->task) {
		/* a checkpoint waits for the user to pause */
		if (L->lab && L->commits && (*timeout_ms < 0 || *timeout_ms > CHECKPOINT_IDLE_MS))
			*timeout_ms = CHECKPOINT_IDLE_MS;
		return 0;
	}
	if (max < 1)
		return 0;
	fds[0] = task_fd(L->task);
	if (*timeout_ms < 0 || *timeout_ms > OPEN_TICK_MS)
		*timeout_ms = OPEN_TICK_MS;
	return 1;
}

static enum pane_result label_on_fd(struct sheet *sh, int fd)
{
	struct lsheet *L = ls(sh);
	struct sg_error e = { 0 };

	if (!L->task) {
		if (fd == -1 && L->lab && L->commits &&
		    sg_now() - L->last_key >= CHECKPOINT_IDLE_MS / 1000.0 * 0.9) {
			sg_labels_idle(L->lab, &e);
			L->commits = 0;
		}
		return PANE_UNHANDLED;
	}
	if (fd == -1 && !task_ended(L->task))
		return PANE_REDRAW;       /* the progress line moves */
	if (fd != -1 && fd != task_fd(L->task))
		return PANE_UNHANDLED;
	if (task_ended(L->task))
		open_done(L);
	return PANE_REDRAW;
}

/* sheet_ops.unsaved: the draft of the item shown (toggles, spans). */
static const char *label_unsaved(struct sheet *sh)
{
	struct lsheet *L = ls(sh);

	if (!L->lab || !L->have || !L->dirty_draft)
		return NULL;
	snprintf(L->unsaved_text, sizeof L->unsaved_text, "the unsaved %s of row %llu",
		 L->sc->type == SG_SCHEME_SPAN ? "spans" : "labels", (unsigned long long)L->row + 1);
	return L->unsaved_text;
}

static void label_summary(struct sheet *sh, char *buf, size_t n)
{
	struct lsheet *L = ls(sh);

	if (L->lab && L->have)
		snprintf(buf, n, "%s  label row %llu/%llu", L->ds.name, (unsigned long long)L->row + 1,
			 (unsigned long long)sg_labels_nrows(L->lab));
	else
		snprintf(buf, n, "%s  label", L->ds.name);
}

static void label_free(struct sheet *sh)
{
	struct lsheet *L = ls(sh);
	struct sg_error e = { 0 };

	if (L->task) {
		task_cancel(L->task);
		task_finish(L->task, NULL);
		sg_labels_free(L->job.lab);
	}
	if (L->lab) {
		sg_labels_release(L->lab, &e);  /* leases go back to the queue */
		sg_labels_idle(L->lab, &e);
		sg_labels_free(L->lab);
	}
	free(L->job.path);
	free_ann(L);
	free(L->ann);
	free(L->toggled);
	free(L->hist);
	free(L->frows);
	lbl_text_done(&L->text);
	sg_csv_cursor_done(&L->cur);
	sg_store_close(L->store);
	dsfile_unref(L->f);
	free(L);
}

static const struct sheet_ops label_ops = {
	.kind = "label",
	.draw = label_draw,
	.action = label_action,
	.action_arg = label_action_arg,
	.poll_fds = label_poll_fds,
	.on_fd = label_on_fd,
	.summary = label_summary,
	.free = label_free,
	.context = "label",
	.key = label_key,
	.unsaved = label_unsaved,
};

/* The scheme editor saved a change: open again with it. */
static void scheme_saved(void *ud)
{
	struct lsheet *L = ud;

	if (!L->task)
		start_open(L);
}

/* sg_dataset_list callback: finds the dataset with the wanted id. */
static int find_ds(const struct sg_dataset_info *d, void *ud)
{
	struct sg_dataset_info *want = ud;

	if (d->id != want->id)
		return 0;
	*want = *d;
	return 1;
}

int sheet_label_open(struct pane *p, struct dsfile *f, uint64_t row, struct sg_error *err)
{
	struct sg_workspace *ws = p->env->ws;
	struct sg_dataset_info ds = { .id = f->dataset_id };
	struct lsheet *L;
	struct sg_store *st;

	if (!f->dataset_id)
		return sg_error_set(err, SG_E_USAGE, "%s is not a registered dataset: register it "
				    "first (sagetty data add %s), so labels have a home", f->name,
				    f->path);
	if (sg_dataset_list(ws->store, find_ds, &ds, err) < 0)
		return -1;
	if (!*ds.name)
		return sg_error_set(err, SG_E_NOTFOUND, "dataset #%lld is no longer registered",
				    f->dataset_id);
	if (ws->readonly)
		return sg_error_set(err, SG_E_READONLY, "The workspace store is read-only here: "
				    "labels cannot be saved");
	st = sg_store_open(sg_store_path(ws->store), 0, err);
	if (!st)
		return -1;
	L = sg_xcalloc(1, sizeof *L);
	L->base.ops = &label_ops;
	L->base.pane = p;
	L->f = dsfile_ref(f);
	L->base.file = f;
	L->ds = ds;
	L->store = st;
	L->start = row;
	L->text_col = -1;
	sg_csv_cursor_init(&L->cur);
	data_push(p, &L->base);
	start_open(L);
	return 0;
}

int label_open_dataset(struct pane *data, const char *name, struct sg_error *err)
{
	struct sg_workspace *ws = data->env->ws;
	struct sg_dataset_info ds;
	char *path;
	int rc;

	if (sg_dataset_get(ws->store, name, &ds, err) < 0)
		return -1;
	path = ds.path[0] == '/' ? sg_xstrdup(ds.path) : sg_path_join(ws->root, ds.path);
	rc = sheet_table_open(data, path, ds.path, ds.id, err);
	free(path);
	if (rc < 0)
		return -1;
	return sheet_label_open(data, data_top(data)->file, UINT64_MAX, err);
}
