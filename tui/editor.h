/* editor.h — the cell editor widget, and read-only cell drawing.
 *
 * An editor owns a text buffer (core/textbuf.h) and draws it into any
 * rectangle of a surface: optional line numbers, syntax colors for Python,
 * the selection, scrolling both ways so the cursor stays visible.  Keys
 * are sg_key codes as the app delivers them (core/keymap.h): Alt+x arrives
 * as SG_KEY_ALT|x (the curses layer joins <Esc> x sent together).
 *
 * Two key styles (config `set editor-keys emacs|vi`):
 *  - emacs: always inserting; C-a C-e C-f C-b C-n C-p C-d C-k C-y C-w,
 *    M-w M-f M-b M-d M-<Backspace>, C-_ (undo), M-_ (redo), C-@ / C-Space
 *    (mark).  <Esc> is not consumed (the pane leaves the editor).
 *  - vi: starts in normal mode: h j k l w b e 0 ^ $ gg G f F t T ; , x X
 *    dd yy cc D C s S r p P u C-r . i a I A o O J v V (visual: y d c > <),
 *    operators d c y with motions and text objects (iw aw i" a" i( a( i[
 *    i{ i<), counts (3j, 2dd);
 *    <Esc> in insert mode returns to normal mode and is consumed; <Esc>
 *    in normal mode is not consumed (the pane leaves the editor).
 * Search: emacs M-s / M-r (incremental; again, or C-s / C-r while the
 * search line is open: next match; C-s and C-r are otherwise left to the
 * pane), vi / ? then n N; the pattern is plain text, case-insensitive unless it has a capital
 * letter; the search line takes the bottom row of the editor while open.
 * In both: arrows, Home/End, PgUp/PgDn, Tab / S-Tab (indent, dedent),
 * Backspace, Delete, Enter (auto-indent); Shift+arrows/Home/End select.
 * Text between SG_KEY_PASTE_BEGIN and SG_KEY_PASTE_END (a bracketed paste
 * from the terminal) is inserted as it is, with no auto-indent, as one
 * undo step.  Keys the editor does not use (F-keys, C-s, C-o...) are not
 * consumed, so the pane can bind them.
 *
 * sg_editor_help lists every key for the `?` help. */
#ifndef SG_TUI_EDITOR_H
#define SG_TUI_EDITOR_H

#include <stddef.h>
#include "core/keymap.h"
#include "core/textbuf.h"
#include "tui/surface.h"

enum sg_editor_keys { SG_EDITOR_EMACS, SG_EDITOR_VI };

enum sg_editor_mode {
	SG_EDITOR_INSERT,       /* typing inserts (emacs style is always here) */
	SG_EDITOR_NORMAL,       /* vi normal mode */
	SG_EDITOR_VISUAL,       /* vi v: characters */
	SG_EDITOR_VISUAL_LINE,  /* vi V: whole lines */
};

enum sg_editor_lang { SG_LANG_PLAIN, SG_LANG_PYTHON, SG_LANG_MARKDOWN };

struct sg_editor {
	struct sg_textbuf *tb;      /* owned */
	enum sg_editor_keys keys;
	enum sg_editor_mode mode;
	enum sg_editor_lang lang;   /* PYTHON colors the source */
	int line_numbers;           /* a gutter with line numbers */
	int focused;                /* draw places the terminal cursor */
	size_t top;                 /* first line shown */
	int left;                   /* first display column shown */
	int cur_y, cur_x;           /* cursor cell in the last drawn surface
				     * (-1 when not drawn) */
	int h, w;                   /* size of the last drawn surface */
	/* key state, private */
	int pending;                /* <Esc> seen (meta), or a vi operator/g */
	int count;                  /* vi count being typed */
	int op_count;               /* count typed before an operator */
	int group_open;             /* vi: an undo group spans the insert */
	int shift_sel;              /* the selection was made with Shift+motion */
	int pasting;                /* between the terminal's paste marks */
	int paste_mode;             /* the mode a paste started in */
	/* vi: f/t and text objects waiting for their character */
	int find_op;                /* the operator they serve, or 0 */
	int find_kind;              /* 'f' 'F' 't' 'T', or 'i'/'a' (objects) */
	int last_find_kind;         /* for ; and , */
	unsigned last_find_ch;
	/* vi: the keys of the last change, for . */
	int rec[128], nrec;
	int last_change[128], nlast;
	int recording, replaying;
	unsigned long rec_version;
	/* search (emacs C-s C-r, vi / ? n N): typed in a line at the bottom */
	int searching;              /* the search line is open */
	int search_back;            /* searching backward */
	int search_failed;          /* the text typed so far has no match */
	char search[128];           /* what is typed (UTF-8) */
	size_t search_len;
	struct sg_tb_pos search_from;  /* where the search started */
	char last_search[128];      /* for n N and C-s C-s */
	size_t last_search_len;
	int last_search_back;
};

/* An editor on a copy of text[0..len), cursor at the start; vi style
 * starts in normal mode. */
struct sg_editor *sg_editor_new(const char *text, size_t len, enum sg_editor_lang lang,
				enum sg_editor_keys keys);
void sg_editor_free(struct sg_editor *ed);
/* Switches the key style (vi goes to normal mode, emacs to insert). */
void sg_editor_set_keys(struct sg_editor *ed, enum sg_editor_keys keys);
/* The key style named by a config value ("vi", "emacs"); -1 when unknown. */
int sg_editor_keys_parse(const char *name);

/* Handles one key; returns 1 when it consumed it (draw again), 0 when the
 * pane should handle it.  Text changes show in sg_textbuf_version. */
int sg_editor_key(struct sg_editor *ed, int key);

/* Draws into s (all of it: blanks past the text), scrolling first so the
 * cursor is visible; sets cur_y/cur_x and, when focused, the terminal
 * cursor. */
void sg_editor_draw(struct sg_editor *ed, struct surface *s);
/* Scrolls so the cursor fits an h×w view (draw does it too; for panes that
 * need top before drawing). */
void sg_editor_scroll(struct sg_editor *ed, int h, int w);
/* "-- INSERT --", "-- NORMAL --", "-- VISUAL --", "-- VISUAL LINE --", or
 * "" in emacs style: for the pane's status or title. */
const char *sg_editor_mode_name(const struct sg_editor *ed);
/* "Ln 3, Col 7" (display column, 1-based) into buf. */
void sg_editor_position(const struct sg_editor *ed, char *buf, size_t n);
/* Both for a status line: "-- INSERT --  Ln 3, Col 7" (vi), "Ln 3, Col 7". */
void sg_editor_status(const struct sg_editor *ed, char *buf, size_t n);
/* The text as a malloc'd string (sg_textbuf_text). */
char *sg_editor_text(const struct sg_editor *ed, size_t *len);

/* ---- read-only drawing (cells not being edited) -------------------------- */

/* Draws text[0..len) as source lines into s from line skip, colored as
 * lang (PYTHON: syntax colors; others plain), cut at the right edge;
 * line_numbers adds the gutter.  Returns the lines drawn. */
int sg_code_draw(struct surface *s, const char *text, size_t len, enum sg_editor_lang lang,
		 size_t skip, int line_numbers);
/* Number of source lines in text (1 for ""). */
size_t sg_code_lines(const char *text, size_t len);
/* Draws markdown text laid out for s->w (core/mdtext.h) from display line
 * skip; returns the lines drawn. */
int sg_md_draw(struct surface *s, const char *text, size_t len, size_t skip);
/* How many display lines markdown text takes at width w. */
size_t sg_md_rows(const char *text, size_t len, int w, int unicode);

/* ---- help ---------------------------------------------------------------- */

struct sg_editor_help_line {
	const char *keys;       /* "C-a, Home" */
	const char *what;       /* "Start of line" */
};
/* The editor's keys for style keys: n lines (a line with keys NULL is a
 * section title in what). */
const struct sg_editor_help_line *sg_editor_help(enum sg_editor_keys keys, size_t *n);

#endif
