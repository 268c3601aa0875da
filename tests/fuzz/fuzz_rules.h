/* fuzz_rules.h — the fuzz entry point for debugger rule specs. */
#ifndef SG_FUZZ_RULES_H
#define SG_FUZZ_RULES_H

#include <stddef.h>
#include <stdint.h>

/* Parses d[0..n) as one rule spec (sg_rules_add).  An error must be
 * "rule:1:COL: message" with COL inside the spec (or just past it) and leave
 * nothing added.  A valid spec then gets a fixed short stream — losses, a
 * train/validation pair, a gradient norm, NaN and Inf, log lines, ticks far
 * apart, an end — and the engine's invariants are checked: events only for
 * IssuesFound or Error, each rule fires at most once, a message and a
 * NULL-terminated argv, and no rule left InProgress at the end.  abort()s
 * when an invariant breaks; returns 0. */
int sg_fuzz_rules(const uint8_t *d, size_t n);

#endif
