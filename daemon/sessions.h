#ifndef STINTD_SESSIONS_H
#define STINTD_SESSIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "session.h"

/*
 * The one owner of the open sessions (d->sessions): links and unlinks them, finds them, runs one
 * operation at a time on each (later ones wait in its queue), records events, restores them at
 * start-up, and starts and stops them (sessions_start.c, sessions_stop.c). Commands, watches,
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

/* Loads the open sessions from the store; those that crossed a reboot or a crash get a
 * recover event, committed before any client is served. Blocking: start-up only. */
int sessions_restore(struct stintd *d, char *err, size_t errn);
/* Frees every session (the loop has ended). */
void sessions_free_all(struct stintd *d);

/* [time] idle_timeout changed: every open session takes it. */
void sessions_configure(struct stintd *d);

/* Start (sessions_start.c). */

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

/* Stop and cancel (sessions_stop.c). */

struct sessions_stop_opts {
	bool cancel;	      /* no log, state "cancelled" */
	bool no_log;	      /* stop without writing a log */
	const char *summary;  /* the user's, or NULL */
	const char *auto_why; /* an auto-stop: the rule (a string literal), or NULL */
};

struct sessions_stop_result {
	const char *code; /* NULL: closed; else a proto ERR_ string and err says why */
	const char *err;
	struct session *s;	/* still linked while done runs; gone right after */
	json_t *session;	/* closed: the session object with state, ended_at, log */
	const struct stamp *at; /* when it ended */
	const char *state;	/* "stopped" or "cancelled" */
	const char *log_path;	/* or NULL */
	bool commit_tried;	/* [log] commit was tried: commit_ok, commit_note */
	bool commit_ok;
	const char *commit_note;
	const char *auto_why;
};
typedef void (*sessions_stop_fn)(void *arg, const struct sessions_stop_result *r);

/*
 * Closes s: for a stop, runs the [checks], recomputes the statistics, renders and writes the
 * log, records the stop, and only then commits the log to git when [log] commit says so. If
 * anything fails before the stop is recorded, the session stays open, a written log is
 * removed and a user's summary is kept for the next stop. s must not be busy. Returns 0, or
 * -1 when nothing could be started (done is then not called).
 */
int sessions_stop(struct stintd *d, struct session *s, const struct sessions_stop_opts *o,
		  sessions_stop_fn done, void *arg);
/* Shutdown: cancels the [checks] of stops in flight (their stops fail, sessions stay open). */
void sessions_stop_cancel_checks(struct stintd *d);
/* Frees the kept summaries (the loop has ended). */
void sessions_stop_finish(struct stintd *d);

#endif
