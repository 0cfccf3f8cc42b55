#ifndef STINT_CLI_CMD_COMPLETE_H
#define STINT_CLI_CMD_COMPLETE_H

/*
 * stint __complete WORD...: the candidates for the last WORD of a command line (the words after
 * "stint"; the last may be empty), for the bash, zsh and fish completion scripts. Prints one
 * candidate a line, "CANDIDATE" or "CANDIDATE<TAB>DESCRIPTION", then one directive line: ":none",
 * ":files" (the shell adds file names) or ":dirs" (directory names). Commands and options come
 * from the command table (commands_dump); session ids, tags and watched repositories from a
 * stintd that is already running, never started for it.
 */

/*
 * Returns 0, or EXIT_REFUSED (saying why on stderr) when an option that takes a value has no
 * row in the value table: a programmer's error the tests look for.
 */
int cmd_complete_run(int nwords, char **words);

#endif
