#ifndef STINT_CLI_REPORT_LOGS_H
#define STINT_CLI_REPORT_LOGS_H

/*
 * `stint report --logs`: a team's totals from the session logs in git. Every *.md file under a
 * path is read for its record line (common/record_line.h); each session (store, id) counts once
 * however many copies of its log there are. What cannot be read is skipped with its reason,
 * never followed (symbolic links), never read whole (past REPORT_LOGS_MAX_FILE). No stintd
 * needed but to find the default path. docs/reports.md, "A team's totals from git".
 */

#include <jansson.h>
#include <stddef.h>

#include "report_group.h"

/* A log larger than this is skipped: stint's logs are a few KiB. */
#define REPORT_LOGS_MAX_FILE (4 * 1024 * 1024)
/* Files looked at under one path, at most: past it the walk stops and says so. */
#define REPORT_LOGS_MAX_FILES 1000000
/* Directories deeper than this under the path are skipped. */
#define REPORT_LOGS_MAX_DEPTH 32

/*
 * Counts the sessions of the logs under path (a directory, or one file) in g: those with a
 * moment in g's range and, when ntags > 0, any of tags. Returns what was read:
 * {"path", "files", "sessions", "skipped": [{"path", "why"}], "duplicates": [{"path", "of"}]},
 * or NULL with err (path cannot be read at all, out of memory).
 */
json_t *report_logs_read(const char *path, struct report_group *g, int64_t from_ms, int64_t to_ms,
			 const char *const *tags, size_t ntags, char *err, size_t errn);

/*
 * The log directory of the repository containing dir, as stintd resolves [log] dir for it
 * (`stintd --log-dir DIR`: the same config, the same code). Returns 0, or -1 with err.
 */
int report_logs_default_dir(const char *dir, char *out, size_t outn, char *err, size_t errn);

#endif
