/* testutil.h — helpers shared by the cmocka tests. */
#ifndef SG_TESTUTIL_H
#define SG_TESTUTIL_H

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/store.h"

/* Makes a fresh temporary folder; returns a malloc'd path. */
static inline char *tu_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/sagetty-test-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(path));
	return path;
}

/* Removes a folder tree (used on temp folders only). */
static inline void tu_rmtree(const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
}

/* Writes text to dir/name; returns the malloc'd path. */
static inline char *tu_write(const char *dir, const char *name, const char *text)
{
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* The source tree's top: $SG_TOP_SRCDIR when set (make check), else the
 * configured SG_SRCDIR. */
static inline const char *tu_srcdir(void)
{
#ifdef SG_SRCDIR
	const char *fallback = SG_SRCDIR;
#else
	const char *fallback = ".";
#endif
	const char *s = getenv("SG_TOP_SRCDIR");
	return s && *s ? s : fallback;
}

/* Feeds every regular file of tests/corpus/NAME (1 MiB at most) to the fuzz
 * entry fn; fails if the folder cannot be opened or a file read, and returns
 * how many files were fed, for the caller to check.  Each file is handed over
 * in a malloc'd buffer of exactly its size with no NUL after it, so ASan
 * catches a read past the end as the fuzzer would. */
static inline int tu_replay_corpus(const char *name, int (*fn)(const uint8_t *, size_t))
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/corpus/%s", tu_srcdir(), name);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096 + 256];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			fail_msg("cannot stat %s", path);
		if (!S_ISREG(st.st_mode))
			continue;
		if (st.st_size > (1 << 20))
			fail_msg("%s: over 1 MiB", path);
		size_t len = (size_t)st.st_size;
		uint8_t *exact = malloc(len ? len : 1);
		assert_non_null(exact);
		FILE *f = fopen(path, "rb");
		if (!f)
			fail_msg("cannot open %s", path);
		if (fread(exact, 1, len, f) != len)
			fail_msg("cannot read %s", path);
		fclose(f);
		fn(exact, len);
		free(exact);
		count++;
	}
	closedir(d);
	return count;
}

/* A per-test temporary folder: cmocka setup/teardown for tests whose state
 * is just that folder (struct tu_dir *f = *state; f->dir). */
struct tu_dir {
	char *dir;
};

static inline int tu_dir_setup(void **state)
{
	struct tu_dir *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tu_tempdir();
	*state = f;
	return 0;
}

static inline int tu_dir_teardown(void **state)
{
	struct tu_dir *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A unit test run in a fresh struct tu_dir. */
#define tu_dir_test(fn) cmocka_unit_test_setup_teardown(fn, tu_dir_setup, tu_dir_teardown)

/* A temporary folder holding a store: *dir gets the folder, *path (or a
 * throwaway when path is NULL) the malloc'd name of DIR/store.db, and *s, when
 * s is non-NULL, that store opened with SG_STORE_CREATE (the test fails if it
 * cannot be).  tu_store_fini undoes it (any of path and s may be NULL). */
static inline void tu_store_init(char **dir, char **path, struct sg_store **s)
{
	char *p = malloc(4200);
	assert_non_null(p);
	*dir = tu_tempdir();
	snprintf(p, 4200, "%s/store.db", *dir);
	if (s) {
		*s = sg_store_open(p, SG_STORE_CREATE, NULL);
		assert_non_null(*s);
	}
	if (path)
		*path = p;
	else
		free(p);
}

static inline void tu_store_fini(char *dir, char *path, struct sg_store *s)
{
	sg_store_close(s);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

#endif
