#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_backup.h"
#include "testutil.h"

/* 2026-01-01T00:00:00Z in wall ms, and a day. */
#define T0  1767225600000LL
#define DAY (24LL * 3600 * 1000)

struct fixture {
	char dir[64];
	char db[128];
};

/* A store with one table and rows, in a temp directory. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	sqlite3 *db;

	snprintf(f->dir, sizeof(f->dir), "/tmp/stint-backup.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/stint.db", f->dir);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA journal_mode = WAL; CREATE TABLE t (a);"
				      "INSERT INTO t VALUES (1), (2), (3);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testutil_rm_rf(f->dir);
	free(f);
	return 0;
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 0777;
}

static long long rows_in(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long n;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* A backup is a checked, private copy named by its UTC time; the newest 3 are kept. */
static void test_make_list_and_prune(void **state)
{
	struct fixture *f = *state;
	char made[256], err[512], newest[256], dir[128], want[256];
	json_t *list;

	for (int i = 0; i < 5; i++)
		assert_int_equal(
		    store_backup_make(f->db, T0 + i * DAY, made, sizeof(made), err, sizeof(err)),
		    0);
	assert_int_equal(store_backup_dir(f->db, dir, sizeof(dir)), 0);
	snprintf(want, sizeof(want), "%s/backups/stint-20260105T000000Z.db", f->dir);
	assert_string_equal(made, want);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(made), 0600);
	assert_int_equal(rows_in(made), 3);
	assert_int_equal(store_backup_verify(made, err, sizeof(err)), 0);
	list = store_backup_list(f->db);
	assert_int_equal(json_array_size(list), STORE_BACKUP_KEEP);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "time")),
			 T0 + 4 * DAY);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 2), "time")),
			 T0 + 2 * DAY);
	json_decref(list);
	assert_int_equal(store_backup_newest(f->db, newest, sizeof(newest)), T0 + 4 * DAY);
	assert_string_equal(newest, made);
}

/* A copy of a damaged store fails its check and replaces none of the older backups. */
static void test_damaged_copy_replaces_nothing(void **state)
{
	struct fixture *f = *state;
	char made[256], err[512], junk[4096];
	json_t *list;
	FILE *fp;

	assert_int_equal(store_backup_make(f->db, T0, made, sizeof(made), err, sizeof(err)), 0);
	/* Garbage over page 2, the table's root: SQLite's check finds it. */
	memset(junk, 0xde, sizeof(junk));
	fp = fopen(f->db, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 4096, SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	fclose(fp);
	for (int i = 1; i < 5; i++)
		assert_int_equal(
		    store_backup_make(f->db, T0 + i * DAY, made, sizeof(made), err, sizeof(err)),
		    -1);
	assert_non_null(strstr(err, "the older ones kept"));
	list = store_backup_list(f->db);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "time")), T0);
	json_decref(list);
}

/* Files in backups/ that are not backups are neither listed nor removed. */
static void test_foreign_files_left_alone(void **state)
{
	struct fixture *f = *state;
	char made[256], err[512], other[256];
	json_t *list;
	FILE *fp;

	assert_int_equal(store_backup_make(f->db, T0, made, sizeof(made), err, sizeof(err)), 0);
	snprintf(other, sizeof(other), "%s/backups/stint-mine.db", f->dir);
	fp = fopen(other, "w");
	assert_non_null(fp);
	fclose(fp);
	for (int i = 1; i < 5; i++)
		assert_int_equal(
		    store_backup_make(f->db, T0 + i * DAY, made, sizeof(made), err, sizeof(err)),
		    0);
	list = store_backup_list(f->db);
	assert_int_equal(json_array_size(list), STORE_BACKUP_KEEP);
	json_decref(list);
	assert_int_equal(access(other, F_OK), 0);
}

/* No backups yet: none is newest. A FIFO in a backup's place is refused, not waited on. */
static void test_none_and_fifo(void **state)
{
	struct fixture *f = *state;
	char newest[256] = "", err[512], fifo[256], dir[128];

	assert_int_equal(store_backup_newest(f->db, newest, sizeof(newest)), -1);
	assert_int_equal(store_backup_dir(f->db, dir, sizeof(dir)), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(fifo, sizeof(fifo), "%s/stint-20260101T000000Z.db", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(store_backup_verify(fifo, err, sizeof(err)), -1);
	assert_string_equal(err, "not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_make_list_and_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_copy_replaces_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_files_left_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_none_and_fifo, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
