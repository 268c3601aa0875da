/* sagemaker.c — the training contract's files, environment and argv. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/sagemaker.h"
#include "core/util.h"

/* ---- JSON text -------------------------------------------------------------- */

/* Appends s as a JSON string: quotes, backslashes and control bytes
 * escaped, everything else (UTF-8) as it is. */
static void sb_quote(struct sg_buf *b, const char *s)
{
	sg_buf_puts(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[3] = { '\\', (char)c, 0 };
			sg_buf_puts(b, e);
		} else if (c < 0x20 || c == 0x7f) {
			sg_buf_printf(b, "\\u%04x", c);
		} else {
			sg_buf_add(b, s, 1);
		}
	}
	sg_buf_puts(b, "\"");
}

/* "key": (quoted key and the separator). */
static void sb_key(struct sg_buf *b, int *first, const char *key)
{
	sg_buf_puts(b, *first ? "" : ", ");
	*first = 0;
	sb_quote(b, key);
	sg_buf_puts(b, ": ");
}

/* ---- names and arguments ------------------------------------------------ */

static int name_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return 0;
	return 1;
}

int sg_sm_check_channel_name(const char *name, struct sg_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > SG_SM_NAME_MAX || !name_chars_ok(name) || name[0] == '.' ||
	    name[0] == '-')
		return sg_error_set(err, SG_E_USAGE,
				    "channel name '%s' must be 1-%d letters, digits, '.', '_' or '-' "
				    "(not starting with '.' or '-')", name, SG_SM_NAME_MAX);
	return 0;
}

int sg_sm_check_hp_key(const char *key, struct sg_error *err)
{
	size_t n = strlen(key);
	if (n == 0 || n > SG_SM_HP_KEY_MAX || !name_chars_ok(key) || key[0] == '-')
		return sg_error_set(err, SG_E_USAGE,
				    "hyperparameter name '%s' must be 1-%d letters, digits, '.', '_' or "
				    "'-' (not starting with '-')", key, SG_SM_HP_KEY_MAX);
	return 0;
}

int sg_sm_parse_hp(const char *arg, char **key, char **value, struct sg_error *err)
{
	const char *eq = strchr(arg, '=');
	*key = *value = NULL;
	if (!eq || eq == arg)
		return sg_error_set(err, SG_E_USAGE, "--hp needs KEY=VALUE, not '%s'", arg);
	char *k = sg_xstrndup(arg, (size_t)(eq - arg));
	if (sg_sm_check_hp_key(k, err) != 0) {
		free(k);
		return -1;
	}
	const char *v = eq + 1;
	if (strlen(v) > SG_SM_HP_VALUE_MAX) {
		free(k);
		return sg_error_set(err, SG_E_USAGE, "--hp %s: the value is longer than %d bytes", arg,
				    SG_SM_HP_VALUE_MAX);
	}
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			sg_error_set(err, SG_E_USAGE, "--hp %s: the value holds a control character", k);
			free(k);
			return -1;
		}
	}
	*key = k;
	*value = sg_xstrdup(v);
	return 0;
}

int sg_sm_parse_channel(const char *arg, char **name, char **path, struct sg_error *err)
{
	const char *eq = strchr(arg, '=');
	*name = *path = NULL;
	if (!eq || eq == arg || !eq[1])
		return sg_error_set(err, SG_E_USAGE, "--channel needs NAME=PATH, not '%s'", arg);
	char *n = sg_xstrndup(arg, (size_t)(eq - arg));
	if (sg_sm_check_channel_name(n, err) != 0) {
		free(n);
		return -1;
	}
	*name = n;
	*path = sg_xstrdup(eq + 1);
	return 0;
}

/* ---- paths ---------------------------------------------------------------- */

static char *rpath(const struct sg_sm_job *j, const char *rel)
{
	return sg_path_join(j->run_dir, rel);
}

static char *channel_dir(const struct sg_sm_job *j, const char *name)
{
	char *rel = sg_xasprintf("input/data/%s", name);
	char *p = rpath(j, rel);
	free(rel);
	return p;
}

static int num_cpus(const struct sg_sm_job *j)
{
	if (j->num_cpus > 0)
		return j->num_cpus;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static const char *iface(const struct sg_sm_job *j)
{
	return j->network_interface ? j->network_interface : "lo";
}

/* The script's file name without folder and ".py" (the toolkit's module). */
static char *module_name(const struct sg_sm_job *j)
{
	const char *base = strrchr(j->script, '/');
	base = base ? base + 1 : j->script;
	size_t n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".py") == 0)
		n -= 3;
	return sg_xstrndup(base, n);
}

static char *script_dir(const struct sg_sm_job *j)
{
	const char *slash = strrchr(j->script, '/');
	if (!slash)
		return sg_xstrdup(".");
	return slash == j->script ? sg_xstrdup("/") : sg_xstrndup(j->script, (size_t)(slash - j->script));
}

/* ---- the JSON files -------------------------------------------------------- */

char *sg_sm_hyperparameters_json(const struct sg_sm_job *j)
{
	struct sg_buf b = { 0 };
	int first = 1;
	sg_buf_puts(&b, "{");
	for (size_t i = 0; i < j->nhps; i++) {
		sb_key(&b, &first, j->hps[i].key);
		sb_quote(&b, j->hps[i].value);
	}
	sg_buf_puts(&b, "}");
	return sg_buf_take(&b, NULL);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* One channel's InputDataConfig entry. */
static void channel_config(struct sg_buf *b, const struct sg_sm_channel *c)
{
	sg_buf_puts(b, "{\"TrainingInputMode\": \"File\", \"S3DistributionType\": \"FullyReplicated\", "
		  "\"RecordWrapperType\": \"None\"");
	if (ends_with(c->source, ".csv"))
		sg_buf_puts(b, ", \"ContentType\": \"text/csv\"");
	sg_buf_puts(b, "}");
}

char *sg_sm_inputdataconfig_json(const struct sg_sm_job *j)
{
	struct sg_buf b = { 0 };
	int first = 1;
	sg_buf_puts(&b, "{");
	for (size_t i = 0; i < j->nchannels; i++) {
		sb_key(&b, &first, j->channels[i].name);
		channel_config(&b, &j->channels[i]);
	}
	sg_buf_puts(&b, "}");
	return sg_buf_take(&b, NULL);
}

char *sg_sm_resourceconfig_json(const struct sg_sm_job *j)
{
	struct sg_buf b = { 0 };
	sg_buf_puts(&b, "{\"current_host\": \"" SG_SM_HOST "\", \"current_instance_type\": \"local\", "
		   "\"current_group_name\": \"homogeneousCluster\", \"hosts\": [\"" SG_SM_HOST "\"], "
		   "\"instance_groups\": [{\"instance_group_name\": \"homogeneousCluster\", "
		   "\"instance_type\": \"local\", \"hosts\": [\"" SG_SM_HOST "\"]}], "
		   "\"network_interface_name\": ");
	sb_quote(&b, iface(j));
	sg_buf_puts(&b, "}");
	return sg_buf_take(&b, NULL);
}

/* 1 when value is JSON the toolkit would decode to a non-string. */
static int json_literal(const char *value)
{
	json_error_t e;
	json_t *v = json_loads(value, JSON_DECODE_ANY, &e);
	if (!v)
		return 0;
	int ok = !json_is_string(v);
	json_decref(v);
	return ok;
}

char *sg_sm_hps_json(const struct sg_sm_job *j)
{
	struct sg_buf b = { 0 };
	int first = 1;
	sg_buf_puts(&b, "{");
	for (size_t i = 0; i < j->nhps; i++) {
		sb_key(&b, &first, j->hps[i].key);
		if (json_literal(j->hps[i].value))
			sg_buf_puts(&b, j->hps[i].value);
		else
			sb_quote(&b, j->hps[i].value);
	}
	sg_buf_puts(&b, "}");
	return sg_buf_take(&b, NULL);
}

static void kv_path(struct sg_buf *b, int *first, const struct sg_sm_job *j, const char *key,
		    const char *rel)
{
	char *p = rpath(j, rel);
	sb_key(b, first, key);
	sb_quote(b, p);
	free(p);
}

static void kv_raw(struct sg_buf *b, int *first, const char *key, char *json_text)
{
	sb_key(b, first, key);
	sg_buf_puts(b, json_text);
	free(json_text);
}

static void kv_str(struct sg_buf *b, int *first, const char *key, const char *value)
{
	sb_key(b, first, key);
	sb_quote(b, value);
}

static char *channel_dirs_json(const struct sg_sm_job *j)
{
	struct sg_buf b = { 0 };
	int first = 1;
	sg_buf_puts(&b, "{");
	for (size_t i = 0; i < j->nchannels; i++) {
		char *d = channel_dir(j, j->channels[i].name);
		kv_str(&b, &first, j->channels[i].name, d);
		free(d);
	}
	sg_buf_puts(&b, "}");
	return sg_buf_take(&b, NULL);
}

char *sg_sm_training_env_json(const struct sg_sm_job *j)
{
	struct sg_buf b = { 0 };
	int first = 1;
	char *mod = module_name(j), *dir = script_dir(j);
	const char *entry = strrchr(j->script, '/') ? strrchr(j->script, '/') + 1 : j->script;
	sg_buf_puts(&b, "{");
	kv_raw(&b, &first, "additional_framework_parameters", sg_xstrdup("{}"));
	kv_raw(&b, &first, "channel_input_dirs", channel_dirs_json(j));
	kv_path(&b, &first, j, "checkpoint_dir", "checkpoints");
	kv_str(&b, &first, "current_host", SG_SM_HOST);
	kv_str(&b, &first, "current_instance_group", "homogeneousCluster");
	kv_raw(&b, &first, "current_instance_group_hosts", sg_xstrdup("[\"" SG_SM_HOST "\"]"));
	kv_str(&b, &first, "current_instance_type", "local");
	kv_raw(&b, &first, "distribution_hosts", sg_xstrdup("[]"));
	kv_raw(&b, &first, "distribution_instance_groups", sg_xstrdup("[]"));
	kv_raw(&b, &first, "framework_module", sg_xstrdup("null"));
	kv_raw(&b, &first, "hosts", sg_xstrdup("[\"" SG_SM_HOST "\"]"));
	kv_raw(&b, &first, "hyperparameters", sg_sm_hps_json(j));
	kv_path(&b, &first, j, "input_config_dir", "input/config");
	kv_raw(&b, &first, "input_data_config", sg_sm_inputdataconfig_json(j));
	kv_path(&b, &first, j, "input_dir", "input");
	kv_raw(&b, &first, "instance_groups", sg_xstrdup("[\"homogeneousCluster\"]"));
	kv_raw(&b, &first, "is_hetero", sg_xstrdup("false"));
	kv_raw(&b, &first, "is_master", sg_xstrdup("true"));
	kv_str(&b, &first, "job_name", j->job_name ? j->job_name : "");
	kv_raw(&b, &first, "log_level", sg_xstrdup("20"));
	kv_str(&b, &first, "master_hostname", SG_SM_HOST);
	kv_path(&b, &first, j, "model_dir", "model");
	kv_str(&b, &first, "module_dir", dir);
	kv_str(&b, &first, "module_name", mod);
	kv_str(&b, &first, "network_interface_name", iface(j));
	kv_raw(&b, &first, "num_cpus", sg_xasprintf("%d", num_cpus(j)));
	kv_raw(&b, &first, "num_gpus", sg_xstrdup("0"));
	kv_raw(&b, &first, "num_neurons", sg_xstrdup("0"));
	kv_path(&b, &first, j, "output_data_dir", "output/data");
	kv_path(&b, &first, j, "output_dir", "output");
	kv_path(&b, &first, j, "output_intermediate_dir", "output/intermediate");
	kv_raw(&b, &first, "resource_config", sg_sm_resourceconfig_json(j));
	kv_str(&b, &first, "user_entry_point", entry);
	sg_buf_puts(&b, "}");
	free(mod);
	free(dir);
	return sg_buf_take(&b, NULL);
}

/* ---- argv and environment ------------------------------------------------- */

static int kv_cmp(const void *a, const void *b)
{
	const struct sg_sm_kv *const *x = a, *const *y = b;
	return strcmp((*x)->key, (*y)->key);
}

/* The hyperparameters sorted by key (borrowed pointers; malloc'd array). */
static const struct sg_sm_kv **sorted_hps(const struct sg_sm_job *j)
{
	const struct sg_sm_kv **v = sg_xcalloc(j->nhps + 1, sizeof *v);
	for (size_t i = 0; i < j->nhps; i++)
		v[i] = &j->hps[i];
	qsort(v, j->nhps, sizeof *v, kv_cmp);
	return v;
}

char **sg_sm_user_args(const struct sg_sm_job *j)
{
	const struct sg_sm_kv **hp = sorted_hps(j);
	char **args = sg_xcalloc(2 * j->nhps + 1, sizeof *args);
	for (size_t i = 0; i < j->nhps; i++) {
		args[2 * i] = sg_xasprintf("--%s", hp[i]->key);
		args[2 * i + 1] = sg_xstrdup(hp[i]->value);
	}
	free(hp);
	return args;
}

char **sg_sm_argv(const struct sg_sm_job *j, const char *interpreter)
{
	char **user = sg_sm_user_args(j);
	char **argv = sg_xcalloc(2 * j->nhps + 3, sizeof *argv);
	size_t k = 0;
	if (interpreter)
		argv[k++] = sg_xstrdup(interpreter);
	argv[k++] = sg_xstrdup(j->script);
	for (size_t i = 0; user[i]; i++)
		argv[k++] = user[i];
	free(user);
	return argv;
}

static char *user_args_json(const struct sg_sm_job *j)
{
	char **args = sg_sm_user_args(j);
	struct sg_buf b = { 0 };
	sg_buf_puts(&b, "[");
	for (size_t i = 0; args[i]; i++) {
		sg_buf_puts(&b, i ? ", " : "");
		sb_quote(&b, args[i]);
	}
	sg_buf_puts(&b, "]");
	sg_sm_strv_free(args);
	return sg_buf_take(&b, NULL);
}

static char *channels_json(const struct sg_sm_job *j)
{
	struct sg_buf b = { 0 };
	sg_buf_puts(&b, "[");
	for (size_t i = 0; i < j->nchannels; i++) {
		sg_buf_puts(&b, i ? ", " : "");
		sb_quote(&b, j->channels[i].name);
	}
	sg_buf_puts(&b, "]");
	return sg_buf_take(&b, NULL);
}

/* "PREFIX" + upper-cased name, as the toolkit spells its variables. */
static char *upper_name(const char *prefix, const char *name)
{
	char *s = sg_xasprintf("%s%s", prefix, name);
	for (char *p = s + strlen(prefix); *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

struct envb {
	char **v;
	size_t n, cap;
};

/* Adds NAME=VALUE; takes value when own. */
static void env_add(struct envb *e, const char *name, const char *value)
{
	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = sg_xrealloc(e->v, e->cap * sizeof *e->v);
	}
	e->v[e->n++] = sg_xasprintf("%s=%s", name, value);
	e->v[e->n] = NULL;
}

static void env_own(struct envb *e, const char *name, char *value)
{
	env_add(e, name, value);
	free(value);
}

static void env_path(struct envb *e, const struct sg_sm_job *j, const char *name,
		     const char *rel)
{
	env_own(e, name, rpath(j, rel));
}

char **sg_sm_env(const struct sg_sm_job *j)
{
	struct envb e = { 0 };
	env_path(&e, j, "SM_MODEL_DIR", "model");
	env_own(&e, "SM_CHANNELS", channels_json(j));
	for (size_t i = 0; i < j->nchannels; i++) {
		char *name = upper_name("SM_CHANNEL_", j->channels[i].name);
		env_own(&e, name, channel_dir(j, j->channels[i].name));
		free(name);
	}
	env_path(&e, j, "SM_OUTPUT_DATA_DIR", "output/data");
	env_path(&e, j, "SM_OUTPUT_DIR", "output");
	env_path(&e, j, "SM_OUTPUT_INTERMEDIATE_DIR", "output/intermediate");
	env_path(&e, j, "SM_INPUT_DIR", "input");
	env_path(&e, j, "SM_INPUT_CONFIG_DIR", "input/config");
	env_path(&e, j, "SM_CHECKPOINT_DIR", "checkpoints");
	env_own(&e, "SM_HPS", sg_sm_hps_json(j));
	for (size_t i = 0; i < j->nhps; i++) {
		char *name = upper_name("SM_HP_", j->hps[i].key);
		env_add(&e, name, j->hps[i].value);
		free(name);
	}
	env_own(&e, "SM_USER_ARGS", user_args_json(j));
	env_add(&e, "SM_CURRENT_HOST", SG_SM_HOST);
	env_add(&e, "SM_HOSTS", "[\"" SG_SM_HOST "\"]");
	env_own(&e, "SM_NUM_CPUS", sg_xasprintf("%d", num_cpus(j)));
	env_add(&e, "SM_NUM_GPUS", "0");
	env_add(&e, "SM_LOG_LEVEL", "20");
	env_add(&e, "SM_NETWORK_INTERFACE_NAME", iface(j));
	env_own(&e, "SM_RESOURCE_CONFIG", sg_sm_resourceconfig_json(j));
	env_own(&e, "SM_INPUT_DATA_CONFIG", sg_sm_inputdataconfig_json(j));
	env_add(&e, "SM_FRAMEWORK_PARAMS", "{}");
	env_own(&e, "SM_MODULE_NAME", module_name(j));
	env_own(&e, "SM_MODULE_DIR", script_dir(j));
	const char *entry = strrchr(j->script, '/');
	env_add(&e, "SM_USER_ENTRY_POINT", entry ? entry + 1 : j->script);
	env_own(&e, "SM_TRAINING_ENV", sg_sm_training_env_json(j));
	env_add(&e, "TRAINING_JOB_NAME", j->job_name ? j->job_name : "");
	/* Progress and metric lines arrive as printed, not a buffer later. */
	env_add(&e, "PYTHONUNBUFFERED", "1");
	return e.v;
}

void sg_sm_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* ---- the tree ------------------------------------------------------------------ */

static int write_json(const struct sg_sm_job *j, const char *rel, char *text,
		      struct sg_error *err)
{
	char *path = rpath(j, rel);
	size_t n = strlen(text);
	text = sg_xrealloc(text, n + 2);
	text[n] = '\n';
	int rc = sg_write_atomic(path, text, n + 1, 0644, err);
	free(path);
	free(text);
	return rc;
}

/* Links dir/NAME to target, replacing an old link. */
static int link_into(const char *dir, const char *name, const char *target, struct sg_error *err)
{
	char *link = sg_path_join(dir, name);
	int rc = symlink(target, link);
	if (rc != 0 && errno == EEXIST && unlink(link) == 0)
		rc = symlink(target, link);
	if (rc != 0)
		sg_error_errno(err, "cannot link %s to %s", link, target);
	free(link);
	return rc;
}

/* Removes the symlinks a previous attempt left in dir (nothing else). */
static void unlink_links(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char *p = sg_path_join(dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
}

/* Fills input/data/NAME/ with links to the channel's file or entries. */
static int link_channel(const struct sg_sm_job *j, const struct sg_sm_channel *c,
			struct sg_error *err)
{
	char *dir = channel_dir(j, c->name);
	int rc = sg_mkdir_p(dir, 0777, err);
	if (rc == 0)
		unlink_links(dir);
	if (rc == 0 && !sg_is_dir(c->source)) {
		const char *base = strrchr(c->source, '/');
		rc = link_into(dir, base ? base + 1 : c->source, c->source, err);
	} else if (rc == 0) {
		DIR *d = opendir(c->source);
		if (!d)
			rc = sg_error_errno(err, "channel %s: cannot read %s", c->name, c->source);
		struct dirent *de;
		while (rc == 0 && d && (de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *target = sg_path_join(c->source, de->d_name);
			rc = link_into(dir, de->d_name, target, err);
			free(target);
		}
		if (d)
			closedir(d);
	}
	free(dir);
	return rc;
}

int sg_sm_make_tree(const struct sg_sm_job *j, struct sg_error *err)
{
	static const char *const dirs[] = { "input/config", "input/data", "model", "output/data",
					    "output/intermediate", "checkpoints" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char *p = rpath(j, dirs[i]);
		int rc = sg_mkdir_p(p, 0777, err);
		free(p);
		if (rc != 0)
			return -1;
	}
	if (write_json(j, "input/config/hyperparameters.json", sg_sm_hyperparameters_json(j), err) ||
	    write_json(j, "input/config/inputdataconfig.json", sg_sm_inputdataconfig_json(j), err) ||
	    write_json(j, "input/config/resourceconfig.json", sg_sm_resourceconfig_json(j), err))
		return -1;
	for (size_t i = 0; i < j->nchannels; i++)
		if (link_channel(j, &j->channels[i], err) != 0)
			return -1;
	return 0;
}

int sg_sm_failure_reason(const char *run_dir, char *buf, size_t n)
{
	if (n == 0)
		return 0;
	buf[0] = '\0';
	char *path = sg_path_join(run_dir, "output/failure");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	char raw[4 * SG_SM_FAILURE_CHARS + 1];
	ssize_t got = read(fd, raw, sizeof raw - 1);
	close(fd);
	if (got <= 0)
		return 0;
	size_t k = 0, chars = 0;
	for (ssize_t i = 0; i < got && raw[i] && k + 1 < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		if ((c & 0xC0) != 0x80 && ++chars > SG_SM_FAILURE_CHARS)
			break;
		buf[k++] = (char)c;
	}
	/* Never end inside a UTF-8 sequence (buf may be shorter than the text). */
	while (k > 0 && ((unsigned char)buf[k - 1] & 0x80)) {
		size_t start = k - 1;
		while (start > 0 && ((unsigned char)buf[start] & 0xC0) == 0x80)
			start--;
		unsigned char lead = (unsigned char)buf[start];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (k - start >= want)
			break;
		k = start;
	}
	while (k > 0 && isspace((unsigned char)buf[k - 1]))
		k--;
	buf[k] = '\0';
	return k > 0;
}
