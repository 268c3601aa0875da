/* test_job.c — the SageMaker contract's builders (files, environment, argv,
 * tree, failure reason), job states, request validation, the stored spec,
 * and /proc sampling. */
#include "tests/testutil.h"
#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "core/dataset.h"
#include "core/job.h"
#include "core/job_int.h"
#include "core/proc.h"
#include "core/schema.h"
#include "core/sagemaker.h"
#include "core/util.h"

static const struct sg_sm_kv hps[] = {
	{ "lr", "0.05" }, { "epochs", "10" }, { "name", "say \"hi\"\\" }, { "flag", "true" },
	{ "layers", "[64, 32]" }, { "learning-rate", "1e-3" }, { "zip", "01" },
};
#define NHPS (sizeof hps / sizeof hps[0])

static struct sg_sm_job job(const char *run_dir, const struct sg_sm_channel *ch, size_t nch)
{
	struct sg_sm_job j = { .job_name = "exp-1", .run_dir = run_dir, .script = "/code/train.py",
			       .hps = hps, .nhps = NHPS, .channels = ch, .nchannels = nch,
			       .num_cpus = 4 };
	return j;
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fail_msg("not JSON (%s): %s", e.text, text);
	return v;
}

static void test_parse_args(void **state)
{
	char *k, *v;
	struct sg_error err;
	assert_int_equal(sg_sm_parse_hp("lr=0.1", &k, &v, &err), 0);
	assert_string_equal(k, "lr");
	assert_string_equal(v, "0.1");
	free(k), free(v);
	assert_int_equal(sg_sm_parse_hp("expr=a=b", &k, &v, &err), 0);
	assert_string_equal(v, "a=b");
	free(k), free(v);
	assert_int_equal(sg_sm_parse_hp("empty=", &k, &v, &err), 0);
	assert_string_equal(v, "");
	free(k), free(v);
	static const char *const bad[] = { "lr", "=1", "-x=1", "a b=1", "t=a\nb" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sg_sm_parse_hp(bad[i], &k, &v, &err), -1);
		assert_int_equal(err.code, SG_E_USAGE);
		assert_null(k);
	}
	assert_int_equal(sg_sm_parse_hp("lr", &k, &v, &err), -1);
	assert_string_equal(err.msg, "--hp needs KEY=VALUE, not 'lr'");
	assert_int_equal(sg_sm_parse_channel("train=data/x.csv", &k, &v, &err), 0);
	assert_string_equal(k, "train");
	assert_string_equal(v, "data/x.csv");
	free(k), free(v);
	assert_int_equal(sg_sm_parse_channel("train=", &k, &v, &err), -1);
	assert_int_equal(sg_sm_parse_channel(".hidden=x", &k, &v, &err), -1);
	char longname[80];
	memset(longname, 'a', 70);
	strcpy(longname + 70, "=x");
	assert_int_equal(sg_sm_parse_channel(longname, &k, &v, &err), -1);
	assert_int_equal(sg_sm_check_channel_name("validation-2.v_1", &err), 0);
}

static void test_config_files(void **state)
{
	struct sg_sm_channel ch[] = { { "train", "/data/train.csv" }, { "test", "/data/test" } };
	struct sg_sm_job j = job("/ws/.sagetty/runs/abc", ch, 2);
	char *text = sg_sm_hyperparameters_json(&j);
	json_t *v = parse(text);
	assert_int_equal(json_object_size(v), NHPS);
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val)
		assert_true(json_is_string(val));   /* SageMaker: all strings */
	assert_string_equal(json_string_value(json_object_get(v, "name")), "say \"hi\"\\");
	assert_string_equal(json_string_value(json_object_get(v, "epochs")), "10");
	json_decref(v);
	free(text);

	text = sg_sm_inputdataconfig_json(&j);
	v = parse(text);
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "train"),
							      "TrainingInputMode")), "File");
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "train"),
							      "ContentType")), "text/csv");
	assert_null(json_object_get(json_object_get(v, "test"), "ContentType"));
	json_decref(v);
	free(text);

	text = sg_sm_resourceconfig_json(&j);
	v = parse(text);
	assert_string_equal(json_string_value(json_object_get(v, "current_host")), "algo-1");
	assert_int_equal(json_array_size(json_object_get(v, "hosts")), 1);
	assert_non_null(json_object_get(v, "network_interface_name"));
	json_decref(v);
	free(text);
}

static void test_hps_decoded(void **state)
{
	struct sg_sm_job j = job("/r", NULL, 0);
	char *text = sg_sm_hps_json(&j);
	/* Numbers are written as given, not re-formatted. */
	assert_non_null(strstr(text, "\"lr\": 0.05"));
	assert_non_null(strstr(text, "\"learning-rate\": 1e-3"));
	json_t *v = parse(text);
	assert_true(json_is_integer(json_object_get(v, "epochs")));
	assert_true(json_is_true(json_object_get(v, "flag")));
	assert_true(json_is_array(json_object_get(v, "layers")));
	assert_string_equal(json_string_value(json_object_get(v, "zip")), "01");  /* not JSON */
	assert_string_equal(json_string_value(json_object_get(v, "name")), "say \"hi\"\\");
	json_decref(v);
	free(text);
}

static void test_argv(void **state)
{
	struct sg_sm_job j = job("/r", NULL, 0);
	char **a = sg_sm_argv(&j, "/usr/bin/python3");
	static const char *const want[] = {
		"/usr/bin/python3", "/code/train.py", "--epochs", "10", "--flag", "true",
		"--layers", "[64, 32]", "--learning-rate", "1e-3", "--lr", "0.05",
		"--name", "say \"hi\"\\", "--zip", "01", NULL,
	};
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(a[i], want[i]);
	assert_null(a[16]);
	sg_sm_strv_free(a);
	a = sg_sm_argv(&j, NULL);
	assert_string_equal(a[0], "/code/train.py");
	assert_string_equal(a[1], "--epochs");
	sg_sm_strv_free(a);
	j.nhps = 0;
	a = sg_sm_argv(&j, NULL);
	assert_string_equal(a[0], "/code/train.py");
	assert_null(a[1]);
	sg_sm_strv_free(a);
}

static const char *env_get(char **env, const char *name)
{
	size_t n = strlen(name);
	for (; *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static void test_env(void **state)
{
	struct sg_sm_channel ch[] = { { "train", "/data/train.csv" }, { "val-x", "/data/v" } };
	struct sg_sm_job j = job("/w/run", ch, 2);
	char **env = sg_sm_env(&j);
	assert_string_equal(env_get(env, "SM_MODEL_DIR"), "/w/run/model");
	assert_string_equal(env_get(env, "SM_CHANNELS"), "[\"train\", \"val-x\"]");
	assert_string_equal(env_get(env, "SM_CHANNEL_TRAIN"), "/w/run/input/data/train");
	assert_string_equal(env_get(env, "SM_CHANNEL_VAL-X"), "/w/run/input/data/val-x");
	assert_string_equal(env_get(env, "SM_OUTPUT_DATA_DIR"), "/w/run/output/data");
	assert_string_equal(env_get(env, "SM_OUTPUT_DIR"), "/w/run/output");
	assert_string_equal(env_get(env, "SM_INPUT_DIR"), "/w/run/input");
	assert_string_equal(env_get(env, "SM_INPUT_CONFIG_DIR"), "/w/run/input/config");
	assert_string_equal(env_get(env, "SM_CHECKPOINT_DIR"), "/w/run/checkpoints");
	assert_string_equal(env_get(env, "SM_HP_LR"), "0.05");
	assert_string_equal(env_get(env, "SM_HP_LEARNING-RATE"), "1e-3");
	assert_string_equal(env_get(env, "SM_CURRENT_HOST"), "algo-1");
	assert_string_equal(env_get(env, "SM_HOSTS"), "[\"algo-1\"]");
	assert_string_equal(env_get(env, "SM_NUM_CPUS"), "4");
	assert_string_equal(env_get(env, "SM_NUM_GPUS"), "0");
	assert_string_equal(env_get(env, "SM_MODULE_NAME"), "train");
	assert_string_equal(env_get(env, "SM_MODULE_DIR"), "/code");
	assert_string_equal(env_get(env, "TRAINING_JOB_NAME"), "exp-1");
	json_t *args = parse(env_get(env, "SM_USER_ARGS"));
	assert_int_equal(json_array_size(args), 2 * NHPS);
	assert_string_equal(json_string_value(json_array_get(args, 0)), "--epochs");
	json_decref(args);
	json_t *hp = parse(env_get(env, "SM_HPS"));
	assert_true(json_is_real(json_object_get(hp, "lr")));
	json_decref(hp);
	json_t *te = parse(env_get(env, "SM_TRAINING_ENV"));
	static const char *const fields[] = {
		"channel_input_dirs", "current_host", "hosts", "hyperparameters", "input_config_dir",
		"input_data_config", "input_dir", "job_name", "log_level", "model_dir", "module_dir",
		"module_name", "network_interface_name", "num_cpus", "num_gpus", "output_data_dir",
		"output_dir", "resource_config", "user_entry_point", "is_master", "master_hostname",
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!json_object_get(te, fields[i]))
			fail_msg("SM_TRAINING_ENV has no %s", fields[i]);
	assert_string_equal(json_string_value(json_object_get(json_object_get(te,
		"channel_input_dirs"), "train")), "/w/run/input/data/train");
	assert_int_equal(json_integer_value(json_object_get(te, "num_gpus")), 0);
	assert_string_equal(json_string_value(json_object_get(te, "user_entry_point")), "train.py");
	json_decref(te);
	/* Every entry is NAME=VALUE with a name. */
	for (char **e = env; *e; e++)
		assert_true(strchr(*e, '=') && strchr(*e, '=') != *e);
	sg_sm_strv_free(env);
}

static void test_tree(void **state)
{
	char *dir = tu_tempdir();
	char *data = sg_path_join(dir, "data");
	assert_int_equal(mkdir(data, 0777), 0);
	free(tu_write(data, "a.csv", "x\n1\n"));
	free(tu_write(data, "b.csv", "x\n2\n"));
	char *file = tu_write(dir, "one.csv", "x\n3\n");
	char *run = sg_path_join(dir, "run");
	struct sg_sm_channel ch[] = { { "train", data }, { "test", file } };
	struct sg_sm_job j = job(run, ch, 2);
	struct sg_error err;
	assert_int_equal(sg_sm_make_tree(&j, &err), 0);
	static const char *const dirs[] = { "model", "output/data", "checkpoints", "input/config" };
	for (size_t i = 0; i < 4; i++) {
		char *p = sg_path_join(run, dirs[i]);
		assert_true(sg_is_dir(p));
		free(p);
	}
	char *link = sg_path_join(run, "input/data/train/b.csv");
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));   /* linked, not copied */
	char target[4096];
	ssize_t n = readlink(link, target, sizeof target - 1);
	target[n > 0 ? n : 0] = '\0';
	char *want = sg_path_join(data, "b.csv");
	assert_string_equal(target, want);
	free(want);
	free(link);
	link = sg_path_join(run, "input/data/test/one.csv");
	assert_true(sg_is_file(link));
	free(link);
	char *hp = sg_path_join(run, "input/config/hyperparameters.json");
	size_t len;
	char *text = sg_read_file(hp, 1 << 20, &len, &err);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"epochs\": \"10\""));
	free(text);
	free(hp);
	/* A second time (a resume) relinks and keeps what the script wrote. */
	char *model = sg_path_join(run, "model");
	free(tu_write(model, "model.pkl", "weights"));
	assert_int_equal(sg_sm_make_tree(&j, &err), 0);
	char *kept = sg_path_join(model, "model.pkl");
	assert_true(sg_is_file(kept));
	free(kept);
	free(model);
	tu_rmtree(dir);
	free(run), free(file), free(data), free(dir);
}

static void test_failure_reason(void **state)
{
	char *dir = tu_tempdir();
	char *out = sg_path_join(dir, "output");
	assert_int_equal(mkdir(out, 0777), 0);
	char buf[SG_JOB_REASON_MAX];
	assert_int_equal(sg_sm_failure_reason(dir, buf, sizeof buf), 0);
	free(tu_write(out, "failure", "  \n\n"));
	assert_int_equal(sg_sm_failure_reason(dir, buf, sizeof buf), 0);
	free(tu_write(out, "failure", "ValueError: bad input\n\n"));
	assert_int_equal(sg_sm_failure_reason(dir, buf, sizeof buf), 1);
	assert_string_equal(buf, "ValueError: bad input");
	/* 2,000 two-byte characters: 1,024 characters kept, never half of one. */
	char big[4001];
	for (int i = 0; i < 2000; i++)
		memcpy(big + 2 * i, "\xC3\xA9", 2);
	big[4000] = '\0';
	free(tu_write(out, "failure", big));
	assert_int_equal(sg_sm_failure_reason(dir, buf, sizeof buf), 1);
	assert_int_equal(strlen(buf), 2 * SG_SM_FAILURE_CHARS);
	char small[100];
	assert_int_equal(sg_sm_failure_reason(dir, small, 10), 1);
	assert_int_equal(strlen(small), 8);
	tu_rmtree(dir);
	free(out);
	free(dir);
}

static void test_states(void **state)
{
	static const char *const names[] = { "Queued", "Running", "Completed", "Failed",
					     "Stopped", "Interrupted" };
	for (int i = 0; i < 6; i++) {
		assert_string_equal(sg_job_state_name((enum sg_job_state)i), names[i]);
		assert_int_equal(sg_job_state_parse(names[i]), i);
	}
	assert_int_equal(sg_job_state_parse("completed"), SG_JOB_COMPLETED);
	assert_int_equal(sg_job_state_parse("Done"), -1);
	assert_false(sg_job_state_final(SG_JOB_QUEUED));
	assert_false(sg_job_state_final(SG_JOB_RUNNING));
	assert_true(sg_job_state_final(SG_JOB_INTERRUPTED));
	assert_int_equal(sg_job_run_status(SG_JOB_QUEUED), SG_RUN_RUNNING);
	assert_int_equal(sg_job_run_status(SG_JOB_COMPLETED), SG_RUN_FINISHED);
	assert_int_equal(sg_job_run_status(SG_JOB_FAILED), SG_RUN_FAILED);
	assert_int_equal(sg_job_run_status(SG_JOB_STOPPED), SG_RUN_KILLED);
	assert_int_equal(sg_job_run_status(SG_JOB_INTERRUPTED), SG_RUN_KILLED);
}

/* ---- requests against a real workspace ------------------------------------ */

struct wsfix {
	char *dir;
	struct sg_workspace *ws;
	char *script;
};

static int ws_setup(void **state)
{
	struct wsfix *f = calloc(1, sizeof *f);
	f->dir = tu_tempdir();
	struct sg_error err;
	assert_int_equal(sg_workspace_init(f->dir, NULL, NULL, &err), 0);
	f->ws = sg_workspace_open(f->dir, 0, &err);
	assert_non_null(f->ws);
	f->script = tu_write(f->dir, "train.py", "print('hi')\n");
	free(tu_write(f->dir, "data.csv", "a,b\n1,2\n"));
	*state = f;
	return 0;
}

static int ws_teardown(void **state)
{
	struct wsfix *f = *state;
	sg_workspace_free(f->ws);
	tu_rmtree(f->dir);
	free(f->script);
	free(f->dir);
	free(f);
	return 0;
}

/* Prepares a request with script and one extra kind of argument. */
static struct sg_job_plan *prep(struct wsfix *f, const char *script, const char *interp,
				const char *channel, const char *hp, const char *metric,
				struct sg_error *err)
{
	struct sg_job_request r = { .script = script, .interpreter = interp,
				    .channels = &channel, .nchannels = channel ? 1 : 0,
				    .hps = &hp, .nhps = hp ? 1 : 0,
				    .metrics = &metric, .nmetrics = metric ? 1 : 0 };
	return sg_job_prepare(f->ws, &r, err);
}

static void expect_refused(struct wsfix *f, const char *script, const char *interp,
			   const char *channel, const char *hp, const char *metric,
			   enum sg_errcode code, const char *text)
{
	struct sg_error err = { 0 };
	struct sg_job_plan *p = prep(f, script, interp, channel, hp, metric, &err);
	if (p)
		fail_msg("accepted: %s", text);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, text))
		fail_msg("'%s' does not say '%s'", err.msg, text);
}

static void test_prepare_refuses(void **state)
{
	struct wsfix *f = *state;
	char *missing = sg_path_join(f->dir, "nope.py");
	char *chan = sg_xasprintf("train=%s/nothing", f->dir);
	expect_refused(f, missing, NULL, NULL, NULL, NULL, SG_E_NOTFOUND, "no such file");
	expect_refused(f, f->script, "no-such-interp", NULL, NULL, NULL, SG_E_NOTFOUND,
		       "not found in PATH");
	expect_refused(f, f->script, "/no/such/python", NULL, NULL, NULL, SG_E_NOTFOUND,
		       "no such executable file");
	expect_refused(f, f->script, "/bin/sh", chan, NULL, NULL, SG_E_NOTFOUND,
		       "is not a registered dataset, a file or a folder");
	expect_refused(f, f->script, "/bin/sh", "train", NULL, NULL, SG_E_USAGE, "NAME=PATH");
	expect_refused(f, f->script, "/bin/sh", NULL, "epochs", NULL, SG_E_USAGE, "KEY=VALUE");
	expect_refused(f, f->script, "/bin/sh", NULL, NULL, "acc=([0-9", SG_E_PARSE, "--metric");
	expect_refused(f, f->script, "/bin/sh", NULL, NULL, "acc", SG_E_PARSE, "--metric");
	struct sg_error err;
	assert_int_equal(sg_run_count(f->ws->store, -1, &err), 0);   /* nothing created */
	free(chan);
	free(missing);
}

/* The value of tag key on run id, or "" (copied to buf). */
static const char *tag_of(struct wsfix *f, const char *id, const char *key, char *buf, size_t n)
{
	sqlite3_stmt *q;
	buf[0] = '\0';
	sqlite3_prepare_v2(sg_store_db(f->ws->store), "SELECT value FROM tags WHERE run_id = ?1 "
			   "AND key = ?2", -1, &q, NULL);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return buf;
}

/* The script's git status is recorded by its own call (after the launch in
 * `sagetty train`), not by sg_job_create. */
static void test_record_source(void **state)
{
	struct wsfix *f = *state;
	struct sg_error err = { 0 };
	char *chan = sg_xasprintf("train=%s/data.csv", f->dir);
	struct sg_job_plan *p = prep(f, f->script, "/bin/sh", chan, NULL, NULL, &err);
	if (!p)
		fail_msg("%s", err.msg);
	char id[SG_RUN_ID_LEN + 1], tag[80], hex[65];
	assert_int_equal(sg_job_create(f->ws, p, id, &err), 0);
	sg_job_plan_free(p);
	assert_string_equal(tag_of(f, id, "source.git_status", tag, sizeof tag), "");
	assert_string_equal(tag_of(f, id, "channel.train.sha256", tag, sizeof tag), "");
	assert_int_equal(sg_job_record_source(f->ws, id, &err), 0);
	char *data = sg_path_join(f->dir, "data.csv");
	assert_int_equal(sg_sha256_file(data, hex, NULL, &err), 0);
	assert_string_equal(tag_of(f, id, "channel.train.sha256", tag, sizeof tag), hex);
	free(data);
	free(chan);
	/* the workspace is a fresh repository: no commit yet, the script new */
	assert_string_equal(tag_of(f, id, "source.git_status", tag, sizeof tag), "untracked");
	struct sg_run_info ri;
	assert_int_equal(sg_run_get(f->ws->store, id, &ri, &err), 0);
	assert_string_equal(ri.source_commit, "");
	assert_int_equal(sg_job_record_source(f->ws, "0000000000000000", &err), -1);
}

static int count_job(const struct sg_job_info *j, void *ud)
{
	(void)j;
	++*(int *)ud;
	return 0;
}

static void test_create(void **state)
{
	struct wsfix *f = *state;
	struct sg_error err = { 0 };
	char *chan = sg_xasprintf("train=%s/data.csv", f->dir);
	struct sg_job_plan *p = prep(f, f->script, "/bin/sh", chan, "epochs=3", "acc=acc=([0-9.]+)",
				     &err);
	if (!p)
		fail_msg("%s", err.msg);
	char id[SG_RUN_ID_LEN + 1];
	assert_int_equal(sg_job_create(f->ws, p, id, &err), 0);
	sg_job_plan_free(p);
	struct sg_run_info ri;
	assert_int_equal(sg_run_get(f->ws->store, id, &ri, &err), 0);
	assert_string_equal(ri.kind, "train");
	assert_string_equal(ri.source_path, "train.py");
	assert_int_equal(ri.status, SG_RUN_RUNNING);
	struct sg_job_info j;
	char *spec = NULL;
	assert_int_equal(job_row(f->ws->store, id, 60, &j, &spec, &err), 0);
	assert_int_equal(j.state, SG_JOB_QUEUED);
	assert_int_equal(j.attempt, 1);
	struct job_spec s;
	assert_int_equal(job_spec_parse(spec, &s, &err), 0);
	assert_string_equal(s.interpreter, "/bin/sh");
	assert_int_equal(s.nhps, 1);
	assert_string_equal(s.hps[0].key, "epochs");
	assert_string_equal(s.channels[0].name, "train");
	assert_string_equal(s.metrics[0], "acc=acc=([0-9.]+)");
	assert_null(s.metrics[1]);
	assert_string_equal(s.job_name, ri.name);
	assert_true(s.stop_grace == SG_JOB_DEFAULT_GRACE);
	assert_int_equal(s.log_rotate_bytes, 64LL << 20);
	/* Round trip through the JSON text. */
	char *again = job_spec_json(&s);
	assert_string_equal(again, spec);
	free(again);
	job_spec_done(&s);
	free(spec);
	char *rd = sg_workspace_run_dir(f->ws, id);
	char *link = sg_path_join(rd, "input/data/train/data.csv");
	assert_true(sg_is_file(link));
	/* A job row that never got a supervisor is lost once the launch
	 * window has passed: pretend it did. */
	sqlite3_exec(sg_store_db(f->ws->store), "UPDATE jobs SET queued_at = 1", NULL, NULL, NULL);
	int lost;
	assert_int_equal(sg_job_reap(f->ws, &lost, &err), 0);
	assert_int_equal(lost, 1);
	assert_int_equal(job_row(f->ws->store, id, 60, &j, NULL, &err), 0);
	assert_int_equal(j.state, SG_JOB_FAILED);
	assert_non_null(strstr(j.failure_reason, "supervisor lost: it never started on "));
	assert_int_equal(sg_run_get(f->ws->store, id, &ri, &err), 0);
	assert_int_equal(ri.status, SG_RUN_FAILED);
	assert_int_equal(sg_job_stop(f->ws, id, 0, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	/* A limit that cuts the list of ended jobs short is not an error. */
	struct sg_job_plan *p2 = prep(f, f->script, "/bin/sh", NULL, NULL, NULL, &err);
	char id2[SG_RUN_ID_LEN + 1];
	assert_non_null(p2);
	assert_int_equal(sg_job_create(f->ws, p2, id2, &err), 0);
	sg_job_plan_free(p2);
	sqlite3_exec(sg_store_db(f->ws->store), "UPDATE jobs SET state = 'Completed'", NULL, NULL,
		     NULL);
	int listed = 0;
	assert_int_equal(sg_job_list(f->ws, 1, count_job, &listed, &err), 0);
	assert_int_equal(listed, 1);
	free(link);
	free(rd);
	free(chan);
}

/* ---- built-in algorithm jobs ------------------------------------------------ */

/* A request for an algorithm (and maybe a script), channels and hps. */
static struct sg_job_plan *prep_algo(struct wsfix *f, const char *algo, const char *script,
				     const char *const *channels, size_t nch,
				     const char *const *hpv, size_t nhp, struct sg_error *err)
{
	struct sg_job_request r = { .algo = algo, .script = script, .channels = channels,
				    .nchannels = nch, .hps = hpv, .nhps = nhp };
	return sg_job_prepare(f->ws, &r, err);
}

static void expect_algo_refused(struct wsfix *f, const char *algo, const char *script,
				const char *const *channels, size_t nch, const char *const *hpv,
				size_t nhp, const char *text)
{
	struct sg_error err = { 0 };
	struct sg_job_plan *p = prep_algo(f, algo, script, channels, nch, hpv, nhp, &err);
	if (p)
		fail_msg("accepted: %s", text);
	assert_int_equal(err.code, SG_E_USAGE);
	if (!strstr(err.msg, text))
		fail_msg("'%s' does not say '%s'", err.msg, text);
}

static void test_algo_prepare_refuses(void **state)
{
	struct wsfix *f = *state;
	char *train = sg_xasprintf("train=%s/data.csv", f->dir);
	char *test = sg_xasprintf("test=%s/data.csv", f->dir);
	char *valid = sg_xasprintf("validation=%s/data.csv", f->dir);
	const char *ch[] = { train }, *other[] = { train, test }, *only_valid[] = { valid };
	const char *bad_epochs[] = { "epochs=-1" }, *unknown[] = { "bogus=1" };
	const char *bad_type[] = { "predictor_type=poisson" };
	expect_algo_refused(f, "no-such-algo", NULL, ch, 1, NULL, 0,
			    "unknown algorithm 'no-such-algo'; known algorithms: ");
	expect_algo_refused(f, "no-such-algo", NULL, ch, 1, NULL, 0, "linear-learner");
	expect_algo_refused(f, "linear-learner", f->script, ch, 1, NULL, 0, "not both");
	expect_algo_refused(f, NULL, NULL, ch, 1, NULL, 0, "--script FILE or --algo NAME");
	expect_algo_refused(f, "linear-learner", NULL, NULL, 0, NULL, 0, "needs a train channel");
	expect_algo_refused(f, "linear-learner", NULL, only_valid, 1, NULL, 0,
			    "needs a train channel");
	expect_algo_refused(f, "linear-learner", NULL, other, 2, NULL, 0,
			    "channel 'test': linear-learner reads only the train and validation");
	/* The framework's own messages, as algo-run gives them. */
	expect_algo_refused(f, "linear-learner", NULL, ch, 1, bad_epochs, 1,
			    "hyperparameter epochs: -1 is out of range; valid values: an integer "
			    "1 <= epochs <= ");
	expect_algo_refused(f, "linear-learner", NULL, ch, 1, unknown, 1,
			    "unknown hyperparameter 'bogus' for linear-learner; valid names: ");
	expect_algo_refused(f, "linear-learner", NULL, ch, 1, bad_type, 1, "valid values: ");
	struct sg_job_request r = { .algo = "linear-learner", .interpreter = "/bin/sh",
				    .channels = ch, .nchannels = 1 };
	struct sg_error err = { 0 };
	assert_null(sg_job_prepare(f->ws, &r, &err));
	assert_int_equal(err.code, SG_E_USAGE);
	assert_int_equal(sg_run_count(f->ws->store, -1, &err), 0);   /* nothing created */
	free(train);
	free(test);
	free(valid);
}

static int find_algo_tag(const char *key, const char *value, void *ud)
{
	if (strcmp(key, "sagetty.algo") == 0)
		snprintf(ud, 64, "%s", value);
	return 0;
}

static void test_algo_create(void **state)
{
	struct wsfix *f = *state;
	struct sg_error err = { 0 };
	char *train = sg_xasprintf("train=%s/data.csv", f->dir);
	const char *ch[] = { train }, *hpv[] = { "target=b", "epochs=5",
							   "predictor_type=regressor" };
	struct sg_job_plan *p = prep_algo(f, "linear-learner", NULL, ch, 1, hpv, 3, &err);
	if (!p)
		fail_msg("%s", err.msg);
	char id[SG_RUN_ID_LEN + 1];
	assert_int_equal(sg_job_create(f->ws, p, id, &err), 0);
	sg_job_plan_free(p);
	struct sg_run_info ri;
	assert_int_equal(sg_run_get(f->ws->store, id, &ri, &err), 0);
	assert_string_equal(ri.kind, "train");
	assert_string_equal(ri.source_path, "algo:linear-learner");
	char algo_tag[64] = "";
	assert_int_equal(sg_run_tags(f->ws->store, id, find_algo_tag, algo_tag, &err), 0);
	assert_string_equal(algo_tag, "linear-learner");
	struct sg_job_info j;
	char *spec = NULL;
	assert_int_equal(job_row(f->ws->store, id, 60, &j, &spec, &err), 0);
	struct job_spec s;
	assert_int_equal(job_spec_parse(spec, &s, &err), 0);
	assert_string_equal(s.algo, "linear-learner");
	assert_null(s.interpreter);
	assert_true(s.script[0] == '/');       /* the binary that prepared it */
	assert_int_equal(s.nhps, 3);
	char *again = job_spec_json(&s);
	assert_string_equal(again, spec);
	free(again);
	job_spec_done(&s);
	free(spec);
	/* A script job's spec says "algo": null and parses back to NULL. */
	struct job_spec plain = { 0 };
	assert_int_equal(job_spec_parse("{\"script\": \"/x.py\", \"algo\": null}", &plain, &err), 0);
	assert_null(plain.algo);
	job_spec_done(&plain);
	free(train);
}

/* ---- heartbeats, reaping and attempts ---------------------------------------- */

/* A new job of script in f's workspace; its id into id. */
static void new_job(struct wsfix *f, char id[SG_RUN_ID_LEN + 1])
{
	struct sg_error err = { 0 };
	struct sg_job_plan *p = prep(f, f->script, "/bin/sh", NULL, NULL, NULL, &err);
	if (!p)
		fail_msg("%s", err.msg);
	assert_int_equal(sg_job_create(f->ws, p, id, &err), 0);
	sg_job_plan_free(p);
}

/* Sets a job's host, state and heartbeat (seconds ago; < 0: none). */
static void fake_row(struct wsfix *f, const char *id, const char *host, const char *state,
		     double ago)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(sg_store_db(f->ws->store),
		"UPDATE jobs SET host = ?2, state = ?3, heartbeat_at = ?4, started_at = ?5 "
		"WHERE run_id = ?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, state, -1, SQLITE_STATIC);
	if (ago >= 0)
		sqlite3_bind_double(q, 4, sg_now() - ago);
	sqlite3_bind_double(q, 5, sg_now() - 200);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
}

static int find_outcome(const struct sg_job_attempt *a, void *ud)
{
	snprintf(ud, SG_JOB_OUTCOME_LEN, "%s", a->outcome);
	return 0;
}

static void test_heartbeat_reap(void **state)
{
	struct wsfix *f = *state;
	struct sg_error err = { 0 };
	char stale[SG_RUN_ID_LEN + 1], fresh[SG_RUN_ID_LEN + 1], old[SG_RUN_ID_LEN + 1],
	     local[SG_RUN_ID_LEN + 1];
	new_job(f, stale);
	new_job(f, fresh);
	new_job(f, old);
	new_job(f, local);
	fake_row(f, stale, "node-b", "Running", 100);
	fake_row(f, fresh, "node-b", "Running", 5);
	fake_row(f, old, "node-c", "Running", -1);      /* from before heartbeats */
	/* This host, a live supervisor (us), and a heartbeat an hour old: a
	 * suspended laptop that just woke up.  The process says it lives. */
	assert_int_equal(job_set_pid(f->ws->store, local, 0, getpid(), &err), 0);
	fake_row(f, local, job_host(), "Running", 3600);
	assert_int_equal(f->ws->config.heartbeat_timeout, 60);
	int lost = -1;
	assert_int_equal(sg_job_reap(f->ws, &lost, &err), 0);
	assert_int_equal(lost, 1);
	struct sg_job_info j;
	assert_int_equal(job_row(f->ws->store, stale, 60, &j, NULL, &err), 0);
	assert_int_equal(j.state, SG_JOB_FAILED);
	assert_non_null(strstr(j.failure_reason, "supervisor on node-b stopped reporting at "));
	assert_non_null(strstr(j.failure_reason, "jobs.heartbeat-timeout is 60 s"));
	struct sg_run_info ri;
	assert_int_equal(sg_run_get(f->ws->store, stale, &ri, &err), 0);
	assert_int_equal(ri.status, SG_RUN_FAILED);
	char outcome[SG_JOB_OUTCOME_LEN] = "";
	assert_int_equal(sg_job_attempts(f->ws, stale, find_outcome, outcome, &err), 0);
	assert_string_equal(outcome, "lost");
	char tag[512];
	assert_non_null(strstr(tag_of(f, stale, "sagetty.failure_reason", tag, sizeof tag),
			       "stopped reporting"));
	/* Its supervisor was only slow: the real end it then records (see
	 * job_supervise.c's still_ours) leaves no stale failure reason behind. */
	assert_int_equal(job_set_state(f->ws->store, stale, SG_JOB_COMPLETED, NULL, &err), 0);
	assert_int_equal(job_finish_run(f->ws->store, stale, SG_JOB_COMPLETED, "", &err), 0);
	assert_string_equal(tag_of(f, stale, "sagetty.failure_reason", tag, sizeof tag), "");
	assert_string_equal(tag_of(f, stale, "sagetty.job_state", tag, sizeof tag), "Completed");
	const char *live[] = { fresh, old, local };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(job_row(f->ws->store, live[i], 60, &j, NULL, &err), 0);
		assert_int_equal(j.state, SG_JOB_RUNNING);
		assert_true(j.alive);
	}
	/* A shorter threshold in the config makes the fresh one stale. */
	f->ws->config.heartbeat_timeout = 10;
	sqlite3_exec(sg_store_db(f->ws->store), "UPDATE jobs SET heartbeat_at = heartbeat_at - 20",
		     NULL, NULL, NULL);
	assert_int_equal(sg_job_reap(f->ws, &lost, &err), 0);
	assert_int_equal(lost, 1);
	assert_int_equal(job_row(f->ws->store, fresh, 10, &j, NULL, &err), 0);
	assert_int_equal(j.state, SG_JOB_FAILED);
	assert_int_equal(job_row(f->ws->store, local, 10, &j, NULL, &err), 0);
	assert_int_equal(j.state, SG_JOB_RUNNING);
	/* A beat keeps a row alive and stops once it has ended. */
	assert_int_equal(job_beat(f->ws->store, local, &err), 1);
	assert_int_equal(job_row(f->ws->store, local, 10, &j, NULL, &err), 0);
	assert_true(sg_now() - j.heartbeat_at < 5);
	assert_int_equal(job_beat(f->ws->store, stale, &err), 0);
	assert_true(sg_job_beat_interval(60) == 5.0);
	assert_true(sg_job_beat_interval(12) == 1.0);
	assert_true(sg_job_beat_interval(10) == 1.0);
}

/* Several processes reap the same stale job at once: one marks it. */
static void test_reap_concurrent(void **state)
{
	struct wsfix *f = *state;
	enum { ROUNDS = 4, REAPERS = 3 };
	for (int round = 0; round < ROUNDS; round++) {
		char id[SG_RUN_ID_LEN + 1];
		new_job(f, id);
		fake_row(f, id, "node-b", "Running", 500);
		int go[2];
		assert_int_equal(pipe(go), 0);
		pid_t kids[REAPERS];
		for (int k = 0; k < REAPERS; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				char c;
				close(go[1]);
				alarm(60);
				struct sg_error e = { 0 };
				struct sg_workspace *ws = sg_workspace_open(f->dir, 0, &e);
				if (!ws || read(go[0], &c, 1) < 0)
					_exit(100);
				int lost = 0;
				int rc = sg_job_reap(ws, &lost, &e);
				sg_workspace_free(ws);
				_exit(rc != 0 ? 100 : lost);
			}
		}
		close(go[0]);
		close(go[1]);   /* EOF: all of them go at once */
		int marked = 0;
		for (int k = 0; k < REAPERS; k++) {
			int st;
			assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
			assert_true(WIFEXITED(st));
			assert_true(WEXITSTATUS(st) <= 1);
			marked += WEXITSTATUS(st);
		}
		assert_int_equal(marked, 1);
		struct sg_job_info j;
		struct sg_error err = { 0 };
		assert_int_equal(job_row(f->ws->store, id, 60, &j, NULL, &err), 0);
		assert_int_equal(j.state, SG_JOB_FAILED);
	}
}

static int count_attempt(const struct sg_job_attempt *a, void *ud)
{
	int *n = ud;
	assert_int_equal(a->number, *n + 1);
	(*n)++;
	return 0;
}

static void test_attempts(void **state)
{
	struct wsfix *f = *state;
	struct sg_error err = { 0 };
	char id[SG_RUN_ID_LEN + 1];
	new_job(f, id);
	char *rd = sg_workspace_run_dir(f->ws, id);
	char *want = sg_xasprintf("%s/logs/attempt-1/stdout.log", rd);
	char *path = sg_job_log_path(f->ws, id, 1);
	assert_string_equal(path, want);
	free(path), free(want);
	struct sg_job_attempt a;
	assert_int_equal(sg_job_attempt_get(f->ws, id, 1, &a, &err), 0);
	assert_int_equal(a.state, SG_JOB_QUEUED);
	assert_string_equal(a.outcome, "");
	assert_string_equal(a.log_dir, "logs/attempt-1");
	/* Preempted, then resumed: attempt 2 with its own logs. */
	assert_int_equal(job_set_state(f->ws->store, id, SG_JOB_INTERRUPTED, "preempted", &err), 0);
	struct sg_job_launch_opts lo = { .exe = "/bin/true" };
	assert_int_equal(sg_job_resume(f->ws, id, &lo, &err), 0);
	assert_int_equal(sg_job_attempt_get(f->ws, id, 1, &a, &err), 0);
	assert_int_equal(a.state, SG_JOB_INTERRUPTED);
	assert_string_equal(a.outcome, "preempted");
	assert_string_equal(a.reason, "preempted");
	assert_true(a.ended_at > 0);
	assert_int_equal(sg_job_attempt_get(f->ws, id, 2, &a, &err), 0);
	assert_string_equal(a.log_dir, "logs/attempt-2");
	want = sg_xasprintf("%s/logs/attempt-2/stderr.log", rd);
	path = sg_job_log_path(f->ws, id, 2);
	assert_string_equal(path, want);
	free(path), free(want);
	int n = 0;
	assert_int_equal(sg_job_attempts(f->ws, id, count_attempt, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(sg_job_attempt_get(f->ws, id, 3, &a, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "no attempt 3 (attempts: 1-2)"));
	/* A stored log_dir that is not sagetty's shape never leaves the run
	 * folder; "" is the old single-file layout. */
	a.log_dir[0] = '\0';
	want = sg_path_join(rd, "stdout.log");
	path = sg_job_attempt_log_path(f->ws, id, &a, 1);
	assert_string_equal(path, want);
	free(path);
	snprintf(a.log_dir, sizeof a.log_dir, "../../../etc");
	path = sg_job_attempt_log_path(f->ws, id, &a, 1);
	assert_string_equal(path, want);
	free(path), free(want);
	free(rd);
}

/* A v7 store with a job migrates: the job keeps its old log layout. */
static void test_migrate_v7(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *db = sg_path_join(dir, "store.db");
	struct sg_error err = { 0 };
	struct sg_store *s = sg_store_open_raw(db, SG_STORE_CREATE, &err);
	assert_non_null(s);
	assert_int_equal(sg_store_migrate(s, 7, &err), 0);
	assert_int_equal(sqlite3_exec(sg_store_db(s),
		"INSERT INTO experiments(id, name, created_at, user) VALUES (1, 'e', 1, 'u');"
		"INSERT INTO runs(id, name, experiment_id, status, user, kind, start_time) "
		"VALUES ('r1', 'old', 1, 'KILLED', 'u', 'train', 1);"
		"INSERT INTO jobs(run_id, state, attempt, spec, host, user, queued_at, started_at, "
		"ended_at, failure_reason) VALUES ('r1', 'Interrupted', 2, '{}', 'h', 'u', 1, 2, 3, "
		"'preempted')", NULL, NULL, NULL), SQLITE_OK);
	sg_store_close(s);
	s = sg_store_open(db, 0, &err);
	assert_non_null(s);
	assert_int_equal(sg_store_schema_version(s), SG_SCHEMA_VERSION);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(sg_store_db(s), "SELECT a.attempt, a.state, a.outcome, "
		"a.log_dir, a.reason, a.ended_at, j.heartbeat_at IS NULL FROM job_attempts a "
		"JOIN jobs j USING (run_id)", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 2);
	assert_string_equal((const char *)sqlite3_column_text(q, 1), "Interrupted");
	assert_string_equal((const char *)sqlite3_column_text(q, 2), "preempted");
	assert_string_equal((const char *)sqlite3_column_text(q, 3), "");
	assert_string_equal((const char *)sqlite3_column_text(q, 4), "preempted");
	assert_int_equal(sqlite3_column_int(q, 5), 3);
	assert_int_equal(sqlite3_column_int(q, 6), 1);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sg_store_close(s);
	tu_rmtree(dir);
	free(db);
	free(dir);
}

/* ---- /proc ------------------------------------------------------------------- */

static void test_proc(void **state)
{
	char a[128], b[128];
	assert_int_equal(sg_proc_token(getpid(), a, sizeof a), 0);
	assert_int_equal(sg_proc_token(getpid(), b, sizeof b), 0);
	assert_string_equal(a, b);
	assert_non_null(strchr(a, '/'));
	assert_int_equal(sg_proc_pgid(getpid()), getpgrp());
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t kid = fork();
	if (kid == 0) {
		close(p[0]);
		/* Both die on their own within a minute (SIGALRM), so a failed
		 * assertion below, which skips the kills, leaves nothing running. */
		alarm(60);
		pid_t grandkid = fork();
		if (grandkid == 0) {
			alarm(60);
			for (volatile long i = 0;; i++)   /* burns CPU */
				;
		}
		if (write(p[1], &grandkid, sizeof grandkid) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	pid_t grandkid;
	assert_int_equal(read(p[0], &grandkid, sizeof grandkid), (ssize_t)sizeof grandkid);
	close(p[0]);
	/* Sample until the burner has had some CPU: on a loaded host it may
	 * wait a while for a core, so no fixed sleep. */
	struct sg_proc_sample s;
	for (int i = 0; i < 200; i++) {
		usleep(50000);
		assert_int_equal(sg_proc_tree_sample(getpid(), &s), 0);
		if (s.cpu_seconds > 0.05)
			break;
	}
	assert_int_equal(s.processes, 2);   /* the child and its child */
	assert_true(s.cpu_seconds > 0.05);
	assert_true(s.rss_mb > 0);
	pid_t kids[8];
	assert_int_equal(sg_proc_children(getpid(), kids, 8), 1);
	assert_int_equal(kids[0], kid);
	kill(grandkid, SIGKILL);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	assert_int_equal(sg_proc_tree_sample(getpid(), &s), 0);
	assert_int_equal(s.processes, 0);
	assert_int_equal(sg_proc_token(kid, a, sizeof a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_args),
		cmocka_unit_test(test_config_files),
		cmocka_unit_test(test_hps_decoded),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_failure_reason),
		cmocka_unit_test(test_states),
		cmocka_unit_test_setup_teardown(test_prepare_refuses, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_create, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_record_source, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_algo_prepare_refuses, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_algo_create, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat_reap, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_reap_concurrent, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(test_attempts, ws_setup, ws_teardown),
		cmocka_unit_test(test_migrate_v7),
		cmocka_unit_test(test_proc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
