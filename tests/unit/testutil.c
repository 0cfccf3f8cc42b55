#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>

#include <cmocka.h>

bool testutil_mkdtemp(char *dir, size_t n, const char *parent, const char *name)
{
	int len;

	if (!parent) {
		parent = getenv("TMPDIR");
		if (!parent || *parent != '/')
			parent = "/tmp";
	}
	len = snprintf(dir, n, "%s/stint-test-%s-XXXXXX", parent, name);
	if (len < 0 || (size_t)len >= n) {
		errno = ENAMETOOLONG;
		return false;
	}
	return mkdtemp(dir) != NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void testutil_rm_rf(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void testutil_write_file_n(const char *path, const char *text, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (!fp)
		fail_msg("cannot create %s", path);
	if (n && fwrite(text, 1, n, fp) != n)
		fail_msg("cannot write %s", path);
	fclose(fp);
}

void testutil_write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		fail_msg("path too long: %s/%s", dir, name);
	testutil_write_file_n(path, text, strlen(text));
}

void testutil_env_clear(struct testutil_env *env, const char *const *names)
{
	memset(env, 0, sizeof(*env));
	for (; *names; names++) {
		const char *v = getenv(*names);

		assert_true(env->n < TESTUTIL_ENV_MAX);
		env->names[env->n] = *names;
		env->saved[env->n++] = v ? strdup(v) : NULL;
		unsetenv(*names);
	}
}

void testutil_env_restore(struct testutil_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		if (env->saved[i])
			setenv(env->names[i], env->saved[i], 1);
		else
			unsetenv(env->names[i]);
		free(env->saved[i]);
		env->saved[i] = NULL;
	}
	env->n = 0;
}

json_t *testutil_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad fixture JSON at line %d, column %d: %s\n%s", e.line, e.column, e.text,
			 text);
	return j;
}

bool testutil_sample(void)
{
	static unsigned long every, n;

	if (!every) {
		const char *v = getenv("STINT_SWEEP_EVERY");

		every = v && strtoul(v, NULL, 10) > 0 ? strtoul(v, NULL, 10) : 1;
	}
	return n++ % every == 0;
}

uint32_t testutil_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (uint32_t)(*state >> 32);
}
