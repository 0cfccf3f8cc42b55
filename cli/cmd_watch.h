#ifndef STINT_CLI_CMD_WATCH_H
#define STINT_CLI_CMD_WATCH_H

#include "cli.h"

/*
 * watch and unwatch: PATH, or -C PATH, or the current directory; watch --list: the watched
 * repositories. Returns the exit status.
 */
int cmd_watch_run(struct cli_ctx *ctx, int argc, char **argv);

#endif
