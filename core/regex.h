/* regex.h — compiling user-supplied POSIX regexes safely.
 *
 * Metric definitions, rule parameters, filter expressions, run queries and
 * searches all take regexes from users.  glibc's regcomp copies a repeated
 * sub-expression once per count, so "((a{100}){100}){100}", "(((){100}){100})"
 * or "a++++…" build enormous automata and can exhaust memory.  Every regex
 * from outside goes through sg_regex_compile, which refuses patterns whose
 * estimated size is too large before calling regcomp. */
#ifndef SG_REGEX_H
#define SG_REGEX_H

#include <regex.h>
#include "core/error.h"

#define SG_REGEX_MAX_BYTES 1024
#define SG_REGEX_MAX_WEIGHT 2000.0

/* A rough size of what regcomp builds: an atom weighs 1, a group the sum of
 * its contents (at least 1, so empty groups count), a repetition multiplies
 * what it applies to by its largest count (2 for * + ?), and a repetition
 * straight after another (a++, a{2}{3}) counts as too large. */
double sg_regex_weight(const char *pattern);

/* regcomp after the size check.  On failure re is not compiled and err says
 * "WHAT: …" (too large, or regerror's text) with SG_E_PARSE. */
int sg_regex_compile(regex_t *re, const char *pattern, int cflags, const char *what,
		     struct sg_error *err);

#endif
