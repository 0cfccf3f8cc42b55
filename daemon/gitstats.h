#ifndef STINTD_GITSTATS_H
#define STINTD_GITSTATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gitstats_types.h"

struct gitstats_cache;

/*
 * Per-session git statistics (docs/git-statistics.md). Every function here blocks (libgit2, the
 * file system, sometimes a git child process): call them from worker threads. They share no
 * state, so different repositories (or the same one) may be processed concurrently.
 */

/*
 * Records HEAD, the branch, every local branch tip with its reflog length, and writes the
 * worktree (staged, unstaged and untracked-not-ignored files) as a tree object. Touches no ref,
 * index or worktree file; only new objects appear. root is the worktree's top directory.
 * Returns 0, or -errno with err filled.
 */
int gitstats_baseline(const char *root, struct gitstats_baseline *out, char *err, size_t errn);
void gitstats_baseline_finish(struct gitstats_baseline *base);
/*
 * The repository holding dir, asked of git: for those libgit2 1.5 cannot open
 * (core.repositoryformatversion 1 and up: extensions.worktreeConfig, which `git sparse-checkout`
 * sets, objectFormat...), so that they are repositories to the daemon too. Sets *root (the
 * worktree's top directory), *branch ("main", "detached at abc1234", "main (unborn)") and head
 * ("" when unborn) as gitstats_baseline reads them, and *author (user.name, NULL when unset).
 * Returns 0; -ENOENT when dir is in no worktree; or -errno with err filled.
 */
int gitstats_locate(const char *dir, char **root, char **branch, char *head, size_t headn,
		    char **author, char *err, size_t errn);
/* For the store: a new object (NULL only when out of memory). */
json_t *gitstats_baseline_to_json(const struct gitstats_baseline *base);
/* Validates everything (the store is disk input); on error out is left empty. */
int gitstats_baseline_from_json(const json_t *obj, struct gitstats_baseline *out, char *err,
				size_t errn);

/*
 * The session's statistics now: `git diff -M --numstat` from the baseline tree (moved forward by
 * what was pulled) to the worktree with untracked files, plus the session's own commits and the
 * commits pulled from elsewhere. exclude_dir (absolute, or relative to root; may be NULL) is left
 * out of every count. Never writes the user's index. Returns 0, or -errno with err filled.
 */
int gitstats_compute(const char *root, const struct gitstats_baseline *base,
		     const char *exclude_dir, struct gitstats *out, char *err, size_t errn);
void gitstats_finish(struct gitstats *stats);
/* gitstats_compute with what cache (may be NULL) keeps from the recomputes before: the parsed
 * index while the file's stat data holds, the directory listings while theirs do. The same
 * result; cheaper. */
int gitstats_compute_cached(const char *root, const struct gitstats_baseline *base,
			    const char *exclude_dir, struct gitstats_cache *cache,
			    struct gitstats *out, char *err, size_t errn);

/*
 * An incremental recompute: only the files part of gitstats_compute (out->files, nfiles, added,
 * removed and stamp; the rest left empty), measured from `from` (the last result's
 * measured_from) and looking only at paths, which must hold every path that can differ from it
 * (the last result's files, old names included, and every worktree file touched since). Exact
 * under that condition. -ESTALE when the index or HEAD changed since `then` (the last
 * compute's stamp), -ENOTSUP where only a full compute reads the repository; either way, or on
 * any error, compute in full instead. cache (may be NULL) keeps the index between calls.
 */
int gitstats_compute_paths(const char *root, const struct gitstats_baseline *base,
			   const char *exclude_dir, const struct gitstats_stamp *then,
			   const char *from, const char *const *paths, size_t npaths,
			   struct gitstats_cache *cache, struct gitstats *out, char *err,
			   size_t errn);

/* What the recomputes of one repository keep between them, for one compute at a time: its
 * parsed index, and the directory listings of the last full scan (docs/git-statistics.md,
 * "Kept listings"); NULL when out of memory. destroy(NULL) is a no-op. */
struct gitstats_cache *gitstats_cache_create(void);
void gitstats_cache_destroy(struct gitstats_cache *cache);
/* The next full compute reads the index and every directory (and keeps them anew). */
void gitstats_cache_drop(struct gitstats_cache *cache);
/* The last full scan's directories: read, and listed from kept listings. */
void gitstats_cache_last_scan(const struct gitstats_cache *cache, size_t *read, size_t *kept);

/*
 * What a session in [start_ms, end_ms) would have counted, read from the reflogs alone (a
 * session added by hand): the commits made then, as gitstats_compute counts them, and the
 * committed change from HEAD at the start to HEAD at the end (the worktree then is unknown);
 * out->branch is the branch at the end. Counts only: out->nfiles with no files listed, the
 * commits listed without their session parts. Returns 0; 1 when HEAD's reflog does not go back to
 * the start (err says why in one line); or -errno with err filled.
 */
int gitstats_range(const char *root, int64_t start_ms, int64_t end_ms, const char *exclude_dir,
		   struct gitstats *out, char *err, size_t errn);
/* {"branch","head","commits","files_changed","added","removed","files","commit_list","pulled",
 * "pulled_list","fallback","head_log"}; a new object, NULL only when out of memory. */
json_t *gitstats_to_json(const struct gitstats *stats);

#endif
