#ifndef STINTD_GITSTATS_GRAPH_H
#define STINTD_GITSTATS_GRAPH_H

/*
 * The commit graph of a session: which commits are new, which of them (and of HEAD's history)
 * came from elsewhere according to the reflogs, and the baseline moved forward by what was pulled
 * (docs/git-statistics.md). The walks and merges themselves are the backend's.
 */

#include "gitstats_int.h"

struct gitstats_cnode {
	char oid[GITSTATS_OID_MAX + 1];
	char (*parents)[GITSTATS_OID_MAX + 1];
	size_t nparents;
	bool pulled;
	bool old; /* reachable at the start from a local branch, not from HEAD */
	bool pulled_child;
};

struct gitstats_cgraph {
	struct gitstats_cnode *v; /* newest first (topological) */
	size_t n, cap;
	struct gitstats_omap at; /* oid -> index in v */
};

/* A new node with room for nparents parents (to fill in); NULL when out of memory. */
struct gitstats_cnode *gitstats_graph_add(struct gitstats_cgraph *g, const char *oid,
					  size_t nparents);
void gitstats_graph_free(struct gitstats_cgraph *g);

struct gitstats_history {
	struct gitstats_cgraph g; /* new commits: reachable now, from none of the baseline's tips */
	struct gitstats_cgraph hg; /* HEAD's history since the start, when HEAD moved */
	size_t nold; /* commits of hg that are not new (on another branch at the start) */
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
