/* kernelspec.c — Jupyter kernelspec discovery and kernel.json parsing. */
#include "sgconfig.h"
#include "core/kernelspec.h"
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/util.h"

#define SPEC_MAX_BYTES (1 << 20)

void sg_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void sg_kernelspec_done(struct sg_kernelspec *ks)
{
	sg_strv_free(ks->argv);
	sg_strv_free(ks->env);
	ks->argv = ks->env = NULL;
	ks->argc = ks->nenv = 0;
}

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static int spec_error(struct sg_error *err, const char *file, const char *why)
{
	return sg_error_set(err, SG_E_PARSE, "%s:1:1: %s", file, why);
}

static int parse_argv(struct sg_kernelspec *ks, const char *file, json_t *argv,
		      struct sg_error *err)
{
	if (!json_is_array(argv) || json_array_size(argv) == 0)
		return spec_error(err, file, "\"argv\" must be a non-empty array of strings");
	size_t n = json_array_size(argv);
	ks->argv = sg_xcalloc(n + 1, sizeof *ks->argv);
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(argv, i);
		if (!json_is_string(a) || (i == 0 && json_string_length(a) == 0))
			return spec_error(err, file, "\"argv\" must be a non-empty array of strings");
		if (strlen(json_string_value(a)) != json_string_length(a))
			return spec_error(err, file, "\"argv\" holds a NUL byte");
		ks->argv[i] = sg_xstrdup(json_string_value(a));
		ks->argc++;
	}
	return 0;
}

static int parse_env(struct sg_kernelspec *ks, const char *file, json_t *env,
		     struct sg_error *err)
{
	ks->env = sg_xcalloc(json_object_size(env) + 1, sizeof *ks->env);
	if (!env)
		return 0;
	const char *k;
	json_t *v;
	json_object_foreach(env, k, v) {
		if (!json_is_string(v) || !*k || strchr(k, '=') ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return spec_error(err, file, "\"env\" must map names to strings");
		ks->env[ks->nenv++] = sg_xasprintf("%s=%s", k, json_string_value(v));
	}
	return 0;
}

int sg_kernelspec_parse(struct sg_kernelspec *ks, const char *file, const char *text, size_t len,
			struct sg_error *err)
{
	memset(ks, 0, sizeof *ks);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", file, je.line > 0 ? je.line : 1,
				    je.column > 0 ? je.column : 1, je.text);
	int rc = -1;
	if (!json_is_object(root)) {
		spec_error(err, file, "a kernelspec must be a JSON object");
		goto out;
	}
	if (parse_argv(ks, file, json_object_get(root, "argv"), err) < 0)
		goto out;
	json_t *env = json_object_get(root, "env");
	if (env && !json_is_object(env) && !json_is_null(env)) {
		spec_error(err, file, "\"env\" must be an object");
		goto out;
	}
	if (parse_env(ks, file, json_is_object(env) ? env : NULL, err) < 0)
		goto out;
	copy_str(ks->display_name, sizeof ks->display_name,
		 json_string_value(json_object_get(root, "display_name")));
	copy_str(ks->language, sizeof ks->language,
		 json_string_value(json_object_get(root, "language")));
	const char *im = json_string_value(json_object_get(root, "interrupt_mode"));
	ks->interrupt_mode = im && strcmp(im, "message") == 0 ? SG_INTERRUPT_MESSAGE
							      : SG_INTERRUPT_SIGNAL;
	rc = 0;
out:
	json_decref(root);
	if (rc < 0)
		sg_kernelspec_done(ks);
	return rc;
}

/* ---- search path ------------------------------------------------------------------ */

static void push(char ***v, size_t *n, char *s)
{
	*v = sg_xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

char **sg_kernelspec_dirs(void)
{
	char **v = NULL;
	size_t n = 0;
	const char *jp = getenv("JUPYTER_PATH");
	if (jp && *jp) {
		char *copy = sg_xstrdup(jp), *save = NULL;
		for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
			push(&v, &n, sg_path_join(t, "kernels"));
		free(copy);
	}
	const char *data = getenv("JUPYTER_DATA_DIR");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (data && *data)
		push(&v, &n, sg_path_join(data, "kernels"));
	else if (xdg && *xdg)
		push(&v, &n, sg_xasprintf("%s/jupyter/kernels", xdg));
	else if (home && *home)
		push(&v, &n, sg_xasprintf("%s/.local/share/jupyter/kernels", home));
	push(&v, &n, sg_xstrdup("/usr/local/share/jupyter/kernels"));
	push(&v, &n, sg_xstrdup("/usr/share/jupyter/kernels"));
	return v;
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) >= 128 || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (*p == '/')
			return 0;
	return 1;
}

static int load_from(const char *kdir, const char *name, struct sg_kernelspec *ks,
		     struct sg_error *err)
{
	char *dir = sg_path_join(kdir, name);
	char *file = sg_path_join(dir, "kernel.json");
	size_t len;
	int rc = -1;
	char *text = sg_read_file(file, SPEC_MAX_BYTES, &len, err);
	if (text && sg_kernelspec_parse(ks, file, text, len, err) == 0) {
		copy_str(ks->name, sizeof ks->name, name);
		copy_str(ks->dir, sizeof ks->dir, dir);
		rc = 0;
	}
	free(text);
	free(file);
	free(dir);
	return rc;
}

static int cmp_spec(const void *a, const void *b)
{
	return strcmp(((const struct sg_kernelspec *)a)->name,
		      ((const struct sg_kernelspec *)b)->name);
}

static int listed(const struct sg_kernelspec_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return 1;
	return 0;
}

int sg_kernelspec_list(struct sg_kernelspec_list *out, struct sg_error *err)
{
	(void)err;
	memset(out, 0, sizeof *out);
	char **dirs = sg_kernelspec_dirs();
	for (char **d = dirs; *d; d++) {
		DIR *dp = opendir(*d);
		if (!dp)
			continue;
		struct dirent *e;
		while ((e = readdir(dp))) {
			if (!valid_name(e->d_name) || listed(out, e->d_name))
				continue;
			struct sg_kernelspec ks;
			if (load_from(*d, e->d_name, &ks, NULL) < 0)
				continue;
			out->items = sg_xrealloc(out->items, (out->n + 1) * sizeof *out->items);
			out->items[out->n++] = ks;
		}
		closedir(dp);
	}
	sg_strv_free(dirs);
	if (out->n)
		qsort(out->items, out->n, sizeof *out->items, cmp_spec);
	return 0;
}

void sg_kernelspec_list_done(struct sg_kernelspec_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		sg_kernelspec_done(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

static int not_found(const char *name, struct sg_error *err)
{
	struct sg_kernelspec_list l;
	sg_kernelspec_list(&l, NULL);
	size_t cap = 512, len = 0;
	char *names = sg_xcalloc(1, cap);
	for (size_t i = 0; i < l.n && len + 140 < cap; i++)
		len += (size_t)snprintf(names + len, cap - len, "%s%s", i ? ", " : "",
					l.items[i].name);
	if (l.n)
		sg_error_set(err, SG_E_NOTFOUND, "no kernel '%s' is installed (installed: %s)", name,
			     names);
	else
		sg_error_set(err, SG_E_NOTFOUND,
			     "no kernel '%s' is installed (no kernels found; install one, e.g. "
			     "python3-ipykernel)", name);
	free(names);
	sg_kernelspec_list_done(&l);
	return -1;
}

int sg_kernelspec_find(const char *name, struct sg_kernelspec *ks, struct sg_error *err)
{
	memset(ks, 0, sizeof *ks);
	if (!valid_name(name))
		return not_found(name, err);
	char **dirs = sg_kernelspec_dirs();
	int rc = 1;
	for (char **d = dirs; *d && rc == 1; d++) {
		char *file = sg_xasprintf("%s/%s/kernel.json", *d, name);
		if (sg_is_file(file))
			rc = load_from(*d, name, ks, err);
		free(file);
	}
	sg_strv_free(dirs);
	if (rc == 1)
		return not_found(name, err);
	return rc;
}

/* ---- launch argv ---------------------------------------------------------------- */

/* Replaces every occurrence of key in s by val (malloc'd). */
static char *subst(const char *s, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val), n = 0;
	for (const char *p = strstr(s, key); p; p = strstr(p + kl, key))
		n++;
	char *out = sg_xmalloc(strlen(s) + n * vl + 1), *o = out;
	for (const char *p = s;;) {
		const char *q = strstr(p, key);
		if (!q) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, val, vl);
		o += vl;
		p = q + kl;
	}
	return out;
}

static char *which(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = sg_xstrdup(path), *save = NULL, *found = NULL;
	for (char *t = strtok_r(copy, ":", &save); t && !found; t = strtok_r(NULL, ":", &save)) {
		char *cand = sg_path_join(*t ? t : ".", prog);
		if (access(cand, X_OK) == 0 && sg_is_file(cand))
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

char **sg_kernelspec_argv(const struct sg_kernelspec *ks, const char *connection_file,
			  struct sg_error *err)
{
	char **v = sg_xcalloc(ks->argc + 1, sizeof *v);
	for (size_t i = 0; i < ks->argc; i++) {
		char *a = subst(ks->argv[i], "{connection_file}", connection_file);
		v[i] = subst(a, "{resource_dir}", ks->dir);
		free(a);
	}
	if (!strchr(v[0], '/')) {
		char *full = which(v[0]);
		if (!full) {
			sg_error_set(err, SG_E_NOTFOUND,
				     "kernel '%s': program '%s' is not on PATH (%s/kernel.json)",
				     ks->name, v[0], ks->dir);
			sg_strv_free(v);
			return NULL;
		}
		free(v[0]);
		v[0] = full;
	}
	return v;
}
