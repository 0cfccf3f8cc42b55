#include "report_logs.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "record_line.h"
#include "utf8.h"

extern char **environ;

/* One walk: what it counted and skipped, and the sessions seen (store/id → first path). */
struct report_logs_walk {
	struct report_group *g;
	int64_t from, to;
	const char *const *tags;
	size_t ntags;
	json_t *seen, *skipped, *duplicates;
	json_int_t files, sessions;
};

/* A path (or a reason quoting a file) as JSON: it need not be UTF-8; a byte that is not shows
 * as '?'. */
static json_t *report_logs_text(const char *path)
{
	json_t *j = json_string(path);
	uint32_t cp;
	char *copy;

	if (j || !(copy = strdup(path)))
		return j;
	for (size_t i = 0, n = strlen(copy), k; i < n; i += k)
		if ((k = utf8_decode((const unsigned char *)copy + i, n - i, &cp)) == 0) {
			copy[i] = '?';
			k = 1;
		}
	j = json_string(copy);
	free(copy);
	return j;
}

static int report_logs_skip(struct report_logs_walk *w, const char *path, const char *why)
{
	return json_array_append_new(
	    w->skipped,
	    json_pack("{s:o, s:o}", "path", report_logs_text(path), "why", report_logs_text(why)));
}

/*
 * Reads the file at path into *text (malloc'd, *n bytes): a regular file of at most
 * REPORT_LOGS_MAX_FILE bytes, opened without following a link and without waiting on a FIFO.
 * Returns 0, or -1 with why.
 */
static int report_logs_slurp(const char *path, char **text, size_t *n, char *why, size_t whyn)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat sb;
	size_t got = 0;
	ssize_t r;
	char *buf;

	*text = NULL;
	if (fd < 0) {
		snprintf(why, whyn, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, whyn, "not a regular file");
		close(fd);
		return -1;
	}
	if (sb.st_size > REPORT_LOGS_MAX_FILE) {
		snprintf(why, whyn, "too large (%lld bytes; a log is at most %d)",
			 (long long)sb.st_size, REPORT_LOGS_MAX_FILE);
		close(fd);
		return -1;
	}
	/* One byte more than fstat said tells a file that grew meanwhile. */
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		snprintf(why, whyn, "out of memory");
		close(fd);
		return -1;
	}
	while (got <= (size_t)sb.st_size &&
	       (r = read(fd, buf + got, (size_t)sb.st_size + 1 - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whyn, "cannot read: %s", strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	if (got > (size_t)sb.st_size) {
		snprintf(why, whyn, "changed while it was read");
		free(buf);
		return -1;
	}
	*text = buf;
	*n = got;
	return 0;
}

/* Whether the record has a moment in the range and, with tags asked for, one of them. */
static bool report_logs_wanted(const struct report_logs_walk *w, const struct record_line *r)
{
	if (!(r->end_ms > w->from && r->start_ms < w->to))
		return false;
	if (w->ntags == 0)
		return true;
	for (size_t i = 0; i < w->ntags; i++)
		for (size_t k = 0; k < r->ntags; k++)
			if (strcmp(w->tags[i], r->tags[k]) == 0)
				return true;
	return false;
}

/* Counts one record, once per (store, id). Returns 0, or -1 when out of memory. */
static int report_logs_count(struct report_logs_walk *w, const char *path,
			     const struct record_line *r)
{
	struct report_item it = {
	    .repo = r->repo,
	    .branch = r->branch,
	    .focus = r->focus,
	    .author = r->author,
	    .tags = r->tags,
	    .ntags = r->ntags,
	    .started_ms = r->start_ms,
	    .ended_ms = r->end_ms,
	    .active_s = r->active_s,
	    .spans = r->spans,
	    .commits = r->commits,
	    .files = r->files,
	    .added = r->added,
	    .removed = r->removed,
	};
	const json_t *first;
	char key[RECORD_LINE_MAX_STORE + 32];

	snprintf(key, sizeof(key), "%s/%lld", r->store, (long long)r->id);
	if ((first = json_object_get(w->seen, key)))
		return json_array_append_new(
		    w->duplicates,
		    json_pack("{s:o, s:O}", "path", report_logs_text(path), "of", first));
	if (json_object_set_new(w->seen, key, report_logs_text(path)) < 0)
		return -1;
	if (!report_logs_wanted(w, r))
		return 0;
	/* The grouping counts a session once by its id; ids repeat across stores, so each
	 * session read gets its own. */
	it.id = ++w->sessions;
	return report_group_add(w->g, &it);
}

/* One *.md file: its record line counted, or the file skipped with why. */
static int report_logs_file(struct report_logs_walk *w, const char *path)
{
	struct record_line r;
	char why[512], err[384];
	char *text;
	size_t n;
	void *nul;
	int rc;

	w->files++;
	if (report_logs_slurp(path, &text, &n, why, sizeof(why)) < 0)
		return report_logs_skip(w, path, why);
	if ((nul = memchr(text, '\0', n))) {
		snprintf(why, sizeof(why), "binary (a NUL byte at offset %ld)",
			 (long)((char *)nul - text));
		free(text);
		return report_logs_skip(w, path, why);
	}
	/* The rest of the text is the user's, in whatever encoding: only the record line must be
	 * UTF-8, and the JSON parser checks that. */
	rc = record_line_find(text, n, &r, err, sizeof(err));
	free(text);
	if (rc == -ENOENT)
		return report_logs_skip(w, path, "no stint-record line");
	if (rc < 0) {
		snprintf(why, sizeof(why), "bad stint-record line: %s", err);
		return report_logs_skip(w, path, why);
	}
	rc = report_logs_count(w, path, &r);
	record_line_finish(&r);
	return rc;
}

static bool report_logs_is_md(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && strcmp(name + n - 3, ".md") == 0;
}

/* Files in name order, so the first copy of a log (the one counted) is always the same. */
static int report_logs_order(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* One entry of the walk. Returns 0, or -1 when out of memory. */
static int report_logs_entry(struct report_logs_walk *w, FTS *fts, FTSENT *e)
{
	char why[256];

	switch (e->fts_info) {
	case FTS_D:
		if (e->fts_level > REPORT_LOGS_MAX_DEPTH) {
			fts_set(fts, e, FTS_SKIP);
			snprintf(why, sizeof(why), "directory deeper than %d levels, not read",
				 REPORT_LOGS_MAX_DEPTH);
			return report_logs_skip(w, e->fts_path, why);
		}
		return 0;
	case FTS_DC:
		return report_logs_skip(w, e->fts_path, "directory cycle, not followed");
	case FTS_DNR:
	case FTS_ERR:
	case FTS_NS:
		snprintf(why, sizeof(why), "cannot read: %s", strerror(e->fts_errno));
		return report_logs_skip(w, e->fts_path, why);
	case FTS_SL:
	case FTS_SLNONE:
		return report_logs_skip(w, e->fts_path, "symbolic link, not followed");
	case FTS_DEFAULT:
		/* A FIFO, socket or device named like a log: never opened. */
		return report_logs_is_md(e->fts_name) || e->fts_level == 0
			   ? report_logs_skip(w, e->fts_path, "not a regular file")
			   : 0;
	case FTS_F:
		return report_logs_is_md(e->fts_name) || e->fts_level == 0
			   ? report_logs_file(w, e->fts_path)
			   : 0;
	default:
		return 0;
	}
}

static json_t *report_logs_result(struct report_logs_walk *w, const char *path)
{
	return json_pack("{s:o, s:I, s:I, s:O, s:O}", "path", report_logs_text(path), "files",
			 w->files, "sessions", (json_int_t)json_object_size(w->seen), "skipped",
			 w->skipped, "duplicates", w->duplicates);
}

json_t *report_logs_read(const char *path, struct report_group *g, int64_t from_ms, int64_t to_ms,
			 const char *const *tags, size_t ntags, char *err, size_t errn)
{
	struct report_logs_walk w = {
	    .g = g, .from = from_ms, .to = to_ms, .tags = tags, .ntags = ntags};
	char *roots[] = {(char *)path, NULL};
	json_t *out = NULL;
	struct stat sb;
	FTSENT *e;
	FTS *fts;
	int rc = 0;

	/* The path itself may be a link (a log directory kept elsewhere): it is followed. */
	if (stat(path, &sb) < 0) {
		snprintf(err, errn, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	w.seen = json_object();
	w.skipped = json_array();
	w.duplicates = json_array();
	fts = fts_open(roots, FTS_PHYSICAL | FTS_COMFOLLOW | FTS_NOCHDIR, report_logs_order);
	if (!fts) {
		snprintf(err, errn, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	while (rc == 0) {
		errno = 0;
		if (!(e = fts_read(fts))) {
			/* fts_read's own failure ends the walk: say so rather than total half. */
			if (errno)
				rc = report_logs_skip(&w, path, strerror(errno));
			break;
		}
		if (w.files >= REPORT_LOGS_MAX_FILES) {
			rc = report_logs_skip(&w, path,
					      "more than 1000000 files: the rest not read");
			break;
		}
		rc = report_logs_entry(&w, fts, e);
	}
	fts_close(fts);
	if (rc < 0 || !w.seen || !w.skipped || !w.duplicates)
		snprintf(err, errn, "out of memory");
	else
		out = report_logs_result(&w, path);
out:
	json_decref(w.seen);
	json_decref(w.skipped);
	json_decref(w.duplicates);
	return out;
}

int report_logs_default_dir(const char *dir, char *out, size_t outn, char *err, size_t errn)
{
	char exe[4096], buf[8192];
	posix_spawn_file_actions_t fa;
	int fds[2], status = 0;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	if (client_find_stintd(exe, sizeof(exe), err, errn) < 0)
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errn, "cannot run %s: %s", exe, strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	r = posix_spawn(&pid, exe, &fa, NULL, (char *[]){exe, "--log-dir", (char *)dir, NULL},
			environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r != 0) {
		close(fds[0]);
		snprintf(err, errn, "cannot run %s: %s", exe, strerror((int)r));
		return -1;
	}
	while (got < sizeof(buf) - 1 && (r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) != 0)
		if (r > 0)
			got += (size_t)r;
		else if (errno != EINTR)
			break;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf[0] != '/') {
		/* stintd said why on stderr, which is ours. */
		snprintf(err, errn, "cannot find the log directory of %s (give PATH)", dir);
		return -1;
	}
	if (snprintf(out, outn, "%s", buf) >= (int)outn) {
		snprintf(err, errn, "the log directory's path is too long");
		return -1;
	}
	return 0;
}
