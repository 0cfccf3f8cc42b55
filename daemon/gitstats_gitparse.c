#include "gitstats_gitparse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitstats_gitproc.h"

int gitstats_git_numstat_record(char *tok, bool *binary, int64_t *a, int64_t *d, char **path)
{
	char *t1 = strchr(tok, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

	if (!t1 || !t2)
		return -1;
	*binary = tok[0] == '-';
	/* git prints digits or "-" (binary): anything else, a sign or a space, is not git's. */
	if (!*binary && (!isdigit((unsigned char)tok[0]) || !isdigit((unsigned char)t1[1])))
		return -1;
	*a = *binary ? 0 : strtoll(tok, NULL, 10);
	*d = *binary ? 0 : strtoll(t1 + 1, NULL, 10);
	*path = t2 + 1; /* "" for a rename: the two paths follow */
	return 0;
}

/* `git diff --raw --numstat -z -M` output: raw records give the status, numstat the counts. */
int gitstats_git_parse_diff(struct gitstats_ctx *c, struct gitstats_gitproc *r,
			    struct gitstats_flist *out)
{
	char *p = r->out.p, *end = r->out.p ? r->out.p + r->out.n : NULL, *tok;
	struct gitstats_strv status = {0};
	size_t k = 0;
	int rc = 0;

	while ((tok = gitstats_int_next_tok(&p, end))) {
		if (!*tok)
			continue;
		if (tok[0] == ':') {
			char *st = strrchr(tok, ' ');

			/* Kept whole: the modes come first, the status last. */
			if (!st || gitstats_int_strv_add(&status, tok) < 0)
				goto bad;
			/* Renames and copies carry two paths. */
			if (!gitstats_int_next_tok(&p, end) ||
			    ((st[1] == 'R' || st[1] == 'C') && !gitstats_int_next_tok(&p, end)))
				goto bad;
			continue;
		}
		{
			bool binary;
			int64_t a, d;
			char *path, *old = NULL, *raw, st;
			struct gitstats_file *f;
			unsigned om = 0, nm = 0;

			if (gitstats_git_numstat_record(tok, &binary, &a, &d, &path) < 0)
				goto bad;
			if (!*path) {
				old = gitstats_int_next_tok(&p, end);
				path = gitstats_int_next_tok(&p, end);
				if (!old || !path)
					goto bad;
			}
			raw = k < status.n ? status.v[k] : NULL;
			st = raw ? strrchr(raw, ' ')[1] : 'M';
			k++;
			/* git's numstat gives a rename both paths: one alone is not git's. */
			if (st == 'R' && !old)
				goto bad;
			if (st == 'C')
				st = 'A', old = NULL;
			if (gitstats_int_excluded(c->exclude, path) &&
			    (!old || gitstats_int_excluded(c->exclude, old)))
				continue;
			f = gitstats_int_flist_add(out);
			if (!f || gitstats_int_file_set(
				      f, path, st == 'R' ? old : NULL,
				      st == 'R' || st == 'A' || st == 'D' || st == 'T' ? st : 'M',
				      binary, a, d) < 0) {
				rc = -ENOMEM;
				break;
			}
			if (raw && sscanf(raw, ":%o %o", &om, &nm) == 2) {
				f->old_mode = st == 'A' ? 0 : om;
				f->new_mode = st == 'D' ? 0 : nm;
			}
		}
	}
	gitstats_int_strv_free(&status);
	return rc;
bad:
	gitstats_int_strv_free(&status);
	gitstats_int_seterr(c->err, c->errn, "git diff: unexpected output");
	return -EIO;
}

/* `git log -z --format=%H%x00%ct%x00%an%x00%s` output into out (at: oid -> index). */
int gitstats_git_parse_log(struct gitstats_gitproc *r, const struct gitstats_omap *at,
			   struct gitstats_commit *out)
{
	char *p = r->out.p, *end = p ? p + r->out.n : NULL, *tok;

	while ((tok = gitstats_int_next_tok(&p, end))) {
		char *tm = gitstats_int_next_tok(&p, end), *an = gitstats_int_next_tok(&p, end),
		     *s = gitstats_int_next_tok(&p, end);
		size_t i;

		if (!tm || !an || !s)
			break;
		while (*tok == '\n')
			tok++;
		if (!gitstats_int_omap_get(at, tok, &i))
			continue;
		out[i].time = strtoll(tm, NULL, 10);
		free(out[i].subject);
		free(out[i].author);
		out[i].subject = strdup(s);
		out[i].author = strdup(an);
		if (!out[i].subject || !out[i].author)
			return -ENOMEM;
	}
	return 0;
}

/* `git diff-tree --stdin -z -M --numstat` output: counts into out, paths (new names) into
 * paths[i] when paths is not NULL. */
int gitstats_git_parse_numstat(struct gitstats_gitproc *r, const struct gitstats_omap *at,
			       const char *exclude, struct gitstats_commit *out,
			       struct gitstats_strv *paths)
{
	char *p = r->out.p, *end = p ? p + r->out.n : NULL, *tok;
	size_t cur = (size_t)-1;

	while ((tok = gitstats_int_next_tok(&p, end))) {
		bool binary;
		int64_t a, d;
		char *path;

		if (!strchr(tok, '\t')) {
			size_t i;

			cur = gitstats_int_omap_get(at, tok, &i) ? i : (size_t)-1;
			continue;
		}
		if (gitstats_git_numstat_record(tok, &binary, &a, &d, &path) < 0)
			break;
		if (!*path &&
		    (!gitstats_int_next_tok(&p, end) || !(path = gitstats_int_next_tok(&p, end))))
			break;
		if (cur == (size_t)-1)
			continue;
		if (gitstats_int_excluded(exclude, path)) {
			out[cur].files_excluded++;
			continue;
		}
		/* Counts git could not have printed (the sum would overflow): the output is bad. */
		if (a > INT64_MAX - out[cur].added || d > INT64_MAX - out[cur].removed)
			break;
		out[cur].files++;
		out[cur].added += a;
		out[cur].removed += d;
		if (paths && gitstats_int_strv_add(&paths[cur], path) < 0)
			return -ENOMEM;
	}
	return 0;
}

void gitstats_git_changes_free(struct gitstats_git_changes *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		free(l->v[i].path);
	if (l)
		free(l->v);
}

int gitstats_git_changes_add(struct gitstats_git_changes *l, const char *path,
			     const struct gitstats_git_side *o, const struct gitstats_git_side *n)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].path = strdup(path);
	if (!l->v[l->n].path)
		return -ENOMEM;
	l->v[l->n].o = *o;
	l->v[l->n].n = *n;
	l->n++;
	return 0;
}

/* ":100644 100644 <oid> <oid> M" into its two sides. */
static bool gitstats_git_raw_sides(const char *tok, struct gitstats_git_side *o,
				   struct gitstats_git_side *n)
{
	char oo[GITSTATS_OID_MAX + 1], no[GITSTATS_OID_MAX + 1];

	memset(o, 0, sizeof(*o));
	memset(n, 0, sizeof(*n));
	if (sscanf(tok, ":%o %o %64s %64s", &o->mode, &n->mode, oo, no) != 4)
		return false;
	o->present = o->mode != 0;
	n->present = n->mode != 0;
	snprintf(o->oid, sizeof(o->oid), "%s", oo);
	snprintf(n->oid, sizeof(n->oid), "%s", no);
	return true;
}

/*
 * `diff-tree -z -r --raw --no-renames` output: each record into out[k], k the index of the
 * commit header before it in at (--stdin), or into out[0] without headers.
 */
int gitstats_git_parse_raw(struct gitstats_ctx *c, struct gitstats_gitproc *r,
			   const struct gitstats_omap *at, struct gitstats_git_changes *out)
{
	char *p = r->out.p, *end = p ? p + r->out.n : NULL, *tok, *path;
	size_t cur = at ? (size_t)-1 : 0;

	while ((tok = gitstats_int_next_tok(&p, end))) {
		struct gitstats_git_side o, n;
		size_t i;

		while (*tok == '\n')
			tok++;
		if (!*tok)
			continue;
		if (tok[0] != ':') {
			cur = at && gitstats_int_omap_get(at, tok, &i) ? i : (size_t)-1;
			continue;
		}
		if (!gitstats_git_raw_sides(tok, &o, &n) ||
		    !(path = gitstats_int_next_tok(&p, end))) {
			gitstats_int_seterr(c->err, c->errn, "git diff-tree: unexpected output");
			return -EIO;
		}
		if (cur != (size_t)-1 && gitstats_git_changes_add(&out[cur], path, &o, &n) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Undoes git's C-style quoting of a path ("a\tb", octal bytes) in place. */
static void gitstats_git_unquote(char *s)
{
	static const char esc[] = "a\ab\bt\tn\nv\vf\fr\r\"\"\\\\";
	char *o = s;

	if (*s != '"')
		return;
	for (const char *p = s + 1; *p && *p != '"'; p++) {
		const char *e;

		if (*p != '\\' || !p[1]) {
			*o++ = *p;
		} else if (p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
			   p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else if ((e = strchr(esc, p[1])) && (e - esc) % 2 == 0) {
			*o++ = e[1];
			p++;
		} else {
			*o++ = *++p;
		}
	}
	*o = '\0';
}

/* The new path of a "+++ b/path" line, NULL for "+++ /dev/null". */
static const char *gitstats_git_patch_path(char *line)
{
	char *s = line + 4;
	size_t n = strlen(s);

	/* git ends a name that has a space with a tab. */
	if (n && s[n - 1] == '\t')
		s[--n] = '\0';
	gitstats_git_unquote(s);
	return strncmp(s, "b/", 2) == 0 ? s + 2 : NULL;
}

/* "@@ -a[,b] +c[,d] @@": old and new line counts, and the first new line. */
static bool gitstats_git_hunk(const char *line, long *old, long *new, long *first)
{
	char *p;

	*old = *new = 1;
	strtol(line + 4, &p, 10);
	if (*p == ',')
		*old = strtol(p + 1, &p, 10);
	if (strncmp(p, " +", 2) != 0)
		return false;
	*first = strtol(p + 2, &p, 10);
	if (*p == ',')
		*new = strtol(p + 1, &p, 10);
	/* Lines are counted from first up to first + new: that must fit in a long. */
	return *old >= 0 && *new >= 0 && *first >= 0 && *new <= LONG_MAX - *first;
}

/* The added lines of a `git diff -U0` patch, to sink. */
int gitstats_git_parse_patch(struct gitstats_ctx *c, struct gitstats_gitproc *r,
			     const struct gitstats_lines *sink)
{
	char *p = r->out.p, *end = p ? p + r->out.n : NULL;
	const char *path = NULL;
	long old = 0, new = 0, lineno = 0;
	int rc = 0;

	while (p && p < end && rc == 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *line = p;
		size_t len = (size_t)((nl ? nl : end) - p);

		p = nl ? nl + 1 : end;
		line[len] = '\0';
		if (old > 0 || new > 0) {
			if (line[0] == '+' && new > 0) {
				new --;
				if (path)
					rc = sink->line(sink->arg, path, lineno, line + 1, len - 1);
				lineno++;
			} else if (line[0] == '-') {
				old--;
			} else if (line[0] == ' ') {
				old--, new --, lineno++;
			}
			continue;
		}
		if (strncmp(line, "diff --git ", 11) == 0)
			path = NULL;
		else if (strncmp(line, "+++ ", 4) == 0)
			path = gitstats_git_patch_path(line);
		else if (strncmp(line, "@@ -", 4) == 0 &&
			 !gitstats_git_hunk(line, &old, &new, &lineno))
			goto bad;
	}
	return rc;
bad:
	gitstats_int_seterr(c->err, c->errn, "git diff: unexpected output");
	return -EIO;
}
