#ifndef STINT_CLI_COMMANDS_H
#define STINT_CLI_COMMANDS_H

/*
 * The command table: each command's name, getopt options, usage, summary and help. It is the
 * one list of commands and options: the help, the man page's test and the shell completions
 * all read it (stint __commands prints it).
 */

#include <stdio.h>

#include "cli.h"

/* Every command, in the help's order, ending with a row whose name is NULL. */
extern const struct cli_command commands_table[];

/* The command called name, or NULL. */
const struct cli_command *commands_lookup(const char *name);

/*
 * Prints one line per option of every command: "COMMAND\t--LONG\t-S\tARG", where -S is the
 * short form or "" and ARG is "arg" for an option that takes a value, else "". The first lines,
 * with COMMAND "", are the options that come before a command (-C, --version, --help).
 */
void commands_dump(FILE *out);

#endif
