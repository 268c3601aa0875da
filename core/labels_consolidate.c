/* labels_consolidate.c — one result per item from its annotations, with the
 * agreement statistics of agree.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/agree.h"
#include "core/labels_int.h"
#include "core/util.h"

/* The human (annotator role) records as agree.h input. */
static int human_stats(const struct sg_label_table *t, struct sg_agree_stats **stats,
		       struct sg_error *err)
{
	size_t n = 0;
	uint32_t *item = sg_xcalloc(t->nrec + 1, sizeof *item);
	uint32_t *ann = sg_xcalloc(t->nrec + 1, sizeof *ann);
	uint32_t *lab = sg_xcalloc(t->nrec + 1, sizeof *lab);
	double *secs = sg_xcalloc(t->nrec + 1, sizeof *secs);
	for (size_t i = 0; i < t->nrec; i++) {
		const struct sg_label_record *r = &t->rec[i];
		if (r->role != SG_ROLE_ANNOTATOR || r->source == SG_LABEL_MACHINE)
			continue;
		item[n] = r->item;
		ann[n] = r->user;
		lab[n] = r->value;
		secs[n] = r->seconds > 0 ? r->seconds : NAN;
		n++;
	}
	*stats = NULL;
	int rc = 0;
	if (n) {
		struct sg_agree_input in = {
			.n = n, .item = item, .annotator = ann, .label = lab, .seconds = secs,
			.n_items = (uint32_t)t->nitems, .n_annotators = (uint32_t)t->nusers,
			.n_labels = (uint32_t)t->nvalues,
		};
		rc = sg_agree_compute(&in, NULL, stats, err);
	}
	free(item);
	free(ann);
	free(lab);
	free(secs);
	return rc;
}

/* ---- multi-label and span answers, by parts ------------------------------ */

/* An item's parts: labels (multi) or spans (span) with the number of
 * annotators who gave each. */
struct part {
	int label;
	long long start, end;      /* spans only */
	unsigned votes;
};

struct parts {
	struct part *v;
	size_t n, cap;
};

static void part_vote(struct parts *p, int label, long long start, long long end)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].label == label && p->v[i].start == start && p->v[i].end == end) {
			p->v[i].votes++;
			return;
		}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = sg_xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = (struct part){ label, start, end, 1 };
}

/* Adds one annotator's answer (canonical value text) to the votes; each
 * part counted once per annotator.  -1 when the value does not parse. */
static int parts_add(struct parts *p, const struct sg_scheme *sc, const char *value)
{
	json_t *arr = json_loads(value, 0, NULL);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return -1;
	}
	struct parts mine = { 0 };   /* this answer's parts, each once */
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x) {
		const char *name = json_string_value(sc->type == SG_SCHEME_SPAN
						     ? json_object_get(x, "label") : x);
		int l = name ? sg_scheme_label_by_name(sc, name) : -1;
		if (l >= 0)
			part_vote(&mine, l, json_integer_value(json_object_get(x, "start")),
				  json_integer_value(json_object_get(x, "end")));
	}
	for (size_t k = 0; k < mine.n; k++)
		part_vote(p, mine.v[k].label, mine.v[k].start, mine.v[k].end);
	free(mine.v);
	json_decref(arr);
	return 0;
}

/* The canonical value of the parts with more than half of m votes. */
static char *parts_value(const struct parts *p, const struct sg_scheme *sc, unsigned m)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < p->n; i++) {
		if (2 * p->v[i].votes <= m)
			continue;
		const char *name = sc->labels[p->v[i].label].name;
		if (sc->type == SG_SCHEME_SPAN)
			json_array_append_new(arr, json_pack("{sIsIss}", "start", (json_int_t)p->v[i].start,
							     "end", (json_int_t)p->v[i].end, "label", name));
		else
			json_array_append_new(arr, json_string(name));
	}
	return sg_scheme_canonical_json(sc, arr);
}

/* Keeps a value made here until the consolidation is done. */
static void own(struct sg_labels_consolidation *c, char *val)
{
	if (c->nowned == c->capowned) {
		c->capowned = c->capowned ? c->capowned * 2 : 64;
		c->owned = sg_xrealloc(c->owned, c->capowned * sizeof *c->owned);
	}
	c->owned[c->nowned++] = val;
}

/* Multi-label and span items: a label (or an exact span) is in the result
 * when more than half of the item's annotators gave it.  Confidence is the
 * weakest part's majority share, max(votes, m - votes) / m over the parts
 * anyone gave (1 when all agree); a part given by exactly half is a tie. */
static void parts_result(struct sg_labels_consolidation *c, const struct sg_scheme *sc,
			 size_t from, size_t to, int em, struct sg_label_result *r)
{
	const struct sg_label_table *t = &c->table;
	struct parts p = { 0 };
	unsigned m = 0;
	for (size_t i = from; i < to; i++) {
		const struct sg_label_record *x = &t->rec[i];
		if (x->role != SG_ROLE_ANNOTATOR || x->source == SG_LABEL_MACHINE)
			continue;
		if (parts_add(&p, sc, t->values[x->value]) == 0)
			m++;
	}
	double conf = 1;
	int tie = 0;
	for (size_t i = 0; i < p.n; i++) {
		unsigned v = p.v[i].votes, o = m - v;
		double share = (double)(v > o ? v : o) / m;
		conf = share < conf ? share : conf;
		tie |= v == o;
	}
	char *val = parts_value(&p, sc, m);
	free(p.v);
	own(c, val);
	r->value = val;
	r->confidence = conf;
	r->state = SG_RESULT_AGREED;
	if (tie) {
		r->state = SG_RESULT_TIE;
		r->value = "";  /* no answer until a reviewer decides */
	} else if (em && conf < sc->low_confidence) {
		r->state = SG_RESULT_LOW;
	}
	c->n_adjudicate += r->state != SG_RESULT_AGREED;
}

/* Multi-label items by EM, label by label: the set is the labels whose
 * posterior of "yes" is above 0.5; the confidence is the least certain
 * label's max(p, 1 - p) (every label counts: an annotator who answered the
 * item judged each one).  Below low_confidence the item goes to
 * adjudication, as a single-label EM item does. */
static void em_set_result(struct sg_labels_consolidation *c, const struct sg_scheme *sc,
			  uint32_t item, struct sg_label_result *r)
{
	json_t *arr = json_array();
	double conf = 1;
	for (size_t l = 0; l < c->n_em_labels; l++) {
		const struct sg_agree_item *it = &c->em_labels[l]->items[item];
		if (it->em_label < 0)
			continue;   /* no answer that parsed (cannot happen with n_votes > 0) */
		/* two classes: the argmax's posterior is max(p, 1 - p) */
		double yes = it->em_label == 1 ? it->em_confidence : 1 - it->em_confidence;
		if (yes > 0.5)
			json_array_append_new(arr, json_string(sc->labels[l].name));
		double sure = yes > 0.5 ? yes : 1 - yes;
		conf = sure < conf ? sure : conf;
	}
	char *val = sg_scheme_canonical_json(sc, arr);
	own(c, val);
	r->value = val;
	r->confidence = conf;
	r->state = conf < sc->low_confidence ? SG_RESULT_LOW : SG_RESULT_AGREED;
	c->n_adjudicate += r->state != SG_RESULT_AGREED;
}

/* The latest record of an item with the given role/source test, or -1. */
static long long latest(const struct sg_label_table *t, size_t from, size_t to, int reviewer,
			int machine)
{
	long long best = -1;
	for (size_t i = from; i < to; i++) {
		const struct sg_label_record *r = &t->rec[i];
		if ((r->role == SG_ROLE_REVIEWER) != reviewer)
			continue;
		if (!reviewer && (r->source == SG_LABEL_MACHINE) != machine)
			continue;
		if (best < 0 || r->created_at >= t->rec[best].created_at)
			best = (long long)i;
	}
	return best;
}

static void one_result(struct sg_labels_consolidation *c, const struct sg_scheme *sc, int em,
		       size_t from, size_t to, struct sg_label_result *r)
{
	const struct sg_label_table *t = &c->table;
	uint32_t item = t->rec[from].item;
	const struct sg_agree_item *ai = c->stats ? &c->stats->items[item] : NULL;
	r->row_key = t->items[item];
	r->n_annotators = ai ? (int)ai->n_votes : 0;
	r->source = SG_LABEL_HUMAN;
	long long rv = latest(t, from, to, 1, 0);
	if (rv >= 0) {
		r->value = t->values[t->rec[rv].value];
		r->confidence = 1;
		r->state = SG_RESULT_ADJUDICATED;
		return;
	}
	if (ai && ai->n_votes > 0 && em && c->em_labels) {
		em_set_result(c, sc, item, r);
		return;
	}
	if (ai && ai->n_votes > 0 && sc->type != SG_SCHEME_SINGLE) {
		parts_result(c, sc, from, to, em, r);
		return;
	}
	if (ai && ai->n_votes > 0) {
		int32_t v = em ? ai->em_label : ai->majority;
		r->value = v >= 0 ? t->values[v] : "";
		r->confidence = em ? ai->em_confidence : ai->share;
		r->state = SG_RESULT_AGREED;
		if (em ? r->confidence < sc->low_confidence : (ai->flags & SG_AGREE_LOW) != 0)
			r->state = SG_RESULT_LOW;
		if (!em && (ai->flags & SG_AGREE_TIE)) {
			r->state = SG_RESULT_TIE;
			r->value = "";  /* no answer until a reviewer decides */
		}
		c->n_adjudicate += r->state != SG_RESULT_AGREED;
		return;
	}
	long long m = latest(t, from, to, 0, 1);
	r->value = m >= 0 ? t->values[t->rec[m].value] : "";
	r->confidence = m >= 0 && !isnan(t->rec[m].confidence) ? t->rec[m].confidence : 0;
	r->source = SG_LABEL_MACHINE;
	r->state = SG_RESULT_MACHINE;
	c->n_machine++;
}

static char *summary_json(struct sg_labels_consolidation *c, const struct sg_scheme *sc)
{
	const struct sg_label_table *t = &c->table;
	json_t *o = c->stats ? sg_agree_to_json(c->stats, (const char *const *)t->values,
						(const char *const *)t->users) : json_object();
	if (c->em_labels) {
		/* multi-label EM: each annotator's reliability on each label */
		json_t *arr = json_array();
		for (size_t l = 0; l < c->n_em_labels; l++) {
			const struct sg_agree_stats *p = c->em_labels[l];
			json_t *e = json_object();
			json_object_set_new(e, "label", json_string(sc->labels[l].name));
			json_object_set_new(e, "iterations", json_integer(p->em_iterations));
			json_object_set_new(e, "converged", json_boolean(p->em_converged));
			json_object_set_new(e, "prior_yes", p->em_prior && isfinite(p->em_prior[1])
					    ? json_real(p->em_prior[1]) : json_null());
			json_object_set_new(e, "annotators", sg_agree_yesno_annotators_json(p,
					    (const char *const *)t->users));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "em_per_label", arr);
	}
	json_object_set_new(o, "method", json_string(c->method));
	json_object_set_new(o, "consolidated_items", json_integer((json_int_t)c->n));
	json_object_set_new(o, "to_adjudicate", json_integer((json_int_t)c->n_adjudicate));
	json_object_set_new(o, "machine_only", json_integer((json_int_t)c->n_machine));
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	char *out = sg_xstrdup(text ? text : "{}");
	free(text);
	return out;
}

/* Multi-label EM: the yes/no question of each label, by sg_agree_compute_multi
 * (the same Dawid–Skene code as single-label items).  No human answers: no
 * EM, and the items fall through to the machine labels. */
static int em_per_label(struct sg_labels_consolidation *c, const struct sg_scheme *sc,
			struct sg_error *err)
{
	struct sg_labels_agree_owned o;
	int rc = 0;
	if (sg_labels_multi_input(&c->table, sc, &o) == 0 && sc->nlabels > 0) {
		rc = sg_agree_compute_multi(&o.in, NULL, &c->em_labels, err);
		c->n_em_labels = rc == 0 ? sc->nlabels : 0;
	}
	sg_labels_agree_owned_done(&o);
	return rc;
}

int sg_labels_consolidate(struct sg_store *s, long long dataset_id, const struct sg_scheme *sc,
			  const char *method, int store, const char *user,
			  struct sg_labels_consolidation *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	if (strcmp(method, "majority") != 0 && strcmp(method, "em") != 0)
		return sg_error_set(err, SG_E_USAGE, "unknown method '%s' (majority or em)", method);
	snprintf(out->method, sizeof out->method, "%s", method);
	if (sg_labels_load(s, dataset_id, 0, &out->table, err) != 0)
		return -1;
	if (human_stats(&out->table, &out->stats, err) != 0) {
		sg_labels_consolidation_done(out);
		return -1;
	}
	if (strcmp(method, "em") == 0 && sc->type == SG_SCHEME_MULTI &&
	    em_per_label(out, sc, err) != 0) {
		sg_labels_consolidation_done(out);
		return -1;
	}
	const struct sg_label_table *t = &out->table;
	out->results = sg_xcalloc(t->nitems + 1, sizeof *out->results);
	/* Records are ordered by item: one result per run of an item. */
	for (size_t i = 0; i < t->nrec;) {
		size_t j = i;
		while (j < t->nrec && t->rec[j].item == t->rec[i].item)
			j++;
		one_result(out, sc, strcmp(method, "em") == 0, i, j, &out->results[out->n++]);
		i = j;
	}
	out->summary = summary_json(out, sc);
	if (store && sg_labels_store_results(s, dataset_id, method, out->results, out->n,
					     out->summary, user, err) != 0) {
		sg_labels_consolidation_done(out);
		return -1;
	}
	return 0;
}

void sg_labels_consolidation_done(struct sg_labels_consolidation *c)
{
	sg_label_table_done(&c->table);
	free(c->results);
	sg_agree_stats_free(c->stats);
	sg_agree_multi_free(c->em_labels, (uint32_t)c->n_em_labels);
	free(c->summary);
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	memset(c, 0, sizeof *c);
}
