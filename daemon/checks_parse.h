#ifndef STINTD_CHECKS_PARSE_H
#define STINTD_CHECKS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The test summaries in a check's output: read from a whole text, or line by line by checks.c. */

/* Test counts from a summary line; -1 where the summary did not say. */
struct checks_tests {
	int64_t passed, failed, skipped;
};

/*
 * Finds the last test summary in a check's output: ctest ("95% tests passed, 1 tests failed
 * out of 20" and its "did not run" list), pytest and plain "N passed, N failed, N skipped"
 * lines (also jest's "Tests:"), cargo test ("test result:" lines, added up), go test -v
 * ("--- PASS:" lines of top-level tests, added up), cmocka ("[  PASSED  ] N test(s)." and
 * friends, added up over groups), prove ("Files=N, Tests=N"), Python's unittest ("Ran N
 * tests" then "OK"/"FAILED (...)") and meson test ("Ok: N" ... "Fail: N"). Result lines of one
 * format in a row are added up only where a tool prints one per binary or package; any other
 * summary replaces what came before. Terminal escapes and carriage-return overwrites are
 * undone first. Returns true and fills out when a summary was found.
 */
bool checks_parse_tests(const char *text, size_t len, struct checks_tests *out);

/* For checks.c, which feeds the parser as output arrives. Longer lines are not looked at. */
#define CHECKS_LINE_MAX 1024

enum checks_tests_format {
	CHECKS_FMT_NONE,
	CHECKS_FMT_CTEST,
	CHECKS_FMT_ITEMS, /* pytest, jest, "N passed, N failed" */
	CHECKS_FMT_CARGO,
	CHECKS_FMT_GO,
	CHECKS_FMT_CMOCKA,
	CHECKS_FMT_PROVE,
	CHECKS_FMT_UNITTEST,
	CHECKS_FMT_MESON,
};

/* The test summary parser, fed one line at a time. */
struct checks_tests_state {
	enum checks_tests_format fmt; /* of the counts below; CHECKS_FMT_NONE: none yet */
	int64_t passed, failed, skipped;
	bool ctest_not_run;   /* in ctest's "did not run" list, after its summary */
	bool go_verbose;      /* go test -v's "=== RUN" seen: its PASS lines are all there */
	int64_t prove_failed; /* "Failed: N" of prove's summary report, before its totals */
	int64_t unittest_ran; /* unittest's "Ran N tests", -1 when not just seen */
	bool meson;	      /* after meson's "Ok:" line */
};

/* The summary parser: init, then each line of output (without its newline), then the result. */
void checks_tests_init(struct checks_tests_state *t);
/* One line, as a terminal would show it; a line longer than CHECKS_LINE_MAX is skipped. */
void checks_tests_feed_line(struct checks_tests_state *t, const char *line, size_t len);
/* Fills out and returns true when a summary was found. */
bool checks_tests_result(const struct checks_tests_state *t, struct checks_tests *out);

#endif
