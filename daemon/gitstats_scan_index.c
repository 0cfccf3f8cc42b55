#include "gitstats_scan_index.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "timeutil.h"

static uint32_t gitstats_scan_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int gitstats_scan_idx_unsupported(char *why, size_t whyn, const char *what)
{
	snprintf(why, whyn, "%s", what);
	return -ENOTSUP;
}

static int gitstats_scan_ctree_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gitstats_scan_ctree *)a)->path,
		      ((const struct gitstats_scan_ctree *)b)->path);
}

const struct gitstats_scan_ctree *gitstats_scan_index_ctree(const struct gitstats_scan_index *x,
							    const char *path)
{
	struct gitstats_scan_ctree key = {.path = (char *)path};

	return x->nct ? bsearch(&key, x->ct, x->nct, sizeof(*x->ct), gitstats_scan_ctree_cmp)
		      : NULL;
}

/* One node of the TREE extension and its subtrees, depth first: "name\0count subtrees\n[oid]". */
static int gitstats_scan_ctree_parse(struct gitstats_scan_index *x, const char *prefix,
				     const unsigned char **p, const unsigned char *end, size_t cap)
{
	const unsigned char *nul = memchr(*p, '\0', (size_t)(end - *p));
	const char *name = (const char *)*p;
	long count, subtrees;
	char *tail, *path;
	struct gitstats_scan_ctree *node;

	if (!nul || x->nct >= cap)
		return -EINVAL;
	if (!*prefix)
		path = strdup(name);
	else if (asprintf(&path, "%s/%s", prefix, name) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	node = &x->ct[x->nct++];
	node->path = path;
	*p = nul + 1;
	/* "count subtrees\n": bounded by the newline, which must be there. */
	if (!memchr(*p, '\n', (size_t)(end - *p)))
		return -EINVAL;
	count = strtol((const char *)*p, &tail, 10);
	if (*tail != ' ')
		return -EINVAL;
	subtrees = strtol(tail + 1, &tail, 10);
	if (*tail != '\n' || subtrees < 0 || count < -1 || count > INT_MAX)
		return -EINVAL;
	*p = (const unsigned char *)tail + 1;
	node->count = (int)count;
	if (count >= 0) {
		if (end - *p < GIT_OID_RAWSZ)
			return -EINVAL;
		git_oid_fromraw(&node->id, *p);
		*p += GIT_OID_RAWSZ;
	}
	for (long i = 0; i < subtrees; i++) {
		int rc = gitstats_scan_ctree_parse(x, path, p, end, cap);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Version 4 path compression: a gitstats_scan_varint (git's offset encoding) of bytes to drop. */
static int gitstats_scan_varint(const unsigned char **p, const unsigned char *end, size_t *out)
{
	size_t v;
	unsigned char c;

	if (*p >= end)
		return -EINVAL;
	c = *(*p)++;
	v = c & 127;
	while (c & 128) {
		if (*p >= end || v > (SIZE_MAX >> 8))
			return -EINVAL;
		c = *(*p)++;
		v = ((v + 1) << 7) + (c & 127);
	}
	*out = v;
	return 0;
}

/* Extensions: the cache tree is used, other optional ones (capitalised) are skipped. */
static int gitstats_scan_parse_extensions(struct gitstats_scan_index *x, const unsigned char *p,
					  const unsigned char *end, char *why, size_t whyn)
{
	while (end - p >= 8) {
		uint32_t sz = gitstats_scan_be32(p + 4);
		const unsigned char *ext = p + 8;

		if (sz > (size_t)(end - ext))
			return -EINVAL;
		if (memcmp(p, "TREE", 4) == 0) {
			size_t cap = sz / 4 + 1; /* each node takes at least 4 bytes */
			const unsigned char *q = ext;

			/* git writes one: a second would index the first's nodes in its array. */
			if (x->ct)
				return -EINVAL;
			x->ct = calloc(cap, sizeof(*x->ct));
			if (!x->ct)
				return -ENOMEM;
			while (q < ext + sz) {
				int rc = gitstats_scan_ctree_parse(x, "", &q, ext + sz, cap);

				if (rc < 0)
					return rc;
			}
			qsort(x->ct, x->nct, sizeof(*x->ct), gitstats_scan_ctree_cmp);
		} else if (!(p[0] >= 'A' && p[0] <= 'Z')) {
			return gitstats_scan_idx_unsupported(why, whyn,
							     "the index has a required extension");
		}
		p = ext + sz;
	}
	return p == end ? 0 : -EINVAL;
}

static int gitstats_scan_parse_index(struct gitstats_scan_index *x, size_t size, char *why,
				     size_t whyn)
{
	const unsigned char *d = (const unsigned char *)x->data, *p, *end;
	uint32_t version, count;
	size_t paths_len = 0, prev_len = 0;
	char *prev = NULL;

	/* Header, entries, extensions, a 20-byte checksum. */
	if (size < 12 + GIT_OID_RAWSZ || memcmp(d, "DIRC", 4) != 0)
		return gitstats_scan_idx_unsupported(why, whyn, "the index has no DIRC header");
	version = gitstats_scan_be32(d + 4);
	count = gitstats_scan_be32(d + 8);
	if (version < 2 || version > 4)
		return gitstats_scan_idx_unsupported(why, whyn,
						     "the index version is not 2, 3 or 4");
	end = d + size - GIT_OID_RAWSZ;
	if (count > (size_t)(end - d) / 40)
		return -EINVAL;
	x->v = calloc((size_t)count + 1, sizeof(*x->v));
	if (version == 4)
		x->paths = malloc(size * 2 + 1); /* generous: filled below with bounds checks */
	if (!x->v || (version == 4 && !x->paths))
		return -ENOMEM;
	p = d + 12;
	for (uint32_t i = 0; i < count; i++) {
		struct gitstats_scan_entry *e = &x->v[i];
		uint16_t flags, xflags = 0;
		const unsigned char *start = p, *nul;
		size_t len;

		if (end - p < 62)
			return -EINVAL;
		e->ctime_s = gitstats_scan_be32(p);
		e->ctime_ns = gitstats_scan_be32(p + 4);
		e->mtime_s = gitstats_scan_be32(p + 8);
		e->mtime_ns = gitstats_scan_be32(p + 12);
		e->ino = gitstats_scan_be32(p + 20);
		e->mode = gitstats_scan_be32(p + 24);
		e->uid = gitstats_scan_be32(p + 28);
		e->gid = gitstats_scan_be32(p + 32);
		e->size = gitstats_scan_be32(p + 36);
		git_oid_fromraw(&e->id, p + 40);
		flags = (uint16_t)(p[60] << 8 | p[61]);
		p += 62;
		if (flags & 0x4000) {
			if (version < 3 || end - p < 2)
				return -EINVAL;
			xflags = (uint16_t)(p[0] << 8 | p[1]);
			p += 2;
		}
		/* assume-unchanged, a conflict stage, intent-to-add, skip-worktree, a gitlink */
		if ((flags & 0x8000) || (flags & 0x3000) || (xflags & 0x6000) ||
		    (e->mode != 0100644 && e->mode != 0100755 && e->mode != 0120000))
			return gitstats_scan_idx_unsupported(
			    why, whyn,
			    "the index has conflicts, submodules, intent-to-add, "
			    "assume-unchanged or skip-worktree entries");
		if (version == 4) {
			size_t drop;

			if (gitstats_scan_varint(&p, end, &drop) < 0 || drop > prev_len)
				return -EINVAL;
			nul = memchr(p, '\0', (size_t)(end - p));
			if (!nul)
				return -EINVAL;
			len = prev_len - drop + (size_t)(nul - p);
			if (paths_len + len + 1 > size * 2)
				return -EINVAL;
			memcpy(x->paths + paths_len, prev ? prev : "", prev_len - drop);
			memcpy(x->paths + paths_len + prev_len - drop, p, (size_t)(nul - p) + 1);
			e->path = prev = x->paths + paths_len;
			paths_len += len + 1;
			prev_len = len;
			p = nul + 1;
		} else {
			nul = memchr(p, '\0', (size_t)(end - p));
			if (!nul)
				return -EINVAL;
			e->path = (const char *)p;
			len = (size_t)(nul - p);
			/* Entries are padded with 1 to 8 NULs to a multiple of 8 bytes. */
			p = start + (((size_t)(p - start) + len + 8) & ~(size_t)7);
			if (p > end)
				return -EINVAL;
		}
		if (!len || (i && strcmp(x->v[i - 1].path, e->path) >= 0))
			return -EINVAL;
	}
	x->n = count;
	return gitstats_scan_parse_extensions(x, p, end, why, whyn);
}

int gitstats_scan_index_read(const char *file, struct gitstats_scan_index *out, char *why,
			     size_t whyn)
{
	struct stat st;
	size_t got = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = fileio_open_regular(file);
	if (fd < 0)
		return fd == -ENOENT ? (out->racy = 1, 0) : fd;
	/* git replaces the index by a rename: this descriptor's file stays one version. */
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	out->racy = st.st_mtim.tv_sec;
	out->ino = (uint64_t)st.st_ino;
	out->size = (uint64_t)st.st_size;
	out->mtime_ns = time_ts_ns(&st.st_mtim);
	out->ctime_ns = time_ts_ns(&st.st_ctim);
	out->data = malloc((size_t)st.st_size + 1);
	if (!out->data) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, out->data + got, (size_t)st.st_size - got);

		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			close(fd);
			gitstats_scan_index_finish(out);
			return rc;
		}
		got += (size_t)n;
	}
	close(fd);
	out->data[got] = '\0'; /* so that string functions stop at the end */
	rc = gitstats_scan_parse_index(out, got, why, whyn);
	if (rc == -EINVAL)
		rc = gitstats_scan_idx_unsupported(why, whyn, "the index cannot be parsed");
	if (rc < 0)
		gitstats_scan_index_finish(out);
	return rc;
}

int gitstats_scan_index_cached(const char *file, struct gitstats_cache *cache,
			       const struct gitstats_scan_index **out, char *why, size_t whyn)
{
	const struct gitstats_scan_index *x = &cache->idx;
	struct stat st;
	int64_t now;
	int rc;

	/* An index that is not there (read as empty) is read again: it costs nothing. One
	 * written within the listings' margin before it was read may be written again with the
	 * same stat data (coarse timestamps, a reused inode): read again too. */
	if (cache->valid && stat(file, &st) == 0 && x->data && (uint64_t)st.st_ino == x->ino &&
	    (uint64_t)st.st_size == x->size && time_ts_ns(&st.st_mtim) == x->mtime_ns &&
	    time_ts_ns(&st.st_ctim) == x->ctime_ns &&
	    x->mtime_ns < x->read_ns - GITSTATS_SCAN_DIRS_MARGIN_NS &&
	    x->ctime_ns < x->read_ns - GITSTATS_SCAN_DIRS_MARGIN_NS) {
		*out = x;
		return 0;
	}
	gitstats_scan_index_finish(&cache->idx);
	cache->valid = false;
	now = time_wall_ns();
	if ((rc = gitstats_scan_index_read(file, &cache->idx, why, whyn)) < 0)
		return rc;
	cache->idx.read_ns = now;
	for (size_t i = 0; i < cache->idx.n; i++) {
		const char *base = strrchr(cache->idx.v[i].path, '/');

		cache->idx.nattrs +=
		    strcmp(base ? base + 1 : cache->idx.v[i].path, ".gitattributes") == 0;
	}
	cache->idx.attrs_known = true;
	cache->valid = true;
	*out = &cache->idx;
	return 0;
}

void gitstats_scan_index_finish(struct gitstats_scan_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->nct; i++)
		free(idx->ct[i].path);
	free(idx->ct);
	free(idx->v);
	free(idx->data);
	free(idx->paths);
	memset(idx, 0, sizeof(*idx));
}
