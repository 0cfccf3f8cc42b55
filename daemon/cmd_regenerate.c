#include "cmd_regenerate.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_reply.h"
#include "config.h"
#include "ctl.h"
#include "log.h"
#include "logprep.h"
#include "logrecord.h"
#include "logwriter.h"
#include "record.h"
#include "repo.h"
#include "session.h"
#include "status_snap.h"
#include "stintd.h"
#include "store.h"
#include "store_read.h"
#include "template.h"
#include "timeutil.h"

/* One regeneration: the row and the events read, folded and rendered on a worker. */
struct cmd_regenerate_job {
	struct stintd_work work;
	struct stintd *d;
	struct ctl_client *cl;
	int64_t id;
	int64_t idle_ns;
	char *log_dir;	     /* [log] dir, for a session that wrote no log */
	char *template_path; /* [log] template, or NULL */
	int max_file_rows;
	const char *placeholders;
	json_t *row;	/* the session's row, as read */
	json_t *stored; /* the record its stop rendered the log from, or NULL (stopped before) */
	struct session *s;
	struct stamp stop;
	bool have_stop;
	bool want_commit; /* [log] commit */
	bool commit_log;  /* ... and the new log is inside the repository */
	struct store_op op;
	int commit_status; /* repo_commit_file's, or -1 before it ran */
	char commit_msg[512];
	char commit_note[512];
	const char *code;
	char err[512];
	char path[PATH_MAX];
};

static void cmd_regenerate_free(struct cmd_regenerate_job *j)
{
	free(j->log_dir);
	free(j->template_path);
	json_decref(j->row);
	json_decref(j->stored);
	session_destroy(j->s);
	free(j);
}

static int cmd_regenerate_fail(struct cmd_regenerate_job *j, const char *code, const char *what)
{
	j->code = code;
	if (what)
		snprintf(j->err, sizeof(j->err), "%s", what);
	return -1;
}

static json_t *cmd_regenerate_col(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	return t ? json_string(t) : json_null();
}

static json_t *cmd_regenerate_int(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL
		   ? json_null()
		   : json_integer(sqlite3_column_int64(s, col));
}

/* Only a tracked session that stopped has events a log renders from. */
static int cmd_regenerate_check_row(struct cmd_regenerate_job *j)
{
	const char *state = json_string_value(json_object_get(j->row, "state")) ?: "";
	const char *origin = json_string_value(json_object_get(j->row, "origin")) ?: "";
	const char *why = NULL;

	if (strcmp(state, "open") == 0)
		why = "is still open: its log is written when it stops";
	else if (strcmp(state, "cancelled") == 0)
		why = "was cancelled: a cancelled session has no log";
	else if (strcmp(origin, STORE_ORIGIN_MANUAL) == 0)
		why = "was added by hand: it has no events to render a log from";
	else if (strcmp(origin, STORE_ORIGIN_IMPORTED) == 0)
		why = "was imported: it has no events to render a log from";
	if (!why)
		return 0;
	snprintf(j->err, sizeof(j->err), "session %lld %s", (long long)j->id, why);
	return cmd_regenerate_fail(j, PROTO_ERR_BAD_STATE, NULL);
}

/* The row: what the log's times, focus and tags are (a correction changed them there). */
static int cmd_regenerate_read_row(struct cmd_regenerate_job *j)
{
	static const char sql[] =
	    "SELECT repo, repo_name, branch, head, author, focus, tags, state, started_wall, "
	    "ended_wall, active_s, wall_s, paused_s, idle_s, suspended_s, log_path, commits, "
	    "files, "
	    "added, removed, spans, origin, record FROM sessions WHERE id = ?";
	static const char *const keys[] = {
	    RECORD_REPO,       RECORD_REPO_NAME, RECORD_BRANCH,	     RECORD_HEAD,
	    RECORD_AUTHOR,     RECORD_FOCUS,	 RECORD_TAGS,	     "state",
	    RECORD_STARTED_AT, RECORD_ENDED_AT,	 RECORD_ACTIVE_S,    RECORD_WALL_S,
	    RECORD_PAUSED_S,   RECORD_IDLE_S,	 RECORD_SUSPENDED_S, "log",
	    RECORD_COMMITS,    "files",		 RECORD_ADDED,	     RECORD_REMOVED};
	const struct store *st = j->d->store;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR;

	j->row = json_object();
	if (j->row && store_reader_open(st, sql, &db, &s) == 0) {
		sqlite3_bind_int64(s, 1, j->id);
		r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			const char *spans = (const char *)sqlite3_column_text(s, 20);

			for (int i = 0; i < 20; i++)
				json_object_set_new(j->row, keys[i],
						    (i >= 8 && i <= 14) || i >= 16
							? cmd_regenerate_int(s, i)
							: cmd_regenerate_col(s, i));
			/* The corrected active spans, for the record line; what does not parse
			 * (a damaged row) leaves the line without spans. */
			json_object_set_new(j->row, "spans",
					    spans ? json_loads(spans, 0, NULL) ?: json_null()
						  : json_null());
			json_object_set_new(j->row, "origin", cmd_regenerate_col(s, 21));
			if (sqlite3_column_text(s, 22)) {
				j->stored =
				    json_loads((const char *)sqlite3_column_text(s, 22), 0, NULL);
				if (!json_is_object(j->stored)) {
					log_warnx("the stored record of session %lld does not "
						  "parse: its log is rendered from its events",
						  (long long)j->id);
					json_decref(j->stored);
					j->stored = NULL;
				}
			}
			r = SQLITE_DONE;
		} else if (r == SQLITE_DONE) {
			json_object_clear(j->row);
		}
	}
	if (store_reader_close(st, db, s, r, &j->row, "a session", j->err, sizeof(j->err)) < 0)
		return cmd_regenerate_fail(j, PROTO_ERR_STORE_FAILED, NULL);
	if (json_object_size(j->row) == 0) {
		snprintf(j->err, sizeof(j->err), "there is no session %lld", (long long)j->id);
		return cmd_regenerate_fail(j, PROTO_ERR_NO_SESSION, NULL);
	}
	return cmd_regenerate_check_row(j);
}

/* The events, applied as a restart applies an open session's; the stop is the fold's end. */
static int cmd_regenerate_read_events(struct cmd_regenerate_job *j)
{
	static const char sql[] = "SELECT kind, mono_ns, boot_ns, wall_ms, boot_id, payload "
				  "FROM events WHERE session_id = ? ORDER BY id";
	const json_t *row = j->row;
	const struct store *st = j->d->store;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r = SQLITE_ERROR;

	j->s = session_create(json_string_value(json_object_get(row, RECORD_REPO)),
			      json_string_value(json_object_get(row, RECORD_REPO_NAME)),
			      json_string_value(json_object_get(row, RECORD_BRANCH)),
			      json_string_value(json_object_get(row, RECORD_HEAD)),
			      json_string_value(json_object_get(row, RECORD_AUTHOR)), NULL, NULL);
	if (!j->s)
		return cmd_regenerate_fail(j, PROTO_ERR_INTERNAL, "out of memory");
	j->s->idle_timeout_ns = j->idle_ns;
	j->s->id = j->id;
	if (store_reader_open(st, sql, &db, &s) == 0) {
		sqlite3_bind_int64(s, 1, j->id);
		while ((r = sqlite3_step(s)) == SQLITE_ROW) {
			enum session_event_kind kind =
			    session_event_lookup((const char *)sqlite3_column_text(s, 0));
			const char *payload = (const char *)sqlite3_column_text(s, 5);
			json_t *data = payload ? json_loads(payload, 0, NULL) : NULL;
			struct stamp at = {.mono_ns = sqlite3_column_int64(s, 1),
					   .boot_ns = sqlite3_column_int64(s, 2),
					   .wall_ms = sqlite3_column_int64(s, 3)};

			snprintf(at.boot_id, sizeof(at.boot_id), "%s",
				 (const char *)sqlite3_column_text(s, 4) ?: "");
			if (kind == SESSION_EV_STOP || kind == SESSION_EV_CANCEL) {
				j->stop = at;
				j->have_stop = true;
			} else if (kind != SESSION_EV_UNKNOWN) {
				session_apply(j->s, kind, &at, data);
			}
			json_decref(data);
		}
	}
	if (store_reader_close(st, db, s, r, NULL, "a session's events", j->err, sizeof(j->err)) <
	    0)
		return cmd_regenerate_fail(j, PROTO_ERR_STORE_FAILED, NULL);
	if (j->s->nevents == 0 || !j->have_stop) {
		snprintf(j->err, sizeof(j->err),
			 "session %lld has no events to render from (closed as damaged?)",
			 (long long)j->id);
		return cmd_regenerate_fail(j, PROTO_ERR_BAD_STATE, NULL);
	}
	return 0;
}

/* The timeline's start and stop where the row has them (a correction moved them). */
static void cmd_regenerate_bounds(json_t *rec, json_t *started, json_t *ended)
{
	json_t *ev;
	size_t i;

	json_array_foreach(json_object_get(rec, RECORD_EVENTS), i, ev)
	{
		const char *kind = json_string_value(json_object_get(ev, RECORD_KIND));

		if (kind && strcmp(kind, session_event_name(SESSION_EV_START)) == 0 &&
		    json_is_integer(started))
			json_object_set(ev, RECORD_AT, started);
		else if (kind && strcmp(kind, session_event_name(SESSION_EV_STOP)) == 0 &&
			 json_is_integer(ended))
			json_object_set(ev, RECORD_AT, ended);
	}
}

/*
 * What only the stop knew, from the record it kept (RECORD_STOP_KEYS): the statistics and their
 * file and commit lists, the summary, the checks, the previous logs and carried todos as they
 * were then, the branch at the end. All else is the fold of the events read now (corrections
 * are events: a start moved past an idle gap drops it) and the row's corrected numbers.
 */
static void cmd_regenerate_merge(json_t *rec, const json_t *stored)
{
	static const char *const keys[] = RECORD_STOP_KEYS;

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (json_object_get(stored, keys[i]))
			json_object_set(rec, keys[i], json_object_get(stored, keys[i]));
}

/* The record from the events, its times, focus and tags from the row (what list and report
 * show). */
static json_t *cmd_regenerate_record(struct cmd_regenerate_job *j)
{
	static const char *const from_row[] = {
	    RECORD_FOCUS,  RECORD_TAGS,	    RECORD_STARTED_AT, RECORD_ENDED_AT,	  RECORD_ACTIVE_S,
	    RECORD_WALL_S, RECORD_PAUSED_S, RECORD_IDLE_S,     RECORD_SUSPENDED_S};
	json_t *rec = session_to_record(j->s, &j->stop, NULL);

	if (!rec)
		return NULL;
	for (size_t i = 0; i < sizeof(from_row) / sizeof(*from_row); i++) {
		json_t *v = json_object_get(j->row, from_row[i]);

		if (v && !json_is_null(v))
			json_object_set(rec, from_row[i], v);
		else if (strcmp(from_row[i], RECORD_FOCUS) == 0)
			json_object_set_new(rec, from_row[i], json_null());
	}
	if (json_is_string(json_object_get(j->row, RECORD_TAGS)))
		json_object_set_new(
		    rec, RECORD_TAGS,
		    json_loads(json_string_value(json_object_get(j->row, RECORD_TAGS)), 0, NULL)
			?: json_array());
	cmd_regenerate_bounds(rec, json_object_get(j->row, RECORD_STARTED_AT),
			      json_object_get(j->row, RECORD_ENDED_AT));
	if (j->stored)
		cmd_regenerate_merge(rec, j->stored);
	/* Stopped before the store kept records: the stop's totals, not its file and commit
	 * lists (those are in the log written at the stop). */
	else if (json_is_integer(json_object_get(j->row, RECORD_COMMITS)))
		json_object_set_new(rec, RECORD_STATS,
				    json_pack("{s:O, s:O, s:O, s:O}", RECORD_COMMITS,
					      json_object_get(j->row, RECORD_COMMITS),
					      RECORD_FILES_CHANGED,
					      json_object_get(j->row, "files"), RECORD_ADDED,
					      json_object_get(j->row, RECORD_ADDED), RECORD_REMOVED,
					      json_object_get(j->row, RECORD_REMOVED)));
	json_object_set_new(rec, RECORD_MAX_FILE_ROWS, json_integer(j->max_file_rows));
	json_object_set_new(rec, RECORD_PLACEHOLDERS, json_string(j->placeholders));
	return rec;
}

/* Worker: the record line, as at a stop (sessions_stop.c), with the row's corrected numbers and
 * a later "written", so `stint report --logs` counts this log rather than the first one. */
static char *cmd_regenerate_record_line(struct cmd_regenerate_job *j, const json_t *rec, char *text)
{
	json_t *spans = json_object_get(j->row, "spans");
	char err[256], *line;

	line = logrecord_line(rec, store_identity(j->d->store), json_is_array(spans) ? spans : NULL,
			      time_wall_ms(), err, sizeof(err));
	if (!line) {
		log_warnx("the regenerated log of session %lld gets no record line: %s",
			  (long long)j->id, err);
		return text;
	}
	text = logrecord_append(text, line);
	free(line);
	return text;
}

/* Worker: a log written inside its repository is committed, as a stop's is ([log] commit). */
static void cmd_regenerate_commit_plan(struct cmd_regenerate_job *j, const char *root,
				       const char *name, const char *date)
{
	if (!root || !status_snap_inside(j->path, root))
		return;
	j->commit_log = true;
	repo_commit_message(json_string_value(json_object_get(j->row, RECORD_FOCUS)), name, date,
			    j->path, j->commit_msg, sizeof(j->commit_msg));
}

/* Worker: read, fold, render, write next to the old log. */
static void cmd_regenerate_work(uv_work_t *w)
{
	struct cmd_regenerate_job *j = w->data;
	const char *old, *root, *name;
	char dir[PATH_MAX], copy[PATH_MAX], date[16], *text, *tmpl = NULL;
	json_t *rec;
	bool shared;
	int r;

	if (cmd_regenerate_read_row(j) < 0 || cmd_regenerate_read_events(j) < 0)
		return;
	old = json_string_value(json_object_get(j->row, "log"));
	root = json_string_value(json_object_get(j->row, RECORD_REPO));
	name = json_string_value(json_object_get(j->row, RECORD_REPO_NAME));
	if (old && strlen(old) < sizeof(copy)) {
		snprintf(copy, sizeof(copy), "%s", old);
		snprintf(dir, sizeof(dir), "%s", dirname(copy));
	} else if ((r = logwriter_expand_dir(j->log_dir, root, name, dir, sizeof(dir))) < 0) {
		snprintf(j->err, sizeof(j->err), "bad [log] dir \"%s\": %s", j->log_dir,
			 strerror(-r));
		cmd_regenerate_fail(j, PROTO_ERR_LOG_FAILED, NULL);
		return;
	}
	if (!(rec = cmd_regenerate_record(j))) {
		cmd_regenerate_fail(j, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	json_object_set_new(rec, RECORD_LOG_DIR, json_string(dir));
	/* Committed into the repository: only logs inside it are linked (logprep_fill). */
	shared = j->want_commit && root && status_snap_inside(dir, root);
	if (!j->stored)
		logprep_fill(rec, j->d->store, shared);
	else if (shared)
		logprep_share(rec);
	if (j->template_path &&
	    template_read_file(j->template_path, &tmpl, j->err, sizeof(j->err)) < 0) {
		json_decref(rec);
		cmd_regenerate_fail(j, PROTO_ERR_LOG_FAILED, NULL);
		return;
	}
	text = template_render_with(rec, tmpl, j->template_path, j->err, sizeof(j->err));
	free(tmpl);
	if (text)
		text = cmd_regenerate_record_line(j, rec, text);
	json_decref(rec);
	if (!text) {
		cmd_regenerate_fail(j, PROTO_ERR_LOG_FAILED, NULL);
		return;
	}
	time_format_local(j->s->events[0].at.wall_ms, "%Y-%m-%d", date, sizeof(date));
	if (logwriter_write(dir, date, text, j->path, sizeof(j->path), j->err, sizeof(j->err)) < 0)
		cmd_regenerate_fail(j, PROTO_ERR_LOG_FAILED, NULL);
	else if (j->want_commit)
		cmd_regenerate_commit_plan(j, root, name, date);
	free(text);
}

static void cmd_regenerate_reply(struct cmd_regenerate_job *j)
{
	json_t *reply = proto_reply_ok();

	json_object_set_new(reply, "id", json_integer(j->id));
	json_object_set_new(reply, "log", json_string(j->path));
	/* "events": stopped before the store kept records, the log has the totals only. */
	json_object_set_new(reply, "rendered_from", json_string(j->stored ? "record" : "events"));
	if (j->commit_log)
		json_object_set_new(reply, "log_commit",
				    json_pack("{s:b, s:s}", "committed", j->commit_status == 0,
					      "message", j->commit_note));
	ctl_reply(j->cl, reply);
	cmd_regenerate_free(j);
}

static void cmd_regenerate_commit_work(uv_work_t *w)
{
	struct cmd_regenerate_job *j = w->data;

	j->commit_status =
	    repo_commit_file(json_string_value(json_object_get(j->row, RECORD_REPO)), j->path,
			     j->commit_msg, j->commit_note, sizeof(j->commit_note));
	if (j->commit_status == 0)
		snprintf(j->commit_note, sizeof(j->commit_note), "committed the regenerated log");
}

static void cmd_regenerate_commit_done(uv_work_t *w, int status)
{
	struct cmd_regenerate_job *j = w->data;

	if (status < 0)
		snprintf(j->commit_note, sizeof(j->commit_note), "cannot commit the log: %s",
			 uv_strerror(status));
	log_info("log commit of %s (regenerated): %s", j->path, j->commit_note);
	cmd_regenerate_reply(j);
}

/* Worker, in the batch's transaction: the row's log is the new one (a cache, as its times
 * are), so `stint log` and `stint list` point at it; the old file stays on disk. */
static int cmd_regenerate_row_run(sqlite3 *db, struct store_op *op)
{
	struct cmd_regenerate_job *j = op->data;
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(db, "UPDATE sessions SET log_path = ? WHERE id = ?", -1, &s, NULL) !=
	    SQLITE_OK) {
		snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(s, 1, j->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, j->id);
	r = sqlite3_step(s);
	if (r != SQLITE_DONE)
		snprintf(op->err, sizeof(op->err), "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : -1;
}

static void cmd_regenerate_recorded(struct store_op *op)
{
	struct cmd_regenerate_job *j = op->data;

	if (op->status < 0) {
		/* The row still names the old log: the new file goes, so nothing points nowhere. */
		unlink(j->path);
		ctl_reply_error(j->cl, PROTO_ERR_STORE_FAILED, "cannot record the new log: %s",
				op->err);
		cmd_regenerate_free(j);
		return;
	}
	/* Only a recorded log goes into git: a failed one is unlinked above. */
	if (j->commit_log) {
		if (stintd_queue_work(j->d, &j->work, j, cmd_regenerate_commit_work,
				      cmd_regenerate_commit_done) == 0)
			return;
		snprintf(j->commit_note, sizeof(j->commit_note), "cannot commit the log: %s",
			 "cannot queue work");
	}
	cmd_regenerate_reply(j);
}

static void cmd_regenerate_done(uv_work_t *w, int status)
{
	struct cmd_regenerate_job *j = w->data;

	if (status < 0 || j->code) {
		ctl_reply_error(j->cl, j->code ? j->code : PROTO_ERR_INTERNAL, "%s",
				j->code ? j->err : uv_strerror(status));
		cmd_regenerate_free(j);
		return;
	}
	j->op.kind = STORE_OP_RUN;
	j->op.run = cmd_regenerate_row_run;
	j->op.session_id = j->id;
	j->op.done = cmd_regenerate_recorded;
	j->op.data = j;
	store_submit(j->d->store, &j->op);
}

void cmd_regenerate(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s)
{
	struct cmd_regenerate_job *j = cmd_reply_job_new(sizeof(*j), cl, req);

	(void)s;
	if (!j)
		return;
	j->d = d;
	j->cl = cl;
	j->id = req->id;
	proto_request_release(req);
	j->idle_ns = config_idle_ns(&d->cfg);
	j->max_file_rows = d->cfg.log_max_file_rows;
	j->placeholders = config_placeholders_choices[d->cfg.log_placeholders];
	j->log_dir = d->cfg.log_dir ? strdup(d->cfg.log_dir) : NULL;
	j->want_commit = d->cfg.log_commit;
	j->commit_status = -1;
	j->template_path =
	    d->cfg.log_template && *d->cfg.log_template ? strdup(d->cfg.log_template) : NULL;
	if (!j->log_dir ||
	    stintd_queue_work(d, &j->work, j, cmd_regenerate_work, cmd_regenerate_done) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		cmd_regenerate_free(j);
	}
}
