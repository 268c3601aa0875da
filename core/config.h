/* config.h — settings from .sagetty/config and the user's config file.
 *
 * Same line format as themes (conf.h):
 *
 *     set theme light            # default | light | high-contrast | mono | a path
 *     set line-drawing ascii     # auto | utf8 | ascii
 *     set shared-group ml-team   # written by `sagetty init --shared`
 *     set refresh-seconds 2      # how often panes look for new data (1–3600)
 *     set max-jobs 2             # training jobs running at once; more wait queued (1–64)
 *     set log-rotate-mb 64       # a job's stdout/stderr.log is rotated at this size (1–65536)
 *     set log-cap-mb 1024        # then nothing more is logged past this total (1–1048576)
 *     set notebooks-strip-outputs no   # commit notebooks without outputs (yes | no)
 *     set kernels.idle-timeout 3600 # an unused notebook kernel stops after this (s; 0: never)
 *     set editor-keys vi         # the cell editor's keys: emacs | vi
 *     set jobs.heartbeat-timeout 60 # another host's job is lost after this silence (s; 10–86400)
 *
 * Unknown settings are errors (with file:line:col) so typos are not silently
 * ignored. */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stddef.h>
#include "core/error.h"

enum sg_line_drawing { SG_LINES_AUTO, SG_LINES_UTF8, SG_LINES_ASCII };

struct sg_config {
	char theme[256];
	enum sg_line_drawing lines;
	char shared_group[64];   /* empty unless the workspace is shared */
	int refresh_seconds;
	int max_jobs;            /* training jobs running at once (job.h) */
	int log_rotate_mb;       /* a job log is rotated at this size, 2 old files kept */
	int log_cap_mb;          /* a job's logs stop, with a marker, past this total */
	int nb_strip_outputs;    /* notebook commits leave outputs out (nbgit.h) */
	int kernel_idle_timeout; /* seconds before an idle kernel is shut down; 0: never */
	int editor_vi;           /* the cell editor uses vi keys (else emacs) */
	int heartbeat_timeout;   /* seconds of supervisor silence before a job is lost */
};

void sg_config_default(struct sg_config *c);
/* Parses text on top of c; on error c is unchanged. */
int sg_config_parse(struct sg_config *c, const char *file, const char *buf, size_t len,
		    struct sg_error *err);
/* Loads a file on top of c; a missing file is fine when optional. */
int sg_config_load(struct sg_config *c, const char *path, int optional, struct sg_error *err);
/* Serializes c in the line format (for `init`), malloc'd. */
char *sg_config_format(const struct sg_config *c);

#endif
