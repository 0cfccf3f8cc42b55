#ifndef STINTD_REPO_WATCH_H
#define STINTD_REPO_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "repo_watch_types.h"

/*
 * Event-driven watching of session repositories: one inotify instance per daemon, polled by the
 * loop, created with the first watch and closed with the last one. Everything here runs on the
 * loop thread except the directory walks and ignore checks, which run on the worker pool.
 */

struct repo_watcher;
struct repo_watch;

/* timing may be NULL for the defaults. Returns NULL when out of memory. */
struct repo_watcher *repo_watcher_create(uv_loop_t *loop, const struct repo_watcher_timing *timing);
/*
 * Removes every watch (no callbacks) and closes the handles; the watcher frees itself once the
 * loop has run their close callbacks and any scan in flight has returned. NULL is a no-op.
 */
void repo_watcher_destroy(struct repo_watcher *w);
/*
 * Caps the inotify watches this watcher may hold (0: only the kernel's limit). Reaching it is
 * handled exactly like ENOSPC from the kernel: the repository being scanned goes degraded.
 */
void repo_watcher_set_limit(struct repo_watcher *w, size_t max_watches);
/* inotify watches held, over all repositories. */
size_t repo_watcher_count(const struct repo_watcher *w);
/* The inotify descriptor, or -1 while no repository is watched. */
int repo_watcher_fd(const struct repo_watcher *w);
#ifdef STINT_TEST_HOOKS
/* Processes a buffer of struct inotify_event as if read from the descriptor. 0 or -EINVAL. */
int repo_watcher_inject(struct repo_watcher *w, const void *buf, size_t len);
#endif

/*
 * Starts watching the worktree at worktree_root (absolute) and its git metadata. gitdir and
 * commondir may be NULL: they are then read from the repository at worktree_root (for a linked
 * worktree, .git/worktrees/NAME and .git); if that is no repository, the directory is watched
 * alone. The initial walk runs on a worker: until repo_watch_ready(), events may be missed.
 * Never fails except for memory (NULL): a watch that cannot be had makes the watch degraded.
 * Watched alone ("no git" mode), a directory has no ignore rules but editors' swap, backup and
 * lock files; no .git below it is entered, and the watch limit bounds it the same way.
 */
struct repo_watch *repo_watch_add(struct repo_watcher *w, const char *worktree_root,
				  const char *gitdir, const char *commondir,
				  const struct repo_watch_ops *ops, void *arg);
/*
 * Leaves dir (absolute; ignored unless strictly inside the worktree) out of every report: its
 * files are never reported, and a git change that touches nothing outside it (a commit, a
 * checkout or a staging of it alone) is no GITDIR change. For stint's logs kept in the
 * repository. Returns 0 or -ENOMEM.
 */
int repo_watch_exclude(struct repo_watch *rw, const char *dir);
/* Stops watching; safe from the watch's callbacks and while a walk is in flight. NULL: no-op. */
void repo_watch_remove(struct repo_watch *rw);

/* The initial walk is done: from now on every change is reported. */
bool repo_watch_ready(const struct repo_watch *rw);
/* Watching only the git directory, with a periodic RESCAN instead of worktree events. */
bool repo_watch_degraded(const struct repo_watch *rw);
/* Why the watch is degraded, or NULL. */
const char *repo_watch_degraded_reason(const struct repo_watch *rw);
/* The repository was deleted or moved away: nothing is watched or reported any more. */
bool repo_watch_gone(const struct repo_watch *rw);
/* inotify watches held for this repository (a directory shared with another counts for both). */
size_t repo_watch_count(const struct repo_watch *rw);
/* CLOCK_MONOTONIC time of the first event behind the report being delivered (or the last one). */
int64_t repo_watch_report_first(const struct repo_watch *rw);
/* CLOCK_MONOTONIC time of the last reported change, 0 if none yet. */
int64_t repo_watch_last_activity(const struct repo_watch *rw);

#endif
