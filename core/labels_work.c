/* labels_work.c — annotating: saving, undo, skip, the queue with leases,
 * jumps and filters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/labels_int.h"
#include "core/util.h"

/* Steps a statement expected to finish; resets it. */
static int step_done(struct sg_store *s, sqlite3_stmt *st, const char *what, struct sg_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, what);
}

static long long next_seq(struct sg_store *s, long long ds, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s,
		"UPDATE label_sets SET seq = seq + 1 WHERE dataset_id = ?1 RETURNING seq", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, ds);
	long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return v;
}

/* *seq, when given, is the caller's running sequence (a bulk insert
 * numbers its items itself and stores the counter once at the end). */
static int recount(struct sg_store *s, long long ds, const char *key, long long *seq_run,
		   struct sg_error *err)
{
	sqlite3_stmt *c = sg_store_prepare(s,
		"SELECT count(*), (SELECT n FROM label_items WHERE dataset_id = ?1 AND row_key = ?2)"
		" FROM label_annotations WHERE dataset_id = ?1 AND row_key = ?2 AND active = 1"
		" AND role = 'annotator' AND source IN ('human','imported')", err);
	if (!c)
		return -1;
	sqlite3_bind_int64(c, 1, ds);
	sqlite3_bind_text(c, 2, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(c) != SQLITE_ROW) {
		sqlite3_reset(c);
		return sg_store_error(s, err, "cannot count annotations");
	}
	long long n = sqlite3_column_int64(c, 0);
	int exists = sqlite3_column_type(c, 1) != SQLITE_NULL;
	long long old = sqlite3_column_int64(c, 1);
	sqlite3_reset(c);
	if (exists && old == n)
		return 0;
	long long seq = seq_run ? ++*seq_run : next_seq(s, ds, err);
	if (seq < 0)
		return -1;
	sqlite3_stmt *u = sg_store_prepare(s,
		"INSERT INTO label_items(dataset_id, row_key, row, n, seq) VALUES (?1, ?2, NULL, ?3, ?4)"
		" ON CONFLICT(dataset_id, row_key) DO UPDATE SET n = excluded.n, seq = excluded.seq",
		err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, ds);
	sqlite3_bind_text(u, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(u, 3, n);
	sqlite3_bind_int64(u, 4, seq);
	return step_done(s, u, "cannot update the item", err);
}

int sg_labels_recount(struct sg_store *s, long long ds, const char *key, struct sg_error *err)
{
	return recount(s, ds, key, NULL, err);
}

/* Supersedes and inserts; the item's count is the caller's to update. */
static int insert_row(struct sg_store *s, const struct sg_annotation *a, long long *id,
		      struct sg_error *err)
{
	const char *role = a->role == SG_ROLE_REVIEWER ? "reviewer" : "annotator";
	sqlite3_stmt *prev = sg_store_prepare(s,
		"SELECT id FROM label_annotations WHERE dataset_id = ?1 AND row_key = ?2 AND user = ?3"
		" AND active = 1 AND role = ?4 AND (source = 'machine') = ?5 ORDER BY id DESC", err);
	if (!prev)
		return -1;
	sqlite3_bind_int64(prev, 1, a->dataset_id);
	sqlite3_bind_text(prev, 2, a->row_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(prev, 3, a->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(prev, 4, role, -1, SQLITE_STATIC);
	sqlite3_bind_int(prev, 5, a->source == SG_LABEL_MACHINE);
	long long replaces = sqlite3_step(prev) == SQLITE_ROW ? sqlite3_column_int64(prev, 0) : 0;
	sqlite3_reset(prev);
	if (replaces) {
		sqlite3_stmt *off = sg_store_prepare(s,
			"UPDATE label_annotations SET active = 0 WHERE id = ?1", err);
		if (!off)
			return -1;
		sqlite3_bind_int64(off, 1, replaces);
		if (step_done(s, off, "cannot supersede an annotation", err) != 0)
			return -1;
	}
	sqlite3_stmt *ins = sg_store_prepare(s,
		"INSERT INTO label_annotations(dataset_id, row_key, user, value, comment, source, role,"
		" confidence, created_at, seconds, active, replaces, review, reviewer)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, ?13)", err);
	if (!ins)
		return -1;
	sqlite3_bind_int64(ins, 1, a->dataset_id);
	sqlite3_bind_text(ins, 2, a->row_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 3, a->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 4, a->value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 5, a->comment ? a->comment : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 6, sg_label_source_name(a->source), -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 7, role, -1, SQLITE_STATIC);
	if (isnan(a->confidence))
		sqlite3_bind_null(ins, 8);
	else
		sqlite3_bind_double(ins, 8, a->confidence);
	sqlite3_bind_double(ins, 9, a->created_at > 0 ? a->created_at : sg_now());
	sqlite3_bind_double(ins, 10, a->seconds > 0 ? a->seconds : 0);
	if (replaces)
		sqlite3_bind_int64(ins, 11, replaces);
	else
		sqlite3_bind_null(ins, 11);
	sqlite3_bind_text(ins, 12, sg_label_review_name(a->review), -1, SQLITE_STATIC);
	if (a->reviewer)
		sqlite3_bind_text(ins, 13, a->reviewer, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(ins, 13);
	if (step_done(s, ins, "cannot save the annotation", err) != 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(sg_store_db(s));
	return 0;
}

int sg_labels_insert_one(struct sg_store *s, const struct sg_annotation *a, long long *id,
			 struct sg_error *err)
{
	if (insert_row(s, a, id, err) != 0)
		return -1;
	return sg_labels_recount(s, a->dataset_id, a->row_key, err);
}

static int release_lease(struct sg_labels *l, const char *key, struct sg_error *err)
{
	sqlite3_stmt *d = sg_store_prepare(l->store,
		"DELETE FROM label_leases WHERE dataset_id = ?1 AND row_key = ?2 AND user = ?3", err);
	if (!d)
		return -1;
	sqlite3_bind_int64(d, 1, l->dataset_id);
	sqlite3_bind_text(d, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(d, 3, l->user, -1, SQLITE_TRANSIENT);
	return step_done(l->store, d, "cannot release the lease", err);
}

/* The row's text column, for checking spans; NULL when there is none. */
static const char *row_text(struct sg_labels *l, const char *key, size_t *len)
{
	long long row = sg_labels_row_of(l, key);
	if (row < 0 || l->text_col < 0 || sg_csv_read_row(l->csv, (uint64_t)row, &l->cur, NULL) != 0)
		return NULL;
	*len = l->cur.field[l->text_col].len;
	return l->cur.field[l->text_col].p;
}

static int save(struct sg_labels *l, const char *key, const char *value, const char *comment,
		double seconds, enum sg_label_role role, long long machine_id, long long *id,
		struct sg_error *err)
{
	if (sg_labels_row_of(l, key) < 0)
		return sg_error_set(err, SG_E_NOTFOUND, "no row with key %s in the file", key);
	size_t tlen = 0;
	const char *text = l->scheme.type == SG_SCHEME_SPAN ? row_text(l, key, &tlen) : NULL;
	if (l->scheme.type == SG_SCHEME_SPAN && !text)
		text = "";
	char *canon = NULL;
	if (sg_scheme_value_check(&l->scheme, value, text, tlen, &canon, err) != 0)
		return -1;
	if (comment && *comment && !l->scheme.comment) {
		free(canon);
		return sg_error_set(err, SG_E_USAGE, "the scheme does not take comments");
	}
	struct sg_annotation a = {
		.dataset_id = l->dataset_id, .row_key = key, .user = l->user, .value = canon,
		.comment = comment, .source = SG_LABEL_HUMAN, .role = role, .confidence = NAN,
		.seconds = seconds, .active = 1,
	};
	int rc = sg_store_begin(l->store, err);
	if (rc == 0)
		rc = sg_labels_insert_one(l->store, &a, id, err);
	if (rc == 0)
		rc = release_lease(l, key, err);
	if (rc == 0 && machine_id > 0)
		rc = sg_labels_set_review(l->store, machine_id, SG_REVIEW_CORRECTED, l->user, err);
	if (rc == 0)
		rc = sg_store_commit(l->store, err);
	else
		sg_store_rollback(l->store);
	free(canon);
	return rc;
}

int sg_labels_annotate(struct sg_labels *l, const char *row_key, const char *value,
		       const char *comment, double seconds, long long *id, struct sg_error *err)
{
	return save(l, row_key, value, comment, seconds, SG_ROLE_ANNOTATOR, 0, id, err);
}

int sg_labels_adjudicate(struct sg_labels *l, const char *row_key, const char *value,
			 const char *comment, long long machine_id, long long *id,
			 struct sg_error *err)
{
	return save(l, row_key, value, comment, 0, SG_ROLE_REVIEWER, machine_id, id, err);
}

int sg_labels_set_review(struct sg_store *s, long long id, enum sg_label_review r,
			 const char *reviewer, struct sg_error *err)
{
	sqlite3_stmt *u = sg_store_prepare(s,
		"UPDATE label_annotations SET review = ?2, reviewer = ?3, reviewed_at = ?4"
		" WHERE id = ?1 AND source = 'machine'", err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, id);
	sqlite3_bind_text(u, 2, sg_label_review_name(r), -1, SQLITE_STATIC);
	if (reviewer)
		sqlite3_bind_text(u, 3, reviewer, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(u, 3);
	sqlite3_bind_double(u, 4, sg_now());
	if (step_done(s, u, "cannot set the review state", err) != 0)
		return -1;
	if (sqlite3_changes(sg_store_db(s)) == 0)
		return sg_error_set(err, SG_E_NOTFOUND, "no machine annotation %lld", id);
	return 0;
}

static int undo_tx(struct sg_labels *l, char *key, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT id, row_key, replaces FROM label_annotations WHERE dataset_id = ?1"
		" AND user = ?2 AND active = 1 AND source = 'human' ORDER BY id DESC LIMIT 1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sqlite3_bind_text(q, 2, l->user, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_reset(q);
		return 0;
	}
	long long id = sqlite3_column_int64(q, 0), replaces = sqlite3_column_int64(q, 2);
	snprintf(key, SG_LABEL_KEY_MAX, "%s", (const char *)sqlite3_column_text(q, 1));
	sqlite3_reset(q);
	sqlite3_stmt *u = sg_store_prepare(l->store,
		"UPDATE label_annotations SET active = (id = ?2) WHERE id IN (?1, ?2)", err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, id);
	sqlite3_bind_int64(u, 2, replaces);
	if (step_done(l->store, u, "cannot undo", err) != 0)
		return -1;
	if (sg_labels_recount(l->store, l->dataset_id, key, err) != 0)
		return -1;
	return 1;
}

int sg_labels_undo(struct sg_labels *l, char *key, struct sg_error *err)
{
	if (sg_store_begin(l->store, err) != 0)
		return -1;
	int rc = undo_tx(l, key, err);
	if (rc < 0) {
		sg_store_rollback(l->store);
		return -1;
	}
	return sg_store_commit(l->store, err) != 0 ? -1 : rc;
}

static int skip_tx(struct sg_labels *l, const char *key, int on, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(l->store, on ?
		"INSERT OR REPLACE INTO label_skips(dataset_id, row_key, user, at) VALUES (?1, ?2, ?3, ?4)" :
		"DELETE FROM label_skips WHERE dataset_id = ?1 AND row_key = ?2 AND user = ?3"
		" AND ?4 IS NOT NULL", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, l->dataset_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, l->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 4, sg_now());
	if (step_done(l->store, st, "cannot record the skip", err) != 0)
		return -1;
	if (on)
		return release_lease(l, key, err);
	/* The queue scan may have passed the item: start it over. */
	sqlite3_stmt *c = sg_store_prepare(l->store,
		"DELETE FROM label_cursors WHERE dataset_id = ?1 AND user = ?2", err);
	if (!c)
		return -1;
	sqlite3_bind_int64(c, 1, l->dataset_id);
	sqlite3_bind_text(c, 2, l->user, -1, SQLITE_TRANSIENT);
	return step_done(l->store, c, "cannot reset the queue", err);
}

static int skip(struct sg_labels *l, const char *key, int on, struct sg_error *err)
{
	if (sg_store_begin(l->store, err) != 0)
		return -1;
	if (skip_tx(l, key, on, err) != 0) {
		sg_store_rollback(l->store);
		return -1;
	}
	return sg_store_commit(l->store, err);
}

int sg_labels_skip(struct sg_labels *l, const char *row_key, struct sg_error *err)
{
	return skip(l, row_key, 1, err);
}

int sg_labels_unskip(struct sg_labels *l, const char *row_key, struct sg_error *err)
{
	return skip(l, row_key, 0, err);
}

static int key_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Recounts each distinct key of a once (a bulk insert touches an item
 * several times: once per annotator). */
static int recount_keys(struct sg_store *s, long long dataset_id, const struct sg_annotation *a,
			size_t n, struct sg_error *err)
{
	const char **keys = sg_xmalloc((n + 1) * sizeof *keys);
	for (size_t i = 0; i < n; i++)
		keys[i] = a[i].row_key;
	qsort(keys, n, sizeof *keys, key_ptr_cmp);
	long long seq = next_seq(s, dataset_id, err);
	int rc = seq < 0 ? -1 : 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (i == 0 || strcmp(keys[i], keys[i - 1]) != 0)
			rc = recount(s, dataset_id, keys[i], &seq, err);
	free(keys);
	if (rc != 0)
		return -1;
	sqlite3_stmt *u = sg_store_prepare(s, "UPDATE label_sets SET seq = ?2 WHERE dataset_id = ?1",
					   err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, dataset_id);
	sqlite3_bind_int64(u, 2, seq);
	return step_done(s, u, "cannot update the queue order", err);
}

int sg_labels_insert(struct sg_store *s, long long dataset_id, const struct sg_scheme *sc,
		     const struct sg_annotation *a, size_t n, size_t *bad, struct sg_error *err)
{
	if (sg_store_begin(s, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *canon = NULL;
		struct sg_annotation one = a[i];
		one.dataset_id = dataset_id;
		int rc = sg_scheme_value_check(sc, a[i].value, NULL, 0, &canon, err);
		if (rc == 0) {
			one.value = canon;
			rc = insert_row(s, &one, NULL, err);
		}
		free(canon);
		if (rc != 0) {
			if (bad)
				*bad = i;
			sg_store_rollback(s);
			return -1;
		}
	}
	if (recount_keys(s, dataset_id, a, n, err) != 0) {
		sg_store_rollback(s);
		return -1;
	}
	return sg_store_commit(s, err);
}

/* ---- the queue ------------------------------------------------------------------------- */

static long long others_leases(struct sg_labels *l, const char *key, double now,
			       struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT count(*) FROM label_leases WHERE dataset_id = ?1 AND row_key = ?2"
		" AND user <> ?3 AND until > ?4", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, l->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(q, 4, now);
	long long v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
	sqlite3_reset(q);
	return v;
}

static long long cursor_get(struct sg_labels *l, int level)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT seq FROM label_cursors WHERE dataset_id = ?1 AND user = ?2 AND level = ?3", NULL);
	if (!q)
		return 0;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sqlite3_bind_text(q, 2, l->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, level);
	long long v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return v;
}

static int cursor_set(struct sg_labels *l, int level, long long seq, struct sg_error *err)
{
	sqlite3_stmt *u = sg_store_prepare(l->store,
		"INSERT OR REPLACE INTO label_cursors(dataset_id, user, level, seq) VALUES (?1, ?2, ?3, ?4)",
		err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, l->dataset_id);
	sqlite3_bind_text(u, 2, l->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(u, 3, level);
	sqlite3_bind_int64(u, 4, seq);
	return step_done(l->store, u, "cannot save the queue position", err);
}

/* The end of a level: one past its largest seq (0 when empty). */
static long long level_end(struct sg_labels *l, int level)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT max(seq) FROM label_items WHERE dataset_id = ?1 AND n = ?2", NULL);
	if (!q)
		return 0;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sqlite3_bind_int(q, 2, level);
	long long v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) + 1 : 0;
	sqlite3_reset(q);
	return v;
}

/* Scans one level from the annotator's cursor.  SQLite itself passes over
 * the items that can never be offered to this annotator at this level
 * (theirs, skipped, orphaned); the cursor then moves up to the first item
 * left, so the next scan starts there.  That holds because an item changes
 * level, and so its place, whenever its count changes, and unskip and sync
 * reset the cursors.  Items passed over for others' leases stay after the
 * cursor, so they come back when the lease runs out. */
static int scan_level(struct sg_labels *l, int level, double now, char *key, long long *row,
		      struct sg_error *err)
{
	long long from = cursor_get(l, level), pass = -1;
	int found = 0;
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT row_key, row, seq FROM label_items i WHERE dataset_id = ?1 AND n = ?2"
		" AND seq >= ?3 AND row IS NOT NULL"
		" AND NOT EXISTS (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"   AND a.row_key = i.row_key AND a.user = ?4 AND a.active = 1)"
		" AND NOT EXISTS (SELECT 1 FROM label_skips k WHERE k.dataset_id = ?1"
		"   AND k.row_key = i.row_key AND k.user = ?4)"
		" ORDER BY seq", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sqlite3_bind_int(q, 2, level);
	sqlite3_bind_int64(q, 3, from);
	sqlite3_bind_text(q, 4, l->user, -1, SQLITE_TRANSIENT);
	int rc;
	while (!found && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(q, 0);
		if (pass < 0)
			pass = sqlite3_column_int64(q, 2);
		long long leased = others_leases(l, k, now, err);
		if (leased < 0)
			break;
		if (level + leased >= l->scheme.k)
			continue;
		snprintf(key, SG_LABEL_KEY_MAX, "%s", k);
		*row = sqlite3_column_int64(q, 1);
		found = 1;
	}
	sqlite3_reset(q);
	if (!found && rc != SQLITE_DONE)
		return sg_store_error(l->store, err, "queue scan failed");
	if (pass < 0)  /* nothing left for this annotator at this level */
		pass = level_end(l, level);
	if (pass > from && cursor_set(l, level, pass, err) != 0)
		return -1;
	return found;
}

static int take_lease(struct sg_labels *l, const char *key, double now, struct sg_error *err)
{
	sqlite3_stmt *d = sg_store_prepare(l->store,
		"DELETE FROM label_leases WHERE dataset_id = ?1 AND (user = ?2 OR until <= ?3)", err);
	if (!d)
		return -1;
	sqlite3_bind_int64(d, 1, l->dataset_id);
	sqlite3_bind_text(d, 2, l->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(d, 3, now);
	if (step_done(l->store, d, "cannot renew leases", err) != 0)
		return -1;
	sqlite3_stmt *i = sg_store_prepare(l->store,
		"INSERT OR REPLACE INTO label_leases(dataset_id, row_key, user, until)"
		" VALUES (?1, ?2, ?3, ?4)", err);
	if (!i)
		return -1;
	sqlite3_bind_int64(i, 1, l->dataset_id);
	sqlite3_bind_text(i, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(i, 3, l->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(i, 4, now + l->scheme.lease_seconds);
	return step_done(l->store, i, "cannot lease the item", err);
}

static int queue_next(struct sg_labels *l, struct sg_label_item *out, struct sg_error *err)
{
	if (sg_store_begin(l->store, err) != 0)
		return -1;
	double now = sg_now();
	char key[SG_LABEL_KEY_MAX];
	long long row = -1;
	int found = 0;
	for (int level = 0; level < l->scheme.k && !found; level++) {
		found = scan_level(l, level, now, key, &row, err);
		if (found < 0) {
			sg_store_rollback(l->store);
			return -1;
		}
	}
	if (found && take_lease(l, key, now, err) != 0) {
		sg_store_rollback(l->store);
		return -1;
	}
	if (sg_store_commit(l->store, err) != 0)
		return -1;
	if (!found)
		return 0;
	return sg_labels_item(l, key, out, err) == 0 ? 1 : -1;
}

int sg_labels_release(struct sg_labels *l, struct sg_error *err)
{
	sqlite3_stmt *d = sg_store_prepare(l->store,
		"DELETE FROM label_leases WHERE dataset_id = ?1 AND user = ?2", err);
	if (!d)
		return -1;
	sqlite3_bind_int64(d, 1, l->dataset_id);
	sqlite3_bind_text(d, 2, l->user, -1, SQLITE_TRANSIENT);
	return step_done(l->store, d, "cannot release leases", err);
}

/* ---- jumps -------------------------------------------------------------------------------- */

static const char *const jump_sql[] = {
	[SG_JUMP_UNLABELED] =
		"SELECT row_key FROM label_items i WHERE dataset_id = ?1 AND row > ?2"
		" AND NOT EXISTS (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"   AND a.row_key = i.row_key AND a.user = ?3 AND a.active = 1)"
		" ORDER BY row LIMIT 1",
	[SG_JUMP_DISAGREED] =
		"SELECT row_key FROM label_items i WHERE dataset_id = ?1 AND row > ?2 AND ("
		"  (n >= 2 AND (SELECT count(DISTINCT value) FROM label_annotations a"
		"     WHERE a.dataset_id = ?1 AND a.row_key = i.row_key AND a.active = 1"
		"     AND a.role = 'annotator' AND a.source <> 'machine') > 1"
		"   AND NOT EXISTS (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"     AND a.row_key = i.row_key AND a.active = 1 AND a.role = 'reviewer'))"
		"  OR EXISTS (SELECT 1 FROM label_results r WHERE r.dataset_id = ?1"
		"     AND r.row_key = i.row_key AND r.state IN ('tie','low'))) AND ?3 IS NOT NULL"
		" ORDER BY row LIMIT 1",
	[SG_JUMP_LOW_CONFIDENCE] =
		"SELECT i.row_key FROM label_results r JOIN label_items i"
		"  ON i.dataset_id = r.dataset_id AND i.row_key = r.row_key"
		" WHERE r.dataset_id = ?1 AND i.row > ?2 AND r.confidence < ?4 AND ?3 IS NOT NULL"
		" ORDER BY i.row LIMIT 1",
	[SG_JUMP_REVIEW] =
		"SELECT i.row_key FROM label_annotations a JOIN label_items i"
		"  ON i.dataset_id = a.dataset_id AND i.row_key = a.row_key"
		" WHERE a.dataset_id = ?1 AND a.review = 'pending' AND a.active = 1 AND i.row > ?2"
		" AND ?3 IS NOT NULL ORDER BY i.row LIMIT 1",
	[SG_JUMP_ORPHAN] =
		"SELECT row_key FROM label_items i WHERE dataset_id = ?1 AND row IS NULL AND ?2 >= -1"
		" AND EXISTS (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"   AND a.row_key = i.row_key AND a.active = 1) AND ?3 IS NOT NULL"
		" ORDER BY row_key LIMIT 1",
};

static int jump_once(struct sg_labels *l, enum sg_label_jump how, long long from, char *key,
		     struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(l->store, jump_sql[how], err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sqlite3_bind_int64(q, 2, from);
	sqlite3_bind_text(q, 3, l->user, -1, SQLITE_TRANSIENT);
	if (how == SG_JUMP_LOW_CONFIDENCE)
		sqlite3_bind_double(q, 4, l->scheme.low_confidence);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(key, SG_LABEL_KEY_MAX, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sg_store_error(l->store, err, "search failed");
	return rc == SQLITE_ROW;
}

int sg_labels_next(struct sg_labels *l, enum sg_label_jump how, long long from,
		   struct sg_label_item *out, struct sg_error *err)
{
	if (how == SG_JUMP_QUEUE)
		return queue_next(l, out, err);
	if (how < SG_JUMP_UNLABELED || how > SG_JUMP_ORPHAN)
		return sg_error_set(err, SG_E_USAGE, "unknown jump");
	char key[SG_LABEL_KEY_MAX];
	int found = jump_once(l, how, from, key, err);
	if (found == 0 && from >= 0)  /* wrap around once */
		found = jump_once(l, how, -1, key, err);
	if (found <= 0)
		return found;
	return sg_labels_item(l, key, out, err) == 0 ? 1 : -1;
}

/* ---- items ------------------------------------------------------------------------------------ */

int sg_labels_item(struct sg_labels *l, const char *row_key, struct sg_label_item *out,
		   struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	snprintf(out->row_key, sizeof out->row_key, "%s", row_key);
	out->row = sg_labels_row_of(l, row_key);
	out->confidence = NAN;
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT"
		" (SELECT n FROM label_items WHERE dataset_id = ?1 AND row_key = ?2),"
		" (SELECT count(*) FROM label_annotations WHERE dataset_id = ?1 AND row_key = ?2"
		"   AND active = 1 AND source = 'machine'),"
		" EXISTS (SELECT 1 FROM label_annotations WHERE dataset_id = ?1 AND row_key = ?2"
		"   AND user = ?3 AND active = 1 AND source <> 'machine'),"
		" (SELECT count(DISTINCT value) FROM label_annotations WHERE dataset_id = ?1"
		"   AND row_key = ?2 AND active = 1 AND role = 'annotator' AND source <> 'machine'),"
		" EXISTS (SELECT 1 FROM label_annotations WHERE dataset_id = ?1 AND row_key = ?2"
		"   AND active = 1 AND review = 'pending'),"
		" (SELECT confidence FROM label_results WHERE dataset_id = ?1 AND row_key = ?2),"
		" (SELECT value FROM label_results WHERE dataset_id = ?1 AND row_key = ?2)", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sqlite3_bind_text(q, 2, row_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, l->user, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_reset(q);
		return sg_store_error(l->store, err, "cannot read the item");
	}
	out->n = sqlite3_column_int(q, 0);
	out->n_machine = sqlite3_column_int(q, 1);
	out->mine = sqlite3_column_int(q, 2);
	out->disagreed = sqlite3_column_int(q, 3) > 1;
	out->review_pending = sqlite3_column_int(q, 4);
	if (sqlite3_column_type(q, 5) != SQLITE_NULL)
		out->confidence = sqlite3_column_double(q, 5);
	if (sqlite3_column_type(q, 6) != SQLITE_NULL)
		snprintf(out->result, sizeof out->result, "%s", (const char *)sqlite3_column_text(q, 6));
	sqlite3_reset(q);
	return 0;
}

int sg_labels_item_annotations(struct sg_store *s, long long dataset_id, const char *row_key,
			       int history, sg_annotation_fn fn, void *ud, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT id, user, value, comment, source, role, confidence, created_at, seconds,"
		" active, review, reviewer FROM label_annotations"
		" WHERE dataset_id = ?1 AND row_key = ?2 AND (active = 1 OR ?3) ORDER BY id", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, dataset_id);
	sqlite3_bind_text(q, 2, row_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, history != 0);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *review = (const char *)sqlite3_column_text(q, 10);
		struct sg_annotation a = {
			.id = sqlite3_column_int64(q, 0), .dataset_id = dataset_id, .row_key = row_key,
			.user = (const char *)sqlite3_column_text(q, 1),
			.value = (const char *)sqlite3_column_text(q, 2),
			.comment = (const char *)sqlite3_column_text(q, 3),
			.source = sg_label_source_parse((const char *)sqlite3_column_text(q, 4)),
			.role = strcmp((const char *)sqlite3_column_text(q, 5), "reviewer") == 0,
			.confidence = sqlite3_column_type(q, 6) == SQLITE_NULL ? NAN :
				      sqlite3_column_double(q, 6),
			.created_at = sqlite3_column_double(q, 7),
			.seconds = sqlite3_column_double(q, 8),
			.active = sqlite3_column_int(q, 9),
			.review = !strcmp(review, "pending") ? SG_REVIEW_PENDING :
				  !strcmp(review, "accepted") ? SG_REVIEW_ACCEPTED :
				  !strcmp(review, "corrected") ? SG_REVIEW_CORRECTED : SG_REVIEW_NONE,
			.reviewer = (const char *)sqlite3_column_text(q, 11),
		};
		stop = fn(&a, ud);
	}
	sqlite3_reset(q);
	if (!stop && rc != SQLITE_DONE)
		return sg_store_error(s, err, "cannot read annotations");
	return 0;
}

int sg_labels_filter_rows(struct sg_labels *l, const struct sg_label_filter *f, long long **rows,
			  size_t *n, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT row FROM label_items i WHERE dataset_id = ?1 AND row IS NOT NULL"
		" AND (?2 IS NULL AND ?3 IS NULL AND ?4 < 0 OR EXISTS (SELECT 1 FROM label_annotations a"
		"   WHERE a.dataset_id = ?1 AND a.row_key = i.row_key AND a.active = 1"
		"   AND (?3 IS NULL OR a.user = ?3) AND (?4 < 0 OR a.source = ?5)"
		"   AND (?2 IS NULL OR (?8 AND a.value = ?2) OR (NOT ?8 AND instr(a.value, ?2) > 0))))"
		" AND (?6 <> 1 OR n = 0) AND (?6 <> 2 OR n > 0) AND (?6 <> 3 OR n >= ?7)"
		" AND (?6 <> 4 OR (SELECT count(DISTINCT value) FROM label_annotations a"
		"   WHERE a.dataset_id = ?1 AND a.row_key = i.row_key AND a.active = 1"
		"   AND a.role = 'annotator' AND a.source <> 'machine') > 1"
		"   OR EXISTS (SELECT 1 FROM label_results r WHERE r.dataset_id = ?1"
		"   AND r.row_key = i.row_key AND r.state IN ('tie','low')))"
		" AND (?6 <> 5 OR EXISTS (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"   AND a.row_key = i.row_key AND a.active = 1 AND a.review = 'pending'))"
		" ORDER BY row", err);
	if (!q)
		return -1;
	char *pat = NULL;
	if (f->label) {
		/* single: the name itself; multi: "name" in the array; span: "label":"name". */
		char *quoted = sg_xasprintf("\"%s\"", f->label);
		pat = l->scheme.type == SG_SCHEME_SINGLE ? sg_xstrdup(f->label) :
		      l->scheme.type == SG_SCHEME_MULTI ? sg_xstrdup(quoted) :
		      sg_xasprintf("\"label\":%s", quoted);
		free(quoted);
	}
	sqlite3_bind_int64(q, 1, l->dataset_id);
	if (pat)
		sqlite3_bind_text(q, 2, pat, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 8, l->scheme.type == SG_SCHEME_SINGLE);
	if (f->user)
		sqlite3_bind_text(q, 3, f->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 4, f->source);
	sqlite3_bind_text(q, 5, f->source >= 0 ? sg_label_source_name(f->source) : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(q, 6, (int)f->state);
	sqlite3_bind_int(q, 7, l->scheme.k);
	free(pat);
	size_t cap = 256, cnt = 0;
	long long *out = sg_xmalloc(cap * sizeof *out);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == cap)
			out = sg_xrealloc(out, (cap *= 2) * sizeof *out);
		out[cnt++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		free(out);
		return sg_store_error(l->store, err, "filter failed");
	}
	*rows = out;
	*n = cnt;
	return 0;
}
