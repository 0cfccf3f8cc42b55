#include "cmd_export.h"

#include "cmd_history.h"
#include "store_history.h"

/*
 * A page of sessions as list pages them (newest first, "before" the last row of the page
 * before), each with its spans and events, on a worker. A page takes no more sessions past
 * about 320 KiB (its rows as sent and its events), and a session's events past 256 KiB are cut
 * (said in the row): a reply stays under 576 KiB and some (a session's spans), well under what
 * ctl.c queues for one client (1 MiB).
 */
#define CMD_EXPORT_PAGE_BYTES	 (320 * 1024)
#define CMD_EXPORT_SESSION_BYTES (256 * 1024)

static void cmd_export_page(struct cmd_history_job *j)
{
	if (store_history_export(j->d->store, &j->filter, j->req.limit, j->req.before_ended,
				 j->req.before_id, CMD_EXPORT_PAGE_BYTES, CMD_EXPORT_SESSION_BYTES,
				 &j->result, j->err, sizeof(j->err)) < 0)
		j->code = PROTO_ERR_STORE_FAILED;
}

void cmd_export(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		struct session *s)
{
	(void)s;
	cmd_history_run(d, cl, req, "sessions", cmd_export_page);
}
