#ifndef STINTD_CHECKS_INT_H
#define STINTD_CHECKS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Internals shared by the [checks] family (daemon/checks*.c), included by them only: checks.c
 * runs the checks, checks_parse.c reads test summaries, checks_clean.c cleans their output.
 */

/* Lines longer than this are not looked at for test summaries. */
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

struct checks_tests;

/* The summary parser: init, then each line of output (without its newline), then the result. */
void checks_tests_init(struct checks_tests_state *t);
/* One line, as a terminal would show it; a line longer than CHECKS_LINE_MAX is skipped. */
void checks_tests_feed_line(struct checks_tests_state *t, const char *line, size_t len);
/* Fills out and returns true when a summary was found. */
bool checks_tests_result(const struct checks_tests_state *t, struct checks_tests *out);

/*
 * What a terminal would leave of text, as UTF-8 without control characters but '\t' and
 * '\n': escapes dropped, text after a '\r' replacing its line. Writes at most len * 3 + 1
 * bytes (U+FFFD for each invalid byte) to out, NUL-terminated; returns the length.
 */
size_t checks_clean_into(const char *text, size_t len, char *out);

#endif
