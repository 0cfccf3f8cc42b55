#ifndef STINTD_SESSIONS_STOP_H
#define STINTD_SESSIONS_STOP_H

#include <jansson.h>
#include <stdbool.h>

#include "session.h"

struct stintd;

struct sessions_stop_opts {
	bool cancel;	      /* no log, state "cancelled" */
	bool no_log;	      /* stop without writing a log */
	bool no_checks;	      /* skip the [checks]; the log says they were skipped */
	bool defer_commit;    /* [log] commit waits for sessions_stop_log_commit (stop --edit) */
	const char *summary;  /* the user's, or NULL */
	const char *auto_why; /* an auto-stop: the rule (a string literal), or NULL */
	/* Nobody's stint waits for this stop (auto-stop, the notification's Stop button): it is
	 * remembered for a later stop there. by: "auto_stop_after_idle", "max_session",
	 * "notification"; why: for people ("idle for 2 h"). Both copied. */
	const char *unattended_by, *unattended_why;
	/* Progress for the caller while the [checks] run: body is {"name", "index", "count",
	 * "timeout_s"} for a check about to start (borrowed). Optional. */
	void (*progress)(void *arg, const char *what, json_t *body);
	/* The [checks]' environment: the caller's (proto_request's "env"), or NULL for stintd's
	 * own minus a blocklist (checks.h). A reference is taken. */
	json_t *env;
	/* stop --at: the wall ms it ended at (checked by the caller: after the start and the
	 * last entry, not in the future); the events after it are left out. 0: now. */
	int64_t at_ms;
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
	bool commit_pending; /* stop --edit: the commit waits for sessions_stop_log_commit */
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
/*
 * A stop whose caller went away before its end (stint stop interrupted with Ctrl-C): remembered
 * as unattended (by, why: see stop_memory_unattended), so a later `stint stop` there says so.
 * Call from the done callback. Returns 0, or -1 when out of memory.
 */
int sessions_stop_unheard(struct stintd *d, const struct sessions_stop_result *r, const char *by,
			  const char *why);
/*
 * The last unattended stop of the repository containing cwd, when recent (see stop_memory.h):
 * {"session", "log", "stopped": {"by", "why", "at"}}, a new reference; NULL when none.
 */
json_t *sessions_stop_recent(struct stintd *d, const char *cwd);

/* A deferred log commit's outcome: status 0 committed, >0 left uncommitted (note says why),
 * <0 failed. */
typedef void (*sessions_stop_commit_fn)(void *arg, int status, const char *note);
/*
 * Commits the log a stop with defer_commit wrote in the repository containing cwd, as the file
 * stands now (edited says whether the editor exited 0: only the note differs). Returns 0 (done
 * is called later), -ENOENT when no commit waits for that log there, -ENOMEM.
 */
int sessions_stop_log_commit(struct stintd *d, const char *cwd, const char *log, bool edited,
			     sessions_stop_commit_fn done, void *arg);

/* Shutdown: cancels the [checks] of stops in flight (their stops fail, sessions stay open). */
void sessions_stop_cancel_checks(struct stintd *d);
/* Frees the kept summaries (the loop has ended). */
void sessions_stop_finish(struct stintd *d);

#endif
