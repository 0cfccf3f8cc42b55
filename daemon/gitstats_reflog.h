#ifndef STINTD_GITSTATS_REFLOG_H
#define STINTD_GITSTATS_REFLOG_H

/* Reflogs, read as files (the same way for both backends), and what their messages mean. */

#include "gitstats_int.h"

/* The last second of 9999: a reflog time past it is a damaged entry's. */
#define GITSTATS_REFLOG_MAX_TIME 253402300799LL

struct gitstats_rlentry {
	char old[GITSTATS_OID_MAX + 1];
	char oid[GITSTATS_OID_MAX + 1]; /* the new value */
	int64_t time;
	char *msg;
};

struct gitstats_reflog {
	struct gitstats_rlentry *v;
	size_t n;
	int64_t mtime_ms; /* the file's last change: when its newest entry was written; 0 if none */
};

/* Reads the reflog of ref ("HEAD" or "refs/heads/<name>") of c's repository; a missing one is
 * empty; with c->until_ms, as it was then. Returns 0 or -errno. */
int gitstats_reflog_read(const struct gitstats_ctx *c, const char *ref,
			 struct gitstats_reflog *out);
void gitstats_reflog_free(struct gitstats_reflog *l);

/*
 * Where the session's part of a reflog begins: after the entries it had at the start when that
 * prefix is intact, else (the log was expired or rewritten) after the last entry as old as the
 * newest one then.
 */
size_t gitstats_reflog_since(const struct gitstats_reflog *l, const struct gitstats_tip *t);

/* GITSTATS_RL_SWITCH: a checkout or a new branch, which moves to commits without merging them. */
enum gitstats_rlkind {
	GITSTATS_RL_OTHER,
	GITSTATS_RL_CREATE,
	GITSTATS_RL_IMPORT,
	GITSTATS_RL_SWITCH
};

/* What a reflog message says about how the ref moved (see docs/git-statistics.md). */
enum gitstats_rlkind gitstats_reflog_kind(const char *msg);

/*
 * A HEAD entry that moved HEAD to another branch ("checkout: moving from X to Y", "Branch:
 * renamed refs/heads/X to refs/heads/Y"): X and Y as written (malloc'd), and whether it was a
 * rename (renamed may be NULL). false for any other message, or when out of memory.
 */
bool gitstats_reflog_switch(const char *msg, char **from, char **to, bool *renamed);

#endif
