/*
 * Drives daemon/gitstats.c from the command line, so tests can compare its numbers with git's:
 *   stint-gitstats [-v] baseline [--keep DIR] ROOT
 *   stint-gitstats [-v] diff [-z|--json|--commits|--summary] [--repeat N] [--time]
 *                  [--cache] [--path P]... ROOT BASELINE [EXCLUDE]
 * diff prints `git diff --numstat -z -M` records by default (-z is accepted for clarity).
 * With --path, a full compute is followed by incremental ones (gitstats_compute_paths) over
 * the paths given (repeated N times): their files, added and removed are printed.
 * --time prints each full compute's wall and CPU time (all threads) to stderr: the benchmarks'
 * measure of one recompute in a running process, without exec, linking and libgit2's set-up.
 * --cache keeps what stintd keeps between the full computes of --repeat (gitstats_cache).
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "gitstats.h"
#include "gitstats_keep.h"
#include "log.h"
#include "repo.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: stint-gitstats [-v] baseline [--keep DIR] ROOT\n"
		"       stint-gitstats [-v] diff [-z|--json|--commits|--summary] [--repeat N] "
		"[--time] [--cache] [--path P]... ROOT BASELINE_JSON_FILE [EXCLUDE]\n");
	return 2;
}

/* --keep DIR: the snapshot's objects copied under DIR, as stintd does at a session's start. */
static int do_baseline(const char *root, const char *keep)
{
	struct gitstats_baseline b;
	char err[1024];
	json_t *j;
	int rc = gitstats_baseline(root, &b, err, sizeof(err));

	if (rc == 0 && keep && (rc = gitstats_keep(root, &b, keep, err, sizeof(err))) < 0)
		gitstats_baseline_finish(&b);
	if (rc < 0) {
		fprintf(stderr, "stint-gitstats: %s\n", err);
		return 1;
	}
	j = gitstats_baseline_to_json(&b);
	if (!j || json_dumpf(j, stdout, JSON_COMPACT) < 0) {
		fprintf(stderr, "stint-gitstats: cannot encode the baseline\n");
		rc = -ENOMEM;
	}
	putchar('\n');
	json_decref(j);
	gitstats_baseline_finish(&b);
	return rc < 0 ? 1 : 0;
}

/* git's --numstat -z: "A\tR\tpath\0", renames "A\tR\t\0old\0new\0", binary "-\t-". */
static void print_numstat(const struct gitstats *s)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct gitstats_file *f = &s->files[i];

		if (f->binary)
			fputs("-\t-\t", stdout);
		else
			printf("%lld\t%lld\t", (long long)f->added, (long long)f->removed);
		if (f->old_path) {
			fputc('\0', stdout);
			fputs(f->old_path, stdout);
			fputc('\0', stdout);
		}
		fputs(f->path, stdout);
		fputc('\0', stdout);
	}
}

static void print_commits(const struct gitstats *s)
{
	for (size_t i = 0; i < s->ncommits; i++) {
		const struct gitstats_commit *c = &s->commits[i];

		printf("commit\t%s\t%lld\t%lld\t%zu\t%s\t%s\n", c->oid, (long long)c->added,
		       (long long)c->removed, c->files, c->merge ? "merge" : "-", c->subject);
	}
	for (size_t i = 0; i < s->npulled; i++)
		printf("pulled\t%s\n", s->pulled[i]);
}

static void print_summary(const struct gitstats *s)
{
	printf("branch\t%s\nhead\t%s\nfiles\t%zu\nadded\t%lld\nremoved\t%lld\ncommits\t%zu\n"
	       "pulled\t%zu\nfallback\t%s\n",
	       s->branch ? s->branch : "", s->head, s->nfiles, (long long)s->added,
	       (long long)s->removed, s->commits_total, s->pulled_total,
	       s->fallback ? "true" : "false");
}

/* A full compute, then incremental ones over paths from it. */
static int do_paths(const char *root, const struct gitstats_baseline *b, const char *exclude,
		    const char **paths, size_t npaths, int repeat)
{
	struct gitstats full, s = {0};
	struct gitstats_cache *cache = gitstats_cache_create();
	char err[1024];
	int rc = gitstats_compute(root, b, exclude, &full, err, sizeof(err));

	for (int k = 0; rc == 0 && k < repeat; k++) {
		gitstats_finish(&s);
		rc = gitstats_compute_paths(root, b, exclude, &full.stamp, full.measured_from,
					    paths, npaths, cache, &s, err, sizeof(err));
	}
	if (rc < 0)
		fprintf(stderr, "stint-gitstats: %s\n", err);
	else
		printf("files\t%zu\nadded\t%lld\nremoved\t%lld\n", s.nfiles, (long long)s.added,
		       (long long)s.removed);
	gitstats_finish(&s);
	gitstats_finish(&full);
	gitstats_cache_destroy(cache);
	return rc < 0 ? 1 : 0;
}

/* --cache's, freed by main. */
static struct gitstats_cache *cache;

/* Seconds of wall (CLOCK_MONOTONIC) and of CPU (the process, every thread). */
static void clocks(double *wall, double *cpu)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	getrusage(RUSAGE_SELF, &ru);
	*wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int do_diff(int argc, char **argv)
{
	const char *mode = "-z", *root, *file, *exclude = NULL;
	struct gitstats_baseline b;
	struct gitstats s;
	json_error_t jerr;
	char err[1024];
	json_t *j;
	int repeat = 1, i = 0, rc, timed = 0;
	const char **paths = calloc((size_t)argc + 1, sizeof(*paths));
	size_t npaths = 0;

	if (!paths)
		return 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (strcmp(argv[i], "--time") == 0)
			timed = 1;
		else if (strcmp(argv[i], "--cache") == 0) {
			if (!cache && !(cache = gitstats_cache_create()))
				return 1;
		} else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
			paths[npaths++] = argv[++i];
		else if (!strcmp(argv[i], "-z") || !strcmp(argv[i], "--json") ||
			 !strcmp(argv[i], "--commits") || !strcmp(argv[i], "--summary"))
			mode = argv[i];
		else
			return usage();
	}
	if (argc - i < 2 || argc - i > 3 || repeat < 1) {
		free(paths);
		return usage();
	}
	root = argv[i];
	file = argv[i + 1];
	if (argc - i == 3)
		exclude = argv[i + 2];
	j = json_load_file(file, 0, &jerr);
	if (!j) {
		fprintf(stderr, "stint-gitstats: %s: %s\n", file, jerr.text);
		return 1;
	}
	rc = gitstats_baseline_from_json(j, &b, err, sizeof(err));
	json_decref(j);
	if (rc < 0) {
		fprintf(stderr, "stint-gitstats: %s: %s\n", file, err);
		free(paths);
		return 1;
	}
	if (npaths) {
		rc = do_paths(root, &b, exclude, paths, npaths, repeat);
		gitstats_baseline_finish(&b);
		free(paths);
		return rc;
	}
	free(paths);
	for (int k = 0; k < repeat; k++) {
		double w0, c0, w1, c1;

		if (k)
			gitstats_finish(&s);
		clocks(&w0, &c0);
		rc = gitstats_compute_cached(root, &b, exclude, cache, &s, err, sizeof(err));
		clocks(&w1, &c1);
		if (timed && rc == 0) {
			size_t dread, dkept;

			gitstats_cache_last_scan(cache, &dread, &dkept);
			fprintf(stderr, "compute %d wall %.6f cpu %.6f dirs read %zu kept %zu\n",
				k + 1, w1 - w0, c1 - c0, dread, dkept);
		}
		if (rc < 0) {
			fprintf(stderr, "stint-gitstats: %s\n", err);
			gitstats_baseline_finish(&b);
			return 1;
		}
	}
	if (strcmp(mode, "--json") == 0) {
		j = gitstats_to_json(&s);
		if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) < 0)
			rc = -ENOMEM;
		putchar('\n');
		json_decref(j);
	} else if (strcmp(mode, "--commits") == 0) {
		print_commits(&s);
	} else if (strcmp(mode, "--summary") == 0) {
		print_summary(&s);
	} else {
		print_numstat(&s);
	}
	gitstats_finish(&s);
	gitstats_baseline_finish(&b);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i = 1, rc;

	signal(SIGPIPE, SIG_IGN);
	log_init("stint-gitstats", LOG_LEVEL_INFO);
	if (i < argc && strcmp(argv[i], "-v") == 0) {
		log_init("stint-gitstats", LOG_LEVEL_DEBUG);
		i++;
	}
	if (i >= argc)
		return usage();
	repo_global_init();
	if (strcmp(argv[i], "baseline") == 0 && argc - i == 2)
		rc = do_baseline(argv[i + 1], NULL);
	else if (strcmp(argv[i], "baseline") == 0 && argc - i == 4 &&
		 strcmp(argv[i + 1], "--keep") == 0)
		rc = do_baseline(argv[i + 3], argv[i + 2]);
	else if (strcmp(argv[i], "diff") == 0)
		rc = do_diff(argc - i - 1, argv + i + 1);
	else
		rc = usage();
	gitstats_cache_destroy(cache);
	repo_global_shutdown();
	return rc;
}
