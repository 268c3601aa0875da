/* mon_log.c — a log file's tail, read incrementally: only the bytes
 * appended since the last update are read, so following a busy log costs
 * what it grows by. */
#include "sgconfig.h"
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/util.h"
#include "tui/mon.h"

/* Forgets every line and the read position. */
static void log_clear(struct mon_log *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->lines[i]);
	l->n = 0;
	l->off = 0;
	l->ino = 0;
	free(l->partial);
	l->partial = NULL;
	l->match = -1;
	l->has_banner = 0;
}

static void log_push(struct mon_log *l, const char *text, size_t len);

/* Puts the banner back as line 0 of an empty tail. */
static void log_put_banner(struct mon_log *l)
{
	if (l->banner && l->n == 0) {
		log_push(l, l->banner, strlen(l->banner));
		l->has_banner = 1;
	}
}

void mon_log_banner(struct mon_log *l, const char *banner)
{
	free(l->banner);
	l->banner = banner ? sg_xstrdup(banner) : NULL;
	if (l->n == 0)
		log_put_banner(l);
}

void mon_log_open(struct mon_log *l, const char *path)
{
	log_clear(l);
	free(l->banner);
	l->banner = NULL;
	free(l->path);
	l->path = path ? sg_xstrdup(path) : NULL;
	l->follow = 1;
	l->top = 0;
}

void mon_log_done(struct mon_log *l)
{
	log_clear(l);
	free(l->lines);
	free(l->path);
	free(l->banner);
	memset(l, 0, sizeof *l);
}

/* Appends one line (len bytes), dropping the oldest half when full. */
static void log_push(struct mon_log *l, const char *text, size_t len)
{
	if (l->n == MON_LOG_KEEP) {
		size_t drop = MON_LOG_KEEP / 2;
		for (size_t i = 0; i < drop; i++)
			free(l->lines[i]);
		memmove(l->lines, l->lines + drop, (l->n - drop) * sizeof *l->lines);
		l->n -= drop;
		l->has_banner = 0;
		l->top = l->top > (long)drop ? l->top - (long)drop : 0;
		l->match = l->match >= (long)drop ? l->match - (long)drop : -1;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->lines = sg_xrealloc(l->lines, l->cap * sizeof *l->lines);
	}
	char *s = sg_xmalloc(len + 1);
	memcpy(s, text, len);
	s[len] = '\0';
	if (len && s[len - 1] == '\r')
		s[len - 1] = '\0';
	l->lines[l->n++] = s;
}

/* Splits buf (n bytes) into lines, the first continuing l->partial. */
static void log_feed(struct mon_log *l, const char *buf, size_t n)
{
	const char *p = buf, *end = buf + n, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		if (l->partial) {
			size_t a = strlen(l->partial), b = (size_t)(nl - p);
			char *joined = sg_xmalloc(a + b + 1);
			memcpy(joined, l->partial, a);
			memcpy(joined + a, p, b);
			log_push(l, joined, a + b);
			free(joined);
			free(l->partial);
			l->partial = NULL;
		} else {
			log_push(l, p, (size_t)(nl - p));
		}
		p = nl + 1;
	}
	if (p < end) {
		size_t a = l->partial ? strlen(l->partial) : 0, b = (size_t)(end - p);
		l->partial = sg_xrealloc(l->partial, a + b + 1);
		memcpy(l->partial + a, p, b);
		l->partial[a + b] = '\0';
	}
}

int mon_log_update(struct mon_log *l)
{
	struct stat st;
	int fd, changed = 0;

	if (!l->path || stat(l->path, &st) != 0)
		return 0;
	if (st.st_ino != l->ino || st.st_size < l->off) {
		changed = l->n > (size_t)l->has_banner || l->partial;   /* rotated or truncated */
		log_clear(l);
		log_put_banner(l);
		l->ino = st.st_ino;
	}
	if (st.st_size == l->off || (fd = open(l->path, O_RDONLY | O_CLOEXEC)) < 0)
		return changed;
	if (st.st_size - l->off > MON_LOG_READ) {
		l->off = st.st_size - MON_LOG_READ;
		free(l->partial);
		l->partial = sg_xstrdup("\xe2\x80\xa6");  /* the cut line starts with … */
	}
	char *buf = sg_xmalloc(MON_LOG_READ);
	ssize_t got = pread(fd, buf, MON_LOG_READ, l->off);
	if (got > 0) {
		log_feed(l, buf, (size_t)got);
		l->off += got;
		changed = 1;
	}
	free(buf);
	close(fd);
	return changed;
}

/* The first line shown in h rows. */
static long log_first(const struct mon_log *l, int h)
{
	long last = (long)l->n - h;

	if (last < 0)
		last = 0;
	if (l->follow || l->top > last)
		return last;
	return l->top < 0 ? 0 : l->top;
}

void mon_log_draw(struct mon_log *l, struct surface *s, int y, int h)
{
	long first = log_first(l, h);

	/* The banner stays in view as a heading when the lines scroll past it:
	 * it says whose log this is (which attempt). */
	if (l->has_banner && first > 0 && h > 1) {
		surface_textw(s, y, 0, s->w, SG_ROLE_HEADER, TEXT_ELLIPSIS, l->lines[0]);
		y++, h--, first++;
	}
	for (int r = 0; r < h && first + r < (long)l->n; r++) {
		long i = first + r;
		enum sg_role role = i == l->match ? SG_ROLE_CURSOR :
				    i == 0 && l->has_banner ? SG_ROLE_HEADER : SG_ROLE_NORMAL;
		surface_textw(s, y + r, 0, s->w, role, TEXT_ELLIPSIS, l->lines[i]);
	}
}

void mon_log_scroll(struct mon_log *l, long delta, int h)
{
	if (delta == LONG_MAX) {
		l->follow = 1;
		return;
	}
	l->top = log_first(l, h) + delta;
	l->follow = 0;
	long last = (long)l->n - h;
	if (l->top >= last)
		l->follow = 1;
	if (l->top < 0)
		l->top = 0;
}

int mon_log_search(struct mon_log *l, const char *text, int dir, int h)
{
	long from = dir > 0 ? l->match + 1 : (dir < 0 && l->match >= 0 ? l->match - 1 :
						  (long)l->n - 1);

	if (text != l->search)
		text_copy(l->search, sizeof l->search, text);
	if (!*l->search)
		return -1;
	for (long i = from; i >= 0 && i < (long)l->n; i += dir > 0 ? 1 : -1) {
		if (strcasestr(l->lines[i], l->search)) {
			l->match = i;
			l->follow = 0;
			l->top = i - h / 2 < 0 ? 0 : i - h / 2;
			return 0;
		}
	}
	return -1;
}
