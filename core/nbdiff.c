/* nbdiff.c — cell matching, line diffs and the 3-way cell merge. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/nbdiff.h"
#include "core/util.h"

/* ---- id → index map ------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

struct idmap {
	long *slot;      /* cell index + 1; 0 = empty */
	size_t cap;
	const struct sg_nb *nb;
};

static void idmap_init(struct idmap *m, const struct sg_nb *nb)
{
	m->cap = 16;
	while (m->cap < nb->ncells * 2 + 2)
		m->cap *= 2;
	m->slot = sg_xcalloc(m->cap, sizeof *m->slot);
	m->nb = nb;
	for (size_t i = 0; i < nb->ncells; i++) {
		const char *id = nb->cells[i].id;
		size_t h = (size_t)hash_bytes(id, strlen(id)) & (m->cap - 1);
		while (m->slot[h])
			h = (h + 1) & (m->cap - 1);
		m->slot[h] = (long)i + 1;
	}
}

/* The first cell with this id, or -1. */
static long idmap_get(const struct idmap *m, const char *id)
{
	size_t h = (size_t)hash_bytes(id, strlen(id)) & (m->cap - 1);
	long best = -1;
	while (m->slot[h]) {
		long i = m->slot[h] - 1;
		if (strcmp(m->nb->cells[i].id, id) == 0 && (best < 0 || i < best))
			best = i;
		h = (h + 1) & (m->cap - 1);
	}
	return best;
}

static void idmap_done(struct idmap *m)
{
	free(m->slot);
}

/* ---- cell comparison ---------------------------------------------------- */

static int json_same(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return (!a || (json_is_array(a) && json_array_size(a) == 0) ||
			(json_is_object(a) && json_object_size(a) == 0)) &&
		       (!b || (json_is_array(b) && json_array_size(b) == 0) ||
			(json_is_object(b) && json_object_size(b) == 0));
	return json_equal((json_t *)a, (json_t *)b);
}

static unsigned cell_changes(const struct sg_nb_cell *a, const struct sg_nb_cell *b)
{
	unsigned ch = 0;
	if (a->type != b->type)
		ch |= SG_NBD_TYPE;
	if (strcmp(a->source, b->source) != 0)
		ch |= SG_NBD_SOURCE;
	if (a->execution_count != b->execution_count || !json_same(a->outputs, b->outputs))
		ch |= SG_NBD_OUTPUTS;
	if (!json_same(a->metadata, b->metadata) || !json_same(a->attachments, b->attachments))
		ch |= SG_NBD_METADATA;
	return ch;
}

/* ---- matching --------------------------------------------------------- */

/* A cell's lines as sorted hashes, for a cheap similarity. */
struct linesig {
	uint64_t *h;
	size_t n;
};

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

static void linesig_init(struct linesig *g, const char *s)
{
	size_t cap = 8;
	g->n = 0;
	g->h = sg_xmalloc(cap * sizeof *g->h);
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (g->n == cap)
			g->h = sg_xrealloc(g->h, (cap *= 2) * sizeof *g->h);
		g->h[g->n++] = hash_bytes(s, n);
		if (!nl)
			break;
		s = nl + 1;
	}
	qsort(g->h, g->n, sizeof *g->h, cmp_u64);
}

/* Similarity of two sources in [0, 1]: for one-line texts the shared prefix
 * and suffix, else the share of equal lines (Dice over the line multisets). */
static double similarity(const char *a, const char *b, const struct linesig *ga,
			 const struct linesig *gb)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la == 0 && lb == 0)
		return 1.0;
	if (!strchr(a, '\n') || !strchr(b, '\n')) {
		size_t p = 0, s = 0;
		while (p < la && p < lb && a[p] == b[p])
			p++;
		while (s < la - p && s < lb - p && a[la - 1 - s] == b[lb - 1 - s])
			s++;
		return (double)(p + s) / (double)(la > lb ? la : lb);
	}
	size_t i = 0, j = 0, same = 0;
	while (i < ga->n && j < gb->n) {
		if (ga->h[i] == gb->h[j]) {
			same++;
			i++;
			j++;
		} else if (ga->h[i] < gb->h[j]) {
			i++;
		} else {
			j++;
		}
	}
	return 2.0 * (double)same / (double)(ga->n + gb->n);
}

#define SIMILAR 0.5
#define MAX_SIMILARITY_PAIRS 40000   /* 200 x 200 unmatched cells */

struct srchash {
	uint64_t h;
	long i;
};

static int by_hash(const void *x, const void *y)
{
	const struct srchash *a = x, *b = y;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static uint64_t cell_hash(const struct sg_nb_cell *c)
{
	return hash_bytes(c->source, strlen(c->source)) ^ (uint64_t)c->type;
}

/* Matches cells of notebooks without shared ids: equal sources first (in
 * order; a sorted table of source hashes keeps this n log n), then the most
 * similar unmatched cell of the same type. */
static void match_by_source(const struct sg_nb *a, const struct sg_nb *b, long *ma, long *mb)
{
	struct srchash *t = sg_xmalloc((a->ncells + 1) * sizeof *t);
	for (size_t i = 0; i < a->ncells; i++) {
		t[i].h = cell_hash(&a->cells[i]);
		t[i].i = (long)i;
	}
	qsort(t, a->ncells, sizeof *t, by_hash);
	for (size_t j = 0; j < b->ncells; j++) {
		uint64_t h = cell_hash(&b->cells[j]);
		size_t lo = 0, hi = a->ncells;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (t[mid].h < h)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < a->ncells && t[k].h == h; k++) {
			long i = t[k].i;
			if (ma[i] < 0 && a->cells[i].type == b->cells[j].type &&
			    strcmp(a->cells[i].source, b->cells[j].source) == 0) {
				ma[i] = (long)j;
				mb[j] = i;
				break;
			}
		}
	}
	free(t);
	size_t ua = 0, ub = 0;
	for (size_t i = 0; i < a->ncells; i++)
		ua += ma[i] < 0;
	for (size_t j = 0; j < b->ncells; j++)
		ub += mb[j] < 0;
	if (ua * ub > MAX_SIMILARITY_PAIRS || ua == 0 || ub == 0)
		return;
	struct linesig *ga = sg_xcalloc(a->ncells + 1, sizeof *ga);
	struct linesig *gb = sg_xcalloc(b->ncells + 1, sizeof *gb);
	for (size_t i = 0; i < a->ncells; i++)
		if (ma[i] < 0)
			linesig_init(&ga[i], a->cells[i].source);
	for (size_t j = 0; j < b->ncells; j++)
		if (mb[j] < 0)
			linesig_init(&gb[j], b->cells[j].source);
	for (size_t i = 0; i < a->ncells; i++) {
		if (ma[i] >= 0)
			continue;
		double best = SIMILAR;
		long bj = -1;
		for (size_t j = 0; j < b->ncells; j++) {
			if (mb[j] >= 0 || a->cells[i].type != b->cells[j].type)
				continue;
			double s = similarity(a->cells[i].source, b->cells[j].source, &ga[i], &gb[j]);
			if (s >= best) {
				best = s;
				bj = (long)j;
				if (s >= 1.0)
					break;
			}
		}
		if (bj >= 0) {
			ma[i] = bj;
			mb[bj] = (long)i;
		}
	}
	for (size_t i = 0; i < a->ncells; i++)
		free(ga[i].h);
	for (size_t j = 0; j < b->ncells; j++)
		free(gb[j].h);
	free(ga);
	free(gb);
}

/* Marks in keep[] the b cells in the longest increasing run of their a
 * indexes (patience sorting): those did not move. */
static void longest_run(const long *mb, size_t nb, unsigned char *keep)
{
	long *tail = sg_xmalloc((nb + 1) * sizeof *tail);   /* b index ending a run of length k+1 */
	long *prev = sg_xmalloc((nb + 1) * sizeof *prev);
	size_t len = 0;
	for (size_t j = 0; j < nb; j++) {
		if (mb[j] < 0)
			continue;
		size_t lo = 0, hi = len;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (mb[tail[mid]] < mb[j])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[j] = lo > 0 ? tail[lo - 1] : -1;
		tail[lo] = (long)j;
		if (lo == len)
			len++;
	}
	for (long j = len ? tail[len - 1] : -1; j >= 0; j = prev[j])
		keep[j] = 1;
	free(tail);
	free(prev);
}

static void push(struct sg_nbdiff *d, size_t *cap, struct sg_nbdiff_entry e)
{
	if (d->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->e = sg_xrealloc(d->e, *cap * sizeof *d->e);
	}
	d->e[d->n++] = e;
}

/* Emits the removed cells of a that follow a-index after (up to the next
 * matched one). */
static void push_removed_after(struct sg_nbdiff *d, size_t *cap, const long *ma, size_t na,
			       long after)
{
	for (size_t i = (size_t)(after + 1); i < na && ma[i] < 0; i++) {
		struct sg_nbdiff_entry e = { SG_NBD_REMOVED, (long)i, -1, 0, 0 };
		push(d, cap, e);
		d->removed++;
	}
}

void sg_nbdiff(const struct sg_nb *a, const struct sg_nb *b, struct sg_nbdiff *d)
{
	memset(d, 0, sizeof *d);
	long *ma = sg_xmalloc((a->ncells + 1) * sizeof *ma);
	long *mb = sg_xmalloc((b->ncells + 1) * sizeof *mb);
	for (size_t i = 0; i < a->ncells; i++)
		ma[i] = -1;
	for (size_t j = 0; j < b->ncells; j++)
		mb[j] = -1;
	struct idmap map;
	idmap_init(&map, a);
	size_t by_id = 0;
	for (size_t j = 0; j < b->ncells; j++) {
		long i = idmap_get(&map, b->cells[j].id);
		if (i >= 0 && ma[i] < 0) {
			ma[i] = (long)j;
			mb[j] = i;
			by_id++;
		}
	}
	idmap_done(&map);
	d->matched_by_id = by_id > 0 || a->ncells == 0 || b->ncells == 0;
	if (!d->matched_by_id)
		match_by_source(a, b, ma, mb);
	d->metadata_changed = !json_same(a->metadata, b->metadata);

	unsigned char *keep = sg_xcalloc(b->ncells + 1, 1);
	longest_run(mb, b->ncells, keep);
	size_t cap = 0;
	push_removed_after(d, &cap, ma, a->ncells, -1);
	for (size_t j = 0; j < b->ncells; j++) {
		struct sg_nbdiff_entry e = { SG_NBD_ADDED, mb[j], (long)j, 0, 0 };
		if (mb[j] < 0) {
			d->added++;
		} else {
			e.changes = cell_changes(&a->cells[mb[j]], &b->cells[j]);
			e.moved = !keep[j];
			e.kind = e.changes ? SG_NBD_CHANGED : e.moved ? SG_NBD_MOVED : SG_NBD_UNCHANGED;
			d->changed += e.kind == SG_NBD_CHANGED;
			d->moved += e.moved;
			d->unchanged += e.kind == SG_NBD_UNCHANGED;
		}
		push(d, &cap, e);
		if (mb[j] >= 0)
			push_removed_after(d, &cap, ma, a->ncells, mb[j]);
	}
	free(keep);
	free(ma);
	free(mb);
}

void sg_nbdiff_done(struct sg_nbdiff *d)
{
	free(d->e);
	memset(d, 0, sizeof *d);
}

const char *sg_nbdiff_kind_name(enum sg_nbdiff_kind k)
{
	switch (k) {
	case SG_NBD_UNCHANGED: return "unchanged";
	case SG_NBD_ADDED: return "added";
	case SG_NBD_REMOVED: return "removed";
	case SG_NBD_MOVED: return "moved";
	case SG_NBD_CHANGED: return "changed";
	}
	return "unchanged";
}

void sg_nb_adopt_ids(const struct sg_nb *ref, struct sg_nb *nb)
{
	struct sg_nbdiff d;
	sg_nbdiff(ref, nb, &d);
	if (d.matched_by_id) {
		sg_nbdiff_done(&d);
		return;
	}
	for (size_t i = 0; i < d.n; i++)
		if (d.e[i].a >= 0 && d.e[i].b >= 0)
			memcpy(nb->cells[d.e[i].b].id, ref->cells[d.e[i].a].id, sizeof nb->cells[0].id);
	/* An unmatched cell whose random id happens to equal an adopted one
	 * gets another. */
	for (size_t i = 0; i < d.n; i++) {
		if (d.e[i].a >= 0 || d.e[i].b < 0)
			continue;
		struct sg_nb_cell *c = &nb->cells[d.e[i].b];
		if (sg_nb_find(nb, c->id) != d.e[i].b)
			sg_nb_new_id(nb, c->id);
		else
			for (size_t k = (size_t)d.e[i].b + 1; k < nb->ncells; k++)
				if (strcmp(nb->cells[k].id, c->id) == 0) {
					sg_nb_new_id(nb, c->id);
					break;
				}
	}
	sg_nbdiff_done(&d);
}

/* ---- line diff (Myers) ------------------------------------------------ */

struct lines {
	const char **s;
	size_t *len;
	uint64_t *h;
	size_t n;
};

static void split_lines(const char *t, struct lines *l)
{
	size_t cap = 16;
	l->n = 0;
	l->s = sg_xmalloc(cap * sizeof *l->s);
	l->len = sg_xmalloc(cap * sizeof *l->len);
	l->h = sg_xmalloc(cap * sizeof *l->h);
	if (!*t)
		return;
	for (;;) {
		const char *nl = strchr(t, '\n');
		size_t n = nl ? (size_t)(nl - t) : strlen(t);
		if (l->n == cap) {
			cap *= 2;
			l->s = sg_xrealloc(l->s, cap * sizeof *l->s);
			l->len = sg_xrealloc(l->len, cap * sizeof *l->len);
			l->h = sg_xrealloc(l->h, cap * sizeof *l->h);
		}
		l->s[l->n] = t;
		l->len[l->n] = n;
		l->h[l->n] = hash_bytes(t, n);
		l->n++;
		if (!nl)
			break;
		t = nl + 1;
	}
}

static void lines_free(struct lines *l)
{
	free(l->s);
	free(l->len);
	free(l->h);
}

static int line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->h[i] == b->h[j] && a->len[i] == b->len[j] &&
	       memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

static void add_line(struct sg_linediff *d, size_t *cap, char op, const struct lines *src,
		     size_t idx, long al, long bl)
{
	if (d->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		d->l = sg_xrealloc(d->l, *cap * sizeof *d->l);
	}
	struct sg_linediff_line *x = &d->l[d->n++];
	x->op = op;
	x->text = src->s[idx];
	x->len = src->len[idx];
	x->a_line = al;
	x->b_line = bl;
	d->added += op == '+';
	d->removed += op == '-';
}

/* Beyond this many differences the middle is reported as removed then added,
 * which keeps memory bounded ((D+1)^2 ints of trace). */
#define MAX_EDITS 2000

/* Myers' greedy diff of a[lo_a, hi_a) and b[lo_b, hi_b); appends to d in
 * reverse order (the caller reverses).  Returns -1 when MAX_EDITS is hit. */
static int myers(const struct lines *a, size_t lo_a, size_t hi_a, const struct lines *b,
		 size_t lo_b, size_t hi_b, struct sg_linediff *d, size_t *cap)
{
	long n = (long)(hi_a - lo_a), m = (long)(hi_b - lo_b);
	long max = n + m < MAX_EDITS ? n + m : MAX_EDITS;
	long off = max + 1;
	long *v = sg_xcalloc((size_t)(2 * max + 3), sizeof *v);
	long *trace = sg_xmalloc((size_t)(max + 1) * (size_t)(max + 1) * sizeof *trace);
	long found = -1;
	for (long dd = 0; dd <= max && found < 0; dd++) {
		for (long k = -dd; k <= dd; k += 2) {
			long x;
			if (k == -dd || (k != dd && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			long y = x - k;
			while (x < n && y < m && line_eq(a, lo_a + (size_t)x, b, lo_b + (size_t)y)) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m)
				found = dd;
		}
		/* trace row dd holds v[-dd..dd] */
		memcpy(trace + dd * dd, v + off - dd, (size_t)(2 * dd + 1) * sizeof *v);
	}
	if (found < 0) {
		free(v);
		free(trace);
		return -1;
	}
	long x = n, y = m;
	for (long dd = found; dd > 0; dd--) {
		const long *pv = trace + (dd - 1) * (dd - 1);   /* index k + (dd-1) */
		long k = x - y, pk;
		if (k == -dd || (k != dd && pv[k - 1 + dd - 1] < pv[k + 1 + dd - 1]))
			pk = k + 1;
		else
			pk = k - 1;
		long px = pv[pk + dd - 1], py = px - pk;
		while (x > px && y > py) {
			x--;
			y--;
			add_line(d, cap, ' ', a, lo_a + (size_t)x, (long)lo_a + x + 1, (long)lo_b + y + 1);
		}
		if (x == px) {
			y--;
			add_line(d, cap, '+', b, lo_b + (size_t)y, 0, (long)lo_b + y + 1);
		} else {
			x--;
			add_line(d, cap, '-', a, lo_a + (size_t)x, (long)lo_a + x + 1, 0);
		}
	}
	while (x > 0 && y > 0) {
		x--;
		y--;
		add_line(d, cap, ' ', a, lo_a + (size_t)x, (long)lo_a + x + 1, (long)lo_b + y + 1);
	}
	free(v);
	free(trace);
	return 0;
}

void sg_linediff(const char *at, const char *bt, struct sg_linediff *d)
{
	memset(d, 0, sizeof *d);
	struct lines a, b;
	split_lines(at, &a);
	split_lines(bt, &b);
	size_t cap = 0, pre = 0, suf = 0;
	while (pre < a.n && pre < b.n && line_eq(&a, pre, &b, pre))
		pre++;
	while (suf < a.n - pre && suf < b.n - pre && line_eq(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
		suf++;
	/* Built back to front, then reversed. */
	for (size_t s = 0; s < suf; s++) {
		size_t i = a.n - 1 - s, j = b.n - 1 - s;
		add_line(d, &cap, ' ', &a, i, (long)i + 1, (long)j + 1);
	}
	size_t mark = d->n;
	if (myers(&a, pre, a.n - suf, &b, pre, b.n - suf, d, &cap) != 0) {
		d->n = mark;
		d->added = d->removed = 0;
		for (size_t j = b.n - suf; j-- > pre;)
			add_line(d, &cap, '+', &b, j, 0, (long)j + 1);
		for (size_t i = a.n - suf; i-- > pre;)
			add_line(d, &cap, '-', &a, i, (long)i + 1, 0);
	}
	for (size_t p = pre; p-- > 0;)
		add_line(d, &cap, ' ', &a, p, (long)p + 1, (long)p + 1);
	for (size_t i = 0, j = d->n ? d->n - 1 : 0; i < j; i++, j--) {
		struct sg_linediff_line t = d->l[i];
		d->l[i] = d->l[j];
		d->l[j] = t;
	}
	lines_free(&a);
	lines_free(&b);
}

void sg_linediff_done(struct sg_linediff *d)
{
	free(d->l);
	memset(d, 0, sizeof *d);
}

/* ---- 3-way merge -------------------------------------------------------- */

const char *sg_nb_cell_conflict(const struct sg_nb_cell *c)
{
	return json_string_value(json_object_get(json_object_get(c->metadata, "sagetty"), "conflict"));
}

void sg_nb_cell_clear_conflict(struct sg_nb_cell *c)
{
	json_t *sg = json_object_get(c->metadata, "sagetty");
	if (!sg)
		return;
	json_object_del(sg, "conflict");
	if (json_is_object(sg) && json_object_size(sg) == 0)
		json_object_del(c->metadata, "sagetty");
}

static void mark_conflict(struct sg_nb_cell *c, const char *side)
{
	json_t *sg = json_object_get(c->metadata, "sagetty");
	if (!json_is_object(sg)) {
		sg = json_object();
		json_object_set_new(c->metadata, "sagetty", sg);
	}
	json_object_set_new(sg, "conflict", json_string(side));
}

/* Takes the changed side of one field: 0 = base/ours agree with theirs,
 * 1 = take theirs, -1 = both changed differently. */
static int pick_str(const char *base, const char *ours, const char *theirs)
{
	if (strcmp(ours, theirs) == 0 || strcmp(base, theirs) == 0)
		return 0;
	if (strcmp(base, ours) == 0)
		return 1;
	return -1;
}

/* Merges the notebook-level or cell-level metadata key by key (ours wins
 * when both changed a key). */
static json_t *merge_objects(const json_t *base, const json_t *ours, const json_t *theirs)
{
	json_t *out = json_deep_copy(ours);
	const char *key;
	json_t *tv;
	json_object_foreach((json_t *)theirs, key, tv) {
		json_t *bv = json_object_get(base, key), *ov = json_object_get(ours, key);
		if (ov ? json_equal(ov, bv) : !bv)     /* ours left it as in base */
			json_object_set_new(out, key, json_deep_copy(tv));
	}
	json_object_foreach((json_t *)base, key, tv) {
		json_t *ov = json_object_get(ours, key);
		if (!json_object_get(theirs, key) && ov && json_equal(ov, tv))
			json_object_del(out, key);     /* theirs deleted, ours untouched */
	}
	return out;
}

/* Merges one cell present in all three versions into out (a copy of ours);
 * returns 1 when type or source conflict. */
static int merge_cell(const struct sg_nb_cell *b, const struct sg_nb_cell *o,
		      const struct sg_nb_cell *t, struct sg_nb_cell *out)
{
	int src = pick_str(b->source, o->source, t->source);
	int type = o->type == t->type || b->type == t->type ? 0 : b->type == o->type ? 1 : -1;
	if (src < 0 || type < 0)
		return 1;
	if (src > 0)
		sg_nb_cell_set_source(out, t->source);
	if (type > 0)
		sg_nb_cell_set_type(out, t->type);
	int ours_out = o->execution_count != b->execution_count || !json_same(o->outputs, b->outputs);
	if (!ours_out && out->type == SG_NB_CODE && t->type == SG_NB_CODE) {
		json_decref(out->outputs);
		out->outputs = t->outputs ? json_deep_copy(t->outputs) : json_array();
		out->execution_count = t->execution_count;
	}
	json_t *md = merge_objects(b->metadata, o->metadata, t->metadata);
	json_decref(out->metadata);
	out->metadata = md;
	if (!json_same(b->attachments, t->attachments) && json_same(b->attachments, o->attachments)) {
		json_decref(out->attachments);
		out->attachments = t->attachments ? json_deep_copy(t->attachments) : NULL;
	}
	return 0;
}

/* Whether the cells common to x and base keep base's relative order. */
static int order_kept(const struct sg_nb *base, const struct sg_nb *x, const struct idmap *bmap)
{
	long last = -1;
	for (size_t j = 0; j < x->ncells; j++) {
		long i = idmap_get(bmap, x->cells[j].id);
		if (i < 0)
			continue;
		if (i < last)
			return 0;
		last = i;
	}
	return 1;
}

struct sg_nb *sg_nb_merge3(const struct sg_nb *base, const struct sg_nb *ours,
			   const struct sg_nb *theirs, size_t *conflicts)
{
	struct idmap bm, om, tm;
	idmap_init(&bm, base);
	idmap_init(&om, ours);
	idmap_init(&tm, theirs);
	size_t nconf = 0;
	/* The skeleton is the side whose order wins; cells only in the other
	 * side are inserted after their predecessor there. */
	int ours_skel = !order_kept(base, ours, &bm) || order_kept(base, theirs, &bm);
	const struct sg_nb *skel = ours_skel ? ours : theirs, *other = ours_skel ? theirs : ours;
	const struct idmap *skel_map = ours_skel ? &om : &tm;
	struct sg_nb *m = sg_nb_new();
	json_decref(m->metadata);
	m->metadata = merge_objects(base->metadata, ours->metadata, theirs->metadata);
	m->nbformat_minor = ours->nbformat_minor;
	if (ours->extra)
		m->extra = json_deep_copy(ours->extra);

	/* Cells of the other side placed after skeleton cell k (k = -1 for the
	 * start), in their order. */
	size_t n_other = other->ncells;
	long *after = sg_xmalloc((n_other + 1) * sizeof *after);
	long anchor = -1;
	for (size_t j = 0; j < n_other; j++) {
		long s = idmap_get(skel_map, other->cells[j].id);
		after[j] = s >= 0 ? -2 : anchor;   /* -2: present in the skeleton */
		if (s >= 0)
			anchor = s;
	}

	for (long s = -1; s < (long)skel->ncells; s++) {
		if (s >= 0) {
			const struct sg_nb_cell *sc = &skel->cells[s];
			long bi = idmap_get(&bm, sc->id);
			long oi = ours_skel ? s : idmap_get(&om, sc->id);
			long ti = ours_skel ? idmap_get(&tm, sc->id) : s;
			const struct sg_nb_cell *bc = bi >= 0 ? &base->cells[bi] : NULL;
			const struct sg_nb_cell *oc = oi >= 0 ? &ours->cells[oi] : NULL;
			const struct sg_nb_cell *tc = ti >= 0 ? &theirs->cells[ti] : NULL;
			if (bc && oc && tc) {
				struct sg_nb_cell *out = sg_nb_insert_copy(m, m->ncells, oc);
				if (merge_cell(bc, oc, tc, out)) {
					mark_conflict(out, "ours");
					out = sg_nb_insert_copy(m, m->ncells, tc);
					mark_conflict(out, "theirs");
					nconf++;
				}
			} else if (bc) {
				/* Deleted on one side: gone, unless the other changed it. */
				const struct sg_nb_cell *kept = oc ? oc : tc;
				if (cell_changes(bc, kept) & (SG_NBD_SOURCE | SG_NBD_TYPE)) {
					struct sg_nb_cell *out = sg_nb_insert_copy(m, m->ncells, kept);
					mark_conflict(out, oc ? "ours" : "theirs");
					nconf++;
				}
			} else if (oc && tc && (oc->type != tc->type || strcmp(oc->source, tc->source))) {
				/* Added on both sides with one id but different content. */
				struct sg_nb_cell *out = sg_nb_insert_copy(m, m->ncells, oc);
				mark_conflict(out, "ours");
				out = sg_nb_insert_copy(m, m->ncells, tc);
				mark_conflict(out, "theirs");
				nconf++;
			} else {
				sg_nb_insert_copy(m, m->ncells, oc ? oc : tc);
			}
		}
		for (size_t j = 0; j < n_other; j++) {
			if (after[j] != s)
				continue;
			const struct sg_nb_cell *xc = &other->cells[j];
			long bi = idmap_get(&bm, xc->id);
			if (bi < 0) {
				sg_nb_insert_copy(m, m->ncells, xc);     /* added there */
			} else if (cell_changes(&base->cells[bi], xc) & (SG_NBD_SOURCE | SG_NBD_TYPE)) {
				/* The skeleton side deleted a cell the other changed. */
				struct sg_nb_cell *out = sg_nb_insert_copy(m, m->ncells, xc);
				mark_conflict(out, ours_skel ? "theirs" : "ours");
				nconf++;
			}
		}
	}
	free(after);
	idmap_done(&bm);
	idmap_done(&om);
	idmap_done(&tm);
	if (conflicts)
		*conflicts = nconf;
	return m;
}
