#ifndef STINTD_SESSIONS_KEPT_H
#define STINTD_SESSIONS_KEPT_H

/*
 * The sessions' kept baselines (gitstats_keep.h): where they go, their release when a session
 * closes, and the sweep at start-up of those no open session holds.
 */

#include <jansson.h>
#include <stddef.h>

#include "stintd.h"

/* d's directory of kept baselines: STATE/baselines. */
void sessions_kept_dir(const struct stintd *d, char *buf, size_t n);

/* Removes baseline's kept directory, if it has one, off the loop. */
void sessions_kept_release(struct stintd *d, const json_t *baseline);

/* Start-up, once the open sessions are loaded: removes the kept baselines none of them holds. */
void sessions_kept_sweep(struct stintd *d);

#endif
