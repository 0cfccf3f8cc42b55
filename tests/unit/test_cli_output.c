#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "testutil.h"

/* 2026-11-25 15:00:00 UTC; the tests run with TZ=UTC. */
#define NOW_MS 1795618800000LL

/* The protocol document's example session, started 13:05 UTC today. */
static json_t *session(void)
{
	return testutil_json(
	    "{\"id\": 7, \"repo\": \"/home/me/src/stint\", \"repo_name\": \"stint\","
	    " \"branch\": \"main\", \"focus\": \"socket server\", \"tags\": [\"c\"],"
	    " \"state\": \"active\", \"started_at\": \"2026-11-25T14:05:09+01:00\","
	    " \"ended_at\": null, \"active_s\": 3725, \"wall_s\": 4100, "
	    "\"paused_s\": 375,"
	    " \"notes\": 2, \"todos\": 1, \"decisions\": 0, \"recovered\": false,"
	    " \"log\": null}");
}

static void test_home_path(void **state)
{
	char buf[256];

	output_home_path("/home/me/src/x", "/home/me", buf, sizeof(buf));
	assert_string_equal(buf, "~/src/x");
	output_home_path("/home/me", "/home/me", buf, sizeof(buf));
	assert_string_equal(buf, "~");
	output_home_path("/home/me/src/x", "/home/me/", buf, sizeof(buf));
	assert_string_equal(buf, "~/src/x");
	/* A sibling sharing the prefix is not under home. */
	output_home_path("/home/meow/x", "/home/me", buf, sizeof(buf));
	assert_string_equal(buf, "/home/meow/x");
	output_home_path("/srv/x", "/home/me", buf, sizeof(buf));
	assert_string_equal(buf, "/srv/x");
	output_home_path("/home/me/x", NULL, buf, sizeof(buf));
	assert_string_equal(buf, "/home/me/x");
	output_home_path("/etc", "/", buf, sizeof(buf));
	assert_string_equal(buf, "/etc");
	output_home_path("/home/me/x", "relative", buf, sizeof(buf));
	assert_string_equal(buf, "/home/me/x");
	/* Truncation keeps the buffer terminated. */
	output_home_path("/home/me/abcdefgh", "/home/me", buf, 6);
	assert_string_equal(buf, "~/abc");
}

static void test_parse_time(void **state)
{
	int64_t ms = 0;

	assert_int_equal(output_parse_time("2026-11-25T14:05:09+01:00", &ms), 0);
	assert_int_equal(ms, 1795611909000LL);
	assert_int_equal(output_parse_time("2026-11-25T13:05:09.250Z", &ms), 0);
	assert_int_equal(ms, 1795611909250LL);
	assert_int_equal(output_parse_time("2026-11-24T21:30:00-05:30", &ms), 0);
	assert_int_equal(ms, 1795575600000LL);
	assert_int_equal(output_parse_time("2000-02-29T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 951782400000LL);
	assert_int_equal(output_parse_time("1969-12-31T23:59:59Z", &ms), 0);
	assert_int_equal(ms, -1000);
	assert_int_equal(output_parse_time("2026-11-25 13:05:09z", &ms), 0);
	assert_int_equal(ms, 1795611909000LL);

	assert_int_equal(output_parse_time(NULL, &ms), -EINVAL);
	assert_int_equal(output_parse_time("", &ms), -EINVAL);
	assert_int_equal(output_parse_time("2026-11-25", &ms), -EINVAL);
	assert_int_equal(output_parse_time("2026-11-25T14:05:09", &ms), -EINVAL);
	assert_int_equal(output_parse_time("2026-11-25T14:05:09+01", &ms), -EINVAL);
	assert_int_equal(output_parse_time("2026-11-25T14:05:09Zjunk", &ms), -EINVAL);
	assert_int_equal(output_parse_time("2026-13-25T14:05:09Z", &ms), -EINVAL);
	assert_int_equal(output_parse_time("2026-11-25T24:05:09Z", &ms), -EINVAL);
	assert_int_equal(output_parse_time("2026-11-25T14:05:09.Z", &ms), -EINVAL);
}

static void test_when(void **state)
{
	char buf[64];

	output_when(1795611909000LL, NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "13:05");
	output_when(1795575600000LL, NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "03:00");
	output_when(1795575600000LL - 4 * 3600 * 1000, NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24 23:00");
}

static void test_session_line_git_and_idle(void **state)
{
	char buf[OUTPUT_LINE_MAX];
	json_t *s = session();

	(void)state;
	json_object_set_new(s, "commits", json_integer(1));
	json_object_set_new(s, "files_changed", json_integer(7));
	json_object_set_new(s, "added", json_integer(240));
	json_object_set_new(s, "removed", json_integer(30));
	json_object_set_new(s, "idle_s", json_integer(900));
	json_object_set_new(s, "watch", json_string("degraded"));
	output_session_line(s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "[active] ~/src/stint on main: \"socket server\", 1h 02m active, "
				 "started 13:05; 1 commit, 7 files +240 -30 (15m idle) [watch "
				 "degraded: rescanning periodically]");
	json_decref(s);
}

static void test_session_line(void **state)
{
	char buf[OUTPUT_LINE_MAX];
	json_t *s = session();

	output_session_line(s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "[active] ~/src/stint on main: \"socket server\", 1h 02m active, "
				 "started 13:05");

	json_object_set_new(s, "state", json_string("paused"));
	json_object_set_new(s, "branch", json_null());
	json_object_set_new(s, "focus", json_null());
	json_object_set_new(s, "active_s", json_integer(45));
	output_session_line(s, NULL, NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "[paused] /home/me/src/stint, 45s active, started 13:05");
	/* A session activity started says so: the user did not type stint start. */
	json_object_set_new(s, "auto_started", json_true());
	output_session_line(s, NULL, NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "[paused] /home/me/src/stint, 45s active, auto-started 13:05");
	json_object_del(s, "auto_started");

	/* Absent fields read as null; started_at may come as milliseconds, from
	 * another day. */
	json_object_del(s, "branch");
	json_object_del(s, "focus");
	json_object_set_new(s, "started_at", json_integer(1795575600000LL - 86400000));
	output_session_line(s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "[paused] ~/src/stint, 45s active, started 2026-11-24 03:00");

	json_object_set_new(s, "branch", json_string("detached at abc1234"));
	json_object_set_new(s, "started_at", json_string("yesterday"));
	output_session_line(s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "[paused] ~/src/stint on detached at abc1234, 45s active, "
				 "started ?");
	json_decref(s);
}

static void test_session_line_long(void **state)
{
	char path[4097], buf[OUTPUT_LINE_MAX], small[32];
	json_t *s = session();

	path[0] = '/';
	memset(path + 1, 'p', sizeof(path) - 2);
	path[sizeof(path) - 1] = '\0';
	json_object_set_new(s, "repo", json_string(path));
	output_session_line(s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "[active] /ppp", 13), 0);
	assert_non_null(strstr(buf, "p on main: \"socket server\", 1h 02m active, started 13:05"));
	assert_int_equal(strlen(buf), 9 + 4096 + 55);

	/* A short buffer gets a clean cut. */
	output_session_line(s, "/home/me", NOW_MS, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(strncmp(small, "[active] /pppp", 14), 0);
	json_decref(s);
}

static void test_confirm(void **state)
{
	char buf[OUTPUT_LINE_MAX];
	json_t *s = session();

	output_confirm(PROTO_CMD_START, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Started \"socket server\" in ~/src/stint on main at 13:05");
	output_confirm(PROTO_CMD_STOP, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Stopped \"socket server\" after 1h 02m active.");
	output_confirm(PROTO_CMD_PAUSE, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Paused \"socket server\" (1h 02m active so far).");
	output_confirm(PROTO_CMD_NOTE, "learning", s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Learning added to \"socket server\".");
	output_confirm(PROTO_CMD_NOTE, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Note added to \"socket server\".");

	json_object_set_new(s, "focus", json_null());
	output_confirm(PROTO_CMD_START, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Started session in ~/src/stint on main at 13:05");
	json_object_set_new(s, "branch", json_null());
	output_confirm(PROTO_CMD_START, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Started session in ~/src/stint at 13:05");
	json_object_set_new(s, "active_s", json_integer(7500));
	output_confirm(PROTO_CMD_STOP, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Stopped session in ~/src/stint after 2h 05m active.");
	output_confirm(PROTO_CMD_CANCEL, NULL, s, NULL, NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Cancelled session in /home/me/src/stint after 2h 05m active; "
				 "no log written.");
	output_confirm(PROTO_CMD_TODO, NULL, s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Todo added to session in ~/src/stint.");
	output_confirm(PROTO_CMD_TODO, "next", s, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "Todo for the next session added to session in ~/src/stint.");
	json_decref(s);
}

static void test_already_running(void **state)
{
	char buf[OUTPUT_LINE_MAX];
	json_t *s = session();

	output_already_running(s, "/home/me/src/stint/daemon", "/home/me", NOW_MS, buf,
			       sizeof(buf));
	assert_string_equal(buf, "stint: \"socket server\" is already running in ~/src/stint "
				 "(started 13:05)\n"
				 "stint: stop it with: stint stop\n");

	output_already_running(s, "/home/me/src/stint2", "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "stint: \"socket server\" is already running in ~/src/stint "
				 "(started 13:05)\n"
				 "stint: stop it with: stint stop -C ~/src/stint\n");

	json_object_set_new(s, "focus", json_null());
	json_object_set_new(s, "repo", json_string("/srv/my repo's"));
	json_object_set_new(s, "started_at", json_string("2026-11-24T09:30:00Z"));
	output_already_running(s, NULL, "/home/me", NOW_MS, buf, sizeof(buf));
	assert_string_equal(buf, "stint: a session is already running in /srv/my repo's "
				 "(started 2026-11-24 09:30)\n"
				 "stint: stop it with: stint stop -C '/srv/my repo'\\''s'\n");
	json_decref(s);
}

static void test_daemon_line(void **state)
{
	char buf[256];
	json_t *d = testutil_json("{\"pid\": 4242, \"version\": \"0.1.0\", \"uptime_s\": 3900}");

	output_daemon_line(d, buf, sizeof(buf));
	assert_string_equal(buf, "stintd 0.1.0, pid 4242, up 1h 05m");
	json_decref(d);
}

static char *capture_list(const json_t *sessions)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	output_list(f, sessions);
	fclose(f);
	return text;
}

static void test_list(void **state)
{
	json_t *list = testutil_json(
	    "[{\"id\": 12, \"branch\": \"main\", \"tags\": [\"api\", \"v2\"], "
	    "\"repo\": \"/home/me/src/stint\", \"repo_name\": \"stint\", "
	    "\"focus\": \"socket "
	    "server\", \"state\": \"stopped\", \"started_at\": "
	    "\"2026-11-24T09:00:00Z\", "
	    "\"active_s\": 7500, \"log\": \"/home/me/logs/a.md\"},"
	    " {\"id\": 9, \"repo\": \"/tmp/x\", \"repo_name\": \"x\", \"focus\": null, "
	    "\"state\": "
	    "\"cancelled\", \"started_at\": \"2026-11-23T18:30:00Z\", "
	    "\"active_s\": 45, \"log\": "
	    "null},"
	    " {\"repo\": \"/srv/\xc3\xbc"
	    "ber\", \"repo_name\": \"\xc3\xbc"
	    "ber\", \"focus\": \"a focus far longer than the forty columns a "
	    "list gives it\", "
	    "\"state\": \"stopped\", \"started_at\": 1764000000000, "
	    "\"active_s\": 360000}]");
	char *text = capture_list(list);

	/* The id, the branch and the tags ("-" for none; "#?" for a row without an id). */
	assert_string_equal(
	    text, "#12  2026-11-24 09:00    2h 05m  stint  main  \"socket server\"        "
		  "                   +api +v2  /home/me/logs/a.md\n"
		  " #9  2026-11-23 18:30       45s  x      -     -                        "
		  "                 -         (cancelled)\n"
		  " #?  2025-11-24 16:00  100h 00m  \xc3\xbc"
		  "ber   -     \"a focus far longer than the forty co...  -         "
		  "(no log)\n");
	free(text);
	json_decref(list);

	list = json_array();
	text = capture_list(list);
	assert_string_equal(text, "");
	free(text);
	json_decref(list);
}

static void test_log_commit(void **state)
{
	char buf[256];
	json_t *lc =
	    testutil_json("{\"committed\": true, \"message\": \"committed the log on main\"}");

	assert_int_equal(output_log_commit(lc, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "Committed the log on main.");
	json_decref(lc);
	lc = testutil_json(
	    "{\"committed\": false, \"message\": \"left uncommitted: other changes are "
	    "staged in /r\"}");
	assert_int_equal(output_log_commit(lc, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "left uncommitted: other changes are staged in /r");
	json_decref(lc);
	lc = testutil_json("{\"committed\": false}");
	assert_int_equal(output_log_commit(lc, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "the log is left uncommitted");
	json_decref(lc);
	/* Nothing to say without the member, or with a malformed one. */
	assert_int_equal(output_log_commit(NULL, buf, sizeof(buf)), -1);
	lc = testutil_json("{\"committed\": \"yes\", \"message\": \"x\"}");
	assert_int_equal(output_log_commit(lc, buf, sizeof(buf)), -1);
	json_decref(lc);
}

static void test_valid_date(void **state)
{
	assert_true(output_valid_date("2026-11-25"));
	assert_true(output_valid_date("2024-02-29"));
	assert_true(output_valid_date("2000-02-29"));
	assert_true(output_valid_date("2026-12-31"));
	assert_true(output_valid_date("2026-01-01"));

	assert_false(output_valid_date(NULL));
	assert_false(output_valid_date(""));
	assert_false(output_valid_date("2026-02-29"));
	assert_false(output_valid_date("1900-02-29"));
	assert_false(output_valid_date("2026-04-31"));
	assert_false(output_valid_date("2026-13-01"));
	assert_false(output_valid_date("2026-00-10"));
	assert_false(output_valid_date("2026-11-00"));
	assert_false(output_valid_date("2026-11-5"));
	assert_false(output_valid_date("2026-11-25x"));
	assert_false(output_valid_date("2026/11/25"));
	assert_false(output_valid_date("26-11-25"));
	assert_false(output_valid_date("--last"));
}

/* A list reply's sessions, newest first (by stop), as stintd sends them. */
static json_t *closed_sessions(void)
{
	return testutil_json(
	    "["
	    "{\"started_at\": \"2026-11-25T16:00:00Z\", \"log\": null},"
	    "{\"started_at\": \"2026-11-25T13:00:00Z\", \"log\": \"/l/2026-11-25-2.md\"},"
	    "{\"started_at\": \"2026-11-24T23:30:00Z\", \"log\": \"/l/2026-11-24-2.md\"},"
	    "{\"started_at\": \"2026-11-25T09:00:00Z\", \"log\": \"/l/2026-11-25.md\"},"
	    "{\"started_at\": \"2026-11-24T08:00:00Z\", \"log\": \"/l/2026-11-24.md\"},"
	    "{\"started_at\": \"bad\", \"log\": \"/l/bad.md\"},"
	    "{\"started_at\": \"2026-11-23T08:00:00Z\"}"
	    "]");
}

static void test_select_logs(void **state)
{
	const char *paths[8];
	json_t *list = closed_sessions(), *empty = json_array();

	/* The newest log: the first session that has one. */
	assert_int_equal(output_select_logs(list, NULL, paths, 8), 1);
	assert_string_equal(paths[0], "/l/2026-11-25-2.md");

	/* A day's logs, oldest first by start, whatever order they stopped in. */
	assert_int_equal(output_select_logs(list, "2026-11-25", paths, 8), 2);
	assert_string_equal(paths[0], "/l/2026-11-25.md");
	assert_string_equal(paths[1], "/l/2026-11-25-2.md");
	assert_int_equal(output_select_logs(list, "2026-11-24", paths, 8), 2);
	assert_string_equal(paths[0], "/l/2026-11-24.md");
	assert_string_equal(paths[1], "/l/2026-11-24-2.md");
	/* A session without a log, or started another day, is not that day's log. */
	assert_int_equal(output_select_logs(list, "2026-11-23", paths, 8), 0);
	assert_int_equal(output_select_logs(list, "2026-11-26", paths, 8), 0);
	assert_int_equal(output_select_logs(list, "2026-11-25", paths, 1), 1);
	assert_string_equal(paths[0], "/l/2026-11-25.md");

	assert_int_equal(output_select_logs(empty, NULL, paths, 8), 0);
	assert_int_equal(output_select_logs(empty, "2026-11-25", paths, 8), 0);
	assert_int_equal(output_select_logs(NULL, NULL, paths, 8), 0);
	assert_int_equal(output_select_logs(list, NULL, paths, 0), 0);
	json_decref(list);
	json_decref(empty);

	/* The day is the local one: 23:30 UTC is the next day at UTC+1 (POSIX TZ, no tzdata). */
	list = closed_sessions();
	setenv("TZ", "CET-1", 1);
	tzset();
	assert_int_equal(output_select_logs(list, "2026-11-25", paths, 8), 3);
	assert_string_equal(paths[0], "/l/2026-11-24-2.md");
	assert_string_equal(paths[1], "/l/2026-11-25.md");
	assert_string_equal(paths[2], "/l/2026-11-25-2.md");
	setenv("TZ", "UTC", 1);
	tzset();
	json_decref(list);
}

static void test_json(void **state)
{
	json_t *reply =
	    testutil_json("{\"v\": 1, \"ok\": true, \"sessions\": [], \"daemon\": {\"pid\": 1}}");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(output_json(f, reply, false), 0);
	assert_int_equal(output_json(f, reply, true), 0);
	fclose(f);
	/* "ok" is kept: every --json document says whether it is a success. */
	assert_string_equal(text, "{\"v\":1,\"ok\":true,\"sessions\":[],\"daemon\":{\"pid\":1}}\n"
				  "{\n  \"v\": 1,\n  \"ok\": true,\n  \"sessions\": [],\n"
				  "  \"daemon\": {\n    \"pid\": 1\n  }\n}\n");
	free(text);
	json_decref(reply);
}

/* A stop reply about a session that had stopped by itself (issue 12). */
static void test_stopped_earlier(void **state)
{
	json_t *reply =
	    testutil_json("{\"session\": {\"repo_name\": \"widget\"}, \"log\": \"/l.md\","
			  " \"stopped\": {\"by\": \"auto_stop_after_idle\","
			  " \"why\": \"idle for 2h 00m\", \"at\": \"2026-11-25T15:02:00+01:00\"}}");
	char buf[256];

	(void)state;
	output_stopped_earlier(reply, NOW_MS, buf, sizeof(buf));
	assert_string_equal(
	    buf, "the session in widget stopped automatically at 14:02 (idle for 2h 00m)");
	json_object_set_new(json_object_get(reply, "stopped"), "by", json_string("notification"));
	json_object_set_new(json_object_get(reply, "stopped"), "why",
			    json_string("with its notification's Stop button"));
	json_object_set_new(json_object_get(reply, "stopped"), "at",
			    json_string("2026-11-24T09:30:00Z"));
	output_stopped_earlier(reply, NOW_MS, buf, sizeof(buf));
	assert_string_equal(
	    buf, "the session in widget was stopped at 2026-11-24 09:30 with its notification's "
		 "Stop button");
	json_decref(reply);
}

static void test_check_progress(void **state)
{
	char buf[256];

	(void)state;
	output_check_progress("make test", 0, 1, 12, 300, buf, sizeof(buf));
	assert_string_equal(buf, "running check \"make test\" (12 s)…");
	output_check_progress("lint", 1, 3, 0, 300, buf, sizeof(buf));
	assert_string_equal(buf, "running check \"lint\" (2/3, 0 s)…");
	output_check_progress("hang", 0, 1, 301, 300, buf, sizeof(buf));
	assert_string_equal(buf, "running check \"hang\" (301 s, timed out)…");
	/* Nothing in a name moves the cursor. */
	output_check_progress("a\rb\033[2J", 0, 1, 1, 300, buf, sizeof(buf));
	assert_string_equal(buf, "running check \"a?b?[2J\" (1 s)…");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_home_path),
	    cmocka_unit_test(test_parse_time),
	    cmocka_unit_test(test_when),
	    cmocka_unit_test(test_session_line),
	    cmocka_unit_test(test_session_line_git_and_idle),
	    cmocka_unit_test(test_session_line_long),
	    cmocka_unit_test(test_confirm),
	    cmocka_unit_test(test_already_running),
	    cmocka_unit_test(test_daemon_line),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_log_commit),
	    cmocka_unit_test(test_valid_date),
	    cmocka_unit_test(test_select_logs),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_stopped_earlier),
	    cmocka_unit_test(test_check_progress),
	};

	/* Local times below are UTC whether or not ctest set TZ. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
