#include "sessions_restore.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "sessions.h"
#include "stintd.h"
#include "store.h"

/* Open sessions come back from the store at start-up, before any client is served. */

static int sessions_restore_stamp(json_t *ev, struct stamp *st)
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
static int sessions_restore_row(void *arg, json_t *row, json_t *events)
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

		if (sessions_restore_stamp(ev, &st) < 0 ||
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
static int sessions_restore_recover(struct stintd *d, struct session *s, char *err, size_t errn)
{
	const struct stamp *last = &s->events[s->nevents - 1].at;
	bool reboot = strcmp(last->boot_id, d->boot_id) != 0;
	struct store_op op = {.kind = STORE_OP_APPEND_EVENT,
			      .session_id = s->id,
			      .event = session_event_name(SESSION_EV_RECOVER)};

	session_stamp_now(&op.at, d->boot_id);
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

	if (store_load_open(d->store, sessions_restore_row, d, err, errn) < 0)
		return -1;
	for (struct session *s = d->sessions; s; s = s->next) {
		/* A clean exit on the same boot leaves nothing to recover: the clock kept running.
		 */
		if (clean && strcmp(s->events[s->nevents - 1].at.boot_id, d->boot_id) == 0)
			continue;
		if (sessions_restore_recover(d, s, err, errn) < 0)
			return -1;
	}
	return 0;
}
