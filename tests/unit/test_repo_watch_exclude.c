#include "repo_watch_exclude.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#include "testutil.h"

/* The log directory left out of a watch: the path predicate and the git state's digest. */

struct fixture {
	char dir[PATH_MAX];
};

static void git(const struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs a shell command in the repository, failing the test if it fails. */
static void git(const struct fixture *f, const char *fmt, ...)
{
	char cmd[1024], line[PATH_MAX + 1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "cd '%s' && (%s) >/dev/null 2>&1", f->dir, cmd);
	if (system(line) != 0)
		fail_msg("failed: %s", cmd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(testutil_mkdtemp(f->dir, sizeof(f->dir), NULL, "exclude"));
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "T", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "T", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.com", 1);
	git(f, "git init -q -b main . && echo a >a.c && git add a.c && git commit -qm a");
	git_libgit2_init();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testutil_rm_rf(f->dir);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

/* The digest of the repository now, the index read afresh. */
static git_oid digest(const struct fixture *f)
{
	git_repository *repo;
	git_index *index = NULL;
	char path[PATH_MAX + 16];
	git_oid out;

	assert_int_equal(git_repository_open(&repo, f->dir), 0);
	snprintf(path, sizeof(path), "%s/.git/index", f->dir);
	assert_int_equal(git_index_open(&index, path), 0);
	assert_int_equal(repo_watch_exclude_digest(repo, index, "docs/sessions", &out), 0);
	git_index_free(index);
	git_repository_free(repo);
	return out;
}

static void expect_same(const struct fixture *f, const git_oid *before, const char *what)
{
	git_oid now = digest(f);

	if (!git_oid_equal(before, &now))
		fail_msg("%s changed the digest", what);
}

static void expect_changed(const struct fixture *f, git_oid *before, const char *what)
{
	git_oid now = digest(f);

	if (git_oid_equal(before, &now))
		fail_msg("%s left the digest as it was", what);
	*before = now;
}

static void test_match(void **state)
{
	(void)state;
	assert_true(repo_watch_exclude_match("docs/sessions", "docs/sessions"));
	assert_true(repo_watch_exclude_match("docs/sessions", "docs/sessions/a.md"));
	assert_true(repo_watch_exclude_match("docs/sessions", "docs/sessions/.a.md.swp"));
	assert_false(repo_watch_exclude_match("docs/sessions", "docs/sessions2/a.md"));
	assert_false(repo_watch_exclude_match("docs/sessions", "docs"));
	assert_false(repo_watch_exclude_match("docs/sessions", "src/a.c"));
	assert_false(repo_watch_exclude_match(NULL, "docs/sessions/a.md"));
}

static void test_logs_alone_change_nothing(void **state)
{
	struct fixture *f = *state;
	git_oid d = digest(f);

	/* The first log creates docs/ and docs/sessions/: no entry of their own. */
	git(f, "mkdir -p docs/sessions && echo log >docs/sessions/1.md && git add docs");
	expect_same(f, &d, "staging the first log");
	git(f, "git commit -qm log");
	expect_same(f, &d, "committing it");
	git(f, "echo more >>docs/sessions/1.md && git commit -qam edit");
	expect_same(f, &d, "committing an edit of it");
	git(f, "git checkout -q HEAD~1 -- docs/sessions/1.md && git reset -q");
	expect_same(f, &d, "checking out an older version");
	git(f, "git rm -qf docs/sessions/1.md && git commit -qm rm");
	expect_same(f, &d, "deleting it");
	git(f, "git pack-refs --all");
	expect_same(f, &d, "packing the refs");
}

static void test_work_changes_it(void **state)
{
	struct fixture *f = *state;
	git_oid d = digest(f);

	git(f, "mkdir -p docs && echo x >docs/other.md && git add docs/other.md");
	expect_changed(f, &d, "staging a file beside the log directory");
	git(f, "echo b >>a.c && git add a.c");
	expect_changed(f, &d, "staging code");
	git(f, "git commit -qm code");
	expect_changed(f, &d, "committing it");
	git(f, "git branch topic");
	expect_changed(f, &d, "a new branch");
	git(f, "git checkout -q topic");
	expect_changed(f, &d, "switching to it");
	git(f, "git checkout -q --detach");
	expect_changed(f, &d, "detaching HEAD");
	git(f, "mkdir -p docs/sessions && echo log >docs/sessions/1.md && git add docs && "
	       "echo c >>a.c && git commit -qam mixed");
	expect_changed(f, &d, "a commit of code and a log");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match),
	    cmocka_unit_test_setup_teardown(test_logs_alone_change_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_work_changes_it, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
