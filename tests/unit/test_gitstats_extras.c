#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gitstats.h"
#include "gitstats_extras.h"
#include "testutil.h"

/*
 * The TODO lines a session added and the paths of its commits (gitstats_extras_fill), in a
 * repository made with git, read by libgit2 and by git (the fallback).
 */

#define GIT_ENV "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "

struct fixture {
	char dir[128];
};

static void git(const char *dir, const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd %s && " GIT_ENV "git -c user.name=t -c user.email=t@example.com %s", dir,
		 args);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(testutil_mkdtemp(f->dir, sizeof(f->dir), NULL, "extras"));
	git(f->dir, "init -q");
	testutil_write_file(f->dir, "legacy.c",
			    "int legacy;\n// TODO: from before the session\nint more;\n");
	testutil_write_file(f->dir, "a.txt", "alpha\nbeta\ngamma\ndelta\n");
	testutil_write_file(f->dir, "notes.c", "// TODO: old and kept\nint n;\n");
	git(f->dir, "add -A");
	git(f->dir, "commit -q -m start");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testutil_rm_rf(f->dir);
	free(f);
	return 0;
}

/* A session that renames and edits legacy.c, renames a.txt in a commit, adds a FIXME in an
 * untracked file and a TODO in the (excluded) log directory; returns the stats with extras. */
static json_t *session(const char *dir, bool fallback)
{
	struct gitstats_baseline base;
	struct gitstats stats;
	char err[512], logs[256];
	json_t *j;

	assert_int_equal(gitstats_baseline(dir, &base, err, sizeof(err)), 0);
	assert_int_equal(base.fallback, fallback);
	git(dir, "mv legacy.c kept.c");
	git(dir, "mv a.txt b.txt");
	testutil_write_file(dir, "kept.c",
			    "int legacy;\n// TODO: from before the session\nint more;\n"
			    "int added; // TODO: new here\n");
	testutil_write_file(dir, "b.txt", "alpha\nbeta\ngamma\ndelta\nepsilon\n");
	git(dir, "commit -q -a -m renames");
	testutil_write_file(dir, "notes.c", "// TODO: old and kept\nint n;\nint m; // XXX\n");
	testutil_write_file(dir, "new.c", "int x;\n/* FIXME: later */\nint TODOS;\n");
	/* git quotes the first name and ends the second with a tab in its patch headers. */
	testutil_write_file(dir, "t\"q.c", "// TODO: quoted\n");
	testutil_write_file(dir, "s p.c", "// TODO: spaced\n");
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	assert_int_equal(mkdir(logs, 0755), 0);
	testutil_write_file(logs, "2026-01-01.md", "- [ ] TODO in the log itself\n");
	assert_int_equal(gitstats_compute(dir, &base, NULL, &stats, err, sizeof(err)), 0);
	assert_int_equal(stats.fallback, fallback);
	j = gitstats_to_json(&stats);
	assert_non_null(j);
	assert_int_equal(gitstats_extras_fill(dir, base.tree, logs, j, err, sizeof(err)), 0);
	gitstats_finish(&stats);
	gitstats_baseline_finish(&base);
	return j;
}

static void check(const json_t *stats)
{
	const json_t *todo = json_object_get(stats, "todo_lines");
	const json_t *commits = json_object_get(stats, "commit_list");
	char *text = json_dumps(todo, JSON_COMPACT), *paths;

	/* Only truly added lines: not legacy.c's TODO in its renamed copy, not notes.c's old one,
	 * not "TODOS", not the log directory's. */
	assert_string_equal(text,
			    "[{\"path\":\"kept.c\",\"line\":4,\"text\":\"int added; // TODO: "
			    "new here\"},{\"path\":\"new.c\",\"line\":2,\"text\":\"/* FIXME: "
			    "later */\"},{\"path\":\"notes.c\",\"line\":3,\"text\":\"int m; // "
			    "XXX\"},{\"path\":\"s p.c\",\"line\":1,\"text\":\"// TODO: spaced\"},"
			    "{\"path\":\"t\\\"q.c\",\"line\":1,\"text\":\"// TODO: quoted\"}]");
	free(text);
	assert_int_equal(json_array_size(commits), 1);
	paths = json_dumps(json_object_get(json_array_get(commits, 0), "paths"), JSON_COMPACT);
	assert_string_equal(paths, "[\"b.txt\",\"kept.c\"]");
	free(paths);
}

static void test_renamed_and_edited(void **state)
{
	struct fixture *f = *state;
	json_t *stats = session(f->dir, false);

	check(stats);
	json_decref(stats);
}

/* libgit2 refuses repository format version 1: everything comes from git, the same. */
static void test_git_fallback(void **state)
{
	struct fixture *f = *state;
	json_t *stats;

	git(f->dir, "config core.repositoryformatversion 1");
	stats = session(f->dir, true);
	check(stats);
	json_decref(stats);
}

static void test_no_snapshot(void **state)
{
	struct fixture *f = *state;
	json_t *stats = json_object();
	char err[512] = "";

	assert_true(gitstats_extras_fill(f->dir, "not a tree", NULL, stats, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "no baseline snapshot"));
	assert_int_equal(json_array_size(json_object_get(stats, "todo_lines")), 0);
	json_decref(stats);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_renamed_and_edited, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_git_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_snapshot, setup, teardown),
	};

	git_libgit2_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
