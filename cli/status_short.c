#include "status_short.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "output.h"
#include "protocol.h"
#include "request.h"
#include "status_format.h"

/* Which open session a bar shows with --all: working beats idle beats paused. */
static int status_short_rank(const json_t *session)
{
	const char *state = json_string_value(json_object_get(session, "state"));

	if (state && strcmp(state, "active") == 0)
		return 3;
	if (state && strcmp(state, "idle") == 0)
		return 2;
	return 1;
}

/* The session to show: the one of the directory, or with --all the best ranked, newest first. */
static const json_t *status_short_pick(const json_t *sessions)
{
	const json_t *best = NULL, *s;
	size_t i;

	json_array_foreach(sessions, i, s)
	{
		if (!best || status_short_rank(s) > status_short_rank(best))
			best = s;
	}
	return best;
}

/*
 * Sends req (consuming it) without starting stintd. Returns 0 with *reply set (NULL: no stintd
 * runs), or EXIT_REFUSED after saying why.
 */
static int status_short_call(json_t *req, json_t **reply)
{
	struct client c = {.fd = -1};
	char err[2048];
	int r;

	*reply = NULL;
	if (!req)
		return EXIT_REFUSED;
	r = client_connect(&c, false, err, sizeof(err));
	/* Nothing listens: no daemon, so no session. A prompt shows nothing. */
	if (r == -ENOENT || r == -ECONNREFUSED) {
		json_decref(req);
		return 0;
	}
	if (r == 0)
		*reply = client_call(&c, req, STATUS_SHORT_TIMEOUT_MS, err, sizeof(err));
	client_close(&c);
	json_decref(req);
	if (!*reply) {
		output_error("%s", err);
		return EXIT_REFUSED;
	}
	if (!proto_reply_is_ok(*reply)) {
		const char *msg = proto_reply_error_message(*reply);

		output_error("%s", msg && *msg ? msg : proto_reply_error_code(*reply));
		json_decref(*reply);
		*reply = NULL;
		return EXIT_REFUSED;
	}
	return 0;
}

int status_short_run(struct cli_ctx *ctx, const struct args *a)
{
	char err[STATUS_FORMAT_MAX + 256], line[STATUS_FORMAT_LINE_MAX];
	struct status_format f;
	const json_t *s, *sessions;
	json_t *reply;
	int r;

	if (ctx->json)
		return args_usage_error(ctx->cmd, "--json prints the whole reply: not with --%s",
					a->format ? "format" : "short");
	if (a->short_form && a->format)
		return args_usage_error(ctx->cmd, "--short and --format exclude each other");
	if (a->all && ctx->dir)
		return args_usage_error(ctx->cmd, "--all and -C exclude each other");
	/* A bad format is an error whether or not a daemon runs. */
	if (status_format_parse(a->format ? a->format : "short", a->all, &f, err, sizeof(err)) < 0)
		return args_usage_error(ctx->cmd, "--format: %s", err);
	if (!a->all && (r = args_resolve_cwd(ctx)))
		return r;
	reply = client_status_snapshot(a->all ? NULL : ctx->cwd);
	if (!reply &&
	    ((r = status_short_call(request_new(ctx, PROTO_CMD_STATUS, !a->all), &reply)) ||
	     !reply))
		return r;
	sessions = json_object_get(reply, "sessions");
	s = status_short_pick(sessions);
	if (s && status_format_render(&f, s, (long)json_array_size(sessions) - 1, line,
				      sizeof(line)) > 0)
		puts(line);
	json_decref(reply);
	return 0;
}
