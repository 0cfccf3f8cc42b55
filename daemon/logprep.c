#include "logprep.h"

#include <ctype.h>
#include <errno.h>
#include <git2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fileio.h"
#include "gitstats_extras.h"
#include "gitstats_lg2env.h"
#include "log.h"
#include "record.h"
#include "status_snap.h"
#include "store.h"
#include "store_read.h"

#define LOGPREP_PREVIOUS 3
/* Previous sessions looked at to find three logs still in place. */
#define LOGPREP_LOOKBACK    20
#define LOGPREP_MAX_CARRIED 50
#define LOGPREP_MAX_REFS    50
#define LOGPREP_LINE	    4096
/* A previous log is read up to this size: its title and its open items are near the top. */
#define LOGPREP_MAX_LOG (4 << 20)

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

/* The whole file (up to LOGPREP_MAX_LOG), NUL-terminated, malloc'd; NULL with *err = errno. */
static char *logprep_read_file(const char *path, int *err)
{
	int fd = fileio_open_regular(path); /* a FIFO put there would block the worker */
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	struct stat sb;
	size_t cap, n;
	char *buf;

	if (!f) {
		*err = fd < 0 ? -fd : errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (fstat(fileno(f), &sb) < 0) {
		*err = errno;
		fclose(f);
		return NULL;
	}
	cap = sb.st_size < LOGPREP_MAX_LOG ? (size_t)sb.st_size : LOGPREP_MAX_LOG;
	buf = malloc(cap + 1);
	if (!buf) {
		*err = ENOMEM;
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		*err = EIO;
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

static char *logprep_read_title(const char *text)
{
	size_t n;

	if (strncmp(text, "# Session: ", 11) != 0)
		return NULL;
	n = strcspn(text + 11, "\n");
	return n > 0 && n < LOGPREP_LINE ? strndup(text + 11, n) : NULL;
}

static const char *const logprep_priorities[] = {"high", "medium", "low", "blocked"};

/* One of logprep_priorities for a priority's name, else medium. */
static const char *logprep_priority_of(const char *name)
{
	for (size_t i = 0; name && i < 4; i++)
		if (strcmp(name, logprep_priorities[i]) == 0)
			return logprep_priorities[i];
	return "medium";
}

/* The priority a heading gives the items under it ("### High Priority"), or NULL. */
static const char *logprep_heading_priority(const char *p)
{
	while (*p == '#')
		p++;
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < 4; i++) {
		size_t k = strlen(logprep_priorities[i]);

		if (strncasecmp(p, logprep_priorities[i], k) == 0 && !isalnum((unsigned char)p[k]))
			return logprep_priorities[i];
	}
	return NULL;
}

/* The label the log puts after an item of another priority than medium (docs/templates.md). */
static const char *logprep_label_priority(const char *body, size_t *len)
{
	static const char *const labels[] = {" (high priority)", " (medium priority)",
					     " (low priority)", " (blocked)"};

	for (size_t i = 0; i < 4; i++) {
		size_t k = strlen(labels[i]);

		if (*len > k && memcmp(body + *len - k, labels[i], k) == 0) {
			*len -= k;
			return logprep_priorities[i];
		}
	}
	return NULL;
}

static bool logprep_item_known(json_t *items, const char *md)
{
	size_t i;
	json_t *v;

	json_array_foreach(items, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, RECORD_MARKDOWN)), md) == 0)
			return true;
	}
	return false;
}

/* One line: an unchecked "- [ ] " item (not a template prompt) appended to items. */
static void logprep_open_item(const char *line, size_t n, const char *heading, json_t *items)
{
	const char *body, *pri;
	size_t len;
	char *md;

	while (n > 0 && *line == ' ')
		line++, n--;
	if (n <= 6 || strncmp(line, "- [ ] ", 6) != 0 || line[6] == '[')
		return;
	body = line + 6;
	len = n - 6;
	while (len > 0 && (body[len - 1] == ' ' || body[len - 1] == '\t' || body[len - 1] == '\r'))
		len--;
	pri = logprep_label_priority(body, &len);
	if (len == 0 || !(md = strndup(body, len)))
		return;
	if (!logprep_item_known(items, md))
		json_array_append_new(items,
				      json_pack("{s:s, s:s}", RECORD_MARKDOWN, md, RECORD_PRIORITY,
						pri	  ? pri
						: heading ? heading
							  : "medium"));
	free(md);
}

json_t *logprep_open_items(const char *text)
{
	json_t *items = json_array();
	const char *heading = NULL;
	bool fence = false;

	for (const char *p = text;
	     items && p && *p && json_array_size(items) < LOGPREP_MAX_CARRIED;) {
		size_t n = strcspn(p, "\n");

		if (strncmp(p, "```", 3) == 0 || strncmp(p, "~~~", 3) == 0)
			fence = !fence;
		else if (!fence && *p == '#')
			heading = logprep_heading_priority(p);
		else if (!fence && n < LOGPREP_LINE)
			logprep_open_item(p, n, heading, items);
		p += n + (p[n] == '\n');
	}
	return items;
}

/* Items from the store's record: objects with a "markdown" text, at most LOGPREP_MAX_CARRIED. */
static json_t *logprep_handoff_items(json_t *row)
{
	const char *text = json_string_value(json_object_get(row, "handoff"));
	json_t *all, *items, *v;
	json_error_t jerr;
	size_t i;

	if (!text)
		return NULL;
	all = json_loads(text, 0, &jerr);
	if (!json_is_array(all)) {
		log_warnx("logprep: cannot read the open todos of session %lld from the store: %s",
			  (long long)json_integer_value(json_object_get(row, "id")),
			  all ? "not a list" : jerr.text);
		json_decref(all);
		return NULL;
	}
	items = json_array();
	json_array_foreach(all, i, v)
	{
		const char *md = json_string_value(json_object_get(v, RECORD_MARKDOWN));
		const char *pri = json_string_value(json_object_get(v, RECORD_PRIORITY));

		if (!items || json_array_size(items) >= LOGPREP_MAX_CARRIED)
			break;
		if (md && *md)
			json_array_append_new(items,
					      json_pack("{s:s, s:s}", RECORD_MARKDOWN, md,
							RECORD_PRIORITY, logprep_priority_of(pri)));
	}
	json_decref(all);
	return items;
}

/*
 * What the newest previous log leaves open: its unchecked items as the file says (the user may
 * have ticked some); when the file is gone or unreadable, the store's record of them, and the
 * record's "previous_missing" says so.
 */
static json_t *logprep_carry(json_t *record, json_t *row, const char *path, const char *text,
			     int err)
{
	json_t *items;

	if (text)
		return logprep_open_items(text);
	items = logprep_handoff_items(row);
	log_info("logprep: previous log %s: %s; %s", path, strerror(err),
		 items ? "its open todos are carried from the store" : "no open todos carried");
	json_object_set_new(record, RECORD_PREVIOUS_MISSING,
			    json_pack("{s:s, s:s, s:b, s:b}", RECORD_PATH, path, RECORD_ERROR,
				      strerror(err), RECORD_GONE, err == ENOENT || err == ENOTDIR,
				      RECORD_FROM_STORE, items != NULL));
	return items ? items : json_array();
}

static bool logprep_path_listed(json_t *list, const char *path)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, RECORD_PATH)), path) == 0)
			return true;
	}
	return false;
}

/* A previous log still in place, for the links: absolute path, date, title. */
static void logprep_list_log(json_t *list, const char *path, const char *text)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char date[11] = "", *title = logprep_read_title(text);

	if (logprep_name_seq(base) > 0)
		snprintf(date, sizeof(date), "%.10s", base);
	json_array_append_new(list,
			      json_pack("{s:s?, s:s, s:s?}", RECORD_DATE, date[0] ? date : NULL,
					RECORD_PATH, path, RECORD_TITLE, title));
	free(title);
}

/* Previous logs and carried todos from the sessions the store knows for this repository; when
 * shared, only logs inside it are linked. */
static void logprep_previous_logs(json_t *record, const struct store *st, bool shared)
{
	const char *root = json_string_value(json_object_get(record, RECORD_REPO));
	json_t *id = json_object_get(record, RECORD_ID);
	json_t *prev = NULL, *list = json_array(), *carried = NULL, *row;
	char err[512];
	size_t i;

	if (root && st &&
	    store_previous_logs(st, root, json_is_integer(id) ? json_integer_value(id) : INT64_MAX,
				LOGPREP_LOOKBACK, &prev, err, sizeof(err)) < 0)
		log_warnx("logprep: %s", err);
	json_array_foreach(prev, i, row)
	{
		const char *path = json_string_value(json_object_get(row, "log"));
		int e = 0;
		char *text;

		if (!path || path[0] != '/')
			continue;
		text = logprep_read_file(path, &e);
		if (i == 0)
			carried = logprep_carry(record, row, path, text, e);
		if (text && list && json_array_size(list) < LOGPREP_PREVIOUS &&
		    !logprep_path_listed(list, path) && (!shared || status_snap_inside(path, root)))
			logprep_list_log(list, path, text);
		free(text);
		if (json_array_size(list) >= LOGPREP_PREVIOUS)
			break;
	}
	json_decref(prev);
	json_object_set_new(record, RECORD_PREVIOUS_LOGS, list);
	json_object_set_new(record, RECORD_CARRIED_TODOS, carried ? carried : json_array());
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

	/* Not a repository libgit2 would leak on (gitstats_lg2env_format_version). */
	if (gitstats_lg2env_format_version(root) < 1 &&
	    git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0 &&
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

void logprep_share(json_t *record)
{
	const char *root = json_string_value(json_object_get(record, RECORD_REPO));
	json_t *list = json_object_get(record, RECORD_PREVIOUS_LOGS);

	for (size_t i = 0; root && i < json_array_size(list);) {
		const char *path =
		    json_string_value(json_object_get(json_array_get(list, i), RECORD_PATH));

		if (path && status_snap_inside(path, root))
			i++;
		else
			json_array_remove(list, i);
	}
}

void logprep_fill(json_t *record, const struct store *st, bool shared)
{
	logprep_previous_logs(record, st, shared);
	logprep_refs(record);
	logprep_git_extras(record);
}
