#ifndef STINTD_GITSTATS_GRAPH_H
#define STINTD_GITSTATS_GRAPH_H

/*
 * The commit graph of a session: which commits are new, which of them (and of HEAD's history)
 * came from elsewhere according to the reflogs, and the baseline moved forward by what was pulled
 * (docs/git-statistics.md). The walks and merges themselves are the backend's.
 */

#include "gitstats_int.h"

struct gitstats_history {
	struct gitstats_cgraph g; /* new commits: reachable now, from none of the baseline's tips */
	struct gitstats_cgraph hg; /* HEAD's history since the start, when HEAD moved */
	size_t nold; /* commits of hg that are not new (on another branch at the start) */
	struct gitstats_omap dropped; /* new commits of stint's logs alone: nobody's work */
};

/* The session's commits, given HEAD h and the tips now (HEAD first). 0 or -errno. */
int gitstats_graph_history(struct gitstats_ctx *c, const struct gitstats_baseline *base,
			   const struct gitstats_head *h, const struct gitstats_tiplist *now,
			   struct gitstats_history *out);
void gitstats_graph_history_free(struct gitstats_history *hs);

/* The baseline tree moved forward by what pulled commits brought into HEAD (a tree id into out);
 * when a merge fails, as far as it got (pulled lines then count as the session's). */
int gitstats_graph_effective(struct gitstats_ctx *c, const struct gitstats_baseline *base,
			     struct gitstats_history *hs, char *out, size_t outn);

#endif
