#ifndef STINT_CLI_CMD_EXPORT_H
#define STINT_CLI_CMD_EXPORT_H

#include "cli.h"

/* stint export: closed sessions as JSON, CSV or Timewarrior's import format, on stdout. */
int cmd_export(struct cli_ctx *ctx, int argc, char **argv);

#endif
