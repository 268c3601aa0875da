/* view.c — sort, filter, search and write row views of a CSV.
 *
 * Everything reads rows through walk(), which turns a range of view
 * positions into as few sg_csv_scan calls as it can: rows that ascend with
 * small gaps (a filtered view, or the whole file) share one scan and its
 * 1 MB reads; a shuffled view (a sorted one) costs a read per row that is not
 * already in the cursor's block. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/util.h"
#include "core/regex.h"
#include "core/view.h"

#define CHUNK 16384               /* positions between progress updates */
#define GAP 64                    /* rows a walk reads through rather than seek */
#define KEEP 1024                 /* string key bytes held in memory per value */
#define ARENA_BLOCK (1u << 20)
#define POS_MASK ((1ULL << 62) - 1)
#define MAX_THREADS 16

static const struct sg_view_options no_options;

/* ---- views ------------------------------------------------------------------------ */
static struct sg_view *view_alloc(uint64_t n, uint64_t maxrow)
{
	struct sg_view *v = sg_xcalloc(1, sizeof *v);
	v->n = n;
	if (maxrow <= UINT32_MAX)
		v->r32 = sg_xmalloc((n ? n : 1) * sizeof *v->r32);
	else
		v->r64 = sg_xmalloc((n ? n : 1) * sizeof *v->r64);
	return v;
}

static void view_set(struct sg_view *v, uint64_t i, uint64_t row)
{
	if (v->r32)
		v->r32[i] = (uint32_t)row;
	else
		v->r64[i] = row;
}

struct sg_view *sg_view_from_rows(const uint64_t *rows, uint64_t n)
{
	uint64_t max = 0;
	for (uint64_t i = 0; i < n; i++)
		if (rows[i] > max)
			max = rows[i];
	struct sg_view *v = view_alloc(n, max);
	for (uint64_t i = 0; i < n; i++)
		view_set(v, i, rows[i]);
	return v;
}

void sg_view_free(struct sg_view *v)
{
	if (!v)
		return;
	free(v->r32);
	free(v->r64);
	free(v);
}

/* ---- reading rows by position ---------------------------------------------------- */
/* Called for each visited position; non-zero stops the walk (use 2: 1 means
 * cancelled). */
typedef int (*pos_fn)(const struct sg_csv_cursor *cur, uint64_t pos, void *ud);

struct walk {
	const struct sg_view *base;
	uint64_t next;                /* the position whose row comes next */
	pos_fn fn;
	void *ud;
};

static int walk_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct walk *w = ud;
	if (!w->base)
		return w->fn(cur, cur->row, w->ud);
	if (cur->row != sg_view_row(w->base, w->next))
		return 0;  /* a row between two of the view's, read through */
	return w->fn(cur, w->next++, w->ud);
}

/* Visits positions [p0, p1) of base in order (NULL base: position = row). */
static int walk(struct sg_csv *c, struct sg_csv_cursor *cur, const struct sg_view *base,
		uint64_t p0, uint64_t p1, int maxcols, pos_fn fn, void *ud,
		const struct sg_view_options *o, struct sg_error *err)
{
	struct walk w = { base, p0, fn, ud };
	while (p0 < p1) {
		uint64_t end = p1 - p0 > CHUNK ? p0 + CHUNK : p1;
		int rc = 0;
		if (!base)
			rc = sg_csv_scan(c, cur, p0, end, maxcols, walk_row, &w, o->cancel, err);
		for (uint64_t i = p0; base && i < end && rc == 0;) {
			uint64_t first = sg_view_row(base, i), last = first, j = i + 1;
			for (; j < end; j++) {
				uint64_t r = sg_view_row(base, j);
				if (r <= last || r - last > GAP)
					break;
				last = r;
			}
			w.next = i;
			rc = sg_csv_scan(c, cur, first, last + 1, maxcols, walk_row, &w, o->cancel, err);
			i = j;
		}
		if (rc != 0)
			return rc;
		if (o->progress)
			atomic_fetch_add(&o->progress->rows_done, end - p0);
		p0 = end;
	}
	return o->cancel && atomic_load(o->cancel) ? 1 : 0;
}

/* Waits for the index; the rows to work on, or -1 with err.  An index that
 * stopped on a parse error still serves the rows before it. */
static int64_t ready_rows(struct sg_csv *c, const struct sg_view *base,
			  const struct sg_view_options *o, struct sg_error *err)
{
	struct sg_error e = { 0 };
	if (sg_csv_wait(c, &e) != 0 && e.code != SG_E_PARSE) {
		if (err)
			*err = e;
		return -1;
	}
	uint64_t n = base ? base->n : sg_csv_nrows(c);
	if (o->progress) {
		atomic_store(&o->progress->rows_done, 0);
		atomic_store(&o->progress->rows_total, n);
	}
	return (int64_t)n;
}

/* ---- running parts in threads ----------------------------------------------------- */
struct arena {
	char **blk;
	size_t nblk, used;
};

/* One thread's share: positions [p0, p1). */
struct part {
	struct sg_csv *c;
	const struct sg_view *base;
	const struct sg_view_options *o;
	uint64_t p0, p1;
	void *ctx;                    /* the operation's shared, read-only state */
	struct sg_csv_cursor cur;
	pthread_t th;
	int started, rc;
	struct sg_error err;
	uint64_t *rows;               /* filter: matching rows */
	uint64_t nrows, cap;
	struct arena arena;           /* sort: string keys */
};

static int threads_of(const struct sg_view_options *o, uint64_t n)
{
	int nt = o->threads > 0 ? o->threads : 2;
	if (nt > MAX_THREADS)
		nt = MAX_THREADS;
	if ((uint64_t)nt > n / 1024 + 1)
		nt = (int)(n / 1024 + 1);  /* tiny inputs: threads cost more than they save */
	return nt;
}

static void parts_init(struct part *ps, int nt, struct sg_csv *c, const struct sg_view *base,
		       uint64_t n, void *ctx, const struct sg_view_options *o)
{
	memset(ps, 0, (size_t)nt * sizeof *ps);
	for (int t = 0; t < nt; t++) {
		ps[t].c = c;
		ps[t].base = base;
		ps[t].o = o;
		ps[t].ctx = ctx;
		ps[t].p0 = n * (uint64_t)t / (uint64_t)nt;
		ps[t].p1 = n * (uint64_t)(t + 1) / (uint64_t)nt;
		sg_csv_cursor_init(&ps[t].cur);
	}
}

/* Runs fn on every part (part 0 on this thread); 0, 1 cancelled or -1. */
static int parts_run(struct part *ps, int nt, void *(*fn)(void *), struct sg_error *err)
{
	for (int t = 1; t < nt; t++)
		ps[t].started = pthread_create(&ps[t].th, NULL, fn, &ps[t]) == 0;
	fn(&ps[0]);
	for (int t = 1; t < nt; t++) {
		if (ps[t].started)
			pthread_join(ps[t].th, NULL);
		else
			fn(&ps[t]);  /* no thread to be had: do its share here */
	}
	int rc = 0;
	for (int t = 0; t < nt; t++) {
		if (ps[t].rc < 0 && rc >= 0) {
			rc = -1;
			if (err)
				*err = ps[t].err;
		} else if (ps[t].rc > 0 && rc == 0) {
			rc = 1;
		}
	}
	return rc;
}

static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->nblk; i++)
		free(a->blk[i]);
	free(a->blk);
}

static void parts_done(struct part *ps, int nt)
{
	for (int t = 0; t < nt; t++) {
		sg_csv_cursor_done(&ps[t].cur);
		free(ps[t].rows);
		arena_free(&ps[t].arena);
	}
}

static uint64_t row_at(const struct sg_view *base, uint64_t pos)
{
	return base ? sg_view_row(base, pos) : pos;
}

/* ---- filter ------------------------------------------------------------------------- */
static int filter_pos(const struct sg_csv_cursor *cur, uint64_t pos, void *ud)
{
	struct part *pt = ud;
	if (!sg_expr_eval(pt->ctx, cur))
		return 0;
	if (pt->nrows == pt->cap) {
		pt->cap = pt->cap ? 2 * pt->cap : 4096;
		pt->rows = sg_xrealloc(pt->rows, pt->cap * sizeof *pt->rows);
	}
	pt->rows[pt->nrows++] = row_at(pt->base, pos);
	return 0;
}

static void *filter_main(void *arg)
{
	struct part *pt = arg;
	int maxcols = sg_expr_max_column(pt->ctx) + 1;
	pt->rc = walk(pt->c, &pt->cur, pt->base, pt->p0, pt->p1, maxcols > 0 ? maxcols : 1,
		      filter_pos, pt, pt->o, &pt->err);
	return NULL;
}

int sg_view_filter(struct sg_csv *c, const struct sg_view *base, const struct sg_expr *e,
		   const struct sg_view_options *o, struct sg_view **out, struct sg_error *err)
{
	o = o ? o : &no_options;
	*out = NULL;
	int64_t n = ready_rows(c, base, o, err);
	if (n < 0)
		return -1;
	int nt = threads_of(o, (uint64_t)n);
	struct part ps[MAX_THREADS];
	parts_init(ps, nt, c, base, (uint64_t)n, (void *)e, o);
	int rc = parts_run(ps, nt, filter_main, err);
	if (rc == 0) {
		uint64_t total = 0, k = 0;
		for (int t = 0; t < nt; t++)
			total += ps[t].nrows;
		*out = view_alloc(total, sg_csv_nrows(c));
		for (int t = 0; t < nt; t++)
			for (uint64_t i = 0; i < ps[t].nrows; i++)
				view_set(*out, k++, ps[t].rows[i]);
	}
	parts_done(ps, nt);
	return rc;
}

/* ---- sort: keys ------------------------------------------------------------------------ */
/* Key classes, in ascending order: numbers, strings, missing.  Descending
 * swaps the first two and complements the key words. */
enum { CLS_NUM_ASC = 0, CLS_STR_ASC = 1, CLS_MISSING = 2 };

struct item {
	uint64_t w;                   /* the first key: ordered number bits or string prefix */
	uint64_t hi;                  /* class << 62 | position */
};

struct skey {
	int col, desc;
	uint8_t *cls;                 /* keys after the first (the first lives in items) */
	uint64_t *w;
	const char **s;               /* string values' first KEEP bytes */
	uint64_t *len;                /* their whole lengths */
};

struct sortctx {
	struct skey *k;
	int nk;
	struct item *items;
};

/* A double's bits as an unsigned integer that orders like the double. */
static uint64_t num_bits(double v)
{
	uint64_t b;
	if (v == 0)
		v = 0;  /* -0 == +0 */
	memcpy(&b, &v, sizeof b);
	return b >> 63 ? ~b : b | (1ULL << 63);
}

/* The first 8 bytes big-endian (zero-padded): compares like memcmp. */
static uint64_t prefix_bits(const char *p, size_t n)
{
	uint64_t w = 0;
	for (size_t i = 0; i < 8; i++)
		w = w << 8 | (i < n ? (unsigned char)p[i] : 0);
	return w;
}

/* Copies n <= KEEP bytes into the thread's arena; blocks never move. */
static const char *arena_keep(struct arena *a, const char *p, size_t n)
{
	if (!a->nblk || a->used + n > ARENA_BLOCK) {
		a->blk = sg_xrealloc(a->blk, (a->nblk + 1) * sizeof *a->blk);
		a->blk[a->nblk++] = sg_xmalloc(ARENA_BLOCK);
		a->used = 0;
	}
	char *dst = a->blk[a->nblk - 1] + a->used;
	memcpy(dst, p, n);
	a->used += n;
	return dst;
}

static int key_pos(const struct sg_csv_cursor *cur, uint64_t pos, void *ud)
{
	struct part *pt = ud;
	struct sortctx *sc = pt->ctx;
	for (int i = 0; i < sc->nk; i++) {
		struct skey *k = &sc->k[i];
		const struct sg_csv_field *f = &cur->field[k->col];
		double num = 0;
		enum sg_valkind kind = sg_value_kind(f->p, f->len, &num);
		uint64_t w = 0;
		unsigned cls = CLS_MISSING;
		if (kind == SG_VAL_STRING) {
			cls = k->desc ? CLS_NUM_ASC : CLS_STR_ASC;
			w = prefix_bits(f->p, f->len);
			k->s[pos] = arena_keep(&pt->arena, f->p, f->len < KEEP ? f->len : KEEP);
			k->len[pos] = f->len;
		} else if (kind != SG_VAL_MISSING) {
			cls = k->desc ? CLS_STR_ASC : CLS_NUM_ASC;
			w = num_bits(num);
		}
		if (k->desc && cls != CLS_MISSING)
			w = ~w;
		if (i == 0) {
			sc->items[pos].w = w;
			sc->items[pos].hi = (uint64_t)cls << 62 | pos;
		} else {
			k->cls[pos] = (uint8_t)cls;
			k->w[pos] = w;
		}
	}
	return 0;
}

static void *key_main(void *arg)
{
	struct part *pt = arg;
	struct sortctx *sc = pt->ctx;
	int maxcol = 0;
	for (int i = 0; i < sc->nk; i++)
		if (sc->k[i].col > maxcol)
			maxcol = sc->k[i].col;
	pt->rc = walk(pt->c, &pt->cur, pt->base, pt->p0, pt->p1, maxcol + 1, key_pos, pt, pt->o,
		      &pt->err);
	return NULL;
}

/* ---- sort: comparing ------------------------------------------------------------------ */
/* Per sorting thread: cursors to re-read strings longer than KEEP. */
struct cmpstate {
	const struct sortctx *sc;
	struct sg_csv *c;
	const struct sg_view *base;
	struct sg_csv_cursor ca, cb;
	int failed;
	struct sg_error err;
};

/* Two long strings equal in their first KEEP bytes: read both rows. */
static int reread_cmp(struct cmpstate *cs, int col, uint64_t a, uint64_t b)
{
	if (cs->failed)
		return 0;
	if (sg_csv_read_row(cs->c, row_at(cs->base, a), &cs->ca, &cs->err) != 0 ||
	    sg_csv_read_row(cs->c, row_at(cs->base, b), &cs->cb, &cs->err) != 0) {
		cs->failed = 1;
		return 0;
	}
	const struct sg_csv_field *x = &cs->ca.field[col], *y = &cs->cb.field[col];
	int r = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* Positions a and b hold strings in key k whose prefixes are equal. */
static int str_cmp(struct cmpstate *cs, const struct skey *k, uint64_t a, uint64_t b)
{
	uint64_t la = k->len[a], lb = k->len[b];
	size_t ka = la < KEEP ? (size_t)la : KEEP, kb = lb < KEEP ? (size_t)lb : KEEP;
	int r = memcmp(k->s[a], k->s[b], ka < kb ? ka : kb);
	if (r == 0)
		r = la > KEEP && lb > KEEP ? reread_cmp(cs, k->col, a, b) : (la > lb) - (la < lb);
	r = (r > 0) - (r < 0);
	return k->desc ? -r : r;
}

static int is_str_cls(const struct skey *k, unsigned cls)
{
	return cls == (k->desc ? CLS_NUM_ASC : CLS_STR_ASC);
}

/* Total order: keys in turn, then position (so any merge is stable). */
static int item_cmp(struct cmpstate *cs, const struct item *x, const struct item *y)
{
	unsigned cx = (unsigned)(x->hi >> 62), cy = (unsigned)(y->hi >> 62);
	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (x->w != y->w)
		return x->w < y->w ? -1 : 1;
	const struct sortctx *sc = cs->sc;
	uint64_t a = x->hi & POS_MASK, b = y->hi & POS_MASK;
	int r;
	if (is_str_cls(&sc->k[0], cx) && (r = str_cmp(cs, &sc->k[0], a, b)) != 0)
		return r;
	for (int i = 1; i < sc->nk; i++) {
		const struct skey *k = &sc->k[i];
		if (k->cls[a] != k->cls[b])
			return k->cls[a] < k->cls[b] ? -1 : 1;
		if (k->w[a] != k->w[b])
			return k->w[a] < k->w[b] ? -1 : 1;
		if (is_str_cls(k, k->cls[a]) && (r = str_cmp(cs, k, a, b)) != 0)
			return r;
	}
	return a < b ? -1 : a > b;
}

/* Merges sorted a[0..na) and b[0..nb) into out. */
static void merge(struct cmpstate *cs, const struct item *a, size_t na, const struct item *b,
		  size_t nb, struct item *out)
{
	size_t i = 0, j = 0, k = 0;
	while (i < na && j < nb)
		out[k++] = item_cmp(cs, &b[j], &a[i]) < 0 ? b[j++] : a[i++];
	memcpy(out + k, a + i, (na - i) * sizeof *a);
	memcpy(out + k + (na - i), b + j, (nb - j) * sizeof *b);
}

/* Top-down merge sort of a[0..n) using tmp[0..n). */
static void msort(struct cmpstate *cs, struct item *a, struct item *tmp, size_t n)
{
	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			struct item x = a[i];
			size_t j = i;
			for (; j > 0 && item_cmp(cs, &x, &a[j - 1]) < 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	size_t h = n / 2;
	msort(cs, a, tmp, h);
	msort(cs, a + h, tmp + h, n - h);
	if (item_cmp(cs, &a[h - 1], &a[h]) <= 0)
		return;  /* already in order: common for presorted columns */
	merge(cs, a, h, a + h, n - h, tmp);
	memcpy(a, tmp, n * sizeof *a);
}

struct sorter {
	struct cmpstate cs;
	struct item *a, *tmp;
	size_t n;
	pthread_t th;
	int started;
};

static void *sort_main(void *arg)
{
	struct sorter *s = arg;
	msort(&s->cs, s->a, s->tmp, s->n);
	return NULL;
}

/* Sorts sc->items[0..n) with nt threads: runs in parallel, then merged. */
static int sort_items(struct sg_csv *c, const struct sg_view *base, struct sortctx *sc,
		      uint64_t n, int nt, struct sg_error *err)
{
	struct item *tmp = sg_xmalloc((n ? n : 1) * sizeof *tmp);
	struct sorter ss[MAX_THREADS];
	memset(ss, 0, sizeof ss);
	for (int t = 0; t < nt; t++) {
		uint64_t p0 = n * (uint64_t)t / (uint64_t)nt, p1 = n * (uint64_t)(t + 1) / (uint64_t)nt;
		ss[t].cs.sc = sc;
		ss[t].cs.c = c;
		ss[t].cs.base = base;
		sg_csv_cursor_init(&ss[t].cs.ca);
		sg_csv_cursor_init(&ss[t].cs.cb);
		ss[t].a = sc->items + p0;
		ss[t].tmp = tmp + p0;
		ss[t].n = (size_t)(p1 - p0);
		if (t > 0)
			ss[t].started = pthread_create(&ss[t].th, NULL, sort_main, &ss[t]) == 0;
	}
	sort_main(&ss[0]);
	for (int t = 1; t < nt; t++) {
		if (ss[t].started)
			pthread_join(ss[t].th, NULL);
		else
			sort_main(&ss[t]);
	}
	/* Fold the runs in: items[0..done) is sorted, merge the next run into it. */
	size_t done = ss[0].n;
	for (int t = 1; t < nt; t++) {
		merge(&ss[0].cs, sc->items, done, ss[t].a, ss[t].n, tmp);
		done += ss[t].n;
		memcpy(sc->items, tmp, done * sizeof *tmp);
	}
	int rc = 0;
	for (int t = 0; t < nt; t++) {
		if (ss[t].cs.failed && rc == 0) {
			rc = -1;
			if (err)
				*err = ss[t].cs.err;
		}
		sg_csv_cursor_done(&ss[t].cs.ca);
		sg_csv_cursor_done(&ss[t].cs.cb);
	}
	free(tmp);
	return rc;
}

static void keys_free(struct skey *k, int nk)
{
	for (int i = 0; i < nk; i++) {
		free(k[i].cls);
		free(k[i].w);
		free(k[i].s);
		free(k[i].len);
	}
	free(k);
}

int sg_view_sort(struct sg_csv *c, const struct sg_view *base, const struct sg_sort_key *keys,
		 int nkeys, const struct sg_view_options *o, struct sg_view **out,
		 struct sg_error *err)
{
	o = o ? o : &no_options;
	*out = NULL;
	if (nkeys < 1)
		return sg_error_set(err, SG_E_USAGE, "sort: no sort key");
	for (int i = 0; i < nkeys; i++)
		if (keys[i].col < 0 || keys[i].col >= sg_csv_ncols(c))
			return sg_error_set(err, SG_E_USAGE, "sort: no column %d in %s (%d columns)",
					    keys[i].col, sg_csv_path(c), sg_csv_ncols(c));
	int64_t sn = ready_rows(c, base, o, err);
	if (sn < 0)
		return -1;
	uint64_t n = (uint64_t)sn;
	struct sortctx sc = { .nk = nkeys };
	sc.k = sg_xcalloc((size_t)nkeys, sizeof *sc.k);
	size_t cnt = n ? (size_t)n : 1;
	sc.items = sg_xmalloc(cnt * sizeof *sc.items);
	for (int i = 0; i < nkeys; i++) {
		sc.k[i].col = keys[i].col;
		sc.k[i].desc = keys[i].desc != 0;
		/* calloc: pages of a numeric column's string arrays are never touched. */
		sc.k[i].s = sg_xcalloc(cnt, sizeof *sc.k[i].s);
		sc.k[i].len = sg_xcalloc(cnt, sizeof *sc.k[i].len);
		if (i > 0) {
			sc.k[i].cls = sg_xmalloc(cnt);
			sc.k[i].w = sg_xmalloc(cnt * sizeof *sc.k[i].w);
		}
	}
	int nt = threads_of(o, n);
	struct part ps[MAX_THREADS];
	parts_init(ps, nt, c, base, n, &sc, o);
	int rc = parts_run(ps, nt, key_main, err);
	if (rc == 0 && o->cancel && atomic_load(o->cancel))
		rc = 1;
	if (rc == 0)
		rc = sort_items(c, base, &sc, n, nt, err);
	if (rc == 0 && o->cancel && atomic_load(o->cancel))
		rc = 1;
	if (rc == 0) {
		*out = view_alloc(n, sg_csv_nrows(c));
		for (uint64_t i = 0; i < n; i++)
			view_set(*out, i, row_at(base, sc.items[i].hi & POS_MASK));
	}
	parts_done(ps, nt);
	keys_free(sc.k, nkeys);
	free(sc.items);
	return rc;
}

/* ---- search ------------------------------------------------------------------------ */
struct search {
	regex_t re;
	int backward;
	int found;
	uint64_t hit;
};

static int search_pos(const struct sg_csv_cursor *cur, uint64_t pos, void *ud)
{
	struct search *s = ud;
	for (int i = 0; i < cur->nfields; i++) {
		regmatch_t m[1] = { { 0, (regoff_t)cur->field[i].len } };
		if (regexec(&s->re, cur->field[i].p, 1, m, REG_STARTEND) == 0) {
			s->found = 1;
			s->hit = pos;
			/* Backward: the last match of the chunk is the one wanted. */
			return s->backward ? 0 : 2;
		}
	}
	return 0;
}

/* Searches positions [lo, hi) in the search's direction, a chunk at a time. */
static int search_range(struct sg_csv *c, struct sg_csv_cursor *cur, const struct sg_view *v,
			uint64_t lo, uint64_t hi, struct search *s,
			const struct sg_view_options *o, struct sg_error *err)
{
	while (lo < hi) {
		uint64_t a = lo, b = hi;
		if (s->backward)
			a = hi - lo > CHUNK ? hi - CHUNK : lo;
		else
			b = hi - lo > CHUNK ? lo + CHUNK : hi;
		int rc = walk(c, cur, v, a, b, 0, search_pos, s, o, err);
		if (rc < 0 || rc == 1)
			return rc;
		if (s->found)
			return 0;
		if (s->backward)
			hi = a;
		else
			lo = b;
	}
	return 0;
}

int sg_view_search(struct sg_csv *c, const struct sg_view *v, const char *pattern, int flags,
		   uint64_t start, const struct sg_view_options *o, uint64_t *pos, int *wrapped,
		   struct sg_error *err)
{
	o = o ? o : &no_options;
	struct search s = { .backward = (flags & SG_SEARCH_BACKWARD) != 0 };
	if (sg_regex_compile(&s.re, pattern, REG_EXTENDED | REG_NOSUB |
			     (flags & SG_SEARCH_ICASE ? REG_ICASE : 0), "search", err) != 0)
		return -1;
	int64_t sn = ready_rows(c, v, o, err);
	if (sn < 0) {
		regfree(&s.re);
		return -1;
	}
	uint64_t n = (uint64_t)sn;
	/* Two legs: from start to the end in the search's direction, then the
	 * wrapped rest, which ends at start itself. */
	uint64_t lo1, hi1, lo2 = 0, hi2 = 0;
	if (start >= n) {
		lo1 = 0;
		hi1 = n;
	} else if (!s.backward) {
		lo1 = start + 1, hi1 = n, lo2 = 0, hi2 = start + 1;
	} else {
		lo1 = 0, hi1 = start, lo2 = start, hi2 = n;
	}
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	int rc = search_range(c, &cur, v, lo1, hi1, &s, o, err);
	int leg2 = 0;
	if (rc == 0 && !s.found && lo2 < hi2) {
		leg2 = 1;
		rc = search_range(c, &cur, v, lo2, hi2, &s, o, err);
	}
	sg_csv_cursor_done(&cur);
	regfree(&s.re);
	if (rc != 0)
		return rc;
	if (!s.found)
		return sg_error_set(err, SG_E_NOTFOUND, "pattern not found: %s", pattern);
	*pos = s.hit;
	if (wrapped)
		*wrapped = leg2;
	return 0;
}

/* ---- writing a view out ------------------------------------------------------------------ */
struct outfile {
	int fd;
	char *buf;
	size_t len;
	int failed;
};

static void out_flush(struct outfile *w)
{
	size_t off = 0;
	while (!w->failed && off < w->len) {
		ssize_t k = write(w->fd, w->buf + off, w->len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			w->failed = errno ? errno : EIO;
		else
			off += (size_t)k;
	}
	w->len = 0;
}

static void out_put(struct outfile *w, const char *p, size_t n)
{
	if (w->len + n > ARENA_BLOCK)
		out_flush(w);
	if (n > ARENA_BLOCK) {
		w->len = n;  /* a huge record: write it straight from its buffer */
		char *keep = w->buf;
		w->buf = (char *)p;
		out_flush(w);
		w->buf = keep;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static int write_pos(const struct sg_csv_cursor *cur, uint64_t pos, void *ud)
{
	struct outfile *w = ud;
	out_put(w, cur->raw, cur->rawlen);
	out_put(w, "\n", 1);
	return w->failed ? 2 : 0;
}

/* fsync of the folder, so the rename itself survives a crash. */
static void sync_folder(const char *path)
{
	char *copy = sg_xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* Header and rows into the open temp file; 0 or -1 with err. */
static int write_rows(struct sg_csv *c, const struct sg_view *v, uint64_t n,
		      struct outfile *w, const char *path, struct sg_error *err)
{
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	int rc = 0;
	if (sg_csv_dialect(c)->header) {
		rc = sg_csv_read_header(c, &cur, err);
		if (rc == 0)
			write_pos(&cur, 0, w);
	}
	if (rc == 0)
		rc = walk(c, &cur, v, 0, n, 1, write_pos, w, &no_options, err);
	sg_csv_cursor_done(&cur);
	if (rc == 0 || rc == 2)
		out_flush(w);
	if (rc == 0 && !w->failed && fsync(w->fd) != 0)
		w->failed = errno;
	if (rc >= 0 && w->failed) {
		errno = w->failed;
		return sg_error_errno(err, "cannot write %s", path);
	}
	return rc < 0 ? -1 : 0;
}

int sg_view_write_csv(struct sg_csv *c, const struct sg_view *v, const char *path,
		      struct sg_error *err)
{
	int64_t n = ready_rows(c, v, &no_options, err);
	if (n < 0)
		return -1;
	char *tmp = sg_xasprintf("%s.tmp.%ld", path, (long)getpid());
	struct outfile w = { .buf = sg_xmalloc(ARENA_BLOCK) };
	w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int rc = -1;
	if (w.fd < 0) {
		sg_error_errno(err, "cannot write %s", path);
	} else {
		rc = write_rows(c, v, (uint64_t)n, &w, path, err);
		if (close(w.fd) != 0 && rc == 0)
			rc = sg_error_errno(err, "cannot write %s", path);
		if (rc == 0 && rename(tmp, path) != 0)
			rc = sg_error_errno(err, "cannot replace %s", path);
		if (rc != 0)
			unlink(tmp);
		else
			sync_folder(path);
	}
	free(w.buf);
	free(tmp);
	return rc;
}
