#ifndef STINTD_CMD_REPORT_H
#define STINTD_CMD_REPORT_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* report: the totals of closed sessions over a range, grouped (a row of cmd.c's table). */
void cmd_report(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		struct session *s);

#endif
