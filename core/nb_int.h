/* nb_int.h — helpers shared by the notebook modules (nbformat, nbpercent,
 * nbdiff, nbgit); not a public API.  Text is built in a struct sg_buf
 * (util.h). */
#ifndef SG_NB_INT_H
#define SG_NB_INT_H

#include <stddef.h>
#include <jansson.h>
#include "core/util.h"

/* Writes v as JSON the way nbformat does: keys sorted, indent spaces per
 * level (starting at level), ", " never used at line ends, UTF-8 kept, reals
 * in their shortest round-tripping form. */
void sg_nb_json_write(struct sg_buf *b, const json_t *v, int level, int indent);
/* A JSON string literal for s (n bytes). */
void sg_nb_json_string(struct sg_buf *b, const char *s, size_t n);

/* Splits text into lines; each line keeps its '\n'.  Returns a JSON array of
 * strings (an empty array for ""). */
json_t *sg_nb_split_lines(const char *s);

#endif
