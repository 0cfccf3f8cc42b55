#ifndef STINT_CLI_STATUS_SHORT_H
#define STINT_CLI_STATUS_SHORT_H

/*
 * `stint status --short` and `--format`: the segment a prompt or a status bar asks for on every
 * line. It never starts stintd and never waits for one: with none running it prints nothing and
 * exits 0, as it does with no session. One connect, one write, one read.
 */

#include "args.h"
#include "cli.h"

/* How long the segment waits for stintd's reply: a prompt must not hang on a stuck daemon. */
#define STATUS_SHORT_TIMEOUT_MS 2000

/* Runs status --short / --format for a's options (parsed already). Returns the exit status. */
int status_short_run(struct cli_ctx *ctx, const struct args *a);

#endif
