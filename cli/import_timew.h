#ifndef STINT_CLI_IMPORT_TIMEW_H
#define STINT_CLI_IMPORT_TIMEW_H

#include "import_items.h"

/*
 * Timewarrior's intervals: a 'timew export' file (a JSON array of {"id", "start", "end", "tags",
 * "annotation"}) or its data directory (YYYY-MM.data files of lines "inc START - END # tag
 * \"tag 2\" # \"annotation\""). The first tag names the repository, the others are tags, the
 * annotation is the focus. Returns 0, or -1 with it->err "FILE:LINE: cause".
 */
int import_timew_path(struct import_items *it, const char *path);

#endif
