#ifndef STINT_CLI_CLIENT_H
#define STINT_CLI_CLIENT_H

/*
 * The CLI's side of the socket: connect to stintd (starting it when it is not running), send
 * one request, read its one reply. Error messages are full sentences without the "stint: "
 * prefix, ready to print.
 */

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "sockpath.h"

/* Replies larger than this are refused rather than buffered. */
#define CLIENT_MAX_REPLY (16 * 1024 * 1024)
/*
 * How long an autostarted stintd, or the one that won the start-up race against it, gets to
 * accept connections.
 */
#define CLIENT_AUTOSTART_MS 5000

struct client {
	int fd;
	char sockpath[SOCKPATH_MAX];
	char *rest; /* bytes read past the last line, for the next one */
	size_t nrest;
	bool autostart; /* as client_connect was asked, for a reconnect */
	bool heard;	/* stintd sent something on this connection */
};

/*
 * What a caller hears while it waits for a reply that may come after progress messages
 * (docs/protocol.md): message gets each progress object, then NULL once the wait is over; tick is
 * called about once a second; while *stop is nonzero (a signal handler set it) the wait ends with
 * -EINTR.
 */
struct client_progress {
	void (*message)(void *arg, const json_t *progress);
	void (*tick)(void *arg);
	void *arg;
	volatile sig_atomic_t *stop;
};

/*
 * Connects to stintd. When nothing listens on the socket and autostart is true (and
 * STINT_NO_AUTOSTART is not set), starts stintd and waits for it. Returns 0, or a negative
 * errno with err filled.
 */
int client_connect(struct client *c, bool autostart, char *err, size_t errn);

/*
 * Sends req and reads its reply within timeout_ms. Returns the reply, checked to be an object
 * with "v": 1 and a boolean "ok" (and an "error" object when ok is false), or NULL with err
 * filled. When stintd goes away without having read the request (killed with it queued), the
 * request is sent again on a new connection (starting stintd if client_connect may): never one
 * that stintd may have taken.
 */
json_t *client_call(struct client *c, const json_t *req, int timeout_ms, char *err, size_t errn);
/* client_call that hands progress messages before the reply to p (may be NULL). */
json_t *client_call_progress(struct client *c, const json_t *req, int timeout_ms,
			     const struct client_progress *p, char *err, size_t errn);

/*
 * The reply a status request (for cwd, or every session when NULL) would get, read from the
 * snapshot stintd keeps beside its socket (common/status_snap.h) without waking it; NULL when
 * the snapshot cannot answer or STINT_STATUS_SNAPSHOT is 0: ask stintd then.
 */
json_t *client_status_snapshot(const char *cwd);

/* Closes the connection; safe on a client that never connected. */
void client_close(struct client *c);

/*
 * Finds the stintd executable: next to this program (/proc/self/exe), else on $PATH. Returns
 * 0, or -ENOENT with err saying where it looked.
 */
int client_find_stintd(char *path, size_t n, char *err, size_t errn);

#endif
