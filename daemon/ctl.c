#include "ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "log.h"
#include "protocol.h"

#define CTL_BACKLOG	511
#define CTL_MAX_CLIENTS 4096
/* A client that lets this much of its replies pile up unread is dropped. */
#define CTL_MAX_QUEUED (1024 * 1024)
/* A connection without a complete request for this long is closed. */
#define CTL_IDLE_S 5
/* Idle connections due this close together are closed by one timer expiry. */
#define CTL_IDLE_SLACK_MS 100
/* Dropped peers are logged once, then counted and logged at most this often. */
#define CTL_DROP_LOG_MS 10000

struct ctl_client {
	uv_pipe_t pipe;
	struct ctl *ctl;
	struct ctl_client *next, *prev;
	char *buf;
	size_t len, cap;
	unsigned writes; /* uv_write requests in flight */
	bool busy;	 /* a request is with the request callback */
	bool reading;
	bool eof;     /* no more input: peer done, error, refused or shutdown */
	bool closing; /* uv_close called */
	bool closed;  /* close callback ran; freed once not busy */
	bool in_process;
	bool retired; /* no longer counted against the cap: closing, or dropped */
	/* On the idle list (oldest first): waiting for a complete request since idle_since. */
	bool idle;
	struct ctl_client *idle_next, *idle_prev;
	uint64_t idle_since; /* uv_now */
};

/* Peers dropped for one reason, for a log line that is rate-limited. */
struct ctl_drops {
	unsigned n;	   /* not logged yet */
	uint64_t next_log; /* uv_now before which nothing is logged */
};

struct ctl {
	uv_loop_t *loop;
	ctl_request_fn on_request;
	void *arg;
	void (*before_reply)(void *arg);
	bool stopping; /* ctl_shutdown: new requests are refused */
	uv_pipe_t server;
	bool listening;
	bool server_open;
	char *path; /* bound by us: unlinked at the end */
	struct ctl_client *clients;
	unsigned nclients;
	unsigned nactive; /* clients counted against CTL_MAX_CLIENTS */
	/* Idle clients, oldest first; one timer closes them, armed only while there are some. */
	struct ctl_client *idle_head, *idle_tail;
	uv_timer_t timer;
	bool timer_open;
	struct ctl_drops idle_closed, cap_dropped, cap_refused;
};

struct ctl_write {
	uv_write_t req;
	struct ctl_client *cl;
	char *data;
};

static void ctl_client_process(struct ctl_client *cl);
static void ctl_timer_arm(struct ctl *c);

static void ctl_idle_remove(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

	if (!cl->idle)
		return;
	if (cl->idle_prev)
		cl->idle_prev->idle_next = cl->idle_next;
	else
		c->idle_head = cl->idle_next;
	if (cl->idle_next)
		cl->idle_next->idle_prev = cl->idle_prev;
	else
		c->idle_tail = cl->idle_prev;
	cl->idle_next = cl->idle_prev = NULL;
	cl->idle = false;
	/* None left: the timer stops. Else it stays: firing early, it re-arms for the next. */
	if (!c->idle_head)
		ctl_timer_arm(c);
}

/* The client waits for a complete request from now on (unless it already did). */
static void ctl_idle_add(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

	if (cl->idle)
		return;
	cl->idle = true;
	cl->idle_since = uv_now(c->loop);
	cl->idle_prev = c->idle_tail;
	cl->idle_next = NULL;
	if (c->idle_tail)
		c->idle_tail->idle_next = cl;
	else
		c->idle_head = cl;
	c->idle_tail = cl;
	/* A new head is due first; otherwise the timer is armed for an older one already. */
	if (c->idle_head == cl)
		ctl_timer_arm(c);
}

/* The client no longer counts against the cap (idempotent). */
static void ctl_client_retire(struct ctl_client *cl)
{
	if (!cl->retired) {
		cl->retired = true;
		cl->ctl->nactive--;
	}
}

static void ctl_client_free(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

	ctl_idle_remove(cl);
	ctl_client_retire(cl);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		c->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	c->nclients--;
	free(cl->buf);
	free(cl);
}

static void ctl_client_close_cb(uv_handle_t *h)
{
	struct ctl_client *cl = h->data;

	cl->closed = true;
	if (!cl->busy)
		ctl_client_free(cl);
}

static void ctl_client_close(struct ctl_client *cl)
{
	if (cl->closing)
		return;
	cl->closing = true;
	cl->eof = true;
	ctl_idle_remove(cl);
	ctl_client_retire(cl);
	uv_close((uv_handle_t *)&cl->pipe, ctl_client_close_cb);
}

/* Closes once nothing is owed in either direction. */
static void ctl_client_maybe_close(struct ctl_client *cl)
{
	if (cl->eof && !cl->busy && cl->writes == 0 && !cl->closing)
		ctl_client_close(cl);
}

static void ctl_write_cb(uv_write_t *req, int status)
{
	struct ctl_write *w = req->data;
	struct ctl_client *cl = w->cl;

	free(w->data);
	free(w);
	cl->writes--;
	if (status < 0 && status != UV_ECANCELED) {
		log_debug("ctl: write to client failed: %s", uv_strerror(status));
		cl->eof = true;
	}
	ctl_client_maybe_close(cl);
}

static void ctl_client_send(struct ctl_client *cl, json_t *msg)
{
	struct ctl_write *w;
	uv_buf_t b;
	size_t len;
	char *data;
	int r;

	if (cl->closing)
		return;
	data = msg ? proto_encode(msg, &len) : NULL;
	w = data ? malloc(sizeof(*w)) : NULL;
	if (!w) {
		log_warnx("ctl: out of memory encoding a reply; dropping the client");
		free(data);
		ctl_client_close(cl);
		return;
	}
	w->cl = cl;
	w->data = data;
	w->req.data = w;
	b = uv_buf_init(data, (unsigned)len);
	r = uv_write(&w->req, (uv_stream_t *)&cl->pipe, &b, 1, ctl_write_cb);
	if (r < 0) {
		log_debug("ctl: cannot write to client: %s", uv_strerror(r));
		free(data);
		free(w);
		ctl_client_close(cl);
		return;
	}
	cl->writes++;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&cl->pipe) > CTL_MAX_QUEUED) {
		log_warnx("ctl: client reads none of its replies; dropping it");
		ctl_client_close(cl);
	}
}

void ctl_reply_error(struct ctl_client *cl, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_reply(cl, proto_reply_error(code, "%s", msg));
}

bool ctl_client_alive(struct ctl_client *cl)
{
	uv_os_fd_t fd;
	ssize_t n;
	char c;

	if (cl->closing || cl->closed)
		return false;
	/* The connection is not read while a request is in flight: look without taking. */
	if (uv_fileno((uv_handle_t *)&cl->pipe, &fd) < 0)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

void ctl_progress(struct ctl_client *cl, json_t *msg)
{
	if (cl->busy && !cl->closed)
		ctl_client_send(cl, msg);
	json_decref(msg);
}

void ctl_reply(struct ctl_client *cl, json_t *reply)
{
	cl->busy = false;
	if (cl->closed) {
		json_decref(reply);
		ctl_client_free(cl);
		return;
	}
	if (cl->ctl->before_reply)
		cl->ctl->before_reply(cl->ctl->arg);
	ctl_client_send(cl, reply);
	json_decref(reply);
	if (!cl->in_process)
		ctl_client_process(cl);
}

void ctl_set_before_reply(struct ctl *c, void (*cb)(void *arg))
{
	c->before_reply = cb;
}

static void ctl_reply_error_now(struct ctl_client *cl, const char *code, const char *msg)
{
	cl->busy = true;
	ctl_reply(cl, proto_reply_error(code, "%s", msg));
}

static void ctl_handle_line(struct ctl_client *cl, const char *line, size_t len)
{
	struct proto_request req;
	struct proto_error err;

	/* A complete request: the client is no longer idle (each reply starts a new wait). */
	ctl_idle_remove(cl);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (proto_request_parse(line, len, &req, &err) < 0) {
		log_debug("ctl: refused a request: %s: %s", err.code, err.message);
		ctl_reply_error_now(cl, err.code, err.message);
		return;
	}
	if (cl->ctl->stopping) {
		proto_request_release(&req);
		ctl_reply_error_now(cl, PROTO_ERR_SHUTTING_DOWN, "stintd is shutting down");
		return;
	}
	cl->busy = true;
	cl->ctl->on_request(cl->ctl->arg, cl, &req);
}

static void ctl_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct ctl_client *cl = h->data;

	(void)suggested;
	/* Grow by doubling, never past one maximal line: the cap is checked before allocating. */
	if (cl->cap - cl->len < 1024 && cl->cap < PROTO_MAX_LINE) {
		size_t cap = cl->cap ? cl->cap * 2 : 4096;
		char *n;

		if (cap > PROTO_MAX_LINE)
			cap = PROTO_MAX_LINE;
		n = realloc(cl->buf, cap);
		if (n) {
			cl->buf = n;
			cl->cap = cap;
		}
	}
	*buf = uv_buf_init(cl->buf + cl->len, (unsigned)(cl->cap - cl->len));
}

static void ctl_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct ctl_client *cl = s->data;

	(void)buf;
	if (nread == UV_ENOBUFS) {
		log_warnx("ctl: request longer than %d bytes; closing the connection",
			  PROTO_MAX_LINE - 1);
		uv_read_stop(s);
		cl->reading = false;
		cl->len = 0;
		ctl_client_send(cl, proto_reply_error(PROTO_ERR_TOO_LARGE,
						      "request longer than %d bytes",
						      PROTO_MAX_LINE - 1));
		cl->eof = true;
		ctl_client_maybe_close(cl);
		return;
	}
	if (nread < 0) {
		if (nread != UV_EOF)
			log_debug("ctl: read from client failed: %s", uv_strerror((int)nread));
		uv_read_stop(s);
		cl->reading = false;
		cl->eof = true;
		ctl_client_process(cl);
		return;
	}
	cl->len += (size_t)nread;
	ctl_client_process(cl);
}

/* Handles every complete line while no request is in flight, then reads on or closes. */
static void ctl_client_process(struct ctl_client *cl)
{
	cl->in_process = true;
	while (!cl->busy && !cl->closing) {
		char *nl = cl->len ? memchr(cl->buf, '\n', cl->len) : NULL;
		size_t linelen;

		if (!nl) {
			if (cl->len >= PROTO_MAX_LINE) {
				log_warnx(
				    "ctl: request longer than %d bytes; closing the connection",
				    PROTO_MAX_LINE - 1);
				cl->len = 0;
				ctl_reply_error_now(cl, PROTO_ERR_TOO_LARGE, "request too long");
				cl->eof = true;
			}
			break;
		}
		linelen = (size_t)(nl - cl->buf);
		ctl_handle_line(cl, cl->buf, linelen);
		if (cl->closed)
			break;
		memmove(cl->buf, nl + 1, cl->len - linelen - 1);
		cl->len -= linelen + 1;
	}
	cl->in_process = false;
	if (cl->closed) {
		if (!cl->busy)
			ctl_client_free(cl);
		return;
	}
	if (cl->closing)
		return;
	if (cl->busy || cl->eof) {
		if (cl->reading) {
			uv_read_stop((uv_stream_t *)&cl->pipe);
			cl->reading = false;
		}
	} else if (!cl->reading) {
		int r = uv_read_start((uv_stream_t *)&cl->pipe, ctl_alloc_cb, ctl_read_cb);

		if (r < 0) {
			log_debug("ctl: cannot read from client: %s", uv_strerror(r));
			cl->eof = true;
		} else {
			cl->reading = true;
		}
	}
	/* Waiting for a request, even with part of one read: idle. Partial data is not activity. */
	if (!cl->busy && !cl->eof)
		ctl_idle_add(cl);
	else
		ctl_idle_remove(cl);
	ctl_client_maybe_close(cl);
}

/* Sends the error as the client's last line and closes the connection. */
static void ctl_client_drop(struct ctl_client *cl, const char *code, const char *msg)
{
	json_t *reply = proto_reply_error(code, "%s", msg);

	/* A pipe is written at once when nothing waits before: the line is out before the close. */
	ctl_client_send(cl, reply);
	json_decref(reply);
	ctl_client_close(cl);
}

/* Logs what k counted: at once the first time, then at most once per CTL_DROP_LOG_MS. */
static void ctl_drops_log(struct ctl_drops *k, uint64_t now, bool force, const char *what)
{
	if (!k->n || (!force && now < k->next_log))
		return;
	log_warnx("ctl: %s: %u connection%s", what, k->n, k->n == 1 ? "" : "s");
	k->n = 0;
	k->next_log = now + CTL_DROP_LOG_MS;
}

static void ctl_drops_log_all(struct ctl *c, bool force)
{
	uint64_t now = uv_now(c->loop);
	char what[128];

	snprintf(what, sizeof(what), "closed for no complete request within %d s (idle)",
		 CTL_IDLE_S);
	ctl_drops_log(&c->idle_closed, now, force, what);
	snprintf(what, sizeof(what),
		 "too many connections (%d); closed the oldest without a request to make room",
		 CTL_MAX_CLIENTS);
	ctl_drops_log(&c->cap_dropped, now, force, what);
	snprintf(what, sizeof(what),
		 "too many connections (%d), all with a request in flight; "
		 "refused new",
		 CTL_MAX_CLIENTS);
	ctl_drops_log(&c->cap_refused, now, force, what);
}

static uint64_t ctl_drops_due(const struct ctl_drops *k, uint64_t due)
{
	return k->n && k->next_log < due ? k->next_log : due;
}

/* Closes the clients idle for CTL_IDLE_S, logs what is due, and re-arms. */
static void ctl_timer_cb(uv_timer_t *t)
{
	struct ctl *c = t->data;
	uint64_t now = uv_now(c->loop);
	struct ctl_client *cl;
	char msg[128];

	snprintf(msg, sizeof(msg), "no complete request within %d s; closing the connection",
		 CTL_IDLE_S);
	while ((cl = c->idle_head) &&
	       cl->idle_since + CTL_IDLE_S * 1000 <= now + CTL_IDLE_SLACK_MS) {
		c->idle_closed.n++;
		ctl_client_drop(cl, PROTO_ERR_IDLE_TIMEOUT, msg);
	}
	ctl_drops_log_all(c, false);
	ctl_timer_arm(c);
}

/*
 * Arms the one timer for the oldest idle client or a log line due, or stops it when there is
 * neither: at rest the loop has no timer of ours and makes no system call for it.
 */
static void ctl_timer_arm(struct ctl *c)
{
	uint64_t due = UINT64_MAX, now;

	if (!c->timer_open)
		return;
	if (c->idle_head && !c->stopping)
		due = c->idle_head->idle_since + CTL_IDLE_S * 1000;
	due = ctl_drops_due(&c->idle_closed, due);
	due = ctl_drops_due(&c->cap_dropped, due);
	due = ctl_drops_due(&c->cap_refused, due);
	if (due == UINT64_MAX || c->stopping) {
		uv_timer_stop(&c->timer);
		return;
	}
	now = uv_now(c->loop);
	uv_timer_start(&c->timer, ctl_timer_cb, due > now ? due - now : 0, 0);
}

/*
 * At the cap, a new client is let in by closing the oldest idle one (that was told why);
 * requests in flight, progress included, are never cut. False when none is idle.
 */
static bool ctl_make_room(struct ctl *c)
{
	char msg[128];

	if (!c->idle_head)
		return false;
	snprintf(msg, sizeof(msg),
		 "too many connections (%d); closing this one, the longest without a request, "
		 "to make room",
		 CTL_MAX_CLIENTS);
	c->cap_dropped.n++;
	ctl_client_drop(c->idle_head, PROTO_ERR_TOO_MANY, msg);
	return true;
}

static bool ctl_peer_allowed(struct ctl_client *cl, char *why, size_t n)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&cl->pipe, &fd) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(why, n, "cannot read the peer's credentials: %s", strerror(errno));
		return false;
	}
	if (cred.uid != geteuid()) {
		snprintf(why, n, "uid %u may not use the stintd of uid %u", (unsigned)cred.uid,
			 (unsigned)geteuid());
		return false;
	}
	return true;
}

static void ctl_connection_cb(uv_stream_t *server, int status)
{
	struct ctl *c = server->data;
	struct ctl_client *cl;
	char why[128];

	if (status < 0) {
		log_warnx("ctl: accept failed: %s", uv_strerror(status));
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		log_warnx("ctl: out of memory accepting a client");
		return;
	}
	cl->ctl = c;
	uv_pipe_init(c->loop, &cl->pipe, 0);
	cl->pipe.data = cl;
	cl->next = c->clients;
	if (c->clients)
		c->clients->prev = cl;
	c->clients = cl;
	c->nclients++;
	c->nactive++;
	if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0) {
		ctl_client_close(cl);
		return;
	}
	if (!ctl_peer_allowed(cl, why, sizeof(why))) {
		log_warnx("ctl: refused a client: %s", why);
		cl->eof = true;
		ctl_reply_error_now(cl, PROTO_ERR_PERMISSION, why);
		return;
	}
	if (c->nactive > CTL_MAX_CLIENTS) {
		if (!ctl_make_room(c)) {
			snprintf(why, sizeof(why),
				 "too many connections (%d), each with a request in flight; try "
				 "again later",
				 CTL_MAX_CLIENTS);
			c->cap_refused.n++;
			ctl_client_drop(cl, PROTO_ERR_TOO_MANY, why);
		}
		ctl_drops_log_all(c, false);
		ctl_timer_arm(c);
		if (cl->closing)
			return;
	}
	ctl_client_process(cl);
}

struct ctl *ctl_create(uv_loop_t *loop, ctl_request_fn on_request, void *arg)
{
	struct ctl *c = calloc(1, sizeof(*c));

	if (c) {
		c->loop = loop;
		c->on_request = on_request;
		c->arg = arg;
	}
	return c;
}

int ctl_listen(struct ctl *c, const char *path, int fd, char *err, size_t errn)
{
	int r;

	/* Never keeps the loop alive on its own; closed by ctl_close_all. */
	uv_timer_init(c->loop, &c->timer);
	c->timer.data = c;
	uv_unref((uv_handle_t *)&c->timer);
	c->timer_open = true;
	uv_pipe_init(c->loop, &c->server, 0);
	c->server.data = c;
	c->server_open = true;
	if (fd >= 0) {
		r = uv_pipe_open(&c->server, fd);
		if (r < 0) {
			snprintf(err, errn, "cannot use the socket passed by systemd: %s",
				 uv_strerror(r));
			return r;
		}
	} else {
		mode_t old;

		/* We hold the instance lock, so a socket file left here is a dead daemon's. */
		if (unlink(path) < 0 && errno != ENOENT) {
			r = -errno;
			snprintf(err, errn, "cannot remove stale socket %s: %s", path,
				 strerror(errno));
			return r;
		}
		old = umask(0177);
		r = uv_pipe_bind(&c->server, path);
		umask(old);
		if (r < 0) {
			snprintf(err, errn, "cannot bind %s: %s", path, uv_strerror(r));
			return r;
		}
		c->path = strdup(path);
	}
	r = uv_listen((uv_stream_t *)&c->server, CTL_BACKLOG, ctl_connection_cb);
	if (r < 0) {
		snprintf(err, errn, "cannot listen on %s: %s", path ? path : "the passed socket",
			 uv_strerror(r));
		return r;
	}
	c->listening = true;
	return 0;
}

void ctl_shutdown(struct ctl *c)
{
	struct ctl_client *cl, *next;

	c->stopping = true;
	ctl_drops_log_all(c, true);
	ctl_timer_arm(c);
	if (c->server_open) {
		uv_close((uv_handle_t *)&c->server, NULL);
		c->server_open = false;
		c->listening = false;
	}
	if (c->path) {
		unlink(c->path);
		free(c->path);
		c->path = NULL;
	}
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		cl->eof = true;
		if (cl->reading) {
			uv_read_stop((uv_stream_t *)&cl->pipe);
			cl->reading = false;
		}
		ctl_client_maybe_close(cl);
	}
}

void ctl_close_all(struct ctl *c)
{
	ctl_shutdown(c);
	for (struct ctl_client *cl = c->clients; cl; cl = cl->next)
		ctl_client_close(cl);
	if (c->timer_open) {
		uv_close((uv_handle_t *)&c->timer, NULL);
		c->timer_open = false;
	}
}

void ctl_destroy(struct ctl *c)
{
	struct ctl_client *cl, *next;

	if (!c)
		return;
	/* Clients still here were busy when closed; their requests will never complete now. */
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		free(cl->buf);
		free(cl);
	}
	free(c);
}
