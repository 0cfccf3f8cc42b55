#include "cmd_notify.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "output.h"
#include "protocol.h"
#include "request.h"

int cmd_notify_run(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *server, *reason;
	bool test;
	struct args a;
	json_t *reply;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.nrest == 0)
		return args_usage_error(ctx->cmd, "notify needs a subcommand");
	if (strcmp(a.rest[0], "test") != 0 && strcmp(a.rest[0], "status") != 0) {
		output_error("unknown notify subcommand '%s'", a.rest[0]);
		args_suggest_word(a.rest[0], "", (const char *const[]){"test", "status", NULL});
		return args_usage_error(ctx->cmd, NULL);
	}
	if (a.nrest > 1)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	test = strcmp(a.rest[0], "test") == 0;
	/* A show can wait up to 25 s on a slow D-Bus. */
	if ((r = request_run(
		 ctx,
		 request_new(ctx, test ? PROTO_CMD_NOTIFY_TEST : PROTO_CMD_NOTIFY_STATUS, false),
		 30000, &reply)))
		return r;
	server = json_string_value(json_object_get(reply, "notify_server"));
	reason = json_string_value(json_object_get(reply, "notify_reason"));
	if (ctx->json) {
		json_t *out = json_pack("{s:i, s:b, s:O}", "v", STINT_PROTO_VERSION, "ok", 1,
					"notify", json_object_get(reply, "notify"));

		if (out && server)
			json_object_set_new(out, "notify_server", json_string(server));
		if (out && reason)
			json_object_set_new(out, "notify_reason", json_string(reason));
		r = out ? request_print_json(ctx, out) : EXIT_REFUSED;
		json_decref(out);
	} else if (test) {
		printf("Sent a test notification to %s.\n", server ? server : "the desktop");
	} else {
		const char *state = json_string_value(json_object_get(reply, "notify"));

		if (state && strcmp(state, "ok") == 0)
			printf("Desktop notifications go to %s.\n",
			       server ? server : "the desktop");
		else if (state && strcmp(state, "disabled") == 0)
			printf("Desktop notifications are off ([notify] enabled = false).\n");
		else
			printf("Desktop notifications are unavailable: %s.\n",
			       reason ? reason : "unknown reason");
	}
	json_decref(reply);
	return r;
}
