/* nbpercent.c — jupytext's percent format, read and written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/nb_int.h"
#include "core/nbpercent.h"
#include "core/util.h"

struct line {
	const char *s;
	size_t n;
};

/* Splits text into lines without their '\n'; a final '\n' does not start
 * another (empty) line. */
static struct line *split(const char *buf, size_t len, size_t *count)
{
	size_t cap = 64, n = 0;
	struct line *v = sg_xmalloc(cap * sizeof *v);
	size_t start = 0;
	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		if (n == cap) {
			cap *= 2;
			v = sg_xrealloc(v, cap * sizeof *v);
		}
		v[n].s = buf + start;
		v[n].n = end - start;
		n++;
		start = end + 1;
	}
	*count = n;
	return v;
}

static int starts(const struct line *l, const char *p)
{
	size_t k = strlen(p);
	return l->n >= k && memcmp(l->s, p, k) == 0;
}

static int line_is(const struct line *l, const char *p)
{
	return l->n == strlen(p) && memcmp(l->s, p, l->n) == 0;
}

/* "# %%" or "#%%", then the end of the line or a space. */
static int is_marker(const struct line *l, size_t *opt)
{
	size_t k;
	if (starts(l, "# %%"))
		k = 4;
	else if (starts(l, "#%%"))
		k = 3;
	else
		return 0;
	if (l->n > k && l->s[k] != ' ')
		return 0;
	*opt = k;
	return 1;
}

/* "%%" then a space or the end, after zero or more backslashes (min of
 * them at least): a code line that "# " alone would turn into a marker. */
static int marker_like(const char *s, size_t n, size_t min)
{
	size_t k = 0;
	while (k < n && s[k] == '\\')
		k++;
	return k >= min && n - k >= 2 && s[k] == '%' && s[k + 1] == '%' &&
	       (n - k == 2 || s[k + 2] == ' ');
}

/* Whether a code line must be escaped with "# " when written: it would
 * otherwise read as a marker or a commented magic (see nbpercent.h). */
static int code_needs_escape(const char *s, size_t n)
{
	while (n >= 2 && s[0] == '#' && s[1] == ' ') {
		s += 2;
		n -= 2;
	}
	if (n >= 1 && (s[0] == '%' || s[0] == '!'))
		return 1;
	return (n >= 3 && memcmp(s, "#%%", 3) == 0) || marker_like(s, n, 1);
}

static int md_needs_escape(const char *s, size_t n)
{
	while (n >= 1 && s[0] == '\\') {
		s++;
		n--;
	}
	return n >= 2 && s[0] == '%' && s[1] == '%';
}

/* ---- reading -------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t k = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	if (k == 0 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3/4-byte forms, surrogates, past U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return k;
}

/* Refuses text that is not UTF-8 (notebooks are JSON, which must be),
 * naming the line and column of the first bad byte. */
static int check_utf8(const char *buf, size_t len, const char *name, struct sg_error *err)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_len((const unsigned char *)buf + i, len - i);
		if (k == 0)
			return sg_error_set(err, SG_E_PARSE, "%s:%zu:%zu: not UTF-8 text (byte 0x%02x)",
					    name, line, col, (unsigned char)buf[i]);
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += k;
	}
	return 0;
}

/* Adds the lines [a, b) to the source of a cell of the given type. */
static char *cell_source(const struct line *v, size_t a, size_t b, enum sg_nb_cell_type type)
{
	struct sg_buf buf = {0};
	for (size_t i = a; i < b; i++) {
		const char *s = v[i].s;
		size_t n = v[i].n;
		if (type == SG_NB_CODE) {
			if (n >= 3 && memcmp(s, "# \\", 3) == 0 && marker_like(s + 2, n - 2, 1)) {
				s += 3;      /* "# \%% x" stands for "%% x" */
				n -= 3;
			} else if (n >= 2 && s[0] == '#' && s[1] == ' ' && code_needs_escape(s + 2, n - 2)) {
				s += 2;
				n -= 2;
			}
		} else {
			if (n >= 2 && s[0] == '#' && s[1] == ' ') {
				s += 2;
				n -= 2;
			} else if (n == 1 && s[0] == '#') {
				n = 0;
			}
			if (n >= 1 && s[0] == '\\' && md_needs_escape(s, n)) {
				s++;
				n--;
			}
		}
		if (i > a)
			sg_buf_add(&buf, "\n", 1);
		sg_buf_add(&buf, s, n);
	}
	return sg_buf_take(&buf, NULL);
}

/* Length of a key=value option's value: up to a space outside brackets and
 * quotes. */
static size_t value_len(const char *s, size_t n)
{
	int depth = 0, quote = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (quote) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quote = 0;
			continue;
		}
		if (c == '"')
			quote = 1;
		else if (c == '[' || c == '{')
			depth++;
		else if ((c == ']' || c == '}') && depth > 0)
			depth--;
		else if (c == ' ' && depth == 0)
			break;
	}
	return i < n ? i : n;
}

static int is_key_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

/* Reads "Title [markdown] key=JSON ..." after the marker. */
static void parse_options(const char *s, size_t n, struct sg_nb_cell *c)
{
	struct sg_buf title = {0};
	size_t i = 0;
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		size_t k = i;
		while (k < n && is_key_char(s[k], k == i))
			k++;
		if (k > i && k < n && s[k] == '=') {
			size_t vl = value_len(s + k + 1, n - k - 1);
			char *key = sg_xstrndup(s + i, k - i);
			json_t *v = json_loadb(s + k + 1, vl, JSON_DECODE_ANY, NULL);
			if (!v)
				v = json_stringn(s + k + 1, vl);
			if (v)
				json_object_set_new(c->metadata, key, v);
			free(key);
			i = k + 1 + vl;
			continue;
		}
		size_t e = i;
		while (e < n && s[e] != ' ')
			e++;
		if (e - i == 10 && memcmp(s + i, "[markdown]", 10) == 0)
			c->type = SG_NB_MARKDOWN;
		else if (e - i == 4 && memcmp(s + i, "[md]", 4) == 0)
			c->type = SG_NB_MARKDOWN;
		else if (e - i == 5 && memcmp(s + i, "[raw]", 5) == 0)
			c->type = SG_NB_RAW;
		else {
			if (title.len)
				sg_buf_add(&title, " ", 1);
			sg_buf_add(&title, s + i, e - i);
		}
		i = e;
	}
	if (title.len) {
		json_t *t = json_stringn(title.data, title.len);
		if (t)
			json_object_set_new(c->metadata, "title", t);
	}
	free(title.data);
}

/* Reads "#   kernelspec:" and its indented "key: value" lines. */
static void header_kernelspec(const struct line *v, size_t a, size_t b, json_t *meta)
{
	for (size_t i = a; i < b; i++) {
		const char *s = v[i].s;
		size_t n = v[i].n;
		if (!(n >= 1 && s[0] == '#'))
			continue;
		size_t ind = 1;
		while (ind < n && s[ind] == ' ')
			ind++;
		if (n - ind != 11 || memcmp(s + ind, "kernelspec:", 11) != 0)
			continue;
		json_t *ks = json_object();
		for (size_t k = i + 1; k < b; k++) {
			const char *t = v[k].s;
			size_t m = v[k].n, j = 1;
			while (j < m && t[j] == ' ')
				j++;
			if (j <= ind || m == 0 || t[0] != '#')
				break;
			const char *colon = memchr(t + j, ':', m - j);
			if (!colon)
				break;
			char *key = sg_xstrndup(t + j, (size_t)(colon - t - j));
			const char *val = colon + 1;
			size_t vl = m - (size_t)(val - t);
			while (vl && *val == ' ') {
				val++;
				vl--;
			}
			if (vl >= 2 && (val[0] == '\'' || val[0] == '"') && val[vl - 1] == val[0]) {
				val++;
				vl -= 2;
			}
			json_t *js = json_stringn(val, vl);
			if (js)
				json_object_set_new(ks, key, js);
			free(key);
		}
		if (json_object_size(ks))
			json_object_set_new(meta, "kernelspec", ks);
		else
			json_decref(ks);
		return;
	}
}

/* The "# ---" ... "# ---" block at the top; returns the line after it. */
static size_t read_header(const struct line *v, size_t n, struct sg_nb *nb)
{
	if (n == 0 || !line_is(&v[0], "# ---"))
		return 0;
	size_t end = 1;
	while (end < n && !line_is(&v[end], "# ---")) {
		if (!(v[end].n >= 1 && v[end].s[0] == '#'))
			return 0;
		end++;
	}
	if (end >= n)
		return 0;
	struct sg_buf b = {0};
	for (size_t i = 0; i <= end; i++) {
		sg_buf_add(&b, v[i].s, v[i].n);
		sg_buf_add(&b, "\n", 1);
	}
	json_t *text = json_stringn(b.data, b.len);
	free(b.data);
	if (text) {
		json_t *sg = json_object();
		json_object_set_new(sg, "percent_header", text);
		json_object_set_new(nb->metadata, "sagetty", sg);
	}
	header_kernelspec(v, 1, end, nb->metadata);
	end++;
	if (end < n && v[end].n == 0)
		end++;
	return end;
}

int sg_nb_parse_percent(const char *buf, size_t len, const char *name, struct sg_nb **out,
			struct sg_error *err)
{
	*out = NULL;
	if (memchr(buf, '\0', len))
		return sg_error_set(err, SG_E_PARSE, "%s: not a script: the file holds binary data",
				    name);
	if (check_utf8(buf, len, name, err) != 0)
		return -1;
	size_t n;
	struct line *v = split(buf, len, &n);
	struct sg_nb *nb = sg_nb_new();
	size_t i = read_header(v, n, nb);
	/* Text before the first marker is a code cell of its own. */
	size_t first = i, opt;
	while (first < n && !is_marker(&v[first], &opt))
		first++;
	size_t pre_end = first;
	if (first < n && pre_end > i && v[pre_end - 1].n == 0)
		pre_end--;
	int pre_blank = 1;
	for (size_t k = i; k < pre_end; k++)
		if (v[k].n)
			pre_blank = 0;
	if (!pre_blank) {
		struct sg_nb_cell *c = sg_nb_append_unnamed(nb, SG_NB_CODE);
		free(c->source);
		c->source = cell_source(v, i, pre_end, SG_NB_CODE);
	}
	i = first;
	while (i < n) {
		is_marker(&v[i], &opt);
		struct sg_nb_cell *c = sg_nb_append_unnamed(nb, SG_NB_CODE);
		parse_options(v[i].s + opt, v[i].n - opt, c);
		size_t end = i + 1;
		while (end < n && !is_marker(&v[end], &opt))
			end++;
		size_t body_end = end;
		if (end < n && body_end > i + 1 && v[body_end - 1].n == 0)
			body_end--;   /* the blank line that separates cells */
		enum sg_nb_cell_type t = c->type;
		c->type = SG_NB_CODE;
		sg_nb_cell_set_type(c, t);
		free(c->source);
		c->source = cell_source(v, i + 1, body_end, t);
		i = end;
	}
	free(v);
	sg_nb_name_cells(nb);
	nb->ids_generated = 0;  /* scripts never carry ids: not news */
	*out = nb;
	return 0;
}

/* ---- writing -------------------------------------------------------- */

static int title_is_plain(const char *t)
{
	if (!t[0] || t[0] == ' ' || t[strlen(t) - 1] == ' ' || strstr(t, "  ") ||
	    strchr(t, '\n') || strchr(t, '='))
		return 0;
	for (const char *w = t; w; w = strchr(w, ' ')) {
		while (*w == ' ')
			w++;
		if (*w == '[')
			return 0;
	}
	return 1;
}

static int key_is_plain(const char *k)
{
	if (!is_key_char(k[0], 1))
		return 0;
	for (const char *p = k + 1; *p; p++)
		if (!is_key_char(*p, 0))
			return 0;
	return 1;
}

static void write_marker(struct sg_buf *b, const struct sg_nb_cell *c)
{
	sg_buf_puts(b, "# %%");
	const char *title = json_string_value(json_object_get(c->metadata, "title"));
	int plain_title = title && title_is_plain(title);
	if (plain_title) {
		sg_buf_add(b, " ", 1);
		sg_buf_puts(b, title);
	}
	if (c->type == SG_NB_MARKDOWN)
		sg_buf_puts(b, " [markdown]");
	else if (c->type == SG_NB_RAW)
		sg_buf_puts(b, " [raw]");
	const char *key;
	json_t *val;
	json_object_foreach(c->metadata, key, val) {
		if ((plain_title && strcmp(key, "title") == 0) || !key_is_plain(key))
			continue;
		char *js = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
		if (!js)
			continue;
		sg_buf_printf(b, " %s=%s", key, js);
		free(js);
	}
	sg_buf_add(b, "\n", 1);
}

static void write_source(struct sg_buf *b, const struct sg_nb_cell *c)
{
	const char *s = c->source;
	if (!*s)
		return;
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (c->type == SG_NB_CODE) {
			if (marker_like(s, n, 0))
				sg_buf_add(b, "# \\", 3);
			else if (code_needs_escape(s, n))
				sg_buf_add(b, "# ", 2);
		} else if (n == 0) {
			sg_buf_add(b, "#", 1);
		} else {
			sg_buf_add(b, "# ", 2);
			if (md_needs_escape(s, n))
				sg_buf_add(b, "\\", 1);
		}
		sg_buf_add(b, s, n);
		sg_buf_add(b, "\n", 1);
		if (!nl)
			break;
		s = nl + 1;
	}
}

/* Whether a kept header reads back as exactly one header block: "# ---",
 * comment lines, "# ---", each ending in a newline. */
static int header_ok(const char *h)
{
	if (strncmp(h, "# ---\n", 6) != 0)
		return 0;
	const char *p = h + 6;
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (!nl || *p != '#')
			return 0;
		if (nl - p == 5 && strncmp(p, "# ---", 5) == 0)
			return nl[1] == '\0';
		p = nl + 1;
	}
	return 0;
}

/* A kernelspec value fit for one header line. */
static const char *one_line(const char *s)
{
	return s && !strpbrk(s, "\r\n") ? s : NULL;
}

static void write_header(struct sg_buf *b, const struct sg_nb *nb)
{
	json_t *sg = json_object_get(nb->metadata, "sagetty");
	const char *kept = json_string_value(json_object_get(sg, "percent_header"));
	if (kept && header_ok(kept)) {
		sg_buf_puts(b, kept);
		sg_buf_add(b, "\n", 1);
		return;
	}
	json_t *ks = json_object_get(nb->metadata, "kernelspec");
	const char *dn = one_line(json_string_value(json_object_get(ks, "display_name")));
	const char *lang = one_line(json_string_value(json_object_get(ks, "language")));
	const char *kn = one_line(json_string_value(json_object_get(ks, "name")));
	if (!dn && !lang && !kn)
		return;
	sg_buf_puts(b, "# ---\n# jupyter:\n#   kernelspec:\n");
	if (dn)
		sg_buf_printf(b, "#     display_name: %s\n", dn);
	if (lang)
		sg_buf_printf(b, "#     language: %s\n", lang);
	if (kn)
		sg_buf_printf(b, "#     name: %s\n", kn);
	sg_buf_puts(b, "# ---\n\n");
}

char *sg_nb_dump_percent(const struct sg_nb *nb, size_t *len)
{
	struct sg_buf b = {0};
	write_header(&b, nb);
	for (size_t i = 0; i < nb->ncells; i++) {
		if (i > 0)
			sg_buf_add(&b, "\n", 1);
		write_marker(&b, &nb->cells[i]);
		write_source(&b, &nb->cells[i]);
	}
	return sg_buf_take(&b, len);
}
