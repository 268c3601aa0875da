/* config.c — `set NAME VALUE` lines into struct sg_config, and back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/conf.h"
#include "core/config.h"
#include "core/util.h"

#define CONFIG_MAX_BYTES (1u << 20)
#define REFRESH_MIN 1
#define REFRESH_MAX 3600
#define MAX_JOBS_MAX 64
#define ROTATE_MB_MAX 65536
#define CAP_MB_MAX 1048576
#define KERNEL_IDLE_MAX (365 * 86400)
#define HEARTBEAT_MIN 10
#define HEARTBEAT_MAX 86400

static const char *const line_names[] = {
	[SG_LINES_AUTO] = "auto", [SG_LINES_UTF8] = "utf8", [SG_LINES_ASCII] = "ascii",
};

void sg_config_default(struct sg_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->theme, sizeof c->theme, "default");
	c->lines = SG_LINES_AUTO;
	c->refresh_seconds = 2;
	c->max_jobs = 2;
	c->log_rotate_mb = 64;
	c->log_cap_mb = 1024;
	c->kernel_idle_timeout = 3600;
	c->heartbeat_timeout = 60;
}

/* Copies word 2 of l into dst (cap bytes), refusing what does not fit. */
static int set_string(char *dst, size_t cap, const struct sg_conf_line *l, struct sg_error *err)
{
	size_t len = strlen(l->argv[2]);
	if (len >= cap)
		return sg_conf_error(err, l, 2, "%s is too long (at most %zu bytes)", l->argv[1],
				     cap - 1);
	memcpy(dst, l->argv[2], len + 1);
	return 0;
}

static int set_theme(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	if (!l->argv[2][0])
		return sg_conf_error(err, l, 2, "theme is empty (try 'default')");
	return set_string(c->theme, sizeof c->theme, l, err);
}

static int set_lines(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	for (int i = 0; i < (int)(sizeof line_names / sizeof line_names[0]); i++) {
		if (strcmp(line_names[i], l->argv[2]) == 0) {
			c->lines = (enum sg_line_drawing)i;
			return 0;
		}
	}
	return sg_conf_error(err, l, 2, "line-drawing must be auto, utf8 or ascii, not '%s'",
			     l->argv[2]);
}

static int set_group(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_string(c->shared_group, sizeof c->shared_group, l, err);
}

/* Reads word 2 of l as a whole number in [lo, hi] into *out. */
static int set_int(int *out, int lo, int hi, const struct sg_conf_line *l, struct sg_error *err)
{
	const char *s = l->argv[2];
	int v = 0;
	/* Digits only, and stop before overflow: "1e3", "-5" and "99999999999"
	 * all get the same clear message. */
	for (const char *p = s; *p && v <= hi; p++) {
		if (*p < '0' || *p > '9') {
			v = -1;
			break;
		}
		v = v * 10 + (*p - '0');
	}
	if (!s[0] || v < lo || v > hi)
		return sg_conf_error(err, l, 2, "%s must be a whole number from %d to %d, not '%s'",
				     l->argv[1], lo, hi, s);
	*out = v;
	return 0;
}

static int set_refresh(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_int(&c->refresh_seconds, REFRESH_MIN, REFRESH_MAX, l, err);
}

static int set_max_jobs(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_int(&c->max_jobs, 1, MAX_JOBS_MAX, l, err);
}

static int set_rotate(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_int(&c->log_rotate_mb, 1, ROTATE_MB_MAX, l, err);
}

static int set_cap(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_int(&c->log_cap_mb, 1, CAP_MB_MAX, l, err);
}

/* Reads word 2 of l as yes/no (also on/off, true/false, 1/0). */
static int set_bool(int *out, const struct sg_conf_line *l, struct sg_error *err)
{
	static const char *const yes[] = { "yes", "on", "true", "1" }, *const no[] = { "no", "off", "false", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(l->argv[2], yes[i]) == 0 || strcmp(l->argv[2], no[i]) == 0) {
			*out = strcmp(l->argv[2], yes[i]) == 0;
			return 0;
		}
	}
	return sg_conf_error(err, l, 2, "%s must be yes or no, not '%s'", l->argv[1], l->argv[2]);
}

static int set_nb_strip(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_bool(&c->nb_strip_outputs, l, err);
}

/* Seconds an unused notebook kernel lives on (kernels.h); 0: forever. */
static int set_kernel_idle(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_int(&c->kernel_idle_timeout, 0, KERNEL_IDLE_MAX, l, err);
}

static int set_editor_keys(struct sg_config *c, const struct sg_conf_line *l,
			   struct sg_error *err)
{
	if (strcmp(l->argv[2], "vi") != 0 && strcmp(l->argv[2], "emacs") != 0)
		return sg_conf_error(err, l, 2, "editor-keys must be emacs or vi, not '%s'", l->argv[2]);
	c->editor_vi = l->argv[2][0] == 'v';
	return 0;
}

/* Seconds without a heartbeat before a job of another host is lost (job.h). */
static int set_heartbeat(struct sg_config *c, const struct sg_conf_line *l, struct sg_error *err)
{
	return set_int(&c->heartbeat_timeout, HEARTBEAT_MIN, HEARTBEAT_MAX, l, err);
}

static const struct {
	const char *name;
	int (*set)(struct sg_config *, const struct sg_conf_line *, struct sg_error *);
} settings[] = {
	{ "theme", set_theme },
	{ "line-drawing", set_lines },
	{ "shared-group", set_group },
	{ "refresh-seconds", set_refresh },
	{ "max-jobs", set_max_jobs },
	{ "log-rotate-mb", set_rotate },
	{ "log-cap-mb", set_cap },
	{ "notebooks-strip-outputs", set_nb_strip },
	{ "kernels.idle-timeout", set_kernel_idle },
	{ "editor-keys", set_editor_keys },
	{ "jobs.heartbeat-timeout", set_heartbeat },
};

/* Interprets `set NAME VALUE` into the config passed as ud. */
static int config_line(const struct sg_conf_line *l, void *ud, struct sg_error *err)
{
	if (strcmp(l->argv[0], "set") != 0)
		return sg_conf_error(err, l, 0, "unknown command '%s' (the config has only 'set' lines)",
				     l->argv[0]);
	if (l->argc < 2)
		return sg_conf_error(err, l, 1, "missing setting name (set NAME VALUE)");
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
		if (strcmp(settings[i].name, l->argv[1]) != 0)
			continue;
		if (l->argc < 3)
			return sg_conf_error(err, l, 2, "missing value for %s", l->argv[1]);
		if (l->argc > 3)
			return sg_conf_error(err, l, 3, "unexpected '%s' after the value (quote values with blanks)",
					     l->argv[3]);
		return settings[i].set(ud, l, err);
	}
	return sg_conf_error(err, l, 1,
			     "unknown setting '%s' (theme, line-drawing, shared-group, refresh-seconds, "
			     "max-jobs, log-rotate-mb, log-cap-mb, notebooks-strip-outputs, kernels.idle-timeout, editor-keys, jobs.heartbeat-timeout)",
			     l->argv[1]);
}

int sg_config_parse(struct sg_config *c, const char *file, const char *buf, size_t len,
		    struct sg_error *err)
{
	/* Why a copy: all or nothing, as for themes and keymaps. */
	struct sg_config tmp = *c;
	if (sg_conf_parse(file, buf, len, config_line, &tmp, err) != 0)
		return -1;
	*c = tmp;
	return 0;
}

int sg_config_load(struct sg_config *c, const char *path, int optional, struct sg_error *err)
{
	struct stat st;
	size_t len;
	if (optional && stat(path, &st) != 0 && errno == ENOENT)
		return 0;
	char *buf = sg_read_file(path, CONFIG_MAX_BYTES, &len, err);
	if (!buf)
		return -1;
	int rc = sg_config_parse(c, path, buf, len, err);
	free(buf);
	return rc;
}

/* Returns value as one conf.h word (malloc'd), quoted when it is empty or
 * holds blanks, quotes, backslashes or '#'.  Control characters other than
 * tab cannot be written at all; sg_config_parse never produces them. */
static char *quote(const char *value)
{
	if (value[0] && !strpbrk(value, " \t\"\\#"))
		return sg_xstrdup(value);
	size_t len = strlen(value);
	char *out = sg_xmalloc(2 * len + 3), *p = out;
	*p++ = '"';
	for (const char *s = value; *s; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

char *sg_config_format(const struct sg_config *c)
{
	char theme[sizeof c->theme], group[sizeof c->shared_group];
	/* Copies bound the reads even if a caller forgot a terminating NUL. */
	snprintf(theme, sizeof theme, "%.*s", (int)sizeof theme - 1, c->theme);
	snprintf(group, sizeof group, "%.*s", (int)sizeof group - 1, c->shared_group);
	char *qtheme = quote(theme), *qgroup = quote(group);
	int lines = (int)c->lines >= 0 && (int)c->lines <= SG_LINES_ASCII ? (int)c->lines : 0;
	char *out = sg_xasprintf(
		"# sagetty configuration: one `set NAME VALUE` per line; '#' starts a comment.\n"
		"# Quote values with blanks: set theme \"/path/with space.theme\"\n"
		"\n"
		"# default | light | high-contrast | mono | a path to a .theme file\n"
		"set theme %s\n"
		"# how boxes and rules are drawn: auto | utf8 | ascii\n"
		"set line-drawing %s\n"
		"# the Unix group that shares this workspace (\"\" when private)\n"
		"set shared-group %s\n"
		"# how often panes look for new data, in seconds (%d-%d)\n"
		"set refresh-seconds %d\n"
		"# training jobs running at once; more wait queued (1-%d)\n"
		"set max-jobs %d\n"
		"# a job's stdout.log/stderr.log is rotated at this size, 2 old files kept (MB)\n"
		"set log-rotate-mb %d\n"
		"# past this total per job attempt, output is no longer logged (MB)\n"
		"set log-cap-mb %d\n"
		"# commit notebooks without their outputs (yes | no)\n"
		"set notebooks-strip-outputs %s\n"
		"# an unused notebook kernel is shut down after this many seconds (0: never)\n"
		"set kernels.idle-timeout %d\n"
		"# the keys of the notebook cell editor: emacs | vi\n"
		"set editor-keys %s\n"
		"# a job of another host sharing this workspace is lost when its supervisor\n"
		"# has not reported for this many seconds (%d-%d)\n"
		"set jobs.heartbeat-timeout %d\n",
		qtheme, line_names[lines], qgroup, REFRESH_MIN, REFRESH_MAX, c->refresh_seconds,
		MAX_JOBS_MAX, c->max_jobs, c->log_rotate_mb, c->log_cap_mb,
		c->nb_strip_outputs ? "yes" : "no", c->kernel_idle_timeout, c->editor_vi ? "vi" : "emacs",
		HEARTBEAT_MIN, HEARTBEAT_MAX, c->heartbeat_timeout);
	free(qtheme);
	free(qgroup);
	return out;
}
