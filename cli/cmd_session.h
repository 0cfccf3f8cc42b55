#ifndef STINT_CLI_CMD_SESSION_H
#define STINT_CLI_CMD_SESSION_H

/* The commands about the open session. Each returns the exit status. */

#include "cli.h"

int cmd_session_start(struct cli_ctx *ctx, int argc, char **argv);
/* The log written, --edit opens it in $VISUAL, else $EDITOR, else vi. */
int cmd_session_stop(struct cli_ctx *ctx, int argc, char **argv);
/* pause, resume, keep and cancel: a cwd and nothing else. */
int cmd_session_simple(struct cli_ctx *ctx, int argc, char **argv);
/* note and decision: TEXT..., and --learning/--challenge (note) or --why (decision). */
int cmd_session_item(struct cli_ctx *ctx, int argc, char **argv);
int cmd_session_todo(struct cli_ctx *ctx, int argc, char **argv);

#endif
