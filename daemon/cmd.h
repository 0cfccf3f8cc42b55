#ifndef STINTD_CMD_H
#define STINTD_CMD_H

#include <jansson.h>
#include <stdbool.h>

#include "protocol.h"

/*
 * The commands: a table maps each request to its handler (cmd_start.c, cmd_stop.c,
 * cmd_event.c, cmd_query.c, cmd_watch.c, cmd_notify.c), waiting first when its session is busy.
 * Handlers act through sessions.c and the modules' own APIs, and reply exactly once through
 * ctl_reply (cmd_reply.c has what they share).
 */

struct ctl_client;

/* ctl's request callback (arg: the daemon). Takes ownership of req. */
void cmd_request(void *arg, struct ctl_client *cl, struct proto_request *req);

#endif
