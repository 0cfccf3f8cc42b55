#ifndef STINTD_GITSTATS_HEADLOG_H
#define STINTD_GITSTATS_HEADLOG_H

/*
 * HEAD's reflog since the start as what happened, in order: branch switches, the session's
 * commits, pulls (docs/git-statistics.md, "The order of events"). The timeline places them by the
 * times git recorded, however late a recompute found them.
 */

#include "gitstats_graph.h"

/* Fills out->moves from HEAD's reflog, given HEAD h and the tips now as the graph read them
 * (HEAD's reflog is read after them, so it holds every entry that explains them). 0 or -errno. */
int gitstats_headlog(struct gitstats_ctx *c, const struct gitstats_baseline *base,
		     const struct gitstats_head *h, const struct gitstats_tiplist *now,
		     const struct gitstats_history *hs, struct gitstats *out);
void gitstats_headlog_free(struct gitstats *out);

#endif
