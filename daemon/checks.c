#include "checks.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

/* A process that outlives SIGKILL this long (stuck in the kernel) is given up on. */
#define CHECKS_ABANDON_MS 5000
/* Once the shell has exited and its group was sent SIGKILL, output is awaited this long. */
#define CHECKS_DRAIN_MS 1000
/* Lines longer than this are not looked at for test summaries. */
#define CHECKS_LINE_MAX 1024
/* Counts past this are nonsense, not tests. */
#define COUNT_MAX 1000000000000LL

/* Meant for stintd alone or for interactive shells, or set anew: not passed on to a check. */
static const char *const checks_env_dropped[] = {
    "STINT_CHECK", "BASH_ENV",	     "ENV",	     "NOTIFY_SOCKET", "LISTEN_PID",
    "LISTEN_FDS",  "LISTEN_FDNAMES", "WATCHDOG_PID", "WATCHDOG_USEC", "PWD",
};

enum tests_format {
	FMT_NONE,
	FMT_CTEST,
	FMT_ITEMS, /* pytest, jest, "N passed, N failed" */
	FMT_CARGO,
	FMT_GO,
	FMT_CMOCKA,
	FMT_PROVE,
	FMT_UNITTEST,
	FMT_MESON,
};

/* The test summary parser, fed one line at a time. */
struct tests_state {
	enum tests_format fmt; /* of the counts below; FMT_NONE: none yet */
	int64_t passed, failed, skipped;
	bool ctest_not_run;   /* in ctest's "did not run" list, after its summary */
	bool go_verbose;      /* go test -v's "=== RUN" seen: its PASS lines are all there */
	int64_t prove_failed; /* "Failed: N" of prove's summary report, before its totals */
	int64_t unittest_ran; /* unittest's "Ran N tests", -1 when not just seen */
	bool meson;	      /* after meson's "Ok:" line */
};

enum phase {
	PHASE_RUNNING,	/* within the timeout */
	PHASE_TERM,	/* timed out: SIGTERM sent, SIGKILL next */
	PHASE_KILLED,	/* SIGKILL sent, waiting for the exit */
	PHASE_DRAIN,	/* the shell exited, the output is still open: SIGTERM sent */
	PHASE_DRAINKILL /* the same, after SIGKILL */
};

/* The check in progress. */
struct check {
	bool pipe_open, proc_open; /* initialized and not yet closed */
	bool spawned, exited, eof, ended;
	bool abandoned; /* it outlived SIGKILL: no exit status */
	bool timed_out, cancelled;
	enum phase phase;
	pid_t pid;
	int64_t exit_status;
	int term_signal;
	uint64_t start_ns, end_ns;
	size_t ring_pos; /* next write into run->ring */
	uint64_t total;	 /* bytes of output */
	char line[CHECKS_LINE_MAX];
	size_t line_len;
	bool line_long;
	struct tests_state tests;
	char note[320]; /* why it failed to start, or what stintd gave up on */
};

struct checks_run {
	uv_loop_t *loop;
	char *cwd;
	struct config_entry *list;
	size_t n, cur;
	uint64_t timeout_ms;
	void (*done)(void *arg, json_t *results);
	void *arg;
	json_t *results;
	char **env;
	char *ring;
	uv_timer_t timer;
	uv_process_t proc;
	uv_pipe_t pipe;
	unsigned closing; /* close callbacks to come */
	bool cancelled, finishing;
	struct check c;
	char rbuf[16 * 1024];
};

static void checks_start_check(struct checks_run *run);

/* --- test summaries --------------------------------------------------------------------- */

/* The decimal number at *s, clamped to COUNT_MAX; *s moves past its digits. */
static int64_t checks_read_count(const char **s)
{
	int64_t v = 0;

	for (; **s >= '0' && **s <= '9'; (*s)++) {
		if (v < COUNT_MAX)
			v = v * 10 + (**s - '0');
	}
	return v > COUNT_MAX ? COUNT_MAX : v;
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

static void checks_tests_set(struct tests_state *t, enum tests_format fmt, int64_t passed,
			     int64_t failed, int64_t skipped)
{
	t->fmt = fmt;
	t->passed = passed < 0 ? 0 : passed;
	t->failed = failed;
	t->skipped = skipped;
	t->ctest_not_run = false;
}

/* Result lines of a tool that prints one per binary or package: added up while in a row. */
static void checks_tests_add(struct tests_state *t, enum tests_format fmt, int64_t passed,
			     int64_t failed, int64_t skipped)
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
static bool checks_parse_unittest(struct tests_state *t, const char *s)
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
				if (v < COUNT_MAX)
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
	checks_tests_set(t, FMT_UNITTEST, ran - failed - skipped, failed, skipped);
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
static bool checks_line_ctest(struct tests_state *t, const char *s)
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
	if (t->fmt == FMT_CTEST && strcmp(s, "The following tests did not run:") == 0) {
		t->ctest_not_run = true;
		return true;
	}
	if (checks_scan(s, "#% tests passed, # tests failed out of #", v)) {
		checks_tests_set(t, FMT_CTEST, v[2] - v[1], v[1], 0);
		return true;
	}
	return false;
}

/* cargo test: "test result: ok. 3 passed; 0 failed; ..." once per test binary. */
static bool checks_line_cargo(struct tests_state *t, const char *s)
{
	const char *dot;
	int64_t c[3];

	if (strncmp(s, "test result: ", 13) != 0)
		return false;
	dot = strstr(s + 13, ". ");
	if (dot && checks_parse_items(dot + 2, "; ", false, c))
		checks_tests_add(t, FMT_CARGO, c[0], c[1], c[2]);
	return true;
}

/* go test -v: top-level tests only (subtests are indented). */
static bool checks_line_go(struct tests_state *t, const char *line, const char *s)
{
	if (strncmp(line, "=== RUN ", 8) == 0) {
		t->go_verbose = true;
		return true;
	}
	if (!t->go_verbose || line != s)
		return false;
	if (strncmp(s, "--- PASS: ", 10) == 0) {
		checks_tests_add(t, FMT_GO, 1, 0, 0);
		return true;
	}
	if (strncmp(s, "--- FAIL: ", 10) == 0) {
		checks_tests_add(t, FMT_GO, 0, 1, 0);
		return true;
	}
	if (strncmp(s, "--- SKIP: ", 10) == 0) {
		checks_tests_add(t, FMT_GO, 0, 0, 1);
		return true;
	}
	return false;
}

static bool checks_line_cmocka(struct tests_state *t, const char *s)
{
	int64_t v[1];

	if (strncmp(s, "[  PASSED  ] ", 13) == 0 && checks_parse_cmocka(s + 13, v)) {
		checks_tests_add(t, FMT_CMOCKA, v[0], 0, 0);
		return true;
	}
	if (strncmp(s, "[  FAILED  ] ", 13) == 0 && checks_parse_cmocka(s + 13, v)) {
		checks_tests_add(t, FMT_CMOCKA, 0, v[0], 0);
		return true;
	}
	if (strncmp(s, "[  SKIPPED ] ", 13) == 0 && checks_parse_cmocka(s + 13, v)) {
		checks_tests_add(t, FMT_CMOCKA, 0, 0, v[0]);
		return true;
	}
	return false;
}

/* prove: "t/a.t (Wstat: 256 (exited 1) Tests: 5 Failed: 1)", then the totals. */
static bool checks_line_prove(struct tests_state *t, const char *s)
{
	int64_t v[2];

	if (strstr(s, "(Wstat: ")) {
		const char *f = strstr(s, " Failed: ");

		if (f && checks_scan(f, " Failed: #)", v))
			t->prove_failed += v[0];
		return true;
	}
	if (checks_scan(s, "Files=#, Tests=#, *", v)) {
		checks_tests_set(t, FMT_PROVE, v[1] - t->prove_failed, t->prove_failed, 0);
		t->prove_failed = 0;
		return true;
	}
	return false;
}

/* unittest: "Ran N tests in TIME", then its verdict on the next line that is not blank. */
static bool checks_line_unittest(struct tests_state *t, const char *s)
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
static bool checks_line_meson(struct tests_state *t, const char *s)
{
	int64_t v[1];

	if (checks_scan(s, "Ok: #", v)) {
		checks_tests_set(t, FMT_MESON, v[0], 0, 0);
		t->meson = true;
		return true;
	}
	if (!t->meson || t->fmt != FMT_MESON)
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
static void checks_line_items(struct tests_state *t, char *s)
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
		checks_tests_set(t, FMT_ITEMS, c[0], c[1], c[2]);
}

/*
 * One line of output, cleaned, without its newline; trimmed in place. Each checks_line_* parser
 * says whether the line was of its format (counted or not), in the order they are tried.
 */
static void checks_tests_line(struct tests_state *t, char *line)
{
	char *s = line + strspn(line, " \t");

	if (checks_line_ctest(t, s) || checks_line_cargo(t, s) || checks_line_go(t, line, s) ||
	    checks_line_cmocka(t, s) || checks_line_prove(t, s) || checks_line_unittest(t, s) ||
	    checks_line_meson(t, s))
		return;
	checks_line_items(t, s);
}

static void checks_tests_init(struct tests_state *t)
{
	memset(t, 0, sizeof(*t));
	t->unittest_ran = -1;
}

static bool checks_tests_result(const struct tests_state *t, struct checks_tests *out)
{
	if (t->fmt == FMT_NONE)
		return false;
	out->passed = t->passed;
	out->failed = t->failed;
	out->skipped = t->skipped;
	return true;
}

/* --- output cleaning -------------------------------------------------------------------- */

/*
 * Bytes of the escape sequence at s[0] == ESC (at most n): a CSI, a string (OSC, DCS, ...)
 * ended by BEL or ESC \, else ESC, intermediate bytes and a final byte ("ESC ( B").
 */
static size_t checks_escape_len(const char *s, size_t n)
{
	size_t i;

	if (n < 2)
		return n;
	if (s[1] == '[') {
		for (i = 2; i < n && !(s[i] >= 0x40 && s[i] <= 0x7E); i++)
			;
		return i < n ? i + 1 : n;
	}
	if (s[1] == ']' || s[1] == 'P' || s[1] == 'X' || s[1] == '^' || s[1] == '_') {
		for (i = 2; i < n; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == '\x1b' && i + 1 < n && s[i + 1] == '\\')
				return i + 2;
		}
		return n;
	}
	for (i = 1; i < n && s[i] >= 0x20 && s[i] <= 0x2F; i++)
		;
	return i < n ? i + 1 : n;
}

/*
 * What a terminal would leave of text, as UTF-8 without control characters but '\t' and
 * '\n': escapes dropped, text after a '\r' replacing its line. Writes at most len * 3 + 1
 * bytes (U+FFFD for each invalid byte) to out, NUL-terminated; returns the length.
 */
static size_t checks_clean_into(const char *text, size_t len, char *out)
{
	size_t w = 0, line = 0;
	bool cr = false;

	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)text[i];
		uint32_t cp;
		size_t n;

		if (ch == '\x1b') {
			i += checks_escape_len(text + i, len - i);
			continue;
		}
		if (ch == '\n') {
			out[w++] = '\n';
			line = w;
			cr = false;
			i++;
			continue;
		}
		if (ch == '\r' || (ch < 0x20 && ch != '\t') || ch == 0x7F) {
			cr = cr || ch == '\r';
			i++;
			continue;
		}
		/* Only once something follows: "100%\r" leaves "100%". */
		if (cr) {
			w = line;
			cr = false;
		}
		n = utf8_decode((const unsigned char *)text + i, len - i, &cp);
		if (n > 0) {
			memcpy(out + w, text + i, n);
			w += n;
			i += n;
		} else {
			memcpy(out + w, "\xEF\xBF\xBD", 3);
			w += 3;
			i++;
		}
	}
	out[w] = '\0';
	return w;
}

char *checks_output_tail(const char *text, size_t len, bool truncated)
{
	size_t n, from = 0, lines = 0, end;
	char *clean, *out;

	/* The first line was cut: start at the next one, if there is one. */
	if (truncated) {
		const char *nl = memchr(text, '\n', len);

		if (nl && (size_t)(nl - text) + 1 < len) {
			len -= (size_t)(nl - text) + 1;
			text = nl + 1;
		}
	}
	clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	n = checks_clean_into(text, len, clean);
	/* Trailing blank lines and spaces go. */
	end = n;
	while (end > 0 &&
	       (clean[end - 1] == '\n' || clean[end - 1] == ' ' || clean[end - 1] == '\t'))
		end--;
	/* Back to the start of the last CHECKS_TAIL_LINES lines, within CHECKS_TAIL_BYTES. */
	for (size_t i = end; i > 0; i--) {
		if (clean[i - 1] != '\n')
			continue;
		if (end - i > CHECKS_TAIL_BYTES)
			break;
		from = i;
		if (++lines == CHECKS_TAIL_LINES)
			break;
	}
	if (lines < CHECKS_TAIL_LINES && end <= CHECKS_TAIL_BYTES)
		from = 0;
	if (end - from > CHECKS_TAIL_BYTES) {
		/* One line too long alone: its end, from a character's start. */
		from = end - CHECKS_TAIL_BYTES;
		while (from < end && ((unsigned char)clean[from] & 0xC0) == 0x80)
			from++;
	}
	n = end - from;
	out = malloc(n + 2);
	if (out) {
		memcpy(out, clean + from, n);
		if (n > 0)
			out[n++] = '\n';
		out[n] = '\0';
	}
	free(clean);
	return out;
}

/* One line for the summary parser, as a terminal would show it; a long one is skipped. */
static void checks_tests_feed_line(struct tests_state *t, const char *line, size_t len)
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
	struct tests_state t;

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

/* --- a run ------------------------------------------------------------------------------ */

static void checks_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

/* The daemon's environment, for a check in cwd. */
static char **checks_env_build(const char *cwd)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		bool drop = !eq;

		for (size_t j = 0;
		     eq && j < sizeof(checks_env_dropped) / sizeof(checks_env_dropped[0]); j++) {
			if (strlen(checks_env_dropped[j]) == (size_t)(eq - environ[i]) &&
			    memcmp(checks_env_dropped[j], environ[i], (size_t)(eq - environ[i])) ==
				0)
				drop = true;
		}
		if (drop)
			continue;
		env[k] = strdup(environ[i]);
		if (!env[k++])
			goto oom;
	}
	env[k] = strdup("STINT_CHECK=1");
	if (!env[k++])
		goto oom;
	if (asprintf(&env[k], "PWD=%s", cwd) < 0) {
		env[k] = NULL;
		goto oom;
	}
	return env;
oom:
	checks_env_free(env);
	return NULL;
}

static void checks_run_free(struct checks_run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		free(run->list[i].name);
		free(run->list[i].value);
	}
	free(run->list);
	free(run->cwd);
	checks_env_free(run->env);
	free(run->ring);
	json_decref(run->results);
	free(run);
}

/* Output into the ring and, line by line, the summary parser. */
static void checks_output_add(struct checks_run *run, const char *buf, size_t n)
{
	struct check *c = &run->c;

	c->total += n;
	for (size_t i = 0; i < n;) {
		size_t room = CHECKS_RING_BYTES - c->ring_pos, k = n - i < room ? n - i : room;

		memcpy(run->ring + c->ring_pos, buf + i, k);
		c->ring_pos = (c->ring_pos + k) % CHECKS_RING_BYTES;
		i += k;
	}
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (!c->line_long)
				checks_tests_feed_line(&c->tests, c->line, c->line_len);
			c->line_len = 0;
			c->line_long = false;
		} else if (c->line_len < CHECKS_LINE_MAX) {
			c->line[c->line_len++] = buf[i];
		} else {
			c->line_long = true;
		}
	}
}

/* The ring's contents in order, then a line of stintd's own, if any; malloc'd. */
static char *checks_ring_text(struct checks_run *run, size_t *len, const char *note)
{
	struct check *c = &run->c;
	size_t n = c->total < CHECKS_RING_BYTES ? (size_t)c->total : CHECKS_RING_BYTES;
	size_t nn = strlen(note);
	char *s = malloc(n + nn + 3);

	if (!s)
		return NULL;
	if (c->total <= CHECKS_RING_BYTES) {
		memcpy(s, run->ring, n);
	} else {
		memcpy(s, run->ring + c->ring_pos, CHECKS_RING_BYTES - c->ring_pos);
		memcpy(s + CHECKS_RING_BYTES - c->ring_pos, run->ring, c->ring_pos);
	}
	if (nn) {
		if (n > 0 && s[n - 1] != '\n')
			s[n++] = '\n';
		memcpy(s + n, note, nn);
		n += nn;
		s[n++] = '\n';
	}
	s[n] = '\0';
	*len = n;
	return s;
}

static json_t *checks_result_json(struct checks_run *run)
{
	struct check *c = &run->c;
	const struct config_entry *e = &run->list[run->cur];
	bool exited_normally = c->spawned && c->exited && !c->abandoned && c->term_signal == 0;
	bool ok = exited_normally && c->exit_status == 0 && !c->timed_out && !c->cancelled;
	uint64_t ns = c->end_ns > c->start_ns ? c->end_ns - c->start_ns : 0;
	struct checks_tests counts;
	json_t *r = json_object();
	char *text, *tail = NULL;
	size_t len = 0;

	if (!r)
		return NULL;
	/* The last line, without a newline. */
	if (!c->line_long && c->line_len > 0)
		checks_tests_feed_line(&c->tests, c->line, c->line_len);
	text = checks_ring_text(run, &len, c->note);
	if (text) {
		tail = checks_output_tail(text, len, c->total > CHECKS_RING_BYTES);
		free(text);
	}
	json_object_set_new(r, "name", json_string(e->name));
	json_object_set_new(r, "ok", json_boolean(ok));
	if (exited_normally)
		json_object_set_new(r, "exit", json_integer(c->exit_status));
	if (c->spawned && c->exited && c->term_signal)
		json_object_set_new(r, "signal", json_integer(c->term_signal));
	json_object_set_new(r, "seconds", json_real((double)(ns / 1000000) / 1000.0));
	json_object_set_new(r, "timed_out", json_boolean(c->timed_out));
	json_object_set_new(r, "output_tail", json_string(tail ? tail : ""));
	if (checks_tests_result(&c->tests, &counts))
		json_object_set_new(
		    r, "tests",
		    json_pack("{s:I, s:I, s:I}", "passed", (json_int_t)counts.passed, "failed",
			      (json_int_t)counts.failed, "skipped", (json_int_t)counts.skipped));
	if (c->cancelled)
		json_object_set_new(r, "cancelled", json_true());
	free(tail);
	return r;
}

static void checks_close_cb(uv_handle_t *h)
{
	struct checks_run *run = h->data;

	run->closing--;
	if (run->closing > 0)
		return;
	if (run->finishing) {
		json_t *results = run->results;

		run->results = NULL;
		run->done(run->arg, results);
		checks_run_free(run);
	} else if (run->c.ended) {
		run->cur++;
		checks_start_check(run);
	}
}

static void checks_handle_close(struct checks_run *run, uv_handle_t *h, bool *open)
{
	if (!*open)
		return;
	*open = false;
	run->closing++;
	uv_close(h, checks_close_cb);
}

static void checks_run_finish(struct checks_run *run)
{
	run->finishing = true;
	run->closing++;
	uv_close((uv_handle_t *)&run->timer, checks_close_cb);
}

/* Records the check once its shell is gone and its output read (or given up on). */
static void checks_end_check(struct checks_run *run)
{
	struct check *c = &run->c;
	json_t *r;

	if (c->ended)
		return;
	c->ended = true;
	if (!c->end_ns)
		c->end_ns = uv_hrtime();
	uv_timer_stop(&run->timer);
	r = checks_result_json(run);
	if (!r || !run->results || json_array_append_new(run->results, r) < 0) {
		log_warnx("checks: out of memory recording check \"%s\"", run->list[run->cur].name);
		json_decref(run->results);
		run->results = NULL;
	}
	checks_handle_close(run, (uv_handle_t *)&run->pipe, &c->pipe_open);
	checks_handle_close(run, (uv_handle_t *)&run->proc, &c->proc_open);
	if (run->closing == 0) {
		run->cur++;
		checks_start_check(run);
	}
}

static void checks_kill_group(struct checks_run *run, int sig)
{
	if (run->c.spawned && run->c.pid > 0 && kill(-run->c.pid, sig) < 0 && errno != ESRCH)
		log_warn("checks: cannot signal the process group of check \"%s\"",
			 run->list[run->cur].name);
}

static void checks_timer_cb(uv_timer_t *t);

/* Enters phase next, due to end in ms; sig (0: none) goes to the check's process group first. */
static void checks_enter_phase(struct checks_run *run, int sig, enum phase next, uint64_t ms)
{
	if (sig)
		checks_kill_group(run, sig);
	run->c.phase = next;
	uv_timer_start(&run->timer, checks_timer_cb, ms, 0);
}

static void checks_timer_cb(uv_timer_t *t)
{
	struct checks_run *run = t->data;
	struct check *c = &run->c;

	switch (c->phase) {
	case PHASE_RUNNING:
		c->timed_out = true;
		checks_enter_phase(run, SIGTERM, PHASE_TERM, CHECKS_KILL_DELAY_MS);
		break;
	case PHASE_TERM:
		checks_enter_phase(run, SIGKILL, PHASE_KILLED, CHECKS_ABANDON_MS);
		break;
	case PHASE_KILLED:
		/* Stuck in the kernel: libuv forgets it once closed; it stays a zombie. */
		log_warnx(
		    "checks: check \"%s\" (pid %d) did not exit after SIGKILL; giving up on it",
		    run->list[run->cur].name, (int)c->pid);
		snprintf(c->note, sizeof(c->note),
			 "stint: the check did not exit %d s after SIGKILL; stopped waiting",
			 CHECKS_ABANDON_MS / 1000);
		c->exited = true;
		c->abandoned = true;
		checks_end_check(run);
		break;
	case PHASE_DRAIN:
		checks_enter_phase(run, SIGKILL, PHASE_DRAINKILL, CHECKS_DRAIN_MS);
		break;
	case PHASE_DRAINKILL:
		snprintf(c->note, sizeof(c->note),
			 "stint: a process the check started outside its process group still "
			 "held the output open after the check exited; stopped reading");
		checks_end_check(run);
		break;
	}
}

static void checks_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct checks_run *run = p->data;
	struct check *c = &run->c;

	c->exited = true;
	c->end_ns = uv_hrtime();
	c->exit_status = status;
	c->term_signal = sig;
	checks_handle_close(run, (uv_handle_t *)&run->proc, &c->proc_open);
	if (c->eof) {
		checks_end_check(run);
		return;
	}
	/* Something it started still holds the output open: it belongs to the check, so it goes. */
	switch (c->phase) {
	case PHASE_RUNNING:
		checks_enter_phase(run, SIGTERM, PHASE_DRAIN, CHECKS_KILL_DELAY_MS);
		break;
	case PHASE_TERM:
		/* SIGTERM went out at the timeout; SIGKILL stays due when it was. */
		c->phase = PHASE_DRAIN;
		break;
	case PHASE_KILLED:
	case PHASE_DRAIN:
	case PHASE_DRAINKILL:
		checks_enter_phase(run, 0, PHASE_DRAINKILL, CHECKS_DRAIN_MS);
		break;
	}
}

static void checks_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct checks_run *run = h->data;

	*buf = uv_buf_init(run->rbuf, sizeof(run->rbuf));
}

static void checks_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct checks_run *run = s->data;
	struct check *c = &run->c;

	if (nread > 0) {
		checks_output_add(run, buf->base, (size_t)nread);
		return;
	}
	if (nread == 0)
		return;
	if (nread != UV_EOF)
		log_warnx("checks: reading the output of check \"%s\": %s",
			  run->list[run->cur].name, uv_strerror((int)nread));
	c->eof = true;
	checks_handle_close(run, (uv_handle_t *)&run->pipe, &c->pipe_open);
	if (c->exited)
		checks_end_check(run);
}

/* A check that could not start: why, in its output_tail. */
static void checks_start_failed(struct checks_run *run, int err, const char *what)
{
	struct check *c = &run->c;

	if (err == UV_ENOENT || err == UV_ENOTDIR || err == UV_EACCES) {
		/* uv_spawn does not say whether chdir or exec failed. */
		if (access(run->cwd, X_OK) < 0)
			snprintf(c->note, sizeof(c->note), "stint: cannot run the check in %s: %s",
				 run->cwd, strerror(errno));
		else
			snprintf(c->note, sizeof(c->note), "stint: cannot run /bin/sh: %s",
				 uv_strerror(err));
	} else {
		snprintf(c->note, sizeof(c->note), "stint: cannot run the check (%s): %s", what,
			 uv_strerror(err));
	}
	log_warnx("checks: \"%s\": %s", run->list[run->cur].name, c->note + strlen("stint: "));
	c->exited = true;
	c->eof = true;
	checks_end_check(run);
}

static void checks_start_check(struct checks_run *run)
{
	struct check *c = &run->c;
	const struct config_entry *e;
	uv_process_options_t opt = {0};
	uv_stdio_container_t stdio[3];
	uv_file fds[2];
	char *args[4];
	int r;

	if (run->cancelled || run->cur >= run->n) {
		checks_run_finish(run);
		return;
	}
	e = &run->list[run->cur];
	memset(c, 0, sizeof(*c));
	checks_tests_init(&c->tests);
	c->start_ns = uv_hrtime();
	r = uv_pipe(fds, UV_NONBLOCK_PIPE, 0);
	if (r < 0) {
		checks_start_failed(run, r, "pipe");
		return;
	}
	uv_pipe_init(run->loop, &run->pipe, 0);
	run->pipe.data = run;
	c->pipe_open = true;
	r = uv_pipe_open(&run->pipe, fds[0]);
	if (r < 0) {
		close(fds[0]);
		close(fds[1]);
		checks_start_failed(run, r, "uv_pipe_open");
		return;
	}
	args[0] = "sh";
	args[1] = "-c";
	args[2] = e->value;
	args[3] = NULL;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = fds[1];
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = fds[1];
	opt.file = "/bin/sh";
	opt.args = args;
	opt.env = run->env;
	opt.cwd = run->cwd;
	opt.flags = UV_PROCESS_DETACHED;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.exit_cb = checks_exit_cb;
	/* The handle is initialized even when spawning fails, and must be closed. */
	r = uv_spawn(run->loop, &run->proc, &opt);
	run->proc.data = run;
	c->proc_open = true;
	close(fds[1]);
	if (r < 0) {
		checks_start_failed(run, r, "uv_spawn");
		return;
	}
	c->spawned = true;
	c->pid = run->proc.pid;
	log_debug("checks: \"%s\" started in %s (pid %d)", e->name, run->cwd, (int)c->pid);
	r = uv_read_start((uv_stream_t *)&run->pipe, checks_alloc_cb, checks_read_cb);
	if (r < 0) {
		log_warnx("checks: cannot read the output of check \"%s\": %s", e->name,
			  uv_strerror(r));
		c->eof = true;
		checks_handle_close(run, (uv_handle_t *)&run->pipe, &c->pipe_open);
	}
	checks_enter_phase(run, 0, PHASE_RUNNING, run->timeout_ms);
}

int checks_run(uv_loop_t *loop, const char *cwd, const struct config_entry *list, size_t n,
	       int64_t timeout_s, void (*done)(void *arg, json_t *results), void *arg,
	       struct checks_run **out)
{
	struct checks_run *run;

	if (!loop || !cwd || !done || timeout_s < 1 || (n > 0 && !list))
		return -EINVAL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->loop = loop;
	run->done = done;
	run->arg = arg;
	run->timeout_ms = (uint64_t)timeout_s * 1000;
	run->cwd = strdup(cwd);
	run->env = checks_env_build(cwd);
	run->ring = malloc(CHECKS_RING_BYTES);
	run->results = json_array();
	run->list = n ? calloc(n, sizeof(*run->list)) : NULL;
	if (!run->cwd || !run->env || !run->ring || !run->results || (n && !run->list)) {
		checks_run_free(run);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		run->list[i].name = strdup(list[i].name);
		run->list[i].value = strdup(list[i].value);
		run->n = i + 1;
		if (!run->list[i].name || !run->list[i].value) {
			checks_run_free(run);
			return -ENOMEM;
		}
	}
	uv_timer_init(loop, &run->timer);
	run->timer.data = run;
	if (out)
		*out = run;
	checks_start_check(run);
	return 0;
}

void checks_cancel(struct checks_run *run)
{
	struct check *c;

	if (!run)
		return;
	c = &run->c;
	if (!run->cancelled)
		log_info("checks: cancelled in %s", run->cwd);
	run->cancelled = true;
	/* Between checks or finishing: checks_start_check sees the flag. */
	if (run->finishing || c->ended || !c->spawned || c->phase == PHASE_KILLED ||
	    c->phase == PHASE_DRAINKILL)
		return;
	uv_timer_stop(&run->timer);
	if (c->exited) {
		/* It had finished; only what it left running is cut short. */
		checks_enter_phase(run, SIGKILL, PHASE_DRAINKILL, CHECKS_DRAIN_MS);
	} else {
		c->cancelled = true;
		checks_enter_phase(run, SIGKILL, PHASE_KILLED, CHECKS_ABANDON_MS);
	}
}
