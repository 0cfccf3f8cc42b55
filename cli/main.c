/* stint: main and the help; the command table is commands.c, the commands cmd_<family>.c. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "args.h"
#include "cli.h"
#include "cmd_complete.h"
#include "cmd_query.h"
#include "commands.h"
#include "output.h"
#include "suggest.h"

static void main_print_help(FILE *out)
{
	fputs("usage: stint [-C PATH] COMMAND [OPTIONS]\n"
	      "       stint --version | --help\n"
	      "\nTrack work sessions per repository; stintd keeps the clock.\n"
	      "\nCommands:\n",
	      out);
	for (const struct cli_command *c = commands_table; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fputs(
	    "\nOptions:\n"
	    "  -C PATH             use the repository containing PATH, not the current one\n"
	    "  -V, --version       print the version of stint and of the running stintd\n"
	    "  -h, --help          print this help\n"
	    "\nExit status: 0 done; 1 refused by stintd, stintd unreachable, or another failure;\n"
	    "2 usage error: an unknown command or option, a bad, empty or blank value, or a\n"
	    "path that does not exist (-C PATH, PATH, FILE). With --json a failure prints\n"
	    "{\"v\":1,\"ok\":false,\"error\":{\"code\":...,\"message\":...}} on stdout too.\n"
	    "Run 'stint help COMMAND' or 'stint COMMAND --help' for a command's options.\n",
	    out);
}

/* "stint: did you mean "stop"?" when a command's name is near word. */
static void main_suggest_command(const char *word)
{
	char line[256];
	struct suggest s;

	suggest_init(&s, word);
	for (const struct cli_command *c = commands_table; c->name; c++)
		suggest_consider(&s, c->name);
	if (suggest_format(&s, "", line, sizeof(line)))
		output_error("%s", line);
}

static int main_usage_error(void)
{
	fputs("usage: stint [-C PATH] COMMAND [OPTIONS]\n"
	      "Run 'stint help' for the list of commands.\n",
	      stderr);
	return EXIT_USAGE;
}

static int main_help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_print_help(stdout);
		return 0;
	}
	if (argv[1][0] == '-') {
		output_error("help: unrecognized option '%s'", argv[1]);
		if (strncmp(argv[1], "--", 2) == 0)
			args_suggest_word(argv[1] + 2, "--", (const char *const[]){"help", NULL});
		return main_usage_error();
	}
	cmd = commands_lookup(argv[1]);
	if (!cmd || argc > 2) {
		output_error(cmd ? "help takes one command" : "unknown command '%s'", argv[1]);
		if (!cmd)
			main_suggest_command(argv[1]);
		fputs("Run 'stint help' for the list of commands.\n", stderr);
		return EXIT_USAGE;
	}
	args_print_help(cmd);
	return 0;
}

/* --json among a command's arguments (before "--"), when it takes --json: even a usage error
 * getopt finds before reaching it then answers with a JSON document. */
static bool main_wants_json(const struct cli_command *cmd, int argc, char **argv)
{
	bool takes = false;

	for (const struct option *o = cmd->longopts; o->name; o++)
		takes = takes || strcmp(o->name, "json") == 0;
	for (int i = 1; takes && i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return true;
	return false;
}

/* The command's exit status; with --json, a failure without a document printed gets one. */
static int main_run_command(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc;

	ctx->json = main_wants_json(ctx->cmd, argc, argv);
	rc = ctx->cmd->run(ctx, argc, argv);
	if (ctx->json && rc != 0 && !ctx->json_printed &&
	    output_json_error(stdout,
			      ctx->err_code	 ? ctx->err_code
			      : rc == EXIT_USAGE ? "usage"
						 : "failed",
			      ctx->pretty) < 0)
		output_error("cannot write the error: %s", strerror(errno));
	return rc;
}

static int main_run(int argc, char **argv)
{
	struct cli_ctx ctx = {.home = getenv("HOME"), .pretty = isatty(STDOUT_FILENO) == 1};
	int i;

	/* Options before the command: -C PATH, --version, --help. */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "-C") == 0) {
			if (++i == argc) {
				output_error("option -C needs a PATH");
				return main_usage_error();
			}
			ctx.dir = argv[i];
		} else if (strncmp(argv[i], "-C", 2) == 0) {
			ctx.dir = argv[i] + 2;
		} else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			cmd_query_version();
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			main_print_help(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			output_error("unknown option '%s'", argv[i]);
			if (strncmp(argv[i], "--", 2) == 0)
				args_suggest_word(argv[i] + 2, "--",
						  (const char *const[]){"version", "help", NULL});
			return main_usage_error();
		}
	}
	if (i == argc) {
		output_error("no COMMAND given");
		return main_usage_error();
	}
	/* Hidden: the command table as data, for the completions and the man page's test. */
	if (strcmp(argv[i], "__commands") == 0 && i + 1 == argc) {
		commands_dump(stdout);
		return 0;
	}
	/* Hidden: the candidates for the shells' completion scripts. */
	if (strcmp(argv[i], "__complete") == 0)
		return cmd_complete_run(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "version") == 0 && i + 1 == argc) {
		cmd_query_version();
		return 0;
	}
	ctx.cmd = commands_lookup(argv[i]);
	if (!ctx.cmd) {
		output_error("unknown command '%s'", argv[i]);
		main_suggest_command(argv[i]);
		/* A script asked for JSON: it gets the error document, whatever the command. */
		for (int k = i + 1; k < argc && strcmp(argv[k], "--") != 0; k++) {
			if (strcmp(argv[k], "--json") != 0)
				continue;
			if (output_json_error(stdout, "usage", ctx.pretty) < 0)
				output_error("cannot write the error: %s", strerror(errno));
			break;
		}
		return main_usage_error();
	}
	if (!ctx.cmd->run)
		return main_help(argc - i, argv + i);
	return main_run_command(&ctx, argc - i, argv + i);
}

int main(int argc, char **argv)
{
	size_t seed = 0;
	int rc;

	/* jansson's hash seed in one call, not its open, read and close of /dev/urandom: a prompt
	 * runs stint on every line. On failure, 0 leaves jansson to find one. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = 0;
	json_object_seed(seed);
	rc = main_run(argc, argv);

	/* Output that never arrived is a failure, even when the daemon did its part. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		output_error("cannot write to stdout: %s", strerror(errno));
		if (rc == 0)
			rc = EXIT_REFUSED;
	}
	return rc;
}
