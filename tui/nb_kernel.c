/* nb_kernel.c — an open notebook and its kernel: reattaching to the one
 * that outlived the last session (core/kernels.h), starting one in a
 * background thread so the screen stays live, queuing cells, and turning
 * the kernel's events into outputs as they arrive. */
#include "sgconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/kernel.h"
#include "core/kernels.h"
#include "core/util.h"
#include "tui/nb.h"
#include "tui/task.h"

/* What the start thread needs and gives back. */
struct kstart {
	int launch;                        /* 0: reattach only */
	char kernel[128];
	char notebook[1024];
	char workspace[1024];
	struct sg_kernel *k;
	struct sg_kernel_entry e;
	int reattached, found;
};

/* The thread: find the notebook's kernel (and attach), or start one. */
static int kstart_fn(void *arg, const atomic_int *cancel, struct sg_stats_progress *progress,
		     struct sg_error *err)
{
	struct kstart *a = arg;
	struct sg_kernels_launch_opts o = { .kernel = a->kernel, .notebook = a->notebook,
					    .workspace = a->workspace, .idle_timeout = -1 };

	(void)cancel;
	(void)progress;
	if (!a->launch) {
		a->found = sg_kernels_find_notebook(a->notebook, &a->e);
		if (!a->found)
			return 0;
		a->reattached = 1;
		return sg_kernels_attach(&a->e, &a->k, err);
	}
	a->found = 1;
	return sg_kernels_open(&o, &a->k, &a->e, &a->reattached, err);
}

/* The kernelspec the notebook names, else python3. */
static void kernel_name(const struct nb_doc *d, char *buf, size_t n)
{
	json_t *ks = json_object_get(d->nb->metadata, "kernelspec");
	const char *name = json_string_value(json_object_get(ks, "name"));

	snprintf(buf, n, "%s", name && *name ? name : "python3");
}

/* Starts the thread (launch 0: reattach only). */
static int kstart_begin(struct nb_doc *d, struct sg_workspace *ws, int launch,
			struct sg_error *err)
{
	struct kstart *a;

	if (d->k || d->kstart)
		return 0;
	a = sg_xcalloc(1, sizeof *a);
	a->launch = launch;
	kernel_name(d, a->kernel, sizeof a->kernel);
	snprintf(a->notebook, sizeof a->notebook, "%s", d->abspath);
	snprintf(a->workspace, sizeof a->workspace, "%s", ws->root);
	d->kstart = task_start(kstart_fn, a, err);
	if (!d->kstart) {
		free(a);
		return -1;
	}
	d->kstart_arg = a;
	snprintf(d->kstate, sizeof d->kstate, launch ? "starting" : "attaching");
	return 0;
}

void nb_kernel_reattach(struct nb_doc *d, struct sg_workspace *ws)
{
	kstart_begin(d, ws, 0, NULL);
}

int nb_kernel_start(struct nb_doc *d, struct sg_workspace *ws, struct sg_error *err)
{
	return kstart_begin(d, ws, 1, err);
}

/* Forgets where the displays of cell id went (its outputs were cleared). */
static void displays_forget(struct nb_doc *d, const char *cell_id)
{
	for (size_t i = 0; i < NB_DISPLAYS; i++)
		if (strcmp(d->displays[i].cell_id, cell_id) == 0)
			d->displays[i].id[0] = d->displays[i].cell_id[0] = '\0';
}

/* ---- the queue -------------------------------------------------------------- */

/* Appends a request for cell id (msg_id "" until sent). */
static void exec_add(struct nb_doc *d, const char *cell_id)
{
	if (d->nexecs == d->execs_cap) {
		d->execs_cap = d->execs_cap ? 2 * d->execs_cap : 16;
		d->execs = sg_xrealloc(d->execs, d->execs_cap * sizeof *d->execs);
	}
	memset(&d->execs[d->nexecs], 0, sizeof d->execs[0]);
	snprintf(d->execs[d->nexecs].cell_id, sizeof d->execs[0].cell_id, "%s", cell_id);
	d->nexecs++;
}

static void exec_remove(struct nb_doc *d, size_t i)
{
	memmove(d->execs + i, d->execs + i + 1, (d->nexecs - i - 1) * sizeof *d->execs);
	d->nexecs--;
}

/* Index of the request msg_id, or nexecs. */
static size_t exec_find(const struct nb_doc *d, const char *msg_id)
{
	size_t i = 0;

	while (i < d->nexecs && (!*msg_id || strcmp(d->execs[i].msg_id, msg_id) != 0))
		i++;
	return i;
}

/* The cell index of a request, or -1 when the cell is gone. */
static long exec_cell(const struct nb_doc *d, size_t i)
{
	return i < d->nexecs ? sg_nb_find(d->nb, d->execs[i].cell_id) : -1;
}

/* Sends the requests not sent yet, in order. */
static int send_pending(struct nb_doc *d, struct sg_error *err)
{
	for (size_t i = 0; i < d->nexecs; i++) {
		long c = exec_cell(d, i);
		if (*d->execs[i].msg_id)
			continue;
		if (c < 0) {
			exec_remove(d, i--);
			continue;
		}
		if (sg_kernel_execute(d->k, d->nb->cells[c].source, 1, d->execs[i].msg_id, err) < 0)
			return -1;
	}
	return 0;
}

/* Every queued or running cell goes back to idle; the queue empties. */
static void queue_clear(struct nb_doc *d)
{
	for (size_t i = 0; i < d->nb->ncells; i++)
		d->cv[i].run = NB_IDLE;
	d->nexecs = 0;
	d->input_pending = 0;
}

int nb_kernel_run(struct nb_doc *d, struct sg_workspace *ws, size_t from, size_t to,
		  struct sg_error *err)
{
	int n = 0;

	for (size_t i = from; i < to && i < d->nb->ncells; i++) {
		struct sg_nb_cell *c = &d->nb->cells[i];
		if (c->type != SG_NB_CODE || d->cv[i].run != NB_IDLE)
			continue;
		/* a cell with nothing to run only loses its old outputs */
		sg_nb_cell_clear_outputs(c);
		displays_forget(d, c->id);
		nb_cv_changed(d, i);
		if (!c->source[strspn(c->source, " \t\r\n")])
			continue;
		d->cv[i].run = NB_QUEUED;
		exec_add(d, c->id);
		n++;
	}
	if (n)
		nb_doc_touch(d);
	if (!n || d->kstart)
		return n;
	if (!d->k)
		return nb_kernel_start(d, ws, err) < 0 ? -1 : n;
	return send_pending(d, err) < 0 ? -1 : n;
}

int nb_kernel_busy(const struct nb_doc *d)
{
	return d->nexecs > 0 || strcmp(d->kstate, "restarting") == 0;
}

/* ---- control ------------------------------------------------------------------- */

int nb_kernel_interrupt(struct nb_doc *d, struct sg_error *err)
{
	if (!d->k)
		return sg_error_set(err, SG_E_USAGE, "no kernel to interrupt");
	/* requests not sent yet are dropped, as a notebook does */
	for (size_t i = 0; i < d->nexecs; i++)
		if (!*d->execs[i].msg_id) {
			long c = exec_cell(d, i);
			if (c >= 0)
				d->cv[c].run = NB_IDLE;
			exec_remove(d, i--);
		}
	if (sg_kernel_interrupt(d->k, err) < 0)
		return -1;
	d->interrupted_at = sg_now();
	return 0;
}

int nb_kernel_restart(struct nb_doc *d, struct sg_workspace *ws, struct sg_error *err)
{
	if (d->kstart)
		return sg_error_set(err, SG_E_USAGE, "the kernel is starting");
	queue_clear(d);
	d->interrupted_at = 0;
	if (!d->k)
		return nb_kernel_start(d, ws, err);
	if (strcmp(d->kstate, "dead") == 0) {
		/* its keeper may be gone with it: clear the entry, start afresh */
		char id[32];
		snprintf(id, sizeof id, "%s", d->kernel_id);
		sg_kernel_free(d->k);
		d->k = NULL;
		*d->kernel_id = '\0';
		if (*id)
			sg_kernels_stop(id, 2, NULL);
		return nb_kernel_start(d, ws, err);
	}
	if (sg_kernel_restart(d->k, err) < 0)
		return -1;
	snprintf(d->kstate, sizeof d->kstate, "restarting");
	return 0;
}

int nb_kernel_shutdown(struct nb_doc *d, struct sg_error *err)
{
	int rc = 0;

	if (!d->k)
		return sg_error_set(err, SG_E_USAGE, "no kernel is running for this notebook");
	queue_clear(d);
	if (*d->kernel_id)
		rc = sg_kernels_stop(d->kernel_id, 5, err);
	else
		rc = sg_kernel_shutdown(d->k, 5, err);
	sg_kernel_free(d->k);
	d->k = NULL;
	*d->kernel_id = '\0';
	snprintf(d->kstate, sizeof d->kstate, "none");
	return rc;
}

int nb_kernel_input(struct nb_doc *d, const char *value, struct sg_error *err)
{
	if (!d->k || !d->input_pending)
		return sg_error_set(err, SG_E_USAGE, "the kernel is not asking for input");
	d->input_pending = 0;
	return sg_kernel_input_reply(d->k, value, err);
}

void nb_kernel_close(struct nb_doc *d)
{
	if (d->kstart) {
		struct kstart *a = d->kstart_arg;
		task_finish(d->kstart, NULL);
		sg_kernel_free(a->k);   /* a kernel found meanwhile keeps running */
		free(a);
		d->kstart = NULL;
		d->kstart_arg = NULL;
	}
	sg_kernel_free(d->k);
	d->k = NULL;
}

int nb_kernel_fds(struct nb_doc *d, int *fds, int max)
{
	if (d->kstart && max > 0) {
		fds[0] = task_fd(d->kstart);
		return 1;
	}
	return d->k ? sg_kernel_fds(d->k, fds, max) : 0;
}

/* ---- events ---------------------------------------------------------------------- */

/* The start thread ended: take its kernel, send what waits. */
static int kstart_end(struct nb_doc *d, struct sg_workspace *ws, char *msg, size_t n)
{
	struct kstart *a = d->kstart_arg;
	struct sg_error e = { 0 };
	int rc;

	if (!task_ended(d->kstart))
		return 0;
	rc = task_finish(d->kstart, &e);
	d->kstart = NULL;
	d->kstart_arg = NULL;
	if (rc == 0 && !a->found && d->nexecs > 0) {
		/* cells were run while we looked for a kernel: start one */
		free(a);
		if (nb_kernel_start(d, ws, &e) < 0) {
			snprintf(msg, n, "%s", e.msg);
			queue_clear(d);
			snprintf(d->kstate, sizeof d->kstate, "failed");
		}
		return 1;
	}
	if (rc < 0 || !a->found || !a->k) {
		if (rc < 0)
			snprintf(msg, n, "kernel %s: %s", a->kernel, e.msg);
		snprintf(d->kstate, sizeof d->kstate, rc < 0 ? "failed" : "none");
		queue_clear(d);
		sg_kernel_free(a->k);
		free(a);
		return 1;
	}
	d->k = a->k;
	d->reattached = a->reattached;
	snprintf(d->kernel_id, sizeof d->kernel_id, "%s", a->e.id);
	snprintf(d->kstate, sizeof d->kstate, "%s",
		 *a->e.state && strcmp(a->e.state, "starting") != 0 ? a->e.state : "idle");
	if (a->reattached)
		snprintf(msg, n, "Reattached to kernel %.8s (%s), its variables intact", a->e.id,
			 d->kstate);
	else
		snprintf(msg, n, "Started kernel %s (%.8s)", a->kernel, a->e.id);
	free(a);
	if (send_pending(d, &e) < 0)
		snprintf(msg, n, "%s", e.msg);
	return 1;
}

/* The cell an event belongs to (its request's index in *x), or -1. */
static long event_cell(struct nb_doc *d, const struct sg_kernel_event *ev, size_t *x)
{
	*x = exec_find(d, ev->parent_id);
	return exec_cell(d, *x);
}

/* Clears a cell whose clear_output(wait) is pending (keeping its count). */
static void pending_clear(struct nb_doc *d, long c)
{
	if (!d->cv[c].clear_pending)
		return;
	displays_forget(d, d->nb->cells[c].id);
	long count = d->nb->cells[c].execution_count;
	sg_nb_cell_clear_outputs(&d->nb->cells[c]);
	d->nb->cells[c].execution_count = count;
	d->cv[c].clear_pending = 0;
}

/* Remembers that display id is output index of cell c. */
static void display_note(struct nb_doc *d, const char *id, const struct sg_nb_cell *c)
{
	struct nb_display *x = &d->displays[d->ndisplays++ % NB_DISPLAYS];

	snprintf(x->id, sizeof x->id, "%s", id);
	snprintf(x->cell_id, sizeof x->cell_id, "%s", c->id);
	x->index = json_array_size(c->outputs) - 1;
}

/* update_display_data: replaces the output shown under its display id;
 * returns the cell changed, or -1. */
static long display_update(struct nb_doc *d, const struct sg_kernel_event *ev, json_t *out)
{
	for (size_t i = 0; i < NB_DISPLAYS; i++) {
		struct nb_display *x = &d->displays[i];
		long c = *x->id && strcmp(x->id, ev->display_id) == 0 ? sg_nb_find(d->nb, x->cell_id) : -1;
		if (c < 0 || x->index >= json_array_size(d->nb->cells[c].outputs))
			continue;
		json_array_set(d->nb->cells[c].outputs, x->index, out);
		nb_cv_changed(d, (size_t)c);
		return c;
	}
	return -1;
}

/* A display_data or execute_result output object. */
static json_t *mime_output(const struct sg_kernel_event *ev)
{
	int result = ev->type == SG_KEV_RESULT;
	/* "o" steals: the borrowed bundle gets a reference of its own */
	json_t *o = json_pack("{s:s, s:o, s:o}", "output_type",
			      result ? "execute_result" : "display_data",
			      "data", ev->data ? json_incref(ev->data) : json_object(),
			      "metadata", ev->metadata ? json_incref(ev->metadata) : json_object());

	if (o && result)
		json_object_set_new(o, "execution_count", json_integer(ev->execution_count));
	return o;
}

/* An error output from the event's content (traceback kept colored). */
static json_t *error_output(const struct sg_kernel_event *ev)
{
	json_t *tb = json_object_get(ev->content, "traceback");

	return json_pack("{s:s, s:s, s:s, s:o}", "output_type", "error", "ename",
			 ev->ename ? ev->ename : "", "evalue", ev->evalue ? ev->evalue : "",
			 "traceback", json_is_array(tb) ? json_incref(tb) : json_array());
}

/* The kernel died: the running cell says so, the queue empties. */
static void kernel_died(struct nb_doc *d, const struct sg_kernel_event *ev, char *msg, size_t n)
{
	/* the cell running is the first one sent (the kernel runs them in
	 * order), even when its execute_input never arrived */
	for (size_t i = 0; i < d->nexecs; i++) {
		long c = exec_cell(d, i);
		if (c < 0 || !*d->execs[i].msg_id)
			continue;
		char line[600];
		snprintf(line, sizeof line, "The kernel died while running this cell: %s", ev->text);
		sg_nb_cell_append_output(&d->nb->cells[c],
					 json_pack("{s:s, s:s, s:s, s:[s]}", "output_type", "error",
						   "ename", "KernelDied", "evalue", ev->text,
						   "traceback", line));
		nb_cv_changed(d, (size_t)c);
		break;
	}
	queue_clear(d);
	snprintf(d->kstate, sizeof d->kstate, "dead");
	snprintf(msg, n, "The kernel died%s%s%s: restart starts a new one",
		 strcmp(ev->text, "the kernel died") ? " (" : "",
		 strcmp(ev->text, "the kernel died") ? ev->text : "",
		 strcmp(ev->text, "the kernel died") ? ")" : "");
}

/* One event; returns 1 when something visible changed. */
static int on_event(struct nb_doc *d, const struct sg_kernel_event *ev, char *msg, size_t n)
{
	size_t x;
	long c = event_cell(d, ev, &x);
	struct sg_nb_cell *cell = c >= 0 ? &d->nb->cells[c] : NULL;

	switch (ev->type) {
	case SG_KEV_STATUS:
		if (strcmp(ev->name, "idle") == 0)
			d->interrupted_at = 0;
		if (strcmp(d->kstate, ev->name) == 0)
			return 0;
		snprintf(d->kstate, sizeof d->kstate, "%s", ev->name);
		return 1;
	case SG_KEV_DIED:
		kernel_died(d, ev, msg, n);
		return 1;
	case SG_KEV_INPUT:
		d->input_pending = 1;
		d->input_password = ev->password;
		snprintf(d->input_prompt, sizeof d->input_prompt, "%s", ev->text);
		return 1;
	case SG_KEV_DISPLAY:
		if (ev->update && ev->display_id) { /* may belong to any cell */
			json_t *o = mime_output(ev);
			long u = display_update(d, ev, o);
			json_decref(o);
			if (u >= 0)
				nb_doc_touch(d);
			return u >= 0;
		}
		break;
	default:
		break;
	}
	if (!cell)
		return 0;
	switch (ev->type) {
	case SG_KEV_EXEC_INPUT:
		d->cv[c].run = NB_RUNNING;
		return 1;
	case SG_KEV_STREAM:
		pending_clear(d, c);
		sg_nb_cell_append_stream(cell, ev->name, ev->text);
		break;
	case SG_KEV_DISPLAY:
	case SG_KEV_RESULT:
		pending_clear(d, c);
		sg_nb_cell_append_output(cell, mime_output(ev));
		if (ev->display_id && *ev->display_id)
			display_note(d, ev->display_id, cell);
		break;
	case SG_KEV_ERROR:
		pending_clear(d, c);
		sg_nb_cell_append_output(cell, error_output(ev));
		break;
	case SG_KEV_CLEAR:
		if (ev->execution_count) { /* wait: at the next output */
			d->cv[c].clear_pending = 1;
			return 0;
		}
		d->cv[c].clear_pending = 1;
		pending_clear(d, c);
		break;
	case SG_KEV_REPLY:
		if (ev->execution_count > 0)
			cell->execution_count = ev->execution_count;
		d->cv[c].run = NB_IDLE;
		d->cv[c].clear_pending = 0;
		exec_remove(d, x);
		if (strcmp(ev->name, "error") == 0)
			for (size_t i = 0; i < d->nexecs; i++) { /* the kernel aborts the rest */
				long q = exec_cell(d, i);
				if (q >= 0 && !*d->execs[i].msg_id)
					d->cv[q].run = NB_IDLE;
				if (!*d->execs[i].msg_id)
					exec_remove(d, i--);
			}
		break;
	default:
		return 0;
	}
	nb_cv_changed(d, (size_t)c);
	nb_doc_touch(d);
	return 1;
}

int nb_kernel_events(struct nb_doc *d, struct sg_workspace *ws, char *msg, size_t n)
{
	struct sg_kernel_event ev;
	struct sg_error e = { 0 };
	int changed = 0, r, budget = 2000;

	*msg = '\0';
	if (d->kstart)
		return kstart_end(d, ws, msg, n);
	if (!d->k)
		return 0;
	/* a budget: a flood of output still lets the screen redraw */
	while (budget-- > 0 && (r = sg_kernel_next_event(d->k, &ev, &e)) > 0)
		changed |= on_event(d, &ev, msg, n);
	d->backlog = budget <= 0;
	/* a kernel restarted by its keeper may not announce itself: when its
	 * heartbeat answers, it is back */
	if (strcmp(d->kstate, "restarting") == 0 && !changed && d->k && sg_kernel_alive(d->k, 100)) {
		snprintf(d->kstate, sizeof d->kstate, "idle");
		changed = 1;
	}
	if (budget > 0 && r < 0 && !*msg)
		snprintf(msg, n, "kernel: %s", e.msg);
	return changed || *msg;
}
