#include "checks_parse.h"

#include <string.h>

#include "checks_clean.h"

/* Counts past this are nonsense, not tests. */
#define CHECKS_COUNT_MAX 1000000000000LL

/* The decimal number at *s, clamped to CHECKS_COUNT_MAX; *s moves past its digits. */
static int64_t checks_read_count(const char **sp)
{
	const char *s = *sp;
	int64_t v = 0;

	/* A local cursor: the checks' output passes through here line by line, in unoptimised
	 * test builds under valgrind too. */
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v < CHECKS_COUNT_MAX)
			v = v * 10 + (*s - '0');
	}
	*sp = s;
	return v > CHECKS_COUNT_MAX ? CHECKS_COUNT_MAX : v;
}

/*
 * Whether all of s matches pat: '#' is a decimal number (stored into *nums++), ' ' one or
 * more blanks, '*' anything to the end; any other character itself.
 */
static bool checks_scan(const char *s, const char *pat, int64_t *nums)
{
	for (; *pat; pat++) {
		if (*pat == '*')
			return true;
		if (*pat == '#') {
			if (*s < '0' || *s > '9')
				return false;
			*nums++ = checks_read_count(&s);
		} else if (*pat == ' ') {
			if (*s != ' ' && *s != '\t')
				return false;
			while (*s == ' ' || *s == '\t')
				s++;
		} else if (*s++ != *pat) {
			return false;
		}
	}
	return *s == '\0';
}

static void checks_tests_set(struct checks_tests_state *t, enum checks_tests_format fmt,
			     int64_t passed, int64_t failed, int64_t skipped)
{
	t->fmt = fmt;
	t->passed = passed < 0 ? 0 : passed;
	t->failed = failed;
	t->skipped = skipped;
	t->ctest_not_run = false;
}

/* Result lines of a tool that prints one per binary or package: added up while in a row. */
static void checks_tests_add(struct checks_tests_state *t, enum checks_tests_format fmt,
			     int64_t passed, int64_t failed, int64_t skipped)
{
	if (t->fmt != fmt) {
		checks_tests_set(t, fmt, passed, failed, skipped);
		return;
	}
	t->passed += passed;
	t->failed += failed;
	t->skipped += skipped;
}

/* Words of a pytest/jest/cargo summary and the count each adds to (-1: none). */
static const struct {
	const char *word;
	int which; /* 0 passed, 1 failed, 2 skipped, -1 none */
} checks_item_words[] = {
    {"passed", 0},    {"failed", 1},   {"error", 1},	 {"errors", 1},	       {"skipped", 2},
    {"ignored", 2},   {"xfailed", -1}, {"xpassed", -1},	 {"deselected", -1},   {"warning", -1},
    {"warnings", -1}, {"rerun", -1},   {"measured", -1}, {"filtered out", -1}, {"total", -1},
    {"todo", -1},     {"pending", -1},
};

/*
 * "3 failed, 10 passed, 2 skipped in 0.5s" (items separated by sep): counts[0..2] added up.
 * The last item may end in " in TIME"; an item "finished in TIME" (cargo) is allowed. Returns
 * false unless every item is known and one says passed or failed (or error, if errors_count:
 * pytest's "=== 1 error in 0.1s ===").
 */
static bool checks_parse_items(const char *s, const char *sep, bool errors_count, int64_t counts[3])
{
	size_t seplen = strlen(sep);
	bool any = false;

	counts[0] = counts[1] = counts[2] = 0;
	for (;;) {
		const char *end = strstr(s, sep), *w;
		size_t len = end ? (size_t)(end - s) : strlen(s), wlen;
		int64_t v;
		size_t i;

		if (len > 12 && strncmp(s, "finished in ", 12) == 0 && !end)
			break;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		w = s;
		v = checks_read_count(&w);
		if (*w++ != ' ')
			return false;
		wlen = len - (size_t)(w - s);
		/* pytest: "2 passed in 0.12s", "5 passed, 1 warning in 61.2s (0:01:01)" */
		if (!end) {
			const char *in = strstr(w, " in ");

			if (in && in[4] >= '0' && in[4] <= '9')
				wlen = (size_t)(in - w);
		}
		for (i = 0; i < sizeof(checks_item_words) / sizeof(checks_item_words[0]); i++) {
			if (strlen(checks_item_words[i].word) == wlen &&
			    memcmp(checks_item_words[i].word, w, wlen) == 0)
				break;
		}
		if (i == sizeof(checks_item_words) / sizeof(checks_item_words[0]))
			return false;
		if (checks_item_words[i].which >= 0) {
			counts[checks_item_words[i].which] += v;
			if (checks_item_words[i].which == 0 ||
			    (errors_count && checks_item_words[i].which == 1) ||
			    strcmp(checks_item_words[i].word, "failed") == 0)
				any = true;
		}
		if (!end)
			break;
		s = end + seplen;
	}
	return any;
}

/* unittest's "OK (skipped=2)" or "FAILED (failures=1, errors=1)" after "Ran N tests". */
static bool checks_parse_unittest(struct checks_tests_state *t, const char *s)
{
	int64_t failed = 0, skipped = 0, ran = t->unittest_ran;

	if (strncmp(s, "OK", 2) == 0)
		s += 2;
	else if (strncmp(s, "FAILED", 6) == 0)
		s += 6;
	else
		return false;
	if (*s == ' ' && s[1] == '(') {
		for (s += 2; *s && *s != ')';) {
			const char *eq = strchr(s, '=');
			int64_t v = 0;

			if (!eq)
				return false;
			for (const char *d = eq + 1; *d >= '0' && *d <= '9'; d++) {
				if (v < CHECKS_COUNT_MAX)
					v = v * 10 + (*d - '0');
			}
			if (strncmp(s, "failures=", 9) == 0 || strncmp(s, "errors=", 7) == 0 ||
			    strncmp(s, "unexpected successes=", 21) == 0)
				failed += v;
			else if (strncmp(s, "skipped=", 8) == 0)
				skipped += v;
			s = eq + 1 + strspn(eq + 1, "0123456789");
			if (*s == ',')
				s += 1 + (s[1] == ' ');
			else if (*s != ')')
				return false;
		}
		if (*s != ')' || s[1])
			return false;
	} else if (*s) {
		return false;
	}
	checks_tests_set(t, CHECKS_FMT_UNITTEST, ran - failed - skipped, failed, skipped);
	return true;
}

/* A cmocka count: "[  PASSED  ] 8 test(s)." or "[  FAILED  ] group: 2 test(s), listed below:" */
static bool checks_parse_cmocka(const char *s, int64_t *v)
{
	const char *colon;

	if (!(*s >= '0' && *s <= '9')) {
		colon = strstr(s, ": ");
		if (!colon)
			return false;
		s = colon + 2;
	}
	return checks_scan(s, "# test(s).", v) || checks_scan(s, "# test(s), listed below:", v);
}

/* ctest's summary, then its "did not run" list: skipped tests counted as passed. */
static bool checks_line_ctest(struct checks_tests_state *t, const char *s)
{
	int64_t v[3];
	size_t len;

	if (t->ctest_not_run) {
		if (checks_scan(s, "# - *", v)) {
			len = strlen(s);
			if (len > 10 && strcmp(s + len - 10, " (Skipped)") == 0 && t->passed > 0) {
				t->passed--;
				t->skipped++;
			}
			return true;
		}
		t->ctest_not_run = false;
	}
	if (t->fmt == CHECKS_FMT_CTEST && strcmp(s, "The following tests did not run:") == 0) {
		t->ctest_not_run = true;
		return true;
	}
	if (checks_scan(s, "#% tests passed, # tests failed out of #", v)) {
		checks_tests_set(t, CHECKS_FMT_CTEST, v[2] - v[1], v[1], 0);
		return true;
	}
	return false;
}

/* cargo test: "test result: ok. 3 passed; 0 failed; ..." once per test binary. */
static bool checks_line_cargo(struct checks_tests_state *t, const char *s)
{
	const char *dot;
	int64_t c[3];

	if (strncmp(s, "test result: ", 13) != 0)
		return false;
	dot = strstr(s + 13, ". ");
	if (dot && checks_parse_items(dot + 2, "; ", false, c))
		checks_tests_add(t, CHECKS_FMT_CARGO, c[0], c[1], c[2]);
	return true;
}

/* go test -v: top-level tests only (subtests are indented). */
static bool checks_line_go(struct checks_tests_state *t, const char *line, const char *s)
{
	if (strncmp(line, "=== RUN ", 8) == 0) {
		t->go_verbose = true;
		return true;
	}
	if (!t->go_verbose || line != s)
		return false;
	if (strncmp(s, "--- PASS: ", 10) == 0) {
		checks_tests_add(t, CHECKS_FMT_GO, 1, 0, 0);
		return true;
	}
	if (strncmp(s, "--- FAIL: ", 10) == 0) {
		checks_tests_add(t, CHECKS_FMT_GO, 0, 1, 0);
		return true;
	}
	if (strncmp(s, "--- SKIP: ", 10) == 0) {
		checks_tests_add(t, CHECKS_FMT_GO, 0, 0, 1);
		return true;
	}
	return false;
}

static bool checks_line_cmocka(struct checks_tests_state *t, const char *s)
{
	int64_t v[1];

	if (strncmp(s, "[  PASSED  ] ", 13) == 0 && checks_parse_cmocka(s + 13, v)) {
		checks_tests_add(t, CHECKS_FMT_CMOCKA, v[0], 0, 0);
		return true;
	}
	if (strncmp(s, "[  FAILED  ] ", 13) == 0 && checks_parse_cmocka(s + 13, v)) {
		checks_tests_add(t, CHECKS_FMT_CMOCKA, 0, v[0], 0);
		return true;
	}
	if (strncmp(s, "[  SKIPPED ] ", 13) == 0 && checks_parse_cmocka(s + 13, v)) {
		checks_tests_add(t, CHECKS_FMT_CMOCKA, 0, 0, v[0]);
		return true;
	}
	return false;
}

/* prove: "t/a.t (Wstat: 256 (exited 1) Tests: 5 Failed: 1)", then the totals. */
static bool checks_line_prove(struct checks_tests_state *t, const char *s)
{
	int64_t v[2];

	if (strstr(s, "(Wstat: ")) {
		const char *f = strstr(s, " Failed: ");

		if (f && checks_scan(f, " Failed: #)", v))
			t->prove_failed += v[0];
		return true;
	}
	if (checks_scan(s, "Files=#, Tests=#, *", v)) {
		checks_tests_set(t, CHECKS_FMT_PROVE, v[1] - t->prove_failed, t->prove_failed, 0);
		t->prove_failed = 0;
		return true;
	}
	return false;
}

/* unittest: "Ran N tests in TIME", then its verdict on the next line that is not blank. */
static bool checks_line_unittest(struct checks_tests_state *t, const char *s)
{
	int64_t v[1];

	if (checks_scan(s, "Ran # tests in *", v) || checks_scan(s, "Ran # test in *", v)) {
		t->unittest_ran = v[0];
		return true;
	}
	if (t->unittest_ran >= 0 && *s) {
		checks_parse_unittest(t, s);
		t->unittest_ran = -1;
		return true;
	}
	return false;
}

/* meson test: "Ok: 5", "Expected Fail: 0", "Fail: 1", "Unexpected Pass: 0", ... */
static bool checks_line_meson(struct checks_tests_state *t, const char *s)
{
	int64_t v[1];

	if (checks_scan(s, "Ok: #", v)) {
		checks_tests_set(t, CHECKS_FMT_MESON, v[0], 0, 0);
		t->meson = true;
		return true;
	}
	if (!t->meson || t->fmt != CHECKS_FMT_MESON)
		return false;
	if (checks_scan(s, "Fail: #", v) || checks_scan(s, "Unexpected Pass: #", v) ||
	    checks_scan(s, "Timeout: #", v)) {
		t->failed += v[0];
		return true;
	}
	if (checks_scan(s, "Skipped: #", v)) {
		t->skipped += v[0];
		return true;
	}
	if (checks_scan(s, "Expected Fail: #", v))
		return true;
	t->meson = false;
	return false;
}

/*
 * pytest "=== 3 failed, 10 passed in 0.5s ===", jest "Tests: 1 failed, 5 passed, 6 total";
 * trims s in place.
 */
static void checks_line_items(struct checks_tests_state *t, char *s)
{
	size_t len = strlen(s);
	int64_t c[3];
	bool framed;

	while (len > 0 && (s[len - 1] == '=' || s[len - 1] == ' '))
		s[--len] = '\0';
	framed = *s == '=';
	s += strspn(s, "= ");
	if (strncmp(s, "Tests:", 6) == 0)
		s += 6 + strspn(s + 6, " \t");
	if (checks_parse_items(s, ", ", framed, c))
		checks_tests_set(t, CHECKS_FMT_ITEMS, c[0], c[1], c[2]);
}

/*
 * One line of output, cleaned, without its newline; trimmed in place. Each checks_line_* parser
 * says whether the line was of its format (counted or not), in the order they are tried.
 */
static void checks_tests_line(struct checks_tests_state *t, char *line)
{
	char *s = line + strspn(line, " \t");

	if (checks_line_ctest(t, s) || checks_line_cargo(t, s) || checks_line_go(t, line, s) ||
	    checks_line_cmocka(t, s) || checks_line_prove(t, s) || checks_line_unittest(t, s) ||
	    checks_line_meson(t, s))
		return;
	checks_line_items(t, s);
}

void checks_tests_init(struct checks_tests_state *t)
{
	memset(t, 0, sizeof(*t));
	t->unittest_ran = -1;
}

bool checks_tests_result(const struct checks_tests_state *t, struct checks_tests *out)
{
	if (t->fmt == CHECKS_FMT_NONE)
		return false;
	out->passed = t->passed;
	out->failed = t->failed;
	out->skipped = t->skipped;
	return true;
}

/* One line for the summary parser, as a terminal would show it; a long one is skipped. */
void checks_tests_feed_line(struct checks_tests_state *t, const char *line, size_t len)
{
	char clean[CHECKS_LINE_MAX * 3 + 1];
	size_t n;

	if (len > CHECKS_LINE_MAX)
		return;
	n = checks_clean_into(line, len, clean);
	while (n > 0 && (clean[n - 1] == ' ' || clean[n - 1] == '\t'))
		clean[--n] = '\0';
	checks_tests_line(t, clean);
}

bool checks_parse_tests(const char *text, size_t len, struct checks_tests *out)
{
	struct checks_tests_state t;

	checks_tests_init(&t);
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;

		checks_tests_feed_line(&t, text, n);
		n += nl ? 1 : 0;
		text += n;
		len -= n;
	}
	return checks_tests_result(&t, out);
}
