#ifndef STINTD_SESSION_H
#define STINTD_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "timeutil.h"

/* A moment, stamped on every clock we need: durations from mono/boot, labels from wall. */
struct stamp {
	int64_t mono_ns;
	int64_t boot_ns;
	int64_t wall_ms;
	char boot_id[TIME_BOOT_ID_LEN + 1];
};

enum session_state {
	SESSION_STARTING, /* start event not yet committed */
	SESSION_ACTIVE,
	SESSION_PAUSED,
};

/* The kinds of events in a session's log: their names are the store's and the record's. */
enum session_event_kind {
	SESSION_EV_UNKNOWN, /* a name this version does not know (a newer stintd's) */
	SESSION_EV_START,
	SESSION_EV_STOP,
	SESSION_EV_CANCEL,
	SESSION_EV_PAUSE,
	SESSION_EV_RESUME,
	SESSION_EV_KEEP,
	SESSION_EV_NOTE,
	SESSION_EV_TODO,
	SESSION_EV_DECISION,
	SESSION_EV_COMMIT,
	SESSION_EV_BRANCH,
	SESSION_EV_PULL,
	SESSION_EV_ACTIVITY,
	SESSION_EV_TOUCHED,
	SESSION_EV_SLEEP,
	SESSION_EV_RECOVER,
	SESSION_EV_EDIT, /* a correction (focus, tags, start): applied, not part of the timeline */
	/* [time] idle_timeout changed (a reload, or a restart with another config): the new value
	 * judges the stretches from here on, the old one those before. */
	SESSION_EV_IDLE_TIMEOUT,
	SESSION_EV__COUNT,
};

/* "start", "note"...; "unknown" for SESSION_EV_UNKNOWN. */
const char *session_event_name(enum session_event_kind kind);
/* The kind of a name, SESSION_EV_UNKNOWN for NULL or a name not in the table. */
enum session_event_kind session_event_lookup(const char *name);

struct session_event {
	enum session_event_kind kind;
	struct stamp at;
	json_t *data; /* payload object (text, why, priority...), or NULL */
};

/* wall = active + paused + idle + suspended (rounded to seconds each). */
struct session_times {
	int64_t active_s;
	int64_t active_ns; /* the same, to the ns: when active_s ticks over */
	int64_t paused_s;
	int64_t idle_s; /* no activity for idle_timeout or more, and time the daemon was down */
	int64_t down_s; /* the part of idle_s stintd was not running (kill -9, crash) */
	int64_t suspended_s; /* the machine slept or was off */
	int64_t wall_s;
	bool idle_now; /* the open tail is idle */
	/* The sums before rounding, for a projection (status_snapshot.c). */
	int64_t paused_ns, idle_ns, down_ns, suspended_ns, wall_ns;
	/* Running and not yet idle: awake time left before the open tail turns idle; else -1. */
	int64_t idle_in_ns;
};

struct sessions_waiter;

/* An open session, folded from its events. Closed sessions live only in the store. */
struct session {
	struct session *next, *prev;
	int64_t id;
	char *root;
	char *name;
	char *branch;
	char *head;
	char *author;
	char *focus;
	json_t *tags;
	enum session_state state;
	bool recovered;
	struct session_event *events;
	size_t nevents, capevents;
	/* Repository statistics (track.c): the start's baseline and the latest recompute. */
	json_t *baseline;	  /* gitstats_baseline_to_json, or NULL outside git */
	json_t *stats;		  /* gitstats_to_json of the last recompute, or NULL */
	char *stats_error;	  /* why the last recompute failed, or NULL */
	int64_t last_activity_ms; /* wall time of the last repository event or command */
	json_t *touched;	  /* {"path": wall_ms} of worktree files seen changing */
	json_t *edits;		  /* the corrections applied, their payloads with "at", or NULL */
	/* sessions.c: while an operation on this session is in flight, others wait here. */
	bool busy;
	/* Closed in the store; leaves the list once its stop's caller has heard (sessions_stop). */
	bool closed;
	struct sessions_waiter *waiting_head, *waiting_tail;
	/* [time] idle_timeout in nanoseconds, 0: never idle. Set by the daemon from its config. */
	int64_t idle_timeout_ns;
};

void session_stamp_now(struct stamp *st, const char *boot_id);

struct session *session_create(const char *root, const char *name, const char *branch,
			       const char *head, const char *author, const char *focus,
			       json_t *tags);
void session_destroy(struct session *s);

/*
 * Appends an event (takes a reference to data) and applies it: pause/resume change the state.
 * A start with "at" (wall ms, earlier) is dated back to it; an edit is applied (its "focus",
 * "tags", "start": see session_move_start) and kept in s->edits instead of the timeline.
 */
int session_apply(struct session *s, enum session_event_kind kind, const struct stamp *at,
		  json_t *data);

/*
 * Active, paused, idle, suspended and wall time from the start to `until`: a pure fold over the
 * events (docs/time-accounting.md). gaps, when not NULL, receives the idle and suspend gaps as
 * [{"kind":"idle|suspend","from":wall_ms,"to":wall_ms}]; an idle gap while stintd was not running
 * has "down": true.
 */
void session_times(const struct session *s, const struct stamp *until, struct session_times *t);
void session_times_gaps(const struct session *s, const struct stamp *until, struct session_times *t,
			json_t *gaps);
/*
 * The wall-clock intervals that active_s counts, [[from_ms, to_ms], ...] in order, adjacent ones
 * merged: what a report splits at midnight (docs/reports.md). An empty array without events.
 */
json_t *session_active_spans(const struct session *s, const struct stamp *until);
/*
 * Elapsed time from event `from` to `until`, as wall_s counts it: CLOCK_BOOTTIME within a boot
 * (suspend included, clock changes not), the wall clock across a reboot. 0 when from is past
 * the last event.
 */
int64_t session_elapsed_ns(const struct session *s, size_t from, const struct stamp *until);
/*
 * Moves the session's start to wall ms start_ms. Earlier: the start is dated back and a "keep"
 * marks the old start, so the time between counts as active (docs/reports.md, "Corrections").
 * Later: the observed events before it are dropped and the start is stamped there. The caller
 * checks start_ms against session_first_entry_ms and now.
 */
void session_move_start(struct session *s, int64_t start_ms);
/* The stamp of wall ms: the last event at or before it, moved forward (or the first, back). */
void session_stamp_at(const struct session *s, int64_t wall_ms, struct stamp *out);
/* Whether an event of this kind is an entry the user made: a pause, resume, note, todo or
 * decision, which a correction of the session's window never leaves out. */
bool session_event_is_entry(enum session_event_kind kind);
/* Wall ms of the first and last entry the user made after the start (pause, resume, note,
 * todo, decision), or -1: a correction never drops one. */
int64_t session_first_entry_ms(const struct session *s);
int64_t session_last_entry_ms(const struct session *s);
/*
 * The idle timeout in effect now for s, in ns (0: off): the start's, then each
 * SESSION_EV_IDLE_TIMEOUT's; s->idle_timeout_ns (the config's) for a session that recorded none.
 */
int64_t session_idle_timeout_ns(const struct session *s);
/* Whether an event of this kind is activity: something the user did. */
bool session_event_is_activity(enum session_event_kind kind);
/* Whether it is work seen in the repository or directory (an edit, a commit, a checkout...). */
bool session_event_is_work(enum session_event_kind kind);

/* Work seen while the session was paused (docs/time-accounting.md): not counted. */
struct session_paused_work {
	int64_t pause_at; /* wall ms of the pause it happened in */
	int64_t from, to; /* wall ms of the first and the last work event */
	int64_t seconds;  /* elapsed from the first to the last (as wall_s counts) */
	int64_t edits;	  /* file changes seen (a file saved in two bursts counts twice) */
	int64_t commits;  /* commit events */
};

/*
 * The work seen in the pause that begins at event index `pause` and runs to the next resume or
 * the end: false when there is none (or `pause` is no pause).
 */
bool session_paused_work(const struct session *s, size_t pause, struct session_paused_work *pw);
/* The index of the pause the session is in now, or -1 when it is not paused. */
ssize_t session_current_pause(const struct session *s);
/* Every pause with work in it, as docs/log-record.md's paused_activity array. */
json_t *session_paused_work_json(const struct session *s);
/* The index of the last recover event, or -1. */
ssize_t session_last_recover(const struct session *s);

/* The session object of docs/protocol.md, times computed up to `now`. */
json_t *session_to_json(const struct session *s, const struct stamp *now);

/* The record of docs/log-record.md, as of the stop stamp. */
json_t *session_to_record(const struct session *s, const struct stamp *stop, const char *summary);

const char *session_state_name(enum session_state st);

#endif
