/* test_nbparams.c — YAML parameters of `nb run` typed as papermill's
 * loader types them, their Python literals, errors with file:line:col,
 * and the fuzz corpus replayed. */
#include "tests/testutil.h"
#include <math.h>
#include "core/nbparams.h"
#include "core/nbrun.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_nbparams.h"

static json_t *parse(const char *text)
{
	struct sg_error err = { 0 };
	json_t *o = NULL;
	if (sg_nbparams_yaml(text, strlen(text), "p.yaml", &o, &err) != 0)
		fail_msg("%s", err.msg);
	return o;
}

/* The Python literal of parameter name in text. */
static char *literal(const char *text, const char *name)
{
	json_t *o = parse(text);
	json_t *v = json_object_get(o, name);
	if (!v)
		fail_msg("no %s", name);
	char *lit = sg_nbrun_json_literal(v);
	json_decref(o);
	return lit;
}

#define LIT(text, name, want) do { \
	char *l_ = literal(text, name); \
	assert_string_equal(l_, want); \
	free(l_); \
} while (0)

static void test_scalars_typed_like_pyyaml(void **state)
{
	(void)state;
	const char *t = "a: yes\nb: No\nc: on\nd: OFF\ne: ~\nf: null\ng:\nh: y\n";
	LIT(t, "a", "True");
	LIT(t, "b", "False");
	LIT(t, "c", "True");
	LIT(t, "d", "False");
	LIT(t, "e", "None");
	LIT(t, "f", "None");
	LIT(t, "g", "None");
	LIT(t, "h", "\"y\"");
	t = "a: 0b1010\nb: 017\nc: 0x_FF\nd: 1_000\ne: -42\nf: 1:30\ng: 190:20:30\nh: 08\n";
	LIT(t, "a", "10");
	LIT(t, "b", "15");
	LIT(t, "c", "255");
	LIT(t, "d", "1000");
	LIT(t, "e", "-42");
	LIT(t, "f", "90");
	LIT(t, "g", "685230");
	LIT(t, "h", "\"08\"");          /* not octal, not decimal: text */
	t = "a: 1.5\nb: 1.\nc: .5\nd: 6.8e+3\ne: 1e3\nf: .inf\ng: -.Inf\nh: .NaN\ni: 0.1\n";
	LIT(t, "a", "1.5");
	LIT(t, "b", "1.0");
	LIT(t, "c", "0.5");
	LIT(t, "d", "6800.0");
	LIT(t, "e", "\"1e3\"");         /* YAML 1.1 floats need a dot */
	LIT(t, "f", "float(\"inf\")");
	LIT(t, "g", "float(\"-inf\")");
	LIT(t, "h", "float(\"nan\")");
	LIT(t, "i", "0.1");
	LIT("a: 1:30.5\nb: 1_0.2_5\nc: 0o17\n", "a", "90.5");
	LIT("a: 1:30.5\nb: 1_0.2_5\nc: 0o17\n", "b", "10.25");
	LIT("a: 1:30.5\nb: 1_0.2_5\nc: 0o17\n", "c", "\"0o17\"");   /* YAML 1.2 octal: text */
	t = "a: \"1\"\nb: 'yes'\nc: |\n  two\n  lines\nd: !!str 12\ne: !!int \"7\"\nf: !!float \"3\"\n"
	    "g: 2001-12-14\nh: \"tab\\there \\\"q\\\" \\\\\"\ni: \"\\0x\"\n";
	LIT(t, "a", "\"1\"");
	LIT(t, "b", "\"yes\"");
	LIT(t, "c", "\"two\\nlines\\n\"");
	LIT(t, "d", "\"12\"");
	LIT(t, "e", "7");
	LIT(t, "f", "3.0");
	LIT(t, "g", "\"2001-12-14\"");   /* no dates: text, as papermill's loader */
	LIT(t, "h", "\"tab\\x09here \\\"q\\\" \\\\\"");
	LIT(t, "i", "\"\\x00x\"");
}

static void test_collections_and_aliases(void **state)
{
	(void)state;
	const char *t = "a: [1, 2, [3, {x: 4}]]\nb: {c: d, 1: e}\nc:\n  - one\n  - two: 2\n"
			"base: &b {lr: 0.1, depth: 3}\ncopy: *b\nl: [*b]\n";
	LIT(t, "a", "[1, 2, [3, {\"x\": 4}]]");
	LIT(t, "b", "{\"c\": \"d\", \"1\": \"e\"}");
	LIT(t, "c", "[\"one\", {\"two\": 2}]");
	LIT(t, "copy", "{\"lr\": 0.1, \"depth\": 3}");
	LIT(t, "l", "[{\"lr\": 0.1, \"depth\": 3}]");
	/* a repeated name: the last wins, as in PyYAML */
	LIT("a: 1\na: 2\n", "a", "2");
	/* empty documents: no parameters */
	json_t *o = parse("");
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
	o = parse("# nothing\n");
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
	o = parse("%YAML 1.1\n--- !!map\na: 1\n...\n");
	assert_int_equal(json_object_size(o), 1);
	json_decref(o);
}

/* An error: its text starts with want ("p.yaml:L:C: ..."). */
static void bad(const char *text, const char *want)
{
	struct sg_error err = { 0 };
	json_t *o = NULL;
	assert_int_equal(sg_nbparams_yaml(text, strlen(text), "p.yaml", &o, &err), -1);
	assert_null(o);
	assert_int_equal(err.code, SG_E_PARSE);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("'%s' does not start with '%s'", err.msg, want);
}

static void test_errors_name_line_and_column(void **state)
{
	(void)state;
	bad("a: [1, 2\n", "p.yaml:2:1: did not find expected ',' or ']'");
	bad("a: 1\nb: c: d\n", "p.yaml:2:5: mapping values are not allowed");
	bad("- 1\n- 2\n", "p.yaml:1:1: the parameters must be a mapping");
	bad("text\n", "p.yaml:1:1: the parameters must be a mapping");
	bad("a: 1\n---\nb: 2\n", "p.yaml:2:1: more than one document");
	bad("ok: 1\n1x: 1\n", "p.yaml:2:1: parameter name '1x' is not a Python identifier");
	bad("a: *nope\n", "p.yaml:1:4: unknown alias *nope");
	bad("a: &r [*r]\n", "p.yaml:1:8: unknown alias *r");
	bad("a: !!python/object:os.system ls\n", "p.yaml:1:4: unsupported tag");
	bad("a: 99999999999999999999\n", "p.yaml:1:4: integer 99999999999999999999 is beyond 64 bits");
	bad("a: !!int abc\n", "p.yaml:1:4: 'abc' does not match its tag");
	bad("a: \"open\n", "p.yaml:2:1: found unexpected end of stream");
	/* a bomb of aliases: refused before anything expands it */
	bad("a: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
	    "p.yaml:1:1: aliases expand to more than a million values");
	char deep[400] = "a: ";
	for (int i = 0; i < 70; i++)
		strcat(deep, "[");
	for (int i = 0; i < 70; i++)
		strcat(deep, "]");
	bad(deep, "p.yaml:1:");
}

static void test_file(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_write(dir, "params.yaml", "alpha: 0.6\nname: iris\n");
	struct sg_error err = { 0 };
	json_t *o = NULL;
	assert_int_equal(sg_nbparams_yaml_file(path, &o, &err), 0);
	assert_int_equal(json_object_size(o), 2);
	json_decref(o);
	free(path);
	path = tu_write(dir, "bad.yaml", "alpha: [\n");
	assert_int_equal(sg_nbparams_yaml_file(path, &o, &err), -1);
	assert_non_null(strstr(err.msg, "bad.yaml:2:1:"));
	free(path);
	path = sg_path_join(dir, "missing.yaml");
	assert_int_equal(sg_nbparams_yaml_file(path, &o, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

/* -b: the YAML base64-encoded (with or without line breaks); bad base64
 * and YAML errors inside say -b. */
static void test_base64(void **state)
{
	(void)state;
	struct sg_error err = { 0 };
	json_t *o = NULL;
	/* "alpha: 0.6\nname: iris\n" */
	assert_int_equal(sg_nbparams_yaml_base64("YWxwaGE6IDAuNgpuYW1lOiBpcmlzCg==", &o, &err), 0);
	assert_true(json_real_value(json_object_get(o, "alpha")) == 0.6);
	assert_string_equal(json_string_value(json_object_get(o, "name")), "iris");
	json_decref(o);
	assert_int_equal(sg_nbparams_yaml_base64("YWxwaGE6IDAu\nNgpuYW1lOiBpcmlzCg==\n", &o, &err), 0);
	assert_int_equal(json_object_size(o), 2);
	json_decref(o);
	assert_int_equal(sg_nbparams_yaml_base64("not base64 at all!", &o, &err), -1);
	assert_string_equal(err.msg, "-b: not valid base64 text");
	assert_null(o);
	/* "a: b: c\n" */
	assert_int_equal(sg_nbparams_yaml_base64("YTogYjogYwo=", &o, &err), -1);
	assert_non_null(strstr(err.msg, "-b:1:5: mapping values are not allowed"));
}

/* Typed parameters in the injected cell and in metadata. */
static void test_inject_typed(void **state)
{
	(void)state;
	json_t *o = parse("lr: .nan\ngrid: {depth: [3, 5]}\n");
	struct sg_nbrun_param ps[2] = {
		{ .key = "lr", .typed = json_object_get(o, "lr") },
		{ .key = "grid", .typed = json_object_get(o, "grid") },
	};
	struct sg_nb *nb = sg_nb_new();
	assert_int_equal(sg_nbrun_inject(nb, ps, 2), 0);
	assert_string_equal(nb->cells[0].source,
			    "# Parameters\nlr = float(\"nan\")\ngrid = {\"depth\": [3, 5]}\n");
	json_t *meta = NULL;
	free(sg_nbrun_param_literal(&ps[0], &meta));
	assert_string_equal(json_string_value(meta), "nan");
	json_decref(meta);
	sg_nb_free(nb);
	json_decref(o);
}

static void test_corpus(void **state)
{
	(void)state;
	assert_true(tu_replay_corpus("nbparams", sg_fuzz_nbparams) >= 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_typed_like_pyyaml),
		cmocka_unit_test(test_collections_and_aliases),
		cmocka_unit_test(test_errors_name_line_and_column),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_inject_typed),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
