#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl.h"
#include "protocol.h"
#include "sessions.h"
#include "sessions_restore.h"
#include "sessions_start.h"
#include "sessions_stop.h"
#include "stintd.h"
#include "testdaemon.h"
#include "testutil.h"

/*
 * The command handlers through cmd_request, as ctl's request callback on a real socket: a
 * client in the test writes request lines and reads the replies while the test runs the loop.
 */

/* --- calloc on demand (this executable is linked with -Wl,--wrap=calloc) ----------------- */

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

/* Armed: the next calloc of exactly this many bytes fails. */
static size_t calloc_fail_size;
static unsigned calloc_failed;

void *__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fail_size && n * size == calloc_fail_size) {
		calloc_fail_size = 0;
		calloc_failed++;
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

/*
 * The layout of cmd.c's parked request (struct cmd_parked): its size picks the one allocation
 * the test fails. Should cmd.c's change, the allocation is not found and the test says so.
 */
struct parked_layout {
	struct sessions_waiter w;
	struct stintd *d;
	struct ctl_client *cl;
	struct proto_request req;
};

/* --- the daemon's side and the client's ---------------------------------------------------- */

struct fixture {
	struct testdaemon t;
	struct ctl *ctl;
	char sock[PATH_MAX];
	char plain[PATH_MAX];	 /* a directory to start sessions in */
	char other[PATH_MAX];	 /* one without a session */
	char gate[PATH_MAX + 8]; /* the [checks] of the parking tests wait for this file */
};

struct client {
	int fd;
	char buf[65536];
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	testdaemon_init(&f->t, "cmd");
	if ((size_t)snprintf(f->sock, sizeof(f->sock), "%s/s.sock", f->t.dir) >=
	    sizeof(((struct sockaddr_un *)0)->sun_path))
		fail_msg("socket path too long: %s", f->sock);
	snprintf(f->gate, sizeof(f->gate), "%s/gate", f->t.dir);
	testdaemon_mkdir(&f->t, "plain", f->plain);
	testdaemon_mkdir(&f->t, "other", f->other);
	f->ctl = ctl_create(&f->t.loop, cmd_request, &f->t.d);
	assert_non_null(f->ctl);
	f->t.d.ctl = f->ctl;
	if (ctl_listen(f->ctl, f->sock, -1, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	/* A stop a failed test left waiting ends; its reply goes to a closed client. */
	testutil_write_file(f->t.dir, "gate", "");
	ctl_close_all(f->ctl);
	testdaemon_finish(&f->t);
	ctl_destroy(f->ctl);
	free(f);
	return 0;
}

static void client_open(struct fixture *f, struct client *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(c, 0, sizeof(*c));
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock) >=
	    sizeof(sa.sun_path))
		fail_msg("socket path too long: %s", f->sock);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	/* Completes on the listen backlog; the loop accepts it later. */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", f->sock, strerror(errno));
}

static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

static void client_send(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void client_send(struct client *c, const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < (int)sizeof(line) - 1);
	line[n++] = '\n';
	/* Far less than a socket buffer: one write, never blocking. */
	assert_int_equal(write(c->fd, line, (size_t)n), n);
}

/* Runs the loop until the client has a whole reply line; returns it parsed. */
static json_t *client_reply(struct fixture *f, struct client *c)
{
	double end = now_s() + 60;
	json_error_t jerr;
	char *nl;
	json_t *reply;

	while (!(nl = memchr(c->buf, '\n', c->len))) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		ssize_t n;

		if (now_s() > end)
			fail_msg("no reply after 60 s; have %zu bytes: %.*s", c->len, (int)c->len,
				 c->buf);
		uv_run(&f->t.loop, UV_RUN_NOWAIT);
		if (poll(&p, 1, 2) <= 0)
			continue;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (n == 0)
			fail_msg("stintd closed the connection");
		if (n > 0)
			c->len += (size_t)n;
		assert_true(c->len < sizeof(c->buf));
	}
	reply = json_loadb(c->buf, (size_t)(nl - c->buf), 0, &jerr);
	if (!reply)
		fail_msg("reply is not JSON: %s: %.*s", jerr.text, (int)(nl - c->buf), c->buf);
	c->len -= (size_t)(nl + 1 - c->buf);
	memmove(c->buf, nl + 1, c->len);
	return reply;
}

/* No reply is waiting on the client (after running the loop a little). */
static void client_no_reply(struct fixture *f, struct client *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	for (int i = 0; i < 20; i++)
		uv_run(&f->t.loop, UV_RUN_NOWAIT);
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(c->len, 0);
}

static json_t *request(struct fixture *f, struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *request(struct fixture *f, struct client *c, const char *fmt, ...)
{
	char line[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	client_send(c, "%s", line);
	return client_reply(f, c);
}

static const char *str_at(json_t *j, const char *a, const char *b)
{
	json_t *v = json_object_get(j, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

/* The reply as text, for a failure's message (the last one only). */
static const char *reply_text(json_t *reply)
{
	static char buf[4096];
	char *text = json_dumps(reply, JSON_COMPACT);

	snprintf(buf, sizeof(buf), "%s", text ? text : "(null)");
	free(text);
	return buf;
}

static void expect_ok(json_t *reply)
{
	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("expected ok, got %s", reply_text(reply));
}

static void expect_error(json_t *reply, const char *code)
{
	const char *have = str_at(reply, "error", "code");

	if (!json_is_false(json_object_get(reply, "ok")) || !have || strcmp(have, code) != 0)
		fail_msg("expected error %s, got %s", code, reply_text(reply));
}

/* The reply's sessions array's length. */
static size_t nsessions(json_t *reply)
{
	json_t *a = json_object_get(reply, "sessions");

	assert_true(json_is_array(a));
	return json_array_size(a);
}

/*
 * One request and the checks of its reply: code NULL for ok, else the error's code; state, if
 * not NULL, the reply's session's state; sessions, if not negative, how many sessions it lists.
 */
static void exchange(struct fixture *f, struct client *c, const char *code, const char *state,
		     int sessions, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void exchange(struct fixture *f, struct client *c, const char *code, const char *state,
		     int sessions, const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r = request(f, c, "%s", line);
	if (code)
		expect_error(r, code);
	else
		expect_ok(r);
	if (state &&
	    (!str_at(r, "session", "state") || strcmp(str_at(r, "session", "state"), state)))
		fail_msg("%s: expected a session %s, got %s", line, state, reply_text(r));
	if (sessions >= 0 && nsessions(r) != (size_t)sessions)
		fail_msg("%s: expected %d sessions, got %s", line, sessions, reply_text(r));
	json_decref(r);
}

/* --- the commands ---------------------------------------------------------------------------- */

static void test_ping(void **state)
{
	struct fixture *f = *state;
	struct client c;
	json_t *r;

	client_open(f, &c);
	r = request(f, &c, "{\"v\":1,\"cmd\":\"ping\"}");
	expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "daemon"), "pid")),
			 getpid());
	assert_non_null(str_at(json_object_get(r, "daemon"), "version", NULL));
	json_decref(r);
	client_close(&c);
}

static void test_session_commands(void **state)
{
	struct fixture *f = *state;
	struct client c;
	json_t *r;
	char log[PATH_MAX + 64];

	client_open(f, &c);
	r = request(f, &c, "{\"v\":1,\"cmd\":\"status\"}");
	expect_ok(r);
	assert_int_equal(nsessions(r), 0);
	assert_string_equal(str_at(r, "notify", NULL), "disabled");
	json_decref(r);

	/* Nothing to act on yet. */
	exchange(f, &c, PROTO_ERR_NO_SESSION, NULL, -1,
		 "{\"v\":1,\"cmd\":\"pause\",\"cwd\":\"%s\"}", f->plain);

	r = request(f, &c, "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"%s\",\"focus\":\"cmd\"}",
		    f->plain);
	expect_ok(r);
	assert_string_equal(str_at(r, "session", "state"), "active");
	assert_string_equal(str_at(r, "session", "repo"), f->plain);
	assert_string_equal(str_at(r, "session", "focus"), "cmd");
	/* A plain directory is watched too (the harness has no inotify watcher: "gone"). */
	assert_string_not_equal(str_at(r, "session", "watch"), "none");
	json_decref(r);
	r = request(f, &c, "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"%s\"}", f->plain);
	expect_error(r, PROTO_ERR_ALREADY_RUNNING);
	assert_string_equal(str_at(r, "session", "repo"), f->plain);
	json_decref(r);

	exchange(f, &c, NULL, NULL, 1, "{\"v\":1,\"cmd\":\"status\"}");
	/* status -C: only that directory's session; none there is no error. */
	exchange(f, &c, NULL, NULL, 1, "{\"v\":1,\"cmd\":\"status\",\"cwd\":\"%s\"}", f->plain);
	exchange(f, &c, NULL, NULL, 0, "{\"v\":1,\"cmd\":\"status\",\"cwd\":\"%s\"}", f->other);

	r = request(f, &c, "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"%s/sub\",\"text\":\"noted\"}",
		    f->plain);
	expect_ok(r);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(r, "session"), "notes")), 1);
	json_decref(r);
	exchange(f, &c, PROTO_ERR_NO_SESSION, NULL, -1,
		 "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"%s\",\"text\":\"lost\"}", f->other);

	exchange(f, &c, NULL, "paused", -1, "{\"v\":1,\"cmd\":\"pause\",\"cwd\":\"%s\"}", f->plain);
	exchange(f, &c, PROTO_ERR_BAD_STATE, NULL, -1, "{\"v\":1,\"cmd\":\"pause\",\"cwd\":\"%s\"}",
		 f->plain);
	exchange(f, &c, NULL, "active", -1, "{\"v\":1,\"cmd\":\"resume\",\"cwd\":\"%s\"}",
		 f->plain);
	exchange(f, &c, PROTO_ERR_BAD_STATE, NULL, -1,
		 "{\"v\":1,\"cmd\":\"resume\",\"cwd\":\"%s\"}", f->plain);

	r = request(f, &c, "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"%s\",\"summary\":\"done\"}",
		    f->plain);
	expect_ok(r);
	assert_string_equal(str_at(r, "session", "state"), "stopped");
	snprintf(log, sizeof(log), "%s/logs/plain/", f->t.dir);
	assert_non_null(str_at(r, "log", NULL));
	assert_int_equal(strncmp(str_at(r, "log", NULL), log, strlen(log)), 0);
	assert_int_equal(access(str_at(r, "log", NULL), F_OK), 0);
	assert_null(json_object_get(r, "log_commit"));
	json_decref(r);

	exchange(f, &c, PROTO_ERR_NO_SESSION, NULL, -1, "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"%s\"}",
		 f->plain);
	exchange(f, &c, NULL, NULL, 0, "{\"v\":1,\"cmd\":\"status\"}");
	r = request(f, &c, "{\"v\":1,\"cmd\":\"list\"}");
	expect_ok(r);
	assert_int_equal(nsessions(r), 1);
	assert_string_equal(
	    str_at(json_array_get(json_object_get(r, "sessions"), 0), "state", NULL), "stopped");
	json_decref(r);
	client_close(&c);
}

/* --- a request for a busy session --------------------------------------------------------- */

/*
 * Opens clients a and b, and on a starts a session in f->plain and a stop whose [checks] wait
 * for f->gate: the session is busy until the test creates the gate. Returns the session.
 */
static struct session *stop_in_flight(struct fixture *f, struct client *a, struct client *b)
{
	double end = now_s() + 60;
	struct session *s;
	json_t *r;

	testdaemon_config(
	    &f->t,
	    "[log]\ndir = %s/logs/{repo_name}\n"
	    "[checks]\ngate = while [ ! -e '%s' ]; do sleep 0.02; done; echo opened\n",
	    f->t.dir, f->gate);
	client_open(f, a);
	client_open(f, b);
	r = request(f, a, "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"%s\"}", f->plain);
	expect_ok(r);
	json_decref(r);
	s = sessions_find_root(&f->t.d, f->plain);
	assert_non_null(s);
	client_send(a, "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"%s\",\"summary\":\"in flight\"}",
		    f->plain);
	while (!s->busy) {
		if (now_s() > end)
			fail_msg("the stop never started");
		uv_run(&f->t.loop, UV_RUN_NOWAIT);
	}
	return s;
}

/* Lets the stop finish and checks it closed the session and wrote its log. */
static void stop_lands(struct fixture *f, struct client *a, int64_t id)
{
	json_t *r;

	testutil_write_file(f->t.dir, "gate", "");
	r = client_reply(f, a);
	expect_ok(r);
	assert_string_equal(str_at(r, "session", "state"), "stopped");
	assert_int_equal(access(str_at(r, "log", NULL), F_OK), 0);
	json_decref(r);
	assert_null(sessions_find_id(&f->t.d, id));
	r = testdaemon_stored_closed(&f->t);
	assert_int_equal(json_array_size(r), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "id")), id);
	json_decref(r);
}

/* A note for a session that is stopping waits, then finds the session gone. */
static void test_busy_session_parks_request(void **state)
{
	struct fixture *f = *state;
	double end = now_s() + 60;
	struct client a, b;
	struct session *s;
	int64_t id;
	json_t *r;

	s = stop_in_flight(f, &a, &b);
	id = s->id;
	client_send(&b, "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"%s\",\"text\":\"late\"}", f->plain);
	while (!s->waiting_head) {
		if (now_s() > end)
			fail_msg("the note was never parked");
		uv_run(&f->t.loop, UV_RUN_NOWAIT);
	}
	client_no_reply(f, &b);
	assert_true(s->busy);

	stop_lands(f, &a, id);
	r = client_reply(f, &b);
	expect_error(r, PROTO_ERR_NO_SESSION);
	json_decref(r);
	client_close(&a);
	client_close(&b);
}

/*
 * Issue 11, bug 2: when the place in the queue cannot be allocated, the request gets an
 * internal error at once and the stop in flight goes on undisturbed.
 */
static void test_busy_session_park_fails(void **state)
{
	struct fixture *f = *state;
	struct client a, b;
	struct session *s;
	int64_t id;
	json_t *r;

	s = stop_in_flight(f, &a, &b);
	id = s->id;
	/* b is accepted and served before the allocation is aimed at. */
	exchange(f, &b, NULL, NULL, -1, "{\"v\":1,\"cmd\":\"ping\"}");

	calloc_failed = 0;
	calloc_fail_size = sizeof(struct parked_layout);
	r = request(f, &b, "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"%s\",\"text\":\"late\"}", f->plain);
	if (calloc_failed != 1)
		fail_msg("the parked request's allocation (%zu bytes) was not made; has struct "
			 "cmd_parked changed?",
			 sizeof(struct parked_layout));
	expect_error(r, PROTO_ERR_INTERNAL);
	assert_non_null(strstr(str_at(r, "error", "message"), "queueing"));
	json_decref(r);
	/* The stop is still the one operation on the session, nothing waits behind it. */
	assert_ptr_equal(sessions_find_id(&f->t.d, id), s);
	assert_true(s->busy);
	assert_null(s->waiting_head);
	assert_int_equal(s->nevents, 1);
	/* b is served on; a's stop ends as it would have. */
	exchange(f, &b, NULL, NULL, 1, "{\"v\":1,\"cmd\":\"status\",\"cwd\":\"%s\"}", f->plain);
	stop_lands(f, &a, id);
	client_close(&a);
	client_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_commands, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_session_parks_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_session_park_fails, setup, teardown),
	};
	int rc;

	testdaemon_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	testdaemon_global_shutdown();
	return rc;
}
