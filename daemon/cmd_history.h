#ifndef STINTD_CMD_HISTORY_H
#define STINTD_CMD_HISTORY_H

#include <jansson.h>

#include "protocol.h"
#include "repo.h"
#include "stintd.h"
#include "store_history.h"

struct ctl_client;

/*
 * A question about closed sessions (list, report), answered on a worker: the repository of -C
 * resolved into filter, then query fills result (or code and err). The reply carries result
 * under the key the command gave.
 */
struct cmd_history_job {
	struct stintd_work work;
	struct ctl_client *cl;
	struct stintd *d;
	struct proto_request req;
	struct repo_info info;
	struct store_history_filter filter;
	void (*query)(struct cmd_history_job *j); /* on the worker */
	const char *key;
	json_t *result;
	const char *code;
	char err[512];
};

/* Queues the job for req (which it owns from now on); replies once, now or when it is done. */
void cmd_history_run(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		     const char *key, void (*query)(struct cmd_history_job *j));

#endif
