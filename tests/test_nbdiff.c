/* test_nbdiff.c — cell matching and classes, line diffs, 3-way merges. */
#include "tests/testutil.h"
#include "core/nbdiff.h"
#include "core/nbformat.h"
#include "core/util.h"

/* A notebook from "id:type:source" triples (type c, m or r). */
static struct sg_nb *make(const char *const *spec)
{
	struct sg_nb *nb = sg_nb_new();
	for (; *spec; spec++) {
		const char *s = *spec;
		const char *c1 = strchr(s, ':');
		enum sg_nb_cell_type t = c1[1] == 'm' ? SG_NB_MARKDOWN : c1[1] == 'r' ? SG_NB_RAW : SG_NB_CODE;
		struct sg_nb_cell *c = sg_nb_insert(nb, nb->ncells, t, c1 + 3);
		snprintf(c->id, sizeof c->id, "%.*s", (int)(c1 - s), s);
	}
	return nb;
}

static const struct sg_nbdiff_entry *entry_for(const struct sg_nbdiff *d, const struct sg_nb *a,
					       const struct sg_nb *b, const char *id)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct sg_nb_cell *c = d->e[i].b >= 0 ? &b->cells[d->e[i].b] : &a->cells[d->e[i].a];
		if (strcmp(c->id, id) == 0)
			return &d->e[i];
	}
	fail_msg("no entry for %s", id);
	return NULL;
}

static void test_diff_classes(void **state)
{
	static const char *const old[] = { "a:c:x = 1", "b:m:# T", "c:c:gone", "d:c:print(d)",
					   "e:c:stay", NULL };
	static const char *const new[] = { "n:m:new", "a:c:x = 2", "b:m:# T", "e:c:stay",
					   "d:c:print(d)", NULL };
	struct sg_nb *a = make(old), *b = make(new);
	/* outputs and metadata count as changes too */
	sg_nb_cell_append_stream(&b->cells[3], "stdout", "out\n");
	json_object_set_new(a->cells[1].metadata, "tags", json_pack("[s]", "x"));
	struct sg_nbdiff d;
	sg_nbdiff(a, b, &d);
	assert_true(d.matched_by_id);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.changed, 3);   /* a source, b metadata, e outputs */
	assert_int_equal(d.moved, 1);
	assert_int_equal(d.n, 6);
	assert_int_equal(entry_for(&d, a, b, "n")->kind, SG_NBD_ADDED);
	assert_int_equal(entry_for(&d, a, b, "c")->kind, SG_NBD_REMOVED);
	assert_int_equal(entry_for(&d, a, b, "a")->changes, SG_NBD_SOURCE);
	assert_int_equal(entry_for(&d, a, b, "b")->changes, SG_NBD_METADATA);
	/* d and e swapped: the longest run kept is a, b, d, so e is the one
	 * that moved (and its outputs changed) */
	assert_int_equal(entry_for(&d, a, b, "e")->changes, SG_NBD_OUTPUTS);
	assert_true(entry_for(&d, a, b, "e")->moved);
	assert_int_equal(entry_for(&d, a, b, "e")->kind, SG_NBD_CHANGED);
	assert_int_equal(entry_for(&d, a, b, "d")->kind, SG_NBD_UNCHANGED);
	/* order: b's order, the removed cell where it was (after b) */
	assert_int_equal(d.e[0].b, 0);
	assert_int_equal(d.e[3].kind, SG_NBD_REMOVED);
	assert_int_equal(d.e[3].a, 2);
	sg_nbdiff_done(&d);
	sg_nb_free(a);
	sg_nb_free(b);
}

/* Without shared ids (percent scripts), cells pair by source. */
static void test_diff_without_ids(void **state)
{
	static const char *const old[] = { "1:c:import os", "2:m:# Title", "3:c:def f(x):\n    return x\n",
					   "4:c:x = 1", NULL };
	static const char *const new[] = { "5:c:import os", "6:m:# Title", "7:c:def f(x):\n    return x + 1\n",
					   "8:c:print(42)", NULL };
	struct sg_nb *a = make(old), *b = make(new);
	struct sg_nbdiff d;
	sg_nbdiff(a, b, &d);
	assert_false(d.matched_by_id);
	assert_int_equal(d.unchanged, 2);
	assert_int_equal(d.changed, 1);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.removed, 1);
	sg_nbdiff_done(&d);
	sg_nb_free(a);
	sg_nb_free(b);
}

static void test_adopt_ids(void **state)
{
	static const char *const ref[] = { "r1:c:import os", "r2:m:# Title", "r3:c:x = 1", NULL };
	static const char *const got[] = { "g1:m:# Title", "g2:c:x = 2", "r1:c:brand new", NULL };
	struct sg_nb *a = make(ref), *b = make(got);
	/* r1 in b is a different cell that happens to share an id: ids are
	 * matched, so nothing is adopted */
	sg_nb_adopt_ids(a, b);
	assert_string_equal(b->cells[0].id, "g1");
	snprintf(b->cells[2].id, sizeof b->cells[2].id, "g3");
	sg_nb_adopt_ids(a, b);
	assert_string_equal(b->cells[0].id, "r2");
	assert_string_equal(b->cells[1].id, "r3");
	assert_string_equal(b->cells[2].id, "g3");
	sg_nb_free(a);
	sg_nb_free(b);
}

static void check_lines(const struct sg_linediff *d, const char *expect)
{
	char buf[1024] = "";
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%c%.*s|", d->l[i].op, (int)d->l[i].len,
				      d->l[i].text);
	assert_string_equal(buf, expect);
}

static void test_line_diff(void **state)
{
	struct sg_linediff d;
	sg_linediff("a\nb\nc\nd", "a\nx\nc\nd\ne", &d);
	check_lines(&d, " a|-b|+x| c| d|+e|");
	assert_int_equal(d.added, 2);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.l[5].b_line, 5);
	assert_int_equal(d.l[5].a_line, 0);
	assert_int_equal(d.l[1].a_line, 2);
	sg_linediff_done(&d);
	sg_linediff("", "", &d);
	assert_int_equal(d.n, 0);
	sg_linediff_done(&d);
	sg_linediff("", "one\ntwo", &d);
	check_lines(&d, "+one|+two|");
	sg_linediff_done(&d);
	sg_linediff("same\n", "same\n", &d);
	check_lines(&d, " same| |");
	sg_linediff_done(&d);
	/* minimal: one line moved to the end is one removal and one addition */
	sg_linediff("m\n1\n2\n3\n4", "1\n2\n3\n4\nm", &d);
	assert_int_equal(d.added + d.removed, 2);
	sg_linediff_done(&d);
	/* Many differences: still a correct diff (every a line removed or kept
	 * in order, every b line added or kept). */
	size_t n = 6000;
	char *a = malloc(n * 8), *b = malloc(n * 8), *pa = a, *pb = b;
	for (size_t i = 0; i < n; i++) {
		pa += sprintf(pa, "a%zu\n", i);
		pb += sprintf(pb, "b%zu\n", i);
	}
	sg_linediff(a, b, &d);
	assert_int_equal(d.removed, n);
	assert_int_equal(d.added, n);
	sg_linediff_done(&d);
	free(a);
	free(b);
}

static const char *const base_spec[] = { "a:c:a = 1", "b:c:b = 2", "c:m:# C", "d:c:d = 4", NULL };

static void test_merge_clean(void **state)
{
	struct sg_nb *base = make(base_spec);
	struct sg_nb *ours = sg_nb_clone(base), *theirs = sg_nb_clone(base);
	sg_nb_cell_set_source(&ours->cells[0], "a = 10");                 /* ours edits a */
	sg_nb_insert(ours, 2, SG_NB_CODE, "ours new");                     /* ours adds after b */
	sg_nb_cell_set_source(&theirs->cells[3], "d = 40");               /* theirs edits d */
	sg_nb_delete(theirs, 2);                                          /* theirs deletes c */
	struct sg_nb_cell *tn = sg_nb_insert(theirs, 0, SG_NB_MARKDOWN, "theirs first");
	(void)tn;
	sg_nb_cell_append_stream(&theirs->cells[2], "stdout", "2\n");      /* theirs ran b */
	size_t conflicts = 99;
	struct sg_nb *m = sg_nb_merge3(base, ours, theirs, &conflicts);
	assert_int_equal(conflicts, 0);
	const char *expect[] = { "theirs first", "a = 10", "b = 2", "ours new", "d = 40" };
	assert_int_equal(m->ncells, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(m->cells[i].source, expect[i]);
	assert_int_equal(json_array_size(m->cells[2].outputs), 1);
	for (size_t i = 0; i < m->ncells; i++)
		assert_null(sg_nb_cell_conflict(&m->cells[i]));
	sg_nb_free(m);
	/* theirs reordered, ours did not: their order wins */
	sg_nb_free(theirs);
	theirs = sg_nb_clone(base);
	sg_nb_move(theirs, 3, 0);
	m = sg_nb_merge3(base, ours, theirs, &conflicts);
	assert_int_equal(conflicts, 0);
	const char *expect2[] = { "d = 4", "a = 10", "b = 2", "ours new", "# C" };
	assert_int_equal(m->ncells, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(m->cells[i].source, expect2[i]);
	sg_nb_free(m);
	sg_nb_free(base);
	sg_nb_free(ours);
	sg_nb_free(theirs);
}

static void test_merge_conflicts(void **state)
{
	struct sg_nb *base = make(base_spec);
	struct sg_nb *ours = sg_nb_clone(base), *theirs = sg_nb_clone(base);
	sg_nb_cell_set_source(&ours->cells[1], "b = 'ours'");
	sg_nb_cell_set_source(&theirs->cells[1], "b = 'theirs'");
	/* ours deletes d, theirs changes it: kept, marked */
	sg_nb_delete(ours, 3);
	sg_nb_cell_set_source(&theirs->cells[3], "d = 'theirs'");
	/* both change outputs of a: ours wins, no conflict */
	sg_nb_cell_append_stream(&ours->cells[0], "stdout", "ours\n");
	sg_nb_cell_append_stream(&theirs->cells[0], "stdout", "theirs\n");
	size_t conflicts = 0;
	struct sg_nb *m = sg_nb_merge3(base, ours, theirs, &conflicts);
	assert_int_equal(conflicts, 2);
	assert_int_equal(m->ncells, 5);
	assert_string_equal(m->cells[1].source, "b = 'ours'");
	assert_string_equal(sg_nb_cell_conflict(&m->cells[1]), "ours");
	assert_string_equal(m->cells[2].source, "b = 'theirs'");
	assert_string_equal(sg_nb_cell_conflict(&m->cells[2]), "theirs");
	assert_string_not_equal(m->cells[1].id, m->cells[2].id);
	assert_string_equal(m->cells[4].source, "d = 'theirs'");
	assert_string_equal(sg_nb_cell_conflict(&m->cells[4]), "theirs");
	char *t = sg_nb_output_text(json_array_get(m->cells[0].outputs, 0));
	assert_string_equal(t, "ours\n");
	free(t);
	/* ids stay unique, and the result is a valid notebook */
	for (size_t i = 0; i < m->ncells; i++)
		assert_int_equal(sg_nb_find(m, m->cells[i].id), (long)i);
	sg_nb_cell_clear_conflict(&m->cells[1]);
	assert_null(sg_nb_cell_conflict(&m->cells[1]));
	assert_null(json_object_get(m->cells[1].metadata, "sagetty"));
	sg_nb_free(m);
	sg_nb_free(base);
	sg_nb_free(ours);
	sg_nb_free(theirs);
}

/* Notebook metadata merges key by key. */
static void test_merge_metadata(void **state)
{
	struct sg_nb *base = make(base_spec);
	json_object_set_new(base->metadata, "k", json_integer(1));
	json_object_set_new(base->metadata, "gone", json_integer(1));
	struct sg_nb *ours = sg_nb_clone(base), *theirs = sg_nb_clone(base);
	json_object_set_new(ours->metadata, "o", json_integer(2));
	json_object_set_new(theirs->metadata, "k", json_integer(3));
	json_object_del(theirs->metadata, "gone");
	struct sg_nb *m = sg_nb_merge3(base, ours, theirs, NULL);
	assert_int_equal(json_integer_value(json_object_get(m->metadata, "k")), 3);
	assert_int_equal(json_integer_value(json_object_get(m->metadata, "o")), 2);
	assert_null(json_object_get(m->metadata, "gone"));
	sg_nb_free(m);
	sg_nb_free(base);
	sg_nb_free(ours);
	sg_nb_free(theirs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_classes),
		cmocka_unit_test(test_diff_without_ids),
		cmocka_unit_test(test_adopt_ids),
		cmocka_unit_test(test_line_diff),
		cmocka_unit_test(test_merge_clean),
		cmocka_unit_test(test_merge_conflicts),
		cmocka_unit_test(test_merge_metadata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
