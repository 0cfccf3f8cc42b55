#include "repo_watch_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "gitstats_lg2env.h"
#include "log.h"
#include "repo_watch_exclude.h"
#include "repo_watch_table.h"
#include "timeutil.h"

/* The watcher's job on the pool: the recursive, ignore-aware walk and the filtering of a report. */

static bool repo_watch_visited_add(struct repo_watch_job *j, int wd)
{
	size_t s;

	if ((j->nvisited + 1) * 2 > j->capvisited) {
		size_t cap = j->capvisited ? j->capvisited * 2 : 256;
		int *v = calloc(cap, sizeof(*v));

		/* Without memory the walk goes on undeduplicated; PATH_MAX still bounds a loop. */
		if (!v)
			return true;
		for (size_t i = 0; i < j->capvisited; i++) {
			if (!j->visited[i])
				continue;
			for (s = (unsigned)j->visited[i] & (cap - 1); v[s]; s = (s + 1) & (cap - 1))
				;
			v[s] = j->visited[i];
		}
		free(j->visited);
		j->visited = v;
		j->capvisited = cap;
	}
	for (s = (unsigned)wd & (j->capvisited - 1); j->visited[s];
	     s = (s + 1) & (j->capvisited - 1))
		if (j->visited[s] == wd)
			return false;
	j->visited[s] = wd;
	j->nvisited++;
	return true;
}

/* Adds (or re-owns) the watch on abs and returns its wd, or -errno; -ECANCELED when removed. */
static int repo_watch_job_own_dir(struct repo_watch_job *j, uint8_t kind, const char *abs,
				  const char *rel)
{
	struct repo_watcher *w = j->rw->w;
	struct repo_watch_wd *e;
	struct repo_watch_owner *o;
	int wd;

	uv_mutex_lock(&w->lock);
	if (atomic_load(&j->cancelled) || w->fd < 0) {
		wd = -ECANCELED;
		goto out;
	}
	/* A root may be reached through a symlink; below it, symlinks are not followed. */
	wd = inotify_add_watch(w->fd, abs,
			       *rel ? REPO_WATCH_MASK : REPO_WATCH_MASK & ~IN_DONT_FOLLOW);
	if (wd < 0) {
		wd = -errno;
		goto out;
	}
	e = repo_watch_tab_find(w, wd);
	if (!e) {
		if (w->limit && w->nentries >= w->limit) {
			inotify_rm_watch(w->fd, wd);
			wd = -ENOSPC;
			goto out;
		}
		e = repo_watch_tab_insert(w, wd);
		if (!e) {
			inotify_rm_watch(w->fd, wd);
			wd = -ENOMEM;
			goto out;
		}
	}
	for (o = e->owners; o; o = o->next)
		if (o->rw == j->rw && o->kind == kind && strcmp(o->rel, rel) == 0)
			break;
	if (!o) {
		size_t n = strlen(rel) + 1;
		bool counted = repo_watch_entry_owned_by(e, j->rw);

		o = malloc(sizeof(*o) + n);
		if (!o) {
			if (!e->owners)
				repo_watch_tab_remove(w, e, true);
			wd = -ENOMEM;
			goto out;
		}
		o->rw = j->rw;
		o->kind = kind;
		memcpy(o->rel, rel, n);
		o->next = e->owners;
		e->owners = o;
		if (!counted)
			j->rw->nowned++;
	}
	o->gen = j->gen;
out:
	uv_mutex_unlock(&w->lock);
	return wd;
}

/*
 * The index, read only when needed: a repository would keep its cached copy (100 bytes a
 * file) for the watch's whole life, and most jobs never need it.
 */
static git_index *repo_watch_job_index(struct repo_watch_job *j)
{
	char path[PATH_MAX];
	int n;

	if (j->index_tried)
		return j->index;
	j->index_tried = true;
	n = snprintf(path, sizeof(path), "%s/index", j->gitdir ? j->gitdir : "");
	if (!j->gitdir || n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	if (git_index_open(&j->index, path) < 0) {
		const git_error *e = git_error_last();

		log_debug("repo_watch: cannot read %s (%s); ignore rules only", path,
			  e ? e->message : "unknown error");
		j->index = NULL;
	}
	return j->index;
}

/*
 * Outside git (no repository at the root) there are no ignore rules to ask: an editor's swap,
 * backup and lock files are still not work (vim's .x.swp and 4913, emacs's x~, .#x and #x#).
 */
static bool repo_watch_job_plain_ignored(const char *rel, bool dir)
{
	static const char *const patterns[] = {".*.sw[a-p]", "*~", ".#*", "#*#", "4913"};
	const char *base = strrchr(rel, '/');

	base = base ? base + 1 : rel;
	for (size_t i = 0; !dir && i < sizeof(patterns) / sizeof(*patterns); i++)
		if (fnmatch(patterns[i], base, 0) == 0)
			return true;
	return false;
}

/* Ignored by git's rules and not tracked (a tracked file or a directory holding one counts). */
static bool repo_watch_job_ignored(struct repo_watch_job *j, const char *rel, bool dir)
{
	size_t pos;
	int ign = 0, n;

	if (!j->repo)
		return repo_watch_job_plain_ignored(rel, dir);
	n = snprintf(j->scratch, sizeof(j->scratch), dir ? "%s/" : "%s", rel);
	if (n < 0 || (size_t)n >= sizeof(j->scratch))
		return false;
	if (git_ignore_path_is_ignored(&ign, j->repo, j->scratch) < 0 || !ign)
		return false;
	if (!repo_watch_job_index(j))
		return true;
	if (dir)
		return git_index_find_prefix(&pos, j->index, j->scratch) != 0;
	return git_index_get_bypath(j->index, rel, 0) == NULL;
}

static void repo_watch_job_found_add(struct repo_watch_job *j, const char *rel)
{
	char **f;

	if (j->nfound >= REPO_WATCH_PATHS_MAX) {
		j->found_more = true;
		return;
	}
	f = array_grow(j->found, &j->capfound, j->nfound, sizeof(*f), 16);
	if (!f) {
		j->found_more = true;
		return;
	}
	j->found = f;
	j->found[j->nfound] = strdup(rel);
	if (j->found[j->nfound])
		j->nfound++;
	else
		j->found_more = true;
}

/*
 * What repo_watch_job_own_dir's failure wd means for the job: out of watches or memory stops it,
 * a root (is_root) that does not exist makes the repository gone; a missing directory below it
 * was deleted meanwhile.
 */
static void repo_watch_job_own_failed(struct repo_watch_job *j, int wd, const char *abs,
				      bool is_root)
{
	if (wd == -ENOSPC || wd == -ENOMEM) {
		j->add_err = -wd;
	} else if (wd == -ENOENT || wd == -ENOTDIR) {
		if (is_root)
			j->root_missing = true;
	} else if (wd != -ECANCELED) {
		log_debug("repo_watch: cannot watch %s: %s", abs, strerror(-wd));
	}
}

static bool repo_watch_job_stopped(struct repo_watch_job *j)
{
	return j->add_err || atomic_load(&j->cancelled);
}

static bool repo_watch_dirent_is_dir(DIR *dir, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

void repo_watch_strv_add(struct repo_watch_strv *l, const char *path)
{
	char **v;

	if (l->n >= REPO_WATCH_SKIPPED_MAX) {
		l->full = true;
		return;
	}
	v = array_grow(l->v, &l->cap, l->n, sizeof(*v), 8);
	if (!v || !(v[l->n] = strdup(path))) {
		if (v)
			l->v = v;
		l->full = true;
		return;
	}
	l->v = v;
	l->n++;
}

void repo_watch_strv_clear(struct repo_watch_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Watches start and every directory below it, each before listing it. With report set (a
 * directory that just appeared), what is found inside is new: worktree files are remembered
 * for the next report, and a ref file makes it a GITDIR change.
 */
static void repo_watch_job_walk(struct repo_watch_job *j, uint8_t kind, const char *start,
				bool report)
{
	const char *base = kind == REPO_WATCH_OWN_WORKTREE ? j->root : j->commondir;
	char **stack = NULL, **s, abs[PATH_MAX], child[PATH_MAX];
	size_t n = 0, cap = 0;

	if (!base)
		return;
	if (kind == REPO_WATCH_OWN_WORKTREE && *start && repo_watch_job_ignored(j, start, true)) {
		repo_watch_strv_add(&j->skipped, start);
		return;
	}
	stack = array_grow(NULL, &cap, 0, sizeof(*stack), 64);
	if (!stack || !(stack[n] = strdup(start))) {
		free(stack);
		j->complete = false;
		return;
	}
	n++;
	while (n > 0) {
		char *rel = stack[--n];
		struct dirent *de;
		DIR *dir;
		int wd;

		if (repo_watch_job_stopped(j)) {
			free(rel);
			j->complete = false;
			continue;
		}
		if (*rel ? snprintf(abs, sizeof(abs), "%s/%s", base, rel) >= (int)sizeof(abs)
			 : snprintf(abs, sizeof(abs), "%s", base) >= (int)sizeof(abs)) {
			free(rel);
			continue;
		}
		wd = repo_watch_job_own_dir(j, kind, abs, rel);
		if (wd < 0) {
			repo_watch_job_own_failed(j, wd, abs,
						  kind == REPO_WATCH_OWN_WORKTREE && !*rel);
			free(rel);
			continue;
		}
		/* A directory reached twice in one walk is a bind mount or a loop: walk it once. */
		if (!repo_watch_visited_add(j, wd)) {
			free(rel);
			continue;
		}
		j->nwalked++;
		dir = opendir(abs);
		if (!dir) {
			free(rel);
			continue;
		}
		while ((de = readdir(dir))) {
			const char *name = de->d_name;

			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				continue;
			if (kind == REPO_WATCH_OWN_WORKTREE && strcmp(name, ".git") == 0)
				continue;
			if (!repo_watch_join_rel(child, sizeof(child), rel, name))
				continue;
			if (repo_watch_dirent_is_dir(dir, de)) {
				if (kind == REPO_WATCH_OWN_WORKTREE &&
				    repo_watch_job_ignored(j, child, true)) {
					repo_watch_strv_add(&j->skipped, child);
					continue;
				}
				s = array_grow(stack, &cap, n, sizeof(*stack), 64);
				if (!s) {
					j->complete = false;
					continue;
				}
				stack = s;
				if ((stack[n] = strdup(child)))
					n++;
				else
					j->complete = false;
			} else if (report) {
				if (kind == REPO_WATCH_OWN_WORKTREE)
					repo_watch_job_found_add(j, child);
				else if (!repo_watch_ends_with(name, ".lock"))
					j->found_ref = true;
			}
		}
		closedir(dir);
		free(rel);
	}
	free(stack);
}

static void repo_watch_job_add_root(struct repo_watch_job *j, uint8_t kind, const char *abs)
{
	int wd;

	if (!abs || repo_watch_job_stopped(j))
		return;
	wd = repo_watch_job_own_dir(j, kind, abs, "");
	if (wd < 0)
		repo_watch_job_own_failed(j, wd, abs, true);
}

static void repo_watch_job_open(struct repo_watch_job *j)
{
	git_repository *repo = NULL;

	/* libgit2 1.5 leaks on repositories of format version 1 (gitstats_lg2env.c). */
	if (gitstats_lg2env_format_version(j->root) >= 1) {
		if (j->gitdir)
			log_debug("repo_watch: %s: repository format version 1, which libgit2 does "
				  "not read; no ignore rules",
				  j->root);
		return;
	}
	if (git_repository_open_ext(&repo, j->root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		const git_error *e = git_error_last();

		if (j->gitdir)
			log_debug("repo_watch: cannot open %s (%s); no ignore rules", j->root,
				  e ? e->message : "unknown error");
		return;
	}
	if (git_repository_is_bare(repo)) {
		git_repository_free(repo);
		return;
	}
	j->repo = repo;
	j->repo_opened = true;
	if (!j->gitdir)
		j->gitdir = repo_watch_strip_slash(git_repository_path(repo));
	if (!j->commondir && git_repository_commondir(repo))
		j->commondir = repo_watch_strip_slash(git_repository_commondir(repo));
}

/*
 * The git state without the excluded directory (repo_watch_exclude.h). An index that is there
 * but cannot be read (a split index) leaves no digest: every git change then counts.
 */
static void repo_watch_job_digest(struct repo_watch_job *j)
{
	git_index *index = repo_watch_job_index(j);
	char path[PATH_MAX];
	struct stat st;

	if (!index && j->gitdir &&
	    snprintf(path, sizeof(path), "%s/index", j->gitdir) < (int)sizeof(path) &&
	    stat(path, &st) == 0)
		return;
	j->digest_ok = repo_watch_exclude_digest(j->repo, index, j->exclude, &j->digest) == 0;
}

void repo_watch_job_work(uv_work_t *req)
{
	struct repo_watch_job *j = req->data;
	int64_t start = time_mono_ns();

	if (j->setup)
		repo_watch_job_open(j);
	if (j->gitdir && !j->commondir)
		j->commondir = strdup(j->gitdir);
	j->complete = true;
	/* New directories first, reporting what is in them; the full walk then skips them. */
	for (size_t i = 0; i < j->ndirs; i++)
		repo_watch_job_walk(j, j->dirs[i].kind, j->dirs[i].rel, true);
	if (j->full) {
		/* Git metadata first: if the limit bites, it bites the worktree. */
		if (j->gitdir) {
			repo_watch_job_add_root(j, REPO_WATCH_OWN_GITDIR, j->gitdir);
			repo_watch_job_add_root(j, REPO_WATCH_OWN_COMMON, j->commondir);
			repo_watch_job_walk(j, REPO_WATCH_OWN_REFS, "refs", false);
		}
		if (j->worktree)
			repo_watch_job_walk(j, REPO_WATCH_OWN_WORKTREE, "", false);
	}
	/* A git change may have tracked files in an ignored directory left out so far: they
	 * count (tracked files are never ignored), so it is watched now and its files reported. */
	for (size_t i = 0; i < j->recheck.n && j->rewalked && !atomic_load(&j->cancelled); i++) {
		if (repo_watch_job_ignored(j, j->recheck.v[i], true))
			continue;
		j->rewalked[i] = true;
		repo_watch_job_walk(j, REPO_WATCH_OWN_WORKTREE, j->recheck.v[i], true);
	}
	if (j->flush) {
		for (size_t i = 0; i < j->paths.n && !atomic_load(&j->cancelled); i++) {
			struct repo_watch_path *it = &j->paths.items[i];

			it->keep = !repo_watch_job_ignored(j, it->path, it->dir);
		}
	}
	/* After the walks: the digest then sees at least what the report's events saw. */
	if (j->exclude && !atomic_load(&j->cancelled))
		repo_watch_job_digest(j);
	git_index_free(j->index);
	j->index = NULL;
	git_error_clear();
	j->work_ns = time_mono_ns() - start;
}

void repo_watch_job_free(struct repo_watch_job *j)
{
	free(j->root);
	free(j->gitdir);
	free(j->commondir);
	free(j->exclude);
	repo_watch_free_dirs(j->dirs, j->ndirs);
	repo_watch_pathset_clear(&j->paths);
	for (size_t i = 0; i < j->nfound; i++)
		free(j->found[i]);
	free(j->found);
	repo_watch_strv_clear(&j->skipped);
	repo_watch_strv_clear(&j->recheck);
	free(j->rewalked);
	free(j->visited);
	free(j);
}
