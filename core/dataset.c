/* dataset.c — registering datasets: hash, counts, lineage. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "core/csvfile.h"
#include "core/dataset.h"
#include "core/util.h"

int sg_sha256_file(const char *path, char hex[65], long long *size, struct sg_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sg_error_errno(err, "cannot open %s", path);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		close(fd);
		return sg_error_set(err, SG_E_IO, "SHA-256 is unavailable in libcrypto");
	}
	static __thread unsigned char buf[1 << 16];
	long long total = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sg_error_errno(err, "cannot read %s", path);
			EVP_MD_CTX_free(ctx);
			close(fd);
			return -1;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)r);
		total += r;
	}
	close(fd);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (size)
		*size = total;
	return 0;
}

/* Data rows and columns through the CSV engine (core/csvfile.h), so a
 * registered dataset counts as the Data pane and the data commands read
 * it, and a malformed file gets the engine's "file:line:col" message. */
static int count_rows(const char *path, int has_header, long long *rows, int *columns,
		      struct sg_error *err)
{
	struct sg_csv_options opt = { .header = has_header ? SG_CSV_HEADER_YES : SG_CSV_HEADER_NO };
	struct sg_csv *c = sg_csv_open(path, &opt, err);
	if (!c)
		return -1;
	int rc = sg_csv_wait(c, err);
	if (rc == 0) {
		*rows = (long long)sg_csv_nrows(c);
		*columns = sg_csv_ncols(c);
	}
	sg_csv_free(c);
	return rc;
}

/* The path to store: relative to root when the file lies inside it, so a
 * workspace can move. */
static char *stored_path(const char *root, const char *abs)
{
	size_t n = strlen(root);
	if (strncmp(abs, root, n) == 0 && abs[n] == '/')
		return sg_xstrdup(abs + n + 1);
	return sg_xstrdup(abs);
}

static void default_dataset_name(const char *path, char *buf, size_t n)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(buf, n, "%s", base);
	char *dot = strrchr(buf, '.');
	if (dot && dot != buf)
		*dot = '\0';
}

#define DATASET_COLUMNS \
	"id, name, path, sha256, size, rows, columns, coalesce(parent_id, 0), " \
	"coalesce(recipe, ''), user, registered_at FROM datasets"

static void read_dataset(sqlite3_stmt *st, struct sg_dataset_info *d)
{
	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(st, 0);
	snprintf(d->name, sizeof d->name, "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(d->path, sizeof d->path, "%s", (const char *)sqlite3_column_text(st, 2));
	snprintf(d->sha256, sizeof d->sha256, "%s", (const char *)sqlite3_column_text(st, 3));
	d->size = sqlite3_column_int64(st, 4);
	d->rows = sqlite3_column_int64(st, 5);
	d->columns = sqlite3_column_int(st, 6);
	d->parent_id = sqlite3_column_int64(st, 7);
	snprintf(d->recipe, sizeof d->recipe, "%s", (const char *)sqlite3_column_text(st, 8));
	snprintf(d->user, sizeof d->user, "%s", (const char *)sqlite3_column_text(st, 9));
	d->registered_at = sqlite3_column_double(st, 10);
}

int sg_dataset_register(struct sg_store *s, const char *root, const char *file, const char *name,
			int has_header, long long parent_id, const char *recipe,
			struct sg_dataset_info *out, struct sg_error *err)
{
	char *full = file[0] == '/' || !root ? sg_xstrdup(file) : sg_path_join(root, file);
	char *abs = sg_realpath(full);
	free(full);
	if (!abs)
		return sg_error_errno(err, "cannot register %s", file);
	if (!sg_is_file(abs)) {
		sg_error_set(err, SG_E_USAGE, "cannot register %s: not a regular file", file);
		free(abs);
		return -1;
	}
	char hex[65], dname[128];
	long long size, rows;
	int columns;
	if (sg_sha256_file(abs, hex, &size, err) != 0 ||
	    count_rows(abs, has_header, &rows, &columns, err) != 0) {
		free(abs);
		return -1;
	}
	if (!name)
		default_dataset_name(abs, dname, sizeof dname);
	char *rel = stored_path(root ? root : "", abs);
	free(abs);
	sqlite3_stmt *st = sg_store_prepare(s,
		"INSERT INTO datasets(name, path, sha256, size, rows, columns, parent_id, recipe, "
		"user, registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
		"ON CONFLICT(path) DO UPDATE SET name = excluded.name, sha256 = excluded.sha256, "
		"size = excluded.size, rows = excluded.rows, columns = excluded.columns, "
		"parent_id = excluded.parent_id, recipe = excluded.recipe, user = excluded.user, "
		"registered_at = excluded.registered_at", err);
	int rc = -1;
	if (st) {
		sqlite3_bind_text(st, 1, name ? name : dname, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, rel, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, size);
		sqlite3_bind_int64(st, 5, rows);
		sqlite3_bind_int(st, 6, columns);
		if (parent_id > 0)
			sqlite3_bind_int64(st, 7, parent_id);
		sqlite3_bind_text(st, 8, recipe, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 9, sg_username(), -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 10, sg_now());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot register");
		sqlite3_reset(st);
	}
	if (rc == 0 && out)
		rc = sg_dataset_get(s, rel, out, err);
	free(rel);
	return rc;
}

int sg_dataset_list(struct sg_store *s, sg_dataset_fn fn, void *ud, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT " DATASET_COLUMNS " ORDER BY name, id", err);
	if (!st)
		return -1;
	int rc;
	struct sg_dataset_info d;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_dataset(st, &d);
		if (fn(&d, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot list datasets");
}

int sg_dataset_get(struct sg_store *s, const char *name_or_path, struct sg_dataset_info *out,
		   struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT " DATASET_COLUMNS
		" WHERE path = ?1 OR name = ?1 ORDER BY path = ?1 DESC, id LIMIT 2", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name_or_path, -1, SQLITE_TRANSIENT);
	int n = 0, rc, exact_path = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 2) {
		if (n++ == 0) {
			read_dataset(st, out);
			exact_path = strcmp(out->path, name_or_path) == 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sg_store_error(s, err, "cannot look up the dataset");
	if (n == 0)
		return sg_error_set(err, SG_E_NOTFOUND, "no dataset '%s'", name_or_path);
	if (n > 1 && !exact_path)
		return sg_error_set(err, SG_E_AMBIGUOUS,
				    "several datasets are named '%s'; give the path", name_or_path);
	return 0;
}
