#include "gitstats_gitproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* A git child that runs longer than this is killed: the daemon must not wait forever. */
#define GITSTATS_GITPROC_TIMEOUT_MS 120000

static bool gitstats_gitproc_env_dropped(const char *kv)
{
	/* Inherited variables that would point git at another repository, index or diff tool. */
	static const char *const drop[] = {
	    "GIT_DIR=",
	    "GIT_WORK_TREE=",
	    "GIT_INDEX_FILE=",
	    "GIT_OBJECT_DIRECTORY=",
	    "GIT_ALTERNATE_OBJECT_DIRECTORIES=",
	    "GIT_COMMON_DIR=",
	    "GIT_NAMESPACE=",
	    "GIT_PREFIX=",
	    "GIT_CONFIG_PARAMETERS=",
	    "GIT_CONFIG_COUNT=",
	    "GIT_QUARANTINE_PATH=",
	    "GIT_EXTERNAL_DIFF=",
	    "GIT_DIFF_OPTS=",
	    "GIT_OPTIONAL_LOCKS=",
	    "GIT_TERMINAL_PROMPT=",
	    "LC_ALL=",
	    "GIT_INDEX_VERSION=",
	};

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (strncmp(kv, drop[i], strlen(drop[i])) == 0)
			return true;
	return strncmp(kv, "GIT_CONFIG_KEY_", 15) == 0 || strncmp(kv, "GIT_CONFIG_VALUE_", 17) == 0;
}

static int64_t gitstats_gitproc_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* argv and envp for `git -C root args...`: git's defaults, never another repository's. */
static int gitstats_gitproc_argv_env(const char *root, const char *const *args,
				     const struct gitstats_gitproc *r, char *idxvar, char *altvar,
				     size_t varn, char ***argvp, char ***envp)
{
	char **argv, **env;
	size_t nenv = 0, na = 0;

	while (args[na])
		na++;
	argv = calloc(na + 4, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	na = 0;
	argv[na++] = "git";
	argv[na++] = "-C";
	argv[na++] = (char *)root;
	for (size_t i = 0; args[i]; i++)
		argv[na++] = (char *)args[i];
	argv[na] = NULL;

	for (char **e = environ; e && *e; e++)
		nenv++;
	for (size_t i = 0; r->extra_env && r->extra_env[i]; i++)
		nenv++;
	env = calloc(nenv + 8, sizeof(*env));
	if (!env) {
		free(argv);
		return -ENOMEM;
	}
	nenv = 0;
	for (char **e = environ; e && *e; e++)
		if (!gitstats_gitproc_env_dropped(*e))
			env[nenv++] = *e;
	for (size_t i = 0; r->extra_env && r->extra_env[i]; i++)
		env[nenv++] = (char *)r->extra_env[i];
	/* Never take the user's index lock for a stat refresh; never prompt; plain messages. */
	env[nenv++] = "GIT_OPTIONAL_LOCKS=0";
	env[nenv++] = "GIT_TERMINAL_PROMPT=0";
	env[nenv++] = "LC_ALL=C";
	if (r->index_file) {
		snprintf(idxvar, varn, "GIT_INDEX_FILE=%s", r->index_file);
		env[nenv++] = idxvar;
	}
	if (r->alternates) {
		snprintf(altvar, varn, "GIT_ALTERNATE_OBJECT_DIRECTORIES=%s", r->alternates);
		env[nenv++] = altvar;
	}
	env[nenv] = NULL;
	*argvp = argv;
	*envp = env;
	return 0;
}

/* Starts git with stdin from infd (or /dev/null), stdout and stderr to the pipes. */
static int gitstats_gitproc_spawn(pid_t *pid, char **argv, char **env, int infd, int out, int err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t mask;
	int rc;

	posix_spawn_file_actions_init(&fa);
	if (infd >= 0)
		posix_spawn_file_actions_adddup2(&fa, infd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	posix_spawnattr_init(&attr);
	/* Worker threads may block signals and the daemon ignores SIGPIPE: give git defaults. */
	sigemptyset(&mask);
	posix_spawnattr_setsigmask(&attr, &mask);
	sigemptyset(&mask);
	sigaddset(&mask, SIGPIPE);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	posix_spawnattr_setsigdefault(&attr, &mask);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(pid, "git", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/* Reads stdout into r->out and the start of stderr into r->errmsg until both close, killing
 * git when it takes too long; then reaps it. */
static int gitstats_gitproc_collect(pid_t pid, int outfd, int errfd, struct gitstats_gitproc *r)
{
	int fds[2] = {outfd, errfd}, st = 0, rc = 0;
	int64_t deadline = gitstats_gitproc_mono_ms() + GITSTATS_GITPROC_TIMEOUT_MS;
	size_t nerr = 0;

	while (fds[0] >= 0 || fds[1] >= 0) {
		struct pollfd pf[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
		int64_t left = deadline - gitstats_gitproc_mono_ms();
		char chunk[65536];

		if (left <= 0) {
			kill(pid, SIGKILL);
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(pf, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			kill(pid, SIGKILL);
			break;
		}
		for (int k = 0; k < 2; k++) {
			ssize_t n;

			if (fds[k] < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[k], chunk, sizeof(chunk));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(fds[k]);
				fds[k] = -1;
				continue;
			}
			if (k == 0) {
				if (rc == 0 &&
				    gitstats_int_buf_add(&r->out, chunk, (size_t)n) < 0) {
					rc = -ENOMEM;
					kill(pid, SIGKILL);
				}
			} else if (nerr + 1 < sizeof(r->errmsg)) {
				size_t take = (size_t)n;

				if (take > sizeof(r->errmsg) - 1 - nerr)
					take = sizeof(r->errmsg) - 1 - nerr;
				memcpy(r->errmsg + nerr, chunk, take);
				nerr += take;
			}
		}
	}
	for (int k = 0; k < 2; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	r->errmsg[nerr] = '\0';
	/* One line is enough for a message. */
	while (nerr > 0 && (r->errmsg[nerr - 1] == '\n' || r->errmsg[nerr - 1] == ' '))
		r->errmsg[--nerr] = '\0';
	for (char *p = r->errmsg; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return rc;
}

/* Runs `git -C root args...`; 0 once it ran (see r->status), -errno when it could not. */
int gitstats_gitproc_run(const char *root, const char *const *args, struct gitstats_gitproc *r)
{
	char **argv = NULL, **env = NULL, idxvar[PATH_MAX + 40], altvar[PATH_MAX + 40];
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, infd = -1, rc;
	pid_t pid;

	if ((rc = gitstats_gitproc_argv_env(root, args, r, idxvar, altvar, sizeof(idxvar), &argv,
					    &env)) < 0)
		return rc;
	if (r->in) {
		infd = memfd_create("stint-git-stdin", MFD_CLOEXEC);
		if (infd < 0 || write(infd, r->in, r->inlen) != (ssize_t)r->inlen ||
		    lseek(infd, 0, SEEK_SET) != 0) {
			rc = -errno;
			goto fail;
		}
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = gitstats_gitproc_spawn(&pid, argv, env, infd, outp[1], errp[1]);
	close(outp[1]);
	close(errp[1]);
	if (infd >= 0)
		close(infd);
	free(env);
	free(argv);
	if (rc != 0) {
		close(outp[0]);
		close(errp[0]);
		return -rc;
	}
	return gitstats_gitproc_collect(pid, outp[0], errp[0], r);
fail:
	if (infd >= 0)
		close(infd);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	free(env);
	free(argv);
	return rc;
}

/* Runs git and requires exit status 0 (or 1 when one_ok); err says what failed. */
int gitstats_gitproc_ok(struct gitstats_ctx *c, const char *const *args, struct gitstats_gitproc *r,
			bool one_ok)
{
	int rc;

	/* A kept baseline's objects (gitstats_keep.h) are read as alternates. */
	if (c->base && c->base->kept && !r->alternates)
		r->alternates = c->base->kept;
	rc = gitstats_gitproc_run(c->root, args, r);
	if (rc < 0) {
		gitstats_int_seterr(c->err, c->errn, "cannot run git %s: %s", args[0],
				    strerror(-rc));
		return rc;
	}
	if (r->status == 0 || (one_ok && r->status == 1))
		return 0;
	gitstats_int_seterr(c->err, c->errn, "git %s failed: %s", args[0],
			    r->errmsg[0] ? r->errmsg : "no message");
	return -EIO;
}

void gitstats_gitproc_free(struct gitstats_gitproc *r)
{
	gitstats_int_buf_free(&r->out);
}

/* gitstats_gitproc_version's answer, probed once per process. */
static pthread_once_t gitstats_gitproc_version_once = PTHREAD_ONCE_INIT;
static int gitstats_gitproc_version_value;

static void gitstats_gitproc_version_probe(void)
{
	const char *args[] = {"--version", NULL};
	struct gitstats_gitproc r = {0};
	int a = 0, b = 0, c = 0;

	if (gitstats_gitproc_run("/", args, &r) == 0 && r.status == 0 && r.out.p &&
	    sscanf(r.out.p, "git version %d.%d.%d", &a, &b, &c) >= 2)
		gitstats_gitproc_version_value = a * 10000 + b * 100 + c;
	gitstats_gitproc_free(&r);
}

int gitstats_gitproc_version(void)
{
	pthread_once(&gitstats_gitproc_version_once, gitstats_gitproc_version_probe);
	return gitstats_gitproc_version_value;
}
