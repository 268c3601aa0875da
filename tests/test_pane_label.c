/* test_pane_label.c — the Label view rendered into the memory surface:
 * the item wrapped with its keys bar, one key saving and advancing (and
 * the store holding it), a hint and nothing recorded for a stray key,
 * undo, skip and back, multi-label toggles, span selection, comments,
 * the filter, the agreement statistics view, the scheme editor, a file
 * changed on disk, an empty text, small and ASCII screens; and the text
 * model (UTF-8 wrapping, motions) on its own. */
#include "tests/testutil.h"
#include <jansson.h>
#include <math.h>
#include "core/dataset.h"
#include "core/labels.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/label.h"
#include "tui/sheet.h"
#include "tui/surface.h"
#include "tests/fuzz/fuzz_labeltext.h"

static char *dir;
static struct sg_workspace *ws;

struct fx {
	struct surface_backend *be;
	struct app *app;
};

#include "tests/tuitest.h"

#define LONG_WORDS 60

/* Writes file with rows "id,text,author" (n rows; row i's text is
 * "item i ..." and, for row 0, long) and registers it with a scheme of
 * type with labels names (keys assigned by the scheme). */
static long long make_dataset(const char *name, enum sg_scheme_type type, int n,
			      const char *const *labels, int nlabels)
{
	struct sg_error err = { 0 };
	struct sg_dataset_info info;
	struct sg_scheme sc;
	char file[64], *text = malloc(1 << 16);
	size_t len = 0;

	len += (size_t)snprintf(text, 1 << 16, "id,text,author\n");
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(text + len, (1 << 16) - len, "r%d,\"item %d", i, i);
		if (i == 0)
			for (int w = 0; w < LONG_WORDS; w++)
				len += (size_t)snprintf(text + len, (1 << 16) - len, " word%02d", w);
		len += (size_t)snprintf(text + len, (1 << 16) - len, "\",auth%d\n", i % 3);
	}
	snprintf(file, sizeof file, "%s.csv", name);
	free(tu_write(dir, file, text));
	free(text);
	assert_int_equal(sg_dataset_register(ws->store, ws->root, file, name, 1, 0, NULL, &info,
					     &err), 0);
	sg_scheme_init(&sc);
	sc.type = type;
	snprintf(sc.text_column, sizeof sc.text_column, "text");
	snprintf(sc.id_column, sizeof sc.id_column, "id");
	sc.labels = calloc((size_t)nlabels, sizeof *sc.labels);
	for (int i = 0; i < nlabels; i++) {
		snprintf(sc.labels[i].name, sizeof sc.labels[i].name, "%s", labels[i]);
		sc.labels[i].key = '1' + i;
	}
	sc.nlabels = (size_t)nlabels;
	assert_int_equal(sg_labels_set_scheme(ws->store, info.id, &sc, "tester", &err), 0);
	sg_scheme_done(&sc);
	return info.id;
}

static const char *const sentiment[] = { "positive", "negative", "neutral" };

/* The app opened on dataset name's Label view, w×h, settled. */
static struct fx *open_label(const char *name, int w, int h, int unicode)
{
	struct tui_options opt = { .label = name };
	struct fx *f = tt_fx_new(ws, w, h, unicode, &opt);

	settle(f);
	return f;
}

/* sg_labels_item_annotations callback: appends "user=value;" to a buffer. */
static int cat_ann(const struct sg_annotation *a, void *ud)
{
	char *buf = ud;
	size_t n = strlen(buf);

	snprintf(buf + n, 1024 - n, "%s=%s%s%s;", a->user, a->value,
		 a->comment && *a->comment ? "#" : "", a->comment ? a->comment : "");
	return 0;
}

/* The live annotations of row key, as "user=value;..." (static buffer). */
static const char *anns(long long id, const char *key)
{
	static char buf[1024];
	struct sg_error err = { 0 };

	buf[0] = '\0';
	assert_int_equal(sg_labels_item_annotations(ws->store, id, key, 0, cat_ann, buf, &err), 0);
	return buf;
}

static int group_setup(void **state)
{
	dir = tu_tempdir();
	tt_env(dir);
	ws = tt_workspace(dir);
	*state = NULL;
	return 0;
}

static int group_teardown(void **state)
{
	sg_workspace_free(ws);
	tu_rmtree(dir);
	free(dir);
	return 0;
}

/* ---- the view ------------------------------------------------------------------ */

static void item_wrapped_with_keys(void **state)
{
	(void)state;
	make_dataset("wrap", SG_SCHEME_SINGLE, 5, sentiment, 3);
	struct fx *f = open_label("wrap", 80, 24, 1);

	assert_true(has(f, "Row 1 of 5"));
	assert_true(has(f, "item 0 word00"));
	/* the long text is wrapped over several rows, no word cut */
	int first = row_of(f, "word00"), last = row_of(f, "word59");
	assert_true(last > first + 2);
	assert_true(has(f, "word30"));
	/* the other fields compact, the keys at the bottom */
	assert_true(has(f, "id=r0"));
	assert_true(has(f, "author=auth0"));
	assert_true(row_of(f, "1 positive") > last);
	assert_true(has(f, "2 negative"));
	assert_true(has(f, "3 neutral"));
	assert_int_equal(role_at(f, "1 positive"), SG_ROLE_KEY);
	assert_true(has(f, sg_username()));
	tt_fx_free(f);
}

/* L on the dataset list opens the selected dataset's Label view (the only
 * dataset so far: this test runs second); Esc goes back to its table. */
static void opened_from_the_data_list(void **state)
{
	(void)state;
	struct fx *f = tt_fx_new(ws, 80, 24, 1, NULL);

	settle(f);
	assert_true(has(f, "wrap"));
	type(f, "L");
	assert_true(has(f, "Row 1 of 5"));
	assert_true(has(f, "1 positive"));
	key(f, SG_KEY_ESC);
	assert_false(has(f, "1 positive"));
	assert_true(has(f, "text"));           /* the table's header */
	tt_fx_free(f);
}

static void help_lists_the_view_keys(void **state)
{
	(void)state;
	make_dataset("help", SG_SCHEME_SINGLE, 3, sentiment, 3);
	struct fx *f = open_label("help", 80, 24, 1);

	type(f, "?");
	for (int i = 0; i < 20 && !has(f, "label-undo"); i++)
		key(f, SG_KEY_PGDN);
	/* the keys of the label context, where the view is */
	assert_non_null(strstr(row(f, row_of(f, "label-undo")), "u "));
	assert_non_null(strstr(row(f, row_of(f, "next-disagreed")), "d "));
	assert_non_null(strstr(row(f, row_of(f, "label-comment")), "c "));
	type(f, "?");
	assert_true(has(f, "1 positive"));
	tt_fx_free(f);
}

static void key_saves_and_advances(void **state)
{
	(void)state;
	long long id = make_dataset("one", SG_SCHEME_SINGLE, 5, sentiment, 3);
	struct fx *f = open_label("one", 80, 24, 1);

	type(f, "2");
	assert_true(has(f, "Saved row 1: negative"));
	assert_true(has(f, "Row 2 of 5"));
	assert_true(has(f, "labeled by me 1"));
	char want[128];
	snprintf(want, sizeof want, "%s=negative;", sg_username());
	assert_string_equal(anns(id, "r0"), want);
	type(f, "1");
	assert_true(has(f, "Saved row 2: positive"));
	assert_true(has(f, "labeled by me 2"));
	tt_fx_free(f);
}

static void stray_key_hints_and_records_nothing(void **state)
{
	(void)state;
	long long id = make_dataset("stray", SG_SCHEME_SINGLE, 3, sentiment, 3);
	struct fx *f = open_label("stray", 80, 24, 1);

	type(f, "9");
	assert_true(has(f, "9 is not a label key"));
	assert_true(has(f, "9 is not a label key, nothing recorded"));
	assert_true(has(f, "Row 1 of 3"));
	type(f, "Z");
	assert_true(has(f, "Z is not a label key"));
	assert_string_equal(anns(id, "r0"), "");
	/* a digit never switches panes in the view */
	type(f, "4");
	assert_true(has(f, "Row 1 of 3"));
	tt_fx_free(f);
}

static void undo_skip_back(void **state)
{
	(void)state;
	long long id = make_dataset("undo", SG_SCHEME_SINGLE, 6, sentiment, 3);
	struct fx *f = open_label("undo", 80, 24, 1);

	type(f, "1");
	assert_true(has(f, "Row 2 of 6"));
	type(f, "u");
	assert_true(has(f, "Undone: row 1"));
	assert_true(has(f, "Row 1 of 6"));
	assert_string_equal(anns(id, "r0"), "");
	assert_true(has(f, "labeled by me 0"));
	type(f, "3");
	assert_true(has(f, "Saved row 1: neutral"));
	type(f, "s");
	assert_true(has(f, "Skipped row 2"));
	assert_true(has(f, "Row 3 of 6"));
	assert_string_equal(anns(id, "r1"), "");
	type(f, "b");
	assert_true(has(f, "Back to row 2"));
	type(f, "b");
	assert_true(has(f, "Back to row 1"));
	assert_true(has(f, "yours: neutral"));
	type(f, "b");
	assert_true(has(f, "No earlier item"));
	tt_fx_free(f);
}

static void multi_toggles_then_enter(void **state)
{
	(void)state;
	static const char *const topics[] = { "news", "sports", "tech" };
	long long id = make_dataset("multi", SG_SCHEME_MULTI, 4, topics, 3);
	struct fx *f = open_label("multi", 80, 24, 1);

	type(f, "13");
	assert_true(has(f, "Enter saves"));
	assert_string_equal(anns(id, "r0"), "");
	assert_int_equal(role_at(f, "news"), SG_ROLE_SELECTED);
	assert_int_equal(role_at(f, "tech"), SG_ROLE_SELECTED);
	/* a draft survives one Esc, and quitting asks first */
	key(f, SG_KEY_ESC);
	assert_true(has(f, "Not saved yet"));
	assert_true(has(f, "Row 1 of 4"));
	type(f, "q");
	assert_true(has(f, "unsaved labels of row 1"));
	type(f, "n");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Saved row 1: news, tech"));
	assert_true(has(f, "Row 2 of 4"));
	char want[128];
	snprintf(want, sizeof want, "%s=[\"news\",\"tech\"];", sg_username());
	assert_string_equal(anns(id, "r0"), want);
	tt_fx_free(f);
}

static void span_selection(void **state)
{
	(void)state;
	static const char *const ents[] = { "PER", "LOC" };
	long long id = make_dataset("span", SG_SCHEME_SPAN, 3, ents, 2);
	struct fx *f = open_label("span", 80, 24, 1);
	int y, x;

	/* no selection: a hint, nothing recorded */
	type(f, "1");
	assert_true(has(f, "Select a span first"));
	/* v at "item", w to "0": the selection covers "item 0" */
	type(f, "vw");
	assert_int_equal(surface_mem_find(f->be, "item 0 word00", &y, &x), 0);
	assert_int_equal(surface_mem_cell(f->be, y, x)->role, SG_ROLE_SELECTED);
	assert_int_equal(surface_mem_cell(f->be, y, x + 4)->role, SG_ROLE_SELECTED);
	assert_int_equal(surface_mem_cell(f->be, y, x + 5)->role, SG_ROLE_CURSOR);
	assert_int_equal(surface_mem_cell(f->be, y, x + 7)->role, SG_ROLE_NORMAL);
	type(f, "2");
	assert_true(has(f, "Span 1"));
	assert_int_equal(surface_mem_cell(f->be, y, x)->role, SG_ROLE_KEY);
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Saved row 1: 1 span"));
	char want[160];
	snprintf(want, sizeof want, "%s=[{\"start\":0,\"end\":6,\"label\":\"LOC\"}];", sg_username());
	assert_string_equal(anns(id, "r0"), want);
	tt_fx_free(f);
}

/* A saved span that no longer fits its row's text (the row was edited
 * under the same id) is reported, not drawn, and never crashes. */
static void span_outside_text_reported(void **state)
{
	(void)state;
	static const char *const ents[] = { "PER", "LOC" };
	make_dataset("spanx", SG_SCHEME_SPAN, 2, ents, 2);
	struct fx *f = open_label("spanx", 80, 24, 1);

	type(f, "vwwww1");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Saved row 1: 1 span"));
	free(tu_write(dir, "spanx.csv", "id,text,author\nr0,\"it\",a\nr1,\"item 1\",a\n"));
	type(f, "R");
	type(f, "g");
	assert_true(has(f, "1 saved span is outside this text"));
	assert_true(has(f, "it"));
	type(f, "vx");             /* selecting and clearing on the short text */
	assert_true(has(f, "Selection dropped"));
	tt_fx_free(f);
}

static void comment_saved_with_label(void **state)
{
	(void)state;
	long long id = make_dataset("comm", SG_SCHEME_SINGLE, 3, sentiment, 3);
	struct fx *f = open_label("comm", 80, 24, 1);

	type(f, "c");
	type(f, "sarcastic?");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Comment kept"));
	type(f, "2");
	char want[128];
	snprintf(want, sizeof want, "%s=negative#sarcastic?;", sg_username());
	assert_string_equal(anns(id, "r0"), want);
	tt_fx_free(f);
}

static void filter_by_label(void **state)
{
	(void)state;
	make_dataset("filt", SG_SCHEME_SINGLE, 6, sentiment, 3);
	struct fx *f = open_label("filt", 80, 24, 1);

	type(f, "121");        /* rows 1 and 3 positive */
	type(f, "/");
	type(f, "label=positive");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "2 items match label=positive"));
	assert_true(has(f, "Row 1 of 6"));
	key(f, SG_KEY_PGDN);
	assert_true(has(f, "Row 3 of 6"));
	type(f, "/");
	type(f, " state=bogus");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Unknown state 'bogus'"));
	tt_fx_free(f);
}

/* Labels by other annotators, as an import would record them. */
static void insert_others(long long id, const char *user, const char *const *values, int n)
{
	struct sg_error err = { 0 };
	struct sg_scheme sc;
	struct sg_annotation a[8];
	char keys[8][8];

	assert_int_equal(sg_labels_get_scheme(ws->store, id, &sc, &err), 0);
	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof keys[i], "r%d", i);
		a[i] = (struct sg_annotation){ .dataset_id = id, .row_key = keys[i], .user = user,
					       .value = values[i], .source = SG_LABEL_IMPORTED,
					       .confidence = NAN, .seconds = 2 + i, .active = 1 };
	}
	assert_int_equal(sg_labels_insert(ws->store, id, &sc, a, (size_t)n, NULL, &err), 0);
	sg_scheme_done(&sc);
}

/* A machine label waiting for review on row key (confidence conf). */
static void insert_machine(long long id, const char *key, const char *value, double conf)
{
	struct sg_error err = { 0 };
	struct sg_scheme sc;
	struct sg_annotation a = { .dataset_id = id, .row_key = key, .user = "model",
				   .value = value, .source = SG_LABEL_MACHINE, .confidence = conf,
				   .active = 1, .review = SG_REVIEW_PENDING };

	assert_int_equal(sg_labels_get_scheme(ws->store, id, &sc, &err), 0);
	assert_int_equal(sg_labels_insert(ws->store, id, &sc, &a, 1, NULL, &err), 0);
	sg_scheme_done(&sc);
}

static void review_accepts_and_corrects(void **state)
{
	(void)state;
	long long id = make_dataset("rev", SG_SCHEME_SINGLE, 5, sentiment, 3);
	char want[128];

	insert_machine(id, "r1", "negative", 0.4);
	insert_machine(id, "r3", "neutral", 0.3);
	struct fx *f = open_label("rev", 80, 24, 1);
	type(f, "g");             /* from the top */
	type(f, "r");
	assert_true(has(f, "REVIEW"));
	assert_true(has(f, "Row 2 of 5"));
	assert_true(has(f, "machine: negative (0.40, to review)"));
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Accepted row 2: negative"));
	assert_true(has(f, "Row 4 of 5"));
	type(f, "1");
	assert_true(has(f, "Corrected row 4: positive"));
	/* the correction is the reviewer's own annotation; the machine's stays */
	snprintf(want, sizeof want, "model=neutral;%s=positive;", sg_username());
	assert_string_equal(anns(id, "r3"), want);
	type(f, "r");
	assert_true(has(f, "Review mode off"));
	tt_fx_free(f);
}

static void stats_view_numbers(void **state)
{
	(void)state;
	long long id = make_dataset("agree", SG_SCHEME_SINGLE, 4, sentiment, 3);
	static const char *const a[] = { "positive", "negative", "positive", "neutral" };
	static const char *const b[] = { "positive", "negative", "negative", "neutral" };

	insert_others(id, "alice", a, 4);
	insert_others(id, "bob", b, 4);
	struct fx *f = open_label("agree", 100, 30, 1);
	type(f, "%");
	assert_true(has(f, "Fleiss' kappa"));
	assert_true(has(f, "Krippendorff's alpha"));
	assert_true(has(f, "Percent agreement"));
	assert_true(has(f, "75.0%"));       /* 3 of 4 items agreed */
	assert_true(has(f, "alice"));
	assert_true(has(f, "bob"));
	assert_true(has(f, "Cohen's kappa"));
	/* Cohen's kappa for alice and bob: po 0.75, pe 0.3125 */
	assert_true(has(f, "0.636"));
	key(f, SG_KEY_ESC);
	assert_true(has(f, "Row 1 of 4"));
	tt_fx_free(f);
}


/* Pages the details down until text shows (at most 10 pages). */
static int scroll_to(struct fx *f, const char *text)
{
	for (int i = 0; i < 10 && !has(f, text); i++)
		key(f, SG_KEY_PGDN);
	return has(f, text);
}

/* The EM table's row for label and annotator, scrolled to: its
 * sensitivity and specificity. */
static int em_row(struct fx *f, const char *label, const char *who, double *sens, double *spec)
{
	char want[64];
	int y;
	unsigned answers;

	snprintf(want, sizeof want, "%-20s %-16s", label, who);
	if (!scroll_to(f, want) || surface_mem_find(f->be, want, &y, NULL) != 0)
		return 0;
	const char *r = strstr(row(f, y), want);
	return r && sscanf(r + strlen(want), "%u %lf %lf", &answers, sens, spec) == 3;
}

/* Multi-label at 80x24: the headline figures, then per label, scrolled to.
 *   alice: {news} {news,sports} {}       {tech}
 *   bob:   {news} {news}        {sports} {tech}
 * news and tech: identical yes/no answers → kappa 1.  sports: alice
 * 0 1 0 0, bob 0 0 1 0: p_o = 1/2, p_e = 1/16 + 9/16 = 5/8 → kappa
 * (1/2 - 5/8) / (3/8) = -1/3.  Alpha over whole answers (Jaccard):
 * distances within items 0, 1/2, 1, 0 → D_o numerator 2 * 1.5 = 3; set
 * counts {news} 3, {news,sports} 1, {} 1, {sports} 1, {tech} 2 give the
 * D_e numerator 2 * 22 = 44 (pairs of distinct sets, weighted by counts:
 * 1.5 + 3 + 3 + 6 + 1 + 0.5 + 2 + 1 + 2 + 2); alpha = 1 - 7 * 3 / 44
 * = 23/44 = 0.523. */
static void stats_view_multi_label(void **state)
{
	(void)state;
	static const char *const topics[] = { "news", "sports", "tech" };
	long long id = make_dataset("magree", SG_SCHEME_MULTI, 4, topics, 3);
	static const char *const a[] = { "[\"news\"]", "[\"news\",\"sports\"]", "[]",
					 "[\"tech\"]" };
	static const char *const b[] = { "[\"news\"]", "[\"news\"]", "[\"sports\"]",
					 "[\"tech\"]" };

	insert_others(id, "alice", a, 4);
	insert_others(id, "bob", b, 4);
	struct fx *f = open_label("magree", 80, 24, 1);
	type(f, "%");
	assert_true(has(f, "Fleiss' kappa"));
	assert_true(scroll_to(f, "Alpha, whole answers"));
	assert_true(has(f, "0.523"));
	assert_true(scroll_to(f, "Cohen's kappa per label and pair"));
	assert_true(scroll_to(f, "-0.333"));
	assert_true(scroll_to(f, "Dawid-Skene EM per label"));
	assert_true(scroll_to(f, "SPECIFICITY"));
	/* EM per label: on news and tech the two agree on every item, so both
	 * look reliable; on sports their only "yes" answers fall on different
	 * items, so neither can be reliable at saying yes. */
	double sens, spec;
	assert_true(em_row(f, "news", "alice", &sens, &spec));
	assert_true(sens > 0.9 && spec > 0.9);
	assert_true(em_row(f, "tech", "bob", &sens, &spec));
	assert_true(sens > 0.9 && spec > 0.9);
	assert_true(em_row(f, "sports", "alice", &sens, &spec));
	assert_true(sens < 0.5);
	assert_true(em_row(f, "sports", "bob", &sens, &spec));
	assert_true(sens < 0.5);
	key(f, SG_KEY_ESC);
	assert_true(has(f, "Row 1 of 4"));
	tt_fx_free(f);
}

/* Span at 80x24, ASCII: alice and bob mark PER [0,4) on r1 alike, LOC on r2
 * as [0,4) and [0,6): exact 1 of 2 + 2 spans → F1 0.5; every span touches
 * one of the other's with its label → overlap F1 1. */
static void stats_view_spans(void **state)
{
	(void)state;
	static const char *const ents[] = { "PER", "LOC" };
	long long id = make_dataset("sagree", SG_SCHEME_SPAN, 3, ents, 2);
	static const char *const a[] = { "[]", "[{\"start\":0,\"end\":4,\"label\":\"PER\"}]",
					 "[{\"start\":0,\"end\":4,\"label\":\"LOC\"}]" };
	static const char *const b[] = { "[]", "[{\"start\":0,\"end\":4,\"label\":\"PER\"}]",
					 "[{\"start\":0,\"end\":6,\"label\":\"LOC\"}]" };

	insert_others(id, "alice", a, 3);
	insert_others(id, "bob", b, 3);
	struct fx *f = open_label("sagree", 80, 24, 0);
	type(f, "%");
	assert_true(scroll_to(f, "Mean pair F1"));
	assert_true(has(f, "exact 0.500, overlap 1.000"));
	assert_true(scroll_to(f, "Span F1, every pair"));
	assert_true(scroll_to(f, "F1 OVERLAP"));
	tt_fx_free(f);
}

static void scheme_editor_adds_label(void **state)
{
	(void)state;
	make_dataset("edit", SG_SCHEME_SINGLE, 3, sentiment, 2);
	struct fx *f = open_label("edit", 80, 24, 1);

	assert_false(has(f, "3 mixed"));
	type(f, "=");
	assert_true(has(f, "Type single"));
	type(f, "a");
	type(f, "mixed");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "Label added"));
	type(f, "a");
	type(f, "bad u");
	key(f, SG_KEY_ENTER);
	assert_true(has(f, "cannot be a label key"));
	key(f, SG_KEY_ESC);
	settle(f);
	assert_true(has(f, "3 mixed"));
	tt_fx_free(f);
}

static void changed_file_keeps_labels(void **state)
{
	(void)state;
	long long id = make_dataset("chg", SG_SCHEME_SINGLE, 4, sentiment, 3);
	struct fx *f = open_label("chg", 80, 24, 1);

	type(f, "12");            /* r0 positive, r1 negative */
	/* the file is rewritten: r0 gone, r1 moved to the end */
	free(tu_write(dir, "chg.csv", "id,text,author\nr2,\"item 2\",a\nr3,\"item 3\",a\n"
			       "r1,\"item 1\",a\n"));
	/* the shown item (read before) is labeled; the next read notices the
	 * change and keys the rows again */
	type(f, "3");
	assert_true(has(f, "no longer in the file"));
	assert_true(has(f, "kept as orphans"));
	char want[128];
	snprintf(want, sizeof want, "%s=positive;", sg_username());
	assert_string_equal(anns(id, "r0"), want);
	snprintf(want, sizeof want, "%s=neutral;", sg_username());
	assert_string_equal(anns(id, "r2"), want);
	type(f, "G");
	assert_true(has(f, "item 1"));
	assert_true(has(f, "yours: negative"));
	tt_fx_free(f);
}

static void empty_text_and_small_screens(void **state)
{
	(void)state;
	struct sg_error err = { 0 };
	struct sg_dataset_info info;
	struct sg_scheme sc;

	free(tu_write(dir, "empty.csv", "id,text\na,\nb,\"x\"\n"));
	assert_int_equal(sg_dataset_register(ws->store, ws->root, "empty.csv", "empty", 1, 0, NULL,
					     &info, &err), 0);
	const char *json = "{\"type\":\"span\",\"text_column\":\"text\",\"id_column\":\"id\","
			   "\"labels\":[{\"name\":\"X\"}]}";
	assert_int_equal(sg_scheme_parse(&sc, "s.json", json, strlen(json), &err), 0);
	assert_int_equal(sg_labels_set_scheme(ws->store, info.id, &sc, "t", &err), 0);
	sg_scheme_done(&sc);
	struct fx *f = open_label("empty", 80, 24, 0);
	assert_true(has(f, "(empty text)"));
	type(f, "v1");
	assert_true(has(f, "text is empty"));
	/* resized small, then tiny: drawn, never a crash */
	surface_mem_resize(f->be, 50, 14);
	app_resize(f->app, 50, 14);
	draw(f);
	assert_true(has(f, "1 X"));
	surface_mem_resize(f->be, 40, 10);
	app_resize(f->app, 40, 10);
	draw(f);
	surface_mem_resize(f->be, 80, 24);
	app_resize(f->app, 80, 24);
	draw(f);
	assert_true(has(f, "Row 1 of 2"));
	tt_fx_free(f);
}

static void no_scheme_offers_editor(void **state)
{
	(void)state;
	struct sg_error err = { 0 };
	struct sg_dataset_info info;

	free(tu_write(dir, "bare.csv", "id,review\n1,good\n2,bad\n"));
	assert_int_equal(sg_dataset_register(ws->store, ws->root, "bare.csv", "bare", 1, 0, NULL,
					     &info, &err), 0);
	struct fx *f = open_label("bare", 80, 24, 1);
	assert_true(has(f, "has no label scheme yet"));
	type(f, "=");
	assert_true(has(f, "text column review"));   /* guessed */
	type(f, "a");
	type(f, "good");
	key(f, SG_KEY_ENTER);
	key(f, SG_KEY_ESC);
	settle(f);
	assert_true(has(f, "1 good"));
	type(f, "1");
	assert_true(has(f, "Saved row 1: good"));
	tt_fx_free(f);
}

/* ---- the text model ------------------------------------------------------------- */

static void wraps_utf8_by_columns(void **state)
{
	(void)state;
	/* wide characters take two columns; a combining mark none */
	const char *t = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe3\x81\xae "
			"cafe\xcc\x81 text that wraps \xe6\x97\xa5\xe6\x9c\xac\n\nend";
	struct lbl_text x = { 0 };

	lbl_text_set(&x, t, strlen(t));
	lbl_text_layout(&x, 10, 1);
	assert_true(x.nlines >= 5);
	for (size_t i = 0; i < x.nlines; i++) {
		int w = 0;
		for (size_t o = x.line[i].start; o < x.line[i].end;) {
			long cp;
			w += lbl_char_width(t + o, strlen(t) - o, 1);
			o += utf8_decode(t + o, strlen(t) - o, &cp);
		}
		assert_true(w <= 10);
		/* lines start on character boundaries */
		assert_true(((unsigned char)t[x.line[i].start] & 0xc0) != 0x80);
	}
	/* the blank line of "\n\n" is kept */
	int blank = 0;
	for (size_t i = 0; i < x.nlines; i++)
		blank |= x.line[i].start == x.line[i].end;
	assert_true(blank);
	/* character motions step whole characters */
	lbl_text_char_next(&x);
	assert_int_equal(x.cursor, 3);
	lbl_text_word_next(&x);
	assert_int_equal(x.cursor, 10);
	lbl_text_word_prev(&x);
	assert_int_equal(x.cursor, 0);
	lbl_text_word_end(&x);
	assert_int_equal(x.cursor, 6);
	lbl_text_toggle_select(&x);
	size_t a, b;
	lbl_text_char_prev(&x);
	assert_true(lbl_text_selection(&x, &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 9);
	assert_int_equal(lbl_text_chars(t, strlen(t), b), 3);
	assert_int_equal(lbl_text_bytes(t, strlen(t), 3), 9);
	/* invalid bytes and an empty text never trap the cursor */
	lbl_text_set(&x, "\xff\xfe a", 4);
	lbl_text_layout(&x, 1, 1);
	lbl_text_word_next(&x);
	lbl_text_word_end(&x);
	lbl_text_line_down(&x);
	assert_true(x.cursor < 4);
	lbl_text_set(&x, "", 0);
	lbl_text_layout(&x, 5, 1);
	lbl_text_word_next(&x);
	lbl_text_char_prev(&x);
	assert_int_equal(x.cursor, 0);
	assert_false(lbl_text_selection(&x, &a, &b));
	lbl_text_done(&x);
}

/* The fuzz harness's nasty cases, replayed: none breaks an invariant. */
static void corpus_replays(void **state)
{
	(void)state;
	assert_true(tu_replay_corpus("labeltext", sg_fuzz_labeltext) >= 10);
}

static void filter_line_parses(void **state)
{
	(void)state;
	struct lbl_filter f = { .state = -1 };
	char err[256];

	assert_int_equal(lbl_filter_parse("label=spam  user=bob state=disagreed", &f, err,
					  sizeof err), 0);
	assert_string_equal(f.label, "spam");
	assert_string_equal(f.user, "bob");
	assert_int_equal(f.state, LBL_STATE_DISAGREED);
	assert_int_equal(lbl_filter_parse("none", &f, err, sizeof err), 0);
	assert_string_equal(f.label, "");
	assert_int_equal(f.state, LBL_STATE_ANY);
	f.state = 3;
	assert_int_equal(lbl_filter_parse("state=sideways", &f, err, sizeof err), -1);
	assert_non_null(strstr(err, "Unknown state 'sideways'"));
	assert_int_equal(f.state, 3);      /* untouched */
	assert_int_equal(lbl_filter_parse("spam", &f, err, sizeof err), -1);
	assert_non_null(strstr(err, "Filter words are"));
	assert_int_equal(lbl_filter_parse("colour=red", &f, err, sizeof err), -1);
	assert_non_null(strstr(err, "Unknown filter 'colour'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(item_wrapped_with_keys),
		cmocka_unit_test(opened_from_the_data_list),
		cmocka_unit_test(help_lists_the_view_keys),
		cmocka_unit_test(key_saves_and_advances),
		cmocka_unit_test(stray_key_hints_and_records_nothing),
		cmocka_unit_test(undo_skip_back),
		cmocka_unit_test(multi_toggles_then_enter),
		cmocka_unit_test(span_selection),
		cmocka_unit_test(span_outside_text_reported),
		cmocka_unit_test(comment_saved_with_label),
		cmocka_unit_test(filter_by_label),
		cmocka_unit_test(review_accepts_and_corrects),
		cmocka_unit_test(stats_view_numbers),
		cmocka_unit_test(stats_view_multi_label),
		cmocka_unit_test(stats_view_spans),
		cmocka_unit_test(scheme_editor_adds_label),
		cmocka_unit_test(changed_file_keeps_labels),
		cmocka_unit_test(empty_text_and_small_screens),
		cmocka_unit_test(no_scheme_offers_editor),
		cmocka_unit_test(wraps_utf8_by_columns),
		cmocka_unit_test(filter_line_parses),
		cmocka_unit_test(corpus_replays),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
