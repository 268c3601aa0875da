/* labelauto_review.c — review rules for machine labels (low confidence, a
 * random audit), a reviewer's accept or correct, and the store-side steps
 * of an auto-labeling run (retiring stale machine labels, the queue order). */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include "core/labelauto_int.h"
#include "core/util.h"

double sg_labelauto_audit_draw(const char *key, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (seed * 0x9e3779b97f4a7c15ULL);
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (double)(h >> 11) / 9007199254740992.0 * 100;
}

/* A machine annotation as read for the steps below. */
struct mrow {
	long long id;
	char *key, *value;
	double conf;
};

static void mrows_free(struct mrow *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

/* Reads machine annotations matching `where` (a fixed SQL condition) with
 * ?1 the dataset and, when user is set, ?2 the user. */
static int mrows_read(struct sg_store *s, const char *sql, long long ds, const char *user,
		      struct mrow **out, size_t *n, struct sg_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *q = sg_store_prepare(s, sql, err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, ds);
	if (user)
		sqlite3_bind_text(q, 2, user, -1, SQLITE_TRANSIENT);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = sg_xrealloc(*out, cap * sizeof **out);
		}
		struct mrow *m = &(*out)[(*n)++];
		m->id = sqlite3_column_int64(q, 0);
		m->key = sg_xstrdup((const char *)sqlite3_column_text(q, 1));
		m->value = sg_xstrdup((const char *)sqlite3_column_text(q, 2));
		m->conf = sqlite3_column_type(q, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 3);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		mrows_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sg_store_error(s, err, "cannot read machine labels");
	}
	return 0;
}

static int cmp_key_index(const void *a, const void *b, void *ud)
{
	const char *const *keys = ud;
	return strcmp(keys[*(const size_t *)a], keys[*(const size_t *)b]);
}

/* Index of key in keys (via the sorted order), or -1. */
static long long find_key(const char *const *keys, const size_t *order, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(keys[order[mid]], key);
		if (c == 0)
			return (long long)order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int deactivate(struct sg_store *s, long long id, struct sg_error *err)
{
	sqlite3_stmt *u = sg_store_prepare(s, "UPDATE label_annotations SET active = 0 WHERE id = ?1",
					   err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, id);
	int rc = sqlite3_step(u);
	sqlite3_reset(u);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot retire a machine label");
}

/* Sets a kept machine label's confidence to the new run's. */
static int refresh(struct sg_store *s, long long id, double conf, struct sg_error *err)
{
	sqlite3_stmt *u = sg_store_prepare(s,
		"UPDATE label_annotations SET confidence = ?2 WHERE id = ?1", err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, id);
	sqlite3_bind_double(u, 2, conf);
	int rc = sqlite3_step(u);
	sqlite3_reset(u);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot update a machine label");
}

int sg_labelauto_retire(struct sg_store *s, struct sg_labels *l, const char *const *keys,
			const char *const *vals, const double *confs, size_t n, uint8_t *unchanged,
			size_t *retired, struct sg_error *err)
{
	*retired = 0;
	struct mrow *m;
	size_t nm;
	if (mrows_read(s, "SELECT id, row_key, value, confidence FROM label_annotations"
		       " WHERE dataset_id = ?1 AND source = 'machine' AND user = ?2 AND active = 1"
		       " AND review NOT IN ('accepted', 'corrected') AND role = 'annotator'",
		       sg_labels_dataset_id(l), SG_LABELAUTO_USER, &m, &nm, err) != 0)
		return -1;
	size_t *order = sg_xmalloc((n + 1) * sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof *order, cmp_key_index, (void *)keys);
	int rc = sg_store_begin(s, err);
	for (size_t j = 0; j < nm && rc == 0; j++) {
		long long i = find_key(keys, order, n, m[j].key);
		if (i >= 0) {
			if (strcmp(vals[i], m[j].value) == 0) {
				unchanged[i] = 1;
				if (m[j].conf != confs[i])
					rc = refresh(s, m[j].id, confs[i], err);
			}
			continue;   /* a different value: the new label supersedes it */
		}
		rc = deactivate(s, m[j].id, err);
		if (rc == 0)
			(*retired)++;
	}
	if (rc == 0)
		rc = sg_store_commit(s, err);
	else
		sg_store_rollback(s);
	free(order);
	mrows_free(m, nm);
	return rc;
}

int sg_labelauto_order_queue(struct sg_store *s, struct sg_labels *l, const char *const *keys,
			     size_t n, struct sg_error *err)
{
	long long ds = sg_labels_dataset_id(l);
	if (sg_store_begin(s, err) != 0)
		return -1;
	sqlite3_stmt *q = sg_store_prepare(s, "SELECT seq FROM label_sets WHERE dataset_id = ?1", err);
	int rc = q ? 0 : -1;
	long long base = 0;
	if (q) {
		sqlite3_bind_int64(q, 1, ds);
		if (sqlite3_step(q) == SQLITE_ROW)
			base = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	sqlite3_stmt *u = rc ? NULL : sg_store_prepare(s,
		"UPDATE label_items SET seq = ?3 WHERE dataset_id = ?1 AND row_key = ?2 AND n = 0", err);
	if (!u)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(u, 1, ds);
		sqlite3_bind_text(u, 2, keys[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 3, base + 1 + (long long)i);
		if (sqlite3_step(u) != SQLITE_DONE)
			rc = sg_store_error(s, err, "cannot reorder the queue");
		sqlite3_reset(u);
	}
	sqlite3_stmt *c = rc ? NULL : sg_store_prepare(s,
		"UPDATE label_sets SET seq = ?2 WHERE dataset_id = ?1", err);
	if (rc == 0 && !c)
		rc = -1;
	if (c) {
		sqlite3_bind_int64(c, 1, ds);
		sqlite3_bind_int64(c, 2, base + 1 + (long long)n);
		if (sqlite3_step(c) != SQLITE_DONE)
			rc = sg_store_error(s, err, "cannot reorder the queue");
		sqlite3_reset(c);
	}
	if (rc == 0)
		return sg_store_commit(s, err);
	sg_store_rollback(s);
	return -1;
}

int sg_labelauto_review_apply(struct sg_store *s, long long dataset_id, double below,
			      double audit_percent, uint64_t seed, size_t *n_low, size_t *n_audit,
			      struct sg_error *err)
{
	size_t lo = 0, au = 0;
	struct mrow *m;
	size_t nm;
	if (mrows_read(s, "SELECT id, row_key, value, confidence FROM label_annotations"
		       " WHERE dataset_id = ?1 AND source = 'machine' AND active = 1 AND review = ''",
		       dataset_id, NULL, &m, &nm, err) != 0)
		return -1;
	int rc = sg_store_begin(s, err);
	for (size_t j = 0; j < nm && rc == 0; j++) {
		int low = below > 0 && !(m[j].conf >= below);   /* an unknown confidence is low */
		int audit = !low && audit_percent > 0 &&
			    sg_labelauto_audit_draw(m[j].key, seed) < audit_percent;
		if (!low && !audit)
			continue;
		rc = sg_labels_set_review(s, m[j].id, SG_REVIEW_PENDING, NULL, err);
		lo += low;
		au += audit;
	}
	if (rc == 0)
		rc = sg_store_commit(s, err);
	else
		sg_store_rollback(s);
	mrows_free(m, nm);
	if (n_low)
		*n_low = lo;
	if (n_audit)
		*n_audit = au;
	return rc;
}

int sg_labelauto_review_list(struct sg_store *s, struct sg_labels *l, sg_review_fn fn, void *ud,
			     struct sg_error *err)
{
	struct mrow *m;
	size_t nm;
	if (mrows_read(s, "SELECT id, row_key, value, confidence FROM label_annotations"
		       " WHERE dataset_id = ?1 AND source = 'machine' AND active = 1"
		       " AND review = 'pending' ORDER BY confidence, id",
		       sg_labels_dataset_id(l), NULL, &m, &nm, err) != 0)
		return -1;
	int rc = 0;
	for (size_t j = 0; j < nm && rc == 0; j++) {
		struct sg_review_item it = { .id = m[j].id, .row_key = m[j].key,
					     .row = sg_labels_row_of(l, m[j].key),
					     .value = m[j].value, .confidence = m[j].conf };
		rc = fn(&it, ud);
	}
	mrows_free(m, nm);
	return rc;
}

/* The live machine annotation of key: its id, or 0 with SG_E_NOTFOUND. */
static long long machine_of(struct sg_store *s, struct sg_labels *l, const char *key,
			    struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT id FROM label_annotations WHERE dataset_id = ?1 AND row_key = ?2"
		" AND source = 'machine' AND active = 1 ORDER BY id DESC LIMIT 1", err);
	if (!q)
		return 0;
	sqlite3_bind_int64(q, 1, sg_labels_dataset_id(l));
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	long long id = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	if (!id)
		sg_error_set(err, SG_E_NOTFOUND, "row %s has no machine label", key);
	return id;
}

int sg_labelauto_accept(struct sg_store *s, struct sg_labels *l, const char *key,
			struct sg_error *err)
{
	long long id = machine_of(s, l, key, err);
	if (!id)
		return -1;
	return sg_labels_set_review(s, id, SG_REVIEW_ACCEPTED, sg_labels_user(l), err);
}

int sg_labelauto_correct(struct sg_store *s, struct sg_labels *l, const char *key,
			 const char *value, struct sg_error *err)
{
	long long id = machine_of(s, l, key, err);
	if (!id)
		return -1;
	return sg_labels_adjudicate(l, key, value, NULL, id, NULL, err);
}
