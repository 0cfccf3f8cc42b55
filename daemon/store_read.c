#include "store_read.h"

#include <stdio.h>

#include "store.h"

int store_reader_open(const struct store *st, const char *sql, sqlite3 **db, sqlite3_stmt **s)
{
	*db = NULL;
	*s = NULL;
	if (sqlite3_open_v2(store_path(st), db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(*db, 5000);
	return sqlite3_prepare_v2(*db, sql, -1, s, NULL) == SQLITE_OK ? 0 : -1;
}

int store_reader_close(const struct store *st, sqlite3 *db, sqlite3_stmt *s, int r, json_t **out,
		       const char *what, char *err, size_t errn)
{
	bool ok = r == SQLITE_DONE && (!out || *out);

	if (!ok) {
		snprintf(err, errn, "store: cannot read %s from %s: %s", what, store_path(st),
			 (!out || *out) && db && r != SQLITE_NOMEM ? sqlite3_errmsg(db)
								   : "out of memory");
		if (out) {
			json_decref(*out);
			*out = NULL;
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ok ? 0 : -1;
}

int store_previous_logs(const struct store *st, const char *repo, int64_t before_id, int limit,
			json_t **out, char *err, size_t errn)
{
	/* By id: a repository has one open session at a time, so ids follow the order of stops
	 * whatever the wall clock did. */
	static const char sql[] = "SELECT id, log_path, ended_wall, handoff FROM sessions "
				  "WHERE repo = ? AND state = 'stopped' AND log_path IS NOT NULL "
				  "AND id < ? ORDER BY id DESC LIMIT ?";
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR;

	*out = json_array();
	if (*out && store_reader_open(st, sql, &db, &s) == 0) {
		sqlite3_bind_text(s, 1, repo, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, before_id);
		sqlite3_bind_int(s, 3, limit);
		while ((r = sqlite3_step(s)) == SQLITE_ROW) {
			json_t *row = json_pack("{s:I, s:o, s:I, s:o}", "id",
						(json_int_t)sqlite3_column_int64(s, 0), "log",
						store_column_str(s, 1), "ended_at",
						(json_int_t)sqlite3_column_int64(s, 2), "handoff",
						store_column_str(s, 3));

			if (!row || json_array_append_new(*out, row) < 0) {
				r = SQLITE_NOMEM;
				break;
			}
		}
	}
	return store_reader_close(st, db, s, r, out, "the previous logs", err, errn);
}

int store_recent_sessions(const struct store *st, int limit, json_t **out, char *err, size_t errn)
{
	static const char sql[] = "SELECT repo, repo_name, log_path FROM sessions ORDER BY id DESC "
				  "LIMIT ?";
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR;

	*out = json_array();
	if (*out && store_reader_open(st, sql, &db, &s) == 0) {
		sqlite3_bind_int(s, 1, limit);
		while ((r = sqlite3_step(s)) == SQLITE_ROW) {
			json_t *row = json_pack("{s:o, s:o, s:o}", "repo", store_column_str(s, 0),
						"repo_name", store_column_str(s, 1), "log",
						store_column_str(s, 2));

			if (!row || json_array_append_new(*out, row) < 0) {
				r = SQLITE_NOMEM;
				break;
			}
		}
	}
	return store_reader_close(st, db, s, r, out, "the recent sessions", err, errn);
}
