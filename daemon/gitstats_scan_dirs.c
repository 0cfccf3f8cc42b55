#include "gitstats_scan_dirs.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "array.h"
#include "timeutil.h"

#ifndef BCACHEFS_SUPER_MAGIC
#define BCACHEFS_SUPER_MAGIC 0xca451a4e
#endif
#define GITSTATS_SCAN_DIRS_ZFS_MAGIC 0x2fc12fc1

bool gitstats_scan_dirs_trusted(int fd, dev_t *dev)
{
	static const unsigned long local[] = {
	    EXT4_SUPER_MAGIC,
	    XFS_SUPER_MAGIC,
	    BTRFS_SUPER_MAGIC,
	    TMPFS_MAGIC,
	    F2FS_SUPER_MAGIC,
	    BCACHEFS_SUPER_MAGIC,
	    GITSTATS_SCAN_DIRS_ZFS_MAGIC,
	};
	struct statfs sf;
	struct stat st;

	if (fstatfs(fd, &sf) < 0 || fstat(fd, &st) < 0)
		return false;
	*dev = st.st_dev;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if ((unsigned long)sf.f_type == local[i])
			return true;
	return false;
}

struct gitstats_scan_dir *gitstats_scan_dirs_find(const struct gitstats_scan_dirs *d,
						  const char *path, const struct stat *st)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->v[mid].path, path);

		if (c == 0) {
			struct gitstats_scan_dir *x = &d->v[mid];

			return x->dev == (uint64_t)st->st_dev && x->ino == (uint64_t)st->st_ino &&
				       x->mtime_ns == time_ts_ns(&st->st_mtim) &&
				       x->ctime_ns == time_ts_ns(&st->st_ctim) && !x->taken
				   ? x
				   : NULL;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool gitstats_scan_dirs_keepable(const struct gitstats_scan_dirs *d, const struct stat *st,
				 int64_t start_ns)
{
	int64_t before = start_ns - (d->margin_ns ? d->margin_ns : GITSTATS_SCAN_DIRS_MARGIN_NS);

	return time_ts_ns(&st->st_mtim) < before && time_ts_ns(&st->st_ctim) < before;
}

int gitstats_scan_dirs_add(struct gitstats_scan_dirs *d, char *path, const struct stat *st,
			   char *names, size_t len)
{
	struct gitstats_scan_dir *v = array_grow(d->v, &d->cap, d->n, sizeof(*v), 256);

	if (!v) {
		free(path);
		free(names);
		return -ENOMEM;
	}
	d->v = v;
	d->v[d->n++] = (struct gitstats_scan_dir){
	    .path = path,
	    .dev = (uint64_t)st->st_dev,
	    .ino = (uint64_t)st->st_ino,
	    .mtime_ns = time_ts_ns(&st->st_mtim),
	    .ctime_ns = time_ts_ns(&st->st_ctim),
	    .names = names,
	    .len = len,
	};
	return 0;
}

static int gitstats_scan_dirs_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gitstats_scan_dir *)a)->path,
		      ((const struct gitstats_scan_dir *)b)->path);
}

void gitstats_scan_dirs_replace(struct gitstats_scan_dirs *old, struct gitstats_scan_dirs *next)
{
	int64_t margin = old->margin_ns;

	gitstats_scan_dirs_finish(old);
	if (next->n)
		qsort(next->v, next->n, sizeof(*next->v), gitstats_scan_dirs_cmp);
	*old = *next;
	old->margin_ns = margin;
	memset(next, 0, sizeof(*next));
}

void gitstats_scan_dirs_finish(struct gitstats_scan_dirs *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		if (!d->v[i].taken) {
			free(d->v[i].path);
			free(d->v[i].names);
		}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}
