/* nbgit.c — saving notebooks as git commits, their history, and restores. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>
#include "core/nbdiff.h"
#include "core/nbgit.h"
#include "core/nbpercent.h"
#include "core/util.h"

static int git_fail(struct sg_error *err, const char *what)
{
	const git_error *ge = git_error_last();
	return sg_error_set(err, SG_E_GIT, "git: %s: %s", what,
			    ge && ge->message ? ge->message : "unknown error");
}

static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);
	return n > m && strcmp(path + n - m, ext) == 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* An open repository and the notebook's path inside its work tree. */
struct nbrepo {
	git_repository *repo;
	char *gitpath;     /* relative to the work tree, '/'-separated */
	char *rootpfx;     /* the root relative to the work tree ("" or "dir/") */
	char *file;        /* root/relpath */
	int lock_fd;
};

/* Opens (or creates, at root) the repository holding root/relpath. */
static int repo_open(const char *root, const char *relpath, struct nbrepo *r, struct sg_error *err)
{
	memset(r, 0, sizeof *r);
	r->lock_fd = -1;
	git_libgit2_init();
	char *abs_root = sg_realpath(root);
	if (!abs_root) {
		git_libgit2_shutdown();
		return sg_error_errno(err, "cannot open %s", root);
	}
	int rc = git_repository_open_ext(&r->repo, abs_root, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		rc = git_repository_init(&r->repo, abs_root, 0);
	if (rc < 0) {
		git_fail(err, abs_root);
		free(abs_root);
		git_libgit2_shutdown();
		return -1;
	}
	const char *wd = git_repository_workdir(r->repo);
	char *abs_wd = wd ? sg_realpath(wd) : NULL;
	char *full = sg_path_join(abs_root, relpath);
	size_t wl = abs_wd ? strlen(abs_wd) : 0;
	if (!abs_wd || strncmp(full, abs_wd, wl) != 0 || (full[wl] != '/' && wl > 1)) {
		sg_error_set(err, SG_E_GIT, "%s is not inside the work tree of a git repository", full);
		free(abs_wd);
		free(full);
		free(abs_root);
		git_repository_free(r->repo);
		git_libgit2_shutdown();
		return -1;
	}
	r->gitpath = sg_xstrdup(full + wl + (wl > 1));
	r->rootpfx = strlen(abs_root) > wl ? sg_xasprintf("%s/", abs_root + wl + (wl > 1))
					     : sg_xstrdup("");
	r->file = sg_path_join(root, relpath);
	free(abs_wd);
	free(full);
	free(abs_root);
	return 0;
}

/* Serializes saves within one repository (all sagetty processes on the
 * host): flock on a file in the git folder, released by close. */
static int repo_lock(struct nbrepo *r, struct sg_error *err)
{
	char *path = sg_path_join(git_repository_path(r->repo), "sagetty-notebooks.lock");
	r->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	/* Someone else's lock file we may not write: flock needs only a
	 * read descriptor. */
	if (r->lock_fd < 0 && errno == EACCES)
		r->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->lock_fd < 0 || flock(r->lock_fd, LOCK_EX) != 0) {
		sg_error_errno(err, "cannot lock %s", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static void repo_close(struct nbrepo *r)
{
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	git_repository_free(r->repo);
	free(r->gitpath);
	free(r->rootpfx);
	free(r->file);
	git_libgit2_shutdown();
	memset(r, 0, sizeof *r);
}

/* Parses a blob's text as a notebook (percent format for .py paths). */
static int parse_blob(const char *gitpath, const char *label, const char *buf, size_t len,
		      struct sg_nb **out, struct sg_error *err)
{
	return has_ext(gitpath, ".py") ? sg_nb_parse_percent(buf, len, label, out, err)
				       : sg_nb_parse(buf, len, label, out, err);
}

/* The notebook's blob id in commit's tree; returns 0 when present. */
static int entry_at(const git_commit *c, const char *path, git_oid *oid)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int rc = -1;
	if (git_commit_tree(&tree, c) == 0 && git_tree_entry_bypath(&e, tree, path) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		git_oid_cpy(oid, git_tree_entry_id(e));
		rc = 0;
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return rc;
}

/* Loads the notebook stored in blob oid. */
static int load_blob(git_repository *repo, const git_oid *oid, const char *gitpath,
		     const char *label, struct sg_nb **out, struct sg_error *err)
{
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, repo, oid) != 0)
		return git_fail(err, label);
	int rc = parse_blob(gitpath, label, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
			    out, err);
	git_blob_free(blob);
	return rc;
}

/* ---- messages ------------------------------------------------------- */

/* "changed cells a, b (+1 added, 2 removed)" into buf. */
static void describe_changes(const struct sg_nb *old, const struct sg_nb *nb, char *buf, size_t n)
{
	struct sg_nbdiff d;
	sg_nbdiff(old, nb, &d);
	size_t len = 0, listed = 0;
	buf[0] = '\0';
	if (d.changed) {
		len += (size_t)snprintf(buf + len, n - len, "changed cell%s ", d.changed > 1 ? "s" : "");
		for (size_t i = 0; i < d.n && len < n; i++) {
			if (d.e[i].kind != SG_NBD_CHANGED)
				continue;
			if (listed == 5) {
				len += (size_t)snprintf(buf + len, n - len, " and %zu more", d.changed - listed);
				break;
			}
			/* Without shared ids (percent scripts), ids are not stable
			 * names: give positions instead. */
			if (d.matched_by_id)
				len += (size_t)snprintf(buf + len, n - len, "%s%.12s", listed ? ", " : "",
							nb->cells[d.e[i].b].id);
			else
				len += (size_t)snprintf(buf + len, n - len, "%s#%ld", listed ? ", " : "",
							d.e[i].b + 1);
			listed++;
		}
	}
	char extra[160] = "";
	size_t el = 0;
	if (d.added)
		el += (size_t)snprintf(extra + el, sizeof extra - el, "%s+%zu added", el ? ", " : "", d.added);
	if (d.removed && el < sizeof extra)
		el += (size_t)snprintf(extra + el, sizeof extra - el, "%s%zu removed", el ? ", " : "", d.removed);
	if (d.moved && el < sizeof extra)
		el += (size_t)snprintf(extra + el, sizeof extra - el, "%s%zu moved", el ? ", " : "", d.moved);
	if (el && len < n) {
		if (len)
			snprintf(buf + len, n - len, " (%s)", extra);
		else
			snprintf(buf, n, "%s", extra);
	} else if (!len) {
		snprintf(buf, n, "%s", d.metadata_changed ? "notebook metadata changed" : "no cell changes");
	}
	sg_nbdiff_done(&d);
}

void sg_nbgit_describe(const char *name, const struct sg_nb *old, const struct sg_nb *new_nb,
		       char *buf, size_t n)
{
	if (!old) {
		snprintf(buf, n, "notebook %s: created with %zu cell%s", name, new_nb->ncells,
			 new_nb->ncells == 1 ? "" : "s");
		return;
	}
	char changes[400];
	describe_changes(old, new_nb, changes, sizeof changes);
	snprintf(buf, n, "notebook %s: %s", name, changes);
}

/* ---- committing ------------------------------------------------------- */

static void author(const struct sg_nbgit_opts *o, char *name, size_t nn, char *email, size_t en)
{
	snprintf(name, nn, "%s", o && o->author_name ? o->author_name : sg_username());
	if (o && o->author_email) {
		snprintf(email, en, "%s", o->author_email);
		return;
	}
	char host[256];
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(email, en, "%s@%s", sg_username(), host);
}

/* Points the index entry of the path at the committed blob, so `git status`
 * does not show the commit undone.  Failure here is not fatal: the commit
 * is made, and a locked index only makes `git status` noisy. */
static void update_index(struct nbrepo *r, const git_oid *blob, int stripped)
{
	git_index *idx = NULL;
	if (git_repository_index(&idx, r->repo) != 0)
		return;
	git_index_read(idx, 0);
	int rc;
	if (stripped) {
		git_index_entry e;
		memset(&e, 0, sizeof e);
		e.mode = GIT_FILEMODE_BLOB;
		git_oid_cpy(&e.id, blob);
		e.path = r->gitpath;
		rc = git_index_add(idx, &e);
	} else {
		rc = git_index_add_bypath(idx, r->gitpath);
	}
	if (rc == 0)
		git_index_write(idx);
	git_index_free(idx);
}

/* Commits text as the new content of the path (tree = HEAD's tree with just
 * this path changed).  committed is the notebook the text holds. */
static int commit_text(struct nbrepo *r, const char *text, size_t len, const struct sg_nb *committed,
		       const struct sg_nbgit_opts *opts, const char *msg_override,
		       struct sg_nbgit_result *res, struct sg_error *err)
{
	int rc = -1;
	git_reference *head = NULL;
	git_commit *parent = NULL;
	git_tree *ptree = NULL, *tree = NULL;
	git_signature *sig = NULL;
	struct sg_nb *old = NULL;
	git_oid blob, tree_oid, commit_oid, old_blob;
	if (git_blob_create_from_buffer(&blob, r->repo, text, len) != 0)
		return git_fail(err, "cannot store the notebook");
	int hr = git_repository_head(&head, r->repo);
	if (hr == 0) {
		if (git_reference_peel((git_object **)&parent, head, GIT_OBJECT_COMMIT) != 0 ||
		    git_commit_tree(&ptree, parent) != 0) {
			git_fail(err, "cannot read HEAD");
			goto out;
		}
	} else if (hr != GIT_EUNBORNBRANCH && hr != GIT_ENOTFOUND) {
		git_fail(err, "cannot read HEAD");
		goto out;
	}
	git_tree_update upd;
	memset(&upd, 0, sizeof upd);
	upd.action = GIT_TREE_UPDATE_UPSERT;
	git_oid_cpy(&upd.id, &blob);
	upd.filemode = GIT_FILEMODE_BLOB;
	upd.path = r->gitpath;
	if (git_tree_create_updated(&tree_oid, r->repo, ptree, 1, &upd) != 0) {
		git_fail(err, "cannot build the commit's tree");
		goto out;
	}
	if (ptree && git_oid_equal(&tree_oid, git_tree_id(ptree))) {
		update_index(r, &blob, opts && opts->strip_outputs);
		res->commit[0] = '\0';
		snprintf(res->message, sizeof res->message, "notebook %s: no changes to commit",
			 base_name(r->gitpath));
		rc = 0;
		goto out;
	}
	if (parent && entry_at(parent, r->gitpath, &old_blob) == 0 &&
	    load_blob(r->repo, &old_blob, r->gitpath, "HEAD", &old, NULL) != 0)
		old = NULL;
	if (msg_override)
		snprintf(res->message, sizeof res->message, "%s", msg_override);
	else
		sg_nbgit_describe(base_name(r->gitpath), old, committed, res->message,
				  sizeof res->message);
	char name[128], email[512];
	author(opts, name, sizeof name, email, sizeof email);
	if (git_signature_now(&sig, name, email) != 0 ||
	    git_tree_lookup(&tree, r->repo, &tree_oid) != 0) {
		git_fail(err, "cannot prepare the commit");
		goto out;
	}
	char *message = sg_xasprintf("%s\n", res->message);
	const git_commit *parents[1] = { parent };
	int cr = git_commit_create(&commit_oid, r->repo, "HEAD", sig, sig, NULL, message, tree,
				   parent ? 1 : 0, parents);
	free(message);
	if (cr != 0) {
		git_fail(err, "cannot commit");
		goto out;
	}
	git_oid_tostr(res->commit, sizeof res->commit, &commit_oid);
	update_index(r, &blob, opts && opts->strip_outputs);
	rc = 0;
out:
	sg_nb_free(old);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(ptree);
	git_commit_free(parent);
	git_reference_free(head);
	return rc;
}

/* Whether the file on disk holds something other than base. */
static int disk_changed(const struct sg_nb *disk, const struct sg_nb *base)
{
	struct sg_nbdiff d;
	sg_nbdiff(base, disk, &d);
	int changed = d.metadata_changed || d.added || d.removed || d.changed || d.moved;
	sg_nbdiff_done(&d);
	return changed;
}

/* The text to commit: the notebook itself, or without outputs. */
static char *commit_form(const struct nbrepo *r, const struct sg_nb *nb, int strip,
			 struct sg_nb **stripped, size_t *len)
{
	const struct sg_nb *src = nb;
	*stripped = NULL;
	if (strip) {
		*stripped = sg_nb_clone(nb);
		sg_nb_strip_outputs(*stripped);
		src = *stripped;
	}
	return has_ext(r->gitpath, ".py") ? sg_nb_dump_percent(src, len) : sg_nb_dump(src, len);
}

static int save_locked(struct nbrepo *r, struct sg_nb *nb, const struct sg_nb *base,
		       const struct sg_nbgit_opts *opts, const char *msg,
		       struct sg_nbgit_result *res, struct sg_error *err)
{
	struct stat st;
	if (base && stat(r->file, &st) == 0) {
		struct sg_nb *disk = NULL;
		if (sg_nb_load(r->file, &disk, err) != 0) {
			sg_error_prefix(err, "not saved: the file changed on disk and cannot be read");
			return -1;
		}
		sg_nb_adopt_ids(base, disk);
		if (disk_changed(disk, base)) {
			struct sg_nb *m = sg_nb_merge3(base, nb, disk, &res->conflicts);
			sg_nb_swap(nb, m);
			sg_nb_free(m);
			res->merged = 1;
		}
		sg_nb_free(disk);
	}
	if (sg_nb_save_file(r->file, nb, err) != 0)
		return -1;
	if (opts && opts->no_commit)
		return 0;
	struct sg_nb *stripped;
	size_t len;
	char *text = commit_form(r, nb, opts && opts->strip_outputs, &stripped, &len);
	int rc = commit_text(r, text, len, stripped ? stripped : nb, opts, msg, res, err);
	free(text);
	sg_nb_free(stripped);
	return rc;
}

int sg_nbgit_save(const char *root, const char *relpath, struct sg_nb *nb,
		  const struct sg_nb *base, const struct sg_nbgit_opts *opts,
		  struct sg_nbgit_result *res, struct sg_error *err)
{
	memset(res, 0, sizeof *res);
	struct nbrepo r;
	if (repo_open(root, relpath, &r, err) != 0)
		return -1;
	int rc = repo_lock(&r, err);
	if (rc == 0)
		rc = save_locked(&r, nb, base, opts, opts ? opts->message : NULL, res, err);
	repo_close(&r);
	return rc;
}

/* ---- history ------------------------------------------------------------ */

/* Whether commit c changed the path: it differs from every parent (a merge
 * equal to one parent did not change it, as in `git log PATH`). */
static int touches(git_commit *c, const char *path)
{
	git_oid mine;
	int have = entry_at(c, path, &mine) == 0;
	unsigned np = git_commit_parentcount(c);
	if (np == 0)
		return have;
	for (unsigned i = 0; i < np; i++) {
		git_commit *p = NULL;
		if (git_commit_parent(&p, c, i) != 0)
			continue;
		git_oid theirs;
		int ph = entry_at(p, path, &theirs) == 0;
		git_commit_free(p);
		if (ph == have && (!have || git_oid_equal(&mine, &theirs)))
			return 0;
	}
	return 1;
}

static void fill_commit(git_commit *c, struct sg_nbgit_commit *out)
{
	memset(out, 0, sizeof *out);
	git_oid_tostr(out->id, sizeof out->id, git_commit_id(c));
	const git_signature *a = git_commit_author(c);
	snprintf(out->author, sizeof out->author, "%s", a && a->name ? a->name : "");
	snprintf(out->email, sizeof out->email, "%s", a && a->email ? a->email : "");
	out->time = a ? (long long)a->when.time : (long long)git_commit_time(c);
	out->tz_minutes = a ? a->when.offset : 0;
	const char *s = git_commit_summary(c);
	snprintf(out->summary, sizeof out->summary, "%s", s ? s : "");
}

/* The path that commit c's path was renamed (or copied) from, when c added
 * path and its first parent did not have it: rename detection between the
 * two trees, as `git log --follow` does it (git's default 50% similarity;
 * copies of unmodified files count too).  1 with old set, else 0. */
static int renamed_from(git_repository *repo, git_commit *c, const char *path, char *old,
			size_t n)
{
	git_commit *parent = NULL;
	git_tree *pt = NULL, *ct = NULL;
	git_diff *diff = NULL;
	git_oid oid;
	int found = 0;

	if (git_commit_parentcount(c) == 0 || git_commit_parent(&parent, c, 0) != 0)
		return 0;
	if (entry_at(parent, path, &oid) == 0 || entry_at(c, path, &oid) != 0)
		goto out;
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	git_diff_find_options fopts = GIT_DIFF_FIND_OPTIONS_INIT;
	dopts.flags = GIT_DIFF_INCLUDE_UNMODIFIED;
	fopts.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES |
		      GIT_DIFF_FIND_COPIES_FROM_UNMODIFIED;
	if (git_commit_tree(&pt, parent) != 0 || git_commit_tree(&ct, c) != 0 ||
	    git_diff_tree_to_tree(&diff, repo, pt, ct, &dopts) != 0 ||
	    git_diff_find_similar(diff, &fopts) != 0)
		goto out;
	for (size_t i = 0; i < git_diff_num_deltas(diff) && !found; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if ((d->status == GIT_DELTA_RENAMED || d->status == GIT_DELTA_COPIED) &&
		    strcmp(d->new_file.path, path) == 0 && strcmp(d->old_file.path, path) != 0) {
			snprintf(old, n, "%s", d->old_file.path);
			found = 1;
		}
	}
out:
	git_diff_free(diff);
	git_tree_free(pt);
	git_tree_free(ct);
	git_commit_free(parent);
	return found;
}

/* Called for each commit of the history, newest first, with the path the
 * notebook has in it and whether the commit changed it; nonzero stops. */
typedef int (*follow_fn)(void *ud, git_commit *c, const char *gitpath, int touched);

/* Walks HEAD's history (by time, merges' parents too) following the
 * notebook through renames: from the commit that added it under its
 * current name, older commits are looked at under the name it was renamed
 * from.  An unborn HEAD walks nothing. */
static int follow_walk(struct nbrepo *r, follow_fn fn, void *ud, struct sg_error *err)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	char path[1024], old[1024];
	int rc = 0;

	if (git_revwalk_new(&walk, r->repo) != 0)
		return git_fail(err, "cannot walk the history");
	/* children before parents even when their times are equal (commits made
	 * within one second), as git log shows them */
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (git_repository_head_unborn(r->repo) == 1)
		goto out;                 /* no commits yet */
	int pr = git_revwalk_push_head(walk);
	if (pr == GIT_EUNBORNBRANCH || pr == GIT_ENOTFOUND)
		goto out;                 /* no commits yet */
	if (pr != 0) {
		rc = git_fail(err, "cannot read HEAD");
		goto out;
	}
	snprintf(path, sizeof path, "%s", r->gitpath);
	while (git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, r->repo, &oid) != 0)
			continue;
		int touched = touches(c, path);
		int renamed = touched && renamed_from(r->repo, c, path, old, sizeof old);
		int stop = fn(ud, c, path, touched);
		git_commit_free(c);
		if (stop)
			break;
		if (renamed)
			snprintf(path, sizeof path, "%s", old);
	}
out:
	git_revwalk_free(walk);
	return rc;
}

struct log_walk {
	const struct nbrepo *r;
	size_t max, n, cap;
	struct sg_nbgit_commit *out;
};

static int log_one(void *ud, git_commit *c, const char *gitpath, int touched)
{
	struct log_walk *w = ud;
	size_t pl = strlen(w->r->rootpfx);

	if (!touched)
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->out = sg_xrealloc(w->out, w->cap * sizeof *w->out);
	}
	struct sg_nbgit_commit *o = &w->out[w->n++];
	fill_commit(c, o);
	/* root-relative when inside the root, else from the top of the work tree */
	if (strncmp(gitpath, w->r->rootpfx, pl) == 0)
		snprintf(o->path, sizeof o->path, "%s", gitpath + pl);
	else
		snprintf(o->path, sizeof o->path, ":/%s", gitpath);
	o->renamed = strcmp(gitpath, w->r->gitpath) != 0;
	return w->max && w->n >= w->max;
}

int sg_nbgit_log(const char *root, const char *relpath, size_t max,
		 struct sg_nbgit_commit **out, size_t *n, struct sg_error *err)
{
	*out = NULL;
	*n = 0;
	struct nbrepo r;
	if (repo_open(root, relpath, &r, err) != 0)
		return -1;
	struct log_walk w = { .r = &r, .max = max };
	int rc = follow_walk(&r, log_one, &w, err);
	*out = w.out;
	*n = w.n;
	repo_close(&r);
	return rc;
}

struct path_walk {
	git_oid target;
	char path[1024];
	int found;
};

static int path_one(void *ud, git_commit *c, const char *gitpath, int touched)
{
	struct path_walk *w = ud;

	(void)touched;
	if (!git_oid_equal(git_commit_id(c), &w->target))
		return 0;
	snprintf(w->path, sizeof w->path, "%s", gitpath);
	w->found = 1;
	return 1;
}

static int read_at(struct nbrepo *r, const char *rev, struct sg_nb **out, char *commit_id,
		   struct sg_error *err)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc = -1;
	if (git_revparse_single(&obj, r->repo, rev) != 0 ||
	    git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
		sg_error_set(err, SG_E_NOTFOUND, "no version '%s' in the repository%s", rev,
			     git_repository_head_unborn(r->repo) == 1 ? " (it has no commits yet)" : "");
		goto out;
	}
	git_oid blob;
	const char *gitpath = r->gitpath;
	struct path_walk pw = { .found = 0 };
	if (entry_at((git_commit *)peeled, gitpath, &blob) != 0) {
		/* a version from before a rename: the name it had then */
		git_oid_cpy(&pw.target, git_object_id(peeled));
		if (follow_walk(r, path_one, &pw, NULL) == 0 && pw.found &&
		    strcmp(pw.path, gitpath) != 0 && entry_at((git_commit *)peeled, pw.path, &blob) == 0)
			gitpath = pw.path;
	}
	if (gitpath == r->gitpath && entry_at((git_commit *)peeled, gitpath, &blob) != 0) {
		char shortid[10];
		git_oid_tostr(shortid, sizeof shortid, git_object_id(peeled));
		sg_error_set(err, SG_E_NOTFOUND, "%s is not in version %s (%s)", r->gitpath, rev,
			     shortid);
		goto out;
	}
	char *label = sg_xasprintf("%s:%s", rev, gitpath);
	rc = load_blob(r->repo, &blob, gitpath, label, out, err);
	free(label);
	if (rc == 0 && commit_id)
		git_oid_tostr(commit_id, 41, git_object_id(peeled));
out:
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

int sg_nbgit_read_at(const char *root, const char *relpath, const char *rev,
		     struct sg_nb **out, char *commit_id, struct sg_error *err)
{
	*out = NULL;
	struct nbrepo r;
	if (repo_open(root, relpath, &r, err) != 0)
		return -1;
	int rc = read_at(&r, rev, out, commit_id, err);
	repo_close(&r);
	return rc;
}

int sg_nbgit_restore(const char *root, const char *relpath, const char *rev,
		     const struct sg_nbgit_opts *opts, struct sg_nbgit_result *res,
		     struct sg_error *err)
{
	memset(res, 0, sizeof *res);
	struct nbrepo r;
	if (repo_open(root, relpath, &r, err) != 0)
		return -1;
	struct sg_nb *nb = NULL, *current = NULL;
	char id[41];
	int rc = repo_lock(&r, err);
	if (rc == 0)
		rc = read_at(&r, rev, &nb, id, err);
	if (rc == 0) {
		char changes[400] = "";
		if (sg_nb_load(r.file, &current, NULL) == 0)
			describe_changes(current, nb, changes, sizeof changes);
		char *msg = changes[0]
			? sg_xasprintf("notebook %s: restored from %.7s: %s", base_name(r.gitpath), id, changes)
			: sg_xasprintf("notebook %s: restored from %.7s", base_name(r.gitpath), id);
		struct sg_nbgit_opts o = opts ? *opts : (struct sg_nbgit_opts){ 0 };
		o.no_commit = 0;
		rc = save_locked(&r, nb, NULL, &o, o.message ? o.message : msg, res, err);
		free(msg);
	}
	sg_nb_free(nb);
	sg_nb_free(current);
	repo_close(&r);
	return rc;
}
