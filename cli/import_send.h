#ifndef STINT_CLI_IMPORT_SEND_H
#define STINT_CLI_IMPORT_SEND_H

/*
 * Sends an import's intervals to stintd as add requests (origin "imported"), over a few
 * connections at once, each with many requests in flight: stintd handles one request per
 * connection at a time and commits what several connections queue in one transaction (its group
 * commit), so this is what makes 10 000 intervals take seconds (docs/benchmarks.md).
 */

#include <stddef.h>

#include "import_items.h"

struct import_result {
	size_t imported, duplicate, overlap, refused;
	char first_overlap[768], first_refused[768]; /* "FILE:LINE: stintd's message" */
	char fatal[1024];			     /* why sending stopped early, or "" */
};

/* Connections, and requests in flight on each. */
#define IMPORT_SEND_CONNS  8
#define IMPORT_SEND_WINDOW 32

/* Sends every item; returns 0, or -1 with res->fatal set (the counts say what got in before). */
int import_send(const struct import_items *it, struct import_result *res);

#endif
