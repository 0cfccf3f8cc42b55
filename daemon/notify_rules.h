#ifndef STINTD_NOTIFY_RULES_H
#define STINTD_NOTIFY_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "notify_thread.h"
#include "session.h"

/*
 * What to tell the user, and when: pure decisions over times the caller passes in, no clock
 * of its own (docs/notifications.md). The daemon keeps one struct notify_rules_state per open
 * session, calls notify_rules_decide whenever the session changes and when the last decision's
 * next_due comes, sends what it returns, and arms its one deadline timer for next_due.
 */

/* Action keys; the daemon acts on them when notify's on_action reports one. */
#define NOTIFY_RULES_ACTION_STOP   "stop"	      /* stop the session, as `stint stop` */
#define NOTIFY_RULES_ACTION_KEEP   "keep"	      /* count the idle stretch as work */
#define NOTIFY_RULES_ACTION_SNOOZE "snooze"	      /* notify_rules_snooze */
#define NOTIFY_RULES_ACTION_OPEN   NOTIFY_ACTION_OPEN /* notify.c opens the log itself */
#define NOTIFY_RULES_ACTION_START  "start"	      /* start a session in the repository */
#define NOTIFY_RULES_ACTION_RESUME "resume"	      /* resume the paused session */

/* Used for breaks when [time] idle_timeout is 0: a gap this long between activities. */
#define NOTIFY_RULES_BREAK_DEFAULT_S (15 * 60)
/* The start reminder comes at most this often per repository. */
#define NOTIFY_RULES_START_INTERVAL_S 3600

/* The [notify] settings and the idle threshold. Durations in seconds, 0: off. */
struct notify_rules_config {
	bool enabled;		     /* false: nothing at all */
	bool summary;		     /* the end-of-session summary */
	bool idle_reminder;	     /* once when a session turns idle */
	bool start_reminder;	     /* activity with no session open */
	int64_t idle_timeout_s;	     /* sessions' idle threshold: config_idle_ns() / 1e9 */
	int64_t break_every_s;	     /* active time without a break */
	int64_t snooze_s;	     /* what Snooze adds */
	int64_t remind_open_after_s; /* no activity for this long (sleep included) */
	int64_t warn_before_s;	     /* before an auto-stop */
	int64_t min_interval_s;	     /* between two reminders of one session */
};

/*
 * One open session as the daemon sees it at `now`. Clocks: `now`, last_activity and
 * auto_stop_at on CLOCK_BOOTTIME (seconds, as deadline.c), quiet_s on CLOCK_MONOTONIC.
 */
struct notify_rules_input {
	int64_t now;
	/*
	 * now is counted from this offset into the second (ns): whole seconds of now then tick
	 * with active_s, and a break reminder due at 4 s of work is sent at 4 s, not up to a
	 * second later (when the text would say 5 s). Due times are due * NS + phase_ns.
	 */
	int64_t phase_ns;
	int64_t active_s; /* session_times: active time so far */
	bool paused;	  /* SESSION_PAUSED */
	bool idle;	  /* session_times.idle_now */
	int64_t
	    last_activity; /* the last activity event in this boot (else this boot's first event) */
	int64_t gap_before_s;	   /* from the activity before it to last_activity, -1: none */
	int64_t quiet_s;	   /* awake time since last_activity */
	int64_t auto_stop_at;	   /* the session's auto-stop deadline, -1: none */
	const char *auto_stop_why; /* "max_session" or "auto_stop_after_idle", for the text */
	const char *repo_name;
	const char *focus; /* NULL: none */
	/* Work seen in the pause the session is in (session_paused_work). */
	bool paused_work;	   /* false: none seen (or not paused) */
	int64_t paused_work_pause; /* the wall ms of that pause: one notification per pause */
	int64_t paused_work_edits;
	int64_t paused_work_commits;
};

enum notify_rules_kind {
	NOTIFY_RULES_NONE,
	NOTIFY_RULES_BREAK,	/* "You've been at it for 1h 30m" */
	NOTIFY_RULES_IDLE,	/* "No activity in stint for 15m — session paused as idle" */
	NOTIFY_RULES_FORGOTTEN, /* "Session in stint still open" */
	NOTIFY_RULES_AUTO_STOP, /* "Session in stint stops in 10m" */
	NOTIFY_RULES_SUMMARY,	/* "Session closed: socket server" */
	NOTIFY_RULES_START,	/* "Start a session in stint?" */
	NOTIFY_RULES_TEST,	/* `stint notify test` */
	NOTIFY_RULES_PAUSED,	/* "Working while paused in stint?" */
};

/*
 * A notification ready for notify_thread_send(&note->msg): msg points into this struct, so use it
 * where it is (a copy would point into the original).
 */
struct notify_rules_note {
	enum notify_rules_kind kind;
	struct notify_msg msg;
	char summary[256];
	char body[1024];
	char label[NOTIFY_MAX_ACTIONS][64];
	char path[4096];
};

/* Per session; all zeroes is a fresh one (notify_rules_decide sets it up on first use). */
struct notify_rules_state {
	bool ready;
	int64_t last_sent;     /* `now` of the last reminder sent, or -1 */
	int64_t prev_activity; /* last_activity seen by the previous decision */
	int64_t break_base;    /* active_s when the last break ended (or at the first decision) */
	int64_t break_next;    /* active time past break_base that brings the next break reminder */
	int64_t break_every;   /* the break_every_s break_next was computed with */
	int64_t idle_done;     /* the stretch (its last_activity) whose idle reminder went out */
	int64_t open_done;     /* the stretch whose forgotten-session reminder went out */
	int64_t warn_done;     /* the auto_stop_at warned about */
	int64_t paused_done;   /* the pause (paused_work_pause) whose work was told of */
	uint64_t shown_id;     /* notify_rules_shown: the last reminder's notify id, 0: none */
	enum notify_rules_kind shown_kind;
	int64_t shown_for; /* what it was about: a stretch, an auto_stop_at, a break_base */
};

struct notify_rules_decision {
	struct notify_rules_note
	    note; /* note.kind != NOTIFY_RULES_NONE: send note.msg, then notify_rules_shown */
	int64_t next_due;  /* CLOCK_BOOTTIME seconds of the next decision, -1: none */
	uint64_t close_id; /* a shown reminder no longer true (activity came): close it */
};

/*
 * Fills *in for session s as of `now` (a stamp of this boot): its times (session_times), state,
 * last activity and the gap before it (from its events). auto_stop_at_ns and why are the
 * session's auto-stop deadline (CLOCK_BOOTTIME ns, -1: none) and rule, as deadline.c has them.
 * The strings point into s.
 */
void notify_rules_input_from_session(struct notify_rules_input *in, const struct session *s,
				     const struct stamp *now, int64_t auto_stop_at_ns,
				     const char *auto_stop_why);

/*
 * Decides for one session at in->now: at most one reminder to send now (the most urgent:
 * auto-stop warning, forgotten session, idle, break), which is then counted as sent; the
 * time the next one may be due (never before in->now; the daemon arms its timer for the
 * earliest over all sessions and its own deadlines, and calls again then: nothing polls);
 * and a shown reminder that new activity made stale. Reminders of one session are at least
 * min_interval apart; one due sooner waits. Call it after every event of the session
 * (activity, pause, resume) and when next_due comes, not while the session is starting or
 * stopping. Work seen while paused is told once per pause.
 */
void notify_rules_decide(struct notify_rules_state *st, const struct notify_rules_config *cfg,
			 const struct notify_rules_input *in, struct notify_rules_decision *out);

/* Records the notify id of the reminder just sent (notify_thread_send's return, 0 if none). */
void notify_rules_shown(struct notify_rules_state *st, uint64_t id);

/* The Snooze action: the next break reminder comes after snooze_s more active time. */
void notify_rules_snooze(struct notify_rules_state *st, const struct notify_rules_config *cfg,
			 const struct notify_rules_input *in);

/*
 * The end-of-session summary from stop's reply: its session object (docs/protocol.md: focus,
 * repo_name, active_s, commits, added, removed, files_changed) and log path (NULL: no log).
 * auto_why names the rule of an auto-stop ("max_session"), NULL for `stint stop`. Returns 0,
 * or -EINVAL when session is not an object.
 */
int notify_rules_summary(const json_t *session, const char *log_path, const char *auto_why,
			 struct notify_rules_note *note);

/*
 * The opt-in start reminder for activity in a repository with no session open: true (and
 * *last_sent = now, note filled) when enabled and none went out for this repository in the
 * last NOTIFY_RULES_START_INTERVAL_S. *last_sent starts at -1.
 */
bool notify_rules_start(const struct notify_rules_config *cfg, int64_t *last_sent, int64_t now,
			const char *repo_name, struct notify_rules_note *note);

/* `stint notify test`. */
void notify_rules_test(struct notify_rules_note *note);

#endif
