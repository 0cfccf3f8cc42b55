#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *env;      /* the XDG variable */
	const char *fallback; /* its default below HOME; NULL: none */
	const char *unset;    /* paths_unset_reason */
} paths_xdg[] = {
    [PATHS_CONFIG] = {"XDG_CONFIG_HOME", "/.config",
		      "neither XDG_CONFIG_HOME nor HOME is set to an absolute path"},
    [PATHS_DATA] = {"XDG_DATA_HOME", "/.local/share",
		    "neither XDG_DATA_HOME nor HOME is set to an absolute path"},
    [PATHS_STATE] = {"XDG_STATE_HOME", "/.local/state",
		     "neither XDG_STATE_HOME nor HOME is set to an absolute path"},
    [PATHS_RUNTIME] = {"XDG_RUNTIME_DIR", NULL, "XDG_RUNTIME_DIR is not set to an absolute path"},
};

/*
 * The absolute directory in the variable name, less trailing slashes, then suffix, into buf.
 * Returns 0, -ENOENT when the variable is unset or not absolute, or -ENAMETOOLONG.
 */
static int paths_env_join(const char *name, const char *suffix, char *buf, size_t n)
{
	const char *v = getenv(name);
	size_t len;
	int r;

	if (!v || v[0] != '/')
		return -ENOENT;
	len = strlen(v);
	while (len > 1 && v[len - 1] == '/')
		len--;
	/* "/" and a suffix make "/suffix", not "//suffix". */
	if (len == 1 && *suffix)
		len = 0;
	r = snprintf(buf, n, "%.*s%s", (int)len, v, suffix);
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

int paths_home(char *buf, size_t n)
{
	return paths_env_join("HOME", "", buf, n);
}

int paths_xdg_dir(enum paths_dir which, char *buf, size_t n)
{
	int r = paths_env_join(paths_xdg[which].env, "", buf, n);

	if (r != -ENOENT || !paths_xdg[which].fallback)
		return r;
	return paths_env_join("HOME", paths_xdg[which].fallback, buf, n);
}

int paths_stint_dir(enum paths_dir which, char *buf, size_t n)
{
	char base[PATH_MAX];
	int r = paths_xdg_dir(which, base, sizeof(base));

	if (r == -ENOENT && which == PATHS_RUNTIME)
		r = snprintf(buf, n, "/tmp/stint-%u", (unsigned)getuid());
	else if (r == 0)
		r = snprintf(buf, n, "%s/stint", strcmp(base, "/") == 0 ? "" : base);
	else
		return r;
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

const char *paths_unset_reason(enum paths_dir which)
{
	return paths_xdg[which].unset;
}

static int paths_fail(int e)
{
	errno = e;
	return -e;
}

/* Makes one directory; an existing one is fine, anything else there is -ENOTDIR. */
static int paths_mkdir_one(const char *dir, mode_t mode)
{
	struct stat st;

	if (mkdir(dir, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return paths_fail(errno);
	if (stat(dir, &st) < 0)
		return paths_fail(errno);
	return S_ISDIR(st.st_mode) ? 0 : paths_fail(ENOTDIR);
}

int paths_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	int r;

	if (len == 0)
		return paths_fail(ENOENT);
	if (len >= sizeof(buf))
		return paths_fail(ENAMETOOLONG);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		r = paths_mkdir_one(buf, mode);
		*p = '/';
		if (r < 0)
			return r;
	}
	return paths_mkdir_one(buf, mode);
}
