#ifndef STINT_CLI_REQUEST_H
#define STINT_CLI_REQUEST_H

/*
 * A command's request and its reply: build the request, send it through client.c (starting
 * stintd when needed), report a refusal the way every command does, print a reply as JSON.
 */

#include <jansson.h>
#include <stdbool.h>

#include "cli.h"
#include "protocol.h"

/* How long a command waits for its reply, unless it says otherwise. */
#define REQUEST_TIMEOUT_MS (30 * 1000)

/* Adds value under key, taking the reference; false (and req freed) when value is NULL. */
bool request_set(json_t **req, const char *key, json_t *value);

/* {"v":1,"cmd":...}, with ctx->cwd as "cwd" when with_cwd; NULL after saying why. */
json_t *request_new(struct cli_ctx *ctx, enum proto_cmd cmd, bool with_cwd);

/* msg as JSON on stdout (see output_json). Returns 0, or EXIT_REFUSED after saying why. */
int request_print_json(struct cli_ctx *ctx, const json_t *msg);

/*
 * Sends req (NULL: it could not be built) and waits for the reply. Returns 0 with *reply_out the
 * reply (the caller's), or the exit status after saying why it failed. A refusal is reported
 * on stderr, and with --json its reply goes to stdout too.
 */
int request_run(struct cli_ctx *ctx, json_t *req, int timeout_ms, json_t **reply_out);

struct client_progress;
/* request_run that hands progress messages to p (see client.h); when *p->stop interrupts the
 * wait, returns EXIT_REFUSED without saying anything: the caller does. */
int request_run_progress(struct cli_ctx *ctx, json_t *req, int timeout_ms,
			 const struct client_progress *p, json_t **reply_out);

struct args;

/* One page of a history request (list, export): a's range and tags, `limit` rows, after the
 * row `after` (its ended_ms and id) when given. NULL (having said why) on failure. */
json_t *request_history_page(struct cli_ctx *ctx, enum proto_cmd cmd, const struct args *a,
			     bool with_cwd, bool range, int64_t from, int64_t to, long limit,
			     const json_t *after);

#endif
