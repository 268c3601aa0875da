/* task.h — one piece of long work (a sort, a filter, a search) in a
 * background thread, for a pane's poll loop.
 *
 * The thread runs fn(arg, cancel, progress, err); when it returns, the
 * task's descriptor becomes readable.  The caller keeps arg alive and
 * untouched until task_finish, which joins the thread and frees the task:
 * results travel through arg.  Progress is whatever fn stores in the
 * sg_stats_progress counters (the view.h and colstats.h passes take one);
 * the UI reads it on a timer, since those passes do not ping a pipe. */
#ifndef SG_TUI_TASK_H
#define SG_TUI_TASK_H

#include <stdatomic.h>
#include <stdint.h>
#include "core/colstats.h"
#include "core/error.h"

typedef int (*task_fn)(void *arg, const atomic_int *cancel, struct sg_stats_progress *progress,
		       struct sg_error *err);

struct task;

/* Starts fn(arg) in a thread; NULL with err set when it cannot. */
struct task *task_start(task_fn fn, void *arg, struct sg_error *err);
/* Readable once fn has returned. */
int task_fd(const struct task *t);
/* 1 when fn has returned (then call task_finish), else 0. */
int task_ended(const struct task *t);
/* Rows done and rows total so far (0 total: not known yet). */
void task_progress(const struct task *t, uint64_t *done, uint64_t *total);
/* Asks fn to stop soon (it sees *cancel non-zero). */
void task_cancel(struct task *t);
/* Joins the thread, frees the task (NULL is fine: returns 0) and returns
 * fn's result, with fn's error copied to err. */
int task_finish(struct task *t, struct sg_error *err);

#endif
