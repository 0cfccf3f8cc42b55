#include "cmd_reply.h"

#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"
#include "stintd.h"
#include "track.h"
#include "version.h"

void *cmd_reply_job_new(size_t size, struct ctl_client *cl, struct proto_request *req)
{
	void *j = calloc(1, size);

	if (!j) {
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
	}
	return j;
}

struct cmd_call *cmd_reply_call_new(struct stintd *d, struct ctl_client *cl,
				    struct proto_request *req)
{
	struct cmd_call *c = cmd_reply_job_new(sizeof(*c), cl, req);

	if (!c)
		return NULL;
	c->d = d;
	c->cl = cl;
	c->cmd = req->cmd;
	return c;
}

json_t *cmd_reply_daemon_info(struct stintd *d)
{
	json_t *info =
	    json_pack("{s:i, s:s, s:I}", "pid", (int)getpid(), "version", STINT_VERSION, "uptime_s",
		      (json_int_t)((time_mono_ns() - d->started_mono_ns) / 1000000000));

	/* A damaged store found at start-up: status says so for as long as this stintd runs. */
	if (info && d->store_warning)
		json_object_set_new(info, "store_warning", json_string(d->store_warning));
	return info;
}

json_t *cmd_reply_session_json(struct stintd *d, const struct session *s, const struct stamp *now)
{
	json_t *j = session_to_json(s, now);

	if (j)
		track_add_status(d, s, j);
	return j;
}

void cmd_reply_session(struct stintd *d, struct ctl_client *cl, const struct session *s)
{
	struct stamp now;
	json_t *reply = proto_reply_ok();

	session_stamp_now(&now, d->boot_id);
	json_object_set_new(reply, "session", cmd_reply_session_json(d, s, &now));
	ctl_reply(cl, reply);
}
