#include "repo_watch_exclude.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes hashed at a time: the digest chains each chunk's hash into the next chunk. */
#define REPO_WATCH_DIGEST_CHUNK (64 * 1024)

struct repo_watch_digest {
	git_oid state;
	unsigned char *buf; /* the previous state's bytes, then up to a chunk of data */
	size_t n;
	int err;
};

bool repo_watch_exclude_match(const char *ex, const char *rel)
{
	size_t n;

	if (!ex || !rel)
		return false;
	n = strlen(ex);
	return strncmp(rel, ex, n) == 0 && (rel[n] == '/' || rel[n] == '\0');
}

static void repo_watch_digest_fold(struct repo_watch_digest *dg)
{
	if (git_odb_hash(&dg->state, dg->buf, dg->n, GIT_OBJECT_BLOB) < 0)
		dg->err = -1;
	memcpy(dg->buf, dg->state.id, sizeof(dg->state.id));
	dg->n = sizeof(dg->state.id);
}

static void repo_watch_digest_add(struct repo_watch_digest *dg, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n > 0) {
		size_t room = sizeof(dg->state.id) + REPO_WATCH_DIGEST_CHUNK - dg->n,
		       k = n < room ? n : room;

		memcpy(dg->buf + dg->n, s, k);
		dg->n += k;
		s += k;
		n -= k;
		if (dg->n == sizeof(dg->state.id) + REPO_WATCH_DIGEST_CHUNK)
			repo_watch_digest_fold(dg);
	}
}

/* prefix name NUL mode NUL id: one tree or index entry. */
static void repo_watch_digest_entry(struct repo_watch_digest *dg, const char *prefix,
				    size_t prefixn, const char *name, unsigned mode,
				    const git_oid *id)
{
	char m[16];

	snprintf(m, sizeof(m), "%o", mode);
	repo_watch_digest_add(dg, prefix, prefixn);
	repo_watch_digest_add(dg, name, strlen(name) + 1);
	repo_watch_digest_add(dg, m, strlen(m) + 1);
	repo_watch_digest_add(dg, id->id, sizeof(id->id));
}

/*
 * The tree's entries with ex (relative to it) left out, descending only along ex's path. The
 * directories on that path are no entries of their own, so creating them for the first log, or
 * removing them with the last, changes nothing. exfull is the whole path, for the prefixes.
 */
static void repo_watch_digest_tree(struct repo_watch_digest *dg, git_repository *repo,
				   const git_tree *tree, const char *exfull, const char *ex)
{
	const char *slash = strchr(ex, '/');
	size_t len = slash ? (size_t)(slash - ex) : strlen(ex);

	for (size_t i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_tree *sub;

		if (strlen(name) == len && memcmp(name, ex, len) == 0) {
			if (!slash)
				continue;
			if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
				if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0) {
					dg->err = -1;
					continue;
				}
				repo_watch_digest_tree(dg, repo, sub, exfull, slash + 1);
				git_tree_free(sub);
				continue;
			}
		}
		repo_watch_digest_entry(dg, exfull, (size_t)(ex - exfull), name,
					(unsigned)git_tree_entry_filemode(e), git_tree_entry_id(e));
	}
}

/* One ref: its symbolic target, a tag's id, or its commit's tree without ex. */
static void repo_watch_digest_ref(struct repo_watch_digest *dg, git_repository *repo,
				  const char *name, const char *ex)
{
	git_reference *ref;
	git_object *tree;

	/* A ref deleted since it was listed is simply not there. */
	if (git_reference_lookup(&ref, repo, name) < 0)
		return;
	repo_watch_digest_add(dg, name, strlen(name) + 1);
	if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC) {
		repo_watch_digest_add(dg, "->", 2);
		repo_watch_digest_add(dg, git_reference_symbolic_target(ref),
				      strlen(git_reference_symbolic_target(ref)) + 1);
	} else if (strncmp(name, "refs/tags/", 10) != 0 &&
		   git_reference_peel(&tree, ref, GIT_OBJECT_TREE) == 0) {
		repo_watch_digest_tree(dg, repo, (git_tree *)tree, ex, ex);
		repo_watch_digest_add(dg, "", 1);
		git_object_free(tree);
	} else {
		repo_watch_digest_add(dg, git_reference_target(ref)->id,
				      sizeof(git_reference_target(ref)->id));
	}
	git_reference_free(ref);
}

static int repo_watch_digest_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int repo_watch_exclude_digest(git_repository *repo, git_index *index, const char *ex, git_oid *out)
{
	struct repo_watch_digest dg = {0};
	git_strarray refs = {0};

	if (!repo || !ex || !*ex ||
	    !(dg.buf = malloc(sizeof(dg.state.id) + REPO_WATCH_DIGEST_CHUNK)))
		return -1;
	dg.n = sizeof(dg.state.id);
	memset(dg.buf, 0, dg.n);
	repo_watch_digest_ref(&dg, repo, "HEAD", ex);
	if (git_reference_list(&refs, repo) < 0) {
		dg.err = -1;
	} else {
		/* Sorted, so that packing loose refs changes nothing. */
		qsort(refs.strings, refs.count, sizeof(*refs.strings), repo_watch_digest_cmp);
		for (size_t i = 0; i < refs.count; i++)
			repo_watch_digest_ref(&dg, repo, refs.strings[i], ex);
		git_strarray_dispose(&refs);
	}
	repo_watch_digest_add(&dg, "index", 6);
	for (size_t i = 0; index && i < git_index_entrycount(index); i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		char stage = (char)('0' + git_index_entry_stage(e));

		if (repo_watch_exclude_match(ex, e->path))
			continue;
		repo_watch_digest_entry(&dg, "", 0, e->path, e->mode, &e->id);
		repo_watch_digest_add(&dg, &stage, 1);
	}
	repo_watch_digest_fold(&dg);
	*out = dg.state;
	free(dg.buf);
	return dg.err;
}
