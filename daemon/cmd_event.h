#ifndef STINTD_CMD_EVENT_H
#define STINTD_CMD_EVENT_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* pause, resume, keep, note, todo and decision (a row of cmd.c's table: owns req, replies once). */
void cmd_event(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s);

#endif
