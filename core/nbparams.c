/* nbparams.c — YAML parameters for `nb run`: libyaml's event parser builds
 * JSON values typed as PyYAML's safe loader types them (see nbparams.h). */
#include "sgconfig.h"
#include "core/nbparams.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <yaml.h>
#include "core/nbrun.h"
#include "core/util.h"

#define MAX_FILE (16L * 1024 * 1024)

struct anchor {
	char *name;
	json_t *v;
};

struct yp {
	yaml_parser_t parser;
	const char *label;
	struct sg_error *err;
	struct anchor *anchors;
	size_t nanchors;
};

/* An error at a mark (libyaml's are 0-based). */
static int fail_at(struct yp *p, yaml_mark_t m, const char *fmt, const char *arg)
{
	char msg[400];
	snprintf(msg, sizeof msg, fmt, arg);
	return sg_error_set(p->err, SG_E_PARSE, "%s:%zu:%zu: %s", p->label, m.line + 1, m.column + 1,
			    msg);
}

/* libyaml's own error: the problem, where it was found, and its context. */
static int fail_parser(struct yp *p)
{
	const yaml_parser_t *y = &p->parser;
	yaml_mark_t m = y->problem_mark;
	if (y->error == YAML_READER_ERROR) {
		m.line = 0;
		m.column = y->problem_offset; /* the reader knows only the byte */
	}
	return sg_error_set(p->err, SG_E_PARSE, "%s:%zu:%zu: %s%s%s", p->label, m.line + 1,
			    m.column + 1, y->problem ? y->problem : "invalid YAML",
			    y->context ? " " : "", y->context ? y->context : "");
}

static int next(struct yp *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->parser, ev))
		return fail_parser(p);
	return 0;
}

/* JSON has no nan or inf (jansson refuses them): such a float is an object
 * whose one key holds a NUL, which no YAML key can (keys are cut at NUL). */
#define NONFINITE_KEY "\0float"
#define NONFINITE_LEN 6

json_t *sg_nbparams_nonfinite_new(double d)
{
	json_t *o = json_object();
	json_object_setn_new_nocheck(o, NONFINITE_KEY, NONFINITE_LEN,
				     json_string(isnan(d) ? "nan" : d > 0 ? "inf" : "-inf"));
	return o;
}

int sg_nbparams_nonfinite(const json_t *v, double *d)
{
	json_t *s;
	if (!json_is_object(v) || json_object_size(v) != 1 ||
	    !(s = json_object_getn(v, NONFINITE_KEY, NONFINITE_LEN)))
		return 0;
	const char *t = json_string_value(s);
	*d = t && strcmp(t, "nan") == 0 ? NAN : t && strcmp(t, "-inf") == 0 ? -INFINITY : INFINITY;
	return 1;
}

/* ---- scalars ------------------------------------------------------------------- */

static int one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const trues[] = { "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On",
				     "ON", NULL };
static const char *const falses[] = { "no", "No", "NO", "false", "False", "FALSE", "off", "Off",
				      "OFF", NULL };

/* s without '_' separators, into buf; 0 when it does not fit. */
static int strip_underscores(const char *s, char *buf, size_t n)
{
	size_t k = 0;
	for (; *s; s++) {
		if (*s == '_')
			continue;
		if (k + 1 >= n)
			return 0;
		buf[k++] = *s;
	}
	buf[k] = '\0';
	return 1;
}

static int all_in(const char *s, const char *chars)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr(chars, *s))
			return 0;
	return 1;
}

/* A YAML 1.1 integer (see nbparams.h): 1 with *v, 0 when s is not one,
 * -1 when it is one beyond 64 bits. */
static int yaml_int(const char *s, long long *v)
{
	char buf[128];
	int neg = *s == '-';
	const char *d = s + (*s == '-' || *s == '+');
	int base = 10;
	if (!*d || !strip_underscores(d, buf, sizeof buf) || !*buf)
		return 0;
	const char *digits = buf;
	if (strncmp(buf, "0b", 2) == 0 && all_in(buf + 2, "01")) {
		base = 2, digits = buf + 2;
	} else if (strncmp(buf, "0x", 2) == 0 && all_in(buf + 2, "0123456789abcdefABCDEF")) {
		base = 16, digits = buf + 2;
	} else if (buf[0] == '0' && buf[1] && all_in(buf + 1, "01234567")) {
		base = 8, digits = buf + 1;
	} else if (strchr(buf, ':') && buf[0] != '0' && all_in(buf, "0123456789:")) {
		/* base 60: 1:30:00; each part after the first 0..59 */
		long long acc = 0;
		for (const char *q = buf; *q;) {
			char *end;
			errno = 0;
			long long part = strtoll(q, &end, 10);
			if (end == q || errno || (q != buf && (part > 59 || end - q > 2)))
				return 0;
			if (acc > (LLONG_MAX - part) / 60)
				return -1;
			acc = acc * 60 + part;
			q = *end == ':' ? end + 1 : end;
			if (*end == ':' && !*q)
				return 0;
		}
		*v = neg ? -acc : acc;
		return 1;
	} else if (!all_in(buf, "0123456789") || (buf[0] == '0' && buf[1])) {
		return 0;
	}
	if (!*digits)
		return 0;
	errno = 0;
	unsigned long long u = strtoull(digits, NULL, base);
	if (errno == ERANGE || u > (unsigned long long)LLONG_MAX + (unsigned long long)neg)
		return -1;
	*v = neg ? (long long)(0 - u) : (long long)u;
	return 1;
}

/* A YAML 1.1 float (a dot required; .inf, .nan): 1 with *v. */
static int yaml_float(const char *s, double *v)
{
	char buf[128];
	const char *d = s + (*s == '-' || *s == '+');
	if (one_of(d, (const char *const[]){ ".inf", ".Inf", ".INF", NULL })) {
		*v = *s == '-' ? -INFINITY : INFINITY;
		return 1;
	}
	if (one_of(s, (const char *const[]){ ".nan", ".NaN", ".NAN", NULL })) {
		*v = NAN;
		return 1;
	}
	if (!strchr(s, '.') || !strip_underscores(s, buf, sizeof buf))
		return 0;
	if (strchr(buf, ':')) {
		/* base 60 with a fraction: 1:30.5 is 90.5 */
		char *dot = strrchr(buf, '.');
		long long whole;
		*dot = '\0';
		if (!strchr(buf, ':') || yaml_int(buf, &whole) <= 0 ||
		    (dot[1] && !all_in(dot + 1, "0123456789")))
			return 0;
		*dot = '.';
		double frac = dot[1] ? strtod(dot, NULL) : 0;
		*v = whole < 0 || *buf == '-' ? (double)whole - frac : (double)whole + frac;
		return 1;
	}
	/* digits, one dot, digits, then an optional e[-+]digits */
	const char *q = buf + (*buf == '-' || *buf == '+');
	size_t before = strspn(q, "0123456789");
	if (q[before] != '.')
		return 0;
	const char *frac = q + before + 1;
	size_t after = strspn(frac, "0123456789");
	if (!before && !after)
		return 0;
	const char *e = frac + after;
	if (*e == 'e' || *e == 'E') {
		if ((e[1] != '-' && e[1] != '+') || !e[2] || !all_in(e + 2, "0123456789"))
			return 0;
	} else if (*e) {
		return 0;
	}
	*v = strtod(buf, NULL);
	return 1;
}

/* The typed value of a scalar event. */
static int scalar(struct yp *p, const yaml_event_t *ev, json_t **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	long long iv;
	double dv;

	if (tag && strcmp(tag, "!") == 0)
		tag = YAML_STR_TAG; /* the non-specific tag: a string */
	if (tag && strcmp(tag, YAML_STR_TAG) != 0 && strcmp(tag, YAML_INT_TAG) != 0 &&
	    strcmp(tag, YAML_FLOAT_TAG) != 0 && strcmp(tag, YAML_BOOL_TAG) != 0 &&
	    strcmp(tag, YAML_NULL_TAG) != 0)
		return fail_at(p, ev->start_mark, "unsupported tag %s", tag);
	int resolve = tag ? strcmp(tag, YAML_STR_TAG) != 0 : plain;
	int strlen_ok = strlen(s) == len; /* no NUL inside */
	if (resolve && strlen_ok) {
		if ((!tag || strcmp(tag, YAML_NULL_TAG) == 0) && one_of(s, nulls)) {
			*out = json_null();
			return 0;
		}
		if ((!tag || strcmp(tag, YAML_BOOL_TAG) == 0) && (one_of(s, trues) || one_of(s, falses))) {
			*out = json_boolean(one_of(s, trues));
			return 0;
		}
		if (!tag || strcmp(tag, YAML_INT_TAG) == 0) {
			int r = yaml_int(s, &iv);
			if (r < 0)
				return fail_at(p, ev->start_mark, "integer %s is beyond 64 bits", s);
			if (r > 0) {
				*out = json_integer(iv);
				return 0;
			}
		}
		if (tag && strcmp(tag, YAML_FLOAT_TAG) == 0 && yaml_int(s, &iv) > 0) {
			*out = json_real((double)iv); /* !!float 3 is 3.0 */
			return 0;
		}
		if ((!tag || strcmp(tag, YAML_FLOAT_TAG) == 0) && yaml_float(s, &dv)) {
			*out = isfinite(dv) ? json_real(dv) : sg_nbparams_nonfinite_new(dv);
			return 0;
		}
		if (tag)
			return fail_at(p, ev->start_mark, "'%s' does not match its tag", s);
	}
	*out = json_stringn(s, len);
	if (!*out)
		return fail_at(p, ev->start_mark, "%s", "text that is not UTF-8");
	return 0;
}

/* ---- collections ----------------------------------------------------------------- */

static int node(struct yp *p, yaml_event_t *ev, int depth, json_t **out);

static void anchor_keep(struct yp *p, const yaml_char_t *name, json_t *v)
{
	if (!name)
		return;
	p->anchors = sg_xrealloc(p->anchors, (p->nanchors + 1) * sizeof *p->anchors);
	p->anchors[p->nanchors++] = (struct anchor){ sg_xstrdup((const char *)name), json_incref(v) };
}

/* The value of a later anchor of the same name wins, as in YAML. */
static json_t *anchor_find(struct yp *p, const char *name)
{
	for (size_t i = p->nanchors; i-- > 0;)
		if (strcmp(p->anchors[i].name, name) == 0)
			return p->anchors[i].v;
	return NULL;
}

static int sequence(struct yp *p, int depth, json_t *arr)
{
	for (;;) {
		yaml_event_t ev;
		if (next(p, &ev) < 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		json_t *v = NULL;
		int rc = node(p, &ev, depth + 1, &v);
		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
		json_array_append_new(arr, v);
	}
}

/* A mapping's entries into obj; top: names must be identifiers. */
static int mapping(struct yp *p, int depth, json_t *obj, int top)
{
	for (;;) {
		yaml_event_t ev;
		if (next(p, &ev) < 0)
			return -1;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		yaml_mark_t km = ev.start_mark;
		json_t *k = NULL, *v = NULL;
		int rc = node(p, &ev, depth + 1, &k);
		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
		char *key = json_is_string(k) ? sg_xstrdup(json_string_value(k))
			  : json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
		json_decref(k);
		if (!key)
			key = sg_xstrdup("?");
		if (top && !sg_nbrun_valid_key(key)) {
			fail_at(p, km, "parameter name '%.100s' is not a Python identifier", key);
			free(key);
			return -1;
		}
		if (next(p, &ev) < 0) {
			free(key);
			return -1;
		}
		rc = node(p, &ev, depth + 1, &v);
		yaml_event_delete(&ev);
		if (rc < 0) {
			free(key);
			return -1;
		}
		json_object_set_new(obj, key, v); /* a repeated key: the last wins */
		free(key);
	}
}

/* The value starting with event ev (not deleted here). */
static int node(struct yp *p, yaml_event_t *ev, int depth, json_t **out)
{
	*out = NULL;
	if (depth > SG_NBPARAMS_MAX_DEPTH)
		return fail_at(p, ev->start_mark, "nested deeper than %s levels", "64");
	switch (ev->type) {
	case YAML_ALIAS_EVENT: {
		json_t *v = anchor_find(p, (const char *)ev->data.alias.anchor);
		if (!v)
			return fail_at(p, ev->start_mark, "unknown alias *%.100s",
				       (const char *)ev->data.alias.anchor);
		*out = json_incref(v);
		return 0;
	}
	case YAML_SCALAR_EVENT:
		if (scalar(p, ev, out) < 0)
			return -1;
		anchor_keep(p, ev->data.scalar.anchor, *out);
		return 0;
	case YAML_SEQUENCE_START_EVENT: {
		const char *tag = (const char *)ev->data.sequence_start.tag;
		if (tag && strcmp(tag, YAML_SEQ_TAG) != 0)
			return fail_at(p, ev->start_mark, "unsupported tag %s", tag);
		*out = json_array();
		/* kept before its items, so an item aliasing it fails as unknown
		 * (a recursive value has no Python literal) */
		if (sequence(p, depth, *out) < 0) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
		anchor_keep(p, ev->data.sequence_start.anchor, *out);
		return 0;
	}
	case YAML_MAPPING_START_EVENT: {
		const char *tag = (const char *)ev->data.mapping_start.tag;
		if (tag && strcmp(tag, YAML_MAP_TAG) != 0)
			return fail_at(p, ev->start_mark, "unsupported tag %s", tag);
		*out = json_object();
		if (mapping(p, depth, *out, 0) < 0) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
		anchor_keep(p, ev->data.mapping_start.anchor, *out);
		return 0;
	}
	default:
		return fail_at(p, ev->start_mark, "%s", "unexpected YAML event");
	}
}

/* Values v expands to (aliases copied out), stopping past the limit. */
static long expanded(const json_t *v, long budget)
{
	long n = 1;
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (n > budget)
				break;
			n += expanded(x, budget - n);
		}
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			if (n > budget)
				break;
			n += expanded(x, budget - n);
		}
	}
	return n;
}

/* The document: a mapping at the top (or nothing), then its end. */
static int document(struct yp *p, json_t **out)
{
	yaml_event_t ev;
	int rc = -1;
	if (next(p, &ev) < 0)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) { /* empty text */
		yaml_event_delete(&ev);
		*out = json_object();
		return 0;
	}
	yaml_event_delete(&ev);                 /* DOCUMENT-START */
	if (next(p, &ev) < 0)
		return -1;
	yaml_mark_t m = ev.start_mark;
	if (ev.type == YAML_MAPPING_START_EVENT) {
		*out = json_object();
		rc = mapping(p, 0, *out, 1);
	} else if (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		   one_of((const char *)ev.data.scalar.value, nulls)) {
		*out = json_object();           /* "~" or a comment only */
		rc = 0;
	} else {
		rc = fail_at(p, m, "%s", "the parameters must be a mapping (NAME: VALUE lines)");
	}
	yaml_event_delete(&ev);
	if (rc == 0 && expanded(*out, SG_NBPARAMS_MAX_NODES) > SG_NBPARAMS_MAX_NODES)
		rc = fail_at(p, m, "%s", "aliases expand to more than a million values");
	if (rc == 0 && next(p, &ev) == 0) {     /* DOCUMENT-END */
		yaml_event_delete(&ev);
		if (next(p, &ev) == 0) {
			if (ev.type != YAML_STREAM_END_EVENT)
				rc = fail_at(p, ev.start_mark, "%s",
					     "more than one document (the parameters are one mapping)");
			yaml_event_delete(&ev);
		} else {
			rc = -1;
		}
	} else if (rc == 0) {
		rc = -1;
	}
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int sg_nbparams_yaml(const char *text, size_t len, const char *label, json_t **out,
		     struct sg_error *err)
{
	struct yp p = { .label = label, .err = err };
	yaml_event_t ev;
	int rc = -1;

	*out = NULL;
	if (!yaml_parser_initialize(&p.parser))
		return sg_error_set(err, SG_E_IO, "%s: out of memory", label);
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
	if (next(&p, &ev) == 0) {                /* STREAM-START */
		yaml_event_delete(&ev);
		rc = document(&p, out);
	}
	for (size_t i = 0; i < p.nanchors; i++) {
		free(p.anchors[i].name);
		json_decref(p.anchors[i].v);
	}
	free(p.anchors);
	yaml_parser_delete(&p.parser);
	return rc;
}

int sg_nbparams_yaml_base64(const char *b64, json_t **out, struct sg_error *err)
{
	size_t n = strlen(b64);
	int len = 0, tail = 0;
	*out = NULL;
	if (n > MAX_FILE)
		return sg_error_set(err, SG_E_PARSE, "-b: the parameters are over %d bytes",
				    (int)MAX_FILE);
	/* OpenSSL's streaming decoder: it accepts line breaks and checks the
	 * padding, as Python's base64.b64decode does for what papermill reads. */
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		return sg_error_set(err, SG_E_IO, "-b: out of memory");
	unsigned char *text = sg_xmalloc(n / 4 * 3 + 4);
	EVP_DecodeInit(ctx);
	int ok = EVP_DecodeUpdate(ctx, text, &len, (const unsigned char *)b64, (int)n) >= 0 &&
		 EVP_DecodeFinal(ctx, text + len, &tail) == 1;
	EVP_ENCODE_CTX_free(ctx);
	if (!ok) {
		free(text);
		return sg_error_set(err, SG_E_PARSE, "-b: not valid base64 text");
	}
	int rc = sg_nbparams_yaml((const char *)text, (size_t)(len + tail), "-b", out, err);
	free(text);
	return rc;
}

int sg_nbparams_yaml_file(const char *path, json_t **out, struct sg_error *err)
{
	size_t len;
	char *text = sg_read_file(path, MAX_FILE, &len, err);
	*out = NULL;
	if (!text)
		return -1;
	int rc = sg_nbparams_yaml(text, len, path, out, err);
	free(text);
	return rc;
}
