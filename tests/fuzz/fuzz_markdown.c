/* fuzz_markdown.c — libFuzzer harness for the markdown layout.
 * Build (Debian's clang), from the top of the tree:
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -I. -Ib tests/fuzz/fuzz_markdown.c core/mdtext.c core/pysyntax.c \
 *     core/textbuf.c core/util.c core/error.c -o fuzz_markdown
 *   ./fuzz_markdown -max_len=16384 tests/corpus/markdown  (fuzz a copy) */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mdtext.h"
#include "fuzz_markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static void check_doc(const struct sg_md_doc *doc, int w)
{
	for (size_t i = 0; i < doc->n; i++) {
		const struct sg_md_line *l = &doc->lines[i];
		check(l->text != NULL && strlen(l->text) == l->len, "text NUL-terminated, no NUL");
		for (size_t b = 0; b < l->len; b++)
			check((unsigned char)l->text[b] >= 0x20 && l->text[b] != 0x7f,
			      "no control characters");
		check(sg_md_line_width(l) <= (w < 8 ? 8 : w), "line fits the width");
		for (size_t k = 0; k < l->nspans; k++) {
			check(l->spans[k].start < l->spans[k].end, "span not empty");
			check(l->spans[k].end <= l->len, "span inside the text");
			check(k == 0 || l->spans[k].start >= l->spans[k - 1].end, "spans sorted");
			check(l->spans[k].role != SG_ROLE_NORMAL, "spans are not NORMAL");
			check((int)l->spans[k].role >= 0 && l->spans[k].role < SG_ROLE_COUNT,
			      "role in range");
		}
	}
	check(doc->n == 0 || doc->lines[doc->n - 1].len > 0, "no blank line at the end");
}

int sg_fuzz_markdown(const uint8_t *d, size_t n)
{
	/* Few widths: each input is laid out for every one, and CI runs a fixed
	 * number of inputs. */
	static const int widths[] = { 1, 13, 80 };
	struct sg_md_doc doc = { 0 };
	static int locale;

	if (!locale++)
		setlocale(LC_ALL, "C.UTF-8");
	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		for (int uni = 0; uni < 2; uni++) {
			size_t k = sg_md_render((const char *)d, n, widths[i], uni, &doc);
			check(k == doc.n, "the count is the lines");
			check_doc(&doc, widths[i]);
		}
	}
	sg_md_doc_free(&doc);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_markdown(d, n);
}
