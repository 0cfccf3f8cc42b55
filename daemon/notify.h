#ifndef STINTD_NOTIFY_H
#define STINTD_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

/*
 * The daemon's desktop notifications (docs/notifications.md): the glue between the open
 * sessions, notify_rules.c's decisions and notify_thread.c's thread. Each open session's
 * reminder state is kept here; the actions (Stop, Keep, Snooze, Start) act through sessions.c.
 * Loop thread only.
 */

struct ctl_client;
struct stamp;
struct stintd;

/* Starts the notification thread when [notify] enabled; stops it when not (config reload). */
void notify_configure(struct stintd *d);
/* Shutdown begins: answers `notify test` requests still waiting for their notification. */
void notify_shutdown(struct stintd *d);
/* The end: closes notifications with actions and joins the thread. */
void notify_close(struct stintd *d);

/*
 * main's per-iteration hook: sends the summaries of the sessions stopped since (d->closed),
 * decides every open session's reminders at now (notify_rules_decide), closes what went stale
 * and forgets closed sessions. Returns the CLOCK_BOOTTIME ns of the next decision, -1: none.
 */
int64_t notify_decide(struct stintd *d, const struct stamp *now);

/* `stint notify test`: replies once the notification was shown, or why it was not. */
void notify_test(struct stintd *d, struct ctl_client *cl);

/*
 * Adds "notify" ("ok", "connecting", "unavailable", "disabled") and "notify_reason" to a status
 * reply; when not ok, asks the notification thread to look for a server again now and then.
 */
void notify_status(struct stintd *d, json_t *reply);
/* The same without looking again (the status snapshot); returns the state. */
const char *notify_status_peek(struct stintd *d, json_t *reply);
/*
 * Replies to cl with the notify fields of a status reply, once the notification thread's first
 * attempt to reach a server has ended: a first `stint notify status` never says "unavailable"
 * for a server that is up but not reached yet.
 */
void notify_status_wait(struct stintd *d, struct ctl_client *cl);

#endif
