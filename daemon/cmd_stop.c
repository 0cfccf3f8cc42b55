#include "cmd_stop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_reply.h"
#include "ctl.h"
#include "log.h"
#include "sessions.h"
#include "sessions_stop.h"
#include "stintd.h"
#include "timeutil.h"
#include "track.h"

static void cmd_stop_log_committed_alone(void *arg, int status, const char *note)
{
	(void)arg;
	(void)status;
	(void)note; /* sessions_stop_log_commit logged it */
}

static void cmd_stop_done(void *arg, const struct sessions_stop_result *r)
{
	struct cmd_call *c = arg;
	json_t *reply;

	/* stop --edit whose stint is gone (killed, ^C): no editor will run, so the log is
	 * committed as written now rather than never. */
	if (!r->code && r->commit_pending && !ctl_client_alive(c->cl) &&
	    sessions_stop_log_commit(c->d, r->s->root, r->log_path, false,
				     cmd_stop_log_committed_alone, NULL) == 0)
		log_info("stop --edit of %s: its stint is gone; committing the log as written",
			 r->s->root);
	/* Nobody hears this stop's reply: a later stint stop there will say how it ended. */
	if (!r->code && c->cmd == PROTO_CMD_STOP && !ctl_client_alive(c->cl) &&
	    sessions_stop_unheard(c->d, r, "interrupted",
				  "by a stint stop that was interrupted before it ended") < 0)
		log_warnx("out of memory remembering the stop of %s", r->s->root);
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
		json_object_set_new(reply, "log_commit",
				    json_pack("{s:b, s:s, s:b}", "committed", r->commit_ok,
					      "message", r->commit_note, "pending",
					      r->commit_pending));
	ctl_reply(c->cl, reply);
	free(c);
}

/* The stop's progress (a check starting), to a client that asked for it. */
static void cmd_stop_progress(void *arg, const char *what, json_t *body)
{
	struct cmd_call *c = arg;

	ctl_progress(c->cl, proto_progress_new(what, json_copy(body)));
}

/* Why stop --at cannot end the session at req->at, or NULL (err filled). The CLI checked it;
 * a peer is never trusted. */
static const char *cmd_stop_at_refusal(const struct proto_request *req, const struct session *s,
				       char *err, size_t errn)
{
	int64_t last = session_last_entry_ms(s), now = time_wall_ms();
	char a[40], b[40];

	time_format_local(req->at, "%Y-%m-%d %H:%M:%S", a, sizeof(a));
	if (req->at > now) {
		snprintf(err, errn, "%s is in the future", a);
		return PROTO_ERR_BAD_REQUEST;
	}
	time_format_local(s->events[0].at.wall_ms, "%Y-%m-%d %H:%M:%S", b, sizeof(b));
	if (req->at <= s->events[0].at.wall_ms) {
		snprintf(err, errn, "%s is not after the session's start (%s)", a, b);
		return PROTO_ERR_BAD_REQUEST;
	}
	/* What the user wrote is never dropped: end it after the last entry. */
	if (last >= 0 && req->at < last) {
		time_format_local(last, "%Y-%m-%d %H:%M:%S", b, sizeof(b));
		snprintf(err, errn,
			 "%s is before the session's last pause, resume, note, todo or decision "
			 "(%s)",
			 a, b);
		return PROTO_ERR_BAD_REQUEST;
	}
	return NULL;
}

/* stop and cancel. */
void cmd_stop(struct stintd *d, struct ctl_client *cl, struct proto_request *req, struct session *s)
{
	struct sessions_stop_opts o = {.cancel = req->cmd == PROTO_CMD_CANCEL,
				       .no_log = req->no_log,
				       .no_checks = req->no_checks,
				       .defer_commit = req->edit,
				       .summary = req->summary,
				       .env = req->env,
				       .at_ms = req->at > 0 ? req->at : 0,
				       .progress = req->progress ? cmd_stop_progress : NULL};
	struct cmd_call *c;
	const char *code;
	char err[256];

	if (req->at > 0 && (code = cmd_stop_at_refusal(req, s, err, sizeof(err)))) {
		proto_request_release(req);
		ctl_reply_error(cl, code, "%s", err);
		return;
	}
	c = cmd_reply_call_new(d, cl, req);

	if (!c)
		return;
	if (sessions_stop(d, s, &o, cmd_stop_done, c) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		free(c);
	}
	proto_request_release(req);
}

bool cmd_stop_no_session(struct stintd *d, struct ctl_client *cl, const struct proto_request *req)
{
	json_t *recent, *reply;

	if (req->cmd != PROTO_CMD_STOP || !(recent = sessions_stop_recent(d, req->cwd)))
		return false;
	/* Stopped already, with nobody watching: say when and why, and where its log is. */
	reply = proto_reply_ok();
	if (!reply || json_object_update(reply, recent) < 0) {
		json_decref(reply);
		json_decref(recent);
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		return true;
	}
	if (!json_object_get(reply, "log"))
		json_object_set_new(reply, "log", json_null());
	json_decref(recent);
	ctl_reply(cl, reply);
	return true;
}

static void cmd_stop_log_committed(void *arg, int status, const char *note)
{
	struct cmd_call *c = arg;
	json_t *reply = proto_reply_ok();

	json_object_set_new(reply, "log_commit",
			    json_pack("{s:b, s:s}", "committed", status == 0, "message", note));
	ctl_reply(c->cl, reply);
	free(c);
}

void cmd_stop_log_commit(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
			 struct session *s)
{
	struct cmd_call *c;
	int r;

	(void)s;
	if (!(c = cmd_reply_call_new(d, cl, req)))
		return;
	r = sessions_stop_log_commit(d, req->cwd, req->log, req->edited, cmd_stop_log_committed, c);
	if (r == -ENOENT)
		ctl_reply_error(cl, PROTO_ERR_NO_LOG_COMMIT,
				"no log commit waits for %s in %s: only a log that stop with "
				"\"edit\" wrote there, not committed yet, can be",
				req->log, req->cwd);
	else if (r < 0)
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
	if (r < 0)
		free(c);
	proto_request_release(req);
}
