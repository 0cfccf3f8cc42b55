#include "cmd_config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "output.h"

int cmd_config_run(struct cli_ctx *ctx, int argc, char **argv)
{
	char exe[PATH_MAX], err[PATH_MAX + 64];
	struct args a;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.nrest == 0)
		return args_usage_error(ctx->cmd, "config needs a subcommand");
	if (strcmp(a.rest[0], "check") != 0) {
		output_error("unknown config subcommand '%s'", a.rest[0]);
		args_suggest_word(a.rest[0], "", (const char *const[]){"check", NULL});
		return args_usage_error(ctx->cmd, NULL);
	}
	if (a.nrest > 1)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	if (client_find_stintd(exe, sizeof(exe), err, sizeof(err)) < 0) {
		output_error("cannot check the configuration: %s", err);
		return EXIT_REFUSED;
	}
	fflush(stdout);
	/* stintd validates with the same code it runs: its verdict and exit status are ours. */
	execv(exe, (char *[]){exe, "--check-config", NULL});
	output_error("cannot run %s: %s", exe, strerror(errno));
	return EXIT_REFUSED;
}
