#include "import_send.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "protocol.h"

/* Without a reply for this long, stintd is taken to be stuck. */
#define IMPORT_SEND_TIMEOUT_MS (60 * 1000)

struct import_conn {
	struct client c;
	size_t fifo[IMPORT_SEND_WINDOW]; /* items in flight, oldest first */
	size_t head, inflight;
	char *out; /* encoded requests not yet written */
	size_t nout, outcap;
	char in[PROTO_MAX_LINE * 2]; /* a reply line being read */
	size_t nin;
};

static json_t *import_send_request(const struct import_item *item)
{
	json_t *req = proto_request_new(PROTO_CMD_ADD);

	if (!req || json_object_set_new(req, "repo", json_string(item->repo)) < 0 ||
	    json_object_set_new(req, "start_ms", json_integer(item->start_ms)) < 0 ||
	    json_object_set_new(req, "end_ms", json_integer(item->end_ms)) < 0 ||
	    json_object_set_new(req, "origin", json_string("imported")) < 0 ||
	    json_object_set_new(req, "source_key", json_string(item->source_key)) < 0 ||
	    (json_array_size(item->tags) && json_object_set(req, "tags", item->tags) < 0) ||
	    (item->focus && json_object_set_new(req, "focus", json_string(item->focus)) < 0)) {
		json_decref(req);
		return NULL;
	}
	return req;
}

/* Queues item i's request on conn. Returns 0 or -1 (out of memory). */
static int import_send_queue(struct import_conn *k, const struct import_items *it, size_t i)
{
	json_t *req = import_send_request(&it->v[i]);
	size_t len;
	char *line = req ? proto_encode(req, &len) : NULL;

	json_decref(req);
	if (!line)
		return -1;
	if (k->nout + len > k->outcap) {
		size_t cap = (k->nout + len) * 2;
		char *out = realloc(k->out, cap);

		if (!out) {
			free(line);
			return -1;
		}
		k->out = out;
		k->outcap = cap;
	}
	memcpy(k->out + k->nout, line, len);
	k->nout += len;
	free(line);
	k->fifo[(k->head + k->inflight) % IMPORT_SEND_WINDOW] = i;
	k->inflight++;
	return 0;
}

static void import_send_say(char *buf, size_t n, const struct import_item *item, const char *msg)
{
	if (!buf[0])
		snprintf(buf, n, "%s: %s", item->where, msg);
}

/* One reply line: the oldest request in flight on k is answered. */
static int import_send_reply(struct import_conn *k, const struct import_items *it,
			     struct import_result *res, const char *line, size_t len)
{
	json_t *reply = json_loadb(line, len, 0, NULL);
	const struct import_item *item;
	const char *code;
	char err[640];

	if (k->inflight == 0 || !reply || proto_reply_check(reply, err, sizeof(err)) < 0) {
		snprintf(res->fatal, sizeof(res->fatal), "stintd sent a reply stint cannot read");
		json_decref(reply);
		return -1;
	}
	item = &it->v[k->fifo[k->head]];
	k->head = (k->head + 1) % IMPORT_SEND_WINDOW;
	k->inflight--;
	code = proto_reply_error_code(reply);
	if (proto_reply_is_ok(reply) && json_is_true(json_object_get(reply, "duplicate")))
		res->duplicate++;
	else if (proto_reply_is_ok(reply))
		res->imported++;
	else if (strcmp(code, PROTO_ERR_OVERLAP) == 0) {
		res->overlap++;
		import_send_say(res->first_overlap, sizeof(res->first_overlap), item,
				proto_reply_error_message(reply));
	} else if (strcmp(code, PROTO_ERR_BAD_REQUEST) == 0) {
		res->refused++;
		import_send_say(res->first_refused, sizeof(res->first_refused), item,
				proto_reply_error_message(reply));
	} else {
		/* The store failed, stintd is stopping...: nothing later would fare better, and the
		 * loop sends no more. */
		res->failed++;
		snprintf(err, sizeof(err), "stintd refused it (%s): %s", code,
			 proto_reply_error_message(reply));
		import_send_say(res->first_failed, sizeof(res->first_failed), item, err);
	}
	json_decref(reply);
	return 0;
}

/* Reads what k has; each complete line is a reply. Returns 0, or -1 with res->fatal. */
static int import_send_read(struct import_conn *k, const struct import_items *it,
			    struct import_result *res)
{
	ssize_t r = read(k->c.fd, k->in + k->nin, sizeof(k->in) - k->nin);
	char *nl;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		snprintf(res->fatal, sizeof(res->fatal), "stintd closed the connection%s%s",
			 r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
		return -1;
	}
	k->nin += (size_t)r;
	while ((nl = memchr(k->in, '\n', k->nin))) {
		size_t len = (size_t)(nl - k->in);

		if (import_send_reply(k, it, res, k->in, len) < 0)
			return -1;
		memmove(k->in, nl + 1, k->nin - len - 1);
		k->nin -= len + 1;
	}
	if (k->nin == sizeof(k->in)) {
		snprintf(res->fatal, sizeof(res->fatal),
			 "stintd sent a reply line too long to read");
		return -1;
	}
	return 0;
}

static int import_send_write(struct import_conn *k, struct import_result *res)
{
	/* MSG_NOSIGNAL: a stintd gone away is an error to report, not SIGPIPE. */
	ssize_t w = send(k->c.fd, k->out, k->nout, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (w < 0) {
		snprintf(res->fatal, sizeof(res->fatal), "cannot send to stintd: %s",
			 strerror(errno));
		return -1;
	}
	memmove(k->out, k->out + w, k->nout - (size_t)w);
	k->nout -= (size_t)w;
	return 0;
}

static int import_send_loop(struct import_conn *conns, int nconn, const struct import_items *it,
			    struct import_result *res)
{
	struct pollfd pfd[IMPORT_SEND_CONNS];
	size_t next = 0;

	for (;;) {
		bool busy = false;
		int r;

		for (int i = 0; i < nconn; i++) {
			struct import_conn *k = &conns[i];

			while (!res->failed && next < it->n && k->inflight < IMPORT_SEND_WINDOW)
				if (import_send_queue(k, it, next++) < 0) {
					snprintf(res->fatal, sizeof(res->fatal), "out of memory");
					return -1;
				}
			/* Done with: closed, before stintd's idle timeout would close it with a
			 * line nobody asked for while the others finish. */
			if (k->inflight == 0 && k->c.fd >= 0)
				client_close(&k->c);
			pfd[i].fd = k->c.fd;
			pfd[i].events =
			    (short)((k->nout ? POLLOUT : 0) | (k->inflight ? POLLIN : 0));
			busy |= k->inflight > 0;
		}
		if (!busy) {
			res->unsent = it->n - next;
			return res->unsent ? -1 : 0;
		}
		r = poll(pfd, (nfds_t)nconn, IMPORT_SEND_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(res->fatal, sizeof(res->fatal), "%s",
				 r == 0 ? "stintd did not answer for 60 s" : strerror(errno));
			return -1;
		}
		for (int i = 0; i < nconn; i++) {
			if ((pfd[i].revents & POLLOUT) && import_send_write(&conns[i], res) < 0)
				return -1;
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    import_send_read(&conns[i], it, res) < 0) {
				for (int j = 0; j < nconn; j++)
					res->unknown += conns[j].inflight;
				res->unsent = it->n - next;
				return -1;
			}
		}
	}
}

int import_send(const struct import_items *it, struct import_result *res)
{
	struct import_conn *conns = calloc(IMPORT_SEND_CONNS, sizeof(*conns));
	int nconn = 0, rc = -1;
	char err[1024];

	if (!conns) {
		snprintf(res->fatal, sizeof(res->fatal), "out of memory");
		return -1;
	}
	/* One connection per IMPORT_SEND_WINDOW items, at most IMPORT_SEND_CONNS. */
	for (; nconn < IMPORT_SEND_CONNS && (size_t)nconn * IMPORT_SEND_WINDOW < it->n; nconn++) {
		conns[nconn].c.fd = -1;
		if (client_connect(&conns[nconn].c, false, err, sizeof(err)) < 0) {
			snprintf(res->fatal, sizeof(res->fatal), "%s", err);
			goto out;
		}
		fcntl(conns[nconn].c.fd, F_SETFL, fcntl(conns[nconn].c.fd, F_GETFL) | O_NONBLOCK);
	}
	rc = import_send_loop(conns, nconn, it, res);
out:
	for (int i = 0; i < nconn; i++) {
		client_close(&conns[i].c);
		free(conns[i].out);
	}
	free(conns);
	return rc;
}
