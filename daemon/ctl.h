#ifndef STINTD_CTL_H
#define STINTD_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <uv.h>

#include "protocol.h"

struct ctl;
struct ctl_client;

/*
 * Called with each decoded request (the callee owns req and releases it). The client is the
 * reply handle: exactly one ctl_reply per request, now or later. Until then the connection
 * reads no further request, so one client's replies come in order.
 */
typedef void (*ctl_request_fn)(void *arg, struct ctl_client *cl, struct proto_request *req);

/*
 * The control socket. Reads bounded request lines, checks each peer's uid, decodes requests and
 * hands them to on_request one at a time per connection; knows nothing of the commands.
 */
struct ctl *ctl_create(uv_loop_t *loop, ctl_request_fn on_request, void *arg);
/*
 * cb (with ctl_create's arg) runs just before each reply is sent: what a client reads after its
 * reply (the status snapshot) is brought up to date with what the reply says.
 */
void ctl_set_before_reply(struct ctl *c, void (*cb)(void *arg));
/* Listen on path (binding it, replacing a stale socket) or on fd (socket activation, fd >= 0). */
int ctl_listen(struct ctl *c, const char *path, int fd, char *err, size_t errn);
/* Stops accepting and refuses new requests; connections finish the one in flight, then close. */
void ctl_shutdown(struct ctl *c);
/* Closes every handle; run the loop afterwards so the close callbacks finish. */
void ctl_close_all(struct ctl *c);
/* Frees what is left once the loop has stopped. NULL is a no-op. */
void ctl_destroy(struct ctl *c);

/* Sends the reply to the request in flight on this client (steals the reference). */
void ctl_reply(struct ctl_client *cl, json_t *reply);
/* False when the client has hung up (or its connection is closing): nobody reads a reply. */
bool ctl_client_alive(struct ctl_client *cl);
/*
 * Sends a message ahead of the reply to the request in flight (a progress message the request
 * asked for); nothing when the client has gone. Steals the reference.
 */
void ctl_progress(struct ctl_client *cl, json_t *msg);
/* ctl_reply of proto_reply_error(code, fmt, ...). */
void ctl_reply_error(struct ctl_client *cl, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
