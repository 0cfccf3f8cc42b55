#ifndef STINT_CLI_CMD_DOCTOR_H
#define STINT_CLI_CMD_DOCTOR_H

#include "cli.h"

/*
 * doctor [--restore]: runs stintd --check-db [--restore] in stint's place (the CLI links no
 * SQLite), so its report and status are ours. Returns only on a usage error or when stintd
 * cannot be run.
 */
int cmd_doctor_run(struct cli_ctx *ctx, int argc, char **argv);

#endif
