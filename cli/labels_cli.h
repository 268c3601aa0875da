/* labels_cli.h — what the `labels` verbs share (cmd_labels*.c). */
#ifndef SG_LABELS_CLI_H
#define SG_LABELS_CLI_H

#include <jansson.h>
#include "cli/cli.h"
#include "core/labels.h"

/* Resolves DATASET and registers it when it is a workspace file that is not
 * registered yet (labels are stored by dataset). */
int labels_dataset(struct sg_workspace *ws, const char *arg, struct cli_dataset *d,
		   struct sg_error *err);
/* Opens the dataset for labeling as the Unix user; unless quiet, reports a
 * changed file, orphaned labels and duplicate keys on stderr. */
struct sg_labels *labels_open_cli(struct sg_workspace *ws, struct cli_dataset *d, int quiet,
				  struct sg_labels_sync *sync, struct sg_error *err);
/* labels_dataset then labels_open_cli: DATASET opened for labeling. */
struct sg_labels *labels_open_arg(struct sg_workspace *ws, const char *arg, int quiet,
				  struct sg_labels_sync *sync, struct sg_error *err);
/* A stored value as JSON: single → string, multi/span → the array. */
json_t *labels_value_json(const struct sg_scheme *sc, const char *value);

int labels_import(struct sg_workspace *ws, int argc, char **argv);
int labels_export(struct sg_workspace *ws, int argc, char **argv);
int labels_stats(struct sg_workspace *ws, int argc, char **argv);
int labels_consolidate(struct sg_workspace *ws, int argc, char **argv);
/* cmd_labels_auto.c */
int labels_auto(struct sg_workspace *ws, int argc, char **argv);
int labels_review(struct sg_workspace *ws, int argc, char **argv);

#endif
