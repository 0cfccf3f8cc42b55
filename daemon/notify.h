#ifndef STINTD_NOTIFY_H
#define STINTD_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

/*
 * The daemon's desktop notifications (docs/notifications.md): glue between the open sessions,
 * remind.c's decisions and notify.c's thread. Everything runs on the loop thread.
 */

struct ctl_client;
struct session;
struct stamp;
struct stintd;

/* Starts the notification thread when [notify] enabled; stops it when not (config reload). */
void notify_configure(struct stintd *d);
/* Shutdown begins: answers `notify test` requests still waiting for their notification. */
void notify_shutdown(struct stintd *d);
/* The end: closes notifications with actions and joins the thread. */
void notify_close(struct stintd *d);

/*
 * Decides for session s at now (notify_rules_decide): sends what is due, closes what went stale.
 * auto_stop_at_ns/why are its auto-stop deadline (-1: none). Returns the CLOCK_BOOTTIME ns of
 * the next decision, -1 for none. deadline.c calls it whenever sessions change.
 */
int64_t notify_session(struct stintd *d, struct session *s, const struct stamp *now,
		       int64_t auto_stop_at_ns, const char *auto_stop_why);
/* A session is closing: its reminder on screen, if any, goes. */
void notify_session_closed(struct stintd *d, struct session *s);

/* The end-of-session summary: stop's session object, log path (NULL: none), auto-stop rule. */
void notify_summary(struct stintd *d, const json_t *session, const char *log_path,
		    const char *auto_why);

/*
 * Activity in a repository with no session open (watched for it): the opt-in start reminder,
 * at most once an hour per repository.
 */
void notify_unattended(struct stintd *d, const char *root, const char *repo_name);

/* `stint notify test`: replies once the notification was shown, or why it was not. */
void notify_test(struct stintd *d, struct ctl_client *cl);

/* Adds "notify" ("ok", "unavailable", "disabled") and "notify_reason" to a status reply. */
void notify_status(struct stintd *d, json_t *reply);

#endif
