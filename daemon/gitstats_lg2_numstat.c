#include "gitstats_lg2_numstat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gitstats_backend.h"
#include "gitstats_gitproc.h"
#include "gitstats_rename.h"

/*
 * The diff settings git would use: diff.renameLimit (default 1000; 0 or less: no limit) and
 * diff.algorithm. libgit2 1.5 has no histogram algorithm, and line counts depend on the
 * algorithm: such repositories are left to git.
 */
static int gitstats_lg2_diff_config(struct gitstats_ctx *c, int *limit)
{
	git_config *cfg = NULL;
	const char *alg = NULL;
	int32_t v = 1000;
	int rc = 0;

	c->diff_flags = 0;
	if (git_repository_config_snapshot(&cfg, c->repo) == 0) {
		if (git_config_get_int32(&v, cfg, "diff.renameLimit") < 0)
			v = 1000;
		if (git_config_get_string(&alg, cfg, "diff.algorithm") == 0 && alg) {
			if (strcasecmp(alg, "patience") == 0)
				c->diff_flags = GIT_DIFF_PATIENCE;
			else if (strcasecmp(alg, "minimal") == 0)
				c->diff_flags = GIT_DIFF_MINIMAL;
			else if (strcasecmp(alg, "histogram") == 0) {
				gitstats_int_seterr(c->err, c->errn, "diff.algorithm=histogram");
				rc = -ENOTSUP;
			}
		}
		git_config_free(cfg);
	}
	git_error_clear();
	if (limit)
		*limit = v;
	return rc;
}

/* Binary flag of unchanged content (exact renames, mode changes): git shows "-\t-" for them. */
static bool gitstats_lg2_same_content_binary(struct gitstats_ctx *c, const git_oid *oid,
					     const char *p1, const char *p2)
{
	git_blob *blob = NULL;
	bool bin = false;
	size_t n;

	if (git_blob_lookup(&blob, c->repo, oid) < 0) {
		git_error_clear();
		return false;
	}
	n = (size_t)git_blob_rawsize(blob);
	bin =
	    gitstats_rename_is_binary(c->repo, c->plain, p1, git_blob_rawcontent(blob), n) ||
	    (p2 && gitstats_rename_is_binary(c->repo, c->plain, p2, git_blob_rawcontent(blob), n));
	git_blob_free(blob);
	return bin;
}

static int gitstats_lg2_patch_stats(git_patch *p, bool *binary, int64_t *added, int64_t *removed)
{
	size_t ctx, a = 0, d = 0;

	*binary = false;
	*added = *removed = 0;
	if (!p)
		return 0;
	if (git_patch_get_delta(p)->flags & GIT_DIFF_FLAG_BINARY) {
		*binary = true;
		return 0;
	}
	if (git_patch_line_stats(&ctx, &a, &d, p) < 0)
		return -EIO;
	*added = (int64_t)a;
	*removed = (int64_t)d;
	return 0;
}

/* The added lines of a patch, to c->lines. */
static int gitstats_lg2_patch_lines(struct gitstats_ctx *c, git_patch *p, const char *path)
{
	for (size_t h = 0; h < git_patch_num_hunks(p); h++) {
		int nl = git_patch_num_lines_in_hunk(p, h);

		for (int k = 0; k < nl; k++) {
			const git_diff_line *l = NULL;
			size_t len;
			int rc;

			if (git_patch_get_line_in_hunk(&l, p, h, (size_t)k) < 0) {
				gitstats_int_seterr(c->err, c->errn, "cannot diff %s: %s", path,
						    gitstats_int_lg2msg());
				return -EIO;
			}
			if (l->origin != GIT_DIFF_LINE_ADDITION)
				continue;
			len = l->content_len;
			while (len > 0 &&
			       (l->content[len - 1] == '\n' || l->content[len - 1] == '\r'))
				len--;
			rc = c->lines->line(c->lines->arg, path, l->new_lineno, l->content, len);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Line counts of one pair, the way `git diff --numstat` counts them; added lines to c->lines. */
static int gitstats_lg2_pair_stats(struct gitstats_ctx *c, const char *opath,
				   const struct gitstats_lg2_side *o, const char *npath,
				   const struct gitstats_lg2_side *n, bool *binary, int64_t *a,
				   int64_t *d)
{
	git_blob *ob = NULL, *nb = NULL;
	git_patch *p = NULL;
	git_diff_options opts;
	struct gitstats_buf buf = {0};
	int rc = 0;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = c->diff_flags;
	*binary = false;
	*a = *d = 0;
	/* Submodules: one "Subproject commit" line per side, as git prints them. */
	if ((o->present && S_ISGITLINK(o->mode)) || (n->present && S_ISGITLINK(n->mode))) {
		*a = n->present && S_ISGITLINK(n->mode);
		*d = o->present && S_ISGITLINK(o->mode);
		if (o->present && n->present && S_ISGITLINK(o->mode) && S_ISGITLINK(n->mode) &&
		    git_oid_equal(&o->id, &n->id))
			*a = *d = 0;
		return 0;
	}
	if (o->present && n->present && n->id_valid && git_oid_equal(&o->id, &n->id)) {
		/* Same content (a mode change, an exact rename): git still says "-\t-" if binary.
		 */
		*binary = gitstats_lg2_same_content_binary(c, &o->id, opath, npath);
		return 0;
	}
	if (o->present && git_blob_lookup(&ob, c->repo, &o->id) < 0)
		goto fail;
	if (n->present && n->workdir) {
		if ((rc = gitstats_rename_load_workdir(c->repo, c->plain, npath, n->mode, &buf)) <
		    0) {
			gitstats_int_seterr(c->err, c->errn, "cannot read %s: %s", npath,
					    strerror(-rc));
			goto out;
		}
		if (git_patch_from_blob_and_buffer(&p, ob, opath, buf.p ? buf.p : "", buf.n, npath,
						   &opts) < 0)
			goto fail;
	} else {
		if (n->present && git_blob_lookup(&nb, c->repo, &n->id) < 0)
			goto fail;
		if (git_patch_from_blobs(&p, ob, opath, nb, npath, &opts) < 0)
			goto fail;
	}
	if (gitstats_lg2_patch_stats(p, binary, a, d) < 0)
		goto fail;
	if (c->lines && !*binary && (rc = gitstats_lg2_patch_lines(c, p, npath)) < 0)
		goto out;
out:
	git_patch_free(p);
	git_blob_free(ob);
	git_blob_free(nb);
	gitstats_int_buf_free(&buf);
	return rc;
fail:
	gitstats_int_seterr(c->err, c->errn, "cannot diff %s: %s", npath, gitstats_int_lg2msg());
	rc = -EIO;
	goto out;
}

static bool gitstats_lg2_same_type(uint32_t a, uint32_t b)
{
	return (a & 0170000) == (b & 0170000);
}

/* Both sides there after a staged and an unstaged change: maybe no change at all. */
static void gitstats_lg2_verify(struct gitstats_ctx *c, struct gitstats_lg2_entry *x)
{
	if (!x->verify || !x->o.present || !x->n.present || x->o.mode != x->n.mode)
		return;
	if (!x->n.id_valid && x->n.workdir && !S_ISGITLINK(x->n.mode)) {
		struct gitstats_buf b = {0};

		if (gitstats_rename_load_workdir(c->repo, c->plain, x->path, x->n.mode, &b) == 0 &&
		    git_odb_hash(&x->n.id, b.p ? b.p : "", b.n, GIT_OBJECT_BLOB) == 0)
			x->n.id_valid = true;
		gitstats_int_buf_free(&b);
	}
	if (x->n.id_valid && git_oid_equal(&x->o.id, &x->n.id))
		x->o.present = x->n.present = false;
}

/* Deleted paths as rename sources, created ones as destinations, paired git's way. */
static int gitstats_lg2_renames(struct gitstats_ctx *c, struct gitstats_lg2_entry *e, size_t n,
				struct gitstats_rename *r)
{
	for (size_t i = 0; i < n; i++) {
		struct gitstats_lg2_entry *x = &e[i];
		struct gitstats_rename_side *s;

		if (gitstats_int_excluded(c->exclude, x->path))
			x->o.present = x->n.present = false;
		gitstats_lg2_verify(c, x);
		if (x->o.present && !x->n.present) {
			s = &r->src[r->nsrc++];
			s->mode = x->o.mode;
			s->oid = x->o.id;
			s->oid_valid = true;
		} else if (!x->o.present && x->n.present) {
			s = &r->dst[r->ndst++];
			s->mode = x->n.mode;
			s->workdir = x->n.workdir;
			s->oid = x->n.id;
			s->oid_valid = x->n.id_valid;
		} else {
			continue;
		}
		s->path = x->path;
		s->delta = i;
		s->src = -1;
	}
	if (!r->nsrc || !r->ndst)
		return 0;
	/* git 2.43.2 started hashing a last line without a newline. */
	r->final_line = gitstats_gitproc_version() >= 24302;
	qsort(r->src, r->nsrc, sizeof(*r->src), gitstats_rename_side_cmp);
	qsort(r->dst, r->ndst, sizeof(*r->dst), gitstats_rename_side_cmp);
	return gitstats_rename_detect(r);
}

/*
 * numstat of a list of changed paths with git's -M: renames found our way (git's algorithm),
 * lines counted by libgit2 patches.
 */
int gitstats_lg2_numstat(struct gitstats_ctx *c, struct gitstats_lg2_entry *e, size_t n,
			 struct gitstats_flist *out)
{
	struct gitstats_rename r = {.repo = c->repo, .plain = c->plain};
	int *sidx = calloc(n + 1, sizeof(int)), *didx = calloc(n + 1, sizeof(int));
	int rc = 0;

	r.src = calloc(n + 1, sizeof(*r.src));
	r.dst = calloc(n + 1, sizeof(*r.dst));
	if (!r.src || !r.dst || !sidx || !didx) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = gitstats_lg2_diff_config(c, &r.rename_limit)) < 0 ||
	    (rc = gitstats_lg2_renames(c, e, n, &r)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		sidx[i] = didx[i] = -1;
	for (size_t k = 0; k < r.nsrc; k++)
		sidx[r.src[k].delta] = (int)k;
	for (size_t k = 0; k < r.ndst; k++)
		didx[r.dst[k].delta] = (int)k;

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct gitstats_lg2_entry *x = &e[i];
		struct gitstats_file *f;
		const char *opath = x->path;
		struct gitstats_lg2_side o = x->o;
		bool binary;
		int64_t a, d;
		char st;

		if (!x->o.present && !x->n.present)
			continue;
		if (sidx[i] >= 0 && r.src[sidx[i]].used)
			continue; /* shown with its destination */
		if (didx[i] >= 0 && r.dst[didx[i]].src >= 0) {
			const struct gitstats_rename_side *src = &r.src[r.dst[didx[i]].src];

			opath = src->path;
			o = e[src->delta].o;
			if (!x->n.id_valid && r.dst[didx[i]].oid_valid) {
				x->n.id = r.dst[didx[i]].oid;
				x->n.id_valid = true;
			}
			st = 'R';
		} else {
			st = !x->o.present				     ? 'A'
			     : !x->n.present				     ? 'D'
			     : !gitstats_lg2_same_type(x->o.mode, x->n.mode) ? 'T'
									     : 'M';
		}
		rc = gitstats_lg2_pair_stats(c, opath, &o, x->path, &x->n, &binary, &a, &d);
		if (rc < 0)
			break;
		f = gitstats_int_flist_add(out);
		if (!f || gitstats_int_file_set(f, x->path, st == 'R' ? opath : NULL, st, binary, a,
						d) < 0) {
			rc = -ENOMEM;
			break;
		}
		f->old_mode = o.present ? o.mode : 0;
		f->new_mode = x->n.present ? x->n.mode : 0;
	}
out:
	gitstats_rename_finish(&r);
	free(r.src);
	free(r.dst);
	free(sidx);
	free(didx);
	return rc;
}

void gitstats_lg2_side_from(struct gitstats_lg2_side *s, const git_diff_file *f, bool workdir)
{
	s->present = true;
	s->mode = f->mode;
	s->id = f->id;
	s->id_valid = !workdir || (f->flags & GIT_DIFF_FLAG_VALID_ID);
	s->workdir = workdir;
}

int gitstats_lg2_entry_cmp(const void *a, const void *b)
{
	const struct gitstats_lg2_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->unstaged - y->unstaged;
}
