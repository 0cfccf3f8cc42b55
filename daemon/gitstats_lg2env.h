#ifndef STINTD_GITSTATS_LG2ENV_H
#define STINTD_GITSTATS_LG2ENV_H

/*
 * What the libgit2 backend checks before it trusts libgit2 with a repository: its format
 * version, and whether any attributes (filters) apply, which decides how worktree files are read.
 */

#include <stdbool.h>

#include "gitstats_int.h"
#include "gitstats_scan.h"

/* core.repositoryformatversion of the repository at root, 0 when it cannot be read. */
int gitstats_lg2env_format_version(const char *root);
/* True when no attributes apply to any path and the configuration adds no filter. */
bool gitstats_lg2env_no_attributes(struct gitstats_ctx *c, const struct gitstats_scan_index *xi);
/* Gives the repository an in-memory index of the index's .gitattributes entries only. */
int gitstats_lg2env_attr_index(struct gitstats_ctx *c, const struct gitstats_scan_index *xi);

#endif
