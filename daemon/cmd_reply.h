#ifndef STINTD_CMD_REPLY_H
#define STINTD_CMD_REPLY_H

#include <jansson.h>
#include <stddef.h>

#include "protocol.h"

/* What the command handlers share: the request in flight, and the session object they reply. */

struct ctl_client;
struct session;
struct stamp;
struct stintd;

/* A request in flight: who asked, for the completion callbacks. */
struct cmd_call {
	struct stintd *d;
	struct ctl_client *cl;
	enum proto_cmd cmd;
};
/* A zeroed job of size bytes for a request's work; NULL (having replied "out of memory" and
 * released req) when out of memory. */
void *cmd_reply_job_new(size_t size, struct ctl_client *cl, struct proto_request *req);
/* NULL (having replied "out of memory" and released req) when out of memory. */
struct cmd_call *cmd_reply_call_new(struct stintd *d, struct ctl_client *cl,
				    struct proto_request *req);

/* The "daemon" object of status and ping replies: pid, version, uptime_s, store_warning. */
json_t *cmd_reply_daemon_info(struct stintd *d);
/* The session object of docs/protocol.md, times up to now, with its watch's state. */
json_t *cmd_reply_session_json(struct stintd *d, const struct session *s, const struct stamp *now);
/* {"ok":true,"session":...} as of now. */
void cmd_reply_session(struct stintd *d, struct ctl_client *cl, const struct session *s);

#endif
