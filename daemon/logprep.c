#include "logprep.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tmpl.h"

#define LOGPREP_PREVIOUS    3
#define LOGPREP_MAX_CARRIED 50
#define LOGPREP_MAX_REFS    50
#define LOGPREP_LINE	    4096

/* "YYYY-MM-DD.md" or "YYYY-MM-DD-N.md": the names logwriter gives; returns N (1 for none). */
static int log_name_seq(const char *name)
{
	const char *p = name;
	int seq = 1;

	for (int i = 0; i < 10; i++, p++) {
		if ((i == 4 || i == 7) ? *p != '-' : !isdigit((unsigned char)*p))
			return 0;
	}
	if (*p == '-') {
		char *end;
		long n = strtol(p + 1, &end, 10);

		if (end == p + 1 || n < 2 || n > 100000)
			return 0;
		seq = (int)n;
		p = end;
	}
	return strcmp(p, ".md") == 0 ? seq : 0;
}

struct prev {
	char name[64];
	int seq;
};

/* Newest first: by date, then by the -N sequence within a day. */
static int prev_cmp(const void *a, const void *b)
{
	const struct prev *x = a, *y = b;
	int c = strncmp(y->name, x->name, 10);

	return c ? c : y->seq - x->seq;
}

static char *read_title(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[LOGPREP_LINE];
	char *title = NULL;

	if (!f)
		return NULL;
	if (fgets(line, sizeof(line), f) && strncmp(line, "# Session: ", 11) == 0) {
		line[strcspn(line, "\n")] = '\0';
		title = strdup(line + 11);
	}
	fclose(f);
	return title;
}

/* Unchecked "- [ ] " items, skipping the template's own bracketed prompts. */
static void read_carried(const char *path, json_t *out)
{
	FILE *f = fopen(path, "re");
	char line[LOGPREP_LINE];
	bool fence = false;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && json_array_size(out) < LOGPREP_MAX_CARRIED) {
		const char *p = line;
		bool dup = false;
		size_t i;
		json_t *v;

		if (strncmp(line, "```", 3) == 0)
			fence = !fence;
		if (fence)
			continue;
		line[strcspn(line, "\n")] = '\0';
		while (*p == ' ')
			p++;
		if (strncmp(p, "- [ ] ", 6) != 0 || p[6] == '[' || p[6] == '\0')
			continue;
		json_array_foreach(out, i, v)
		{
			dup = dup ||
			      strcmp(json_string_value(json_object_get(v, "text")), p + 6) == 0;
		}
		if (!dup)
			json_array_append_new(out, json_pack("{s:s}", "text", p + 6));
	}
	fclose(f);
}

static void previous_logs(json_t *record, const char *dir)
{
	struct prev found[256];
	size_t n = 0;
	struct dirent *de;
	json_t *list = json_array(), *carried = json_array();
	DIR *dh = opendir(dir);

	if (dh) {
		while ((de = readdir(dh))) {
			int seq = log_name_seq(de->d_name);

			if (seq == 0 || strlen(de->d_name) >= sizeof(found[0].name))
				continue;
			if (n == sizeof(found) / sizeof(found[0])) {
				qsort(found, n, sizeof(found[0]), prev_cmp);
				n = LOGPREP_PREVIOUS;
			}
			memcpy(found[n].name, de->d_name, strlen(de->d_name) + 1);
			found[n++].seq = seq;
		}
		closedir(dh);
	}
	qsort(found, n, sizeof(found[0]), prev_cmp);
	for (size_t i = 0; i < n && i < LOGPREP_PREVIOUS; i++) {
		char path[LOGPREP_LINE], date[11];
		char *title;

		if (snprintf(path, sizeof(path), "%s/%s", dir, found[i].name) >= (int)sizeof(path))
			continue;
		snprintf(date, sizeof(date), "%.10s", found[i].name);
		title = read_title(path);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s?}", "date", date, "path",
						      found[i].name, "title", title));
		if (i == 0)
			read_carried(path, carried);
		free(title);
	}
	json_object_set_new(record, "previous_logs", list);
	json_object_set_new(record, "carried_todos", carried);
}

char *logprep_forge_url(const char *url)
{
	static const char *const forges[] = {"github.com",    "gitlab.com", "codeberg.org",
					     "bitbucket.org", "git.sr.ht",  "salsa.debian.org"};
	const char *host = NULL, *path = NULL;
	char buf[1024];
	size_t n;

	if (!url)
		return NULL;
	for (size_t i = 0; i < sizeof(forges) / sizeof(forges[0]); i++) {
		const char *h = strstr(url, forges[i]);
		size_t hl = strlen(forges[i]);

		/* https://host/o/r, ssh://git@host/o/r, git@host:o/r */
		if (h && (h == url || h[-1] == '/' || h[-1] == '@') &&
		    (h[hl] == '/' || h[hl] == ':')) {
			host = forges[i];
			path = h + hl + 1;
			break;
		}
	}
	if (!host || !*path)
		return NULL;
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n > 4 && strncmp(path + n - 4, ".git", 4) == 0)
		n -= 4;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)path[i]) && !strchr("-_./~", path[i]))
			return NULL;
	if (snprintf(buf, sizeof(buf), "https://%s/%.*s", host, (int)n, path) >= (int)sizeof(buf))
		return NULL;
	return strdup(buf);
}

static bool ref_known(json_t *refs, const char *text)
{
	size_t i;
	json_t *v;

	json_array_foreach(refs, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "text")), text) == 0)
			return true;
	}
	return false;
}

static void add_ref(json_t *refs, const char *text, const char *web, const char *owner_repo,
		    const char *num)
{
	char url[1200];

	if (ref_known(refs, text) || json_array_size(refs) >= LOGPREP_MAX_REFS)
		return;
	if (owner_repo && web) {
		/* Same forge, another repository: https://github.com/owner/repo/issues/N */
		const char *slash = strstr(web + 8, "/");
		int hostlen = slash ? (int)(slash - web) : (int)strlen(web);

		snprintf(url, sizeof(url), "%.*s/%s/issues/%s", hostlen, web, owner_repo, num);
	} else if (web) {
		snprintf(url, sizeof(url), "%s/issues/%s", web, num);
	} else {
		url[0] = '\0';
	}
	json_array_append_new(refs,
			      json_pack("{s:s, s:s?}", "text", text, "url", url[0] ? url : NULL));
}

void logprep_find_refs(const char *text, const char *web, json_t *refs)
{
	for (const char *p = text; p && *p; p++) {
		const char *start = p, *hash;
		char num[16], owner_repo[256], ref[300];
		size_t nd = 0;

		if (strncmp(p, "GH-", 3) == 0 && (p == text || !isalnum((unsigned char)p[-1]))) {
			hash = p + 2;
			start = hash;
		} else if (*p == '#' && !(p > text && p[-1] == '&')) { /* not an HTML "&#39;" */
			hash = p;
			/* owner/repo#N: walk back over the name */
			while (start > text &&
			       (isalnum((unsigned char)start[-1]) || strchr("-_./", start[-1])))
				start--;
			if (start < hash && !memchr(start, '/', (size_t)(hash - start)))
				start = hash; /* "word#1" is not a reference */
			if (start == hash && hash > text && isalnum((unsigned char)hash[-1]))
				continue;
		} else {
			continue;
		}
		while (isdigit((unsigned char)hash[1 + nd]) && nd < sizeof(num) - 1) {
			num[nd] = hash[1 + nd];
			nd++;
		}
		num[nd] = '\0';
		if (nd == 0 || isalnum((unsigned char)hash[1 + nd]))
			continue;
		if (start < hash && (size_t)(hash - start) < sizeof(owner_repo)) {
			snprintf(owner_repo, sizeof(owner_repo), "%.*s", (int)(hash - start),
				 start);
			snprintf(ref, sizeof(ref), "%s#%s", owner_repo, num);
			add_ref(refs, ref, web, owner_repo, num);
		} else {
			snprintf(ref, sizeof(ref), "%s%s", *p == 'G' ? "GH-" : "#", num);
			add_ref(refs, ref, web, NULL, num);
		}
		p = hash + nd;
	}
}

/*
 * The origin's URL read straight from the config: git_remote_lookup would apply insteadOf rules
 * through libgit2 1.5's regex matching, which leaks PCRE2 match data on every non-match.
 */
static char *origin_web(const char *root)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_buf url = {0};
	char *web = NULL;

	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0 &&
	    git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&url, cfg, "remote.origin.url") == 0)
		web = logprep_forge_url(url.ptr);
	git_buf_dispose(&url);
	git_config_free(cfg);
	git_repository_free(repo);
	return web;
}

static void refs(json_t *record)
{
	json_t *list = json_array(), *c;
	json_t *commits = json_object_get(json_object_get(record, "stats"), "commit_list");
	const char *root = json_string_value(json_object_get(record, "repo"));
	char *web = root ? origin_web(root) : NULL;
	size_t i;

	logprep_find_refs(json_string_value(json_object_get(record, "branch")), web, list);
	logprep_find_refs(json_string_value(json_object_get(record, "branch_end")), web, list);
	json_array_foreach(commits, i, c)
	{
		logprep_find_refs(json_string_value(json_object_get(c, "subject")), web, list);
	}
	json_object_set_new(record, "refs", list);
	free(web);
}

/* A whole upper-case TODO, FIXME or XXX in the line. */
static bool has_todo_word(const char *p, size_t n)
{
	static const char *const words[] = {"TODO", "FIXME", "XXX"};

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (isalnum((unsigned char)p[i - 1]) || p[i - 1] == '_'))
			continue;
		for (size_t w = 0; w < 3; w++) {
			size_t wl = strlen(words[w]);

			if (i + wl <= n && memcmp(p + i, words[w], wl) == 0 &&
			    (i + wl == n ||
			     !(isalnum((unsigned char)p[i + wl]) || p[i + wl] == '_')))
				return true;
		}
	}
	return false;
}

struct todo_scan {
	json_t *out;
	const char *exclude_rel; /* the log directory, relative to the root, or NULL */
};

static int todo_line_cb(const git_diff_delta *delta, const git_diff_hunk *hunk,
			const git_diff_line *line, void *payload)
{
	struct todo_scan *ts = payload;
	const char *path = delta->new_file.path;
	size_t n = line->content_len, el = ts->exclude_rel ? strlen(ts->exclude_rel) : 0;
	char text[512];

	(void)hunk;
	if (line->origin != GIT_DIFF_LINE_ADDITION || json_array_size(ts->out) >= 200)
		return 0;
	if (el && strncmp(path, ts->exclude_rel, el) == 0 && path[el] == '/')
		return 0;
	while (n > 0 && (line->content[n - 1] == '\n' || line->content[n - 1] == '\r'))
		n--;
	if (!has_todo_word(line->content, n))
		return 0;
	snprintf(text, sizeof(text), "%.*s", (int)(n < sizeof(text) - 1 ? n : sizeof(text) - 1),
		 line->content);
	json_array_append_new(ts->out, json_pack("{s:s, s:i, s:s}", "path", path, "line",
						 line->new_lineno, "text", text));
	return 0;
}

/* The files each listed commit changed, for the Files Modified descriptions. */
static void commit_paths(git_repository *repo, json_t *commits)
{
	size_t i;
	json_t *c;

	json_array_foreach(commits, i, c)
	{
		const char *hex = json_string_value(json_object_get(c, "hash"));
		git_commit *commit = NULL, *parent = NULL;
		git_tree *tree = NULL, *ptree = NULL;
		git_diff *diff = NULL;
		git_oid oid;
		json_t *paths;

		if (i >= 200)
			break;
		if (!hex)
			hex = json_string_value(json_object_get(c, "oid"));
		if (!hex || git_oid_fromstr(&oid, hex) < 0 ||
		    git_commit_lookup(&commit, repo, &oid) < 0)
			continue;
		if (git_commit_parentcount(commit) > 0)
			git_commit_parent(&parent, commit, 0);
		if (git_commit_tree(&tree, commit) == 0 &&
		    (!parent || git_commit_tree(&ptree, parent) == 0) &&
		    git_diff_tree_to_tree(&diff, repo, ptree, tree, NULL) == 0) {
			paths = json_array();
			for (size_t d = 0; d < git_diff_num_deltas(diff); d++) {
				const git_diff_delta *dl = git_diff_get_delta(diff, d);

				json_array_append_new(paths, json_string(dl->new_file.path));
			}
			json_object_set_new(c, "paths", paths);
		}
		git_diff_free(diff);
		git_tree_free(tree);
		git_tree_free(ptree);
		git_commit_free(parent);
		git_commit_free(commit);
	}
}

/*
 * TODO/FIXME/XXX lines the session added (its diff from the baseline tree to the worktree,
 * untracked files included) and the paths of its commits, into "stats". The user's index is read,
 * never written.
 */
static void git_extras(json_t *record)
{
	const char *root = json_string_value(json_object_get(record, "repo"));
	const char *tree_hex = json_string_value(json_object_get(record, "baseline_tree"));
	const char *log_dir = json_string_value(json_object_get(record, "log_dir"));
	json_t *stats = json_object_get(record, "stats");
	git_diff_options opts;
	git_repository *repo = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	struct todo_scan ts = {0};
	git_oid oid;
	size_t rl;

	if (!root || !tree_hex || !json_is_object(stats) ||
	    git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return;
	commit_paths(repo, json_object_get(stats, "commit_list"));
	rl = strlen(root);
	if (log_dir && strncmp(log_dir, root, rl) == 0 && log_dir[rl] == '/')
		ts.exclude_rel = log_dir + rl + 1;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
		     GIT_DIFF_SHOW_UNTRACKED_CONTENT;
	opts.context_lines = 0;
	ts.out = json_array();
	if (git_oid_fromstr(&oid, tree_hex) == 0 && git_tree_lookup(&tree, repo, &oid) == 0 &&
	    git_diff_tree_to_workdir_with_index(&diff, repo, tree, &opts) == 0) {
		git_diff_find_options find;

		/* A renamed file's old TODOs were not added by the session. */
		git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
		find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_FOR_UNTRACKED;
		git_diff_find_similar(diff, &find);
		git_diff_foreach(diff, NULL, NULL, NULL, todo_line_cb, &ts);
	}
	json_object_set_new(stats, "todo_lines", ts.out);
	git_diff_free(diff);
	git_tree_free(tree);
	git_repository_free(repo);
}

void logprep_fill(json_t *record, const char *dir)
{
	previous_logs(record, dir);
	refs(record);
	git_extras(record);
}

int logprep_read_template(const char *path, char **out, char *err, size_t errn)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f) {
		int e = errno;

		snprintf(err, errn, "cannot open the log template %s: %s", path, strerror(e));
		return -e;
	}
	buf = malloc(TMPL_MAX_TEXT + 2);
	n = buf ? fread(buf, 1, TMPL_MAX_TEXT + 1, f) : 0;
	if (!buf || ferror(f)) {
		snprintf(err, errn, "cannot read the log template %s", path);
		fclose(f);
		free(buf);
		return -EIO;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	return 0;
}
