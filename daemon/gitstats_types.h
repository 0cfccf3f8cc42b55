#ifndef STINTD_GITSTATS_TYPES_H
#define STINTD_GITSTATS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The git statistics family's data: what gitstats.h's API and the family's internals share. */

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
	/* stintd's copy of the snapshot's objects HEAD lacks (gitstats_keep.h), or NULL. */
	char *kept;
};

struct gitstats_file {
	char *path;
	char *old_path;		/* the path at the baseline when renamed, else NULL */
	int64_t added, removed; /* 0 and 0 for binary files */
	bool binary;
	/* 'A' added, 'D' deleted, 'M' modified (content or mode), 'R' renamed, 'T' type changed */
	char status;
	/* git's modes (0100644, 0100755, 0120000...) at the baseline and now; 0 where absent. */
	uint32_t old_mode, new_mode;
};

struct gitstats_commit {
	char oid[GITSTATS_OID_MAX + 1];
	int64_t time; /* committer time, seconds since the epoch */
	char *subject;
	char *author;
	int64_t added, removed; /* against the first parent, excluded directory left out */
	size_t files;
	size_t files_excluded; /* the paths under the excluded directory it changed */
	bool merge;
	/* The session's part (docs/git-statistics.md): per file, from the baseline's version when
	 * no earlier commit changed the file, else from the parent. */
	int64_t session_added, session_removed;
	size_t session_files;
};

/* What HEAD's reflog says happened in the session, for the timeline (docs/git-statistics.md). */
enum gitstats_move_kind {
	GITSTATS_MOVE_BRANCH, /* a checkout or a rename: from, to */
	GITSTATS_MOVE_COMMIT, /* one of the session's own commits made here: oid */
	GITSTATS_MOVE_PULL,   /* commits from elsewhere brought into HEAD: oid, commits */
};

struct gitstats_move {
	enum gitstats_move_kind kind;
	size_t reflog;			/* position in HEAD's reflog since the start, from 0 */
	int64_t time;			/* seconds, as the reflog has it */
	int64_t at_ms;			/* the same in ms: exact for the newest entry, else the
					   end of its second (or of the next entry's time) */
	char oid[GITSTATS_OID_MAX + 1]; /* HEAD after it */
	char *from, *to;		/* branch names, "detached at abc1234" */
	size_t commits;			/* pulled commits it brought (git rev-list old..new) */
};

/* The git state a compute saw, for an incremental recompute to check it still holds. */
struct gitstats_stamp {
	bool valid; /* read by libgit2, the index stat'ed (or found absent) */
	bool index;
	uint64_t ino, size;
	int64_t mtime_ns, ctime_ns;
	char head[GITSTATS_OID_MAX + 1]; /* "" when unborn */
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
	struct gitstats_move *moves; /* HEAD's reflog since the start, oldest first */
	size_t nmoves;
	/* The tree the files and lines are measured from: the baseline, moved forward by pulls. */
	char measured_from[GITSTATS_OID_MAX + 1];
	struct gitstats_stamp stamp;
};

#endif
