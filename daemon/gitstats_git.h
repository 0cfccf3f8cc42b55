#ifndef STINTD_GITSTATS_GIT_H
#define STINTD_GITSTATS_GIT_H

#include "gitstats_backend.h"

/* The git backend: runs git where libgit2 cannot read the repository. */
extern const struct gitstats_backend gitstats_git_backend;

struct gitstats_gitproc;

/* One side of a path in a raw diff: its mode and blob, or absent. */
struct gitstats_git_side {
	bool present;
	unsigned mode;
	char oid[GITSTATS_OID_MAX + 1];
};

/* A path with two sides: a commit's change (o: the parent), or the baseline's (o: HEAD then). */
struct gitstats_git_change {
	char *path;
	struct gitstats_git_side o, n;
};

struct gitstats_git_changes {
	struct gitstats_git_change *v;
	size_t n, cap;
};

void gitstats_git_changes_free(struct gitstats_git_changes *l);

/*
 * The parsers of git's output (r->out, NUL-terminated past its n bytes), exposed for the fuzz
 * targets (tests/fuzz/). Each returns 0, -ENOMEM, or -EIO with c->err filled.
 */
int gitstats_git_parse_diff(struct gitstats_ctx *c, struct gitstats_gitproc *r,
			    struct gitstats_flist *out);
int gitstats_git_parse_log(struct gitstats_gitproc *r, const struct gitstats_omap *at,
			   struct gitstats_commit *out);
int gitstats_git_parse_numstat(struct gitstats_gitproc *r, const struct gitstats_omap *at,
			       const char *exclude, struct gitstats_commit *out,
			       struct gitstats_strv *paths);
int gitstats_git_parse_raw(struct gitstats_ctx *c, struct gitstats_gitproc *r,
			   const struct gitstats_omap *at, struct gitstats_git_changes *out);
int gitstats_git_parse_patch(struct gitstats_ctx *c, struct gitstats_gitproc *r,
			     const struct gitstats_lines *sink);

#endif
