#include "deadline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <uv.h>

#include "array.h"
#include "duration.h"
#include "log.h"
#include "sessions.h"
#include "sessions_stop.h"
#include "stintd.h"

#define NS 1000000000LL
/* An auto-stop that failed (say, the log directory is full) is tried again this much later. */
#define DEADLINE_RETRY_NS (300 * NS)

/* A session whose auto-stop failed: not tried again before `until`. */
struct deadline_retry {
	struct deadline_retry *next;
	int64_t session_id;
	int64_t until; /* CLOCK_BOOTTIME ns */
};

/* deadline_of's answer for one session at one instant: the hook asks twice (reminders, then
 * the timer), and each answer walks the session's events. */
struct deadline_memo {
	int64_t session_id;
	int64_t when;
	const char *why;
};

struct deadline {
	uv_timer_t timer;
	struct deadline_retry *retries;
	int64_t memo_at; /* the boottime stamp the memo holds answers for */
	struct deadline_memo *memo;
	size_t nmemo, capmemo;
};

static struct deadline_retry *deadline_retry_find(struct deadline *dl, int64_t id)
{
	for (struct deadline_retry *r = dl->retries; r; r = r->next)
		if (r->session_id == id)
			return r;
	return NULL;
}

/* Index of the session's last activity event, or -1. */
static ssize_t deadline_last_activity(const struct session *s)
{
	for (size_t i = s->nevents; i-- > 0;)
		if (session_event_is_activity(s->events[i].kind))
			return (ssize_t)i;
	return -1;
}

/*
 * Both rules measure elapsed time as wall_s does: suspend counts, and across a reboot so does
 * the time the machine was off, so a session left open over a reboot is stopped as soon as
 * stintd is back.
 */
static int64_t deadline_compute(struct stintd *d, const struct session *s, const struct stamp *now,
				const char **why)
{
	struct deadline_retry *r;
	int64_t best = -1, left;
	ssize_t last;

	if (s->state == SESSION_STARTING || s->busy || s->nevents == 0)
		return -1;
	if (d->cfg.max_session_s > 0) {
		left = d->cfg.max_session_s * NS - session_elapsed_ns(s, 0, now);
		best = now->boot_ns + (left > 0 ? left : 0);
		*why = "max_session";
	}
	last = deadline_last_activity(s);
	if (d->cfg.auto_stop_after_idle_s > 0 && s->state == SESSION_ACTIVE && last >= 0) {
		left =
		    d->cfg.auto_stop_after_idle_s * NS - session_elapsed_ns(s, (size_t)last, now);
		if (best < 0 || now->boot_ns + (left > 0 ? left : 0) < best) {
			best = now->boot_ns + (left > 0 ? left : 0);
			*why = "auto_stop_after_idle";
		}
	}
	/* A failed auto-stop is retried later, not in a loop. */
	r = d->deadline ? deadline_retry_find(d->deadline, s->id) : NULL;
	if (best >= 0 && r && best < r->until)
		best = r->until;
	return best;
}

int64_t deadline_of(struct stintd *d, const struct session *s, const struct stamp *now,
		    const char **why)
{
	struct deadline *dl = d->deadline;
	struct deadline_memo *m;
	int64_t when;

	if (!dl)
		return deadline_compute(d, s, now, why);
	if (dl->memo_at != now->boot_ns) {
		dl->memo_at = now->boot_ns;
		dl->nmemo = 0;
	}
	for (size_t i = 0; i < dl->nmemo; i++)
		if (dl->memo[i].session_id == s->id) {
			*why = dl->memo[i].why;
			return dl->memo[i].when;
		}
	when = deadline_compute(d, s, now, why);
	m = array_grow(dl->memo, &dl->capmemo, dl->nmemo + 1, sizeof(*dl->memo), 8);
	if (m) {
		dl->memo = m;
		dl->memo[dl->nmemo++] = (struct deadline_memo){s->id, when, *why};
	}
	return when;
}

static void deadline_stopped(void *arg, const struct sessions_stop_result *r)
{
	(void)arg;
	if (r->code)
		log_warnx("auto-stop of %s failed: %s", r->s->root, r->err);
}

static void deadline_auto_stop(struct stintd *d, struct session *s, const char *why,
			       const struct stamp *now)
{
	bool max = strcmp(why, "max_session") == 0;
	struct sessions_stop_opts o = {.auto_why = why, .unattended_by = why};
	struct deadline_retry *r = deadline_retry_find(d->deadline, s->id);
	char summary[256], limit[64], said[96];

	snprintf(summary, sizeof(summary), "Stopped automatically by stint (%s = %llds).", why,
		 (long long)(max ? d->cfg.max_session_s : d->cfg.auto_stop_after_idle_s));
	/* For a later `stint stop` there: "idle for 2h 00m", "open for 8h 00m (max_session)". */
	duration_format_short(max ? d->cfg.max_session_s : d->cfg.auto_stop_after_idle_s, limit,
			      sizeof(limit));
	snprintf(said, sizeof(said), max ? "open for %s (max_session)" : "idle for %s", limit);
	o.unattended_why = said;
	log_info("session %lld in %s: auto-stop (%s)", (long long)s->id, s->root, why);
	if (!r && (r = calloc(1, sizeof(*r)))) {
		r->session_id = s->id;
		r->next = d->deadline->retries;
		d->deadline->retries = r;
	}
	if (r)
		r->until = now->boot_ns + DEADLINE_RETRY_NS;
	o.summary = summary;
	/* The same path as `stint stop`, with nobody to answer. */
	if (sessions_stop(d, s, &o, deadline_stopped, NULL) < 0)
		log_warnx("auto-stop of %s: out of memory", s->root);
}

/* The memo holds answers for one run of main's hook only. */
static void deadline_forget(struct deadline *dl)
{
	dl->memo_at = -1;
	dl->nmemo = 0;
}

static void deadline_on_timer(uv_timer_t *t)
{
	struct stintd *d = t->data;
	struct session *s, *next;
	struct stamp now;

	deadline_forget(d->deadline);
	session_stamp_now(&now, d->boot_id);
	for (s = d->sessions; s; s = next) {
		const char *why = NULL;
		int64_t when = deadline_of(d, s, &now, &why);

		next = s->next;
		if (when >= 0 && when <= now.boot_ns)
			deadline_auto_stop(d, s, why, &now);
	}
	/* Reminders due now are decided, and the timer re-armed, by main's hook. */
	stintd_changed(d);
}

int deadline_init(struct stintd *d)
{
	d->deadline = calloc(1, sizeof(*d->deadline));
	if (!d->deadline)
		return -1;
	uv_timer_init(d->loop, &d->deadline->timer);
	d->deadline->timer.data = d;
	deadline_forget(d->deadline);
	return 0;
}

/* Forgets the retries of sessions that are gone. */
static void deadline_prune(struct stintd *d)
{
	struct deadline_retry **pp = &d->deadline->retries, *r;

	while ((r = *pp)) {
		if (sessions_find_id(d, r->session_id)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		free(r);
	}
}

void deadline_rearm(struct stintd *d, const struct stamp *now, int64_t also_ns)
{
	int64_t best = also_ns;

	if (!d->deadline)
		return;
	if (d->stopping) {
		deadline_forget(d->deadline);
		uv_timer_stop(&d->deadline->timer);
		return;
	}
	deadline_prune(d);
	for (struct session *s = d->sessions; s; s = s->next) {
		const char *why = NULL;
		int64_t when = deadline_of(d, s, now, &why);

		if (when >= 0 && (best < 0 || when < best))
			best = when;
	}
	deadline_forget(d->deadline);
	if (best < 0) {
		uv_timer_stop(&d->deadline->timer);
		return;
	}
	/* libuv's clock stops in suspend; the timer's callback checks the boot clock. */
	uv_timer_start(&d->deadline->timer, deadline_on_timer,
		       best > now->boot_ns ? (uint64_t)((best - now->boot_ns) / 1000000) + 1 : 0,
		       0);
}

static void deadline_closed(uv_handle_t *h)
{
	struct deadline *dl = (struct deadline *)h; /* the timer is its first member */
	struct deadline_retry *r, *next;

	for (r = dl->retries; r; r = next) {
		next = r->next;
		free(r);
	}
	free(dl->memo);
	free(dl);
}

void deadline_close(struct stintd *d)
{
	if (!d->deadline)
		return;
	uv_close((uv_handle_t *)&d->deadline->timer, deadline_closed);
	d->deadline = NULL;
}
