#ifndef STINTD_CMD_STOP_H
#define STINTD_CMD_STOP_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* stop and cancel (a row of cmd.c's table: owns req, replies once). */
void cmd_stop(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	      struct session *s);

#endif
