#ifndef STINTD_CMD_ADD_H
#define STINTD_CMD_ADD_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* add: a closed session given by its ends (stint add, stint import); docs/protocol.md. */
void cmd_add(struct stintd *d, struct ctl_client *cl, struct proto_request *req, struct session *s);

#endif
