/* mdtext.c — markdown blocks and inlines to styled, wrapped lines.
 *
 * Blocks are found line by line (fences, headings, rules, quotes, lists,
 * tables, paragraphs); quotes and list items render their content
 * recursively at a smaller width and get a prefix, which is how nesting
 * works.  Inline markup becomes a styled string (bytes plus one role per
 * byte) that the wrapper cuts into lines. */
#include "sgconfig.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mdtext.h"
#include "core/pysyntax.h"
#include "core/textbuf.h"
#include "core/util.h"

#define MAX_DEPTH 12     /* nesting of quotes and lists drawn as such */
#define MIN_NEST_W 6     /* narrower than this, content is not indented more */

/* ---- styled strings ---------------------------------------------------------- */

struct sstr {
	char *s;
	enum sg_role *r;
	size_t n, cap;
};

static void ss_reserve(struct sstr *ss, size_t more)
{
	if (ss->n + more <= ss->cap)
		return;
	size_t cap = ss->cap ? ss->cap : 64;
	while (cap < ss->n + more)
		cap *= 2;
	ss->s = sg_xrealloc(ss->s, cap + 1);
	ss->r = sg_xrealloc(ss->r, cap * sizeof *ss->r);
	ss->cap = cap;
}

static void ss_add(struct sstr *ss, const char *s, size_t n, enum sg_role r)
{
	if (!n)
		return;
	ss_reserve(ss, n);
	memcpy(ss->s + ss->n, s, n);
	for (size_t i = 0; i < n; i++)
		ss->r[ss->n + i] = r;
	ss->n += n;
}

static void ss_addz(struct sstr *ss, const char *s, enum sg_role r)
{
	ss_add(ss, s, strlen(s), r);
}

static void ss_free(struct sstr *ss)
{
	free(ss->s);
	free(ss->r);
	memset(ss, 0, sizeof *ss);
}

/* Display width of s[0..n) (tabs as one column). */
static int width_of(const char *s, size_t n)
{
	int w = 0;

	for (size_t i = 0; i < n;) {
		size_t b;
		w += s[i] == '\t' ? 1 : sg_tb_char_width(s + i, n - i, w, 8, &b);
		if (s[i] == '\t')
			b = 1;
		i += b;
	}
	return w;
}

/* ---- output lines ---------------------------------------------------------------- */

struct ctx {
	struct sg_md_doc *doc;
	int unicode;
};

static void doc_push(struct sg_md_doc *doc, struct sg_md_line l)
{
	if (doc->n == doc->cap) {
		doc->cap = doc->cap ? doc->cap * 2 : 32;
		doc->lines = sg_xrealloc(doc->lines, doc->cap * sizeof *doc->lines);
	}
	doc->lines[doc->n++] = l;
}

/* Adds a line made of ss[a..b) (tabs drawn as blanks). */
static void emit_line(struct sg_md_doc *doc, const struct sstr *ss, size_t a, size_t b)
{
	struct sg_md_line l = { 0 };
	size_t ns = 0;

	l.len = b - a;
	l.text = sg_xmalloc(l.len + 1);
	if (l.len)
		memcpy(l.text, ss->s + a, l.len);
	l.text[l.len] = '\0';
	/* blanks for tabs and breaks; a visible '?' for other control bytes,
	 * which a terminal would act on */
	for (size_t i = 0; i < l.len; i++) {
		unsigned char ch = (unsigned char)l.text[i];
		if (ch == '\t' || ch == '\n' || ch == '\0')
			l.text[i] = ' ';
		else if (ch < 0x20 || ch == 0x7f)
			l.text[i] = '?';
	}
	for (size_t i = a; i < b; i++)
		if (ss->r[i] != SG_ROLE_NORMAL && (i == a || ss->r[i] != ss->r[i - 1]))
			ns++;
	l.spans = ns ? sg_xmalloc(ns * sizeof *l.spans) : NULL;
	for (size_t i = a; i < b;) {
		size_t j = i + 1;
		while (j < b && ss->r[j] == ss->r[i])
			j++;
		if (ss->r[i] != SG_ROLE_NORMAL)
			l.spans[l.nspans++] = (struct sg_md_span){ i - a, j - a, ss->r[i] };
		i = j;
	}
	doc_push(doc, l);
}

static void emit_blank(struct sg_md_doc *doc)
{
	struct sstr e = { 0 };
	emit_line(doc, &e, 0, 0);
}

/* Adds a blank line unless the doc is empty or already ends in one. */
static void separate(struct sg_md_doc *doc)
{
	if (doc->n && doc->lines[doc->n - 1].len)
		emit_blank(doc);
}

/* Bytes of the character at s[i] (at least 1). */
static size_t char_len(const struct sstr *ss, size_t i)
{
	size_t b;
	sg_tb_char_width(ss->s + i, ss->n - i, 0, 8, &b);
	return b;
}

static int char_w(const struct sstr *ss, size_t i)
{
	size_t b;
	if (ss->s[i] == '\t' || ss->s[i] == '\n')
		return 1;
	return sg_tb_char_width(ss->s + i, ss->n - i, 0, 8, &b);
}

/* Word-wraps ss into lines of at most w columns (w >= 2): breaks at
 * blanks, cuts words longer than a line, breaks at '\n'. */
static void wrap(struct sg_md_doc *doc, const struct sstr *ss, int w)
{
	size_t i = 0;

	while (i < ss->n) {
		size_t start = i, brk = 0, j = i;
		int used = 0, have_brk = 0;
		while (j < ss->n && ss->s[j] != '\n') {
			int cw = char_w(ss, j);
			if (used + cw > w)
				break;
			if (ss->s[j] == ' ') {
				brk = j;
				have_brk = 1;
			}
			used += cw;
			j += char_len(ss, j);
		}
		if (j >= ss->n || ss->s[j] == '\n') {
			emit_line(doc, ss, start, j);
			i = j + 1;
			if (j >= ss->n)
				break;
			continue;
		}
		if (ss->s[j] == ' ') {
			emit_line(doc, ss, start, j);
		} else if (have_brk && brk > start) {
			emit_line(doc, ss, start, brk);
			j = brk;
		} else {
			if (j == start)  /* nothing fits: take one character */
				j += char_len(ss, j);
			emit_line(doc, ss, start, j);
		}
		i = j;
		while (i < ss->n && ss->s[i] == ' ')
			i++;
	}
}

/* ---- inline markup -------------------------------------------------------------------- */

static int is_punct_or_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c);
}

/* Where the closing delimiter d (length dl) for an opener ending at i is
 * in s[i..n), or n.  The closer must follow a non-blank. */
static size_t find_closer(const char *s, size_t i, size_t n, const char *d, size_t dl)
{
	for (size_t j = i + 1; j + dl <= n; j++) {
		if (s[j] == '\\') {
			j++;
			continue;
		}
		if (s[j] == '`') {  /* code spans hide delimiters */
			size_t k = j + 1;
			while (k < n && s[k] != '`')
				k++;
			if (k < n)
				j = k;
			continue;
		}
		if (memcmp(s + j, d, dl) == 0 && s[j - 1] != ' ' &&
		    (dl == 2 || j + 1 >= n || s[j + 1] != d[0])) {
			if (d[0] == '_' && j + dl < n && !is_punct_or_space(s[j + dl]))
				continue;
			return j;
		}
	}
	return n;
}

/* Role for text styled with the flags: code > link > strong > emphasis. */
enum { F_EM = 1, F_STRONG = 2, F_LINK = 4, F_HEAD = 8, F_STRIKE = 16 };

static enum sg_role flag_role(int f, enum sg_role base)
{
	if (f & F_HEAD)
		return SG_ROLE_MD_HEADING;
	if (f & F_LINK)
		return SG_ROLE_MD_LINK;
	if (f & F_STRONG)
		return SG_ROLE_MD_STRONG;
	if (f & F_EM)
		return SG_ROLE_MD_EMPHASIS;
	if (f & F_STRIKE)
		return SG_ROLE_DIM;
	return base;
}

static void inlines(struct sstr *out, const char *s, size_t n, int flags, enum sg_role base,
		    int depth);

/* What one inlines() call learned about its text's links.  Why: finding a
 * link's ']' and ')' by scanning from every '[' is quadratic on text such as
 * "[[[[…" or "[a]([a]([a](…", which would freeze the screen on a large
 * markdown cell; this keeps link detection linear. */
struct link_memo {
	size_t *close;      /* close[i]: the ']' matching the '[' at i, n if none */
	size_t no_paren;    /* no ')' on the line from any u < no_paren ... */
	size_t no_paren_from; /* ... and u >= no_paren_from */
};

/* Matches every '[' of s[0..n) with its ']' in one pass, the way a scan
 * from each opener would: a backslash hides the next byte, nesting counts. */
static void match_brackets(struct link_memo *m, const char *s, size_t n)
{
	size_t *stack = sg_xmalloc((n ? n : 1) * sizeof *stack), top = 0;

	m->close = sg_xmalloc((n ? n : 1) * sizeof *m->close);
	for (size_t i = 0; i < n; i++) {
		m->close[i] = n;
		if (s[i] == '\\') {
			if (i + 1 < n)
				m->close[++i] = SIZE_MAX;  /* escaped */
		} else if (s[i] == '[') {
			stack[top++] = i;
		} else if (s[i] == ']' && top) {
			m->close[stack[--top]] = i;
		}
	}
	free(stack);
}

/* The ']' closing the '[' at s[o], or n. */
static size_t bracket_close(struct link_memo *m, const char *s, size_t o, size_t n)
{
	if (!m->close)
		match_brackets(m, s, n);
	if (m->close[o] == SIZE_MAX) {
		/* an opener the one pass took as escaped: scan from it */
		int nest = 0;
		size_t te;
		for (te = o + 1; te < n; te++) {
			if (s[te] == '\\')
				te++;
			else if (s[te] == '[')
				nest++;
			else if (s[te] == ']' && nest-- == 0)
				break;
		}
		return te < n ? te : n;
	}
	return m->close[o];
}

/* The ')' ending a url that starts at s[u], or n when the line has none. */
static size_t paren_close(struct link_memo *m, const char *s, size_t u, size_t n)
{
	size_t ue;

	if (u >= m->no_paren_from && u < m->no_paren)
		return n;
	for (ue = u; ue < n && s[ue] != ')' && s[ue] != '\n'; ue++)
		;
	if (ue < n && s[ue] == ')')
		return ue;
	m->no_paren_from = u;
	m->no_paren = ue;
	return n;
}

/* [text](url) or ![alt](src) at s[i] ('[' or '!'); returns the index
 * after it, or i when it is not one. */
static size_t link(struct sstr *out, const char *s, size_t i, size_t n, int flags,
		   enum sg_role base, int depth, struct link_memo *m)
{
	int image = s[i] == '!';
	size_t t = i + (image ? 2 : 1), te, u, ue;

	te = bracket_close(m, s, t - 1, n);
	if (te >= n || te + 1 >= n || s[te + 1] != '(')
		return i;
	u = te + 2;
	ue = paren_close(m, s, u, n);
	if (ue >= n)
		return i;
	/* the url is the first word (a "title" after it is dropped) */
	size_t uw = u;
	while (uw < ue && s[uw] == ' ')
		uw++;
	size_t uend = uw;
	while (uend < ue && s[uend] != ' ')
		uend++;
	if (uend > uw && s[uw] == '<' && s[uend - 1] == '>') {
		uw++;
		uend--;
	}
	if (image) {
		ss_addz(out, "[image: ", SG_ROLE_DIM);
		inlines(out, s + t, te - t, flags, SG_ROLE_DIM, depth + 1);
		ss_addz(out, "]", SG_ROLE_DIM);
	} else {
		inlines(out, s + t, te - t, flags | F_LINK, base, depth + 1);
	}
	if (uend > uw && !(uend - uw == te - t && memcmp(s + uw, s + t, te - t) == 0)) {
		ss_addz(out, " (", SG_ROLE_DIM);
		ss_add(out, s + uw, uend - uw, SG_ROLE_DIM);
		ss_addz(out, ")", SG_ROLE_DIM);
	}
	return ue + 1;
}

/* Appends s[0..n) with inline markup applied. */
static void inlines(struct sstr *out, const char *s, size_t n, int flags, enum sg_role base,
		    int depth)
{
	size_t i = 0;
	/* Why: a search for a closer that failed from i fails from any later
	 * opener too, so each kind is searched for once past that point; this
	 * keeps "*a *a *a ..." linear instead of quadratic. */
	size_t none_from[6], tick_none[33];
	struct link_memo links = { NULL, 0, 0 };

	for (size_t k = 0; k < 6; k++)
		none_from[k] = n + 1;
	for (size_t k = 0; k < 33; k++)
		tick_none[k] = n + 1;
	while (i < n) {
		char c = s[i];
		if (depth > MAX_DEPTH) {
			ss_add(out, s + i, n - i, flag_role(flags, base));
			break;
		}
		if (c == '\\' && i + 1 < n && strchr("\\`*_{}[]()#+-.!|>~<", s[i + 1]) && s[i + 1]) {
			ss_add(out, s + i + 1, 1, flag_role(flags, base));
			i += 2;
			continue;
		}
		if (c == '`') {
			size_t k = i, run, j;
			while (k < n && s[k] == '`')
				k++;
			run = k - i;
			j = n;
			if (run > 32 || i < tick_none[run]) {
				for (j = k; j + run <= n; j++) {
					if (memcmp(s + j, s + i, run) == 0 &&
					    (j + run == n || s[j + run] != '`'))
						break;
				}
				if (j + run > n && run <= 32)
					tick_none[run] = i;
			}
			if (j + run <= n) {
				size_t a = k, b = j;
				if (b - a >= 2 && s[a] == ' ' && s[b - 1] == ' ') {
					a++;
					b--;
				}
				ss_add(out, s + a, b - a, (flags & F_HEAD) ? SG_ROLE_MD_HEADING
									 : SG_ROLE_MD_CODE);
				i = j + run;
			} else {
				ss_add(out, s + i, run, flag_role(flags, base));
				i = k;
			}
			continue;
		}
		if ((c == '*' || c == '_' || c == '~') && i + 1 < n) {
			int dbl = s[i + 1] == c;
			size_t dl = dbl ? 2 : 1;
			char d[2] = { c, c };
			int opener_ok = i + dl < n && s[i + dl] != ' ' &&
					!(c == '_' && i > 0 && !is_punct_or_space(s[i - 1]));
			if (c == '~' && !dbl)
				opener_ok = 0;
			size_t kind = (size_t)(c == '*' ? 0 : c == '_' ? 2 : 4) + (dbl ? 1 : 0);
			if (opener_ok && i < none_from[kind]) {
				size_t e = find_closer(s, i + dl - 1, n, d, dl);
				if (e >= n)
					none_from[kind] = i;
				if (e < n && e > i + dl) {
					int f = c == '~' ? F_STRIKE : dbl ? F_STRONG : F_EM;
					inlines(out, s + i + dl, e - i - dl, flags | f, base, depth + 1);
					i = e + dl;
					continue;
				}
			}
		}
		if (c == '[' || (c == '!' && i + 1 < n && s[i + 1] == '[')) {
			size_t e = link(out, s, i, n, flags, base, depth, &links);
			if (e != i) {
				i = e;
				continue;
			}
		}
		if (c == '<' && i + 1 < n) {
			size_t e = i + 1;
			while (e < n && s[e] != '>' && s[e] != ' ' && s[e] != '<')
				e++;
			if (e < n && s[e] == '>' && e - i > 8 && memchr(s + i, ':', e - i)) {
				ss_add(out, s + i + 1, e - i - 1, SG_ROLE_MD_LINK);
				i = e + 1;
				continue;
			}
		}
		ss_add(out, s + i, 1, flag_role(flags, base));
		i++;
	}
	free(links.close);
}

/* ---- source lines ----------------------------------------------------------------------- */

struct src {
	const char **p;
	size_t *len;
	size_t n;
};

static void src_split(struct src *sr, const char *s, size_t n)
{
	size_t count = 1, k = 0;

	for (size_t i = 0; i < n; i++)
		count += s[i] == '\n';
	sr->p = sg_xmalloc(count * sizeof *sr->p);
	sr->len = sg_xmalloc(count * sizeof *sr->len);
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '\n') {
			size_t e = i;
			if (e > start && s[e - 1] == '\r')
				e--;
			sr->p[k] = s + start;
			sr->len[k++] = e - start;
			start = i + 1;
		}
	}
	sr->n = k;
}

static void src_free(struct src *sr)
{
	free(sr->p);
	free(sr->len);
}

/* Leading blanks (a tab counts 4). */
static size_t indent_of(const char *s, size_t n, size_t *bytes)
{
	size_t c = 0, i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t')) {
		c += s[i] == '\t' ? 4 - c % 4 : 1;
		i++;
	}
	if (bytes)
		*bytes = i;
	return c;
}

static int blank(const char *s, size_t n)
{
	size_t b;
	indent_of(s, n, &b);
	return b == n;
}

/* A fence (``` or ~~~, indent <= 3): its char and length, else 0. */
static size_t fence(const char *s, size_t n, char *fc)
{
	size_t b, k;

	if (indent_of(s, n, &b) > 3 || b >= n || (s[b] != '`' && s[b] != '~'))
		return 0;
	for (k = b; k < n && s[k] == s[b]; k++)
		;
	if (k - b < 3)
		return 0;
	*fc = s[b];
	return k - b;
}

/* Heading level 1..6 of an ATX line ("## Title"), else 0. */
static int atx(const char *s, size_t n, size_t *text)
{
	size_t b, k;

	if (indent_of(s, n, &b) > 3)
		return 0;
	for (k = b; k < n && s[k] == '#'; k++)
		;
	if (k == b || k - b > 6 || (k < n && s[k] != ' ' && s[k] != '\t'))
		return 0;
	*text = k;
	return (int)(k - b);
}

/* A thematic break: 3+ of one of - * _ with blanks only between. */
static int hrule(const char *s, size_t n)
{
	size_t b, count = 0;
	char c = 0;

	if (indent_of(s, n, &b) > 3 || b >= n)
		return 0;
	c = s[b];
	if (c != '-' && c != '*' && c != '_')
		return 0;
	for (size_t i = b; i < n; i++) {
		if (s[i] == c)
			count++;
		else if (s[i] != ' ' && s[i] != '\t')
			return 0;
	}
	return count >= 3;
}

/* A list marker: returns the content's column offset in bytes (marker +
 * one blank) and the marker text in mark; 0 when not a list item. */
static size_t list_item(const char *s, size_t n, char *mark, size_t cap, int *ordered)
{
	size_t b, k;

	if (indent_of(s, n, &b) > 3 || b >= n)
		return 0;
	if ((s[b] == '-' || s[b] == '*' || s[b] == '+') && (b + 1 == n || s[b + 1] == ' ')) {
		*ordered = 0;
		snprintf(mark, cap, "%c", s[b]);
		return b + 1 < n ? b + 2 : b + 1;
	}
	for (k = b; k < n && k - b < 9 && s[k] >= '0' && s[k] <= '9'; k++)
		;
	if (k > b && k < n && (s[k] == '.' || s[k] == ')') && (k + 1 == n || s[k + 1] == ' ')) {
		*ordered = 1;
		snprintf(mark, cap, "%.*s.", (int)(k - b), s + b);
		return k + 1 < n ? k + 2 : k + 1;
	}
	return 0;
}

static int quote_line(const char *s, size_t n, size_t *after)
{
	size_t b;

	if (indent_of(s, n, &b) > 3 || b >= n || s[b] != '>')
		return 0;
	*after = b + 1 < n && s[b + 1] == ' ' ? b + 2 : b + 1;
	return 1;
}

/* A setext underline: 1 for "===", 2 for "---" (blanks around allowed),
 * else 0. */
static int setext(const char *s, size_t n)
{
	size_t b, k;

	if (indent_of(s, n, &b) > 3 || b >= n || (s[b] != '=' && s[b] != '-'))
		return 0;
	for (k = b; k < n && s[k] == s[b]; k++)
		;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	return k == n ? (s[b] == '=' ? 1 : 2) : 0;
}

/* True when the line starts a block other than a paragraph. */
static int starts_block(const char *s, size_t n)
{
	char fc, mark[16];
	size_t t;
	int o;

	return fence(s, n, &fc) || atx(s, n, &t) || hrule(s, n) || quote_line(s, n, &t) ||
	       list_item(s, n, mark, sizeof mark, &o);
}

/* ---- blocks ---------------------------------------------------------------------------- */

static void render(struct ctx *c, const char *s, size_t n, int w, int depth);

/* Appends every line of sub with prefix first (first line) or rest (the
 * others), both rw columns wide and in role pr. */
static void prefixed(struct ctx *c, struct sg_md_doc *sub, const char *first, const char *rest,
		     enum sg_role pr, enum sg_role body)
{
	for (size_t i = 0; i < sub->n; i++) {
		struct sstr ss = { 0 };
		const struct sg_md_line *l = &sub->lines[i];
		ss_addz(&ss, i == 0 ? first : rest, pr);
		size_t base = ss.n;
		ss_add(&ss, l->text, l->len, body);
		for (size_t k = 0; k < l->nspans; k++)
			for (size_t b = l->spans[k].start; b < l->spans[k].end; b++)
				ss.r[base + b] = l->spans[k].role;
		/* a blank line keeps no trailing blanks of the prefix */
		size_t end = ss.n;
		if (!l->len)
			while (end > 0 && ss.s[end - 1] == ' ')
				end--;
		emit_line(c->doc, &ss, 0, end);
		ss_free(&ss);
	}
}

/* Renders s[0..n) into its own doc at width w. */
static void render_sub(struct ctx *c, struct sg_md_doc *sub, const char *s, size_t n, int w,
		       int depth)
{
	struct ctx sc = { sub, c->unicode };
	render(&sc, s, n, w, depth);
	while (sub->n && !sub->lines[sub->n - 1].len) {
		sub->n--;
		free(sub->lines[sub->n].text);
		free(sub->lines[sub->n].spans);
	}
}

/* A fenced code block's lines [a, b), indented 2, colored when python. */
static void code_block(struct ctx *c, const struct src *sr, size_t a, size_t b, int python,
		       int w)
{
	int st = SG_PY_STATE_START;
	struct sg_py_span spans[64];

	for (size_t i = a; i < b; i++) {
		struct sstr ss = { 0 };
		size_t ns = 0;
		ss_addz(&ss, w > 6 ? "  " : "", SG_ROLE_NORMAL);
		size_t base = ss.n;
		ss_add(&ss, sr->p[i], sr->len[i], python ? SG_ROLE_NORMAL : SG_ROLE_MD_CODE);
		if (python) {
			st = sg_py_highlight(sr->p[i], sr->len[i], st, spans, 64, &ns);
			for (size_t k = 0; k < ns; k++)
				for (size_t x = spans[k].start; x < spans[k].end; x++)
					ss.r[base + x] = sg_py_role(spans[k].cls);
		}
		/* long code lines continue on the next rows (hard wrap) */
		size_t s0 = 0;
		while (s0 < ss.n || s0 == 0) {
			size_t j = s0;
			int used = 0;
			if (s0 > 0) {
				struct sstr cont = { 0 };
				ss_addz(&cont, w > 6 ? "  " : "", SG_ROLE_NORMAL);
				used = width_of(cont.s, cont.n);
				ss_free(&cont);
			}
			while (j < ss.n) {
				int cw = char_w(&ss, j);
				if (used + cw > w)
					break;
				used += cw;
				j += char_len(&ss, j);
			}
			if (j == s0 && j < ss.n)
				j += char_len(&ss, j);
			if (s0 == 0) {
				emit_line(c->doc, &ss, 0, j);
			} else {
				struct sstr cont = { 0 };
				ss_addz(&cont, w > 6 ? "  " : "", SG_ROLE_NORMAL);
				ss_add(&cont, ss.s + s0, j - s0, SG_ROLE_NORMAL);
				memcpy(cont.r + cont.n - (j - s0), ss.r + s0, (j - s0) * sizeof *ss.r);
				emit_line(c->doc, &cont, 0, cont.n);
				ss_free(&cont);
			}
			if (j >= ss.n)
				break;
			s0 = j;
		}
		ss_free(&ss);
	}
}

/* An indented code block from line i (4 columns in; blank lines inside
 * it kept): drawn as code without its indent.  Returns the line after. */
static size_t indented_code(struct ctx *c, const struct src *sr, size_t i, int w)
{
	size_t j = i, end = i, n;
	struct src code;

	while (j < sr->n && (blank(sr->p[j], sr->len[j]) || indent_of(sr->p[j], sr->len[j], NULL) >= 4)) {
		if (!blank(sr->p[j], sr->len[j]))
			end = j + 1;
		j++;
	}
	n = end - i;
	code.p = sg_xmalloc(n * sizeof *code.p);
	code.len = sg_xmalloc(n * sizeof *code.len);
	code.n = n;
	for (size_t k = 0; k < n; k++) {
		/* drop 4 columns of blanks (a tab counts as reaching them) */
		size_t b = 0, col = 0;
		const char *q = sr->p[i + k];
		while (b < sr->len[i + k] && col < 4 && (q[b] == ' ' || q[b] == '\t')) {
			col += q[b] == '\t' ? 4 - col % 4 : 1;
			b++;
		}
		code.p[k] = q + b;
		code.len[k] = sr->len[i + k] - b;
	}
	code_block(c, &code, 0, n, 0, w);
	free(code.p);
	free(code.len);
	return end;
}

/* A rule of w columns. */
static void rule(struct ctx *c, int w, const char *glyph_u, const char *glyph_a,
		 enum sg_role role)
{
	struct sstr ss = { 0 };
	for (int i = 0; i < w; i++)
		ss_addz(&ss, c->unicode ? glyph_u : glyph_a, role);
	emit_line(c->doc, &ss, 0, ss.n);
	ss_free(&ss);
}

/* A paragraph of lines [a, b): joined with blanks (kept breaks where a
 * line ends in two blanks or a backslash), styled, wrapped. */
static void paragraph(struct ctx *c, const struct src *sr, size_t a, size_t b, int flags,
		      enum sg_role base, int w)
{
	struct sstr text = { 0 }, out = { 0 };

	for (size_t i = a; i < b; i++) {
		const char *p = sr->p[i];
		size_t n = sr->len[i], k;
		indent_of(p, n, &k);
		int hard = (n >= 2 && p[n - 1] == ' ' && p[n - 2] == ' ') ||
			   (n >= 1 && p[n - 1] == '\\');
		while (n > k && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (hard && n > k && p[n - 1] == '\\')
			n--;
		ss_add(&text, p + k, n - k, SG_ROLE_NORMAL);
		if (i + 1 < b)
			ss_add(&text, hard ? "\n" : " ", 1, SG_ROLE_NORMAL);
	}
	if (!text.n)
		return;
	/* inline markup over the whole paragraph; a '\n' stays a break */
	size_t s0 = 0;
	for (size_t i = 0; i <= text.n; i++) {
		if (i == text.n || text.s[i] == '\n') {
			inlines(&out, text.s + s0, i - s0, flags, base, 0);
			if (i < text.n)
				ss_add(&out, "\n", 1, SG_ROLE_NORMAL);
			s0 = i + 1;
		}
	}
	wrap(c->doc, &out, w);
	ss_free(&text);
	ss_free(&out);
}

/* ---- tables ----------------------------------------------------------------------------- */

/* Splits a table row into cells (outer pipes dropped, blanks trimmed). */
static size_t cells(const char *s, size_t n, const char **cp, size_t *cl, size_t max)
{
	size_t k = 0, a, i;

	indent_of(s, n, &a);
	while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (a < n && s[a] == '|')
		a++;
	if (n > a && s[n - 1] == '|' && !(n >= 2 && s[n - 2] == '\\'))
		n--;
	for (i = a; i <= n; i++) {
		if (i == n || (s[i] == '|' && (i == 0 || s[i - 1] != '\\'))) {
			size_t x = a, y = i;
			while (x < y && s[x] == ' ')
				x++;
			while (y > x && s[y - 1] == ' ')
				y--;
			if (k < max) {
				cp[k] = s + x;
				cl[k] = y - x;
				k++;
			}
			a = i + 1;
		}
	}
	return k;
}

/* True for a delimiter row: | --- | :---: | ---: | */
static int delim_row(const char *s, size_t n)
{
	const char *cp[64];
	size_t cl[64], k = cells(s, n, cp, cl, 64);
	int dash = 0;

	if (!memchr(s, '-', n))
		return 0;
	for (size_t i = 0; i < k; i++) {
		size_t j = 0;
		if (!cl[i])
			return 0;
		if (cp[i][j] == ':')
			j++;
		for (; j < cl[i] && cp[i][j] == '-'; j++)
			dash = 1;
		if (j < cl[i] && cp[i][j] == ':')
			j++;
		if (j != cl[i])
			return 0;
	}
	return dash && (memchr(s, '|', n) != NULL);
}

#define TMAX_COLS 32

/* A pipe table from lines [a, b) (a+1 is the delimiter row): aligned when
 * it fits w, else the source lines wrapped. */
static void table(struct ctx *c, const struct src *sr, size_t a, size_t b, int w)
{
	size_t rows = b - a - 1, ncol = 0;
	struct sstr *cell = sg_xcalloc(rows * TMAX_COLS, sizeof *cell);
	int colw[TMAX_COLS] = { 0 }, align[TMAX_COLS] = { 0 }, total;
	const char *cp[TMAX_COLS];
	size_t cl[TMAX_COLS], k;

	k = cells(sr->p[a + 1], sr->len[a + 1], cp, cl, TMAX_COLS);
	for (size_t j = 0; j < k; j++)
		align[j] = cl[j] && cp[j][cl[j] - 1] == ':' ? (cp[j][0] == ':' ? 2 : 1) : 0;
	for (size_t r = 0, i = a; i < b; i++) {
		if (i == a + 1)
			continue;
		k = cells(sr->p[i], sr->len[i], cp, cl, TMAX_COLS);
		if (k > ncol)
			ncol = k;
		for (size_t j = 0; j < k; j++) {
			struct sstr *ce = &cell[r * TMAX_COLS + j];
			inlines(ce, cp[j], cl[j], r == 0 ? F_HEAD : 0, SG_ROLE_NORMAL, 0);
			if (r == 0)
				for (size_t x = 0; x < ce->n; x++)
					ce->r[x] = SG_ROLE_HEADER;
			int cw = width_of(ce->s, ce->n);
			if (cw > colw[j])
				colw[j] = cw;
		}
		r++;
	}
	total = ncol ? (int)(3 * (ncol - 1)) : 0;
	for (size_t j = 0; j < ncol; j++)
		total += colw[j];
	if (ncol == 0 || total > w) {
		for (size_t i = a; i < b; i++)
			paragraph(c, sr, i, i + 1, 0, SG_ROLE_NORMAL, w);
	} else {
		const char *sep = c->unicode ? " \u2502 " : " | ";
		for (size_t r = 0; r < rows; r++) {
			struct sstr line = { 0 };
			for (size_t j = 0; j < ncol; j++) {
				struct sstr *ce = &cell[r * TMAX_COLS + j];
				int pad = colw[j] - width_of(ce->s, ce->n);
				int left = align[j] == 1 ? pad : align[j] == 2 ? pad / 2 : 0;
				if (j)
					ss_addz(&line, sep, SG_ROLE_BORDER);
				for (int x = 0; x < left; x++)
					ss_add(&line, " ", 1, SG_ROLE_NORMAL);
				if (ce->n) {
					ss_reserve(&line, ce->n);
					memcpy(line.s + line.n, ce->s, ce->n);
					memcpy(line.r + line.n, ce->r, ce->n * sizeof *ce->r);
					line.n += ce->n;
				}
				for (int x = left; x < pad && j + 1 < ncol; x++)
					ss_add(&line, " ", 1, SG_ROLE_NORMAL);
			}
			emit_line(c->doc, &line, 0, line.n);
			ss_free(&line);
			if (r == 0) {
				struct sstr d = { 0 };
				for (size_t j = 0; j < ncol; j++) {
					if (j)
						ss_addz(&d, c->unicode ? "\u2500\u253c\u2500" : "-+-",
							SG_ROLE_BORDER);
					for (int x = 0; x < colw[j]; x++)
						ss_addz(&d, c->unicode ? "\u2500" : "-", SG_ROLE_BORDER);
				}
				emit_line(c->doc, &d, 0, d.n);
				ss_free(&d);
			}
		}
	}
	for (size_t i = 0; i < rows * TMAX_COLS; i++)
		ss_free(&cell[i]);
	free(cell);
}

/* ---- the block loop ----------------------------------------------------------------------- */

/* End of a paragraph starting at line i. */
static size_t para_end(const struct src *sr, size_t i)
{
	size_t j = i + 1;

	while (j < sr->n && !blank(sr->p[j], sr->len[j]) && !starts_block(sr->p[j], sr->len[j]))
		j++;
	return j;
}

/* The lines of a list item starting at i whose content starts at byte
 * col: indented continuation lines and lazy paragraph lines. */
static size_t item_end(const struct src *sr, size_t i, size_t col)
{
	size_t j = i + 1;
	char fc, mark[16];
	int o;

	while (j < sr->n) {
		const char *p = sr->p[j];
		size_t n = sr->len[j];
		if (blank(p, n)) {
			/* a blank line ends the item unless indented text follows */
			size_t k = j + 1;
			while (k < sr->n && blank(sr->p[k], sr->len[k]))
				k++;
			if (k < sr->n && indent_of(sr->p[k], sr->len[k], NULL) >= col && col > 0) {
				j = k;
				continue;
			}
			break;
		}
		if (indent_of(p, n, NULL) >= col)
			j++;
		else if (!starts_block(p, n) && !fence(p, n, &fc) &&
			 !list_item(p, n, mark, sizeof mark, &o) && !blank(sr->p[j - 1], sr->len[j - 1]))
			j++;  /* lazy continuation */
		else
			break;
	}
	return j;
}

static void list_block(struct ctx *c, const struct src *sr, size_t *pi, int w, int depth)
{
	size_t i = *pi;
	char mark[16];
	int ordered;
	size_t col = list_item(sr->p[i], sr->len[i], mark, sizeof mark, &ordered);
	size_t e = item_end(sr, i, col);
	size_t len;
	char first[32], rest[32];

	if (!ordered)
		snprintf(first, sizeof first, "%s ", c->unicode ? "\u2022" : "*");
	else
		snprintf(first, sizeof first, "%s ", mark);
	int pw = width_of(first, strlen(first));
	memset(rest, ' ', (size_t)pw);
	rest[pw] = '\0';
	/* the first line without its marker, the others without the indent */
	struct sstr bs = { 0 };
	size_t c0 = col < sr->len[i] ? col : sr->len[i];
	ss_add(&bs, sr->p[i] + c0, sr->len[i] - c0, SG_ROLE_NORMAL);
	for (size_t k = i + 1; k < e; k++) {
		size_t x = 0;
		while (x < col && x < sr->len[k] && sr->p[k][x] == ' ')
			x++;
		ss_add(&bs, "\n", 1, SG_ROLE_NORMAL);
		ss_add(&bs, sr->p[k] + x, sr->len[k] - x, SG_ROLE_NORMAL);
	}
	ss_reserve(&bs, 1);
	free(bs.r);
	char *body = bs.s;
	len = bs.n;
	body[len] = '\0';
	if (w - pw >= MIN_NEST_W && depth < MAX_DEPTH) {
		struct sg_md_doc sub = { 0 };
		render_sub(c, &sub, body, len, w - pw, depth + 1);
		if (!sub.n)
			emit_blank(&sub);
		prefixed(c, &sub, first, rest, SG_ROLE_MD_BULLET, SG_ROLE_NORMAL);
		sg_md_doc_free(&sub);
	} else if (depth <= MAX_DEPTH) {
		render(c, body, len, w, MAX_DEPTH + 1);
	} else {
		/* Past the cap the rest stays text (see quote_block). */
		paragraph(c, sr, i, e, 0, SG_ROLE_NORMAL, w);
	}
	free(body);
	*pi = e;
}

static void quote_block(struct ctx *c, const struct src *sr, size_t *pi, int w, int depth)
{
	size_t i = *pi, j = i, after, len;
	struct sstr body = { 0 };

	while (j < sr->n && !blank(sr->p[j], sr->len[j])) {
		if (quote_line(sr->p[j], sr->len[j], &after))
			ss_add(&body, sr->p[j] + after, sr->len[j] - after, SG_ROLE_NORMAL);
		else if (j > i && !starts_block(sr->p[j], sr->len[j]))
			ss_add(&body, sr->p[j], sr->len[j], SG_ROLE_NORMAL);  /* lazy */
		else
			break;
		ss_add(&body, "\n", 1, SG_ROLE_NORMAL);
		j++;
	}
	len = body.n;
	const char *bar = c->unicode ? "\u2502 " : "| ";
	if (w - 2 >= MIN_NEST_W && depth < MAX_DEPTH) {
		struct sg_md_doc sub = { 0 };
		render_sub(c, &sub, body.s ? body.s : "", len, w - 2, depth + 1);
		prefixed(c, &sub, bar, bar, SG_ROLE_MD_QUOTE, SG_ROLE_MD_QUOTE);
		sg_md_doc_free(&sub);
	} else if (depth <= MAX_DEPTH) {
		render(c, body.s ? body.s : "", len, w, MAX_DEPTH + 1);
	} else {
		/* Past the cap the rest stays text: rendering the body as a
		 * block again recursed once per '>' of ">>>>…". */
		paragraph(c, sr, i, j, 0, SG_ROLE_NORMAL, w);
	}
	ss_free(&body);
	*pi = j;
}

static void heading(struct ctx *c, const char *s, size_t n, int level, int w)
{
	struct sstr out = { 0 };
	struct src one = { &s, &n, 1 };

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '#')) {
		/* closing #s only after a blank */
		size_t k = n;
		while (k > 0 && s[k - 1] == '#')
			k--;
		if (k == n || (k > 0 && s[k - 1] != ' ' && k != 0))
			break;
		n = k;
		while (n > 0 && s[n - 1] == ' ')
			n--;
	}
	(void)out;
	size_t before = c->doc->n;
	paragraph(c, &one, 0, 1, F_HEAD, SG_ROLE_MD_HEADING, w);
	if (level <= 2) {
		int hw = 0;
		for (size_t k = before; k < c->doc->n; k++) {
			int lw = sg_md_line_width(&c->doc->lines[k]);
			if (lw > hw)
				hw = lw;
		}
		if (hw > 0)
			rule(c, hw, level == 1 ? "\u2550" : "\u2500", level == 1 ? "=" : "-",
			     SG_ROLE_MD_HEADING);
	}
}

static void render(struct ctx *c, const char *s, size_t n, int w, int depth)
{
	struct src sr;
	size_t i = 0;
	int had_blank = 0;

	src_split(&sr, s, n);
	while (i < sr.n) {
		const char *p = sr.p[i];
		size_t len = sr.len[i], t;
		char fc, mark[16];
		int lvl, o;
		size_t fl;

		if (blank(p, len)) {
			had_blank = 1;
			i++;
			continue;
		}
		/* blocks get a blank line between them; inside a list item or a
		 * quote only where the source has one (tight lists stay tight) */
		if (depth == 0 || had_blank)
			separate(c->doc);
		had_blank = 0;
		if ((fl = fence(p, len, &fc)) != 0) {
			size_t b0, j = i + 1, k;
			indent_of(p, len, &b0);
			const char *info = p + b0 + fl;
			size_t il = len - b0 - fl;
			while (il && *info == ' ') {
				info++;
				il--;
			}
			int py = (il >= 2 && (strncmp(info, "py", 2) == 0 ||
					      strncmp(info, "ipython", 7 <= il ? 7 : il) == 0));
			while (j < sr.n) {
				char fc2;
				size_t f2 = fence(sr.p[j], sr.len[j], &fc2);
				indent_of(sr.p[j], sr.len[j], &k);
				if (f2 >= fl && fc2 == fc && blank(sr.p[j] + k + f2, sr.len[j] - k - f2))
					break;
				j++;
			}
			code_block(c, &sr, i + 1, j, py, w);
			i = j < sr.n ? j + 1 : j;
		} else if ((lvl = atx(p, len, &t)) != 0) {
			heading(c, p + t, len - t, lvl, w);
			i++;
		} else if (hrule(p, len)) {
			rule(c, w, "\u2500", "-", SG_ROLE_BORDER);
			i++;
		} else if (quote_line(p, len, &t)) {
			quote_block(c, &sr, &i, w, depth);
		} else if (list_item(p, len, mark, sizeof mark, &o)) {
			list_block(c, &sr, &i, w, depth);
			/* items of one list stay together without blank lines */
			while (i < sr.n && list_item(sr.p[i], sr.len[i], mark, sizeof mark, &o))
				list_block(c, &sr, &i, w, depth);
		} else if (i + 1 < sr.n && memchr(p, '|', len) && delim_row(sr.p[i + 1], sr.len[i + 1])) {
			size_t j = i + 2;
			while (j < sr.n && !blank(sr.p[j], sr.len[j]) && memchr(sr.p[j], '|', sr.len[j]))
				j++;
			table(c, &sr, i, j, w);
			i = j;
		} else if (indent_of(p, len, NULL) >= 4 && (i == 0 || blank(sr.p[i - 1], sr.len[i - 1]))) {
			i = indented_code(c, &sr, i, w);
		} else if (i + 1 < sr.n && setext(sr.p[i + 1], sr.len[i + 1])) {
			heading(c, p, len, setext(sr.p[i + 1], sr.len[i + 1]), w);
			i += 2;
		} else {
			size_t j = para_end(&sr, i);
			paragraph(c, &sr, i, j, 0, SG_ROLE_NORMAL, w);
			i = j;
		}
	}
	src_free(&sr);
}

size_t sg_md_render(const char *src, size_t len, int width, int unicode, struct sg_md_doc *out)
{
	struct ctx c = { out, unicode };

	sg_md_doc_free(out);
	if (width < 8)
		width = 8;
	render(&c, src ? src : "", src ? len : 0, width, 0);
	while (out->n && !out->lines[out->n - 1].len) {
		out->n--;
		free(out->lines[out->n].text);
		free(out->lines[out->n].spans);
	}
	return out->n;
}

void sg_md_doc_free(struct sg_md_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->lines[i].text);
		free(doc->lines[i].spans);
	}
	free(doc->lines);
	memset(doc, 0, sizeof *doc);
}

int sg_md_line_width(const struct sg_md_line *l)
{
	return width_of(l->text, l->len);
}
