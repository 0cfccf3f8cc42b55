#include "deadline.h"

#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "dispatch.h"
#include "log.h"
#include "notices.h"
#include "session.h"
#include "stintd.h"

#define NS 1000000000LL

/* Boottime of the session's last activity in this boot, or its start. */
static int64_t last_activity_boot_ns(const struct session *s, const char *boot_id)
{
	for (size_t i = s->nevents; i-- > 0;)
		if (session_event_is_activity(s->events[i].kind) &&
		    strcmp(s->events[i].at.boot_id, boot_id) == 0)
			return s->events[i].at.boot_ns;
	return -1;
}

/* When (boottime, ns) this session must be stopped, or -1; why names the rule. */
static int64_t session_deadline(const struct stintd *d, const struct session *s, const char **why)
{
	int64_t best = -1;

	if (s->state == SESSION_STARTING || s->busy || s->nevents == 0)
		return -1;
	if (d->cfg.max_session_s > 0 && strcmp(s->events[0].at.boot_id, d->boot_id) == 0) {
		best = s->events[0].at.boot_ns + d->cfg.max_session_s * NS;
		*why = "max_session";
	}
	if (d->cfg.auto_stop_after_idle_s > 0 && s->state == SESSION_ACTIVE) {
		int64_t last = last_activity_boot_ns(s, d->boot_id);

		if (last >= 0 && (best < 0 || last + d->cfg.auto_stop_after_idle_s * NS < best)) {
			best = last + d->cfg.auto_stop_after_idle_s * NS;
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
	char summary[256];

	snprintf(summary, sizeof(summary), "Stopped automatically by stint (%s = %llds).", why,
		 (long long)(strcmp(why, "max_session") == 0 ? d->cfg.max_session_s
							     : d->cfg.auto_stop_after_idle_s));
	log_info("session %lld in %s: auto-stop (%s)", (long long)s->id, s->root, why);
	s->auto_stop_retry_ns = time_boot_ns() + 300 * NS;
	/* The same path as `stint stop`, with no client to answer. */
	dispatch_internal(d, CMD_STOP, s->root, summary, why);
}

static void on_deadline(uv_timer_t *t)
{
	struct stintd *d = t->data;
	int64_t now = time_boot_ns();
	struct session *s, *next;

	for (s = d->sessions; s; s = next) {
		const char *why = NULL;
		int64_t when = session_deadline(d, s, &why);

		next = s->next;
		if (when >= 0 && when <= now)
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
	int64_t best = -1, now = time_boot_ns();

	if (d->stopping)
		return;
	for (struct session *s = d->sessions; s; s = s->next) {
		const char *why = NULL;
		int64_t when = session_deadline(d, s, &why);
		/* Reminders are decided here too: whenever sessions change, and when due. */
		int64_t remind = notices_session(d, s, when, why);

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
		       best > now ? (uint64_t)((best - now) / 1000000) + 1 : 0, 0);
}

void deadline_close(struct stintd *d)
{
	if (!uv_is_closing((uv_handle_t *)&d->deadline))
		uv_close((uv_handle_t *)&d->deadline, NULL);
}
