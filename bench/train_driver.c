/* train_driver.c — the measurements behind bench/train_bench.sh (issue 5).
 *
 *   train_probe (this file built with -DTRAIN_PROBE, no libraries, so its
 *                                       start is its exec): as a job's
 *                                       "interpreter", writes CLOCK_REALTIME
 *                                       to $SM_OUTPUT_DATA_DIR/exec_time
 *   train_driver latency SAGETTY WS N PROBE   N jobs: time from starting `sagetty
 *                                       train` to the probe's exec (the job
 *                                       start → child exec target), one by one,
 *                                       with the median start of /bin/true
 *                                       before and after and the load average
 *   train_driver parse WS LINES         the supervisor's line path: a tracked
 *                                       `cat` of LINES log lines with 5 metric
 *                                       definitions (pipe, log file, regexes,
 *                                       batched points): lines/s
 *   train_driver emit RATE SECONDS      prints RATE lines/s (one write each)
 *   train_driver overhead SAGETTY WS S  a job emitting 1,000 lines/s for S
 *                                       seconds: its supervisor's CPU time
 *                                       from /proc/PID/stat, as % of a core */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifndef TRAIN_PROBE
#include "core/job.h"
#include "core/metricdef.h"
#include "core/run.h"
#include "core/track.h"
#include "core/util.h"
#include "core/workspace.h"
#endif

static double now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#ifdef TRAIN_PROBE
int main(void)
{
	double t = now_real();
	const char *dir = getenv("SM_OUTPUT_DATA_DIR");
	if (!dir)
		return 1;
	char path[4096];
	snprintf(path, sizeof path, "%s/exec_time", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%.6f\n", t);
	fclose(f);
	return 0;
}
#else

/* Runs argv, stdout into out (a buffer), and waits. */
static int run_capture(char *const argv[], char *out, size_t n)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	size_t k = 0;
	ssize_t r;
	while (k + 1 < n && (r = read(p[0], out + k, n - k - 1)) > 0)
		k += (size_t)r;
	out[k] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The 1-minute load average. */
static double load_now(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Waits for the file and reads a number from it. */
static double read_when_there(const char *path, double timeout)
{
	double until = now_real() + timeout;
	while (now_real() < until) {
		FILE *f = fopen(path, "r");
		double v;
		if (f && fscanf(f, "%lf", &v) == 1) {
			fclose(f);
			return v;
		}
		if (f)
			fclose(f);
		usleep(2000);
	}
	return -1;
}

/* Median wall time of n starts of /bin/true: how slow process starts are on
 * the host right now, printed beside the latency so runs compare. */
static double true_start_ms(int n)
{
	double v[64];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++) {
		char *argv[] = { "/bin/true", NULL };
		char out[16];
		double t0 = now_real();
		run_capture(argv, out, sizeof out);
		v[i] = (now_real() - t0) * 1000;
	}
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

static int latency(const char *sagetty, const char *ws, int n, const char *probe)
{
	double before = true_start_ms(21);
	double *ms = calloc((size_t)n, sizeof *ms);
	char script[4096];
	snprintf(script, sizeof script, "%s/probe.job", ws);
	FILE *f = fopen(script, "w");
	fputs("# run by train_driver probe\n", f);
	fclose(f);
	for (int i = 0; i < n; i++) {
		char *argv[] = { (char *)sagetty, "-w", (char *)ws, "train", "--script", script,
				 "--interpreter", (char *)probe, NULL };
		char out[256];
		double t0 = now_real();
		if (run_capture(argv, out, sizeof out) != 0) {
			fprintf(stderr, "train failed\n");
			return 1;
		}
		out[strcspn(out, "\n")] = '\0';
		char path[4096];
		snprintf(path, sizeof path, "%s/.sagetty/runs/%s/output/data/exec_time", ws, out);
		double t1 = read_when_there(path, 10);
		ms[i] = (t1 - t0) * 1000;
		usleep(100000);   /* let the previous supervisor finish */
	}
	double after = true_start_ms(21);
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	printf("latency %d jobs: min %.1f ms, median %.1f ms, p90 %.1f ms, max %.1f ms "
	       "(/bin/true starts in %.2f ms before, %.2f ms after; load %.2f)\n", n, ms[0],
	       ms[n / 2], ms[(n * 9) / 10], ms[n - 1], before, after, load_now());
	free(ms);
	return 0;
}

static int parse_rate(const char *wsdir, long lines)
{
	struct sg_error err = { 0 };
	struct sg_workspace *ws = sg_workspace_open(wsdir, 0, &err);
	if (!ws) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	char *file = sg_path_join(wsdir, "lines.txt");
	FILE *f = fopen(file, "w");
	for (long i = 0; i < lines; i++) {
		if (i % 10 == 0)
			fprintf(f, "epoch=%ld train_loss=%.5f val_loss=%.5f accuracy=%.4f\n", i / 10,
				1.0 / (double)(i + 1), 1.5 / (double)(i + 1), 0.5 + 0.4 * (double)i / (double)lines);
		else
			fprintf(f, "INFO step %ld: processed batch of 64 samples in 12.5 ms (lr 0.001)\n", i);
	}
	fclose(f);
	static const char *const defs_text[] = {
		"train_loss=train_loss=([0-9.e-]+)", "val_loss=val_loss=([0-9.e-]+)",
		"accuracy=accuracy=([0-9.]+)", "epoch=^epoch=([0-9]+)", "lr=\\(lr ([0-9.e-]+)\\)x",
	};
	struct sg_metricdefs *defs = sg_metricdefs_new();
	for (int i = 0; i < 5; i++)
		if (sg_metricdefs_add(defs, defs_text[i], &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	struct sg_run_spec spec = { .name = "parse-bench", .kind = "train" };
	char id[SG_RUN_ID_LEN + 1];
	sg_run_start(ws->store, &spec, id, &err);
	char *dir = sg_workspace_run_dir(ws, id);
	sg_mkdir_p(dir, 0777, &err);
	char *argv[] = { "cat", file, NULL };
	struct sg_track_opts o = { .argv = argv, .run_id = id, .run_dir = dir, .defs = defs,
				   .stdin_null = 1, .own_group = 1,
				   .log_rotate_bytes = 64LL << 20, .log_cap_bytes = 1LL << 30,
				   .coalesce_ms = 20 };   /* as the supervisor */
	struct sg_track_result r;
	double t0 = now_real();
	if (sg_track_run(ws->store, &o, &r, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	double secs = now_real() - t0;
	printf("parse %ld lines, 5 definitions: %.2f s, %.0f lines/s, %lld points\n", lines, secs,
	       (double)lines / secs, r.regex_points);
	sg_metricdefs_free(defs);
	free(dir);
	free(file);
	sg_workspace_free(ws);
	return 0;
}

static int emit(int rate, double seconds)
{
	long total = (long)(rate * seconds);
	double start = now_real();
	for (long i = 0; i < total; i++) {
		double due = start + (double)i / rate;
		double wait = due - now_real();
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
		char line[128];
		int n = snprintf(line, sizeof line, "step %ld loss=%.5f some progress text\n", i,
				 1.0 / (double)(i + 1));
		if (write(1, line, (size_t)n) != n)
			return 1;
	}
	return 0;
}

/* utime + stime of pid in seconds, or -1. */
static double cpu_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int overhead(const char *sagetty, const char *ws, double seconds, const char *self)
{
	char script[4096], hp[64];
	snprintf(script, sizeof script, "%s/emit.sh", ws);
	FILE *f = fopen(script, "w");
	fprintf(f, "exec '%s' emit 1000 \"$2\"\n", self);
	fclose(f);
	snprintf(hp, sizeof hp, "seconds=%g", seconds);
	char *argv[] = { (char *)sagetty, "-w", (char *)ws, "train", "--script", script,
			 "--interpreter", "/bin/sh", "--hp", hp, "--metric", "loss=loss=([0-9.]+)",
			 NULL };
	char out[256];
	if (run_capture(argv, out, sizeof out) != 0)
		return 1;
	out[strcspn(out, "\n")] = '\0';
	struct sg_error err = { 0 };
	struct sg_workspace *w = sg_workspace_open(ws, 0, &err);
	struct sg_job_info j;
	pid_t sup = 0;
	for (int i = 0; i < 200 && !sup; i++) {
		if (sg_job_get(w, out, &j, &err) == 0 && j.state == SG_JOB_RUNNING)
			sup = j.supervisor_pid;
		else
			usleep(10000);
	}
	usleep(500000);   /* past the start */
	double c0 = cpu_of(sup), t0 = now_real();
	usleep((useconds_t)((seconds - 1.5) * 1e6));
	double c1 = cpu_of(sup), t1 = now_real();
	printf("overhead: supervisor %ld, %.2f s CPU over %.2f s at 1,000 lines/s = %.2f%% of a core\n",
	       (long)sup, c1 - c0, t1 - t0, (c1 - c0) / (t1 - t0) * 100);
	while (sg_job_get(w, out, &j, &err) == 0 && !sg_job_state_final(j.state))
		usleep(50000);
	printf("overhead job %s: %s\n", out, sg_job_state_name(j.state));
	sg_workspace_free(w);
	return 0;
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	if (argc == 6 && strcmp(argv[1], "latency") == 0)
		return latency(argv[2], argv[3], atoi(argv[4]), argv[5]);
	if (argc == 4 && strcmp(argv[1], "parse") == 0)
		return parse_rate(argv[2], atol(argv[3]));
	if (argc == 4 && strcmp(argv[1], "emit") == 0)
		return emit(atoi(argv[2]), atof(argv[3]));
	if (argc == 5 && strcmp(argv[1], "overhead") == 0)
		return overhead(argv[2], argv[3], atof(argv[4]), self);
	fprintf(stderr, "usage: see the comment at the top of train_driver.c\n");
	return 2;
}
#endif
