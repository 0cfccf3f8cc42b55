/*
 * Times commands interleaved: each round runs every command once, in a shuffled order, so a
 * busy moment of a shared machine falls on all of them alike, and none always runs after the
 * same other one (after timew, whose work evicts caches). Prints, per command, the median
 * and p90 wall time of a spawn-and-wait (posix_spawn, no shell, stdout on /dev/null) and its
 * ratio to the first command's, both of the medians and as the median of the per-round ratios.
 *
 * usage: interleave ROUNDS WARMUP 'CMD ARG...' 'CMD ARG...' ...   (words split on spaces)
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

#define MAX_CMDS  8
#define MAX_WORDS 16

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[(int)(q * (n - 1) + 0.5)];
}

/* Runs argv once; returns its wall time in µs, or -1 when it failed. */
static double run_once(char **argv, posix_spawn_file_actions_t *fa)
{
	double t0 = now_us(), t1;
	pid_t pid;
	int st;

	if (posix_spawn(&pid, argv[0], fa, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	t1 = now_us();
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? t1 - t0 : -1;
}

int main(int argc, char **argv)
{
	static char *words[MAX_CMDS][MAX_WORDS + 1];
	posix_spawn_file_actions_t fa;
	double *t[MAX_CMDS], *ratio[MAX_CMDS], *tmp;
	int rounds, warmup, n = argc - 3;

	if (argc < 4 || n > MAX_CMDS || (rounds = atoi(argv[1])) < 1 ||
	    (warmup = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: interleave ROUNDS WARMUP 'CMD ARG...'... (at most %d)\n",
			MAX_CMDS);
		return 2;
	}
	for (int c = 0; c < n; c++) {
		int w = 0;

		for (char *tok = strtok(argv[3 + c], " "); tok && w < MAX_WORDS;
		     tok = strtok(NULL, " "))
			words[c][w++] = tok;
		t[c] = calloc((size_t)rounds, sizeof(double));
		ratio[c] = calloc((size_t)rounds, sizeof(double));
		if (!t[c] || !ratio[c] || w == 0)
			return 2;
	}
	if (!(tmp = calloc((size_t)rounds, sizeof(double))))
		return 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	unsigned seed = 1;
	int order[MAX_CMDS];

	for (int r = -warmup; r < rounds; r++) {
		/* A new order each round (Fisher-Yates): no command always follows the same one. */
		for (int k = 0; k < n; k++)
			order[k] = k;
		for (int k = n - 1; k > 0; k--) {
			int j = rand_r(&seed) % (k + 1), t = order[k];

			order[k] = order[j];
			order[j] = t;
		}
		for (int k = 0; k < n; k++) {
			int c = order[k];
			double us = run_once(words[c], &fa);

			if (us < 0) {
				fprintf(stderr, "interleave: %s failed\n", words[c][0]);
				return 1;
			}
			if (r >= 0)
				t[c][r] = us;
		}
		for (int c = 0; r >= 0 && c < n; c++)
			ratio[c][r] = t[c][r] / t[0][r];
	}
	printf("| command | p50 µs | p90 µs | ratio of p50s | median of per-round ratios |\n");
	printf("|---|---|---|---|---|\n");
	memcpy(tmp, t[0], (size_t)rounds * sizeof(double));
	double base = quantile(tmp, rounds, 0.5);
	for (int c = 0; c < n; c++) {
		char label[256] = "";
		size_t len = 0;

		for (int w = 0; words[c][w]; w++) {
			const char *word = w == 0 && strrchr(words[c][w], '/')
					       ? strrchr(words[c][w], '/') + 1
					       : words[c][w];

			len += (size_t)snprintf(label + len, sizeof(label) - len, "%s%s",
						w ? " " : "", word);
			if (len >= sizeof(label))
				break;
		}
		memcpy(tmp, t[c], (size_t)rounds * sizeof(double));
		double p50 = quantile(tmp, rounds, 0.5), p90 = quantile(tmp, rounds, 0.9);
		printf("| `%s` | %.0f | %.0f | %.2f | %.2f |\n", label, p50, p90, p50 / base,
		       quantile(ratio[c], rounds, 0.5));
	}
	return 0;
}
