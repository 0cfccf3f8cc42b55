#include "cmd_stop.h"

#include <stdlib.h>

#include "cmd_reply.h"
#include "ctl.h"
#include "sessions.h"
#include "sessions_stop.h"
#include "stintd.h"
#include "track.h"

static void cmd_stop_done(void *arg, const struct sessions_stop_result *r)
{
	struct cmd_call *c = arg;
	json_t *reply;

	if (r->code) {
		ctl_reply_error(c->cl, r->code, "%s", r->err);
		free(c);
		return;
	}
	track_add_status(c->d, r->s, r->session);
	reply = proto_reply_ok();
	json_object_set(reply, "session", r->session);
	if (c->cmd == PROTO_CMD_STOP)
		json_object_set_new(reply, "log",
				    r->log_path ? json_string(r->log_path) : json_null());
	if (r->commit_tried)
		json_object_set_new(
		    reply, "log_commit",
		    json_pack("{s:b, s:s}", "committed", r->commit_ok, "message", r->commit_note));
	ctl_reply(c->cl, reply);
	free(c);
}

/* stop and cancel. */
void cmd_stop(struct stintd *d, struct ctl_client *cl, struct proto_request *req, struct session *s)
{
	struct sessions_stop_opts o = {
	    .cancel = req->cmd == PROTO_CMD_CANCEL, .no_log = req->no_log, .summary = req->summary};
	struct cmd_call *c = cmd_reply_call_new(d, cl, req);

	if (!c)
		return;
	if (sessions_stop(d, s, &o, cmd_stop_done, c) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		free(c);
	}
	proto_request_release(req);
}
