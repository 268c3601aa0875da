/* fuzz_labeltext.c — libFuzzer harness for the Label view's text model
 * (tui/label_text.c): layout, motions, selection, drawing, the filter
 * line.  Built by tests/fuzz/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/label.h"
#include "tests/fuzz/fuzz_labeltext.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* starts[off]: a character starts at byte off, as the decoder walks the
 * text from its beginning (the end counts as a start). */
static unsigned char *char_starts(const char *t, size_t len)
{
	unsigned char *starts = calloc(len + 1, 1);
	size_t i = 0;
	long cp;

	check(starts != NULL, "memory");
	while (i < len) {
		starts[i] = 1;
		i += utf8_decode(t + i, len - i, &cp);
	}
	starts[len] = 1;
	return starts;
}

static const unsigned char *starts;

/* A character starts at off. */
static int boundary(const char *t, size_t len, size_t off)
{
	(void)t;
	return off <= len && starts[off];
}

static void check_layout(const struct lbl_text *x)
{
	size_t prev_end = 0;

	check(x->nlines >= 1, "at least one line");
	for (size_t l = 0; l < x->nlines; l++) {
		const struct lbl_line *ln = &x->line[l];
		int w = 0, chars = 0;
		check(ln->start <= ln->end && ln->end <= x->len, "line inside the text");
		check(l == 0 || ln->start >= prev_end, "lines in order");
		check(boundary(x->text, x->len, ln->start), "line starts on a character");
		for (size_t o = ln->start; o < ln->end; chars++) {
			long cp;
			w += lbl_char_width(x->text + o, x->len - o, x->unicode);
			o += utf8_decode(x->text + o, x->len - o, &cp);
		}
		check(w <= x->width || chars == 1, "line fits the width");
		prev_end = ln->end;
	}
}

static void check_cursor(const struct lbl_text *x)
{
	size_t a, b;

	check(x->len == 0 ? x->cursor == 0 : x->cursor < x->len, "cursor inside the text");
	check(boundary(x->text, x->len, x->cursor), "cursor on a character");
	if (lbl_text_selection(x, &a, &b)) {
		check(a < b && b <= x->len, "selection inside the text");
		check(boundary(x->text, x->len, a) && boundary(x->text, x->len, b),
		      "selection on characters");
		size_t ca = lbl_text_chars(x->text, x->len, a);
		check(lbl_text_bytes(x->text, x->len, ca) == a, "offsets convert back");
	}
}

int sg_fuzz_labeltext(const uint8_t *d, size_t n)
{
	struct lbl_text x = { 0 };
	struct lbl_filter f = { .state = -7 };
	char err[256];
	size_t script = n > 9 ? 8 : (n > 1 ? n - 1 : 0), tlen;
	const char *text = n > 1 + script ? (const char *)d + 1 + script : "";
	const char *nul;

	if (n == 0)
		return 0;
	tlen = n - 1 - script;
	nul = tlen ? memchr(text, '\0', tlen) : NULL;
	int width = 1 + (d[0] & 63), uni = d[0] >> 7;
	unsigned char *st = char_starts(text, tlen);
	starts = st;
	lbl_text_set(&x, text, tlen);
	lbl_text_layout(&x, width, uni);
	check_layout(&x);
	for (size_t i = 0; i < script * 4; i++) {
		switch ((d[1 + i / 4] >> (2 * (i % 4))) & 3) {
		case 0: lbl_text_char_next(&x); lbl_text_word_next(&x); break;
		case 1: lbl_text_word_prev(&x); lbl_text_line_down(&x); break;
		case 2: lbl_text_word_end(&x); lbl_text_char_prev(&x); break;
		default: lbl_text_toggle_select(&x); lbl_text_line_up(&x); break;
		}
		check_cursor(&x);
	}
	struct surface_backend *be = surface_mem_new(width + 2, 6, uni);
	struct surface s = surface_root(be);
	struct lbl_mark m = { 0, tlen / 2, SG_ROLE_KEY };
	check(lbl_text_draw(&x, &s, 1, 1, 4, x.nlines / 2, &m, 1, 1) <= 4, "rows drawn fit");
	be->ops->free(be);
	/* the filter line: the text after the first NUL */
	if (nul) {
		char line[600];
		size_t k = tlen - (size_t)(nul + 1 - text);
		if (k >= sizeof line)
			k = sizeof line - 1;
		memcpy(line, nul + 1, k);
		line[k] = '\0';
		err[0] = '\0';
		if (lbl_filter_parse(line, &f, err, sizeof err) < 0)
			check(f.state == -7 && err[0], "a refused filter says why, untouched");
		else
			check(f.state >= LBL_STATE_ANY && f.state <= LBL_STATE_REVIEW &&
			      strlen(f.label) < sizeof f.label, "a parsed filter is in range");
	}
	lbl_text_done(&x);
	free(st);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_labeltext(d, n);
}
