/* notebook.c — finding notebooks and summarizing them. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "core/notebook.h"
#include "core/util.h"

#define MAX_DEPTH 6
#define MAX_NOTEBOOKS 10000
#define MAX_NOTEBOOK_BYTES (256u << 20)

/* Counts cells and reads the kernel name from a parsed notebook. */
static void summarize_json(json_t *nb, struct sg_notebook_info *out)
{
	json_t *cells = json_object_get(nb, "cells");
	if (!json_is_array(cells)) {
		snprintf(out->error, sizeof out->error, "%s: no \"cells\" list", out->path);
		return;
	}
	size_t i;
	json_t *cell;
	json_array_foreach(cells, i, cell) {
		out->cells++;
		if (json_is_string(json_object_get(cell, "cell_type")) &&
		    strcmp(json_string_value(json_object_get(cell, "cell_type")), "code") == 0)
			out->code_cells++;
	}
	json_t *ks = json_object_get(json_object_get(nb, "metadata"), "kernelspec");
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
	if ((unsigned long long)st.st_size > MAX_NOTEBOOK_BYTES) {
		snprintf(out->error, sizeof out->error, "%s: too large to summarize", path);
		free(full);
		return -1;
	}
	json_error_t je;
	json_t *nb = json_load_file(full, JSON_REJECT_DUPLICATES, &je);
	free(full);
	if (!nb) {
		snprintf(out->error, sizeof out->error, "%s:%d:%d: %s", path, je.line, je.column,
			 je.text);
		return -1;
	}
	summarize_json(nb, out);
	json_decref(nb);
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
