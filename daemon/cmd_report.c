#include "cmd_report.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd_history.h"
#include "report_group.h"

/*
 * A report runs on a worker (cmd_history): the sessions of the range read in one query and
 * grouped (report_group), local days from the client's zone table, so the days are the ones
 * the user sees (docs/reports.md).
 */

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

static void cmd_report_query(struct cmd_history_job *j)
{
	enum report_dim dims[REPORT_MAX_DIMS];
	struct timespec_zone zone;
	struct report_group *g;
	size_t i;
	json_t *v;

	json_array_foreach(j->req.by, i, v) dims[i] =
	    (enum report_dim)report_dim_lookup(json_string_value(v));
	cmd_report_zone(j->req.zone, &zone);
	g = report_group_create(j->req.from, j->req.to, dims, json_array_size(j->req.by), &zone);
	if (!g || store_history_report(j->d->store, &j->filter, g, j->err, sizeof(j->err)) < 0 ||
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

void cmd_report(struct stintd *d, struct ctl_client *cl, struct proto_request *req,
		struct session *s)
{
	(void)s;
	cmd_history_run(d, cl, req, "report", cmd_report_query);
}
