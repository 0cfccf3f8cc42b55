#include "sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "stintd.h"
#include "store.h"

struct session *sessions_find_root(struct stintd *d, const char *root)
{
	for (struct session *s = d->sessions; s; s = s->next)
		if (strcmp(s->root, root) == 0)
			return s;
	return NULL;
}

struct session *sessions_find_cwd(struct stintd *d, const char *cwd)
{
	struct session *best = NULL;
	size_t bestlen = 0;

	for (struct session *s = d->sessions; s; s = s->next) {
		size_t n = strlen(s->root);
		bool inside = strncmp(cwd, s->root, n) == 0 &&
			      (cwd[n] == '\0' || cwd[n] == '/' || (n == 1 && s->root[0] == '/'));

		if (s->state != SESSION_STARTING && inside && n >= bestlen) {
			best = s;
			bestlen = n;
		}
	}
	return best;
}

struct session *sessions_find_id(struct stintd *d, int64_t id)
{
	for (struct session *s = d->sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

void sessions_link(struct stintd *d, struct session *s)
{
	s->prev = NULL;
	s->next = d->sessions;
	if (d->sessions)
		d->sessions->prev = s;
	d->sessions = s;
	stintd_changed(d);
}

static void sessions_unlink(struct stintd *d, struct session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		d->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	stintd_changed(d);
}

void sessions_wait(struct session *s, struct sessions_waiter *w)
{
	w->next = NULL;
	if (s->waiting_tail)
		s->waiting_tail->next = w;
	else
		s->waiting_head = w;
	s->waiting_tail = w;
}

void sessions_claim(struct stintd *d, struct session *s)
{
	s->busy = true;
	stintd_changed(d);
}

void sessions_release(struct stintd *d, struct session *s)
{
	s->busy = false;
	stintd_changed(d);
	while (!s->busy && s->waiting_head) {
		struct sessions_waiter *w = s->waiting_head;

		s->waiting_head = w->next;
		if (!s->waiting_head)
			s->waiting_tail = NULL;
		w->run(w);
	}
}

void sessions_retire(struct stintd *d, struct session *s)
{
	struct sessions_waiter *w = s->waiting_head, *next;

	sessions_unlink(d, s);
	s->waiting_head = s->waiting_tail = NULL;
	session_destroy(s);
	for (; w; w = next) {
		next = w->next;
		w->run(w);
	}
}

/* A store write of the daemon's own, nobody waiting for it. */
struct sessions_bg_write {
	struct store_op op;
	struct stintd *d;
};

static void sessions_bg_written(struct store_op *op)
{
	struct sessions_bg_write *e = op->data;

	if (op->status < 0)
		log_warnx("store: cannot record a %s event: %s", op->event, op->err);
	json_decref(op->payload);
	stintd_changed(e->d);
	free(e);
}

void sessions_record(struct stintd *d, struct session *s, enum session_event_kind kind,
		     json_t *payload)
{
	struct sessions_bg_write *e = calloc(1, sizeof(*e));

	if (!e) {
		json_decref(payload);
		return;
	}
	e->d = d;
	e->op.kind = STORE_OP_APPEND_EVENT;
	e->op.session_id = s->id;
	e->op.event = session_event_name(kind);
	e->op.payload = payload;
	e->op.done = sessions_bg_written;
	e->op.data = e;
	stamp_now(&e->op.at, d->boot_id);
	/* Applied at once, so the next recompute does not record it twice. */
	session_apply(s, kind, &e->op.at, payload);
	store_submit(d->store, &e->op);
	stintd_changed(d);
}

struct sessions_append_job {
	struct store_op op;
	enum session_event_kind kind;
	struct stintd *d;
	struct session *s;
	sessions_done_fn done;
	void *arg;
};

static void sessions_appended(struct store_op *op)
{
	struct sessions_append_job *j = op->data;

	if (op->status == 0)
		session_apply(j->s, j->kind, &op->at, op->payload);
	j->done(j->arg, j->s, op->status, op->status < 0 ? op->err : NULL);
	sessions_release(j->d, j->s);
	json_decref(op->payload);
	free(j);
}

int sessions_append(struct stintd *d, struct session *s, enum session_event_kind kind,
		    json_t *payload, sessions_done_fn done, void *arg)
{
	struct sessions_append_job *j = calloc(1, sizeof(*j));

	if (!j) {
		json_decref(payload);
		return -1;
	}
	j->d = d;
	j->s = s;
	j->done = done;
	j->arg = arg;
	j->op.kind = STORE_OP_APPEND_EVENT;
	j->op.session_id = s->id;
	j->op.event = session_event_name(kind);
	j->kind = kind;
	j->op.payload = payload;
	j->op.done = sessions_appended;
	j->op.data = j;
	stamp_now(&j->op.at, d->boot_id);
	sessions_claim(d, s);
	store_submit(d->store, &j->op);
	return 0;
}

void sessions_configure(struct stintd *d)
{
	for (struct session *s = d->sessions; s; s = s->next)
		s->idle_timeout_ns = config_idle_ns(&d->cfg);
	stintd_changed(d);
}

/* --- restore at start-up ----------------------------------------------------------------- */

static int sessions_stamp_from_json(json_t *ev, struct stamp *st)
{
	const char *boot_id = json_string_value(json_object_get(ev, "boot_id"));

	if (!boot_id)
		return -1;
	st->mono_ns = json_integer_value(json_object_get(ev, "mono"));
	st->boot_ns = json_integer_value(json_object_get(ev, "boot"));
	st->wall_ms = json_integer_value(json_object_get(ev, "wall"));
	snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id);
	return 0;
}

/* Rebuilds one open session from its row and events (store_load_open's callback). */
static int sessions_restore_one(void *arg, json_t *row, json_t *events)
{
	struct stintd *d = arg;
	struct session *s;
	json_t *ev;
	size_t i;

	if (json_array_size(events) == 0) {
		log_warnx("store: session %lld has no events; skipping it",
			  (long long)json_integer_value(json_object_get(row, "id")));
		return 0;
	}
	s = session_create(
	    json_string_value(json_object_get(row, "repo")),
	    json_string_value(json_object_get(row, "repo_name")),
	    json_string_value(json_object_get(row, "branch")),
	    json_string_value(json_object_get(row, "head")),
	    json_string_value(json_object_get(row, "author")),
	    json_string_value(json_object_get(row, "focus")),
	    json_is_array(json_object_get(row, "tags")) ? json_object_get(row, "tags") : NULL);
	if (!s)
		return -1;
	s->id = json_integer_value(json_object_get(row, "id"));
	s->idle_timeout_ns = config_idle_ns(&d->cfg);
	json_array_foreach(events, i, ev)
	{
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		json_t *data = json_object_get(ev, "data");
		struct stamp st;

		if (sessions_stamp_from_json(ev, &st) < 0 ||
		    session_apply(s, session_event_lookup(kind), &st,
				  json_is_object(data) ? data : NULL) < 0) {
			session_destroy(s);
			return -1;
		}
	}
	ev = s->nevents ? s->events[0].data : NULL;
	if (json_is_object(json_object_get(ev, "baseline")))
		s->baseline = json_incref(json_object_get(ev, "baseline"));
	sessions_link(d, s);
	log_info("restored session %lld in %s", (long long)s->id, s->root);
	return 0;
}

/* A recover event for a session restored after a crash or a reboot: the gap is not work. */
static int sessions_recover(struct stintd *d, struct session *s, char *err, size_t errn)
{
	const struct stamp *last = &s->events[s->nevents - 1].at;
	bool reboot = strcmp(last->boot_id, d->boot_id) != 0;
	struct store_op op = {.kind = STORE_OP_APPEND_EVENT,
			      .session_id = s->id,
			      .event = session_event_name(SESSION_EV_RECOVER)};

	stamp_now(&op.at, d->boot_id);
	op.payload = json_pack("{s:b}", "reboot", reboot);
	/* Committed before any client is served, so the gap is on record. */
	if (store_run_now(d->store, &op) < 0) {
		snprintf(err, errn, "store: cannot record the recovery of session %lld: %s",
			 (long long)s->id, op.err);
		json_decref(op.payload);
		return -1;
	}
	session_apply(s, SESSION_EV_RECOVER, &op.at, op.payload);
	json_decref(op.payload);
	s->recovered = true;
	log_info("session %lld recovered; the time since its last event is not counted as work",
		 (long long)s->id);
	return 0;
}

int sessions_restore(struct stintd *d, char *err, size_t errn)
{
	bool clean = store_begin_run(d->store);

	if (store_load_open(d->store, sessions_restore_one, d, err, errn) < 0)
		return -1;
	for (struct session *s = d->sessions; s; s = s->next) {
		/* A clean exit on the same boot leaves nothing to recover: the clock kept running.
		 */
		if (clean && strcmp(s->events[s->nevents - 1].at.boot_id, d->boot_id) == 0)
			continue;
		if (sessions_recover(d, s, err, errn) < 0)
			return -1;
	}
	return 0;
}

void sessions_free_all(struct stintd *d)
{
	struct session *s;

	while ((s = d->sessions)) {
		d->sessions = s->next;
		session_destroy(s);
	}
}
