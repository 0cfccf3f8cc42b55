#ifndef STINTD_GITSTATS_SCAN_H
#define STINTD_GITSTATS_SCAN_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "gitstats_scan_dirs.h"

/*
 * The baseline tree, the index and the worktree compared the way git does it, for repositories
 * of the common kind (a plain index, no conflicts, default core.* settings): the index file is
 * read here, the staged side uses its cache tree to skip unchanged directories, and the
 * worktree is read through directory descriptors with a stat per tracked file, two threads at
 * once, asking the ignore rules only about untracked paths. Anything else gives -ENOTSUP and
 * is left to libgit2's own (slower) walk.
 */

struct gitstats_scan_entry {
	const char *path;
	uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns, ino, mode, uid, gid, size;
	git_oid id;
};

/* A cache-tree node: the tree the entries under path would make, when count >= 0. */
struct gitstats_scan_ctree {
	char *path; /* "" for the root, else "dir/sub" */
	int count;  /* entries below it, -1 when invalid */
	git_oid id;
};

struct gitstats_scan_index {
	struct gitstats_scan_entry *v; /* sorted by path (strcmp), stage 0 only */
	size_t n;
	struct gitstats_scan_ctree *ct; /* sorted by path */
	size_t nct;
	time_t racy; /* the index file's mtime: entries stamped then or later are racy */
	/* Its .gitattributes entries, counted when attrs_known (the cache counts them). */
	bool attrs_known;
	size_t nattrs;
	/* The file's stat data when it was read, and when that was (wall clock, set by
	 * gitstats_scan_index_cached), for gitstats_scan_index_cached. */
	uint64_t ino, size;
	int64_t mtime_ns, ctime_ns, read_ns;
	char *data;  /* the file, which the v[].path point into (or into paths) */
	char *paths; /* paths of a version 4 index, expanded */
};

/* One path that differs. For the staged side (tree -> index): entry is the index side (NULL
 * when the tree has the only one), mode and id the tree's (mode 0 when absent). For the
 * unstaged side (index -> worktree): entry is the index side (NULL when untracked), mode the
 * worktree file's (0 when it is gone), whose content may still equal the index's. */
struct gitstats_scan_change {
	char *path;
	const struct gitstats_scan_entry *entry;
	uint32_t mode;
	git_oid id;
};

struct gitstats_scan {
	struct gitstats_scan_change *v;
	size_t n, cap;
	bool attributes; /* a .gitattributes file was seen in a directory read */
	/* With kept listings given: directories read, and listed from the listings. */
	size_t dirs_read, dirs_kept;
};

/* Reads the index at file (no file: empty). Returns 0, -ENOTSUP with why filled when it is of
 * a kind left to libgit2, or another -errno. */
int gitstats_scan_index_read(const char *file, struct gitstats_scan_index *out, char *why,
			     size_t whyn);
void gitstats_scan_index_finish(struct gitstats_scan_index *idx);

/* What recomputes of one repository keep between them (one at a time): the parsed index, and
 * the directory listings of the last full scan that used it. */
struct gitstats_cache {
	bool valid;
	struct gitstats_scan_index idx;
	struct gitstats_scan_dirs dirs;
};

/* The index at file: the cached one while the file's stat data is what it was when read, else
 * read again into the cache. *out belongs to the cache. */
int gitstats_scan_index_cached(const char *file, struct gitstats_cache *cache,
			       const struct gitstats_scan_index **out, char *why, size_t whyn);

/* The staged changes: tree (NULL for the empty tree) against idx. */
int gitstats_scan_staged(git_repository *repo, const git_tree *tree,
			 const struct gitstats_scan_index *idx, struct gitstats_scan *out,
			 char *why, size_t whyn);

/* The unstaged changes, with untracked files that are not ignored (as `git add -N .` sees
 * them). dirs (may be NULL) gives the listings kept from the last scan and takes this one's.
 * Returns 0, -ENOTSUP with why filled, or another -errno. */
int gitstats_scan_run(git_repository *repo, const struct gitstats_scan_index *idx,
		      struct gitstats_scan_dirs *dirs, struct gitstats_scan *out, char *why,
		      size_t whyn);
void gitstats_scan_finish(struct gitstats_scan *s);

/* Both sides, staged and unstaged, limited to the given paths (files, relative to the root):
 * what gitstats_scan_staged and gitstats_scan_run find at them, without reading any directory.
 * For incremental recomputes: every path that can differ must be given. */
int gitstats_scan_paths(git_repository *repo, const git_tree *tree,
			const struct gitstats_scan_index *idx, const char *const *paths,
			size_t npaths, struct gitstats_scan *staged, struct gitstats_scan *unstaged,
			char *why, size_t whyn);

#endif
