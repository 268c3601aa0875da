/* runedit.c — edits to runs beyond run.h (see runedit.h). */
#include "sgconfig.h"
#include "core/runedit.h"

int sg_run_remove_tag(struct sg_store *s, const char *run, const char *key, struct sg_error *err)
{
	char id[SG_RUN_ID_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	if (sg_run_resolve(s, run, id, err) != 0)
		return -1;
	st = sg_store_prepare(s, "DELETE FROM tags WHERE run_id = ?1 AND key = ?2", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sg_store_error(s, err, "cannot remove the tag");
	return 0;
}
