#include "sockpath.h"

#include <errno.h>
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

#include "testutil.h"

/* Each test gets a fresh private directory under /tmp (short, so paths fit in sun_path). */
struct fixture {
	char base[64];
	char sock[SOCKPATH_MAX * 3];
	char err[512];
	struct testutil_env env;
};

static const char *const env_names[] = {"STINT_SOCKET", "XDG_RUNTIME_DIR", NULL};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (!testutil_mkdtemp(f->base, sizeof(f->base), "/tmp", "sockpath")) {
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

/* base/<sub>/stintd.sock into f->sock; returns the directory path, static. */
static const char *sock_in(struct fixture *f, const char *sub)
{
	static char dir[SOCKPATH_MAX * 2];

	snprintf(dir, sizeof(dir), "%s/%s", f->base, sub);
	snprintf(f->sock, sizeof(f->sock), "%s/stintd.sock", dir);
	return dir;
}

static void expect_ensure_refused(struct fixture *f, int want)
{
	int r;

	f->err[0] = '\0';
	r = sockpath_dir_ensure(f->sock, f->err, sizeof(f->err));
	if (r != want)
		fail_msg("sockpath_dir_ensure(%s) = %d (%s); want %d", f->sock, r, f->err, want);
	if (f->err[0] == '\0')
		fail_msg("sockpath_dir_ensure(%s) = %d with an empty reason", f->sock, r);
}

static void expect_ensure_ok(struct fixture *f)
{
	int r;

	f->err[0] = '\0';
	r = sockpath_dir_ensure(f->sock, f->err, sizeof(f->err));
	if (r != 0)
		fail_msg("sockpath_dir_ensure(%s) = %d: %s", f->sock, r, f->err);
}

static void expect_resolved(const char *want)
{
	char buf[SOCKPATH_MAX];
	int r = sockpath_resolve(buf, sizeof(buf));

	if (r != 0)
		fail_msg("sockpath_resolve = %d; want %s", r, want);
	assert_string_equal(buf, want);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_resolve_prefers_stint_socket(void **state)
{
	setenv("STINT_SOCKET", "/some/where/my.sock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	expect_resolved("/some/where/my.sock");
}

static void test_resolve_ignores_empty_stint_socket(void **state)
{
	setenv("STINT_SOCKET", "", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	expect_resolved("/run/user/4242/stint/stintd.sock");
}

static void test_resolve_uses_xdg_runtime_dir(void **state)
{
	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	expect_resolved("/run/user/4242/stint/stintd.sock");
}

static void test_resolve_falls_back_to_tmp(void **state)
{
	char want[SOCKPATH_MAX];

	snprintf(want, sizeof(want), "/tmp/stint-%u/stintd.sock", (unsigned)getuid());
	expect_resolved(want);
}

static void test_resolve_ignores_relative_or_empty_xdg_runtime_dir(void **state)
{
	char want[SOCKPATH_MAX];

	snprintf(want, sizeof(want), "/tmp/stint-%u/stintd.sock", (unsigned)getuid());
	setenv("XDG_RUNTIME_DIR", "run/user/4242", 1);
	expect_resolved(want);
	setenv("XDG_RUNTIME_DIR", "", 1);
	expect_resolved(want);
}

static void test_resolve_accepts_longest_path_that_fits(void **state)
{
	char *path = repeat('a', SOCKPATH_MAX - 1);

	path[0] = '/';
	setenv("STINT_SOCKET", path, 1);
	expect_resolved(path);
	free(path);
}

static void test_resolve_refuses_too_long_stint_socket(void **state)
{
	char buf[SOCKPATH_MAX];
	char *path = repeat('a', SOCKPATH_MAX);

	path[0] = '/';
	setenv("STINT_SOCKET", path, 1);
	assert_int_equal(sockpath_resolve(buf, sizeof(buf)), -ENAMETOOLONG);
	free(path);
}

/* stintd runs in "/": a relative STINT_SOCKET would be another socket than the CLI's. */
static void test_resolve_refuses_relative_stint_socket(void **state)
{
	char buf[SOCKPATH_MAX], why[512];
	char *path = repeat('a', SOCKPATH_MAX);

	setenv("STINT_SOCKET", "my.sock", 1);
	assert_int_equal(sockpath_resolve(buf, sizeof(buf)), -EINVAL);
	sockpath_describe_error(-EINVAL, why, sizeof(why));
	assert_string_equal(why, "STINT_SOCKET must be an absolute path, not \"my.sock\"");
	path[0] = '/';
	setenv("STINT_SOCKET", path, 1);
	assert_int_equal(sockpath_resolve(buf, sizeof(buf)), -ENAMETOOLONG);
	sockpath_describe_error(-ENAMETOOLONG, why, sizeof(why));
	assert_non_null(strstr(why, "STINT_SOCKET is too long for a socket path (108 bytes, at "
				    "most 107)"));
	unsetenv("STINT_SOCKET");
	sockpath_describe_error(-ENAMETOOLONG, why, sizeof(why));
	assert_non_null(strstr(why, "XDG_RUNTIME_DIR"));
	free(path);
}

static void test_resolve_refuses_too_long_xdg_runtime_dir(void **state)
{
	char buf[SOCKPATH_MAX];
	/* With "/stint/stintd.sock" appended, one byte over. */
	char *dir = repeat('r', SOCKPATH_MAX - strlen("/stint/stintd.sock"));

	dir[0] = '/';
	setenv("XDG_RUNTIME_DIR", dir, 1);
	assert_int_equal(sockpath_resolve(buf, sizeof(buf)), -ENAMETOOLONG);
	dir[strlen(dir) - 1] = '\0';
	setenv("XDG_RUNTIME_DIR", dir, 1);
	assert_int_equal(sockpath_resolve(buf, sizeof(buf)), 0);
	free(dir);
}

static void test_resolve_limits_to_sun_path_even_with_a_big_buffer(void **state)
{
	char buf[SOCKPATH_MAX * 4];
	char *path = repeat('a', SOCKPATH_MAX + 10);

	path[0] = '/';
	setenv("STINT_SOCKET", path, 1);
	assert_int_equal(sockpath_resolve(buf, sizeof(buf)), -ENAMETOOLONG);
	free(path);
}

static void test_resolve_refuses_small_buffer(void **state)
{
	char buf[16];

	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	assert_int_equal(sockpath_resolve(buf, sizeof(buf)), -ENAMETOOLONG);
}

static void test_dir_of_absolute_path(void **state)
{
	char buf[SOCKPATH_MAX];

	assert_int_equal(sockpath_dir("/run/user/1000/stint/stintd.sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/user/1000/stint");
}

static void test_dir_of_file_in_root_is_root(void **state)
{
	char buf[SOCKPATH_MAX];

	assert_int_equal(sockpath_dir("/stintd.sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
}

static void test_dir_of_bare_name_is_dot(void **state)
{
	char buf[SOCKPATH_MAX];

	assert_int_equal(sockpath_dir("stintd.sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, ".");
}

static void test_dir_of_relative_path(void **state)
{
	char buf[SOCKPATH_MAX];

	assert_int_equal(sockpath_dir("run/stint/s.sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "run/stint");
}

static void test_dir_refuses_small_buffer(void **state)
{
	char buf[8];

	assert_int_equal(sockpath_dir("/abcd/s.sock", buf, 5), -ENAMETOOLONG);
	assert_int_equal(sockpath_dir("/abcd/s.sock", buf, 6), 0);
	assert_string_equal(buf, "/abcd");
	assert_int_equal(sockpath_dir("s.sock", buf, 1), -ENAMETOOLONG);
}

static void test_ensure_creates_dir_0700(void **state)
{
	struct fixture *f = *state;
	const char *dir = sock_in(f, "stint");
	mode_t old = umask(0);
	struct stat st;

	expect_ensure_ok(f);
	umask(old);
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, getuid());
}

static void test_ensure_accepts_existing_0700_dir(void **state)
{
	struct fixture *f = *state;
	const char *dir = sock_in(f, "stint");

	assert_int_equal(mkdir(dir, 0700), 0);
	expect_ensure_ok(f);
	expect_ensure_ok(f);
}

static void test_ensure_refuses_0755_dir(void **state)
{
	struct fixture *f = *state;
	const char *dir = sock_in(f, "stint");

	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	expect_ensure_refused(f, -EPERM);
}

static void test_ensure_refuses_any_group_or_other_bit(void **state)
{
	struct fixture *f = *state;
	const char *dir = sock_in(f, "stint");
	static const mode_t modes[] = {0710, 0701, 0740, 0704, 0720, 0702};

	assert_int_equal(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(dir, modes[i]), 0);
		expect_ensure_refused(f, -EPERM);
	}
}

static void test_ensure_refuses_symlink_to_dir(void **state)
{
	struct fixture *f = *state;
	char target[128];
	const char *link;

	snprintf(target, sizeof(target), "%s/real", f->base);
	assert_int_equal(mkdir(target, 0700), 0);
	link = sock_in(f, "stint");
	assert_int_equal(symlink(target, link), 0);
	expect_ensure_refused(f, -ENOTDIR);
}

static void test_ensure_refuses_regular_file(void **state)
{
	struct fixture *f = *state;
	const char *path = sock_in(f, "stint");
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fclose(fp);
	chmod(path, 0600);
	expect_ensure_refused(f, -ENOTDIR);
}

static void test_ensure_reports_missing_parent(void **state)
{
	struct fixture *f = *state;

	sock_in(f, "no/such/parent");
	expect_ensure_refused(f, -ENOENT);
}

static void test_ensure_refuses_too_long_path(void **state)
{
	struct fixture *f = *state;
	char *sub = repeat('d', SOCKPATH_MAX);

	sock_in(f, sub);
	expect_ensure_refused(f, -ENAMETOOLONG);
	free(sub);
}

static void test_ensure_refuses_dir_owned_by_another_user(void **state)
{
	struct fixture *f = *state;
	const char *dir;

	if (geteuid() != 0)
		skip();
	dir = sock_in(f, "stint");
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	expect_ensure_refused(f, -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_resolve_prefers_stint_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_ignores_empty_stint_socket, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_uses_xdg_runtime_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_falls_back_to_tmp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_ignores_relative_or_empty_xdg_runtime_dir,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_accepts_longest_path_that_fits, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_refuses_too_long_stint_socket, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_refuses_relative_stint_socket, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_refuses_too_long_xdg_runtime_dir, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_limits_to_sun_path_even_with_a_big_buffer,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_refuses_small_buffer, setup, teardown),
	    cmocka_unit_test(test_dir_of_absolute_path),
	    cmocka_unit_test(test_dir_of_file_in_root_is_root),
	    cmocka_unit_test(test_dir_of_bare_name_is_dot),
	    cmocka_unit_test(test_dir_of_relative_path),
	    cmocka_unit_test(test_dir_refuses_small_buffer),
	    cmocka_unit_test_setup_teardown(test_ensure_creates_dir_0700, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_accepts_existing_0700_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_refuses_0755_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_refuses_any_group_or_other_bit, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_refuses_symlink_to_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_refuses_regular_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_reports_missing_parent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_refuses_too_long_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_refuses_dir_owned_by_another_user, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
