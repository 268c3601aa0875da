/* scale.c — every parser's fuzz entry point on pathological inputs at growing
 * sizes; built and run by bench/scale.sh.
 *
 *   scale [-v] [TARGET [PATTERN]]
 *
 * For each target × pattern it times one call on an input of 16 KiB, then
 * 64 KiB (and 256 KiB when 64 KiB took under 0.2 s), and prints the time
 * ratio.  Linear work gives about 4× per 4× size; quadratic about 16×.  A
 * line is flagged "SUPER" when both ratios are over 8 (one alone is often
 * noise on a shared machine), or the one measured ratio is over 8 with the
 * larger input over 50 ms, or when 16 KiB alone took over 1 s (then the
 * larger sizes are skipped).  Without -v only flagged lines and a
 * summary are printed.  The entry points run their invariant checks too,
 * which is what the fuzzers and the corpus replay run. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*fuzz_fn)(const uint8_t *d, size_t n);

int sg_fuzz_theme(const uint8_t *d, size_t n);
int sg_fuzz_keymap(const uint8_t *d, size_t n);
int sg_fuzz_config(const uint8_t *d, size_t n);
int sg_fuzz_csv(const uint8_t *d, size_t n);
int sg_fuzz_expr(const uint8_t *d, size_t n);
int sg_fuzz_recipe(const uint8_t *d, size_t n);
int sg_fuzz_metricline(const uint8_t *d, size_t n);
int sg_fuzz_runquery(const uint8_t *d, size_t n);
int sg_fuzz_rules(const uint8_t *d, size_t n);
int sg_fuzz_ansi(const uint8_t *d, size_t n);
int sg_fuzz_pysyntax(const uint8_t *d, size_t n);
int sg_fuzz_markdown(const uint8_t *d, size_t n);
int sg_fuzz_editor(const uint8_t *d, size_t n);
int sg_fuzz_labelscheme(const uint8_t *d, size_t n);
int sg_fuzz_labeltext(const uint8_t *d, size_t n);
int sg_fuzz_model(const uint8_t *d, size_t n);
int sg_fuzz_ipynb(const uint8_t *d, size_t n);
int sg_fuzz_percent(const uint8_t *d, size_t n);
int sg_fuzz_kernelspec(const uint8_t *d, size_t n);
int sg_fuzz_kernelmsg(const uint8_t *d, size_t n);

/* One target: its entry point and a small valid document of its format. */
struct target {
	const char *name;
	fuzz_fn fn;
	const char *doc;
};

static const struct target targets[] = {
	{ "theme", sg_fuzz_theme, "title = bold yellow on blue\n" },
	{ "keymap", sg_fuzz_keymap, "global ctrl-q quit\n" },
	{ "config", sg_fuzz_config, "[ui]\nline_drawing = ascii\n" },
	{ "csv", sg_fuzz_csv, "a,b,\"c,d\"\n1,2.5,x\n" },
	{ "expr", sg_fuzz_expr, "a > 1 and b = \"x\" or " },
	{ "recipe", sg_fuzz_recipe, "drop_column b\n" },
	{ "metricline", sg_fuzz_metricline, "loss=0.25 acc=0.9 " },
	{ "runquery", sg_fuzz_runquery, "lr > 0.1 and " },
	{ "rules", sg_fuzz_rules, "loss < 1\n" },
	{ "ansi", sg_fuzz_ansi, "\x1b[1;31mred\x1b[0m plain\r\n" },
	{ "pysyntax", sg_fuzz_pysyntax, "def f(x):\n    return 'a' + \"\"\"b\"\"\" # c\n" },
	{ "markdown", sg_fuzz_markdown, "# T\n*a* **b** `c` [l](u)\n- i\n" },
	{ "editor", sg_fuzz_editor, "abc def\n" },
	{ "labelscheme", sg_fuzz_labelscheme, "{\"labels\":[\"a\",\"b\"]}" },
	{ "labeltext", sg_fuzz_labeltext, "some text to label " },
	{ "model", sg_fuzz_model, "{\"algorithm\":\"linear\"}" },
	{ "ipynb", sg_fuzz_ipynb, NULL },
	{ "percent", sg_fuzz_percent, "# %%\nx = 1\n# %% [markdown]\n# hi\n" },
	{ "kernelspec", sg_fuzz_kernelspec, "{\"argv\":[\"a\"],\"display_name\":\"x\"}" },
	{ "kernelmsg", sg_fuzz_kernelmsg, "{\"a\":1}" },
};

/* Inputs: a unit repeated, or a generator for format-aware shapes. */
enum gen { REPEAT, DOC, NEST_OPEN, NEST_PAIR, JSON_NEST, NOTEBOOK, JSON_STRING, CSV_FIELD,
	   LINE, CSV_ROWS, JSON_ARRAY };

struct pattern {
	const char *label;
	enum gen gen;
	const char *unit;
	size_t unit_len;
};

#define U(s) s, sizeof s - 1
static const struct pattern patterns[] = {
	{ "[", REPEAT, U("[") }, { "]", REPEAT, U("]") }, { "{", REPEAT, U("{") },
	{ "}", REPEAT, U("}") }, { "(", REPEAT, U("(") }, { ")", REPEAT, U(")") },
	{ "'", REPEAT, U("'") }, { "\"", REPEAT, U("\"") }, { "`", REPEAT, U("`") },
	{ "\\", REPEAT, U("\\") }, { "*", REPEAT, U("*") }, { "_", REPEAT, U("_") },
	{ "#", REPEAT, U("#") }, { "%", REPEAT, U("%") }, { "|", REPEAT, U("|") },
	{ "<", REPEAT, U("<") }, { ">", REPEAT, U(">") }, { "$", REPEAT, U("$") },
	{ "=", REPEAT, U("=") }, { ",", REPEAT, U(",") }, { ":", REPEAT, U(":") },
	{ ";", REPEAT, U(";") }, { "\\n", REPEAT, U("\n") }, { "\\r", REPEAT, U("\r") },
	{ "\\t", REPEAT, U("\t") }, { "space", REPEAT, U(" ") }, { "0", REPEAT, U("0") },
	{ "9", REPEAT, U("9") }, { "e", REPEAT, U("e") }, { "a", REPEAT, U("a") },
	{ "ESC", REPEAT, U("\x1b") }, { "0xff", REPEAT, U("\xff") }, { "NUL", REPEAT, "", 1 },
	{ "U+65E5", REPEAT, U("\xe6\x97\xa5") }, { "-", REPEAT, U("-") }, { "!", REPEAT, U("!") },
	{ "~", REPEAT, U("~") }, { "@", REPEAT, U("@") }, { ".", REPEAT, U(".") },
	{ "[a](", REPEAT, U("[a](") }, { "\\\"", REPEAT, U("\\\"") }, { "a,", REPEAT, U("a,") },
	{ "\"\"", REPEAT, U("\"\"") }, { "{\"a\":", REPEAT, U("{\"a\":") },
	{ "[1,", REPEAT, U("[1,") }, { "ab ", REPEAT, U("ab ") },
	{ "# %%\\n", REPEAT, U("# %%\n") }, { "ESC[", REPEAT, U("\x1b[") },
	{ "1e9", REPEAT, U("1e9") }, { "1,", REPEAT, U("1,") }, { "a\\n", REPEAT, U("a\n") },
	{ "\\r\\n", REPEAT, U("\r\n") }, { "*a", REPEAT, U("*a") }, { "**", REPEAT, U("**") },
	{ "_a", REPEAT, U("_a") }, { "`a", REPEAT, U("`a") }, { "<a", REPEAT, U("<a") },
	{ "](", REPEAT, U("](") }, { "![", REPEAT, U("![") }, { "\"a", REPEAT, U("\"a") },
	{ "'a", REPEAT, U("'a") }, { "\"\"\"", REPEAT, U("\"\"\"") }, { "\\\\", REPEAT, U("\\\\") },
	{ "(a", REPEAT, U("(a") }, { "not ", REPEAT, U("not ") }, { "a=1 ", REPEAT, U("a=1 ") },
	{ "- ", REPEAT, U("- ") }, { "> ", REPEAT, U("> ") }, { "ESC[1;", REPEAT, U("\x1b[1;") },
	{ "ESC]", REPEAT, U("\x1b]") }, { "\\u00e9", REPEAT, U("\\u00e9") },
	{ "\\ud800", REPEAT, U("\\ud800") }, { "a\\t", REPEAT, U("a\t") },
	{ "doc", DOC, NULL, 0 }, { "open^n", NEST_OPEN, NULL, 0 }, { "([{}])^n", NEST_PAIR, NULL, 0 },
	{ "json-nest", JSON_NEST, NULL, 0 }, { "notebook", NOTEBOOK, NULL, 0 },
	{ "json-string", JSON_STRING, NULL, 0 }, { "csv-field", CSV_FIELD, NULL, 0 },
	{ "line", LINE, NULL, 0 }, { "csv-rows", CSV_ROWS, NULL, 0 },
	{ "json-array", JSON_ARRAY, NULL, 0 },
};

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("scale");
			exit(1);
		}
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts0(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* repeat — the unit until the input is size bytes (whole units). */
static void repeat(struct buf *b, const char *u, size_t un, size_t size)
{
	while (b->n + un <= size)
		put(b, u, un);
}

static void make(struct buf *b, const struct target *t, const struct pattern *p, size_t size)
{
	b->n = 0;
	put(b, "", 0);
	switch (p->gen) {
	case REPEAT:
		repeat(b, p->unit, p->unit_len, size);
		break;
	case DOC:
		if (t->doc)
			repeat(b, t->doc, strlen(t->doc), size);
		else
			make(b, t, &(struct pattern){ "", NOTEBOOK, NULL, 0 }, size);
		break;
	case NEST_OPEN: /* what a deep-nesting fuzz input looks like: ([{ ... */
		repeat(b, "([{", 3, size);
		break;
	case NEST_PAIR:
		repeat(b, "([{", 3, size / 2);
		for (size_t i = b->n; i > 0; i--)
			put(b, &")]}"[(i - 1) % 3], 1);
		break;
	case JSON_NEST: {
		size_t depth = size / 6;
		for (size_t i = 0; i < depth; i++)
			puts0(b, i % 2 ? "[" : "{\"a\":");
		puts0(b, "1");
		for (size_t i = depth; i > 0; i--)
			puts0(b, (i - 1) % 2 ? "]" : "}");
		break;
	}
	case NOTEBOOK: {
		static const char cell[] = "{\"cell_type\":\"code\",\"execution_count\":null,"
			"\"id\":\"%08zx\",\"metadata\":{},\"outputs\":[],\"source\":[\"x = %zu\\n\"]}";
		char one[256];
		puts0(b, "{\"cells\":[");
		for (size_t i = 0; b->n + sizeof cell + 64 < size; i++) {
			if (i)
				puts0(b, ",");
			snprintf(one, sizeof one, cell, i, i);
			puts0(b, one);
		}
		puts0(b, "],\"metadata\":{},\"nbformat\":4,\"nbformat_minor\":5}");
		break;
	}
	case JSON_STRING:
		puts0(b, "{\"a\":\"");
		repeat(b, "ab c", 4, size - 4);
		puts0(b, "\"}");
		break;
	case CSV_FIELD:
		puts0(b, "a,b\n\"");
		repeat(b, "x, \"\"y\n", 7, size - 6);
		puts0(b, "\",1\n");
		break;
	case LINE:
		repeat(b, "word ", 5, size - 1);
		puts0(b, "\n");
		break;
	case CSV_ROWS:
		puts0(b, "a,b,c\n");
		repeat(b, "1,x,2.5\n", 8, size);
		break;
	case JSON_ARRAY:
		puts0(b, "{\"a\":[");
		repeat(b, "1,", 2, size - 4);
		puts0(b, "1]}");
		break;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* run — seconds for one call; tiny times are repeated and averaged. */
static double run(fuzz_fn fn, const struct buf *b)
{
	int reps = 0;
	double t0 = now_s(), t;
	do {
		fn((const uint8_t *)b->p, b->n);
		reps++;
		t = now_s() - t0;
	} while (t < 0.005 && reps < 50);
	return t / reps;
}

int main(int argc, char **argv)
{
	int verbose = 0, flagged = 0, cases = 0;
	const char *only_t = NULL, *only_p = NULL;
	int a = 1;
	if (a < argc && strcmp(argv[a], "-v") == 0) {
		verbose = 1;
		a++;
	}
	if (a < argc)
		only_t = argv[a++];
	if (a < argc)
		only_p = argv[a++];
	struct buf b = { 0 };
	printf("%-12s %-12s %10s %10s %10s %7s %7s\n", "target", "pattern", "16K ms", "64K ms",
	       "256K ms", "64/16", "256/64");
	fflush(stdout);
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
		const struct target *t = &targets[i];
		if (only_t && strcmp(only_t, t->name) != 0)
			continue;
		for (size_t j = 0; j < sizeof patterns / sizeof *patterns; j++) {
			const struct pattern *p = &patterns[j];
			if (only_p && strcmp(only_p, p->label) != 0)
				continue;
			double t16, t64 = -1, t256 = -1;
			make(&b, t, p, 16384);
			t16 = run(t->fn, &b);
			if (t16 < 1.0) {
				make(&b, t, p, 65536);
				t64 = run(t->fn, &b);
				if (t64 < 0.2) {
					make(&b, t, p, 262144);
					t256 = run(t->fn, &b);
				}
			}
			double r1 = t64 > 0 && t16 > 0 ? t64 / t16 : 0;
			double r2 = t256 > 0 && t64 > 0 ? t256 / t64 : 0;
			int super = t16 >= 1.0 || (r1 > 8 && r2 > 8) ||
				    (r1 > 8 && t256 < 0 && t64 > 0.05);
			cases++;
			flagged += super;
			if (!verbose && !super)
				continue;
			printf("%-12s %-12s %10.2f %10.2f %10.2f %7.1f %7.1f%s\n", t->name, p->label,
			       t16 * 1e3, t64 * 1e3, t256 * 1e3, r1, r2, super ? "  SUPER" : "");
			fflush(stdout);
		}
	}
	printf("== %d cases, %d super-linear\n", cases, flagged);
	free(b.p);
	return 0;
}
