/* nbformat.c — reading, writing and editing .ipynb notebooks. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "core/ansi.h"
#include "core/nb_int.h"
#include "core/nbformat.h"
#include "core/nbpercent.h"
#include "core/util.h"

/* ---- JSON writer in nbformat's layout ----------------------------------- */

void sg_nb_json_string(struct sg_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sg_buf_add(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sg_buf_add(b, s + run, i - run);
		run = i + 1;
		char esc[7] = "\\u00";
		switch (c) {
		case '"': sg_buf_add(b, "\\\"", 2); break;
		case '\\': sg_buf_add(b, "\\\\", 2); break;
		case '\n': sg_buf_add(b, "\\n", 2); break;
		case '\t': sg_buf_add(b, "\\t", 2); break;
		case '\r': sg_buf_add(b, "\\r", 2); break;
		case '\b': sg_buf_add(b, "\\b", 2); break;
		case '\f': sg_buf_add(b, "\\f", 2); break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			sg_buf_add(b, esc, 6);
		}
	}
	sg_buf_add(b, s + run, n - run);
	sg_buf_add(b, "\"", 1);
}

/* The shortest %g form that reads back to the same double, with ".0" added
 * to whole numbers so the value stays a real (as Python writes it). */
static void write_real(struct sg_buf *b, double v)
{
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (!strpbrk(tmp, ".eEni"))
		strcat(tmp, ".0");
	sg_buf_puts(b, tmp);
}

static void newline_indent(struct sg_buf *b, int level, int indent)
{
	static const char spaces[] = "                                ";
	sg_buf_add(b, "\n", 1);
	size_t n = (size_t)level * (size_t)indent;
	while (n > 0) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		sg_buf_add(b, spaces, k);
		n -= k;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void write_object(struct sg_buf *b, const json_t *v, int level, int indent)
{
	size_t n = json_object_size(v);
	if (n == 0) {
		sg_buf_add(b, "{}", 2);
		return;
	}
	const char **keys = sg_xmalloc(n * sizeof *keys);
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val)
		keys[k++] = key;
	qsort(keys, k, sizeof *keys, cmp_str);
	sg_buf_add(b, "{", 1);
	for (size_t i = 0; i < k; i++) {
		newline_indent(b, level + 1, indent);
		sg_nb_json_string(b, keys[i], strlen(keys[i]));
		sg_buf_add(b, ": ", 2);
		sg_nb_json_write(b, json_object_get(v, keys[i]), level + 1, indent);
		if (i + 1 < k)
			sg_buf_add(b, ",", 1);
	}
	newline_indent(b, level, indent);
	sg_buf_add(b, "}", 1);
	free(keys);
}

void sg_nb_json_write(struct sg_buf *b, const json_t *v, int level, int indent)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		write_object(b, v, level, indent);
		break;
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if (n == 0) {
			sg_buf_add(b, "[]", 2);
			break;
		}
		sg_buf_add(b, "[", 1);
		for (size_t i = 0; i < n; i++) {
			newline_indent(b, level + 1, indent);
			sg_nb_json_write(b, json_array_get(v, i), level + 1, indent);
			if (i + 1 < n)
				sg_buf_add(b, ",", 1);
		}
		newline_indent(b, level, indent);
		sg_buf_add(b, "]", 1);
		break;
	}
	case JSON_STRING:
		sg_nb_json_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		sg_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		write_real(b, json_real_value(v));
		break;
	case JSON_TRUE: sg_buf_add(b, "true", 4); break;
	case JSON_FALSE: sg_buf_add(b, "false", 5); break;
	case JSON_NULL: sg_buf_add(b, "null", 4); break;
	}
}

json_t *sg_nb_split_lines(const char *s)
{
	json_t *a = json_array();
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);
		json_array_append_new(a, json_stringn(s, n));
		s += n;
	}
	return a;
}

char *sg_nb_join_lines(const json_t *j)
{
	if (json_is_string(j))
		return sg_xstrndup(json_string_value(j), json_string_length(j));
	if (!json_is_array(j))
		return NULL;
	struct sg_buf b = {0};
	size_t i;
	json_t *line;
	json_array_foreach(j, i, line) {
		if (!json_is_string(line)) {
			free(b.data);
			return NULL;
		}
		sg_buf_add(&b, json_string_value(line), json_string_length(line));
	}
	return sg_buf_take(&b, NULL);
}

/* ---- model -------------------------------------------------------------- */

const char *sg_nb_cell_type_name(enum sg_nb_cell_type t)
{
	switch (t) {
	case SG_NB_CODE: return "code";
	case SG_NB_MARKDOWN: return "markdown";
	case SG_NB_RAW: return "raw";
	}
	return "code";
}

int sg_nb_cell_type_parse(const char *s, enum sg_nb_cell_type *t)
{
	if (!s)
		return -1;
	if (strcmp(s, "code") == 0)
		*t = SG_NB_CODE;
	else if (strcmp(s, "markdown") == 0)
		*t = SG_NB_MARKDOWN;
	else if (strcmp(s, "raw") == 0)
		*t = SG_NB_RAW;
	else
		return -1;
	return 0;
}

int sg_nb_id_valid(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++) {
		char c = id[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return n >= 1 && n <= SG_NB_ID_MAX;
}

long sg_nb_find(const struct sg_nb *nb, const char *id)
{
	for (size_t i = 0; i < nb->ncells; i++)
		if (strcmp(nb->cells[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void random_id(char out[SG_NB_ID_MAX + 1])
{
	unsigned char r[4];
	if (sg_random_bytes(r, sizeof r) != 0) {
		/* No kernel randomness: a counter mixed with the clock still
		 * gives distinct ids within one notebook. */
		static unsigned counter;
		unsigned v = (unsigned)(sg_now() * 1000.0) ^ (++counter * 2654435761u);
		memcpy(r, &v, sizeof r);
	}
	snprintf(out, SG_NB_ID_MAX + 1, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

void sg_nb_new_id(const struct sg_nb *nb, char out[SG_NB_ID_MAX + 1])
{
	do
		random_id(out);
	while (nb && sg_nb_find(nb, out) >= 0);
}

static void cell_done(struct sg_nb_cell *c)
{
	free(c->source);
	json_decref(c->outputs);
	json_decref(c->metadata);
	json_decref(c->attachments);
	json_decref(c->extra);
	memset(c, 0, sizeof *c);
}

struct sg_nb *sg_nb_new(void)
{
	struct sg_nb *nb = sg_xcalloc(1, sizeof *nb);
	nb->nbformat = 4;
	nb->nbformat_minor = 5;
	nb->metadata = json_object();
	return nb;
}

void sg_nb_free(struct sg_nb *nb)
{
	if (!nb)
		return;
	for (size_t i = 0; i < nb->ncells; i++)
		cell_done(&nb->cells[i]);
	free(nb->cells);
	json_decref(nb->metadata);
	json_decref(nb->extra);
	free(nb);
}

static void cell_copy(struct sg_nb_cell *dst, const struct sg_nb_cell *src)
{
	*dst = *src;
	dst->source = sg_xstrdup(src->source);
	dst->outputs = src->outputs ? json_deep_copy(src->outputs) : NULL;
	dst->metadata = json_deep_copy(src->metadata);
	dst->attachments = src->attachments ? json_deep_copy(src->attachments) : NULL;
	dst->extra = src->extra ? json_deep_copy(src->extra) : NULL;
}

static void reserve(struct sg_nb *nb, size_t n)
{
	if (n <= nb->cap)
		return;
	size_t cap = nb->cap ? nb->cap : 16;
	while (cap < n)
		cap *= 2;
	nb->cells = sg_xrealloc(nb->cells, cap * sizeof *nb->cells);
	nb->cap = cap;
}

struct sg_nb *sg_nb_clone(const struct sg_nb *nb)
{
	struct sg_nb *c = sg_xcalloc(1, sizeof *c);
	*c = *nb;
	c->cells = NULL;
	c->cap = 0;
	c->metadata = json_deep_copy(nb->metadata);
	c->extra = nb->extra ? json_deep_copy(nb->extra) : NULL;
	reserve(c, nb->ncells);
	for (size_t i = 0; i < nb->ncells; i++)
		cell_copy(&c->cells[i], &nb->cells[i]);
	return c;
}

void sg_nb_swap(struct sg_nb *a, struct sg_nb *b)
{
	struct sg_nb t = *a;
	*a = *b;
	*b = t;
}

/* Opens a hole at index at and returns the zeroed cell there. */
static struct sg_nb_cell *open_slot(struct sg_nb *nb, size_t at)
{
	if (at > nb->ncells)
		at = nb->ncells;
	reserve(nb, nb->ncells + 1);
	memmove(&nb->cells[at + 1], &nb->cells[at], (nb->ncells - at) * sizeof *nb->cells);
	nb->ncells++;
	memset(&nb->cells[at], 0, sizeof nb->cells[at]);
	return &nb->cells[at];
}

/* A new empty cell of type at index at, with id (may be ""). */
static struct sg_nb_cell *new_cell(struct sg_nb *nb, size_t at, enum sg_nb_cell_type type,
				   const char *source, const char id[SG_NB_ID_MAX + 1])
{
	struct sg_nb_cell *c = open_slot(nb, at);
	memcpy(c->id, id, SG_NB_ID_MAX + 1);
	c->type = type;
	c->source = sg_xstrdup(source ? source : "");
	c->execution_count = -1;
	c->metadata = json_object();
	c->outputs = type == SG_NB_CODE ? json_array() : NULL;
	return c;
}

struct sg_nb_cell *sg_nb_insert(struct sg_nb *nb, size_t at, enum sg_nb_cell_type type,
				const char *source)
{
	char id[SG_NB_ID_MAX + 1];
	sg_nb_new_id(nb, id);
	return new_cell(nb, at, type, source, id);
}

struct sg_nb_cell *sg_nb_append_unnamed(struct sg_nb *nb, enum sg_nb_cell_type type)
{
	static const char none[SG_NB_ID_MAX + 1];
	return new_cell(nb, nb->ncells, type, NULL, none);
}

struct sg_nb_cell *sg_nb_insert_copy(struct sg_nb *nb, size_t at, const struct sg_nb_cell *cell)
{
	char id[SG_NB_ID_MAX + 1];
	if (sg_nb_find(nb, cell->id) >= 0 || !sg_nb_id_valid(cell->id))
		sg_nb_new_id(nb, id);
	else
		memcpy(id, cell->id, sizeof id);
	struct sg_nb_cell *c = open_slot(nb, at);
	cell_copy(c, cell);
	memcpy(c->id, id, sizeof id);
	return c;
}

int sg_nb_delete(struct sg_nb *nb, size_t at)
{
	if (at >= nb->ncells)
		return -1;
	cell_done(&nb->cells[at]);
	memmove(&nb->cells[at], &nb->cells[at + 1], (nb->ncells - at - 1) * sizeof *nb->cells);
	nb->ncells--;
	return 0;
}

int sg_nb_move(struct sg_nb *nb, size_t from, size_t to)
{
	if (from >= nb->ncells || to >= nb->ncells)
		return -1;
	struct sg_nb_cell c = nb->cells[from];
	if (from < to)
		memmove(&nb->cells[from], &nb->cells[from + 1], (to - from) * sizeof c);
	else if (from > to)
		memmove(&nb->cells[to + 1], &nb->cells[to], (from - to) * sizeof c);
	nb->cells[to] = c;
	return 0;
}

void sg_nb_cell_set_source(struct sg_nb_cell *c, const char *src)
{
	char *s = sg_xstrdup(src ? src : "");
	free(c->source);
	c->source = s;
}

void sg_nb_cell_set_type(struct sg_nb_cell *c, enum sg_nb_cell_type t)
{
	if (c->type == t)
		return;
	c->type = t;
	if (t == SG_NB_CODE) {
		json_decref(c->attachments);
		c->attachments = NULL;
		if (!c->outputs)
			c->outputs = json_array();
	} else {
		json_decref(c->outputs);
		c->outputs = NULL;
	}
	c->execution_count = -1;
}

void sg_nb_cell_clear_outputs(struct sg_nb_cell *c)
{
	if (c->type != SG_NB_CODE)
		return;
	json_decref(c->outputs);
	c->outputs = json_array();
	c->execution_count = -1;
}

void sg_nb_cell_append_output(struct sg_nb_cell *c, json_t *output)
{
	if (!c->outputs)
		c->outputs = json_array();
	json_array_append_new(c->outputs, output);
}

void sg_nb_cell_append_stream(struct sg_nb_cell *c, const char *name, const char *text)
{
	if (!c->outputs)
		c->outputs = json_array();
	size_t n = json_array_size(c->outputs);
	json_t *last = n ? json_array_get(c->outputs, n - 1) : NULL;
	const char *ot = json_string_value(json_object_get(last, "output_type"));
	const char *ln = json_string_value(json_object_get(last, "name"));
	if (ot && ln && strcmp(ot, "stream") == 0 && strcmp(ln, name) == 0) {
		char *old = sg_nb_join_lines(json_object_get(last, "text"));
		char *joined = sg_xasprintf("%s%s", old ? old : "", text);
		json_object_set_new(last, "text", json_string(joined));
		free(old);
		free(joined);
		return;
	}
	json_array_append_new(c->outputs, json_pack("{s:s, s:s, s:s}", "output_type", "stream",
						     "name", name, "text", text));
}

void sg_nb_strip_outputs(struct sg_nb *nb)
{
	for (size_t i = 0; i < nb->ncells; i++)
		sg_nb_cell_clear_outputs(&nb->cells[i]);
}

/* ---- parsing ------------------------------------------------------------ */

/* Ids seen so far, in a small open-addressing table, so checking a
 * 1,000-cell notebook for duplicates stays linear. */
struct idset {
	const char **slot;
	size_t cap;
};

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

/* Adds id; returns 0 if it was already present. */
static int idset_add(struct idset *set, const char *id)
{
	size_t i = hash_str(id) & (set->cap - 1);
	while (set->slot[i]) {
		if (strcmp(set->slot[i], id) == 0)
			return 0;
		i = (i + 1) & (set->cap - 1);
	}
	set->slot[i] = id;
	return 1;
}

static const char *const known_cell_keys[] = {
	"cell_type", "id", "source", "metadata", "outputs", "execution_count", "attachments", NULL
};

static int is_known(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

/* Collects the keys of obj not in known into a new object (or NULL). */
static json_t *extra_keys(json_t *obj, const char *const *known)
{
	json_t *extra = NULL;
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (is_known(known, key))
			continue;
		if (!extra)
			extra = json_object();
		json_object_set(extra, key, val);
	}
	return extra;
}

static int cell_error(struct sg_error *err, const char *name, size_t i, const char *why)
{
	return sg_error_set(err, SG_E_PARSE, "%s: cell %zu: %s", name, i + 1, why);
}

/* Reads one v4 cell into c (c is zeroed on entry, cleaned by the caller). */
static int read_cell(json_t *j, struct sg_nb_cell *c, const char *name, size_t i,
		     struct sg_error *err)
{
	if (!json_is_object(j))
		return cell_error(err, name, i, "not a JSON object");
	const char *type = json_string_value(json_object_get(j, "cell_type"));
	if (!type)
		return cell_error(err, name, i, "no \"cell_type\"");
	if (sg_nb_cell_type_parse(type, &c->type) != 0) {
		char why[128];
		snprintf(why, sizeof why, "unknown cell_type \"%.40s\"", type);
		return cell_error(err, name, i, why);
	}
	json_t *src = json_object_get(j, "source");
	c->source = src ? sg_nb_join_lines(src) : sg_xstrdup("");
	if (!c->source)
		return cell_error(err, name, i, "\"source\" is not a string or a list of strings");
	const char *id = json_string_value(json_object_get(j, "id"));
	if (id && sg_nb_id_valid(id))
		snprintf(c->id, sizeof c->id, "%s", id);
	json_t *md = json_object_get(j, "metadata");
	c->metadata = json_is_object(md) ? json_incref(md) : json_object();
	c->execution_count = -1;
	if (c->type == SG_NB_CODE) {
		json_t *ec = json_object_get(j, "execution_count");
		if (json_is_integer(ec) && json_integer_value(ec) >= 0)
			c->execution_count = (long)json_integer_value(ec);
		json_t *outs = json_object_get(j, "outputs");
		if (outs && !json_is_array(outs))
			return cell_error(err, name, i, "\"outputs\" is not a list");
		c->outputs = outs ? json_incref(outs) : json_array();
	} else {
		json_t *att = json_object_get(j, "attachments");
		if (json_is_object(att))
			c->attachments = json_incref(att);
	}
	c->extra = extra_keys(j, known_cell_keys);
	if (c->type != SG_NB_CODE && c->extra) {
		/* A markdown cell saved with empty outputs by an old tool: keep the
		 * rest, drop what nbformat forbids there. */
		json_object_del(c->extra, "outputs");
		json_object_del(c->extra, "execution_count");
		if (json_object_size(c->extra) == 0) {
			json_decref(c->extra);
			c->extra = NULL;
		}
	}
	return 0;
}

void sg_nb_name_cells(struct sg_nb *nb)
{
	size_t cap = 16;
	while (cap < nb->ncells * 2 + 2)
		cap *= 2;
	struct idset set = { sg_xcalloc(cap, sizeof(char *)), cap };
	/* First pass: keep the first holder of each valid id. */
	unsigned char *needs = sg_xcalloc(nb->ncells + 1, 1);
	for (size_t i = 0; i < nb->ncells; i++)
		if (!nb->cells[i].id[0] || !idset_add(&set, nb->cells[i].id))
			needs[i] = 1;
	for (size_t i = 0; i < nb->ncells; i++) {
		if (!needs[i])
			continue;
		do
			random_id(nb->cells[i].id);
		while (!idset_add(&set, nb->cells[i].id));
		nb->ids_generated++;
	}
	free(needs);
	free(set.slot);
}

static const char *const known_top_keys[] = {
	"cells", "metadata", "nbformat", "nbformat_minor", NULL
};

static int read_v4(json_t *root, const char *name, struct sg_nb *nb, struct sg_error *err)
{
	json_t *cells = json_object_get(root, "cells");
	if (!json_is_array(cells))
		return sg_error_set(err, SG_E_PARSE, "%s: not a notebook: no \"cells\" list", name);
	json_t *md = json_object_get(root, "metadata");
	json_decref(nb->metadata);
	nb->metadata = json_is_object(md) ? json_incref(md) : json_object();
	nb->extra = extra_keys(root, known_top_keys);
	reserve(nb, json_array_size(cells));
	size_t i;
	json_t *cj;
	json_array_foreach(cells, i, cj) {
		struct sg_nb_cell *c = &nb->cells[nb->ncells++];
		memset(c, 0, sizeof *c);
		if (read_cell(cj, c, name, i, err) != 0)
			return -1;
	}
	return 0;
}

/* ---- nbformat 3 upgrade ----------------------------------------------- */

static const char *v3_mime(const char *key)
{
	static const char *const map[][2] = {
		{ "text", "text/plain" }, { "html", "text/html" }, { "svg", "image/svg+xml" },
		{ "png", "image/png" }, { "jpeg", "image/jpeg" }, { "latex", "text/latex" },
		{ "json", "application/json" }, { "javascript", "application/javascript" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], key) == 0)
			return map[i][1];
	return key;
}

/* One v3 output as a new v4 output object. */
static json_t *upgrade_output(json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "output_type"));
	json_t *out = json_object();
	if (!type)
		type = "display_data";
	if (strcmp(type, "pyout") == 0 || strcmp(type, "display_data") == 0) {
		int result = strcmp(type, "pyout") == 0;
		json_object_set_new(out, "output_type",
				    json_string(result ? "execute_result" : "display_data"));
		json_t *data = json_object();
		const char *key;
		json_t *val;
		json_object_foreach(o, key, val) {
			if (strcmp(key, "output_type") == 0 || strcmp(key, "prompt_number") == 0 ||
			    strcmp(key, "metadata") == 0)
				continue;
			const char *mime = v3_mime(key);
			if (strcmp(mime, "application/json") == 0 && json_is_string(val)) {
				json_t *parsed = json_loads(json_string_value(val), JSON_DECODE_ANY, NULL);
				json_object_set_new(data, mime, parsed ? parsed : json_incref(val));
			} else {
				json_object_set(data, mime, val);
			}
		}
		json_object_set_new(out, "data", data);
		json_t *md = json_object_get(o, "metadata");
		json_object_set_new(out, "metadata", json_is_object(md) ? json_incref(md) : json_object());
		if (result) {
			json_t *pn = json_object_get(o, "prompt_number");
			json_object_set_new(out, "execution_count",
					    json_is_integer(pn) ? json_incref(pn) : json_null());
		}
	} else if (strcmp(type, "pyerr") == 0 || strcmp(type, "error") == 0) {
		json_object_set_new(out, "output_type", json_string("error"));
		json_t *v;
		v = json_object_get(o, "ename");
		json_object_set_new(out, "ename", json_is_string(v) ? json_incref(v) : json_string(""));
		v = json_object_get(o, "evalue");
		json_object_set_new(out, "evalue", json_is_string(v) ? json_incref(v) : json_string(""));
		v = json_object_get(o, "traceback");
		json_object_set_new(out, "traceback", json_is_array(v) ? json_incref(v) : json_array());
	} else if (strcmp(type, "stream") == 0) {
		json_object_set_new(out, "output_type", json_string("stream"));
		const char *sname = json_string_value(json_object_get(o, "stream"));
		json_object_set_new(out, "name", json_string(sname ? sname : "stdout"));
		json_t *text = json_object_get(o, "text");
		char *t = sg_nb_join_lines(text);
		json_object_set_new(out, "text", json_string(t ? t : ""));
		free(t);
	} else {
		json_decref(out);
		out = json_deep_copy(o);
	}
	return out;
}

/* One v3 cell as a v4 cell JSON object (then read by read_cell). */
static json_t *upgrade_cell(json_t *c)
{
	json_t *out = json_object();
	const char *type = json_string_value(json_object_get(c, "cell_type"));
	json_t *md = json_object_get(c, "metadata");
	json_t *meta = json_is_object(md) ? json_deep_copy(md) : json_object();
	json_object_set_new(out, "metadata", meta);
	if (type && strcmp(type, "code") == 0) {
		json_object_set_new(out, "cell_type", json_string("code"));
		json_t *in = json_object_get(c, "input");
		json_object_set_new(out, "source", in ? json_incref(in) : json_string(""));
		json_t *pn = json_object_get(c, "prompt_number");
		json_object_set_new(out, "execution_count",
				    json_is_integer(pn) ? json_incref(pn) : json_null());
		json_t *collapsed = json_object_get(c, "collapsed");
		if (json_is_boolean(collapsed))
			json_object_set(meta, "collapsed", collapsed);
		json_t *outs = json_array();
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(c, "outputs"), i, o)
			if (json_is_object(o))
				json_array_append_new(outs, upgrade_output(o));
		json_object_set_new(out, "outputs", outs);
	} else if (type && strcmp(type, "heading") == 0) {
		json_object_set_new(out, "cell_type", json_string("markdown"));
		json_t *lv = json_object_get(c, "level");
		long level = json_is_integer(lv) ? (long)json_integer_value(lv) : 1;
		if (level < 1)
			level = 1;
		if (level > 6)
			level = 6;
		char *src = sg_nb_join_lines(json_object_get(c, "source"));
		/* A heading is one line in Markdown: join a multi-line one. */
		for (char *p = src; p && *p; p++)
			if (*p == '\n')
				*p = ' ';
		char *md_src = sg_xasprintf("%.*s %s", (int)level, "######", src ? src : "");
		json_object_set_new(out, "source", json_string(md_src));
		free(md_src);
		free(src);
	} else {
		json_object_set_new(out, "cell_type",
				    json_string(type && strcmp(type, "markdown") == 0 ? "markdown" : "raw"));
		json_t *src = json_object_get(c, "source");
		json_object_set_new(out, "source", src ? json_incref(src) : json_string(""));
	}
	return out;
}

static int read_v3(json_t *root, const char *name, struct sg_nb *nb, struct sg_error *err)
{
	json_t *ws = json_object_get(root, "worksheets");
	if (ws && !json_is_array(ws))
		return sg_error_set(err, SG_E_PARSE, "%s: nbformat 3: \"worksheets\" is not a list", name);
	json_t *v4 = json_object();
	json_t *cells = json_array();
	size_t i, k;
	json_t *sheet, *c;
	json_array_foreach(ws, i, sheet) {
		json_array_foreach(json_object_get(sheet, "cells"), k, c) {
			if (!json_is_object(c))
				continue;
			json_array_append_new(cells, upgrade_cell(c));
		}
	}
	json_object_set_new(v4, "cells", cells);
	json_t *md = json_object_get(root, "metadata");
	json_t *meta = json_is_object(md) ? json_deep_copy(md) : json_object();
	/* nbformat 4 moved the name to the file name and dropped signatures. */
	json_object_del(meta, "name");
	json_object_del(meta, "signature");
	json_object_set_new(v4, "metadata", meta);
	int rc = read_v4(v4, name, nb, err);
	json_decref(v4);
	nb->upgraded_from = 3;
	return rc;
}

/* A file with NUL bytes, or whose first non-blank byte cannot start a JSON
 * object, is refused before jansson sees it, with a clearer message. */
static int looks_binary(const char *buf, size_t len)
{
	size_t probe = len < 65536 ? len : 65536;
	return memchr(buf, '\0', probe) != NULL;
}

int sg_nb_parse(const char *buf, size_t len, const char *name, struct sg_nb **out,
		struct sg_error *err)
{
	*out = NULL;
	if (looks_binary(buf, len))
		return sg_error_set(err, SG_E_PARSE,
				    "%s: not a notebook: the file holds binary data, not JSON", name);
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	if (!root)
		return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", name, je.line > 0 ? je.line : 1,
				    je.column > 0 ? je.column : 1, je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return sg_error_set(err, SG_E_PARSE, "%s: not a notebook: the JSON is not an object",
				    name);
	}
	json_t *ver = json_object_get(root, "nbformat");
	if (!json_is_integer(ver)) {
		json_decref(root);
		return sg_error_set(err, SG_E_PARSE, "%s: not a notebook: no \"nbformat\" version",
				    name);
	}
	json_int_t v = json_integer_value(ver);
	if (v != 3 && v != 4) {
		json_decref(root);
		return sg_error_set(err, SG_E_PARSE,
				    "%s: nbformat %" JSON_INTEGER_FORMAT " is not supported "
				    "(sagetty reads nbformat 3 and 4)", name, v);
	}
	struct sg_nb *nb = sg_nb_new();
	int rc = v == 3 ? read_v3(root, name, nb, err) : read_v4(root, name, nb, err);
	if (rc == 0 && v == 4) {
		json_t *minor = json_object_get(root, "nbformat_minor");
		long m = json_is_integer(minor) ? (long)json_integer_value(minor) : 0;
		nb->nbformat_minor = m > 5 && m < 1000 ? (int)m : 5;
	}
	json_decref(root);
	if (rc != 0) {
		sg_nb_free(nb);
		return -1;
	}
	sg_nb_name_cells(nb);
	*out = nb;
	return 0;
}

static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);
	return n > m && strcmp(path + n - m, ext) == 0;
}

int sg_nb_load(const char *path, struct sg_nb **out, struct sg_error *err)
{
	*out = NULL;
	size_t len;
	char *buf = sg_read_file(path, SG_NB_MAX_BYTES, &len, err);
	if (!buf)
		return -1;
	int rc = has_ext(path, ".py") ? sg_nb_parse_percent(buf, len, path, out, err)
				      : sg_nb_parse(buf, len, path, out, err);
	free(buf);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* nbformat writes stream text and text mime values as lists of lines. */
static json_t *split_output(const json_t *o)
{
	json_t *copy = json_copy((json_t *)o);
	const char *type = json_string_value(json_object_get(o, "output_type"));
	if (!type)
		return copy;
	if (strcmp(type, "stream") == 0) {
		json_t *text = json_object_get(o, "text");
		if (json_is_string(text))
			json_object_set_new(copy, "text", sg_nb_split_lines(json_string_value(text)));
	} else if (strcmp(type, "execute_result") == 0 || strcmp(type, "display_data") == 0) {
		json_t *data = json_object_get(o, "data");
		if (!json_is_object(data))
			return copy;
		json_t *nd = json_copy(data);
		const char *key;
		json_t *val;
		json_object_foreach(data, key, val)
			if (json_is_string(val) && strncmp(key, "text/", 5) == 0)
				json_object_set_new(nd, key, sg_nb_split_lines(json_string_value(val)));
		json_object_set_new(copy, "data", nd);
	}
	return copy;
}

/* The cell as the JSON object nbformat defines, sources split in lines. */
static json_t *cell_json(const struct sg_nb_cell *c)
{
	json_t *j = c->extra ? json_copy(c->extra) : json_object();
	json_object_set_new(j, "cell_type", json_string(sg_nb_cell_type_name(c->type)));
	json_object_set_new(j, "id", json_string(c->id));
	json_object_set(j, "metadata", c->metadata);
	json_object_set_new(j, "source", sg_nb_split_lines(c->source));
	if (c->type == SG_NB_CODE) {
		json_object_set_new(j, "execution_count", c->execution_count >= 0
				    ? json_integer(c->execution_count) : json_null());
		json_t *outs = json_array();
		size_t i;
		json_t *o;
		json_array_foreach(c->outputs, i, o)
			json_array_append_new(outs, json_is_object(o) ? split_output(o) : json_incref(o));
		json_object_set_new(j, "outputs", outs);
	} else if (c->attachments) {
		json_object_set(j, "attachments", c->attachments);
	}
	return j;
}

char *sg_nb_dump(const struct sg_nb *nb, size_t *len)
{
	json_t *root = nb->extra ? json_copy(nb->extra) : json_object();
	json_t *cells = json_array();
	for (size_t i = 0; i < nb->ncells; i++)
		json_array_append_new(cells, cell_json(&nb->cells[i]));
	json_object_set_new(root, "cells", cells);
	json_object_set(root, "metadata", nb->metadata);
	json_object_set_new(root, "nbformat", json_integer(4));
	json_object_set_new(root, "nbformat_minor", json_integer(nb->nbformat_minor >= 5
								  ? nb->nbformat_minor : 5));
	struct sg_buf b = {0};
	sg_nb_json_write(&b, root, 0, 1);
	sg_buf_add(&b, "\n", 1);
	json_decref(root);
	return sg_buf_take(&b, len);
}

int sg_nb_save_file(const char *path, const struct sg_nb *nb, struct sg_error *err)
{
	size_t len;
	char *text = has_ext(path, ".py") ? sg_nb_dump_percent(nb, &len) : sg_nb_dump(nb, &len);
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0666;
	int rc = sg_write_atomic(path, text, len, mode, err);
	/* open(2) applied the umask to the temp file: give a replaced file
	 * back its exact mode. */
	if (rc == 0 && mode != 0666)
		chmod(path, mode);
	free(text);
	return rc;
}

/* ---- output text ------------------------------------------------------ */

/* HTML to text: tags removed, <br>/<p>/<tr>/<li> as line breaks, the common
 * entities decoded, script and style contents dropped. */
static char *html_text(const char *h)
{
	static const char *const ents[][2] = {
		{ "&lt;", "<" }, { "&gt;", ">" }, { "&amp;", "&" }, { "&quot;", "\"" },
		{ "&#39;", "'" }, { "&nbsp;", " " }, { "&apos;", "'" },
	};
	struct sg_buf b = {0};
	const char *p = h;
	while (*p) {
		if (*p == '<') {
			const char *end = strchr(p, '>');
			if (!end)
				break;
			size_t n = (size_t)(end - p);
			if ((n >= 7 && strncasecmp(p, "<script", 7) == 0) ||
			    (n >= 6 && strncasecmp(p, "<style", 6) == 0)) {
				const char *close = strcasestr(end, p[1] == 's' && (p[2] == 'c' || p[2] == 'C')
							       ? "</script" : "</style");
				end = close ? strchr(close, '>') : NULL;
				if (!end)
					break;
			} else if (strncasecmp(p, "<br", 3) == 0 || strncasecmp(p, "</p", 3) == 0 ||
				   strncasecmp(p, "</tr", 4) == 0 || strncasecmp(p, "<li", 3) == 0 ||
				   strncasecmp(p, "</div", 5) == 0 || strncasecmp(p, "</h", 3) == 0) {
				sg_buf_add(&b, "\n", 1);
			} else if (strncasecmp(p, "</td", 4) == 0 || strncasecmp(p, "</th", 4) == 0) {
				sg_buf_add(&b, "\t", 1);
			}
			p = end + 1;
			continue;
		}
		if (*p == '&') {
			size_t k;
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
				if (strncmp(p, ents[k][0], strlen(ents[k][0])) == 0)
					break;
			if (k < sizeof ents / sizeof ents[0]) {
				sg_buf_puts(&b, ents[k][1]);
				p += strlen(ents[k][0]);
				continue;
			}
		}
		sg_buf_add(&b, p, 1);
		p++;
	}
	char *s = sg_buf_take(&b, NULL);
	/* Collapse runs of blank lines left by block tags. */
	char *w = s;
	int newlines = 0;
	for (char *r = s; *r; r++) {
		newlines = *r == '\n' ? newlines + 1 : 0;
		if (newlines <= 2)
			*w++ = *r;
	}
	*w = '\0';
	return s;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decodes up to max bytes of base64 (skipping whitespace); returns the count. */
static size_t b64_prefix(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *s && n < max; s++) {
		int v = b64val(*s);
		if (v < 0) {
			if (*s == '=')
				break;
			continue;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

static char *image_text(const char *mime, const json_t *val, const json_t *meta)
{
	char *b64 = sg_nb_join_lines(val);
	size_t enc = 0;
	for (const char *p = b64 ? b64 : ""; *p; p++)
		enc += b64val(*p) >= 0;
	double kb = (double)enc * 3.0 / 4.0 / 1024.0;
	long w = -1, h = -1;
	json_t *m = json_object_get(meta, mime);
	if (json_is_integer(json_object_get(m, "width")))
		w = (long)json_integer_value(json_object_get(m, "width"));
	if (json_is_integer(json_object_get(m, "height")))
		h = (long)json_integer_value(json_object_get(m, "height"));
	unsigned char head[24];
	if (w < 0 && b64 && strcmp(mime, "image/png") == 0 &&
	    b64_prefix(b64, head, sizeof head) == sizeof head && memcmp(head + 1, "PNG", 3) == 0) {
		w = (long)((uint32_t)head[16] << 24 | (uint32_t)head[17] << 16 | (uint32_t)head[18] << 8 | head[19]);
		h = (long)((uint32_t)head[20] << 24 | (uint32_t)head[21] << 16 | (uint32_t)head[22] << 8 | head[23]);
	}
	free(b64);
	char size[32];
	if (kb < 1.0)
		snprintf(size, sizeof size, "%.0f B", kb * 1024.0);
	else
		snprintf(size, sizeof size, "%.0f kB", kb);
	if (w >= 0 && h >= 0)
		return sg_xasprintf("[%s %ldx%ld, %s]", mime, w, h, size);
	return sg_xasprintf("[%s, %s]", mime, size);
}

char *sg_nb_data_text(const json_t *data, const json_t *meta)
{
	json_t *v;
	char *s;
	if ((v = json_object_get(data, "text/plain")) && (s = sg_nb_join_lines(v)))
		return s;
	if ((v = json_object_get(data, "text/markdown")) && (s = sg_nb_join_lines(v)))
		return s;
	if ((v = json_object_get(data, "text/html")) && (s = sg_nb_join_lines(v))) {
		char *t = html_text(s);
		free(s);
		return t;
	}
	if ((v = json_object_get(data, "text/latex")) && (s = sg_nb_join_lines(v)))
		return s;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)data, key, val) {
		if (strncmp(key, "image/", 6) == 0)
			return image_text(key, val, meta);
	}
	json_object_foreach((json_t *)data, key, val) {
		if (strcmp(key, "application/json") == 0 || strstr(key, "+json"))
			return json_dumps(val, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		return sg_xasprintf("[%s]", key);
	}
	return sg_xstrdup("");
}

char *sg_nb_output_text(const json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "output_type"));
	char *s = NULL;
	if (!type) {
		s = sg_xstrdup("[output]");
	} else if (strcmp(type, "stream") == 0) {
		s = sg_nb_join_lines(json_object_get(o, "text"));
		if (s)
			sg_ansi_strip(s, strlen(s));
	} else if (strcmp(type, "execute_result") == 0 || strcmp(type, "display_data") == 0 ||
		   strcmp(type, "update_display_data") == 0) {
		s = sg_nb_data_text(json_object_get(o, "data"), json_object_get(o, "metadata"));
		sg_ansi_strip(s, strlen(s));
	} else if (strcmp(type, "error") == 0) {
		struct sg_buf b = {0};
		const char *en = json_string_value(json_object_get(o, "ename"));
		const char *ev = json_string_value(json_object_get(o, "evalue"));
		sg_buf_printf(&b, "%s: %s", en ? en : "Error", ev ? ev : "");
		size_t i;
		json_t *line;
		json_array_foreach(json_object_get(o, "traceback"), i, line) {
			if (!json_is_string(line))
				continue;
			sg_buf_add(&b, "\n", 1);
			sg_buf_add(&b, json_string_value(line), json_string_length(line));
		}
		s = sg_buf_take(&b, NULL);
		sg_ansi_strip(s, strlen(s));
	} else {
		s = sg_xasprintf("[%s output]", type);
	}
	return s ? s : sg_xstrdup("");
}
