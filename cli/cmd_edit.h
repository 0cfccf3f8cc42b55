#ifndef STINT_CLI_CMD_EDIT_H
#define STINT_CLI_CMD_EDIT_H

/* Corrections: stint edit, stint continue, stint log --regenerate. Each returns the exit status. */

#include "cli.h"

/* edit [ID]: focus, tags, start and end of a closed session (ID) or the open one. */
int cmd_edit(struct cli_ctx *ctx, int argc, char **argv);
/* continue: a new session with the focus and tags of the repository's last stopped one. */
int cmd_edit_continue(struct cli_ctx *ctx, int argc, char **argv);
/* log --regenerate ID: the closed session's log rendered again into a new file (s: the ID). */
int cmd_edit_regenerate(struct cli_ctx *ctx, const char *id);

#endif
