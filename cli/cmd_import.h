#ifndef STINT_CLI_CMD_IMPORT_H
#define STINT_CLI_CMD_IMPORT_H

#include "cli.h"

/* stint import timewarrior FILE|DIR, stint import watson FILE. */
int cmd_import(struct cli_ctx *ctx, int argc, char **argv);

#endif
