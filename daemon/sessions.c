#include "sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "status_snap.h"
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

	/* status_snap_read picks the same way: the rule lives in one place. */
	for (struct session *s = d->sessions; s; s = s->next) {
		size_t n = strlen(s->root);

		if (s->state != SESSION_STARTING && status_snap_inside(cwd, s->root) &&
		    n >= bestlen) {
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
	struct stamp now;

	session_stamp_now(&now, d->boot_id);
	sessions_record_at(d, s, kind, &now, payload);
}

void sessions_record_at(struct stintd *d, struct session *s, enum session_event_kind kind,
			const struct stamp *at, json_t *payload)
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
	e->op.at = *at;
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

	if (op->status == 0) {
		session_apply(j->s, j->kind, &op->at, op->payload);
		stintd_changed(j->d); /* before the reply: the status snapshot follows */
	}
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
	session_stamp_now(&j->op.at, d->boot_id);
	sessions_claim(d, s);
	store_submit(d->store, &j->op);
	return 0;
}

void sessions_note_idle_timeout(struct stintd *d, struct session *s)
{
	int64_t now = config_idle_ns(&d->cfg), was = session_idle_timeout_ns(s);

	s->idle_timeout_ns = now;
	if (now == was || s->id <= 0)
		return;
	log_info("session %lld: [time] idle_timeout is now %llds (was %llds), from here on",
		 (long long)s->id, (long long)(now / 1000000000), (long long)(was / 1000000000));
	sessions_record(d, s, SESSION_EV_IDLE_TIMEOUT,
			json_pack("{s:I, s:I}", "idle_timeout_s", (json_int_t)(now / 1000000000),
				  "was_s", (json_int_t)(was / 1000000000)));
}

void sessions_configure(struct stintd *d)
{
	for (struct session *s = d->sessions; s; s = s->next)
		sessions_note_idle_timeout(d, s);
	stintd_changed(d);
}

void sessions_free_all(struct stintd *d)
{
	struct session *s;

	while ((s = d->sessions)) {
		d->sessions = s->next;
		session_destroy(s);
	}
}
