/* notebook.h — finding the workspace's notebooks.
 *
 * Lists *.ipynb files under the workspace root (skipping hidden folders such
 * as .git and .sagetty) with a summary read by the notebook parser
 * (nbformat.h): number of cells, of code cells, and the kernel's display
 * name.  A notebook that does not parse is still listed, with the parser's
 * message, so the user sees why it cannot be opened. */
#ifndef SG_NOTEBOOK_H
#define SG_NOTEBOOK_H

#include <stddef.h>
#include "core/error.h"

struct sg_notebook_info {
	char path[1024];      /* relative to the root */
	long long size;
	double mtime;
	int cells, code_cells;
	char kernel[64];      /* display name, or "" */
	char error[256];      /* "" when it parsed; else "file:line:col: why" */
};

/* Reads one notebook's summary (path relative to root). */
int sg_notebook_summary(const char *root, const char *path, struct sg_notebook_info *out);

struct sg_notebook_list {
	struct sg_notebook_info *items;
	size_t n;
};
/* Scans root (at most 6 folders deep, 10,000 notebooks), sorted by path. */
int sg_notebook_scan(const char *root, struct sg_notebook_list *out, struct sg_error *err);
void sg_notebook_list_done(struct sg_notebook_list *l);

#endif
