#include "gitstats.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <git2/sys/repository.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "gitstats_scan.h"

extern char **environ;

/* A git child that runs longer than this is killed: the daemon must not wait forever. */
#define GIT_TIMEOUT_MS 120000
/* Similarity scores as git's diffcore computes them (MAX_SCORE is a double there too). */
#define MAX_SCORE	      60000.0
#define DEFAULT_RENAME_SCORE  30000
#define NUM_CANDIDATE_PER_DST 4
#define FIRST_FEW_BYTES	      8000
#define S_ISGITLINK(m)	      (((m)&0170000) == 0160000)

/* ---- small helpers ---- */

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_add(struct buf *b, const void *d, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void seterr(char *err, size_t errn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errn, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errn)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errn, fmt, ap);
	va_end(ap);
}

static const char *git2_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

static bool is_hex_oid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
			return false;
	return n == 40 || n == 64;
}

/* A path under the excluded directory (both relative to the worktree root)? */
static bool excluded(const char *ex, const char *path)
{
	size_t n;

	if (!ex || !path)
		return false;
	n = strlen(ex);
	return strncmp(path, ex, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Hex object id -> index, for the commit sets. */
struct omap {
	char (*keys)[GITSTATS_OID_MAX + 1];
	size_t *vals;
	size_t cap, n;
};

static size_t omap_hash(const char *k)
{
	size_t h = 0;

	for (int i = 0; i < 16 && k[i]; i++)
		h = h * 16 + (size_t)(isdigit((unsigned char)k[i]) ? k[i] - '0' : k[i] - 'a' + 10);
	return h;
}

static int omap_put(struct omap *m, const char *k, size_t v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct omap g = {0};

		g.cap = m->cap ? m->cap * 2 : 64;
		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -ENOMEM;
		}
		for (i = 0; i < m->cap; i++)
			if (m->keys[i][0])
				omap_put(&g, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	for (i = omap_hash(k) & (m->cap - 1); m->keys[i][0]; i = (i + 1) & (m->cap - 1)) {
		if (strcmp(m->keys[i], k) == 0) {
			m->vals[i] = v;
			return 0;
		}
	}
	snprintf(m->keys[i], sizeof(m->keys[i]), "%s", k);
	m->vals[i] = v;
	m->n++;
	return 0;
}

static bool omap_get(const struct omap *m, const char *k, size_t *v)
{
	if (!m->cap || !*k)
		return false;
	for (size_t i = omap_hash(k) & (m->cap - 1); m->keys[i][0]; i = (i + 1) & (m->cap - 1)) {
		if (strcmp(m->keys[i], k) == 0) {
			if (v)
				*v = m->vals[i];
			return true;
		}
	}
	return false;
}

static void omap_free(struct omap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

struct strv {
	char **v;
	size_t n, cap;
};

static int strv_add(struct strv *s, const char *str)
{
	char *d, **v;

	v = array_grow(s->v, &s->cap, s->n, sizeof(*v), 16);
	if (!v)
		return -ENOMEM;
	s->v = v;
	d = strdup(str);
	if (!d)
		return -ENOMEM;
	s->v[s->n++] = d;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Splits -z output into NUL-terminated tokens. */
static char *next_tok(char **p, const char *end)
{
	char *s = *p, *z;

	if (!s || s >= end)
		return NULL;
	z = memchr(s, '\0', (size_t)(end - s));
	if (!z)
		return NULL;
	*p = z + 1;
	return s;
}

/* ---- one repository being read ---- */

struct ctx {
	const char *root;
	git_repository *repo; /* NULL when running git instead */
	bool cli;
	char gitdir[PATH_MAX];
	char commondir[PATH_MAX];
	char *exclude;	     /* relative to root, no trailing slash; NULL for none */
	uint32_t diff_flags; /* git's diff.algorithm, as libgit2 patch flags */
	/* No attribute file anywhere and no filter: worktree files are read as they are. */
	bool plain;
	char *err;
	size_t errn;
};

static void strip_slash(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

/* ---- running git (the fallback) ---- */

static bool env_dropped(const char *kv)
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

struct gitrun {
	const char *index_file;	      /* GIT_INDEX_FILE for the child */
	const char *const *extra_env; /* more NAME=value, NULL-terminated */
	const void *in;		      /* stdin contents, or NULL for /dev/null */
	size_t inlen;
	struct buf out;
	char errmsg[512]; /* the start of stderr */
	int status;	  /* exit status; -1 when killed by a signal */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs `git -C root args...`; 0 once it ran (see r->status), -errno when it could not. */
static int run_git(const char *root, const char *const *args, struct gitrun *r)
{
	char **argv, **env = NULL, idxvar[PATH_MAX + 32];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, infd = -1, st = 0, rc;
	size_t nenv = 0, na = 0, nerr = 0;
	sigset_t mask;
	pid_t pid;
	int64_t deadline;

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
		if (!env_dropped(*e))
			env[nenv++] = *e;
	for (size_t i = 0; r->extra_env && r->extra_env[i]; i++)
		env[nenv++] = (char *)r->extra_env[i];
	/* Never take the user's index lock for a stat refresh; never prompt; plain messages. */
	env[nenv++] = "GIT_OPTIONAL_LOCKS=0";
	env[nenv++] = "GIT_TERMINAL_PROMPT=0";
	env[nenv++] = "LC_ALL=C";
	if (r->index_file) {
		snprintf(idxvar, sizeof(idxvar), "GIT_INDEX_FILE=%s", r->index_file);
		env[nenv++] = idxvar;
	}
	env[nenv] = NULL;

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
	posix_spawn_file_actions_init(&fa);
	if (infd >= 0)
		posix_spawn_file_actions_adddup2(&fa, infd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
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
	rc = posix_spawnp(&pid, "git", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (infd >= 0)
		close(infd);
	infd = -1;
	free(env);
	free(argv);
	env = NULL;
	argv = NULL;
	if (rc != 0) {
		close(outp[0]);
		close(errp[0]);
		return -rc;
	}

	deadline = mono_ms() + GIT_TIMEOUT_MS;
	rc = 0;
	while (outp[0] >= 0 || errp[0] >= 0) {
		struct pollfd pf[2] = {{outp[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
		int64_t left = deadline - mono_ms();
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
			int *fd = k == 0 ? &outp[0] : &errp[0];
			ssize_t n;

			if (*fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, chunk, sizeof(chunk));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			if (k == 0) {
				if (rc == 0 && buf_add(&r->out, chunk, (size_t)n) < 0) {
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
	if (outp[0] >= 0)
		close(outp[0]);
	if (errp[0] >= 0)
		close(errp[0]);
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
static int git_ok(struct ctx *c, const char *const *args, struct gitrun *r, bool one_ok)
{
	int rc = run_git(c->root, args, r);

	if (rc < 0) {
		seterr(c->err, c->errn, "cannot run git %s: %s", args[0], strerror(-rc));
		return rc;
	}
	if (r->status == 0 || (one_ok && r->status == 1))
		return 0;
	seterr(c->err, c->errn, "git %s failed: %s", args[0],
	       r->errmsg[0] ? r->errmsg : "no message");
	return -EIO;
}

static void gitrun_free(struct gitrun *r)
{
	buf_free(&r->out);
}

/* The installed git's version as major*10000 + minor*100 + patch, 0 when unknown. */
static pthread_once_t git_version_once = PTHREAD_ONCE_INIT;
static int git_version_value;

static void git_version_probe(void)
{
	const char *args[] = {"--version", NULL};
	struct gitrun r = {0};
	int a = 0, b = 0, c = 0;

	if (run_git("/", args, &r) == 0 && r.status == 0 && r.out.p &&
	    sscanf(r.out.p, "git version %d.%d.%d", &a, &b, &c) >= 2)
		git_version_value = a * 10000 + b * 100 + c;
	gitrun_free(&r);
}

static int git_version(void)
{
	pthread_once(&git_version_once, git_version_probe);
	return git_version_value;
}

/* ---- reflogs: read as files, the same way in both modes ---- */

struct rlentry {
	char old[GITSTATS_OID_MAX + 1];
	char oid[GITSTATS_OID_MAX + 1]; /* the new value */
	int64_t time;
	char *msg;
};

struct reflog {
	struct rlentry *v;
	size_t n;
};

static void reflog_free(struct reflog *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].msg);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void reflog_path(const struct ctx *c, const char *ref, char *out, size_t outn)
{
	/* HEAD is per worktree; branches live in the common directory. */
	if (strcmp(ref, "HEAD") == 0)
		snprintf(out, outn, "%s/logs/HEAD", c->gitdir);
	else
		snprintf(out, outn, "%s/logs/%s", c->commondir, ref);
}

/* Reads a reflog file; a missing one is empty. */
static int reflog_read(const struct ctx *c, const char *ref, struct reflog *out)
{
	char path[PATH_MAX * 2];
	struct buf b = {0};
	char chunk[65536];
	size_t cap = 0;
	ssize_t n;
	int fd;

	memset(out, 0, sizeof(*out));
	reflog_path(c, ref, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(&b, chunk, (size_t)n) < 0) {
			close(fd);
			buf_free(&b);
			return -ENOMEM;
		}
	close(fd);
	for (char *line = b.p; line && line < b.p + b.n;) {
		char *nl = memchr(line, '\n', (size_t)(b.p + b.n - line));
		char *end = nl ? nl : b.p + b.n, *tab, *sp1, *sp2, *gt;
		struct rlentry *e;

		*end = '\0';
		sp1 = strchr(line, ' ');
		sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		if (sp1 && sp2 && sp1 - line <= GITSTATS_OID_MAX &&
		    sp2 - sp1 - 1 <= GITSTATS_OID_MAX) {
			if (out->n == cap) {
				struct rlentry *v;

				cap = cap ? cap * 2 : 64;
				v = realloc(out->v, cap * sizeof(*v));
				if (!v) {
					buf_free(&b);
					reflog_free(out);
					return -ENOMEM;
				}
				out->v = v;
			}
			e = &out->v[out->n];
			memcpy(e->old, line, (size_t)(sp1 - line));
			e->old[sp1 - line] = '\0';
			memcpy(e->oid, sp1 + 1, (size_t)(sp2 - sp1 - 1));
			e->oid[sp2 - sp1 - 1] = '\0';
			tab = strchr(sp2, '\t');
			if (tab)
				*tab = '\0';
			/* "name <email> 1700000000 +0100": the time follows the last '>'. */
			gt = strrchr(sp2, '>');
			e->time = gt ? strtoll(gt + 1, NULL, 10) : 0;
			e->msg = strdup(tab ? tab + 1 : "");
			if (!e->msg) {
				buf_free(&b);
				reflog_free(out);
				return -ENOMEM;
			}
			out->n++;
		}
		line = nl ? nl + 1 : NULL;
	}
	buf_free(&b);
	return 0;
}

/*
 * Where the session's part of a reflog begins: after the entries it had at the start when that
 * prefix is intact, else (the log was expired or rewritten) after the last entry as old as the
 * newest one then.
 */
static size_t reflog_since(const struct reflog *l, const struct gitstats_tip *t)
{
	size_t i;

	if (!t || t->reflog == 0)
		return 0;
	if (t->reflog <= l->n && l->v[t->reflog - 1].time == t->reflog_time)
		return t->reflog;
	for (i = l->n; i > 0 && l->v[i - 1].time > t->reflog_time; i--)
		;
	return i;
}

/* RL_SWITCH: a checkout or a new branch, which moves to commits without merging them. */
enum rlkind { RL_OTHER, RL_CREATE, RL_IMPORT, RL_SWITCH };

/* What a reflog message says about how the ref moved (see docs/git-statistics.md). */
static enum rlkind reflog_kind(const char *msg)
{
	static const char *const create_steps[] = {"(pick)",	 "(reword)", "(squash)", "(fixup)",
						   "(continue)", "(merge)",  "(edit)"};
	static const char *const import_prefixes[] = {
	    "pull",   "initial pull",	"fetch",  "reset:",
	    "clone:", "update by push", "rebase", "merge ",
	};

	if (strncmp(msg, "commit", 6) == 0 || strncmp(msg, "cherry-pick", 11) == 0 ||
	    strncmp(msg, "revert", 6) == 0 || strncmp(msg, "am:", 3) == 0 ||
	    strstr(msg, ": Merge made by"))
		return RL_CREATE;
	if (strncmp(msg, "rebase", 6) == 0 || strncmp(msg, "pull", 4) == 0) {
		const char *colon = strchr(msg, ':');
		size_t head = colon ? (size_t)(colon - msg) : strlen(msg);

		for (size_t i = 0; i < sizeof(create_steps) / sizeof(create_steps[0]); i++) {
			const char *p = strstr(msg, create_steps[i]);

			if (p && (size_t)(p - msg) < head)
				return RL_CREATE;
		}
	}
	if (strncmp(msg, "checkout:", 9) == 0 || strncmp(msg, "branch: Created from", 20) == 0)
		return RL_SWITCH;
	for (size_t i = 0; i < sizeof(import_prefixes) / sizeof(import_prefixes[0]); i++)
		if (strncmp(msg, import_prefixes[i], strlen(import_prefixes[i])) == 0)
			return RL_IMPORT;
	return RL_OTHER;
}

/* ---- shared data between the two modes ---- */

struct cnode {
	char oid[GITSTATS_OID_MAX + 1];
	char (*parents)[GITSTATS_OID_MAX + 1];
	size_t nparents;
	bool pulled;
	bool old; /* reachable at the start from a local branch, not from HEAD */
	bool pulled_child;
};

struct cgraph {
	struct cnode *v; /* newest first (topological) */
	size_t n, cap;
	struct omap at;
};

static void cgraph_free(struct cgraph *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].parents);
	free(g->v);
	omap_free(&g->at);
	memset(g, 0, sizeof(*g));
}

static struct cnode *cgraph_add(struct cgraph *g, const char *oid, size_t nparents)
{
	struct cnode *c, *v;

	v = array_grow(g->v, &g->cap, g->n, sizeof(*v), 64);
	if (!v)
		return NULL;
	g->v = v;
	c = &g->v[g->n];
	memset(c, 0, sizeof(*c));
	snprintf(c->oid, sizeof(c->oid), "%s", oid);
	if (nparents) {
		c->parents = calloc(nparents, sizeof(*c->parents));
		if (!c->parents)
			return NULL;
	}
	c->nparents = nparents;
	if (omap_put(&g->at, oid, g->n) < 0) {
		free(c->parents);
		return NULL;
	}
	g->n++;
	return c;
}

struct headinfo {
	char oid[GITSTATS_OID_MAX + 1];
	char *branch;
};

/* Tips now: HEAD first, then each local branch. */
struct tiplist {
	struct gitstats_tip *v;
	size_t n, cap;
};

static int tiplist_add(struct tiplist *l, const char *ref, const char *oid)
{
	struct gitstats_tip *t, *v;

	v = array_grow(l->v, &l->cap, l->n, sizeof(*v), 16);
	if (!v)
		return -ENOMEM;
	l->v = v;
	t = &l->v[l->n];
	memset(t, 0, sizeof(*t));
	t->ref = strdup(ref);
	if (!t->ref)
		return -ENOMEM;
	snprintf(t->oid, sizeof(t->oid), "%s", oid ? oid : "");
	l->n++;
	return 0;
}

static void tiplist_free(struct tiplist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].ref);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* A file list being built. */
struct flist {
	struct gitstats_file *v;
	size_t n, cap;
};

static struct gitstats_file *flist_add(struct flist *l)
{
	struct gitstats_file *v = array_grow(l->v, &l->cap, l->n, sizeof(*v), 32);

	if (!v)
		return NULL;
	l->v = v;
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void flist_free(struct flist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].old_path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int file_set(struct gitstats_file *f, const char *path, const char *old_path, char status,
		    bool binary, int64_t added, int64_t removed)
{
	f->path = strdup(path);
	f->old_path = old_path ? strdup(old_path) : NULL;
	if (!f->path || (old_path && !f->old_path))
		return -ENOMEM;
	f->status = status;
	f->binary = binary;
	f->added = binary ? 0 : added;
	f->removed = binary ? 0 : removed;
	return 0;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gitstats_file *)a)->path,
		      ((const struct gitstats_file *)b)->path);
}

/* A name longer than out is cut: it is a label, and git's ref names have no useful limit. */
static void branch_name(char *out, size_t outn, const char *symref, const char *oid)
{
	static const char unborn[] = " (unborn)";
	size_t len;

	if (!symref) {
		snprintf(out, outn, "detached at %.7s", oid);
		return;
	}
	if (strncmp(symref, "refs/heads/", 11) == 0)
		symref += 11;
	len = strnlen(symref, outn - 1);
	memcpy(out, symref, len);
	out[len] = '\0';
	if (!*oid && len + sizeof(unborn) <= outn)
		memcpy(out + len, unborn, sizeof(unborn));
}

/* ---- git's rename detection (diffcore-rename.c, diffcore-delta.c), over libgit2 content ---- */

struct span {
	unsigned int hashval;
	unsigned int cnt;
};

struct rside {
	const char *path;
	uint32_t mode;
	git_oid oid;
	bool oid_valid;
	bool workdir; /* content is the worktree file, filtered like `git add` would */
	size_t delta; /* index in the git_diff */
	int used;     /* sources: times used by a rename */
	int src;      /* destinations: the paired source, -1 for none */
	int score;
	int state; /* 0 not prepared, 1 prepared, -1 unreadable */
	size_t size;
	int binary;
	struct span *sig;
	size_t nsig;
};

struct rename {
	git_repository *repo;
	struct rside *src, *dst;
	size_t nsrc, ndst;
	int rename_limit;
	bool final_line; /* git >= 2.43.2 also hashes a last line without newline */
	bool plain;	 /* no attributes, no filters: see ctx.plain */
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->hashval < y->hashval ? -1 : x->hashval > y->hashval;
}

/* diffcore-delta.c's hash_chars: the file as spans ending at a newline or 64 bytes. */
static int hash_chars(const unsigned char *buf, size_t sz, bool is_text, bool final_line,
		      struct span **out, size_t *nout)
{
	size_t cap = 512, used = 0, n = 0;
	struct span *tab = calloc(cap, sizeof(*tab)), *res;
	unsigned int accum1 = 0, accum2 = 0, hashval;

	if (!tab)
		return -ENOMEM;
	while (sz || (final_line && n > 0)) {
		unsigned int c, old_1 = accum1;
		bool flush;

		if (sz) {
			c = *buf++;
			sz--;
			/* Ignore CR in CRLF sequence if text */
			if (is_text && c == '\r' && sz && *buf == '\n')
				continue;
			accum1 = (accum1 << 7) ^ (accum2 >> 25);
			accum2 = (accum2 << 7) ^ (old_1 >> 25);
			accum1 += c;
			flush = ++n >= 64 || c == '\n';
		} else {
			flush = true;
		}
		if (!flush)
			continue;
		hashval = (accum1 + accum2 * 0x61) % 107927;
		if ((used + 1) * 2 > cap) {
			struct span *g = calloc(cap * 2, sizeof(*g));

			if (!g) {
				free(tab);
				return -ENOMEM;
			}
			for (size_t i = 0; i < cap; i++) {
				size_t b;

				if (!tab[i].cnt)
					continue;
				for (b = tab[i].hashval & (cap * 2 - 1); g[b].cnt;
				     b = (b + 1) & (cap * 2 - 1))
					;
				g[b] = tab[i];
			}
			free(tab);
			tab = g;
			cap *= 2;
		}
		for (size_t b = hashval & (cap - 1);; b = (b + 1) & (cap - 1)) {
			if (!tab[b].cnt) {
				tab[b].hashval = hashval;
				tab[b].cnt = (unsigned int)n;
				used++;
				break;
			}
			if (tab[b].hashval == hashval) {
				tab[b].cnt += (unsigned int)n;
				break;
			}
		}
		n = 0;
		accum1 = accum2 = 0;
		if (!sz)
			break;
	}
	res = calloc(used + 1, sizeof(*res));
	if (!res) {
		free(tab);
		return -ENOMEM;
	}
	for (size_t i = 0, k = 0; i < cap; i++)
		if (tab[i].cnt)
			res[k++] = tab[i];
	free(tab);
	qsort(res, used, sizeof(*res), span_cmp);
	*out = res;
	*nout = used;
	return 0;
}

/* diffcore_count_changes: bytes of dst copied from src. */
static unsigned long count_copied(const struct rside *s, const struct rside *d)
{
	unsigned long sc = 0;
	size_t i = 0, j = 0;

	for (; i < s->nsig; i++) {
		unsigned int dst_cnt = 0;

		while (j < d->nsig && d->sig[j].hashval < s->sig[i].hashval)
			j++;
		if (j < d->nsig && d->sig[j].hashval == s->sig[i].hashval)
			dst_cnt = d->sig[j++].cnt;
		sc += s->sig[i].cnt < dst_cnt ? s->sig[i].cnt : dst_cnt;
	}
	return sc;
}

/* Reads a worktree file as `git add` would store it (clean filters, symlink target). */
static int load_workdir(git_repository *repo, bool plain, const char *path, uint32_t mode,
			struct buf *out)
{
	const char *wd = git_repository_workdir(repo);
	char full[PATH_MAX * 2];
	git_filter_list *fl = NULL;
	int rc = 0;

	snprintf(full, sizeof(full), "%s%s", wd, path);
	if (S_ISLNK(mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target));

		return n < 0 ? -errno : buf_add(out, target, (size_t)n);
	}
	if (!plain &&
	    git_filter_list_load(&fl, repo, NULL, path, GIT_FILTER_TO_ODB, GIT_FILTER_DEFAULT) < 0)
		return -EIO;
	if (fl) {
		git_buf gb = {0};

		if (git_filter_list_apply_to_file(&gb, fl, repo, path) < 0)
			rc = -EIO;
		else
			rc = buf_add(out, gb.ptr ? gb.ptr : "", gb.size);
		git_buf_dispose(&gb);
		git_filter_list_free(fl);
		return rc;
	}
	{
		int fd = open(full, O_RDONLY | O_CLOEXEC);
		char chunk[65536];
		ssize_t n;

		if (fd < 0)
			return -errno;
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			if ((rc = buf_add(out, chunk, (size_t)n)) < 0)
				break;
		if (n < 0)
			rc = -errno;
		close(fd);
		if (rc == 0 && !out->p)
			rc = buf_add(out, "", 0);
	}
	return rc;
}

static int load_side(git_repository *repo, bool plain, const struct rside *s, struct buf *out)
{
	git_blob *blob = NULL;
	int rc;

	if (s->workdir)
		return load_workdir(repo, plain, s->path, s->mode, out);
	if (git_blob_lookup(&blob, repo, &s->oid) < 0)
		return -EIO;
	rc = buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

/* git's diff_filespec_is_binary: a -diff attribute, else a NUL in the first 8000 bytes. */
static bool content_binary(git_repository *repo, bool plain, const char *path, const char *data,
			   size_t size)
{
	const char *v = NULL;

	if (!plain && git_attr_get(&v, repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, path, "diff") == 0 &&
	    GIT_ATTR_IS_FALSE(v))
		return true;
	return memchr(data, 0, size < FIRST_FEW_BYTES ? size : FIRST_FEW_BYTES) != NULL;
}

/* Size, id, binary flag and span signature of one side, read once. */
static int side_prepare(struct rename *r, struct rside *s)
{
	struct buf b = {0};
	int rc;

	if (s->state)
		return s->state > 0 ? 0 : -1;
	s->state = -1;
	if (S_ISGITLINK(s->mode))
		return s->oid_valid ? (s->state = 1, 0) : -1;
	rc = load_side(r->repo, r->plain, s, &b);
	if (rc < 0) {
		buf_free(&b);
		return -1;
	}
	if (!b.p && buf_add(&b, "", 0) < 0)
		return -1;
	s->size = b.n;
	if (!s->oid_valid) {
		if (git_odb_hash(&s->oid, b.p, b.n, GIT_OBJECT_BLOB) < 0) {
			buf_free(&b);
			return -1;
		}
		s->oid_valid = true;
	}
	s->binary = content_binary(r->repo, r->plain, s->path, b.p, b.n);
	if (S_ISREG(s->mode) && hash_chars((const unsigned char *)b.p, b.n, !s->binary,
					   r->final_line, &s->sig, &s->nsig) < 0) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	s->state = 1;
	return 0;
}

static int estimate_similarity(struct rename *r, struct rside *src, struct rside *dst,
			       int minimum_score)
{
	unsigned long max_size, base_size, delta_size, src_copied;

	/* Symlink renames are handled only when they are exact matches. */
	if (!S_ISREG(src->mode) || !S_ISREG(dst->mode))
		return 0;
	if (side_prepare(r, src) < 0 || side_prepare(r, dst) < 0)
		return 0;
	max_size = src->size > dst->size ? src->size : dst->size;
	base_size = src->size < dst->size ? src->size : dst->size;
	delta_size = max_size - base_size;
	if (max_size * (MAX_SCORE - minimum_score) < delta_size * MAX_SCORE)
		return 0;
	src_copied = count_copied(src, dst);
	if (!dst->size)
		return 0;
	return (int)(src_copied * MAX_SCORE / max_size);
}

static int basename_same(const char *s, const char *d)
{
	size_t sl = strlen(s), dl = strlen(d);

	while (sl && dl) {
		char c1 = s[--sl], c2 = d[--dl];

		if (c1 != c2)
			return 0;
		if (c1 == '/')
			return 1;
	}
	return (!sl || s[sl - 1] == '/') && (!dl || d[dl - 1] == '/');
}

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

struct dscore {
	int src, dst;
	unsigned short score;
	short name_score;
	size_t pos; /* position in the matrix: makes qsort stable like git's STABLE_QSORT */
};

static int score_compare(const struct dscore *a, const struct dscore *b)
{
	if (a->dst < 0)
		return 0 <= b->dst;
	else if (b->dst < 0)
		return -1;
	if (a->score == b->score)
		return b->name_score - a->name_score;
	return b->score - a->score;
}

static int score_qsort(const void *a, const void *b)
{
	const struct dscore *x = a, *y = b;
	int c = score_compare(x, y);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static void record_if_better(struct dscore m[], const struct dscore *o)
{
	int worst = 0;

	for (int i = 1; i < NUM_CANDIDATE_PER_DST; i++)
		if (score_compare(&m[i], &m[worst]) > 0)
			worst = i;
	if (score_compare(&m[worst], o) > 0)
		m[worst] = *o;
}

static void record_pair(struct rename *r, int d, int s, int score)
{
	r->src[s].used++;
	r->dst[d].src = s;
	r->dst[d].score = score;
}

struct bname {
	const char *base;
	int idx;
};

static int bname_cmp(const void *a, const void *b)
{
	const struct bname *x = a, *y = b;
	int c = strcmp(x->base, y->base);

	return c ? c : x->idx - y->idx;
}

/* Sorted basenames of the sources (or destinations) still unpaired. */
static struct bname *bnames(struct rside *v, size_t n, bool dst, size_t *out)
{
	struct bname *b = calloc(n + 1, sizeof(*b));
	size_t k = 0;

	if (!b)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (dst ? v[i].src < 0 : !v[i].used)
			b[k++] = (struct bname){base_of(v[i].path), (int)i};
	qsort(b, k, sizeof(*b), bname_cmp);
	*out = k;
	return b;
}

/* The index of the only entry with this basename, -2 when several, -1 when none. */
static int bname_unique(const struct bname *b, size_t n, const char *base)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(b[mid].base, base) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n || strcmp(b[lo].base, base) != 0)
		return -1;
	if (lo + 1 < n && strcmp(b[lo + 1].base, base) == 0)
		return -2;
	return b[lo].idx;
}

static int oidx_cmp(const void *a, const void *b, void *arg)
{
	const struct rside *v = arg;
	int x = *(const int *)a, y = *(const int *)b;
	int c = git_oid_cmp(&v[x].oid, &v[y].oid);

	return c ? c : x - y;
}

/* diffcore_rename for -M (no copies, no break): pairs deleted sources with created dsts. */
static int detect_renames(struct rename *r)
{
	const int minimum_score = DEFAULT_RENAME_SCORE;
	int min_basename_score = minimum_score + (int)(0.5 * (MAX_SCORE - minimum_score));
	size_t num_src = 0, num_dst = 0, dst_cnt = 0, nsb = 0, ndb = 0;
	struct bname *sb = NULL, *db = NULL;
	struct dscore *mx;
	int *byoid;

	if (!r->nsrc || !r->ndst)
		return 0;
	/* Exact renames: the first unused source with the same content, same basename preferred. */
	byoid = calloc(r->nsrc, sizeof(*byoid));
	if (!byoid)
		return -ENOMEM;
	for (size_t j = 0; j < r->nsrc; j++)
		byoid[j] = (int)j;
	qsort_r(byoid, r->nsrc, sizeof(*byoid), oidx_cmp, r->src);
	for (size_t i = 0; i < r->ndst; i++) {
		struct rside *t = &r->dst[i];
		int best = -1, best_score = -1, tries = 100;
		size_t lo = 0, hi = r->nsrc;

		if (!t->oid_valid && side_prepare(r, t) < 0)
			continue;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (git_oid_cmp(&r->src[byoid[mid]].oid, &t->oid) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < r->nsrc && git_oid_equal(&r->src[byoid[k]].oid, &t->oid);
		     k++) {
			struct rside *s = &r->src[byoid[k]];
			int score;

			if ((!S_ISREG(s->mode) || !S_ISREG(t->mode)) && s->mode != t->mode)
				continue;
			if (s->used)
				continue;
			score = 1 + basename_same(s->path, t->path);
			if (score > best_score) {
				best = byoid[k];
				best_score = score;
				if (score == 2)
					break;
			}
			if (!--tries)
				break;
		}
		if (best >= 0)
			record_pair(r, (int)i, best, (int)MAX_SCORE);
	}
	free(byoid);

	/* Basenames unique among the remaining sources and destinations, with a higher bar. */
	sb = bnames(r->src, r->nsrc, false, &nsb);
	db = bnames(r->dst, r->ndst, true, &ndb);
	if (!sb || !db) {
		free(sb);
		free(db);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nsrc; i++) {
		const char *base = base_of(r->src[i].path);
		int si, di, score;

		if (r->src[i].used)
			continue;
		di = bname_unique(db, ndb, base);
		if (di == -1)
			continue;
		si = bname_unique(sb, nsb, base);
		if (si < 0 || di < 0 || r->dst[di].src >= 0)
			continue;
		score = estimate_similarity(r, &r->src[si], &r->dst[di], min_basename_score);
		if (score < min_basename_score)
			continue;
		record_pair(r, di, si, score);
	}
	free(sb);
	free(db);

	for (size_t i = 0; i < r->nsrc; i++)
		num_src += !r->src[i].used;
	for (size_t i = 0; i < r->ndst; i++)
		num_dst += r->dst[i].src < 0;
	if (!num_src || !num_dst)
		return 0;
	if (r->rename_limit > 0 &&
	    (double)num_dst * (double)num_src > (double)r->rename_limit * r->rename_limit)
		return 0;

	mx = calloc(num_dst * NUM_CANDIDATE_PER_DST, sizeof(*mx));
	if (!mx)
		return -ENOMEM;
	for (size_t i = 0; i < r->ndst; i++) {
		struct dscore *m;

		if (r->dst[i].src >= 0)
			continue;
		m = &mx[dst_cnt * NUM_CANDIDATE_PER_DST];
		for (int j = 0; j < NUM_CANDIDATE_PER_DST; j++)
			m[j].dst = -1;
		for (size_t j = 0; j < r->nsrc; j++) {
			struct dscore this_src;

			if (r->src[j].used)
				continue;
			this_src.score = (unsigned short)estimate_similarity(
			    r, &r->src[j], &r->dst[i], minimum_score);
			this_src.name_score = (short)basename_same(r->src[j].path, r->dst[i].path);
			this_src.dst = (int)i;
			this_src.src = (int)j;
			this_src.pos = 0;
			record_if_better(m, &this_src);
		}
		dst_cnt++;
	}
	for (size_t i = 0; i < dst_cnt * NUM_CANDIDATE_PER_DST; i++)
		mx[i].pos = i;
	qsort(mx, dst_cnt * NUM_CANDIDATE_PER_DST, sizeof(*mx), score_qsort);
	for (size_t i = 0; i < dst_cnt * NUM_CANDIDATE_PER_DST; i++) {
		if (mx[i].dst < 0 || mx[i].score < minimum_score)
			break;
		if (r->dst[mx[i].dst].src >= 0)
			continue;
		if (r->src[mx[i].src].used)
			continue;
		record_pair(r, mx[i].dst, mx[i].src, mx[i].score);
	}
	free(mx);
	return 0;
}

static int rside_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rside *)a)->path, ((const struct rside *)b)->path);
}

/* ---- libgit2 mode ---- */

/* The common git directory of a worktree root, from its .git directory or "gitdir:" file. */
static int common_dir(const char *root, char *out, size_t outn)
{
	char dotgit[PATH_MAX + 32], line[PATH_MAX], gd[PATH_MAX], cd[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(dotgit, sizeof(dotgit), "%s/.git", root) >= sizeof(dotgit) ||
	    stat(dotgit, &st) < 0)
		return -ENOENT;
	if (S_ISDIR(st.st_mode))
		return (size_t)snprintf(out, outn, "%s", dotgit) < outn ? 0 : -ENAMETOOLONG;
	fd = open(dotgit, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 8 || strncmp(line, "gitdir: ", 8) != 0)
		return -EINVAL;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (line[8] == '/')
		n = snprintf(gd, sizeof(gd), "%s", line + 8);
	else
		n = snprintf(gd, sizeof(gd), "%s/%s", root, line + 8);
	if ((size_t)n >= sizeof(gd) - 16)
		return -ENAMETOOLONG;
	/* A linked worktree's gitdir names the common directory in its "commondir" file. */
	snprintf(dotgit, sizeof(dotgit), "%s/commondir", gd);
	fd = open(dotgit, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (size_t)snprintf(out, outn, "%s", gd) < outn ? 0 : -ENAMETOOLONG;
	n = read(fd, cd, sizeof(cd) - 1);
	close(fd);
	cd[n > 0 ? n : 0] = '\0';
	cd[strcspn(cd, "\n")] = '\0';
	if (cd[0] == '/')
		n = snprintf(out, outn, "%s", cd);
	else
		n = snprintf(out, outn, "%s/%s", gd, cd);
	return (size_t)n < outn ? 0 : -ENAMETOOLONG;
}

/*
 * core.repositoryformatversion of the repository at root, 0 when it cannot be read. From
 * version 1 on, libgit2 1.5 checks extensions.* with a regular expression that leaks its PCRE2
 * match data for every config entry that does not match (and it refuses most extensions
 * anyway): such repositories are left to git without ever being opened by libgit2.
 */
static int format_version(const char *root)
{
	char cd[PATH_MAX * 2 + 8], cfgpath[PATH_MAX * 2 + 16];
	git_config *cfg = NULL;
	int32_t v = 0;

	if (common_dir(root, cd, sizeof(cd)) < 0)
		return 0;
	snprintf(cfgpath, sizeof(cfgpath), "%s/config", cd);
	if (git_config_open_ondisk(&cfg, cfgpath) == 0) {
		if (git_config_get_int32(&v, cfg, "core.repositoryformatversion") < 0)
			v = 0;
		git_config_free(cfg);
	}
	git_error_clear();
	return v;
}

static int g2_open(struct ctx *c)
{
	const char *p;
	int v = format_version(c->root);

	if (v >= 1) {
		seterr(c->err, c->errn, "repository format version %d", v);
		return -ENOTSUP;
	}
	if (git_repository_open_ext(&c->repo, c->root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		seterr(c->err, c->errn, "%s", git2_msg());
		c->repo = NULL;
		return -EIO;
	}
	if (git_repository_is_bare(c->repo)) {
		seterr(c->err, c->errn, "%s is a bare repository", c->root);
		return -EINVAL;
	}
	snprintf(c->gitdir, sizeof(c->gitdir), "%s", git_repository_path(c->repo));
	p = git_repository_commondir(c->repo);
	snprintf(c->commondir, sizeof(c->commondir), "%s", p ? p : c->gitdir);
	strip_slash(c->gitdir);
	strip_slash(c->commondir);
	return 0;
}

/*
 * The index as libgit2 sees it, or an error when libgit2 would get this repository wrong: it
 * refuses split and sparse indexes, ignores the skip-worktree bit of sparse checkouts, and
 * leaks memory on submodules.
 */
static int g2_index(struct ctx *c, git_index **out)
{
	size_t n;

	if (git_repository_index(out, c->repo) < 0) {
		seterr(c->err, c->errn, "cannot read the index: %s", git2_msg());
		*out = NULL;
		return -EIO;
	}
	n = git_index_entrycount(*out);
	for (size_t i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(*out, i);

		if (e && (e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE)) {
			seterr(c->err, c->errn,
			       "the index has skip-worktree entries (sparse checkout)");
			git_index_free(*out);
			*out = NULL;
			return -ENOTSUP;
		}
		/* Looking a submodule up makes libgit2 1.5 match .gitmodules entries against a
		 * regular expression, leaking memory on every entry that does not match. */
		if (e && S_ISGITLINK(e->mode)) {
			seterr(c->err, c->errn, "the index has submodules");
			git_index_free(*out);
			*out = NULL;
			return -ENOTSUP;
		}
	}
	return 0;
}

static int g2_head(struct ctx *c, struct headinfo *h)
{
	git_reference *head = NULL;
	char b[512];
	int r;

	memset(h, 0, sizeof(*h));
	r = git_reference_lookup(&head, c->repo, "HEAD");
	if (r < 0) {
		seterr(c->err, c->errn, "cannot read HEAD: %s", git2_msg());
		return -EIO;
	}
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *target = git_reference_symbolic_target(head);
		git_reference *res = NULL;

		if (git_reference_resolve(&res, head) == 0) {
			git_oid_tostr(h->oid, sizeof(h->oid), git_reference_target(res));
			git_reference_free(res);
		}
		branch_name(b, sizeof(b), target, h->oid);
	} else {
		git_oid_tostr(h->oid, sizeof(h->oid), git_reference_target(head));
		branch_name(b, sizeof(b), NULL, h->oid);
	}
	git_reference_free(head);
	h->branch = strdup(b);
	return h->branch ? 0 : -ENOMEM;
}

static int g2_tips(struct ctx *c, const struct headinfo *h, struct tiplist *out)
{
	git_branch_iterator *it = NULL;
	git_reference *ref = NULL;
	git_branch_t type;
	int rc, r;

	if ((rc = tiplist_add(out, "HEAD", h->oid)) < 0)
		return rc;
	if (git_branch_iterator_new(&it, c->repo, GIT_BRANCH_LOCAL) < 0) {
		seterr(c->err, c->errn, "cannot list branches: %s", git2_msg());
		return -EIO;
	}
	while ((r = git_branch_next(&ref, &type, it)) == 0) {
		char hex[GITSTATS_OID_MAX + 1] = "";
		git_reference *res = NULL;

		if (git_reference_resolve(&res, ref) == 0) {
			git_oid_tostr(hex, sizeof(hex), git_reference_target(res));
			git_reference_free(res);
		}
		rc = hex[0] ? tiplist_add(out, git_reference_name(ref), hex) : 0;
		git_reference_free(ref);
		if (rc < 0)
			break;
	}
	git_branch_iterator_free(it);
	if (rc == 0 && r != GIT_ITEROVER) {
		seterr(c->err, c->errn, "cannot list branches: %s", git2_msg());
		rc = -EIO;
	}
	return rc;
}

/* Untracked directories that are repositories of their own ("dir/") stay out, as in compute. */
static int skip_embedded(const char *path, const char *matched, void *payload)
{
	size_t n = strlen(path);

	(void)matched;
	(void)payload;
	return n && path[n - 1] == '/' ? 1 : 0;
}

/* The worktree as a tree: a private in-memory copy of the index, `add --all`, write-tree. */
static int g2_snapshot(struct ctx *c, char *tree, size_t treen)
{
	git_index *idx = NULL;
	git_oid oid;
	int rc;

	if ((rc = g2_index(c, &idx)) < 0)
		return rc;
	/* Only ever in memory: git_index_write is never called on this index. */
	if (git_index_add_all(idx, NULL, GIT_INDEX_ADD_DEFAULT, skip_embedded, NULL) < 0 ||
	    git_index_write_tree(&oid, idx) < 0) {
		seterr(c->err, c->errn, "cannot snapshot the worktree: %s", git2_msg());
		git_index_free(idx);
		return -EIO;
	}
	git_index_free(idx);
	git_oid_tostr(tree, treen, &oid);
	return 0;
}

/* Commits reachable from push and from none of hide; parents recorded when g is given. */
static int g2_walk(struct ctx *c, char (*push)[GITSTATS_OID_MAX + 1], size_t npush,
		   const struct gitstats_tip *hide, size_t nhide, struct cgraph *g,
		   struct omap *set)
{
	git_revwalk *w = NULL;
	git_oid oid;
	size_t pushed = 0;
	int r, rc = 0;

	if (git_revwalk_new(&w, c->repo) < 0)
		goto fail;
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	for (size_t i = 0; i < npush; i++)
		if (push[i][0] && git_oid_fromstr(&oid, push[i]) == 0 &&
		    git_revwalk_push(w, &oid) == 0)
			pushed++;
	/* A baseline tip may be gone (deleted branch, pruned): it just hides nothing. */
	for (size_t i = 0; i < nhide; i++)
		if (hide[i].oid[0] && git_oid_fromstr(&oid, hide[i].oid) == 0)
			git_revwalk_hide(w, &oid);
	git_error_clear();
	while (pushed && (r = git_revwalk_next(&oid, w)) == 0) {
		char hex[GITSTATS_OID_MAX + 1];

		git_oid_tostr(hex, sizeof(hex), &oid);
		if (g) {
			git_commit *cm = NULL;
			struct cnode *n;
			unsigned np;

			if (git_commit_lookup(&cm, c->repo, &oid) < 0)
				goto fail;
			np = git_commit_parentcount(cm);
			n = cgraph_add(g, hex, np);
			if (!n) {
				git_commit_free(cm);
				rc = -ENOMEM;
				goto out;
			}
			for (unsigned k = 0; k < np; k++)
				git_oid_tostr(n->parents[k], sizeof(n->parents[k]),
					      git_commit_parent_id(cm, k));
			git_commit_free(cm);
		}
		if (set && omap_put(set, hex, 1) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (pushed && r != GIT_ITEROVER)
		goto fail;
out:
	git_revwalk_free(w);
	return rc;
fail:
	seterr(c->err, c->errn, "cannot walk the history: %s", git2_msg());
	git_revwalk_free(w);
	return -EIO;
}

static int g2_commit_tree(git_repository *repo, const char *hex, git_tree **out)
{
	git_commit *cm = NULL;
	git_oid oid;
	int rc;

	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&cm, repo, &oid) < 0)
		return -EIO;
	rc = git_commit_tree(out, cm) < 0 ? -EIO : 0;
	git_commit_free(cm);
	return rc;
}

/* ours moved forward by what happened between anc and theirs (a commit); theirs wins conflicts. */
static int g2_merge3(struct ctx *c, const char *anc, const char *ours, const char *theirs,
		     char *out, size_t outn)
{
	git_tree *ta = NULL, *to = NULL, *tt = NULL;
	git_merge_options mo;
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *ea, *eo, *et;
	git_index *idx = NULL;
	struct strv paths = {0};
	git_oid oid;
	int rc = -EIO;

	if ((*anc && g2_commit_tree(c->repo, anc, &ta) < 0) || git_oid_fromstr(&oid, ours) < 0 ||
	    git_tree_lookup(&to, c->repo, &oid) < 0 || g2_commit_tree(c->repo, theirs, &tt) < 0)
		goto out;
	git_merge_options_init(&mo, GIT_MERGE_OPTIONS_VERSION);
	mo.file_favor = GIT_MERGE_FILE_FAVOR_THEIRS;
	if (git_merge_trees(&idx, c->repo, ta, to, tt, &mo) < 0)
		goto out;
	/* Tree-level conflicts (modify/delete, rename/rename) remain: take their side too. */
	if (git_index_has_conflicts(idx)) {
		if (git_index_conflict_iterator_new(&it, idx) < 0)
			goto out;
		while (git_index_conflict_next(&ea, &eo, &et, it) == 0) {
			const char *p = et ? et->path : eo ? eo->path : ea->path;

			if (strv_add(&paths, p) < 0) {
				rc = -ENOMEM;
				goto out;
			}
		}
		git_index_conflict_iterator_free(it);
		it = NULL;
		for (size_t i = 0; i < paths.n; i++) {
			git_index_entry e = {0};

			if (git_index_conflict_get(&ea, &eo, &et, idx, paths.v[i]) < 0)
				goto out;
			if (et)
				e = *et;
			if (git_index_conflict_remove(idx, paths.v[i]) < 0)
				goto out;
			if (et) {
				e.path = paths.v[i];
				e.flags &= (uint16_t)~GIT_INDEX_ENTRY_STAGEMASK;
				if (git_index_add(idx, &e) < 0)
					goto out;
			}
		}
	}
	if (git_index_write_tree_to(&oid, idx, c->repo) < 0)
		goto out;
	git_oid_tostr(out, outn, &oid);
	rc = 0;
out:
	if (rc == -EIO)
		seterr(c->err, c->errn, "cannot merge pulled changes into the baseline: %s",
		       git2_msg());
	git_index_conflict_iterator_free(it);
	strv_free(&paths);
	git_index_free(idx);
	git_tree_free(ta);
	git_tree_free(to);
	git_tree_free(tt);
	return rc;
}

/*
 * The diff settings git would use: diff.renameLimit (default 1000; 0 or less: no limit) and
 * diff.algorithm. libgit2 1.5 has no histogram algorithm, and line counts depend on the
 * algorithm: such repositories are left to git.
 */
static int diff_config(struct ctx *c, int *limit)
{
	git_config *cfg = NULL;
	const char *alg = NULL;
	int32_t v = 1000;
	int rc = 0;

	c->diff_flags = 0;
	if (git_repository_config_snapshot(&cfg, c->repo) == 0) {
		if (git_config_get_int32(&v, cfg, "diff.renameLimit") < 0)
			v = 1000;
		if (git_config_get_string(&alg, cfg, "diff.algorithm") == 0 && alg) {
			if (strcasecmp(alg, "patience") == 0)
				c->diff_flags = GIT_DIFF_PATIENCE;
			else if (strcasecmp(alg, "minimal") == 0)
				c->diff_flags = GIT_DIFF_MINIMAL;
			else if (strcasecmp(alg, "histogram") == 0) {
				seterr(c->err, c->errn, "diff.algorithm=histogram");
				rc = -ENOTSUP;
			}
		}
		git_config_free(cfg);
	}
	git_error_clear();
	if (limit)
		*limit = v;
	return rc;
}

/* Binary flag of unchanged content (exact renames, mode changes): git shows "-\t-" for them. */
static bool same_content_binary(struct ctx *c, const git_oid *oid, const char *p1, const char *p2)
{
	git_blob *blob = NULL;
	bool bin = false;
	size_t n;

	if (git_blob_lookup(&blob, c->repo, oid) < 0) {
		git_error_clear();
		return false;
	}
	n = (size_t)git_blob_rawsize(blob);
	bin = content_binary(c->repo, c->plain, p1, git_blob_rawcontent(blob), n) ||
	      (p2 && content_binary(c->repo, c->plain, p2, git_blob_rawcontent(blob), n));
	git_blob_free(blob);
	return bin;
}

static int patch_stats(git_patch *p, bool *binary, int64_t *added, int64_t *removed)
{
	size_t ctx, a = 0, d = 0;

	*binary = false;
	*added = *removed = 0;
	if (!p)
		return 0;
	if (git_patch_get_delta(p)->flags & GIT_DIFF_FLAG_BINARY) {
		*binary = true;
		return 0;
	}
	if (git_patch_line_stats(&ctx, &a, &d, p) < 0)
		return -EIO;
	*added = (int64_t)a;
	*removed = (int64_t)d;
	return 0;
}

/* One side of a change: the baseline's (a blob) or the new one (a blob or a worktree file). */
struct fside {
	bool present;
	uint32_t mode;
	git_oid id;
	bool id_valid;
	bool workdir;
};

/* A path whose two sides may differ. */
struct entry {
	const char *path;
	struct fside o, n;
	bool verify; /* staged and unstaged changes on top of each other: the sides may be equal */
	bool unstaged;
};

/* Line counts of one pair, the way `git diff --numstat` counts them. */
static int pair_stats(struct ctx *c, const char *opath, const struct fside *o, const char *npath,
		      const struct fside *n, bool *binary, int64_t *a, int64_t *d)
{
	git_blob *ob = NULL, *nb = NULL;
	git_patch *p = NULL;
	git_diff_options opts;
	struct buf buf = {0};
	int rc = 0;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = c->diff_flags;
	*binary = false;
	*a = *d = 0;
	/* Submodules: one "Subproject commit" line per side, as git prints them. */
	if ((o->present && S_ISGITLINK(o->mode)) || (n->present && S_ISGITLINK(n->mode))) {
		*a = n->present && S_ISGITLINK(n->mode);
		*d = o->present && S_ISGITLINK(o->mode);
		if (o->present && n->present && S_ISGITLINK(o->mode) && S_ISGITLINK(n->mode) &&
		    git_oid_equal(&o->id, &n->id))
			*a = *d = 0;
		return 0;
	}
	if (o->present && n->present && n->id_valid && git_oid_equal(&o->id, &n->id)) {
		/* Same content (a mode change, an exact rename): git still says "-\t-" if binary.
		 */
		*binary = same_content_binary(c, &o->id, opath, npath);
		return 0;
	}
	if (o->present && git_blob_lookup(&ob, c->repo, &o->id) < 0)
		goto fail;
	if (n->present && n->workdir) {
		if ((rc = load_workdir(c->repo, c->plain, npath, n->mode, &buf)) < 0) {
			seterr(c->err, c->errn, "cannot read %s: %s", npath, strerror(-rc));
			goto out;
		}
		if (git_patch_from_blob_and_buffer(&p, ob, opath, buf.p ? buf.p : "", buf.n, npath,
						   &opts) < 0)
			goto fail;
	} else {
		if (n->present && git_blob_lookup(&nb, c->repo, &n->id) < 0)
			goto fail;
		if (git_patch_from_blobs(&p, ob, opath, nb, npath, &opts) < 0)
			goto fail;
	}
	if (patch_stats(p, binary, a, d) < 0)
		goto fail;
out:
	git_patch_free(p);
	git_blob_free(ob);
	git_blob_free(nb);
	buf_free(&buf);
	return rc;
fail:
	seterr(c->err, c->errn, "cannot diff %s: %s", npath, git2_msg());
	rc = -EIO;
	goto out;
}

static bool same_type(uint32_t a, uint32_t b)
{
	return (a & 0170000) == (b & 0170000);
}

/*
 * numstat of a list of changed paths with git's -M: renames found our way (git's algorithm),
 * lines counted by libgit2 patches.
 */
static int g2_numstat(struct ctx *c, struct entry *e, size_t n, struct flist *out)
{
	struct rename r = {.repo = c->repo, .plain = c->plain};
	int *sidx = calloc(n + 1, sizeof(int)), *didx = calloc(n + 1, sizeof(int));
	int rc = 0;

	r.src = calloc(n + 1, sizeof(*r.src));
	r.dst = calloc(n + 1, sizeof(*r.dst));
	if (!r.src || !r.dst || !sidx || !didx) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = diff_config(c, &r.rename_limit)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct entry *x = &e[i];
		struct rside *s;

		sidx[i] = didx[i] = -1;
		if (excluded(c->exclude, x->path))
			x->o.present = x->n.present = false;
		/* Both sides there after a staged and an unstaged change: maybe no change at all.
		 */
		if (x->verify && x->o.present && x->n.present && x->o.mode == x->n.mode) {
			if (!x->n.id_valid && x->n.workdir && !S_ISGITLINK(x->n.mode)) {
				struct buf b = {0};

				if (load_workdir(c->repo, c->plain, x->path, x->n.mode, &b) == 0 &&
				    git_odb_hash(&x->n.id, b.p ? b.p : "", b.n, GIT_OBJECT_BLOB) ==
					0)
					x->n.id_valid = true;
				buf_free(&b);
			}
			if (x->n.id_valid && git_oid_equal(&x->o.id, &x->n.id))
				x->o.present = x->n.present = false;
		}
		if (x->o.present && !x->n.present) {
			s = &r.src[r.nsrc++];
			s->mode = x->o.mode;
			s->oid = x->o.id;
			s->oid_valid = true;
		} else if (!x->o.present && x->n.present) {
			s = &r.dst[r.ndst++];
			s->mode = x->n.mode;
			s->workdir = x->n.workdir;
			s->oid = x->n.id;
			s->oid_valid = x->n.id_valid;
		} else {
			continue;
		}
		s->path = x->path;
		s->delta = i;
		s->src = -1;
	}
	if (r.nsrc && r.ndst) {
		/* git 2.43.2 started hashing a last line without a newline. */
		r.final_line = git_version() >= 24302;
		qsort(r.src, r.nsrc, sizeof(*r.src), rside_cmp);
		qsort(r.dst, r.ndst, sizeof(*r.dst), rside_cmp);
		if ((rc = detect_renames(&r)) < 0)
			goto out;
	}
	for (size_t k = 0; k < r.nsrc; k++)
		sidx[r.src[k].delta] = (int)k;
	for (size_t k = 0; k < r.ndst; k++)
		didx[r.dst[k].delta] = (int)k;

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct entry *x = &e[i];
		struct gitstats_file *f;
		const char *opath = x->path;
		struct fside o = x->o;
		bool binary;
		int64_t a, d;
		char st;

		if (!x->o.present && !x->n.present)
			continue;
		if (sidx[i] >= 0 && r.src[sidx[i]].used)
			continue; /* shown with its destination */
		if (didx[i] >= 0 && r.dst[didx[i]].src >= 0) {
			const struct rside *src = &r.src[r.dst[didx[i]].src];

			opath = src->path;
			o = e[src->delta].o;
			if (!x->n.id_valid && r.dst[didx[i]].oid_valid) {
				x->n.id = r.dst[didx[i]].oid;
				x->n.id_valid = true;
			}
			st = 'R';
		} else {
			st = !x->o.present			? 'A'
			     : !x->n.present			? 'D'
			     : !same_type(x->o.mode, x->n.mode) ? 'T'
								: 'M';
		}
		rc = pair_stats(c, opath, &o, x->path, &x->n, &binary, &a, &d);
		if (rc < 0)
			break;
		f = flist_add(out);
		if (!f || file_set(f, x->path, st == 'R' ? opath : NULL, st, binary, a, d) < 0)
			rc = -ENOMEM;
	}
out:
	for (size_t i = 0; r.src && i < r.nsrc; i++)
		free(r.src[i].sig);
	for (size_t i = 0; r.dst && i < r.ndst; i++)
		free(r.dst[i].sig);
	free(r.src);
	free(r.dst);
	free(sidx);
	free(didx);
	return rc;
}

static void side_from(struct fside *s, const git_diff_file *f, bool workdir)
{
	s->present = true;
	s->mode = f->mode;
	s->id = f->id;
	s->id_valid = !workdir || (f->flags & GIT_DIFF_FLAG_VALID_ID);
	s->workdir = workdir;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->unstaged - y->unstaged;
}

/* A file of attributes libgit2 would read from one of its search paths ("a:b"), or can't tell? */
static bool attr_file_in(int level, const char *name)
{
	git_buf b = {0};
	bool found = false;

	if (git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, level, &b) < 0) {
		git_error_clear();
		return true;
	}
	for (char *dir = b.ptr, *next; dir && *dir && !found; dir = next) {
		char path[PATH_MAX];
		struct stat st;

		next = strchr(dir, ':');
		if (next)
			*next++ = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		found = stat(path, &st) == 0 || errno != ENOENT;
	}
	git_buf_dispose(&b);
	return found;
}

/*
 * True when no attributes apply to any path (no .gitattributes in the index or in a directory
 * the scan read, no info/attributes, core.attributesFile, system or XDG attributes file) and
 * the configuration adds no filter: worktree files are then stored as they are.
 */
static bool no_attributes(struct ctx *c, const struct gitstats_scan_index *xi)
{
	git_config *cfg = NULL;
	const char *v = NULL;
	char path[PATH_MAX * 2];
	struct stat st;
	int r, autocrlf = 0;
	bool set;

	for (size_t i = 0; i < xi->n; i++) {
		const char *base = strrchr(xi->v[i].path, '/');

		if (strcmp(base ? base + 1 : xi->v[i].path, ".gitattributes") == 0)
			return false;
	}
	snprintf(path, sizeof(path), "%s/info/attributes", c->commondir);
	if (stat(path, &st) == 0 || errno != ENOENT)
		return false;
	if (git_repository_config_snapshot(&cfg, c->repo) < 0) {
		git_error_clear();
		return false;
	}
	set = git_config_get_string(&v, cfg, "core.attributesFile") == 0;
	/* Without attributes only core.autocrlf (true or input) adds a filter: libgit2's crlf
	 * filter passes everything through when it is false. ident and drivers need attributes. */
	r = git_config_get_bool(&autocrlf, cfg, "core.autocrlf");
	set = set || (r == 0 && autocrlf) || (r < 0 && r != GIT_ENOTFOUND);
	git_config_free(cfg);
	git_error_clear();
	return !set && !attr_file_in(GIT_CONFIG_LEVEL_SYSTEM, "gitattributes") &&
	       !attr_file_in(GIT_CONFIG_LEVEL_XDG, "attributes");
}

/*
 * libgit2 also reads attributes from the index's .gitattributes entries, loading the whole index
 * (slowly) on the first lookup: the repository gets an in-memory index with only those.
 */
static int attr_index(struct ctx *c, const struct gitstats_scan_index *xi)
{
	git_index *mem = NULL;
	int rc = 0;

	if (git_index_new(&mem) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < xi->n && rc == 0; i++) {
		const char *base = strrchr(xi->v[i].path, '/');
		git_index_entry e = {0};

		if (strcmp(base ? base + 1 : xi->v[i].path, ".gitattributes") != 0)
			continue;
		e.path = xi->v[i].path;
		e.mode = xi->v[i].mode;
		e.id = xi->v[i].id;
		e.file_size = xi->v[i].size;
		if (git_index_add(mem, &e) < 0)
			rc = -EIO;
	}
	if (rc == 0 && git_repository_set_index(c->repo, mem) < 0)
		rc = -EIO;
	if (rc < 0)
		seterr(c->err, c->errn, "cannot set up attributes: %s", git2_msg());
	git_index_free(mem);
	return rc;
}

/* The changes as gitstats_scan finds them, for repositories of the common kind (-ENOTSUP else). */
static int fast_changes(struct ctx *c, const git_tree *t, struct gitstats_scan_index *xi,
			struct gitstats_scan *staged, struct gitstats_scan *unstaged, struct entry **out,
			size_t *nout)
{
	char path[PATH_MAX * 2];
	struct entry *e;
	size_t n = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/index", c->gitdir);
	if ((rc = gitstats_scan_index_read(path, xi, c->err, c->errn)) < 0 ||
	    (rc = gitstats_scan_staged(c->repo, t, xi, staged, c->err, c->errn)) < 0 ||
	    (rc = gitstats_scan_run(c->repo, xi, unstaged, c->err, c->errn)) < 0)
		return rc;
	c->plain = !unstaged->attributes && no_attributes(c, xi);
	if ((rc = attr_index(c, xi)) < 0)
		return rc;
	e = calloc(staged->n + unstaged->n + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < staged->n; i++) {
		const struct gitstats_scan_change *w = &staged->v[i];
		struct entry *x = &e[n++];

		x->path = w->path;
		if (w->mode) {
			x->o = (struct fside){.present = true, .mode = w->mode, .id = w->id};
			x->o.id_valid = true;
		}
		if (w->entry) {
			x->n = (struct fside){.present = true, .mode = w->entry->mode};
			x->n.id = w->entry->id;
			x->n.id_valid = true;
		}
	}
	/* The worktree file's stat data differs, its content may not: verify compares them. */
	for (size_t i = 0; i < unstaged->n; i++) {
		const struct gitstats_scan_change *w = &unstaged->v[i];
		struct entry *x = &e[n++];

		x->path = w->path;
		x->unstaged = true;
		x->verify = true;
		if (w->entry) {
			x->o = (struct fside){.present = true, .mode = w->entry->mode};
			x->o.id = w->entry->id;
			x->o.id_valid = true;
		}
		if (w->mode)
			x->n = (struct fside){.present = true, .mode = w->mode, .workdir = true};
	}
	*out = e;
	*nout = n;
	return 0;
}

/* The same with libgit2's diffs: any repository libgit2 reads, more slowly. */
static int g2_changes(struct ctx *c, git_tree *t, git_index **idx, git_diff **da, git_diff **db,
		      struct entry **out, size_t *nout)
{
	git_diff_options o;
	struct entry *e;
	size_t na, nb, n = 0;
	int rc;

	if ((rc = g2_index(c, idx)) < 0)
		return rc;
	/* No GIT_DIFF_UPDATE_INDEX: the user's index is never written. */
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_index(da, c->repo, t, *idx, &o) < 0)
		goto fail;
	o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
		  GIT_DIFF_SHOW_UNTRACKED_CONTENT | GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_index_to_workdir(db, c->repo, *idx, &o) < 0)
		goto fail;
	na = git_diff_num_deltas(*da);
	nb = git_diff_num_deltas(*db);
	e = calloc(na + nb + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	/* Staged: tree -> index. Where the worktree agrees with the index, that is the change. */
	for (size_t i = 0; i < na; i++) {
		const git_diff_delta *d = git_diff_get_delta(*da, i);
		struct entry *x = &e[n++];

		x->path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		if (d->status != GIT_DELTA_ADDED)
			side_from(&x->o, &d->old_file, false);
		if (d->status != GIT_DELTA_DELETED)
			side_from(&x->n, &d->new_file, false);
		if (d->status == GIT_DELTA_CONFLICTED)
			x->n.present = false; /* the worktree decides below */
	}
	/* Unstaged: index -> worktree, with untracked files. */
	for (size_t i = 0; i < nb; i++) {
		const git_diff_delta *d = git_diff_get_delta(*db, i);
		struct entry *x = &e[n++];

		if (d->status == GIT_DELTA_UNTRACKED && d->new_file.mode == GIT_FILEMODE_TREE) {
			n--; /* an untracked directory holding a repository of its own */
			continue;
		}
		x->path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		x->unstaged = true;
		if (d->status != GIT_DELTA_UNTRACKED && d->status != GIT_DELTA_ADDED &&
		    d->status != GIT_DELTA_CONFLICTED)
			side_from(&x->o, &d->old_file, false);
		if (d->status != GIT_DELTA_DELETED)
			side_from(&x->n, &d->new_file, true);
		if (d->status == GIT_DELTA_CONFLICTED && !d->new_file.mode)
			x->n.present = false;
	}
	*out = e;
	*nout = n;
	return 0;
fail:
	seterr(c->err, c->errn, "cannot diff the worktree: %s", git2_msg());
	return -EIO;
}

/*
 * `git diff <tree>` with untracked files as if added with -N: the baseline tree against the
 * index (staged changes) and the index against the worktree, joined path by path with the tree
 * as the old side and the worktree as the new one. (libgit2's own tree-to-workdir-with-index
 * join reports an untracked file that is in the tree as deleted, and keeps changes that cancel.)
 */
static int g2_worktree(struct ctx *c, const char *tree, struct flist *out)
{
	git_tree *t = NULL;
	git_index *idx = NULL;
	git_diff *da = NULL, *db = NULL;
	struct gitstats_scan_index xi = {0};
	struct gitstats_scan staged = {0}, unstaged = {0};
	struct entry *e = NULL;
	size_t n = 0, m = 0;
	git_oid oid;
	int rc;

	if (git_oid_fromstr(&oid, tree) < 0 || git_tree_lookup(&t, c->repo, &oid) < 0) {
		seterr(c->err, c->errn,
		       "the baseline snapshot %s is no longer in the repository (pruned?): %s",
		       tree, git2_msg());
		return -ENOENT;
	}
	rc = fast_changes(c, t, &xi, &staged, &unstaged, &e, &n);
	if (rc < 0 && rc != -ENOMEM) {
		log_debug("gitstats: %s: %s: libgit2 walks the worktree", c->root, c->err);
		rc = g2_changes(c, t, &idx, &da, &db, &e, &n);
	}
	if (rc < 0)
		goto out;
	qsort(e, n, sizeof(*e), entry_cmp);
	/* Join: the tree side from the staged change, the new side from the unstaged one. */
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(e[i].path, e[i + 1].path) == 0) {
			struct entry x = e[i];

			x.n = e[i + 1].n;
			x.verify = true;
			e[m++] = x;
			i++;
		} else {
			e[m++] = e[i];
		}
	}
	rc = g2_numstat(c, e, m, out);
out:
	free(e);
	gitstats_scan_finish(&staged);
	gitstats_scan_finish(&unstaged);
	gitstats_scan_index_finish(&xi);
	git_diff_free(da);
	git_diff_free(db);
	git_index_free(idx);
	git_tree_free(t);
	return rc;
}

static int g2_commit(struct ctx *c, const char *hex, struct gitstats_commit *out)
{
	git_diff_options o;
	git_commit *cm = NULL, *parent = NULL;
	git_tree *t = NULL, *pt = NULL;
	git_diff *diff = NULL;
	struct flist fl = {0};
	struct entry *e = NULL;
	const git_signature *au;
	const char *subject;
	git_oid oid;
	int rc = -EIO;

	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&cm, c->repo, &oid) < 0)
		goto out;
	snprintf(out->oid, sizeof(out->oid), "%s", hex);
	out->time = (int64_t)git_commit_time(cm);
	subject = git_commit_summary(cm);
	au = git_commit_author(cm);
	out->subject = strdup(subject ? subject : "");
	out->author = strdup(au && au->name ? au->name : "");
	out->merge = git_commit_parentcount(cm) > 1;
	if (!out->subject || !out->author) {
		rc = -ENOMEM;
		goto out;
	}
	if (git_commit_tree(&t, cm) < 0 ||
	    (git_commit_parentcount(cm) > 0 &&
	     (git_commit_parent(&parent, cm, 0) < 0 || git_commit_tree(&pt, parent) < 0)))
		goto out;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_tree(&diff, c->repo, pt, t, &o) < 0)
		goto out;
	e = calloc(git_diff_num_deltas(diff) + 1, sizeof(*e));
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		e[i].path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		if (d->status != GIT_DELTA_ADDED)
			side_from(&e[i].o, &d->old_file, false);
		if (d->status != GIT_DELTA_DELETED)
			side_from(&e[i].n, &d->new_file, false);
	}
	if ((rc = g2_numstat(c, e, git_diff_num_deltas(diff), &fl)) < 0)
		goto out;
	for (size_t i = 0; i < fl.n; i++) {
		out->added += fl.v[i].added;
		out->removed += fl.v[i].removed;
	}
	out->files = fl.n;
	rc = 0;
out:
	if (rc == -EIO)
		seterr(c->err, c->errn, "cannot read commit %s: %s", hex, git2_msg());
	flist_free(&fl);
	free(e);
	git_diff_free(diff);
	git_tree_free(t);
	git_tree_free(pt);
	git_commit_free(parent);
	git_commit_free(cm);
	return rc;
}

/* ---- git mode (the fallback) ---- */

static int cli_open(struct ctx *c)
{
	const char *args[] = {"rev-parse", "--is-bare-repository", "--absolute-git-dir",
			      "--git-common-dir", NULL};
	struct gitrun r = {0};
	char *lines[3] = {0}, *p;
	int rc, k = 0;

	if ((rc = git_ok(c, args, &r, false)) < 0)
		goto out;
	for (p = r.out.p; p && k < 3; k++) {
		char *nl = strchr(p, '\n');

		lines[k] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	if (!lines[2]) {
		seterr(c->err, c->errn, "git rev-parse: unexpected output");
		rc = -EIO;
		goto out;
	}
	if (strcmp(lines[0], "true") == 0) {
		seterr(c->err, c->errn, "%s is a bare repository", c->root);
		rc = -EINVAL;
		goto out;
	}
	snprintf(c->gitdir, sizeof(c->gitdir), "%s", lines[1]);
	if (lines[2][0] == '/')
		snprintf(c->commondir, sizeof(c->commondir), "%s", lines[2]);
	else
		snprintf(c->commondir, sizeof(c->commondir), "%s/%s", c->root, lines[2]);
	strip_slash(c->gitdir);
	strip_slash(c->commondir);
	c->cli = true;
out:
	gitrun_free(&r);
	return rc;
}

/* HEAD (read as a file: symbolic or detached) and every local branch, with one git run. */
static int cli_head_tips(struct ctx *c, struct headinfo *h, struct tiplist *tips)
{
	const char *args[] = {"for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/",
			      NULL};
	char path[PATH_MAX + 16], head[PATH_MAX], b[512], *symref = NULL;
	struct gitrun r = {0};
	struct tiplist branches = {0};
	ssize_t n;
	int fd, rc;

	memset(h, 0, sizeof(*h));
	snprintf(path, sizeof(path), "%s/HEAD", c->gitdir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, head, sizeof(head) - 1)) < 0) {
		rc = -errno;
		seterr(c->err, c->errn, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	head[n] = '\0';
	head[strcspn(head, "\n")] = '\0';
	if (strncmp(head, "ref: ", 5) == 0)
		symref = head + 5;
	else
		snprintf(h->oid, sizeof(h->oid), "%.64s", head);

	if ((rc = git_ok(c, args, &r, false)) < 0)
		goto out;
	for (char *p = r.out.p; p && *p;) {
		char *nl = strchr(p, '\n'), *sp;

		if (nl)
			*nl = '\0';
		sp = strchr(p, ' ');
		if (sp) {
			*sp = '\0';
			if ((rc = tiplist_add(&branches, sp + 1, p)) < 0)
				goto out;
			if (symref && strcmp(symref, sp + 1) == 0)
				snprintf(h->oid, sizeof(h->oid), "%s", p);
		}
		p = nl ? nl + 1 : NULL;
	}
	branch_name(b, sizeof(b), symref, h->oid);
	h->branch = strdup(b);
	if (!h->branch || (rc = tiplist_add(tips, "HEAD", h->oid)) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < branches.n; i++)
		if ((rc = tiplist_add(tips, branches.v[i].ref, branches.v[i].oid)) < 0)
			goto out;
out:
	tiplist_free(&branches);
	gitrun_free(&r);
	return rc;
}

/* A private copy of the user's index in a private directory; "" when the repo has none yet. */
static int cli_index_copy(struct ctx *c, char *dir, size_t dirn, char *path, size_t pathn)
{
	const char *tmp = getenv("TMPDIR");
	char src[PATH_MAX + 16], chunk[65536];
	int in, out, rc = 0;
	ssize_t n;

	snprintf(dir, dirn, "%s/stint-index.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		rc = -errno;
		seterr(c->err, c->errn, "cannot create a temporary directory: %s", strerror(errno));
		dir[0] = '\0';
		return rc;
	}
	snprintf(path, pathn, "%s/index", dir);
	snprintf(src, sizeof(src), "%s/index", c->gitdir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? 0 : -errno;
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	if (n < 0)
		rc = -errno;
	close(in);
	close(out);
	if (rc < 0)
		seterr(c->err, c->errn, "cannot copy %s: %s", src, strerror(-rc));
	return rc;
}

static void cli_index_remove(const char *dir)
{
	char p[PATH_MAX + 16];

	if (!dir[0])
		return;
	snprintf(p, sizeof(p), "%s/index", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/index.lock", dir);
	unlink(p);
	rmdir(dir);
}

/* Options that keep git from writing split or sparse indexes or consulting daemons. */
#define CLI_INDEX_OPTS                                                                             \
	"-c", "core.splitIndex=false", "-c", "index.sparse=false", "-c", "core.fsmonitor=false",   \
	    "-c", "core.untrackedCache=false"

/*
 * `git add` over the whole worktree into the private index (ita: with --intent-to-add), leaving
 * out untracked directories that are repositories of their own (git refuses those without a
 * commit, and they are not this repository's content), and the excluded directory.
 */
static int cli_add(struct ctx *c, const char *idx, bool ita)
{
	const char *ls[] = {CLI_INDEX_OPTS, "ls-files",		  "-z",
			    "--others",	    "--exclude-standard", NULL};
	const char *head[] = {CLI_INDEX_OPTS, "add", ita ? "--intent-to-add" : "--all", "--", "."};
	const size_t nhead = sizeof(head) / sizeof(head[0]);
	struct gitrun l = {.index_file = idx}, a = {.index_file = idx};
	struct strv specs = {0};
	const char **args = NULL;
	char *p, *end, *tok;
	int rc;

	if ((rc = git_ok(c, ls, &l, false)) < 0)
		goto out;
	p = l.out.p;
	end = p ? p + l.out.n : NULL;
	while ((tok = next_tok(&p, end))) {
		size_t n = strlen(tok);
		char spec[PATH_MAX + 32];

		if (n && tok[n - 1] == '/') {
			snprintf(spec, sizeof(spec), ":(top,exclude,literal)%.*s", (int)(n - 1),
				 tok);
			if ((rc = strv_add(&specs, spec)) < 0)
				goto out;
		}
	}
	args = calloc(nhead + specs.n + 1, sizeof(*args));
	if (!args) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(args, head, sizeof(head));
	for (size_t i = 0; i < specs.n; i++)
		args[nhead + i] = specs.v[i];
	rc = git_ok(c, args, &a, false);
out:
	free(args);
	strv_free(&specs);
	gitrun_free(&l);
	gitrun_free(&a);
	return rc;
}

static int cli_snapshot(struct ctx *c, char *tree, size_t treen)
{
	const char *write[] = {CLI_INDEX_OPTS, "write-tree", NULL};
	char dir[PATH_MAX], idx[PATH_MAX + 16];
	struct gitrun w = {0};
	int rc;

	if ((rc = cli_index_copy(c, dir, sizeof(dir), idx, sizeof(idx))) < 0)
		goto out;
	w.index_file = idx;
	if ((rc = cli_add(c, idx, false)) < 0 || (rc = git_ok(c, write, &w, false)) < 0)
		goto out;
	if (!w.out.p || strlen(w.out.p) < 40) {
		seterr(c->err, c->errn, "git write-tree: unexpected output");
		rc = -EIO;
		goto out;
	}
	w.out.p[strcspn(w.out.p, "\n")] = '\0';
	snprintf(tree, treen, "%s", w.out.p);
out:
	cli_index_remove(dir);
	gitrun_free(&w);
	return rc;
}

/* Commits among push and hide that exist, so rev-list is never given a missing one. */
static int cli_existing(struct ctx *c, char (*push)[GITSTATS_OID_MAX + 1], size_t npush,
			const struct gitstats_tip *hide, size_t nhide, struct omap *out)
{
	const char *args[] = {"cat-file", "--batch-check=%(objectname) %(objecttype)", NULL};
	struct gitrun r = {0};
	struct buf in = {0};
	int rc = 0;

	for (size_t i = 0; i < npush + nhide; i++) {
		const char *oid = i < npush ? push[i] : hide[i - npush].oid;

		if (is_hex_oid(oid) &&
		    (buf_add(&in, oid, strlen(oid)) < 0 || buf_add(&in, "\n", 1) < 0)) {
			buf_free(&in);
			return -ENOMEM;
		}
	}
	if (!in.n)
		return 0;
	r.in = in.p;
	r.inlen = in.n;
	if ((rc = git_ok(c, args, &r, false)) < 0)
		goto out;
	for (char *p = r.out.p; p && *p;) {
		char *nl = strchr(p, '\n'), *sp;

		if (nl)
			*nl = '\0';
		sp = strchr(p, ' ');
		if (sp && strcmp(sp + 1, "commit") == 0) {
			*sp = '\0';
			if ((rc = omap_put(out, p, 1)) < 0)
				break;
		}
		p = nl ? nl + 1 : NULL;
	}
out:
	buf_free(&in);
	gitrun_free(&r);
	return rc;
}

static int cli_walk(struct ctx *c, char (*push)[GITSTATS_OID_MAX + 1], size_t npush,
		    const struct gitstats_tip *hide, size_t nhide, struct cgraph *g,
		    struct omap *set)
{
	const char *args[] = {"rev-list", "--topo-order", "--parents", "--stdin", NULL};
	struct gitrun r = {0};
	struct omap exist = {0};
	struct buf in = {0};
	size_t pushed = 0;
	int rc;

	if ((rc = cli_existing(c, push, npush, hide, nhide, &exist)) < 0)
		goto out;
	for (size_t i = 0; i < npush; i++)
		if (omap_get(&exist, push[i], NULL)) {
			if (buf_add(&in, push[i], strlen(push[i])) < 0 || buf_add(&in, "\n", 1) < 0)
				goto nomem;
			pushed++;
		}
	if (!pushed)
		goto out;
	for (size_t i = 0; i < nhide; i++)
		if (omap_get(&exist, hide[i].oid, NULL) &&
		    (buf_add(&in, "^", 1) < 0 ||
		     buf_add(&in, hide[i].oid, strlen(hide[i].oid)) < 0 ||
		     buf_add(&in, "\n", 1) < 0))
			goto nomem;
	r.in = in.p;
	r.inlen = in.n;
	if ((rc = git_ok(c, args, &r, false)) < 0)
		goto out;
	for (char *p = r.out.p; p && *p;) {
		char *nl = strchr(p, '\n'), *tok, *save = NULL;
		struct cnode *n = NULL;
		size_t nw = 0, np;

		if (nl)
			*nl = '\0';
		np = 0;
		for (const char *q = p; *q; q++)
			np += *q == ' ';
		for (tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save), nw++) {
			if (nw == 0) {
				if (set && omap_put(set, tok, 1) < 0)
					goto nomem;
				if (g && !(n = cgraph_add(g, tok, np)))
					goto nomem;
			} else if (n && nw - 1 < np) {
				snprintf(n->parents[nw - 1], sizeof(n->parents[0]), "%s", tok);
			}
		}
		p = nl ? nl + 1 : NULL;
	}
out:
	omap_free(&exist);
	buf_free(&in);
	gitrun_free(&r);
	return rc;
nomem:
	rc = -ENOMEM;
	goto out;
}

static int cli_merge3(struct ctx *c, const char *anc, const char *ours, const char *theirs,
		      char *out, size_t outn)
{
	static const char *const ident[] = {
	    "GIT_AUTHOR_NAME=stint", "GIT_AUTHOR_EMAIL=stint@localhost", "GIT_COMMITTER_NAME=stint",
	    "GIT_COMMITTER_EMAIL=stint@localhost", NULL};
	const char *ct[] = {"commit-tree", ours, "-m", "stint baseline", "-p", anc, NULL};
	const char *mt[] = {"merge-tree",
			    "--write-tree",
			    "--no-messages",
			    "-z",
			    "--allow-unrelated-histories",
			    NULL,
			    theirs,
			    NULL};
	struct gitrun r1 = {.extra_env = ident}, r2 = {0};
	char commit[GITSTATS_OID_MAX + 1];
	int rc;

	if (!*anc)
		ct[4] = NULL;
	if ((rc = git_ok(c, ct, &r1, false)) < 0)
		goto out;
	snprintf(commit, sizeof(commit), "%.*s", (int)strcspn(r1.out.p ? r1.out.p : "", "\n"),
		 r1.out.p ? r1.out.p : "");
	mt[5] = commit;
	/* Exit status 1: conflicts, still a tree (with conflict markers where they clash). */
	if ((rc = git_ok(c, mt, &r2, true)) < 0)
		goto out;
	if (!r2.out.p || !is_hex_oid(r2.out.p)) {
		seterr(c->err, c->errn, "git merge-tree: unexpected output");
		rc = -EIO;
		goto out;
	}
	snprintf(out, outn, "%s", r2.out.p);
out:
	gitrun_free(&r1);
	gitrun_free(&r2);
	return rc;
}

static int numstat_record(char *tok, bool *binary, int64_t *a, int64_t *d, char **path)
{
	char *t1 = strchr(tok, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

	if (!t1 || !t2)
		return -1;
	*binary = tok[0] == '-';
	*a = *binary ? 0 : strtoll(tok, NULL, 10);
	*d = *binary ? 0 : strtoll(t1 + 1, NULL, 10);
	*path = t2 + 1; /* "" for a rename: the two paths follow */
	return 0;
}

static void exclude_spec(const struct ctx *c, char *out, size_t outn)
{
	snprintf(out, outn, ":(top,exclude,literal)%s", c->exclude ? c->exclude : "");
}

/* `git diff --raw --numstat -z -M` output: raw records give the status, numstat the counts. */
static int cli_parse_diff(struct ctx *c, struct gitrun *r, struct flist *out)
{
	char *p = r->out.p, *end = r->out.p ? r->out.p + r->out.n : NULL, *tok;
	struct strv status = {0};
	size_t k = 0;
	int rc = 0;

	while ((tok = next_tok(&p, end))) {
		if (!*tok)
			continue;
		if (tok[0] == ':') {
			char *st = strrchr(tok, ' ');

			if (!st || strv_add(&status, st + 1) < 0)
				goto bad;
			/* Renames and copies carry two paths. */
			if (!next_tok(&p, end) ||
			    ((st[1] == 'R' || st[1] == 'C') && !next_tok(&p, end)))
				goto bad;
			continue;
		}
		{
			bool binary;
			int64_t a, d;
			char *path, *old = NULL, st;
			struct gitstats_file *f;

			if (numstat_record(tok, &binary, &a, &d, &path) < 0)
				goto bad;
			if (!*path) {
				old = next_tok(&p, end);
				path = next_tok(&p, end);
				if (!old || !path)
					goto bad;
			}
			st = k < status.n ? status.v[k][0] : 'M';
			k++;
			if (st == 'C')
				st = 'A', old = NULL;
			if (excluded(c->exclude, path) && (!old || excluded(c->exclude, old)))
				continue;
			f = flist_add(out);
			if (!f ||
			    file_set(f, path, st == 'R' ? old : NULL,
				     st == 'R' || st == 'A' || st == 'D' || st == 'T' ? st : 'M',
				     binary, a, d) < 0) {
				rc = -ENOMEM;
				break;
			}
		}
	}
	strv_free(&status);
	return rc;
bad:
	strv_free(&status);
	seterr(c->err, c->errn, "git diff: unexpected output");
	return -EIO;
}

static int cli_worktree(struct ctx *c, const char *tree, struct flist *out)
{
	char dir[PATH_MAX], idx[PATH_MAX + 16], ex[PATH_MAX + 32];
	const char *diff[] = {
	    CLI_INDEX_OPTS,  "diff",	   "--raw", "--numstat", "-z", "-M", "--no-ext-diff",
	    "--no-textconv", "--no-color", tree,    "--",	 ".",  ex,   NULL};
	struct gitrun r2 = {0};
	int rc;

	exclude_spec(c, ex, sizeof(ex));
	if (!c->exclude)
		diff[sizeof(diff) / sizeof(diff[0]) - 2] = NULL;
	if ((rc = cli_index_copy(c, dir, sizeof(dir), idx, sizeof(idx))) < 0)
		goto out;
	/* Untracked files count as if `git add -N`'d, in the private copy only. */
	r2.index_file = idx;
	if ((rc = cli_add(c, idx, true)) < 0 || (rc = git_ok(c, diff, &r2, false)) < 0)
		goto out;
	rc = cli_parse_diff(c, &r2, out);
out:
	cli_index_remove(dir);
	gitrun_free(&r2);
	return rc;
}

/* Subjects, authors, times, and numstat against the first parent, for many commits at once. */
static int cli_commits(struct ctx *c, struct cgraph *g, const size_t *idx, size_t n,
		       struct gitstats_commit *out)
{
	char ex[PATH_MAX + 32];
	const char *log[] = {
	    "log", "--no-walk=unsorted", "--stdin", "-z", "--format=%H%x00%ct%x00%an%x00%s", NULL};
	const char *dt[] = {
	    "diff-tree",     "--stdin",	      "-z", "-r", "-M", "--numstat", "--root", "--always",
	    "--no-ext-diff", "--no-textconv", "--", ".",  ex,	NULL};
	struct gitrun r1 = {0}, r2 = {0};
	struct buf in1 = {0}, in2 = {0};
	struct omap at = {0};
	char *p, *end, *tok;
	int rc = 0;
	size_t cur = (size_t)-1;

	exclude_spec(c, ex, sizeof(ex));
	if (!c->exclude)
		dt[sizeof(dt) / sizeof(dt[0]) - 2] = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct cnode *cn = &g->v[idx[i]];

		if (buf_add(&in1, cn->oid, strlen(cn->oid)) < 0 || buf_add(&in1, "\n", 1) < 0 ||
		    buf_add(&in2, cn->oid, strlen(cn->oid)) < 0 ||
		    (cn->nparents && (buf_add(&in2, " ", 1) < 0 ||
				      buf_add(&in2, cn->parents[0], strlen(cn->parents[0])) < 0)) ||
		    buf_add(&in2, "\n", 1) < 0 || omap_put(&at, cn->oid, i) < 0) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(out[i].oid, sizeof(out[i].oid), "%s", cn->oid);
		out[i].merge = cn->nparents > 1;
	}
	r1.in = in1.p;
	r1.inlen = in1.n;
	r2.in = in2.p;
	r2.inlen = in2.n;
	if ((rc = git_ok(c, log, &r1, false)) < 0 || (rc = git_ok(c, dt, &r2, false)) < 0)
		goto out;
	p = r1.out.p;
	end = p ? p + r1.out.n : NULL;
	while ((tok = next_tok(&p, end))) {
		char *tm = next_tok(&p, end), *an = next_tok(&p, end), *s = next_tok(&p, end);
		size_t i;

		if (!tm || !an || !s)
			break;
		while (*tok == '\n')
			tok++;
		if (!omap_get(&at, tok, &i))
			continue;
		out[i].time = strtoll(tm, NULL, 10);
		free(out[i].subject);
		free(out[i].author);
		out[i].subject = strdup(s);
		out[i].author = strdup(an);
		if (!out[i].subject || !out[i].author) {
			rc = -ENOMEM;
			goto out;
		}
	}
	p = r2.out.p;
	end = p ? p + r2.out.n : NULL;
	while ((tok = next_tok(&p, end))) {
		bool binary;
		int64_t a, d;
		char *path;

		if (!strchr(tok, '\t')) {
			size_t i;

			cur = omap_get(&at, tok, &i) ? i : (size_t)-1;
			continue;
		}
		if (numstat_record(tok, &binary, &a, &d, &path) < 0)
			break;
		if (!*path && (!next_tok(&p, end) || !next_tok(&p, end)))
			break;
		if (cur == (size_t)-1)
			continue;
		out[cur].files++;
		out[cur].added += a;
		out[cur].removed += d;
	}
	for (size_t i = 0; i < n; i++)
		if (!out[i].subject &&
		    (!(out[i].subject = strdup("")) || !(out[i].author = strdup("")))) {
			rc = -ENOMEM;
			break;
		}
out:
	omap_free(&at);
	buf_free(&in1);
	buf_free(&in2);
	gitrun_free(&r1);
	gitrun_free(&r2);
	return rc;
}

/* ---- the two modes behind one set of calls ---- */

static int m_walk(struct ctx *c, char (*push)[GITSTATS_OID_MAX + 1], size_t npush,
		  const struct gitstats_tip *hide, size_t nhide, struct cgraph *g, struct omap *set)
{
	return c->cli ? cli_walk(c, push, npush, hide, nhide, g, set)
		      : g2_walk(c, push, npush, hide, nhide, g, set);
}

static int m_merge3(struct ctx *c, const char *anc, const char *ours, const char *theirs, char *out,
		    size_t outn)
{
	return c->cli ? cli_merge3(c, anc, ours, theirs, out, outn)
		      : g2_merge3(c, anc, ours, theirs, out, outn);
}

static int m_worktree(struct ctx *c, const char *tree, struct flist *out)
{
	return c->cli ? cli_worktree(c, tree, out) : g2_worktree(c, tree, out);
}

static void ctx_close(struct ctx *c)
{
	git_repository_free(c->repo);
	c->repo = NULL;
	c->cli = false;
}

/* ---- baseline ---- */

static int baseline_with(struct ctx *c, struct gitstats_baseline *out)
{
	struct headinfo h = {0};
	struct tiplist tips = {0};
	int rc;

	if (c->cli)
		rc = cli_head_tips(c, &h, &tips);
	else if ((rc = g2_head(c, &h)) == 0)
		rc = g2_tips(c, &h, &tips);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < tips.n; i++) {
		struct reflog l;

		if ((rc = reflog_read(c, tips.v[i].ref, &l)) < 0) {
			seterr(c->err, c->errn, "cannot read the reflog of %s: %s", tips.v[i].ref,
			       strerror(-rc));
			goto out;
		}
		tips.v[i].reflog = l.n;
		/* The last entry's time marks the start should the log be rewritten later. */
		tips.v[i].reflog_time = l.n ? l.v[l.n - 1].time : 0;
		reflog_free(&l);
	}
	rc = c->cli ? cli_snapshot(c, out->tree, sizeof(out->tree))
		    : g2_snapshot(c, out->tree, sizeof(out->tree));
	if (rc < 0)
		goto out;
	snprintf(out->head, sizeof(out->head), "%s", h.oid);
	out->branch = h.branch;
	h.branch = NULL;
	out->tips = tips.v;
	out->ntips = tips.n;
	memset(&tips, 0, sizeof(tips));
	out->fallback = c->cli;
out:
	free(h.branch);
	tiplist_free(&tips);
	return rc;
}

static char *rel_exclude(const char *root, const char *ex)
{
	char real[PATH_MAX], rroot[PATH_MAX], *rel;
	size_t n;

	if (!ex || !*ex)
		return NULL;
	if (ex[0] == '/') {
		const char *abs = realpath(ex, real) ? real : ex;
		const char *r = realpath(root, rroot) ? rroot : root;

		n = strlen(r);
		while (n > 1 && r[n - 1] == '/')
			n--;
		if (strncmp(abs, r, n) != 0 || abs[n] != '/')
			return NULL;
		ex = abs + n + 1;
	}
	while (ex[0] == '.' && ex[1] == '/')
		ex += 2;
	rel = strdup(ex);
	if (rel)
		strip_slash(rel);
	if (rel && (!*rel || strcmp(rel, ".") == 0 || strcmp(rel, "/") == 0)) {
		free(rel);
		rel = NULL;
	}
	return rel;
}

/* One operation on a repository, which libgit2 tries first and git does when it cannot. */
struct gitop {
	int (*run)(struct ctx *c, void *arg);
	void (*reset)(void *arg); /* drops a failed attempt's partial result */
	int final;		  /* an error git would give as well (0 for none) */
};

static int run_op(struct ctx *c, const struct gitop *op, void *arg, char *err, size_t errn)
{
	char why[512] = "", why2[512] = "";
	int rc;

	c->err = why;
	c->errn = sizeof(why);
	rc = g2_open(c);
	if (rc == 0)
		rc = op->run(c, arg);
	if (rc < 0 && rc != -ENOMEM && rc != op->final) {
		op->reset(arg);
		ctx_close(c);
		log_debug("gitstats: libgit2 cannot read %s (%s): running git instead", c->root,
			  why);
		c->err = why2;
		c->errn = sizeof(why2);
		rc = cli_open(c);
		if (rc == 0)
			rc = op->run(c, arg);
		if (rc < 0)
			seterr(err, errn, "cannot read the git repository %s: %s (libgit2: %s)",
			       c->root, why2, why);
	} else if (rc < 0) {
		seterr(err, errn, "%s: %s", c->root, rc == -ENOMEM ? "out of memory" : why);
	}
	if (rc < 0)
		op->reset(arg);
	ctx_close(c);
	c->err = NULL;
	c->errn = 0;
	return rc;
}

static int baseline_op(struct ctx *c, void *arg)
{
	return baseline_with(c, arg);
}

static void baseline_reset(void *arg)
{
	gitstats_baseline_finish(arg);
}

int gitstats_baseline(const char *root, struct gitstats_baseline *out, char *err, size_t errn)
{
	static const struct gitop op = {baseline_op, baseline_reset, 0};
	struct ctx c = {.root = root};

	memset(out, 0, sizeof(*out));
	return run_op(&c, &op, out, err, errn);
}

void gitstats_baseline_finish(struct gitstats_baseline *base)
{
	if (!base)
		return;
	free(base->branch);
	for (size_t i = 0; i < base->ntips; i++)
		free(base->tips[i].ref);
	free(base->tips);
	memset(base, 0, sizeof(*base));
}

/* ---- compute ---- */

static const struct gitstats_tip *base_tip(const struct gitstats_baseline *b, const char *ref)
{
	for (size_t i = 0; i < b->ntips; i++)
		if (strcmp(b->tips[i].ref, ref) == 0)
			return &b->tips[i];
	return NULL;
}

struct oidv {
	char (*v)[GITSTATS_OID_MAX + 1];
	size_t n, cap;
};

static int oidv_add(struct oidv *l, const char *oid)
{
	void *v = array_grow(l->v, &l->cap, l->n, sizeof(*l->v), 16);

	if (!v)
		return -ENOMEM;
	l->v = v;
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", oid);
	return 0;
}

struct flow {
	struct omap created; /* commits the reflogs say were made here */
	struct oidv imports; /* where refs were moved to, switches included */
	struct oidv merges;  /* where refs were merged or moved to, switches not included */
};

static int flow_import(struct flow *f, const char *oid, bool merged)
{
	int rc = oidv_add(&f->imports, oid);

	return rc < 0 || !merged ? rc : oidv_add(&f->merges, oid);
}

/* Reads the session's part of the reflog of HEAD and of each local branch. */
static int read_flow(struct ctx *c, const struct gitstats_baseline *base, const struct tiplist *now,
		     struct flow *f)
{
	for (size_t i = 0; i < now->n; i++) {
		const struct gitstats_tip *bt = base_tip(base, now->v[i].ref);
		struct reflog l;
		size_t from;
		int rc;

		if ((rc = reflog_read(c, now->v[i].ref, &l)) < 0) {
			seterr(c->err, c->errn, "cannot read the reflog of %s: %s", now->v[i].ref,
			       strerror(-rc));
			return rc;
		}
		from = reflog_since(&l, bt);
		for (size_t k = from; k < l.n && rc == 0; k++) {
			const char *oid = l.v[k].oid;

			if (!is_hex_oid(oid) || strspn(oid, "0") == strlen(oid))
				continue;
			switch (reflog_kind(l.v[k].msg)) {
			case RL_CREATE:
				rc = omap_put(&f->created, oid, 1);
				break;
			case RL_IMPORT:
				/* reset --hard or stash moved nothing, so merged nothing. */
				rc = flow_import(f, oid, strcmp(l.v[k].old, oid) != 0);
				break;
			case RL_SWITCH:
				rc = flow_import(f, oid, false);
				break;
			default:
				break;
			}
		}
		reflog_free(&l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int compute_with(struct ctx *c, const struct gitstats_baseline *base, struct gitstats *out)
{
	struct headinfo h = {0};
	struct tiplist now = {0};
	struct cgraph g = {0}, hg = {0};
	struct omap reach_import = {0}, reach_merge = {0};
	struct gitstats_tip start = {0};
	struct flow f = {0};
	struct flist files = {0};
	char effective[GITSTATS_OID_MAX + 1];
	char(*push)[GITSTATS_OID_MAX + 1] = NULL;
	size_t *own = NULL, nown = 0, nold = 0, at;
	bool moved;
	int rc;

	if (c->cli)
		rc = cli_head_tips(c, &h, &now);
	else if ((rc = g2_head(c, &h)) == 0)
		rc = g2_tips(c, &h, &now);
	if (rc < 0)
		goto out;

	/* New commits: reachable now, from none of the baseline's tips. */
	push = calloc(now.n + 1, sizeof(*push));
	if (!push)
		goto nomem;
	for (size_t i = 0; i < now.n; i++)
		memcpy(push[i], now.v[i].oid, sizeof(push[i]));
	if ((rc = m_walk(c, push, now.n, base->tips, base->ntips, &g, NULL)) < 0)
		goto out;

	/* Which of them arrived from elsewhere: reachable from where the reflogs say a ref was
	 * moved to by a pull, fetch, fast-forward, reset or checkout, and not made here. */
	moved = *h.oid && strcmp(h.oid, base->head) != 0;
	if (g.n || moved) {
		if ((rc = read_flow(c, base, &now, &f)) < 0)
			goto out;
		/* A merge made here brings its other parents' history from elsewhere. */
		for (size_t i = 0; i < g.n && rc == 0; i++)
			if (g.v[i].nparents > 1 && omap_get(&f.created, g.v[i].oid, NULL))
				for (size_t k = 1; k < g.v[i].nparents && rc == 0; k++)
					rc = flow_import(&f, g.v[i].parents[k], true);
		if (rc < 0)
			goto out;
		if (g.n && f.imports.n &&
		    (rc = m_walk(c, f.imports.v, f.imports.n, base->tips, base->ntips, NULL,
				 &reach_import)) < 0)
			goto out;
		for (size_t i = 0; i < g.n; i++)
			g.v[i].pulled = omap_get(&reach_import, g.v[i].oid, NULL) &&
					!omap_get(&f.created, g.v[i].oid, NULL);
	}

	/* HEAD's history since the start. Old commits (on another local branch at the start) in
	 * it count as pulled when merged in, not when HEAD switched to them; without a merge,
	 * only new commits are walked. */
	snprintf(start.oid, sizeof(start.oid), "%s", base->head);
	if (moved &&
	    (rc = f.merges.n ? m_walk(c, &h.oid, 1, &start, 1, &hg, NULL)
			     : m_walk(c, &h.oid, 1, base->tips, base->ntips, &hg, NULL)) < 0)
		goto out;
	for (size_t i = 0; i < hg.n; i++)
		nold += !omap_get(&g.at, hg.v[i].oid, NULL);
	if (nold && (rc = m_walk(c, f.merges.v, f.merges.n, &start, 1, NULL, &reach_merge)) < 0)
		goto out;
	for (size_t i = 0; i < hg.n; i++) {
		hg.v[i].old = !omap_get(&g.at, hg.v[i].oid, &at);
		hg.v[i].pulled =
		    hg.v[i].old ? omap_get(&reach_merge, hg.v[i].oid, NULL) : g.v[at].pulled;
	}

	/* What pulled commits brought into HEAD moves the baseline forward. */
	snprintf(effective, sizeof(effective), "%s", base->tree);
	/* A pulled tip: pulled, in HEAD's history, and no pulled commit there above it. */
	for (size_t i = 0; i < hg.n; i++) {
		if (!hg.v[i].pulled)
			continue;
		for (size_t k = 0; k < hg.v[i].nparents; k++)
			if (omap_get(&hg.at, hg.v[i].parents[k], &at))
				hg.v[at].pulled_child = true;
	}
	/* Oldest first, each tip's changes since where its line left the user's history. */
	for (size_t i = hg.n; i-- > 0 && rc == 0;) {
		const struct cnode *t = &hg.v[i], *w = t;
		char anc[GITSTATS_OID_MAX + 1] = "", next[GITSTATS_OID_MAX + 1];

		if (!t->pulled || t->pulled_child)
			continue;
		/* Down the first parents while pulled. */
		while (w) {
			if (!w->nparents) {
				anc[0] = '\0';
				break;
			}
			snprintf(anc, sizeof(anc), "%s", w->parents[0]);
			w = omap_get(&hg.at, anc, &at) && hg.v[at].pulled ? &hg.v[at] : NULL;
		}
		rc = m_merge3(c, anc, effective, t->oid, next, sizeof(next));
		if (rc == -ENOMEM)
			goto out;
		if (rc < 0) {
			log_debug("gitstats: %s: %s; pulled lines count as the session's", c->root,
				  c->err);
			rc = 0;
			break;
		}
		memcpy(effective, next, sizeof(effective));
	}

	if ((rc = m_worktree(c, effective, &files)) < 0)
		goto out;
	if (files.n)
		qsort(files.v, files.n, sizeof(files.v[0]), file_cmp);
	for (size_t i = 0; i < files.n; i++) {
		out->added += files.v[i].added;
		out->removed += files.v[i].removed;
	}
	out->files = files.v;
	out->nfiles = files.n;
	memset(&files, 0, sizeof(files));

	own = calloc(g.n + 1, sizeof(*own));
	out->pulled = calloc(g.n + nold + 1, sizeof(*out->pulled));
	if (!own || !out->pulled)
		goto nomem;
	for (size_t i = 0; i < g.n; i++) {
		if (!g.v[i].pulled) {
			out->commits_total++;
			if (nown < GITSTATS_MAX_LISTED)
				own[nown++] = i;
		} else {
			if (out->npulled < GITSTATS_MAX_LISTED)
				memcpy(out->pulled[out->npulled++], g.v[i].oid,
				       sizeof(out->pulled[0]));
			out->pulled_total++;
		}
	}
	for (size_t i = 0; i < hg.n; i++) {
		if (!hg.v[i].old || !hg.v[i].pulled)
			continue;
		if (out->npulled < GITSTATS_MAX_LISTED)
			memcpy(out->pulled[out->npulled++], hg.v[i].oid, sizeof(out->pulled[0]));
		out->pulled_total++;
	}
	out->commits = calloc(nown + 1, sizeof(*out->commits));
	if (!out->commits)
		goto nomem;
	out->ncommits = nown;
	if (c->cli) {
		rc = cli_commits(c, &g, own, nown, out->commits);
	} else {
		for (size_t i = 0; i < nown && rc == 0; i++)
			rc = g2_commit(c, g.v[own[i]].oid, &out->commits[i]);
	}
	if (rc < 0)
		goto out;
	snprintf(out->head, sizeof(out->head), "%s", h.oid);
	out->branch = h.branch;
	h.branch = NULL;
	out->fallback = c->cli;
out:
	free(h.branch);
	free(push);
	free(own);
	free(f.imports.v);
	free(f.merges.v);
	omap_free(&f.created);
	omap_free(&reach_import);
	omap_free(&reach_merge);
	tiplist_free(&now);
	cgraph_free(&g);
	cgraph_free(&hg);
	flist_free(&files);
	return rc;
nomem:
	rc = -ENOMEM;
	goto out;
}

struct compute_arg {
	const struct gitstats_baseline *base;
	struct gitstats *out;
};

static int compute_op(struct ctx *c, void *arg)
{
	struct compute_arg *a = arg;

	return compute_with(c, a->base, a->out);
}

static void compute_reset(void *arg)
{
	gitstats_finish(((struct compute_arg *)arg)->out);
}

int gitstats_compute(const char *root, const struct gitstats_baseline *base,
		     const char *exclude_dir, struct gitstats *out, char *err, size_t errn)
{
	/* A snapshot that is gone is gone for git too; anything else git may still read. */
	static const struct gitop op = {compute_op, compute_reset, -ENOENT};
	struct compute_arg a = {base, out};
	struct ctx c = {.root = root};
	int rc;

	memset(out, 0, sizeof(*out));
	if (!base || !is_hex_oid(base->tree)) {
		seterr(err, errn, "no baseline snapshot for %s", root);
		return -EINVAL;
	}
	c.exclude = rel_exclude(root, exclude_dir);
	rc = run_op(&c, &op, &a, err, errn);
	free(c.exclude);
	return rc;
}

void gitstats_finish(struct gitstats *s)
{
	if (!s)
		return;
	free(s->branch);
	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->files[i].path);
		free(s->files[i].old_path);
	}
	free(s->files);
	for (size_t i = 0; s->commits && i < s->ncommits; i++) {
		free(s->commits[i].subject);
		free(s->commits[i].author);
	}
	free(s->commits);
	free(s->pulled);
	memset(s, 0, sizeof(*s));
}

/* ---- JSON ---- */

/* Paths and subjects need not be UTF-8; JSON strings must be: invalid bytes become U+FFFD. */
static json_t *jstr(const char *s)
{
	struct buf b = {0};
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	json_t *j = json_string(s ? s : "");

	if (j)
		return j;
	while (*p) {
		size_t len = *p < 0x80	       ? 1
			     : (*p >> 5) == 6  ? 2
			     : (*p >> 4) == 14 ? 3
			     : (*p >> 3) == 30 ? 4
					       : 0;
		bool ok = len > 0;

		for (size_t k = 1; ok && k < len; k++)
			ok = (p[k] & 0xc0) == 0x80;
		if (ok) {
			json_t *t = json_stringn((const char *)p, len);

			ok = t != NULL;
			json_decref(t);
		}
		if (ok) {
			buf_add(&b, p, len);
			p += len;
		} else {
			buf_add(&b, "\xef\xbf\xbd", 3);
			p++;
		}
	}
	j = json_string(b.p ? b.p : "");
	buf_free(&b);
	return j;
}

json_t *gitstats_baseline_to_json(const struct gitstats_baseline *b)
{
	json_t *o = json_object(), *tips = json_array();

	if (!o || !tips) {
		json_decref(o);
		json_decref(tips);
		return NULL;
	}
	for (size_t i = 0; i < b->ntips; i++)
		json_array_append_new(
		    tips, json_pack("{s:o, s:s, s:I, s:I}", "ref", jstr(b->tips[i].ref), "oid",
				    b->tips[i].oid, "reflog", (json_int_t)b->tips[i].reflog,
				    "reflog_time", (json_int_t)b->tips[i].reflog_time));
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "head", b->head[0] ? json_string(b->head) : json_null());
	json_object_set_new(o, "branch", jstr(b->branch));
	json_object_set_new(o, "tree", json_string(b->tree));
	json_object_set_new(o, "tips", tips);
	json_object_set_new(o, "fallback", json_boolean(b->fallback));
	if (json_array_size(tips) != b->ntips) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static bool oid_field(const json_t *v, bool empty_ok, char *out)
{
	const char *s = json_string_value(v);

	if (json_is_null(v) && empty_ok) {
		out[0] = '\0';
		return true;
	}
	if (!s || (!is_hex_oid(s) && !(empty_ok && !*s)))
		return false;
	snprintf(out, GITSTATS_OID_MAX + 1, "%s", s);
	return true;
}

int gitstats_baseline_from_json(const json_t *o, struct gitstats_baseline *out, char *err,
				size_t errn)
{
	const json_t *tips = json_object_get(o, "tips");
	const char *branch = json_string_value(json_object_get(o, "branch"));
	const json_t *fb = json_object_get(o, "fallback");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "version")) != 1) {
		seterr(err, errn, "baseline: not a version 1 object");
		return -EINVAL;
	}
	if (!oid_field(json_object_get(o, "head"), true, out->head) ||
	    !oid_field(json_object_get(o, "tree"), false, out->tree) || !branch ||
	    !json_is_array(tips) || json_array_size(tips) == 0 || (fb && !json_is_boolean(fb))) {
		seterr(err, errn, "baseline: missing or malformed head, tree, branch or tips");
		return -EINVAL;
	}
	out->fallback = json_is_true(fb);
	out->branch = strdup(branch);
	out->tips = calloc(json_array_size(tips), sizeof(*out->tips));
	if (!out->branch || !out->tips) {
		gitstats_baseline_finish(out);
		seterr(err, errn, "baseline: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < json_array_size(tips); i++) {
		const json_t *t = json_array_get(tips, i);
		const char *ref = json_string_value(json_object_get(t, "ref"));
		const json_t *rl = json_object_get(t, "reflog");
		const json_t *rt = json_object_get(t, "reflog_time");
		struct gitstats_tip *d = &out->tips[out->ntips];

		if (!json_is_object(t) || !ref || !*ref || !json_is_integer(rl) ||
		    json_integer_value(rl) < 0 || !json_is_integer(rt) ||
		    !oid_field(json_object_get(t, "oid"), true, d->oid) ||
		    (i == 0) != (strcmp(ref, "HEAD") == 0) ||
		    (i > 0 && strncmp(ref, "refs/heads/", 11) != 0)) {
			gitstats_baseline_finish(out);
			seterr(err, errn, "baseline: malformed tip %zu", i);
			return -EINVAL;
		}
		d->ref = strdup(ref);
		if (!d->ref) {
			gitstats_baseline_finish(out);
			seterr(err, errn, "baseline: out of memory");
			return -ENOMEM;
		}
		d->reflog = (size_t)json_integer_value(rl);
		d->reflog_time = (int64_t)json_integer_value(rt);
		out->ntips++;
	}
	return 0;
}

json_t *gitstats_to_json(const struct gitstats *s)
{
	json_t *o = json_object(), *files = json_array(), *commits = json_array(),
	       *pulled = json_array();
	size_t nbad = 0;

	if (!o || !files || !commits || !pulled)
		goto fail;
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct gitstats_file *f = &s->files[i];
		char st[2] = {f->status ? f->status : 'M', '\0'};
		json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:b, s:s}", "path", jstr(f->path),
				      "old_path", f->old_path ? jstr(f->old_path) : json_null(),
				      "added", f->binary ? json_null() : json_integer(f->added),
				      "removed", f->binary ? json_null() : json_integer(f->removed),
				      "binary", f->binary, "status", st);

		nbad += json_array_append_new(files, j) < 0;
	}
	for (size_t i = 0; i < s->ncommits; i++) {
		const struct gitstats_commit *c = &s->commits[i];
		json_t *j = json_pack("{s:s, s:I, s:o, s:o, s:I, s:I, s:I, s:b}", "hash", c->oid,
				      "time", (json_int_t)c->time, "subject", jstr(c->subject),
				      "author", jstr(c->author), "added", (json_int_t)c->added,
				      "removed", (json_int_t)c->removed, "files",
				      (json_int_t)c->files, "merge", c->merge);

		nbad += json_array_append_new(commits, j) < 0;
	}
	for (size_t i = 0; i < s->npulled; i++)
		nbad += json_array_append_new(pulled, json_string(s->pulled[i])) < 0;
	if (nbad)
		goto fail;
	json_object_set_new(o, "branch", s->branch ? jstr(s->branch) : json_null());
	json_object_set_new(o, "head", s->head[0] ? json_string(s->head) : json_null());
	json_object_set_new(o, "commits", json_integer((json_int_t)s->commits_total));
	json_object_set_new(o, "files_changed", json_integer((json_int_t)s->nfiles));
	json_object_set_new(o, "added", json_integer(s->added));
	json_object_set_new(o, "removed", json_integer(s->removed));
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "commit_list", commits);
	json_object_set_new(o, "pulled", json_integer((json_int_t)s->pulled_total));
	json_object_set_new(o, "pulled_list", pulled);
	json_object_set_new(o, "fallback", json_boolean(s->fallback));
	if (json_object_size(o) != 11) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	json_decref(o);
	json_decref(files);
	json_decref(commits);
	json_decref(pulled);
	return NULL;
}
