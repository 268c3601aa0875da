/* dynlib.h — a Debian library loaded when a code path first needs it.
 *
 * XGBoost, OpenBLAS/LAPACKE and ZeroMQ cost milliseconds to load (C++
 * runtimes, relocations, OpenBLAS's thread pool), and most sagetty commands
 * never call them: `sagetty train` starts a job, the TUI draws panes.  So
 * they are not linked; the modules that use them (xgb_load.h, blas_load.h,
 * zmq_load.h) open the library by its SONAME (found by configure) on first
 * use and resolve the functions they call into a table of pointers typed
 * from the library's own header.  A library that is missing or too old at
 * run time is an error naming the library and the Debian package, never a
 * crash.  Loaded libraries stay loaded for the life of the process. */
#ifndef SG_DYNLIB_H
#define SG_DYNLIB_H

#include <stddef.h>
#include "core/error.h"

/* A member of a function table: a pointer with the header's prototype of
 * the function of the same name (each table is an X-macro of names). */
#define SG_DYNLIB_MEMBER(f) __typeof__(f) *f;

struct sg_dynlib {
	const char *soname;        /* "libxgboost.so.0" */
	const char *package;       /* Debian package providing it, for the message */
	int global;                /* RTLD_GLOBAL: its symbols serve libraries loaded later */
};

/* The name as a string, for the list of names parallel to the table. */
#define SG_DYNLIB_NAME(f) #f,
/* The address of table member f as the void ** sg_dynlib_fill takes. */
#define SG_DYNLIB_SLOT(table, f) (void **)&(table).f,

/* Opens lib and sets *slots[i] to the function names[i], i < n; on any
 * failure every slot is NULL again and the error is set.  0 or -1.  Call
 * it once (the loaders use pthread_once). */
int sg_dynlib_fill(const struct sg_dynlib *lib, const char *const *names, void **const *slots,
		   size_t n, struct sg_error *err);
/* Opens lib: its handle, or NULL with err naming the library, dlerror()
 * and the Debian package. */
void *sg_dynlib_open(const struct sg_dynlib *lib, struct sg_error *err);
/* Sets *slot (a function pointer of the table, written through as in
 * dlsym(3)'s example) to name's address; -1 with err when the library
 * lacks it (older than the header sagetty was built with). */
int sg_dynlib_sym(void *handle, const struct sg_dynlib *lib, const char *name, void **slot,
		  struct sg_error *err);

#endif
