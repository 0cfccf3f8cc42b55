#ifndef STINTD_GITSTATS_EXTRAS_H
#define STINTD_GITSTATS_EXTRAS_H

#include <jansson.h>
#include <stddef.h>

/*
 * What a session log needs of the repository beyond the statistics, added to stats (an object
 * of gitstats_to_json's shape): "todo_lines", the lines the diff from tree (the baseline
 * snapshot) to the worktree, untracked files included, added that hold TODO, FIXME or XXX as a
 * whole word ([{path, line, text}], at most 200, none under exclude_dir when it is an absolute
 * path under root), and for each of the first 200 commits of "commit_list" its "paths" (new
 * names for renames). Renames are found as git -M finds them, so a renamed file's old lines are
 * not new. "todo_lines" is set even on failure (empty). Returns 0, or -errno with err filled.
 */
int gitstats_extras_fill(const char *root, const char *tree, const char *exclude_dir, json_t *stats,
			 char *err, size_t errn);

#endif
