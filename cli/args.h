#ifndef STINT_CLI_ARGS_H
#define STINT_CLI_ARGS_H

/*
 * A command's arguments: its options parsed into struct args, the directory it is about, and
 * TEXT, tags and other values checked against the protocol's limits before they are sent.
 * Every function that fails says why on stderr first.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "protocol.h"

/* getopt_long's codes for the long options that have no short one. */
enum {
	ARGS_OPT_JSON = 0x100,
	ARGS_OPT_NO_LOG,
	ARGS_OPT_LEARNING,
	ARGS_OPT_CHALLENGE,
	ARGS_OPT_BLOCKED_BY,
	ARGS_OPT_NEXT,
	ARGS_OPT_EDIT,
	ARGS_OPT_LAST,
	ARGS_OPT_LIST,
	ARGS_OPT_NO_CHECKS,
	ARGS_OPT_FROM,
	ARGS_OPT_TO,
	ARGS_OPT_BY,
	ARGS_OPT_CSV,
	ARGS_OPT_AT,
	ARGS_OPT_START,
	ARGS_OPT_END,
	ARGS_OPT_UNTAG,
	ARGS_OPT_REGENERATE,
	ARGS_OPT_LOGS,
	ARGS_OPT_FORMAT,
	ARGS_OPT_REPO,
	ARGS_OPT_SHORT,
};

/* Every option of every command, parsed in one place; each command accepts a subset. */
struct args {
	const char *focus, *summary, *why, *blocked_by, *priority;
	const char *tags[PROTO_MAX_TAGS];
	size_t ntags;
	const char *kind;
	bool no_log, all, next, edit, last, list, no_checks, csv;
	const char *from, *to, *by; /* list, report: --from TIME, --to TIME, --by DIMS */
	/* start, stop: --at TIME; edit, add: --start, --end TIME; edit: --untag TAG; log:
	 * --regenerate */
	const char *at, *start, *end, *regenerate;
	const char *untags[PROTO_MAX_TAGS];
	size_t nuntags;
	bool logs;	    /* report --logs: from the logs' record lines */
	const char *format; /* export: --format json|csv|timewarrior; status: a template */
	const char *repo;   /* import timewarrior: --repo NAME */
	bool short_form;    /* status --short: the one-line segment (status_short.c) */
	long limit;
	int nrest;
	char **rest;
};

/* "; did you mean \"x\"?" in buf when a word of words (NULL-terminated) is near word, else "". */
const char *args_did_you_mean(const char *word, const char *const *words, char *buf, size_t n);

/* Prints "stint: message" (when fmt is given) and the command's usage; returns EXIT_USAGE. */
int args_usage_error(const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After getopt's own message for a bad option: "did you mean", a hint for text starting with
 * '-', and the usage. Returns EXIT_USAGE. */
int args_bad_option(struct cli_ctx *ctx, int argc, char **argv);

/* "stint: did you mean "test"?" on stderr when one of words (NULL-ended) is near word, each
 * printed after prefix ("--", ""); nothing else. */
void args_suggest_word(const char *word, const char *prefix, const char *const *words);

/* "stint help COMMAND": its usage, summary and options on stdout. */
void args_print_help(const struct cli_command *cmd);

/*
 * Parses the command's options into a (-C and --json into ctx). Returns 0 to go on, EXIT_USAGE,
 * or -1 when --help was printed (exit 0).
 */
int args_parse(struct cli_ctx *ctx, int argc, char **argv, struct args *a);

/* 0 when no operand is left after the options, else a usage error (EXIT_USAGE). */
int args_no_operands(struct cli_ctx *ctx, const struct args *a);

/* The physical current directory, even when it has been deleted. Returns 0 or -errno. */
int args_current_dir(char *buf, size_t n);

/*
 * Fills ctx->cwd from -C (resolved) or the current directory. Returns 0 or an exit code. A path
 * that does not exist is a usage error (EXIT_USAGE), but for the commands about an open session
 * and unwatch, which may address the session (or watch) of a repository deleted since: then
 * ctx->gone is set, and a refusal that finds nothing there is the same usage error
 * (request.c).
 */
int args_resolve_cwd(struct cli_ctx *ctx);

/* "stint: -C PATH: why" (without "-C " when ctx->dir_operand: the PATH operand). */
void args_path_error(struct cli_ctx *ctx, const char *path, int err);

/* 0 when path (a FILE or PATH operand) exists; else "stint: PATH: why" and EXIT_USAGE. Other
 * errors are left to whoever reads it. */
int args_path_exists(struct cli_ctx *ctx, const char *path);

/*
 * Checks s against the protocol's limits for a string field and returns it as a JSON string;
 * NULL after saying why. "-" reads the value from stdin.
 */
json_t *args_text_value(struct cli_ctx *ctx, const char *what, const char *s, size_t max,
			bool multiline);

/* Joins words with spaces, or reads stdin for a single "-". NULL after saying why. */
json_t *args_words_value(struct cli_ctx *ctx, const char *what, int n, char **words);

/*
 * The range of list and report: the RANGE word (the one operand, when there is one; default_word
 * without it, or none when default_word is NULL), or --from and --to (TIME; --to defaults to
 * now), never both. Sets *have, *from and *to in wall ms, and *word to the RANGE word or NULL.
 * Returns 0, or EXIT_USAGE after saying why.
 */
int args_range(struct cli_ctx *ctx, const struct args *a, const char *default_word, int64_t now_ms,
	       bool *have, int64_t *from, int64_t *to, const char **word);

/* The --tag values as a JSON array, each checked; NULL after saying why. */
json_t *args_tags_value(struct cli_ctx *ctx, const struct args *a);
/* The same for --untag. */
json_t *args_untags_value(struct cli_ctx *ctx, const struct args *a);

/*
 * TIME of option opt (timespec_parse_time: not in the future) as a JSON integer of wall ms;
 * NULL after saying why (a usage error).
 */
json_t *args_time_value(struct cli_ctx *ctx, const char *opt, const char *s, int64_t now_ms);

/* A session id (a positive integer) as a JSON integer; NULL after saying why. */
json_t *args_id_value(struct cli_ctx *ctx, const char *s);

#endif
