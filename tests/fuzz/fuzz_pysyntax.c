/* fuzz_pysyntax.c — libFuzzer harness for the Python highlighter.
 * Build (Debian's clang), from the top of the tree:
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -I. -Ib tests/fuzz/fuzz_pysyntax.c core/pysyntax.c -o fuzz_pysyntax
 *   ./fuzz_pysyntax -max_len=16384 tests/corpus/pysyntax  (fuzz a copy) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/pysyntax.h"
#include "fuzz_pysyntax.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* Checks the spans of one line of len bytes. */
static void check_spans(const struct sg_py_span *sp, size_t k, size_t max, size_t len)
{
	check(k <= max, "no more spans than room");
	for (size_t i = 0; i < k; i++) {
		check(sp[i].start < sp[i].end, "span not empty");
		check(sp[i].end <= len, "span inside the line");
		check(i == 0 || sp[i].start >= sp[i - 1].end, "spans sorted, not overlapping");
		check(sp[i].cls > SG_PY_TEXT && sp[i].cls <= SG_PY_MAGIC, "known class");
		check(sg_py_role(sp[i].cls) != SG_ROLE_NORMAL, "a class has a role");
	}
}

int sg_fuzz_pysyntax(const uint8_t *d, size_t n)
{
	const char *s = (const char *)d;
	struct sg_py_span big[512], small[3], again[512];
	int st = SG_PY_STATE_START, st_small = SG_PY_STATE_START;
	size_t a = 0;

	while (a <= n) {
		const char *nl = memchr(s + a, '\n', n - a);
		size_t len = nl ? (size_t)(nl - (s + a)) : n - a, k, k2, ks;
		int next = sg_py_highlight(s + a, len, st, big, 512, &k);
		check_spans(big, k, 512, len);
		check(next >= 0 && next < 32, "state in range");
		check(sg_py_highlight(s + a, len, st, again, 512, &k2) == next, "same state again");
		check(k2 == k, "same span count again");
		for (size_t i = 0; i < k; i++)
			check(big[i].start == again[i].start && big[i].end == again[i].end &&
			      big[i].cls == again[i].cls, "same spans again");
		size_t k0 = 1;
		check(sg_py_highlight(s + a, len, st, NULL, 0, &k0) == next && k0 == 0,
		      "the state alone (no spans) is the same state");
		int ns = sg_py_highlight(s + a, len, st_small, small, 3, &ks);
		check_spans(small, ks, 3, len);
		if (st_small == st)
			check(ns == next, "room for spans does not change the state");
		st = next;
		st_small = ns;
		if (!nl)
			break;
		a += len + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_pysyntax(d, n);
}
