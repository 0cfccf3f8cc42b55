#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitstats_gitparse.h"
#include "gitstats_gitproc.h"
#include "testutil.h"

/*
 * The git backend's parsers of git's output (daemon/gitstats_gitparse.c), fed what git printed
 * for a real repository, and the inputs fuzz_gitout found (tests/fuzz/regressions/gitout/).
 */

#define GIT                                                                                        \
	"GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -c user.name=t "                    \
	"-c user.email=t@example.com "

struct parsed {
	struct gitstats_flist files;
	char err[256];
	int rc;
};

static void parse_diff(const char *out, size_t n, struct parsed *p)
{
	struct gitstats_gitproc r = {0};
	struct gitstats_ctx c = {0};

	memset(p, 0, sizeof(*p));
	c.err = p->err;
	c.errn = sizeof(p->err);
	assert_int_equal(gitstats_int_buf_add(&r.out, out, n), 0);
	p->rc = gitstats_git_parse_diff(&c, &r, &p->files);
	gitstats_gitproc_free(&r);
}

/* What `git diff --raw --numstat -z -M` prints for a rename: R with both paths. */
static void test_diff_rename_from_git(void **state)
{
	char dir[PATH_MAX], cmd[PATH_MAX * 2 + 512];
	char buf[4096];
	size_t n;
	struct parsed p;
	FILE *f;

	(void)state;
	assert_true(testutil_mkdtemp(dir, sizeof(dir), NULL, "gitstats-git"));
	testutil_write_file(dir, "old.txt", "one\ntwo\nthree\nfour\n");
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && " GIT "init -q && " GIT "add -A && " GIT "commit -qm a && " GIT
		 "mv old.txt new.txt && echo five >> new.txt && " GIT "add -A",
		 dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && " GIT "diff --cached --raw --numstat -z -M HEAD",
		 dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	assert_int_equal(pclose(f), 0);
	parse_diff(buf, n, &p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.files.n, 1);
	assert_int_equal(p.files.v[0].status, 'R');
	assert_string_equal(p.files.v[0].path, "new.txt");
	assert_string_equal(p.files.v[0].old_path, "old.txt");
	assert_int_equal(p.files.v[0].added, 1);
	gitstats_int_flist_free(&p.files);
	testutil_rm_rf(dir);
}

/*
 * Found by fuzz_gitout: a raw record saying R whose numstat record names one path made a rename
 * without its old path. Output git would not print is refused as unexpected.
 */
static void test_diff_rename_without_old_path(void **state)
{
	static const char out[] = ":100644 100644 1111111 2222222 R100\0old.txt\0new.txt\0"
				  "1\t0\tnew.txt\0";
	struct parsed p;

	(void)state;
	parse_diff(out, sizeof(out) - 1, &p);
	assert_int_equal(p.rc, -EIO);
	assert_string_equal(p.err, "git diff: unexpected output");
	gitstats_int_flist_free(&p.files);
}

static int count_line(void *arg, const char *path, int64_t lineno, const char *text, size_t len)
{
	(*(int *)arg)++;
	return 0;
}

/*
 * Found by fuzz_gitout: a hunk header's line numbers ran past LONG_MAX as lines were counted,
 * undefined behaviour. A hunk that cannot fit is unexpected output.
 */
static void test_patch_hunk_past_long_max(void **state)
{
	static const char out[] = "diff --git a/x b/x\n+++ b/x\n"
				  "@@ -0,0 +9223372036854775807,2 @@\n+a\n+b\n";
	struct gitstats_gitproc r = {0};
	struct gitstats_ctx c = {0};
	int lines = 0;
	struct gitstats_lines sink = {.line = count_line, .arg = &lines};
	char err[256] = "";

	(void)state;
	c.err = err;
	c.errn = sizeof(err);
	assert_int_equal(gitstats_int_buf_add(&r.out, out, sizeof(out) - 1), 0);
	assert_int_equal(gitstats_git_parse_patch(&c, &r, &sink), -EIO);
	assert_string_equal(err, "git diff: unexpected output");
	assert_int_equal(lines, 0);
	gitstats_gitproc_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diff_rename_from_git),
	    cmocka_unit_test(test_diff_rename_without_old_path),
	    cmocka_unit_test(test_patch_hunk_past_long_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
