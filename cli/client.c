#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "protocol.h"
#include "status_snap.h"
#include "timeutil.h"

extern char **environ;

#define CONNECT_TIMEOUT_S 10

/* A request stintd went away without reading is sent again on a new connection this often. */
#define CLIENT_RESENDS 2
/* After an autostarted stintd lost the lock to one that then went, the next start this late. */
#define CLIENT_RESTART_MS 100
/* How long a stintd that serves gets to move its stderr off our pipe. */
#define CLIENT_HANDOVER_MS 1000
/* The longest line of stintd's stderr quoted in an error. */
#define CLIENT_STDERR_LINE 512

static int64_t client_now_ms(void)
{
	return time_mono_ns() / 1000000;
}

static void client_sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Returns a connected socket or a negative errno. */
static int client_connect_once(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CONNECT_TIMEOUT_S};
	size_t len = strlen(path);
	int fd, r;

	if (len >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, len + 1);
	do {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		/* connect waits while the daemon's backlog is full; never forever. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (r < 0) {
			r = -errno;
			close(fd);
			fd = r;
		}
	} while (r == -EINTR);
	return fd;
}

static bool client_is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int client_find_stintd(char *path, size_t n, char *err, size_t errn)
{
	char self[PATH_MAX];
	const char *env = getenv("PATH"), *p, *end;
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	int r;

	if (len > 0) {
		self[len] = '\0';
		slash = strrchr(self, '/');
		r = snprintf(path, n, "%.*s/stintd", slash ? (int)(slash - self) : 0, self);
		if (slash && r > 0 && (size_t)r < n && client_is_executable(path))
			return 0;
	} else {
		snprintf(self, sizeof(self), "this program");
	}
	/* Relative $PATH entries are skipped: the directory stint runs in is not trusted. */
	for (p = env ? env : ""; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (*p != '/')
			continue;
		r = snprintf(path, n, "%.*s/stintd", (int)(end - p), p);
		if (r > 0 && (size_t)r < n && client_is_executable(path))
			return 0;
	}
	snprintf(err, errn, "found no stintd next to %s or on PATH", self);
	return -ENOENT;
}

/*
 * Opens stintd.log in paths_stint_dir(PATHS_STATE) ($XDG_STATE_HOME/stint, default
 * ~/.local/state/stint) for appending, creating directories 0700. Returns an fd >= 3, or a negative
 * errno with err set.
 */
static int client_open_daemon_log(char *path, size_t n, char *err, size_t errn)
{
	char dir[PATH_MAX];
	int r, fd;

	/* The daemon's own rule: no state directory, no daemon (and no /tmp fallback). */
	r = paths_stint_dir(PATHS_STATE, dir, sizeof(dir));
	if (r == -ENOENT) {
		snprintf(path, n, "(none)");
		snprintf(err, errn, "cannot find the state directory for its log: %s",
			 paths_unset_reason(PATHS_STATE));
		return r;
	}
	if (r < 0 || snprintf(path, n, "%s/stintd.log", dir) >= (int)n) {
		snprintf(path, n, "(none)");
		snprintf(err, errn, "log path too long");
		return -ENAMETOOLONG;
	}
	r = paths_mkdir_p(dir, 0700);
	if (r < 0) {
		snprintf(err, errn, "cannot create %s: %s", dir, strerror(-r));
		return r;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errn, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	/* Never let the log land on stdin, stdout or stderr of the child's set-up. */
	if (fd < 3) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		r = -errno;
		close(fd);
		if (high < 0) {
			snprintf(err, errn, "cannot open %s: %s", path, strerror(-r));
			return r;
		}
		fd = high;
	}
	return fd;
}

/* A stintd being started: its stderr comes to us on a pipe until it serves. */
struct client_starter {
	pid_t pid;
	int errfd; /* the pipe's read end, -1 once it ended */
	int logfd; /* stintd.log: what stintd says on the pipe is copied there */
	bool reaped;
	int status;		       /* once reaped */
	char part[CLIENT_STDERR_LINE]; /* the line being read */
	size_t npart;
	char last[CLIENT_STDERR_LINE]; /* the last complete line, control characters replaced */
};

/* The environment with STINT_STDERR_PIPE=1 (and no other value of it). NULL out of memory. */
static char **client_starter_env(void)
{
	static char mark[] = "STINT_STDERR_PIPE=1";
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "STINT_STDERR_PIPE=", 18) != 0)
			env[j++] = environ[i];
	env[j++] = mark;
	env[j] = NULL;
	return env;
}

/*
 * Starts stintd in its own session, stdin on /dev/null, stdout appended to logfd and stderr on
 * a pipe to us (STINT_STDERR_PIPE=1: stintd moves its stderr to stdout once it serves), in "/",
 * with default signal dispositions and no descriptors but 0-2. Returns 0 or an errno.
 */
static int client_spawn_daemon(const char *exe, int logfd, int errfd, pid_t *pid)
{
	char *argv[] = {(char *)exe, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **env;
	int r;

	env = client_starter_env();
	if (!env)
		return ENOMEM;
	r = posix_spawn_file_actions_init(&fa);
	if (r) {
		free(env);
		return r;
	}
	r = posix_spawnattr_init(&attr);
	if (r) {
		posix_spawn_file_actions_destroy(&fa);
		free(env);
		return r;
	}
	sigemptyset(&none);
	sigfillset(&all);
	if (!(r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
	    !(r = posix_spawn_file_actions_adddup2(&fa, logfd, 1)) &&
	    !(r = posix_spawn_file_actions_adddup2(&fa, errfd, 2)) &&
	    !(r = posix_spawn_file_actions_addchdir_np(&fa, "/")) &&
	    !(r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) &&
	    !(r = posix_spawnattr_setsigmask(&attr, &none)) &&
	    !(r = posix_spawnattr_setsigdefault(&attr, &all)) &&
	    !(r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
						      POSIX_SPAWN_SETSIGDEF)))
		r = posix_spawn(pid, exe, &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return r;
}

/* Starts stintd with its stderr on a new pipe. Returns 0 or an errno. */
static int client_starter_spawn(struct client_starter *st, const char *exe, int logfd)
{
	int p[2], r;

	memset(st, 0, sizeof(*st));
	st->errfd = -1;
	st->logfd = logfd;
	if (pipe2(p, O_CLOEXEC) < 0)
		return errno;
	r = client_spawn_daemon(exe, logfd, p[1], &st->pid);
	close(p[1]);
	if (r) {
		close(p[0]);
		return r;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	st->errfd = p[0];
	return 0;
}

/* Takes a line stintd wrote: printable, so a quote of it cannot drive the terminal. */
static void client_starter_line(struct client_starter *st)
{
	size_t i;

	if (st->npart == 0)
		return;
	for (i = 0; i < st->npart; i++)
		st->last[i] =
		    (unsigned char)st->part[i] < 0x20 || st->part[i] == 0x7f ? '?' : st->part[i];
	st->last[i] = '\0';
	st->npart = 0;
}

/* Copies what stintd wrote on its stderr to the log, keeping its last line. */
static void client_starter_pump(struct client_starter *st)
{
	char buf[4096];
	ssize_t n, i;

	while (st->errfd >= 0) {
		n = read(st->errfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* stintd exited, or serves and writes to its log itself now. */
			client_starter_line(st);
			close(st->errfd);
			st->errfd = -1;
			return;
		}
		if (write(st->logfd, buf, (size_t)n) < 0) {
			/* The log is lost, not the daemon: nothing better to do with it. */
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				client_starter_line(st);
			else if (st->npart < sizeof(st->part) - 1)
				st->part[st->npart++] = buf[i]; /* a longer line is cut */
		}
	}
}

/* Waits up to ms for stintd to write (or end its pipe), copying what it writes. */
static void client_starter_wait(struct client_starter *st, int64_t ms)
{
	struct pollfd pfd = {.fd = st->errfd, .events = POLLIN};

	if (st->errfd < 0) {
		client_sleep_ms(ms);
		return;
	}
	if (poll(&pfd, 1, (int)ms) > 0)
		client_starter_pump(st);
}

/* True once stintd has exited (and is reaped). */
static bool client_starter_exited(struct client_starter *st)
{
	if (!st->reaped && waitpid(st->pid, &st->status, WNOHANG) == st->pid) {
		st->reaped = true;
		client_starter_pump(st);
	}
	return st->reaped;
}

/*
 * Done with it: a stintd that serves gets a moment to move its stderr to its log (its pipe
 * ends then) so that nothing it says meanwhile is lost; a running one is the daemon and
 * outlives us, an exited one is reaped.
 */
static void client_starter_finish(struct client_starter *st)
{
	int64_t end = client_now_ms() + CLIENT_HANDOVER_MS, left;

	while (st->errfd >= 0 && (left = end - client_now_ms()) > 0)
		client_starter_wait(st, left);
	if (st->errfd >= 0)
		close(st->errfd);
	st->errfd = -1;
	client_starter_exited(st);
}

/*
 * Whether stintd exited because another held its lock (main_take_lock's "already running"):
 * a start-up race lost, not a failure of its own.
 */
static bool client_starter_lost_race(const struct client_starter *st)
{
	static const char held[] = "already running (pid ";
	const char *p = strstr(st->last, held);

	if (!st->reaped || !WIFEXITED(st->status) || WEXITSTATUS(st->status) != 1 || !p)
		return false;
	/* Only "(pid N)" at the end: another socket on the same state directory is no race. */
	p += sizeof(held) - 1;
	if (strncmp(p, "unknown", 7) == 0)
		p += 7;
	else
		p += strspn(p, "0123456789");
	return strcmp(p, ")") == 0;
}

/* Notes in stintd's log which stint starts it, and when. */
static void client_log_start(int logfd, const char *exe)
{
	char stamp[40];

	time_format_rfc3339(time_wall_ms(), stamp, sizeof(stamp));
	dprintf(logfd, "%s stint[%d]: starting %s\n", stamp, (int)getpid(), exe);
}

static void client_describe_exit(int status, char *buf, size_t n)
{
	if (WIFEXITED(status))
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, n, "stopped");
}

/* A dead process its parent has not reaped yet (an init that reaps slowly) holds no lock. */
static bool client_is_zombie(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so look after its last ')'. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

/*
 * The pid in stintd's lock file (stintd.lock beside the socket) when that process lives: the
 * stintd that won a start-up race, about to listen. 0 when there is none; -1 when the file is
 * there but holds no pid yet (its writer may be mid-start).
 */
static pid_t client_lock_holder(const char *sockpath)
{
	char dir[SOCKPATH_MAX], path[SOCKPATH_MAX + 16], buf[32];
	long pid;
	char *end;
	ssize_t n;
	int fd;

	if (sockpath_dir(sockpath, dir, sizeof(dir)) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/stintd.lock", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (pid <= 0 || pid > INT_MAX || (*end != '\n' && *end != '\0'))
		return -1;
	if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
		return 0;
	return client_is_zombie((pid_t)pid) ? 0 : (pid_t)pid;
}

/* What went wrong when no stintd answered in time, for "started stintd but it ...". */
static void client_autostart_late(const struct client_starter *st, const char *sockpath, int starts,
				  char *how, size_t n)
{
	pid_t holder = client_lock_holder(sockpath);

	if (client_starter_lost_race(st) && holder > 0)
		snprintf(how, n,
			 "found stintd pid %d holding the lock, and that did not answer within "
			 "%d s",
			 (int)holder, CLIENT_AUTOSTART_MS / 1000);
	else if (client_starter_lost_race(st))
		snprintf(how, n,
			 "found the lock taken each time (%d starts), and no stintd answered "
			 "within %d s",
			 starts, CLIENT_AUTOSTART_MS / 1000);
	else if (st->reaped)
		client_describe_exit(st->status, how, n);
	else
		snprintf(how, n, "did not answer within %d s", CLIENT_AUTOSTART_MS / 1000);
}

/*
 * Starts stintd and waits for its socket. Returns a connected fd, or a negative errno with err
 * telling what was tried and what stintd said; first_err is why the first connect failed.
 *
 * Several CLIs may start a stintd at once, or while a killed one still holds the lock: the
 * stintds that find the lock taken exit. While the lock's holder lives, it is starting: wait
 * for it. Once no live process holds it, start stintd again. Only a stintd that fails for a
 * reason of its own, or the deadline, ends the wait with an error.
 */
static int client_autostart(const char *sockpath, int first_err, char *err, size_t errn)
{
	char exe[PATH_MAX], logpath[PATH_MAX], why[PATH_MAX + 128], how[CLIENT_STDERR_LINE + 128];
	int64_t deadline, retry_at = 0, delay = 5, t;
	struct client_starter st;
	int logfd, fd, r, starts = 1;

	r = client_find_stintd(exe, sizeof(exe), why, sizeof(why));
	if (r < 0) {
		snprintf(err, errn, "cannot reach stintd at %s (%s), and %s", sockpath,
			 strerror(-first_err), why);
		return r;
	}
	logfd = client_open_daemon_log(logpath, sizeof(logpath), why, sizeof(why));
	if (logfd < 0) {
		snprintf(err, errn, "cannot reach stintd at %s (%s); not starting %s: %s", sockpath,
			 strerror(-first_err), exe, why);
		return logfd;
	}
	client_log_start(logfd, exe);
	r = client_starter_spawn(&st, exe, logfd);
	if (r) {
		close(logfd);
		snprintf(err, errn, "cannot reach stintd at %s (%s); cannot start %s: %s", sockpath,
			 strerror(-first_err), exe, strerror(r));
		return -r;
	}

	deadline = client_now_ms() + CLIENT_AUTOSTART_MS;
	for (;;) {
		fd = client_connect_once(sockpath);
		if (fd >= 0)
			break;
		if (fd != -ENOENT && fd != -ECONNREFUSED) {
			snprintf(err, errn, "cannot reach stintd at %s (%s) after starting %s",
				 sockpath, strerror(-fd), exe);
			break;
		}
		t = client_now_ms();
		if (client_starter_exited(&st) && !client_starter_lost_race(&st) &&
		    !(WIFEXITED(st.status) && WEXITSTATUS(st.status) == 0)) {
			client_describe_exit(st.status, how, sizeof(how));
			snprintf(
			    err, errn,
			    "cannot reach stintd at %s (%s); started %s but it %s%s%s (see %s)",
			    sockpath, strerror(-first_err), exe, how, *st.last ? ": " : "", st.last,
			    logpath);
			fd = -ECHILD;
			break;
		}
		if (client_starter_lost_race(&st)) {
			if (!retry_at)
				retry_at = t + CLIENT_RESTART_MS;
			/* The holder went without serving (or was a killed stintd): start again. */
			if (t >= retry_at && client_lock_holder(sockpath) == 0) {
				client_starter_finish(&st);
				client_log_start(logfd, exe);
				r = client_starter_spawn(&st, exe, logfd);
				if (r) {
					snprintf(
					    err, errn,
					    "cannot reach stintd at %s (%s); cannot start %s: %s",
					    sockpath, strerror(-first_err), exe, strerror(r));
					fd = -r;
					st.reaped = true;
					break;
				}
				starts++;
				retry_at = 0;
				delay = 5;
				continue;
			}
		}
		if (t >= deadline) {
			client_autostart_late(&st, sockpath, starts, how, sizeof(how));
			snprintf(err, errn,
				 "cannot reach stintd at %s (%s); started %s but it %s (see %s)",
				 sockpath, strerror(-first_err), exe, how, logpath);
			fd = -ETIMEDOUT;
			break;
		}
		client_starter_wait(&st, delay < deadline - t ? delay : deadline - t);
		delay = delay * 2 > 50 ? 50 : delay * 2;
	}
	if (!st.reaped || st.errfd >= 0)
		client_starter_finish(&st);
	close(logfd);
	return fd;
}

/*
 * connect() says "refused" for a path that is a file, not a socket: say what it is, and start no
 * stintd over it (it would refuse that path too).
 */
static bool client_not_socket(const char *path, char *err, size_t errn)
{
	struct stat st;

	if (stat(path, &st) < 0 || S_ISSOCK(st.st_mode))
		return false;
	snprintf(err, errn, "cannot reach stintd at %s%s: it is a %s, not a socket", path,
		 getenv("STINT_SOCKET") && *getenv("STINT_SOCKET") ? " (STINT_SOCKET)" : "",
		 S_ISDIR(st.st_mode)   ? "directory"
		 : S_ISREG(st.st_mode) ? "regular file"
				       : "special file");
	return true;
}

json_t *client_status_snapshot(const char *cwd)
{
	const char *use = getenv("STINT_STATUS_SNAPSHOT");
	char sockpath[SOCKPATH_MAX], path[SOCKPATH_MAX + sizeof(STATUS_SNAP_SUFFIX)], why[256];

	if ((use && strcmp(use, "0") == 0) || sockpath_resolve(sockpath, sizeof(sockpath)) < 0 ||
	    status_snap_path(sockpath, path, sizeof(path)) < 0)
		return NULL;
	return status_snap_read(path, cwd, why, sizeof(why));
}

int client_connect(struct client *c, bool autostart_ok, char *err, size_t errn)
{
	const char *no = getenv("STINT_NO_AUTOSTART");
	int fd, r;

	c->fd = -1;
	c->autostart = autostart_ok;
	c->heard = false;
	r = sockpath_resolve(c->sockpath, sizeof(c->sockpath));
	if (r < 0) {
		sockpath_describe_error(r, err, errn);
		return r;
	}
	fd = client_connect_once(c->sockpath);
	if (fd == -ECONNREFUSED && autostart_ok && client_not_socket(c->sockpath, err, errn))
		return -ENOTSOCK;
	if (fd < 0 && (fd == -ENOENT || fd == -ECONNREFUSED) && autostart_ok) {
		if (no && *no && strcmp(no, "0") != 0) {
			snprintf(err, errn,
				 "cannot reach stintd at %s (%s); not starting it because "
				 "STINT_NO_AUTOSTART is set",
				 c->sockpath, strerror(-fd));
			return fd;
		}
		fd = client_autostart(c->sockpath, fd, err, errn);
		if (fd < 0)
			return fd;
	} else if (fd == -EAGAIN) {
		snprintf(err, errn,
			 "cannot reach stintd at %s: it did not accept the connection "
			 "within %d s",
			 c->sockpath, CONNECT_TIMEOUT_S);
		return fd;
	} else if (fd < 0) {
		/* Not a missing socket: the path itself is wrong, and may be the user's setting. */
		snprintf(err, errn, "cannot reach stintd at %s%s: %s", c->sockpath,
			 getenv("STINT_SOCKET") && *getenv("STINT_SOCKET") ? " (STINT_SOCKET)" : "",
			 strerror(-fd));
		return fd;
	}
	c->fd = fd;
	return 0;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rest);
	c->rest = NULL;
	c->nrest = 0;
}

/*
 * Waits until fd is ready for events or the deadline passes. Returns >0, 0 on timeout, -errno;
 * with p, ticks about once a second and ends with -EINTR once *p->stop is set.
 */
static int client_wait_fd(int fd, short events, int64_t deadline, const struct client_progress *p)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int64_t left;
	int r;

	for (;;) {
		if (p && p->stop && *p->stop)
			return -EINTR;
		left = deadline - client_now_ms();
		if (left <= 0)
			return 0;
		if (p && p->tick && left > 1000)
			left = 1000;
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return r;
		if (r == 0 && p && p->tick)
			p->tick(p->arg);
		else if (r == 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int client_send_all(int fd, const char *buf, size_t len, int64_t deadline, int timeout_ms,
			   char *err, size_t errn)
{
	size_t off = 0;
	ssize_t w;
	int r;

	while (off < len) {
		w = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w >= 0) {
			off += (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET) {
			snprintf(err, errn,
				 "stintd closed the connection before taking the request");
			return -errno;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(err, errn, "cannot send the request to stintd: %s",
				 strerror(errno));
			return -errno;
		}
		r = client_wait_fd(fd, POLLOUT, deadline, NULL);
		if (r == 0) {
			snprintf(err, errn, "stintd did not take the request within %d s",
				 timeout_ms / 1000);
			return -ETIMEDOUT;
		}
		if (r < 0) {
			snprintf(err, errn, "cannot send the request to stintd: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}

/* Keeps what was read past the line's newline for the next line. Returns false out of memory. */
static bool client_keep_rest(struct client *c, const char *rest, size_t n)
{
	free(c->rest);
	c->rest = NULL;
	c->nrest = 0;
	if (n == 0)
		return true;
	if (!(c->rest = malloc(n)))
		return false;
	memcpy(c->rest, rest, n);
	c->nrest = n;
	return true;
}

/* Reads up to and excluding the next newline into a malloc'd buffer. */
static char *client_recv_line(struct client *c, size_t *len, int64_t deadline, int timeout_ms,
			      const struct client_progress *p, char *err, size_t errn)
{
	size_t cap = 16 * 1024, used = 0;
	char *buf, *nl, *bigger;
	bool wait = true;
	int fd = c->fd;
	ssize_t got;
	int r;

	if (c->nrest > cap)
		cap = c->nrest;
	buf = malloc(cap);
	if (!buf) {
		snprintf(err, errn, "out of memory");
		return NULL;
	}
	if (c->nrest) {
		memcpy(buf, c->rest, c->nrest);
		used = c->nrest;
		client_keep_rest(c, NULL, 0);
		if ((nl = memchr(buf, '\n', used))) {
			*len = (size_t)(nl - buf);
			if (!client_keep_rest(c, nl + 1, used - *len - 1))
				goto oom;
			return buf;
		}
	}
	for (;;) {
		if (used == cap) {
			/* Room for the largest accepted reply and its newline, not a byte more. */
			if (cap > CLIENT_MAX_REPLY) {
				snprintf(err, errn,
					 "stintd's reply is larger than %d MiB; refusing it",
					 CLIENT_MAX_REPLY / (1024 * 1024));
				break;
			}
			cap = cap * 2 > CLIENT_MAX_REPLY + 1 ? CLIENT_MAX_REPLY + 1 : cap * 2;
			bigger = realloc(buf, cap);
			if (!bigger) {
				snprintf(err, errn, "out of memory reading stintd's reply");
				break;
			}
			buf = bigger;
		}
		/* A reply is never there the moment a request went: wait before the first read. */
		if (wait) {
			r = client_wait_fd(fd, POLLIN, deadline, p);
			if (r == 0) {
				snprintf(err, errn, "stintd did not reply within %d s",
					 timeout_ms / 1000);
				break;
			}
			if (r == -EINTR) {
				snprintf(err, errn, "interrupted while waiting for stintd's reply");
				errno = EINTR;
				free(buf);
				return NULL;
			}
			if (r < 0) {
				snprintf(err, errn, "cannot read stintd's reply: %s", strerror(-r));
				break;
			}
		}
		got = recv(fd, buf + used, cap - used, MSG_DONTWAIT);
		wait = false;
		if (got > 0) {
			c->heard = true;
			nl = memchr(buf + used, '\n', (size_t)got);
			used += (size_t)got;
			if (nl) {
				*len = (size_t)(nl - buf);
				if (!client_keep_rest(c, nl + 1, used - *len - 1))
					goto oom;
				return buf;
			}
			continue;
		}
		if (got == 0) {
			snprintf(err, errn,
				 used ? "stintd closed the connection in the middle of its reply"
				      : "stintd closed the connection without replying");
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET && !c->heard) {
			/* Closed with our request unread: stintd never took it. */
			snprintf(err, errn,
				 "stintd closed the connection without reading the request");
			free(buf);
			errno = ECONNRESET;
			return NULL;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(err, errn, "cannot read stintd's reply: %s", strerror(errno));
			break;
		}
		/* Nothing yet: wait for it. */
		wait = true;
	}
	free(buf);
	errno = 0;
	return NULL;
oom:
	snprintf(err, errn, "out of memory reading stintd's reply");
	free(buf);
	errno = 0;
	return NULL;
}

json_t *client_call(struct client *c, const json_t *req, int timeout_ms, char *err, size_t errn)
{
	return client_call_progress(c, req, timeout_ms, NULL, err, errn);
}

static json_t *client_call_lines(struct client *c, const json_t *req, int timeout_ms,
				 const struct client_progress *p, char *err, size_t errn);

json_t *client_call_progress(struct client *c, const json_t *req, int timeout_ms,
			     const struct client_progress *p, char *err, size_t errn)
{
	json_t *reply = client_call_lines(c, req, timeout_ms, p, err, errn);

	/* The wait is over, whichever way: a progress line on screen goes before anything else. */
	if (p && p->message)
		p->message(p->arg, NULL);
	return reply;
}

/*
 * Whether a failed exchange left the request surely untaken: nothing came back, and either the
 * request could not be sent whole (send_r < 0) or stintd reset the connection with it unread.
 * A connection merely closed after the request went out may have had it carried out.
 */
static bool client_untaken(const struct client *c, int send_r, int recv_errno)
{
	if (c->heard || recv_errno == EINTR)
		return false;
	return send_r < 0 || recv_errno == ECONNRESET;
}

static json_t *client_call_lines(struct client *c, const json_t *req, int timeout_ms,
				 const struct client_progress *p, char *err, size_t errn)
{
	const json_t *progress;
	int64_t deadline = client_now_ms() + timeout_ms;
	char *line, *reply_line;
	size_t len;
	char unused[256];
	json_error_t jerr;
	json_t *reply;
	int r, tries = 0;

	line = proto_encode(req, &len);
	if (!line) {
		snprintf(err, errn, "cannot encode the request: out of memory");
		return NULL;
	}
	if (len > PROTO_MAX_LINE) {
		snprintf(err, errn, "the request is longer than %d bytes", PROTO_MAX_LINE - 1);
		free(line);
		return NULL;
	}
again:
	r = client_send_all(c->fd, line, len, deadline, timeout_ms, err, errn);
	if (r < 0 && r != -EPIPE && r != -ECONNRESET) {
		free(line);
		return NULL;
	}
	/* A daemon that refuses a client (another uid, shutting down) replies, then hangs up. */
	for (;;) {
		reply_line = client_recv_line(c, &len, deadline, timeout_ms, p,
					      r < 0 ? unused : err, r < 0 ? sizeof(unused) : errn);
		if (!reply_line && client_untaken(c, r, errno) && tries++ < CLIENT_RESENDS &&
		    client_now_ms() < deadline) {
			client_close(c);
			if (client_connect(c, c->autostart, err, errn) == 0)
				goto again;
		}
		if (!reply_line) {
			free(line);
			return NULL;
		}
		reply = json_loadb(reply_line, len, 0, &jerr);
		free(reply_line);
		if (!reply) {
			snprintf(err, errn, "stintd sent an invalid reply: %s (column %d)",
				 jerr.text, jerr.column);
			free(line);
			return NULL;
		}
		/* Progress messages come only to a request that asked for them. */
		if (!p || !(progress = proto_progress_get(reply)) ||
		    json_integer_value(json_object_get(reply, "v")) != STINT_PROTO_VERSION)
			break;
		if (p->message)
			p->message(p->arg, progress);
		json_decref(reply);
	}
	free(line);
	if (proto_reply_check(reply, err, errn) < 0) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}
