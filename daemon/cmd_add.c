#include "cmd_add.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_reply.h"
#include "ctl.h"
#include "gitstats.h"
#include "logwriter.h"
#include "repo.h"
#include "stintd.h"
#include "store.h"
#include "store_read.h"
#include "store_overlap.h"

/*
 * add: a session that stintd did not see, closed from the start. A directory (cwd) is resolved
 * to its repository on a worker, where an overlap with that repository's sessions is looked for
 * first (store_overlap_find) to name it; a named repository (an import) goes straight to the
 * store. Either way the store's transaction asks again, and a source_key already stored is a
 * duplicate: nothing is written and the reply names the session that has it. In a git repository
 * whose HEAD reflog goes back to the start, the worker also counts what a live session would have
 * (gitstats_range); otherwise the reply's no_stats says why there are none.
 */

struct cmd_add_job {
	struct stintd_work work;
	struct store_op op;
	struct stintd *d;
	struct ctl_client *cl;
	struct proto_request req;
	struct repo_info info;
	const char *code; /* the worker's refusal, or NULL */
	char err[512];
	char *log_dir;	    /* [log] dir, copied on the loop for the worker */
	json_t *stats;	    /* branch, commits, files, added, removed; NULL for none */
	char no_stats[512]; /* why there are none, for the reply */
};

static void cmd_add_free(struct cmd_add_job *j)
{
	proto_request_release(&j->req);
	repo_info_finish(&j->info);
	json_decref(j->op.row);
	json_decref(j->stats);
	free(j->log_dir);
	free(j);
}

static void cmd_add_committed(struct store_op *op)
{
	struct cmd_add_job *j = op->data;
	json_t *reply;

	if (op->status < 0 && op->overlap_id > 0) {
		ctl_reply_error(j->cl, PROTO_ERR_OVERLAP, "cannot add the session in %s: %s",
				json_string_value(json_object_get(op->row, "repo")), op->err);
	} else if (op->status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_STORE_FAILED, "cannot record the session: %s",
				op->err);
	} else {
		reply = proto_reply_ok();
		json_object_set_new(reply, "id", json_integer(op->result_id));
		if (op->duplicate)
			json_object_set_new(reply, "duplicate", json_true());
		if (j->stats && !op->duplicate)
			json_object_set(reply, "stats", j->stats);
		else if (j->no_stats[0] && !op->duplicate)
			json_object_set_new(reply, "no_stats", json_string(j->no_stats));
		ctl_reply(j->cl, reply);
	}
	cmd_add_free(j);
}

/* The row the store inserts: the repository, its name, the author when known, focus, tags. */
static json_t *cmd_add_row(struct cmd_add_job *j)
{
	const struct proto_request *req = &j->req;
	json_t *tags = json_array(), *row;

	for (size_t i = 0; tags && i < req->ntags; i++)
		json_array_append_new(tags, json_string(req->tags[i]));
	row = json_pack(
	    "{s:s, s:s, s:s*, s:s*, s:o*}", "repo", req->cwd ? j->info.root : req->repo,
	    "repo_name", req->cwd ? j->info.name : (req->repo_name ? req->repo_name : req->repo),
	    "author", req->cwd ? j->info.author : NULL, "focus", req->focus, "tags", tags);
	if (row && j->stats && json_object_update(row, j->stats) < 0) {
		json_decref(row);
		return NULL;
	}
	return row;
}

static void cmd_add_submit(struct cmd_add_job *j)
{
	if (!(j->op.row = cmd_add_row(j))) {
		ctl_reply_error(j->cl, PROTO_ERR_INTERNAL, "out of memory");
		cmd_add_free(j);
		return;
	}
	j->op.kind = STORE_OP_ADD_SESSION;
	j->op.at.wall_ms = j->req.start_ms;
	snprintf(j->op.at.boot_id, sizeof(j->op.at.boot_id), "%s", j->d->boot_id);
	j->op.end_ms = j->req.end_ms;
	j->op.origin = j->req.origin;
	j->op.source_key = j->req.source_key;
	/* Imported sessions are keyed by name, tracked ones by path: an add meets both. */
	j->op.named = !j->req.cwd;
	j->op.done = cmd_add_committed;
	j->op.data = j;
	store_submit(j->d->store, &j->op);
}

/* "session 12 (from to to)" for the session id that overlaps, on the worker. */
static void cmd_add_say_overlap(struct cmd_add_job *j, int64_t id)
{
	int64_t from = 0, to = -1;
	char other[STORE_OVERLAP_SAY_MAX], name[256] = "?";
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	if (store_reader_open(
		j->d->store,
		"SELECT started_wall, ended_wall, repo_name FROM sessions WHERE id = ?", &db,
		&s) == 0) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW) {
			from = sqlite3_column_int64(s, 0);
			if (sqlite3_column_type(s, 1) != SQLITE_NULL)
				to = sqlite3_column_int64(s, 1);
			if (sqlite3_column_text(s, 2))
				snprintf(name, sizeof(name), "%s", sqlite3_column_text(s, 2));
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	store_overlap_say(id, name, from, to, other, sizeof(other));
	snprintf(j->err, sizeof(j->err), "cannot add the session in %s: it overlaps %s",
		 j->info.root, other);
	j->code = PROTO_ERR_OVERLAP;
}

/* The statistics the reflog gives for the range, or why none (on the worker). */
static void cmd_add_stats(struct cmd_add_job *j)
{
	struct gitstats st;
	char *exclude;
	int r;

	if (!j->info.is_git) {
		snprintf(j->no_stats, sizeof(j->no_stats), "%s is not a git repository",
			 j->info.root);
		return;
	}
	exclude = logwriter_dir_in_repo(j->log_dir, j->info.root, j->info.name);
	r = gitstats_range(j->info.root, j->req.start_ms, j->req.end_ms, exclude, &st, j->no_stats,
			   sizeof(j->no_stats));
	free(exclude);
	if (r == 0) {
		j->stats =
		    json_pack("{s:s, s:I, s:I, s:I, s:I}", "branch", st.branch, "commits",
			      (json_int_t)st.commits_total, "files", (json_int_t)st.nfiles, "added",
			      (json_int_t)st.added, "removed", (json_int_t)st.removed);
		if (!j->stats)
			snprintf(j->no_stats, sizeof(j->no_stats), "out of memory");
	}
	gitstats_finish(&st);
}

static void cmd_add_work(uv_work_t *w)
{
	struct cmd_add_job *j = w->data;
	int64_t id = 0;
	int r;

	if (repo_resolve(j->req.cwd, &j->info, j->err, sizeof(j->err)) < 0) {
		j->code = PROTO_ERR_BAD_PATH;
		return;
	}
	r = store_overlap_find(j->d->store, j->info.root, j->req.start_ms, j->req.end_ms, 0,
			       time_wall_ms(), &id, j->err, sizeof(j->err));
	if (r < 0)
		j->code = PROTO_ERR_STORE_FAILED;
	else if (r > 0)
		cmd_add_say_overlap(j, id);
	else
		cmd_add_stats(j);
}

static void cmd_add_resolved(uv_work_t *w, int status)
{
	struct cmd_add_job *j = w->data;

	if (status < 0)
		ctl_reply_error(j->cl, PROTO_ERR_INTERNAL, "%s", uv_strerror(status));
	else if (j->code)
		ctl_reply_error(j->cl, j->code, "%s", j->err);
	else if (j->d->stopping)
		ctl_reply_error(j->cl, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
	else {
		cmd_add_submit(j);
		return;
	}
	cmd_add_free(j);
}

void cmd_add(struct stintd *d, struct ctl_client *cl, struct proto_request *req, struct session *s)
{
	struct cmd_add_job *j;
	int64_t now = time_wall_ms();
	char when[40];

	(void)s;
	if (req->end_ms > now) {
		time_format_rfc3339(req->end_ms, when, sizeof(when));
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_BAD_REQUEST,
				"the end of the session (%s) is in the future", when);
		return;
	}
	if (d->stopping) {
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
		return;
	}
	if (!(j = cmd_reply_job_new(sizeof(*j), cl, req)))
		return;
	j->d = d;
	j->cl = cl;
	j->req = *req;
	if (!j->req.cwd) {
		snprintf(j->no_stats, sizeof(j->no_stats), "the session names no directory");
		cmd_add_submit(j);
		return;
	}
	if ((d->cfg.log_dir && !(j->log_dir = strdup(d->cfg.log_dir))) ||
	    stintd_queue_work(d, &j->work, j, cmd_add_work, cmd_add_resolved) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		cmd_add_free(j);
	}
}
