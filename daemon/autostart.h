#ifndef STINTD_AUTOSTART_H
#define STINTD_AUTOSTART_H

#include <stdint.h>

#include "protocol.h"

/*
 * Auto-start: a repo_watch on every watched repository (stint watch, or one with a recent
 * session under [time] auto_start) that has no open session. Its first activity starts a
 * session, dated from that activity. No watched repository, no watch. Loop thread only.
 */

struct stintd;
struct ctl_client;

/* Sets up d->autostart and loads the watched set from the store (asynchronously). */
int autostart_init(struct stintd *d);
/* Drops every watch and frees the state; for shutdown. */
void autostart_finish(struct stintd *d);

/* Adds or drops watches to match the sessions, the watched set and the config. */
void autostart_sync(struct stintd *d);
/* A session was opened in root: with auto_start, its repository is watched once it closes. */
void autostart_note_session(struct stintd *d, const char *root);
/* An auto-start that dispatch_auto_start began is over (started or not). */
void autostart_start_done(struct stintd *d, const char *root);

/* watch, unwatch and watched requests. Takes ownership of req; replies once. */
void autostart_request(struct stintd *d, struct ctl_client *cl, struct proto_request *req);

/*
 * Activity in a repository watched only for reminders: one with a recent session while
 * [time] auto_start is off, and no session open. Called once per settled burst of changes
 * (the callee rate-limits), with the repository root and the wall time (ns) of its first
 * change. Setting a callback makes repositories with a recent session watched even without
 * auto_start; NULL turns that off again.
 */
typedef void (*autostart_unattended_fn)(struct stintd *d, const char *root, int64_t first_wall_ns);
void autostart_set_unattended_cb(struct stintd *d, autostart_unattended_fn cb);

#endif
