#ifndef STINTD_TEMPLATE_COMMIT_H
#define STINTD_TEMPLATE_COMMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * A commit's numbers in the log (docs/templates.md): the lines of the whole commit and the
 * session's part of them (docs/git-statistics.md), for one commit or summed over a run.
 */
struct template_commit_lines {
	int64_t added, removed;			/* the commit against its parent; -1: unknown */
	int64_t session_added, session_removed; /* the session's part; -1: unknown */
};

/* From a commit_list item; a count that is not a non-negative integer is unknown. */
void template_commit_lines_read(const json_t *commit, struct template_commit_lines *l);
/* Zero, to sum a run of commits into. */
void template_commit_lines_zero(struct template_commit_lines *sum);
/* Adds l to sum; what either does not know, the sum does not know. */
void template_commit_lines_add(struct template_commit_lines *sum,
			       const struct template_commit_lines *l);
/* Are the commit's lines known (else nothing is shown)? */
bool template_commit_lines_known(const struct template_commit_lines *l);
/*
 * "+14 -0" when the session's part is the whole commit or unknown, else "+5 -0 this session,
 * +14 -0 in the commit" ("in the commits" when plural). Nothing when the lines are unknown.
 */
void template_commit_put_lines(struct strbuf *o, const struct template_commit_lines *l,
			       bool plural);

#endif
