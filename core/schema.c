/* schema.c — the store's forward migrations. */
#include <stddef.h>
#include "core/schema.h"

/* v1: everything a run, a metric and a dataset need.  Metric values are
 * REAL; NaN arrives as NULL (SQLite cannot store NaN), so NULL means NaN.
 * The summary is kept by a trigger so every writer, in any process, keeps it
 * exact without a second round trip. */
static const char v1[] =
	"CREATE TABLE experiments ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_at REAL NOT NULL,"
	"  user TEXT NOT NULL);"
	"CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  experiment_id INTEGER NOT NULL REFERENCES experiments(id),"
	"  status TEXT NOT NULL CHECK (status IN ('RUNNING','FINISHED','FAILED','KILLED')),"
	"  user TEXT NOT NULL,"
	"  kind TEXT NOT NULL DEFAULT 'manual',"
	"  source_path TEXT,"
	"  source_commit TEXT,"
	"  start_time REAL NOT NULL,"
	"  end_time REAL);"
	"CREATE INDEX runs_by_start ON runs(start_time);"
	"CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);"
	"CREATE TABLE params ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, key)) WITHOUT ROWID;"
	"CREATE TABLE metrics ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  ts REAL NOT NULL,"
	"  value REAL);"
	"CREATE INDEX metrics_by_key ON metrics(run_id, key, step);"
	"CREATE TABLE metric_summary ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  last REAL, last_step INTEGER NOT NULL, last_ts REAL NOT NULL,"
	"  min REAL, max REAL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, key)) WITHOUT ROWID;"
	"CREATE TRIGGER metrics_summarize AFTER INSERT ON metrics BEGIN"
	"  INSERT INTO metric_summary(run_id, key, last, last_step, last_ts, min, max, count)"
	"  VALUES (new.run_id, new.key, new.value, new.step, new.ts, new.value, new.value, 1)"
	"  ON CONFLICT(run_id, key) DO UPDATE SET"
	"    last = CASE WHEN new.step >= last_step THEN new.value ELSE last END,"
	"    last_ts = CASE WHEN new.step >= last_step THEN new.ts ELSE last_ts END,"
	"    last_step = max(last_step, new.step),"
	"    min = CASE WHEN new.value IS NULL THEN min WHEN min IS NULL THEN new.value"
	"               ELSE min(min, new.value) END,"
	"    max = CASE WHEN new.value IS NULL THEN max WHEN max IS NULL THEN new.value"
	"               ELSE max(max, new.value) END,"
	"    count = count + 1;"
	"END;"
	"CREATE TABLE tags ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, key)) WITHOUT ROWID;"
	"CREATE TABLE artifacts ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  kind TEXT NOT NULL DEFAULT 'file',"
	"  created_at REAL NOT NULL);"
	"CREATE INDEX artifacts_by_run ON artifacts(run_id);"
	"CREATE TABLE datasets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  path TEXT NOT NULL UNIQUE,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  rows INTEGER NOT NULL,"
	"  columns INTEGER NOT NULL,"
	"  parent_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,"
	"  recipe TEXT,"
	"  user TEXT NOT NULL,"
	"  registered_at REAL NOT NULL);"
	"CREATE INDEX datasets_by_name ON datasets(name);";

/* v2: a free-text note per run (the Experiments pane edits it) and an index
 * for listing runs by status (the Monitor pane shows running jobs first). */
static const char v2[] =
	"ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX runs_by_status ON runs(status, start_time);";

/* v3: the summary is folded by the writers, not by a trigger.  The v1
 * trigger runs a sub-program per inserted point, which cost a third of the
 * ingestion rate; sagetty's writers (run.c sg_run_write_metrics, used by
 * sg_run_log_metrics and ingest.c) fold each batch in C and upsert once per
 * key, with the same rules.  Anything else that inserts into metrics must
 * call sg_run_resummarize afterwards.  Harmless to run twice. */
static const char v3[] =
	"DROP TRIGGER IF EXISTS metrics_summarize;";

/* v4: key-first indexes for run queries (runquery.c).  A filter on
 * param.lr scans only the lr rows, and listing the distinct keys is a skip
 * scan.  metric_summary's index leaves out last/min/max on purpose: the
 * writers update those on every batch, and an index over them would be
 * rewritten each time; (key) alone, with the primary key, never changes.
 * Harmless to run twice. */
static const char v4[] =
	"CREATE INDEX IF NOT EXISTS params_by_key ON params(key, value);"
	"CREATE INDEX IF NOT EXISTS tags_by_key ON tags(key, value);"
	"CREATE INDEX IF NOT EXISTS metric_summary_by_key ON metric_summary(key);";

/* v5: training jobs (job.h).  A run keeps its coarse status (RUNNING,
 * FINISHED, FAILED, KILLED); the SageMaker-like state of the job that runs
 * it lives here, one row per run, so nothing that switches on run status has
 * to learn six new values and runs.status needs no table rebuild.
 * supervisor_token ("BOOT_ID/STARTTIME" of the supervisor process, from
 * /proc) tells a live supervisor from a recycled pid after a crash or a
 * reboot; child_token does the same for the program's process group.
 * stop_request is what `jobs stop` asked for ('stop' or 'preempt'); spec is
 * the launch request as JSON, so a resume runs the same job again. */
static const char v5[] =
	"CREATE TABLE jobs ("
	"  run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	"  state TEXT NOT NULL CHECK (state IN ('Queued','Running','Completed','Failed',"
	"                                       'Stopped','Interrupted')),"
	"  attempt INTEGER NOT NULL DEFAULT 1,"
	"  spec TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  user TEXT NOT NULL,"
	"  supervisor_pid INTEGER,"
	"  supervisor_token TEXT,"
	"  child_pid INTEGER,"
	"  child_token TEXT,"
	"  stop_request TEXT,"
	"  failure_reason TEXT,"
	"  exit_code INTEGER,"
	"  signal INTEGER,"
	"  queued_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL);"
	"CREATE INDEX jobs_by_state ON jobs(state, queued_at);";

/* v6: debugger rules (rules.h).  run_rules holds each rule of a run by its
 * position in the job's rule list, with SageMaker's status names;
 * notifications are the Notify actions that open front ends turn into a
 * status-line alert and a bell.  AUTOINCREMENT so a notification id is never
 * reused after a run is deleted: a front end remembers the last id it saw. */
static const char v6[] =
	"CREATE TABLE run_rules ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  spec TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('InProgress','NoIssuesFound','IssuesFound',"
	"                                         'Error','NotApplicable')),"
	"  message TEXT NOT NULL DEFAULT '',"
	"  fired_at REAL,"
	"  fired_step INTEGER,"
	"  updated_at REAL NOT NULL,"
	"  PRIMARY KEY (run_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE notifications ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  rule TEXT NOT NULL,"
	"  message TEXT NOT NULL,"
	"  created_at REAL NOT NULL);"
	"CREATE INDEX notifications_by_run ON notifications(run_id);";

/* v7: labeling (labels.h).  label_sets holds a dataset's scheme and the
 * file's state at the last sync; label_items one row per stable row key, with
 * row NULL once the key left the file (its annotations are kept: orphans);
 * n counts live annotations toward k and seq orders the queue inside a level
 * (it changes whenever n does), so the next item is an index range scan.
 * label_annotations is the log of every annotation; sagetty never deletes
 * from it: undo and re-labeling clear `active`, `replaces` links a
 * re-label to the annotation it superseded.  source tells human, machine
 * and imported work apart; role tells the k annotators from a reviewer's
 * decision; review is a machine label's review state.  label_results caches
 * the last consolidation per item, label_consolidations its runs. */
static const char v7[] =
	"CREATE TABLE label_sets ("
	"  dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,"
	"  scheme TEXT NOT NULL,"
	"  key_column TEXT NOT NULL DEFAULT '',"
	"  sha256 TEXT NOT NULL DEFAULT '',"
	"  size INTEGER NOT NULL DEFAULT -1,"
	"  mtime REAL NOT NULL DEFAULT 0,"
	"  rows INTEGER NOT NULL DEFAULT 0,"
	"  seq INTEGER NOT NULL DEFAULT 0,"
	"  synced_at REAL,"
	"  user TEXT NOT NULL,"
	"  updated_at REAL NOT NULL);"
	"CREATE TABLE label_items ("
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  row_key TEXT NOT NULL,"
	"  row INTEGER,"
	"  n INTEGER NOT NULL DEFAULT 0,"
	"  seq INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (dataset_id, row_key)) WITHOUT ROWID;"
	"CREATE INDEX label_items_queue ON label_items(dataset_id, n, seq);"
	"CREATE INDEX label_items_by_row ON label_items(dataset_id, row);"
	"CREATE TABLE label_annotations ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  row_key TEXT NOT NULL,"
	"  user TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  source TEXT NOT NULL CHECK (source IN ('human','machine','imported')),"
	"  role TEXT NOT NULL DEFAULT 'annotator' CHECK (role IN ('annotator','reviewer')),"
	"  confidence REAL,"
	"  created_at REAL NOT NULL,"
	"  seconds REAL NOT NULL DEFAULT 0,"
	"  active INTEGER NOT NULL DEFAULT 1,"
	"  replaces INTEGER,"
	"  review TEXT NOT NULL DEFAULT '' CHECK (review IN ('','pending','accepted','corrected')),"
	"  reviewer TEXT,"
	"  reviewed_at REAL);"
	"CREATE INDEX label_ann_by_item ON label_annotations(dataset_id, row_key, user, active);"
	"CREATE INDEX label_ann_by_user ON label_annotations(dataset_id, user, active, id);"
	"CREATE INDEX label_ann_review ON label_annotations(dataset_id, review) WHERE review <> '';"
	"CREATE TABLE label_leases ("
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  row_key TEXT NOT NULL,"
	"  user TEXT NOT NULL,"
	"  until REAL NOT NULL,"
	"  PRIMARY KEY (dataset_id, row_key, user)) WITHOUT ROWID;"
	"CREATE INDEX label_leases_by_user ON label_leases(dataset_id, user);"
	"CREATE TABLE label_skips ("
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  row_key TEXT NOT NULL,"
	"  user TEXT NOT NULL,"
	"  at REAL NOT NULL,"
	"  PRIMARY KEY (dataset_id, row_key, user)) WITHOUT ROWID;"
	"CREATE TABLE label_cursors ("
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  user TEXT NOT NULL,"
	"  level INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY (dataset_id, user, level)) WITHOUT ROWID;"
	"CREATE TABLE label_results ("
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  row_key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  confidence REAL NOT NULL,"
	"  n_annotators INTEGER NOT NULL,"
	"  source TEXT NOT NULL CHECK (source IN ('human','machine')),"
	"  state TEXT NOT NULL CHECK (state IN ('agreed','tie','low','adjudicated','machine')),"
	"  PRIMARY KEY (dataset_id, row_key)) WITHOUT ROWID;"
	"CREATE TABLE label_consolidations ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  method TEXT NOT NULL,"
	"  summary TEXT,"
	"  user TEXT NOT NULL,"
	"  created_at REAL NOT NULL);"
	"CREATE INDEX label_consolidations_by_dataset ON label_consolidations(dataset_id, id);";

/* v8: supervisor heartbeats and per-attempt logs (job.h).  heartbeat_at is
 * the wall-clock time the job's supervisor last wrote; a job of another host
 * (a workspace on NFS) whose heartbeat is older than jobs.heartbeat-timeout
 * is lost.  NULL for rows written before v8, which keep the old rule (only
 * the host that ran them can tell).  job_attempts holds one row per attempt
 * of a job: its state and how it ended (outcome), and log_dir, the folder of
 * its stdout.log/stderr.log relative to the run folder ('' for attempts run
 * before v8, whose logs are the run folder's single pair of files). */
static const char v8[] =
	"ALTER TABLE jobs ADD COLUMN heartbeat_at REAL;"
	"CREATE TABLE job_attempts ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  attempt INTEGER NOT NULL,"
	"  host TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('Queued','Running','Completed','Failed',"
	"                                       'Stopped','Interrupted')),"
	"  outcome TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('','completed','failed',"
	"                                          'preempted','stopped','lost')),"
	"  exit_code INTEGER,"
	"  signal INTEGER,"
	"  reason TEXT,"
	"  log_dir TEXT NOT NULL,"
	"  queued_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL,"
	"  PRIMARY KEY (run_id, attempt)) WITHOUT ROWID;"
	"INSERT INTO job_attempts(run_id, attempt, host, state, outcome, exit_code, signal, reason,"
	"                         log_dir, queued_at, started_at, ended_at)"
	"  SELECT run_id, attempt, host, state,"
	"         CASE state WHEN 'Completed' THEN 'completed' WHEN 'Failed' THEN 'failed'"
	"                    WHEN 'Stopped' THEN 'stopped' WHEN 'Interrupted' THEN 'preempted'"
	"                    ELSE '' END,"
	"         exit_code, signal, failure_reason, '', queued_at, started_at, ended_at"
	"  FROM jobs;";

static const char *const migrations[SG_SCHEMA_VERSION] = { v1, v2, v3, v4, v5, v6, v7, v8 };

const char *sg_schema_migration(int version)
{
	if (version < 1 || version > SG_SCHEMA_VERSION)
		return NULL;
	return migrations[version - 1];
}
