/* labels_agree.c — a dataset's annotations as agree.h input for the
 * multi-label and span figures: per-label yes/no agreement, alpha over
 * whole answers, span F1. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/agree.h"
#include "core/labels_int.h"
#include "core/util.h"

/* Human work only: annotator role, not machine. */
static int counted(const struct sg_label_record *r)
{
	return r->role == SG_ROLE_ANNOTATOR && r->source != SG_LABEL_MACHINE;
}

void sg_labels_agree_owned_done(struct sg_labels_agree_owned *o)
{
	free(o->item);
	free(o->annotator);
	free(o->label);
	memset(o, 0, sizeof *o);
}

int sg_labels_multi_input(const struct sg_label_table *t, const struct sg_scheme *sc,
			  struct sg_labels_agree_owned *o)
{
	memset(o, 0, sizeof *o);
	/* each distinct value's labels, once */
	uint32_t **sets = sg_xcalloc(t->nvalues + 1, sizeof *sets);
	size_t *nset = sg_xcalloc(t->nvalues + 1, sizeof *nset), total = 0;
	for (size_t v = 0; v < t->nvalues; v++) {
		json_t *arr = json_loads(t->values[v], 0, NULL);
		sets[v] = sg_xcalloc(json_array_size(arr) + 1, sizeof **sets);
		size_t i;
		json_t *name;
		json_array_foreach(arr, i, name) {
			const char *s = json_string_value(name);
			int li = sg_scheme_label_by_name(sc, s ? s : "");
			if (li >= 0)
				sets[v][nset[v]++] = (uint32_t)li;
		}
		json_decref(arr);
	}
	for (size_t i = 0; i < t->nrec; i++)
		total += nset[t->rec[i].value] ? nset[t->rec[i].value] : 1;
	o->item = sg_xcalloc(total + 1, sizeof *o->item);
	o->annotator = sg_xcalloc(total + 1, sizeof *o->annotator);
	o->label = sg_xcalloc(total + 1, sizeof *o->label);
	size_t n = 0;
	for (size_t i = 0; i < t->nrec; i++) {
		const struct sg_label_record *r = &t->rec[i];
		if (!counted(r))
			continue;
		size_t k = nset[r->value];
		for (size_t j = 0; j < (k ? k : 1); j++, n++) {
			o->item[n] = r->item;
			o->annotator[n] = r->user;
			o->label[n] = k ? sets[r->value][j] : SG_AGREE_NONE;
		}
	}
	for (size_t v = 0; v < t->nvalues; v++)
		free(sets[v]);
	free(sets);
	free(nset);
	o->in = (struct sg_agree_input){ .n = n, .item = o->item, .annotator = o->annotator,
					 .label = o->label, .n_items = (uint32_t)t->nitems,
					 .n_annotators = (uint32_t)t->nusers,
					 .n_labels = (uint32_t)sc->nlabels };
	return n ? 0 : -1;
}

int sg_labels_span_stats(const struct sg_label_table *t, const struct sg_scheme *sc,
			 struct sg_span_stats **out, struct sg_error *err)
{
	*out = NULL;
	size_t n = 0, cap = 64;
	struct sg_span_rec *v = sg_xmalloc(cap * sizeof *v);
	for (size_t i = 0; i < t->nrec; i++) {
		const struct sg_label_record *r = &t->rec[i];
		if (!counted(r))
			continue;
		json_t *arr = json_loads(t->values[r->value], 0, NULL);
		size_t before = n, k;
		json_t *x;
		json_array_foreach(arr, k, x) {
			const char *name = json_string_value(json_object_get(x, "label"));
			int l = name ? sg_scheme_label_by_name(sc, name) : -1;
			json_int_t st = json_integer_value(json_object_get(x, "start"));
			json_int_t en = json_integer_value(json_object_get(x, "end"));
			if (l < 0 || st < 0 || en <= st || en > UINT32_MAX)
				continue;   /* a label since removed from the scheme */
			if (n + 1 >= cap)
				v = sg_xrealloc(v, (cap *= 2) * sizeof *v);
			v[n++] = (struct sg_span_rec){ r->item, r->user, (uint32_t)l, (uint32_t)st,
						       (uint32_t)en };
		}
		json_decref(arr);
		if (n == before) {
			if (n + 1 >= cap)
				v = sg_xrealloc(v, (cap *= 2) * sizeof *v);
			v[n++] = (struct sg_span_rec){ r->item, r->user, SG_AGREE_NONE, 0, 0 };
		}
	}
	struct sg_span_input in = { .n = n, .rec = v, .n_items = (uint32_t)t->nitems,
				    .n_annotators = (uint32_t)t->nusers,
				    .n_labels = (uint32_t)sc->nlabels };
	int rc = n ? sg_agree_spans(&in, out, err) : 0;
	free(v);
	return rc;
}
