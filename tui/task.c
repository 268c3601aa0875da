/* task.c — a background thread with a pipe that says "done". */
#include "sgconfig.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "core/util.h"
#include "tui/task.h"

struct task {
	task_fn fn;
	void *arg;
	pthread_t th;
	atomic_int cancel, ended;
	struct sg_stats_progress prog;
	int pipefd[2];
	int rc;
	struct sg_error err;
};

/* The thread: runs fn, then wakes the loop. */
static void *task_main(void *p)
{
	struct task *t = p;
	char b = 1;

	t->rc = t->fn(t->arg, &t->cancel, &t->prog, &t->err);
	atomic_store(&t->ended, 1);
	if (write(t->pipefd[1], &b, 1) < 0) {
		/* a full pipe already holds a wake-up */
	}
	return NULL;
}

struct task *task_start(task_fn fn, void *arg, struct sg_error *err)
{
	struct task *t = sg_xcalloc(1, sizeof *t);

	t->fn = fn;
	t->arg = arg;
	if (pipe2(t->pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
		sg_error_errno(err, "cannot create a pipe");
		free(t);
		return NULL;
	}
	if (pthread_create(&t->th, NULL, task_main, t) != 0) {
		sg_error_set(err, SG_E_IO, "cannot start a worker thread");
		close(t->pipefd[0]);
		close(t->pipefd[1]);
		free(t);
		return NULL;
	}
	return t;
}

int task_fd(const struct task *t)
{
	return t->pipefd[0];
}

int task_ended(const struct task *t)
{
	return atomic_load(&t->ended);
}

void task_progress(const struct task *t, uint64_t *done, uint64_t *total)
{
	*done = atomic_load(&t->prog.rows_done);
	*total = atomic_load(&t->prog.rows_total);
}

void task_cancel(struct task *t)
{
	atomic_store(&t->cancel, 1);
}

int task_finish(struct task *t, struct sg_error *err)
{
	int rc;

	if (!t)
		return 0;
	pthread_join(t->th, NULL);
	rc = t->rc;
	if (rc < 0 && err)
		*err = t->err;
	close(t->pipefd[0]);
	close(t->pipefd[1]);
	free(t);
	return rc;
}
