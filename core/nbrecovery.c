/* nbrecovery.c — per-user recovery copies of notebooks being edited. */
#include "sgconfig.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "core/nbrecovery.h"
#include "core/util.h"

#define NBREC_MAX_BYTES ((size_t)1 << 31) /* a notebook copy larger is refused */

/* The account name as a safe file name part: [A-Za-z0-9._-], the rest '_'. */
static void user_part(const struct sg_workspace *ws, char *buf, size_t n)
{
	const char *u = *ws->user ? ws->user : sg_username();
	size_t i = 0;

	for (; u && u[i] && i + 1 < n; i++) {
		char c = u[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '_' || c == '-';
		buf[i] = ok ? c : '_';
	}
	buf[i] = '\0';
	if (i == 0 || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		snprintf(buf, n, "uid%u", (unsigned)getuid());
}

/* The user's recovery folder, malloc'd. */
static char *user_dir(const struct sg_workspace *ws)
{
	char user[64];

	user_part(ws, user, sizeof user);
	return sg_xasprintf("%s/%s/%s", ws->dir, SG_NBREC_DIR, user);
}

char *sg_nbrecovery_path(const struct sg_workspace *ws, const char *nbpath)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[17] = "0000000000000000";
	char *dir = user_dir(ws), *path;

	if (EVP_Digest(nbpath, strlen(nbpath), md, &mdlen, EVP_sha256(), NULL) == 1)
		for (unsigned i = 0; i < 8 && i < mdlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	path = sg_xasprintf("%s/%s.ipynb", dir, hex);
	free(dir);
	return path;
}

int sg_nbrecovery_write(const struct sg_workspace *ws, const char *nbpath, const void *data,
			size_t len, struct sg_error *err)
{
	char *dir = user_dir(ws), *path, *top = sg_xasprintf("%s/%s", ws->dir, SG_NBREC_DIR);
	int rc;

	/* recovery/ itself is shared like the workspace (each user makes a
	 * folder in it); the user's folder is private */
	rc = sg_mkdir_p(top, 0777, err);
	free(top);
	if (rc < 0 || sg_mkdir_p(dir, 0700, err) < 0) {
		free(dir);
		return -1;
	}
	/* The folder may predate us with looser bits (a shared workspace's
	 * setgid parent): unsaved work stays the user's own. */
	chmod(dir, 0700);
	free(dir);
	path = sg_nbrecovery_path(ws, nbpath);
	rc = sg_write_atomic(path, data, len, 0600, err);
	free(path);
	return rc;
}

int sg_nbrecovery_exists(const struct sg_workspace *ws, const char *nbpath, double *mtime,
			 long long *size)
{
	char *path = sg_nbrecovery_path(ws, nbpath);
	struct stat st;
	int ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);

	free(path);
	if (ok && mtime)
		*mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
	if (ok && size)
		*size = (long long)st.st_size;
	return ok;
}

char *sg_nbrecovery_read(const struct sg_workspace *ws, const char *nbpath, size_t *len,
			 struct sg_error *err)
{
	char *path = sg_nbrecovery_path(ws, nbpath), *data;

	if (!sg_is_file(path)) {
		sg_error_set(err, SG_E_NOTFOUND, "no recovery copy of %s", nbpath);
		free(path);
		return NULL;
	}
	data = sg_read_file(path, NBREC_MAX_BYTES, len, err);
	free(path);
	return data;
}

int sg_nbrecovery_remove(const struct sg_workspace *ws, const char *nbpath,
			 struct sg_error *err)
{
	char *path = sg_nbrecovery_path(ws, nbpath);
	int rc = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		rc = sg_error_errno(err, "cannot remove %s", path);
	free(path);
	return rc;
}

int sg_nbrecovery_same_as_file(const struct sg_workspace *ws, const char *nbpath)
{
	char *file = sg_path_join(ws->root, nbpath), *a, *b;
	size_t alen = 0, blen = 0;
	int same;

	a = sg_read_file(file, NBREC_MAX_BYTES, &alen, NULL);
	b = a ? sg_nbrecovery_read(ws, nbpath, &blen, NULL) : NULL;
	same = a && b && alen == blen && memcmp(a, b, alen) == 0;
	free(a);
	free(b);
	free(file);
	return same;
}

/* ---- pacing ------------------------------------------------------------ */

void sg_nbrec_pace_init(struct sg_nbrec_pace *p, unsigned long gen)
{
	p->written_gen = gen;
	p->last_write = 0;
	p->interval = SG_NBREC_INTERVAL;
}

double sg_nbrec_pace_due(const struct sg_nbrec_pace *p, unsigned long gen, double now)
{
	double left;

	if (gen == p->written_gen)
		return -1;
	left = p->last_write + p->interval - now;
	return left > 0 ? left : 0;
}

void sg_nbrec_pace_done(struct sg_nbrec_pace *p, unsigned long gen, double now, double took)
{
	double next = 10 * took;

	p->written_gen = gen;
	p->last_write = now;
	p->interval = next < SG_NBREC_INTERVAL ? SG_NBREC_INTERVAL : next > 60 ? 60 : next;
}
