/* test_config.c — `set` lines, their errors, and format → parse round trips. */
#include "tests/testutil.h"
#include "core/config.h"
#include "core/util.h"

static int parse(struct sg_config *c, const char *text, struct sg_error *err)
{
	return sg_config_parse(c, "config", text, strlen(text), err);
}

static void expect_error(const char *text, const char *want)
{
	struct sg_config def, c;
	struct sg_error err;
	sg_config_default(&def);
	c = def;
	assert_int_equal(parse(&c, text, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	assert_string_equal(err.msg, want);
	assert_memory_equal(&c, &def, sizeof c);
}

static void test_defaults(void **state)
{
	struct sg_config c;
	sg_config_default(&c);
	assert_string_equal(c.theme, "default");
	assert_int_equal(c.lines, SG_LINES_AUTO);
	assert_string_equal(c.shared_group, "");
	assert_true(c.refresh_seconds >= 1 && c.refresh_seconds <= 3600);
}

static void test_parse(void **state)
{
	struct sg_config c;
	struct sg_error err;
	sg_config_default(&c);
	assert_int_equal(parse(&c,
			       "# workspace settings\n"
			       "set theme light            # a comment\n"
			       "set line-drawing ascii\n"
			       "set shared-group ml-team\n"
			       "set refresh-seconds 3600\n",
			       &err), 0);
	assert_string_equal(c.theme, "light");
	assert_int_equal(c.lines, SG_LINES_ASCII);
	assert_string_equal(c.shared_group, "ml-team");
	assert_int_equal(c.refresh_seconds, 3600);
	/* On top of what is there; later lines win. */
	assert_int_equal(parse(&c,
			       "set theme \"/home/me/my themes/x.theme\"\n"
			       "set line-drawing utf8\nset line-drawing auto\n"
			       "set shared-group \"\"\nset refresh-seconds 1\n",
			       &err), 0);
	assert_string_equal(c.theme, "/home/me/my themes/x.theme");
	assert_int_equal(c.lines, SG_LINES_AUTO);
	assert_string_equal(c.shared_group, "");
	assert_int_equal(c.refresh_seconds, 1);
	assert_int_equal(parse(&c, "", &err), 0);
	assert_int_equal(c.refresh_seconds, 1);
}

static void test_errors(void **state)
{
	expect_error("set theme light\nset colour red\n",
		     "config:2:5: unknown setting 'colour' (theme, line-drawing, shared-group, refresh-seconds, "
		     "max-jobs, log-rotate-mb, log-cap-mb, notebooks-strip-outputs, kernels.idle-timeout, editor-keys, jobs.heartbeat-timeout)");
	expect_error("set editor-keys vim\n",
		     "config:1:17: editor-keys must be emacs or vi, not 'vim'");
	expect_error("set jobs.heartbeat-timeout 5\n",
		     "config:1:28: jobs.heartbeat-timeout must be a whole number from 10 to 86400, not '5'");
	expect_error("sett theme light\n",
		     "config:1:1: unknown command 'sett' (the config has only 'set' lines)");
	expect_error("set\n", "config:1:4: missing setting name (set NAME VALUE)");
	expect_error("set theme\n", "config:1:10: missing value for theme");
	expect_error("set theme my theme\n",
		     "config:1:14: unexpected 'theme' after the value (quote values with blanks)");
	expect_error("set theme \"\"\n", "config:1:11: theme is empty (try 'default')");
	expect_error("set line-drawing fancy\n",
		     "config:1:18: line-drawing must be auto, utf8 or ascii, not 'fancy'");
	static const char *const bad_refresh[] = {
		"0", "3601", "-5", "1e3", "abc", "", "99999999999999999999", "2.5", " 2",
	};
	for (size_t i = 0; i < sizeof bad_refresh / sizeof bad_refresh[0]; i++) {
		char text[128], want[256];
		snprintf(text, sizeof text, "set refresh-seconds \"%s\"\n", bad_refresh[i]);
		snprintf(want, sizeof want,
			 "config:1:21: refresh-seconds must be a whole number from 1 to 3600, not '%s'",
			 bad_refresh[i]);
		expect_error(text, want);
	}
	char group[200] = "set shared-group ";
	memset(group + strlen(group), 'g', 64);
	expect_error(group, "config:1:18: shared-group is too long (at most 63 bytes)");
	expect_error("set theme \"unterminated\n", "config:1:11: unterminated quote");
}

static void test_all_or_nothing(void **state)
{
	expect_error("set theme light\nset line-drawing ascii\nset refresh-seconds 0\n",
		     "config:3:21: refresh-seconds must be a whole number from 1 to 3600, not '0'");
}

/* format must write a file parse reads back to the same values. */
static void round_trip(const struct sg_config *c)
{
	struct sg_config back;
	struct sg_error err;
	char *text = sg_config_format(c);
	sg_config_default(&back);
	back.refresh_seconds = 999;
	if (sg_config_parse(&back, "formatted", text, strlen(text), &err) != 0)
		fail_msg("%s\n%s", err.msg, text);
	assert_string_equal(back.theme, c->theme);
	assert_int_equal(back.lines, c->lines);
	assert_string_equal(back.shared_group, c->shared_group);
	assert_int_equal(back.refresh_seconds, c->refresh_seconds);
	assert_int_equal(back.max_jobs, c->max_jobs);
	assert_int_equal(back.log_rotate_mb, c->log_rotate_mb);
	assert_int_equal(back.log_cap_mb, c->log_cap_mb);
	assert_int_equal(back.kernel_idle_timeout, c->kernel_idle_timeout);
	assert_int_equal(back.editor_vi, c->editor_vi);
	assert_int_equal(back.nb_strip_outputs, c->nb_strip_outputs);
	assert_int_equal(back.heartbeat_timeout, c->heartbeat_timeout);
	free(text);
}

static void test_format_round_trip(void **state)
{
	struct sg_config c;
	sg_config_default(&c);
	round_trip(&c);
	c.editor_vi = 1;
	round_trip(&c);
	c.editor_vi = 0;
	char *text = sg_config_format(&c);
	assert_non_null(strstr(text, "\nset theme default\n"));
	assert_non_null(strstr(text, "\nset shared-group \"\"\n"));
	assert_int_equal(text[0], '#');
	free(text);

	static const char *const values[] = {
		"light", "/a path/with spaces.theme", "quote\"d", "back\\slash", "#hash",
		"mid#hash", "tab\there", "\xC3\xA9t\xC3\xA9", "\"", "\\", "trailing\\",
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		sg_config_default(&c);
		snprintf(c.theme, sizeof c.theme, "%s", values[i]);
		snprintf(c.shared_group, sizeof c.shared_group, "%s", values[i]);
		c.lines = (enum sg_line_drawing)(i % 3);
		c.refresh_seconds = (int)i * 300 + 1;
		c.max_jobs = (int)i % 64 + 1;
		c.log_rotate_mb = (int)i * 1000 + 1;
		c.log_cap_mb = (int)i * 90000 + 1;
		c.nb_strip_outputs = (int)i % 2;
		c.heartbeat_timeout = (int)i * 7000 + 10;
		round_trip(&c);
	}
	/* The longest values that fit. */
	memset(c.theme, 'x', sizeof c.theme - 1);
	c.theme[sizeof c.theme - 1] = '\0';
	memset(c.shared_group, '"', sizeof c.shared_group - 1);
	c.shared_group[sizeof c.shared_group - 1] = '\0';
	round_trip(&c);
}

/* notebooks-strip-outputs: off by default, yes/no words, errors. */
static void test_notebook_settings(void **state)
{
	struct sg_config c;
	struct sg_error err;
	sg_config_default(&c);
	assert_int_equal(c.nb_strip_outputs, 0);
	assert_int_equal(parse(&c, "set notebooks-strip-outputs yes\n", &err), 0);
	assert_int_equal(c.nb_strip_outputs, 1);
	assert_int_equal(parse(&c, "set notebooks-strip-outputs off\n", &err), 0);
	assert_int_equal(c.nb_strip_outputs, 0);
	expect_error("set notebooks-strip-outputs maybe\n",
		     "config:1:29: notebooks-strip-outputs must be yes or no, not 'maybe'");
}

/* The job settings (issue 5): defaults, bounds, errors. */
static void test_job_settings(void **state)
{
	struct sg_config c;
	struct sg_error err;
	sg_config_default(&c);
	assert_int_equal(c.max_jobs, 2);
	assert_int_equal(c.log_rotate_mb, 64);
	assert_int_equal(c.log_cap_mb, 1024);
	assert_int_equal(parse(&c, "set max-jobs 1\nset log-rotate-mb 1\nset log-cap-mb 1048576\n",
			       &err), 0);
	assert_int_equal(c.max_jobs, 1);
	assert_int_equal(c.log_rotate_mb, 1);
	assert_int_equal(c.log_cap_mb, 1048576);
	assert_int_equal(parse(&c, "set max-jobs 64\n", &err), 0);
	assert_int_equal(c.max_jobs, 64);
	expect_error("set max-jobs 0\n",
		     "config:1:14: max-jobs must be a whole number from 1 to 64, not '0'");
	expect_error("set max-jobs 65\n",
		     "config:1:14: max-jobs must be a whole number from 1 to 64, not '65'");
	expect_error("set max-jobs two\n",
		     "config:1:14: max-jobs must be a whole number from 1 to 64, not 'two'");
	expect_error("set max-jobs\n", "config:1:13: missing value for max-jobs");
	expect_error("set log-cap-mb 99999999999\n",
		     "config:1:16: log-cap-mb must be a whole number from 1 to 1048576, "
		     "not '99999999999'");
	expect_error("set log-rotate-mb -1\n",
		     "config:1:19: log-rotate-mb must be a whole number from 1 to 65536, not '-1'");
}

static void test_load(void **state)
{
	char *dir = tu_tempdir();
	struct sg_config c;
	struct sg_error err;
	sg_config_default(&c);
	char *missing = sg_xasprintf("%s/config", dir);
	assert_int_equal(sg_config_load(&c, missing, 1, &err), 0);
	assert_int_equal(sg_config_load(&c, missing, 0, &err), -1);
	assert_int_equal(err.code, SG_E_IO);
	char *path = tu_write(dir, "config", "set theme mono\r\nset refresh-seconds 10");
	assert_int_equal(sg_config_load(&c, path, 0, &err), 0);
	assert_string_equal(c.theme, "mono");
	assert_int_equal(c.refresh_seconds, 10);
	free(path);
	path = tu_write(dir, "bad", "set theme light\nset refresh-seconds ten\n");
	assert_int_equal(sg_config_load(&c, path, 1, &err), -1);
	char *want = sg_xasprintf(
		"%s:2:21: refresh-seconds must be a whole number from 1 to 3600, not 'ten'", path);
	assert_string_equal(err.msg, want);
	assert_string_equal(c.theme, "mono");
	/* A folder is not a config file, optional or not. */
	assert_int_equal(sg_config_load(&c, dir, 1, &err), -1);
	free(want);
	free(path);
	free(missing);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_job_settings),
		cmocka_unit_test(test_notebook_settings),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
