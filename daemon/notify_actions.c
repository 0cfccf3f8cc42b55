#include "notify_actions.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify_state.h"
#include "sessions.h"
#include "sessions_start.h"
#include "sessions_stop.h"
#include "stintd.h"

/* The buttons of stint's notifications: Stop, Keep and Snooze on reminders, Resume on work while
 * paused, Start on the start reminder. They act through sessions.c like a command would. */

static void notify_actions_act(struct stintd *d, int64_t session_id, const char *action);

/* An action on a session busy with another operation: it runs once that is over. */
struct notify_actions_waiting {
	struct sessions_waiter w; /* first: run gets it back */
	struct stintd *d;
	int64_t session_id;
	const char *action; /* one of the NOTIFY_RULES_ACTION_ literals */
};

static void notify_actions_waited(struct sessions_waiter *w)
{
	struct notify_actions_waiting *a = (struct notify_actions_waiting *)w;

	notify_actions_act(a->d, a->session_id, a->action);
	free(a);
}

static void notify_actions_stopped(void *arg, const struct sessions_stop_result *r)
{
	(void)arg;
	if (r->code)
		log_warnx("notify: Stop of %s failed: %s", r->s->root, r->err);
}

static void notify_actions_kept(void *arg, struct session *s, int status, const char *err)
{
	(void)arg;
	if (status < 0)
		log_warnx("notify: Keep of %s failed: %s", s->root, err);
}

static void notify_actions_resumed(void *arg, struct session *s, int status, const char *err)
{
	(void)arg;
	if (status < 0)
		log_warnx("notify: Resume of %s failed: %s", s->root, err);
}

static void notify_actions_started(void *arg, struct session *s, const char *code, const char *err)
{
	(void)arg;
	(void)s;
	if (code)
		log_warnx("notify: Start failed: %s", err);
}

/* Keep: only an active session that is idle now has an idle stretch to count as work. */
static bool notify_actions_idle_now(struct stintd *d, const struct session *s)
{
	struct session_times t;
	struct stamp now;

	session_stamp_now(&now, d->boot_id);
	session_times(s, &now, &t);
	return s->state == SESSION_ACTIVE && t.idle_now;
}

static void notify_actions_act(struct stintd *d, int64_t session_id, const char *action)
{
	struct session *s = sessions_find_id(d, session_id);
	struct sessions_stop_opts stop = {.unattended_by = "notification",
					  .unattended_why = "with its notification's Stop button"};
	struct notify_actions_waiting *a;

	/* Shutting down: a Stop now would start checks and store work nobody waits for. */
	if (d->stopping || !d->notify)
		return;
	if (!s || s->state == SESSION_STARTING) {
		log_debug("notify: action %s of a notification no session owns", action);
		return;
	}
	/* Snooze changes only the reminders: at once, even while a stop or a note is in flight. */
	if (s->busy && strcmp(action, NOTIFY_RULES_ACTION_SNOOZE) != 0) {
		if (!(a = calloc(1, sizeof(*a))))
			return;
		a->w.run = notify_actions_waited;
		a->d = d;
		a->session_id = session_id;
		a->action = action;
		sessions_wait(s, &a->w);
		return;
	}
	log_info("notify: %s chosen for session %lld", action, (long long)s->id);
	if (strcmp(action, NOTIFY_RULES_ACTION_STOP) == 0) {
		sessions_stop(d, s, &stop, notify_actions_stopped, NULL);
	} else if (strcmp(action, NOTIFY_RULES_ACTION_KEEP) == 0) {
		if (notify_actions_idle_now(d, s))
			sessions_append(d, s, SESSION_EV_KEEP, NULL, notify_actions_kept, NULL);
	} else if (strcmp(action, NOTIFY_RULES_ACTION_RESUME) == 0) {
		/* Resumed meanwhile (stint resume, resume_on_activity): nothing to do. */
		if (s->state == SESSION_PAUSED)
			sessions_append(d, s, SESSION_EV_RESUME, NULL, notify_actions_resumed,
					NULL);
	} else if (strcmp(action, NOTIFY_RULES_ACTION_SNOOZE) == 0) {
		struct notify_session *e = notify_state_session(d->notify, s->id);
		struct notify_rules_input in;
		struct stamp now;

		session_stamp_now(&now, d->boot_id);
		notify_rules_input_from_session(&in, s, &now, -1, NULL);
		if (e)
			notify_rules_snooze(&e->rs, &d->notify->rc, &in);
		stintd_changed(d);
	}
}

void notify_actions_on_click(void *arg, uint64_t id, const char *action)
{
	struct stintd *d = arg;
	struct notify *no = d->notify;
	struct sessions_start_opts o = {0};

	if (d->stopping || !no)
		return;
	if (strcmp(action, NOTIFY_RULES_ACTION_START) != 0) {
		/* The literal, not the thread's copy: a waiting action keeps it. */
		if (strcmp(action, NOTIFY_RULES_ACTION_STOP) == 0)
			action = NOTIFY_RULES_ACTION_STOP;
		else if (strcmp(action, NOTIFY_RULES_ACTION_KEEP) == 0)
			action = NOTIFY_RULES_ACTION_KEEP;
		else if (strcmp(action, NOTIFY_RULES_ACTION_SNOOZE) == 0)
			action = NOTIFY_RULES_ACTION_SNOOZE;
		else if (strcmp(action, NOTIFY_RULES_ACTION_RESUME) == 0)
			action = NOTIFY_RULES_ACTION_RESUME;
		else
			return;
		notify_actions_act(d, notify_state_session_of(no, id), action);
		return;
	}
	for (struct notify_start_seen *e = no->starts; e; e = e->next)
		if (e->id == id) {
			log_info("notify: Start chosen for %s", e->root);
			o.cwd = e->root;
			sessions_start(d, &o, notify_actions_started, NULL);
			return;
		}
}
