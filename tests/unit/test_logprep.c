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

static void test_previous_logs_and_carried_todos(void **state)
{
	char dir[] = "/tmp/stint-logprep.XXXXXX", cmd[128];
	json_t *rec = json_pack("{s:s}", "repo", "/nonexistent"), *prev, *carried;

	(void)state;
	assert_non_null(mkdtemp(dir));
	testutil_write_file(dir, "2026-11-20.md", "# Session: Old\n- [ ] very old\n");
	testutil_write_file(dir, "2026-11-24.md", "# Session: Yesterday\n");
	testutil_write_file(dir, "2026-11-24-2.md",
			    "# Session: Later yesterday\n"
			    "- [ ] carry me\n"
			    "- [x] done already\n"
			    "- [ ] [TODO item with clear action] - a prompt\n"
			    "```\n- [ ] inside a fence\n```\n"
			    "  - [ ] nested one\n"
			    "- [ ] carry me\n");
	testutil_write_file(dir, "2026-11-24-10.md", "# Session: Tenth\n- [ ] from the tenth\n");
	testutil_write_file(dir, "notes.md", "- [ ] not a log\n");
	testutil_write_file(dir, "2026-11-2x.md", "");
	logprep_fill(rec, dir);
	prev = json_object_get(rec, "previous_logs");
	assert_int_equal(json_array_size(prev), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(prev, 0), "path")),
			    "2026-11-24-10.md");
	assert_string_equal(json_string_value(json_object_get(json_array_get(prev, 0), "title")),
			    "Tenth");
	assert_string_equal(json_string_value(json_object_get(json_array_get(prev, 1), "path")),
			    "2026-11-24-2.md");
	assert_string_equal(json_string_value(json_object_get(json_array_get(prev, 2), "date")),
			    "2026-11-24");
	carried = json_object_get(rec, "carried_todos");
	assert_int_equal(json_array_size(carried), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(carried, 0), "text")),
			    "from the tenth");
	json_decref(rec);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_missing_dir_is_empty(void **state)
{
	json_t *rec = json_object();

	(void)state;
	logprep_fill(rec, "/nonexistent/stint/logs");
	assert_int_equal(json_array_size(json_object_get(rec, "previous_logs")), 0);
	assert_int_equal(json_array_size(json_object_get(rec, "carried_todos")), 0);
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forge_urls),
	    cmocka_unit_test(test_refs_found_and_linked),
	    cmocka_unit_test(test_not_refs),
	    cmocka_unit_test(test_previous_logs_and_carried_todos),
	    cmocka_unit_test(test_missing_dir_is_empty),
	};

	repo_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
