/* nbformat.h — Jupyter notebooks (.ipynb, nbformat 4.5) in memory and on disk.
 *
 * A notebook is read with jansson into a small model: the notebook metadata
 * and every cell's metadata, outputs and attachments are kept as jansson
 * values exactly as read (unknown keys included), so a notebook written back
 * means the same as the one read.  Sources are plain malloc'd strings (the
 * on-disk form may be one string or a list of lines; both are read).
 *
 * Writing produces nbformat's canonical layout (1-space indent, sorted keys,
 * sources as lists of lines, a trailing newline) so that a file written by
 * sagetty and one written by Jupyter differ only where the content differs.
 * Written notebooks are nbformat 4.5: every cell has a valid id (1-64 chars of
 * [A-Za-z0-9_-]); missing or duplicate ids are replaced by random ones on
 * load.  nbformat 3 notebooks are upgraded on load; other versions, malformed
 * JSON and binary files are refused with a message ("file:line:col: why").
 *
 * Ownership: struct sg_nb owns its cells; each cell owns its source and one
 * reference to each json_t.  Pointers into nb->cells are invalidated by any
 * call that inserts, deletes or moves cells. */
#ifndef SG_NBFORMAT_H
#define SG_NBFORMAT_H

#include <stddef.h>
#include <jansson.h>
#include "core/error.h"

#define SG_NB_ID_MAX 64
/* Files larger than this are refused on load (outputs may be big, but a
 * notebook of more than 1 GiB is not something to open in a terminal). */
#define SG_NB_MAX_BYTES (1024u << 20)

enum sg_nb_cell_type { SG_NB_CODE, SG_NB_MARKDOWN, SG_NB_RAW };

struct sg_nb_cell {
	char id[SG_NB_ID_MAX + 1];
	enum sg_nb_cell_type type;
	char *source;             /* never NULL; "" for an empty cell */
	long execution_count;     /* code cells; -1 for none (null in the file) */
	json_t *outputs;          /* code cells: a JSON array kept verbatim; NULL otherwise */
	json_t *metadata;         /* always a JSON object */
	json_t *attachments;      /* markdown/raw cells: an object, or NULL when absent */
	json_t *extra;            /* keys of the cell nbformat does not define, or NULL */
};

struct sg_nb {
	int nbformat, nbformat_minor;  /* always 4 and >= 5 after load */
	json_t *metadata;              /* always a JSON object, kept verbatim */
	json_t *extra;                 /* unknown top-level keys, or NULL */
	struct sg_nb_cell *cells;
	size_t ncells, cap;
	/* What loading did, for a status line: the notebook was nbformat 3
	 * (upgraded), ids were generated for this many cells. */
	int upgraded_from;
	size_t ids_generated;
};

/* An empty nbformat 4.5 notebook (metadata {}). */
struct sg_nb *sg_nb_new(void);
void sg_nb_free(struct sg_nb *nb);
/* A deep copy (json values copied, not shared). */
struct sg_nb *sg_nb_clone(const struct sg_nb *nb);
/* Exchanges the contents of two notebooks (so a caller's pointer can be
 * given a new content in place, e.g. after a merge). */
void sg_nb_swap(struct sg_nb *a, struct sg_nb *b);

/* Parses an .ipynb text (buf need not be NUL-terminated).  name is used in
 * messages ("name:line:col: why").  On failure *out is NULL, err is set
 * (SG_E_PARSE) and nothing is allocated. */
int sg_nb_parse(const char *buf, size_t len, const char *name, struct sg_nb **out,
		struct sg_error *err);
/* Reads a notebook file: ".py" files are read in jupytext's percent format
 * (nbpercent.h), anything else as .ipynb JSON. */
int sg_nb_load(const char *path, struct sg_nb **out, struct sg_error *err);

/* Serializes to .ipynb text in the canonical layout; malloc'd, NUL-terminated,
 * *len (when non-NULL) gets the length. */
char *sg_nb_dump(const struct sg_nb *nb, size_t *len);
/* Writes the notebook atomically (temp file, fsync, rename): ".py" paths in
 * the percent format, others as .ipynb.  An existing file keeps its mode. */
int sg_nb_save_file(const char *path, const struct sg_nb *nb, struct sg_error *err);

/* ---- cells ---- */
const char *sg_nb_cell_type_name(enum sg_nb_cell_type t);   /* "code" ... */
/* Returns 0 and sets *t for "code", "markdown", "raw"; -1 otherwise. */
int sg_nb_cell_type_parse(const char *s, enum sg_nb_cell_type *t);
/* nbformat's id rule: 1-64 characters of [A-Za-z0-9_-]. */
int sg_nb_id_valid(const char *id);
/* A fresh random id (8 lowercase hex digits, like Jupyter's) not used by any
 * cell of nb (nb may be NULL). */
void sg_nb_new_id(const struct sg_nb *nb, char out[SG_NB_ID_MAX + 1]);
/* Index of the cell with this id, or -1. */
long sg_nb_find(const struct sg_nb *nb, const char *id);

/* Inserts a new cell at index at (clamped to ncells) with a fresh id and a
 * copy of source (NULL for ""); returns it (valid until the next insert,
 * delete or move). */
struct sg_nb_cell *sg_nb_insert(struct sg_nb *nb, size_t at, enum sg_nb_cell_type type,
				const char *source);
/* Inserts a deep copy of cell (keeping its id unless nb already has it). */
struct sg_nb_cell *sg_nb_insert_copy(struct sg_nb *nb, size_t at, const struct sg_nb_cell *cell);
/* Deletes cell at; -1 if out of range. */
int sg_nb_delete(struct sg_nb *nb, size_t at);
/* Moves the cell at from so that it ends up at index to; -1 if out of range. */
int sg_nb_move(struct sg_nb *nb, size_t from, size_t to);
/* Replaces the source with a copy of src. */
void sg_nb_cell_set_source(struct sg_nb_cell *c, const char *src);
/* Changes the type: a code cell turned into markdown/raw loses its outputs
 * and execution count; one turned into code gets an empty output list. */
void sg_nb_cell_set_type(struct sg_nb_cell *c, enum sg_nb_cell_type t);
/* Empties the outputs and resets the execution count (code cells). */
void sg_nb_cell_clear_outputs(struct sg_nb_cell *c);
/* Appends an output object (the reference is stolen). */
void sg_nb_cell_append_output(struct sg_nb_cell *c, json_t *output);
/* Appends stream text ("stdout"/"stderr"), joining it to the last output when
 * that is the same stream, as Jupyter does. */
void sg_nb_cell_append_stream(struct sg_nb_cell *c, const char *name, const char *text);
/* Clears the outputs and execution counts of every code cell. */
void sg_nb_strip_outputs(struct sg_nb *nb);

/* ---- outputs ---- */
/* A readable plain-text rendering of one output (malloc'd, never NULL):
 * stream text; text/plain of results and display data, else markdown as is,
 * HTML without tags, "[image/png 640x480, 12 kB]" for images; errors as
 * "ename: evalue" plus the traceback with ANSI escapes removed
 * (sg_ansi_strip, ansi.h). */
/* A readable text for a mime bundle (an output's "data"): text/plain, else
 * markdown, else HTML with its tags removed, else LaTeX, else "[image/png
 * 640x480, 12 kB]"-style placeholders (sizes from meta when it has them,
 * may be NULL), else compact JSON or "[mime/type]".  malloc'd, never NULL. */
char *sg_nb_data_text(const json_t *data, const json_t *meta);
char *sg_nb_output_text(const json_t *output);

/* Joins a JSON multiline string (a string or a list of strings) into a
 * malloc'd string; NULL if j is neither. */
char *sg_nb_join_lines(const json_t *j);

#endif
