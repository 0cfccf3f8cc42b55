#include "gitstats_lg2.h"

#include <errno.h>
#include <git2/sys/repository.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitstats_git.h"
#include "gitstats_lg2_numstat.h"
#include "gitstats_lg2env.h"
#include "gitstats_scan.h"
#include "log.h"

/* A kept baseline's objects (gitstats_keep.h), read as an alternate of this handle only. When
 * they cannot be added, the repository's own objects may still hold the snapshot. */
static void gitstats_lg2_add_kept(struct gitstats_ctx *c)
{
	git_odb *odb;

	if (git_repository_odb(&odb, c->repo) < 0)
		return;
	if (git_odb_add_disk_alternate(odb, c->base->kept) < 0)
		log_debug("gitstats: cannot read kept objects %s: %s", c->base->kept,
			  gitstats_int_lg2msg());
	git_odb_free(odb);
}

static int gitstats_lg2_open(struct gitstats_ctx *c)
{
	const char *p;
	int v = gitstats_lg2env_format_version(c->root);

	if (v >= 1) {
		gitstats_int_seterr(c->err, c->errn, "repository format version %d", v);
		return -ENOTSUP;
	}
	if (git_repository_open_ext(&c->repo, c->root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		gitstats_int_seterr(c->err, c->errn, "%s", gitstats_int_lg2msg());
		c->repo = NULL;
		return -EIO;
	}
	if (git_repository_is_bare(c->repo)) {
		gitstats_int_seterr(c->err, c->errn, "%s is a bare repository", c->root);
		return -EINVAL;
	}
	if (c->base && c->base->kept)
		gitstats_lg2_add_kept(c);
	snprintf(c->gitdir, sizeof(c->gitdir), "%s", git_repository_path(c->repo));
	p = git_repository_commondir(c->repo);
	snprintf(c->commondir, sizeof(c->commondir), "%s", p ? p : c->gitdir);
	gitstats_int_strip_slash(c->gitdir);
	gitstats_int_strip_slash(c->commondir);
	return 0;
}

/*
 * The index as libgit2 sees it, or an error when libgit2 would get this repository wrong: it
 * refuses split and sparse indexes, ignores the skip-worktree bit of sparse checkouts, and
 * leaks memory on submodules.
 */
static int gitstats_lg2_index(struct gitstats_ctx *c, git_index **out)
{
	size_t n;

	if (git_repository_index(out, c->repo) < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot read the index: %s",
				    gitstats_int_lg2msg());
		*out = NULL;
		return -EIO;
	}
	n = git_index_entrycount(*out);
	for (size_t i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(*out, i);

		if (e && (e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE)) {
			gitstats_int_seterr(
			    c->err, c->errn,
			    "the index has skip-worktree entries (sparse checkout)");
			git_index_free(*out);
			*out = NULL;
			return -ENOTSUP;
		}
		/* Looking a submodule up makes libgit2 1.5 match .gitmodules entries against a
		 * regular expression, leaking memory on every entry that does not match. */
		if (e && S_ISGITLINK(e->mode)) {
			gitstats_int_seterr(c->err, c->errn, "the index has submodules");
			git_index_free(*out);
			*out = NULL;
			return -ENOTSUP;
		}
	}
	return 0;
}

static int gitstats_lg2_head(struct gitstats_ctx *c, struct gitstats_head *h)
{
	git_reference *head = NULL;
	char b[512];
	int r;

	memset(h, 0, sizeof(*h));
	r = git_reference_lookup(&head, c->repo, "HEAD");
	if (r < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot read HEAD: %s", gitstats_int_lg2msg());
		return -EIO;
	}
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *target = git_reference_symbolic_target(head);
		git_reference *res = NULL;

		if (git_reference_resolve(&res, head) == 0) {
			git_oid_tostr(h->oid, sizeof(h->oid), git_reference_target(res));
			git_reference_free(res);
		}
		gitstats_int_branch_name(b, sizeof(b), target, h->oid);
	} else {
		git_oid_tostr(h->oid, sizeof(h->oid), git_reference_target(head));
		gitstats_int_branch_name(b, sizeof(b), NULL, h->oid);
	}
	git_reference_free(head);
	h->branch = strdup(b);
	return h->branch ? 0 : -ENOMEM;
}

static int gitstats_lg2_tips(struct gitstats_ctx *c, const struct gitstats_head *h,
			     struct gitstats_tiplist *out)
{
	git_branch_iterator *it = NULL;
	git_reference *ref = NULL;
	git_branch_t type;
	int rc, r;

	if ((rc = gitstats_int_tiplist_add(out, "HEAD", h->oid)) < 0)
		return rc;
	if (git_branch_iterator_new(&it, c->repo, GIT_BRANCH_LOCAL) < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot list branches: %s",
				    gitstats_int_lg2msg());
		return -EIO;
	}
	while ((r = git_branch_next(&ref, &type, it)) == 0) {
		char hex[GITSTATS_OID_MAX + 1] = "";
		git_reference *res = NULL;

		if (git_reference_resolve(&res, ref) == 0) {
			git_oid_tostr(hex, sizeof(hex), git_reference_target(res));
			git_reference_free(res);
		}
		rc = hex[0] ? gitstats_int_tiplist_add(out, git_reference_name(ref), hex) : 0;
		git_reference_free(ref);
		if (rc < 0)
			break;
	}
	git_branch_iterator_free(it);
	if (rc == 0 && r != GIT_ITEROVER) {
		gitstats_int_seterr(c->err, c->errn, "cannot list branches: %s",
				    gitstats_int_lg2msg());
		rc = -EIO;
	}
	return rc;
}

/* Untracked directories that are repositories of their own ("dir/") stay out, as in compute. */
static int gitstats_lg2_skip_embedded(const char *path, const char *matched, void *payload)
{
	size_t n = strlen(path);

	(void)matched;
	(void)payload;
	return n && path[n - 1] == '/' ? 1 : 0;
}

/* The worktree as a tree: a private in-memory copy of the index, `add --all`, write-tree. */
static int gitstats_lg2_snapshot(struct gitstats_ctx *c, char *tree, size_t treen)
{
	git_index *idx = NULL;
	git_oid oid;
	int rc;

	if ((rc = gitstats_lg2_index(c, &idx)) < 0)
		return rc;
	/* Only ever in memory: git_index_write is never called on this index. */
	if (git_index_add_all(idx, NULL, GIT_INDEX_ADD_DEFAULT, gitstats_lg2_skip_embedded, NULL) <
		0 ||
	    git_index_write_tree(&oid, idx) < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot snapshot the worktree: %s",
				    gitstats_int_lg2msg());
		git_index_free(idx);
		return -EIO;
	}
	git_index_free(idx);
	git_oid_tostr(tree, treen, &oid);
	return 0;
}

/* Commits reachable from push and from none of hide; parents recorded when g is given. */
static int gitstats_lg2_walk(struct gitstats_ctx *c, char (*push)[GITSTATS_OID_MAX + 1],
			     size_t npush, const struct gitstats_tip *hide, size_t nhide,
			     struct gitstats_cgraph *g, struct gitstats_omap *set)
{
	git_revwalk *w = NULL;
	git_oid oid;
	size_t pushed = 0;
	int r, rc = 0;

	if (git_revwalk_new(&w, c->repo) < 0)
		goto fail;
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	for (size_t i = 0; i < npush; i++)
		if (push[i][0] && git_oid_fromstr(&oid, push[i]) == 0 &&
		    git_revwalk_push(w, &oid) == 0)
			pushed++;
	/* A baseline tip may be gone (deleted branch, pruned): it just hides nothing. */
	for (size_t i = 0; i < nhide; i++)
		if (hide[i].oid[0] && git_oid_fromstr(&oid, hide[i].oid) == 0)
			git_revwalk_hide(w, &oid);
	git_error_clear();
	while (pushed && (r = git_revwalk_next(&oid, w)) == 0) {
		char hex[GITSTATS_OID_MAX + 1];

		git_oid_tostr(hex, sizeof(hex), &oid);
		if (g) {
			git_commit *cm = NULL;
			struct gitstats_cnode *n;
			unsigned np;

			if (git_commit_lookup(&cm, c->repo, &oid) < 0)
				goto fail;
			np = git_commit_parentcount(cm);
			n = gitstats_int_cgraph_add(g, hex, np);
			if (!n) {
				git_commit_free(cm);
				rc = -ENOMEM;
				goto out;
			}
			for (unsigned k = 0; k < np; k++)
				git_oid_tostr(n->parents[k], sizeof(n->parents[k]),
					      git_commit_parent_id(cm, k));
			git_commit_free(cm);
		}
		if (set && gitstats_int_omap_put(set, hex, 1) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (pushed && r != GIT_ITEROVER)
		goto fail;
out:
	git_revwalk_free(w);
	return rc;
fail:
	gitstats_int_seterr(c->err, c->errn, "cannot walk the history: %s", gitstats_int_lg2msg());
	git_revwalk_free(w);
	return -EIO;
}

static int gitstats_lg2_commit_tree(git_repository *repo, const char *hex, git_tree **out)
{
	git_commit *cm = NULL;
	git_oid oid;
	int rc;

	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&cm, repo, &oid) < 0)
		return -EIO;
	rc = git_commit_tree(out, cm) < 0 ? -EIO : 0;
	git_commit_free(cm);
	return rc;
}

/* ours moved forward by what happened between anc and theirs (a commit); theirs wins conflicts. */
static int gitstats_lg2_merge3(struct gitstats_ctx *c, const char *anc, const char *ours,
			       const char *theirs, char *out, size_t outn)
{
	git_tree *ta = NULL, *to = NULL, *tt = NULL;
	git_merge_options mo;
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *ea, *eo, *et;
	git_index *idx = NULL;
	struct gitstats_strv paths = {0};
	git_oid oid;
	int rc = -EIO;

	if ((*anc && gitstats_lg2_commit_tree(c->repo, anc, &ta) < 0) ||
	    git_oid_fromstr(&oid, ours) < 0 || git_tree_lookup(&to, c->repo, &oid) < 0 ||
	    gitstats_lg2_commit_tree(c->repo, theirs, &tt) < 0)
		goto out;
	git_merge_options_init(&mo, GIT_MERGE_OPTIONS_VERSION);
	mo.file_favor = GIT_MERGE_FILE_FAVOR_THEIRS;
	if (git_merge_trees(&idx, c->repo, ta, to, tt, &mo) < 0)
		goto out;
	/* Tree-level conflicts (modify/delete, rename/rename) remain: take their side too. */
	if (git_index_has_conflicts(idx)) {
		if (git_index_conflict_iterator_new(&it, idx) < 0)
			goto out;
		while (git_index_conflict_next(&ea, &eo, &et, it) == 0) {
			const char *p = et ? et->path : eo ? eo->path : ea->path;

			if (gitstats_int_strv_add(&paths, p) < 0) {
				rc = -ENOMEM;
				goto out;
			}
		}
		git_index_conflict_iterator_free(it);
		it = NULL;
		for (size_t i = 0; i < paths.n; i++) {
			git_index_entry e = {0};

			if (git_index_conflict_get(&ea, &eo, &et, idx, paths.v[i]) < 0)
				goto out;
			if (et)
				e = *et;
			if (git_index_conflict_remove(idx, paths.v[i]) < 0)
				goto out;
			if (et) {
				e.path = paths.v[i];
				e.flags &= (uint16_t)~GIT_INDEX_ENTRY_STAGEMASK;
				if (git_index_add(idx, &e) < 0)
					goto out;
			}
		}
	}
	if (git_index_write_tree_to(&oid, idx, c->repo) < 0)
		goto out;
	git_oid_tostr(out, outn, &oid);
	rc = 0;
out:
	if (rc == -EIO)
		gitstats_int_seterr(c->err, c->errn,
				    "cannot merge pulled changes into the baseline: %s",
				    gitstats_int_lg2msg());
	git_index_conflict_iterator_free(it);
	gitstats_int_strv_free(&paths);
	git_index_free(idx);
	git_tree_free(ta);
	git_tree_free(to);
	git_tree_free(tt);
	return rc;
}

/* The paths an incremental recompute looks at (gitstats_lg2_worktree_paths). */
struct gitstats_lg2_scope {
	const char *const *paths;
	size_t n;
};

/* The changes as gitstats_scan finds them, for repositories of the common kind (-ENOTSUP else). */
static int gitstats_lg2_fast_changes(struct gitstats_ctx *c, const git_tree *t,
				     const struct gitstats_lg2_scope *scope,
				     struct gitstats_scan_index *xi, struct gitstats_scan *staged,
				     struct gitstats_scan *unstaged,
				     struct gitstats_lg2_entry **out, size_t *nout)
{
	char path[PATH_MAX * 2];
	const struct gitstats_scan_index *ix = xi;
	struct gitstats_lg2_entry *e;
	size_t n = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/index", c->gitdir);
	/* A 50 000-entry index costs more to read than a scope's paths: it is kept. */
	if (c->cache)
		rc = gitstats_scan_index_cached(path, c->cache, &ix, c->err, c->errn);
	else
		rc = gitstats_scan_index_read(path, xi, c->err, c->errn);
	if (rc < 0)
		return rc;
	if (scope)
		rc = gitstats_scan_paths(c->repo, t, ix, scope->paths, scope->n, staged, unstaged,
					 c->err, c->errn);
	else if ((rc = gitstats_scan_staged(c->repo, t, ix, staged, c->err, c->errn)) == 0)
		rc = gitstats_scan_run(c->repo, ix, c->cache ? &c->cache->dirs : NULL, unstaged,
				       c->err, c->errn);
	if (rc < 0)
		return rc;
	/* Scoped, no directory was read for untracked .gitattributes: files go through the
	 * filters, which change nothing where no attributes apply. */
	c->plain = !scope && !unstaged->attributes && gitstats_lg2env_no_attributes(c, ix);
	if ((rc = gitstats_lg2env_attr_index(c, ix)) < 0)
		return rc;
	e = calloc(staged->n + unstaged->n + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < staged->n; i++) {
		const struct gitstats_scan_change *w = &staged->v[i];
		struct gitstats_lg2_entry *x = &e[n++];

		x->path = w->path;
		if (w->mode) {
			x->o = (struct gitstats_lg2_side){
			    .present = true, .mode = w->mode, .id = w->id};
			x->o.id_valid = true;
		}
		if (w->entry) {
			x->n = (struct gitstats_lg2_side){.present = true, .mode = w->entry->mode};
			x->n.id = w->entry->id;
			x->n.id_valid = true;
		}
	}
	/* The worktree file's stat data differs, its content may not: verify compares them. */
	for (size_t i = 0; i < unstaged->n; i++) {
		const struct gitstats_scan_change *w = &unstaged->v[i];
		struct gitstats_lg2_entry *x = &e[n++];

		x->path = w->path;
		x->unstaged = true;
		x->verify = true;
		if (w->entry) {
			x->o = (struct gitstats_lg2_side){.present = true, .mode = w->entry->mode};
			x->o.id = w->entry->id;
			x->o.id_valid = true;
		}
		if (w->mode)
			x->n = (struct gitstats_lg2_side){
			    .present = true, .mode = w->mode, .workdir = true};
	}
	*out = e;
	*nout = n;
	return 0;
}

/* The same with libgit2's diffs: any repository libgit2 reads, more slowly. */
static int gitstats_lg2_changes(struct gitstats_ctx *c, git_tree *t, git_index **idx, git_diff **da,
				git_diff **db, struct gitstats_lg2_entry **out, size_t *nout)
{
	git_diff_options o;
	struct gitstats_lg2_entry *e;
	size_t na, nb, n = 0;
	int rc;

	if ((rc = gitstats_lg2_index(c, idx)) < 0)
		return rc;
	/* No GIT_DIFF_UPDATE_INDEX: the user's index is never written. */
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_index(da, c->repo, t, *idx, &o) < 0)
		goto fail;
	o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
		  GIT_DIFF_SHOW_UNTRACKED_CONTENT | GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_index_to_workdir(db, c->repo, *idx, &o) < 0)
		goto fail;
	na = git_diff_num_deltas(*da);
	nb = git_diff_num_deltas(*db);
	e = calloc(na + nb + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	/* Staged: tree -> index. Where the worktree agrees with the index, that is the change. */
	for (size_t i = 0; i < na; i++) {
		const git_diff_delta *d = git_diff_get_delta(*da, i);
		struct gitstats_lg2_entry *x = &e[n++];

		x->path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		if (d->status != GIT_DELTA_ADDED)
			gitstats_lg2_side_from(&x->o, &d->old_file, false);
		if (d->status != GIT_DELTA_DELETED)
			gitstats_lg2_side_from(&x->n, &d->new_file, false);
		if (d->status == GIT_DELTA_CONFLICTED)
			x->n.present = false; /* the worktree decides below */
	}
	/* Unstaged: index -> worktree, with untracked files. */
	for (size_t i = 0; i < nb; i++) {
		const git_diff_delta *d = git_diff_get_delta(*db, i);
		struct gitstats_lg2_entry *x = &e[n++];

		if (d->status == GIT_DELTA_UNTRACKED && d->new_file.mode == GIT_FILEMODE_TREE) {
			n--; /* an untracked directory holding a repository of its own */
			continue;
		}
		x->path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		x->unstaged = true;
		if (d->status != GIT_DELTA_UNTRACKED && d->status != GIT_DELTA_ADDED &&
		    d->status != GIT_DELTA_CONFLICTED)
			gitstats_lg2_side_from(&x->o, &d->old_file, false);
		if (d->status != GIT_DELTA_DELETED)
			gitstats_lg2_side_from(&x->n, &d->new_file, true);
		if (d->status == GIT_DELTA_CONFLICTED && !d->new_file.mode)
			x->n.present = false;
	}
	*out = e;
	*nout = n;
	return 0;
fail:
	gitstats_int_seterr(c->err, c->errn, "cannot diff the worktree: %s", gitstats_int_lg2msg());
	return -EIO;
}

/*
 * `git diff <tree>` with untracked files as if added with -N: the baseline tree against the
 * index (staged changes) and the index against the worktree, joined path by path with the tree
 * as the old side and the worktree as the new one. (libgit2's own tree-to-workdir-with-index
 * join reports an untracked file that is in the tree as deleted, and keeps changes that cancel.)
 */
static int gitstats_lg2_worktree_in(struct gitstats_ctx *c, const char *tree,
				    const struct gitstats_lg2_scope *scope,
				    struct gitstats_flist *out)
{
	git_tree *t = NULL;
	git_index *idx = NULL;
	git_diff *da = NULL, *db = NULL;
	struct gitstats_scan_index xi = {0};
	struct gitstats_scan staged = {0}, unstaged = {0};
	struct gitstats_lg2_entry *e = NULL;
	size_t n = 0, m = 0;
	git_oid oid;
	int rc;

	if (git_oid_fromstr(&oid, tree) < 0 || git_tree_lookup(&t, c->repo, &oid) < 0) {
		gitstats_int_seterr(
		    c->err, c->errn,
		    "the baseline snapshot %s is no longer in the repository (pruned?): %s", tree,
		    gitstats_int_lg2msg());
		return -ENOENT;
	}
	rc = gitstats_lg2_fast_changes(c, t, scope, &xi, &staged, &unstaged, &e, &n);
	if (rc < 0 && rc != -ENOMEM && !scope) {
		log_debug("gitstats: %s: %s: libgit2 walks the worktree", c->root, c->err);
		rc = gitstats_lg2_changes(c, t, &idx, &da, &db, &e, &n);
	}
	if (rc < 0)
		goto out;
	qsort(e, n, sizeof(*e), gitstats_lg2_entry_cmp);
	/* Join: the tree side from the staged change, the new side from the unstaged one. */
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(e[i].path, e[i + 1].path) == 0) {
			struct gitstats_lg2_entry x = e[i];

			x.n = e[i + 1].n;
			x.verify = true;
			e[m++] = x;
			i++;
		} else {
			e[m++] = e[i];
		}
	}
	rc = gitstats_lg2_numstat(c, e, m, out);
out:
	free(e);
	gitstats_scan_finish(&staged);
	gitstats_scan_finish(&unstaged);
	gitstats_scan_index_finish(&xi);
	git_diff_free(da);
	git_diff_free(db);
	git_index_free(idx);
	git_tree_free(t);
	return rc;
}

static int gitstats_lg2_worktree(struct gitstats_ctx *c, const char *tree,
				 struct gitstats_flist *out)
{
	return gitstats_lg2_worktree_in(c, tree, NULL, out);
}

int gitstats_lg2_worktree_paths(struct gitstats_ctx *c, const char *tree, const char *const *paths,
				size_t n, struct gitstats_flist *out)
{
	struct gitstats_lg2_scope scope = {paths, n};

	if (!c->repo) {
		gitstats_int_seterr(c->err, c->errn, "not read by libgit2");
		return -ENOTSUP;
	}
	return gitstats_lg2_worktree_in(c, tree, &scope, out);
}

/* A tree's entry at path as a side (absent: no such file; a directory is no file either). */
static void gitstats_lg2_tree_side(git_tree *t, const char *path, struct gitstats_lg2_side *s)
{
	git_tree_entry *te = NULL;

	memset(s, 0, sizeof(*s));
	if (!t || git_tree_entry_bypath(&te, t, path) < 0) {
		git_error_clear();
		return;
	}
	if (git_tree_entry_type(te) != GIT_OBJECT_TREE) {
		s->present = true;
		s->mode = git_tree_entry_filemode(te);
		s->id = *git_tree_entry_id(te);
		s->id_valid = true;
	}
	git_tree_entry_free(te);
}

static bool gitstats_lg2_side_eq(const struct gitstats_lg2_side *a,
				 const struct gitstats_lg2_side *b)
{
	if (!a->present || !b->present)
		return a->present == b->present;
	return a->mode == b->mode && git_oid_equal(&a->id, &b->id);
}

static int gitstats_lg2_tree_of(struct gitstats_ctx *c, const char *hex, bool commit,
				git_tree **out)
{
	git_commit *cm = NULL;
	git_oid oid;
	int rc;

	*out = NULL;
	if (!*hex)
		return 0; /* unborn: no tree */
	if (git_oid_fromstr(&oid, hex) < 0)
		return -EINVAL;
	if (!commit)
		return git_tree_lookup(out, c->repo, &oid) < 0 ? -ENOENT : 0;
	rc =
	    git_commit_lookup(&cm, c->repo, &oid) < 0 || git_commit_tree(out, cm) < 0 ? -ENOENT : 0;
	git_commit_free(cm);
	return rc;
}

static void gitstats_lg2_part_whole(struct gitstats_commit *out)
{
	out->session_added = out->added;
	out->session_removed = out->removed;
	out->session_files = out->files;
}

/*
 * The session's part of a commit (docs/git-statistics.md): each file it changed, from the
 * baseline snapshot's version when the parent's is still HEAD's at the start (no earlier commit
 * changed it), else from the parent's; a merge's file that some other parent already had is
 * what the merge brought in, not the session's. e holds the commit's changes (o: the parent).
 */
static int gitstats_lg2_session_part(struct gitstats_ctx *c, git_commit *cm,
				     struct gitstats_lg2_entry *e, size_t n,
				     struct gitstats_commit *out)
{
	git_tree *bt = NULL, *ht = NULL, **others = NULL;
	size_t nothers = git_commit_parentcount(cm) > 1 ? git_commit_parentcount(cm) - 1 : 0;
	struct gitstats_flist fl = {0};
	bool moved = false;
	int rc = 0;

	if (gitstats_lg2_tree_of(c, c->base->tree, false, &bt) < 0 ||
	    gitstats_lg2_tree_of(c, c->base->head, true, &ht) < 0) {
		/* HEAD's commit from the start is gone (amended, then pruned): the session's part
		 * cannot be told from the rest, so the commit counts whole, as it did before. */
		log_debug(
		    "gitstats: %s: the start's HEAD or snapshot is gone: %s: commits count whole",
		    c->root, gitstats_int_lg2msg());
		git_error_clear();
		gitstats_lg2_part_whole(out);
		goto out;
	}
	others = calloc(nothers + 1, sizeof(*others));
	if (!others) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < nothers; k++) {
		git_commit *p = NULL;

		if (git_commit_parent(&p, cm, (unsigned)k + 1) < 0 ||
		    git_commit_tree(&others[k], p) < 0) {
			git_commit_free(p);
			gitstats_int_seterr(c->err, c->errn, "cannot read a parent of %s: %s",
					    out->oid, gitstats_int_lg2msg());
			rc = -EIO;
			goto out;
		}
		git_commit_free(p);
	}
	for (size_t i = 0; i < n; i++) {
		struct gitstats_lg2_side s, from = e[i].o;
		bool merged = false;

		if (!e[i].o.present && !e[i].n.present)
			continue; /* excluded */
		for (size_t k = 0; k < nothers && !merged; k++) {
			gitstats_lg2_tree_side(others[k], e[i].path, &s);
			merged = gitstats_lg2_side_eq(&s, &e[i].n);
		}
		gitstats_lg2_tree_side(ht, e[i].path, &s);
		if (merged)
			from = e[i].n;
		else if (gitstats_lg2_side_eq(&s, &e[i].o))
			gitstats_lg2_tree_side(bt, e[i].path, &from);
		moved = moved || !gitstats_lg2_side_eq(&from, &e[i].o);
		e[i].o = from;
		if (gitstats_lg2_side_eq(&e[i].o, &e[i].n))
			e[i].o.present = e[i].n.present = false;
	}
	if (!moved) {
		/* Every file from its parent: the whole commit is the session's. */
		gitstats_lg2_part_whole(out);
		goto out;
	}
	if ((rc = gitstats_lg2_numstat(c, e, n, &fl)) < 0)
		goto out;
	for (size_t i = 0; i < fl.n; i++) {
		out->session_added += fl.v[i].added;
		out->session_removed += fl.v[i].removed;
	}
	out->session_files = fl.n;
out:
	gitstats_int_flist_free(&fl);
	for (size_t k = 0; others && k < nothers; k++)
		git_tree_free(others[k]);
	free(others);
	git_tree_free(bt);
	git_tree_free(ht);
	return rc;
}

/* One commit against its first parent; the paths it touched into paths when not NULL. */
static int gitstats_lg2_commit(struct gitstats_ctx *c, const char *hex, struct gitstats_commit *out,
			       struct gitstats_strv *paths)
{
	git_diff_options o;
	git_commit *cm = NULL, *parent = NULL;
	git_tree *t = NULL, *pt = NULL;
	git_diff *diff = NULL;
	struct gitstats_flist fl = {0};
	struct gitstats_lg2_entry *e = NULL;
	const git_signature *au;
	const char *subject;
	git_oid oid;
	int rc = -EIO;

	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&cm, c->repo, &oid) < 0)
		goto out;
	snprintf(out->oid, sizeof(out->oid), "%s", hex);
	out->time = (int64_t)git_commit_time(cm);
	subject = git_commit_summary(cm);
	au = git_commit_author(cm);
	out->subject = strdup(subject ? subject : "");
	out->author = strdup(au && au->name ? au->name : "");
	out->merge = git_commit_parentcount(cm) > 1;
	if (!out->subject || !out->author) {
		rc = -ENOMEM;
		goto out;
	}
	if (git_commit_tree(&t, cm) < 0 ||
	    (git_commit_parentcount(cm) > 0 &&
	     (git_commit_parent(&parent, cm, 0) < 0 || git_commit_tree(&pt, parent) < 0)))
		goto out;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_tree(&diff, c->repo, pt, t, &o) < 0)
		goto out;
	e = calloc(git_diff_num_deltas(diff) + 1, sizeof(*e));
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		e[i].path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		out->files_excluded += gitstats_int_excluded(c->exclude, e[i].path);
		if (d->status != GIT_DELTA_ADDED)
			gitstats_lg2_side_from(&e[i].o, &d->old_file, false);
		if (d->status != GIT_DELTA_DELETED)
			gitstats_lg2_side_from(&e[i].n, &d->new_file, false);
	}
	if ((rc = gitstats_lg2_numstat(c, e, git_diff_num_deltas(diff), &fl)) < 0)
		goto out;
	for (size_t i = 0; i < fl.n; i++) {
		out->added += fl.v[i].added;
		out->removed += fl.v[i].removed;
	}
	out->files = fl.n;
	rc = 0;
	for (size_t i = 0; paths && i < fl.n && rc == 0; i++)
		rc = gitstats_int_strv_add(paths, fl.v[i].path);
	if (rc == 0 && c->base)
		rc = gitstats_lg2_session_part(c, cm, e, git_diff_num_deltas(diff), out);
out:
	if (rc == -EIO)
		gitstats_int_seterr(c->err, c->errn, "cannot read commit %s: %s", hex,
				    gitstats_int_lg2msg());
	gitstats_int_flist_free(&fl);
	free(e);
	git_diff_free(diff);
	git_tree_free(t);
	git_tree_free(pt);
	git_commit_free(parent);
	git_commit_free(cm);
	return rc;
}

/* Committed work between two commits, the excluded directory left out (gitstats_lg2_renames). */
static int gitstats_lg2_trees(struct gitstats_ctx *c, const char *from, const char *to,
			      size_t *files, int64_t *added, int64_t *removed)
{
	git_diff_options o;
	git_tree *ft = NULL, *tt = NULL;
	git_diff *diff = NULL;
	struct gitstats_flist fl = {0};
	struct gitstats_lg2_entry *e = NULL;
	size_t n;
	int rc = -EIO;

	*files = 0;
	*added = *removed = 0;
	if (gitstats_lg2_tree_of(c, from, true, &ft) < 0 ||
	    gitstats_lg2_tree_of(c, to, true, &tt) < 0)
		goto out;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_tree(&diff, c->repo, ft, tt, &o) < 0)
		goto out;
	n = git_diff_num_deltas(diff);
	if (!(e = calloc(n + 1, sizeof(*e)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		e[i].path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		if (d->status != GIT_DELTA_ADDED)
			gitstats_lg2_side_from(&e[i].o, &d->old_file, false);
		if (d->status != GIT_DELTA_DELETED)
			gitstats_lg2_side_from(&e[i].n, &d->new_file, false);
	}
	if ((rc = gitstats_lg2_numstat(c, e, n, &fl)) < 0)
		goto out;
	for (size_t i = 0; i < fl.n; i++) {
		*added += fl.v[i].added;
		*removed += fl.v[i].removed;
	}
	*files = fl.n;
out:
	if (rc == -EIO)
		gitstats_int_seterr(c->err, c->errn, "cannot diff %s to %s: %s", from, to,
				    gitstats_int_lg2msg());
	gitstats_int_flist_free(&fl);
	free(e);
	git_diff_free(diff);
	git_tree_free(ft);
	git_tree_free(tt);
	return rc;
}

static void gitstats_lg2_close(struct gitstats_ctx *c)
{
	git_repository_free(c->repo);
	c->repo = NULL;
}

static int gitstats_lg2_head_tips(struct gitstats_ctx *c, struct gitstats_head *h,
				  struct gitstats_tiplist *tips)
{
	int rc = gitstats_lg2_head(c, h);

	return rc < 0 ? rc : gitstats_lg2_tips(c, h, tips);
}

static int gitstats_lg2_parents(struct gitstats_ctx *c, char (*oids)[GITSTATS_OID_MAX + 1],
				size_t n, struct gitstats_cgraph *g)
{
	for (size_t i = 0; i < n; i++) {
		git_commit *cm = NULL;
		struct gitstats_cnode *node;
		git_oid oid;
		unsigned np;

		if (git_oid_fromstr(&oid, oids[i]) < 0 ||
		    git_commit_lookup(&cm, c->repo, &oid) < 0) {
			git_error_clear();
			continue;
		}
		np = git_commit_parentcount(cm);
		node = gitstats_int_cgraph_add(g, oids[i], np);
		if (!node) {
			git_commit_free(cm);
			return -ENOMEM;
		}
		for (unsigned k = 0; k < np; k++)
			git_oid_tostr(node->parents[k], sizeof(node->parents[k]),
				      git_commit_parent_id(cm, k));
		git_commit_free(cm);
	}
	return 0;
}

static int gitstats_lg2_commits(struct gitstats_ctx *c, const struct gitstats_cgraph *g,
				const size_t *idx, size_t n, struct gitstats_commit *out,
				struct gitstats_strv *paths)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = gitstats_lg2_commit(c, g->v[idx[i]].oid, &out[i], paths ? &paths[i] : NULL);
	return rc;
}

static int gitstats_lg2_added_lines(struct gitstats_ctx *c, const char *tree,
				    const struct gitstats_lines *sink)
{
	struct gitstats_flist files = {0};
	int rc;

	c->lines = sink;
	rc = gitstats_lg2_worktree(c, tree, &files);
	c->lines = NULL;
	gitstats_int_flist_free(&files);
	return rc;
}

const struct gitstats_backend gitstats_lg2_backend = {
    .fallback = false,
    .open = gitstats_lg2_open,
    .close = gitstats_lg2_close,
    .head_tips = gitstats_lg2_head_tips,
    .snapshot = gitstats_lg2_snapshot,
    .walk = gitstats_lg2_walk,
    .parents = gitstats_lg2_parents,
    .merge3 = gitstats_lg2_merge3,
    .worktree = gitstats_lg2_worktree,
    .commits = gitstats_lg2_commits,
    .trees = gitstats_lg2_trees,
    .added_lines = gitstats_lg2_added_lines,
};
