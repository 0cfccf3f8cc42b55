#include "repo.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitstats.h"
#include "gitstats_lg2env.h"
#include "log.h"

void repo_global_init(void)
{
	git_libgit2_init();
	/* We only read; skip the ownership check that refuses repositories owned by others. */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

void repo_global_shutdown(void)
{
	git_libgit2_shutdown();
}

/* Outside a repository: git's global user.name, as git would sign a commit made there; else the
 * account's name. */
static char *repo_default_author(void)
{
	struct passwd pw, *res = NULL;
	git_config *cfg = NULL, *snap = NULL;
	git_buf name = {0};
	char buf[1024], *author = NULL;

	if (git_config_open_default(&cfg) == 0 && git_config_snapshot(&snap, cfg) == 0 &&
	    git_config_get_string_buf(&name, snap, "user.name") == 0 && name.size > 0)
		author = strdup(name.ptr);
	git_buf_dispose(&name);
	git_config_free(snap);
	git_config_free(cfg);
	git_error_clear();
	if (author)
		return author;
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res) {
		/* The GECOS full name, when set, reads better in a log than a login. */
		if (pw.pw_gecos && *pw.pw_gecos && *pw.pw_gecos != ',') {
			size_t n = strcspn(pw.pw_gecos, ",");
			return strndup(pw.pw_gecos, n);
		}
		return strdup(pw.pw_name);
	}
	return strdup(getenv("USER") ? getenv("USER") : "unknown");
}

static char *repo_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash[1] == '\0')
		return strdup(strcmp(path, "/") == 0 ? "root" : path);
	return strdup(slash + 1);
}

static void repo_fill_from_git(git_repository *repo, struct repo_info *info)
{
	git_reference *head = NULL;
	git_config *cfg = NULL;
	git_buf name = {0};
	int r;

	r = git_repository_head(&head, repo);
	if (r == 0) {
		const git_oid *oid = git_reference_target(head);
		char hex[GIT_OID_HEXSZ + 1] = "";

		if (oid)
			git_oid_tostr(hex, sizeof(hex), oid);
		info->head = strdup(hex);
		if (git_reference_is_branch(head)) {
			info->branch = strdup(git_reference_shorthand(head));
		} else {
			char b[64];
			snprintf(b, sizeof(b), "detached at %.7s", hex);
			info->branch = strdup(b);
		}
		git_reference_free(head);
	} else if (r == GIT_EUNBORNBRANCH) {
		git_reference *sym = NULL;

		if (git_reference_lookup(&sym, repo, "HEAD") == 0) {
			const char *t = git_reference_symbolic_target(sym);
			char b[512];

			if (t && strncmp(t, "refs/heads/", 11) == 0)
				t += 11;
			snprintf(b, sizeof(b), "%s (unborn)", t ? t : "HEAD");
			info->branch = strdup(b);
			git_reference_free(sym);
		}
	}
	if (git_repository_config_snapshot(&cfg, repo) == 0) {
		if (git_config_get_string_buf(&name, cfg, "user.name") == 0 && name.size > 0)
			info->author = strdup(name.ptr);
		git_buf_dispose(&name);
		git_config_free(cfg);
	}
}

/* A repository libgit2 cannot open (an extension it lacks): git says where it is and its HEAD. */
static bool repo_fill_from_gitstats(const char *dir, struct repo_info *info)
{
	char head[GITSTATS_OID_MAX + 1], err[512];
	char *root;

	if (gitstats_locate(dir, &root, &info->branch, head, sizeof(head), &info->author, err,
			    sizeof(err)) < 0) {
		log_debug("repo: %s: neither libgit2 nor git can read it: %s", dir, err);
		return false;
	}
	if (!info->root)
		info->root = root;
	else
		free(root);
	info->head = head[0] ? strdup(head) : NULL;
	info->is_git = true;
	return true;
}

/*
 * Whether libgit2 may open the repository holding dir: not one of format version 1 or more,
 * whose extensions libgit2 1.5 checks with a leaking regular expression (and mostly refuses):
 * git reads those (gitstats_lg2env_format_version). The nearest .git above dir decides.
 */
static bool repo_libgit2_may_open(const char *dir)
{
	char p[PATH_MAX], dotgit[PATH_MAX + 8];
	struct stat st;
	char *slash;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return true;
	for (;;) {
		snprintf(dotgit, sizeof(dotgit), "%s/.git", p);
		if (lstat(dotgit, &st) == 0)
			return gitstats_lg2env_format_version(p) < 1;
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return true;
		*slash = '\0';
	}
}

int repo_resolve(const char *cwd, struct repo_info *info, char *err, size_t errn)
{
	git_repository *repo = NULL;
	char real[PATH_MAX];
	struct stat st;
	int r;

	memset(info, 0, sizeof(*info));
	if (!realpath(cwd, real) || stat(real, &st) < 0) {
		r = -errno;
		snprintf(err, errn, "cannot open %s: %s", cwd, strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errn, "%s is not a directory", cwd);
		return -ENOTDIR;
	}
	r = repo_libgit2_may_open(real) ? git_repository_open_ext(&repo, real, 0, NULL) : GIT_ERROR;
	if (r < 0)
		git_error_clear();
	if (r == 0 && !git_repository_is_bare(repo)) {
		const char *wd = git_repository_workdir(repo);
		size_t n = strlen(wd);

		info->root = strndup(wd, n > 1 && wd[n - 1] == '/' ? n - 1 : n);
		info->is_git = true;
		repo_fill_from_git(repo, info);
	} else if (r == 0 || r == GIT_ENOTFOUND || !repo_fill_from_gitstats(real, info)) {
		info->root = strdup(real);
	}
	git_repository_free(repo);
	info->name = repo_base_name(info->root);
	if (!info->author)
		info->author = repo_default_author();
	if (!info->root || !info->name || !info->author) {
		repo_info_finish(info);
		snprintf(err, errn, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int repo_refresh(const char *root, struct repo_info *info)
{
	git_repository *repo = NULL;

	memset(info, 0, sizeof(*info));
	if (!repo_libgit2_may_open(root) ||
	    git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_error_clear();
		return repo_fill_from_gitstats(root, info) ? 0 : -ENOENT;
	}
	info->is_git = true;
	repo_fill_from_git(repo, info);
	git_repository_free(repo);
	return 0;
}

void repo_info_finish(struct repo_info *info)
{
	free(info->root);
	free(info->name);
	free(info->branch);
	free(info->head);
	free(info->author);
	memset(info, 0, sizeof(*info));
}

/* Whether the index differs from HEAD's tree (or, unborn, holds anything). */
static int repo_index_has_staged(git_repository *repo, git_index *idx)
{
	git_object *head_tree = NULL;
	git_diff *diff = NULL;
	int r, n;

	r = git_revparse_single(&head_tree, repo, "HEAD^{tree}");
	if (r == GIT_ENOTFOUND || r == GIT_EUNBORNBRANCH)
		return git_index_entrycount(idx) > 0;
	if (r < 0)
		return -1;
	r = git_diff_tree_to_index(&diff, repo, (git_tree *)head_tree, idx, NULL);
	git_object_free(head_tree);
	if (r < 0)
		return -1;
	n = (int)git_diff_num_deltas(diff);
	git_diff_free(diff);
	return n > 0;
}

int repo_commit_file(const char *root, const char *path, const char *message, char *why,
		     size_t whyn)
{
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_signature *sig = NULL;
	git_object *parent = NULL;
	git_tree *tree = NULL;
	git_oid tree_id, commit_id;
	size_t n = strlen(root);
	int r = -EIO, staged;

	if (strncmp(path, root, n) != 0 || path[n] != '/') {
		snprintf(why, whyn, "%s is not inside %s", path, root);
		return 1;
	}
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_repository_index(&idx, repo) < 0)
		goto git_fail;
	staged = repo_index_has_staged(repo, idx);
	if (staged < 0)
		goto git_fail;
	if (staged) {
		snprintf(why, whyn, "left uncommitted: other changes are staged in %s", root);
		r = 1;
		goto out;
	}
	if (git_index_add_bypath(idx, path + n + 1) < 0 || git_index_write(idx) < 0 ||
	    git_index_write_tree(&tree_id, idx) < 0 || git_tree_lookup(&tree, repo, &tree_id) < 0)
		goto git_fail;
	if (git_signature_default(&sig, repo) < 0 &&
	    git_signature_now(&sig, "stint", "stint@localhost") < 0)
		goto git_fail;
	r = git_revparse_single(&parent, repo, "HEAD^{commit}");
	if (r < 0 && r != GIT_ENOTFOUND)
		goto git_fail;
	if (git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, message, tree,
				parent ? 1 : 0, parent) < 0)
		goto git_fail;
	r = 0;
	goto out;
git_fail:
	snprintf(why, whyn, "cannot commit the log in %s: %s", root,
		 git_error_last() ? git_error_last()->message : "unknown error");
	r = -EIO;
out:
	git_object_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	git_index_free(idx);
	git_repository_free(repo);
	return r;
}

/* The log's number that day from its name: DATE.md 1, DATE-N.md N; 0 when it is neither. */
static long repo_log_number(const char *date, const char *log_path)
{
	const char *base = strrchr(log_path, '/');
	size_t n = strlen(date);
	char *end;
	long k;

	base = base ? base + 1 : log_path;
	if (strncmp(base, date, n) != 0)
		return 0;
	if (strcmp(base + n, ".md") == 0)
		return 1;
	if (base[n] != '-' || base[n + 1] < '1' || base[n + 1] > '9')
		return 0;
	k = strtol(base + n + 1, &end, 10);
	return strcmp(end, ".md") == 0 && k > 1 ? k : 0;
}

void repo_commit_message(const char *focus, const char *repo_name, const char *date,
			 const char *log_path, char *out, size_t outn)
{
	const char *what = focus && *focus	     ? focus
			   : repo_name && *repo_name ? repo_name
						     : "session";
	char subject[REPO_COMMIT_FOCUS_MAX + 8];
	size_t len = strlen(what), cut = len, i;
	long number = repo_log_number(date, log_path);

	if (len > REPO_COMMIT_FOCUS_MAX) {
		/* Back to the start of a UTF-8 character. */
		cut = REPO_COMMIT_FOCUS_MAX;
		while (cut > 0 && ((unsigned char)what[cut] & 0xc0) == 0x80)
			cut--;
	}
	memcpy(subject, what, cut);
	subject[cut] = '\0';
	/* One line: a subject never spans lines, whatever the focus holds. */
	for (i = 0; i < cut; i++)
		if ((unsigned char)subject[i] < 0x20 || subject[i] == 0x7f)
			subject[i] = ' ';
	if (cut < len)
		memcpy(subject + cut, "…", sizeof("…"));
	if (number > 0)
		snprintf(out, outn, "Session log: %s, %s #%ld\n", subject, date, number);
	else
		snprintf(out, outn, "Session log: %s, %s\n", subject, date);
}
