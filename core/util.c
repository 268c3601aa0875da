/* util.c — memory, paths, files, identity, time. */
#include "sgconfig.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif
#include "core/util.h"

static void oom(void)
{
	fputs("sagetty: out of memory\n", stderr);
	abort();
}

void *sg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *sg_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *sg_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *sg_xstrdup(const char *s)
{
	return sg_xstrndup(s, strlen(s));
}

char *sg_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = sg_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *sg_xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	char *p = sg_xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

/* ---- growable buffer ---- */

/* Makes room for n more bytes and the NUL. */
static void buf_grow(struct sg_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->data = sg_xrealloc(b->data, cap);
	b->cap = cap;
}

void sg_buf_add(struct sg_buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sg_buf_puts(struct sg_buf *b, const char *s)
{
	sg_buf_add(b, s, strlen(s));
}

void sg_buf_putc(struct sg_buf *b, char c)
{
	sg_buf_add(b, &c, 1);
}

void sg_buf_printf(struct sg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sg_buf_truncate(struct sg_buf *b, size_t len)
{
	if (b->data && len <= b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

char *sg_buf_take(struct sg_buf *b, size_t *len)
{
	sg_buf_add(b, "", 0);
	char *s = b->data;
	if (len)
		*len = b->len;
	memset(b, 0, sizeof *b);
	return s;
}

void sg_buf_done(struct sg_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

char *sg_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 0 && a[la - 1] == '/')
		la--;   /* "/" becomes "", so joining gives "/b", not "//b" */
	while (*b == '/')
		b++;
	return sg_xasprintf("%.*s/%s", (int)la, a, b);
}

char *sg_realpath(const char *path)
{
	return realpath(path, NULL);
}

int sg_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sg_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int sg_mkdir_p(const char *path, mode_t mode, struct sg_error *err)
{
	char *p = sg_xstrdup(path);
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			sg_error_errno(err, "cannot create folder %s", p);
			free(p);
			return -1;
		}
		if (c == '\0')
			break;
		*s = c;
	}
	free(p);
	if (!sg_is_dir(path))
		return sg_error_set(err, SG_E_IO, "%s exists and is not a folder", path);
	return 0;
}

char *sg_read_file(const char *path, size_t max_bytes, size_t *len, struct sg_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sg_error_errno(err, "cannot open %s", path);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (errno == 0 || S_ISDIR(st.st_mode))
			sg_error_set(err, SG_E_IO, "%s is not a regular file", path);
		else
			sg_error_errno(err, "cannot read %s", path);
		close(fd);
		return NULL;
	}
	if ((size_t)st.st_size > max_bytes) {
		sg_error_set(err, SG_E_IO, "%s is too large (%lld bytes, at most %zu)", path,
			     (long long)st.st_size, max_bytes);
		close(fd);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = sg_xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max_bytes) {
				sg_error_set(err, SG_E_IO, "%s grew too large while reading", path);
				goto fail;
			}
			cap *= 2;
			buf = sg_xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sg_error_errno(err, "cannot read %s", path);
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsyncs the folder holding path so the rename itself is durable. */
static void sync_parent(const char *path)
{
	char *dir = sg_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int sg_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct sg_error *err)
{
	char *tmp = sg_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		sg_error_errno(err, "cannot write %s", path);
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		sg_error_errno(err, "cannot write %s", path);
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		sg_error_errno(err, "cannot replace %s", path);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	sync_parent(path);
	return 0;
}

const char *sg_username(void)
{
	static char name[64];
	if (!name[0]) {
		struct passwd *pw = getpwuid(getuid());
		if (pw && pw->pw_name && pw->pw_name[0])
			snprintf(name, sizeof name, "%s", pw->pw_name);
		else
			snprintf(name, sizeof name, "uid%ld", (long)getuid());
	}
	return name;
}

double sg_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sg_format_time(double t, char *buf, size_t n)
{
	if (t <= 0) {
		snprintf(buf, n, "-");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

void sg_format_duration(double secs, char *buf, size_t n)
{
	if (secs < 0)
		secs = 0;
	long s = (long)secs;
	if (s >= 86400)
		snprintf(buf, n, "%ldd%02ldh", s / 86400, (s % 86400) / 3600);
	else if (s >= 3600)
		snprintf(buf, n, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
	else if (s >= 60)
		snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, n, "%lds", s);
}

int sg_random_bytes(void *buf, size_t n)
{
#ifdef HAVE_GETRANDOM
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
#endif
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, n);
	close(fd);
	return r == (ssize_t)n ? 0 : -1;
}

int sg_atomic_open(struct sg_atomic_file *f, const char *path, mode_t mode, struct sg_error *err)
{
	f->path = sg_xstrdup(path);
	f->tmp = sg_xasprintf("%s.tmp.%ld", path, (long)getpid());
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (f->fd >= 0)
		return 0;
	sg_error_errno(err, "cannot write %s", path);
	free(f->path);
	free(f->tmp);
	f->path = f->tmp = NULL;
	return -1;
}

int sg_atomic_write(struct sg_atomic_file *f, const void *data, size_t len, struct sg_error *err)
{
	if (write_all(f->fd, data, len) == 0)
		return 0;
	return sg_error_errno(err, "cannot write %s", f->path);
}

void sg_atomic_abort(struct sg_atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	free(f->path);
	free(f->tmp);
	f->path = f->tmp = NULL;
	f->fd = -1;
}

int sg_atomic_commit(struct sg_atomic_file *f, struct sg_error *err)
{
	if (fsync(f->fd) != 0) {
		sg_error_errno(err, "cannot write %s", f->path);
		sg_atomic_abort(f);
		return -1;
	}
	close(f->fd);
	f->fd = -1;
	if (rename(f->tmp, f->path) != 0) {
		sg_error_errno(err, "cannot replace %s", f->path);
		sg_atomic_abort(f);
		return -1;
	}
	sync_parent(f->path);
	free(f->path);
	free(f->tmp);
	f->path = f->tmp = NULL;
	return 0;
}
