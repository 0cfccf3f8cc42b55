#ifndef STINTD_REPO_WATCH_EXCLUDE_H
#define STINTD_REPO_WATCH_EXCLUDE_H

#include <git2.h>
#include <stdbool.h>

/*
 * A directory of the worktree that is not the user's work (stint's own logs, kept in the
 * repository): its files are never reported, and a git change that touches nothing else (a
 * commit, a checkout or a staging of logs alone) is not a GITDIR change.
 */

/* rel (relative to the worktree root) is ex or below it; ex NULL matches nothing. */
bool repo_watch_exclude_match(const char *ex, const char *rel);

/*
 * A digest of the repository's git state with ex left out: every ref (HEAD included) by its
 * symbolic target or by its commit's tree without ex, and the index's entries outside ex
 * (path, mode, id, stage; not the stat data a refresh rewrites). Two equal digests mean that
 * nothing outside ex changed. index may be NULL (no index yet). Blocking: on the pool only.
 * Returns 0, or -1 when the repository cannot be read.
 */
int repo_watch_exclude_digest(git_repository *repo, git_index *index, const char *ex, git_oid *out);

#endif
