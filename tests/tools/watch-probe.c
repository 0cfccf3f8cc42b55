/*
 * watch-probe: watches directories with repo_watch and prints what it reports.
 *
 *   watch-probe [-v] [-w] [-s SETTLE_MS] [-m MAX_MS] [-l LIMIT] [-t SECONDS] DIR...
 *
 * Prints, per directory, the time to the end of the initial walk, the watches it holds and the
 * heap they cost, then one line per report until SECONDS pass (0: until interrupted).
 * -v logs each job's duration (debug level); -w stamps reports with wall-clock seconds.
 */
#include <git2.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "log.h"
#include "repo_watch.h"
#include "timeutil.h"

struct probe {
	const char *dir;
	struct repo_watch *rw;
	size_t ntouched;
};

static int64_t t0;

/* Milliseconds since the end of the setup; with -w, wall-clock seconds for correlation. */
static bool wall;

static double since_ms(void)
{
	if (wall)
		return (double)(time_wall_ms() % 100000000) / 1e3;
	return (double)(time_mono_ns() - t0) / 1e6;
}

static void on_changed(void *arg, unsigned what)
{
	struct probe *p = arg;

	printf("%10.1f ms  %s: changed%s%s%s%s (%zu paths)\n", since_ms(), p->dir,
	       what & REPO_WATCH_WORKTREE ? " worktree" : "",
	       what & REPO_WATCH_GITDIR ? " gitdir" : "", what & REPO_WATCH_RESCAN ? " rescan" : "",
	       what & REPO_WATCH_TRUNCATED ? " truncated" : "", p->ntouched);
	p->ntouched = 0;
	fflush(stdout);
}

static void on_touched(void *arg, const struct repo_watch_touch *t, size_t n)
{
	struct probe *p = arg;

	for (size_t i = 0; i < n && i < 5; i++)
		printf("%10.1f ms  %s: touched %s\n", since_ms(), p->dir, t[i].path);
	p->ntouched += n;
}

static void on_gone(void *arg)
{
	struct probe *p = arg;

	printf("%10.1f ms  %s: gone\n", since_ms(), p->dir);
	fflush(stdout);
}

static const struct repo_watch_ops ops = {on_changed, on_touched, on_gone};

/* Watches the kernel lists for the descriptor: one "inotify wd:" line each. */
static long kernel_watches(int fd)
{
	char path[64], line[512];
	long n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "inotify wd:", 11) == 0)
			n++;
	fclose(fp);
	return n;
}

static void stop_cb(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void sig_cb(uv_signal_t *s, int signum)
{
	(void)signum;
	uv_stop(s->loop);
}

int main(int argc, char **argv)
{
	struct repo_watcher_timing timing = {0};
	struct repo_watcher *w;
	struct probe *probes;
	uv_timer_t stop;
	uv_signal_t sig;
	uv_loop_t loop;
	long limit = 0, seconds = 0;
	int opt, n;

	log_init("watch-probe", LOG_LEVEL_INFO);
	while ((opt = getopt(argc, argv, "vws:m:l:t:")) != -1) {
		switch (opt) {
		case 'v':
			log_init("watch-probe", LOG_LEVEL_DEBUG);
			break;
		case 'w':
			wall = true;
			break;
		case 's':
			timing.settle_ms = (unsigned)atoi(optarg);
			break;
		case 'm':
			timing.max_delay_ms = (unsigned)atoi(optarg);
			break;
		case 'l':
			limit = atol(optarg);
			break;
		case 't':
			seconds = atol(optarg);
			break;
		default:
			fprintf(
			    stderr,
			    "usage: watch-probe [-v] [-w] [-s SETTLE_MS] [-m MAX_MS] [-l LIMIT] "
			    "[-t SECONDS] DIR...\n");
			return 2;
		}
	}
	n = argc - optind;
	if (n < 1) {
		fprintf(stderr, "watch-probe: no directory given\n");
		return 2;
	}
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	uv_loop_init(&loop);
	w = repo_watcher_create(&loop, &timing);
	if (limit > 0)
		repo_watcher_set_limit(w, (size_t)limit);
	probes = calloc((size_t)n, sizeof(*probes));
	for (int i = 0; i < n; i++) {
		struct probe *p = &probes[i];
		struct mallinfo2 before = mallinfo2(), after;
		int64_t start = time_mono_ns();
		size_t count;

		p->dir = argv[optind + i];
		p->rw = repo_watch_add(w, p->dir, NULL, NULL, &ops, p);
		while (!repo_watch_ready(p->rw))
			uv_run(&loop, UV_RUN_ONCE);
		after = mallinfo2();
		count = repo_watch_count(p->rw);
		printf(
		    "%s: ready in %.1f ms, %zu watches (%zu in all, kernel lists %ld), heap +%zu "
		    "bytes (%.0f per watch)%s%s\n",
		    p->dir, (double)(time_mono_ns() - start) / 1e6, count, repo_watcher_count(w),
		    kernel_watches(repo_watcher_fd(w)), after.uordblks - before.uordblks,
		    count ? (double)(after.uordblks - before.uordblks) / (double)count : 0.0,
		    repo_watch_degraded(p->rw) ? "; degraded: " : "",
		    repo_watch_degraded(p->rw) ? repo_watch_degraded_reason(p->rw) : "");
	}
	fflush(stdout);
	t0 = time_mono_ns();
	uv_signal_init(&loop, &sig);
	uv_signal_start(&sig, sig_cb, SIGINT);
	uv_timer_init(&loop, &stop);
	if (seconds > 0)
		uv_timer_start(&stop, stop_cb, (uint64_t)seconds * 1000, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	printf("%zu watches in all, kernel lists %ld\n", repo_watcher_count(w),
	       kernel_watches(repo_watcher_fd(w)));
	uv_close((uv_handle_t *)&stop, NULL);
	uv_close((uv_handle_t *)&sig, NULL);
	repo_watcher_destroy(w);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(probes);
	uv_library_shutdown();
	git_libgit2_shutdown();
	return 0;
}
