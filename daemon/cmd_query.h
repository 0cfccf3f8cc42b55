#ifndef STINTD_CMD_QUERY_H
#define STINTD_CMD_QUERY_H

#include "protocol.h"

struct ctl_client;
struct session;
struct stintd;

/* status, list and ping (a row of cmd.c's table: owns req, replies once). */
void cmd_query_status(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		      struct session *s);
void cmd_query_list(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s);
void cmd_query_ping(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		    struct session *s);

#endif
