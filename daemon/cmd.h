#ifndef STINTD_CMD_H
#define STINTD_CMD_H

#include <jansson.h>
#include <stdbool.h>

#include "protocol.h"

/*
 * The commands: a table maps each request to its handler (cmd_start.c, cmd_stop.c,
 * cmd_event.c, cmd_query.c, cmd_watch.c, cmd_notify.c). Handlers act through sessions.c and the
 * modules' own APIs, and reply exactly once through ctl_reply.
 */

struct ctl_client;
struct session;
struct stamp;
struct stintd;

/* ctl's request callback (arg: the daemon). Takes ownership of req. */
void cmd_request(void *arg, struct ctl_client *cl, struct proto_request *req);

/* A handler: owns req; s is the request's session when its table row needs one, else NULL. */
typedef void (*cmd_handler_fn)(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
			       struct session *s);

void cmd_start(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s);
void cmd_stop(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	      struct session *s);
void cmd_event(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s);
void cmd_status(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		struct session *s);
void cmd_list(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	      struct session *s);
void cmd_ping(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	      struct session *s);
void cmd_watch(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s);
void cmd_notify_test(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		     struct session *s);

/* A request in flight: who asked, for the completion callbacks. */
struct cmd_call {
	struct stintd *d;
	struct ctl_client *cl;
	enum proto_cmd cmd;
};
/* NULL (having replied "out of memory" and released req) when out of memory. */
struct cmd_call *cmd_call_new(struct stintd *d, struct ctl_client *cl, struct proto_request *req);

/* The session object of docs/protocol.md, times up to now, with its watch's state. */
json_t *cmd_session_json(struct stintd *d, const struct session *s, const struct stamp *now);
/* {"ok":true,"session":...} as of now. */
void cmd_reply_session(struct stintd *d, struct ctl_client *cl, const struct session *s);

#endif
