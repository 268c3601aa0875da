/* test_nbformat.c — .ipynb and percent-format reading and writing, cell
 * operations, output text, and a replay of the notebook fuzz corpora. */
#include "tests/testutil.h"
#include "core/nbformat.h"
#include "core/nbpercent.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_nb.h"

static struct sg_nb *parse_ok(const char *text)
{
	struct sg_nb *nb = NULL;
	struct sg_error err = { 0 };
	if (sg_nb_parse(text, strlen(text), "t.ipynb", &nb, &err) != 0)
		fail_msg("parse failed: %s", err.msg);
	return nb;
}

static void parse_fails(const char *text, size_t len, const char *expect)
{
	struct sg_nb *nb = (struct sg_nb *)1;
	struct sg_error err = { 0 };
	assert_int_equal(sg_nb_parse(text, len, "t.ipynb", &nb, &err), -1);
	assert_null(nb);
	assert_int_equal(err.code, SG_E_PARSE);
	if (!strstr(err.msg, expect))
		fail_msg("expected '%s' in '%s'", expect, err.msg);
}

/* Sources as a string or a list of lines; ids kept, generated when missing,
 * invalid or duplicated; execution counts. */
static void test_cells_and_ids(void **state)
{
	struct sg_nb *nb = parse_ok(
		"{\"cells\": ["
		"{\"id\": \"keep-me_1\", \"cell_type\": \"code\", \"source\": [\"a = 1\\n\", \"a\"],"
		" \"metadata\": {}, \"outputs\": [], \"execution_count\": 12},"
		"{\"cell_type\": \"markdown\", \"source\": \"# T\\nbody\", \"metadata\": {}},"
		"{\"id\": \"keep-me_1\", \"cell_type\": \"raw\", \"source\": \"dup\", \"metadata\": {}},"
		"{\"id\": \"no spaces\", \"cell_type\": \"code\", \"source\": \"\", \"metadata\": {},"
		" \"outputs\": [], \"execution_count\": null}],"
		" \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 4}");
	assert_int_equal(nb->ncells, 4);
	assert_string_equal(nb->cells[0].id, "keep-me_1");
	assert_string_equal(nb->cells[0].source, "a = 1\na");
	assert_int_equal(nb->cells[0].execution_count, 12);
	assert_int_equal(nb->cells[1].type, SG_NB_MARKDOWN);
	assert_string_equal(nb->cells[1].source, "# T\nbody");
	assert_null(nb->cells[1].outputs);
	assert_int_equal(nb->cells[2].type, SG_NB_RAW);
	assert_int_equal(nb->cells[3].execution_count, -1);
	assert_int_equal(nb->ids_generated, 3);
	for (size_t i = 0; i < nb->ncells; i++) {
		assert_true(sg_nb_id_valid(nb->cells[i].id));
		assert_int_equal(sg_nb_find(nb, nb->cells[i].id), (long)i);
	}
	assert_int_equal(nb->nbformat_minor, 5);
	assert_false(sg_nb_id_valid(""));
	assert_false(sg_nb_id_valid("a.b"));
	char longid[70];
	memset(longid, 'a', 65);
	longid[65] = '\0';
	assert_false(sg_nb_id_valid(longid));
	longid[64] = '\0';
	assert_true(sg_nb_id_valid(longid));
	sg_nb_free(nb);
}

/* The exact layout nbformat writes: 1-space indent, sorted keys, sources as
 * lists of lines, a final newline. */
static void test_canonical_layout(void **state)
{
	struct sg_nb *nb = parse_ok(
		"{\"nbformat_minor\": 5, \"nbformat\": 4, \"metadata\": {\"z\": 0.1, \"a\": [1.0, \"é\"]},"
		" \"cells\": [{\"source\": \"x = 1\\nx\", \"outputs\": [{\"output_type\": \"stream\","
		" \"name\": \"stdout\", \"text\": \"1\\n2\\n\"}], \"metadata\": {}, \"id\": \"abc\","
		" \"execution_count\": 1, \"cell_type\": \"code\"}]}");
	char *text = sg_nb_dump(nb, NULL);
	const char *expect =
		"{\n"
		" \"cells\": [\n"
		"  {\n"
		"   \"cell_type\": \"code\",\n"
		"   \"execution_count\": 1,\n"
		"   \"id\": \"abc\",\n"
		"   \"metadata\": {},\n"
		"   \"outputs\": [\n"
		"    {\n"
		"     \"name\": \"stdout\",\n"
		"     \"output_type\": \"stream\",\n"
		"     \"text\": [\n"
		"      \"1\\n\",\n"
		"      \"2\\n\"\n"
		"     ]\n"
		"    }\n"
		"   ],\n"
		"   \"source\": [\n"
		"    \"x = 1\\n\",\n"
		"    \"x\"\n"
		"   ]\n"
		"  }\n"
		" ],\n"
		" \"metadata\": {\n"
		"  \"a\": [\n"
		"   1.0,\n"
		"   \"é\"\n"
		"  ],\n"
		"  \"z\": 0.1\n"
		" },\n"
		" \"nbformat\": 4,\n"
		" \"nbformat_minor\": 5\n"
		"}\n";
	assert_string_equal(text, expect);
	free(text);
	sg_nb_free(nb);
}

/* Unknown metadata (notebook, cell), unknown keys and attachments survive
 * a write and a read with the same meaning. */
static void test_unknown_metadata_kept(void **state)
{
	const char *in =
		"{\"cells\": [{\"id\": \"m\", \"cell_type\": \"markdown\", \"source\": \"s\","
		" \"metadata\": {\"custom\": {\"deep\": [1, {\"a\": 1e-05}], \"big\": 12345678901234567,"
		" \"neg\": -0.0, \"t\": true, \"n\": null}},"
		" \"attachments\": {\"x.png\": {\"image/png\": \"AAAA\"}}, \"x-cell\": 1}],"
		" \"metadata\": {\"vendor\": {\"\\u00fc\": \"\\ud83d\\ude00 \\u001b \\\"q\\\"\"},"
		" \"kernelspec\": {\"name\": \"python3\"}},"
		" \"x-top\": [1, 2], \"nbformat\": 4, \"nbformat_minor\": 5}";
	struct sg_nb *nb = parse_ok(in);
	char *text = sg_nb_dump(nb, NULL);
	json_t *a = json_loads(in, 0, NULL), *b = json_loads(text, 0, NULL);
	assert_non_null(b);
	/* Sources become lists of lines: compare everything else. */
	json_t *ca = json_array_get(json_object_get(a, "cells"), 0);
	json_t *cb = json_array_get(json_object_get(b, "cells"), 0);
	json_object_del(ca, "source");
	json_object_del(cb, "source");
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	free(text);
	sg_nb_free(nb);
}

/* nbformat 3: worksheets, input, prompt_number, pyout, pyerr, stream,
 * heading cells, mime keys. */
static void test_v3_upgrade(void **state)
{
	struct sg_nb *nb = parse_ok(
		"{\"metadata\": {\"name\": \"old\", \"signature\": \"x\", \"keep\": 1},"
		" \"nbformat\": 3, \"nbformat_minor\": 0, \"worksheets\": [{\"cells\": ["
		"{\"cell_type\": \"heading\", \"level\": 2, \"source\": [\"Title\"], \"metadata\": {}},"
		"{\"cell_type\": \"code\", \"input\": [\"a = 1\\n\", \"a\"], \"prompt_number\": 4,"
		" \"collapsed\": true, \"language\": \"python\", \"metadata\": {}, \"outputs\": ["
		"  {\"output_type\": \"pyout\", \"prompt_number\": 4, \"text\": [\"1\"], \"png\": \"AAAA\","
		"   \"json\": \"{\\\"k\\\": 2}\", \"metadata\": {}},"
		"  {\"output_type\": \"stream\", \"stream\": \"stderr\", \"text\": \"warn\\n\"},"
		"  {\"output_type\": \"pyerr\", \"ename\": \"E\", \"evalue\": \"v\", \"traceback\": [\"t\"]}]},"
		"{\"cell_type\": \"markdown\", \"source\": \"md\", \"metadata\": {}}]}]}");
	assert_int_equal(nb->upgraded_from, 3);
	assert_int_equal(nb->ncells, 3);
	assert_int_equal(nb->cells[0].type, SG_NB_MARKDOWN);
	assert_string_equal(nb->cells[0].source, "## Title");
	assert_string_equal(nb->cells[1].source, "a = 1\na");
	assert_int_equal(nb->cells[1].execution_count, 4);
	assert_true(json_is_true(json_object_get(nb->cells[1].metadata, "collapsed")));
	json_t *outs = nb->cells[1].outputs;
	assert_int_equal(json_array_size(outs), 3);
	json_t *res = json_array_get(outs, 0);
	assert_string_equal(json_string_value(json_object_get(res, "output_type")), "execute_result");
	assert_int_equal(json_integer_value(json_object_get(res, "execution_count")), 4);
	json_t *data = json_object_get(res, "data");
	assert_non_null(json_object_get(data, "text/plain"));
	assert_non_null(json_object_get(data, "image/png"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(data, "application/json"), "k")), 2);
	json_t *st = json_array_get(outs, 1);
	assert_string_equal(json_string_value(json_object_get(st, "name")), "stderr");
	assert_string_equal(json_string_value(json_object_get(json_array_get(outs, 2), "output_type")), "error");
	assert_null(json_object_get(nb->metadata, "name"));
	assert_null(json_object_get(nb->metadata, "signature"));
	assert_non_null(json_object_get(nb->metadata, "keep"));
	sg_nb_free(nb);
}

static void test_bad_input(void **state)
{
	parse_fails("{\"cells\": [\n  {\"cell_type\": }\n]}", 30, "t.ipynb:2:");
	parse_fails("{\"cells\": [], \"nbformat\": 5}", 28, "nbformat 5 is not supported");
	parse_fails("{\"cells\": []}", 13, "no \"nbformat\"");
	parse_fails("[1]", 3, "not an object");
	parse_fails("\x89PNG\r\n\x1a\n\0\0", 10, "binary data");
	parse_fails("{\"cells\": [{\"cell_type\": \"x\"}], \"nbformat\": 4}", 46, "cell 1: unknown cell_type");
	parse_fails("{\"cells\": [{\"cell_type\": \"code\", \"source\": [1]}], \"nbformat\": 4}", 64,
		    "cell 1: \"source\"");
	parse_fails("", 0, "t.ipynb:1:");
	/* A file that cannot be read is an I/O error, not a crash. */
	struct sg_nb *nb;
	struct sg_error err = { 0 };
	assert_int_equal(sg_nb_load("/nonexistent/x.ipynb", &nb, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
}

/* A multi-megabyte output is kept whole through a save and a load. */
static void test_big_output(void **state)
{
	char *dir = tu_tempdir();
	struct sg_nb *nb = sg_nb_new();
	struct sg_nb_cell *c = sg_nb_insert(nb, 0, SG_NB_CODE, "print('x' * 8000000)");
	size_t big = 8u << 20;
	char *text = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		text[i] = i % 100 == 99 ? '\n' : (char)('a' + i % 26);
	text[big] = '\0';
	sg_nb_cell_append_stream(c, "stdout", text);
	char *path = sg_path_join(dir, "big.ipynb");
	struct sg_error err = { 0 };
	assert_int_equal(sg_nb_save_file(path, nb, &err), 0);
	struct sg_nb *back;
	assert_int_equal(sg_nb_load(path, &back, &err), 0);
	char *got = sg_nb_join_lines(json_object_get(json_array_get(back->cells[0].outputs, 0), "text"));
	assert_non_null(got);
	assert_int_equal(strlen(got), big);
	assert_memory_equal(got, text, big);
	free(got);
	free(text);
	sg_nb_free(back);
	sg_nb_free(nb);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void test_cell_ops(void **state)
{
	struct sg_nb *nb = sg_nb_new();
	sg_nb_insert(nb, 0, SG_NB_CODE, "a");
	sg_nb_insert(nb, 1, SG_NB_CODE, "b");
	sg_nb_insert(nb, 99, SG_NB_MARKDOWN, "c");
	sg_nb_insert(nb, 0, SG_NB_RAW, NULL);
	assert_int_equal(nb->ncells, 4);
	assert_string_equal(nb->cells[0].source, "");
	assert_string_equal(nb->cells[3].source, "c");
	assert_int_equal(sg_nb_move(nb, 3, 0), 0);
	assert_string_equal(nb->cells[0].source, "c");
	assert_string_equal(nb->cells[2].source, "a");
	assert_int_equal(sg_nb_move(nb, 0, 3), 0);
	assert_string_equal(nb->cells[3].source, "c");
	assert_int_equal(sg_nb_move(nb, 0, 4), -1);
	assert_int_equal(sg_nb_delete(nb, 0), 0);
	assert_int_equal(sg_nb_delete(nb, 3), -1);
	assert_string_equal(nb->cells[0].source, "a");
	struct sg_nb_cell *c = &nb->cells[0];
	sg_nb_cell_append_stream(c, "stdout", "one\n");
	sg_nb_cell_append_stream(c, "stdout", "two\n");
	sg_nb_cell_append_stream(c, "stderr", "err\n");
	assert_int_equal(json_array_size(c->outputs), 2);
	char *t = sg_nb_output_text(json_array_get(c->outputs, 0));
	assert_string_equal(t, "one\ntwo\n");
	free(t);
	c->execution_count = 3;
	sg_nb_cell_set_type(c, SG_NB_MARKDOWN);
	assert_null(c->outputs);
	assert_int_equal(c->execution_count, -1);
	sg_nb_cell_set_type(c, SG_NB_CODE);
	assert_int_equal(json_array_size(c->outputs), 0);
	sg_nb_cell_set_source(c, "new");
	struct sg_nb *copy = sg_nb_clone(nb);
	sg_nb_cell_set_source(&nb->cells[0], "changed");
	assert_string_equal(copy->cells[0].source, "new");
	struct sg_nb_cell *dup = sg_nb_insert_copy(copy, 1, &copy->cells[0]);
	assert_string_not_equal(dup->id, copy->cells[0].id);
	sg_nb_cell_append_output(&copy->cells[1], json_pack("{s:s}", "output_type", "x"));
	sg_nb_strip_outputs(copy);
	assert_int_equal(json_array_size(copy->cells[1].outputs), 0);
	sg_nb_free(copy);
	sg_nb_free(nb);
}

static char *out_text(const char *json)
{
	json_t *o = json_loads(json, 0, NULL);
	assert_non_null(o);
	char *t = sg_nb_output_text(o);
	json_decref(o);
	return t;
}

static void test_output_text(void **state)
{
	char *t = out_text("{\"output_type\": \"execute_result\", \"data\": {\"text/plain\": [\"[1, \", \"2]\"],"
			   " \"text/html\": \"<b>x</b>\"}, \"metadata\": {}, \"execution_count\": 1}");
	assert_string_equal(t, "[1, 2]");
	free(t);
	t = out_text("{\"output_type\": \"display_data\", \"data\": {\"text/html\":"
		     " \"<table><tr><td>a &amp; b</td></tr></table><script>x()</script>\"}, \"metadata\": {}}");
	assert_string_equal(t, "a & b\t\n");
	free(t);
	/* A PNG's size is read from its header: 640x480. */
	t = out_text("{\"output_type\": \"display_data\", \"data\": {\"image/png\":"
		     " \"iVBORw0KGgoAAAANSUhEUgAAAoAAAAHgCAYAAAA10dzkAAAA\"}, \"metadata\": {}}");
	assert_string_equal(t, "[image/png 640x480, 36 B]");
	free(t);
	t = out_text("{\"output_type\": \"error\", \"ename\": \"ValueError\", \"evalue\": \"bad\","
		     " \"traceback\": [\"\\u001b[0;31mValueError\\u001b[0m: bad\", \"\\u001b]8;;x\\u0007link\"]}");
	assert_string_equal(t, "ValueError: bad\nValueError: bad\nlink");
	free(t);
	t = out_text("{\"output_type\": \"stream\", \"name\": \"stdout\", \"text\": \"\\u001b[1mhi\\u001b[0m\"}");
	assert_string_equal(t, "hi");
	free(t);
	t = out_text("{\"output_type\": \"display_data\", \"data\": {\"application/json\": {\"a\": 1}}}");
	assert_string_equal(t, "{\"a\":1}");
	free(t);
	t = out_text("{\"output_type\": \"display_data\", \"data\": {\"text/markdown\": \"**b**\"}}");
	assert_string_equal(t, "**b**");
	free(t);
}

static struct sg_nb *percent_ok(const char *text)
{
	struct sg_nb *nb = NULL;
	struct sg_error err = { 0 };
	if (sg_nb_parse_percent(text, strlen(text), "t.py", &nb, &err) != 0)
		fail_msg("percent parse failed: %s", err.msg);
	return nb;
}

static void test_percent_read(void **state)
{
	struct sg_nb *nb = percent_ok(
		"# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n"
		"#     language: python\n#     name: python3\n# ---\n\n"
		"# %%\nimport os\n# %matplotlib inline\n\n"
		"# %% [markdown]\n# # Title\n#\n# body\n\n"
		"# %% Load data [raw] tags=[\"a b\", \"c\"]\nraw text\n\n"
		"#%%\nlast\n");
	assert_int_equal(nb->ncells, 4);
	assert_string_equal(nb->cells[0].source, "import os\n%matplotlib inline");
	assert_int_equal(nb->cells[1].type, SG_NB_MARKDOWN);
	assert_string_equal(nb->cells[1].source, "# Title\n\nbody");
	assert_int_equal(nb->cells[2].type, SG_NB_RAW);
	assert_string_equal(json_string_value(json_object_get(nb->cells[2].metadata, "title")), "Load data");
	json_t *tags = json_object_get(nb->cells[2].metadata, "tags");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "a b");
	assert_string_equal(nb->cells[3].source, "last");
	json_t *ks = json_object_get(nb->metadata, "kernelspec");
	assert_string_equal(json_string_value(json_object_get(ks, "name")), "python3");
	assert_string_equal(json_string_value(json_object_get(ks, "display_name")), "Python 3");
	/* The header is written back as it was. */
	char *back = sg_nb_dump_percent(nb, NULL);
	assert_non_null(strstr(back, "# ---\n# jupyter:\n#   kernelspec:\n"));
	assert_non_null(strstr(back, "# %% Load data [raw] tags=[\"a b\",\"c\"]\n"));
	free(back);
	sg_nb_free(nb);
	/* A plain script is one code cell. */
	nb = percent_ok("def f():\n    return 1\n");
	assert_int_equal(nb->ncells, 1);
	assert_string_equal(nb->cells[0].source, "def f():\n    return 1");
	sg_nb_free(nb);
	struct sg_error err = { 0 };
	assert_int_equal(sg_nb_parse_percent("# %%\nx = 'caf\xe9'\n", 16, "t.py", &nb, &err), -1);
	assert_non_null(strstr(err.msg, "t.py:2:9: not UTF-8"));
}

/* Sources survive notebook -> percent -> notebook exactly, whatever they
 * hold: markers, magics, shebangs, blank lines, trailing newlines. */
static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A script of 100,000 cells: every cell read, each with its own valid id.
 * Naming cells one by one against all earlier ones took minutes here. */
static void test_percent_many_cells(void **state)
{
	size_t n = 100000, unit = strlen("# %%\nx\n");
	char *text = malloc(n * unit + 1);
	const char **ids = malloc(n * sizeof *ids);

	assert_non_null(text);
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * unit, "# %%\nx\n", unit);
	text[n * unit] = '\0';
	struct sg_nb *nb = percent_ok(text);
	assert_int_equal(nb->ncells, n);
	assert_int_equal(nb->ids_generated, 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(sg_nb_id_valid(nb->cells[i].id));
		assert_string_equal(nb->cells[i].source, "x");
		ids[i] = nb->cells[i].id;
	}
	qsort(ids, n, sizeof *ids, id_cmp);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) != 0);
	free(ids);
	free(text);
	sg_nb_free(nb);
}

static void test_percent_lossless(void **state)
{
	static const char *const code[] = {
		"", "\n", "\n\n", "a\n", "a\n\n", "%matplotlib inline", "# %%", "#%% x", "# # %%",
		"!ls\n# !ls\n# # !ls", "#!/usr/bin/env python\nprint(1)", "# %time is a comment",
		"x = 1\n\n\ny = 2\n", "\tindented\r\ncrlf\r\n", "# ---\nnot a header\n# ---",
		"%% x\n%%\n\\%% y\n# \\%% z\n%%%%time\n%%time",
	};
	static const char *const md[] = {
		"", "\n", "# Title", "%% percent", "\\%% one", "\\\\%% two", "#", "line\n\nafter\n",
		"  spaced", "# %% looks like a marker",
	};
	struct sg_nb *nb = sg_nb_new();
	for (size_t i = 0; i < sizeof code / sizeof code[0]; i++)
		sg_nb_insert(nb, nb->ncells, SG_NB_CODE, code[i]);
	for (size_t i = 0; i < sizeof md / sizeof md[0]; i++) {
		sg_nb_insert(nb, nb->ncells, SG_NB_MARKDOWN, md[i]);
		sg_nb_insert(nb, nb->ncells, SG_NB_RAW, md[i]);
	}
	json_object_set_new(nb->cells[0].metadata, "title", json_string("odd = title"));
	json_object_set_new(nb->cells[1].metadata, "title", json_string("Plain title"));
	size_t len;
	char *py = sg_nb_dump_percent(nb, &len);
	struct sg_nb *back = percent_ok(py);
	assert_int_equal(back->ncells, nb->ncells);
	for (size_t i = 0; i < nb->ncells; i++) {
		assert_int_equal(back->cells[i].type, nb->cells[i].type);
		if (strcmp(back->cells[i].source, nb->cells[i].source) != 0)
			fail_msg("cell %zu: '%s' came back as '%s'", i, nb->cells[i].source,
				 back->cells[i].source);
	}
	assert_string_equal(json_string_value(json_object_get(back->cells[0].metadata, "title")),
			    "odd = title");
	assert_string_equal(json_string_value(json_object_get(back->cells[1].metadata, "title")),
			    "Plain title");
	char *py2 = sg_nb_dump_percent(back, NULL);
	assert_string_equal(py, py2);
	free(py);
	free(py2);
	sg_nb_free(back);
	sg_nb_free(nb);
}

/* Saving replaces the file atomically and keeps its mode; .py paths are
 * written in the percent format and read back by sg_nb_load. */
static void test_save_load_files(void **state)
{
	char *dir = tu_tempdir();
	char *path = tu_write(dir, "n.ipynb", "old");
	chmod(path, 0640);
	struct sg_nb *nb = sg_nb_new();
	sg_nb_insert(nb, 0, SG_NB_CODE, "x = 1");
	struct sg_error err = { 0 };
	assert_int_equal(sg_nb_save_file(path, nb, &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	char *py = sg_path_join(dir, "n.py");
	assert_int_equal(sg_nb_save_file(py, nb, &err), 0);
	size_t len;
	char *text = sg_read_file(py, 1 << 20, &len, &err);
	assert_string_equal(text, "# %%\nx = 1\n");
	free(text);
	struct sg_nb *back;
	assert_int_equal(sg_nb_load(py, &back, &err), 0);
	assert_string_equal(back->cells[0].source, "x = 1");
	sg_nb_free(back);
	assert_int_equal(sg_nb_load(path, &back, &err), 0);
	assert_string_equal(back->cells[0].id, nb->cells[0].id);
	sg_nb_free(back);
	sg_nb_free(nb);
	free(py);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void test_corpus(void **state)
{
	assert_true(tu_replay_corpus("ipynb", sg_fuzz_ipynb) >= 25);
	assert_true(tu_replay_corpus("percent", sg_fuzz_percent) >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells_and_ids),
		cmocka_unit_test(test_canonical_layout),
		cmocka_unit_test(test_unknown_metadata_kept),
		cmocka_unit_test(test_v3_upgrade),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_big_output),
		cmocka_unit_test(test_cell_ops),
		cmocka_unit_test(test_output_text),
		cmocka_unit_test(test_percent_read),
		cmocka_unit_test(test_percent_lossless),
		cmocka_unit_test(test_percent_many_cells),
		cmocka_unit_test(test_save_load_files),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
