#include "logwriter.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* DATE.md, DATE-2.md ... DATE-1000.md are tried in turn; past them, the numbers after the
 * highest in the directory (a kill -9 soak made 1 000 logs of a day in one repository, and every
 * later stop was refused). */
#define NAME_TRIES 1000
#define LOG_MODE   0644
#define DIR_MODE   0755
/* A temporary log untouched this long is a killed stintd's, not a write in flight. */
#define LOGWRITER_STALE_S 600

static int logwriter_append(char *out, size_t outn, size_t *len, const char *s, size_t n)
{
	if (n >= outn - *len)
		return -ENAMETOOLONG;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int logwriter_expand_pattern(const char *p, const char *repo, const char *repo_name,
				    char *out, size_t outn)
{
	size_t len = 0;
	int r;

	if (!p || !*p)
		return -EINVAL;
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		const char *home = getenv("HOME");
		size_t n = home ? strlen(home) : 0;

		if (!home || home[0] != '/')
			return -EINVAL;
		while (n > 0 && home[n - 1] == '/')
			n--;
		if ((r = logwriter_append(out, outn, &len, home, n)) < 0)
			return r;
		if (p[1] == '\0' && len == 0)
			return logwriter_append(out, outn, &len, "/", 1);
		p++;
	}
	while (*p) {
		const char *val, *close;
		size_t n;

		if (*p != '{') {
			n = strcspn(p, "{");
			if ((r = logwriter_append(out, outn, &len, p, n)) < 0)
				return r;
			p += n;
			continue;
		}
		close = strchr(p, '}');
		if (!close)
			return -EINVAL;
		n = (size_t)(close - p - 1);
		if (n == 4 && strncmp(p + 1, "repo", 4) == 0) {
			val = repo && repo[0] == '/' ? repo : NULL;
		} else if (n == 9 && strncmp(p + 1, "repo_name", 9) == 0) {
			val = repo_name;
			if (!val && repo && (val = strrchr(repo, '/')))
				val++;
			/* A name that is a path of its own would put logs somewhere else. */
			if (val &&
			    (strchr(val, '/') || strcmp(val, ".") == 0 || strcmp(val, "..") == 0))
				val = NULL;
		} else {
			return -EINVAL;
		}
		if (!val || !*val)
			return -EINVAL;
		if ((r = logwriter_append(out, outn, &len, val, strlen(val))) < 0)
			return r;
		p = close + 1;
	}
	return out[0] == '/' ? 0 : -EINVAL;
}

int logwriter_expand_dir(const char *pattern, const char *repo, const char *repo_name, char *out,
			 size_t outn)
{
	int r;

	if (!out || outn == 0)
		return -ENAMETOOLONG;
	out[0] = '\0';
	r = logwriter_expand_pattern(pattern, repo, repo_name, out, outn);
	if (r < 0)
		out[0] = '\0';
	return r;
}

static int logwriter_fail(char *err, size_t errn, int e, const char *what, const char *path)
{
	snprintf(err, errn, "cannot %s %s: %s", what, path, strerror(e));
	return -e;
}

static int logwriter_mkdir_p(const char *dir, char *err, size_t errn)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);
	struct stat st;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : logwriter_fail(err, errn, ENOTDIR, "use", dir);
	if (n >= sizeof(buf))
		return logwriter_fail(err, errn, ENAMETOOLONG, "create directory", dir);
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (p[-1] != '/') {
			if (mkdir(buf, DIR_MODE) == 0) {
				/* ctl.c tightens the umask for a moment on the loop thread: be
				 * explicit. */
				chmod(buf, DIR_MODE);
			} else if (errno != EEXIST) {
				return logwriter_fail(err, errn, errno, "create directory", buf);
			}
		}
		*p = c;
		if (c == '\0')
			break;
	}
	if (stat(dir, &st) < 0)
		return logwriter_fail(err, errn, errno, "create directory", dir);
	return S_ISDIR(st.st_mode) ? 0 : logwriter_fail(err, errn, ENOTDIR, "use", dir);
}

static int logwriter_write_fd(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes, syncs and closes fd (closed even on failure). Returns 0 or -errno. */
static int logwriter_fill_fd(int fd, const char *text)
{
	int r = 0;

	/* The mode is set, not left to the umask: see logwriter_mkdir_p. */
	if (fchmod(fd, LOG_MODE) < 0)
		r = -errno;
	if (r == 0)
		r = logwriter_write_fd(fd, text, strlen(text));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0 && errno != EINTR)
		r = -errno;
	return r;
}

/* logwriter_fill_fd on fd, the new file at path: removed again if that fails. */
static int logwriter_fill_file(int fd, const char *path, const char *text, char *err, size_t errn)
{
	int r = logwriter_fill_fd(fd, text);

	if (r < 0) {
		unlink(path);
		return logwriter_fail(err, errn, -r, "write", path);
	}
	return 0;
}

static int logwriter_rename_noreplace(const char *from, const char *to)
{
#ifdef SYS_renameat2
	return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static bool logwriter_noreplace_unsupported(int e)
{
	return e == EPERM || e == EOPNOTSUPP || e == ENOSYS || e == EINVAL;
}

/* ".2026-12-03.md.Ab12xZ": the name of this file's temporary logs (mkostemp's six). */
static bool logwriter_is_temp_name(const char *n)
{
	size_t len = strlen(n);

	if (len != 1 + 10 + 4 + 6 || n[0] != '.' || memcmp(n + 11, ".md.", 4) != 0)
		return false;
	for (size_t i = 1; i < 11; i++)
		if (!(i == 5 || i == 8 ? n[i] == '-' : n[i] >= '0' && n[i] <= '9'))
			return false;
	for (size_t i = 15; i < len; i++)
		if (!isalnum((unsigned char)n[i]))
			return false;
	return true;
}

/* Untouched for LOGWRITER_STALE_S: a write in flight, on a worker beside us, is far younger. */
int logwriter_sweep(const char *dir)
{
	int removed = 0;

	DIR *dp = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);

	if (!dp)
		return 0;
	while ((e = readdir(dp))) {
		struct stat st;

		if (!logwriter_is_temp_name(e->d_name) ||
		    fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    now - st.st_mtime < LOGWRITER_STALE_S)
			continue;
		if (unlinkat(dirfd(dp), e->d_name, 0) == 0) {
			log_info("removed %s/%s, a log stintd was writing when it stopped", dir,
				 e->d_name);
			removed++;
		}
	}
	closedir(dp);
	return removed;
}

/* The highest N of the DATE-N.md in dir, 0 when none (or dir cannot be read). */
static long logwriter_last_suffix(const char *dir, const char *date)
{
	size_t n = strlen(date);
	long last = 0;
	struct dirent *e;
	DIR *dp = opendir(dir);

	while (dp && (e = readdir(dp))) {
		char *end;
		long v;

		if (strncmp(e->d_name, date, n) != 0 || e->d_name[n] != '-' ||
		    !isdigit((unsigned char)e->d_name[n + 1]))
			continue;
		v = strtol(e->d_name + n + 1, &end, 10);
		if (strcmp(end, ".md") == 0 && v > last && v < LONG_MAX - 2 * NAME_TRIES)
			last = v;
	}
	if (dp)
		closedir(dp);
	return last;
}

/*
 * Gives the synced temp file tmp its final name, the first of DATE.md, DATE-2.md... not taken.
 * Sets *tmp_gone when the temp file no longer exists under its own name.
 */
static int logwriter_publish(enum logwriter_method method, const char *dir, const char *date,
			     const char *tmp, const char *text, char *final, size_t finaln,
			     bool *tmp_gone, char *err, size_t errn)
{
	long base = 0;

	for (int i = 1; i <= 2 * NAME_TRIES; i++) {
		int fd;

		/* The first run of names is taken: go on after the highest number there. */
		if (i == NAME_TRIES + 1)
			base = logwriter_last_suffix(dir, date) - NAME_TRIES;
		if (i == 1)
			snprintf(final, finaln, "%s/%s.md", dir, date);
		else
			snprintf(final, finaln, "%s/%s-%ld.md", dir, date, base + i);
		switch (method) {
		case LOGWRITER_LINK:
			if (link(tmp, final) == 0)
				return 0;
			if (errno == EEXIST)
				continue;
			/* No hard links here (vfat, some FUSE): rename without replacing instead.
			 */
			if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS) {
				method = LOGWRITER_RENAME;
				i--;
				continue;
			}
			return logwriter_fail(err, errn, errno, "link the log to", final);
		case LOGWRITER_RENAME:
			if (logwriter_rename_noreplace(tmp, final) == 0) {
				*tmp_gone = true;
				return 0;
			}
			if (errno == EEXIST)
				continue;
			/* No RENAME_NOREPLACE either: create the final name exclusively, write it.
			 */
			if (logwriter_noreplace_unsupported(errno)) {
				method = LOGWRITER_CREATE;
				i--;
				continue;
			}
			return logwriter_fail(err, errn, errno, "rename the log to", final);
		case LOGWRITER_CREATE:
			fd = open(final, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, LOG_MODE);
			if (fd < 0 && errno == EEXIST)
				continue;
			if (fd < 0)
				return logwriter_fail(err, errn, errno, "create", final);
			return logwriter_fill_file(fd, final, text, err, errn);
		}
	}
	snprintf(err, errn, "cannot find a free name for %s in %s: %s.md to %s-%ld.md all exist",
		 date, dir, date, date, base + 2 * NAME_TRIES);
	return -EEXIST;
}

static int logwriter_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	/* Some filesystems cannot sync a directory; that is no reason to fail. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		r = -errno;
	close(fd);
	return r;
}

int logwriter_write_with(enum logwriter_method method, const char *dir, const char *date,
			 const char *text, char *path, size_t pathn, char *err, size_t errn)
{
	char d[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	const char *where; /* the directory as named to the file system */
	size_t dn;
	bool tmp_gone = false;
	int fd, r;

	if (path && pathn)
		path[0] = '\0';
	if (!dir || dir[0] != '/' || !date || !*date || strchr(date, '/') || !text || !path) {
		snprintf(err, errn, "cannot write the log: bad directory \"%s\" or date \"%s\"",
			 dir ? dir : "(null)", date ? date : "(null)");
		return -EINVAL;
	}
	dn = strlen(dir);
	while (dn > 1 && dir[dn - 1] == '/')
		dn--;
	/* Room for the longest name tried, in our buffers and the caller's. */
	if (dn + strlen(date) + 16 >= sizeof(d) || dn + strlen(date) + 16 > pathn) {
		snprintf(err, errn, "cannot write the log in %s: %s", dir, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	snprintf(d, sizeof(d), "%.*s", (int)dn, dir);
	if (dn == 1)
		d[0] = '\0'; /* "/" + "/" + name would double the slash */
	where = dn == 1 ? "/" : d;
	r = logwriter_mkdir_p(where, err, errn);
	if (r < 0)
		return r;

	logwriter_sweep(where);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.md.XXXXXX", d, date) >= (int)sizeof(tmp)) {
		snprintf(err, errn, "log path too long: %s/%s.md", d, date);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return logwriter_fail(err, errn, errno, "create a temporary file in", where);
	r = logwriter_fill_file(fd, tmp, text, err, errn);
	if (r < 0)
		return r;
	r = logwriter_publish(method, d, date, tmp, text, final, sizeof(final), &tmp_gone, err,
			      errn);
	if (!tmp_gone)
		unlink(tmp);
	if (r < 0)
		return r;
	r = logwriter_sync_dir(where);
	if (r < 0) {
		unlink(final);
		return logwriter_fail(err, errn, -r, "sync directory", where);
	}
	snprintf(path, pathn, "%s", final);
	return 0;
}

int logwriter_write(const char *dir, const char *date, const char *text, char *path, size_t pathn,
		    char *err, size_t errn)
{
	return logwriter_write_with(LOGWRITER_LINK, dir, date, text, path, pathn, err, errn);
}

char *logwriter_dir_in_repo(const char *pattern, const char *root, const char *repo_name)
{
	char dir[PATH_MAX];
	size_t n = strlen(root);

	if (!pattern || logwriter_expand_dir(pattern, root, repo_name, dir, sizeof(dir)) < 0)
		return NULL;
	if (strncmp(dir, root, n) != 0 || (dir[n] != '/' && dir[n] != '\0'))
		return NULL;
	return strdup(dir);
}
