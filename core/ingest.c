/* ingest.c — batched writes of a run's metrics, params and tags. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/ingest.h"
#include "core/util.h"

/* An interned key: points refer to name, so equal keys share a pointer. */
struct key {
	char *name;
	unsigned hash;
	long long max_step;    /* LLONG_MIN: none yet */
};

struct kv {
	char *key, *value;
	int tag;
};

struct sg_ingest {
	struct sg_store *s;
	char id[SG_RUN_ID_LEN + 1];
	size_t batch_points;
	int batch_ms;
	struct key **keys;     /* open addressing */
	size_t nkeys, keycap;
	struct sg_metric_point *pts;
	size_t npts, ptcap;
	struct kv *kvs;
	size_t nkv, kvcap;
	struct key *last_key;
	/* When the oldest pending record arrived, by the wall clock: the same
	 * clock read stamps the points, and one read per point is the budget.
	 * A clock stepping back makes the batch due at once. */
	double first_time;
	struct sg_ingest_stats stats;
};


struct sg_ingest *sg_ingest_new(struct sg_store *s, const char *run,
				const struct sg_ingest_opts *opts, struct sg_error *err)
{
	struct sg_ingest *w = sg_xcalloc(1, sizeof *w);
	if (sg_run_resolve(s, run, w->id, err) != 0) {
		free(w);
		return NULL;
	}
	w->s = s;
	w->batch_points = opts && opts->batch_points ? opts->batch_points : SG_INGEST_BATCH_POINTS;
	w->batch_ms = opts && opts->batch_ms > 0 ? opts->batch_ms : SG_INGEST_BATCH_MS;
	return w;
}

const char *sg_ingest_run_id(const struct sg_ingest *w)
{
	return w->id;
}

const struct sg_ingest_stats *sg_ingest_stats(const struct sg_ingest *w)
{
	return &w->stats;
}

size_t sg_ingest_pending(const struct sg_ingest *w)
{
	return w->npts + w->nkv;
}

static unsigned str_hash(const char *k)
{
	unsigned h = 2166136261u;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

static void keys_grow(struct sg_ingest *w)
{
	struct key **old = w->keys;
	size_t oldcap = w->keycap;
	w->keycap = w->keycap ? 2 * w->keycap : 64;
	w->keys = sg_xcalloc(w->keycap, sizeof *w->keys);
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		size_t j = old[i]->hash & (w->keycap - 1);
		while (w->keys[j])
			j = (j + 1) & (w->keycap - 1);
		w->keys[j] = old[i];
	}
	free(old);
}

/* The highest step the store has for key, or LLONG_MIN. */
static long long stored_max_step(struct sg_ingest *w, const char *key)
{
	sqlite3_stmt *st = sg_store_prepare(w->s, "SELECT last_step FROM metric_summary "
					    "WHERE run_id = ?1 AND key = ?2", NULL);
	if (!st)
		return LLONG_MIN;
	sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : LLONG_MIN;
	sqlite3_reset(st);
	return v;
}

/* The interned key, created (and its stored steps looked up) on first use. */
static struct key *intern(struct sg_ingest *w, const char *name)
{
	if (2 * (w->nkeys + 1) > w->keycap)
		keys_grow(w);
	unsigned h = str_hash(name);
	size_t j = h & (w->keycap - 1);
	while (w->keys[j]) {
		if (w->keys[j]->hash == h && strcmp(w->keys[j]->name, name) == 0)
			return w->keys[j];
		j = (j + 1) & (w->keycap - 1);
	}
	struct key *k = sg_xmalloc(sizeof *k);
	k->name = sg_xstrdup(name);
	k->hash = h;
	k->max_step = stored_max_step(w, name);
	w->keys[j] = k;
	w->nkeys++;
	return k;
}

/* Notes the arrival time of the first pending record. */
static void touch(struct sg_ingest *w, double now)
{
	if (w->npts + w->nkv == 0)
		w->first_time = now;
}

/* Milliseconds until the batch is due at time now. */
static int due_ms(const struct sg_ingest *w, double now)
{
	if (w->npts + w->nkv == 0)
		return -1;
	double left = (w->first_time - now) * 1000 + w->batch_ms;
	if (left <= 0 || left > w->batch_ms)
		return 0;
	return (int)left + (left > (int)left);
}

int sg_ingest_metric(struct sg_ingest *w, const char *key, long long step, double ts,
		     double value, long long *step_out, struct sg_error *err)
{
	/* The last key is the likeliest next one: skip the hash for runs of it. */
	struct key *k = w->last_key && strcmp(w->last_key->name, key) == 0 ? w->last_key
									    : intern(w, key);
	w->last_key = k;
	if (step < 0)
		step = k->max_step == LLONG_MIN ? 0 : k->max_step + 1;
	if (step > k->max_step)
		k->max_step = step;
	if (step_out)
		*step_out = step;
	double now = sg_now();
	touch(w, now);
	if (w->npts == w->ptcap) {
		w->ptcap = w->ptcap ? 2 * w->ptcap : 1024;
		w->pts = sg_xrealloc(w->pts, w->ptcap * sizeof *w->pts);
	}
	w->pts[w->npts++] = (struct sg_metric_point){ .key = k->name, .step = step,
		.ts = ts > 0 ? ts : now, .value = value };
	if (w->npts >= w->batch_points || due_ms(w, now) == 0)
		return sg_ingest_flush(w, err);
	return 0;
}

/* Buffers a param or tag. */
static int add_kv(struct sg_ingest *w, const char *key, const char *value, int tag,
		  struct sg_error *err)
{
	touch(w, sg_now());
	if (w->nkv == w->kvcap) {
		w->kvcap = w->kvcap ? 2 * w->kvcap : 16;
		w->kvs = sg_xrealloc(w->kvs, w->kvcap * sizeof *w->kvs);
	}
	w->kvs[w->nkv++] = (struct kv){ sg_xstrdup(key), sg_xstrdup(value), tag };
	return sg_ingest_tick(w, err);
}

int sg_ingest_param(struct sg_ingest *w, const char *key, const char *value,
		    struct sg_error *err)
{
	return add_kv(w, key, value, 0, err);
}

int sg_ingest_tag(struct sg_ingest *w, const char *key, const char *value, struct sg_error *err)
{
	return add_kv(w, key, value, 1, err);
}

int sg_ingest_record(struct sg_ingest *w, const struct sg_mrec *r, struct sg_error *err)
{
	switch (r->kind) {
	case SG_MREC_PARAM:
		return sg_ingest_param(w, r->key, r->text, err);
	case SG_MREC_TAG:
		return sg_ingest_tag(w, r->key, r->text, err);
	default:
		return sg_ingest_metric(w, r->key, r->has_step ? r->step : -1, r->ts, r->value, NULL,
					err);
	}
}

/* Writes the buffered params and tags inside the open transaction. */
static int write_kvs(struct sg_ingest *w, struct sg_error *err)
{
	for (size_t i = 0; i < w->nkv; i++) {
		sqlite3_stmt *st = sg_store_prepare(w->s, w->kvs[i].tag
			? "INSERT INTO tags(run_id, key, value) VALUES (?1, ?2, ?3) "
			  "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value"
			: "INSERT INTO params(run_id, key, value) VALUES (?1, ?2, ?3) "
			  "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value", err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, w->kvs[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, w->kvs[i].value, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return sg_store_error(w->s, err, w->kvs[i].tag ? "cannot record a tag"
							       : "cannot record a param");
	}
	return 0;
}

/* Empties the buffers after a commit (or when the run is gone). */
static void drop_pending(struct sg_ingest *w)
{
	for (size_t i = 0; i < w->nkv; i++) {
		free(w->kvs[i].key);
		free(w->kvs[i].value);
	}
	w->nkv = 0;
	w->npts = 0;
}

int sg_ingest_flush(struct sg_ingest *w, struct sg_error *err)
{
	if (w->npts + w->nkv == 0)
		return 0;
	struct sg_error e = { 0 };
	int rc = sg_run_write_begin(w->s, w->id, &e);
	if (rc == 0) {
		int ok = write_kvs(w, &e) == 0 &&
			 sg_run_write_metrics(w->s, w->id, w->pts, w->npts, &e) == 0;
		rc = sg_run_write_end(w->s, ok, ok ? &e : NULL) == 0 && ok ? 0 : -1;
	}
	if (rc != 0 && e.code == SG_E_NOTFOUND) {
		drop_pending(w);
		return sg_error_set(err, SG_E_NOTFOUND, "run %s was deleted; its new metrics were "
				    "dropped", w->id);
	}
	if (rc != 0) {
		/* Kept for the next attempt, which waits a whole interval. */
		if (err)
			*err = e;
		w->stats.failed_flushes++;
		w->first_time = sg_now();
		return -1;
	}
	w->stats.points += (long long)w->npts;
	for (size_t i = 0; i < w->nkv; i++)
		(*(w->kvs[i].tag ? &w->stats.tags : &w->stats.params))++;
	w->stats.batches++;
	drop_pending(w);
	return 0;
}

int sg_ingest_due_ms(const struct sg_ingest *w)
{
	return due_ms(w, sg_now());
}

int sg_ingest_tick(struct sg_ingest *w, struct sg_error *err)
{
	return sg_ingest_due_ms(w) == 0 ? sg_ingest_flush(w, err) : 0;
}

int sg_ingest_close(struct sg_ingest *w, struct sg_error *err)
{
	if (!w)
		return 0;
	int rc = sg_ingest_flush(w, err);
	drop_pending(w);
	for (size_t i = 0; i < w->keycap; i++) {
		if (w->keys[i]) {
			free(w->keys[i]->name);
			free(w->keys[i]);
		}
	}
	free(w->keys);
	free(w->pts);
	free(w->kvs);
	free(w);
	return rc;
}
