/* conf.h — the one line format shared by themes, keymaps and the config.
 *
 * Each line is a command word followed by arguments, separated by blanks:
 *
 *     # comment
 *     color status   white  blue   bold
 *     bind  global   <F1>   pane-data
 *     set   theme    "light"
 *
 * Arguments may be double-quoted ("a b", with \" and \\ escapes).  A '#'
 * outside quotes starts a comment.  Blank lines are skipped.  The tokenizer
 * knows nothing of what commands mean: each consumer (theme.c, keymap.c,
 * config.c) passes a callback that interprets one line and reports errors
 * against the column of the offending word. */
#ifndef SG_CONF_H
#define SG_CONF_H

#include <stddef.h>
#include "core/error.h"

#define SG_CONF_MAXARGS 16

struct sg_conf_line {
	const char *file;          /* name used in messages */
	int line;                  /* 1-based */
	int argc;
	char *argv[SG_CONF_MAXARGS]; /* argv[0] is the command word */
	int col[SG_CONF_MAXARGS];  /* 1-based column of each word */
};

/* Interprets one line; on error fills err (use sg_conf_error for the
 * position) and returns -1. */
typedef int (*sg_conf_fn)(const struct sg_conf_line *line, void *ud, struct sg_error *err);

/* Tokenizes buf (len bytes, need not be NUL-terminated; NUL bytes are an
 * error) and calls fn for each non-empty line.  Stops at the first error and
 * returns -1 with err = "file:line:col: message".  Lines longer than 4096
 * bytes, unterminated quotes and more than SG_CONF_MAXARGS words are errors. */
int sg_conf_parse(const char *file, const char *buf, size_t len, sg_conf_fn fn, void *ud,
		  struct sg_error *err);

/* Sets err to "file:line:col: message" for word i of line (i may equal argc
 * to point just past the last word). */
int sg_conf_error(struct sg_error *err, const struct sg_conf_line *line, int i,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
