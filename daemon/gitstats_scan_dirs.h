#ifndef STINTD_GITSTATS_SCAN_DIRS_H
#define STINTD_GITSTATS_SCAN_DIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * Directory listings kept between full scans of one worktree (docs/git-statistics.md, "Kept
 * listings"). A directory is read again only when its stat data changed: creating, removing or
 * renaming an entry changes its mtime and ctime, which git's untracked cache trusts too. Only
 * the raw names are kept; every file is still stat'ed and every untracked name still asked of
 * the ignore rules. Timestamps come from a coarse clock, so a listing is kept only when its
 * directory had not changed for a margin before the scan began: a change in the same tick as
 * the last one would leave them equal.
 */

struct gitstats_scan_dir {
	char *path; /* relative to the root: "" or ending in '/' */
	uint64_t dev, ino;
	int64_t mtime_ns, ctime_ns;
	char *names; /* per entry: its d_type byte, its name, '\0' */
	size_t len;
	bool taken; /* moved into the next scan's list */
};

struct gitstats_scan_dirs {
	struct gitstats_scan_dir *v; /* sorted by path */
	size_t n, cap;
	/* The margin in ns (0: GITSTATS_SCAN_DIRS_MARGIN_NS); tests make it negative. */
	int64_t margin_ns;
	/* The last scan's directories: read, and listed from kept listings. */
	size_t last_read, last_kept;
};

#define GITSTATS_SCAN_DIRS_MARGIN_NS (2 * INT64_C(1000000000))

/* Whether directory mtimes on the filesystem of the worktree root at fd can be trusted: local
 * filesystems that set them from this machine's clock (ext4, XFS, Btrfs, tmpfs, F2FS, ZFS,
 * bcachefs), not network or FUSE ones (another clock, or none kept) nor overlays. *dev: the
 * root's device. */
bool gitstats_scan_dirs_trusted(int fd, dev_t *dev);
/* The listing of path kept with exactly the stat data st (not yet taken), or NULL. Read-only on
 * d: scans call it from several threads under their lock. */
struct gitstats_scan_dir *gitstats_scan_dirs_find(const struct gitstats_scan_dirs *d,
						  const char *path, const struct stat *st);
/* May a listing read with the directory's stat data st, in a scan begun at start_ns (wall
 * clock), be kept? */
bool gitstats_scan_dirs_keepable(const struct gitstats_scan_dirs *d, const struct stat *st,
				 int64_t start_ns);
/* Appends a listing; takes path and names, also when it fails (-ENOMEM). */
int gitstats_scan_dirs_add(struct gitstats_scan_dirs *d, char *path, const struct stat *st,
			   char *names, size_t len);
/* After a scan: old becomes next (sorted), whose listings it took from old; the rest of old is
 * freed. A partial next (a failed scan) is as good: each listing stands on its own. */
void gitstats_scan_dirs_replace(struct gitstats_scan_dirs *old, struct gitstats_scan_dirs *next);
void gitstats_scan_dirs_finish(struct gitstats_scan_dirs *d);

#endif
