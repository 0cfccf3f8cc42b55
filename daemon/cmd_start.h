#ifndef STINTD_CMD_START_H
#define STINTD_CMD_START_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* start (a row of cmd.c's table: owns req, replies once). */
void cmd_start(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s);

#endif
