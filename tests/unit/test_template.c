#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>

#include "template_view.h"
#include "testutil.h"

/*
 * The headings of /work/shared/session-log-template.md, in order, cut after a ':' (the title's
 * text varies). The "### Challenge N:" headings are examples and repeat per challenge, so they
 * are not listed. test_template_file_headings checks this copy against the file when it exists.
 */
static const char *const template_headings[] = {
    "# Session:",
    "## Summary",
    "## Activities",
    "## Key Learnings",
    "### Technical Insights",
    "### Process Insights",
    "## Decisions Made",
    "## TODOs Created",
    "### High Priority",
    "### Medium Priority",
    "### Low Priority / Nice to Have",
    "### Blocked",
    "## Code Changes",
    "### Files Modified",
    "### Statistics",
    "### Key Code Patterns",
    "## Performance Metrics",
    "### Benchmark Results",
    "## Challenges & Solutions",
    "## Testing",
    "### Tests Run",
    "### Test Coverage",
    "### New Tests Added",
    "## Quality Checks",
    "## Next Steps",
    "### Immediate (Next Session)",
    "### This Week",
    "### Future / Ideas",
    "## Related Documentation",
    "## Session Notes",
    "## Team Communication",
    "### Updates Shared",
    "### Blockers Identified",
    "## Metadata",
    "## Archive",
    "### Long-term Impact",
    "### What Actually Happened",
};
#define NHEADINGS (sizeof(template_headings) / sizeof(*template_headings))

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	int r;

	if (!f)
		return -1;
	r = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? r : -1;
}

static const char *env_dir(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static json_t *load_fixture(const char *name)
{
	char path[1024];
	json_error_t jerr;
	json_t *rec;

	snprintf(path, sizeof(path), "%s/records/%s.json",
		 env_dir("STINT_FIXTURE_DIR", "tests/fixtures"), name);
	rec = json_load_file(path, 0, &jerr);
	if (!rec)
		fail_msg("cannot load %s: %s (line %d)", path, jerr.text, jerr.line);
	return rec;
}

static char *render_ok(const json_t *rec)
{
	char err[256] = "";
	char *md = template_render(rec, err, sizeof(err));

	if (!md)
		fail_msg("template_render failed: %s", err);
	return md;
}

/* --- structural checks, shared by every test that renders ------------------------------- */

static bool utf8_valid(const char *s, size_t *bad_at)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; u[i];) {
		size_t len = u[i] < 0x80	     ? 1
			     : (u[i] & 0xE0) == 0xC0 ? 2
			     : (u[i] & 0xF0) == 0xE0 ? 3
			     : (u[i] & 0xF8) == 0xF0 ? 4
						     : 0;
		uint32_t cp = len == 1	 ? u[i]
			      : len == 2 ? u[i] & 0x1Fu
			      : len == 3 ? u[i] & 0x0Fu
					 : u[i] & 0x07u;

		for (size_t k = 1; k < len; k++) {
			if ((u[i + k] & 0xC0) != 0x80) {
				len = 0;
				break;
			}
			cp = (cp << 6) | (u[i + k] & 0x3Fu);
		}
		if (len == 0 || (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || (cp < 0x20 && cp != '\n' && cp != '\t') ||
		    cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			*bad_at = i;
			return false;
		}
		i += len;
	}
	return true;
}

static size_t leading_cols(const char *line, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		col = line[i] == '\t' ? col + 4 - col % 4 : col + 1;
	return col;
}

/* "## Foo" -> 2 when line is an ATX heading (after up to 3 columns of indentation), else 0. */
static int atx_level(const char *line, size_t n)
{
	size_t i = 0, k = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i + k < n && line[i + k] == '#')
		k++;
	if (k == 0 || k > 6 || (i + k < n && line[i + k] != ' ' && line[i + k] != '\t'))
		return 0;
	return (int)k;
}

static bool fence_line(const char *line, size_t n)
{
	while (n > 0 && (*line == ' ' || *line == '\t'))
		line++, n--;
	return n >= 3 && (strncmp(line, "```", 3) == 0 || strncmp(line, "~~~", 3) == 0);
}

static bool only(const char *p, size_t n, char c)
{
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return true;
}

struct fence {
	bool open;
	char c;
	size_t len;
};

/* CommonMark's fence rules on a line's content (after its indentation): true if it opens or closes.
 */
static bool fence_update(struct fence *f, const char *p, size_t n)
{
	size_t k = 0;

	if (n == 0 || (p[0] != '`' && p[0] != '~'))
		return false;
	while (k < n && p[k] == p[0])
		k++;
	if (k < 3)
		return false;
	if (f->open) {
		if (p[0] != f->c || k < f->len)
			return false;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n)
			f->open = false;
		return k == n;
	}
	if (p[0] == '`' && memchr(p + k, '`', n - k))
		return false;
	*f = (struct fence){.open = true, .c = p[0], .len = k};
	return true;
}

/* Length of a list marker ("- ", "1. ") at the start of one of the renderer's own lines, or 0. */
static size_t item_marker(const char *p, size_t n)
{
	size_t k = 0;

	if (n >= 2 && (p[0] == '-' || p[0] == '*' || p[0] == '+') && p[1] == ' ')
		return 2;
	while (k < n && p[k] >= '0' && p[k] <= '9')
		k++;
	return k > 0 && k + 1 < n && p[k] == '.' && p[k + 1] == ' ' ? k + 2 : 0;
}

/*
 * Whitespace and encoding rules, and the document's skeleton: the ATX headings and setext/rule
 * lines within 3 columns of the margin (and first lines of top-level list items), outside code
 * fences, are exactly the template's in order, plus "### Challenge N:" ones. The fence tracking
 * is exact only if texts do not start lines with blanks (see fuzz_text).
 */
static char problem[512];

#define PROBLEM(...)                                                                               \
	do {                                                                                       \
		snprintf(problem, sizeof(problem), __VA_ARGS__);                                   \
		return false;                                                                      \
	} while (0)

static bool structure_ok(const char *md, const char *what)
{
	size_t len = strlen(md), bad, nh = 0, nrules = 0, line_no = 0;
	const char *p = md;
	struct fence fence = {0};
	bool prev_blank = true, in_notes = false;

	if (len == 0 || md[len - 1] != '\n' || (len > 1 && md[len - 2] == '\n'))
		PROBLEM("%s: output must end with exactly one newline", what);
	if (!utf8_valid(md, &bad))
		PROBLEM("%s: invalid UTF-8 or control character at byte %zu", what, bad);
	if (strstr(md, "\n\n\n"))
		PROBLEM("%s: two blank lines in a row at byte %zu", what,
			(size_t)(strstr(md, "\n\n\n") - md));
	while (*p) {
		const char *nl = strchr(p, '\n'), *c = p;
		size_t n = (size_t)(nl - p), cn, ws = 0, m;
		char line[256];

		line_no++;
		snprintf(line, sizeof(line), "%.*s", (int)(n < 200 ? n : 200), p);
		if (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
			/* Only the template's deliberate "  " line breaks after a "**Label**" line.
			 */
			if (n < 3 || p[n - 1] != ' ' || p[n - 2] != ' ' || p[n - 3] == ' ' ||
			    p[n - 3] == '\t' || strncmp(p, "**", 2) != 0)
				PROBLEM("%s:%zu: trailing whitespace: \"%s\"", what, line_no, line);
		}
		if (leading_cols(p, n) > 3)
			goto next;
		while (ws < n && (p[ws] == ' ' || p[ws] == '\t'))
			ws++;
		c = p + ws;
		cn = n - ws;
		/* Only Session Notes put user text right after a list marker; elsewhere a marker
		 * opening a fence is the user's, confined to their own list item. */
		if (ws == 0 && in_notes && (m = item_marker(c, cn)) > 0) {
			c += m;
			cn -= m;
		}
		if (fence_update(&fence, c, cn) || fence.open)
			goto next;
		if (atx_level(c, cn)) {
			if (c == p && strncmp(p, "### Challenge ", 14) == 0 && p[14] >= '1' &&
			    p[14] <= '9') {
				/* per-challenge heading: allowed anywhere in its section */
			} else if (c != p || nh >= NHEADINGS ||
				   strncmp(p, template_headings[nh],
					   strlen(template_headings[nh])) != 0 ||
				   (n != strlen(template_headings[nh]) &&
				    template_headings[nh][strlen(template_headings[nh]) - 1] !=
					':')) {
				PROBLEM("%s:%zu: unexpected heading \"%s\" (expected \"%s\")", what,
					line_no, line,
					nh < NHEADINGS ? template_headings[nh] : "(none)");
			} else {
				nh++;
			}
			if (c == p && strncmp(p, "## ", 3) == 0)
				in_notes =
				    strcmp(template_headings[nh - 1], "## Session Notes") == 0;
		} else if (c == p && (only(p, n, '-') || only(p, n, '='))) {
			/* A rule after a paragraph line would be a setext heading. */
			if (!prev_blank || n != 3 || strncmp(p, "---", 3) != 0)
				PROBLEM("%s:%zu: setext underline or stray rule \"%s\"", what,
					line_no, line);
			nrules++;
		}
	next:
		prev_blank = n == 0;
		p = nl + 1;
	}
	if (fence.open)
		PROBLEM("%s: a code fence is left open", what);
	if (nh != NHEADINGS)
		PROBLEM("%s: heading \"%s\" is missing", what, template_headings[nh]);
	if (nrules != 2)
		PROBLEM("%s: %zu \"---\" rules, expected the two around Metadata", what, nrules);
	return true;
}

static void check_structure(const char *md, const char *what)
{
	if (!structure_ok(md, what))
		fail_msg("%s", problem);
}

/* --- golden files ------------------------------------------------------------------------ */

static char *fixture_path(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s/%s", env_dir("STINT_FIXTURE_DIR", "tests/fixtures"), dir, name);
	return buf;
}

/*
 * Renders the fixture record name, with the template file tmpl from tests/fixtures/templates
 * (NULL: the built-in one, whose output must also have the shared template's skeleton), and
 * compares the output with tests/golden/<golden>.md.
 */
static void check_golden_with(const char *name, const char *tmpl, const char *golden_name)
{
	char golden[1024], actual[1024], cwd[512], path[1024], err[512] = "";
	json_t *rec = load_fixture(name);
	char *text = tmpl ? read_file(fixture_path(path, sizeof(path), "templates", tmpl)) : NULL;
	char *md, *want;
	const char *a, *b;
	size_t line = 1;

	if (tmpl && !text)
		fail_msg("cannot read %s", path);
	md = template_render_with(rec, text, tmpl ? path : NULL, err, sizeof(err));
	if (!md)
		fail_msg("template_render_with failed: %s", err);
	if (!tmpl)
		check_structure(md, name);
	snprintf(golden, sizeof(golden), "%s/%s.md", env_dir("STINT_GOLDEN_DIR", "tests/golden"),
		 golden_name);
	if (getenv("STINT_UPDATE_GOLDEN")) {
		assert_int_equal(write_file(golden, md), 0);
		print_message("updated %s\n", golden);
	}
	want = read_file(golden);
	snprintf(actual, sizeof(actual), "%s/%s.actual.md", getcwd(cwd, sizeof(cwd)) ? cwd : ".",
		 golden_name);
	/* A stale output from an earlier failure would only mislead. */
	unlink(actual);
	if (!want || strcmp(want, md) != 0) {
		write_file(actual, md);
		for (a = want ? want : "", b = md; *a && *a == *b; a++, b++)
			line += *a == '\n';
		fail_msg("%s differs from %s at line %zu; actual output written to %s\n"
			 "  see: diff -u %s %s\n  accept: STINT_UPDATE_GOLDEN=1 ctest -R template",
			 golden_name, golden, line, actual, golden, actual);
	}
	free(want);
	free(md);
	free(text);
	json_decref(rec);
}

static void check_golden(const char *name)
{
	check_golden_with(name, NULL, name);
}

static void test_golden_minimal(void **state)
{
	(void)state;
	check_golden("minimal");
}

static void test_golden_full(void **state)
{
	(void)state;
	check_golden("full");
}

static void test_golden_hostile(void **state)
{
	(void)state;
	check_golden("hostile");
}

static void test_golden_wrong_types(void **state)
{
	(void)state;
	check_golden("wrong_types");
}

static void test_golden_empty(void **state)
{
	(void)state;
	check_golden("empty");
}

/* Files (added, deleted, binary, renamed, odd paths), commits, a branch switch, a pull, gaps,
 * code TODOs, an ADR, carried and --next todos, references and previous logs. */
static void test_golden_git(void **state)
{
	(void)state;
	check_golden("git");
}

/* Passing, failing and timed-out checks, test counts, output tails; no changes at all. */
static void test_golden_checks(void **state)
{
	(void)state;
	check_golden("checks");
}

/* More files than [log] max_file_rows; commits whose paths are not known. */
static void test_golden_cap(void **state)
{
	(void)state;
	check_golden("cap");
}

/* A user's template: another layout of the same view. */
static void test_golden_custom_template(void **state)
{
	(void)state;
	check_golden_with("git", "custom.md", "custom");
}

/* The copy of the heading list above must match the shared template when it is there. */
static void test_template_file_headings(void **state)
{
	const char *src = env_dir("STINT_SOURCE_DIR", ".");
	char path[1024];
	char *text, *p;
	size_t nh = 0;
	bool in_fence = false;

	(void)state;
	snprintf(path, sizeof(path), "%s/../shared/session-log-template.md", src);
	text = read_file(path);
	if (!text) {
		print_message("no %s: checked against the built-in heading list only\n", path);
		skip();
	}
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (fence_line(p, n)) {
			in_fence = !in_fence;
		} else if (!in_fence && atx_level(p, n) && strncmp(p, "### Challenge ", 14) != 0) {
			const char *colon = memchr(p, ':', n);
			size_t cut = colon ? (size_t)(colon - p) + 1 : n;

			if (nh >= NHEADINGS || strlen(template_headings[nh]) != cut ||
			    strncmp(p, template_headings[nh], cut) != 0)
				fail_msg("template heading \"%.*s\" does not match the test's copy "
					 "\"%s\": update template_headings",
					 (int)n, p,
					 nh < NHEADINGS ? template_headings[nh] : "(end)");
			nh++;
		}
		p += n + (nl != NULL);
	}
	assert_int_equal(nh, NHEADINGS);
	free(text);
}

/* --- targeted behaviour ------------------------------------------------------------------ */

static char *render_pack(json_t *rec)
{
	char *md;

	assert_non_null(rec);
	md = render_ok(rec);
	check_structure(md, "packed record");
	json_decref(rec);
	return md;
}

static void assert_contains(const char *md, const char *needle)
{
	if (!strstr(md, needle))
		fail_msg("expected \"%s\" in:\n%s", needle, md);
}

static void assert_lacks(const char *md, const char *needle)
{
	if (strstr(md, needle))
		fail_msg("did not expect \"%s\" in:\n%s", needle, md);
}

static void test_not_an_object(void **state)
{
	char err[128] = "";
	json_t *arr = json_array();

	(void)state;
	assert_null(template_render(NULL, err, sizeof(err)));
	assert_true(strlen(err) > 0);
	err[0] = '\0';
	assert_null(template_render(arr, err, sizeof(err)));
	assert_true(strlen(err) > 0);
	json_decref(arr);
}

static void title_is(json_t *rec, const char *title)
{
	char *md = render_pack(rec);
	char want[256];

	snprintf(want, sizeof(want), "# Session: %s\n\n", title);
	if (strncmp(md, want, strlen(want)) != 0)
		fail_msg("expected title \"%s\", got: %.60s", title, md);
	free(md);
}

static void test_title(void **state)
{
	(void)state;
	title_is(json_pack("{s:s, s:s, s:s}", "focus", "rate limits", "branch", "feat/x",
			   "repo_name", "r"),
		 "rate limits");
	title_is(json_pack("{s:s, s:s}", "branch", "feat/login-rate-limit", "repo_name", "r"),
		 "Login rate limit");
	title_is(json_pack("{s:s}", "branch", "bugfix/parse_error/v2"), "Parse error v2");
	title_is(json_pack("{s:s}", "branch", "HOTFIX/crash"), "Crash");
	title_is(json_pack("{s:s}", "branch", "alice/topic"), "Alice topic");
	title_is(json_pack("{s:s}", "branch", "new-parser (unborn)"), "New parser");
	title_is(json_pack("{s:s, s:s}", "branch", "main", "repo_name", "stint"),
		 "Session in stint");
	title_is(json_pack("{s:s, s:s}", "branch", "master", "repo", "/src/proj"),
		 "Session in proj");
	title_is(json_pack("{s:s, s:s}", "branch", "detached at abc1234", "repo_name", "stint"),
		 "Session in stint");
	title_is(json_pack("{s:s, s:s}", "branch", "feat/", "repo_name", "stint"),
		 "Session in stint");
	title_is(json_pack("{s:n, s:s}", "branch", "repo_name", "scratch"), "Session in scratch");
	title_is(json_pack("{s:s}", "focus", "issue #"), "issue \\#");
	title_is(json_pack("{s:s}", "focus", "two\nlines"), "two lines");
	title_is(json_object(), "[Brief Descriptive Title]");
}

static void test_header_lines(void **state)
{
	char *md;

	(void)state;
	/* Under 60 s between wall and active: no wall/paused note. */
	md = render_pack(json_pack("{s:I, s:I, s:I, s:I, s:s, s:s}", "started_at",
				   (json_int_t)1764079509000, "active_s", (json_int_t)7500,
				   "wall_s", (json_int_t)7559, "paused_s", (json_int_t)59, "branch",
				   "main", "branch_end", "feat/x"));
	assert_contains(md, "**Date:** 2025-11-25  \n**Duration:** 2 hours 5 minutes  \n");
	assert_contains(md, "**Focus:** [Main objective or area of work]  \n");
	assert_contains(md, "**Branch:** main → feat/x\n");
	assert_contains(md, "**Related branch**: feat/x  \n");
	free(md);

	md = render_pack(json_pack("{s:I, s:I, s:I, s:s, s:s}", "active_s", (json_int_t)7500,
				   "wall_s", (json_int_t)7800, "paused_s", (json_int_t)300,
				   "branch", "main", "branch_end", "main"));
	assert_contains(md, "**Duration:** 2 hours 5 minutes (wall 2 hours 10 minutes, paused 5 "
			    "minutes)  \n");
	assert_contains(md, "**Branch:** main\n");
	free(md);

	/* Wall differs without a pause (idle time, later): no "paused 0 seconds". */
	md = render_pack(json_pack("{s:I, s:I, s:I}", "active_s", (json_int_t)60, "wall_s",
				   (json_int_t)3600, "paused_s", (json_int_t)0));
	assert_contains(md, "**Duration:** 1 minute (wall 1 hour)  \n");
	free(md);

	md = render_pack(json_pack("{s:n, s:n}", "branch", "branch_end"));
	assert_contains(md, "**Branch:** none (not a git repository)\n");
	assert_contains(md, "**Related branch**: none  \n");
	assert_contains(md, "**Duration:** X hours Y minutes  \n");
	assert_contains(md, "**Date:** YYYY-MM-DD  \n");
	free(md);
}

static void test_timeline(void **state)
{
	char *md;
	json_t *rec = json_pack(
	    "{s:I, s:[{s:I, s:s}, {s:I, s:s, s:s, s:s}, {s:I, s:s}, {s:I, s:s}, {s:I, s:s, s:s, "
	    "s:s}, {s:I, s:s, s:s}, {s:I, s:s}]}",
	    "started_at", (json_int_t)1764111000000, /* 2025-11-25 22:50 */
	    "events", "at", (json_int_t)1764111000000, "kind", "start", "at",
	    (json_int_t)1764111600000, "kind", "note", "note_kind", "learning", "text",
	    "first line\nsecond line", "at", (json_int_t)1764112200000, "kind", "pause", "at",
	    (json_int_t)1764115200000, "kind", "resume", /* 00:00 the next day */
	    "at", (json_int_t)1764115260000, "kind", "todo", "priority", "blocked", "text", "wait",
	    "at", (json_int_t)1764115320000, "kind", "decision", "text", "go", "at",
	    (json_int_t)1764115380000, "kind", "stop");

	(void)state;
	md = render_pack(rec);
	assert_contains(md, "## Activities\n\n"
			    "1. **Session started** (22:50)\n"
			    "   - Learning (23:00): first line…\n\n"
			    "2. **Paused** (23:10)\n\n"
			    "3. **Resumed** (2025-11-26 00:00, paused 50 minutes)\n"
			    "   - TODO, blocked (2025-11-26 00:01): wait\n"
			    "   - Decision (2025-11-26 00:02): go\n\n"
			    "4. **Session stopped** (2025-11-26 00:03)\n\n## Key");
	free(md);

	/* The clock was set back an hour after the pause: the timeline keeps the order things
	 * happened in, each labelled with the time the clock showed then. An auto-start says so. */
	rec = json_pack("{s:I, s:[{s:I, s:s, s:s}, {s:I, s:s, s:s}, {s:I, s:s}, {s:I, s:s}, "
			"{s:I, s:s, s:s}, {s:I, s:s}]}",
			"started_at", (json_int_t)1764064800000, /* 10:00 */
			"events", "at", (json_int_t)1764064800000, "kind", "start", "auto", "watch",
			"at", (json_int_t)1764066600000, "kind", "note", "text", "before", "at",
			(json_int_t)1764067200000, "kind", "pause",	   /* 10:40 */
			"at", (json_int_t)1764064200000, "kind", "resume", /* 09:50 */
			"at", (json_int_t)1764064500000, "kind", "note", "text", "after", "at",
			(json_int_t)1764065100000, "kind", "stop");
	md = render_pack(rec);
	assert_contains(md,
			"## Activities\n\n"
			"1. **Session started automatically (activity in a watched repository)** "
			"(10:00)\n"
			"   - Note (10:30): before\n\n"
			"2. **Paused** (10:40)\n\n"
			"3. **Resumed** (09:50)\n"
			"   - Note (09:55): after\n\n"
			"4. **Session stopped** (10:05)\n\n## Key");
	free(md);

	/* No timeline: the start and stop stamps stand in. */
	md = render_pack(json_pack("{s:I, s:I}", "started_at", (json_int_t)1764079509000,
				   "ended_at", (json_int_t)1764087009000));
	assert_contains(md, "1. **Session started** (14:05)\n\n2. **Session stopped** (16:10)\n");
	free(md);

	/* Ten items and more: details stay aligned under the wider marker. */
	rec = json_pack("{s:[]}", "events");
	for (int i = 0; i < 10; i++)
		json_array_append_new(json_object_get(rec, "events"),
				      json_pack("{s:s}", "kind", i % 2 ? "resume" : "pause"));
	json_array_append_new(json_object_get(rec, "events"),
			      json_pack("{s:s, s:s}", "kind", "note", "text", "aligned"));
	md = render_pack(rec);
	assert_contains(md, "10. **Resumed**\n    - Note: aligned\n");
	free(md);
}

/* Branch switches, commits and pulls sort at the time git recorded them (git_at), in reflog order,
 * however late the daemon recorded them; what only the stop's recompute saw (the stats' head_log
 * after the events' last reflog entry) is placed too; the header's Branch lists every branch. */
static void test_timeline_git_order(void **state)
{
	const char *H1 = "1111111111111111111111111111111111111111",
		   *H2 = "2222222222222222222222222222222222222222";
	json_error_t jerr;
	char *md;
	json_t *rec = json_pack_ex(
	    &jerr, 0,
	    "{s:I, s:s, s:s, s:[{s:I, s:s}, {s:I, s:s, s:s}, {s:I, s:s, s:s, s:s, s:I, s:I},"
	    " {s:I, s:s, s:s, s:I, s:I}, {s:I, s:s}],"
	    " s:{s:I, s:I, s:I, s:I, s:I, s:[{s:s, s:I, s:s}, {s:s, s:I, s:s}],"
	    " s:[{s:s, s:I, s:I, s:s, s:s}, {s:s, s:I, s:I, s:s},"
	    " {s:s, s:I, s:I, s:s, s:s}, {s:s, s:I, s:I, s:s}, {s:s, s:I, s:I, s:I}]}}",
	    "started_at", (json_int_t)1764064800000, "branch", "main (unborn)", "branch_end",
	    "main", "events", "at", (json_int_t)1764064800000, "kind", "start",
	    /* Noted after the commit, before the daemon saw the switch and the commit. */
	    "at", (json_int_t)1764064865500, "kind", "note", "text", "noted", "at",
	    (json_int_t)1764064866000, "kind", "branch", "from", "main", "to", "fix/a", "reflog",
	    (json_int_t)0, "git_at", (json_int_t)1764064865200, "at", (json_int_t)1764064866000,
	    "kind", "commit", "hash", H1, "reflog", (json_int_t)1, "git_at",
	    (json_int_t)1764064865400, "at", (json_int_t)1764065400000, "kind", "stop", "stats",
	    "commits", (json_int_t)2, "files_changed", (json_int_t)1, "added", (json_int_t)2,
	    "removed", (json_int_t)0, "pulled", (json_int_t)3, "commit_list", "hash", H2, "time",
	    (json_int_t)1764065300, "subject", "second", "hash", H1, "time", (json_int_t)1764064865,
	    "subject", "first", "head_log", "kind", "branch", "reflog", (json_int_t)0, "git_at",
	    (json_int_t)1764064865200, "from", "main", "to", "fix/a", "kind", "commit", "reflog",
	    (json_int_t)1, "git_at", (json_int_t)1764064865400, "hash", H1,
	    /* Only the stop's recompute saw these. */
	    "kind", "branch", "reflog", (json_int_t)2, "git_at", (json_int_t)1764065200000, "from",
	    "fix/a", "to", "main", "kind", "commit", "reflog", (json_int_t)3, "git_at",
	    (json_int_t)1764065300999, "hash", H2, "kind", "pull", "reflog", (json_int_t)4,
	    "git_at", (json_int_t)1764065340000, "commits", (json_int_t)3);

	(void)state;
	if (!rec)
		fail_msg("json_pack: %s", jerr.text);
	md = render_pack(rec);
	assert_contains(md, "**Branch:** main → fix/a → main\n");
	assert_contains(md, "## Activities\n\n"
			    "1. **Session started** (10:00)\n\n"
			    "2. **Switched branch: main → fix/a** (10:01)\n\n"
			    "3. **Commit `1111111`: first** (10:01)\n"
			    "   - Note (10:01): noted\n\n"
			    "4. **Switched branch: fix/a → main** (10:06)\n\n"
			    "5. **Commit `2222222`: second** (10:08)\n\n"
			    "6. **Pulled 3 commits** (10:09)\n\n"
			    "7. **Session stopped** (10:10)\n\n## Key");
	free(md);

	/* A reflog position or git time of the wrong type or range (the store is disk input): the
	 * event sorts where the daemon recorded it, labelled with that time. */
	rec = json_pack("{s:I, s:[{s:I, s:s}, {s:I, s:s, s:s}, {s:I, s:s, s:s, s:s, s:I},"
			" {s:I, s:s, s:s, s:I, s:I}, {s:I, s:s}]}",
			"started_at", (json_int_t)1764064800000, "events", "at",
			(json_int_t)1764064800000, "kind", "start", "at", (json_int_t)1764064865500,
			"kind", "note", "text", "noted", "at", (json_int_t)1764064926000, "kind",
			"branch", "to", "fix/a", "reflog", "0", "git_at", (json_int_t)1764064865200,
			"at", (json_int_t)1764064986000, "kind", "branch", "to", "fix/b", "reflog",
			(json_int_t)1, "git_at", (json_int_t)-5, "at", (json_int_t)1764065400000,
			"kind", "stop");
	md = render_pack(rec);
	assert_contains(md, "1. **Session started** (10:00)\n"
			    "   - Note (10:01): noted\n\n"
			    "2. **Switched branch: fix/a** (10:02)\n\n"
			    "3. **Switched branch: fix/b** (10:03)\n\n"
			    "4. **Session stopped** (10:10)\n");
	free(md);

	/* A switch an older stintd recorded when it saw it (no reflog field): HEAD's reflog up to
	 * then is told already, and is not told twice. */
	rec = json_pack(
	    "{s:I, s:s, s:[{s:I, s:s}, {s:I, s:s, s:s, s:s}, {s:I, s:s}], s:{s:I, s:I, s:I, s:I,"
	    " s:[{s:s, s:I, s:s}], s:[{s:s, s:I, s:I, s:s, s:s}, {s:s, s:I, s:I, s:s},"
	    " {s:s, s:I, s:I, s:s, s:s}]}}",
	    "started_at", (json_int_t)1764064800000, "branch", "main", "events", "at",
	    (json_int_t)1764064800000, "kind", "start", "at", (json_int_t)1764064920000, "kind",
	    "branch", "from", "main", "to", "fix/a", "at", (json_int_t)1764065400000, "kind",
	    "stop", "stats", "commits", (json_int_t)1, "files_changed", (json_int_t)1, "added",
	    (json_int_t)1, "removed", (json_int_t)0, "commit_list", "hash", H1, "time",
	    (json_int_t)1764064980, "subject", "first", "head_log", "kind", "branch", "reflog",
	    (json_int_t)0, "git_at", (json_int_t)1764064890000, "from", "main", "to", "fix/a",
	    "kind", "commit", "reflog", (json_int_t)1, "git_at", (json_int_t)1764064980000, "hash",
	    H1, "kind", "branch", "reflog", (json_int_t)2, "git_at", (json_int_t)1764065040000,
	    "from", "fix/a", "to", "main");
	md = render_pack(rec);
	assert_contains(md, "**Branch:** main → fix/a → main\n");
	assert_contains(md, "1. **Session started** (10:00)\n\n"
			    "2. **Switched branch: main → fix/a** (10:02)\n\n"
			    "3. **Commit `1111111`: first** (10:03)\n\n"
			    "4. **Switched branch: fix/a → main** (10:04)\n\n"
			    "5. **Session stopped** (10:10)\n");
	free(md);
}

static void test_lists(void **state)
{
	char *md;
	json_t *rec = json_pack(
	    "{s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}], s:[{s:s, s:s}, {s:s, s:s, s:s}], "
	    "s:[{s:s, s:s}, {s:s}]}",
	    "notes", "kind", "note", "text", "line one\nline two\n\n- nested item", "kind",
	    "learning", "text", "L1", "kind", "challenge", "text", "short", "todos", "priority",
	    "low", "text", "polish", "priority", "blocked", "text", "ship", "blocked_by", "review",
	    "decisions", "text", "Use C11", "why", "portable\nand boring", "text", "No why");

	(void)state;
	md = render_pack(rec);
	/* A multi-line note stays one list item; a line of it that looks like a list is text. */
	assert_contains(md, "## Session Notes\n\n- line one\n  line two\n\n  \\- nested item\n\n");
	assert_contains(md, "## Key Learnings\n\n- **Learning 1**: L1\n\n### Technical Insights");
	assert_contains(md, "### Challenge 1: short\n- **Problem**: [Detailed description of the "
			    "issue]\n- **Solution**: [What worked]\n");
	assert_contains(md, "### High Priority\n[TODO item with clear action - why it's "
			    "important]\n\n### Medium Priority\n[TODO item]\n\n### Low Priority / "
			    "Nice to Have\n- [ ] polish\n\n### Blocked\n- [ ] ship - Blocked by: "
			    "review\n\n## Code");
	assert_lacks(md, "[New tasks identified during this session:]");
	assert_contains(md,
			"1. **Use C11**\n   - **Rationale**: portable\n     and boring\n"
			"   - **ADR**: [Link to ADR-NNN if significant enough to warrant formal "
			"documentation]\n"
			"   - **Impact**: [What this affects]\n\n2. **No why**\n"
			"   - **Rationale**: [Why this decision was made]\n");
	free(md);
}

static void test_no_fake_examples(void **state)
{
	json_t *rec = load_fixture("empty");
	char *md = render_ok(rec);
	static const char *const leftovers[] = {
	    ".rs",    "cargo",	 "rust",	   "src/module", "#123",  "Note 1", "Goal 1",
	    "Idea 1", "@person", "test_feature_x", "ns/iter",	 "- [ ]", "  \n\n", "Claude",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(leftovers) / sizeof(*leftovers); i++)
		assert_lacks(md, leftovers[i]);
	free(md);
	json_decref(rec);
}

/* --- templates ---------------------------------------------------------------------------- */

/* The compiled-in template is config/session-template.md, not a stale copy. */
static void test_builtin_is_the_shipped_file(void **state)
{
	char path[1024], err[256];
	char *text;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/session-template.md",
		 env_dir("STINT_SOURCE_DIR", "."));
	text = read_file(path);
	if (!text)
		fail_msg("cannot read %s", path);
	if (strcmp(text, template_default()) != 0)
		fail_msg("the built-in template differs from %s: rebuild (cmake re-reads it)",
			 path);
	assert_int_equal(template_check(NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(template_check(text, path, err, sizeof(err)), 0);
	free(text);
}

static void expect_bad_template(const char *file, int line, const char *msg)
{
	char path[1024], want[2048], err[1024] = "", err2[1024] = "";
	char *text = read_file(fixture_path(path, sizeof(path), "templates", file));
	json_t *rec = load_fixture("full");

	if (!text)
		fail_msg("cannot read %s", path);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	assert_int_equal(template_check(text, path, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	/* Rendering says the same, before it looks at the record. */
	assert_null(template_render_with(rec, text, path, err2, sizeof(err2)));
	assert_string_equal(err2, want);
	free(text);
	json_decref(rec);
}

static void test_bad_templates(void **state)
{
	char err[256];

	(void)state;
	expect_bad_template("bad-unknown.md", 6,
			    "unknown variable \"sumary\" (did you mean \"summary\"?)");
	expect_bad_template("bad-unclosed.md", 5, "{{#notes}} is never closed (no {{/notes}})");
	expect_bad_template("bad-mismatched.md", 8,
			    "{{/activities}} does not match {{#details}} opened on line 6");
	/* A name the view has, used where it is not in scope. */
	assert_int_equal(template_check("{{label}}\n", "t.md", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.md:1: unknown variable \"label\"");
	assert_int_equal(template_check("", "t.md", err, sizeof(err)), 0);
}

/*
 * The text between begin_mark and end_mark in the source file rel must be gen; when it is not,
 * gen goes to generated in the current directory and the test says where to put it.
 */
static void expect_between_markers(const char *rel, const char *begin_mark, const char *end_mark,
				   const char *gen, const char *generated, const char *what)
{
	char path[1024], *doc, *begin, *end;

	snprintf(path, sizeof(path), "%s/%s", env_dir("STINT_SOURCE_DIR", "."), rel);
	doc = read_file(path);
	if (!doc)
		fail_msg("cannot read %s", path);
	begin = strstr(doc, begin_mark);
	end = begin ? strstr(begin, end_mark) : NULL;
	if (!begin || !end)
		fail_msg("%s has no %s ... %s markers", path, begin_mark, end_mark);
	begin += strlen(begin_mark);
	if ((size_t)(end - begin) != strlen(gen) || strncmp(begin, gen, strlen(gen)) != 0) {
		char cwd[512], out[1024];

		snprintf(out, sizeof(out), "%s/%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".",
			 generated);
		write_file(out, gen);
		fail_msg("%s in %s is out of date with daemon/template.c; it is in %s: put it "
			 "between the markers",
			 what, path, out);
	}
	free(doc);
}

/* docs/templates.md carries the view's table, generated from the schema in template.c. */
static void test_schema_in_docs(void **state)
{
	char *gen = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&gen, &n);

	(void)state;
	assert_non_null(f);
	fputc('\n', f);
	template_write_schema(f);
	fputc('\n', f);
	fclose(f);
	expect_between_markers("docs/templates.md", "<!-- view:begin -->\n", "<!-- view:end -->",
			       gen, "templates-view.md.generated", "the view table");
	free(gen);
}

/* stint-template(5) carries the view too, as scdoc terms between markers scdoc ignores. */
static void test_schema_in_man_page(void **state)
{
	char *gen = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&gen, &n);

	(void)state;
	assert_non_null(f);
	template_write_schema_scdoc(f);
	fputc('\n', f);
	fclose(f);
	expect_between_markers("docs/man/stint-template.5.scd", "; view:begin\n", "; view:end", gen,
			       "stint-template.5.scd.view.generated", "the view");
	/* Names and markup escaped, code spans in bold, a leading '[' kept from opening a table. */
	assert_non_null(strstr(gen, "\n*title* (text)\n\tThe focus, else"));
	assert_non_null(strstr(gen, "\n*activities[].n* (number)\n"));
	assert_non_null(strstr(gen, "\n*repo\\_name* (text)\n"));
	assert_non_null(strstr(gen, "\t*stint start --focus* (inline).\n"));
	assert_non_null(strstr(gen, "\n*issues[].link* (text)\n\t\\[#123]("));
	free(gen);
}

/* --- the view ------------------------------------------------------------------------------ */

/* A value of the view by path: "files.0.path", "todos.high.1.text". */
static const json_t *vget(const json_t *v, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *part = strtok_r(buf, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(part, NULL, 10))
				     : json_object_get(v, part);
	return v;
}

static void view_is(const json_t *v, const char *path, const char *want)
{
	const json_t *j = vget(v, path);

	if (!want) {
		if (j) {
			char *dump = json_dumps(j, JSON_ENCODE_ANY);

			fail_msg("view.%s: want absent, got %s", path, dump);
		}
		return;
	}
	if (!json_is_string(j)) {
		char *dump = json_dumps(v, JSON_INDENT(2));

		fail_msg("view.%s: want \"%s\", got no string in:\n%s", path, want, dump);
	}
	if (strcmp(json_string_value(j), want) != 0)
		fail_msg("view.%s: want \"%s\", got \"%s\"", path, want, json_string_value(j));
}

static void test_view_git(void **state)
{
	json_t *rec = load_fixture("git"), *v;

	(void)state;
	v = template_view(rec);
	assert_non_null(v);
	view_is(v, "title", "Login rate limit");
	view_is(v, "branch", "main → feat/login-rate-limit");
	view_is(
	    v, "duration",
	    "1 hour 50 minutes (wall 2 hours 55 minutes, idle 20 minutes, suspended 45 minutes)");
	view_is(v, "summary_facts",
		"Worked 1 hour 50 minutes: 3 commits, 7 files changed, 203 "
		"lines added and 28 removed.");
	/* Rows: escaping in code spans and cells; descriptions from the commits' paths. */
	view_is(v, "files.0.changes", "deleted, -15");
	view_is(v, "files.0.description", "Record the rate-limit decision in an ADR");
	view_is(v, "files.1.changes", "added, binary");
	view_is(v, "files.2.description",
		"Add a token-bucket rate limiter; Wire the limiter into ctl.c");
	view_is(v, "files.5.path", "``src/new\\|name`s.c``");
	view_is(v, "files.5.changes", "renamed from `src/old_name.c`, +3, -1");
	view_is(v, "files.6.description", "uncommitted");
	view_is(v, "files_more", NULL);
	view_is(v, "stats.net", "+175");
	/* Code TODOs: FIXME is high, TODO and XXX medium, (low)/(blocked) as said. */
	view_is(v, "todos.high.0.text", "Rate-limit per peer uid");
	view_is(v, "todos.high.1.text", "FIXME: leaks a bucket on EPIPE");
	view_is(v, "todos.high.1.where", "`daemon/ctl.c:88`");
	view_is(v, "todos.medium.0.text", "TODO: make the burst configurable");
	view_is(v, "todos.medium.1.text", "XXX temporary");
	view_is(v, "todos.low.0.text", "TODO(low): tune the refill rate");
	view_is(v, "todos.blocked.0.text", "TODO(blocked): needs the quota API");
	/* --next todos go to Next Steps, after the carried ones. */
	view_is(v, "next.0.text", "Cap the request line at PROTO_MAX_LINE before allocating");
	view_is(v, "next.1.text", "Document the error codes in docs/protocol.md");
	view_is(v, "next.2.text", "Try a leaky bucket");
	/* Links: relative to the log's directory inside the repository; only web URLs. */
	view_is(v, "adrs.0.link", "[`docs/adr/0003-rate-limits.md`](../adr/0003-rate-limits.md)");
	view_is(v, "previous_logs.0.link", "[2025-11-24](./2025-11-24.md)");
	view_is(v, "previous_logs.2.link", "[2025-11-19](./2025-11-19.md)");
	view_is(v, "issues.0.link", "[#42](https://github.com/ada/stint/issues/42)");
	view_is(v, "issues.2.link", "other/repo#3");
	view_is(v, "issues.3.link", "#9");
	view_is(v, "pulls.0.link", "[#51](https://github.com/ada/stint/pull/51)");
	json_decref(v);

	/* The log outside the repository: the ADR's absolute path; the log's own directory. */
	json_object_set_new(rec, "log_dir", json_string("/home/ada/.local/share/stint/logs/stint"));
	v = template_view(rec);
	view_is(
	    v, "adrs.0.link",
	    "[`docs/adr/0003-rate-limits.md`](/home/ada/src/stint/docs/adr/0003-rate-limits.md)");
	view_is(v, "previous_logs.0.link",
		"[2025-11-24](../../../../../src/stint/docs/sessions/2025-11-24.md)");
	json_decref(v);
	/* Without the log's directory a link cannot be relative: the absolute path. */
	json_object_del(rec, "log_dir");
	v = template_view(rec);
	view_is(v, "previous_logs.0.link",
		"[2025-11-24](/home/ada/src/stint/docs/sessions/2025-11-24.md)");
	view_is(v, "previous_logs.2.link", "[2025-11-19](./2025-11-19.md)");
	json_decref(v);
	json_decref(rec);
	assert_null(template_view(NULL));
}

/* Carried and --next todos keep their priority; a log gone is said so; odd paths still link. */
static void test_view_continuity(void **state)
{
	json_t *rec = load_fixture("git"), *v;

	(void)state;
	json_object_set_new(rec, "carried_todos",
			    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}, {s:s, s:s}, {s:s, s:s}]",
				      "markdown", "Use `Vec<T>` \\<here\\>", "priority", "high",
				      "markdown", "Later", "priority", "low", "markdown",
				      "No priority", "text", "Plain <T>", "priority", "blocked",
				      "markdown", "Medium", "priority", "medium"));
	json_array_append_new(
	    json_object_get(rec, "todos"),
	    json_pack("{s:s, s:s, s:b}", "text", "Bench it", "priority", "high", "next", 1));
	json_object_set_new(rec, "previous_missing",
			    json_pack("{s:s, s:s, s:b, s:b}", "path", "/logs/a b/2025-11-24.md",
				      "error", "No such file or directory", "gone", 1, "from_store",
				      1));
	json_object_set_new(
	    rec, "previous_logs",
	    json_pack("[{s:s}]", "path", "/home/ada/src/stint/docs/sessions (old)/100% a.md"));
	v = template_view(rec);
	/* Markdown from the previous log goes back as it was, not escaped twice. */
	view_is(v, "next.0.text", "Use `Vec<T>` \\<here\\>");
	view_is(v, "next.0.priority", "high priority");
	view_is(v, "next.1.priority", "low priority");
	view_is(v, "next.2.text", "No priority");
	view_is(v, "next.2.priority", NULL);
	view_is(v, "next.3.priority", "blocked");
	view_is(v, "next.4.priority", NULL);
	view_is(v, "next.6.text", "Bench it");
	view_is(v, "next.6.priority", "high priority");
	view_is(v, "carried_note",
		"The previous log, `/logs/a b/2025-11-24.md`, is gone (No such file or directory): "
		"its open todos below come from stint's record of that session.");
	view_is(v, "previous_logs.0.link", "[100% a](../sessions%20%28old%29/100%25%20a.md)");
	json_decref(v);

	/* An ADR path that a URL would misread: "#" a fragment, "?" a query, "%" an escape. */
	json_array_append_new(json_object_get(json_object_get(rec, "stats"), "files"),
			      json_pack("{s:s, s:i, s:i, s:s}", "path", "docs/adr/5 #a?%.md",
					"added", 1, "removed", 0, "status", "A"));
	v = template_view(rec);
	view_is(v, "adrs.1.link", "[`docs/adr/5 #a?%.md`](../adr/5%20%23a%3F%25.md)");
	json_decref(v);

	json_object_set_new(json_object_get(rec, "previous_missing"), "from_store", json_false());
	json_object_set_new(json_object_get(rec, "previous_missing"), "gone", json_false());
	json_object_set_new(json_object_get(rec, "previous_missing"), "error",
			    json_string("Permission denied"));
	json_object_set_new(rec, "carried_todos", json_array());
	v = template_view(rec);
	view_is(
	    v, "carried_note",
	    "The previous log, `/logs/a b/2025-11-24.md`, cannot be read (Permission denied) and "
	    "stint kept no record of its open todos: none are carried.");
	json_decref(v);
	json_decref(rec);
}

static void test_view_commits(void **state)
{
	json_t *rec = load_fixture("git"), *v;

	(void)state;
	v = template_view(rec);
	/* A lone commit is an item; consecutive ones share one, a sub-item each. */
	view_is(v, "activities.2.label", "Commit `a1a1a1a`: Add a token-bucket rate limiter");
	view_is(v, "activities.2.when", "14:40, +133 -8");
	view_is(v, "activities.3.label", "Pulled 2 commits");
	view_is(v, "activities.3.details.0.text",
		"TODO, high priority (15:05): Rate-limit per peer uid");
	view_is(v, "activities.4.label", "2 commits");
	view_is(v, "activities.4.when", "15:12–15:15, +60 -20");
	view_is(v, "activities.4.details.0.text",
		"`b2b2b2b` Wire the limiter into ctl.c (15:12, +20 -5)");
	view_is(v, "activities.5.label", "Idle");
	view_is(v, "activities.5.when", "15:20–15:40, 20 minutes");
	/* After a gap, what happens opens an item of its own. */
	view_is(v, "activities.6.label", "Active again");
	view_is(v, "activities.6.when", "15:40");
	view_is(v, "activities.6.details.0.text",
		"Decision (15:45): Token bucket over sliding window");
	view_is(v, "activities.7.label", "Suspended");
	view_is(v, "activities.7.indent", "   ");
	json_decref(v);

	/* No events: the first commit's subject is the title; pulled commits still show. */
	json_object_del(rec, "events");
	json_object_set_new(rec, "branch_end", json_string("main"));
	v = template_view(rec);
	view_is(v, "title", "Add a token-bucket rate limiter");
	view_is(v, "activities.0.label", "3 commits");
	view_is(v, "activities.0.when", "14:40–15:15, +193 -28");
	view_is(v, "activities.0.details.2.text",
		"`c3c3c3c` Record the rate-limit decision in an ADR (15:15, +40 -15)");
	view_is(v, "activities.2.label", "Suspended");
	view_is(v, "activities.3.label", "Pulled 2 commits");
	view_is(v, "activities.3.when", NULL);
	json_decref(v);
	json_decref(rec);
}

static void test_view_checks(void **state)
{
	json_t *rec = load_fixture("checks"), *v;

	(void)state;
	v = template_view(rec);
	view_is(v, "checks.0.status", "✅ test");
	view_is(v, "checks.0.output", NULL);
	view_is(v, "checks.1.status", "⚠️ lint (exit 2, 3 s)");
	/* Colours gone, a fence no line of the output closes. */
	view_is(v, "checks.1.output",
		"````\ndaemon/ctl.c:3:5: warning: unused variable `y`\n```\n"
		"# not a heading\n</details>\n````");
	view_is(v, "checks.2.status", "⚠️ ctest (exit 8, 62 s)");
	view_is(v, "checks.3.status", "⚠️ audit (timed out, 300 s)");
	view_is(v, "test_checks.0.tests", "42 passing, 1 skipped");
	view_is(v, "test_checks.1.tests", "38 passing, 2 failing");
	view_is(v, "summary_facts", "Worked 30 minutes: no changes in the repository.");
	json_decref(v);
	json_decref(rec);
}

/* A long output keeps its last 40 lines. */
static void test_view_long_output(void **state)
{
	json_t *rec = json_pack("{s:[{s:s, s:b, s:i}]}", "checks", "name", "t", "ok", 0, "exit", 1);
	char *tail = malloc(100 * 8 + 1), *md;
	json_t *v;

	(void)state;
	tail[0] = '\0';
	for (int i = 0; i < 100; i++)
		sprintf(tail + strlen(tail), "line%03d\n", i);
	json_object_set_new(json_array_get(json_object_get(rec, "checks"), 0), "output_tail",
			    json_string(tail));
	v = template_view(rec);
	view_is(v, "checks.0.status", "⚠️ t (exit 1)");
	assert_non_null(strstr(json_string_value(vget(v, "checks.0.output")), "```\nline060\n"));
	assert_non_null(strstr(json_string_value(vget(v, "checks.0.output")), "line099\n```"));
	json_decref(v);
	md = render_pack(rec);
	assert_contains(
	    md, "- ⚠️ t (exit 1)\n  <details><summary>Last lines of output</summary>\n\n"
		"  ```\n  line060\n");
	free(md);
	free(tail);
}

/* --- escaping ---------------------------------------------------------------------------- */

static void esc_inline(const char *in, unsigned flags, const char *want)
{
	char *got = template_md_inline(in, flags);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("inline(\"%s\", %u): got \"%s\", want \"%s\"", in, flags, got, want);
	free(got);
}

static void esc_block(const char *in, int indent, unsigned flags, const char *want)
{
	char *got = template_md_block(in, indent, flags);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("block(\"%s\"): got \"%s\", want \"%s\"", in, got, want);
	free(got);
}

static void test_escape_inline(void **state)
{
	(void)state;
	/* Text reads as typed: whatever could start markup is escaped (test_template_md.c). */
	esc_inline("plain prose: a < b, 50% * 2, snake_case, #42", 0,
		   "plain prose: a \\< b, 50% \\* 2, snake_case, #42");
	esc_inline("a | b", TEMPLATE_MD_CELL, "a \\| b");
	esc_inline("a\\|b", TEMPLATE_MD_CELL, "a\\\\\\|b");
	esc_inline("**bold** end\\", TEMPLATE_MD_BOLD, "\\*\\*bold\\*\\* end\\\\");
	esc_inline("fix #", TEMPLATE_MD_HEADING, "fix \\#");
	esc_inline("fix ##", TEMPLATE_MD_HEADING, "fix \\##");
	esc_inline("C#", TEMPLATE_MD_HEADING, "C#");
	esc_inline("one\n\n   two\r\nthree", 0, "one two three");
	esc_inline("  trim  ", 0, "trim");
	esc_inline("bell\a esc\x1b[0m del\x7f", 0,
		   "bell\xEF\xBF\xBD esc\xEF\xBF\xBD\\[0m del\xEF\xBF\xBD");
	esc_inline("bad \xC3\x28 \xED\xA0\x80 \xF8", 0,
		   "bad \xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD");
	esc_inline("ok é 漢 🎉", 0, "ok é 漢 🎉");
	esc_inline("", 0, "");
	esc_inline(NULL, 0, "");
}

static void test_escape_block(void **state)
{
	(void)state;
	/* First line of a list item. */
	esc_block("# h", 2, TEMPLATE_MD_ITEM, "\\# h");
	esc_block("#hashtag", 2, TEMPLATE_MD_ITEM, "#hashtag");
	esc_block("- [ ] x", 2, TEMPLATE_MD_ITEM, "\\- \\[ \\] x");
	esc_block("[ ] x", 2, TEMPLATE_MD_ITEM, "\\[ \\] x");
	esc_block("[x] x", 2, TEMPLATE_MD_ITEM, "\\[x\\] x");
	esc_block("+ x", 2, TEMPLATE_MD_ITEM, "\\+ x");
	esc_block("* x", 2, TEMPLATE_MD_ITEM, "\\* x");
	esc_block("12. x", 2, TEMPLATE_MD_ITEM, "12\\. x");
	esc_block("3) x", 2, TEMPLATE_MD_ITEM, "3\\) x");
	esc_block("2025. was a year", 2, TEMPLATE_MD_ITEM, "2025\\. was a year");
	esc_block("3.14 is pi", 2, TEMPLATE_MD_ITEM, "3.14 is pi");
	esc_block("> q", 2, TEMPLATE_MD_ITEM, "\\> q");
	esc_block("---", 2, TEMPLATE_MD_ITEM, "\\---");
	esc_block("-not a list", 2, TEMPLATE_MD_ITEM, "-not a list");
	/* Continuation lines: indented, and escaped like the first. */
	esc_block("a\n- b\n> c\n1. d", 2, TEMPLATE_MD_ITEM, "a\n  \\- b\n  \\> c\n  1\\. d");
	esc_block("a\n# h\n###### h6\n####### seven", 3, 0,
		  "a\n   \\# h\n   \\###### h6\n   ####### seven");
	esc_block("a\n===\n-\n* * *\n___", 2, 0, "a\n  \\===\n  \\-\n  \\* \\* \\*\n  \\_\\_\\_");
	esc_block("a\n<pre>\n</div>\n<!-- c\n<?x\na <b>", 2, 0,
		  "a\n  \\<pre>\n  \\</div>\n  \\<!-- c\n  \\<?x\n  a \\<b>");
	esc_block("[ref]: http://x\n[link](http://x) ok", 0, 0,
		  "\\[ref\\]: http://x\n\\[link\\](http://x) ok");
	esc_block("a\n\n\n\nb", 2, 0, "a\n\n  b");
	/* A line's own indentation goes: four spaces would make it code. */
	esc_block("a\n   # three spaces\n    # four: code", 2, 0,
		  "a\n  \\# three spaces\n  \\# four: code");
	/* Fences are text too: nothing the text holds can open a code block. */
	esc_block("a\n```c\n# escaped\n```", 2, 0, "a\n  \\`\\`\\`c\n  \\# escaped\n  \\`\\`\\`");
	esc_block("a\n~~~~\ncode", 2, 0, "a\n  \\~\\~\\~\\~\n  code");
	esc_block("a ``` b", 0, 0, "a \\`\\`\\` b");
}

/* --- robustness -------------------------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

/* Random text made of Markdown's sharp edges; lines never start with a blank (check_structure). */
static json_t *fuzz_text(void)
{
	static const char *const atoms[] = {
	    "#",    "## ",  "- ",   "* ",   "+ ",   "1. ",  "> ",   "```",  "~~~",
	    "---",  "===",  "|",    "\\",   "**",   "[ ] ", "[x]",  "]: ",  "<",
	    "pre>", "<!--", "\n",   "\n",   "\r\n", "\t",   " ",    "word", "é",
	    "🎉",    "\x01", "\x1b", "\xff", "\xc3", "\x85", "\x7f", "#",    "_",
	};
	char buf[256];
	size_t n = 0, natoms = 1 + testutil_rand(&rng) % 24;

	for (size_t i = 0; i < natoms; i++) {
		const char *a = atoms[testutil_rand(&rng) % (sizeof(atoms) / sizeof(*atoms))];
		size_t k = strlen(a);

		if (n + k >= sizeof(buf))
			break;
		if ((a[0] == ' ' || a[0] == '\t') &&
		    (n == 0 || buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			continue;
		memcpy(buf + n, a, k);
		n += k;
	}
	return json_stringn_nocheck(buf, n);
}

static json_t *bad_value(size_t i)
{
	switch (i) {
	case 0:
		return json_null();
	case 1:
		return json_integer(-1);
	case 2:
		return json_integer(INT64_MAX);
	case 3:
		return json_integer(INT64_MIN);
	case 4:
		return json_real(1e300);
	case 5:
		return json_string("");
	case 6:
		return json_string("#");
	case 7:
		return json_array();
	case 8:
		return json_pack("{s:s}", "text", "x");
	case 9:
		return json_true();
	default:
		return json_pack("[s, i, n]", "text", 1);
	}
}
#define NBAD 11

static void render_and_check(const json_t *rec, const char *what)
{
	char *md = render_ok(rec);

	if (!structure_ok(md, what)) {
		char cwd[512], path[1024];

		snprintf(path, sizeof(path), "%s/template-failure.md",
			 getcwd(cwd, sizeof(cwd)) ? cwd : ".");
		write_file(path, md);
		free(md);
		fail_msg("%s (the output is in %s)", problem, path);
	}
	free(md);
}

/* The location of a value in a record: keys and indexes from the top. */
struct where {
	const char *key[5];
	size_t index[5];
	int depth;
};

static json_t *child(json_t *parent, const struct where *w, int i)
{
	return w->key[i] ? json_object_get(parent, w->key[i]) : json_array_get(parent, w->index[i]);
}

/* A copy of rec with the value at w replaced by the b-th wrong value. */
static json_t *replaced(const json_t *rec, const struct where *w, size_t b)
{
	json_t *copy = json_deep_copy(rec), *parent = copy;

	for (int i = 0; i + 1 < w->depth; i++)
		parent = child(parent, w, i);
	if (w->key[w->depth - 1])
		json_object_set_new(parent, w->key[w->depth - 1], bad_value(b));
	else
		json_array_set_new(parent, w->index[w->depth - 1], bad_value(b));
	return copy;
}

static void where_name(const struct where *w, size_t b, char *buf, size_t n)
{
	size_t off = 0;

	for (int i = 0; i < w->depth && off < n; i++)
		off += (size_t)(w->key[i]
				    ? snprintf(buf + off, n - off, "%s%s", i ? "." : "", w->key[i])
				    : snprintf(buf + off, n - off, "[%zu]", w->index[i]));
	if (off < n)
		snprintf(buf + off, n - off, "=bad%zu", b);
}

/* Every value under node (at w), down to depth 4, replaced by each wrong value in turn. */
static void wrong_types_under(const json_t *rec, json_t *node, struct where *w)
{
	const char *key;
	json_t *val;
	char what[256];

	if (w->depth == 4)
		return;
	if (json_is_object(node)) {
		json_object_foreach(node, key, val)
		{
			w->key[w->depth++] = key;
			for (size_t b = 0; b < NBAD; b++) {
				json_t *copy;

				if (!testutil_sample())
					continue;
				copy = replaced(rec, w, b);
				where_name(w, b, what, sizeof(what));
				render_and_check(copy, what);
				json_decref(copy);
			}
			wrong_types_under(rec, val, w);
			w->depth--;
		}
	} else if (json_is_array(node)) {
		for (size_t i = 0; i < json_array_size(node); i++) {
			w->key[w->depth] = NULL;
			w->index[w->depth++] = i;
			for (size_t b = 0; b < NBAD; b++) {
				json_t *copy;

				if (!testutil_sample())
					continue;
				copy = replaced(rec, w, b);
				where_name(w, b, what, sizeof(what));
				render_and_check(copy, what);
				json_decref(copy);
			}
			wrong_types_under(rec, json_array_get(node, i), w);
			w->depth--;
		}
	}
}

/* Every field of the richer records, and of everything inside them, of each wrong type. */
static void test_wrong_types_everywhere(void **state)
{
	static const char *const fixtures[] = {"full", "git", "checks"};

	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(*fixtures); i++) {
		json_t *rec = load_fixture(fixtures[i]);
		struct where w = {.depth = 0};

		wrong_types_under(rec, rec, &w);
		json_decref(rec);
	}
}

/* Sets every string under node (but "kind" and "priority", which select) to random text. */
static void fuzz_strings(json_t *node)
{
	const char *key;
	json_t *val;

	if (json_is_array(node)) {
		for (size_t i = 0; i < json_array_size(node); i++) {
			if (json_is_string(json_array_get(node, i)))
				json_array_set_new(node, i, fuzz_text());
			else
				fuzz_strings(json_array_get(node, i));
		}
		return;
	}
	json_object_foreach(node, key, val)
	{
		if (json_is_string(val) && strcmp(key, "kind") != 0 &&
		    strcmp(key, "priority") != 0 && strcmp(key, "note_kind") != 0)
			json_object_set_new(node, key, fuzz_text());
		else
			fuzz_strings(val);
	}
}

/* Random hostile text in every text field: the skeleton survives, the output stays clean UTF-8. */
static void test_fuzz_texts(void **state)
{
	static const char *const fixtures[] = {"full", "git", "checks"};
	char what[64];

	(void)state;
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(*fixtures); f++) {
		json_t *base = load_fixture(fixtures[f]);

		for (int iter = 0; iter < 300; iter++) {
			const char *lists[] = {"notes", "todos", "decisions"};
			json_t *rec;

			if (!testutil_sample())
				continue;
			rec = json_deep_copy(base);
			fuzz_strings(rec);
			for (size_t l = 0; l < 3; l++) {
				json_t *arr = json_object_get(rec, lists[l]);

				for (size_t i = 0; i < json_array_size(arr); i++) {
					json_t *item = json_array_get(arr, i);

					if (testutil_rand(&rng) % 2)
						json_object_set_new(item, "why", fuzz_text());
					if (testutil_rand(&rng) % 2)
						json_object_set_new(item, "blocked_by",
								    fuzz_text());
				}
			}
			snprintf(what, sizeof(what), "%s: fuzz iteration %d", fixtures[f], iter);
			render_and_check(rec, what);
			json_decref(rec);
		}
		json_decref(base);
	}
}

static int setup_tz(void **state)
{
	(void)state;
	/* ctest sets TZ=UTC; set it here too so a bare run matches the golden files. */
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_minimal),
	    cmocka_unit_test(test_golden_full),
	    cmocka_unit_test(test_golden_hostile),
	    cmocka_unit_test(test_golden_wrong_types),
	    cmocka_unit_test(test_golden_empty),
	    cmocka_unit_test(test_golden_git),
	    cmocka_unit_test(test_golden_checks),
	    cmocka_unit_test(test_golden_cap),
	    cmocka_unit_test(test_golden_custom_template),
	    cmocka_unit_test(test_template_file_headings),
	    cmocka_unit_test(test_not_an_object),
	    cmocka_unit_test(test_title),
	    cmocka_unit_test(test_header_lines),
	    cmocka_unit_test(test_timeline),
	    cmocka_unit_test(test_timeline_git_order),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_no_fake_examples),
	    cmocka_unit_test(test_builtin_is_the_shipped_file),
	    cmocka_unit_test(test_bad_templates),
	    cmocka_unit_test(test_schema_in_docs),
	    cmocka_unit_test(test_schema_in_man_page),
	    cmocka_unit_test(test_view_git),
	    cmocka_unit_test(test_view_continuity),
	    cmocka_unit_test(test_view_commits),
	    cmocka_unit_test(test_view_checks),
	    cmocka_unit_test(test_view_long_output),
	    cmocka_unit_test(test_escape_inline),
	    cmocka_unit_test(test_escape_block),
	    cmocka_unit_test(test_wrong_types_everywhere),
	    cmocka_unit_test(test_fuzz_texts),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
