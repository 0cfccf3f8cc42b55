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
	size_t failed;	/* refused otherwise (the store failed, stintd stops): nothing sent after */
	size_t unsent;	/* not sent because of a failure */
	size_t unknown; /* sent, but the connection was lost before the reply */
	char first_overlap[768], first_refused[768], first_failed[768]; /* "FILE:LINE: why" */
	char fatal[1024]; /* why sending stopped early (the connection), or "" */
};

/* Connections, and requests in flight on each. */
#define IMPORT_SEND_CONNS  64
#define IMPORT_SEND_WINDOW 32

/*
 * Sends every item, or, after a failure (res->failed), no more: the requests in flight are still
 * answered and counted, so the counts say exactly what got in. Returns 0 when every item was
 * answered, or -1 when not (res->unsent, and res->fatal with res->unknown for a lost connection).
 */
int import_send(const struct import_items *it, struct import_result *res);

#endif
