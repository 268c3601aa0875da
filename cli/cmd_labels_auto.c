/* cmd_labels_auto.c — `labels auto` (machine labels above a confidence
 * threshold chosen for a target accuracy) and `labels review` (the review
 * rules, the pending list, accept and correct). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/labels_cli.h"
#include "core/labelauto.h"
#include "core/util.h"

/* Parses a number in [lo, hi] for option name; -1 after a usage error. */
static int num_arg(const char *name, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= lo && v <= hi)) {
		cli_usage("labels", "--%s: '%s' is not a number from %g to %g", name, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

struct auto_args {
	const char *dataset;
	int json;
	struct sg_labelauto_options o;
};

static int parse_auto(int argc, char **argv, struct auto_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "target-accuracy", required_argument, NULL, 't' },
		{ "algo", required_argument, NULL, 'a' },
		{ "validation", required_argument, NULL, 'v' },
		{ "min-count", required_argument, NULL, 'm' },
		{ "hash-bits", required_argument, NULL, 'b' },
		{ "review-below", required_argument, NULL, 'r' },
		{ "audit", required_argument, NULL, 'u' },
		{ "seed", required_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	a->o.review_below = a->o.audit_percent = -1;
	a->o.target_accuracy = 0.95;
	int c;
	double v;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = 1; break;
		case 'n': a->o.dry_run = 1; break;
		case 'a': a->o.algo = optarg; break;
		case 't':
			if (num_arg("target-accuracy", optarg, 0.5, 0.9999, &a->o.target_accuracy))
				return EXIT_USAGE;
			break;
		case 'v':
			if (num_arg("validation", optarg, 0.05, 0.5, &a->o.validation_share))
				return EXIT_USAGE;
			break;
		case 'm':
			if (num_arg("min-count", optarg, 1, 1e6, &v))
				return EXIT_USAGE;
			a->o.min_count = (int)v;
			break;
		case 'b':
			if (num_arg("hash-bits", optarg, 8, 18, &v))
				return EXIT_USAGE;
			a->o.hash_bits = (int)v;
			break;
		case 'r':
			if (num_arg("review-below", optarg, 0, 1, &a->o.review_below))
				return EXIT_USAGE;
			break;
		case 'u':
			if (num_arg("audit", optarg, 0, 100, &a->o.audit_percent))
				return EXIT_USAGE;
			break;
		case 's':
			if (num_arg("seed", optarg, 0, 1e15, &v))
				return EXIT_USAGE;
			a->o.seed = (uint64_t)v;
			break;
		default:
			return cli_usage("labels", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage("labels", "labels auto needs one DATASET");
	a->dataset = argv[optind];
	return 0;
}

/* Progress on a terminal: rows predicted so far. */
static int show_progress(uint64_t done, uint64_t total, void *ud)
{
	(void)ud;
	fprintf(stderr, "\rpredicting %llu / %llu rows", (unsigned long long)done,
		(unsigned long long)total);
	if (done >= total)
		fprintf(stderr, "\r%*s\r", 40, "");
	return 0;
}

/* Multi-label: each label's yes/no model, its counts and threshold. */
static void print_multi(const struct sg_labelauto_report *r)
{
	printf("accuracy is exact match: an item counts as right only when its whole label set is "
	       "right\n");
	printf("%-20s %9s %9s %9s %9s\n", "LABEL", "WITH", "WITHOUT", "ACCURACY", "THRESHOLD");
	for (size_t i = 0; i < r->nlabels; i++) {
		const struct sg_labelauto_label *x = &r->labels[i];
		char name[96], acc[32], thr[32];
		cli_safe_text(name, sizeof name, x->name, strlen(x->name), 20);
		if (isnan(x->valid_accuracy) || !x->trained)
			snprintf(acc, sizeof acc, "-");
		else
			snprintf(acc, sizeof acc, "%.1f%%", 100 * x->valid_accuracy);
		if (!x->trained)
			snprintf(thr, sizeof thr, "untrained");
		else if (isnan(x->threshold))
			snprintf(thr, sizeof thr, "-");
		else if (isinf(x->threshold))
			snprintf(thr, sizeof thr, "never");
		else
			snprintf(thr, sizeof thr, "%.3f", x->threshold);
		printf("%s %9zu %9zu %9s %9s\n", name, x->positives, x->negatives, acc, thr);
	}
	for (size_t i = 0; i < r->nlabels; i++)
		if (!r->labels[i].trained)
			printf("label \"%s\" has %zu labeled item(s) with it and %zu without: %zu of each "
			       "are needed to train it; its items stay for people\n", r->labels[i].name,
			       r->labels[i].positives, r->labels[i].negatives, r->min_per_answer);
}

static void print_auto(const struct sg_labelauto_report *r, double target, int dry)
{
	if (r->multi)
		printf("truth: %zu labeled item(s), %zu label(s), one yes/no model each (%zu tie(s) "
		       "left out); %s, ", r->truth, r->nlabels, r->ties, r->algo);
	else
		printf("truth: %zu labeled item(s), %d classes (%zu tie(s) left out); %s, ", r->truth,
		       r->nclasses, r->ties, r->algo);
	if (r->folds > 1)
		printf("%d-fold cross-fitting\n", r->folds);
	else
		printf("one validation split\n");
	printf("validation: %.1f%% accurate on all %zu row(s)\n", 100 * r->valid_accuracy_all,
	       r->valid_rows);
	if (r->multi)
		print_multi(r);
	if (r->multi && r->untrained) {
		printf("some labels cannot be trained: nothing machine-labeled; label more rows "
		       "and run again\n");
	} else if (r->multi && isnan(r->threshold)) {
		printf("no per-label thresholds reach %.1f%% exact-match accuracy on the validation "
		       "rows: nothing machine-labeled; label more rows and run again\n", 100 * target);
	} else if (isnan(r->threshold)) {
		printf("no confidence threshold reaches %.1f%% accuracy on the validation rows: nothing "
		       "machine-labeled; label more rows and run again\n", 100 * target);
	} else {
		if (r->multi)
			printf("thresholds: every label's confidence at or above its threshold — %zu "
			       "validation item(s), %.1f%% exactly right (at least %.1f%%)\n",
			       r->valid_above, 100 * r->valid_accuracy, 100 * r->valid_accuracy_low);
		else
			printf("threshold: confidence >= %.3f — %zu validation row(s) above it, %.1f%% "
			       "accurate (at least %.1f%%)\n", r->threshold, r->valid_above,
			       100 * r->valid_accuracy, 100 * r->valid_accuracy_low);
		printf("%s %zu of %zu row(s) without a human label; %zu earlier machine label(s) "
		       "retired\n", dry ? "would machine-label" : "machine-labeled", r->machine_labeled,
		       r->candidates, r->retired);
		printf("sent to review: %zu below the review confidence, %zu audit\n", r->review_low,
		       r->review_audit);
	}
	printf("left for people: %zu row(s)%s\n", r->left,
	       r->left ? ", most uncertain first in the queue:" : "");
	if (r->n_uncertain)
		printf("  %-24s %10s %8s\n", "ROW_KEY", "CONFIDENCE", "MARGIN");
	for (size_t i = 0; i < r->n_uncertain; i++) {
		char key[160];
		cli_safe_text(key, sizeof key, r->uncertain[i], strlen(r->uncertain[i]), 24);
		printf("  %s %10.3f %8.3f\n", key, r->uncertain_conf[i], r->uncertain_margin[i]);
	}
}

int labels_auto(struct sg_workspace *ws, int argc, char **argv)
{
	struct auto_args a;
	int st = parse_auto(argc, argv, &a);
	if (st)
		return st;
	struct sg_error err = { 0 };
	struct sg_labels *l = labels_open_arg(ws, a.dataset, a.json, NULL, &err);
	if (!l)
		return cli_fail(&err);
	if (!a.json && isatty(STDERR_FILENO))
		a.o.progress = show_progress;
	if (!a.json)
		a.o.list_uncertain = 10;
	struct sg_labelauto_report r;
	int rc = sg_labelauto_run(ws->store, l, &a.o, &r, &err);
	sg_labels_free(l);
	if (rc != 0) {
		sg_labelauto_report_done(&r);
		return cli_fail(&err);
	}
	if (a.json) {
		json_t *o = sg_labelauto_report_json(&r);
		json_object_set_new(o, "target_accuracy", json_real(a.o.target_accuracy));
		json_object_set_new(o, "dry_run", json_boolean(a.o.dry_run));
		cli_print_json(o);
	} else {
		print_auto(&r, a.o.target_accuracy, a.o.dry_run);
	}
	sg_labelauto_report_done(&r);
	return EXIT_OK;
}

/* ---- labels review ---------------------------------------------------------------------- */

struct review_args {
	const char *dataset;
	int json, rules;
	double below, audit;
	uint64_t seed;
	long limit;
	const char **accept, **correct;
	int naccept, ncorrect;
};

static int parse_review(int argc, char **argv, struct review_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "rules", no_argument, NULL, 'R' },
		{ "below", required_argument, NULL, 'b' }, { "audit", required_argument, NULL, 'u' },
		{ "seed", required_argument, NULL, 's' }, { "limit", required_argument, NULL, 'l' },
		{ "accept", required_argument, NULL, 'a' }, { "correct", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	a->below = a->audit = -1;
	a->limit = 50;
	a->accept = sg_xcalloc((size_t)argc + 1, sizeof *a->accept);
	a->correct = sg_xcalloc((size_t)argc + 1, sizeof *a->correct);
	int c;
	double v;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = 1; break;
		case 'R': a->rules = 1; break;
		case 'a': a->accept[a->naccept++] = optarg; break;
		case 'c':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return cli_usage("labels", "--correct takes KEY=LABEL");
			a->correct[a->ncorrect++] = optarg;
			break;
		case 'b':
			if (num_arg("below", optarg, 0, 1, &a->below))
				return EXIT_USAGE;
			break;
		case 'u':
			if (num_arg("audit", optarg, 0, 100, &a->audit))
				return EXIT_USAGE;
			break;
		case 's':
			if (num_arg("seed", optarg, 0, 1e15, &v))
				return EXIT_USAGE;
			a->seed = (uint64_t)v;
			break;
		case 'l':
			if (num_arg("limit", optarg, 0, 1e12, &v))
				return EXIT_USAGE;
			a->limit = (long)v;
			break;
		default:
			return cli_usage("labels", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage("labels", "labels review needs one DATASET");
	if ((a->below >= 0 || a->audit >= 0) && !a->rules)
		return cli_usage("labels", "--below and --audit go with --rules");
	a->dataset = argv[optind];
	return 0;
}

struct listing {
	const struct sg_scheme *sc;
	json_t *arr;
	long limit, shown, total;
	double below;
};

static int list_one(const struct sg_review_item *it, void *ud)
{
	struct listing *x = ud;
	x->total++;
	if (x->shown >= x->limit)
		return 0;
	x->shown++;
	const char *why = x->below > 0 && !(it->confidence >= x->below) ? "low confidence" : "audit";
	if (x->arr) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(it->id));
		json_object_set_new(o, "row_key", json_string(it->row_key));
		/* 1-based, as `labels ls` shows rows */
		json_object_set_new(o, "row", it->row >= 0 ? json_integer(it->row + 1) : json_null());
		json_object_set_new(o, "label", labels_value_json(x->sc, it->value));
		json_object_set_new(o, "confidence", isfinite(it->confidence)
				    ? json_real(it->confidence) : json_null());
		json_object_set_new(o, "reason", json_string(why));
		json_array_append_new(x->arr, o);
		return 0;
	}
	char key[160], val[160];
	cli_safe_text(key, sizeof key, it->row_key, strlen(it->row_key), 24);
	cli_safe_text(val, sizeof val, it->value, strlen(it->value), 20);
	char row[32];
	if (it->row >= 0)
		snprintf(row, sizeof row, "%lld", it->row + 1);
	else
		snprintf(row, sizeof row, "orphan");
	printf("%s %8s %s %10.3f  %s\n", key, row, val, it->confidence, why);
	return 0;
}

/* Accepts and corrects as the Unix user; stops at the first failure. */
static int review_decide(struct sg_workspace *ws, struct sg_labels *l, const struct review_args *a,
			 int quiet, struct sg_error *err)
{
	for (int i = 0; i < a->naccept; i++) {
		if (sg_labelauto_accept(ws->store, l, a->accept[i], err) != 0)
			return -1;
		if (!quiet)
			printf("accepted %s\n", a->accept[i]);
	}
	for (int i = 0; i < a->ncorrect; i++) {
		char *key = sg_xstrdup(a->correct[i]), *eq = strchr(key, '=');
		*eq = 0;
		int rc = sg_labelauto_correct(ws->store, l, key, eq + 1, err);
		if (rc == 0 && !quiet)
			printf("corrected %s to %s\n", key, eq + 1);
		free(key);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int review_run(struct sg_workspace *ws, struct review_args *a, struct sg_error *err)
{
	struct sg_labels *l = labels_open_arg(ws, a->dataset, a->json, NULL, err);
	if (!l)
		return cli_fail(err);
	const struct sg_scheme *sc = sg_labels_scheme(l);
	double below = a->below >= 0 ? a->below : sc->review_below;
	double audit = a->audit >= 0 ? a->audit : sc->audit_percent;
	size_t lo = 0, au = 0;
	int rc = 0;
	if (a->rules)
		rc = sg_labelauto_review_apply(ws->store, sg_labels_dataset_id(l), below, audit, a->seed,
					       &lo, &au, err);
	if (rc == 0)
		rc = review_decide(ws, l, a, a->json, err);
	struct listing x = { .sc = sc, .limit = a->limit, .below = below,
			     .arr = a->json ? json_array() : NULL };
	if (rc == 0 && !a->json) {
		if (a->rules)
			printf("sent to review: %zu below confidence %g, %zu audit (%g%%)\n", lo, below,
			       au, audit);
		printf("%-24s %8s %-20s %10s  %s\n", "ROW_KEY", "ROW", "LABEL", "CONFIDENCE", "WHY");
	}
	if (rc == 0)
		rc = sg_labelauto_review_list(ws->store, l, list_one, &x, err);
	sg_labels_free(l);
	if (rc != 0) {
		json_decref(x.arr);
		return cli_fail(err);
	}
	if (a->json) {
		json_t *o = json_object();
		if (a->rules) {
			json_object_set_new(o, "sent_low_confidence", json_integer((json_int_t)lo));
			json_object_set_new(o, "sent_audit", json_integer((json_int_t)au));
		}
		json_object_set_new(o, "accepted", json_integer(a->naccept));
		json_object_set_new(o, "corrected", json_integer(a->ncorrect));
		json_object_set_new(o, "pending", json_integer(x.total));
		json_object_set_new(o, "items", x.arr);
		cli_print_json(o);
	} else if (x.total > x.shown) {
		printf("... %ld more pending (--limit N)\n", x.total - x.shown);
	} else if (x.total == 0) {
		printf("nothing pending review\n");
	}
	return EXIT_OK;
}

int labels_review(struct sg_workspace *ws, int argc, char **argv)
{
	struct review_args a;
	int st = parse_review(argc, argv, &a);
	struct sg_error err = { 0 };
	if (st == 0)
		st = review_run(ws, &a, &err);
	free(a.accept);
	free(a.correct);
	return st;
}
