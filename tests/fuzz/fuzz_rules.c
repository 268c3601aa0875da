/* fuzz_rules.c — libFuzzer harness for rule specs and the rule engine.
 * Built by tests/fuzz/run.sh; the corpus (tests/corpus/rules) is replayed by
 * tests/test_rules.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/rules.h"
#include "tests/fuzz/fuzz_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

struct ctx {
	int events[SG_RULES_MAX];
};

static void on_event(const struct sg_rule_event *ev, void *ud)
{
	struct ctx *c = ud;
	check(ev->index >= 0 && ev->index < SG_RULES_MAX, "event index");
	check(ev->status == SG_RULE_ISSUES || ev->status == SG_RULE_ERROR, "event status");
	check(ev->name && ev->spec && ev->message && ev->message[0], "event texts");
	check(ev->status == SG_RULE_ISSUES || (ev->actions == 0 && !ev->argv),
	      "no actions on Error");
	int words = 0;
	for (char *const *a = ev->argv; a && *a; a++)
		words++;
	check(words <= SG_RULE_ARGS_MAX, "argv bounded");
	c->events[ev->index]++;
	check(c->events[ev->index] == 1, "a rule fires once");
}

static double fake_now;

static double fake_clock(void)
{
	return fake_now;
}

static void feed(struct sg_rules *r)
{
	static const char *const keys[] = { "train:loss", "validation:loss", "loss", "val_loss",
					    "grad_norm", "accuracy", "train-rmse", "eval/error" };
	sg_rules_start(r, 1000);
	for (long long step = 0; step < 40; step++) {
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			double v = 1.0 / (double)(step + 1) + (double)k * 0.01;
			if (k == 1 && step > 20)
				v = 2.0 + (double)step;
			if (k == 4)
				v = step > 30 ? 1e-9 : 0.5;
			if (k == 5 && step == 33)
				v = NAN;
			if (k == 6 && step == 35)
				v = INFINITY;
			sg_rules_point(r, keys[k], step, v);
		}
		sg_rules_line(r);
		fake_now = 1000 + (double)step;
		sg_rules_tick(r, fake_now);
	}
	sg_rules_point(r, "train:loss", 5, 0.1);  /* out of order: ignored */
	sg_rules_tick(r, 1e9);
	sg_rules_tick(r, 2e9);
	sg_rules_end(r);
}

int sg_fuzz_rules(const uint8_t *d, size_t n)
{
	struct sg_rules *r = sg_rules_new("0123456789abcdef");
	struct ctx c = { { 0 } };
	struct sg_error err = { 0 };
	sg_rules_set_callback(r, on_event, &c);
	fake_now = 1000;
	sg_rules_set_clock(r, fake_clock);
	if (sg_rules_add(r, (const char *)d, n, NULL, 1, &err) != 0) {
		int col = 0;
		check(err.code == SG_E_PARSE, "parse error code");
		check(sscanf(err.msg, "rule:1:%d:", &col) == 1, "error is rule:1:COL:");
		check(col >= 1 && (size_t)col <= n + 1, "error column inside the spec");
		check(sg_rules_count(r) == 0, "a bad spec adds nothing");
		sg_rules_free(r);
		return 0;
	}
	check(sg_rules_count(r) == 1, "one rule added");
	sg_rules_channel(r, "train", "/nonexistent/sagetty-fuzz.csv", NULL);
	feed(r);
	const struct sg_rule_state *st = sg_rules_get(r, 0);
	check(st && st->status != SG_RULE_IN_PROGRESS, "no rule left InProgress");
	check((st->status == SG_RULE_ISSUES) == (c.events[0] == 1) || st->status == SG_RULE_ERROR,
	      "IssuesFound exactly when it fired");
	check(st->status != SG_RULE_ISSUES || st->message[0], "a fired rule says why");
	sg_rules_free(r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return sg_fuzz_rules(d, n);
}
