#ifndef STINT_TESTUTIL_H
#define STINT_TESTUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What several unit tests need: a private directory, files, a clean environment, noise. */

/*
 * Makes a fresh directory "<parent>/stint-test-<name>-XXXXXX" into dir (n bytes). parent NULL:
 * $TMPDIR when it is absolute, else /tmp. False (errno set) if it cannot.
 */
bool testutil_mkdtemp(char *dir, size_t n, const char *parent, const char *name);
/* Removes dir and everything below it, following no links. */
void testutil_rm_rf(const char *dir);
/* Writes text (n bytes) to path, failing the test if it cannot. */
void testutil_write_file_n(const char *path, const char *text, size_t n);
/* Writes the string text to dir/name, failing the test if it cannot. */
void testutil_write_file(const char *dir, const char *name, const char *text);

/* A fixture's JSON text as a new value, failing the test (with where and why) when it is bad. */
json_t *testutil_json(const char *text);

/* Next of a reproducible pseudo-random sequence (xorshift64): *state, seeded non-zero, moves on. */
uint32_t testutil_rand(uint64_t *state);

/*
 * Whether to try the next case of a long sweep: every case, or every Nth with STINT_SWEEP_EVERY=N
 * (scripts/test --valgrind, where a case costs 80 times more; the plain builds try them all). A
 * random sweep draws inputs for the cases tried only: its first Nth, not every Nth, of them.
 */
bool testutil_sample(void);

#define TESTUTIL_ENV_MAX 8

/* Variables a test runs without, and what they were before it. */
struct testutil_env {
	const char *names[TESTUTIL_ENV_MAX];
	char *saved[TESTUTIL_ENV_MAX];
	size_t n;
};

/* Saves and unsets the variables named by names (a NULL-terminated list). */
void testutil_env_clear(struct testutil_env *env, const char *const *names);
/* Puts them back as they were and frees what was saved. */
void testutil_env_restore(struct testutil_env *env);

#endif
