#ifndef STINTD_DEADLINE_H
#define STINTD_DEADLINE_H

#include <stdint.h>

/*
 * The one timer: armed for the earliest of every session's auto-stop (max_session,
 * auto_stop_after_idle) and the notifications' next decision. With neither there is no timer at
 * all. When it fires, the sessions due are stopped (sessions_stop) and the daemon is marked
 * changed, so main's hook decides reminders and re-arms it. Loop thread only.
 */

struct session;
struct stamp;
struct stintd;

int deadline_init(struct stintd *d);
/* Closes the timer; for shutdown. */
void deadline_close(struct stintd *d);

/*
 * When session s must be stopped, on now's CLOCK_BOOTTIME scale (stamp_now's), or -1; why
 * names the rule ("max_session", "auto_stop_after_idle").
 */
int64_t deadline_of(struct stintd *d, const struct session *s, const struct stamp *now,
		    const char **why);

/* Arms the timer for the earliest auto-stop or at also_ns (boottime, -1: nothing more). */
void deadline_rearm(struct stintd *d, const struct stamp *now, int64_t also_ns);

#endif
