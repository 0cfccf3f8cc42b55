#ifndef STINT_TESTDAEMON_H
#define STINT_TESTDAEMON_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <uv.h>

#include "stintd.h"

/*
 * The daemon's context for the glue's unit tests (test_sessions, test_cmd): a real loop, a real
 * store in a private directory and a config read from a file, set up as main.c does it, without
 * the watches, timers, signals and notifications the tests do not ask for.
 */
struct testdaemon {
	char dir[PATH_MAX]; /* private, resolved (no symlinks), removed by testdaemon_finish */
	char db[PATH_MAX];
	uv_loop_t loop;
	struct stintd d;
};

/* Before and after a test program's tests: libgit2, and the worker threads joined before it
 * shuts down so that it frees their per-thread state (as main.c does). */
void testdaemon_global_init(void);
void testdaemon_global_shutdown(void);

/* Sets t up with the default config ([log] dir in t->dir/logs/{repo_name}). */
void testdaemon_init(struct testdaemon *t, const char *name);
/* Frees everything, failing the test if work is left or the loop cannot close. */
void testdaemon_finish(struct testdaemon *t);
/* Writes the INI text to t->dir/config.ini and loads it into t->d.cfg in place of the old. */
void testdaemon_config(struct testdaemon *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Runs the loop until no work is left. */
void testdaemon_run(struct testdaemon *t);
/* Runs the loop until *flag is set; fails the test after seconds. */
void testdaemon_run_until(struct testdaemon *t, const bool *flag, double seconds);

/* t->dir/name, made as a directory; into path (PATH_MAX). */
void testdaemon_mkdir(struct testdaemon *t, const char *name, char *path);
/* The same as a git repository with one commit on main. */
void testdaemon_git_repo(struct testdaemon *t, const char *name, char *path);

/* The text of the file at path, malloc'd; fails the test if it cannot be read. */
char *testdaemon_read_file(const char *path);

/* The open sessions as a new connection to the database sees them: [{"row", "events"}]. */
json_t *testdaemon_stored_open(struct testdaemon *t);
/* The closed sessions, newest first (STORE_OP_LIST's rows). */
json_t *testdaemon_stored_closed(struct testdaemon *t);
/* The kinds of a stored session's events, "start,note,...". */
void testdaemon_event_kinds(json_t *events, char *buf, size_t n);

#endif
