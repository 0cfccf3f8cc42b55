#ifndef STINTD_GITSTATS_SCAN_INDEX_H
#define STINTD_GITSTATS_SCAN_INDEX_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "gitstats_scan_dirs.h"

/* git's index file, read for gitstats_scan (versions 2 to 4, the TREE extension; the rest is
 * -ENOTSUP), and kept between recomputes with the directory listings. */

struct gitstats_scan_entry {
	const char *path;
	uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns, ino, mode, uid, gid, size;
	git_oid id;
};

/* A cache-tree node: the tree the entries under path would make, when count >= 0. */
struct gitstats_scan_ctree {
	char *path; /* "" for the root, else "dir/sub" */
	int count;  /* entries below it, -1 when invalid */
	git_oid id;
};

struct gitstats_scan_index {
	struct gitstats_scan_entry *v; /* sorted by path (strcmp), stage 0 only */
	size_t n;
	struct gitstats_scan_ctree *ct; /* sorted by path */
	size_t nct;
	time_t racy; /* the index file's mtime: entries stamped then or later are racy */
	/* Its .gitattributes entries, counted when attrs_known (the cache counts them). */
	bool attrs_known;
	size_t nattrs;
	/* The file's stat data when it was read, and when that was (wall clock, set by
	 * gitstats_scan_index_cached), for gitstats_scan_index_cached. */
	uint64_t ino, size;
	int64_t mtime_ns, ctime_ns, read_ns;
	char *data;  /* the file, which the v[].path point into (or into paths) */
	char *paths; /* paths of a version 4 index, expanded */
};

/* Reads the index at file (no file: empty). Returns 0, -ENOTSUP with why filled when it is of
 * a kind left to libgit2, or another -errno. */
int gitstats_scan_index_read(const char *file, struct gitstats_scan_index *out, char *why,
			     size_t whyn);
void gitstats_scan_index_finish(struct gitstats_scan_index *idx);

/* What recomputes of one repository keep between them (one at a time): the parsed index, and
 * the directory listings of the last full scan that used it. */
struct gitstats_cache {
	bool valid;
	struct gitstats_scan_index idx;
	struct gitstats_scan_dirs dirs;
};

/* The index at file: the cached one while the file's stat data is what it was when read, else
 * read again into the cache. *out belongs to the cache. */
int gitstats_scan_index_cached(const char *file, struct gitstats_cache *cache,
			       const struct gitstats_scan_index **out, char *why, size_t whyn);

/* The cache-tree node at path ("" for the root, else "dir/sub"), or NULL. */
const struct gitstats_scan_ctree *gitstats_scan_index_ctree(const struct gitstats_scan_index *x,
							    const char *path);

#endif
