/* label.h — the Label view's text model (internal to sheet_label*.c).
 *
 * The item's text column is shown large: laid out into display lines of
 * a given width, breaking at newlines and at blanks when a word fits,
 * measured in display columns (wide CJK characters take two, combining
 * marks none) so any UTF-8 text wraps exactly as the surface draws it.
 * Every line is a byte range of the original field, never a copy, so a
 * span selected on screen is a byte range of the field as stored: spans
 * survive the display's escaping of control bytes.
 *
 * The span selection is vi-like: a cursor on a character, `v` drops an
 * anchor, character (h/l) and word (w/b/e) motions move the cursor, and
 * the selection is anchor..cursor inclusive.  Offsets are bytes at
 * character boundaries; lbl_text_chars() converts to the code point
 * offsets the store records (what a user of any other tool counts). */
#ifndef SG_TUI_LABEL_H
#define SG_TUI_LABEL_H

#include <stddef.h>
#include "tui/pane.h"
#include "tui/surface.h"

struct lbl_line {
	size_t start, end;        /* bytes of the text; end excludes the break */
};

struct lbl_text {
	const char *text;         /* borrowed: the field's bytes */
	size_t len;
	struct lbl_line *line;
	size_t nlines, cap;
	int width;                /* the width the lines were laid out for */
	int unicode;
	/* the span selection */
	size_t cursor;            /* byte offset of the cursor's character */
	int selecting;            /* an anchor is down */
	size_t anchor;
};

/* Points t at text (len bytes, borrowed; may hold NUL and invalid UTF-8),
 * clears the selection, puts the cursor at 0 and forgets the layout. */
void lbl_text_set(struct lbl_text *t, const char *text, size_t len);
void lbl_text_done(struct lbl_text *t);
/* Lays the text out in width w (>= 1) in the backend's mode; cheap when
 * nothing changed. */
void lbl_text_layout(struct lbl_text *t, int w, int unicode);
/* Display columns of the character at byte off (0 for a combining mark,
 * 1 for anything the surface draws as a replacement). */
int lbl_char_width(const char *s, size_t n, int unicode);

/* Motions; each keeps the cursor on a character boundary inside the text. */
void lbl_text_char_next(struct lbl_text *t);
void lbl_text_char_prev(struct lbl_text *t);
void lbl_text_word_next(struct lbl_text *t);    /* w: start of the next word */
void lbl_text_word_prev(struct lbl_text *t);    /* b: start of this or the previous word */
void lbl_text_word_end(struct lbl_text *t);     /* e: end of this or the next word */
void lbl_text_line_down(struct lbl_text *t);    /* same column, next display line */
void lbl_text_line_up(struct lbl_text *t);
/* Drops or lifts the anchor at the cursor. */
void lbl_text_toggle_select(struct lbl_text *t);
/* The selected bytes [*start, *end): anchor..cursor, the cursor's
 * character included; 0 when nothing is selected (no anchor, or an empty
 * text). */
int lbl_text_selection(const struct lbl_text *t, size_t *start, size_t *end);
/* Code points in the first off bytes (invalid bytes count one each). */
size_t lbl_text_chars(const char *text, size_t len, size_t off);
/* The byte offset of code point number ch, or (size_t)-1 past the end. */
size_t lbl_text_bytes(const char *text, size_t len, size_t ch);
/* The display line holding byte off. */
size_t lbl_text_line_of(const struct lbl_text *t, size_t off);

/* A range drawn in a role: labeled spans, the selection. */
struct lbl_mark {
	size_t start, end;
	enum sg_role role;
};

/* Draws display lines from first into s at (y, x), h rows of t->width
 * columns; bytes inside a mark take its role (the later mark wins), the
 * cursor's character the CURSOR role when show_cursor.  Tabs draw as a
 * blank, other control bytes and invalid UTF-8 as the surface's
 * replacement.  Returns the rows drawn. */
int lbl_text_draw(const struct lbl_text *t, struct surface *s, int y, int x, int h,
		  size_t first, const struct lbl_mark *marks, size_t nmarks, int show_cursor);

#endif

/* ---- the filter line ---------------------------------------------------- */

/* States a filter may ask for, in the order of labels.h's filter states. */
enum { LBL_STATE_ANY, LBL_STATE_UNLABELED, LBL_STATE_LABELED, LBL_STATE_COMPLETE,
       LBL_STATE_DISAGREED, LBL_STATE_REVIEW };

struct lbl_filter {
	char label[128];          /* "": any label */
	char user[64];            /* "": any annotator */
	int state;                /* LBL_STATE_* */
};

/* Parses a :label-filter line, "label=NAME annotator=USER state=S" (user=
 * is annotator=; any order and subset; "", "none" and "-" mean no filter)
 * into *out.  0, or -1 with a message in err (n bytes) naming the word;
 * *out is untouched on error.  Names are not checked against a scheme. */
int lbl_filter_parse(const char *text, struct lbl_filter *out, char *err, size_t n);

/* ---- the Label view's sheets (sheet_label*.c) ------------------------- */

#ifdef SG_LABELS_H
#include "tui/sheet.h"
#include "tui/task.h"

/* The scheme editor over dataset ds whose file is f, on the store s
 * (borrowed); the scheme sc is copied, or a new one started when sc is
 * NULL.  Every change is checked and stored at once; saved(ud) runs after
 * each, so the view can open again with it. */
struct sheet *sheet_scheme_new(struct pane *p, struct sg_store *s,
			       const struct sg_dataset_info *ds, struct dsfile *f,
			       const struct sg_scheme *sc, void (*saved)(void *ud), void *ud);
/* The agreement statistics of dataset ds, computed in a task on a
 * connection of its own to the store at path. */
struct sheet *sheet_label_stats_new(struct pane *p, const char *path,
				    const struct sg_dataset_info *ds, const struct sg_scheme *sc);
#endif

/* Opens the Label view of the registered dataset name (sagetty label
 * DATASET) in the Data pane: its table, then the view on top, at the
 * first item of the work queue.  -1 with err when it is not registered or
 * its file cannot be opened. */
int label_open_dataset(struct pane *data, const char *name, struct sg_error *err);
