/* keymap.h — key bindings, parsed from the same line format as themes.
 *
 *     bind CONTEXT KEY ACTION
 *
 * CONTEXT is `global` or a pane name (data, notebooks, monitor,
 * experiments), or `label` / `scheme` (the Label view and its scheme
 * editor, inside the Data pane); a
 * pane's bindings win over global ones.  KEY is a single
 * character (`q`, `?`, `|`) or a name in angle brackets: <Tab> <S-Tab>
 * <Enter> <Esc> <Space> <Backspace> <Up> <Down> <Left> <Right> <PgUp> <PgDn>
 * <Home> <End> <Insert> <Delete> <F1>…<F12> <C-a>…<C-z> <S-Enter> <C-Enter>.
 * ACTION is a name from action.h, or `none` to remove a default binding.  The shipped
 * defaults (themes/default.keymap) are compiled in and parsed by this same
 * code; a user file is parsed on top of them. */
#ifndef SG_KEYMAP_H
#define SG_KEYMAP_H

#include <stddef.h>
#include "core/action.h"
#include "core/error.h"

/* Key codes: Unicode code points for characters (control keys are their
 * ASCII codes, C-a = 1), special keys from SG_KEY_BASE up. */
enum sg_key {
	SG_KEY_TAB = 9,
	SG_KEY_ENTER = 13,
	SG_KEY_ESC = 27,
	SG_KEY_SPACE = 32,
	SG_KEY_BACKSPACE = 127,
	SG_KEY_BASE = 0x110000,
	SG_KEY_UP, SG_KEY_DOWN, SG_KEY_LEFT, SG_KEY_RIGHT,
	SG_KEY_PGUP, SG_KEY_PGDN, SG_KEY_HOME, SG_KEY_END,
	SG_KEY_INSERT, SG_KEY_DELETE, SG_KEY_BTAB,
	SG_KEY_F1, SG_KEY_F2, SG_KEY_F3, SG_KEY_F4, SG_KEY_F5, SG_KEY_F6,
	SG_KEY_F7, SG_KEY_F8, SG_KEY_F9, SG_KEY_F10, SG_KEY_F11, SG_KEY_F12,
	SG_KEY_RESIZE,
	/* Shift with a motion key (for selecting), and the marks a terminal in
	 * bracketed-paste mode puts around pasted text. */
	SG_KEY_S_UP, SG_KEY_S_DOWN, SG_KEY_S_LEFT, SG_KEY_S_RIGHT, SG_KEY_S_HOME, SG_KEY_S_END,
	SG_KEY_PASTE_BEGIN, SG_KEY_PASTE_END,
	/* Shift-Enter and Ctrl-Enter, from terminals that tell them apart
	 * (CSI 13;2u / 13;5u, or xterm's modifyOtherKeys CSI 27;2;13~). */
	SG_KEY_S_ENTER, SG_KEY_C_ENTER,
};

/* Alt (Meta) held with a key: SG_KEY_ALT | 'f' is M-f.  The terminal sends
 * <Esc> then the key; the curses layer joins the two when they arrive
 * together, and the app splits them again where Alt means nothing. */
#define SG_KEY_ALT 0x40000000

#define SG_KEYMAP_CONTEXTS 8   /* global + 4 panes + help + the Label view + its scheme editor */

struct sg_binding {
	char context[16];
	int key;
	enum sg_action action;
};

struct sg_keymap {
	struct sg_binding *b;
	size_t n, cap;
};

/* Names the key in the notation above ("q", "<F1>", "<C-l>") into buf. */
void sg_key_name(int key, char *buf, size_t n);
/* Parses one key word; returns the key code or -1. */
int sg_key_parse(const char *word);
/* True for the contexts a binding may name. */
int sg_keymap_context_valid(const char *context);

void sg_keymap_init(struct sg_keymap *km);
void sg_keymap_done(struct sg_keymap *km);
/* Replaces km's bindings with the compiled-in defaults; km must have been
 * initialized (sg_keymap_init) since its old bindings are freed. */
void sg_keymap_default(struct sg_keymap *km);
/* Parses a keymap file's text on top of km.  On any error km is unchanged
 * and err is "file:line:col: ...". */
int sg_keymap_parse(struct sg_keymap *km, const char *file, const char *buf, size_t len,
		    struct sg_error *err);
/* Loads a file on top of km; a missing file is not an error when optional. */
int sg_keymap_load(struct sg_keymap *km, const char *path, int optional, struct sg_error *err);
/* The action bound to key in context (falling back to global), or NONE. */
enum sg_action sg_keymap_lookup(const struct sg_keymap *km, const char *context, int key);
/* Writes the keys bound to action in context (and global) as "q, <F1>"
 * into buf; empty when none. */
void sg_keymap_keys_for(const struct sg_keymap *km, const char *context, enum sg_action a,
			char *buf, size_t n);

#endif
