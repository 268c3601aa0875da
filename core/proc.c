/* proc.c — process identity and tree sampling from /proc. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/proc.h"

#define TREE_MAX 4096

/* Reads a small /proc file into buf (NUL-terminated); bytes read or -1. */
static ssize_t read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t k = read(fd, buf, n - 1);
	close(fd);
	if (k < 0)
		return -1;
	buf[k] = '\0';
	return k;
}

/* The fields of /proc/PID/stat after the command name: field 3 (state) is
 * rest[0].  The name is in parentheses and may hold anything, so the
 * fields start after its last ')'.  NULL when the process is gone. */
static const char *stat_fields(pid_t pid, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, n) <= 0)
		return NULL;
	char *close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' ? close_paren + 2 : NULL;
}

/* Field number f (1-based as in proc(5), f >= 3) of rest. */
static const char *field(const char *rest, int f)
{
	for (int i = 3; i < f && rest; i++) {
		rest = strchr(rest, ' ');
		if (rest)
			rest++;
	}
	return rest;
}

static const char *boot_id(void)
{
	static char id[64];
	if (!id[0]) {
		if (read_small("/proc/sys/kernel/random/boot_id", id, sizeof id) <= 0)
			snprintf(id, sizeof id, "noboot");
		id[strcspn(id, "\n")] = '\0';
	}
	return id;
}

int sg_proc_token(pid_t pid, char *buf, size_t n)
{
	char st[1024];
	const char *rest = pid > 0 ? stat_fields(pid, st, sizeof st) : NULL;
	if (!rest || rest[0] == 'Z' || rest[0] == 'X')
		return -1;
	const char *start = field(rest, 22);
	if (!start)
		return -1;
	snprintf(buf, n, "%s/%lld", boot_id(), strtoll(start, NULL, 10));
	return 0;
}

pid_t sg_proc_pgid(pid_t pid)
{
	char st[1024];
	const char *rest = stat_fields(pid, st, sizeof st);
	const char *f = rest ? field(rest, 5) : NULL;
	return f ? (pid_t)strtol(f, NULL, 10) : -1;
}

/* Appends pid's children (from every thread) to list; returns the count. */
static int add_children(pid_t pid, pid_t *list, int n, int max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		char cpath[96], buf[4096];
		snprintf(cpath, sizeof cpath, "/proc/%ld/task/%s/children", (long)pid, de->d_name);
		if (read_small(cpath, buf, sizeof buf) <= 0)
			continue;
		for (char *p = buf, *end; *p && n < max; p = end) {
			long c = strtol(p, &end, 10);
			if (end == p)
				break;
			list[n++] = (pid_t)c;
		}
	}
	if (d)
		closedir(d);
	return n;
}

int sg_proc_children(pid_t pid, pid_t *out, int max)
{
	return add_children(pid, out, 0, max);
}

int sg_proc_tree_sample(pid_t root, struct sg_proc_sample *out)
{
	static long tick, page;
	if (!tick) {
		tick = sysconf(_SC_CLK_TCK);
		page = sysconf(_SC_PAGESIZE);
	}
	memset(out, 0, sizeof *out);
	pid_t *list = malloc(TREE_MAX * sizeof *list);
	if (!list)
		return -1;
	int n = add_children(root, list, 0, TREE_MAX);
	/* Breadth first: the list grows while it is walked. */
	for (int i = 0; i < n; i++) {
		char st[1024];
		const char *rest = stat_fields(list[i], st, sizeof st);
		if (!rest)
			continue;
		const char *f = field(rest, 14);
		unsigned long long ut = 0, stt = 0;
		long long cut = 0, cst = 0, rss = 0;
		if (f && sscanf(f, "%llu %llu %lld %lld", &ut, &stt, &cut, &cst) == 4) {
			out->cpu_seconds += (double)(ut + stt) / (double)tick;
			out->cpu_seconds += (double)(cut + cst) / (double)tick;
		}
		f = field(rest, 24);
		if (f && sscanf(f, "%lld", &rss) == 1)
			out->rss_mb += (double)rss * (double)page / (1024.0 * 1024.0);
		out->processes++;
		n = add_children(list[i], list, n, TREE_MAX);
	}
	free(list);
	return 0;
}
