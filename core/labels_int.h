/* labels_int.h — what the labels_*.c files share; not a public API. */
#ifndef SG_LABELS_INT_H
#define SG_LABELS_INT_H

#include "core/labels.h"

/* A string → index map by open addressing, over strings the caller keeps. */
struct sg_strmap {
	uint32_t *slot;            /* index + 1; 0 empty */
	size_t cap, n;
};
void sg_strmap_init(struct sg_strmap *m, size_t expected);
void sg_strmap_done(struct sg_strmap *m);
/* Finds s; strs(idx) gives the string of an index. */
long long sg_strmap_find(const struct sg_strmap *m, const char *s,
			 const char *(*str)(void *ud, uint32_t i), void *ud);
void sg_strmap_put(struct sg_strmap *m, const char *s, uint32_t idx,
		   const char *(*str)(void *ud, uint32_t i), void *ud);
uint64_t sg_strhash(const char *s);

struct sg_labels {
	struct sg_store *store;
	long long dataset_id;
	char user[64];
	struct sg_scheme scheme;
	struct sg_csv *csv;
	struct sg_csv_cursor cur;
	int text_col;
	uint64_t nrows;
	/* Row keys: keys of row i at arena + off[i]. */
	char *arena;
	size_t arena_len, arena_cap;
	uint64_t *off;
	struct sg_strmap map;      /* key → row */
	int wal_pages;             /* WAL size after our last commit (wal hook) */
	sg_labels_progress_fn progress;  /* during open only */
	void *progress_ud;
	int wal_hooked;
};

/* Recounts an item's live annotations toward k and moves it in the queue
 * when the count changed (inside the caller's transaction).  Creates the
 * item (row NULL) when the key is unknown. */
int sg_labels_recount(struct sg_store *s, long long dataset_id, const char *key,
		      struct sg_error *err);
/* Inserts one annotation inside the caller's transaction, superseding the
 * same user's live annotation of the same role on the item; *id set. */
int sg_labels_insert_one(struct sg_store *s, const struct sg_annotation *a, long long *id,
			 struct sg_error *err);

#endif
