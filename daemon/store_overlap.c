#include "store_overlap.h"
#include "store_read.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

/* A path's sessions meet the named ones of its last component, a name's those of that
 * repo_name (STORE_OVERLAP_SQL's ?7 and ?6), as repo_resolve names a repository. */
static void store_overlap_bind_name(sqlite3_stmt *s, const char *repo)
{
	const char *slash = strrchr(repo, '/');

	if (repo[0] != '/')
		sqlite3_bind_text(s, 6, repo, -1, SQLITE_STATIC);
	else if (slash && slash[1])
		sqlite3_bind_text(s, 7, slash + 1, -1, SQLITE_STATIC);
}

/* Blocking: a worker's question before a change that must not overlap (stint add). The change
 * itself asks again in its transaction (STORE_OVERLAP_SQL), where nothing can slip between. */
int store_overlap_find(const struct store *st, const char *repo, int64_t from_ms, int64_t to_ms,
		       int64_t except_id, int64_t now_ms, int64_t *id, char *err, size_t errn)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR, found = 0;

	if (store_reader_open(st, STORE_OVERLAP_SQL, &db, &s) == 0) {
		sqlite3_bind_text(s, 1, repo, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, from_ms);
		sqlite3_bind_int64(s, 3, to_ms);
		sqlite3_bind_int64(s, 4, except_id);
		sqlite3_bind_int64(s, 5, now_ms);
		store_overlap_bind_name(s, repo);
		r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			*id = sqlite3_column_int64(s, 0);
			found = 1;
			r = SQLITE_DONE;
		}
	}
	if (store_reader_close(st, db, s, r, NULL, "overlapping sessions", err, errn) < 0)
		return -EIO;
	return found;
}
