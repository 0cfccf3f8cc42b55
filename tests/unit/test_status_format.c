#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_format.h"
#include "testutil.h"

/* A session of the status reply: 1 h 02 min active, three commits. */
static json_t *session(void)
{
	return testutil_json(
	    "{\"id\": 7, \"repo\": \"/home/me/src/stint\", \"repo_name\": \"stint\","
	    " \"branch\": \"feat/login\", \"focus\": \"socket server\", \"state\": \"active\","
	    " \"active_s\": 3725, \"commits\": 3, \"added\": 120, \"removed\": 7,"
	    " \"files_changed\": 4}");
}

/* Parses spec (which must be valid) and renders s through it. */
static const char *render(const char *spec, bool all, const json_t *s, long others)
{
	static char buf[STATUS_FORMAT_LINE_MAX];
	struct status_format f;
	char err[256];

	if (status_format_parse(spec, all, &f, err, sizeof(err)) < 0)
		fail_msg("'%s' refused: %s", spec, err);
	status_format_render(&f, s, others, buf, sizeof(buf));
	return buf;
}

/* Parses spec, which must be refused; returns the message. */
static const char *refuse(const char *spec)
{
	static char err[512];
	struct status_format f;

	if (status_format_parse(spec, false, &f, err, sizeof(err)) == 0)
		fail_msg("'%s' accepted", spec);
	return err;
}

static void test_short(void **state)
{
	json_t *s = session();

	(void)state;
	assert_string_equal(render("short", false, s, 0), "● feat/login 1h02m");
	json_object_set_new(s, "state", json_string("paused"));
	assert_string_equal(render("short", false, s, 0), "⏸ feat/login 1h02m");
	json_object_set_new(s, "state", json_string("idle"));
	json_object_set_new(s, "active_s", json_integer(59));
	assert_string_equal(render("short", false, s, 0), "◌ feat/login 0m");
	/* Outside git: no branch, and no space left for it. */
	json_object_set_new(s, "branch", json_null());
	json_object_set_new(s, "active_s", json_integer(754));
	assert_string_equal(render("short", false, s, 0), "◌ 12m");
	/* --all: the repository, and the other sessions when there are any. */
	assert_string_equal(render("short", true, s, 0), "◌ stint 12m");
	assert_string_equal(render("short", true, s, 2), "◌ stint 12m +2");
	json_decref(s);
}

static void test_fields(void **state)
{
	json_t *s = session();

	(void)state;
	assert_string_equal(render("{state}|{repo}|{branch}|{focus}|{active}|{commits}|{added}|"
				   "{removed}|{icon}|{others}",
				   false, s, 0),
			    "active|stint|feat/login|socket server|1h02m|3|120|7|●|");
	assert_string_equal(render("{others}", false, s, 3), "3");
	/* Braces: doubled for a literal; text in a field's braces only with a value. */
	assert_string_equal(render("{{{branch}}}", false, s, 0), "{feat/login}");
	assert_string_equal(render("[{+added}{ -removed}]", false, s, 0), "[+120 -7]");
	assert_string_equal(render("{(focus) }x", false, s, 0), "(socket server) x");
	/* Unknown numbers (outside git) are empty, zero is 0. */
	json_object_set_new(s, "commits", json_null());
	json_object_set_new(s, "added", json_integer(0));
	json_object_del(s, "focus");
	assert_string_equal(render("<{commits}>{(focus)}<{added}>", false, s, 0), "<><0>");
	/* No text at all is fine: a line with nothing in it. */
	assert_string_equal(render("{focus}", false, s, 0), "");
	json_decref(s);
}

static void test_hostile_values(void **state)
{
	json_t *s = session();

	(void)state;
	/* An escape sequence or a newline in a value cannot drive the terminal or break a line. */
	json_object_set_new(s, "focus", json_string("a\x1b[31mred\nx\ty\u200bz"));
	assert_string_equal(render("{focus}", false, s, 0), "a?[31mred?x?y?z");
	json_object_set_new(s, "state", json_string("weird"));
	assert_string_equal(render("{icon}", false, s, 0), "?");
	json_decref(s);
}

static void test_cut(void **state)
{
	json_t *s = session();
	struct status_format f;
	char err[64], buf[8];

	(void)state;
	/* "● " is 4 bytes; the next "●" does not fit whole in the 3 left, so it is cut before. */
	assert_int_equal(status_format_parse("{icon} {icon}{icon}", false, &f, err, sizeof(err)),
			 0);
	assert_int_equal(status_format_render(&f, s, 0, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "● ●");
	json_decref(s);
}

static void test_waybar(void **state)
{
	json_t *s = session(), *j;
	json_error_t jerr;

	(void)state;
	j = json_loads(render("waybar", false, s, 0), 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "text")), "● feat/login 1h02m");
	assert_string_equal(json_string_value(json_object_get(j, "class")), "active");
	assert_string_equal(json_string_value(json_object_get(j, "alt")), "active");
	assert_string_equal(json_string_value(json_object_get(j, "tooltip")),
			    "stint on feat/login (socket server): active 1h02m, 3 commits +120 -7");
	json_decref(j);
	/* A quote in a value stays inside its JSON string. */
	json_object_set_new(s, "focus", json_string("say \"hi\""));
	j = json_loads(render("waybar", true, s, 1), 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "text")),
			    "● stint feat/login 1h02m +1");
	assert_non_null(strstr(json_string_value(json_object_get(j, "tooltip")), "say \"hi\""));
	json_decref(j);
	json_decref(s);
}

static void test_refused(void **state)
{
	char big[STATUS_FORMAT_MAX + 2];

	(void)state;
	assert_non_null(strstr(refuse("{bogus}"), "unknown field '{bogus}'"));
	assert_non_null(strstr(refuse("x {on branch}"), "unknown field '{on branch}'"));
	assert_non_null(strstr(refuse("{Branch}"), "unknown field '{Branch}'"));
	assert_non_null(strstr(refuse("{}"), "unknown field '{}'"));
	assert_non_null(strstr(refuse("{ }"), "unknown field '{ }'"));
	assert_non_null(strstr(refuse("a {branch"), "'{' at byte 2 has no '}'"));
	assert_non_null(strstr(refuse("a {bra{nch}"), "'{' at byte 2 has no '}'"));
	assert_non_null(strstr(refuse("{branch}}"), "'}' at byte 8 closes no field"));
	assert_non_null(strstr(refuse("oneline"), "unknown format 'oneline'"));
	assert_non_null(strstr(refuse("\xff{branch}"), "not valid UTF-8"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '{';
	assert_non_null(strstr(refuse(big), "longer than 1024 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short),	   cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_hostile_values), cmocka_unit_test(test_cut),
	    cmocka_unit_test(test_waybar),	   cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
