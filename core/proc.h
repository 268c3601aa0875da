/* proc.h — what Linux's /proc says about processes: identity tokens that
 * survive pid reuse, and the CPU and memory of a process tree.
 *
 * The tree under a process is found through /proc/PID/task/TID/children
 * (every thread's children), so its cost follows the size of the tree, not
 * the number of processes on a shared host. */
#ifndef SG_PROC_H
#define SG_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Writes "BOOT_ID/STARTTIME" of a live process into buf: equal tokens mean
 * the very same process, even after a reboot or pid reuse.  -1 when the
 * process is gone (a zombie counts as gone). */
int sg_proc_token(pid_t pid, char *buf, size_t n);
/* The process group of pid, or -1. */
pid_t sg_proc_pgid(pid_t pid);

struct sg_proc_sample {
	double cpu_seconds;     /* user + system of each, with its reaped children */
	double rss_mb;          /* resident set sizes added up */
	int processes;
};
/* Sums every process below root (root itself excluded), at most 4,096. */
int sg_proc_tree_sample(pid_t root, struct sg_proc_sample *out);
/* Calls fn for each direct child of pid (any thread's); at most max. */
int sg_proc_children(pid_t pid, pid_t *out, int max);

#endif
