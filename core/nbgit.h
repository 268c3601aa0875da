/* nbgit.h — notebooks versioned with git (libgit2).
 *
 * The repository is the one holding the workspace root (found upwards, as
 * git does); when there is none, one is created at the root (`sagetty init`
 * normally made it already).  Saving writes the notebook file atomically and
 * commits that one path: the commit's tree is HEAD's tree with only this file
 * replaced, so whatever else the user staged stays staged and uncommitted.
 * The index entry of the path is updated to the committed blob so that
 * `git status` agrees.  The author is the Unix user (name, user@hostname).
 *
 * With strip_outputs, the committed blob has no outputs and no execution
 * counts (an in-process filter: libgit2 runs no external filters); the file
 * on disk keeps them, so `git status` then shows it as modified.
 *
 * Concurrent saves (several people, one host): saves of one repository are
 * serialized by a lock file in the git folder, and a save given the notebook
 * as it was loaded (base) merges at cell level (nbdiff.h) when the file on
 * disk changed since: nobody's edits are lost; conflicting cells are kept
 * twice and marked. */
#ifndef SG_NBGIT_H
#define SG_NBGIT_H

#include <stddef.h>
#include "core/error.h"
#include "core/nbformat.h"

struct sg_nbgit_opts {
	int strip_outputs;          /* commit without outputs (config notebooks-strip-outputs) */
	int no_commit;              /* write the file only (no git at all) */
	const char *author_name;    /* NULL: the Unix user */
	const char *author_email;   /* NULL: user@hostname */
	const char *message;        /* NULL: generated from the cell changes */
};

struct sg_nbgit_result {
	char commit[41];       /* the new commit; "" when the content was already committed */
	int merged;            /* the file had changed on disk and was merged */
	size_t conflicts;      /* conflicting cells kept twice (see sg_nb_merge3) */
	char message[512];     /* the commit message's first line */
};

/* Saves nb to root/relpath and commits it.  base is the notebook as it was
 * loaded (NULL: overwrite whatever is on disk).  When the file changed since
 * (its content differs from base), nb is replaced in place by the 3-way merge
 * of base, nb and the file, which is what gets written.  On failure the file
 * on disk is untouched. */
int sg_nbgit_save(const char *root, const char *relpath, struct sg_nb *nb,
		  const struct sg_nb *base, const struct sg_nbgit_opts *opts,
		  struct sg_nbgit_result *res, struct sg_error *err);

struct sg_nbgit_commit {
	char id[41];
	char author[128];
	char email[128];
	long long time;          /* seconds since the epoch */
	int tz_minutes;          /* the author's offset from UTC */
	char summary[256];       /* the message's first line */
	char path[1024];         /* the notebook's path in this commit, relative to
				  * root (":/path" from the top of the work tree when
				  * outside it) */
	int renamed;             /* path is a name it had before a rename */
};
/* The commits (newest first, at most max; 0 for all) whose tree changed
 * root/relpath, following HEAD's first parents and merges, and following
 * the notebook through renames as `git log --follow` does: the commit that
 * added it under its current name by a rename (or a copy; git's rename
 * detection) is followed by the commits of the name it came from, whose
 * path says so.  *out is malloc'd; an unborn HEAD gives 0 commits. */
int sg_nbgit_log(const char *root, const char *relpath, size_t max,
		 struct sg_nbgit_commit **out, size_t *n, struct sg_error *err);
/* The notebook as committed at rev (anything git understands: "HEAD~2",
 * a full or short id, a branch), under the name it had then when rev is
 * older than a rename (see sg_nbgit_log).  SG_E_NOTFOUND when rev does not
 * exist or the notebook is not in it.  *commit_id (41 bytes, may be NULL) gets the
 * resolved commit. */
int sg_nbgit_read_at(const char *root, const char *relpath, const char *rev,
		     struct sg_nb **out, char *commit_id, struct sg_error *err);
/* Makes the notebook what it was at rev, as a new commit ("restored from
 * abc1234").  History is never rewritten. */
int sg_nbgit_restore(const char *root, const char *relpath, const char *rev,
		     const struct sg_nbgit_opts *opts, struct sg_nbgit_result *res,
		     struct sg_error *err);
/* The first line of a commit message describing old -> new (old may be
 * NULL): "notebook NAME: changed cells 1a2b3c4d, 5e6f7a8b (+1 added)". */
void sg_nbgit_describe(const char *name, const struct sg_nb *old, const struct sg_nb *new_nb,
		       char *buf, size_t n);

#endif
