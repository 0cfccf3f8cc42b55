#include "checks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

/* --- test summaries --------------------------------------------------------------------- */

/* Parses text and expects these counts (all -1: no summary). */
static void expect_tests(const char *text, int64_t passed, int64_t failed, int64_t skipped)
{
	struct checks_tests t = {-1, -1, -1};
	bool found = checks_parse_tests(text, strlen(text), &t);

	if (passed < 0 && failed < 0 && skipped < 0) {
		if (found)
			fail_msg("found %lld passed, %lld failed, %lld skipped in:\n%s",
				 (long long)t.passed, (long long)t.failed, (long long)t.skipped,
				 text);
		return;
	}
	if (!found)
		fail_msg("no summary found in:\n%s", text);
	if (t.passed != passed || t.failed != failed || t.skipped != skipped)
		fail_msg(
		    "have %lld passed, %lld failed, %lld skipped; want %lld, %lld, %lld in:\n%s",
		    (long long)t.passed, (long long)t.failed, (long long)t.skipped,
		    (long long)passed, (long long)failed, (long long)skipped, text);
}

static void test_parse_ctest(void **state)
{
	expect_tests("Test project /home/ada/src/stint/build\n"
		     "      Start  1: unit/test_config\n"
		     " 1/20 Test  #1: unit/test_config ...............   Passed    0.05 sec\n"
		     "\n"
		     "100% tests passed, 0 tests failed out of 20\n"
		     "\n"
		     "Total Test time (real) =  12.34 sec\n",
		     20, 0, 0);
	expect_tests("95% tests passed, 1 tests failed out of 20\n"
		     "\n"
		     "Total Test time (real) =   3.21 sec\n"
		     "\n"
		     "The following tests FAILED:\n"
		     "\t  7 - unit/test_store (Failed)\n"
		     "Errors while running CTest\n",
		     19, 1, 0);
	/* A skipped test counts among ctest's "passed"; a disabled one not at all. */
	expect_tests(
	    "4/4 Test #4: d ................................***Not Run (Disabled)   0.00 sec\n"
	    "\n"
	    "67% tests passed, 1 tests failed out of 3\n"
	    "\n"
	    "Total Test time (real) =   0.02 sec\n"
	    "\n"
	    "The following tests did not run:\n"
	    "\t  2 - b (Skipped)\n"
	    "\t  4 - d (Disabled)\n"
	    "\n"
	    "The following tests FAILED:\n"
	    "\t  3 - c (Failed)\n"
	    "Errors while running CTest\n",
	    1, 1, 1);
	expect_tests("0% tests passed, 2 tests failed out of 2\n", 0, 2, 0);
}

static void test_parse_pytest(void **state)
{
	expect_tests(
	    "============================= test session starts ==============================\n"
	    "collected 15 items\n"
	    "\n"
	    "tests/test_a.py ..F.s\n"
	    "=========================== short test summary info ============================\n"
	    "FAILED tests/test_a.py::test_c - assert 1 == 2\n"
	    "=== 3 failed, 10 passed, 2 skipped in 0.5s ===\n",
	    10, 3, 2);
	expect_tests(".....                                                                    "
		     "[100%]\n5 passed in 0.1s\n",
		     5, 0, 0);
	expect_tests("==== 12 passed, 1 xfailed, 3 warnings in 61.20s (0:01:01) ====\n", 12, 0, 0);
	expect_tests("= 1 failed, 2 passed, 1 error, 1 deselected in 0.30s =\n", 2, 2, 0);
	/* A collection error alone, in pytest's frame. */
	expect_tests("=========== 1 error in 0.12s ===========\n", 0, 1, 0);
	/* With colours (pytest --color=yes). */
	expect_tests(
	    "\x1b[31m===== \x1b[31m\x1b[1m1 failed\x1b[0m, \x1b[32m4 passed\x1b[0m\x1b[31m "
	    "in 0.05s\x1b[0m\x1b[31m =====\x1b[0m\n",
	    4, 1, 0);
	expect_tests("============ no tests ran in 0.01s ============\n", -1, -1, -1);
}

static void test_parse_cargo(void **state)
{
	/* One result line per test binary: added up. */
	expect_tests("running 13 tests\n"
		     "test a ... ok\n"
		     "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; "
		     "finished in 0.00s\n"
		     "\n"
		     "     Running tests/it.rs (target/debug/deps/it-0123)\n"
		     "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered "
		     "out; finished in 1.02s\n"
		     "\n"
		     "   Doc-tests stint\n"
		     "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n",
		     15, 2, 1);
}

static void test_parse_go(void **state)
{
	/* -v: top-level tests, not subtests; packages added up. */
	expect_tests("=== RUN   TestA\n"
		     "--- PASS: TestA (0.00s)\n"
		     "=== RUN   TestB\n"
		     "=== RUN   TestB/sub\n"
		     "    --- PASS: TestB/sub (0.00s)\n"
		     "--- PASS: TestB (0.00s)\n"
		     "=== RUN   TestC\n"
		     "    c_test.go:12: boom\n"
		     "--- FAIL: TestC (0.01s)\n"
		     "=== RUN   TestD\n"
		     "    d_test.go:5: needs a database\n"
		     "--- SKIP: TestD (0.00s)\n"
		     "FAIL\n"
		     "FAIL\texample.com/a\t0.02s\n"
		     "=== RUN   TestE\n"
		     "--- PASS: TestE (0.00s)\n"
		     "PASS\n"
		     "ok  \texample.com/b\t0.01s\n",
		     3, 1, 1);
	/* Without -v the passing tests are not listed: no counts rather than wrong ones. */
	expect_tests("--- FAIL: TestC (0.01s)\n"
		     "    c_test.go:12: boom\n"
		     "FAIL\n"
		     "FAIL\texample.com/a\t0.02s\n"
		     "ok  \texample.com/b\t0.01s\n",
		     -1, -1, -1);
}

static void test_parse_plain_and_jest(void **state)
{
	expect_tests("running the suite\n10 passed, 2 failed\n", 10, 2, 0);
	expect_tests("3 passed, 0 failed, 4 skipped\n", 3, 0, 4);
	expect_tests("Test Suites: 1 failed, 2 passed, 3 total\n"
		     "Tests:       1 failed, 2 skipped, 5 passed, 8 total\n"
		     "Snapshots:   0 total\n"
		     "Time:        1.234 s\n",
		     5, 1, 2);
	/* Compiler chatter is not a summary. */
	expect_tests("3 errors generated.\n"
		     "2 warnings generated.\n"
		     "We passed 2 milestones\n"
		     "1 error\n"
		     "passed, failed\n"
		     "12 passed tests\n",
		     -1, -1, -1);
}

static void test_parse_cmocka(void **state)
{
	static const char group[] = "[==========] Running 4 test(s).\n"
				    "[ RUN      ] a\n"
				    "[       OK ] a\n"
				    "[ RUN      ] b\n"
				    "[  FAILED  ] b\n"
				    "[ RUN      ] c\n"
				    "[  SKIPPED ] c\n"
				    "[==========] 4 test(s) run.\n"
				    "ERROR: x\n"
				    "[  ERROR   ] --- [   LINE   ] --- t.c:7: error: Failure!\n"
				    "[  PASSED  ] 2 test(s).\n"
				    "[  SKIPPED ] 1 test(s), listed below:\n"
				    "[  SKIPPED ] c\n"
				    "\n"
				    " 1 SKIPPED TEST(S)\n"
				    "[  FAILED  ] 1 test(s), listed below:\n"
				    "[  FAILED  ] b\n"
				    "\n"
				    " 1 FAILED TEST(S)\n";
	char two[2048];

	expect_tests(group, 2, 1, 1);
	expect_tests("[==========] tests: Running 8 test(s).\n"
		     "[==========] tests: 8 test(s) run.\n"
		     "[  PASSED  ] 8 test(s).\n",
		     8, 0, 0);
	expect_tests("[  FAILED  ] tests: 2 test(s), listed below:\n", 0, 2, 0);
	/* One group per test binary: added up. */
	snprintf(two, sizeof(two), "%s[==========] Running 8 test(s).\n[  PASSED  ] 8 test(s).\n",
		 group);
	expect_tests(two, 10, 1, 1);
}

static void test_parse_prove(void **state)
{
	expect_tests("t/a.t .. ok\n"
		     "t/b.t .. ok\n"
		     "t/c.t .. skipped: no database\n"
		     "All tests successful.\n"
		     "Files=3, Tests=42,  1 wallclock secs ( 0.02 usr  0.00 sys +  0.10 cusr  0.02 "
		     "csys =  0.14 CPU)\n"
		     "Result: PASS\n",
		     42, 0, 0);
	expect_tests("t/a.t .. 1/5 \n"
		     "#   Failed test 'x'\n"
		     "t/a.t .. Dubious, test returned 1 (wstat 256, 0x100)\n"
		     "\n"
		     "Test Summary Report\n"
		     "-------------------\n"
		     "t/a.t (Wstat: 256 (exited 1) Tests: 5 Failed: 1)\n"
		     "  Failed test:  3\n"
		     "t/b.t (Wstat: 512 Tests: 10 Failed: 2)\n"
		     "  Failed tests:  4, 7\n"
		     "Files=3, Tests=42,  0 wallclock secs ( 0.02 usr +  0.01 sys =  0.03 CPU)\n"
		     "Result: FAIL\n",
		     39, 3, 0);
}

static void test_parse_unittest_and_meson(void **state)
{
	expect_tests("......\n"
		     "----------------------------------------------------------------------\n"
		     "Ran 6 tests in 0.001s\n"
		     "\n"
		     "OK\n",
		     6, 0, 0);
	expect_tests("Ran 6 tests in 0.002s\n\nFAILED (failures=1, errors=1, skipped=1)\n", 3, 2,
		     1);
	expect_tests("Ran 1 test in 0.000s\n\nOK (skipped=1)\n", 0, 0, 1);
	expect_tests(" 1/3 unit/a        OK              0.01s\n"
		     "\n"
		     "Ok:                 5   \n"
		     "Expected Fail:      0   \n"
		     "Fail:               1   \n"
		     "Unexpected Pass:    0   \n"
		     "Skipped:            2   \n"
		     "Timeout:            1   \n"
		     "\n"
		     "Full log written to /x/meson-logs/testlog.txt\n",
		     5, 2, 2);
}

static void test_parse_last_summary_wins(void **state)
{
	/* ctest printing a test's pytest output: ctest's own summary comes last. */
	expect_tests("=== 1 failed, 2 passed in 0.1s ===\n"
		     "50% tests passed, 1 tests failed out of 2\n",
		     1, 1, 0);
	expect_tests("100% tests passed, 0 tests failed out of 4\n"
		     "5 passed in 0.1s\n",
		     5, 0, 0);
	/* Results of one kind add up only while in a row. */
	expect_tests("test result: ok. 7 passed; 0 failed; 0 ignored\n"
		     "100% tests passed, 0 tests failed out of 4\n"
		     "test result: ok. 2 passed; 1 failed; 0 ignored\n",
		     2, 1, 0);
	/* Carriage-return progress, CRLF, no final newline. */
	expect_tests("running 1/3\rrunning 3/3\r5 passed in 0.1s\r\n", 5, 0, 0);
	expect_tests("10 passed, 2 failed", 10, 2, 0);
	expect_tests("", -1, -1, -1);
}

/* --- output tails ----------------------------------------------------------------------- */

static void expect_tail(const char *text, size_t len, bool truncated, const char *want)
{
	char *have = checks_output_tail(text, len, truncated);

	assert_non_null(have);
	assert_string_equal(have, want);
	free(have);
}

#define TAIL(text, want) expect_tail(text, sizeof(text) - 1, false, want)

static void test_tail_cleaning(void **state)
{
	TAIL("", "");
	TAIL("\n\n  \n", "");
	TAIL("no newline", "no newline\n");
	TAIL("a\nb\n\n\n", "a\nb\n");
	TAIL("\x1b[1;31mred\x1b[0m plain\n", "red plain\n");
	TAIL("\x1b]0;a title\x07text\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\n", "textlink\n");
	TAIL("\x1b(Bx\x1b[K\n", "x\n");
	TAIL("caf\xC3\xA9 \xE2\x9C\x85\n", "caf\xC3\xA9 \xE2\x9C\x85\n");
	TAIL("a\xFF"
	     "b\n",
	     "a\xEF\xBF\xBD"
	     "b\n");
	/* Overlong, surrogate, truncated sequences. */
	TAIL(
	    "\xC0\xAF|\xED\xA0\x80|\xE2\x9C\n",
	    "\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD"
	    "\n");
	TAIL("a\bb\x07"
	     "c\x7f\td\n",
	     "abc\td\n");
	/* Carriage returns: what the terminal would show. */
	TAIL(" 50%\r100%\n", "100%\n");
	TAIL("done\r\n", "done\n");
	TAIL("progress\r", "progress\n");
	TAIL("a\r\rb\n", "b\n");
	/* A NUL is a control character like another. */
	expect_tail("a\0b\n", 4, false, "ab\n");
}

static void test_tail_limits(void **state)
{
	char *text = malloc(20000), *have, want[64], *p = text;

	/* The last 40 of 100 lines. */
	for (int i = 1; i <= 100; i++)
		p += sprintf(p, "line %d\n", i);
	have = checks_output_tail(text, (size_t)(p - text), false);
	assert_non_null(have);
	assert_true(strncmp(have, "line 61\n", 8) == 0);
	assert_non_null(strstr(have, "\nline 100\n"));
	assert_int_equal(strlen(have), strlen(strstr(text, "line 61\n")));
	free(have);

	/* Long lines: as many whole last lines as fit in 4096 bytes. */
	p = text;
	for (int i = 0; i < 40; i++) {
		memset(p, 'a' + i % 26, 199);
		p[199] = '\n';
		p += 200;
	}
	have = checks_output_tail(text, (size_t)(p - text), false);
	assert_non_null(have);
	assert_true(strlen(have) <= CHECKS_TAIL_BYTES + 1);
	assert_int_equal(strlen(have), 20 * 200);
	assert_int_equal(have[0], 'a' + 20 % 26);
	free(have);

	/* One line longer than that alone: its end, cut at a character. */
	p = text;
	for (int i = 0; i < 5000; i++)
		p += sprintf(p, "\xC3\xA9");
	have = checks_output_tail(text, (size_t)(p - text), false);
	assert_non_null(have);
	assert_int_equal(strlen(have), CHECKS_TAIL_BYTES + 1);
	assert_memory_equal(have, "\xC3\xA9", 2);
	free(have);

	/* Truncated: the first, partial, line goes; unless it is the only one. */
	expect_tail("rtial line\nwhole\n", 17, true, "whole\n");
	expect_tail("rtial line", 10, true, "rtial line\n");
	snprintf(want, sizeof(want), "%s", "x\n");
	expect_tail("x\n", 2, false, want);
	free(text);
}

/* --- runs ------------------------------------------------------------------------------- */

struct fixture {
	uv_loop_t loop;
	char dir[PATH_MAX];
	int calls;
	json_t *results;
	uint64_t started_ns, done_ns;
	struct checks_run *run;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (!testutil_mkdtemp(f->dir, sizeof(f->dir), NULL, "checks") ||
	    uv_loop_init(&f->loop) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	json_decref(f->results);
	/* Every handle of the run is closed by the time done was called. */
	assert_false(uv_loop_alive(&f->loop));
	assert_int_equal(uv_loop_close(&f->loop), 0);
	testutil_rm_rf(f->dir);
	free(f);
	return 0;
}

static void done_cb(void *arg, json_t *results)
{
	struct fixture *f = arg;

	f->calls++;
	f->done_ns = uv_hrtime();
	json_decref(f->results);
	f->results = results;
}

/* Starts checks ("name", "command", ... NULL) in cwd (NULL: the fixture's directory). */
static void start(struct fixture *f, const char *cwd, int64_t timeout_s, ...)
{
	struct config_entry list[16];
	size_t n = 0;
	va_list ap;

	va_start(ap, timeout_s);
	for (const char *name; (name = va_arg(ap, const char *)); n++) {
		list[n].name = (char *)name;
		list[n].value = va_arg(ap, char *);
	}
	va_end(ap);
	f->started_ns = uv_hrtime();
	assert_int_equal(
	    checks_run(&f->loop, cwd ? cwd : f->dir, list, n, timeout_s, done_cb, f, &f->run), 0);
	/* Never from within checks_run. */
	assert_int_equal(f->calls, 0);
}

/* Runs the loop until done; returns the results. */
static json_t *finish(struct fixture *f)
{
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(f->calls, 1);
	assert_non_null(f->results);
	assert_true(json_is_array(f->results));
	return f->results;
}

static double elapsed_s(const struct fixture *f)
{
	return (double)(f->done_ns - f->started_ns) / 1e9;
}

/* The result of check i, which must be named name; prints it on a mismatch. */
static json_t *result(struct fixture *f, size_t i, const char *name)
{
	json_t *r = json_array_get(f->results, i);
	const char *have = json_string_value(json_object_get(r, "name"));

	if (!have || strcmp(have, name) != 0) {
		char *dump = json_dumps(f->results, JSON_INDENT(2));

		fail_msg("result %zu is not \"%s\":\n%s", i, name, dump ? dump : "?");
	}
	return r;
}

static void expect_field_absent(json_t *r, const char *key)
{
	if (json_object_get(r, key)) {
		char *dump = json_dumps(r, JSON_INDENT(2));

		fail_msg("\"%s\" should be absent:\n%s", key, dump ? dump : "?");
	}
}

static const char *tail_of(json_t *r)
{
	const char *s = json_string_value(json_object_get(r, "output_tail"));

	assert_non_null(s);
	return s;
}

static int64_t int_of(json_t *r, const char *key)
{
	json_t *v = json_object_get(r, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return json_integer_value(v);
}

/* The started hook: each check, in order, as it is about to start, with the list's size. */
static char started_log[256];

static void started_cb(void *arg, const char *name, size_t index, size_t n, int64_t timeout_s)
{
	size_t len = strlen(started_log);

	(void)arg;
	snprintf(started_log + len, sizeof(started_log) - len, "%s %zu/%zu %llds;", name, index, n,
		 (long long)timeout_s);
}

static void test_started_hook(void **state)
{
	struct fixture *f = *state;
	struct config_entry list[] = {{.name = "a", .value = "true"},
				      {.name = "b", .value = "exit 3"}};
	struct checks_hooks h = {.done = done_cb, .started = started_cb};

	started_log[0] = '\0';
	assert_int_equal(checks_run_with(&f->loop, f->dir, list, 2, 7, &h, f, &f->run), 0);
	/* The first comes from within checks_run_with: its progress is not late. */
	assert_string_equal(started_log, "a 0/2 7s;");
	finish(f);
	assert_string_equal(started_log, "a 0/2 7s;b 1/2 7s;");
	assert_true(json_is_true(json_object_get(result(f, 0, "a"), "ok")));
	assert_false(json_is_true(json_object_get(result(f, 1, "b"), "ok")));
	/* No done hook: refused like checks_run. */
	h.done = NULL;
	assert_int_equal(checks_run_with(&f->loop, f->dir, list, 2, 7, &h, f, NULL), -EINVAL);
	assert_int_equal(checks_run_with(&f->loop, f->dir, list, 2, 7, NULL, f, NULL), -EINVAL);
}

static void test_passing_check(void **state)
{
	struct fixture *f = *state;
	json_t *r, *tests;

	start(f, NULL, 10, "test", "echo ok; echo '5 passed in 0.1s'", NULL);
	finish(f);
	assert_int_equal(json_array_size(f->results), 1);
	r = result(f, 0, "test");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(int_of(r, "exit"), 0);
	assert_true(json_is_false(json_object_get(r, "timed_out")));
	expect_field_absent(r, "signal");
	expect_field_absent(r, "cancelled");
	assert_string_equal(tail_of(r), "ok\n5 passed in 0.1s\n");
	assert_true(json_is_real(json_object_get(r, "seconds")));
	assert_true(json_real_value(json_object_get(r, "seconds")) < 5);
	tests = json_object_get(r, "tests");
	assert_int_equal(int_of(tests, "passed"), 5);
	assert_int_equal(int_of(tests, "failed"), 0);
	assert_int_equal(int_of(tests, "skipped"), 0);
}

static void test_failing_check(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	start(f, NULL, 10, "lint", "echo boom >&2; exit 2", "missing",
	      "no-such-command-for-stint-test", NULL);
	finish(f);
	assert_int_equal(json_array_size(f->results), 2);
	r = result(f, 0, "lint");
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_int_equal(int_of(r, "exit"), 2);
	assert_string_equal(tail_of(r), "boom\n");
	expect_field_absent(r, "tests");
	r = result(f, 1, "missing");
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_int_equal(int_of(r, "exit"), 127);
	assert_non_null(strstr(tail_of(r), "not found"));
}

/* Whether pid is gone (or a zombie about to be reaped), waiting up to a second. */
static bool process_gone(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		char path[64], buf[512];
		FILE *fp;
		char *paren;
		size_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fp = fopen(path, "r");
		if (!fp)
			return true;
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		paren = strrchr(buf, ')');
		if (paren && paren[1] == ' ' && paren[2] == 'Z')
			return true;
		usleep(10000);
	}
	return false;
}

static pid_t read_pid(struct fixture *f, const char *name)
{
	char path[PATH_MAX + 32];
	FILE *fp;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "r");
	if (!fp)
		fail_msg("%s was not written", path);
	if (fscanf(fp, "%d", &pid) != 1 || pid <= 1)
		fail_msg("%s has no pid", path);
	fclose(fp);
	return pid;
}

static void test_timeout(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	start(f, NULL, 1, "slow", "echo started; sleep 30", NULL);
	finish(f);
	r = result(f, 0, "slow");
	assert_true(json_is_true(json_object_get(r, "timed_out")));
	assert_true(json_is_false(json_object_get(r, "ok")));
	expect_field_absent(r, "exit");
	assert_int_equal(int_of(r, "signal"), SIGTERM);
	assert_string_equal(tail_of(r), "started\n");
	if (elapsed_s(f) < 0.9 || elapsed_s(f) > 3)
		fail_msg("took %.2f s; want about 1", elapsed_s(f));
}

/* The process group gets the signal: a grandchild too, however deep. */
static void test_timeout_kills_grandchildren(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	start(f, NULL, 1, "deep", "sh -c 'sleep 30 & echo $! > sleep.pid; wait'", NULL);
	finish(f);
	r = result(f, 0, "deep");
	assert_true(json_is_true(json_object_get(r, "timed_out")));
	if (elapsed_s(f) > 3)
		fail_msg("took %.2f s; want about 1", elapsed_s(f));
	assert_true(process_gone(read_pid(f, "sleep.pid")));
}

/* SIGTERM ignored: SIGKILL 2 seconds later. */
static void test_timeout_escalates_to_sigkill(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	start(f, NULL, 1, "stubborn", "trap '' TERM; sleep 30 & echo $! > sleep.pid; wait", NULL);
	finish(f);
	r = result(f, 0, "stubborn");
	assert_true(json_is_true(json_object_get(r, "timed_out")));
	assert_int_equal(int_of(r, "signal"), SIGKILL);
	if (elapsed_s(f) < 2.9 || elapsed_s(f) > 4.5)
		fail_msg("took %.2f s; want about 3 (1 s, then SIGKILL 2 s later)", elapsed_s(f));
	assert_true(process_gone(read_pid(f, "sleep.pid")));
}

/* The shell exits, what it left in the background holds the output: it is stopped. */
static void test_leftover_in_group(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	start(f, NULL, 10, "bg", "sleep 30 & echo $! > sleep.pid; echo done", NULL);
	finish(f);
	r = result(f, 0, "bg");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(int_of(r, "exit"), 0);
	assert_true(json_is_false(json_object_get(r, "timed_out")));
	assert_string_equal(tail_of(r), "done\n");
	if (elapsed_s(f) > 1.5)
		fail_msg("took %.2f s; want well under 1", elapsed_s(f));
	assert_true(process_gone(read_pid(f, "sleep.pid")));
}

/* Out of the group's reach, holding the output: stintd stops reading after 3 seconds. */
static void test_leftover_outside_group(void **state)
{
	struct fixture *f = *state;
	json_t *r;
	pid_t pid;

	start(f, NULL, 10, "escape",
	      "setsid sh -c 'echo $$ > sleep.tmp; mv sleep.tmp sleep.pid; exec sleep 30' & "
	      "while ! test -e sleep.pid; do sleep 0.05; done; echo hi",
	      NULL);
	finish(f);
	r = result(f, 0, "escape");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_non_null(strstr(tail_of(r), "hi\n"));
	if (!strstr(tail_of(r), "stopped reading"))
		fail_msg("no note in %s", json_dumps(r, 0));
	if (elapsed_s(f) < 2.9 || elapsed_s(f) > 4.5)
		fail_msg("took %.2f s; want about 3", elapsed_s(f));
	pid = read_pid(f, "sleep.pid");
	kill(pid, SIGKILL);
	assert_true(process_gone(pid));
}

static void test_huge_output(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	/* The timeout is a bound: 10 MB through the reader under valgrind on a busy machine. */
	start(f, NULL, 120, "loud",
	      "yes 0123456789012345678901234567890123456789 | head -c 10000000; echo; "
	      "echo '3 passed, 1 failed'; printf 'last line'",
	      NULL);
	finish(f);
	r = result(f, 0, "loud");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(strlen(tail_of(r)) <= CHECKS_TAIL_BYTES + 1);
	assert_non_null(strstr(tail_of(r), "\n3 passed, 1 failed\nlast line\n"));
	assert_int_equal(int_of(json_object_get(r, "tests"), "passed"), 3);
	assert_int_equal(int_of(json_object_get(r, "tests"), "failed"), 1);
}

static void test_missing_cwd(void **state)
{
	struct fixture *f = *state;
	char gone[PATH_MAX + 16];
	json_t *r;

	snprintf(gone, sizeof(gone), "%s/gone", f->dir);
	start(f, gone, 10, "test", "true", "lint", "true", NULL);
	finish(f);
	assert_int_equal(json_array_size(f->results), 2);
	for (size_t i = 0; i < 2; i++) {
		char want[PATH_MAX + 128];

		r = result(f, i, i == 0 ? "test" : "lint");
		assert_true(json_is_false(json_object_get(r, "ok")));
		expect_field_absent(r, "exit");
		expect_field_absent(r, "signal");
		snprintf(want, sizeof(want),
			 "stint: cannot run the check in %s: No such file or directory\n", gone);
		assert_string_equal(tail_of(r), want);
	}
}

static void test_checks_run_in_order(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16], buf[64] = "";
	FILE *fp;

	start(f, NULL, 10, "first", "sleep 0.3; echo one >> order", "second", "echo two >> order",
	      "third", "cat order", NULL);
	finish(f);
	assert_int_equal(json_array_size(f->results), 3);
	result(f, 0, "first");
	result(f, 1, "second");
	assert_string_equal(tail_of(result(f, 2, "third")), "one\ntwo\n");
	snprintf(path, sizeof(path), "%s/order", f->dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_true(fread(buf, 1, sizeof(buf) - 1, fp) > 0);
	fclose(fp);
	assert_string_equal(buf, "one\ntwo\n");
}

static void test_zero_checks(void **state)
{
	struct fixture *f = *state;

	start(f, NULL, 10, NULL);
	assert_int_equal(f->calls, 0);
	finish(f);
	assert_int_equal(json_array_size(f->results), 0);
}

static void cancel_cb(uv_timer_t *t)
{
	struct fixture *f = t->data;

	checks_cancel(f->run);
	/* A second call is harmless. */
	checks_cancel(f->run);
	uv_close((uv_handle_t *)t, NULL);
}

static void test_cancel(void **state)
{
	struct fixture *f = *state;
	uv_timer_t t;
	char path[PATH_MAX + 16];
	json_t *r;

	start(f, NULL, 60, "quick", "echo fine", "slow", "echo waiting; sleep 30", "never",
	      "touch never", NULL);
	uv_timer_init(&f->loop, &t);
	t.data = f;
	uv_timer_start(&t, cancel_cb, 300, 0);
	finish(f);
	if (elapsed_s(f) > 1.5)
		fail_msg("took %.2f s after a cancel at 0.3 s", elapsed_s(f));
	assert_int_equal(json_array_size(f->results), 2);
	r = result(f, 0, "quick");
	assert_true(json_is_true(json_object_get(r, "ok")));
	expect_field_absent(r, "cancelled");
	r = result(f, 1, "slow");
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_true(json_is_true(json_object_get(r, "cancelled")));
	assert_true(json_is_false(json_object_get(r, "timed_out")));
	assert_int_equal(int_of(r, "signal"), SIGKILL);
	assert_string_equal(tail_of(r), "waiting\n");
	snprintf(path, sizeof(path), "%s/never", f->dir);
	assert_int_equal(access(path, F_OK), -1);
}

/* Cancelled right away, before the loop ran at all. */
static void test_cancel_at_once(void **state)
{
	struct fixture *f = *state;

	start(f, NULL, 60, "slow", "sleep 30", "never", "true", NULL);
	checks_cancel(f->run);
	finish(f);
	assert_int_equal(json_array_size(f->results), 1);
	assert_true(json_is_true(json_object_get(result(f, 0, "slow"), "cancelled")));
	if (elapsed_s(f) > 1.5)
		fail_msg("took %.2f s", elapsed_s(f));
}

/* What a check sees: cwd, stdin, environment, signals, its own process group. */
static void test_check_environment(void **state)
{
	struct fixture *f = *state;
	char real[PATH_MAX], want[PATH_MAX + 128];
	json_t *r;

	setenv("BASH_ENV", "/nonexistent/bashrc", 1);
	setenv("NOTIFY_SOCKET", "/run/nothing", 1);
	setenv("STINT_CHECK", "0", 1);
	setenv("STINT_TEST_KEPT", "yes", 1);
	/* stintd ignores SIGPIPE; a check must not inherit that. */
	signal(SIGPIPE, SIG_IGN);
	start(f, NULL, 10, "env",
	      "pwd; "
	      "test \"$STINT_CHECK\" = 1 && echo check=1; "
	      "test -z \"${BASH_ENV+x}${NOTIFY_SOCKET+x}\" && echo dropped; "
	      "test \"$STINT_TEST_KEPT\" = yes && echo kept; "
	      "test \"$(readlink /proc/$$/fd/0)\" = /dev/null && echo stdin=null; "
	      "test \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ && echo leader; "
	      "grep -q '^SigIgn:[[:space:]]*0*$' /proc/self/status && echo signals=default",
	      NULL);
	finish(f);
	signal(SIGPIPE, SIG_DFL);
	unsetenv("BASH_ENV");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("STINT_CHECK");
	unsetenv("STINT_TEST_KEPT");
	r = result(f, 0, "env");
	assert_non_null(realpath(f->dir, real));
	snprintf(want, sizeof(want),
		 "%s\ncheck=1\ndropped\nkept\nstdin=null\nleader\nsignals=default\n", real);
	assert_string_equal(tail_of(r), want);
	assert_true(json_is_true(json_object_get(r, "ok")));
}

/* A descriptor stintd (or a library in it) opened without O_CLOEXEC reaches no check. */
static void test_check_no_leaked_fds(void **state)
{
	struct fixture *f = *state;
	char cmd[256], path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/leak", f->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600); /* no O_CLOEXEC, on purpose */
	assert_true(fd > 2);
	/* The shell's own listing opens a descriptor of its own: only fd is asked about. */
	snprintf(cmd, sizeof(cmd), "test -e /proc/$$/fd/%d && echo leaked || echo closed", fd);
	start(f, NULL, 10, "fds", cmd, NULL);
	finish(f);
	close(fd);
	assert_string_equal(tail_of(result(f, 0, "fds")), "closed\n");
}

/* With the caller's environment: exactly it, with STINT_CHECK and PWD set anew. */
static void test_check_caller_environment(void **state)
{
	struct fixture *f = *state;
	struct config_entry e = {.name = "env", .value = "env | LC_ALL=C sort"};
	json_t *env = json_pack("[s, s, s, s]", "FOO=bar", "PATH=/usr/bin:/bin", "STINT_CHECK=0",
				"LD_PRELOAD=");
	struct checks_hooks h = {.done = done_cb, .env = env};
	char want[PATH_MAX + 128];

	setenv("STINT_TEST_DAEMON_ONLY", "1", 1);
	assert_int_equal(checks_run_with(&f->loop, f->dir, &e, 1, 10, &h, f, &f->run), 0);
	json_decref(env); /* copied */
	finish(f);
	unsetenv("STINT_TEST_DAEMON_ONLY");
	/* The caller's LD_PRELOAD is the caller's to give: only stintd's own is dropped. */
	snprintf(want, sizeof(want),
		 "FOO=bar\nLD_PRELOAD=\nPATH=/usr/bin:/bin\nPWD=%s\nSTINT_CHECK=1\n", f->dir);
	assert_string_equal(tail_of(result(f, 0, "env")), want);
}

/* Without it, stintd's own minus the blocklist: loader, systemd and D-Bus activation. */
static void test_check_daemon_environment_blocklist(void **state)
{
	struct fixture *f = *state;
	static const char *const blocked[] = {
	    "LD_PRELOAD", "LD_LIBRARY_PATH",	  "JOURNAL_STREAM", "INVOCATION_ID",
	    "LISTEN_FDS", "DBUS_STARTER_ADDRESS", "NOTIFY_SOCKET"};

	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
		setenv(blocked[i], "", 1);
	setenv("STINT_TEST_DAEMON_ONLY", "1", 1);
	setenv("DBUS_STARTERS_ARE_NOT_BLOCKED", "1", 1);
	start(
	    f, NULL, 10, "env",
	    "env | grep -E '^(LD_|JOURNAL_|INVOCATION_|LISTEN_|DBUS_STARTER|NOTIFY_|STINT_TEST_)' "
	    "| LC_ALL=C sort",
	    NULL);
	finish(f);
	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
		unsetenv(blocked[i]);
	unsetenv("STINT_TEST_DAEMON_ONLY");
	unsetenv("DBUS_STARTERS_ARE_NOT_BLOCKED");
	assert_string_equal(tail_of(result(f, 0, "env")),
			    "DBUS_STARTERS_ARE_NOT_BLOCKED=1\nSTINT_TEST_DAEMON_ONLY=1\n");
}

static void test_output_cleaned(void **state)
{
	struct fixture *f = *state;

	start(f, NULL, 10, "colour", "printf '\\033[31mred\\033[0m \\377\\r\\n'", NULL);
	finish(f);
	assert_string_equal(tail_of(result(f, 0, "colour")), "red \xEF\xBF\xBD\n");
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct config_entry e = {"t", "true"};

	assert_int_equal(checks_run(&f->loop, f->dir, &e, 1, 0, done_cb, f, NULL), -EINVAL);
	assert_int_equal(checks_run(NULL, f->dir, &e, 1, 5, done_cb, f, NULL), -EINVAL);
	assert_int_equal(checks_run(&f->loop, NULL, &e, 1, 5, done_cb, f, NULL), -EINVAL);
	assert_int_equal(checks_run(&f->loop, f->dir, &e, 1, 5, NULL, f, NULL), -EINVAL);
	assert_int_equal(checks_run(&f->loop, f->dir, NULL, 1, 5, done_cb, f, NULL), -EINVAL);
	checks_cancel(NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(f->calls, 0);
	/* The list is copied: it may go away at once. */
	{
		char name[] = "copy", cmd[] = "echo copied";
		struct config_entry list = {name, cmd};

		assert_int_equal(checks_run(&f->loop, f->dir, &list, 1, 5, done_cb, f, NULL), 0);
		memset(name, 'X', sizeof(name) - 1);
		memset(cmd, 'X', sizeof(cmd) - 1);
	}
	finish(f);
	assert_string_equal(tail_of(result(f, 0, "copy")), "copied\n");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_ctest),
	    cmocka_unit_test(test_parse_pytest),
	    cmocka_unit_test(test_parse_cargo),
	    cmocka_unit_test(test_parse_go),
	    cmocka_unit_test(test_parse_plain_and_jest),
	    cmocka_unit_test(test_parse_cmocka),
	    cmocka_unit_test(test_parse_prove),
	    cmocka_unit_test(test_parse_unittest_and_meson),
	    cmocka_unit_test(test_parse_last_summary_wins),
	    cmocka_unit_test(test_tail_cleaning),
	    cmocka_unit_test(test_tail_limits),
	    T(test_passing_check),
	    T(test_started_hook),
	    T(test_failing_check),
	    T(test_timeout),
	    T(test_timeout_kills_grandchildren),
	    T(test_timeout_escalates_to_sigkill),
	    T(test_leftover_in_group),
	    T(test_leftover_outside_group),
	    T(test_huge_output),
	    T(test_missing_cwd),
	    T(test_checks_run_in_order),
	    T(test_zero_checks),
	    T(test_cancel),
	    T(test_cancel_at_once),
	    T(test_check_environment),
	    T(test_check_no_leaked_fds),
	    T(test_check_caller_environment),
	    T(test_check_daemon_environment_blocklist),
	    T(test_output_cleaned),
	    T(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
