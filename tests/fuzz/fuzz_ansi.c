/* fuzz_ansi.c — libFuzzer harness for cleaning kernel output (core/ansi.c).
 * Built by tests/fuzz/run.sh; also replayed over tests/corpus/ansi by
 * tests/test_ansi.c (which defines SG_FUZZ_NO_MAIN). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ansi.h"
#include "fuzz_ansi.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* The invariants of one cleaned text (from n input bytes). */
static void check_text(const struct sg_ansi_text *t, size_t n)
{
	size_t end = 0;

	check(t->text != NULL && t->text[t->len] == '\0', "text is NUL-terminated");
	check(t->len <= n, "clean text no longer than the input");
	for (size_t i = 0; i < t->len; i++) {
		unsigned char ch = (unsigned char)t->text[i];
		check(ch >= 0x20 || ch == '\n' || ch == '\t', "no control bytes left");
		check(ch != 0x7f, "no DEL left");
	}
	for (size_t i = 0; i < t->nspans; i++) {
		const struct sg_ansi_span *s = &t->spans[i];
		check(s->len > 0, "spans are not empty");
		check(s->off >= end, "spans sorted and disjoint");
		check(s->off + s->len <= t->len, "spans inside the text");
		check(s->fg >= -1 && s->fg <= 255, "colors in range");
		check(s->fg >= 0 || s->bold, "spans carry a style");
		end = s->off + s->len;
	}
}

int sg_fuzz_ansi(const uint8_t *d, size_t n)
{
	struct sg_ansi_text t, again;

	sg_ansi_clean((const char *)d, n, &t);
	check_text(&t, n);
	/* Clean text is a fixed point: nothing left to remove. */
	check(!sg_ansi_needed(t.text, t.len), "clean text needs no cleaning");
	sg_ansi_clean(t.text, t.len, &again);
	check(again.len == t.len && memcmp(again.text, t.text, t.len) == 0, "cleaning is idempotent");
	check(again.nspans == 0, "clean text has no styles");
	sg_ansi_text_done(&again);
	sg_ansi_text_done(&t);
	/* Stripping reads the same sequences: what it leaves holds none. */
	char *copy = malloc(n + 1);
	memcpy(copy, d, n);
	copy[n] = '\0';
	size_t k = sg_ansi_strip(copy, n);
	check(k <= n && copy[k] == '\0', "strip shortens and terminates");
	check(memchr(copy, 0x1b, k) == NULL, "no escape left after strip");
	check(sg_ansi_strip(copy, k) == k, "stripping is idempotent");
	free(copy);
	/* A prefix (output arriving in pieces) holds up as well. */
	sg_ansi_clean((const char *)d, n / 2, &t);
	check_text(&t, n / 2);
	sg_ansi_text_done(&t);
	return 0;
}

#ifndef SG_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_ansi(d, n);
}
#endif
