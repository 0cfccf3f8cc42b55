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

/* A session read, kept until the walk is done: a newer copy of its log may replace it. */
struct report_logs_rec {
	char *path;
	int64_t written;
	char *blob; /* its strings, or NULL when it is not in the report (range, tags) */
	struct report_item it;
	const char *tags[RECORD_LINE_MAX_TAGS];
};

/* One walk: the sessions (store/id → index in recs), what was skipped and copied. */
struct report_logs_walk {
	struct report_group *g;
	int64_t from, to;
	const char *const *tags;
	size_t ntags;
	json_t *seen, *skipped, *duplicates;
	struct report_logs_rec *recs;
	size_t nrecs, cap;
	json_int_t files;
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

/* A copy of what the report needs of r (its strings in one block), or of its key alone when
 * it is not wanted. Returns 0, or -1 when out of memory. */
static int report_logs_keep(struct report_logs_rec *k, const char *path,
			    const struct record_line *r, bool wanted)
{
	const char *src[4 + RECORD_LINE_MAX_TAGS + 1] = {r->repo, r->branch, r->focus, r->author};
	const char **dst[4 + RECORD_LINE_MAX_TAGS + 1] = {&k->it.repo, &k->it.branch, &k->it.focus,
							  &k->it.author};
	size_t n = 4, len = 0;
	char *p;

	memset(k, 0, sizeof(*k));
	k->written = r->written_ms;
	if (!(k->path = strdup(path)))
		return -1;
	if (!wanted)
		return 0;
	for (size_t i = 0; i < r->ntags; i++) {
		src[n] = r->tags[i];
		dst[n++] = &k->tags[i];
	}
	src[n] = r->spans;
	dst[n++] = &k->it.spans;
	for (size_t i = 0; i < n; i++)
		len += src[i] ? strlen(src[i]) + 1 : 0;
	if (!(k->blob = p = malloc(len + 1)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!src[i])
			continue;
		*dst[i] = memcpy(p, src[i], strlen(src[i]) + 1);
		p += strlen(src[i]) + 1;
	}
	k->it.tags = k->tags;
	k->it.ntags = r->ntags;
	k->it.started_ms = r->start_ms;
	k->it.ended_ms = r->end_ms;
	k->it.active_s = r->active_s;
	k->it.commits = r->commits;
	k->it.files = r->files;
	k->it.added = r->added;
	k->it.removed = r->removed;
	return 0;
}

static void report_logs_rec_finish(struct report_logs_rec *k)
{
	free(k->path);
	free(k->blob);
	memset(k, 0, sizeof(*k));
}

/* A copy of a session's log: which one is not counted; "of" is filled in at the end. */
static int report_logs_copy(struct report_logs_walk *w, const char *path, const char *key)
{
	return json_array_append_new(
	    w->duplicates, json_pack("{s:o, s:s}", "path", report_logs_text(path), "key", key));
}

/* Keeps one record, once per (store, id): of two copies, the one written later (a log written
 * again after a correction), else the first in path order. Returns 0, or -1 when out of memory. */
static int report_logs_count(struct report_logs_walk *w, const char *path,
			     const struct record_line *r)
{
	struct report_logs_rec *k;
	char key[RECORD_LINE_MAX_STORE + 32];
	const json_t *at;

	snprintf(key, sizeof(key), "%s/%lld", r->store, (long long)r->id);
	if ((at = json_object_get(w->seen, key))) {
		k = &w->recs[json_integer_value(at)];
		if (r->written_ms <= k->written)
			return report_logs_copy(w, path, key);
		if (report_logs_copy(w, k->path, key) < 0)
			return -1;
		report_logs_rec_finish(k);
		return report_logs_keep(k, path, r, report_logs_wanted(w, r));
	}
	if (w->nrecs == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct report_logs_rec *p = realloc(w->recs, cap * sizeof(*p));

		if (!p)
			return -1;
		w->recs = p;
		w->cap = cap;
	}
	k = &w->recs[w->nrecs++];
	if (report_logs_keep(k, path, r, report_logs_wanted(w, r)) < 0 ||
	    json_object_set_new(w->seen, key, json_integer((json_int_t)(w->nrecs - 1))) < 0)
		return -1;
	return 0;
}

/* The walk is done: each session kept goes into the report once, and each copy names the log
 * that counted. Returns 0, or -1 when out of memory. */
static int report_logs_finish_walk(struct report_logs_walk *w)
{
	json_int_t id = 0;
	json_t *d;
	size_t i;

	for (i = 0; i < w->nrecs; i++) {
		if (!w->recs[i].blob)
			continue;
		/* The grouping counts a session once by its id; ids repeat across stores, so each
		 * session read gets its own. */
		w->recs[i].it.id = ++id;
		if (report_group_add(w->g, &w->recs[i].it) < 0)
			return -1;
	}
	json_array_foreach(w->duplicates, i, d)
	{
		const json_t *at =
		    json_object_get(w->seen, json_string_value(json_object_get(d, "key")));

		if (json_object_set_new(d, "of",
					report_logs_text(w->recs[json_integer_value(at)].path)) < 0)
			return -1;
		json_object_del(d, "key");
	}
	return 0;
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
	if (rc == 0)
		rc = report_logs_finish_walk(&w);
	if (rc < 0 || !w.seen || !w.skipped || !w.duplicates)
		snprintf(err, errn, "out of memory");
	else
		out = report_logs_result(&w, path);
out:
	for (size_t i = 0; i < w.nrecs; i++)
		report_logs_rec_finish(&w.recs[i]);
	free(w.recs);
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
