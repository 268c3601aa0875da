/* textbuf.c — lines, cursor, edits with undo, the shared register. */
#include "sgconfig.h"
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "core/textbuf.h"
#include "core/util.h"

struct tb_line {
	char *s;
	size_t len, cap;
};

/* Kinds of edits, for undo grouping: a run of one kind is one group. */
enum tb_kind { K_NONE, K_TYPE, K_BACK, K_DEL, K_KILL, K_OTHER };

/* One edit: at pos, del[0..ndel) was replaced by ins[0..nins). */
struct tb_rec {
	struct sg_tb_pos pos, before, after;
	char *del, *ins;
	size_t ndel, nins;
	unsigned long group;
};

struct sg_textbuf {
	struct tb_line *l;
	size_t n, cap;
	struct sg_tb_pos cur, mark;
	int has_mark;
	int want;                  /* wanted display column, -1: none */
	int tabw;
	unsigned long version;
	struct tb_rec *rec;
	size_t nrec, nundo, caprec; /* records [0, nundo) are done, the rest undone */
	unsigned long group;
	enum tb_kind last;
	int nest;
	int dropped;               /* the oldest records were dropped */
	size_t bytes;              /* sg_textbuf_size */
};

#define UNDO_MAX 4000  /* records kept; the oldest are dropped beyond it */

/* ---- the register ------------------------------------------------------- */

static char *reg_text;
static size_t reg_len;
static int reg_lines;

void sg_register_set(const char *text, size_t len, int linewise)
{
	char *t = sg_xmalloc(len + 1);

	memcpy(t, text, len);
	t[len] = '\0';
	free(reg_text);
	reg_text = t;
	reg_len = len;
	reg_lines = linewise;
}

const char *sg_register_get(size_t *len, int *linewise)
{
	if (len)
		*len = reg_len;
	if (linewise)
		*linewise = reg_lines;
	return reg_text ? reg_text : "";
}

void sg_register_clear(void)
{
	free(reg_text);
	reg_text = NULL;
	reg_len = 0;
	reg_lines = 0;
}

/* Appends to the register (consecutive kills). */
static void reg_append(const char *text, size_t len)
{
	char *t = sg_xmalloc(reg_len + len + 1);

	if (reg_len)
		memcpy(t, reg_text, reg_len);
	memcpy(t + reg_len, text, len);
	t[reg_len + len] = '\0';
	free(reg_text);
	reg_text = t;
	reg_len += len;
	reg_lines = 0;
}

/* ---- UTF-8 and widths ------------------------------------------------------ */

/* Length of the valid UTF-8 character at s[0..n), or 1 for an invalid
 * byte; *cp gets the code point (-1 when invalid). */
static size_t u8_next(const char *s, size_t n, long *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	long c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		c = u[0] & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* overlong, surrogate or out of range */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = -1;
	return 1;
}

/* Start of the character that ends at byte i of s (i > 0). */
static size_t u8_prev(const char *s, size_t i)
{
	size_t j = i - 1;
	long cp;

	for (size_t k = 0; k < 3 && j > 0 && ((unsigned char)s[j] & 0xc0) == 0x80; k++)
		j--;
	if (u8_next(s + j, i - j, &cp) == i - j)
		return j;
	return i - 1;
}

int sg_tb_char_width(const char *s, size_t n, int at, int tabwidth, size_t *bytes)
{
	long cp;
	size_t len = u8_next(s, n, &cp);
	int w;

	if (bytes)
		*bytes = len;
	if (cp == '\t')
		return tabwidth - at % tabwidth;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return 1;
	if (cp < 0x7f)
		return 1;
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 1;
	return w > 2 ? 2 : w;
}

/* ---- lines -------------------------------------------------------------- */

static void line_reserve(struct tb_line *l, size_t need)
{
	if (need + 1 <= l->cap)
		return;
	l->cap = l->cap ? l->cap : 16;
	while (l->cap < need + 1)
		l->cap *= 2;
	l->s = sg_xrealloc(l->s, l->cap);
}

static void line_set(struct tb_line *l, const char *s, size_t len)
{
	line_reserve(l, len);
	if (len)
		memcpy(l->s, s, len);
	l->len = len;
}

/* Makes room for k new empty lines at index at. */
static void lines_open(struct sg_textbuf *tb, size_t at, size_t k)
{
	if (tb->n + k > tb->cap) {
		size_t cap = tb->cap ? tb->cap : 8;
		while (cap < tb->n + k)
			cap *= 2;
		tb->l = sg_xrealloc(tb->l, cap * sizeof *tb->l);
		tb->cap = cap;
	}
	memmove(tb->l + at + k, tb->l + at, (tb->n - at) * sizeof *tb->l);
	memset(tb->l + at, 0, k * sizeof *tb->l);
	tb->n += k;
}

/* Removes lines [at, at + k). */
static void lines_close(struct sg_textbuf *tb, size_t at, size_t k)
{
	for (size_t i = at; i < at + k; i++)
		free(tb->l[i].s);
	memmove(tb->l + at, tb->l + at + k, (tb->n - at - k) * sizeof *tb->l);
	tb->n -= k;
}

static int pos_cmp(struct sg_tb_pos a, struct sg_tb_pos b)
{
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	return a.col < b.col ? -1 : a.col > b.col;
}

/* pos clamped into the text, on a character boundary. */
static struct sg_tb_pos clamp(const struct sg_textbuf *tb, struct sg_tb_pos p)
{
	if (p.line >= tb->n)
		p.line = tb->n - 1;
	const struct tb_line *l = &tb->l[p.line];
	if (p.col >= l->len)
		p.col = l->len;
	else if (((unsigned char)l->s[p.col] & 0xc0) == 0x80) {
		/* walk from the start: only that knows where characters begin */
		size_t i = 0, prev = 0;
		long cp;
		while (i <= p.col) {
			prev = i;
			i += u8_next(l->s + i, l->len - i, &cp);
		}
		p.col = prev;
	}
	return p;
}

/* Inserts text at p without recording; returns where it ends. */
static struct sg_tb_pos raw_insert(struct sg_textbuf *tb, struct sg_tb_pos p, const char *text,
				   size_t len)
{
	size_t nl = 0;

	tb->bytes += len;
	for (size_t i = 0; i < len; i++)
		nl += text[i] == '\n';
	if (!nl) {
		struct tb_line *l = &tb->l[p.line];
		line_reserve(l, l->len + len);
		memmove(l->s + p.col + len, l->s + p.col, l->len - p.col);
		memcpy(l->s + p.col, text, len);
		l->len += len;
		return (struct sg_tb_pos){ p.line, p.col + len };
	}
	lines_open(tb, p.line + 1, nl);
	struct tb_line *first = &tb->l[p.line], *last = &tb->l[p.line + nl];
	size_t taillen = first->len - p.col;
	/* the tail of the split line goes after the last inserted line */
	const char *seg = text, *end = text + len;
	const char *lastseg = text + len;
	while (lastseg > text && lastseg[-1] != '\n')
		lastseg--;
	size_t lastlen = (size_t)(end - lastseg);
	line_reserve(last, lastlen + taillen);
	memcpy(last->s, lastseg, lastlen);
	if (taillen)
		memcpy(last->s + lastlen, first->s + p.col, taillen);
	last->len = lastlen + taillen;
	/* the first segment replaces the tail of the split line */
	const char *nlp = memchr(seg, '\n', len);
	size_t firstlen = (size_t)(nlp - seg);
	first->len = p.col;
	line_reserve(first, p.col + firstlen);
	memcpy(first->s + p.col, seg, firstlen);
	first->len = p.col + firstlen;
	seg = nlp + 1;
	for (size_t k = 1; k < nl; k++) {
		nlp = memchr(seg, '\n', (size_t)(end - seg));
		line_set(&tb->l[p.line + k], seg, (size_t)(nlp - seg));
		seg = nlp + 1;
	}
	return (struct sg_tb_pos){ p.line + nl, lastlen };
}

/* Bytes in [a, b) (a <= b), newlines included. */
static size_t range_bytes(const struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b)
{
	size_t n;

	if (a.line == b.line)
		return b.col - a.col;
	n = tb->l[a.line].len - a.col + b.col + (b.line - a.line);
	for (size_t i = a.line + 1; i < b.line; i++)
		n += tb->l[i].len;
	return n;
}

/* Deletes [a, b) (a <= b) without recording. */
static void raw_delete(struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b)
{
	struct tb_line *la = &tb->l[a.line];

	tb->bytes -= range_bytes(tb, a, b);
	if (a.line == b.line) {
		memmove(la->s + a.col, la->s + b.col, la->len - b.col);
		la->len -= b.col - a.col;
		return;
	}
	struct tb_line *lb = &tb->l[b.line];
	size_t tail = lb->len - b.col;
	line_reserve(la, a.col + tail);
	if (tail)
		memcpy(la->s + a.col, lb->s + b.col, tail);
	la->len = a.col + tail;
	lines_close(tb, a.line + 1, b.line - a.line);
}

char *sg_textbuf_range_text(const struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b,
			    size_t *len)
{
	size_t total = 0, o = 0;
	char *out;

	if (pos_cmp(a, b) > 0) {
		struct sg_tb_pos t = a;
		a = b;
		b = t;
	}
	a = clamp(tb, a);
	b = clamp(tb, b);
	for (size_t i = a.line; i <= b.line; i++) {
		size_t s = i == a.line ? a.col : 0, e = i == b.line ? b.col : tb->l[i].len;
		total += e - s + (i < b.line);
	}
	out = sg_xmalloc(total + 1);
	for (size_t i = a.line; i <= b.line; i++) {
		size_t s = i == a.line ? a.col : 0, e = i == b.line ? b.col : tb->l[i].len;
		if (e > s)
			memcpy(out + o, tb->l[i].s + s, e - s);
		o += e - s;
		if (i < b.line)
			out[o++] = '\n';
	}
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}

/* Where text inserted at p ends. */
static struct sg_tb_pos end_of(struct sg_tb_pos p, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			p.line++;
			p.col = 0;
		} else {
			p.col++;
		}
	}
	return p;
}

/* ---- undo records ------------------------------------------------------------ */

static void rec_free(struct tb_rec *r)
{
	free(r->del);
	free(r->ins);
}

/* Drops the undone records (a new edit forks history). */
static void redo_forget(struct sg_textbuf *tb)
{
	for (size_t i = tb->nundo; i < tb->nrec; i++)
		rec_free(&tb->rec[i]);
	tb->nrec = tb->nundo;
}

/* The group a new edit of kind k belongs to. */
static unsigned long group_for(struct sg_textbuf *tb, enum tb_kind k)
{
	if (tb->nest > 0) {
		tb->last = k;
		return tb->group;
	}
	if (k != tb->last || k == K_OTHER)
		tb->group++;
	tb->last = k;
	return tb->group;
}

/* Replaces [a, b) with ins (recorded, kind k); the cursor goes to the end of
 * the inserted text.  Returns that position. */
static struct sg_tb_pos edit(struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b,
			     const char *ins, size_t nins, enum tb_kind k)
{
	struct tb_rec r = { 0 };

	if (pos_cmp(a, b) > 0) {
		struct sg_tb_pos t = a;
		a = b;
		b = t;
	}
	if (nins > 0 && tb->bytes - range_bytes(tb, a, b) + nins > SG_TEXTBUF_MAX &&
	    nins > range_bytes(tb, a, b))
		return tb->cur;  /* refused: the text would grow past the limit */
	r.pos = a;
	r.before = tb->cur;
	r.del = sg_textbuf_range_text(tb, a, b, &r.ndel);
	r.ins = sg_xmalloc(nins + 1);
	if (nins)
		memcpy(r.ins, ins, nins);
	r.nins = nins;
	r.group = group_for(tb, k);
	if (pos_cmp(a, b) < 0)
		raw_delete(tb, a, b);
	/* Clamped: in text that is not valid UTF-8 an edit can join bytes into
	 * one character around the cursor (a lone lead byte meets a lone
	 * continuation byte), which would leave it inside that character. */
	tb->cur = clamp(tb, nins ? raw_insert(tb, a, ins, nins) : a);
	r.after = tb->cur;
	redo_forget(tb);
	if (tb->nrec == UNDO_MAX) {
		/* drop the oldest whole group */
		size_t k2 = 1;
		while (k2 < tb->nrec && tb->rec[k2].group == tb->rec[0].group)
			k2++;
		for (size_t i = 0; i < k2; i++)
			rec_free(&tb->rec[i]);
		memmove(tb->rec, tb->rec + k2, (tb->nrec - k2) * sizeof *tb->rec);
		tb->nrec -= k2;
		tb->dropped = 1;
	}
	if (tb->nrec == tb->caprec) {
		tb->caprec = tb->caprec ? tb->caprec * 2 : 32;
		tb->rec = sg_xrealloc(tb->rec, tb->caprec * sizeof *tb->rec);
	}
	tb->rec[tb->nrec++] = r;
	tb->nundo = tb->nrec;
	tb->version++;
	tb->want = -1;
	tb->has_mark = 0;
	return tb->cur;
}

/* The last record's cursor-after is where the cursor is now. */
static void fix_after(struct sg_textbuf *tb)
{
	if (tb->nundo)
		tb->rec[tb->nundo - 1].after = tb->cur;
}

/* Replaces the text a record put at pos (gone, ngone bytes) with what it
 * replaced (back, nback bytes): the undo of the record, or its redo with the
 * two swapped. */
static void swap_text(struct sg_textbuf *tb, struct sg_tb_pos pos, const char *gone,
		      size_t ngone, const char *back, size_t nback)
{
	struct sg_tb_pos e = end_of(pos, gone, ngone);
	if (pos_cmp(pos, e) < 0)
		raw_delete(tb, pos, e);
	if (nback)
		raw_insert(tb, pos, back, nback);
}

/* After an undo or redo: the cursor on a boundary, no pending group. */
static void after_history(struct sg_textbuf *tb)
{
	tb->cur = clamp(tb, tb->cur);
	tb->version++;
	tb->last = K_NONE;
	tb->has_mark = 0;
	tb->want = -1;
}

int sg_textbuf_undo(struct sg_textbuf *tb)
{
	if (!tb->nundo)
		return 0;
	unsigned long g = tb->rec[tb->nundo - 1].group;
	while (tb->nundo && tb->rec[tb->nundo - 1].group == g) {
		struct tb_rec *r = &tb->rec[--tb->nundo];
		swap_text(tb, r->pos, r->ins, r->nins, r->del, r->ndel);
		tb->cur = r->before;
	}
	after_history(tb);
	return 1;
}

int sg_textbuf_redo(struct sg_textbuf *tb)
{
	if (tb->nundo == tb->nrec)
		return 0;
	unsigned long g = tb->rec[tb->nundo].group;
	while (tb->nundo < tb->nrec && tb->rec[tb->nundo].group == g) {
		struct tb_rec *r = &tb->rec[tb->nundo++];
		swap_text(tb, r->pos, r->del, r->ndel, r->ins, r->nins);
		tb->cur = r->after;
	}
	after_history(tb);
	return 1;
}

void sg_textbuf_undo_break(struct sg_textbuf *tb)
{
	if (tb->nest == 0)
		tb->last = K_NONE;
}

void sg_textbuf_group_begin(struct sg_textbuf *tb)
{
	if (tb->nest++ == 0) {
		tb->group++;
		tb->last = K_NONE;
	}
}

void sg_textbuf_group_end(struct sg_textbuf *tb)
{
	/* last stays the kind of the group's last edit: typing on after a
	 * group that ended in typing (text typed over a selection) joins it */
	if (tb->nest > 0)
		tb->nest--;
}

int sg_textbuf_undo_complete(const struct sg_textbuf *tb)
{
	return !tb->dropped;
}

void sg_textbuf_undo_clear(struct sg_textbuf *tb)
{
	tb->dropped = 0;
	for (size_t i = 0; i < tb->nrec; i++)
		rec_free(&tb->rec[i]);
	tb->nrec = tb->nundo = 0;
	tb->last = K_NONE;
}

/* ---- whole buffer ------------------------------------------------------------ */

struct sg_textbuf *sg_textbuf_new(void)
{
	return sg_textbuf_new_text("", 0);
}

struct sg_textbuf *sg_textbuf_new_text(const char *text, size_t len)
{
	struct sg_textbuf *tb = sg_xcalloc(1, sizeof *tb);

	tb->tabw = 4;
	tb->want = -1;
	lines_open(tb, 0, 1);
	sg_textbuf_set_text(tb, text, len);
	return tb;
}

void sg_textbuf_free(struct sg_textbuf *tb)
{
	if (!tb)
		return;
	sg_textbuf_undo_clear(tb);
	free(tb->rec);
	for (size_t i = 0; i < tb->n; i++)
		free(tb->l[i].s);
	free(tb->l);
	free(tb);
}

void sg_textbuf_set_text(struct sg_textbuf *tb, const char *text, size_t len)
{
	lines_close(tb, 1, tb->n - 1);
	tb->l[0].len = 0;
	tb->bytes = 0;
	raw_insert(tb, (struct sg_tb_pos){ 0, 0 }, text ? text : "", text ? len : 0);
	tb->cur = (struct sg_tb_pos){ 0, 0 };
	tb->has_mark = 0;
	tb->want = -1;
	sg_textbuf_undo_clear(tb);
	tb->version++;
}

char *sg_textbuf_text(const struct sg_textbuf *tb, size_t *len)
{
	struct tb_line *last = &tb->l[tb->n - 1];
	return sg_textbuf_range_text(tb, (struct sg_tb_pos){ 0, 0 },
				     (struct sg_tb_pos){ tb->n - 1, last->len }, len);
}

size_t sg_textbuf_size(const struct sg_textbuf *tb)
{
	return tb->bytes;
}

size_t sg_textbuf_lines(const struct sg_textbuf *tb)
{
	return tb->n;
}

const char *sg_textbuf_line(const struct sg_textbuf *tb, size_t i, size_t *len)
{
	if (i >= tb->n || !tb->l[i].len) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = tb->l[i].len;
	return tb->l[i].s;
}

unsigned long sg_textbuf_version(const struct sg_textbuf *tb)
{
	return tb->version;
}

/* ---- cursor and columns ------------------------------------------------------- */

struct sg_tb_pos sg_textbuf_cursor(const struct sg_textbuf *tb)
{
	return tb->cur;
}

void sg_textbuf_set_cursor(struct sg_textbuf *tb, struct sg_tb_pos pos)
{
	tb->cur = clamp(tb, pos);
	tb->want = -1;
	sg_textbuf_undo_break(tb);
}

void sg_textbuf_set_tabwidth(struct sg_textbuf *tb, int w)
{
	tb->tabw = w < 1 ? 1 : w > 16 ? 16 : w;
}

int sg_textbuf_tabwidth(const struct sg_textbuf *tb)
{
	return tb->tabw;
}

int sg_textbuf_display_col(const struct sg_textbuf *tb, size_t line, size_t col)
{
	const struct tb_line *l;
	int d = 0;

	if (line >= tb->n)
		return 0;
	l = &tb->l[line];
	for (size_t i = 0; i < col && i < l->len;) {
		size_t b;
		d += sg_tb_char_width(l->s + i, l->len - i, d, tb->tabw, &b);
		i += b;
	}
	return d;
}

size_t sg_textbuf_col_at(const struct sg_textbuf *tb, size_t line, int dcol)
{
	const struct tb_line *l;
	int d = 0;
	size_t i = 0;

	if (line >= tb->n)
		return 0;
	l = &tb->l[line];
	while (i < l->len) {
		size_t b;
		int w = sg_tb_char_width(l->s + i, l->len - i, d, tb->tabw, &b);
		if (d + w > dcol)
			break;
		d += w;
		i += b;
	}
	return i;
}

void sg_textbuf_set_mark(struct sg_textbuf *tb)
{
	tb->mark = tb->cur;
	tb->has_mark = 1;
}

void sg_textbuf_clear_mark(struct sg_textbuf *tb)
{
	tb->has_mark = 0;
}

int sg_textbuf_selection(const struct sg_textbuf *tb, struct sg_tb_pos *start,
			 struct sg_tb_pos *end)
{
	struct sg_tb_pos a = clamp(tb, tb->mark), b = tb->cur;

	if (!tb->has_mark)
		return 0;
	if (pos_cmp(a, b) > 0) {
		struct sg_tb_pos t = a;
		a = b;
		b = t;
	}
	if (start)
		*start = a;
	if (end)
		*end = b;
	return 1;
}

/* ---- motions ------------------------------------------------------------------ */

/* Character classes for word motions: blanks (and line ends), word
 * characters (letters, digits, _, any non-ASCII), punctuation. */
enum { C_BLANK, C_WORD, C_PUNCT };

static int cls_byte(unsigned char c)
{
	if (c == ' ' || c == '\t')
		return C_BLANK;
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '_' || c >= 0x80)
		return C_WORD;
	return C_PUNCT;
}

/* Class of the character at p (a line end is blank). */
static int cls_at(const struct sg_textbuf *tb, struct sg_tb_pos p)
{
	const struct tb_line *l = &tb->l[p.line];
	return p.col < l->len ? cls_byte((unsigned char)l->s[p.col]) : C_BLANK;
}

/* Steps p one character forward (a line end steps to the next line);
 * returns 0 at the end of the text. */
static int step_fwd(const struct sg_textbuf *tb, struct sg_tb_pos *p)
{
	const struct tb_line *l = &tb->l[p->line];
	long cp;

	if (p->col < l->len) {
		p->col += u8_next(l->s + p->col, l->len - p->col, &cp);
		return 1;
	}
	if (p->line + 1 < tb->n) {
		p->line++;
		p->col = 0;
		return 1;
	}
	return 0;
}

/* Steps p one character back; returns 0 at the start of the text. */
static int step_back(const struct sg_textbuf *tb, struct sg_tb_pos *p)
{
	if (p->col > 0) {
		p->col = u8_prev(tb->l[p->line].s, p->col);
		return 1;
	}
	if (p->line > 0) {
		p->line--;
		p->col = tb->l[p->line].len;
		return 1;
	}
	return 0;
}

static size_t first_nonblank(const struct tb_line *l)
{
	size_t i = 0;
	while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return i;
}

/* vi w: past this run of one class, then past blanks; stops on an empty
 * line. */
static struct sg_tb_pos vi_word_next(const struct sg_textbuf *tb, struct sg_tb_pos p)
{
	int c = cls_at(tb, p);
	struct sg_tb_pos q = p;

	if (c != C_BLANK)
		while (cls_at(tb, q) == c && q.col < tb->l[q.line].len && step_fwd(tb, &q))
			;
	while (cls_at(tb, q) == C_BLANK) {
		size_t line = q.line;
		if (!step_fwd(tb, &q))
			break;
		if (q.line != line && tb->l[q.line].len == 0)
			break;
	}
	return q;
}

/* vi e: at least one forward, past blanks, to the last character of the run. */
static struct sg_tb_pos vi_word_end(const struct sg_textbuf *tb, struct sg_tb_pos p)
{
	struct sg_tb_pos q = p, n;

	if (!step_fwd(tb, &q))
		return p;
	while (cls_at(tb, q) == C_BLANK && step_fwd(tb, &q))
		;
	int c = cls_at(tb, q);
	for (;;) {
		n = q;
		if (!step_fwd(tb, &n) || n.line != q.line || cls_at(tb, n) != c)
			break;
		q = n;
	}
	return q;
}

/* vi b: back past blanks, then to the start of the run. */
static struct sg_tb_pos vi_word_prev(const struct sg_textbuf *tb, struct sg_tb_pos p)
{
	struct sg_tb_pos q = p, n;

	if (!step_back(tb, &q))
		return p;
	while (cls_at(tb, q) == C_BLANK) {
		if (q.col == 0 && tb->l[q.line].len == 0 && q.line != p.line)
			return q;
		if (!step_back(tb, &q))
			return q;
	}
	int c = cls_at(tb, q);
	for (;;) {
		n = q;
		if (!step_back(tb, &n) || n.line != q.line || cls_at(tb, n) != c)
			break;
		q = n;
	}
	return q;
}

/* emacs M-f: past non-word characters, then past the word. */
static struct sg_tb_pos em_word_next(const struct sg_textbuf *tb, struct sg_tb_pos p)
{
	struct sg_tb_pos q = p;

	while (cls_at(tb, q) != C_WORD && step_fwd(tb, &q))
		;
	while (cls_at(tb, q) == C_WORD && step_fwd(tb, &q))
		;
	return q;
}

/* emacs M-b: back past non-word characters, then to the word's start. */
static struct sg_tb_pos em_word_prev(const struct sg_textbuf *tb, struct sg_tb_pos p)
{
	struct sg_tb_pos q = p, n;

	for (;;) {
		n = q;
		if (!step_back(tb, &n))
			return n;
		q = n;
		if (cls_at(tb, q) == C_WORD)
			break;
	}
	for (;;) {
		n = q;
		if (!step_back(tb, &n) || cls_at(tb, n) != C_WORD)
			break;
		q = n;
	}
	return q;
}

/* Moves p one line by d (+1/-1) at display column want. */
static struct sg_tb_pos vertical(const struct sg_textbuf *tb, struct sg_tb_pos p, long d,
				 int want)
{
	if (d < 0)
		p.line = (size_t)-d > p.line ? 0 : p.line - (size_t)-d;
	else
		p.line = p.line + (size_t)d >= tb->n ? tb->n - 1 : p.line + (size_t)d;
	p.col = sg_textbuf_col_at(tb, p.line, want);
	return p;
}

struct sg_tb_pos sg_textbuf_motion_target(const struct sg_textbuf *tb, enum sg_tb_motion m)
{
	struct sg_tb_pos p = tb->cur;
	const struct tb_line *l = &tb->l[p.line];
	int want = 0;
	size_t fnb;

	if (m == SG_TB_UP || m == SG_TB_DOWN)  /* only these need the column */
		want = tb->want >= 0 ? tb->want : sg_textbuf_display_col(tb, p.line, p.col);

	switch (m) {
	case SG_TB_LEFT: step_back(tb, &p); break;
	case SG_TB_RIGHT: step_fwd(tb, &p); break;
	case SG_TB_LEFT_IN_LINE:
		if (p.col > 0)
			p.col = u8_prev(l->s, p.col);
		break;
	case SG_TB_RIGHT_IN_LINE:
		if (p.col < l->len)
			step_fwd(tb, &p);
		break;
	case SG_TB_UP: p = vertical(tb, p, -1, want); break;
	case SG_TB_DOWN: p = vertical(tb, p, 1, want); break;
	case SG_TB_LINE_START: p.col = 0; break;
	case SG_TB_LINE_FIRST: p.col = first_nonblank(l); break;
	case SG_TB_LINE_END: p.col = l->len; break;
	case SG_TB_SMART_HOME:
		fnb = first_nonblank(l);
		p.col = p.col == fnb ? 0 : fnb;
		break;
	case SG_TB_BUF_START: p = (struct sg_tb_pos){ 0, 0 }; break;
	case SG_TB_BUF_END: p = (struct sg_tb_pos){ tb->n - 1, tb->l[tb->n - 1].len }; break;
	case SG_TB_WORD_NEXT_END: p = em_word_next(tb, p); break;
	case SG_TB_WORD_PREV: p = em_word_prev(tb, p); break;
	case SG_TB_VI_WORD_NEXT: p = vi_word_next(tb, p); break;
	case SG_TB_VI_WORD_END: p = vi_word_end(tb, p); break;
	case SG_TB_VI_WORD_PREV: p = vi_word_prev(tb, p); break;
	}
	return p;
}

int sg_textbuf_move(struct sg_textbuf *tb, enum sg_tb_motion m, int count)
{
	struct sg_tb_pos start = tb->cur;
	int vert = m == SG_TB_UP || m == SG_TB_DOWN;
	int want = tb->want >= 0 ? tb->want : sg_textbuf_display_col(tb, tb->cur.line, tb->cur.col);

	if (count < 1)
		count = 1;
	sg_textbuf_undo_break(tb);
	if (vert) {
		tb->want = want;
		tb->cur = vertical(tb, tb->cur, m == SG_TB_UP ? -(long)count : count, want);
	} else {
		for (int i = 0; i < count; i++) {
			struct sg_tb_pos next = sg_textbuf_motion_target(tb, m);
			if (pos_cmp(next, tb->cur) == 0)
				break;  /* no further: a big count costs nothing more */
			tb->cur = next;
		}
		tb->want = -1;
	}
	return pos_cmp(start, tb->cur) != 0;
}

int sg_textbuf_move_lines(struct sg_textbuf *tb, long n)
{
	struct sg_tb_pos start = tb->cur;
	int want = tb->want >= 0 ? tb->want : sg_textbuf_display_col(tb, tb->cur.line, tb->cur.col);

	sg_textbuf_undo_break(tb);
	tb->want = want;
	tb->cur = vertical(tb, tb->cur, n, want);
	return pos_cmp(start, tb->cur) != 0;
}

/* ---- indentation ---------------------------------------------------------------- */

void sg_textbuf_indent_unit(const struct sg_textbuf *tb, char unit[9])
{
	size_t best = 0;

	for (size_t i = 0; i < tb->n; i++) {
		const struct tb_line *l = &tb->l[i];
		size_t k = first_nonblank(l);
		if (k == l->len)
			continue;
		if (l->s[0] == '\t') {
			strcpy(unit, "\t");
			return;
		}
		if (k >= 2 && k <= 8 && (best == 0 || k < best))
			best = k;
	}
	/* 2 or 3 spaces are a choice; 8 is more likely two levels of 4 */
	if (best == 0 || best > 4)
		best = 4;
	memset(unit, ' ', best);
	unit[best] = '\0';
}

/* Columns one unit spans (a tab counts as the tab width). */
static size_t unit_cols(const struct sg_textbuf *tb, const char *unit)
{
	return unit[0] == '\t' ? (size_t)tb->tabw : strlen(unit);
}

/* True when line starts (after blanks) with one of the words that end a
 * block: return pass break continue raise. */
static int starts_block_end(const struct tb_line *l)
{
	static const char *const words[] = { "return", "pass", "break", "continue", "raise" };
	size_t i = first_nonblank(l);

	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		size_t n = strlen(words[k]);
		if (l->len - i >= n && memcmp(l->s + i, words[k], n) == 0 &&
		    (l->len - i == n || cls_byte((unsigned char)l->s[i + n]) != C_WORD))
			return 1;
	}
	return 0;
}

/* Scans s[0..n) as Python: the net count of brackets opened (negative
 * when it closes more than it opens) and the last significant byte (0 when
 * none); strings and a '#' comment are skipped. */
static int scan_code(const char *s, size_t n, char *last)
{
	char q = 0;
	int depth = 0;

	*last = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (q) {
			if (c == '\\')
				i++;
			else if (c == q)
				q = 0;
			*last = c;
			continue;
		}
		if (c == '#')
			break;
		if (c == '\'' || c == '"')
			q = c;
		else if (c == '(' || c == '[' || c == '{')
			depth++;
		else if (c == ')' || c == ']' || c == '}')
			depth--;
		if (c != ' ' && c != '\t')
			*last = c;
	}
	return depth;
}

/* The line holding the bracket that line's surplus closers (depth < 0)
 * close: walked back at most 200 lines; line itself when not found. */
static size_t opener_line(const struct sg_textbuf *tb, size_t line, int depth)
{
	char last;

	for (size_t j = line, k = 0; j-- > 0 && k < 200; k++) {
		depth += scan_code(tb->l[j].s, tb->l[j].len, &last);
		if (depth >= 0)
			return j;
	}
	return line;
}

/* The indent a new line after line (split at col) should get, into buf:
 * the indent of the line (or of the line whose bracket it closes), one
 * unit more after ':' or inside an open bracket, one less after a
 * statement that ends a block. */
static size_t auto_indent(const struct sg_textbuf *tb, size_t line, size_t col, char *buf,
			  size_t cap)
{
	const struct tb_line *l = &tb->l[line];
	size_t k, n, base = line;
	char unit[9], last;
	int depth = scan_code(l->s, col, &last);

	if (depth < 0)
		base = opener_line(tb, line, depth);
	k = first_nonblank(&tb->l[base]);
	if (base == line && k > col)
		k = col;
	n = k < cap ? k : cap;
	memcpy(buf, tb->l[base].s, n);
	sg_textbuf_indent_unit(tb, unit);
	if (last == ':' || depth > 0) {
		size_t u = strlen(unit);
		if (n + u <= cap) {
			memcpy(buf + n, unit, u);
			n += u;
		}
	} else if (starts_block_end(l) && col > first_nonblank(l)) {
		size_t u = unit_cols(tb, unit);
		if (n && buf[n - 1] == '\t')
			n--;
		else
			for (size_t i = 0; i < u && n && buf[n - 1] == ' '; i++)
				n--;
	}
	return n;
}

/* ---- edits ---------------------------------------------------------------------- */

void sg_textbuf_insert(struct sg_textbuf *tb, const char *text, size_t len)
{
	if (!len)
		return;
	sg_textbuf_undo_break(tb);
	edit(tb, tb->cur, tb->cur, text, len, K_OTHER);
	sg_textbuf_undo_break(tb);
}

/* Dedents a line just typed as "else:", "elif ...:", "except...:" or
 * "finally:" that sits at the indent of the block it closes. */
static void dedent_clause(struct sg_textbuf *tb)
{
	static const char *const words[] = { "else", "elif", "except", "finally" };
	const struct tb_line *l = &tb->l[tb->cur.line];
	size_t k = first_nonblank(l), prev;
	int match = 0;

	if (k == 0 || tb->cur.col != l->len || tb->cur.line == 0)
		return;
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(words[i]);
		if (l->len - k >= n && memcmp(l->s + k, words[i], n) == 0 &&
		    (l->len - k == n || cls_byte((unsigned char)l->s[k + n]) != C_WORD))
			match = 1;
	}
	if (!match)
		return;
	/* the previous non-blank line must be indented at least as much */
	for (prev = tb->cur.line; prev-- > 0;)
		if (first_nonblank(&tb->l[prev]) < tb->l[prev].len)
			break;
	if (prev == (size_t)-1 || first_nonblank(&tb->l[prev]) < k)
		return;
	sg_textbuf_dedent(tb);
}

void sg_textbuf_type(struct sg_textbuf *tb, unsigned cp)
{
	char enc[4];
	size_t n;

	if (cp == '\n') {
		sg_textbuf_newline(tb);
		return;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return;
	if (cp < 0x80) {
		enc[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		enc[0] = (char)(0xc0 | (cp >> 6));
		enc[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		enc[0] = (char)(0xe0 | (cp >> 12));
		enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		enc[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		enc[0] = (char)(0xf0 | (cp >> 18));
		enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		enc[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	edit(tb, tb->cur, tb->cur, enc, n, K_TYPE);
	if (cp == ':') {
		tb->nest++;  /* the dedent joins the typing group */
		dedent_clause(tb);
		tb->nest--;
	}
}

void sg_textbuf_newline(struct sg_textbuf *tb)
{
	struct sg_tb_pos a = tb->cur, b = tb->cur;
	const struct tb_line *l = &tb->l[a.line];
	char buf[257];
	size_t n;

	buf[0] = '\n';
	n = auto_indent(tb, a.line, a.col, buf + 1, sizeof buf - 1);
	if (first_nonblank(l) >= a.col)
		a.col = 0;  /* a line of blanks is emptied */
	while (b.col < l->len && (l->s[b.col] == ' ' || l->s[b.col] == '\t'))
		b.col++;
	edit(tb, a, b, buf, n + 1, K_TYPE);
	/* a line typed is one undo step: long typing undoes a line at a time */
	sg_textbuf_undo_break(tb);
}

void sg_textbuf_newline_plain(struct sg_textbuf *tb)
{
	edit(tb, tb->cur, tb->cur, "\n", 1, K_TYPE);
}

int sg_textbuf_backspace(struct sg_textbuf *tb)
{
	struct sg_tb_pos a = tb->cur;
	const struct tb_line *l = &tb->l[a.line];
	char unit[9];

	if (tb->has_mark)
		return sg_textbuf_delete_selection(tb, 0);
	if (a.col == 0) {
		if (a.line == 0)
			return 0;
		a.line--;
		a.col = tb->l[a.line].len;
	} else if (first_nonblank(l) >= a.col && l->s[a.col - 1] == ' ') {
		sg_textbuf_indent_unit(tb, unit);
		size_t u = unit[0] == '\t' ? (size_t)tb->tabw : strlen(unit);
		size_t d = (size_t)sg_textbuf_display_col(tb, a.line, a.col);
		size_t stop = (d - 1) / u * u;
		/* back over spaces only, to the previous stop */
		while (a.col > 0 && l->s[a.col - 1] == ' ' &&
		       (size_t)sg_textbuf_display_col(tb, a.line, a.col - 1) >= stop)
			a.col--;
		if (a.col == tb->cur.col)
			a.col--;
	} else {
		a.col = u8_prev(l->s, a.col);
	}
	edit(tb, a, tb->cur, "", 0, K_BACK);
	return 1;
}

int sg_textbuf_delete(struct sg_textbuf *tb)
{
	struct sg_tb_pos b = tb->cur;

	if (tb->has_mark)
		return sg_textbuf_delete_selection(tb, 0);
	if (!step_fwd(tb, &b))
		return 0;
	edit(tb, tb->cur, b, "", 0, K_DEL);
	return 1;
}

/* Copies [a, b) to the register. */
void sg_textbuf_copy_range(const struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b,
			   int linewise)
{
	size_t n;
	char *t = sg_textbuf_range_text(tb, a, b, &n);

	sg_register_set(t, n, linewise);
	free(t);
}

int sg_textbuf_delete_range(struct sg_textbuf *tb, struct sg_tb_pos a, struct sg_tb_pos b,
			    int to_register, int linewise)
{
	a = clamp(tb, a);
	b = clamp(tb, b);
	if (pos_cmp(a, b) == 0)
		return 0;
	if (to_register)
		sg_textbuf_copy_range(tb, a, b, linewise);
	edit(tb, a, b, "", 0, K_OTHER);
	return 1;
}

int sg_textbuf_delete_motion(struct sg_textbuf *tb, enum sg_tb_motion m, int count,
			     int to_register)
{
	struct sg_tb_pos save = tb->cur, to;
	int want = tb->want;

	if (count < 1)
		count = 1;
	for (int i = 0; i < count; i++) {
		struct sg_tb_pos next = sg_textbuf_motion_target(tb, m);
		if (pos_cmp(next, tb->cur) == 0)
			break;
		tb->cur = next;
	}
	to = tb->cur;
	tb->cur = save;
	tb->want = want;
	return sg_textbuf_delete_range(tb, save, to, to_register, 0);
}

int sg_textbuf_delete_selection(struct sg_textbuf *tb, int to_register)
{
	struct sg_tb_pos a, b;

	if (!sg_textbuf_selection(tb, &a, &b))
		return 0;
	tb->has_mark = 0;
	return sg_textbuf_delete_range(tb, a, b, to_register, 0) || 1;
}

int sg_textbuf_copy_selection(struct sg_textbuf *tb)
{
	struct sg_tb_pos a, b;

	if (!sg_textbuf_selection(tb, &a, &b))
		return 0;
	sg_textbuf_copy_range(tb, a, b, 0);
	tb->has_mark = 0;
	return 1;
}

int sg_textbuf_kill_line_end(struct sg_textbuf *tb)
{
	struct sg_tb_pos a = tb->cur, b = tb->cur;
	int append = tb->last == K_KILL;
	size_t n;
	char *t;

	if (b.col < tb->l[b.line].len)
		b.col = tb->l[b.line].len;
	else if (!step_fwd(tb, &b))
		return 0;
	t = sg_textbuf_range_text(tb, a, b, &n);
	if (append)
		reg_append(t, n);
	else
		sg_register_set(t, n, 0);
	free(t);
	edit(tb, a, b, "", 0, K_KILL);
	return 1;
}

/* The lines [first, first + count) clamped; *last gets the last. */
static size_t line_span(const struct sg_textbuf *tb, int count, size_t *last)
{
	size_t first = tb->cur.line;

	if (count < 1)
		count = 1;
	*last = first + (size_t)count - 1;
	if (*last >= tb->n)
		*last = tb->n - 1;
	return first;
}

void sg_textbuf_copy_lines(struct sg_textbuf *tb, int count)
{
	size_t last, first = line_span(tb, count, &last);

	sg_textbuf_copy_range(tb, (struct sg_tb_pos){ first, 0 },
			      (struct sg_tb_pos){ last, tb->l[last].len }, 1);
}

int sg_textbuf_kill_lines(struct sg_textbuf *tb, int count)
{
	size_t last, first = line_span(tb, count, &last);
	struct sg_tb_pos a = { first, 0 }, b;

	sg_textbuf_copy_lines(tb, count);
	if (last + 1 < tb->n) {
		b = (struct sg_tb_pos){ last + 1, 0 };
	} else {
		b = (struct sg_tb_pos){ last, tb->l[last].len };
		if (first > 0)
			a = (struct sg_tb_pos){ first - 1, tb->l[first - 1].len };
	}
	edit(tb, a, b, "", 0, K_OTHER);
	tb->cur.line = first < tb->n ? first : tb->n - 1;
	tb->cur.col = first_nonblank(&tb->l[tb->cur.line]);
	fix_after(tb);
	return 1;
}

int sg_textbuf_paste(struct sg_textbuf *tb, int after)
{
	size_t n;
	int lines;
	const char *t = sg_register_get(&n, &lines);

	if (!n && !lines)
		return 0;
	sg_textbuf_undo_break(tb);
	if (lines) {
		char *buf = sg_xmalloc(n + 1);
		size_t line = tb->cur.line;
		if (after) {
			buf[0] = '\n';
			memcpy(buf + 1, t, n);
			edit(tb, (struct sg_tb_pos){ line, tb->l[line].len },
			     (struct sg_tb_pos){ line, tb->l[line].len }, buf, n + 1, K_OTHER);
			line++;
		} else {
			memcpy(buf, t, n);
			buf[n] = '\n';
			edit(tb, (struct sg_tb_pos){ line, 0 }, (struct sg_tb_pos){ line, 0 }, buf,
			     n + 1, K_OTHER);
		}
		free(buf);
		if (line >= tb->n)  /* refused (too big): stay */
			line = tb->n - 1;
		tb->cur = (struct sg_tb_pos){ line, first_nonblank(&tb->l[line]) };
		fix_after(tb);
	} else {
		struct sg_tb_pos p = tb->cur;
		if (after && p.col < tb->l[p.line].len)
			step_fwd(tb, &p);
		edit(tb, p, p, t, n, K_OTHER);
	}
	sg_textbuf_undo_break(tb);
	return 1;
}

void sg_textbuf_open_line(struct sg_textbuf *tb, int below)
{
	size_t line = tb->cur.line;
	char buf[258];
	size_t n;

	sg_textbuf_group_begin(tb);
	if (below) {
		tb->cur.col = tb->l[line].len;
		sg_textbuf_newline(tb);
	} else {
		n = first_nonblank(&tb->l[line]);
		if (n > 256)
			n = 256;
		memcpy(buf, tb->l[line].s, n);
		buf[n] = '\n';
		edit(tb, (struct sg_tb_pos){ line, 0 }, (struct sg_tb_pos){ line, 0 }, buf, n + 1,
		     K_OTHER);
		tb->cur = clamp(tb, (struct sg_tb_pos){ line, n });
		fix_after(tb);
	}
	sg_textbuf_group_end(tb);
}

int sg_textbuf_join_lines(struct sg_textbuf *tb)
{
	size_t line = tb->cur.line;
	struct sg_tb_pos a, b;
	const struct tb_line *l, *next;
	int space;

	if (line + 1 >= tb->n)
		return 0;
	l = &tb->l[line];
	next = &tb->l[line + 1];
	a = (struct sg_tb_pos){ line, l->len };
	while (a.col > 0 && (l->s[a.col - 1] == ' ' || l->s[a.col - 1] == '\t'))
		a.col--;
	b = (struct sg_tb_pos){ line + 1, first_nonblank(next) };
	space = a.col > 0 && b.col < next->len && next->s[b.col] != ')';
	sg_textbuf_undo_break(tb);
	edit(tb, a, b, " ", (size_t)space, K_OTHER);
	tb->cur = a;
	fix_after(tb);
	sg_textbuf_undo_break(tb);
	return 1;
}

/* The lines a block command works on: the selection's, else the cursor's. */
static void block_lines(const struct sg_textbuf *tb, size_t *first, size_t *last)
{
	struct sg_tb_pos a, b;

	if (sg_textbuf_selection(tb, &a, &b)) {
		*first = a.line;
		*last = b.line > a.line && b.col == 0 ? b.line - 1 : b.line;
	} else {
		*first = *last = tb->cur.line;
	}
}

/* Shifts the column of p on line by delta bytes at or after from. */
static void shift_col(struct sg_tb_pos *p, size_t line, size_t from, long delta)
{
	if (p->line != line || p->col < from)
		return;
	if (delta < 0 && p->col < from + (size_t)-delta)
		p->col = from;
	else
		p->col = (size_t)((long)p->col + delta);
}

void sg_textbuf_indent(struct sg_textbuf *tb)
{
	char unit[9], spaces[17];
	size_t first, last, u;

	sg_textbuf_indent_unit(tb, unit);
	u = strlen(unit);
	if (!tb->has_mark) {
		const char *ins = unit;
		if (unit[0] == ' ') {
			size_t d = (size_t)sg_textbuf_display_col(tb, tb->cur.line, tb->cur.col);
			u = u - d % u;
			memset(spaces, ' ', u);
			ins = spaces;
		}
		edit(tb, tb->cur, tb->cur, ins, u, K_TYPE);
		return;
	}
	struct sg_tb_pos cur = tb->cur, mark = tb->mark;
	block_lines(tb, &first, &last);
	sg_textbuf_group_begin(tb);
	for (size_t i = first; i <= last; i++) {
		if (tb->l[i].len == 0)
			continue;
		edit(tb, (struct sg_tb_pos){ i, 0 }, (struct sg_tb_pos){ i, 0 }, unit, u, K_OTHER);
		shift_col(&cur, i, 0, (long)u);
		shift_col(&mark, i, 0, (long)u);
	}
	sg_textbuf_group_end(tb);
	tb->cur = clamp(tb, cur);
	tb->mark = mark;
	tb->has_mark = 1;
	fix_after(tb);
}

int sg_textbuf_dedent(struct sg_textbuf *tb)
{
	char unit[9];
	size_t first, last, ucols;
	int had = tb->has_mark, changed = 0;
	struct sg_tb_pos cur = tb->cur, mark = tb->mark;

	sg_textbuf_indent_unit(tb, unit);
	ucols = unit_cols(tb, unit);
	block_lines(tb, &first, &last);
	sg_textbuf_group_begin(tb);
	for (size_t i = first; i <= last; i++) {
		const struct tb_line *l = &tb->l[i];
		size_t k = 0;
		if (l->len && l->s[0] == '\t')
			k = 1;
		else
			while (k < l->len && k < ucols && l->s[k] == ' ')
				k++;
		if (!k)
			continue;
		edit(tb, (struct sg_tb_pos){ i, 0 }, (struct sg_tb_pos){ i, k }, "", 0, K_OTHER);
		shift_col(&cur, i, 0, -(long)k);
		shift_col(&mark, i, 0, -(long)k);
		changed = 1;
	}
	sg_textbuf_group_end(tb);
	tb->cur = clamp(tb, cur);
	tb->mark = mark;
	tb->has_mark = had;
	if (changed)
		fix_after(tb);
	return changed;
}

/* ---- search --------------------------------------------------------------------- */

static int lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* True when needle matches s at i. */
static int match_at(const char *s, size_t len, size_t i, const char *needle, size_t n, int icase)
{
	if (i + n > len)
		return 0;
	if (!icase)
		return memcmp(s + i, needle, n) == 0;
	for (size_t k = 0; k < n; k++)
		if (lower_ascii((unsigned char)s[i + k]) != lower_ascii((unsigned char)needle[k]))
			return 0;
	return 1;
}

int sg_textbuf_find(const struct sg_textbuf *tb, const char *needle, size_t n,
		    struct sg_tb_pos pos, int backward, int icase, struct sg_tb_pos *at)
{
	pos = clamp(tb, pos);
	if (!n || memchr(needle, '\n', n))
		return 0;
	/* every line once, starting with pos's, then pos's line again for the
	 * part before (forward) or after (backward) pos: the wrap-around */
	for (size_t k = 0; k <= tb->n; k++) {
		size_t line = backward ? (pos.line + tb->n - k % tb->n) % tb->n
				       : (pos.line + k) % tb->n;
		const struct tb_line *l = &tb->l[line];
		if (!backward) {
			size_t from = k == 0 ? pos.col : 0;
			size_t to = k == tb->n ? pos.col : l->len + 1;  /* starts below to */
			for (size_t i = from; i < to; i++)
				if (match_at(l->s, l->len, i, needle, n, icase)) {
					*at = (struct sg_tb_pos){ line, i };
					return 1;
				}
		} else {
			size_t hi = k == 0 ? pos.col : l->len + 1;  /* starts below hi */
			size_t lo = k == tb->n ? pos.col : 0;
			for (size_t i = hi; i-- > lo;)
				if (match_at(l->s, l->len, i, needle, n, icase)) {
					*at = (struct sg_tb_pos){ line, i };
					return 1;
				}
		}
	}
	return 0;
}
