#include "store_overlap.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>

/* Cancelled sessions are thrown-away work: they overlap nothing. An open session runs to now. */
static const char store_overlap_sql[] = "SELECT id FROM sessions "
					"WHERE repo = ?1 AND state != 'cancelled' AND id != ?4 "
					"AND started_wall < ?3 AND coalesce(ended_wall, ?5) > ?2 "
					"ORDER BY started_wall, id LIMIT 1";

int store_overlap_find(const struct store *st, const char *repo, int64_t from_ms, int64_t to_ms,
		       int64_t except_id, int64_t now_ms, int64_t *id, char *err, size_t errn)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR, found = 0;

	if (store_reader_open(st, store_overlap_sql, &db, &s) == 0) {
		sqlite3_bind_text(s, 1, repo, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, from_ms);
		sqlite3_bind_int64(s, 3, to_ms);
		sqlite3_bind_int64(s, 4, except_id);
		sqlite3_bind_int64(s, 5, now_ms);
		r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			*id = sqlite3_column_int64(s, 0);
			found = 1;
			r = SQLITE_DONE;
		}
	}
	if (store_reader_close(st, db, s, r, NULL, "the sessions of a repository", err, errn) < 0)
		return -EIO;
	return found;
}
