/* nbpercent.h — notebooks as Python scripts in jupytext's "percent" format.
 *
 *     # ---                          optional header (YAML in comments),
 *     # jupyter:                     kept verbatim in the notebook metadata
 *     #   kernelspec: ...            (sagetty.percent_header); kernelspec is
 *     # ---                          also read into metadata.kernelspec
 *
 *     # %%                           a code cell
 *     import numpy as np
 *
 *     # %% [markdown]                a markdown cell, each line commented
 *     # # A title
 *
 *     # %% Cell title [raw] tags=["x"]   title and key=JSON options are kept
 *                                        in the cell's metadata
 *
 * Round trips are lossless for sources: writing a notebook and reading it back
 * gives the same cell types and the same source text.  To make that hold,
 * code lines that would read as a cell marker or a commented magic ("# %%",
 * "%time", "# %time", "!ls") get one more "# " in front, which reading removes
 * again, as jupytext does; a code line "%% x" (which "# " would turn into a
 * marker) is written "# \%% x", and markdown lines starting with "%%" get a
 * backslash.
 * Cells are separated by one blank line, which reading removes. */
#ifndef SG_NBPERCENT_H
#define SG_NBPERCENT_H

#include <stddef.h>
#include "core/error.h"
#include "core/nbformat.h"

/* Parses percent-format text; cells get fresh ids.  Never fails on text
 * (any text is a valid script), except binary data (SG_E_PARSE). */
int sg_nb_parse_percent(const char *buf, size_t len, const char *name, struct sg_nb **out,
			struct sg_error *err);
/* Writes nb in the percent format (outputs are not part of the format);
 * malloc'd, *len gets the length when non-NULL. */
char *sg_nb_dump_percent(const struct sg_nb *nb, size_t *len);

#endif
