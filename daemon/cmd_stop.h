#ifndef STINTD_CMD_STOP_H
#define STINTD_CMD_STOP_H

#include <stdbool.h>

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* stop and cancel (a row of cmd.c's table: owns req, replies once). */
void cmd_stop(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
	      struct session *s);

/*
 * stop with no open session at req's cwd: when a session there stopped unattended lately,
 * replies with it (when and why, its log) and returns true; false to let the caller refuse.
 */
bool cmd_stop_no_session(struct stintd *d, struct ctl_client *cl, const struct proto_request *req);

/* log_commit: commits the log a stop with "edit" wrote, once its editor is done. */
void cmd_stop_log_commit(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
			 struct session *s);

#endif
