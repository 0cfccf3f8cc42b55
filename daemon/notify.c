#include "notify.h"

#include <stdlib.h>
#include <string.h>

#include "autostart.h"
#include "ctl.h"
#include "deadline.h"
#include "dispatch.h"
#include "log.h"
#include "notify_rules.h"
#include "notify_thread.h"
#include "protocol.h"
#include "session.h"
#include "stintd.h"

#define NS 1000000000LL
/* `stint status` asks the thread to look for a server again at most this often. */
#define RETRY_EVERY_NS (10 * NS)
/* Repositories remembered for the start reminder's once-an-hour rule. */
#define MAX_STARTS 256
/* Reminders remembered for their actions: a click can race with the next reminder. */
#define MAX_SENT 64

/* A `stint notify test` waiting for its notification to be shown. */
struct pending_test {
	struct pending_test *next;
	uint64_t id;
	struct ctl_client *cl;
};

/* A repository the start reminder was sent for. */
struct start_seen {
	struct start_seen *next;
	char *root;
	int64_t last_sent; /* CLOCK_BOOTTIME seconds, -1: never */
	uint64_t id;	   /* the notification, for its Start action */
};

struct notify {
	struct notifier *n;
	struct notify_rules_config rc;
	struct pending_test *tests;
	struct start_seen *starts;
	size_t nstarts;
	int64_t last_retry_ns;
	bool unattended_cb; /* ours is autostart's unattended-activity callback */
	struct {
		uint64_t id;
		int64_t session;
	} sent[MAX_SENT]; /* the latest reminders and their sessions, a ring */
	unsigned nsent;
};

static struct notify *get(struct stintd *d)
{
	if (!d->notices)
		d->notices = calloc(1, sizeof(*d->notices));
	return d->notices;
}

static void config_to_remind(const struct config *cfg, struct notify_rules_config *rc)
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

static struct session *session_by_notice(struct stintd *d, uint64_t id)
{
	const struct notify *no = d->notices;
	int64_t sid = -1;

	for (unsigned i = 0; i < MAX_SENT && sid < 0; i++)
		if (id && no->sent[i].id == id)
			sid = no->sent[i].session;
	for (struct session *s = d->sessions; s; s = s->next)
		if (s->id == sid)
			return s;
	return NULL;
}

static void on_action(void *arg, uint64_t id, const char *action)
{
	struct stintd *d = arg;
	struct notify *no = d->notices;
	struct session *s = session_by_notice(d, id);

	/* Shutting down: a Stop now would start checks and store work nobody waits for. */
	if (d->stopping)
		return;
	if (strcmp(action, NOTIFY_RULES_ACTION_START) == 0) {
		for (struct start_seen *e = no->starts; e; e = e->next)
			if (e->id == id) {
				log_info("notify: Start chosen for %s", e->root);
				dispatch_internal(d, CMD_START, e->root, NULL, NULL);
				return;
			}
		return;
	}
	if (!s || s->state == SESSION_STARTING) {
		log_debug("notify: action %s of a notification no session owns", action);
		return;
	}
	log_info("notify: %s chosen for session %lld", action, (long long)s->id);
	if (strcmp(action, NOTIFY_RULES_ACTION_STOP) == 0) {
		dispatch_internal(d, CMD_STOP, s->root, NULL, NULL);
	} else if (strcmp(action, NOTIFY_RULES_ACTION_KEEP) == 0) {
		dispatch_internal(d, CMD_KEEP, s->root, NULL, NULL);
	} else if (strcmp(action, NOTIFY_RULES_ACTION_SNOOZE) == 0) {
		struct notify_rules_input in;
		struct stamp now;

		stamp_now(&now, d->boot_id);
		notify_rules_input_from_session(&in, s, &now, -1, NULL);
		notify_rules_snooze(s->remind, &no->rc, &in);
		deadline_rearm(d);
	}
}

static void on_sent(void *arg, uint64_t id, const char *error)
{
	struct stintd *d = arg;
	struct notify *no = d->notices;

	for (struct pending_test **pp = &no->tests; *pp; pp = &(*pp)->next) {
		struct pending_test *t = *pp;
		json_t *reply;

		if (t->id != id)
			continue;
		*pp = t->next;
		if (error) {
			reply = proto_reply_error(ERR_NOTIFY_FAILED, "%s", error);
		} else {
			reply = proto_reply_ok();
			notify_status(d, reply);
		}
		ctl_reply(t->cl, reply);
		free(t);
		return;
	}
}

static void answer_tests(struct notify *no, const char *code, const char *why)
{
	while (no->tests) {
		struct pending_test *t = no->tests;

		no->tests = t->next;
		ctl_reply(t->cl, proto_reply_error(code, "%s", why));
		free(t);
	}
}

static void on_unattended(struct stintd *d, const char *root, int64_t first_wall_ns)
{
	const char *name = strrchr(root, '/');

	(void)first_wall_ns;
	notify_unattended(d, root, name && name[1] ? name + 1 : root);
}

void notify_configure(struct stintd *d)
{
	struct notify *no = get(d);
	bool notify_rules_start;

	if (!no)
		return;
	config_to_remind(&d->cfg, &no->rc);
	if (d->cfg.notify_enabled && !no->n) {
		no->n = notify_thread_create(d->loop, on_action, d);
		notify_thread_set_sent_cb(no->n, on_sent);
	} else if (!d->cfg.notify_enabled && no->n) {
		answer_tests(no, ERR_BAD_STATE, "desktop notifications were turned off");
		notify_thread_destroy(no->n);
		no->n = NULL;
	}
	/* The start reminder needs activity in repositories with no session: autostart's watch. */
	notify_rules_start = no->n && no->rc.start_reminder;
	if (notify_rules_start != no->unattended_cb) {
		autostart_set_unattended_cb(d, notify_rules_start ? on_unattended : NULL);
		no->unattended_cb = notify_rules_start;
	}
}

void notify_shutdown(struct stintd *d)
{
	if (d->notices)
		answer_tests(d->notices, ERR_SHUTTING_DOWN, "stintd is shutting down");
}

void notify_close(struct stintd *d)
{
	struct notify *no = d->notices;

	if (!no)
		return;
	answer_tests(no, ERR_SHUTTING_DOWN, "stintd is shutting down");
	notify_thread_destroy(no->n);
	while (no->starts) {
		struct start_seen *e = no->starts;

		no->starts = e->next;
		free(e->root);
		free(e);
	}
	free(no);
	d->notices = NULL;
}

int64_t notify_session(struct stintd *d, struct session *s, const struct stamp *now,
		       int64_t auto_stop_at_ns, const char *auto_stop_why)
{
	struct notify *no = d->notices;
	struct notify_rules_decision out;
	struct notify_rules_input in;
	int64_t due;

	if (!no || !no->n || s->state == SESSION_STARTING || s->busy || s->nevents == 0)
		return -1;
	if (!s->remind && !(s->remind = calloc(1, sizeof(*s->remind))))
		return -1;
	notify_rules_input_from_session(&in, s, now, auto_stop_at_ns, auto_stop_why);
	notify_rules_decide(s->remind, &no->rc, &in, &out);
	if (out.close_id)
		notify_thread_close_id(no->n, out.close_id);
	if (out.note.kind != NOTIFY_RULES_NONE) {
		uint64_t id = notify_thread_send(no->n, &out.note.msg);

		log_info("notify: session %lld: %s", (long long)s->id, out.note.summary);
		notify_rules_shown(s->remind, id);
		no->sent[no->nsent % MAX_SENT].id = id;
		no->sent[no->nsent % MAX_SENT].session = s->id;
		no->nsent++;
	}
	if (out.next_due < 0)
		return -1;
	/* Decisions are whole seconds: one due within this second is looked at in the next. */
	due = out.next_due * NS;
	return due > now->boot_ns ? due : (in.now + 1) * NS;
}

void notify_session_closed(struct stintd *d, struct session *s)
{
	if (d->notices && s->remind && s->remind->shown_id)
		notify_thread_close_id(d->notices->n, s->remind->shown_id);
}

void notify_summary(struct stintd *d, const json_t *session, const char *log_path,
		    const char *auto_why)
{
	struct notify *no = d->notices;
	struct notify_rules_note note;

	if (!no || !no->n || !no->rc.summary)
		return;
	if (notify_rules_summary(session, log_path, auto_why, &note) < 0)
		return;
	log_info("notify: %s", note.summary);
	notify_thread_send(no->n, &note.msg);
}

/* Forgets the repositories whose hour has passed: they would get a reminder anyway. */
static void evict_starts(struct notify *no, int64_t now)
{
	for (struct start_seen **pp = &no->starts; *pp;) {
		struct start_seen *e = *pp;

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

void notify_unattended(struct stintd *d, const char *root, const char *repo_name)
{
	struct notify *no = d->notices;
	struct start_seen *e;
	struct notify_rules_note note;
	struct stamp at;
	int64_t now;

	if (!no || !no->n || !no->rc.start_reminder)
		return;
	stamp_now(&at, d->boot_id);
	now = at.boot_ns / NS;
	for (e = no->starts; e && strcmp(e->root, root) != 0; e = e->next)
		;
	if (!e && no->nstarts >= MAX_STARTS)
		evict_starts(no, now);
	if (!e) {
		if (no->nstarts >= MAX_STARTS || !(e = calloc(1, sizeof(*e))))
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
	if (notify_rules_start(&no->rc, &e->last_sent, now, repo_name, &note)) {
		log_info("notify: %s", note.summary);
		e->id = notify_thread_send(no->n, &note.msg);
	}
}

void notify_test(struct stintd *d, struct ctl_client *cl)
{
	struct notify *no = d->notices;
	struct pending_test *t;
	struct notify_rules_note note;

	if (!no || !no->n) {
		ctl_reply(cl, proto_reply_error(ERR_BAD_STATE,
						"desktop notifications are off ([notify] enabled = "
						"false in %s)",
						d->cfg.path ? d->cfg.path : "the config"));
		return;
	}
	t = calloc(1, sizeof(*t));
	notify_rules_test(&note);
	if (!t || !(t->id = notify_thread_send(no->n, &note.msg))) {
		free(t);
		ctl_reply(cl, proto_reply_error(ERR_INTERNAL, "cannot queue the notification"));
		return;
	}
	t->cl = cl;
	t->next = no->tests;
	no->tests = t;
}

void notify_status(struct stintd *d, json_t *reply)
{
	struct notify *no = d->notices;
	const char *reason, *state = notify_thread_state(no ? no->n : NULL, &reason);
	const char *server = no ? notify_thread_server(no->n) : NULL;

	json_object_set_new(reply, "notify", json_string(state));
	if (reason)
		json_object_set_new(reply, "notify_reason", json_string(reason));
	if (server && strcmp(state, "ok") == 0)
		json_object_set_new(reply, "notify_thread_server", json_string(server));
	/* A server may have appeared since: look again, now and then. */
	if (no && no->n && strcmp(state, "ok") != 0) {
		int64_t now = time_boot_ns();

		if (now - no->last_retry_ns >= RETRY_EVERY_NS) {
			no->last_retry_ns = now;
			notify_thread_retry(no->n);
		}
	}
}
