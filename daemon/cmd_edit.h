#ifndef STINTD_CMD_EDIT_H
#define STINTD_CMD_EDIT_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/*
 * edit: a correction of a session's focus, tags, start or end, kept as an "edit" event (the
 * store stays append-only) with the row's cached columns updated in the same transaction, so
 * list and report show it at once. The open session of cwd (no id, or its id) takes focus,
 * tags and start; a closed one (by id) also its end. A row of cmd.c's table: owns req.
 */
void cmd_edit(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	      struct session *s);

#endif
