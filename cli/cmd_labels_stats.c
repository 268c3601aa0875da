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

/* Multi-label and span figures beside the whole-answer ones. */
struct extra {
	struct sg_agree_stats **pl;   /* multi: per label, yes/no */
	double set_alpha;             /* multi: alpha over whole answers (Jaccard) */
	struct sg_span_stats *spans;  /* span */
};

static void extra_compute(const struct sg_labels_consolidation *c, const struct sg_scheme *sc,
			  struct extra *x, struct sg_error *err)
{
	memset(x, 0, sizeof *x);
	x->set_alpha = NAN;
	if (sc->type == SG_SCHEME_SPAN) {
		if (sg_labels_span_stats(&c->table, sc, &x->spans, err) != 0)
			x->spans = NULL;
		return;
	}
	if (sc->type != SG_SCHEME_MULTI)
		return;
	struct sg_labels_agree_owned o;
	if (sg_labels_multi_input(&c->table, sc, &o) == 0) {
		if (sg_agree_compute_multi(&o.in, NULL, &x->pl, err) != 0)
			x->pl = NULL;
		if (sg_agree_set_alpha(&o.in, &x->set_alpha, err) != 0)
			x->set_alpha = NAN;
	}
	sg_labels_agree_owned_done(&o);
}

static void extra_done(struct extra *x, const struct sg_scheme *sc)
{
	if (x->pl)
		sg_agree_multi_free(x->pl, (uint32_t)sc->nlabels);
	sg_span_stats_free(x->spans);
}

static json_t *pairs_json(const struct sg_agree_stats *s, const struct sg_label_table *t)
{
	json_t *arr = json_array();
	for (size_t q = 0; q < s->n_pairs; q++) {
		const struct sg_agree_pair *p = &s->pairs[q];
		json_array_append_new(arr, json_pack("{sssssIsoso}", "a", t->users[p->a],
			"b", t->users[p->b], "items", (json_int_t)p->n,
			"percent_agreement", cli_json_real(p->percent),
			"cohen_kappa", cli_json_real(p->kappa)));
	}
	return arr;
}

static void extra_json(json_t *o, const struct extra *x, const struct sg_scheme *sc,
		       const struct sg_label_table *t)
{
	if (x->pl) {
		json_t *arr = json_array();
		for (size_t l = 0; l < sc->nlabels; l++) {
			const struct sg_agree_stats *p = x->pl[l];
			json_t *e = json_pack("{ssso so so}", "label", sc->labels[l].name,
				"percent_agreement", cli_json_real(p->percent_agreement),
				"fleiss_kappa", cli_json_real(p->fleiss_kappa),
				"krippendorff_alpha", cli_json_real(p->krippendorff_alpha));
			json_object_set_new(e, "mean_pair_kappa", cli_json_real(p->mean_pair_kappa));
			json_object_set_new(e, "pairs", pairs_json(p, t));
			/* Dawid–Skene on the yes/no question, as em_accuracy for single */
			json_object_set_new(e, "annotators", sg_agree_yesno_annotators_json(p,
					    (const char *const *)t->users));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "per_label", arr);
	}
	if (sc->type == SG_SCHEME_MULTI)
		json_object_set_new(o, "set_agreement", json_pack("{ssso}", "distance", "jaccard",
			"krippendorff_alpha", cli_json_real(x->set_alpha)));
	if (x->spans) {
		const char **names = sg_xcalloc(sc->nlabels + 1, sizeof *names);
		for (size_t l = 0; l < sc->nlabels; l++)
			names[l] = sc->labels[l].name;
		json_object_set_new(o, "spans", sg_span_stats_json(x->spans, names,
			(const char *const *)t->users));
		free(names);
	}
}

static void per_label_text(struct sg_agree_stats **pl, const struct sg_scheme *sc,
			   const struct sg_label_table *t)
{
	printf("\n%-20s %9s %8s %8s %8s   (each label as a yes/no question)\n", "LABEL", "AGREE",
	       "FLEISS", "ALPHA", "COHEN");
	for (size_t l = 0; l < sc->nlabels; l++) {
		char name[96], a[32], b[32], d[32], e[32];
		cli_safe_text(name, sizeof name, sc->labels[l].name, strlen(sc->labels[l].name), 20);
		fmt(pl[l]->percent_agreement, a, sizeof a, 1);
		fmt(pl[l]->fleiss_kappa, b, sizeof b, 0);
		fmt(pl[l]->krippendorff_alpha, d, sizeof d, 0);
		fmt(pl[l]->mean_pair_kappa, e, sizeof e, 0);
		printf("%s %9s %8s %8s %8s\n", name, a, b, d, e);
	}
	printf("\n%-20s %-20s %-20s %7s %8s   (Cohen's kappa per label)\n", "LABEL", "A", "B",
	       "ITEMS", "KAPPA");
	for (size_t l = 0; l < sc->nlabels; l++)
		for (size_t q = 0; q < pl[l]->n_pairs; q++) {
			const struct sg_agree_pair *p = &pl[l]->pairs[q];
			char name[96], na[96], nb[96], k[32];
			cli_safe_text(name, sizeof name, sc->labels[l].name, strlen(sc->labels[l].name), 20);
			cli_safe_text(na, sizeof na, t->users[p->a], strlen(t->users[p->a]), 20);
			cli_safe_text(nb, sizeof nb, t->users[p->b], strlen(t->users[p->b]), 20);
			fmt(p->kappa, k, sizeof k, 0);
			printf("%s %s %s %7u %8s\n", name, na, nb, p->n, k);
		}
	printf("\n%-20s %-20s %11s %11s   (Dawid-Skene EM per label)\n", "LABEL", "ANNOTATOR",
	       "SENSITIVITY", "SPECIFICITY");
	for (size_t l = 0; l < sc->nlabels; l++)
		for (uint32_t a = 0; a < pl[l]->n_annotators; a++) {
			if (!pl[l]->annotators[a].n_annotations)
				continue;
			char name[96], na[96], se[32], sp[32];
			cli_safe_text(name, sizeof name, sc->labels[l].name, strlen(sc->labels[l].name), 20);
			cli_safe_text(na, sizeof na, t->users[a], strlen(t->users[a]), 20);
			fmt(sg_agree_confusion(pl[l], a, 1, 1), se, sizeof se, 1);
			fmt(sg_agree_confusion(pl[l], a, 0, 0), sp, sizeof sp, 1);
			printf("%s %s %11s %11s\n", name, na, se, sp);
		}
}

static void spans_text(const struct sg_span_stats *s, const struct sg_scheme *sc,
		       const struct sg_label_table *t)
{
	char a[32], b[32];
	fmt(s->mean_f1_exact, a, sizeof a, 0);
	fmt(s->mean_f1_overlap, b, sizeof b, 0);
	printf("\nspans: %zu on %u item(s), %u with 2 or more annotators; mean pairwise F1: exact "
	       "%s, overlap %s\n", s->n_spans, s->n_answered, s->n_multi, a, b);
	printf("\n%-20s %7s %7s %9s\n", "LABEL", "SPANS", "ITEMS", "F1_EXACT");
	for (uint32_t l = 0; l < s->n_labels; l++) {
		char name[96];
		cli_safe_text(name, sizeof name, sc->labels[l].name, strlen(sc->labels[l].name), 20);
		fmt(s->labels[l].f1_exact, a, sizeof a, 0);
		printf("%s %7zu %7u %9s\n", name, s->labels[l].spans, s->labels[l].items, a);
	}
	if (!s->n_pairs)
		return;
	printf("\n%-20s %-20s %7s %7s %7s %9s %9s\n", "A", "B", "ITEMS", "SPANS_A", "SPANS_B",
	       "F1_EXACT", "F1_OVERLAP");
	for (size_t q = 0; q < s->n_pairs; q++) {
		const struct sg_span_pair *p = &s->pairs[q];
		char na[96], nb[96];
		cli_safe_text(na, sizeof na, t->users[p->a], strlen(t->users[p->a]), 20);
		cli_safe_text(nb, sizeof nb, t->users[p->b], strlen(t->users[p->b]), 20);
		fmt(p->f1_exact, a, sizeof a, 0);
		fmt(p->f1_overlap, b, sizeof b, 0);
		printf("%s %s %7u %7zu %7zu %9s %9s\n", na, nb, p->items, p->spans_a, p->spans_b, a, b);
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
	struct extra x;
	memset(&x, 0, sizeof x);
	if (!consolidate)
		extra_compute(&c, &sc, &x, &err);
	if (a.json) {
		json_t *o = json_loads(c.summary, 0, NULL);
		json_object_set_new(o, "rows", json_integer((json_int_t)sync.rows));
		json_object_set_new(o, "orphaned_items", json_integer((json_int_t)sync.orphaned_items));
		json_object_set_new(o, "orphaned_annotations",
				    json_integer((json_int_t)sync.orphaned_annotations));
		json_object_set_new(o, "file_changed", json_boolean(sync.changed));
		json_object_set_new(o, "annotations_per_item", json_integer((json_int_t)k));
		json_object_set_new(o, "rows_with_empty_text", json_integer((json_int_t)sync.empty_text));
		if (!consolidate)
			extra_json(o, &x, &sc, &c.table);
		if (!consolidate)
			json_object_del(o, "method");
		cli_print_json(o);
	} else if (consolidate) {
		printf("consolidated %zu item(s) by %s: %zu to adjudicate (ties and low agreement), "
		       "%zu from machine labels only\n", c.n, c.method, c.n_adjudicate, c.n_machine);
	} else {
		print_stats(&c, &sync, k);
		if (x.pl)
			per_label_text(x.pl, &sc, &c.table);
		if (sc.type == SG_SCHEME_MULTI && x.pl) {
			char al[32];
			fmt(x.set_alpha, al, sizeof al, 0);
			printf("\nKrippendorff's alpha over whole answers (Jaccard distance): %s\n", al);
		}
		if (x.spans)
			spans_text(x.spans, &sc, &c.table);
	}
	extra_done(&x, &sc);
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
