/* nbrun.c — headless notebook execution: parameters, outputs, timing. */
#include "sgconfig.h"
#include "core/nbrun.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/kernel.h"
#include "core/kernelspec.h"
#include "core/nbparams.h"
#include "core/util.h"

/* ---- parameters ---------------------------------------------------------------------- */

int sg_nbrun_valid_key(const char *key)
{
	if (!key || !(isalpha((unsigned char)*key) || *key == '_'))
		return 0;
	for (const char *p = key; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			return 0;
	return 1;
}

static int is_int(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	if (!*p)
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

/* A float as Python's float() reads it (no hex, no underscores). */
static int is_float(const char *s, double *v)
{
	if (!*s || isspace((unsigned char)*s) || strchr(s, 'x') || strchr(s, 'X'))
		return 0;
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return *end == '\0';
}

/* A double-quoted Python string of s[0..n) (backslash, quote and control
 * characters, NUL bytes too, escaped). */
static char *py_stringn(const char *s, size_t n)
{
	char *out = sg_xmalloc(n * 4 + 3), *o = out;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)s + n; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/* The same for a C string. */
static char *py_string(const char *s)
{
	return py_stringn(s, strlen(s));
}

/* The shortest text that reads back as d, written as Python's repr writes
 * floats: positional for exponents -4..15 (with ".0" when whole), else
 * "1.5e+16". */
static char *shortest_float(double d)
{
	char buf[64];
	int prec = 1;
	for (; prec < 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	int exp = atoi(strchr(buf, 'e') + 1);
	if (exp < -4 || exp >= 16)
		return sg_xstrdup(buf);
	int decimals = prec - 1 - exp;
	snprintf(buf, sizeof buf, "%.*f", decimals > 0 ? decimals : 0, d);
	if (!strchr(buf, '.'))
		strcat(buf, ".0");
	return sg_xstrdup(buf);
}

char *sg_nbrun_py_literal(const char *value, int raw, json_t **json)
{
	json_t *j = NULL;
	char *lit;
	double d;
	if (raw) {
		lit = py_string(value);
		j = json_string(value);
	} else if (strcmp(value, "True") == 0 || strcmp(value, "False") == 0) {
		lit = sg_xstrdup(value);
		j = json_boolean(value[0] == 'T');
	} else if (strcmp(value, "None") == 0) {
		lit = sg_xstrdup("None");
		j = json_null();
	} else if (is_int(value)) {
		lit = sg_xstrdup(value);
		j = json_integer(strtoll(value, NULL, 10));
		if (errno == ERANGE) { /* Python ints are unbounded: keep the digits */
			json_decref(j);
			j = json_string(value);
		}
	} else if (is_float(value, &d)) {
		if (isnan(d))
			lit = sg_xstrdup("float(\"nan\")");
		else if (isinf(d))
			lit = sg_xstrdup(d > 0 ? "float(\"inf\")" : "float(\"-inf\")");
		else
			lit = shortest_float(d);
		j = isfinite(d) ? json_real(d) : json_string(value);
	} else {
		lit = py_string(value);
		j = json_string(value);
	}
	if (!j)
		j = json_null(); /* invalid UTF-8: metadata cannot hold it */
	if (json)
		*json = j;
	else
		json_decref(j);
	return lit;
}


/* Appends text to the growing buffer b (len, cap). */
static void put(char **b, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*b = sg_xrealloc(*b, *cap);
	}
	memcpy(*b + *len, text, n + 1);
	*len += n;
}

static char *float_literal(double d)
{
	if (isnan(d))
		return sg_xstrdup("float(\"nan\")");
	if (isinf(d))
		return sg_xstrdup(d > 0 ? "float(\"inf\")" : "float(\"-inf\")");
	return shortest_float(d);
}

char *sg_nbrun_json_literal(const json_t *v)
{
	size_t len = 0, cap = 64, i;
	char *b = sg_xmalloc(cap), *part;
	const char *k;
	json_t *x;
	double d;
	b[0] = '\0';
	if (sg_nbparams_nonfinite(v, &d)) {
		free(b);
		return float_literal(d);
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		put(&b, &len, &cap, "{");
		i = 0;
		json_object_foreach((json_t *)v, k, x) {
			part = py_string(k);
			put(&b, &len, &cap, i++ ? ", " : "");
			put(&b, &len, &cap, part);
			put(&b, &len, &cap, ": ");
			free(part);
			part = sg_nbrun_json_literal(x);
			put(&b, &len, &cap, part);
			free(part);
		}
		put(&b, &len, &cap, "}");
		return b;
	case JSON_ARRAY:
		put(&b, &len, &cap, "[");
		json_array_foreach(v, i, x) {
			part = sg_nbrun_json_literal(x);
			put(&b, &len, &cap, i ? ", " : "");
			put(&b, &len, &cap, part);
			free(part);
		}
		put(&b, &len, &cap, "]");
		return b;
	case JSON_STRING: free(b); return py_stringn(json_string_value(v), json_string_length(v));
	case JSON_INTEGER: free(b); return sg_xasprintf("%lld", (long long)json_integer_value(v));
	case JSON_REAL: free(b); return float_literal(json_real_value(v));
	case JSON_TRUE: free(b); return sg_xstrdup("True");
	case JSON_FALSE: free(b); return sg_xstrdup("False");
	default: free(b); return sg_xstrdup("None");
	}
}

/* v for metadata: nan and infinities become strings (a new reference). */
static json_t *plain_json(const json_t *v)
{
	double d;
	size_t i;
	const char *k;
	json_t *x, *out;
	if (sg_nbparams_nonfinite(v, &d))
		return json_string(isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(out, k, plain_json(x));
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, plain_json(x));
		return out;
	}
	return json_deep_copy(v);
}

char *sg_nbrun_param_literal(const struct sg_nbrun_param *p, json_t **json)
{
	if (!p->typed)
		return sg_nbrun_py_literal(p->value, p->raw, json);
	if (json)
		*json = plain_json(p->typed);
	return sg_nbrun_json_literal(p->typed);
}

static int has_tag(const struct sg_nb_cell *c, const char *tag)
{
	json_t *tags = json_object_get(c->metadata, "tags"), *t;
	size_t i;
	json_array_foreach(tags, i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0)
			return 1;
	return 0;
}

long sg_nbrun_inject(struct sg_nb *nb, const struct sg_nbrun_param *p, size_t n)
{
	for (size_t i = nb->ncells; i-- > 0;)
		if (has_tag(&nb->cells[i], "injected-parameters"))
			sg_nb_delete(nb, i);
	size_t at = 0;
	for (size_t i = 0; i < nb->ncells; i++)
		if (has_tag(&nb->cells[i], "parameters"))
			at = i + 1;
	size_t cap = 64, len = 0;
	char *src = sg_xmalloc(cap);
	len = (size_t)snprintf(src, cap, "# Parameters\n");
	for (size_t i = 0; i < n; i++) {
		char *lit = sg_nbrun_param_literal(&p[i], NULL);
		char *line = sg_xasprintf("%s = %s\n", p[i].key, lit);
		size_t ll = strlen(line);
		if (len + ll + 1 > cap) {
			cap = (len + ll + 1) * 2;
			src = sg_xrealloc(src, cap);
		}
		memcpy(src + len, line, ll + 1);
		len += ll;
		free(line);
		free(lit);
	}
	struct sg_nb_cell *c = sg_nb_insert(nb, at, SG_NB_CODE, src);
	free(src);
	json_object_set_new(c->metadata, "tags", json_pack("[s]", "injected-parameters"));
	return (long)at;
}

/* The parameters cell's simple assignments ("name = literal"), as papermill
 * records them in default_parameters. */
static json_t *default_parameters(const struct sg_nb *nb)
{
	json_t *o = json_object();
	for (size_t i = 0; i < nb->ncells; i++) {
		if (!has_tag(&nb->cells[i], "parameters"))
			continue;
		char *copy = sg_xstrdup(nb->cells[i].source), *save = NULL;
		for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char name[128];
			int used = 0;
			if (sscanf(l, " %127[A-Za-z0-9_] = %n", name, &used) != 1 || !used ||
			    !sg_nbrun_valid_key(name))
				continue;
			char *v = l + used;
			char *hash = strstr(v, "  #");
			if (hash)
				*hash = '\0';
			size_t vl = strlen(v);
			while (vl && isspace((unsigned char)v[vl - 1]))
				v[--vl] = '\0';
			json_t *val = NULL;
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v[vl - 1] = '\0';
				val = json_string(v + 1);
			} else {
				free(sg_nbrun_py_literal(v, 0, &val));
			}
			if (val)
				json_object_set_new(o, name, val);
		}
		free(copy);
	}
	return o;
}

/* ---- running ------------------------------------------------------------------------------ */

static void iso_time(double t, int zulu, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%06dZ", base, (int)((t - (double)s) * 1e6));
	if (!zulu)
		buf[strlen(buf) - 1] = '\0';
}

static json_t *time_json(double t)
{
	char buf[48];
	iso_time(t, 0, buf, sizeof buf);
	return json_string(buf);
}

static json_t *cell_pm(struct sg_nb_cell *c)
{
	json_t *pm = json_object_get(c->metadata, "papermill");
	if (!json_is_object(pm)) {
		pm = json_object();
		json_object_set_new(c->metadata, "papermill", pm);
	}
	return pm;
}

static void set_pm_status(struct sg_nb_cell *c, const char *status)
{
	json_object_set_new(cell_pm(c), "status", json_string(status));
}

struct display_ref {
	char *id;
	size_t cell, out;
};

struct cell_ctx {
	struct sg_nb *nb;
	size_t cell;
	const struct sg_nbrun_opts *o;
	json_t *exec;            /* metadata.execution of the cell */
	int clear_pending;
	struct display_ref *refs;
	size_t nrefs;
};

static void log_output(struct cell_ctx *x, const char *text, size_t len)
{
	if (!x->o->log_output || !len)
		return;
	size_t lim = x->o->log_limit ? x->o->log_limit : 4096;
	fwrite(text, 1, len < lim ? len : lim, x->o->log_output);
	if (len > lim)
		fprintf(x->o->log_output, "\n[... %zu more bytes in the notebook]\n", len - lim);
	else if (text[len - 1] != '\n')
		fputc('\n', x->o->log_output);
}

static void stamp(struct cell_ctx *x, const char *key)
{
	char buf[48];
	iso_time(sg_now(), 1, buf, sizeof buf);
	json_object_set_new(x->exec, key, json_string(buf));
}

static void add_output(struct cell_ctx *x, json_t *out, const char *display_id)
{
	struct sg_nb_cell *c = &x->nb->cells[x->cell];
	if (x->clear_pending) {
		json_array_clear(c->outputs);
		x->clear_pending = 0;
	}
	sg_nb_cell_append_output(c, out);
	if (display_id) {
		x->refs = sg_xrealloc(x->refs, (x->nrefs + 1) * sizeof *x->refs);
		x->refs[x->nrefs++] = (struct display_ref){ sg_xstrdup(display_id), x->cell,
							     json_array_size(c->outputs) - 1 };
	}
}

/* update_display_data: every output shown with that display id changes. */
static void update_display(struct cell_ctx *x, const struct sg_kernel_event *ev)
{
	for (size_t i = 0; i < x->nrefs; i++) {
		if (strcmp(x->refs[i].id, ev->display_id) != 0)
			continue;
		json_t *o = json_array_get(x->nb->cells[x->refs[i].cell].outputs, x->refs[i].out);
		if (!o)
			continue;
		json_object_set(o, "data", ev->data ? ev->data : json_object());
		json_object_set(o, "metadata", ev->metadata ? ev->metadata : json_object());
	}
}

static void on_event(struct sg_kernel *k, const struct sg_kernel_event *ev, void *ud)
{
	(void)k;
	struct cell_ctx *x = ud;
	struct sg_nb_cell *c = &x->nb->cells[x->cell];
	switch (ev->type) {
	case SG_KEV_STATUS:
		if (strcmp(ev->name, "busy") == 0)
			stamp(x, "iopub.status.busy");
		else if (strcmp(ev->name, "idle") == 0)
			stamp(x, "iopub.status.idle");
		break;
	case SG_KEV_EXEC_INPUT:
		stamp(x, "iopub.execute_input");
		break;
	case SG_KEV_REPLY:
		stamp(x, "shell.execute_reply");
		if (ev->execution_count > 0)
			c->execution_count = ev->execution_count;
		break;
	case SG_KEV_STREAM:
		if (x->clear_pending) {
			json_array_clear(c->outputs);
			x->clear_pending = 0;
		}
		sg_nb_cell_append_stream(c, ev->name, ev->text);
		log_output(x, ev->text, ev->text_len);
		break;
	case SG_KEV_DISPLAY:
		if (ev->update) {
			update_display(x, ev);
			break;
		}
		add_output(x, json_pack("{s:s, s:O, s:O}", "output_type", "display_data", "data",
					ev->data ? ev->data : json_object(), "metadata",
					ev->metadata ? ev->metadata : json_object()),
			   ev->display_id);
		log_output(x, ev->text, ev->text_len);
		break;
	case SG_KEV_RESULT:
		add_output(x, json_pack("{s:s, s:O, s:O, s:i}", "output_type", "execute_result", "data",
					ev->data ? ev->data : json_object(), "metadata",
					ev->metadata ? ev->metadata : json_object(),
					"execution_count", ev->execution_count),
			   ev->display_id);
		log_output(x, ev->text, ev->text_len);
		break;
	case SG_KEV_ERROR: {
		json_t *tb = json_object_get(ev->content, "traceback");
		add_output(x, json_pack("{s:s, s:s, s:s, s:O}", "output_type", "error", "ename",
					ev->ename, "evalue", ev->evalue, "traceback",
					json_is_array(tb) ? tb : json_array()),
			   NULL);
		log_output(x, ev->text, ev->text_len);
		break;
	}
	case SG_KEV_CLEAR:
		if (ev->execution_count) /* wait=True: clear when the next output comes */
			x->clear_pending = 1;
		else
			json_array_clear(c->outputs);
		break;
	default:
		break;
	}
}

static const char *kernel_name(const struct sg_nb *nb, const struct sg_nbrun_opts *o)
{
	if (o->kernel && *o->kernel)
		return o->kernel;
	const char *n = json_string_value(
		json_object_get(json_object_get(nb->metadata, "kernelspec"), "name"));
	return n && *n ? n : "python3";
}

/* An error output saying why a cell could not finish (kernel death,
 * timeout), so the notebook shows it where it happened. */
static void add_failure_output(struct sg_nb_cell *c, const char *ename, const char *msg)
{
	sg_nb_cell_append_output(c, json_pack("{s:s, s:s, s:s, s:[s]}", "output_type", "error",
					      "ename", ename, "evalue", msg, "traceback", msg));
}

static void papermill_meta(struct sg_nb *nb, const struct sg_nbrun_opts *o,
			   const struct sg_nbrun_result *r, int finished)
{
	json_t *pm = json_object_get(nb->metadata, "papermill");
	if (!json_is_object(pm)) {
		pm = json_object();
		json_object_set_new(nb->metadata, "papermill", pm);
	}
	json_object_set_new(pm, "default_parameters", default_parameters(nb));
	json_object_set_new(pm, "parameters",
			    o->parameters ? json_deep_copy(o->parameters) : json_object());
	json_object_set_new(pm, "environment_variables", json_object());
	json_object_set_new(pm, "input_path", o->input_path ? json_string(o->input_path)
							    : json_null());
	json_object_set_new(pm, "output_path", o->output_path ? json_string(o->output_path)
							      : json_null());
	json_object_set_new(pm, "start_time", time_json(r->start));
	json_object_set_new(pm, "end_time", finished ? time_json(r->end) : json_null());
	json_object_set_new(pm, "duration", finished ? json_real(r->end - r->start) : json_null());
	json_object_set_new(pm, "exception", finished ? json_boolean(r->first_error >= 0)
						      : json_null());
	json_object_set_new(pm, "version", json_string("sagetty " PACKAGE_VERSION));
}

/* Runs code cell i; returns 1 when it failed, -1 when the run must stop
 * (kernel gone), 0 ok. */
static int run_one(struct sg_kernel *k, struct sg_nb *nb, size_t i, const struct sg_nbrun_opts *o,
		   struct sg_nbrun_result *r, struct display_ref **refs, size_t *nrefs)
{
	struct sg_nb_cell *c = &nb->cells[i];
	sg_nb_cell_clear_outputs(c);
	json_t *exec = json_object();
	json_object_set_new(c->metadata, "execution", exec);
	struct cell_ctx x = { .nb = nb, .cell = i, .o = o, .exec = exec, .refs = *refs,
			      .nrefs = *nrefs };
	json_t *pm = cell_pm(c);
	double t0 = sg_now();
	set_pm_status(c, "running");
	json_object_set_new(pm, "start_time", time_json(t0));
	struct sg_cell_result cr;
	struct sg_error err = { 0 };
	int rc = sg_kernel_run_cell(k, c->source, o->cell_timeout, on_event, &x, &cr, &err);
	*refs = x.refs;
	*nrefs = x.nrefs;
	c = &nb->cells[i];
	double t1 = sg_now();
	int failed = rc < 0 || strcmp(cr.status, "ok") != 0;
	if (rc < 0) {
		add_failure_output(c, cr.died ? "DeadKernelError" : cr.timed_out ? "CellTimeoutError"
										: "KernelError",
				   err.msg);
		r->kernel_died |= cr.died;
		r->timed_out |= cr.timed_out;
	}
	pm = cell_pm(c);
	json_object_set_new(pm, "end_time", time_json(t1));
	json_object_set_new(pm, "duration", json_real(t1 - t0));
	json_object_set_new(pm, "exception", json_boolean(failed));
	set_pm_status(c, failed ? "failed" : "completed");
	r->cells_run++;
	if (failed) {
		r->cells_failed++;
		if (r->first_error < 0) {
			r->first_error = (long)i;
			json_t *eo = NULL, *out;
			size_t j;
			json_array_foreach(c->outputs, j, out)
				if (strcmp(json_string_value(json_object_get(out, "output_type")) ?: "",
					   "error") == 0)
					eo = out;
			snprintf(r->ename, sizeof r->ename, "%s",
				 json_string_value(json_object_get(eo, "ename")) ?: "Error");
			snprintf(r->evalue, sizeof r->evalue, "%s",
				 json_string_value(json_object_get(eo, "evalue")) ?: "");
		}
	}
	if (o->progress)
		o->progress(i, nb->ncells, c, failed ? "failed" : "ok", t1 - t0, o->ud);
	if (rc < 0 && (cr.died || (cr.timed_out && !sg_kernel_alive(k, 1000))))
		return -1;
	if (rc < 0 && cr.timed_out)
		return -1; /* a cell that ignores interrupts: stop here */
	return failed;
}

/* Two markdown cells tagged papermill-error-cell-tag, as papermill users
 * know them: a note at the top linking to an anchor placed just above the
 * failing cell (id "papermill-error-cell"). */
static void error_banners(struct sg_nb *nb, size_t failed)
{
	static const char style[] = "style=\"color:red; font-size:1.5em;\"";
	char count[32] = "?";
	if (nb->cells[failed].execution_count > 0)
		snprintf(count, sizeof count, "%ld", nb->cells[failed].execution_count);
	char *anchor = sg_xasprintf("<span id=\"papermill-error-cell\" %s>The run stopped at an "
				    "exception in the cell below.</span>", style);
	char *top = sg_xasprintf("<span %s>The run stopped at an exception in "
				 "<a href=\"#papermill-error-cell\">In [%s]</a>.</span>", style, count);
	struct sg_nb_cell *c = sg_nb_insert(nb, failed, SG_NB_MARKDOWN, anchor);
	json_object_set_new(c->metadata, "tags", json_pack("[s]", "papermill-error-cell-tag"));
	c = sg_nb_insert(nb, 0, SG_NB_MARKDOWN, top);
	json_object_set_new(c->metadata, "tags", json_pack("[s]", "papermill-error-cell-tag"));
	free(anchor);
	free(top);
}

int sg_nbrun_execute(struct sg_nb *nb, const struct sg_nbrun_opts *o, struct sg_nbrun_result *r,
		     struct sg_error *err)
{
	memset(r, 0, sizeof *r);
	r->first_error = -1;
	const char *kname = kernel_name(nb, o);
	snprintf(r->kernel, sizeof r->kernel, "%s", kname);
	struct sg_kernelspec ks;
	if (sg_kernelspec_find(kname, &ks, err) < 0) {
		sg_error_prefix(err, "%s", o->input_path ? o->input_path : "notebook");
		return -1;
	}
	char *cwd = NULL;
	if (o->cwd)
		cwd = sg_xstrdup(o->cwd);
	else if (o->input_path && strrchr(o->input_path, '/'))
		cwd = sg_xstrndup(o->input_path, (size_t)(strrchr(o->input_path, '/') - o->input_path));
	struct sg_kernel_opts ko = { .workdir = cwd && *cwd ? cwd : NULL,
				     .start_timeout = o->start_timeout };
	struct sg_kernel *k;
	r->start = sg_now();
	for (size_t i = 0; i < nb->ncells; i++) {
		json_t *pm = json_pack("{s:n, s:n, s:n, s:n, s:s}", "start_time", "end_time",
				       "duration", "exception", "status", "pending");
		json_object_set_new(nb->cells[i].metadata, "papermill", pm);
	}
	papermill_meta(nb, o, r, 0);
	int rc = sg_kernel_start(&ks, &ko, &k, err);
	sg_kernelspec_done(&ks);
	free(cwd);
	if (rc < 0)
		return -1;
	struct display_ref *refs = NULL;
	size_t nrefs = 0;
	int status = 0;
	for (size_t i = 0; i < nb->ncells; i++) {
		struct sg_nb_cell *c = &nb->cells[i];
		if (c->type != SG_NB_CODE) {
			set_pm_status(c, "completed");
			continue;
		}
		int cr = run_one(k, nb, i, o, r, &refs, &nrefs);
		if (cr != 0)
			status = 1;
		if (cr < 0 || (cr > 0 && !o->allow_errors))
			break;
	}
	if (r->first_error >= 0 && !o->allow_errors)
		error_banners(nb, (size_t)r->first_error);
	for (size_t i = 0; i < nrefs; i++)
		free(refs[i].id);
	free(refs);
	sg_kernel_free(k);
	r->end = sg_now();
	papermill_meta(nb, o, r, 1);
	return status && !(o->allow_errors && !r->kernel_died && !r->timed_out) ? 1 : 0;
}
