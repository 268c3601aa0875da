/* dataset.h — the registry of datasets in the store.
 *
 * Registering records a CSV's path (relative to the workspace root when it
 * lies inside it), its SHA-256, size, row and column counts, and optionally
 * the dataset and recipe it was derived from (lineage).  Re-registering the
 * same path updates it.  The fast CSV engine itself lives elsewhere; this
 * module only counts what it needs with libcsv. */
#ifndef SG_DATASET_H
#define SG_DATASET_H

#include <stddef.h>
#include "core/store.h"

struct sg_dataset_info {
	long long id;
	char name[128];
	char path[1024];
	char sha256[65];
	long long size;
	long long rows;       /* data rows, header excluded */
	int columns;
	long long parent_id;  /* 0: none */
	char recipe[256];
	char user[64];
	double registered_at;
};

/* Hashes and counts file (path relative to root, or absolute) and records
 * it under name (NULL: the file's base name without extension).  A header
 * row is assumed when has_header.  Fills out when non-NULL. */
int sg_dataset_register(struct sg_store *s, const char *root, const char *file, const char *name,
			int has_header, long long parent_id, const char *recipe,
			struct sg_dataset_info *out, struct sg_error *err);
typedef int (*sg_dataset_fn)(const struct sg_dataset_info *d, void *ud);
/* Registered datasets by name. */
int sg_dataset_list(struct sg_store *s, sg_dataset_fn fn, void *ud, struct sg_error *err);
/* Looks a dataset up by name or path. */
int sg_dataset_get(struct sg_store *s, const char *name_or_path, struct sg_dataset_info *out,
		   struct sg_error *err);

/* SHA-256 of a file as 64 hex characters. */
int sg_sha256_file(const char *path, char hex[65], long long *size, struct sg_error *err);

#endif
