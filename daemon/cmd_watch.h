#ifndef STINTD_CMD_WATCH_H
#define STINTD_CMD_WATCH_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* watch, unwatch and watched (a row of cmd.c's table: owns req, replies once). */
void cmd_watch(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	       struct session *s);

#endif
