#ifndef STINTD_CTL_H
#define STINTD_CTL_H

#include <jansson.h>
#include <stdbool.h>

struct stintd;
struct ctl;
struct ctl_client;

/*
 * The control socket. Reads bounded request lines, checks each peer's uid, decodes requests and
 * hands them to dispatch one at a time per connection; replies go back in order.
 */
struct ctl *ctl_create(struct stintd *d);
/* Listen on path (binding it, replacing a stale socket) or on fd (socket activation, fd >= 0). */
int ctl_listen(struct ctl *c, const char *path, int fd, char *err, size_t errn);
/* Stops accepting; connections finish their request in flight, then close. */
void ctl_shutdown(struct ctl *c);
/* Closes every handle; run the loop afterwards so the close callbacks finish. */
void ctl_close_all(struct ctl *c);
/* Frees what is left once the loop has stopped. NULL is a no-op. */
void ctl_destroy(struct ctl *c);
unsigned ctl_client_count(const struct ctl *c);

/* Sends the reply to the request in flight on this client (steals the reference); a NULL
 * client (the daemon's own requests) just drops it. */
void ctl_reply(struct ctl_client *cl, json_t *reply);
/* ctl_reply of proto_reply_error(code, fmt, ...). */
void ctl_reply_error(struct ctl_client *cl, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
