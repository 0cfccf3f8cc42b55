/* stop_memory.c: unattended stops and waiting log commits, per repository, and how long. Also
 * repo_commit_message (repo.c), the message those commits get. */
#include "stop_memory.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "repo.h"

#define HOUR_NS (3600LL * 1000000000)

static json_t *closed_session(const char *root)
{
	return json_pack("{s:s, s:s}", "repo", root, "state", "stopped");
}

static const char *recent_by(struct stop_memory **m, const char *cwd, int64_t now, char *buf,
			     size_t n)
{
	json_t *r = stop_memory_recent(m, cwd, now);

	if (!r)
		return NULL;
	snprintf(buf, n, "%s %s %s", json_string_value(json_object_get(r, "log")),
		 json_string_value(json_object_get(json_object_get(r, "stopped"), "by")),
		 json_string_value(json_object_get(json_object_get(r, "session"), "repo")));
	json_decref(r);
	return buf;
}

static void test_recent_by_directory(void **state)
{
	struct stop_memory *m = NULL;
	json_t *a = closed_session("/src/a"), *ab = closed_session("/src/a/b");
	char buf[256];

	(void)state;
	assert_null(stop_memory_recent(&m, "/src/a", 0));
	assert_int_equal(stop_memory_unattended(&m, "/src/a", a, "/logs/a.md", "max_session",
						"open for 12h 00m (max_session)", 0, 0),
			 0);
	assert_int_equal(
	    stop_memory_unattended(&m, "/src/a/b", ab, NULL, "notification", NULL, 0, 0), 0);
	json_decref(a);
	json_decref(ab);
	assert_string_equal(recent_by(&m, "/src/a", 1, buf, sizeof(buf)),
			    "/logs/a.md max_session /src/a");
	assert_string_equal(recent_by(&m, "/src/a/sub/dir", 1, buf, sizeof(buf)),
			    "/logs/a.md max_session /src/a");
	/* The closest root above wins; no log is null. */
	assert_string_equal(recent_by(&m, "/src/a/b/c", 1, buf, sizeof(buf)),
			    "(null) notification /src/a/b");
	/* A name that only starts the same is another directory. */
	assert_null(stop_memory_recent(&m, "/src/ab", 1));
	assert_null(stop_memory_recent(&m, "/src", 1));
	stop_memory_free(&m);
	assert_null(m);
}

static void test_recent_ends(void **state)
{
	struct stop_memory *m = NULL;
	json_t *s = closed_session("/r");
	char buf[256];

	(void)state;
	assert_int_equal(stop_memory_unattended(&m, "/r", s, "/r/l.md", "auto_stop_after_idle",
						"idle for 2h 00m", 0, 10),
			 0);
	json_decref(s);
	/* Recent for STOP_MEMORY_KEEP_NS, not a nanosecond more. */
	assert_non_null(recent_by(&m, "/r", 10 + STOP_MEMORY_KEEP_NS - 1, buf, sizeof(buf)));
	assert_null(stop_memory_recent(&m, "/r", 10 + STOP_MEMORY_KEEP_NS));
	/* ...or until a session there closes again. */
	s = closed_session("/r");
	stop_memory_unattended(&m, "/r", s, "/r/l.md", "auto_stop_after_idle", "x", 0, 0);
	json_decref(s);
	stop_memory_closed(&m, "/elsewhere");
	assert_non_null(recent_by(&m, "/r", 1, buf, sizeof(buf)));
	stop_memory_closed(&m, "/r");
	assert_null(stop_memory_recent(&m, "/r", 1));
	stop_memory_free(&m);
}

static void test_pending_commit(void **state)
{
	struct stop_memory *m = NULL;
	struct stop_memory_commit *c;

	(void)state;
	assert_null(stop_memory_take(&m, "/r", "/r/docs/l.md", 0));
	assert_int_equal(
	    stop_memory_pend(&m, "/r", "/r/docs/l.md", "Session log: x, d #1\n", "main", 0), 0);
	/* Another repository, another log: nothing. */
	assert_null(stop_memory_take(&m, "/other", "/r/docs/l.md", 1));
	assert_null(stop_memory_take(&m, "/r", "/r/docs/other.md", 1));
	/* From a subdirectory of its repository, once. */
	c = stop_memory_take(&m, "/r/docs", "/r/docs/l.md", 1);
	assert_non_null(c);
	assert_string_equal(c->message, "Session log: x, d #1\n");
	assert_string_equal(c->branch, "main");
	stop_memory_commit_free(c);
	assert_null(stop_memory_take(&m, "/r", "/r/docs/l.md", 1));
	/* Given up after STOP_MEMORY_KEEP_NS, or when a session there closes. */
	stop_memory_pend(&m, "/r", "/r/docs/l.md", "m\n", "main", 0);
	assert_null(stop_memory_take(&m, "/r", "/r/docs/l.md", STOP_MEMORY_KEEP_NS));
	stop_memory_pend(&m, "/r", "/r/docs/l.md", "m\n", "main", 0);
	stop_memory_closed(&m, "/r");
	assert_null(stop_memory_take(&m, "/r", "/r/docs/l.md", 1));
	/* Freed at shutdown with one still waiting: no leak (valgrind, ASan). */
	stop_memory_pend(&m, "/r", "/r/docs/l.md", "m\n", NULL, 0);
	stop_memory_free(&m);
	stop_memory_free(&m);
}

static void test_commit_message(void **state)
{
	char msg[256], focus[80];

	(void)state;
	repo_commit_message("parser rewrite", "widget", "2026-12-03", "/r/docs/2026-12-03.md", msg,
			    sizeof(msg));
	assert_string_equal(msg, "Session log: parser rewrite, 2026-12-03 #1\n");
	repo_commit_message("parser rewrite", "widget", "2026-12-03", "/r/docs/2026-12-03-12.md",
			    msg, sizeof(msg));
	assert_string_equal(msg, "Session log: parser rewrite, 2026-12-03 #12\n");
	/* Without a focus, the repository names it; a log named otherwise has no number. */
	repo_commit_message(NULL, "widget", "2026-12-03", "/r/docs/notes.md", msg, sizeof(msg));
	assert_string_equal(msg, "Session log: widget, 2026-12-03\n");
	repo_commit_message("", "widget", "2026-12-03", "/r/docs/2026-12-03-0.md", msg,
			    sizeof(msg));
	assert_string_equal(msg, "Session log: widget, 2026-12-03\n");
	repo_commit_message("x", "w", "2026-12-03", "/r/docs/2026-12-03-2x.md", msg, sizeof(msg));
	assert_string_equal(msg, "Session log: x, 2026-12-03\n");
	/* A long focus is cut at a character boundary: 59 bytes, then a 2-byte "é" across 60. */
	memset(focus, 'a', 59);
	strcpy(focus + 59, "ééé");
	repo_commit_message(focus, "w", "2026-12-03", "/r/2026-12-03.md", msg, sizeof(msg));
	assert_string_equal(msg + strlen("Session log: ") + 59, "…, 2026-12-03 #1\n");
	/* Never a second line, whatever the focus holds. */
	repo_commit_message("a\nb\tc", "w", "2026-12-03", "/r/2026-12-03.md", msg, sizeof(msg));
	assert_string_equal(msg, "Session log: a b c, 2026-12-03 #1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_recent_by_directory),
	    cmocka_unit_test(test_recent_ends),
	    cmocka_unit_test(test_pending_commit),
	    cmocka_unit_test(test_commit_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
