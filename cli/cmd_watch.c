#include "cmd_watch.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "output.h"
#include "protocol.h"
#include "request.h"
#include "timeutil.h"

static int cmd_watch_list(struct cli_ctx *ctx)
{
	char where[PATH_MAX + 8], since[40];
	json_t *reply, *repos, *w;
	int64_t ms;
	size_t i;
	int r;

	if ((r = request_run(ctx, request_new(ctx, PROTO_CMD_WATCHED, false), REQUEST_TIMEOUT_MS,
			     &reply)))
		return r;
	if (ctx->json) {
		r = request_print_json(ctx, reply);
		json_decref(reply);
		return r;
	}
	repos = json_object_get(reply, "repos");
	if (json_array_size(repos) == 0)
		puts("No watched repositories.");
	json_array_foreach(repos, i, w)
	{
		const char *reason = json_string_value(json_object_get(w, "reason"));
		const char *state = json_string_value(json_object_get(w, "state"));
		const char *at = json_string_value(json_object_get(w, "since"));

		output_home_path(json_string_value(json_object_get(w, "repo")) ?: "?", ctx->home,
				 where, sizeof(where));
		since[0] = '\0';
		if (at && output_parse_time(at, &ms) == 0)
			time_format_local(ms, ", since %Y-%m-%d %H:%M", since, sizeof(since));
		printf("%s  %s (%s%s)\n", where, state ?: "?",
		       !reason || strcmp(reason, "watch") == 0 ? "stint watch"
		       : strcmp(reason, "auto_start") == 0     ? "[time] auto_start"
							       : "[notify] start_reminder",
		       since);
	}
	json_decref(reply);
	return 0;
}

int cmd_watch_run(struct cli_ctx *ctx, int argc, char **argv)
{
	bool watch = strcmp(ctx->cmd->name, "watch") == 0;
	char where[PATH_MAX + 8];
	const char *root;
	struct args a;
	json_t *reply;
	int r;

	if ((r = args_parse(ctx, argc, argv, &a)))
		return r < 0 ? 0 : r;
	if (a.list)
		return a.nrest || ctx->dir ? args_usage_error(ctx->cmd, "--list takes no PATH")
					   : cmd_watch_list(ctx);
	if (a.nrest > 1)
		return args_usage_error(ctx->cmd, "unexpected argument '%s'", a.rest[1]);
	if (a.nrest == 1 && ctx->dir)
		return args_usage_error(ctx->cmd, "PATH and -C exclude each other");
	if (a.nrest == 1) {
		ctx->dir = a.rest[0];
		ctx->dir_operand = true;
	}
	if ((r = args_resolve_cwd(ctx)))
		return r;
	r = request_run(ctx, request_new(ctx, watch ? PROTO_CMD_WATCH : PROTO_CMD_UNWATCH, true),
			REQUEST_TIMEOUT_MS, &reply);
	if (r)
		return r;
	if (ctx->json) {
		r = request_print_json(ctx, reply);
		json_decref(reply);
		return r;
	}
	root = watch ? json_string_value(json_object_get(json_object_get(reply, "watched"), "repo"))
		     : json_string_value(json_object_get(reply, "repo"));
	output_home_path(root ?: ctx->cwd, ctx->home, where, sizeof(where));
	if (!watch)
		printf("No longer watching %s.\n", where);
	else if (json_is_true(json_object_get(reply, "added")))
		printf("Watching %s: activity there with no session open starts one.\n", where);
	else
		printf("Already watching %s.\n", where);
	json_decref(reply);
	return 0;
}
