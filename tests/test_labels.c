/* test_labels.c — label schemes, stable row keys, orphans, the queue with
 * leases, annotations from two processes, undo, filters, results, and the
 * scheme fuzz corpus. */
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sys/time.h>
#include "tests/testutil.h"
#include "core/agree.h"
#include "core/dataset.h"
#include "core/labels.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_labelscheme.h"

struct fixture {
	char *dir, *db;
	struct sg_store *s;
	struct sg_dataset_info ds;
	char *csv;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	tu_store_init(&f->dir, &f->db, &f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tu_store_fini(f->dir, f->db, f->s);
	free(f->csv);
	free(f);
	return 0;
}

/* Writes the CSV with a distinct modification time each call, so a rewrite
 * within the same clock tick is still seen as a change. */
static void write_csv(struct fixture *f, const char *text)
{
	static long tick = 1000;
	free(f->csv);
	f->csv = tu_write(f->dir, "reviews.csv", text);
	struct timeval tv[2] = { { tick, 0 }, { tick, 0 } };
	tick += 10;
	assert_int_equal(utimes(f->csv, tv), 0);
}

static void register_with(struct fixture *f, const char *csv, const char *scheme_json)
{
	struct sg_error err = { 0 };
	write_csv(f, csv);
	assert_int_equal(sg_dataset_register(f->s, f->dir, "reviews.csv", NULL, 1, 0, NULL, &f->ds,
					     &err), 0);
	struct sg_scheme sc;
	if (sg_scheme_parse(&sc, "t.json", scheme_json, strlen(scheme_json), &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sg_labels_set_scheme(f->s, f->ds.id, &sc, "alice", &err), 0);
	sg_scheme_done(&sc);
}

static struct sg_labels *open_as(struct fixture *f, struct sg_store *s, const char *user,
				 struct sg_labels_sync *sync)
{
	struct sg_error err = { 0 };
	struct sg_labels *l = sg_labels_open(s, &f->ds, f->csv, user, NULL, NULL, sync, &err);
	if (!l)
		fail_msg("%s", err.msg);
	return l;
}

static const char single_by_id[] =
	"{\"type\": \"single\", \"text_column\": \"review\", \"id_column\": \"id\","
	" \"labels\": [{\"name\": \"positive\", \"key\": \"1\"}, {\"name\": \"negative\", \"key\": \"2\"}]}";
static const char single_by_hash[] =
	"{\"type\": \"single\", \"text_column\": \"review\", \"labels\": [\"positive\", \"negative\"]}";

/* ---- schemes ------------------------------------------------------------------------ */

static void expect_parse_error(const char *text, const char *want)
{
	struct sg_scheme sc;
	struct sg_error err = { 0 };
	assert_int_equal(sg_scheme_parse(&sc, "s.json", text, strlen(text), &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	if (!strstr(err.msg, want))
		fail_msg("got \"%s\", wanted \"%s\"", err.msg, want);
}

static void test_scheme_errors_name_the_line(void **state)
{
	(void)state;
	expect_parse_error("{\"type\": \"single\",\n \"labels\": [\n  {\"name\": \"a\", \"key\": \"1\"},\n"
			   "  {\"name\": \"b\", \"key\": \"1\"}]}", "s.json:4:24: duplicate key \"1\"");
	expect_parse_error("{\"type\": \"single\",\n \"labels\": [\n  {\"name\": \"a\"},\n"
			   "  {\"name\": \"a\"}]}", "s.json:4:12: duplicate label \"a\"");
	expect_parse_error("{\"type\": \"single\",\n \"labels\": [\"x\",\n \"x\"]}", "s.json:3:2: duplicate");
	expect_parse_error("{\"type\": \"ranked\", \"labels\": [\"x\"]}", "s.json:1:10:");
	expect_parse_error("{\"type\": \"single\", \"labels\": [{\"name\": \"x\", \"key\": \"q\"}]}",
			   "reserved");
	expect_parse_error("{\"type\": \"span\", \"labels\": [\"x\"]}", "needs \"text_column\"");
	expect_parse_error("{\"type\": \"single\",\n \"labels\": [\"x\"", "s.json:2:");
	expect_parse_error("{\"type\": \"single\", \"labels\": [\"x\"], \"colour\": 1}",
			   "unknown field \"colour\"");
	expect_parse_error("{\"type\": \"single\", \"labels\": [\"x\"],\n \"annotations_per_item\": 0}",
			   "s.json:2:26:");
}

static void test_scheme_keys_assigned_and_remapped(void **state)
{
	(void)state;
	struct sg_scheme sc;
	struct sg_error err = { 0 };
	/* 12 labels: 1-9, then a, f, g (b c d e are reserved), one explicit key kept. */
	const char *text = "{\"type\": \"multi\", \"labels\": [\"l1\",\"l2\",\"l3\",\"l4\",\"l5\",\"l6\","
			   "\"l7\",\"l8\",\"l9\",\"l10\",{\"name\":\"l11\",\"key\":\"a\"},\"l12\"]}";
	assert_int_equal(sg_scheme_parse(&sc, "k.json", text, strlen(text), &err), 0);
	assert_int_equal(sc.labels[0].key, '1');
	assert_int_equal(sc.labels[8].key, '9');
	assert_int_equal(sc.labels[9].key, 'f');   /* a is taken by l11 */
	assert_int_equal(sc.labels[10].key, 'a');
	assert_int_equal(sc.labels[11].key, 'g');
	assert_int_equal(sg_scheme_label_by_key(&sc, 'g'), 11);
	assert_int_equal(sg_scheme_label_by_key(&sc, 'z'), -1);  /* a hint, no label */
	assert_int_equal(sg_scheme_remap(&sc, 0, 'z', &err), 0);
	assert_int_equal(sg_scheme_label_by_key(&sc, 'z'), 0);
	assert_int_equal(sg_scheme_remap(&sc, 1, 'z', &err), 0);  /* taken over */
	assert_int_equal(sc.labels[0].key, 0);
	assert_int_equal(sg_scheme_remap(&sc, 1, 'u', &err), -1);
	char *json = sg_scheme_format(&sc, 0);
	struct sg_scheme back;
	assert_int_equal(sg_scheme_parse(&back, "f", json, strlen(json), &err), 0);
	assert_int_equal(back.labels[1].key, 'z');
	assert_int_equal(back.labels[0].key, '1');  /* keyless gets a free key again */
	assert_int_equal(back.k, 1);
	free(json);
	sg_scheme_done(&back);
	sg_scheme_done(&sc);
}

static void test_values_canonical_and_spans_checked(void **state)
{
	(void)state;
	struct sg_scheme m, sp;
	struct sg_error err = { 0 };
	const char *mt = "{\"type\": \"multi\", \"labels\": [\"news\", \"sports\", \"tech\"]}";
	const char *st = "{\"type\": \"span\", \"text_column\": \"t\", \"labels\": [\"PER\", \"LOC\"]}";
	assert_int_equal(sg_scheme_parse(&m, "m", mt, strlen(mt), &err), 0);
	assert_int_equal(sg_scheme_parse(&sp, "s", st, strlen(st), &err), 0);
	char *c = NULL;
	assert_int_equal(sg_scheme_value_check(&m, "tech;news", NULL, 0, &c, &err), 0);
	assert_string_equal(c, "[\"news\",\"tech\"]");
	free(c);
	assert_int_equal(sg_scheme_value_check(&m, "[\"tech\",\"news\"]", NULL, 0, &c, &err), 0);
	assert_string_equal(c, "[\"news\",\"tech\"]");
	free(c);
	assert_int_equal(sg_scheme_value_check(&m, "tech;cooking", NULL, 0, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cooking"));
	const char *text = "Kim lives in Séoul";  /* 18 characters, 19 bytes */
	assert_int_equal(sg_scheme_value_check(&sp,
		"[{\"start\":13,\"end\":18,\"label\":\"LOC\"},{\"start\":0,\"end\":3,\"label\":\"PER\"}]",
		text, strlen(text), &c, &err), 0);
	assert_string_equal(c, "[{\"start\":0,\"end\":3,\"label\":\"PER\"},"
			       "{\"start\":13,\"end\":18,\"label\":\"LOC\"}]");
	free(c);
	assert_int_equal(sg_scheme_value_check(&sp, "[{\"start\":13,\"end\":19,\"label\":\"LOC\"}]",
					       text, strlen(text), &c, &err), -1);
	assert_non_null(strstr(err.msg, "outside the text"));
	assert_int_equal(sg_scheme_value_check(&sp, "[{\"start\":0,\"end\":1,\"label\":\"PER\"}]",
					       "", 0, &c, &err), -1);  /* empty text */
	sg_scheme_done(&m);
	sg_scheme_done(&sp);
}

/* ---- keys and sync --------------------------------------------------------------------- */

static void label(struct sg_labels *l, long long row, const char *value)
{
	struct sg_error err = { 0 };
	if (sg_labels_annotate(l, sg_labels_key(l, (uint64_t)row), value, NULL, 1.5, NULL, &err) != 0)
		fail_msg("%s", err.msg);
}

static void test_id_keys_survive_resort_and_append(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n7,great\n3,awful\n5,fine\n", single_by_id);
	struct sg_labels_sync sync;
	struct sg_labels *l = open_as(f, f->s, "alice", &sync);
	assert_int_equal(sync.first, 1);
	assert_int_equal(sync.new_items, 3);
	assert_string_equal(sg_labels_key(l, 1), "3");
	label(l, 0, "positive");
	label(l, 1, "negative");
	sg_labels_free(l);

	write_csv(f, "id,review\n3,awful\n5,fine\n7,great\n9,new\n");
	l = open_as(f, f->s, "alice", &sync);
	assert_int_equal(sync.changed, 1);
	assert_int_equal(sync.new_items, 1);
	assert_int_equal(sync.moved, 3);
	assert_int_equal(sync.orphaned_items, 0);
	assert_int_equal(sg_labels_row_of(l, "7"), 2);
	struct sg_label_item it;
	struct sg_error err = { 0 };
	assert_int_equal(sg_labels_item(l, "7", &it, &err), 0);
	assert_int_equal(it.n, 1);
	assert_int_equal(it.mine, 1);
	assert_int_equal(it.row, 2);
	sg_labels_free(l);

	/* Unchanged file: the fast path loads the stored keys. */
	l = open_as(f, f->s, "alice", &sync);
	assert_int_equal(sync.changed, 0);
	assert_int_equal(sync.new_items, 0);
	assert_string_equal(sg_labels_key(l, 3), "9");
	sg_labels_free(l);
}

static void test_hash_keys_orphans_reported_not_dropped(void **state)
{
	struct fixture *f = *state;
	register_with(f, "review,stars\ngreat,5\nawful,1\ngreat,5\n", single_by_hash);
	struct sg_labels_sync sync;
	struct sg_labels *l = open_as(f, f->s, "alice", &sync);
	assert_int_equal(sync.duplicate_keys, 1);
	const char *k0 = sg_labels_key(l, 0), *k2 = sg_labels_key(l, 2);
	assert_int_equal(strlen(k0), SG_LABEL_HASH_HEX);
	assert_int_equal(strncmp(k0, k2, SG_LABEL_HASH_HEX), 0);
	assert_string_equal(k2 + SG_LABEL_HASH_HEX, "#2");
	char awful[SG_LABEL_KEY_MAX];
	snprintf(awful, sizeof awful, "%s", sg_labels_key(l, 1));
	label(l, 1, "negative");
	label(l, 0, "positive");
	sg_labels_free(l);

	/* The awful row is edited: its key is gone, its label kept as an orphan. */
	write_csv(f, "review,stars\ngreat,5\nawful!,1\ngreat,5\n");
	l = open_as(f, f->s, "alice", &sync);
	assert_int_equal(sync.changed, 1);
	assert_int_equal(sync.orphaned_items, 1);
	assert_int_equal(sync.orphaned_annotations, 1);
	assert_int_equal(sync.new_items, 1);
	struct sg_label_item it;
	struct sg_error err = { 0 };
	assert_int_equal(sg_labels_next(l, SG_JUMP_ORPHAN, -1, &it, &err), 1);
	assert_string_equal(it.row_key, awful);
	assert_int_equal(it.row, -1);
	struct sg_label_table t;
	assert_int_equal(sg_labels_load(f->s, f->ds.id, 0, &t, &err), 0);
	assert_int_equal(t.nrec, 2);
	sg_label_table_done(&t);
	sg_labels_free(l);

	/* The edit is reverted: the orphan is attached again. */
	write_csv(f, "review,stars\nawful,1\ngreat,5\ngreat,5\n");
	l = open_as(f, f->s, "alice", &sync);
	assert_int_equal(sync.orphaned_items, 0);  /* "awful!" had no labels: dropped */
	assert_int_equal(sync.orphaned_annotations, 0);
	assert_int_equal(sg_labels_row_of(l, awful), 0);
	sg_labels_free(l);
}

struct progress_count {
	int calls, stop;
};

static int count_progress(uint64_t done, uint64_t total, void *ud)
{
	struct progress_count *c = ud;
	assert_true(done <= total);
	return ++c->calls >= c->stop;
}

/* A long first sync reports progress and can be cancelled, keeping nothing. */
static void test_open_progress_and_cancel(void **state)
{
	struct fixture *f = *state;
	size_t cap = 200000 * 24 + 64, len = 0;
	char *csv = malloc(cap);
	len += (size_t)snprintf(csv, cap, "id,review\n");
	for (int i = 0; i < 200000; i++)
		len += (size_t)snprintf(csv + len, cap - len, "%d,t%d\n", i, i);
	register_with(f, csv, single_by_id);
	free(csv);
	/* Cancelled while keying (4 reports for 200,000 rows), then while
	 * writing the new items (3 more). */
	for (int stop = 3; stop <= 6; stop += 3) {
		struct progress_count pc = { 0, stop };
		struct sg_error err = { 0 };
		assert_null(sg_labels_open(f->s, &f->ds, f->csv, "ann", count_progress, &pc, NULL,
					   &err));
		assert_int_equal(pc.calls, stop);
		assert_non_null(strstr(err.msg, "cancelled"));
	}
	struct sg_labels_sync sync;
	struct sg_labels *l = open_as(f, f->s, "ann", &sync);
	assert_int_equal(sync.first, 1);  /* the cancelled sync left nothing */
	assert_int_equal(sync.new_items, 200000);
	sg_labels_free(l);
}

static void test_empty_text_and_unknown_column(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,\n2,ok\n", single_by_id);
	struct sg_labels_sync sync;
	struct sg_labels *l = open_as(f, f->s, "alice", &sync);
	assert_int_equal(sync.empty_text, 1);
	label(l, 0, "positive");  /* an empty text can still be labeled */
	struct sg_error err = { 0 };
	assert_int_equal(sg_labels_annotate(l, "1", "neutral", NULL, 0, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "not a label"));
	assert_int_equal(sg_labels_annotate(l, "nope", "positive", NULL, 0, NULL, &err), -1);
	sg_labels_free(l);
	/* A scheme naming a column the file lacks fails at open, clearly. */
	struct sg_scheme sc;
	const char *bad = "{\"type\":\"single\",\"text_column\":\"body\",\"labels\":[\"a\"]}";
	assert_int_equal(sg_scheme_parse(&sc, "b", bad, strlen(bad), &err), 0);
	assert_int_equal(sg_labels_set_scheme(f->s, f->ds.id, &sc, "alice", &err), 0);
	sg_scheme_done(&sc);
	assert_null(sg_labels_open(f->s, &f->ds, f->csv, "alice", NULL, NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "\"body\" is not a column"));
}

/* ---- the queue ----------------------------------------------------------------------------- */

static long long next_row(struct sg_labels *l)
{
	struct sg_label_item it;
	struct sg_error err = { 0 };
	int rc = sg_labels_next(l, SG_JUMP_QUEUE, -1, &it, &err);
	if (rc < 0)
		fail_msg("%s", err.msg);
	return rc ? it.row : -1;
}

static void test_queue_fewest_first_and_not_mine(void **state)
{
	struct fixture *f = *state;
	const char *scheme = "{\"type\":\"single\",\"id_column\":\"id\",\"annotations_per_item\":2,"
			     "\"labels\":[\"a\",\"b\"]}";
	register_with(f, "id,x\n1,a\n2,b\n3,c\n4,d\n", scheme);
	struct sg_labels *bob = open_as(f, f->s, "bob", NULL);
	struct sg_labels *ann = open_as(f, f->s, "ann", NULL);
	label(bob, 0, "a");
	label(bob, 1, "a");
	/* ann gets rows 2 and 3 (no annotations) before 0 and 1 (one each). */
	assert_int_equal(next_row(ann), 2);
	label(ann, 2, "b");
	assert_int_equal(next_row(ann), 3);
	label(ann, 3, "b");
	assert_int_equal(next_row(ann), 0);
	label(ann, 0, "b");
	assert_int_equal(next_row(ann), 1);
	label(ann, 1, "a");
	assert_int_equal(next_row(ann), -1);  /* all labeled by ann */
	/* bob: rows 2 and 3 have one label each (ann's), 0 and 1 are his. */
	assert_int_equal(next_row(bob), 2);
	struct sg_error err = { 0 };
	assert_int_equal(sg_labels_skip(bob, "4", &err), 0);  /* row 3 */
	label(bob, 2, "a");
	assert_int_equal(next_row(bob), -1);  /* row 3 skipped */
	assert_int_equal(sg_labels_unskip(bob, "4", &err), 0);
	assert_int_equal(next_row(bob), 3);
	/* Undo brings an item back into ann's queue. */
	char key[SG_LABEL_KEY_MAX];
	assert_int_equal(sg_labels_undo(ann, key, &err), 1);
	assert_string_equal(key, "2");  /* row 1, her last */
	assert_int_equal(next_row(ann), 1);
	sg_labels_free(bob);
	sg_labels_free(ann);
}

static void test_leases_spread_two_annotators(void **state)
{
	struct fixture *f = *state;
	const char *scheme = "{\"type\":\"single\",\"id_column\":\"id\",\"annotations_per_item\":1,"
			     "\"labels\":[\"a\",\"b\"]}";
	register_with(f, "id,x\n1,a\n2,b\n3,c\n", scheme);
	struct sg_error err = { 0 };
	struct sg_store *s2 = sg_store_open(f->db, 0, &err);
	assert_non_null(s2);
	struct sg_labels *a = open_as(f, f->s, "ann", NULL);
	struct sg_labels *b = open_as(f, s2, "bob", NULL);
	/* k=1: the item leased by ann is not handed to bob. */
	assert_int_equal(next_row(a), 0);
	assert_int_equal(next_row(b), 1);
	assert_int_equal(next_row(a), 0);  /* ann keeps her lease on a re-fetch */
	label(a, 0, "a");
	assert_int_equal(next_row(a), 2);
	assert_int_equal(next_row(b), 1);
	label(b, 1, "b");
	assert_int_equal(next_row(b), -1);  /* 2 is ann's for now, the rest done */
	assert_int_equal(sg_labels_release(a, &err), 0);
	assert_int_equal(next_row(b), 2);
	sg_labels_free(a);
	sg_labels_free(b);
	sg_store_close(s2);
}

static void test_k2_two_annotators_share_an_item(void **state)
{
	struct fixture *f = *state;
	const char *scheme = "{\"type\":\"single\",\"id_column\":\"id\",\"annotations_per_item\":2,"
			     "\"labels\":[\"a\",\"b\"]}";
	register_with(f, "id,x\n1,a\n2,b\n", scheme);
	struct sg_labels *a = open_as(f, f->s, "ann", NULL);
	struct sg_labels *b = open_as(f, f->s, "bob", NULL);
	struct sg_labels *c = open_as(f, f->s, "cy", NULL);
	/* k=2: one lease leaves room for a second annotator on the same item,
	 * not a third. */
	assert_int_equal(next_row(a), 0);
	assert_int_equal(next_row(b), 0);
	assert_int_equal(next_row(c), 1);
	label(a, 0, "a");
	label(b, 0, "b");
	struct sg_label_item it;
	struct sg_error err = { 0 };
	assert_int_equal(sg_labels_item(c, "2", &it, &err), 0);  /* row 1 */
	assert_int_equal(it.n, 0);
	assert_int_equal(sg_labels_next(c, SG_JUMP_DISAGREED, -1, &it, &err), 1);
	assert_int_equal(it.row, 0);
	assert_int_equal(it.disagreed, 1);
	assert_int_equal(next_row(c), 1);  /* 0 is complete (n=2=k) */
	sg_labels_free(a);
	sg_labels_free(b);
	sg_labels_free(c);
}

static void test_id_column_added_later_moves_labels(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n7,great\n3,awful\n", single_by_hash);
	struct sg_labels *l = open_as(f, f->s, "ann", NULL);
	label(l, 1, "negative");
	sg_labels_free(l);
	struct sg_scheme sc;
	struct sg_error err = { 0 };
	assert_int_equal(sg_scheme_parse(&sc, "s", single_by_id, strlen(single_by_id), &err), 0);
	assert_int_equal(sg_labels_set_scheme(f->s, f->ds.id, &sc, "ann", &err), 0);
	sg_scheme_done(&sc);
	struct sg_labels_sync sync;
	l = open_as(f, f->s, "ann", &sync);
	assert_int_equal(sync.rekeyed, 1);
	assert_int_equal(sync.orphaned_items, 0);
	struct sg_label_item it;
	assert_int_equal(sg_labels_item(l, "3", &it, &err), 0);
	assert_int_equal(it.n, 1);
	assert_int_equal(it.mine, 1);
	assert_int_equal(next_row(l), 0);  /* row 1 is done: the queue knows */
	sg_labels_free(l);
}

/* Two processes label the same row at once: both annotations are kept. */
static void test_concurrent_processes_both_kept(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,a\n2,b\n", single_by_id);
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t kids[2];
	const char *users[2] = { "ann", "bob" };
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char c;
			close(go[1]);
			struct sg_error err = { 0 };
			struct sg_store *s = sg_store_open(f->db, 0, &err);
			if (!s || read(go[0], &c, 1) != 0)
				_exit(3);
			struct sg_labels *l = sg_labels_open(s, &f->ds, f->csv, users[i], NULL, NULL,
							     NULL, &err);
			int rc = 1;
			for (int n = 0; l && n < 20; n++)
				rc = sg_labels_annotate(l, "1", n % 2 ? "positive" : "negative", NULL, 0,
							NULL, &err);
			if (rc != 0)
				fprintf(stderr, "%s: %s\n", users[i], err.msg);
			sg_labels_free(l);
			sg_store_close(s);
			_exit(rc == 0 ? 0 : 4);
		}
	}
	close(go[0]);
	close(go[1]);  /* both start at once */
	for (int i = 0; i < 2; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	struct sg_label_table t;
	struct sg_error err = { 0 };
	assert_int_equal(sg_labels_load(f->s, f->ds.id, 0, &t, &err), 0);
	assert_int_equal(t.nrec, 2);  /* one live annotation each */
	assert_int_equal(t.nusers, 2);
	sg_label_table_done(&t);
	sqlite3_stmt *q = sg_store_prepare(f->s, "SELECT count(*) FROM label_annotations", &err);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 40);  /* history kept */
	sqlite3_reset(q);
}

/* A label is durable once sg_labels_annotate returns (when the view shows it
 * saved): a child labels as fast as it can and reports each saved id on a
 * pipe; it is killed with SIGKILL at an arbitrary point, again and again,
 * and every reported id must be in the store, which must stay healthy. */
static void test_sigkill_loses_no_saved_label(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,a\n2,b\n3,c\n4,d\n5,e\n", single_by_id);
	srand(7);
	long long total = 0;
	for (int round = 0; round < 12; round++) {
		int fd[2];
		assert_int_equal(pipe(fd), 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fd[0]);
			struct sg_error err = { 0 };
			struct sg_store *s = sg_store_open(f->db, 0, &err);
			struct sg_labels *l = s ? sg_labels_open(s, &f->ds, f->csv, "ann", NULL, NULL,
								 NULL, &err) : NULL;
			for (long long i = 0; l; i++) {
				long long id;
				char key[2] = { (char)('1' + i % 5), 0 };
				if (sg_labels_annotate(l, key, i % 3 ? "positive" : "negative", NULL, 0.5,
						       &id, &err) != 0 ||
				    write(fd[1], &id, sizeof id) != sizeof id)
					_exit(3);
			}
			_exit(4);
		}
		close(fd[1]);
		int want = 1 + rand() % 40;
		long long *ids = calloc((size_t)want, sizeof *ids);
		int got = 0;
		while (got < want && read(fd[0], &ids[got], sizeof *ids) == sizeof *ids)
			got++;
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		assert_true(WIFSIGNALED(st));
		/* Ids the child wrote before dying are also "shown": drain them. */
		long long more;
		while (read(fd[0], &more, sizeof more) == sizeof more) {
			ids = realloc(ids, (size_t)(got + 1) * sizeof *ids);
			ids[got++] = more;
		}
		close(fd[0]);
		assert_int_equal(got >= want, 1);
		struct sg_error err = { 0 };
		sqlite3_stmt *q = sg_store_prepare(f->s,
			"SELECT count(*) FROM label_annotations WHERE id = ?1", &err);
		for (int i = 0; i < got; i++) {
			sqlite3_bind_int64(q, 1, ids[i]);
			assert_int_equal(sqlite3_step(q), SQLITE_ROW);
			if (sqlite3_column_int(q, 0) != 1)
				fail_msg("round %d: saved annotation %lld is missing", round, ids[i]);
			sqlite3_reset(q);
		}
		total += got;
		free(ids);
		assert_int_equal(sg_store_check(f->s, &err), 0);
	}
	assert_true(total >= 12);
	/* Each item has exactly one live annotation by ann whatever the kills. */
	struct sg_label_table t;
	struct sg_error err = { 0 };
	assert_int_equal(sg_labels_load(f->s, f->ds.id, 0, &t, &err), 0);
	assert_true(t.nrec <= 5);
	for (size_t i = 1; i < t.nrec; i++)
		assert_int_not_equal(t.rec[i].item, t.rec[i - 1].item);
	sg_label_table_done(&t);
}

/* ---- history, filters, bulk, results ------------------------------------------------------ */

static void test_relabel_supersedes_and_undo_restores(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,x\n2,y\n", single_by_id);
	struct sg_labels *l = open_as(f, f->s, "ann", NULL);
	struct sg_error err = { 0 };
	label(l, 0, "positive");
	label(l, 0, "negative");  /* a change of mind */
	struct sg_label_item it;
	assert_int_equal(sg_labels_item(l, "1", &it, &err), 0);
	assert_int_equal(it.n, 1);
	char key[SG_LABEL_KEY_MAX];
	assert_int_equal(sg_labels_undo(l, key, &err), 1);
	struct sg_label_table t;
	assert_int_equal(sg_labels_load(f->s, f->ds.id, 0, &t, &err), 0);
	assert_int_equal(t.nrec, 1);
	assert_string_equal(t.values[t.rec[0].value], "positive");
	sg_label_table_done(&t);
	assert_int_equal(sg_labels_undo(l, key, &err), 1);
	assert_int_equal(sg_labels_undo(l, key, &err), 0);  /* nothing left */
	assert_int_equal(sg_labels_item(l, "1", &it, &err), 0);
	assert_int_equal(it.n, 0);
	sg_labels_free(l);
}

static void test_filters_import_review_results(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,x\n2,y\n3,z\n", single_by_id);
	struct sg_labels *l = open_as(f, f->s, "ann", NULL);
	struct sg_error err = { 0 };
	label(l, 0, "positive");
	struct sg_scheme sc;
	assert_int_equal(sg_labels_get_scheme(f->s, f->ds.id, &sc, &err), 0);
	struct sg_annotation in[2] = {
		{ .row_key = "2", .user = "old-team", .value = "negative", .source = SG_LABEL_IMPORTED,
		  .confidence = NAN },
		{ .row_key = "3", .user = "model", .value = "positive", .source = SG_LABEL_MACHINE,
		  .confidence = 0.55, .review = SG_REVIEW_PENDING },
	};
	assert_int_equal(sg_labels_insert(f->s, f->ds.id, &sc, in, 2, NULL, &err), 0);
	struct sg_annotation bad = { .row_key = "3", .user = "x", .value = "meh", .confidence = NAN };
	size_t at = 9;
	assert_int_equal(sg_labels_insert(f->s, f->ds.id, &sc, &bad, 1, &at, &err), -1);
	assert_int_equal(at, 0);
	sg_scheme_done(&sc);

	long long *rows;
	size_t n;
	struct sg_label_filter flt = { .label = "positive", .source = -1 };
	assert_int_equal(sg_labels_filter_rows(l, &flt, &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0], 0);
	assert_int_equal(rows[1], 2);
	free(rows);
	struct sg_label_filter byuser = { .user = "old-team", .source = -1 };
	assert_int_equal(sg_labels_filter_rows(l, &byuser, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0], 1);
	free(rows);
	struct sg_label_filter unl = { .source = -1, .state = SG_FILTER_UNLABELED };
	assert_int_equal(sg_labels_filter_rows(l, &unl, &rows, &n, &err), 0);
	assert_int_equal(n, 1);  /* row 2 has only a machine label */
	free(rows);

	struct sg_label_item it;
	assert_int_equal(sg_labels_next(l, SG_JUMP_REVIEW, -1, &it, &err), 1);
	assert_int_equal(it.row, 2);
	assert_int_equal(it.review_pending, 1);
	/* A correction by the reviewer: a human annotation, the machine one corrected. */
	struct sg_label_table t;
	assert_int_equal(sg_labels_load(f->s, f->ds.id, 1u << SG_LABEL_MACHINE, &t, &err), 0);
	assert_int_equal(t.nrec, 1);
	long long mid = t.rec[0].id;
	assert_true(fabsf(t.rec[0].confidence - 0.55f) < 1e-6);
	sg_label_table_done(&t);
	assert_int_equal(sg_labels_adjudicate(l, "3", "negative", NULL, mid, NULL, &err), 0);
	assert_int_equal(sg_labels_next(l, SG_JUMP_REVIEW, -1, &it, &err), 0);

	struct sg_label_result res[2] = {
		{ .row_key = "1", .value = "positive", .confidence = 1, .n_annotators = 1 },
		{ .row_key = "2", .value = "negative", .confidence = 0.4, .n_annotators = 1,
		  .state = SG_RESULT_LOW },
	};
	assert_int_equal(sg_labels_store_results(f->s, f->ds.id, "majority", res, 2, "{}", "ann",
						 &err), 0);
	assert_int_equal(sg_labels_next(l, SG_JUMP_LOW_CONFIDENCE, -1, &it, &err), 1);
	assert_int_equal(it.row, 1);
	assert_true(fabs(it.confidence - 0.4) < 1e-9);
	assert_string_equal(it.result, "negative");
	char method[32];
	char *summary;
	double when;
	assert_int_equal(sg_labels_last_consolidation(f->s, f->ds.id, method, &when, &summary, &err), 1);
	assert_string_equal(method, "majority");
	assert_string_equal(summary, "{}");
	free(summary);
	sg_labels_free(l);
}

static const struct sg_label_result *result_of(const struct sg_labels_consolidation *c,
					       const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->results[i].row_key, key) == 0)
			return &c->results[i];
	return NULL;
}

/* A reviewer decides, humans outvote, ties wait, machine labels fill in. */
static void test_consolidation_rules(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,a\n2,b\n3,c\n4,d\n", single_by_id);
	struct sg_error err = { 0 };
	struct sg_scheme sc;
	assert_int_equal(sg_labels_get_scheme(f->s, f->ds.id, &sc, &err), 0);
	struct sg_annotation in[] = {
		{ .row_key = "1", .user = "ann", .value = "positive", .confidence = NAN },
		{ .row_key = "1", .user = "bob", .value = "positive", .confidence = NAN },
		{ .row_key = "1", .user = "cy", .value = "negative", .confidence = NAN },
		{ .row_key = "2", .user = "ann", .value = "positive", .confidence = NAN },
		{ .row_key = "2", .user = "bob", .value = "negative", .confidence = NAN },
		{ .row_key = "3", .user = "ann", .value = "positive", .confidence = NAN },
		{ .row_key = "3", .user = "bob", .value = "positive", .confidence = NAN },
		{ .row_key = "3", .user = "rev", .value = "negative", .confidence = NAN,
		  .role = SG_ROLE_REVIEWER },
		{ .row_key = "4", .user = "machine", .value = "negative", .confidence = 0.7,
		  .source = SG_LABEL_MACHINE },
	};
	assert_int_equal(sg_labels_insert(f->s, f->ds.id, &sc, in, sizeof in / sizeof *in, NULL,
					  &err), 0);
	struct sg_labels_consolidation c;
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "majority", 1, "ann", &c, &err), 0);
	assert_int_equal(c.n, 4);
	const struct sg_label_result *r = result_of(&c, "1");
	assert_string_equal(r->value, "positive");
	assert_true(fabs(r->confidence - 2.0 / 3.0) < 1e-9);
	assert_int_equal(r->n_annotators, 3);
	assert_int_equal(r->state, SG_RESULT_AGREED);
	r = result_of(&c, "2");
	assert_int_equal(r->state, SG_RESULT_TIE);
	assert_string_equal(r->value, "");
	r = result_of(&c, "3");
	assert_int_equal(r->state, SG_RESULT_ADJUDICATED);
	assert_string_equal(r->value, "negative");
	r = result_of(&c, "4");
	assert_int_equal(r->state, SG_RESULT_MACHINE);
	assert_int_equal(r->source, SG_LABEL_MACHINE);
	assert_true(fabs(r->confidence - 0.7) < 1e-6);
	assert_int_equal(c.n_adjudicate, 1);
	sg_labels_consolidation_done(&c);
	/* The disagreed jump: any difference among the annotators (row 0, 2 to
	 * 1) and the tie; not row 2, which a reviewer decided. */
	struct sg_labels *l = open_as(f, f->s, "ann", NULL);
	struct sg_label_item it;
	assert_int_equal(sg_labels_next(l, SG_JUMP_DISAGREED, -1, &it, &err), 1);
	assert_string_equal(it.row_key, "1");
	assert_int_equal(sg_labels_next(l, SG_JUMP_DISAGREED, 0, &it, &err), 1);
	assert_string_equal(it.row_key, "2");
	assert_int_equal(sg_labels_next(l, SG_JUMP_DISAGREED, 1, &it, &err), 1);
	assert_string_equal(it.row_key, "1");  /* wrapped past row 2 */
	sg_labels_free(l);
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "em", 0, "ann", &c, &err), 0);
	r = result_of(&c, "1");
	assert_string_equal(r->value, "positive");
	assert_true(r->confidence > 0.5 && r->confidence <= 1);
	sg_labels_consolidation_done(&c);
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "vote", 0, "ann", &c, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	sg_scheme_done(&sc);
}


/* Multi-label and span items are consolidated by parts: a label or an exact
 * span stays when more than half of the annotators gave it.
 *   multi row 1: ann {a, b}, bob {a}, cy {a, c} → a 3/3, b 1/3, c 1/3:
 *     ["a"], confidence min(3/3, 2/3, 2/3) = 2/3.
 *   multi row 2: ann {a}, bob {} → a 1 of 2: a tie.
 *   span row 1: PER [0,3) by all three, LOC [7,12) by ann and cy → both
 *     kept, confidence 2/3; bob's extra LOC [7,9) has 1/3 → dropped.
 *   span row 2: ann [0,1) PER, bob [0,2) PER → each 1 of 2: a tie. */
static void test_consolidation_parts(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,Kim in Seoul now\n2,ab cd\n",
		      "{\"type\": \"multi\", \"text_column\": \"review\", \"id_column\": \"id\","
		      " \"labels\": [\"a\", \"b\", \"c\"]}");
	struct sg_error err = { 0 };
	struct sg_scheme sc;
	assert_int_equal(sg_labels_get_scheme(f->s, f->ds.id, &sc, &err), 0);
	struct sg_annotation in[] = {
		{ .row_key = "1", .user = "ann", .value = "[\"a\",\"b\"]", .confidence = NAN },
		{ .row_key = "1", .user = "bob", .value = "[\"a\"]", .confidence = NAN },
		{ .row_key = "1", .user = "cy", .value = "[\"a\",\"c\"]", .confidence = NAN },
		{ .row_key = "2", .user = "ann", .value = "[\"a\"]", .confidence = NAN },
		{ .row_key = "2", .user = "bob", .value = "[]", .confidence = NAN },
	};
	assert_int_equal(sg_labels_insert(f->s, f->ds.id, &sc, in, 5, NULL, &err), 0);
	struct sg_labels_consolidation c;
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "majority", 0, "ann", &c, &err), 0);
	const struct sg_label_result *r = result_of(&c, "1");
	assert_string_equal(r->value, "[\"a\"]");
	assert_true(fabs(r->confidence - 2.0 / 3) < 1e-9);
	assert_int_equal(r->state, SG_RESULT_AGREED);
	r = result_of(&c, "2");
	assert_int_equal(r->state, SG_RESULT_TIE);
	assert_string_equal(r->value, "");
	sg_labels_consolidation_done(&c);
	sg_scheme_done(&sc);

	struct sg_scheme sp;
	const char *span = "{\"type\": \"span\", \"text_column\": \"review\", \"id_column\": \"id\","
			   " \"labels\": [\"PER\", \"LOC\"]}";
	assert_int_equal(sg_scheme_parse(&sp, "s.json", span, strlen(span), &err), 0);
	assert_int_equal(sg_labels_set_scheme(f->s, f->ds.id, &sp, "alice", &err), 0);
	const char *per = "{\"start\":0,\"end\":3,\"label\":\"PER\"}";
	const char *loc = "{\"start\":7,\"end\":12,\"label\":\"LOC\"}";
	char both[128], bobs[128];
	snprintf(both, sizeof both, "[%s,%s]", per, loc);
	snprintf(bobs, sizeof bobs, "[%s,{\"start\":7,\"end\":9,\"label\":\"LOC\"}]", per);
	struct sg_annotation sv[] = {
		{ .row_key = "1", .user = "ann", .value = both, .confidence = NAN },
		{ .row_key = "1", .user = "bob", .value = bobs, .confidence = NAN },
		{ .row_key = "1", .user = "cy", .value = both, .confidence = NAN },
		{ .row_key = "2", .user = "ann", .value = "[{\"start\":0,\"end\":1,\"label\":\"PER\"}]",
		  .confidence = NAN },
		{ .row_key = "2", .user = "bob", .value = "[{\"start\":0,\"end\":2,\"label\":\"PER\"}]",
		  .confidence = NAN },
	};
	assert_int_equal(sg_labels_insert(f->s, f->ds.id, &sp, sv, 5, NULL, &err), 0);
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sp, "majority", 0, "ann", &c, &err), 0);
	r = result_of(&c, "1");
	assert_string_equal(r->value, both);
	assert_true(fabs(r->confidence - 2.0 / 3) < 1e-9);
	assert_int_equal(r->state, SG_RESULT_AGREED);
	r = result_of(&c, "2");
	assert_int_equal(r->state, SG_RESULT_TIE);
	sg_labels_consolidation_done(&c);
	sg_scheme_done(&sp);
}

/* Inserts, for each item i (row key i + 1), the answers of three annotators
 * given as label sets "ab", "a", "" (a string per annotator per item). */
static void insert_sets(struct fixture *f, const struct sg_scheme *sc, const char *users[3],
			const char *const sets[][3], size_t n)
{
	struct sg_error err = { 0 };
	struct sg_annotation *in = calloc(3 * n, sizeof *in);
	char (*keys)[8] = calloc(n, sizeof *keys);
	char (*vals)[3][32] = calloc(n, sizeof *vals);
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[i], sizeof keys[i], "%zu", i + 1);
		for (int a = 0; a < 3; a++) {
			const char *x = sets[i][a];
			snprintf(vals[i][a], sizeof vals[i][a], "[%s%s%s]",
				 strchr(x, 'a') ? "\"a\"" : "", strchr(x, 'a') && strchr(x, 'b') ? "," : "",
				 strchr(x, 'b') ? "\"b\"" : "");
			in[3 * i + (size_t)a] = (struct sg_annotation){ .row_key = keys[i],
				.user = users[a], .value = vals[i][a], .confidence = NAN };
		}
	}
	if (sg_labels_insert(f->s, f->ds.id, sc, in, 3 * n, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	free(in);
	free(keys);
	free(vals);
}

static uint32_t user_index(const struct sg_labels_consolidation *c, const char *name)
{
	for (size_t i = 0; i < c->table.nusers; i++)
		if (strcmp(c->table.users[i], name) == 0)
			return (uint32_t)i;
	fail_msg("no user %s", name);
	return 0;
}

static const char multi_ab[] =
	"{\"type\": \"multi\", \"text_column\": \"review\", \"id_column\": \"id\","
	" \"labels\": [\"a\", \"b\"]}";

/* Multi-label EM, label by label.  ann and bob give the true set on every
 * item; cy agrees with them on a but always says the opposite on b.  EM on
 * b must learn that cy is always wrong (sensitivity and specificity near 0)
 * and return ann and bob's set, confidently; on a everyone is right. */
static void test_consolidation_multi_em_contrarian(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,x\n2,x\n3,x\n4,x\n5,x\n6,x\n7,x\n8,x\n", multi_ab);
	struct sg_error err = { 0 };
	struct sg_scheme sc;
	assert_int_equal(sg_labels_get_scheme(f->s, f->ds.id, &sc, &err), 0);
	const char *users[3] = { "ann", "bob", "cy" };
	static const char *const sets[][3] = {
		{ "ab", "ab", "a" }, { "a", "a", "ab" }, { "b", "b", "" }, { "", "", "b" },
		{ "ab", "ab", "a" }, { "a", "a", "ab" }, { "b", "b", "" }, { "", "", "b" },
	};
	static const char *const want[] = { "[\"a\",\"b\"]", "[\"a\"]", "[\"b\"]", "[]" };
	insert_sets(f, &sc, users, sets, 8);
	struct sg_labels_consolidation c;
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "em", 0, "ann", &c, &err), 0);
	assert_int_equal(c.n, 8);
	assert_int_equal(c.n_em_labels, 2);
	for (size_t i = 0; i < 8; i++) {
		char key[8];
		snprintf(key, sizeof key, "%zu", i + 1);
		const struct sg_label_result *r = result_of(&c, key);
		assert_string_equal(r->value, want[i % 4]);
		assert_true(r->confidence > 0.99 && r->confidence <= 1);
		assert_int_equal(r->state, SG_RESULT_AGREED);
	}
	assert_int_equal(c.n_adjudicate, 0);
	const struct sg_agree_stats *b = c.em_labels[1];
	uint32_t cy = user_index(&c, "cy"), ann = user_index(&c, "ann");
	assert_true(sg_agree_confusion(b, cy, 1, 1) < 0.05);   /* sensitivity */
	assert_true(sg_agree_confusion(b, cy, 0, 0) < 0.05);   /* specificity */
	assert_true(sg_agree_confusion(b, ann, 1, 1) > 0.95);
	assert_true(sg_agree_confusion(b, ann, 0, 0) > 0.95);
	assert_true(sg_agree_confusion(c.em_labels[0], cy, 1, 1) > 0.95);
	/* the reliabilities are in the summary */
	json_t *o = json_loads(c.summary, 0, NULL);
	json_t *pl = json_object_get(o, "em_per_label");
	assert_int_equal(json_array_size(pl), 2);
	json_t *x = json_array_get(pl, 1);
	assert_string_equal(json_string_value(json_object_get(x, "label")), "b");
	json_t *anns = json_object_get(x, "annotators");
	assert_int_equal(json_array_size(anns), 3);
	size_t i;
	json_t *e;
	json_array_foreach(anns, i, e) {
		double sens = json_real_value(json_object_get(e, "sensitivity"));
		if (strcmp(json_string_value(json_object_get(e, "annotator")), "cy") == 0)
			assert_true(sens < 0.05);
		else
			assert_true(sens > 0.95);
	}
	json_decref(o);
	sg_labels_consolidation_done(&c);
	/* majority gives the same sets here: 2 of 3 */
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "majority", 0, "ann", &c, &err), 0);
	assert_null(c.em_labels);
	assert_string_equal(result_of(&c, "1")->value, want[0]);
	assert_true(fabs(result_of(&c, "1")->confidence - 2.0 / 3) < 1e-9);
	sg_labels_consolidation_done(&c);
	sg_scheme_done(&sc);
}

/* Where EM and majority part: rel always gives the true set; u1 and u2 are
 * each wrong on label a on three items of their own (u1 on items 1-3, u2 on
 * 4-6), where rel and the other one outvote them, and both are wrong on
 * items 7 and 8, outvoting rel.  Majority follows u1 and u2 there.  EM
 * learns from items 1-6 that u1 and u2 each miss a third of the time while
 * rel never does, so on items 7 and 8 rel's word is worth more than theirs
 * together: (1 - e_rel) e1 e2 > e_rel (1 - e1)(1 - e2) as long as rel's
 * estimated error e_rel is well below theirs (e1, e2).  Label b is never
 * chosen: everyone agrees on "no". */
static void test_consolidation_multi_em_differs(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,x\n2,x\n3,x\n4,x\n5,x\n6,x\n7,x\n8,x\n9,x\n10,x\n11,x\n12,x\n",
		      multi_ab);
	struct sg_error err = { 0 };
	struct sg_scheme sc;
	assert_int_equal(sg_labels_get_scheme(f->s, f->ds.id, &sc, &err), 0);
	const char *users[3] = { "rel", "u1", "u2" };
	/* truth: a on the odd items (1, 3, ...) */
	static const char *const sets[][3] = {
		{ "a", "", "a" }, { "", "a", "" }, { "a", "", "a" },     /* u1 wrong */
		{ "", "", "a" }, { "a", "a", "" }, { "", "", "a" },      /* u2 wrong */
		{ "a", "", "" }, { "", "a", "a" },                       /* both wrong */
		{ "a", "a", "a" }, { "", "", "" }, { "a", "a", "a" }, { "", "", "" },
	};
	insert_sets(f, &sc, users, sets, 12);
	struct sg_labels_consolidation em, mj;
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "em", 0, "ann", &em, &err), 0);
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "majority", 0, "ann", &mj, &err),
			 0);
	for (int i = 1; i <= 12; i++) {
		char key[8];
		snprintf(key, sizeof key, "%d", i);
		const char *truth = i % 2 ? "[\"a\"]" : "[]";
		const struct sg_label_result *e = result_of(&em, key), *m = result_of(&mj, key);
		assert_string_equal(e->value, truth);
		if (i == 7 || i == 8)
			assert_string_not_equal(m->value, truth);
		else
			assert_string_equal(m->value, truth);
	}
	/* the outvoted items are EM's least certain ones */
	double c7 = result_of(&em, "7")->confidence, c1 = result_of(&em, "1")->confidence;
	assert_true(c7 > 0.5 && c7 <= c1);
	uint32_t rel = user_index(&em, "rel"), u1 = user_index(&em, "u1"), u2 = user_index(&em, "u2");
	const struct sg_agree_stats *a = em.em_labels[0];
	/* twelve items teach softly: rel about 0.85 on both classes, u1 and u2
	 * about 0.53 on one class and 0.70 on the other */
	for (uint32_t k = 0; k < 2; k++) {
		assert_true(sg_agree_confusion(a, rel, k, k) > 0.8);
		assert_true(sg_agree_confusion(a, rel, k, k) > sg_agree_confusion(a, u1, k, k) + 0.1);
		assert_true(sg_agree_confusion(a, rel, k, k) > sg_agree_confusion(a, u2, k, k) + 0.1);
	}
	sg_labels_consolidation_done(&em);
	sg_labels_consolidation_done(&mj);
	/* a threshold above an item's confidence sends it to adjudication */
	sc.low_confidence = (c7 + 1) / 2 < 1 ? (c7 + 1) / 2 : 1;
	assert_int_equal(sg_labels_consolidate(f->s, f->ds.id, &sc, "em", 0, "ann", &em, &err), 0);
	assert_int_equal(result_of(&em, "7")->state, SG_RESULT_LOW);
	assert_true(em.n_adjudicate >= 1);
	sg_labels_consolidation_done(&em);
	sg_scheme_done(&sc);
}

static void test_unlabeled_jump_wraps(void **state)
{
	struct fixture *f = *state;
	register_with(f, "id,review\n1,x\n2,y\n3,z\n", single_by_id);
	struct sg_labels *l = open_as(f, f->s, "ann", NULL);
	struct sg_label_item it;
	struct sg_error err = { 0 };
	label(l, 1, "positive");
	assert_int_equal(sg_labels_next(l, SG_JUMP_UNLABELED, 0, &it, &err), 1);
	assert_int_equal(it.row, 2);
	assert_int_equal(sg_labels_next(l, SG_JUMP_UNLABELED, 2, &it, &err), 1);
	assert_int_equal(it.row, 0);  /* wrapped */
	sg_labels_free(l);
}

static void test_corpus(void **state)
{
	(void)state;
	assert_true(tu_replay_corpus("labelscheme", sg_fuzz_labelscheme) >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scheme_errors_name_the_line),
		cmocka_unit_test(test_scheme_keys_assigned_and_remapped),
		cmocka_unit_test(test_values_canonical_and_spans_checked),
		cmocka_unit_test_setup_teardown(test_id_keys_survive_resort_and_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_keys_orphans_reported_not_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_progress_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_text_and_unknown_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_fewest_first_and_not_mine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leases_spread_two_annotators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_k2_two_annotators_share_an_item, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_column_added_later_moves_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_processes_both_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_loses_no_saved_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relabel_supersedes_and_undo_restores, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filters_import_review_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consolidation_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consolidation_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consolidation_multi_em_contrarian, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consolidation_multi_em_differs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlabeled_jump_wraps, setup, teardown),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
