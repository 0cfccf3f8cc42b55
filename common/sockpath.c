#include "sockpath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

int sockpath_resolve(char *buf, size_t n)
{
	const char *env = getenv("STINT_SOCKET");
	char dir[PATH_MAX];
	int len;

	if (n > SOCKPATH_MAX)
		n = SOCKPATH_MAX;
	/* stintd runs in "/": a relative path would name another socket than the CLI's. */
	if (env && *env && env[0] != '/')
		return -EINVAL;
	if (env && *env)
		len = snprintf(buf, n, "%s", env);
	else if (paths_stint_dir(PATHS_RUNTIME, dir, sizeof(dir)) == 0)
		len = snprintf(buf, n, "%s/stintd.sock", dir);
	else
		return -ENAMETOOLONG;
	if (len < 0 || (size_t)len >= n)
		return -ENAMETOOLONG;
	return 0;
}

int sockpath_dir(const char *sockpath, char *buf, size_t n)
{
	const char *slash = strrchr(sockpath, '/');
	size_t len;

	if (!slash)
		return snprintf(buf, n, ".") < (int)n ? 0 : -ENAMETOOLONG;
	len = slash == sockpath ? 1 : (size_t)(slash - sockpath);
	if (len >= n)
		return -ENAMETOOLONG;
	memcpy(buf, sockpath, len);
	buf[len] = '\0';
	return 0;
}

int sockpath_dir_ensure(const char *sockpath, char *err, size_t errn)
{
	char dir[SOCKPATH_MAX];
	struct stat st;
	int r;

	r = sockpath_dir(sockpath, dir, sizeof(dir));
	if (r < 0) {
		snprintf(err, errn, "socket path too long: %s", sockpath);
		return r;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errn, "cannot create %s: %s", dir, strerror(errno));
		return r;
	}
	if (lstat(dir, &st) < 0) {
		r = -errno;
		snprintf(err, errn, "cannot stat %s: %s", dir, strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errn, "%s is not a directory (a symlink?)", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errn, "%s is owned by uid %u, not by us (uid %u)", dir,
			 (unsigned)st.st_uid, (unsigned)getuid());
		return -EPERM;
	}
	if (st.st_mode & 077) {
		snprintf(err, errn,
			 "%s is accessible by group or others (mode %03o); expected 0700", dir,
			 (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	return 0;
}

void sockpath_describe_error(int r, char *buf, size_t n)
{
	const char *env = getenv("STINT_SOCKET");

	if (env && *env && r == -EINVAL)
		snprintf(buf, n, "STINT_SOCKET must be an absolute path, not \"%.200s\"", env);
	else if (env && *env)
		snprintf(buf, n,
			 "STINT_SOCKET is too long for a socket path (%zu bytes, at most %d): "
			 "\"%.200s\"",
			 strlen(env), SOCKPATH_MAX - 1, env);
	else
		snprintf(buf, n,
			 "the socket path under XDG_RUNTIME_DIR is too long (over %d bytes); set "
			 "STINT_SOCKET to a shorter path",
			 SOCKPATH_MAX - 1);
}
