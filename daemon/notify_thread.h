#ifndef STINTD_NOTIFY_THREAD_H
#define STINTD_NOTIFY_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

/*
 * Desktop notifications (docs/notifications.md). libnotify needs a GLib main context and a
 * show can block up to 25 s on D-Bus, so it runs on a thread of its own with its own
 * GMainContext; the loop hands it copies of messages and gets action callbacks back through
 * one uv_async_t. Nothing here ever calls libnotify on the loop thread, and the thread sleeps
 * (no GLib timeout left running) while nothing happens.
 *
 * Every function is for the loop thread. Only one notifier per process: libnotify's state is
 * global.
 */

/* NOTIFY_NORMAL is 0, so a zeroed notify_msg is a plain one. */
enum notify_urgency {
	NOTIFY_NORMAL,
	NOTIFY_LOW,
	NOTIFY_CRITICAL,
};

/* notify_msg.timeout_ms: shown until dismissed. */
#define NOTIFY_TIMEOUT_NEVER (-1)

#define NOTIFY_MAX_ACTIONS 4
/* An action key, when the server supports actions, opens msg->open_path with xdg-open. */
#define NOTIFY_ACTION_OPEN "open"

struct notify_action {
	const char *id;	   /* the key passed back to on_action, e.g. "stop"; NULL ends the list */
	const char *label; /* what the button says, e.g. "Stop" */
};

/* Everything is copied by notify_thread_send; NULL strings are left out. */
struct notify_msg {
	const char *summary;  /* plain text */
	const char *body;     /* plain text: escaped when the server reads markup */
	const char *icon;     /* a freedesktop icon name such as "dialog-information" */
	const char *category; /* "x-stint.break" and such: lets users write server rules */
	enum notify_urgency urgency;
	struct notify_action actions[NOTIFY_MAX_ACTIONS]; /* attached when the server has them */
	int timeout_ms;	       /* 0: the server's default, NOTIFY_TIMEOUT_NEVER, or milliseconds */
	const char *open_path; /* the NOTIFY_ACTION_OPEN action runs `xdg-open open_path` */
};

/* action is the key of the invoked action; the id is notify_thread_send's. */
typedef void (*notify_action_cb)(void *arg, uint64_t id, const char *action);

/*
 * A show ended: error is NULL when it was shown, else why not (no server...). id 0: an attempt
 * to reach the server ended, and notify_thread_state says how (error is NULL).
 */
typedef void (*notify_sent_cb)(void *arg, uint64_t id, const char *error);

struct notifier;

/*
 * Starts the notify thread, which tries to reach a notification server straight away (the
 * outcome shows in notify_thread_state and is logged once). on_action is called on the loop for
 * every action the user invokes; it may be NULL. The async handle is unreferenced: the
 * notifier never keeps the loop alive. NULL when out of memory or the thread cannot start
 * (logged), or when a notifier already exists.
 */
struct notifier *notify_thread_create(uv_loop_t *loop, notify_action_cb on_action, void *arg);

/*
 * Closes the notifications that carry actions (their buttons would be dead), joins the
 * thread, drops pending actions and closes the async handle: the loop must run once more
 * (its close callback frees the notifier). NULL is a no-op. Can wait for a D-Bus call in
 * progress (25 s at worst, with a hung server).
 */
void notify_thread_destroy(struct notifier *n);

/*
 * Queues msg for the notify thread and returns its id (never 0), or 0 when n is NULL, being
 * destroyed, out of memory, or too many messages are waiting. Not being connected is not an
 * error here: the thread connects first (re-reading DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus), and a message that cannot be shown is dropped; notify_thread_state says
 * why.
 */
uint64_t notify_thread_send(struct notifier *n, const struct notify_msg *msg);

/* on_sent (with notify_thread_create's arg) is called on the loop when each show ends, and
 * with id 0 when a probe ended or the state notify_thread_state reports changed. */
void notify_thread_set_sent_cb(struct notifier *n, notify_sent_cb on_sent);

/* Closes a notification notify_thread_send returned, if it is still shown. 0 or unknown: no-op. */
void notify_thread_close_id(struct notifier *n, uint64_t id);

/*
 * Asks the thread to try to reach the server now when it is not connected (say, for
 * `stint status`); the result shows in notify_thread_state later. No-op when connected.
 */
void notify_thread_retry(struct notifier *n);

/*
 * "connecting" (the first attempt to reach a server has not ended yet), "ok" (the last
 * attempt reached a server; *reason is set to NULL), "unavailable" (*reason
 * says why: no session bus, no notification server, the server went away...) or, for
 * n == NULL, "disabled" (*reason NULL). Updated from the thread, read here; the strings stay
 * valid until the loop's next iteration. reason may be NULL.
 */
const char *notify_thread_state(const struct notifier *n, const char **reason);

/* The server last reached, as "dunst 1.9.0", or NULL before any. */
const char *notify_thread_server(const struct notifier *n);

#endif
