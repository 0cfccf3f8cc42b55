#include "request.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "output.h"
#include "timeutil.h"

bool request_set(json_t **req, const char *key, json_t *value)
{
	if (!value || json_object_set_new(*req, key, value) < 0) {
		json_decref(*req);
		*req = NULL;
		return false;
	}
	return true;
}

json_t *request_new(struct cli_ctx *ctx, enum proto_cmd cmd, bool with_cwd)
{
	json_t *req = proto_request_new(cmd);

	if (!req) {
		output_error("out of memory");
		return NULL;
	}
	if (with_cwd && !request_set(&req, "cwd", json_string(ctx->cwd))) {
		output_error("the directory's path %s is not valid UTF-8", ctx->cwd);
		return NULL;
	}
	return req;
}

/*
 * Sends req (consuming it) and returns the reply, ok or not; NULL after saying why it could
 * not be had.
 */
static json_t *request_call(json_t *req, int timeout_ms, bool autostart,
			    const struct client_progress *p)
{
	struct client c = {.fd = -1};
	char err[2048];
	json_t *reply = NULL;

	if (client_connect(&c, autostart, err, sizeof(err)) == 0)
		reply = client_call_progress(&c, req, timeout_ms, p, err, sizeof(err));
	client_close(&c);
	json_decref(req);
	/* Interrupted: the caller says what that means. */
	if (!reply && !(p && p->stop && *p->stop))
		output_error("%s", err);
	return reply;
}

int request_print_json(struct cli_ctx *ctx, const json_t *msg)
{
	ctx->json_printed = true;
	if (output_json(stdout, msg, ctx->pretty) < 0) {
		output_error("cannot write the reply: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	return 0;
}

/* Reports a refusal; with --json the reply also goes to stdout. Returns EXIT_REFUSED, or
 * EXIT_USAGE when the path given does not exist and stintd knew nothing there. */
static int request_refused(struct cli_ctx *ctx, json_t *reply)
{
	const char *code = proto_reply_error_code(reply);
	const char *msg = proto_reply_error_message(reply);
	json_t *session = json_object_get(reply, "session");
	char buf[OUTPUT_LINE_MAX], here[PATH_MAX];
	/* A path that does not exist, where stintd knew nothing either: the command line's fault.
	 */
	bool missing =
	    ctx->gone && code &&
	    (strcmp(code, PROTO_ERR_NO_SESSION) == 0 || strcmp(code, PROTO_ERR_NOT_WATCHED) == 0);

	/* The path's error is the answer (main.c prints it as JSON), not stintd's. */
	if (ctx->json && !missing)
		request_print_json(ctx, reply);
	/* ... and the only answer: "no open session in PATH" would say it again. */
	if (missing)
		args_path_error(ctx, ctx->dir, ENOENT);
	else if (code && strcmp(code, PROTO_ERR_ALREADY_RUNNING) == 0 && json_is_object(session)) {
		output_already_running(session,
				       args_current_dir(here, sizeof(here)) == 0 ? here : NULL,
				       ctx->home, time_wall_ms(), buf, sizeof(buf));
		fputs(buf, stderr);
	} else {
		output_error("%s", msg && *msg ? msg : code);
	}
	json_decref(reply);
	return missing ? EXIT_USAGE : EXIT_REFUSED;
}

int request_run(struct cli_ctx *ctx, json_t *req, int timeout_ms, json_t **reply_out)
{
	return request_run_progress(ctx, req, timeout_ms, NULL, reply_out);
}

/*
 * Fields a request may carry that only change how the reply comes (progress messages; stop
 * --edit's later commit; the terminal's environment for the checks, which an older stintd
 * replaces by its own): a stintd older than them refuses them as unknown, and is asked again
 * without. Anything else the user asked for is never dropped.
 */
static const char *const request_optional[] = {"progress", "edit", "env"};

/* True when reply refused one of req's optional fields, which is then removed from req. */
static bool request_drop_optional(json_t *req, const json_t *reply)
{
	const char *code = proto_reply_error_code(reply), *msg = proto_reply_error_message(reply);
	char unknown[64];

	if (!code || strcmp(code, PROTO_ERR_BAD_REQUEST) != 0 || !msg)
		return false;
	for (size_t i = 0; i < sizeof(request_optional) / sizeof(request_optional[0]); i++) {
		snprintf(unknown, sizeof(unknown), "takes no field \"%s\"", request_optional[i]);
		if (json_object_get(req, request_optional[i]) && strstr(msg, unknown))
			return json_object_del(req, request_optional[i]) == 0;
	}
	return false;
}

int request_run_progress(struct cli_ctx *ctx, json_t *req, int timeout_ms,
			 const struct client_progress *p, json_t **reply_out)
{
	json_t *reply;

	*reply_out = NULL;
	if (!req)
		return EXIT_REFUSED;
	for (;;) {
		reply = request_call(json_incref(req), timeout_ms, true, p);
		/* An older stintd refuses what it does not know: ask again without it. */
		if (!reply || !request_drop_optional(req, reply))
			break;
		json_decref(reply);
	}
	json_decref(req);
	if (!reply) {
		ctx->err_code = "unreachable";
		return EXIT_REFUSED;
	}
	if (!proto_reply_is_ok(reply))
		return request_refused(ctx, reply);
	*reply_out = reply;
	return 0;
}

json_t *request_history_page(struct cli_ctx *ctx, enum proto_cmd cmd, const struct args *a,
			     bool with_cwd, bool range, int64_t from, int64_t to, long limit,
			     const json_t *after)
{
	json_t *req = request_new(ctx, cmd, with_cwd);

	if (!request_set(&req, "limit", json_integer(limit)) ||
	    (range && (!request_set(&req, "from", json_integer(from)) ||
		       !request_set(&req, "to", json_integer(to)))) ||
	    (a->ntags && !request_set(&req, "tags", args_tags_value(ctx, a))) ||
	    (after && !request_set(&req, "before",
				   json_pack("[O, O]", json_object_get(after, "ended_ms"),
					     json_object_get(after, "id")))))
		return NULL;
	return req;
}
