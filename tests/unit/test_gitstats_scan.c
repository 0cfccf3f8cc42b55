#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gitstats_scan.h"
#include "repo.h"
#include "timeutil.h"

/* Repositories are made with libgit2; tests/integration/test_gitstats.sh compares the whole
 * recompute with git itself. */

struct fixture {
	char dir[64];
	git_repository *repo;
	git_index *idx;
};

static void path_of(const struct fixture *f, const char *name, char *out, size_t outn)
{
	snprintf(out, outn, "%s/%s", f->dir, name);
}

/* Written an hour ago, so that the index written now is not racy for it. */
static void write_old(const struct fixture *f, const char *name, const char *text)
{
	struct timespec ts[2] = {{.tv_sec = time(NULL) - 3600}, {.tv_sec = time(NULL) - 3600}};
	char path[256];
	FILE *fp;

	path_of(f, name, path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void mkdir_in(const struct fixture *f, const char *name)
{
	char path[256];

	path_of(f, name, path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
}

static void stage(struct fixture *f, const char *name)
{
	assert_int_equal(git_index_add_bypath(f->idx, name), 0);
}

/* The index written to disk after the tracked files, as git add leaves it. */
static void write_index(struct fixture *f)
{
	git_oid tree;

	/* write_tree fills the cache tree that gitstats_scan_staged skips by. */
	assert_int_equal(git_index_write_tree(&tree, f->idx), 0);
	assert_int_equal(git_index_write(f->idx), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/stint-wtscan.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(git_repository_init(&f->repo, f->dir, 0), 0);
	assert_int_equal(git_repository_index(&f->idx, f->repo), 0);
	mkdir_in(f, "src");
	mkdir_in(f, "src/deep");
	write_old(f, "a.txt", "a\n");
	write_old(f, "b.txt", "b\n");
	write_old(f, "src/c.txt", "c\n");
	write_old(f, "src/deep/d.txt", "d\n");
	write_old(f, "src/deep/e.txt", "e\n");
	stage(f, "a.txt");
	stage(f, "b.txt");
	stage(f, "src/c.txt");
	stage(f, "src/deep/d.txt");
	stage(f, "src/deep/e.txt");
	write_index(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	git_index_free(f->idx);
	git_repository_free(f->repo);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void read_index(struct fixture *f, struct gitstats_scan_index *x)
{
	char path[256], why[256] = "";

	path_of(f, ".git/index", path, sizeof(path));
	assert_int_equal(gitstats_scan_index_read(path, x, why, sizeof(why)), 0);
}

static void scan(struct fixture *f, struct gitstats_scan_index *x, struct gitstats_scan *s)
{
	char why[256] = "";
	int rc;

	read_index(f, x);
	rc = gitstats_scan_run(f->repo, x, NULL, s, why, sizeof(why));
	if (rc != 0)
		fail_msg("gitstats_scan_run: %d %s", rc, why);
}

static const struct gitstats_scan_change *find(const struct gitstats_scan *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0)
			return &s->v[i];
	return NULL;
}

static void test_index_matches_libgit2(void **state)
{
	struct fixture *f = *state;
	struct gitstats_scan_index x;

	for (unsigned version = 2; version <= 4; version++) {
		assert_int_equal(git_index_set_version(f->idx, version), 0);
		write_index(f);
		read_index(f, &x);
		assert_int_equal(x.n, git_index_entrycount(f->idx));
		for (size_t i = 0; i < x.n; i++) {
			const git_index_entry *e = git_index_get_byindex(f->idx, i);

			assert_string_equal(x.v[i].path, e->path);
			assert_int_equal(x.v[i].mode, e->mode);
			assert_int_equal(x.v[i].size, e->file_size);
			assert_int_equal(x.v[i].mtime_s, (uint32_t)e->mtime.seconds);
			assert_true(git_oid_equal(&x.v[i].id, &e->id));
		}
		assert_true(x.nct > 0);
		gitstats_scan_index_finish(&x);
	}
}

static void test_clean(void **state)
{
	struct fixture *f = *state;
	struct gitstats_scan_index x;
	struct gitstats_scan s;

	scan(f, &x, &s);
	assert_int_equal(s.n, 0);
	gitstats_scan_finish(&s);
	gitstats_scan_index_finish(&x);
}

static void test_changes(void **state)
{
	struct fixture *f = *state;
	struct gitstats_scan_index x;
	struct gitstats_scan s;
	const struct gitstats_scan_change *c;
	char path[256], target[256];

	write_old(f, "a.txt", "a changed\n"); /* size differs */
	path_of(f, "b.txt", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	path_of(f, "src/c.txt", path, sizeof(path));
	assert_int_equal(chmod(path, 0755), 0);
	/* A tracked file replaced by a directory: gone, and its contents untracked. */
	path_of(f, "src/deep/d.txt", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	mkdir_in(f, "src/deep/d.txt");
	write_old(f, "src/deep/d.txt/inner", "x\n");
	write_old(f, "new.txt", "new\n");
	path_of(f, "link", path, sizeof(path));
	assert_int_equal(symlink("a.txt", path), 0);
	/* Ignored: a directory (not entered), a file; a repository of its own is left out. */
	write_old(f, ".gitignore", "build/\n*.o\n");
	mkdir_in(f, "build");
	write_old(f, "build/out", "o\n");
	write_old(f, "src/x.o", "o\n");
	mkdir_in(f, "nested");
	mkdir_in(f, "nested/.git");
	write_old(f, "nested/file", "n\n");
	path_of(f, "fifo", target, sizeof(target));
	assert_int_equal(mkfifo(target, 0644), 0);

	scan(f, &x, &s);
	assert_non_null(c = find(&s, "a.txt"));
	assert_non_null(c->entry);
	assert_int_equal(c->mode, 0100644);
	assert_non_null(c = find(&s, "b.txt"));
	assert_int_equal(c->mode, 0);
	assert_non_null(c = find(&s, "src/c.txt"));
	assert_int_equal(c->mode, 0100755);
	assert_non_null(c = find(&s, "src/deep/d.txt"));
	assert_int_equal(c->mode, 0);
	assert_non_null(c = find(&s, "src/deep/d.txt/inner"));
	assert_null(c->entry);
	assert_non_null(c = find(&s, "new.txt"));
	assert_null(c->entry);
	assert_int_equal(c->mode, 0100644);
	assert_non_null(c = find(&s, "link"));
	assert_int_equal(c->mode, 0120000);
	assert_non_null(find(&s, ".gitignore"));
	assert_null(find(&s, "build/out"));
	assert_null(find(&s, "src/x.o"));
	assert_null(find(&s, "nested/file"));
	assert_null(find(&s, "fifo"));
	assert_null(find(&s, "src/deep/e.txt"));
	assert_int_equal(s.n, 8);
	gitstats_scan_finish(&s);
	gitstats_scan_index_finish(&x);
}

/* Gives the index file the mtime of path: the index was written in the second path changed. */
static void index_stamped_as(const struct fixture *f, const char *path)
{
	char index[256];
	struct stat st;
	struct timespec ts[2];

	assert_int_equal(stat(path, &st), 0);
	ts[0] = ts[1] = st.st_mtim;
	path_of(f, ".git/index", index, sizeof(index));
	assert_int_equal(utimensat(AT_FDCWD, index, ts, 0), 0);
}

/* Stamped in the second the index was written: checked even though its stat data matches. */
static void test_racy(void **state)
{
	struct fixture *f = *state;
	struct gitstats_scan_index x;
	struct gitstats_scan s;
	char path[256];
	FILE *fp;

	path_of(f, "a.txt", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("A\n", fp);
	fclose(fp);
	stage(f, "a.txt");
	write_index(f);
	index_stamped_as(f, path); /* the same second however slowly this runs (valgrind) */
	scan(f, &x, &s);
	assert_non_null(find(&s, "a.txt"));
	gitstats_scan_finish(&s);
	gitstats_scan_index_finish(&x);
}

static void test_staged(void **state)
{
	struct fixture *f = *state;
	struct gitstats_scan_index x;
	struct gitstats_scan s;
	git_tree *tree;
	git_oid id;
	char why[256] = "";
	const struct gitstats_scan_change *c;

	assert_int_equal(git_index_write_tree(&id, f->idx), 0);
	assert_int_equal(git_tree_lookup(&tree, f->repo, &id), 0);
	/* Nothing staged: the cache tree answers for the root. */
	read_index(f, &x);
	assert_int_equal(gitstats_scan_staged(f->repo, tree, &x, &s, why, sizeof(why)), 0);
	assert_int_equal(s.n, 0);
	gitstats_scan_finish(&s);
	gitstats_scan_index_finish(&x);

	write_old(f, "src/deep/e.txt", "e changed\n");
	stage(f, "src/deep/e.txt");
	assert_int_equal(git_index_remove_bypath(f->idx, "b.txt"), 0);
	write_old(f, "z.txt", "z\n");
	stage(f, "z.txt");
	assert_int_equal(git_index_write(f->idx), 0);
	read_index(f, &x);
	assert_int_equal(gitstats_scan_staged(f->repo, tree, &x, &s, why, sizeof(why)), 0);
	assert_int_equal(s.n, 3);
	assert_non_null(c = find(&s, "src/deep/e.txt"));
	assert_non_null(c->entry);
	assert_int_equal(c->mode, 0100644);
	assert_non_null(c = find(&s, "b.txt"));
	assert_null(c->entry);
	assert_non_null(c = find(&s, "z.txt"));
	assert_int_equal(c->mode, 0);
	gitstats_scan_finish(&s);
	gitstats_scan_index_finish(&x);
	git_tree_free(tree);
}

/* What gitstats_scan does not model is refused, for libgit2's walk to take. */
static void test_unsupported(void **state)
{
	struct fixture *f = *state;
	struct gitstats_scan_index x;
	git_index_entry e = *git_index_get_bypath(f->idx, "a.txt", 0);
	char path[256], why[256] = "";

	e.flags = 1 << 12; /* stage 1: a conflict */
	assert_int_equal(git_index_add(f->idx, &e), 0);
	assert_int_equal(git_index_write(f->idx), 0);
	path_of(f, ".git/index", path, sizeof(path));
	assert_int_equal(gitstats_scan_index_read(path, &x, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "conflicts"));
	/* No index at all: an empty one. */
	path_of(f, ".git/no-index", path, sizeof(path));
	assert_int_equal(gitstats_scan_index_read(path, &x, why, sizeof(why)), 0);
	assert_int_equal(x.n, 0);
	gitstats_scan_index_finish(&x);
}

/* A scan with kept listings (dirs) and one without must find the same changes. */
static void scan_kept(struct fixture *f, struct gitstats_scan_dirs *dirs, struct gitstats_scan *s)
{
	struct gitstats_scan_index x, y;
	struct gitstats_scan plain;
	char why[256] = "";
	int rc;

	read_index(f, &x);
	rc = gitstats_scan_run(f->repo, &x, dirs, s, why, sizeof(why));
	if (rc != 0)
		fail_msg("gitstats_scan_run with listings: %d %s", rc, why);
	scan(f, &y, &plain);
	assert_int_equal(s->n, plain.n);
	for (size_t i = 0; i < plain.n; i++) {
		const struct gitstats_scan_change *c = find(s, plain.v[i].path);

		if (!c)
			fail_msg("%s: found without listings only", plain.v[i].path);
		assert_int_equal(c->mode, plain.v[i].mode);
		assert_true((c->entry == NULL) == (plain.v[i].entry == NULL));
	}
	gitstats_scan_finish(&plain);
	gitstats_scan_index_finish(&x);
	gitstats_scan_index_finish(&y);
}

/* Kept listings need a filesystem whose directory times can be trusted. */
static bool trusted_fs(const struct fixture *f)
{
	int fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	dev_t dev;
	bool ok;

	assert_true(fd >= 0);
	ok = gitstats_scan_dirs_trusted(fd, &dev);
	close(fd);
	return ok;
}

static int64_t ctime_ns_of(const struct fixture *f, const char *name)
{
	char path[256];
	struct stat st;

	path_of(f, name, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	return time_ts_ns(&st.st_ctim);
}

static int64_t now_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return time_ts_ns(&t);
}

/* Until a change to the directory gets a new timestamp: the kernel stamps from a coarse clock,
 * and two changes in one tick look like one (what the margin is for, which these tests turn
 * off). */
static void next_tick(const struct fixture *f, const char *dir)
{
	int64_t last = ctime_ns_of(f, dir);
	struct timespec ms = {.tv_nsec = 1000000};

	while (now_ns(CLOCK_REALTIME_COARSE) <= last)
		nanosleep(&ms, NULL);
}

static bool has_listing(const struct gitstats_scan_dirs *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].path, path) == 0)
			return true;
	return false;
}

static void test_kept_listings(void **state)
{
	/* Listings of directories changed a moment ago kept too: the test makes them now. */
	struct gitstats_scan_dirs dirs = {.margin_ns = -INT64_C(3600000000000)};
	struct fixture *f = *state;
	struct gitstats_scan s;
	struct stat st;
	char path[256];

	if (!trusted_fs(f))
		skip();
	scan_kept(f, &dirs, &s);
	assert_int_equal(s.dirs_read, 3); /* the root, src, src/deep */
	assert_int_equal(s.dirs_kept, 0);
	assert_int_equal(dirs.n, 3);
	gitstats_scan_finish(&s);

	scan_kept(f, &dirs, &s);
	assert_int_equal(s.dirs_read, 0);
	assert_int_equal(s.dirs_kept, 3);
	assert_int_equal(s.n, 0);
	gitstats_scan_finish(&s);

	/* A new file changes its directory: that one is read again, the others are not. */
	next_tick(f, "src");
	write_old(f, "src/new.txt", "new\n");
	scan_kept(f, &dirs, &s);
	assert_int_equal(s.dirs_read, 1);
	assert_int_equal(s.dirs_kept, 2);
	assert_non_null(find(&s, "src/new.txt"));
	gitstats_scan_finish(&s);

	/* A content change is the file's stat, never the listing's. */
	write_old(f, "src/deep/d.txt", "d changed\n");
	scan_kept(f, &dirs, &s);
	assert_int_equal(s.dirs_kept, 3);
	assert_non_null(find(&s, "src/deep/d.txt"));
	gitstats_scan_finish(&s);

	/* An entry removed, the directory's mtime put back: its ctime still moved. */
	next_tick(f, "src/deep");
	path_of(f, "src/deep", path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	path_of(f, "src/deep/e.txt", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	{
		struct timespec ts[2] = {st.st_atim, st.st_mtim};

		path_of(f, "src/deep", path, sizeof(path));
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	scan_kept(f, &dirs, &s);
	assert_int_equal(s.dirs_read, 1);
	assert_non_null(find(&s, "src/deep/e.txt"));
	assert_int_equal(find(&s, "src/deep/e.txt")->mode, 0);
	gitstats_scan_finish(&s);

	/* A tracked file replaced by a directory, an untracked one inside. */
	next_tick(f, ".");
	path_of(f, "a.txt", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	mkdir_in(f, "a.txt");
	write_old(f, "a.txt/inner.txt", "inner\n");
	scan_kept(f, &dirs, &s);
	assert_non_null(find(&s, "a.txt/inner.txt"));
	assert_int_equal(find(&s, "a.txt")->mode, 0);
	gitstats_scan_finish(&s);

	/* A directory gone: its listing is not carried on. */
	next_tick(f, ".");
	path_of(f, "a.txt/inner.txt", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	path_of(f, "a.txt", path, sizeof(path));
	assert_int_equal(rmdir(path), 0);
	scan_kept(f, &dirs, &s);
	assert_null(find(&s, "a.txt/inner.txt"));
	assert_int_equal(dirs.n, 3);
	assert_false(has_listing(&dirs, "a.txt/"));
	gitstats_scan_finish(&s);
	gitstats_scan_dirs_finish(&dirs);
}

/* With the real margin (2 s), a directory changed within it is read and not kept; once it is
 * older, the next scan keeps it and the one after does not read it. */
static void test_kept_listings_racy(void **state)
{
	struct gitstats_scan_dirs dirs = {0};
	struct timespec ms = {.tv_nsec = 20000000};
	struct fixture *f = *state;
	struct gitstats_scan s;
	int64_t changed;
	char path[256];

	if (!trusted_fs(f))
		skip();
	write_old(f, "src/tmp.txt", "x\n"); /* src changes now */
	path_of(f, "src/tmp.txt", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	changed = ctime_ns_of(f, "src");
	scan_kept(f, &dirs, &s);
	assert_false(has_listing(&dirs, "src/"));
	gitstats_scan_finish(&s);

	for (int i = 0; now_ns(CLOCK_REALTIME) - changed <= GITSTATS_SCAN_DIRS_MARGIN_NS + 50000000;
	     i++) {
		assert_true(i < 1000);
		nanosleep(&ms, NULL);
	}
	scan_kept(f, &dirs, &s);
	assert_true(has_listing(&dirs, "src/"));
	assert_int_equal(dirs.n, 3);
	gitstats_scan_finish(&s);

	scan_kept(f, &dirs, &s);
	assert_int_equal(s.dirs_read, 0);
	assert_int_equal(s.dirs_kept, 3);
	gitstats_scan_finish(&s);
	gitstats_scan_dirs_finish(&dirs);
}

/* Over GITSTATS_SCAN_THREADED entries two threads read: the same listings, kept and taken. */
static void test_kept_listings_threaded(void **state)
{
	struct gitstats_scan_dirs dirs = {.margin_ns = -INT64_C(3600000000000)};
	struct fixture *f = *state;
	struct gitstats_scan s;
	char name[64], path[256];
	int ndirs = 41, per = 55; /* 2 255 files: past the threshold of 2 000 */

	if (!trusted_fs(f))
		skip();
	for (int d = 0; d < ndirs; d++) {
		snprintf(name, sizeof(name), "t%02d", d);
		mkdir_in(f, name);
		for (int i = 0; i < per; i++) {
			snprintf(name, sizeof(name), "t%02d/f%02d.txt", d, i);
			write_old(f, name, name);
			stage(f, name);
		}
	}
	write_index(f);
	scan_kept(f, &dirs, &s);
	assert_int_equal(s.readers, 2);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.dirs_read, ndirs + 3);
	gitstats_scan_finish(&s);

	/* New files in 10 directories, a tracked one gone from 5 more, content changed in 5
	 * others (their listings stay true). */
	snprintf(name, sizeof(name), "t%02d", ndirs - 1);
	next_tick(f, name);
	for (int d = 0; d < 20; d++) {
		snprintf(name, sizeof(name), "t%02d/%s.txt", d, d < 10 ? "new" : "f00");
		if (d < 10 || d >= 15) {
			write_old(f, name, d < 10 ? "new\n" : "changed\n");
		} else {
			path_of(f, name, path, sizeof(path));
			assert_int_equal(unlink(path), 0);
		}
	}
	scan_kept(f, &dirs, &s);
	assert_int_equal(s.readers, 2);
	assert_int_equal(s.n, 20);
	assert_int_equal(s.dirs_read, 15);
	assert_int_equal(s.dirs_kept, ndirs + 3 - 15);
	gitstats_scan_finish(&s);
	gitstats_scan_dirs_finish(&dirs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_index_matches_libgit2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_racy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsupported, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kept_listings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kept_listings_racy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kept_listings_threaded, setup, teardown),
	};
	int rc;

	repo_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	repo_global_shutdown();
	return rc;
}
