#include "store_check.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "store.h"
#include "store_backup.h"

/* What one check found: each problem is printed as found, and counted. */
struct store_check {
	FILE *out;
	int problems;
};

static void store_check_problem(struct store_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void store_check_problem(struct store_check *c, const char *fmt, ...)
{
	va_list ap;

	fputs("  problem: ", c->out);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
	c->problems++;
}

/*
 * The file itself, never opened in a way that blocks. Returns 1 when SQLite may open it, 0
 * when there is no store yet, -1 when it is not a store SQLite should see (problem noted).
 */
static int store_check_file(struct store_check *c, const char *path)
{
	char wal[PATH_MAX];
	struct stat st, ws;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT) {
			fprintf(c->out, "  no store yet: stintd makes one at its first start\n");
			return 0;
		}
		store_check_problem(c, "cannot look at it: %s", strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
		store_check_problem(c, "it is not a regular file (%s); stintd refuses it",
				    S_ISDIR(st.st_mode)	   ? "a directory"
				    : S_ISLNK(st.st_mode)  ? "a symlink"
				    : S_ISFIFO(st.st_mode) ? "a FIFO"
							   : "a device or socket");
		return -1;
	}
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (st.st_size == 0 && !(lstat(wal, &ws) == 0 && ws.st_size > 0)) {
		store_check_problem(c, "it is empty (zero length): its sessions are gone");
		return -1;
	}
	fd = fileio_open_regular(path);
	if (fd < 0) {
		store_check_problem(c, "it cannot be read: %s", strerror(-fd));
		return -1;
	}
	close(fd);
	return 1;
}

/* Runs a query whose rows are one line of text each: problems, or notes. */
static void store_check_rows(struct store_check *c, sqlite3 *db, const char *sql, bool problem)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_check_problem(c, "cannot read it: %s", sqlite3_errmsg(db));
		return;
	}
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(s, 0);

		if (problem)
			store_check_problem(c, "%s", line ? line : "?");
		else
			fprintf(c->out, "  %s\n", line ? line : "?");
	}
	if (r != SQLITE_DONE)
		store_check_problem(c, "cannot read it: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
}

/* The schema version against what this stintd knows. */
static void store_check_version(struct store_check *c, sqlite3 *db)
{
	sqlite3_stmt *s;
	int v;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		store_check_problem(c, "its schema version cannot be read: %s", sqlite3_errmsg(db));
		sqlite3_finalize(s);
		return;
	}
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v > STORE_SCHEMA_VERSION)
		store_check_problem(c, "its schema version %d is newer than this stint knows (%d)",
				    v, STORE_SCHEMA_VERSION);
	else if (v < STORE_SCHEMA_VERSION)
		fprintf(c->out, "  schema version %d: stintd migrates it to %d at its next start\n",
			v, STORE_SCHEMA_VERSION);
	else
		fprintf(c->out, "  schema version %d\n", v);
}

/* SQLite's and stint's own checks of a store that opens. */
static void store_check_db(struct store_check *c, const char *path)
{
	char err[1024];
	sqlite3 *db = NULL;

	if (store_backup_verify(path, err, sizeof(err)) < 0)
		store_check_problem(c, "it is damaged: %s", err);
	else
		fprintf(c->out, "  SQLite's integrity check: ok\n");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		store_check_problem(c, "it cannot be opened: %s",
				    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, 5000);
	store_check_version(c, db);
	store_check_rows(c, db,
			 "SELECT printf('session %d in %s is open but has no events', id, repo) "
			 "FROM sessions s WHERE state = 'open' AND NOT EXISTS "
			 "(SELECT 1 FROM events e WHERE e.session_id = s.id)",
			 true);
	store_check_rows(
	    c, db,
	    "SELECT printf('%d sessions are open in %s, where one may be', count(*), "
	    "repo) FROM sessions WHERE state = 'open' GROUP BY repo HAVING count(*) > 1",
	    true);
	/* Before schema 5 there is no damaged column: that query fails, and says nothing. */
	if (sqlite3_exec(db, "SELECT damaged FROM sessions LIMIT 0", NULL, NULL, NULL) == SQLITE_OK)
		store_check_rows(
		    c, db,
		    "SELECT printf('session %d in %s was closed as damaged at a start: %s', "
		    "id, repo, damaged) FROM sessions WHERE damaged IS NOT NULL ORDER BY id",
		    false);
	sqlite3_close(db);
}

/* Each backup, newest first, with its date and whether it is good. The newest good one's path
 * goes to good (empty when none). */
static void store_check_backups(struct store_check *c, const char *db_path, char *good, size_t n)
{
	json_t *list = store_backup_list(db_path), *b;
	char dir[PATH_MAX], err[1024], when[64];
	size_t i;

	good[0] = '\0';
	store_backup_dir(db_path, dir, sizeof(dir));
	if (json_array_size(list) == 0)
		fprintf(c->out, "backups in %s: none yet\n", dir);
	else
		fprintf(c->out, "backups in %s, newest first:\n", dir);
	json_array_foreach(list, i, b)
	{
		const char *path = json_string_value(json_object_get(b, "path"));
		time_t t = (time_t)(json_integer_value(json_object_get(b, "time")) / 1000);
		struct tm tm;
		bool ok = store_backup_verify(path, err, sizeof(err)) == 0;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		fprintf(c->out, "  %s  %s  %s%s\n", path, when,
			ok ? "good" : "damaged: ", ok ? "" : err);
		if (ok && !good[0])
			snprintf(good, n, "%s", path);
	}
	json_decref(list);
}

/* The store's checks; returns its problems' count, with the newest good backup in good. */
static int store_check_all(const char *db_path, FILE *out, char *good, size_t n, int *file)
{
	struct store_check c = {.out = out};

	fprintf(out, "store %s:\n", db_path);
	*file = store_check_file(&c, db_path);
	if (*file > 0)
		store_check_db(&c, db_path);
	store_check_backups(&c, db_path, good, n);
	return c.problems;
}

int store_check_run(const char *db_path, FILE *out)
{
	char good[PATH_MAX];
	int file, problems = store_check_all(db_path, out, good, sizeof(good), &file);

	if (!problems) {
		fprintf(out, "%s: healthy\n", db_path);
		return 0;
	}
	if (good[0])
		fprintf(out,
			"%s: damaged (%d problem%s); 'stint doctor --restore' keeps it aside and "
			"puts the newest good backup, %s, in its place\n",
			db_path, problems, problems == 1 ? "" : "s", good);
	else
		fprintf(out, "%s: damaged (%d problem%s), and there is no good backup\n", db_path,
			problems, problems == 1 ? "" : "s");
	return 1;
}

/* Renames path (and its -wal, -shm, -journal) to aside (with the same suffixes). */
static int store_check_move_aside(const char *path, const char *aside)
{
	static const char *const suffix[] = {"-wal", "-shm", "-journal"};
	char from[PATH_MAX], to[PATH_MAX];

	if (rename(path, aside) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
		snprintf(from, sizeof(from), "%s%s", path, suffix[i]);
		snprintf(to, sizeof(to), "%s%s", aside, suffix[i]);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* The renames last across a power cut once the directory is synced. */
static void store_check_sync_dir(const char *db_path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(db_path, '/');
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - db_path) : 1,
		 slash ? db_path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int store_check_restore(const char *db_path, FILE *out)
{
	char good[PATH_MAX], tmp[PATH_MAX], aside[PATH_MAX], stamp[32], err[1024];
	time_t now = time(NULL);
	int file, r, problems = store_check_all(db_path, out, good, sizeof(good), &file);
	struct tm tm;

	if (!problems) {
		fprintf(out, "%s: healthy; nothing to restore\n", db_path);
		return 0;
	}
	if (!good[0]) {
		fprintf(out, "%s: damaged, and there is no good backup; nothing was changed\n",
			db_path);
		return 1;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(tmp, sizeof(tmp), "%s.restoring", db_path);
	snprintf(aside, sizeof(aside), "%s.damaged-%s", db_path, stamp);
	unlink(tmp);
	/* The copy is made and checked first: a failure leaves everything where it was. */
	if (store_backup_copy(good, tmp, err, sizeof(err)) < 0) {
		fprintf(out, "cannot copy %s: %s; nothing was changed\n", good, err);
		return 1;
	}
	if (file != 0 && (r = store_check_move_aside(db_path, aside)) < 0) {
		fprintf(out, "cannot move %s aside: %s; nothing was changed\n", db_path,
			strerror(-r));
		unlink(tmp);
		return 1;
	}
	if (rename(tmp, db_path) < 0) {
		fprintf(out, "cannot put %s in place: %s; the damaged store is at %s\n", tmp,
			strerror(errno), aside);
		return 1;
	}
	store_check_sync_dir(db_path);
	if (file != 0)
		fprintf(out, "moved the damaged store aside to %s (kept: remove it yourself)\n",
			aside);
	fprintf(out,
		"restored %s as %s: what was recorded after that backup was made is not in it\n",
		good, db_path);
	return 0;
}
