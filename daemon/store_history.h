#ifndef STINTD_STORE_HISTORY_H
#define STINTD_STORE_HISTORY_H

/*
 * The store's history: closed sessions for list and report, read on a read-only connection of
 * their own (so a worker may run them while batches commit), one indexed query each
 * (sessions_history: closed sessions by end). Blocking: call on a worker. docs/reports.md.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "report_group.h"
#include "store.h"

struct store_history_filter {
	int64_t from, to; /* sessions with a moment in [from, to); -1: no bound */
	const char *repo; /* a repository's root, or NULL for all */
	const char *const *tags;
	size_t ntags; /* sessions with any of these tags; 0: all */
};

/*
 * Closed sessions newest first (by end, then id), at most limit, after the page ending at
 * (before_ended, before_id) when before_id >= 0. *out is an array of list rows (docs/protocol.md).
 * Returns 0, or -1 with err filled and *out NULL.
 */
int store_history_list(const struct store *st, const struct store_history_filter *f, int64_t limit,
		       int64_t before_ended, int64_t before_id, json_t **out, char *err,
		       size_t errn);

/*
 * A page of store_history_list for export: each row also has "spans" and "events" (the
 * session's events in order, [{"kind", "at", "data"}]). The page ends after limit rows, or
 * before the row that would start past about max_bytes (at least one row); a session's events
 * past about max_events_bytes are cut, with "events_truncated": true. So a page holds at most
 * about max_bytes + max_events_bytes. Returns 0, or -1 with err filled and *out NULL.
 */
int store_history_export(const struct store *st, const struct store_history_filter *f,
			 int64_t limit, int64_t before_ended, int64_t before_id, int64_t max_bytes,
			 int64_t max_events_bytes, json_t **out, char *err, size_t errn);

/* Feeds every stopped session of f into g (cancelled ones are not work on record). Returns 0,
 * or -1 with err filled. */
int store_history_report(const struct store *st, const struct store_history_filter *f,
			 struct report_group *g, char *err, size_t errn);

/* A session's start and end (wall ms; *ended -1 while open). Returns 0, -ENOENT for no such
 * session, or -1 with err filled. */
int store_history_span(const struct store *st, int64_t id, int64_t *started, int64_t *ended,
		       char *err, size_t errn);

#endif
