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
	struct sg_ansi_text *t;
	size_t cap;
	size_t line;        /* where the current line starts in t->text */
	size_t span_start;  /* where the current style started */
	short fg;
	unsigned char bold;
};

/* Closes the current style's span at the end of the text. */
static void flush_span(struct cleaner *c)
{
	struct sg_ansi_text *t = c->t;

	if ((c->fg >= 0 || c->bold) && t->len > c->span_start) {
		if (t->nspans == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 16;
			t->spans = sg_xrealloc(t->spans, t->cap * sizeof *t->spans);
		}
		t->spans[t->nspans++] = (struct sg_ansi_span){ c->span_start, t->len - c->span_start,
							      c->fg, c->bold };
	}
	c->span_start = t->len;
}

static void put(struct cleaner *c, const char *s, size_t n)
{
	struct sg_ansi_text *t = c->t;

	if (t->len + n + 1 > c->cap) {
		while (t->len + n + 1 > c->cap)
			c->cap = c->cap ? 2 * c->cap : 256;
		t->text = sg_xrealloc(t->text, c->cap);
	}
	memcpy(t->text + t->len, s, n);
	t->len += n;
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
	t->len = at;
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
	size_t at = c->t->len;

	if (at <= c->line)
		return;
	flush_span(c);
	at--;
	while (at > c->line && ((unsigned char)c->t->text[at] & 0xc0) == 0x80)
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

/* A CSI sequence starting at in[i] (just past "ESC ["); returns the index
 * past its final byte (n when cut off). */
static size_t csi(struct cleaner *c, const char *in, size_t n, size_t i)
{
	long p[SGR_MAX_PARAMS];
	int np = 0, digits = 0, priv = 0;
	long cur = 0;

	for (; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch >= '0' && ch <= '9') {
			if (cur < 100000)
				cur = cur * 10 + (ch - '0');
			digits = 1;
		} else if (ch == ';' || ch == ':') {
			if (np < SGR_MAX_PARAMS)
				p[np++] = digits ? cur : 0;
			cur = 0;
			digits = 0;
		} else if (ch >= 0x3c && ch <= 0x3f) {
			priv = 1; /* private parameters: not an SGR we know */
		} else if (ch >= 0x20 && ch <= 0x2f) {
			priv = 1; /* intermediate bytes */
		} else if (ch >= 0x40 && ch <= 0x7e) {
			if (ch == 'm' && !priv) {
				if ((digits || np > 0) && np < SGR_MAX_PARAMS)
					p[np++] = digits ? cur : 0;
				apply_sgr(c, p, np);
			}
			return i + 1;
		} else {
			return i; /* not a CSI byte: the sequence ends here */
		}
	}
	return n;
}

/* An OSC (just past "ESC ]"): up to BEL or ESC \. */
static size_t osc(const char *in, size_t n, size_t i)
{
	for (; i < n; i++) {
		if (in[i] == '\a')
			return i + 1;
		if (in[i] == ESC)
			return i + 1 < n && in[i + 1] == '\\' ? i + 2 : i + 1;
	}
	return n;
}

/* An escape at in[i]; returns the index past the sequence. */
static size_t escape(struct cleaner *c, const char *in, size_t n, size_t i)
{
	if (i + 1 >= n)
		return n;
	switch (in[i + 1]) {
	case '[': return csi(c, in, n, i + 2);
	case ']': case 'P': case '_': case '^': return osc(in, n, i + 2);
	default:
		i++;
		while (i < n && (unsigned char)in[i] >= 0x20 && (unsigned char)in[i] <= 0x2f)
			i++;    /* intermediates, as in ESC ( B */
		return i < n ? i + 1 : n;
	}
}

void sg_ansi_clean(const char *in, size_t n, struct sg_ansi_text *out)
{
	struct cleaner c = { .t = out, .fg = -1 };
	size_t i = 0;

	memset(out, 0, sizeof *out);
	put(&c, "", 0);
	while (i < n) {
		unsigned char ch = (unsigned char)in[i];
		size_t run = i;
		/* copy plain bytes in one go */
		while (run < n && ((unsigned char)in[run] >= 0x20 || in[run] == '\t') &&
		       in[run] != 0x7f)
			run++;
		if (run > i) {
			put(&c, in + i, run - i);
			i = run;
			continue;
		}
		if (ch == ESC) {
			i = escape(&c, in, n, i);
		} else if (ch == '\n') {
			put(&c, "\n", 1);
			c.line = out->len;
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
	out->text[out->len] = '\0';
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
		if (ch < 0x20 && ch != '\n' && ch != '\t')
			return 1;
		if (ch == 0x7f)
			return 1;
	}
	return 0;
}
