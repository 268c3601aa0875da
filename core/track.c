/* track.c — the tracker: start a program, serve its pipes, record its run. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/metricline.h"
#include "core/track.h"
#include "core/util.h"

extern char **environ;

#define DRAIN_MS 2000
#define DEFAULT_GRACE_MS 10000

enum { P_OUT, P_ERR, P_MET, P_N };   /* the program's pipes */

struct sg_track {
	const struct sg_track_opts *o;
	struct sg_track_result *r;
	struct sg_ingest *w;
	pid_t pid;
	int pidfd;                 /* -1: poll waitpid instead */
	int fd[P_N];               /* read ends; -1 once at EOF */
	int log[2];                /* stdout.log, stderr.log */
	long long log_size[2];     /* their current sizes */
	int errlog;                /* metrics.errors.log, opened on the first error */
	long long errlog_lines;    /* written to it by this tracker */
	struct sg_linebuf lines[P_N];
	int echo[2];               /* still echoing stdout, stderr */
	int exited;
	double exit_time, start_time;
	int stop_sig;              /* requested stop, 0 if none */
	double kill_at;            /* SIGKILL deadline after a stop; 0: none */
	int killed_hard;
	double next_tick;
};

/* ---- signals --------------------------------------------------------------- */

/* The write end of the self-pipe the handler reports through: a signal
 * handler can do nothing more than write(2). */
static volatile int sig_pipe_w = -1;

static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	int saved = errno;
	/* High bit: sent by the kernel (a key typed at the terminal), which the
	 * program in our process group has received as well. */
	unsigned char b = (unsigned char)(sig | (si && si->si_code == SI_KERNEL ? 0x80 : 0));
	if (sig_pipe_w >= 0 && write(sig_pipe_w, &b, 1) < 0) {
		/* Full pipe: a stop is already pending. */
	}
	errno = saved;
}

struct saved_signals {
	struct sigaction old[4];
	int installed;
	int pipe[2];
};

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* Ignores SIGPIPE and, when asked, routes the stop signals to a pipe. */
static int signals_install(struct saved_signals *ss, int handle, struct sg_error *err)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	ss->pipe[0] = ss->pipe[1] = -1;
	sigaction(SIGPIPE, &ign, &ss->old[3]);
	if (!handle)
		return 0;
	if (pipe2(ss->pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return sg_error_errno(err, "cannot create a pipe");
	sig_pipe_w = ss->pipe[1];
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &sa, &ss->old[i]);
	ss->installed = 1;
	return 0;
}

static void signals_restore(struct saved_signals *ss)
{
	sigaction(SIGPIPE, &ss->old[3], NULL);
	if (ss->installed)
		for (int i = 0; i < 3; i++)
			sigaction(stop_signals[i], &ss->old[i], NULL);
	sig_pipe_w = -1;
	if (ss->pipe[0] >= 0) {
		close(ss->pipe[0]);
		close(ss->pipe[1]);
	}
}

/* ---- small helpers ------------------------------------------------------- */

/* Writes all of d; 0 or -1 (errno). */
static int write_all(int fd, const char *d, size_t n)
{
	while (n) {
		ssize_t k = write(fd, d, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		d += k;
		n -= (size_t)k;
	}
	return 0;
}

static int open_log(const char *dir, const char *name, struct sg_error *err)
{
	char *path = sg_path_join(dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0)
		sg_error_errno(err, "%s: cannot open", path);
	free(path);
	return fd;
}

/* "NAME=..." has the given name. */
static int env_named(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* 1 when entry's name is one the tracker sets. */
static int env_replaced(const char *entry, char *const *extra)
{
	static const char *const ours[] = { "SAGETTY_RUN_ID", "SAGETTY_WORKSPACE", "SAGETTY_RUN_DIR",
					    "SAGETTY_METRICS_FD" };
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (env_named(entry, ours[i]))
			return 1;
	for (; extra && *extra; extra++) {
		const char *eq = strchr(*extra, '=');
		if (eq && strncmp(entry, *extra, (size_t)(eq - *extra) + 1) == 0)
			return 1;
	}
	return 0;
}

/* The program's environment: ours minus what we set, then ours.  Built
 * before fork, so the child allocates nothing. */
static char **build_env(const struct sg_track_opts *o)
{
	size_t n = 0, extra = 0;
	while (environ[n])
		n++;
	while (o->extra_env && o->extra_env[extra])
		extra++;
	char **env = sg_xcalloc(n + extra + 5, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!env_replaced(environ[i], o->extra_env))
			env[k++] = sg_xstrdup(environ[i]);
	for (size_t i = 0; i < extra; i++)
		env[k++] = sg_xstrdup(o->extra_env[i]);
	env[k++] = sg_xasprintf("SAGETTY_RUN_ID=%s", o->run_id);
	env[k++] = sg_xasprintf("SAGETTY_WORKSPACE=%s", o->workspace_root ? o->workspace_root : "");
	env[k++] = sg_xasprintf("SAGETTY_RUN_DIR=%s", o->run_dir);
	env[k++] = sg_xasprintf("SAGETTY_METRICS_FD=%d", SG_TRACK_METRICS_FD);
	return env;
}

static void free_env(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

/* ---- starting the program ------------------------------------------------- */

/* In the child: puts fd at target (clearing close-on-exec). */
static void child_place(int fd, int target)
{
	if (fd == target)
		fcntl(fd, F_SETFD, 0);
	else
		dup2(fd, target);
}

/* In the child, after fork: only async-signal-safe calls from here on. */
static void child_exec(const struct sg_track_opts *o, int wr[P_N], int failfd, char **env)
{
	if (o->own_group)
		setpgid(0, 0);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Move our ends above the targets first, so no dup2 clobbers another. */
	int hi[P_N];
	for (int i = 0; i < P_N; i++)
		hi[i] = fcntl(wr[i], F_DUPFD_CLOEXEC, 10);
	if (o->stdin_null) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			child_place(nul, 0);
	}
	child_place(hi[P_OUT], 1);
	child_place(hi[P_ERR], 2);
	child_place(hi[P_MET], SG_TRACK_METRICS_FD);
	int e = 0;
	if (o->cwd && chdir(o->cwd) != 0)
		e = errno;
	else
		execvpe(o->argv[0], o->argv, env);
	if (!e)
		e = errno;
	if (write(failfd, &e, sizeof e) < 0) {
		/* Nothing left to tell anyone with. */
	}
	_exit(127);
}

/* Creates the pipes, forks and execs; fills t->fd and t->pid.  Returns the
 * exec errno (0: started) or -1 on a local failure (err set). */
static int spawn(struct sg_track *t, struct sg_error *err)
{
	int p[P_N][2], fail[2];
	for (int i = 0; i < P_N; i++)
		if (pipe2(p[i], O_CLOEXEC) != 0)
			return sg_error_errno(err, "cannot create a pipe");
	if (pipe2(fail, O_CLOEXEC) != 0)
		return sg_error_errno(err, "cannot create a pipe");
	char **env = build_env(t->o);
	int wr[P_N] = { p[P_OUT][1], p[P_ERR][1], p[P_MET][1] };
	t->pid = fork();
	if (t->pid == 0)
		child_exec(t->o, wr, fail[1], env);
	free_env(env);
	for (int i = 0; i < P_N; i++) {
		close(p[i][1]);
		t->fd[i] = p[i][0];
	}
	close(fail[1]);
	if (t->pid < 0) {
		close(fail[0]);
		return sg_error_errno(err, "cannot start %s", t->o->argv[0]);
	}
	if (t->o->own_group)
		setpgid(t->pid, t->pid);  /* also here: no race with an early kill */
	int e = 0;
	ssize_t k;
	while ((k = read(fail[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(fail[0]);
	return k == (ssize_t)sizeof e ? e : 0;
}

/* ---- ingestion ------------------------------------------------------------ */

/* Notes a failed store write without stopping the program. */
static void store_failed(struct sg_track *t, const struct sg_error *e)
{
	snprintf(t->r->store_error, sizeof t->r->store_error, "%s", e->msg);
}

static void add_point(struct sg_track *t, const char *key, long long step, double ts,
		      double value)
{
	struct sg_error e = { 0 };
	long long used;
	if (sg_ingest_metric(t->w, key, step, ts, value, &used, &e) != 0)
		store_failed(t, &e);
	const struct sg_track_hooks *h = t->o->hooks;
	if (h && h->on_point)
		h->on_point(h->ud, key, used, value);
}

static void on_record(const struct sg_mrec *rec, void *ud)
{
	struct sg_track *t = ud;
	if (rec->kind == SG_MREC_METRIC) {
		add_point(t, rec->key, rec->has_step ? rec->step : -1, rec->ts, rec->value);
		return;
	}
	struct sg_error e = { 0 };
	if (sg_ingest_record(t->w, rec, &e) != 0)
		store_failed(t, &e);
}

/* Copies up to 120 bytes of a bad line as printable text. */
static void excerpt(const char *line, size_t len, char *out, size_t outsz)
{
	size_t j = 0;
	for (size_t i = 0; i < len && i < 120 && j + 5 < outsz; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c == 0x7f)
			j += (size_t)snprintf(out + j, outsz - j, "\\x%02x", c);
		else
			out[j++] = (char)c;
	}
	out[j] = '\0';
	if (len > 120 && j + 4 < outsz)
		strcat(out, "...");
}

/* Counts, keeps and logs one malformed protocol line. */
static void bad_line(struct sg_track *t, long long lineno, const struct sg_mline_error *me,
		     const char *line, size_t len)
{
	struct sg_track_result *r = t->r;
	r->bad_lines++;
	char head[200], text[512];
	snprintf(head, sizeof head, "line %lld: col %d: %s", lineno, me->col, me->msg);
	if (r->nerrors < SG_TRACK_KEEP_ERRORS)
		snprintf(r->errors[r->nerrors++], sizeof r->errors[0], "%s", head);
	if (t->errlog_lines > SG_TRACK_MAX_ERROR_LINES)
		return;
	if (t->errlog < 0)
		t->errlog = open_log(t->o->run_dir, "metrics.errors.log", NULL);
	if (t->errlog < 0)
		return;
	if (++t->errlog_lines > SG_TRACK_MAX_ERROR_LINES) {
		static const char full[] = "[sagetty] too many malformed lines: no more are logged\n";
		write_all(t->errlog, full, sizeof full - 1);
		return;
	}
	excerpt(line, len, text, sizeof text);
	char *msg = sg_xasprintf("%s: %s\n", head, text);
	write_all(t->errlog, msg, strlen(msg));
	free(msg);
}

static void on_metrics_line(const char *line, size_t len, long long lineno, int too_long,
			    void *ud)
{
	struct sg_track *t = ud;
	struct sg_mline_error me;
	t->r->protocol_lines++;
	if (too_long) {
		me.col = SG_MLINE_MAX + 1;
		snprintf(me.msg, sizeof me.msg, "line longer than %d bytes", SG_MLINE_MAX);
		bad_line(t, lineno, &me, line, len);
		return;
	}
	if (sg_metricline_parse(line, len, on_record, t, &me) < 0)
		bad_line(t, lineno, &me, line, len);
}

static void on_def_match(const char *name, double value, void *ud)
{
	struct sg_track *t = ud;
	t->r->regex_points++;
	add_point(t, name, -1, 0, value);
}

/* One line of the program's stdout (stream 1) or stderr (2). */
static void on_output_line(struct sg_track *t, int stream, const char *line, size_t len)
{
	const struct sg_track_hooks *h = t->o->hooks;
	if (h && h->on_line)
		h->on_line(h->ud, stream, line, len);
	if (t->o->defs)
		sg_metricdefs_apply(t->o->defs, line, len, on_def_match, t, &t->r->regex_bad);
}

static void on_stdout_line(const char *line, size_t len, long long lineno, int too_long,
			   void *ud)
{
	on_output_line(ud, 1, line, len);
}

static void on_stderr_line(const char *line, size_t len, long long lineno, int too_long,
			   void *ud)
{
	on_output_line(ud, 2, line, len);
}

static const sg_line_fn line_fns[P_N] = { on_stdout_line, on_stderr_line, on_metrics_line };

/* ---- the logs -------------------------------------------------------------- */

static const char *const log_names[2] = { "stdout.log", "stderr.log" };

/* Opens log i for appending and learns its size. */
static int log_open(struct sg_track *t, int i, struct sg_error *err)
{
	t->log[i] = open_log(t->o->log_dir ? t->o->log_dir : t->o->run_dir, log_names[i], err);
	struct stat st;
	t->log_size[i] = t->log[i] >= 0 && fstat(t->log[i], &st) == 0 ? (long long)st.st_size : 0;
	return t->log[i] < 0 ? -1 : 0;
}

/* NAME.k in the log folder (k 0: NAME itself). */
static char *log_path(const struct sg_track *t, int i, int k)
{
	char *name = k ? sg_xasprintf("%s.%d", log_names[i], k) : sg_xstrdup(log_names[i]);
	char *path = sg_path_join(t->o->log_dir ? t->o->log_dir : t->o->run_dir, name);
	free(name);
	return path;
}

/* Shifts NAME.k to NAME.k+1 (the oldest kept is overwritten), NAME to
 * NAME.1, and starts a new NAME. */
static void log_rotate(struct sg_track *t, int i)
{
	int keep = t->o->log_keep > 0 ? t->o->log_keep : 2;
	close(t->log[i]);
	for (int k = keep; k >= 1; k--) {
		char *from = log_path(t, i, k - 1), *to = log_path(t, i, k);
		rename(from, to);   /* a missing older file is fine */
		free(from);
		free(to);
	}
	log_open(t, i, NULL);
}

/* Ends both logs with the truncation marker. */
static void log_truncate(struct sg_track *t)
{
	char *msg = sg_xasprintf("\n[sagetty] log truncated: this job's output reached the cap of "
				 "%lld bytes (set log-cap-mb); the rest is not logged\n",
				 t->o->log_cap_bytes);
	for (int i = 0; i < 2; i++)
		if (t->log[i] >= 0)
			write_all(t->log[i], msg, strlen(msg));
	free(msg);
	t->r->log_truncated = 1;
}

/* Appends n bytes of the program's stream i to its log, within the limits. */
static void log_write(struct sg_track *t, int i, const char *buf, size_t n)
{
	const struct sg_track_opts *o = t->o;
	if (t->log[i] < 0 || t->r->log_truncated)
		return;
	if (o->log_cap_bytes > 0 && t->r->log_bytes + (long long)n > o->log_cap_bytes) {
		n = (size_t)(o->log_cap_bytes - t->r->log_bytes);
		write_all(t->log[i], buf, n);
		t->r->log_bytes += (long long)n;
		log_truncate(t);
		return;
	}
	if (o->log_rotate_bytes > 0 && t->log_size[i] > 0 &&
	    t->log_size[i] + (long long)n > o->log_rotate_bytes)
		log_rotate(t, i);
	if (t->log[i] >= 0 && write_all(t->log[i], buf, n) == 0) {
		t->log_size[i] += (long long)n;
		t->r->log_bytes += (long long)n;
	}
}

/* ---- the loop ------------------------------------------------------------- */

/* Reads what pipe i has; at EOF closes it and flushes its last line.
 * Returns the bytes read. */
static size_t serve_pipe(struct sg_track *t, int i)
{
	char buf[65536];
	ssize_t n = read(t->fd[i], buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(t->fd[i]);
		t->fd[i] = -1;
		sg_linebuf_finish(&t->lines[i], line_fns[i], t);
		return 0;
	}
	if (i != P_MET) {
		log_write(t, i, buf, (size_t)n);
		if (t->echo[i] && write_all(i == P_OUT ? 1 : 2, buf, (size_t)n) != 0)
			t->echo[i] = 0;   /* our stdout went away (a closed pager) */
	}
	sg_linebuf_feed(&t->lines[i], buf, (size_t)n, line_fns[i], t);
	return (size_t)n;
}

/* See opts.coalesce_ms. */
static void coalesce(struct sg_track *t, size_t got)
{
	if (t->o->coalesce_ms <= 0 || got == 0 || got >= 16384 || t->exited || t->stop_sig)
		return;
	struct timespec ts = { 0, (long)t->o->coalesce_ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* Signals the program (its group with own_group). */
static void signal_program(struct sg_track *t, int sig)
{
	if (t->exited)
		return;
	if (t->o->own_group && kill(-t->pid, sig) == 0)
		return;
	kill(t->pid, sig);
}

void sg_track_stop(struct sg_track *t, int sig)
{
	if (t->stop_sig) {
		signal_program(t, SIGKILL);
		t->killed_hard = 1;
		return;
	}
	t->stop_sig = sig;
	signal_program(t, sig);
	int grace = t->o->grace_ms > 0 ? t->o->grace_ms : DEFAULT_GRACE_MS;
	t->kill_at = sg_now() + grace / 1000.0;
}

int sg_track_stopping(const struct sg_track *t)
{
	return t->stop_sig != 0;
}

pid_t sg_track_pid(const struct sg_track *t)
{
	return t->pid;
}

int sg_track_metric(struct sg_track *t, const char *key, double value)
{
	struct sg_error e = { 0 };
	long long used;
	int rc = sg_ingest_metric(t->w, key, -1, 0, value, &used, &e);
	if (rc != 0)
		store_failed(t, &e);
	const struct sg_track_hooks *h = t->o->hooks;
	if (h && h->on_point)
		h->on_point(h->ud, key, used, value);
	return rc;
}

int sg_track_tag(struct sg_track *t, const char *key, const char *value)
{
	struct sg_error e = { 0 };
	if (sg_ingest_tag(t->w, key, value, &e) != 0) {
		store_failed(t, &e);
		return -1;
	}
	return 0;
}

/* Handles what came through the signal pipe. */
static void serve_signals(struct sg_track *t, int fd)
{
	unsigned char b[16];
	ssize_t n = read(fd, b, sizeof b);
	for (ssize_t i = 0; i < n; i++) {
		int sig = b[i] & 0x7f;
		int from_tty = (b[i] & 0x80) && !t->o->own_group;
		if (from_tty && !t->stop_sig) {
			/* The terminal sent it to the program too: just note it. */
			t->stop_sig = sig;
			int grace = t->o->grace_ms > 0 ? t->o->grace_ms : DEFAULT_GRACE_MS;
			t->kill_at = sg_now() + grace / 1000.0;
		} else {
			sg_track_stop(t, sig);
		}
	}
}

/* Reaps the program if it has exited. */
static void check_exit(struct sg_track *t)
{
	int st;
	if (t->exited || waitpid(t->pid, &st, WNOHANG) != t->pid)
		return;
	t->exited = 1;
	t->exit_time = sg_now();
	if (WIFEXITED(st)) {
		t->r->exit_code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		t->r->exit_code = -1;
		t->r->signal = WTERMSIG(st);
	}
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int ms_until(double when)
{
	double ms = (when - sg_now()) * 1000;
	return ms <= 0 ? 0 : (int)ms + 1;
}

/* The poll() timeout: the next batch, tick, kill or drain deadline. */
static int next_timeout(struct sg_track *t)
{
	int to = sg_ingest_due_ms(t->w);
	const struct sg_track_hooks *h = t->o->hooks;
	if (h && h->on_tick && h->tick_ms > 0 && !t->exited)
		to = min_timeout(to, ms_until(t->next_tick));
	if (t->kill_at > 0 && !t->exited)
		to = min_timeout(to, ms_until(t->kill_at));
	if (t->exited)
		to = min_timeout(to, ms_until(t->exit_time + DRAIN_MS / 1000.0));
	else if (t->pidfd < 0)
		to = min_timeout(to, 50);   /* no pidfd: look for the exit now and then */
	return to;
}

/* Timers: batches, the supervisor's tick, the SIGKILL deadline. */
static void run_timers(struct sg_track *t)
{
	struct sg_error e = { 0 };
	if (sg_ingest_tick(t->w, &e) != 0)
		store_failed(t, &e);
	double now = sg_now();
	const struct sg_track_hooks *h = t->o->hooks;
	if (h && h->on_tick && h->tick_ms > 0 && !t->exited && now >= t->next_tick) {
		t->next_tick = now + h->tick_ms / 1000.0;
		h->on_tick(h->ud, t);
	}
	if (t->kill_at > 0 && now >= t->kill_at && !t->exited && !t->killed_hard) {
		signal_program(t, SIGKILL);
		t->killed_hard = 1;
	}
}

static int pipes_open(const struct sg_track *t)
{
	return t->fd[P_OUT] >= 0 || t->fd[P_ERR] >= 0 || t->fd[P_MET] >= 0;
}

/* Serves pipes, signals and timers until the program is gone and drained. */
static void loop(struct sg_track *t, int sigfd)
{
	for (;;) {
		check_exit(t);
		if (t->exited && (!pipes_open(t) || sg_now() >= t->exit_time + DRAIN_MS / 1000.0))
			break;
		struct pollfd pf[P_N + 2];
		int map[P_N + 2], n = 0;
		for (int i = 0; i < P_N; i++)
			if (t->fd[i] >= 0)
				pf[n] = (struct pollfd){ t->fd[i], POLLIN, 0 }, map[n++] = i;
		if (sigfd >= 0)
			pf[n] = (struct pollfd){ sigfd, POLLIN, 0 }, map[n++] = P_N;
		if (t->pidfd >= 0 && !t->exited)
			pf[n] = (struct pollfd){ t->pidfd, POLLIN, 0 }, map[n++] = P_N + 1;
		int rc = poll(pf, (nfds_t)n, next_timeout(t));
		size_t got = 0;
		for (int k = 0; rc > 0 && k < n; k++) {
			if (!pf[k].revents)
				continue;
			if (map[k] < P_N)
				got += serve_pipe(t, map[k]);
			else if (map[k] == P_N)
				serve_signals(t, sigfd);
		}
		run_timers(t);
		coalesce(t, got);
	}
}

/* ---- the run's record ------------------------------------------------------ */

static void final_tags(struct sg_track *t)
{
	struct sg_track_result *r = t->r;
	struct sg_error e = { 0 };
	char v[32];
	int rc;
	if (r->signal) {
		const char *abbrev = sigabbrev_np(r->signal);
		if (abbrev)
			snprintf(v, sizeof v, "SIG%s", abbrev);
		else
			snprintf(v, sizeof v, "%d", r->signal);
		rc = sg_ingest_tag(t->w, "sagetty.signal", v, &e);
	} else {
		snprintf(v, sizeof v, "%d", r->exit_code);
		rc = sg_ingest_tag(t->w, "sagetty.exit_code", v, &e);
	}
	if (rc != 0)
		store_failed(t, &e);
}

/* Flushes the writer and sets the final status. */
static void finish_run(struct sg_store *s, struct sg_track *t)
{
	struct sg_track_result *r = t->r;
	if (t->stop_sig)
		r->status = SG_RUN_KILLED;
	else
		r->status = r->exit_code == 0 && !r->signal ? SG_RUN_FINISHED : SG_RUN_FAILED;
	r->stopped = t->stop_sig != 0;
	final_tags(t);
	struct sg_error e = { 0 };
	if (sg_ingest_flush(t->w, &e) != 0)
		store_failed(t, &e);
	const struct sg_ingest_stats *st = sg_ingest_stats(t->w);
	r->points = st->points;
	r->params = st->params;
	r->tags = st->tags;
	if (sg_run_finish(s, t->o->run_id, r->status, &e) != 0)
		store_failed(t, &e);
}

int sg_track_exit_status(const struct sg_track_result *r)
{
	if (r->signal)
		return 128 + r->signal;
	return r->exit_code < 0 ? 1 : r->exit_code;
}

/* Sets up t; -1 with err when the logs cannot be opened. */
static int track_init(struct sg_track *t, struct sg_store *s, const struct sg_track_opts *o,
		      struct sg_track_result *r, struct sg_error *err)
{
	memset(r, 0, sizeof *r);
	memset(t, 0, sizeof *t);
	t->o = o;
	t->r = r;
	t->pidfd = -1;
	t->errlog = -1;
	t->log[0] = t->log[1] = -1;
	for (int i = 0; i < P_N; i++) {
		t->fd[i] = -1;
		sg_linebuf_init(&t->lines[i]);
	}
	t->echo[0] = t->echo[1] = o->echo;
	t->w = sg_ingest_new(s, o->run_id, o->ingest, err);
	if (!t->w)
		return -1;
	if (log_open(t, 0, err) != 0 || log_open(t, 1, err) != 0)
		return -1;
	return 0;
}

static void track_done(struct sg_track *t)
{
	for (int i = 0; i < P_N; i++) {
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		sg_linebuf_done(&t->lines[i]);
	}
	for (int i = 0; i < 2; i++)
		if (t->log[i] >= 0)
			close(t->log[i]);
	if (t->errlog >= 0)
		close(t->errlog);
	if (t->pidfd >= 0)
		close(t->pidfd);
	sg_ingest_close(t->w, NULL);
}

/* The program could not start: record it and say why. */
static int start_failed(struct sg_store *s, struct sg_track *t, int e, struct sg_error *err)
{
	int st;
	waitpid(t->pid, &st, 0);
	t->r->exit_code = 127;
	t->r->status = SG_RUN_FAILED;
	char msg[300];
	snprintf(msg, sizeof msg, "cannot run %s: %s", t->o->argv[0], strerror(e));
	struct sg_error ignored = { 0 };
	sg_ingest_tag(t->w, "sagetty.error", msg, &ignored);
	sg_ingest_tag(t->w, "sagetty.exit_code", "127", &ignored);
	sg_ingest_flush(t->w, &ignored);
	sg_run_finish(s, t->o->run_id, SG_RUN_FAILED, &ignored);
	return sg_error_set(err, SG_E_NOTFOUND, "%s", msg);
}

int sg_track_run(struct sg_store *s, const struct sg_track_opts *o, struct sg_track_result *r,
		 struct sg_error *err)
{
	struct sg_track t;
	if (!o->argv || !o->argv[0])
		return sg_error_set(err, SG_E_USAGE, "no program to run");
	if (track_init(&t, s, o, r, err) != 0) {
		track_done(&t);
		return -1;
	}
	struct saved_signals ss = { 0 };
	if (signals_install(&ss, o->handle_signals, err) != 0) {
		signals_restore(&ss);
		track_done(&t);
		return -1;
	}
	t.start_time = sg_now();
	t.next_tick = t.start_time;
	int e = spawn(&t, err);
	int rc = 0;
	if (e < 0) {
		rc = -1;
	} else if (e > 0) {
		rc = start_failed(s, &t, e, err);
	} else {
		t.pidfd = (int)syscall(SYS_pidfd_open, t.pid, 0);
		loop(&t, ss.pipe[0]);
		r->seconds = t.exit_time - t.start_time;
		finish_run(s, &t);
	}
	signals_restore(&ss);
	track_done(&t);
	return rc;
}
