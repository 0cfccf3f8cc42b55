#ifndef STINTD_STORE_H
#define STINTD_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "session.h"

/*
 * The durable store: SQLite in WAL mode with synchronous=FULL, an append-only event log per
 * session. Opening and loading block (start-up only); every change afterwards goes through
 * store_submit, runs on the libuv worker pool one batch at a time (group commit: every op queued
 * while a batch runs is committed in the next single transaction), and completes on the loop.
 */
struct store;

/* The schema this stintd writes (PRAGMA user_version); store.c's migrations reach it. */
#define STORE_SCHEMA_VERSION 10

enum store_op_kind {
	STORE_OP_INSERT_SESSION, /* session row + its first event; sets result_id */
	STORE_OP_APPEND_EVENT,
	STORE_OP_CLOSE_SESSION, /* final event + state, times and log path on the row */
	STORE_OP_LIST,		/* closed sessions, newest first; sets result */
	STORE_OP_WATCH_ADD,	/* repo into the watched set; result_id 1 if new, 0 if there */
	STORE_OP_WATCH_REMOVE,	/* repo out of it; result_id 1 if removed, 0 if absent */
	STORE_OP_WATCH_LOAD,	/* the watched set, and git repos with a session since limit */
	STORE_OP_ADD_SESSION,	/* a closed session [at, end_ms) (stint add, import); result_id */
	STORE_OP_RUN,		/* op->run on the writer, in the batch's transaction */
};

/* How a session came to be: the sessions.origin column (schema 8). */
#define STORE_ORIGIN_TRACKED  "tracked"
#define STORE_ORIGIN_MANUAL   "manual"
#define STORE_ORIGIN_IMPORTED "imported"

/*
 * The first session (by start) of repo ?1 whose time [started_wall, ended_wall, or ?5 (now) for
 * the open one) meets [?2, ?3), other than id ?4; cancelled sessions are thrown-away work and
 * overlap nothing: store_overlap_find's question, and the one STORE_OP_ADD_SESSION asks again
 * inside its transaction. Imported sessions are keyed by name (repo = repo_name), tracked ones
 * by path, and one hour must not count twice: for a named session ?6 is its name and the
 * sessions whose repo_name is ?6 count too; for a path ?7 is its repo_name and the named
 * sessions of that name (repo = ?7) count too (NULL: none). Closed and open sessions apart, so
 * the closed ones are a range of sessions_by_repo or sessions_by_name (ended after ?2), not
 * every session of repo: an import in time order finds nothing after its start at once.
 */
#define STORE_OVERLAP_SQL                                                                          \
	"SELECT id, started_wall, ended_wall, repo_name FROM sessions WHERE repo IN (?1, ?7) "     \
	"AND state = 'open' AND started_wall < ?3 AND ?5 > ?2 AND id != ?4 "                       \
	"UNION ALL SELECT id, started_wall, ended_wall, repo_name FROM sessions "                  \
	"WHERE repo IN (?1, ?7) AND state = 'stopped' AND ended_wall > ?2 AND started_wall < ?3 "  \
	"AND id != ?4 "                                                                            \
	"UNION ALL SELECT id, started_wall, ended_wall, repo_name FROM sessions "                  \
	"WHERE repo_name = ?6 AND state = 'open' AND started_wall < ?3 AND ?5 > ?2 AND id != ?4 "  \
	"UNION ALL SELECT id, started_wall, ended_wall, repo_name FROM sessions "                  \
	"WHERE repo_name = ?6 AND state = 'stopped' AND ended_wall > ?2 AND started_wall < ?3 "    \
	"AND id != ?4 ORDER BY 2, 1 LIMIT 1"

/*
 * "session 17 in gadget (2026-12-01 09:30:00 to 2026-12-01 12:00:00)": how every refusal for
 * an overlap (add, import, start --at, edit) names the other session, in local time to the
 * second; name NULL when unknown, to_ms < 0 for the open one.
 */
#define STORE_OVERLAP_SAY_MAX 320 /* its name is cut at 200 bytes */
void store_overlap_say(int64_t id, const char *name, int64_t from_ms, int64_t to_ms, char *buf,
		       size_t n);

struct store_op {
	enum store_op_kind kind;
	int64_t session_id;
	json_t *row; /* INSERT: repo, repo_name, branch, head, author, focus, tags, and
		      * started_wall (wall ms) when not the event's (start --at) */
	const char *event;
	struct stamp at;
	json_t *payload;   /* event payload, or NULL */
	const char *state; /* CLOSE: "stopped" or "cancelled" */
	struct session_times times;
	const char *log_path; /* CLOSE: or NULL */
	json_t *handoff;      /* CLOSE: the open todos the log handed on (logprep), or NULL */
	json_t *spans;	      /* CLOSE: session_active_spans, or NULL */
	json_t *stats;	      /* CLOSE: the record's statistics (commits...), or NULL */
	const char *record;   /* CLOSE: the record the log was rendered from (JSON), or NULL */
	const char *repo;     /* LIST: filter, or NULL; WATCH_ADD, WATCH_REMOVE: the root */
	int64_t limit;	      /* LIST: rows; WATCH_LOAD: wall ms, the oldest session start */
	/* ADD_SESSION: row as for INSERT (repo, repo_name, author, focus, tags), at the start,
	 * end_ms the end; origin, source_key (or NULL). A source_key already stored sets
	 * duplicate and result_id to that session; an overlap fails with overlap_id set (also
	 * set by a RUN that refuses for an overlap: logged at debug, not as a store failure). */
	int64_t end_ms;
	const char *origin, *source_key;
	bool named; /* ADD_SESSION: repo is a name, not a path (an import; STORE_OVERLAP_SQL) */
	bool duplicate;
	int64_t overlap_id;
	bool refused; /* RUN: said no to the request (no such session...): not a store failure */

	/* RUN: the work, on the worker, in its own savepoint: 0, or -1 with err filled (its
	 * writes are then rolled back). For a module's own statements (cmd_edit.c). */
	int (*run)(sqlite3 *db, struct store_op *op);

	int64_t result_id;
	json_t *result;
	int status; /* 0 or -1 */
	char err[512];

	void (*done)(struct store_op *op);
	void *data;
	struct store_op *next;
};

/*
 * Opens (creating and migrating) the database at path. Returns NULL with err filled. A store that
 * is not a regular file, or an existing one of zero length (SQLite would take it for a new, empty
 * database), is refused; when SQLite finds the file damaged, err says "damaged" and names it.
 * The whole-file check is not made here (it reads every page): see store_quick_check_file.
 */
struct store *store_open(uv_loop_t *loop, const char *path, char *err, size_t errn);
/* The database's path, for the read-only connections of other readers (store_history). */
const char *store_path(const struct store *st);
/* The store's random identity (hex), made at its first open and kept: what tells its sessions
 * from another machine's in the logs' record lines. NULL when none could be had. */
const char *store_identity(const struct store *st);
/* A text column as a JSON string, NULL as null (a reader's rows). */
json_t *store_column_str(sqlite3_stmt *s, int col);
/* Closes the database; the queue must be idle. NULL is a no-op. */
void store_close(struct store *st);
/*
 * PRAGMA quick_check of the file at path on a read-only connection of its own: NULL when it
 * says ok, else what it found ("; "-separated, malloc'd; a file it cannot open is a finding).
 * Blocking, and it reads every page: stintd runs it on the pool once it serves.
 */
char *store_quick_check_file(const char *path);
/* Keeps what store_quick_check_file found (taking found, which may be NULL). */
void store_set_damage(struct store *st, char *found);
/* What store_set_damage kept, or NULL: no damage found (or not checked yet). */
const char *store_damage(const struct store *st);
/* Whether an SQLite result code means a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB). */
bool store_is_damage(int code);

/*
 * Calls cb for every open session, with its row ({"id","repo","repo_name","branch","head",
 * "author","focus","tags"}) and its events in order ([{"kind","mono","boot","wall","boot_id",
 * "data"}]). When the events stop short because a page is damaged, the row also has "damaged":
 * SQLite's message, and events holds those read before. Blocking. Returns 0 or -1 with err
 * filled.
 */
int store_load_open(struct store *st, int (*cb)(void *arg, json_t *row, json_t *events), void *arg,
		    char *err, size_t errn);

/*
 * Closes the open session id, whose events could not be read, as cancelled with why in its
 * damaged column and ended_wall (wall ms, at least its start): its repository is free again.
 * Blocking, start-up only. Returns 0 or -1 with err filled.
 */
int store_close_damaged(struct store *st, int64_t id, int64_t ended_wall, const char *why,
			char *err, size_t errn);

/* Whether the previous daemon ended cleanly; marks this run as not (yet) clean. Blocking. */
bool store_begin_run(struct store *st);
/* Marks a clean shutdown. Blocking; call once the queue is idle. */
void store_end_run(struct store *st);

/* Runs op right now in its own transaction, blocking: for start-up only. Returns op->status. */
int store_run_now(struct store *st, struct store_op *op);
/* Queues op; op->done runs on the loop thread once it is committed or has failed. */
void store_submit(struct store *st, struct store_op *op);
/* True while a batch is running or ops are queued. */
bool store_busy(const struct store *st);
/* Called (once) on the loop each time the queue becomes idle; for shutdown. */
void store_set_idle_cb(struct store *st, void (*cb)(void *arg), void *arg);

#endif
