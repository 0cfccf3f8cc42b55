#ifndef STINTD_CMD_EXPORT_H
#define STINTD_CMD_EXPORT_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* export: a page of closed sessions with their spans and events (stint export). */
void cmd_export(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		struct session *s);

#endif
