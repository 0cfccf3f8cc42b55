#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gitstats_backend.h"
#include "gitstats_gitproc.h"
#include "gitstats_rename.h"
#include "testutil.h"

/*
 * git's rename detection, called directly: each case commits its sources, then replaces them by
 * its destinations in a second commit, and what gitstats_rename_detect pairs must be what
 * `git diff -M --name-status` says of the two commits, and what the case expects.
 */

#define GIT_ENV "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "
#define GIT_ID	"-c user.name=t -c user.email=t@example.com "

struct file {
	const char *path;
	const char *data;
	size_t len; /* 0: strlen(data) */
};

struct fixture {
	char dir[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char cmd[512];

	assert_non_null(f);
	assert_true(testutil_mkdtemp(f->dir, sizeof(f->dir), NULL, "rename"));
	snprintf(cmd, sizeof(cmd), GIT_ENV "git init -q %s", f->dir);
	assert_int_equal(system(cmd), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testutil_rm_rf(f->dir);
	free(f);
	return 0;
}

static void write_files(const char *dir, const struct file *v)
{
	for (; v && v->path; v++) {
		char path[512], *slash;

		snprintf(path, sizeof(path), "%s/%s", dir, v->path);
		slash = strrchr(path, '/');
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
		testutil_write_file_n(path, v->data, v->len ? v->len : strlen(v->data));
	}
}

static void commit(const char *dir, const char *msg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "cd %s && " GIT_ENV "git add -A && " GIT_ENV "git " GIT_ID
		 "commit -q --allow-empty -m %s",
		 dir, msg);
	assert_int_equal(system(cmd), 0);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text sorted and joined again. */
static char *sorted(char *text)
{
	char *lines[64], *save = NULL, *out;
	size_t n = 0, len = strlen(text) + 2;

	for (char *t = strtok_r(text, "\n", &save); t && n < 64; t = strtok_r(NULL, "\n", &save))
		lines[n++] = t;
	qsort(lines, n, sizeof(lines[0]), line_cmp);
	out = calloc(1, len);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	return out;
}

/* What git says, sorted: "R050\tsrc\tdst", "D\tsrc", "A\tdst". */
static char *git_says(const char *dir)
{
	char cmd[512], buf[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), GIT_ENV "git -C %s diff -M --name-status HEAD~1 HEAD", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return sorted(buf);
}

static void add_side(git_repository *repo, const char *rev, const struct file *v,
		     struct gitstats_rename_side *sides, size_t *n)
{
	for (; v && v->path; v++) {
		struct gitstats_rename_side *s = &sides[(*n)++];
		char spec[256];
		git_object *o;

		snprintf(spec, sizeof(spec), "%s:%s", rev, v->path);
		assert_int_equal(git_revparse_single(&o, repo, spec), 0);
		memset(s, 0, sizeof(*s));
		s->path = v->path;
		s->mode = 0100644;
		s->oid = *git_object_id(o);
		s->oid_valid = true;
		s->src = -1;
		git_object_free(o);
	}
}

/* Runs the detection on the case's two commits; *r keeps the sides for more checks. */
static char *we_say(const char *dir, const struct file *src, const struct file *dst,
		    struct gitstats_rename *r, struct gitstats_rename_side *sv,
		    struct gitstats_rename_side *dv)
{
	git_repository *repo;
	char buf[4096] = "";

	assert_int_equal(git_repository_open(&repo, dir), 0);
	memset(r, 0, sizeof(*r));
	r->repo = repo;
	r->src = sv;
	r->dst = dv;
	r->rename_limit = 1000;
	r->plain = true;
	r->final_line = gitstats_gitproc_version() >= 24302;
	add_side(repo, "HEAD~1", src, sv, &r->nsrc);
	add_side(repo, "HEAD", dst, dv, &r->ndst);
	qsort(r->src, r->nsrc, sizeof(*r->src), gitstats_rename_side_cmp);
	qsort(r->dst, r->ndst, sizeof(*r->dst), gitstats_rename_side_cmp);
	assert_int_equal(gitstats_rename_detect(r), 0);
	for (size_t i = 0; i < r->ndst; i++) {
		size_t n = strlen(buf);

		if (r->dst[i].src >= 0)
			snprintf(buf + n, sizeof(buf) - n, "R%03d\t%s\t%s\n",
				 (int)(r->dst[i].score * 100 / GITSTATS_RENAME_MAX_SCORE),
				 r->src[r->dst[i].src].path, r->dst[i].path);
		else
			snprintf(buf + n, sizeof(buf) - n, "A\t%s\n", r->dst[i].path);
	}
	for (size_t i = 0; i < r->nsrc; i++) {
		size_t n = strlen(buf);

		if (!r->src[i].used)
			snprintf(buf + n, sizeof(buf) - n, "D\t%s\n", r->src[i].path);
	}
	git_repository_free(repo);
	r->repo = NULL;
	return sorted(buf);
}

/* Commits src, then dst instead, and checks both git and the detection against expect. */
static void check_case(const char *dir, const struct file *src, const struct file *dst,
		       const char *expect, struct gitstats_rename *r)
{
	static struct gitstats_rename_side sv[16], dv[16];
	char cmd[512], *git, *ours, *copy = strdup(expect), *want;

	snprintf(cmd, sizeof(cmd), "cd %s && git rm -q -r --ignore-unmatch . >/dev/null", dir);
	assert_int_equal(system(cmd), 0);
	write_files(dir, src);
	commit(dir, "sources");
	assert_int_equal(system(cmd), 0);
	write_files(dir, dst);
	commit(dir, "destinations");
	git = git_says(dir);
	ours = we_say(dir, src, dst, r, sv, dv);
	assert_non_null(copy);
	want = sorted(copy);
	free(copy);
	assert_string_equal(git, want);
	assert_string_equal(ours, git);
	free(git);
	free(ours);
	free(want);
}

/* Ten lines of 24 bytes, the first `kept` of them those of the sources, the rest tagged. */
static char *lines(int kept, char tag)
{
	char *s = calloc(1, 10 * 24 + 1);

	assert_non_null(s);
	for (int i = 0; i < 10; i++)
		if (i < kept)
			snprintf(s + strlen(s), 25, "line %02d of the sources.\n", i);
		else
			snprintf(s + strlen(s), 25, "%c%c%c %02d changed here....\n", tag, tag, tag,
				 i);
	assert_int_equal(strlen(s), 240);
	return s;
}

static void test_exact_prefers_basename(void **state)
{
	struct fixture *f = *state;
	const struct file src[] = {{"dir/a.txt", "same content\n", 0}, {NULL, NULL, 0}};
	const struct file dst[] = {{"other/b.txt", "same content\n", 0},
				   {"other/a.txt", "same content\n", 0},
				   {NULL, NULL, 0}};
	struct gitstats_rename r;

	check_case(f->dir, src, dst, "R100\tdir/a.txt\tother/a.txt\nA\tother/b.txt\n", &r);
	assert_int_equal(r.dst[0].score, (int)GITSTATS_RENAME_MAX_SCORE);
	gitstats_rename_finish(&r);
}

static void test_similar_at_the_threshold(void **state)
{
	struct fixture *f = *state;
	char *s = lines(10, 'x'), *at = lines(5, 'y'), *above = lines(6, 'z'),
	     *below = lines(4, 'w');
	/* Lines of 24 bytes, so the share of bytes is the share of lines. The three sources have
	 * the same content; each destination keeps part of it. */
	const struct file src[] = {
	    {"a/half.c", s, 0}, {"b/more.c", s, 0}, {"c/less.c", s, 0}, {NULL, NULL, 0}};
	const struct file dst[] = {{"x/half2.c", at, 0},
				   {"x/more2.c", above, 0},
				   {"x/less2.c", below, 0},
				   {NULL, NULL, 0}};
	struct gitstats_rename r;

	/* 6 of 10 lines: 60%; 5 of 10: exactly git's 50% bar, still a rename; 4 of 10: not. The
	 * best score goes first: more2 takes a source, half2 the next one by path. */
	check_case(f->dir, src, dst,
		   "R060\ta/half.c\tx/more2.c\nR050\tb/more.c\tx/half2.c\nD\tc/less.c\n"
		   "A\tx/less2.c\n",
		   &r);
	gitstats_rename_finish(&r);
	free(s);
	free(at);
	free(above);
	free(below);
}

static void test_basename_tie_break(void **state)
{
	struct fixture *f = *state;
	char *s = lines(10, 'x'), *d = lines(6, 'y');
	/* Two sources equally similar (60%, below the 75% of the basename pass): the one with
	 * the destination's basename wins although it sorts last. */
	const struct file src[] = {{"b/misc.c", s, 0}, {"z/util.c", s, 0}, {NULL, NULL, 0}};
	const struct file dst[] = {{"c/util.c", d, 0}, {NULL, NULL, 0}};
	struct gitstats_rename r;

	check_case(f->dir, src, dst, "R060\tz/util.c\tc/util.c\nD\tb/misc.c\n", &r);
	gitstats_rename_finish(&r);
	free(s);
	free(d);
}

static void test_unique_basename_first(void **state)
{
	struct fixture *f = *state;
	char *p = lines(10, 'x'), *d = lines(8, 'd'), *q = strdup(d);
	/* r/parse.c is 80% like p/parse.c and 90% like q/other.c: the unique basename pairs it
	 * first (80% >= 75%), before the best score would. */
	const struct file src[] = {{"p/parse.c", p, 0}, {"q/other.c", q, 0}, {NULL, NULL, 0}};
	const struct file dst[] = {{"r/parse.c", d, 0}, {NULL, NULL, 0}};
	struct gitstats_rename r;

	assert_non_null(q);
	memcpy(q, "qqq 00 changed here....\n", 24);
	check_case(f->dir, src, dst, "R080\tp/parse.c\tr/parse.c\nD\tq/other.c\n", &r);
	gitstats_rename_finish(&r);
	free(p);
	free(q);
	free(d);
}

static void test_binary(void **state)
{
	struct fixture *f = *state;
	char a[300], b[300];
	struct file src[] = {{"img/logo.bin", a, sizeof(a)}, {NULL, NULL, 0}};
	struct file dst[] = {{"assets/logo.bin", b, sizeof(b)}, {NULL, NULL, 0}};
	struct gitstats_rename r;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (char)(i % 7 == 0 ? 0 : 'a' + i % 13);
	memset(b + 250, 'Z', 50);
	check_case(f->dir, src, dst, "R064\timg/logo.bin\tassets/logo.bin\n", &r);
	assert_int_equal(r.dst[0].binary, 1);
	gitstats_rename_finish(&r);
}

static void test_not_a_rename(void **state)
{
	struct fixture *f = *state;
	const struct file src[] = {{"old.txt", "alpha\nbeta\ngamma\n", 0}, {NULL, NULL, 0}};
	const struct file dst[] = {{"new.txt", "one\ntwo\nthree\n", 0}, {NULL, NULL, 0}};
	struct gitstats_rename r;

	check_case(f->dir, src, dst, "A\tnew.txt\nD\told.txt\n", &r);
	assert_int_equal(r.dst[0].src, -1);
	assert_int_equal(r.src[0].used, 0);
	gitstats_rename_finish(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_exact_prefers_basename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_similar_at_the_threshold, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_basename_tie_break, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unique_basename_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_rename, setup, teardown),
	};

	git_libgit2_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
