/* algo.c — the algorithm registry, hyperparameters, model folders and the
 * job entry (algo.h). */
#include "core/algo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "core/blas_load.h"
#include "core/util.h"

/* ---- registry ------------------------------------------------------------------ */

const struct sg_algo *const sg_algos[] = {
	&sg_algo_kmeans,
	&sg_algo_knn,
	&sg_algo_linear_learner,
	&sg_algo_pca,
	&sg_algo_xgboost,
	NULL,
};

const struct sg_algo *sg_algo_find(const char *name)
{
	for (int i = 0; name && sg_algos[i]; i++)
		if (strcmp(sg_algos[i]->name, name) == 0)
			return sg_algos[i];
	return NULL;
}

const char *sg_algo_names(void)
{
	static char buf[512];
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; sg_algos[i] && len + 64 < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "",
					sg_algos[i]->name);
	return buf;
}

void sg_algo_set_threads(int n)
{
	if (n <= 0)
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	sg_blas_set_threads(n > 0 ? n : 1);
}

/* ---- hyperparameters ------------------------------------------------------------- */

static const struct sg_hp_spec common_spec[] = {
	{ "target", SG_HP_STRING, NULL, 0, 0, NULL, 0,
	  "label column of a CSV with a header (sagetty's convention); unset: SageMaker's "
	  "(no header, label first)" },
	{ "recipe", SG_HP_STRING, NULL, 0, 0, NULL, 0,
	  "a recipe file applied to every channel (fitted on train if needed) and attached to "
	  "the model" },
	{ "seed", SG_HP_INT, "0", 0, 9007199254740992.0, NULL, 0, "random seed" },
};
#define NCOMMON ((int)(sizeof common_spec / sizeof common_spec[0]))

struct hpval {
	int set, is_auto;
	double num;
	char *text;
};

struct sg_hps {
	const struct sg_algo *algo;
	int n;
	const struct sg_hp_spec **spec;
	struct hpval *v;
};

static int spec_index(const struct sg_hps *h, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->spec[i]->name, name) == 0)
			return i;
	return -1;
}

/* Sets without validation (defaults are trusted). */
static int set_value(struct sg_hps *h, int i, const char *value, struct sg_error *err);

struct sg_hps *sg_hps_new(const struct sg_algo *algo)
{
	struct sg_hps *h = sg_xcalloc(1, sizeof *h);
	int nspec = algo ? algo->nspec : 0;
	h->algo = algo;
	h->spec = sg_xcalloc((size_t)(nspec + NCOMMON), sizeof *h->spec);
	h->v = sg_xcalloc((size_t)(nspec + NCOMMON), sizeof *h->v);
	for (int i = 0; i < nspec; i++)
		h->spec[h->n++] = &algo->spec[i];
	for (int i = 0; i < NCOMMON; i++)
		if (spec_index(h, common_spec[i].name) < 0)
			h->spec[h->n++] = &common_spec[i];
	for (int i = 0; i < h->n; i++)
		if (h->spec[i]->def && set_value(h, i, h->spec[i]->def, NULL) != 0)
			abort();   /* a default outside its own range: a programming error */
	return h;
}

void sg_hps_free(struct sg_hps *h)
{
	if (!h)
		return;
	for (int i = 0; i < h->n; i++)
		free(h->v[i].text);
	free(h->v);
	free(h->spec);
	free(h);
}

static void fmt_num(char *buf, size_t n, double v)
{
	if (isinf(v))
		snprintf(buf, n, "%s", v > 0 ? "inf" : "-inf");
	else
		snprintf(buf, n, "%.15g", v);
}

/* "0 <= l1 <= 1 (or auto)" for an error message. */
static void range_text(const struct sg_hp_spec *s, char *buf, size_t n)
{
	char lo[40], hi[40];
	fmt_num(lo, sizeof lo, s->min);
	fmt_num(hi, sizeof hi, s->max);
	const char *auto_ = s->flags & SG_HP_AUTO ? " (or auto)" : "";
	const char *kind = s->type == SG_HP_INT ? "an integer " : "";
	if (isinf(s->min) && isinf(s->max))
		snprintf(buf, n, "any number%s", auto_);
	else if (isinf(s->max))
		snprintf(buf, n, "%s%s %s %s%s", kind, lo, s->flags & SG_HP_MIN_EXCL ? "<" : "<=",
			 s->name, auto_);
	else if (isinf(s->min))
		snprintf(buf, n, "%s%s %s %s%s", kind, s->name, s->flags & SG_HP_MAX_EXCL ? "<" : "<=",
			 hi, auto_);
	else
		snprintf(buf, n, "%s%s %s %s %s %s%s", kind, lo, s->flags & SG_HP_MIN_EXCL ? "<" : "<=",
			 s->name, s->flags & SG_HP_MAX_EXCL ? "<" : "<=", hi, auto_);
}

static int parse_bool(const char *v, int *out)
{
	static const char *const t[] = { "true", "1", "yes", "on" }, *const f[] = { "false", "0",
										 "no", "off" };
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(v, t[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, f[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* 1 when v is one of the '|'-separated choices. */
static int in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; *p;) {
		const char *e = strchr(p, '|');
		size_t k = e ? (size_t)(e - p) : strlen(p);
		if (k == n && strncmp(p, v, n) == 0)
			return 1;
		p += k + (e != NULL);
	}
	return 0;
}

static int check_number(const struct sg_hp_spec *s, const char *value, double *out,
			struct sg_error *err)
{
	char range[200];
	range_text(s, range, sizeof range);
	if (sg_parse_double(value, strlen(value), out) != 0 || isnan(*out))
		return sg_error_set(err, SG_E_USAGE, "hyperparameter %s: '%s' is not %s; valid values: "
				    "%s", s->name, value, s->type == SG_HP_INT ? "an integer" : "a number",
				    range);
	if (s->type == SG_HP_INT && *out != floor(*out))
		return sg_error_set(err, SG_E_USAGE, "hyperparameter %s: '%s' is not an integer; valid "
				    "values: %s", s->name, value, range);
	int low = s->flags & SG_HP_MIN_EXCL ? *out <= s->min : *out < s->min;
	int high = s->flags & SG_HP_MAX_EXCL ? *out >= s->max : *out > s->max;
	if (low || high)
		return sg_error_set(err, SG_E_USAGE, "hyperparameter %s: %s is out of range; valid "
				    "values: %s", s->name, value, range);
	return 0;
}

static int set_value(struct sg_hps *h, int i, const char *value, struct sg_error *err)
{
	const struct sg_hp_spec *s = h->spec[i];
	struct hpval nv = { .set = 1, .num = NAN };
	if ((s->flags & SG_HP_AUTO) && strcasecmp(value, "auto") == 0) {
		nv.is_auto = 1;
	} else if (s->type == SG_HP_INT || s->type == SG_HP_FLOAT) {
		if (check_number(s, value, &nv.num, err) != 0)
			return -1;
	} else if (s->type == SG_HP_BOOL) {
		int b;
		if (parse_bool(value, &b) != 0)
			return sg_error_set(err, SG_E_USAGE, "hyperparameter %s: '%s' is not a boolean; "
					    "valid values: true, false", s->name, value);
		nv.num = b;
	} else if (s->type == SG_HP_ENUM && !in_choices(s->choices, value)) {
		char *list = sg_xstrdup(s->choices);
		for (char *p = list; *p; p++)
			if (*p == '|')
				*p = ',';
		sg_error_set(err, SG_E_USAGE, "hyperparameter %s: '%s' is not valid; valid values: %s%s",
			     s->name, value, list, s->flags & SG_HP_AUTO ? ",auto" : "");
		free(list);
		return -1;
	}
	free(h->v[i].text);
	nv.text = sg_xstrdup(value);
	h->v[i] = nv;
	return 0;
}

int sg_hps_set(struct sg_hps *h, const char *name, const char *value, struct sg_error *err)
{
	if (strncmp(name, "_", 1) == 0 || strncmp(name, "sagemaker_", 10) == 0)
		return 0;
	int i = spec_index(h, name);
	if (i < 0) {
		size_t len = 0;
		char list[700];
		list[0] = 0;
		for (int j = 0; j < h->n && len + 40 < sizeof list; j++)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", j ? ", " : "",
						h->spec[j]->name);
		return sg_error_set(err, SG_E_USAGE, "unknown hyperparameter '%s' for %s; valid "
				    "names: %s", name, h->algo ? h->algo->name : "algorithms", list);
	}
	return set_value(h, i, value, err);
}

int sg_hps_set_json(struct sg_hps *h, const json_t *obj, struct sg_error *err)
{
	if (!json_is_object(obj))
		return sg_error_set(err, SG_E_USAGE, "hyperparameters must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		char buf[64];
		const char *text = buf;
		if (json_is_string(v))
			text = json_string_value(v);
		else if (json_is_integer(v))
			snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "true" : "false");
		else
			return sg_error_set(err, SG_E_USAGE, "hyperparameter %s: expected a string or "
					    "a number", key);
		if (sg_hps_set(h, key, text, err) != 0)
			return -1;
	}
	return 0;
}

static int set_json_text(struct sg_hps *h, const char *text, const char *name,
			 struct sg_error *err)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	if (!root)
		return sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	int rc = sg_hps_set_json(h, root, err);
	json_decref(root);
	return rc;
}

/* KEY=VALUE pairs separated by commas, spaces or newlines. */
static int set_pairs(struct sg_hps *h, const char *text, struct sg_error *err)
{
	char *copy = sg_xstrdup(text), *save = NULL;
	int rc = 0;
	for (char *tok = strtok_r(copy, ", \t\r\n", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ", \t\r\n", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok) {
			rc = sg_error_set(err, SG_E_USAGE, "hyperparameter '%s': expected KEY=VALUE", tok);
			break;
		}
		*eq = 0;
		rc = sg_hps_set(h, tok, eq + 1, err);
	}
	free(copy);
	return rc;
}

int sg_hps_set_text(struct sg_hps *h, const char *text, struct sg_error *err)
{
	while (*text == ' ' || *text == '\n' || *text == '\t')
		text++;
	if (*text == '{')
		return set_json_text(h, text, "hyperparameters", err);
	if (*text && !strchr(text, '=') && sg_is_file(text)) {
		size_t len;
		char *body = sg_read_file(text, 16 << 20, &len, err);
		if (!body)
			return -1;
		int rc = set_json_text(h, body, text, err);
		free(body);
		return rc;
	}
	return set_pairs(h, text, err);
}

int sg_hps_check(const struct sg_hps *h, struct sg_error *err)
{
	for (int i = 0; i < h->n; i++)
		if ((h->spec[i]->flags & SG_HP_REQUIRED) && !h->v[i].set)
			return sg_error_set(err, SG_E_USAGE, "hyperparameter %s is required (%s)",
					    h->spec[i]->name, h->spec[i]->help ? h->spec[i]->help : "");
	return 0;
}

static const struct hpval *get(const struct sg_hps *h, const char *name)
{
	int i = spec_index(h, name);
	if (i < 0)
		abort();   /* the algorithm asked for a name it does not declare */
	return &h->v[i];
}

double sg_hps_num(const struct sg_hps *h, const char *name)
{
	const struct hpval *v = get(h, name);
	return v->set ? v->num : NAN;
}

long long sg_hps_int(const struct sg_hps *h, const char *name)
{
	const struct hpval *v = get(h, name);
	return !v->set ? 0 : v->is_auto ? -1 : (long long)v->num;
}

int sg_hps_bool(const struct sg_hps *h, const char *name)
{
	const struct hpval *v = get(h, name);
	return v->set && !v->is_auto && v->num != 0;
}

const char *sg_hps_str(const struct sg_hps *h, const char *name)
{
	const struct hpval *v = get(h, name);
	return v->set ? v->text : NULL;
}

int sg_hps_is_set(const struct sg_hps *h, const char *name)
{
	return get(h, name)->set;
}

int sg_hps_is_auto(const struct sg_hps *h, const char *name)
{
	return get(h, name)->is_auto;
}

json_t *sg_hps_to_json(const struct sg_hps *h)
{
	json_t *o = json_object();
	for (int i = 0; i < h->n; i++)
		if (h->v[i].set)
			json_object_set_new(o, h->spec[i]->name, json_string(h->v[i].text));
	return o;
}

/* ---- models ---------------------------------------------------------------------- */

static char **copy_strv(char *const *v, int n)
{
	char **c = sg_xcalloc((size_t)n + 1, sizeof *c);
	for (int i = 0; i < n; i++)
		c[i] = sg_xstrdup(v[i]);
	return c;
}

static void free_strv(char **v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

struct sg_model *sg_model_new(const struct sg_algo *a, struct sg_hps *hps,
			      const struct sg_xy *train)
{
	struct sg_model *m = sg_xcalloc(1, sizeof *m);
	m->algo = a;
	m->hps = hps;
	m->task = train->task;
	m->d = train->d;
	m->features = copy_strv(train->names, train->d);
	if (train->task == SG_TASK_CLASSIFICATION) {
		m->nclasses = train->nclasses;
		m->classes = copy_strv(train->classes, train->nclasses);
	}
	const char *t = hps ? sg_hps_str(hps, "target") : NULL;
	m->target = t ? sg_xstrdup(t) : NULL;
	m->train_rows = train->n;
	return m;
}

void sg_model_free(struct sg_model *m)
{
	if (!m)
		return;
	if (m->state && m->algo && m->algo->free_state)
		m->algo->free_state(m->state);
	sg_hps_free(m->hps);
	free_strv(m->features, m->d);
	free_strv(m->classes, m->nclasses);
	free_strv(m->outputs, m->nout);
	free(m->target);
	sg_recipe_free(m->recipe);
	free(m);
}

void sg_model_set_outputs(struct sg_model *m, int n, const char *const *names)
{
	free_strv(m->outputs, m->nout);
	m->nout = n;
	m->outputs = copy_strv((char *const *)names, n);
}

int sg_model_predict(const struct sg_model *m, const double *x, size_t n, double *out,
		     double *proba, struct sg_error *err)
{
	if (m->task != SG_TASK_CLASSIFICATION)
		proba = NULL;
	return m->algo->predict(m, x, n, out, proba, err);
}

static json_t *strv_json(char *const *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static const char *task_key(const struct sg_model *m)
{
	if (m->task == SG_TASK_CLASSIFICATION)
		return m->nclasses == 2 ? "binary_classification" : "multiclass_classification";
	return m->task == SG_TASK_REGRESSION ? "regression" : "none";
}

static json_t *recipe_json(const struct sg_recipe *r)
{
	if (!r)
		return json_null();
	char *text = sg_recipe_to_json(r);
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	return j ? j : json_null();
}

static json_t *model_json(const struct sg_model *m)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *root = json_object();
	json_object_set_new(root, "format", json_string("sagetty-model"));
	json_object_set_new(root, "version", json_integer(SG_MODEL_FORMAT_VERSION));
	json_object_set_new(root, "algorithm", json_string(m->algo->name));
	json_object_set_new(root, "algorithm_version", json_integer(m->algo->version));
	json_object_set_new(root, "created", json_string(when));
	json_object_set_new(root, "task", json_string(task_key(m)));
	json_object_set_new(root, "hyperparameters", sg_hps_to_json(m->hps));
	json_object_set_new(root, "target", m->target ? json_string(m->target) : json_null());
	json_object_set_new(root, "features", strv_json(m->features, m->d));
	json_object_set_new(root, "classes", m->classes ? strv_json(m->classes, m->nclasses)
							: json_null());
	json_object_set_new(root, "outputs", strv_json(m->outputs, m->nout));
	json_object_set_new(root, "recipe", recipe_json(m->recipe));
	json_t *tr = json_object();
	json_object_set_new(tr, "rows", json_integer((json_int_t)m->train_rows));
	json_object_set_new(tr, "validation_rows", json_integer((json_int_t)m->valid_rows));
	json_object_set_new(tr, "seconds", json_real(m->train_seconds));
	json_object_set_new(root, "training", tr);
	return root;
}

int sg_model_save(const struct sg_model *m, const char *dir, struct sg_error *err)
{
	if (sg_mkdir_p(dir, 0755, err) != 0)
		return -1;
	json_t *root = model_json(m);
	json_t *params = json_object();
	if (m->algo->save(m, params, dir, err) != 0) {
		json_decref(params);
		json_decref(root);
		return -1;
	}
	json_object_set_new(root, "parameters", params);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	json_decref(root);
	char *path = sg_path_join(dir, "model.json");
	size_t len = strlen(text);
	text = sg_xrealloc(text, len + 2);
	text[len++] = '\n';
	int rc = sg_write_atomic(path, text, len, 0644, err);
	free(text);
	free(path);
	return rc;
}

/* Reads an array of strings (NULL JSON: *n = 0, *out = NULL). */
static int get_strv(const json_t *root, const char *key, char ***out, int *n, const char *file,
		    struct sg_error *err)
{
	json_t *a = json_object_get(root, key);
	*out = NULL;
	*n = 0;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return sg_error_set(err, SG_E_PARSE, "%s: \"%s\" must be an array of strings", file, key);
	char **v = sg_xcalloc(json_array_size(a) + 1, sizeof *v);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s) {
			free_strv(v, (int)i);
			return sg_error_set(err, SG_E_PARSE, "%s: \"%s\"[%zu] must be a string", file,
					    key, i);
		}
		v[i] = sg_xstrdup(s);
	}
	*out = v;
	*n = (int)json_array_size(a);
	return 0;
}

static int load_recipe(struct sg_model *m, const json_t *root, const char *file,
		       struct sg_error *err)
{
	json_t *r = json_object_get(root, "recipe");
	if (!r || json_is_null(r))
		return 0;
	char *text = json_dumps(r, JSON_REAL_PRECISION(17));
	m->recipe = sg_recipe_parse(text, strlen(text), file, err);
	free(text);
	return m->recipe ? 0 : -1;
}

static int load_common(struct sg_model *m, const json_t *root, const char *file,
		       struct sg_error *err)
{
	const char *name = json_string_value(json_object_get(root, "algorithm"));
	const char *fmt = json_string_value(json_object_get(root, "format"));
	json_int_t ver = json_integer_value(json_object_get(root, "version"));
	if (!fmt || strcmp(fmt, "sagetty-model") != 0)
		return sg_error_set(err, SG_E_PARSE, "%s: not a sagetty model (\"format\")", file);
	if (ver < 1 || ver > SG_MODEL_FORMAT_VERSION)
		return sg_error_set(err, SG_E_NEWER, "%s: model format version %lld is newer than "
				    "this sagetty reads (%d)", file, (long long)ver,
				    SG_MODEL_FORMAT_VERSION);
	m->algo = sg_algo_find(name);
	if (!m->algo)
		return sg_error_set(err, SG_E_PARSE, "%s: unknown algorithm '%s' (known: %s)", file,
				    name ? name : "", sg_algo_names());
	m->hps = sg_hps_new(m->algo);
	if (sg_hps_set_json(m->hps, json_object_get(root, "hyperparameters"), err) != 0) {
		sg_error_prefix(err, "%s", file);
		return -1;
	}
	const char *task = json_string_value(json_object_get(root, "task"));
	m->task = !task ? SG_TASK_NONE : strstr(task, "classification") ? SG_TASK_CLASSIFICATION
		: strcmp(task, "regression") == 0 ? SG_TASK_REGRESSION : SG_TASK_NONE;
	const char *target = json_string_value(json_object_get(root, "target"));
	m->target = target ? sg_xstrdup(target) : NULL;
	if (get_strv(root, "features", &m->features, &m->d, file, err) != 0 ||
	    get_strv(root, "classes", &m->classes, &m->nclasses, file, err) != 0 ||
	    get_strv(root, "outputs", &m->outputs, &m->nout, file, err) != 0)
		return -1;
	if (m->d == 0)
		return sg_error_set(err, SG_E_PARSE, "%s: the model has no features", file);
	json_t *tr = json_object_get(root, "training");
	m->train_rows = (size_t)json_integer_value(json_object_get(tr, "rows"));
	m->valid_rows = (size_t)json_integer_value(json_object_get(tr, "validation_rows"));
	m->train_seconds = json_number_value(json_object_get(tr, "seconds"));
	return load_recipe(m, root, file, err);
}

struct sg_model *sg_model_load(const char *path, struct sg_error *err)
{
	char *dir, *file;
	if (sg_is_dir(path)) {
		dir = sg_xstrdup(path);
		file = sg_path_join(path, "model.json");
	} else {
		file = sg_xstrdup(path);
		char *slash = strrchr(path, '/');
		dir = slash ? sg_xstrndup(path, (size_t)(slash - path + (slash == path))) : sg_xstrdup(".");
	}
	size_t len;
	struct sg_model *m = NULL;
	char *text = sg_read_file(file, (size_t)1 << 30, &len, err);
	json_error_t je;
	json_t *root = text ? json_loadb(text, len, 0, &je) : NULL;
	if (text && !root)
		sg_error_set(err, SG_E_PARSE, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	if (root) {
		m = sg_xcalloc(1, sizeof *m);
		json_t *params = json_object_get(root, "parameters");
		if (load_common(m, root, file, err) != 0 ||
		    m->algo->load(m, params ? params : json_null(), dir, err) != 0) {
			sg_model_free(m);
			m = NULL;
		}
	}
	json_decref(root);
	free(text);
	free(dir);
	free(file);
	return m;
}

#define INLINE_MAX 4096

int sg_model_put_array(json_t *params, const char *dir, const char *key, const double *a,
		       size_t rows, size_t cols, struct sg_error *err)
{
	size_t n = rows * cols;
	json_t *shape = json_pack("[II]", (json_int_t)rows, (json_int_t)cols);
	if (n <= INLINE_MAX) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_real(a[i]));
		json_object_set_new(params, key, json_pack("{s:o,s:o}", "shape", shape, "data", arr));
		return 0;
	}
	char *name = sg_xasprintf("%s.f64", key);
	char *path = sg_path_join(dir, name);
	/* x86-64 and aarch64 are little-endian: the bytes are the file. */
	int rc = sg_write_atomic(path, a, n * sizeof *a, 0644, err);
	if (rc == 0)
		json_object_set_new(params, key, json_pack("{s:s,s:s,s:o}", "file", name, "dtype",
							   "<f8", "shape", shape));
	else
		json_decref(shape);
	free(name);
	free(path);
	return rc;
}

static int read_shape(const json_t *o, size_t *rows, size_t *cols)
{
	json_t *s = json_object_get(o, "shape");
	if (json_array_size(s) != 2)
		return -1;
	json_int_t r = json_integer_value(json_array_get(s, 0));
	json_int_t c = json_integer_value(json_array_get(s, 1));
	if (r < 0 || c < 0)
		return -1;
	*rows = (size_t)r;
	*cols = (size_t)c;
	return 0;
}

static double *read_side_file(const json_t *o, const char *dir, const char *key, size_t n,
			      struct sg_error *err)
{
	const char *name = json_string_value(json_object_get(o, "file"));
	const char *dtype = json_string_value(json_object_get(o, "dtype"));
	if (!name || strchr(name, '/') || !dtype || strcmp(dtype, "<f8") != 0) {
		sg_error_set(err, SG_E_PARSE, "model parameter %s: bad file or dtype", key);
		return NULL;
	}
	char *path = sg_path_join(dir, name);
	size_t len;
	char *data = sg_read_file(path, (size_t)1 << 40, &len, err);
	double *a = NULL;
	if (data && len != n * sizeof(double))
		sg_error_set(err, SG_E_PARSE, "%s: %zu bytes, expected %zu", path, len,
			     n * sizeof(double));
	else if (data) {
		a = sg_xmalloc(n * sizeof *a + 8);
		memcpy(a, data, len);
	}
	free(data);
	free(path);
	return a;
}

double *sg_model_get_array(const json_t *params, const char *dir, const char *key,
			   size_t *rows, size_t *cols, struct sg_error *err)
{
	const json_t *o = json_object_get(params, key);
	size_t r, c;
	if (!json_is_object(o) || read_shape(o, &r, &c) != 0) {
		sg_error_set(err, SG_E_PARSE, "model parameter %s: missing or without a shape", key);
		return NULL;
	}
	if ((*rows && *rows != r) || (*cols && *cols != c)) {
		sg_error_set(err, SG_E_PARSE, "model parameter %s: shape %zux%zu, expected %zux%zu", key,
			     r, c, *rows, *cols);
		return NULL;
	}
	*rows = r;
	*cols = c;
	json_t *data = json_object_get(o, "data");
	if (!data)
		return read_side_file(o, dir, key, r * c, err);
	if (json_array_size(data) != r * c) {
		sg_error_set(err, SG_E_PARSE, "model parameter %s: %zu values, expected %zu", key,
			     json_array_size(data), r * c);
		return NULL;
	}
	double *a = sg_xmalloc(r * c * sizeof *a + 8);
	for (size_t i = 0; i < r * c; i++)
		a[i] = json_number_value(json_array_get(data, i));
	return a;
}
