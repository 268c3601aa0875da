/* nbrecovery.h — per-user recovery copies of notebooks being edited.
 *
 * While a notebook has unsaved edits, the Notebooks pane writes the whole
 * notebook every few seconds to
 *
 *     ROOT/.sagetty/recovery/USER/<hash>.ipynb
 *
 * where USER is the Unix account (so people sharing a workspace never see
 * each other's unsaved work) and <hash> the first 16 hex digits of the
 * SHA-256 of the notebook's path relative to ROOT.  The folder is 0700 and
 * the file 0600, written atomically (a crash leaves the previous copy or
 * the new one, never half of one).  Saving removes the copy; so does
 * discarding it when it is offered.  A copy found when the notebook is
 * opened means the last session ended without saving (a crash, a dropped
 * SSH connection, a quit that lost edits): the pane offers it.
 *
 * The content is whatever the caller serialized (a complete .ipynb), so a
 * copy can also be opened by hand in any notebook tool.  The pacing helper
 * decides when to write: at most every SG_NBREC_INTERVAL seconds while
 * dirty, and less often when writing is slow (multi-megabyte outputs), so
 * typing never waits for the disk. */
#ifndef SG_NBRECOVERY_H
#define SG_NBRECOVERY_H

#include <stddef.h>
#include "core/error.h"
#include "core/workspace.h"

#define SG_NBREC_DIR "recovery"
#define SG_NBREC_INTERVAL 2.0   /* seconds between copies while editing */

/* The recovery copy's path for notebook nbpath (relative to ws->root),
 * malloc'd.  The file need not exist. */
char *sg_nbrecovery_path(const struct sg_workspace *ws, const char *nbpath);

/* Writes data (len bytes) as nbpath's recovery copy, creating the user's
 * folder (0700) when missing; the file is 0600. */
int sg_nbrecovery_write(const struct sg_workspace *ws, const char *nbpath, const void *data,
			size_t len, struct sg_error *err);

/* 1 when nbpath has a recovery copy (its mtime in *mtime and size in *size,
 * either may be NULL), 0 when it has none. */
int sg_nbrecovery_exists(const struct sg_workspace *ws, const char *nbpath, double *mtime,
			 long long *size);

/* Reads the recovery copy (NUL-terminated, *len without it); NULL with err
 * (SG_E_NOTFOUND when there is none). */
char *sg_nbrecovery_read(const struct sg_workspace *ws, const char *nbpath, size_t *len,
			 struct sg_error *err);

/* Removes the copy; no copy is not an error. */
int sg_nbrecovery_remove(const struct sg_workspace *ws, const char *nbpath,
			 struct sg_error *err);

/* 1 when the copy holds exactly the bytes of the notebook file on disk (a
 * save that crashed before removing it): nothing to offer. */
int sg_nbrecovery_same_as_file(const struct sg_workspace *ws, const char *nbpath);

/* ---- pacing ------------------------------------------------------------ */

/* When to write: changes are counted by the caller (edits bump gen). */
struct sg_nbrec_pace {
	unsigned long written_gen; /* the edit generation last written */
	double last_write;         /* when it was written (sg_now) */
	double interval;           /* seconds between writes (>= SG_NBREC_INTERVAL) */
};

/* Starts pacing with nothing written. */
void sg_nbrec_pace_init(struct sg_nbrec_pace *p, unsigned long gen);
/* Seconds until a write is due for edit generation gen (0: write now), or
 * -1 when nothing is pending (gen already written). */
double sg_nbrec_pace_due(const struct sg_nbrec_pace *p, unsigned long gen, double now);
/* A write of generation gen finished at now after took seconds: the next
 * interval grows to ten times a slow write (2 s at least, 60 s at most). */
void sg_nbrec_pace_done(struct sg_nbrec_pace *p, unsigned long gen, double now, double took);

#endif
