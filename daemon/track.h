#ifndef STINTD_TRACK_H
#define STINTD_TRACK_H

#include <jansson.h>

/*
 * Repository tracking for open sessions: the watch on each session's repository, the debounced
 * recompute of its statistics on a worker, and the commit, branch and pull events those
 * recomputes find, recorded through sessions_record. Loop thread only.
 */

struct stintd;
struct session;

/* Watches every open session that has a baseline (computing its statistics once) and drops
 * the watches of closed ones; main's per-iteration hook. */
void track_sync(struct stintd *d);
/* Drops every watch; for shutdown. */
void track_finish(struct stintd *d);

/* Adds "watch" (none, ok, degraded, gone) and "watch_reason" to a session object. */
void track_add_status(struct stintd *d, const struct session *s, json_t *j);

#endif
