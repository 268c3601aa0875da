/* labelscheme.c — label schemes: parse, validate, keys, values. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/labelscheme.h"
#include "core/util.h"

#define SCHEME_FILE_MAX (1u << 20)

/* ---- where values are in the source text ------------------------------------
 * jansson reports syntax errors with a position but keeps none for values,
 * so after a successful decode a small scanner walks the same text and
 * records the line and column of each value by its path ("labels[2].key").
 * The text is known to be valid JSON then, which keeps the scanner short. */

struct pos {
	char path[96];
	int line, col;
};

struct scan {
	const char *p, *end;
	int line, col;
	struct pos *v;
	size_t n, cap;
};

static void sc_adv(struct scan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)*s->p & 0xC0) != 0x80) {
		s->col++;
	}
	s->p++;
}

static void sc_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		sc_adv(s);
}

/* Skips a string token; copies up to outsz-1 raw bytes of it into out. */
static void sc_string(struct scan *s, char *out, size_t outsz)
{
	size_t k = 0;
	sc_adv(s);  /* opening quote */
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\' && s->p + 1 < s->end) {
			if (out && k + 1 < outsz)
				out[k++] = s->p[1];
			sc_adv(s);
		} else if (out && k + 1 < outsz) {
			out[k++] = *s->p;
		}
		sc_adv(s);
	}
	if (s->p < s->end)
		sc_adv(s);
	if (out)
		out[k] = '\0';
}

static void sc_record(struct scan *s, const char *path)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->v = sg_xrealloc(s->v, s->cap * sizeof *s->v);
	}
	snprintf(s->v[s->n].path, sizeof s->v[s->n].path, "%s", path);
	s->v[s->n].line = s->line;
	s->v[s->n].col = s->col;
	s->n++;
}

static void sc_value(struct scan *s, const char *path, int depth)
{
	sc_ws(s);
	if (s->p >= s->end)
		return;
	sc_record(s, path);
	char sub[96];
	if (*s->p == '{' || *s->p == '[') {
		int obj = *s->p == '{';
		size_t i = 0;
		sc_adv(s);
		for (;;) {
			sc_ws(s);
			if (s->p >= s->end)
				return;
			if (*s->p == (obj ? '}' : ']')) {
				sc_adv(s);
				return;
			}
			if (*s->p == ',') {
				sc_adv(s);
				continue;
			}
			if (obj) {
				char name[64];
				sc_string(s, name, sizeof name);
				sc_ws(s);
				if (s->p < s->end && *s->p == ':')
					sc_adv(s);
				snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", name);
			} else {
				snprintf(sub, sizeof sub, "%s[%zu]", path, i++);
			}
			if (depth > 16)
				return;
			sc_value(s, sub, depth + 1);
		}
	}
	if (*s->p == '"') {
		sc_string(s, NULL, 0);
		return;
	}
	/* A scalar: up to a separator (never stuck, whatever the byte). */
	do
		sc_adv(s);
	while (s->p < s->end && (*s->p == '\0' || !strchr(",]} \t\r\n", *s->p)));
}

/* Line and column of the value at path, or of the document (1:1). */
static void pos_of(const struct scan *s, const char *path, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0) {
			*line = s->v[i].line;
			*col = s->v[i].col;
			return;
		}
}

struct ctx {
	const char *file;
	struct scan sc;
	struct sg_error *err;
};

static int fail_at(struct ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_at(struct ctx *c, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line, col;
	pos_of(&c->sc, path, &line, &col);
	return sg_error_set(c->err, SG_E_PARSE, "%s:%d:%d: %s", c->file, line, col, msg);
}

/* ---- defaults, keys --------------------------------------------------------- */

void sg_scheme_init(struct sg_scheme *s)
{
	memset(s, 0, sizeof *s);
	s->type = SG_SCHEME_SINGLE;
	s->comment = 1;
	s->k = 1;
	s->lease_seconds = 120;
	s->low_confidence = 0.6;
}

void sg_scheme_done(struct sg_scheme *s)
{
	if (!s)
		return;
	free(s->labels);
	s->labels = NULL;
	s->nlabels = 0;
}

void sg_scheme_copy(struct sg_scheme *dst, const struct sg_scheme *src)
{
	*dst = *src;
	dst->labels = sg_xcalloc(src->nlabels ? src->nlabels : 1, sizeof *dst->labels);
	if (src->nlabels)
		memcpy(dst->labels, src->labels, src->nlabels * sizeof *src->labels);
}

const char *sg_scheme_type_name(enum sg_scheme_type t)
{
	switch (t) {
	case SG_SCHEME_MULTI: return "multi";
	case SG_SCHEME_SPAN: return "span";
	default: return "single";
	}
}

int sg_scheme_key_reserved(int key)
{
	if (key <= ' ' || key >= 127)
		return 1;
	return strchr(SG_SCHEME_RESERVED_KEYS, key) != NULL;
}

int sg_scheme_label_by_key(const struct sg_scheme *s, int key)
{
	if (key <= 0)
		return -1;
	for (size_t i = 0; i < s->nlabels; i++)
		if (s->labels[i].key == key)
			return (int)i;
	return -1;
}

int sg_scheme_label_by_name(const struct sg_scheme *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return (int)i;
	return -1;
}

int sg_scheme_remap(struct sg_scheme *s, size_t i, int key, struct sg_error *err)
{
	if (i >= s->nlabels)
		return sg_error_set(err, SG_E_USAGE, "no label number %zu", i + 1);
	if (sg_scheme_key_reserved(key))
		return sg_error_set(err, SG_E_USAGE, "key '%c' is reserved by the Label view",
				    key > ' ' && key < 127 ? key : '?');
	int other = sg_scheme_label_by_key(s, key);
	if (other >= 0)
		s->labels[other].key = 0;
	s->labels[i].key = key;
	return 0;
}

/* Gives every label without a key the first free assignable one. */
static void assign_keys(struct sg_scheme *s)
{
	static const char order[] = "123456789abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char *k = order;
	for (size_t i = 0; i < s->nlabels; i++) {
		if (s->labels[i].key)
			continue;
		while (*k && (sg_scheme_key_reserved(*k) || sg_scheme_label_by_key(s, *k) >= 0))
			k++;
		if (!*k)
			return;
		s->labels[i].key = *k++;
	}
}

/* ---- parsing ------------------------------------------------------------------ */

static int bad_text(const char *t)
{
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p < ' ' || *p == 127)
			return 1;
	return 0;
}

static int get_string(struct ctx *c, json_t *o, const char *name, const char *path, char *out,
		      size_t outsz, int required)
{
	json_t *v = json_object_get(o, name);
	if (!v) {
		if (required)
			return fail_at(c, path, "missing \"%s\"", name);
		return 0;
	}
	char sub[96];
	snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", name);
	if (!json_is_string(v))
		return fail_at(c, sub, "\"%s\" must be a string", name);
	const char *t = json_string_value(v);
	if (strlen(t) != json_string_length(v) || bad_text(t))
		return fail_at(c, sub, "\"%s\" holds control characters", name);
	if (strlen(t) >= outsz)
		return fail_at(c, sub, "\"%s\" is longer than %zu bytes", name, outsz - 1);
	snprintf(out, outsz, "%s", t);
	return 0;
}

static int get_number(struct ctx *c, json_t *o, const char *name, const char *path, double lo,
		      double hi, int integer, double *out)
{
	json_t *v = json_object_get(o, name);
	if (!v)
		return 0;
	char sub[96];
	snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", name);
	if (!json_is_number(v))
		return fail_at(c, sub, "\"%s\" must be a number", name);
	double d = json_number_value(v);
	if (!(d >= lo && d <= hi) || (integer && d != floor(d)))
		return fail_at(c, sub, "\"%s\" must be %s from %g to %g", name,
			       integer ? "a whole number" : "a number", lo, hi);
	*out = d;
	return 0;
}

static int check_keys(struct ctx *c, json_t *o, const char *path, const char *const *known)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		int ok = 0;
		for (const char *const *q = known; *q; q++)
			ok |= strcmp(*q, k) == 0;
		if (!ok) {
			char sub[96];
			snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
			return fail_at(c, sub, "unknown field \"%s\"", k);
		}
	}
	return 0;
}

static int parse_key(struct ctx *c, json_t *v, const char *path, int *key)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 9) {
		*key = '0' + (int)json_integer_value(v);
	} else if (json_is_string(v) && json_string_length(v) == 1) {
		*key = (unsigned char)json_string_value(v)[0];
	} else {
		return fail_at(c, path, "a key is one character, such as \"1\" or \"a\"");
	}
	if (sg_scheme_key_reserved(*key))
		return fail_at(c, path, "key \"%c\" is reserved by the Label view (%s)",
			       *key > ' ' && *key < 127 ? *key : '?', SG_SCHEME_RESERVED_KEYS);
	return 0;
}

static int parse_label(struct ctx *c, json_t *v, size_t i, struct sg_scheme *s)
{
	static const char *const known[] = { "name", "key", "description", NULL };
	char path[96];
	snprintf(path, sizeof path, "labels[%zu]", i);
	struct sg_scheme_label *l = &s->labels[i];
	char sub[96];
	snprintf(sub, sizeof sub, "%s.name", path);
	if (json_is_string(v)) {  /* shorthand: "positive" */
		snprintf(sub, sizeof sub, "%s", path);
		const char *t = json_string_value(v);
		if (strlen(t) != json_string_length(v) || bad_text(t) || strlen(t) >= sizeof l->name)
			return fail_at(c, sub, "a label name is up to %zu bytes of text",
				       sizeof l->name - 1);
		snprintf(l->name, sizeof l->name, "%s", t);
	} else if (!json_is_object(v)) {
		return fail_at(c, path, "a label is an object {\"name\": ..., \"key\": ...}");
	} else if (check_keys(c, v, path, known) != 0 ||
		   get_string(c, v, "name", path, l->name, sizeof l->name, 1) != 0 ||
		   get_string(c, v, "description", path, l->description, sizeof l->description, 0) != 0) {
		return -1;
	}
	if (!l->name[0])
		return fail_at(c, sub, "a label name may not be empty");
	int first = sg_scheme_label_by_name(s, l->name);
	if (first >= 0)
		return fail_at(c, sub, "duplicate label \"%s\" (first at label %d)", l->name,
			       first + 1);
	if (!json_is_object(v))
		return 0;
	json_t *k = json_object_get(v, "key");
	if (k) {
		snprintf(sub, sizeof sub, "%s.key", path);
		int key = 0;
		if (parse_key(c, k, sub, &key) != 0)
			return -1;
		int other = sg_scheme_label_by_key(s, key);
		if (other >= 0)
			return fail_at(c, sub, "duplicate key \"%c\" (also label \"%s\")", key,
				       s->labels[other].name);
		l->key = key;
	}
	return 0;
}

static int parse_type(struct ctx *c, json_t *root, struct sg_scheme *s)
{
	char t[16];
	if (get_string(c, root, "type", "", t, sizeof t, 1) != 0) {
		if (c->err && strstr(c->err->msg, "longer than"))
			return fail_at(c, "type", "\"type\" must be single, multi or span");
		return -1;
	}
	if (strcmp(t, "single") == 0)
		s->type = SG_SCHEME_SINGLE;
	else if (strcmp(t, "multi") == 0)
		s->type = SG_SCHEME_MULTI;
	else if (strcmp(t, "span") == 0)
		s->type = SG_SCHEME_SPAN;
	else
		return fail_at(c, "type", "\"type\" must be single, multi or span, not \"%s\"", t);
	return 0;
}

static int parse_review(struct ctx *c, json_t *root, struct sg_scheme *s)
{
	static const char *const known[] = { "confidence_below", "audit_percent", NULL };
	json_t *r = json_object_get(root, "review");
	if (!r)
		return 0;
	if (!json_is_object(r))
		return fail_at(c, "review", "\"review\" must be an object");
	if (check_keys(c, r, "review", known) != 0)
		return -1;
	return get_number(c, r, "confidence_below", "review", 0, 1, 0, &s->review_below) ||
	       get_number(c, r, "audit_percent", "review", 0, 100, 0, &s->audit_percent) ? -1 : 0;
}

static int parse_numbers(struct ctx *c, json_t *root, struct sg_scheme *s)
{
	double k = s->k, lease = s->lease_seconds;
	json_t *cm = json_object_get(root, "comment");
	if (cm && !json_is_boolean(cm))
		return fail_at(c, "comment", "\"comment\" must be true or false");
	if (cm)
		s->comment = json_is_true(cm);
	if (get_number(c, root, "annotations_per_item", "", 1, 100, 1, &k) != 0 ||
	    get_number(c, root, "lease_seconds", "", 5, 86400, 1, &lease) != 0 ||
	    get_number(c, root, "low_confidence", "", 0, 1, 0, &s->low_confidence) != 0)
		return -1;
	s->k = (int)k;
	s->lease_seconds = (int)lease;
	return 0;
}

static int parse_root(struct ctx *c, json_t *root, struct sg_scheme *s)
{
	static const char *const known[] = { "type", "text_column", "id_column", "labels",
					     "comment", "annotations_per_item", "lease_seconds",
					     "low_confidence", "review", NULL };
	if (!json_is_object(root))
		return fail_at(c, "", "a label scheme is a JSON object");
	if (check_keys(c, root, "", known) != 0 || parse_type(c, root, s) != 0 ||
	    get_string(c, root, "text_column", "", s->text_column, sizeof s->text_column, 0) != 0 ||
	    get_string(c, root, "id_column", "", s->id_column, sizeof s->id_column, 0) != 0 ||
	    parse_numbers(c, root, s) != 0 || parse_review(c, root, s) != 0)
		return -1;
	if (s->type == SG_SCHEME_SPAN && !s->text_column[0])
		return fail_at(c, "type", "a span scheme needs \"text_column\"");
	json_t *labels = json_object_get(root, "labels");
	if (!labels)
		return fail_at(c, "", "missing \"labels\"");
	if (!json_is_array(labels) || json_array_size(labels) == 0)
		return fail_at(c, "labels", "\"labels\" must be a non-empty array");
	s->nlabels = json_array_size(labels);
	s->labels = sg_xcalloc(s->nlabels, sizeof *s->labels);
	for (size_t i = 0; i < s->nlabels; i++) {
		size_t n = s->nlabels;
		s->nlabels = i;  /* lookups see the labels before i only */
		int rc = parse_label(c, json_array_get(labels, i), i, s);
		s->nlabels = n;
		if (rc != 0)
			return -1;
	}
	assign_keys(s);
	return 0;
}

int sg_scheme_parse(struct sg_scheme *out, const char *file, const char *text, size_t len,
		    struct sg_error *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES,
				  &je);
	if (!root) {
		int line = je.line > 0 ? je.line : 1, col = je.column > 0 ? je.column : 1;
		return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", file, line, col, je.text);
	}
	struct ctx c = { .file = file, .err = err };
	c.sc.p = text;
	c.sc.end = text + len;
	c.sc.line = c.sc.col = 1;
	sc_value(&c.sc, "", 0);
	struct sg_scheme s;
	sg_scheme_init(&s);
	int rc = parse_root(&c, root, &s);
	json_decref(root);
	free(c.sc.v);
	if (rc != 0) {
		sg_scheme_done(&s);
		return -1;
	}
	*out = s;
	return 0;
}

int sg_scheme_load(struct sg_scheme *out, const char *path, struct sg_error *err)
{
	size_t len;
	char *text = sg_read_file(path, SCHEME_FILE_MAX, &len, err);
	if (!text)
		return -1;
	int rc = sg_scheme_parse(out, path, text, len, err);
	free(text);
	return rc;
}

char *sg_scheme_format(const struct sg_scheme *s, int pretty)
{
	json_t *root = json_object();
	json_object_set_new(root, "type", json_string(sg_scheme_type_name(s->type)));
	if (s->text_column[0])
		json_object_set_new(root, "text_column", json_string(s->text_column));
	if (s->id_column[0])
		json_object_set_new(root, "id_column", json_string(s->id_column));
	json_t *labels = json_array();
	for (size_t i = 0; i < s->nlabels; i++) {
		const struct sg_scheme_label *l = &s->labels[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(l->name));
		if (l->key) {
			char k[2] = { (char)l->key, 0 };
			json_object_set_new(o, "key", json_string(k));
		}
		if (l->description[0])
			json_object_set_new(o, "description", json_string(l->description));
		json_array_append_new(labels, o);
	}
	json_object_set_new(root, "labels", labels);
	json_object_set_new(root, "comment", json_boolean(s->comment));
	json_object_set_new(root, "annotations_per_item", json_integer(s->k));
	json_object_set_new(root, "lease_seconds", json_integer(s->lease_seconds));
	json_object_set_new(root, "low_confidence", json_real(s->low_confidence));
	json_object_set_new(root, "review", json_pack("{sfsf}", "confidence_below", s->review_below,
						      "audit_percent", s->audit_percent));
	char *text = json_dumps(root, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
				      JSON_REAL_PRECISION(10));
	json_decref(root);
	char *out = sg_xstrdup(text ? text : "{}");
	free(text);
	return out;
}

int sg_scheme_check_columns(const struct sg_scheme *s, const char *const *names, int n,
			    struct sg_error *err)
{
	const char *want[2] = { s->text_column, s->id_column };
	const char *what[2] = { "text_column", "id_column" };
	for (int w = 0; w < 2; w++) {
		if (!want[w][0])
			continue;
		int found = 0;
		for (int i = 0; i < n && !found; i++)
			found = strcmp(names[i], want[w]) == 0;
		if (!found)
			return sg_error_set(err, SG_E_NOTFOUND, "%s \"%s\" is not a column of the dataset",
					    what[w], want[w]);
	}
	return 0;
}

/* ---- values ---------------------------------------------------------------------- */

size_t sg_utf8_chars(const char *text, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)text[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static int value_single(const struct sg_scheme *s, const char *value, char **canon,
			struct sg_error *err)
{
	if (sg_scheme_label_by_name(s, value) < 0)
		return sg_error_set(err, SG_E_USAGE, "\"%s\" is not a label of the scheme", value);
	*canon = sg_xstrdup(value);
	return 0;
}

/* Names from a JSON array or a "a;b" list into a per-label flag array. */
static int value_multi(const struct sg_scheme *s, const char *value, char **canon,
		       struct sg_error *err)
{
	char *on = sg_xcalloc(s->nlabels + 1, 1);
	json_t *arr = value[0] == '[' ? json_loads(value, 0, NULL) : NULL;
	int rc = 0;
	if (value[0] == '[' && !json_is_array(arr)) {
		rc = sg_error_set(err, SG_E_USAGE, "a multi-label value is a JSON array of names");
	} else if (arr) {
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v) {
			int li = json_is_string(v) ? sg_scheme_label_by_name(s, json_string_value(v)) : -1;
			if (li < 0) {
				rc = sg_error_set(err, SG_E_USAGE, "item %zu is not a label of the scheme",
						  i + 1);
				break;
			}
			on[li] = 1;
		}
	} else {
		char *copy = sg_xstrdup(value), *save = NULL;
		for (char *t = strtok_r(copy, ";", &save); t && rc == 0; t = strtok_r(NULL, ";", &save)) {
			int li = sg_scheme_label_by_name(s, t);
			if (li < 0)
				rc = sg_error_set(err, SG_E_USAGE, "\"%s\" is not a label of the scheme", t);
			else
				on[li] = 1;
		}
		free(copy);
	}
	json_decref(arr);
	if (rc == 0) {
		json_t *out = json_array();
		for (size_t i = 0; i < s->nlabels; i++)
			if (on[i])
				json_array_append_new(out, json_string(s->labels[i].name));
		char *t = json_dumps(out, JSON_COMPACT);
		*canon = sg_xstrdup(t);
		free(t);
		json_decref(out);
	}
	free(on);
	return rc;
}

struct span {
	long long start, end;
	int label;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->label - y->label;
}

static int read_spans(const struct sg_scheme *s, json_t *arr, long long nchars, struct span *sp,
		      struct sg_error *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		json_t *st = json_object_get(v, "start"), *en = json_object_get(v, "end");
		json_t *lb = json_object_get(v, "label");
		if (!json_is_integer(st) || !json_is_integer(en) || !json_is_string(lb))
			return sg_error_set(err, SG_E_USAGE,
					    "span %zu needs integer \"start\", \"end\" and a \"label\"",
					    i + 1);
		sp[i].start = json_integer_value(st);
		sp[i].end = json_integer_value(en);
		sp[i].label = sg_scheme_label_by_name(s, json_string_value(lb));
		if (sp[i].label < 0)
			return sg_error_set(err, SG_E_USAGE, "span %zu: \"%s\" is not a label of the scheme",
					    i + 1, json_string_value(lb));
		if (sp[i].start < 0 || sp[i].end <= sp[i].start ||
		    (nchars >= 0 && sp[i].end > nchars))
			return sg_error_set(err, SG_E_USAGE,
					    "span %zu (%lld-%lld) is outside the text (%lld characters)",
					    i + 1, sp[i].start, sp[i].end, nchars < 0 ? 0 : nchars);
	}
	return 0;
}

static int value_span(const struct sg_scheme *s, const char *value, const char *text,
		      size_t text_len, char **canon, struct sg_error *err)
{
	json_t *arr = json_loads(value, 0, NULL);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return sg_error_set(err, SG_E_USAGE,
				    "a span value is a JSON array of {\"start\", \"end\", \"label\"}");
	}
	size_t n = json_array_size(arr);
	struct span *sp = sg_xcalloc(n + 1, sizeof *sp);
	long long nchars = text ? (long long)sg_utf8_chars(text, text_len) : -1;
	int rc = read_spans(s, arr, nchars, sp, err);
	json_decref(arr);
	if (rc == 0) {
		qsort(sp, n, sizeof *sp, span_cmp);
		json_t *out = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(out, json_pack("{sIsIss}", "start", (json_int_t)sp[i].start,
							     "end", (json_int_t)sp[i].end, "label",
							     s->labels[sp[i].label].name));
		char *t = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		*canon = sg_xstrdup(t);
		free(t);
		json_decref(out);
	}
	free(sp);
	return rc;
}

int sg_scheme_value_check(const struct sg_scheme *s, const char *value, const char *text,
			  size_t text_len, char **canon, struct sg_error *err)
{
	*canon = NULL;
	if (!value)
		return sg_error_set(err, SG_E_USAGE, "no label given");
	switch (s->type) {
	case SG_SCHEME_MULTI: return value_multi(s, value, canon, err);
	case SG_SCHEME_SPAN: return value_span(s, value, text, text_len, canon, err);
	default: return value_single(s, value, canon, err);
	}
}

char *sg_scheme_canonical_json(const struct sg_scheme *s, json_t *arr)
{
	char *text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	char *canon = NULL;
	struct sg_error e = { 0 };
	if (!text || sg_scheme_value_check(s, text, NULL, 0, &canon, &e) != 0)
		canon = sg_xstrdup("[]");
	free(text);
	return canon;
}
