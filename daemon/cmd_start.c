#include "cmd_start.h"

#include <stdlib.h>

#include "cmd_reply.h"
#include "ctl.h"
#include "sessions.h"
#include "sessions_start.h"
#include "stintd.h"
#include "timeutil.h"
#include "track.h"

static void cmd_start_done(void *arg, struct session *s, const char *code, const char *err)
{
	struct cmd_call *c = arg;
	json_t *reply;
	struct stamp now;

	if (!code) {
		/* The reply shows the watch: it begins now, not at the loop's next turn. */
		track_sync(c->d);
		cmd_reply_session(c->d, c->cl, s);
	} else {
		reply = proto_reply_error(code, "%s", err);
		/* Already running: the reply says which session, as status would. */
		if (s) {
			session_stamp_now(&now, c->d->boot_id);
			json_object_set_new(reply, "session",
					    cmd_reply_session_json(c->d, s, &now));
		}
		ctl_reply(c->cl, reply);
	}
	free(c);
}

void cmd_start(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s)
{
	struct sessions_start_opts o = {.cwd = req->cwd,
					.focus = req->focus,
					.tags = req->tags,
					.ntags = req->ntags,
					.at_ms = req->at > 0 ? req->at : 0};
	struct cmd_call *c = cmd_reply_call_new(d, cl, req);

	(void)s;
	if (!c)
		return;
	/* The CLI checked it; a peer is never trusted. */
	if (req->at > time_wall_ms()) {
		ctl_reply_error(cl, PROTO_ERR_BAD_REQUEST, "field \"at\" is in the future");
		proto_request_release(req);
		free(c);
		return;
	}
	if (sessions_start(d, &o, cmd_start_done, c) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		free(c);
	}
	proto_request_release(req);
}
