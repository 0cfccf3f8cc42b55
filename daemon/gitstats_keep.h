#ifndef STINTD_GITSTATS_KEEP_H
#define STINTD_GITSTATS_KEEP_H

/*
 * Baselines that survive `git gc` (docs/git-statistics.md, "Kept objects"). The snapshot tree a
 * session is measured from is referenced by nothing in the repository, so git may prune it. At
 * the start its objects that HEAD's tree does not hold are copied into a private object
 * directory of stintd's; every later computation reads it as an alternate object directory, and
 * the stop removes it. Nothing in the repository changes: no ref, no config, no alternates file.
 * Every function here blocks: call them from worker threads.
 */

#include <stdbool.h>
#include <stddef.h>

#include "gitstats_types.h"

/*
 * Copies the objects of base's snapshot tree that HEAD's tree lacks into a new directory under
 * dir (created 0700 when missing) and sets base->kept to it. Returns 0, or -errno with err filled
 * (base->kept is then NULL and the session is measured from the repository alone, as before).
 */
int gitstats_keep(const char *root, struct gitstats_baseline *base, const char *dir, char *err,
		  size_t errn);

/* Whether path is one gitstats_keep could have made: an absolute DIR/baselines/NAME. */
bool gitstats_keep_valid(const char *path);

/* Removes base->kept's directory, if any. Returns 0 or -errno (err filled). */
int gitstats_keep_release(const char *kept, char *err, size_t errn);

/*
 * Removes every directory under dir that gitstats_keep made and that is not in keep (n paths):
 * what a session closed without its stop (a crash, a damaged store) left behind. Returns the
 * number removed, or -errno.
 */
int gitstats_keep_sweep(const char *dir, const char *const *keep, size_t n);

#endif
