/* runedit.h — edits to a run that run.h does not make: removing a tag.
 * (Setting tags and notes is run.h's sg_run_set_tag and sg_run_set_note.) */
#ifndef SG_RUNEDIT_H
#define SG_RUNEDIT_H

#include "core/run.h"

/* Removes tag key from run (a full id or a unique prefix).  Removing a tag
 * the run does not have is not an error; SG_E_NOTFOUND when the run itself
 * is unknown or was deleted. */
int sg_run_remove_tag(struct sg_store *s, const char *run, const char *key, struct sg_error *err);

#endif
