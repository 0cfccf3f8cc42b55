#include "logwriter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>

#define DATE "2025-11-25"
#define TEXT "# Session: test\n\nbody\n"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/stint-logwriter.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx %s; rm -rf %s", f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Names in dir, sorted into one string "a b c" for comparison. */
static const char *listing(const char *dir)
{
	static char out[8192];
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t len = 0;

	out[0] = '\0';
	if (n < 0)
		return "(cannot list)";
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
						len ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return out;
}

static void assert_listing(const char *dir, const char *want)
{
	const char *got = listing(dir);

	if (strcmp(got, want) != 0)
		fail_msg("%s holds \"%s\", expected \"%s\" (a temp file left behind?)", dir, got,
			 want);
}

/* --- logwriter_expand_dir ---------------------------------------------------------------- */

static void expands_to(const char *pattern, const char *want)
{
	char out[PATH_MAX];
	int r = logwriter_expand_dir(pattern, "/home/ada/src/stint", "stint", out, sizeof(out));

	if (r != 0 || strcmp(out, want) != 0)
		fail_msg("\"%s\" -> %d \"%s\", expected \"%s\"", pattern, r, out, want);
}

static void rejects(const char *pattern, const char *repo, const char *name, size_t outn, int err)
{
	char out[PATH_MAX];
	int r = logwriter_expand_dir(pattern, repo, name, out, outn);

	if (r != err)
		fail_msg("\"%s\" -> %d (%s), expected %d (%s)", pattern, r, strerror(-r), err,
			 strerror(-err));
	assert_string_equal(out, "");
}

static void test_expand_placeholders(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(setenv("HOME", "/home/ada", 1), 0);
	expands_to("/var/log/stint", "/var/log/stint");
	expands_to("{repo}/docs/sessions", "/home/ada/src/stint/docs/sessions");
	expands_to("/logs/{repo_name}/{repo_name}", "/logs/stint/stint");
	expands_to("~/notes/{repo_name}", "/home/ada/notes/stint");
	expands_to("~", "/home/ada");
	expands_to("/a/~/b", "/a/~/b");
	expands_to("/a}b", "/a}b");
	assert_int_equal(setenv("HOME", "/home/ada/", 1), 0);
	expands_to("~/x", "/home/ada/x");
	assert_int_equal(setenv("HOME", "/", 1), 0);
	expands_to("~/x", "/x");
	expands_to("~", "/");
	/* No repo_name given: the basename of the repository. */
	assert_int_equal(
	    logwriter_expand_dir("/l/{repo_name}", "/src/proj", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/l/proj");
}

static void test_expand_errors(void **state)
{
	char big[PATH_MAX + 16];

	(void)state;
	assert_int_equal(setenv("HOME", "/home/ada", 1), 0);
	rejects("/x/{user}", "/r", "r", PATH_MAX, -EINVAL);
	rejects("/x/{repo_name", "/r", "r", PATH_MAX, -EINVAL);
	rejects("/x/{}", "/r", "r", PATH_MAX, -EINVAL);
	rejects("relative/{repo_name}", "/r", "r", PATH_MAX, -EINVAL);
	rejects("{repo_name}/x", "/r", "r", PATH_MAX, -EINVAL);
	rejects("~user/x", "/r", "r", PATH_MAX, -EINVAL);
	rejects("", "/r", "r", PATH_MAX, -EINVAL);
	rejects(NULL, "/r", "r", PATH_MAX, -EINVAL);
	rejects("{repo}/x", NULL, "r", PATH_MAX, -EINVAL);
	rejects("{repo}/x", "relative", "r", PATH_MAX, -EINVAL);
	rejects("/l/{repo_name}", NULL, NULL, PATH_MAX, -EINVAL);
	rejects("/l/{repo_name}", "/r", "a/b", PATH_MAX, -EINVAL);
	rejects("/l/{repo_name}", "/r", "..", PATH_MAX, -EINVAL);
	rejects("/l/{repo_name}", "/r", "", PATH_MAX, -EINVAL);
	assert_int_equal(unsetenv("HOME"), 0);
	rejects("~/x", "/r", "r", PATH_MAX, -EINVAL);
	assert_int_equal(setenv("HOME", "relative", 1), 0);
	rejects("~/x", "/r", "r", PATH_MAX, -EINVAL);
	assert_int_equal(setenv("HOME", "/home/ada", 1), 0);

	/* "/abc" needs 5 bytes: 4 do not do, 5 do. */
	rejects("/abc", "/r", "r", 4, -ENAMETOOLONG);
	rejects("/{repo_name}", "/r", "abc", 4, -ENAMETOOLONG);
	rejects("~/c", "/r", "r", 8, -ENAMETOOLONG);
	{
		char out[5];

		assert_int_equal(logwriter_expand_dir("/abc", "/r", "r", out, sizeof(out)), 0);
		assert_string_equal(out, "/abc");
		assert_int_equal(logwriter_expand_dir("/abc", "/r", "r", out, 0), -ENAMETOOLONG);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	rejects(big, "/r", "r", PATH_MAX, -ENAMETOOLONG);
}

/* --- logwriter_write --------------------------------------------------------------------- */

static void write_ok(enum logwriter_method m, const char *dir, const char *text, const char *want)
{
	char path[PATH_MAX], err[512] = "";
	int r = logwriter_write_with(m, dir, DATE, text, path, sizeof(path), err, sizeof(err));
	struct stat st;

	if (r != 0)
		fail_msg("write in %s failed: %d %s", dir, r, err);
	assert_string_equal(path, want);
	assert_string_equal(slurp(path), text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_nlink, 1);
}

static void test_first_then_numbered(void **state)
{
	struct fixture *f = *state;
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/%s.md", f->dir, DATE);
	write_ok(LOGWRITER_LINK, f->dir, TEXT, want);
	snprintf(want, sizeof(want), "%s/%s-2.md", f->dir, DATE);
	write_ok(LOGWRITER_LINK, f->dir, "second\n", want);
	snprintf(want, sizeof(want), "%s/%s-3.md", f->dir, DATE);
	write_ok(LOGWRITER_LINK, f->dir, "", want);
	assert_listing(f->dir, DATE "-2.md " DATE "-3.md " DATE ".md");
	snprintf(want, sizeof(want), "%s/%s.md", f->dir, DATE);
	assert_string_equal(slurp(want), TEXT);
}

static void test_existing_files_untouched(void **state)
{
	struct fixture *f = *state;
	char p1[PATH_MAX], p2[PATH_MAX], want[PATH_MAX];

	snprintf(p1, sizeof(p1), "%s/%s.md", f->dir, DATE);
	snprintf(p2, sizeof(p2), "%s/%s-2.md", f->dir, DATE);
	put(p1, "precious 1\n");
	put(p2, "precious 2\n");
	/* A trailing slash on the directory changes nothing. */
	snprintf(want, sizeof(want), "%s/%s-3.md", f->dir, DATE);
	{
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s//", f->dir);
		write_ok(LOGWRITER_LINK, dir, TEXT, want);
	}
	assert_string_equal(slurp(p1), "precious 1\n");
	assert_string_equal(slurp(p2), "precious 2\n");
}

static void test_creates_parents(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX], want[PATH_MAX], sub[PATH_MAX];
	struct stat st;
	mode_t old = umask(077);

	/* The directories get 0755 whatever the umask: the log is meant to be read. */
	snprintf(dir, sizeof(dir), "%s/a/b//c", f->dir);
	snprintf(want, sizeof(want), "%s/a/b//c/%s.md", f->dir, DATE);
	write_ok(LOGWRITER_LINK, dir, TEXT, want);
	umask(old);
	snprintf(sub, sizeof(sub), "%s/a", f->dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(sub, sizeof(sub), "%s/a/b/c", f->dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void expect_failure(const char *dir, int want_err, const char *msg_part)
{
	char path[PATH_MAX] = "junk", err[512] = "";
	int r = logwriter_write(dir, DATE, TEXT, path, sizeof(path), err, sizeof(err));

	if (r != want_err)
		fail_msg("write in %s: %d (%s), expected %d (%s)", dir, r, err, want_err,
			 strerror(-want_err));
	assert_string_equal(path, "");
	if (!strstr(err, msg_part) || !strstr(err, strerror(-want_err)))
		fail_msg("error \"%s\" should name \"%s\" and say \"%s\"", err, msg_part,
			 strerror(-want_err));
}

static void test_parent_is_a_file(void **state)
{
	struct fixture *f = *state;
	char file[PATH_MAX], dir[PATH_MAX];

	snprintf(file, sizeof(file), "%s/file", f->dir);
	put(file, "x");
	snprintf(dir, sizeof(dir), "%s/file/logs", f->dir);
	expect_failure(dir, -ENOTDIR, dir);
	/* The directory itself a file. */
	expect_failure(file, -ENOTDIR, file);
	assert_listing(f->dir, "file");
}

static void test_unwritable_dir(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX], sub[PATH_MAX];

	if (geteuid() == 0) {
		/* Root writes through mode bits; test_parent_is_a_file covers a failing mkdir. */
		print_message("running as root: permission bits do not stop writes, skipped\n");
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/ro", f->dir);
	assert_int_equal(mkdir(dir, 0555), 0);
	expect_failure(dir, -EACCES, dir);
	snprintf(sub, sizeof(sub), "%s/ro/sub", f->dir);
	expect_failure(sub, -EACCES, sub);
	assert_listing(dir, "");
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], err[256];

	assert_int_equal(
	    logwriter_write("relative", DATE, TEXT, path, sizeof(path), err, sizeof(err)), -EINVAL);
	assert_int_equal(logwriter_write(f->dir, "a/b", TEXT, path, sizeof(path), err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(logwriter_write(f->dir, "", TEXT, path, sizeof(path), err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(logwriter_write(NULL, DATE, TEXT, path, sizeof(path), err, sizeof(err)),
			 -EINVAL);
	/* The caller's buffer cannot hold the longest name we might pick: nothing is written. */
	assert_int_equal(
	    logwriter_write(f->dir, DATE, TEXT, path, strlen(f->dir) + 12, err, sizeof(err)),
	    -ENAMETOOLONG);
	assert_listing(f->dir, "");
}

/* A write that fails halfway (a full disk, here the file size limit) leaves nothing behind. */
static void test_write_fails_midway(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX] = "junk", err[512] = "", *big;
	struct rlimit old, lim;
	struct sigaction ign = {.sa_handler = SIG_IGN}, oldsa;
	size_t n = 64 * 1024;
	int r;

	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	assert_int_equal(sigaction(SIGXFSZ, &ign, &oldsa), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = logwriter_write(f->dir, DATE, big, path, sizeof(path), err, sizeof(err));
	setrlimit(RLIMIT_FSIZE, &old);
	sigaction(SIGXFSZ, &oldsa, NULL);
	free(big);
	if (r != -EFBIG)
		fail_msg("expected -EFBIG, got %d: %s", r, err);
	assert_string_equal(path, "");
	if (!strstr(err, "cannot write") || !strstr(err, f->dir))
		fail_msg("error \"%s\" should say what failed on which path", err);
	assert_listing(f->dir, "");
}

/*
 * Past DATE-1000.md the names go on after the highest number in the directory: 1 000 logs of a
 * day in one repository (a kill -9 soak made them) never make every later stop fail.
 */
static void test_names_go_on_after_the_highest(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX], path[PATH_MAX], want[PATH_MAX], err[512] = "";

	snprintf(p, sizeof(p), "%s/%s.md", f->dir, DATE);
	put(p, "1");
	for (int i = 2; i <= 1000; i++) {
		snprintf(p, sizeof(p), "%s/%s-%d.md", f->dir, DATE, i);
		put(p, "n");
	}
	snprintf(p, sizeof(p), "%s/%s-1500.md", f->dir, DATE);
	put(p, "n");
	if (logwriter_write(f->dir, DATE, TEXT, path, sizeof(path), err, sizeof(err)) != 0)
		fail_msg("a log past DATE-1000.md: %s", err);
	snprintf(want, sizeof(want), "%s/%s-1501.md", f->dir, DATE);
	assert_string_equal(path, want);
	/* No temp file left: 1002 logs, nothing else. */
	{
		struct dirent **names;
		int count = scandir(f->dir, &names, NULL, alphasort);

		assert_int_equal(count, 1002 + 2);
		for (int i = 0; i < count; i++) {
			assert_false(names[i]->d_name[0] == '.' && names[i]->d_name[1] &&
				     names[i]->d_name[1] != '.');
			free(names[i]);
		}
		free(names);
	}
}

/* The fallbacks for filesystems without hard links behave like link: same names, no leftovers. */
static void test_fallback_methods(void **state)
{
	struct fixture *f = *state;
	static const enum logwriter_method methods[] = {LOGWRITER_RENAME, LOGWRITER_CREATE};

	for (size_t i = 0; i < 2; i++) {
		char dir[256], want[PATH_MAX], existing[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/m%zu", f->dir, i);
		snprintf(want, sizeof(want), "%s/%s.md", dir, DATE);
		write_ok(methods[i], dir, TEXT, want);
		snprintf(want, sizeof(want), "%s/%s-2.md", dir, DATE);
		write_ok(methods[i], dir, "two\n", want);
		snprintf(existing, sizeof(existing), "%s/%s-3.md", dir, DATE);
		put(existing, "mine\n");
		snprintf(want, sizeof(want), "%s/%s-4.md", dir, DATE);
		write_ok(methods[i], dir, "four\n", want);
		assert_string_equal(slurp(existing), "mine\n");
		assert_listing(dir, DATE "-2.md " DATE "-3.md " DATE "-4.md " DATE ".md");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expand_placeholders),
	    cmocka_unit_test(test_expand_errors),
	    cmocka_unit_test_setup_teardown(test_first_then_numbered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_existing_files_untouched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_creates_parents, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parent_is_a_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_fails_midway, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names_go_on_after_the_highest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fallback_methods, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
