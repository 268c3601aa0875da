/* workspace_init.c — creating a workspace (`sagetty init`): the folders,
 * the config, the store and the git repository.  Apart from workspace.c so
 * that programs which only open workspaces (the job supervisor, whose
 * start is part of every job's start) do not load libgit2. */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>
#include "core/util.h"
#include "core/workspace.h"

/* Group members need rwx on folders and rw on files; setgid folders make
 * everything created inside them belong to the group. */
static int share_path(const char *path, gid_t gid, struct sg_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return sg_error_errno(err, "cannot share %s", path);
	if (st.st_gid != gid && chown(path, (uid_t)-1, gid) != 0)
		return sg_error_errno(err, "cannot give %s to the group", path);
	mode_t mode = st.st_mode & 07777;
	mode |= S_ISDIR(st.st_mode) ? (S_IRWXG | S_ISGID) : (S_IRGRP | S_IWGRP);
	if (chmod(path, mode) != 0)
		return sg_error_errno(err, "cannot make %s group-writable", path);
	return 0;
}

static int share_workspace(const char *root, const char *dir, const char *runs,
			   const char *store, const char *config, const char *group,
			   struct sg_error *err)
{
	struct group *gr = getgrnam(group);
	if (!gr)
		return sg_error_set(err, SG_E_USAGE, "no Unix group '%s' (see getent group)", group);
	const char *paths[] = { root, dir, runs, store, config, NULL };
	for (int i = 0; paths[i]; i++)
		if (share_path(paths[i], gr->gr_gid, err) != 0)
			return -1;
	/* -wal and -shm exist while the store is open; SQLite gives new ones the
	 * store's own mode, but ones left from before must be fixed here. */
	const char *suffixes[] = { "-wal", "-shm", NULL };
	for (int i = 0; suffixes[i]; i++) {
		char *p = sg_xasprintf("%s%s", store, suffixes[i]);
		int rc = access(p, F_OK) == 0 ? share_path(p, gr->gr_gid, err) : 0;
		free(p);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Makes dir a git repository unless it already lies inside one. */
static int ensure_repository(const char *dir, const char *group, int *created,
			     struct sg_error *err)
{
	git_libgit2_init();
	git_buf found = { 0 };
	int rc = git_repository_discover(&found, dir, 0, NULL);
	git_buf_dispose(&found);
	*created = 0;
	if (rc == 0) {
		git_libgit2_shutdown();
		return 0;
	}
	git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	opts.flags = GIT_REPOSITORY_INIT_MKPATH;
	if (group)
		opts.mode = GIT_REPOSITORY_INIT_SHARED_GROUP;
	git_repository *repo = NULL;
	rc = git_repository_init_ext(&repo, dir, &opts);
	if (rc != 0) {
		const git_error *ge = git_error_last();
		sg_error_set(err, SG_E_GIT, "cannot create a git repository in %s: %s", dir,
			     ge ? ge->message : "unknown error");
	} else {
		*created = 1;
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc == 0 ? 0 : -1;
}

/* Writes the config on first init; on a later `init --shared` records the
 * group in the existing settings without losing the user's other lines. */
static int write_config(const char *path, const char *group, struct sg_error *err)
{
	struct sg_config c;
	sg_config_default(&c);
	if (sg_is_file(path)) {
		if (!group)
			return 0;
		if (sg_config_load(&c, path, 0, err) != 0)
			return -1;
		if (strcmp(c.shared_group, group) == 0)
			return 0;
	}
	if (group)
		snprintf(c.shared_group, sizeof c.shared_group, "%s", group);
	char *text = sg_config_format(&c);
	int rc = sg_write_atomic(path, text, strlen(text), group ? 0664 : 0644, err);
	free(text);
	return rc;
}

/* Everything under .sagetty/ is local state, never versioned. */
static int write_gitignore(const char *dir, struct sg_error *err)
{
	char *path = sg_path_join(dir, ".gitignore");
	int rc = 0;
	if (!sg_is_file(path)) {
		static const char text[] = "# sagetty's local state: never commit it\n*\n";
		rc = sg_write_atomic(path, text, sizeof text - 1, 0644, err);
	}
	free(path);
	return rc;
}

/* Creates the store (and migrates an old one) by opening it once. */
static int create_store(const char *store, struct sg_error *err)
{
	struct sg_store *s = sg_store_open(store, SG_STORE_CREATE, err);
	if (!s)
		return -1;
	sg_store_close(s);
	return 0;
}

int sg_workspace_init(const char *dir_arg, const char *group, struct sg_init_result *res,
		      struct sg_error *err)
{
	struct sg_init_result dummy;
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof *res);
	/* Check the group before creating anything, so a typo leaves no trace. */
	if (group && !getgrnam(group))
		return sg_error_set(err, SG_E_USAGE, "no Unix group '%s' (see getent group)", group);
	if (group)
		umask(umask(0) & ~(mode_t)S_IRWXG);
	if (sg_mkdir_p(dir_arg, 0777, err) != 0)
		return -1;
	char *root = sg_realpath(dir_arg);
	if (!root)
		return sg_error_errno(err, "cannot resolve %s", dir_arg);
	char *dir = sg_path_join(root, SG_WS_DIR);
	char *runs = sg_path_join(dir, SG_WS_RUNS);
	char *store = sg_path_join(dir, SG_WS_STORE);
	char *config = sg_path_join(dir, SG_WS_CONFIG);
	int rc = -1;
	res->created_workspace = !sg_is_dir(dir);
	if (sg_mkdir_p(runs, 0777, err) == 0 && write_gitignore(dir, err) == 0 &&
	    write_config(config, group, err) == 0 && create_store(store, err) == 0 &&
	    ensure_repository(root, group, &res->created_repository, err) == 0)
		rc = group ? share_workspace(root, dir, runs, store, config, group, err) : 0;
	free(root);
	free(dir);
	free(runs);
	free(store);
	free(config);
	return rc;
}
