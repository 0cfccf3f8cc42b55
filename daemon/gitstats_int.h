#ifndef STINTD_GITSTATS_INT_H
#define STINTD_GITSTATS_INT_H

/*
 * What the files of the git statistics family share (daemon/gitstats*.c): the repository being
 * read, growable buffers and lists, an object-id set. Included by family files only; the rest of
 * the daemon sees gitstats.h.
 */

#include <git2.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gitstats_types.h"

#define S_ISGITLINK(m) (((m)&0170000) == 0160000)

struct gitstats_backend;
struct gitstats_cache;
struct gitstats_lines;

/* A NUL-terminated growable byte buffer. */
struct gitstats_buf {
	char *p;
	size_t n, cap;
};

int gitstats_int_buf_add(struct gitstats_buf *b, const void *d, size_t n);
void gitstats_int_buf_free(struct gitstats_buf *b);

/* Hex object id -> index, for the commit sets. */
struct gitstats_omap {
	char (*keys)[GITSTATS_OID_MAX + 1];
	size_t *vals;
	size_t cap, n;
};

int gitstats_int_omap_put(struct gitstats_omap *m, const char *k, size_t v);
bool gitstats_int_omap_get(const struct gitstats_omap *m, const char *k, size_t *v);
void gitstats_int_omap_free(struct gitstats_omap *m);

struct gitstats_strv {
	char **v;
	size_t n, cap;
};

int gitstats_int_strv_add(struct gitstats_strv *s, const char *str);
void gitstats_int_strv_free(struct gitstats_strv *s);

/* One repository being read, by one backend at a time. */
struct gitstats_ctx {
	const char *root;
	const struct gitstats_backend *be; /* set by gitstats_run_op */
	git_repository *repo;		   /* libgit2's; NULL when running git instead */
	char gitdir[PATH_MAX];
	char commondir[PATH_MAX];
	char *exclude;	     /* relative to root, no trailing slash; NULL for none */
	uint32_t diff_flags; /* git's diff.algorithm, as libgit2 patch flags */
	/* No attribute file anywhere and no filter: worktree files are read as they are. */
	bool plain;
	/* Where the libgit2 backend also sends each pair's added lines (NULL: counts only). */
	const struct gitstats_lines *lines;
	char *err;
	size_t errn;
	/* The session's start, for the commits' session parts (NULL: commits without them). */
	const struct gitstats_baseline *base;
	/* Reflogs read as they were at this wall time in ms: later entries left out (0: all). */
	int64_t until_ms;
	/* What incremental recomputes keep between them (gitstats_compute_paths), or NULL. */
	struct gitstats_cache *cache;
};

void gitstats_int_seterr(char *err, size_t errn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* libgit2's last error message, or a placeholder when it has none. */
const char *gitstats_int_lg2msg(void);
bool gitstats_int_is_hex_oid(const char *s);
/* A path under the excluded directory (both relative to the worktree root)? */
bool gitstats_int_excluded(const char *ex, const char *path);
/* Splits -z output into NUL-terminated tokens. */
char *gitstats_int_next_tok(char **p, const char *end);
void gitstats_int_strip_slash(char *p);

struct gitstats_head {
	char oid[GITSTATS_OID_MAX + 1];
	char *branch;
};

/* Tips now: HEAD first, then each local branch. */
struct gitstats_tiplist {
	struct gitstats_tip *v;
	size_t n, cap;
};

int gitstats_int_tiplist_add(struct gitstats_tiplist *l, const char *ref, const char *oid);
void gitstats_int_tiplist_free(struct gitstats_tiplist *l);

/* A file list being built. */
struct gitstats_flist {
	struct gitstats_file *v;
	size_t n, cap;
};

struct gitstats_file *gitstats_int_flist_add(struct gitstats_flist *l);
void gitstats_int_flist_free(struct gitstats_flist *l);
int gitstats_int_file_set(struct gitstats_file *f, const char *path, const char *old_path,
			  char status, bool binary, int64_t added, int64_t removed);
int gitstats_int_file_cmp(const void *a, const void *b);
/* "main", "detached at abc1234", "main (unborn)": symref NULL when detached. */
void gitstats_int_branch_name(char *out, size_t outn, const char *symref, const char *oid);

/* The commit graph the backends fill and gitstats_graph.c reads. */
struct gitstats_cnode {
	char oid[GITSTATS_OID_MAX + 1];
	char (*parents)[GITSTATS_OID_MAX + 1];
	size_t nparents;
	bool pulled;
	bool pull_merge; /* a merge made here of pulled commits: listed with them, its tree is ours
			  */
	bool old;	 /* reachable at the start from a local branch, not from HEAD */
	bool pulled_child;
};

struct gitstats_cgraph {
	struct gitstats_cnode *v; /* newest first (topological) */
	size_t n, cap;
	struct gitstats_omap at; /* oid -> index in v */
};

/* A new node with room for nparents parents (to fill in); NULL when out of memory. */
struct gitstats_cnode *gitstats_int_cgraph_add(struct gitstats_cgraph *g, const char *oid,
					       size_t nparents);
void gitstats_int_cgraph_free(struct gitstats_cgraph *g);

#endif
