#ifndef STINTD_TRACK_H
#define STINTD_TRACK_H

/*
 * Repository tracking for open sessions: the watch on each session's repository, the debounced
 * recompute of its statistics on a worker, and the commit, branch and pull events those
 * recomputes find, appended to the store. Loop thread only.
 */

struct stintd;
struct session;

/* Starts watching a session that has a baseline, and computes its statistics once. */
void track_start(struct stintd *d, struct session *s);
/* Stops watching; a recompute in flight finds the session gone and is dropped. */
void track_stop(struct stintd *d, struct session *s);

/* Where the log of this session would go, when that is inside its repository; else NULL. */
char *track_exclude_dir(const struct stintd *d, const struct session *s);

#endif
