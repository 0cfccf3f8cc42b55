/* The record line (common/record_line.c): written, read back, found in a log, and every bad one
 * refused with its reason. */
#include "record_line.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#define GOOD                                                                                       \
	"<!-- stint-record v1 {\"store\":\"5ec1d842\",\"id\":12,\"repo\":\"widget\","              \
	"\"author\":\"Ada Lovelace\",\"branch\":\"main\",\"focus\":null,\"tags\":[\"c\",\"x\"],"   \
	"\"start\":1796349327054,\"end\":1796356527054,\"active_s\":5400,"                         \
	"\"spans\":[[1796349327054,1796352927054],[1796354727054,1796356527054]],"                 \
	"\"commits\":3,\"files\":4,\"added\":120,\"removed\":7,\"written\":1796356528000} -->"

static void test_parse_good(void **state)
{
	struct record_line r;
	char err[256] = "";

	(void)state;
	assert_int_equal(record_line_parse(GOOD, strlen(GOOD), &r, err, sizeof(err)), 0);
	assert_string_equal(r.store, "5ec1d842");
	assert_int_equal(r.id, 12);
	assert_string_equal(r.repo, "widget");
	assert_string_equal(r.author, "Ada Lovelace");
	assert_string_equal(r.branch, "main");
	assert_null(r.focus);
	assert_int_equal(r.ntags, 2);
	assert_string_equal(r.tags[1], "x");
	assert_int_equal(r.start_ms, 1796349327054LL);
	assert_int_equal(r.end_ms, 1796356527054LL);
	assert_int_equal(r.active_s, 5400);
	assert_string_equal(r.spans,
			    "[[1796349327054,1796352927054],[1796354727054,1796356527054]]");
	assert_int_equal(r.commits, 3);
	assert_int_equal(r.files, 4);
	assert_int_equal(r.added, 120);
	assert_int_equal(r.removed, 7);
	assert_int_equal(r.written_ms, 1796356528000LL);
	record_line_finish(&r);
}

/* Absent statistics are 0 (a session outside git); a CR and blanks after the comment are fine. */
static void test_parse_minimal(void **state)
{
	const char *line = "<!-- stint-record v1 {\"store\":\"a\",\"id\":1,\"repo\":\"r\","
			   "\"start\":1000,\"end\":61000,\"active_s\":60,\"future\":[1]} --> \r";
	struct record_line r;
	char err[256] = "";

	(void)state;
	assert_int_equal(record_line_parse(line, strlen(line), &r, err, sizeof(err)), 0);
	assert_null(r.author);
	assert_null(r.spans);
	assert_int_equal(r.ntags, 0);
	assert_int_equal(r.commits + r.files + r.added + r.removed + r.written_ms, 0);
	record_line_finish(&r);
}

/* Each bad line: refused (-EINVAL), the reason naming the cause, nothing kept. */
static void expect_bad(const char *line, const char *why)
{
	struct record_line r;
	char err[256] = "";

	if (record_line_parse(line, strlen(line), &r, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted: %s", line);
	if (!strstr(err, why))
		fail_msg("for %s: expected [%s] in [%s]", line, why, err);
	assert_null(r.json);
	assert_null(r.spans);
}

/* GOOD with its first occurrence of from replaced by to. */
static char *good_with(const char *from, const char *to)
{
	static char buf[2048];
	const char *at = strstr(GOOD, from);

	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
	return buf;
}

static void test_parse_bad(void **state)
{
	char *big;

	(void)state;
	expect_bad("<!-- stint-record {} -->", "no version");
	expect_bad("<!-- stint-record v2 {} -->", "record version v2 (this stint reads v1)");
	expect_bad("<!-- stint-record v12345 {} -->", "bad version");
	expect_bad("<!-- stint-record v1 {}", "does not end with");
	expect_bad("<!-- stint-record v1 -->", "does not end with");
	expect_bad("<!-- stint-record v1 {\"store\": -->", "bad JSON");
	expect_bad("<!-- stint-record v1 [] -->", "not a JSON object");
	expect_bad(good_with("\"widget\"", "\"a-->b\""), "holds '>'");
	expect_bad(good_with("\"store\":\"5ec1d842\",", ""), "no \"store\"");
	expect_bad(good_with("5ec1d842", "../x"), "\"store\" holds a character");
	expect_bad(good_with("\"id\":12", "\"id\":0"), "\"id\" 0 is out of range");
	expect_bad(good_with("\"id\":12", "\"id\":\"12\""), "\"id\" is not an integer");
	expect_bad(good_with("\"id\":12", "\"id\":1,\"id\":2"), "bad JSON");
	expect_bad(good_with("\"widget\"", "\"\""), "\"repo\" is empty");
	expect_bad(good_with("\"widget\"", "\"wid\\u001bget\""), "control character");
	expect_bad(good_with("\"widget\"", "\"wid\\nget\""), "control character");
	expect_bad(good_with("\"widget\"", "\"wid\\u0000get\""), "bad JSON");
	expect_bad(good_with("\"main\"", "7"), "\"branch\" is not a string");
	expect_bad(good_with("[\"c\",\"x\"]", "\"c\""), "\"tags\" is not a list");
	expect_bad(good_with("[\"c\",\"x\"]", "[\"c\",1]"), "tag 2 is not a string");
	expect_bad(good_with("\"end\":1796356527054", "\"end\":1796349327053"),
		   "\"end\" 1796349327053 is out of range");
	expect_bad(good_with("\"end\":1796356527054", "\"end\":999999999999999"),
		   "\"end\" 999999999999999 is out of range");
	expect_bad(good_with("\"start\":1796349327054", "\"start\":-5"), "\"start\" -5");
	expect_bad(good_with("\"active_s\":5400", "\"active_s\":99999"),
		   "\"active_s\" 99999 is out of range");
	expect_bad(good_with("\"added\":120", "\"added\":-1"), "\"added\" -1 is out of range");
	expect_bad(good_with("\"written\":1796356528000", "\"written\":-1"),
		   "\"written\" -1 is out of range");
	expect_bad(good_with("\"commits\":3", "\"commits\":1e3"), "\"commits\" is not an integer");
	expect_bad(good_with("\"files\":4", "\"files\":99999999999"), "\"files\" 99999999999");
	expect_bad(good_with("[[1796349327054,", "[[1,"), "span 1 is out of order");
	expect_bad(good_with("[[1796349327054,1796352927054],", "[[1796349327054],"),
		   "span 1 is not [from_ms, to_ms]");
	expect_bad(good_with(",[1796354727054,", ",[1796349327054,"), "span 2 is out of order");
	big = malloc(RECORD_LINE_MAX + 64);
	assert_non_null(big);
	memset(big, ' ', RECORD_LINE_MAX + 63);
	memcpy(big, "<!-- stint-record v1 ", 21);
	big[RECORD_LINE_MAX + 10] = 'x';
	big[RECORD_LINE_MAX + 63] = '\0';
	expect_bad(big, "bytes (at most");
	free(big);
}

/* Written and read back the same; '>' escaped; a record out of bounds is not written. */
static void test_encode(void **state)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:n, s:s, s:[s], s:I, s:I, s:i}", "store",
			      "ab12", "id", 7, "repo", "w>x", "author", "Ada <ada@example.org>",
			      "branch", "focus", "a --> b", "tags", "t", "start", (json_int_t)1000,
			      "end", (json_int_t)3601000, "active_s", 3600);
	struct record_line r;
	char err[256] = "", *line;

	(void)state;
	assert_non_null(o);
	line = record_line_encode(o, err, sizeof(err));
	assert_non_null(line);
	assert_ptr_equal(strchr(line, '>'), line + strlen(line) - 1);
	assert_non_null(strstr(line, "\"repo\":\"w\\u003ex\""));
	assert_int_equal(record_line_find(line, strlen(line), &r, err, sizeof(err)), 0);
	assert_string_equal(r.repo, "w>x");
	assert_string_equal(r.author, "Ada <ada@example.org>");
	assert_string_equal(r.focus, "a --> b");
	record_line_finish(&r);
	free(line);
	json_object_set_new(o, "active_s", json_integer(-1));
	assert_null(record_line_encode(o, err, sizeof(err)));
	assert_non_null(strstr(err, "\"active_s\" -1"));
	json_decref(o);
}

/* In a log: the one line starting with the mark, wherever it is; none; two; a bad one. */
static void test_find(void **state)
{
	char text[4096], err[256] = "";
	struct record_line r;

	(void)state;
	snprintf(text, sizeof(text), "# Session: x\n\nSome text.\n\n%s\n\nAdded by hand.\n", GOOD);
	assert_int_equal(record_line_find(text, strlen(text), &r, err, sizeof(err)), 0);
	assert_int_equal(r.id, 12);
	record_line_finish(&r);
	/* Indented or quoted is not the record line: it is text. */
	snprintf(text, sizeof(text), "# x\n  %s\n> %s\n", GOOD, GOOD);
	assert_int_equal(record_line_find(text, strlen(text), &r, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no record line");
	assert_int_equal(record_line_find("", 0, &r, err, sizeof(err)), -ENOENT);
	snprintf(text, sizeof(text), "%s\n# x\n%s\n", GOOD, GOOD);
	assert_int_equal(record_line_find(text, strlen(text), &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "two record lines (lines 1 and 3)");
	snprintf(text, sizeof(text), "# x\n\n<!-- stint-record v1 {} -->\n");
	assert_int_equal(record_line_find(text, strlen(text), &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 3: no \"store\"");
	/* The text need not end in a newline, and may use CRLF. */
	snprintf(text, sizeof(text), "# x\r\n%s", GOOD);
	assert_int_equal(record_line_find(text, strlen(text), &r, err, sizeof(err)), 0);
	record_line_finish(&r);
	snprintf(text, sizeof(text), "# x\r\n%s\r\n", GOOD);
	assert_int_equal(record_line_find(text, strlen(text), &r, err, sizeof(err)), 0);
	record_line_finish(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_minimal),
	    cmocka_unit_test(test_parse_bad),  cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
