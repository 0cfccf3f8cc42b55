#ifndef STINTD_GITSTATS_BACKEND_H
#define STINTD_GITSTATS_BACKEND_H

/*
 * The operations git statistics need from a repository, done by libgit2 (gitstats_lg2.c) or by
 * running git (gitstats_git.c, the fallback). gitstats_run_op tries the first, then the second.
 * Every operation returns 0, or -errno with c->err filled.
 */

#include "gitstats_int.h"

/* Where added lines go: path (new name), 1-based line number in the new file, text without its
 * line ending (len bytes, not NUL-terminated). A negative return stops the diff. */
struct gitstats_lines {
	int (*line)(void *arg, const char *path, int64_t lineno, const char *text, size_t len);
	void *arg;
};

struct gitstats_backend {
	bool fallback; /* running git: results say "fallback" */
	/* Sets c->gitdir and c->commondir. close undoes open (also after a failed open). */
	int (*open)(struct gitstats_ctx *c);
	void (*close)(struct gitstats_ctx *c);
	int (*head_tips)(struct gitstats_ctx *c, struct gitstats_head *h,
			 struct gitstats_tiplist *tips);
	/* The worktree (untracked files included) written as a tree object. */
	int (*snapshot)(struct gitstats_ctx *c, char *tree, size_t treen);
	/* Commits reachable from push and from none of hide, newest first; into g (with parents)
	 * and set when given. Missing commits push or hide nothing. */
	int (*walk)(struct gitstats_ctx *c, char (*push)[GITSTATS_OID_MAX + 1], size_t npush,
		    const struct gitstats_tip *hide, size_t nhide, struct gitstats_cgraph *g,
		    struct gitstats_omap *set);
	/* The given commits that exist, with their parents, into g (no walk). */
	int (*parents)(struct gitstats_ctx *c, char (*oids)[GITSTATS_OID_MAX + 1], size_t n,
		       struct gitstats_cgraph *g);
	/* ours (a tree) moved forward by what happened between anc and theirs (commits; anc ""
	 * for none); theirs wins conflicts. */
	int (*merge3)(struct gitstats_ctx *c, const char *anc, const char *ours, const char *theirs,
		      char *out, size_t outn);
	/* `git diff -M --numstat <tree>` with untracked files as if added with -N. */
	int (*worktree)(struct gitstats_ctx *c, const char *tree, struct gitstats_flist *out);
	/* g->v[idx[i]] for i < n, against the first parent with -M: out[i] (subject, author,
	 * time, counts); paths[i] the paths it touched (new names), when paths is not NULL. */
	int (*commits)(struct gitstats_ctx *c, const struct gitstats_cgraph *g, const size_t *idx,
		       size_t n, struct gitstats_commit *out, struct gitstats_strv *paths);
	/* `git diff-tree -r -M --numstat from to` (two commits) summed: files, added, removed. */
	int (*trees)(struct gitstats_ctx *c, const char *from, const char *to, size_t *files,
		     int64_t *added, int64_t *removed);
	/* The lines that `git diff -M <tree>` (untracked files included) adds, to sink. */
	int (*added_lines)(struct gitstats_ctx *c, const char *tree,
			   const struct gitstats_lines *sink);
};

#endif
