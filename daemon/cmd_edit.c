#include "cmd_edit.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_reply.h"
#include "ctl.h"
#include "session_window.h"
#include "sessions.h"
#include "stintd.h"
#include "store.h"
#include "store_history.h"
#include "store_overlap.h"
#include "timeutil.h"

/* One edit: checked on the loop, the overlap (and a closed session's row) read on a worker,
 * then one store op appends the edit event and updates the row. */
struct cmd_edit_job {
	struct sessions_waiter w; /* first: a busy open session's queue gives it back */
	struct stintd_work work;
	struct store_op op;
	struct stintd *d;
	struct ctl_client *cl;
	struct proto_request req;
	int64_t now_ms;
	struct session *s; /* the open session being edited, claimed; NULL for a closed one */
	char *repo;	   /* the open session's root, for the overlap check */
	char *name;	   /* and its repository's name, for the message */
	int64_t start_from, start_to; /* the stretch a moved start adds, checked for overlap */
	json_t *payload;	      /* the edit event's */
	json_t *changes;	      /* [{"field", "from", "to"}] for the reply */
	const char *code;
	char err[512];
};

static void cmd_edit_job_free(struct cmd_edit_job *j)
{
	proto_request_release(&j->req);
	free(j->repo);
	free(j->name);
	json_decref(j->payload);
	json_decref(j->changes);
	json_decref(j->op.result);
	free(j);
}

static int cmd_edit_fail(struct cmd_edit_job *j, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cmd_edit_fail(struct cmd_edit_job *j, const char *code, const char *fmt, ...)
{
	va_list ap;

	j->code = code;
	va_start(ap, fmt);
	vsnprintf(j->err, sizeof(j->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void cmd_edit_when(int64_t ms, char *buf, size_t n)
{
	time_format_local(ms, "%Y-%m-%d %H:%M", buf, n);
}

static void cmd_edit_change(struct cmd_edit_job *j, const char *field, json_t *from, json_t *to)
{
	json_array_append_new(j->changes,
			      json_pack("{s:s, s:o, s:o}", "field", field, "from", from, "to", to));
}

static bool cmd_edit_has_tag(const json_t *tags, const char *tag)
{
	json_t *v;
	size_t i;

	json_array_foreach(tags, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), tag) == 0)
			return true;
	}
	return false;
}

/*
 * The edit event's payload for a session with these values (end -1: open): the new focus,
 * tags, start and end where they change, and "was" with the old ones; j->changes for the reply.
 */
static int cmd_edit_build(struct cmd_edit_job *j, int64_t id, const char *focus, const json_t *tags,
			  int64_t start, int64_t end)
{
	const struct proto_request *r = &j->req;
	json_t *was = json_object(), *ntags, *none = NULL;
	char a[40], b[40];

	/* A damaged row's tags (not an array) read as none. */
	if (!json_is_array(tags))
		tags = none = json_array();
	j->payload = json_object();
	j->changes = json_array();
	ntags = json_deep_copy(tags);
	if (!was || !j->payload || !j->changes || !ntags) {
		json_decref(was);
		json_decref(ntags);
		json_decref(none);
		return cmd_edit_fail(j, PROTO_ERR_INTERNAL, "out of memory");
	}
	json_object_set_new(j->payload, "was", was);
	for (size_t i = 0; i < r->nuntags; i++) {
		size_t k;
		json_t *v;

		if (!cmd_edit_has_tag(ntags, r->untags[i])) {
			json_decref(ntags);
			json_decref(none);
			return cmd_edit_fail(j, PROTO_ERR_BAD_REQUEST,
					     "session %lld has no tag \"%s\"", (long long)id,
					     r->untags[i]);
		}
		json_array_foreach(ntags, k, v)
		{
			if (json_is_string(v) && strcmp(json_string_value(v), r->untags[i]) == 0) {
				json_array_remove(ntags, k);
				break;
			}
		}
	}
	for (size_t i = 0; i < r->ntags; i++)
		if (!cmd_edit_has_tag(ntags, r->tags[i]))
			json_array_append_new(ntags, json_string(r->tags[i]));
	if (json_array_size(ntags) > PROTO_MAX_TAGS) {
		json_decref(ntags);
		json_decref(none);
		return cmd_edit_fail(j, PROTO_ERR_BAD_REQUEST,
				     "session %lld would have more than %d tags", (long long)id,
				     PROTO_MAX_TAGS);
	}
	if (!json_equal(ntags, tags)) {
		json_object_set(was, "tags", (json_t *)tags);
		json_object_set(j->payload, "tags", ntags);
		cmd_edit_change(j, "tags", json_deep_copy(tags), json_incref(ntags));
	}
	json_decref(ntags);
	json_decref(none);
	if (r->focus && (!focus || strcmp(focus, r->focus) != 0)) {
		json_object_set_new(was, "focus", focus ? json_string(focus) : json_null());
		json_object_set_new(j->payload, "focus", json_string(r->focus));
		cmd_edit_change(j, "focus", focus ? json_string(focus) : json_null(),
				json_string(r->focus));
	}
	if (r->start_ms >= 0 && r->start_ms != start) {
		json_object_set_new(was, "start", json_integer(start));
		json_object_set_new(j->payload, "start", json_integer(r->start_ms));
		cmd_edit_change(j, "start", json_integer(start), json_integer(r->start_ms));
	}
	if (r->end_ms >= 0 && end >= 0 && r->end_ms != end) {
		json_object_set_new(was, "end", json_integer(end));
		json_object_set_new(j->payload, "end", json_integer(r->end_ms));
		cmd_edit_change(j, "end", json_integer(end), json_integer(r->end_ms));
	}
	/* The window is checked whole: the new start against the old end, and so on. */
	start = r->start_ms >= 0 ? r->start_ms : start;
	end = end < 0 ? j->now_ms : r->end_ms >= 0 ? r->end_ms : end;
	if (end <= start) {
		cmd_edit_when(start, a, sizeof(a));
		cmd_edit_when(end, b, sizeof(b));
		return cmd_edit_fail(j, PROTO_ERR_BAD_REQUEST,
				     "session %lld would end (%s) before it starts (%s)",
				     (long long)id, b, a);
	}
	return 0;
}

/* err: "the new times overlap session N in REPO (start to end)" for the session found. */
static int cmd_edit_overlap_say(struct cmd_edit_job *j, sqlite3 *db, int64_t other)
{
	sqlite3_stmt *s = NULL;
	char say[STORE_OVERLAP_SAY_MAX] = "";

	if (sqlite3_prepare_v2(db,
			       "SELECT repo_name, started_wall, ended_wall FROM sessions "
			       "WHERE id = ?",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, other);
		if (sqlite3_step(s) == SQLITE_ROW)
			store_overlap_say(other, (const char *)sqlite3_column_text(s, 0),
					  sqlite3_column_int64(s, 1),
					  sqlite3_column_type(s, 2) == SQLITE_NULL
					      ? -1
					      : sqlite3_column_int64(s, 2),
					  say, sizeof(say));
	}
	if (!say[0])
		snprintf(say, sizeof(say), "session %lld", (long long)other);
	j->op.overlap_id = other; /* the edit's answer, not a failure of the store */
	cmd_edit_fail(j, PROTO_ERR_OVERLAP, "the new times overlap %s", say);
	sqlite3_finalize(s);
	return -1;
}

/* The same off the batches (an open session's edit), on a reader of its own. */
static int cmd_edit_overlap_say_reader(struct cmd_edit_job *j, int64_t other)
{
	int64_t started = 0, ended = -1;
	char say[STORE_OVERLAP_SAY_MAX], err[256];

	if (store_history_span(j->d->store, other, &started, &ended, err, sizeof(err)) == 0)
		store_overlap_say(other, j->name, started, ended, say, sizeof(say));
	else
		snprintf(say, sizeof(say), "session %lld", (long long)other);
	return cmd_edit_fail(j, PROTO_ERR_OVERLAP, "the new times overlap %s", say);
}

/* The overlap check of [from, to) in repo other than id: 0, or -1 with j->err. */
static int cmd_edit_overlap(struct cmd_edit_job *j, sqlite3 *db, const char *repo, int64_t id,
			    int64_t from, int64_t to)
{
	int64_t other = 0;
	char err[512];
	int r;

	if (to <= from)
		return 0;
	r = store_overlap_find(j->d->store, repo, from, to, id, j->now_ms, &other, err,
			       sizeof(err));
	if (r < 0)
		return cmd_edit_fail(j, PROTO_ERR_STORE_FAILED, "%s", err);
	if (r == 0)
		return 0;
	if (db)
		return cmd_edit_overlap_say(j, db, other);
	return cmd_edit_overlap_say_reader(j, other);
}

static int cmd_edit_step(sqlite3 *db, sqlite3_stmt *s, struct store_op *op)
{
	int r = sqlite3_step(s);

	if (r != SQLITE_DONE)
		snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : -1;
}

/* The edit event, stamped now, whatever the session's state. */
static int cmd_edit_insert_event(sqlite3 *db, struct store_op *op)
{
	sqlite3_stmt *s;
	char *payload = json_dumps(op->payload, JSON_COMPACT);

	if (!payload ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO events (session_id, kind, mono_ns, boot_ns, "
			       "wall_ms, boot_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK) {
		free(payload);
		snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(s, 1, op->session_id);
	sqlite3_bind_text(s, 2, session_event_name(SESSION_EV_EDIT), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, op->at.mono_ns);
	sqlite3_bind_int64(s, 4, op->at.boot_ns);
	sqlite3_bind_int64(s, 5, op->at.wall_ms);
	sqlite3_bind_text(s, 6, op->at.boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, payload, -1, free);
	return cmd_edit_step(db, s, op);
}

/* text of column col as JSON: an array, or an empty one. */
static json_t *cmd_edit_column_json(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);

	return text ? json_loads(text, 0, NULL) : NULL;
}

struct cmd_edit_row {
	char *repo;
	const char *state;
	char state_buf[16];
	int64_t started, ended;
	char *focus;
	json_t *tags, *spans;
	struct session_window_times t;
};

static void cmd_edit_row_finish(struct cmd_edit_row *row)
{
	free(row->repo);
	free(row->focus);
	json_decref(row->tags);
	json_decref(row->spans);
}

static int cmd_edit_row_read(struct cmd_edit_job *j, sqlite3 *db, struct cmd_edit_row *row)
{
	sqlite3_stmt *s;
	const char *text;
	int r;

	memset(row, 0, sizeof(*row));
	if (sqlite3_prepare_v2(db,
			       "SELECT repo, state, started_wall, ended_wall, focus, tags, spans, "
			       "active_s, wall_s, paused_s, idle_s, suspended_s FROM sessions "
			       "WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return cmd_edit_fail(j, PROTO_ERR_STORE_FAILED, "%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, j->req.id);
	r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		if (r == SQLITE_DONE)
			cmd_edit_fail(j, PROTO_ERR_NO_SESSION, "there is no session %lld",
				      (long long)j->req.id);
		else
			cmd_edit_fail(j, PROTO_ERR_STORE_FAILED, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(s);
		return -1;
	}
	row->repo = strdup((const char *)sqlite3_column_text(s, 0));
	snprintf(row->state_buf, sizeof(row->state_buf), "%s",
		 (const char *)sqlite3_column_text(s, 1));
	row->state = row->state_buf;
	row->started = sqlite3_column_int64(s, 2);
	row->ended = sqlite3_column_int64(s, 3);
	text = (const char *)sqlite3_column_text(s, 4);
	row->focus = text ? strdup(text) : NULL;
	row->tags = cmd_edit_column_json(s, 5);
	row->spans = cmd_edit_column_json(s, 6);
	row->t = (struct session_window_times){
	    sqlite3_column_int64(s, 7), sqlite3_column_int64(s, 8), sqlite3_column_int64(s, 9),
	    sqlite3_column_int64(s, 10), sqlite3_column_int64(s, 11)};
	sqlite3_finalize(s);
	if (!row->repo)
		return cmd_edit_fail(j, PROTO_ERR_INTERNAL, "out of memory");
	return 0;
}

static int cmd_edit_row_write(sqlite3 *db, struct store_op *op, const struct cmd_edit_row *row,
			      int64_t start, int64_t end, const json_t *spans)
{
	const json_t *focus = json_object_get(op->payload, "focus"),
		     *tags = json_object_get(op->payload, "tags");
	char *tags_text = json_dumps(tags ? tags : row->tags, JSON_COMPACT);
	/* No new spans: the row keeps its own (NULL for a session closed before schema 6). */
	const json_t *keep = spans ? spans : json_is_array(row->spans) ? row->spans : NULL;
	char *spans_text = keep ? json_dumps(keep, JSON_COMPACT) : NULL;
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db,
			       "UPDATE sessions SET focus = ?1, tags = ?2, started_wall = ?3, "
			       "ended_wall = ?4, spans = ?5, active_s = ?6, wall_s = ?7, "
			       "paused_s = ?8, idle_s = ?9, suspended_s = ?10 WHERE id = ?11",
			       -1, &s, NULL) != SQLITE_OK) {
		free(tags_text);
		free(spans_text);
		snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (focus || row->focus)
		sqlite3_bind_text(s, 1, focus ? json_string_value(focus) : row->focus, -1,
				  SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, tags_text ? tags_text : "[]", -1, SQLITE_TRANSIENT);
	free(tags_text);
	sqlite3_bind_int64(s, 3, start);
	sqlite3_bind_int64(s, 4, end);
	if (spans_text)
		sqlite3_bind_text(s, 5, spans_text, -1, free);
	sqlite3_bind_int64(s, 6, row->t.active_s);
	sqlite3_bind_int64(s, 7, row->t.wall_s);
	sqlite3_bind_int64(s, 8, row->t.paused_s);
	sqlite3_bind_int64(s, 9, row->t.idle_s);
	sqlite3_bind_int64(s, 10, row->t.suspended_s);
	sqlite3_bind_int64(s, 11, op->session_id);
	return cmd_edit_step(db, s, op);
}

/* Why [start, end) would leave out a pause, resume, note, todo or decision of the closed
 * session, or 0: a correction never drops what the user wrote (stop --at refuses the same). */
static int cmd_edit_closed_entries(struct cmd_edit_job *j, sqlite3 *db, int64_t start, int64_t end)
{
	int64_t first = -1, last = -1;
	sqlite3_stmt *s;
	char a[40], b[40];
	int r;

	if (sqlite3_prepare_v2(db,
			       "SELECT kind, wall_ms FROM events WHERE session_id = ? ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return cmd_edit_fail(j, PROTO_ERR_STORE_FAILED, "%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, j->req.id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(s, 1);

		if (!session_event_is_entry(
			session_event_lookup((const char *)sqlite3_column_text(s, 0))))
			continue;
		if (first < 0)
			first = at;
		last = at;
	}
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return cmd_edit_fail(j, PROTO_ERR_STORE_FAILED, "%s", sqlite3_errmsg(db));
	if (first >= 0 && start > first) {
		cmd_edit_when(start, a, sizeof(a));
		cmd_edit_when(first, b, sizeof(b));
		return cmd_edit_fail(j, PROTO_ERR_BAD_REQUEST,
				     "%s is after the session's first pause, resume, note, todo or "
				     "decision (%s): a correction never drops what you wrote",
				     a, b);
	}
	if (last >= 0 && end < last) {
		cmd_edit_when(end, a, sizeof(a));
		cmd_edit_when(last, b, sizeof(b));
		return cmd_edit_fail(j, PROTO_ERR_BAD_REQUEST,
				     "%s is before the session's last pause, resume, note, todo or "
				     "decision (%s): a correction never drops what you wrote",
				     a, b);
	}
	return 0;
}

/* A closed session's new window: checked, its spans and times moved (session_window.c). */
static int cmd_edit_closed_times(struct cmd_edit_job *j, sqlite3 *db, struct cmd_edit_row *row,
				 int64_t start, int64_t end, json_t **spans)
{
	int64_t old_active = row->t.active_s;

	*spans = NULL;
	if (start == row->started && end == row->ended)
		return 0;
	if (!json_is_array(row->spans))
		return cmd_edit_fail(j, PROTO_ERR_BAD_STATE,
				     "session %lld was closed by an older stint, which kept no "
				     "active spans: its start and end cannot be moved",
				     (long long)j->req.id);
	if (cmd_edit_closed_entries(j, db, start, end) < 0 ||
	    cmd_edit_overlap(j, db, row->repo, j->req.id, start, end) < 0)
		return -1;
	*spans = session_window_spans(row->spans, row->started, row->ended, start, end);
	if (!*spans)
		return cmd_edit_fail(j, PROTO_ERR_STORE_FAILED,
				     "the active spans of session %lld do not parse",
				     (long long)j->req.id);
	session_window_times(&row->t, row->spans, *spans, start, end);
	if (row->t.active_s != old_active)
		cmd_edit_change(j, "active_s", json_integer(old_active),
				json_integer(row->t.active_s));
	return 0;
}

/* Worker, in the batch's transaction: a closed session's correction, row and event at once. */
static int cmd_edit_closed_run(sqlite3 *db, struct store_op *op)
{
	struct cmd_edit_job *j = op->data;
	struct cmd_edit_row row;
	json_t *spans = NULL;
	int64_t start, end;
	int rc = -1;

	if (cmd_edit_row_read(j, db, &row) < 0)
		goto out;
	if (strcmp(row.state, "open") == 0) {
		cmd_edit_fail(
		    j, PROTO_ERR_BAD_STATE,
		    "session %lld is open; correct it in its repository with 'stint edit' "
		    "(without an id), or end it with 'stint stop --at TIME'",
		    (long long)j->req.id);
		goto out;
	}
	if (cmd_edit_build(j, j->req.id, row.focus, row.tags, row.started, row.ended) < 0)
		goto out;
	if (json_array_size(j->changes) == 0) {
		rc = 0; /* nothing changes: nothing is written */
		goto out;
	}
	start = j->req.start_ms >= 0 ? j->req.start_ms : row.started;
	end = j->req.end_ms >= 0 ? j->req.end_ms : row.ended;
	op->payload = j->payload;
	if (cmd_edit_closed_times(j, db, &row, start, end, &spans) < 0 ||
	    cmd_edit_insert_event(db, op) < 0 ||
	    cmd_edit_row_write(db, op, &row, start, end, spans) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && !op->err[0])
		snprintf(op->err, sizeof(op->err), "%s", j->err);
	op->refused = rc < 0 && j->code && strcmp(j->code, PROTO_ERR_STORE_FAILED) != 0 &&
		      strcmp(j->code, PROTO_ERR_INTERNAL) != 0;
	json_decref(spans);
	cmd_edit_row_finish(&row);
	return rc;
}

/* Worker, in the batch's transaction: the open session's event and its row's columns. */
static int cmd_edit_open_run(sqlite3 *db, struct store_op *op)
{
	struct cmd_edit_job *j = op->data;
	const json_t *focus = json_object_get(op->payload, "focus"),
		     *tags = json_object_get(op->payload, "tags"),
		     *start = json_object_get(op->payload, "start");
	char *tags_text = tags ? json_dumps(tags, JSON_COMPACT) : NULL;
	sqlite3_stmt *s;

	if (cmd_edit_insert_event(db, op) < 0 ||
	    sqlite3_prepare_v2(
		db,
		"UPDATE sessions SET focus = coalesce(?1, focus), "
		"tags = coalesce(?2, tags), started_wall = coalesce(?3, started_wall) "
		"WHERE id = ?4 AND state = 'open'",
		-1, &s, NULL) != SQLITE_OK) {
		free(tags_text);
		if (!op->err[0])
			snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (focus)
		sqlite3_bind_text(s, 1, json_string_value(focus), -1, SQLITE_TRANSIENT);
	if (tags_text)
		sqlite3_bind_text(s, 2, tags_text, -1, free);
	if (start)
		sqlite3_bind_int64(s, 3, json_integer_value(start));
	sqlite3_bind_int64(s, 4, op->session_id);
	if (cmd_edit_step(db, s, op) < 0)
		return -1;
	if (sqlite3_changes(db) != 1) {
		snprintf(op->err, sizeof(op->err), "session %lld is not open",
			 (long long)op->session_id);
		op->refused = true;
		return cmd_edit_fail(j, PROTO_ERR_NO_SESSION, "session %lld is no longer open",
				     (long long)op->session_id);
	}
	return 0;
}

static void cmd_edit_reply(struct cmd_edit_job *j, json_t *session)
{
	json_t *reply = proto_reply_ok();

	json_object_set_new(reply, "id", json_integer(j->op.session_id));
	json_object_set(reply, "changes", j->changes ? j->changes : json_array());
	if (session)
		json_object_set_new(reply, "session", session);
	ctl_reply(j->cl, reply);
}

static void cmd_edit_committed(struct store_op *op)
{
	struct cmd_edit_job *j = op->data;
	struct stamp now;

	if (op->status < 0) {
		ctl_reply_error(j->cl, j->code ? j->code : PROTO_ERR_STORE_FAILED, "%s",
				j->code ? j->err : op->err);
	} else if (j->s) {
		session_apply(j->s, SESSION_EV_EDIT, &op->at, j->payload);
		session_stamp_now(&now, j->d->boot_id);
		cmd_edit_reply(j, cmd_reply_session_json(j->d, j->s, &now));
	} else {
		cmd_edit_reply(j, NULL);
	}
	if (j->s) {
		sessions_release(j->d, j->s);
		stintd_changed(j->d);
	}
	cmd_edit_job_free(j);
}

static void cmd_edit_submit(struct cmd_edit_job *j, int (*run)(sqlite3 *, struct store_op *))
{
	j->op.kind = STORE_OP_RUN;
	j->op.run = run;
	j->op.event = session_event_name(SESSION_EV_EDIT);
	j->op.payload = j->payload;
	j->op.done = cmd_edit_committed;
	j->op.data = j;
	session_stamp_now(&j->op.at, j->d->boot_id);
	store_submit(j->d->store, &j->op);
}

/* Worker: does the stretch a moved start adds meet another session of the repository? */
static void cmd_edit_overlap_work(uv_work_t *w)
{
	struct cmd_edit_job *j = w->data;

	cmd_edit_overlap(j, NULL, j->repo, j->op.session_id, j->start_from, j->start_to);
}

static void cmd_edit_overlap_done(uv_work_t *w, int status)
{
	struct cmd_edit_job *j = w->data;

	if (status < 0 || j->code) {
		ctl_reply_error(j->cl, j->code ? j->code : PROTO_ERR_INTERNAL, "%s",
				j->code ? j->err : uv_strerror(status));
		sessions_release(j->d, j->s);
		cmd_edit_job_free(j);
		return;
	}
	cmd_edit_submit(j, cmd_edit_open_run);
}

/* Why the open session's start may not move to start_ms, or 0. */
static int cmd_edit_open_start(struct cmd_edit_job *j, const struct session *s)
{
	int64_t start = j->req.start_ms, first = session_first_entry_ms(s);
	char a[40];

	if (start < 0 || start == s->events[0].at.wall_ms)
		return 0;
	if (start > s->events[0].at.wall_ms && first >= 0 && start > first) {
		cmd_edit_when(first, a, sizeof(a));
		return cmd_edit_fail(j, PROTO_ERR_BAD_REQUEST,
				     "the start cannot move past the session's first pause, note, "
				     "todo or decision (%s)",
				     a);
	}
	/* Only the stretch added before the old start can meet another session. */
	j->start_from = start;
	j->start_to = s->events[0].at.wall_ms;
	return 0;
}

static void cmd_edit_open(struct cmd_edit_job *j, struct session *s);

static void cmd_edit_parked_run(struct sessions_waiter *w)
{
	struct cmd_edit_job *j = (struct cmd_edit_job *)w;
	struct session *s =
	    j->req.id > 0 ? sessions_find_id(j->d, j->req.id) : sessions_find_cwd(j->d, j->req.cwd);

	if (!s) {
		ctl_reply_error(j->cl, PROTO_ERR_NO_SESSION, "the session closed meanwhile");
		cmd_edit_job_free(j);
		return;
	}
	cmd_edit_open(j, s);
}

static void cmd_edit_open(struct cmd_edit_job *j, struct session *s)
{
	if (s->busy) {
		j->w.run = cmd_edit_parked_run;
		sessions_wait(s, &j->w);
		return;
	}
	j->op.session_id = s->id;
	/* Not yet started (its start event not committed): nothing to correct yet. */
	if (s->nevents == 0) {
		ctl_reply_error(j->cl, PROTO_ERR_BAD_STATE, "the session in %s is still starting",
				s->root);
		cmd_edit_job_free(j);
		return;
	}
	if (cmd_edit_build(j, s->id, s->focus, s->tags, s->events[0].at.wall_ms, -1) < 0 ||
	    cmd_edit_open_start(j, s) < 0) {
		ctl_reply_error(j->cl, j->code, "%s", j->err);
		cmd_edit_job_free(j);
		return;
	}
	if (json_array_size(j->changes) == 0) {
		cmd_edit_reply(j, NULL);
		cmd_edit_job_free(j);
		return;
	}
	j->s = s;
	sessions_claim(j->d, s);
	if (j->start_to > j->start_from) {
		if (!(j->repo = strdup(s->root)) || !(j->name = strdup(s->name)) ||
		    stintd_queue_work(j->d, &j->work, j, cmd_edit_overlap_work,
				      cmd_edit_overlap_done) < 0) {
			ctl_reply_error(j->cl, PROTO_ERR_INTERNAL, "cannot queue work");
			sessions_release(j->d, s);
			cmd_edit_job_free(j);
		}
		return;
	}
	cmd_edit_submit(j, cmd_edit_open_run);
}

void cmd_edit(struct stintd *d, struct ctl_client *cl, struct proto_request *req, struct session *s)
{
	struct cmd_edit_job *j = cmd_reply_job_new(sizeof(*j), cl, req);
	char when[40];

	(void)s;
	if (!j)
		return;
	j->d = d;
	j->cl = cl;
	j->req = *req;
	j->now_ms = time_wall_ms();
	/* The CLI checked the times; a peer is never trusted. */
	if (j->req.start_ms > j->now_ms || j->req.end_ms > j->now_ms) {
		cmd_edit_when(j->req.start_ms > j->now_ms ? j->req.start_ms : j->req.end_ms, when,
			      sizeof(when));
		ctl_reply_error(cl, PROTO_ERR_BAD_REQUEST, "%s is in the future", when);
		cmd_edit_job_free(j);
		return;
	}
	s = j->req.id > 0 ? sessions_find_id(d, j->req.id) : sessions_find_cwd(d, j->req.cwd);
	if (s && j->req.id > 0 && (j->req.start_ms >= 0 || j->req.end_ms >= 0)) {
		ctl_reply_error(cl, PROTO_ERR_BAD_STATE,
				"session %lld is still open: move its start with 'stint edit "
				"--start TIME' (without an id) in %s, or end it at a time with "
				"'stint stop --at TIME'",
				(long long)s->id, s->root);
		cmd_edit_job_free(j);
		return;
	}
	if (s && j->req.end_ms >= 0) {
		ctl_reply_error(cl, PROTO_ERR_BAD_STATE,
				"the session in %s is still open: end it at a time with 'stint "
				"stop --at TIME'",
				s->root);
		cmd_edit_job_free(j);
		return;
	}
	if (s) {
		cmd_edit_open(j, s);
		return;
	}
	if (j->req.id < 0) {
		ctl_reply_error(cl, PROTO_ERR_NO_SESSION,
				"no open session in %s (to correct a closed session, give its id: "
				"'stint edit ID', ids from 'stint list')",
				j->req.cwd);
		cmd_edit_job_free(j);
		return;
	}
	j->op.session_id = j->req.id;
	cmd_edit_submit(j, cmd_edit_closed_run);
}
