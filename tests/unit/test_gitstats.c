#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitstats.h"
#include "gitstats_reflog.h"
#include "repo.h"
#include "testutil.h"

/* Repositories are made with libgit2 here; the comparisons with git itself are in
 * tests/integration/test_gitstats.sh. */

struct fixture {
	char dir[64];
	char repo[128];
};

/* Stages everything and commits it, like `git add -A && git commit`. */
static void commit_all(const char *dir, const char *msg)
{
	git_repository *repo;
	git_index *idx;
	git_signature *sig;
	git_oid tree_id, commit_id, parent_id;
	git_tree *tree;
	git_commit *parent = NULL;

	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_repository_index(&idx, repo), 0);
	assert_int_equal(git_index_add_all(idx, NULL, 0, NULL, NULL), 0);
	assert_int_equal(git_index_write(idx), 0);
	assert_int_equal(git_index_write_tree(&tree_id, idx), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
	assert_int_equal(git_signature_new(&sig, "Unit Test", "u@example.com", 1700000000, 0), 0);
	if (git_reference_name_to_id(&parent_id, repo, "HEAD") == 0)
		assert_int_equal(git_commit_lookup(&parent, repo, &parent_id), 0);
	assert_int_equal(git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, msg, tree,
					     parent ? 1 : 0, parent),
			 0);
	git_commit_free(parent);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	git_repository_free(repo);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	git_repository *repo;

	snprintf(f->dir, sizeof(f->dir), "/tmp/stint-gitstats.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	assert_int_equal(git_repository_init(&repo, f->repo, 0), 0);
	git_repository_free(repo);
	testutil_write_file(f->repo, "three.txt", "one\ntwo\nthree\n");
	testutil_write_file(f->repo, "keep.txt", "a\nb\nc\nd\ne\nf\n");
	commit_all(f->repo, "initial");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const struct gitstats_file *find_file(const struct gitstats *s, const char *path)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return &s->files[i];
	return NULL;
}

static void test_baseline_json_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct gitstats_baseline b, back;
	char err[512], *text;
	json_t *j, *k;

	assert_int_equal(gitstats_baseline(f->repo, &b, err, sizeof(err)), 0);
	assert_int_equal(strlen(b.head), 40);
	assert_int_equal(strlen(b.tree), 40);
	assert_false(b.fallback);
	assert_true(b.ntips >= 2);
	assert_string_equal(b.tips[0].ref, "HEAD");
	assert_string_equal(b.tips[0].oid, b.head);
	assert_int_equal(strncmp(b.tips[1].ref, "refs/heads/", 11), 0);
	assert_null(b.kept);
	b.kept = strdup("/home/me/.local/state/stint/baselines/4b825dc642cb-Ab_9zQ");

	j = gitstats_baseline_to_json(&b);
	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	k = json_loads(text, 0, NULL);
	assert_non_null(k);
	assert_int_equal(gitstats_baseline_from_json(k, &back, err, sizeof(err)), 0);
	assert_string_equal(back.head, b.head);
	assert_string_equal(back.tree, b.tree);
	assert_string_equal(back.branch, b.branch);
	assert_string_equal(back.kept, b.kept);
	assert_int_equal(back.ntips, b.ntips);
	for (size_t i = 0; i < b.ntips; i++) {
		assert_string_equal(back.tips[i].ref, b.tips[i].ref);
		assert_string_equal(back.tips[i].oid, b.tips[i].oid);
		assert_int_equal(back.tips[i].reflog, b.tips[i].reflog);
		assert_int_equal(back.tips[i].reflog_time, b.tips[i].reflog_time);
	}
	free(text);
	json_decref(j);
	json_decref(k);
	gitstats_baseline_finish(&back);
	gitstats_baseline_finish(&b);
	/* finish leaves an empty struct that can be finished again */
	gitstats_baseline_finish(&b);
	gitstats_baseline_finish(NULL);
}

#define KEPT(v)                                                                                    \
	"{\"version\":1,\"head\":null,\"branch\":\"m\",\"tree\":\"@TREE\",\"kept\":" v             \
	",\"tips\":[{\"ref\":\"HEAD\",\"oid\":\"\",\"reflog\":0,\"reflog_time\":0}]}"

static void test_baseline_from_json_rejects(void **state)
{
	static const char *const bad[] = {
	    "[]",
	    "{}",
	    "{\"version\":2,\"head\":null,\"branch\":\"m\",\"tree\":\"@TREE\",\"tips\":[{\"ref\":"
	    "\"HEAD\","
	    "\"oid\":\"\",\"reflog\":0,\"reflog_time\":0}]}",
	    "{\"version\":1,\"head\":null,\"branch\":\"m\",\"tree\":\"XYZ\",\"tips\":[{\"ref\":"
	    "\"HEAD\","
	    "\"oid\":\"\",\"reflog\":0,\"reflog_time\":0}]}",
	    "{\"version\":1,\"head\":null,\"branch\":\"m\",\"tree\":\"@TREE\",\"tips\":[]}",
	    "{\"version\":1,\"head\":null,\"branch\":\"m\",\"tree\":\"@TREE\",\"tips\":[{\"ref\":"
	    "\"refs/"
	    "heads/m\",\"oid\":\"\",\"reflog\":0,\"reflog_time\":0}]}",
	    "{\"version\":1,\"head\":null,\"branch\":\"m\",\"tree\":\"@TREE\",\"tips\":[{\"ref\":"
	    "\"HEAD\","
	    "\"oid\":\"\",\"reflog\":-1,\"reflog_time\":0}]}",
	    "{\"version\":1,\"head\":\"ABCDEF0123456789ABCDEF0123456789ABCDEF01\",\"branch\":\"m\","
	    "\"tree\":\"@TREE\",\"tips\":[{\"ref\":\"HEAD\",\"oid\":\"\",\"reflog\":0,\"reflog_"
	    "time\":0}]}",
	    "{\"version\":1,\"head\":null,\"branch\":7,\"tree\":\"@TREE\",\"tips\":[{\"ref\":"
	    "\"HEAD\","
	    "\"oid\":\"\",\"reflog\":0,\"reflog_time\":0}]}",
	    ("{\"version\":1,\"head\":null,\"branch\":\"m\",\"tree\":\"@TREE\",\"tips\":[{\"ref\":"
	     "\"HEAD\","
	     "\"oid\":\"\",\"reflog\":0,\"reflog_time\":0},{\"ref\":\"refs/tags/x\",\"oid\":\"\","
	     "\"reflog\":0,\"reflog_time\":0}]}"),
	    "{\"version\":1,\"head\":null,\"branch\":\"m\",\"tree\":\"@TREE\",\"fallback\":\"yes\","
	    "\"tips\":[{\"ref\":\"HEAD\",\"oid\":\"\",\"reflog\":0,\"reflog_time\":0}]}",
	    /* kept: only a directory gitstats_keep could have made, since the stop removes it */
	    KEPT("7"),
	    KEPT("\"/etc\""),
	    KEPT("\"baselines/4b825dc642cb-Ab_9zQ\""),
	    KEPT("\"/x/baselines/../baselines/4b825dc642cb-Ab_9zQ\""),
	    KEPT("\"/x/baselines/4b825dc642cb-Ab_9z\""),
	    KEPT("\"/x/baselines/4B825DC642CB-Ab_9zQ\""),
	    KEPT("\"/x/other/4b825dc642cb-Ab_9zQ\""),
	    KEPT("\"/x/baselines/4b825dc642cb-Ab/9zQ\""),
	};
	char text[1024], err[256];
	struct gitstats_baseline b;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *at = strstr(bad[i], "@TREE");
		json_t *j;

		/* A valid tree id where the template says @TREE, so only the flaw is wrong. */
		if (at)
			snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - bad[i]), bad[i],
				 "4b825dc642cb6eb9a060e54bf8d69288fbee4904", at + 5);
		else
			snprintf(text, sizeof(text), "%s", bad[i]);
		j = json_loads(text, 0, NULL);
		assert_non_null(j);
		err[0] = '\0';
		assert_int_equal(gitstats_baseline_from_json(j, &b, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
		assert_null(b.tips);
		assert_null(b.branch);
		json_decref(j);
	}
}

static void test_compute_basic(void **state)
{
	struct fixture *f = *state;
	struct gitstats_baseline b;
	struct gitstats s;
	const struct gitstats_file *x;
	char err[512];

	/* Work that was there at the start is not the session's. */
	testutil_write_file(f->repo, "keep.txt", "a\nb\nc\nd\ne\nf\ndirty at start\n");
	assert_int_equal(gitstats_baseline(f->repo, &b, err, sizeof(err)), 0);
	assert_int_equal(gitstats_compute(f->repo, &b, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nfiles, 0);
	assert_int_equal(s.added + s.removed, 0);
	gitstats_finish(&s);

	testutil_write_file(f->repo, "three.txt", "one\n2\nthree\nfour\n");
	testutil_write_file(f->repo, "untracked.txt", "u\n");
	assert_int_equal(gitstats_compute(f->repo, &b, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nfiles, 2);
	x = find_file(&s, "three.txt");
	assert_non_null(x);
	assert_int_equal(x->added, 2);
	assert_int_equal(x->removed, 1);
	assert_int_equal(x->status, 'M');
	x = find_file(&s, "untracked.txt");
	assert_non_null(x);
	assert_int_equal(x->status, 'A');
	assert_int_equal(x->added, 1);
	assert_int_equal(s.added, 3);
	assert_int_equal(s.removed, 1);
	assert_int_equal(s.commits_total, 0);
	assert_false(s.fallback);
	assert_string_equal(s.head, b.head);
	gitstats_finish(&s);
	gitstats_finish(&s);
	gitstats_finish(NULL);

	/* A commit made in the session is listed, with its numbers against its parent. */
	commit_all(f->repo, "session work\n\nbody");
	assert_int_equal(gitstats_compute(f->repo, &b, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.commits_total, 1);
	assert_int_equal(s.ncommits, 1);
	assert_string_equal(s.commits[0].subject, "session work");
	assert_string_equal(s.commits[0].author, "Unit Test");
	assert_int_equal(s.commits[0].time, 1700000000);
	/* keep.txt's dirty line was committed too: it is in the commit, not in the session's lines
	 */
	assert_int_equal(s.commits[0].files, 3);
	assert_int_equal(s.nfiles, 2);
	/* The session's part of it leaves keep.txt out: it was in the baseline already. */
	assert_int_equal(s.commits[0].session_files, 2);
	assert_int_equal(s.commits[0].session_added, s.added);
	assert_int_equal(s.commits[0].session_removed, s.removed);
	gitstats_finish(&s);
	gitstats_baseline_finish(&b);
}

/* A 3-line file renamed with a line added: libgit2's own similarity gives up on small files,
 * git (and we) call it a rename. */
static void test_small_rename(void **state)
{
	struct fixture *f = *state;
	struct gitstats_baseline b;
	struct gitstats s;
	char err[512], from[256], to[256];

	assert_int_equal(gitstats_baseline(f->repo, &b, err, sizeof(err)), 0);
	snprintf(from, sizeof(from), "%s/three.txt", f->repo);
	snprintf(to, sizeof(to), "%s/renamed.txt", f->repo);
	assert_int_equal(rename(from, to), 0);
	testutil_write_file(f->repo, "renamed.txt", "one\ntwo\nthree\nfour\n");
	assert_int_equal(gitstats_compute(f->repo, &b, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nfiles, 1);
	assert_int_equal(s.files[0].status, 'R');
	assert_string_equal(s.files[0].path, "renamed.txt");
	assert_string_equal(s.files[0].old_path, "three.txt");
	assert_int_equal(s.files[0].added, 1);
	assert_int_equal(s.files[0].removed, 0);
	gitstats_finish(&s);
	gitstats_baseline_finish(&b);
}

/* The incremental recompute over paths (the last result's and the touched ones) gives the
 * files part of a full one; *prev becomes the full one. */
static void expect_paths_equal_full(const struct fixture *f, const struct gitstats_baseline *b,
				    struct gitstats *prev, struct gitstats_cache *cache,
				    const char **touched, size_t ntouched)
{
	const char *paths[64];
	size_t n = 0;
	struct gitstats inc, full;
	json_t *a, *z;
	char err[512];

	for (size_t i = 0; i < ntouched; i++)
		paths[n++] = touched[i];
	for (size_t i = 0; i < prev->nfiles && n + 2 < 64; i++) {
		paths[n++] = prev->files[i].path;
		if (prev->files[i].old_path)
			paths[n++] = prev->files[i].old_path;
	}
	assert_int_equal(gitstats_compute_paths(f->repo, b, NULL, &prev->stamp, prev->measured_from,
						paths, n, cache, &inc, err, sizeof(err)),
			 0);
	assert_int_equal(gitstats_compute(f->repo, b, NULL, &full, err, sizeof(err)), 0);
	a = gitstats_to_json(&inc);
	z = gitstats_to_json(&full);
	assert_non_null(a);
	assert_non_null(z);
	if (!json_equal(json_object_get(a, "files"), json_object_get(z, "files"))) {
		char *x = json_dumps(json_object_get(a, "files"), 0),
		     *y = json_dumps(json_object_get(z, "files"), 0);

		fail_msg("incremental %s\nfull %s", x, y);
	}
	assert_int_equal(inc.added, full.added);
	assert_int_equal(inc.removed, full.removed);
	json_decref(a);
	json_decref(z);
	gitstats_finish(&inc);
	gitstats_finish(prev);
	*prev = full;
}

static void test_compute_paths(void **state)
{
	struct fixture *f = *state;
	struct gitstats_cache *cache = gitstats_cache_create();
	struct gitstats_baseline b;
	struct gitstats prev, inc;
	git_repository *repo;
	git_index *idx;
	char err[512], from[256], to[256];
	const char *p1[] = {"three.txt", "new.txt"};
	const char *p2[] = {"three.txt", "moved.txt"};
	const char *p3[] = {"keep.txt", "sub/inner.txt", "ign/x.txt", "link"};
	const char *p4[] = {"keep.txt", "keep.txt/y.txt"};

	assert_non_null(cache);
	testutil_write_file(f->repo, ".gitignore", "ign/\n");
	commit_all(f->repo, "ignore");
	assert_int_equal(gitstats_baseline(f->repo, &b, err, sizeof(err)), 0);
	assert_int_equal(gitstats_compute(f->repo, &b, NULL, &prev, err, sizeof(err)), 0);
	assert_true(prev.stamp.valid);

	/* An edit and a new untracked file. */
	testutil_write_file(f->repo, "three.txt", "one\n2\nthree\n");
	testutil_write_file(f->repo, "new.txt", "n\n");
	expect_paths_equal_full(f, &b, &prev, cache, p1, 2);
	assert_int_equal(prev.nfiles, 2);

	/* A plain mv with an edit: a rename, paired over the paths alone. */
	snprintf(from, sizeof(from), "%s/three.txt", f->repo);
	snprintf(to, sizeof(to), "%s/moved.txt", f->repo);
	assert_int_equal(rename(from, to), 0);
	expect_paths_equal_full(f, &b, &prev, cache, p2, 2);

	/* A repository of its own, an ignored directory, a symlink: none of them counted but the
	 * symlink; and keep.txt deleted. */
	snprintf(to, sizeof(to), "%s/sub", f->repo);
	assert_int_equal(mkdir(to, 0755), 0);
	snprintf(to, sizeof(to), "%s/sub/.git", f->repo);
	assert_int_equal(mkdir(to, 0755), 0);
	snprintf(to, sizeof(to), "%s/ign", f->repo);
	assert_int_equal(mkdir(to, 0755), 0);
	testutil_write_file(f->repo, "sub/inner.txt", "i\n");
	testutil_write_file(f->repo, "sub/.git/HEAD", "ref: refs/heads/main\n");
	testutil_write_file(f->repo, "ign/x.txt", "x\n");
	snprintf(to, sizeof(to), "%s/link", f->repo);
	assert_int_equal(symlink("sub", to), 0);
	snprintf(from, sizeof(from), "%s/keep.txt", f->repo);
	assert_int_equal(unlink(from), 0);
	expect_paths_equal_full(f, &b, &prev, cache, p3, 4);

	/* A tracked file become a directory. */
	assert_int_equal(mkdir(from, 0755), 0);
	testutil_write_file(f->repo, "keep.txt/y.txt", "y\n");
	expect_paths_equal_full(f, &b, &prev, cache, p4, 2);

	/* The index written since (new.txt staged): the incremental one gives way. */
	assert_int_equal(git_repository_open(&repo, f->repo), 0);
	assert_int_equal(git_repository_index(&idx, repo), 0);
	assert_int_equal(git_index_add_bypath(idx, "new.txt"), 0);
	assert_int_equal(git_index_write(idx), 0);
	git_index_free(idx);
	git_repository_free(repo);
	assert_int_equal(gitstats_compute_paths(f->repo, &b, NULL, &prev.stamp, prev.measured_from,
						p1, 2, cache, &inc, err, sizeof(err)),
			 -ESTALE);
	gitstats_finish(&prev);
	gitstats_baseline_finish(&b);
	gitstats_cache_destroy(cache);
	gitstats_cache_destroy(NULL);
}

static void test_exclude(void **state)
{
	struct fixture *f = *state;
	struct gitstats_baseline b;
	struct gitstats s;
	char err[512], dir[256], abs[256], outside[256];

	snprintf(dir, sizeof(dir), "%s/logs", f->repo);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(gitstats_baseline(f->repo, &b, err, sizeof(err)), 0);
	testutil_write_file(dir, "session.md", "log\n");
	testutil_write_file(f->repo, "logs-not-excluded.txt", "x\n");
	snprintf(abs, sizeof(abs), "%s/logs/", f->repo);
	snprintf(outside, sizeof(outside), "%s/elsewhere", f->dir);
	const char *ex[] = {"logs", "./logs/", abs};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(gitstats_compute(f->repo, &b, ex[i], &s, err, sizeof(err)), 0);
		assert_int_equal(s.nfiles, 1);
		assert_string_equal(s.files[0].path, "logs-not-excluded.txt");
		gitstats_finish(&s);
	}
	/* A directory outside the repository excludes nothing. */
	assert_int_equal(gitstats_compute(f->repo, &b, outside, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nfiles, 2);
	gitstats_finish(&s);
	gitstats_baseline_finish(&b);
}

static void test_unborn(void **state)
{
	struct fixture *f = *state;
	struct gitstats_baseline b;
	struct gitstats s;
	git_repository *repo;
	char err[512], path[256];
	const char *suffix = " (unborn)";

	snprintf(path, sizeof(path), "%s/empty", f->dir);
	assert_int_equal(git_repository_init(&repo, path, 0), 0);
	git_repository_free(repo);
	assert_int_equal(gitstats_baseline(path, &b, err, sizeof(err)), 0);
	assert_string_equal(b.head, "");
	assert_string_equal(b.tree, "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
	assert_true(strlen(b.branch) > strlen(suffix));
	assert_string_equal(b.branch + strlen(b.branch) - strlen(suffix), suffix);
	testutil_write_file(path, "first.txt", "1\n2\n");
	assert_int_equal(gitstats_compute(path, &b, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nfiles, 1);
	assert_int_equal(s.added, 2);
	assert_string_equal(s.head, "");
	gitstats_finish(&s);
	commit_all(path, "first");
	assert_int_equal(gitstats_compute(path, &b, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.commits_total, 1);
	assert_int_equal(s.nfiles, 1);
	gitstats_finish(&s);
	gitstats_baseline_finish(&b);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct gitstats_baseline b, none = {0};
	struct gitstats s;
	char err[512], path[256];

	snprintf(path, sizeof(path), "%s/plain", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	err[0] = '\0';
	assert_true(gitstats_baseline(path, &b, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, path));
	assert_null(b.tips);
	assert_int_equal(gitstats_compute(f->repo, &none, NULL, &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(s.nfiles, 0);

	/* A baseline tree that is not in the repository. */
	assert_int_equal(gitstats_baseline(f->repo, &b, err, sizeof(err)), 0);
	memcpy(b.tree, "0123456789012345678901234567890123456789", 41);
	assert_true(gitstats_compute(f->repo, &b, NULL, &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "no longer in the repository"));
	assert_null(s.files);
	gitstats_baseline_finish(&b);
}

/* A reflog (".git/logs/HEAD") rewritten with its entries at base, base + 60, base + 120 ...
 * seconds. */
static void retime_log(const char *repo, const char *log, long long base)
{
	char path[512], line[1024], out[8192] = "";
	FILE *fp;
	int k = 0;

	snprintf(path, sizeof(path), "%s/%s", repo, log);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp)) {
		char *gt = strrchr(line, '>'), *tab = strchr(line, '\t');
		size_t n = strlen(out);

		assert_non_null(gt);
		assert_non_null(tab);
		snprintf(out + n, sizeof(out) - n, "%.*s %lld +0000%s", (int)(gt - line + 1), line,
			 base + 60LL * k++, tab);
	}
	fclose(fp);
	testutil_write_file(repo, log, out);
}

/* HEAD's and its branch's reflogs, as if the commits were made a minute apart from base. */
static void retime_logs(const char *repo, long long base)
{
	git_repository *r;
	git_reference *head;
	char log[300];

	assert_int_equal(git_repository_open(&r, repo), 0);
	assert_int_equal(git_repository_head(&head, r), 0);
	snprintf(log, sizeof(log), ".git/logs/%s", git_reference_name(head));
	git_reference_free(head);
	git_repository_free(r);
	retime_log(repo, ".git/logs/HEAD", base);
	retime_log(repo, log, base);
}

/* A range's ends against the reflog's whole seconds: an entry of second t is before a moment
 * only when t * 1000 is earlier; before the first entry nothing is known. */
static void test_range(void **state)
{
	struct fixture *f = *state;
	const long long t0 = 1700000000;
	struct gitstats s;
	char err[512];

	testutil_write_file(f->repo, "three.txt", "one\ntwo\nthree\nfour\n");
	commit_all(f->repo, "second");
	testutil_write_file(f->repo, "new.txt", "n\n");
	commit_all(f->repo, "third");
	retime_logs(f->repo, t0);

	/* [60, 120): the second commit, one line in one file. */
	assert_int_equal(gitstats_range(f->repo, (t0 + 60) * 1000, (t0 + 120) * 1000, NULL, &s, err,
					sizeof(err)),
			 0);
	assert_int_equal(s.commits_total, 1);
	assert_int_equal(s.nfiles, 1);
	assert_int_equal(s.added, 1);
	assert_int_equal(s.removed, 0);
	assert_non_null(s.branch);
	gitstats_finish(&s);
	/* A millisecond later the second commit is before the start. */
	assert_int_equal(gitstats_range(f->repo, (t0 + 60) * 1000 + 1, (t0 + 120) * 1000, NULL, &s,
					err, sizeof(err)),
			 0);
	assert_int_equal(s.commits_total, 0);
	assert_int_equal(s.nfiles, 0);
	gitstats_finish(&s);
	/* From just after the first entry to after the last: both later commits. */
	assert_int_equal(
	    gitstats_range(f->repo, t0 * 1000 + 1, (t0 + 121) * 1000, NULL, &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.commits_total, 2);
	assert_int_equal(s.nfiles, 2);
	gitstats_finish(&s);
	/* From the first entry's own second: nothing is known of HEAD before it. */
	err[0] = '\0';
	assert_int_equal(
	    gitstats_range(f->repo, t0 * 1000, (t0 + 121) * 1000, NULL, &s, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "the reflog starts at"));
	assert_null(s.branch);
	/* Not a range. */
	assert_int_equal(
	    gitstats_range(f->repo, (t0 + 60) * 1000, (t0 + 60) * 1000, NULL, &s, err, sizeof(err)),
	    -EINVAL);
	/* An empty reflog. */
	testutil_write_file(f->repo, ".git/logs/HEAD", "");
	assert_int_equal(gitstats_range(f->repo, (t0 + 60) * 1000, (t0 + 120) * 1000, NULL, &s, err,
					sizeof(err)),
			 1);
	assert_non_null(strstr(err, "HEAD's reflog is empty"));
}

static void test_to_json_shape(void **state)
{
	struct gitstats_file files[] = {
	    {.path = "bin.dat", .binary = true, .status = 'A', .new_mode = 0100644},
	    {.path = "new.txt",
	     .old_path = "old.txt",
	     .added = 3,
	     .removed = 1,
	     .status = 'R',
	     .old_mode = 0100644,
	     .new_mode = 0100755},
	    {.path = "caf\xe9.txt", .added = 1, .status = 'M'},
	};
	struct gitstats_commit commits[] = {{.oid = "0123456789012345678901234567890123456789",
					     .time = 1700000000,
					     .subject = "subject \xff",
					     .author = "A",
					     .added = 4,
					     .removed = 2,
					     .files = 2,
					     .merge = true,
					     .session_added = 1,
					     .session_removed = 0,
					     .session_files = 1}};
	char pulled[1][GITSTATS_OID_MAX + 1] = {"9876543210987654321098765432109876543210"};
	struct gitstats_move moves[] = {
	    {.kind = GITSTATS_MOVE_BRANCH,
	     .reflog = 0,
	     .time = 1700000000,
	     .at_ms = 1700000000250,
	     .oid = "0123456789012345678901234567890123456789",
	     .from = "main",
	     .to = "fix/\xff"},
	    {.kind = GITSTATS_MOVE_COMMIT, .reflog = 1, .time = 1700000000, .at_ms = 1700000000999},
	    {.kind = GITSTATS_MOVE_PULL, .reflog = 3, .time = 1700000002, .commits = 3},
	};
	struct gitstats s = {.branch = "main",
			     .moves = moves,
			     .nmoves = 3,
			     .files = files,
			     .nfiles = 3,
			     .added = 4,
			     .removed = 1,
			     .commits = commits,
			     .ncommits = 1,
			     .commits_total = 1,
			     .pulled = pulled,
			     .npulled = 1,
			     .pulled_total = 5};
	json_t *j, *f0, *f1, *c0, *m;
	char *text;

	(void)state;
	j = gitstats_to_json(&s);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "branch")), "main");
	assert_true(json_is_null(json_object_get(j, "head")));
	assert_int_equal(json_integer_value(json_object_get(j, "commits")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "files_changed")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "added")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "removed")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "pulled")), 5);
	assert_int_equal(json_array_size(json_object_get(j, "pulled_list")), 1);
	assert_true(json_is_false(json_object_get(j, "fallback")));
	f0 = json_array_get(json_object_get(j, "files"), 0);
	assert_true(json_is_true(json_object_get(f0, "binary")));
	assert_true(json_is_null(json_object_get(f0, "added")));
	assert_true(json_is_null(json_object_get(f0, "old_path")));
	assert_string_equal(json_string_value(json_object_get(f0, "status")), "A");
	/* Modes as git writes them; none on the side where the file is absent. */
	assert_true(json_is_null(json_object_get(f0, "old_mode")));
	assert_string_equal(json_string_value(json_object_get(f0, "new_mode")), "100644");
	f1 = json_array_get(json_object_get(j, "files"), 1);
	assert_string_equal(json_string_value(json_object_get(f1, "old_path")), "old.txt");
	assert_int_equal(json_integer_value(json_object_get(f1, "added")), 3);
	assert_string_equal(json_string_value(json_object_get(f1, "old_mode")), "100644");
	assert_string_equal(json_string_value(json_object_get(f1, "new_mode")), "100755");
	/* Not UTF-8: replaced, not dropped. */
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(j, "files"), 2), "path")),
			    "caf\xef\xbf\xbd.txt");
	c0 = json_array_get(json_object_get(j, "commit_list"), 0);
	assert_string_equal(json_string_value(json_object_get(c0, "hash")), commits[0].oid);
	assert_string_equal(json_string_value(json_object_get(c0, "subject")),
			    "subject \xef\xbf\xbd");
	assert_true(json_is_true(json_object_get(c0, "merge")));
	assert_int_equal(json_integer_value(json_object_get(c0, "files")), 2);
	assert_int_equal(json_integer_value(json_object_get(c0, "session_added")), 1);
	assert_int_equal(json_integer_value(json_object_get(c0, "session_removed")), 0);
	assert_int_equal(json_integer_value(json_object_get(c0, "session_files")), 1);
	/* HEAD's reflog, oldest first, named as the timeline's events; branch names made UTF-8. */
	m = json_object_get(j, "head_log");
	assert_int_equal(json_array_size(m), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "kind")),
			    "branch");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "to")),
			    "fix/\xef\xbf\xbd");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 0), "git_at")),
			 1700000000250);
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "kind")),
			    "commit");
	assert_null(json_object_get(json_array_get(m, 1), "from"));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 2), "reflog")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 2), "commits")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 2), "time")),
			 1700000002);
	text = json_dumps(j, 0);
	assert_non_null(text);
	free(text);
	json_decref(j);
}

struct worker {
	const char *root;
	const struct gitstats_baseline *base;
	int64_t added, removed;
	size_t nfiles;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char err[512];

	for (int i = 0; i < 20; i++) {
		struct gitstats s;

		if (gitstats_compute(w->root, w->base, NULL, &s, err, sizeof(err)) < 0 ||
		    s.added != w->added || s.removed != w->removed || s.nfiles != w->nfiles)
			w->failures++;
		gitstats_finish(&s);
	}
	return NULL;
}

/* Worker threads compute for several repositories at once; each call has its own handle. */
/* Which HEAD entries are switches, and the names they give, as git writes them. */
static void test_reflog_switch(void **state)
{
	static const struct {
		const char *msg, *from, *to;
	} cases[] = {
	    {"checkout: moving from main to fix/a", "main", "fix/a"},
	    {"checkout: moving from 0123456789abcdef0123456789abcdef01234567 to HEAD~1",
	     "0123456789abcdef0123456789abcdef01234567", "HEAD~1"},
	    {"checkout: moving from to-do to into", "to-do", "into"},
	    {"Branch: renamed refs/heads/main to refs/heads/trunk", "main", "trunk"},
	    {"checkout: moving from main to", NULL, NULL},
	    {"checkout: moving from  to x", NULL, NULL},
	    {"checkout: moving from a b to c", NULL, NULL},
	    {"commit: moving from a to b", NULL, NULL},
	    {"pull: Fast-forward", NULL, NULL},
	    {"", NULL, NULL},
	};
	char *from, *to;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool renamed;
		bool ok = gitstats_reflog_switch(cases[i].msg, &from, &to, &renamed);

		assert_int_equal(ok, cases[i].from != NULL);
		/* Only the "Branch: renamed" case (to trunk) is a rename. */
		assert_int_equal(ok && renamed, ok && strcmp(cases[i].to, "trunk") == 0);
		if (!ok) {
			assert_null(from);
			assert_null(to);
			continue;
		}
		assert_string_equal(from, cases[i].from);
		assert_string_equal(to, cases[i].to);
		free(from);
		free(to);
	}
	/* A merge a pull made is made here; the pull's fast-forward moved HEAD to theirs. */
	assert_int_equal(gitstats_reflog_kind("pull: Merge made by the 'ort' strategy."),
			 GITSTATS_RL_CREATE);
	assert_int_equal(gitstats_reflog_kind("pull --rebase (start): checkout abc"),
			 GITSTATS_RL_IMPORT);
	assert_int_equal(gitstats_reflog_kind("checkout: moving from a to b"), GITSTATS_RL_SWITCH);
}

static void test_concurrent(void **state)
{
	struct fixture *f = *state;
	struct gitstats_baseline b[2];
	struct worker w[6];
	pthread_t th[6];
	char err[512], second[256];
	git_repository *repo;

	snprintf(second, sizeof(second), "%s/second", f->dir);
	assert_int_equal(git_repository_init(&repo, second, 0), 0);
	git_repository_free(repo);
	testutil_write_file(second, "x.txt", "1\n2\n3\n");
	commit_all(second, "x");
	assert_int_equal(gitstats_baseline(f->repo, &b[0], err, sizeof(err)), 0);
	assert_int_equal(gitstats_baseline(second, &b[1], err, sizeof(err)), 0);
	testutil_write_file(f->repo, "three.txt", "one\n");
	testutil_write_file(second, "x.txt", "1\n2\n3\n4\n5\n");
	testutil_write_file(second, "y.txt", "y\n");
	for (int i = 0; i < 6; i++) {
		struct gitstats s;

		w[i] = (struct worker){.root = i % 2 ? second : f->repo, .base = &b[i % 2]};
		assert_int_equal(gitstats_compute(w[i].root, w[i].base, NULL, &s, err, sizeof(err)),
				 0);
		w[i].added = s.added;
		w[i].removed = s.removed;
		w[i].nfiles = s.nfiles;
		gitstats_finish(&s);
	}
	assert_int_equal(w[0].removed, 2);
	assert_int_equal(w[1].added, 3);
	for (int i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	gitstats_baseline_finish(&b[0]);
	gitstats_baseline_finish(&b[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_baseline_json_roundtrip, setup, teardown),
	    cmocka_unit_test(test_baseline_from_json_rejects),
	    cmocka_unit_test_setup_teardown(test_compute_basic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_small_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_compute_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exclude, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unborn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test(test_to_json_shape),
	    cmocka_unit_test(test_reflog_switch),
	    cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	};
	int rc;

	repo_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	repo_global_shutdown();
	return rc;
}
