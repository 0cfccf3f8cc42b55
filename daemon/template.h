#ifndef STINTD_TEMPLATE_H
#define STINTD_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

/*
 * Renders a session record (see the schema in docs/log-record.md) into the Markdown session log,
 * every section of the session-log template in order. Pure: no I/O, no clock; local times come
 * from localtime_r on the record's millisecond stamps. Returns a malloc'd NUL-terminated string,
 * or NULL with err filled.
 */
char *template_render(const json_t *record, char *err, size_t errn);

#endif
