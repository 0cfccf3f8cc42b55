#ifndef STINTD_GITSTATS_H
#define STINTD_GITSTATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Per-session git statistics (docs/git-statistics.md). Every function here blocks (libgit2, the
 * file system, sometimes a git child process): call them from worker threads. They share no
 * state, so different repositories (or the same one) may be processed concurrently.
 */

/* Object ids are hex strings: 40 digits, or 64 when git (the fallback) reads a SHA-256 repo. */
#define GITSTATS_OID_MAX 64
/* Commits and pulled commits listed in a result; the counts stay exact beyond it. */
#define GITSTATS_MAX_LISTED 1000

struct gitstats_tip {
	char *ref;			/* "HEAD" or "refs/heads/<name>" */
	char oid[GITSTATS_OID_MAX + 1]; /* "" for an unborn HEAD */
	size_t reflog;	     /* entries in the ref's reflog then: later entries are the session's */
	int64_t reflog_time; /* time of the newest of them, should the log be rewritten later */
};

/* The repository as a session found it. */
struct gitstats_baseline {
	char head[GITSTATS_OID_MAX + 1]; /* "" when HEAD is unborn */
	char *branch;			 /* "main", "detached at abc1234", "main (unborn)" */
	/* The worktree (untracked files included) as a tree object. */
	char tree[GITSTATS_OID_MAX + 1];
	struct gitstats_tip *tips; /* HEAD first, then every local branch */
	size_t ntips;
	bool fallback; /* taken by running git: libgit2 could not read the repository */
};

struct gitstats_file {
	char *path;
	char *old_path;		/* the path at the baseline when renamed, else NULL */
	int64_t added, removed; /* 0 and 0 for binary files */
	bool binary;
	/* 'A' added, 'D' deleted, 'M' modified (content or mode), 'R' renamed, 'T' type changed */
	char status;
};

struct gitstats_commit {
	char oid[GITSTATS_OID_MAX + 1];
	int64_t time; /* committer time, seconds since the epoch */
	char *subject;
	char *author;
	int64_t added, removed; /* against the first parent, excluded directory left out */
	size_t files;
	bool merge;
};

struct gitstats {
	char *branch;
	char head[GITSTATS_OID_MAX + 1]; /* "" when unborn */
	struct gitstats_file *files;	 /* sorted by path */
	size_t nfiles;
	int64_t added, removed;
	struct gitstats_commit *commits; /* the session's own commits, newest first */
	size_t ncommits;		 /* listed (at most GITSTATS_MAX_LISTED) */
	size_t commits_total;
	char (*pulled)[GITSTATS_OID_MAX + 1]; /* commits that came from elsewhere, newest first */
	size_t npulled;			      /* listed */
	size_t pulled_total;
	bool fallback; /* computed by running git: libgit2 could not read the repository */
};

/*
 * Records HEAD, the branch, every local branch tip with its reflog length, and writes the
 * worktree (staged, unstaged and untracked-not-ignored files) as a tree object. Touches no ref,
 * index or worktree file; only new objects appear. root is the worktree's top directory.
 * Returns 0, or -errno with err filled.
 */
int gitstats_baseline(const char *root, struct gitstats_baseline *out, char *err, size_t errn);
void gitstats_baseline_finish(struct gitstats_baseline *base);
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
/* {"branch","head","commits","files_changed","added","removed","files","commit_list","pulled",
 * "pulled_list","fallback"}; a new object, NULL only when out of memory. */
json_t *gitstats_to_json(const struct gitstats *stats);

/*
 * What a session log needs of the repository beyond the statistics, added to stats (an object
 * of gitstats_to_json's shape): "todo_lines", the lines the diff from tree (the baseline
 * snapshot) to the worktree, untracked files included, added that hold TODO, FIXME or XXX as a
 * whole word ([{path, line, text}], at most 200, none under exclude_dir when it is an absolute
 * path under root), and for each of the first 200 commits of "commit_list" its "paths" (new
 * names for renames). Renames are found as git -M finds them, so a renamed file's old lines are
 * not new. "todo_lines" is set even on failure (empty). Returns 0, or -errno with err filled.
 */
int gitstats_extras_fill(const char *root, const char *tree, const char *exclude_dir, json_t *stats,
			 char *err, size_t errn);

#endif
