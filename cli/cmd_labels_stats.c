/* cmd_labels_stats.c — `labels stats` and `labels consolidate`. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/labels_cli.h"
#include "core/agree.h"
#include "core/util.h"

struct stat_args {
	const char *dataset, *method;
	int json;
};

static int parse_args(const char *verb, int argc, char **argv, struct stat_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "method", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			a->json = 1;
		else if (c == 'm' && strcmp(verb, "consolidate") == 0)
			a->method = optarg;
		else
			return cli_usage("labels", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_usage("labels", "labels %s needs one DATASET", verb);
	a->dataset = argv[optind];
	if (a->method && strcmp(a->method, "majority") && strcmp(a->method, "em"))
		return cli_usage("labels", "--method is majority or em");
	return 0;
}

static void fmt(double v, char *buf, size_t n, int percent)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (percent)
		snprintf(buf, n, "%.1f%%", 100 * v);
	else
		snprintf(buf, n, "%.3f", v);
}

static void print_stats(const struct sg_labels_consolidation *c, const struct sg_labels_sync *sy,
			size_t k)
{
	const struct sg_agree_stats *s = c->stats;
	const struct sg_label_table *t = &c->table;
	char a[32], b[32], d[32], e[32];
	printf("rows: %llu   items with labels: %zu   machine-only: %zu   orphaned keys: %llu\n",
	       (unsigned long long)sy->rows, c->n - c->n_machine, c->n_machine,
	       (unsigned long long)sy->orphaned_items);
	if (!s) {
		printf("no human annotations yet\n");
		return;
	}
	printf("annotations: %zu by %u annotator(s); %u item(s) with 2 or more (k = %zu)\n",
	       s->n_annotations, s->n_annotators, s->n_multi, k);
	fmt(s->percent_agreement, a, sizeof a, 1);
	fmt(s->fleiss_kappa, b, sizeof b, 0);
	fmt(s->krippendorff_alpha, d, sizeof d, 0);
	fmt(s->mean_pair_kappa, e, sizeof e, 0);
	printf("percent agreement: %s   Fleiss' kappa: %s   Krippendorff's alpha: %s   "
	       "mean Cohen's kappa: %s\n", a, b, d, e);
	printf("adjudication: %u tie(s), %u low agreement\n", s->n_ties, s->n_low);
	printf("\n%-20s %11s %9s %10s %11s %10s\n", "ANNOTATOR", "ANNOTATIONS", "MEDIAN_S",
	       "CONSENSUS", "EM_ACCURACY", "MEAN_KAPPA");
	for (uint32_t i = 0; i < s->n_annotators; i++) {
		const struct sg_agree_annotator *an = &s->annotators[i];
		if (!an->n_annotations)
			continue;
		char name[96], med[32];
		cli_safe_text(name, sizeof name, t->users[i], strlen(t->users[i]), 20);
		if (isnan(an->median_seconds))
			snprintf(med, sizeof med, "-");
		else
			snprintf(med, sizeof med, "%.1f", an->median_seconds);
		fmt(an->consensus, a, sizeof a, 1);
		fmt(an->em_accuracy, b, sizeof b, 1);
		fmt(an->mean_kappa, d, sizeof d, 0);
		printf("%s %11u %9s %10s %11s %10s\n", name, an->n_annotations, med, a, b, d);
	}
	if (!s->n_pairs)
		return;
	printf("\n%-20s %-20s %7s %9s %8s\n", "A", "B", "ITEMS", "AGREE", "KAPPA");
	for (size_t i = 0; i < s->n_pairs; i++) {
		const struct sg_agree_pair *p = &s->pairs[i];
		char na[96], nb[96];
		cli_safe_text(na, sizeof na, t->users[p->a], strlen(t->users[p->a]), 20);
		cli_safe_text(nb, sizeof nb, t->users[p->b], strlen(t->users[p->b]), 20);
		fmt(p->percent, a, sizeof a, 1);
		fmt(p->kappa, b, sizeof b, 0);
		printf("%s %s %7u %9s %8s\n", na, nb, p->n, a, b);
	}
}

/* Multi-label schemes: agreement on each label's yes/no question, since
 * whole answers rarely match exactly.  NULL when there is nothing to say. */
static struct sg_agree_stats **per_label(const struct sg_labels_consolidation *c,
					 const struct sg_scheme *sc, struct sg_error *err)
{
	const struct sg_label_table *t = &c->table;
	if (sc->type != SG_SCHEME_MULTI || !t->nrec)
		return NULL;
	/* Each distinct value's labels, once. */
	uint32_t **sets = sg_xcalloc(t->nvalues + 1, sizeof *sets);
	size_t *nset = sg_xcalloc(t->nvalues + 1, sizeof *nset), total = 0;
	for (size_t v = 0; v < t->nvalues; v++) {
		json_t *arr = json_loads(t->values[v], 0, NULL);
		sets[v] = sg_xcalloc(json_array_size(arr) + 1, sizeof **sets);
		size_t i;
		json_t *name;
		json_array_foreach(arr, i, name) {
			int li = sg_scheme_label_by_name(sc, json_string_value(name) ? json_string_value(name) : "");
			if (li >= 0)
				sets[v][nset[v]++] = (uint32_t)li;
		}
		json_decref(arr);
	}
	for (size_t i = 0; i < t->nrec; i++)
		total += nset[t->rec[i].value] ? nset[t->rec[i].value] : 1;
	uint32_t *item = sg_xcalloc(total + 1, sizeof *item), *ann = sg_xcalloc(total + 1, sizeof *ann);
	uint32_t *lab = sg_xcalloc(total + 1, sizeof *lab);
	size_t n = 0;
	for (size_t i = 0; i < t->nrec; i++) {
		const struct sg_label_record *r = &t->rec[i];
		if (r->role != SG_ROLE_ANNOTATOR || r->source == SG_LABEL_MACHINE)
			continue;
		size_t k = nset[r->value];
		for (size_t j = 0; j < (k ? k : 1); j++, n++) {
			item[n] = r->item;
			ann[n] = r->user;
			lab[n] = k ? sets[r->value][j] : SG_AGREE_NONE;
		}
	}
	struct sg_agree_input in = { .n = n, .item = item, .annotator = ann, .label = lab,
				     .n_items = (uint32_t)t->nitems,
				     .n_annotators = (uint32_t)t->nusers,
				     .n_labels = (uint32_t)sc->nlabels };
	struct sg_agree_stats **out = NULL;
	if (n && sg_agree_compute_multi(&in, NULL, &out, err) != 0)
		out = NULL;
	for (size_t v = 0; v < t->nvalues; v++)
		free(sets[v]);
	free(sets);
	free(nset);
	free(item);
	free(ann);
	free(lab);
	return out;
}

static json_t *per_label_json(struct sg_agree_stats **pl, const struct sg_scheme *sc)
{
	json_t *arr = json_array();
	for (size_t l = 0; l < sc->nlabels; l++)
		json_array_append_new(arr, json_pack("{ssso so so}", "label", sc->labels[l].name,
			"percent_agreement", cli_json_real(pl[l]->percent_agreement),
			"fleiss_kappa", cli_json_real(pl[l]->fleiss_kappa),
			"krippendorff_alpha", cli_json_real(pl[l]->krippendorff_alpha)));
	return arr;
}

static void per_label_text(struct sg_agree_stats **pl, const struct sg_scheme *sc)
{
	printf("\n%-20s %9s %8s %8s   (each label as a yes/no question)\n", "LABEL", "AGREE",
	       "FLEISS", "ALPHA");
	for (size_t l = 0; l < sc->nlabels; l++) {
		char name[96], a[32], b[32], d[32];
		cli_safe_text(name, sizeof name, sc->labels[l].name, strlen(sc->labels[l].name), 20);
		fmt(pl[l]->percent_agreement, a, sizeof a, 1);
		fmt(pl[l]->fleiss_kappa, b, sizeof b, 0);
		fmt(pl[l]->krippendorff_alpha, d, sizeof d, 0);
		printf("%s %9s %8s %8s\n", name, a, b, d);
	}
}

/* Runs the consolidation (stored for `consolidate`) and prints it. */
static int run(struct sg_workspace *ws, int argc, char **argv, int consolidate)
{
	struct stat_args a;
	int st = parse_args(consolidate ? "consolidate" : "stats", argc, argv, &a);
	if (st)
		return st;
	struct sg_error err = { 0 };
	struct sg_labels_sync sync;
	struct sg_labels *l = labels_open_arg(ws, a.dataset, a.json, &sync, &err);
	if (!l)
		return cli_fail(&err);
	struct sg_labels_consolidation c;
	int rc = sg_labels_consolidate(ws->store, sg_labels_dataset_id(l), sg_labels_scheme(l),
				       a.method ? a.method : "majority", consolidate, sg_username(),
				       &c, &err);
	size_t k = (size_t)sg_labels_scheme(l)->k;
	struct sg_scheme sc;
	sg_scheme_copy(&sc, sg_labels_scheme(l));
	sg_labels_free(l);
	if (rc != 0) {
		sg_scheme_done(&sc);
		return cli_fail(&err);
	}
	struct sg_agree_stats **pl = consolidate ? NULL : per_label(&c, &sc, &err);
	if (a.json) {
		json_t *o = json_loads(c.summary, 0, NULL);
		json_object_set_new(o, "rows", json_integer((json_int_t)sync.rows));
		json_object_set_new(o, "orphaned_items", json_integer((json_int_t)sync.orphaned_items));
		json_object_set_new(o, "orphaned_annotations",
				    json_integer((json_int_t)sync.orphaned_annotations));
		json_object_set_new(o, "file_changed", json_boolean(sync.changed));
		json_object_set_new(o, "annotations_per_item", json_integer((json_int_t)k));
		json_object_set_new(o, "rows_with_empty_text", json_integer((json_int_t)sync.empty_text));
		if (pl)
			json_object_set_new(o, "per_label", per_label_json(pl, &sc));
		if (!consolidate)
			json_object_del(o, "method");
		cli_print_json(o);
	} else if (consolidate) {
		printf("consolidated %zu item(s) by %s: %zu to adjudicate (ties and low agreement), "
		       "%zu from machine labels only\n", c.n, c.method, c.n_adjudicate, c.n_machine);
	} else {
		print_stats(&c, &sync, k);
		if (pl)
			per_label_text(pl, &sc);
	}
	if (pl)
		sg_agree_multi_free(pl, (uint32_t)sc.nlabels);
	sg_scheme_done(&sc);
	sg_labels_consolidation_done(&c);
	return EXIT_OK;
}

int labels_stats(struct sg_workspace *ws, int argc, char **argv)
{
	return run(ws, argc, argv, 0);
}

int labels_consolidate(struct sg_workspace *ws, int argc, char **argv)
{
	return run(ws, argc, argv, 1);
}
