/* rules_spec.c — parsing rule specs NAME[:param=value,...] (rules.h). */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/metricline.h"
#include "core/regex.h"
#include "core/rules.h"
#include "core/util.h"

enum ptype { P_INT, P_FLOAT, P_BOOL, P_REGEX, P_COLL, P_MODE, P_STR, P_IGNORE, P_HEADER };

/* One parameter: where it goes and its valid range (min <= v <= max, or
 * v < max when max_open). */
struct pdesc {
	const char *name;
	enum ptype type;
	size_t off;
	double min, max;
	int max_open;
};

#define OFF(f) offsetof(struct sg_rule_params, f)
#define BIG 1e15

static const struct pdesc lnd_params[] = {
	{ "tensor_regex", P_REGEX, OFF(tensor_regex), 0, 0, 0 },
	{ "collection_names", P_COLL, OFF(collections), 0, 0, 0 },
	{ "use_losses_collection", P_BOOL, OFF(use_losses_collection), 0, 0, 0 },
	{ "num_steps", P_INT, OFF(num_steps), 1, 1000000, 0 },
	{ "diff_percent", P_FLOAT, OFF(diff_percent), 0, 100, 1 },
	{ "mode", P_MODE, OFF(mode), 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct pdesc overfit_params[] = {
	{ "tensor_regex", P_REGEX, OFF(tensor_regex), 0, 0, 0 },
	{ "start_step", P_INT, OFF(start_step), 0, BIG, 0 },
	{ "patience", P_INT, OFF(patience), 1, BIG, 0 },
	{ "ratio_threshold", P_FLOAT, OFF(ratio_threshold), 0, BIG, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct pdesc overtraining_params[] = {
	{ "patience_train", P_INT, OFF(patience_train), 1, BIG, 0 },
	{ "patience_validation", P_INT, OFF(patience_validation), 1, BIG, 0 },
	{ "delta", P_FLOAT, OFF(delta), 0, BIG, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct pdesc exploding_params[] = {
	{ "collection_names", P_COLL, OFF(collections), 0, 0, 0 },
	{ "tensor_regex", P_REGEX, OFF(tensor_regex), 0, 0, 0 },
	{ "only_nan", P_BOOL, OFF(only_nan), 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct pdesc vanishing_params[] = {
	{ "threshold", P_FLOAT, OFF(vanishing_threshold), 0, BIG, 0 },
	{ "tensor_regex", P_REGEX, OFF(tensor_regex), 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct pdesc stalled_params[] = {
	{ "threshold", P_INT, OFF(stalled_threshold), 1, 1e9, 0 },
	{ "stop_training_on_fire", P_BOOL, OFF(stop_training_on_fire), 0, 0, 0 },
	{ "training_job_name_prefix", P_IGNORE, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct pdesc imbalance_params[] = {
	{ "threshold_imbalance", P_FLOAT, OFF(threshold_imbalance), 1, BIG, 0 },
	{ "threshold_misprediction", P_FLOAT, OFF(threshold_misprediction), 0, 1, 0 },
	{ "samples", P_INT, OFF(samples), 1, BIG, 0 },
	{ "argmax", P_BOOL, OFF(argmax), 0, 0, 0 },
	{ "labels_regex", P_IGNORE, 0, 0, 0, 0 },
	{ "predictions_regex", P_IGNORE, 0, 0, 0, 0 },
	{ "channel", P_STR, OFF(channel), 0, 0, 0 },
	{ "label_column", P_STR, OFF(label_column), 0, 0, 0 },
	{ "header", P_HEADER, OFF(header), 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

struct kind {
	const char *name, *alias;
	const struct pdesc *params;
};

static const struct kind kinds[SG_RULE_NKINDS] = {
	[SG_RULE_LOSS_NOT_DECREASING] = { "LossNotDecreasing", "loss_not_decreasing", lnd_params },
	[SG_RULE_OVERFIT] = { "Overfit", "overfit", overfit_params },
	[SG_RULE_OVERTRAINING] = { "Overtraining", "overtraining", overtraining_params },
	[SG_RULE_EXPLODING_TENSOR] = { "ExplodingTensor", "exploding_tensor", exploding_params },
	[SG_RULE_VANISHING_GRADIENT] = { "VanishingGradient", "vanishing_gradient",
					 vanishing_params },
	[SG_RULE_STALLED_TRAINING] = { "StalledTrainingRule", "stalled_training_rule",
				       stalled_params },
	[SG_RULE_CLASS_IMBALANCE] = { "ClassImbalance", "class_imbalance", imbalance_params },
};

const char *sg_rule_kind_name(enum sg_rule_kind k)
{
	return (unsigned)k < SG_RULE_NKINDS ? kinds[k].name : "?";
}

void sg_rule_defaults(enum sg_rule_kind k, struct sg_rule_params *p)
{
	memset(p, 0, sizeof *p);
	p->kind = k;
	p->use_losses_collection = 1;
	p->num_steps = 10;
	p->diff_percent = 0.0;
	p->mode = SG_RULE_MODE_ANY;
	p->start_step = 0;
	p->patience = 1;
	p->ratio_threshold = 0.1;
	p->patience_train = 5;
	p->patience_validation = 10;
	p->delta = 0.1;
	p->only_nan = 0;
	p->vanishing_threshold = 0.0000001;
	p->stalled_threshold = 1800;
	p->threshold_imbalance = 10;
	p->threshold_misprediction = 0.7;
	p->samples = 500;
	p->header = -1;
}

void sg_rule_params_done(struct sg_rule_params *p)
{
	if (!p)
		return;
	free(p->tensor_regex);
	free(p->channel);
	free(p->label_column);
	if (p->command)
		for (char **a = p->command; *a; a++)
			free(*a);
	free(p->command);
	p->tensor_regex = p->channel = p->label_column = NULL;
	p->command = NULL;
}

/* ---- the scanner ------------------------------------------------------------ */

struct scan {
	const char *s;
	size_t n, i;
	const char *src;
	int line;
	struct sg_error *err;
	const struct kind *kind;
	struct sg_rule_params *p;
	unsigned seen;          /* bit per pdesc index: given already */
	int ncmd;               /* words in p->command */
	int command_given;
	size_t first_arg_col;
};

static int fail(struct scan *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets "src:line:col: message" with col the 1-based column of offset off. */
static int fail(struct scan *c, size_t off, const char *fmt, ...)
{
	char msg[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sg_error_set(c->err, SG_E_PARSE, "%s:%d:%zu: %s", c->src, c->line, off + 1, msg);
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static void skip_blanks(struct scan *c)
{
	while (c->i < c->n && is_blank(c->s[c->i]))
		c->i++;
}

static int is_word(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* Reads [A-Za-z0-9_]+ at the cursor; returns its length (0: none). */
static size_t read_word(struct scan *c)
{
	size_t start = c->i;
	while (c->i < c->n && is_word(c->s[c->i]))
		c->i++;
	return c->i - start;
}

/* Refuses NUL and control bytes anywhere (tabs are blanks). */
static int check_bytes(struct scan *c)
{
	if (c->n > SG_RULE_SPEC_MAX)
		return fail(c, SG_RULE_SPEC_MAX, "rule spec longer than %d bytes", SG_RULE_SPEC_MAX);
	for (size_t i = 0; i < c->n; i++) {
		unsigned char ch = (unsigned char)c->s[i];
		if (ch == 0)
			return fail(c, i, "NUL byte in the rule spec");
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(c, i, "control character 0x%02x in the rule spec", ch);
	}
	return 0;
}

/* Reads a value: "quoted" (\" and \\ escapes) or bare up to ',' with
 * trailing blanks dropped.  Returns a malloc'd string, or NULL on error. */
static char *read_value(struct scan *c, size_t *col)
{
	*col = c->i;
	if (c->i < c->n && c->s[c->i] == '"') {
		char *out = sg_xmalloc(c->n - c->i + 1);
		size_t k = 0, open = c->i++;
		while (c->i < c->n && c->s[c->i] != '"') {
			if (c->s[c->i] == '\\' && c->i + 1 < c->n &&
			    (c->s[c->i + 1] == '"' || c->s[c->i + 1] == '\\'))
				c->i++;
			out[k++] = c->s[c->i++];
		}
		if (c->i >= c->n) {
			free(out);
			fail(c, open, "unterminated quote");
			return NULL;
		}
		c->i++;
		out[k] = '\0';
		*col = open + 1;
		return out;
	}
	size_t start = c->i;
	while (c->i < c->n && c->s[c->i] != ',')
		c->i++;
	size_t end = c->i;
	while (end > start && is_blank(c->s[end - 1]))
		end--;
	return sg_xstrndup(c->s + start, end - start);
}

/* ---- values ---------------------------------------------------------------- */

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int out_of_range(struct scan *c, size_t col, const struct pdesc *d, const char *v)
{
	if (d->max >= BIG)
		return fail(c, col, "%s must be at least %g, not '%s'", d->name, d->min, v);
	return fail(c, col, "%s must be between %g and %g%s, not '%s'", d->name, d->min, d->max,
		    d->max_open ? " (exclusive)" : "", v);
}

static int set_int(struct scan *c, const struct pdesc *d, const char *v, size_t col)
{
	char *end;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || end == v || (*v != '-' && (*v < '0' || *v > '9')))
		return fail(c, col, "%s must be an integer, not '%s'", d->name, v);
	if ((double)x < d->min || (double)x > d->max)
		return out_of_range(c, col, d, v);
	*(long long *)((char *)c->p + d->off) = x;
	return 0;
}

static int set_float(struct scan *c, const struct pdesc *d, const char *v, size_t col)
{
	double x;
	if (sg_metric_value_parse(v, strlen(v), &x) != 0 || !isfinite(x))
		return fail(c, col, "%s must be a number, not '%s'", d->name, v);
	if (x < d->min || x > d->max || (d->max_open && x >= d->max))
		return out_of_range(c, col, d, v);
	*(double *)((char *)c->p + d->off) = x;
	return 0;
}

#define REGEX_MAX 512

static int set_regex(struct scan *c, const struct pdesc *d, const char *v, size_t col)
{
	if (strlen(v) > REGEX_MAX || sg_regex_weight(v) > SG_REGEX_MAX_WEIGHT)
		return fail(c, col, "%s is too large or repeats too deeply (at most %d bytes; no "
			    "stacked repetitions like a++ or (a{100}){100})", d->name, REGEX_MAX);
	regex_t re;
	int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[160];
		regerror(rc, &re, why, sizeof why);
		return fail(c, col, "bad %s '%s': %s", d->name, v, why);
	}
	regfree(&re);
	char **slot = (char **)((char *)c->p + d->off);
	free(*slot);
	*slot = sg_xstrdup(v);
	return 0;
}

/* "losses, gradients" (comma or blank separated). */
static int set_collections(struct scan *c, const struct pdesc *d, const char *v, size_t col)
{
	unsigned bits = 0;
	const char *w = v;
	while (*w) {
		size_t skip = strspn(w, ", \t");
		w += skip;
		size_t len = strcspn(w, ", \t");
		if (!len)
			break;
		if (len == 6 && strncasecmp(w, "losses", 6) == 0)
			bits |= SG_RULE_COLL_LOSSES;
		else if (len == 9 && strncasecmp(w, "gradients", 9) == 0)
			bits |= SG_RULE_COLL_GRADIENTS;
		else if (len == 3 && strncasecmp(w, "all", 3) == 0)
			bits |= SG_RULE_COLL_ALL;
		else
			return fail(c, col + (size_t)(w - v), "unknown collection '%.*s' (losses, "
				    "gradients, all: runs have scalar metrics only)", (int)len, w);
		w += len;
	}
	if (!bits)
		return fail(c, col, "%s needs at least one collection", d->name);
	*(unsigned *)((char *)c->p + d->off) = bits;
	return 0;
}

static int set_mode(struct scan *c, const struct pdesc *d, const char *v, size_t col)
{
	enum sg_rule_mode m;
	if (strcasecmp(v, "EVAL") == 0)
		m = SG_RULE_MODE_EVAL;
	else if (strcasecmp(v, "TRAIN") == 0)
		m = SG_RULE_MODE_TRAIN;
	else if (strcasecmp(v, "GLOBAL") == 0)
		m = SG_RULE_MODE_GLOBAL;
	else
		return fail(c, col, "mode must be EVAL, TRAIN or GLOBAL, not '%s'", v);
	*(enum sg_rule_mode *)((char *)c->p + d->off) = m;
	return 0;
}

static int set_value(struct scan *c, const struct pdesc *d, const char *v, size_t col)
{
	int b;
	switch (d->type) {
	case P_INT:
		return set_int(c, d, v, col);
	case P_FLOAT:
		return set_float(c, d, v, col);
	case P_BOOL:
		if (parse_bool(v, &b) != 0)
			return fail(c, col, "%s must be True or False, not '%s'", d->name, v);
		*(int *)((char *)c->p + d->off) = b;
		return 0;
	case P_REGEX:
		return set_regex(c, d, v, col);
	case P_COLL:
		return set_collections(c, d, v, col);
	case P_MODE:
		return set_mode(c, d, v, col);
	case P_STR: {
		char **slot = (char **)((char *)c->p + d->off);
		free(*slot);
		*slot = sg_xstrdup(v);
		return 0;
	}
	case P_IGNORE:
		return 0;
	case P_HEADER:
		if (strcasecmp(v, "auto") == 0)
			b = -1;
		else if (parse_bool(v, &b) != 0)
			return fail(c, col, "header must be True, False or auto, not '%s'", v);
		*(int *)((char *)c->p + d->off) = b;
		return 0;
	}
	return 0;
}

/* ---- actions and the command ------------------------------------------------ */

/* "StopTraining", "Notify", or several joined by '+' or '|'. */
static int set_actions(struct scan *c, const char *v, size_t col)
{
	const char *w = v;
	for (;;) {
		size_t len = strcspn(w, "+|");
		const char *e = w + len;
		const char *a = w;
		while (a < e && is_blank(*a))
			a++;
		size_t alen = (size_t)(e - a);
		while (alen && is_blank(a[alen - 1]))
			alen--;
		if (alen == 12 && strncasecmp(a, "StopTraining", 12) == 0)
			c->p->actions |= SG_RULE_ACT_STOP;
		else if (alen == 6 && strncasecmp(a, "Notify", 6) == 0)
			c->p->actions |= SG_RULE_ACT_NOTIFY;
		else
			return fail(c, col + (size_t)(a - v), "unknown action '%.*s' (StopTraining, "
				    "Notify)", (int)alen, a);
		if (!*e)
			return 0;
		w = e + 1;
	}
}

static void push_word(struct scan *c, const char *v, int at_front)
{
	c->p->command = sg_xrealloc(c->p->command, sizeof(char *) * (size_t)(c->ncmd + 2));
	if (at_front) {
		memmove(c->p->command + 1, c->p->command, sizeof(char *) * (size_t)c->ncmd);
		c->p->command[0] = sg_xstrdup(v);
	} else {
		c->p->command[c->ncmd] = sg_xstrdup(v);
	}
	c->ncmd++;
	c->p->command[c->ncmd] = NULL;
}

static int set_command(struct scan *c, const char *key, const char *v, size_t kcol)
{
	if (c->ncmd >= SG_RULE_ARGS_MAX)
		return fail(c, kcol, "more than %d command words", SG_RULE_ARGS_MAX);
	if (strcmp(key, "command") == 0) {
		if (c->command_given)
			return fail(c, kcol, "parameter 'command' given twice");
		c->command_given = 1;
		push_word(c, v, 1);
		return 0;
	}
	if (!c->first_arg_col)
		c->first_arg_col = kcol + 1;
	push_word(c, v, 0);
	return 0;
}

/* ---- names ------------------------------------------------------------------- */

static const struct kind *find_kind(const char *w, size_t len)
{
	for (int k = 0; k < SG_RULE_NKINDS; k++) {
		const struct kind *d = &kinds[k];
		if ((strlen(d->name) == len && strncasecmp(d->name, w, len) == 0) ||
		    (strlen(d->alias) == len && strncasecmp(d->alias, w, len) == 0))
			return d;
	}
	return NULL;
}

static int unknown_rule(struct scan *c, size_t off, size_t len)
{
	char list[400] = "";
	for (int k = 0; k < SG_RULE_NKINDS; k++) {
		strcat(list, k ? ", " : "");
		strcat(list, kinds[k].name);
	}
	return fail(c, off, "unknown rule '%.*s' (%s)", (int)(len > 64 ? 64 : len), c->s + off,
		    list);
}

static int unknown_param(struct scan *c, size_t off, const char *key)
{
	char list[600] = "";
	for (const struct pdesc *d = c->kind->params; d->name; d++) {
		strcat(list, d->name);
		strcat(list, ", ");
	}
	strcat(list, "action, command, arg");
	return fail(c, off, "unknown parameter '%s' for %s (%s)", key, c->kind->name, list);
}

/* Applies key=value (value at column vcol, key at kcol). */
static int apply(struct scan *c, const char *key, const char *v, size_t kcol, size_t vcol)
{
	if (!*v)
		return fail(c, vcol, "empty value for '%s'", key);
	if (strcmp(key, "action") == 0)
		return set_actions(c, v, vcol);
	if (strcmp(key, "command") == 0 || strcmp(key, "arg") == 0)
		return set_command(c, key, v, kcol);
	int i = 0;
	for (const struct pdesc *d = c->kind->params; d->name; d++, i++) {
		if (strcmp(d->name, key) != 0)
			continue;
		if (c->seen & (1u << i))
			return fail(c, kcol, "parameter '%s' given twice", key);
		c->seen |= 1u << i;
		return set_value(c, d, v, vcol);
	}
	return unknown_param(c, kcol, key);
}

/* One param=value at the cursor. */
static int parse_param(struct scan *c)
{
	skip_blanks(c);
	size_t kcol = c->i;
	size_t klen = read_word(c);
	if (!klen && c->i < c->n)
		return fail(c, kcol, "expected a parameter name, not '%c'", c->s[c->i]);
	if (!klen)
		return fail(c, kcol, "expected a parameter name");
	char key[64];
	snprintf(key, sizeof key, "%.*s", (int)(klen > 63 ? 63 : klen), c->s + kcol);
	skip_blanks(c);
	if (c->i >= c->n || c->s[c->i] != '=')
		return fail(c, c->i, "expected '=' after '%s'", key);
	c->i++;
	skip_blanks(c);
	size_t vcol;
	char *v = read_value(c, &vcol);
	if (!v)
		return -1;
	int rc = klen > 63 ? unknown_param(c, kcol, key) : apply(c, key, v, kcol, vcol);
	free(v);
	return rc;
}

static int parse_params(struct scan *c)
{
	for (;;) {
		if (parse_param(c) != 0)
			return -1;
		skip_blanks(c);
		if (c->i >= c->n)
			return 0;
		if (c->s[c->i] != ',')
			return fail(c, c->i, "expected ',' between parameters");
		c->i++;
	}
}

int sg_rule_parse(const char *spec, size_t len, const char *src, int line,
		  struct sg_rule_params *p, struct sg_error *err)
{
	struct scan c = { .s = spec, .n = len, .src = src ? src : "rule", .line = line, .err = err };
	sg_rule_defaults(SG_RULE_LOSS_NOT_DECREASING, p);
	if (check_bytes(&c) != 0)
		return -1;
	skip_blanks(&c);
	size_t ncol = c.i, nlen = read_word(&c);
	if (!nlen)
		return fail(&c, ncol, "expected a rule name");
	c.kind = find_kind(spec + ncol, nlen);
	if (!c.kind)
		return unknown_rule(&c, ncol, nlen);
	p->kind = (enum sg_rule_kind)(c.kind - kinds);
	c.p = p;
	skip_blanks(&c);
	if (c.i < c.n) {
		if (spec[c.i] != ':')
			return fail(&c, c.i, "expected ':' after the rule name");
		c.i++;
		if (parse_params(&c) != 0)
			return -1;
	}
	if (c.ncmd && !c.command_given)
		return fail(&c, c.first_arg_col - 1, "'arg' without 'command'");
	if (p->stop_training_on_fire)
		p->actions |= SG_RULE_ACT_STOP;
	return 0;
}
