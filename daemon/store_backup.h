#ifndef STINTD_STORE_BACKUP_H
#define STINTD_STORE_BACKUP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Backups of the store: consistent copies made with SQLite's online backup API on a connection
 * of their own, each checked with PRAGMA integrity_check before it takes its place, kept in
 * the store's directory under backups/ (0700) as stint-YYYYMMDDTHHMMSSZ.db (0600, UTC), the
 * newest STORE_BACKUP_KEEP of them. Every function blocks: call them from a worker, or where
 * nothing is served (exit, stintd --check-db).
 */

#define STORE_BACKUP_KEEP 3
/* How old the newest backup may grow before stintd makes another. */
#define STORE_BACKUP_PERIOD_MS (24LL * 3600 * 1000)

/* The backups directory of the store at db_path. Returns 0 or -ENAMETOOLONG. */
int store_backup_dir(const char *db_path, char *buf, size_t n);

/*
 * The backups of the store at db_path, newest first: [{"path", "time" (wall ms, from the
 * name)}]; an empty array when there are none. NULL only when out of memory.
 */
json_t *store_backup_list(const char *db_path);

/* The newest backup's time (wall ms) with its path in path, or -1 when there is none. */
int64_t store_backup_newest(const char *db_path, char *path, size_t n);

/*
 * Copies the database src into dst, a new file made 0600 (an existing dst is an error), and
 * runs PRAGMA integrity_check on the copy. Returns 0, or -1 with err filled and no dst left.
 */
int store_backup_copy(const char *src, const char *dst, char *err, size_t errn);

/*
 * Whether the database at path passes PRAGMA integrity_check, opened read-only: 0, or -1 with
 * what is wrong in err.
 */
int store_backup_verify(const char *path, char *err, size_t errn);

/*
 * Makes a backup of the store at db_path named by now (wall ms), then removes all but the
 * newest STORE_BACKUP_KEEP. A copy that fails its check replaces nothing. Returns 0 with the
 * new backup's path in made, or -1 with err filled.
 */
int store_backup_make(const char *db_path, int64_t now_ms, char *made, size_t maden, char *err,
		      size_t errn);

#endif
