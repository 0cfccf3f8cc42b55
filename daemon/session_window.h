#ifndef STINTD_SESSION_WINDOW_H
#define STINTD_SESSION_WINDOW_H

#include <jansson.h>
#include <stdint.h>

/*
 * A closed session's times when a correction moves its start or end (stint edit --start/--end):
 * pure arithmetic on the cached columns a report reads, so the store need not fold its events
 * again (docs/reports.md, "Corrections").
 */

struct session_window_times {
	int64_t active_s, wall_s, paused_s, idle_s, suspended_s;
};

/*
 * The active spans ([[from_ms, to_ms], ...], in order) of a session that ran [old_start,
 * old_end), moved to [start, end): cut to the new window; the stretches before the old start and
 * after the old end, when the window grew, added as active (a forgotten start or stop). A new
 * array, or NULL when out of memory or spans is not an array of pairs.
 */
json_t *session_window_spans(const json_t *spans, int64_t old_start, int64_t old_end, int64_t start,
			     int64_t end);
/* The milliseconds the spans cover. */
int64_t session_window_ms(const json_t *spans);
/*
 * t (the row's times, updated in place) for the new spans: active_s is the new spans' whole
 * seconds (unchanged when the spans cover what they covered), wall_s is the new window's, and when
 * the window shrank the paused, idle and suspended seconds are scaled down so that they fit in what
 * is not active.
 */
void session_window_times(struct session_window_times *t, const json_t *old_spans,
			  const json_t *new_spans, int64_t start, int64_t end);

#endif
