#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>

#include "sockpath.h"
#include "testutil.h"

/* Each test runs without any of these set, and a private directory for mkdir -p. */
static const char *const env_names[] = {
    "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "STINT_SOCKET",
    NULL};

struct fixture {
	char base[PATH_MAX];
	struct testutil_env env;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (!testutil_mkdtemp(f->base, sizeof(f->base), NULL, "paths")) {
		free(f);
		return -1;
	}
	testutil_env_clear(&f->env, env_names);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testutil_rm_rf(f->base);
	testutil_env_restore(&f->env);
	free(f);
	return 0;
}

static const char *const kind_names[] = {"config", "data", "state", "runtime"};

static void expect_xdg(enum paths_dir which, int want_r, const char *want)
{
	char buf[PATH_MAX] = "";
	int r = paths_xdg_dir(which, buf, sizeof(buf));

	if (r != want_r || (want && strcmp(buf, want) != 0))
		fail_msg("paths_xdg_dir(%s) = %d \"%s\"; want %d \"%s\"", kind_names[which], r, buf,
			 want_r, want ? want : "");
}

static void expect_stint(enum paths_dir which, int want_r, const char *want)
{
	char buf[PATH_MAX] = "";
	int r = paths_stint_dir(which, buf, sizeof(buf));

	if (r != want_r || (want && strcmp(buf, want) != 0))
		fail_msg("paths_stint_dir(%s) = %d \"%s\"; want %d \"%s\"", kind_names[which], r,
			 buf, want_r, want ? want : "");
}

static void expect_home(int want_r, const char *want)
{
	char buf[PATH_MAX] = "";
	int r = paths_home(buf, sizeof(buf));

	if (r != want_r || (want && strcmp(buf, want) != 0))
		fail_msg("paths_home() with HOME=\"%s\" = %d \"%s\"; want %d \"%s\"",
			 getenv("HOME") ? getenv("HOME") : "(unset)", r, buf, want_r,
			 want ? want : "");
}

static void test_home_must_be_absolute(void **state)
{
	expect_home(-ENOENT, NULL);
	setenv("HOME", "", 1);
	expect_home(-ENOENT, NULL);
	setenv("HOME", "home/me", 1);
	expect_home(-ENOENT, NULL);
	setenv("HOME", "/home/me", 1);
	expect_home(0, "/home/me");
	setenv("HOME", "/home/me//", 1);
	expect_home(0, "/home/me");
	setenv("HOME", "/", 1);
	expect_home(0, "/");
	setenv("HOME", "//", 1);
	expect_home(0, "/");
}

static void test_xdg_variables_win_when_absolute(void **state)
{
	setenv("HOME", "/home/me", 1);
	setenv("XDG_CONFIG_HOME", "/c", 1);
	setenv("XDG_DATA_HOME", "/d/", 1);
	setenv("XDG_STATE_HOME", "/s//", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	expect_xdg(PATHS_CONFIG, 0, "/c");
	expect_xdg(PATHS_DATA, 0, "/d");
	expect_xdg(PATHS_STATE, 0, "/s");
	expect_xdg(PATHS_RUNTIME, 0, "/run/user/4242");
	expect_stint(PATHS_CONFIG, 0, "/c/stint");
	expect_stint(PATHS_DATA, 0, "/d/stint");
	expect_stint(PATHS_STATE, 0, "/s/stint");
	expect_stint(PATHS_RUNTIME, 0, "/run/user/4242/stint");
	/* The root as a base directory does not double the slash. */
	setenv("XDG_STATE_HOME", "/", 1);
	expect_xdg(PATHS_STATE, 0, "/");
	expect_stint(PATHS_STATE, 0, "/stint");
}

static void test_home_defaults(void **state)
{
	setenv("HOME", "/home/me/", 1);
	expect_xdg(PATHS_CONFIG, 0, "/home/me/.config");
	expect_xdg(PATHS_DATA, 0, "/home/me/.local/share");
	expect_xdg(PATHS_STATE, 0, "/home/me/.local/state");
	expect_stint(PATHS_CONFIG, 0, "/home/me/.config/stint");
	expect_stint(PATHS_DATA, 0, "/home/me/.local/share/stint");
	expect_stint(PATHS_STATE, 0, "/home/me/.local/state/stint");
	/* The runtime directory has no default below HOME. */
	expect_xdg(PATHS_RUNTIME, -ENOENT, NULL);
	setenv("HOME", "/", 1);
	expect_xdg(PATHS_STATE, 0, "/.local/state");
	expect_stint(PATHS_STATE, 0, "/.local/state/stint");
}

/* The XDG spec: "If an implementation encounters a relative path in any of these variables it
 * should consider the path invalid and ignore it"; an empty one means unset. */
static void test_relative_or_empty_xdg_values_are_ignored(void **state)
{
	static const char *const bad[] = {"", "relative", "./x", "~/x"};
	char want[64];

	setenv("HOME", "/home/me", 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("XDG_CONFIG_HOME", bad[i], 1);
		setenv("XDG_DATA_HOME", bad[i], 1);
		setenv("XDG_STATE_HOME", bad[i], 1);
		setenv("XDG_RUNTIME_DIR", bad[i], 1);
		expect_xdg(PATHS_CONFIG, 0, "/home/me/.config");
		expect_xdg(PATHS_DATA, 0, "/home/me/.local/share");
		expect_stint(PATHS_STATE, 0, "/home/me/.local/state/stint");
		expect_xdg(PATHS_RUNTIME, -ENOENT, NULL);
		snprintf(want, sizeof(want), "/tmp/stint-%u", (unsigned)getuid());
		expect_stint(PATHS_RUNTIME, 0, want);
	}
}

/* The one fallback rule: only the runtime directory falls back to /tmp/stint-$UID. */
static void test_without_home_only_the_runtime_dir_falls_back(void **state)
{
	char want[64];

	snprintf(want, sizeof(want), "/tmp/stint-%u", (unsigned)getuid());
	expect_stint(PATHS_RUNTIME, 0, want);
	expect_stint(PATHS_STATE, -ENOENT, NULL);
	expect_stint(PATHS_CONFIG, -ENOENT, NULL);
	expect_stint(PATHS_DATA, -ENOENT, NULL);
	setenv("HOME", "relative", 1);
	expect_stint(PATHS_STATE, -ENOENT, NULL);
	/* The reason names what to set. */
	assert_string_equal(paths_unset_reason(PATHS_STATE),
			    "neither XDG_STATE_HOME nor HOME is set to an absolute path");
	assert_string_equal(paths_unset_reason(PATHS_DATA),
			    "neither XDG_DATA_HOME nor HOME is set to an absolute path");
	assert_non_null(strstr(paths_unset_reason(PATHS_CONFIG), "XDG_CONFIG_HOME"));
	assert_non_null(strstr(paths_unset_reason(PATHS_RUNTIME), "XDG_RUNTIME_DIR"));
}

/* The socket lives in the runtime directory paths decides, whichever it is. */
static void test_sockpath_follows_the_runtime_dir(void **state)
{
	char dir[PATH_MAX], sock[SOCKPATH_MAX], want[PATH_MAX + 16];

	for (int i = 0; i < 2; i++) {
		if (i == 1)
			setenv("XDG_RUNTIME_DIR", "/run/user/4242/", 1);
		assert_int_equal(paths_stint_dir(PATHS_RUNTIME, dir, sizeof(dir)), 0);
		assert_int_equal(sockpath_resolve(sock, sizeof(sock)), 0);
		snprintf(want, sizeof(want), "%s/stintd.sock", dir);
		assert_string_equal(sock, want);
	}
}

static void test_too_long(void **state)
{
	char small[8], *big = malloc(PATH_MAX + 2);

	assert_non_null(big);
	setenv("XDG_STATE_HOME", "/a/longer/state/dir", 1);
	assert_int_equal(paths_xdg_dir(PATHS_STATE, small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(paths_stint_dir(PATHS_STATE, small, sizeof(small)), -ENAMETOOLONG);
	setenv("HOME", "/home/someone", 1);
	assert_int_equal(paths_home(small, sizeof(small)), -ENAMETOOLONG);
	/* A value longer than any path: too long, not absent, and no fallback to HOME. */
	memset(big, 'x', PATH_MAX + 1);
	big[0] = '/';
	big[PATH_MAX + 1] = '\0';
	setenv("XDG_STATE_HOME", big, 1);
	setenv("XDG_RUNTIME_DIR", big, 1);
	expect_stint(PATHS_STATE, -ENAMETOOLONG, NULL);
	expect_stint(PATHS_RUNTIME, -ENAMETOOLONG, NULL);
	free(big);
}

static void expect_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fail_msg("%s was not created: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		fail_msg("%s is not a directory", path);
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s has mode %04o; want %04o", path, (unsigned)(st.st_mode & 07777),
			 (unsigned)mode);
}

static void test_mkdir_p_creates_every_missing_level(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64], mid[PATH_MAX + 64];
	mode_t old = umask(022);

	snprintf(mid, sizeof(mid), "%s/a", f->base);
	snprintf(path, sizeof(path), "%s/a/b//c/", f->base);
	assert_int_equal(paths_mkdir_p(path, 0700), 0);
	expect_dir(mid, 0700);
	snprintf(path, sizeof(path), "%s/a/b/c", f->base);
	expect_dir(path, 0700);
	/* Existing directories are fine, and keep their mode. */
	assert_int_equal(paths_mkdir_p(path, 0755), 0);
	expect_dir(path, 0700);
	assert_int_equal(paths_mkdir_p("/", 0700), 0);
	/* The umask applies, as to mkdir(1). */
	snprintf(path, sizeof(path), "%s/m", f->base);
	assert_int_equal(paths_mkdir_p(path, 0777), 0);
	expect_dir(path, 0755);
	umask(old);
}

static void test_mkdir_p_failures(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64], *big = malloc(PATH_MAX + 2);

	assert_non_null(big);
	testutil_write_file(f->base, "file", "x");
	snprintf(path, sizeof(path), "%s/file", f->base);
	errno = 0;
	assert_int_equal(paths_mkdir_p(path, 0700), -ENOTDIR);
	assert_int_equal(errno, ENOTDIR);
	snprintf(path, sizeof(path), "%s/file/below", f->base);
	assert_int_equal(paths_mkdir_p(path, 0700), -ENOTDIR);
	errno = 0;
	assert_int_equal(paths_mkdir_p("", 0700), -ENOENT);
	assert_int_equal(errno, ENOENT);
	memset(big, 'x', PATH_MAX + 1);
	big[0] = '/';
	big[PATH_MAX + 1] = '\0';
	assert_int_equal(paths_mkdir_p(big, 0700), -ENAMETOOLONG);
	assert_int_equal(errno, ENAMETOOLONG);
	free(big);
	/* A parent we may not write into: the error is mkdir's, with errno to match. */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/ro", f->base);
		assert_int_equal(mkdir(path, 0500), 0);
		snprintf(path, sizeof(path), "%s/ro/x/y", f->base);
		assert_int_equal(paths_mkdir_p(path, 0700), -EACCES);
		assert_int_equal(errno, EACCES);
		snprintf(path, sizeof(path), "%s/ro", f->base);
		chmod(path, 0700);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_home_must_be_absolute, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xdg_variables_win_when_absolute, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_home_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relative_or_empty_xdg_values_are_ignored, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_without_home_only_the_runtime_dir_falls_back,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sockpath_follows_the_runtime_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_p_creates_every_missing_level, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_p_failures, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
