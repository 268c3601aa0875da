/* fuzz_editor.c — libFuzzer harness for the cell editor: key sessions.
 * Build (Debian's clang), from the top of the tree:
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -I. -Ib tests/fuzz/fuzz_editor.c tui/editor.c tui/surface.c \
 *     core/textbuf.c core/pysyntax.c core/mdtext.c core/keymap.c core/action.c \
 *     core/conf.c core/util.c core/error.c b/builtin.c -o fuzz_editor
 *   ./fuzz_editor -max_len=4096 tests/corpus/editor  (fuzz a copy) */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/keymap.h"
#include "tui/editor.h"
#include "fuzz_editor.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* Keys for bytes 0x80 and up. */
static const int special[] = {
	SG_KEY_UP, SG_KEY_DOWN, SG_KEY_LEFT, SG_KEY_RIGHT, SG_KEY_HOME, SG_KEY_END,
	SG_KEY_PGUP, SG_KEY_PGDN, SG_KEY_ENTER, SG_KEY_TAB, SG_KEY_BTAB, SG_KEY_BACKSPACE,
	SG_KEY_DELETE, SG_KEY_INSERT, SG_KEY_ESC, SG_KEY_F5, SG_KEY_RESIZE,
	SG_KEY_S_UP, SG_KEY_S_DOWN, SG_KEY_S_LEFT, SG_KEY_S_RIGHT, SG_KEY_S_HOME, SG_KEY_S_END,
	SG_KEY_PASTE_BEGIN, SG_KEY_PASTE_END,
	SG_KEY_ALT | 'f', SG_KEY_ALT | 'b', SG_KEY_ALT | 'd', SG_KEY_ALT | 'w', SG_KEY_ALT | '<',
	SG_KEY_ALT | '>', SG_KEY_ALT | '_', SG_KEY_ALT | 's', SG_KEY_ALT | 'r', SG_KEY_ALT | 'v',
	SG_KEY_ALT | 'x', SG_KEY_ALT | SG_KEY_BACKSPACE,
	0xe9, 0x65e5, 0x1f600, 0x301, 0xa0,
};

static int key_of(uint8_t b)
{
	if (b < 0x80)
		return b == '\n' ? SG_KEY_ENTER : b == 0x7f ? SG_KEY_BACKSPACE : b;
	return special[(b - 0x80) % (sizeof special / sizeof special[0])];
}

/* The cursor is inside the text and on a character's first byte. */
static void check_cursor(const struct sg_editor *ed)
{
	struct sg_tb_pos p = sg_textbuf_cursor(ed->tb);
	size_t len;
	const char *s;

	check(p.line < sg_textbuf_lines(ed->tb), "cursor line inside the text");
	s = sg_textbuf_line(ed->tb, p.line, &len);
	check(p.col <= len, "cursor column inside the line");
	if (p.col < len && ((unsigned char)s[p.col] & 0xc0) == 0x80) {
		size_t i = 0, at = 0, b;
		while (i <= p.col) {
			at = i;
			sg_tb_char_width(s + i, len - i, 0, 4, &b);
			i += b;
		}
		check(at == p.col, "cursor on a character boundary");
	}
}

int sg_fuzz_editor(const uint8_t *d, size_t n)
{
	static int locale;
	struct surface_backend *be;
	struct surface root;
	struct sg_editor *ed;
	size_t tlen, nkeys = 0;
	char *start, *end, *again;
	size_t nstart, nend, nagain;

	if (!locale++)
		setlocale(LC_ALL, "C.UTF-8");
	if (n < 2)
		return 0;
	tlen = d[1] < n - 2 ? d[1] : n - 2;
	sg_register_clear();
	ed = sg_editor_new((const char *)d + 2, tlen, (enum sg_editor_lang)(d[0] % 3),
			   d[0] & 0x80 ? SG_EDITOR_VI : SG_EDITOR_EMACS);
	ed->line_numbers = d[0] & 0x40;
	ed->focused = 1;
	be = surface_mem_new(24, 6, d[0] & 0x20);
	root = surface_root(be);
	start = sg_editor_text(ed, &nstart);
	for (size_t i = 2 + tlen; i < n && nkeys < 3000; i++, nkeys++) {
		/* a text grown huge (9999p) only makes keys slow: stop there */
		if (sg_textbuf_size(ed->tb) > ((size_t)16 << 10))
			break;
		sg_editor_key(ed, key_of(d[i]));
		check_cursor(ed);
		if (i % 13 == 0) {
			int w = 1 + d[i] % 24, h = 1 + d[i] % 6;
			struct surface sub = surface_sub(&root, 0, 0, h, w);
			sg_editor_draw(ed, &sub);
			check(ed->cur_y < h && ed->cur_x < w, "cursor inside the drawn surface");
		}
	}
	/* end what is open, then check the history both ways */
	sg_editor_key(ed, SG_KEY_PASTE_END);
	if (ed->searching)
		sg_editor_key(ed, SG_KEY_ENTER);
	if (ed->keys == SG_EDITOR_VI && ed->mode != SG_EDITOR_NORMAL)
		sg_editor_key(ed, SG_KEY_ESC);
	while (sg_textbuf_redo(ed->tb))  /* the newest state, if the session ended undoing */
		check_cursor(ed);
	end = sg_editor_text(ed, &nend);
	while (sg_textbuf_undo(ed->tb))
		check_cursor(ed);
	again = sg_editor_text(ed, &nagain);
	if (sg_textbuf_undo_complete(ed->tb))
		check(nagain == nstart && memcmp(again, start, nstart) == 0,
		      "undoing everything gives the start back");
	free(again);
	while (sg_textbuf_redo(ed->tb))
		check_cursor(ed);
	again = sg_editor_text(ed, &nagain);
	check(nagain == nend && memcmp(again, end, nend) == 0, "redoing everything gives the end back");
	free(again);
	free(start);
	free(end);
	sg_editor_free(ed);
	be->ops->free(be);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_editor(d, n);
}
