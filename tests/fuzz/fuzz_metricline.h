/* fuzz_metricline.h — the fuzz entry point for the metric line protocol. */
#ifndef SG_FUZZ_METRICLINE_H
#define SG_FUZZ_METRICLINE_H

#include <stddef.h>
#include <stdint.h>

/* Splits d[0..n) into lines (sg_linebuf, fed in uneven pieces), parses each
 * with sg_metricline_parse and checks the invariants: an error has a column
 * inside the line and a message, and delivers no record; a success delivers
 * exactly the records it counts, each with a valid key and sane fields.  The
 * first line is also tried as a NAME=REGEX metric definition and applied to
 * the others.  abort()s when an invariant breaks; returns 0. */
int sg_fuzz_metricline(const uint8_t *d, size_t n);

#endif
