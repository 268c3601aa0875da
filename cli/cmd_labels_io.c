/* cmd_labels_io.c — `labels import` and `labels export`. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/labels_cli.h"
#include "core/util.h"

/* ---- a growing output buffer --------------------------------------------------------- */

/* Output goes through a buffer that is written to the temp file of an
 * atomic writer every few megabytes, so exporting a large dataset does not
 * hold it all in memory. */
struct buf {
	char *p;
	size_t len, cap;
	struct sg_atomic_file *sink;
	struct sg_error err;
	int failed;
};

#define BUF_FLUSH (4u << 20)

static void buf_flush(struct buf *b)
{
	if (b->sink && !b->failed && b->len &&
	    sg_atomic_write(b->sink, b->p, b->len, &b->err) != 0)
		b->failed = 1;
	b->len = 0;
}

static void buf_put(struct buf *b, const char *p, size_t n)
{
	if (b->sink && b->len + n > BUF_FLUSH)
		buf_flush(b);
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 1 << 16;
		while (b->len + n + 1 > b->cap)
			b->cap *= 2;
		b->p = sg_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* One CSV field, quoted when it holds a comma, a quote or a line break. */
static void buf_field(struct buf *b, const char *p, size_t n, int first)
{
	if (!first)
		buf_put(b, ",", 1);
	int quote = 0;
	for (size_t i = 0; i < n && !quote; i++)
		quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (!quote) {
		buf_put(b, p, n);
		return;
	}
	buf_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			buf_put(b, "\"", 1);
		buf_put(b, p + i, 1);
	}
	buf_put(b, "\"", 1);
}

static void buf_json_line(struct buf *b, json_t *o)
{
	char *t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	buf_str(b, t ? t : "{}");
	buf_put(b, "\n", 1);
	free(t);
}

/* Refuses to write over the dataset itself. */
static int same_file(const char *a, const char *b)
{
	char *ra = sg_realpath(a), *rb = sg_realpath(b);
	int same = ra && rb && strcmp(ra, rb) == 0;
	free(ra);
	free(rb);
	return same;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- import ----------------------------------------------------------------------------- */

struct import_args {
	const char *dataset, *file, *annotator, *key_column;
	int source, json;
};

static int find_col(struct sg_csv *c, const char *forced, const char *const *names)
{
	if (forced)
		return sg_csv_colindex(c, forced);
	for (const char *const *n = names; *n; n++)
		if (**n && sg_csv_colindex(c, *n) >= 0)
			return sg_csv_colindex(c, *n);
	return -1;
}

struct import_cols {
	int key, user, label, confidence, comment, seconds, created;
};

static int import_columns(struct sg_csv *c, const struct import_args *a, const struct sg_scheme *sc,
			  struct import_cols *ic, struct sg_error *err)
{
	const char *keys[] = { "row_key", "key", sc->id_column, "id", NULL };
	static const char *const users[] = { "annotator", "user", "worker", "worker_id", NULL };
	static const char *const labels[] = { "label", "labels", "value", "annotation", NULL };
	static const char *const conf[] = { "confidence", NULL }, *const comment[] = { "comment", NULL };
	static const char *const secs[] = { "seconds", "time_spent", NULL };
	static const char *const created[] = { "created_at", "time", NULL };
	ic->key = find_col(c, a->key_column, keys);
	ic->user = find_col(c, NULL, users);
	ic->label = find_col(c, NULL, labels);
	ic->confidence = find_col(c, NULL, conf);
	ic->comment = find_col(c, NULL, comment);
	ic->seconds = find_col(c, NULL, secs);
	ic->created = find_col(c, NULL, created);
	if (ic->key < 0)
		return sg_error_set(err, SG_E_PARSE, "%s:1:1: no row key column (row_key, key, %s%sid%s)",
				    a->file, sc->id_column, sc->id_column[0] ? ", " : "",
				    a->key_column ? " or the --key-column given" : "");
	if (ic->label < 0)
		return sg_error_set(err, SG_E_PARSE, "%s:1:1: no label column (label, labels, value)",
				    a->file);
	if (ic->user < 0 && !a->annotator)
		return sg_error_set(err, SG_E_PARSE, "%s:1:1: no annotator column (annotator, user, "
				    "worker); give --annotator NAME for a file of one annotator", a->file);
	return 0;
}

struct import_rows {
	struct sg_annotation *a;
	char **owned;          /* strings to free */
	size_t n, cap, nowned, skipped, orphans;
};

static const char *keep(struct import_rows *r, const char *p, size_t n)
{
	r->owned = sg_xrealloc(r->owned, (r->nowned + 1) * sizeof *r->owned);
	return r->owned[r->nowned++] = sg_xstrndup(p, n);
}

static const char *field(const struct sg_csv_cursor *cur, int col, size_t *len)
{
	if (col < 0 || col >= cur->nfields) {
		*len = 0;
		return "";
	}
	*len = cur->field[col].len;
	return cur->field[col].p;
}

/* Checks one row's value against the scheme (and spans against the text)
 * and adds it; errors name the file, row and column. */
static int import_row(struct sg_labels *l, const struct import_args *a, const struct import_cols *ic,
		      const struct sg_csv_cursor *cur, struct import_rows *r, struct sg_error *err)
{
	size_t klen, llen, n;
	const char *key = field(cur, ic->key, &klen), *val = field(cur, ic->label, &llen);
	if (llen == 0) {
		r->skipped++;
		return 0;
	}
	if (klen == 0 || klen >= SG_LABEL_KEY_MAX)
		return sg_error_set(err, SG_E_PARSE, "%s: row %llu, column %d: empty or too long row key",
				    a->file, (unsigned long long)cur->row + 1, ic->key + 1);
	struct sg_annotation an = { .confidence = NAN, .source = a->source };
	an.row_key = keep(r, key, klen);
	const char *u = field(cur, ic->user, &n);
	an.user = n ? keep(r, u, n) : a->annotator;
	if (!an.user || !*an.user)
		return sg_error_set(err, SG_E_PARSE, "%s: row %llu, column %d: no annotator", a->file,
				    (unsigned long long)cur->row + 1, ic->user + 1);
	const char *cf = field(cur, ic->confidence, &n);
	if (n) {
		char *end;
		an.confidence = strtod(keep(r, cf, n), &end);
		if (*end || !(an.confidence >= 0 && an.confidence <= 1))
			return sg_error_set(err, SG_E_PARSE, "%s: row %llu, column %d: confidence must be "
					    "a number from 0 to 1", a->file,
					    (unsigned long long)cur->row + 1, ic->confidence + 1);
	}
	const char *cm = field(cur, ic->comment, &n);
	an.comment = n ? keep(r, cm, n) : NULL;
	const char *sv = field(cur, ic->seconds, &n);
	an.seconds = n ? strtod(keep(r, sv, n), NULL) : 0;
	const char *cr = field(cur, ic->created, &n);
	an.created_at = n ? strtod(keep(r, cr, n), NULL) : 0;
	/* The value, checked against the row's text when the key is in the file. */
	const char *value = keep(r, val, llen);
	long long row = sg_labels_row_of(l, an.row_key);
	const char *text = NULL;
	size_t tlen = 0;
	struct sg_csv_cursor tc;
	sg_csv_cursor_init(&tc);
	if (row < 0)
		r->orphans++;
	else if (sg_labels_text_col(l) >= 0 &&
		 sg_csv_read_row(sg_labels_csv(l), (uint64_t)row, &tc, NULL) == 0)
		text = field(&tc, sg_labels_text_col(l), &tlen);
	char *canon = NULL;
	int rc = sg_scheme_value_check(sg_labels_scheme(l), value, text, tlen, &canon, err);
	sg_csv_cursor_done(&tc);
	if (rc != 0) {
		char why[sizeof err->msg];
		snprintf(why, sizeof why, "%s", err->msg);
		return sg_error_set(err, SG_E_PARSE, "%s: row %llu, column %d: %s", a->file,
				    (unsigned long long)cur->row + 1, ic->label + 1, why);
	}
	an.value = keep(r, canon, strlen(canon));
	free(canon);
	if (r->n == r->cap)
		r->a = sg_xrealloc(r->a, (r->cap = r->cap ? 2 * r->cap : 256) * sizeof *r->a);
	r->a[r->n++] = an;
	return 0;
}

static int parse_import(int argc, char **argv, struct import_args *a)
{
	static const struct option opts[] = {
		{ "annotator", required_argument, NULL, 'a' },
		{ "key-column", required_argument, NULL, 'k' },
		{ "source", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	a->source = SG_LABEL_IMPORTED;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': a->annotator = optarg; break;
		case 'k': a->key_column = optarg; break;
		case 'j': a->json = 1; break;
		case 's':
			a->source = sg_label_source_parse(optarg);
			if (a->source != SG_LABEL_IMPORTED && a->source != SG_LABEL_MACHINE)
				return cli_usage("labels", "--source is imported or machine");
			break;
		default: return cli_usage("labels", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 2)
		return cli_usage("labels", "labels import needs DATASET and FILE.csv");
	a->dataset = argv[optind];
	a->file = argv[optind + 1];
	return 0;
}

static void import_rows_done(struct import_rows *r)
{
	for (size_t i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	free(r->owned);
	free(r->a);
}

static int read_import(struct sg_labels *l, const struct import_args *a, struct import_rows *r,
		       struct sg_error *err)
{
	struct sg_csv *c = sg_csv_open(a->file, NULL, err);
	if (!c || sg_csv_wait(c, err) != 0) {
		sg_csv_free(c);
		return -1;
	}
	struct import_cols ic;
	int rc = import_columns(c, a, sg_labels_scheme(l), &ic, err);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	for (uint64_t i = 0; rc == 0 && i < sg_csv_nrows(c); i++) {
		rc = sg_csv_read_row(c, i, &cur, err);
		if (rc == 0)
			rc = import_row(l, a, &ic, &cur, r, err);
	}
	sg_csv_cursor_done(&cur);
	sg_csv_free(c);
	return rc;
}

int labels_import(struct sg_workspace *ws, int argc, char **argv)
{
	struct import_args a;
	int st = parse_import(argc, argv, &a);
	if (st)
		return st;
	struct sg_error err = { 0 };
	struct sg_labels *l = labels_open_arg(ws, a.dataset, a.json, NULL, &err);
	if (!l)
		return cli_fail(&err);
	struct import_rows r = { 0 };
	int rc = read_import(l, &a, &r, &err);
	if (rc == 0)
		rc = sg_labels_insert(ws->store, sg_labels_dataset_id(l), sg_labels_scheme(l), r.a, r.n,
				      NULL, &err);
	if (rc == 0 && a.json) {
		cli_print_json(json_pack("{sIsIsIss}", "imported", (json_int_t)r.n, "skipped_empty",
					 (json_int_t)r.skipped, "orphans", (json_int_t)r.orphans,
					 "source", sg_label_source_name(a.source)));
	} else if (rc == 0) {
		printf("imported %zu annotation(s) as %s", r.n, sg_label_source_name(a.source));
		if (r.skipped)
			printf(", %zu row(s) without a label skipped", r.skipped);
		printf("\n");
		if (r.orphans)
			fprintf(stderr, "sagetty: warning: %zu annotation(s) name row keys not in the "
				"file: kept as orphans\n", r.orphans);
	}
	import_rows_done(&r);
	sg_labels_free(l);
	return rc == 0 ? EXIT_OK : cli_fail(&err);
}

/* ---- export ------------------------------------------------------------------------------ */

struct export_args {
	const char *dataset, *out, *method;
	int json, annotations, jsonl;
};

struct by_key {
	const struct sg_label_result *r;
};

static int by_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct by_key *)a)->r->row_key, ((const struct by_key *)b)->r->row_key);
}

static const struct sg_label_result *find_result(const struct by_key *idx, size_t n, const char *key)
{
	struct sg_label_result probe = { .row_key = key };
	struct by_key k = { &probe };
	const struct by_key *hit = bsearch(&k, idx, n, sizeof *idx, by_key_cmp);
	return hit ? hit->r : NULL;
}

struct export_ctx {
	struct sg_labels *l;
	const struct export_args *a;
	struct by_key *idx;
	size_t nidx;
	struct buf out;
	char attr[200];
	char date[40];
	unsigned long long rows, labeled, machine;
};

static json_t *gt_value(const struct sg_scheme *sc, const struct sg_label_result *r, json_t *meta)
{
	if (sc->type == SG_SCHEME_SINGLE) {
		json_object_set_new(meta, "class-name", json_string(r->value));
		json_object_set_new(meta, "type", json_string("groundtruth/text-classification"));
		return json_integer(sg_scheme_label_by_name(sc, r->value));
	}
	json_t *v = json_loads(r->value, 0, NULL);
	if (!v)
		v = json_array();
	if (sc->type == SG_SCHEME_MULTI) {
		json_t *idx = json_array(), *map = json_object(), *cmap = json_object();
		size_t i;
		json_t *name;
		json_array_foreach(v, i, name) {
			int li = sg_scheme_label_by_name(sc, json_string_value(name));
			char k[16];
			snprintf(k, sizeof k, "%d", li);
			json_array_append_new(idx, json_integer(li));
			json_object_set(map, k, name);
			json_object_set_new(cmap, k, json_real(r->confidence));
		}
		json_decref(v);
		json_object_set_new(meta, "class-map", map);
		json_object_set_new(meta, "confidence-map", cmap);
		json_object_set_new(meta, "type",
				    json_string("groundtruth/text-classification-multilabel"));
		return idx;
	}
	json_t *entities = json_array(), *labels = json_array();
	size_t i;
	json_t *sp;
	json_array_foreach(v, i, sp)
		json_array_append_new(entities, json_pack("{sOsOsO}", "label", json_object_get(sp, "label"),
							  "startOffset", json_object_get(sp, "start"),
							  "endOffset", json_object_get(sp, "end")));
	for (size_t k = 0; k < sc->nlabels; k++)
		json_array_append_new(labels, json_pack("{ss}", "label", sc->labels[k].name));
	json_decref(v);
	json_object_set_new(meta, "type", json_string("groundtruth/named-entity-recognition"));
	return json_pack("{s{soso}}", "annotations", "entities", entities, "labels", labels);
}

/* The "source" of a manifest line: the text column, else the raw record. */
static json_t *gt_source(struct export_ctx *x, const struct sg_csv_cursor *cur)
{
	int tc = sg_labels_text_col(x->l);
	const char *p = tc >= 0 && tc < cur->nfields ? cur->field[tc].p : cur->raw;
	size_t n = tc >= 0 && tc < cur->nfields ? cur->field[tc].len : cur->rawlen;
	json_t *s = json_stringn(p, n);
	if (!s) {  /* not UTF-8: escaped */
		char *safe = sg_xmalloc(4 * n + 16);
		cli_safe_text(safe, 4 * n + 16, p, n, 0);
		s = json_string(safe);
		free(safe);
	}
	return s;
}

static void export_jsonl_row(struct export_ctx *x, const struct sg_csv_cursor *cur,
			     const char *key, const struct sg_label_result *r)
{
	const struct sg_scheme *sc = sg_labels_scheme(x->l);
	json_t *o = json_object();
	json_object_set_new(o, "source", gt_source(x, cur));
	json_object_set_new(o, "row-key", json_string(key));
	if (r && r->value[0]) {
		char metaname[256];
		json_t *meta = json_object();
		json_object_set_new(o, x->attr, gt_value(sc, r, meta));
		json_object_set_new(meta, "confidence", json_real(r->confidence));
		json_object_set_new(meta, "human-annotated",
				    json_string(r->source == SG_LABEL_MACHINE ? "no" : "yes"));
		json_object_set_new(meta, "creation-date", json_string(x->date));
		json_object_set_new(meta, "job-name", json_string(x->attr));
		json_object_set_new(meta, "annotators", json_integer(r->n_annotators));
		json_object_set_new(meta, "state", json_string(sg_result_state_name(r->state)));
		snprintf(metaname, sizeof metaname, "%s-metadata", x->attr);
		json_object_set_new(o, metaname, meta);
	}
	buf_json_line(&x->out, o);
}

static void export_csv_row(struct export_ctx *x, const struct sg_csv_cursor *cur, const char *key,
			   const struct sg_label_result *r)
{
	int ncols = sg_csv_ncols(sg_labels_csv(x->l));
	for (int i = 0; i < ncols; i++) {
		int has = i < cur->nfields;
		buf_field(&x->out, has ? cur->field[i].p : "", has ? cur->field[i].len : 0, i == 0);
	}
	buf_field(&x->out, key, strlen(key), ncols == 0);
	int show = r && r->value[0];
	char conf[32] = "", n[16] = "";
	if (r) {
		snprintf(conf, sizeof conf, show ? "%.4g" : "", r->confidence);
		snprintf(n, sizeof n, "%d", r->n_annotators);
	}
	buf_field(&x->out, show ? r->value : "", show ? strlen(r->value) : 0, 0);
	buf_field(&x->out, conf, strlen(conf), 0);
	buf_field(&x->out, n, strlen(n), 0);
	const char *src = !r ? "" : r->source == SG_LABEL_MACHINE ? "machine" : "human";
	buf_field(&x->out, src, strlen(src), 0);
	const char *state = r ? sg_result_state_name(r->state) : "";
	buf_field(&x->out, state, strlen(state), 0);
	buf_put(&x->out, "\n", 1);
}

static int export_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct export_ctx *x = ud;
	const char *key = sg_labels_key(x->l, cur->row);
	const struct sg_label_result *r = key ? find_result(x->idx, x->nidx, key) : NULL;
	x->rows++;
	if (r && r->value[0]) {
		x->labeled++;
		x->machine += r->source == SG_LABEL_MACHINE;
	}
	if (x->a->jsonl)
		export_jsonl_row(x, cur, key ? key : "", r);
	else
		export_csv_row(x, cur, key ? key : "", r);
	return 0;
}

/* The data columns, then ours; a data column of the same name keeps its
 * name and ours get a "label_" prefix. */
static void export_csv_header(struct export_ctx *x)
{
	struct sg_csv *c = sg_labels_csv(x->l);
	static const char *const ours[] = { "row_key", "label", "confidence", "annotators", "source",
					    "state" };
	int ncols = sg_csv_ncols(c);
	for (int i = 0; i < ncols; i++)
		buf_field(&x->out, sg_csv_colname(c, i), strlen(sg_csv_colname(c, i)), i == 0);
	for (size_t i = 0; i < sizeof ours / sizeof *ours; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s%s", sg_csv_colindex(c, ours[i]) >= 0 ? "label_" : "",
			 ours[i]);
		buf_field(&x->out, name, strlen(name), ncols == 0 && i == 0);
	}
	buf_put(&x->out, "\n", 1);
}

static int export_data(struct sg_workspace *ws, struct export_ctx *x, struct sg_error *err)
{
	struct sg_labels_consolidation con;
	if (sg_labels_consolidate(ws->store, sg_labels_dataset_id(x->l), sg_labels_scheme(x->l),
				  x->a->method, 0, sg_username(), &con, err) != 0)
		return -1;
	x->idx = sg_xcalloc(con.n + 1, sizeof *x->idx);
	for (size_t i = 0; i < con.n; i++)
		x->idx[i].r = &con.results[i];
	x->nidx = con.n;
	qsort(x->idx, x->nidx, sizeof *x->idx, by_key_cmp);
	if (!x->a->jsonl)
		export_csv_header(x);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	struct sg_csv *c = sg_labels_csv(x->l);
	int rc = sg_csv_scan(c, &cur, 0, sg_csv_nrows(c), 0, export_row, x, NULL, err);
	sg_csv_cursor_done(&cur);
	free(x->idx);
	sg_labels_consolidation_done(&con);
	return rc == 0 ? 0 : -1;
}

/* --annotations: one line per live annotation, the format import reads. */
struct ann_ctx {
	struct export_ctx *x;
	long long row;
};

static int export_ann(const struct sg_annotation *a, void *ud)
{
	struct ann_ctx *c = ud;
	struct buf *b = &c->x->out;
	if (c->x->a->jsonl) {
		json_t *o = json_pack("{sssssosssssf}", "row_key", a->row_key, "annotator", a->user,
				      "label", labels_value_json(sg_labels_scheme(c->x->l), a->value),
				      "source", sg_label_source_name(a->source), "role",
				      a->role == SG_ROLE_REVIEWER ? "reviewer" : "annotator",
				      "created_at", a->created_at);
		json_object_set_new(o, "confidence", cli_json_real(a->confidence));
		json_object_set_new(o, "seconds", json_real(a->seconds));
		json_object_set_new(o, "comment", json_string(a->comment ? a->comment : ""));
		buf_json_line(b, o);
		c->x->labeled++;
		return 0;
	}
	char num[64];
	buf_field(b, a->row_key, strlen(a->row_key), 1);
	snprintf(num, sizeof num, "%lld", c->row >= 0 ? c->row + 1 : 0);
	buf_field(b, c->row >= 0 ? num : "", c->row >= 0 ? strlen(num) : 0, 0);
	buf_field(b, a->user, strlen(a->user), 0);
	buf_field(b, a->value, strlen(a->value), 0);
	buf_str(b, a->source == SG_LABEL_MACHINE ? ",machine" : a->source == SG_LABEL_IMPORTED ?
		",imported" : ",human");
	buf_str(b, a->role == SG_ROLE_REVIEWER ? ",reviewer," : ",annotator,");
	if (!isnan(a->confidence)) {
		snprintf(num, sizeof num, "%.6g", a->confidence);
		buf_str(b, num);
	}
	snprintf(num, sizeof num, ",%.3f,%.3f,", a->created_at, a->seconds);
	buf_str(b, num);
	buf_field(b, a->comment ? a->comment : "", a->comment ? strlen(a->comment) : 0, 1);
	buf_put(b, "\n", 1);
	c->x->labeled++;
	return 0;
}

static int export_annotations(struct sg_workspace *ws, struct export_ctx *x, struct sg_error *err)
{
	if (!x->a->jsonl)
		buf_str(&x->out, "row_key,row,annotator,label,source,role,confidence,created_at,"
			"seconds,comment\n");
	sqlite3_stmt *q = sg_store_prepare(ws->store,
		"SELECT DISTINCT row_key FROM label_annotations WHERE dataset_id = ?1 AND active = 1"
		" ORDER BY row_key", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sg_labels_dataset_id(x->l));
	char **keys = NULL;
	size_t n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		keys = sg_xrealloc(keys, (n + 1) * sizeof *keys);
		keys[n++] = sg_xstrdup((const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_reset(q);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct ann_ctx c = { x, sg_labels_row_of(x->l, keys[i]) };
		if (rc == 0)
			rc = sg_labels_item_annotations(ws->store, sg_labels_dataset_id(x->l), keys[i], 0,
							export_ann, &c, err);
		free(keys[i]);
	}
	free(keys);
	x->rows = n;
	return rc;
}

static int parse_export(int argc, char **argv, struct export_args *a)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "method", required_argument, NULL, 'm' },
		{ "annotations", no_argument, NULL, 'A' }, { "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	const char *format = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->out = optarg; break;
		case 'm': a->method = optarg; break;
		case 'A': a->annotations = 1; break;
		case 'j': a->json = 1; break;
		case 'f': format = optarg; break;
		default: return cli_usage("labels", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1 || !a->out)
		return cli_usage("labels", "labels export needs DATASET and -o OUT.csv|OUT.jsonl");
	a->dataset = argv[optind];
	if (a->method && strcmp(a->method, "majority") && strcmp(a->method, "em"))
		return cli_usage("labels", "--method is majority or em");
	if (format && strcmp(format, "csv") && strcmp(format, "jsonl"))
		return cli_usage("labels", "--format is csv or jsonl");
	a->jsonl = format ? strcmp(format, "jsonl") == 0 :
		   ends_with(a->out, ".jsonl") || ends_with(a->out, ".manifest");
	if (!format && !a->jsonl && !ends_with(a->out, ".csv"))
		return cli_usage("labels", "name OUT .csv or .jsonl (or give --format)");
	return 0;
}

int labels_export(struct sg_workspace *ws, int argc, char **argv)
{
	struct export_args a;
	int st = parse_export(argc, argv, &a);
	if (st)
		return st;
	struct sg_error err = { 0 };
	struct cli_dataset d;
	if (labels_dataset(ws, a.dataset, &d, &err) != 0)
		return cli_fail(&err);
	if (same_file(a.out, d.path)) {
		cli_dataset_done(&d);
		sg_error_set(&err, SG_E_USAGE, "refusing to write over the dataset %s", a.out);
		return cli_fail(&err);
	}
	struct sg_labels *l = labels_open_cli(ws, &d, a.json, NULL, &err);
	struct export_ctx x = { .l = l, .a = &a };
	snprintf(x.attr, sizeof x.attr, "%s-label", d.info.name);
	cli_dataset_done(&d);
	if (!l)
		return cli_fail(&err);
	char method[32] = "majority";
	if (!a.method && sg_labels_last_consolidation(ws->store, sg_labels_dataset_id(l), method,
						      NULL, NULL, &err) < 0)
		snprintf(method, sizeof method, "majority");
	if (!a.method)
		a.method = method;
	time_t now = time(NULL);
	strftime(x.date, sizeof x.date, "%Y-%m-%dT%H:%M:%S", gmtime(&now));
	struct sg_atomic_file file;
	int rc = sg_atomic_open(&file, a.out, 0666, &err);
	if (rc == 0) {
		x.out.sink = &file;
		rc = a.annotations ? export_annotations(ws, &x, &err) : export_data(ws, &x, &err);
		buf_flush(&x.out);
		if (rc == 0 && x.out.failed) {
			err = x.out.err;
			rc = -1;
		}
		if (rc == 0)
			rc = sg_atomic_commit(&file, &err);
		else
			sg_atomic_abort(&file);
	}
	sg_labels_free(l);
	free(x.out.p);
	if (rc != 0)
		return cli_fail(&err);
	if (a.json)
		cli_print_json(json_pack("{sssssssIsIsI}", "output", a.out, "format",
					 a.jsonl ? "jsonl" : "csv", "method", a.method,
					 a.annotations ? "items" : "rows", (json_int_t)x.rows,
					 a.annotations ? "annotations" : "labeled", (json_int_t)x.labeled,
					 "machine", (json_int_t)x.machine));
	else if (a.annotations)
		printf("wrote %llu annotation(s) of %llu item(s) to %s\n", x.labeled, x.rows, a.out);
	else
		printf("wrote %llu row(s) to %s: %llu labeled (%s), %llu by machine\n", x.rows, a.out,
		       x.labeled, a.method, x.machine);
	return EXIT_OK;
}
