/* textbuf.h — the text of one notebook cell being edited.
 *
 * A buffer is an array of lines (UTF-8 bytes without the '\n'), a cursor,
 * an optional mark (the other end of a selection) and an undo history.
 * Cells are small, so a line array is simple and fast enough: an edit
 * touches one or two lines and moves line pointers, never the whole text.
 *
 * Positions are (line, byte offset in the line).  Every operation keeps the
 * cursor on a character boundary; bytes that are not valid UTF-8 are kept
 * as they are (never lost) and count as one character of width 1.  Display
 * columns follow wcwidth() with tabs expanded to the buffer's tab width.
 *
 * Undo: each edit is recorded as "at pos, text removed / text inserted".
 * Records form groups that one undo reverts together: consecutive typed
 * characters (and their newlines), consecutive backspaces, consecutive
 * deletes each make one group; any motion, or an edit of another kind,
 * starts a new one.  sg_textbuf_group_begin/end wrap compound edits (vi's
 * `o`, `dd`) into one group.
 *
 * The register is one process-wide clipboard shared by every buffer, so
 * text copied in one cell pastes into another.  It remembers whether it
 * holds whole lines (vi `yy`/`dd`): those paste as lines, above or below.
 *
 * core: no curses.  Allocation failure aborts (sg_xmalloc). */
#ifndef SG_TEXTBUF_H
#define SG_TEXTBUF_H

#include <stddef.h>

struct sg_tb_pos {
	size_t line;   /* 0-based */
	size_t col;    /* byte offset in the line */
};

struct sg_textbuf;

/* An empty buffer (one empty line), tab width 4. */
struct sg_textbuf *sg_textbuf_new(void);
/* A buffer holding text[0..len) (NULs and invalid bytes are kept). */
struct sg_textbuf *sg_textbuf_new_text(const char *text, size_t len);
/* Frees tb; NULL is fine. */
void sg_textbuf_free(struct sg_textbuf *tb);

/* Replaces the whole text, puts the cursor at the start, clears the mark
 * and the undo history.  Counts as a change (version moves). */
void sg_textbuf_set_text(struct sg_textbuf *tb, const char *text, size_t len);
/* The whole text, lines joined by '\n' (no trailing newline added), as a
 * malloc'd NUL-terminated string; *len (may be NULL) gets its length. */
char *sg_textbuf_text(const struct sg_textbuf *tb, size_t *len);

/* Number of lines (at least 1). */
size_t sg_textbuf_lines(const struct sg_textbuf *tb);
/* Line i's bytes (not NUL-terminated; borrowed until the next edit) and
 * their length; i past the end gives "" and 0. */
const char *sg_textbuf_line(const struct sg_textbuf *tb, size_t i, size_t *len);
/* The text's length in bytes (newlines included), kept as it changes. */
size_t sg_textbuf_size(const struct sg_textbuf *tb);
/* The most text a buffer holds: an edit that would grow it past this is
 * refused (nothing changes; a runaway 9999p cannot eat the memory). */
#define SG_TEXTBUF_MAX ((size_t)16 << 20)

/* Bumped by every change of the text (edits, undo, set_text), never by
 * motions: compare it to know whether a cell needs saving or re-rendering. */
unsigned long sg_textbuf_version(const struct sg_textbuf *tb);

/* ---- cursor, mark and columns ---------------------------------------- */

struct sg_tb_pos sg_textbuf_cursor(const struct sg_textbuf *tb);
/* Moves the cursor to pos, clamped into the text and to a character
 * boundary.  Breaks the undo group; forgets the wanted column. */
void sg_textbuf_set_cursor(struct sg_textbuf *tb, struct sg_tb_pos pos);

/* Tab width for display columns (1..16, default 4). */
void sg_textbuf_set_tabwidth(struct sg_textbuf *tb, int w);
int sg_textbuf_tabwidth(const struct sg_textbuf *tb);
/* Display column of byte col in line (tabs expanded, wide chars 2). */
int sg_textbuf_display_col(const struct sg_textbuf *tb, size_t line, size_t col);
/* The byte offset in line of the character covering display column dcol
 * (the line's end when dcol is past it). */
size_t sg_textbuf_col_at(const struct sg_textbuf *tb, size_t line, int dcol);
/* Display width of one character s[0..n) starting at display column at
 * (tabs need it); sets *bytes to its length.  Control characters and
 * invalid bytes are 1 column (shown as a replacement). */
int sg_tb_char_width(const char *s, size_t n, int at, int tabwidth, size_t *bytes);

/* Sets the mark at the cursor (starts a selection). */
void sg_textbuf_set_mark(struct sg_textbuf *tb);
void sg_textbuf_clear_mark(struct sg_textbuf *tb);
/* True when a mark is set; *start and *end (may be NULL) get the selection
 * in order (end exclusive). */
int sg_textbuf_selection(const struct sg_textbuf *tb, struct sg_tb_pos *start,
			 struct sg_tb_pos *end);
/* The text between a and b (in any order) as a malloc'd string. */
char *sg_textbuf_range_text(const struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b,
			    size_t *len);

/* ---- motions (each breaks the undo group; vertical ones keep the wanted
 * display column so moving through a short line and back returns to it) */

enum sg_tb_motion {
	SG_TB_LEFT, SG_TB_RIGHT,           /* one character, across lines */
	SG_TB_UP, SG_TB_DOWN,              /* one line, at the wanted column */
	SG_TB_LINE_START,                  /* column 0 */
	SG_TB_LINE_FIRST,                  /* first non-blank (vi ^) */
	SG_TB_LINE_END,                    /* after the last character */
	SG_TB_SMART_HOME,                  /* first non-blank, or column 0 when there */
	SG_TB_BUF_START, SG_TB_BUF_END,
	SG_TB_WORD_NEXT_END,               /* emacs M-f: to the end of the next word */
	SG_TB_WORD_PREV,                   /* emacs M-b: to the start of a word */
	SG_TB_VI_WORD_NEXT,                /* vi w: start of the next word */
	SG_TB_VI_WORD_END,                 /* vi e: last character of a word */
	SG_TB_LEFT_IN_LINE,                /* vi h: stays on the line */
	SG_TB_RIGHT_IN_LINE,               /* vi l: stays on the line */
	SG_TB_VI_WORD_PREV,                /* vi b: start of this or the previous word */
};

/* Applies motion m count times (count < 1 means 1).  Returns 1 when the
 * cursor moved. */
int sg_textbuf_move(struct sg_textbuf *tb, enum sg_tb_motion m, int count);
/* Moves n lines down (negative: up) at the wanted column, clamped: page
 * up/down.  Returns 1 when the cursor moved. */
int sg_textbuf_move_lines(struct sg_textbuf *tb, long n);
/* Where motion m would put the cursor, without moving it. */
struct sg_tb_pos sg_textbuf_motion_target(const struct sg_textbuf *tb, enum sg_tb_motion m);

/* ---- edits (each clears the mark unless it says otherwise) ------------ */

/* Inserts text[0..len) at the cursor as is (a paste: may hold newlines;
 * no auto-indent); the cursor ends after it.  One undo group. */
void sg_textbuf_insert(struct sg_textbuf *tb, const char *text, size_t len);
/* Inserts code point cp (typed); '\n' does sg_textbuf_newline.  Typing a
 * character ends a selection without deleting it. */
void sg_textbuf_type(struct sg_textbuf *tb, unsigned cp);
/* Splits the line at the cursor with auto-indent: the new line gets the
 * current line's indent (or, when the line closes brackets opened above,
 * the indent of the line that opened them), one unit more after a line
 * ending in ':' or leaving a bracket open, one unit less after a line
 * starting with return, pass, break, continue or raise.  A line left
 * holding only blanks is emptied and blanks after the cursor are dropped.
 * The typed line and its newline are one undo step. */
void sg_textbuf_newline(struct sg_textbuf *tb);
/* Splits the line at the cursor with no indent (a plain newline). */
void sg_textbuf_newline_plain(struct sg_textbuf *tb);
/* Deletes the character before the cursor (joins lines at column 0).  In
 * the leading blanks of a line it deletes back to the previous indent stop.
 * Returns 1 when something was deleted. */
int sg_textbuf_backspace(struct sg_textbuf *tb);
/* Deletes the character at the cursor (joins with the next line at the
 * end).  Returns 1 when something was deleted. */
int sg_textbuf_delete(struct sg_textbuf *tb);
/* Deletes between the cursor and where motion m goes (count times); with
 * to_register the text goes to the register too (a kill).  Returns 1 when
 * something was deleted. */
int sg_textbuf_delete_motion(struct sg_textbuf *tb, enum sg_tb_motion m, int count,
			     int to_register);
/* Deletes the selection (into the register when to_register); returns 1
 * when there was one. */
int sg_textbuf_delete_selection(struct sg_textbuf *tb, int to_register);
/* Copies the selection to the register (mark cleared); 1 when there was one. */
int sg_textbuf_copy_selection(struct sg_textbuf *tb);
/* Deletes [a, b) (any order; into the register when to_register, as lines
 * when linewise); the cursor goes to the start.  Returns 1 when not empty. */
int sg_textbuf_delete_range(struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b,
			    int to_register, int linewise);
/* Copies [a, b) to the register (as lines when linewise). */
void sg_textbuf_copy_range(const struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b,
			   int linewise);

/* emacs C-k: kills to the end of the line, or the newline when the cursor
 * is already there.  Consecutive kills append to the register.  Returns 1
 * when something was killed. */
int sg_textbuf_kill_line_end(struct sg_textbuf *tb);
/* vi dd: kills count whole lines into the register as lines.  The cursor
 * goes to the first non-blank of the line that takes their place. */
int sg_textbuf_kill_lines(struct sg_textbuf *tb, int count);
/* vi yy: copies count whole lines into the register as lines. */
void sg_textbuf_copy_lines(struct sg_textbuf *tb, int count);
/* Pastes the register: text at the cursor (after it when after and the
 * line is not empty: vi p), lines below the cursor's line (above when
 * !after).  Emacs C-y is paste(tb, 0).  Returns 1 when the register was
 * not empty. */
int sg_textbuf_paste(struct sg_textbuf *tb, int after);
/* Opens a new line below (or above) the cursor's line with its indent
 * and puts the cursor there (vi o / O). */
void sg_textbuf_open_line(struct sg_textbuf *tb, int below);
/* Joins the cursor's line with the next, one space between (vi J). */
int sg_textbuf_join_lines(struct sg_textbuf *tb);

/* Tab: with a selection, indents every line in it by one unit; in the
 * leading blanks, moves the line's text to the next indent stop; else
 * inserts blanks up to the next indent stop. */
void sg_textbuf_indent(struct sg_textbuf *tb);
/* Shift-Tab: removes one unit of indent from the cursor's line (or every
 * selected line).  Returns 1 when something changed. */
int sg_textbuf_dedent(struct sg_textbuf *tb);
/* The indent unit: a tab when a line of the text is indented with one,
 * else 2 or 3 spaces when that is the smallest indent in the text, else 4
 * spaces; written NUL-terminated into unit. */
void sg_textbuf_indent_unit(const struct sg_textbuf *tb, char unit[9]);

/* Finds needle[0..n) (no newline; matched within lines) from pos: the
 * first match at or after it, or with backward the last one starting
 * before it, wrapping around the text.  icase folds ASCII letters.
 * Returns 1 and *at (the match's start), or 0. */
int sg_textbuf_find(const struct sg_textbuf *tb, const char *needle, size_t n,
		    struct sg_tb_pos pos, int backward, int icase, struct sg_tb_pos *at);

/* ---- undo --------------------------------------------------------------- */

/* Reverts the last group; returns 1 when there was one.  The cursor goes
 * where the change was. */
int sg_textbuf_undo(struct sg_textbuf *tb);
/* Reapplies the last undone group; any new edit forgets undone groups. */
int sg_textbuf_redo(struct sg_textbuf *tb);
/* Ends the current undo group: the next edit starts a new one. */
void sg_textbuf_undo_break(struct sg_textbuf *tb);
/* Everything between begin and end is one group (nests); edits of the
 * same kind as the group's last one, right after it, join it. */
void sg_textbuf_group_begin(struct sg_textbuf *tb);
void sg_textbuf_group_end(struct sg_textbuf *tb);
/* 1 while undoing can go all the way back to the text as set (the oldest
 * steps are dropped past a few thousand). */
int sg_textbuf_undo_complete(const struct sg_textbuf *tb);
/* Forgets the history (after loading a cell, say). */
void sg_textbuf_undo_clear(struct sg_textbuf *tb);

/* ---- the register (process-wide) ---------------------------------------- */

/* Replaces the register's text; linewise marks whole lines (without the
 * final newline). */
void sg_register_set(const char *text, size_t len, int linewise);
/* The register's text (NUL-terminated, borrowed until the next set) and
 * length; *linewise (may be NULL) tells whether it holds lines. */
const char *sg_register_get(size_t *len, int *linewise);
/* Empties the register (tests; frees its memory). */
void sg_register_clear(void);

#endif
