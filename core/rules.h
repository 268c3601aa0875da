/* rules.h — SageMaker Debugger's built-in rules, evaluated live on a run's
 * scalar metric stream.
 *
 * A rule is configured by a spec (`sagetty train --rule SPEC`):
 *
 *     NAME[:param=value[,param=value...]]
 *     LossNotDecreasing:num_steps=10,diff_percent=0.1
 *     StalledTrainingRule:threshold=1800,action=StopTraining
 *     Overfit:patience=3,action=Notify,command=notify-send,arg={rule},arg={message}
 *
 * NAME is SageMaker's rule name (LossNotDecreasing, Overfit, Overtraining,
 * ExplodingTensor, VanishingGradient, StalledTrainingRule, ClassImbalance),
 * matched without regard to case; the Python SDK's rule_configs names
 * (loss_not_decreasing, stalled_training_rule…) are accepted too.  Parameter
 * names, meanings and defaults are SageMaker's where they apply to scalar
 * metrics (docs/guide.md, "Debugger rules", lists each).  Blanks around
 * names and values are ignored; a value holding ',' or blanks is written in
 * double quotes ("a,b", with \" and \\ escapes).  Parse errors name the
 * 1-based byte column: "rule:1:19: unknown parameter 'num_step' for
 * LossNotDecreasing (num_steps, diff_percent, …)".
 *
 * Parameters every rule takes (sagetty's, not SageMaker's):
 *   action=StopTraining | action=Notify   (repeatable; '+' joins several)
 *   command=PROG, arg=WORD (repeatable)   an argv for the notification, run
 *                                         by the caller with execve, never a
 *                                         shell; {rule}, {message}, {status},
 *                                         {step} and {run} in PROG and the
 *                                         args are replaced when it fires.
 *
 * Which metrics a rule watches (keys are the run's metric keys):
 *   loss keys        contain "loss", or are an error metric (rmse, mse, mae,
 *                    error, merror, logloss, mlogloss) as XGBoost logs them;
 *   phase            a key with a word (split at any non-alphanumeric byte)
 *                    "validation", "valid", "val", "eval", "evaluation" or
 *                    "test" is a validation key; "train"/"training" a
 *                    training key; anything else is GLOBAL and counts as
 *                    training when pairing (Keras: loss / val_loss);
 *   pairs            a training and a validation key pair up when they are
 *                    equal once the phase word is removed (train:loss and
 *                    validation:loss; loss and val_loss);
 *   gradient keys    contain "grad" (grad_norm, gradient_norm, gradients/x).
 * tensor_regex is a POSIX extended regex searched anywhere in the key (anchor
 * it with ^ and $); collection_names takes "losses", "gradients" or "all".
 *
 * Evaluation: each point costs a hash lookup and O(1) amortized work per
 * rule; the only window (LossNotDecreasing) holds the points of one key
 * inside num_steps.  Points whose step is not above the key's last step are
 * ignored by the windowed rules (a restarted counter does not fire them).
 * A rule fires at most once: its status becomes IssuesFound, the event
 * callback gets its message and actions, and it stops evaluating.  At the
 * end (sg_rules_end) rules still InProgress become NoIssuesFound, or
 * NotApplicable when they never saw a metric they watch (no gradient-norm
 * metric for VanishingGradient, no train/validation pair for Overfit…).
 *
 * The engine never prints, never touches the store by itself and starts no
 * process: the caller (the job supervisor) feeds it from the tracker's hooks,
 * stops the job and runs the command on an event, and calls
 * sg_rules_store_status to persist what changed. */
#ifndef SG_RULES_H
#define SG_RULES_H

#include <stddef.h>
#include "core/error.h"
#include "core/store.h"

#define SG_RULES_MAX 32           /* rules per engine (SageMaker allows 20) */
#define SG_RULE_SPEC_MAX 4096     /* bytes in one spec */
#define SG_RULE_ARGS_MAX 64       /* command plus args */

enum sg_rule_status {
	SG_RULE_IN_PROGRESS,
	SG_RULE_NO_ISSUES,        /* "NoIssuesFound" */
	SG_RULE_ISSUES,           /* "IssuesFound" */
	SG_RULE_ERROR,            /* the rule could not be evaluated (unreadable channel…) */
	SG_RULE_NOT_APPLICABLE,   /* ended without ever seeing what it watches */
};

/* "InProgress", "NoIssuesFound", "IssuesFound", "Error", "NotApplicable". */
const char *sg_rule_status_name(enum sg_rule_status st);
/* Exact names as above; -1 when unknown. */
int sg_rule_status_parse(const char *s);

enum sg_rule_kind {
	SG_RULE_LOSS_NOT_DECREASING,
	SG_RULE_OVERFIT,
	SG_RULE_OVERTRAINING,
	SG_RULE_EXPLODING_TENSOR,
	SG_RULE_VANISHING_GRADIENT,
	SG_RULE_STALLED_TRAINING,
	SG_RULE_CLASS_IMBALANCE,
	SG_RULE_NKINDS
};

/* SageMaker's name of a kind ("LossNotDecreasing"). */
const char *sg_rule_kind_name(enum sg_rule_kind k);

enum sg_rule_action { SG_RULE_ACT_STOP = 1, SG_RULE_ACT_NOTIFY = 2 };

/* LossNotDecreasing's mode: which phase of keys it checks (none: all). */
enum sg_rule_mode { SG_RULE_MODE_ANY, SG_RULE_MODE_EVAL, SG_RULE_MODE_TRAIN, SG_RULE_MODE_GLOBAL };

enum { SG_RULE_COLL_LOSSES = 1, SG_RULE_COLL_GRADIENTS = 2, SG_RULE_COLL_ALL = 4 };

/* A parsed spec, every parameter resolved (defaults from SageMaker). */
struct sg_rule_params {
	enum sg_rule_kind kind;
	char *tensor_regex;            /* NULL: none */
	unsigned collections;          /* SG_RULE_COLL_*; 0: none given */
	/* LossNotDecreasing */
	int use_losses_collection;     /* 1 */
	long long num_steps;           /* 10 */
	double diff_percent;           /* 0.0: the loss must merely decrease */
	enum sg_rule_mode mode;        /* ANY */
	/* Overfit */
	long long start_step;          /* 0 */
	long long patience;            /* 1 */
	double ratio_threshold;        /* 0.1 */
	/* Overtraining */
	long long patience_train;      /* 5 */
	long long patience_validation; /* 10 */
	double delta;                  /* 0.1 */
	/* ExplodingTensor */
	int only_nan;                  /* 0 */
	/* VanishingGradient */
	double vanishing_threshold;    /* 1e-7 ("threshold") */
	/* StalledTrainingRule */
	long long stalled_threshold;   /* 1800 seconds ("threshold") */
	int stop_training_on_fire;     /* 0; 1 adds SG_RULE_ACT_STOP */
	/* ClassImbalance */
	double threshold_imbalance;    /* 10 */
	double threshold_misprediction; /* 0.7 (accepted; no predictions to check) */
	long long samples;             /* 500 */
	int argmax;                    /* 0 (accepted; unused) */
	char *channel;                 /* NULL: "train", or the only channel */
	char *label_column;            /* NULL: the first column; a 1-based number or a name */
	int header;                    /* -1 sniffed, 0 no header row, 1 header row */
	/* actions */
	unsigned actions;              /* SG_RULE_ACT_* */
	char **command;                /* NULL, or command + args, NULL-terminated */
};

/* Parses spec (len bytes, need not be NUL-terminated) into p (filled with
 * the defaults first).  Errors are SG_E_PARSE "src:line:col: message" (src
 * NULL: "rule").  Release p with sg_rule_params_done either way. */
int sg_rule_parse(const char *spec, size_t len, const char *src, int line,
		  struct sg_rule_params *p, struct sg_error *err);
/* The defaults of a kind, as SageMaker documents them. */
void sg_rule_defaults(enum sg_rule_kind k, struct sg_rule_params *p);
void sg_rule_params_done(struct sg_rule_params *p);

/* ---- the engine ---------------------------------------------------------- */

struct sg_rules;

/* What the caller is told when a rule fires (status IssuesFound) or cannot be
 * evaluated (status Error: actions and argv are then empty).  Everything is
 * borrowed for the duration of the callback. */
struct sg_rule_event {
	int index;                     /* the rule's position, 0-based */
	const char *name;              /* "Overfit" */
	const char *spec;              /* as given */
	enum sg_rule_status status;
	const char *message;
	long long step;                /* the step it fired at, or -1 (time, data rules) */
	double time;                   /* when */
	unsigned actions;              /* SG_RULE_ACT_* */
	char *const *argv;             /* placeholders replaced; NULL: no command */
};
typedef void (*sg_rule_event_fn)(const struct sg_rule_event *ev, void *ud);

/* A rule's state as the engine holds it (borrowed). */
struct sg_rule_state {
	const char *name, *spec;
	const struct sg_rule_params *params;
	enum sg_rule_status status;
	const char *message;           /* "" until there is something to say */
	long long fired_step;          /* -1: none */
	double fired_at;               /* 0: not fired */
};

/* run_id (may be NULL) is only used for the {run} placeholder. */
struct sg_rules *sg_rules_new(const char *run_id);
void sg_rules_free(struct sg_rules *r);
/* Called for each event; fn may be NULL. */
void sg_rules_set_callback(struct sg_rules *r, sg_rule_event_fn fn, void *ud);
/* The clock for fired_at and updated_at (default sg_now); tests fake it. */
void sg_rules_set_clock(struct sg_rules *r, double (*clock)(void));

/* Parses spec and appends the rule.  SG_E_USAGE after sg_rules_start or
 * beyond SG_RULES_MAX; parse errors as sg_rule_parse. */
int sg_rules_add(struct sg_rules *r, const char *spec, size_t len, const char *src, int line,
		 struct sg_error *err);
/* Checks a spec without an engine (to refuse bad input before launching). */
int sg_rules_validate(const char *spec, const char *src, int line, struct sg_error *err);
/* Names a data channel (file or folder) for ClassImbalance; before start. */
int sg_rules_channel(struct sg_rules *r, const char *name, const char *path,
		     struct sg_error *err);

/* Starts evaluation at time now: every rule becomes InProgress, the stall
 * clock starts and ClassImbalance reads its channel's label column (a pass
 * over the file: call it after the child is started). */
void sg_rules_start(struct sg_rules *r, double now);
/* A metric point (the tracker's on_point hook). */
void sg_rules_point(struct sg_rules *r, const char *key, long long step, double value);
/* An output line (on_line): activity for StalledTrainingRule. */
void sg_rules_line(struct sg_rules *r);
/* The time now (on_tick): StalledTrainingRule fires when nothing arrived for
 * threshold seconds.  Activity counts from the tick that first sees it, so
 * the resolution is the tick interval. */
void sg_rules_tick(struct sg_rules *r, double now);
/* The job ended: InProgress rules become NoIssuesFound or NotApplicable. */
void sg_rules_end(struct sg_rules *r);

size_t sg_rules_count(const struct sg_rules *r);
/* The i-th rule's state, or NULL. */
const struct sg_rule_state *sg_rules_get(const struct sg_rules *r, size_t i);
/* 1 when some status or notification has not been stored yet. */
int sg_rules_dirty(const struct sg_rules *r);

/* ---- persistence ---------------------------------------------------------- */

/* Writes the rows of the rules that changed since the last call into
 * run_rules, and the pending Notify notifications, in one transaction (or
 * inside the caller's).  Cheap (no SQL) when nothing changed: call it after
 * each hook.  run is an id or unique prefix. */
int sg_rules_store_status(struct sg_store *s, const char *run, struct sg_rules *r,
			  struct sg_error *err);

/* A stored rule of a run (borrowed during the callback). */
struct sg_run_rule {
	int index;
	const char *name, *spec, *message;
	enum sg_rule_status status;
	long long fired_step;          /* -1: none */
	double fired_at;               /* 0: not fired */
	double updated_at;
};
typedef int (*sg_run_rule_fn)(const struct sg_run_rule *rr, void *ud);
/* The run's rules in order; fn returning non-zero stops. */
int sg_run_rules(struct sg_store *s, const char *run, sg_run_rule_fn fn, void *ud,
		 struct sg_error *err);

/* A notification for open front ends (status-line alert and bell). */
struct sg_notification {
	long long id;                  /* increases; never reused */
	const char *run_id, *rule, *message;
	double created_at;
};
typedef int (*sg_notification_fn)(const struct sg_notification *n, void *ud);
/* Records one (rule may be any short label). */
int sg_notification_add(struct sg_store *s, const char *run, const char *rule,
			const char *message, struct sg_error *err);
/* Calls fn for each notification with id > after_id, oldest first.  A front
 * end starts from sg_notifications_last_id and polls when PRAGMA
 * data_version changes. */
int sg_notifications_since(struct sg_store *s, long long after_id, sg_notification_fn fn,
			   void *ud, struct sg_error *err);
/* The newest id, 0 when there is none. */
long long sg_notifications_last_id(struct sg_store *s, struct sg_error *err);

#endif
