/*
 * The parsers of git's output in the git backend (daemon/gitstats_gitparse.c). The first byte
 * picks one, the rest is what git printed: `diff --raw --numstat -z -M`, `diff-tree --stdin -z
 * -M --numstat`, `diff-tree -z -r --raw`, `log -z --format=%H%x00%ct%x00%an%x00%s`, `diff -U0`.
 * Commit ids in the input are known commits, but those starting with 'f' (unknown ones).
 * Properties: a refusal says why; counts are not negative; files have paths and a status git
 * uses; added lines belong to a path. (The numbers are git's to get right: "+-5" in a hunk
 * header is not a memory error, so it is not a failure here.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gitstats_gitparse.h"
#include "gitstats_gitproc.h"

enum { FUZZ_DIFF, FUZZ_NUMSTAT, FUZZ_RAW, FUZZ_LOG, FUZZ_PATCH, FUZZ_NPARSERS };

/* The commits the parsers may name, as the caller's graph would hold them. */
#define FUZZ_NCOMMITS 8

static int fuzz_gitout_line(void *arg, const char *path, int64_t lineno, const char *text,
			    size_t len)
{
	fuzz_assert(path, "added line %lld without a path", (long long)lineno);
	(*(size_t *)arg)++;
	return 0;
}

/* Every hex id token of the output (but those starting with 'f') into at, up to FUZZ_NCOMMITS. */
static void fuzz_gitout_commits(const struct gitstats_buf *b, struct gitstats_omap *at)
{
	const char *p = b->p, *end = b->p + b->n;

	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p)), k = 0;
		char id[GITSTATS_OID_MAX + 1];

		while (k < n && p[k] == '\n')
			k++;
		if (n - k <= GITSTATS_OID_MAX && at->n < FUZZ_NCOMMITS) {
			memcpy(id, p + k, n - k);
			id[n - k] = '\0';
			if (id[0] != 'f' && gitstats_int_is_hex_oid(id) &&
			    gitstats_int_omap_put(at, id, at->n) < 0)
				abort();
		}
		p += n + 1;
	}
}

static void fuzz_gitout_files(const struct gitstats_flist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct gitstats_file *f = &l->v[i];

		fuzz_assert(f->path && strchr("ADMRT", f->status) && f->status,
			    "file %zu: status %c", i, f->status);
		fuzz_assert(f->status != 'R' || f->old_path, "a rename without its old path");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitstats_gitproc r = {0};
	struct gitstats_ctx c = {0};
	struct gitstats_omap at = {0};
	struct gitstats_flist files = {0};
	struct gitstats_commit commits[FUZZ_NCOMMITS] = {0};
	struct gitstats_strv paths[FUZZ_NCOMMITS] = {0};
	struct gitstats_git_changes changes[FUZZ_NCOMMITS] = {0};
	size_t nlines = 0;
	struct gitstats_lines sink = {.line = fuzz_gitout_line, .arg = &nlines};
	char err[256] = "";
	int which, rc = 0;

	if (size < 1)
		return 0;
	which = data[0] % FUZZ_NPARSERS;
	/* Half the inputs with an excluded directory ("x"), as [log] dir inside the repo makes. */
	c.exclude = data[0] & 0x80 ? "x" : NULL;
	c.err = err;
	c.errn = sizeof(err);
	/* As git's output arrives: a buffer NUL-terminated past its end. */
	if (gitstats_int_buf_add(&r.out, data + 1, size - 1) < 0)
		abort();
	fuzz_gitout_commits(&r.out, &at);
	switch (which) {
	case FUZZ_DIFF:
		rc = gitstats_git_parse_diff(&c, &r, &files);
		fuzz_gitout_files(&files);
		break;
	case FUZZ_NUMSTAT:
		rc = gitstats_git_parse_numstat(&r, &at, c.exclude, commits, paths);
		for (size_t i = 0; i < FUZZ_NCOMMITS; i++)
			fuzz_assert(paths[i].n == commits[i].files,
				    "commit %zu: %zu paths, %zu files", i, paths[i].n,
				    commits[i].files);
		break;
	case FUZZ_RAW:
		rc = gitstats_git_parse_raw(&c, &r, data[0] & 0x40 ? &at : NULL, changes);
		for (size_t i = 0; i < FUZZ_NCOMMITS; i++)
			for (size_t k = 0; k < changes[i].n; k++)
				fuzz_assert(changes[i].v[k].path, "a change without a path");
		break;
	case FUZZ_LOG:
		rc = gitstats_git_parse_log(&r, &at, commits);
		break;
	case FUZZ_PATCH:
		rc = gitstats_git_parse_patch(&c, &r, &sink);
		break;
	}
	fuzz_assert(rc == 0 || rc == -EIO || rc == -ENOMEM, "rc %d", rc);
	fuzz_assert(rc != -EIO || err[0], "-EIO without a message");
	for (size_t i = 0; i < FUZZ_NCOMMITS; i++) {
		free(commits[i].subject);
		free(commits[i].author);
		gitstats_int_strv_free(&paths[i]);
		gitstats_git_changes_free(&changes[i]);
	}
	gitstats_int_flist_free(&files);
	gitstats_int_omap_free(&at);
	gitstats_gitproc_free(&r);
	return 0;
}
