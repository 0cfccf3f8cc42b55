#include "cmd_doctor.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "output.h"

int cmd_doctor_run(struct cli_ctx *ctx, int argc, char **argv)
{
	char exe[PATH_MAX], err[PATH_MAX + 64];
	bool restore = false;
	int c;

	snprintf(ctx->prog, sizeof(ctx->prog), "stint %s", ctx->cmd->name);
	argv[0] = ctx->prog;
	optind = 1;
	while ((c = getopt_long(argc, argv, ctx->cmd->shortopts, ctx->cmd->longopts, NULL)) != -1) {
		if (c == 'h') {
			args_print_help(ctx->cmd);
			return 0;
		}
		if (c != 'r')
			return args_bad_option(ctx, argc, argv);
		restore = true;
	}
	if (optind < argc)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", argv[optind]);
	if (client_find_stintd(exe, sizeof(exe), err, sizeof(err)) < 0) {
		output_error("cannot check the store: %s", err);
		return EXIT_REFUSED;
	}
	fflush(stdout);
	/* stintd checks with the code that opens the store: its verdict and status are ours. */
	execv(exe, restore ? (char *[]){exe, "--check-db", "--restore", NULL}
			   : (char *[]){exe, "--check-db", NULL});
	output_error("cannot run %s: %s", exe, strerror(errno));
	return EXIT_REFUSED;
}
