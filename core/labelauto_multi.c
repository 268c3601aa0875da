/* labelauto_multi.c — auto-labeling for multi-label schemes: one binary
 * model per label (one-vs-rest) over the same features as single-label,
 * per-label thresholds tuned together so that the items whose every label
 * is confident reach the target exact-match accuracy.  The contract is in
 * labelauto.h. */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/labelauto_int.h"
#include "core/util.h"

/* Rows of each answer (with, without) a label needs to be trained: two per
 * fold, so every training share holds both answers in practice. */
static size_t min_per_answer(const struct sg_la_run *R)
{
	return (size_t)(2 * R->r->folds);
}

/* ---- truth --------------------------------------------------------------- */

/* Parses a canonical multi value into set[0..L); -1 when a name is not in
 * the scheme (a value from before the scheme changed). */
static int parse_set(const struct sg_scheme *sc, const char *value, uint8_t *set)
{
	memset(set, 0, sc->nlabels);
	json_t *arr = json_loads(value, 0, NULL);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return -1;
	}
	size_t i;
	json_t *v;
	int rc = 0;
	json_array_foreach(arr, i, v) {
		int li = json_is_string(v) ? sg_scheme_label_by_name(sc, json_string_value(v)) : -1;
		if (li < 0)
			rc = -1;
		else
			set[li] = 1;
	}
	json_decref(arr);
	return rc;
}

static void truth_push(struct sg_la_truth *t, size_t *cap, uint64_t row, const uint8_t *set)
{
	size_t before = *cap;
	sg_la_truth_add(t, cap, row, 0);
	if (*cap != before)
		t->set = sg_xrealloc(t->set, *cap * (size_t)t->L);
	memcpy(t->set + (t->n - 1) * (size_t)t->L, set, (size_t)t->L);
}

/* One item's records [b, e): the reviewer's latest set, else the
 * per-label majority of the annotators.  0 ok, 1 a tie (left out), -1 no
 * usable record. */
static int consolidate_item(const struct sg_label_table *tab, size_t b, size_t e,
			    const uint8_t *vset, const uint8_t *vok, int L, uint8_t *out)
{
	long long rv = -1;
	for (size_t q = b; q < e; q++)
		if (tab->rec[q].role == SG_ROLE_REVIEWER && vok[tab->rec[q].value])
			rv = (long long)q;   /* ordered by time: the last wins */
	if (rv >= 0) {
		memcpy(out, vset + (size_t)tab->rec[rv].value * (size_t)L, (size_t)L);
		return 0;
	}
	/* live annotations: at most one per annotator and role */
	size_t m = 0;
	int *cnt = sg_xcalloc((size_t)L, sizeof *cnt);
	for (size_t q = b; q < e; q++) {
		const struct sg_label_record *r = &tab->rec[q];
		if (r->role != SG_ROLE_ANNOTATOR || !vok[r->value])
			continue;
		m++;
		for (int l = 0; l < L; l++)
			cnt[l] += vset[(size_t)r->value * (size_t)L + (size_t)l];
	}
	int rc = m ? 0 : -1;
	for (int l = 0; l < L && rc == 0; l++) {
		if (2 * (size_t)cnt[l] == m)
			rc = 1;
		out[l] = 2 * (size_t)cnt[l] > m;
	}
	free(cnt);
	return rc;
}

/* Machine labels a reviewer accepted count as truth. */
static int accepted_sets(struct sg_la_run *R, uint8_t *taken, size_t *cap, struct sg_error *err)
{
	sqlite3_stmt *q = sg_store_prepare(R->s,
		"SELECT row_key, value FROM label_annotations WHERE dataset_id = ?1"
		" AND source = 'machine' AND active = 1 AND review = 'accepted'", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sg_labels_dataset_id(R->l));
	const struct sg_scheme *sc = sg_labels_scheme(R->l);
	uint8_t *set = sg_xmalloc(sc->nlabels + 1);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		long long row = sg_labels_row_of(R->l, (const char *)sqlite3_column_text(q, 0));
		const char *v = (const char *)sqlite3_column_text(q, 1);
		if (row < 0 || taken[row] || !v || parse_set(sc, v, set) != 0)
			continue;
		taken[row] = 1;
		R->t.human[row] = 1;
		truth_push(&R->t, cap, (uint64_t)row, set);
	}
	sqlite3_reset(q);
	free(set);
	return rc == SQLITE_DONE ? 0 : sg_store_error(R->s, err, "cannot read reviews");
}

int sg_la_multi_truth(struct sg_la_run *R, struct sg_error *err)
{
	struct sg_la_truth *t = &R->t;
	const struct sg_scheme *sc = sg_labels_scheme(R->l);
	int L = (int)sc->nlabels;
	memset(t, 0, sizeof *t);
	t->L = L;
	uint64_t nrows = sg_labels_nrows(R->l);
	t->human = sg_xcalloc(nrows + 1, 1);
	struct sg_label_table tab;
	unsigned src = 1u << SG_LABEL_HUMAN | 1u << SG_LABEL_IMPORTED;
	if (sg_labels_load(R->s, sg_labels_dataset_id(R->l), src, &tab, err) != 0)
		return -1;
	uint8_t *vset = sg_xcalloc((tab.nvalues + 1) * (size_t)L, 1);
	uint8_t *vok = sg_xcalloc(tab.nvalues + 1, 1);
	for (size_t v = 0; v < tab.nvalues; v++)
		vok[v] = parse_set(sc, tab.values[v], vset + v * (size_t)L) == 0;
	uint8_t *set = sg_xmalloc((size_t)L + 1), *taken = sg_xcalloc(nrows + 1, 1);
	size_t cap = 0;
	/* records are ordered by item: one consolidation per run */
	for (size_t b = 0, e; b < tab.nrec; b = e) {
		for (e = b; e < tab.nrec && tab.rec[e].item == tab.rec[b].item; e++)
			;
		long long row = sg_labels_row_of(R->l, tab.items[tab.rec[b].item]);
		if (row < 0)
			continue;   /* orphaned */
		t->human[row] = 1;
		int c = consolidate_item(&tab, b, e, vset, vok, L, set);
		t->ties += c == 1;
		if (c != 0)
			continue;
		taken[row] = 1;
		truth_push(t, &cap, (uint64_t)row, set);
	}
	int rc = accepted_sets(R, taken, &cap, err);
	free(set);
	free(taken);
	free(vset);
	free(vok);
	sg_label_table_done(&tab);
	R->r->truth = t->n;
	return rc;
}

void sg_la_multi_cap(struct sg_la_run *R, size_t maxn)
{
	struct sg_la_truth *t = &R->t;
	if (t->n > maxn) {
		size_t step = (t->n + maxn - 1) / maxn, m = 0;
		for (size_t i = 0; i < t->n; i += step, m++) {
			t->row[m] = t->row[i];
			memmove(t->set + m * (size_t)t->L, t->set + i * (size_t)t->L, (size_t)t->L);
		}
		t->n = m;
	}
	R->n = t->n;
}

/* ---- validation ---------------------------------------------------------- */

/* Stratification key: each row's rarest label present (L when none), so a
 * rare label's rows spread over the folds. */
static int *strat_key(const struct sg_la_truth *t, const size_t *pos)
{
	int *y = sg_xmalloc((t->n + 1) * sizeof *y);
	for (size_t i = 0; i < t->n; i++) {
		int best = t->L;
		for (int l = 0; l < t->L; l++)
			if (t->set[i * (size_t)t->L + (size_t)l] && (best == t->L || pos[l] < pos[best]))
				best = l;
		y[i] = best;
	}
	return y;
}

/* Trains label l's model on rows tr[0..nt); a single-answer training share
 * gives no model and a constant probability instead. */
static int train_label(struct sg_la_run *R, int f, int l, const size_t *tr, size_t nt, int *yl,
		       struct sg_error *err)
{
	int L = R->t.L;
	size_t yes = 0;
	for (size_t i = 0; i < R->n; i++)
		yl[i] = R->t.set[i * (size_t)L + (size_t)l];
	for (size_t i = 0; i < nt; i++)
		yes += (size_t)yl[tr[i]];
	size_t slot = (size_t)f * (size_t)L + (size_t)l;
	R->mconst[slot] = nt ? (double)yes / (double)nt : 0;
	if (yes == 0 || yes == nt)
		return 0;
	static char no[] = "no", yesname[] = "yes";
	char *classes[2] = { no, yesname };
	R->mmodels[slot] = sg_la_train(R->algo, R->x, yl, R->f.d, tr, nt, 2, classes,
				       R->o->seed + (uint64_t)slot, err);
	return R->mmodels[slot] ? 0 : -1;
}

/* P(yes) for label l from fold f's model on n rows of x, into p[i * L + l]. */
static int predict_label(struct sg_la_run *R, int f, int l, const double *x, size_t n, double *p,
			 double *scratch, struct sg_error *err)
{
	int L = R->t.L;
	size_t slot = (size_t)f * (size_t)L + (size_t)l;
	if (!R->mmodels[slot]) {
		for (size_t i = 0; i < n; i++)
			p[i * (size_t)L + (size_t)l] = R->mconst[slot];
		return 0;
	}
	if (sg_la_predict(R->mmodels[slot], x, n, scratch, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		p[i * (size_t)L + (size_t)l] = scratch[i * 2 + 1];
	return 0;
}


/* The lowest confidence whose decisions at or above it are right at least
 * tau of the time (raw share; the item-level test is the guarded one);
 * INFINITY when none. */
static double label_threshold(const struct sg_la_vpoint *d, size_t n, double tau)
{
	size_t right = 0;
	double thr = INFINITY;
	for (size_t i = 0; i < n; i++) {
		right += (size_t)d[i].right;
		if (i + 1 < n && d[i + 1].conf == d[i].conf)
			continue;
		if ((double)right >= tau * (double)(i + 1))
			thr = d[i].conf;
	}
	return thr;
}

/* Chooses the per-label thresholds from the out-of-fold probabilities P of
 * the validation rows vrow[0..nv) (see labelauto.h, step 4). */
static void choose_thresholds(struct sg_la_run *R, const double *P, const size_t *vrow, size_t nv)
{
	int L = R->t.L;
	struct sg_labelauto_report *r = R->r;
	struct sg_la_vpoint *d = sg_xmalloc((nv + 1) * (size_t)L * sizeof *d);
	double *thr = sg_xmalloc((size_t)L * sizeof *thr);
	size_t exact_all = 0;
	for (size_t i = 0; i < nv; i++) {
		int all = 1;
		for (int l = 0; l < L; l++) {
			double p = P[i * (size_t)L + (size_t)l];
			int right = (p >= 0.5) == R->t.set[vrow[i] * (size_t)L + (size_t)l];
			d[(size_t)l * nv + i] = (struct sg_la_vpoint){ p >= 0.5 ? p : 1 - p, right };
			all &= right;
			r->labels[l].valid_accuracy += right;
		}
		exact_all += (size_t)all;
	}
	for (int l = 0; l < L; l++) {
		r->labels[l].valid_accuracy = nv ? r->labels[l].valid_accuracy / (double)nv : NAN;
		qsort(d + (size_t)l * nv, nv, sizeof *d, sg_la_cmp_vpoint);
		R->lthr[l] = INFINITY;
	}
	r->valid_rows = nv;
	r->valid_accuracy_all = nv ? (double)exact_all / (double)nv : NAN;
	r->threshold = r->valid_accuracy = r->valid_accuracy_low = r->label_target = NAN;
	if (r->untrained)
		goto out;   /* an untrained label's decision is never confident */
	/* tau from 0.5 towards 1, denser near 1 where it matters; then 1 */
	for (int j = 0; j <= 60; j++) {
		double tau = j == 60 ? 1.0 : 1 - 0.5 * pow(0.85, j);
		for (int l = 0; l < L; l++)
			thr[l] = label_threshold(d + (size_t)l * nv, nv, tau);
		size_t above = 0, right = 0;
		for (size_t i = 0; i < nv; i++) {
			int ok = 1, all = 1;
			for (int l = 0; l < L && ok; l++) {
				double p = P[i * (size_t)L + (size_t)l];
				ok = (p >= 0.5 ? p : 1 - p) >= thr[l];
				all &= (p >= 0.5) == R->t.set[vrow[i] * (size_t)L + (size_t)l];
			}
			if (!ok)
				continue;
			above++;
			right += (size_t)all;
		}
		if (above < (size_t)R->o->min_count)
			continue;
		double low = sg_la_wilson_low((double)right, (double)above);
		if (low >= R->o->target_accuracy && above > r->valid_above) {
			r->valid_above = above;
			r->valid_accuracy = (double)right / (double)above;
			r->valid_accuracy_low = low;
			r->label_target = tau;
			memcpy(R->lthr, thr, (size_t)L * sizeof *thr);
		}
	}
	if (!isnan(r->label_target)) {
		r->threshold = INFINITY;
		for (int l = 0; l < L; l++) {
			r->labels[l].threshold = R->lthr[l];
			if (R->lthr[l] < r->threshold)
				r->threshold = R->lthr[l];
		}
	}
out:
	free(d);
	free(thr);
}

int sg_la_multi_validate(struct sg_la_run *R, struct sg_error *err)
{
	const struct sg_labelauto_options *o = R->o;
	const struct sg_scheme *sc = sg_labels_scheme(R->l);
	int L = R->t.L;
	int folds = (int)lround(1 / o->validation_share);
	folds = folds < 2 ? 2 : folds > 10 ? 10 : folds;
	int cross = R->n < 1000;
	struct sg_labelauto_report *r = R->r;
	r->folds = cross ? folds : 1;
	r->multi = 1;
	r->nlabels = (size_t)L;
	r->min_per_answer = min_per_answer(R);
	r->labels = sg_xcalloc((size_t)L + 1, sizeof *r->labels);
	size_t *pos = sg_xcalloc((size_t)L + 1, sizeof *pos);
	for (size_t i = 0; i < R->n; i++)
		for (int l = 0; l < L; l++)
			pos[l] += R->t.set[i * (size_t)L + (size_t)l];
	for (int l = 0; l < L; l++) {
		struct sg_labelauto_label *x = &r->labels[l];
		snprintf(x->name, sizeof x->name, "%s", sc->labels[l].name);
		x->positives = pos[l];
		x->negatives = R->n - pos[l];
		x->trained = x->positives >= r->min_per_answer && x->negatives >= r->min_per_answer;
		x->threshold = NAN;
		r->untrained += !x->trained;
		r->nclasses += x->positives > 0;
	}
	if (R->n < (size_t)folds * 10) {
		free(pos);
		return sg_error_set(err, SG_E_USAGE, "auto-labeling needs at least %d labeled items "
				    "(%zu found)", folds * 10, R->n);
	}
	if (r->untrained == (size_t)L) {
		free(pos);
		return sg_error_set(err, SG_E_USAGE, "auto-labeling needs, for at least one label, %zu "
				    "labeled items with it and %zu without it (none has; %zu labeled "
				    "items)", r->min_per_answer, r->min_per_answer, R->n);
	}
	int *strat = strat_key(&R->t, pos);
	int *fold = sg_la_folds(strat, R->n, L + 1, folds, o->seed);
	free(strat);
	free(pos);
	int nf = cross ? folds : 1;
	R->mmodels = sg_xcalloc((size_t)nf * (size_t)L + 1, sizeof *R->mmodels);
	R->mconst = sg_xcalloc((size_t)nf * (size_t)L + 1, sizeof *R->mconst);
	R->lthr = sg_xmalloc(((size_t)L + 1) * sizeof *R->lthr);
	R->nmodels = nf;
	size_t *tr = sg_xmalloc((R->n + 1) * sizeof *tr), *va = sg_xmalloc((R->n + 1) * sizeof *va);
	size_t *vrow = sg_xmalloc((R->n + 1) * sizeof *vrow);
	int *yl = sg_xmalloc((R->n + 1) * sizeof *yl);
	double *P = sg_xmalloc((R->n + 1) * (size_t)L * sizeof *P);
	double *xv = sg_xmalloc((R->n + 1) * (size_t)R->f.d * sizeof *xv);
	double *scratch = sg_xmalloc((R->n + 1) * 2 * sizeof *scratch);
	size_t nv_all = 0;
	int rc = 0;
	for (int f = 0; f < nf && rc == 0; f++) {
		size_t nt = 0, nv = 0;
		for (size_t i = 0; i < R->n; i++) {
			if (fold[i] == f)
				va[nv++] = i;
			else
				tr[nt++] = i;
		}
		for (size_t i = 0; i < nv; i++)
			memcpy(xv + i * (size_t)R->f.d, R->x + va[i] * (size_t)R->f.d,
			       (size_t)R->f.d * sizeof *xv);
		for (int l = 0; l < L && rc == 0; l++) {
			if (r->labels[l].trained)
				rc = train_label(R, f, l, tr, nt, yl, err);
			else    /* never confident: the share of the whole truth */
				R->mconst[(size_t)f * (size_t)L + (size_t)l] =
					(double)r->labels[l].positives / (double)R->n;
			if (rc == 0)
				rc = predict_label(R, f, l, xv, nv, P + nv_all * (size_t)L, scratch, err);
		}
		for (size_t i = 0; i < nv; i++)
			vrow[nv_all + i] = va[i];
		nv_all += nv;
	}
	if (rc == 0)
		choose_thresholds(R, P, vrow, nv_all);
	free(fold);
	free(tr);
	free(va);
	free(vrow);
	free(yl);
	free(P);
	free(xv);
	free(scratch);
	return rc;
}

/* ---- prediction ---------------------------------------------------------- */

/* The canonical value of a predicted set (names in scheme order). */
static char *set_value(const struct sg_scheme *sc, const double *p)
{
	json_t *arr = json_array();
	for (size_t l = 0; l < sc->nlabels; l++)
		if (p[l] >= 0.5)
			json_array_append_new(arr, json_string(sc->labels[l].name));
	return sg_scheme_canonical_json(sc, arr);
}

int sg_la_multi_block(struct sg_la_run *R, struct sg_error *err)
{
	int L = R->t.L;
	size_t n = R->nblock;
	const struct sg_scheme *sc = sg_labels_scheme(R->l);
	double *P = sg_xcalloc(n * (size_t)L + 1, sizeof *P);
	double *p1 = sg_xmalloc((n * (size_t)L + 1) * sizeof *p1);
	double *scratch = sg_xmalloc((n * 2 + 1) * sizeof *scratch);
	int rc = 0;
	/* the average of the fold models, as validated */
	for (int f = 0; f < R->nmodels && rc == 0; f++)
		for (int l = 0; l < L && rc == 0; l++) {
			rc = predict_label(R, f, l, R->block, n, p1, scratch, err);
			for (size_t i = 0; i < n && rc == 0; i++)
				P[i * (size_t)L + (size_t)l] += p1[i * (size_t)L + (size_t)l] / R->nmodels;
		}
	int can = !isnan(R->r->threshold);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const double *p = P + i * (size_t)L;
		struct sg_la_hit h = { .row = R->block_row[i], .conf = 1, .margin = 1 };
		int ok = can;
		for (int l = 0; l < L; l++) {
			if (!R->r->labels[l].trained)
				continue;
			double c = p[l] >= 0.5 ? p[l] : 1 - p[l], m = fabs(2 * p[l] - 1);
			h.conf = c < h.conf ? c : h.conf;
			h.margin = m < h.margin ? m : h.margin;
			ok &= c >= R->lthr[l];
		}
		if (ok) {
			if (R->nmval == R->capmval) {
				R->capmval = R->capmval ? R->capmval * 2 : 256;
				R->mval = sg_xrealloc(R->mval, R->capmval * sizeof *R->mval);
			}
			h.cls = (int)R->nmval;
			R->mval[R->nmval++] = set_value(sc, p);
			sg_la_hit_push(&R->lab, &R->nlab, &R->caplab, h);
		} else {
			sg_la_hit_push(&R->unc, &R->nunc, &R->capunc, h);
		}
	}
	free(P);
	free(p1);
	free(scratch);
	return rc;
}

void sg_la_multi_done(struct sg_la_run *R)
{
	if (R->mmodels)
		for (int i = 0; i < R->nmodels * R->t.L; i++)
			sg_model_free(R->mmodels[i]);
	free(R->mmodels);
	free(R->mconst);
	free(R->lthr);
	for (size_t i = 0; i < R->nmval; i++)
		free(R->mval[i]);
	free(R->mval);
	free(R->t.set);
}
