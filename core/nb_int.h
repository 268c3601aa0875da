/* nb_int.h — helpers shared by the notebook modules (nbformat, nbpercent,
 * nbdiff, nbgit); not a public API. */
#ifndef SG_NB_INT_H
#define SG_NB_INT_H

#include <stddef.h>
#include <jansson.h>

/* A growable byte buffer; data is always NUL-terminated once non-empty. */
struct sg_nbbuf {
	char *data;
	size_t len, cap;
};
void sg_nbbuf_add(struct sg_nbbuf *b, const char *s, size_t n);
void sg_nbbuf_puts(struct sg_nbbuf *b, const char *s);
void sg_nbbuf_printf(struct sg_nbbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the malloc'd text (never NULL) and resets b. */
char *sg_nbbuf_take(struct sg_nbbuf *b, size_t *len);

/* Writes v as JSON the way nbformat does: keys sorted, indent spaces per
 * level (starting at level), ", " never used at line ends, UTF-8 kept, reals
 * in their shortest round-tripping form. */
void sg_nb_json_write(struct sg_nbbuf *b, const json_t *v, int level, int indent);
/* A JSON string literal for s (n bytes). */
void sg_nb_json_string(struct sg_nbbuf *b, const char *s, size_t n);

/* Splits text into lines; each line keeps its '\n'.  Returns a JSON array of
 * strings (an empty array for ""). */
json_t *sg_nb_split_lines(const char *s);

#endif
