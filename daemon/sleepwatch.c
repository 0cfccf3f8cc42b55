#include "sleepwatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "log.h"
#include "sessions.h"
#include "stintd.h"

#ifdef HAVE_SYSTEMD
#include <poll.h>
#include <systemd/sd-bus.h>
#include <time.h>

struct sleepwatch {
	struct stintd *d;
	sd_bus *bus;
	uv_poll_t poll;
	uv_timer_t timer;
	int handles; /* open libuv handles; freed when the last one is closed */
};

/* The suspend starts now: a mark in each open session's timeline (not activity). */
static void sleepwatch_mark(struct stintd *d)
{
	for (struct session *s = d->sessions; s; s = s->next)
		if (s->state != SESSION_STARTING)
			sessions_record(d, s, SESSION_EV_SLEEP, NULL);
}

static int sleepwatch_on_prepare(sd_bus_message *m, void *arg, sd_bus_error *err)
{
	struct sleepwatch *sw = arg;
	int start;

	(void)err;
	if (sd_bus_message_read(m, "b", &start) < 0 || sw->d->stopping)
		return 0;
	log_debug("logind: %s", start ? "going to sleep" : "woke up");
	if (start)
		sleepwatch_mark(sw->d);
	else
		/* libuv's timers stood still while the machine slept: re-arm from the boot clock.
		 */
		stintd_changed(sw->d);
	return 0;
}

static void sleepwatch_handle_closed(uv_handle_t *h)
{
	struct sleepwatch *sw = h->data;

	if (--sw->handles == 0) {
		sd_bus_flush_close_unref(sw->bus);
		free(sw);
	}
}

static void sleepwatch_teardown(struct sleepwatch *sw)
{
	if (sw->d->sleepwatch == sw)
		sw->d->sleepwatch = NULL;
	uv_close((uv_handle_t *)&sw->poll, sleepwatch_handle_closed);
	uv_close((uv_handle_t *)&sw->timer, sleepwatch_handle_closed);
}

static void sleepwatch_on_timer(uv_timer_t *t);
static void sleepwatch_on_poll(uv_poll_t *p, int status, int events);

/* Polls for what sd-bus wants next; false when the connection is gone. */
static bool sleepwatch_process(struct sleepwatch *sw)
{
	uint64_t until;
	struct timespec ts;
	int r, ev;

	while ((r = sd_bus_process(sw->bus, NULL)) > 0)
		;
	if (r < 0 || (ev = sd_bus_get_events(sw->bus)) < 0) {
		log_info("logind: lost the system bus (%s); suspends are placed approximately",
			 strerror(-(r < 0 ? r : ev)));
		sleepwatch_teardown(sw);
		return false;
	}
	uv_poll_start(&sw->poll,
		      ((ev & POLLIN) ? UV_READABLE : 0) | ((ev & POLLOUT) ? UV_WRITABLE : 0),
		      sleepwatch_on_poll);
	if (sd_bus_get_timeout(sw->bus, &until) >= 0 && until != UINT64_MAX) {
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		uv_timer_start(&sw->timer, sleepwatch_on_timer,
			       until > now ? (until - now) / 1000 + 1 : 0, 0);
	} else {
		uv_timer_stop(&sw->timer);
	}
	return true;
}

static void sleepwatch_on_poll(uv_poll_t *p, int status, int events)
{
	struct sleepwatch *sw = p->data;

	(void)status;
	(void)events;
	sleepwatch_process(sw);
}

static void sleepwatch_on_timer(uv_timer_t *t)
{
	sleepwatch_process(t->data);
}

void sleepwatch_start(struct stintd *d)
{
	struct sleepwatch *sw = calloc(1, sizeof(*sw));
	const char *sender = "org.freedesktop.login1";
	int r;

	if (!sw)
		return;
	sw->d = d;
	r = sd_bus_open_system(&sw->bus);
	if (r < 0) {
		log_debug("logind: no system bus (%s); suspends are placed approximately",
			  strerror(-r));
		free(sw);
		return;
	}
#ifdef STINT_TEST_HOOKS
	/* Test builds: a private bus has no logind; dbus-send's signal must do. */
	if (getenv("STINT_TEST_ANY_SLEEP_SENDER"))
		sender = NULL;
#endif
	r = sd_bus_match_signal_async(sw->bus, NULL, sender, "/org/freedesktop/login1",
				      "org.freedesktop.login1.Manager", "PrepareForSleep",
				      sleepwatch_on_prepare, NULL, sw);
	if (r < 0 || uv_poll_init(d->loop, &sw->poll, sd_bus_get_fd(sw->bus)) < 0) {
		log_debug("logind: cannot watch PrepareForSleep (%s)", strerror(r < 0 ? -r : EIO));
		sd_bus_flush_close_unref(sw->bus);
		free(sw);
		return;
	}
	uv_timer_init(d->loop, &sw->timer);
	sw->poll.data = sw->timer.data = sw;
	sw->handles = 2;
	d->sleepwatch = sw;
	sleepwatch_process(sw);
}

void sleepwatch_stop(struct stintd *d)
{
	if (d->sleepwatch)
		sleepwatch_teardown(d->sleepwatch);
}

#else

void sleepwatch_start(struct stintd *d)
{
	(void)d;
}

void sleepwatch_stop(struct stintd *d)
{
	(void)d;
}

#endif
