#ifndef STINTD_SESSIONS_START_H
#define STINTD_SESSIONS_START_H

#include <jansson.h>
#include <stddef.h>

#include "session.h"

struct stintd;

struct sessions_start_opts {
	const char *cwd;
	const char *focus;	 /* or NULL */
	const char *const *tags; /* ntags of them */
	size_t ntags;
	/* An auto-start: how ("watch", "auto_start"), dated from the activity that triggered it,
	 * with the baseline its watch took before that activity (taken; NULL: take one now). */
	const char *auto_how;
	struct stamp auto_at;
	json_t *baseline;
	/* start --at: the wall ms the session started at (earlier than now; the time between
	 * counts as active), 0: now. */
	int64_t at_ms;
};

/*
 * done gets the new session (s, status 0) or an error: code (a proto ERR_ string), err, and
 * for PROTO_ERR_ALREADY_RUNNING the session already open (s).
 */
typedef void (*sessions_start_fn)(void *arg, struct session *s, const char *code, const char *err);
/* Starts a session in o->cwd's repository or directory. Returns 0, or -1 when nothing could
 * be queued (done is then not called; o->baseline is released). */
int sessions_start(struct stintd *d, const struct sessions_start_opts *o, sessions_start_fn done,
		   void *arg);

#endif
