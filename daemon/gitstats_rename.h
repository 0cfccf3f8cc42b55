#ifndef STINTD_GITSTATS_RENAME_H
#define STINTD_GITSTATS_RENAME_H

/*
 * git's rename detection for `git diff -M` (diffcore-rename.c and diffcore-delta.c of git 2.39,
 * no copies, no breaks), over content read with libgit2: deleted sources are paired with created
 * destinations, exact renames first, then unique basenames, then the best similarity scores.
 */

#include "gitstats_int.h"

/* A score is out of this; git's default -M threshold is half of it. */
#define GITSTATS_RENAME_MAX_SCORE 60000.0

struct gitstats_rename_span {
	unsigned int hashval;
	unsigned int cnt;
};

/* A source (deleted path) or a destination (created path). The caller sets path, mode, oid
 * (oid_valid), workdir, delta and src = -1; the detection fills the rest. */
struct gitstats_rename_side {
	const char *path;
	uint32_t mode;
	git_oid oid;
	bool oid_valid;
	bool workdir; /* content is the worktree file, filtered like `git add` would */
	size_t delta; /* the caller's index for it */
	int used;     /* sources: times used by a rename */
	int src;      /* destinations: the paired source, -1 for none */
	int score;    /* destinations: the pair's score, GITSTATS_RENAME_MAX_SCORE when exact */
	int state;    /* 0 not prepared, 1 prepared, -1 unreadable */
	size_t size;
	int binary;
	struct gitstats_rename_span *sig;
	size_t nsig;
};

struct gitstats_rename {
	git_repository *repo;
	struct gitstats_rename_side *src, *dst; /* each sorted by path (gitstats_rename_side_cmp) */
	size_t nsrc, ndst;
	int rename_limit; /* diff.renameLimit: 0 or less for none */
	bool final_line;  /* git >= 2.43.2 also hashes a last line without newline */
	bool plain;	  /* no attributes, no filters: see gitstats_ctx.plain */
};

/* Pairs sources with destinations (dst[i].src, dst[i].score, src[j].used). 0 or -ENOMEM. */
int gitstats_rename_detect(struct gitstats_rename *r);
/* Frees the signatures the detection computed (not the arrays, which are the caller's). */
void gitstats_rename_finish(struct gitstats_rename *r);
/* By path, for qsort. */
int gitstats_rename_side_cmp(const void *a, const void *b);

/* Reads a worktree file as `git add` would store it (clean filters, symlink target). */
int gitstats_rename_load_workdir(git_repository *repo, bool plain, const char *path, uint32_t mode,
				 struct gitstats_buf *out);
/* git's diff_filespec_is_binary: a -diff attribute, else a NUL in the first 8000 bytes. */
bool gitstats_rename_is_binary(git_repository *repo, bool plain, const char *path, const char *data,
			       size_t size);

#endif
