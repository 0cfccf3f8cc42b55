#include "notify.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "deadline.h"
#include "log.h"
#include "notify_actions.h"
#include "notify_rules.h"
#include "notify_state.h"
#include "notify_thread.h"
#include "protocol.h"
#include "sessions.h"
#include "stintd.h"
#include "watched.h"

/* `stint status` asks the thread to look for a server again at most this often. */
#define NOTIFY_RETRY_EVERY_NS (10 * NS)
/* Repositories remembered for the start reminder's once-an-hour rule. */
#define NOTIFY_MAX_STARTS 256

static struct notify *notify_get(struct stintd *d)
{
	if (!d->notify)
		d->notify = calloc(1, sizeof(*d->notify));
	return d->notify;
}

static void notify_config_to_rules(const struct config *cfg, struct notify_rules_config *rc)
{
	rc->enabled = cfg->notify_enabled;
	rc->summary = cfg->notify_summary;
	rc->idle_reminder = cfg->notify_idle_reminder;
	rc->start_reminder = cfg->notify_start_reminder;
	rc->idle_timeout_s = config_idle_ns(cfg) / NS;
	rc->break_every_s = cfg->notify_break_every_s;
	rc->snooze_s = cfg->notify_snooze_s;
	rc->remind_open_after_s = cfg->notify_remind_open_after_s;
	rc->warn_before_s = cfg->notify_warn_before_s;
	rc->min_interval_s = cfg->notify_min_interval_s;
}

/* Answers the `notify_status` requests that waited for the first attempt to reach a server. */
static void notify_answer_status(struct stintd *d)
{
	for (struct notify_pending_test **pp = &d->notify->tests; *pp;) {
		struct notify_pending_test *t = *pp;
		json_t *reply;

		if (t->id != 0) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		reply = proto_reply_ok();
		notify_status(d, reply);
		ctl_reply(t->cl, reply);
		free(t);
	}
}

static void notify_on_sent(void *arg, uint64_t id, const char *error)
{
	struct stintd *d = arg;
	struct notify *no = d->notify;

	if (id == 0) {
		notify_answer_status(d);
		stintd_changed(d); /* the status snapshot shows the new state */
		return;
	}
	for (struct notify_pending_test **pp = &no->tests; *pp; pp = &(*pp)->next) {
		struct notify_pending_test *t = *pp;
		json_t *reply;

		if (t->id != id)
			continue;
		*pp = t->next;
		if (error) {
			reply = proto_reply_error(PROTO_ERR_NOTIFY_FAILED, "%s", error);
		} else {
			reply = proto_reply_ok();
			notify_status(d, reply);
		}
		ctl_reply(t->cl, reply);
		free(t);
		return;
	}
}

static void notify_answer_tests(struct notify *no, const char *code, const char *why)
{
	while (no->tests) {
		struct notify_pending_test *t = no->tests;

		no->tests = t->next;
		ctl_reply(t->cl, proto_reply_error(code, "%s", why));
		free(t);
	}
}

void notify_test(struct stintd *d, struct ctl_client *cl)
{
	struct notify *no = d->notify;
	struct notify_pending_test *t;
	struct notify_rules_note note;

	if (!no || !no->n) {
		ctl_reply(cl, proto_reply_error(PROTO_ERR_BAD_STATE,
						"desktop notifications are off ([notify] enabled = "
						"false in %s)",
						d->cfg.path ? d->cfg.path : "the config"));
		return;
	}
	t = calloc(1, sizeof(*t));
	notify_rules_test(&note);
	if (!t || !(t->id = notify_thread_send(no->n, &note.msg))) {
		free(t);
		ctl_reply(cl,
			  proto_reply_error(PROTO_ERR_INTERNAL, "cannot queue the notification"));
		return;
	}
	t->cl = cl;
	t->next = no->tests;
	no->tests = t;
}

void notify_status_wait(struct stintd *d, struct ctl_client *cl)
{
	struct notify *no = d->notify;
	struct notify_pending_test *t;
	json_t *reply;

	if (no && no->n && strcmp(notify_thread_state(no->n, NULL), "connecting") == 0 &&
	    (t = calloc(1, sizeof(*t)))) {
		t->cl = cl; /* id 0: waits for the first attempt, not for a show */
		t->next = no->tests;
		no->tests = t;
		return;
	}
	reply = proto_reply_ok();
	notify_status(d, reply);
	ctl_reply(cl, reply);
}

/* Forgets the repositories whose hour has passed: they would get a reminder anyway. */
static void notify_evict_starts(struct notify *no, int64_t now)
{
	for (struct notify_start_seen **pp = &no->starts; *pp;) {
		struct notify_start_seen *e = *pp;

		if (e->last_sent < 0 || now - e->last_sent >= NOTIFY_RULES_START_INTERVAL_S) {
			*pp = e->next;
			free(e->root);
			free(e);
			no->nstarts--;
		} else {
			pp = &e->next;
		}
	}
}

/* Activity in a watched repository with no session: the opt-in start reminder, at most once
 * an hour per repository. */
static void notify_on_unattended(struct stintd *d, const char *root, int64_t first_wall_ns)
{
	struct notify *no = d->notify;
	const char *name = strrchr(root, '/');
	struct notify_start_seen *e;
	struct notify_rules_note note;
	struct stamp at;
	int64_t now;

	(void)first_wall_ns;
	if (!no || !no->n || !no->rc.start_reminder)
		return;
	session_stamp_now(&at, d->boot_id);
	now = at.boot_ns / NS;
	for (e = no->starts; e && strcmp(e->root, root) != 0; e = e->next)
		;
	if (!e && no->nstarts >= NOTIFY_MAX_STARTS)
		notify_evict_starts(no, now);
	if (!e) {
		if (no->nstarts >= NOTIFY_MAX_STARTS || !(e = calloc(1, sizeof(*e))))
			return;
		if (!(e->root = strdup(root))) {
			free(e);
			return;
		}
		e->last_sent = -1;
		e->next = no->starts;
		no->starts = e;
		no->nstarts++;
	}
	if (notify_rules_start(&no->rc, &e->last_sent, now, name && name[1] ? name + 1 : root,
			       &note)) {
		log_info("notify: %s", note.summary);
		e->id = notify_thread_send(no->n, &note.msg);
	}
}

void notify_configure(struct stintd *d)
{
	struct notify *no = notify_get(d);
	bool remind_start;

	if (!no)
		return;
	notify_config_to_rules(&d->cfg, &no->rc);
	if (d->cfg.notify_enabled && !no->n) {
		no->n = notify_thread_create(d->loop, notify_actions_on_click, d);
		notify_thread_set_sent_cb(no->n, notify_on_sent);
	} else if (!d->cfg.notify_enabled && no->n) {
		notify_thread_destroy(no->n);
		no->n = NULL;
		notify_answer_status(d);
		notify_answer_tests(no, PROTO_ERR_BAD_STATE,
				    "desktop notifications were turned off");
	}
	/* The start reminder needs activity in repositories with no session: watched.c's watch. */
	remind_start = no->n && no->rc.start_reminder;
	if (remind_start != no->unattended_cb) {
		watched_set_unattended_cb(d, remind_start ? notify_on_unattended : NULL);
		no->unattended_cb = remind_start;
	}
	stintd_changed(d);
}

void notify_shutdown(struct stintd *d)
{
	if (d->notify)
		notify_answer_tests(d->notify, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
}

void notify_close(struct stintd *d)
{
	struct notify *no = d->notify;

	if (!no)
		return;
	notify_answer_tests(no, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
	notify_thread_destroy(no->n);
	while (no->starts) {
		struct notify_start_seen *e = no->starts;

		no->starts = e->next;
		free(e->root);
		free(e);
	}
	while (no->sessions) {
		struct notify_session *e = no->sessions;

		no->sessions = e->next;
		free(e);
	}
	free(no);
	d->notify = NULL;
}

/* The end-of-session summaries of the stops since the last decision (d->closed). */
static void notify_send_summaries(struct stintd *d)
{
	struct notify *no = d->notify;
	struct notify_rules_note note;
	json_t *c;
	size_t i;

	json_array_foreach(d->closed, i, c)
	{
		if (!no->n || !no->rc.summary ||
		    notify_rules_summary(
			json_object_get(c, "session"), json_string_value(json_object_get(c, "log")),
			json_string_value(json_object_get(c, "auto_why")), &note) < 0)
			continue;
		log_info("notify: %s", note.summary);
		notify_thread_send(no->n, &note.msg);
	}
	json_array_clear(d->closed);
}

/* Decides for session s at now: sends what is due, closes what went stale. Returns the
 * CLOCK_BOOTTIME ns of its next decision, -1 for none. */
static int64_t notify_session_decide(struct stintd *d, struct notify_session *e, struct session *s,
				     const struct stamp *now)
{
	struct notify *no = d->notify;
	struct notify_rules_decision out;
	struct notify_rules_input in;
	const char *why = NULL;
	int64_t auto_stop_at = deadline_of(d, s, now, &why), due;

	notify_rules_input_from_session(&in, s, now, auto_stop_at, why);
	notify_rules_decide(&e->rs, &no->rc, &in, &out);
	if (out.close_id)
		notify_thread_close_id(no->n, out.close_id);
	if (out.note.kind != NOTIFY_RULES_NONE) {
		uint64_t id = notify_thread_send(no->n, &out.note.msg);

		log_info("notify: session %lld: %s", (long long)s->id, out.note.summary);
		notify_rules_shown(&e->rs, id);
		no->sent[no->nsent % NOTIFY_MAX_SENT].id = id;
		no->sent[no->nsent % NOTIFY_MAX_SENT].session = s->id;
		no->nsent++;
	}
	if (out.next_due < 0)
		return -1;
	/* Decisions are whole seconds: one due within this second is looked at in the next. */
	due = out.next_due * NS + in.phase_ns;
	return due > now->boot_ns ? due : (in.now + 1) * NS + in.phase_ns;
}

/* Forgets the sessions that closed; a reminder of theirs still on screen goes. */
static void notify_forget_closed(struct notify *no)
{
	struct notify_session **pp = &no->sessions, *e;

	while ((e = *pp)) {
		if (e->seen) {
			pp = &e->next;
			continue;
		}
		if (no->n && e->rs.shown_id)
			notify_thread_close_id(no->n, e->rs.shown_id);
		*pp = e->next;
		free(e);
	}
}

/* Each open session's reminder state, made on first sight; the closed ones' are forgotten (their
 * reminder on screen closed). */
static void notify_track_sessions(struct stintd *d)
{
	struct notify *no = d->notify;

	for (struct notify_session *e = no->sessions; e; e = e->next)
		e->seen = false;
	for (struct session *s = d->sessions; s; s = s->next) {
		struct notify_session *e;

		if (s->state == SESSION_STARTING)
			continue;
		e = notify_state_session(no, s->id);
		if (!e && (e = calloc(1, sizeof(*e)))) {
			e->session_id = s->id;
			e->next = no->sessions;
			no->sessions = e;
		}
		if (e)
			e->seen = true;
	}
	notify_forget_closed(no);
}

int64_t notify_decide(struct stintd *d, const struct stamp *now)
{
	struct notify *no = d->notify;
	int64_t best = -1;

	if (!no)
		return -1;
	/* A closed session's reminder goes before its summary comes. */
	notify_track_sessions(d);
	notify_send_summaries(d);
	for (struct session *s = d->sessions; s; s = s->next) {
		struct notify_session *e = notify_state_session(no, s->id);
		int64_t due;

		if (!e || s->state == SESSION_STARTING || !no->n || s->busy || s->nevents == 0 ||
		    d->stopping)
			continue;
		due = notify_session_decide(d, e, s, now);
		if (due >= 0 && (best < 0 || due < best))
			best = due;
	}
	return best;
}

const char *notify_status_peek(struct stintd *d, json_t *reply)
{
	struct notify *no = d->notify;
	const char *reason, *state = notify_thread_state(no ? no->n : NULL, &reason);
	const char *server = no ? notify_thread_server(no->n) : NULL;

	json_object_set_new(reply, "notify", json_string(state));
	if (reason)
		json_object_set_new(reply, "notify_reason", json_string(reason));
	if (server && strcmp(state, "ok") == 0)
		json_object_set_new(reply, "notify_server", json_string(server));
	return state;
}

void notify_status(struct stintd *d, json_t *reply)
{
	struct notify *no = d->notify;
	const char *state = notify_status_peek(d, reply);

	/* A server may have appeared since: look again, now and then. */
	if (no && no->n && strcmp(state, "ok") != 0) {
		int64_t now = time_boot_ns();

		if (now - no->last_retry_ns >= NOTIFY_RETRY_EVERY_NS) {
			no->last_retry_ns = now;
			notify_thread_retry(no->n);
		}
	}
}
