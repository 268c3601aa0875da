/* test_kernel.c — kernelspecs, the wire format and a real ipykernel. */
#include "testutil.h"
#include <signal.h>
#include <zmq.h>
#include "core/ansi.h"
#include "core/kernel.h"
#include "core/kernels.h"
#include "core/kernelspec.h"
#include "core/nbrun.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_kernel.h"

static char *tmp;

/* A private kernelspec whose argv names Debian's interpreter, so the test
 * does not depend on which python3 comes first on PATH. */
static int group_setup(void **state)
{
	(void)state;
	tmp = tu_tempdir();
	char path[4096];
	snprintf(path, sizeof path, "%s/jp/kernels/sgtest", tmp);
	assert_int_equal(sg_mkdir_p(path, 0755, NULL), 0);
	free(tu_write(path, "kernel.json",
		      "{\"argv\": [\"/usr/bin/python3\", \"-m\", \"ipykernel_launcher\", \"-f\","
		      " \"{connection_file}\"], \"display_name\": \"Test Python\","
		      " \"language\": \"python\", \"env\": {\"SG_TEST_ENV\": \"yes\"}}"));
	snprintf(path, sizeof path, "%s/jp", tmp);
	setenv("JUPYTER_PATH", path, 1);
	snprintf(path, sizeof path, "%s/run", tmp);
	mkdir(path, 0700);
	setenv("XDG_RUNTIME_DIR", path, 1);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rmtree(tmp);
	free(tmp);
	return 0;
}

/* ---- kernelspecs ---------------------------------------------------------------------- */

static void test_spec_parse(void **state)
{
	(void)state;
	struct sg_kernelspec ks;
	struct sg_error err = { 0 };
	const char *good = "{\"argv\":[\"python3\",\"-f\",\"{connection_file}\"],"
			   "\"display_name\":\"P\",\"interrupt_mode\":\"message\","
			   "\"env\":{\"A\":\"1\"}}";
	assert_int_equal(sg_kernelspec_parse(&ks, "k.json", good, strlen(good), &err), 0);
	assert_int_equal(ks.argc, 3);
	assert_string_equal(ks.env[0], "A=1");
	assert_int_equal(ks.interrupt_mode, SG_INTERRUPT_MESSAGE);
	setenv("SG_SAVED_PATH", getenv("PATH"), 1);
	setenv("PATH", "/nonexistent:/usr/bin", 1);
	strcpy(ks.dir, "/spec");
	char **argv = sg_kernelspec_argv(&ks, "/x/conn.json", &err);
	setenv("PATH", getenv("SG_SAVED_PATH"), 1);
	assert_non_null(argv);
	assert_string_equal(argv[0], "/usr/bin/python3");
	assert_string_equal(argv[2], "/x/conn.json");
	sg_strv_free(argv);
	sg_kernelspec_done(&ks);

	const char *bad = "{\"argv\": [\n  1]}";
	assert_int_equal(sg_kernelspec_parse(&ks, "k.json", bad, strlen(bad), &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_non_null(strstr(err.msg, "argv"));
	const char *broken = "{\"argv\": [\n  \"x\",]}";
	assert_int_equal(sg_kernelspec_parse(&ks, "k.json", broken, strlen(broken), &err), -1);
	assert_true(strncmp(err.msg, "k.json:2:", 9) == 0);
}

static void test_spec_find(void **state)
{
	(void)state;
	struct sg_kernelspec ks;
	struct sg_error err = { 0 };
	assert_int_equal(sg_kernelspec_find("sgtest", &ks, &err), 0);
	assert_string_equal(ks.display_name, "Test Python");
	sg_kernelspec_done(&ks);
	assert_int_equal(sg_kernelspec_find("no-such-kernel", &ks, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "no-such-kernel"));
	assert_non_null(strstr(err.msg, "sgtest"));
	assert_int_equal(sg_kernelspec_find("../etc", &ks, &err), -1);
}

/* ---- wire format ------------------------------------------------------------------------ */

static void test_wire(void **state)
{
	(void)state;
	const unsigned char key[] = "secret";
	const char *hdr = "{\"msg_id\":\"a\",\"msg_type\":\"status\"}";
	const char *content = "{\"execution_state\":\"idle\"}";
	struct sg_kframe f[7] = { { "ident", 5 }, { "<IDS|MSG>", 9 }, { "", 0 },
				  { hdr, strlen(hdr) }, { "{}", 2 }, { "{}", 2 },
				  { content, strlen(content) } };
	char sig[65];
	sg_kmsg_sign(key, 6, f + 3, sig);
	/* HMAC-SHA256 known answer for an empty message and key "key". */
	struct sg_kframe empty[4] = { { "", 0 }, { "", 0 }, { "", 0 }, { "", 0 } };
	char kat[65];
	sg_kmsg_sign((const unsigned char *)"key", 3, empty, kat);
	assert_string_equal(kat, "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0");
	f[2] = (struct sg_kframe){ sig, 64 };
	struct sg_kmsg m;
	struct sg_error err = { 0 };
	assert_int_equal(sg_kmsg_decode(key, 6, f, 7, &m, &err), 0);
	assert_string_equal(m.msg_type, "status");
	assert_string_equal(m.parent_id, "");
	sg_kmsg_done(&m);
	/* A forged message: same body, signature made with another key. */
	char forged[65];
	sg_kmsg_sign((const unsigned char *)"other", 5, f + 3, forged);
	f[2] = (struct sg_kframe){ forged, 64 };
	assert_int_equal(sg_kmsg_decode(key, 6, f, 7, &m, &err), -1);
	assert_non_null(strstr(err.msg, "bad signature"));
	f[2] = (struct sg_kframe){ "", 0 };
	assert_int_equal(sg_kmsg_decode(key, 6, f, 7, &m, &err), -1);
	/* Tampered content with the original signature. */
	f[2] = (struct sg_kframe){ sig, 64 };
	f[6] = (struct sg_kframe){ "{\"execution_state\":\"busy\"}", 26 };
	assert_int_equal(sg_kmsg_decode(key, 6, f, 7, &m, &err), -1);
	/* No delimiter, too few frames. */
	assert_int_equal(sg_kmsg_decode(key, 6, f + 2, 5, &m, &err), -1);
	assert_int_equal(sg_kmsg_decode(key, 6, f, 0, &m, &err), -1);
}

static void test_mime_text(void **state)
{
	(void)state;
	json_t *d = json_pack("{s:s}", "text/html", "<p>a &lt; b</p><script>x()</script><b>c</b>");
	char *t = sg_kernel_mime_text(d, NULL);
	assert_non_null(strstr(t, "a < b"));
	assert_null(strstr(t, "x()"));
	assert_null(strstr(t, "<b>"));
	free(t);
	json_decref(d);
	d = json_pack("{s:s, s:s}", "text/markdown", "# Title", "text/html", "<h1>Title</h1>");
	t = sg_kernel_mime_text(d, NULL);
	assert_string_equal(t, "# Title");
	free(t);
	json_decref(d);
	d = json_pack("{s:s}", "image/png", "iVBORw0KGgo=");
	t = sg_kernel_mime_text(d, NULL);
	assert_non_null(strstr(t, "image/png"));
	free(t);
	json_decref(d);
	char ansi[] = "\x1b[0;31mValueError\x1b[0m: x";
	size_t n = sg_ansi_strip(ansi, strlen(ansi));
	assert_string_equal(ansi, "ValueError: x");
	assert_int_equal(n, 13);
}

static void test_corpora(void **state)
{
	(void)state;
	assert_true(tu_replay_corpus("kernelspec", sg_fuzz_kernelspec) >= 20);
	assert_true(tu_replay_corpus("kernelmsg", sg_fuzz_kernelmsg) >= 15);
	static const uint8_t one[1];
	sg_fuzz_kernelspec(one, 0);
	sg_fuzz_kernelmsg(one, 0);
	sg_fuzz_kernelmsg(one, 1);
}

/* ---- nb run's parameters ----------------------------------------------------------------- */

static void expect_literal(const char *in, int raw, const char *lit, const char *json)
{
	json_t *j;
	char *l = sg_nbrun_py_literal(in, raw, &j);
	assert_string_equal(l, lit);
	char *d = json_dumps(j, JSON_ENCODE_ANY);
	assert_string_equal(d, json);
	free(d);
	free(l);
	json_decref(j);
}

static void test_param_types(void **state)
{
	(void)state;
	expect_literal("3", 0, "3", "3");
	expect_literal("-12", 0, "-12", "-12");
	expect_literal("0.25", 0, "0.25", "0.25");
	expect_literal("1e3", 0, "1000.0", "1000.0");
	expect_literal("0.1", 0, "0.1", "0.10000000000000001");
	expect_literal("1e16", 0, "1e+16", "10000000000000000.0");
	expect_literal("1.5e-7", 0, "1.5e-07", "1.4999999999999999e-7");
	expect_literal("0.0001", 0, "0.0001", "0.0001");
	expect_literal("-0.0", 0, "-0.0", "-0.0");
	expect_literal("123.456", 0, "123.456", "123.456");
	expect_literal("True", 0, "True", "true");
	expect_literal("False", 0, "False", "false");
	expect_literal("None", 0, "None", "null");
	expect_literal("true", 0, "\"true\"", "\"true\"");
	expect_literal("nan", 0, "float(\"nan\")", "\"nan\"");
	expect_literal("-inf", 0, "float(\"-inf\")", "\"-inf\"");
	expect_literal("a \"b\"\\\n", 0, "\"a \\\"b\\\"\\\\\\n\"", "\"a \\\"b\\\"\\\\\\n\"");
	expect_literal("5", 1, "\"5\"", "\"5\"");
	expect_literal("", 0, "\"\"", "\"\"");
	expect_literal("0x10", 0, "\"0x10\"", "\"0x10\"");
	expect_literal(" 1", 0, "\" 1\"", "\" 1\"");
	expect_literal("123456789012345678901234567890", 0, "123456789012345678901234567890",
		       "\"123456789012345678901234567890\"");
	assert_true(sg_nbrun_valid_key("alpha_2"));
	assert_true(sg_nbrun_valid_key("_x"));
	assert_false(sg_nbrun_valid_key("2x"));
	assert_false(sg_nbrun_valid_key("a-b"));
	assert_false(sg_nbrun_valid_key(""));
}

static void test_inject(void **state)
{
	(void)state;
	struct sg_nb *nb = sg_nb_new();
	sg_nb_insert(nb, 0, SG_NB_MARKDOWN, "# t");
	struct sg_nb_cell *c = sg_nb_insert(nb, 1, SG_NB_CODE, "a = 1");
	json_object_set_new(c->metadata, "tags", json_pack("[s]", "parameters"));
	sg_nb_insert(nb, 2, SG_NB_CODE, "print(a)");
	struct sg_nbrun_param p[] = { { "a", "2", 0 }, { "s", "x", 0 } };
	assert_int_equal(sg_nbrun_inject(nb, p, 2), 2);
	assert_int_equal(nb->ncells, 4);
	assert_string_equal(nb->cells[2].source, "# Parameters\na = 2\ns = \"x\"\n");
	/* Injecting again replaces the earlier injected cell. */
	assert_int_equal(sg_nbrun_inject(nb, p, 1), 2);
	assert_int_equal(nb->ncells, 4);
	assert_string_equal(nb->cells[2].source, "# Parameters\na = 2\n");
	sg_nb_free(nb);
	/* Without a parameters cell: at the top. */
	nb = sg_nb_new();
	sg_nb_insert(nb, 0, SG_NB_CODE, "x");
	assert_int_equal(sg_nbrun_inject(nb, p, 1), 0);
	sg_nb_free(nb);
}

/* ---- a real kernel ----------------------------------------------------------------------- */

struct collect {
	char out[8192];
	char result[1024];
	char error[8192];
	char ename[128];
	int inputs;
	const char *answer;
};

static void collect_cb(struct sg_kernel *k, const struct sg_kernel_event *ev, void *ud)
{
	struct collect *c = ud;
	switch (ev->type) {
	case SG_KEV_STREAM:
		strncat(c->out, ev->text, sizeof c->out - strlen(c->out) - 1);
		break;
	case SG_KEV_RESULT:
		snprintf(c->result, sizeof c->result, "%s", ev->text);
		break;
	case SG_KEV_ERROR:
		snprintf(c->error, sizeof c->error, "%s", ev->text);
		snprintf(c->ename, sizeof c->ename, "%s", ev->ename);
		break;
	case SG_KEV_INPUT:
		c->inputs++;
		if (c->answer)
			assert_int_equal(sg_kernel_input_reply(k, c->answer, NULL), 0);
		break;
	default:
		break;
	}
}

static struct sg_kernel *kernel;

static int kernel_setup(void **state)
{
	(void)state;
	struct sg_kernelspec ks;
	struct sg_error err = { 0 };
	assert_int_equal(sg_kernelspec_find("sgtest", &ks, &err), 0);
	struct sg_kernel_opts o = { .workdir = tmp };
	if (sg_kernel_start(&ks, &o, &kernel, &err) < 0)
		fail_msg("%s", err.msg);
	sg_kernelspec_done(&ks);
	return 0;
}

static int kernel_teardown(void **state)
{
	(void)state;
	char conn[1024];
	snprintf(conn, sizeof conn, "%s", sg_kernel_connection_file(kernel));
	sg_kernel_free(kernel);
	kernel = NULL;
	assert_int_equal(access(conn, F_OK), -1); /* files cleaned up */
	return 0;
}

static void run(const char *code, struct collect *c, struct sg_cell_result *res)
{
	struct sg_error err = { 0 };
	if (sg_kernel_run_cell(kernel, code, 30, collect_cb, c, res, &err) < 0)
		fail_msg("%s", err.msg);
}

static void test_private_files(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat(sg_kernel_connection_file(kernel), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char dir[1024];
	assert_int_equal(sg_kernel_runtime_dir(dir, sizeof dir, NULL), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	size_t len;
	char *conn = sg_read_file(sg_kernel_connection_file(kernel), 1 << 16, &len, NULL);
	assert_non_null(strstr(conn, "\"ipc\""));
	free(conn);
	assert_non_null(json_object_get(sg_kernel_info(kernel), "language_info"));
	assert_int_equal(sg_kernel_alive(kernel, 2000), 1);
}

static void test_execute(void **state)
{
	(void)state;
	struct collect c = { 0 };
	struct sg_cell_result res;
	run("1+1", &c, &res);
	assert_string_equal(c.result, "2");
	assert_string_equal(res.status, "ok");
	assert_true(res.execution_count >= 1);
	memset(&c, 0, sizeof c);
	run("import os\nprint('hello', os.environ.get('SG_TEST_ENV'))", &c, &res);
	assert_string_equal(c.out, "hello yes\n");
	memset(&c, 0, sizeof c);
	run("raise ValueError('boom')", &c, &res);
	assert_string_equal(res.status, "error");
	assert_string_equal(c.ename, "ValueError");
	assert_non_null(strstr(c.error, "boom"));
	memset(&c, 0, sizeof c);
	run("from IPython.display import HTML, display\ndisplay(HTML('<i>hi</i>'))", &c, &res);
	assert_string_equal(res.status, "ok");
}

static void test_input(void **state)
{
	(void)state;
	struct collect c = { .answer = "Ada" };
	struct sg_cell_result res;
	run("name = input('who? ')\nprint('hi', name)", &c, &res);
	assert_int_equal(c.inputs, 1);
	assert_non_null(strstr(c.out, "hi Ada"));
}

static void interrupt_sleep(void)
{
	struct sg_error err = { 0 };
	char id[64];
	/* stop_on_error off: a request following this one's KeyboardInterrupt
	 * must not be aborted. */
	struct sg_exec_opts eo = { 0 };
	/* The cell says when it runs its own code: an interrupt from then on is
	 * the cell's KeyboardInterrupt, however slow the kernel is today.  No
	 * flush=True: the output thread sends the text on its own, when the
	 * cell is already napping (an interrupt inside a flush from the main
	 * thread could end the cell without an error).  It sleeps in short
	 * naps: Linux may hand SIGINT to another of the kernel's threads, and
	 * Python raises it in the main thread only between bytecodes, so one
	 * long sleep() could outlast the test. */
	assert_int_equal(sg_kernel_execute_opts(kernel, "import time\nprint('sleeping')\n"
						"for _ in range(300): time.sleep(0.1)", &eo, id, &err), 0);
	struct sg_kernel_event ev;
	int busy = 0, reply = 0, idle = 0;
	char ename[64] = "";
	double start = sg_now();
	while (!(reply && idle) && sg_now() - start < 20) {
		int r = sg_kernel_wait_event(kernel, &ev, 500, &err);
		assert_true(r >= 0);
		if (r == 0 || strcmp(ev.parent_id, id) != 0)
			continue;
		if (ev.type == SG_KEV_STREAM && strstr(ev.text, "sleeping") && !busy) {
			busy = 1;
			assert_int_equal(sg_kernel_interrupt(kernel, &err), 0);
		} else if (ev.type == SG_KEV_ERROR) {
			snprintf(ename, sizeof ename, "%s", ev.ename);
		} else if (ev.type == SG_KEV_REPLY) {
			reply = 1;
		} else if (ev.type == SG_KEV_STATUS && strcmp(ev.name, "idle") == 0) {
			idle = 1;
		}
	}
	if (!(reply && idle))
		fail_msg("after 20 s: running %d, reply %d, idle %d, error '%s'", busy, reply, idle,
			 ename);
	assert_string_equal(ename, "KeyboardInterrupt");
	assert_true(sg_now() - start < 20);
}

static void test_interrupt(void **state)
{
	(void)state;
	interrupt_sleep(); /* SIGINT to the process group (the spec's default) */
	/* interrupt_mode "message": an interrupt_request on control. */
	sg_kernel_set_interrupt_mode(kernel, SG_INTERRUPT_MESSAGE);
	interrupt_sleep();
	sg_kernel_set_interrupt_mode(kernel, SG_INTERRUPT_SIGNAL);
}

static void test_timeout(void **state)
{
	(void)state;
	struct collect c = { 0 };
	struct sg_cell_result res;
	struct sg_error err = { 0 };
	/* short naps: see interrupt_sleep */
	assert_int_equal(sg_kernel_run_cell(kernel, "import time\nfor _ in range(300): time.sleep(0.1)",
					    1, collect_cb, &c, &res, &err), -1);
	assert_true(res.timed_out);
	assert_non_null(strstr(err.msg, "timed out"));
	assert_string_equal(c.ename, "KeyboardInterrupt");
}

static void test_restart(void **state)
{
	(void)state;
	struct collect c = { 0 };
	struct sg_cell_result res;
	struct sg_error err = { 0 };
	run("x = 41", &c, &res);
	run("x + 1", &c, &res);
	if (strcmp(c.result, "42") != 0)
		fail_msg("x + 1: status %s, error %s %s, out %s", res.status, c.ename, c.error, c.out);
	pid_t before = sg_kernel_pid(kernel);
	if (sg_kernel_restart(kernel, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(sg_kernel_pid(kernel) != before);
	memset(&c, 0, sizeof c);
	run("x", &c, &res);
	assert_string_equal(c.ename, "NameError");
}

static void test_hung(void **state)
{
	(void)state;
	struct sg_error err = { 0 };
	/* A stopped process: alive, but it no longer answers anything. */
	sg_kernel_set_heartbeat(kernel, 0.2, 1.0);
	kill(sg_kernel_pid(kernel), SIGSTOP);
	struct sg_kernel_event ev;
	int died = 0;
	for (double end = sg_now() + 10; !died && sg_now() < end;)
		died = sg_kernel_wait_event(kernel, &ev, 200, &err) == 1 && ev.type == SG_KEV_DIED;
	assert_true(died);
	assert_non_null(strstr(ev.text, "heartbeat"));
	pid_t old = sg_kernel_pid(kernel);
	if (sg_kernel_restart(kernel, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(kill(old, 0), -1); /* the hung one is gone */
	sg_kernel_set_heartbeat(kernel, 0, 0);
	struct collect c = { 0 };
	struct sg_cell_result res;
	run("3 + 4", &c, &res);
	assert_string_equal(c.result, "7");
}

static void test_died(void **state)
{
	(void)state;
	struct collect c = { 0 };
	struct sg_cell_result res;
	struct sg_error err = { 0 };
	run("import os\nprint(os.getpid(), flush=True)", &c, &res);
	assert_int_equal(atoi(c.out), sg_kernel_pid(kernel));
	/* Killed while running a cell: the cell fails with "died". */
	char id[64];
	assert_int_equal(sg_kernel_execute(kernel, "import time\ntime.sleep(30)", 0, id, &err), 0);
	usleep(300000);
	kill(sg_kernel_pid(kernel), SIGKILL);
	struct sg_kernel_event ev;
	int died = 0;
	double start = sg_now();
	while (!died && sg_now() - start < 10) {
		if (sg_kernel_wait_event(kernel, &ev, 500, &err) == 1 && ev.type == SG_KEV_DIED)
			died = 1;
	}
	assert_true(died);
	assert_non_null(strstr(ev.text, "signal 9"));
	assert_int_equal(sg_kernel_alive(kernel, 100), 0);
	assert_int_equal(sg_kernel_execute(kernel, "1", 0, id, &err), -1);
	/* A restart brings it back. */
	if (sg_kernel_restart(kernel, &err) < 0)
		fail_msg("%s", err.msg);
	memset(&c, 0, sizeof c);
	run("2*3", &c, &res);
	assert_string_equal(c.result, "6");
}

/* ---- kept kernels (needs the built sagetty for its keeper) ---------------------------------- */

static void run_on(struct sg_kernel *k, const char *code, struct collect *c)
{
	struct sg_error err = { 0 };
	struct sg_cell_result res;
	memset(c, 0, sizeof *c);
	if (sg_kernel_run_cell(k, code, 30, collect_cb, c, &res, &err) < 0)
		fail_msg("%s", err.msg);
}

static void test_keeper(void **state)
{
	(void)state;
	const char *build = getenv("SG_TOP_BUILDDIR");
	if (!build)
		skip();
	char exe[4096], nbpath[4096];
	snprintf(exe, sizeof exe, "%s/sagetty", build);
	snprintf(nbpath, sizeof nbpath, "%s/analysis.ipynb", tmp);
	struct sg_kernels_launch_opts o = { .exe = exe, .kernel = "sgtest", .notebook = nbpath,
					    .idle_timeout = 0 };
	struct sg_kernel *k;
	struct sg_kernel_entry e;
	struct sg_error err = { 0 };
	int again;
	if (sg_kernels_open(&o, &k, &e, &again, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(again, 0);
	/* idle, or busy answering a handshake's kernel_info */
	assert_true(strcmp(e.state, "idle") == 0 || strcmp(e.state, "busy") == 0);
	assert_true(e.keeper > 0 && e.pid > 0 && e.keeper != getpid());
	struct collect c;
	run_on(k, "x = 7", &c);
	sg_kernel_free(k); /* the client goes, the kernel stays */
	assert_int_equal(kill(e.pid, 0), 0);

	/* Reopening the notebook finds its kernel, with its state. */
	if (sg_kernels_open(&o, &k, &e, &again, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(again, 1);
	run_on(k, "x", &c);
	assert_string_equal(c.result, "7");
	struct sg_kernel_entry *v;
	size_t n;
	assert_int_equal(sg_kernels_list(&v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].notebook, nbpath);
	free(v);

	/* A restart goes through the keeper: new process, state lost. */
	pid_t old = e.pid;
	if (sg_kernel_restart(k, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(sg_kernel_pid(k) > 0 && sg_kernel_pid(k) != old);
	run_on(k, "x", &c);
	assert_string_equal(c.ename, "NameError");

	/* Killed: the client hears it died; the keeper can bring it back. */
	kill(sg_kernel_pid(k), SIGKILL);
	struct sg_kernel_event ev;
	int died = 0;
	for (double end = sg_now() + 10; !died && sg_now() < end;)
		died = sg_kernel_wait_event(k, &ev, 500, &err) == 1 && ev.type == SG_KEV_DIED;
	assert_true(died);
	if (sg_kernel_restart(k, &err) < 0)
		fail_msg("%s", err.msg);
	run_on(k, "6 * 7", &c);
	assert_string_equal(c.result, "42");
	pid_t kpid = sg_kernel_pid(k);
	sg_kernel_free(k);

	assert_int_equal(sg_kernels_stop(e.id, 10, &err), 0);
	assert_int_equal(kill(kpid, 0), -1);
	assert_int_equal(sg_kernels_list(&v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(sg_kernels_get(e.id, &e, &err), -1);
	assert_int_equal(err.code, SG_E_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_spec_find),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_mime_text),
		cmocka_unit_test(test_corpora),
		cmocka_unit_test(test_param_types),
		cmocka_unit_test(test_inject),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_private_files),
		cmocka_unit_test(test_execute),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_hung),
		cmocka_unit_test(test_died),
	};
	const struct CMUnitTest kept[] = {
		cmocka_unit_test(test_keeper),
	};
	group_setup(NULL);
	int rc = cmocka_run_group_tests_name("kernel units", tests, NULL, NULL);
	rc += cmocka_run_group_tests_name("live kernel", live, kernel_setup, kernel_teardown);
	rc += cmocka_run_group_tests_name("kept kernel", kept, NULL, NULL);
	group_teardown(NULL);
	return rc;
}
