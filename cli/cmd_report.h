#ifndef STINT_CLI_CMD_REPORT_H
#define STINT_CLI_CMD_REPORT_H

/* stint report: the totals of closed sessions over a range, grouped. Returns the exit status. */

#include "cli.h"

int cmd_report(struct cli_ctx *ctx, int argc, char **argv);

#endif
