/* kernels.h — kernels that outlive the TUI: the keeper and its registry.
 *
 * A notebook's kernel runs under a small detached keeper process
 * (`sagetty kernel-keeper`, its own session) so it survives the TUI and
 * the SSH session.  The keeper owns the kernel process, watches its iopub
 * channel for activity, shuts it down after the idle timeout (config
 * `kernels.idle-timeout`, seconds, 0 = never), restarts it on SIGHUP and
 * stops it on SIGTERM.  It describes the kernel in RUNTIME/kernel-ID.info
 * (JSON, 0600; RUNTIME from sg_kernel_runtime_dir) and removes that file,
 * the connection file and the sockets when it ends.  Clients attach with
 * the connection file, so reopening a notebook finds its kernel with its
 * state.  Entries whose keeper is gone are reaped by sg_kernels_list. */
#ifndef SG_KERNELS_H
#define SG_KERNELS_H

#include <stddef.h>
#include <sys/types.h>
#include "core/error.h"
#include "core/kernel.h"

#define SG_KERNELS_IDLE_DEFAULT 3600

struct sg_kernel_entry {
	char id[SG_KERNEL_ID_LEN + 1];
	char kernel[128];          /* kernelspec name */
	char notebook[1024];       /* absolute path, or "" */
	char workspace[1024];      /* workspace root, or "" */
	char connection_file[1024];
	char log_path[1024];
	pid_t pid;                 /* the kernel (0 while starting or dead) */
	pid_t keeper;
	char keeper_token[64];     /* sg_proc_token of the keeper: guards pid reuse */
	double started, last_activity;
	int idle_timeout;          /* seconds; 0: never */
	char state[16];            /* "starting", "idle", "busy", "dead", "failed" */
	char error[512];           /* why it failed to start ("failed") */
};

/* Every live kernel, oldest first (malloc'd array; free it).  Stale
 * entries (keeper gone) are removed on the way. */
int sg_kernels_list(struct sg_kernel_entry **out, size_t *n, struct sg_error *err);
/* One entry by id or unique prefix (>= 4 characters). */
int sg_kernels_get(const char *id, struct sg_kernel_entry *out, struct sg_error *err);
/* The live kernel of a notebook (absolute path): 1 found, 0 none. */
int sg_kernels_find_notebook(const char *notebook, struct sg_kernel_entry *out);

struct sg_kernels_launch_opts {
	const char *exe;           /* the sagetty binary (NULL: /proc/self/exe) */
	const char *kernel;        /* kernelspec name */
	const char *notebook;      /* absolute path or NULL */
	const char *workspace;     /* workspace root or NULL */
	const char *workdir;       /* kernel cwd (NULL: the notebook's folder) */
	int idle_timeout;          /* seconds, 0: never; < 0: the default */
	double timeout;            /* start timeout (0: 60 s) */
};
/* Starts a keeper with a new kernel and waits until it is ready (entry
 * filled) or failed (the keeper's reason in err). */
int sg_kernels_launch(const struct sg_kernels_launch_opts *o, struct sg_kernel_entry *out,
		      struct sg_error *err);
/* Attaches a client to an entry's kernel (restarts go through its keeper). */
int sg_kernels_attach(const struct sg_kernel_entry *e, struct sg_kernel **k,
		      struct sg_error *err);
/* The notebook's running kernel, or a new one from o (o->notebook must be
 * set), attached.  *reattached is 1 when an existing kernel was found. */
int sg_kernels_open(const struct sg_kernels_launch_opts *o, struct sg_kernel **k,
		    struct sg_kernel_entry *e, int *reattached, struct sg_error *err);
/* Asks the keeper to shut its kernel down (SIGTERM) and waits up to
 * timeout seconds for the entry to go (then kills both). */
int sg_kernels_stop(const char *id, double timeout, struct sg_error *err);

/* The keeper's main loop (`sagetty kernel-keeper`): starts the kernel,
 * keeps the entry current, returns when it ends.  Exit status. */
int sg_kernels_keep(const struct sg_kernels_launch_opts *o, const char *id);

/* Writes / reads an entry file (atomic, 0600). */
int sg_kernel_entry_write(const char *path, const struct sg_kernel_entry *e,
			  struct sg_error *err);
int sg_kernel_entry_read(const char *path, struct sg_kernel_entry *e, struct sg_error *err);

#endif
