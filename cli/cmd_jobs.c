/* cmd_jobs.c — `sagetty jobs ls|stop|logs|resume` (and the internal
 * `jobs supervise`), and following a job for `train --wait`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/job.h"
#include "core/util.h"

#define FOLLOW_MS 200

/* ---- a job as JSON and text ------------------------------------------------ */

static double elapsed(const struct sg_job_info *j)
{
	double from = j->started_at > 0 ? j->started_at : j->queued_at;
	double to = j->ended_at > 0 ? j->ended_at : sg_now();
	return to > from ? to - from : 0;
}

/* "0.8s" under a minute, else sg_format_duration's "3m05s". */
static void format_elapsed(double secs, char *buf, size_t n)
{
	if (secs < 60)
		snprintf(buf, n, "%.1fs", secs);
	else
		sg_format_duration(secs, buf, n);
}

static json_t *time_or_null(double t)
{
	return t > 0 ? json_real(t) : json_null();
}

json_t *cli_job_json(const struct sg_job_info *j)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(j->run_id));
	json_object_set_new(o, "name", json_string(j->name));
	json_object_set_new(o, "state", json_string(sg_job_state_name(j->state)));
	json_object_set_new(o, "attempt", json_integer(j->attempt));
	json_object_set_new(o, "user", json_string(j->user));
	json_object_set_new(o, "host", json_string(j->host));
	json_object_set_new(o, "supervisor_pid", j->supervisor_pid > 0 ?
			    json_integer(j->supervisor_pid) : json_null());
	json_object_set_new(o, "pid", j->child_pid > 0 ? json_integer(j->child_pid) : json_null());
	json_object_set_new(o, "alive", json_boolean(j->alive));
	json_object_set_new(o, "queued_at", time_or_null(j->queued_at));
	json_object_set_new(o, "started_at", time_or_null(j->started_at));
	json_object_set_new(o, "ended_at", time_or_null(j->ended_at));
	json_object_set_new(o, "elapsed", json_real(elapsed(j)));
	json_object_set_new(o, "failure_reason", j->failure_reason[0] ?
			    json_string(j->failure_reason) : json_null());
	json_object_set_new(o, "exit_code", j->exit_code >= 0 && sg_job_state_final(j->state) ?
			    json_integer(j->exit_code) : json_null());
	json_object_set_new(o, "signal", j->signal ? json_integer(j->signal) : json_null());
	json_object_set_new(o, "stop_request", j->stop_request[0] ? json_string(j->stop_request)
								   : json_null());
	json_object_set_new(o, "max_runtime", j->max_runtime > 0 ? json_real(j->max_runtime)
								  : json_null());
	json_object_set_new(o, "heartbeat_at", time_or_null(j->heartbeat_at));
	return o;
}

/* ---- following logs ------------------------------------------------------------ */

struct tail {
	char *path;
	int fd;          /* -1 until the file exists */
	ino_t ino;
	int out;         /* where its bytes go */
};

static void tail_open(struct tail *t, int at_end)
{
	t->fd = open(t->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (t->fd >= 0 && fstat(t->fd, &st) == 0) {
		t->ino = st.st_ino;
		if (at_end)
			lseek(t->fd, 0, SEEK_END);
	}
}

/* Copies what is new; follows a rotation (a new file under the name). */
static void tail_pump(struct tail *t)
{
	char buf[65536];
	if (t->fd < 0) {
		tail_open(t, 0);
		if (t->fd < 0)
			return;
	}
	for (;;) {
		ssize_t n = read(t->fd, buf, sizeof buf);
		if (n > 0 && write(t->out, buf, (size_t)n) != n)
			return;
		if (n > 0)
			continue;
		struct stat st;
		if (stat(t->path, &st) != 0 || st.st_ino == t->ino)
			return;
		close(t->fd);   /* rotated: the old file is complete */
		tail_open(t, 0);
		if (t->fd < 0)
			return;
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* "==> attempt N: STATE (outcome) on HOST, started T, ended T <==", the
 * line between attempts in `jobs logs` (like tail's between files). */
static void attempt_header(FILE *out, const struct sg_job_attempt *a)
{
	char from[32], to[32], host[80];
	sg_format_time(a->started_at > 0 ? a->started_at : a->queued_at, from, sizeof from);
	sg_format_time(a->ended_at, to, sizeof to);
	cli_safe_text(host, sizeof host, a->host, strlen(a->host), 60);
	if (!a->log_dir[0] && a->number > 1)
		fprintf(out, "==> attempts 1-%d (one shared log, from before per-attempt logs): ",
			a->number);
	else
		fprintf(out, "==> attempt %d: ", a->number);
	fprintf(out, "%s%s%s%s on %s, %s %s", sg_job_state_name(a->state), a->outcome[0] ? " (" : "",
		a->outcome, a->outcome[0] ? ")" : "", host, a->started_at > 0 ? "started" : "queued",
		from);
	if (a->ended_at > 0)
		fprintf(out, ", ended %s", to);
	fprintf(out, " <==\n");
}

/* Points a tail at the current attempt's log of stream, from its start. */
static void tail_retarget(struct sg_workspace *ws, const char *id, struct tail *t, int stream)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	t->path = sg_job_log_path(ws, id, stream);
	t->fd = -1;
	t->ino = 0;
}

/* What follow does. */
struct follow_opts {
	const int *streams;   /* each tail's stream (1 or 2) */
	int announce;         /* state changes to stderr */
	int headers;          /* a header line when a new attempt starts */
	int through_preempt;  /* an Interrupted job is followed on into its resume */
};

/* Announces and switches the tails to a new attempt of the job. */
static void follow_switch(struct sg_workspace *ws, const char *id, int attempt, struct tail *tails,
			  int n, const struct follow_opts *o)
{
	struct sg_job_attempt a;
	struct sg_error err = { 0 };
	if (o->headers && sg_job_attempt_get(ws, id, attempt, &a, &err) == 0) {
		fflush(stdout);
		attempt_header(tails[0].out == 2 ? stderr : stdout, &a);
		fflush(stdout);
	}
	if (o->announce)
		fprintf(stderr, "sagetty: job %s attempt %d\n", id, attempt);
	for (int i = 0; i < n; i++)
		tail_retarget(ws, id, &tails[i], o->streams[i]);
}

/* Prints the job's logs as they grow until it ends (an Interrupted one:
 * until it is resumed and that attempt ends, with through_preempt); a new
 * attempt switches the tails to its logs.  Returns the last state (-1 if
 * it cannot be read). */
static int follow(struct sg_workspace *ws, const char *id, struct tail *tails, int n,
		  const struct follow_opts *o)
{
	int last = -1, attempt = -1;
	for (;;) {
		struct sg_job_info j;
		struct sg_error err = { 0 };
		if (sg_job_get(ws, id, &j, &err) != 0) {
			cli_fail(&err);
			return -1;
		}
		for (int i = 0; i < n; i++)
			tail_pump(&tails[i]);
		if (attempt >= 0 && j.attempt != attempt) {
			follow_switch(ws, id, j.attempt, tails, n, o);
			last = -1;
		}
		attempt = j.attempt;
		if (o->announce && (int)j.state != last && !sg_job_state_final(j.state))
			fprintf(stderr, "sagetty: job %s %s\n", id, sg_job_state_name(j.state));
		last = (int)j.state;
		if (sg_job_state_final(j.state)) {
			for (int i = 0; i < n; i++)
				tail_pump(&tails[i]);
			if (!o->through_preempt || j.state != SG_JOB_INTERRUPTED)
				return last;
		}
		sleep_ms(FOLLOW_MS);
	}
}

int cli_job_wait(struct sg_workspace *ws, const char *id, int json)
{
	static const int streams[2] = { 1, 2 };
	struct tail t[2] = {
		{ sg_job_log_path(ws, id, 1), -1, 0, json ? 2 : 1 },
		{ sg_job_log_path(ws, id, 2), -1, 0, 2 },
	};
	struct follow_opts o = { streams, 1, 0, 0 };
	fprintf(stderr, "sagetty: following job %s (Ctrl-C stops following; the job goes on)\n", id);
	int st = follow(ws, id, t, 2, &o);
	for (int i = 0; i < 2; i++) {
		if (t[i].fd >= 0)
			close(t[i].fd);
		free(t[i].path);
	}
	if (st < 0)
		return EXIT_FAIL;
	struct sg_job_info j;
	struct sg_error err = { 0 };
	if (sg_job_get(ws, id, &j, &err) != 0)
		return cli_fail(&err);
	char dur[32];
	format_elapsed(elapsed(&j), dur, sizeof dur);
	fprintf(stderr, "sagetty: job %s %s after %s%s%s\n", id, sg_job_state_name(j.state), dur,
		j.failure_reason[0] ? ": " : "", j.failure_reason);
	if (json)
		cli_print_json(cli_job_json(&j));
	return j.state == SG_JOB_COMPLETED ? EXIT_OK : EXIT_FAIL;
}

/* ---- jobs ls -------------------------------------------------------------------- */

static int ls_json(const struct sg_job_info *j, void *ud)
{
	json_array_append_new(ud, cli_job_json(j));
	return 0;
}

static int ls_text(const struct sg_job_info *j, void *ud)
{
	char dur[32], pid[16] = "-", reason[48];
	format_elapsed(elapsed(j), dur, sizeof dur);
	if (j->child_pid > 0 && !sg_job_state_final(j->state))
		snprintf(pid, sizeof pid, "%ld", (long)j->child_pid);
	cli_safe_text(reason, sizeof reason, j->failure_reason, strlen(j->failure_reason), 40);
	char name[64];
	cli_safe_text(name, sizeof name, j->name, strlen(j->name), 22);
	printf("%-16s  %s  %-11s %7d  %8s  %7s  %s\n", j->run_id, name,
	       sg_job_state_name(j->state), j->attempt, dur, pid, reason);
	(void)ud;
	return 0;
}

static int jobs_ls(struct sg_workspace *ws, int argc, char **argv)
{
	int json = 0;
	long limit = 20;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			limit = 0;
		else
			return cli_usage("jobs", "unknown option '%s'", argv[i]);
	}
	struct sg_error err = { 0 };
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		printf("%-16s  %-22s  %-11s %7s  %8s  %7s  %s\n", "RUN", "NAME", "STATE", "ATTEMPT",
		       "ELAPSED", "PID", "REASON");
	if (sg_job_list(ws, (size_t)limit, json ? ls_json : ls_text, arr, &err) != 0) {
		json_decref(arr);
		return cli_fail(&err);
	}
	if (json)
		cli_print_json(arr);
	return EXIT_OK;
}

/* ---- jobs stop / resume ------------------------------------------------------------ */

/* Waits up to limit seconds for the job to end; prints the outcome. */
static int await_end(struct sg_workspace *ws, const char *run, double limit)
{
	double until = sg_now() + limit;
	struct sg_job_info j;
	struct sg_error err = { 0 };
	while (sg_job_get(ws, run, &j, &err) == 0) {
		if (sg_job_state_final(j.state)) {
			printf("%s %s\n", j.run_id, sg_job_state_name(j.state));
			return EXIT_OK;
		}
		if (sg_now() > until) {
			fprintf(stderr, "sagetty: job %s is still %s; it will stop shortly\n", j.run_id,
				sg_job_state_name(j.state));
			return EXIT_FAIL;
		}
		sleep_ms(100);
	}
	return cli_fail(&err);
}

/* One RUN argument and the given flags (each 0/1). */
static int run_and_flags(int argc, char **argv, const char **run, const char *const *names,
			 int *flags, int n)
{
	*run = NULL;
	for (int i = 2; i < argc; i++) {
		int k = 0;
		while (k < n && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k < n)
			flags[k] = 1;
		else if (argv[i][0] == '-')
			return cli_usage("jobs", "unknown option '%s'", argv[i]);
		else if (*run)
			return cli_usage("jobs", "jobs %s takes one run", argv[1]);
		else
			*run = argv[i];
	}
	if (!*run)
		return cli_usage("jobs", "jobs %s needs a run id", argv[1]);
	return 0;
}

static int jobs_stop(struct sg_workspace *ws, int argc, char **argv)
{
	static const char *const names[] = { "--preempt", "--no-wait" };
	int f[2] = { 0, 0 };
	const char *run;
	int rc = run_and_flags(argc, argv, &run, names, f, 2);
	if (rc != 0)
		return rc;
	struct sg_error err = { 0 };
	if (sg_job_stop(ws, run, f[0], &err) != 0)
		return cli_fail(&err);
	if (f[1])
		return EXIT_OK;
	/* The grace period, then SIGKILL, then the supervisor's record. */
	return await_end(ws, run, 600);
}

static int jobs_resume(struct sg_workspace *ws, int argc, char **argv)
{
	static const char *const names[] = { "--wait", "--json" };
	int f[2] = { 0, 0 };
	const char *run;
	int rc = run_and_flags(argc, argv, &run, names, f, 2);
	if (rc != 0)
		return rc;
	struct sg_error err = { 0 };
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(ws->store, run, id, &err) != 0 || sg_job_resume(ws, id, NULL, &err) != 0)
		return cli_fail(&err);
	if (!f[0] || !f[1]) {
		struct sg_job_info j;
		if (f[1] && sg_job_get(ws, id, &j, &err) == 0)
			cli_print_json(cli_job_json(&j));
		else if (!f[1])
			printf("%s\n", id);
		fflush(stdout);
	}
	return f[0] ? cli_job_wait(ws, id, f[1]) : EXIT_OK;
}

/* ---- jobs logs ------------------------------------------------------------------- */

/* Prints a whole file to stdout; 0 when it does not exist. */
static int cat_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	close(fd);
	return 0;
}

/* Prints an attempt's log of stream whole: rotated parts oldest first,
 * then the file (left open in t when t is non-NULL, for following). */
static void cat_attempt(const char *path, struct tail *t)
{
	for (int k = 2; k >= 1; k--) {
		char *old = sg_xasprintf("%s.%d", path, k);
		cat_file(old);
		free(old);
	}
	if (!t) {
		cat_file(path);
		return;
	}
	fflush(stdout);
	tail_pump(t);
}

static json_t *attempt_json(struct sg_workspace *ws, const char *id, const struct sg_job_attempt *a)
{
	char *out = sg_job_attempt_log_path(ws, id, a, 1), *err = sg_job_attempt_log_path(ws, id, a, 2);
	json_t *o = json_object();
	json_object_set_new(o, "attempt", json_integer(a->number));
	json_object_set_new(o, "state", json_string(sg_job_state_name(a->state)));
	json_object_set_new(o, "outcome", a->outcome[0] ? json_string(a->outcome) : json_null());
	json_object_set_new(o, "host", json_string(a->host));
	json_object_set_new(o, "queued_at", time_or_null(a->queued_at));
	json_object_set_new(o, "started_at", time_or_null(a->started_at));
	json_object_set_new(o, "ended_at", time_or_null(a->ended_at));
	json_object_set_new(o, "exit_code", a->exit_code >= 0 && sg_job_state_final(a->state) ?
			    json_integer(a->exit_code) : json_null());
	json_object_set_new(o, "signal", a->signal ? json_integer(a->signal) : json_null());
	json_object_set_new(o, "reason", a->reason[0] ? json_string(a->reason) : json_null());
	json_object_set_new(o, "shared_log", json_boolean(!a->log_dir[0]));
	json_object_set_new(o, "stdout", json_string(out));
	json_object_set_new(o, "stderr", json_string(err));
	free(out);
	free(err);
	return o;
}

/* What `jobs logs` asked for, and the attempts read. */
struct logs_ctx {
	struct sg_workspace *ws;
	const char *id;
	int stream;
	int only;                 /* --attempt N, or 0: all */
	int json;
	json_t *arr;
	struct sg_job_attempt *v; /* the attempts to print, oldest first */
	size_t n;
};

static int logs_collect(const struct sg_job_attempt *a, void *ud)
{
	struct logs_ctx *c = ud;
	if (c->only && a->number != c->only)
		return 0;
	c->v = sg_xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = *a;
	return 0;
}

/* Parses jobs logs' arguments into c and *follow; 0 or an exit status. */
static int logs_args(int argc, char **argv, const char **run, struct logs_ctx *c, int *follow)
{
	*run = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0) {
			*follow = 1;
		} else if (strcmp(a, "--stderr") == 0) {
			c->stream = 2;
		} else if (strcmp(a, "--json") == 0) {
			c->json = 1;
		} else if (strcmp(a, "--attempt") == 0 || strncmp(a, "--attempt=", 10) == 0) {
			const char *v = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : "";
			char *end;
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 1 || n > 1000000)
				return cli_usage("jobs", "--attempt needs an attempt number (1, 2, ...), "
						 "not '%s'", v);
			c->only = (int)n;
		} else if (a[0] == '-') {
			return cli_usage("jobs", "unknown option '%s'", a);
		} else if (*run) {
			return cli_usage("jobs", "jobs logs takes one run");
		} else {
			*run = a;
		}
	}
	if (!*run)
		return cli_usage("jobs", "jobs logs needs a run id");
	return 0;
}

static int jobs_logs(struct sg_workspace *ws, int argc, char **argv)
{
	struct logs_ctx c = { .ws = ws, .stream = 1 };
	int follow_on = 0;
	const char *run;
	int rc = logs_args(argc, argv, &run, &c, &follow_on);
	if (rc != 0)
		return rc;
	struct sg_job_info j;
	struct sg_error err = { 0 };
	if (sg_job_get(ws, run, &j, &err) != 0)
		return cli_fail(&err);
	c.id = j.run_id;
	struct sg_job_attempt one;
	if (c.only && sg_job_attempt_get(ws, j.run_id, c.only, &one, &err) != 0)
		return cli_fail(&err);
	if (sg_job_attempts(ws, j.run_id, logs_collect, &c, &err) != 0) {
		free(c.v);
		return cli_fail(&err);
	}
	if (c.json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < c.n; i++)
			json_array_append_new(arr, attempt_json(ws, j.run_id, &c.v[i]));
		free(c.v);
		cli_print_json(arr);
		return EXIT_OK;
	}
	/* Headers only between attempts: one attempt prints as the raw log. */
	int headers = !c.only && c.n > 1;
	struct tail t = { NULL, -1, 0, 1 };
	int following = follow_on && (!c.n || c.v[c.n - 1].number == j.attempt);
	for (size_t i = 0; i < c.n; i++) {
		char *path = sg_job_attempt_log_path(ws, j.run_id, &c.v[i], c.stream);
		if (headers) {
			fflush(stdout);
			attempt_header(stdout, &c.v[i]);
		}
		int last = i + 1 == c.n && following;
		if (last)
			t.path = path;
		cat_attempt(path, last ? &t : NULL);
		if (!last)
			free(path);
	}
	free(c.v);
	fflush(stdout);
	int st = 0;
	if (following) {
		int streams[1] = { c.stream };
		struct follow_opts o = { streams, 0, 1, !c.only };
		if (!t.path)
			t.path = sg_job_log_path(ws, j.run_id, c.stream);
		st = follow(ws, j.run_id, &t, 1, &o);
	}
	if (t.fd >= 0)
		close(t.fd);
	free(t.path);
	return st < 0 ? EXIT_FAIL : EXIT_OK;
}

/* ---- the supervisor ------------------------------------------------------------- */

static int jobs_supervise(struct sg_workspace *ws, int argc, char **argv)
{
	if (argc != 3)
		return cli_usage("jobs", "jobs supervise takes one run (it is started by train)");
	struct sg_error err = { 0 };
	if (sg_job_supervise(ws, argv[2], &err) != 0)
		return cli_fail(&err);
	return EXIT_OK;
}

int cmd_jobs(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *verb;
		int (*fn)(struct sg_workspace *, int, char **);
		unsigned flags;
	} verbs[] = {
		{ "ls", jobs_ls, SG_WS_READONLY }, { "logs", jobs_logs, SG_WS_READONLY },
		{ "stop", jobs_stop, 0 }, { "resume", jobs_resume, 0 },
		{ "supervise", jobs_supervise, 0 },
	};
	if (cli_wants_help("jobs", argc, argv))
		return EXIT_OK;
	if (argc < 2)
		return cli_usage("jobs", "jobs needs a verb: ls, stop, logs or resume");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(argv[1], verbs[i].verb) != 0)
			continue;
		int status;
		struct sg_workspace *ws = cli_open(cli, verbs[i].flags, &status);
		if (!ws)
			return status;
		status = verbs[i].fn(ws, argc, argv);
		sg_workspace_free(ws);
		return status;
	}
	return cli_usage("jobs", "no verb '%s' (ls, stop, logs, resume)", argv[1]);
}
