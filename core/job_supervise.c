/* job_supervise.c — the detached supervisor of one training job: the queue,
 * the tracked program, system metrics, max runtime, stop requests, debugger
 * rules, and the record of the end. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/job.h"
#include "core/job_int.h"
#include "core/metricdef.h"
#include "core/proc.h"
#include "core/rules.h"
#include "core/track.h"
#include "core/util.h"

#define QUEUE_SAFETY_MS 2000   /* wake now and then for supervisors that died silently */
#define MAX_NOTIFY 16

struct sup {
	struct sg_workspace *ws;
	char id[SG_RUN_ID_LEN + 1];
	char *run_dir;
	struct job_spec spec;
	struct sg_job_info info;
	int slot_fd;
	double start;              /* the program's start (monotonic) */
	int ticked;
	double last_cpu, last_at;  /* previous sample (monotonic time) */
	int have_cpu;
	int timed_out;             /* max runtime reached */
	int store_stop;            /* a stop request in the row was acted on */
	char rule_stop[512];       /* a rule's StopTraining, as a reason */
	struct sg_rules *rules;
	struct sg_track *t;        /* while the program runs */
	pid_t child;               /* the program, leader of its process group */
	pid_t notify[MAX_NOTIFY];  /* notification commands started */
	int nnotify;
	double beat_every;         /* seconds between heartbeats */
	double beat_at;            /* the last one (monotonic) */
	int reaped;                /* the row ended without us: reaped as lost */
};

/* ---- signals before and after the tracker owns them ------------------------ */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* SIGTERM, SIGINT and SIGHUP set got_signal (no SA_RESTART: poll returns). */
static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGPIPE, &ign, NULL);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The row's stop request: 0 none, 1 stop, 2 preempt. */
static int stop_request(struct sup *s)
{
	sqlite3_stmt *q = sg_store_prepare(s->ws->store, "SELECT stop_request FROM jobs "
					   "WHERE run_id = ?1", NULL);
	if (!q)
		return 0;
	sqlite3_bind_text(q, 1, s->id, -1, SQLITE_TRANSIENT);
	int r = 0;
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(q, 0);
		r = !t ? 0 : strcmp((const char *)t, "preempt") == 0 ? 2 : 1;
	}
	sqlite3_reset(q);
	return r;
}

/* ---- the heartbeat ---------------------------------------------------------- */

/* Writes the heartbeat when beat_every has passed since the last one.  A
 * row that has ended without us was reaped as lost (this host was
 * suspended, or its clock or the store stalled past the timeout): noted,
 * so the end we record later does not overwrite a newer attempt. */
static void beat(struct sup *s)
{
	double now = mono();
	if (now - s->beat_at < s->beat_every)
		return;
	s->beat_at = now;
	if (job_beat(s->ws->store, s->id, NULL) == 0 && !s->reaped) {
		s->reaped = 1;
		fprintf(stderr, "sagetty: job %s was marked lost while this supervisor ran\n", s->id);
	}
}

/* ---- the queue ------------------------------------------------------------ */

/* 1 when no live Queued job of this host was queued before ours. */
static int first_in_queue(struct sup *s)
{
	sqlite3_stmt *q = sg_store_prepare(s->ws->store, "SELECT run_id FROM jobs "
		"WHERE state = 'Queued' AND host = ?1 ORDER BY queued_at, run_id LIMIT 1", NULL);
	if (!q)
		return 0;
	sqlite3_bind_text(q, 1, job_host(), -1, SQLITE_TRANSIENT);
	int first = 0;
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(q, 0);
		first = t && strcmp((const char *)t, s->id) == 0;
	}
	sqlite3_reset(q);
	return first;
}

/* An flock on one of the max-jobs slot files, or -1 when all are taken. */
static int take_slot(const char *dir, int max_jobs)
{
	for (int k = 0; k < max_jobs; k++) {
		char name[32];
		snprintf(name, sizeof name, "slot.%d", k);
		char *path = sg_path_join(dir, name);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		free(path);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/* Drains pending inotify events. */
static void drain(int fd)
{
	char buf[4096];
	while (read(fd, buf, sizeof buf) > 0)
		;
}

/* Waits for a slot: 0 with s->slot_fd held, 1 when stopped while queued,
 * -1 on error. */
static int wait_for_slot(struct sup *s, struct sg_error *err)
{
	char *dir = job_dir(s->ws, err);
	if (!dir)
		return -1;
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd >= 0)
		inotify_add_watch(ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO);
	int rc = 1;
	for (;;) {
		if (got_signal || stop_request(s))
			break;
		sg_job_reap(s->ws, NULL, NULL);
		if (first_in_queue(s) && (s->slot_fd = take_slot(dir, s->ws->config.max_jobs)) >= 0) {
			rc = 0;
			break;
		}
		beat(s);
		int wait_ms = (int)(s->beat_every * 1000) < QUEUE_SAFETY_MS ?
			(int)(s->beat_every * 1000) : QUEUE_SAFETY_MS;
		struct pollfd pf = { ifd, POLLIN, 0 };
		if (poll(&pf, ifd >= 0 ? 1 : 0, wait_ms) > 0)
			drain(ifd);
	}
	if (ifd >= 0)
		close(ifd);
	free(dir);
	return rc;
}

/* ---- system metrics and leftovers ---------------------------------------- */

/* CPU% (of one core) since the last sample and RSS of everything below us:
 * as a subreaper we inherit orphaned descendants, so nothing escapes. */
static void sample(struct sup *s, struct sg_track *t)
{
	struct sg_proc_sample ps;
	if (sg_proc_tree_sample(getpid(), &ps) != 0)
		return;
	double now = mono();
	if (s->have_cpu && now > s->last_at) {
		double pct = (ps.cpu_seconds - s->last_cpu) / (now - s->last_at) * 100.0;
		sg_track_metric(t, "sys:cpu_percent", pct > 0 ? pct : 0);
	}
	if (ps.rss_mb > 0)
		sg_track_metric(t, "sys:memory_mb", ps.rss_mb);
	s->last_cpu = ps.cpu_seconds;
	s->last_at = now;
	s->have_cpu = 1;
}

static int is_notify(const struct sup *s, pid_t pid)
{
	for (int i = 0; i < s->nnotify; i++)
		if (s->notify[i] == pid)
			return 1;
	return 0;
}

/* Reaps exited orphans (never the program: the tracker waits for that). */
static void reap_orphans(struct sup *s, pid_t program)
{
	pid_t kids[256];
	int n = sg_proc_children(getpid(), kids, 256);
	for (int i = 0; i < n; i++)
		if (kids[i] != program)
			waitpid(kids[i], NULL, WNOHANG);
}

/* After the program: kills its process group and every orphan left, and
 * reaps them (notification commands are left to finish). */
static void kill_leftovers(struct sup *s, pid_t pgid)
{
	if (pgid > 0)
		kill(-pgid, SIGKILL);
	double until = mono() + 2.0;
	for (;;) {
		pid_t kids[256];
		int n = sg_proc_children(getpid(), kids, 256), live = 0;
		for (int i = 0; i < n; i++) {
			if (is_notify(s, kids[i]) || waitpid(kids[i], NULL, WNOHANG) == kids[i])
				continue;
			kill(kids[i], SIGKILL);
			live++;
		}
		if (!live || mono() > until)
			break;
		usleep(10000);
	}
}

/* ---- debugger rules ----------------------------------------------------- */

/* Starts a notification command, detached, stdio on /dev/null. */
static void run_notify(struct sup *s, char *const *argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0 && s->nnotify < MAX_NOTIFY)
		s->notify[s->nnotify++] = pid;
}

static void on_rule_event(const struct sg_rule_event *ev, void *ud)
{
	struct sup *s = ud;
	fprintf(stderr, "sagetty: rule %s: %s: %s\n", ev->name, sg_rule_status_name(ev->status),
		ev->message);
	if ((ev->actions & SG_RULE_ACT_NOTIFY) && ev->argv)
		run_notify(s, ev->argv);
	if ((ev->actions & SG_RULE_ACT_STOP) && !s->rule_stop[0]) {
		snprintf(s->rule_stop, sizeof s->rule_stop, "stopped by rule %s: %s", ev->name,
			 ev->message);
		if (s->t && !sg_track_stopping(s->t))
			sg_track_stop(s->t, SIGTERM);
	}
}

/* The engine for the spec's rules, or NULL when there are none. */
static struct sg_rules *rules_new(struct sup *s, struct sg_error *err)
{
	if (!s->spec.rules || !s->spec.rules[0])
		return NULL;
	struct sg_rules *r = sg_rules_new(s->id);
	sg_rules_set_callback(r, on_rule_event, s);
	for (size_t i = 0; s->spec.rules[i]; i++)
		if (sg_rules_add(r, s->spec.rules[i], strlen(s->spec.rules[i]), "--rule", (int)i + 1,
				 err) != 0) {
			sg_rules_free(r);
			return NULL;
		}
	for (size_t i = 0; i < s->spec.nchannels; i++)
		sg_rules_channel(r, s->spec.channels[i].name, s->spec.channels[i].source, NULL);
	return r;
}

static void rules_store(struct sup *s)
{
	if (s->rules && sg_rules_dirty(s->rules))
		sg_rules_store_status(s->ws->store, s->id, s->rules, NULL);
}

/* ---- the tracker's hooks ------------------------------------------------- */

static void hook_line(void *ud, int stream, const char *line, size_t len)
{
	struct sup *s = ud;
	(void)stream, (void)line, (void)len;
	if (s->rules)
		sg_rules_line(s->rules);
}

static void hook_point(void *ud, const char *key, long long step, double value)
{
	struct sup *s = ud;
	if (s->rules)
		sg_rules_point(s->rules, key, step, value);
}

/* Stops the program once, for whichever reason came first. */
static void stop_once(struct sg_track *t)
{
	if (!sg_track_stopping(t))
		sg_track_stop(t, SIGTERM);
}

/* The first tick runs right after the program started. */
static void first_tick(struct sup *s, struct sg_track *t)
{
	char attempt[16];
	s->ticked = 1;
	s->t = t;
	s->child = sg_track_pid(t);
	/* The writes wait until the program runs: its start comes first. */
	job_set_state(s->ws->store, s->id, SG_JOB_RUNNING, NULL, NULL);   /* beats too */
	s->beat_at = mono();
	job_set_pid(s->ws->store, s->id, 1, sg_track_pid(t), NULL);
	snprintf(attempt, sizeof attempt, "%d", s->info.attempt);
	sg_run_set_tag(s->ws->store, s->id, "sagetty.attempt", attempt, NULL);
	job_notify(s->ws);
	if (s->rules)
		sg_rules_start(s->rules, sg_now());
	if (got_signal)   /* arrived before the tracker took the signals over */
		stop_once(t);
}

static void hook_tick(void *ud, struct sg_track *t)
{
	struct sup *s = ud;
	if (!s->ticked)
		first_tick(s, t);
	beat(s);
	sample(s, t);
	if (s->spec.max_runtime > 0 && !s->timed_out && mono() - s->start >= s->spec.max_runtime) {
		s->timed_out = 1;
		stop_once(t);
	}
	if (!s->store_stop && stop_request(s)) {
		s->store_stop = 1;
		stop_once(t);
	}
	if (s->rules)
		sg_rules_tick(s->rules, sg_now());
	rules_store(s);
	reap_orphans(s, sg_track_pid(t));
}

/* ---- running the program ------------------------------------------------------ */

static char *script_dir(const char *script)
{
	const char *slash = strrchr(script, '/');
	return slash && slash != script ? sg_xstrndup(script, (size_t)(slash - script))
					: sg_xstrdup("/");
}

/* An algorithm job's argv: the sagetty binary that prepared the job (the
 * supervisor runs as sagetty-supervise, which has no algorithms),
 * "algo-run", the name, then the hyperparameters as --key value (algo-run
 * also reads hyperparameters.json: the same values). */
static char **algo_argv(const struct sg_sm_job *smj, const char *sagetty, const char *algo)
{
	char **user = sg_sm_user_args(smj);
	size_t n = 0;
	while (user && user[n])
		n++;
	char **argv = sg_xcalloc(n + 4, sizeof *argv);
	argv[0] = sg_xstrdup(sagetty);
	argv[1] = sg_xstrdup("algo-run");
	argv[2] = sg_xstrdup(algo);
	for (size_t i = 0; i < n; i++)
		argv[3 + i] = user[i];
	free(user);
	return argv;
}

static struct sg_metricdefs *make_defs(const struct job_spec *spec)
{
	struct sg_metricdefs *d = sg_metricdefs_new();
	for (size_t i = 0; spec->metrics && spec->metrics[i]; i++)
		sg_metricdefs_add(d, spec->metrics[i], NULL);   /* validated at launch */
	return d;
}

/* Runs the program under the tracker; r says how it went. */
static int run_program(struct sup *s, struct sg_track_result *r, struct sg_error *err)
{
	struct sg_sm_job smj;
	job_spec_sm(&s->spec, s->run_dir, &smj);
	if (s->info.attempt > 1 && sg_sm_make_tree(&smj, err) != 0)
		return -1;
	char **env = sg_sm_env(&smj);
	char **argv = s->spec.algo ? algo_argv(&smj, s->spec.script, s->spec.algo)
				   : sg_sm_argv(&smj, s->spec.interpreter);
	/* A script runs in its own folder, an algorithm in the run folder. */
	char *cwd = s->spec.algo ? sg_xstrdup(s->run_dir) : script_dir(s->spec.script);
	/* This attempt's own logs (logs/attempt-N); the caps apply to each. */
	char *log_dir = job_attempt_log_dir(s->ws->store, s->run_dir, s->id);
	if (sg_mkdir_p(log_dir, 0777, err) != 0) {
		free(log_dir);
		free(cwd);
		sg_sm_strv_free(argv);
		sg_sm_strv_free(env);
		return -1;
	}
	struct sg_metricdefs *defs = make_defs(&s->spec);
	struct sg_track_hooks hooks = { .ud = s, .on_line = hook_line, .on_point = hook_point,
					.on_tick = hook_tick, .tick_ms = SG_JOB_TICK_MS };
	struct sg_track_opts o = {
		.argv = argv, .run_id = s->id, .run_dir = s->run_dir, .log_dir = log_dir,
		.workspace_root = s->ws->root, .extra_env = env, .cwd = cwd, .defs = defs,
		.stdin_null = 1, .own_group = 1, .handle_signals = 1,
		.grace_ms = (int)(s->spec.stop_grace * 1000), .hooks = &hooks,
		.log_rotate_bytes = s->spec.log_rotate_bytes, .log_keep = 2,
		.log_cap_bytes = s->spec.log_cap_bytes, .coalesce_ms = 20,
	};
	s->start = mono();
	int rc = sg_track_run(s->ws->store, &o, r, err);
	s->t = NULL;
	kill_leftovers(s, s->child);
	sg_metricdefs_free(defs);
	free(log_dir);
	free(cwd);
	sg_sm_strv_free(argv);
	sg_sm_strv_free(env);
	return rc;
}

/* ---- the end ------------------------------------------------------------------ */

static void signal_name(int sig, char *buf, size_t n)
{
	const char *abbrev = sigabbrev_np(sig);
	if (abbrev)
		snprintf(buf, n, "SIG%s", abbrev);
	else
		snprintf(buf, n, "signal %d", sig);
}

/* The final state and its reason, from what happened. */
static enum sg_job_state final_state(struct sup *s, int started, const struct sg_track_result *r,
				     const struct sg_error *start_err, char *why, size_t n)
{
	int req = stop_request(s);
	why[0] = '\0';
	if (s->timed_out) {
		snprintf(why, n, "MaxRuntimeExceeded");
		return SG_JOB_FAILED;
	}
	if (req) {
		snprintf(why, n, req == 2 ? "preempted (jobs stop --preempt)" : "stopped (jobs stop)");
		return req == 2 ? SG_JOB_INTERRUPTED : SG_JOB_STOPPED;
	}
	if (s->rule_stop[0]) {
		snprintf(why, n, "%s", s->rule_stop);
		return SG_JOB_STOPPED;
	}
	if (got_signal || (started && r->stopped)) {
		char sig[32];
		signal_name(got_signal ? got_signal : SIGTERM, sig, sizeof sig);
		snprintf(why, n, "interrupted: the supervisor got %s", sig);
		return SG_JOB_INTERRUPTED;
	}
	if (!started) {
		snprintf(why, n, "%s", start_err->msg);
		return SG_JOB_FAILED;
	}
	if (r->exit_code == 0 && !r->signal)
		return SG_JOB_COMPLETED;
	if (sg_sm_failure_reason(s->run_dir, why, n))
		return SG_JOB_FAILED;
	if (r->signal) {
		char sig[32];
		signal_name(r->signal, sig, sizeof sig);
		snprintf(why, n, "AlgorithmError: killed by %s", sig);
	} else {
		snprintf(why, n, "AlgorithmError: exit code %d", r->exit_code);
	}
	return SG_JOB_FAILED;
}

/* 1 when the row is still this supervisor's attempt.  A job reaped as lost
 * while we ran (see beat) gets its true end recorded — the lost mark was a
 * guess — unless it has been resumed since: then the row is the new
 * attempt's. */
static int still_ours(struct sup *s)
{
	struct sg_job_info j;
	if (job_row(s->ws->store, s->id, s->ws->config.heartbeat_timeout, &j, NULL, NULL) != 0)
		return 1;
	return j.attempt == s->info.attempt;
}

/* Writes the end into the row and the run. */
static void record_end(struct sup *s, enum sg_job_state st, const char *why,
		       const struct sg_track_result *r, int started)
{
	struct sg_error e = { 0 };
	if (!still_ours(s)) {
		fprintf(stderr, "sagetty: job %s %s, not recorded: the job was reaped as lost and "
			"has moved on\n", s->id, sg_job_state_name(st));
		return;
	}
	/* The first tick marks the job Running; a program that exited before
	 * it still has a start, r->seconds before now. */
	if (started && !s->ticked)
		job_set_started(s->ws->store, s->id, sg_now() - r->seconds, &e);
	if (started)
		job_set_exit(s->ws->store, s->id, r->exit_code, r->signal, &e);
	if (started && r->log_truncated)
		sg_run_set_tag(s->ws->store, s->id, "sagetty.log_truncated", "true", &e);
	if (job_set_state(s->ws->store, s->id, st, why[0] ? why : NULL, &e) != 0 ||
	    job_finish_run(s->ws->store, s->id, st, why, &e) != 0)
		fprintf(stderr, "sagetty: cannot record the end: %s\n", e.msg);
	fprintf(stderr, "sagetty: job %s %s%s%s\n", s->id, sg_job_state_name(st), why[0] ? ": " : "",
		why);
}

/* Loads the row and its spec; the job must be Queued. */
static int sup_load(struct sup *s, const char *run, struct sg_error *err)
{
	char *spec = NULL;
	if (sg_run_resolve(s->ws->store, run, s->id, err) != 0 ||
	    job_row(s->ws->store, s->id, s->ws->config.heartbeat_timeout, &s->info, &spec,
		    err) != 0)
		return -1;
	int rc = job_spec_parse(spec, &s->spec, err);
	free(spec);
	if (rc != 0)
		return -1;
	if (s->info.state != SG_JOB_QUEUED)
		return sg_error_set(err, SG_E_USAGE, "job %s is %s, not Queued", s->id,
				    sg_job_state_name(s->info.state));
	s->run_dir = sg_workspace_run_dir(s->ws, s->id);
	return 0;
}

static void sup_done(struct sup *s)
{
	if (s->slot_fd >= 0)
		close(s->slot_fd);
	sg_rules_free(s->rules);
	job_spec_done(&s->spec);
	free(s->run_dir);
}

/* Runs the job once it holds a slot. */
static void run_job(struct sup *s)
{
	struct sg_error e = { 0 };
	struct sg_track_result r;
	memset(&r, 0, sizeof r);
	char why[SG_JOB_REASON_MAX];
	s->rules = rules_new(s, &e);
	int rc = e.code ? -1 : run_program(s, &r, &e);
	int started = rc == 0;
	if (s->rules) {
		sg_rules_end(s->rules);
		rules_store(s);
	}
	enum sg_job_state st = final_state(s, started, &r, &e, why, sizeof why);
	record_end(s, st, why, &r, started);
}

int sg_job_supervise(struct sg_workspace *ws, const char *run, struct sg_error *err)
{
	double sup_started = sg_now();
	struct sup s = { .ws = ws, .slot_fd = -1 };
	s.beat_every = sg_job_beat_interval(ws->config.heartbeat_timeout);
	s.beat_at = mono();
	catch_stop_signals();
	/* Orphaned descendants of the script become ours: sampled, then killed. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (sup_load(&s, run, err) != 0) {
		sup_done(&s);
		return -1;
	}
	/* The launcher records our pid; when started by hand, do it here. */
	if (s.info.supervisor_pid != getpid())
		job_set_pid(ws->store, s.id, 0, getpid(), NULL);
	fprintf(stderr, "sagetty: supervisor %ld: job %s attempt %d queued; supervisor up at %.6f\n",
		(long)getpid(), s.id, s.info.attempt, sup_started);
	int w = wait_for_slot(&s, err);
	if (w < 0) {
		sup_done(&s);
		return -1;
	}
	if (w == 0) {
		run_job(&s);
	} else {
		char why[SG_JOB_REASON_MAX];
		struct sg_track_result none = { 0 };
		struct sg_error e = { 0 };
		enum sg_job_state st = final_state(&s, 0, &none, &e, why, sizeof why);
		if (st == SG_JOB_FAILED)   /* stopped while queued: never "failed to start" */
			st = SG_JOB_STOPPED, snprintf(why, sizeof why, "stopped while queued");
		record_end(&s, st, why, &none, 0);
	}
	sup_done(&s);
	job_notify(ws);
	return 0;
}
