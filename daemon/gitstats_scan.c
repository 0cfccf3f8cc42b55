#include "gitstats_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "gitstats_int.h"
#include "timeutil.h"

#define GITSTATS_SCAN_EMPTY_BLOB "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"

/* Directories are read by GITSTATS_SCAN_THREADS threads at once (git's preload-index does the same
 * for its lstat calls); below GITSTATS_SCAN_THREADED index entries one thread does it all. */
#define GITSTATS_SCAN_THREADS	2
#define GITSTATS_SCAN_THREADED	2000
#define GITSTATS_SCAN_DENTS_BUF 32768

/* A directory still to read: its path relative to the root ("" or ending in '/'), and the
 * index entries below it. */
struct gitstats_scan_job {
	char *path;
	size_t plen, lo, hi;
};

struct gitstats_scan_walk {
	git_repository *repo;
	const struct gitstats_scan_entry *e; /* the index, sorted by path */
	bool *seen; /* one byte per entry, written only by its directory's reader */
	size_t n;
	time_t racy; /* entries stamped at or after this second may hide a change */
	git_oid empty;
	int root;
	/* Kept listings (NULL: read every directory), the next scan's, when this one began, and
	 * the root's device: listings are kept only on it. */
	struct gitstats_scan_dirs *old, next;
	int64_t start_ns;
	dev_t root_dev;
	struct gitstats_scan *out;
	char *why;
	size_t whyn;

	pthread_mutex_t lock; /* everything below, the output and libgit2's ignore lookups */
	pthread_cond_t cond;
	struct gitstats_scan_job *jobs;
	size_t njobs, capjobs, busy;
	int rc;
};

/* One reader's path being built: a directory's prefix plus an entry name; the directory's
 * listing as read (gitstats_scan_dirs' form). */
struct gitstats_scan_reader {
	struct gitstats_scan_walk *s;
	char path[PATH_MAX];
	char *dents;
	char *list;
	size_t len, cap;
};

static void gitstats_scan_fail(struct gitstats_scan_walk *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first error, which stops every reader. */
static void gitstats_scan_fail(struct gitstats_scan_walk *s, int rc, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (!s->rc) {
		s->rc = rc;
		if (fmt && s->why && s->whyn) {
			va_start(ap, fmt);
			vsnprintf(s->why, s->whyn, fmt, ap);
			va_end(ap);
		}
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static int gitstats_scan_unsupported(struct gitstats_scan_walk *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Before any reader runs: why this worktree is left to libgit2. */
static int gitstats_scan_unsupported(struct gitstats_scan_walk *s, const char *fmt, ...)
{
	va_list ap;

	if (s->why && s->whyn) {
		va_start(ap, fmt);
		vsnprintf(s->why, s->whyn, fmt, ap);
		va_end(ap);
	}
	return -ENOTSUP;
}

static int gitstats_scan_add(struct gitstats_scan_walk *s, const char *path,
			     const struct gitstats_scan_entry *e, uint32_t mode)
{
	struct gitstats_scan *o = s->out;
	struct gitstats_scan_change *v;
	int rc = 0;
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	v = array_grow(o->v, &o->cap, o->n, sizeof(*v), 64);
	if (v)
		o->v = v;
	else
		rc = -ENOMEM;
	if (rc == 0)
		o->v[o->n++] = (struct gitstats_scan_change){.path = p, .entry = e, .mode = mode};
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		free(p);
	return rc;
}

static int gitstats_scan_push(struct gitstats_scan_walk *s, const char *path, size_t plen,
			      size_t lo, size_t hi)
{
	struct gitstats_scan_job j = {
	    .path = strndup(path, plen), .plen = plen, .lo = lo, .hi = hi};
	int rc = 0;

	if (!j.path)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	if (s->njobs == s->capjobs) {
		size_t cap = s->capjobs ? s->capjobs * 2 : 256;
		struct gitstats_scan_job *v = realloc(s->jobs, cap * sizeof(*v));

		if (v) {
			s->jobs = v;
			s->capjobs = cap;
		} else {
			rc = -ENOMEM;
		}
	}
	if (rc == 0) {
		s->jobs[s->njobs++] = j;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		free(j.path);
	return rc;
}

/* First entry in [lo, hi) whose path is not below key. Every path in [lo, hi) and key share
 * their first skip bytes (a directory's prefix), which are not compared again. */
static size_t gitstats_scan_lower_bound(const struct gitstats_scan_walk *s, size_t lo, size_t hi,
					const char *key, size_t skip)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->e[mid].path + skip, key + skip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* git's mode for what lstat saw (create_ce_mode); 0 for what git does not store. */
static uint32_t gitstats_scan_git_mode(mode_t m)
{
	if (S_ISLNK(m))
		return 0120000;
	if (S_ISREG(m))
		return (m & S_IXUSR) ? 0100755 : 0100644;
	return 0;
}

/* Could the file differ from its entry? Stat data as git's ie_match_stat checks it, stricter
 * where that is cheap, and the racy-git rule: a file changed in the second the index was
 * written may keep its recorded stat data. */
static bool gitstats_scan_stat_dirty(const struct gitstats_scan_walk *s,
				     const struct gitstats_scan_entry *e, const struct stat *st)
{
	if ((uint32_t)st->st_size != e->size || (uint32_t)st->st_mtim.tv_sec != e->mtime_s ||
	    (uint32_t)st->st_ctim.tv_sec != e->ctime_s || (uint32_t)st->st_ino != e->ino ||
	    st->st_uid != e->uid || st->st_gid != e->gid)
		return true;
	/* An index written without sub-second times records 0: seconds are all git compares. */
	if ((e->mtime_ns && (uint32_t)st->st_mtim.tv_nsec != e->mtime_ns) ||
	    (e->ctime_ns && (uint32_t)st->st_ctim.tv_nsec != e->ctime_ns))
		return true;
	if ((time_t)e->mtime_s >= s->racy)
		return true;
	/* git smudges racy entries to size 0 when it writes the index. */
	return e->size == 0 && !git_oid_equal(&e->id, &s->empty);
}

/* 1 ignored, 0 not, -ENOTSUP when libgit2 cannot tell. libgit2 is asked one path at a time. */
static int gitstats_scan_ignored(struct gitstats_scan_walk *s, const char *path)
{
	int ign = 0, r;

	pthread_mutex_lock(&s->lock);
	r = git_ignore_path_is_ignored(&ign, s->repo, path);
	pthread_mutex_unlock(&s->lock);
	if (r < 0) {
		gitstats_scan_fail(s, -ENOTSUP, "cannot check whether %s is ignored: %s", path,
				   gitstats_int_lg2msg());
		return -ENOTSUP;
	}
	return ign ? 1 : 0;
}

/* A directory entry that is a directory (path[plen..len) its name, [lo, hi) the entries below
 * its parent): read when it holds tracked files, else unless it is ignored or a repository of
 * its own. */
static int gitstats_scan_enter_dir(struct gitstats_scan_reader *rd, int dfd, size_t plen,
				   size_t len, size_t lo, size_t hi)
{
	struct gitstats_scan_walk *s = rd->s;
	char *path = rd->path;
	struct stat st;
	int rc;

	path[len] = '0'; /* the first path after every "dir/..." */
	path[len + 1] = '\0';
	hi = gitstats_scan_lower_bound(s, lo, hi, path, plen);
	path[len] = '/';
	lo = gitstats_scan_lower_bound(s, lo, hi, path, plen);
	if (lo == hi) {
		memcpy(path + len + 1, ".git", 5);
		rc = fstatat(dfd, path + plen, &st, AT_SYMLINK_NOFOLLOW);
		path[len + 1] = '\0';
		if (rc == 0)
			return 0;
		if ((rc = gitstats_scan_ignored(s, path)) != 0)
			return rc < 0 ? rc : 0;
	}
	return gitstats_scan_push(s, path, len + 1, lo, hi);
}

static int gitstats_scan_read_entry(struct gitstats_scan_reader *rd, int dfd, size_t plen,
				    size_t lo, size_t hi, const char *name, unsigned char type)
{
	struct gitstats_scan_walk *s = rd->s;
	char *path = rd->path;
	size_t nlen = strlen(name), len = plen + nlen, at = 0;
	const struct gitstats_scan_entry *e = NULL;
	struct stat st;
	uint32_t mode;
	int rc;

	/* Room for "name/.git" after the prefix. */
	if (len + 6 >= sizeof(rd->path)) {
		gitstats_scan_fail(s, -ENOTSUP, "a path is too long: %.*s%s", (int)plen, path,
				   name);
		return -ENOTSUP;
	}
	memcpy(path + plen, name, nlen + 1);
	if (lo < hi) {
		at = gitstats_scan_lower_bound(s, lo, hi, path, plen);
		if (at < hi && strcmp(s->e[at].path + plen, name) == 0)
			e = &s->e[at];
	}
	if (type == DT_DIR && !e)
		return gitstats_scan_enter_dir(rd, dfd, plen, len, lo, hi);
	if (type == DT_LNK && !e) {
		st.st_mode = S_IFLNK;
	} else if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0; /* gone meanwhile */
		gitstats_scan_fail(s, -ENOTSUP, "cannot stat %s: %s", path, strerror(errno));
		return -ENOTSUP;
	}
	/* A tracked file that is a directory now is gone: its entry stays unseen. */
	if (S_ISDIR(st.st_mode))
		return gitstats_scan_enter_dir(rd, dfd, plen, len, lo, hi);
	mode = gitstats_scan_git_mode(st.st_mode);
	if (e) {
		if (!mode) {
			gitstats_scan_fail(s, -ENOTSUP, "%s is not a file, symlink or directory",
					   path);
			return -ENOTSUP;
		}
		s->seen[at] = true;
		return mode != e->mode || gitstats_scan_stat_dirty(s, e, &st)
			   ? gitstats_scan_add(s, path, e, mode)
			   : 0;
	}
	if (!mode)
		return 0; /* fifos, sockets, devices: git leaves them out */
	if ((rc = gitstats_scan_ignored(s, path)) != 0)
		return rc < 0 ? rc : 0;
	return gitstats_scan_add(s, path, NULL, mode);
}

/* The directory at fd listed into rd->list, "." and ".." left out. */
static int gitstats_scan_list(struct gitstats_scan_reader *rd, int fd, const char *path)
{
	ssize_t got;

	rd->len = 0;
	while ((got = getdents64(fd, rd->dents, GITSTATS_SCAN_DENTS_BUF)) > 0) {
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(rd->dents + off);
			const char *nm = de->d_name;
			size_t n = strlen(nm) + 2;

			off += de->d_reclen;
			if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
				continue;
			if (rd->len + n > rd->cap) {
				size_t cap = rd->cap ? rd->cap * 2 : 4096;
				char *v = realloc(rd->list, cap);

				if (!v) {
					gitstats_scan_fail(rd->s, -ENOMEM, NULL);
					return -ENOMEM;
				}
				rd->list = v;
				rd->cap = cap;
			}
			rd->list[rd->len] = (char)de->d_type;
			memcpy(rd->list + rd->len + 1, nm, n - 1);
			rd->len += n;
		}
	}
	if (got < 0) {
		gitstats_scan_fail(rd->s, -ENOTSUP, "cannot read %s: %s", path, strerror(errno));
		return -ENOTSUP;
	}
	return 0;
}

/* The listing read (or taken from the old list) kept for the next scan. */
static int gitstats_scan_keep(struct gitstats_scan_walk *s, const struct gitstats_scan_job *j,
			      struct gitstats_scan_dir *kept, const struct stat *st,
			      const struct gitstats_scan_reader *rd)
{
	char *path = kept ? kept->path : strndup(j->path, j->plen);
	char *names = kept ? kept->names : malloc(rd->len + 1);
	int rc;

	if (!kept && (!path || !names)) {
		free(path);
		free(names);
		return -ENOMEM;
	}
	if (!kept && rd->len)
		memcpy(names, rd->list, rd->len);
	pthread_mutex_lock(&s->lock);
	rc = gitstats_scan_dirs_add(&s->next, path, st, names, kept ? kept->len : rd->len);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int gitstats_scan_read_dir(struct gitstats_scan_reader *rd,
				  const struct gitstats_scan_job *j)
{
	struct gitstats_scan_walk *s = rd->s;
	struct gitstats_scan_dir *kept = NULL;
	const char *names;
	size_t len;
	struct stat st;
	int fd, rc = 0;

	memcpy(rd->path, j->path, j->plen + 1);
	fd = j->plen ? openat(s->root, j->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		     : dup(s->root);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return 0; /* changed under us: git would not see it either */
		gitstats_scan_fail(s, -ENOTSUP, "cannot open %s: %s", j->path, strerror(errno));
		return -ENOTSUP;
	}
	/* Its stat data before its entries: a change while they are read shows next time. */
	if (s->old && fstat(fd, &st) < 0) {
		gitstats_scan_fail(s, -ENOTSUP, "cannot stat %s: %s", j->path, strerror(errno));
		close(fd);
		return -ENOTSUP;
	}
	if (s->old) { /* found and taken at once: a path listed twice is read twice */
		pthread_mutex_lock(&s->lock);
		if ((kept = gitstats_scan_dirs_find(s->old, j->path, &st)))
			kept->taken = true;
		s->out->dirs_read += !kept;
		s->out->dirs_kept += kept != NULL;
		pthread_mutex_unlock(&s->lock);
	}
	if (kept) {
		names = kept->names;
		len = kept->len;
	} else {
		rc = gitstats_scan_list(rd, fd, j->path);
		names = rd->list;
		len = rd->len;
	}
	for (size_t off = 0; rc == 0 && off < len;) {
		unsigned char type = (unsigned char)names[off];
		const char *nm = names + off + 1;

		off += strlen(nm) + 2;
		if (nm[0] == '.' && strcmp(nm, ".git") == 0)
			continue;
		if (nm[0] == '.' && strcmp(nm, ".gitattributes") == 0) {
			pthread_mutex_lock(&s->lock);
			s->out->attributes = true;
			pthread_mutex_unlock(&s->lock);
		}
		rc = gitstats_scan_read_entry(rd, fd, j->plen, j->lo, j->hi, nm, type);
		rd->path[j->plen] = '\0';
	}
	/* A listing taken is carried on whatever happened to its entries: it is still true. */
	if (kept || (rc == 0 && s->old && st.st_dev == s->root_dev &&
		     gitstats_scan_dirs_keepable(s->old, &st, s->start_ns))) {
		int krc = gitstats_scan_keep(s, j, kept, &st, rd);

		rc = rc ? rc : krc;
	}
	close(fd);
	return rc;
}

static void *gitstats_scan_reader_main(void *arg)
{
	struct gitstats_scan_reader rd = {.s = arg};
	struct gitstats_scan_walk *s = rd.s;

	rd.dents = malloc(GITSTATS_SCAN_DENTS_BUF);
	if (!rd.dents)
		gitstats_scan_fail(s, -ENOMEM, NULL);
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct gitstats_scan_job j;
		int rc;

		while (!s->rc && !s->njobs && s->busy)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->rc || !s->njobs)
			break;
		j = s->jobs[--s->njobs];
		s->busy++;
		pthread_mutex_unlock(&s->lock);
		rc = gitstats_scan_read_dir(&rd, &j);
		free(j.path);
		if (rc < 0)
			gitstats_scan_fail(s, rc, NULL);
		pthread_mutex_lock(&s->lock);
		s->busy--;
	}
	/* Done, or failed: wake the others to see it. */
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	free(rd.dents);
	free(rd.list);
	return NULL;
}

/* What this scanner does not model is left to libgit2's walk. */
static int gitstats_scan_check_config(struct gitstats_scan_walk *s)
{
	static const struct {
		const char *name;
		int normal;
	} keys[] = {
	    {"core.filemode", 1},
	    {"core.symlinks", 1},
	    {"core.ignorecase", 0},
	    {"core.precomposeunicode", 0},
	};
	git_config *cfg = NULL;
	int rc = 0;

	if (git_repository_config_snapshot(&cfg, s->repo) < 0) {
		git_error_clear();
		return gitstats_scan_unsupported(s, "cannot read the configuration");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && rc == 0; i++) {
		int v = keys[i].normal;

		if (git_config_get_bool(&v, cfg, keys[i].name) < 0)
			v = keys[i].normal;
		if (v != keys[i].normal)
			rc = gitstats_scan_unsupported(s, "%s is %s", keys[i].name,
						       v ? "true" : "false");
	}
	git_config_free(cfg);
	git_error_clear();
	return rc;
}

/* What both scans do first: the lock (always), the worktree and config checks, the entries. */
static int gitstats_scan_begin(struct gitstats_scan_walk *s, const struct gitstats_scan_index *idx,
			       const char *wd)
{
	int rc;

	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (!wd)
		return gitstats_scan_unsupported(s, "no worktree");
	if ((rc = gitstats_scan_check_config(s)) < 0)
		return rc;
	s->racy = idx->racy;
	git_oid_fromstr(&s->empty, GITSTATS_SCAN_EMPTY_BLOB);
	s->e = idx->v;
	s->n = idx->n;
	return 0;
}

int gitstats_scan_run(git_repository *repo, const struct gitstats_scan_index *idx,
		      struct gitstats_scan_dirs *dirs, struct gitstats_scan *out, char *why,
		      size_t whyn)
{
	struct gitstats_scan_walk s = {
	    .repo = repo, .out = out, .why = why, .whyn = whyn, .root = -1, .old = dirs};
	const char *wd = git_repository_workdir(repo);
	pthread_t helper[GITSTATS_SCAN_THREADS - 1];
	size_t nhelpers = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = gitstats_scan_begin(&s, idx, wd)) < 0)
		goto out;
	s.seen = calloc(s.n + 1, sizeof(*s.seen));
	if (!s.seen) {
		rc = -ENOMEM;
		goto out;
	}
	s.root = open(wd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.root < 0) {
		rc = gitstats_scan_unsupported(&s, "cannot open %s: %s", wd, strerror(errno));
		goto out;
	}
	if (dirs && !gitstats_scan_dirs_trusted(s.root, &s.root_dev))
		s.old = NULL; /* and the listings kept are dropped */
	if (s.old)
		s.start_ns = time_wall_ns();
	if ((rc = gitstats_scan_push(&s, "", 0, 0, s.n)) < 0)
		goto out;
	for (size_t i = 0; s.n >= GITSTATS_SCAN_THREADED && i < GITSTATS_SCAN_THREADS - 1; i++)
		if (pthread_create(&helper[nhelpers], NULL, gitstats_scan_reader_main, &s) == 0)
			nhelpers++;
	out->readers = 1 + (unsigned)nhelpers;
	gitstats_scan_reader_main(&s);
	for (size_t i = 0; i < nhelpers; i++)
		pthread_join(helper[i], NULL);
	rc = s.rc;
	/* Entries no directory listed are gone. */
	for (size_t i = 0; i < s.n && rc == 0; i++)
		if (!s.seen[i])
			rc = gitstats_scan_add(&s, s.e[i].path, &s.e[i], 0);
out:
	for (size_t i = 0; i < s.njobs; i++)
		free(s.jobs[i].path);
	free(s.jobs);
	if (s.root >= 0)
		close(s.root);
	free(s.seen);
	if (dirs) {
		gitstats_scan_dirs_replace(dirs, &s.next);
		dirs->last_read = out->dirs_read;
		dirs->last_kept = out->dirs_kept;
	}
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	if (rc < 0)
		gitstats_scan_finish(out);
	return rc;
}

void gitstats_scan_finish(struct gitstats_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct gitstats_scan_stage {
	git_repository *repo;
	const struct gitstats_scan_index *idx;
	bool *matched;
	struct gitstats_scan *out;
	char path[PATH_MAX];
};

static int gitstats_scan_staged_add(struct gitstats_scan_stage *t, const char *path,
				    const struct gitstats_scan_entry *e, uint32_t mode,
				    const git_oid *id)
{
	struct gitstats_scan *o = t->out;
	struct gitstats_scan_change *v;
	char *p;

	v = array_grow(o->v, &o->cap, o->n, sizeof(*v), 64);
	if (!v)
		return -ENOMEM;
	o->v = v;
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	o->v[o->n] = (struct gitstats_scan_change){.path = p, .entry = e, .mode = mode};
	if (id)
		o->v[o->n].id = *id;
	o->n++;
	return 0;
}

static size_t gitstats_scan_idx_lower_bound(const struct gitstats_scan_index *x, size_t lo,
					    size_t hi, const char *key)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(x->v[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The cache tree says the entries under path make exactly this tree. */
static bool gitstats_scan_ctree_same(const struct gitstats_scan_index *x, const char *path,
				     size_t nentries, const git_oid *id)
{
	const struct gitstats_scan_ctree *c = gitstats_scan_index_ctree(x, path);

	return c && c->count >= 0 && (size_t)c->count == nentries && git_oid_equal(&c->id, id);
}

/* The tree at path[0..plen) (empty or ending in '/') against the index entries [lo, hi). */
static int gitstats_scan_staged_tree(struct gitstats_scan_stage *t, const git_tree *tree,
				     size_t plen, size_t lo, size_t hi)
{
	size_t n = git_tree_entrycount(tree);

	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(te);
		size_t len = plen + strlen(name);
		uint32_t mode = (uint32_t)git_tree_entry_filemode(te);
		int rc;

		if (len + 2 >= sizeof(t->path))
			return -ENAMETOOLONG;
		memcpy(t->path + plen, name, len - plen + 1);
		if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
			git_tree *sub = NULL;
			size_t slo, shi;

			t->path[len] = '0';
			t->path[len + 1] = '\0';
			shi = gitstats_scan_idx_lower_bound(t->idx, lo, hi, t->path);
			t->path[len] = '/';
			slo = gitstats_scan_idx_lower_bound(t->idx, lo, shi, t->path);
			t->path[len] = '\0';
			if (slo < shi && gitstats_scan_ctree_same(t->idx, t->path, shi - slo,
								  git_tree_entry_id(te))) {
				memset(t->matched + slo, 1, shi - slo);
				continue;
			}
			if (git_tree_lookup(&sub, t->repo, git_tree_entry_id(te)) < 0)
				return -EIO;
			t->path[len] = '/';
			t->path[len + 1] = '\0';
			rc = gitstats_scan_staged_tree(t, sub, len + 1, slo, shi);
			git_tree_free(sub);
		} else {
			size_t at = gitstats_scan_idx_lower_bound(t->idx, lo, hi, t->path);
			const struct gitstats_scan_entry *e = NULL;

			if (at < hi && strcmp(t->idx->v[at].path, t->path) == 0) {
				e = &t->idx->v[at];
				t->matched[at] = true;
				if (e->mode == mode && git_oid_equal(&e->id, git_tree_entry_id(te)))
					continue;
			}
			rc = gitstats_scan_staged_add(t, t->path, e, mode, git_tree_entry_id(te));
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int gitstats_scan_staged(git_repository *repo, const git_tree *tree,
			 const struct gitstats_scan_index *idx, struct gitstats_scan *out,
			 char *why, size_t whyn)
{
	struct gitstats_scan_stage t = {.repo = repo, .idx = idx, .out = out};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	t.matched = calloc(idx->n + 1, sizeof(*t.matched));
	if (!t.matched)
		return -ENOMEM;
	if (tree && !(idx->n && gitstats_scan_ctree_same(idx, "", idx->n, git_tree_id(tree))))
		rc = gitstats_scan_staged_tree(&t, tree, 0, 0, idx->n);
	else if (tree)
		memset(t.matched, 1, idx->n);
	if (rc == -EIO) {
		snprintf(why, whyn, "cannot read a tree: %s", gitstats_int_lg2msg());
	} else if (rc == -ENAMETOOLONG) {
		snprintf(why, whyn, "a path is too long");
	}
	/* Entries the tree does not have were added. */
	for (size_t i = 0; i < idx->n && rc == 0; i++)
		if (!t.matched[i])
			rc = gitstats_scan_staged_add(&t, idx->v[i].path, &idx->v[i], 0, NULL);
	free(t.matched);
	if (rc < 0)
		gitstats_scan_finish(out);
	return rc;
}

/* Scoped: the same answers as gitstats_scan_staged and gitstats_scan_run, for the given paths. */
struct gitstats_scan_one {
	struct gitstats_scan_walk *s; /* the unstaged side's output, the ignore lookups */
	const git_tree *tree;
	const struct gitstats_scan_index *idx;
	struct gitstats_scan_stage st; /* the staged side's output */
};

/* Is there an index entry below dir (path[0..len), no slash)? */
static bool gitstats_scan_one_tracked_below(const struct gitstats_scan_index *idx, char *path,
					    size_t len)
{
	char save = path[len], save1 = path[len + 1];
	size_t at;

	path[len] = '/';
	path[len + 1] = '\0';
	at = gitstats_scan_idx_lower_bound(idx, 0, idx->n, path);
	path[len] = save;
	path[len + 1] = save1;
	return at < idx->n && strncmp(idx->v[at].path, path, len) == 0 &&
	       idx->v[at].path[len] == '/';
}

/*
 * Whether the scan reaches path through its directories: each a real directory, not named
 * .git, and (where no tracked file is below it) neither a repository of its own nor ignored.
 * 1 yes, 0 no (the file is not seen), <0 an error.
 */
static int gitstats_scan_one_reachable(struct gitstats_scan_one *o, const char *path)
{
	char buf[PATH_MAX];
	size_t plen = strlen(path), base = 0;
	struct stat st;
	int rc;

	if (plen + 6 >= sizeof(buf))
		return gitstats_scan_unsupported(o->s, "a path is too long: %s", path);
	memcpy(buf, path, plen + 1);
	for (size_t k = 0; k < plen; k++) {
		if (buf[k] != '/')
			continue;
		buf[k] = '\0';
		if (strcmp(buf + base, ".git") == 0 ||
		    fstatat(o->s->root, buf, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			return 0;
		if (!gitstats_scan_one_tracked_below(o->idx, buf, k)) {
			memcpy(buf + k, "/.git", 6);
			if (fstatat(o->s->root, buf, &st, AT_SYMLINK_NOFOLLOW) == 0)
				return 0;
			buf[k + 1] = '\0';
			if ((rc = gitstats_scan_ignored(o->s, buf)) != 0)
				return rc < 0 ? rc : 0;
		}
		memcpy(buf, path, plen + 1);
		base = k + 1;
	}
	return 1;
}

static int gitstats_scan_one(struct gitstats_scan_one *o, const char *path)
{
	struct gitstats_scan_walk *s = o->s;
	size_t at = gitstats_scan_idx_lower_bound(o->idx, 0, o->idx->n, path);
	const struct gitstats_scan_entry *e =
	    at < o->idx->n && strcmp(o->idx->v[at].path, path) == 0 ? &o->idx->v[at] : NULL;
	git_tree_entry *te = NULL;
	struct stat st;
	uint32_t mode;
	int rc;

	/* Staged: the tree's file at path against the index entry. */
	if (o->tree && git_tree_entry_bypath(&te, o->tree, path) == 0 &&
	    git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		git_tree_entry_free(te);
		te = NULL;
	}
	git_error_clear();
	if (te) {
		uint32_t tmode = (uint32_t)git_tree_entry_filemode(te);

		rc = e && e->mode == tmode && git_oid_equal(&e->id, git_tree_entry_id(te))
			 ? 0
			 : gitstats_scan_staged_add(&o->st, path, e, tmode, git_tree_entry_id(te));
		git_tree_entry_free(te);
		if (rc < 0)
			return rc;
	} else if (e && (rc = gitstats_scan_staged_add(&o->st, path, e, 0, NULL)) < 0) {
		return rc;
	}
	/* Unstaged: the index entry (or none) against the worktree, as gitstats_scan_read_entry. */
	if (strcmp(strrchr(path, '/') ? strrchr(path, '/') + 1 : path, ".git") == 0)
		return 0;
	rc = gitstats_scan_one_reachable(o, path);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return e ? gitstats_scan_add(s, path, e, 0) : 0;
	if (fstatat(s->root, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return e ? gitstats_scan_add(s, path, e, 0) : 0;
		return gitstats_scan_unsupported(s, "cannot stat %s: %s", path, strerror(errno));
	}
	/* A directory now: a tracked file there is gone; what is inside was touched itself. */
	if (S_ISDIR(st.st_mode))
		return e ? gitstats_scan_add(s, path, e, 0) : 0;
	mode = gitstats_scan_git_mode(st.st_mode);
	if (e) {
		if (!mode)
			return gitstats_scan_unsupported(
			    s, "%s is not a file, symlink or directory", path);
		return mode != e->mode || gitstats_scan_stat_dirty(s, e, &st)
			   ? gitstats_scan_add(s, path, e, mode)
			   : 0;
	}
	if (!mode)
		return 0;
	if ((rc = gitstats_scan_ignored(s, path)) != 0)
		return rc < 0 ? rc : 0;
	return gitstats_scan_add(s, path, NULL, mode);
}

int gitstats_scan_paths(git_repository *repo, const git_tree *tree,
			const struct gitstats_scan_index *idx, const char *const *paths,
			size_t npaths, struct gitstats_scan *staged, struct gitstats_scan *unstaged,
			char *why, size_t whyn)
{
	struct gitstats_scan_walk s = {
	    .repo = repo, .out = unstaged, .why = why, .whyn = whyn, .root = -1};
	struct gitstats_scan_one o = {.s = &s, .tree = tree, .idx = idx};
	const char *wd = git_repository_workdir(repo);
	int rc = 0;

	memset(staged, 0, sizeof(*staged));
	memset(unstaged, 0, sizeof(*unstaged));
	o.st = (struct gitstats_scan_stage){.repo = repo, .idx = idx, .out = staged};
	if ((rc = gitstats_scan_begin(&s, idx, wd)) < 0)
		goto out;
	s.root = open(wd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.root < 0) {
		rc = gitstats_scan_unsupported(&s, "cannot open %s: %s", wd, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < npaths && rc == 0; i++)
		if (*paths[i] && paths[i][0] != '/')
			rc = gitstats_scan_one(&o, paths[i]);
	if (rc == 0)
		rc = s.rc;
out:
	if (s.root >= 0)
		close(s.root);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	if (rc < 0) {
		gitstats_scan_finish(staged);
		gitstats_scan_finish(unstaged);
	}
	return rc;
}
