#include "cmd_query.h"

#include <string.h>

#include "cmd_history.h"
#include "cmd_reply.h"
#include "ctl.h"
#include "notify.h"
#include "sessions.h"
#include "stintd.h"
#include "store.h"
#include "store_history.h"

/* status, list and ping: questions that change nothing. */

void cmd_query_ping(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s)
{
	json_t *reply = proto_reply_ok();

	(void)s;
	json_object_set_new(reply, "daemon", cmd_reply_daemon_info(d));
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
	json_object_set_new(reply, "daemon", cmd_reply_daemon_info(d));
	notify_status(d, reply);
	proto_request_release(req);
	ctl_reply(cl, reply);
}

/* A page of closed sessions (store_history: bounded by the request's limit, whatever the store
 * holds), on a worker. */
static void cmd_query_list_page(struct cmd_history_job *j)
{
	if (store_history_list(j->d->store, &j->filter, j->req.limit, j->req.before_ended,
			       j->req.before_id, &j->result, j->err, sizeof(j->err)) < 0)
		j->code = PROTO_ERR_STORE_FAILED;
}

void cmd_query_list(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s)
{
	(void)s;
	cmd_history_run(d, cl, req, "sessions", cmd_query_list_page);
}
