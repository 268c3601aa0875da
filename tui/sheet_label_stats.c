/* sheet_label_stats.c — the Label view's agreement statistics: per
 * annotator counts, speed and agreement with the consensus, Cohen's kappa
 * for every pair of annotators, Fleiss' kappa and Krippendorff's alpha.
 *
 * The human annotations are read and the statistics computed (agree.h) in
 * a task, so a large dataset shows a progress line, not a frozen screen.
 * Each distinct answer is one category in the headline figures: for
 * multi-label and span schemes two annotators agree there when their whole
 * answers are equal.  Below them, multi-label schemes add each label's
 * yes/no agreement (Fleiss, alpha, Cohen per pair) and alpha over whole
 * answers with the Jaccard distance; span schemes add span F1 per pair
 * (exact and overlap) and per-label counts.  The details scroll. */
#include "sgconfig.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/agree.h"
#include "core/labels.h"
#include "core/util.h"
#include "tui/label.h"

#define STATS_TICK_MS 100

/* The task's work and results. */
struct sjob {
	struct sg_store *store;
	long long dataset_id;
	struct sg_label_table tab;
	struct sg_agree_stats *st;
	struct sg_scheme sc;
	struct sg_agree_stats **pl;   /* multi: per label */
	double set_alpha;             /* multi: whole answers, Jaccard */
	struct sg_span_stats *spans;  /* span */
};

struct qsheet {
	struct sheet base;
	struct sg_dataset_info ds;
	enum sg_scheme_type type;
	struct task *task;
	struct sjob job;
	char error[512];
	struct detail det;
};

static struct qsheet *qs(struct sheet *sh)
{
	return (struct qsheet *)sh;
}

/* task_fn: loads the human annotations and computes the statistics. */
static int stats_task(void *arg, const atomic_int *cancel, struct sg_stats_progress *progress,
		      struct sg_error *err)
{
	struct sjob *j = arg;
	struct sg_agree_input in = { 0 };
	uint32_t *item, *user, *label;
	double *secs;
	size_t n;
	int rc;

	(void)cancel;
	if (sg_labels_load(j->store, j->dataset_id, 1u << SG_LABEL_HUMAN | 1u << SG_LABEL_IMPORTED,
			   &j->tab, err) < 0)
		return -1;
	n = j->tab.nrec;
	atomic_store(&progress->rows_total, n);
	item = sg_xmalloc((n + 1) * sizeof *item);
	user = sg_xmalloc((n + 1) * sizeof *user);
	label = sg_xmalloc((n + 1) * sizeof *label);
	secs = sg_xmalloc((n + 1) * sizeof *secs);
	for (size_t i = 0; i < n; i++) {
		item[i] = j->tab.rec[i].item;
		user[i] = j->tab.rec[i].user;
		label[i] = j->tab.rec[i].value;
		secs[i] = j->tab.rec[i].seconds;
	}
	in = (struct sg_agree_input){ .n = n, .item = item, .annotator = user, .label = label,
				      .seconds = secs, .n_items = (uint32_t)j->tab.nitems,
				      .n_annotators = (uint32_t)j->tab.nusers,
				      .n_labels = (uint32_t)j->tab.nvalues };
	rc = sg_agree_compute(&in, NULL, &j->st, err);
	j->set_alpha = NAN;
	if (rc == 0 && j->sc.type == SG_SCHEME_MULTI) {
		struct sg_labels_agree_owned o;
		if (sg_labels_multi_input(&j->tab, &j->sc, &o) == 0) {
			rc = sg_agree_compute_multi(&o.in, NULL, &j->pl, err);
			if (rc == 0)
				rc = sg_agree_set_alpha(&o.in, &j->set_alpha, err);
		}
		sg_labels_agree_owned_done(&o);
	} else if (rc == 0 && j->sc.type == SG_SCHEME_SPAN) {
		rc = sg_labels_span_stats(&j->tab, &j->sc, &j->spans, err);
	}
	atomic_store(&progress->rows_done, n);
	free(item);
	free(user);
	free(label);
	free(secs);
	return rc;
}

/* "0.734", or "-" for an undefined statistic. */
static const char *stat(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.3f", v);
	return buf;
}

/* "87.5%", or "-". */
static const char *pct(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.1f%%", 100 * v);
	return buf;
}

/* The pairwise kappa table: a row per annotator, a column per annotator
 * (names cut to 8 columns). */
static void pairs_table(struct qsheet *q)
{
	const struct sg_agree_stats *st = q->job.st;
	const struct sg_label_table *t = &q->job.tab;
	char line[2048], cell[32];
	size_t o;
	uint32_t na = st->n_annotators > 12 ? 12 : st->n_annotators;

	detail_section(&q->det, "Cohen's kappa, every pair (items both labeled)");
	o = (size_t)snprintf(line, sizeof line, "%-10s", "");
	for (uint32_t b = 0; b < na && o < sizeof line; b++)
		o += (size_t)snprintf(line + o, sizeof line - o, " %8.8s", t->users[b]);
	detail_text(&q->det, SG_ROLE_HEADER, "%s", line);
	for (uint32_t a = 0; a < na; a++) {
		o = (size_t)snprintf(line, sizeof line, "%-10.10s", t->users[a]);
		for (uint32_t b = 0; b < na && o < sizeof line; b++) {
			snprintf(cell, sizeof cell, "%s", a == b ? "\u00b7" : "-");
			for (size_t i = 0; i < st->n_pairs; i++) {
				const struct sg_agree_pair *p = &st->pairs[i];
				if ((p->a == a && p->b == b) || (p->a == b && p->b == a))
					stat(p->kappa, cell, sizeof cell);
			}
			o += (size_t)snprintf(line + o, sizeof line - o, " %8s", cell);
		}
		detail_text(&q->det, SG_ROLE_NORMAL, "%s", line);
	}
	if (st->n_annotators > na)
		detail_text(&q->det, SG_ROLE_DIM, "(%u more annotators: sagetty labels stats --json)",
			    st->n_annotators - na);
}

/* Multi-label: each annotator's Dawid-Skene reliability on each label's
 * yes/no question (what `labels consolidate --method em` weighs votes by). */
static void em_table(struct qsheet *q)
{
	const struct sg_scheme *sc = &q->job.sc;
	const struct sg_label_table *t = &q->job.tab;
	char a[32], b[32];

	detail_section(&q->det, "Dawid-Skene EM per label: each annotator's reliability");
	detail_text(&q->det, SG_ROLE_HEADER, "%-20s %-16s %7s %11s %11s", "LABEL", "ANNOTATOR",
		    "ANSWERS", "SENSITIVITY", "SPECIFICITY");
	for (size_t l = 0; l < sc->nlabels; l++) {
		const struct sg_agree_stats *p = q->job.pl[l];
		if (p->n_labels != 2)
			continue;
		for (uint32_t u = 0; u < p->n_annotators; u++)
			if (p->annotators[u].n_annotations)
				detail_text(&q->det, SG_ROLE_NORMAL, "%-20.20s %-16.16s %7u %11s %11s",
					    sc->labels[l].name, t->users[u],
					    p->annotators[u].n_annotations,
					    stat(sg_agree_confusion(p, u, 1, 1), a, sizeof a),
					    stat(sg_agree_confusion(p, u, 0, 0), b, sizeof b));
	}
}

/* Multi-label: each label's yes/no agreement, then kappa per pair, then
 * the annotators' EM reliabilities. */
static void multi_tables(struct qsheet *q)
{
	const struct sg_scheme *sc = &q->job.sc;
	const struct sg_label_table *t = &q->job.tab;
	char a[32], b[32], c[32], d[32];

	detail_section(&q->det, "Per label (each a yes/no question)");
	detail_kv(&q->det, "Alpha, whole answers", "%s  (Jaccard distance between label sets)",
		  stat(q->job.set_alpha, a, sizeof a));
	detail_text(&q->det, SG_ROLE_HEADER, "%-20s %8s %8s %8s %8s", "LABEL", "AGREE", "FLEISS",
		    "ALPHA", "MEAN \u03ba");
	for (size_t l = 0; l < sc->nlabels; l++) {
		const struct sg_agree_stats *p = q->job.pl[l];
		detail_text(&q->det, SG_ROLE_NORMAL, "%-20.20s %8s %8s %8s %8s", sc->labels[l].name,
			    pct(p->percent_agreement, a, sizeof a), stat(p->fleiss_kappa, b, sizeof b),
			    stat(p->krippendorff_alpha, c, sizeof c),
			    stat(p->mean_pair_kappa, d, sizeof d));
	}
	detail_section(&q->det, "Cohen's kappa per label and pair");
	detail_text(&q->det, SG_ROLE_HEADER, "%-20s %-12s %-12s %6s %8s", "LABEL", "A", "B", "ITEMS",
		    "KAPPA");
	for (size_t l = 0; l < sc->nlabels; l++)
		for (size_t i = 0; i < q->job.pl[l]->n_pairs; i++) {
			const struct sg_agree_pair *p = &q->job.pl[l]->pairs[i];
			detail_text(&q->det, SG_ROLE_NORMAL, "%-20.20s %-12.12s %-12.12s %6u %8s",
				    sc->labels[l].name, t->users[p->a], t->users[p->b], p->n,
				    stat(p->kappa, a, sizeof a));
		}
	em_table(q);
}

/* Span: pairwise F1 and per-label counts. */
static void span_tables(struct qsheet *q)
{
	const struct sg_span_stats *s = q->job.spans;
	const struct sg_scheme *sc = &q->job.sc;
	const struct sg_label_table *t = &q->job.tab;
	char a[32], b[32];

	detail_section(&q->det, "Spans");
	detail_kv(&q->det, "Spans marked", "%zu on %u items (%u by two or more)", s->n_spans,
		  s->n_answered, s->n_multi);
	detail_kv(&q->det, "Mean pair F1", "exact %s, overlap %s",
		  stat(s->mean_f1_exact, a, sizeof a), stat(s->mean_f1_overlap, b, sizeof b));
	detail_text(&q->det, SG_ROLE_HEADER, "%-20s %7s %7s %9s", "LABEL", "SPANS", "ITEMS",
		    "F1 EXACT");
	for (uint32_t l = 0; l < s->n_labels; l++)
		detail_text(&q->det, SG_ROLE_NORMAL, "%-20.20s %7zu %7u %9s", sc->labels[l].name,
			    s->labels[l].spans, s->labels[l].items,
			    stat(s->labels[l].f1_exact, a, sizeof a));
	detail_section(&q->det, "Span F1, every pair (exact match; overlap: same label)");
	detail_text(&q->det, SG_ROLE_HEADER, "%-12s %-12s %6s %7s %7s %9s %9s", "A", "B", "ITEMS",
		    "SPANS A", "SPANS B", "F1 EXACT", "F1 OVERLAP");
	for (size_t i = 0; i < s->n_pairs; i++) {
		const struct sg_span_pair *p = &s->pairs[i];
		detail_text(&q->det, SG_ROLE_NORMAL, "%-12.12s %-12.12s %6u %7zu %7zu %9s %9s",
			    t->users[p->a], t->users[p->b], p->items, p->spans_a, p->spans_b,
			    stat(p->f1_exact, a, sizeof a), stat(p->f1_overlap, b, sizeof b));
	}
}

/* Fills the details from the computed statistics. */
static void fill(struct qsheet *q)
{
	const struct sg_agree_stats *st = q->job.st;
	const struct sg_label_table *t = &q->job.tab;
	char a[32], b[32], c[32], d[32];

	detail_reset(&q->det);
	detail_section(&q->det, "Agreement");
	detail_kv(&q->det, "Items labeled", "%u (%u by two or more annotators)", st->n_labeled,
		  st->n_multi);
	detail_kv(&q->det, "Annotations", "%zu by %u annotator%s", st->n_annotations,
		  st->n_annotators, st->n_annotators == 1 ? "" : "s");
	detail_kv(&q->det, "Percent agreement", "%s", pct(st->percent_agreement, a, sizeof a));
	detail_kv(&q->det, "Fleiss' kappa", "%s", stat(st->fleiss_kappa, a, sizeof a));
	detail_kv(&q->det, "Krippendorff's alpha", "%s", stat(st->krippendorff_alpha, a, sizeof a));
	detail_kv(&q->det, "Mean pair kappa", "%s", stat(st->mean_pair_kappa, a, sizeof a));
	detail_kv(&q->det, "To adjudicate", "%u ties, %u below the majority share", st->n_ties,
		  st->n_low);
	if (q->type != SG_SCHEME_SINGLE)
		detail_text(&q->det, SG_ROLE_DIM, "(%s scheme: above, two answers agree when equal "
			    "as a whole; by %s below)", sg_scheme_type_name(q->type),
			    q->type == SG_SCHEME_MULTI ? "label" : "span");
	detail_section(&q->det, "Annotators");
	detail_text(&q->det, SG_ROLE_HEADER, "%-16s %7s %8s %9s %8s %8s", "ANNOTATOR", "LABELS",
		    "MEDIAN s", "CONSENSUS", "EM ACC", "MEAN \u03ba");
	for (uint32_t i = 0; i < st->n_annotators; i++) {
		const struct sg_agree_annotator *an = &st->annotators[i];
		char secs[32];
		if (isnan(an->median_seconds))
			snprintf(secs, sizeof secs, "-");
		else
			snprintf(secs, sizeof secs, "%.1f", an->median_seconds);
		detail_text(&q->det, SG_ROLE_NORMAL, "%-16.16s %7u %8s %9s %8s %8s", t->users[i],
			    an->n_annotations, secs, pct(an->consensus, b, sizeof b),
			    pct(an->em_accuracy, c, sizeof c), stat(an->mean_kappa, d, sizeof d));
	}
	if (!st->n_annotators)
		detail_text(&q->det, SG_ROLE_DIM, "No human labels yet");
	else
		pairs_table(q);
	if (q->job.pl)
		multi_tables(q);
	if (q->job.spans)
		span_tables(q);
}

static void stats_draw(struct sheet *sh, struct surface *s)
{
	struct qsheet *q = qs(sh);
	uint64_t done = 0, total = 0;
	char text[96];

	if (*q->error) {
		surface_wrap(s, 1, 1, s->h - 2, s->w - 2, SG_ROLE_ERROR, q->error, 0);
		return;
	}
	if (q->task) {
		task_progress(q->task, &done, &total);
		sheet_count_text(done, total, "annotations", text, sizeof text);
		sheet_progress(s, 1, "Agreement", -1, text);
		return;
	}
	detail_draw(&q->det, s);
}

static enum pane_result stats_action(struct sheet *sh, enum sg_action a)
{
	struct qsheet *q = qs(sh);

	if (a == SG_ACTION_BACK)
		return PANE_UNHANDLED;
	if (q->task)
		return PANE_HANDLED;
	/* the details widget closes on BACK; here BACK pops the sheet */
	enum pane_result r = detail_action(&q->det, a);
	return r == PANE_UNHANDLED ? PANE_HANDLED : r;
}

static int stats_poll_fds(struct sheet *sh, int *fds, int max, int *timeout_ms)
{
	struct qsheet *q = qs(sh);

	if (!q->task || max < 1)
		return 0;
	fds[0] = task_fd(q->task);
	if (*timeout_ms < 0 || *timeout_ms > STATS_TICK_MS)
		*timeout_ms = STATS_TICK_MS;
	return 1;
}

static enum pane_result stats_on_fd(struct sheet *sh, int fd)
{
	struct qsheet *q = qs(sh);
	struct sg_error e = { 0 };

	if (!q->task || (fd != -1 && fd != task_fd(q->task)))
		return PANE_UNHANDLED;
	if (!task_ended(q->task))
		return PANE_REDRAW;
	if (task_finish(q->task, &e) < 0)
		snprintf(q->error, sizeof q->error, "%s", e.msg);
	else
		fill(q);
	q->task = NULL;
	return PANE_REDRAW;
}

static void stats_summary(struct sheet *sh, char *buf, size_t n)
{
	snprintf(buf, n, "%s  label agreement", qs(sh)->ds.name);
}

static void stats_free(struct sheet *sh)
{
	struct qsheet *q = qs(sh);

	if (q->task) {
		task_cancel(q->task);
		task_finish(q->task, NULL);
	}
	sg_agree_stats_free(q->job.st);
	if (q->job.pl)
		sg_agree_multi_free(q->job.pl, (uint32_t)q->job.sc.nlabels);
	sg_span_stats_free(q->job.spans);
	sg_scheme_done(&q->job.sc);
	sg_label_table_done(&q->job.tab);
	sg_store_close(q->job.store);
	detail_done(&q->det);
	free(q);
}

static const struct sheet_ops stats_ops = {
	.kind = "label-stats",
	.draw = stats_draw,
	.action = stats_action,
	.poll_fds = stats_poll_fds,
	.on_fd = stats_on_fd,
	.summary = stats_summary,
	.free = stats_free,
	.context = "label",
};

struct sheet *sheet_label_stats_new(struct pane *p, const char *path,
				    const struct sg_dataset_info *ds, const struct sg_scheme *sc)
{
	struct qsheet *q = sg_xcalloc(1, sizeof *q);
	struct sg_error e = { 0 };
	struct sg_store *s = sg_store_open(path, 0, &e);

	q->base.ops = &stats_ops;
	q->base.pane = p;
	q->ds = *ds;
	q->type = sc ? sc->type : SG_SCHEME_SINGLE;
	if (sc)
		sg_scheme_copy(&q->job.sc, sc);
	else
		sg_scheme_init(&q->job.sc);
	q->job.store = s;
	q->job.dataset_id = ds->id;
	q->det.open = 1;
	if (s)
		q->task = task_start(stats_task, &q->job, &e);
	if (!q->task)
		snprintf(q->error, sizeof q->error, "%s", e.msg);
	return &q->base;
}
