/* ansi.c — terminal escape sequences in program output, made safe to show. */
#include "sgconfig.h"
#include <stdlib.h>
#include <string.h>
#include "core/ansi.h"
#include "core/util.h"

#define ESC 0x1b
#define SGR_MAX_PARAMS 32

/* The cleaner's state: the text so far and the style of what comes next. */
struct cleaner {
	struct sg_ansi_text *t;  /* its spans (the text is built in text) */
	struct sg_buf text;
	size_t line;        /* where the current line starts in text */
	size_t span_start;  /* where the current style started */
	short fg;
	unsigned char bold;
};

/* Closes the current style's span at the end of the text. */
static void flush_span(struct cleaner *c)
{
	struct sg_ansi_text *t = c->t;
	size_t len = c->text.len;

	if ((c->fg >= 0 || c->bold) && len > c->span_start) {
		if (t->nspans == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 16;
			t->spans = sg_xrealloc(t->spans, t->cap * sizeof *t->spans);
		}
		t->spans[t->nspans++] = (struct sg_ansi_span){ c->span_start, len - c->span_start,
							      c->fg, c->bold };
	}
	c->span_start = len;
}

/* Cuts the text back to byte at, dropping or shortening spans past it. */
static void truncate_to(struct cleaner *c, size_t at)
{
	struct sg_ansi_text *t = c->t;

	while (t->nspans && t->spans[t->nspans - 1].off >= at)
		t->nspans--;
	if (t->nspans) {
		struct sg_ansi_span *s = &t->spans[t->nspans - 1];
		if (s->off + s->len > at)
			s->len = at - s->off;
	}
	sg_buf_truncate(&c->text, at);
	if (c->span_start > at)
		c->span_start = at;
}

/* A carriage return on its own: the line is written again from its start. */
static void carriage_return(struct cleaner *c)
{
	flush_span(c);
	truncate_to(c, c->line);
}

/* A backspace: the line's last character goes (never past the line start). */
static void backspace(struct cleaner *c)
{
	size_t at = c->text.len;

	if (at <= c->line)
		return;
	flush_span(c);
	at--;
	while (at > c->line && ((unsigned char)c->text.data[at] & 0xc0) == 0x80)
		at--;
	truncate_to(c, at);
}

/* Nearest cube color (16..231) for a 24-bit color. */
static short cube_color(long r, long g, long b)
{
	long v[3] = { r, g, b };
	int idx[3];

	for (int i = 0; i < 3; i++) {
		long x = v[i] < 0 ? 0 : v[i] > 255 ? 255 : v[i];
		idx[i] = x < 48 ? 0 : x < 115 ? 1 : (int)((x - 35) / 40);
		if (idx[i] > 5)
			idx[i] = 5;
	}
	return (short)(16 + 36 * idx[0] + 6 * idx[1] + idx[2]);
}

/* Applies SGR parameters p[0..n) to the style. */
static void apply_sgr(struct cleaner *c, const long *p, int n)
{
	short fg = c->fg;
	unsigned char bold = c->bold;

	if (n == 0) {
		fg = -1;
		bold = 0;
	}
	for (int i = 0; i < n; i++) {
		long v = p[i];
		if (v == 0) {
			fg = -1;
			bold = 0;
		} else if (v == 1) {
			bold = 1;
		} else if (v == 22) {
			bold = 0;
		} else if (v >= 30 && v <= 37) {
			fg = (short)(v - 30);
		} else if (v >= 90 && v <= 97) {
			fg = (short)(v - 90 + 8);
		} else if (v == 39) {
			fg = -1;
		} else if (v == 38 || v == 48) {
			/* extended colors: 5;N or 2;R;G;B (backgrounds skipped) */
			if (i + 2 < n && p[i + 1] == 5) {
				if (v == 38 && p[i + 2] >= 0 && p[i + 2] <= 255)
					fg = (short)p[i + 2];
				i += 2;
			} else if (i + 4 < n && p[i + 1] == 2) {
				if (v == 38)
					fg = cube_color(p[i + 2], p[i + 3], p[i + 4]);
				i += 4;
			} else {
				i = n; /* malformed: ignore the rest */
			}
		}
	}
	if (fg != c->fg || bold != c->bold) {
		flush_span(c);
		c->fg = fg;
		c->bold = bold;
	}
}

/* ---- the escape scanner (one for cleaning and stripping) ---- */

/* One escape sequence found by scan(). */
struct seq {
	size_t len;         /* bytes of the whole sequence */
	const char *param;  /* CSI: parameter and intermediate bytes */
	size_t nparam;
	char final;         /* CSI: its final byte; 0 when cut off or malformed */
};

/* The C1 control U+0080..U+009F written in UTF-8 (C2 80..C2 9F) at in[i], or 0. */
static int c1_at(const char *in, size_t n, size_t i)
{
	if (i + 1 < n && (unsigned char)in[i] == 0xc2 && (unsigned char)in[i + 1] >= 0x80 &&
	    (unsigned char)in[i + 1] <= 0x9f)
		return (unsigned char)in[i + 1];
	return 0;
}

/* A byte C2 that does not lead a character (the next byte is no UTF-8
 * continuation): read as a broken C1 introducer and dropped, since kept it
 * could meet a stray 0x80-0x9f left by a removed sequence and make a C1
 * control that was not there. */
static int lone_c2(const char *in, size_t n, size_t i)
{
	return (unsigned char)in[i] == 0xc2 &&
	       (i + 1 >= n || ((unsigned char)in[i + 1] & 0xc0) != 0x80);
}

/* Index past a control string (OSC, DCS, SOS, PM, APC) whose body starts at
 * in[i]: it ends at BEL, at ST (ESC \ or C1 ST, both consumed) or before
 * any other ESC, which starts the next sequence. */
static size_t string_end(const char *in, size_t n, size_t i)
{
	for (; i < n; i++) {
		if (in[i] == '\a')
			return i + 1;
		if (in[i] == ESC)
			return i + 1 < n && in[i + 1] == '\\' ? i + 2 : i;
		if (c1_at(in, n, i) == 0x9c)
			return i + 2;
	}
	return n;
}

/* Index past a CSI whose body starts at in[i]: parameter bytes (0x30-0x3f),
 * intermediates (0x20-0x2f), a final byte (0x40-0x7e).  Any other byte ends
 * it unconsumed, so a broken sequence never swallows the text after it. */
static size_t csi_end(const char *in, size_t n, size_t i, struct seq *q)
{
	q->param = in + i;
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch >= 0x40 && ch <= 0x7e) {
			q->final = (char)ch;
			q->nparam = (size_t)(in + i - q->param);
			return i + 1;
		}
		if (ch < 0x20 || ch > 0x3f)
			return i;
	}
	return n;
}

/* The escape sequence starting at in[i], if any: returns its length and
 * fills q, or 0 when in[i] starts none.  ESC followed by 0x40-0x5f is the
 * 7-bit form of a C1 control and reads like it. */
static size_t scan(const char *in, size_t n, size_t i, struct seq *q)
{
	size_t j = i + 2;
	int c1 = c1_at(in, n, i);

	memset(q, 0, sizeof *q);
	if (lone_c2(in, n, i))
		return 1;
	if (!c1 && in[i] != ESC)
		return 0;
	if (!c1) {
		if (i + 1 >= n)
			return n - i;           /* a lone ESC at the end */
		unsigned char x = (unsigned char)in[i + 1];
		if (x >= 0x40 && x <= 0x5f) {
			c1 = x + 0x40;
		} else {
			/* ESC, intermediates, a final byte (ESC ( B, ESC 7, ESC c) */
			for (j = i + 1; j < n && (unsigned char)in[j] >= 0x20 &&
					(unsigned char)in[j] <= 0x2f; j++)
				;
			if (j >= n)
				return n - i;
			if ((unsigned char)in[j] >= 0x30 && (unsigned char)in[j] <= 0x7e)
				j++;
			return j - i;   /* else only ESC and intermediates go */
		}
	}
	switch (c1) {
	case 0x9b: return csi_end(in, n, j, q) - i;
	case 0x90: case 0x98: case 0x9d: case 0x9e: case 0x9f: return string_end(in, n, j) - i;
	default: return j - i;          /* any other C1 control on its own */
	}
}

/* A CSI's parameters: an SGR (final 'm', only digits ; :) is applied. */
static void csi(struct cleaner *c, const struct seq *q)
{
	long p[SGR_MAX_PARAMS];
	int np = 0, digits = 0;
	long cur = 0;

	if (q->final != 'm')
		return;
	for (size_t i = 0; i < q->nparam; i++) {
		unsigned char ch = (unsigned char)q->param[i];
		if (ch >= '0' && ch <= '9') {
			if (cur < 100000)
				cur = cur * 10 + (ch - '0');
			digits = 1;
		} else if (ch == ';' || ch == ':') {
			if (np < SGR_MAX_PARAMS)
				p[np++] = digits ? cur : 0;
			cur = 0;
			digits = 0;
		} else {
			return;   /* private parameters or intermediates: not an SGR we know */
		}
	}
	if ((digits || np > 0) && np < SGR_MAX_PARAMS)
		p[np++] = digits ? cur : 0;
	apply_sgr(c, p, np);
}

void sg_ansi_clean(const char *in, size_t n, struct sg_ansi_text *out)
{
	struct cleaner c = { .t = out, .fg = -1 };
	size_t i = 0;

	memset(out, 0, sizeof *out);
	sg_buf_add(&c.text, "", 0);
	while (i < n) {
		unsigned char ch = (unsigned char)in[i];
		size_t run = i;
		struct seq q;
		/* copy plain bytes in one go */
		while (run < n && ((unsigned char)in[run] >= 0x20 || in[run] == '\t') &&
		       in[run] != 0x7f && !c1_at(in, n, run) && !lone_c2(in, n, run))
			run++;
		if (run > i) {
			sg_buf_add(&c.text, in + i, run - i);
			i = run;
			continue;
		}
		size_t k = scan(in, n, i, &q);
		if (k) {
			csi(&c, &q);
			i += k;
		} else if (ch == '\n') {
			sg_buf_putc(&c.text, '\n');
			c.line = c.text.len;
			i++;
		} else if (ch == '\r') {
			if (i + 1 < n && in[i + 1] == '\n') {
				i++;
				continue;
			}
			carriage_return(&c);
			i++;
		} else if (ch == '\b') {
			backspace(&c);
			i++;
		} else {
			i++;    /* other control bytes */
		}
	}
	flush_span(&c);
	out->text = sg_buf_take(&c.text, &out->len);
}

void sg_ansi_text_done(struct sg_ansi_text *t)
{
	free(t->text);
	free(t->spans);
	memset(t, 0, sizeof *t);
}

int sg_ansi_needed(const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f || c1_at(in, n, i) ||
		    lone_c2(in, n, i))
			return 1;
	}
	return 0;
}

size_t sg_ansi_strip(char *s, size_t n)
{
	size_t w = 0;
	struct seq q;

	for (size_t i = 0; i < n;) {
		size_t k = s[i] == ESC || (unsigned char)s[i] == 0xc2 ? scan(s, n, i, &q) : 0;
		if (k)
			i += k;
		else
			s[w++] = s[i++];
	}
	if (w < n)
		s[w] = '\0';
	return w;
}
