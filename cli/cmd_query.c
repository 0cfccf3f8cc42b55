#include "cmd_query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "cmd_edit.h"
#include "output.h"
#include "protocol.h"
#include "request.h"
#include "status_short.h"
#include "timeutil.h"
#include "version.h"

/* Rows a list request asks for at a time. */
#define CMD_QUERY_LIST_PAGE 250

/* --version only asks a daemon that is already running. */
#define TIMEOUT_VERSION_MS (2 * 1000)

/*
 * Whether a status reply's notification state is one stintd would not look at again: asked
 * while no server is up, stintd retries now and then, so that answer comes from stintd.
 */
static bool cmd_query_notify_settled(const json_t *reply)
{
	const char *state = json_string_value(json_object_get(reply, "notify"));

	return state && (strcmp(state, "ok") == 0 || strcmp(state, "disabled") == 0);
}

int cmd_query_status(struct cli_ctx *ctx, int argc, char **argv)
{
	char line[OUTPUT_LINE_MAX];
	struct args a;
	json_t *req, *reply, *sessions, *s;
	const char *warning;
	int64_t now;
	size_t i;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	if (a.short_form || a.format)
		return status_short_run(ctx, &a);
	if (a.all)
		return args_usage_error(ctx->cmd, "--all goes with --short or --format");
	/* Without -C: every open session, wherever it is. */
	if (ctx->dir && (r = args_resolve_cwd(ctx)))
		return r;
	/* No session for -C's directory is an empty list, not a refusal. */
	/* The snapshot, unless the notification state it would show is one stintd re-checks. */
	reply = client_status_snapshot(ctx->dir ? ctx->cwd : NULL);
	if (reply && !cmd_query_notify_settled(reply)) {
		json_decref(reply);
		reply = NULL;
	}
	req = reply ? NULL : request_new(ctx, PROTO_CMD_STATUS, ctx->dir != NULL);
	if (req && (r = request_run(ctx, req, REQUEST_TIMEOUT_MS, &reply)))
		return r;
	sessions = json_object_get(reply, "sessions");
	/* -C of a path that does not exist, and no session of a repository deleted there. */
	if (ctx->gone && json_array_size(sessions) == 0) {
		json_decref(reply);
		args_path_error(ctx, ctx->dir, ENOENT);
		return EXIT_USAGE;
	}
	if (ctx->json) {
		r = request_print_json(ctx, reply);
		json_decref(reply);
		return r;
	}
	warning =
	    json_string_value(json_object_get(json_object_get(reply, "daemon"), "store_warning"));
	if (warning)
		fprintf(stderr, "stint: warning: %s\n", warning);
	if (json_array_size(sessions) == 0)
		puts("No open session.");
	now = time_wall_ms();
	json_array_foreach(sessions, i, s)
	{
		output_session_line(s, ctx->home, now, line, sizeof(line));
		puts(line);
	}
	json_decref(reply);
	return 0;
}

/* Prints a page's rows: JSON rows (comma-separated after the first of all), or lines. */
static int cmd_query_list_page(struct cli_ctx *ctx, const json_t *sessions, long printed)
{
	size_t i;
	json_t *s;

	if (!ctx->json) {
		output_list(stdout, sessions);
		return 0;
	}
	json_array_foreach(sessions, i, s)
	{
		char *text = json_dumps(s, JSON_COMPACT);

		if (!text)
			return -1;
		printf("%s\n%s", printed + (long)i > 0 ? "," : "", text);
		free(text);
	}
	return 0;
}

/*
 * Pages of at most CMD_QUERY_LIST_PAGE rows, each after the last row of the one before: a long
 * list (--json, a range) costs the daemon one page of memory at a time, and a page's reply stays
 * far below what stintd queues for a client (1 MiB). --json prints one document.
 */
int cmd_query_list(struct cli_ctx *ctx, int argc, char **argv)
{
	int64_t from = 0, to = 0;
	json_t *req, *reply = NULL, *sessions;
	const char *word;
	long want, printed = 0;
	struct args a;
	bool range;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.all && ctx->dir)
		return args_usage_error(ctx->cmd, "--all and -C exclude each other");
	if ((r = args_range(ctx, &a, NULL, time_wall_ms(), &range, &from, &to, &word)))
		return r;
	if (ctx->dir && (r = args_resolve_cwd(ctx)))
		return r;
	want = a.limit ? a.limit : (range || ctx->json) ? -1 : 20;
	for (;;) {
		long page = want < 0 || want - printed > CMD_QUERY_LIST_PAGE ? CMD_QUERY_LIST_PAGE
									     : want - printed;
		json_t *rows = json_object_get(reply, "sessions"), *next = NULL;

		req =
		    request_history_page(ctx, PROTO_CMD_LIST, &a, ctx->dir != NULL, range, from, to,
					 page, json_array_get(rows, json_array_size(rows) - 1));
		if ((r = request_run(ctx, req, REQUEST_TIMEOUT_MS, &next))) {
			/* A document begun is ended, so what was printed still parses. */
			if (ctx->json && reply)
				puts("\n]}");
			json_decref(reply);
			return r;
		}
		if (ctx->json && !reply) {
			printf("{\"v\":%d,\"ok\":true,\"sessions\":[", STINT_PROTO_VERSION);
			ctx->json_printed = true;
		}
		json_decref(reply);
		reply = next;
		sessions = json_object_get(reply, "sessions");
		if (cmd_query_list_page(ctx, sessions, printed) < 0) {
			json_decref(reply);
			output_error("out of memory");
			return EXIT_REFUSED;
		}
		printed += (long)json_array_size(sessions);
		if ((long)json_array_size(sessions) < page || (want >= 0 && printed >= want))
			break;
	}
	json_decref(reply);
	if (ctx->json)
		puts("\n]}");
	else if (printed == 0)
		puts("No closed sessions.");
	return 0;
}

/* log --json: {"v":1,"ok":true,"logs":[...]}; takes sessions, which holds the paths. */
static int cmd_query_log_json(struct cli_ctx *ctx, const char **paths, size_t n, json_t *sessions)
{
	json_t *logs = json_array(), *doc;
	int r;

	for (size_t i = 0; logs && i < n; i++)
		json_array_append_new(logs, json_string(paths[i]));
	doc = logs ? json_pack("{s:i, s:b, s:o}", "v", STINT_PROTO_VERSION, "ok", 1, "logs", logs)
		   : NULL;
	json_decref(sessions);
	if (!doc) {
		output_error("out of memory");
		return EXIT_REFUSED;
	}
	r = request_print_json(ctx, doc);
	json_decref(doc);
	return r;
}

int cmd_query_log(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *paths[PROTO_MAX_LIST], *date = NULL, *repo;
	char where[PROTO_MAX_PATH + 8];
	struct args a;
	json_t *req, *reply, *sessions;
	size_t n, i;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.regenerate && (a.nrest || a.last || a.all || ctx->dir))
		return args_usage_error(ctx->cmd, "--regenerate ID takes no other argument");
	if (a.regenerate)
		return cmd_edit_regenerate(ctx, a.regenerate);
	if (a.nrest > 1)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	if (a.nrest == 1) {
		date = a.rest[0];
		if (a.last)
			return args_usage_error(ctx->cmd, "--last and DATE exclude each other");
		if (!output_valid_date(date))
			return args_usage_error(
			    ctx->cmd, "DATE must be a date as YYYY-MM-DD, not '%s'", date);
	}
	if (a.all && ctx->dir)
		return args_usage_error(ctx->cmd, "--all and -C exclude each other");
	if (!a.all && (r = args_resolve_cwd(ctx)))
		return r;
	/* List requests are all it takes: closed sessions, newest first, with their logs; up to
	 * PROTO_MAX_LIST of them, a page at a time, until --last finds one. */
	if (!(sessions = json_array()))
		return EXIT_REFUSED;
	for (;;) {
		json_t *last = json_array_get(sessions, json_array_size(sessions) - 1);
		size_t got;

		req = request_history_page(ctx, PROTO_CMD_LIST, &a, !a.all, false, 0, 0,
					   CMD_QUERY_LIST_PAGE, last);
		if ((r = request_run(ctx, req, REQUEST_TIMEOUT_MS, &reply))) {
			json_decref(sessions);
			return r;
		}
		got = json_array_size(json_object_get(reply, "sessions"));
		json_array_extend(sessions, json_object_get(reply, "sessions"));
		json_decref(reply);
		if (got < CMD_QUERY_LIST_PAGE || json_array_size(sessions) >= PROTO_MAX_LIST ||
		    (!date && output_select_logs(sessions, NULL, paths, 1) > 0))
			break;
	}
	reply = sessions;
	n = output_select_logs(sessions, date, paths, PROTO_MAX_LIST);
	if (n == 0) {
		repo = json_string_value(json_object_get(json_array_get(sessions, 0), "repo"));
		if (a.all)
			snprintf(where, sizeof(where), "in any repository");
		else
			output_home_path(repo ? repo : ctx->cwd, ctx->home, where, sizeof(where));
		ctx->err_code = "no_log";
		if (date)
			output_error("no session log of %s %s%s", date, a.all ? "" : "for ", where);
		else
			output_error("no session log yet %s%s", a.all ? "" : "for ", where);
		json_decref(reply);
		return EXIT_REFUSED;
	}
	if (ctx->json)
		return cmd_query_log_json(ctx, paths, n, reply);
	for (i = 0; i < n; i++)
		puts(paths[i]);
	json_decref(reply);
	return 0;
}

int cmd_query_ping(struct cli_ctx *ctx, int argc, char **argv)
{
	char line[256];
	struct args a;
	json_t *reply;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)) || (r = args_no_operands(ctx, &a)))
		return r < 0 ? 0 : r;
	if ((r = request_run(ctx, request_new(ctx, PROTO_CMD_PING, false), REQUEST_TIMEOUT_MS,
			     &reply)))
		return r;
	if (ctx->json) {
		r = request_print_json(ctx, reply);
	} else {
		output_daemon_line(json_object_get(reply, "daemon"), line, sizeof(line));
		puts(line);
	}
	json_decref(reply);
	return r;
}

void cmd_query_version(void)
{
	struct client c = {.fd = -1};
	char err[1024], line[256];
	json_t *req, *reply = NULL;

	printf("stint %s\n", STINT_VERSION);
	fflush(stdout);
	/* Only a daemon already running: asking for a version must not start one. */
	req = proto_request_new(PROTO_CMD_PING);
	if (req && client_connect(&c, false, err, sizeof(err)) == 0)
		reply = client_call(&c, req, TIMEOUT_VERSION_MS, err, sizeof(err));
	client_close(&c);
	json_decref(req);
	if (reply && proto_reply_is_ok(reply)) {
		output_daemon_line(json_object_get(reply, "daemon"), line, sizeof(line));
		puts(line);
	}
	json_decref(reply);
}
