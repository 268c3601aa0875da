/* util.h — small helpers shared by core modules: memory, paths, files. */
#ifndef SG_UTIL_H
#define SG_UTIL_H

#include <stddef.h>
#include <sys/types.h>
#include "core/error.h"

/* Allocators that abort on out-of-memory: there is no sensible recovery in a
 * terminal program, and checking every small allocation hides real logic. */
void *sg_xmalloc(size_t n);
void *sg_xcalloc(size_t n, size_t size);
void *sg_xrealloc(void *p, size_t n);
char *sg_xstrdup(const char *s);
char *sg_xstrndup(const char *s, size_t n);
/* Returns a malloc'd printf result. */
char *sg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, for building text piece by piece.  Start it
 * zeroed (struct sg_buf b = { 0 }).  data is NULL until the first add and
 * NUL-terminated after it (len excludes the NUL; the bytes may hold NULs).
 * Growth goes through sg_xrealloc, so adding never fails: out of memory
 * aborts like every sg_x* allocator. */
struct sg_buf {
	char *data;
	size_t len, cap;
};
void sg_buf_add(struct sg_buf *b, const void *s, size_t n);
void sg_buf_puts(struct sg_buf *b, const char *s);
void sg_buf_putc(struct sg_buf *b, char c);
void sg_buf_printf(struct sg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Cuts the text back to its first len bytes (len <= b->len), keeping the
 * storage; sg_buf_truncate(b, 0) empties b for reuse. */
void sg_buf_truncate(struct sg_buf *b, size_t len);
/* Returns the malloc'd text (never NULL, "" when nothing was added), its
 * length in *len if len is not NULL, and leaves b empty and zeroed. */
char *sg_buf_take(struct sg_buf *b, size_t *len);
/* Frees the storage and leaves b zeroed. */
void sg_buf_done(struct sg_buf *b);

/* Joins two path parts with exactly one '/'; result is malloc'd. */
char *sg_path_join(const char *a, const char *b);
/* Returns the absolute, symlink-resolved path of an existing path, or NULL
 * (errno set). */
char *sg_realpath(const char *path);
/* mkdir -p with the given mode for folders it creates. */
int sg_mkdir_p(const char *path, mode_t mode, struct sg_error *err);
int sg_is_dir(const char *path);
int sg_is_file(const char *path);

/* Reads a whole file (NUL-terminated; *len excludes the NUL).  Files larger
 * than max_bytes are refused. */
char *sg_read_file(const char *path, size_t max_bytes, size_t *len, struct sg_error *err);
/* Writes data atomically: a temp file in the same folder, fsync, rename over
 * path, fsync the folder.  Readers see the old or the new content, never a
 * mix, and a crash never leaves a truncated file.  mode is applied before the
 * umask like open(2). */
int sg_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct sg_error *err);

/* The same protocol for output too large to hold in memory: open a temp
 * file next to path, write it in pieces, then commit (fsync, rename over
 * path, fsync the folder) or abort (the temp file is removed and path is
 * untouched).  Either ends the writer. */
struct sg_atomic_file {
	char *path, *tmp;
	int fd;
};
int sg_atomic_open(struct sg_atomic_file *f, const char *path, mode_t mode, struct sg_error *err);
int sg_atomic_write(struct sg_atomic_file *f, const void *data, size_t len, struct sg_error *err);
int sg_atomic_commit(struct sg_atomic_file *f, struct sg_error *err);
void sg_atomic_abort(struct sg_atomic_file *f);

/* The Unix account name of the real user: identity for runs and labels. */
const char *sg_username(void);
/* Wall-clock time in seconds since the epoch, with sub-second precision. */
double sg_now(void);
/* Formats a time (seconds since epoch, local time) as "YYYY-MM-DD HH:MM:SS"
 * into buf (at least 20 bytes); 0 or negative gives "-". */
void sg_format_time(double t, char *buf, size_t n);
/* Formats a duration in seconds as "1h02m", "3m05s", "12s". */
void sg_format_duration(double secs, char *buf, size_t n);
/* Fills buf with n random bytes from the kernel. */
int sg_random_bytes(void *buf, size_t n);

#endif
