#ifndef STINT_CLI_CMD_ADD_H
#define STINT_CLI_CMD_ADD_H

#include "cli.h"

/* stint add: a forgotten session, given by its start and end (the add request). */
int cmd_add(struct cli_ctx *ctx, int argc, char **argv);

#endif
