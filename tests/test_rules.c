/* test_rules.c — debugger rules: SageMaker's defaults, spec parsing and its
 * errors, each rule firing on a stream built to trigger it (at the step it
 * should) and staying quiet on a healthy one, the stall clock, ClassImbalance
 * on generated CSVs, actions and the command argv, the end-of-job statuses,
 * the store round trip, and the fuzz corpus. */
#include "tests/testutil.h"
#include <math.h>
#include "core/rules.h"
#include "core/run.h"
#include "core/util.h"
#include "tests/fuzz/fuzz_rules.h"

/* ---- helpers ------------------------------------------------------------------- */

struct seen {
	int n;
	int index[16];
	long long step[16];
	unsigned actions[16];
	enum sg_rule_status status[16];
	char message[16][512];
	char argv[16][4][256];
	int argc[16];
};

static void on_event(const struct sg_rule_event *ev, void *ud)
{
	struct seen *s = ud;
	assert_true(s->n < 16);
	int i = s->n++;
	s->index[i] = ev->index;
	s->step[i] = ev->step;
	s->actions[i] = ev->actions;
	s->status[i] = ev->status;
	snprintf(s->message[i], sizeof s->message[i], "%s", ev->message);
	for (int k = 0; ev->argv && ev->argv[k] && k < 4; k++) {
		snprintf(s->argv[i][k], sizeof s->argv[i][k], "%s", ev->argv[k]);
		s->argc[i] = k + 1;
	}
}

static double fake_now = 1000;

static double fake_clock(void)
{
	return fake_now;
}

/* An engine with one rule, its events recorded in s. */
static struct sg_rules *one(const char *spec, struct seen *s)
{
	struct sg_rules *r = sg_rules_new("00112233445566ff");
	struct sg_error err = { 0 };
	memset(s, 0, sizeof *s);
	sg_rules_set_callback(r, on_event, s);
	sg_rules_set_clock(r, fake_clock);
	if (sg_rules_add(r, spec, strlen(spec), NULL, 1, &err) != 0)
		fail_msg("%s: %s", spec, err.msg);
	return r;
}

static enum sg_rule_status status_of(struct sg_rules *r, size_t i)
{
	return sg_rules_get(r, i)->status;
}

/* Parses spec expecting an error; returns the message. */
static const char *parse_error(const char *spec)
{
	static struct sg_error err;
	memset(&err, 0, sizeof err);
	assert_int_equal(sg_rules_validate(spec, NULL, 1, &err), -1);
	assert_int_equal(err.code, SG_E_PARSE);
	return err.msg;
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", s, prefix);
}

/* ---- defaults and parsing ------------------------------------------------------- */

/* The values SageMaker documents for each built-in rule. */
static void test_defaults_are_sagemakers(void **state)
{
	struct sg_rule_params p;
	sg_rule_defaults(SG_RULE_LOSS_NOT_DECREASING, &p);
	assert_int_equal(p.use_losses_collection, 1);
	assert_int_equal(p.num_steps, 10);
	assert_true(p.diff_percent == 0.0);
	assert_int_equal(p.mode, SG_RULE_MODE_ANY);
	assert_null(p.tensor_regex);
	sg_rule_defaults(SG_RULE_OVERFIT, &p);
	assert_int_equal(p.start_step, 0);
	assert_int_equal(p.patience, 1);
	assert_true(p.ratio_threshold == 0.1);
	sg_rule_defaults(SG_RULE_OVERTRAINING, &p);
	assert_int_equal(p.patience_train, 5);
	assert_int_equal(p.patience_validation, 10);
	assert_true(p.delta == 0.1);
	sg_rule_defaults(SG_RULE_EXPLODING_TENSOR, &p);
	assert_int_equal(p.only_nan, 0);
	sg_rule_defaults(SG_RULE_VANISHING_GRADIENT, &p);
	assert_true(p.vanishing_threshold == 0.0000001);
	sg_rule_defaults(SG_RULE_STALLED_TRAINING, &p);
	assert_int_equal(p.stalled_threshold, 1800);
	assert_int_equal(p.stop_training_on_fire, 0);
	sg_rule_defaults(SG_RULE_CLASS_IMBALANCE, &p);
	assert_true(p.threshold_imbalance == 10);
	assert_true(p.threshold_misprediction == 0.7);
	assert_int_equal(p.samples, 500);
	assert_int_equal(p.argmax, 0);
	assert_int_equal(p.actions, 0);
	assert_null(p.command);
}

static void test_parse_values(void **state)
{
	struct sg_rule_params p;
	struct sg_error err = { 0 };
	const char *s = " LossNotDecreasing : num_steps = 20 , diff_percent=0.5,mode=train,"
			"tensor_regex=\"^(a|b),c$\",collection_names=\"losses gradients\"";
	assert_int_equal(sg_rule_parse(s, strlen(s), NULL, 1, &p, &err), 0);
	assert_int_equal(p.kind, SG_RULE_LOSS_NOT_DECREASING);
	assert_int_equal(p.num_steps, 20);
	assert_true(p.diff_percent == 0.5);
	assert_int_equal(p.mode, SG_RULE_MODE_TRAIN);
	assert_string_equal(p.tensor_regex, "^(a|b),c$");
	assert_int_equal(p.collections, SG_RULE_COLL_LOSSES | SG_RULE_COLL_GRADIENTS);
	sg_rule_params_done(&p);

	s = "stalled_training_rule:threshold=60,stop_training_on_fire=True,"
	    "training_job_name_prefix=x";
	assert_int_equal(sg_rule_parse(s, strlen(s), NULL, 1, &p, &err), 0);
	assert_int_equal(p.kind, SG_RULE_STALLED_TRAINING);
	assert_int_equal(p.stalled_threshold, 60);
	assert_int_equal(p.actions, SG_RULE_ACT_STOP);
	sg_rule_params_done(&p);

	s = "overfit:action=Notify,arg=a b,command=notify-send,arg=\"say \\\"hi\\\"\","
	    "action=stoptraining";
	assert_int_equal(sg_rule_parse(s, strlen(s), NULL, 1, &p, &err), 0);
	assert_int_equal(p.kind, SG_RULE_OVERFIT);
	assert_int_equal(p.actions, SG_RULE_ACT_STOP | SG_RULE_ACT_NOTIFY);
	assert_string_equal(p.command[0], "notify-send");
	assert_string_equal(p.command[1], "a b");
	assert_string_equal(p.command[2], "say \"hi\"");
	assert_null(p.command[3]);
	sg_rule_params_done(&p);

	s = "ExplodingTensor";
	assert_int_equal(sg_rule_parse(s, strlen(s), NULL, 1, &p, &err), 0);
	assert_int_equal(p.kind, SG_RULE_EXPLODING_TENSOR);
	sg_rule_params_done(&p);
	s = "ClassImbalance:label_column=species,header=auto,threshold_imbalance=3,"
	    "action=StopTraining+Notify";
	assert_int_equal(sg_rule_parse(s, strlen(s), NULL, 1, &p, &err), 0);
	assert_string_equal(p.label_column, "species");
	assert_int_equal(p.header, -1);
	assert_true(p.threshold_imbalance == 3);
	assert_int_equal(p.actions, SG_RULE_ACT_STOP | SG_RULE_ACT_NOTIFY);
	sg_rule_params_done(&p);
}

/* Each error points at the column of what is wrong. */
static void test_parse_errors(void **state)
{
	assert_prefix(parse_error("LossNotDecreasing:num_step=10"),
		      "rule:1:19: unknown parameter 'num_step' for LossNotDecreasing "
		      "(tensor_regex, collection_names, use_losses_collection, num_steps, "
		      "diff_percent, mode, action, command, arg)");
	assert_prefix(parse_error("LossNotDecrease"),
		      "rule:1:1: unknown rule 'LossNotDecrease' (LossNotDecreasing, Overfit,");
	assert_prefix(parse_error("Overfit:patience=x"),
		      "rule:1:18: patience must be an integer, not 'x'");
	assert_prefix(parse_error("Overfit:patience=0"), "rule:1:18: patience must be at least 1");
	assert_prefix(parse_error("LossNotDecreasing:diff_percent=100"),
		      "rule:1:32: diff_percent must be between 0 and 100 (exclusive)");
	assert_prefix(parse_error("LossNotDecreasing:diff_percent=nan"),
		      "rule:1:32: diff_percent must be a number");
	assert_prefix(parse_error("Overfit:patience=2,patience=3"),
		      "rule:1:20: parameter 'patience' given twice");
	assert_prefix(parse_error("Overfit:patience"), "rule:1:17: expected '=' after 'patience'");
	assert_prefix(parse_error("Overfit:patience=2,"), "rule:1:20: expected a parameter name");
	assert_prefix(parse_error("Overfit:patience="), "rule:1:18: empty value for 'patience'");
	assert_prefix(parse_error("Overfit:tensor_regex=\"abc"), "rule:1:22: unterminated quote");
	assert_prefix(parse_error("Overfit:tensor_regex=\"a\"x"),
		      "rule:1:25: expected ',' between parameters");
	assert_prefix(parse_error("Overfit:tensor_regex=(a"), "rule:1:22: bad tensor_regex '(a'");
	assert_prefix(parse_error("Overfit:tensor_regex=a++"),
		      "rule:1:22: tensor_regex is too large or repeats too deeply");
	assert_prefix(parse_error("Overfit:tensor_regex=\"(a{100}){100}\""),
		      "rule:1:23: tensor_regex is too large");
	assert_prefix(parse_error("Overfit:action=Email"),
		      "rule:1:16: unknown action 'Email' (StopTraining, Notify)");
	assert_prefix(parse_error("Overfit:action=Notify+Page"), "rule:1:23: unknown action 'Page'");
	assert_prefix(parse_error("Overfit:patience=1,arg=x"), "rule:1:20: 'arg' without 'command'");
	assert_prefix(parse_error("Overfit patience=1"), "rule:1:9: expected ':' after the rule name");
	assert_prefix(parse_error(""), "rule:1:1: expected a rule name");
	assert_prefix(parse_error(":x=1"), "rule:1:1: expected a rule name");
	assert_prefix(parse_error("ExplodingTensor:only_nan=maybe"),
		      "rule:1:26: only_nan must be True or False, not 'maybe'");
	assert_prefix(parse_error("LossNotDecreasing:mode=TEST"),
		      "rule:1:24: mode must be EVAL, TRAIN or GLOBAL");
	assert_prefix(parse_error("LossNotDecreasing:collection_names=\"losses,weights\""),
		      "rule:1:44: unknown collection 'weights'");
	assert_prefix(parse_error("Overfit:\x01"), "rule:1:9: control character 0x01");
	assert_prefix(parse_error("StalledTrainingRule:threshold=1.5"),
		      "rule:1:31: threshold must be an integer");
	/* NUL bytes, the source name and line */
	struct sg_error err = { 0 };
	struct sg_rules *r = sg_rules_new(NULL);
	assert_int_equal(sg_rules_add(r, "Overfit\0x", 9, "--rule", 3, &err), -1);
	assert_string_equal(err.msg, "--rule:3:8: NUL byte in the rule spec");
	assert_int_equal(sg_rules_count(r), 0);
	char big[SG_RULE_SPEC_MAX + 10];
	memset(big, 'a', sizeof big);
	assert_int_equal(sg_rules_add(r, big, sizeof big, NULL, 1, &err), -1);
	assert_prefix(err.msg, "rule:1:4097: rule spec longer than 4096 bytes");
	sg_rules_free(r);
}

/* ---- LossNotDecreasing ------------------------------------------------------------ */

static void test_loss_not_decreasing(void **state)
{
	struct seen s;
	struct sg_rules *r = one("LossNotDecreasing", &s);
	sg_rules_start(r, 0);
	for (long long step = 0; step < 50 && !s.n; step++) {
		double loss = step < 20 ? 1.0 / (double)(step + 1) : 1.0 / 20;
		sg_rules_point(r, "train:loss", step, loss);
		sg_rules_point(r, "accuracy", step, 0.5);   /* not a loss: unwatched */
	}
	assert_int_equal(s.n, 1);
	assert_int_equal(s.step[0], 30);   /* evaluated at 10, 20, 30: flat from 19 */
	assert_int_equal(s.status[0], SG_RULE_ISSUES);
	assert_non_null(strstr(s.message[0], "train:loss did not decrease over 10 steps"));
	assert_int_equal(status_of(r, 0), SG_RULE_ISSUES);
	sg_rules_end(r);
	assert_int_equal(status_of(r, 0), SG_RULE_ISSUES);
	sg_rules_free(r);

	/* healthy: always decreasing */
	r = one("LossNotDecreasing:num_steps=5", &s);
	for (long long step = 0; step < 200; step++)
		sg_rules_point(r, "loss", step, 10.0 / (double)(step + 1));
	sg_rules_end(r);
	assert_int_equal(s.n, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	sg_rules_free(r);

	/* diff_percent: 0.1% a step is not the 5% needed over 10 steps */
	r = one("LossNotDecreasing:num_steps=10,diff_percent=5", &s);
	double loss = 1.0;
	for (long long step = 0; step < 30 && !s.n; step++, loss *= 0.999)
		sg_rules_point(r, "loss", step, loss);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.step[0], 10);
	sg_rules_free(r);

	/* saved every 3 steps: checked at 12 against step 0, SageMaker's way */
	r = one("LossNotDecreasing", &s);
	for (long long step = 0; step < 30 && !s.n; step += 3)
		sg_rules_point(r, "loss", step, 1.0);
	assert_int_equal(s.step[0], 12);
	sg_rules_free(r);

	/* mode=EVAL watches validation keys only; tensor_regex adds keys */
	r = one("LossNotDecreasing:mode=EVAL,use_losses_collection=False,tensor_regex=^val", &s);
	for (long long step = 0; step < 40; step++) {
		sg_rules_point(r, "loss", step, 1.0);
		sg_rules_point(r, "val_acc", step, 100.0 - (double)step);
	}
	assert_int_equal(s.n, 0);
	for (long long step = 40; step < 60 && !s.n; step++)
		sg_rules_point(r, "val_acc", step, 5.0);
	assert_int_equal(s.step[0], 50);
	sg_rules_free(r);
}

/* ---- Overfit ---------------------------------------------------------------------- */

static void test_overfit(void **state)
{
	struct seen s;
	struct sg_rules *r = one("Overfit:patience=2", &s);
	for (long long step = 0; step <= 100 && !s.n; step++) {
		sg_rules_point(r, "train:loss", step, 1.0);
		if (step % 10 == 0 && step > 0)
			sg_rules_point(r, "validation:loss", step, step < 50 ? 1.05 : 1.5);
	}
	assert_int_equal(s.n, 1);
	assert_int_equal(s.step[0], 60);    /* over at 50 and 60: patience 2 */
	assert_non_null(strstr(s.message[0], "validation:loss 1.5"));
	sg_rules_free(r);

	/* Keras names pair up; a gap below ratio_threshold is healthy */
	r = one("Overfit", &s);
	for (long long step = 0; step < 100; step++) {
		sg_rules_point(r, "loss", step, 2.0 / (double)(step + 1));
		sg_rules_point(r, "val_loss", step, 2.1 / (double)(step + 1));
	}
	sg_rules_end(r);
	assert_int_equal(s.n, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	sg_rules_free(r);

	/* start_step skips the early gap */
	r = one("Overfit:start_step=30", &s);
	for (long long step = 0; step < 60 && !s.n; step++) {
		sg_rules_point(r, "train_loss", step, 1.0);
		sg_rules_point(r, "val_loss", step, step < 30 ? 3.0 : 1.0);
	}
	assert_int_equal(s.n, 0);
	sg_rules_free(r);
	r = one("Overfit", &s);     /* the same stream without start_step */
	for (long long step = 0; step < 60 && !s.n; step++) {
		sg_rules_point(r, "train_loss", step, 1.0);
		sg_rules_point(r, "val_loss", step, step < 30 ? 3.0 : 1.0);
	}
	assert_int_equal(s.step[0], 0);
	sg_rules_free(r);

	/* only a training loss: nothing to compare */
	r = one("Overfit", &s);
	sg_rules_point(r, "train:loss", 1, 1.0);
	sg_rules_end(r);
	assert_int_equal(status_of(r, 0), SG_RULE_NOT_APPLICABLE);
	assert_string_equal(sg_rules_get(r, 0)->message,
			    "no training and validation loss pair was logged");
	sg_rules_free(r);
}

/* ---- Overtraining ----------------------------------------------------------------- */

static void test_overtraining(void **state)
{
	struct seen s;
	struct sg_rules *r = one("Overtraining:delta=0.01", &s);
	for (long long step = 0; step < 40 && !s.n; step++) {
		sg_rules_point(r, "train:loss", step, 10.0 - 0.5 * (double)step);
		sg_rules_point(r, "validation:loss", step, step < 10 ? 10.0 - 0.5 * (double)step : 5.5);
	}
	assert_int_equal(s.n, 1);
	assert_int_equal(s.step[0], 19);    /* best at 9; 10 points without improvement */
	assert_non_null(strstr(s.message[0], "validation loss validation:loss"));
	sg_rules_free(r);

	r = one("Overtraining:patience_train=3,delta=0.01", &s);
	for (long long step = 0; step < 20 && !s.n; step++)
		sg_rules_point(r, "train-rmse", step, step < 5 ? 5.0 - (double)step : 1.0);
	assert_int_equal(s.step[0], 7);     /* best at 4: steps 5, 6, 7 */
	assert_non_null(strstr(s.message[0], "training loss train-rmse"));
	sg_rules_free(r);

	r = one("Overtraining", &s);
	for (long long step = 0; step < 100; step++) {
		sg_rules_point(r, "train:loss", step, 100.0 - (double)step);
		sg_rules_point(r, "validation:loss", step, 101.0 - (double)step);
	}
	sg_rules_end(r);
	assert_int_equal(s.n, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	sg_rules_free(r);
}

/* ---- ExplodingTensor and VanishingGradient ---------------------------------------- */

static void test_exploding_tensor(void **state)
{
	struct seen s;
	struct sg_rules *r = one("ExplodingTensor", &s);
	for (long long step = 0; step < 20 && !s.n; step++)
		sg_rules_point(r, step == 7 ? "accuracy" : "loss", step,
			       step == 7 ? INFINITY : 1.0);
	assert_int_equal(s.step[0], 7);
	assert_string_equal(s.message[0], "accuracy is Inf at step 7");
	sg_rules_free(r);

	r = one("ExplodingTensor:only_nan=True", &s);
	sg_rules_point(r, "loss", 1, INFINITY);
	sg_rules_point(r, "loss", 2, -INFINITY);
	assert_int_equal(s.n, 0);
	sg_rules_point(r, "loss", 3, NAN);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.step[0], 3);
	assert_string_equal(s.message[0], "loss is NaN at step 3");
	sg_rules_free(r);

	r = one("ExplodingTensor:tensor_regex=^grad", &s);
	sg_rules_point(r, "loss", 1, NAN);
	sg_rules_point(r, "grad_norm", 1, 1.0);
	sg_rules_end(r);
	assert_int_equal(s.n, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	sg_rules_free(r);
}

static void test_vanishing_gradient(void **state)
{
	struct seen s;
	struct sg_rules *r = one("VanishingGradient", &s);
	for (long long step = 0; step < 20 && !s.n; step++) {
		sg_rules_point(r, "loss", step, 1e-9);   /* not a gradient */
		sg_rules_point(r, "gradient_norm", step, step < 12 ? 1e-3 : 1e-8);
	}
	assert_int_equal(s.step[0], 12);
	sg_rules_free(r);

	r = one("VanishingGradient:threshold=0.01", &s);
	sg_rules_point(r, "grad_norm", 0, 0.02);
	sg_rules_point(r, "grad_norm", 1, -0.005);
	assert_int_equal(s.step[0], 1);
	sg_rules_free(r);

	r = one("VanishingGradient", &s);
	for (long long step = 0; step < 20; step++)
		sg_rules_point(r, "grad_norm", step, 0.5);
	sg_rules_end(r);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	sg_rules_free(r);

	/* no gradient-norm metric: NotApplicable */
	r = one("VanishingGradient", &s);
	sg_rules_point(r, "loss", 0, 1.0);
	sg_rules_end(r);
	assert_int_equal(status_of(r, 0), SG_RULE_NOT_APPLICABLE);
	assert_string_equal(sg_rules_get(r, 0)->message, "no gradient-norm metric was logged");
	sg_rules_free(r);
}

/* ---- StalledTrainingRule ------------------------------------------------------------ */

static void test_stalled_training(void **state)
{
	struct seen s;
	struct sg_rules *r = one("StalledTrainingRule:threshold=60,action=StopTraining", &s);
	sg_rules_start(r, 0);
	for (int t = 10; t <= 20; t += 10) {
		sg_rules_point(r, "loss", t, 1.0);
		sg_rules_tick(r, t);
	}
	for (int t = 30; t <= 200 && !s.n; t += 10)
		sg_rules_tick(r, t);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.step[0], -1);
	assert_int_equal(s.actions[0], SG_RULE_ACT_STOP);
	assert_string_equal(s.message[0], "no new metric or output line for 60 s (threshold 60 s)");
	assert_true(sg_rules_get(r, 0)->fired_at > 0);
	sg_rules_free(r);

	/* a log line counts as activity; a healthy job never fires */
	r = one("StalledTrainingRule:threshold=60", &s);
	sg_rules_start(r, 0);
	for (int t = 10; t <= 1000; t += 10) {
		if (t % 50 == 0)
			sg_rules_line(r);
		sg_rules_tick(r, t);
	}
	sg_rules_end(r);
	assert_int_equal(s.n, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	sg_rules_free(r);

	/* the default threshold is 1800 s */
	r = one("StalledTrainingRule", &s);
	sg_rules_start(r, 0);
	sg_rules_tick(r, 1799);
	assert_int_equal(s.n, 0);
	sg_rules_tick(r, 1800);
	assert_int_equal(s.n, 1);
	sg_rules_free(r);
}

/* ---- ClassImbalance --------------------------------------------------------------- */

/* Writes a CSV of n rows whose first column is label(i). */
static char *write_csv(const char *dir, const char *name, const char *header, int n,
		       const char *(*label)(int))
{
	char *path = sg_path_join(dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	if (header)
		fprintf(f, "%s\n", header);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s,%d.5,%d\n", label(i), i, i * 7 % 13);
	fclose(f);
	return path;
}

static const char *skewed(int i)
{
	return i % 20 == 0 ? "1" : "0";
}

static const char *balanced(int i)
{
	return i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "bird";
}

static void test_class_imbalance(void **state)
{
	char *dir = tu_tempdir();
	char *skew = write_csv(dir, "skew.csv", NULL, 1000, skewed);
	struct seen s;
	struct sg_rules *r = one("ClassImbalance", &s);
	assert_int_equal(sg_rules_channel(r, "train", skew, NULL), 0);
	sg_rules_start(r, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.step[0], -1);
	assert_string_equal(s.message[0], "class imbalance 19 > 10 in channel 'train': '0' has "
			    "950 rows, '1' 50");
	assert_int_equal(status_of(r, 0), SG_RULE_ISSUES);
	sg_rules_free(r);

	/* a higher threshold passes; too few samples are not evaluated */
	r = one("ClassImbalance:threshold_imbalance=20", &s);
	sg_rules_channel(r, "train", skew, NULL);
	sg_rules_start(r, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	sg_rules_free(r);
	r = one("ClassImbalance:samples=5000", &s);
	sg_rules_channel(r, "train", skew, NULL);
	sg_rules_start(r, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	assert_non_null(strstr(sg_rules_get(r, 0)->message, "not evaluated"));
	sg_rules_free(r);

	/* a named label column with a header, in a folder channel */
	char *sub = sg_path_join(dir, "data");
	assert_int_equal(sg_mkdir_p(sub, 0700, NULL), 0);
	free(write_csv(sub, "a.csv", "animal,x,y", 600, balanced));
	free(write_csv(sub, "b.csv", "animal,x,y", 600, balanced));
	free(tu_write(sub, "notes.txt", "not a csv\n"));
	r = one("ClassImbalance:channel=training,label_column=animal", &s);
	sg_rules_channel(r, "validation", skew, NULL);
	sg_rules_channel(r, "training", sub, NULL);
	sg_rules_start(r, 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	assert_string_equal(sg_rules_get(r, 0)->message, "3 classes, largest/smallest 1 "
			    "(threshold 10)");
	sg_rules_free(r);

	/* a 1-based column number */
	char *last = sg_path_join(dir, "last.csv");
	FILE *f = fopen(last, "w");
	for (int i = 0; i < 600; i++)
		fprintf(f, "%d.25,%s\n", i, i < 590 ? "yes" : "no");
	fclose(f);
	r = one("ClassImbalance:label_column=2", &s);
	sg_rules_channel(r, "only", last, NULL);    /* the only channel is used */
	sg_rules_start(r, 0);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.message[0], "'yes' has 590 rows, 'no' 10"));
	sg_rules_free(r);

	/* Error: no such channel, a missing file, a missing column */
	r = one("ClassImbalance", &s);
	sg_rules_start(r, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_ERROR);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.status[0], SG_RULE_ERROR);
	assert_int_equal(s.actions[0], 0);
	assert_string_equal(s.message[0], "no channel 'train' to read labels from");
	sg_rules_end(r);
	assert_int_equal(status_of(r, 0), SG_RULE_ERROR);
	sg_rules_free(r);
	r = one("ClassImbalance:label_column=nope", &s);
	sg_rules_channel(r, "train", sub, NULL);
	sg_rules_start(r, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_ERROR);
	assert_non_null(strstr(s.message[0], "no column 'nope'"));
	sg_rules_free(r);
	char *missing = sg_path_join(dir, "missing.csv");
	r = one("ClassImbalance", &s);
	sg_rules_channel(r, "train", missing, NULL);
	sg_rules_start(r, 0);
	assert_int_equal(status_of(r, 0), SG_RULE_ERROR);
	sg_rules_free(r);

	free(missing);
	free(last);
	free(sub);
	free(skew);
	tu_rmtree(dir);
	free(dir);
}

/* ---- actions, the end, the engine's contract ------------------------------------------ */

static void test_actions_and_command(void **state)
{
	struct seen s;
	struct sg_rules *r = one("ExplodingTensor:action=StopTraining+Notify,command=notify,"
				 "arg={rule} at {step},arg=\"{message} ({status}, run {run}){x}\"",
				 &s);
	sg_rules_point(r, "loss", 4, NAN);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.actions[0], SG_RULE_ACT_STOP | SG_RULE_ACT_NOTIFY);
	assert_int_equal(s.argc[0], 3);
	assert_string_equal(s.argv[0][0], "notify");
	assert_string_equal(s.argv[0][1], "ExplodingTensor at 4");
	assert_string_equal(s.argv[0][2], "loss is NaN at step 4 (IssuesFound, run "
			    "00112233445566ff){x}");
	assert_true(sg_rules_dirty(r));
	sg_rules_free(r);
}

static void test_end_of_job(void **state)
{
	struct seen s;
	struct sg_rules *r = sg_rules_new(NULL);
	memset(&s, 0, sizeof s);
	sg_rules_set_callback(r, on_event, &s);
	const char *specs[] = { "LossNotDecreasing", "VanishingGradient", "ExplodingTensor",
				"StalledTrainingRule", "Overtraining" };
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(sg_rules_add(r, specs[i], strlen(specs[i]), NULL, 1, NULL), 0);
	sg_rules_start(r, 0);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(status_of(r, i), SG_RULE_IN_PROGRESS);
	struct sg_error err = { 0 };
	assert_int_equal(sg_rules_add(r, "Overfit", 7, NULL, 1, &err), -1);
	assert_int_equal(err.code, SG_E_USAGE);
	sg_rules_point(r, "loss", 0, 1.0);
	sg_rules_point(r, "loss", 1, NAN);
	sg_rules_end(r);
	assert_int_equal(status_of(r, 0), SG_RULE_NO_ISSUES);
	assert_int_equal(status_of(r, 1), SG_RULE_NOT_APPLICABLE);
	assert_int_equal(status_of(r, 2), SG_RULE_ISSUES);
	assert_int_equal(status_of(r, 3), SG_RULE_NO_ISSUES);
	assert_int_equal(status_of(r, 4), SG_RULE_NO_ISSUES);
	/* nothing changes after the end */
	sg_rules_point(r, "grad_norm", 5, 0.0);
	sg_rules_tick(r, 1e12);
	assert_int_equal(status_of(r, 1), SG_RULE_NOT_APPLICABLE);
	assert_int_equal(s.n, 1);
	assert_string_equal(sg_rule_status_name(SG_RULE_ISSUES), "IssuesFound");
	assert_int_equal(sg_rule_status_parse("NoIssuesFound"), SG_RULE_NO_ISSUES);
	assert_int_equal(sg_rule_status_parse("nope"), -1);
	sg_rules_free(r);
	sg_rules_free(NULL);
}

/* Many keys and points: state stays bounded and the engine stays fast. */
static void test_many_points(void **state)
{
	struct seen s;
	struct sg_rules *r = one("LossNotDecreasing:num_steps=100", &s);
	char key[32];
	for (long long step = 0; step < 20000; step++) {
		snprintf(key, sizeof key, "k%lld_loss", step % 50);
		sg_rules_point(r, key, step, 1e9 - (double)step);
	}
	for (int i = 0; i < 11000; i++) {   /* past MAX_KEYS: checked without state */
		snprintf(key, sizeof key, "x%d", i);
		sg_rules_point(r, key, 0, 1.0);
	}
	sg_rules_end(r);
	assert_int_equal(s.n, 0);
	sg_rules_free(r);
}

/* ---- the store ----------------------------------------------------------------------- */

struct rows {
	int n;
	char status[8][32];
	char name[8][32];
	long long fired_step[8];
};

static int on_row(const struct sg_run_rule *rr, void *ud)
{
	struct rows *w = ud;
	assert_int_equal(rr->index, w->n);
	snprintf(w->status[w->n], 32, "%s", sg_rule_status_name(rr->status));
	snprintf(w->name[w->n], 32, "%s", rr->name);
	w->fired_step[w->n] = rr->fired_step;
	w->n++;
	return 0;
}

struct notes {
	int n;
	long long last;
	char text[8][256];
};

static int on_note(const struct sg_notification *n, void *ud)
{
	struct notes *w = ud;
	assert_true(n->id > w->last);
	w->last = n->id;
	snprintf(w->text[w->n++], 256, "%s: %s", n->rule, n->message);
	return 0;
}

static void test_store_round_trip(void **state)
{
	char *dir = tu_tempdir();
	char *path = sg_path_join(dir, "store.db");
	struct sg_error err = { 0 };
	struct sg_store *st = sg_store_open(path, SG_STORE_CREATE, &err);
	assert_non_null(st);
	char id[SG_RUN_ID_LEN + 1];
	struct sg_run_spec spec = { .name = "r" };
	assert_int_equal(sg_run_start(st, &spec, id, &err), 0);
	assert_int_equal(sg_notifications_last_id(st, &err), 0);

	struct seen s;
	struct sg_rules *r = one("ExplodingTensor:action=Notify", &s);
	assert_int_equal(sg_rules_add(r, "VanishingGradient", 17, NULL, 1, &err), 0);
	assert_int_equal(sg_rules_store_status(st, id, r, &err), 0);   /* nothing yet */
	struct rows w = { 0 };
	assert_int_equal(sg_run_rules(st, id, on_row, &w, &err), 0);
	assert_int_equal(w.n, 0);

	fake_now = 5000;
	sg_rules_start(r, 5000);
	assert_int_equal(sg_rules_store_status(st, id, r, &err), 0);
	assert_false(sg_rules_dirty(r));
	memset(&w, 0, sizeof w);
	assert_int_equal(sg_run_rules(st, id, on_row, &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.status[0], "InProgress");
	assert_string_equal(w.name[1], "VanishingGradient");

	sg_rules_point(r, "loss", 9, NAN);
	assert_int_equal(sg_rules_store_status(st, id + 0, r, &err), 0);
	sg_rules_end(r);
	char prefix[8];
	snprintf(prefix, sizeof prefix, "%.6s", id);
	assert_int_equal(sg_rules_store_status(st, prefix, r, &err), 0);
	memset(&w, 0, sizeof w);
	assert_int_equal(sg_run_rules(st, id, on_row, &w, &err), 0);
	assert_string_equal(w.status[0], "IssuesFound");
	assert_int_equal(w.fired_step[0], 9);
	assert_string_equal(w.status[1], "NotApplicable");
	assert_int_equal(w.fired_step[1], -1);

	/* the notification, as another process sees it */
	struct sg_store *other = sg_store_open(path, 0, &err);
	assert_non_null(other);
	struct notes n = { 0 };
	assert_int_equal(sg_notifications_since(other, 0, on_note, &n, &err), 0);
	assert_int_equal(n.n, 1);
	assert_string_equal(n.text[0], "ExplodingTensor: loss is NaN at step 9");
	long long last = sg_notifications_last_id(other, &err);
	assert_int_equal(last, n.last);
	assert_int_equal(sg_notification_add(st, id, "jobs", "done", &err), 0);
	assert_int_equal(sg_notifications_since(other, last, on_note, &n, &err), 0);
	assert_int_equal(n.n, 2);
	assert_string_equal(n.text[1], "jobs: done");
	sg_store_close(other);

	/* a run that does not exist; deleting the run deletes its rows */
	assert_int_equal(sg_run_rules(st, "ffffffffffffffff", on_row, &w, &err), -1);
	assert_int_equal(sg_run_delete(st, id, &err), 0);
	sqlite3_stmt *q = sg_store_prepare(st, "SELECT (SELECT count(*) FROM run_rules) + "
					   "(SELECT count(*) FROM notifications)", &err);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_reset(q);
	/* a failed write keeps the changes for the next call */
	struct sg_rules *r2 = one("ExplodingTensor", &s);
	sg_rules_start(r2, 0);
	assert_int_equal(sg_rules_store_status(st, id, r2, &err), -1);
	assert_true(sg_rules_dirty(r2));
	sg_rules_free(r2);

	sg_rules_free(r);
	sg_store_close(st);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

/* ---- the fuzz corpus ----------------------------------------------------------------- */

static void test_corpus(void **state)
{
	assert_true(tu_replay_corpus("rules", sg_fuzz_rules) >= 15);
	static const uint8_t z[] = { 0 };
	sg_fuzz_rules(z, 0);
	sg_fuzz_rules(z, 1);
	const char *all[] = { "LossNotDecreasing", "Overfit", "Overtraining", "ExplodingTensor",
			      "VanishingGradient", "StalledTrainingRule", "ClassImbalance" };
	for (size_t i = 0; i < 7; i++)
		sg_fuzz_rules((const uint8_t *)all[i], strlen(all[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_sagemakers),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_loss_not_decreasing),
		cmocka_unit_test(test_overfit),
		cmocka_unit_test(test_overtraining),
		cmocka_unit_test(test_exploding_tensor),
		cmocka_unit_test(test_vanishing_gradient),
		cmocka_unit_test(test_stalled_training),
		cmocka_unit_test(test_class_imbalance),
		cmocka_unit_test(test_actions_and_command),
		cmocka_unit_test(test_end_of_job),
		cmocka_unit_test(test_many_points),
		cmocka_unit_test(test_store_round_trip),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
