#ifndef STINT_CLI_CMD_NOTIFY_H
#define STINT_CLI_CMD_NOTIFY_H

#include "cli.h"

/* notify test|status: send a test notification, or say where they go. Returns the exit status. */
int cmd_notify_run(struct cli_ctx *ctx, int argc, char **argv);

#endif
