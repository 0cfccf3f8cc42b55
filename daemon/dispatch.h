#ifndef STINTD_DISPATCH_H
#define STINTD_DISPATCH_H

#include "protocol.h"

struct stintd;
struct ctl_client;

/*
 * Runs one decoded request. Takes ownership of req (released when done). Replies exactly once,
 * through ctl_reply, now or later.
 */
void dispatch_request(struct stintd *d, struct ctl_client *cl, struct proto_request *req);

/*
 * A request of the daemon's own (an auto-stop, a notification's action), for the session of
 * cwd: nobody gets the reply. auto_why (a string literal) names the rule of an auto-stop.
 */
void dispatch_internal(struct stintd *d, enum proto_cmd cmd, const char *cwd, const char *summary,
		       const char *auto_why);
struct stamp;

/*
 * Starts a session in root as `stint start` would, with no client to answer, dated from first
 * (the activity that triggered it); how ("watch" or "auto_start") goes into the start event.
 * baseline (taken, may be NULL) is the worktree from before that activity; NULL: take one now.
 * Calls autostart_start_done once it is over, started or not.
 */
void dispatch_auto_start(struct stintd *d, const char *root, const struct stamp *first,
			 const char *how, json_t *baseline);

/* Rebuilds an open session from the store at start-up (store_load_open's callback). */
int dispatch_restore(void *arg, json_t *row, json_t *events);

#endif
