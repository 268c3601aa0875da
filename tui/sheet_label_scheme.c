/* sheet_label_scheme.c — the Label view's scheme editor: the labels with
 * their keys, and the scheme's settings (type, text and id columns, k,
 * comments).
 *
 * Every change is stored at once through sg_labels_set_scheme, which
 * checks it (columns against the file, keys against the reserved ones);
 * a refused change leaves the stored scheme as it was and says why.  A
 * dataset without a scheme starts with an empty one that is stored when
 * its first label is added. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/labels.h"
#include "core/util.h"
#include "tui/label.h"

struct esheet {
	struct sheet base;
	struct dsfile *f;
	struct sg_store *store;
	struct sg_dataset_info ds;
	struct sg_scheme sc;      /* as stored (or new, nothing stored yet) */
	int stored;               /* sc is in the store */
	void (*saved)(void *ud);
	void *ud;
	struct table t;
	char status[512];
	enum sg_role status_role;
};

static const struct table_col scheme_cols[] = {
	{ "KEY", 4, 0 },
	{ "LABEL", 20, COL_FLEX },
	{ "DESCRIPTION", 24, COL_FLEX },
};

static struct esheet *es(struct sheet *sh)
{
	return (struct esheet *)sh;
}

/* table_cell_fn: one label. */
static const char *scheme_cell(void *ud, size_t row, int col, char *buf, size_t n,
			       enum sg_role *role)
{
	const struct sg_scheme_label *lb = &((struct esheet *)ud)->sc.labels[row];

	switch (col) {
	case 0:
		*role = SG_ROLE_KEY;
		snprintf(buf, n, "%c", lb->key ? lb->key : '-');
		return buf;
	case 1: return lb->name;
	default: return lb->description;
	}
}

/* The first key no label has and the view does not reserve, or 0. */
static int free_key(const struct sg_scheme *sc)
{
	static const char order[] = "123456789abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

	for (const char *k = order; *k; k++)
		if (!sg_scheme_key_reserved(*k) && sg_scheme_label_by_key(sc, *k) < 0)
			return *k;
	return 0;
}

/* Stores next in place of the scheme; on failure keeps the old one and
 * says why.  Frees next's contents either way (moved in on success). */
static void store(struct esheet *e, struct sg_scheme *next, const char *done)
{
	struct sg_error err = { 0 };

	if (sg_labels_set_scheme(e->store, e->ds.id, next, sg_username(), &err) < 0) {
		snprintf(e->status, sizeof e->status, "Not saved: %s", err.msg);
		e->status_role = SG_ROLE_ERROR;
		sg_scheme_done(next);
		return;
	}
	sg_scheme_done(&e->sc);
	e->sc = *next;
	e->stored = 1;
	table_set_rows(&e->t, e->sc.nlabels);
	snprintf(e->status, sizeof e->status, "%s \u2014 saved", done);
	e->status_role = SG_ROLE_OK;
	if (e->saved)
		e->saved(e->ud);
}

/* A copy of the scheme to change. */
static void copy(const struct esheet *e, struct sg_scheme *out)
{
	sg_scheme_copy(out, &e->sc);
}

/* Says msg in the status line, role ERROR. */
static void refuse(struct esheet *e, const char *msg)
{
	snprintf(e->status, sizeof e->status, "%s", msg);
	e->status_role = SG_ROLE_ERROR;
}

/* "NAME [KEY]": a new label at the end. */
static void add_label(struct esheet *e, const char *arg)
{
	char name[SG_SCHEME_NAME_MAX], keyw[8] = "";
	struct sg_scheme next;
	struct sg_error err = { 0 };
	int n = 0, key;

	if (sscanf(arg, "%127s %7s %n", name, keyw, &n) < 1) {
		refuse(e, "Usage: scheme-add NAME [KEY]");
		return;
	}
	if (sg_scheme_label_by_name(&e->sc, name) >= 0) {
		refuse(e, "A label has that name already");
		return;
	}
	key = *keyw ? (unsigned char)keyw[0] : free_key(&e->sc);
	if (*keyw && (keyw[1] || sg_scheme_key_reserved(key))) {
		snprintf(e->status, sizeof e->status, "'%s' cannot be a label key: one character, "
			 "not one of the view's own (%s)", keyw, SG_SCHEME_RESERVED_KEYS);
		e->status_role = SG_ROLE_ERROR;
		return;
	}
	copy(e, &next);
	next.labels = sg_xrealloc(next.labels, (next.nlabels + 1) * sizeof *next.labels);
	memset(&next.labels[next.nlabels], 0, sizeof next.labels[0]);
	snprintf(next.labels[next.nlabels].name, SG_SCHEME_NAME_MAX, "%s", name);
	next.nlabels++;
	if (key && sg_scheme_remap(&next, next.nlabels - 1, key, &err) < 0) {
		refuse(e, err.msg);
		sg_scheme_done(&next);
		return;
	}
	store(e, &next, "Label added");
	e->t.sel = e->sc.nlabels ? e->sc.nlabels - 1 : 0;
}

static void rename_label(struct esheet *e, const char *arg)
{
	struct sg_scheme next;

	if (!e->sc.nlabels)
		return;
	if (!*arg || strlen(arg) >= SG_SCHEME_NAME_MAX) {
		refuse(e, "Usage: scheme-rename NEW-NAME");
		return;
	}
	if (sg_scheme_label_by_name(&e->sc, arg) >= 0) {
		refuse(e, "A label has that name already");
		return;
	}
	copy(e, &next);
	snprintf(next.labels[e->t.sel].name, SG_SCHEME_NAME_MAX, "%s", arg);
	store(e, &next, "Renamed (annotations keep the old name: they are history)");
}

static void remap_key(struct esheet *e, const char *arg)
{
	struct sg_scheme next;
	struct sg_error err = { 0 };

	if (!e->sc.nlabels)
		return;
	if (strlen(arg) != 1) {
		refuse(e, "Usage: scheme-key K (one character)");
		return;
	}
	copy(e, &next);
	if (sg_scheme_remap(&next, e->t.sel, (unsigned char)arg[0], &err) < 0) {
		refuse(e, err.msg);
		sg_scheme_done(&next);
		return;
	}
	store(e, &next, "Key changed");
}

/* Asked first: removes the selected label. */
static void remove_yes(struct pane *p)
{
	struct sheet *sh = data_top(p);
	struct esheet *e;
	struct sg_scheme next;

	/* the editor is the top sheet while its question is asked */
	if (!sh || strcmp(sh->ops->kind, "scheme") != 0)
		return;
	e = es(sh);
	if (e->sc.nlabels < 2) {
		refuse(e, "A scheme keeps at least one label");
		return;
	}
	copy(e, &next);
	memmove(&next.labels[e->t.sel], &next.labels[e->t.sel + 1],
		(next.nlabels - e->t.sel - 1) * sizeof next.labels[0]);
	next.nlabels--;
	store(e, &next, "Label removed (its annotations stay in the store)");
}

/* "type=multi text=COL id=COL k=3 comment=on" */
static void set_fields(struct esheet *e, const char *arg)
{
	char buf[600], *sp = NULL;
	struct sg_scheme next;

	copy(e, &next);
	snprintf(buf, sizeof buf, "%s", arg);
	for (char *w = strtok_r(buf, " \t", &sp); w; w = strtok_r(NULL, " \t", &sp)) {
		char *v = strchr(w, '=');
		if (!v)
			goto bad;
		*v++ = '\0';
		if (strcmp(w, "type") == 0) {
			if (strcmp(v, "single") == 0)
				next.type = SG_SCHEME_SINGLE;
			else if (strcmp(v, "multi") == 0)
				next.type = SG_SCHEME_MULTI;
			else if (strcmp(v, "span") == 0)
				next.type = SG_SCHEME_SPAN;
			else
				goto bad;
		} else if (strcmp(w, "text") == 0) {
			snprintf(next.text_column, sizeof next.text_column, "%s", v);
		} else if (strcmp(w, "id") == 0) {
			snprintf(next.id_column, sizeof next.id_column, "%s", v);
		} else if (strcmp(w, "k") == 0) {
			char *end;
			long k = strtol(v, &end, 10);
			if (*end || k < 1 || k > 100)
				goto bad;
			next.k = (int)k;
		} else if (strcmp(w, "comment") == 0) {
			next.comment = strcmp(v, "on") == 0 || strcmp(v, "1") == 0;
		} else {
			goto bad;
		}
	}
	if (!next.nlabels) {
		sg_scheme_done(&e->sc);
		e->sc = next;
		snprintf(e->status, sizeof e->status, "Kept: stored once a label is added (a)");
		e->status_role = SG_ROLE_MESSAGE;
		return;
	}
	store(e, &next, "Settings changed");
	return;
bad:
	sg_scheme_done(&next);
	refuse(e, "Usage: scheme-set type=single|multi|span text=COLUMN id=COLUMN k=1..100 "
	       "comment=on|off");
}

/* The settings lines at the top. */
static int draw_settings(struct esheet *e, struct surface *s)
{
	char line[1024];

	snprintf(line, sizeof line, "Type %s \u00b7 text column %s \u00b7 id column %s \u00b7 "
		 "k=%d \u00b7 comments %s", sg_scheme_type_name(e->sc.type),
		 *e->sc.text_column ? e->sc.text_column : "(none)",
		 *e->sc.id_column ? e->sc.id_column : "(a hash of the row)", e->sc.k,
		 e->sc.comment ? "on" : "off");
	surface_textw(s, 0, 1, s->w - 2, SG_ROLE_TITLE, TEXT_ELLIPSIS, line);
	snprintf(line, sizeof line, "%s labels \u00b7 reserved keys: %s", e->ds.name,
		 SG_SCHEME_RESERVED_KEYS);
	surface_textw(s, 1, 1, s->w - 2, SG_ROLE_DIM, TEXT_ELLIPSIS, line);
	return 2;
}

static void scheme_draw(struct sheet *sh, struct surface *s)
{
	struct esheet *e = es(sh);
	int top = draw_settings(e, s);
	struct surface body = surface_sub(s, top, 0, s->h - top - 1, s->w);

	table_resize(&e->t, body.h);
	table_draw(&e->t, &body, scheme_cell, e, "No labels yet \u2014 a adds one");
	surface_fill(s, s->h - 1, 0, 1, s->w, ' ', SG_ROLE_STATUS);
	surface_textw(s, s->h - 1, 1, s->w - 2, *e->status && e->status_role != SG_ROLE_OK ?
		      e->status_role : SG_ROLE_STATUS, TEXT_ELLIPSIS, *e->status ? e->status :
		      "a add \u00b7 r rename \u00b7 K key \u00b7 x remove \u00b7 S type, columns, k "
		      "\u00b7 Esc back");
}

/* Opens the : line with text. */
static void ask(struct sheet *sh, const char *text)
{
	struct pane *p = sh->pane;

	p->env->prompt(p->env->ud, text, strlen(text));
}

static enum pane_result scheme_action(struct sheet *sh, enum sg_action a)
{
	struct esheet *e = es(sh);
	char line[700], q[300];

	e->status[0] = '\0';
	switch (a) {
	case SG_ACTION_SCHEME_ADD: ask(sh, "scheme-add "); return PANE_REDRAW;
	case SG_ACTION_SCHEME_RENAME:
		if (e->sc.nlabels) {
			snprintf(line, sizeof line, "scheme-rename %s", e->sc.labels[e->t.sel].name);
			ask(sh, line);
		}
		return PANE_REDRAW;
	case SG_ACTION_SCHEME_KEY:
		if (e->sc.nlabels)
			ask(sh, "scheme-key ");
		return PANE_REDRAW;
	case SG_ACTION_SCHEME_REMOVE:
		if (e->sc.nlabels) {
			snprintf(q, sizeof q, "Remove the label %s? (its annotations stay) (y/n)",
				 e->sc.labels[e->t.sel].name);
			pane_confirm(sh->pane, q, remove_yes);
		}
		return PANE_REDRAW;
	case SG_ACTION_SCHEME_SET:
		snprintf(line, sizeof line, "scheme-set type=%s text=%s id=%s k=%d comment=%s",
			 sg_scheme_type_name(e->sc.type), e->sc.text_column, e->sc.id_column,
			 e->sc.k, e->sc.comment ? "on" : "off");
		ask(sh, line);
		return PANE_REDRAW;
	case SG_ACTION_OPEN: return PANE_HANDLED;
	default:
		return table_action(&e->t, a) == PANE_UNHANDLED ? PANE_UNHANDLED : PANE_REDRAW;
	}
}

static enum pane_result scheme_action_arg(struct sheet *sh, enum sg_action a, const char *arg)
{
	struct esheet *e = es(sh);

	switch (a) {
	case SG_ACTION_SCHEME_ADD: add_label(e, arg); break;
	case SG_ACTION_SCHEME_RENAME: rename_label(e, arg); break;
	case SG_ACTION_SCHEME_KEY: remap_key(e, arg); break;
	case SG_ACTION_SCHEME_SET: set_fields(e, arg); break;
	default: return PANE_UNHANDLED;
	}
	return PANE_REDRAW;
}

static void scheme_summary(struct sheet *sh, char *buf, size_t n)
{
	struct esheet *e = es(sh);

	snprintf(buf, n, "%s  label scheme%s", e->ds.name, e->stored ? "" : " (new, not stored)");
}

static void scheme_free(struct sheet *sh)
{
	struct esheet *e = es(sh);

	sg_scheme_done(&e->sc);
	dsfile_unref(e->f);
	free(e);
}

static const struct sheet_ops scheme_ops = {
	.kind = "scheme",
	.draw = scheme_draw,
	.action = scheme_action,
	.action_arg = scheme_action_arg,
	.summary = scheme_summary,
	.free = scheme_free,
	.context = "scheme",
};

/* A new scheme's text column: a column named like text, else none. */
static void guess_text(struct sg_scheme *sc, const struct sg_csv *csv)
{
	static const char *const names[] = { "text", "review", "sentence", "comment", "body",
					     "content", "message", "title" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		for (int c = 0; c < sg_csv_ncols(csv); c++)
			if (strcasecmp(sg_csv_colname(csv, c), names[i]) == 0) {
				snprintf(sc->text_column, sizeof sc->text_column, "%s",
					 sg_csv_colname(csv, c));
				return;
			}
}

struct sheet *sheet_scheme_new(struct pane *p, struct sg_store *s,
			       const struct sg_dataset_info *ds, struct dsfile *f,
			       const struct sg_scheme *sc, void (*saved)(void *ud), void *ud)
{
	struct esheet *e = sg_xcalloc(1, sizeof *e);
	struct sg_error err = { 0 };

	e->base.ops = &scheme_ops;
	e->base.pane = p;
	e->f = dsfile_ref(f);
	e->base.file = f;
	e->store = s;
	e->ds = *ds;
	e->saved = saved;
	e->ud = ud;
	e->t.cols = scheme_cols;
	e->t.ncols = (int)(sizeof scheme_cols / sizeof scheme_cols[0]);
	if (sc) {
		sg_scheme_copy(&e->sc, sc);
		e->stored = 1;
	} else if (sg_labels_get_scheme(s, ds->id, &e->sc, &err) == 0) {
		e->stored = 1;
	} else {
		sg_scheme_init(&e->sc);
		guess_text(&e->sc, f->csv);
	}
	table_set_rows(&e->t, e->sc.nlabels);
	return &e->base;
}
