/* rules.c — the rule engine: keys classified once, each rule's state per
 * key, events to the caller, and the rows in the store (rules.h).  Spec
 * parsing is in rules_spec.c. */
#include <dirent.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/csvfile.h"
#include "core/regex.h"
#include "core/rules.h"
#include "core/run.h"
#include "core/util.h"

#define MAX_KEYS 10000       /* distinct keys given state; more are checked statelessly */
#define MAX_LABELS 10000     /* distinct values before a column is "not a label" */
#define MAX_CHANNELS 32
#define MSG_MAX 512

static const char *const status_names[] = {
	"InProgress", "NoIssuesFound", "IssuesFound", "Error", "NotApplicable",
};

const char *sg_rule_status_name(enum sg_rule_status st)
{
	return (unsigned)st < 5 ? status_names[st] : "?";
}

int sg_rule_status_parse(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (s && strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/* ---- a string → index hash map (keys, labels) ------------------------------ */

struct strmap {
	char **str;
	uint32_t *hash;
	size_t *val;
	size_t cap, n;     /* cap a power of two, or 0 */
};

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void strmap_done(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->str[i]);
	free(m->str);
	free(m->hash);
	free(m->val);
	memset(m, 0, sizeof *m);
}

/* The slot of s (n bytes): where it is, or the empty slot where it goes. */
static size_t strmap_slot(const struct strmap *m, const char *s, size_t n, uint32_t h)
{
	size_t i = h & (m->cap - 1);
	while (m->str[i] && !(m->hash[i] == h && strncmp(m->str[i], s, n) == 0 &&
			      m->str[i][n] == '\0'))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void strmap_grow(struct strmap *m)
{
	struct strmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->str = sg_xcalloc(m->cap, sizeof *m->str);
	m->hash = sg_xcalloc(m->cap, sizeof *m->hash);
	m->val = sg_xcalloc(m->cap, sizeof *m->val);
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.str[i])
			continue;
		size_t j = strmap_slot(m, old.str[i], strlen(old.str[i]), old.hash[i]);
		m->str[j] = old.str[i];
		m->hash[j] = old.hash[i];
		m->val[j] = old.val[i];
	}
	free(old.str);
	free(old.hash);
	free(old.val);
}

/* Finds s; with add, inserts it with value *val when missing.  Returns 1
 * found (*val set), 0 inserted, -1 missing. */
static int strmap_get(struct strmap *m, const char *s, size_t n, size_t *val, int add)
{
	uint32_t h = fnv1a(s, n);
	if (m->cap) {
		size_t i = strmap_slot(m, s, n, h);
		if (m->str[i])
			return *val = m->val[i], 1;
	}
	if (!add)
		return -1;
	if ((m->n + 1) * 10 > m->cap * 7)
		strmap_grow(m);
	size_t i = strmap_slot(m, s, n, h);
	m->str[i] = sg_xstrndup(s, n);
	m->hash[i] = h;
	m->val[i] = *val;
	m->n++;
	return 0;
}

/* ---- keys ------------------------------------------------------------------- */

enum phase { PH_GLOBAL, PH_TRAIN, PH_VAL };

/* Per (key, rule) state; only the fields of the rule's kind are used. */
struct kst {
	long long last_step;
	int has_last;
	/* LossNotDecreasing: the points within num_steps, oldest first (a ring) */
	long long *wstep;
	double *wval;
	size_t whead, wn, wcap;
	long long next_eval;
	int has_eval;
	/* Overtraining */
	double best;
	long long since_best;
	int has_best;
	/* Overfit */
	size_t pair;
};

struct key {
	char *name;
	enum phase phase;
	char *base;          /* the name without its phase word */
	int is_loss, is_grad;
	struct kst **st;     /* [nrules]; NULL where the rule does not watch the key */
};

/* Overfit: one training/validation pair of keys. */
struct pair {
	char *base;
	double tsum;
	long long tn;
	double tmean;
	int has_tmean;
	long long exceed;
	long long last_val_step;
	int has_val;
};

struct rule {
	struct sg_rule_params p;
	char *spec;
	regex_t re;
	int has_re;
	enum sg_rule_status status;
	char message[MSG_MAX];
	long long fired_step;
	double fired_at;
	int dirty;
	int seen;            /* saw an input it watches */
	struct pair *pairs;
	size_t npairs;
	double last_activity;
	struct sg_rule_state pub;
};

struct note {
	char *rule, *message;
};

struct channel {
	char *name, *path;
};

struct sg_rules {
	char *run_id;
	struct rule *rules;
	size_t n;
	int started, ended;
	sg_rule_event_fn fn;
	void *ud;
	double (*clock)(void);
	struct strmap keymap;
	struct key *keys;
	size_t nkeys, capkeys;
	int activity;        /* a point or line since the last tick */
	struct note *notes;
	size_t nnotes;
	struct channel channels[MAX_CHANNELS];
	size_t nchannels;
};

struct sg_rules *sg_rules_new(const char *run_id)
{
	struct sg_rules *r = sg_xcalloc(1, sizeof *r);
	r->run_id = sg_xstrdup(run_id ? run_id : "");
	r->clock = sg_now;
	return r;
}

static void kst_free(struct kst *k)
{
	if (!k)
		return;
	free(k->wstep);
	free(k->wval);
	free(k);
}

static void notes_clear(struct sg_rules *r)
{
	for (size_t i = 0; i < r->nnotes; i++) {
		free(r->notes[i].rule);
		free(r->notes[i].message);
	}
	free(r->notes);
	r->notes = NULL;
	r->nnotes = 0;
}

void sg_rules_free(struct sg_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nkeys; i++) {
		for (size_t j = 0; j < r->n; j++)
			kst_free(r->keys[i].st[j]);
		free(r->keys[i].st);
		free(r->keys[i].name);
		free(r->keys[i].base);
	}
	free(r->keys);
	strmap_done(&r->keymap);
	for (size_t i = 0; i < r->n; i++) {
		struct rule *u = &r->rules[i];
		sg_rule_params_done(&u->p);
		free(u->spec);
		if (u->has_re)
			regfree(&u->re);
		for (size_t j = 0; j < u->npairs; j++)
			free(u->pairs[j].base);
		free(u->pairs);
	}
	free(r->rules);
	for (size_t i = 0; i < r->nchannels; i++) {
		free(r->channels[i].name);
		free(r->channels[i].path);
	}
	notes_clear(r);
	free(r->run_id);
	free(r);
}

void sg_rules_set_callback(struct sg_rules *r, sg_rule_event_fn fn, void *ud)
{
	r->fn = fn;
	r->ud = ud;
}

void sg_rules_set_clock(struct sg_rules *r, double (*clock)(void))
{
	r->clock = clock ? clock : sg_now;
}

int sg_rules_add(struct sg_rules *r, const char *spec, size_t len, const char *src, int line,
		 struct sg_error *err)
{
	if (r->started)
		return sg_error_set(err, SG_E_USAGE, "rules cannot be added once started");
	if (r->n >= SG_RULES_MAX)
		return sg_error_set(err, SG_E_USAGE, "more than %d rules", SG_RULES_MAX);
	struct sg_rule_params p;
	if (sg_rule_parse(spec, len, src, line, &p, err) != 0) {
		sg_rule_params_done(&p);
		return -1;
	}
	r->rules = sg_xrealloc(r->rules, sizeof *r->rules * (r->n + 1));
	struct rule *u = &r->rules[r->n++];
	memset(u, 0, sizeof *u);
	u->p = p;
	u->spec = sg_xstrndup(spec, len);
	u->fired_step = -1;
	if (p.tensor_regex)
		u->has_re = sg_regex_compile(&u->re, p.tensor_regex, REG_EXTENDED | REG_NOSUB,
					     "tensor_regex", NULL) == 0;
	return 0;
}

int sg_rules_validate(const char *spec, const char *src, int line, struct sg_error *err)
{
	struct sg_rule_params p;
	int rc = sg_rule_parse(spec, strlen(spec), src, line, &p, err);
	sg_rule_params_done(&p);
	return rc;
}

int sg_rules_channel(struct sg_rules *r, const char *name, const char *path,
		     struct sg_error *err)
{
	if (r->started)
		return sg_error_set(err, SG_E_USAGE, "channels cannot be added once started");
	if (r->nchannels >= MAX_CHANNELS)
		return sg_error_set(err, SG_E_USAGE, "more than %d channels", MAX_CHANNELS);
	r->channels[r->nchannels].name = sg_xstrdup(name);
	r->channels[r->nchannels].path = sg_xstrdup(path);
	r->nchannels++;
	return 0;
}

size_t sg_rules_count(const struct sg_rules *r)
{
	return r->n;
}

const struct sg_rule_state *sg_rules_get(const struct sg_rules *r, size_t i)
{
	if (i >= r->n)
		return NULL;
	struct rule *u = &r->rules[i];
	u->pub.name = sg_rule_kind_name(u->p.kind);
	u->pub.spec = u->spec;
	u->pub.params = &u->p;
	u->pub.status = u->status;
	u->pub.message = u->message;
	u->pub.fired_step = u->fired_step;
	u->pub.fired_at = u->fired_at;
	return &u->pub;
}

int sg_rules_dirty(const struct sg_rules *r)
{
	if (r->nnotes)
		return 1;
	for (size_t i = 0; i < r->n; i++)
		if (r->rules[i].dirty)
			return 1;
	return 0;
}

/* ---- events ------------------------------------------------------------------ */

/* s with {rule}, {message}, {status}, {step} and {run} replaced. */
static char *expand(const char *s, const struct sg_rule_event *ev, const char *run)
{
	char step[32];
	snprintf(step, sizeof step, "%lld", ev->step);
	const char *names[] = { "{rule}", "{message}", "{status}", "{step}", "{run}" };
	const char *vals[] = { ev->name, ev->message, sg_rule_status_name(ev->status), step, run };
	struct sg_buf out = { 0 };
	while (*s) {
		int hit = -1;
		for (int i = 0; i < 5 && *s == '{'; i++)
			if (strncmp(s, names[i], strlen(names[i])) == 0)
				hit = i;
		if (hit >= 0)
			sg_buf_puts(&out, vals[hit]);
		else
			sg_buf_putc(&out, *s);
		s += hit >= 0 ? strlen(names[hit]) : 1;
	}
	return sg_buf_take(&out, NULL);
}

static void queue_note(struct sg_rules *r, const char *rule, const char *message)
{
	r->notes = sg_xrealloc(r->notes, sizeof *r->notes * (r->nnotes + 1));
	r->notes[r->nnotes].rule = sg_xstrdup(rule);
	r->notes[r->nnotes].message = sg_xstrdup(message);
	r->nnotes++;
}

/* Tells the caller; the argv is built only for the callback. */
static void emit(struct sg_rules *r, struct rule *u, enum sg_rule_status st)
{
	struct sg_rule_event ev = {
		.index = (int)(u - r->rules), .name = sg_rule_kind_name(u->p.kind), .spec = u->spec,
		.status = st, .message = u->message, .step = u->fired_step,
		.time = u->fired_at ? u->fired_at : r->clock(),
		.actions = st == SG_RULE_ISSUES ? u->p.actions : 0,
	};
	char **argv = NULL;
	if (st == SG_RULE_ISSUES && u->p.command) {
		size_t n = 0;
		while (u->p.command[n])
			n++;
		argv = sg_xcalloc(n + 1, sizeof *argv);
		for (size_t i = 0; i < n; i++)
			argv[i] = expand(u->p.command[i], &ev, r->run_id);
		ev.argv = argv;
	}
	if (st == SG_RULE_ISSUES && (u->p.actions & SG_RULE_ACT_NOTIFY))
		queue_note(r, ev.name, u->message);
	if (r->fn)
		r->fn(&ev, r->ud);
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void fire(struct sg_rules *r, struct rule *u, long long step, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The rule found an issue at step (-1: none): IssuesFound, once. */
static void fire(struct sg_rules *r, struct rule *u, long long step, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->message, sizeof u->message, fmt, ap);
	va_end(ap);
	u->status = SG_RULE_ISSUES;
	u->fired_step = step;
	u->fired_at = r->clock();
	u->dirty = 1;
	emit(r, u, SG_RULE_ISSUES);
}

static void settle(struct rule *u, enum sg_rule_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A final status other than IssuesFound, with a note. */
static void settle(struct rule *u, enum sg_rule_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->message, sizeof u->message, fmt, ap);
	va_end(ap);
	u->status = st;
	u->dirty = 1;
}

/* ---- classifying keys ----------------------------------------------------------- */

static int word_is(const char *w, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == n && strncasecmp(w, *set, n) == 0)
			return 1;
	return 0;
}

/* 1 when the n bytes at w contain sub, ignoring case. */
static int word_has(const char *w, size_t n, const char *sub)
{
	size_t m = strlen(sub);
	for (size_t i = 0; i + m <= n; i++)
		if (strncasecmp(w + i, sub, m) == 0)
			return 1;
	return 0;
}

static int is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static const char *const val_words[] = { "validation", "valid", "val", "eval", "evaluation",
					 "test", NULL };
static const char *const train_words[] = { "train", "training", NULL };
static const char *const error_words[] = { "rmse", "mse", "mae", "error", "merror", "logloss",
					   "mlogloss", NULL };

/* Phase, base name and kind of a key: see rules.h. */
static void classify(struct key *k)
{
	const char *s = k->name;
	size_t n = strlen(s), i = 0;
	k->phase = PH_GLOBAL;
	k->base = NULL;
	while (i < n) {
		while (i < n && !is_alnum(s[i]))
			i++;
		size_t w = i;
		while (i < n && is_alnum(s[i]))
			i++;
		size_t len = i - w;
		if (!len)
			break;
		if (word_has(s + w, len, "loss") || word_is(s + w, len, error_words))
			k->is_loss = 1;
		if (k->phase != PH_GLOBAL)
			continue;
		enum phase ph = word_is(s + w, len, val_words) ? PH_VAL
				: word_is(s + w, len, train_words) ? PH_TRAIN : PH_GLOBAL;
		if (ph == PH_GLOBAL)
			continue;
		k->phase = ph;
		/* drop the word and one separator next to it */
		size_t a = w, b = i;
		if (b < n)
			b++;
		else if (a > 0)
			a--;
		k->base = sg_xasprintf("%.*s%s", (int)a, s, s + b);
	}
	if (!k->base)
		k->base = sg_xstrdup(s);
	k->is_grad = strcasestr(s, "grad") != NULL;
}

static int key_re_match(const struct rule *u, const char *key)
{
	return u->has_re && regexec(&u->re, key, 0, NULL, 0) == 0;
}

static int coll_match(const struct rule *u, const struct key *k)
{
	unsigned c = u->p.collections;
	return (c & SG_RULE_COLL_ALL) || ((c & SG_RULE_COLL_LOSSES) && k->is_loss) ||
	       ((c & SG_RULE_COLL_GRADIENTS) && k->is_grad);
}

/* 1 when rule u looks at key k. */
static int watches(const struct rule *u, const struct key *k)
{
	const struct sg_rule_params *p = &u->p;
	switch (p->kind) {
	case SG_RULE_LOSS_NOT_DECREASING:
		if ((p->mode == SG_RULE_MODE_EVAL && k->phase != PH_VAL) ||
		    (p->mode == SG_RULE_MODE_TRAIN && k->phase == PH_VAL))
			return 0;
		return (p->use_losses_collection && k->is_loss) || coll_match(u, k) ||
		       key_re_match(u, k->name);
	case SG_RULE_OVERFIT:
		return p->tensor_regex ? key_re_match(u, k->name) : k->is_loss;
	case SG_RULE_OVERTRAINING:
		return k->is_loss;
	case SG_RULE_EXPLODING_TENSOR:
		if (!p->tensor_regex && !p->collections)
			return 1;
		return coll_match(u, k) || key_re_match(u, k->name);
	case SG_RULE_VANISHING_GRADIENT:
		return p->tensor_regex ? key_re_match(u, k->name) : k->is_grad;
	default:
		return 0;
	}
}

/* Overfit: the pair of k's base name (created on first use). */
static size_t pair_of(struct rule *u, const struct key *k)
{
	for (size_t i = 0; i < u->npairs; i++)
		if (strcmp(u->pairs[i].base, k->base) == 0)
			return i;
	u->pairs = sg_xrealloc(u->pairs, sizeof *u->pairs * (u->npairs + 1));
	struct pair *p = &u->pairs[u->npairs];
	memset(p, 0, sizeof *p);
	p->base = sg_xstrdup(k->base);
	return u->npairs++;
}

/* The key's entry, created (with its per-rule state) on first sight; NULL
 * beyond MAX_KEYS, when *tmp is filled for a stateless check instead. */
static struct key *key_get(struct sg_rules *r, const char *name, struct key *tmp)
{
	size_t idx = r->nkeys;
	size_t len = strlen(name);
	if (strmap_get(&r->keymap, name, len, &idx, r->nkeys < MAX_KEYS) == 1)
		return &r->keys[idx];
	struct key *k = tmp;
	if (r->nkeys < MAX_KEYS) {
		if (r->nkeys == r->capkeys) {
			r->capkeys = r->capkeys ? r->capkeys * 2 : 32;
			r->keys = sg_xrealloc(r->keys, sizeof *r->keys * r->capkeys);
		}
		k = &r->keys[r->nkeys++];
	}
	memset(k, 0, sizeof *k);
	k->name = sg_xstrdup(name);
	classify(k);
	k->st = sg_xcalloc(r->n ? r->n : 1, sizeof *k->st);
	for (size_t i = 0; i < r->n; i++) {
		struct rule *u = &r->rules[i];
		if (!watches(u, k))
			continue;
		k->st[i] = sg_xcalloc(1, sizeof *k->st[i]);
		if (u->p.kind == SG_RULE_OVERFIT)
			k->st[i]->pair = pair_of(u, k);
	}
	return k == tmp ? NULL : k;
}

static void key_tmp_free(struct sg_rules *r, struct key *k)
{
	for (size_t i = 0; i < r->n; i++)
		kst_free(k->st[i]);
	free(k->st);
	free(k->name);
	free(k->base);
}

/* ---- the rules on points --------------------------------------------------------- */

static void window_push(struct kst *s, long long step, double v)
{
	if (s->wn == s->wcap) {
		size_t cap = s->wcap ? s->wcap * 2 : 16;
		long long *st = sg_xmalloc(sizeof *st * cap);
		double *va = sg_xmalloc(sizeof *va * cap);
		for (size_t i = 0; i < s->wn; i++) {
			st[i] = s->wstep[(s->whead + i) % s->wcap];
			va[i] = s->wval[(s->whead + i) % s->wcap];
		}
		free(s->wstep);
		free(s->wval);
		s->wstep = st;
		s->wval = va;
		s->wcap = cap;
		s->whead = 0;
	}
	size_t at = (s->whead + s->wn) % s->wcap;
	s->wstep[at] = step;
	s->wval[at] = v;
	s->wn++;
}

/* Drops points older than the newest one at or before limit. */
static void window_trim(struct kst *s, long long limit)
{
	while (s->wn >= 2 && s->wstep[(s->whead + 1) % s->wcap] <= limit) {
		s->whead = (s->whead + 1) % s->wcap;
		s->wn--;
	}
}

/* LossNotDecreasing: every num_steps, the loss against the newest loss at
 * least num_steps older. */
static void lnd_point(struct sg_rules *r, struct rule *u, const struct key *k, struct kst *s,
		      long long step, double v)
{
	long long n = u->p.num_steps;
	window_push(s, step, v);
	if (!s->has_eval) {
		s->has_eval = 1;
		s->next_eval = step + n;
	}
	window_trim(s, step - n);
	if (step < s->next_eval)
		return;
	s->next_eval = step + n;
	long long ps = s->wstep[s->whead];
	double pv = s->wval[s->whead];
	if (ps > step - n)
		return;
	double dec = pv - v, need = fabs(pv) * u->p.diff_percent / 100.0;
	int bad = u->p.diff_percent == 0 ? !(dec > 0) : dec < need;
	if (!bad)
		return;
	double pct = pv != 0 ? dec / fabs(pv) * 100.0 : 0;
	fire(r, u, step, "%s did not decrease%s over %lld steps: %.6g at step %lld, %.6g at "
	     "step %lld (%+.3g%%)", k->name, u->p.diff_percent > 0 ? " enough" : "", n, pv, ps, v,
	     step, -pct);
}

/* Overfit: validation loss against the mean training loss since the last
 * validation point. */
static void overfit_point(struct sg_rules *r, struct rule *u, const struct key *k,
			  struct kst *s, long long step, double v)
{
	struct pair *p = &u->pairs[s->pair];
	if (step < u->p.start_step)
		return;
	if (k->phase != PH_VAL) {
		p->tsum += v;
		p->tn++;
		return;
	}
	if (p->has_val && step <= p->last_val_step)
		return;
	p->has_val = 1;
	p->last_val_step = step;
	if (p->tn) {
		p->tmean = p->tsum / (double)p->tn;
		p->has_tmean = 1;
		p->tsum = 0;
		p->tn = 0;
	}
	if (!p->has_tmean)
		return;
	u->seen = 1;
	double ratio = p->tmean != 0 ? (v - p->tmean) / fabs(p->tmean) : v > 0 ? INFINITY : 0;
	p->exceed = ratio > u->p.ratio_threshold ? p->exceed + 1 : 0;
	if (p->exceed >= u->p.patience)
		fire(r, u, step, "%s %.6g is %.3g above the training mean %.6g (ratio_threshold "
		     "%g) for %lld evaluation%s", k->name, v, ratio, p->tmean,
		     u->p.ratio_threshold, p->exceed, p->exceed == 1 ? "" : "s");
}

/* Overtraining: no improvement by delta within the phase's patience. */
static void overtraining_point(struct sg_rules *r, struct rule *u, const struct key *k,
			       struct kst *s, long long step, double v)
{
	u->seen = 1;
	if (!s->has_best || v < s->best - u->p.delta) {
		s->best = v;
		s->since_best = 0;
		s->has_best = 1;
		return;
	}
	s->since_best++;
	int val = k->phase == PH_VAL;
	long long patience = val ? u->p.patience_validation : u->p.patience_train;
	if (s->since_best >= patience)
		fire(r, u, step, "%s loss %s has not improved by %g for %lld points (best %.6g)",
		     val ? "validation" : "training", k->name, u->p.delta, s->since_best, s->best);
}

/* Rules with a per-key state: ordered, finite points only. */
static void stateful_point(struct sg_rules *r, struct rule *u, const struct key *k,
			   struct kst *s, long long step, double v)
{
	if (!isfinite(v) || (s->has_last && step <= s->last_step))
		return;
	s->last_step = step;
	s->has_last = 1;
	switch (u->p.kind) {
	case SG_RULE_LOSS_NOT_DECREASING:
		u->seen = 1;
		lnd_point(r, u, k, s, step, v);
		break;
	case SG_RULE_OVERFIT:
		overfit_point(r, u, k, s, step, v);
		break;
	case SG_RULE_OVERTRAINING:
		overtraining_point(r, u, k, s, step, v);
		break;
	default:
		break;
	}
}

static void stateless_point(struct sg_rules *r, struct rule *u, const struct key *k,
			    long long step, double v)
{
	u->seen = 1;
	if (u->p.kind == SG_RULE_EXPLODING_TENSOR) {
		if (isnan(v) || (!u->p.only_nan && isinf(v)))
			fire(r, u, step, "%s is %s at step %lld", k->name,
			     isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf", step);
	} else if (u->p.kind == SG_RULE_VANISHING_GRADIENT) {
		if (isfinite(v) && fabs(v) < u->p.vanishing_threshold)
			fire(r, u, step, "%s is %.3g at step %lld, below threshold %g", k->name, v,
			     step, u->p.vanishing_threshold);
	}
}

/* Points, lines and the end before sg_rules_start start it now. */
static void ensure_started(struct sg_rules *r)
{
	if (!r->started)
		sg_rules_start(r, r->clock());
}

void sg_rules_point(struct sg_rules *r, const char *key, long long step, double value)
{
	ensure_started(r);
	if (r->ended)
		return;
	r->activity = 1;
	struct key tmp;
	struct key *k = key_get(r, key, &tmp);
	struct key *use = k ? k : &tmp;
	for (size_t i = 0; i < r->n; i++) {
		struct rule *u = &r->rules[i];
		if (u->status != SG_RULE_IN_PROGRESS || !use->st[i])
			continue;
		if (u->p.kind == SG_RULE_EXPLODING_TENSOR || u->p.kind == SG_RULE_VANISHING_GRADIENT)
			stateless_point(r, u, use, step, value);
		else if (k)
			stateful_point(r, u, use, use->st[i], step, value);
	}
	if (!k)
		key_tmp_free(r, &tmp);
}

void sg_rules_line(struct sg_rules *r)
{
	r->activity = 1;
}

void sg_rules_tick(struct sg_rules *r, double now)
{
	if (!r->started)
		sg_rules_start(r, now);
	if (r->ended)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct rule *u = &r->rules[i];
		if (u->p.kind != SG_RULE_STALLED_TRAINING || u->status != SG_RULE_IN_PROGRESS)
			continue;
		if (r->activity || now < u->last_activity)
			u->last_activity = now;
		else if (now - u->last_activity >= (double)u->p.stalled_threshold)
			fire(r, u, -1, "no new metric or output line for %.0f s (threshold %lld s)",
			     now - u->last_activity, u->p.stalled_threshold);
	}
	r->activity = 0;
}

/* ---- ClassImbalance ------------------------------------------------------------ */

struct labels {
	struct strmap map;
	long long *count;
	size_t n;
	long long total;
	int col;
	int too_many;
};

static int label_row(const struct sg_csv_cursor *cur, void *ud)
{
	struct labels *L = ud;
	if (cur->nfields <= L->col)
		return 0;
	const char *p = cur->field[L->col].p;
	size_t n = cur->field[L->col].len;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!n)
		return 0;
	size_t idx = L->n;
	int rc = strmap_get(&L->map, p, n, &idx, L->n < MAX_LABELS);
	if (rc < 0)
		return L->too_many = 1;
	if (rc == 0) {
		L->count = sg_xrealloc(L->count, sizeof *L->count * (L->n + 1));
		L->count[L->n++] = 0;
	}
	L->count[idx]++;
	L->total++;
	return 0;
}

/* The label column of c: a 1-based number, a header name, or the first. */
static int label_col(struct sg_csv *c, const char *spec, const char *path, struct sg_error *err)
{
	if (!spec)
		return 0;
	char *end;
	long v = strtol(spec, &end, 10);
	if (*spec && !*end) {
		if (v < 1 || v > sg_csv_ncols(c))
			return sg_error_set(err, SG_E_USAGE, "label_column %ld is out of range: %s "
					    "has %d columns", v, path, sg_csv_ncols(c));
		return (int)v - 1;
	}
	int col = sg_csv_colindex(c, spec);
	if (col < 0)
		return sg_error_set(err, SG_E_USAGE, "no column '%s' in %s", spec, path);
	return col;
}

/* Counts the labels of one CSV file into L. */
static int count_file(const char *path, const struct sg_rule_params *p, struct labels *L,
		      struct sg_error *err)
{
	struct sg_csv_options o = { 0 };
	o.header = p->header == 1 ? SG_CSV_HEADER_YES : p->header == 0 ? SG_CSV_HEADER_NO
									 : SG_CSV_HEADER_AUTO;
	if (p->header < 0 && p->label_column && strspn(p->label_column, "0123456789") !=
	    strlen(p->label_column))
		o.header = SG_CSV_HEADER_YES;
	struct sg_csv *c = sg_csv_open(path, &o, err);
	if (!c)
		return -1;
	int rc = -1;
	if (sg_csv_wait(c, err) == 0 && (L->col = label_col(c, p->label_column, path, err)) >= 0) {
		struct sg_csv_cursor cur;
		sg_csv_cursor_init(&cur);
		rc = sg_csv_scan(c, &cur, 0, sg_csv_nrows(c), L->col + 1, label_row, L, NULL, err);
		sg_csv_cursor_done(&cur);
		if (rc > 0)
			rc = 0;
	}
	sg_csv_free(c);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The channel's CSV files: the file, or a folder's *.csv in name order. */
static char **channel_files(const char *path, struct sg_error *err)
{
	char **v = NULL;
	size_t n = 0;
	if (!sg_is_dir(path)) {
		v = sg_xcalloc(2, sizeof *v);
		v[0] = sg_xstrdup(path);
		return v;
	}
	DIR *d = opendir(path);
	if (!d) {
		sg_error_errno(err, "%s", path);
		return NULL;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 5 || strcasecmp(e->d_name + len - 4, ".csv") != 0)
			continue;
		char *f = sg_path_join(path, e->d_name);
		if (!sg_is_file(f)) {
			free(f);
			continue;
		}
		v = sg_xrealloc(v, sizeof *v * (n + 2));
		v[n++] = f;
		v[n] = NULL;
	}
	closedir(d);
	if (!n) {
		sg_error_set(err, SG_E_NOTFOUND, "no .csv file in %s", path);
		return NULL;
	}
	qsort(v, n, sizeof *v, cmp_str);
	return v;
}

static const struct channel *find_channel(const struct sg_rules *r, const char *want)
{
	for (size_t i = 0; i < r->nchannels; i++)
		if (strcmp(r->channels[i].name, want ? want : "train") == 0)
			return &r->channels[i];
	return !want && r->nchannels == 1 ? &r->channels[0] : NULL;
}

/* Judges the counts: max/min against threshold_imbalance. */
static void imbalance_verdict(struct sg_rules *r, struct rule *u, const struct labels *L,
			      const char *chan)
{
	if (L->too_many) {
		settle(u, SG_RULE_ERROR, "more than %d distinct values in the label column of "
		       "channel '%s': not a class label", MAX_LABELS, chan);
		return;
	}
	if (L->total < u->p.samples || L->n < 2) {
		settle(u, SG_RULE_NO_ISSUES, "%lld labels in %zu class%s in channel '%s' (samples "
		       "%lld): not evaluated", L->total, L->n, L->n == 1 ? "" : "es", chan,
		       u->p.samples);
		return;
	}
	size_t lo = 0, hi = 0;
	for (size_t i = 0; i < L->map.cap; i++) {
		if (!L->map.str[i])
			continue;
		size_t j = L->map.val[i];
		if (L->count[j] < L->count[lo] || (L->count[j] == L->count[lo] && j < lo))
			lo = j;
		if (L->count[j] > L->count[hi])
			hi = j;
	}
	const char *lo_name = "", *hi_name = "";
	for (size_t i = 0; i < L->map.cap; i++) {
		if (L->map.str[i] && L->map.val[i] == lo)
			lo_name = L->map.str[i];
		if (L->map.str[i] && L->map.val[i] == hi)
			hi_name = L->map.str[i];
	}
	double ratio = (double)L->count[hi] / (double)L->count[lo];
	if (ratio > u->p.threshold_imbalance) {
		fire(r, u, -1, "class imbalance %.3g > %g in channel '%s': '%.40s' has %lld rows, "
		     "'%.40s' %lld", ratio, u->p.threshold_imbalance, chan, hi_name, L->count[hi],
		     lo_name, L->count[lo]);
		return;
	}
	settle(u, SG_RULE_NO_ISSUES, "%zu classes, largest/smallest %.3g (threshold %g)", L->n,
	       ratio, u->p.threshold_imbalance);
}

static void class_imbalance(struct sg_rules *r, struct rule *u)
{
	const struct channel *ch = find_channel(r, u->p.channel);
	if (!ch) {
		settle(u, SG_RULE_ERROR, "no channel '%s' to read labels from",
		       u->p.channel ? u->p.channel : "train");
		emit(r, u, SG_RULE_ERROR);
		return;
	}
	struct sg_error e = { 0 };
	struct labels L = { 0 };
	char **files = channel_files(ch->path, &e);
	int rc = files ? 0 : -1;
	for (size_t i = 0; files && files[i] && rc == 0 && !L.too_many; i++)
		rc = count_file(files[i], &u->p, &L, &e);
	for (size_t i = 0; files && files[i]; i++)
		free(files[i]);
	free(files);
	if (rc != 0) {
		settle(u, SG_RULE_ERROR, "%s", e.msg);
		emit(r, u, SG_RULE_ERROR);
	} else {
		imbalance_verdict(r, u, &L, ch->name);
	}
	strmap_done(&L.map);
	free(L.count);
}

/* ---- start and end ---------------------------------------------------------------- */

void sg_rules_start(struct sg_rules *r, double now)
{
	if (r->started)
		return;
	r->started = 1;
	for (size_t i = 0; i < r->n; i++) {
		struct rule *u = &r->rules[i];
		u->status = SG_RULE_IN_PROGRESS;
		u->dirty = 1;
		u->last_activity = now;
		if (u->p.kind == SG_RULE_STALLED_TRAINING)
			u->seen = 1;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->rules[i].p.kind == SG_RULE_CLASS_IMBALANCE)
			class_imbalance(r, &r->rules[i]);
}

/* What a rule that never saw its input was looking for. */
static const char *wanted(const struct rule *u)
{
	switch (u->p.kind) {
	case SG_RULE_LOSS_NOT_DECREASING:
		return "no loss metric was logged";
	case SG_RULE_OVERFIT:
		return "no training and validation loss pair was logged";
	case SG_RULE_OVERTRAINING:
		return "no loss metric was logged";
	case SG_RULE_VANISHING_GRADIENT:
		return "no gradient-norm metric was logged";
	default:
		return "no metric was logged";
	}
}

void sg_rules_end(struct sg_rules *r)
{
	ensure_started(r);
	if (r->ended)
		return;
	r->ended = 1;
	for (size_t i = 0; i < r->n; i++) {
		struct rule *u = &r->rules[i];
		if (u->status != SG_RULE_IN_PROGRESS)
			continue;
		if (u->seen)
			settle(u, SG_RULE_NO_ISSUES, "%s", "");
		else
			settle(u, SG_RULE_NOT_APPLICABLE, "%s", wanted(u));
	}
}

/* ---- the store ---------------------------------------------------------------------- */

static int store_rule(struct sg_store *s, const char *id, int idx, const struct rule *u,
		      double now, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s,
		"INSERT INTO run_rules(run_id, idx, name, spec, status, message, fired_at, "
		"fired_step, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		"ON CONFLICT(run_id, idx) DO UPDATE SET name = excluded.name, spec = excluded.spec, "
		"status = excluded.status, message = excluded.message, fired_at = excluded.fired_at, "
		"fired_step = excluded.fired_step, updated_at = excluded.updated_at", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, idx);
	sqlite3_bind_text(st, 3, sg_rule_kind_name(u->p.kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->spec, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, sg_rule_status_name(u->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, u->message, -1, SQLITE_TRANSIENT);
	if (u->fired_at > 0)
		sqlite3_bind_double(st, 7, u->fired_at);
	if (u->fired_step >= 0)
		sqlite3_bind_int64(st, 8, u->fired_step);
	sqlite3_bind_double(st, 9, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot record the rule status");
}

static int store_note(struct sg_store *s, const char *id, const char *rule, const char *msg,
		      double now, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s,
		"INSERT INTO notifications(run_id, rule, message, created_at) "
		"VALUES (?1, ?2, ?3, ?4)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, rule, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, msg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 4, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot record the notification");
}

/* Every dirty row and pending note, inside whatever transaction is open. */
static int store_all(struct sg_store *s, const char *id, struct sg_rules *r, double now,
		     struct sg_error *err)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->rules[i].dirty && store_rule(s, id, (int)i, &r->rules[i], now, err) != 0)
			return -1;
	for (size_t i = 0; i < r->nnotes; i++)
		if (store_note(s, id, r->notes[i].rule, r->notes[i].message, now, err) != 0)
			return -1;
	return 0;
}

int sg_rules_store_status(struct sg_store *s, const char *run, struct sg_rules *r,
			  struct sg_error *err)
{
	if (!sg_rules_dirty(r))
		return 0;
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	int own = sqlite3_get_autocommit(sg_store_db(s));
	if (own && sg_store_begin(s, err) != 0)
		return -1;
	if (store_all(s, id, r, r->clock(), err) != 0) {
		if (own)
			sg_store_rollback(s);
		return -1;
	}
	if (own && sg_store_commit(s, err) != 0)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		r->rules[i].dirty = 0;
	notes_clear(r);
	return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? t : "";
}

int sg_run_rules(struct sg_store *s, const char *run, sg_run_rule_fn fn, void *ud,
		 struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	sqlite3_stmt *st = sg_store_prepare(s,
		"SELECT idx, name, spec, status, message, fired_at, fired_step, updated_at "
		"FROM run_rules WHERE run_id = ?1 ORDER BY idx", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int status = sg_rule_status_parse(col_text(st, 3));
		struct sg_run_rule rr = {
			.index = sqlite3_column_int(st, 0), .name = col_text(st, 1),
			.spec = col_text(st, 2), .message = col_text(st, 4),
			.status = status < 0 ? SG_RULE_ERROR : (enum sg_rule_status)status,
			.fired_at = sqlite3_column_double(st, 5),
			.fired_step = sqlite3_column_type(st, 6) == SQLITE_NULL
					      ? -1 : sqlite3_column_int64(st, 6),
			.updated_at = sqlite3_column_double(st, 7),
		};
		if (fn(&rr, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot read the rules");
}

int sg_notification_add(struct sg_store *s, const char *run, const char *rule,
			const char *message, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	return store_note(s, id, rule, message, sg_now(), err);
}

int sg_notifications_since(struct sg_store *s, long long after_id, sg_notification_fn fn,
			   void *ud, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s,
		"SELECT id, run_id, rule, message, created_at FROM notifications "
		"WHERE id > ?1 ORDER BY id LIMIT 1000", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, after_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sg_notification n = {
			.id = sqlite3_column_int64(st, 0), .run_id = col_text(st, 1),
			.rule = col_text(st, 2), .message = col_text(st, 3),
			.created_at = sqlite3_column_double(st, 4),
		};
		if (fn(&n, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sg_store_error(s, err, "cannot read the notifications");
}

long long sg_notifications_last_id(struct sg_store *s, struct sg_error *err)
{
	sqlite3_stmt *st = sg_store_prepare(s, "SELECT coalesce(max(id), 0) FROM notifications",
					    err);
	if (!st)
		return -1;
	long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (id < 0)
		sg_store_error(s, err, "cannot read the notifications");
	return id;
}
