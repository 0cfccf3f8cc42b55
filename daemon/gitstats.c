#include "gitstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gitstats_gitproc.h"
#include "gitstats_graph.h"
#include "gitstats_headlog.h"
#include "gitstats_keep.h"
#include "gitstats_lg2.h"
#include "gitstats_reflog.h"
#include "gitstats_run.h"
#include "gitstats_scan.h"
#include "log.h"
#include "record.h"
#include "timeutil.h"

static int gitstats_baseline_with(struct gitstats_ctx *c, struct gitstats_baseline *out)
{
	struct gitstats_head h = {0};
	struct gitstats_tiplist tips = {0};
	int rc;

	if ((rc = c->be->head_tips(c, &h, &tips)) < 0)
		goto out;
	for (size_t i = 0; i < tips.n; i++) {
		struct gitstats_reflog l;

		if ((rc = gitstats_reflog_read(c, tips.v[i].ref, &l)) < 0) {
			gitstats_int_seterr(c->err, c->errn, "cannot read the reflog of %s: %s",
					    tips.v[i].ref, strerror(-rc));
			goto out;
		}
		tips.v[i].reflog = l.n;
		/* The last entry's time marks the start should the log be rewritten later. */
		tips.v[i].reflog_time = l.n ? l.v[l.n - 1].time : 0;
		gitstats_reflog_free(&l);
	}
	if ((rc = c->be->snapshot(c, out->tree, sizeof(out->tree))) < 0)
		goto out;
	snprintf(out->head, sizeof(out->head), "%s", h.oid);
	out->branch = h.branch;
	h.branch = NULL;
	out->tips = tips.v;
	out->ntips = tips.n;
	memset(&tips, 0, sizeof(tips));
	out->fallback = c->be->fallback;
out:
	free(h.branch);
	gitstats_int_tiplist_free(&tips);
	return rc;
}

static char *gitstats_rel_exclude(const char *root, const char *ex)
{
	char real[PATH_MAX], rroot[PATH_MAX], *rel;
	size_t n;

	if (!ex || !*ex)
		return NULL;
	if (ex[0] == '/') {
		const char *abs = realpath(ex, real) ? real : ex;
		const char *r = realpath(root, rroot) ? rroot : root;

		n = strlen(r);
		while (n > 1 && r[n - 1] == '/')
			n--;
		if (strncmp(abs, r, n) != 0 || abs[n] != '/')
			return NULL;
		ex = abs + n + 1;
	}
	while (ex[0] == '.' && ex[1] == '/')
		ex += 2;
	rel = strdup(ex);
	if (rel)
		gitstats_int_strip_slash(rel);
	if (rel && (!*rel || strcmp(rel, ".") == 0 || strcmp(rel, "/") == 0)) {
		free(rel);
		rel = NULL;
	}
	return rel;
}

static int gitstats_baseline_op(struct gitstats_ctx *c, void *arg)
{
	return gitstats_baseline_with(c, arg);
}

static void gitstats_baseline_reset(void *arg)
{
	gitstats_baseline_finish(arg);
}

int gitstats_baseline(const char *root, struct gitstats_baseline *out, char *err, size_t errn)
{
	static const struct gitstats_op op = {gitstats_baseline_op, gitstats_baseline_reset, 0};
	struct gitstats_ctx c = {.root = root};

	memset(out, 0, sizeof(*out));
	return gitstats_run_op(&c, &op, out, err, errn);
}

static int gitstats_locate_op(struct gitstats_ctx *c, void *arg)
{
	struct gitstats_tiplist tips = {0};
	int rc = c->be->head_tips(c, arg, &tips);

	gitstats_int_tiplist_free(&tips);
	return rc;
}

static void gitstats_locate_reset(void *arg)
{
	struct gitstats_head *h = arg;

	free(h->branch);
	memset(h, 0, sizeof(*h));
}

/* git's one line of output, without its newline: a new string, NULL when git failed. */
static char *gitstats_locate_ask(const char *dir, const char *const *args, char *err, size_t errn)
{
	struct gitstats_gitproc r = {0};
	char *line = NULL;
	int rc = gitstats_gitproc_run(dir, args, &r);

	if (rc < 0)
		gitstats_int_seterr(err, errn, "cannot run git %s: %s", args[0], strerror(-rc));
	else if (r.status != 0)
		gitstats_int_seterr(err, errn, "git %s failed: %s", args[0],
				    r.errmsg[0] ? r.errmsg : "no message");
	else if ((line = strndup(r.out.p ? r.out.p : "", r.out.n)) != NULL)
		line[strcspn(line, "\n")] = '\0';
	gitstats_gitproc_free(&r);
	return line;
}

int gitstats_locate(const char *dir, char **root, char **branch, char *head, size_t headn,
		    char **author, char *err, size_t errn)
{
	static const char *const toplevel[] = {"rev-parse", "--show-toplevel", NULL};
	static const char *const name[] = {"config", "user.name", NULL};
	static const struct gitstats_op op = {gitstats_locate_op, gitstats_locate_reset, 0};
	struct gitstats_head h = {0};
	struct gitstats_ctx c = {0};
	char why[256];
	int rc;

	*root = *branch = *author = NULL;
	head[0] = '\0';
	*root = gitstats_locate_ask(dir, toplevel, err, errn);
	if (!*root || !**root) {
		free(*root);
		*root = NULL;
		return -ENOENT;
	}
	c.root = *root;
	if ((rc = gitstats_run_op(&c, &op, &h, err, errn)) < 0) {
		free(*root);
		*root = NULL;
		return rc;
	}
	*branch = h.branch;
	snprintf(head, headn, "%s", h.oid);
	*author = gitstats_locate_ask(*root, name, why, sizeof(why));
	if (*author && !**author) {
		free(*author);
		*author = NULL;
	}
	return 0;
}

void gitstats_baseline_finish(struct gitstats_baseline *base)
{
	if (!base)
		return;
	free(base->branch);
	free(base->kept);
	for (size_t i = 0; i < base->ntips; i++)
		free(base->tips[i].ref);
	free(base->tips);
	memset(base, 0, sizeof(*base));
}

/* The worktree's changes into out: sorted, summed; out takes the list. */
static void gitstats_take_files(struct gitstats *out, struct gitstats_flist *files)
{
	if (files->n)
		qsort(files->v, files->n, sizeof(files->v[0]), gitstats_int_file_cmp);
	for (size_t i = 0; i < files->n; i++) {
		out->added += files->v[i].added;
		out->removed += files->v[i].removed;
	}
	out->files = files->v;
	out->nfiles = files->n;
}

/* The worktree's changes since effective: sorted, summed. */
static int gitstats_compute_files(struct gitstats_ctx *c, const char *effective,
				  struct gitstats *out)
{
	struct gitstats_flist files = {0};
	int rc;

	if ((rc = c->be->worktree(c, effective, &files)) < 0) {
		gitstats_int_flist_free(&files);
		return rc;
	}
	gitstats_take_files(out, &files);
	return 0;
}

/*
 * A commit that changed only files under the excluded directory (stint's logs) is not the user's
 * work: it leaves the list and the count. A merge, or a commit that changed nothing, stays.
 */
static int gitstats_compute_drop_excluded(struct gitstats *out, struct gitstats_omap *dropped)
{
	size_t keep = 0;
	int rc = 0;

	for (size_t i = 0; i < out->ncommits; i++) {
		struct gitstats_commit *cm = &out->commits[i];

		if (!cm->merge && cm->files == 0 && cm->files_excluded > 0) {
			/* HEAD's reflog must not tell it either (gitstats_headlog). */
			if (gitstats_int_omap_put(dropped, cm->oid, 0) < 0)
				rc = -ENOMEM;
			free(cm->subject);
			free(cm->author);
			out->commits_total--;
			continue;
		}
		out->commits[keep++] = *cm;
	}
	out->ncommits = keep;
	return rc;
}

/* The session's own commits (listed with their stats) and the pulled ones, newest first. */
static int gitstats_compute_commits(struct gitstats_ctx *c, struct gitstats_history *hs,
				    struct gitstats *out)
{
	const struct gitstats_cgraph *g = &hs->g, *hg = &hs->hg;
	size_t *own = calloc(g->n + 1, sizeof(*own)), nown = 0;
	int rc;

	out->pulled = calloc(g->n + hs->nold + 1, sizeof(*out->pulled));
	if (!own || !out->pulled) {
		free(own);
		return -ENOMEM;
	}
	for (size_t i = 0; i < g->n; i++) {
		if (!g->v[i].pulled) {
			out->commits_total++;
			if (nown < GITSTATS_MAX_LISTED)
				own[nown++] = i;
		} else {
			if (out->npulled < GITSTATS_MAX_LISTED)
				memcpy(out->pulled[out->npulled++], g->v[i].oid,
				       sizeof(out->pulled[0]));
			out->pulled_total++;
		}
	}
	for (size_t i = 0; i < hg->n; i++) {
		if (!hg->v[i].old || !hg->v[i].pulled)
			continue;
		if (out->npulled < GITSTATS_MAX_LISTED)
			memcpy(out->pulled[out->npulled++], hg->v[i].oid, sizeof(out->pulled[0]));
		out->pulled_total++;
	}
	out->commits = calloc(nown + 1, sizeof(*out->commits));
	if (!out->commits) {
		free(own);
		return -ENOMEM;
	}
	out->ncommits = nown;
	rc = c->be->commits(c, g, own, nown, out->commits, NULL);
	free(own);
	if (rc == 0)
		rc = gitstats_compute_drop_excluded(out, &hs->dropped);
	return rc;
}

/* The index file's stat data, before anything reads it (libgit2 only). */
static void gitstats_stamp_index(const struct gitstats_ctx *c, struct gitstats_stamp *st)
{
	char path[PATH_MAX + 16];
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (!c->repo || (size_t)snprintf(path, sizeof(path), "%s/index", c->gitdir) >= sizeof(path))
		return;
	if (stat(path, &sb) < 0) {
		st->valid = errno == ENOENT;
		return;
	}
	st->valid = st->index = true;
	st->ino = (uint64_t)sb.st_ino;
	st->size = (uint64_t)sb.st_size;
	st->mtime_ns = time_ts_ns(&sb.st_mtim);
	st->ctime_ns = time_ts_ns(&sb.st_ctim);
}

static int gitstats_compute_with(struct gitstats_ctx *c, const struct gitstats_baseline *base,
				 struct gitstats *out)
{
	struct gitstats_head h = {0};
	struct gitstats_tiplist now = {0};
	struct gitstats_history hs = {0};
	char effective[GITSTATS_OID_MAX + 1];
	struct gitstats_stamp stamp;
	int rc;

	gitstats_stamp_index(c, &stamp);
	if ((rc = c->be->head_tips(c, &h, &now)) < 0 ||
	    (rc = gitstats_graph_history(c, base, &h, &now, &hs)) < 0 ||
	    (rc = gitstats_graph_effective(c, base, &hs, effective, sizeof(effective))) < 0 ||
	    (rc = gitstats_compute_files(c, effective, out)) < 0 ||
	    (rc = gitstats_compute_commits(c, &hs, out)) < 0 ||
	    (rc = gitstats_headlog(c, base, &h, &now, &hs, out)) < 0)
		goto out;
	snprintf(out->head, sizeof(out->head), "%s", h.oid);
	snprintf(out->measured_from, sizeof(out->measured_from), "%s", effective);
	snprintf(stamp.head, sizeof(stamp.head), "%s", h.oid);
	out->stamp = stamp;
	out->branch = h.branch;
	h.branch = NULL;
	out->fallback = c->be->fallback;
out:
	free(h.branch);
	gitstats_int_tiplist_free(&now);
	gitstats_graph_history_free(&hs);
	return rc;
}

struct gitstats_compute_arg {
	const struct gitstats_baseline *base;
	struct gitstats *out;
};

static int gitstats_compute_op(struct gitstats_ctx *c, void *arg)
{
	struct gitstats_compute_arg *a = arg;

	return gitstats_compute_with(c, a->base, a->out);
}

static void gitstats_compute_reset(void *arg)
{
	gitstats_finish(((struct gitstats_compute_arg *)arg)->out);
}

int gitstats_compute(const char *root, const struct gitstats_baseline *base,
		     const char *exclude_dir, struct gitstats *out, char *err, size_t errn)
{
	return gitstats_compute_cached(root, base, exclude_dir, NULL, out, err, errn);
}

int gitstats_compute_cached(const char *root, const struct gitstats_baseline *base,
			    const char *exclude_dir, struct gitstats_cache *cache,
			    struct gitstats *out, char *err, size_t errn)
{
	/* A snapshot that is gone is gone for git too; anything else git may still read. */
	static const struct gitstats_op op = {gitstats_compute_op, gitstats_compute_reset, -ENOENT};
	struct gitstats_compute_arg a = {base, out};
	/* The base gives each commit its session part. */
	struct gitstats_ctx c = {.root = root, .base = base, .cache = cache};
	int rc;

	memset(out, 0, sizeof(*out));
	if (cache) /* a compute that reads no directory (git's fallback) says so */
		cache->dirs.last_read = cache->dirs.last_kept = 0;
	if (!base || !gitstats_int_is_hex_oid(base->tree)) {
		gitstats_int_seterr(err, errn, "no baseline snapshot for %s", root);
		return -EINVAL;
	}
	c.exclude = gitstats_rel_exclude(root, exclude_dir);
	rc = gitstats_run_op(&c, &op, &a, err, errn);
	free(c.exclude);
	return rc;
}

static bool gitstats_stamp_same(const struct gitstats_stamp *a, const struct gitstats_stamp *b)
{
	return a->valid && b->valid && a->index == b->index && a->ino == b->ino &&
	       a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
	       strcmp(a->head, b->head) == 0;
}

static int gitstats_compute_paths_with(struct gitstats_ctx *c, const struct gitstats_stamp *then,
				       const char *from, const char *const *paths, size_t npaths,
				       struct gitstats *out)
{
	struct gitstats_flist files = {0};
	struct gitstats_stamp now;
	git_oid head;
	int rc;

	gitstats_stamp_index(c, &now);
	if (git_reference_name_to_id(&head, c->repo, "HEAD") == 0)
		git_oid_tostr(now.head, sizeof(now.head), &head);
	git_error_clear();
	if (!gitstats_stamp_same(then, &now)) {
		gitstats_int_seterr(c->err, c->errn, "the index or HEAD changed");
		return -ESTALE;
	}
	if ((rc = gitstats_lg2_worktree_paths(c, from, paths, npaths, &files)) < 0) {
		gitstats_int_flist_free(&files);
		return rc;
	}
	gitstats_take_files(out, &files);
	out->stamp = now;
	snprintf(out->measured_from, sizeof(out->measured_from), "%s", from);
	return 0;
}

int gitstats_compute_paths(const char *root, const struct gitstats_baseline *base,
			   const char *exclude_dir, const struct gitstats_stamp *then,
			   const char *from, const char *const *paths, size_t npaths,
			   struct gitstats_cache *cache, struct gitstats *out, char *err,
			   size_t errn)
{
	char why[512] = "";
	struct gitstats_ctx c = {
	    .root = root, .base = base, .err = why, .errn = sizeof(why), .cache = cache};
	int rc;

	memset(out, 0, sizeof(*out));
	if (!base || !then || !then->valid || !from || !gitstats_int_is_hex_oid(from)) {
		gitstats_int_seterr(err, errn, "no full compute to go on");
		return -ESTALE;
	}
	c.exclude = gitstats_rel_exclude(root, exclude_dir);
	c.be = &gitstats_lg2_backend;
	rc = c.be->open(&c);
	if (rc == 0)
		rc = gitstats_compute_paths_with(&c, then, from, paths, npaths, out);
	if (rc < 0) {
		gitstats_int_seterr(err, errn, "%s", rc == -ENOMEM ? "out of memory" : why);
		gitstats_finish(out);
	}
	c.be->close(&c);
	free(c.exclude);
	return rc;
}

struct gitstats_cache *gitstats_cache_create(void)
{
	return calloc(1, sizeof(struct gitstats_cache));
}

void gitstats_cache_drop(struct gitstats_cache *cache)
{
	if (!cache)
		return;
	gitstats_scan_dirs_finish(&cache->dirs);
	gitstats_scan_index_finish(&cache->idx);
	cache->valid = false;
}

void gitstats_cache_destroy(struct gitstats_cache *cache)
{
	gitstats_cache_drop(cache);
	free(cache);
}

void gitstats_cache_last_scan(const struct gitstats_cache *cache, size_t *read, size_t *kept)
{
	*read = cache ? cache->dirs.last_read : 0;
	*kept = cache ? cache->dirs.last_kept : 0;
}

/* Each ref of cur as its reflog had it at c->until_ms: where it pointed, its entries, the time of
 * the newest; a ref whose log had nothing yet (made later, or its log expired) is left out. */
static int gitstats_range_tips(struct gitstats_ctx *c, const struct gitstats_tiplist *cur,
			       struct gitstats_tiplist *out)
{
	int rc = 0;

	for (size_t i = 0; i < cur->n && rc == 0; i++) {
		struct gitstats_reflog l;
		const struct gitstats_rlentry *last;

		if ((rc = gitstats_reflog_read(c, cur->v[i].ref, &l)) < 0) {
			gitstats_int_seterr(c->err, c->errn, "cannot read the reflog of %s: %s",
					    cur->v[i].ref, strerror(-rc));
			return rc;
		}
		last = l.n ? &l.v[l.n - 1] : NULL;
		if (last && gitstats_int_is_hex_oid(last->oid) &&
		    strspn(last->oid, "0") != strlen(last->oid) &&
		    (rc = gitstats_int_tiplist_add(out, cur->v[i].ref, last->oid)) == 0) {
			out->v[out->n - 1].reflog = l.n;
			out->v[out->n - 1].reflog_time = last->time;
		}
		gitstats_reflog_free(&l);
	}
	return rc;
}

static bool gitstats_range_is_branch(const struct gitstats_tiplist *cur, const char *name)
{
	char ref[PATH_MAX];

	snprintf(ref, sizeof(ref), "refs/heads/%s", name);
	for (size_t i = 1; i < cur->n; i++)
		if (strcmp(cur->v[i].ref, ref) == 0)
			return true;
	return false;
}

/*
 * The branch at end_ms from HEAD's whole reflog: where the last switch before then went, else
 * where the first switch after it came from, else (no switch at all) HEAD's branch now. A name
 * that is no local branch now (`git checkout abc1234`, `HEAD~2`) reads "detached at abc1234".
 */
static char *gitstats_range_branch(const struct gitstats_reflog *l, int64_t end_ms,
				   const struct gitstats_head *h,
				   const struct gitstats_tiplist *cur)
{
	char buf[GITSTATS_OID_MAX + 32], *from = NULL, *to = NULL, *name = NULL;
	const char *oid = NULL;

	for (size_t k = l->n; k > 0 && !name; k--) {
		const struct gitstats_rlentry *e = &l->v[k - 1];

		if (e->time * 1000 < end_ms && gitstats_reflog_switch(e->msg, &from, &to, NULL)) {
			name = to;
			oid = e->oid;
			to = NULL;
			free(from);
		}
	}
	for (size_t k = 0; k < l->n && !name; k++) {
		const struct gitstats_rlentry *e = &l->v[k];

		if (e->time * 1000 >= end_ms && gitstats_reflog_switch(e->msg, &from, &to, NULL)) {
			name = from;
			oid = e->old;
			from = NULL;
			free(to);
		}
	}
	if (!name)
		return strdup(h->branch ? h->branch : "");
	if (gitstats_range_is_branch(cur, name) || strspn(oid, "0") == strlen(oid))
		return name;
	free(name);
	gitstats_int_branch_name(buf, sizeof(buf), NULL, oid);
	return strdup(buf);
}

struct gitstats_range_arg {
	int64_t start_ms, end_ms;
	struct gitstats *out;
	char *why; /* the caller's err: a reason survives gitstats_run_op only here */
	size_t whyn;
};

/* 1 with the reason in a->why when HEAD's reflog has nothing before the start. */
static int gitstats_range_covered(struct gitstats_range_arg *a, const struct gitstats_reflog *all,
				  const struct gitstats_tiplist *at_start)
{
	char when[40];

	if (at_start->n && strcmp(at_start->v[0].ref, "HEAD") == 0)
		return 0;
	if (!all->n) {
		gitstats_int_seterr(a->why, a->whyn,
				    "HEAD's reflog is empty (expired, or reflogs are off)");
		return 1;
	}
	time_format_rfc3339(all->v[0].time * 1000, when, sizeof(when));
	gitstats_int_seterr(a->why, a->whyn, "the reflog starts at %s, after the session's start",
			    when);
	return 1;
}

static int gitstats_range_with(struct gitstats_ctx *c, struct gitstats_range_arg *a)
{
	struct gitstats_head cur = {0}, h = {0};
	struct gitstats_tiplist tips = {0}, at_end = {0};
	struct gitstats_baseline base = {0};
	struct gitstats_history hs = {0};
	struct gitstats_tiplist at_start = {0};
	struct gitstats_reflog all = {0};
	size_t files = 0;
	int rc;

	c->until_ms = 0;
	if ((rc = c->be->head_tips(c, &cur, &tips)) < 0)
		goto out;
	if ((rc = gitstats_reflog_read(c, "HEAD", &all)) < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot read the reflog of HEAD: %s",
				    strerror(-rc));
		goto out;
	}
	c->until_ms = a->start_ms;
	if ((rc = gitstats_range_tips(c, &tips, &at_start)) < 0 ||
	    (rc = gitstats_range_covered(a, &all, &at_start)) != 0)
		goto out;
	c->until_ms = a->end_ms;
	if ((rc = gitstats_range_tips(c, &tips, &at_end)) < 0)
		goto out;
	/* The start as a baseline: HEAD and the branches then, their reflogs as long as then. */
	snprintf(base.head, sizeof(base.head), "%s", at_start.v[0].oid);
	base.tips = at_start.v;
	base.ntips = at_start.n;
	snprintf(h.oid, sizeof(h.oid), "%s", at_end.v[0].oid);
	if ((rc = gitstats_graph_history(c, &base, &h, &at_end, &hs)) < 0 ||
	    (rc = gitstats_compute_commits(c, &hs, a->out)) < 0 ||
	    (rc = c->be->trees(c, base.head, h.oid, &files, &a->out->added, &a->out->removed)) < 0)
		goto out;
	/* Counts only: the files themselves are not listed. */
	a->out->nfiles = files;
	snprintf(a->out->head, sizeof(a->out->head), "%s", h.oid);
	if (!(a->out->branch = gitstats_range_branch(&all, a->end_ms, &cur, &tips)))
		rc = -ENOMEM;
	a->out->fallback = c->be->fallback;
out:
	c->until_ms = 0;
	free(cur.branch);
	gitstats_reflog_free(&all);
	gitstats_int_tiplist_free(&tips);
	gitstats_int_tiplist_free(&at_start);
	gitstats_int_tiplist_free(&at_end);
	gitstats_graph_history_free(&hs);
	return rc;
}

static int gitstats_range_op(struct gitstats_ctx *c, void *arg)
{
	return gitstats_range_with(c, arg);
}

static void gitstats_range_reset(void *arg)
{
	gitstats_finish(((struct gitstats_range_arg *)arg)->out);
}

int gitstats_range(const char *root, int64_t start_ms, int64_t end_ms, const char *exclude_dir,
		   struct gitstats *out, char *err, size_t errn)
{
	static const struct gitstats_op op = {gitstats_range_op, gitstats_range_reset, 0};
	struct gitstats_range_arg a = {start_ms, end_ms, out, err, errn};
	struct gitstats_ctx c = {.root = root};
	int rc;

	memset(out, 0, sizeof(*out));
	if (start_ms <= 0 || end_ms <= start_ms) {
		gitstats_int_seterr(err, errn, "no range: %lld to %lld", (long long)start_ms,
				    (long long)end_ms);
		return -EINVAL;
	}
	c.exclude = gitstats_rel_exclude(root, exclude_dir);
	rc = gitstats_run_op(&c, &op, &a, err, errn);
	free(c.exclude);
	return rc;
}

void gitstats_finish(struct gitstats *s)
{
	if (!s)
		return;
	free(s->branch);
	for (size_t i = 0; s->files && i < s->nfiles; i++) {
		free(s->files[i].path);
		free(s->files[i].old_path);
	}
	free(s->files);
	for (size_t i = 0; s->commits && i < s->ncommits; i++) {
		free(s->commits[i].subject);
		free(s->commits[i].author);
	}
	free(s->commits);
	free(s->pulled);
	gitstats_headlog_free(s);
	memset(s, 0, sizeof(*s));
}

/* Paths and subjects need not be UTF-8; JSON strings must be: invalid bytes become U+FFFD. */
static json_t *gitstats_jstr(const char *s)
{
	struct gitstats_buf b = {0};
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	json_t *j = json_string(s ? s : "");

	if (j)
		return j;
	while (*p) {
		size_t len = *p < 0x80	       ? 1
			     : (*p >> 5) == 6  ? 2
			     : (*p >> 4) == 14 ? 3
			     : (*p >> 3) == 30 ? 4
					       : 0;
		bool ok = len > 0;

		for (size_t k = 1; ok && k < len; k++)
			ok = (p[k] & 0xc0) == 0x80;
		if (ok) {
			json_t *t = json_stringn((const char *)p, len);

			ok = t != NULL;
			json_decref(t);
		}
		if (ok) {
			gitstats_int_buf_add(&b, p, len);
			p += len;
		} else {
			gitstats_int_buf_add(&b, "\xef\xbf\xbd", 3);
			p++;
		}
	}
	j = json_string(b.p ? b.p : "");
	gitstats_int_buf_free(&b);
	return j;
}

json_t *gitstats_baseline_to_json(const struct gitstats_baseline *b)
{
	json_t *o = json_object(), *tips = json_array();

	if (!o || !tips) {
		json_decref(o);
		json_decref(tips);
		return NULL;
	}
	for (size_t i = 0; i < b->ntips; i++)
		json_array_append_new(
		    tips, json_pack("{s:o, s:s, s:I, s:I}", "ref", gitstats_jstr(b->tips[i].ref),
				    "oid", b->tips[i].oid, "reflog", (json_int_t)b->tips[i].reflog,
				    "reflog_time", (json_int_t)b->tips[i].reflog_time));
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "head", b->head[0] ? json_string(b->head) : json_null());
	json_object_set_new(o, "branch", gitstats_jstr(b->branch));
	json_object_set_new(o, "tree", json_string(b->tree));
	json_object_set_new(o, "tips", tips);
	json_object_set_new(o, "fallback", json_boolean(b->fallback));
	if (b->kept)
		json_object_set_new(o, "kept", json_string(b->kept));
	if (json_array_size(tips) != b->ntips) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static bool gitstats_oid_field(const json_t *v, bool empty_ok, char *out)
{
	const char *s = json_string_value(v);

	if (json_is_null(v) && empty_ok) {
		out[0] = '\0';
		return true;
	}
	if (!s || (!gitstats_int_is_hex_oid(s) && !(empty_ok && !*s)))
		return false;
	snprintf(out, GITSTATS_OID_MAX + 1, "%s", s);
	return true;
}

int gitstats_baseline_from_json(const json_t *o, struct gitstats_baseline *out, char *err,
				size_t errn)
{
	const json_t *tips = json_object_get(o, "tips");
	const char *branch = json_string_value(json_object_get(o, "branch"));
	const json_t *fb = json_object_get(o, "fallback");
	const json_t *kept = json_object_get(o, "kept");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "version")) != 1) {
		gitstats_int_seterr(err, errn, "baseline: not a version 1 object");
		return -EINVAL;
	}
	if (!gitstats_oid_field(json_object_get(o, "head"), true, out->head) ||
	    !gitstats_oid_field(json_object_get(o, "tree"), false, out->tree) || !branch ||
	    !json_is_array(tips) || json_array_size(tips) == 0 || (fb && !json_is_boolean(fb)) ||
	    (kept && !gitstats_keep_valid(json_string_value(kept)))) {
		gitstats_int_seterr(
		    err, errn, "baseline: missing or malformed head, tree, branch, tips or kept");
		return -EINVAL;
	}
	out->fallback = json_is_true(fb);
	out->branch = strdup(branch);
	out->kept = kept ? strdup(json_string_value(kept)) : NULL;
	out->tips = calloc(json_array_size(tips), sizeof(*out->tips));
	if (!out->branch || !out->tips || (kept && !out->kept)) {
		gitstats_baseline_finish(out);
		gitstats_int_seterr(err, errn, "baseline: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < json_array_size(tips); i++) {
		const json_t *t = json_array_get(tips, i);
		const char *ref = json_string_value(json_object_get(t, "ref"));
		const json_t *rl = json_object_get(t, "reflog");
		const json_t *rt = json_object_get(t, "reflog_time");
		struct gitstats_tip *d = &out->tips[out->ntips];

		if (!json_is_object(t) || !ref || !*ref || !json_is_integer(rl) ||
		    json_integer_value(rl) < 0 || !json_is_integer(rt) ||
		    !gitstats_oid_field(json_object_get(t, "oid"), true, d->oid) ||
		    (i == 0) != (strcmp(ref, "HEAD") == 0) ||
		    (i > 0 && strncmp(ref, "refs/heads/", 11) != 0)) {
			gitstats_baseline_finish(out);
			gitstats_int_seterr(err, errn, "baseline: malformed tip %zu", i);
			return -EINVAL;
		}
		d->ref = strdup(ref);
		if (!d->ref) {
			gitstats_baseline_finish(out);
			gitstats_int_seterr(err, errn, "baseline: out of memory");
			return -ENOMEM;
		}
		d->reflog = (size_t)json_integer_value(rl);
		d->reflog_time = (int64_t)json_integer_value(rt);
		out->ntips++;
	}
	return 0;
}

/* A file's modes, as git writes them ("100644"), null where the file is absent. */
static int gitstats_json_modes(json_t *j, const struct gitstats_file *f)
{
	char om[16], nm[16];

	if (!j)
		return -1;
	snprintf(om, sizeof(om), "%o", (unsigned)f->old_mode);
	snprintf(nm, sizeof(nm), "%o", (unsigned)f->new_mode);
	if (json_object_set_new(j, RECORD_OLD_MODE, f->old_mode ? json_string(om) : json_null()) <
		0 ||
	    json_object_set_new(j, RECORD_NEW_MODE, f->new_mode ? json_string(nm) : json_null()) <
		0)
		return -1;
	return 0;
}

static int gitstats_json_session_part(json_t *j, const struct gitstats_commit *c)
{
	if (!j)
		return -1;
	if (json_object_set_new(j, RECORD_SESSION_ADDED, json_integer(c->session_added)) < 0 ||
	    json_object_set_new(j, RECORD_SESSION_REMOVED, json_integer(c->session_removed)) < 0 ||
	    json_object_set_new(j, RECORD_SESSION_FILES,
				json_integer((json_int_t)c->session_files)) < 0)
		return -1;
	return 0;
}

static const char *const gitstats_move_kinds[] = {
    [GITSTATS_MOVE_BRANCH] = "branch",
    [GITSTATS_MOVE_COMMIT] = "commit",
    [GITSTATS_MOVE_PULL] = "pull",
};

/* A head_log item: named as the timeline's events are, with what places it. */
static json_t *gitstats_move_to_json(const struct gitstats_move *m)
{
	json_t *j =
	    json_pack("{s:s, s:I, s:I, s:I, s:s}", RECORD_KIND, gitstats_move_kinds[m->kind],
		      RECORD_REFLOG, (json_int_t)m->reflog, RECORD_TIME, (json_int_t)m->time,
		      RECORD_GIT_AT, (json_int_t)m->at_ms, RECORD_HASH, m->oid);

	if (j && m->kind == GITSTATS_MOVE_BRANCH &&
	    (json_object_set_new(j, RECORD_FROM, gitstats_jstr(m->from)) < 0 ||
	     json_object_set_new(j, RECORD_TO, gitstats_jstr(m->to)) < 0)) {
		json_decref(j);
		return NULL;
	}
	if (j && m->kind == GITSTATS_MOVE_PULL &&
	    json_object_set_new(j, RECORD_COMMITS, json_integer((json_int_t)m->commits)) < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *gitstats_to_json(const struct gitstats *s)
{
	json_t *o = json_object(), *files = json_array(), *commits = json_array(),
	       *pulled = json_array(), *moves = json_array();
	size_t nbad = 0;

	if (!o || !files || !commits || !pulled || !moves)
		goto fail;
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct gitstats_file *f = &s->files[i];
		char st[2] = {f->status ? f->status : 'M', '\0'};
		json_t *j = json_pack(
		    "{s:o, s:o, s:o, s:o, s:b, s:s}", RECORD_PATH, gitstats_jstr(f->path),
		    RECORD_OLD_PATH, f->old_path ? gitstats_jstr(f->old_path) : json_null(),
		    RECORD_ADDED, f->binary ? json_null() : json_integer(f->added), RECORD_REMOVED,
		    f->binary ? json_null() : json_integer(f->removed), RECORD_BINARY, f->binary,
		    RECORD_STATUS, st);

		nbad += gitstats_json_modes(j, f) < 0;
		nbad += json_array_append_new(files, j) < 0;
	}
	for (size_t i = 0; i < s->ncommits; i++) {
		const struct gitstats_commit *c = &s->commits[i];
		json_t *j = json_pack("{s:s, s:I, s:o, s:o, s:I, s:I, s:I, s:b}", RECORD_HASH,
				      c->oid, RECORD_TIME, (json_int_t)c->time, RECORD_SUBJECT,
				      gitstats_jstr(c->subject), RECORD_AUTHOR,
				      gitstats_jstr(c->author), RECORD_ADDED, (json_int_t)c->added,
				      RECORD_REMOVED, (json_int_t)c->removed, RECORD_FILES,
				      (json_int_t)c->files, RECORD_MERGE, c->merge);

		nbad += gitstats_json_session_part(j, c) < 0;

		nbad += json_array_append_new(commits, j) < 0;
	}
	for (size_t i = 0; i < s->npulled; i++)
		nbad += json_array_append_new(pulled, json_string(s->pulled[i])) < 0;
	for (size_t i = 0; i < s->nmoves; i++)
		nbad += json_array_append_new(moves, gitstats_move_to_json(&s->moves[i])) < 0;
	if (nbad)
		goto fail;
	json_object_set_new(o, RECORD_BRANCH, s->branch ? gitstats_jstr(s->branch) : json_null());
	json_object_set_new(o, RECORD_HEAD, s->head[0] ? json_string(s->head) : json_null());
	json_object_set_new(o, RECORD_COMMITS, json_integer((json_int_t)s->commits_total));
	json_object_set_new(o, RECORD_FILES_CHANGED, json_integer((json_int_t)s->nfiles));
	json_object_set_new(o, RECORD_ADDED, json_integer(s->added));
	json_object_set_new(o, RECORD_REMOVED, json_integer(s->removed));
	json_object_set_new(o, RECORD_FILES, files);
	json_object_set_new(o, RECORD_COMMIT_LIST, commits);
	json_object_set_new(o, RECORD_PULLED, json_integer((json_int_t)s->pulled_total));
	json_object_set_new(o, RECORD_PULLED_LIST, pulled);
	json_object_set_new(o, RECORD_FALLBACK, json_boolean(s->fallback));
	json_object_set_new(o, RECORD_HEAD_LOG, moves);
	json_object_set_new(o, RECORD_MEASURED_FROM, json_string(s->measured_from));
	if (json_object_size(o) != 13) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	json_decref(o);
	json_decref(files);
	json_decref(commits);
	json_decref(pulled);
	json_decref(moves);
	return NULL;
}
