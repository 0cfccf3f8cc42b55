#include "gitstats_keep.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitstats_int.h"
#include "gitstats_run.h"
#include "paths.h"

/* DIR/<12 hex digits of the tree>-<mkdtemp's 6 characters> */
#define KEEP_PREFIX 12
#define KEEP_NAME   (KEEP_PREFIX + 7)

static bool gitstats_keep_name_ok(const char *name)
{
	if (strlen(name) != KEEP_NAME || name[KEEP_PREFIX] != '-')
		return false;
	for (size_t i = 0; i < KEEP_NAME; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (i < KEEP_PREFIX ? !strchr("0123456789abcdef", ch) || !ch
				    : i > KEEP_PREFIX && !(ch < 128 && (ch == '_' || isalnum(ch))))
			return false;
	}
	return true;
}

bool gitstats_keep_valid(const char *path)
{
	const char *name = path ? strrchr(path, '/') : NULL;
	size_t n;

	if (!path || path[0] != '/' || strlen(path) >= PATH_MAX || strstr(path, "/../") ||
	    strstr(path, "/./") || !name || !gitstats_keep_name_ok(name + 1))
		return false;
	n = (size_t)(name - path);
	return n >= 10 && strncmp(name - 10, "/baselines", 10) == 0;
}

struct gitstats_keep_copy {
	git_odb *from, *to;
	git_repository *repo; /* over from: reads trees */
	size_t objects;
};

static int gitstats_keep_object(struct gitstats_keep_copy *k, const git_oid *id)
{
	git_odb_object *o;
	git_oid written;
	int rc;

	if (git_odb_exists(k->to, id))
		return 0;
	if (git_odb_read(&o, k->from, id) < 0)
		return -ENOENT;
	rc = git_odb_write(&written, k->to, git_odb_object_data(o), git_odb_object_size(o),
			   git_odb_object_type(o));
	git_odb_object_free(o);
	if (rc < 0)
		return -EIO;
	k->objects++;
	return 0;
}

/* The objects of tree now (a subtree of the snapshot) that old (the same path in HEAD, or NULL)
 * does not have: changed entries only, so the work is what the worktree changed. */
static int gitstats_keep_tree(struct gitstats_keep_copy *k, const git_oid *now, const git_oid *old,
			      int depth)
{
	git_tree *tn = NULL, *to = NULL;
	int rc;

	if ((old && git_oid_equal(now, old)) || git_odb_exists(k->to, now))
		return 0;
	if (depth > 4096)
		return -ELOOP;
	if (git_tree_lookup(&tn, k->repo, now) < 0)
		return -ENOENT;
	/* HEAD's side unreadable: copy this subtree whole. */
	if (old && git_tree_lookup(&to, k->repo, old) < 0)
		to = NULL;
	rc = 0;
	for (size_t i = 0; i < git_tree_entrycount(tn) && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tn, i);
		const git_tree_entry *p =
		    to ? git_tree_entry_byname(to, git_tree_entry_name(e)) : NULL;
		const git_oid *prev = p && git_tree_entry_type(p) == git_tree_entry_type(e)
					  ? git_tree_entry_id(p)
					  : NULL;

		switch (git_tree_entry_type(e)) {
		case GIT_OBJECT_TREE:
			rc = gitstats_keep_tree(k, git_tree_entry_id(e), prev, depth + 1);
			break;
		case GIT_OBJECT_BLOB:
			if (!prev || !git_oid_equal(prev, git_tree_entry_id(e)))
				rc = gitstats_keep_object(k, git_tree_entry_id(e));
			break;
		default: /* a submodule's commit belongs to the submodule */
			break;
		}
	}
	/* The tree last: a kept tree means its contents are kept (the check at the top). */
	if (rc == 0)
		rc = gitstats_keep_object(k, now);
	git_tree_free(tn);
	git_tree_free(to);
	return rc;
}

/* HEAD's tree at the start, or none (an unborn branch: everything is copied). */
static int gitstats_keep_head_tree(struct gitstats_keep_copy *k, const char *head, git_oid *out)
{
	git_commit *cm;
	git_oid id;

	if (!head[0])
		return 1;
	if (git_oid_fromstr(&id, head) < 0 || git_commit_lookup(&cm, k->repo, &id) < 0)
		return 1; /* gone already: copy everything */
	git_oid_cpy(out, git_commit_tree_id(cm));
	git_commit_free(cm);
	return 0;
}

struct gitstats_keep_arg {
	const struct gitstats_baseline *base;
	const char *kept;
	size_t objects;
};

static int gitstats_keep_op(struct gitstats_ctx *c, void *arg)
{
	struct gitstats_keep_arg *a = arg;
	struct gitstats_keep_copy k = {0};
	char objects[PATH_MAX];
	git_oid tree, head;
	int rc, have_head;

	if ((size_t)snprintf(objects, sizeof(objects), "%s/objects", c->commondir) >=
		sizeof(objects) ||
	    git_oid_fromstr(&tree, a->base->tree) < 0) {
		gitstats_int_seterr(c->err, c->errn, "no object directory or tree");
		return -EINVAL;
	}
	if (git_odb_open(&k.from, objects) < 0 || git_odb_open(&k.to, a->kept) < 0 ||
	    git_repository_wrap_odb(&k.repo, k.from) < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot open the object directories: %s",
				    gitstats_int_lg2msg());
		rc = -EIO;
		goto out;
	}
	have_head = gitstats_keep_head_tree(&k, a->base->head, &head) == 0;
	rc = gitstats_keep_tree(&k, &tree, have_head ? &head : NULL, 0);
	if (rc < 0)
		gitstats_int_seterr(c->err, c->errn, "cannot copy the snapshot %s: %s",
				    a->base->tree, strerror(-rc));
	a->objects = k.objects;
out:
	git_repository_free(k.repo);
	git_odb_free(k.to);
	git_odb_free(k.from);
	return rc;
}

static int gitstats_keep_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int gitstats_keep_release(const char *kept, char *err, size_t errn)
{
	int rc;

	if (!kept)
		return 0;
	if (!gitstats_keep_valid(kept)) {
		gitstats_int_seterr(err, errn, "not a kept baseline: %s", kept);
		return -EINVAL;
	}
	rc = nftw(kept, gitstats_keep_rm, 16, FTW_DEPTH | FTW_PHYS);
	if (rc < 0 && errno == ENOENT)
		return 0;
	if (rc != 0) {
		rc = rc < 0 ? -errno : rc;
		gitstats_int_seterr(err, errn, "cannot remove %s: %s", kept, strerror(-rc));
		return rc;
	}
	return 0;
}

static void gitstats_keep_reset(void *arg)
{
	(void)arg;
}

int gitstats_keep(const char *root, struct gitstats_baseline *base, const char *dir, char *err,
		  size_t errn)
{
	static const struct gitstats_op op = {gitstats_keep_op, gitstats_keep_reset, 0};
	struct gitstats_ctx c = {.root = root};
	struct gitstats_keep_arg a = {.base = base};
	char path[PATH_MAX];
	int rc;

	base->kept = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%.*s-XXXXXX", dir, KEEP_PREFIX, base->tree) >=
	    sizeof(path)) {
		gitstats_int_seterr(err, errn, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if ((rc = paths_mkdir_p(dir, 0700)) < 0) {
		gitstats_int_seterr(err, errn, "cannot create %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (!mkdtemp(path)) {
		rc = -errno;
		gitstats_int_seterr(err, errn, "cannot create a directory in %s: %s", dir,
				    strerror(-rc));
		return rc;
	}
	a.kept = path;
	rc = gitstats_run_op(&c, &op, &a, err, errn);
	if (rc == 0 && !(base->kept = strdup(path)))
		rc = -ENOMEM;
	if (rc < 0)
		gitstats_keep_release(path, NULL, 0);
	return rc;
}

int gitstats_keep_sweep(const char *dir, const char *const *keep, size_t n)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	int removed = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		bool kept = false;

		if (!gitstats_keep_name_ok(e->d_name) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		for (size_t i = 0; i < n && !kept; i++)
			kept = keep[i] && strcmp(keep[i], path) == 0;
		if (!kept && gitstats_keep_release(path, NULL, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
