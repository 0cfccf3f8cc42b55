#ifndef STINTD_STORE_CHECK_H
#define STINTD_STORE_CHECK_H

#include <stdio.h>

/*
 * stintd --check-db (stint doctor): what is wrong with the store, in plain words, and the way
 * back from a damaged one. Both block and need no running stintd; neither waits on a FIFO.
 */

/*
 * Checks the store at db_path (the file itself, PRAGMA integrity_check, the schema version,
 * open sessions without events, more than one open session per repository) and every backup,
 * printing a report to out. Returns 0 when the store is healthy (or not made yet), else 1.
 */
int store_check_run(const char *db_path, FILE *out);

/*
 * When the store at db_path is damaged: moves it (and its -wal and -shm) aside as
 * db_path.damaged-YYYYMMDDTHHMMSSZ, kept, and puts a checked copy of the newest good backup in
 * its place. Prints what it did to out. The caller holds the state directory's lock. Returns 0
 * when the store is healthy or was restored, else 1 (nothing moved).
 */
int store_check_restore(const char *db_path, FILE *out);

#endif
