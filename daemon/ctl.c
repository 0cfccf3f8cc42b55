#include "ctl.h"

#include <errno.h>
#include <stdarg.h>
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
};

struct ctl {
	uv_loop_t *loop;
	ctl_request_fn on_request;
	void *arg;
	bool stopping; /* ctl_shutdown: new requests are refused */
	uv_pipe_t server;
	bool listening;
	bool server_open;
	char *path; /* bound by us: unlinked at the end */
	struct ctl_client *clients;
	unsigned nclients;
};

struct ctl_write {
	uv_write_t req;
	struct ctl_client *cl;
	char *data;
};

static void ctl_client_process(struct ctl_client *cl);

static void ctl_client_free(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

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
	ctl_client_send(cl, reply);
	json_decref(reply);
	if (!cl->in_process)
		ctl_client_process(cl);
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
	ctl_client_maybe_close(cl);
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
	if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0) {
		ctl_client_close(cl);
		return;
	}
	if (c->nclients > CTL_MAX_CLIENTS) {
		log_warnx("ctl: more than %d clients; refusing one", CTL_MAX_CLIENTS);
		ctl_client_close(cl);
		return;
	}
	if (!ctl_peer_allowed(cl, why, sizeof(why))) {
		log_warnx("ctl: refused a client: %s", why);
		cl->eof = true;
		ctl_reply_error_now(cl, PROTO_ERR_PERMISSION, why);
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
