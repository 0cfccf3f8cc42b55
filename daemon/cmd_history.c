#include "cmd_history.h"

#include <stdlib.h>

#include "cmd_reply.h"
#include "ctl.h"

static void cmd_history_work(uv_work_t *w)
{
	struct cmd_history_job *j = w->data;

	j->filter = (struct store_history_filter){
	    .from = j->req.from, .to = j->req.to, .tags = j->req.tags, .ntags = j->req.ntags};
	if (j->req.cwd && repo_resolve(j->req.cwd, &j->info, j->err, sizeof(j->err)) < 0) {
		j->code = PROTO_ERR_BAD_PATH;
		return;
	}
	j->filter.repo = j->req.cwd ? j->info.root : NULL;
	j->query(j);
}

static void cmd_history_done(uv_work_t *w, int status)
{
	struct cmd_history_job *j = w->data;

	if (status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_INTERNAL, "%s", uv_strerror(status));
	} else if (j->code) {
		ctl_reply_error(j->cl, j->code, "%s", j->err);
	} else {
		json_t *reply = proto_reply_ok();

		json_object_set(reply, j->key, j->result);
		ctl_reply(j->cl, reply);
	}
	proto_request_release(&j->req);
	repo_info_finish(&j->info);
	json_decref(j->result);
	free(j);
}

void cmd_history_run(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		     const char *key, void (*query)(struct cmd_history_job *j))
{
	struct cmd_history_job *j = cmd_reply_job_new(sizeof(*j), cl, req);

	if (!j)
		return;
	j->d = d;
	j->cl = cl;
	j->req = *req;
	j->key = key;
	j->query = query;
	if (stintd_queue_work(d, &j->work, j, cmd_history_work, cmd_history_done) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		proto_request_release(&j->req);
		free(j);
	}
}
