#ifndef STINT_REPORT_GROUP_H
#define STINT_REPORT_GROUP_H

/*
 * A report's totals: closed sessions in, groups out (one or two levels, by repository, tag,
 * branch, focus, author, day, week or month), each with active time, sessions, commits, files
 * and lines, and a grand total. Pure: whoever has the sessions feeds them (stintd from its store;
 * later the CLI from committed logs). Active time inside [from, to) only: a session over a
 * boundary or a local midnight is split there, along its active spans. docs/reports.md.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "timespec.h"

enum report_dim {
	REPORT_BY_REPO,
	REPORT_BY_TAG,
	REPORT_BY_BRANCH,
	REPORT_BY_FOCUS,
	REPORT_BY_AUTHOR,
	REPORT_BY_DAY,
	REPORT_BY_WEEK,
	REPORT_BY_MONTH,
	REPORT_BY__COUNT,
};

#define REPORT_MAX_DIMS 2

/* "repo", "tag"...; NULL for an unknown dimension. */
const char *report_dim_name(enum report_dim dim);
/* The dimension of a name, or -1. */
int report_dim_lookup(const char *name);
/* Whether grouping by dim needs local days (day, week, month). */
int report_dim_is_time(enum report_dim dim);

/* One closed session. Strings may be NULL (no branch, no focus...). */
struct report_item {
	int64_t id;
	const char *repo, *branch, *focus, *author;
	const char *const *tags;
	size_t ntags;
	int64_t started_ms, ended_ms, active_s;
	/* [[from_ms, to_ms], ...] of active time as JSON text, read only when the session must be
	 * split; NULL: active time is spread evenly over [started_ms, ended_ms] (sessions closed
	 * before stint stored spans). */
	const char *spans;
	int64_t commits, files, added, removed;
};

struct report_group;

/* A report over [from_ms, to_ms) by dims (1 or 2); zone gives local days. NULL on bad input or
 * out of memory. zone is copied. */
struct report_group *report_group_create(int64_t from_ms, int64_t to_ms,
					 const enum report_dim *dims, size_t ndims,
					 const struct timespec_zone *zone);
void report_group_destroy(struct report_group *g);

/* Whether g groups by dim (a feeder may skip what is not asked for). */
int report_group_uses(const struct report_group *g, enum report_dim dim);

/* Counts one session. Returns 0, or -1 when out of memory. */
int report_group_add(struct report_group *g, const struct report_item *item);

/*
 * Counts n sessions at once that share item's labels and lie wholly inside the report, item
 * holding their sums (active_s, commits...; id, times and spans unused). Only for a report
 * without day, week, month or tag grouping (the sums cannot be split): returns -1 for those,
 * and when out of memory; else 0.
 */
int report_group_add_sum(struct report_group *g, const struct report_item *item, int64_t n);

/*
 * {"from": ms, "to": ms, "by": ["repo", "day"], "total": {TOTALS}, "groups": [{"key": "...",
 * TOTALS, "groups": [...]}]}, groups sorted by key; TOTALS are "active_s", "sessions",
 * "commits", "files", "added", "removed". NULL when out of memory.
 */
json_t *report_group_json(const struct report_group *g);

#endif
