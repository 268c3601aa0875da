/* expr.h — the filter expression language of `data filter --where` and the
 * Data pane's filter prompt.
 *
 * Grammar (keywords in any case; `=` `&&` `||` `!` are accepted as aliases of
 * `==` `and` `or` `not`):
 *
 *     expr    := and ( "or" and )*
 *     and     := not ( "and" not )*
 *     not     := "not" not | primary
 *     primary := "(" expr ")"
 *              | COLUMN ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) VALUE
 *              | COLUMN ( "~" | "!~" ) STRING        POSIX extended regex, unanchored
 *              | COLUMN "is" [ "not" ] "null"
 *     COLUMN  := bare name (letters, digits, _ . and any non-ASCII byte; not
 *                starting with a digit) | `back quoted` (`` is one backquote)
 *     VALUE   := NUMBER | STRING | true | false
 *     NUMBER  := an integer, decimal or exponent number, or a bare date or
 *                datetime (2024-01-31, 2024-01-31T10:00:00Z)
 *     STRING  := "…" or '…' with \" \' \\ \n \t \r; any other backslash is
 *                kept as is, so regexes read naturally ("a\.b").
 *
 * Values, as colstats sees them (sg_value_kind): a field is missing when it
 * is empty or NA, N/A, NaN, null, None…  A comparison is numeric when the
 * field and the value are of one family — numbers (integer/float), booleans
 * (true/false/yes/no) or times (dates and datetimes, as seconds) — and else
 * compares bytes (memcmp, then length).  A missing field satisfies `is null`,
 * `!=` any non-missing value and nothing else (`age < 30` skips rows with no
 * age); against a missing literal (`== ""`) it compares bytes.  A regex sees
 * the field's bytes (NULs included), so `x ~ "^$"` matches empty fields.
 *
 * Nesting (parentheses and `not`) is limited to SG_EXPR_MAX_DEPTH so a
 * hostile expression cannot exhaust the stack; and/or chains are flat and
 * unlimited.  Errors read "where:LINE:COL: message", COL counting characters
 * (UTF-8) from 1 at the offending token.
 *
 * Threads: a compiled expression is immutable; sg_expr_eval may run on it
 * from many threads at once (glibc's regexec serializes on a lock inside
 * the regex, so regex-heavy filters gain less from threads). */
#ifndef SG_EXPR_H
#define SG_EXPR_H

#include <stddef.h>
#include "core/csvfile.h"
#include "core/error.h"

#define SG_EXPR_MAX_DEPTH 200

struct sg_expr;

/* Compiles text against the columns of c.  0 with *out set, or -1 with
 * SG_E_PARSE and a positioned message. */
int sg_expr_compile(const char *text, const struct sg_csv *c, struct sg_expr **out,
		    struct sg_error *err);
/* The same over text[0..len) (a NUL byte in it is an error) and an explicit
 * list of ncols column names. */
int sg_expr_compile_names(const char *text, size_t len, const char *const *names, int ncols,
			  struct sg_expr **out, struct sg_error *err);
/* 1 when the parsed row satisfies e, else 0.  Columns past the row's fields
 * read as empty. */
int sg_expr_eval(const struct sg_expr *e, const struct sg_csv_cursor *row);
/* The highest column index e reads (so a scan may split rows only that far). */
int sg_expr_max_column(const struct sg_expr *e);
void sg_expr_free(struct sg_expr *e);

#endif
