#ifndef STINTD_CMD_NOTIFY_H
#define STINTD_CMD_NOTIFY_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* notify test (a row of cmd.c's table: owns req, replies once). */
void cmd_notify_test(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		     struct session *s);
/* notify status: the notify fields of status, once the first attempt to reach a server ended. */
void cmd_notify_status(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		       struct session *s);

#endif
