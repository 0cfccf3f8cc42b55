#include "cmd_query.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_reply.h"
#include "ctl.h"
#include "notify.h"
#include "repo.h"
#include "sessions.h"
#include "stintd.h"
#include "store.h"
#include "version.h"

/* status, list and ping: questions that change nothing. */

static json_t *cmd_query_daemon_info(struct stintd *d)
{
	json_t *info =
	    json_pack("{s:i, s:s, s:I}", "pid", (int)getpid(), "version", STINT_VERSION, "uptime_s",
		      (json_int_t)((time_mono_ns() - d->started_mono_ns) / 1000000000));

	/* A damaged store found at start-up: status says so for as long as this stintd runs. */
	if (info && d->store_warning)
		json_object_set_new(info, "store_warning", json_string(d->store_warning));
	return info;
}

void cmd_query_ping(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s)
{
	json_t *reply = proto_reply_ok();

	(void)s;
	json_object_set_new(reply, "daemon", cmd_query_daemon_info(d));
	proto_request_release(req);
	ctl_reply(cl, reply);
}

void cmd_query_status(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		      struct session *s)
{
	json_t *reply = proto_reply_ok(), *arr = json_array();
	struct session *only = req->cwd ? sessions_find_cwd(d, req->cwd) : NULL;
	struct stamp now;

	(void)s;
	session_stamp_now(&now, d->boot_id);
	for (struct session *i = d->sessions; i; i = i->next) {
		if (i->state == SESSION_STARTING || (req->cwd && i != only))
			continue;
		json_array_append_new(arr, cmd_reply_session_json(d, i, &now));
	}
	json_object_set_new(reply, "sessions", arr);
	json_object_set_new(reply, "daemon", cmd_query_daemon_info(d));
	notify_status(d, reply);
	proto_request_release(req);
	ctl_reply(cl, reply);
}

/* A list of closed sessions: for -C, the repository is resolved on a worker first. */
struct cmd_query_list_job {
	struct stintd_work work;
	struct store_op op;
	struct ctl_client *cl;
	struct stintd *d;
	char *cwd;
	struct repo_info info;
	int status;
	char err[512];
};

static void cmd_query_list_free(struct cmd_query_list_job *j)
{
	free(j->cwd);
	repo_info_finish(&j->info);
	json_decref(j->op.result);
	free(j);
}

static void cmd_query_list_done(struct store_op *op)
{
	struct cmd_query_list_job *j = op->data;

	if (op->status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_STORE_FAILED, "cannot read sessions: %s", op->err);
	} else {
		json_t *reply = proto_reply_ok();

		json_object_set(reply, "sessions", op->result);
		ctl_reply(j->cl, reply);
	}
	cmd_query_list_free(j);
}

static void cmd_query_list_resolve(uv_work_t *w)
{
	struct cmd_query_list_job *j = w->data;

	j->status = repo_resolve(j->cwd, &j->info, j->err, sizeof(j->err));
}

static void cmd_query_list_resolved(uv_work_t *w, int status)
{
	struct cmd_query_list_job *j = w->data;

	if (status < 0 || j->status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_BAD_PATH, "%s",
				status < 0 ? uv_strerror(status) : j->err);
		cmd_query_list_free(j);
		return;
	}
	j->op.repo = j->info.root;
	store_submit(j->d->store, &j->op);
}

void cmd_query_list(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s)
{
	struct cmd_query_list_job *j = calloc(1, sizeof(*j));

	(void)s;
	if (!j || (req->cwd && !(j->cwd = strdup(req->cwd)))) {
		free(j);
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	j->d = d;
	j->cl = cl;
	j->op.kind = STORE_OP_LIST;
	j->op.limit = req->limit;
	j->op.done = cmd_query_list_done;
	j->op.data = j;
	proto_request_release(req);
	if (!j->cwd) {
		store_submit(d->store, &j->op);
		return;
	}
	if (stintd_queue_work(d, &j->work, j, cmd_query_list_resolve, cmd_query_list_resolved) <
	    0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		cmd_query_list_free(j);
	}
}
