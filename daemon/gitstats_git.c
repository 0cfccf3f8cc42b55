#include "gitstats_git.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "gitstats_gitparse.h"
#include "gitstats_gitproc.h"
#include "log.h"

static int gitstats_git_open(struct gitstats_ctx *c)
{
	const char *args[] = {"rev-parse", "--is-bare-repository", "--absolute-git-dir",
			      "--git-common-dir", NULL};
	struct gitstats_gitproc r = {0};
	char *lines[3] = {0}, *p;
	int rc, k = 0;

	if ((rc = gitstats_gitproc_ok(c, args, &r, false)) < 0)
		goto out;
	for (p = r.out.p; p && k < 3; k++) {
		char *nl = strchr(p, '\n');

		lines[k] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	if (!lines[2]) {
		gitstats_int_seterr(c->err, c->errn, "git rev-parse: unexpected output");
		rc = -EIO;
		goto out;
	}
	if (strcmp(lines[0], "true") == 0) {
		gitstats_int_seterr(c->err, c->errn, "%s is a bare repository", c->root);
		rc = -EINVAL;
		goto out;
	}
	snprintf(c->gitdir, sizeof(c->gitdir), "%s", lines[1]);
	if (lines[2][0] == '/')
		snprintf(c->commondir, sizeof(c->commondir), "%s", lines[2]);
	else
		snprintf(c->commondir, sizeof(c->commondir), "%s/%s", c->root, lines[2]);
	gitstats_int_strip_slash(c->gitdir);
	gitstats_int_strip_slash(c->commondir);
out:
	gitstats_gitproc_free(&r);
	return rc;
}

/* HEAD (read as a file: symbolic or detached) and every local branch, with one git run. */
static int gitstats_git_head_tips(struct gitstats_ctx *c, struct gitstats_head *h,
				  struct gitstats_tiplist *tips)
{
	const char *args[] = {"for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/",
			      NULL};
	char path[PATH_MAX + 16], head[PATH_MAX], b[512], *symref = NULL;
	struct gitstats_gitproc r = {0};
	struct gitstats_tiplist branches = {0};
	ssize_t n;
	int fd, rc;

	memset(h, 0, sizeof(*h));
	snprintf(path, sizeof(path), "%s/HEAD", c->gitdir);
	fd = fileio_open_regular(path);
	if (fd < 0)
		errno = -fd;
	if (fd < 0 || (n = read(fd, head, sizeof(head) - 1)) < 0) {
		rc = -errno;
		gitstats_int_seterr(c->err, c->errn, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	head[n] = '\0';
	head[strcspn(head, "\n")] = '\0';
	if (strncmp(head, "ref: ", 5) == 0)
		symref = head + 5;
	else
		snprintf(h->oid, sizeof(h->oid), "%.64s", head);

	if ((rc = gitstats_gitproc_ok(c, args, &r, false)) < 0)
		goto out;
	for (char *p = r.out.p; p && *p;) {
		char *nl = strchr(p, '\n'), *sp;

		if (nl)
			*nl = '\0';
		sp = strchr(p, ' ');
		if (sp) {
			*sp = '\0';
			if ((rc = gitstats_int_tiplist_add(&branches, sp + 1, p)) < 0)
				goto out;
			if (symref && strcmp(symref, sp + 1) == 0)
				snprintf(h->oid, sizeof(h->oid), "%s", p);
		}
		p = nl ? nl + 1 : NULL;
	}
	gitstats_int_branch_name(b, sizeof(b), symref, h->oid);
	h->branch = strdup(b);
	if (!h->branch || (rc = gitstats_int_tiplist_add(tips, "HEAD", h->oid)) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < branches.n; i++)
		if ((rc = gitstats_int_tiplist_add(tips, branches.v[i].ref, branches.v[i].oid)) < 0)
			goto out;
out:
	gitstats_int_tiplist_free(&branches);
	gitstats_gitproc_free(&r);
	return rc;
}

/* A private copy of the user's index in a private directory; "" when the repo has none yet. */
static int gitstats_git_index_copy(struct gitstats_ctx *c, char *dir, size_t dirn, char *path,
				   size_t pathn)
{
	const char *tmp = getenv("TMPDIR");
	char src[PATH_MAX + 16], chunk[65536];
	int in, out, rc = 0;
	ssize_t n;

	snprintf(dir, dirn, "%s/stint-index.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		rc = -errno;
		gitstats_int_seterr(c->err, c->errn, "cannot create a temporary directory: %s",
				    strerror(errno));
		dir[0] = '\0';
		return rc;
	}
	snprintf(path, pathn, "%s/index", dir);
	snprintf(src, sizeof(src), "%s/index", c->gitdir);
	in = fileio_open_regular(src);
	if (in < 0)
		return in == -ENOENT ? 0 : in;
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	if (n < 0)
		rc = -errno;
	close(in);
	close(out);
	if (rc < 0)
		gitstats_int_seterr(c->err, c->errn, "cannot copy %s: %s", src, strerror(-rc));
	return rc;
}

static void gitstats_git_index_remove(const char *dir)
{
	char p[PATH_MAX + 16];

	if (!dir[0])
		return;
	snprintf(p, sizeof(p), "%s/index", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/index.lock", dir);
	unlink(p);
	rmdir(dir);
}

/* Options that keep git from writing split or sparse indexes or consulting daemons. */
#define GITSTATS_GIT_INDEX_OPTS                                                                    \
	"-c", "core.splitIndex=false", "-c", "index.sparse=false", "-c", "core.fsmonitor=false",   \
	    "-c", "core.untrackedCache=false"

/*
 * `git add` over the whole worktree into the private index (ita: with --intent-to-add), leaving
 * out untracked directories that are repositories of their own (git refuses those without a
 * commit, and they are not this repository's content), and the excluded directory.
 */
static int gitstats_git_add(struct gitstats_ctx *c, const char *idx, bool ita)
{
	const char *ls[] = {GITSTATS_GIT_INDEX_OPTS, "ls-files", "-z", "--others",
			    "--exclude-standard",    NULL};
	const char *head[] = {GITSTATS_GIT_INDEX_OPTS, "add", ita ? "--intent-to-add" : "--all",
			      "--", "."};
	const size_t nhead = sizeof(head) / sizeof(head[0]);
	struct gitstats_gitproc l = {.index_file = idx}, a = {.index_file = idx};
	struct gitstats_strv specs = {0};
	const char **args = NULL;
	char *p, *end, *tok;
	int rc;

	if ((rc = gitstats_gitproc_ok(c, ls, &l, false)) < 0)
		goto out;
	p = l.out.p;
	end = p ? p + l.out.n : NULL;
	while ((tok = gitstats_int_next_tok(&p, end))) {
		size_t n = strlen(tok);
		char spec[PATH_MAX + 32];

		if (n && tok[n - 1] == '/') {
			snprintf(spec, sizeof(spec), ":(top,exclude,literal)%.*s", (int)(n - 1),
				 tok);
			if ((rc = gitstats_int_strv_add(&specs, spec)) < 0)
				goto out;
		}
	}
	args = calloc(nhead + specs.n + 1, sizeof(*args));
	if (!args) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(args, head, sizeof(head));
	for (size_t i = 0; i < specs.n; i++)
		args[nhead + i] = specs.v[i];
	rc = gitstats_gitproc_ok(c, args, &a, false);
out:
	free(args);
	gitstats_int_strv_free(&specs);
	gitstats_gitproc_free(&l);
	gitstats_gitproc_free(&a);
	return rc;
}

static int gitstats_git_snapshot(struct gitstats_ctx *c, char *tree, size_t treen)
{
	const char *write[] = {GITSTATS_GIT_INDEX_OPTS, "write-tree", NULL};
	char dir[PATH_MAX], idx[PATH_MAX + 16];
	struct gitstats_gitproc w = {0};
	int rc;

	if ((rc = gitstats_git_index_copy(c, dir, sizeof(dir), idx, sizeof(idx))) < 0)
		goto out;
	w.index_file = idx;
	if ((rc = gitstats_git_add(c, idx, false)) < 0 ||
	    (rc = gitstats_gitproc_ok(c, write, &w, false)) < 0)
		goto out;
	if (!w.out.p || strlen(w.out.p) < 40) {
		gitstats_int_seterr(c->err, c->errn, "git write-tree: unexpected output");
		rc = -EIO;
		goto out;
	}
	w.out.p[strcspn(w.out.p, "\n")] = '\0';
	snprintf(tree, treen, "%s", w.out.p);
out:
	gitstats_git_index_remove(dir);
	gitstats_gitproc_free(&w);
	return rc;
}

/* Commits among push and hide that exist, so rev-list is never given a missing one. */
static int gitstats_git_existing(struct gitstats_ctx *c, char (*push)[GITSTATS_OID_MAX + 1],
				 size_t npush, const struct gitstats_tip *hide, size_t nhide,
				 struct gitstats_omap *out)
{
	const char *args[] = {"cat-file", "--batch-check=%(objectname) %(objecttype)", NULL};
	struct gitstats_gitproc r = {0};
	struct gitstats_buf in = {0};
	int rc = 0;

	for (size_t i = 0; i < npush + nhide; i++) {
		const char *oid = i < npush ? push[i] : hide[i - npush].oid;

		if (gitstats_int_is_hex_oid(oid) &&
		    (gitstats_int_buf_add(&in, oid, strlen(oid)) < 0 ||
		     gitstats_int_buf_add(&in, "\n", 1) < 0)) {
			gitstats_int_buf_free(&in);
			return -ENOMEM;
		}
	}
	if (!in.n)
		return 0;
	r.in = in.p;
	r.inlen = in.n;
	if ((rc = gitstats_gitproc_ok(c, args, &r, false)) < 0)
		goto out;
	for (char *p = r.out.p; p && *p;) {
		char *nl = strchr(p, '\n'), *sp;

		if (nl)
			*nl = '\0';
		sp = strchr(p, ' ');
		if (sp && strcmp(sp + 1, "commit") == 0) {
			*sp = '\0';
			if ((rc = gitstats_int_omap_put(out, p, 1)) < 0)
				break;
		}
		p = nl ? nl + 1 : NULL;
	}
out:
	gitstats_int_buf_free(&in);
	gitstats_gitproc_free(&r);
	return rc;
}

/* One line of `git rev-list --parents`, "oid parent...": a node of g (when g) and the oid into
 * set (when set). 0 or -ENOMEM. */
static int gitstats_git_graph_line(char *line, struct gitstats_cgraph *g, struct gitstats_omap *set)
{
	struct gitstats_cnode *n = NULL;
	char *tok, *save = NULL;
	size_t np = 0, k = 0;

	for (const char *q = line; *q; q++)
		np += *q == ' ';
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save), k++) {
		if (k == 0) {
			if (set && gitstats_int_omap_put(set, tok, 1) < 0)
				return -ENOMEM;
			if (g && !(n = gitstats_int_cgraph_add(g, tok, np)))
				return -ENOMEM;
		} else if (n && k - 1 < np) {
			snprintf(n->parents[k - 1], sizeof(n->parents[0]), "%s", tok);
		}
	}
	return 0;
}

static int gitstats_git_walk(struct gitstats_ctx *c, char (*push)[GITSTATS_OID_MAX + 1],
			     size_t npush, const struct gitstats_tip *hide, size_t nhide,
			     struct gitstats_cgraph *g, struct gitstats_omap *set)
{
	const char *args[] = {"rev-list", "--topo-order", "--parents", "--stdin", NULL};
	struct gitstats_gitproc r = {0};
	struct gitstats_omap exist = {0};
	struct gitstats_buf in = {0};
	size_t pushed = 0;
	int rc;

	if ((rc = gitstats_git_existing(c, push, npush, hide, nhide, &exist)) < 0)
		goto out;
	for (size_t i = 0; i < npush; i++)
		if (gitstats_int_omap_get(&exist, push[i], NULL)) {
			if (gitstats_int_buf_add(&in, push[i], strlen(push[i])) < 0 ||
			    gitstats_int_buf_add(&in, "\n", 1) < 0)
				goto nomem;
			pushed++;
		}
	if (!pushed)
		goto out;
	for (size_t i = 0; i < nhide; i++)
		if (gitstats_int_omap_get(&exist, hide[i].oid, NULL) &&
		    (gitstats_int_buf_add(&in, "^", 1) < 0 ||
		     gitstats_int_buf_add(&in, hide[i].oid, strlen(hide[i].oid)) < 0 ||
		     gitstats_int_buf_add(&in, "\n", 1) < 0))
			goto nomem;
	r.in = in.p;
	r.inlen = in.n;
	if ((rc = gitstats_gitproc_ok(c, args, &r, false)) < 0)
		goto out;
	for (char *p = r.out.p; p && *p;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (gitstats_git_graph_line(p, g, set) < 0)
			goto nomem;
		p = nl ? nl + 1 : NULL;
	}
out:
	gitstats_int_omap_free(&exist);
	gitstats_int_buf_free(&in);
	gitstats_gitproc_free(&r);
	return rc;
nomem:
	rc = -ENOMEM;
	goto out;
}

static int gitstats_git_merge3(struct gitstats_ctx *c, const char *anc, const char *ours,
			       const char *theirs, char *out, size_t outn)
{
	static const char *const ident[] = {
	    "GIT_AUTHOR_NAME=stint", "GIT_AUTHOR_EMAIL=stint@localhost", "GIT_COMMITTER_NAME=stint",
	    "GIT_COMMITTER_EMAIL=stint@localhost", NULL};
	const char *ct[] = {"commit-tree", ours, "-m", "stint baseline", "-p", anc, NULL};
	const char *mt[] = {"merge-tree",
			    "--write-tree",
			    "--no-messages",
			    "-z",
			    "--allow-unrelated-histories",
			    NULL,
			    theirs,
			    NULL};
	struct gitstats_gitproc r1 = {.extra_env = ident}, r2 = {0};
	char commit[GITSTATS_OID_MAX + 1];
	int rc;

	if (!*anc)
		ct[4] = NULL;
	if ((rc = gitstats_gitproc_ok(c, ct, &r1, false)) < 0)
		goto out;
	snprintf(commit, sizeof(commit), "%.*s", (int)strcspn(r1.out.p ? r1.out.p : "", "\n"),
		 r1.out.p ? r1.out.p : "");
	mt[5] = commit;
	/* Exit status 1: conflicts, still a tree (with conflict markers where they clash). */
	if ((rc = gitstats_gitproc_ok(c, mt, &r2, true)) < 0)
		goto out;
	if (!r2.out.p || !gitstats_int_is_hex_oid(r2.out.p)) {
		gitstats_int_seterr(c->err, c->errn, "git merge-tree: unexpected output");
		rc = -EIO;
		goto out;
	}
	snprintf(out, outn, "%s", r2.out.p);
out:
	gitstats_gitproc_free(&r1);
	gitstats_gitproc_free(&r2);
	return rc;
}

static void gitstats_git_exclude_spec(const struct gitstats_ctx *c, char *out, size_t outn)
{
	snprintf(out, outn, ":(top,exclude,literal)%s", c->exclude ? c->exclude : "");
}

/*
 * Runs the diff args against the worktree with untracked files counted as if `git add -N`'d:
 * in a private copy of the index, removed again; the user's index is never written. r gets the
 * output. 0 or -errno.
 */
static int gitstats_git_diff_untracked(struct gitstats_ctx *c, const char *const *args,
				       struct gitstats_gitproc *r)
{
	char dir[PATH_MAX], idx[PATH_MAX + 16];
	int rc;

	if ((rc = gitstats_git_index_copy(c, dir, sizeof(dir), idx, sizeof(idx))) < 0)
		return rc;
	r->index_file = idx;
	if ((rc = gitstats_git_add(c, idx, true)) == 0)
		rc = gitstats_gitproc_ok(c, args, r, false);
	gitstats_git_index_remove(dir);
	r->index_file = NULL;
	return rc;
}

static int gitstats_git_worktree(struct gitstats_ctx *c, const char *tree,
				 struct gitstats_flist *out)
{
	char ex[PATH_MAX + 32];
	const char *diff[] = {GITSTATS_GIT_INDEX_OPTS,
			      "diff",
			      "--raw",
			      "--numstat",
			      "-z",
			      "-M",
			      "--no-ext-diff",
			      "--no-textconv",
			      "--no-color",
			      tree,
			      "--",
			      ".",
			      ex,
			      NULL};
	struct gitstats_gitproc r2 = {0};
	int rc;

	gitstats_git_exclude_spec(c, ex, sizeof(ex));
	if (!c->exclude)
		diff[sizeof(diff) / sizeof(diff[0]) - 2] = NULL;
	if ((rc = gitstats_git_diff_untracked(c, diff, &r2)) == 0)
		rc = gitstats_git_parse_diff(c, &r2, out);
	gitstats_gitproc_free(&r2);
	return rc;
}

static int gitstats_git_change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gitstats_git_change *)a)->path,
		      ((const struct gitstats_git_change *)b)->path);
}

static const struct gitstats_git_change *
gitstats_git_changes_find(const struct gitstats_git_changes *l, const char *path)
{
	struct gitstats_git_change key = {.path = (char *)path};

	return l->n ? bsearch(&key, l->v, l->n, sizeof(*l->v), gitstats_git_change_cmp) : NULL;
}

static bool gitstats_git_side_eq(const struct gitstats_git_side *a,
				 const struct gitstats_git_side *b)
{
	if (!a->present || !b->present)
		return a->present == b->present;
	return a->mode == b->mode && strcmp(a->oid, b->oid) == 0;
}

/* What the baseline snapshot holds that HEAD at the start did not: o HEAD's side, n its own. */
static int gitstats_git_base_changes(struct gitstats_ctx *c, struct gitstats_git_changes *out)
{
	const struct gitstats_baseline *b = c->base;
	const char *dt[] = {"diff-tree",    "-z",    "-r",    "--raw",
			    "--no-renames", b->head, b->tree, NULL};
	const char *ls[] = {"ls-tree", "-z", "-r", "--full-tree", b->tree, NULL};
	struct gitstats_gitproc r = {0};
	int rc;

	/* Unborn at the start: everything in the snapshot is new. */
	if ((rc = gitstats_gitproc_ok(c, b->head[0] ? dt : ls, &r, false)) < 0)
		goto out;
	if (b->head[0]) {
		rc = gitstats_git_parse_raw(c, &r, NULL, out);
	} else {
		char *p = r.out.p, *end = p ? p + r.out.n : NULL, *tok;

		while (rc == 0 && (tok = gitstats_int_next_tok(&p, end))) {
			struct gitstats_git_side none = {0}, n = {.present = true};
			char *tab = strchr(tok, '\t');

			if (!tab || sscanf(tok, "%o %*s %64s", &n.mode, n.oid) != 2) {
				gitstats_int_seterr(c->err, c->errn,
						    "git ls-tree: unexpected output");
				rc = -EIO;
				break;
			}
			rc = gitstats_git_changes_add(out, tab + 1, &none, &n);
		}
	}
	if (rc == 0 && out->n)
		qsort(out->v, out->n, sizeof(*out->v), gitstats_git_change_cmp);
out:
	gitstats_gitproc_free(&r);
	return rc;
}

/* "A R F" of `git diff-tree -z -r -M --numstat from to`, the excluded directory left out. */
static int gitstats_git_tree_numstat(struct gitstats_ctx *c, const char *from, const char *to,
				     struct gitstats_commit *out)
{
	char ex[PATH_MAX + 32];
	const char *dt[] = {
	    "diff-tree", "-z", "-r", "-M", "--numstat", "--no-ext-diff", "--no-textconv", from,
	    to,		 "--", ".",  ex,   NULL};
	struct gitstats_gitproc r = {0};
	char *p, *end, *tok;
	int rc;

	gitstats_git_exclude_spec(c, ex, sizeof(ex));
	if (!c->exclude)
		dt[sizeof(dt) / sizeof(dt[0]) - 2] = NULL;
	if ((rc = gitstats_gitproc_ok(c, dt, &r, false)) < 0)
		goto out;
	p = r.out.p;
	end = p ? p + r.out.n : NULL;
	while ((tok = gitstats_int_next_tok(&p, end))) {
		bool binary;
		int64_t a, d;
		char *path;

		if (!strchr(tok, '\t'))
			continue;
		if (gitstats_git_numstat_record(tok, &binary, &a, &d, &path) < 0 ||
		    (!*path &&
		     (!gitstats_int_next_tok(&p, end) || !gitstats_int_next_tok(&p, end)))) {
			gitstats_int_seterr(c->err, c->errn, "git diff-tree: unexpected output");
			rc = -EIO;
			break;
		}
		out->session_added += a;
		out->session_removed += d;
		out->session_files++;
	}
out:
	gitstats_gitproc_free(&r);
	return rc;
}

/*
 * The commit's change measured from the given sides (ch[i].o) instead of its parent's: the
 * parent's tree with those sides put in, in a private index, written as a tree and diffed.
 */
static int gitstats_git_part_from(struct gitstats_ctx *c, const struct gitstats_cnode *cn,
				  const struct gitstats_git_changes *ch,
				  struct gitstats_commit *out)
{
	const char *rt[] = {GITSTATS_GIT_INDEX_OPTS, "read-tree",
			    cn->nparents ? cn->parents[0] : "--empty", NULL};
	const char *ui[] = {GITSTATS_GIT_INDEX_OPTS, "update-index", "-z", "--index-info", NULL};
	const char *wt[] = {GITSTATS_GIT_INDEX_OPTS, "write-tree", NULL};
	char dir[PATH_MAX], idx[PATH_MAX + 16], tree[GITSTATS_OID_MAX + 1];
	struct gitstats_gitproc r1 = {0}, r2 = {0}, r3 = {0};
	struct gitstats_buf in = {0};
	const char *tmp = getenv("TMPDIR");
	int rc = 0;

	char zero[GITSTATS_OID_MAX + 1];

	snprintf(dir, sizeof(dir), "%s/stint-index.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		rc = -errno;
		gitstats_int_seterr(c->err, c->errn, "cannot create a temporary directory: %s",
				    strerror(-rc));
		return rc;
	}
	snprintf(idx, sizeof(idx), "%s/index", dir);
	/* A null id as long as the repository's: SHA-1 or SHA-256. */
	memset(zero, '0', strlen(cn->oid));
	zero[strlen(cn->oid)] = '\0';
	for (size_t i = 0; i < ch->n && rc == 0; i++) {
		const struct gitstats_git_side *s = &ch->v[i].o;
		char line[GITSTATS_OID_MAX + 32];

		/* Mode 0 removes the path. */
		snprintf(line, sizeof(line), "%o %s\t", s->present ? s->mode : 0,
			 s->present ? s->oid : zero);
		if (gitstats_int_buf_add(&in, line, strlen(line)) < 0 ||
		    gitstats_int_buf_add(&in, ch->v[i].path, strlen(ch->v[i].path) + 1) < 0)
			rc = -ENOMEM;
	}
	r1.index_file = r2.index_file = r3.index_file = idx;
	r2.in = in.p;
	r2.inlen = in.n;
	if (rc == 0 && (rc = gitstats_gitproc_ok(c, rt, &r1, false)) == 0 &&
	    (rc = gitstats_gitproc_ok(c, ui, &r2, false)) == 0 &&
	    (rc = gitstats_gitproc_ok(c, wt, &r3, false)) == 0) {
		snprintf(tree, sizeof(tree), "%.*s", (int)strcspn(r3.out.p ? r3.out.p : "", "\n"),
			 r3.out.p ? r3.out.p : "");
		if (!gitstats_int_is_hex_oid(tree)) {
			gitstats_int_seterr(c->err, c->errn, "git write-tree: unexpected output");
			rc = -EIO;
		} else {
			rc = gitstats_git_tree_numstat(c, tree, cn->oid, out);
		}
	}
	gitstats_git_index_remove(dir);
	gitstats_int_buf_free(&in);
	gitstats_gitproc_free(&r1);
	gitstats_gitproc_free(&r2);
	gitstats_gitproc_free(&r3);
	return rc;
}

/* Paths a merge's other parents already had as the merge has them: brought in, not made. */
static int gitstats_git_merged_in(struct gitstats_ctx *c, const struct gitstats_cnode *cn,
				  struct gitstats_git_changes *ch)
{
	int rc = 0;

	for (size_t k = 1; k < cn->nparents && rc == 0; k++) {
		const char *dt[] = {"diff-tree",    "-z",	    "-r",    "--raw",
				    "--no-renames", cn->parents[k], cn->oid, NULL};
		struct gitstats_gitproc r = {0};
		struct gitstats_git_changes d = {0};

		if ((rc = gitstats_gitproc_ok(c, dt, &r, false)) == 0 &&
		    (rc = gitstats_git_parse_raw(c, &r, NULL, &d)) == 0) {
			if (d.n)
				qsort(d.v, d.n, sizeof(*d.v), gitstats_git_change_cmp);
			for (size_t i = 0; i < ch->n; i++)
				if (!gitstats_git_changes_find(&d, ch->v[i].path))
					ch->v[i].o = ch->v[i].n;
		}
		gitstats_git_changes_free(&d);
		gitstats_gitproc_free(&r);
	}
	return rc;
}

/*
 * The session's part of each commit (docs/git-statistics.md). A file the commit changed is
 * measured from the baseline snapshot's version when its parent still had HEAD's version from
 * the start; only files the snapshot holds otherwise than HEAD did can differ from the parent's.
 */
static int gitstats_git_session_parts(struct gitstats_ctx *c, const struct gitstats_cgraph *g,
				      const size_t *idx, size_t n, struct gitstats_commit *out)
{
	const char *dt[] = {"diff-tree", "--stdin",	 "-z",	   "-r",
			    "--raw",	 "--no-renames", "--root", NULL};
	struct gitstats_git_changes base = {0}, *ch = NULL;
	struct gitstats_gitproc r = {0};
	struct gitstats_buf in = {0};
	struct gitstats_omap at = {0};
	bool merges = false;
	int rc;

	for (size_t i = 0; i < n; i++) {
		out[i].session_added = out[i].added;
		out[i].session_removed = out[i].removed;
		out[i].session_files = out[i].files;
		merges = merges || g->v[idx[i]].nparents > 1;
	}
	rc = gitstats_git_base_changes(c, &base);
	if (rc < 0 && rc != -ENOMEM) {
		/* HEAD's commit from the start is gone (amended, then pruned): the parts cannot be
		 * told from the rest, so each commit counts whole, as it did before. */
		log_debug("gitstats: %s: %s: commits count whole", c->root, c->err);
		rc = 0;
		goto out;
	}
	if (rc < 0 || (!base.n && !merges))
		goto out;
	ch = calloc(n + 1, sizeof(*ch));
	if (!ch) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct gitstats_cnode *cn = &g->v[idx[i]];

		if (gitstats_int_buf_add(&in, cn->oid, strlen(cn->oid)) < 0 ||
		    (cn->nparents &&
		     (gitstats_int_buf_add(&in, " ", 1) < 0 ||
		      gitstats_int_buf_add(&in, cn->parents[0], strlen(cn->parents[0])) < 0)) ||
		    gitstats_int_buf_add(&in, "\n", 1) < 0 ||
		    gitstats_int_omap_put(&at, cn->oid, i) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	r.in = in.p;
	r.inlen = in.n;
	if ((rc = gitstats_gitproc_ok(c, dt, &r, false)) < 0 ||
	    (rc = gitstats_git_parse_raw(c, &r, &at, ch)) < 0)
		goto out;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct gitstats_cnode *cn = &g->v[idx[i]];
		bool moved = false;

		if (cn->nparents > 1 && (rc = gitstats_git_merged_in(c, cn, &ch[i])) < 0)
			break;
		for (size_t k = 0; k < ch[i].n; k++) {
			struct gitstats_git_change *x = &ch[i].v[k];
			const struct gitstats_git_change *b =
			    gitstats_git_changes_find(&base, x->path);

			/* Unchanged by the commits before it: from the baseline's version. */
			if (b && gitstats_git_side_eq(&b->o, &x->o) &&
			    !gitstats_git_side_eq(&x->o, &x->n)) {
				x->o = b->n;
				moved = true;
			} else if (gitstats_git_side_eq(&x->o, &x->n)) {
				moved = true; /* a merge's brought-in file */
			}
		}
		if (!moved)
			continue;
		out[i].session_added = out[i].session_removed = 0;
		out[i].session_files = 0;
		rc = gitstats_git_part_from(c, cn, &ch[i], &out[i]);
	}
out:
	for (size_t i = 0; ch && i < n; i++)
		gitstats_git_changes_free(&ch[i]);
	free(ch);
	gitstats_git_changes_free(&base);
	gitstats_int_omap_free(&at);
	gitstats_int_buf_free(&in);
	gitstats_gitproc_free(&r);
	return rc;
}

/* Subjects, authors, times, and numstat against the first parent, for many commits at once. */
static int gitstats_git_commits(struct gitstats_ctx *c, const struct gitstats_cgraph *g,
				const size_t *idx, size_t n, struct gitstats_commit *out,
				struct gitstats_strv *paths)
{
	const char *log[] = {
	    "log", "--no-walk=unsorted", "--stdin", "-z", "--format=%H%x00%ct%x00%an%x00%s", NULL};
	/* The excluded directory is counted apart (files_excluded), not left out by a pathspec. */
	const char *dt[] = {
	    "diff-tree",     "--stdin",	      "-z", "-r", "-M", "--numstat", "--root", "--always",
	    "--no-ext-diff", "--no-textconv", NULL};
	struct gitstats_gitproc r1 = {0}, r2 = {0};
	struct gitstats_buf in1 = {0}, in2 = {0};
	struct gitstats_omap at = {0};
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const struct gitstats_cnode *cn = &g->v[idx[i]];

		if (gitstats_int_buf_add(&in1, cn->oid, strlen(cn->oid)) < 0 ||
		    gitstats_int_buf_add(&in1, "\n", 1) < 0 ||
		    gitstats_int_buf_add(&in2, cn->oid, strlen(cn->oid)) < 0 ||
		    (cn->nparents &&
		     (gitstats_int_buf_add(&in2, " ", 1) < 0 ||
		      gitstats_int_buf_add(&in2, cn->parents[0], strlen(cn->parents[0])) < 0)) ||
		    gitstats_int_buf_add(&in2, "\n", 1) < 0 ||
		    gitstats_int_omap_put(&at, cn->oid, i) < 0) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(out[i].oid, sizeof(out[i].oid), "%s", cn->oid);
		out[i].merge = cn->nparents > 1;
	}
	r1.in = in1.p;
	r1.inlen = in1.n;
	r2.in = in2.p;
	r2.inlen = in2.n;
	if ((rc = gitstats_gitproc_ok(c, log, &r1, false)) < 0 ||
	    (rc = gitstats_gitproc_ok(c, dt, &r2, false)) < 0 ||
	    (rc = gitstats_git_parse_log(&r1, &at, out)) < 0 ||
	    (rc = gitstats_git_parse_numstat(&r2, &at, c->exclude, out, paths)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!out[i].subject &&
		    (!(out[i].subject = strdup("")) || !(out[i].author = strdup("")))) {
			rc = -ENOMEM;
			break;
		}
	if (rc == 0 && c->base && n)
		rc = gitstats_git_session_parts(c, g, idx, n, out);
out:
	gitstats_int_omap_free(&at);
	gitstats_int_buf_free(&in1);
	gitstats_int_buf_free(&in2);
	gitstats_gitproc_free(&r1);
	gitstats_gitproc_free(&r2);
	return rc;
}

static void gitstats_git_close(struct gitstats_ctx *c)
{
	(void)c;
}

/* The given commits that exist, with their parents, from one rev-list run that walks nothing. */
static int gitstats_git_parents(struct gitstats_ctx *c, char (*oids)[GITSTATS_OID_MAX + 1],
				size_t n, struct gitstats_cgraph *g)
{
	const char *args[] = {"rev-list", "--no-walk=unsorted", "--parents", "--stdin", NULL};
	struct gitstats_gitproc r = {0};
	struct gitstats_omap exist = {0};
	struct gitstats_buf in = {0};
	int rc;

	if ((rc = gitstats_git_existing(c, oids, n, NULL, 0, &exist)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (gitstats_int_omap_get(&exist, oids[i], NULL) &&
		    (gitstats_int_buf_add(&in, oids[i], strlen(oids[i])) < 0 ||
		     gitstats_int_buf_add(&in, "\n", 1) < 0)) {
			rc = -ENOMEM;
			goto out;
		}
	if (!in.n)
		goto out;
	r.in = in.p;
	r.inlen = in.n;
	if ((rc = gitstats_gitproc_ok(c, args, &r, false)) < 0)
		goto out;
	for (char *p = r.out.p; p && *p && rc == 0;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		rc = gitstats_git_graph_line(p, g, NULL);
		p = nl ? nl + 1 : NULL;
	}
out:
	gitstats_int_omap_free(&exist);
	gitstats_int_buf_free(&in);
	gitstats_gitproc_free(&r);
	return rc;
}

static int gitstats_git_added_lines(struct gitstats_ctx *c, const char *tree,
				    const struct gitstats_lines *sink)
{
	const char *diff[] = {GITSTATS_GIT_INDEX_OPTS,
			      "-c",
			      "core.quotePath=false",
			      "diff",
			      "-M",
			      "-U0",
			      "-O/dev/null",
			      "--no-ext-diff",
			      "--no-textconv",
			      "--no-color",
			      "--src-prefix=a/",
			      "--dst-prefix=b/",
			      tree,
			      "--",
			      ".",
			      NULL};
	struct gitstats_gitproc r = {0};
	int rc;

	if ((rc = gitstats_git_diff_untracked(c, diff, &r)) == 0)
		rc = gitstats_git_parse_patch(c, &r, sink);
	gitstats_gitproc_free(&r);
	return rc;
}

static int gitstats_git_trees(struct gitstats_ctx *c, const char *from, const char *to,
			      size_t *files, int64_t *added, int64_t *removed)
{
	struct gitstats_commit sum = {0};
	int rc = gitstats_git_tree_numstat(c, from, to, &sum);

	*files = sum.session_files;
	*added = sum.session_added;
	*removed = sum.session_removed;
	return rc;
}

const struct gitstats_backend gitstats_git_backend = {
    .fallback = true,
    .open = gitstats_git_open,
    .close = gitstats_git_close,
    .head_tips = gitstats_git_head_tips,
    .snapshot = gitstats_git_snapshot,
    .walk = gitstats_git_walk,
    .parents = gitstats_git_parents,
    .merge3 = gitstats_git_merge3,
    .worktree = gitstats_git_worktree,
    .commits = gitstats_git_commits,
    .trees = gitstats_git_trees,
    .added_lines = gitstats_git_added_lines,
};
