#ifndef STINTD_GITSTATS_LG2_H
#define STINTD_GITSTATS_LG2_H

#include "gitstats_backend.h"

/* The libgit2 backend: tried first for every operation. */
extern const struct gitstats_backend gitstats_lg2_backend;

/*
 * The worktree operation limited to paths: the numstat `worktree` would give if only these
 * paths could differ from tree. -ENOTSUP (c->err says why) where the fast scanner cannot read
 * the repository; never falls back to a full walk.
 */
int gitstats_lg2_worktree_paths(struct gitstats_ctx *c, const char *tree, const char *const *paths,
				size_t n, struct gitstats_flist *out);

#endif
