#ifndef STINTD_REPO_WATCH_TYPES_H
#define STINTD_REPO_WATCH_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* The watcher's data types: what repo_watch.h's API and the family's internals share. */

/* Bits of repo_watch_ops.changed's `what`. */
#define REPO_WATCH_WORKTREE  0x1u /* files in the worktree changed (ignored files do not count) */
#define REPO_WATCH_GITDIR    0x2u /* HEAD, index, refs or packed-refs: commits, switches, staging */
#define REPO_WATCH_RESCAN    0x4u /* events were lost or are not watched: recompute everything */
#define REPO_WATCH_TRUNCATED 0x8u /* more files changed than `touched` could list */
#define REPO_WATCH_DIRS	     0x10u /* a directory was deleted or moved away: its files unlisted */

/* Defaults for struct repo_watcher_timing fields left 0. */
#define REPO_WATCH_SETTLE_MS	      300
#define REPO_WATCH_MAX_DELAY_MS	      2000
#define REPO_WATCH_DEGRADED_RESCAN_MS 60000

struct repo_watcher_timing {
	unsigned settle_ms;	     /* quiet time after the last event before reporting */
	unsigned max_delay_ms;	     /* report at least this often during a continuous stream */
	unsigned degraded_rescan_ms; /* period of RESCAN reports in degraded mode */
};

/* A worktree file the watch saw change (written, created, deleted, renamed, chmod'ed). */
struct repo_watch_touch {
	const char *path; /* relative to the worktree root */
	int64_t mono_ns;  /* CLOCK_MONOTONIC time of its last event */
};

/*
 * Callbacks, on the loop thread; each may call repo_watch_remove() on its own watch. None is
 * called after repo_watch_remove() or, except `gone` itself, after the watch is gone.
 */
struct repo_watch_ops {
	/* Something changed and then settled (or max_delay_ms passed). */
	void (*changed)(void *arg, unsigned what);
	/* Optional: the files behind a report, just before `changed`; valid during the call. */
	void (*touched)(void *arg, const struct repo_watch_touch *t, size_t n);
	/* Optional: the root or git directory was deleted or moved away; watching stops. */
	void (*gone)(void *arg);
};

#endif
