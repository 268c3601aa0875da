/* error.h — how core reports failure.
 *
 * Core never prints and never exits on a user error: a function that can fail
 * returns an int status (0 ok, -1 failure) and, when given a non-NULL
 * struct sg_error, fills it with a code and a human message.  Messages about
 * files use the "file:line:col: what" form so editors can jump to them. */
#ifndef SG_ERROR_H
#define SG_ERROR_H

#include <stdarg.h>

enum sg_errcode {
	SG_E_NONE = 0,
	SG_E_IO,          /* a system call failed; message names the file */
	SG_E_PARSE,       /* malformed input; message is file:line:col */
	SG_E_NOTFOUND,    /* a named thing (run, dataset, theme) does not exist */
	SG_E_AMBIGUOUS,   /* a prefix matched more than one thing */
	SG_E_NOWORKSPACE, /* no .sagetty/ above the starting folder */
	SG_E_STORE,       /* SQLite failed or the store is corrupt */
	SG_E_NEWER,       /* the store was written by a newer sagetty */
	SG_E_READONLY,    /* the workspace or store cannot be written */
	SG_E_USAGE,       /* the caller passed something invalid */
	SG_E_GIT,         /* libgit2 failed */
};

struct sg_error {
	enum sg_errcode code;
	char msg[1024];
};

/* Sets code and a printf-style message; a NULL err is ignored.  Returns -1 so
 * callers can write `return sg_error_set(err, ...)`. */
int sg_error_set(struct sg_error *err, enum sg_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sg_error_vset(struct sg_error *err, enum sg_errcode code, const char *fmt, va_list ap);
/* Like sg_error_set with SG_E_IO, appending ": strerror(errno)". */
int sg_error_errno(struct sg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Puts "prefix: " in front of an already set message. */
void sg_error_prefix(struct sg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sg_error_clear(struct sg_error *err);

#endif
