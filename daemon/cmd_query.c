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
#include "store_history.h"
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

/* A list of closed sessions, on a worker: the repository of -C resolved, then the page read
 * (store_history: bounded by the request's limit, whatever the store holds). */
struct cmd_query_list_job {
	struct stintd_work work;
	struct ctl_client *cl;
	struct stintd *d;
	struct proto_request req;
	struct repo_info info;
	json_t *result;
	const char *code;
	char err[512];
};

static void cmd_query_list_work(uv_work_t *w)
{
	struct cmd_query_list_job *j = w->data;
	struct store_history_filter f = {
	    .from = j->req.from, .to = j->req.to, .tags = j->req.tags, .ntags = j->req.ntags};

	if (j->req.cwd && repo_resolve(j->req.cwd, &j->info, j->err, sizeof(j->err)) < 0) {
		j->code = PROTO_ERR_BAD_PATH;
		return;
	}
	f.repo = j->req.cwd ? j->info.root : NULL;
	if (store_history_list(j->d->store, &f, j->req.limit, j->req.before_ended, j->req.before_id,
			       &j->result, j->err, sizeof(j->err)) < 0)
		j->code = PROTO_ERR_STORE_FAILED;
}

static void cmd_query_list_done(uv_work_t *w, int status)
{
	struct cmd_query_list_job *j = w->data;

	if (status < 0)
		ctl_reply_error(j->cl, PROTO_ERR_INTERNAL, "%s", uv_strerror(status));
	else if (j->code)
		ctl_reply_error(j->cl, j->code, "%s", j->err);
	else {
		json_t *reply = proto_reply_ok();

		json_object_set(reply, "sessions", j->result);
		ctl_reply(j->cl, reply);
	}
	proto_request_release(&j->req);
	repo_info_finish(&j->info);
	json_decref(j->result);
	free(j);
}

void cmd_query_list(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s)
{
	struct cmd_query_list_job *j = calloc(1, sizeof(*j));

	(void)s;
	if (!j) {
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	j->d = d;
	j->cl = cl;
	j->req = *req;
	if (stintd_queue_work(d, &j->work, j, cmd_query_list_work, cmd_query_list_done) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		proto_request_release(&j->req);
		free(j);
	}
}
