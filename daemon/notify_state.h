#ifndef STINTD_NOTIFY_STATE_H
#define STINTD_NOTIFY_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify_rules.h"

/* The notifications' state, kept by notify.c and read by notify_actions.c. */

#define NS 1000000000LL
/* Reminders remembered for their actions: a click can race with the next reminder. */
#define NOTIFY_MAX_SENT 64

/* A `stint notify test` waiting for its notification to be shown. */
struct notify_pending_test {
	struct notify_pending_test *next;
	uint64_t id;
	struct ctl_client *cl;
};

/* A repository the start reminder was sent for. */
struct notify_start_seen {
	struct notify_start_seen *next;
	char *root;
	int64_t last_sent; /* CLOCK_BOOTTIME seconds, -1: never */
	uint64_t id;	   /* the notification, for its Start action */
};

/* One open session's reminders: what was sent, and what it was about. */
struct notify_session {
	struct notify_session *next;
	int64_t session_id;
	struct notify_rules_state rs;
	bool seen; /* notify_decide's mark */
};

struct notify {
	struct notifier *n;
	struct notify_rules_config rc;
	struct notify_session *sessions;
	struct notify_pending_test *tests;
	struct notify_start_seen *starts;
	size_t nstarts;
	int64_t last_retry_ns;
	bool unattended_cb; /* ours is watched.c's unattended-activity callback */
	struct {
		uint64_t id;
		int64_t session;
	} sent[NOTIFY_MAX_SENT]; /* the latest reminders and their sessions, a ring */
	unsigned nsent;
};

/* The reminder state of session id, or NULL. */
struct notify_session *notify_state_session(struct notify *no, int64_t id);
/* The session a reminder was sent for, -1: none of the last NOTIFY_MAX_SENT. */
int64_t notify_state_session_of(const struct notify *no, uint64_t id);

#endif
