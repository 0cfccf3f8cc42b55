#ifndef STINTD_LOGPREP_H
#define STINTD_LOGPREP_H

#include <jansson.h>

/*
 * What a log needs beyond the session itself, gathered at stop on a worker (blocking: reads the
 * log directory, the previous log and the repository's origin remote): "previous_logs",
 * "carried_todos" and "refs" of docs/log-record.md. dir is the expanded log directory.
 * Anything it cannot learn is left out; it never fails the stop.
 */
void logprep_fill(json_t *record, const char *dir);

/* Issue and PR references in text ("#12", "GH-12", "owner/repo#12") appended to refs,
 * deduplicated; web is the forge's repository URL ("https://github.com/o/r") or NULL. */
void logprep_find_refs(const char *text, const char *web, json_t *refs);

/* The web URL of a remote on a known forge, or NULL: "git@github.com:o/r.git" and
 * "https://github.com/o/r.git" give "https://github.com/o/r". malloc'd. */
char *logprep_forge_url(const char *remote_url);

#endif
