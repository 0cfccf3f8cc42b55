#include "gitstats_lg2env.h"

#include <errno.h>
#include <git2.h>
#include <git2/sys/repository.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

/* The common git directory of a worktree root, from its .git directory or "gitdir:" file. */
static int gitstats_lg2env_common_dir(const char *root, char *out, size_t outn)
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
	fd = fileio_open_regular(dotgit);
	if (fd < 0)
		return fd;
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
	fd = fileio_open_regular(dotgit);
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
int gitstats_lg2env_format_version(const char *root)
{
	char cd[PATH_MAX * 2 + 8], cfgpath[PATH_MAX * 2 + 16];
	git_config *cfg = NULL;
	int32_t v = 0;

	if (gitstats_lg2env_common_dir(root, cd, sizeof(cd)) < 0)
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

/* A file of attributes libgit2 would read from one of its search paths ("a:b"), or can't tell? */
static bool gitstats_lg2env_attr_file_in(int level, const char *name)
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
bool gitstats_lg2env_no_attributes(struct gitstats_ctx *c, const struct gitstats_scan_index *xi)
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
	return !set && !gitstats_lg2env_attr_file_in(GIT_CONFIG_LEVEL_SYSTEM, "gitattributes") &&
	       !gitstats_lg2env_attr_file_in(GIT_CONFIG_LEVEL_XDG, "attributes");
}

/*
 * libgit2 also reads attributes from the index's .gitattributes entries, loading the whole index
 * (slowly) on the first lookup: the repository gets an in-memory index with only those.
 */
int gitstats_lg2env_attr_index(struct gitstats_ctx *c, const struct gitstats_scan_index *xi)
{
	git_index *mem = NULL;
	int rc = 0;

	if (git_index_new(&mem) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < xi->n && rc == 0 && !(xi->attrs_known && !xi->nattrs); i++) {
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
		gitstats_int_seterr(c->err, c->errn, "cannot set up attributes: %s",
				    gitstats_int_lg2msg());
	git_index_free(mem);
	return rc;
}
