#ifndef STINTD_SESSIONS_RESTORE_H
#define STINTD_SESSIONS_RESTORE_H

#include <stddef.h>

struct stintd;

/* Loads the open sessions from the store; those that crossed a reboot or a crash get a
 * recover event, committed before any client is served. Blocking: start-up only. */
int sessions_restore(struct stintd *d, char *err, size_t errn);

/*
 * (Re)writes the warning status shows while this stintd runs when the store is damaged: the
 * file, what quick_check found (store_damage), the sessions closed at start-up, what to do; and
 * logs it. Called at start-up and again when the check on the pool finds damage.
 */
void sessions_restore_report(struct stintd *d);

#endif
