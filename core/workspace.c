/* workspace.c — finding and opening workspaces (creating one is in
 * workspace_init.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/util.h"
#include "core/workspace.h"

#define CONFIG_MAX_BYTES (1u << 20)

int sg_workspace_find(const char *start, char **root_out, struct sg_error *err)
{
	char *cur = sg_realpath(start);
	if (!cur)
		return sg_error_errno(err, "cannot resolve %s", start);
	for (;;) {
		char *probe = sg_path_join(cur, SG_WS_DIR);
		int found = sg_is_dir(probe);
		free(probe);
		if (found) {
			*root_out = cur;
			return 0;
		}
		char *slash = strrchr(cur, '/');
		if (!slash || (slash == cur && cur[1] == '\0'))
			break;
		if (slash == cur)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(cur);
	return sg_error_set(err, SG_E_NOWORKSPACE,
			    "not inside a sagetty workspace (no .sagetty/ in %s or any folder above it); "
			    "create one with `sagetty init`", start);
}

/* Loads .sagetty/config; a bad file leaves the defaults and a message. */
static void load_config(struct sg_workspace *ws)
{
	struct sg_error err;
	char *path = sg_path_join(ws->dir, SG_WS_CONFIG);
	sg_config_default(&ws->config);
	if (sg_config_load(&ws->config, path, 1, &err) != 0)
		snprintf(ws->config_error, sizeof ws->config_error, "%s (using defaults)", err.msg);
	free(path);
}

struct sg_workspace *sg_workspace_open(const char *root, unsigned flags, struct sg_error *err)
{
	struct sg_workspace *ws = sg_xcalloc(1, sizeof *ws);
	ws->root = sg_realpath(root);
	if (!ws->root) {
		sg_error_errno(err, "cannot open workspace %s", root);
		free(ws);
		return NULL;
	}
	ws->dir = sg_path_join(ws->root, SG_WS_DIR);
	if (!sg_is_dir(ws->dir)) {
		sg_error_set(err, SG_E_NOWORKSPACE, "%s is not a sagetty workspace (it has no %s/ "
			     "folder); create one with `sagetty init %s`", root, SG_WS_DIR, root);
		sg_workspace_free(ws);
		return NULL;
	}
	ws->runs_dir = sg_path_join(ws->dir, SG_WS_RUNS);
	snprintf(ws->user, sizeof ws->user, "%s", sg_username());
	load_config(ws);
	if (ws->config.shared_group[0])
		umask(umask(0) & ~(mode_t)S_IRWXG);
	char *store = sg_path_join(ws->dir, SG_WS_STORE);
	ws->store = sg_store_open(store, 0, err);
	if (!ws->store && err && err->code == SG_E_READONLY && (flags & SG_WS_READONLY)) {
		ws->store = sg_store_open(store, SG_STORE_READONLY, err);
		ws->readonly = ws->store != NULL;
	}
	free(store);
	if (!ws->store) {
		sg_workspace_free(ws);
		return NULL;
	}
	return ws;
}

struct sg_workspace *sg_workspace_discover(const char *start, unsigned flags,
					   struct sg_error *err)
{
	char *root;
	if (sg_workspace_find(start, &root, err) != 0)
		return NULL;
	struct sg_workspace *ws = sg_workspace_open(root, flags, err);
	free(root);
	return ws;
}

void sg_workspace_free(struct sg_workspace *ws)
{
	if (!ws)
		return;
	sg_store_close(ws->store);
	free(ws->root);
	free(ws->dir);
	free(ws->runs_dir);
	free(ws);
}

char *sg_workspace_run_dir(const struct sg_workspace *ws, const char *run_id)
{
	return sg_path_join(ws->runs_dir, run_id);
}
