/* nb_int.h — helpers shared by the notebook modules (nbformat, nbpercent,
 * nbdiff, nbgit); not a public API.  Text is built in a struct sg_buf
 * (util.h). */
#ifndef SG_NB_INT_H
#define SG_NB_INT_H

#include <stddef.h>
#include <jansson.h>
#include "core/nbformat.h"
#include "core/util.h"

/* Appends an empty cell of type with no id yet; sg_nb_name_cells must
 * follow before the notebook is used.  Why: checking each new id against
 * every cell makes building a large notebook quadratic. */
struct sg_nb_cell *sg_nb_append_unnamed(struct sg_nb *nb, enum sg_nb_cell_type type);
/* Gives every cell a valid, unique id: the first holder of a valid id keeps
 * it; the others get fresh ones, counted in nb->ids_generated. */
void sg_nb_name_cells(struct sg_nb *nb);

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
