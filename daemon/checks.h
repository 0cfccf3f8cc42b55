#ifndef STINTD_CHECKS_H
#define STINTD_CHECKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "checks_clean.h"
#include "checks_parse.h"
#include "config.h"

/*
 * The [checks] run at stop: each a child "/bin/sh -c COMMAND" spawned on the loop thread with
 * uv_spawn, one after another, each within a timeout, its output captured.
 */

/* Of each check's output only the last this many bytes are kept while it runs. */
#define CHECKS_RING_BYTES (64 * 1024)
/* SIGKILL follows a SIGTERM to a check's process group this much later. */
#define CHECKS_KILL_DELAY_MS 2000

struct checks_run;

/*
 * Runs list[0..n) in order, each as "/bin/sh -c value" in cwd (the repository's top
 * directory), and calls done(arg, results) once, on the loop, from a later loop iteration
 * (never from within checks_run, not even for n == 0). results is a new reference to a JSON
 * array, one object per check that ran, in order:
 *
 *   {"name", "ok", "exit" (when it exited), "signal" (when a signal ended it), "seconds",
 *    "timed_out", "output_tail", "tests": {"passed", "failed", "skipped"} (when parsed),
 *    "cancelled": true (only on the check checks_cancel interrupted)}
 *
 * as docs/log-record.md describes; NULL only when out of memory. A check that cannot be
 * started (cwd gone, no /bin/sh) is an entry with "ok": false and the reason as output_tail.
 *
 * Each check: stdin /dev/null; stdout and stderr into one pipe; no other descriptor (every one
 * above 2 is made close-on-exec in the child after fork); the environment of checks_hooks'
 * env, or else the daemon's without the blocklist of checks.c (loader, systemd and D-Bus
 * activation variables, BASH_ENV, ENV), with STINT_CHECK=1 and PWD (cwd) set anew; the leader
 * of its own session and process group. After timeout_s seconds the group gets SIGTERM, then
 * SIGKILL CHECKS_KILL_DELAY_MS later, and the check is timed_out. When the shell exits while
 * something it started still holds the output open, the group gets the same treatment, then
 * stintd stops reading. seconds is the shell's run time on the monotonic clock.
 *
 * Everything (cwd, names, commands, the environment) is copied: list may be freed, and the
 * config reloaded, once this returns. Returns 0, filling *out (if out is not NULL) with a
 * handle for checks_cancel that stays valid until done is called; or -EINVAL (no loop, cwd,
 * done, or timeout_s < 1) or -ENOMEM, and then done is never called.
 */
int checks_run(uv_loop_t *loop, const char *cwd, const struct config_entry *list, size_t n,
	       int64_t timeout_s, void (*done)(void *arg, json_t *results), void *arg,
	       struct checks_run **out);

/* checks_run's callbacks: done as above; started (optional) as each check is about to start,
 * with its name, its index in the list, the list's length and the timeout; the first call comes
 * from within checks_run_with. env (optional): the environment of the caller (stint stop's),
 * an array of "NAME=VALUE" strings, copied; NULL: the daemon's, without the blocklist. */
struct checks_hooks {
	void (*done)(void *arg, json_t *results);
	void (*started)(void *arg, const char *name, size_t index, size_t n, int64_t timeout_s);
	const json_t *env;
};

/* checks_run with a started callback too. */
int checks_run_with(uv_loop_t *loop, const char *cwd, const struct config_entry *list, size_t n,
		    int64_t timeout_s, const struct checks_hooks *h, void *arg,
		    struct checks_run **out);

/*
 * Stops a run early (daemon shutdown): the running check's process group gets SIGKILL and no
 * further check starts. done is still called, once, on a later loop iteration, after the
 * child is reaped and every handle closed, with the checks that finished plus the
 * interrupted one ("cancelled": true); keep arg alive until then. The loop must keep running
 * for that (within about a second, unless a process ignores SIGKILL). A second call does
 * nothing; never call it from or after done.
 */
void checks_cancel(struct checks_run *run);

#endif
