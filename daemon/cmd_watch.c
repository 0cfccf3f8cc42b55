#include "cmd_watch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "repo.h"
#include "stintd.h"
#include "store.h"
#include "watched.h"

/* watch, unwatch and watched: the set is in the store; watched.c acts on it. */

struct cmd_watch_job {
	struct stintd_work work;
	struct store_op op;
	struct stintd *d;
	struct ctl_client *cl;
	char *cwd;
	struct repo_info info;
	char root[PATH_MAX];
	int status;
	char err[512];
};

static void cmd_watch_free(struct cmd_watch_job *j)
{
	free(j->cwd);
	repo_info_finish(&j->info);
	json_decref(j->op.result);
	free(j);
}

static void cmd_watch_committed(struct store_op *op)
{
	struct cmd_watch_job *j = op->data;
	json_t *reply, *w;

	if (op->status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_STORE_FAILED, "cannot record the watch: %s",
				op->err);
	} else if (!(w = watched_add(j->d, j->root, op->at.wall_ms, op->result_id == 1))) {
		ctl_reply_error(j->cl, PROTO_ERR_INTERNAL, "out of memory");
	} else {
		reply = proto_reply_ok();
		json_object_set_new(reply, "added", json_boolean(op->result_id == 1));
		json_object_set_new(reply, "watched", w);
		ctl_reply(j->cl, reply);
	}
	cmd_watch_free(j);
}

static void cmd_watch_resolve(uv_work_t *work)
{
	struct cmd_watch_job *j = work->data;

	j->status = repo_resolve(j->cwd, &j->info, j->err, sizeof(j->err));
}

static void cmd_watch_resolved(uv_work_t *work, int status)
{
	struct cmd_watch_job *j = work->data;

	if (status < 0 || j->status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_BAD_PATH, "%s",
				status < 0 ? uv_strerror(status) : j->err);
	} else if (!j->info.is_git) {
		ctl_reply_error(j->cl, PROTO_ERR_BAD_PATH,
				"%s is not in a git repository; only repositories can be watched",
				j->cwd);
	} else if (j->d->stopping) {
		ctl_reply_error(j->cl, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
	} else {
		snprintf(j->root, sizeof(j->root), "%s", j->info.root);
		j->op.kind = STORE_OP_WATCH_ADD;
		j->op.repo = j->root;
		j->op.at.wall_ms = time_wall_ms();
		j->op.done = cmd_watch_committed;
		store_submit(j->d->store, &j->op);
		return;
	}
	cmd_watch_free(j);
}

static void cmd_watch_unwatch_committed(struct store_op *op)
{
	struct cmd_watch_job *j = op->data;
	json_t *reply;

	if (op->status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_STORE_FAILED, "cannot record the unwatch: %s",
				op->err);
	} else {
		watched_remove(j->d, j->root);
		reply = proto_reply_ok();
		json_object_set_new(reply, "repo", json_string(j->root));
		ctl_reply(j->cl, reply);
	}
	cmd_watch_free(j);
}

static void cmd_watch_unwatch(struct cmd_watch_job *j)
{
	const char *root = watched_lookup(j->d, j->cwd, true);

	if (!root) {
		root = watched_lookup(j->d, j->cwd, false);
		if (root && j->d->cfg.auto_start)
			ctl_reply_error(
			    j->cl, PROTO_ERR_NOT_WATCHED,
			    "%s is not watched with stint watch; it is watched because it "
			    "had a recent session and [time] auto_start is on",
			    root);
		else
			ctl_reply_error(j->cl, PROTO_ERR_NOT_WATCHED,
					"%s is not watched ('stint watch --list' shows what is)",
					j->cwd);
		cmd_watch_free(j);
		return;
	}
	snprintf(j->root, sizeof(j->root), "%s", root);
	j->op.kind = STORE_OP_WATCH_REMOVE;
	j->op.repo = j->root;
	j->op.done = cmd_watch_unwatch_committed;
	store_submit(j->d->store, &j->op);
}

static void cmd_watch_list(struct stintd *d, struct ctl_client *cl)
{
	json_t *reply = proto_reply_ok();

	json_object_set_new(reply, "repos", watched_list(d));
	json_object_set_new(reply, "auto_start", json_boolean(d->cfg.auto_start));
	ctl_reply(cl, reply);
}

/* watch, unwatch and watched. */
void cmd_watch(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s)
{
	enum proto_cmd cmd = req->cmd;
	struct cmd_watch_job *j;

	(void)s;
	if (!d->watched) {
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
		return;
	}
	if (cmd == PROTO_CMD_WATCHED) {
		proto_request_release(req);
		cmd_watch_list(d, cl);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j || !(j->cwd = strdup(req->cwd))) {
		free(j);
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	proto_request_release(req);
	j->d = d;
	j->cl = cl;
	j->op.data = j;
	if (cmd == PROTO_CMD_UNWATCH) {
		cmd_watch_unwatch(j);
		return;
	}
	if (stintd_queue_work(d, &j->work, j, cmd_watch_resolve, cmd_watch_resolved) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		cmd_watch_free(j);
	}
}
