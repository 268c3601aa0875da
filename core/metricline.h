/* metricline.h — the line protocol a tracked process logs through.
 *
 * One record per line, in either of two forms (the guide's "Tracking a
 * process" has the user-facing description):
 *
 *   Text:   KEY VALUE [step=N] [ts=UNIXSECONDS]
 *           param KEY VALUE...        (VALUE is the rest of the line)
 *           tag KEY VALUE...
 *   JSON:   {"key": "loss", "value": 0.25, "step": 4, "ts": 1700000000.5}
 *           {"loss": 0.25, "acc": 0.9, "step": 4}       (one metric per member)
 *           {"param": {"lr": 0.01, "opt": "adam"}}      ("params" also accepted)
 *           {"tag": {"owner": "kim"}}                   ("tags" also accepted)
 *
 * Fields are separated by spaces or tabs; a trailing '\r' is ignored; blank
 * lines and lines starting with '#' are skipped.  KEY is 1..250 bytes of
 * valid UTF-8 with no spaces or control characters; in the text form it may
 * not start with '{' or '#', and "param" and "tag" as the first word start a
 * param or tag line (use JSON to log a metric with one of those names).
 * VALUE is a decimal number (123, -1.5, 2e-3, .5) or nan, inf, -inf,
 * infinity (any case); JSON also takes the strings "NaN", "Infinity",
 * "-Infinity" (and the bare NaN/Infinity that Python's json.dumps writes).
 * step is an integer >= 0; ts is Unix seconds (> 0).  A line is all or
 * nothing: if any part is malformed, none of its records is taken, and the
 * error names the 1-based byte column where the problem is.  An omitted step
 * is filled in later by the consumer (ingest.h: one more than the key's
 * highest step so far). */
#ifndef SG_METRICLINE_H
#define SG_METRICLINE_H

#include <stddef.h>
#include "core/util.h"

#define SG_MLINE_KEY_MAX 250
#define SG_MLINE_MAX (64 * 1024)     /* longer lines are malformed */

enum sg_mrec_kind { SG_MREC_METRIC, SG_MREC_PARAM, SG_MREC_TAG };

struct sg_mrec {
	enum sg_mrec_kind kind;
	const char *key;     /* NUL-terminated; valid only during the callback */
	const char *text;    /* param/tag value, NUL-terminated; NULL for metrics */
	double value;        /* metrics: NaN and ±Inf kept */
	long long step;      /* when has_step */
	int has_step;
	double ts;           /* 0: not given */
};

typedef void (*sg_mrec_fn)(const struct sg_mrec *r, void *ud);

struct sg_mline_error {
	int col;             /* 1-based byte column */
	char msg[160];
};

/* Parses one line (len bytes, no newline; need not be NUL-terminated).
 * Returns the number of records passed to fn (0 for a blank or comment
 * line), or -1 with e filled when the line is malformed (fn not called). */
int sg_metricline_parse(const char *line, size_t len, sg_mrec_fn fn, void *ud,
			struct sg_mline_error *e);

/* 1 when key is a valid metric, param or tag key (as in JSON lines: spaces
 * allowed, control characters and invalid UTF-8 not, 1..250 bytes). */
int sg_metric_key_valid(const char *key);

/* Parses a whole token as a metric value (see above); 0 on success.  Never
 * depends on the locale. */
int sg_metric_value_parse(const char *s, size_t len, double *out);

/* Splits a byte stream into lines for a consumer.  Lines longer than
 * SG_MLINE_MAX are cut there and flagged so the consumer can refuse them. */
struct sg_linebuf {
	struct sg_buf line;  /* the pending partial line */
	long long lineno;    /* lines delivered so far */
	int overlong;        /* inside a line that exceeded the limit */
};
/* Called once per complete line: NUL-terminated (no '\n'; a '\r' before it
 * is dropped), lineno 1-based, too_long when the line was cut. */
typedef void (*sg_line_fn)(const char *line, size_t len, long long lineno, int too_long,
			   void *ud);
void sg_linebuf_init(struct sg_linebuf *lb);
void sg_linebuf_done(struct sg_linebuf *lb);
/* Feeds n bytes; calls fn for each line they complete. */
void sg_linebuf_feed(struct sg_linebuf *lb, const char *d, size_t n, sg_line_fn fn, void *ud);
/* Delivers a last line with no newline at the end, if any. */
void sg_linebuf_finish(struct sg_linebuf *lb, sg_line_fn fn, void *ud);

#endif
