/* recipe.c — preprocessing recipes: parse, check, fit, apply, preview; and
 * seeded train/validation/test splits.  See recipe.h for the contract. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/colstats.h"
#include "core/recipe.h"
#include "core/util.h"

#define RECIPE_MAX_BYTES (64u << 20)
#define DEFAULT_MAX_CATEGORIES 20
#define SCAN_CHUNK 65536
#define NUMBUF 40

/* ---- hashing ---------------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* A 64-bit hash of bytes: 8 bytes at a time, a multiply-rotate per word and
 * a strong finalizer; different seeds give independent-looking hashes. */
static uint64_t hash_bytes(const char *p, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	while (n >= 8) {
		uint64_t k;
		memcpy(&k, p, 8);
		h = rotl(h ^ (k * 0x87c37b91114253d5ULL), 31) * 0x4cf5ad432745937fULL;
		p += 8;
		n -= 8;
	}
	uint64_t k = 0;
	memcpy(&k, p, n);
	h = rotl(h ^ (k * 0x87c37b91114253d5ULL), 31) * 0x4cf5ad432745937fULL;
	return mix64(h);
}

/* Copies exactly n bytes (which may hold NULs) and a terminating NUL. */
static char *dupn(const char *p, size_t n)
{
	char *s = sg_xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- a string → (id, count) map -------------------------------------------- */

struct sment {
	char *s;                      /* NULL: empty slot */
	size_t len;
	uint64_t h, count;
	int id;                       /* insertion order */
};

struct strmap {
	struct sment *e;
	size_t cap, n;
};

static void strmap_done(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->e[i].s);
	free(m->e);
	memset(m, 0, sizeof *m);
}

static struct sment *strmap_slot(const struct strmap *m, const char *s, size_t len, uint64_t h)
{
	size_t i = h & (m->cap - 1);
	for (;;) {
		struct sment *e = &m->e[i];
		if (!e->s || (e->h == h && e->len == len && memcmp(e->s, s, len) == 0))
			return e;
		i = (i + 1) & (m->cap - 1);
	}
}

static void strmap_grow(struct strmap *m)
{
	struct strmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->e = sg_xcalloc(m->cap, sizeof *m->e);
	for (size_t i = 0; i < old.cap; i++)
		if (old.e[i].s)
			*strmap_slot(m, old.e[i].s, old.e[i].len, old.e[i].h) = old.e[i];
	free(old.e);
}

/* The entry for s (NULL when absent). */
static const struct sment *strmap_find(const struct strmap *m, const char *s, size_t len)
{
	if (!m->cap)
		return NULL;
	const struct sment *e = strmap_slot(m, s, len, hash_bytes(s, len, 1));
	return e->s ? e : NULL;
}

/* Adds count to s's entry, creating it. */
static struct sment *strmap_add(struct strmap *m, const char *s, size_t len, uint64_t count)
{
	if (2 * (m->n + 1) > m->cap)
		strmap_grow(m);
	uint64_t h = hash_bytes(s, len, 1);
	struct sment *e = strmap_slot(m, s, len, h);
	if (!e->s) {
		e->s = dupn(s, len);
		e->len = len;
		e->h = h;
		e->id = (int)m->n++;
	}
	e->count += count;
	return e;
}

/* ---- a set of 128-bit row hashes (drop_duplicates) --------------------------- */

struct hset {
	uint64_t (*e)[2];
	size_t cap, n;
};

static void hset_done(struct hset *s)
{
	free(s->e);
	memset(s, 0, sizeof *s);
}

static uint64_t (*hset_slot(const struct hset *s, const uint64_t h[2]))[2]
{
	size_t i = h[0] & (s->cap - 1);
	while ((s->e[i][0] | s->e[i][1]) && (s->e[i][0] != h[0] || s->e[i][1] != h[1]))
		i = (i + 1) & (s->cap - 1);
	return &s->e[i];
}

/* Inserts h; returns 1 when it was already there. */
static int hset_insert(struct hset *s, uint64_t h[2])
{
	if (!(h[0] | h[1]))
		h[1] = 1;             /* {0, 0} marks an empty slot */
	if (2 * (s->n + 1) > s->cap) {
		struct hset old = *s;
		s->cap = old.cap ? old.cap * 2 : 1024;
		s->e = sg_xcalloc(s->cap, sizeof *s->e);
		for (size_t i = 0; i < old.cap; i++)
			if (old.e[i][0] | old.e[i][1])
				memcpy(*hset_slot(s, old.e[i]), old.e[i], sizeof old.e[i]);
		free(old.e);
	}
	uint64_t (*slot)[2] = hset_slot(s, h);
	if ((*slot)[0] | (*slot)[1])
		return 1;
	(*slot)[0] = h[0];
	(*slot)[1] = h[1];
	s->n++;
	return 0;
}

/* ---- output files: written to a temp in the same folder, renamed at the end -- */

struct outfile {
	char *path, *tmp;
	FILE *f;
};

static int out_open(struct outfile *o, const char *path, struct sg_error *err)
{
	o->path = sg_xstrdup(path);
	o->tmp = sg_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!o->f) {
		sg_error_errno(err, "cannot write %s", path);
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		free(o->path);
		free(o->tmp);
		memset(o, 0, sizeof *o);
		return -1;
	}
	return 0;
}

/* Drops an unfinished output: nothing is left behind. */
static void out_abort(struct outfile *o)
{
	if (o->f) {
		fclose(o->f);
		unlink(o->tmp);
	}
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof *o);
}

/* Flushes and fsyncs the temp file and closes it (still not in place). */
static int out_finish(struct outfile *o, struct sg_error *err)
{
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0) {
		sg_error_errno(err, "cannot write %s", o->path);
		out_abort(o);
		return -1;
	}
	int rc = fclose(o->f);
	o->f = NULL;
	if (rc != 0) {
		sg_error_errno(err, "cannot write %s", o->path);
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

/* Renames a finished temp over its path and syncs the folder. */
static int out_rename(struct outfile *o, struct sg_error *err)
{
	int rc = 0;
	if (rename(o->tmp, o->path) != 0) {
		rc = sg_error_errno(err, "cannot replace %s", o->path);
		unlink(o->tmp);
	} else {
		char *dir = sg_xstrdup(o->path);
		char *slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir] = '\0';
		int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		free(dir);
	}
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof *o);
	return rc;
}

/* Writes one CSV field: quoted when it holds a comma, a quote or a line
 * break, and when it is the only, empty field of a record (an empty line
 * would read back as no record at all). */
static void put_field(FILE *f, const char *p, size_t len, int alone)
{
	int quote = alone && len == 0;
	for (size_t i = 0; i < len && !quote; i++)
		quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (!quote) {
		fwrite(p, 1, len, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"')
			putc('"', f);
		putc(p[i], f);
	}
	putc('"', f);
}

static void put_record(FILE *f, const struct sg_csv_field *cell, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			putc(',', f);
		put_field(f, cell[i].p, cell[i].len, n == 1);
	}
	putc('\n', f);
}

/* The shortest %g text that reads back as exactly v ("-0" is "0"). */
static size_t format_num(double v, char *buf, size_t n)
{
	if (v == 0)
		v = 0;
	int len = 0;
	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return (size_t)len;
}

/* ---- the recipe --------------------------------------------------------------- */

enum op {
	OP_DROP_MISSING, OP_IMPUTE, OP_DROP_DUPLICATES, OP_ONE_HOT, OP_SCALE,
	OP_SELECT, OP_DROP, OP_RENAME, OP_N
};

static const char *const op_names[OP_N] = {
	"drop_missing", "impute", "drop_duplicates", "one_hot", "scale", "select", "drop",
	"rename"
};

/* The keys each op accepts besides "op" and "comment". */
static const char *const op_keys[OP_N] = {
	"columns", "columns strategy value fitted", "columns", "columns max_categories fitted",
	"columns method fitted", "columns", "columns", "map"
};

enum strategy { ST_MEAN, ST_MEDIAN, ST_MOST_FREQUENT, ST_CONSTANT, ST_N };
static const char *const strategy_names[ST_N] = { "mean", "median", "most_frequent", "constant" };
enum method { M_STANDARD, M_MINMAX, M_N };
static const char *const method_names[M_N] = { "standard", "minmax" };

/* One-hot categories of one column. */
struct cats {
	int n;
	char **val;
	size_t *len;
	char **outname;               /* n + 1 names: the categories, then other */
	struct strmap map;            /* value → index */
};

struct step {
	enum op op;
	int no;                       /* 1-based, for messages */
	json_t *js;                   /* borrowed from the recipe's root */
	int ncol;                     /* 0 with col NULL: all columns */
	char **col;
	char **to;                    /* rename: new names */
	enum strategy strategy;
	char *constant;
	size_t constant_len;
	enum method method;
	int max_categories;
	int fitted;
	/* fitted, per column */
	char **fill;                  /* impute */
	size_t *fill_len;
	double *a, *b;                /* scale: mean/std or min/max */
	struct cats *cats;            /* one_hot */
	/* bound to an input schema */
	int *idx;                     /* per column: index in the step's input */
	int *src;                     /* select/drop: output i is input src[i] */
	int *oh;                      /* one_hot: per input column, the column j or -1 */
	char (*numbuf)[NUMBUF];       /* scale: the row's formatted values */
	struct hset seen;             /* drop_duplicates, per pass */
	uint64_t dropped;
};

struct schema {
	int n;
	char **name;
};

struct sg_recipe {
	char *name;
	json_t *root;
	int nsteps;
	struct step *step;
	struct schema *schema;        /* nsteps + 1 once bound */
	int nbound;                   /* steps bound (their output schema known) */
	int maxw;                     /* widest schema bound so far */
	struct sg_csv_field *rowa, *rowb;
};

static int needs_fit(const struct step *s)
{
	return (s->op == OP_IMPUTE && s->strategy != ST_CONSTANT) || s->op == OP_ONE_HOT ||
	       s->op == OP_SCALE;
}

static int is_missing(const char *p, size_t len)
{
	return sg_value_kind(p, len, NULL) == SG_VAL_MISSING;
}

static void free_strv(char **v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void cats_done(struct cats *c)
{
	free_strv(c->val, c->n);
	free_strv(c->outname, c->n + 1);
	free(c->len);
	strmap_done(&c->map);
	memset(c, 0, sizeof *c);
}

static void free_fitted(struct step *s)
{
	free_strv(s->fill, s->ncol);
	free(s->fill_len);
	free(s->a);
	free(s->b);
	for (int j = 0; s->cats && j < s->ncol; j++)
		cats_done(&s->cats[j]);
	free(s->cats);
	s->fill = NULL;
	s->fill_len = NULL;
	s->a = s->b = NULL;
	s->cats = NULL;
	s->fitted = 0;
}

static void free_bound(struct step *s)
{
	free(s->idx);
	free(s->src);
	free(s->oh);
	free(s->numbuf);
	hset_done(&s->seen);
	s->idx = s->src = s->oh = NULL;
	s->numbuf = NULL;
}

static void unbind(struct sg_recipe *r)
{
	for (int k = 0; r->schema && k <= r->nbound; k++)
		free_strv(r->schema[k].name, r->schema[k].n);
	free(r->schema);
	r->schema = NULL;
	for (int k = 0; k < r->nsteps; k++)
		free_bound(&r->step[k]);
	r->nbound = 0;
	free(r->rowa);
	free(r->rowb);
	r->rowa = r->rowb = NULL;
	r->maxw = 0;
}

void sg_recipe_free(struct sg_recipe *r)
{
	if (!r)
		return;
	unbind(r);
	for (int k = 0; k < r->nsteps; k++) {
		struct step *s = &r->step[k];
		free_fitted(s);
		free_strv(s->col, s->ncol);
		free_strv(s->to, s->ncol);
		free(s->constant);
	}
	free(r->step);
	json_decref(r->root);
	free(r->name);
	free(r);
}

/* ---- parsing ------------------------------------------------------------------ */

/* "NAME: step N (op): " + message. */
static int step_error(const struct sg_recipe *r, const struct step *s, struct sg_error *err,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int step_error(const struct sg_recipe *r, const struct step *s, struct sg_error *err,
		      const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s->op < OP_N)
		return sg_error_set(err, SG_E_PARSE, "%s: step %d (%s): %s", r->name, s->no,
				    op_names[s->op], msg);
	return sg_error_set(err, SG_E_PARSE, "%s: step %d: %s", r->name, s->no, msg);
}

/* Is key one of the space-separated words of list? */
static int word_in(const char *list, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && memcmp(p, key, n) == 0)
			return 1;
		p += len + (e != NULL);
	}
	return 0;
}

static int parse_columns(struct sg_recipe *r, struct step *s, json_t *v, struct sg_error *err)
{
	if (!json_is_array(v) || json_array_size(v) == 0)
		return step_error(r, s, err, "\"columns\" must be a non-empty array of column names");
	s->ncol = (int)json_array_size(v);
	s->col = sg_xcalloc((size_t)s->ncol, sizeof *s->col);
	for (int j = 0; j < s->ncol; j++) {
		json_t *e = json_array_get(v, (size_t)j);
		if (!json_is_string(e))
			return step_error(r, s, err, "columns[%d]: a column name must be a string", j);
		s->col[j] = sg_xstrdup(json_string_value(e));
		for (int i = 0; i < j; i++)
			if (strcmp(s->col[i], s->col[j]) == 0)
				return step_error(r, s, err, "columns[%d]: '%s' is listed twice", j,
						  s->col[j]);
	}
	return 0;
}

static int parse_rename(struct sg_recipe *r, struct step *s, json_t *map, struct sg_error *err)
{
	if (!json_is_object(map) || json_object_size(map) == 0)
		return step_error(r, s, err, "\"map\" must be a non-empty object {\"old\": \"new\"}");
	s->ncol = (int)json_object_size(map);
	s->col = sg_xcalloc((size_t)s->ncol, sizeof *s->col);
	s->to = sg_xcalloc((size_t)s->ncol, sizeof *s->to);
	const char *key;
	json_t *v;
	int j = 0;
	json_object_foreach(map, key, v) {
		if (!json_is_string(v) || !json_string_value(v)[0])
			return step_error(r, s, err, "map.%s: the new name must be a non-empty string",
					  key);
		s->col[j] = sg_xstrdup(key);
		s->to[j++] = sg_xstrdup(json_string_value(v));
	}
	return 0;
}

/* A JSON scalar as fill text: strings as they are, numbers formatted. */
static int scalar_text(json_t *v, char **out, size_t *len)
{
	char buf[NUMBUF];
	if (json_is_string(v)) {
		*len = json_string_length(v);
		*out = dupn(json_string_value(v), *len);
	} else if (json_is_integer(v)) {
		*len = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		*out = sg_xstrdup(buf);
	} else if (json_is_real(v)) {
		*len = format_num(json_real_value(v), buf, sizeof buf);
		*out = sg_xstrdup(buf);
	} else {
		return -1;
	}
	return 0;
}

static int parse_name(struct sg_recipe *r, struct step *s, json_t *v, const char *key,
		      const char *const *names, int n, int *out, struct sg_error *err)
{
	const char *t = json_string_value(v);
	for (int i = 0; t && i < n; i++)
		if (strcmp(t, names[i]) == 0) {
			*out = i;
			return 0;
		}
	char list[256] = "";
	for (int i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	return step_error(r, s, err, "\"%s\" must be one of %s", key, list);
}

/* The fitted object's per-column member for column j, or an error. */
static json_t *fitted_member(struct sg_recipe *r, struct step *s, json_t *fitted,
			     const char *key, int j, struct sg_error *err)
{
	json_t *obj = json_object_get(fitted, key);
	json_t *v = json_is_object(obj) ? json_object_get(obj, s->col[j]) : NULL;
	if (!v)
		step_error(r, s, err, "fitted.%s has no entry for column '%s'", key, s->col[j]);
	return v;
}

static int num_member(json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return 0;
}

static void cats_init(struct cats *c, const char *col)
{
	c->outname = sg_xcalloc((size_t)c->n + 1, sizeof *c->outname);
	for (int m = 0; m < c->n; m++) {
		strmap_add(&c->map, c->val[m], c->len[m], 0)->id = m;
		c->outname[m] = sg_xasprintf("%s=%s", col, c->val[m]);
	}
	/* "other" itself may be a category: the bucket then gets a name of its own. */
	char *other = sg_xasprintf("%s=other", col);
	for (;;) {
		int clash = 0;
		for (int m = 0; m < c->n && !clash; m++)
			clash = strcmp(c->outname[m], other) == 0;
		if (!clash)
			break;
		char *o2 = sg_xasprintf("%s_", other);
		free(other);
		other = o2;
	}
	c->outname[c->n] = other;
}

static int parse_fitted(struct sg_recipe *r, struct step *s, json_t *f, struct sg_error *err)
{
	if (!json_is_object(f))
		return step_error(r, s, err, "\"fitted\" must be an object");
	int n = s->ncol;
	if (s->op == OP_IMPUTE) {
		s->fill = sg_xcalloc((size_t)n, sizeof *s->fill);
		s->fill_len = sg_xcalloc((size_t)n, sizeof *s->fill_len);
		for (int j = 0; j < n; j++) {
			json_t *v = fitted_member(r, s, f, "values", j, err);
			if (!v)
				return -1;
			if (scalar_text(v, &s->fill[j], &s->fill_len[j]) != 0)
				return step_error(r, s, err, "fitted.values.%s must be a string or number",
						  s->col[j]);
		}
	} else if (s->op == OP_SCALE) {
		s->a = sg_xcalloc((size_t)n, sizeof *s->a);
		s->b = sg_xcalloc((size_t)n, sizeof *s->b);
		const char *ka = s->method == M_STANDARD ? "mean" : "min";
		const char *kb = s->method == M_STANDARD ? "std" : "max";
		for (int j = 0; j < n; j++) {
			json_t *v = fitted_member(r, s, f, "columns", j, err);
			if (!v)
				return -1;
			if (num_member(v, ka, &s->a[j]) || num_member(v, kb, &s->b[j]))
				return step_error(r, s, err, "fitted.columns.%s needs numbers \"%s\" and \"%s\"",
						  s->col[j], ka, kb);
		}
	} else if (s->op == OP_ONE_HOT) {
		s->cats = sg_xcalloc((size_t)n, sizeof *s->cats);
		for (int j = 0; j < n; j++) {
			json_t *v = fitted_member(r, s, f, "categories", j, err);
			if (!v)
				return -1;
			if (!json_is_array(v))
				return step_error(r, s, err, "fitted.categories.%s must be an array of strings",
						  s->col[j]);
			struct cats *c = &s->cats[j];
			c->n = (int)json_array_size(v);
			c->val = sg_xcalloc((size_t)c->n + 1, sizeof *c->val);
			c->len = sg_xcalloc((size_t)c->n + 1, sizeof *c->len);
			for (int m = 0; m < c->n; m++) {
				json_t *e = json_array_get(v, (size_t)m);
				if (!json_is_string(e))
					return step_error(r, s, err, "fitted.categories.%s[%d] must be a string",
							  s->col[j], m);
				c->len[m] = json_string_length(e);
				c->val[m] = dupn(json_string_value(e), c->len[m]);
				if (strmap_find(&c->map, c->val[m], c->len[m]))
					return step_error(r, s, err, "fitted.categories.%s[%d]: '%s' is listed twice",
							  s->col[j], m, c->val[m]);
				strmap_add(&c->map, c->val[m], c->len[m], 0);
			}
			strmap_done(&c->map);
			cats_init(c, s->col[j]);
		}
	} else {
		return step_error(r, s, err, "this step learns nothing: remove \"fitted\"");
	}
	s->fitted = 1;
	return 0;
}

/* Checks the keys of a step object against its op. */
static int check_keys(struct sg_recipe *r, struct step *s, json_t *o, struct sg_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (strcmp(key, "op") == 0 || strcmp(key, "comment") == 0 ||
		    word_in(op_keys[s->op], key))
			continue;
		return step_error(r, s, err, "unknown key \"%s\" (this step takes: op, %s)", key,
				  op_keys[s->op]);
	}
	return 0;
}

static int parse_options(struct sg_recipe *r, struct step *s, json_t *o, struct sg_error *err)
{
	if (s->op == OP_IMPUTE) {
		int st;
		if (parse_name(r, s, json_object_get(o, "strategy"), "strategy", strategy_names,
			       ST_N, &st, err) != 0)
			return -1;
		s->strategy = (enum strategy)st;
		json_t *v = json_object_get(o, "value");
		if (s->strategy == ST_CONSTANT &&
		    (!v || scalar_text(v, &s->constant, &s->constant_len) != 0))
			return step_error(r, s, err, "strategy constant needs a \"value\" (a string or number)");
		if (s->strategy != ST_CONSTANT && v)
			return step_error(r, s, err, "\"value\" is only for strategy constant");
	} else if (s->op == OP_SCALE) {
		int m = M_STANDARD;
		json_t *v = json_object_get(o, "method");
		if (v && parse_name(r, s, v, "method", method_names, M_N, &m, err) != 0)
			return -1;
		s->method = (enum method)m;
	} else if (s->op == OP_ONE_HOT) {
		json_t *v = json_object_get(o, "max_categories");
		s->max_categories = DEFAULT_MAX_CATEGORIES;
		if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
			  json_integer_value(v) > 100000))
			return step_error(r, s, err, "\"max_categories\" must be an integer from 1 to 100000");
		if (v)
			s->max_categories = (int)json_integer_value(v);
	}
	return 0;
}

static int parse_step(struct sg_recipe *r, struct step *s, json_t *o, struct sg_error *err)
{
	s->js = o;
	s->op = OP_N;
	if (!json_is_object(o))
		return step_error(r, s, err, "a step must be an object with an \"op\"");
	const char *op = json_string_value(json_object_get(o, "op"));
	for (int i = 0; op && i < OP_N; i++)
		if (strcmp(op, op_names[i]) == 0)
			s->op = (enum op)i;
	if (s->op == OP_N)
		return step_error(r, s, err, "%s%s%s (ops: drop_missing, impute, drop_duplicates, "
				  "one_hot, scale, select, drop, rename)",
				  op ? "unknown op '" : "missing \"op\"", op ? op : "", op ? "'" : "");
	if (check_keys(r, s, o, err) != 0)
		return -1;
	json_t *cols = json_object_get(o, "columns");
	if (s->op == OP_RENAME) {
		if (parse_rename(r, s, json_object_get(o, "map"), err) != 0)
			return -1;
	} else if (cols || (s->op != OP_DROP_MISSING && s->op != OP_DROP_DUPLICATES)) {
		if (parse_columns(r, s, cols, err) != 0)
			return -1;
	}
	if (parse_options(r, s, o, err) != 0)
		return -1;
	json_t *f = json_object_get(o, "fitted");
	return f ? parse_fitted(r, s, f, err) : 0;
}

static int parse_root(struct sg_recipe *r, struct sg_error *err)
{
	if (!json_is_object(r->root))
		return sg_error_set(err, SG_E_PARSE, "%s:1:1: a recipe is a JSON object with \"steps\"",
				    r->name);
	const char *key;
	json_t *v;
	json_object_foreach(r->root, key, v) {
		if (!word_in("version steps description input_columns output_columns", key))
			return sg_error_set(err, SG_E_PARSE, "%s: unknown key \"%s\" (a recipe has "
					    "version, steps, description)", r->name, key);
	}
	json_t *ver = json_object_get(r->root, "version");
	if (ver && (!json_is_integer(ver) || json_integer_value(ver) != 1))
		return sg_error_set(err, SG_E_PARSE, "%s: \"version\" must be 1", r->name);
	json_t *steps = json_object_get(r->root, "steps");
	if (!json_is_array(steps))
		return sg_error_set(err, SG_E_PARSE, "%s: \"steps\" must be an array of steps",
				    r->name);
	r->nsteps = (int)json_array_size(steps);
	r->step = sg_xcalloc((size_t)r->nsteps + 1, sizeof *r->step);
	for (int k = 0; k < r->nsteps; k++) {
		r->step[k].no = k + 1;
		if (parse_step(r, &r->step[k], json_array_get(steps, (size_t)k), err) != 0)
			return -1;
	}
	return 0;
}

struct sg_recipe *sg_recipe_parse(const char *text, size_t len, const char *name,
				  struct sg_error *err)
{
	struct sg_recipe *r = sg_xcalloc(1, sizeof *r);
	r->name = sg_xstrdup(name ? name : "recipe");
	json_error_t je;
	r->root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!r->root) {
		sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", r->name, je.line < 1 ? 1 : je.line,
			     je.column < 1 ? 1 : je.column, je.text);
		sg_recipe_free(r);
		return NULL;
	}
	if (parse_root(r, err) != 0) {
		sg_recipe_free(r);
		return NULL;
	}
	return r;
}

struct sg_recipe *sg_recipe_load(const char *path, struct sg_error *err)
{
	size_t len;
	char *text = sg_read_file(path, RECIPE_MAX_BYTES, &len, err);
	if (!text)
		return NULL;
	struct sg_recipe *r = sg_recipe_parse(text, len, path, err);
	free(text);
	return r;
}

int sg_recipe_nsteps(const struct sg_recipe *r)
{
	return r->nsteps;
}

const char *sg_recipe_step_op(const struct sg_recipe *r, int i)
{
	return i >= 0 && i < r->nsteps ? op_names[r->step[i].op] : "";
}

int sg_recipe_is_fitted(const struct sg_recipe *r)
{
	for (int k = 0; k < r->nsteps; k++)
		if (needs_fit(&r->step[k]) && !r->step[k].fitted)
			return 0;
	return 1;
}

/* ---- binding steps to column names --------------------------------------------- */

static int find_col(const struct schema *sc, const char *name)
{
	for (int i = 0; i < sc->n; i++)
		if (strcmp(sc->name[i], name) == 0)
			return i;
	return -1;
}

static int unknown_column(struct sg_recipe *r, struct step *s, const struct schema *sc, int j,
			  struct sg_error *err)
{
	char list[400] = "";
	size_t used = 0;
	for (int i = 0; i < sc->n && used + 8 < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", sc->name[i]);
		used = w > 0 && used + (size_t)w < sizeof list ? used + (size_t)w : sizeof list - 1;
	}
	if (used >= sizeof list - 8)
		strcpy(list + sizeof list - 8, ", …");
	return step_error(r, s, err, "%s[%d]: unknown column '%s' (columns: %s)",
			  s->op == OP_RENAME ? "map" : "columns", j, s->col[j],
			  sc->n ? list : "none");
}

/* Appends a name to an output schema being built. */
static void push_name(struct schema *out, const char *name)
{
	out->name = sg_xrealloc(out->name, ((size_t)out->n + 1) * sizeof *out->name);
	out->name[out->n++] = sg_xstrdup(name);
}

static void build_output(struct step *s, const struct schema *in, struct schema *out)
{
	if (s->op == OP_SELECT || s->op == OP_DROP) {
		s->src = sg_xcalloc((size_t)in->n + 1, sizeof *s->src);
		int n = 0;
		if (s->op == OP_SELECT)
			for (int j = 0; j < s->ncol; j++)
				s->src[n++] = s->idx[j];
		for (int i = 0; s->op == OP_DROP && i < in->n; i++) {
			int dropped = 0;
			for (int j = 0; j < s->ncol; j++)
				dropped |= s->idx[j] == i;
			if (!dropped)
				s->src[n++] = i;
		}
		for (int i = 0; i < n; i++)
			push_name(out, in->name[s->src[i]]);
		return;
	}
	if (s->op == OP_ONE_HOT) {
		s->oh = sg_xcalloc((size_t)in->n + 1, sizeof *s->oh);
		for (int i = 0; i < in->n; i++)
			s->oh[i] = -1;
		for (int j = 0; j < s->ncol; j++)
			s->oh[s->idx[j]] = j;
		for (int i = 0; i < in->n; i++) {
			if (s->oh[i] < 0) {
				push_name(out, in->name[i]);
				continue;
			}
			const struct cats *c = &s->cats[s->oh[i]];
			for (int m = 0; m <= c->n; m++)
				push_name(out, c->outname[m]);
		}
		return;
	}
	for (int i = 0; i < in->n; i++)
		push_name(out, in->name[i]);
	for (int j = 0; s->op == OP_RENAME && j < s->ncol; j++) {
		free(out->name[s->idx[j]]);
		out->name[s->idx[j]] = sg_xstrdup(s->to[j]);
	}
}

/* Binds step k to schema[k] and builds schema[k+1].  1 when it cannot go on
 * yet (an unfitted one_hot: its output columns are what fitting learns). */
static int bind_step(struct sg_recipe *r, int k, struct sg_error *err)
{
	struct step *s = &r->step[k];
	const struct schema *in = &r->schema[k];
	s->idx = sg_xcalloc((size_t)s->ncol + 1, sizeof *s->idx);
	for (int j = 0; j < s->ncol; j++)
		if ((s->idx[j] = find_col(in, s->col[j])) < 0)
			return unknown_column(r, s, in, j, err);
	if (s->op == OP_SCALE)
		s->numbuf = sg_xcalloc((size_t)s->ncol, sizeof *s->numbuf);
	if (s->op == OP_ONE_HOT && !s->fitted)
		return 1;
	struct schema *out = &r->schema[k + 1];
	build_output(s, in, out);
	r->nbound = k + 1;
	for (int i = 0; i < out->n; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(out->name[i], out->name[j]) == 0)
				return step_error(r, s, err, "the output would have two columns named '%s'",
						  out->name[i]);
	if (out->n > r->maxw)
		r->maxw = out->n;
	return 0;
}

/* Binds steps from nbound on, up to (not including) step upto, or to the
 * first unfitted one_hot.  Returns 0 when all of [0, upto) are bound, 1 when
 * stopped at an unfitted one_hot, -1 on error. */
static int bind_upto(struct sg_recipe *r, int upto, struct sg_error *err)
{
	for (int k = r->nbound; k < upto; k++) {
		free_bound(&r->step[k]);
		int rc = bind_step(r, k, err);
		if (rc != 0)
			return rc;
	}
	free(r->rowa);
	free(r->rowb);
	r->rowa = sg_xcalloc((size_t)r->maxw + 1, sizeof *r->rowa);
	r->rowb = sg_xcalloc((size_t)r->maxw + 1, sizeof *r->rowb);
	return 0;
}

/* Starts binding afresh for input columns names[0..n). */
static void bind_input(struct sg_recipe *r, const char *const *names, int n)
{
	unbind(r);
	r->schema = sg_xcalloc((size_t)r->nsteps + 1, sizeof *r->schema);
	for (int i = 0; i < n; i++)
		push_name(&r->schema[0], names[i]);
	r->maxw = n;
}

int sg_recipe_check(struct sg_recipe *r, const char *const *names, int n, struct sg_error *err)
{
	bind_input(r, names, n);
	return bind_upto(r, r->nsteps, err) < 0 ? -1 : 0;
}

int sg_recipe_out_ncols(const struct sg_recipe *r)
{
	return r->schema && r->nbound == r->nsteps ? r->schema[r->nsteps].n : -1;
}

const char *sg_recipe_out_colname(const struct sg_recipe *r, int i)
{
	int n = sg_recipe_out_ncols(r);
	return i >= 0 && i < n ? r->schema[r->nsteps].name[i] : "";
}

/* Binds r to the columns of c. */
static int bind_csv(struct sg_recipe *r, struct sg_csv *c)
{
	int n = sg_csv_ncols(c);
	const char **names = sg_xcalloc((size_t)n + 1, sizeof *names);
	for (int i = 0; i < n; i++)
		names[i] = sg_csv_colname(c, i);
	bind_input(r, names, n);
	free(names);
	return 0;
}

/* ---- running rows through steps -------------------------------------------------- */

static const struct sg_csv_field one = { "1", 1 }, zero = { "0", 1 };

static int row_hash_dup(struct step *s, const struct sg_csv_field *in, int nin)
{
	uint64_t h[2] = { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL };
	int n = s->ncol ? s->ncol : nin;
	for (int j = 0; j < n; j++) {
		const struct sg_csv_field *f = &in[s->ncol ? s->idx[j] : j];
		h[0] = mix64(h[0] ^ hash_bytes(f->p, f->len, 0x9e3779b97f4a7c15ULL));
		h[1] = mix64(rotl(h[1], 17) + hash_bytes(f->p, f->len, 0xc2b2ae3d27d4eb4fULL));
	}
	return hset_insert(&s->seen, h);
}

/* Scales column j's value in place; -1 for a value that is not a number. */
static int scale_cell(struct step *s, int j, struct sg_csv_field *f)
{
	double x;
	enum sg_valkind k = sg_value_kind(f->p, f->len, &x);
	if (k == SG_VAL_MISSING)
		return 0;
	if (k != SG_VAL_INT && k != SG_VAL_FLOAT)
		return -1;
	double y;
	if (s->method == M_STANDARD)
		y = s->b[j] > 0 ? (x - s->a[j]) / s->b[j] : 0;
	else
		y = s->b[j] > s->a[j] ? (x - s->a[j]) / (s->b[j] - s->a[j]) : 0;
	f->len = format_num(y, s->numbuf[j], NUMBUF);
	f->p = s->numbuf[j];
	return 0;
}

static int one_hot_row(struct step *s, const struct sg_csv_field *in, int nin,
		       struct sg_csv_field *out)
{
	int o = 0;
	for (int i = 0; i < nin; i++) {
		if (s->oh[i] < 0) {
			out[o++] = in[i];
			continue;
		}
		const struct cats *c = &s->cats[s->oh[i]];
		int hit = c->n;                               /* other */
		if (is_missing(in[i].p, in[i].len))
			hit = -1;
		else {
			const struct sment *e = strmap_find(&c->map, in[i].p, in[i].len);
			if (e)
				hit = e->id;
		}
		for (int m = 0; m <= c->n; m++)
			out[o++] = m == hit ? one : zero;
	}
	return o;
}

struct run_ctx {
	struct sg_recipe *r;
	const char *file;
	struct sg_error *err;
};

/* Runs step k on a row of width nin; *nout gets the output width.  1 keep,
 * 0 drop, -1 error. */
static int step_row(struct run_ctx *x, struct step *s, const struct sg_csv_field *in, int nin,
		    struct sg_csv_field *out, int *nout, uint64_t row)
{
	*nout = nin;
	switch (s->op) {
	case OP_DROP_MISSING:
		for (int j = 0; j < (s->ncol ? s->ncol : nin); j++) {
			const struct sg_csv_field *f = &in[s->ncol ? s->idx[j] : j];
			if (is_missing(f->p, f->len))
				return 0;
		}
		break;
	case OP_DROP_DUPLICATES:
		if (row_hash_dup(s, in, nin)) {
			s->dropped++;
			return 0;
		}
		break;
	case OP_ONE_HOT:
		*nout = one_hot_row(s, in, nin, out);
		return 1;
	case OP_SELECT:
	case OP_DROP:
		*nout = x->r->schema[s->no].n;
		for (int i = 0; i < *nout; i++)
			out[i] = in[s->src[i]];
		return 1;
	default:
		break;
	}
	memcpy(out, in, (size_t)nin * sizeof *out);
	for (int j = 0; s->op == OP_IMPUTE && j < s->ncol; j++) {
		struct sg_csv_field *f = &out[s->idx[j]];
		if (is_missing(f->p, f->len)) {
			f->p = s->strategy == ST_CONSTANT ? s->constant : s->fill[j];
			f->len = s->strategy == ST_CONSTANT ? s->constant_len : s->fill_len[j];
		}
	}
	for (int j = 0; s->op == OP_SCALE && j < s->ncol; j++)
		if (scale_cell(s, j, &out[s->idx[j]]) != 0) {
			const struct sg_csv_field *f = &out[s->idx[j]];
			return step_error(x->r, s, x->err, "column '%s': '%.*s' at data row %llu of %s "
					  "is not a number", s->col[j], (int)(f->len > 64 ? 64 : f->len),
					  f->p, (unsigned long long)row + 1, x->file);
		}
	return 1;
}

/* Runs steps [0, upto) on a CSV row; *res points at the result (valid until
 * the next row).  1 keep, 0 dropped, -1 error. */
static int run_row(struct run_ctx *x, int upto, const struct sg_csv_cursor *cur,
		   const struct sg_csv_field **res, int *n)
{
	struct sg_recipe *r = x->r;
	const struct sg_csv_field *in = cur->field;
	*n = r->schema[0].n;
	struct sg_csv_field *bufs[2] = { r->rowa, r->rowb };
	for (int k = 0; k < upto; k++) {
		struct sg_csv_field *out = bufs[k & 1];
		int rc = step_row(x, &r->step[k], in, *n, out, n, cur->row);
		if (rc <= 0)
			return rc;
		in = out;
	}
	*res = in;
	return 1;
}

static void reset_runs(struct sg_recipe *r)
{
	for (int k = 0; k < r->nsteps; k++) {
		hset_done(&r->step[k].seen);
		r->step[k].dropped = 0;
	}
}

/* Waits for the index as it grows and calls fn on rows in chunks. 0 when all
 * rows were visited, else what sg_csv_scan returned. */
static int scan_all(struct sg_csv *c, sg_csv_row_fn fn, void *ud, const atomic_int *cancel,
		    struct sg_error *err)
{
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	uint64_t pos = 0;
	int rc = 0;
	for (;;) {
		uint64_t n = sg_csv_wait_rows(c, pos + SCAN_CHUNK);
		if (n > pos)
			rc = sg_csv_scan(c, &cur, pos, n, 0, fn, ud, cancel, err);
		if (rc != 0 || n < pos + SCAN_CHUNK)
			break;
		pos = n;
	}
	sg_csv_cursor_done(&cur);
	if (rc == 0 && sg_csv_wait(c, err) != 0)
		rc = -1;
	return rc;
}

/* ---- fitting ------------------------------------------------------------------------ */

struct acc {
	uint64_t n;
	double mean, m2, min, max;
	double *vals;                 /* median */
	size_t nvals, cap;
	struct strmap counts;         /* most_frequent, one_hot */
};

struct fit_ctx {
	struct run_ctx x;
	int k;
	struct acc *acc;
};

static void acc_number(struct acc *a, double v, int keep)
{
	a->n++;
	double d = v - a->mean;
	a->mean += d / (double)a->n;
	a->m2 += d * (v - a->mean);
	if (a->n == 1 || v < a->min)
		a->min = v;
	if (a->n == 1 || v > a->max)
		a->max = v;
	if (keep) {
		if (a->nvals == a->cap) {
			a->cap = a->cap ? 2 * a->cap : 1024;
			a->vals = sg_xrealloc(a->vals, a->cap * sizeof *a->vals);
		}
		a->vals[a->nvals++] = v;
	}
}

static int fit_cell(struct fit_ctx *fc, struct step *s, int j, const struct sg_csv_field *f,
		    uint64_t row)
{
	struct acc *a = &fc->acc[j];
	double v;
	enum sg_valkind kind = sg_value_kind(f->p, f->len, &v);
	if (kind == SG_VAL_MISSING)
		return 0;
	if (s->op == OP_ONE_HOT || (s->op == OP_IMPUTE && s->strategy == ST_MOST_FREQUENT)) {
		strmap_add(&a->counts, f->p, f->len, 1);
		return 0;
	}
	if (kind == SG_VAL_INT || kind == SG_VAL_FLOAT) {
		if (!isfinite(v))
			return step_error(fc->x.r, s, fc->x.err, "column '%s': '%.*s' at data row %llu "
					  "is out of range", s->col[j], (int)(f->len > 64 ? 64 : f->len),
					  f->p, (unsigned long long)row + 1);
		acc_number(a, v, s->op == OP_IMPUTE && s->strategy == ST_MEDIAN);
		return 0;
	}
	if (s->op == OP_SCALE)
		return step_error(fc->x.r, s, fc->x.err, "column '%s': '%.*s' at data row %llu of %s "
				  "is not a number", s->col[j], (int)(f->len > 64 ? 64 : f->len), f->p,
				  (unsigned long long)row + 1, fc->x.file);
	return 0;                     /* mean/median: over the numbers only */
}

static int fit_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct fit_ctx *fc = ud;
	const struct sg_csv_field *row;
	int n, rc = run_row(&fc->x, fc->k, cur, &row, &n);
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	struct step *s = &fc->x.r->step[fc->k];
	for (int j = 0; j < s->ncol; j++)
		if (fit_cell(fc, s, j, &row[s->idx[j]], cur->row) != 0)
			return -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Entries by count descending, then bytes ascending (shorter first on a tie). */
static int cmp_count(const void *a, const void *b)
{
	const struct sment *x = *(const struct sment *const *)a, *y = *(const struct sment *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The map's entries, most frequent first; *n gets how many. */
static struct sment **ranked(const struct strmap *m, size_t *n)
{
	struct sment **v = sg_xcalloc(m->n + 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->e[i].s)
			v[(*n)++] = &m->e[i];
	qsort(v, *n, sizeof *v, cmp_count);
	return v;
}

static json_t *json_num(double v)
{
	return v == floor(v) && fabs(v) < 9e15 ? json_integer((json_int_t)v) : json_real(v);
}

/* Turns impute accumulators into fill values; the "values" object. */
static int finish_impute(struct fit_ctx *fc, struct step *s, json_t *values)
{
	s->fill = sg_xcalloc((size_t)s->ncol, sizeof *s->fill);
	s->fill_len = sg_xcalloc((size_t)s->ncol, sizeof *s->fill_len);
	for (int j = 0; j < s->ncol; j++) {
		struct acc *a = &fc->acc[j];
		json_t *v;
		if (s->strategy == ST_MOST_FREQUENT) {
			size_t n;
			struct sment **e = ranked(&a->counts, &n);
			if (n == 0) {
				free(e);
				return step_error(fc->x.r, s, fc->x.err, "column '%s' has no values to take "
						  "the most frequent of", s->col[j]);
			}
			v = json_stringn(e[0]->s, e[0]->len);
			free(e);
			if (!v)
				v = json_string("");  /* invalid UTF-8 cannot be stored in JSON */
		} else {
			if (a->n == 0)
				return step_error(fc->x.r, s, fc->x.err, "column '%s' has no numeric values to "
						  "take the %s of", s->col[j], strategy_names[s->strategy]);
			double m = a->mean;
			if (s->strategy == ST_MEDIAN) {
				qsort(a->vals, a->nvals, sizeof *a->vals, cmp_double);
				size_t h = a->nvals / 2;
				m = a->nvals % 2 ? a->vals[h] : a->vals[h - 1] / 2 + a->vals[h] / 2;
			}
			v = json_num(m);
		}
		scalar_text(v, &s->fill[j], &s->fill_len[j]);
		json_object_set_new(values, s->col[j], v);
	}
	return 0;
}

static int finish_scale(struct fit_ctx *fc, struct step *s, json_t *cols)
{
	s->a = sg_xcalloc((size_t)s->ncol, sizeof *s->a);
	s->b = sg_xcalloc((size_t)s->ncol, sizeof *s->b);
	for (int j = 0; j < s->ncol; j++) {
		struct acc *a = &fc->acc[j];
		if (a->n == 0)
			return step_error(fc->x.r, s, fc->x.err, "column '%s' has no numeric values to "
					  "scale by", s->col[j]);
		json_t *o = json_object();
		if (s->method == M_STANDARD) {
			s->a[j] = a->mean;
			s->b[j] = sqrt(a->m2 / (double)a->n);
			json_object_set_new(o, "mean", json_num(s->a[j]));
			json_object_set_new(o, "std", json_num(s->b[j]));
		} else {
			s->a[j] = a->min;
			s->b[j] = a->max;
			json_object_set_new(o, "min", json_num(s->a[j]));
			json_object_set_new(o, "max", json_num(s->b[j]));
		}
		json_object_set_new(cols, s->col[j], o);
	}
	return 0;
}

static void finish_one_hot(struct fit_ctx *fc, struct step *s, json_t *cats)
{
	s->cats = sg_xcalloc((size_t)s->ncol, sizeof *s->cats);
	for (int j = 0; j < s->ncol; j++) {
		size_t n;
		struct sment **e = ranked(&fc->acc[j].counts, &n);
		struct cats *c = &s->cats[j];
		json_t *arr = json_array();
		c->val = sg_xcalloc(n + 1, sizeof *c->val);
		c->len = sg_xcalloc(n + 1, sizeof *c->len);
		for (size_t m = 0; m < n && c->n < s->max_categories; m++) {
			json_t *v = json_stringn(e[m]->s, e[m]->len);
			if (!v)
				continue;             /* not UTF-8: cannot be named in JSON; goes to other */
			json_array_append_new(arr, v);
			c->val[c->n] = dupn(e[m]->s, e[m]->len);
			c->len[c->n++] = e[m]->len;
		}
		free(e);
		cats_init(c, s->col[j]);
		json_object_set_new(cats, s->col[j], arr);
	}
}

static int finish_fit(struct fit_ctx *fc, struct step *s)
{
	free_fitted(s);
	json_t *f = json_object(), *inner = json_object();
	int rc = 0;
	if (s->op == OP_IMPUTE) {
		json_object_set_new(f, "values", inner);
		rc = finish_impute(fc, s, inner);
	} else if (s->op == OP_SCALE) {
		json_object_set_new(f, "columns", inner);
		rc = finish_scale(fc, s, inner);
	} else {
		json_object_set_new(f, "categories", inner);
		finish_one_hot(fc, s, inner);
	}
	if (rc != 0) {
		json_decref(f);
		free_fitted(s);
		return -1;
	}
	json_object_set_new(s->js, "fitted", f);
	s->fitted = 1;
	return 0;
}

/* One pass over c fitting step k (steps before it are bound and fitted). */
static int fit_step(struct sg_recipe *r, struct sg_csv *c, int k, const atomic_int *cancel,
		    struct sg_error *err)
{
	struct step *s = &r->step[k];
	struct fit_ctx fc = { .x = { r, sg_csv_path(c), err }, .k = k };
	fc.acc = sg_xcalloc((size_t)s->ncol, sizeof *fc.acc);
	reset_runs(r);
	int rc = scan_all(c, fit_row, &fc, cancel, err);
	if (rc == 0)
		rc = finish_fit(&fc, s);
	for (int j = 0; j < s->ncol; j++) {
		free(fc.acc[j].vals);
		strmap_done(&fc.acc[j].counts);
	}
	free(fc.acc);
	return rc;
}

static json_t *names_json(const struct schema *sc)
{
	json_t *a = json_array();
	for (int i = 0; i < sc->n; i++)
		json_array_append_new(a, json_string(sc->name[i]));
	return a;
}

int sg_recipe_fit(struct sg_recipe *r, struct sg_csv *c, const atomic_int *cancel,
		  struct sg_error *err)
{
	bind_csv(r, c);
	for (int k = 0; k < r->nsteps; k++) {
		struct step *s = &r->step[k];
		if (needs_fit(s))
			free_fitted(s);
		/* Binds 0..k-1 (all fitted by now) and checks step k's columns. */
		if (bind_upto(r, k, err) != 0)
			return -1;
		free_bound(s);
		int rc = bind_step(r, k, err);
		if (rc < 0)
			return -1;
		if (needs_fit(s)) {
			if ((rc = fit_step(r, c, k, cancel, err)) != 0)
				return rc;
			if (s->op == OP_ONE_HOT) {
				free_bound(s);
				if (bind_step(r, k, err) != 0)
					return -1;
			}
		}
	}
	if (bind_upto(r, r->nsteps, err) != 0)
		return -1;
	json_object_set_new(r->root, "input_columns", names_json(&r->schema[0]));
	json_object_set_new(r->root, "output_columns", names_json(&r->schema[r->nsteps]));
	return 0;
}

char *sg_recipe_to_json(const struct sg_recipe *r)
{
	char *s = json_dumps(r->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *out = sg_xasprintf("%s\n", s ? s : "{}");
	free(s);
	return out;
}

int sg_recipe_save(const struct sg_recipe *r, const char *path, struct sg_error *err)
{
	char *text = sg_recipe_to_json(r);
	int rc = sg_write_atomic(path, text, strlen(text), 0666, err);
	free(text);
	return rc;
}

/* ---- applying ------------------------------------------------------------------------ */

/* Binds a fitted r to c's columns. */
static int prepare_apply(struct sg_recipe *r, struct sg_csv *c, struct sg_error *err)
{
	if (!sg_recipe_is_fitted(r))
		return sg_error_set(err, SG_E_USAGE, "%s: the recipe is not fitted yet", r->name);
	bind_csv(r, c);
	if (bind_upto(r, r->nsteps, err) != 0)
		return -1;
	reset_runs(r);
	return 0;
}

struct apply_ctx {
	struct run_ctx x;
	FILE *f;
	uint64_t in, out;
};

static int apply_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct apply_ctx *ac = ud;
	const struct sg_csv_field *row;
	int n;
	ac->in++;
	int rc = run_row(&ac->x, ac->x.r->nsteps, cur, &row, &n);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		put_record(ac->f, row, n);
		ac->out++;
	}
	return 0;
}

int sg_recipe_apply(struct sg_recipe *r, struct sg_csv *c, const char *out_path,
		    const atomic_int *cancel, struct sg_recipe_result *res, struct sg_error *err)
{
	if (prepare_apply(r, c, err) != 0)
		return -1;
	struct outfile o;
	if (out_open(&o, out_path, err) != 0)
		return -1;
	const struct schema *sc = &r->schema[r->nsteps];
	struct sg_csv_field *hdr = sg_xcalloc((size_t)sc->n + 1, sizeof *hdr);
	for (int i = 0; i < sc->n; i++)
		hdr[i] = (struct sg_csv_field){ sc->name[i], strlen(sc->name[i]) };
	if (sc->n)
		put_record(o.f, hdr, sc->n);
	free(hdr);
	struct apply_ctx ac = { .x = { r, sg_csv_path(c), err }, .f = o.f };
	int rc = scan_all(c, apply_row, &ac, cancel, err);
	reset_runs(r);
	if (rc != 0) {
		out_abort(&o);
		return rc;
	}
	if (out_finish(&o, err) != 0 || out_rename(&o, err) != 0)
		return -1;
	if (res) {
		res->rows_in = ac.in;
		res->rows_out = ac.out;
		res->ncols_out = sc->n;
	}
	return 0;
}

int sg_recipe_rows_begin(struct sg_recipe *r, struct sg_csv *c, struct sg_error *err)
{
	return prepare_apply(r, c, err);
}

int sg_recipe_row(struct sg_recipe *r, struct sg_csv *c, const struct sg_csv_cursor *cur,
		  const struct sg_csv_field **out, int *n, struct sg_error *err)
{
	struct run_ctx x = { r, sg_csv_path(c), err };
	return run_row(&x, r->nsteps, cur, out, n);
}

void sg_recipe_rows_end(struct sg_recipe *r)
{
	reset_runs(r);
}

struct preview_ctx {
	struct run_ctx x;
	struct sg_preview *p;
	size_t want, cap;
};

static int preview_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct preview_ctx *pc = ud;
	struct sg_preview *p = pc->p;
	const struct sg_csv_field *row;
	int n;
	if (p->nrows >= pc->want)
		return 2;
	p->rows_read++;
	int rc = run_row(&pc->x, pc->x.r->nsteps, cur, &row, &n);
	if (rc <= 0)
		return rc;
	size_t base = p->nrows * (size_t)p->ncols;
	for (int i = 0; i < p->ncols; i++) {
		p->cells[base + (size_t)i] = dupn(row[i].p, row[i].len);
		p->lens[base + (size_t)i] = row[i].len;
	}
	p->nrows++;
	return p->nrows >= pc->want ? 2 : 0;
}

void sg_preview_free(struct sg_preview *p)
{
	if (!p)
		return;
	free_strv(p->names, p->ncols);
	for (size_t i = 0; i < p->nrows * (size_t)p->ncols; i++)
		free(p->cells[i]);
	free(p->cells);
	free(p->lens);
	free(p);
}

int sg_recipe_preview(struct sg_recipe *r, struct sg_csv *c, size_t nrows,
		      const atomic_int *cancel, struct sg_preview **out, struct sg_error *err)
{
	*out = NULL;
	if (!sg_recipe_is_fitted(r)) {
		int rc = sg_recipe_fit(r, c, cancel, err);
		if (rc != 0)
			return rc;
	}
	if (prepare_apply(r, c, err) != 0)
		return -1;
	struct sg_preview *p = sg_xcalloc(1, sizeof *p);
	const struct schema *sc = &r->schema[r->nsteps];
	p->ncols = sc->n;
	p->names = sg_xcalloc((size_t)sc->n + 1, sizeof *p->names);
	for (int i = 0; i < sc->n; i++)
		p->names[i] = sg_xstrdup(sc->name[i]);
	p->cells = sg_xcalloc(nrows * (size_t)sc->n + 1, sizeof *p->cells);
	p->lens = sg_xcalloc(nrows * (size_t)sc->n + 1, sizeof *p->lens);
	struct preview_ctx pc = { .x = { r, sg_csv_path(c), err }, .p = p, .want = nrows };
	int rc = nrows ? scan_all(c, preview_row, &pc, cancel, err) : 0;
	reset_runs(r);
	if (rc == 2)
		rc = 0;
	if (rc != 0) {
		sg_preview_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* ---- splitting ---------------------------------------------------------------------- */

void sg_rng_seed(struct sg_rng *g, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ULL;
		g->s[i] = mix64(seed);
	}
}

uint64_t sg_rng_next(struct sg_rng *g)
{
	uint64_t *s = g->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sg_rng_below(struct sg_rng *g, uint64_t n)
{
	uint64_t threshold = (0 - n) % n;   /* 2^64 mod n: rejecting below it removes bias */
	for (;;) {
		uint64_t x = sg_rng_next(g);
		if (x >= threshold)
			return x % n;
	}
}

const char *sg_split_part_name(enum sg_split_part p)
{
	static const char *const names[] = { "train", "validation", "test" };
	return (unsigned)p < SG_SPLIT_NPARTS ? names[p] : "";
}

void sg_split_result_done(struct sg_split_result *res)
{
	for (int i = 0; i < SG_SPLIT_NPARTS; i++)
		free(res->path[i]);
	memset(res, 0, sizeof *res);
}

/* Places left per class: one per part plus the dropped rest. */
struct klass {
	uint64_t left[SG_SPLIT_NPARTS + 1];
};

struct split_ctx {
	const struct sg_split_options *o;
	int col;
	struct strmap classes;
	struct klass *k;
	struct sg_rng g;
	struct outfile out[SG_SPLIT_NPARTS];
	struct sg_split_result *res;
};

static int count_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct split_ctx *sc = ud;
	const struct sg_csv_field *f = &cur->field[sc->col];
	strmap_add(&sc->classes, f->p, f->len, 1);
	return 0;
}

/* Exact part sizes for n rows: cumulative rounding. */
static void part_sizes(const struct sg_split_options *o, uint64_t n, uint64_t left[4])
{
	double cum = 0;
	uint64_t prev = 0;
	for (int p = 0; p < SG_SPLIT_NPARTS; p++) {
		cum += o->fraction[p];
		uint64_t b = cum >= 1 - 1e-9 ? n : (uint64_t)llround((double)n * cum);
		if (b > n)
			b = n;
		left[p] = b - prev;
		prev = b;
	}
	left[SG_SPLIT_NPARTS] = n - prev;
}

static int deal_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct split_ctx *sc = ud;
	struct klass *k = &sc->k[0];
	if (sc->col >= 0) {
		const struct sg_csv_field *f = &cur->field[sc->col];
		const struct sment *e = strmap_find(&sc->classes, f->p, f->len);
		if (!e)
			return 0;         /* the file changed since it was counted */
		k = &sc->k[e->id];
	}
	uint64_t total = 0;
	for (int p = 0; p <= SG_SPLIT_NPARTS; p++)
		total += k->left[p];
	if (total == 0)
		return 0;                 /* the file grew since it was counted */
	uint64_t u = sg_rng_below(&sc->g, total);
	int p = 0;
	while (u >= k->left[p])
		u -= k->left[p++];
	k->left[p]--;
	sc->res->rows_in++;
	if (p == SG_SPLIT_NPARTS)
		return 0;
	sc->res->rows[p]++;
	fwrite(cur->raw, 1, cur->rawlen, sc->out[p].f);
	putc('\n', sc->out[p].f);
	return 0;
}

static int check_split_options(const struct sg_split_options *o, struct sg_error *err)
{
	double sum = 0;
	for (int p = 0; p < SG_SPLIT_NPARTS; p++) {
		double f = o->fraction[p];
		if (!(f >= 0 && f <= 1))
			return sg_error_set(err, SG_E_USAGE, "the %s fraction must be between 0 and 1",
					    sg_split_part_name((enum sg_split_part)p));
		sum += f;
	}
	if (!(o->fraction[SG_SPLIT_TRAIN] > 0))
		return sg_error_set(err, SG_E_USAGE, "the train fraction must be more than 0");
	if (sum > 1 + 1e-9)
		return sg_error_set(err, SG_E_USAGE, "the fractions add up to %g, more than 1", sum);
	return 0;
}

/* Opens the parts and writes the header into each. */
static int open_parts(struct split_ctx *sc, struct sg_csv *c, const char *prefix,
		      struct sg_error *err)
{
	struct sg_csv_cursor hdr;
	sg_csv_cursor_init(&hdr);
	int has_header = sg_csv_dialect(c)->header && sg_csv_ncols(c) > 0;
	int rc = has_header ? sg_csv_read_header(c, &hdr, err) : 0;
	for (int p = 0; rc == 0 && p < SG_SPLIT_NPARTS; p++) {
		if (!(sc->o->fraction[p] > 0))
			continue;
		char *path = sg_xasprintf("%s-%s.csv", prefix, sg_split_part_name((enum sg_split_part)p));
		rc = out_open(&sc->out[p], path, err);
		free(path);
		if (rc == 0 && has_header) {
			fwrite(hdr.raw, 1, hdr.rawlen, sc->out[p].f);
			putc('\n', sc->out[p].f);
		}
	}
	sg_csv_cursor_done(&hdr);
	return rc;
}

/* Finishes every part, then renames them all into place. */
static int commit_parts(struct split_ctx *sc, struct sg_error *err)
{
	for (int p = 0; p < SG_SPLIT_NPARTS; p++)
		if (sc->out[p].f && out_finish(&sc->out[p], err) != 0)
			return -1;
	for (int p = 0; p < SG_SPLIT_NPARTS; p++) {
		if (!sc->out[p].path)
			continue;
		sc->res->path[p] = sg_xstrdup(sc->out[p].path);
		if (out_rename(&sc->out[p], err) != 0)
			return -1;
	}
	return 0;
}

static void abort_parts(struct split_ctx *sc)
{
	for (int p = 0; p < SG_SPLIT_NPARTS; p++) {
		if (sc->out[p].f)
			out_abort(&sc->out[p]);
		else if (sc->out[p].tmp) {
			unlink(sc->out[p].tmp);
			free(sc->out[p].path);
			free(sc->out[p].tmp);
		}
	}
}

/* Counts rows (per class when stratified) and sets every class's sizes. */
static int plan_split(struct split_ctx *sc, struct sg_csv *c, const atomic_int *cancel,
		      struct sg_error *err)
{
	if (sg_csv_wait(c, err) != 0)
		return -1;
	uint64_t n = sg_csv_nrows(c);
	if (sc->col < 0) {
		sc->k = sg_xcalloc(1, sizeof *sc->k);
		part_sizes(sc->o, n, sc->k[0].left);
		return 0;
	}
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	int rc = n ? sg_csv_scan(c, &cur, 0, n, sc->col + 1, count_row, sc, cancel, err) : 0;
	sg_csv_cursor_done(&cur);
	if (rc != 0)
		return rc;
	sc->k = sg_xcalloc(sc->classes.n + 1, sizeof *sc->k);
	for (size_t i = 0; i < sc->classes.cap; i++) {
		const struct sment *e = &sc->classes.e[i];
		if (e->s)
			part_sizes(sc->o, e->count, sc->k[e->id].left);
	}
	sc->res->classes = sc->classes.n;
	return 0;
}

int sg_split(struct sg_csv *c, const char *prefix, const struct sg_split_options *o,
	     const atomic_int *cancel, struct sg_split_result *res, struct sg_error *err)
{
	memset(res, 0, sizeof *res);
	if (check_split_options(o, err) != 0)
		return -1;
	struct split_ctx sc = { .o = o, .col = -1, .res = res };
	if (o->stratify && (sc.col = sg_csv_colindex(c, o->stratify)) < 0)
		return sg_error_set(err, SG_E_USAGE, "%s has no column '%s' to stratify by",
				    sg_csv_path(c), o->stratify);
	sg_rng_seed(&sc.g, o->seed);
	int rc = plan_split(&sc, c, cancel, err);
	if (rc == 0)
		rc = open_parts(&sc, c, prefix, err);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	uint64_t n = sg_csv_nrows(c);
	if (rc == 0 && n)
		rc = sg_csv_scan(c, &cur, 0, n, 0, deal_row, &sc, cancel, err);
	sg_csv_cursor_done(&cur);
	if (rc == 0)
		rc = commit_parts(&sc, err);
	if (rc != 0) {
		abort_parts(&sc);
		sg_split_result_done(res);
	}
	strmap_done(&sc.classes);
	free(sc.k);
	return rc;
}
