#ifndef STINT_STATUS_SNAP_H
#define STINT_STATUS_SNAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The status snapshot: stintd rewrites <socket>.status whenever what `status` shows changes
 * (never at rest), holding an OFD write lock on it for as long as it runs. A prompt reads it
 * instead of waking stintd: the reply a status request would get, with each session's times
 * as of its last event and what they become as the clock runs (docs/integrations.md).
 */

#define STATUS_SNAP_VERSION 1
/* Larger than any real one (a session's entry is about 1.5 KiB); a bigger file is not read. */
#define STATUS_SNAP_MAX	   (4 * 1024 * 1024)
#define STATUS_SNAP_SUFFIX ".status"

/* The member of a session entry with its projection; the rest is the status reply's. */
#define STATUS_SNAP_MEMBER "snap"

/* Whether cwd is root or inside it: the rule stintd uses to pick a directory's session. */
bool status_snap_inside(const char *cwd, const char *root);

/* The snapshot's path for a socket path. Returns 0 or -ENAMETOOLONG. */
int status_snap_path(const char *sockpath, char *buf, size_t n);

/* The time fields a projection moves, in the order of the arrays it keeps. */
enum status_snap_field {
	STATUS_SNAP_ACTIVE,
	STATUS_SNAP_PAUSED,
	STATUS_SNAP_IDLE,
	STATUS_SNAP_DOWN,
	STATUS_SNAP_SUSPENDED,
	STATUS_SNAP_WALL,
	STATUS_SNAP__COUNT
};

/* How the time after a session's last event is counted, until the next event. */
enum status_snap_regime {
	STATUS_SNAP_RUNNING, /* active, and idle once idle_in_ns of it has passed */
	STATUS_SNAP_IDLING,
	STATUS_SNAP_PAUSING,
};

/* A session's times at its last event and, running, at the moment it turns idle. */
struct status_snap_times {
	int64_t mono_ns, boot_ns; /* the last event's clocks */
	enum status_snap_regime regime;
	int64_t at[STATUS_SNAP__COUNT];
	int64_t idle_in_ns; /* RUNNING: awake time until idle, or -1 (never) */
	int64_t at_idle[STATUS_SNAP__COUNT];
};

/* The projection as JSON (the daemon's side), and back. Returns NULL/-1 when malformed. */
json_t *status_snap_times_json(const struct status_snap_times *t);
int status_snap_times_parse(const json_t *j, struct status_snap_times *t);

/*
 * A session's times and state for the clocks now, as stintd's fold would count them: fills the
 * nanosecond values (out) and returns the state ("active", "idle" or "paused"), or NULL when
 * the monotonic clock is before the snapshot's (not this boot's).
 */
const char *status_snap_project(const struct status_snap_times *t, int64_t mono_now,
				int64_t boot_now, int64_t out[STATUS_SNAP__COUNT]);

/*
 * The reply stintd would give a status request now: every open session (cwd NULL) or the one
 * of cwd, with times projected to the clocks now. NULL with the reason in why when the snapshot
 * cannot answer (missing, not a regular file of ours, no stintd holds it, too big, malformed,
 * or a projection that only stintd can make): ask stintd then. Never blocks, never writes.
 */
json_t *status_snap_read(const char *path, const char *cwd, char *why, size_t n);

#endif
