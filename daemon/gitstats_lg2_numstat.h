#ifndef STINTD_GITSTATS_LG2_NUMSTAT_H
#define STINTD_GITSTATS_LG2_NUMSTAT_H

/*
 * The libgit2 backend's numstat: changed paths paired into renames git's way (gitstats_rename)
 * and their lines counted by libgit2 patches, as `git diff -M --numstat` prints them.
 */

#include "gitstats_int.h"

/* One side of a change: the baseline's (a blob) or the new one (a blob or a worktree file). */
struct gitstats_lg2_side {
	bool present;
	uint32_t mode;
	git_oid id;
	bool id_valid;
	bool workdir;
};

/* A path whose two sides may differ. */
struct gitstats_lg2_entry {
	const char *path;
	struct gitstats_lg2_side o, n;
	bool verify; /* staged and unstaged changes on top of each other: the sides may be equal */
	bool unstaged;
};

/* numstat of the changed paths e (sorted by gitstats_lg2_entry_cmp) into out. */
int gitstats_lg2_numstat(struct gitstats_ctx *c, struct gitstats_lg2_entry *e, size_t n,
			 struct gitstats_flist *out);
/* A side from libgit2's diff file; a worktree file's id is valid only if libgit2 hashed it. */
void gitstats_lg2_side_from(struct gitstats_lg2_side *s, const git_diff_file *f, bool workdir);
/* qsort order of entries: by path, the staged change before the unstaged one. */
int gitstats_lg2_entry_cmp(const void *a, const void *b);

#endif
