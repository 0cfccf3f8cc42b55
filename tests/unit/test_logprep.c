#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logprep.h"
#include "repo.h"
#include "store.h"
#include "testutil.h"

static void check_forge(const char *remote, const char *want)
{
	char *got = logprep_forge_url(remote);

	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void test_forge_urls(void **state)
{
	(void)state;
	check_forge("https://github.com/acme/widget.git", "https://github.com/acme/widget");
	check_forge("git@github.com:acme/widget.git", "https://github.com/acme/widget");
	check_forge("ssh://git@gitlab.com/group/sub/proj", "https://gitlab.com/group/sub/proj");
	check_forge("https://codeberg.org/me/x/", "https://codeberg.org/me/x");
	check_forge("https://example.com/acme/widget.git", NULL);
	check_forge("https://notgithub.com/a/b", NULL);
	check_forge("https://github.com/a/b\"><script>", NULL);
	check_forge("/srv/git/widget.git", NULL);
	check_forge(NULL, NULL);
}

static json_t *refs_of(const char *text, const char *web)
{
	json_t *refs = json_array();

	logprep_find_refs(text, web, refs);
	return refs;
}

static const char *ref_text(json_t *refs, size_t i)
{
	return json_string_value(json_object_get(json_array_get(refs, i), "text"));
}

static const char *ref_url(json_t *refs, size_t i)
{
	return json_string_value(json_object_get(json_array_get(refs, i), "url"));
}

static void test_refs_found_and_linked(void **state)
{
	json_t *r = refs_of("Fix #12 and GH-7, see other/repo#3; #12 again",
			    "https://github.com/acme/widget");

	(void)state;
	assert_int_equal(json_array_size(r), 3);
	assert_string_equal(ref_text(r, 0), "#12");
	assert_string_equal(ref_url(r, 0), "https://github.com/acme/widget/issues/12");
	assert_string_equal(ref_text(r, 1), "GH-7");
	assert_string_equal(ref_url(r, 1), "https://github.com/acme/widget/issues/7");
	assert_string_equal(ref_text(r, 2), "other/repo#3");
	assert_string_equal(ref_url(r, 2), "https://github.com/other/repo/issues/3");
	json_decref(r);
}

static void test_not_refs(void **state)
{
	json_t *r = refs_of("C# 5, issue#4, #, #x1, #12abc, colour #fff, a&#39;b", NULL);

	(void)state;
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	/* Without a forge the reference is kept, unlinked. */
	r = refs_of("feat/123-login #123", NULL);
	assert_int_equal(json_array_size(r), 1);
	assert_null(ref_url(r, 0));
	json_decref(r);
}

/* A closed session of repo in st, its log at path (NULL: none), handoff (consumed) or NULL. */
static void close_session(struct store *st, const char *repo, const char *path, json_t *handoff)
{
	struct stamp at = {.wall_ms = 1764000000000LL, .boot_id = "boot"};
	struct store_op op = {.kind = STORE_OP_INSERT_SESSION, .event = "start", .at = at};

	op.row = json_pack("{s:s, s:s, s:[]}", "repo", repo, "repo_name", "widget", "tags");
	assert_int_equal(store_run_now(st, &op), 0);
	json_decref(op.row);
	op = (struct store_op){.kind = STORE_OP_CLOSE_SESSION,
			       .session_id = op.result_id,
			       .event = "stop",
			       .at = at,
			       .state = "stopped",
			       .log_path = path,
			       .handoff = handoff};
	assert_int_equal(store_run_now(st, &op), 0);
	json_decref(handoff);
}

static const char *item_str(json_t *list, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(list, i), key));
}

static void test_previous_logs_and_carried_todos(void **state)
{
	char dir[] = "/tmp/stint-logprep.XXXXXX", cmd[128], db[128], p[6][160], err[256];
	json_t *rec = json_pack("{s:s}", "repo", "/src/a/widget"), *prev, *carried;
	uv_loop_t loop;
	struct store *st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/stint.db", dir);
	uv_loop_init(&loop);
	st = store_open(&loop, db, err, sizeof(err));
	assert_non_null(st);
	testutil_write_file(dir, "2026-11-20.md", "# Session: Old\n- [ ] very old\n");
	testutil_write_file(dir, "2026-11-24.md", "# Session: Yesterday\n");
	testutil_write_file(dir, "other.md", "# Session: Same name, other repo\n- [ ] not ours\n");
	testutil_write_file(dir, "2026-11-24-2.md",
			    "# Session: Later yesterday\n"
			    "- [ ] carry me\n"
			    "- [x] done already\n"
			    "- [ ] [TODO item with clear action] - a prompt\n"
			    "```\n- [ ] inside a fence\n```\n"
			    "  - [ ] nested one\n"
			    "- [ ] carry me\n");
	snprintf(p[0], sizeof(p[0]), "%s/2026-11-20.md", dir);
	snprintf(p[1], sizeof(p[1]), "%s/2026-11-24.md", dir);
	snprintf(p[2], sizeof(p[2]), "%s/gone.md", dir);
	snprintf(p[3], sizeof(p[3]), "%s/2026-11-24-2.md", dir);
	snprintf(p[4], sizeof(p[4]), "%s/other.md", dir);
	close_session(st, "/src/a/widget", p[0], NULL);
	close_session(st, "/src/a/widget", p[1], NULL);
	close_session(st, "/src/a/widget", p[2], NULL);
	close_session(st, "/src/a/widget", NULL, NULL); /* stop --no-log */
	close_session(st, "/src/a/widget", p[3], NULL);
	close_session(st, "/src/b/widget", p[4], NULL); /* newer, but another repository */
	logprep_fill(rec, st, false);
	/* Newest first, the one whose file is gone skipped, only this repository's. */
	prev = json_object_get(rec, "previous_logs");
	assert_int_equal(json_array_size(prev), 3);
	assert_string_equal(item_str(prev, 0, "path"), p[3]);
	assert_string_equal(item_str(prev, 0, "title"), "Later yesterday");
	assert_string_equal(item_str(prev, 0, "date"), "2026-11-24");
	assert_string_equal(item_str(prev, 1, "path"), p[1]);
	assert_string_equal(item_str(prev, 2, "path"), p[0]);
	carried = json_object_get(rec, "carried_todos");
	assert_int_equal(json_array_size(carried), 2);
	assert_string_equal(item_str(carried, 0, "markdown"), "carry me");
	assert_string_equal(item_str(carried, 0, "priority"), "medium");
	assert_string_equal(item_str(carried, 1, "markdown"), "nested one");
	assert_null(json_object_get(rec, "previous_missing"));
	json_decref(rec);

	/* The newest log gone: its items from the store's record, and the record says so. */
	close_session(st, "/src/a/widget", p[2],
		      json_pack("[{s:s, s:s}, {s:s}, {s:i}, {s:s, s:s}]", "markdown",
				"from the store", "priority", "high", "markdown", "no priority",
				"markdown", 3, "markdown", "odd", "priority", "urgent"));
	rec = json_pack("{s:s}", "repo", "/src/a/widget");
	logprep_fill(rec, st, false);
	carried = json_object_get(rec, "carried_todos");
	assert_int_equal(json_array_size(carried), 3);
	assert_string_equal(item_str(carried, 0, "markdown"), "from the store");
	assert_string_equal(item_str(carried, 0, "priority"), "high");
	assert_string_equal(item_str(carried, 1, "priority"), "medium");
	assert_string_equal(item_str(carried, 2, "priority"), "medium"); /* not a priority */
	prev = json_object_get(rec, "previous_missing");
	assert_string_equal(json_string_value(json_object_get(prev, "path")), p[2]);
	assert_string_equal(json_string_value(json_object_get(prev, "error")),
			    "No such file or directory");
	assert_true(json_is_true(json_object_get(prev, "gone")));
	assert_true(json_is_true(json_object_get(prev, "from_store")));
	assert_int_equal(json_array_size(json_object_get(rec, "previous_logs")), 3);
	json_decref(rec);

	/* Gone without a record (closed by an older stintd): nothing carried, and said so. */
	close_session(st, "/src/a/widget", p[2], NULL);
	rec = json_pack("{s:s}", "repo", "/src/a/widget");
	logprep_fill(rec, st, false);
	assert_int_equal(json_array_size(json_object_get(rec, "carried_todos")), 0);
	assert_true(
	    json_is_false(json_object_get(json_object_get(rec, "previous_missing"), "from_store")));
	json_decref(rec);

	/* Something else than a file where the log was: not gone, but not readable either. */
	close_session(st, "/src/a/widget", dir, json_pack("[{s:s}]", "markdown", "still open"));
	rec = json_pack("{s:s}", "repo", "/src/a/widget");
	logprep_fill(rec, st, false);
	assert_string_equal(item_str(json_object_get(rec, "carried_todos"), 0, "markdown"),
			    "still open");
	prev = json_object_get(rec, "previous_missing");
	assert_string_equal(json_string_value(json_object_get(prev, "error")), "Is a directory");
	assert_true(json_is_false(json_object_get(prev, "gone")));
	json_decref(rec);

	store_close(st);
	uv_loop_close(&loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_no_store_no_previous(void **state)
{
	json_t *rec = json_pack("{s:s}", "repo", "/nonexistent");

	(void)state;
	logprep_fill(rec, NULL, false);
	assert_int_equal(json_array_size(json_object_get(rec, "previous_logs")), 0);
	assert_int_equal(json_array_size(json_object_get(rec, "carried_todos")), 0);
	json_decref(rec);
}

static void test_open_items_keep_priority(void **state)
{
	json_t *items = logprep_open_items("# Session: x\n"
					   "## TODOs Created\n"
					   "### High Priority\n"
					   "- [ ] fuzz\n"
					   "- [x] ticked\n"
					   "### Medium Priority\n"
					   "- [ ] `a.c:3`: TODO: tidy\n"
					   "### Low Priority / Nice to Have\n"
					   "- [ ] polish\n"
					   "### Blocked\n"
					   "- [ ] nest - Blocked by: review\n"
					   "## Next Steps\n"
					   "### Immediate (Next Session)\n"
					   "- [ ] bench (high priority)\n"
					   "- [ ] later (low priority)\n"
					   "- [ ] wait - Blocked by: x (blocked)\n"
					   "- [ ] plain\n"
					   "- [ ] [Tasks to tackle]\n"
					   "~~~\n- [ ] fenced\n~~~\n"
					   "# Highlights\n"
					   "- [ ] under another heading\n");
	static const char *const want[][2] = {
	    {"fuzz", "high"},
	    {"`a.c:3`: TODO: tidy", "medium"},
	    {"polish", "low"},
	    {"nest - Blocked by: review", "blocked"},
	    {"bench", "high"},
	    {"later", "low"},
	    {"wait - Blocked by: x", "blocked"},
	    {"plain", "medium"},
	    {"under another heading", "medium"},
	};

	(void)state;
	assert_int_equal(json_array_size(items), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(item_str(items, i, "markdown"), want[i][0]);
		assert_string_equal(item_str(items, i, "priority"), want[i][1]);
	}
	json_decref(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forge_urls),
	    cmocka_unit_test(test_refs_found_and_linked),
	    cmocka_unit_test(test_not_refs),
	    cmocka_unit_test(test_previous_logs_and_carried_todos),
	    cmocka_unit_test(test_open_items_keep_priority),
	    cmocka_unit_test(test_no_store_no_previous),
	};

	repo_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
