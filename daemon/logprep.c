#include "logprep.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitstats_extras.h"
#include "log.h"
#include "record.h"

#define LOGPREP_PREVIOUS    3
#define LOGPREP_MAX_CARRIED 50
#define LOGPREP_MAX_REFS    50
#define LOGPREP_LINE	    4096

/* "YYYY-MM-DD.md" or "YYYY-MM-DD-N.md": the names logwriter gives; returns N (1 for none). */
static int logprep_name_seq(const char *name)
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

struct logprep_prev {
	char name[64];
	int seq;
};

/* Newest first: by date, then by the -N sequence within a day. */
static int logprep_prev_cmp(const void *a, const void *b)
{
	const struct logprep_prev *x = a, *y = b;
	int c = strncmp(y->name, x->name, 10);

	return c ? c : y->seq - x->seq;
}

static char *logprep_read_title(const char *path)
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
static void logprep_read_carried(const char *path, json_t *out)
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
			dup = dup || strcmp(json_string_value(json_object_get(v, RECORD_TEXT)),
					    p + 6) == 0;
		}
		if (!dup)
			json_array_append_new(out, json_pack("{s:s}", RECORD_TEXT, p + 6));
	}
	fclose(f);
}

static void logprep_previous_logs(json_t *record, const char *dir)
{
	struct logprep_prev found[256];
	size_t n = 0;
	struct dirent *de;
	json_t *list = json_array(), *carried = json_array();
	DIR *dh = opendir(dir);

	if (dh) {
		while ((de = readdir(dh))) {
			int seq = logprep_name_seq(de->d_name);

			if (seq == 0 || strlen(de->d_name) >= sizeof(found[0].name))
				continue;
			if (n == sizeof(found) / sizeof(found[0])) {
				qsort(found, n, sizeof(found[0]), logprep_prev_cmp);
				n = LOGPREP_PREVIOUS;
			}
			memcpy(found[n].name, de->d_name, strlen(de->d_name) + 1);
			found[n++].seq = seq;
		}
		closedir(dh);
	}
	qsort(found, n, sizeof(found[0]), logprep_prev_cmp);
	for (size_t i = 0; i < n && i < LOGPREP_PREVIOUS; i++) {
		char path[LOGPREP_LINE], date[11];
		char *title;

		if (snprintf(path, sizeof(path), "%s/%s", dir, found[i].name) >= (int)sizeof(path))
			continue;
		snprintf(date, sizeof(date), "%.10s", found[i].name);
		title = logprep_read_title(path);
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:s?}", RECORD_DATE, date, RECORD_PATH,
						found[i].name, RECORD_TITLE, title));
		if (i == 0)
			logprep_read_carried(path, carried);
		free(title);
	}
	json_object_set_new(record, RECORD_PREVIOUS_LOGS, list);
	json_object_set_new(record, RECORD_CARRIED_TODOS, carried);
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

static bool logprep_ref_known(json_t *refs, const char *text)
{
	size_t i;
	json_t *v;

	json_array_foreach(refs, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, RECORD_TEXT)), text) == 0)
			return true;
	}
	return false;
}

static void logprep_add_ref(json_t *refs, const char *text, const char *web, const char *owner_repo,
			    const char *num)
{
	char url[1200];

	if (logprep_ref_known(refs, text) || json_array_size(refs) >= LOGPREP_MAX_REFS)
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
	json_array_append_new(
	    refs, json_pack("{s:s, s:s?}", RECORD_TEXT, text, RECORD_URL, url[0] ? url : NULL));
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
			logprep_add_ref(refs, ref, web, owner_repo, num);
		} else {
			snprintf(ref, sizeof(ref), "%s%s", *p == 'G' ? "GH-" : "#", num);
			logprep_add_ref(refs, ref, web, NULL, num);
		}
		p = hash + nd;
	}
}

/*
 * The origin's URL read straight from the config: git_remote_lookup would apply insteadOf rules
 * through libgit2 1.5's regex matching, which leaks PCRE2 match data on every non-match.
 */
static char *logprep_origin_web(const char *root)
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

static void logprep_refs(json_t *record)
{
	json_t *list = json_array(), *c;
	json_t *commits =
	    json_object_get(json_object_get(record, RECORD_STATS), RECORD_COMMIT_LIST);
	const char *root = json_string_value(json_object_get(record, RECORD_REPO));
	char *web = root ? logprep_origin_web(root) : NULL;
	size_t i;

	logprep_find_refs(json_string_value(json_object_get(record, RECORD_BRANCH)), web, list);
	logprep_find_refs(json_string_value(json_object_get(record, RECORD_BRANCH_END)), web, list);
	json_array_foreach(commits, i, c)
	{
		logprep_find_refs(json_string_value(json_object_get(c, RECORD_SUBJECT)), web, list);
	}
	json_object_set_new(record, RECORD_REFS, list);
	free(web);
}

/* The TODO lines the session added and the paths of its commits, into "stats" (gitstats). */
static void logprep_git_extras(json_t *record)
{
	const char *root = json_string_value(json_object_get(record, RECORD_REPO));
	const char *tree_hex = json_string_value(json_object_get(record, RECORD_BASELINE_TREE));
	const char *log_dir = json_string_value(json_object_get(record, RECORD_LOG_DIR));
	json_t *stats = json_object_get(record, RECORD_STATS);
	char err[512];

	if (!root || !tree_hex || !json_is_object(stats))
		return;
	if (gitstats_extras_fill(root, tree_hex, log_dir, stats, err, sizeof(err)) < 0)
		log_debug("logprep: %s", err);
}

void logprep_fill(json_t *record, const char *dir)
{
	logprep_previous_logs(record, dir);
	logprep_refs(record);
	logprep_git_extras(record);
}
