/* metricline.c — the line protocol: text and JSON lines, and a line splitter. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/metricline.h"
#include "core/util.h"

/* ---- numbers ------------------------------------------------------------ */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Length of the longest run of decimal digits at s[0..n). */
static size_t digits(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* 1 when s[0..n) is exactly word, ignoring case. */
static int word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* 1 when s[0..n) matches the decimal grammar (no hex, no spaces). */
static int decimal_shape(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	size_t a = digits(s + i, n - i), b = 0;
	i += a;
	if (i < n && s[i] == '.') {
		i++;
		b = digits(s + i, n - i);
		i += b;
	}
	if (a + b == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t c = digits(s + i, n - i);
		if (c == 0)
			return 0;
		i += c;
	}
	return i == n;
}

int sg_metric_value_parse(const char *s, size_t n, double *out)
{
	const char *w = s;
	size_t wn = n;
	int neg = 0;
	if (wn && (*w == '+' || *w == '-')) {
		neg = *w == '-';
		w++, wn--;
	}
	if (word_is(w, wn, "nan")) {
		*out = neg ? -NAN : NAN;
		return 0;
	}
	if (word_is(w, wn, "inf") || word_is(w, wn, "infinity")) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	char buf[128];
	if (n >= sizeof buf || !decimal_shape(s, n))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	pthread_once(&c_locale_once, make_c_locale);
	double v = c_locale ? strtod_l(buf, NULL, c_locale) : strtod(buf, NULL);
	if (isinf(v))
		return -1;  /* 1e999: out of range, not a deliberate infinity */
	*out = v;
	return 0;
}

/* ---- keys and text -------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len;
	uint32_t cp;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Checks text for UTF-8 and control bytes (spaces allowed when spaces is
 * set, tabs too when tabs is set); returns the offset of the first bad byte,
 * or n when all is well. */
static size_t text_check(const char *s, size_t n, int spaces, int tabs)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (p[i] == ' ' && spaces) {
			i++;
			continue;
		}
		if (p[i] == '\t' && tabs) {
			i++;
			continue;
		}
		if (p[i] <= ' ' || p[i] == 0x7f)
			return i;
		size_t l = utf8_len(p + i, n - i);
		if (l == 0)
			return i;
		i += l;
	}
	return n;
}

/* Fills e and returns -1. */
static int bad(struct sg_mline_error *e, size_t col0, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct sg_mline_error *e, size_t col0, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->col = (int)(col0 + 1 > INT32_MAX ? INT32_MAX : col0 + 1);
	return -1;
}

/* Validates a key; off is its column offset in the line for errors. */
static int key_check(const char *k, size_t n, int spaces, size_t off, struct sg_mline_error *e)
{
	if (n == 0)
		return bad(e, off, "empty key");
	if (n > SG_MLINE_KEY_MAX)
		return bad(e, off, "key longer than %d bytes", SG_MLINE_KEY_MAX);
	size_t b = text_check(k, n, spaces, 0);
	if (b < n)
		return bad(e, off + b, "key has a control character, space or invalid UTF-8");
	return 0;
}

int sg_metric_key_valid(const char *key)
{
	return key_check(key, strlen(key), 1, 0, NULL) == 0;
}

/* ---- the text form -------------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

struct cursor {
	const char *s;
	size_t n, i;
};

/* The next whitespace-separated word: sets *w, *wn; 0 when none is left. */
static int next_word(struct cursor *c, const char **w, size_t *wn)
{
	while (c->i < c->n && is_blank(c->s[c->i]))
		c->i++;
	if (c->i == c->n)
		return 0;
	size_t b = c->i;
	while (c->i < c->n && !is_blank(c->s[c->i]))
		c->i++;
	*w = c->s + b;
	*wn = c->i - b;
	return 1;
}

/* A non-negative integer step from w[0..n). */
static int parse_step(const char *w, size_t n, long long *out)
{
	if (n == 0 || n > 18 || digits(w, n) != n)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (w[i] - '0');
	*out = v;
	return 0;
}

/* step=N and ts=T after the value. */
static int text_options(struct cursor *c, struct sg_mrec *r, struct sg_mline_error *e)
{
	const char *w;
	size_t wn;
	int have_ts = 0;
	while (next_word(c, &w, &wn)) {
		size_t off = (size_t)(w - c->s);
		if (wn > 5 && strncmp(w, "step=", 5) == 0) {
			if (r->has_step)
				return bad(e, off, "step given twice");
			if (parse_step(w + 5, wn - 5, &r->step) != 0)
				return bad(e, off + 5, "step must be a whole number >= 0");
			r->has_step = 1;
		} else if (wn > 3 && strncmp(w, "ts=", 3) == 0) {
			if (have_ts)
				return bad(e, off, "ts given twice");
			if (sg_metric_value_parse(w + 3, wn - 3, &r->ts) != 0 || !(r->ts > 0) ||
			    isinf(r->ts))
				return bad(e, off + 3, "ts must be Unix seconds > 0");
			have_ts = 1;
		} else {
			return bad(e, off, "unexpected '%.*s' (expected step=N or ts=UNIXSECONDS)",
				   (int)(wn > 24 ? 24 : wn), w);
		}
	}
	return 0;
}

/* param KEY VALUE / tag KEY VALUE: VALUE is the rest, trailing blanks cut. */
static int text_kv(struct cursor *c, enum sg_mrec_kind kind, sg_mrec_fn fn, void *ud,
		   struct sg_mline_error *e)
{
	const char *k, *v;
	size_t kn;
	const char *what = kind == SG_MREC_PARAM ? "param" : "tag";
	if (!next_word(c, &k, &kn))
		return bad(e, c->n, "%s needs a KEY and a VALUE", what);
	if (key_check(k, kn, 0, (size_t)(k - c->s), e) != 0)
		return -1;
	while (c->i < c->n && is_blank(c->s[c->i]))
		c->i++;
	v = c->s + c->i;
	size_t vn = c->n - c->i;
	while (vn && is_blank(v[vn - 1]))
		vn--;
	if (vn == 0)
		return bad(e, c->n, "%s %.*s needs a VALUE", what, (int)(kn > 24 ? 24 : kn), k);
	size_t b = text_check(v, vn, 1, 1);
	if (b < vn)
		return bad(e, c->i + b, "value has a control character or invalid UTF-8");
	char key[SG_MLINE_KEY_MAX + 1];
	memcpy(key, k, kn);
	key[kn] = '\0';
	char *text = sg_xstrndup(v, vn);
	struct sg_mrec r = { .kind = kind, .key = key, .text = text };
	if (fn)
		fn(&r, ud);
	free(text);
	return 1;
}

/* KEY VALUE [step=N] [ts=T]. */
static int text_line(const char *s, size_t n, sg_mrec_fn fn, void *ud, struct sg_mline_error *e)
{
	struct cursor c = { s, n, 0 };
	const char *k, *v;
	size_t kn, vn;
	next_word(&c, &k, &kn);  /* the caller saw a non-blank byte */
	if (kn == 5 && memcmp(k, "param", 5) == 0)
		return text_kv(&c, SG_MREC_PARAM, fn, ud, e);
	if (kn == 3 && memcmp(k, "tag", 3) == 0)
		return text_kv(&c, SG_MREC_TAG, fn, ud, e);
	if (key_check(k, kn, 0, (size_t)(k - s), e) != 0)
		return -1;
	if (!next_word(&c, &v, &vn))
		return bad(e, n, "'%.*s' needs a VALUE", (int)(kn > 24 ? 24 : kn), k);
	struct sg_mrec r = { .kind = SG_MREC_METRIC };
	if (sg_metric_value_parse(v, vn, &r.value) != 0)
		return bad(e, (size_t)(v - s), "'%.*s' is not a number (or nan, inf, -inf)",
			   (int)(vn > 24 ? 24 : vn), v);
	if (text_options(&c, &r, e) != 0)
		return -1;
	char key[SG_MLINE_KEY_MAX + 1];
	memcpy(key, k, kn);
	key[kn] = '\0';
	r.key = key;
	if (fn)
		fn(&r, ud);
	return 1;
}

/* ---- JSON lines ------------------------------------------------------------ */

/* Column of "name" in the raw line (for errors about a member), else 0. */
static size_t member_col(const char *s, size_t n, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + nl + 2 <= n; i++)
		if (s[i] == '"' && memcmp(s + i + 1, name, nl) == 0 && s[i + nl + 1] == '"')
			return i;
	return 0;
}

/* A JSON value as a metric value: a number or a numeric string. */
static int json_metric_value(json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v))
		return sg_metric_value_parse(json_string_value(v), json_string_length(v), out);
	return -1;
}

/* A JSON step: an integer >= 0 (an integral real such as 4.0 too). */
static int json_step(json_t *v, long long *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d >= 0 && d < 9e18 && d == floor(d)) {
			*out = (long long)d;
			return 0;
		}
	}
	return -1;
}

/* Formats a double with the fewest digits that read back the same. */
static void shortest_real(double d, char *buf, size_t n)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* %g prints 1 for 1.0; keep it recognisably a real. */
	if (!strpbrk(buf, ".eEni"))
		strncat(buf, ".0", n - strlen(buf) - 1);
}

/* One param or tag value as text into buf (or *dyn when it is JSON). */
static int json_kv_text(json_t *v, char *buf, size_t n, char **dyn, const char **out)
{
	*dyn = NULL;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if (text_check(s, len, 1, 1) < len)
			return -1;
		*out = s;
	} else if (json_is_integer(v)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
		*out = buf;
	} else if (json_is_real(v)) {
		shortest_real(json_real_value(v), buf, n);
		*out = buf;
	} else if (json_is_boolean(v)) {
		*out = json_is_true(v) ? "true" : "false";
	} else if (json_is_object(v) || json_is_array(v)) {
		*dyn = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!*dyn)
			return -1;
		*out = *dyn;
	} else {
		return -1;  /* null */
	}
	return **out ? 0 : -1;
}

/* {"param": {...}} members; validates, and emits when fn is set. */
static int json_kvs(json_t *obj, enum sg_mrec_kind kind, const char *line, size_t n,
		    const char *member, sg_mrec_fn fn, void *ud, struct sg_mline_error *e)
{
	if (!json_is_object(obj) || json_object_size(obj) == 0)
		return bad(e, member_col(line, n, member), "\"%s\" must be an object of KEY: VALUE",
			   member);
	const char *k;
	json_t *v;
	int count = 0;
	json_object_foreach(obj, k, v) {
		char buf[64], *dyn;
		const char *text;
		if (key_check(k, strlen(k), 1, member_col(line, n, k), e) != 0)
			return -1;
		if (json_kv_text(v, buf, sizeof buf, &dyn, &text) != 0)
			return bad(e, member_col(line, n, k),
				   "%s \"%.40s\": the value must be a non-empty string, number or "
				   "boolean", member, k);
		struct sg_mrec r = { .kind = kind, .key = k, .text = text };
		if (fn)
			fn(&r, ud);
		free(dyn);
		count++;
	}
	return count;
}

/* step and ts members shared by both metric forms. */
static int json_step_ts(json_t *o, const char *line, size_t n, struct sg_mrec *r,
			struct sg_mline_error *e)
{
	json_t *st = json_object_get(o, "step"), *ts = json_object_get(o, "ts");
	if (st) {
		if (json_step(st, &r->step) != 0)
			return bad(e, member_col(line, n, "step"), "step must be a whole number >= 0");
		r->has_step = 1;
	}
	if (ts && (json_metric_value(ts, &r->ts) != 0 || !(r->ts > 0) || isinf(r->ts)))
		return bad(e, member_col(line, n, "ts"), "ts must be Unix seconds > 0");
	return 0;
}

/* {"key": K, "value": V, "step": N, "ts": T}. */
static int json_single(json_t *o, const char *line, size_t n, sg_mrec_fn fn, void *ud,
		       struct sg_mline_error *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		if (strcmp(k, "key") && strcmp(k, "value") && strcmp(k, "step") && strcmp(k, "ts"))
			return bad(e, member_col(line, n, k),
				   "unexpected member \"%.40s\" next to \"key\" (allowed: key, value, "
				   "step, ts)", k);
	}
	json_t *key = json_object_get(o, "key"), *val = json_object_get(o, "value");
	if (!json_is_string(key))
		return bad(e, member_col(line, n, "key"), "\"key\" must be a string");
	struct sg_mrec r = { .kind = SG_MREC_METRIC, .key = json_string_value(key) };
	if (key_check(r.key, json_string_length(key), 1, member_col(line, n, "key"), e) != 0)
		return -1;
	if (!val)
		return bad(e, 0, "a line with \"key\" needs \"value\"");
	if (json_metric_value(val, &r.value) != 0)
		return bad(e, member_col(line, n, "value"),
			   "\"value\" must be a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
	if (json_step_ts(o, line, n, &r, e) != 0)
		return -1;
	if (fn)
		fn(&r, ud);
	return 1;
}

static int is_param_member(const char *k)
{
	return strcmp(k, "param") == 0 || strcmp(k, "params") == 0;
}

static int is_tag_member(const char *k)
{
	return strcmp(k, "tag") == 0 || strcmp(k, "tags") == 0;
}

/* {"loss": 0.3, "acc": 0.9, "step": 4, "param": {...}}; validates when fn
 * is NULL, emits otherwise. */
static int json_multi(json_t *o, const char *line, size_t n, sg_mrec_fn fn, void *ud,
		      struct sg_mline_error *e)
{
	struct sg_mrec base = { .kind = SG_MREC_METRIC };
	if (json_step_ts(o, line, n, &base, e) != 0)
		return -1;
	const char *k;
	json_t *v;
	int count = 0;
	json_object_foreach(o, k, v) {
		int got;
		if (strcmp(k, "step") == 0 || strcmp(k, "ts") == 0)
			continue;
		if (is_param_member(k) || is_tag_member(k)) {
			got = json_kvs(v, is_param_member(k) ? SG_MREC_PARAM : SG_MREC_TAG, line, n, k,
				       fn, ud, e);
			if (got < 0)
				return -1;
			count += got;
			continue;
		}
		struct sg_mrec r = base;
		r.key = k;
		if (key_check(k, strlen(k), 1, member_col(line, n, k), e) != 0)
			return -1;
		if (json_metric_value(v, &r.value) != 0)
			return bad(e, member_col(line, n, k),
				   "\"%.40s\" must be a number (or \"NaN\", \"Infinity\", "
				   "\"-Infinity\")", k);
		if (fn)
			fn(&r, ud);
		count++;
	}
	if (count == 0)
		return bad(e, 0, "the object has no metric, param or tag in it");
	return count;
}

/* Quotes the bare NaN, Infinity and -Infinity that Python's json.dumps
 * writes (not JSON, so jansson refuses them).  Returns a malloc'd copy or
 * NULL when there is nothing to rewrite; *out_len is its length. */
static char *quote_python_specials(const char *s, size_t n, size_t *out_len)
{
	if (!memmem(s, n, "NaN", 3) && !memmem(s, n, "Infinity", 8))
		return NULL;
	char *o = sg_xmalloc(2 * n + 1);
	size_t j = 0;
	int in_str = 0;
	char prev = 0;   /* the last non-blank byte outside strings */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			o[j++] = c;
			if (c == '\\' && i + 1 < n)
				o[j++] = s[++i];
			else if (c == '"')
				in_str = 0;
			continue;
		}
		const char *w = NULL;
		if (prev == ':' || prev == '[' || prev == ',') {
			static const char *const words[] = { "NaN", "Infinity", "-Infinity" };
			for (int k = 0; k < 3 && !w; k++) {
				size_t wl = strlen(words[k]);
				if (i + wl <= n && memcmp(s + i, words[k], wl) == 0 &&
				    (i + wl == n || strchr(" \t,}]", s[i + wl])))
					w = words[k];
			}
		}
		if (w) {
			size_t wl = strlen(w);
			o[j++] = '"';
			memcpy(o + j, w, wl);
			j += wl;
			o[j++] = '"';
			i += wl - 1;
			prev = '"';
			continue;
		}
		o[j++] = c;
		if (c == '"')
			in_str = 1;
		if (!is_blank(c))
			prev = c;
	}
	*out_len = j;
	return o;
}

static int json_line(const char *s, size_t n, sg_mrec_fn fn, void *ud, struct sg_mline_error *e)
{
	size_t qn;
	char *q = quote_python_specials(s, n, &qn);
	json_error_t je;
	json_t *o = json_loadb(q ? q : s, q ? qn : n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			       &je);
	free(q);
	if (!o) {
		/* jansson's position is in the rewritten text when quoting added
		 * bytes; close enough to point at the spot. */
		size_t pos = je.position > 0 ? (size_t)je.position - 1 : 0;
		return bad(e, pos < n ? pos : n, "invalid JSON: %s", je.text);
	}
	int rc;
	if (!json_is_object(o))
		rc = bad(e, 0, "a JSON line must be an object");
	else if (json_object_get(o, "key"))
		rc = json_single(o, s, n, NULL, NULL, e) < 0 ? -1 : json_single(o, s, n, fn, ud, e);
	else
		rc = json_multi(o, s, n, NULL, NULL, e) < 0 ? -1 : json_multi(o, s, n, fn, ud, e);
	json_decref(o);
	return rc;
}

int sg_metricline_parse(const char *line, size_t len, sg_mrec_fn fn, void *ud,
			struct sg_mline_error *e)
{
	if (len > SG_MLINE_MAX)
		return bad(e, SG_MLINE_MAX, "line longer than %d bytes", SG_MLINE_MAX);
	if (len && line[len - 1] == '\r')
		len--;
	size_t i = 0;
	while (i < len && is_blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return 0;
	if (memchr(line, '\0', len))
		return bad(e, (size_t)((const char *)memchr(line, '\0', len) - line),
			   "NUL byte in the line");
	if (line[i] == '{')
		return json_line(line, len, fn, ud, e);
	return text_line(line, len, fn, ud, e);
}

/* ---- the line splitter ------------------------------------------------------ */

void sg_linebuf_init(struct sg_linebuf *lb)
{
	memset(lb, 0, sizeof *lb);
}

void sg_linebuf_done(struct sg_linebuf *lb)
{
	sg_buf_done(&lb->line);
	memset(lb, 0, sizeof *lb);
}

/* Appends to the pending partial line, up to the limit (+1 to tell). */
static void pend(struct sg_linebuf *lb, const char *d, size_t n)
{
	size_t room = SG_MLINE_MAX + 1 - lb->line.len;
	if (n > room) {
		n = room;
		lb->overlong = 1;
	}
	sg_buf_add(&lb->line, d, n);
}

/* Hands the pending line to fn, NUL-terminated, and starts a new one. */
static void deliver(struct sg_linebuf *lb, sg_line_fn fn, void *ud)
{
	size_t n = lb->line.len;
	int too_long = lb->overlong || n > SG_MLINE_MAX;
	if (n > SG_MLINE_MAX)
		n = SG_MLINE_MAX;
	if (n && lb->line.data[n - 1] == '\r')
		n--;
	sg_buf_truncate(&lb->line, n);
	fn(lb->line.data, n, ++lb->lineno, too_long, ud);
	sg_buf_truncate(&lb->line, 0);
	lb->overlong = 0;
}

void sg_linebuf_feed(struct sg_linebuf *lb, const char *d, size_t n, sg_line_fn fn, void *ud)
{
	while (n) {
		const char *nl = memchr(d, '\n', n);
		size_t take = nl ? (size_t)(nl - d) : n;
		pend(lb, d, take);
		if (!nl)
			return;
		deliver(lb, fn, ud);
		d += take + 1;
		n -= take + 1;
	}
}

void sg_linebuf_finish(struct sg_linebuf *lb, sg_line_fn fn, void *ud)
{
	if (lb->line.len || lb->overlong)
		deliver(lb, fn, ud);
}
