#ifndef STINT_CLI_IMPORT_WATSON_H
#define STINT_CLI_IMPORT_WATSON_H

#include "import_items.h"

/*
 * Watson's frames file: a JSON array of [start, stop, project, id, tags, updated_at], times in
 * seconds since 1970. The project names the repository; the id is the source key. Returns 0, or
 * -1 with it->err "FILE:LINE: cause".
 */
int import_watson_path(struct import_items *it, const char *path);

#endif
