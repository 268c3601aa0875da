/* kernel.h — a Jupyter kernel client (messaging protocol 5.3 over libzmq).
 *
 * A kernel is started from its kernelspec with an ipc transport: every
 * socket is a Unix socket inside the per-user runtime folder
 * (sg_kernel_runtime_dir, 0700), so other users on the host cannot connect
 * or read outputs.  Every message is signed with HMAC-SHA256 over a random
 * key kept in the connection file (0600); messages with a bad signature are
 * dropped (counted in sg_kernel_stats) and never reach the caller.
 *
 * Two ways to use it:
 *  - the TUI polls sg_kernel_fd() with its other descriptors and, whenever
 *    it is readable (or after any call on the kernel), drains events with
 *    sg_kernel_next_event() until it returns 0.  The descriptor is
 *    edge-triggered (ZMQ_FD): always drain.
 *  - headless code calls sg_kernel_run_cell(), which blocks until the cell's
 *    reply and final idle status, handing each event to a callback.
 *
 * Not thread-safe: one thread uses a kernel at a time. */
#ifndef SG_KERNEL_H
#define SG_KERNEL_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>
#include "core/error.h"
#include "core/kernelspec.h"

struct sg_kernel;

#define SG_KERNEL_ID_LEN 16 /* lowercase hex */
/* sg_kernel_next_event pings the heartbeat every SG_KERNEL_HB_EVERY
 * seconds and reports SG_KEV_DIED after SG_KERNEL_HB_TIMEOUT without an
 * answer. */
#define SG_KERNEL_HB_EVERY 5.0
#define SG_KERNEL_HB_TIMEOUT 30.0

enum sg_kernel_event_type {
	SG_KEV_STREAM = 1, /* name: "stdout"/"stderr"; text */
	SG_KEV_DISPLAY,    /* display_data / update_display_data: data, metadata, text */
	SG_KEV_RESULT,     /* execute_result: data, metadata, text, execution_count */
	SG_KEV_ERROR,      /* error output: ename, evalue, text = traceback lines joined */
	SG_KEV_CLEAR,      /* clear_output: wait in execution_count (1: wait) */
	SG_KEV_STATUS,     /* name: "busy", "idle", "starting", "restarting" */
	SG_KEV_INPUT,      /* input_request: text = prompt, password; answer with
			    * sg_kernel_input_reply */
	SG_KEV_REPLY,      /* execute_reply: name = "ok"/"error"/"aborted",
			    * execution_count */
	SG_KEV_EXEC_INPUT, /* execute_input: the code being run, execution_count */
	SG_KEV_DIED,       /* the kernel process exited or stopped answering the
			    * heartbeat; text says how.  Offer a restart. */
	SG_KEV_OTHER,      /* any other message (msg_type in name, content) */
};

/* One event.  Pointers are owned by the kernel and valid until the next
 * call of sg_kernel_next_event / sg_kernel_run_cell's next callback. */
struct sg_kernel_event {
	enum sg_kernel_event_type type;
	char parent_id[64];       /* msg_id of the request it answers ("" if none) */
	const char *name;
	const char *text;         /* readable text (see sg_kernel_mime_text); never NULL */
	size_t text_len;
	const char *ename, *evalue; /* SG_KEV_ERROR (and REPLY with status error) */
	json_t *data, *metadata;  /* mime bundle of DISPLAY/RESULT (borrowed) */
	json_t *content;          /* the message content (borrowed) */
	const char *display_id;   /* transient.display_id or NULL */
	int update;               /* DISPLAY from update_display_data */
	int execution_count;
	int password;
};

/* ---- lifecycle ---------------------------------------------------------------- */

/* The per-user runtime folder: $XDG_RUNTIME_DIR/sagetty when usable, else
 * /tmp/sagetty-UID (also when socket paths there would not fit 108 bytes);
 * created 0700 and checked (a real folder, ours, no group
 * or other access).  Writes it into buf. */
int sg_kernel_runtime_dir(char *buf, size_t n, struct sg_error *err);

struct sg_kernel_opts {
	const char *workdir;     /* the kernel's cwd (NULL: inherited) */
	const char *log_path;    /* kernel stdout+stderr (NULL: RUNTIME/kernel-ID.log) */
	const char *id;          /* 16-hex id to use (NULL: random) */
	double start_timeout;    /* seconds to wait for the handshake (0: 60) */
	int keep_files;          /* leave connection/log files at sg_kernel_free */
};

/* Launches a kernel from spec (execve of its argv, own session,
 * JPY_PARENT_PID set, stdio to the log file) and waits until it answers
 * kernel_info on shell and iopub.  The kernel is this process's child:
 * sg_kernel_free shuts it down unless sg_kernel_detach was called. */
int sg_kernel_start(const struct sg_kernelspec *spec, const struct sg_kernel_opts *opts,
		    struct sg_kernel **out, struct sg_error *err);
/* Connects to a running kernel by its connection file; pid (0: unknown) is
 * its process, used for signal interrupts and liveness checks.  Checks
 * readiness with kernel_info like sg_kernel_start. */
int sg_kernel_attach(const char *connection_file, pid_t pid, double timeout,
		     struct sg_kernel **out, struct sg_error *err);
/* Frees the client.  A kernel started here (not detached) is shut down
 * (shutdown_request, then SIGTERM/SIGKILL after a grace) and its files
 * removed; an attached kernel keeps running. */
void sg_kernel_free(struct sg_kernel *k);
/* The started kernel outlives this client (sg_kernel_free only
 * disconnects). */
void sg_kernel_detach(struct sg_kernel *k);

const char *sg_kernel_id(const struct sg_kernel *k);
const char *sg_kernel_connection_file(const struct sg_kernel *k);
const char *sg_kernel_log_path(const struct sg_kernel *k);
pid_t sg_kernel_pid(const struct sg_kernel *k);
/* kernel_info_reply content from the handshake (language_info…), borrowed. */
json_t *sg_kernel_info(const struct sg_kernel *k);
/* Sets how a signal interrupt is delivered (default: from the spec, or
 * signal for attached kernels with a pid, message otherwise). */
void sg_kernel_set_interrupt_mode(struct sg_kernel *k, enum sg_interrupt_mode m);

/* ---- requests ------------------------------------------------------------------- */

/* Sends execute_request; msg_id (>= 64 bytes, may be NULL) receives its id,
 * which events of this cell carry in parent_id.  allow_stdin: input() asks
 * through SG_KEV_INPUT (else it raises in the kernel). */
int sg_kernel_execute(struct sg_kernel *k, const char *code, int allow_stdin, char *msg_id,
		      struct sg_error *err);
/* The same with every execute_request field: stop_on_error 1 makes the
 * kernel abort requests queued behind a failing one (status "aborted"), as
 * "run all" wants; sg_kernel_execute sets it, sg_kernel_run_cell does not
 * (one cell at a time, nothing is queued, and a kernel still aborting
 * after an error must not swallow the next cell). */
struct sg_exec_opts {
	int allow_stdin;
	int stop_on_error;
	int silent;           /* no outputs, no execution count */
	int no_history;       /* store_history false */
};
int sg_kernel_execute_opts(struct sg_kernel *k, const char *code, const struct sg_exec_opts *o,
			   char *msg_id, struct sg_error *err);
/* Answers the pending input_request. */
int sg_kernel_input_reply(struct sg_kernel *k, const char *value, struct sg_error *err);
/* SIGINT to the kernel's process group (interrupt_mode signal, pid known)
 * or interrupt_request on control. */
int sg_kernel_interrupt(struct sg_kernel *k, struct sg_error *err);
/* Restarts: state is lost, the connection stays.  A started kernel is
 * relaunched here; an attached one through its keeper (restart_pid gets
 * SIGHUP; see kernels.h) or, without one, by shutdown_request restart. */
int sg_kernel_restart(struct sg_kernel *k, struct sg_error *err);
/* shutdown_request; waits up to grace seconds for a started kernel to exit,
 * then kills its process group. */
int sg_kernel_shutdown(struct sg_kernel *k, double grace, struct sg_error *err);
/* Heartbeat: 1 when the kernel echoed within timeout_ms, else 0 (and a
 * later sg_kernel_next_event reports SG_KEV_DIED). */
int sg_kernel_alive(struct sg_kernel *k, int timeout_ms);
/* Heartbeat period and timeout in seconds (0: the defaults above). */
void sg_kernel_set_heartbeat(struct sg_kernel *k, double every, double timeout);
/* Pid to signal for restarts of an attached kernel (its keeper). */
void sg_kernel_set_keeper(struct sg_kernel *k, pid_t keeper);
/* The same, plus the keeper's entry file (kernels.h) where the new kernel
 * pid is read after a restart. */
void sg_kernel_set_registry(struct sg_kernel *k, pid_t keeper, const char *info_path);
/* Messages dropped because their signature or format was wrong. */
long sg_kernel_bad_messages(const struct sg_kernel *k);

/* ---- events ----------------------------------------------------------------------- */

/* A descriptor that becomes readable when iopub messages may be waiting
 * (edge-triggered: drain with sg_kernel_next_event until it returns 0). */
int sg_kernel_fd(struct sg_kernel *k);
/* Every descriptor to poll (iopub, shell, stdin, control): replies and
 * input requests arrive on other sockets than outputs.  Returns how many
 * were written (at most max; 4 suffice).  Poll with a timeout of a second
 * or so and call sg_kernel_next_event after it: a dead kernel is noticed
 * there. */
int sg_kernel_fds(struct sg_kernel *k, int *fds, int max);
/* Takes the next event without blocking: 1 with ev filled, 0 when none is
 * waiting, -1 on error.  SG_KEV_DIED is reported once: the process exited,
 * or the heartbeat (kept here, without blocking) went unanswered. */
int sg_kernel_next_event(struct sg_kernel *k, struct sg_kernel_event *ev, struct sg_error *err);
/* Waits up to timeout_ms (-1: forever) for an event; 1, 0 on timeout, -1. */
int sg_kernel_wait_event(struct sg_kernel *k, struct sg_kernel_event *ev, int timeout_ms,
			 struct sg_error *err);

/* Runs one cell and blocks until both its execute_reply and its final idle
 * status arrived.  cb (may be NULL) sees every event of the cell; for
 * SG_KEV_INPUT it should call sg_kernel_input_reply (when it does not, the
 * empty string is sent).  timeout (seconds, 0: none): the kernel is
 * interrupted, given 10 s more, then the call fails with SG_E_IO "timed
 * out".  A dying kernel fails with "kernel died".  A cell the kernel
 * aborted because it was still stopping after another request's error is
 * sent again (a few times).  Returns 0 when the cell ran (even with a
 * Python error: see res), -1 otherwise. */
typedef void (*sg_kernel_event_fn)(struct sg_kernel *k, const struct sg_kernel_event *ev,
				   void *ud);
struct sg_cell_result {
	char status[16];         /* "ok", "error", "aborted" */
	int execution_count;
	double started, finished; /* wall-clock (sg_now) */
	int died, timed_out;
};
int sg_kernel_run_cell(struct sg_kernel *k, const char *code, double timeout,
		       sg_kernel_event_fn cb, void *ud, struct sg_cell_result *res,
		       struct sg_error *err);

/* ---- helpers ---------------------------------------------------------------------- */

/* A readable text for a mime bundle: sg_nb_data_text (nbformat.h), with its
 * length.  malloc'd. */
char *sg_kernel_mime_text(json_t *data, size_t *len);

/* Wire format (exposed for tests and fuzzing). */
struct sg_kframe {
	const void *data;
	size_t len;
};
struct sg_kmsg {
	json_t *header, *parent, *metadata, *content; /* owned; free with sg_kmsg_done */
	const char *msg_type, *msg_id, *parent_id;    /* borrowed from the above; never NULL */
};
/* Decodes frames [ids…, "<IDS|MSG>", hmac, header, parent, metadata,
 * content, buffers…], verifying the signature with key (keylen 0: no
 * signing).  SG_E_PARSE on any malformation or bad signature. */
int sg_kmsg_decode(const unsigned char *key, size_t keylen, const struct sg_kframe *f, size_t n,
		   struct sg_kmsg *out, struct sg_error *err);
void sg_kmsg_done(struct sg_kmsg *m);
/* Lowercase hex HMAC-SHA256 of the four parts (hex >= 65 bytes). */
void sg_kmsg_sign(const unsigned char *key, size_t keylen, const struct sg_kframe parts[4],
		  char hex[65]);

#endif
