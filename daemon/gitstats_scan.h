#ifndef STINTD_GITSTATS_SCAN_H
#define STINTD_GITSTATS_SCAN_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "gitstats_scan_dirs.h"
#include "gitstats_scan_index.h"

/*
 * The baseline tree, the index and the worktree compared the way git does it, for repositories
 * of the common kind (a plain index, no conflicts, default core.* settings): the index file is
 * read by gitstats_scan_index.c, the staged side uses its cache tree to skip unchanged directories,
 * and the worktree is read through directory descriptors with a stat per tracked file, two threads
 * at once, asking the ignore rules only about untracked paths. Anything else gives -ENOTSUP and is
 * left to libgit2's own (slower) walk.
 */

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
	unsigned readers; /* threads that read directories (GITSTATS_SCAN_THREADED) */
};

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
