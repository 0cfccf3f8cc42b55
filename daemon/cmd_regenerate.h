#ifndef STINTD_CMD_REGENERATE_H
#define STINTD_CMD_REGENERATE_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/*
 * regenerate: a closed session's log rendered again from its events, corrections included,
 * into a new file next to the old one (the name the log writer picks: never over a file).
 * Replies {"log": path}. A row of cmd.c's table: owns req.
 */
void cmd_regenerate(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s);

#endif
