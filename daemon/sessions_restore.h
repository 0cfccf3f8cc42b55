#ifndef STINTD_SESSIONS_RESTORE_H
#define STINTD_SESSIONS_RESTORE_H

#include <stddef.h>

struct stintd;

/* Loads the open sessions from the store; those that crossed a reboot or a crash get a
 * recover event, committed before any client is served. Blocking: start-up only. */
int sessions_restore(struct stintd *d, char *err, size_t errn);

#endif
