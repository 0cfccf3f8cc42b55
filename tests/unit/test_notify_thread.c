#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "notify_thread.h"

/*
 * Two ways to run:
 *  - alone (ctest): no bus. stintd keeps working without one, and survives a private bus that
 *    this test starts and kills (dbus-daemon needed, else those tests skip).
 *  - inside tests/integration/notify-lib.sh (bash notify-lib.sh build/bin/test_notify): a real
 *    dunst; what it shows is read back from its recorder, actions are invoked through it.
 * `test_notify --idle SECONDS` connects, shows one notification and then idles, for measuring
 * the thread's idle cost (strace -f -c).
 */

static bool with_dunst;
static char runtime_dir[] = "/tmp/test_notify.XXXXXX";

struct fixture {
	uv_loop_t loop;
	struct notifier *n;
	unsigned actions;
	uint64_t action_id;
	char action[64];
	bool action_on_loop_thread;
	uv_thread_t loop_thread;
	unsigned probes_ended; /* on_sent calls with id 0 */
	char state_at_probe[32];
};

static void on_action(void *arg, uint64_t id, const char *action)
{
	struct fixture *f = arg;
	uv_thread_t self = uv_thread_self();

	f->actions++;
	f->action_id = id;
	snprintf(f->action, sizeof(f->action), "%s", action);
	f->action_on_loop_thread = uv_thread_equal(&self, &f->loop_thread);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	f->loop_thread = uv_thread_self();
	f->n = notify_thread_create(&f->loop, on_action, f);
	assert_non_null(f->n);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	notify_thread_destroy(f->n);
	/* The close callback frees the notifier; then nothing is left on the loop. */
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	free(f);
	return 0;
}

struct waiter {
	struct fixture *f;
	bool (*cond)(struct fixture *, void *);
	void *arg;
	int ticks_left;
	bool met;
};

static void tick(uv_timer_t *t)
{
	struct waiter *w = t->data;

	w->met = w->cond(w->f, w->arg);
	if (w->met || w->ticks_left-- <= 0)
		uv_stop(t->loop);
}

/*
 * Runs the loop until cond holds or ms pass. A timer keeps the loop running: the notifier's
 * handle never does.
 */
static bool run_until(struct fixture *f, bool (*cond)(struct fixture *, void *), void *arg, int ms)
{
	struct waiter w = {f, cond, arg, ms / 10, false};
	uv_timer_t t;

	uv_timer_init(&f->loop, &t);
	t.data = &w;
	uv_timer_start(&t, tick, 0, 10);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	return w.met;
}

static bool state_is(struct fixture *f, void *want)
{

	return strcmp(notify_thread_state(f->n, NULL), want) == 0;
}

static bool reason_has(struct fixture *f, void *want)
{
	const char *reason;

	notify_thread_state(f->n, &reason);
	return reason && strstr(reason, want);
}

static const char *reason_of(struct fixture *f)
{
	const char *reason;

	notify_thread_state(f->n, &reason);
	return reason ? reason : "(none)";
}

static void test_disabled_is_null(void **state)
{
	const char *reason = "x";

	(void)state;
	assert_string_equal(notify_thread_state(NULL, &reason), "disabled");
	assert_null(reason);
	assert_int_equal(notify_thread_send(NULL, &(struct notify_msg){.summary = "x"}), 0);
	notify_thread_close_id(NULL, 1);
	notify_thread_destroy(NULL);
}

static void on_sent(void *arg, uint64_t id, const char *error)
{
	struct fixture *f = arg;

	if (id != 0)
		return;
	assert_null(error);
	f->probes_ended++;
	snprintf(f->state_at_probe, sizeof(f->state_at_probe), "%s",
		 notify_thread_state(f->n, NULL));
}

static bool probes_ended(struct fixture *f, void *arg)
{
	(void)arg;
	return f->probes_ended > 0;
}

/*
 * Until the first attempt to reach a server ends, the state is "connecting", never
 * "unavailable"; its end is told to on_sent with id 0, with the state already up to date.
 */
static void test_connecting_until_first_attempt(void **state)
{
	struct fixture *f = *state;
	const char *reason;

	notify_thread_set_sent_cb(f->n, on_sent);
	/* The loop has not run: whatever the thread did is not seen yet. */
	assert_string_equal(notify_thread_state(f->n, &reason), "connecting");
	assert_non_null(reason);
	assert_true(run_until(f, probes_ended, NULL, 5000));
	assert_int_equal(f->probes_ended, 1);
	assert_string_equal(f->state_at_probe, with_dunst ? "ok" : "unavailable");
	assert_string_equal(notify_thread_state(f->n, NULL), f->state_at_probe);
}

static void test_only_one_notifier(void **state)
{
	struct fixture *f = *state;

	assert_null(notify_thread_create(&f->loop, NULL, NULL));
}

static void test_no_bus(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "lost"};
	uint64_t a, b;

	if (with_dunst)
		skip();
	assert_true(run_until(f, state_is, "unavailable", 5000));
	assert_true(reason_has(f, "no session bus"));
	assert_true(reason_has(f, runtime_dir));
	/* Sending still works as far as the caller can tell: ids, no error, nothing shown. */
	a = notify_thread_send(f->n, &msg);
	b = notify_thread_send(f->n, &msg);
	assert_int_not_equal(a, 0);
	assert_int_equal(b, a + 1);
	notify_thread_close_id(f->n, a);
	notify_thread_retry(f->n);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_string_equal(notify_thread_state(f->n, NULL), "unavailable");
}

/* A private dbus-daemon listening on path, or -1 (then the caller skips). */
static pid_t start_bus(const char *path)
{
	char conf[PATH_MAX], arg[PATH_MAX + 32];
	int fd[2];
	pid_t pid;
	FILE *f;
	char addr[512] = "";

	snprintf(conf, sizeof(conf), "%s/bus.conf", runtime_dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
		"<busconfig><type>session</type><listen>unix:path=%s</listen>"
		"<auth>EXTERNAL</auth><policy context=\"default\">"
		"<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
		"<allow own=\"*\"/></policy></busconfig>\n",
		path);
	fclose(f);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		snprintf(arg, sizeof(arg), "--config-file=%s", conf);
		dup2(fd[1], 3);
		execlp("dbus-daemon", "dbus-daemon", arg, "--nofork", "--nopidfile",
		       "--print-address=3", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	/* The address line says it listens; EOF without one: no dbus-daemon. */
	if (read(fd[0], addr, sizeof(addr) - 1) <= 0) {
		close(fd[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(fd[0]);
	return pid;
}

static void stop_bus(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void test_bus_without_server_then_bus_gone(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "nobody listens"};
	char path[PATH_MAX], addr[PATH_MAX + 16];
	pid_t bus_pid;

	if (with_dunst)
		skip();
	assert_true(run_until(f, state_is, "unavailable", 5000));
	snprintf(path, sizeof(path), "%s/private-bus", runtime_dir);
	bus_pid = start_bus(path);
	if (bus_pid < 0)
		skip();
	/* The address is read again at the next attempt. */
	snprintf(addr, sizeof(addr), "unix:path=%s", path);
	setenv("DBUS_SESSION_BUS_ADDRESS", addr, 1);
	notify_thread_send(f->n, &msg);
	assert_true(run_until(f, reason_has, "no notification server", 5000));
	/* The bus goes away: GDBus would raise(SIGTERM) by default; we carry on. */
	stop_bus(bus_pid);
	assert_true(run_until(f, reason_has, "the session bus closed", 5000));
	notify_thread_send(f->n, &msg);
	assert_true(run_until(f, reason_has, "cannot connect to the session bus", 5000));
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	notify_thread_retry(f->n);
	assert_true(run_until(f, reason_has, "no session bus", 5000));
}

static void test_bus_appears_at_the_default_path(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	pid_t bus_pid;

	if (with_dunst)
		skip();
	assert_true(run_until(f, reason_has, "no session bus", 5000));
	/* systemd --user's bus, started after stintd: $XDG_RUNTIME_DIR/bus. */
	snprintf(path, sizeof(path), "%s/bus", runtime_dir);
	bus_pid = start_bus(path);
	if (bus_pid < 0)
		skip();
	notify_thread_retry(f->n);
	assert_true(run_until(f, reason_has, "no notification server", 5000));
	stop_bus(bus_pid);
	unlink(path);
}

/* The record of what dunst showed with this summary (the Nth such), or NULL. */
static json_t *dunst_record(const char *summary)
{
	char path[PATH_MAX], line[8192];
	json_t *found = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/received.jsonl", getenv("STINT_NOTIFY_DIR"));
	fp = fopen(path, "r");
	if (!fp)
		return NULL;
	while (fgets(line, sizeof(line), fp)) {
		json_t *rec = json_loads(line, 0, NULL);
		const char *s = json_string_value(json_object_get(rec, "summary"));

		if (s && strcmp(s, summary) == 0) {
			json_decref(found);
			found = rec;
		} else {
			json_decref(rec);
		}
	}
	fclose(fp);
	return found;
}

static bool dunst_has(struct fixture *f, void *summary)
{
	json_t *rec = dunst_record(summary);

	json_decref(rec);
	return rec != NULL;
}

static json_t *wait_dunst_record(struct fixture *f, const char *summary)
{
	assert_true(run_until(f, dunst_has, (void *)summary, 10000));
	return dunst_record(summary);
}

static void test_shown_by_dunst(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "Session closed: parser",
				 .body = "2h 05m active \xc2\xb7 3 commits\n/tmp/log & <notes>.md",
				 .icon = "document-save",
				 .category = "x-stint.summary",
				 .urgency = NOTIFY_CRITICAL,
				 .timeout_ms = 60000};
	json_t *rec;

	if (!with_dunst)
		skip();
	assert_int_not_equal(notify_thread_send(f->n, &msg), 0);
	rec = wait_dunst_record(f, "Session closed: parser");
	assert_string_equal(json_string_value(json_object_get(rec, "appname")), "stint");
	/* dunst reads markup: the body went escaped, and reads back as sent. */
	assert_string_equal(json_string_value(json_object_get(rec, "body")),
			    "2h 05m active \xc2\xb7 3 commits\n/tmp/log &amp; &lt;notes&gt;.md");
	assert_string_equal(json_string_value(json_object_get(rec, "icon")), "document-save");
	assert_string_equal(json_string_value(json_object_get(rec, "category")), "x-stint.summary");
	assert_string_equal(json_string_value(json_object_get(rec, "urgency")), "CRITICAL");
	assert_string_equal(json_string_value(json_object_get(rec, "timeout")), "60000");
	json_decref(rec);
	assert_string_equal(notify_thread_state(f->n, NULL), "ok");
	assert_non_null(notify_thread_server(f->n));
	assert_non_null(strstr(notify_thread_server(f->n), "dunst"));
}

static void test_invalid_utf8_is_repaired(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "repo \xff\xfe name", .body = "x"};
	json_t *rec;

	if (!with_dunst)
		skip();
	notify_thread_send(f->n, &msg);
	rec = wait_dunst_record(f, "repo \xef\xbf\xbd\xef\xbf\xbd name");
	/* A zeroed message: normal urgency, the server's timeout (dunst's rule here: none). */
	assert_string_equal(json_string_value(json_object_get(rec, "urgency")), "NORMAL");
	assert_string_equal(json_string_value(json_object_get(rec, "timeout")), "0");
	json_decref(rec);
}

static bool got_action(struct fixture *f, void *arg)
{
	return f->actions > 0;
}

/* Through dunst's context menu, as a user would: notify-lib.sh's dunst_invoke_action. */
static void invoke(json_t *rec, const char *action)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "bash -c '. \"$STINT_NOTIFY_LIB\" && dunst_invoke_action %lld %s'",
		 (long long)json_integer_value(json_object_get(rec, "id")), action);
	assert_int_equal(system(cmd), 0);
}

static void test_action_comes_back_on_the_loop(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "No activity in web for 15m",
				 .body = "Stop or keep?",
				 .actions = {{"stop", "Stop"}, {"keep", "Keep"}}};
	uint64_t id;
	json_t *rec;

	if (!with_dunst)
		skip();
	id = notify_thread_send(f->n, &msg);
	rec = wait_dunst_record(f, msg.summary);
	invoke(rec, "keep");
	json_decref(rec);
	assert_true(run_until(f, got_action, NULL, 10000));
	assert_int_equal(f->actions, 1);
	assert_int_equal(f->action_id, id);
	assert_string_equal(f->action, "keep");
	assert_true(f->action_on_loop_thread);
}

static bool file_has(struct fixture *f, void *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_size > 0;
}

static void test_open_action_runs_xdg_open(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "Session closed: open me",
				 .body = "1m active",
				 .open_path = "/tmp/some log.md",
				 .actions = {{NOTIFY_ACTION_OPEN, "Open log"}}};
	char dir[1024], script[PATH_MAX], out[PATH_MAX], path_env[8192], got[256] = "";
	json_t *rec;
	FILE *fp;

	if (!with_dunst)
		skip();
	/* A fake xdg-open first on PATH, which writes down its argument. */
	snprintf(dir, sizeof(dir), "%s/bin", getenv("STINT_NOTIFY_DIR"));
	mkdir(dir, 0700);
	snprintf(script, sizeof(script), "%s/xdg-open", dir);
	snprintf(out, sizeof(out), "%s/xdg-open.out", getenv("STINT_NOTIFY_DIR"));
	fp = fopen(script, "w");
	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\nprintf '%%s' \"$1\" >'%s.tmp' && mv '%s.tmp' '%s'\n", out, out,
		out);
	fclose(fp);
	chmod(script, 0755);
	snprintf(path_env, sizeof(path_env), "%s:%s", dir, getenv("PATH"));
	setenv("PATH", path_env, 1);

	notify_thread_send(f->n, &msg);
	rec = wait_dunst_record(f, msg.summary);
	invoke(rec, "open");
	json_decref(rec);
	assert_true(run_until(f, got_action, NULL, 10000));
	assert_string_equal(f->action, "open");
	assert_true(run_until(f, file_has, out, 10000));
	fp = fopen(out, "r");
	assert_non_null(fgets(got, sizeof(got), fp));
	fclose(fp);
	assert_string_equal(got, "/tmp/some log.md");
}

static int displayed(void)
{
	FILE *p = popen("dunstctl count displayed", "r");
	int n = -1;

	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static bool displayed_is(struct fixture *f, void *want)
{
	return displayed() == *(int *)want;
}

static void test_close_id(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "close me"};
	int before, after;
	uint64_t id;

	if (!with_dunst)
		skip();
	before = displayed();
	id = notify_thread_send(f->n, &msg);
	json_decref(wait_dunst_record(f, "close me"));
	after = before + 1;
	assert_true(run_until(f, displayed_is, &after, 5000));
	notify_thread_close_id(f->n, id);
	assert_true(run_until(f, displayed_is, &before, 5000));
}

static void test_address_read_again_at_each_attempt(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "after the bus came"};
	char *real;

	if (!with_dunst)
		skip();
	/* This notifier was created while the address was right: start over with a wrong one. */
	notify_thread_destroy(f->n);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	real = strdup(getenv("DBUS_SESSION_BUS_ADDRESS"));
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
	f->n = notify_thread_create(&f->loop, on_action, f);
	assert_true(run_until(f, reason_has, "cannot connect to the session bus", 5000));
	setenv("DBUS_SESSION_BUS_ADDRESS", real, 1);
	free(real);
	notify_thread_send(f->n, &msg);
	json_decref(wait_dunst_record(f, "after the bus came"));
	assert_string_equal(notify_thread_state(f->n, NULL), "ok");
}

static pid_t start_dunst(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("DISPLAY", getenv("STINT_NOTIFY_DISPLAY"), 1);
		execlp("dunst", "dunst", "-config", getenv("STINT_NOTIFY_DUNSTRC"), (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Last: it replaces notify-lib.sh's dunst with its own. */
static void test_server_goes_and_comes_back(void **state)
{
	struct fixture *f = *state;
	struct notify_msg msg = {.summary = "before"};
	pid_t old, dunst;

	if (!with_dunst)
		skip();
	notify_thread_send(f->n, &msg);
	json_decref(wait_dunst_record(f, "before"));
	old = (pid_t)atoi(getenv("STINT_NOTIFY_DUNST_PID"));
	assert_int_equal(kill(old, SIGTERM), 0);
	assert_true(run_until(f, reason_has, "the notification server went away", 5000));
	dunst = start_dunst();
	/* Seen coming back (NameOwnerChanged), without a send to prompt it. */
	if (!run_until(f, state_is, "ok", 10000))
		fail_msg("state stayed unavailable: %s", reason_of(f));
	msg.summary = "after";
	notify_thread_send(f->n, &msg);
	json_decref(wait_dunst_record(f, "after"));
	kill(dunst, SIGTERM);
	waitpid(dunst, NULL, 0);
}

static void stop_loop(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static int idle_mode(int seconds)
{
	struct fixture *f;
	struct notify_msg msg = {.summary = "idle measurement", .actions = {{"stop", "Stop"}}};
	uv_timer_t t;

	setup((void **)&f);
	notify_thread_send(f->n, &msg);
	run_until(f, state_is, "ok", 5000);
	fprintf(stderr, "test_notify: %s (%s); idle for %d s\n", notify_thread_state(f->n, NULL),
		reason_of(f), seconds);
	uv_timer_init(&f->loop, &t);
	uv_timer_start(&t, stop_loop, (uint64_t)seconds * 1000, 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	teardown((void **)&f);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_disabled_is_null),
	    cmocka_unit_test_setup_teardown(test_only_one_notifier, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connecting_until_first_attempt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_bus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bus_without_server_then_bus_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bus_appears_at_the_default_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shown_by_dunst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_utf8_is_repaired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_action_comes_back_on_the_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_action_runs_xdg_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_address_read_again_at_each_attempt, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_server_goes_and_comes_back, setup, teardown),
	};
	int rc;

	with_dunst = getenv("STINT_NOTIFY_DIR") && getenv("DBUS_SESSION_BUS_ADDRESS");
	if (argc == 3 && strcmp(argv[1], "--idle") == 0)
		return idle_mode(atoi(argv[2]));
	if (!with_dunst) {
		/* No bus anywhere: not inherited, not at the default path (GLib caches that). */
		assert_non_null(mkdtemp(runtime_dir));
		setenv("XDG_RUNTIME_DIR", runtime_dir, 1);
		unsetenv("DBUS_SESSION_BUS_ADDRESS");
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (!with_dunst) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", runtime_dir);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}
