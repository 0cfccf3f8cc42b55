#ifndef STINTD_REPO_WATCH_STATE_H
#define STINTD_REPO_WATCH_STATE_H

#include <git2.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <uv.h>

#include "repo_watch_types.h"

/*
 * The watcher's state, shared by the family's files (daemon/repo_watch*.c) and included by them
 * only: repo_watch.c (the API, inotify reading, debounce, delivery), repo_watch_walk.c (the walk
 * and the ignore filtering, on the pool) and repo_watch_table.c (the wd table and path sets).
 * repo_watch.c describes the design.
 */

#define REPO_WATCH_MASK                                                                            \
	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM |          \
	 IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW |               \
	 IN_EXCL_UNLINK)
/* Distinct paths remembered per report; past it the report says WORKTREE and TRUNCATED. */
#define REPO_WATCH_PATHS_MAX 8192
/* New directories queued for walking; past it one full rescan replaces them. */
#define REPO_WATCH_DIRREQ_MAX 4096

enum repo_watch_own_kind {
	REPO_WATCH_OWN_WORKTREE, /* a worktree directory, rel to the worktree root */
	REPO_WATCH_OWN_GITDIR,	 /* the git directory's top level: HEAD, index */
	REPO_WATCH_OWN_COMMON,	 /* the common dir's top level: packed-refs */
	REPO_WATCH_OWN_REFS,	 /* refs/ and below, rel to the common dir */
};
#define REPO_WATCH_KIND_BIT(k) (1u << (k))
#define REPO_WATCH_KINDS_GIT                                                                       \
	(REPO_WATCH_KIND_BIT(REPO_WATCH_OWN_GITDIR) | REPO_WATCH_KIND_BIT(REPO_WATCH_OWN_COMMON) | \
	 REPO_WATCH_KIND_BIT(REPO_WATCH_OWN_REFS))
#define REPO_WATCH_KINDS_ALL (REPO_WATCH_KINDS_GIT | REPO_WATCH_KIND_BIT(REPO_WATCH_OWN_WORKTREE))

struct repo_watch_owner {
	struct repo_watch_owner *next;
	struct repo_watch *rw;
	uint32_t gen; /* the last job that visited it */
	uint8_t kind;
	char rel[];
};

struct repo_watch_wd {
	struct repo_watch_wd *next; /* hash chain */
	int wd;
	struct repo_watch_owner *owners;
};

struct repo_watch_path {
	char *path;
	int64_t mono_ns;
	bool dir;
	bool keep;
};

/* The worktree paths seen in a window, unique, in arrival order. */
struct repo_watch_pathset {
	struct repo_watch_path *items;
	size_t n, cap;
	uint32_t *slots; /* open addressing: item index + 1, 0 empty */
	size_t nslots;
	bool overflow;
};

/* A growable list of paths; full: more were left out than it holds. */
struct repo_watch_strv {
	char **v;
	size_t n, cap;
	bool full;
};

/* At most this many skipped directories are remembered; beyond, a git change rescans. */
#define REPO_WATCH_SKIPPED_MAX 1024

struct repo_watch_dirreq {
	uint8_t kind;
	char *rel;
};

struct repo_watch_drop {
	struct repo_watch *rw;
	uint8_t kind;
	char *prefix;
};

struct repo_watcher {
	uv_loop_t *loop;
	struct repo_watcher_timing t;
	/* Guards fd, the wd table, limit and every owner's count; workers take it to add watches.
	 */
	uv_mutex_t lock;
	int fd;
	struct repo_watch_wd **buckets;
	size_t nbuckets, nentries;
	size_t limit;
	struct repo_watch_inst *inst;
	unsigned ninst; /* open or closing instances */
	struct repo_watch *watches;
	unsigned nwatches; /* not removed */
	unsigned nalive;   /* not freed */
	bool destroyed;
	struct repo_watch_drop *drops; /* deferred while an entry's owners are being walked */
	size_t ndrops, capdrops;
	int64_t batch_ns;
	char path[2 * PATH_MAX];
};

struct repo_watch_job;

struct repo_watch {
	struct repo_watcher *w;
	struct repo_watch *next, *prev;
	struct repo_watch_ops ops;
	void *arg;
	char *root, *gitdir, *commondir;
	git_repository *repo; /* used only by this watch's job */
	uv_timer_t flush_timer, rescan_timer;
	int handles;
	struct repo_watch_job *job;
	/* Queued for the next job. */
	bool pend_setup, pend_full, pend_flush;
	struct repo_watch_dirreq *dirs;
	size_t ndirs, capdirs;
	/* The open window. */
	unsigned what;
	struct repo_watch_pathset paths;
	bool window_open;
	uint64_t window_start;
	int64_t window_first_ns; /* CLOCK_MONOTONIC of the window's first event */
	int64_t report_first_ns; /* the same for the report being prepared or delivered */
	bool ready, degraded, gone, gone_pending, removed;
	char reason[192];
	size_t nowned; /* kernel watches it owns (one or more owners each), under w->lock */
	uint32_t gen;
	int64_t last_activity_ns;
	/* Left out of every report (relative to root), and the git state without it. */
	char *exclude;
	git_oid digest;
	bool digest_valid, pend_digest;
	/* Ignored worktree directories the walks left out (nothing tracked below them then): a
	 * git change may track files there, which must then be watched. */
	struct repo_watch_strv skipped;
};

struct repo_watch_job {
	uv_work_t req;
	struct repo_watch *rw;
	atomic_bool cancelled;
	bool setup, full, worktree;
	uint32_t gen;
	char *root, *gitdir, *commondir;
	git_repository *repo;
	bool repo_opened;
	git_index *index; /* opened when an ignore rule first matches, freed with the job */
	bool index_tried;
	struct repo_watch_dirreq *dirs;
	size_t ndirs;
	bool flush;
	unsigned what;
	struct repo_watch_pathset paths;
	char *exclude; /* take the digest of the git state without it (repo_watch_exclude.h) */
	/* Results. */
	int64_t work_ns;
	size_t nwalked;
	int add_err;
	bool complete;
	bool root_missing;
	char **found;
	size_t nfound, capfound;
	bool found_more, found_ref;
	git_oid digest;
	bool digest_ok;
	/* Ignored directories this job's walks left out; and, for a git change, the watch's
	 * list to check again (recheck), with which of them are tracked now and walked. */
	struct repo_watch_strv skipped, recheck;
	bool *rewalked;
	int *visited; /* wds walked by this job: open addressing, 0 empty */
	size_t nvisited, capvisited;
	char scratch[PATH_MAX + 2];
};

struct repo_watch_inst;

struct repo_watch_drop_match {
	struct repo_watch *rw;
	unsigned kinds;
	const char *prefix; /* NULL: any path */
	uint32_t keep_gen;  /* 0: any generation */
};

#endif
