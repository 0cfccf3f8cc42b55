#ifndef STINT_CLI_CMD_CONFIG_H
#define STINT_CLI_CMD_CONFIG_H

#include "cli.h"

/*
 * config check: runs stintd --check-config in stint's place, so its verdict and status are ours.
 * Returns only on a usage error or when stintd cannot be run.
 */
int cmd_config_run(struct cli_ctx *ctx, int argc, char **argv);

#endif
