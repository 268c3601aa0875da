/* notebook.c — finding notebooks and summarizing them. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "core/nbformat.h"
#include "core/notebook.h"
#include "core/util.h"

#define MAX_DEPTH 6
#define MAX_NOTEBOOKS 10000

/* Counts cells and reads the kernel name. */
static void summarize(const struct sg_nb *nb, struct sg_notebook_info *out)
{
	out->cells = (int)nb->ncells;
	for (size_t i = 0; i < nb->ncells; i++)
		out->code_cells += nb->cells[i].type == SG_NB_CODE;
	json_t *ks = json_object_get(nb->metadata, "kernelspec");
	const char *name = json_string_value(json_object_get(ks, "display_name"));
	if (!name)
		name = json_string_value(json_object_get(ks, "name"));
	if (name)
		snprintf(out->kernel, sizeof out->kernel, "%s", name);
}

int sg_notebook_summary(const char *root, const char *path, struct sg_notebook_info *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->path, sizeof out->path, "%s", path);
	char *full = sg_path_join(root, path);
	struct stat st;
	if (stat(full, &st) != 0) {
		snprintf(out->error, sizeof out->error, "%s: cannot read", path);
		free(full);
		return -1;
	}
	out->size = st.st_size;
	out->mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
	/* The notebook parser itself, so the list and opening a notebook
	 * give the same verdict and the same message. */
	struct sg_error err = { 0 };
	size_t len;
	char *buf = sg_read_file(full, SG_NB_MAX_BYTES, &len, &err);
	free(full);
	struct sg_nb *nb = NULL;
	if (!buf || sg_nb_parse(buf, len, path, &nb, &err) != 0) {
		free(buf);
		snprintf(out->error, sizeof out->error, "%s", err.msg);
		return -1;
	}
	free(buf);
	summarize(nb, out);
	sg_nb_free(nb);
	return out->error[0] ? -1 : 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

struct scan {
	const char *root;
	struct sg_notebook_list *out;
	size_t cap;
};

static void add_notebook(struct scan *sc, const char *rel)
{
	struct sg_notebook_list *l = sc->out;
	if (l->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 16;
		l->items = sg_xrealloc(l->items, sc->cap * sizeof *l->items);
	}
	sg_notebook_summary(sc->root, rel, &l->items[l->n++]);
}

/* Walks rel (relative to the root), skipping hidden entries and
 * checkpoint folders; symlinked folders are not followed (no cycles). */
static void scan_dir(struct scan *sc, const char *rel, int depth)
{
	char *full = rel[0] ? sg_path_join(sc->root, rel) : sg_xstrdup(sc->root);
	DIR *d = opendir(full);
	free(full);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && sc->out->n < MAX_NOTEBOOKS) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "node_modules") == 0)
			continue;
		char *child = rel[0] ? sg_path_join(rel, e->d_name) : sg_xstrdup(e->d_name);
		char *cfull = sg_path_join(sc->root, child);
		struct stat st;
		if (lstat(cfull, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
				scan_dir(sc, child, depth + 1);
			else if (S_ISREG(st.st_mode) && has_suffix(e->d_name, ".ipynb"))
				add_notebook(sc, child);
		}
		free(cfull);
		free(child);
	}
	closedir(d);
}

static int by_path(const void *a, const void *b)
{
	const struct sg_notebook_info *x = a, *y = b;
	return strcmp(x->path, y->path);
}

int sg_notebook_scan(const char *root, struct sg_notebook_list *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	if (!sg_is_dir(root))
		return sg_error_set(err, SG_E_IO, "%s is not a folder", root);
	struct scan sc = { .root = root, .out = out };
	scan_dir(&sc, "", 0);
	if (out->n)
		qsort(out->items, out->n, sizeof *out->items, by_path);
	return 0;
}

void sg_notebook_list_done(struct sg_notebook_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}
