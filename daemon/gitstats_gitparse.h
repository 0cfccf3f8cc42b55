#ifndef STINTD_GITSTATS_GITPARSE_H
#define STINTD_GITSTATS_GITPARSE_H

/*
 * The parsers of git's output for the git backend (gitstats_git.c), kept apart from the code
 * that runs git so the fuzz targets (tests/fuzz/) and unit tests can feed them any bytes.
 */

#include "gitstats_backend.h"

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
/* Appends path with its two sides to l (the baseline's changes are built with it too). */
int gitstats_git_changes_add(struct gitstats_git_changes *l, const char *path,
			     const struct gitstats_git_side *o, const struct gitstats_git_side *n);

/* A numstat record "added\tremoved\tpath" (path "" for a rename); -1 when it is not git's. */
int gitstats_git_numstat_record(char *tok, bool *binary, int64_t *a, int64_t *d, char **path);

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
