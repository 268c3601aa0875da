/* algo_data.c — loading a CSV into a design matrix and labels (algo.h).
 *
 * The bulk path reads the file with sg_csv_scan in chunks of rows as the
 * indexer publishes them, on two threads, and parses every field straight
 * into its place in the matrix.  Since the row count is unknown until the
 * index is done, the matrix is a MAP_NORESERVE anonymous mapping sized for
 * the most rows the file could hold (every record is at least ncols bytes):
 * only the pages actually written become resident, so memory is the matrix
 * itself and nothing is ever copied or regrown.  With a recipe, rows go
 * through it one at a time on one thread (its steps keep state across rows)
 * and may be dropped, so rows are appended in order. */
#include "core/algo.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "core/colstats.h"
#include "core/csvfile.h"
#include "core/util.h"

#define CHUNK_ROWS 16384
#define MAX_THREADS 16

const char *sg_task_name(enum sg_task t)
{
	switch (t) {
	case SG_TASK_REGRESSION: return "regression";
	case SG_TASK_CLASSIFICATION: return "classification";
	default: return "none";
	}
}

/* ---- numbers ------------------------------------------------------------------ */

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Clinger's fast path: a mantissa below 2^53 scaled by an exactly
 * representable power of ten is one correctly rounded operation. Anything
 * else falls back to colstats' parser (strtod-exact).  Returns -1 when the
 * fast path does not apply. */
static int parse_fast(const char *p, const char *e, double *out)
{
	int neg = 0, any = 0, exp10 = 0, sig = 0;
	uint64_t m = 0;
	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < e && (unsigned)(*p - '0') < 10; p++, any = 1) {
		if (sig >= 19)
			return -1;
		m = m * 10 + (uint64_t)(*p - '0');
		sig += m != 0;
	}
	if (p < e && *p == '.')
		for (p++; p < e && (unsigned)(*p - '0') < 10; p++, any = 1) {
			if (sig >= 19)
				return -1;
			m = m * 10 + (uint64_t)(*p - '0');
			sig += m != 0;
			exp10--;
		}
	if (!any)
		return -1;
	if (p < e && (*p == 'e' || *p == 'E')) {
		int eneg = 0, ev = 0, edig = 0;
		p++;
		if (p < e && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < e && (unsigned)(*p - '0') < 10; p++, edig++)
			if (ev < 10000)
				ev = ev * 10 + (*p - '0');
		if (!edig)
			return -1;
		exp10 += eneg ? -ev : ev;
	}
	if (p != e || m > (1ULL << 53) || exp10 < -22 || exp10 > 22)
		return -1;
	double v = (double)m;
	v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
	*out = neg ? -v : v;
	return 0;
}

int sg_parse_double(const char *s, size_t n, double *out)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (parse_fast(s, s + n, out) == 0)
		return 0;
	double v;
	switch (sg_value_kind(s, n, &v)) {
	case SG_VAL_INT:
	case SG_VAL_FLOAT:
	case SG_VAL_BOOL:
		*out = v;
		return 0;
	default:
		return -1;
	}
}

/* ---- label maps -------------------------------------------------------------- */

struct labent {
	char *s;
	size_t len;
	uint64_t h;
	int id;
};

struct labmap {
	size_t cap, n;
	struct labent *e;
	char **byid;                 /* n texts in id order (borrowed from e) */
};

static uint64_t hash_text(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static void labmap_done(struct labmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->e[i].s);
	free(m->e);
	free(m->byid);
	memset(m, 0, sizeof *m);
}

static struct labent *labmap_slot(const struct labmap *m, const char *p, size_t n, uint64_t h)
{
	size_t i = h & (m->cap - 1);
	while (m->e[i].s && !(m->e[i].h == h && m->e[i].len == n && memcmp(m->e[i].s, p, n) == 0))
		i = (i + 1) & (m->cap - 1);
	return &m->e[i];
}

/* The id of a label text, or -1 when absent. */
static int labmap_find(const struct labmap *m, const char *p, size_t n)
{
	if (!m->cap)
		return -1;
	struct labent *e = labmap_slot(m, p, n, hash_text(p, n));
	return e->s ? e->id : -1;
}

/* The id of a label text, adding it with the next id. */
static int labmap_add(struct labmap *m, const char *p, size_t n)
{
	if (m->n * 2 >= m->cap) {
		struct labmap g = { .cap = m->cap ? m->cap * 2 : 16 };
		g.e = sg_xcalloc(g.cap, sizeof *g.e);
		g.byid = sg_xrealloc(m->byid, g.cap * sizeof *g.byid);
		for (size_t i = 0; i < m->cap; i++)
			if (m->e[i].s)
				*labmap_slot(&g, m->e[i].s, m->e[i].len, m->e[i].h) = m->e[i];
		g.n = m->n;
		free(m->e);
		*m = g;
	}
	uint64_t h = hash_text(p, n);
	struct labent *e = labmap_slot(m, p, n, h);
	if (!e->s) {
		*e = (struct labent){ sg_xstrndup(p, n), n, h, (int)m->n };
		m->byid[m->n++] = e->s;
	}
	return e->id;
}

/* ---- column mapping -------------------------------------------------------------- */

struct loader {
	const struct sg_xy_opts *o;
	struct sg_csv *csv;
	const char *file;            /* for messages */
	const char *channel;
	int ncols;                   /* columns of a row (after the recipe) */
	char **colnames;             /* ncols, borrowed */
	int *feat;                   /* per column: feature index or -1 */
	int label;                   /* label column, or -1 */
	int d;
	char **names;                /* d feature names (malloc'd) */
	struct labmap like_classes;  /* when loading like another set */
	int have_like_classes;
	struct labmap classes;       /* training set: ids in order of first sight */
	pthread_mutex_t classes_mu;
	/* output */
	double *x, *y;
	size_t xcap, ycap;           /* bytes mapped */
	size_t maxrows;
};

static const char *conv_hint(const struct loader *L)
{
	return L->o->target ? "" : " (SageMaker's convention: no header, the label in the first "
				   "column; or give target=COLUMN for a file with a header)";
}

static char *list_names(char *const *names, int n)
{
	struct sg_buf b = { 0 };
	for (int i = 0; i < n && b.len < 600; i++)
		sg_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
	if (n > 0 && b.len >= 600)
		sg_buf_puts(&b, ", …");
	return sg_buf_take(&b, NULL);
}

static int like_d(const struct sg_xy_opts *o)
{
	return o->like ? o->like->d : o->like_names ? o->like_d : -1;
}

static char *const *like_names(const struct sg_xy_opts *o)
{
	return o->like ? o->like->names : o->like_names;
}

/* Finds the label column; -1 with err when required and absent. */
static int map_label(struct loader *L, int named, struct sg_error *err)
{
	const struct sg_xy_opts *o = L->o;
	int need = o->task != SG_TASK_NONE && o->label != SG_LABEL_OPTIONAL;
	L->label = -1;
	if (o->target) {
		for (int j = 0; j < L->ncols; j++)
			if (strcmp(L->colnames[j], o->target) == 0)
				L->label = j;
		if (L->label < 0 && need) {
			char *cols = list_names(L->colnames, L->ncols);
			sg_error_set(err, SG_E_USAGE, "%s: no label column '%s'%s (columns: %s)", L->file,
				     o->target, named ? "" : ": the file has no header row", cols);
			free(cols);
			return -1;
		}
		return 0;
	}
	if (o->task == SG_TASK_NONE)
		return 0;
	int ld = like_d(o);
	if (ld >= 0 && o->label == SG_LABEL_OPTIONAL && L->ncols == ld)
		return 0;               /* data to predict without labels */
	if (L->ncols < 2)
		return sg_error_set(err, SG_E_USAGE, "%s: %d column%s: need a label and at least one "
				    "feature%s", L->file, L->ncols, L->ncols == 1 ? "" : "s",
				    conv_hint(L));
	L->label = 0;
	return 0;
}

/* Features are every non-label column, in order. */
static void map_all(struct loader *L)
{
	L->d = 0;
	for (int j = 0; j < L->ncols; j++)
		L->feat[j] = j == L->label ? -1 : L->d++;
	L->names = sg_xcalloc((size_t)L->d + 1, sizeof *L->names);
	for (int j = 0; j < L->ncols; j++)
		if (L->feat[j] >= 0)
			L->names[L->feat[j]] = sg_xstrdup(L->colnames[j]);
}

static int find_name(struct loader *L, const char *name)
{
	for (int j = 0; j < L->ncols; j++)
		if (strcmp(L->colnames[j], name) == 0)
			return j;
	return -1;
}

/* Maps columns to the features of another set: by name when every one is
 * found, else by position with an equal count. */
static int map_like(struct loader *L, int named, struct sg_error *err)
{
	int ld = like_d(L->o);
	char *const *ln = like_names(L->o);
	int found = 0;
	for (int f = 0; named && f < ld; f++)
		found += find_name(L, ln[f]) >= 0;
	if (named && found == ld) {
		for (int j = 0; j < L->ncols; j++)
			L->feat[j] = -1;
		for (int f = 0; f < ld; f++)
			L->feat[find_name(L, ln[f])] = f;
		for (int j = 0; j < L->ncols; j++)
			if (L->feat[j] < 0 && j != L->label &&
			    !(L->o->target && strcmp(L->colnames[j], L->o->target) == 0))
				return sg_error_set(err, SG_E_USAGE, "%s: column '%s' is not one of the "
						    "model's %d features (the %s channel's columns "
						    "differ from train's)", L->file, L->colnames[j],
						    ld, L->channel);
		L->d = ld;
		L->names = sg_xcalloc((size_t)ld + 1, sizeof *L->names);
		for (int f = 0; f < ld; f++)
			L->names[f] = sg_xstrdup(ln[f]);
		return 0;
	}
	int have = L->ncols - (L->label >= 0);
	if (have != ld || (named && found > 0)) {
		char *want = list_names(ln, ld);
		int missing = -1;
		for (int f = 0; named && f < ld && missing < 0; f++)
			if (find_name(L, ln[f]) < 0)
				missing = f;
		if (missing >= 0)
			sg_error_set(err, SG_E_USAGE, "%s: the %s channel's columns differ from train's: "
				     "no column '%s' (train's features: %s)", L->file, L->channel,
				     ln[missing], want);
		else
			sg_error_set(err, SG_E_USAGE, "%s: the %s channel's columns differ from train's: "
				     "%d features, train has %d (%s)", L->file, L->channel, have, ld,
				     want);
		free(want);
		return -1;
	}
	map_all(L);
	for (int f = 0; f < ld; f++) {   /* positional: keep train's names */
		free(L->names[f]);
		L->names[f] = sg_xstrdup(ln[f]);
	}
	return 0;
}

static int map_columns(struct loader *L, int named, struct sg_error *err)
{
	L->feat = sg_xcalloc((size_t)L->ncols + 1, sizeof *L->feat);
	if (map_label(L, named, err) != 0)
		return -1;
	if (like_d(L->o) >= 0)
		return map_like(L, named, err);
	map_all(L);
	if (L->d == 0)
		return sg_error_set(err, SG_E_USAGE, "%s: no feature columns%s", L->file, conv_hint(L));
	return 0;
}

/* ---- row conversion -------------------------------------------------------------- */

struct worker {
	struct loader *L;
	struct labmap cache;         /* local ids of labels seen by this worker */
	int *gid;                    /* local id -> id in L->classes */
	size_t gidcap;
	size_t rows;                 /* rows converted (recipe path: next slot) */
	uint64_t err_row;            /* first failing data row, or UINT64_MAX */
	struct sg_error err;
	struct sg_csv_cursor cur;
	pthread_t tid;
};

static int row_error(struct worker *w, uint64_t row, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int row_error(struct worker *w, uint64_t row, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sg_error_vset(&w->err, SG_E_USAGE, fmt, ap);
	va_end(ap);
	w->err_row = row;
	return -1;
}

static int cell_error(struct worker *w, uint64_t row, int col, const struct sg_csv_field *f)
{
	struct loader *L = w->L;
	const char *name = L->colnames[col];
	if (sg_value_kind(f->p, f->len, NULL) == SG_VAL_MISSING)
		return row_error(w, row, "%s: data row %llu, column '%s' (%d): missing value; add a "
				 "recipe step {\"op\": \"impute\", \"columns\": [\"%s\"], \"strategy\": "
				 "\"median\"} or {\"op\": \"drop_missing\"}", L->file,
				 (unsigned long long)row + 1, name, col + 1, name);
	return row_error(w, row, "%s: data row %llu, column '%s' (%d): '%.*s' is not a number; "
			 "encode it with a recipe step {\"op\": \"one_hot\", \"columns\": [\"%s\"]}",
			 L->file, (unsigned long long)row + 1, name, col + 1,
			 (int)(f->len > 40 ? 40 : f->len), f->p, name);
}

static int label_value(struct worker *w, uint64_t row, const struct sg_csv_field *f, double *y)
{
	struct loader *L = w->L;
	if (L->o->task == SG_TASK_REGRESSION) {
		if (sg_parse_double(f->p, f->len, y) == 0)
			return 0;
		return row_error(w, row, "%s: data row %llu: the label '%.*s' in column '%s' is %s",
				 L->file, (unsigned long long)row + 1, (int)(f->len > 40 ? 40 : f->len),
				 f->p, L->colnames[L->label],
				 f->len ? "not a number (a regressor needs numeric labels)" : "missing");
	}
	if (sg_value_kind(f->p, f->len, NULL) == SG_VAL_MISSING)
		return row_error(w, row, "%s: data row %llu: the label in column '%s' is missing",
				 L->file, (unsigned long long)row + 1, L->colnames[L->label]);
	int id;
	if (L->have_like_classes) {
		id = labmap_find(&L->like_classes, f->p, f->len);
		if (id < 0)
			return row_error(w, row, "%s: data row %llu: class '%.*s' does not occur in the "
					 "train channel", L->file, (unsigned long long)row + 1,
					 (int)(f->len > 40 ? 40 : f->len), f->p);
	} else {
		id = labmap_find(&w->cache, f->p, f->len);
		if (id < 0) {
			int local = labmap_add(&w->cache, f->p, f->len);
			if ((size_t)local >= w->gidcap) {
				w->gidcap = w->gidcap ? w->gidcap * 2 : 16;
				w->gid = sg_xrealloc(w->gid, w->gidcap * sizeof *w->gid);
			}
			pthread_mutex_lock(&L->classes_mu);
			w->gid[local] = labmap_add(&L->classes, f->p, f->len);
			pthread_mutex_unlock(&L->classes_mu);
			id = local;
		}
		id = w->gid[id];
	}
	*y = id;
	return 0;
}

/* Converts one row's fields into slot i of the matrix. */
static int convert(struct worker *w, const struct sg_csv_field *f, int nf, uint64_t row, size_t i)
{
	struct loader *L = w->L;
	if (nf != L->ncols)
		return row_error(w, row, "%s: data row %llu has %d field%s, expected %d", L->file,
				 (unsigned long long)row + 1, nf, nf == 1 ? "" : "s", L->ncols);
	/* Only short (ragged) rows can outnumber the reservation, and they were
	 * refused above; this guards the mapping whatever happens. */
	if (L->maxrows && i >= L->maxrows)
		return row_error(w, row, "%s: data row %llu: more rows than the file can hold "
				 "(it changed while being read?)", L->file, (unsigned long long)row + 1);
	double *xr = L->x + i * (size_t)L->d;
	for (int j = 0; j < nf; j++) {
		int k = L->feat[j];
		if (k >= 0) {
			if (parse_fast(f[j].p, f[j].p + f[j].len, &xr[k]) != 0 &&
			    sg_parse_double(f[j].p, f[j].len, &xr[k]) != 0)
				return cell_error(w, row, j, &f[j]);
		} else if (j == L->label && L->y && label_value(w, row, &f[j], &L->y[i]) != 0) {
			return -1;
		}
	}
	return 0;
}

static int scan_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct worker *w = ud;
	int nf = cur->ragged ? cur->nfields : cur->ncols;
	if (convert(w, cur->field, nf, cur->row, (size_t)cur->row) != 0)
		return -1;
	w->rows++;
	return 0;
}

/* ---- the parallel bulk path ---------------------------------------------------------- */

struct bulk {
	struct loader *L;
	atomic_uint_fast64_t next;   /* next chunk to claim */
	atomic_int stop;
	int failed_io;
	pthread_mutex_t mu;
	struct sg_error io_err;
};

struct bulk_worker {
	struct worker w;
	struct bulk *b;
};

static void *bulk_main(void *arg)
{
	struct bulk_worker *bw = arg;
	struct bulk *b = bw->b;
	struct loader *L = b->L;
	while (!atomic_load(&b->stop)) {
		uint64_t c = atomic_fetch_add(&b->next, 1);
		uint64_t first = c * CHUNK_ROWS, last = first + CHUNK_ROWS;
		uint64_t avail = sg_csv_wait_rows(L->csv, last);
		if (avail <= first)
			break;
		if (last > avail)
			last = avail;
		struct sg_error e = { 0 };
		int rc = sg_csv_scan(L->csv, &bw->w.cur, first, last, 0, scan_row, &bw->w,
				     L->o->cancel, &e);
		if (rc == 1 || rc == -1 || bw->w.err_row != UINT64_MAX) {
			if (bw->w.err_row == UINT64_MAX && rc != 0) {
				pthread_mutex_lock(&b->mu);
				if (!b->failed_io)
					b->io_err = e;
				b->failed_io = rc == -1 ? 1 : b->failed_io ? b->failed_io : 2;
				pthread_mutex_unlock(&b->mu);
			}
			atomic_store(&b->stop, 1);
			break;
		}
	}
	return NULL;
}

static int nthreads(const struct sg_xy_opts *o)
{
	int t = o->threads > 0 ? o->threads : 2;
	return t > MAX_THREADS ? MAX_THREADS : t;
}

/* Runs the workers; picks the error of the lowest row, which is the same
 * whatever the interleaving (chunks before a failing one are finished). */
static int bulk_run(struct loader *L, struct worker **ws, int *nw, struct sg_error *err)
{
	struct bulk b = { .L = L };
	pthread_mutex_init(&b.mu, NULL);
	int t = nthreads(L->o);
	struct bulk_worker *bw = sg_xcalloc((size_t)t, sizeof *bw);
	for (int i = 0; i < t; i++) {
		bw[i].b = &b;
		bw[i].w.L = L;
		bw[i].w.err_row = UINT64_MAX;
		sg_csv_cursor_init(&bw[i].w.cur);
		pthread_create(&bw[i].w.tid, NULL, bulk_main, &bw[i]);
	}
	int rc = 0;
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < t; i++)
		pthread_join(bw[i].w.tid, NULL);
	for (int i = 0; i < t; i++)
		if (bw[i].w.err_row < best) {
			best = bw[i].w.err_row;
			*err = bw[i].w.err;
			rc = -1;
		}
	if (rc == 0 && b.failed_io) {
		rc = b.failed_io == 1 ? -1 : 1;
		if (rc < 0)
			*err = b.io_err;
	}
	if (rc == 0 && sg_csv_wait(L->csv, err) != 0)
		rc = -1;
	pthread_mutex_destroy(&b.mu);
	*ws = sg_xcalloc((size_t)t, sizeof **ws);
	for (int i = 0; i < t; i++) {
		sg_csv_cursor_done(&bw[i].w.cur);
		(*ws)[i] = bw[i].w;
	}
	*nw = t;
	free(bw);
	return rc;
}

/* ---- the recipe path ---------------------------------------------------------------- */

struct recipe_pass {
	struct worker *w;
	struct sg_recipe *r;
	int failed;
};

static int recipe_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct recipe_pass *rp = ud;
	struct worker *w = rp->w;
	const struct sg_csv_field *out;
	int n;
	int rc = sg_recipe_row(rp->r, w->L->csv, cur, &out, &n, &w->err);
	if (rc < 0) {
		w->err_row = cur->row;
		return -1;
	}
	if (rc == 0)
		return 0;
	if (convert(w, out, n, cur->row, w->rows) != 0)
		return -1;
	w->rows++;
	return 0;
}

/* Scans rows [first, last) of L's file through the recipe. */
static int recipe_scan(struct loader *L, struct worker *w, uint64_t first, uint64_t last,
		       struct sg_error *err)
{
	struct recipe_pass rp = { w, L->o->recipe, 0 };
	int rc = sg_csv_scan(L->csv, &w->cur, first, last, 0, recipe_row, &rp, L->o->cancel, err);
	if (rc == -1 && w->err_row != UINT64_MAX)
		*err = w->err;
	return rc;
}

static int recipe_run(struct loader *L, struct worker *w, struct sg_error *err)
{
	uint64_t pos = 0;
	int rc = 0;
	for (;;) {
		uint64_t n = sg_csv_wait_rows(L->csv, pos + CHUNK_ROWS);
		if (n > pos)
			rc = recipe_scan(L, w, pos, n, err);
		if (rc != 0 || n < pos + CHUNK_ROWS)
			break;
		pos = n;
	}
	if (rc == 0 && sg_csv_wait(L->csv, err) != 0)
		rc = -1;
	return rc;
}

/* ---- classes ------------------------------------------------------------------------ */

struct classkey {
	const char *s;
	double num;
	int numeric;
};

static int cmp_class(const void *a, const void *b)
{
	const struct classkey *x = a, *z = b;
	if (x->numeric && z->numeric && x->num != z->num)
		return x->num < z->num ? -1 : 1;
	return strcmp(x->s, z->s);
}

/* Sorts the classes seen and renumbers y accordingly. */
static void finish_classes(struct loader *L, struct sg_xy *xy)
{
	size_t k = L->classes.n;
	struct classkey *keys = sg_xcalloc(k + 1, sizeof *keys);
	int numeric = 1;
	for (size_t i = 0; i < k; i++) {
		keys[i].s = L->classes.byid[i];
		numeric &= sg_parse_double(keys[i].s, strlen(keys[i].s), &keys[i].num) == 0;
	}
	for (size_t i = 0; i < k; i++)
		keys[i].numeric = numeric;
	qsort(keys, k, sizeof *keys, cmp_class);
	double *rank = sg_xcalloc(k + 1, sizeof *rank);
	xy->classes = sg_xcalloc(k + 1, sizeof *xy->classes);
	for (size_t i = 0; i < k; i++) {
		rank[labmap_find(&L->classes, keys[i].s, strlen(keys[i].s))] = (double)i;
		xy->classes[i] = sg_xstrdup(keys[i].s);
	}
	xy->nclasses = (int)k;
	for (size_t i = 0; xy->y && i < xy->n; i++)
		xy->y[i] = rank[(size_t)xy->y[i]];
	free(keys);
	free(rank);
}

/* ---- loading ---------------------------------------------------------------------- */

/* A channel may be a folder holding one data file (SageMaker's layout). */
static char *resolve_file(const char *path, struct sg_error *err)
{
	if (!sg_is_dir(path)) {
		if (!sg_is_file(path)) {
			sg_error_set(err, SG_E_NOTFOUND, "%s: no such data file", path);
			return NULL;
		}
		return sg_xstrdup(path);
	}
	DIR *d = opendir(path);
	if (!d) {
		sg_error_errno(err, "%s", path);
		return NULL;
	}
	char *found = NULL;
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = sg_path_join(path, e->d_name);
		if (sg_is_file(p) && count++ == 0)
			found = p;
		else
			free(p);
	}
	closedir(d);
	if (count == 1)
		return found;
	free(found);
	if (count)
		sg_error_set(err, SG_E_USAGE, "%s: the channel folder holds %d files; built-in "
			     "algorithms read one CSV file per channel", path, count);
	else
		sg_error_set(err, SG_E_USAGE, "%s: the channel folder holds no data file", path);
	return NULL;
}

static double *map_doubles(size_t count, size_t *bytes)
{
	size_t pg = 4096;
	size_t b = (count * sizeof(double) + pg - 1) / pg * pg;
	if (b == 0)
		b = pg;
	void *p = mmap(NULL, b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*bytes = b;
	return p;
}

/* Gives back the unused tail of a mapping. */
static void shrink_map(double *p, size_t *bytes, size_t count)
{
	size_t pg = 4096;
	size_t b = (count * sizeof(double) + pg - 1) / pg * pg;
	if (b == 0)
		b = pg;
	if (b < *bytes) {
		munmap((char *)p + b, *bytes - b);
		*bytes = b;
	}
}

static void loader_done(struct loader *L)
{
	if (L->names) {
		for (int i = 0; i < L->d; i++)
			free(L->names[i]);
		free(L->names);
	}
	free(L->feat);
	free(L->colnames);
	labmap_done(&L->like_classes);
	labmap_done(&L->classes);
	pthread_mutex_destroy(&L->classes_mu);
	if (L->o && L->o->recipe && L->csv)
		sg_recipe_rows_end(L->o->recipe);
	sg_csv_free(L->csv);
}

static void worker_done(struct worker *w)
{
	labmap_done(&w->cache);
	free(w->gid);
	sg_csv_cursor_done(&w->cur);
}

/* Opens the file and maps its columns; everything but reading rows. */
static int loader_open(struct loader *L, const char *path, const struct sg_xy_opts *o,
		       char **file, struct sg_error *err)
{
	memset(L, 0, sizeof *L);
	pthread_mutex_init(&L->classes_mu, NULL);
	L->o = o;
	L->channel = o->channel ? o->channel : "data";
	*file = resolve_file(path, err);
	if (!*file)
		return -1;
	L->file = *file;
	/* Training data in sagetty's convention has a header by definition;
	 * data to predict may come either way (SageMaker's has none). */
	struct sg_csv_options co = { .header = o->target && o->label != SG_LABEL_OPTIONAL
						       ? SG_CSV_HEADER_YES : SG_CSV_HEADER_AUTO };
	L->csv = sg_csv_open(*file, &co, err);
	if (!L->csv)
		return -1;
	if (sg_csv_ncols(L->csv) == 0)
		return sg_error_set(err, SG_E_USAGE, "%s: the file is empty", L->file);
	int named = sg_csv_dialect(L->csv)->header;
	if (o->recipe) {
		if (sg_recipe_rows_begin(o->recipe, L->csv, err) != 0)
			return -1;
		named = 1;
		L->ncols = sg_recipe_out_ncols(o->recipe);
		L->colnames = sg_xcalloc((size_t)L->ncols + 1, sizeof *L->colnames);
		for (int j = 0; j < L->ncols; j++)
			L->colnames[j] = (char *)sg_recipe_out_colname(o->recipe, j);
	} else {
		L->ncols = sg_csv_ncols(L->csv);
		L->colnames = sg_xcalloc((size_t)L->ncols + 1, sizeof *L->colnames);
		for (int j = 0; j < L->ncols; j++)
			L->colnames[j] = (char *)sg_csv_colname(L->csv, j);
	}
	if (map_columns(L, named, err) != 0)
		return -1;
	int lk = o->like ? o->like->nclasses : o->like_nclasses;
	char *const *lc = o->like ? o->like->classes : o->like_classes;
	if (o->task == SG_TASK_CLASSIFICATION && lk > 0) {
		L->have_like_classes = 1;
		for (int i = 0; i < lk; i++)
			labmap_add(&L->like_classes, lc[i], strlen(lc[i]));
	}
	return 0;
}

static struct sg_xy *xy_alloc(void)
{
	struct sg_xy *xy = sg_xcalloc(1, sizeof *xy);
	xy->source = sg_xstrdup("");
	return xy;
}

/* Hands the loader's matrix, names and classes over to a new sg_xy. */
static struct sg_xy *take_result(struct loader *L, size_t n)
{
	struct sg_xy *xy = xy_alloc();
	free(xy->source);
	xy->source = sg_xstrdup(L->file);
	xy->n = n;
	xy->d = L->d;
	xy->names = L->names;
	L->names = NULL;
	xy->x = L->x;
	xy->xcap = L->xcap;
	shrink_map(xy->x, &xy->xcap, n * (size_t)L->d);
	xy->task = L->o->task;
	if (L->y) {
		xy->y = L->y;
		xy->ycap = L->ycap;
		shrink_map(xy->y, &xy->ycap, n);
	} else if (xy->task != SG_TASK_NONE) {
		xy->task = SG_TASK_NONE;   /* optional labels were absent */
	}
	L->x = L->y = NULL;
	return xy;
}

static int check_result(struct loader *L, struct sg_xy *xy, struct sg_error *err)
{
	if (xy->n == 0)
		return sg_error_set(err, SG_E_USAGE, "%s: no data rows", L->file);
	if (xy->task != SG_TASK_CLASSIFICATION)
		return 0;
	if (L->have_like_classes) {
		int lk = L->o->like ? L->o->like->nclasses : L->o->like_nclasses;
		char *const *lc = L->o->like ? L->o->like->classes : L->o->like_classes;
		sg_xy_set_classes(xy, lk, (const char *const *)lc);
		return 0;
	}
	finish_classes(L, xy);
	if (xy->nclasses < 2)
		return sg_error_set(err, SG_E_USAGE, "%s: the label column '%s' holds a single class "
				    "('%s'): a classifier needs at least two", L->file,
				    L->colnames[L->label], xy->classes[0]);
	return 0;
}

static int read_rows(struct loader *L, size_t *n, struct sg_error *err)
{
	if (L->o->recipe) {
		struct worker w = { .L = L, .err_row = UINT64_MAX };
		sg_csv_cursor_init(&w.cur);
		int rc = recipe_run(L, &w, err);
		*n = w.rows;
		worker_done(&w);
		return rc;
	}
	struct worker *ws;
	int nw;
	int rc = bulk_run(L, &ws, &nw, err);
	for (int i = 0; i < nw; i++)
		worker_done(&ws[i]);
	free(ws);
	*n = (size_t)sg_csv_nrows(L->csv);
	return rc;
}

int sg_xy_load(const char *path, const struct sg_xy_opts *o, struct sg_xy **out,
	       struct sg_error *err)
{
	struct loader L;
	char *file = NULL;
	*out = NULL;
	int rc = loader_open(&L, path, o, &file, err);
	if (rc == 0) {
		L.maxrows = (size_t)(sg_csv_size(L.csv) / (uint64_t)sg_csv_ncols(L.csv)) + 2;
		L.x = map_doubles(L.maxrows * (size_t)L.d, &L.xcap);
		if (L.x && o->task != SG_TASK_NONE && L.label >= 0)
			L.y = map_doubles(L.maxrows, &L.ycap);
		if (!L.x || (o->task != SG_TASK_NONE && L.label >= 0 && !L.y))
			rc = sg_error_errno(err, "%s: cannot reserve memory for %zu x %d values", file,
					    L.maxrows, L.d);
	}
	size_t n = 0;
	if (rc == 0)
		rc = read_rows(&L, &n, err);
	struct sg_xy *xy = NULL;
	if (rc == 0) {
		xy = take_result(&L, n);
		if (check_result(&L, xy, err) != 0) {
			sg_xy_free(xy);
			xy = NULL;
			rc = -1;
		}
	}
	if (L.x)
		munmap(L.x, L.xcap);
	if (L.y)
		munmap(L.y, L.ycap);
	loader_done(&L);
	free(file);
	*out = xy;
	return rc;
}

struct sg_xy *sg_xy_new(size_t n, int d, enum sg_task task)
{
	struct sg_xy *xy = xy_alloc();
	xy->n = n;
	xy->d = d;
	xy->task = task;
	xy->x = sg_xcalloc(n * (size_t)d + 1, sizeof *xy->x);
	if (task != SG_TASK_NONE)
		xy->y = sg_xcalloc(n + 1, sizeof *xy->y);
	xy->names = sg_xcalloc((size_t)d + 1, sizeof *xy->names);
	for (int j = 0; j < d; j++)
		xy->names[j] = sg_xasprintf("column_%d", j + 1);
	return xy;
}

void sg_xy_set_classes(struct sg_xy *xy, int k, const char *const *names)
{
	for (int i = 0; i < xy->nclasses; i++)
		free(xy->classes[i]);
	free(xy->classes);
	xy->nclasses = k;
	xy->classes = sg_xcalloc((size_t)k + 1, sizeof *xy->classes);
	for (int i = 0; i < k; i++)
		xy->classes[i] = sg_xstrdup(names[i]);
}

double *sg_xy_take_x(struct sg_xy *xy, size_t *bytes)
{
	double *x = xy->x;
	*bytes = xy->xcap;
	xy->x = NULL;
	xy->xcap = 0;
	return x;
}

double *sg_xy_x_resize(double *x, size_t *bytes, size_t count)
{
	if (!*bytes)
		return sg_xrealloc(x, (count ? count : 1) * sizeof *x);
	size_t pg = 4096, b = (count * sizeof *x + pg - 1) / pg * pg;
	if (b == 0)
		b = pg;
	void *p = mremap(x, *bytes, b, MREMAP_MAYMOVE);
	if (p == MAP_FAILED) {
		fputs("sagetty: out of memory\n", stderr);
		abort();
	}
	*bytes = b;
	return p;
}

void sg_xy_x_free(double *x, size_t bytes)
{
	if (bytes)
		munmap(x, bytes);
	else
		free(x);
}

void sg_xy_free(struct sg_xy *xy)
{
	if (!xy)
		return;
	sg_xy_x_free(xy->x, xy->xcap);
	if (xy->ycap)
		munmap(xy->y, xy->ycap);
	else
		free(xy->y);
	for (int j = 0; xy->names && j < xy->d; j++)
		free(xy->names[j]);
	free(xy->names);
	for (int i = 0; i < xy->nclasses; i++)
		free(xy->classes[i]);
	free(xy->classes);
	free(xy->source);
	free(xy);
}

/* ---- streaming -------------------------------------------------------------------- */

#define SCHEMA_BLOCK 65536

struct sg_xy_stream {
	struct loader L;
	struct worker w;
	char *file;
	struct sg_xy block;
	size_t cap;                  /* rows the block holds */
	uint64_t pos;                /* next input row */
	int done;
};

static int stream_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct worker *w = ud;
	int nf = cur->ragged ? cur->nfields : cur->ncols;
	if (convert(w, cur->field, nf, cur->row, w->rows) != 0)
		return -1;
	w->rows++;
	return 0;
}

/* Without o->like, classes are collected (first-seen ids) for sg_xy_load_schema. */
static struct sg_xy_stream *stream_open(const char *path, const struct sg_xy_opts *o,
					struct sg_error *err)
{
	struct sg_xy_stream *s = sg_xcalloc(1, sizeof *s);
	if (loader_open(&s->L, path, o, &s->file, err) != 0) {
		loader_done(&s->L);
		free(s->file);
		free(s);
		return NULL;
	}
	s->w = (struct worker){ .L = &s->L, .err_row = UINT64_MAX };
	sg_csv_cursor_init(&s->w.cur);
	s->block.d = s->L.d;
	s->block.names = s->L.names;
	s->block.task = s->L.label >= 0 ? o->task : SG_TASK_NONE;
	s->block.source = s->file;
	if (s->L.have_like_classes) {
		s->block.nclasses = o->like ? o->like->nclasses : o->like_nclasses;
		s->block.classes = (char **)(o->like ? o->like->classes : o->like_classes);
	}
	return s;
}

struct sg_xy_stream *sg_xy_stream_open(const char *path, const struct sg_xy_opts *o,
				       struct sg_error *err)
{
	if (!o->like && !o->like_names) {
		sg_error_set(err, SG_E_USAGE, "streaming needs the features to match");
		return NULL;
	}
	return stream_open(path, o, err);
}

int sg_xy_load_schema(const char *path, const struct sg_xy_opts *o, struct sg_xy **out,
		      struct sg_error *err)
{
	*out = NULL;
	struct sg_xy_stream *s = stream_open(path, o, err);
	if (!s)
		return -1;
	size_t n = 0;
	long long got;
	const struct sg_xy *b;
	while ((got = sg_xy_stream_next(s, SCHEMA_BLOCK, &b, err)) > 0)
		n += (size_t)got;
	int rc = got < 0 ? (o->cancel && atomic_load(o->cancel) ? 1 : -1) : 0;
	if (rc == 0) {
		struct sg_xy *xy = xy_alloc();
		free(xy->source);
		xy->source = sg_xstrdup(s->file);
		xy->n = n;
		xy->d = s->L.d;
		xy->names = s->L.names;
		s->L.names = NULL;
		s->block.names = NULL;
		xy->task = s->block.task;
		if (check_result(&s->L, xy, err) != 0) {
			sg_xy_free(xy);
			rc = -1;
		} else {
			*out = xy;
		}
	}
	sg_xy_stream_free(s);
	return rc;
}

int sg_xy_stream_has_labels(const struct sg_xy_stream *s)
{
	return s->block.task != SG_TASK_NONE;
}

long long sg_xy_stream_next(struct sg_xy_stream *s, size_t max_rows, const struct sg_xy **block,
			    struct sg_error *err)
{
	struct loader *L = &s->L;
	if (max_rows > s->cap) {
		s->block.x = sg_xrealloc(s->block.x, max_rows * (size_t)L->d * sizeof(double) + 8);
		if (s->block.task != SG_TASK_NONE)
			s->block.y = sg_xrealloc(s->block.y, max_rows * sizeof(double) + 8);
		s->cap = max_rows;
	}
	L->x = s->block.x;
	L->y = s->block.y;
	s->w.rows = 0;
	while (!s->done && s->w.rows == 0) {
		uint64_t avail = sg_csv_wait_rows(L->csv, s->pos + max_rows);
		uint64_t last = s->pos + max_rows < avail ? s->pos + max_rows : avail;
		if (last <= s->pos) {
			s->done = 1;
			if (sg_csv_wait(L->csv, err) != 0)
				return -1;
			break;
		}
		int rc = L->o->recipe ? recipe_scan(L, &s->w, s->pos, last, err)
				      : sg_csv_scan(L->csv, &s->w.cur, s->pos, last, 0, stream_row,
						    &s->w, L->o->cancel, err);
		if (rc != 0) {
			if (s->w.err_row != UINT64_MAX)
				*err = s->w.err;
			else if (rc == 1)
				sg_error_set(err, SG_E_USAGE, "cancelled");
			return -1;
		}
		s->pos = last;
	}
	L->x = L->y = NULL;
	s->block.n = s->w.rows;
	*block = &s->block;
	return (long long)s->w.rows;
}

void sg_xy_stream_free(struct sg_xy_stream *s)
{
	if (!s)
		return;
	free(s->block.x);
	free(s->block.y);
	worker_done(&s->w);
	loader_done(&s->L);
	free(s->file);
	free(s);
}
