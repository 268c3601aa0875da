/* kernels.c — the kernel keeper and its registry of entry files. */
#include "sgconfig.h"
#include "core/kernels.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/kernelspec.h"
#include "core/proc.h"
#include "core/util.h"

extern char **environ;

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static char *entry_path(const char *rtdir, const char *id)
{
	return sg_xasprintf("%s/kernel-%s.info", rtdir, id);
}

/* ---- entry files -------------------------------------------------------------------- */

int sg_kernel_entry_write(const char *path, const struct sg_kernel_entry *e,
			  struct sg_error *err)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:f, s:f, s:i, s:s, s:s}",
			      "id", e->id, "kernel", e->kernel, "notebook", e->notebook,
			      "workspace", e->workspace, "connection_file", e->connection_file,
			      "log", e->log_path, "pid", (json_int_t)e->pid, "keeper",
			      (json_int_t)e->keeper, "keeper_token", e->keeper_token, "started",
			      e->started, "last_activity", e->last_activity, "idle_timeout",
			      e->idle_timeout, "state", e->state, "error", e->error);
	if (!o)
		return sg_error_set(err, SG_E_USAGE, "%s: a field is not valid UTF-8", path);
	char *text = json_dumps(o, JSON_INDENT(1));
	int rc = sg_write_atomic(path, text, strlen(text), 0600, err);
	free(text);
	json_decref(o);
	return rc;
}

static void get_str(json_t *o, const char *k, char *dst, size_t n)
{
	const char *s = json_string_value(json_object_get(o, k));
	snprintf(dst, n, "%s", s ? s : "");
}

int sg_kernel_entry_read(const char *path, struct sg_kernel_entry *e, struct sg_error *err)
{
	memset(e, 0, sizeof *e);
	json_error_t je;
	json_t *o = json_load_file(path, 0, &je);
	if (!o)
		return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", path, je.line > 0 ? je.line : 1,
				    je.column > 0 ? je.column : 1, je.text);
	get_str(o, "id", e->id, sizeof e->id);
	get_str(o, "kernel", e->kernel, sizeof e->kernel);
	get_str(o, "notebook", e->notebook, sizeof e->notebook);
	get_str(o, "workspace", e->workspace, sizeof e->workspace);
	get_str(o, "connection_file", e->connection_file, sizeof e->connection_file);
	get_str(o, "log", e->log_path, sizeof e->log_path);
	get_str(o, "keeper_token", e->keeper_token, sizeof e->keeper_token);
	get_str(o, "state", e->state, sizeof e->state);
	get_str(o, "error", e->error, sizeof e->error);
	e->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	e->keeper = (pid_t)json_integer_value(json_object_get(o, "keeper"));
	e->started = json_number_value(json_object_get(o, "started"));
	e->last_activity = json_number_value(json_object_get(o, "last_activity"));
	e->idle_timeout = (int)json_integer_value(json_object_get(o, "idle_timeout"));
	json_decref(o);
	if (!e->id[0])
		return sg_error_set(err, SG_E_PARSE, "%s:1:1: no \"id\"", path);
	return 0;
}

/* ---- listing ------------------------------------------------------------------------------ */

static int keeper_alive(const struct sg_kernel_entry *e)
{
	char tok[64];
	if (e->keeper <= 0 || sg_proc_token(e->keeper, tok, sizeof tok) < 0)
		return 0;
	return !e->keeper_token[0] || strcmp(tok, e->keeper_token) == 0;
}

/* Removes what a dead keeper left behind. */
static void reap(const char *rtdir, const struct sg_kernel_entry *e)
{
	if (e->pid > 0 && kill(e->pid, 0) == 0 && sg_proc_pgid(e->pid) == e->pid)
		kill(-e->pid, SIGTERM); /* an orphaned kernel of ours */
	char *p = entry_path(rtdir, e->id);
	unlink(p);
	free(p);
	if (e->connection_file[0])
		unlink(e->connection_file);
	for (int port = 1; port <= 5; port++) {
		char *s = sg_xasprintf("%s/kernel-%s-%d", rtdir, e->id, port);
		unlink(s);
		free(s);
	}
}

#define LOG_KEEP_DAYS 7

/* The log of a kernel that died is kept for a week after its last line,
 * unless its kernel is still listed. */
static void forget_old_log(const char *rtdir, const char *name)
{
	char *path = sg_path_join(rtdir, name);
	char *info = sg_xasprintf("%s/%.*s.info", rtdir, (int)(strlen(name) - 4), name);
	struct stat st;
	if (access(info, F_OK) != 0 && stat(path, &st) == 0 &&
	    (double)st.st_mtime < sg_now() - LOG_KEEP_DAYS * 86400.0)
		unlink(path);
	free(info);
	free(path);
}

static int cmp_started(const void *a, const void *b)
{
	const struct sg_kernel_entry *x = a, *y = b;
	return (x->started > y->started) - (x->started < y->started);
}

int sg_kernels_list(struct sg_kernel_entry **out, size_t *n, struct sg_error *err)
{
	*out = NULL;
	*n = 0;
	char rtdir[900];
	if (sg_kernel_runtime_dir(rtdir, sizeof rtdir, err) < 0)
		return -1;
	DIR *d = opendir(rtdir);
	if (!d)
		return sg_error_errno(err, "%s", rtdir);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (strncmp(de->d_name, "kernel-", 7) == 0 && len > 4 &&
		    strcmp(de->d_name + len - 4, ".log") == 0) {
			forget_old_log(rtdir, de->d_name);
			continue;
		}
		if (strncmp(de->d_name, "kernel-", 7) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 5, ".info") != 0)
			continue;
		char *path = sg_path_join(rtdir, de->d_name);
		struct sg_kernel_entry e;
		int ok = sg_kernel_entry_read(path, &e, NULL) == 0;
		free(path);
		if (!ok || strcmp(e.state, "failed") == 0)
			continue; /* being written, or for its launcher to read */
		if (!keeper_alive(&e)) {
			reap(rtdir, &e);
			continue;
		}
		*out = sg_xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = e;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_started);
	return 0;
}

int sg_kernels_get(const char *id, struct sg_kernel_entry *out, struct sg_error *err)
{
	struct sg_kernel_entry *v;
	size_t n, found = 0;
	if (strlen(id) < 4)
		return sg_error_set(err, SG_E_USAGE, "kernel id '%s' is too short (4 characters at least)",
				    id);
	if (sg_kernels_list(&v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].id, id, strlen(id)) == 0) {
			if (!found)
				*out = v[i];
			found++;
		}
	free(v);
	if (found == 1)
		return 0;
	if (found)
		return sg_error_set(err, SG_E_AMBIGUOUS, "kernel id '%s' matches %zu kernels", id, found);
	return sg_error_set(err, SG_E_NOTFOUND, "no running kernel '%s' (see sagetty kernels ls)", id);
}

int sg_kernels_find_notebook(const char *notebook, struct sg_kernel_entry *out)
{
	struct sg_kernel_entry *v;
	size_t n;
	int found = 0;
	if (sg_kernels_list(&v, &n, NULL) < 0)
		return 0;
	for (size_t i = n; i-- > 0 && !found;)
		if (strcmp(v[i].notebook, notebook) == 0 && strcmp(v[i].state, "starting") != 0) {
			*out = v[i];
			found = 1;
		}
	free(v);
	return found;
}

/* ---- launching a keeper ---------------------------------------------------------------- */

static char *optarg_dup(const char *s)
{
	return sg_xstrdup(s ? s : "");
}

/* Forks twice (the keeper is adopted by init, in its own session) and
 * returns the keeper's pid. */
static pid_t spawn_keeper(char **argv, const char *log)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t first = fork();
	if (first == 0) {
		close(p[0]);
		setsid();
		pid_t g = fork();
		if (g == 0) {
			dup2(nullfd, 0);
			if (logfd >= 0) {
				dup2(logfd, 1);
				dup2(logfd, 2);
			}
			execve(argv[0], argv, environ);
			_exit(127);
		}
		if (write(p[1], &g, sizeof g) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	pid_t keeper = -1;
	if (first > 0) {
		if (read(p[0], &keeper, sizeof keeper) != (ssize_t)sizeof keeper)
			keeper = -1;
		waitpid(first, NULL, 0);
	}
	close(p[0]);
	return keeper;
}

int sg_kernels_launch(const struct sg_kernels_launch_opts *o, struct sg_kernel_entry *out,
		      struct sg_error *err)
{
	char rtdir[900];
	if (sg_kernel_runtime_dir(rtdir, sizeof rtdir, err) < 0)
		return -1;
	/* Fail early and clearly on an unknown kernel name. */
	struct sg_kernelspec ks;
	if (sg_kernelspec_find(o->kernel, &ks, err) < 0)
		return -1;
	sg_kernelspec_done(&ks);
	char id[SG_KERNEL_ID_LEN + 1];
	unsigned char rnd[SG_KERNEL_ID_LEN / 2];
	sg_random_bytes(rnd, sizeof rnd);
	for (size_t i = 0; i < sizeof rnd; i++)
		sprintf(id + 2 * i, "%02x", rnd[i]);
	char idle[16], tmo[32];
	snprintf(idle, sizeof idle, "%d", o->idle_timeout < 0 ? SG_KERNELS_IDLE_DEFAULT
							      : o->idle_timeout);
	snprintf(tmo, sizeof tmo, "%g", o->timeout > 0 ? o->timeout : 60);
	char *argv[] = { optarg_dup(o->exe ? o->exe : "/proc/self/exe"), sg_xstrdup("kernel-keeper"),
			 sg_xstrdup(id), sg_xstrdup("--kernel"), optarg_dup(o->kernel),
			 sg_xstrdup("--notebook"), optarg_dup(o->notebook),
			 sg_xstrdup("--workspace"), optarg_dup(o->workspace),
			 sg_xstrdup("--workdir"), optarg_dup(o->workdir),
			 sg_xstrdup("--idle-timeout"), sg_xstrdup(idle),
			 sg_xstrdup("--timeout"), sg_xstrdup(tmo), NULL };
	char *log = sg_xasprintf("%s/kernel-%s.log", rtdir, id);
	pid_t keeper = spawn_keeper(argv, log);
	for (char **a = argv; *a; a++)
		free(*a);
	char *path = entry_path(rtdir, id);
	int rc = -1;
	if (keeper <= 0) {
		sg_error_errno(err, "cannot start the kernel keeper");
		goto out;
	}
	double end = sg_now() + (o->timeout > 0 ? o->timeout : 60) + 5;
	for (;;) {
		struct sg_kernel_entry e;
		if (sg_kernel_entry_read(path, &e, NULL) == 0) {
			if (strcmp(e.state, "failed") == 0) {
				sg_error_set(err, SG_E_IO, "%s", e.error);
				unlink(path);
				break;
			}
			if (strcmp(e.state, "starting") != 0) {
				*out = e;
				rc = 0;
				break;
			}
		}
		if (kill(keeper, 0) < 0 || sg_now() > end) {
			sg_error_set(err, SG_E_IO, "the kernel keeper did not start the kernel (log: %s)",
				     log);
			kill(keeper, SIGTERM);
			break;
		}
		nap(10);
	}
out:
	free(path);
	free(log);
	return rc;
}

int sg_kernels_attach(const struct sg_kernel_entry *e, struct sg_kernel **k, struct sg_error *err)
{
	if (sg_kernel_attach(e->connection_file, e->pid, 10, k, err) < 0)
		return -1;
	char rtdir[900];
	if (sg_kernel_runtime_dir(rtdir, sizeof rtdir, NULL) == 0) {
		char *p = entry_path(rtdir, e->id);
		sg_kernel_set_registry(*k, e->keeper, p);
		free(p);
	}
	return 0;
}

int sg_kernels_open(const struct sg_kernels_launch_opts *o, struct sg_kernel **k,
		    struct sg_kernel_entry *e, int *reattached, struct sg_error *err)
{
	*reattached = 0;
	if (o->notebook && sg_kernels_find_notebook(o->notebook, e)) {
		if (sg_kernels_attach(e, k, NULL) == 0) {
			*reattached = 1;
			return 0;
		}
		/* Unreachable: stop it and start afresh. */
		sg_kernels_stop(e->id, 5, NULL);
	}
	if (sg_kernels_launch(o, e, err) < 0)
		return -1;
	return sg_kernels_attach(e, k, err);
}

int sg_kernels_stop(const char *id, double timeout, struct sg_error *err)
{
	struct sg_kernel_entry e;
	if (sg_kernels_get(id, &e, err) < 0)
		return -1;
	if (kill(e.keeper, SIGTERM) < 0 && errno != ESRCH)
		return sg_error_errno(err, "cannot stop kernel %s", e.id);
	char rtdir[900];
	if (sg_kernel_runtime_dir(rtdir, sizeof rtdir, err) < 0)
		return -1;
	char *path = entry_path(rtdir, e.id);
	double end = sg_now() + (timeout > 0 ? timeout : 10);
	while (access(path, F_OK) == 0 && keeper_alive(&e) && sg_now() < end)
		nap(10);
	if (keeper_alive(&e)) {
		kill(e.keeper, SIGKILL);
		if (e.pid > 0)
			kill(-e.pid, SIGKILL);
		nap(50);
	}
	reap(rtdir, &e);
	free(path);
	return 0;
}

/* ---- the keeper ------------------------------------------------------------------------ */

static volatile sig_atomic_t want_stop, want_restart;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		want_restart = 1;
	else
		want_stop = 1;
}

static void set_state(const char *path, struct sg_kernel_entry *e, const char *state)
{
	snprintf(e->state, sizeof e->state, "%s", state);
	struct sg_error err = { 0 };
	if (sg_kernel_entry_write(path, e, &err) < 0)
		fprintf(stderr, "sagetty kernel-keeper: %s\n", err.msg);
}

/* Follows the kernel until stopped, idle too long, or asked to stop. */
static void keep_loop(struct sg_kernel *k, const char *path, struct sg_kernel_entry *e)
{
	while (!want_stop) {
		if (want_restart) {
			want_restart = 0;
			struct sg_error err = { 0 };
			e->pid = 0;
			set_state(path, e, "starting");
			if (sg_kernel_restart(k, &err) < 0) {
				fprintf(stderr, "sagetty kernel-keeper: restart: %s\n", err.msg);
				set_state(path, e, "dead");
			} else {
				e->pid = sg_kernel_pid(k);
				e->last_activity = sg_now();
				set_state(path, e, "idle");
			}
		}
		struct sg_kernel_event ev;
		int r = sg_kernel_wait_event(k, &ev, 1000, NULL);
		double now = sg_now();
		if (r == 1 && ev.type == SG_KEV_STATUS &&
		    (strcmp(ev.name, "busy") == 0 || strcmp(ev.name, "idle") == 0)) {
			e->last_activity = now;
			if (strcmp(e->state, ev.name) != 0)
				set_state(path, e, ev.name);
		} else if (r == 1 && ev.type == SG_KEV_DIED) {
			fprintf(stderr, "sagetty kernel-keeper: %s\n", ev.text);
			e->pid = 0;
			e->last_activity = now;
			set_state(path, e, "dead");
		}
		if (e->idle_timeout > 0 && strcmp(e->state, "busy") != 0 &&
		    now - e->last_activity > e->idle_timeout) {
			fprintf(stderr, "sagetty kernel-keeper: idle for %d s, shutting down\n",
				e->idle_timeout);
			break;
		}
	}
}

int sg_kernels_keep(const struct sg_kernels_launch_opts *o, const char *id)
{
	char rtdir[900];
	struct sg_error err = { 0 };
	if (sg_kernel_runtime_dir(rtdir, sizeof rtdir, &err) < 0) {
		fprintf(stderr, "sagetty kernel-keeper: %s\n", err.msg);
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	char *path = entry_path(rtdir, id);
	struct sg_kernel_entry e = { 0 };
	snprintf(e.id, sizeof e.id, "%s", id);
	snprintf(e.kernel, sizeof e.kernel, "%s", o->kernel ? o->kernel : "");
	snprintf(e.notebook, sizeof e.notebook, "%s", o->notebook ? o->notebook : "");
	snprintf(e.workspace, sizeof e.workspace, "%s", o->workspace ? o->workspace : "");
	snprintf(e.connection_file, sizeof e.connection_file, "%s/kernel-%s.json", rtdir, id);
	snprintf(e.log_path, sizeof e.log_path, "%s/kernel-%s.log", rtdir, id);
	e.keeper = getpid();
	sg_proc_token(e.keeper, e.keeper_token, sizeof e.keeper_token);
	e.started = e.last_activity = sg_now();
	e.idle_timeout = o->idle_timeout;
	set_state(path, &e, "starting");

	struct sg_kernelspec ks;
	struct sg_kernel *k = NULL;
	char *workdir = NULL;
	if (o->workdir && *o->workdir)
		workdir = sg_xstrdup(o->workdir);
	else if (o->notebook && *o->notebook && strrchr(o->notebook, '/'))
		workdir = sg_xstrndup(o->notebook, (size_t)(strrchr(o->notebook, '/') - o->notebook));
	struct sg_kernel_opts ko = { .workdir = workdir && *workdir ? workdir : NULL,
				     .log_path = e.log_path, .id = id, .start_timeout = o->timeout };
	if (sg_kernelspec_find(e.kernel, &ks, &err) < 0 || sg_kernel_start(&ks, &ko, &k, &err) < 0) {
		snprintf(e.error, sizeof e.error, "%s", err.msg);
		set_state(path, &e, "failed");
		free(workdir);
		free(path);
		return 1;
	}
	sg_kernelspec_done(&ks);
	free(workdir);
	e.pid = sg_kernel_pid(k);
	e.last_activity = sg_now();
	set_state(path, &e, "idle");
	keep_loop(k, path, &e);
	sg_kernel_free(k); /* shutdown_request, then kill; removes its files */
	if (strcmp(e.state, "dead") != 0)
		unlink(e.log_path); /* a dead kernel's log may say why */
	unlink(path);
	free(path);
	return 0;
}
