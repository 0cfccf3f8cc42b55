#include "cmd_report.h"

#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "repo.h"
#include "report_group.h"
#include "stintd.h"
#include "store_history.h"

/*
 * A report runs on a worker: the repository of -C resolved, the sessions of the range read in
 * one query and grouped (report_group), local days from the client's zone table, so the days
 * are the ones the user sees (docs/reports.md).
 */
struct cmd_report_job {
	struct stintd_work work;
	struct ctl_client *cl;
	struct stintd *d;
	struct proto_request req;
	struct repo_info info;
	struct timespec_zone zone;
	json_t *result;
	const char *code;
	char err[512];
};

/* A reply stays well under what ctl.c queues for one client (CTL_MAX_QUEUED, 1 MiB). */
#define CMD_REPORT_MAX_BYTES (768 * 1024)

/* The groups of a report, both levels. */
static size_t cmd_report_count(const json_t *report)
{
	size_t n = 0, i;
	json_t *g;

	json_array_foreach(json_object_get(report, "groups"), i, g) n +=
	    1 + json_array_size(json_object_get(g, "groups"));
	return n;
}

/* The request's zone table, UTC without one. */
static void cmd_report_zone(const json_t *zone, struct timespec_zone *z)
{
	size_t i;
	json_t *v;

	if (!zone) {
		timespec_zone_fixed(z, 0);
		return;
	}
	z->n = 0;
	json_array_foreach(zone, i, v)
	{
		int64_t at = i == 0 ? INT64_MIN : json_integer_value(json_array_get(v, 0));

		timespec_zone_add(z, at, (int32_t)json_integer_value(json_array_get(v, 1)));
	}
}

static void cmd_report_work(uv_work_t *w)
{
	struct cmd_report_job *j = w->data;
	struct store_history_filter f = {
	    .from = j->req.from, .to = j->req.to, .tags = j->req.tags, .ntags = j->req.ntags};
	enum report_dim dims[REPORT_MAX_DIMS];
	struct report_group *g;
	size_t i;
	json_t *v;

	if (j->req.cwd && repo_resolve(j->req.cwd, &j->info, j->err, sizeof(j->err)) < 0) {
		j->code = PROTO_ERR_BAD_PATH;
		return;
	}
	f.repo = j->req.cwd ? j->info.root : NULL;
	json_array_foreach(j->req.by, i, v) dims[i] =
	    (enum report_dim)report_dim_lookup(json_string_value(v));
	cmd_report_zone(j->req.zone, &j->zone);
	g = report_group_create(j->req.from, j->req.to, dims, json_array_size(j->req.by), &j->zone);
	if (!g || store_history_report(j->d->store, &f, g, j->err, sizeof(j->err)) < 0 ||
	    !(j->result = report_group_json(g))) {
		if (!j->err[0])
			snprintf(j->err, sizeof(j->err), "out of memory");
		j->code = g ? PROTO_ERR_STORE_FAILED : PROTO_ERR_INTERNAL;
	}
	report_group_destroy(g);
	if (j->result && json_dumpb(j->result, NULL, 0, JSON_COMPACT) > CMD_REPORT_MAX_BYTES) {
		snprintf(j->err, sizeof(j->err),
			 "the report has %zu groups, too many to send (more than %d KiB): give a "
			 "shorter range or group by week or month",
			 cmd_report_count(j->result), CMD_REPORT_MAX_BYTES / 1024);
		j->code = PROTO_ERR_TOO_LARGE;
	}
}

static void cmd_report_done(uv_work_t *w, int status)
{
	struct cmd_report_job *j = w->data;

	if (status < 0) {
		ctl_reply_error(j->cl, PROTO_ERR_INTERNAL, "%s", uv_strerror(status));
	} else if (j->code) {
		ctl_reply_error(j->cl, j->code, "%s", j->err);
	} else {
		json_t *reply = proto_reply_ok();

		json_object_set(reply, "report", j->result);
		ctl_reply(j->cl, reply);
	}
	proto_request_release(&j->req);
	repo_info_finish(&j->info);
	json_decref(j->result);
	free(j);
}

void cmd_report(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		struct session *s)
{
	struct cmd_report_job *j = calloc(1, sizeof(*j));

	(void)s;
	if (!j) {
		proto_request_release(req);
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	j->d = d;
	j->cl = cl;
	j->req = *req;
	if (stintd_queue_work(d, &j->work, j, cmd_report_work, cmd_report_done) < 0) {
		ctl_reply_error(cl, PROTO_ERR_INTERNAL, "cannot queue work");
		proto_request_release(&j->req);
		free(j);
	}
}
