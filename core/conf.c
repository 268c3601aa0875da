/* conf.c — the tokenizer behind themes, keymaps and the config.
 *
 * Lexical rules, in the order they are checked for each line:
 *   - a line ends at '\n'; a '\r' right before it (or at the very end of the
 *     buffer) is dropped, so CRLF files work;
 *   - a UTF-8 byte order mark at the start of the buffer is skipped;
 *   - a line may hold at most SG_CONF_LINE_MAX bytes, must be valid UTF-8 and
 *     may contain no control characters other than tab;
 *   - words are separated by blanks (space, tab);
 *   - a '#' at the start of a word begins a comment, except when it is not the
 *     first word and reads "#" plus six hex digits: that is a color, so theme
 *     files may write `#ff8700` bare.  A '#' inside a word is an ordinary
 *     character;
 *   - double quotes may appear anywhere in a word and group blanks into it;
 *     inside quotes, \" and \\ are the only escapes.  Outside quotes a
 *     backslash is an ordinary character, so `bind global \ x` binds '\'.
 * Columns are 1-based byte offsets into the line (after a BOM on line 1). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/conf.h"

#define SG_CONF_LINE_MAX 4096

/* Reports an error at a raw column (for problems found before words exist). */
static int pos_error(struct sg_error *err, const char *file, int line, int col,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int pos_error(struct sg_error *err, const char *file, int line, int col,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", file ? file : "<input>", line, col,
			    msg);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not one: overlong forms, surrogates and code points above
 * U+10FFFF are refused as well as truncated sequences. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	unsigned cp = c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* Refuses NUL bytes, control characters and invalid UTF-8 anywhere in the
 * line: they are never meaningful in these files and would garble messages
 * that echo a word back to the terminal. */
static int check_bytes(const char *file, int line, const char *s, size_t n,
		       struct sg_error *err)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		int col = (int)i + 1;
		if (u[i] == 0)
			return pos_error(err, file, line, col, "NUL byte");
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7F)
			return pos_error(err, file, line, col, "control character 0x%02x", u[i]);
		size_t len = utf8_len(u + i, n - i);
		if (len == 0)
			return pos_error(err, file, line, col, "invalid UTF-8");
		i += len;
	}
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True when s (n bytes left in the line) is "#" + six hex digits ending at a
 * blank or the end of the line. */
static int is_hex_color(const char *s, size_t n)
{
	if (n < 7)
		return 0;
	for (size_t i = 1; i < 7; i++)
		if (!is_hex(s[i]))
			return 0;
	return n == 7 || is_blank(s[7]);
}

/* Splits one line (already checked by check_bytes) into words.  out must hold
 * n + 1 bytes: unescaping never lengthens a word, and each word's NUL takes
 * the place of at least one blank or quote, except for the last. */
static int split_words(struct sg_conf_line *l, const char *s, size_t n, char *out,
		       struct sg_error *err)
{
	size_t i = 0;
	for (;;) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i >= n)
			break;
		if (s[i] == '#' && (l->argc == 0 || !is_hex_color(s + i, n - i)))
			break;
		if (l->argc == SG_CONF_MAXARGS)
			return pos_error(err, l->file, l->line, (int)i + 1,
					 "too many words (at most %d)", SG_CONF_MAXARGS);
		l->argv[l->argc] = out;
		l->col[l->argc] = (int)i + 1;
		size_t quote = 0;
		int in_quote = 0;
		while (i < n && (in_quote || !is_blank(s[i]))) {
			char c = s[i];
			if (c == '"') {
				in_quote = !in_quote;
				quote = i++;
				continue;
			}
			if (in_quote && c == '\\' && i + 1 < n) {
				char e = s[i + 1];
				if (e != '"' && e != '\\') {
					if (e > ' ' && e < 0x7F)
						return pos_error(err, l->file, l->line, (int)i + 1,
								 "unknown escape '\\%c' (only \\\" and \\\\)", e);
					return pos_error(err, l->file, l->line, (int)i + 1,
							 "unknown escape (only \\\" and \\\\)");
				}
				*out++ = e;
				i += 2;
				continue;
			}
			*out++ = c;
			i++;
		}
		if (in_quote)
			return pos_error(err, l->file, l->line, (int)quote + 1, "unterminated quote");
		*out++ = '\0';
		l->argc++;
		/* Why: sg_conf_error(line, argc) points just past the last word;
		 * keep that column in the spare slot when there is one. */
		if (l->argc < SG_CONF_MAXARGS)
			l->col[l->argc] = (int)i + 1;
	}
	return 0;
}

/* Checks and splits one line, then hands it to fn when it has words. */
static int parse_line(const char *file, int lineno, const char *s, size_t n, sg_conf_fn fn,
		      void *ud, struct sg_error *err)
{
	char words[SG_CONF_LINE_MAX + 1];
	struct sg_conf_line l;
	memset(&l, 0, sizeof l);
	l.file = file ? file : "<input>";
	l.line = lineno;
	if (n > SG_CONF_LINE_MAX)
		return pos_error(err, l.file, lineno, SG_CONF_LINE_MAX + 1,
				 "line is too long (more than %d bytes)", SG_CONF_LINE_MAX);
	if (check_bytes(l.file, lineno, s, n, err) != 0)
		return -1;
	if (split_words(&l, s, n, words, err) != 0)
		return -1;
	if (l.argc == 0)
		return 0;
	return fn(&l, ud, err);
}

int sg_conf_parse(const char *file, const char *buf, size_t len, sg_conf_fn fn, void *ud,
		  struct sg_error *err)
{
	size_t pos = 0;
	if (!buf)
		len = 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	for (int lineno = 1; pos < len; lineno++) {
		if (lineno == INT_MAX)
			return pos_error(err, file, lineno, 1, "too many lines");
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;
		if (n > 0 && buf[pos + n - 1] == '\r')
			n--;
		if (parse_line(file, lineno, buf + pos, n, fn, ud, err) != 0)
			return -1;
		pos = nl ? end + 1 : len;
	}
	return 0;
}

/* The column of word i, or just past the last word when i == argc. */
static int word_col(const struct sg_conf_line *l, int i)
{
	if (i >= 0 && i < l->argc && i < SG_CONF_MAXARGS)
		return l->col[i];
	if (l->argc <= 0)
		return 1;
	int last = l->argc - 1;
	if (l->argc < SG_CONF_MAXARGS && l->col[l->argc] > l->col[last])
		return l->col[l->argc];
	return l->col[last] + (int)strlen(l->argv[last]);
}

int sg_conf_error(struct sg_error *err, const struct sg_conf_line *line, int i,
		  const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", line->file ? line->file : "<input>",
			    line->line, word_col(line, i), msg);
}
