/* labels_data.c — annotations in bulk (for statistics) and consolidated
 * results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/labels_int.h"
#include "core/util.h"

/* ---- interning ----------------------------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
	struct sg_strmap map;
};

static const char *names_str(void *ud, uint32_t i)
{
	return ((struct names *)ud)->v[i];
}

static uint32_t intern(struct names *t, const char *s)
{
	long long i = sg_strmap_find(&t->map, s, names_str, t);
	if (i >= 0)
		return (uint32_t)i;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->v = sg_xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n] = sg_xstrdup(s);
	sg_strmap_put(&t->map, s, (uint32_t)t->n, names_str, t);
	return (uint32_t)t->n++;
}

static int rec_before(const struct sg_label_record *x, const struct sg_label_record *y)
{
	return x->created_at < y->created_at || (x->created_at == y->created_at && x->id < y->id);
}

/* Orders records by item (a counting sort: items are dense indexes), then
 * by time within an item (insertion sort: an item has a handful). */
static void sort_records(struct sg_label_table *t)
{
	size_t *start = sg_xcalloc(t->nitems + 1, sizeof *start);
	for (size_t i = 0; i < t->nrec; i++)
		start[t->rec[i].item + 1]++;
	for (size_t i = 0; i < t->nitems; i++)
		start[i + 1] += start[i];
	struct sg_label_record *out = sg_xmalloc((t->nrec + 1) * sizeof *out);
	for (size_t i = 0; i < t->nrec; i++)
		out[start[t->rec[i].item]++] = t->rec[i];
	free(start);
	free(t->rec);
	t->rec = out;
	for (size_t i = 1; i < t->nrec; i++) {
		struct sg_label_record r = out[i];
		size_t j = i;
		while (j > 0 && out[j - 1].item == r.item && rec_before(&r, &out[j - 1])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = r;
	}
}

/* The dataset's item count, to size the key map once (growing it from
 * small rehashes every key about twice). */
static long long count_items(struct sg_store *s, long long dataset_id)
{
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT count(*) FROM label_items WHERE dataset_id = ?1", NULL);
	if (!q)
		return 1024;
	sqlite3_bind_int64(q, 1, dataset_id);
	long long n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return n > 1024 ? n : 1024;
}

int sg_labels_load(struct sg_store *s, long long dataset_id, unsigned sources,
		   struct sg_label_table *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT row_key, user, value, source, role, confidence, created_at, seconds, id"
		" FROM label_annotations NOT INDEXED WHERE dataset_id = ?1 AND active = 1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, dataset_id);
	struct names items = { 0 }, users = { 0 }, values = { 0 };
	sg_strmap_init(&items.map, (size_t)count_items(s, dataset_id));
	sg_strmap_init(&users.map, 16);
	sg_strmap_init(&values.map, 64);
	size_t cap = 1024;
	uint32_t last_user = 0, last_value = 0;
	out->rec = sg_xmalloc(cap * sizeof *out->rec);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int src = sg_label_source_parse((const char *)sqlite3_column_text(q, 3));
		if (src < 0 || (sources && !(sources & (1u << src))))
			continue;
		if (out->nrec == cap)
			out->rec = sg_xrealloc(out->rec, (cap *= 2) * sizeof *out->rec);
		struct sg_label_record *r = &out->rec[out->nrec++];
		r->item = intern(&items, (const char *)sqlite3_column_text(q, 0));
		/* Annotators and values repeat from row to row (a person's work is
		 * stored together; there are few labels): skip the hash then. */
		const char *u = (const char *)sqlite3_column_text(q, 1);
		const char *v = (const char *)sqlite3_column_text(q, 2);
		r->user = users.n && strcmp(users.v[last_user], u) == 0 ? last_user : intern(&users, u);
		r->value = values.n && strcmp(values.v[last_value], v) == 0 ? last_value :
			   intern(&values, v);
		last_user = r->user;
		last_value = r->value;
		r->source = (uint8_t)src;
		r->role = strcmp((const char *)sqlite3_column_text(q, 4), "reviewer") == 0;
		r->confidence = sqlite3_column_type(q, 5) == SQLITE_NULL ? NAN :
				(float)sqlite3_column_double(q, 5);
		r->created_at = sqlite3_column_double(q, 6);
		r->seconds = sqlite3_column_double(q, 7);
		r->id = sqlite3_column_int64(q, 8);
	}
	sqlite3_reset(q);
	sg_strmap_done(&items.map);
	sg_strmap_done(&users.map);
	sg_strmap_done(&values.map);
	out->items = items.v;
	out->nitems = items.n;
	out->users = users.v;
	out->nusers = users.n;
	out->values = values.v;
	out->nvalues = values.n;
	if (rc != SQLITE_DONE) {
		sg_label_table_done(out);
		return sg_store_error(s, err, "cannot read annotations");
	}
	sort_records(out);
	return 0;
}

void sg_label_table_done(struct sg_label_table *t)
{
	for (size_t i = 0; i < t->nitems; i++)
		free(t->items[i]);
	for (size_t i = 0; i < t->nusers; i++)
		free(t->users[i]);
	for (size_t i = 0; i < t->nvalues; i++)
		free(t->values[i]);
	free(t->items);
	free(t->users);
	free(t->values);
	free(t->rec);
	memset(t, 0, sizeof *t);
}

/* ---- results ---------------------------------------------------------------------------- */

static int result_key_cmp(const void *a, const void *b)
{
	const struct sg_label_result *const *x = a, *const *y = b;
	return strcmp((*x)->row_key, (*y)->row_key);
}

/* Inserts in key order: the table's b-tree then grows at its end instead of
 * splitting pages all over (several times faster for a million rows). */
static int insert_results(struct sg_store *s, long long ds, const struct sg_label_result *res,
			  size_t n, struct sg_error *err)
{
	const struct sg_label_result **r = sg_xmalloc((n + 1) * sizeof *r);
	for (size_t k = 0; k < n; k++)
		r[k] = &res[k];
	qsort(r, n, sizeof *r, result_key_cmp);
	sqlite3_stmt *i = sg_store_prepare(s,
		"INSERT OR REPLACE INTO label_results(dataset_id, row_key, value, confidence,"
		" n_annotators, source, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
	int rc = i ? SQLITE_DONE : SQLITE_ERROR;
	for (size_t k = 0; i && k < n && rc == SQLITE_DONE; k++) {
		sqlite3_bind_int64(i, 1, ds);
		sqlite3_bind_text(i, 2, r[k]->row_key, -1, SQLITE_STATIC);
		sqlite3_bind_text(i, 3, r[k]->value ? r[k]->value : "", -1, SQLITE_STATIC);
		sqlite3_bind_double(i, 4, isnan(r[k]->confidence) ? 0 : r[k]->confidence);
		sqlite3_bind_int(i, 5, r[k]->n_annotators);
		sqlite3_bind_text(i, 6, r[k]->source == SG_LABEL_MACHINE ? "machine" : "human", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(i, 7, sg_result_state_name(r[k]->state), -1, SQLITE_STATIC);
		rc = sqlite3_step(i);
		sqlite3_reset(i);
	}
	free(r);
	if (!i)
		return -1;
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot store results");
}

static int store_results_tx(struct sg_store *s, long long ds, const char *method,
			    const struct sg_label_result *r, size_t n, const char *summary,
			    const char *user, struct sg_error *err)
{
	sqlite3_stmt *d = sg_store_prepare(s, "DELETE FROM label_results WHERE dataset_id = ?1", err);
	if (!d)
		return -1;
	sqlite3_bind_int64(d, 1, ds);
	int rc = sqlite3_step(d);
	sqlite3_reset(d);
	if (rc != SQLITE_DONE)
		return sg_store_error(s, err, "cannot clear results");
	if (insert_results(s, ds, r, n, err) != 0)
		return -1;
	sqlite3_stmt *c = sg_store_prepare(s,
		"INSERT INTO label_consolidations(dataset_id, method, summary, user, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", err);
	if (!c)
		return -1;
	sqlite3_bind_int64(c, 1, ds);
	sqlite3_bind_text(c, 2, method, -1, SQLITE_TRANSIENT);
	if (summary)
		sqlite3_bind_text(c, 3, summary, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(c, 3);
	sqlite3_bind_text(c, 4, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(c, 5, sg_now());
	rc = sqlite3_step(c);
	sqlite3_reset(c);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot record the consolidation");
}

int sg_labels_store_results(struct sg_store *s, long long dataset_id, const char *method,
			    const struct sg_label_result *r, size_t n, const char *summary,
			    const char *user, struct sg_error *err)
{
	if (sg_store_begin(s, err) != 0)
		return -1;
	if (store_results_tx(s, dataset_id, method, r, n, summary, user, err) != 0) {
		sg_store_rollback(s);
		return -1;
	}
	return sg_store_commit(s, err);
}

static enum sg_result_state parse_state(const char *t)
{
	for (int i = SG_RESULT_AGREED; i <= SG_RESULT_MACHINE; i++)
		if (strcmp(sg_result_state_name(i), t) == 0)
			return i;
	return SG_RESULT_AGREED;
}

int sg_labels_results(struct sg_store *s, long long dataset_id, sg_result_fn fn, void *ud,
		      struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT row_key, value, confidence, n_annotators, source, state FROM label_results"
		" WHERE dataset_id = ?1 ORDER BY row_key", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, dataset_id);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sg_label_result r = {
			.row_key = (const char *)sqlite3_column_text(q, 0),
			.value = (const char *)sqlite3_column_text(q, 1),
			.confidence = sqlite3_column_double(q, 2),
			.n_annotators = sqlite3_column_int(q, 3),
			.source = strcmp((const char *)sqlite3_column_text(q, 4), "machine") == 0 ?
				  SG_LABEL_MACHINE : SG_LABEL_HUMAN,
			.state = parse_state((const char *)sqlite3_column_text(q, 5)),
		};
		stop = fn(&r, ud);
	}
	sqlite3_reset(q);
	if (!stop && rc != SQLITE_DONE)
		return sg_store_error(s, err, "cannot read results");
	return 0;
}

int sg_labels_last_consolidation(struct sg_store *s, long long dataset_id, char method[32],
				 double *at, char **summary, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT method, created_at, summary FROM label_consolidations WHERE dataset_id = ?1"
		" ORDER BY id DESC LIMIT 1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, dataset_id);
	if (summary)
		*summary = NULL;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		snprintf(method, 32, "%s", (const char *)sqlite3_column_text(q, 0));
		if (at)
			*at = sqlite3_column_double(q, 1);
		if (summary && sqlite3_column_type(q, 2) != SQLITE_NULL)
			*summary = sg_xstrdup((const char *)sqlite3_column_text(q, 2));
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sg_store_error(s, err, "cannot read consolidations");
	return rc == SQLITE_ROW;
}
