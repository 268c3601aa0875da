/* labels.c — a dataset opened for labeling: schemes in the store, row keys,
 * the sync of items with the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "core/labels_int.h"
#include "core/util.h"

/* ---- a string map -------------------------------------------------------------- */

uint64_t sg_strhash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void sg_strmap_init(struct sg_strmap *m, size_t expected)
{
	m->cap = 64;
	while (m->cap < expected * 2)
		m->cap *= 2;
	m->slot = sg_xcalloc(m->cap, sizeof *m->slot);
	m->n = 0;
}

void sg_strmap_done(struct sg_strmap *m)
{
	free(m->slot);
	memset(m, 0, sizeof *m);
}

long long sg_strmap_find(const struct sg_strmap *m, const char *s,
			 const char *(*str)(void *ud, uint32_t i), void *ud)
{
	if (!m->cap)
		return -1;
	for (size_t i = sg_strhash(s) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slot[i])
			return -1;
		if (strcmp(str(ud, m->slot[i] - 1), s) == 0)
			return m->slot[i] - 1;
	}
}

static void strmap_grow(struct sg_strmap *m, const char *(*str)(void *ud, uint32_t i), void *ud)
{
	struct sg_strmap big;
	big.cap = m->cap * 2;
	big.slot = sg_xcalloc(big.cap, sizeof *big.slot);
	big.n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i])
			sg_strmap_put(&big, str(ud, m->slot[i] - 1), m->slot[i] - 1, str, ud);
	free(m->slot);
	*m = big;
}

void sg_strmap_put(struct sg_strmap *m, const char *s, uint32_t idx,
		   const char *(*str)(void *ud, uint32_t i), void *ud)
{
	if ((m->n + 1) * 2 > m->cap)
		strmap_grow(m, str, ud);
	size_t i = sg_strhash(s) & (m->cap - 1);
	while (m->slot[i])
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = idx + 1;
	m->n++;
}

/* ---- names ------------------------------------------------------------------------ */

const char *sg_label_source_name(enum sg_label_source s)
{
	switch (s) {
	case SG_LABEL_MACHINE: return "machine";
	case SG_LABEL_IMPORTED: return "imported";
	default: return "human";
	}
}

int sg_label_source_parse(const char *name)
{
	if (strcmp(name, "human") == 0)
		return SG_LABEL_HUMAN;
	if (strcmp(name, "machine") == 0)
		return SG_LABEL_MACHINE;
	if (strcmp(name, "imported") == 0)
		return SG_LABEL_IMPORTED;
	return -1;
}

const char *sg_label_review_name(enum sg_label_review r)
{
	static const char *const names[] = { "", "pending", "accepted", "corrected" };
	return r <= SG_REVIEW_CORRECTED ? names[r] : "";
}

const char *sg_result_state_name(enum sg_result_state s)
{
	static const char *const names[] = { "agreed", "tie", "low", "adjudicated", "machine" };
	return s <= SG_RESULT_MACHINE ? names[s] : "agreed";
}

/* ---- schemes in the store ---------------------------------------------------------- */

int sg_labels_set_scheme(struct sg_store *s, long long dataset_id, const struct sg_scheme *sc,
			 const char *user, struct sg_error *err)
{
	char *text = sg_scheme_format(sc, 0);
	sqlite3_stmt *st = sg_store_prepare(s,
		"INSERT INTO label_sets(dataset_id, scheme, user, updated_at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(dataset_id) DO UPDATE SET scheme = excluded.scheme,"
		"  user = excluded.user, updated_at = excluded.updated_at", err);
	int rc = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, dataset_id);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, user, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 4, sg_now());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot save the scheme");
		sqlite3_reset(st);
	}
	free(text);
	return rc;
}

int sg_labels_get_scheme(struct sg_store *s, long long dataset_id, struct sg_scheme *out,
			 struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT scheme FROM label_sets WHERE dataset_id = ?1",
					    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, dataset_id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return sg_store_error(s, err, "cannot read the scheme");
		return sg_error_set(err, SG_E_NOTFOUND,
				    "the dataset has no label scheme (set one with "
				    "`sagetty labels scheme DATASET --set FILE`)");
	}
	char *text = sg_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	rc = sg_scheme_parse(out, "stored scheme", text, strlen(text), err);
	free(text);
	return rc;
}

/* ---- row keys ---------------------------------------------------------------------- */

void sg_labels_hash_key(const struct sg_csv_field *f, int nfields, char out[SG_LABEL_HASH_HEX + 1])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (int i = 0; i < nfields; i++) {
		/* Length-prefixed so field boundaries count: ("a","b") != ("ab"). */
		unsigned char len[8];
		for (int b = 0; b < 8; b++)
			len[b] = (unsigned char)((uint64_t)f[i].len >> (8 * b));
		EVP_DigestUpdate(ctx, len, sizeof len);
		EVP_DigestUpdate(ctx, f[i].p, f[i].len);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < SG_LABEL_HASH_HEX / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SG_LABEL_HASH_HEX] = '\0';
}

static const char *key_str(void *ud, uint32_t i)
{
	struct sg_labels *l = ud;
	return l->arena + l->off[i];
}

static void arena_add(struct sg_labels *l, uint64_t row, const char *key)
{
	size_t n = strlen(key) + 1;
	if (l->arena_len + n > l->arena_cap) {
		l->arena_cap = l->arena_cap ? 2 * l->arena_cap : 1 << 16;
		while (l->arena_len + n > l->arena_cap)
			l->arena_cap *= 2;
		l->arena = sg_xrealloc(l->arena, l->arena_cap);
	}
	memcpy(l->arena + l->arena_len, key, n);
	l->off[row] = l->arena_len;
	l->arena_len += n;
}

struct keying {
	struct sg_labels *l;
	int id_col;
	uint64_t dups, empty_text;
	sg_labels_progress_fn progress;
	void *ud;
	int cancelled;
};

/* The key of one row; a key already taken gets "#2", "#3"… */
static int key_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct keying *k = ud;
	struct sg_labels *l = k->l;
	char key[SG_LABEL_KEY_MAX + 16];
	const struct sg_csv_field *f = cur->field;
	if (k->id_col >= 0 && k->id_col < cur->nfields && f[k->id_col].len > 0 &&
	    f[k->id_col].len < SG_LABEL_KEY_MAX - 16 && !memchr(f[k->id_col].p, 0, f[k->id_col].len))
		memcpy(key, f[k->id_col].p, f[k->id_col].len + 1);
	else
		sg_labels_hash_key(f, cur->nfields, key);
	if (l->text_col >= 0 && (l->text_col >= cur->nfields || f[l->text_col].len == 0))
		k->empty_text++;
	if (sg_strmap_find(&l->map, key, key_str, l) >= 0) {
		k->dups++;
		size_t base = strlen(key);
		for (int n = 2;; n++) {
			snprintf(key + base, sizeof key - base, "#%d", n);
			if (sg_strmap_find(&l->map, key, key_str, l) < 0)
				break;
		}
	}
	arena_add(l, cur->row, key);
	sg_strmap_put(&l->map, key, (uint32_t)cur->row, key_str, l);
	if (k->progress && (cur->row & 0xFFFF) == 0 && k->progress(cur->row, l->nrows, k->ud)) {
		k->cancelled = 1;
		return 1;
	}
	return 0;
}

static int compute_keys(struct sg_labels *l, sg_labels_progress_fn progress, void *ud,
			struct sg_labels_sync *sync, struct sg_error *err)
{
	struct keying k = { .l = l, .progress = progress, .ud = ud };
	k.id_col = l->scheme.id_column[0] ? sg_csv_colindex(l->csv, l->scheme.id_column) : -1;
	sg_strmap_init(&l->map, l->nrows);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	int rc = sg_csv_scan(l->csv, &cur, 0, l->nrows, 0, key_row, &k, NULL, err);
	sg_csv_cursor_done(&cur);
	if (k.cancelled)
		return sg_error_set(err, SG_E_USAGE, "cancelled");
	sync->duplicate_keys = k.dups;
	sync->empty_text = k.empty_text;
	return rc < 0 ? -1 : 0;
}

/* ---- sync ---------------------------------------------------------------------------- */

struct set_state {
	char sha256[65];
	long long size;
	double mtime;
	long long rows;
	char key_column[SG_SCHEME_COLUMN_MAX];
	int synced;
};

static int read_set(struct sg_store *s, long long id, struct set_state *st,
		    struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT sha256, size, mtime, rows, key_column, synced_at IS NOT NULL"
		" FROM label_sets WHERE dataset_id = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	memset(st, 0, sizeof *st);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(st->sha256, sizeof st->sha256, "%s", (const char *)sqlite3_column_text(q, 0));
		st->size = sqlite3_column_int64(q, 1);
		st->mtime = sqlite3_column_double(q, 2);
		st->rows = sqlite3_column_int64(q, 3);
		snprintf(st->key_column, sizeof st->key_column, "%s",
			 (const char *)sqlite3_column_text(q, 4));
		st->synced = sqlite3_column_int(q, 5);
	}
	sqlite3_reset(q);
	return 0;
}

/* Loads the keys stored at the last sync, when the file is unchanged. */
static int load_keys(struct sg_labels *l, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT row, row_key FROM label_items WHERE dataset_id = ?1 AND row IS NOT NULL", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	sg_strmap_init(&l->map, l->nrows);
	uint64_t got = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		long long row = sqlite3_column_int64(q, 0);
		const char *key = (const char *)sqlite3_column_text(q, 1);
		if (row < 0 || (uint64_t)row >= l->nrows || l->off[row] != UINT64_MAX)
			continue;
		arena_add(l, (uint64_t)row, key);
		sg_strmap_put(&l->map, key, (uint32_t)row, key_str, l);
		got++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return sg_store_error(l->store, err, "cannot read the row keys");
	return got == l->nrows ? 0 : 1;  /* 1: incomplete, re-key */
}

static int key_cmp(const void *a, const void *b, void *ud)
{
	const struct sg_labels *l = ud;
	const uint64_t *x = a, *y = b;
	return strcmp(l->arena + l->off[*x], l->arena + l->off[*y]);
}

/* Sorts row numbers by their keys. */
static void sort_by_key(const struct sg_labels *l, uint64_t *rows, size_t n)
{
	qsort_r(rows, n, sizeof *rows, key_cmp, (void *)l);
}

struct old_item {
	char *key;
	long long row;
};

/* Writes the new keys: moved and new items updated, vanished ones orphaned. */
static int write_items(struct sg_labels *l, struct sg_labels_sync *sync, struct sg_error *err)
{
	struct sg_store *s = l->store;
	unsigned char *seen = sg_xcalloc(l->nrows + 1, 1);
	sqlite3_stmt *q = sg_store_prepare(s,
		"SELECT row_key, row FROM label_items WHERE dataset_id = ?1", err);
	if (!q) {
		free(seen);
		return -1;
	}
	sqlite3_bind_int64(q, 1, l->dataset_id);
	struct old_item *orph = NULL, *moved = NULL;
	size_t norph = 0, nmoved = 0, corph = 0, cmoved = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(q, 0);
		long long old = sqlite3_column_type(q, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 1);
		long long now = sg_strmap_find(&l->map, key, key_str, l);
		if (now >= 0)
			seen[now] = 1;
		if (now == old)
			continue;
		struct old_item **arr = now < 0 ? &orph : &moved;
		size_t *n = now < 0 ? &norph : &nmoved, *c = now < 0 ? &corph : &cmoved;
		if (*n == *c) {
			*c = *c ? 2 * *c : 256;
			*arr = sg_xrealloc(*arr, *c * sizeof **arr);
		}
		(*arr)[(*n)++] = (struct old_item){ sg_xstrdup(key), now };
	}
	sqlite3_reset(q);
	int rc = 0;
	sqlite3_stmt *up = sg_store_prepare(s,
		"UPDATE label_items SET row = ?3 WHERE dataset_id = ?1 AND row_key = ?2", err);
	for (size_t i = 0; up && i < norph + nmoved && rc == 0; i++) {
		struct old_item *it = i < norph ? &orph[i] : &moved[i - norph];
		sqlite3_bind_int64(up, 1, l->dataset_id);
		sqlite3_bind_text(up, 2, it->key, -1, SQLITE_STATIC);
		if (it->row < 0)
			sqlite3_bind_null(up, 3);
		else
			sqlite3_bind_int64(up, 3, it->row);
		rc = sqlite3_step(up) == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot update items");
		sqlite3_reset(up);
	}
	if (!up)
		rc = -1;
	sync->moved = nmoved;
	for (size_t i = 0; i < norph; i++)
		free(orph[i].key);
	for (size_t i = 0; i < nmoved; i++)
		free(moved[i].key);
	free(orph);
	free(moved);
	/* New keys, queued in row order after everything already queued. */
	sqlite3_stmt *ins = rc ? NULL : sg_store_prepare(s,
		"INSERT INTO label_items(dataset_id, row_key, row, n, seq) VALUES (?1, ?2, ?3, 0, ?4)",
		err);
	sqlite3_stmt *seq = rc ? NULL : sg_store_prepare(s,
		"SELECT seq FROM label_sets WHERE dataset_id = ?1", err);
	long long next = 0;
	if (seq) {
		sqlite3_bind_int64(seq, 1, l->dataset_id);
		if (sqlite3_step(seq) == SQLITE_ROW)
			next = sqlite3_column_int64(seq, 0);
		sqlite3_reset(seq);
	}
	if (!ins)
		rc = -1;
	/* Inserted in key order, so the primary key's b-tree grows at its end
	 * (twice as fast on a million rows); seq still follows row order. */
	uint64_t *fresh = sg_xmalloc((l->nrows + 1) * sizeof *fresh);
	size_t nfresh = 0;
	for (uint64_t r = 0; r < l->nrows; r++)
		if (!seen[r])
			fresh[nfresh++] = r;
	sort_by_key(l, fresh, nfresh);
	for (size_t i = 0; ins && rc == 0 && i < nfresh; i++) {
		uint64_t r = fresh[i];
		/* Writing a million new items takes seconds: report it too. */
		if (l->progress && (i & 0xFFFF) == 0xFFFF &&
		    l->progress(i, nfresh, l->progress_ud)) {
			rc = sg_error_set(err, SG_E_USAGE, "cancelled");
			break;
		}
		sqlite3_bind_int64(ins, 1, l->dataset_id);
		sqlite3_bind_text(ins, 2, l->arena + l->off[r], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, (long long)r);
		sqlite3_bind_int64(ins, 4, next + 1 + (long long)r);
		rc = sqlite3_step(ins) == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot add items");
		sqlite3_reset(ins);
		sync->new_items++;
	}
	if (nfresh)
		next += (long long)l->nrows + 1;
	free(fresh);
	free(seen);
	/* Keys gone from the file that never carried a label hold nothing. */
	sqlite3_stmt *gone = rc ? NULL : sg_store_prepare(s,
		"DELETE FROM label_items WHERE dataset_id = ?1 AND row IS NULL AND NOT EXISTS"
		" (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"  AND a.row_key = label_items.row_key)", err);
	if (gone) {
		sqlite3_bind_int64(gone, 1, l->dataset_id);
		rc = sqlite3_step(gone) == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot drop items");
		sqlite3_reset(gone);
	} else {
		rc = -1;
	}
	if (rc == 0) {
		sqlite3_stmt *u = sg_store_prepare(s,
			"UPDATE label_sets SET seq = ?2 WHERE dataset_id = ?1", err);
		if (!u)
			return -1;
		sqlite3_bind_int64(u, 1, l->dataset_id);
		sqlite3_bind_int64(u, 2, next);
		rc = sqlite3_step(u) == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot update seq");
		sqlite3_reset(u);
	}
	return rc;
}

static int record_sync(struct sg_labels *l, const char *sha, long long size, double mtime,
		       struct sg_error *err)
{
	sqlite3_stmt *u = sg_store_prepare(l->store,
		"UPDATE label_sets SET sha256 = ?2, size = ?3, mtime = ?4, rows = ?5,"
		" key_column = ?6, synced_at = ?7 WHERE dataset_id = ?1", err);
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, l->dataset_id);
	sqlite3_bind_text(u, 2, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(u, 3, size);
	sqlite3_bind_double(u, 4, mtime);
	sqlite3_bind_int64(u, 5, (long long)l->nrows);
	sqlite3_bind_text(u, 6, l->scheme.id_column, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(u, 7, sg_now());
	int rc = sqlite3_step(u) == SQLITE_DONE ? 0 : sg_store_error(l->store, err, "cannot record sync");
	sqlite3_reset(u);
	return rc;
}

static int count_orphans(struct sg_labels *l, struct sg_labels_sync *sync, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT count(DISTINCT a.row_key), count(*) FROM label_items i"
		" JOIN label_annotations a ON a.dataset_id = i.dataset_id AND a.row_key = i.row_key"
		" WHERE i.dataset_id = ?1 AND i.row IS NULL AND a.active = 1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		sync->orphaned_items = (uint64_t)sqlite3_column_int64(q, 0);
		sync->orphaned_annotations = (uint64_t)sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	return 0;
}

/* Moves everything keyed by old to new: annotations, skips, the item (or
 * its count, when new exists already); leases are dropped. */
static int move_key(struct sg_labels *l, const char *old, const char *new, struct sg_error *err)
{
	static const char *const sql[] = {
		"UPDATE label_annotations SET row_key = ?3 WHERE dataset_id = ?1 AND row_key = ?2",
		"UPDATE OR REPLACE label_skips SET row_key = ?3 WHERE dataset_id = ?1 AND row_key = ?2",
		"DELETE FROM label_leases WHERE dataset_id = ?1 AND row_key = ?2 AND ?3 IS NOT NULL",
		"DELETE FROM label_results WHERE dataset_id = ?1 AND row_key = ?2 AND ?3 IS NOT NULL",
		"DELETE FROM label_items WHERE dataset_id = ?1 AND row_key = ?2 AND ?3 IS NOT NULL",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *st = sg_store_prepare(l->store, sql[i], err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, l->dataset_id);
		sqlite3_bind_text(st, 2, old, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, new, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return sg_store_error(l->store, err, "cannot re-key labels");
	}
	return sg_labels_recount(l->store, l->dataset_id, new, err);
}

/* The scheme's id column changed while the file did not: each row's labels
 * move from its old key to its new one, so nothing is orphaned by the
 * change.  (With the file changed too, rows cannot be matched: the old keys'
 * labels become orphans as usual.) */
static int rekey_items(struct sg_labels *l, struct sg_labels_sync *sync, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(l->store,
		"SELECT row_key, row FROM label_items i WHERE dataset_id = ?1 AND row IS NOT NULL"
		" AND (n > 0 OR EXISTS (SELECT 1 FROM label_annotations a WHERE a.dataset_id = ?1"
		"   AND a.row_key = i.row_key))", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, l->dataset_id);
	char **old = NULL;
	long long *rows = NULL;
	size_t n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		long long row = sqlite3_column_int64(q, 1);
		const char *key = (const char *)sqlite3_column_text(q, 0);
		if (row < 0 || (uint64_t)row >= l->nrows || strcmp(key, l->arena + l->off[row]) == 0)
			continue;
		old = sg_xrealloc(old, (n + 1) * sizeof *old);
		rows = sg_xrealloc(rows, (n + 1) * sizeof *rows);
		old[n] = sg_xstrdup(key);
		rows[n++] = row;
	}
	sqlite3_reset(q);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = move_key(l, old[i], l->arena + l->off[rows[i]], err);
		free(old[i]);
	}
	free(old);
	free(rows);
	sync->rekeyed = n;
	return rc;
}

/* Brings label_items in line with the file (see labels.h). */
static int sync_items(struct sg_labels *l, const char *path, sg_labels_progress_fn progress,
		      void *ud, struct sg_labels_sync *sync, struct sg_error *err)
{
	struct set_state st;
	struct stat sb;
	if (read_set(l->store, l->dataset_id, &st, err) != 0)
		return -1;
	if (stat(path, &sb) != 0)
		return sg_error_errno(err, "cannot stat %s", path);
	double mtime = (double)sb.st_mtim.tv_sec + (double)sb.st_mtim.tv_nsec * 1e-9;
	sync->first = !st.synced;
	sync->rows = l->nrows;
	int same_keys = strcmp(st.key_column, l->scheme.id_column) == 0;
	if (st.synced && same_keys && st.size == (long long)sb.st_size && st.mtime == mtime &&
	    st.rows == (long long)l->nrows) {
		snprintf(sync->sha256, sizeof sync->sha256, "%s", st.sha256);
		int rc = load_keys(l, err);
		if (rc <= 0)
			return rc < 0 ? -1 : count_orphans(l, sync, err);
		/* incomplete: fall through to a re-key */
		sg_strmap_done(&l->map);
		memset(l->off, 0xFF, l->nrows * sizeof *l->off);
		l->arena_len = 0;
	}
	long long size;
	if (sg_sha256_file(path, sync->sha256, &size, err) != 0)
		return -1;
	sync->changed = st.synced && strcmp(sync->sha256, st.sha256) != 0;
	if (compute_keys(l, progress, ud, sync, err) != 0)
		return -1;
	if (sg_store_begin(l->store, err) != 0)
		return -1;
	int rekey = st.synced && !same_keys && strcmp(sync->sha256, st.sha256) == 0;
	if ((rekey && rekey_items(l, sync, err) != 0) || write_items(l, sync, err) != 0 ||
	    record_sync(l, sync->sha256, size, mtime, err) != 0) {
		sg_store_rollback(l->store);
		return -1;
	}
	/* Items may have come back from orphanhood: queue scans restart. */
	sqlite3_stmt *c = sg_store_prepare(l->store, "DELETE FROM label_cursors WHERE dataset_id = ?1",
					   err);
	if (!c || (sqlite3_bind_int64(c, 1, l->dataset_id), sqlite3_step(c)) != SQLITE_DONE) {
		if (c)
			sqlite3_reset(c);
		sg_store_rollback(l->store);
		return -1;
	}
	sqlite3_reset(c);
	if (sg_store_commit(l->store, err) != 0)
		return -1;
	return count_orphans(l, sync, err);
}

/* Called by SQLite after each commit with the WAL's size in pages.  Past
 * SG_LABELS_WAL_PAGES (a front end that never pauses) it checkpoints right
 * away, as SQLite's own hook does at 1000. */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int pages)
{
	struct sg_labels *l = ud;
	l->wal_pages = pages;
	if (pages >= SG_LABELS_WAL_PAGES) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		l->wal_pages = 0;
	}
	return SQLITE_OK;
}

int sg_labels_idle(struct sg_labels *l, struct sg_error *err)
{
	/* Below SQLite's usual threshold there is nothing worth an fsync. */
	if (l->wal_pages < 1000)
		return 0;
	l->wal_pages = 0;
	/* also restarts the WAL, so the next save does not sync its header */
	return sg_store_checkpoint(l->store, err);
}

struct sg_labels *sg_labels_open(struct sg_store *s, const struct sg_dataset_info *ds,
				 const char *path, const char *user,
				 sg_labels_progress_fn progress, void *ud,
				 struct sg_labels_sync *sync, struct sg_error *err)
{
	struct sg_labels_sync local;
	if (!sync)
		sync = &local;
	memset(sync, 0, sizeof *sync);
	struct sg_labels *l = sg_xcalloc(1, sizeof *l);
	l->store = s;
	l->dataset_id = ds->id;
	snprintf(l->user, sizeof l->user, "%s", user);
	sg_csv_cursor_init(&l->cur);
	if (sg_labels_get_scheme(s, ds->id, &l->scheme, err) != 0) {
		sg_csv_cursor_done(&l->cur);
		free(l);
		return NULL;
	}
	l->csv = sg_csv_open(path, NULL, err);
	if (!l->csv || sg_csv_wait(l->csv, err) != 0)
		goto fail;
	int n = sg_csv_ncols(l->csv);
	const char **names = sg_xcalloc((size_t)n + 1, sizeof *names);
	for (int i = 0; i < n; i++)
		names[i] = sg_csv_colname(l->csv, i);
	int bad = sg_scheme_check_columns(&l->scheme, names, n, err);
	free(names);
	if (bad)
		goto fail;
	l->text_col = l->scheme.text_column[0] ? sg_csv_colindex(l->csv, l->scheme.text_column) : -1;
	l->nrows = sg_csv_nrows(l->csv);
	l->off = sg_xmalloc((l->nrows + 1) * sizeof *l->off);
	memset(l->off, 0xFF, (l->nrows + 1) * sizeof *l->off);
	l->progress = progress;
	l->progress_ud = ud;
	int synced = sync_items(l, path, progress, ud, sync, err);
	l->progress = NULL;
	if (synced != 0)
		goto fail;
	/* Our own WAL hook replaces SQLite's automatic checkpoint (which is a
	 * WAL hook too) so checkpoints can wait for a pause: sg_labels_idle. */
	sqlite3_wal_hook(sg_store_db(s), wal_hook, l);
	l->wal_hooked = 1;
	return l;
fail:
	sg_error_prefix(err, "%s", ds->name);
	sg_labels_free(l);
	return NULL;
}

void sg_labels_free(struct sg_labels *l)
{
	if (!l)
		return;
	if (l->wal_hooked)  /* SQLite's default checkpointing again */
		sqlite3_wal_autocheckpoint(sg_store_db(l->store), 1000);
	sg_csv_free(l->csv);
	sg_csv_cursor_done(&l->cur);
	sg_scheme_done(&l->scheme);
	sg_strmap_done(&l->map);
	free(l->arena);
	free(l->off);
	free(l);
}

const struct sg_scheme *sg_labels_scheme(const struct sg_labels *l)
{
	return &l->scheme;
}

struct sg_csv *sg_labels_csv(struct sg_labels *l)
{
	return l->csv;
}

long long sg_labels_dataset_id(const struct sg_labels *l)
{
	return l->dataset_id;
}

const char *sg_labels_user(const struct sg_labels *l)
{
	return l->user;
}

uint64_t sg_labels_nrows(const struct sg_labels *l)
{
	return l->nrows;
}

int sg_labels_text_col(const struct sg_labels *l)
{
	return l->text_col;
}

const char *sg_labels_key(const struct sg_labels *l, uint64_t row)
{
	if (row >= l->nrows || l->off[row] == UINT64_MAX)
		return NULL;
	return l->arena + l->off[row];
}

long long sg_labels_row_of(struct sg_labels *l, const char *key)
{
	return sg_strmap_find(&l->map, key, key_str, l);
}
