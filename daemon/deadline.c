#include "deadline.h"

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <uv.h>

#include "dispatch.h"
#include "log.h"
#include "notify.h"
#include "session.h"
#include "stintd.h"

#define NS 1000000000LL

/* Index of the session's last activity event, or -1. */
static ssize_t last_activity(const struct session *s)
{
	for (size_t i = s->nevents; i-- > 0;)
		if (session_event_is_activity(s->events[i].kind))
			return (ssize_t)i;
	return -1;
}

/*
 * When this session must be stopped, on now's boottime scale (stamp_now's, so a test build's
 * simulated suspend counts like a real one), or -1; why names the rule. Both rules measure
 * elapsed time as wall_s does: suspend counts, and across a reboot so does the time the machine
 * was off, so a session left open over a reboot is stopped as soon as stintd is back.
 */
static int64_t session_deadline(const struct stintd *d, const struct session *s,
				const struct stamp *now, const char **why)
{
	int64_t best = -1, left;
	ssize_t last;

	if (s->state == SESSION_STARTING || s->busy || s->nevents == 0)
		return -1;
	if (d->cfg.max_session_s > 0) {
		left = d->cfg.max_session_s * NS - session_elapsed_ns(s, 0, now);
		best = now->boot_ns + (left > 0 ? left : 0);
		*why = "max_session";
	}
	last = last_activity(s);
	if (d->cfg.auto_stop_after_idle_s > 0 && s->state == SESSION_ACTIVE && last >= 0) {
		left =
		    d->cfg.auto_stop_after_idle_s * NS - session_elapsed_ns(s, (size_t)last, now);
		if (best < 0 || now->boot_ns + (left > 0 ? left : 0) < best) {
			best = now->boot_ns + (left > 0 ? left : 0);
			*why = "auto_stop_after_idle";
		}
	}
	/* An auto-stop that failed (say, the log directory is full) is retried later, not in a
	 * loop. */
	if (best >= 0 && best < s->auto_stop_retry_ns)
		best = s->auto_stop_retry_ns;
	return best;
}

static void auto_stop(struct stintd *d, struct session *s, const char *why)
{
	struct stamp now;
	char summary[256];

	snprintf(summary, sizeof(summary), "Stopped automatically by stint (%s = %llds).", why,
		 (long long)(strcmp(why, "max_session") == 0 ? d->cfg.max_session_s
							     : d->cfg.auto_stop_after_idle_s));
	log_info("session %lld in %s: auto-stop (%s)", (long long)s->id, s->root, why);
	stamp_now(&now, d->boot_id);
	s->auto_stop_retry_ns = now.boot_ns + 300 * NS;
	/* The same path as `stint stop`, with no client to answer. */
	dispatch_internal(d, CMD_STOP, s->root, summary, why);
}

static void on_deadline(uv_timer_t *t)
{
	struct stintd *d = t->data;
	struct session *s, *next;
	struct stamp now;

	stamp_now(&now, d->boot_id);
	for (s = d->sessions; s; s = next) {
		const char *why = NULL;
		int64_t when = session_deadline(d, s, &now, &why);

		next = s->next;
		if (when >= 0 && when <= now.boot_ns)
			auto_stop(d, s, why);
	}
	deadline_rearm(d);
}

void deadline_init(struct stintd *d)
{
	uv_timer_init(d->loop, &d->deadline);
	d->deadline.data = d;
}

void deadline_rearm(struct stintd *d)
{
	int64_t best = -1;
	struct stamp now;

	if (d->stopping)
		return;
	stamp_now(&now, d->boot_id);
	for (struct session *s = d->sessions; s; s = s->next) {
		const char *why = NULL;
		int64_t when = session_deadline(d, s, &now, &why);
		/* Reminders are decided here too: whenever sessions change, and when due. */
		int64_t remind = notify_session(d, s, &now, when, why);

		if (when >= 0 && (best < 0 || when < best))
			best = when;
		if (remind >= 0 && (best < 0 || remind < best))
			best = remind;
	}
	if (best < 0) {
		uv_timer_stop(&d->deadline);
		return;
	}
	/* libuv's clock stops in suspend; on_deadline checks the boot clock and re-arms. */
	uv_timer_start(&d->deadline, on_deadline,
		       best > now.boot_ns ? (uint64_t)((best - now.boot_ns) / 1000000) + 1 : 0, 0);
}

void deadline_close(struct stintd *d)
{
	if (!uv_is_closing((uv_handle_t *)&d->deadline))
		uv_close((uv_handle_t *)&d->deadline, NULL);
}
