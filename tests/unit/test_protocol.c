#include "protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

/* Printable form of a request for failure messages: control and non-ASCII bytes as \xNN. */
static const char *show(const char *s, size_t len)
{
	static char buf[400];
	size_t o = 0, i;

	for (i = 0; i < len && o < sizeof(buf) - 8; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", c);
	}
	snprintf(buf + o, sizeof(buf) - o, "%s", i < len ? "..." : "");
	return buf;
}

static int parse_n(const char *line, size_t len, struct proto_request *req, struct proto_error *err)
{
	/* An exact-size copy without a terminator, so an over-read shows under ASan or valgrind. */
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, line, len);
	r = proto_request_parse(copy, len, req, err);
	free(copy);
	return r;
}

static void expect_refused_n(const char *line, size_t len, const char *code)
{
	struct proto_request req;
	struct proto_error err;

	memset(&err, 0, sizeof(err));
	if (parse_n(line, len, &req, &err) == 0) {
		proto_request_release(&req);
		fail_msg("accepted %s; want error %s", show(line, len), code);
	}
	if (!err.code || strcmp(err.code, code) != 0)
		fail_msg("%s: got error %s (%s); want %s", show(line, len),
			 err.code ? err.code : "(null)", err.message, code);
	if (err.message[0] == '\0')
		fail_msg("%s: error %s has an empty message", show(line, len), code);
	assert_null(req.root);
}

static void expect_refused(const char *line, const char *code)
{
	expect_refused_n(line, strlen(line), code);
}

static void expect_ok(const char *line, struct proto_request *req)
{
	struct proto_error err;

	memset(&err, 0, sizeof(err));
	if (parse_n(line, strlen(line), req, &err) != 0)
		fail_msg("refused %s: %s (%s)", show(line, strlen(line)), err.code, err.message);
	assert_non_null(req->root);
}

static void expect_accepted(const char *line)
{
	struct proto_request req;

	expect_ok(line, &req);
	proto_request_release(&req);
}

/* n copies of unit, malloc'd. */
static char *repeat(const char *unit, size_t n)
{
	size_t ulen = strlen(unit);
	char *s = malloc(ulen * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[ulen * n] = '\0';
	return s;
}

/* tmpl with its one "@@" replaced by value, malloc'd. */
static char *fill(const char *tmpl, const char *value)
{
	const char *at = strstr(tmpl, "@@");
	char *s;

	assert_non_null(at);
	assert_true(asprintf(&s, "%.*s%s%s", (int)(at - tmpl), tmpl, value, at + 2) > 0);
	return s;
}

static void expect_filled_ok(const char *tmpl, const char *value)
{
	char *line = fill(tmpl, value);

	expect_accepted(line);
	free(line);
}

static void expect_filled_refused(const char *tmpl, const char *value, const char *code)
{
	char *line = fill(tmpl, value);

	expect_refused(line, code);
	free(line);
}

/* A string field of tmpl accepts max bytes and refuses max + 1. */
static void expect_length_limit(const char *tmpl, size_t max)
{
	char *ok = repeat("a", max), *over = repeat("a", max + 1);

	expect_filled_ok(tmpl, ok);
	expect_filled_refused(tmpl, over, PROTO_ERR_BAD_REQUEST);
	free(ok);
	free(over);
}

/* Valid requests: every command, fields land in the struct. */

static void test_start_with_all_fields(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/home/me/src\",\"focus\":\"socket "
		  "server\",\"tags\":[\"c\",\"libuv\"]}",
		  &req);
	assert_int_equal(req.cmd, PROTO_CMD_START);
	assert_string_equal(req.cwd, "/home/me/src");
	assert_string_equal(req.focus, "socket server");
	assert_int_equal(req.ntags, 2);
	assert_string_equal(req.tags[0], "c");
	assert_string_equal(req.tags[1], "libuv");
	proto_request_release(&req);
}

static void test_start_with_cwd_only_leaves_optionals_empty(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_START);
	assert_string_equal(req.cwd, "/r");
	assert_null(req.focus);
	assert_int_equal(req.ntags, 0);
	assert_null(req.text);
	assert_null(req.why);
	assert_null(req.summary);
	assert_null(req.blocked_by);
	assert_false(req.no_log);
	proto_request_release(&req);
}

static void test_start_with_empty_tag_list(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[]}", &req);
	assert_int_equal(req.ntags, 0);
	proto_request_release(&req);
}

static void test_status_without_cwd(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"status\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_STATUS);
	assert_null(req.cwd);
	proto_request_release(&req);
}

static void test_status_with_cwd(void **state)
{
	struct proto_request req;

	expect_ok("{\"cmd\":\"status\",\"cwd\":\"/a/b\",\"v\":1}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_STATUS);
	assert_string_equal(req.cwd, "/a/b");
	proto_request_release(&req);
}

static void test_stop_with_summary_and_no_log(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"summary\":\"done\\nall of "
		  "it\",\"no_log\":true}",
		  &req);
	assert_int_equal(req.cmd, PROTO_CMD_STOP);
	assert_string_equal(req.cwd, "/r");
	assert_string_equal(req.summary, "done\nall of it");
	assert_true(req.no_log);
	proto_request_release(&req);
}

/* stop's "env": the caller's environment, taken as given, values of any text. */
static void test_stop_env(void **state)
{
	struct proto_request req;

	expect_ok(
	    "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"env\":[\"PATH=/bin\",\"_x1=a=b\\n\\u001b\","
	    "\"EMPTY=\"]}",
	    &req);
	assert_int_equal(json_array_size(req.env), 3);
	assert_string_equal(json_string_value(json_array_get(req.env, 1)), "_x1=a=b\n\x1b");
	proto_request_release(&req);
	expect_ok("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\"}", &req);
	assert_null(req.env);
	proto_request_release(&req);
}

/* A bad entry, a name given twice, and more than the limits: refused. */
static void test_stop_env_refused(void **state)
{
	static const struct {
		const char *env, *code;
	} bad[] = {
	    {"\"PATH=/bin\"", PROTO_ERR_BAD_REQUEST}, {"[1]", PROTO_ERR_BAD_REQUEST},
	    {"[\"NOEQ\"]", PROTO_ERR_BAD_REQUEST},    {"[\"=v\"]", PROTO_ERR_BAD_REQUEST},
	    {"[\"9A=v\"]", PROTO_ERR_BAD_REQUEST},    {"[\"A-B=v\"]", PROTO_ERR_BAD_REQUEST},
	    {"[\"A B=v\"]", PROTO_ERR_BAD_REQUEST},   {"[\"A=1\",\"A=2\"]", PROTO_ERR_BAD_REQUEST},
	    {"[\"A=\\u0000\"]", PROTO_ERR_BAD_JSON},  {"[\"\\u00e9=v\"]", PROTO_ERR_BAD_REQUEST},
	};
	char line[PROTO_MAX_LINE];
	int n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"env\":%s}",
			 bad[i].env);
		expect_refused(line, bad[i].code);
	}
	/* 257 variables. */
	n = snprintf(line, sizeof(line), "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"env\":[");
	for (int i = 0; i <= PROTO_MAX_ENV_VARS; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s\"V%d=1\"", i ? "," : "", i);
	snprintf(line + n, sizeof(line) - (size_t)n, "]}");
	expect_refused(line, PROTO_ERR_TOO_LARGE);
	/* One byte over the total: 4 for "V=" and the rest of the value. */
	n = snprintf(line, sizeof(line), "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"env\":[\"V=");
	memset(line + n, 'x', PROTO_MAX_ENV_BYTES - 1);
	n += PROTO_MAX_ENV_BYTES - 1;
	snprintf(line + n, sizeof(line) - (size_t)n, "\"]}");
	expect_refused(line, PROTO_ERR_TOO_LARGE);
	/* At the total exactly: taken. */
	line[n - 1] = '"';
	snprintf(line + n - 1, sizeof(line) - (size_t)n + 1, "\"]}");
	expect_accepted(line);
	/* env is stop's alone. */
	expect_refused("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"env\":[]}",
		       PROTO_ERR_BAD_REQUEST);
}

static void test_stop_defaults_to_writing_a_log(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\"}", &req);
	assert_false(req.no_log);
	assert_null(req.summary);
	proto_request_release(&req);
	expect_ok("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"no_log\":false}", &req);
	assert_false(req.no_log);
	proto_request_release(&req);
}

static void check_cwd_only(const char *name, enum proto_cmd cmd)
{
	struct proto_request req;
	char *line = fill("{\"v\":1,\"cmd\":\"@@\",\"cwd\":\"/x/y\"}", name);

	expect_ok(line, &req);
	assert_int_equal(req.cmd, cmd);
	assert_string_equal(req.cwd, "/x/y");
	proto_request_release(&req);
	free(line);
}

static void test_pause_takes_cwd(void **state)
{
	check_cwd_only("pause", PROTO_CMD_PAUSE);
}

static void test_resume_takes_cwd(void **state)
{
	check_cwd_only("resume", PROTO_CMD_RESUME);
}

static void test_cancel_takes_cwd(void **state)
{
	check_cwd_only("cancel", PROTO_CMD_CANCEL);
}

static void test_note_defaults_to_plain_kind(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"line one\\n\\tline two\"}",
		  &req);
	assert_int_equal(req.cmd, PROTO_CMD_NOTE);
	assert_string_equal(req.text, "line one\n\tline two");
	assert_int_equal(req.note_kind, PROTO_NOTE_PLAIN);
	proto_request_release(&req);
}

static void test_note_kinds(void **state)
{
	static const struct {
		const char *name;
		enum proto_note_kind kind;
	} kinds[] = {{"note", PROTO_NOTE_PLAIN},
		     {"learning", PROTO_NOTE_LEARNING},
		     {"challenge", PROTO_NOTE_CHALLENGE}};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct proto_request req;
		char *line =
		    fill("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"t\",\"kind\":\"@@\"}",
			 kinds[i].name);

		expect_ok(line, &req);
		assert_int_equal(req.note_kind, kinds[i].kind);
		assert_string_equal(proto_note_kind_name(kinds[i].kind), kinds[i].name);
		proto_request_release(&req);
		free(line);
	}
}

static void test_todo_defaults_to_medium(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"write tests\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_TODO);
	assert_string_equal(req.text, "write tests");
	assert_int_equal(req.priority, PROTO_PRIO_MEDIUM);
	assert_null(req.blocked_by);
	proto_request_release(&req);
}

static void test_todo_priorities(void **state)
{
	static const struct {
		const char *name;
		enum proto_priority prio;
	} prios[] = {{"high", PROTO_PRIO_HIGH},
		     {"medium", PROTO_PRIO_MEDIUM},
		     {"low", PROTO_PRIO_LOW},
		     {"blocked", PROTO_PRIO_BLOCKED}};

	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		struct proto_request req;
		char *line = fill(
		    "{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":\"@@\"}",
		    prios[i].name);

		expect_ok(line, &req);
		assert_int_equal(req.priority, prios[i].prio);
		assert_string_equal(proto_priority_name(prios[i].prio), prios[i].name);
		proto_request_release(&req);
		free(line);
	}
}

static void test_todo_blocked_with_blocked_by(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"ship\",\"priority\":"
		  "\"blocked\",\"blocked_by\":\"review\"}",
		  &req);
	assert_int_equal(req.priority, PROTO_PRIO_BLOCKED);
	assert_string_equal(req.blocked_by, "review");
	proto_request_release(&req);
}

static void test_decision_with_why(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"text\":\"use "
		  "SQLite\",\"why\":\"durable\\nand small\"}",
		  &req);
	assert_int_equal(req.cmd, PROTO_CMD_DECISION);
	assert_string_equal(req.text, "use SQLite");
	assert_string_equal(req.why, "durable\nand small");
	proto_request_release(&req);
}

static void test_list_defaults_to_limit_20(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"list\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_LIST);
	assert_null(req.cwd);
	assert_int_equal(req.limit, 20);
	proto_request_release(&req);
}

static void test_list_with_cwd_and_limit(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"list\",\"cwd\":\"/r\",\"limit\":5}", &req);
	assert_string_equal(req.cwd, "/r");
	assert_int_equal(req.limit, 5);
	proto_request_release(&req);
}

static void test_ping(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"ping\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_PING);
	assert_null(req.cwd);
	proto_request_release(&req);
}

static void test_surrounding_whitespace_is_accepted(void **state)
{
	expect_accepted(" \t{\"v\":1,\"cmd\":\"ping\"}\r ");
}

static void test_multibyte_utf8_is_accepted(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/home/j\xc3\xb6rg\",\"focus\":"
		  "\"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80\",\"tags\":[\"caf\xc3\xa9\"]}",
		  &req);
	assert_string_equal(req.cwd, "/home/j\xc3\xb6rg");
	assert_string_equal(req.focus, "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80");
	assert_string_equal(req.tags[0], "caf\xc3\xa9");
	proto_request_release(&req);
}

static void test_release_twice_is_harmless(void **state)
{
	struct proto_request req;

	expect_ok("{\"v\":1,\"cmd\":\"ping\"}", &req);
	proto_request_release(&req);
	proto_request_release(&req);
	assert_null(req.root);
}

/* Every request the client builder makes is one the parser accepts. */
/* add: one of cwd and repo, end after start, a known origin, bounded source_key. */
static void test_add_fields(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"v\":1,\"cmd\":\"add\",\"repo\":\"work\",\"repo_name\":\"Work\","
		  "\"start_ms\":1000,\"end_ms\":2000,\"origin\":\"imported\","
		  "\"source_key\":\"watson:abc\",\"tags\":[\"a\"]}",
		  &req);
	assert_string_equal(req.repo, "work");
	assert_string_equal(req.repo_name, "Work");
	assert_string_equal(req.origin, "imported");
	assert_string_equal(req.source_key, "watson:abc");
	assert_int_equal(req.start_ms, 1000);
	assert_int_equal(req.end_ms, 2000);
	proto_request_release(&req);
	expect_accepted("{\"v\":1,\"cmd\":\"add\",\"cwd\":\"/r\",\"start_ms\":0,\"end_ms\":1,"
			"\"origin\":\"manual\",\"focus\":\"f\"}");
	/* neither, or both, of cwd and repo */
	expect_refused(
	    "{\"v\":1,\"cmd\":\"add\",\"start_ms\":0,\"end_ms\":1,\"origin\":\"manual\"}",
	    PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"cwd\":\"/r\",\"repo\":\"x\",\"start_ms\":0,"
		       "\"end_ms\":1,\"origin\":\"manual\"}",
		       PROTO_ERR_BAD_REQUEST);
	/* the end not after the start; missing times; a time past the year 9999 */
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"start_ms\":5,\"end_ms\":5,"
		       "\"origin\":\"manual\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused(
	    "{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"end_ms\":5,\"origin\":\"manual\"}",
	    PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"start_ms\":-1,\"end_ms\":5,"
		       "\"origin\":\"manual\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"start_ms\":0,"
		       "\"end_ms\":253402300800001,\"origin\":\"manual\"}",
		       PROTO_ERR_BAD_REQUEST);
	/* an origin other than manual and imported ("tracked" is stintd's own) */
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"start_ms\":0,\"end_ms\":1,"
		       "\"origin\":\"tracked\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"start_ms\":0,\"end_ms\":1,"
		       "\"origin\":7}",
		       PROTO_ERR_BAD_REQUEST);
	/* repo_name only with repo; blank or control characters in repo */
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"cwd\":\"/r\",\"repo_name\":\"x\",\"start_ms\":0,"
		       "\"end_ms\":1,\"origin\":\"manual\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"repo\":\" \",\"start_ms\":0,\"end_ms\":1,"
		       "\"origin\":\"manual\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"add\",\"repo\":\"a\\nb\",\"start_ms\":0,\"end_ms\":1,"
		       "\"origin\":\"manual\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_length_limit("{\"v\":1,\"cmd\":\"add\",\"repo\":\"x\",\"start_ms\":0,\"end_ms\":1,"
			    "\"origin\":\"imported\",\"source_key\":\"@@\"}",
			    PROTO_MAX_SOURCE_KEY);
}

static void test_request_new_round_trips_for_every_command(void **state)
{
	for (int cmd = 0; cmd < PROTO_CMD__COUNT; cmd++) {
		json_t *msg = proto_request_new((enum proto_cmd)cmd);
		struct proto_request req;
		struct proto_error err;
		size_t len;
		char *line;

		assert_non_null(msg);
		if (cmd != PROTO_CMD_STATUS && cmd != PROTO_CMD_LIST && cmd != PROTO_CMD_PING &&
		    cmd != PROTO_CMD_NOTIFY_TEST && cmd != PROTO_CMD_NOTIFY_STATUS &&
		    cmd != PROTO_CMD_WATCHED)
			json_object_set_new(msg, "cwd", json_string("/r"));
		if (cmd == PROTO_CMD_NOTE || cmd == PROTO_CMD_TODO || cmd == PROTO_CMD_DECISION)
			json_object_set_new(msg, "text", json_string("t"));
		if (cmd == PROTO_CMD_REPORT) {
			json_object_set_new(msg, "from", json_integer(0));
			json_object_set_new(msg, "to", json_integer(1));
			json_object_set_new(msg, "by", json_pack("[s]", "repo"));
		}
		if (cmd == PROTO_CMD_ADD) {
			json_object_set_new(msg, "start_ms", json_integer(0));
			json_object_set_new(msg, "end_ms", json_integer(1));
			json_object_set_new(msg, "origin", json_string("manual"));
		}
		if (cmd == PROTO_CMD_LOG_COMMIT) {
			json_object_set_new(msg, "log", json_string("/r/log.md"));
			json_object_set_new(msg, "edited", json_true());
		}
		if (cmd == PROTO_CMD_EDIT)
			json_object_set_new(msg, "focus", json_string("f"));
		if (cmd == PROTO_CMD_REGENERATE) {
			json_object_del(msg, "cwd");
			json_object_set_new(msg, "id", json_integer(1));
		}
		line = proto_encode(msg, &len);
		assert_non_null(line);
		if (parse_n(line, len - 1, &req, &err) != 0)
			fail_msg("%s: %s (%s)", line, err.code, err.message);
		assert_int_equal(req.cmd, cmd);
		proto_request_release(&req);
		free(line);
		json_decref(msg);
	}
}

/* stop's flags and log_commit: booleans checked, paths absolute, edit without no_log. */
static void test_stop_flags_and_log_commit(void **state)
{
	struct proto_request req;
	json_t *msg, *p;

	expect_ok("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"no_checks\":true,"
		  "\"progress\":true,\"edit\":true}",
		  &req);
	assert_true(req.no_checks && req.progress && req.edit);
	proto_request_release(&req);
	expect_refused("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"no_checks\":1}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"edit\":true,\"no_log\":true}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"t\",\"progress\":true}",
		       PROTO_ERR_BAD_REQUEST);
	expect_ok("{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"/r\",\"log\":\"/r/a.md\","
		  "\"edited\":false}",
		  &req);
	assert_int_equal(req.cmd, PROTO_CMD_LOG_COMMIT);
	assert_string_equal(req.log, "/r/a.md");
	assert_false(req.edited);
	proto_request_release(&req);
	expect_refused("{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"/r\",\"log\":\"a.md\","
		       "\"edited\":true}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"log_commit\",\"cwd\":\"/r\",\"edited\":true}",
		       PROTO_ERR_BAD_REQUEST);
	/* A progress message is told from a reply by its missing "ok". */
	msg = proto_progress_new("check", json_pack("{s:s}", "name", "make test"));
	assert_non_null(msg);
	p = (json_t *)proto_progress_get(msg);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "what")), "check");
	json_decref(msg);
	msg = proto_reply_ok();
	json_object_set_new(msg, "progress", json_object());
	assert_null(proto_progress_get(msg));
	json_decref(msg);
}

static void test_name_lookups_round_trip(void **state)
{
	for (int cmd = 0; cmd < PROTO_CMD__COUNT; cmd++)
		assert_int_equal(proto_cmd_lookup(proto_cmd_name((enum proto_cmd)cmd)), cmd);
	for (int k = PROTO_NOTE_PLAIN; k <= PROTO_NOTE_CHALLENGE; k++)
		assert_int_equal(
		    proto_note_kind_lookup(proto_note_kind_name((enum proto_note_kind)k)), k);
	for (int p = PROTO_PRIO_HIGH; p <= PROTO_PRIO_BLOCKED; p++)
		assert_int_equal(proto_priority_lookup(proto_priority_name((enum proto_priority)p)),
				 p);
}

static void test_name_lookups_reject_unknown_names(void **state)
{
	assert_int_equal(proto_cmd_lookup("PING"), -1);
	assert_int_equal(proto_cmd_lookup(""), -1);
	assert_int_equal(proto_note_kind_lookup("plain"), -1);
	assert_int_equal(proto_priority_lookup("urgent"), -1);
	assert_string_equal(proto_cmd_name(PROTO_CMD__COUNT), "?");
}

/* Framing and JSON. */

static void test_empty_line_is_bad_json(void **state)
{
	expect_refused("", PROTO_ERR_BAD_JSON);
}

static void test_whitespace_only_is_bad_json(void **state)
{
	expect_refused(" \t \r", PROTO_ERR_BAD_JSON);
}

static void test_array_is_not_a_request(void **state)
{
	expect_refused("[{\"v\":1,\"cmd\":\"ping\"}]", PROTO_ERR_BAD_REQUEST);
}

static void test_string_is_not_a_request(void **state)
{
	expect_refused("\"ping\"", PROTO_ERR_BAD_REQUEST);
}

static void test_number_is_not_a_request(void **state)
{
	expect_refused("1", PROTO_ERR_BAD_REQUEST);
}

static void test_null_is_not_a_request(void **state)
{
	expect_refused("null", PROTO_ERR_BAD_REQUEST);
}

static void test_truncated_json_is_bad_json(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"ping\"", PROTO_ERR_BAD_JSON);
	expect_refused("{\"v\":1,\"cmd\":\"pi", PROTO_ERR_BAD_JSON);
	expect_refused("{", PROTO_ERR_BAD_JSON);
}

static void test_trailing_garbage_is_bad_json(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"ping\"} x", PROTO_ERR_BAD_JSON);
	expect_refused("{\"v\":1} x", PROTO_ERR_BAD_JSON);
}

static void test_two_objects_on_one_line_are_bad_json(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"ping\"}{\"v\":1,\"cmd\":\"ping\"}", PROTO_ERR_BAD_JSON);
}

static void test_single_quotes_are_bad_json(void **state)
{
	expect_refused("{'v':1,'cmd':'ping'}", PROTO_ERR_BAD_JSON);
}

static void test_escaped_nul_is_refused(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"a\\u0000b\"}",
		       PROTO_ERR_BAD_JSON);
}

static void test_raw_nul_byte_is_refused(void **state)
{
	static const char in_string[] =
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"a\0b\"}";
	static const char after_object[] = "{\"v\":1,\"cmd\":\"ping\"}\0";

	expect_refused_n(in_string, sizeof(in_string) - 1, PROTO_ERR_BAD_JSON);
	expect_refused_n(after_object, sizeof(after_object) - 1, PROTO_ERR_BAD_JSON);
}

static void test_escaped_lone_surrogate_is_refused(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"focus\":\"\\ud800\"}",
		       PROTO_ERR_BAD_JSON);
}

static void test_line_of_max_length_is_too_large(void **state)
{
	char *line = repeat(" ", PROTO_MAX_LINE);

	memcpy(line, "{\"v\":1,\"cmd\":\"ping\"}", 20);
	expect_refused_n(line, PROTO_MAX_LINE, PROTO_ERR_TOO_LARGE);
	free(line);
}

static void test_line_one_below_max_length_is_accepted(void **state)
{
	char *line = repeat(" ", PROTO_MAX_LINE - 1);

	memcpy(line, "{\"v\":1,\"cmd\":\"ping\"}", 20);
	expect_accepted(line);
	free(line);
}

static void test_huge_garbage_line_is_too_large_not_bad_json(void **state)
{
	char *line = repeat("\xff", 4 * PROTO_MAX_LINE);

	expect_refused_n(line, 4 * PROTO_MAX_LINE, PROTO_ERR_TOO_LARGE);
	free(line);
}

/* Invalid UTF-8, anywhere in the line. */

static void test_overlong_encoding_is_bad_utf8(void **state)
{
	/* "/" as two and three bytes. */
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"\xc0\xaf\"}", ERR_BAD_UTF8);
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"\xe0\x80\xaf\"}", ERR_BAD_UTF8);
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xc0\x80\"}", ERR_BAD_UTF8);
}

static void test_lone_continuation_byte_is_bad_utf8(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\x80\"}", ERR_BAD_UTF8);
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xbf\"}", ERR_BAD_UTF8);
}

static void test_utf8_encoded_surrogates_are_bad_utf8(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xed\xa0\x80\"}", ERR_BAD_UTF8);
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xed\xbf\xbf\"}", ERR_BAD_UTF8);
}

static void test_ff_and_fe_bytes_are_bad_utf8(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xff\"}", ERR_BAD_UTF8);
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xfe\"}", ERR_BAD_UTF8);
}

static void test_truncated_sequence_is_bad_utf8(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xe2\x82"
		       "\"}",
		       ERR_BAD_UTF8);
}

static void test_code_point_above_u10ffff_is_bad_utf8(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/\xf4\x90\x80\x80\"}", ERR_BAD_UTF8);
}

static void test_invalid_utf8_in_a_key_is_bad_utf8(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"ping\",\"\xff\":1}", ERR_BAD_UTF8);
}

static void test_invalid_utf8_outside_strings_is_bad_utf8(void **state)
{
	expect_refused("\xff{\"v\":1,\"cmd\":\"ping\"}", ERR_BAD_UTF8);
	expect_refused("{\"v\":1,\"cmd\":\"ping\"}\xff", ERR_BAD_UTF8);
}

/* Version and command. */

static void test_missing_version_is_bad_version(void **state)
{
	expect_refused("{\"cmd\":\"ping\"}", PROTO_ERR_BAD_VERSION);
}

static void test_version_as_string_is_bad_version(void **state)
{
	expect_refused("{\"v\":\"1\",\"cmd\":\"ping\"}", PROTO_ERR_BAD_VERSION);
}

static void test_version_as_real_is_bad_version(void **state)
{
	expect_refused("{\"v\":1.0,\"cmd\":\"ping\"}", PROTO_ERR_BAD_VERSION);
}

static void test_version_2_is_bad_version(void **state)
{
	expect_refused("{\"v\":2,\"cmd\":\"ping\"}", PROTO_ERR_BAD_VERSION);
	expect_refused("{\"v\":0,\"cmd\":\"ping\"}", PROTO_ERR_BAD_VERSION);
}

static void test_missing_cmd_is_bad_request(void **state)
{
	expect_refused("{\"v\":1}", PROTO_ERR_BAD_REQUEST);
}

static void test_cmd_not_a_string_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":1}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":null}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":[\"ping\"]}", PROTO_ERR_BAD_REQUEST);
}

static void test_unknown_cmd_is_unknown_command(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"frobnicate\"}", PROTO_ERR_UNKNOWN_COMMAND);
	expect_refused("{\"v\":1,\"cmd\":\"PING\"}", PROTO_ERR_UNKNOWN_COMMAND);
	expect_refused("{\"v\":1,\"cmd\":\"\"}", PROTO_ERR_UNKNOWN_COMMAND);
}

/* Fields. */

static void test_unknown_field_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"ping\",\"foo\":1}", PROTO_ERR_BAD_REQUEST);
}

static void test_field_of_another_command_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"ping\",\"cwd\":\"/r\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"focus\":\"f\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":"
		       "\"high\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"limit\":5}", PROTO_ERR_BAD_REQUEST);
}

static void test_duplicate_key_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/a\",\"cwd\":\"/b\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"v\":1,\"cmd\":\"ping\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"ping\",\"cmd\":\"stop\"}", PROTO_ERR_BAD_REQUEST);
}

static void test_missing_required_field_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"start\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"stop\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"pause\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"resume\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"cancel\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"text\":\"t\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"why\":\"w\"}",
		       PROTO_ERR_BAD_REQUEST);
}

/* watch and unwatch name one absolute directory; watched takes nothing. */
static void test_watch_commands_validate_their_fields(void **state)
{
	static const char *const bad[] = {
	    "{\"v\":1,\"cmd\":\"watch\"}",
	    "{\"v\":1,\"cmd\":\"unwatch\"}",
	    "{\"v\":1,\"cmd\":\"watch\",\"cwd\":\"\"}",
	    "{\"v\":1,\"cmd\":\"watch\",\"cwd\":\"rel/dir\"}",
	    "{\"v\":1,\"cmd\":\"watch\",\"cwd\":1}",
	    "{\"v\":1,\"cmd\":\"watch\",\"cwd\":\"/r\\n\"}",
	    "{\"v\":1,\"cmd\":\"unwatch\",\"cwd\":null}",
	    "{\"v\":1,\"cmd\":\"watch\",\"cwd\":\"/r\",\"focus\":\"f\"}",
	    "{\"v\":1,\"cmd\":\"watched\",\"cwd\":\"/r\"}",
	    "{\"v\":1,\"cmd\":\"watched\",\"limit\":5}",
	};
	struct proto_request req;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], PROTO_ERR_BAD_REQUEST);
	expect_ok("{\"v\":1,\"cmd\":\"watch\",\"cwd\":\"/r\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_WATCH);
	assert_string_equal(req.cwd, "/r");
	proto_request_release(&req);
	expect_ok("{\"v\":1,\"cmd\":\"unwatch\",\"cwd\":\"/r\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_UNWATCH);
	proto_request_release(&req);
	expect_ok("{\"v\":1,\"cmd\":\"watched\"}", &req);
	assert_int_equal(req.cmd, PROTO_CMD_WATCHED);
	proto_request_release(&req);
	expect_length_limit("{\"v\":1,\"cmd\":\"watch\",\"cwd\":\"/@@\"}", PROTO_MAX_PATH - 1);
}

static void test_wrong_type_per_field_is_bad_request(void **state)
{
	static const char *const lines[] = {
	    "{\"v\":1,\"cmd\":\"status\",\"cwd\":1}",
	    "{\"v\":1,\"cmd\":\"status\",\"cwd\":null}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"focus\":[\"f\"]}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":\"c\"}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[1]}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[[\"c\"]]}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":{\"c\":1}}",
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":true}",
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"t\",\"kind\":1}",
	    "{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"text\":\"t\",\"why\":1}",
	    "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"summary\":null}",
	    "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"no_log\":\"true\"}",
	    "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"no_log\":1}",
	    "{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":true}",
	    ("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":\"blocked\","
	     "\"blocked_by\":1}"),
	    "{\"v\":1,\"cmd\":\"list\",\"limit\":\"5\"}",
	    "{\"v\":1,\"cmd\":\"list\",\"limit\":null}",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_refused(lines[i], PROTO_ERR_BAD_REQUEST);
}

static void test_empty_strings_are_bad_request(void **state)
{
	static const char *const lines[] = {
	    "{\"v\":1,\"cmd\":\"status\",\"cwd\":\"\"}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"focus\":\"\"}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[\"\"]}",
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"\"}",
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"t\",\"kind\":\"\"}",
	    "{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"text\":\"t\",\"why\":\"\"}",
	    "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"summary\":\"\"}",
	    "{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":\"\"}",
	    ("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":\"blocked\","
	     "\"blocked_by\":\"\"}"),
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_refused(lines[i], PROTO_ERR_BAD_REQUEST);
}

/* Blank text, a tag twice, and characters that reorder how a log reads are refused. */
static void test_blank_duplicate_and_bidi_are_bad_request(void **state)
{
	static const char *const lines[] = {
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"   \"}",
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\" \\n\\t \"}",
	    "{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"summary\":\"\\n\"}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"focus\":\" \"}",
	    "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[\"a\",\"b\",\"a\"]}",
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"abc \\u202e cba\"}",
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"x\\u2066y\"}",
	    "{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"text\":\"t\",\"why\":\"\\u202a\"}",
	};
	struct proto_request req;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_refused(lines[i], PROTO_ERR_BAD_REQUEST);
	/* Other right-to-left text, and marks that only hint direction, are fine. */
	expect_ok(
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"\\u05e9\\u05dc\\u05d5\\u05dd "
	    "\\u200f \\u2029 \\u2030\"}",
	    &req);
	proto_request_release(&req);
	expect_ok("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\" padded \"}", &req);
	proto_request_release(&req);
}

static void test_relative_cwd_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"src/stint\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"./src\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"~/src\"}", PROTO_ERR_BAD_REQUEST);
}

static void test_cwd_length_limit(void **state)
{
	expect_length_limit("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/@@\"}", PROTO_MAX_PATH - 1);
}

static void test_focus_length_limit(void **state)
{
	expect_length_limit("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"focus\":\"@@\"}",
			    PROTO_MAX_FOCUS);
}

static void test_focus_limit_counts_bytes_not_characters(void **state)
{
	const char *tmpl = "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"focus\":\"@@\"}";
	char *ok = repeat("\xc3\xa9", PROTO_MAX_FOCUS / 2),
	     *over = repeat("\xc3\xa9", PROTO_MAX_FOCUS / 2 + 1);

	expect_filled_ok(tmpl, ok);
	expect_filled_refused(tmpl, over, PROTO_ERR_BAD_REQUEST);
	free(ok);
	free(over);
}

static void test_text_length_limit(void **state)
{
	expect_length_limit("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"@@\"}",
			    PROTO_MAX_TEXT);
	expect_length_limit("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"@@\"}",
			    PROTO_MAX_TEXT);
	expect_length_limit("{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"text\":\"@@\"}",
			    PROTO_MAX_TEXT);
}

static void test_why_summary_blocked_by_length_limits(void **state)
{
	expect_length_limit("{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"text\":\"t\",\"why\":"
			    "\"@@\"}",
			    PROTO_MAX_TEXT);
	expect_length_limit("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"summary\":\"@@\"}",
			    PROTO_MAX_TEXT);
	expect_length_limit("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":"
			    "\"blocked\",\"blocked_by\":\"@@\"}",
			    PROTO_MAX_TEXT);
}

static void test_tag_length_limit(void **state)
{
	expect_length_limit("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[\"x\",\"@@\"]}",
			    PROTO_MAX_TAG);
}

/* "t0","t1",...: n distinct tags and a comma after each. */
static char *distinct_tags(int n)
{
	char *buf = malloc((size_t)n * 8 + 1), *p = buf;

	assert_non_null(buf);
	for (int i = 0; i < n; i++)
		p += sprintf(p, "\"t%d\",", i);
	*p = '\0';
	return buf;
}

static void test_16_tags_pass_17_fail(void **state)
{
	const char *tmpl = "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[@@\"last\"]}";
	char *fifteen = distinct_tags(PROTO_MAX_TAGS - 1), *sixteen = distinct_tags(PROTO_MAX_TAGS);
	char *line = fill(tmpl, fifteen);
	struct proto_request req;

	expect_ok(line, &req);
	assert_int_equal(req.ntags, PROTO_MAX_TAGS);
	assert_string_equal(req.tags[PROTO_MAX_TAGS - 1], "last");
	proto_request_release(&req);
	expect_filled_refused(tmpl, sixteen, PROTO_ERR_BAD_REQUEST);
	free(line);
	free(fifteen);
	free(sixteen);
}

static void test_tag_with_space_comma_or_control_is_bad_request(void **state)
{
	static const char *const tags[] = {"a b", "a,b", "a\\tb", "a\\nb", "a\\u007fb", " ", ","};
	const char *tmpl = "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"tags\":[\"@@\"]}";

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		expect_filled_refused(tmpl, tags[i], PROTO_ERR_BAD_REQUEST);
	expect_filled_ok(tmpl, "c++/libuv-2_x.y");
}

static void test_control_characters_in_focus_are_bad_request(void **state)
{
	static const char *const values[] = {"a\\nb", "a\\rb", "\\u0001", "\\u001b[31mred",
					     "a\\u007fb"};
	const char *tmpl = "{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"focus\":\"@@\"}";

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		expect_filled_refused(tmpl, values[i], PROTO_ERR_BAD_REQUEST);
}

static void test_newline_and_tab_in_text_are_accepted(void **state)
{
	expect_accepted("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"a\\nb\\tc\\n\"}");
	expect_accepted("{\"v\":1,\"cmd\":\"decision\",\"cwd\":\"/r\",\"text\":\"a\",\"why\":"
			"\"b\\nc\"}");
	expect_accepted("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"summary\":\"b\\nc\"}");
}

static void test_other_control_characters_in_text_are_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"a\\u001b[2Jb\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"a\\u0007\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"stop\",\"cwd\":\"/r\",\"summary\":\"\\u007f\"}",
		       PROTO_ERR_BAD_REQUEST);
}

static void test_newline_in_cwd_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"status\",\"cwd\":\"/a\\nb\"}", PROTO_ERR_BAD_REQUEST);
}

static void test_bad_note_kind_is_bad_request(void **state)
{
	expect_refused(
	    "{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"t\",\"kind\":\"plain\"}",
	    PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"note\",\"cwd\":\"/r\",\"text\":\"t\",\"kind\":\"Note\"}",
		       PROTO_ERR_BAD_REQUEST);
}

static void test_bad_priority_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":"
		       "\"urgent\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":"
		       "\"HIGH\"}",
		       PROTO_ERR_BAD_REQUEST);
}

static void test_blocked_by_without_blocked_priority_is_bad_request(void **state)
{
	expect_refused("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"blocked_by\":"
		       "\"x\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"text\":\"t\",\"priority\":"
		       "\"high\",\"blocked_by\":\"x\"}",
		       PROTO_ERR_BAD_REQUEST);
	/* Field order must not matter. */
	expect_accepted("{\"v\":1,\"cmd\":\"todo\",\"cwd\":\"/r\",\"blocked_by\":\"x\",\"text\":"
			"\"t\",\"priority\":\"blocked\"}");
}

static void test_limit_bounds(void **state)
{
	const char *tmpl = "{\"v\":1,\"cmd\":\"list\",\"limit\":@@}";

	expect_filled_refused(tmpl, "0", PROTO_ERR_BAD_REQUEST);
	expect_filled_refused(tmpl, "-1", PROTO_ERR_BAD_REQUEST);
	expect_filled_ok(tmpl, "1");
	expect_filled_ok(tmpl, "1000");
	expect_filled_refused(tmpl, "1001", PROTO_ERR_BAD_REQUEST);
	expect_filled_refused(tmpl, "9223372036854775807", PROTO_ERR_BAD_REQUEST);
}

static void test_non_integer_limit_is_bad_request(void **state)
{
	const char *tmpl = "{\"v\":1,\"cmd\":\"list\",\"limit\":@@}";

	expect_filled_refused(tmpl, "1.5", PROTO_ERR_BAD_REQUEST);
	expect_filled_refused(tmpl, "5.0", PROTO_ERR_BAD_REQUEST);
	expect_filled_refused(tmpl, "1e2", PROTO_ERR_BAD_REQUEST);
	expect_filled_refused(tmpl, "true", PROTO_ERR_BAD_REQUEST);
}

/* Replies and encoding. */

static json_t *decode_line(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *msg;

	assert_true(len > 0);
	assert_int_equal(line[len - 1], '\n');
	msg = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, &jerr);
	if (!msg)
		fail_msg("reply is not valid JSON (%s): %s", jerr.text, show(line, len));
	return msg;
}

/* The reply is well-formed: v 1, ok false, the code kept and a non-empty message. */
static void check_error_reply(json_t *reply, const char *code)
{
	size_t len;
	char *line;
	json_t *msg;
	const char *message;

	assert_non_null(reply);
	line = proto_encode(reply, &len);
	assert_non_null(line);
	msg = decode_line(line, len);
	assert_int_equal(json_integer_value(json_object_get(msg, "v")), STINT_PROTO_VERSION);
	assert_true(json_is_false(json_object_get(msg, "ok")));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(msg, "error"), "code")), code);
	message = json_string_value(json_object_get(json_object_get(msg, "error"), "message"));
	assert_non_null(message);
	assert_true(message[0] != '\0');
	json_decref(msg);
	free(line);
}

static void test_reply_ok(void **state)
{
	json_t *reply = proto_reply_ok();
	char *line = proto_encode(reply, NULL);

	assert_string_equal(line, "{\"v\":1,\"ok\":true}\n");
	free(line);
	json_decref(reply);
}

static void test_reply_error_has_code_and_message(void **state)
{
	json_t *reply = proto_reply_error(PROTO_ERR_NO_SESSION, "no session for %s", "/r");

	check_error_reply(reply, PROTO_ERR_NO_SESSION);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(reply, "error"), "message")),
	    "no session for /r");
	json_decref(reply);
}

static void test_reply_error_with_invalid_utf8_is_valid_json(void **state)
{
	json_t *reply =
	    proto_reply_error(PROTO_ERR_BAD_REQUEST, "bad tag \"%s\"", "a\xff\xc0\x80z");

	check_error_reply(reply, PROTO_ERR_BAD_REQUEST);
	json_decref(reply);
}

static void test_reply_error_with_cut_utf8_sequence_is_valid_json(void **state)
{
	/* Precision cuts the second "é" in half, as a message quoting peer bytes may. */
	json_t *reply = proto_reply_error(PROTO_ERR_BAD_REQUEST, "field %.3s", "\xc3\xa9\xc3\xa9");

	check_error_reply(reply, PROTO_ERR_BAD_REQUEST);
	json_decref(reply);
}

static void test_reply_error_with_very_long_message_is_valid_json(void **state)
{
	char *long_msg = repeat("\xe6\x97\xa5", 2000);
	json_t *reply = proto_reply_error(PROTO_ERR_INTERNAL, "%s", long_msg);

	check_error_reply(reply, PROTO_ERR_INTERNAL);
	json_decref(reply);
	free(long_msg);
}

/* A parse error quoting a hostile key, relayed as the daemon will, stays valid JSON. */
static void test_parse_error_quoting_peer_bytes_relays_as_valid_json(void **state)
{
	char *key = repeat("\xc3\xa9", 100);
	char *line = fill("{\"v\":1,\"cmd\":\"ping\",\"@@\":1}", key);
	struct proto_request req;
	struct proto_error err;
	json_t *reply;

	assert_int_equal(parse_n(line, strlen(line), &req, &err), -1);
	assert_string_equal(err.code, PROTO_ERR_BAD_REQUEST);
	reply = proto_reply_error(err.code, "%s", err.message);
	check_error_reply(reply, PROTO_ERR_BAD_REQUEST);
	json_decref(reply);
	free(line);
	free(key);
}

static void test_encode_ends_with_exactly_one_newline(void **state)
{
	json_t *msg = json_pack("{s:i, s:s, s:s}", "v", 1, "text", "a\nb\n", "cr", "\r");
	size_t len = 0;
	char *line = proto_encode(msg, &len);

	assert_non_null(line);
	assert_int_equal(len, strlen(line));
	assert_int_equal(line[len - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + len - 1);
	free(line);
	json_decref(msg);
}

static void test_encode_round_trips(void **state)
{
	json_t *msg = json_pack("{s:i, s:b, s:{s:I, s:s, s:[s, s], s:n, s:f}}", "v", 1, "ok", 1,
				"session", "id", (json_int_t)7, "repo", "/home/j\xc3\xb6rg/src",
				"tags", "c", "x", "log", "active_s", 0.5);
	size_t len;
	char *line = proto_encode(msg, &len);
	json_t *back = decode_line(line, len);

	assert_true(json_equal(msg, back));
	json_decref(back);
	free(line);
	json_decref(msg);
}

static void test_encoded_request_parses_back(void **state)
{
	json_t *msg = proto_request_new(PROTO_CMD_NOTE);
	struct proto_request req;
	struct proto_error err;
	size_t len;
	char *line;

	json_object_set_new(msg, "cwd", json_string("/r"));
	json_object_set_new(msg, "text", json_string("multi\nline \"quoted\" \xc3\xa9"));
	json_object_set_new(msg, "kind", json_string("learning"));
	line = proto_encode(msg, &len);
	assert_int_equal(parse_n(line, len - 1, &req, &err), 0);
	assert_string_equal(req.text, "multi\nline \"quoted\" \xc3\xa9");
	assert_int_equal(req.note_kind, PROTO_NOTE_LEARNING);
	proto_request_release(&req);
	free(line);
	json_decref(msg);
}

/* Checks a reply line with proto_reply_check; the reason must name the fault (want_in). */
static void expect_reply_check(const char *line, int want, const char *want_in)
{
	char err[256] = "";
	json_error_t jerr;
	json_t *reply = json_loads(line, JSON_DECODE_ANY, &jerr);
	int r;

	if (!reply)
		fail_msg("bad fixture %s: %s", line, jerr.text);
	r = proto_reply_check(reply, err, sizeof(err));
	if (r != want)
		fail_msg("proto_reply_check(%s) = %d (%s); want %d", line, r, err, want);
	if (want_in && !strstr(err, want_in))
		fail_msg("proto_reply_check(%s) says \"%s\"; want it to mention \"%s\"", line, err,
			 want_in);
	json_decref(reply);
}

static void test_reply_check_accepts_ok_and_error_replies(void **state)
{
	json_t *ok = proto_reply_ok(), *error = proto_reply_error(PROTO_ERR_BAD_STATE, "paused");
	char err[256];

	expect_reply_check("{\"v\":1,\"ok\":true}", 0, NULL);
	expect_reply_check("{\"v\":1,\"ok\":true,\"sessions\":[]}", 0, NULL);
	expect_reply_check("{\"v\":1,\"ok\":false,\"error\":{\"code\":\"no_session\"}}", 0, NULL);
	/* What the daemon builds passes the client's check. */
	assert_int_equal(proto_reply_check(ok, err, sizeof(err)), 0);
	assert_int_equal(proto_reply_check(error, err, sizeof(err)), 0);
	json_decref(ok);
	json_decref(error);
}

static void test_reply_check_refuses_a_broken_envelope(void **state)
{
	expect_reply_check("[1]", -EPROTO, "not a JSON object");
	expect_reply_check("\"ok\"", -EPROTO, "not a JSON object");
	expect_reply_check("{\"ok\":true}", -EPROTO, "no protocol version");
	expect_reply_check("{\"v\":\"1\",\"ok\":true}", -EPROTO, "no protocol version");
	expect_reply_check("{\"v\":1}", -EPROTO, "no boolean \"ok\"");
	expect_reply_check("{\"v\":1,\"ok\":1}", -EPROTO, "no boolean \"ok\"");
	expect_reply_check("{\"v\":1,\"ok\":false}", -EPROTO, "no error code");
	expect_reply_check("{\"v\":1,\"ok\":false,\"error\":\"x\"}", -EPROTO, "no error code");
	expect_reply_check("{\"v\":1,\"ok\":false,\"error\":{\"code\":7}}", -EPROTO,
			   "no error code");
}

static void test_reply_check_names_both_versions(void **state)
{
	expect_reply_check("{\"v\":2,\"ok\":true}", -EPROTONOSUPPORT,
			   "stintd speaks protocol version 2, this stint speaks 1");
	expect_reply_check("{\"v\":0,\"ok\":false,\"error\":{\"code\":\"x\"}}", -EPROTONOSUPPORT,
			   "version 0");
}

static void test_reply_accessors(void **state)
{
	json_t *error = proto_reply_error(PROTO_ERR_NO_SESSION, "no session for %s", "/r");
	json_t *ok = proto_reply_ok();

	assert_false(proto_reply_is_ok(error));
	assert_string_equal(proto_reply_error_code(error), PROTO_ERR_NO_SESSION);
	assert_string_equal(proto_reply_error_message(error), "no session for /r");
	assert_true(proto_reply_is_ok(ok));
	assert_null(proto_reply_error_code(ok));
	assert_null(proto_reply_error_message(ok));
	/* Not even a reply: nothing to find, nothing to crash on. */
	assert_false(proto_reply_is_ok(NULL));
	assert_null(proto_reply_error_code(NULL));
	json_decref(error);
	json_decref(ok);
}

/* edit: an id, times, tags to remove; at least one change; each field checked. */
static void test_edit_fields(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"id\":7,\"tags\":[\"a\"],"
		  "\"untags\":[\"b\"],\"start_ms\":1000,\"end_ms\":2000}",
		  &req);
	assert_int_equal(req.id, 7);
	assert_int_equal(req.start_ms, 1000);
	assert_int_equal(req.end_ms, 2000);
	assert_int_equal(req.nuntags, 1);
	assert_string_equal(req.untags[0], "b");
	proto_request_release(&req);
	expect_ok("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"focus\":\"f\"}", &req);
	assert_int_equal(req.id, -1);
	assert_int_equal(req.start_ms, -1);
	proto_request_release(&req);
	expect_refused("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\"}", PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"id\":0,\"focus\":\"f\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"id\":\"7\",\"focus\":\"f\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"start_ms\":-5}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"start_ms\":9,\"end_ms\":9}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused(
	    "{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"tags\":[\"a\"],\"untags\":[\"a\"]}",
	    PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"edit\",\"cwd\":\"/r\",\"untags\":[\"a b\"]}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"start\",\"cwd\":\"/r\",\"at\":\"soon\"}",
		       PROTO_ERR_BAD_REQUEST);
	expect_refused("{\"v\":1,\"cmd\":\"regenerate\",\"id\":1,\"cwd\":\"/r\"}",
		       PROTO_ERR_BAD_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_with_all_fields),
	    cmocka_unit_test(test_start_with_cwd_only_leaves_optionals_empty),
	    cmocka_unit_test(test_start_with_empty_tag_list),
	    cmocka_unit_test(test_status_without_cwd),
	    cmocka_unit_test(test_status_with_cwd),
	    cmocka_unit_test(test_stop_with_summary_and_no_log),
	    cmocka_unit_test(test_stop_defaults_to_writing_a_log),
	    cmocka_unit_test(test_stop_env),
	    cmocka_unit_test(test_stop_env_refused),
	    cmocka_unit_test(test_pause_takes_cwd),
	    cmocka_unit_test(test_resume_takes_cwd),
	    cmocka_unit_test(test_cancel_takes_cwd),
	    cmocka_unit_test(test_note_defaults_to_plain_kind),
	    cmocka_unit_test(test_note_kinds),
	    cmocka_unit_test(test_todo_defaults_to_medium),
	    cmocka_unit_test(test_todo_priorities),
	    cmocka_unit_test(test_todo_blocked_with_blocked_by),
	    cmocka_unit_test(test_decision_with_why),
	    cmocka_unit_test(test_list_defaults_to_limit_20),
	    cmocka_unit_test(test_list_with_cwd_and_limit),
	    cmocka_unit_test(test_ping),
	    cmocka_unit_test(test_surrounding_whitespace_is_accepted),
	    cmocka_unit_test(test_multibyte_utf8_is_accepted),
	    cmocka_unit_test(test_release_twice_is_harmless),
	    cmocka_unit_test(test_request_new_round_trips_for_every_command),
	    cmocka_unit_test(test_add_fields),
	    cmocka_unit_test(test_edit_fields),
	    cmocka_unit_test(test_stop_flags_and_log_commit),
	    cmocka_unit_test(test_name_lookups_round_trip),
	    cmocka_unit_test(test_name_lookups_reject_unknown_names),
	    cmocka_unit_test(test_empty_line_is_bad_json),
	    cmocka_unit_test(test_whitespace_only_is_bad_json),
	    cmocka_unit_test(test_array_is_not_a_request),
	    cmocka_unit_test(test_string_is_not_a_request),
	    cmocka_unit_test(test_number_is_not_a_request),
	    cmocka_unit_test(test_null_is_not_a_request),
	    cmocka_unit_test(test_truncated_json_is_bad_json),
	    cmocka_unit_test(test_trailing_garbage_is_bad_json),
	    cmocka_unit_test(test_two_objects_on_one_line_are_bad_json),
	    cmocka_unit_test(test_single_quotes_are_bad_json),
	    cmocka_unit_test(test_escaped_nul_is_refused),
	    cmocka_unit_test(test_raw_nul_byte_is_refused),
	    cmocka_unit_test(test_escaped_lone_surrogate_is_refused),
	    cmocka_unit_test(test_line_of_max_length_is_too_large),
	    cmocka_unit_test(test_line_one_below_max_length_is_accepted),
	    cmocka_unit_test(test_huge_garbage_line_is_too_large_not_bad_json),
	    cmocka_unit_test(test_overlong_encoding_is_bad_utf8),
	    cmocka_unit_test(test_lone_continuation_byte_is_bad_utf8),
	    cmocka_unit_test(test_utf8_encoded_surrogates_are_bad_utf8),
	    cmocka_unit_test(test_ff_and_fe_bytes_are_bad_utf8),
	    cmocka_unit_test(test_truncated_sequence_is_bad_utf8),
	    cmocka_unit_test(test_code_point_above_u10ffff_is_bad_utf8),
	    cmocka_unit_test(test_invalid_utf8_in_a_key_is_bad_utf8),
	    cmocka_unit_test(test_invalid_utf8_outside_strings_is_bad_utf8),
	    cmocka_unit_test(test_missing_version_is_bad_version),
	    cmocka_unit_test(test_version_as_string_is_bad_version),
	    cmocka_unit_test(test_version_as_real_is_bad_version),
	    cmocka_unit_test(test_version_2_is_bad_version),
	    cmocka_unit_test(test_missing_cmd_is_bad_request),
	    cmocka_unit_test(test_cmd_not_a_string_is_bad_request),
	    cmocka_unit_test(test_unknown_cmd_is_unknown_command),
	    cmocka_unit_test(test_unknown_field_is_bad_request),
	    cmocka_unit_test(test_field_of_another_command_is_bad_request),
	    cmocka_unit_test(test_duplicate_key_is_bad_request),
	    cmocka_unit_test(test_missing_required_field_is_bad_request),
	    cmocka_unit_test(test_watch_commands_validate_their_fields),
	    cmocka_unit_test(test_wrong_type_per_field_is_bad_request),
	    cmocka_unit_test(test_empty_strings_are_bad_request),
	    cmocka_unit_test(test_blank_duplicate_and_bidi_are_bad_request),
	    cmocka_unit_test(test_relative_cwd_is_bad_request),
	    cmocka_unit_test(test_cwd_length_limit),
	    cmocka_unit_test(test_focus_length_limit),
	    cmocka_unit_test(test_focus_limit_counts_bytes_not_characters),
	    cmocka_unit_test(test_text_length_limit),
	    cmocka_unit_test(test_why_summary_blocked_by_length_limits),
	    cmocka_unit_test(test_tag_length_limit),
	    cmocka_unit_test(test_16_tags_pass_17_fail),
	    cmocka_unit_test(test_tag_with_space_comma_or_control_is_bad_request),
	    cmocka_unit_test(test_control_characters_in_focus_are_bad_request),
	    cmocka_unit_test(test_newline_and_tab_in_text_are_accepted),
	    cmocka_unit_test(test_other_control_characters_in_text_are_bad_request),
	    cmocka_unit_test(test_newline_in_cwd_is_bad_request),
	    cmocka_unit_test(test_bad_note_kind_is_bad_request),
	    cmocka_unit_test(test_bad_priority_is_bad_request),
	    cmocka_unit_test(test_blocked_by_without_blocked_priority_is_bad_request),
	    cmocka_unit_test(test_limit_bounds),
	    cmocka_unit_test(test_non_integer_limit_is_bad_request),
	    cmocka_unit_test(test_reply_ok),
	    cmocka_unit_test(test_reply_error_has_code_and_message),
	    cmocka_unit_test(test_reply_error_with_invalid_utf8_is_valid_json),
	    cmocka_unit_test(test_reply_error_with_cut_utf8_sequence_is_valid_json),
	    cmocka_unit_test(test_reply_error_with_very_long_message_is_valid_json),
	    cmocka_unit_test(test_parse_error_quoting_peer_bytes_relays_as_valid_json),
	    cmocka_unit_test(test_encode_ends_with_exactly_one_newline),
	    cmocka_unit_test(test_encode_round_trips),
	    cmocka_unit_test(test_encoded_request_parses_back),
	    cmocka_unit_test(test_reply_check_accepts_ok_and_error_replies),
	    cmocka_unit_test(test_reply_check_refuses_a_broken_envelope),
	    cmocka_unit_test(test_reply_check_names_both_versions),
	    cmocka_unit_test(test_reply_accessors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
