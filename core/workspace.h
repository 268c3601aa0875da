/* workspace.h — a folder with .sagetty/ in it.
 *
 *     DIR/.sagetty/store.db    the SQLite store
 *     DIR/.sagetty/config      settings (config.h)
 *     DIR/.sagetty/runs/       one folder per run
 *
 * Found by walking up from a starting folder, as git finds .git/.  A shared
 * workspace (init --shared GROUP) belongs to a Unix group: its folders are
 * setgid and group-writable, and every process that opens it clears the
 * group bits from its umask so files it creates stay writable by the group. */
#ifndef SG_WORKSPACE_H
#define SG_WORKSPACE_H

#include "core/config.h"
#include "core/store.h"

#define SG_WS_DIR ".sagetty"
#define SG_WS_STORE "store.db"
#define SG_WS_CONFIG "config"
#define SG_WS_RUNS "runs"

struct sg_workspace {
	char *root;        /* absolute */
	char *dir;         /* root/.sagetty */
	char *runs_dir;    /* root/.sagetty/runs */
	struct sg_store *store;
	struct sg_config config;
	char user[64];
	int readonly;      /* opened read-only (the store could not be written) */
	/* A malformed config file does not stop anything: the defaults are
	 * used and this holds "file:line:col: why" for the front end to show. */
	char config_error[1024];
};

struct sg_init_result {
	int created_workspace;   /* 0: it existed already */
	int created_repository;  /* 0: DIR was inside a git repository already */
};

/* Creates dir/.sagetty (and dir itself if missing) with the store, runs/
 * and config; makes dir a git repository with libgit2 unless dir is inside
 * one already (an existing repository is never touched).  Running it again
 * is harmless.  shared_group, when non-NULL, prepares the workspace for
 * that Unix group (see above). */
int sg_workspace_init(const char *dir, const char *shared_group, struct sg_init_result *res,
		      struct sg_error *err);
/* Walks up from start to the nearest folder holding .sagetty/; *root is
 * malloc'd.  SG_E_NOWORKSPACE when there is none. */
int sg_workspace_find(const char *start, char **root, struct sg_error *err);

enum sg_ws_flags { SG_WS_READONLY = 1 << 0 };
/* Opens the workspace at root: config, store (migrated).  A store that
 * cannot be written is opened read-only when SG_WS_READONLY is given, else
 * it is an error. */
struct sg_workspace *sg_workspace_open(const char *root, unsigned flags, struct sg_error *err);
/* Finds from start, then opens. */
struct sg_workspace *sg_workspace_discover(const char *start, unsigned flags,
					   struct sg_error *err);
void sg_workspace_free(struct sg_workspace *ws);
/* The folder of one run (not created). */
char *sg_workspace_run_dir(const struct sg_workspace *ws, const char *run_id);

#endif
