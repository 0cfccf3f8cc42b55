#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "record.h"

struct store {
	uv_loop_t *loop;
	sqlite3 *db;
	char *path;
	uv_work_t work;
	bool running;
	struct store_op *queue_head, *queue_tail; /* waiting for the next batch */
	struct store_op *batch;			  /* the batch on the worker */
	char batch_err[512];
	char *damage;	   /* what PRAGMA quick_check found (store_set_damage), or NULL */
	char identity[40]; /* store_identity */
	void (*idle_cb)(void *arg);
	void *idle_arg;
};

/* Each migration takes the schema from version i to i + 1; never edit one that has shipped. */
static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  repo TEXT NOT NULL,"
    "  repo_name TEXT NOT NULL,"
    "  branch TEXT, head TEXT, author TEXT, focus TEXT,"
    "  tags TEXT NOT NULL DEFAULT '[]',"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'stopped', 'cancelled')),"
    "  started_wall INTEGER NOT NULL,"
    "  ended_wall INTEGER, active_s INTEGER, wall_s INTEGER, paused_s INTEGER,"
    "  log_path TEXT);"
    "CREATE UNIQUE INDEX sessions_one_open ON sessions (repo) WHERE state = 'open';"
    "CREATE INDEX sessions_closed ON sessions (state, ended_wall);"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions (id),"
    "  kind TEXT NOT NULL,"
    "  mono_ns INTEGER NOT NULL, boot_ns INTEGER NOT NULL, wall_ms INTEGER NOT NULL,"
    "  boot_id TEXT NOT NULL,"
    "  payload TEXT);"
    "CREATE INDEX events_by_session ON events (session_id, id);"
    "CREATE TABLE daemon (key TEXT PRIMARY KEY, value TEXT);",
    /* 2: idle and suspended time of closed sessions */
    "ALTER TABLE sessions ADD COLUMN idle_s INTEGER;"
    "ALTER TABLE sessions ADD COLUMN suspended_s INTEGER;",
    /* 3: repositories watched for auto-start (stint watch) */
    "CREATE TABLE watched ("
    "  repo TEXT PRIMARY KEY,"
    "  added_wall INTEGER NOT NULL);",
    /* 4: the open todos a closed session's log handed on (JSON), for when the log is gone;
     * NULL for sessions closed before. The index finds a repository's previous logs. */
    "ALTER TABLE sessions ADD COLUMN handoff TEXT;"
    "CREATE INDEX sessions_by_repo ON sessions (repo, state, ended_wall);",
    /* 5: why a session was closed at start-up because its events could not be read; NULL for
     * every other session */
    "ALTER TABLE sessions ADD COLUMN damaged TEXT;",
    /* 6: what a report totals, on the row (docs/reports.md): the active spans ([[from_ms,
     * to_ms]], JSON) and the log's statistics; NULL for sessions closed before. The partial
     * index serves list and report: closed sessions by end, without the open ones. */
    "ALTER TABLE sessions ADD COLUMN spans TEXT;"
    "ALTER TABLE sessions ADD COLUMN commits INTEGER;"
    "ALTER TABLE sessions ADD COLUMN files INTEGER;"
    "ALTER TABLE sessions ADD COLUMN added INTEGER;"
    "ALTER TABLE sessions ADD COLUMN removed INTEGER;"
    "CREATE INDEX sessions_history ON sessions (ended_wall, id) WHERE state != 'open';"
    /* start-up's recent repositories (STORE_OP_WATCH_LOAD) without a scan of every session */
    "CREATE INDEX sessions_started ON sessions (started_wall);",
    /* 7: a report of every session by repository, branch or author, summed along an index
     * that holds all it reads, in the GROUP BY's order (store_history_report_sum) */
    "CREATE INDEX sessions_report ON sessions (repo_name, branch, author, active_s, commits, "
    "files, added, removed) WHERE state = 'stopped';",
    /* 8: how a session came to be (tracked, manual: stint add, imported: stint import) and an
     * imported one's identity in its source, so importing the same data twice adds nothing */
    "ALTER TABLE sessions ADD COLUMN origin TEXT NOT NULL DEFAULT 'tracked';"
    "ALTER TABLE sessions ADD COLUMN source_key TEXT;"
    "CREATE UNIQUE INDEX sessions_source ON sessions (source_key) WHERE source_key IS NOT NULL;",
    /* 9: an import keyed by a name meets the tracked sessions of that name (STORE_OVERLAP_SQL) */
    "CREATE INDEX sessions_by_name ON sessions (repo_name, state, ended_wall);",
    /* 10: the record a stop rendered its log from (JSON, docs/log-record.md's fields and
     * more), so `stint log --regenerate` renders what the stop saw; NULL for sessions closed
     * before, without a log, or whose record was over 8 MiB */
    "ALTER TABLE sessions ADD COLUMN record TEXT;",
};

static int store_exec(sqlite3 *db, const char *sql, char *err, size_t errn)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errn, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

bool store_is_damage(int code)
{
	code &= 0xff;
	return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

/* "X is damaged: what SQLite said; run 'stint doctor'": the one wording of a damaged store. */
static void store_say_damaged(char *err, size_t errn, const char *path, const char *what)
{
	snprintf(err, errn,
		 "store: %s is damaged: %s; run 'stint doctor' to see what is wrong and which "
		 "backup can replace it",
		 path, what);
}

/* err for a failed SQLite call on path: "damaged" when the file is, else what failed. */
static void store_say_failed(sqlite3 *db, const char *path, const char *doing, char *err,
			     size_t errn)
{
	if (store_is_damage(sqlite3_errcode(db)))
		store_say_damaged(err, errn, path, sqlite3_errmsg(db));
	else
		snprintf(err, errn, "store: cannot %s %s: %s", doing, path, sqlite3_errmsg(db));
}

static int store_migrate(sqlite3 *db, const char *path, char *err, size_t errn)
{
	sqlite3_stmt *st;
	int version = 0;
	char e[256];

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		store_say_failed(db, path, "read the schema version of", err, errn);
		return -1;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_say_failed(db, path, "read the schema version of", err, errn);
		sqlite3_finalize(st);
		return -1;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, errn,
			 "store: %s has schema version %d, newer than this stintd knows (%d); "
			 "upgrade stint",
			 path, version, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; version < STORE_SCHEMA_VERSION; version++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		if (store_exec(db, "BEGIN IMMEDIATE", e, sizeof(e)) < 0 ||
		    store_exec(db, store_migrations[version], e, sizeof(e)) < 0 ||
		    store_exec(db, sql, e, sizeof(e)) < 0 ||
		    store_exec(db, "COMMIT", e, sizeof(e)) < 0) {
			bool damaged = store_is_damage(sqlite3_errcode(db));

			store_exec(db, "ROLLBACK", e + 128, 0);
			if (damaged)
				store_say_damaged(err, errn, path, e);
			else
				snprintf(err, errn, "store: cannot migrate %s to version %d: %s",
					 path, version + 1, e);
			return -1;
		}
	}
	return 0;
}

/*
 * The store holds what the user worked on: only the user reads it. SQLite gives its -wal and
 * -shm files the database file's mode, so the file is made 0600 before SQLite opens it, and an
 * older store's files (0644 then) are tightened. Only a regular file is taken: SQLite would
 * block on a FIFO or fail obscurely on a directory. An existing store of zero length is refused:
 * SQLite takes it for a new, empty database, which would replace the user's sessions with none.
 * Returns 0, -EINVAL (not a regular file), -EISDIR, -ENODATA (empty), or -errno.
 */
static int store_private(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[PATH_MAX];
	struct stat st, wal;
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW), r = 0;

	if (fd < 0 && errno == ENOENT)
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	else if (fd >= 0 && fstat(fd, &st) == 0) {
		snprintf(p, sizeof(p), "%s-wal", path);
		if (!S_ISREG(st.st_mode))
			r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		else if (st.st_size == 0 && !(lstat(p, &wal) == 0 && wal.st_size > 0))
			r = -ENODATA;
	}
	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	close(fd);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) &&
		    chmod(p, st.st_mode & 0700) < 0)
			return -errno;
	}
	return 0;
}

/* err for store_private's refusal: what the file is, and what to do. */
static void store_say_refused(int rc, const char *path, char *err, size_t errn)
{
	switch (rc) {
	case -ENODATA:
		snprintf(
		    err, errn,
		    "store: %s is empty (zero length): its sessions are gone, and stint will not "
		    "start over silently; run 'stint doctor --restore' to put the newest backup "
		    "in its place, or remove the file to start with an empty store",
		    path);
		break;
	case -EINVAL:
	case -EISDIR:
		snprintf(
		    err, errn,
		    "store: %s is not a regular file (%s); move it away so stintd can keep its "
		    "sessions there",
		    path, rc == -EISDIR ? "a directory" : "a FIFO, device, socket or symlink");
		break;
	default:
		snprintf(err, errn, "store: cannot open %s: %s", path, strerror(-rc));
	}
}

char *store_quick_check_file(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s;
	char buf[512] = "";
	size_t len = 0;
	int r;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
		SQLITE_OK ||
	    sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA quick_check(5)", -1, &s, NULL) != SQLITE_OK) {
		char *why = strdup(db ? sqlite3_errmsg(db) : "out of memory");

		sqlite3_close(db);
		return why;
	}
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(s, 0);

		if (line && strcmp(line, "ok") == 0)
			break;
		if (line && len < sizeof(buf) - 1)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
						len ? "; " : "", line);
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		snprintf(buf, sizeof(buf), "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return buf[0] ? strdup(buf) : NULL;
}

void store_set_damage(struct store *st, char *found)
{
	free(st->damage);
	st->damage = found;
}

/* The first value of sql's one column, when it is a short hex string, into out. */
static bool store_identity_query(sqlite3 *db, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *s;
	const char *v;
	bool ok = false;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(s) == SQLITE_ROW && (v = (const char *)sqlite3_column_text(s, 0)) && *v &&
	    strlen(v) < n && strspn(v, "0123456789abcdef") == strlen(v)) {
		snprintf(out, n, "%s", v);
		ok = true;
	}
	sqlite3_finalize(s);
	return ok;
}

/*
 * The store's identity (docs/log-record.md, "The record line"): 128 random bits made once and
 * kept in the daemon table, so a session is (identity, id) in logs from many machines. A store
 * that cannot keep it gets one for this run: its logs still count once each.
 */
static void store_load_identity(struct store *st)
{
	char e[256];

	if (store_exec(st->db,
		       "INSERT OR IGNORE INTO daemon (key, value) "
		       "VALUES ('store_id', lower(hex(randomblob(16))))",
		       e, sizeof(e)) < 0)
		log_warnx("store: cannot keep an identity in %s: %s", st->path, e);
	if (store_identity_query(st->db, "SELECT value FROM daemon WHERE key = 'store_id'",
				 st->identity, sizeof(st->identity)) ||
	    store_identity_query(st->db, "SELECT lower(hex(randomblob(16)))", st->identity,
				 sizeof(st->identity)))
		return;
	log_warnx("store: no identity for %s; its logs get no record line", st->path);
}

const char *store_identity(const struct store *st)
{
	return st->identity[0] ? st->identity : NULL;
}

struct store *store_open(uv_loop_t *loop, const char *path, char *err, size_t errn)
{
	struct store *st = calloc(1, sizeof(*st));
	char e[256];
	int rc;

	if (!st || !(st->path = strdup(path))) {
		free(st);
		snprintf(err, errn, "store: out of memory");
		return NULL;
	}
	st->loop = loop;
	if ((rc = store_private(path)) < 0) {
		store_say_refused(rc, path, err, errn);
		goto fail;
	}
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errn, "store: cannot open %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	/* WAL + FULL: a commit that returned survives power loss; no acknowledged event is lost. */
	if (store_exec(st->db,
		       "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
		       "PRAGMA foreign_keys = ON;",
		       e, sizeof(e)) < 0) {
		if (store_is_damage(sqlite3_errcode(st->db)))
			store_say_damaged(err, errn, path, e);
		else
			snprintf(err, errn, "store: cannot set up %s: %s", path, e);
		goto fail;
	}
	if (store_migrate(st->db, path, err, errn) < 0)
		goto fail;
	store_load_identity(st);
	return st;
fail:
	store_close(st);
	return NULL;
}

const char *store_damage(const struct store *st)
{
	return st->damage;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st->damage);
	free(st->path);
	free(st);
}

/* A JSON column; text that does not parse (a damaged row) reads as null, never as NULL. */
static json_t *store_column_json(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	return v ? v : json_null();
}

json_t *store_column_str(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);

	return text ? json_string(text) : json_null();
}

/*
 * The events of the session of es's bound id, in order, into events. Returns SQLITE_DONE when
 * all were read, else the failed step's code (SQLITE_CORRUPT: a damaged page), never taking an
 * error for the end of the rows.
 */
static int store_load_events(sqlite3_stmt *es, json_t *events)
{
	int r;

	while ((r = sqlite3_step(es)) == SQLITE_ROW) {
		json_t *ev =
		    json_pack("{s:o, s:I, s:I, s:I, s:o, s:o}", "kind", store_column_str(es, 0),
			      "mono", (json_int_t)sqlite3_column_int64(es, 1), "boot",
			      (json_int_t)sqlite3_column_int64(es, 2), "wall",
			      (json_int_t)sqlite3_column_int64(es, 3), "boot_id",
			      store_column_str(es, 4), "data", store_column_json(es, 5));

		if (!ev || json_array_append_new(events, ev) < 0)
			return SQLITE_NOMEM;
	}
	return r;
}

int store_load_open(struct store *st, int (*cb)(void *arg, json_t *row, json_t *events), void *arg,
		    char *err, size_t errn)
{
	sqlite3_stmt *ss = NULL, *es = NULL;
	int rc = -1, r;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, repo, repo_name, branch, head, author, focus, tags "
			       "FROM sessions WHERE state = 'open' ORDER BY id",
			       -1, &ss, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		st->db,
		"SELECT kind, mono_ns, boot_ns, wall_ms, boot_id, payload FROM events "
		"WHERE session_id = ? ORDER BY id",
		-1, &es, NULL) != SQLITE_OK) {
		store_say_failed(st->db, st->path, "read the open sessions of", err, errn);
		goto out;
	}
	while ((r = sqlite3_step(ss)) == SQLITE_ROW) {
		json_t *row, *events = json_array();
		int cr, er;

		row = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
				(json_int_t)sqlite3_column_int64(ss, 0), "repo",
				store_column_str(ss, 1), "repo_name", store_column_str(ss, 2),
				"branch", store_column_str(ss, 3), "head", store_column_str(ss, 4),
				"author", store_column_str(ss, 5), "focus", store_column_str(ss, 6),
				"tags", store_column_json(ss, 7));
		sqlite3_reset(es);
		sqlite3_bind_int64(es, 1, sqlite3_column_int64(ss, 0));
		er = events ? store_load_events(es, events) : SQLITE_NOMEM;
		if (er == SQLITE_NOMEM || !row) {
			json_decref(row);
			json_decref(events);
			snprintf(err, errn, "store: out of memory reading %s", st->path);
			goto out;
		}
		/* The events stop short: the session cannot be folded, the caller keeps it as
		 * damaged. */
		if (er != SQLITE_DONE)
			json_object_set_new(row, "damaged", json_string(sqlite3_errmsg(st->db)));
		cr = cb(arg, row, events);
		json_decref(row);
		json_decref(events);
		if (cr < 0) {
			if (st->damage)
				store_say_damaged(err, errn, st->path, st->damage);
			else
				snprintf(err, errn, "store: cannot restore a session from %s",
					 st->path);
			goto out;
		}
	}
	if (r != SQLITE_DONE) {
		store_say_failed(st->db, st->path, "read the open sessions of", err, errn);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(ss);
	sqlite3_finalize(es);
	return rc;
}

/*
 * Closes the open session id that start-up could not fold, keeping why: it stops blocking its
 * repository and stays on record. ended_wall is its last readable event's, else its start.
 */
int store_close_damaged(struct store *st, int64_t id, int64_t ended_wall, const char *why,
			char *err, size_t errn)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(
		st->db,
		"UPDATE sessions SET state = 'cancelled', damaged = ?1, "
		"ended_wall = max(started_wall, ?2) WHERE id = ?3 AND state = 'open'",
		-1, &s, NULL) != SQLITE_OK) {
		store_say_failed(st->db, st->path, "close a damaged session in", err, errn);
		return -1;
	}
	sqlite3_bind_text(s, 1, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, ended_wall);
	sqlite3_bind_int64(s, 3, id);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE) {
		store_say_failed(st->db, st->path, "close a damaged session in", err, errn);
		return -1;
	}
	return 0;
}

static void store_set_clean_exit(struct store *st, bool clean)
{
	char e[256];

	if (store_exec(st->db,
		       clean
			   ? "INSERT OR REPLACE INTO daemon (key, value) VALUES ('clean_exit', 1)"
			   : "INSERT OR REPLACE INTO daemon (key, value) VALUES ('clean_exit', 0)",
		       e, sizeof(e)) < 0)
		log_warnx("store: cannot mark %s in %s: %s", clean ? "the clean exit" : "the run",
			  st->path, e);
}

bool store_begin_run(struct store *st)
{
	sqlite3_stmt *s;
	bool clean = true;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM daemon WHERE key = 'clean_exit'", -1, &s,
			       NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			clean = sqlite3_column_int(s, 0) != 0;
		sqlite3_finalize(s);
	}
	store_set_clean_exit(st, false);
	return clean;
}

void store_end_run(struct store *st)
{
	store_set_clean_exit(st, true);
}

/* Finalizes s; a last step other than SQLITE_DONE is the op's error. */
static int store_finish_stmt(sqlite3 *db, sqlite3_stmt *s, int r, struct store_op *op)
{
	if (r != SQLITE_DONE)
		snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : -1;
}

static int store_step_done(sqlite3 *db, sqlite3_stmt *s, struct store_op *op)
{
	return store_finish_stmt(db, s, sqlite3_step(s), op);
}

static int store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s, struct store_op *op)
{
	if (sqlite3_prepare_v2(db, sql, -1, s, NULL) != SQLITE_OK) {
		snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static void store_bind_json_str(sqlite3_stmt *s, int idx, json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	if (v)
		sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, idx);
}

/* An integer of obj, or NULL when it has none (an added session without git statistics). */
static void store_bind_json_int(sqlite3_stmt *s, int idx, json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		sqlite3_bind_int64(s, idx, json_integer_value(v));
	else
		sqlite3_bind_null(s, idx);
}

/* The statement just done changed one row: the session op->session_id was still open. */
static int store_check_open(sqlite3 *db, struct store_op *op)
{
	if (sqlite3_changes(db) != 1) {
		snprintf(op->err, sizeof(op->err), "session %lld is not open",
			 (long long)op->session_id);
		return -1;
	}
	return 0;
}

static int store_op_append_event(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;
	char *payload = op->payload ? json_dumps(op->payload, JSON_COMPACT) : NULL;

	if (store_prepare(
		db,
		"INSERT INTO events (session_id, kind, mono_ns, boot_ns, wall_ms, boot_id, "
		"payload) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 "
		"WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?1 AND state = 'open')",
		&s, op) < 0) {
		free(payload);
		return -1;
	}
	sqlite3_bind_int64(s, 1, op->session_id);
	sqlite3_bind_text(s, 2, op->event, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, op->at.mono_ns);
	sqlite3_bind_int64(s, 4, op->at.boot_ns);
	sqlite3_bind_int64(s, 5, op->at.wall_ms);
	sqlite3_bind_text(s, 6, op->at.boot_id, -1, SQLITE_STATIC);
	if (payload)
		sqlite3_bind_text(s, 7, payload, -1, free);
	else
		sqlite3_bind_null(s, 7);
	/* Closed sessions take no more events, whatever was still in flight for them. */
	if (store_step_done(db, s, op) < 0)
		return -1;
	return store_check_open(db, op);
}

static int store_op_insert_session(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;
	char *tags = json_dumps(json_object_get(op->row, "tags"), JSON_COMPACT);

	if (store_prepare(
		db,
		"INSERT INTO sessions (repo, repo_name, branch, head, author, focus, tags, state, "
		"started_wall) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
		&s, op) < 0) {
		free(tags);
		return -1;
	}
	store_bind_json_str(s, 1, op->row, "repo");
	store_bind_json_str(s, 2, op->row, "repo_name");
	store_bind_json_str(s, 3, op->row, "branch");
	store_bind_json_str(s, 4, op->row, "head");
	store_bind_json_str(s, 5, op->row, "author");
	store_bind_json_str(s, 6, op->row, "focus");
	sqlite3_bind_text(s, 7, tags ? tags : "[]", -1, SQLITE_TRANSIENT);
	free(tags);
	if (json_is_integer(json_object_get(op->row, "started_wall")))
		sqlite3_bind_int64(s, 8,
				   json_integer_value(json_object_get(op->row, "started_wall")));
	else
		sqlite3_bind_int64(s, 8, op->at.wall_ms);
	if (store_step_done(db, s, op) < 0)
		return -1;
	op->session_id = op->result_id = sqlite3_last_insert_rowid(db);
	return store_op_append_event(db, op);
}

/* The log's commits, files, added and removed lines from idx on; NULL where unknown. */
static void store_bind_stats(sqlite3_stmt *s, int idx, json_t *stats)
{
	static const char *const keys[] = {RECORD_COMMITS, RECORD_FILES_CHANGED, RECORD_ADDED,
					   RECORD_REMOVED};

	for (int i = 0; i < 4; i++) {
		json_t *v = json_object_get(stats, keys[i]);

		if (json_is_integer(v))
			sqlite3_bind_int64(s, idx + i, json_integer_value(v));
		else
			sqlite3_bind_null(s, idx + i);
	}
}

static int store_op_close_session(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;
	char *handoff = op->handoff ? json_dumps(op->handoff, JSON_COMPACT) : NULL;
	char *spans = op->spans ? json_dumps(op->spans, JSON_COMPACT) : NULL;

	if (store_op_append_event(db, op) < 0 ||
	    store_prepare(
		db,
		"UPDATE sessions SET state = ?, ended_wall = ?, active_s = ?, wall_s = ?, "
		"paused_s = ?, log_path = ?, idle_s = ?8, suspended_s = ?9, handoff = ?10, "
		"spans = ?11, commits = ?12, files = ?13, added = ?14, removed = ?15, "
		"record = ?16 WHERE id = ?7 AND state = 'open'",
		&s, op) < 0) {
		free(handoff);
		free(spans);
		return -1;
	}
	sqlite3_bind_text(s, 1, op->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, op->at.wall_ms);
	sqlite3_bind_int64(s, 3, op->times.active_s);
	sqlite3_bind_int64(s, 4, op->times.wall_s);
	sqlite3_bind_int64(s, 5, op->times.paused_s);
	if (op->log_path)
		sqlite3_bind_text(s, 6, op->log_path, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int64(s, 7, op->session_id);
	sqlite3_bind_int64(s, 8, op->times.idle_s);
	sqlite3_bind_int64(s, 9, op->times.suspended_s);
	if (handoff)
		sqlite3_bind_text(s, 10, handoff, -1, free);
	else
		sqlite3_bind_null(s, 10);
	if (spans)
		sqlite3_bind_text(s, 11, spans, -1, free);
	else
		sqlite3_bind_null(s, 11);
	store_bind_stats(s, 12, op->stats);
	if (op->record)
		sqlite3_bind_text(s, 16, op->record, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 16);
	if (store_step_done(db, s, op) < 0)
		return -1;
	return store_check_open(db, op);
}

static int store_op_list(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;
	int r;

	if (store_prepare(db,
			  "SELECT id, repo, repo_name, branch, focus, tags, state, started_wall, "
			  "ended_wall, active_s, wall_s, paused_s, log_path, idle_s, suspended_s, "
			  "damaged FROM sessions "
			  "WHERE state != 'open' AND (?1 IS NULL OR repo = ?1) "
			  "ORDER BY ended_wall DESC, id DESC LIMIT ?2",
			  &s, op) < 0)
		return -1;
	if (op->repo)
		sqlite3_bind_text(s, 1, op->repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, op->limit);
	op->result = json_array();
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		char started[40], ended[40];
		json_t *row;

		time_format_rfc3339(sqlite3_column_int64(s, 7), started, sizeof(started));
		time_format_rfc3339(sqlite3_column_int64(s, 8), ended, sizeof(ended));
		row = json_pack(
		    "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:o, s:I, "
		    "s:I}",
		    "id", (json_int_t)sqlite3_column_int64(s, 0), "repo", store_column_str(s, 1),
		    "repo_name", store_column_str(s, 2), "branch", store_column_str(s, 3), "focus",
		    store_column_str(s, 4), "tags", store_column_json(s, 5), "state",
		    store_column_str(s, 6), "started_at", started, "ended_at", ended, "active_s",
		    (json_int_t)sqlite3_column_int64(s, 9), "wall_s",
		    (json_int_t)sqlite3_column_int64(s, 10), "paused_s",
		    (json_int_t)sqlite3_column_int64(s, 11), "log", store_column_str(s, 12),
		    "idle_s", (json_int_t)sqlite3_column_int64(s, 13), "suspended_s",
		    (json_int_t)sqlite3_column_int64(s, 14));
		/* Only a session closed at start-up because its events were unreadable has one. */
		if (row && sqlite3_column_type(s, 15) != SQLITE_NULL)
			json_object_set_new(row, "damaged", store_column_str(s, 15));
		json_array_append_new(op->result, row);
	}
	return store_finish_stmt(db, s, r, op);
}

static int store_op_watch_add(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;

	if (store_prepare(db, "INSERT OR IGNORE INTO watched (repo, added_wall) VALUES (?, ?)", &s,
			  op) < 0)
		return -1;
	sqlite3_bind_text(s, 1, op->repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, op->at.wall_ms);
	if (store_step_done(db, s, op) < 0)
		return -1;
	op->result_id = sqlite3_changes(db);
	return 0;
}

static int store_op_watch_remove(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;

	if (store_prepare(db, "DELETE FROM watched WHERE repo = ?", &s, op) < 0)
		return -1;
	sqlite3_bind_text(s, 1, op->repo, -1, SQLITE_STATIC);
	if (store_step_done(db, s, op) < 0)
		return -1;
	op->result_id = sqlite3_changes(db);
	return 0;
}

/* {"watched":[{"repo","added"}], "recent":["repo"]}: recent are git repositories with a session
 * started since op->limit (wall ms). */
static int store_op_watch_load(sqlite3 *db, struct store_op *op)
{
	json_t *watched = json_array(), *recent = json_array();
	sqlite3_stmt *s;
	int r;

	op->result = json_pack("{s:o, s:o}", "watched", watched, "recent", recent);
	if (!op->result)
		return -1;
	if (store_prepare(db, "SELECT repo, added_wall FROM watched ORDER BY repo", &s, op) < 0)
		return -1;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		json_array_append_new(watched,
				      json_pack("{s:o, s:I}", "repo", store_column_str(s, 0),
						"added", (json_int_t)sqlite3_column_int64(s, 1)));
	if (store_finish_stmt(db, s, r, op) < 0)
		return -1;
	/* A branch is recorded only for sessions in git: a plain directory is never watched. */
	if (store_prepare(db,
			  "SELECT DISTINCT repo FROM sessions WHERE started_wall >= ? "
			  "AND branch IS NOT NULL ORDER BY repo",
			  &s, op) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, op->limit);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		json_array_append_new(recent, store_column_str(s, 0));
	return store_finish_stmt(db, s, r, op);
}

/* A source_key already stored: the op is a duplicate of that session (nothing written). */
static int store_add_find_source(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;
	int r;

	if (!op->source_key)
		return 0;
	if (store_prepare(db, "SELECT id FROM sessions WHERE source_key = ?", &s, op) < 0)
		return -1;
	sqlite3_bind_text(s, 1, op->source_key, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		op->duplicate = true;
		op->result_id = sqlite3_column_int64(s, 0);
		r = SQLITE_DONE;
	}
	return store_finish_stmt(db, s, r, op);
}

void store_overlap_say(int64_t id, const char *name, int64_t from_ms, int64_t to_ms, char *buf,
		       size_t n)
{
	char from[40], to[40] = "now (it is open)";

	time_format_local(from_ms, "%Y-%m-%d %H:%M:%S", from, sizeof(from));
	if (to_ms >= 0)
		time_format_local(to_ms, "%Y-%m-%d %H:%M:%S", to, sizeof(to));
	snprintf(buf, n, "session %lld in %.200s (%s to %s)", (long long)id, name ? name : "?",
		 from, to);
}

/* The overlap store_overlap_find reported before, asked again where it cannot change. */
static int store_add_check_overlap(sqlite3 *db, struct store_op *op)
{
	char other[STORE_OVERLAP_SAY_MAX];
	sqlite3_stmt *s;
	int r;

	if (store_prepare(db, STORE_OVERLAP_SQL, &s, op) < 0)
		return -1;
	store_bind_json_str(s, 1, op->row, "repo");
	sqlite3_bind_int64(s, 2, op->at.wall_ms);
	sqlite3_bind_int64(s, 3, op->end_ms);
	sqlite3_bind_int64(s, 4, 0);
	sqlite3_bind_int64(s, 5, time_wall_ms());
	store_bind_json_str(s, op->named ? 6 : 7, op->row, "repo_name");
	if ((r = sqlite3_step(s)) != SQLITE_ROW)
		return store_finish_stmt(db, s, r, op);
	op->overlap_id = sqlite3_column_int64(s, 0);
	store_overlap_say(
	    op->overlap_id, (const char *)sqlite3_column_text(s, 3), sqlite3_column_int64(s, 1),
	    sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 2), other,
	    sizeof(other));
	snprintf(op->err, sizeof(op->err), "it overlaps %s", other);
	sqlite3_finalize(s);
	return -1;
}

/* An added session's event of kind at wall ms (no boot: its clocks read the wall clock). */
static int store_add_event(sqlite3 *db, struct store_op *op, enum session_event_kind kind,
			   int64_t wall_ms, const char *payload)
{
	sqlite3_stmt *s;

	if (store_prepare(
		db,
		"INSERT INTO events (session_id, kind, mono_ns, boot_ns, wall_ms, boot_id, "
		"payload) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
		&s, op) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, op->session_id);
	sqlite3_bind_text(s, 2, session_event_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, wall_ms * 1000000);
	sqlite3_bind_int64(s, 4, wall_ms);
	sqlite3_bind_text(s, 5, op->at.boot_id, -1, SQLITE_STATIC);
	if (payload)
		sqlite3_bind_text(s, 6, payload, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 6);
	return store_step_done(db, s, op);
}

/*
 * A closed session [at, end_ms): one active span, active and wall time end - start, the git
 * statistics the row brings (none when absent); a start and a stop event at its ends. Written
 * closed at once: an open session of the repository (sessions_one_open) is no obstacle to one that
 * ended before it began.
 */
static int store_op_add_session(sqlite3 *db, struct store_op *op)
{
	int64_t secs = (op->end_ms - op->at.wall_ms) / 1000;
	char *tags = json_dumps(json_object_get(op->row, "tags"), JSON_COMPACT), spans[64],
	     payload[64];
	sqlite3_stmt *s;

	if (store_add_find_source(db, op) < 0 || op->duplicate ||
	    store_add_check_overlap(db, op) < 0 ||
	    store_prepare(
		db,
		"INSERT INTO sessions (repo, repo_name, author, focus, tags, state, "
		"started_wall, ended_wall, active_s, wall_s, paused_s, idle_s, "
		"suspended_s, spans, origin, source_key, branch, commits, files, added, removed) "
		"VALUES (?, ?, ?, ?, ?, 'stopped', ?6, ?7, ?8, ?8, 0, 0, 0, ?9, ?10, ?11, "
		"?12, ?13, ?14, ?15, ?16)",
		&s, op) < 0) {
		free(tags);
		return op->duplicate ? 0 : -1;
	}
	snprintf(spans, sizeof(spans), "[[%lld,%lld]]", (long long)op->at.wall_ms,
		 (long long)op->end_ms);
	store_bind_json_str(s, 1, op->row, "repo");
	store_bind_json_str(s, 2, op->row, "repo_name");
	store_bind_json_str(s, 3, op->row, "author");
	store_bind_json_str(s, 4, op->row, "focus");
	sqlite3_bind_text(s, 5, tags ? tags : "[]", -1, SQLITE_TRANSIENT);
	free(tags);
	sqlite3_bind_int64(s, 6, op->at.wall_ms);
	sqlite3_bind_int64(s, 7, op->end_ms);
	sqlite3_bind_int64(s, 8, secs);
	sqlite3_bind_text(s, 9, spans, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 10, op->origin, -1, SQLITE_STATIC);
	if (op->source_key)
		sqlite3_bind_text(s, 11, op->source_key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 11);
	store_bind_json_str(s, 12, op->row, "branch");
	store_bind_json_int(s, 13, op->row, "commits");
	store_bind_json_int(s, 14, op->row, "files");
	store_bind_json_int(s, 15, op->row, "added");
	store_bind_json_int(s, 16, op->row, "removed");
	if (store_step_done(db, s, op) < 0)
		return -1;
	op->session_id = op->result_id = sqlite3_last_insert_rowid(db);
	snprintf(payload, sizeof(payload), "{\"origin\":\"%s\"}", op->origin);
	if (store_add_event(db, op, SESSION_EV_START, op->at.wall_ms, payload) < 0)
		return -1;
	return store_add_event(db, op, SESSION_EV_STOP, op->end_ms, NULL);
}

#ifdef STINT_TEST_HOOKS
/* The names STINT_TEST_STORE_FAIL_FILE uses, by enum store_op_kind. */
static const char *const store_test_op_names[] = {
    [STORE_OP_INSERT_SESSION] = "insert",
    [STORE_OP_APPEND_EVENT] = "append",
    [STORE_OP_CLOSE_SESSION] = "close",
    [STORE_OP_LIST] = "list",
    [STORE_OP_WATCH_ADD] = "watch_add",
    [STORE_OP_WATCH_REMOVE] = "watch_remove",
    [STORE_OP_WATCH_LOAD] = "watch_load",
    [STORE_OP_ADD_SESSION] = "add",
    [STORE_OP_RUN] = "run",
};

/*
 * Test builds only: while the file named by STINT_TEST_STORE_FAIL_FILE exists and names op's
 * kind ("close", "append"...; several names separated by blanks), the op fails as a broken
 * database would make it fail, so tests can reach the paths a store failure takes.
 */
static int store_test_fail(struct store_op *op)
{
	const char *path = getenv("STINT_TEST_STORE_FAIL_FILE");
	char buf[256], *tok, *save = NULL;
	size_t n;
	FILE *f;

	if (!path || !*path || !(f = fopen(path, "re")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if ((size_t)op->kind < sizeof(store_test_op_names) / sizeof(*store_test_op_names) &&
		    strcmp(tok, store_test_op_names[op->kind]) == 0) {
			snprintf(op->err, sizeof(op->err),
				 "test hook: %s operations fail while %s names them", tok, path);
			return -1;
		}
	}
	return 0;
}
#endif

static int store_op_run(sqlite3 *db, struct store_op *op)
{
#ifdef STINT_TEST_HOOKS
	if (store_test_fail(op) < 0)
		return -1;
#endif
	switch (op->kind) {
	case STORE_OP_INSERT_SESSION:
		return store_op_insert_session(db, op);
	case STORE_OP_APPEND_EVENT:
		return store_op_append_event(db, op);
	case STORE_OP_CLOSE_SESSION:
		return store_op_close_session(db, op);
	case STORE_OP_LIST:
		return store_op_list(db, op);
	case STORE_OP_WATCH_ADD:
		return store_op_watch_add(db, op);
	case STORE_OP_WATCH_REMOVE:
		return store_op_watch_remove(db, op);
	case STORE_OP_WATCH_LOAD:
		return store_op_watch_load(db, op);
	case STORE_OP_ADD_SESSION:
		return store_op_add_session(db, op);
	case STORE_OP_RUN:
		return op->run ? op->run(db, op) : -1;
	}
	snprintf(op->err, sizeof(op->err), "unknown store operation");
	return -1;
}

/* Worker thread: the whole batch in one transaction, each op in its own savepoint. */
static void store_batch_work(uv_work_t *w)
{
	struct store *st = w->data;
	char e[256];
	bool any_ok = false;

	st->batch_err[0] = '\0';
	if (store_exec(st->db, "BEGIN IMMEDIATE", e, sizeof(e)) < 0) {
		snprintf(st->batch_err, sizeof(st->batch_err), "%s", e);
		return;
	}
	for (struct store_op *op = st->batch; op; op = op->next) {
		store_exec(st->db, "SAVEPOINT op", e, sizeof(e));
		op->status = store_op_run(st->db, op);
		if (op->status < 0)
			store_exec(st->db, "ROLLBACK TO op", e, sizeof(e));
		else
			any_ok = true;
		store_exec(st->db, "RELEASE op", e, sizeof(e));
	}
	if (!any_ok) {
		store_exec(st->db, "ROLLBACK", e, sizeof(e));
		return;
	}
	if (store_exec(st->db, "COMMIT", e, sizeof(e)) < 0) {
		snprintf(st->batch_err, sizeof(st->batch_err), "%s", e);
		store_exec(st->db, "ROLLBACK", e, sizeof(e));
	}
}

static void store_batch_start(struct store *st);

int store_run_now(struct store *st, struct store_op *op)
{
	char e[256];

	op->err[0] = '\0';
	if (store_exec(st->db, "BEGIN IMMEDIATE", op->err, sizeof(op->err)) < 0)
		return op->status = -1;
	op->status = store_op_run(st->db, op);
	if (op->status == 0 && store_exec(st->db, "COMMIT", op->err, sizeof(op->err)) < 0)
		op->status = -1;
	if (op->status < 0)
		store_exec(st->db, "ROLLBACK", e, sizeof(e));
	return op->status;
}

static void store_batch_done(uv_work_t *w, int status)
{
	struct store *st = w->data;
	struct store_op *op = st->batch, *next;

	st->batch = NULL;
	/* running stays set while the callbacks run, so what they submit (a parked request
	 * released with its session) waits for the one start below: a start from inside them and
	 * another below queued st->work twice, and two workers ran one batch at once. */
	for (; op; op = next) {
		next = op->next;
		op->next = NULL;
		if (status < 0 || st->batch_err[0]) {
			if (op->status == 0) {
				op->status = -1;
				snprintf(op->err, sizeof(op->err), "%s",
					 status < 0 ? uv_strerror(status) : st->batch_err);
			}
			json_decref(op->result);
			op->result = NULL;
		}
		/* An overlap or a refusal is the request's answer, not a failure of the store. */
		if (op->status < 0 && (op->overlap_id > 0 || op->refused))
			log_debug("store: change refused: %s", op->err);
		else if (op->status < 0)
			log_warnx("store: cannot commit to %s: %s", st->path, op->err);
		op->done(op);
	}
	st->running = false;
	if (st->queue_head)
		store_batch_start(st);
	else if (st->idle_cb)
		st->idle_cb(st->idle_arg);
}

static void store_batch_start(struct store *st)
{
	int r;

	st->batch = st->queue_head;
	st->queue_head = st->queue_tail = NULL;
	st->running = true;
	st->work.data = st;
	r = uv_queue_work(st->loop, &st->work, store_batch_work, store_batch_done);
	if (r < 0) {
		/* Only fails on invalid arguments; complete the batch as failed. */
		st->batch_err[0] = '\0';
		store_batch_done(&st->work, r);
	}
}

void store_submit(struct store *st, struct store_op *op)
{
	op->next = NULL;
	op->status = 0;
	op->err[0] = '\0';
	if (st->queue_tail)
		st->queue_tail->next = op;
	else
		st->queue_head = op;
	st->queue_tail = op;
	if (!st->running)
		store_batch_start(st);
}

bool store_busy(const struct store *st)
{
	return st->running || st->queue_head;
}

void store_set_idle_cb(struct store *st, void (*cb)(void *arg), void *arg)
{
	st->idle_cb = cb;
	st->idle_arg = arg;
}
