#ifndef STINTD_LOGRECORD_H
#define STINTD_LOGRECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The record line of a log (common/record_line.h, docs/log-record.md): what `stint report --logs`
 * totals, made from the session record, the store's identity and the session's active spans
 * (session_active_spans). Appended after whatever the template made, so every log has it.
 */

/* The line, written at written_ms (wall), malloc'd; NULL with err when store is NULL or the
 * record breaks the line's bounds. */
char *logrecord_line(const json_t *record, const char *store, const json_t *spans,
		     int64_t written_ms, char *err, size_t errn);

/* text (a rendered log, ending in a newline) with a blank line and line after it: a new
 * malloc'd string; text is freed. NULL (text freed too) when out of memory. */
char *logrecord_append(char *text, const char *line);

#endif
