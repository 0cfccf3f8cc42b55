#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_read.h"
#include "teststore.h"

static int ndone;

static void count_done(struct store_op *op)
{
	(void)op;
	ndone++;
}

static struct stamp stamp_at(int64_t s)
{
	struct stamp st = {.mono_ns = s * 1000000000LL,
			   .boot_ns = s * 1000000000LL,
			   .wall_ms = 1764000000000LL + s * 1000};

	snprintf(st.boot_id, sizeof(st.boot_id), "boot-1");
	return st;
}

static int64_t insert_session(struct teststore *f, const char *repo)
{
	struct store_op op = {.kind = STORE_OP_INSERT_SESSION,
			      .event = "start",
			      .at = stamp_at(0),
			      .done = count_done};

	op.row = json_pack("{s:s, s:s, s:s, s:n, s:s, s:s, s:[s]}", "repo", repo, "repo_name", "r",
			   "branch", "main", "head", "author", "A", "focus", "f", "tags", "t");
	store_submit(f->st, &op);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	json_decref(op.row);
	assert_int_equal(op.status, 0);
	assert_true(op.result_id > 0);
	return op.result_id;
}

static int collect(void *arg, json_t *row, json_t *events)
{
	json_t *all = arg;

	json_array_append_new(all, json_pack("{s:O, s:O}", "row", row, "events", events));
	return 0;
}

static void test_insert_append_and_reload(void **state)
{
	struct teststore *f = *state;
	int64_t id = insert_session(f, "/repo/a");
	struct store_op ev = {.kind = STORE_OP_APPEND_EVENT,
			      .session_id = id,
			      .event = "note",
			      .at = stamp_at(5),
			      .done = count_done};
	json_t *all = json_array(), *events;
	char err[256];

	ev.payload = json_pack("{s:s}", "text", "héllo");
	store_submit(f->st, &ev);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(ev.status, 0);
	json_decref(ev.payload);

	assert_int_equal(store_load_open(f->st, collect, all, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(all), 1);
	events = json_object_get(json_array_get(all, 0), "events");
	assert_int_equal(json_array_size(events), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "kind")),
			    "note");
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_array_get(events, 1), "data"), "text")),
			    "héllo");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(events, 1), "mono")),
			 5000000000LL);
	json_decref(all);
}

static void test_one_open_session_per_repo(void **state)
{
	struct teststore *f = *state;
	struct store_op op = {.kind = STORE_OP_INSERT_SESSION,
			      .event = "start",
			      .at = stamp_at(0),
			      .done = count_done};

	insert_session(f, "/repo/a");
	op.row = json_pack("{s:s, s:s, s:[]}", "repo", "/repo/a", "repo_name", "a", "tags");
	store_submit(f->st, &op);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	json_decref(op.row);
	assert_int_equal(op.status, -1);
	assert_non_null(strstr(op.err, "UNIQUE"));
}

/* Ops queued while a batch runs share the next transaction; one failing spares the others. */
static void test_group_commit_isolates_failures(void **state)
{
	struct teststore *f = *state;
	int64_t id = insert_session(f, "/repo/a");
	struct store_op ops[4] = {0};
	json_t *all = json_array();
	char err[256];

	ndone = 0;
	for (int i = 0; i < 4; i++) {
		ops[i].kind = STORE_OP_APPEND_EVENT;
		ops[i].session_id = id;
		ops[i].event = "note";
		ops[i].at = stamp_at(i + 1);
		ops[i].done = count_done;
	}
	ops[2].kind = STORE_OP_CLOSE_SESSION;
	ops[2].session_id = 9999;
	ops[2].state = "stopped";
	for (int i = 0; i < 4; i++)
		store_submit(f->st, &ops[i]);
	assert_true(store_busy(f->st));
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(store_busy(f->st));
	assert_int_equal(ndone, 4);
	assert_int_equal(ops[0].status, 0);
	assert_int_equal(ops[1].status, 0);
	assert_int_equal(ops[2].status, -1);
	assert_int_equal(ops[3].status, 0);
	assert_int_equal(store_load_open(f->st, collect, all, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(json_array_get(all, 0), "events")), 4);
	json_decref(all);
}

static void test_close_then_list_newest_first(void **state)
{
	struct teststore *f = *state;
	int64_t a = insert_session(f, "/repo/a"), b = insert_session(f, "/repo/b");
	struct store_op c1 = {.kind = STORE_OP_CLOSE_SESSION,
			      .session_id = a,
			      .event = "stop",
			      .state = "stopped",
			      .at = stamp_at(10),
			      .log_path = "/l/a.md",
			      .times = {.active_s = 9, .wall_s = 10},
			      .done = count_done};
	struct store_op c2 = {.kind = STORE_OP_CLOSE_SESSION,
			      .session_id = b,
			      .event = "cancel",
			      .state = "cancelled",
			      .at = stamp_at(20),
			      .done = count_done};
	struct store_op list = {.kind = STORE_OP_LIST, .limit = 10, .done = count_done};
	struct store_op again = c1;
	json_t *first;

	store_submit(f->st, &c1);
	store_submit(f->st, &c2);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(c1.status, 0);
	assert_int_equal(c2.status, 0);
	store_submit(f->st, &list);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(list.status, 0);
	assert_int_equal(json_array_size(list.result), 2);
	first = json_array_get(list.result, 0);
	assert_string_equal(json_string_value(json_object_get(first, "state")), "cancelled");
	assert_true(json_is_null(json_object_get(first, "log")));
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list.result, 1), "log")), "/l/a.md");
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(list.result, 1), "active_s")), 9);
	json_decref(list.result);

	/* Closing twice is refused: the row is no longer open. */
	store_submit(f->st, &again);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(again.status, -1);

	list = (struct store_op){
	    .kind = STORE_OP_LIST, .limit = 10, .repo = "/repo/b", .done = count_done};
	store_submit(f->st, &list);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(json_array_size(list.result), 1);
	json_decref(list.result);
}

static void test_clean_exit_marker(void **state)
{
	struct teststore *f = *state;

	assert_true(store_begin_run(f->st));  /* a new database counts as clean */
	assert_false(store_begin_run(f->st)); /* no end_run in between: a crash */
	store_end_run(f->st);
	assert_true(store_begin_run(f->st));
}

static void run_watch_op(struct teststore *f, struct store_op *op)
{
	op->done = count_done;
	store_submit(f->st, op);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(op->status, 0);
}

/* The watched set: adding twice is one row, removing what is absent says so, and the load
 * lists it with the git repositories that had a session since the given time. */
static void test_watched_set(void **state)
{
	struct teststore *f = *state;
	struct store_op add = {.kind = STORE_OP_WATCH_ADD, .repo = "/repo/w", .at = stamp_at(3)};
	struct store_op again = add, rm = {.kind = STORE_OP_WATCH_REMOVE, .repo = "/repo/w"};
	struct store_op rm_absent = rm, load = {.kind = STORE_OP_WATCH_LOAD};
	json_t *w;

	insert_session(f, "/repo/a");
	run_watch_op(f, &add);
	assert_int_equal(add.result_id, 1);
	run_watch_op(f, &again);
	assert_int_equal(again.result_id, 0);

	load.limit = stamp_at(0).wall_ms;
	run_watch_op(f, &load);
	w = json_object_get(load.result, "watched");
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "repo")),
			    "/repo/w");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(w, 0), "added")),
			 stamp_at(3).wall_ms);
	assert_int_equal(json_array_size(json_object_get(load.result, "recent")), 1);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(load.result, "recent"), 0)),
	    "/repo/a");
	json_decref(load.result);

	/* A session older than the limit is not recent. */
	load = (struct store_op){.kind = STORE_OP_WATCH_LOAD, .limit = stamp_at(1).wall_ms};
	run_watch_op(f, &load);
	assert_int_equal(json_array_size(json_object_get(load.result, "recent")), 0);
	json_decref(load.result);

	run_watch_op(f, &rm);
	assert_int_equal(rm.result_id, 1);
	run_watch_op(f, &rm_absent);
	assert_int_equal(rm_absent.result_id, 0);
	load = (struct store_op){.kind = STORE_OP_WATCH_LOAD};
	run_watch_op(f, &load);
	assert_int_equal(json_array_size(json_object_get(load.result, "watched")), 0);
	json_decref(load.result);
}

static void close_with(struct teststore *f, int64_t id, const char *state, const char *log,
		       json_t *handoff)
{
	struct store_op op = {.kind = STORE_OP_CLOSE_SESSION,
			      .session_id = id,
			      .event = "stop",
			      .state = state,
			      .at = stamp_at(30),
			      .log_path = log,
			      .handoff = handoff,
			      .done = count_done};

	store_submit(f->st, &op);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(op.status, 0);
}

static const char *row_str(json_t *rows, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(rows, i), key));
}

/* A repository's stopped sessions with a log, newest first, with what their close kept. */
static void test_previous_logs(void **state)
{
	struct teststore *f = *state;
	json_t *rows, *handoff = json_pack("[{s:s, s:s}]", "markdown", "x", "priority", "high");
	char err[512];

	close_with(f, insert_session(f, "/src/a/widget"), "stopped", "/l/1.md", NULL);
	close_with(f, insert_session(f, "/src/b/widget"), "stopped", "/l/b.md", NULL);
	close_with(f, insert_session(f, "/src/a/widget"), "stopped", "/l/2.md", handoff);
	close_with(f, insert_session(f, "/src/a/widget"), "stopped", NULL, NULL);
	close_with(f, insert_session(f, "/src/a/widget"), "cancelled", NULL, NULL);
	insert_session(f, "/src/a/widget"); /* open: not previous */
	json_decref(handoff);

	assert_int_equal(
	    store_previous_logs(f->st, "/src/a/widget", INT64_MAX, 10, &rows, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(row_str(rows, 0, "log"), "/l/2.md");
	assert_string_equal(row_str(rows, 0, "handoff"),
			    "[{\"markdown\":\"x\",\"priority\":\"high\"}]");
	assert_string_equal(row_str(rows, 1, "log"), "/l/1.md");
	assert_true(json_is_null(json_object_get(json_array_get(rows, 1), "handoff")));
	json_decref(rows);
	assert_int_equal(
	    store_previous_logs(f->st, "/src/a/widget", INT64_MAX, 1, &rows, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(rows), 1);
	json_decref(rows);
	assert_int_equal(
	    store_previous_logs(f->st, "/src/c", INT64_MAX, 10, &rows, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
}

/* The schema as stint shipped it at version 3, before the handoff column. */
static const char *const schema_v3 =
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
    "CREATE TABLE daemon (key TEXT PRIMARY KEY, value TEXT);"
    "ALTER TABLE sessions ADD COLUMN idle_s INTEGER;"
    "ALTER TABLE sessions ADD COLUMN suspended_s INTEGER;"
    "CREATE TABLE watched (repo TEXT PRIMARY KEY, added_wall INTEGER NOT NULL);"
    "INSERT INTO sessions (repo, repo_name, state, started_wall, ended_wall, log_path) "
    "  VALUES ('/src/a/widget', 'widget', 'stopped', 1, 2, '/l/old.md');"
    "INSERT INTO sessions (repo, repo_name, state, started_wall) "
    "  VALUES ('/src/a/widget', 'widget', 'open', 3);"
    "PRAGMA user_version = 3;";

/* A store made by the old schema opens, keeps its sessions, and its previous logs are found. */
static void test_old_schema_migrates(void **state)
{
	struct teststore *f = *state;
	json_t *rows, *all = json_array();
	sqlite3 *db;
	char err[512], path[200];
	int64_t open_id;

	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema_v3, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	store_close(f->st);
	f->st = store_open(&f->loop, path, err, sizeof(err));
	assert_non_null(f->st);

	assert_int_equal(
	    store_previous_logs(f->st, "/src/a/widget", INT64_MAX, 10, &rows, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(row_str(rows, 0, "log"), "/l/old.md");
	assert_true(json_is_null(json_object_get(json_array_get(rows, 0), "handoff")));
	json_decref(rows);
	/* The open session it had is still open, and closes with a handoff now. */
	assert_int_equal(store_load_open(f->st, collect, all, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(all), 1);
	open_id = json_integer_value(
	    json_object_get(json_object_get(json_array_get(all, 0), "row"), "id"));
	json_decref(all);
	rows = json_pack("[{s:s}]", "markdown", "kept");
	close_with(f, open_id, "stopped", "/l/new.md", rows);
	json_decref(rows);
	assert_int_equal(
	    store_previous_logs(f->st, "/src/a/widget", INT64_MAX, 10, &rows, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(row_str(rows, 0, "handoff"), "[{\"markdown\":\"kept\"}]");
	json_decref(rows);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *s;

		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), STORE_SCHEMA_VERSION);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

/* A store that cannot be read says which and why. */
static void test_previous_logs_unreadable(void **state)
{
	struct teststore *f = *state;
	json_t *sentinel = json_array(), *rows = sentinel;
	char err[512], cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -f %s %s-wal %s-shm", f->path, f->path, f->path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(
	    store_previous_logs(f->st, "/src/a", INT64_MAX, 10, &rows, err, sizeof(err)), -1);
	assert_null(rows);
	assert_non_null(strstr(err, f->path));
	json_decref(sentinel);
}

static void test_newer_schema_is_refused(void **state)
{
	struct teststore *f = *state;
	sqlite3 *db;
	char err[512];
	uv_loop_t loop;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	uv_loop_init(&loop);
	assert_null(store_open(&loop, f->path, err, sizeof(err)));
	assert_non_null(strstr(err, "schema version 99"));
	uv_loop_close(&loop);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 0777;
}

/* Only the user reads the store: a new one is 0600, and an older one's files are tightened. */
static void test_files_are_private(void **state)
{
	struct teststore *f = *state;
	char err[512], path[200], wal[220];
	uv_loop_t loop;
	struct store *st;
	sqlite3 *db;
	FILE *fp;

	assert_int_equal(mode_of(f->path), 0600);
	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	/* A database, not an empty file: stint refuses a store of zero length. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (a)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	fp = fopen(wal, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(wal, 0644), 0);
	uv_loop_init(&loop);
	st = store_open(&loop, path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(mode_of(wal), 0600);
	store_close(st);
	uv_loop_close(&loop);
}

static void test_unopenable_path_names_it(void **state)
{
	struct teststore *f = *state;
	char err[512], path[200];

	snprintf(path, sizeof(path), "%s/missing-dir/stint.db", f->dir);
	assert_null(store_open(&f->loop, path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
}

/* Appends n notes with long texts to session id, so its events span pages. */
static void append_notes(struct teststore *f, int64_t id, int n)
{
	char text[400];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (int i = 0; i < n; i++) {
		struct store_op ev = {.kind = STORE_OP_APPEND_EVENT,
				      .session_id = id,
				      .event = "note",
				      .at = stamp_at(i + 1),
				      .done = count_done};

		ev.payload = json_pack("{s:s}", "text", text);
		store_submit(f->st, &ev);
		uv_run(&f->loop, UV_RUN_DEFAULT);
		json_decref(ev.payload);
		assert_int_equal(ev.status, 0);
	}
}

/* Garbage over the events table's leftmost leaf page (its oldest events), the store closed. */
static void damage_oldest_events(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int page, size;
	char junk[65536];
	FILE *fp;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT pageno, (SELECT page_size FROM pragma_page_size) "
			       "FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' "
			       "ORDER BY path LIMIT 1",
			       -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	page = sqlite3_column_int(s, 0);
	size = sqlite3_column_int(s, 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_true(size > 0 && size <= (int)sizeof(junk));
	memset(junk, 0xde, (size_t)size);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, (long)(page - 1) * size, SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
}

/*
 * A damaged page under an open session's events: quick_check says so, the session comes back
 * marked damaged (not as a session without events), and closing it frees its repository.
 */
static void test_damaged_events_are_reported(void **state)
{
	struct teststore *f = *state;
	int64_t a = insert_session(f, "/repo/a"), b;
	json_t *all = json_array(), *row;
	char err[512], *found;

	/* A healthy store passes. */
	assert_null(store_quick_check_file(f->path));

	append_notes(f, a, 40);
	b = insert_session(f, "/repo/b");
	append_notes(f, b, 40);
	store_close(f->st);
	damage_oldest_events(f->path);
	f->st = store_open(&f->loop, f->path, err, sizeof(err));
	assert_non_null(f->st);
	/* Not at open (it reads every page): stintd runs it once it serves. */
	assert_null(store_damage(f->st));
	found = store_quick_check_file(f->path);
	assert_non_null(found);
	store_set_damage(f->st, found);
	assert_ptr_equal(store_damage(f->st), found);
	assert_int_equal(store_load_open(f->st, collect, all, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(all), 2);
	row = json_object_get(json_array_get(all, 0), "row");
	assert_int_equal(json_integer_value(json_object_get(row, "id")), a);
	assert_non_null(strstr(json_string_value(json_object_get(row, "damaged")), "malformed"));
	row = json_object_get(json_array_get(all, 1), "row");
	assert_null(json_object_get(row, "damaged"));
	assert_int_equal(json_array_size(json_object_get(json_array_get(all, 1), "events")), 41);
	json_decref(all);
	assert_int_equal(store_close_damaged(f->st, a, 0, "unreadable", err, sizeof(err)), 0);
	assert_true(insert_session(f, "/repo/a") > b);
}

/* An existing store of zero length is refused and left as it is, never made a new one. */
static void test_zero_length_is_refused(void **state)
{
	struct teststore *f = *state;
	char err[512], path[200];
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/empty.db", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_null(store_open(&f->loop, path, err, sizeof(err)));
	assert_non_null(strstr(err, "is empty (zero length)"));
	assert_non_null(strstr(err, path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

/* A FIFO or a directory in the store's place is refused without waiting on it. */
static void test_not_a_regular_file_is_refused(void **state)
{
	struct teststore *f = *state;
	char err[512], path[200];

	snprintf(path, sizeof(path), "%s/fifo.db", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(store_open(&f->loop, path, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	snprintf(path, sizeof(path), "%s/dir.db", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(store_open(&f->loop, path, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file (a directory)"));
}

/* A file that is not a database says "damaged" and names itself. */
static void test_garbage_file_says_damaged(void **state)
{
	struct teststore *f = *state;
	char err[512], path[200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 1000; i++)
		fputs("not a database ", fp);
	fclose(fp);
	assert_null(store_open(&f->loop, path, err, sizeof(err)));
	assert_non_null(strstr(err, "is damaged"));
	assert_non_null(strstr(err, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_insert_append_and_reload, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_events_are_reported, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_zero_length_is_refused, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_regular_file_is_refused, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_file_says_damaged, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_one_open_session_per_repo, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_group_commit_isolates_failures, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_close_then_list_newest_first, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_clean_exit_marker, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_watched_set, teststore_setup, teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_previous_logs, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_old_schema_migrates, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_previous_logs_unreadable, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_unopenable_path_names_it, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_files_are_private, teststore_setup,
					    teststore_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
