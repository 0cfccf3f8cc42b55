#ifndef STINT_CLI_CLIENT_H
#define STINT_CLI_CLIENT_H

/*
 * The CLI's side of the socket: connect to stintd (starting it when it is not running), send
 * one request, read its one reply. Error messages are full sentences without the "stint: "
 * prefix, ready to print.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sockpath.h"

/* Replies larger than this are refused rather than buffered. */
#define CLIENT_MAX_REPLY (16 * 1024 * 1024)
/* How long an autostarted stintd gets to accept connections. */
#define CLIENT_AUTOSTART_MS 2000

struct client {
	int fd;
	char sockpath[SOCKPATH_MAX];
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
 * filled.
 */
json_t *client_call(struct client *c, const json_t *req, int timeout_ms, char *err, size_t errn);

/* Closes the connection; safe on a client that never connected. */
void client_close(struct client *c);

/*
 * Finds the stintd executable: next to this program (/proc/self/exe), else on $PATH. Returns
 * 0, or -ENOENT with err saying where it looked.
 */
int client_find_stintd(char *path, size_t n, char *err, size_t errn);

#endif
