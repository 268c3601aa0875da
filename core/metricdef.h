/* metricdef.h — SageMaker-style metric definitions: NAME=REGEX.
 *
 * REGEX is a POSIX extended regular expression (regcomp with REG_EXTENDED);
 * its first parenthesised group is the value, read as a metric value
 * (metricline.h: a decimal number, nan, inf, -inf).  A line is tested
 * against every definition; each definition takes its first match on the
 * line.  A match whose group is not a number is counted, not recorded.
 * Before running a regex, a line is searched (memmem) for the literal text
 * the regex must contain, when one can be read off the pattern's start, so
 * lines that cannot match cost a substring search, not a regexec. */
#ifndef SG_METRICDEF_H
#define SG_METRICDEF_H

#include <stddef.h>
#include "core/error.h"

struct sg_metricdefs;

struct sg_metricdefs *sg_metricdefs_new(void);
void sg_metricdefs_free(struct sg_metricdefs *d);
/* Adds "NAME=REGEX".  SG_E_PARSE when NAME is empty or not a valid metric
 * key, the regex does not compile (regerror's text), or it has no group. */
int sg_metricdefs_add(struct sg_metricdefs *d, const char *spec, struct sg_error *err);
size_t sg_metricdefs_count(const struct sg_metricdefs *d);
/* The name of definition i. */
const char *sg_metricdefs_name(const struct sg_metricdefs *d, size_t i);

/* Called for each definition matching a line, with the value of its group. */
typedef void (*sg_metricdef_fn)(const char *name, double value, void *ud);
/* Applies every definition to one NUL-terminated line (len = strlen).
 * Returns how many values were found; *bad (may be NULL) is increased by the
 * matches whose group was not a number. */
int sg_metricdefs_apply(const struct sg_metricdefs *d, const char *line, size_t len,
			sg_metricdef_fn fn, void *ud, long long *bad);

#endif
