#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "repo_watch.h"

#define SETTLE_MS   50
#define MAX_MS	    200
#define DEGRADED_MS 100
#define WAIT_MS	    10000

/* What one watch reported. */
struct rec {
	struct repo_watch *rw;
	unsigned calls;
	unsigned what; /* OR of every report */
	unsigned rescans;
	unsigned gone;
	char **touched;
	size_t ntouched;
	bool remove_in_changed;
};

struct fx {
	char dir[64];
	char repo[128];
	uv_loop_t loop;
	struct repo_watcher *w;
	struct rec rec[2];
};

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	if (r != 0)
		fail_msg("command failed (%d): %s", r, cmd);
}

static void on_changed(void *arg, unsigned what)
{
	struct rec *r = arg;

	r->calls++;
	r->what |= what;
	if (what & REPO_WATCH_RESCAN)
		r->rescans++;
	if (r->remove_in_changed) {
		repo_watch_remove(r->rw);
		r->rw = NULL;
	}
}

static void on_touched(void *arg, const struct repo_watch_touch *t, size_t n)
{
	struct rec *r = arg;

	r->touched = realloc(r->touched, (r->ntouched + n) * sizeof(*r->touched));
	assert_non_null(r->touched);
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i].mono_ns > 0);
		r->touched[r->ntouched++] = strdup(t[i].path);
	}
}

static void on_gone(void *arg)
{
	struct rec *r = arg;

	r->gone++;
}

static const struct repo_watch_ops ops = {
    .changed = on_changed,
    .touched = on_touched,
    .gone = on_gone,
};

static void rec_reset(struct rec *r)
{
	for (size_t i = 0; i < r->ntouched; i++)
		free(r->touched[i]);
	free(r->touched);
	r->touched = NULL;
	r->ntouched = 0;
	r->calls = r->what = r->rescans = r->gone = 0;
}

static bool touched(const struct rec *r, const char *path)
{
	for (size_t i = 0; i < r->ntouched; i++)
		if (strcmp(r->touched[i], path) == 0)
			return true;
	return false;
}

static void timeout_cb(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

/* Runs the loop until pred holds or ms pass; returns pred's final value. */
static bool run_until(struct fx *f, bool (*pred)(struct fx *, void *), void *arg, unsigned ms)
{
	uv_timer_t timer;
	bool expired = false;

	uv_timer_init(&f->loop, &timer);
	timer.data = &expired;
	uv_timer_start(&timer, timeout_cb, ms, 0);
	while (!(pred && pred(f, arg)) && !expired)
		uv_run(&f->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	return pred && pred(f, arg);
}

/* For checks that something does not happen: lets the loop run for ms. */
static void run_for(struct fx *f, unsigned ms)
{
	run_until(f, NULL, NULL, ms);
}

static bool p_ready(struct fx *f, void *arg)
{
	(void)f;
	return repo_watch_ready(arg);
}

static bool p_calls(struct fx *f, void *arg)
{
	return ((struct rec *)arg)->calls > 0;
}

static bool p_gitdir(struct fx *f, void *arg)
{
	return ((struct rec *)arg)->what & REPO_WATCH_GITDIR;
}

static bool p_gone(struct fx *f, void *arg)
{
	return ((struct rec *)arg)->gone > 0;
}

static bool p_two_rescans(struct fx *f, void *arg)
{
	return ((struct rec *)arg)->rescans >= 2;
}

static bool p_rescan(struct fx *f, void *arg)
{
	return ((struct rec *)arg)->rescans >= 1;
}

struct want_path {
	struct rec *r;
	const char *path;
};

static bool p_touched(struct fx *f, void *arg)
{
	struct want_path *wp = arg;

	return touched(wp->r, wp->path);
}

static bool p_ntouched_2000(struct fx *f, void *arg)
{
	return ((struct rec *)arg)->ntouched >= 2000;
}

/* Watches the kernel lists for the descriptor: one "inotify wd:" line each. */
static long kernel_watches(const struct fx *f)
{
	char path[64], line[512];
	long n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", repo_watcher_fd(f->w));
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "inotify wd:", 11) == 0)
			n++;
	fclose(fp);
	return n;
}

/* The table and the kernel agree: no watch leaked on either side. */
static void assert_kernel_agrees(const struct fx *f)
{
	assert_int_equal(kernel_watches(f), repo_watcher_count(f->w));
}

static struct repo_watch *watch(struct fx *f, int i, const char *root)
{
	struct repo_watch *rw = repo_watch_add(f->w, root, NULL, NULL, &ops, &f->rec[i]);

	assert_non_null(rw);
	f->rec[i].rw = rw;
	assert_true(run_until(f, p_ready, rw, WAIT_MS));
	/* Nothing is reported for what was there before. */
	run_for(f, SETTLE_MS * 2);
	assert_int_equal(f->rec[i].calls, 0);
	return rw;
}

static void wait_path(struct fx *f, struct rec *r, const char *path)
{
	struct want_path wp = {r, path};

	if (!run_until(f, p_touched, &wp, WAIT_MS))
		fail_msg("%s was not reported (%u reports, %zu paths)", path, r->calls,
			 r->ntouched);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct repo_watcher_timing t = {SETTLE_MS, MAX_MS, DEGRADED_MS};

	snprintf(f->dir, sizeof(f->dir), "/tmp/stint-watch.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	sh("cd %s && git init -q -b main repo && cd repo && echo hello > a.txt &&"
	   " printf 'build/\\n*.o\\n' > .gitignore && mkdir -p src/sub && echo x > src/sub/f.c &&"
	   " echo o > keep.o && git add -A && git add -f keep.o && git commit -qm init",
	   f->dir);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	f->w = repo_watcher_create(&f->loop, &t);
	assert_non_null(f->w);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	repo_watcher_destroy(f->w);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(uv_loop_alive(&f->loop));
	assert_int_equal(uv_loop_close(&f->loop), 0);
	rec_reset(&f->rec[0]);
	rec_reset(&f->rec[1]);
	sh("chmod -R u+rwx %s; rm -rf %s", f->dir, f->dir);
	free(f);
	return 0;
}

/* Editing a tracked file is one WORKTREE report naming it. */
static void test_edit_file(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw = watch(f, 0, f->repo);

	assert_false(repo_watch_degraded(rw));
	assert_null(repo_watch_degraded_reason(rw));
	/* root, src, src/sub; .git top level, refs, refs/heads, refs/tags */
	assert_true(repo_watch_count(rw) >= 6);
	assert_int_equal(repo_watch_last_activity(rw), 0);
	sh("echo more >> %s/a.txt", f->repo);
	assert_true(run_until(f, p_calls, r, WAIT_MS));
	run_for(f, MAX_MS * 2);
	assert_int_equal(r->calls, 1);
	assert_int_equal(r->what, REPO_WATCH_WORKTREE);
	assert_true(touched(r, "a.txt"));
	assert_int_equal(r->ntouched, 1);
	assert_true(repo_watch_last_activity(rw) > 0);
}

/* A file in directories created just now is seen, and so are later writes inside them. */
static void test_new_nested_dirs(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw = watch(f, 0, f->repo);
	size_t before = repo_watch_count(rw);

	sh("cd %s && mkdir -p a/b/c && echo > a/b/c/f", f->repo);
	wait_path(f, r, "a/b/c/f");
	assert_true(r->what & REPO_WATCH_WORKTREE);
	assert_int_equal(repo_watch_count(rw), before + 3);
	assert_kernel_agrees(f);
	rec_reset(r);
	sh("echo 2 > %s/a/b/c/g", f->repo);
	wait_path(f, r, "a/b/c/g");
}

/* Ignored directories are not watched and ignored files are not reported, unless tracked. */
static void test_ignored(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw = watch(f, 0, f->repo);
	size_t before = repo_watch_count(rw);

	sh("cd %s && mkdir -p build/x && echo 1 > build/x/out && echo 1 > build/top &&"
	   " echo 1 > src/sub/f.o",
	   f->repo);
	run_for(f, MAX_MS * 3);
	assert_int_equal(r->calls, 0);
	assert_int_equal(repo_watch_count(rw), before);
	/* keep.o matches *.o but is tracked: its changes count. */
	sh("echo 2 >> %s/keep.o", f->repo);
	wait_path(f, r, "keep.o");
	assert_int_equal(r->ntouched, 1);
}

/* Objects written to .git/objects are not changes. */
static void test_objects_ignored(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];

	watch(f, 0, f->repo);
	sh("cd %s && for i in 1 2 3; do echo data$i | git hash-object -w --stdin >/dev/null; done",
	   f->repo);
	run_for(f, MAX_MS * 3);
	assert_int_equal(r->calls, 0);
}

/* A commit is a GITDIR change and nothing else. */
static void test_commit(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];

	sh("echo c >> %s/a.txt", f->repo);
	watch(f, 0, f->repo);
	sh("cd %s && git commit -qam second", f->repo);
	assert_true(run_until(f, p_gitdir, r, WAIT_MS));
	run_for(f, MAX_MS * 2);
	assert_int_equal(r->what, REPO_WATCH_GITDIR);
	assert_int_equal(r->ntouched, 0);
}

/* Branch creation and switch are GITDIR; so is moving a ref in a nested refs directory. */
static void test_branches(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];

	struct repo_watch *rw = watch(f, 0, f->repo);
	size_t before = repo_watch_count(rw);

	sh("cd %s && git checkout -q -b x", f->repo);
	assert_true(run_until(f, p_gitdir, r, WAIT_MS));
	run_for(f, MAX_MS * 2);
	rec_reset(r);
	sh("cd %s && git branch feature/a", f->repo);
	assert_true(run_until(f, p_gitdir, r, WAIT_MS));
	run_for(f, MAX_MS * 2);
	assert_int_equal(repo_watch_count(rw), before + 1);
	rec_reset(r);
	sh("cd %s && git commit -q --allow-empty -m two", f->repo);
	assert_true(run_until(f, p_gitdir, r, WAIT_MS));
	run_for(f, MAX_MS * 2);
	rec_reset(r);
	/* Only refs/heads/feature/a changes: seen only if refs/heads/feature/ is watched. */
	sh("cd %s && git update-ref refs/heads/feature/a HEAD", f->repo);
	assert_true(run_until(f, p_gitdir, r, WAIT_MS));
	assert_int_equal(r->what, REPO_WATCH_GITDIR);
}

/* 2 000 files written at once make a few reports, not thousands. */
static void test_burst(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watcher_timing t = {SETTLE_MS, 2000, DEGRADED_MS};
	char path[256];
	struct timespec t0, t1;
	int64_t write_ms;

	/* The production cap: a burst is reported once per 2 s at most, never file by file. */
	repo_watcher_destroy(f->w);
	f->w = repo_watcher_create(&f->loop, &t);
	assert_non_null(f->w);
	watch(f, 0, f->repo);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 2000; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/src/burst%04d.txt", f->repo, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x\n", 2), 2);
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	write_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(run_until(f, p_ntouched_2000, r, WAIT_MS + write_ms));
	run_for(f, SETTLE_MS * 4);
	/* Writing takes milliseconds, or seconds under valgrind on a busy machine: one report per
	 * 2 s cap elapsed while writing, plus the settled one and the first. */
	assert_in_range(r->calls, 1, (unsigned long)(3 + write_ms / 2000));
	assert_false(r->what & REPO_WATCH_TRUNCATED);
	assert_true(touched(r, "src/burst0000.txt"));
	assert_true(touched(r, "src/burst1999.txt"));
}

/* A linked worktree: its commits reach its own watch and, through the refs, the main one's. */
static void test_linked_worktree(void **state)
{
	struct fx *f = *state;
	struct rec *main_r = &f->rec[0], *wt_r = &f->rec[1];
	struct repo_watch *main_w, *wt_w;
	char wt[192];

	snprintf(wt, sizeof(wt), "%s/wt", f->dir);
	sh("cd %s && git worktree add -q ../wt -b wtb", f->repo);
	main_w = watch(f, 0, f->repo);
	wt_w = watch(f, 1, wt);
	/* The common dir's top level and refs are one kernel watch each, with two owners. */
	assert_true(repo_watcher_count(f->w) < repo_watch_count(main_w) + repo_watch_count(wt_w));
	assert_kernel_agrees(f);
	sh("cd %s && echo w > w.txt && git add w.txt && git commit -qm w", wt);
	assert_true(run_until(f, p_gitdir, wt_r, WAIT_MS));
	assert_true(run_until(f, p_gitdir, main_r, WAIT_MS));
	run_for(f, MAX_MS * 2);
	assert_true(wt_r->what & REPO_WATCH_WORKTREE);
	assert_false(main_r->what & REPO_WATCH_WORKTREE);
	rec_reset(main_r);
	rec_reset(wt_r);
	/* Staging in the main worktree is its index, not the linked one's. */
	sh("cd %s && echo m >> a.txt && git add a.txt", f->repo);
	assert_true(run_until(f, p_gitdir, main_r, WAIT_MS));
	run_for(f, MAX_MS * 2);
	assert_int_equal(wt_r->calls, 0);
	assert_true(touched(main_r, "a.txt"));
}

/* Past the watch limit the repository keeps its git watches and gets periodic rescans. */
static void test_limit_degraded(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw;

	/* .git top level, refs, refs/heads, refs/tags, then the worktree root: src/ is one too
	 * many. */
	repo_watcher_set_limit(f->w, 5);
	rw = repo_watch_add(f->w, f->repo, NULL, NULL, &ops, r);
	assert_non_null(rw);
	r->rw = rw;
	assert_true(run_until(f, p_ready, rw, WAIT_MS));
	assert_true(repo_watch_degraded(rw));
	assert_non_null(repo_watch_degraded_reason(rw));
	assert_non_null(strstr(repo_watch_degraded_reason(rw), "limit"));
	assert_int_equal(repo_watch_count(rw), 4);
	assert_kernel_agrees(f);
	assert_true(run_until(f, p_two_rescans, r, WAIT_MS));
	rec_reset(r);
	sh("cd %s && git commit -q --allow-empty -m degraded", f->repo);
	assert_true(run_until(f, p_gitdir, r, WAIT_MS));
	rec_reset(r);
	/* Worktree edits are no longer watched: only the rescans report. */
	sh("echo more >> %s/a.txt", f->repo);
	assert_true(run_until(f, p_rescan, r, WAIT_MS));
	assert_false(r->what & REPO_WATCH_WORKTREE);
	assert_int_equal(r->ntouched, 0);
}

#ifdef STINT_TEST_HOOKS
/* A (synthetic) queue overflow makes every watch report RESCAN and walk its tree again. */
static void test_overflow_injected(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw = watch(f, 0, f->repo);
	size_t before = repo_watch_count(rw);
	char buf[sizeof(struct inotify_event) * 2 + 16] = {0};
	struct inotify_event ev = {.wd = 99999, .mask = IN_CREATE, .len = 16};

	/* An event for an unknown wd with a padded name, then the overflow marker. */
	memcpy(buf, &ev, sizeof(ev));
	memcpy(buf + sizeof(ev), "stale", 6);
	ev = (struct inotify_event){.wd = -1, .mask = IN_Q_OVERFLOW};
	memcpy(buf + sizeof(ev) + 16, &ev, sizeof(ev));
	assert_int_equal(repo_watcher_inject(f->w, buf, sizeof(buf)), 0);
	assert_true(run_until(f, p_rescan, r, WAIT_MS));
	assert_int_equal(repo_watch_count(rw), before);
	assert_kernel_agrees(f);
	/* A truncated buffer is refused. */
	assert_int_equal(repo_watcher_inject(f->w, buf, sizeof(buf) - 1), -EINVAL);
	/* Still watching afterwards. */
	rec_reset(r);
	sh("echo more >> %s/a.txt", f->repo);
	wait_path(f, r, "a.txt");
}
#endif

static long read_long(const char *path)
{
	FILE *fp = fopen(path, "r");
	long v = -1;

	if (fp) {
		if (fscanf(fp, "%ld", &v) != 1)
			v = -1;
		fclose(fp);
	}
	return v;
}

/* A real overflow: more events than the kernel queues while the loop is not reading. */
static void test_overflow_real(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	long max = read_long("/proc/sys/fs/inotify/max_queued_events");
	char path[256];

	if (max <= 0 || max > 100000) {
		skip();
		return;
	}
	watch(f, 0, f->repo);
	sh("mkdir %s/many", f->repo);
	run_for(f, SETTLE_MS * 3);
	rec_reset(r);
	/* Each file is IN_CREATE then IN_CLOSE_WRITE. */
	for (long i = 0; i < max / 2 + 100; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/many/%ld", f->repo, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	/* A bound, not a wait: the rescan of 8 000 files under valgrind on a busy machine is slow.
	 */
	assert_true(run_until(f, p_rescan, r, WAIT_MS * 6));
	run_for(f, MAX_MS * 2);
	assert_kernel_agrees(f);
	rec_reset(r);
	sh("echo more >> %s/a.txt", f->repo);
	wait_path(f, r, "a.txt");
}

/* The repository deleted mid-session: one `gone`, no more reports, and remove still works. */
static void test_repo_deleted(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw = watch(f, 0, f->repo);

	sh("rm -rf %s", f->repo);
	assert_true(run_until(f, p_gone, r, WAIT_MS));
	assert_true(repo_watch_gone(rw));
	assert_int_equal(repo_watch_count(rw), 0);
	run_for(f, MAX_MS * 2);
	assert_int_equal(r->gone, 1);
	repo_watch_remove(rw);
	r->rw = NULL;
	run_for(f, 10);
	assert_int_equal(repo_watcher_fd(f->w), -1);
}

/* Moved away counts as gone too. */
static void test_repo_moved(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw = watch(f, 0, f->repo);

	sh("mv %s %s/moved", f->repo, f->dir);
	assert_true(run_until(f, p_gone, r, WAIT_MS));
	assert_true(repo_watch_gone(rw));
	sh("echo x >> %s/moved/a.txt", f->dir);
	run_for(f, MAX_MS * 2);
	assert_int_equal(r->calls, 0);
}

/* With every watch removed nothing is left: no descriptor, no handle, the loop ends. */
static void test_remove_all_idle(void **state)
{
	struct fx *f = *state;
	struct repo_watch *a, *b;
	int fd;

	sh("cd %s && git worktree add -q ../wt2 -b wt2", f->repo);
	a = watch(f, 0, f->repo);
	b = repo_watch_add(f->w, f->repo, NULL, NULL, &ops, &f->rec[1]);
	assert_non_null(b);
	fd = repo_watcher_fd(f->w);
	assert_true(fd >= 0);
	assert_true(repo_watcher_count(f->w) > 0);
	repo_watch_remove(a);
	assert_int_equal(repo_watcher_fd(f->w), fd);
	/* b's initial walk may still be running. */
	repo_watch_remove(b);
	assert_int_equal(repo_watcher_fd(f->w), -1);
	assert_int_equal(repo_watcher_count(f->w), 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(uv_loop_alive(&f->loop));
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	/* A new watch brings a new instance. */
	a = watch(f, 0, f->repo);
	assert_true(repo_watcher_fd(f->w) >= 0);
	repo_watch_remove(a);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(uv_loop_alive(&f->loop));
}

/* Removing a watch while its walk of a large tree runs, or from its own callback, is safe. */
static void test_remove_in_flight(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw;

	sh("cd %s && mkdir -p big && cd big && for i in $(seq 1 40); do for j in $(seq 1 20); do"
	   " echo \"d$i/e$j\"; done; done | xargs mkdir -p",
	   f->repo);
	rw = repo_watch_add(f->w, f->repo, NULL, NULL, &ops, r);
	assert_non_null(rw);
	assert_false(repo_watch_ready(rw));
	repo_watch_remove(rw);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(uv_loop_alive(&f->loop));

	rw = watch(f, 0, f->repo);
	r->remove_in_changed = true;
	sh("echo more >> %s/a.txt && echo more >> %s/big/d1/e1/x", f->repo, f->repo);
	assert_true(run_until(f, p_calls, r, WAIT_MS));
	assert_null(r->rw);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(r->calls, 1);
	assert_false(uv_loop_alive(&f->loop));
}

/* Unignoring a directory in .gitignore starts watching it. */
static void test_gitignore_change(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw;
	size_t before;

	sh("mkdir -p %s/build/deep", f->repo);
	rw = watch(f, 0, f->repo);
	before = repo_watch_count(rw);
	sh("echo '*.o' > %s/.gitignore", f->repo);
	wait_path(f, r, ".gitignore");
	run_for(f, MAX_MS * 2);
	assert_int_equal(repo_watch_count(rw), before + 2);
	assert_kernel_agrees(f);
	rec_reset(r);
	sh("echo 1 > %s/build/deep/out", f->repo);
	wait_path(f, r, "build/deep/out");
	/* And ignoring it again drops those watches. */
	sh("printf 'build/\\n' >> %s/.gitignore", f->repo);
	wait_path(f, r, ".gitignore");
	run_for(f, MAX_MS * 2);
	assert_int_equal(repo_watch_count(rw), before);
	assert_kernel_agrees(f);
}

/* Directory trees moved in are walked and reported; moved out, their watches go. */
static void test_dir_moved(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	struct repo_watch *rw = watch(f, 0, f->repo);
	size_t before = repo_watch_count(rw);

	sh("mkdir -p %s/out/d1/d2 && echo 1 > %s/out/d1/d2/file && mv %s/out/d1 %s/d1", f->dir,
	   f->dir, f->dir, f->repo);
	wait_path(f, r, "d1/d2/file");
	assert_int_equal(repo_watch_count(rw), before + 2);
	rec_reset(r);
	sh("echo 2 > %s/d1/d2/g", f->repo);
	wait_path(f, r, "d1/d2/g");
	rec_reset(r);
	sh("mv %s/d1 %s/out/back", f->repo, f->dir);
	assert_true(run_until(f, p_calls, r, WAIT_MS));
	assert_true(r->what & REPO_WATCH_WORKTREE);
	assert_int_equal(repo_watch_count(rw), before);
	assert_kernel_agrees(f);
	/* Renamed within the tree: watched under the new name. */
	sh("mkdir -p %s/src/old/inner && mv %s/src/old %s/src/new", f->repo, f->repo, f->repo);
	run_for(f, MAX_MS * 2);
	rec_reset(r);
	sh("echo 3 > %s/src/new/inner/h", f->repo);
	wait_path(f, r, "src/new/inner/h");
	assert_int_equal(repo_watch_count(rw), before + 2);
	assert_kernel_agrees(f);
}

/* A nested repository's files are ours to watch, its .git is not. */
static void test_nested_repo(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];

	sh("cd %s && git init -q -b main nested && cd nested && echo n > n.txt && git add n.txt &&"
	   " git commit -qm n",
	   f->repo);
	watch(f, 0, f->repo);
	sh("cd %s/nested && git commit -q --allow-empty -m again && git checkout -q -b other",
	   f->repo);
	run_for(f, MAX_MS * 3);
	assert_int_equal(r->calls, 0);
	sh("echo more >> %s/nested/n.txt", f->repo);
	wait_path(f, r, "nested/n.txt");
}

/* A directory that is not a repository is watched alone. */
static void test_plain_directory(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	char plain[192];
	struct repo_watch *rw;

	snprintf(plain, sizeof(plain), "%s/plain", f->dir);
	sh("mkdir -p %s/sub", plain);
	rw = watch(f, 0, plain);
	assert_int_equal(repo_watch_count(rw), 2);
	sh("echo 1 > %s/sub/x", plain);
	wait_path(f, r, "sub/x");
}

/* A root reached through a symlink is watched; symlinks below it are not followed. */
static void test_symlinked_root(void **state)
{
	struct fx *f = *state;
	struct rec *r = &f->rec[0];
	char link[192];
	struct repo_watch *rw;
	size_t before;

	snprintf(link, sizeof(link), "%s/link", f->dir);
	sh("ln -s %s %s && mkdir -p %s/elsewhere/deep", f->repo, link, f->dir);
	rw = watch(f, 0, link);
	assert_false(repo_watch_gone(rw));
	before = repo_watch_count(rw);
	sh("ln -s %s/elsewhere %s/src/out", f->dir, f->repo);
	wait_path(f, r, "src/out");
	assert_int_equal(repo_watch_count(rw), before);
	rec_reset(r);
	sh("echo more >> %s/a.txt && echo x > %s/elsewhere/deep/y", f->repo, f->dir);
	wait_path(f, r, "a.txt");
	run_for(f, MAX_MS * 2);
	assert_false(touched(r, "src/out/deep/y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_edit_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_new_nested_dirs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_objects_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_branches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linked_worktree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limit_degraded, setup, teardown),
#ifdef STINT_TEST_HOOKS
	    cmocka_unit_test_setup_teardown(test_overflow_injected, setup, teardown),
#endif
	    cmocka_unit_test_setup_teardown(test_overflow_real, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repo_deleted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repo_moved, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_all_idle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gitignore_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dir_moved, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nested_repo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinked_root, setup, teardown),
	};
	char home[64] = "/tmp/stint-watch-home.XXXXXX";
	int r;

	/* A private HOME and no system config: the user's git settings stay out of the tests. */
	assert_non_null(mkdtemp(home));
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.org", 1);
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	/* Join the worker threads first, so libgit2 frees their per-thread state. */
	uv_library_shutdown();
	git_libgit2_shutdown();
	sh("rm -rf %s", home);
	return r;
}
