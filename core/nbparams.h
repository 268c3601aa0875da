/* nbparams.h — papermill's YAML parameters (`nb run -f FILE`, `-y TEXT`),
 * read with libyaml.
 *
 * The text is one YAML document whose top level is a mapping of parameter
 * names (Python identifiers) to values; an empty document gives no
 * parameters.  Values are typed as papermill's loader (PyYAML's safe
 * loader without dates) types them, so a notebook gets the same Python
 * values from sagetty as from papermill:
 *   - quoted scalars, block scalars and `!!str` are strings;
 *   - plain `~`, `null`, `Null`, `NULL` and nothing are None;
 *   - plain yes/no, true/false, on/off (also Capitalized and UPPER) are
 *     booleans;
 *   - plain integers: decimal, 0b binary, 0 octal, 0x hex, with `_`
 *     separators, and base-60 (`1:30` is 90);
 *   - plain floats need a dot (`1.5`, `1.`, `.5`, `6.8e+3`; `1e3` is a
 *     string, as in YAML 1.1), or are `.inf`, `-.inf`, `.nan`;
 *   - sequences are lists, mappings dicts (their keys as strings);
 *   - anchors and aliases are followed; timestamps stay strings.
 * Explicit tags other than the core ones (!!str !!int !!float !!bool !!null
 * !!seq !!map) are refused, like the safe loader refuses them.
 *
 * Errors are SG_E_PARSE "LABEL:LINE:COL: problem" (1-based), for syntax
 * errors, a top level that is not a mapping, a name that is not an
 * identifier, an integer beyond 64 bits, nesting deeper than 64 levels, or
 * aliases that would expand beyond a million values. */
#ifndef SG_NBPARAMS_H
#define SG_NBPARAMS_H

#include <jansson.h>
#include <stddef.h>
#include "core/error.h"

#define SG_NBPARAMS_MAX_DEPTH 64
#define SG_NBPARAMS_MAX_NODES 1000000L

/* Parses text[0..len) (label names it in errors: the file, or "-y");
 * *out gets a new JSON object of name -> value.  0, or -1 with err. */
int sg_nbparams_yaml(const char *text, size_t len, const char *label, json_t **out,
		     struct sg_error *err);
/* Decodes base64 text (papermill's -b) and parses the YAML in it; errors
 * name "-b". */
int sg_nbparams_yaml_base64(const char *b64, json_t **out, struct sg_error *err);
/* Reads and parses the YAML file at path (errors name path). */
int sg_nbparams_yaml_file(const char *path, json_t **out, struct sg_error *err);
/* nan and infinities, which JSON cannot hold, are held by a marker value:
 * a new one for d; 1 with *d when v is one. */
json_t *sg_nbparams_nonfinite_new(double d);
int sg_nbparams_nonfinite(const json_t *v, double *d);

#endif
