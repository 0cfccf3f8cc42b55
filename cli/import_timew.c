#include "import_timew.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "utf8.h"

/* A line of a data file holds at most this many tags (far more than a session takes). */
#define IMPORT_TIMEW_MAX_TOKENS 256

/* 20261201T090000Z, UTC, as Timewarrior writes it. Returns 0, or -1. */
static int import_timew_date(const char *s, int64_t *ms)
{
	struct tm tm = {0}, back;
	time_t t;

	if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return -1;
	if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	t = timegm(&tm);
	/* timegm normalises 2026-02-30 to March: a date that does not exist is refused. */
	if (t == (time_t)-1 || tm.tm_year != back.tm_year || tm.tm_mon != back.tm_mon ||
	    tm.tm_mday != back.tm_mday || tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min ||
	    tm.tm_sec != back.tm_sec || t < 0)
		return -1;
	*ms = (int64_t)t * 1000;
	return 0;
}

/* The source key: both ends spelled out, the tags as a 64-bit FNV-1a hash of their JSON. */
static void import_timew_key(const char *start, const char *end, const char *const *tags,
			     size_t ntags, char *buf, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	json_t *arr = json_array();
	char *text;

	for (size_t i = 0; arr && i < ntags; i++)
		json_array_append_new(arr, json_string(tags[i]));
	text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	for (const char *p = text ? text : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	free(text);
	json_decref(arr);
	snprintf(buf, n, "timew:%s/%s/%016llx", start, end ? end : "-", (unsigned long long)h);
}

static int import_timew_add(struct import_items *it, const char *where, const char *start,
			    const char *end, const char *const *tags, size_t ntags,
			    const char *annotation)
{
	int64_t s, e = -1;
	char key[128];

	if (import_timew_date(start, &s) < 0) {
		snprintf(it->err, sizeof(it->err),
			 "%s: bad start date '%.40s' (want a date that exists, in the form "
			 "YYYYMMDDTHHMMSSZ)",
			 where, start);
		return -1;
	}
	if (end && import_timew_date(end, &e) < 0) {
		snprintf(it->err, sizeof(it->err),
			 "%s: bad end date '%.40s' (want a date that exists, in the form "
			 "YYYYMMDDTHHMMSSZ)",
			 where, end);
		return -1;
	}
	if (end && e < s) {
		snprintf(it->err, sizeof(it->err),
			 "%s: the interval ends (%s) before it starts (%s)", where, end, start);
		return -1;
	}
	import_timew_key(start, end, tags, ntags, key, sizeof(key));
	/* Timewarrior sorts tags: --repo names the repository, every other tag is the session's. */
	if (it->repo) {
		const char *rest[IMPORT_TIMEW_MAX_TOKENS];
		size_t n = 0;

		for (size_t i = 0; i < ntags && n < IMPORT_TIMEW_MAX_TOKENS; i++)
			if (strcmp(tags[i], it->repo) != 0)
				rest[n++] = tags[i];
		return import_items_add(it, where, s, e, it->repo, rest, n, annotation, key);
	}
	return import_items_add(it, where, s, e, ntags ? tags[0] : NULL, tags + (ntags ? 1 : 0),
				ntags ? ntags - 1 : 0, annotation, key);
}

/* The JSON of 'timew export'. */
static int import_timew_json(struct import_items *it, const char *path, const char *text,
			     size_t len)
{
	const char *name = path, *key; /* as given, as a compiler names it */
	size_t nel, *lines = NULL, i, k;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), *iv, *v;
	char where[512];
	int rc = -1;

	if (!root) {
		snprintf(it->err, sizeof(it->err), "%s:%d: not valid JSON: %s", name, jerr.line,
			 jerr.text);
		return -1;
	}
	if (!json_is_array(root)) {
		snprintf(it->err, sizeof(it->err),
			 "%s:1: not a 'timew export' file: a JSON array of intervals is expected",
			 name);
		goto out;
	}
	nel = json_array_size(root);
	if (!(lines = calloc(nel + 1, sizeof(*lines))))
		goto oom;
	import_json_element_lines(text, len, lines, nel);
	json_array_foreach(root, i, iv)
	{
		const char *tags[IMPORT_TIMEW_MAX_TOKENS];
		const char *start, *end = NULL, *ann = NULL;
		size_t ntags = 0;

		snprintf(where, sizeof(where), "%s:%zu", name, lines[i]);
		if (!json_is_object(iv)) {
			snprintf(it->err, sizeof(it->err), "%s: interval %zu is not a JSON object",
				 where, i + 1);
			goto out;
		}
		json_object_foreach(iv, key, v)
		{
			bool ok = (strcmp(key, "id") == 0 && json_is_integer(v)) ||
				  ((strcmp(key, "start") == 0 || strcmp(key, "end") == 0 ||
				    strcmp(key, "annotation") == 0) &&
				   json_is_string(v)) ||
				  (strcmp(key, "tags") == 0 && json_is_array(v));

			if (!ok) {
				snprintf(
				    it->err, sizeof(it->err),
				    "%s: interval %zu: \"%.32s\" is not a field 'timew export' "
				    "writes, or not of its type",
				    where, i + 1, key);
				goto out;
			}
		}
		if (!(start = json_string_value(json_object_get(iv, "start")))) {
			snprintf(it->err, sizeof(it->err), "%s: interval %zu has no start", where,
				 i + 1);
			goto out;
		}
		end = json_string_value(json_object_get(iv, "end"));
		ann = json_string_value(json_object_get(iv, "annotation"));
		json_array_foreach(json_object_get(iv, "tags"), k, v)
		{
			if (!json_is_string(v) || ntags == IMPORT_TIMEW_MAX_TOKENS) {
				snprintf(it->err, sizeof(it->err),
					 "%s: interval %zu: tag %zu is not a string (or there are "
					 "more than %d tags)",
					 where, i + 1, k + 1, IMPORT_TIMEW_MAX_TOKENS);
				goto out;
			}
			tags[ntags++] = json_string_value(v);
		}
		if (import_timew_add(it, where, start, end, tags, ntags, ann) < 0)
			goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(it->err, sizeof(it->err), "%s: out of memory", name);
out:
	free(lines);
	json_decref(root);
	return rc;
}

/*
 * The tokens of a data line after "inc", in place: bare words, or "quoted" with \" inside.
 * quoted[i] says which were quoted (a quoted "#" is a tag, a bare one a separator). Returns the
 * count, or -1 when a quote is not closed.
 */
static int import_timew_tokens(char *s, char **tok, bool *quoted, int max)
{
	int n = 0;

	while (*s) {
		char *out;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (n == max)
			return -1;
		quoted[n] = *s == '"';
		if (!quoted[n]) {
			tok[n++] = s;
			s += strcspn(s, " ");
			if (*s)
				*s++ = '\0';
			continue;
		}
		tok[n++] = out = ++s;
		for (;; s++) {
			if (!*s)
				return -1;
			if (*s == '\\' && s[1] == '"')
				s++;
			else if (*s == '"')
				break;
			*out++ = *s;
		}
		*out = '\0';
		s++;
		if (*s && *s != ' ')
			return -1;
	}
	return n;
}

/* "inc START [- END] [# TAG... [# ANNOTATION]]", as Timewarrior 1.4 writes it. */
static int import_timew_line(struct import_items *it, const char *where, char *line)
{
	char *tok[IMPORT_TIMEW_MAX_TOKENS];
	bool quoted[IMPORT_TIMEW_MAX_TOKENS];
	const char *end = NULL, *ann = NULL;
	int n, i = 1, t0;
	uint32_t cp;

	for (size_t k = 0, len = strlen(line), m; k < len; k += m)
		if (!(m = utf8_decode((unsigned char *)line + k, len - k, &cp))) {
			snprintf(it->err, sizeof(it->err), "%s: not valid UTF-8", where);
			return -1;
		}
	if (strncmp(line, "inc ", 4) != 0 ||
	    (n = import_timew_tokens(line + 4, tok, quoted, IMPORT_TIMEW_MAX_TOKENS)) < 1)
		goto bad;
	if (i + 1 < n && !quoted[i] && strcmp(tok[i], "-") == 0) {
		end = tok[i + 1];
		i += 2;
	}
	if (i < n && (quoted[i] || strcmp(tok[i], "#") != 0))
		goto bad;
	t0 = ++i;
	while (i < n && (quoted[i] || strcmp(tok[i], "#") != 0))
		i++;
	if (i < n) {
		/* "# TAGS # ANNOTATION": the annotation is one quoted token, the last. */
		if (i + 2 != n || !quoted[i + 1])
			goto bad;
		ann = tok[i + 1];
	}
	return import_timew_add(it, where, tok[0], end,
				(const char *const *)tok + (t0 < n ? t0 : n),
				(size_t)(i > t0 ? i - t0 : 0), ann);
bad:
	snprintf(it->err, sizeof(it->err),
		 "%s: not a line Timewarrior writes (want: inc START [- END] [# TAGS [# "
		 "\"ANNOTATION\"]])",
		 where);
	return -1;
}

/* A data file of the directory given: named by its file name in messages ("2026-11.data:6"). */
static int import_timew_data_file(struct import_items *it, const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len, lineno = 0;
	char *text = import_read_file(it, path, &len), *line, *next, where[512];

	if (!text)
		return -1;
	if (memchr(text, '\0', len)) {
		snprintf(it->err, sizeof(it->err),
			 "%s: holds a NUL byte: not a Timewarrior data file", name);
		free(text);
		return -1;
	}
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (!*line)
			continue;
		snprintf(where, sizeof(where), "%s:%zu", name, lineno);
		if (import_timew_line(it, where, line) < 0) {
			free(text);
			return -1;
		}
	}
	free(text);
	return 0;
}

/* YYYY-MM.data: Timewarrior's files of intervals (tags.data and undo.data are not). */
static int import_timew_is_data(const struct dirent *e)
{
	const char *s = e->d_name;

	return strlen(s) == 12 && strcmp(s + 7, ".data") == 0 && s[4] == '-' &&
	       strspn(s, "0123456789") == 4 && strspn(s + 5, "0123456789") == 2;
}

static int import_timew_dir(struct import_items *it, const char *path, bool top)
{
	struct dirent **names = NULL;
	char file[4096];
	struct stat st;
	int n = scandir(path, &names, import_timew_is_data, alphasort), rc = 0;

	if (n < 0) {
		snprintf(it->err, sizeof(it->err), "%s: cannot read the directory: %m", path);
		return -1;
	}
	/* $TIMEWARRIORDB itself rather than its data/: read that, as timew does. */
	if (n == 0 && top && snprintf(file, sizeof(file), "%s/data", path) < (int)sizeof(file) &&
	    stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(names);
		return import_timew_dir(it, file, false);
	}
	if (n == 0) {
		snprintf(it->err, sizeof(it->err),
			 "%s: no Timewarrior data files (YYYY-MM.data) in this directory", path);
		rc = -1;
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
			rc = import_timew_data_file(it, file);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int import_timew_path(struct import_items *it, const char *path)
{
	struct stat st;
	size_t len;
	char *text;
	int rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return import_timew_dir(it, path, true);
	if (!(text = import_read_file(it, path, &len)))
		return -1;
	rc = import_timew_json(it, path, text, len);
	free(text);
	return rc;
}
