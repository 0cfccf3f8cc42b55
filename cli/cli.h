#ifndef STINT_CLI_CLI_H
#define STINT_CLI_CLI_H

/*
 * What every part of stint shares: its exit statuses, a row of the command table (main.c) and
 * the context of one invocation. Each command family is a file, cmd_<family>.c.
 */

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>

/* 0 is done; 1 refused by stintd or stintd unreachable; 2 a usage error. */
#define EXIT_REFUSED 1
#define EXIT_USAGE   2

struct cli_ctx;

struct cli_command {
	const char *name;
	/* Returns the exit status; NULL for "help", which main.c answers itself. */
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
	const char *shortopts;
	const struct option *longopts;
	const char *usage;
	const char *summary;
	const char *help;
};

struct cli_ctx {
	const struct cli_command *cmd;
	char prog[32];	    /* "stint start", for getopt's messages */
	const char *dir;    /* -C PATH, or NULL for the current directory */
	const char *home;   /* for "~" in paths; may be NULL */
	bool json, pretty;  /* --json, and whether stdout is a terminal */
	bool stdin_taken;   /* only one TEXT may be read from stdin */
	char cwd[PATH_MAX]; /* the directory sent as "cwd" */
	bool dir_operand;   /* dir is the PATH operand (watch PATH), not -C */
	bool gone;	    /* dir does not exist (any more): cwd is how it was spelled */
	/* --json: whether a document was printed; the error code of one that was not */
	bool json_printed;
	const char *err_code;
};

#endif
