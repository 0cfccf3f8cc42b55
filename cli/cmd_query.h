#ifndef STINT_CLI_CMD_QUERY_H
#define STINT_CLI_CMD_QUERY_H

/* The commands that only ask: status, list, log and ping. Each returns the exit status. */

#include "cli.h"

int cmd_query_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_query_list(struct cli_ctx *ctx, int argc, char **argv);
/* The path of the newest log, or of a day's logs. */
int cmd_query_log(struct cli_ctx *ctx, int argc, char **argv);
int cmd_query_ping(struct cli_ctx *ctx, int argc, char **argv);

/* --version: stint's, then the line of a stintd already running (never starting one). */
void cmd_query_version(void);

#endif
