#ifndef STINTD_SESSIONS_H
#define STINTD_SESSIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "session.h"

/*
 * The one owner of the open sessions (d->sessions): links and unlinks them, finds them, runs one
 * operation at a time on each (later ones wait in its queue), records events; the family
 * restores them at start-up (sessions_restore.c) and starts and stops them (sessions_start.c,
 * sessions_stop.c). Commands, watches,
 * reminders and deadlines all act through it; it calls none of them: whatever must follow a
 * change runs from main's per-iteration hook (stintd_changed). Loop thread only.
 */

struct stintd;

struct session *sessions_find_root(struct stintd *d, const char *root);
/* The open session whose directory is cwd or the nearest one above it. */
struct session *sessions_find_cwd(struct stintd *d, const char *cwd);
struct session *sessions_find_id(struct stintd *d, int64_t id);

/*
 * Something waiting for a busy session: run is called once the operation in flight is over
 * (the session may then be gone: look it up again). It owns the waiter.
 */
struct sessions_waiter {
	struct sessions_waiter *next;
	void (*run)(struct sessions_waiter *w);
};
/* Queues w behind the session's operation in flight (s->busy). */
void sessions_wait(struct session *s, struct sessions_waiter *w);

/*
 * An event the daemon observed (a commit, touched files, a sleep, an activity): applied at once
 * and stored in the background. Derived from the repository or the system, so should the write
 * fail, a restarted daemon finds it again. Takes payload (may be NULL).
 */
void sessions_record(struct stintd *d, struct session *s, enum session_event_kind kind,
		     json_t *payload);
/* The same, stamped `at` (an observation dated from when it happened, not when reported). */
void sessions_record_at(struct stintd *d, struct session *s, enum session_event_kind kind,
			const struct stamp *at, json_t *payload);

/*
 * A user's event (pause, note...): the session is busy until the store has it; then it is
 * applied and done runs (status 0, or -1 with err). Takes payload. s must not be busy.
 */
typedef void (*sessions_done_fn)(void *arg, struct session *s, int status, const char *err);
int sessions_append(struct stintd *d, struct session *s, enum session_event_kind kind,
		    json_t *payload, sessions_done_fn done, void *arg);

/* For the sessions family (sessions_start.c, sessions_stop.c): */
void sessions_link(struct stintd *d, struct session *s);
/* Marks s busy: an operation is in flight; others wait (sessions_wait). */
void sessions_claim(struct stintd *d, struct session *s);
/* Ends the operation in flight and runs what waited for it, in order. */
void sessions_release(struct stintd *d, struct session *s);
/* Unlinks and frees s; what waited for it runs and finds it gone. */
void sessions_retire(struct stintd *d, struct session *s);

/* Frees every session (the loop has ended). */
void sessions_free_all(struct stintd *d);

/*
 * Records a change of [time] idle_timeout (a reload, or a config changed while stintd was down)
 * as an event of s, so that the new value judges only the stretches after it.
 */
void sessions_note_idle_timeout(struct stintd *d, struct session *s);

/* [time] idle_timeout changed: every open session takes it. */
void sessions_configure(struct stintd *d);

#endif
