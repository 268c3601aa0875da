/* sagemaker.h — SageMaker's training contract, on this machine.
 *
 * A SageMaker script-mode training job sees /opt/ml; a sagetty job sees the
 * same tree inside its run folder (RUN = .sagetty/runs/ID):
 *
 *     RUN/input/config/hyperparameters.json   {"epochs": "10", ...}: all strings
 *     RUN/input/config/inputdataconfig.json   {"train": {"TrainingInputMode": "File", ...}}
 *     RUN/input/config/resourceconfig.json    {"current_host": "algo-1", "hosts": ["algo-1"], ...}
 *     RUN/input/data/CHANNEL/                 the channel's files, as symlinks
 *     RUN/model/                              SM_MODEL_DIR: the model artifact
 *     RUN/output/data/                        SM_OUTPUT_DATA_DIR
 *     RUN/output/failure                      written by a failing script
 *     RUN/checkpoints/                        SM_CHECKPOINT_DIR: kept across attempts
 *
 * and the sagemaker-training-toolkit's environment (SM_MODEL_DIR, SM_CHANNELS,
 * SM_CHANNEL_<NAME>, SM_HPS, SM_HP_<NAME>, SM_USER_ARGS, SM_TRAINING_ENV…;
 * sg_sm_env lists them all) with the hyperparameters as `--key value`
 * arguments sorted by key, as the toolkit passes them.  Names are upper-cased
 * for variables exactly as the toolkit does (SM_CHANNEL_TRAIN, SM_HP_LEARNING-RATE
 * for "learning-rate": readable from Python, not from a shell).
 *
 * Everything here is a pure builder over struct sg_sm_job except
 * sg_sm_make_tree and sg_sm_failure_reason, which touch the run folder. */
#ifndef SG_SAGEMAKER_H
#define SG_SAGEMAKER_H

#include <stddef.h>
#include "core/error.h"

#define SG_SM_NAME_MAX 64          /* channel names, as SageMaker allows */
#define SG_SM_HP_KEY_MAX 256       /* hyperparameter names */
#define SG_SM_HP_VALUE_MAX 2500    /* hyperparameter values */
#define SG_SM_FAILURE_CHARS 1024   /* characters of output/failure kept */
#define SG_SM_HOST "algo-1"

struct sg_sm_kv {
	const char *key, *value;
};

struct sg_sm_channel {
	const char *name;
	const char *source;        /* absolute path of a file or a folder */
};

struct sg_sm_job {
	const char *job_name;      /* TRAINING_JOB_NAME: the run's name */
	const char *run_dir;       /* absolute */
	const char *script;        /* absolute */
	const struct sg_sm_kv *hps;
	size_t nhps;
	const struct sg_sm_channel *channels;
	size_t nchannels;
	int num_cpus;              /* 0: the CPUs this process may run on */
	const char *network_interface;   /* NULL: "lo" */
};

/* Checks a channel name: 1–64 of [A-Za-z0-9._-], not starting with '.'
 * or '-'.  SG_E_USAGE naming what and the value. */
int sg_sm_check_channel_name(const char *name, struct sg_error *err);
/* Checks a hyperparameter name: 1–256 of [A-Za-z0-9._-], not starting with
 * '-'.  SG_E_USAGE. */
int sg_sm_check_hp_key(const char *key, struct sg_error *err);
/* Splits "KEY=VALUE" (an --hp argument) at the first '=' into malloc'd
 * parts after checking both (values: at most 2,500 bytes, no control
 * characters).  SG_E_USAGE with a message naming the argument. */
int sg_sm_parse_hp(const char *arg, char **key, char **value, struct sg_error *err);
/* Splits "NAME=PATH" (a --channel argument); PATH must not be empty. */
int sg_sm_parse_channel(const char *arg, char **name, char **path, struct sg_error *err);

/* The contract's files, as malloc'd JSON text. */
char *sg_sm_hyperparameters_json(const struct sg_sm_job *j);
char *sg_sm_inputdataconfig_json(const struct sg_sm_job *j);
char *sg_sm_resourceconfig_json(const struct sg_sm_job *j);
/* SM_HPS: each value decoded as JSON when it is a JSON number, true, false,
 * null, array or object (as the toolkit decodes), else kept as a string;
 * numbers are written exactly as given. */
char *sg_sm_hps_json(const struct sg_sm_job *j);
/* SM_TRAINING_ENV. */
char *sg_sm_training_env_json(const struct sg_sm_job *j);
/* "--key", "value" for each hyperparameter, sorted by key (SM_USER_ARGS). */
char **sg_sm_user_args(const struct sg_sm_job *j);
/* The whole environment to add, "NAME=VALUE" each, NULL-terminated. */
char **sg_sm_env(const struct sg_sm_job *j);
/* The program's argv: interpreter (may be NULL: run the script itself),
 * the script, then the user args. */
char **sg_sm_argv(const struct sg_sm_job *j, const char *interpreter);
/* Frees a NULL-terminated array of malloc'd strings (takes NULL). */
void sg_sm_strv_free(char **v);

/* Creates the tree above in j->run_dir: folders, the three JSON files
 * (atomically), and in input/data/NAME/ a symlink to each channel's file,
 * or to each entry of its folder.  Running it again (a resume) rewrites
 * the config files and links and keeps model/, output/ and checkpoints/. */
int sg_sm_make_tree(const struct sg_sm_job *j, struct sg_error *err);
/* Reads the first SG_SM_FAILURE_CHARS characters (UTF-8 aware) of
 * run_dir/output/failure into buf, trailing blanks cut; returns 1 when the
 * file has text, 0 when it is missing or blank. */
int sg_sm_failure_reason(const char *run_dir, char *buf, size_t n);

#endif
