/* kernel.c — the Jupyter kernel client: launch, sockets, requests, events.
 * Wire encoding lives in kernel_wire.c. */
#include "sgconfig.h"
#include "core/kernel.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/ansi.h"
#include "core/util.h"
#include "core/zmq_load.h"

extern char **environ;

enum { CH_SHELL, CH_CONTROL, CH_IOPUB, CH_STDIN, CH_HB, CH_N };
static const char *const port_keys[CH_N] = { "shell_port", "control_port", "iopub_port",
					     "stdin_port", "hb_port" };

struct sg_kernel {
	void *zctx;
	void *sock[CH_N];
	char key[129];
	size_t keylen;
	char id[SG_KERNEL_ID_LEN + 1];
	char session[40];
	char conn_file[1024], log_path[1024];
	char endpoint[CH_N][1100];
	pid_t pid, keeper;
	char info_path[1024];      /* keeper's entry file, "" if none */
	int owned, detached, keep_files;
	char **argv, **envp;       /* launch recipe kept for restarts */
	char *workdir;
	enum sg_interrupt_mode imode;
	json_t *info;
	json_t *input_header;      /* header of the pending input_request */
	struct sg_kmsg cur;        /* message behind the current event */
	char *cur_text;
	int dead, died_reported;
	int crashed;               /* died or failed to start: keep its log */
	double hb_sent, hb_ok;      /* pending ping's time (0: none), last pong */
	double hb_every, hb_timeout;
	char died_msg[256];
	long bad_messages;
};

/* ---- small helpers ------------------------------------------------------------------ */

static void hex_random(char *out, size_t nbytes)
{
	unsigned char b[64];
	sg_random_bytes(b, nbytes);
	for (size_t i = 0; i < nbytes; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void new_uuid(char out[37])
{
	unsigned char b[16];
	sg_random_bytes(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static void iso_now(char *buf, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%06ldZ", base, ts.tv_nsec / 1000);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

const char *sg_kernel_id(const struct sg_kernel *k) { return k->id; }
const char *sg_kernel_connection_file(const struct sg_kernel *k) { return k->conn_file; }
const char *sg_kernel_log_path(const struct sg_kernel *k) { return k->log_path; }
pid_t sg_kernel_pid(const struct sg_kernel *k) { return k->pid; }
json_t *sg_kernel_info(const struct sg_kernel *k) { return k->info; }
void sg_kernel_set_interrupt_mode(struct sg_kernel *k, enum sg_interrupt_mode m) { k->imode = m; }
void sg_kernel_set_keeper(struct sg_kernel *k, pid_t keeper) { k->keeper = keeper; }
void sg_kernel_detach(struct sg_kernel *k) { k->detached = 1; }
long sg_kernel_bad_messages(const struct sg_kernel *k) { return k->bad_messages; }

void sg_kernel_set_registry(struct sg_kernel *k, pid_t keeper, const char *info_path)
{
	k->keeper = keeper;
	snprintf(k->info_path, sizeof k->info_path, "%s", info_path ? info_path : "");
}

/* ---- runtime folder ------------------------------------------------------------------ */

/* A folder we own, not a symlink, without group/other access. */
static int check_private_dir(const char *dir, struct sg_error *err)
{
	struct stat st;
	if (lstat(dir, &st) < 0)
		return sg_error_errno(err, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		return sg_error_set(err, SG_E_IO, "%s: not a folder (refusing a symlink or file)",
				    dir);
	if (st.st_uid != geteuid())
		return sg_error_set(err, SG_E_IO, "%s: owned by another user", dir);
	if ((st.st_mode & 077) && chmod(dir, 0700) < 0)
		return sg_error_errno(err, "%s: cannot make it private", dir);
	return 0;
}

int sg_kernel_runtime_dir(char *buf, size_t n, struct sg_error *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	/* Socket paths must fit sun_path (108 bytes): "/sagetty/kernel-ID-N"
	 * adds 36. */
	if (xdg && *xdg == '/' && strlen(xdg) + 36 < 108 && stat(xdg, &st) == 0 &&
	    S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && access(xdg, W_OK | X_OK) == 0) {
		snprintf(buf, n, "%s/sagetty", xdg);
	} else {
		snprintf(buf, n, "/tmp/sagetty-%ld", (long)geteuid());
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return sg_error_errno(err, "%s", buf);
	return check_private_dir(buf, err);
}

/* ---- sending ---------------------------------------------------------------------------- */

static int send_frames(void *sock, const struct sg_kframe *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sg_zmq.zmq_send(sock, f[i].data, f[i].len, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
			return -1;
	return 0;
}

/* Sends msg_type with content (stolen) on channel ch; parent may be NULL.
 * Writes the new msg_id into id_out when given. */
static int send_msg(struct sg_kernel *k, int ch, const char *msg_type, json_t *content,
		    json_t *parent, char *id_out, struct sg_error *err)
{
	char msg_id[37], date[48];
	new_uuid(msg_id);
	iso_now(date, sizeof date);
	json_t *header = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "msg_id", msg_id, "session",
				   k->session, "username", sg_username(), "date", date, "msg_type",
				   msg_type, "version", "5.3");
	char *parts[4] = {
		json_dumps(header, JSON_COMPACT),
		parent ? json_dumps(parent, JSON_COMPACT) : sg_xstrdup("{}"),
		sg_xstrdup("{}"),
		json_dumps(content, JSON_COMPACT),
	};
	struct sg_kframe f[6] = { { "<IDS|MSG>", 9 } };
	for (int i = 0; i < 4; i++)
		f[2 + i] = (struct sg_kframe){ parts[i], strlen(parts[i]) };
	char sig[65] = "";
	if (k->keylen)
		sg_kmsg_sign((const unsigned char *)k->key, k->keylen, f + 2, sig);
	f[1] = (struct sg_kframe){ sig, strlen(sig) };
	int rc = send_frames(k->sock[ch], f, 6);
	for (int i = 0; i < 4; i++)
		free(parts[i]);
	json_decref(header);
	json_decref(content);
	if (rc < 0)
		return sg_error_set(err, SG_E_IO, "kernel %s: cannot send %s: %s", k->id, msg_type,
				    sg_zmq.zmq_strerror(sg_zmq.zmq_errno()));
	if (id_out)
		memcpy(id_out, msg_id, sizeof msg_id);
	return 0;
}

/* ---- receiving ------------------------------------------------------------------------- */

/* Reads one multipart message without blocking: 1 decoded into m, 0 none
 * waiting, 2 dropped (bad signature or malformed: counted). */
static int recv_msg(struct sg_kernel *k, int ch, struct sg_kmsg *m)
{
	zmq_msg_t parts[64];
	size_t n = 0;
	int more = 1, rc = 1;
	while (more) {
		zmq_msg_t tmp, *p = n < 64 ? &parts[n] : &tmp;
		sg_zmq.zmq_msg_init(p);
		if (sg_zmq.zmq_msg_recv(p, k->sock[ch], n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			sg_zmq.zmq_msg_close(p);
			if (n == 0)
				return 0;
			rc = 2;
			break;
		}
		more = sg_zmq.zmq_msg_more(p);
		if (n < 64)
			n++;
		else {
			sg_zmq.zmq_msg_close(p); /* buffers beyond 64 frames: ignored */
		}
	}
	struct sg_kframe f[64];
	for (size_t i = 0; i < n; i++)
		f[i] = (struct sg_kframe){ sg_zmq.zmq_msg_data(&parts[i]),
					   sg_zmq.zmq_msg_size(&parts[i]) };
	if (rc == 1 && sg_kmsg_decode((const unsigned char *)k->key, k->keylen, f, n, m, NULL) < 0)
		rc = 2;
	for (size_t i = 0; i < n; i++)
		sg_zmq.zmq_msg_close(&parts[i]);
	if (rc == 2)
		k->bad_messages++;
	return rc;
}

/* ---- connection --------------------------------------------------------------------------- */

static void *open_socket(struct sg_kernel *k, int ch, const char *identity)
{
	static const int types[CH_N] = { ZMQ_DEALER, ZMQ_DEALER, ZMQ_SUB, ZMQ_DEALER, ZMQ_REQ };
	void *s = sg_zmq.zmq_socket(k->zctx, types[ch]);
	int zero = 0, ivl = 20;
	sg_zmq.zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	sg_zmq.zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
	if (identity)
		sg_zmq.zmq_setsockopt(s, ZMQ_ROUTING_ID, identity, strlen(identity));
	if (ch == CH_IOPUB)
		sg_zmq.zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	sg_zmq.zmq_connect(s, k->endpoint[ch]);
	return s;
}

static void connect_all(struct sg_kernel *k)
{
	/* stdin must share shell's identity: the kernel routes input_request
	 * to the stdin peer that has the shell requester's identity. */
	char ident[40];
	new_uuid(ident);
	k->zctx = sg_zmq.zmq_ctx_new();
	for (int ch = 0; ch < CH_N; ch++)
		k->sock[ch] = open_socket(k, ch, ch == CH_SHELL || ch == CH_STDIN ? ident : NULL);
	k->hb_ok = sg_now();
}

static void reopen_hb(struct sg_kernel *k)
{
	sg_zmq.zmq_close(k->sock[CH_HB]);
	k->sock[CH_HB] = open_socket(k, CH_HB, NULL);
	k->hb_sent = 0;
	k->hb_ok = sg_now();
}

/* Reads transport, ip, ports and key from a connection file's JSON. */
static int load_connection(struct sg_kernel *k, const char *file, struct sg_error *err)
{
	size_t len;
	char *text = sg_read_file(file, 1 << 16, &len, err);
	if (!text)
		return -1;
	json_error_t je;
	json_t *c = json_loadb(text, len, 0, &je);
	free(text);
	if (!c)
		return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	int rc = -1;
	const char *transport = json_string_value(json_object_get(c, "transport"));
	const char *ip = json_string_value(json_object_get(c, "ip"));
	const char *key = json_string_value(json_object_get(c, "key"));
	const char *scheme = json_string_value(json_object_get(c, "signature_scheme"));
	if (!transport || !ip || (strcmp(transport, "ipc") && strcmp(transport, "tcp"))) {
		sg_error_set(err, SG_E_PARSE, "%s:1:1: needs \"transport\" (ipc or tcp) and \"ip\"",
			     file);
		goto out;
	}
	if (scheme && *scheme && strcmp(scheme, "hmac-sha256") != 0) {
		sg_error_set(err, SG_E_PARSE, "%s:1:1: signature scheme '%s' is not supported", file,
			     scheme);
		goto out;
	}
	for (int ch = 0; ch < CH_N; ch++) {
		json_t *p = json_object_get(c, port_keys[ch]);
		if (!json_is_integer(p) || json_integer_value(p) <= 0 ||
		    json_integer_value(p) > 65535) {
			sg_error_set(err, SG_E_PARSE, "%s:1:1: \"%s\" must be a port number", file,
				     port_keys[ch]);
			goto out;
		}
		snprintf(k->endpoint[ch], sizeof k->endpoint[ch],
			 strcmp(transport, "ipc") == 0 ? "ipc://%s-%lld" : "tcp://%s:%lld", ip,
			 (long long)json_integer_value(p));
	}
	snprintf(k->key, sizeof k->key, "%s", key ? key : "");
	k->keylen = strlen(k->key);
	snprintf(k->conn_file, sizeof k->conn_file, "%s", file);
	rc = 0;
out:
	json_decref(c);
	return rc;
}

static int write_connection(struct sg_kernel *k, const char *rtdir, const char *kernel_name,
			    struct sg_error *err)
{
	char *ip = sg_xasprintf("%s/kernel-%s", rtdir, k->id);
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s}", "transport", "ipc", "ip", ip, "key",
			      k->key, "signature_scheme", "hmac-sha256", "kernel_name", kernel_name);
	for (int ch = 0; ch < CH_N; ch++) {
		json_object_set_new(c, port_keys[ch], json_integer(ch + 1));
		snprintf(k->endpoint[ch], sizeof k->endpoint[ch], "ipc://%s-%d", ip, ch + 1);
	}
	char *text = json_dumps(c, JSON_INDENT(1));
	int rc = sg_write_atomic(k->conn_file, text, strlen(text), 0600, err);
	free(text);
	json_decref(c);
	free(ip);
	return rc;
}

/* ---- launching -------------------------------------------------------------------------- */

static char **build_env(const struct sg_kernelspec *ks)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **v = sg_xcalloc(n + ks->nenv + 2, sizeof *v);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int overridden = strncmp(environ[i], "JPY_PARENT_PID=", 15) == 0;
		for (size_t j = 0; j < ks->nenv && !overridden; j++) {
			size_t kl = strcspn(ks->env[j], "=");
			overridden = strncmp(environ[i], ks->env[j], kl + 1) == 0;
		}
		if (!overridden)
			v[o++] = sg_xstrdup(environ[i]);
	}
	for (size_t j = 0; j < ks->nenv; j++)
		v[o++] = sg_xstrdup(ks->env[j]);
	/* The kernel exits when this pid goes away (ipykernel's parent poller). */
	v[o++] = sg_xasprintf("JPY_PARENT_PID=%ld", (long)getpid());
	return v;
}

static int spawn(struct sg_kernel *k, struct sg_error *err)
{
	int fd = open(k->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return sg_error_errno(err, "%s", k->log_path);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd);
		close(nullfd);
		return sg_error_errno(err, "cannot start the kernel");
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls. */
		setsid();
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		dup2(nullfd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (k->workdir && chdir(k->workdir) < 0)
			_exit(126);
		execve(k->argv[0], k->argv, k->envp);
		static const char msg[] = "sagetty: cannot execute the kernel program\n";
		if (write(2, msg, sizeof msg - 1) < 0)
			_exit(127);
		_exit(127);
	}
	close(fd);
	close(nullfd);
	k->pid = pid;
	k->dead = k->died_reported = 0;
	return 0;
}

/* 1 when our child has exited (reaped; why written to died_msg). */
static int child_exited(struct sg_kernel *k)
{
	if (!k->owned || k->pid <= 0)
		return k->pid > 0 && kill(k->pid, 0) < 0 && errno == ESRCH;
	int status;
	pid_t r = waitpid(k->pid, &status, WNOHANG);
	if (r != k->pid)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(k->died_msg, sizeof k->died_msg, "the kernel was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(k->died_msg, sizeof k->died_msg, "the kernel exited with status %d",
			 WEXITSTATUS(status));
	k->pid = 0;
	return 1;
}

static void mark_dead(struct sg_kernel *k, const char *why)
{
	if (k->dead)
		return;
	k->dead = 1;
	k->crashed = 1;
	if (why)
		snprintf(k->died_msg, sizeof k->died_msg, "%s", why);
}

/* The last lines of the kernel's log, for error messages. */
static void log_tail(const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	size_t len;
	char *text = sg_read_file(path, 1 << 24, &len, NULL);
	if (!text)
		return;
	const char *p = len > 400 ? text + len - 400 : text;
	snprintf(buf, n, "%s", p);
	free(text);
	sg_ansi_strip(buf, strlen(buf));
}

/* Sends kernel_info until the reply arrives on shell and something arrives
 * on iopub (proof that our subscription is live, so no output is lost). */
static int handshake(struct sg_kernel *k, double timeout, struct sg_error *err)
{
	double deadline = sg_now() + (timeout > 0 ? timeout : 60);
	int got_reply = 0, got_iopub = 0;
	char req[40] = "";
	double resend = 0;
	while (!(got_reply && got_iopub)) {
		double now = sg_now();
		if (now > deadline)
			return sg_error_set(err, SG_E_IO, "kernel %s did not answer within %.0f s (log: %s)",
					    k->id, timeout > 0 ? timeout : 60, k->log_path);
		if (child_exited(k)) {
			char tail[512];
			log_tail(k->log_path, tail, sizeof tail);
			return sg_error_set(err, SG_E_IO, "%s before it was ready (log %s)%s%s",
					    k->died_msg, k->log_path, *tail ? ":\n" : "", tail);
		}
		if (now >= resend) {
			if (send_msg(k, CH_SHELL, "kernel_info_request", json_object(), NULL, req, err) < 0)
				return -1;
			/* Quick resends while the subscription may still be joining. */
			resend = now + (got_reply ? 0.02 : 1.0);
		}
		zmq_pollitem_t items[2] = { { k->sock[CH_SHELL], 0, ZMQ_POLLIN, 0 },
					    { k->sock[CH_IOPUB], 0, ZMQ_POLLIN, 0 } };
		sg_zmq.zmq_poll(items, 2, 20);
		struct sg_kmsg m;
		int r;
		while ((r = recv_msg(k, CH_SHELL, &m)) != 0) {
			if (r == 1 && strcmp(m.msg_type, "kernel_info_reply") == 0) {
				got_reply = 1;
				json_decref(k->info);
				k->info = json_incref(m.content);
			}
			if (r == 1)
				sg_kmsg_done(&m);
		}
		while ((r = recv_msg(k, CH_IOPUB, &m)) != 0) {
			if (r == 1) {
				got_iopub = 1;
				sg_kmsg_done(&m);
			}
		}
	}
	return 0;
}

void sg_kernel_set_heartbeat(struct sg_kernel *k, double every, double timeout)
{
	k->hb_every = every > 0 ? every : SG_KERNEL_HB_EVERY;
	k->hb_timeout = timeout > 0 ? timeout : SG_KERNEL_HB_TIMEOUT;
}

static struct sg_kernel *kernel_new(void)
{
	struct sg_kernel *k = sg_xcalloc(1, sizeof *k);
	sg_kernel_set_heartbeat(k, 0, 0);
	new_uuid(k->session);
	return k;
}

int sg_kernel_start(const struct sg_kernelspec *spec, const struct sg_kernel_opts *opts,
		    struct sg_kernel **out, struct sg_error *err)
{
	static const struct sg_kernel_opts none;
	if (!opts)
		opts = &none;
	*out = NULL;
	if (sg_zmq_load(err) != 0)
		return -1;
	char rtdir[900];
	if (sg_kernel_runtime_dir(rtdir, sizeof rtdir, err) < 0)
		return -1;
	struct sg_kernel *k = kernel_new();
	if (opts->id)
		snprintf(k->id, sizeof k->id, "%s", opts->id);
	else
		hex_random(k->id, SG_KERNEL_ID_LEN / 2);
	hex_random(k->key, 32);
	k->keylen = strlen(k->key);
	snprintf(k->conn_file, sizeof k->conn_file, "%s/kernel-%s.json", rtdir, k->id);
	if (opts->log_path)
		snprintf(k->log_path, sizeof k->log_path, "%s", opts->log_path);
	else
		snprintf(k->log_path, sizeof k->log_path, "%s/kernel-%s.log", rtdir, k->id);
	k->owned = 1;
	k->keep_files = opts->keep_files;
	k->imode = spec->interrupt_mode;
	k->workdir = opts->workdir ? sg_xstrdup(opts->workdir) : NULL;
	if (write_connection(k, rtdir, spec->name, err) < 0)
		goto fail;
	k->argv = sg_kernelspec_argv(spec, k->conn_file, err);
	if (!k->argv)
		goto fail;
	k->envp = build_env(spec);
	connect_all(k);
	if (spawn(k, err) < 0 || handshake(k, opts->start_timeout, err) < 0)
		goto fail;
	*out = k;
	return 0;
fail:
	k->keep_files = 0;
	k->crashed = 1; /* the message names its log */
	sg_kernel_free(k);
	return -1;
}

int sg_kernel_attach(const char *connection_file, pid_t pid, double timeout,
		     struct sg_kernel **out, struct sg_error *err)
{
	*out = NULL;
	if (sg_zmq_load(err) != 0)
		return -1;
	struct sg_kernel *k = kernel_new();
	if (load_connection(k, connection_file, err) < 0) {
		sg_kernel_free(k);
		return -1;
	}
	const char *base = strrchr(connection_file, '/');
	base = base ? base + 1 : connection_file;
	if (sscanf(base, "kernel-%16[0-9a-f]", k->id) != 1)
		snprintf(k->id, sizeof k->id, "%.16s", base);
	k->pid = pid;
	k->imode = pid > 0 ? SG_INTERRUPT_SIGNAL : SG_INTERRUPT_MESSAGE;
	connect_all(k);
	if (handshake(k, timeout > 0 ? timeout : 10, err) < 0) {
		sg_kernel_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

/* ---- teardown ------------------------------------------------------------------------------ */

/* Waits up to secs for our child (or a watched pid) to be gone. */
static int wait_gone(struct sg_kernel *k, double secs)
{
	double end = sg_now() + secs;
	while (k->pid > 0) {
		if (child_exited(k)) {
			k->pid = 0;
			return 1;
		}
		if (sg_now() > end)
			return 0;
		sleep_ms(5);
	}
	return 1;
}

static void kill_hard(struct sg_kernel *k)
{
	if (k->pid <= 0)
		return;
	kill(-k->pid, SIGTERM);
	kill(-k->pid, SIGCONT); /* a stopped kernel must see the SIGTERM */
	if (!wait_gone(k, 1.0)) {
		kill(-k->pid, SIGKILL);
		kill(k->pid, SIGKILL);
		wait_gone(k, 2.0);
	}
}

int sg_kernel_shutdown(struct sg_kernel *k, double grace, struct sg_error *err)
{
	if (!k->dead)
		send_msg(k, CH_CONTROL, "shutdown_request",
			 json_pack("{s:b}", "restart", 0), NULL, NULL, err);
	if (k->owned) {
		if (!wait_gone(k, grace > 0 ? grace : 5))
			kill_hard(k);
	} else if (k->pid > 0) {
		wait_gone(k, grace > 0 ? grace : 5);
	}
	int crashed = k->crashed;
	mark_dead(k, "the kernel was shut down");
	k->crashed = crashed; /* asked to go: not a crash */
	k->died_reported = 1;
	return 0;
}

static void remove_files(struct sg_kernel *k)
{
	unlink(k->conn_file);
	for (int ch = 0; ch < CH_N; ch++)
		if (strncmp(k->endpoint[ch], "ipc://", 6) == 0)
			unlink(k->endpoint[ch] + 6);
	/* A kernel that died keeps its log: it may say why. */
	struct stat st;
	if (!k->crashed || (stat(k->log_path, &st) == 0 && st.st_size == 0))
		unlink(k->log_path);
}

void sg_kernel_free(struct sg_kernel *k)
{
	if (!k)
		return;
	if (k->owned && !k->detached) {
		if (k->pid > 0 && k->zctx)
			sg_kernel_shutdown(k, 2.0, NULL);
		else
			kill_hard(k);
		if (!k->keep_files)
			remove_files(k);
	}
	for (int ch = 0; ch < CH_N; ch++)
		if (k->sock[ch])
			sg_zmq.zmq_close(k->sock[ch]);
	if (k->zctx)
		sg_zmq.zmq_ctx_term(k->zctx);
	sg_kmsg_done(&k->cur);
	free(k->cur_text);
	json_decref(k->info);
	json_decref(k->input_header);
	sg_strv_free(k->argv);
	sg_strv_free(k->envp);
	free(k->workdir);
	free(k);
}

/* ---- requests ------------------------------------------------------------------------------- */

int sg_kernel_execute_opts(struct sg_kernel *k, const char *code, const struct sg_exec_opts *o,
			   char *msg_id, struct sg_error *err)
{
	if (k->dead)
		return sg_error_set(err, SG_E_IO, "kernel %s is not running: %s", k->id, k->died_msg);
	json_t *c = json_pack("{s:s, s:b, s:b, s:{}, s:b, s:b}", "code", code, "silent", o->silent,
			      "store_history", !o->no_history && !o->silent, "user_expressions",
			      "allow_stdin", o->allow_stdin, "stop_on_error", o->stop_on_error);
	if (!c)
		return sg_error_set(err, SG_E_USAGE, "the cell's code is not valid UTF-8");
	char id[40];
	if (send_msg(k, CH_SHELL, "execute_request", c, NULL, id, err) < 0)
		return -1;
	if (msg_id)
		snprintf(msg_id, 64, "%s", id);
	return 0;
}

int sg_kernel_execute(struct sg_kernel *k, const char *code, int allow_stdin, char *msg_id,
		      struct sg_error *err)
{
	struct sg_exec_opts o = { .allow_stdin = allow_stdin, .stop_on_error = 1 };
	return sg_kernel_execute_opts(k, code, &o, msg_id, err);
}

int sg_kernel_input_reply(struct sg_kernel *k, const char *value, struct sg_error *err)
{
	if (!k->input_header)
		return sg_error_set(err, SG_E_USAGE, "the kernel is not waiting for input");
	json_t *c = json_pack("{s:s}", "value", value ? value : "");
	if (!c)
		c = json_pack("{s:s}", "value", "");
	json_t *parent = k->input_header;
	k->input_header = NULL;
	int rc = send_msg(k, CH_STDIN, "input_reply", c, parent, NULL, err);
	json_decref(parent);
	return rc;
}

int sg_kernel_interrupt(struct sg_kernel *k, struct sg_error *err)
{
	if (k->imode == SG_INTERRUPT_SIGNAL && k->pid > 0) {
		/* The kernel leads its own session: its group holds any
		 * subprocess it started too. */
		if (kill(-k->pid, SIGINT) == 0 || kill(k->pid, SIGINT) == 0)
			return 0;
		return sg_error_errno(err, "cannot interrupt kernel %s", k->id);
	}
	return send_msg(k, CH_CONTROL, "interrupt_request", json_object(), NULL, NULL, err);
}

/* The kernel pid the keeper writes into its entry once the new kernel is
 * up (not old); 0 when it does not show within a few seconds. */
static pid_t keeper_pid(struct sg_kernel *k, pid_t old)
{
	for (double end = sg_now() + 5; *k->info_path && sg_now() < end; sleep_ms(10)) {
		json_t *e = json_load_file(k->info_path, 0, NULL);
		pid_t p = (pid_t)json_integer_value(json_object_get(e, "pid"));
		json_decref(e);
		if (p > 0 && p != old)
			return p;
	}
	return 0;
}

int sg_kernel_restart(struct sg_kernel *k, struct sg_error *err)
{
	json_decref(k->input_header);
	k->input_header = NULL;
	if (k->owned) {
		if (!k->dead)
			send_msg(k, CH_CONTROL, "shutdown_request", json_pack("{s:b}", "restart", 1),
				 NULL, NULL, NULL);
		/* Also when "dead" by heartbeat: a hung process must go first. */
		if (k->pid > 0 && !wait_gone(k, k->dead ? 0 : 3.0))
			kill_hard(k);
		if (spawn(k, err) < 0)
			return -1;
	} else if (k->keeper > 0) {
		if (kill(k->keeper, SIGHUP) < 0)
			return sg_error_errno(err, "kernel %s: its keeper is gone", k->id);
		/* Wait for the old process to go, so the handshake below cannot
		 * be answered by it. */
		pid_t old = k->pid;
		for (double end = sg_now() + 15; old > 0 && kill(old, 0) == 0 && sg_now() < end;)
			sleep_ms(10);
		k->pid = 0;
		k->dead = k->died_reported = 0;
		reopen_hb(k);
		if (handshake(k, 60, err) < 0)
			return -1;
		k->pid = keeper_pid(k, old);
		return 0;
	} else {
		send_msg(k, CH_CONTROL, "shutdown_request", json_pack("{s:b}", "restart", 1), NULL,
			 NULL, NULL);
	}
	k->dead = k->died_reported = 0;
	reopen_hb(k);
	return handshake(k, 60, err);
}

/* Takes a waiting pong: 1 when there was one. */
static int hb_pong(struct sg_kernel *k)
{
	char buf[16];
	if (sg_zmq.zmq_recv(k->sock[CH_HB], buf, sizeof buf, ZMQ_DONTWAIT) < 0)
		return 0;
	k->hb_sent = 0;
	k->hb_ok = sg_now();
	return 1;
}

/* The heartbeat without blocking, from sg_kernel_next_event: a ping every
 * SG_KERNEL_HB_EVERY seconds; no pong for SG_KERNEL_HB_TIMEOUT seconds
 * means the kernel is gone.  The kernel answers from its own thread, busy
 * or not, so only a hung or stopped process misses it; the timeout is
 * long so a loaded host is not mistaken for one. */
static void hb_tick(struct sg_kernel *k)
{
	double now = sg_now();
	if (k->hb_sent > 0 && !hb_pong(k) && now - k->hb_sent > k->hb_timeout) {
		reopen_hb(k);
		mark_dead(k, "the kernel stopped answering its heartbeat");
		return;
	}
	if (k->hb_sent == 0 && now - k->hb_ok >= k->hb_every) {
		if (sg_zmq.zmq_send(k->sock[CH_HB], "ping", 4, ZMQ_DONTWAIT) == 4)
			k->hb_sent = now;
		else
			reopen_hb(k);
	}
}

int sg_kernel_alive(struct sg_kernel *k, int timeout_ms)
{
	if (k->dead || child_exited(k)) {
		mark_dead(k, NULL);
		return 0;
	}
	/* A REQ socket takes one ping at a time: wait for the pending one. */
	if (k->hb_sent == 0) {
		if (sg_zmq.zmq_send(k->sock[CH_HB], "ping", 4, ZMQ_DONTWAIT) != 4) {
			reopen_hb(k);
			return 1; /* no verdict */
		}
		k->hb_sent = sg_now();
	}
	zmq_pollitem_t it = { k->sock[CH_HB], 0, ZMQ_POLLIN, 0 };
	if (sg_zmq.zmq_poll(&it, 1, timeout_ms) == 1 && hb_pong(k))
		return 1;
	/* A REQ socket without a reply cannot send again: start over. */
	reopen_hb(k);
	mark_dead(k, "the kernel stopped answering its heartbeat");
	return 0;
}

/* ---- events ---------------------------------------------------------------------------------- */

int sg_kernel_fd(struct sg_kernel *k)
{
	int fd = -1;
	size_t sz = sizeof fd;
	sg_zmq.zmq_getsockopt(k->sock[CH_IOPUB], ZMQ_FD, &fd, &sz);
	return fd;
}

int sg_kernel_fds(struct sg_kernel *k, int *fds, int max)
{
	static const int chans[] = { CH_IOPUB, CH_SHELL, CH_STDIN, CH_CONTROL };
	int n = 0;
	for (int i = 0; i < 4 && n < max; i++) {
		size_t sz = sizeof fds[n];
		if (sg_zmq.zmq_getsockopt(k->sock[chans[i]], ZMQ_FD, &fds[n], &sz) == 0)
			n++;
	}
	return n;
}

static const char *cstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void set_text(struct sg_kernel *k, struct sg_kernel_event *ev, char *text)
{
	free(k->cur_text);
	k->cur_text = text;
	ev->text = text;
	ev->text_len = strlen(text);
}

static char *join_traceback(json_t *tb)
{
	size_t len = 1, i;
	json_t *e;
	json_array_foreach(tb, i, e)
		len += json_string_length(e) + 1;
	char *s = sg_xmalloc(len), *p = s;
	json_array_foreach(tb, i, e) {
		if (!json_is_string(e))
			continue;
		memcpy(p, json_string_value(e), json_string_length(e));
		p += json_string_length(e);
		*p++ = '\n';
	}
	*p = '\0';
	return s;
}

/* Turns the message in k->cur into ev. */
static void fill_event(struct sg_kernel *k, int ch, struct sg_kernel_event *ev)
{
	struct sg_kmsg *m = &k->cur;
	json_t *c = m->content;
	memset(ev, 0, sizeof *ev);
	snprintf(ev->parent_id, sizeof ev->parent_id, "%s", m->parent_id);
	ev->content = c;
	ev->name = m->msg_type;
	ev->text = "";
	const char *t = m->msg_type;
	ev->execution_count = (int)json_integer_value(json_object_get(c, "execution_count"));
	if (ch == CH_STDIN && strcmp(t, "input_request") == 0) {
		ev->type = SG_KEV_INPUT;
		ev->password = json_is_true(json_object_get(c, "password"));
		set_text(k, ev, sg_xstrdup(cstr(c, "prompt")));
		json_decref(k->input_header);
		k->input_header = json_incref(m->header);
	} else if (ch == CH_SHELL && strcmp(t, "execute_reply") == 0) {
		ev->type = SG_KEV_REPLY;
		ev->name = cstr(c, "status");
		ev->ename = cstr(c, "ename");
		ev->evalue = cstr(c, "evalue");
	} else if (strcmp(t, "stream") == 0) {
		ev->type = SG_KEV_STREAM;
		ev->name = cstr(c, "name");
		set_text(k, ev, sg_xstrdup(cstr(c, "text")));
	} else if (strcmp(t, "display_data") == 0 || strcmp(t, "update_display_data") == 0 ||
		   strcmp(t, "execute_result") == 0) {
		ev->type = t[0] == 'e' ? SG_KEV_RESULT : SG_KEV_DISPLAY;
		ev->update = t[0] == 'u';
		ev->data = json_object_get(c, "data");
		ev->metadata = json_object_get(c, "metadata");
		ev->display_id = json_string_value(
			json_object_get(json_object_get(c, "transient"), "display_id"));
		set_text(k, ev, sg_kernel_mime_text(ev->data, NULL));
	} else if (strcmp(t, "error") == 0) {
		ev->type = SG_KEV_ERROR;
		ev->ename = cstr(c, "ename");
		ev->evalue = cstr(c, "evalue");
		set_text(k, ev, join_traceback(json_object_get(c, "traceback")));
	} else if (strcmp(t, "clear_output") == 0) {
		ev->type = SG_KEV_CLEAR;
		ev->execution_count = json_is_true(json_object_get(c, "wait"));
	} else if (strcmp(t, "status") == 0) {
		ev->type = SG_KEV_STATUS;
		ev->name = cstr(c, "execution_state");
	} else if (strcmp(t, "execute_input") == 0) {
		ev->type = SG_KEV_EXEC_INPUT;
		set_text(k, ev, sg_xstrdup(cstr(c, "code")));
	} else {
		ev->type = SG_KEV_OTHER;
	}
}

int sg_kernel_next_event(struct sg_kernel *k, struct sg_kernel_event *ev, struct sg_error *err)
{
	(void)err;
	sg_kmsg_done(&k->cur);
	/* stdin first (a prompt blocks the kernel), then iopub before shell so
	 * a cell's outputs come before its reply whenever both are waiting. */
	static const int order[] = { CH_STDIN, CH_IOPUB, CH_SHELL, CH_CONTROL };
	for (int i = 0; i < 4; i++) {
		int r;
		while ((r = recv_msg(k, order[i], &k->cur)) == 2)
			;
		if (r == 1) {
			fill_event(k, order[i], ev);
			return 1;
		}
	}
	if (!k->dead && child_exited(k))
		mark_dead(k, NULL);
	if (!k->dead)
		hb_tick(k);
	if (k->dead && !k->died_reported) {
		k->died_reported = 1;
		memset(ev, 0, sizeof *ev);
		ev->type = SG_KEV_DIED;
		ev->name = "died";
		set_text(k, ev, sg_xstrdup(k->died_msg[0] ? k->died_msg : "the kernel died"));
		return 1;
	}
	return 0;
}

int sg_kernel_wait_event(struct sg_kernel *k, struct sg_kernel_event *ev, int timeout_ms,
			 struct sg_error *err)
{
	double end = timeout_ms < 0 ? 0 : sg_now() + timeout_ms / 1000.0;
	for (;;) {
		int r = sg_kernel_next_event(k, ev, err);
		if (r != 0)
			return r;
		int wait = 200;
		if (timeout_ms >= 0) {
			double left = end - sg_now();
			if (left <= 0)
				return 0;
			if (left * 1000 < wait)
				wait = (int)(left * 1000) + 1;
		}
		zmq_pollitem_t items[3] = { { k->sock[CH_IOPUB], 0, ZMQ_POLLIN, 0 },
					    { k->sock[CH_SHELL], 0, ZMQ_POLLIN, 0 },
					    { k->sock[CH_STDIN], 0, ZMQ_POLLIN, 0 } };
		sg_zmq.zmq_poll(items, 3, wait);
	}
}

/* ---- run a cell --------------------------------------------------------------------------- */

int sg_kernel_run_cell(struct sg_kernel *k, const char *code, double timeout,
		       sg_kernel_event_fn cb, void *ud, struct sg_cell_result *res,
		       struct sg_error *err)
{
	struct sg_cell_result local;
	if (!res)
		res = &local;
	memset(res, 0, sizeof *res);
	res->started = sg_now();
	char id[64];
	struct sg_exec_opts eo = { .allow_stdin = 1 };
	if (sg_kernel_execute_opts(k, code, &eo, id, err) < 0)
		return -1;
	int got_reply = 0, got_idle = 0, interrupted = 0, resent = 0;
	double deadline = timeout > 0 ? res->started + timeout : 0;
	while (!(got_reply && got_idle)) {
		struct sg_kernel_event ev;
		int r = sg_kernel_wait_event(k, &ev, 500, err);
		if (r < 0)
			return -1;
		double now = sg_now();
		/* Checked on every turn: a cell printing without end must time
		 * out too. */
		if (deadline && now > deadline) {
			if (!interrupted) {
				sg_kernel_interrupt(k, NULL);
				interrupted = 1;
				res->timed_out = 1;
				deadline = now + 10;
			} else {
				res->finished = now;
				return sg_error_set(err, SG_E_IO,
						    "the cell timed out after %.0f s and did not stop "
						    "when interrupted", timeout);
			}
		}
		if (r == 0)
			continue; /* the heartbeat runs in sg_kernel_next_event */
		if (ev.type == SG_KEV_DIED) {
			res->died = 1;
			res->finished = now;
			snprintf(res->status, sizeof res->status, "error");
			if (cb)
				cb(k, &ev, ud);
			return sg_error_set(err, SG_E_IO, "kernel died: %s", ev.text);
		}
		if (strcmp(ev.parent_id, id) != 0)
			continue;
		if (ev.type == SG_KEV_INPUT) {
			if (cb)
				cb(k, &ev, ud);
			if (k->input_header)
				sg_kernel_input_reply(k, "", NULL);
			continue;
		}
		if (ev.type == SG_KEV_REPLY && strcmp(ev.name, "aborted") == 0 && resent < 5) {
			/* Sent while the kernel was still aborting after an earlier
			 * error (stop_on_error of another request): our cell never
			 * ran, so send it again. */
			sleep_ms(20 * ++resent);
			if (sg_kernel_execute_opts(k, code, &eo, id, err) < 0)
				return -1;
			continue;
		}
		if (ev.type == SG_KEV_REPLY) {
			got_reply = 1;
			snprintf(res->status, sizeof res->status, "%s", ev.name);
			res->execution_count = ev.execution_count;
		} else if (ev.type == SG_KEV_STATUS && strcmp(ev.name, "idle") == 0) {
			got_idle = 1;
		}
		if (cb)
			cb(k, &ev, ud);
	}
	res->finished = sg_now();
	if (res->timed_out)
		return sg_error_set(err, SG_E_IO, "the cell timed out after %.0f s (interrupted)",
				    timeout);
	return 0;
}
