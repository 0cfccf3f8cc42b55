#include "cmd.h"

#include <stdlib.h>

#include "cmd_add.h"
#include "cmd_edit.h"
#include "cmd_event.h"
#include "cmd_export.h"
#include "cmd_notify.h"
#include "cmd_query.h"
#include "cmd_regenerate.h"
#include "cmd_report.h"
#include "cmd_start.h"
#include "cmd_stop.h"
#include "cmd_watch.h"
#include "ctl.h"
#include "session.h"
#include "sessions.h"
#include "stintd.h"
#include "strbuf.h"

/* A handler owns req; s is the request's session when its row needs one, else NULL. */
typedef void (*cmd_handler_fn)(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
			       struct session *s);

struct cmd_row {
	cmd_handler_fn handler;
	bool needs_session; /* the open session of the request's cwd, waited for if busy */
};

static const struct cmd_row cmd_table[PROTO_CMD__COUNT] = {
    [PROTO_CMD_START] = {cmd_start, false},
    [PROTO_CMD_STATUS] = {cmd_query_status, false},
    [PROTO_CMD_STOP] = {cmd_stop, true},
    [PROTO_CMD_CANCEL] = {cmd_stop, true},
    [PROTO_CMD_PAUSE] = {cmd_event, true},
    [PROTO_CMD_RESUME] = {cmd_event, true},
    [PROTO_CMD_KEEP] = {cmd_event, true},
    [PROTO_CMD_NOTE] = {cmd_event, true},
    [PROTO_CMD_TODO] = {cmd_event, true},
    [PROTO_CMD_DECISION] = {cmd_event, true},
    [PROTO_CMD_LIST] = {cmd_query_list, false},
    [PROTO_CMD_PING] = {cmd_query_ping, false},
    [PROTO_CMD_NOTIFY_TEST] = {cmd_notify_test, false},
    [PROTO_CMD_WATCH] = {cmd_watch, false},
    [PROTO_CMD_UNWATCH] = {cmd_watch, false},
    [PROTO_CMD_WATCHED] = {cmd_watch, false},
    [PROTO_CMD_LOG_COMMIT] = {cmd_stop_log_commit, false},
    [PROTO_CMD_NOTIFY_STATUS] = {cmd_notify_status, false},
    [PROTO_CMD_REPORT] = {cmd_report, false},
    [PROTO_CMD_ADD] = {cmd_add, false},
    [PROTO_CMD_EXPORT] = {cmd_export, false},
    [PROTO_CMD_EDIT] = {cmd_edit, false},
    [PROTO_CMD_REGENERATE] = {cmd_regenerate, false},
};

/* A request waiting for its session's operation in flight; it is dispatched again after. */
struct cmd_parked {
	struct sessions_waiter w; /* first: run gets it back */
	struct stintd *d;
	struct ctl_client *cl;
	struct proto_request req;
};

static void cmd_parked_run(struct sessions_waiter *w)
{
	struct cmd_parked *p = (struct cmd_parked *)w;
	struct stintd *d = p->d;
	struct ctl_client *cl = p->cl;
	struct proto_request req = p->req;

	free(p);
	cmd_request(d, cl, &req);
}

/* How many of the other open sessions a no_session error names. */
#define CMD_OTHERS_MAX 5

/*
 * No session in the request's directory. When others are open (stop run in the wrong
 * directory), the error names them, and carries them as "open": [{"repo","focus"}].
 */
static void cmd_no_session(struct stintd *d, struct ctl_client *cl, const char *cwd)
{
	struct strbuf m = {0};
	json_t *reply, *open = json_array();
	size_t total = 0;

	strbuf_printf(&m, "no open session in %s", cwd);
	for (struct session *i = d->sessions; i; i = i->next, total++) {
		if (total >= CMD_OTHERS_MAX)
			continue;
		json_array_append_new(open,
				      json_pack("{s:s, s:s?}", "repo", i->root, "focus", i->focus));
		strbuf_printf(&m, "%s%s", total ? ", " : "; open sessions: ", i->root);
		if (i->focus)
			strbuf_printf(&m, " (\"%s\")", i->focus);
	}
	if (total > CMD_OTHERS_MAX)
		strbuf_printf(&m, " and %zu more", total - CMD_OTHERS_MAX);
	if (total)
		strbuf_puts(&m, "; give -C PATH for one of them");
	reply = proto_reply_error(PROTO_ERR_NO_SESSION, "%s", m.s && !m.error ? m.s : cwd);
	if (reply && open && total)
		json_object_set(json_object_get(reply, "error"), "open", open);
	json_decref(open);
	free(m.s);
	ctl_reply(cl, reply);
}

void cmd_request(void *arg, struct ctl_client *cl, struct proto_request *req)
{
	struct stintd *d = arg;
	const struct cmd_row *row = req->cmd < PROTO_CMD__COUNT ? &cmd_table[req->cmd] : NULL;
	struct session *s = NULL;
	struct cmd_parked *p;

	if (!row || !row->handler) {
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "unhandled command");
		return;
	}
	if (row->needs_session) {
		s = sessions_find_cwd(d, req->cwd);
		/* A stop of a session that stopped by itself lately says so instead. */
		if (!s && cmd_stop_no_session(d, cl, req)) {
			proto_request_release(req);
			return;
		}
		if (!s) {
			cmd_no_session(d, cl, req->cwd);
			proto_request_release(req);
			return;
		}
		if (s->busy) {
			/* Never a second operation on a busy session: without memory to wait, fail.
			 */
			p = calloc(1, sizeof(*p));
			if (!p) {
				proto_request_release(req);
				ctl_reply_error(cl, PROTO_ERR_INTERNAL,
						"out of memory queueing the request");
				return;
			}
			p->w.run = cmd_parked_run;
			p->d = d;
			p->cl = cl;
			p->req = *req;
			sessions_wait(s, &p->w);
			return;
		}
	}
	row->handler(d, cl, req, s);
}
