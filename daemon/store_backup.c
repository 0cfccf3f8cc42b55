#include "store_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "paths.h"

/* "stint-YYYYMMDDTHHMMSSZ.db": the name's length and its time format. */
#define STORE_BACKUP_NAME_LEN 25
#define STORE_BACKUP_TIME_FMT "stint-%Y%m%dT%H%M%SZ.db"

int store_backup_dir(const char *db_path, char *buf, size_t n)
{
	const char *slash = strrchr(db_path, '/');
	int len = slash ? (int)(slash - db_path) : 1;

	if (snprintf(buf, n, "%.*s/backups", len, slash ? db_path : ".") >= (int)n)
		return -ENAMETOOLONG;
	return 0;
}

/* The time a backup's name gives (wall ms), or -1 for a name that is not a backup's. */
static int64_t store_backup_name_time(const char *name)
{
	struct tm tm = {0};
	const char *end;

	if (strlen(name) != STORE_BACKUP_NAME_LEN || strncmp(name, "stint-", 6) != 0)
		return -1;
	end = strptime(name, STORE_BACKUP_TIME_FMT, &tm);
	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

static int store_backup_newest_first(const void *a, const void *b)
{
	json_int_t ta = json_integer_value(json_object_get(*(json_t *const *)a, "time"));
	json_int_t tb = json_integer_value(json_object_get(*(json_t *const *)b, "time"));

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

json_t *store_backup_list(const char *db_path)
{
	char dir[PATH_MAX], path[PATH_MAX];
	json_t *out = json_array(), **rows = NULL, *sorted;
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	if (!out || store_backup_dir(db_path, dir, sizeof(dir)) < 0 || !(d = opendir(dir)))
		return out;
	while ((e = readdir(d))) {
		int64_t t = store_backup_name_time(e->d_name);

		if (t < 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		json_array_append_new(out,
				      json_pack("{s:s, s:I}", "path", path, "time", (json_int_t)t));
	}
	closedir(d);
	n = json_array_size(out);
	if (n < 2 || !(rows = calloc(n, sizeof(*rows))))
		return out;
	for (size_t i = 0; i < n; i++)
		rows[i] = json_incref(json_array_get(out, i));
	qsort(rows, n, sizeof(*rows), store_backup_newest_first);
	sorted = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(sorted, rows[i]);
	free(rows);
	json_decref(out);
	return sorted;
}

int64_t store_backup_newest(const char *db_path, char *path, size_t n)
{
	json_t *list = store_backup_list(db_path), *first = json_array_get(list, 0);
	int64_t t = first ? json_integer_value(json_object_get(first, "time")) : -1;

	if (first)
		snprintf(path, n, "%s", json_string_value(json_object_get(first, "path")));
	json_decref(list);
	return t;
}

/* PRAGMA integrity_check on db: 0 when it says ok, else -1 with its first findings in err. */
static int store_backup_integrity(sqlite3 *db, char *err, size_t errn)
{
	sqlite3_stmt *s;
	size_t len = 0;
	int r;

	err[0] = '\0';
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(5)", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errn, "%s", sqlite3_errmsg(db));
		return -1;
	}
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(s, 0);

		if (line && strcmp(line, "ok") == 0)
			break;
		if (line && len < errn - 1)
			len +=
			    (size_t)snprintf(err + len, errn - len, "%s%s", len ? "; " : "", line);
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		snprintf(err, errn, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return err[0] ? -1 : 0;
}

int store_backup_verify(const char *path, char *err, size_t errn)
{
	sqlite3 *db = NULL;
	int fd = fileio_open_regular(path), r;

	/* A FIFO in a backup's place is refused before SQLite would wait on it. */
	if (fd < 0) {
		snprintf(err, errn, "%s", fd == -EINVAL ? "not a regular file" : strerror(-fd));
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errn, "%s", db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	r = store_backup_integrity(db, err, errn);
	sqlite3_close(db);
	return r;
}

/* Removes a copy that failed, with whatever SQLite left beside it. */
static void store_backup_discard(const char *path)
{
	static const char *const suffix[] = {"", "-journal", "-wal", "-shm"};
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
}

/* The online backup of src into dst (both open), leaving dst a plain rollback-journal file. */
static int store_backup_pages(sqlite3 *from, sqlite3 *to, char *err, size_t errn)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	char *msg = NULL;
	int r;

	if (!b) {
		snprintf(err, errn, "%s", sqlite3_errmsg(to));
		return -1;
	}
	r = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (r != SQLITE_DONE) {
		snprintf(err, errn, "%s", sqlite3_errstr(r));
		return -1;
	}
	/* A copy of a WAL database would be one too: a single self-contained file is simpler. */
	if (sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errn, "%s", msg ? msg : sqlite3_errmsg(to));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_backup_copy(const char *src, const char *dst, char *err, size_t errn)
{
	sqlite3 *from = NULL, *to = NULL;
	int fd, r = -1;

	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errn, "cannot create %s: %s", dst, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errn, "cannot open %s: %s", src,
			 from ? sqlite3_errmsg(from) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(from, 5000);
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errn, "cannot open %s: %s", dst,
			 to ? sqlite3_errmsg(to) : "out of memory");
		goto out;
	}
	if (store_backup_pages(from, to, err, errn) < 0)
		goto out;
	if (store_backup_integrity(to, err, errn) < 0)
		goto out;
	r = 0;
out:
	sqlite3_close(from);
	sqlite3_close(to);
	if (r == 0 && fsync(fd) < 0) {
		snprintf(err, errn, "cannot sync %s: %s", dst, strerror(errno));
		r = -1;
	}
	close(fd);
	if (r < 0)
		store_backup_discard(dst);
	return r;
}

/* All but the newest STORE_BACKUP_KEEP backups go. */
static void store_backup_prune(const char *db_path)
{
	json_t *list = store_backup_list(db_path), *b;
	size_t i;

	json_array_foreach(list, i, b)
	{
		if (i >= STORE_BACKUP_KEEP)
			unlink(json_string_value(json_object_get(b, "path")));
	}
	json_decref(list);
}

static int store_backup_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int store_backup_make(const char *db_path, int64_t now_ms, char *made, size_t maden, char *err,
		      size_t errn)
{
	char dir[PATH_MAX], tmp[PATH_MAX], name[64], e[512];
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;
	int r;

	if (store_backup_dir(db_path, dir, sizeof(dir)) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s/.backup.%d.tmp", dir, (int)getpid()) >=
		(int)sizeof(tmp)) {
		snprintf(err, errn, "backup: path too long: %s", db_path);
		return -1;
	}
	if ((r = paths_mkdir_p(dir, 0700)) < 0) {
		snprintf(err, errn, "backup: cannot create %s: %s", dir, strerror(-r));
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(name, sizeof(name), STORE_BACKUP_TIME_FMT, &tm);
	if (snprintf(made, maden, "%s/%s", dir, name) >= (int)maden) {
		snprintf(err, errn, "backup: path too long: %s", dir);
		return -1;
	}
	/* A stintd makes one backup at a time, but an exiting one and its successor may overlap:
	 * the temp file is this process's own, and one left by a killed run of this pid goes. */
	store_backup_discard(tmp);
	if (store_backup_copy(db_path, tmp, e, sizeof(e)) < 0) {
		snprintf(err, errn, "backup of %s not made, the older ones kept: %s", db_path, e);
		return -1;
	}
	if (rename(tmp, made) < 0 || (r = store_backup_sync_dir(dir)) < 0) {
		snprintf(err, errn, "backup: cannot put %s in place: %s", made, strerror(errno));
		store_backup_discard(tmp);
		return -1;
	}
	store_backup_prune(db_path);
	return 0;
}
