#include "cmd_notify.h"

#include "notify.h"

void cmd_notify_test(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		     struct session *s)
{
	(void)s;
	proto_request_release(req);
	notify_test(d, cl);
}

void cmd_notify_status(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		       struct session *s)
{
	(void)s;
	proto_request_release(req);
	notify_status_wait(d, cl);
}
