#include "cmd_event.h"

#include <stdlib.h>

#include "cmd_reply.h"
#include "ctl.h"
#include "sessions.h"
#include "stintd.h"

/* pause, resume, keep, note, todo and decision: one event each, committed before the reply. */

static json_t *cmd_event_payload(const struct proto_request *req)
{
	json_t *p = json_object();

	switch (req->cmd) {
	case PROTO_CMD_NOTE:
		json_object_set_new(p, "text", json_string(req->text));
		json_object_set_new(p, "kind", json_string(proto_note_kind_name(req->note_kind)));
		break;
	case PROTO_CMD_TODO:
		json_object_set_new(p, "text", json_string(req->text));
		json_object_set_new(p, "priority", json_string(proto_priority_name(req->priority)));
		if (req->blocked_by)
			json_object_set_new(p, "blocked_by", json_string(req->blocked_by));
		if (req->next)
			json_object_set_new(p, "next", json_true());
		break;
	case PROTO_CMD_DECISION:
		json_object_set_new(p, "text", json_string(req->text));
		if (req->why)
			json_object_set_new(p, "why", json_string(req->why));
		break;
	default:
		json_decref(p);
		return NULL;
	}
	return p;
}

static enum session_event_kind cmd_event_kind(enum proto_cmd cmd)
{
	switch (cmd) {
	case PROTO_CMD_PAUSE:
		return SESSION_EV_PAUSE;
	case PROTO_CMD_RESUME:
		return SESSION_EV_RESUME;
	case PROTO_CMD_KEEP:
		return SESSION_EV_KEEP;
	case PROTO_CMD_NOTE:
		return SESSION_EV_NOTE;
	case PROTO_CMD_TODO:
		return SESSION_EV_TODO;
	case PROTO_CMD_DECISION:
		return SESSION_EV_DECISION;
	default:
		return SESSION_EV_UNKNOWN;
	}
}

/* Why the session's state refuses this event, or NULL. */
static const char *cmd_event_refusal(struct stintd *d, const struct proto_request *req,
				     const struct session *s)
{
	struct session_times t;
	struct stamp now;

	if (req->cmd == PROTO_CMD_PAUSE && s->state == SESSION_PAUSED)
		return "is already paused";
	if (req->cmd == PROTO_CMD_RESUME && s->state != SESSION_PAUSED)
		return "is not paused";
	if (req->cmd == PROTO_CMD_KEEP) {
		session_stamp_now(&now, d->boot_id);
		session_times(s, &now, &t);
		if (s->state != SESSION_ACTIVE || !t.idle_now)
			return "is not idle";
	}
	return NULL;
}

static void cmd_event_done(void *arg, struct session *s, int status, const char *err)
{
	struct cmd_call *c = arg;

	if (status < 0)
		ctl_reply_error(c->cl, PROTO_ERR_STORE_FAILED, "cannot record the %s: %s",
				proto_cmd_name(c->cmd), err);
	else
		cmd_reply_session(c->d, c->cl, s);
	free(c);
}

void cmd_event(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s)
{
	const char *refusal = cmd_event_refusal(d, req, s);
	struct cmd_call *c;

	if (refusal) {
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_BAD_STATE, "the session in %s %s", s->root, refusal);
		return;
	}
	if (!(c = cmd_reply_call_new(d, cl, req)))
		return;
	if (sessions_append(d, s, cmd_event_kind(req->cmd), cmd_event_payload(req), cmd_event_done,
			    c) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		free(c);
	}
	proto_request_release(req);
}
