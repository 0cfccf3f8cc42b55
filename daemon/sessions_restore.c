#include "sessions_restore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "sessions.h"
#include "sessions_kept.h"
#include "stintd.h"
#include "store.h"
#include "store_backup.h"

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

/* Adds a sentence about a session closed at start-up (d->store_closed, for the warning). */
static void sessions_restore_warn(struct stintd *d, const char *sentence)
{
	size_t old = d->store_closed ? strlen(d->store_closed) : 0;
	char *w = realloc(d->store_closed, old + strlen(sentence) + 3);

	if (!w)
		return;
	snprintf(w + old, strlen(sentence) + 3, "%s%s", old ? "; " : "", sentence);
	d->store_closed = w;
}

/*
 * An open session whose events cannot all be read is closed, keeping why, rather than reopened:
 * its times, notes and todos are not known, a log rendered from part of them would mislead,
 * and its repository must be free for a new session. The backup holds it as it was.
 */
static int sessions_restore_damaged(struct stintd *d, json_t *row, json_t *events, const char *why)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	json_t *last = json_array_get(events, json_array_size(events) - 1);
	char err[1024], sentence[1024];

	if (store_close_damaged(d->store, id, json_integer_value(json_object_get(last, "wall")),
				why, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	snprintf(sentence, sizeof(sentence),
		 "session %lld in %s could not be read (%s) and was closed as damaged",
		 (long long)id, json_string_value(json_object_get(row, "repo")), why);
	log_warnx("store: %s", sentence);
	sessions_restore_warn(d, sentence);
	return 0;
}

/* Rebuilds one open session from its row and events (store_load_open's callback). */
static int sessions_restore_row(void *arg, json_t *row, json_t *events)
{
	struct stintd *d = arg;
	const char *damaged = json_string_value(json_object_get(row, "damaged"));
	struct session *s;
	json_t *ev;
	size_t i;

	if (damaged)
		return sessions_restore_damaged(d, row, events, damaged);
	if (json_array_size(events) == 0)
		return sessions_restore_damaged(d, row, events, "it has no events");
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
			/* Readable rows that do not fold: a damaged row, kept as damaged too. */
			return sessions_restore_damaged(d, row, events, "its events do not fold");
		}
	}
	ev = s->nevents ? s->events[0].data : NULL;
	if (json_is_object(json_object_get(ev, "baseline")))
		s->baseline = json_incref(json_object_get(ev, "baseline"));
	sessions_link(d, s);
	log_info("restored session %lld in %s", (long long)s->id, s->root);
	return 0;
}

void sessions_restore_report(struct stintd *d)
{
	const char *path = store_path(d->store), *found = store_damage(d->store);
	char newest[4096], head[4096], *w;
	size_t n;

	if (!found && !d->store_closed)
		return;
	snprintf(head, sizeof(head), "the store %s is damaged%s%s", path, found ? ": " : "",
		 found ? found : "");
	if (store_backup_newest(path, newest, sizeof(newest)) < 0)
		snprintf(newest, sizeof(newest), "none yet");
	n = strlen(head) + (d->store_closed ? strlen(d->store_closed) : 0) + strlen(newest) + 128;
	if (!(w = malloc(n)))
		return;
	snprintf(w, n, "%s%s%s; run 'stint doctor' (newest backup: %s)", head,
		 d->store_closed ? "; " : "", d->store_closed ? d->store_closed : "", newest);
	free(d->store_warning);
	d->store_warning = w;
	log_warnx("store: %s", w);
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
	sessions_restore_report(d);
	for (struct session *s = d->sessions; s; s = s->next) {
		/* A clean exit on the same boot leaves nothing to recover: the clock kept running.
		 */
		if (clean && strcmp(s->events[s->nevents - 1].at.boot_id, d->boot_id) == 0)
			continue;
		if (sessions_restore_recover(d, s, err, errn) < 0)
			return -1;
	}
	for (struct session *s = d->sessions; s; s = s->next)
		sessions_note_idle_timeout(d, s);
	sessions_kept_sweep(d);
	return 0;
}
