/* labelauto.c — machine labels: truth from consolidated human labels,
 * hashed text features, validation and the confidence threshold, applying
 * the model to unlabeled rows, and the uncertainty order for people.  The
 * review rules are in labelauto_review.c. */
#include "core/labelauto.h"
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include "core/agree.h"
#include "core/algo.h"
#include "core/colstats.h"
#include "core/labelauto_int.h"
#include "core/util.h"

#define AUTO_BLOCK 1024            /* rows predicted at a time */
#define AUTO_MAX_CELLS (32u << 20) /* doubles in the training matrix */
#define AUTO_CV_BELOW 1000         /* cross-fit when fewer truth rows */

/* ---- text features -------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Each kind of feature has its own seed, so the word "abc" and the
 * trigram "abc" land in different slots. */
static void bump(double *v, int bits, uint64_t seed, const unsigned char *p, size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL ^ seed, p, n);
	h ^= h >> 29;
	v[h & ((1ULL << bits) - 1)] += 1;
}

static int is_word(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void sg_labelauto_text_counts(const char *s, size_t n, int bits, double *v)
{
	unsigned char word[64], prev[64];
	size_t wl = 0, pl = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : ' ';
		if (is_word(c)) {
			if (wl < sizeof word)
				word[wl++] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			continue;
		}
		if (wl == 0)
			continue;
		bump(v, bits, 1, word, wl);
		if (pl) {
			unsigned char bi[129];
			memcpy(bi, prev, pl);
			bi[pl] = ' ';
			memcpy(bi + pl + 1, word, wl);
			bump(v, bits, 2, bi, pl + 1 + wl);
		}
		/* trigrams of "^word$" (boundaries mark prefixes and suffixes) */
		unsigned char b[66];
		b[0] = '^';
		memcpy(b + 1, word, wl);
		b[wl + 1] = '$';
		for (size_t k = 0; k + 3 <= wl + 2; k++)
			bump(v, bits, 3, b + k, 3);
		memcpy(prev, word, wl);
		pl = wl;
		wl = 0;
	}
}


void sg_la_feat_done(struct sg_la_feat *f)
{
	free(f->idf);
	free(f->numcol);
	free(f->mean);
	free(f->sd);
}

/* Fills out[0..d) for one row's fields. */
void sg_la_featurize(const struct sg_la_feat *f, const struct sg_csv_field *fld, int nf, double *out)
{
	memset(out, 0, (size_t)f->d * sizeof *out);
	if (f->text_col >= 0 && f->text_col < nf) {
		sg_labelauto_text_counts(fld[f->text_col].p, fld[f->text_col].len, f->bits, out);
		double norm = 0;
		for (int j = 0; j < f->D; j++)
			if (out[j] != 0) {
				out[j] = (1 + log(out[j])) * f->idf[j];
				norm += out[j] * out[j];
			}
		if (norm > 0) {
			norm = 1 / sqrt(norm);
			for (int j = 0; j < f->D; j++)
				out[j] *= norm;
		}
	}
	for (int c = 0; c < f->nnum; c++) {
		int col = f->numcol[c];
		double v;
		if (col < nf && sg_value_kind(fld[col].p, fld[col].len, &v) != SG_VAL_MISSING &&
		    isfinite(v))
			out[f->D + c] = (v - f->mean[c]) / f->sd[c];
	}
}

/* ---- truth ------------------------------------------------------------------- */


void sg_la_truth_done(struct sg_la_truth *t)
{
	free(t->row);
	free(t->cls);
	free(t->human);
}

void sg_la_truth_add(struct sg_la_truth *t, size_t *cap, uint64_t row, int cls)
{
	if (t->n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		t->row = sg_xrealloc(t->row, *cap * sizeof *t->row);
		t->cls = sg_xrealloc(t->cls, *cap * sizeof *t->cls);
	}
	t->row[t->n] = row;
	t->cls[t->n++] = cls;
}

/* Machine labels a reviewer accepted count as truth. */
static int accepted_machine(struct sg_store *st, struct sg_labels *l, struct sg_la_truth *t, size_t *cap, uint8_t *taken,
			    struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(st,
		"SELECT row_key, value FROM label_annotations WHERE dataset_id = ?1"
		" AND source = 'machine' AND active = 1 AND review = 'accepted'", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sg_labels_dataset_id(l));
	const struct sg_scheme *sc = sg_labels_scheme(l);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		long long row = sg_labels_row_of(l, (const char *)sqlite3_column_text(q, 0));
		int cls = sg_scheme_label_by_name(sc, (const char *)sqlite3_column_text(q, 1));
		if (row < 0 || cls < 0 || taken[row])
			continue;
		taken[row] = 1;
		t->human[row] = 1;
		sg_la_truth_add(t, cap, (uint64_t)row, cls);
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : sg_store_error(st, err, "cannot read reviews");
}

/* Consolidates the human annotations: a reviewer decides; else EM. */
static int truth_build(struct sg_store *st, struct sg_labels *l, struct sg_la_truth *t, struct sg_error *err)
{
	memset(t, 0, sizeof *t);
	uint64_t nrows = sg_labels_nrows(l);
	t->human = sg_xcalloc(nrows + 1, 1);
	struct sg_label_table tab;
	unsigned src = 1u << SG_LABEL_HUMAN | 1u << SG_LABEL_IMPORTED;
	if (sg_labels_load(st, sg_labels_dataset_id(l), src, &tab, err) != 0)
		return -1;
	const struct sg_scheme *sc = sg_labels_scheme(l);
	int *vcls = sg_xmalloc((tab.nvalues + 1) * sizeof *vcls);
	for (size_t v = 0; v < tab.nvalues; v++)
		vcls[v] = sg_scheme_label_by_name(sc, tab.values[v]);
	int *decided = sg_xmalloc((tab.nitems + 1) * sizeof *decided);
	for (size_t i = 0; i < tab.nitems; i++)
		decided[i] = -1;
	struct sg_agree_input in = { .n_items = (uint32_t)tab.nitems,
				     .n_annotators = (uint32_t)tab.nusers,
				     .n_labels = (uint32_t)sc->nlabels };
	uint32_t *ai = sg_xmalloc((tab.nrec + 1) * sizeof *ai);
	uint32_t *aa = sg_xmalloc((tab.nrec + 1) * sizeof *aa);
	uint32_t *al = sg_xmalloc((tab.nrec + 1) * sizeof *al);
	for (size_t r = 0; r < tab.nrec; r++) {
		const struct sg_label_record *rec = &tab.rec[r];
		int cls = vcls[rec->value];
		if (cls < 0)
			continue;   /* a value no longer in the scheme */
		if (rec->role == SG_ROLE_REVIEWER) {
			decided[rec->item] = cls;   /* ordered by time: the last wins */
			continue;
		}
		ai[in.n] = rec->item;
		aa[in.n] = rec->user;
		al[in.n++] = (uint32_t)cls;
	}
	in.item = ai;
	in.annotator = aa;
	in.label = al;
	struct sg_agree_stats *ag = NULL;
	int rc = sg_agree_compute(&in, &(struct sg_agree_options){ .no_pairs = true }, &ag, err);
	size_t cap = 0;
	uint8_t *taken = sg_xcalloc(nrows + 1, 1);
	for (size_t i = 0; rc == 0 && i < tab.nitems; i++) {
		long long row = sg_labels_row_of(l, tab.items[i]);
		if (row < 0)
			continue;   /* orphaned */
		t->human[row] = 1;
		int cls = decided[i];
		if (cls < 0 && ag->items[i].n_votes > 0) {
			if (ag->items[i].flags & SG_AGREE_TIE) {
				t->ties++;
				continue;
			}
			cls = ag->items[i].em_label;
		}
		if (cls < 0)
			continue;
		taken[row] = 1;
		sg_la_truth_add(t, &cap, (uint64_t)row, cls);
	}
	if (rc == 0)
		rc = accepted_machine(st, l, t, &cap, taken, err);
	free(taken);
	sg_agree_stats_free(ag);
	free(ai);
	free(aa);
	free(al);
	free(decided);
	free(vcls);
	sg_label_table_done(&tab);
	return rc;
}

/* ---- fitting the feature map and loading the truth rows ------------------------ */

static int read_row(struct sg_labels *l, struct sg_csv_cursor *cur, uint64_t row,
		    struct sg_error *err)
{
	return sg_csv_read_row(sg_labels_csv(l), row, cur, err);
}

/* Numeric columns: every non-missing truth value is a number. */
int sg_la_feat_fit(struct sg_labels *l, const struct sg_la_truth *t, int bits, struct sg_la_feat *f,
		    struct sg_error *err)
{
	struct sg_csv *csv = sg_labels_csv(l);
	int ncols = sg_csv_ncols(csv);
	const struct sg_scheme *sc = sg_labels_scheme(l);
	int idcol = sc->id_column[0] ? sg_csv_colindex(csv, sc->id_column) : -1;
	memset(f, 0, sizeof *f);
	f->bits = bits;
	f->D = 1 << bits;
	f->text_col = sg_labels_text_col(l);
	f->idf = sg_xcalloc((size_t)f->D, sizeof *f->idf);
	double *sum = sg_xcalloc((size_t)ncols + 1, sizeof *sum), *sq = sg_xcalloc((size_t)ncols + 1, sizeof *sq);
	size_t *cnt = sg_xcalloc((size_t)ncols + 1, sizeof *cnt);
	uint8_t *bad = sg_xcalloc((size_t)ncols + 1, 1);
	double *tmp = sg_xcalloc((size_t)f->D, sizeof *tmp);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	int rc = 0;
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		if ((rc = read_row(l, &cur, t->row[i], err)) != 0)
			break;
		if (f->text_col >= 0 && f->text_col < cur.nfields) {
			memset(tmp, 0, (size_t)f->D * sizeof *tmp);
			sg_labelauto_text_counts(cur.field[f->text_col].p, cur.field[f->text_col].len,
						 bits, tmp);
			for (int j = 0; j < f->D; j++)
				f->idf[j] += tmp[j] != 0;
		}
		for (int c = 0; c < ncols; c++) {
			double v;
			enum sg_valkind k = c < cur.nfields
				? sg_value_kind(cur.field[c].p, cur.field[c].len, &v) : SG_VAL_MISSING;
			if (k == SG_VAL_MISSING)
				continue;
			if ((k != SG_VAL_INT && k != SG_VAL_FLOAT && k != SG_VAL_BOOL) || !isfinite(v)) {
				bad[c] = 1;
				continue;
			}
			sum[c] += v;
			sq[c] += v * v;
			cnt[c]++;
		}
	}
	sg_csv_cursor_done(&cur);
	/* smoothed IDF: log((1 + N) / (1 + df)) + 1 */
	for (int j = 0; j < f->D; j++)
		f->idf[j] = log((1.0 + (double)t->n) / (1.0 + f->idf[j])) + 1;
	f->numcol = sg_xmalloc(((size_t)ncols + 1) * sizeof *f->numcol);
	f->mean = sg_xmalloc(((size_t)ncols + 1) * sizeof *f->mean);
	f->sd = sg_xmalloc(((size_t)ncols + 1) * sizeof *f->sd);
	for (int c = 0; c < ncols && rc == 0; c++) {
		if (c == f->text_col || c == idcol || bad[c] || cnt[c] == 0)
			continue;
		double m = sum[c] / cnt[c], var = sq[c] / cnt[c] - m * m;
		f->numcol[f->nnum] = c;
		f->mean[f->nnum] = m;
		f->sd[f->nnum++] = var > 1e-24 ? sqrt(var) : 1;
	}
	f->d = f->D + f->nnum;
	free(sum);
	free(sq);
	free(cnt);
	free(bad);
	free(tmp);
	return rc;
}

/* The truth rows' features, row by row in truth order. */
int sg_la_feat_matrix(struct sg_labels *l, const struct sg_la_feat *f, const struct sg_la_truth *t, double *x,
		       struct sg_error *err)
{
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	int rc = 0;
	for (size_t i = 0; i < t->n && rc == 0; i++)
		if ((rc = read_row(l, &cur, t->row[i], err)) == 0)
			sg_la_featurize(f, cur.field, cur.nfields, x + i * (size_t)f->d);
	sg_csv_cursor_done(&cur);
	return rc;
}

/* ---- models ---------------------------------------------------------------------- */

static void no_report(void *ud, const char *key, long long it, double v)
{
	(void)ud;
	(void)key;
	(void)it;
	(void)v;
}

/* xgboost runs on one thread here: the models are small (hundreds to a
 * few thousand rows) and are called for many small blocks, where OpenMP's
 * spinning workers cost far more than they bring on a shared host (60 s
 * against 2 s for 300 labels at load 12). */
static int set_hps(struct sg_hps *h, const struct sg_algo *a, int k, uint64_t seed,
		   struct sg_error *err)
{
	char buf[256];
	if (strcmp(a->name, "linear-learner") == 0)
		snprintf(buf, sizeof buf, k == 2 ? "predictor_type=binary_classifier normalize_data=false"
			 : "predictor_type=multiclass_classifier num_classes=%d normalize_data=false", k);
	else if (k == 2)
		snprintf(buf, sizeof buf, "objective=binary:logistic num_round=40 max_depth=4 eta=0.3"
			 " nthread=1");
	else
		snprintf(buf, sizeof buf, "objective=multi:softprob num_class=%d num_round=40 max_depth=4"
			 " eta=0.3 nthread=1", k);
	if (sg_hps_set_text(h, buf, err) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(seed % 1000000000ULL));
	if (sg_hps_set(h, "seed", buf, err) != 0)
		return -1;
	return sg_hps_check(h, err);
}

/* Trains on rows idx[0..n) of the class-indexed matrix x (width d). */
struct sg_model *sg_la_train(const struct sg_algo *a, const double *x, const int *y, int d,
				 const size_t *idx, size_t n, int k, char *const *classes,
				 uint64_t seed, struct sg_error *err)
{
	struct sg_xy *xy = sg_xy_new(n, d, SG_TASK_CLASSIFICATION);
	for (size_t i = 0; i < n; i++) {
		memcpy(xy->x + i * (size_t)d, x + idx[i] * (size_t)d, (size_t)d * sizeof(double));
		xy->y[i] = y[idx[i]];
	}
	sg_xy_set_classes(xy, k, (const char *const *)classes);
	struct sg_hps *h = sg_hps_new(a);
	struct sg_model *m = NULL;
	if (set_hps(h, a, k, seed, err) != 0 || (a->check && a->check(h, xy, NULL, err) != 0)) {
		sg_hps_free(h);
		sg_xy_free(xy);
		return NULL;
	}
	m = sg_model_new(a, h, xy);
	struct sg_algo_ctx ctx = { .hps = m->hps, .seed = seed, .threads = 2, .report = no_report };
	if (a->train(&ctx, xy, NULL, m, err) != 0) {
		sg_model_free(m);
		m = NULL;
	}
	sg_xy_free(xy);
	return m;
}

/* Class probabilities of n rows of x into proba (n * k). */
int sg_la_predict(const struct sg_model *m, const double *x, size_t n, double *proba,
		   struct sg_error *err)
{
	double *out = sg_xmalloc((n * (size_t)m->nout + 1) * sizeof *out);
	int rc = sg_model_predict(m, x, n, out, proba, err);
	free(out);
	return rc;
}

static void top2(const double *p, int k, int *best, double *conf, double *margin)
{
	int b = 0;
	double second = 0;
	for (int c = 1; c < k; c++)
		if (p[c] > p[b])
			b = c;
	for (int c = 0; c < k; c++)
		if (c != b && p[c] > second)
			second = p[c];
	*best = b;
	*conf = p[b];
	*margin = p[b] - second;
}

/* ---- validation and threshold -------------------------------------------------------- */

int sg_la_cmp_vpoint(const void *a, const void *b)
{
	const struct sg_la_vpoint *x = a, *y = b;
	return x->conf > y->conf ? -1 : x->conf < y->conf;
}

/* Lower end of the 95% Wilson score interval for c right of n.  The
 * threshold is the lowest of many candidates that passes, which favours a
 * lucky stretch of validation rows; a wide interval keeps the accuracy
 * reached on new rows at the target in practice (measured on synthetic
 * data across seeds: a one-standard-error bound fell short now and then). */
double sg_la_wilson_low(double c, double n)
{
	double p = c / n, z2 = 1.96 * 1.96;
	return (p + z2 / (2 * n) - sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/* The lowest threshold whose rows at or above it reach the target. */
static void choose_threshold(struct sg_la_vpoint *v, size_t n, double target, size_t min_count,
			     struct sg_labelauto_report *r)
{
	qsort(v, n, sizeof *v, sg_la_cmp_vpoint);
	size_t right = 0, all = 0;
	r->threshold = NAN;
	r->valid_accuracy = r->valid_accuracy_low = NAN;
	r->valid_above = 0;
	for (size_t i = 0; i < n; i++) {
		right += v[i].right;
		all++;
		if (i + 1 < n && v[i + 1].conf == v[i].conf)
			continue;   /* a threshold takes every row of equal confidence */
		double low = sg_la_wilson_low((double)right, (double)all);
		if (all >= min_count && low >= target) {
			r->threshold = v[i].conf;
			r->valid_above = all;
			r->valid_accuracy = (double)right / all;
			r->valid_accuracy_low = low;
		}
	}
	r->valid_accuracy_all = n ? (double)right / n : NAN;
}

/* Stratified folds: each class's rows shuffled, then dealt round-robin. */
int *sg_la_folds(const int *y, size_t n, int nlab, int folds, uint64_t seed)
{
	int *fold = sg_xmalloc((n + 1) * sizeof *fold);
	size_t *idx = sg_xmalloc((n + 1) * sizeof *idx);
	uint64_t st = seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t deal = 0;
	for (int c = 0; c < nlab; c++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (y[i] == c)
				idx[m++] = i;
		for (size_t i = m; i > 1; i--) {
			st ^= st << 13;
			st ^= st >> 7;
			st ^= st << 17;
			size_t j = st % i, tmp = idx[i - 1];
			idx[i - 1] = idx[j];
			idx[j] = tmp;
		}
		for (size_t i = 0; i < m; i++)
			fold[idx[i]] = (int)(deal++ % (size_t)folds);
	}
	free(idx);
	return fold;
}

/* ---- the run ------------------------------------------------------------------------- */


static void run_done(struct sg_la_run *R)
{
	sg_la_truth_done(&R->t);
	sg_la_feat_done(&R->f);
	free(R->cls_of);
	free(R->classes);
	free(R->x);
	free(R->y);
	for (int i = 0; i < R->nmodels; i++)
		sg_model_free(R->models[i]);
	free(R->cand);
	free(R->block);
	free(R->block_row);
	free(R->lab);
	free(R->unc);
	sg_la_multi_done(R);
}

/* Maps the truth's scheme labels to model classes (the labels seen). */
static int classes_from_truth(struct sg_la_run *R, struct sg_error *err)
{
	const struct sg_scheme *sc = sg_labels_scheme(R->l);
	size_t *count = sg_xcalloc(sc->nlabels + 1, sizeof *count);
	for (size_t i = 0; i < R->t.n; i++)
		count[R->t.cls[i]]++;
	int *model_of = sg_xmalloc((sc->nlabels + 1) * sizeof *model_of);
	R->cls_of = sg_xmalloc((sc->nlabels + 1) * sizeof *R->cls_of);
	R->classes = sg_xcalloc(sc->nlabels + 1, sizeof *R->classes);
	for (size_t c = 0; c < sc->nlabels; c++) {
		model_of[c] = -1;
		if (count[c]) {
			model_of[c] = R->k;
			R->cls_of[R->k] = (int)c;
			R->classes[R->k++] = (char *)sc->labels[c].name;
		}
	}
	free(count);
	R->r->nclasses = R->k;
	if (R->k < 2) {
		free(model_of);
		return sg_error_set(err, SG_E_USAGE, "auto-labeling needs human labels of at least 2 "
				    "classes (found %d in %zu labeled items)", R->k, R->t.n);
	}
	/* Training rows: all, or a stratified sample when the matrix would
	 * be too large. */
	size_t maxn = AUTO_MAX_CELLS / (size_t)R->f.d;
	R->n = R->t.n;
	R->y = sg_xmalloc((R->t.n + 1) * sizeof *R->y);
	for (size_t i = 0; i < R->t.n; i++)
		R->y[i] = model_of[R->t.cls[i]];
	if (R->n > maxn) {
		/* keep every (n/maxn)-th row of a class-sorted order: stratified */
		int *fold = sg_la_folds(R->y, R->t.n, R->k, (int)((R->n + maxn - 1) / maxn), R->o->seed);
		size_t m = 0;
		for (size_t i = 0; i < R->t.n; i++)
			if (fold[i] == 0) {
				R->t.row[m] = R->t.row[i];
				R->t.cls[m] = R->t.cls[i];
				R->y[m++] = R->y[i];
			}
		R->t.n = R->n = m;
		free(fold);
	}
	free(model_of);
	return 0;
}

/* Validation: one split, whose model then labels; or, below AUTO_CV_BELOW
 * rows, cross-fitting: each fold held out in turn, and the labeling model
 * is the average of the fold models — the models the threshold was
 * measured on, so their confidences mean what the threshold assumed (a
 * model refitted on all rows would be more confident than it was
 * validated to be). */
static int validate(struct sg_la_run *R, struct sg_error *err)
{
	const struct sg_labelauto_options *o = R->o;
	int folds = (int)lround(1 / o->validation_share);
	if (folds < 2)
		folds = 2;
	if (folds > 10)
		folds = 10;
	int cross = R->n < AUTO_CV_BELOW;
	R->r->folds = cross ? folds : 1;
	if (R->n < (size_t)folds * 10)
		return sg_error_set(err, SG_E_USAGE, "auto-labeling needs at least %d labeled items "
				    "(%zu found)", folds * 10, R->n);
	int *fold = sg_la_folds(R->y, R->n, R->k, folds, o->seed);
	size_t *tr = sg_xmalloc(R->n * sizeof *tr), *va = sg_xmalloc(R->n * sizeof *va);
	struct sg_la_vpoint *v = sg_xmalloc(R->n * sizeof *v);
	double *proba = sg_xmalloc(R->n * (size_t)R->k * sizeof *proba);
	double *xv = sg_xmalloc(R->n * (size_t)R->f.d * sizeof *xv);
	size_t nv_all = 0;
	int rc = 0;
	for (int f = 0; f < (cross ? folds : 1) && rc == 0; f++) {
		size_t nt = 0, nv = 0;
		for (size_t i = 0; i < R->n; i++) {
			if (fold[i] == f)
				va[nv++] = i;
			else
				tr[nt++] = i;
		}
		struct sg_model *m = sg_la_train(R->algo, R->x, R->y, R->f.d, tr, nt, R->k, R->classes,
					      o->seed + (uint64_t)f, err);
		if (!m) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < nv; i++)
			memcpy(xv + i * (size_t)R->f.d, R->x + va[i] * (size_t)R->f.d,
			       (size_t)R->f.d * sizeof *xv);
		rc = sg_la_predict(m, xv, nv, proba, err);
		for (size_t i = 0; i < nv && rc == 0; i++) {
			int best;
			double conf, margin;
			top2(proba + i * (size_t)R->k, R->k, &best, &conf, &margin);
			v[nv_all++] = (struct sg_la_vpoint){ conf, best == R->y[va[i]] };
		}
		if (rc == 0)
			R->models[R->nmodels++] = m;
		else
			sg_model_free(m);
	}
	R->r->valid_rows = nv_all;
	if (rc == 0)
		choose_threshold(v, nv_all, o->target_accuracy, (size_t)o->min_count, R->r);
	free(fold);
	free(tr);
	free(va);
	free(v);
	free(proba);
	free(xv);
	return rc;
}

/* Class probabilities from the labeling models, averaged. */
static int predict_avg(struct sg_la_run *R, const double *x, size_t n, double *proba,
		       struct sg_error *err)
{
	size_t cells = n * (size_t)R->k;
	if (sg_la_predict(R->models[0], x, n, proba, err) != 0)
		return -1;
	if (R->nmodels == 1)
		return 0;
	double *p = sg_xmalloc(cells * sizeof *p);
	int rc = 0;
	for (int m = 1; m < R->nmodels && rc == 0; m++) {
		rc = sg_la_predict(R->models[m], x, n, p, err);
		for (size_t i = 0; i < cells && rc == 0; i++)
			proba[i] += p[i];
	}
	for (size_t i = 0; i < cells; i++)
		proba[i] /= R->nmodels;
	free(p);
	return rc;
}

void sg_la_hit_push(struct sg_la_hit **v, size_t *n, size_t *cap, struct sg_la_hit h)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = sg_xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = h;
}

static int flush_block(struct sg_la_run *R, struct sg_error *err)
{
	if (R->nblock == 0)
		return 0;
	if (R->multi) {
		int mrc = sg_la_multi_block(R, err);
		R->done += R->nblock;
		R->nblock = 0;
		if (mrc == 0 && R->o->progress && R->o->progress(R->done, R->total, R->o->ud))
			return sg_error_set(err, SG_E_USAGE, "cancelled");
		return mrc;
	}
	double *proba = sg_xmalloc(R->nblock * (size_t)R->k * sizeof *proba);
	int rc = predict_avg(R, R->block, R->nblock, proba, err);
	for (size_t i = 0; i < R->nblock && rc == 0; i++) {
		struct sg_la_hit h = { .row = R->block_row[i] };
		top2(proba + i * (size_t)R->k, R->k, &h.cls, &h.conf, &h.margin);
		h.cls = R->cls_of[h.cls];
		if (!isnan(R->r->threshold) && h.conf >= R->r->threshold)
			sg_la_hit_push(&R->lab, &R->nlab, &R->caplab, h);
		else
			sg_la_hit_push(&R->unc, &R->nunc, &R->capunc, h);
	}
	free(proba);
	R->done += R->nblock;
	R->nblock = 0;
	if (rc == 0 && R->o->progress && R->o->progress(R->done, R->total, R->o->ud))
		return sg_error_set(err, SG_E_USAGE, "cancelled");
	return rc;
}

struct scan_ctx {
	struct sg_la_run *R;
	struct sg_error *err;
};

static int scan_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct scan_ctx *c = ud;
	struct sg_la_run *R = c->R;
	if (!R->cand[cur->row])
		return 0;
	sg_la_featurize(&R->f, cur->field, cur->nfields, R->block + R->nblock * (size_t)R->f.d);
	R->block_row[R->nblock++] = cur->row;
	if (R->nblock == AUTO_BLOCK && flush_block(R, c->err) != 0)
		return -1;
	return 0;
}

/* Predicts every candidate row, streaming the file in blocks. */
static int apply_model(struct sg_la_run *R, struct sg_error *err)
{
	uint64_t nrows = sg_labels_nrows(R->l);
	R->cand = sg_xcalloc(nrows + 1, 1);
	for (uint64_t i = 0; i < nrows; i++)
		if (!R->t.human[i]) {
			R->cand[i] = 1;
			R->total++;
		}
	R->r->candidates = R->total;
	R->block = sg_xmalloc(AUTO_BLOCK * (size_t)R->f.d * sizeof *R->block);
	R->block_row = sg_xmalloc(AUTO_BLOCK * sizeof *R->block_row);
	struct sg_csv_cursor cur;
	sg_csv_cursor_init(&cur);
	struct scan_ctx c = { R, err };
	int rc = sg_csv_scan(sg_labels_csv(R->l), &cur, 0, nrows, 0, scan_row, &c, NULL, err);
	sg_csv_cursor_done(&cur);
	if (rc == 0)
		rc = flush_block(R, err);
	return rc == 0 ? 0 : -1;
}

static int cmp_uncertain(const void *a, const void *b)
{
	const struct sg_la_hit *x = a, *y = b;
	if (x->margin != y->margin)
		return x->margin < y->margin ? -1 : 1;
	if (x->conf != y->conf)
		return x->conf < y->conf ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_conf(const void *a, const void *b)
{
	const struct sg_la_hit *x = a, *y = b;
	if (x->conf != y->conf)
		return x->conf < y->conf ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Review state for a new machine label under the rules. */
static enum sg_label_review review_of(const struct sg_la_run *R, const struct sg_la_hit *h, const char *key,
				      double below, double audit)
{
	if (below > 0 && h->conf < below) {
		R->r->review_low++;
		return SG_REVIEW_PENDING;
	}
	if (audit > 0 && sg_labelauto_audit_draw(key, R->o->seed) < audit) {
		R->r->review_audit++;
		return SG_REVIEW_PENDING;
	}
	return SG_REVIEW_NONE;
}

/* Writes the machine labels, retiring earlier ones not confirmed. */
static int write_labels(struct sg_la_run *R, struct sg_error *err)
{
	const struct sg_scheme *sc = sg_labels_scheme(R->l);
	size_t n = R->nlab;
	const char **keys = sg_xcalloc(n + 1, sizeof *keys);
	const char **vals = sg_xcalloc(n + 1, sizeof *vals);
	double *confs = sg_xcalloc(n + 1, sizeof *confs);
	for (size_t i = 0; i < n; i++) {
		keys[i] = sg_labels_key(R->l, R->lab[i].row);
		vals[i] = R->multi ? R->mval[R->lab[i].cls] : sc->labels[R->lab[i].cls].name;
		confs[i] = R->lab[i].conf;
	}
	uint8_t *same = sg_xcalloc(n + 1, 1);
	int rc = R->o->dry_run ? 0
		: sg_labelauto_retire(R->s, R->l, keys, vals, confs, n, same, &R->r->retired, err);
	double below = R->o->review_below >= 0 ? R->o->review_below : sc->review_below;
	double audit = R->o->audit_percent >= 0 ? R->o->audit_percent : sc->audit_percent;
	struct sg_annotation *a = sg_xcalloc(n + 1, sizeof *a);
	size_t na = 0;
	double now = sg_now();
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (same[i])
			continue;   /* the same label is live: kept with its review state */
		a[na++] = (struct sg_annotation){
			.dataset_id = sg_labels_dataset_id(R->l), .row_key = keys[i],
			.user = SG_LABELAUTO_USER, .value = vals[i], .source = SG_LABEL_MACHINE,
			.role = SG_ROLE_ANNOTATOR, .confidence = R->lab[i].conf, .created_at = now,
			.active = 1, .review = review_of(R, &R->lab[i], keys[i], below, audit),
		};
	}
	if (rc == 0 && na && !R->o->dry_run)
		rc = sg_labels_insert(R->s, sg_labels_dataset_id(R->l), sc, a, na,
				      NULL, err);
	free(a);
	free(same);
	free(keys);
	free(vals);
	free(confs);
	return rc;
}

/* The queue's unlabeled level: most uncertain first, machine-labeled last. */
static int order_queue(struct sg_la_run *R, struct sg_error *err)
{
	if (R->nunc)    /* qsort's array may not be NULL, even when empty */
		qsort(R->unc, R->nunc, sizeof *R->unc, cmp_uncertain);
	if (R->nlab)
		qsort(R->lab, R->nlab, sizeof *R->lab, cmp_conf);
	R->r->left = R->nunc;
	size_t want = R->o->list_uncertain < R->nunc ? R->o->list_uncertain : R->nunc;
	R->r->uncertain = sg_xcalloc(want + 1, sizeof *R->r->uncertain);
	R->r->uncertain_conf = sg_xcalloc(want + 1, sizeof *R->r->uncertain_conf);
	R->r->uncertain_margin = sg_xcalloc(want + 1, sizeof *R->r->uncertain_margin);
	for (size_t i = 0; i < want; i++) {
		R->r->uncertain[i] = sg_xstrdup(sg_labels_key(R->l, R->unc[i].row));
		R->r->uncertain_conf[i] = R->unc[i].conf;
		R->r->uncertain_margin[i] = R->unc[i].margin;
	}
	R->r->n_uncertain = want;
	if (R->o->dry_run)
		return 0;
	size_t n = R->nunc + R->nlab;
	const char **keys = sg_xmalloc((n + 1) * sizeof *keys);
	for (size_t i = 0; i < R->nunc; i++)
		keys[i] = sg_labels_key(R->l, R->unc[i].row);
	for (size_t i = 0; i < R->nlab; i++)
		keys[R->nunc + i] = sg_labels_key(R->l, R->lab[i].row);
	int rc = sg_labelauto_order_queue(R->s, R->l, keys, n, err);
	free(keys);
	return rc;
}

static struct sg_labelauto_options resolve(const struct sg_labelauto_options *o)
{
	struct sg_labelauto_options r = o ? *o : (struct sg_labelauto_options){
		.review_below = -1, .audit_percent = -1 };
	if (!(r.target_accuracy > 0 && r.target_accuracy < 1))
		r.target_accuracy = 0.95;
	if (!(r.validation_share > 0 && r.validation_share < 1))
		r.validation_share = 0.2;
	if (r.min_count <= 0)
		r.min_count = 20;
	if (r.hash_bits <= 0)
		r.hash_bits = 10;
	if (r.list_uncertain == 0)
		r.list_uncertain = 20;
	if (!r.algo)
		r.algo = "linear-learner";
	return r;
}

int sg_labelauto_run(struct sg_store *s, struct sg_labels *l, const struct sg_labelauto_options *opt,
		     struct sg_labelauto_report *r, struct sg_error *err)
{
	memset(r, 0, sizeof *r);
	r->threshold = r->valid_accuracy = r->valid_accuracy_low = r->valid_accuracy_all = NAN;
	struct sg_labelauto_options o = resolve(opt);
	double t0 = sg_now();
	const struct sg_scheme *sc = sg_labels_scheme(l);
	/* Spans (named entities) stay with people: a span model is another
	 * kind of learner, and a wrong span is costlier to find than to mark. */
	if (sc->type == SG_SCHEME_SPAN)
		return sg_error_set(err, SG_E_USAGE, "auto-labeling works on single- and multi-label "
				    "schemes; span schemes are labeled by people (this one is span)");
	if (o.hash_bits < 8 || o.hash_bits > 18)
		return sg_error_set(err, SG_E_USAGE, "hash bits %d out of range (8..18)", o.hash_bits);
	struct sg_la_run R = { .s = s, .l = l, .o = &o, .r = r };
	R.algo = sg_algo_find(o.algo);
	if (!R.algo || (strcmp(o.algo, "linear-learner") != 0 && strcmp(o.algo, "xgboost") != 0))
		return sg_error_set(err, SG_E_USAGE, "unknown algorithm \"%s\" for auto-labeling "
				    "(linear-learner or xgboost)", o.algo);
	snprintf(r->algo, sizeof r->algo, "%s", o.algo);
	R.multi = sc->type == SG_SCHEME_MULTI;
	int rc = R.multi ? sg_la_multi_truth(&R, err) : truth_build(s, l, &R.t, err);
	if (rc == 0)
		rc = sg_la_feat_fit(l, &R.t, o.hash_bits, &R.f, err);
	if (rc == 0 && R.multi)
		sg_la_multi_cap(&R, AUTO_MAX_CELLS / (size_t)R.f.d);
	else if (rc == 0)
		rc = classes_from_truth(&R, err);
	r->truth = R.t.n;
	r->ties = R.t.ties;
	if (rc == 0) {
		R.x = sg_xmalloc((R.n * (size_t)R.f.d + 1) * sizeof *R.x);
		rc = sg_la_feat_matrix(l, &R.f, &R.t, R.x, err);
	}
	if (rc == 0)
		rc = R.multi ? sg_la_multi_validate(&R, err) : validate(&R, err);
	if (rc == 0)
		rc = apply_model(&R, err);
	if (rc == 0)
		rc = write_labels(&R, err);
	r->machine_labeled = R.nlab;
	if (rc == 0)
		rc = order_queue(&R, err);
	r->seconds = sg_now() - t0;
	run_done(&R);
	return rc;
}

void sg_labelauto_report_done(struct sg_labelauto_report *r)
{
	for (size_t i = 0; i < r->n_uncertain; i++)
		free(r->uncertain[i]);
	free(r->uncertain);
	free(r->uncertain_conf);
	free(r->uncertain_margin);
	free(r->labels);
	memset(r, 0, sizeof *r);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *sg_labelauto_report_json(const struct sg_labelauto_report *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "algorithm", json_string(r->algo));
	json_object_set_new(o, "classes", json_integer(r->nclasses));
	json_object_set_new(o, "truth", json_integer((json_int_t)r->truth));
	json_object_set_new(o, "ties_left_out", json_integer((json_int_t)r->ties));
	json_t *v = json_object();
	json_object_set_new(v, "folds", json_integer(r->folds));
	json_object_set_new(v, "rows", json_integer((json_int_t)r->valid_rows));
	json_object_set_new(v, "accuracy_all", num(r->valid_accuracy_all));
	json_object_set_new(v, "rows_above_threshold", json_integer((json_int_t)r->valid_above));
	json_object_set_new(v, "accuracy_above_threshold", num(r->valid_accuracy));
	json_object_set_new(v, "accuracy_lower_bound", num(r->valid_accuracy_low));
	json_object_set_new(o, "validation", v);
	json_object_set_new(o, "threshold", num(r->threshold));
	json_object_set_new(o, "candidates", json_integer((json_int_t)r->candidates));
	json_object_set_new(o, "machine_labeled", json_integer((json_int_t)r->machine_labeled));
	json_object_set_new(o, "retired", json_integer((json_int_t)r->retired));
	json_t *rv = json_object();
	json_object_set_new(rv, "low_confidence", json_integer((json_int_t)r->review_low));
	json_object_set_new(rv, "audit", json_integer((json_int_t)r->review_audit));
	json_object_set_new(o, "sent_to_review", rv);
	json_object_set_new(o, "left_for_people", json_integer((json_int_t)r->left));
	json_t *u = json_array();
	for (size_t i = 0; i < r->n_uncertain; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "row_key", json_string(r->uncertain[i]));
		json_object_set_new(x, "confidence", num(r->uncertain_conf[i]));
		json_object_set_new(x, "margin", num(r->uncertain_margin[i]));
		json_array_append_new(u, x);
	}
	json_object_set_new(o, "most_uncertain", u);
	json_object_set_new(o, "seconds", num(r->seconds));
	if (r->multi) {
		json_t *ls = json_array();
		for (size_t i = 0; i < r->nlabels; i++) {
			const struct sg_labelauto_label *x = &r->labels[i];
			json_t *e = json_object();
			json_object_set_new(e, "label", json_string(x->name));
			json_object_set_new(e, "positives", json_integer((json_int_t)x->positives));
			json_object_set_new(e, "negatives", json_integer((json_int_t)x->negatives));
			json_object_set_new(e, "trained", json_boolean(x->trained));
			json_object_set_new(e, "threshold", num(x->threshold));
			json_object_set_new(e, "accuracy", num(x->valid_accuracy));
			json_array_append_new(ls, e);
		}
		json_t *m = json_object();
		json_object_set_new(m, "accuracy", json_string("exact match"));
		json_object_set_new(m, "min_per_answer", json_integer((json_int_t)r->min_per_answer));
		json_object_set_new(m, "untrained", json_integer((json_int_t)r->untrained));
		json_object_set_new(m, "label_accuracy_target", num(r->label_target));
		json_object_set_new(m, "labels", ls);
		json_object_set_new(o, "multi_label", m);
	}
	return o;
}
