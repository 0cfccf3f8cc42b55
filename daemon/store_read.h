#ifndef STINTD_STORE_READ_H
#define STINTD_STORE_READ_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The store's readers: short-lived read-only connections of their own, off the batch queue. */

/*
 * A reader's own read-only connection with sql prepared on it, for queries off the batches
 * (whose connection a worker's transaction may hold). Returns 0, or -1 (*db may still need
 * store_reader_close). Readers are many and short: each opens, steps and closes.
 */
int store_reader_open(const struct store *st, const char *sql, sqlite3 **db, sqlite3_stmt **s);
/*
 * Ends a reader's query: unless r is SQLITE_DONE (and *out was made), err says "cannot read
 * what from PATH: why" and *out, when out is given, is released and set to NULL. 0 or -1.
 */
int store_reader_close(const struct store *st, sqlite3 *db, sqlite3_stmt *s, int r, json_t **out,
		       const char *what, char *err, size_t errn);
/*
 * The newest closed sessions of the repository at root path repo that wrote a log, newest first,
 * with ids below before_id (the sessions before that one: ids follow the order of stops), at
 * most limit: [{"id", "log" (the path written), "ended_at" (wall ms), "handoff" (the JSON text
 * the close stored, or null)}]. Blocking, on a read-only connection of its own, so a worker may
 * call it while batches run. Returns 0, or -1 with err filled and *out NULL.
 */
int store_previous_logs(const struct store *st, const char *repo, int64_t before_id, int limit,
			json_t **out, char *err, size_t errn);

/*
 * The newest sessions, open or closed, newest first, at most limit: [{"repo", "repo_name",
 * "log" (the path written, or null)}]. Blocking, on a read-only connection of its own, like
 * store_previous_logs. Returns 0, or -1 with err filled and *out NULL.
 */
int store_recent_sessions(const struct store *st, int limit, json_t **out, char *err, size_t errn);

#endif
