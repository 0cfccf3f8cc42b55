#include "store_history.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "protocol.h"
#include "store_read.h"
#include "timeutil.h"

/* Which sessions a query covers: shared by list and report, bound by store_history_bind. */
#define STORE_HISTORY_WHERE                                                                        \
	"state != 'open' AND ended_wall > ?1 AND started_wall < ?2 "                               \
	"AND (?3 IS NULL OR repo = ?3) "                                                           \
	"AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(sessions.tags) t "                     \
	"WHERE t.value IN (SELECT value FROM json_each(?4)))) "

static int store_history_bind(sqlite3_stmt *s, const struct store_history_filter *f)
{
	json_t *tags = NULL;
	char *text;

	sqlite3_bind_int64(s, 1, f->from >= 0 ? f->from : INT64_MIN);
	sqlite3_bind_int64(s, 2, f->to >= 0 ? f->to : INT64_MAX);
	if (f->repo)
		sqlite3_bind_text(s, 3, f->repo, -1, SQLITE_STATIC);
	if (f->ntags == 0)
		return 0;
	tags = json_array();
	for (size_t i = 0; tags && i < f->ntags; i++)
		json_array_append_new(tags, json_string(f->tags[i]));
	text = tags ? json_dumps(tags, JSON_COMPACT) : NULL;
	json_decref(tags);
	if (!text)
		return -1;
	sqlite3_bind_text(s, 4, text, -1, free);
	return 0;
}

static json_t *store_history_str(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);

	return text ? json_string(text) : json_null();
}

static json_t *store_history_int(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL
		   ? json_null()
		   : json_integer((json_int_t)sqlite3_column_int64(s, col));
}

/* A row's tags; what does not parse (a damaged row) lists none rather than failing the list. */
static json_t *store_history_row_tags(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	json_t *tags = text ? json_loads(text, 0, NULL) : NULL;

	if (json_is_array(tags))
		return tags;
	json_decref(tags);
	return json_array();
}

/* A row's active spans [[from_ms, to_ms]]; null for sessions closed before schema 6. */
static json_t *store_history_row_spans(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	json_t *spans = text ? json_loads(text, 0, NULL) : NULL;

	if (json_is_array(spans))
		return spans;
	json_decref(spans);
	return json_null();
}

static json_t *store_history_row(sqlite3_stmt *s)
{
	char started[40], ended[40];
	json_t *row;

	time_format_rfc3339(sqlite3_column_int64(s, 7), started, sizeof(started));
	time_format_rfc3339(sqlite3_column_int64(s, 8), ended, sizeof(ended));
	row = json_pack(
	    "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(s, 0), "repo", store_history_str(s, 1),
	    "repo_name", store_history_str(s, 2), "branch", store_history_str(s, 3), "focus",
	    store_history_str(s, 4), "tags", store_history_row_tags(s, 5), "state",
	    store_history_str(s, 6), "started_at", started, "ended_at", ended, "active_s",
	    (json_int_t)sqlite3_column_int64(s, 9), "wall_s", store_history_int(s, 10), "paused_s",
	    store_history_int(s, 11), "log", store_history_str(s, 12), "idle_s",
	    store_history_int(s, 13), "suspended_s", store_history_int(s, 14), "author",
	    store_history_str(s, 15), "commits", store_history_int(s, 16), "files",
	    store_history_int(s, 17), "added", store_history_int(s, 18), "removed",
	    store_history_int(s, 19), "ended_ms", (json_int_t)sqlite3_column_int64(s, 8));
	/* Closed at start-up because its events could not be read (docs/store.md). */
	if (row && sqlite3_column_type(s, 20) != SQLITE_NULL)
		json_object_set_new(row, "damaged", store_history_str(s, 20));
	/* tracked, manual (stint add) or imported (schema 8) */
	if (row)
		json_object_set_new(row, "origin", store_history_str(s, 21));
	return row;
}

/* The list's page: sessions_history walked backwards, so no sort, and LIMIT stops early. */
#define STORE_HISTORY_PAGE_SQL                                                                     \
	"SELECT id, repo, repo_name, branch, focus, tags, state, started_wall, ended_wall, "       \
	"active_s, wall_s, paused_s, log_path, idle_s, suspended_s, author, commits, files, "      \
	"added, removed, damaged, origin, spans FROM sessions INDEXED BY sessions_history "        \
	"WHERE " STORE_HISTORY_WHERE                                                               \
	"AND (?5 < 0 OR ended_wall < ?6 OR (ended_wall = ?6 AND id < ?5)) "                        \
	"ORDER BY ended_wall DESC, id DESC LIMIT ?7"

static int store_history_page_open(const struct store *st, const struct store_history_filter *f,
				   int64_t limit, int64_t before_ended, int64_t before_id,
				   sqlite3 **db, sqlite3_stmt **s)
{
	if (store_reader_open(st, STORE_HISTORY_PAGE_SQL, db, s) < 0 ||
	    store_history_bind(*s, f) < 0)
		return -1;
	sqlite3_bind_int64(*s, 5, before_id);
	sqlite3_bind_int64(*s, 6, before_ended);
	sqlite3_bind_int64(*s, 7, limit);
	return 0;
}

int store_history_list(const struct store *st, const struct store_history_filter *f, int64_t limit,
		       int64_t before_ended, int64_t before_id, json_t **out, char *err,
		       size_t errn)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR;

	*out = json_array();
	if (!*out || store_history_page_open(st, f, limit, before_ended, before_id, &db, &s) < 0)
		goto out;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *row = store_history_row(s);

		if (!row || json_array_append_new(*out, row) < 0) {
			r = SQLITE_NOMEM;
			break;
		}
	}
out:
	return store_reader_close(st, db, s, r, out, "sessions", err, errn);
}

/*
 * A session's events into row's "events" ([{"kind", "at" (wall ms), "data"}]), stopping past
 * max_bytes of payload text with "events_truncated": true. Returns the payload bytes read, or -1.
 */
static int64_t store_history_events(sqlite3_stmt *es, int64_t id, json_t *row, int64_t max_bytes)
{
	json_t *events = json_array();
	int64_t bytes = 0;
	int r;

	if (!events || json_object_set_new(row, "events", events) < 0)
		return -1;
	sqlite3_reset(es);
	sqlite3_bind_int64(es, 1, id);
	while ((r = sqlite3_step(es)) == SQLITE_ROW) {
		const char *payload = (const char *)sqlite3_column_text(es, 2);
		json_t *data = payload ? json_loads(payload, 0, NULL) : NULL, *ev;

		bytes += 48 + sqlite3_column_bytes(es, 0) + sqlite3_column_bytes(es, 2);
		if (bytes > max_bytes) {
			json_decref(data);
			json_object_set_new(row, "events_truncated", json_true());
			return bytes;
		}
		ev = json_pack("{s:o, s:I, s:o}", "kind", store_history_str(es, 0), "at",
			       (json_int_t)sqlite3_column_int64(es, 1), "data",
			       data ? data : json_null());
		if (!ev || json_array_append_new(events, ev) < 0)
			return -1;
	}
	return r == SQLITE_DONE ? bytes : -1;
}

int store_history_export(const struct store *st, const struct store_history_filter *f,
			 int64_t limit, int64_t before_ended, int64_t before_id, int64_t max_bytes,
			 int64_t max_events_bytes, json_t **out, char *err, size_t errn)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL, *es = NULL;
	int64_t bytes = 0, n;
	int r = SQLITE_ERROR;

	*out = json_array();
	if (!*out || store_history_page_open(st, f, limit, before_ended, before_id, &db, &s) < 0 ||
	    sqlite3_prepare_v2(db,
			       "SELECT kind, wall_ms, payload FROM events WHERE session_id = ? "
			       "ORDER BY id",
			       -1, &es, NULL) != SQLITE_OK)
		goto out;
	/* At least one session a page, however many events it has (cut at max_events_bytes). */
	while (bytes < max_bytes && (r = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *row = store_history_row(s);

		if (!row || json_array_append_new(*out, row) < 0 ||
		    json_object_set_new(row, "spans", store_history_row_spans(s, 22)) < 0) {
			r = SQLITE_NOMEM;
			break;
		}
		/* The row as sent (paths, focus and spans are not bounded by a few bytes). */
		bytes += (int64_t)json_dumpb(row, NULL, 0, JSON_COMPACT);
		if ((n = store_history_events(es, sqlite3_column_int64(s, 0), row,
					      max_events_bytes)) < 0) {
			r = SQLITE_NOMEM;
			break;
		}
		bytes += n;
	}
	if (r == SQLITE_ROW)
		r = SQLITE_DONE;
out:
	sqlite3_finalize(es);
	return store_reader_close(st, db, s, r, out, "the sessions to export", err, errn);
}

/* Splits a column of tags joined by U+001F (the query's group_concat) into tags[]. */
static size_t store_history_tags(char *joined, const char **tags, size_t max)
{
	size_t n = 0;

	for (char *p = joined, *q; p && n < max; p = q) {
		q = strchr(p, '\x1f');
		if (q)
			*q++ = '\0';
		if (*p)
			tags[n++] = p;
	}
	return n;
}

/*
 * A report of every stopped session by repository, branch or author (the commonest: "all
 * --by repo"), summed by SQLite along the covering index sessions_report instead of stepping
 * through 100 000 rows in C. It holds only when the range covers every session (so none is
 * cut at a boundary, and no day is asked for); the bounds are read in the same read
 * transaction as the sums (the first statement stays active while the second runs). Returns 1
 * when it made the report, 0 when it does not apply (the caller reads the rows), -1 on error.
 */
static int store_history_report_sum(const struct store *st, const struct store_history_filter *f,
				    struct report_group *g, char *err, size_t errn)
{
	static const char bounds[] = "SELECT (SELECT min(started_wall) FROM sessions), "
				     "(SELECT max(ended_wall) FROM sessions INDEXED BY "
				     "sessions_history WHERE state != 'open')";
	static const char sums[] =
	    "SELECT repo_name, branch, author, count(*), sum(active_s), sum(commits), sum(files), "
	    "sum(added), sum(removed) FROM sessions INDEXED BY sessions_report "
	    "WHERE state = 'stopped' GROUP BY repo_name, branch, author";
	static const enum report_dim rows[] = {REPORT_BY_TAG, REPORT_BY_FOCUS, REPORT_BY_DAY,
					       REPORT_BY_WEEK, REPORT_BY_MONTH};
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL, *q = NULL;
	int r = SQLITE_ERROR;

	if (f->repo || f->ntags || f->from < 0 || f->to < 0)
		return 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		if (report_group_uses(g, rows[i]))
			return 0;
	if (store_reader_open(st, bounds, &db, &s) < 0 || (r = sqlite3_step(s)) != SQLITE_ROW)
		goto out;
	/* Strictly inside: exactly the sessions the row path would count whole. An empty store
	 * (no minimum) is left to the row path, which has nothing to read either. */
	if (sqlite3_column_type(s, 0) == SQLITE_NULL ||
	    !(f->from < sqlite3_column_int64(s, 0) && sqlite3_column_int64(s, 1) < f->to)) {
		store_reader_close(st, db, s, SQLITE_DONE, NULL, "", err, errn);
		return 0;
	}
	if (sqlite3_prepare_v2(db, sums, -1, &q, NULL) != SQLITE_OK)
		goto out;
	log_debug("report: summed along sessions_report");
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		struct report_item it = {
		    .repo = (const char *)sqlite3_column_text(q, 0),
		    .branch = (const char *)sqlite3_column_text(q, 1),
		    .author = (const char *)sqlite3_column_text(q, 2),
		    .active_s = sqlite3_column_int64(q, 4),
		    .commits = sqlite3_column_int64(q, 5),
		    .files = sqlite3_column_int64(q, 6),
		    .added = sqlite3_column_int64(q, 7),
		    .removed = sqlite3_column_int64(q, 8),
		};

		if (report_group_add_sum(g, &it, sqlite3_column_int64(q, 3)) < 0) {
			r = SQLITE_NOMEM;
			break;
		}
	}
out:
	sqlite3_finalize(q);
	return store_reader_close(st, db, s, r, NULL, "the report's sums", err, errn) < 0 ? -1 : 1;
}

int store_history_report(const struct store *st, const struct store_history_filter *f,
			 struct report_group *g, char *err, size_t errn)
{
	/* The tags are split only when asked for (?5): json_each on every row costs. */
#define STORE_HISTORY_REPORT(from)                                                                 \
	"SELECT id, repo_name, branch, focus, author, started_wall, ended_wall, active_s, "        \
	"spans, commits, files, added, removed, "                                                  \
	"CASE WHEN ?5 THEN (SELECT group_concat(value, char(31)) FROM json_each(tags)) END "       \
	"FROM " from " WHERE " STORE_HISTORY_WHERE "AND state = 'stopped'"
	/* A range from the beginning reads the table straight through: cheaper than the index
	 * and a lookup per row. */
	const char *sql = f->from > 0 ? STORE_HISTORY_REPORT("sessions INDEXED BY sessions_history")
				      : STORE_HISTORY_REPORT("sessions NOT INDEXED");
	const char *tags[PROTO_MAX_TAGS];
	char joined[PROTO_MAX_TAGS * (PROTO_MAX_TAG + 1) + 1];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR;

	int done = store_history_report_sum(st, f, g, err, errn);

	if (done != 0)
		return done < 0 ? -1 : 0;
	if (store_reader_open(st, sql, &db, &s) < 0 || store_history_bind(s, f) < 0)
		goto out;
	sqlite3_bind_int(s, 5, report_group_uses(g, REPORT_BY_TAG));
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *tl = (const char *)sqlite3_column_text(s, 13);
		struct report_item it = {
		    .id = sqlite3_column_int64(s, 0),
		    .repo = (const char *)sqlite3_column_text(s, 1),
		    .branch = (const char *)sqlite3_column_text(s, 2),
		    .focus = (const char *)sqlite3_column_text(s, 3),
		    .author = (const char *)sqlite3_column_text(s, 4),
		    .started_ms = sqlite3_column_int64(s, 5),
		    .ended_ms = sqlite3_column_int64(s, 6),
		    .active_s = sqlite3_column_int64(s, 7),
		    .spans = (const char *)sqlite3_column_text(s, 8),
		    .commits = sqlite3_column_int64(s, 9),
		    .files = sqlite3_column_int64(s, 10),
		    .added = sqlite3_column_int64(s, 11),
		    .removed = sqlite3_column_int64(s, 12),
		    .tags = tags,
		};

		if (tl) {
			snprintf(joined, sizeof(joined), "%s", tl);
			it.ntags = store_history_tags(joined, tags, PROTO_MAX_TAGS);
		}
		if (report_group_add(g, &it) < 0) {
			r = SQLITE_NOMEM;
			break;
		}
	}
out:
	return store_reader_close(st, db, s, r, NULL, "the report's sessions", err, errn);
}

int store_history_span(const struct store *st, int64_t id, int64_t *started, int64_t *ended,
		       char *err, size_t errn)
{
	static const char sql[] = "SELECT started_wall, ended_wall FROM sessions WHERE id = ?";
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR, found = 0;

	if (store_reader_open(st, sql, &db, &s) == 0) {
		sqlite3_bind_int64(s, 1, id);
		r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			*started = sqlite3_column_int64(s, 0);
			*ended = sqlite3_column_type(s, 1) == SQLITE_NULL
				     ? -1
				     : sqlite3_column_int64(s, 1);
			found = 1;
			r = SQLITE_DONE;
		}
	}
	if (store_reader_close(st, db, s, r, NULL, "a session", err, errn) < 0)
		return -1;
	return found ? 0 : -ENOENT;
}
